/*
 * The preconditioned RWPO layer (sampler.precondition = diagonal | full; MPI, run with 1, 2, 3
 * and 4 ranks):
 *  - whole layers of the engine against a naive serial computation of the plain layer in
 *    z = L^-1 x with f~(z) = f(L z): M = beta C + ridge of the cloud (a plain loop), L by a
 *    textbook Cholesky (or sqrt of the diagonal), z by forward substitution, grad f~ = L' grad f,
 *    the attention by tests/naive.h's O(N^2) softmax in z with lambda_k = lambda l_k (diagonal)
 *    or lambda = 0 (full) with the L1 term as the metric prox at 2 lambda T in the update (ISTA
 *    on Gauss-Jordan M^-1) or a Moreau term in the gradient, then x = L z_new; lambda = 0 and
 *    > 0, both normalisers, both weightings, refreshes of M between layers. Every rank count
 *    is compared with the same serial reference, so they agree with each other too;
 *  - linalg_cholesky: the ScaLAPACK path (forced with a small threshold) against the LAPACK path
 *    and L L' against the matrix;
 *  - a restart from a checkpoint written between two refreshes of M is bitwise equal to the
 *    uninterrupted run, and one from the run file's frame at the same layer (which rebuilds M
 *    from that frame) is not: the checkpoint's stored factor is what makes it bitwise.
 */
#include <check.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rwpo/base/comm.h"
#include "rwpo/base/config.h"
#include "rwpo/base/runfiles.h"
#include "rwpo/core/linalg.h"
#include "rwpo/problems/problem.h"
#include "rwpo/run/ckpt.h"
#include "rwpo/run/sim.h"

#include "mpi_check.h"
#include "naive.h"
#include "sampler_check.h"

static char g_dir[512];

/* Parse INI text (printf-style) into c on every rank. */
static void parse(rwpo_config *c, const char *fmt, ...)
{
    char text[4096], err[CONFIG_ERR];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    int rc = config_parse_text("test", text, c, err, sizeof err);
    ck_assert_msg(all_ok(rc == 0), "test configuration: %s", err);
}

/* ---------------------------------------------------------------- naive reference */

/* Q = M^-1 by Gauss-Jordan elimination with partial pivoting (M [d][d] is kept). */
static void naive_inverse(long d, const double *M, double *Q)
{
    double *a = malloc((size_t)(d * 2 * d) * sizeof *a);
    for (long i = 0; i < d; i++)
        for (long j = 0; j < 2 * d; j++)
            a[i * 2 * d + j] = j < d ? M[i * d + j] : (j - d == i ? 1.0 : 0.0);
    for (long c = 0; c < d; c++) {
        long piv = c;
        for (long r = c + 1; r < d; r++)
            if (fabs(a[r * 2 * d + c]) > fabs(a[piv * 2 * d + c]))
                piv = r;
        for (long j = 0; j < 2 * d; j++) {
            const double t = a[c * 2 * d + j];
            a[c * 2 * d + j] = a[piv * 2 * d + j];
            a[piv * 2 * d + j] = t;
        }
        const double p = a[c * 2 * d + c];
        for (long j = 0; j < 2 * d; j++)
            a[c * 2 * d + j] /= p;
        for (long r = 0; r < d; r++)
            if (r != c) {
                const double f = a[r * 2 * d + c];
                for (long j = 0; j < 2 * d; j++)
                    a[r * 2 * d + j] -= f * a[c * 2 * d + j];
            }
    }
    for (long i = 0; i < d; i++)
        for (long j = 0; j < d; j++)
            Q[i * d + j] = a[i * 2 * d + d + j];
    free(a);
}

/* argmin_u lambda |u|_1 + (u - v)' Q (u - v) / (2h) by ISTA (proximal gradient with step
 * h / (a bound of Q's largest eigenvalue), many iterations): into u [d]. */
static void naive_metric_prox(long d, const double *Q, double lambda, double h, const double *v,
                              double *u)
{
    double bound = 0.0, *gr = malloc((size_t)d * sizeof *gr);
    for (long i = 0; i < d; i++) {
        double r = 0.0;
        for (long j = 0; j < d; j++)
            r += fabs(Q[i * d + j]);
        bound = fmax(bound, r);
    }
    const double t = h / bound;
    memcpy(u, v, (size_t)d * sizeof *u);
    for (int it = 0; it < 20000; it++) {
        for (long i = 0; i < d; i++) {
            double s = 0.0;
            for (long j = 0; j < d; j++)
                s += Q[i * d + j] * (u[j] - v[j]);
            gr[i] = s / h;
        }
        for (long i = 0; i < d; i++) {
            const double z = u[i] - t * gr[i], thr = t * lambda;
            u[i] = z > thr ? z - thr : (z < -thr ? z + thr : 0.0);
        }
    }
    free(gr);
}

/* The factor of M = beta C + 1e-6 mean_k(beta C_kk) I of the cloud x [N][d] (population
 * covariance): L [d][d] lower, as a full matrix also for the diagonal metric (its diagonal);
 * Q = M^-1 of the full metric. */
static void naive_factor(const rwpo_config *c, const double *x, double *L, double *Q)
{
    const long N = c->n, d = c->dim;
    double *mean = calloc((size_t)d, sizeof *mean), *M = calloc((size_t)(d * d), sizeof *M);
    for (long i = 0; i < N; i++)
        for (long a = 0; a < d; a++)
            mean[a] += x[i * d + a] / (double)N;
    for (long a = 0; a < d; a++)
        for (long b = 0; b < d; b++) {
            double s = 0.0;
            for (long i = 0; i < N; i++)
                s += (x[i * d + a] - mean[a]) * (x[i * d + b] - mean[b]);
            M[a * d + b] = c->beta * s / (double)N;
        }
    double tr = 0.0;
    for (long a = 0; a < d; a++)
        tr += M[a * d + a];
    for (long a = 0; a < d; a++)
        M[a * d + a] += 1e-6 * tr / (double)d;
    if (c->precondition == PRECOND_DIAGONAL) {
        memset(L, 0, (size_t)(d * d) * sizeof *L);
        for (long a = 0; a < d; a++)
            L[a * d + a] = sqrt(M[a * d + a]);
    } else {
        naive_cholesky(d, M, L);
        naive_inverse(d, M, Q);
    }
    free(mean);
    free(M);
}

/* Layer k of the plain RWPO layer in z = L^-1 x with f~(z) = f(L z), on the whole cloud x
 * (in place); L is rebuilt from the cloud at refresh layers. */
static void naive_layer(const rwpo_config *c, const problem *prob, long k, double *x, double *L,
                        double *Q)
{
    const long N = c->n, d = c->dim;
    double h, T;
    config_step(c, k, &h, &T);
    if ((k - 1) % c->precondition_every == 0)
        naive_factor(c, x, L, Q);
    const int full = c->precondition == PRECOND_FULL;
    const int prox = full && c->precondition_l1 == PRECOND_L1_PROX;
    const double gamma = c->gamma > 0 ? c->gamma : h;
    double *g = malloc((size_t)(N * d) * sizeof *g), *y = malloc((size_t)(N * d) * sizeof *y);
    double *A = malloc((size_t)(N * d) * sizeof *A), *lk = malloc((size_t)d * sizeof *lk);
    problem_grad(prob, N, x, g);
    for (long i = 0; i < N; i++) {
        double *gi = g + i * d, *xi = x + i * d, *yi = y + i * d;
        if (full && !prox) /* the L1 term through its Moreau envelope */
            for (long a = 0; a < d; a++) {
                const double t = gamma * c->lambda, v = xi[a];
                gi[a] += (v - (v > t ? v - t : (v < -t ? v + t : 0.0))) / gamma;
            }
        for (long a = 0; a < d; a++) { /* z = L^-1 x, then z - h L' g */
            double v = xi[a];
            for (long b = 0; b < a; b++)
                v -= L[a * d + b] * yi[b];
            yi[a] = v / L[a * d + a];
        }
        for (long a = 0; a < d; a++) {
            double v = 0.0;
            for (long b = 0; b < d; b++)
                v += L[b * d + a] * gi[b];
            yi[a] -= h * v;
        }
    }
    for (long a = 0; a < d; a++)
        lk[a] = full ? 0.0 : c->lambda * L[a * d + a];
    naive_lk(c->weights == WEIGHTS_JOINT, c->normaliser == NORMALISER_MOREAU, N, N, d, y, y, lk,
             c->beta, T, A);
    for (long i = 0; i < N && prox; i++) { /* x = y + a (P(y) - L A), y = L w */
        double yv[64], u[64];
        for (long a = 0; a < d; a++) {
            yv[a] = 0.0;
            for (long b = 0; b <= a; b++)
                yv[a] += L[a * d + b] * y[i * d + b];
        }
        naive_metric_prox(d, Q, c->lambda, 2 * T, yv, u);
        for (long a = 0; a < d; a++) {
            double la = 0.0;
            for (long b = 0; b <= a; b++)
                la += L[a * d + b] * A[i * d + b];
            x[i * d + a] = yv[a] + h / (2 * T) * (u[a] - la);
        }
    }
    for (long i = 0; i < N && !prox; i++) {
        double zn[64];
        for (long a = 0; a < d; a++) {
            const double u = y[i * d + a], thr = lk[a] * T;
            const double S = u > thr ? u - thr : (u < -thr ? u + thr : 0.0);
            zn[a] = u + h / (2 * T) * (S - A[i * d + a]);
        }
        for (long a = 0; a < d; a++) {
            double v = 0.0;
            for (long b = 0; b <= a; b++)
                v += L[a * d + b] * zn[b];
            x[i * d + a] = v;
        }
    }
    free(g);
    free(y);
    free(A);
    free(lk);
}

/* ---------------------------------------------------------------- engine vs naive */

typedef struct {
    const char *precondition, *l1;
    double lambda;
    const char *weights, *normaliser;
    long n;
} pcase;

static const pcase pcases[] = {
    {"full", "prox", 0.0, "coordinatewise", "exact", 37},     /* the Gaussian kernel in z */
    {"diagonal", "prox", 0.0, "coordinatewise", "exact", 37},
    {"full", "prox", 0.0, "joint", "exact", 37},
    {"diagonal", "prox", 0.4, "coordinatewise", "exact", 37}, /* lambda_k = lambda l_k */
    {"diagonal", "prox", 0.4, "coordinatewise", "moreau", 37},
    {"diagonal", "prox", 0.4, "joint", "exact", 26},
    {"diagonal", "prox", 2.5, "coordinatewise", "exact", 26}, /* past the fixed-shift bound */
    {"full", "prox", 0.4, "coordinatewise", "exact", 37},     /* L1: prox in the metric */
    {"full", "prox", 1.5, "joint", "exact", 26},
    {"full", "moreau", 0.4, "coordinatewise", "exact", 37},   /* L1: Moreau envelope */
    {"full", "moreau", 0.4, "joint", "moreau", 3},            /* N < P at 4 ranks */
};

START_TEST(test_vs_naive)
{
    const pcase *e = &pcases[_i];
    rwpo_config c;
    parse(&c, "[run]\noutput = %s/unused.h5\nlayers = 4\nblock = 5\n[particles]\nn = %ld\n"
              "dim = 4\ninit_scale = 0.8\ninit_mean = 0.5, -1, 0, 2\n[sampler]\nbeta = 1.3\n"
              "lambda = %g\nh = 0.1\nT = 0.15\nschedule = 3:0.05\nweights = %s\nnormaliser = %s\n"
              "precondition = %s\nprecondition_every = 2\n%s[problem]\ntype = gaussian\n"
              "mean = 1, -0.5, 0.3, 0\nstd = 0.7\n",
          g_dir, e->n, e->lambda, e->weights, e->normaliser, e->precondition,
          strcmp(e->l1, "moreau") == 0 ? "precondition_l1 = moreau\ngamma = 0.3\n" : "");
    int code = -1;
    sim *s = sim_create(&c, &code);
    ck_assert_int_eq(all_ok(s != NULL && code == 0), 1);
    double *x = gather_cloud(s->p);
    for (long k = 1; k <= c.layers; k++)
        ck_assert_int_eq(all_ok(sim_layer(s) == 0), 1);
    double *got = gather_cloud(s->p);
    sim_destroy(s);
    problem *prob = problem_create(&c);
    double *L = calloc((size_t)(c.dim * c.dim), sizeof *L);
    double *Q = calloc((size_t)(c.dim * c.dim), sizeof *Q);
    for (long k = 1; k <= c.layers; k++)
        naive_layer(&c, prob, k, x, L, Q);
    const double err = all_max(rel_diff(got, x, c.n * c.dim));
    ck_assert_msg(err < 1e-12, "precondition = %s (L1 %s), lambda = %g, %s, %s: engine vs naive "
                  "%.3e", e->precondition, e->l1, e->lambda, e->weights, e->normaliser, err);
    problem_destroy(prob);
    free(Q);
    free(L);
    free(x);
    free(got);
}
END_TEST

/* ---------------------------------------------------------------- linalg_cholesky */

START_TEST(test_cholesky_paths)
{
    const long n = 37;
    double *a = malloc((size_t)(n * n) * sizeof *a), *b = malloc((size_t)(n * n) * sizeof *b);
    double *c = malloc((size_t)(n * n) * sizeof *c), *r = malloc((size_t)(n * n) * sizeof *r);
    unsigned long seed = 11;
    for (long i = 0; i < n * n; i++)
        r[i] = lcg(&seed) - 0.5;
    for (long i = 0; i < n; i++) /* a = R R' + n I: symmetric positive definite */
        for (long j = 0; j < n; j++) {
            double v = i == j ? (double)n : 0.0;
            for (long k = 0; k < n; k++)
                v += r[i * n + k] * r[j * n + k];
            a[i * n + j] = v;
        }
    memcpy(b, a, (size_t)(n * n) * sizeof *a);
    memcpy(c, a, (size_t)(n * n) * sizeof *a);
    ck_assert_int_eq(all_ok(linalg_cholesky(comm_world(), n, b, 1000, 4) == 0), 1); /* LAPACK */
    ck_assert_int_eq(all_ok(linalg_cholesky(comm_world(), n, c, 1, 4) == 0), 1);    /* grid */
    double recon = 0.0, upper = 0.0;
    for (long i = 0; i < n; i++)
        for (long j = 0; j < n; j++) {
            double v = 0.0;
            for (long k = 0; k < n; k++)
                v += c[i * n + k] * c[j * n + k];
            recon = fmax(recon, fabs(v - a[i * n + j]) / (double)n);
            if (j > i)
                upper = fmax(upper, fabs(c[i * n + j]) + fabs(b[i * n + j]));
        }
    const double diff = all_max(rel_diff(c, b, n * n));
    ck_assert_msg(diff < 1e-13 && all_max(recon) < 1e-13 && all_max(upper) == 0.0,
                  "cholesky: grid vs LAPACK %.3e, |L L' - A| / n %.3e, upper %g", diff, recon,
                  upper);
    /* not positive definite: the minor is named on every rank, on both paths */
    a[5 * n + 5] = -1.0;
    memcpy(b, a, (size_t)(n * n) * sizeof *a);
    ck_assert_int_eq(all_ok(linalg_cholesky(comm_world(), n, a, 1000, 4) == 6), 1);
    ck_assert_int_eq(all_ok(linalg_cholesky(comm_world(), n, b, 1, 4) == 6), 1);
    free(a);
    free(b);
    free(c);
    free(r);
}
END_TEST

/* ---------------------------------------------------------------- restarts */

START_TEST(test_restart)
{
    static const char *const kinds[] = {"diagonal", "full"};
    rwpo_config c;
    parse(&c, "[run]\noutput = %s/rs_precond_%d.h5\nlayers = 8\nevery = 2\ncheckpoint_every = 0\n"
              "progress = 0\n[particles]\nn = 37\ndim = 4\n[sampler]\nbeta = 2\nlambda = 0.3\n"
              "h = 0.05\nschedule = 6:0.02\nprecondition = %s\nprecondition_every = 3\n"
              "[problem]\ntype = linear\nm = 6\nsigma = 0.5\nsparsity = 2\n",
          g_dir, _i, kinds[_i]);
    /* refreshes at layers 1, 4, 7; the checkpoint at layer 4 holds the factor built at layer 4
     * from the cloud of layer 3, which layer 5 uses */
    double *x, v;
    reference_run(&c, &x, &v);
    char ckpt[CONFIG_STR + 16], spec[CONFIG_STR + 16], name[64];
    runfiles_checkpoints(c.output, ckpt, NULL, NULL, sizeof ckpt);
    snprintf(name, sizeof name, "rs_precond_ckpt_%d.h5", _i);
    ck_assert_msg(restart_same(g_dir, &c, name, ckpt, x, v),
                  "precondition = %s: restart from the checkpoint differs", kinds[_i]);
    snprintf(spec, sizeof spec, "%s:4", c.output);
    snprintf(name, sizeof name, "rs_precond_file_%d.h5", _i);
    ck_assert_msg(!restart_same(g_dir, &c, name, spec, x, v),
                  "precondition = %s: a restart from the frame (M rebuilt from layer 4) equals "
                  "the run whose M came from layer 3", kinds[_i]);
    free(x);
}
END_TEST

/* ---------------------------------------------------------------- main */

int main(int argc, char **argv)
{
    setenv("OMPI_MCA_io_ompio_bytes_per_agg", "1048576", 0);
    comm_init(&argc, &argv);
    if (mpi_tmpdir(g_dir, sizeof g_dir, "test_precond") != 0) {
        comm_finalize();
        return EXIT_FAILURE;
    }
    Suite *s = suite_create("precond");
    TCase *tc = tcase_create("precond");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_vs_naive, 0, (int)(sizeof pcases / sizeof pcases[0]));
    tcase_add_test(tc, test_cholesky_paths);
    tcase_add_loop_test(tc, test_restart, 0, 2);
    suite_add_tcase(s, tc);
    int passed = all_passed(s);
    mpi_tmpdir_remove(g_dir);
    comm_finalize();
    return passed ? EXIT_SUCCESS : EXIT_FAILURE;
}
