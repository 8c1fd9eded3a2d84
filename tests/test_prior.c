/**
 * @file test_prior.c
 * @brief Serial Check tests of the L1-prior normaliser (prior_l1.h).
 *
 * The reference for log Z1 is an independent quadrature written plainly here:
 *     Z1(y) = int exp(-(beta lambda/2)|z| - beta (z - y)^2/(4T)) dz
 * by composite 20-point Gauss-Legendre (nodes by Newton's method) on panels graded towards the
 * breakpoints z = 0 (the kink) and z = mode, over mode +- 40 sigma, sigma^2 = 2T/beta, with the
 * integrand shifted by its value at the mode so nothing under- or overflows.
 * log erfcx is checked against erfc, against values computed with mpmath at 50 digits, across
 * the switch to the asymptotic series and against the asymptote itself.
 */
#include "rwpo/core/prior_l1.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define TP_PI 3.14159265358979323846264338327950288
#define TP_LOG2 0.69314718055994530941723212145817657

/* ---------------------------------------------------------------- reference quadrature */

#define GL_N 20
static double gl_x[GL_N], gl_w[GL_N]; /* Gauss-Legendre nodes and weights on [-1, 1] */

/** Gauss-Legendre nodes/weights by Newton iteration on P_n (Numerical Recipes' gauleg). */
static void gl_init(void)
{
    for (int i = 0; i < (GL_N + 1) / 2; ++i) {
        double z = cos(TP_PI * (i + 0.75) / (GL_N + 0.5));
        double pp = 0.0;
        for (int it = 0; it < 100; ++it) {
            double p1 = 1.0, p2 = 0.0;
            for (int j = 1; j <= GL_N; ++j) {
                const double p3 = p2;
                p2 = p1;
                p1 = ((2.0 * j - 1.0) * z * p2 - (j - 1.0) * p3) / j;
            }
            pp = GL_N * (z * p1 - p2) / (z * z - 1.0);
            const double dz = p1 / pp;
            z -= dz;
            if (fabs(dz) < 1e-16) {
                break;
            }
        }
        gl_x[i] = -z;
        gl_x[GL_N - 1 - i] = z;
        gl_w[i] = gl_w[GL_N - 1 - i] = 2.0 / ((1.0 - z * z) * pp * pp);
    }
}

typedef struct {
    double y, lambda, beta, T, shift;
} z1_param;

/** log of the Z1 integrand minus the shift. */
static double z1_log_integrand(double z, const z1_param *p)
{
    return -(p->beta * p->lambda / 2.0) * fabs(z) - p->beta * (z - p->y) * (z - p->y) / (4.0 * p->T)
           - p->shift;
}

/** GL on one panel [a, b]. */
static double gl_panel(double a, double b, const z1_param *p)
{
    const double c = 0.5 * (a + b), h = 0.5 * (b - a);
    double s = 0.0;
    for (int k = 0; k < GL_N; ++k) {
        s += gl_w[k] * exp(z1_log_integrand(c + h * gl_x[k], p));
    }
    return s * h;
}

/** Integrate over [a, b] with panel widths h0, h0 r, h0 r^2, ... (capped at hmax) from `a`. */
static double graded(double a, double b, double h0, double hmax, const z1_param *p)
{
    const double len = fabs(b - a), dir = b > a ? 1.0 : -1.0;
    double s = 0.0, pos = 0.0, h = h0;
    while (pos < len) {
        const double step = (pos + h > len) ? len - pos : h;
        s += gl_panel(a + dir * pos, a + dir * (pos + step), p) * dir;
        pos += step;
        h = fmin(h * 1.25, hmax);
    }
    return fabs(s);
}

/** Reference log Z1 by quadrature. */
static double quad_log_z1(double y, double lambda, double beta, double T)
{
    const double lt = lambda * T;
    const double mode = y > lt ? y - lt : (y < -lt ? y + lt : 0.0);
    const double sigma = sqrt(2.0 * T / beta);
    const double slope = beta * lambda / 2.0;
    const double hmax = sigma / 4.0;
    const double h0 = fmin(sigma, slope > 0.0 ? 1.0 / slope : sigma) / 16.0;
    z1_param p = {y, lambda, beta, T, 0.0};
    p.shift = z1_log_integrand(mode, &p);
    /* breakpoints: the ends, the mode and (if inside and distinct) the kink at 0, sorted */
    double bp[4] = {mode - 40.0 * sigma, mode, mode + 40.0 * sigma, 0.0};
    int nb = 3;
    if (bp[0] < 0.0 && 0.0 < bp[2] && mode != 0.0) {
        bp[nb++] = 0.0;
        for (int i = nb - 1; i > 0 && bp[i] < bp[i - 1]; --i) {
            const double t = bp[i];
            bp[i] = bp[i - 1];
            bp[i - 1] = t;
        }
    }
    double sum = 0.0;
    for (int i = 0; i + 1 < nb; ++i) {
        const double mid = 0.5 * (bp[i] + bp[i + 1]);
        sum += graded(bp[i], mid, h0, hmax, &p) + graded(bp[i + 1], mid, h0, hmax, &p);
    }
    return p.shift + log(sum);
}

/* ---------------------------------------------------------------- tests */

START_TEST(test_z1_reference_values)
{
    const double cases[3][5] = {
        {0.3, 1.0, 1.0, 0.1, 0.913203428},
        {-2.0, 0.5, 2.0, 0.05, 0.207488865},
        {0.0, 1.0, 4.0, 0.2, 0.510308727},
    };
    for (int i = 0; i < 3; ++i) {
        const double z1 = exp(prior_l1_log_z1(cases[i][0], cases[i][1], cases[i][2], cases[i][3]));
        ck_assert_msg(fabs(z1 / cases[i][4] - 1.0) < 1e-8, "Z1 case %d: %.12g vs %.12g", i, z1,
                      cases[i][4]);
        /* the documented relation log Z1 = 0.5 log(pi T/beta) - beta y^2/(4T) + log E */
        const double y = cases[i][0], beta = cases[i][2], T = cases[i][3];
        const double via_e = 0.5 * log(TP_PI * T / beta) - beta * y * y / (4.0 * T)
                             + prior_l1_log_e(y, cases[i][1], beta, T);
        ck_assert_double_eq_tol(via_e, log(z1), 1e-13);
        /* the reference quadrature reproduces the documented values too */
        const double q = exp(quad_log_z1(y, cases[i][1], beta, T));
        ck_assert_msg(fabs(q / cases[i][4] - 1.0) < 1e-8, "quadrature case %d: %.12g", i, q);
    }
}
END_TEST

START_TEST(test_log_erfcx_mpmath)
{
    /* log erfcx(a) at 50 digits (mpmath: a^2 + log(erfc(a))). */
    static const double ref[][2] = {
        {-30.0, 900.6931471805599453094},  {-5.0, 25.69314718055917657952},
        {-1.0, 1.611232317678070494643},   {-0.5, 0.6690391477755595803634},
        {-1e-3, 0.001128742650114876530611}, {1e-8, -1.128379163461710307849e-8},
        {0.25, -0.2609148033936194180277}, {0.5, -0.4850111298370844030259},
        {1.0, -0.849605509933248248576},   {3.0, -1.720363041981112567731},
        {5.0, -2.200889545537434422442},   {10.0, -2.879889024844888574805},
        {19.5, -3.544090038100503804422},  {20.0, -3.569343334104234962969},
        {21.0, -3.618017971645576255081},  {26.0, -3.831199763194230262387},
        {30.0, -3.9741171106438780796},    {100.0, -5.177585122664332570467},
        {1e5, -12.08529040794492850716},
    };
    double worst = 0.0;
    for (size_t i = 0; i < sizeof ref / sizeof ref[0]; ++i) {
        const double v = prior_l1_log_erfcx(ref[i][0]);
        const double rel = fabs(v - ref[i][1]) / fabs(ref[i][1]);
        worst = fmax(worst, rel);
        ck_assert_msg(rel < 2e-15, "log erfcx(%g) = %.17g, expected %.17g (rel %.3g)", ref[i][0],
                      v, ref[i][1], rel);
    }
    ck_assert(prior_l1_log_erfcx(0.0) == 0.0);
    printf("log erfcx vs mpmath: max relative error %.3g\n", worst);
}
END_TEST

START_TEST(test_log_erfcx_vs_erfc)
{
    /* moderate a: the naive a^2 + log(erfc(a)) has no harmful cancellation for |a| <= 4 */
    for (double a = -8.0; a <= 4.0; a += 0.01) {
        const double naive = a * a + log(erfc(a));
        ck_assert_msg(fabs(prior_l1_log_erfcx(a) - naive) <= 2e-15 * fmax(1.0, fabs(naive)),
                      "a = %g: %.17g vs %.17g", a, prior_l1_log_erfcx(a), naive);
    }
    /* small a: log erfcx(a) = -2a/sqrt(pi) + (1 - 2/pi) a^2 + O(a^3) */
    for (double a = 1e-12; a < 1e-5; a *= 10.0) {
        for (int sg = -1; sg <= 1; sg += 2) {
            const double x = sg * a;
            const double taylor = -2.0 * x / sqrt(TP_PI) + (1.0 - 2.0 / TP_PI) * x * x;
            ck_assert_msg(fabs(prior_l1_log_erfcx(x) / taylor - 1.0) < 1e-10, "small a = %g", x);
        }
    }
}
END_TEST

START_TEST(test_log_erfcx_switch_continuity)
{
    const double s = 20.0; /* the documented switch point to the asymptotic series */
    const double below = nextafter(s, 0.0), above = nextafter(s, 100.0);
    const double fb = prior_l1_log_erfcx(below), fs = prior_l1_log_erfcx(s);
    const double fa = prior_l1_log_erfcx(above);
    ck_assert_msg(fabs(fb / fs - 1.0) < 1e-14, "below %.17g at %.17g", fb, fs);
    ck_assert_msg(fabs(fa / fs - 1.0) < 1e-14, "above %.17g at %.17g", fa, fs);
    /* a wider symmetric step, corrected by the exact derivative
     * d/da log erfcx(a) = 2a - 2 / (sqrt(pi) erfcx(a)) */
    for (double c = 5.0; c <= 60.0; c += 0.5) {
        const double h = 1e-6;
        const double deriv = 2.0 * c - 2.0 / (sqrt(TP_PI) * exp(prior_l1_log_erfcx(c)));
        const double diff = prior_l1_log_erfcx(c + h) - prior_l1_log_erfcx(c - h);
        ck_assert_msg(fabs(diff - 2.0 * h * deriv) < 1e-14 * fabs(prior_l1_log_erfcx(c)),
                      "jump near a = %g: %.3g vs %.3g", c, diff, 2.0 * h * deriv);
    }
}
END_TEST

START_TEST(test_log_erfcx_asymptote)
{
    const double as[] = {50.0, 1e3, 1e5, 1e10, 1e100, 1e300};
    for (size_t i = 0; i < sizeof as / sizeof as[0]; ++i) {
        const double a = as[i];
        const double r = 1.0 / (2.0 * a * a);
        /* 1/(a sqrt(pi)) (1 - 1/(2a^2) + 3/(4a^4) - 15/(8a^6) + 105/(16a^8) - 945/(32a^10)) */
        const double series = r * (-1.0 + r * (3.0 + r * (-15.0 + r * (105.0 + r * -945.0))));
        const double asym = -log(a) - 0.5 * log(TP_PI) + log1p(series);
        ck_assert_msg(fabs(prior_l1_log_erfcx(a) / asym - 1.0) < 1e-15, "a = %g: %.17g vs %.17g",
                      a, prior_l1_log_erfcx(a), asym);
    }
    /* very negative a: erfcx(a) -> 2 exp(a^2) */
    ck_assert_double_eq_tol(prior_l1_log_erfcx(-1e3), 1e6 + TP_LOG2, 1e-9);
    ck_assert(isinf(prior_l1_log_erfcx(-1e200)) && prior_l1_log_erfcx(-1e200) > 0.0);
}
END_TEST

START_TEST(test_log_e_lambda_zero)
{
    const double us[] = {-50.0, -7.0, -1.0, -1e-3, 0.0, 1e-3, 0.3, 1.0, 7.0, 50.0};
    const double betas[] = {0.1, 1.0, 100.0};
    const double Ts[] = {1e-4, 0.1, 10.0};
    for (size_t i = 0; i < sizeof us / sizeof us[0]; ++i) {
        for (size_t j = 0; j < 3; ++j) {
            for (size_t k = 0; k < 3; ++k) {
                const double u = us[i], beta = betas[j], T = Ts[k];
                const double expect = TP_LOG2 + beta * u * u / (4.0 * T);
                const double v = prior_l1_log_e(u, 0.0, beta, T);
                ck_assert_msg(fabs(v - expect) <= 1e-15 * fabs(expect) + 1e-15,
                              "u=%g beta=%g T=%g: %.17g vs %.17g", u, beta, T, v, expect);
                /* then Z1 is the plain Gaussian integral sqrt(4 pi T / beta) */
                ck_assert_double_eq_tol(prior_l1_log_z1(u, 0.0, beta, T),
                                        0.5 * log(4.0 * TP_PI * T / beta), 1e-14);
            }
        }
    }
}
END_TEST

/** Compare log Z1 (absolute) and log E (relative) with the quadrature; track the worst. */
static double worst_z1_abs = 0.0, worst_e_rel = 0.0;

static void check_against_quadrature(double u, double lambda, double beta, double T)
{
    const double q = quad_log_z1(u, lambda, beta, T);
    const double v = prior_l1_log_z1(u, lambda, beta, T);
    const double err = fabs(v - q);
    worst_z1_abs = fmax(worst_z1_abs, err);
    ck_assert_msg(err <= 1e-10 + 1e-14 * fabs(q),
                  "log Z1(u=%g, lambda=%g, beta=%g, T=%g) = %.15g, quadrature %.15g", u, lambda,
                  beta, T, v, q);
    const double qe = q - 0.5 * log(TP_PI * T / beta) + beta * u * u / (4.0 * T);
    const double e = prior_l1_log_e(u, lambda, beta, T);
    const double rel = fabs(e - qe) / fmax(1.0, fabs(qe));
    worst_e_rel = fmax(worst_e_rel, rel);
    ck_assert_msg(rel <= 1e-11, "log E(u=%g, lambda=%g, beta=%g, T=%g) = %.15g, quadrature %.15g",
                  u, lambda, beta, T, e, qe);
    /* E is even in u */
    ck_assert(prior_l1_log_e(-u, lambda, beta, T) == e);
}

START_TEST(test_log_z1_hard_cases)
{
    const double lambdas[] = {0.0, 0.1, 1.0, 3.0};
    for (size_t i = 0; i < 4; ++i) {
        const double lambda = lambdas[i];
        const double T = 1e-4, beta = 100.0;
        const double us[] = {0.0, lambda * T, -lambda * T, nextafter(lambda * T, 1.0),
                             50.0, -50.0, 1e-3, 0.5 * lambda * T};
        for (size_t j = 0; j < sizeof us / sizeof us[0]; ++j) {
            check_against_quadrature(us[j], lambda, beta, T);
            check_against_quadrature(us[j], lambda, 1.0, 1.0);
            check_against_quadrature(us[j], lambda, beta, 1.0);
            check_against_quadrature(us[j], lambda, 1.0, T);
        }
        /* |u| = lambda T at a moderate T, where the mode sits on the kink */
        check_against_quadrature(lambda * 0.1, lambda, 1.0, 0.1);
        check_against_quadrature(-lambda * 0.1, lambda, 1.0, 0.1);
    }
}
END_TEST

START_TEST(test_log_z1_sweep)
{
    const double us[] = {-50.0, -10.0, -3.0, -1.0, -0.3, -0.01, 0.0, 0.01, 0.3, 1.0, 3.0,
                         10.0, 50.0};
    const double lambdas[] = {0.0, 0.01, 0.1, 1.0, 10.0, 100.0};
    const double betas[] = {0.1, 1.0, 10.0, 100.0};
    const double Ts[] = {1e-4, 1e-2, 0.1, 1.0, 10.0};
    int n = 0;
    for (size_t a = 0; a < sizeof us / sizeof us[0]; ++a) {
        for (size_t b = 0; b < sizeof lambdas / sizeof lambdas[0]; ++b) {
            for (size_t c = 0; c < sizeof betas / sizeof betas[0]; ++c) {
                for (size_t e = 0; e < sizeof Ts / sizeof Ts[0]; ++e) {
                    check_against_quadrature(us[a], lambdas[b], betas[c], Ts[e]);
                    ++n;
                }
            }
        }
    }
    printf("log Z1 vs quadrature (%d sweep points + hard cases): max abs error %.3g; "
           "log E max rel error %.3g\n",
           n, worst_z1_abs, worst_e_rel);
}
END_TEST

START_TEST(test_log_z1_lipschitz)
{
    /* log Z1(u) - log Z1(v) <= (beta lambda / 2)|u - v| (method.md, "Numerics") */
    const double lambda = 2.0, beta = 3.0, T = 0.05;
    for (double u = -5.0; u <= 5.0; u += 0.37) {
        for (double v = -5.0; v <= 5.0; v += 0.29) {
            const double d = prior_l1_log_z1(u, lambda, beta, T) - prior_l1_log_z1(v, lambda, beta, T);
            ck_assert(d <= beta * lambda / 2.0 * fabs(u - v) + 1e-12);
        }
    }
}
END_TEST

/** Huber function M_T(u) = min_z lambda|z| + (z - u)^2/(2T), by brute force: a grid scan
 *  followed by golden-section refinement of the (convex) objective. */
static double huber_brute(double u, double lambda, double T)
{
    const double lo = fmin(0.0, u) - 1.0, hi = fmax(0.0, u) + 1.0;
    double best = INFINITY, zbest = 0.0;
    for (int i = 0; i <= 2000; ++i) {
        const double z = lo + (hi - lo) * i / 2000.0;
        const double f = lambda * fabs(z) + (z - u) * (z - u) / (2.0 * T);
        if (f < best) {
            best = f;
            zbest = z;
        }
    }
    double a = zbest - (hi - lo) / 2000.0, b = zbest + (hi - lo) / 2000.0;
    const double g = 0.5 * (sqrt(5.0) - 1.0);
    for (int it = 0; it < 200; ++it) {
        const double c = b - g * (b - a), d = a + g * (b - a);
        const double fc = lambda * fabs(c) + (c - u) * (c - u) / (2.0 * T);
        const double fd = lambda * fabs(d) + (d - u) * (d - u) / (2.0 * T);
        if (fc < fd) {
            b = d;
        } else {
            a = c;
        }
    }
    const double z = 0.5 * (a + b);
    const double fz = lambda * fabs(z) + (z - u) * (z - u) / (2.0 * T);
    const double fk = (0.0 - u) * (0.0 - u) / (2.0 * T); /* the kink itself */
    return fmin(fmin(fz, best), fk);
}

START_TEST(test_moreau_bias)
{
    const double lambdas[] = {0.0, 0.5, 2.0};
    const double betas[] = {1.0, 7.0};
    const double Ts[] = {0.01, 0.1, 1.0};
    for (size_t il = 0; il < 3; ++il) {
        for (size_t ib = 0; ib < 2; ++ib) {
            for (size_t it = 0; it < 3; ++it) {
                const double lambda = lambdas[il], beta = betas[ib], T = Ts[it];
                for (double u = -3.0; u <= 3.0; u += 0.0625) {
                    const double bias = prior_l1_key_bias(PRIOR_L1_MOREAU, u, lambda, beta, T);
                    const double s = u > lambda * T ? u - lambda * T
                                                    : (u < -lambda * T ? u + lambda * T : 0.0);
                    ck_assert_double_eq_tol(bias, -beta * s * s / (4.0 * T),
                                            1e-13 * (1.0 + fabs(bias)));
                    const double m = huber_brute(u, lambda, T);
                    const double via_huber = -beta * u * u / (4.0 * T) + 0.5 * beta * m;
                    ck_assert_msg(fabs(bias - via_huber) < 1e-9 * (1.0 + beta * u * u / T),
                                  "u=%g lambda=%g beta=%g T=%g: %.15g vs %.15g", u, lambda, beta,
                                  T, bias, via_huber);
                }
            }
        }
    }
}
END_TEST

START_TEST(test_bias_lambda_zero_constant)
{
    /* at lambda = 0 exact and moreau biases differ by -log 2, whatever u */
    const double beta = 3.0, T = 0.2;
    for (double u = -20.0; u <= 20.0; u += 0.173) {
        const double ex = prior_l1_key_bias(PRIOR_L1_EXACT, u, 0.0, beta, T);
        const double mo = prior_l1_key_bias(PRIOR_L1_MOREAU, u, 0.0, beta, T);
        ck_assert_double_eq_tol(ex - mo, -TP_LOG2, 1e-15 * (1.0 + beta * u * u / T));
    }
    /* with lambda > 0 it is not a constant */
    const double d0 = prior_l1_key_bias(PRIOR_L1_EXACT, 0.0, 1.0, beta, T)
                      - prior_l1_key_bias(PRIOR_L1_MOREAU, 0.0, 1.0, beta, T);
    const double d1 = prior_l1_key_bias(PRIOR_L1_EXACT, 3.0, 1.0, beta, T)
                      - prior_l1_key_bias(PRIOR_L1_MOREAU, 3.0, 1.0, beta, T);
    ck_assert(fabs(d0 - d1) > 1e-3);
}
END_TEST

START_TEST(test_exact_bias_is_kernel_logit)
{
    /* -beta (y_i - y_j)^2/(4T) - log Z1(y_j) = (beta/(2T)) y_i y_j + bias(y_j) + c(y_i): the
     * bias must reproduce the kernel-formula logits up to a per-query constant */
    const double lambda = 0.7, beta = 2.0, T = 0.3;
    const double ys[] = {-4.0, -1.1, -0.2, 0.0, 0.15, 0.9, 3.3};
    for (size_t i = 0; i < 7; ++i) {
        double c0 = 0.0;
        for (size_t j = 0; j < 7; ++j) {
            const double yi = ys[i], yj = ys[j];
            const double logit = -beta * (yi - yj) * (yi - yj) / (4.0 * T)
                                 - quad_log_z1(yj, lambda, beta, T);
            const double via_bias = beta / (2.0 * T) * yi * yj
                                    + prior_l1_key_bias(PRIOR_L1_EXACT, yj, lambda, beta, T);
            const double c = logit - via_bias;
            if (j == 0) {
                c0 = c;
                ck_assert_double_eq_tol(c, -beta * yi * yi / (4.0 * T)
                                               - 0.5 * log(TP_PI * T / beta), 1e-10);
            }
            ck_assert_double_eq_tol(c, c0, 1e-10);
        }
    }
}
END_TEST

START_TEST(test_bias_vector)
{
    double u[64], out[64];
    for (int i = 0; i < 64; ++i) {
        u[i] = -6.0 + 0.19 * i;
    }
    for (int kind = 0; kind < 2; ++kind) {
        prior_l1_key_bias_n((prior_l1_normaliser)kind, 64, u, 0.4, 1.5, 0.25, out);
        for (int i = 0; i < 64; ++i) {
            ck_assert(out[i] == prior_l1_key_bias((prior_l1_normaliser)kind, u[i], 0.4, 1.5, 0.25));
        }
    }
    ck_assert(prior_l1_key_bias(PRIOR_L1_EXACT, 1.3, 0.4, 1.5, 0.25)
              == -prior_l1_log_e(1.3, 0.4, 1.5, 0.25));
}
END_TEST

static Suite *prior_suite(void)
{
    Suite *s = suite_create("prior_l1");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_z1_reference_values);
    tcase_add_test(tc, test_log_erfcx_mpmath);
    tcase_add_test(tc, test_log_erfcx_vs_erfc);
    tcase_add_test(tc, test_log_erfcx_switch_continuity);
    tcase_add_test(tc, test_log_erfcx_asymptote);
    tcase_add_test(tc, test_log_e_lambda_zero);
    tcase_add_test(tc, test_log_z1_hard_cases);
    tcase_add_test(tc, test_log_z1_sweep);
    tcase_add_test(tc, test_log_z1_lipschitz);
    tcase_add_test(tc, test_moreau_bias);
    tcase_add_test(tc, test_bias_lambda_zero_constant);
    tcase_add_test(tc, test_exact_bias_is_kernel_logit);
    tcase_add_test(tc, test_bias_vector);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    gl_init();
    SRunner *sr = srunner_create(prior_suite());
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    const int n_failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return n_failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
