/**
 * @file test_quality.c
 * @brief MPI Check tests of the sample-quality statistics (core/quality.h) and of OT-Flow's
 *        generator drift (problems/otflow.h), run as mpirun -np P, P = 1..4.
 *
 *  - quality_compute against a naive serial O(N^2) reimplementation of the definitions on the
 *    whole samples (every rank computes it, so agreement to 1e-12 on P = 1..4 is agreement
 *    between rank counts): energy distance (triple loops), OT-Flow's unbiased MMD, the nearest
 *    distance quantiles to the reference and to training samples (sorting, linear
 *    interpolation), sliced W2 for N != R by expanding both samples to N R equally weighted
 *    points and matching them sorted; N = 37, R = 29, M = 23 (no rank count divides them),
 *    N = 3 (a rank without particles at P = 4), N = R = 64, R = 2 and M = 3 (ranks without
 *    reference or training rows).
 *  - OT-Flow's Phi, grad_x Phi at four times and the 12-step RK4 generation of 64 points
 *    against the vectors computed by OT-Flow's own code (tests/data/otflow_swissroll_vectors.h5,
 *    tests/data/make_otflow_vectors.py) to 1e-10; each rank its own block of the points.
 *  - The observables of a run (sim) with held-out and training samples read from files (the
 *    training set through problem.data_file) against the same naive reference.
 *  - Restarts: a run with 12 flow layers stopped at layer 4 (inside the flow) and one with 3
 *    flow layers stopped at layer 4 (after it) continue bit for bit from the checkpoint and
 *    from the run file's frame.
 * Every verdict is agreed across ranks before it is asserted.
 */
#include <check.h>
#include <math.h>
#include <mpi.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rwpo/base/comm.h"
#include "rwpo/base/config.h"
#include "rwpo/base/rng.h"
#include "rwpo/base/runfiles.h"
#include "rwpo/core/particles.h"
#include "rwpo/core/quality.h"
#include "rwpo/io/input.h"
#include "rwpo/problems/otflow.h"
#include "rwpo/run/sim.h"

#include "mpi_check.h"
#include "sampler_check.h"

static char g_dir[512];

/* ---------------------------------------------------------------- naive reference */

static double dist2(const double *a, const double *b, int d)
{
    double s = 0.0;
    for (int c = 0; c < d; c++)
        s += (a[c] - b[c]) * (a[c] - b[c]);
    return s;
}

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* numpy.quantile (linear) of v [n], sorted here. */
static double quant(double *v, long n, double p)
{
    qsort(v, (size_t)n, sizeof *v, cmpd);
    double pos = p * (double)(n - 1);
    long lo = (long)pos;
    if (lo + 1 >= n)
        return v[n - 1];
    return v[lo] + (pos - (double)lo) * (v[lo + 1] - v[lo]);
}

/* Quantiles 5%, 50% of min_j |a_i - b_j| (j != i when self). */
static void nn_quant(const double *a, long n, const double *b, long m, int d, int self,
                     double out[2])
{
    double *v = malloc((size_t)n * sizeof *v);
    for (long i = 0; i < n; i++) {
        double mn = INFINITY;
        for (long j = 0; j < m; j++)
            if (!(self && i == j))
                mn = fmin(mn, dist2(a + i * d, b + j * d, d));
        v[i] = sqrt(mn);
    }
    out[0] = quant(v, n, 0.05);
    out[1] = quant(v, n, 0.5);
    free(v);
}

static void naive(const double *x, long n, const double *y, long r, const double *t, long m,
                  int d, const double *dirs, int K, quality_values *v)
{
    double sxy = 0, sxx = 0, syy = 0, kxy = 0, kxx = 0, kyy = 0;
    for (long i = 0; i < n; i++)
        for (long j = 0; j < r; j++) {
            double q = dist2(x + i * d, y + j * d, d);
            sxy += sqrt(q);
            kxy += exp(-(q + 1e-5));
        }
    for (long i = 0; i < n; i++)
        for (long j = 0; j < n; j++) {
            double q = dist2(x + i * d, x + j * d, d);
            sxx += sqrt(q);
            kxx += i != j ? exp(-(q + 1e-5)) : 0.0;
        }
    for (long i = 0; i < r; i++)
        for (long j = 0; j < r; j++) {
            double q = dist2(y + i * d, y + j * d, d);
            syy += sqrt(q);
            kyy += i != j ? exp(-(q + 1e-5)) : 0.0;
        }
    const double N = (double)n, R = (double)r;
    v->energy = 2 * sxy / (N * R) - sxx / (N * N) - syy / (R * R);
    v->mmd = kxx / (N * (N - 1)) + kyy / (R * (R - 1)) - 2 * kxy / (N * R);
    nn_quant(x, n, y, r, d, 0, v->nn_reference);
    nn_quant(y, r, y, r, d, 1, v->nn_reference + 2);
    if (m) {
        nn_quant(x, n, t, m, d, 0, v->nn_training);
        nn_quant(y, r, t, m, d, 0, v->nn_training + 2);
    }
    /* sliced W2: each sample repeated to n r equally weighted points, then sorted matching */
    double *a = malloc((size_t)(n * r) * sizeof *a), *b = malloc((size_t)(n * r) * sizeof *b);
    double w2 = 0.0;
    for (int k = 0; k < K; k++) {
        for (long i = 0; i < n; i++)
            for (long j = 0; j < r; j++) {
                double px = 0, py = 0;
                for (int c = 0; c < d; c++) {
                    px += x[i * d + c] * dirs[k * d + c];
                    py += y[j * d + c] * dirs[k * d + c];
                }
                a[i * r + j] = px;
                b[j * n + i] = py;
            }
        qsort(a, (size_t)(n * r), sizeof *a, cmpd);
        qsort(b, (size_t)(n * r), sizeof *b, cmpd);
        double s = 0.0;
        for (long i = 0; i < n * r; i++)
            s += (a[i] - b[i]) * (a[i] - b[i]);
        w2 += s / (double)(n * r);
    }
    v->sliced_w2 = sqrt(w2 / K);
    free(a);
    free(b);
}

/* ---------------------------------------------------------------- quality vs naive */

static const struct {
    long n, r, m;
    int d, K;
} qcases[] = {{37, 29, 23, 3, 16}, {3, 5, 0, 2, 8}, {64, 64, 0, 2, 32}, {20, 41, 7, 1, 4},
               {6, 2, 3, 2, 4}};

static double *sample(long n, int d, uint32_t layer, double shift)
{
    double *x = malloc((size_t)(n * d) * sizeof *x);
    for (long i = 0; i < n; i++)
        for (int c = 0; c < d; c++)
            x[i * d + c] = rng_normal(99, 7, layer, (uint64_t)i, (uint32_t)c) + shift * (c + 1);
    return x;
}

static int close_to(double a, double b)
{
    return fabs(a - b) <= 1e-12 * (1.0 + fabs(b));
}

START_TEST(test_vs_naive)
{
    const long n = qcases[_i].n, r = qcases[_i].r, m = qcases[_i].m;
    const int d = qcases[_i].d, K = qcases[_i].K;
    const int P = comm_size(), me = comm_rank();
    double *x = sample(n, d, 1, 0.3), *y = sample(r, d, 2, 0.0), *t = m ? sample(m, d, 3, 0.1)
                                                                          : NULL;
    long nl, xo, rl, ro, tl = 0, to = 0;
    particles_shard(n, P, me, &nl, &xo);
    particles_shard(r, P, me, &rl, &ro);
    if (m)
        particles_shard(m, P, me, &tl, &to);
    quality *q = quality_create(d, n, y + ro * d, rl, r, t ? t + to * d : NULL, tl, m, K, 5,
                                _i % 2 == 0);
    quality_values got, want;
    quality_compute(q, x + xo * d, nl, &got);
    double *dirs = malloc((size_t)(K * d) * sizeof *dirs);
    int unit = 1;
    for (int k = 0; k < K; k++) {
        memcpy(dirs + k * d, quality_direction(q, k), (size_t)d * sizeof(double));
        double s = 0;
        for (int c = 0; c < d; c++)
            s += dirs[k * d + c] * dirs[k * d + c];
        unit = unit && fabs(s - 1.0) < 1e-14;
    }
    naive(x, n, y, r, t, m, d, dirs, K, &want);
    int ok = unit && close_to(got.energy, want.energy) && close_to(got.mmd, want.mmd) &&
             close_to(got.sliced_w2, want.sliced_w2);
    for (int i = 0; i < 4; i++) {
        ok = ok && close_to(got.nn_reference[i], want.nn_reference[i]);
        ok = ok && (m ? close_to(got.nn_training[i], want.nn_training[i])
                      : isnan(got.nn_training[i]));
    }
    /* the same call again (buffers reused) gives the same values */
    quality_values again;
    quality_compute(q, x + xo * d, nl, &again);
    ok = ok && again.energy == got.energy && again.sliced_w2 == got.sliced_w2 &&
         again.mmd == got.mmd;
    ck_assert_msg(all_ok(ok),
                  "case %d: energy %.17g vs %.17g, mmd %.17g vs %.17g, sw2 %.17g vs %.17g, "
                  "nn %.17g vs %.17g, train %.17g vs %.17g",
                  _i, got.energy, want.energy, got.mmd, want.mmd, got.sliced_w2, want.sliced_w2,
                  got.nn_reference[1], want.nn_reference[1], got.nn_training[0],
                  want.nn_training[0]);
    quality_destroy(q);
    free(dirs);
    free(x);
    free(y);
    free(t);
}
END_TEST

/* ---------------------------------------------------------------- OT-Flow vectors */

static void data_path(char *buf, size_t n, const char *rel)
{
    const char *root = getenv("RWPO_SOURCE_ROOT");
    snprintf(buf, n, "%s/%s", root ? root : ".", rel);
}

START_TEST(test_otflow_vectors)
{
    char model[1024], vec[1024], spec[1100], err[2048] = "";
    data_path(model, sizeof model, "configs/data/otflow_swissroll_phi.h5");
    data_path(vec, sizeof vec, "tests/data/otflow_swissroll_vectors.h5");
    otflow *f = otflow_open(model, 2, err, sizeof err);
    ck_assert_msg(all_ok(f != NULL), "otflow_open: %s", err);
    long rows;
    int cols;
    double *z, *phi, *grad, *gen, t[4];
    snprintf(spec, sizeof spec, "%s:/z", vec);
    ck_assert_int_eq(all_ok(input_read_samples(spec, &rows, &cols, &z, err, sizeof err) == 0 &&
                            rows == 64 && cols == 2), 1);
    snprintf(spec, sizeof spec, "%s:/phi", vec);
    ck_assert_int_eq(all_ok(input_read_samples(spec, &rows, &cols, &phi, err, sizeof err) == 0 &&
                            rows == 4 && cols == 64), 1);
    snprintf(spec, sizeof spec, "%s:/grad", vec);
    ck_assert_int_eq(all_ok(input_read_samples(spec, &rows, &cols, &grad, err, sizeof err) == 0 &&
                            rows == 256 && cols == 2), 1);
    snprintf(spec, sizeof spec, "%s:/gen", vec);
    ck_assert_int_eq(all_ok(input_read_samples(spec, &rows, &cols, &gen, err, sizeof err) == 0 &&
                            rows == 64 && cols == 2), 1);
    snprintf(spec, sizeof spec, "%s:/t", vec);
    ck_assert_int_eq(all_ok(input_read_vector(spec, 4, t, err, sizeof err) == 0), 1);
    long nl, off;
    particles_shard(64, comm_size(), comm_rank(), &nl, &off);
    double e_phi = 0, e_grad = 0, e_gen = 0, g[2];
    for (int j = 0; j < 4; j++)
        for (long i = off; i < off + nl; i++) {
            e_phi = fmax(e_phi, fabs(otflow_phi(f, z + 2 * i, t[j]) - phi[j * 64 + i]));
            otflow_grad(f, z + 2 * i, t[j], g);
            for (int c = 0; c < 2; c++)
                e_grad = fmax(e_grad, fabs(g[c] - grad[(j * 64 + i) * 2 + c]));
        }
    double *x = malloc((size_t)(2 * nl + 1) * sizeof *x);
    memcpy(x, z + 2 * off, (size_t)(2 * nl) * sizeof *x);
    for (long k = 1; k <= 12; k++)
        otflow_layer(f, k, 12, nl, x);
    for (long i = 0; i < 2 * nl; i++)
        e_gen = fmax(e_gen, fabs(x[i] - gen[2 * off + i]));
    e_phi = all_max(e_phi);
    e_grad = all_max(e_grad);
    e_gen = all_max(e_gen);
    if (comm_rank() == 0)
        printf("OT-Flow vectors: max abs error Phi %.3g, grad %.3g, 12-step generation %.3g\n",
               e_phi, e_grad, e_gen);
    ck_assert_msg(e_phi <= 1e-10 && e_grad <= 1e-10 && e_gen <= 1e-10,
                  "OT-Flow: Phi %g, grad %g, generation %g", e_phi, e_grad, e_gen);
    free(x);
    free(z);
    free(phi);
    free(grad);
    free(gen);
    otflow_destroy(f);
}
END_TEST

/* ---------------------------------------------------------------- through the run */

/* The observables of a run whose problem reads held-out and training samples from files
 * (problem.data_file as samples is set in the struct: in this tree no problem type that takes
 * it has the key): nn_training and the others against the naive reference on the files' rows. */
START_TEST(test_run_observables)
{
    char vec[900], text[4096], err[CONFIG_ERR];
    data_path(vec, sizeof vec, "tests/data/otflow_swissroll_vectors.h5");
    snprintf(text, sizeof text,
             "[run]\noutput = %s/obs.h5\nlayers = 0\nseed = 3\n[particles]\nn = 23\ndim = 2\n"
             "[sampler]\nbeta = 1\nlambda = 0.5\nh = 0.02\n[problem]\ntype = none\n"
             "reference_file = %s:/gen\ndirections = 8\n",
             g_dir, vec);
    rwpo_config c;
    ck_assert_msg(all_ok(config_parse_text("test", text, &c, err, sizeof err) == 0), "%s", err);
    snprintf(c.data_file, sizeof c.data_file, "%s:/z", vec);
    int code = -1;
    sim *s = sim_create(&c, &code);
    ck_assert_int_eq(all_ok(s != NULL), 1);
    sim_observe(s);
    const quality_values got = s->obs->quality->v;
    double *x = gather_cloud(s->p), *y, *t, dirs[16];
    long ry, rt;
    int dy, dt;
    char spec[1100];
    snprintf(spec, sizeof spec, "%s:/gen", vec);
    ck_assert_int_eq(input_read_samples(spec, &ry, &dy, &y, err, sizeof err), 0);
    snprintf(spec, sizeof spec, "%s:/z", vec);
    ck_assert_int_eq(input_read_samples(spec, &rt, &dt, &t, err, sizeof err), 0);
    for (int k = 0; k < 8; k++)
        memcpy(dirs + 2 * k, quality_direction(s->obs->quality->q, k), 2 * sizeof(double));
    quality_values want;
    naive(x, 23, y, ry, t, rt, 2, dirs, 8, &want);
    int ok = close_to(got.energy, want.energy) && close_to(got.mmd, want.mmd) &&
             close_to(got.sliced_w2, want.sliced_w2);
    for (int i = 0; i < 4; i++)
        ok = ok && close_to(got.nn_reference[i], want.nn_reference[i]) &&
             close_to(got.nn_training[i], want.nn_training[i]);
    int named = 0;
    for (int i = 0; i < s->obs->n_obs; i++)
        named += strcmp(s->obs->obs[i].name, "nn_training") == 0;
    ck_assert_msg(all_ok(ok && named == 1 && s->obs->quality->training),
                  "run observables: nn_training %.17g vs %.17g, energy %.17g vs %.17g",
                  got.nn_training[0], want.nn_training[0], got.energy, want.energy);
    sim_destroy(s);
    free(x);
    free(y);
    free(t);
}
END_TEST

/* ---------------------------------------------------------------- restarts */

static void restart_case(long steps)
{
    char model[1024], ref[1024], text[4096], err[CONFIG_ERR];
    data_path(model, sizeof model, "configs/data/otflow_swissroll_phi.h5");
    data_path(ref, sizeof ref, "configs/data/swissroll_heldout.h5");
    snprintf(text, sizeof text,
             "[run]\noutput = %s/rs_flow%ld.h5\nlayers = 16\nevery = 2\ncheckpoint_every = 0\n"
             "progress = 0\n[particles]\nn = 37\ndim = 2\n[sampler]\nbeta = 1\nlambda = 0.5\n"
             "h = 0.02\n[problem]\ntype = none\nreference_file = %s:/samples\n"
             "directions = 8\nquality_every = 4\n[flow]\nfile = %s\nsteps = %ld\n"
             "readout_lambda = 2\n",
             g_dir, steps, ref, model, steps);
    rwpo_config c;
    ck_assert_msg(all_ok(config_parse_text("test", text, &c, err, sizeof err) == 0), "%s", err);
    double *x, v;
    reference_run(&c, &x, &v);
    char ckpt[CONFIG_STR + 16], spec[CONFIG_STR + 16], name[64];
    runfiles_checkpoints(c.output, ckpt, NULL, NULL, sizeof ckpt);
    snprintf(name, sizeof name, "rs_flow%ld_ckpt.h5", steps);
    ck_assert_msg(restart_same(g_dir, &c, name, ckpt, x, v),
                  "flow steps %ld: restart from the checkpoint differs", steps);
    snprintf(spec, sizeof spec, "%s:4", c.output);
    snprintf(name, sizeof name, "rs_flow%ld_file.h5", steps);
    ck_assert_msg(restart_same(g_dir, &c, name, spec, x, v),
                  "flow steps %ld: restart from %s differs", steps, spec);
    free(x);
}

START_TEST(test_restart_in_flow)
{
    restart_case(12);
}
END_TEST

START_TEST(test_restart_after_flow)
{
    restart_case(3);
}
END_TEST

/* ---------------------------------------------------------------- main */

int main(int argc, char **argv)
{
    setenv("OMPI_MCA_io_ompio_bytes_per_agg", "1048576", 0);
    comm_init(&argc, &argv);
    if (mpi_tmpdir(g_dir, sizeof g_dir, "test_quality") != 0) {
        comm_finalize();
        return EXIT_FAILURE;
    }
    Suite *s = suite_create("quality");
    TCase *tc = tcase_create("quality");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_vs_naive, 0, (int)(sizeof qcases / sizeof qcases[0]));
    tcase_add_test(tc, test_otflow_vectors);
    tcase_add_test(tc, test_run_observables);
    tcase_add_test(tc, test_restart_in_flow);
    tcase_add_test(tc, test_restart_after_flow);
    suite_add_tcase(s, tc);
    int passed = all_passed(s);
    mpi_tmpdir_remove(g_dir);
    comm_finalize();
    return passed ? EXIT_SUCCESS : EXIT_FAILURE;
}
