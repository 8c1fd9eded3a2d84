/**
 * @file test_marginal.c
 * @brief Serial Check tests of the exact marginals, the KDE and the L1 distance (marginal.h).
 *
 * Independent references written plainly here:
 *   - beta = 1, lambda = 0: the x1-marginal of the mixture is sum_c (1/4) N(a_c1, 4) exactly;
 *   - any beta: a brute-force 2-D quadrature (composite Simpson over the other coordinate, the
 *     kink at 0 on a node) of S(x, y)^beta exp(-beta lambda (|x| + |y|)) on a coarse x grid;
 *   - the Gaussian-L1 moments: composite Simpson on each half-line with 2^21 intervals.
 */
#include "rwpo/problems/marginal.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define TM_PI 3.14159265358979323846264338327950288
#define TM_LO (-20.0)
#define TM_DX 0.01
#define TM_N 4001

static double trapz(const double *p, size_t n, double dx)
{
    double s = 0.5 * (p[0] + p[n - 1]);
    for (size_t g = 1; g + 1 < n; ++g) {
        s += p[g];
    }
    return s * dx;
}

static double gauss_pdf(double x, double mu, double var)
{
    return exp(-(x - mu) * (x - mu) / (2.0 * var)) / sqrt(2.0 * TM_PI * var);
}

static double wall_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* ---------------------------------------------------------------- mixture marginals */

START_TEST(test_mixture_vs_beta1_closed_form)
{
    static double q[TM_N], c[TM_N];
    const int coords[] = {0, 1, 19};
    const double lambdas[] = {0.1, 0.0, 1.0};
    double worst = 0.0, t_worst = 0.0;
    for (int il = 0; il < 3; ++il) {
        for (int ic = 0; ic < 3; ++ic) {
            const double t0 = wall_seconds();
            ck_assert_int_eq(marginal_mixture_laplace(coords[ic], 20, lambdas[il], 1.0, TM_LO, TM_DX,
                                                      TM_N, q),
                             0);
            t_worst = fmax(t_worst, wall_seconds() - t0);
            ck_assert_int_eq(marginal_mixture_laplace_beta1(coords[ic], 20, lambdas[il], TM_LO,
                                                            TM_DX, TM_N, c),
                             0);
            double md = 0.0;
            for (int g = 0; g < TM_N; ++g) {
                md = fmax(md, fabs(q[g] - c[g]));
            }
            worst = fmax(worst, md);
            ck_assert_msg(md < 1e-10, "coord %d lambda %g: max |quadrature - closed form| = %.3g",
                          coords[ic], lambdas[il], md);
        }
    }
    printf("mixture quadrature vs beta=1 closed form: max abs difference %.3g; "
           "slowest call %.3f s\n",
           worst, t_worst);
}
END_TEST

START_TEST(test_mixture_lambda0_beta1_is_gaussian_mixture)
{
    /* lambda = 0, beta = 1: p(x_k) = sum_c (1/4) N(x_k; a_ck, 4) (each component integrates to
     * the same mass over the other coordinate) */
    static double a[TM_N], b[TM_N], ref[TM_N];
    for (int k = 0; k < 2; ++k) {
        for (int g = 0; g < TM_N; ++g) {
            const double x = TM_LO + g * TM_DX;
            ref[g] = 0.0;
            for (int c = 0; c < MIXTURE_N_CENTRES; ++c) {
                ref[g] += 0.25 * gauss_pdf(x, mixture_centres[c][k], MIXTURE_VARIANCE);
            }
        }
        const double z = trapz(ref, TM_N, TM_DX);
        ck_assert_int_eq(marginal_mixture_laplace(k, 5, 0.0, 1.0, TM_LO, TM_DX, TM_N, a), 0);
        ck_assert_int_eq(marginal_mixture_laplace_beta1(k, 5, 0.0, TM_LO, TM_DX, TM_N, b), 0);
        for (int g = 0; g < TM_N; ++g) {
            ck_assert_double_eq_tol(a[g], ref[g] / z, 1e-12);
            ck_assert_double_eq_tol(b[g], ref[g] / z, 1e-12);
        }
    }
    /* the centres are the documented ones */
    ck_assert(mixture_centres[0][0] == 8.0 && mixture_centres[0][1] == -4.0);
    ck_assert(mixture_centres[1][0] == -4.0 && mixture_centres[1][1] == -8.0);
    ck_assert(mixture_centres[2][0] == -8.0 && mixture_centres[2][1] == 4.0);
    ck_assert(mixture_centres[3][0] == 4.0 && mixture_centres[3][1] == -8.0);
}
END_TEST

/** Brute-force log of int S(x, y)^beta exp(-beta lambda |y|) dy by Simpson, |y| <= 60. */
static double brute_log_inner(double x, int k, double lambda, double beta)
{
    const int n = 24000; /* intervals on [-60, 60], even; y = 0 is a node */
    const double h = 120.0 / n;
    double lv[24001], mx = -INFINITY;
    for (int j = 0; j <= n; ++j) {
        const double y = -60.0 + j * h;
        double s = 0.0, m = -INFINITY, t[MIXTURE_N_CENTRES];
        for (int c = 0; c < MIXTURE_N_CENTRES; ++c) {
            const double dxc = x - mixture_centres[c][k], dyc = y - mixture_centres[c][1 - k];
            t[c] = log(0.25) - (dxc * dxc + dyc * dyc) / 8.0;
            m = fmax(m, t[c]);
        }
        for (int c = 0; c < MIXTURE_N_CENTRES; ++c) {
            s += exp(t[c] - m);
        }
        lv[j] = beta * (m + log(s)) - beta * lambda * fabs(y);
        mx = fmax(mx, lv[j]);
    }
    double sum = 0.0;
    for (int j = 0; j <= n; ++j) {
        const double wj = (j == 0 || j == n) ? 1.0 : (j % 2 ? 4.0 : 2.0);
        sum += wj * exp(lv[j] - mx);
    }
    return mx + log(sum * h / 3.0);
}

START_TEST(test_mixture_general_beta_vs_brute_force)
{
    /* coarse grid so the brute force stays cheap */
    const double lo = -20.0, dx = 0.1;
    const size_t n = 401;
    static double p[401], ref[401];
    const double cases[][2] = {{2.5, 0.3}, {0.5, 0.1}, {7.0, 1.0}};
    for (int ic = 0; ic < 3; ++ic) {
        const double beta = cases[ic][0], lambda = cases[ic][1];
        for (int k = 0; k < 2; ++k) {
            ck_assert_int_eq(marginal_mixture_laplace(k, 3, lambda, beta, lo, dx, n, p), 0);
            double mx = -INFINITY;
            for (size_t g = 0; g < n; ++g) {
                const double x = lo + (double)g * dx;
                ref[g] = brute_log_inner(x, k, lambda, beta) - beta * lambda * fabs(x);
                mx = fmax(mx, ref[g]);
            }
            for (size_t g = 0; g < n; ++g) {
                ref[g] = exp(ref[g] - mx);
            }
            const double z = trapz(ref, n, dx);
            double md = 0.0, peak = 0.0;
            for (size_t g = 0; g < n; ++g) {
                md = fmax(md, fabs(p[g] - ref[g] / z));
                peak = fmax(peak, ref[g] / z);
            }
            /* Simpson at h = 0.005 across exp(-beta lambda |y|) limits the reference to ~1e-9 */
            ck_assert_msg(md < 1e-8 * peak, "beta %g lambda %g coord %d: max diff %.3g", beta,
                          lambda, k, md);
        }
    }
}
END_TEST

START_TEST(test_mixture_normalised_and_coordinate_tail)
{
    static double p[TM_N], q[TM_N];
    const double betas[] = {0.3, 1.0, 4.0, 100.0};
    const double lambdas[] = {0.0, 0.1, 2.0};
    for (int ib = 0; ib < 4; ++ib) {
        for (int il = 0; il < 3; ++il) {
            for (int coord = 0; coord < 4; ++coord) {
                ck_assert_int_eq(marginal_mixture_laplace(coord, 4, lambdas[il], betas[ib], TM_LO,
                                                          TM_DX, TM_N, p),
                                 0);
                ck_assert_double_eq_tol(trapz(p, TM_N, TM_DX), 1.0, 1e-12);
                for (int g = 0; g < TM_N; ++g) {
                    ck_assert(p[g] >= 0.0 && isfinite(p[g]));
                }
            }
            /* coordinates >= 2: symmetric, and ∝ exp(-beta (u^2/8 + lambda |u|)) */
            ck_assert_int_eq(marginal_mixture_laplace(2, 20, lambdas[il], betas[ib], TM_LO, TM_DX,
                                                      TM_N, p),
                             0);
            ck_assert_int_eq(marginal_mixture_laplace(19, 20, lambdas[il], betas[ib], TM_LO, TM_DX,
                                                      TM_N, q),
                             0);
            const int mid = TM_N / 2;
            for (int g = 0; g < TM_N; ++g) {
                const double u = TM_LO + g * TM_DX;
                ck_assert(p[g] == q[g]);
                /* the grid is symmetric only up to rounding of lo + g dx */
                ck_assert_double_eq_tol(p[g], p[TM_N - 1 - g], 1e-12 * p[mid]);
                const double expect = p[mid] * exp(-betas[ib] * (u * u / 8.0 + lambdas[il] * fabs(u)));
                ck_assert_double_eq_tol(p[g], expect, 1e-12 * p[mid]);
            }
        }
    }
    /* the x2 marginal is not symmetric (centres -4, -8, 4, -8): it must not come out symmetric */
    ck_assert_int_eq(marginal_mixture_laplace(1, 20, 0.1, 1.0, TM_LO, TM_DX, TM_N, p), 0);
    ck_assert(fabs(p[TM_N / 2 - 600] - p[TM_N / 2 + 600]) > 1e-3);
}
END_TEST

START_TEST(test_mixture_bad_args)
{
    static double p[TM_N];
    ck_assert_int_eq(marginal_mixture_laplace(5, 5, 0.1, 1.0, TM_LO, TM_DX, TM_N, p), -1);
    ck_assert_int_eq(marginal_mixture_laplace(-1, 5, 0.1, 1.0, TM_LO, TM_DX, TM_N, p), -1);
    ck_assert_int_eq(marginal_mixture_laplace(0, 1, 0.1, 1.0, TM_LO, TM_DX, TM_N, p), -1);
    ck_assert_int_eq(marginal_mixture_laplace(0, 5, -0.1, 1.0, TM_LO, TM_DX, TM_N, p), -1);
    ck_assert_int_eq(marginal_mixture_laplace(0, 5, 0.1, 0.0, TM_LO, TM_DX, TM_N, p), -1);
    ck_assert_int_eq(marginal_mixture_laplace(0, 5, 0.1, 1.0, TM_LO, -TM_DX, TM_N, p), -1);
    ck_assert_int_eq(marginal_mixture_laplace(0, 5, 0.1, 1.0, TM_LO, TM_DX, TM_N, NULL), -1);
    ck_assert_int_eq(marginal_mixture_laplace_beta1(2, 2, 0.1, TM_LO, TM_DX, TM_N, p), -1);
}
END_TEST

/* ---------------------------------------------------------------- KDE and L1 distance */

/** Standard normal quantile by bisection on 0.5 erfc(-x/sqrt 2). */
static double normal_quantile(double p)
{
    double a = -40.0, b = 40.0;
    for (int it = 0; it < 200 && b - a > 1e-15; ++it) {
        const double m = 0.5 * (a + b);
        if (0.5 * erfc(-m / sqrt(2.0)) < p) {
            a = m;
        } else {
            b = m;
        }
    }
    return 0.5 * (a + b);
}

START_TEST(test_kde_single_kernel)
{
    static double out[TM_N];
    const double var = 0.1;
    const double v[1] = {1.234};
    marginal_kde_add(1, v, 1, var, TM_LO, TM_DX, TM_N, out);
    ck_assert_double_eq_tol(trapz(out, TM_N, TM_DX), 1.0, 1e-12);
    const double sd = sqrt(var);
    for (int g = 0; g < TM_N; ++g) {
        const double x = TM_LO + g * TM_DX;
        if (fabs(x - v[0]) > 12.0 * sd + 1e-9) {
            ck_assert(out[g] == 0.0);
        } else {
            ck_assert_double_eq_tol(out[g], gauss_pdf(x, v[0], var), 1e-14);
        }
    }
    /* kernels add up; non-finite and far-away centres contribute nothing */
    const double w[4] = {1.234, NAN, 1e300, -1e300};
    static double out2[TM_N];
    marginal_kde_add(4, w, 1, var, TM_LO, TM_DX, TM_N, out2);
    marginal_kde_add(1, v, 1, var, TM_LO, TM_DX, TM_N, out2);
    for (int g = 0; g < TM_N; ++g) {
        ck_assert_double_eq_tol(out2[g], 2.0 * out[g], 1e-15);
    }
    /* a kernel at the grid edge keeps only its inner half */
    static double out3[TM_N];
    const double e[1] = {TM_LO};
    marginal_kde_add(1, e, 1, var, TM_LO, TM_DX, TM_N, out3);
    ck_assert_double_eq_tol(trapz(out3, TM_N, TM_DX), 0.5, 1e-3);
}
END_TEST

START_TEST(test_kde_of_gaussian_samples)
{
    /* deterministic "samples" of N(mu, sigma^2) at the quantiles (i + 1/2)/n, stored with a
     * stride of 3 (as one coordinate of a particle array with d = 3) */
    const size_t n = 20000, stride = 3;
    const double mu = -1.5, sigma = 1.7, var = 0.1;
    double *v = calloc(n * stride, sizeof *v);
    ck_assert_ptr_nonnull(v);
    for (size_t i = 0; i < n; ++i) {
        v[i * stride] = mu + sigma * normal_quantile(((double)i + 0.5) / (double)n);
        v[i * stride + 1] = 1e3; /* other coordinates: must be ignored */
    }
    static double kde[TM_N], truth[TM_N], smoothed[TM_N];
    marginal_kde_add(n, v, stride, var, TM_LO, TM_DX, TM_N, kde);
    for (int g = 0; g < TM_N; ++g) {
        const double x = TM_LO + g * TM_DX;
        kde[g] /= (double)n;
        truth[g] = gauss_pdf(x, mu, sigma * sigma);
        smoothed[g] = gauss_pdf(x, mu, sigma * sigma + var); /* truth convolved with the kernel */
    }
    const double l1_smoothed = marginal_l1_distance(kde, smoothed, TM_N, TM_DX);
    const double l1_truth = marginal_l1_distance(kde, truth, TM_N, TM_DX);
    printf("KDE of %zu quantile samples: L1 to truth * kernel %.3g, to truth %.3g\n", n,
           l1_smoothed, l1_truth);
    ck_assert(l1_smoothed < 1e-3);
    ck_assert(l1_truth < 0.03);
    ck_assert(l1_truth > l1_smoothed); /* the smoothing bias is visible */
    free(v);
}
END_TEST

START_TEST(test_l1_distance)
{
    static double a[TM_N], b[TM_N];
    for (int g = 0; g < TM_N; ++g) {
        a[g] = gauss_pdf(TM_LO + g * TM_DX, 0.0, 1.0);
        b[g] = a[g];
    }
    ck_assert(marginal_l1_distance(a, b, TM_N, TM_DX) == 0.0);
    /* N(0, s^2) vs N(delta, s^2): L1 = 2 (2 Phi(delta / (2 s)) - 1) = 2 erf(delta / (2 s sqrt 2)) */
    const double deltas[] = {0.1, 0.7, 2.0, 5.0};
    const double s = 1.3;
    for (int i = 0; i < 4; ++i) {
        for (int g = 0; g < TM_N; ++g) {
            const double x = TM_LO + g * TM_DX;
            a[g] = gauss_pdf(x, 0.0, s * s);
            b[g] = gauss_pdf(x, deltas[i], s * s);
        }
        const double expect = 2.0 * erf(deltas[i] / (2.0 * s * sqrt(2.0)));
        ck_assert_double_eq_tol(marginal_l1_distance(a, b, TM_N, TM_DX), expect, 1e-4);
        ck_assert_double_eq_tol(marginal_l1_distance(b, a, TM_N, TM_DX), expect, 1e-4);
    }
    /* trapezoidal end weights: |1 - 0| over n points is (n - 1) dx */
    for (int g = 0; g < 11; ++g) {
        a[g] = 1.0;
        b[g] = 0.0;
    }
    ck_assert_double_eq_tol(marginal_l1_distance(a, b, 11, 0.5), 5.0, 1e-15);
    a[0] = 3.0; /* an end point counts half */
    ck_assert_double_eq_tol(marginal_l1_distance(a, b, 11, 0.5), 5.0 + 0.5 * 2.0 * 0.5, 1e-15);
    a[5] = 3.0; /* an interior point counts fully */
    ck_assert_double_eq_tol(marginal_l1_distance(a, b, 11, 0.5), 5.5 + 2.0 * 0.5, 1e-15);
}
END_TEST

/* ---------------------------------------------------------------- Gaussian-L1 moments */

/** Composite Simpson moments of exp(-beta ((u - mu)^2/(2 s^2) + lambda |u|)). */
static void simpson_moments(double mu, double s, double lambda, double beta, double *mean,
                            double *var)
{
    const double sigma = s / sqrt(beta);
    const double reach = fabs(mu) + s * s * lambda + 40.0 * sigma;
    const int n = 1 << 21;
    const double h = reach / n;
    /* shift by the largest log-density: at a half-line's clamped centre */
    const double cp = fmax(mu - s * s * lambda, 0.0), cm = fmin(mu + s * s * lambda, 0.0);
#define LOGQ(u) (-beta * (((u) - mu) * ((u) - mu) / (2.0 * s * s) + lambda * fabs(u)))
    const double shift = fmax(LOGQ(cp), LOGQ(cm));
    double m[3] = {0.0, 0.0, 0.0};
    for (int side = -1; side <= 1; side += 2) {
        for (int j = 0; j <= n; ++j) {
            const double u = side * j * h;
            const double wj = (j == 0 || j == n) ? 1.0 : (j % 2 ? 4.0 : 2.0);
            const double f = wj * exp(LOGQ(u) - shift);
            m[0] += f;
            m[1] += f * u;
        }
    }
    *mean = m[1] / m[0];
    for (int side = -1; side <= 1; side += 2) {
        for (int j = 0; j <= n; ++j) {
            const double u = side * j * h;
            const double wj = (j == 0 || j == n) ? 1.0 : (j % 2 ? 4.0 : 2.0);
            m[2] += wj * exp(LOGQ(u) - shift) * (u - *mean) * (u - *mean);
        }
    }
#undef LOGQ
    *var = m[2] / m[0];
}

START_TEST(test_moments_lambda_zero)
{
    double mean, var;
    marginal_gaussian_l1_moments(1.7, 0.6, 0.0, 3.0, &mean, &var);
    ck_assert(mean == 1.7);
    ck_assert_double_eq_tol(var, 0.36 / 3.0, 1e-16);
    /* the quadrature path is continuous at lambda -> 0 */
    const double mus[] = {-3.0, 0.0, 0.4, 10.0};
    for (int i = 0; i < 4; ++i) {
        double m0, v0, m1, v1;
        marginal_gaussian_l1_moments(mus[i], 0.6, 0.0, 3.0, &m0, &v0);
        marginal_gaussian_l1_moments(mus[i], 0.6, 1e-12, 3.0, &m1, &v1);
        ck_assert_msg(fabs(m1 - m0) < 1e-10 && fabs(v1 / v0 - 1.0) < 1e-10,
                      "mu %g: (%.15g, %.15g) vs (%.15g, %.15g)", mus[i], m1, v1, m0, v0);
    }
}
END_TEST

START_TEST(test_moments_vs_simpson)
{
    const double cases[][4] = {
        /* mu, s, lambda, beta */
        {1.0, 0.5, 0.7, 2.0},   {0.0, 1.0, 1.0, 1.0},  {-2.0, 1.5, 0.3, 0.5},
        {50.0, 1.0, 2.0, 1.0},  {-50.0, 2.0, 0.1, 3.0}, {0.3, 1.0, 50.0, 2.0},
        {3.0, 0.1, 100.0, 10.0}, {0.01, 3.0, 0.05, 0.2},
    };
    double worst = 0.0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        const double *c = cases[i];
        double m, v, mr, vr;
        marginal_gaussian_l1_moments(c[0], c[1], c[2], c[3], &m, &v);
        simpson_moments(c[0], c[1], c[2], c[3], &mr, &vr);
        const double sd = sqrt(vr);
        const double em = fabs(m - mr) / sd, ev = fabs(v / vr - 1.0);
        worst = fmax(worst, fmax(em, ev));
        ck_assert_msg(em < 1e-10 && ev < 1e-10,
                      "case %zu: mean %.15g vs %.15g, var %.15g vs %.15g", i, m, mr, v, vr);
        /* reflection: mu -> -mu flips the mean and keeps the variance */
        double mn, vn;
        marginal_gaussian_l1_moments(-c[0], c[1], c[2], c[3], &mn, &vn);
        ck_assert_double_eq_tol(mn, -m, 1e-12 * sd);
        ck_assert_double_eq_tol(vn, v, 1e-12 * v);
    }
    printf("Gaussian-L1 moments vs Simpson: max relative error %.3g\n", worst);
}
END_TEST

static Suite *marginal_suite(void)
{
    Suite *s = suite_create("marginal");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_mixture_vs_beta1_closed_form);
    tcase_add_test(tc, test_mixture_lambda0_beta1_is_gaussian_mixture);
    tcase_add_test(tc, test_mixture_general_beta_vs_brute_force);
    tcase_add_test(tc, test_mixture_normalised_and_coordinate_tail);
    tcase_add_test(tc, test_mixture_bad_args);
    tcase_add_test(tc, test_kde_single_kernel);
    tcase_add_test(tc, test_kde_of_gaussian_samples);
    tcase_add_test(tc, test_l1_distance);
    tcase_add_test(tc, test_moments_lambda_zero);
    tcase_add_test(tc, test_moments_vs_simpson);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(marginal_suite());
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    const int n_failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return n_failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
