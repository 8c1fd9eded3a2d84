/*
 * sampler.method = gibbs_lasso (MPI; run with 1, 2, 3 and 4 ranks):
 *   - the latent draw (Michael-Schucany-Haas) against the closed-form inverse Gaussian CDF, and
 *     at |x| = 0 against the Levy CDF (Kolmogorov distance over 2e5 draws);
 *   - A'A and A'b (linalg_gram): replicated and distributed on every grid bitwise equal, and
 *     equal to the plain triple loop to round-off;
 *   - whole sweeps against a naive per-particle reference written here (textbook MSH with its
 *     cancellation, Gauss-Jordan mean, separate Cholesky), both layouts;
 *   - the 1-D and the 2-D correlated lasso posteriors against quadrature on a fine grid: mean,
 *     second moments (and from them sd and correlation) within 4 Monte Carlo standard errors
 *     (chain means over the sweeps after burn-in, independent across chains);
 *   - lambda = 0: exact independent draws from the Gaussian posterior the problem computes with
 *     ScaLAPACK;
 *   - restart from x alone is bitwise;
 *   - the configuration refusals (a problem other than linear, d above the limit).
 * Every verdict is agreed over the ranks before it is asserted.
 */
#include <check.h>
#include <hdf5.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rwpo/base/comm.h"
#include "rwpo/base/config.h"
#include "rwpo/base/rng.h"
#include "rwpo/core/linalg.h"
#include "rwpo/run/sim.h"
#include "rwpo/samplers/gibbs_lasso.h"
#include "mpi_check.h"
#include "naive.h"

#define H5_FILE "test_gibbs_input.h5"

/* ---- the test problems ------------------------------------------------------------------- */

typedef struct {
    long m, d;
    const double *A; /* [m][d] */
    const double *b; /* [m] */
    double sigma, beta, lambda;
} lasso;

/* 1-D: the lasso MAP is 0 (|A'b| < lambda sigma^2), mass on both sides of the kink. */
static const double A1[4] = {1.0, 0.6, -0.8, 1.3};
static const double b1[4] = {0.4, 0.1, -0.2, 0.5};
static const lasso P1 = {4, 1, A1, b1, 1.0, 1.0, 1.5};

/* 2-D: columns correlated 0.97; posterior correlation -0.75, P(x1 < 0) = 0.13,
 * P(x2 < 0) = 0.29. */
static const double A2[8] = {1.0, 0.8, 0.9, 1.0, 0.2, 0.1, -0.5, -0.3};
static const double b2[4] = {1.2, 0.5, 0.1, -0.6};
static const lasso P2 = {4, 2, A2, b2, 0.5, 1.0, 2.0};

/* Write A and b of a problem (rank 0) for operator = file. */
static void write_problem(const lasso *q)
{
    if (comm_rank() == 0) {
        hid_t f = H5Fcreate(H5_FILE, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
        hsize_t dims[2] = {(hsize_t)q->m, (hsize_t)q->d};
        hid_t sp = H5Screate_simple(2, dims, NULL);
        hid_t ds = H5Dcreate2(f, "/A", H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, q->A);
        H5Dclose(ds);
        H5Sclose(sp);
        sp = H5Screate_simple(1, dims, NULL);
        ds = H5Dcreate2(f, "/b", H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, q->b);
        H5Dclose(ds);
        H5Sclose(sp);
        H5Fclose(f);
    }
    MPI_Barrier(MPI_COMM_WORLD);
}

static void remove_problem(void)
{
    MPI_Barrier(MPI_COMM_WORLD);
    if (comm_rank() == 0)
        remove(H5_FILE);
}

/* A gibbs_lasso run of a problem written by write_problem. */
static void gibbs_config(rwpo_config *c, const lasso *q, long n)
{
    config_defaults(c);
    c->n = n;
    c->dim = q->d;
    c->layers = 0;
    c->method = METHOD_GIBBS_LASSO;
    c->beta = q->beta;
    c->lambda = q->lambda;
    c->h = 1.0;
    c->problem = PROBLEM_LINEAR;
    c->problem_operator = OPERATOR_FILE;
    c->problem_sigma = q->sigma;
    snprintf(c->operator_file, sizeof c->operator_file, "%s", H5_FILE ":/A");
    snprintf(c->data_file, sizeof c->data_file, "%s", H5_FILE ":/b");
    snprintf(c->output, sizeof c->output, "unused.h5");
}

static sim *make_sim(const rwpo_config *c)
{
    int code;
    sim *s = sim_create(c, &code);
    ck_assert_int_eq(all_ok(s != NULL), 1);
    return s;
}

/* log of the unnormalised target density at x [d]. */
static double log_target(const lasso *q, const double *x)
{
    double f = 0.0, l1 = 0.0;
    for (long i = 0; i < q->m; i++) {
        double r = -q->b[i];
        for (long k = 0; k < q->d; k++)
            r += q->A[i * q->d + k] * x[k];
        f += r * r;
    }
    for (long k = 0; k < q->d; k++)
        l1 += fabs(x[k]);
    return -q->beta * (f / (2.0 * q->sigma * q->sigma) + q->lambda * l1);
}

/* ---- the latent draw ---------------------------------------------------------------------- */

static double std_normal_cdf(double z) { return 0.5 * erfc(-z / sqrt(2.0)); }

/* CDF of InverseGaussian(mean mu, shape l) at u > 0 (mu = INFINITY: the Levy limit). */
static double inv_gauss_cdf(double mu, double l, double u)
{
    if (isinf(mu))
        return erfc(sqrt(l / (2.0 * u)));
    const double r = sqrt(l / u);
    return std_normal_cdf(r * (u / mu - 1.0)) + exp(2.0 * l / mu) * std_normal_cdf(-r * (u / mu + 1.0));
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

START_TEST(test_latent_draw)
{
    /* (a, t): moderate, |x| small (mean 2000: the textbook root cancels there), |x| large, and
     * x = 0 (Levy). Kolmogorov distance of n = 2e5 draws: its 0.1% quantile is 1.95 / sqrt(n) =
     * 0.0044; a wrong shape (a instead of a^2) or a missing acceptance step gives > 0.05. */
    const double cases[4][2] = {{0.5, 0.3}, {2.0, 1e-3}, {1.0, 5.0}, {1.5, 0.0}};
    const long n = 200000;
    double *u = malloc((size_t)n * sizeof *u);
    for (int c = 0; c < 4; c++) {
        const double a = cases[c][0], t = cases[c][1];
        for (long i = 0; i < n; i++)
            u[i] = gibbs_lasso_latent_precision(a, t, rng_normal(7, 9, (uint32_t)c, (uint64_t)i, 0),
                                                rng_uniform(7, 9, (uint32_t)c, (uint64_t)i, 1));
        qsort(u, (size_t)n, sizeof *u, cmp_double);
        const double mu = t > 0 ? a / t : INFINITY;
        double ks = 0.0;
        for (long i = 0; i < n; i++) {
            const double F = inv_gauss_cdf(mu, a * a, u[i]);
            ks = fmax(ks, fmax(fabs(F - (double)i / n), fabs(F - (double)(i + 1) / n)));
        }
        if (comm_rank() == 0)
            printf("latent draw a = %g, |x| = %g: Kolmogorov distance %.4f (n = %ld)\n", a, t, ks,
                   n);
        ck_assert_msg(all_ok(ks < 1.95 / sqrt((double)n) && u[0] > 0 && isfinite(u[n - 1])),
                      "a = %g, t = %g: KS %g", a, t, ks);
    }
    free(u);
}
END_TEST

/* ---- A'A and A'b ---------------------------------------------------------------------------- */

static double gram_entry(const void *ctx, long i, long j)
{
    (void)ctx;
    return sin(0.37 * (double)i + 1.3 * (double)j * (double)j + 0.2) + (i % 7 == j ? 0.5 : 0.0);
}

START_TEST(test_gram)
{
    /* m = 600 spans three chunks of LINALG_GRAM_ROWS; d = 7 with blocks 3 and 64 */
    const long m = 600, d = 7;
    const int P = comm_size();
    double *ref = calloc((size_t)(d * d), sizeof *ref), *refb = calloc((size_t)d, sizeof *refb);
    double *b = malloc((size_t)m * sizeof *b);
    for (long i = 0; i < m; i++)
        b[i] = cos(0.11 * (double)i);
    for (long i = 0; i < m; i++)
        for (long j = 0; j < d; j++) {
            refb[j] += gram_entry(NULL, i, j) * b[i];
            for (long k = 0; k < d; k++)
                ref[j * d + k] += gram_entry(NULL, i, j) * gram_entry(NULL, i, k);
        }
    double *g0 = malloc((size_t)(d * d) * sizeof *g0), *b0 = malloc((size_t)d * sizeof *b0);
    double *g = malloc((size_t)(d * d) * sizeof *g), *gb = malloc((size_t)d * sizeof *gb);
    int first = 1;
    for (long pr = 1; pr <= P; pr++) {
        if (P % pr)
            continue;
        for (int lay = 0; lay < 2; lay++)
            for (long nb = 3; nb <= 64; nb += 61) {
                char err[512];
                linalg_options opt = {lay ? LINALG_DISTRIBUTED : LINALG_REPLICATED, nb, 1L << 40,
                                      pr};
                linalg *la = linalg_create(MPI_COMM_WORLD, m, d, 5, &opt, err, sizeof err);
                ck_assert_msg(all_ok(la != NULL), "linalg_create: %s", err);
                linalg_fill(la, gram_entry, NULL);
                linalg_set_data(la, b, 1.0);
                linalg_gram(la, g, gb);
                linalg_destroy(la);
                double e = 0.0, s = 0.0;
                for (long i = 0; i < d * d; i++) {
                    e = fmax(e, fabs(g[i] - ref[i]));
                    s = fmax(s, fabs(ref[i]));
                }
                for (long i = 0; i < d; i++)
                    e = fmax(e, fabs(gb[i] - refb[i]));
                ck_assert_msg(all_max(e / s) < 1e-13, "gram vs triple loop: %g", e / s);
                if (first) {
                    memcpy(g0, g, (size_t)(d * d) * sizeof *g);
                    memcpy(b0, gb, (size_t)d * sizeof *gb);
                    first = 0;
                }
                ck_assert_msg(all_ok(memcmp(g, g0, (size_t)(d * d) * sizeof *g) == 0 &&
                                     memcmp(gb, b0, (size_t)d * sizeof *gb) == 0),
                              "gram not bitwise equal on grid %ld x %ld, %s, block %ld", pr,
                              P / pr, lay ? "distributed" : "replicated", nb);
            }
    }
    free(ref);
    free(refb);
    free(b);
    free(g0);
    free(b0);
    free(g);
    free(gb);
}
END_TEST

/* ---- a sweep against a naive reference ------------------------------------------------------- */

/* The textbook Michael-Schucany-Haas draw of u ~ IG(mu, l), in long double (its root cancels
 * when mu is large). */
static double msh_textbook(double mu_d, double l_d, double nu, double U)
{
    const long double mu = mu_d, l = l_d, y = (long double)nu * nu;
    const long double x1 = mu + mu * mu * y / (2 * l) -
                           mu / (2 * l) * sqrtl(4 * mu * l * y + mu * mu * y * y);
    return (double)(U <= mu / (mu + x1) ? x1 : mu * mu / x1);
}

/* One sweep of one particle, written independently of gibbs_lasso.c: Q by triple loops, the
 * mean by Gauss-Jordan elimination, the noise L'^-1 z with a column-oriented Cholesky. */
static void naive_sweep(const lasso *q, long k, long id, uint64_t seed, const double *x,
                        double *out)
{
    const long d = q->d;
    double Q[9], c[3], M[12], L[9] = {0}, v[3], z[3];
    const double sc = q->beta / (q->sigma * q->sigma), a = q->beta * q->lambda;
    for (long j = 0; j < d; j++) {
        c[j] = 0;
        for (long i = 0; i < q->m; i++)
            c[j] += sc * q->A[i * d + j] * q->b[i];
        for (long l = 0; l < d; l++) {
            Q[j * d + l] = 0;
            for (long i = 0; i < q->m; i++)
                Q[j * d + l] += sc * q->A[i * d + j] * q->A[i * d + l];
        }
        double nu = rng_normal(seed, RNG_STREAM_GIBBS, (uint32_t)k, (uint64_t)id, (uint32_t)(d + j));
        double U = rng_uniform(seed, RNG_STREAM_GIBBS, (uint32_t)k, (uint64_t)id,
                               (uint32_t)(2 * d + j));
        Q[j * d + j] += msh_textbook(a / fabs(x[j]), a * a, nu, U);
        z[j] = rng_normal(seed, RNG_STREAM_GIBBS, (uint32_t)k, (uint64_t)id, (uint32_t)j);
    }
    /* mean: Gauss-Jordan on [Q | c] */
    for (long j = 0; j < d; j++) {
        for (long l = 0; l < d; l++)
            M[j * (d + 1) + l] = Q[j * d + l];
        M[j * (d + 1) + d] = c[j];
    }
    for (long p = 0; p < d; p++)
        for (long r = 0; r < d; r++)
            if (r != p) {
                const double f = M[r * (d + 1) + p] / M[p * (d + 1) + p];
                for (long l = 0; l <= d; l++)
                    M[r * (d + 1) + l] -= f * M[p * (d + 1) + l];
            }
    /* Cholesky column by column, then L' v = z */
    naive_cholesky(d, Q, L);
    for (long i = d - 1; i >= 0; i--) {
        double s = z[i];
        for (long l = i + 1; l < d; l++)
            s -= L[l * d + i] * v[l];
        v[i] = s / L[i * d + i];
    }
    for (long j = 0; j < d; j++)
        out[j] = M[j * (d + 1) + d] / M[j * (d + 1) + j] + v[j];
}

static const double A3[15] = {1.0, 0.2, -0.4, 0.5, 1.1, 0.3, -0.2, 0.6, 0.9, 0.7, -0.1, 0.2,
                              0.3, 0.4, -0.8};
static const double b3[5] = {0.9, -0.3, 0.5, 0.2, -0.7};
static const lasso P3 = {5, 3, A3, b3, 0.8, 1.3, 0.7};

START_TEST(test_sweep_vs_naive)
{
    /* The textbook root (long double here) loses digits to cancellation when |x| is small;
     * 1e-10 relative separates round-off from any real difference (a wrong key, coordinate
     * or formula changes x by O(1)). */
    write_problem(&P3);
    for (int lay = 0; lay < 2; lay++) {
        rwpo_config c;
        gibbs_config(&c, &P3, 23);
        c.init_scale = 2.0;
        c.seed = 5;
        c.linalg_layout = lay ? LAYOUT_DISTRIBUTED : LAYOUT_REPLICATED;
        c.linalg_block = 2;
        sim *s = make_sim(&c);
        const long nl = s->p->n_local, d = P3.d;
        double *prev = malloc((size_t)(nl * d + 1) * sizeof *prev), out[3], e = 0.0;
        for (long k = 1; k <= 3; k++) {
            memcpy(prev, s->p->x, (size_t)(nl * d) * sizeof *prev);
            ck_assert_int_eq(all_ok(sim_layer(s) == 0), 1);
            for (long i = 0; i < nl; i++) {
                naive_sweep(&P3, k, s->p->offset + i, (uint64_t)c.seed, prev + i * d, out);
                for (long j = 0; j < d; j++)
                    e = fmax(e, fabs(out[j] - s->p->x[i * d + j]) / (1.0 + fabs(out[j])));
            }
        }
        e = all_max(e);
        if (comm_rank() == 0)
            printf("sweeps vs naive reference (%s): max relative difference %.2e\n",
                   lay ? "distributed" : "replicated", e);
        ck_assert_msg(e < 1e-10, "sweep vs naive: %g", e);
        free(prev);
        sim_destroy(s);
    }
    remove_problem();
}
END_TEST

/* ---- against quadrature --------------------------------------------------------------------- */

/* Moments by quadrature of a 1-D or 2-D target on a uniform grid of n points per axis over the
 * box lo..hi (the midpoint rule; the kinks at 0 cost O(h^2)): out = E x1, E x2, E x1^2,
 * E x2^2, E x1 x2 (the entries of absent coordinates 0). Returns the largest density on the
 * box's boundary relative to the mode (the box must hold the mass). */
static double quadrature(const lasso *q, const double *lo, const double *hi, long n, double *out)
{
    const long d = q->d, n2 = d == 2 ? n : 1;
    double hx[2] = {(hi[0] - lo[0]) / n, d == 2 ? (hi[1] - lo[1]) / n : 0.0};
    double lmax = -INFINITY, x[2] = {0, 0};
    for (long i = 0; i < n; i++)
        for (long j = 0; j < n2; j++) {
            x[0] = lo[0] + (i + 0.5) * hx[0];
            x[1] = lo[1] + (j + 0.5) * hx[1];
            lmax = fmax(lmax, log_target(q, x));
        }
    double z = 0.0, edge = 0.0, s[5] = {0};
    for (long i = 0; i < n; i++)
        for (long j = 0; j < n2; j++) {
            x[0] = lo[0] + (i + 0.5) * hx[0];
            x[1] = lo[1] + (j + 0.5) * hx[1];
            const double w = exp(log_target(q, x) - lmax);
            if (i == 0 || i == n - 1 || (d == 2 && (j == 0 || j == n - 1)))
                edge = fmax(edge, w);
            z += w;
            s[0] += w * x[0];
            s[1] += w * x[1];
            s[2] += w * x[0] * x[0];
            s[3] += w * x[1] * x[1];
            s[4] += w * x[0] * x[1];
        }
    for (int t = 0; t < 5; t++)
        out[t] = s[t] / z;
    return edge;
}

/* Run N chains for burn + keep sweeps and estimate E x1, E x2, E x1^2, E x2^2, E x1 x2 from the
 * chains' averages over the kept sweeps; se gets their standard errors: the chains are
 * independent, so se = sd(chain averages) / sqrt(N) whatever the autocorrelation in a chain.
 * derived gets sd1, sd2, corr and dse their standard errors from 20 batches of chains (chain id
 * mod 20): sd(batch values) / sqrt(20). */
#define N_BATCH 20
static void monte_carlo(const lasso *q, long N, long burn, long keep, double *est, double *se,
                        double *derived, double *dse)
{
    rwpo_config c;
    gibbs_config(&c, q, N);
    sim *s = make_sim(&c);
    const long nl = s->p->n_local, d = q->d;
    double *avg = calloc((size_t)(nl * 5 + 1), sizeof *avg);
    for (long k = 1; k <= burn + keep; k++) {
        ck_assert_int_eq(all_ok(sim_layer(s) == 0), 1);
        if (k <= burn)
            continue;
        for (long i = 0; i < nl; i++) {
            const double x1 = s->p->x[i * d], x2 = d == 2 ? s->p->x[i * d + 1] : 0.0;
            const double v[5] = {x1, x2, x1 * x1, x2 * x2, x1 * x2};
            for (int t = 0; t < 5; t++)
                avg[i * 5 + t] += v[t] / (double)keep;
        }
    }
    double sum[10 + 6 * N_BATCH] = {0}, *bat = sum + 10;
    for (long i = 0; i < nl; i++) {
        const long g = (s->p->offset + i) % N_BATCH;
        bat[g * 6 + 5] += 1.0;
        for (int t = 0; t < 5; t++) {
            sum[t] += avg[i * 5 + t];
            sum[5 + t] += avg[i * 5 + t] * avg[i * 5 + t];
            bat[g * 6 + t] += avg[i * 5 + t];
        }
    }
    comm_sum_double(sum, 10 + 6 * N_BATCH);
    for (int t = 0; t < 5; t++) {
        est[t] = sum[t] / (double)N;
        const double var = sum[5 + t] / (double)N - est[t] * est[t];
        se[t] = sqrt(fmax(var, 0.0) * (double)N / (double)(N - 1) / (double)N);
    }
    double dsum[3] = {0}, dsq[3] = {0};
    for (int g = 0; g < N_BATCH; g++) {
        const double *m = bat + g * 6, n = m[5];
        const double m1 = m[0] / n, m2 = m[1] / n;
        const double v1 = m[2] / n - m1 * m1, v2 = m[3] / n - m2 * m2, cv = m[4] / n - m1 * m2;
        const double v[3] = {sqrt(v1), sqrt(v2), v1 > 0 && v2 > 0 ? cv / sqrt(v1 * v2) : 0.0};
        for (int t = 0; t < 3; t++) {
            dsum[t] += v[t];
            dsq[t] += v[t] * v[t];
        }
    }
    const double v1 = est[2] - est[0] * est[0], v2 = est[3] - est[1] * est[1];
    derived[0] = sqrt(v1);
    derived[1] = sqrt(v2);
    derived[2] = v1 > 0 && v2 > 0 ? (est[4] - est[0] * est[1]) / sqrt(v1 * v2) : 0.0;
    for (int t = 0; t < 3; t++) {
        const double mb = dsum[t] / N_BATCH;
        dse[t] = sqrt(fmax(dsq[t] / N_BATCH - mb * mb, 0.0) / (N_BATCH - 1));
    }
    free(avg);
    sim_destroy(s);
}

static const char *const moment_names[5] = {"E x1", "E x2", "E x1^2", "E x2^2", "E x1 x2"};

/* Compare, print, assert within 4 standard errors. */
static void check_moments(const char *what, const char *const *names, int n_mom,
                          const double *ex, const double *est, const double *se)
{
    int ok = 1;
    for (int t = 0; t < n_mom; t++) {
        const double z = (est[t] - ex[t]) / se[t];
        if (comm_rank() == 0)
            printf("%s %-8s exact %+.6f  Gibbs %+.6f  se %.6f  (%+.2f se)\n", what, names[t],
                   ex[t], est[t], se[t], z);
        ok = ok && fabs(z) < 4.0 && se[t] > 0;
    }
    ck_assert_msg(all_ok(ok), "%s: a moment is more than 4 standard errors off", what);
}

START_TEST(test_quadrature_1d)
{
    /* 20000 chains, 20 sweeps of burn-in (the start N(0, 1) is forgotten in < 5), 30 kept */
    write_problem(&P1);
    double ex[5], est[5], se[5];
    const double lo[2] = {-6, 0}, hi[2] = {6, 0};
    const double edge = quadrature(&P1, lo, hi, 200001, ex);
    ck_assert_msg(all_ok(edge < 1e-14), "the quadrature box misses mass: %g", edge);
    double der[3], dse[3];
    monte_carlo(&P1, 20000, 20, 30, est, se, der, dse);
    /* x1's moments: E x1 and E x1^2 */
    const double ex1[2] = {ex[0], ex[2]}, est1[2] = {est[0], est[2]}, se1[2] = {se[0], se[2]};
    static const char *const names[2] = {"E x", "E x^2"};
    check_moments("1-D", names, 2, ex1, est1, se1);
    if (comm_rank() == 0)
        printf("1-D: sd quadrature %.5f, Gibbs %.5f (se %.5f)\n", sqrt(ex[2] - ex[0] * ex[0]),
               der[0], dse[0]);
    remove_problem();
}
END_TEST

START_TEST(test_quadrature_2d)
{
    /* 8000 chains, 30 sweeps of burn-in, 60 kept. Grid 2401^2 (spacing 0.0075) on a box whose
     * boundary density is below 1e-17 of the mode (the tails run along the ridge x1 = -x2);
     * the moments change by < 2e-6 when the grid is halved, far below the standard errors. */
    write_problem(&P2);
    double ex[5], est[5], se[5];
    const double lo[2] = {-8, -9}, hi[2] = {10, 8};
    const double edge = quadrature(&P2, lo, hi, 2401, ex);
    ck_assert_msg(all_ok(edge < 1e-14), "the quadrature box misses mass: %g", edge);
    double der[3], dse[3];
    monte_carlo(&P2, 8000, 30, 60, est, se, der, dse);
    check_moments("2-D", moment_names, 5, ex, est, se);
    if (comm_rank() == 0) {
        const double sq1 = sqrt(ex[2] - ex[0] * ex[0]), sq2 = sqrt(ex[3] - ex[1] * ex[1]);
        printf("2-D: sd quadrature %.5f %.5f, Gibbs %.5f %.5f (se %.5f %.5f); correlation "
               "quadrature %.5f, Gibbs %.5f (se %.5f)\n", sq1, sq2, der[0], der[1], dse[0],
               dse[1], (ex[4] - ex[0] * ex[1]) / (sq1 * sq2), der[2], dse[2]);
    }
    remove_problem();
}
END_TEST

START_TEST(test_gaussian_lambda0)
{
    /* lambda = 0: every sweep is an exact independent draw from N(mu*, C*); the problem
     * computes mu*, C* with PDPOTRF/PDPOTRS. 4000 chains x 10 sweeps = 40000 iid draws. */
    write_problem(&P2);
    lasso q = P2;
    q.lambda = 0.0;
    rwpo_config c;
    gibbs_config(&c, &q, 4000);
    sim *s = make_sim(&c);
    const double *mu = s->prob->exact_mean, *C = s->prob->exact_cov;
    ck_assert_int_eq(all_ok(mu != NULL && C != NULL), 1);
    const long nl = s->p->n_local, K = 10;
    double sum[5] = {0};
    for (long k = 1; k <= K; k++) {
        ck_assert_int_eq(all_ok(sim_layer(s) == 0), 1);
        for (long i = 0; i < nl; i++) {
            const double x1 = s->p->x[2 * i], x2 = s->p->x[2 * i + 1];
            sum[0] += x1;
            sum[1] += x2;
            sum[2] += x1 * x1;
            sum[3] += x2 * x2;
            sum[4] += x1 * x2;
        }
    }
    comm_sum_double(sum, 5);
    const double n = 4000.0 * (double)K;
    const double ex[5] = {mu[0], mu[1], C[0] + mu[0] * mu[0], C[3] + mu[1] * mu[1],
                          C[1] + mu[0] * mu[1]};
    /* standard errors of the iid sample moments from the Gaussian's own moments:
     * var(x_i) = C_ii, var(x_i^2) = 2 C_ii^2 + 4 mu_i^2 C_ii,
     * var(x1 x2) = C11 C22 + C12^2 + mu1^2 C22 + mu2^2 C11 + 2 mu1 mu2 C12 */
    const double var[5] = {C[0], C[3], 2 * C[0] * C[0] + 4 * mu[0] * mu[0] * C[0],
                           2 * C[3] * C[3] + 4 * mu[1] * mu[1] * C[3],
                           C[0] * C[3] + C[1] * C[1] + mu[0] * mu[0] * C[3] +
                               mu[1] * mu[1] * C[0] + 2 * mu[0] * mu[1] * C[1]};
    double est[5], se[5];
    for (int t = 0; t < 5; t++) {
        est[t] = sum[t] / n;
        se[t] = sqrt(var[t] / n);
    }
    check_moments("lambda = 0", moment_names, 5, ex, est, se);
    sim_destroy(s);
    remove_problem();
}
END_TEST

/* ---- restart ------------------------------------------------------------------------------ */

START_TEST(test_restart_bitwise)
{
    /* 12 sweeps straight, against 5 sweeps, x copied into a new run at layer 5, 7 more */
    write_problem(&P2);
    rwpo_config c;
    gibbs_config(&c, &P2, 37);
    sim *a = make_sim(&c);
    const long n = a->p->n_local * P2.d;
    double *at5 = malloc((size_t)(n + 1) * sizeof *at5);
    for (long k = 1; k <= 12; k++) {
        ck_assert_int_eq(all_ok(sim_layer(a) == 0), 1);
        if (k == 5)
            memcpy(at5, a->p->x, (size_t)n * sizeof *at5);
    }
    sim *b = make_sim(&c);
    memcpy(b->p->x, at5, (size_t)n * sizeof *at5);
    b->layer = 5;
    for (long k = 6; k <= 12; k++)
        ck_assert_int_eq(all_ok(sim_layer(b) == 0), 1);
    ck_assert_msg(all_ok(memcmp(a->p->x, b->p->x, (size_t)n * sizeof(double)) == 0),
                  "restart from x at layer 5 is not bitwise");
    /* and the sweeps do move the chains (the comparison is not vacuous) */
    ck_assert_int_eq(all_ok(n == 0 || memcmp(a->p->x, at5, (size_t)n * sizeof(double)) != 0), 1);
    free(at5);
    sim_destroy(a);
    sim_destroy(b);
    remove_problem();
}
END_TEST

/* ---- refusals ------------------------------------------------------------------------------ */

START_TEST(test_refusals)
{
    const char *base = "[run]\noutput = o.h5\nlayers = 1\n[particles]\nn = 4\ndim = %d\n"
                       "[sampler]\nmethod = gibbs_lasso\nbeta = 1\nlambda = 0.5\nh = 1\n"
                       "[problem]\ntype = %s\n";
    char text[512], err[CONFIG_ERR] = "";
    rwpo_config c;
    snprintf(text, sizeof text, base, 3, "gaussian");
    ck_assert_int_eq(config_parse_text("t.ini", text, &c, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "[sampler] method = gibbs_lasso needs problem.type = linear (got "
                              "gaussian)") != NULL, "%s", err);
    snprintf(text, sizeof text, base, CONFIG_GIBBS_MAX_DIM + 1, "linear");
    ck_assert_int_eq(config_parse_text("t.ini", text, &c, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "[particles] dim = 501: method gibbs_lasso allows dim <= 500") !=
                  NULL, "%s", err);
    snprintf(text, sizeof text, base, CONFIG_GIBBS_MAX_DIM, "linear");
    ck_assert_msg(config_parse_text("t.ini", text, &c, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(c.method, METHOD_GIBBS_LASSO);
}
END_TEST

int main(int argc, char **argv)
{
    comm_init(&argc, &argv);
    Suite *s = suite_create("gibbs");
    TCase *tc = tcase_create("gibbs_lasso");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_latent_draw);
    tcase_add_test(tc, test_gram);
    tcase_add_test(tc, test_sweep_vs_naive);
    tcase_add_test(tc, test_quadrature_1d);
    tcase_add_test(tc, test_quadrature_2d);
    tcase_add_test(tc, test_gaussian_lambda0);
    tcase_add_test(tc, test_restart_bitwise);
    tcase_add_test(tc, test_refusals);
    suite_add_tcase(s, tc);
    int passed = all_passed(s);
    comm_finalize();
    return passed ? EXIT_SUCCESS : EXIT_FAILURE;
}
