/**
 * @file test_compare.c
 * @brief Serial Check tests of the two-sample statistics (twosample.h) against independent
 *        values.
 *
 * References written plainly here:
 *   - W1 by hand ({0,1} vs {0,2}: 0.5; unequal sizes {0,1,2} vs {0,3}: 5/6) and by the CDF
 *     formula int |F(x) - G(x)| dx on the merged support (a different formula from the
 *     quantile walk of the code) for random small samples of unequal sizes;
 *   - W1 of large normal samples against the closed forms: N(0,1) vs N(mu,1): |mu|;
 *     N(0,1) vs N(0,s^2): |1 - s| sqrt(2/pi);
 *   - energy distance: identical samples 0; shifted normals against
 *     2 E|X - Y| - E|X - X'| - E|Y - Y'| with E|N(mu, 2)| (1-D) and the mean of the noncentral
 *     chi distribution with 3 degrees of freedom (3-D), plus the V-statistic's known bias;
 *   - correlations: samples built with an exactly known correlation (orthogonal +-1 patterns),
 *     a naive two-pass computation, matrices whose largest difference is known;
 *   - the whole comparison: a sample against itself, iid against iid (agreement), shifted,
 *     rescaled and correlated samples (disagreement at the right coordinate), the noise floors
 *     against their large-sample expectations, and the false-alarm rate of the verdict.
 */
#include "rwpo/core/twosample.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "rwpo/base/rng.h"

#define TC_PI 3.14159265358979323846

static double wall_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_d(const void *p, const void *q)
{
    const double a = *(const double *)p, b = *(const double *)q;
    return (a > b) - (a < b);
}

/* n x d standard normals (seed, stream 9), times scale[k], plus shift[k] (NULL: 1 and 0). */
static double *normals(long n, int d, unsigned long seed, const double *scale,
                       const double *shift)
{
    double *x = malloc((size_t)n * (size_t)d * sizeof *x);
    for (long i = 0; i < n; i++)
        for (int k = 0; k < d; k++)
            x[(size_t)i * (size_t)d + k] = rng_normal(seed, 9, 0, (uint64_t)i, (uint32_t)k) *
                                               (scale ? scale[k] : 1.0) +
                                           (shift ? shift[k] : 0.0);
    return x;
}

/* int |F(x) - G(x)| dx of two samples by the CDFs on the merged sorted support. */
static double w1_by_cdf(const double *a0, long n, const double *b0, long m)
{
    double *a = malloc((size_t)n * sizeof *a), *b = malloc((size_t)m * sizeof *b);
    double *all = malloc((size_t)(n + m) * sizeof *all);
    for (long i = 0; i < n; i++)
        a[i] = all[i] = a0[i];
    for (long j = 0; j < m; j++)
        b[j] = all[n + j] = b0[j];
    qsort(a, (size_t)n, sizeof *a, cmp_d);
    qsort(b, (size_t)m, sizeof *b, cmp_d);
    qsort(all, (size_t)(n + m), sizeof *all, cmp_d);
    double s = 0.0;
    long i = 0, j = 0;
    for (long t = 0; t + 1 < n + m; t++) {
        while (i < n && a[i] <= all[t])
            i++;
        while (j < m && b[j] <= all[t])
            j++;
        s += fabs((double)i / n - (double)j / m) * (all[t + 1] - all[t]);
    }
    free(a);
    free(b);
    free(all);
    return s;
}

/* ---------------------------------------------------------------- W1 */

START_TEST(test_w1_by_hand)
{
    const double a[] = {0, 1}, b[] = {0, 2};
    ck_assert_double_eq_tol(twosample_w1_sorted(a, 2, b, 2), 0.5, 1e-15);
    const double c[] = {0, 1, 2}, e[] = {0, 3};
    ck_assert_double_eq_tol(twosample_w1_sorted(c, 3, e, 2), 5.0 / 6.0, 1e-15);
    ck_assert_double_eq_tol(twosample_w1_sorted(e, 2, c, 3), 5.0 / 6.0, 1e-15);
    const double z[] = {0}, z1[] = {0, 1};
    ck_assert_double_eq_tol(twosample_w1_sorted(z, 1, z1, 2), 0.5, 1e-15);
    const double p[] = {3}, q[] = {-1};
    ck_assert_double_eq_tol(twosample_w1_sorted(p, 1, q, 1), 4.0, 1e-15);
    ck_assert_double_eq(twosample_w1_sorted(c, 3, c, 3), 0.0);
}
END_TEST

START_TEST(test_w1_vs_cdf_formula)
{
    double worst = 0.0;
    for (int t = 0; t < 200; t++) {
        const long n = 1 + t % 17, m = 1 + (t * 7) % 23;
        double a[17], b[23];
        for (long i = 0; i < n; i++) /* ties on purpose: values on a coarse grid */
            a[i] = floor(4.0 * rng_normal(t, 1, 0, (uint64_t)i, 0)) / 4.0;
        for (long j = 0; j < m; j++)
            b[j] = 0.3 + rng_normal(t, 2, 0, (uint64_t)j, 0);
        const double ref = w1_by_cdf(a, n, b, m);
        qsort(a, (size_t)n, sizeof *a, cmp_d);
        qsort(b, (size_t)m, sizeof *b, cmp_d);
        const double got = twosample_w1_sorted(a, n, b, m);
        worst = fmax(worst, fabs(got - ref));
        ck_assert_msg(fabs(got - ref) < 1e-12 * (1.0 + ref), "n %ld m %ld: %.17g vs %.17g", n,
                      m, got, ref);
    }
    printf("W1 quantile walk vs CDF formula (200 random pairs, unequal sizes): max diff %.2g\n",
           worst);
}
END_TEST

START_TEST(test_w1_large_normals)
{
    const long n = 100000, m = 150000;
    double *x = normals(n, 1, 11, NULL, NULL);
    const double mus[] = {0.5, -1.0, 0.1};
    for (int t = 0; t < 3; t++) {
        const double shift[1] = {mus[t]};
        double *y = normals(m, 1, 12 + t, NULL, shift);
        qsort(x, (size_t)n, sizeof *x, cmp_d);
        qsort(y, (size_t)m, sizeof *y, cmp_d);
        const double w = twosample_w1_sorted(x, n, y, m);
        /* sampling noise of W1 ~ 0.9 sqrt(1/n + 1/m) ~ 0.0037: 6 sigma */
        ck_assert_msg(fabs(w - fabs(mus[t])) < 0.025, "mu %g: W1 %g", mus[t], w);
        printf("W1(N(0,1), N(%g,1)), n = %ld, m = %ld: %.4f (closed form %g)\n", mus[t], n, m, w,
               fabs(mus[t]));
        free(y);
    }
    const double s[1] = {1.5};
    double *y = normals(m, 1, 20, s, NULL);
    qsort(y, (size_t)m, sizeof *y, cmp_d);
    const double w = twosample_w1_sorted(x, n, y, m), exact = 0.5 * sqrt(2.0 / TC_PI);
    ck_assert_msg(fabs(w - exact) < 0.025, "scale 1.5: W1 %g vs %g", w, exact);
    printf("W1(N(0,1), N(0,1.5^2)): %.4f (closed form %.4f)\n", w, exact);
    free(y);
    free(x);
}
END_TEST

/* ---------------------------------------------------------------- energy */

/* E|Z| for Z ~ N(mu, s^2 I_d), d = 1 or 3 (noncentral chi means). */
static double mean_norm(double mu, double s, int d)
{
    const double a = fabs(mu) / s;
    if (d == 1)
        return s * sqrt(2.0 / TC_PI) * exp(-a * a / 2) + fabs(mu) * erf(a / sqrt(2.0));
    if (a == 0.0)
        return s * 2.0 * sqrt(2.0 / TC_PI);
    return s * (sqrt(2.0 / TC_PI) * exp(-a * a / 2) + (a + 1.0 / a) * erf(a / sqrt(2.0)));
}

START_TEST(test_energy_identical_and_shifted)
{
    double *x = normals(500, 3, 1, NULL, NULL);
    const double sc[3] = {1.0, 2.0, 0.5};
    ck_assert_double_eq_tol(twosample_energy(x, 500, x, 500, 3, NULL), 0.0, 1e-12);
    ck_assert_double_eq_tol(twosample_energy(x, 500, x, 500, 3, sc), 0.0, 1e-12);
    free(x);
    const long n = 3000, m = 3000;
    for (int d = 1; d <= 3; d += 2) {
        for (int t = 0; t < 2; t++) {
            const double mu = t ? 1.0 : 0.5;
            double shift[3] = {mu, 0, 0};
            double *a = normals(n, d, 31 + t, NULL, NULL), *b = normals(m, d, 41 + t, NULL, shift);
            const double e = twosample_energy(a, n, b, m, d, NULL);
            const double exx = mean_norm(0, sqrt(2.0), d), exy = mean_norm(mu, sqrt(2.0), d);
            /* the V-statistic's expectation: the distance plus E|X-X'|/n + E|Y-Y'|/m */
            const double exact = 2 * exy - 2 * exx, expect = exact + exx / n + exx / m;
            ck_assert_msg(fabs(e - expect) < 0.15 * exact + 0.01, "d %d mu %g: %g vs %g", d, mu,
                          e, expect);
            printf("energy N(0,I) vs N(%g e1,I), d = %d, n = m = %ld: %.4f (closed form %.4f, "
                   "with the V-statistic bias %.4f)\n", mu, d, n, e, exact, expect);
            free(a);
            free(b);
        }
    }
    /* scale divides the coordinates: a sample scaled by c with scale c equals the original */
    double *u = normals(300, 2, 5, NULL, NULL), *v = normals(400, 2, 6, NULL, NULL);
    const double c2[2] = {3.0, 0.25};
    double *us = normals(300, 2, 5, c2, NULL), *vs = normals(400, 2, 6, c2, NULL);
    ck_assert_double_eq_tol(twosample_energy(us, 300, vs, 400, 2, c2),
                            twosample_energy(u, 300, v, 400, 2, NULL), 1e-12);
    free(u);
    free(v);
    free(us);
    free(vs);
}
END_TEST

/* ---------------------------------------------------------------- correlations */

START_TEST(test_correlation_known)
{
    /* u, v orthogonal +-1 patterns with zero mean, w = 2u + v: corr(u,w) = 2/sqrt5, corr(v,w)
     * = 1/sqrt5, corr(u,v) = 0; a constant column correlates 0 */
    const int n = 8, d = 4;
    double x[8 * 4], c[16];
    for (int i = 0; i < n; i++) {
        const double u = (i & 1) ? 1 : -1, v = (i & 2) ? 1 : -1;
        x[i * d + 0] = u + 3.0;
        x[i * d + 1] = v - 1.0;
        x[i * d + 2] = 2 * u + v;
        x[i * d + 3] = 7.0;
    }
    ck_assert_int_eq(twosample_correlation(x, n, d, c), 0);
    ck_assert_double_eq_tol(c[0 * d + 1], 0.0, 1e-15);
    ck_assert_double_eq_tol(c[0 * d + 2], 2 / sqrt(5.0), 1e-15);
    ck_assert_double_eq_tol(c[2 * d + 0], 2 / sqrt(5.0), 1e-15);
    ck_assert_double_eq_tol(c[1 * d + 2], 1 / sqrt(5.0), 1e-15);
    ck_assert_double_eq(c[0 * d + 3], 0.0);
    for (int k = 0; k < d; k++)
        ck_assert_double_eq(c[k * d + k], 1.0);
    /* a naive two-pass computation, more rows than one dsyrk block */
    const long N = 1000;
    const int D = 5;
    double *y = normals(N, D, 3, NULL, NULL), cy[25], mean[5] = {0}, cov[25] = {0};
    for (long i = 0; i < N; i++) /* make coordinate 4 depend on 0 and 1 */
        y[i * D + 4] = 0.6 * y[i * D + 0] - 0.3 * y[i * D + 1] + 0.5 * y[i * D + 4] + 10.0;
    ck_assert_int_eq(twosample_correlation(y, N, D, cy), 0);
    for (long i = 0; i < N; i++)
        for (int k = 0; k < D; k++)
            mean[k] += y[i * D + k] / N;
    for (long i = 0; i < N; i++)
        for (int k = 0; k < D; k++)
            for (int l = 0; l < D; l++)
                cov[k * D + l] += (y[i * D + k] - mean[k]) * (y[i * D + l] - mean[l]);
    for (int k = 0; k < D; k++)
        for (int l = 0; l < D; l++) {
            const double r = cov[k * D + l] / sqrt(cov[k * D + k] * cov[l * D + l]);
            ck_assert_msg(fabs(cy[k * D + l] - r) < 1e-12, "(%d,%d): %.17g vs %.17g", k, l,
                          cy[k * D + l], r);
        }
    free(y);
}
END_TEST

START_TEST(test_corr_error_matrices)
{
    const double a[9] = {1, 0.5, -0.2, 0.5, 1, 0.1, -0.2, 0.1, 1};
    const double b[9] = {1, 0.45, 0.3, 0.45, 1, 0.05, 0.3, 0.05, 1};
    int k, l;
    ck_assert_double_eq_tol(twosample_corr_error(a, b, 3, &k, &l), 0.5, 1e-15);
    ck_assert_int_eq(k, 0);
    ck_assert_int_eq(l, 2);
    ck_assert_double_eq(twosample_corr_error(a, a, 3, &k, &l), 0.0);
    const double one[1] = {1};
    ck_assert_double_eq(twosample_corr_error(one, one, 1, &k, &l), 0.0);
    ck_assert_int_eq(k, -1);
}
END_TEST

/* ---------------------------------------------------------------- the comparison */

static twosample_result compare(const double *y, long m, const double *x, long n, int d)
{
    twosample_ref *ref = twosample_ref_create(y, m, d);
    ck_assert_ptr_nonnull(ref);
    twosample_result r;
    ck_assert_int_eq(twosample_compare(ref, x, n, &r), 0);
    twosample_ref_destroy(ref);
    return r;
}

START_TEST(test_compare_self)
{
    const long m = 3000;
    const int d = 4;
    double *y = normals(m, d, 1, NULL, NULL);
    twosample_result r = compare(y, m, y, m, d);
    for (int t = 0; t < TS_N_STATS; t++)
        ck_assert_msg(r.stat[t] < 1e-12, "%s = %g", twosample_stat_name(t), r.stat[t]);
    for (int k = 0; k < d; k++) {
        ck_assert_double_eq_tol(r.sd_ratio[k], 1.0, 1e-14);
        ck_assert_double_eq(r.spike_run[k], r.spike_ref[k]);
    }
    ck_assert_int_eq(r.agrees, 1);
    ck_assert_int_eq(r.n_splits, TWOSAMPLE_SPLITS);
    twosample_result_free(&r);
    free(y);
}
END_TEST

START_TEST(test_compare_values_naive)
{
    /* means, sds, W1, spikes and the energy (on the evenly spaced subsamples) recomputed
     * plainly; 30% exact zeros make a spike */
    const long n = 2500, m = 4100;
    const int d = 3;
    double *x = normals(n, d, 7, NULL, NULL), *y = normals(m, d, 8, NULL, NULL);
    for (long i = 0; i < m; i++)
        if (rng_uniform(8, 3, 0, (uint64_t)i, 0) < 0.3)
            y[i * d + 1] = 0.0;
    twosample_result r = compare(y, m, x, n, d);
    for (int k = 0; k < d; k++) {
        double mx = 0, my = 0, vx = 0, vy = 0;
        long zx = 0, zy = 0;
        for (long i = 0; i < n; i++)
            mx += x[i * d + k] / n;
        for (long i = 0; i < m; i++)
            my += y[i * d + k] / m;
        for (long i = 0; i < n; i++)
            vx += (x[i * d + k] - mx) * (x[i * d + k] - mx) / (n - 1);
        for (long i = 0; i < m; i++)
            vy += (y[i * d + k] - my) * (y[i * d + k] - my) / (m - 1);
        const double sy = sqrt(vy);
        for (long i = 0; i < n; i++)
            zx += fabs(x[i * d + k]) < 0.05 * sy;
        for (long i = 0; i < m; i++)
            zy += fabs(y[i * d + k]) < 0.05 * sy;
        double *cx = malloc((size_t)n * sizeof *cx), *cy = malloc((size_t)m * sizeof *cy);
        for (long i = 0; i < n; i++)
            cx[i] = x[i * d + k];
        for (long i = 0; i < m; i++)
            cy[i] = y[i * d + k];
        const double w = w1_by_cdf(cx, n, cy, m) / sy;
        free(cx);
        free(cy);
        ck_assert_double_eq_tol(r.mean_error[k], (mx - my) / sy, 1e-12);
        ck_assert_double_eq_tol(r.sd_ratio[k], sqrt(vx) / sy, 1e-12);
        ck_assert_double_eq_tol(r.w1[k], w, 1e-12);
        ck_assert_double_eq_tol(r.spike_run[k], (double)zx / n, 1e-15);
        ck_assert_double_eq_tol(r.spike_ref[k], (double)zy / m, 1e-15);
    }
    ck_assert(r.spike_ref[1] > 0.3 && r.spike_ref[0] < 0.06);
    /* energy: rows floor(j n / 2000) of both, coordinates divided by the reference sds */
    const long kx = 2000, ky = 2000;
    double *sx = malloc((size_t)kx * d * sizeof *sx), *sy = malloc((size_t)ky * d * sizeof *sy);
    for (long j = 0; j < kx; j++)
        for (int k = 0; k < d; k++)
            sx[j * d + k] = x[(j * n / kx) * d + k];
    for (long j = 0; j < ky; j++)
        for (int k = 0; k < d; k++)
            sy[j * d + k] = y[(j * m / ky) * d + k];
    ck_assert_int_eq(r.energy_n, kx);
    ck_assert_int_eq(r.energy_m, ky);
    ck_assert_double_eq_tol(r.stat[TS_ENERGY], twosample_energy(sx, kx, sy, ky, d, r.sd_ref),
                            1e-12);
    free(sx);
    free(sy);
    twosample_result_free(&r);
    free(x);
    free(y);
}
END_TEST

START_TEST(test_compare_floors_vs_theory)
{
    /* d = 1, iid normals: E|mean error| = sqrt(2/pi) sqrt(1/n + 1/m); E W1 ~ sqrt(2/pi)
     * sqrt(1/n + 1/m) int sqrt(Phi (1 - Phi)) dx (Brownian-bridge limit); the energy's iid
     * expectation E|Y - Y'| (1/n_e + 1/m_e) = (2/sqrt(pi)) (1/n_e + 1/m_e) */
    const long n = 1000, m = 20000;
    double *x = normals(n, 1, 51, NULL, NULL), *y = normals(m, 1, 52, NULL, NULL);
    twosample_result r = compare(y, m, x, n, 1);
    const double h = sqrt(1.0 / n + 1.0 / m);
    double integral = 0.0; /* int sqrt(Phi (1 - Phi)) dx, midpoint rule on [-10, 10] */
    for (int g = 0; g < 200000; g++) {
        const double t = -10.0 + (g + 0.5) * 1e-4, P = 0.5 * erfc(-t / sqrt(2.0));
        integral += sqrt(P * (1.0 - P)) * 1e-4;
    }
    const double e_mean = sqrt(2.0 / TC_PI) * h, e_w1 = sqrt(2.0 / TC_PI) * h * integral;
    const double e_energy = 2.0 / sqrt(TC_PI) * (1.0 / r.energy_n + 1.0 / r.energy_m);
    printf("floors (d = 1, n = %ld, m = %ld): mean error %.4f (theory %.4f), W1 %.4f (theory "
           "%.4f), energy %.3g (theory %.3g)\n", n, m, r.floor[TS_MEAN_ERROR], e_mean,
           r.floor[TS_W1_MAX], e_w1, r.floor[TS_ENERGY], e_energy);
    ck_assert_msg(fabs(r.floor[TS_MEAN_ERROR] / e_mean - 1) < 0.35, "mean floor");
    ck_assert_msg(fabs(r.floor[TS_W1_MAX] / e_w1 - 1) < 0.25, "W1 floor");
    ck_assert_msg(fabs(r.floor[TS_ENERGY] / e_energy - 1) < 0.35, "energy floor");
    ck_assert_double_eq(r.floor[TS_W1_MAX], r.floor[TS_W1_MEAN]); /* one coordinate */
    ck_assert(isnan(r.stat[TS_CORR]) && isnan(r.floor[TS_CORR]));
    for (int t = 0; t < TS_N_STATS; t++)
        if (t != TS_CORR)
            ck_assert(r.limit[t] > r.floor[t]);
    twosample_result_free(&r);
    free(x);
    free(y);
}
END_TEST

START_TEST(test_compare_detects)
{
    const long n = 2000, m = 50000;
    const int d = 5;
    double *y = normals(m, d, 61, NULL, NULL);
    /* iid from the same law: agrees */
    double *x = normals(n, d, 62, NULL, NULL);
    twosample_result r = compare(y, m, x, n, d);
    ck_assert_msg(r.agrees, "iid vs iid should agree");
    ck_assert(r.self_w1 <= r.self_limit);
    twosample_result_free(&r);
    free(x);
    /* a shift of 0.2 sd in coordinate 3 */
    const double shift[5] = {0, 0, 0.2, 0, 0}, scale[5] = {1, 1.25, 1, 1, 1};
    x = normals(n, d, 63, NULL, shift);
    r = compare(y, m, x, n, d);
    ck_assert(!r.agrees);
    ck_assert(r.stat[TS_MEAN_ERROR] > r.limit[TS_MEAN_ERROR]);
    ck_assert_int_eq(r.where[TS_MEAN_ERROR], 2);
    ck_assert_int_eq(r.where[TS_W1_MAX], 2);
    ck_assert(r.stat[TS_LOG_SD] <= r.limit[TS_LOG_SD]);
    twosample_result_free(&r);
    free(x);
    /* sd x 1.25 in coordinate 2 */
    x = normals(n, d, 64, scale, NULL);
    r = compare(y, m, x, n, d);
    ck_assert(!r.agrees && r.stat[TS_LOG_SD] > r.limit[TS_LOG_SD]);
    ck_assert_int_eq(r.where[TS_LOG_SD], 1);
    ck_assert_double_eq_tol(r.sd_ratio_max, 1.25, 0.05);
    twosample_result_free(&r);
    free(x);
    /* correlation 0.3 between coordinates 1 and 4, same marginals */
    x = normals(n, d, 65, NULL, NULL);
    for (long i = 0; i < n; i++)
        x[i * d + 3] = 0.3 * x[i * d + 0] + sqrt(1 - 0.09) * x[i * d + 3];
    r = compare(y, m, x, n, d);
    ck_assert(!r.agrees && r.stat[TS_CORR] > r.limit[TS_CORR]);
    ck_assert_int_eq(r.where[TS_CORR], 0);
    ck_assert_int_eq(r.corr_l, 3);
    ck_assert(r.stat[TS_W1_MAX] <= r.limit[TS_W1_MAX]);
    ck_assert_double_eq(r.corr_error[0], r.stat[TS_CORR]);
    twosample_result_free(&r);
    free(x);
    /* a reference whose second half is shifted fails its self-check */
    for (long i = m / 2; i < m; i++)
        y[i * d] += 0.2;
    x = normals(n, d, 66, NULL, NULL);
    r = compare(y, m, x, n, d);
    ck_assert(r.self_w1 > r.self_limit);
    twosample_result_free(&r);
    free(x);
    free(y);
}
END_TEST

START_TEST(test_compare_false_alarms)
{
    /* the verdict on iid pairs from one law: the rule's false-alarm rate (about 1%) */
    const int trials = 40, d = 3;
    const long n = 200, m = 1500;
    int agree = 0;
    const double t0 = wall_seconds();
    for (int t = 0; t < trials; t++) {
        double *x = normals(n, d, 1000 + t, NULL, NULL), *y = normals(m, d, 5000 + t, NULL, NULL);
        twosample_result r = compare(y, m, x, n, d);
        agree += r.agrees;
        twosample_result_free(&r);
        free(x);
        free(y);
    }
    printf("false alarms: %d of %d iid pairs (n = %ld, m = %ld, d = %d) flagged; %.2f s\n",
           trials - agree, trials, n, m, d, wall_seconds() - t0);
    ck_assert_int_ge(agree, trials - 3);
    /* a reference too small for splits: no floor, no verdict */
    double *y = normals(10, 2, 1, NULL, NULL), *x = normals(50, 2, 2, NULL, NULL);
    twosample_result r = compare(y, 10, x, 50, 2);
    ck_assert_int_eq(r.n_splits, 0);
    ck_assert_int_eq(r.agrees, 0);
    ck_assert(isnan(r.limit[TS_W1_MAX]));
    twosample_result_free(&r);
    free(x);
    free(y);
}
END_TEST

START_TEST(test_compare_timing)
{
    /* the size of the README's measurement: 2000 x 10 against 2e5 x 10 */
    const long n = 2000, m = 200000;
    const int d = 10;
    double *x = normals(n, d, 71, NULL, NULL), *y = normals(m, d, 72, NULL, NULL);
    const double t0 = wall_seconds();
    twosample_ref *ref = twosample_ref_create(y, m, d);
    const double t1 = wall_seconds();
    twosample_result r;
    ck_assert_int_eq(twosample_compare(ref, x, n, &r), 0);
    const double t2 = wall_seconds();
    printf("2000 x 10 vs 2e5 x 10: reference prepared in %.2f s, compared in %.2f s; %s\n",
           t1 - t0, t2 - t1, r.agrees ? "agrees" : "differs");
    ck_assert(r.agrees);
    twosample_result_free(&r);
    twosample_ref_destroy(ref);
    free(x);
    free(y);
}
END_TEST

static Suite *compare_suite(void)
{
    Suite *s = suite_create("compare");
    TCase *tc = tcase_create("twosample");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_w1_by_hand);
    tcase_add_test(tc, test_w1_vs_cdf_formula);
    tcase_add_test(tc, test_w1_large_normals);
    tcase_add_test(tc, test_energy_identical_and_shifted);
    tcase_add_test(tc, test_correlation_known);
    tcase_add_test(tc, test_corr_error_matrices);
    tcase_add_test(tc, test_compare_self);
    tcase_add_test(tc, test_compare_values_naive);
    tcase_add_test(tc, test_compare_floors_vs_theory);
    tcase_add_test(tc, test_compare_detects);
    tcase_add_test(tc, test_compare_false_alarms);
    tcase_add_test(tc, test_compare_timing);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(compare_suite());
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    const int n_failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return n_failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
