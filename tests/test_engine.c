/*
 * The distributed engine (MPI; run with 1, 2, 3 and 4 ranks): layers of the ring engine against
 * a naive serial O(N^2) layer computed on every rank from the same initial cloud, so every rank
 * count is compared with the same reference (1e-12 relative); N not divisible by P and N < P;
 * blocking and overlapped rings bitwise equal; running max and fixed shift equal to round-off;
 * key-block sizes; the initial cloud independent of the rank count; gradients against finite
 * differences.
 *
 * Every verdict is agreed with MPI_Allreduce before it is asserted, so no rank hangs.
 */
#include <check.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rwpo/base/comm.h"
#include "rwpo/base/config.h"
#include "rwpo/base/rng.h"
#include "rwpo/core/particles.h"
#include "rwpo/problems/problem.h"
#include "rwpo/run/sim.h"

#include "naive.h"
#include "mpi_check.h"


static void base_config(rwpo_config *c, long n, long d, config_problem prob, int joint,
                        int moreau)
{
    config_defaults(c);
    c->n = n;
    c->dim = d;
    c->layers = 4;
    c->beta = 1.0;
    c->lambda = 0.1;
    c->h = 0.1;
    c->init_scale = joint ? 0.3 : 2.0; /* joint weights need close particles */
    c->problem = prob;
    c->weights = joint ? WEIGHTS_JOINT : WEIGHTS_COORDINATEWISE;
    c->normaliser = moreau ? NORMALISER_MOREAU : NORMALISER_EXACT;
    snprintf(c->output, sizeof c->output, "unused.h5");
    snprintf(c->schedule, sizeof c->schedule, "3:0.05");
    c->n_schedule = 1;
    c->schedule_layer[0] = 3;
    c->schedule_h[0] = 0.05;
}

/* One naive serial layer on the full cloud x [N * d] (in place). */
static void naive_layer(const rwpo_config *c, const problem *prob, long k, double *x)
{
    const long n = c->n, d = c->dim;
    double h, T;
    config_step(c, k, &h, &T);
    double *g = malloc((size_t)(n * d) * sizeof *g), *y = malloc((size_t)(n * d) * sizeof *y);
    double *A = malloc((size_t)(n * d) * sizeof *A);
    problem_grad(prob, n, x, g);
    for (long i = 0; i < n * d; i++)
        y[i] = x[i] - h * g[i];
    naive(c->weights == WEIGHTS_JOINT, c->normaliser == NORMALISER_MOREAU, n, n, d, y, y,
          c->lambda, c->beta, T, A);
    for (long i = 0; i < n * d; i++) {
        double thr = c->lambda * T, u = y[i];
        double S = u > thr ? u - thr : (u < -thr ? u + thr : 0.0);
        x[i] = y[i] + h / (2 * T) * (S - A[i]);
    }
    free(g);
    free(y);
    free(A);
}

/* Run the engine for c->layers layers; return the gathered final cloud. */
static double *run_engine(const rwpo_config *c, int force_running_max)
{
    int code = -1;
    sim *s = sim_create(c, &code);
    ck_assert_int_eq(all_ok(s != NULL && code == 0), 1);
    s->env.force_running_max = force_running_max;
    for (long k = 1; k <= c->layers; k++)
        ck_assert_int_eq(all_ok(sim_layer(s) == 0), 1);
    double *x = gather_cloud(s->p);
    sim_destroy(s);
    return x;
}

typedef struct {
    long n, d;
    config_problem prob;
    double lambda;
} ecase;

static const ecase ecases[] = {
    {37, 3, PROBLEM_MIXTURE_LAPLACE, 0.1}, /* N not divisible by 2, 3, 4 */
    {3, 2, PROBLEM_GAUSSIAN, 0.5},         /* N < P at 4 ranks: a rank owns none */
    {1, 2, PROBLEM_NONE, 0.2},             /* a single particle */
    {40, 20, PROBLEM_MIXTURE_LAPLACE, 0.1},/* the reference experiment's shape */
    {26, 4, PROBLEM_NONE, 0.0},            /* lambda = 0: BRWP with V = 0 */
};

/* Engine vs the naive layer, all combinations of weights and normaliser. */
START_TEST(test_engine_vs_naive)
{
    const ecase *e = &ecases[_i / 4];
    int joint = _i & 1, moreau = (_i >> 1) & 1;
    rwpo_config c;
    base_config(&c, e->n, e->d, e->prob, joint, moreau);
    c.lambda = e->lambda;
    c.block = 5; /* several key blocks per ring block */
    double *x = run_engine(&c, 0);
    /* reference: the same initial cloud, generated directly */
    double *ref = malloc((size_t)(e->n * e->d) * sizeof *ref);
    for (long i = 0; i < e->n; i++)
        for (long k = 0; k < e->d; k++)
            ref[i * e->d + k] = c.init_scale * rng_normal((uint64_t)c.seed, RNG_STREAM_INIT, 0,
                                                          (uint64_t)i, (uint32_t)k);
    problem *prob = problem_create(&c);
    for (long k = 1; k <= c.layers; k++)
        naive_layer(&c, prob, k, ref);
    problem_destroy(prob);
    double err = all_max(rel_diff(x, ref, e->n * e->d));
    if (comm_rank() == 0 && err >= 1e-12)
        fprintf(stderr, "case %d (N=%ld d=%ld joint=%d moreau=%d) ranks=%d: rel err %.3e\n",
                _i / 4, e->n, e->d, joint, moreau, comm_size(), err);
    ck_assert_msg(err < 1e-12, "engine vs naive: relative error %.3e", err);
    free(x);
    free(ref);
}
END_TEST

/* Blocking and overlapped rings fold the same blocks in the same order: bitwise equal.
 * Running max vs fixed shift, different key-block sizes and the reference kernels: equal to
 * round-off. */
START_TEST(test_ring_variants)
{
    rwpo_config c;
    base_config(&c, 37, 5, PROBLEM_MIXTURE_LAPLACE, _i & 1, 0);
    c.ring = RING_OVERLAP;
    double *a = run_engine(&c, 0);
    c.ring = RING_BLOCKING;
    double *b = run_engine(&c, 0);
    int same = memcmp(a, b, (size_t)(c.n * c.dim) * sizeof(double)) == 0;
    ck_assert_msg(all_ok(same), "blocking and overlapped rings differ");
    double *m = run_engine(&c, 1);
    double err = all_max(rel_diff(m, a, c.n * c.dim));
    ck_assert_msg(err < 1e-12, "running max vs fixed shift: %.3e", err);
    c.block = 1;
    double *b1 = run_engine(&c, 0);
    err = all_max(rel_diff(b1, a, c.n * c.dim));
    ck_assert_msg(err < 1e-12, "block size 1 vs 1024: %.3e", err);
    c.block = 1024;
    c.kernel = KERNEL_REFERENCE; /* run.kernel = reference: whole layers, to round-off */
    double *r = run_engine(&c, 0);
    err = all_max(rel_diff(r, a, c.n * c.dim));
    ck_assert_msg(err < 1e-12, "reference kernel vs fast: %.3e", err);
    free(a);
    free(b);
    free(m);
    free(b1);
    free(r);
}
END_TEST

/* The initial cloud is the same on any number of ranks: it equals the direct draw by id. */
START_TEST(test_initial_cloud)
{
    rwpo_config c;
    base_config(&c, 11, 3, PROBLEM_NONE, 0, 0);
    snprintf(c.init_mean, sizeof c.init_mean, "1, -2, 3");
    c.seed = 42;
    int code;
    sim *s = sim_create(&c, &code);
    ck_assert_int_eq(all_ok(s != NULL), 1);
    int ok = 1;
    const double mean[3] = {1, -2, 3};
    for (long i = 0; i < s->p->n_local; i++)
        for (long k = 0; k < 3; k++) {
            double want = mean[k] + c.init_scale * rng_normal(42, RNG_STREAM_INIT, 0,
                                                     (uint64_t)(s->p->offset + i), (uint32_t)k);
            ok &= s->p->x[i * 3 + k] == want;
        }
    /* balanced blocks: sizes differ by at most one and cover 0..N-1 */
    long nl = s->p->n_local, mn = nl, mx = nl, total = nl;
    MPI_Allreduce(MPI_IN_PLACE, &mn, 1, MPI_LONG, MPI_MIN, MPI_COMM_WORLD);
    MPI_Allreduce(MPI_IN_PLACE, &mx, 1, MPI_LONG, MPI_MAX, MPI_COMM_WORLD);
    MPI_Allreduce(MPI_IN_PLACE, &total, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
    sim_destroy(s);
    ck_assert_int_eq(all_ok(ok), 1);
    ck_assert_int_le(mx - mn, 1);
    ck_assert_int_eq(total, 11);
    /* the normal generator: sample moments of 20000 draws */
    double m1 = 0, m2 = 0;
    for (long i = 0; i < 20000; i++) {
        double z = rng_normal(7, RNG_STREAM_INIT, 0, (uint64_t)i, 0);
        m1 += z;
        m2 += z * z;
    }
    m1 /= 20000;
    m2 /= 20000;
    ck_assert_msg(fabs(m1) < 0.03 && fabs(m2 - 1) < 0.04, "normal moments %g %g", m1, m2);
}
END_TEST

/* Gradients against central finite differences of f. */
START_TEST(test_gradients)
{
    rwpo_config c;
    base_config(&c, 1, 5, _i == 0 ? PROBLEM_MIXTURE_LAPLACE : PROBLEM_GAUSSIAN, 0, 0);
    snprintf(c.problem_mean, sizeof c.problem_mean, "1, 2, 3, 4, 5");
    c.problem_std = 0.7;
    problem *p = problem_create(&c);
    unsigned long seed = 99;
    double worst = 0.0;
    for (int t = 0; t < 50; t++) {
        double x[5], g[5];
        for (int k = 0; k < 5; k++)
            x[k] = 20 * lcg(&seed) - 10;
        problem_grad(p, 1, x, g);
        for (int k = 0; k < 5; k++) {
            double e = 1e-5, xp[5], xm[5];
            memcpy(xp, x, sizeof x);
            memcpy(xm, x, sizeof x);
            xp[k] += e;
            xm[k] -= e;
            double fd = (problem_f(p, xp) - problem_f(p, xm)) / (2 * e);
            worst = fmax(worst, fabs(fd - g[k]) / fmax(1.0, fabs(g[k])));
        }
    }
    problem_destroy(p);
    ck_assert_msg(worst < 1e-7, "gradient vs finite differences: %.3e", worst);
}
END_TEST

int main(int argc, char **argv)
{
    comm_init(&argc, &argv);
    Suite *s = suite_create("engine");
    TCase *tc = tcase_create("distributed");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_engine_vs_naive, 0, 4 * (int)(sizeof ecases / sizeof ecases[0]));
    tcase_add_loop_test(tc, test_ring_variants, 0, 2);
    tcase_add_test(tc, test_initial_cloud);
    tcase_add_loop_test(tc, test_gradients, 0, 2);
    suite_add_tcase(s, tc);
    int passed = all_passed(s);
    comm_finalize();
    return passed ? EXIT_SUCCESS : EXIT_FAILURE;
}
