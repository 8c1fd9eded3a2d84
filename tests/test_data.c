/**
 * @file test_data.c
 * @brief MPI Check tests of problem.type = data (run as mpirun -np P, P = 1..4).
 *
 *  - f and grad f of the KDE target (a ring cross-attention of the particles over the data
 *    blocks) against a naive serial reference on the whole data set, computed by every rank
 *    with direct sums (log-sum-exp over all M samples): M = 37, N = 29 in d = 3 with a particle
 *    far from the data (logits in the thousands), at three layers of an annealed bandwidth, fast
 *    and reference kernels; M = 2, N = 3 (ranks without data or particles at P = 3, 4); d = 1.
 *    problem_f_all, problem_grad_all and problem_f_grad_all agree bitwise with each other.
 *  - The schedule: config_bandwidth and config_step (h_follows = bandwidth, T unset and set)
 *    against their closed forms.
 *  - duplicates_fraction against a naive count of bitwise-equal rows of the gathered cloud
 *    (duplicates across ranks, within a rank, +0.0 against -0.0, no duplicates).
 * Every verdict is agreed across ranks before it is asserted.
 */
#include <check.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rwpo/base/config.h"
#include "rwpo/core/duplicates.h"
#include "rwpo/core/particles.h"
#include "rwpo/io/input.h"
#include "rwpo/problems/problem.h"

#include "mpi_check.h"

static char g_dir[512];
static int g_rank, g_size;

/* A data configuration on every rank: [run] and [particles] (n, dim), [sampler] with `sampler`
 * lines, [problem] data with `problem` lines. */
static void data_config(rwpo_config *c, long n, int d, const char *run, const char *sampler,
                        const char *problem)
{
    char text[4096], err[CONFIG_ERR];
    snprintf(text, sizeof text, "[run]\noutput = %s/unused.h5\nlayers = 30\n%s[particles]\n"
             "n = %ld\ndim = %d\n[sampler]\nbeta = 1\nlambda = 0\n%s[problem]\ntype = data\n%s",
             g_dir, run, n, d, sampler, problem);
    const int rc = config_parse_text("test", text, c, err, sizeof err);
    ck_assert_msg(all_ok(rc == 0), "test configuration: %s", err);
}

/* Rank 0 writes samples [m][d] (entry (i, k) = a deterministic pseudo-random value in
 * [-2, 2]) to DIR/name.h5:/x; returns the spec. */
static void write_data(char *spec, size_t n, const char *name, long m, int d)
{
    snprintf(spec, n, "%s/%s.h5:/x", g_dir, name);
    int rc = 0;
    if (g_rank == 0) {
        double *x = malloc((size_t)(m * d) * sizeof(double));
        for (long i = 0; i < m * d; i++)
            x[i] = 2.0 * sin(1.7 * (double)i + 0.3 * (double)(i % 5));
        char err[1024];
        rc = input_write_samples(spec, m, d, x, 1, err, sizeof err);
        if (rc)
            fprintf(stderr, "%s\n", err);
        free(x);
    }
    ck_assert_int_eq(all_ok(rc == 0), 1);
}

/* The naive reference at bandwidth sd: f(x) = -log sum_m exp(-|x - X_m|^2 / (2 sd^2)) and
 * grad f = (x - sum_m w_m X_m) / sd^2, direct sums over all samples (long double). */
static void naive(const double *X, long m, int d, double sd, const double *x, double *f,
                  double *g)
{
    long double mx = -INFINITY;
    for (long j = 0; j < m; j++) {
        long double e = 0;
        for (int k = 0; k < d; k++)
            e -= (long double)(x[k] - X[j * d + k]) * (x[k] - X[j * d + k]);
        e /= 2.0L * sd * sd;
        mx = e > mx ? e : mx;
    }
    long double l = 0, o[8] = {0};
    for (long j = 0; j < m; j++) {
        long double e = 0;
        for (int k = 0; k < d; k++)
            e -= (long double)(x[k] - X[j * d + k]) * (x[k] - X[j * d + k]);
        const long double w = expl(e / (2.0L * sd * sd) - mx);
        l += w;
        for (int k = 0; k < d; k++)
            o[k] += w * X[j * d + k];
    }
    *f = (double)(-(mx + logl(l)));
    for (int k = 0; k < d; k++)
        g[k] = (double)((x[k] - o[k] / l) / (sd * sd));
}

/* One case: M samples, N particles in d, kernel; checks three layers of the schedule. */
static void check_target(long m, long n, int d, const char *kernel)
{
    char spec[700];
    write_data(spec, sizeof spec, "kde", m, d);
    rwpo_config c;
    char run[128], prob[1024];
    snprintf(run, sizeof run, "kernel = %s\nblock = 7\n", kernel);
    snprintf(prob, sizeof prob, "data_file = %s\nbandwidth = 0.05\nbandwidth_start = 2\n"
             "bandwidth_layers = 20\n", spec);
    data_config(&c, n, d, run, "h = 0.1\nweights = joint\n", prob);
    char err[2048] = "";
    problem *p = problem_open(&c, MPI_COMM_WORLD, err, sizeof err);
    ck_assert_msg(all_ok(p != NULL), "problem_open: %s", err);
    long nl, off;
    particles_shard(n, g_size, g_rank, &nl, &off);
    double *x = calloc((size_t)(nl * d) + 1, sizeof(double));
    for (long i = 0; i < nl; i++)
        for (int k = 0; k < d; k++) {
            const long gi = off + i;
            x[i * d + k] = 2.5 * cos(0.9 * (double)(gi * d + k)) + (gi == 3 ? 30.0 : 0.0);
        }
    long mm = 0;
    int dd = 0;
    double *X = NULL;
    ck_assert_int_eq(input_read_samples(spec, &mm, &dd, &X, err, sizeof err), 0);
    double *f = calloc((size_t)nl + 1, sizeof(double)), *g = calloc((size_t)(nl * d) + 1, 8);
    double *f2 = calloc((size_t)nl + 1, sizeof(double)), *g2 = calloc((size_t)(nl * d) + 1, 8);
    const long layers[3] = {0, 9, 25};
    double worst = 0.0;
    int same = 1;
    for (int t = 0; t < 3; t++) {
        problem_set_layer(p, layers[t]);
        const double sd = config_bandwidth(&c, layers[t]);
        problem_f_grad_all(p, nl, x, f, g);
        problem_f_all(p, nl, x, f2);
        problem_grad_all(p, nl, x, g2);
        same &= memcmp(f, f2, (size_t)nl * sizeof(double)) == 0 &&
                memcmp(g, g2, (size_t)(nl * d) * sizeof(double)) == 0;
        for (long i = 0; i < nl; i++) {
            double fr, gr[8];
            naive(X, mm, d, sd, x + i * d, &fr, gr);
            worst = fmax(worst, fabs(f[i] - fr) / fmax(1.0, fabs(fr)));
            for (int k = 0; k < d; k++) /* relative to the gradient's scale |x - X| / sd^2 */
                worst = fmax(worst, fabs(g[i * d + k] - gr[k]) /
                                        fmax(fabs(gr[k]), 1.0 / (sd * sd)));
        }
    }
    worst = all_max(worst);
    ck_assert_msg(all_ok(same), "f_all / grad_all / f_grad_all differ");
    ck_assert_msg(worst < 1e-11, "M = %ld, N = %ld, d = %d, %s: worst relative error %g", m, n,
                  d, kernel, worst);
    ck_assert_msg(all_ok(isfinite(data_target_neighbours(p->data)) &&
                         data_target_neighbours(p->data) >= 1.0),
                  "neighbours %g", data_target_neighbours(p->data));
    free(X);
    free(x);
    free(f);
    free(g);
    free(f2);
    free(g2);
    problem_destroy(p);
}

START_TEST(test_grad_naive)
{
    check_target(37, 29, 3, "fast");
    check_target(37, 29, 3, "reference");
    check_target(2, 3, 2, "fast");
    check_target(11, 5, 1, "fast");
    check_target(300, 64, 6, "fast"); /* d > 4: the tiled kernel */
}
END_TEST

START_TEST(test_schedule)
{
    rwpo_config c;
    data_config(&c, 4, 2, "", "h = 0.3\nh_follows = bandwidth\n",
                "data_file = x.h5:/x\nbandwidth = 0.1\nbandwidth_start = 1.5\n"
                "bandwidth_layers = 12\n");
    double worst = 0.0;
    for (long k = 0; k <= 30; k++) {
        /* closed form: sd_k = 1.5 (0.1 / 1.5)^((k - 1) / 11) for 1 <= k <= 12, then 0.1 */
        const long kk = k < 1 ? 1 : k > 12 ? 12 : k;
        const double sd = 1.5 * exp(log(0.1 / 1.5) * (double)(kk - 1) / 11.0);
        worst = fmax(worst, fabs(config_bandwidth(&c, k) / sd - 1.0));
        if (k >= 1) {
            double h, T;
            config_step(&c, k, &h, &T);
            const double hk = 0.3 * sd * sd / (1.5 * 1.5);
            worst = fmax(worst, fabs(h / hk - 1.0) + fabs(T / hk - 1.0));
        }
    }
    ck_assert_msg(worst < 1e-14, "schedule: worst relative error %g", worst);
    ck_assert(config_bandwidth(&c, 12) == 0.1 && config_bandwidth(&c, 1) == 1.5);
    /* T set: fixed; no annealing: constant */
    data_config(&c, 4, 2, "", "h = 0.3\nT = 0.01\nh_follows = bandwidth\n",
                "data_file = x.h5:/x\nbandwidth = 0.2\n");
    for (long k = 1; k <= 30; k += 7) {
        double h, T;
        config_step(&c, k, &h, &T);
        ck_assert(h == 0.3 && T == 0.01 && config_bandwidth(&c, k) == 0.2);
    }
}
END_TEST

/* Naive count: rows of all [n][d] with a bitwise-equal other row. */
static long naive_dups(const double *all, long n, long d)
{
    long c = 0;
    for (long i = 0; i < n; i++)
        for (long j = 0; j < n; j++)
            if (j != i && memcmp(all + i * d, all + j * d, (size_t)d * sizeof(double)) == 0) {
                c++;
                break;
            }
    return c;
}

static void check_dups(long n, long d, int pattern)
{
    particles *p = particles_create(n, d, g_size, g_rank);
    for (long i = 0; i < p->n_local; i++) {
        const long gi = p->offset + i;
        for (long k = 0; k < d; k++) {
            double v = sin(3.1 * (double)(gi * d + k));
            if (pattern == 1 && gi % 7 == 0) /* one clump spread over the ranks */
                v = sin(3.1 * (double)k);
            if (pattern == 1 && (gi == 1 || gi == n - 1)) /* a pair far apart */
                v = 0.25 * (double)k;
            if (pattern == 1 && (gi == 9 || gi == 10)) /* +0.0 and -0.0: not bitwise equal */
                v = gi == 9 ? 0.0 : -0.0;
            if (pattern == 2) /* every row the same */
                v = 1.0;
            p->x[i * d + k] = v;
        }
    }
    const double frac = duplicates_fraction(p->x, p->n_local, d, n);
    double *all = gather_cloud(p);
    const long want = naive_dups(all, n, d);
    ck_assert_msg(all_ok(lround(frac * (double)n) == want), "N = %ld, pattern %d: %g x N, naive %ld",
                  n, pattern, frac, want);
    ck_assert_msg(all_ok(pattern != 0 || want == 0) && all_ok(pattern == 0 || want > 0),
                  "the pattern does not test what it should");
    free(all);
    particles_destroy(p);
}

START_TEST(test_duplicates)
{
    check_dups(41, 3, 0);
    check_dups(41, 3, 1);
    check_dups(3, 2, 1);
    check_dups(3, 2, 2);
    check_dups(500, 2, 1);
}
END_TEST

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    if (mpi_tmpdir(g_dir, sizeof g_dir, "data") != 0) {
        MPI_Finalize();
        return 1;
    }
    Suite *s = suite_create("data");
    TCase *tc = tcase_create("data");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_grad_naive);
    tcase_add_test(tc, test_schedule);
    tcase_add_test(tc, test_duplicates);
    suite_add_tcase(s, tc);
    const int ok = all_passed(s);
    mpi_tmpdir_remove(g_dir);
    MPI_Finalize();
    return ok ? 0 : 1;
}
