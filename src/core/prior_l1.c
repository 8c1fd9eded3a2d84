/**
 * @file prior_l1.c
 * @brief The L1 prior: closed-form normaliser of the regularized Wasserstein proximal kernel.
 *
 * Mathematics (beta an INVERSE temperature, lambda >= 0, T > 0). With V = lambda |.| the
 * one-dimensional normaliser of the kernel K(x, y) is
 *
 *     Z1(y) = int exp(-(beta lambda / 2)|z| - beta (z - y)^2 / (4T)) dz.
 *
 * Splitting at z = 0 and completing the square on each half-line gives
 *
 *     Z1(y) = sqrt(pi T / beta) exp(-beta y^2 / (4T)) E(y),
 *     E(u)  = erfcx(a) + erfcx(b),   a = s (lambda T - u),  b = s (lambda T + u),
 *     s     = sqrt(beta / (4T)),     erfcx(t) = exp(t^2) erfc(t).
 *
 * log erfcx(t) is evaluated in four regimes, each free of cancellation:
 *   - t < -0.5:        t^2 + log(erfc(t)); both terms positive (erfc(t) in (1, 2]). t^2 is formed
 *                      exactly as hi + lo with an fma, so huge |t| loses nothing but the final
 *                      rounding.
 *   - |t| <= 0.5:      log1p(expm1(t^2) erfc(t) - erf(t)), since erfcx(t) - 1 =
 *                      expm1(t^2) erfc(t) - erf(t); accurate also as t -> 0 where log erfcx -> 0.
 *   - 0.5 < t < 20:    log(erfc(t) exp(hi)) + lo with t^2 = hi + lo exactly. Forming the product
 *                      first avoids the cancellation of t^2 + log(erfc(t)) (about 400 - 403.6 at
 *                      t = 20, which would cost ~5e-14 absolute); erfc(20) ~ 5e-176 and
 *                      exp(400) ~ 5e173 are both normal numbers.
 *   - t >= 20:         the asymptotic series
 *                          erfcx(t) = 1/(t sqrt(pi)) sum_k (-1)^k (2k-1)!! / (2 t^2)^k,
 *                      summed until the terms fall below 1e-18 (at most 9 terms at t = 20, where
 *                      the ratio of consecutive terms is (2k+1)/800).
 *
 * log Z1 is not formed as log E - beta y^2/(4T), which would cancel catastrophically for
 * |y| >> sqrt(T/beta). Instead each of the two terms is shifted analytically:
 *     log erfcx(a) - s^2 u^2 = s^2 lambda T (lambda T - 2u) + log erfc(a)   (when a < 0),
 *     log erfcx(b) - s^2 u^2 = s^2 lambda T (lambda T + 2u) + log erfc(b)   (when b < 0),
 * and -s^2 u^2 + log erfcx(.) directly when the argument is >= 0 (log erfcx is then <= 0 and
 * nothing cancels). The two are combined with log-add-exp.
 *
 * Key bias (the key-only part of the attention logit written as (beta/(2T)) y_i y_j + bias(y_j)):
 *   exact:  bias(u) = -log E(u)
 *   moreau: bias(u) = -beta S(u)^2 / (4T), S the soft threshold at lambda T; this equals
 *           -beta u^2/(4T) + (beta/2) M_T(u) with the Huber function
 *           M_T(u) = min_z lambda |z| + (z - u)^2 / (2T).
 *
 * Pure functions: no MPI, no I/O, no globals; thread-safe.
 */
#include "rwpo/core/prior_l1.h"

#include <assert.h>
#include <math.h>

/** Switch from the erfc-based formula to the asymptotic series. */
#define PRIOR_L1_SERIES_SWITCH 20.0
/** log(sqrt(pi)). */
#define PRIOR_L1_LOG_SQRT_PI 0.57236494292470008707171367567652935
/** pi (M_PI is not ISO C). */
#define PRIOR_L1_PI 3.14159265358979323846264338327950288

/** log(exp(p) + exp(q)), exact for infinite arguments. */
static double prior_l1_logaddexp(double p, double q)
{
    const double hi = p > q ? p : q;
    const double lo = p > q ? q : p;
    if (hi == -INFINITY) {
        return -INFINITY;
    }
    if (hi == INFINITY) {
        return INFINITY;
    }
    return hi + log1p(exp(lo - hi));
}

/** log erfcx(t) for t >= PRIOR_L1_SERIES_SWITCH by the asymptotic series. */
static double prior_l1_log_erfcx_series(double t)
{
    const double r = 1.0 / (2.0 * t * t); /* underflows harmlessly to 0 for huge t */
    double term = 1.0;
    double sum = 0.0; /* sum of the terms k >= 1 */
    for (int k = 1; k <= 40; ++k) {
        term *= -(2.0 * k - 1.0) * r;
        sum += term;
        if (fabs(term) < 1e-18) {
            break;
        }
    }
    return -log(t) - PRIOR_L1_LOG_SQRT_PI + log1p(sum);
}

double prior_l1_log_erfcx(double a)
{
    if (isnan(a)) {
        return a;
    }
    if (a >= PRIOR_L1_SERIES_SWITCH) {
        return prior_l1_log_erfcx_series(a);
    }
    const double hi = a * a;
    const double lo = fma(a, a, -hi); /* a^2 = hi + lo exactly */
    if (a < -0.5) {
        if (isinf(hi)) {
            return INFINITY; /* erfcx(a) ~ 2 exp(a^2) overflows even its logarithm */
        }
        return hi + (lo + log(erfc(a)));
    }
    if (a <= 0.5) {
        return log1p(expm1(a * a) * erfc(a) - erf(a));
    }
    return log(erfc(a) * exp(hi)) + lo;
}

double prior_l1_log_e(double u, double lambda, double beta, double T)
{
    assert(lambda >= 0.0 && beta > 0.0 && T > 0.0);
    const double s = sqrt(beta / (4.0 * T));
    const double lt = lambda * T;
    return prior_l1_logaddexp(prior_l1_log_erfcx(s * (lt - u)), prior_l1_log_erfcx(s * (lt + u)));
}

/**
 * log erfcx(t) - s^2 u^2 for t = s (lambda T + sign u), without cancellation.
 * @param sign +1 for the term b = s(lambda T + u), -1 for a = s(lambda T - u)
 */
static double prior_l1_shifted_term(double u, double sign, double s, double lt)
{
    const double t = s * (lt + sign * u);
    if (t < 0.0) {
        /* t^2 - s^2 u^2 = s^2 lambda T (lambda T + 2 sign u) */
        return s * s * lt * (lt + 2.0 * sign * u) + log(erfc(t));
    }
    const double su = s * u;
    return prior_l1_log_erfcx(t) - su * su;
}

double prior_l1_log_z1(double y, double lambda, double beta, double T)
{
    assert(lambda >= 0.0 && beta > 0.0 && T > 0.0);
    const double s = sqrt(beta / (4.0 * T));
    const double lt = lambda * T;
    const double log_e_shifted = prior_l1_logaddexp(prior_l1_shifted_term(y, -1.0, s, lt),
                                                    prior_l1_shifted_term(y, 1.0, s, lt));
    return 0.5 * log(PRIOR_L1_PI * T / beta) + log_e_shifted;
}

double prior_l1_key_bias(prior_l1_normaliser kind, double u, double lambda, double beta,
                         double T)
{
    if (kind == PRIOR_L1_MOREAU) {
        const double st = prior_l1_soft_threshold(u, lambda * T);
        return -beta * st * st / (4.0 * T);
    }
    return -prior_l1_log_e(u, lambda, beta, T);
}

void prior_l1_key_bias_n(prior_l1_normaliser kind, size_t n, const double *restrict u,
                         double lambda, double beta, double T, double *restrict out)
{
    for (size_t i = 0; i < n; ++i) {
        out[i] = prior_l1_key_bias(kind, u[i], lambda, beta, T);
    }
}

void prior_l1_key_bias_rows(prior_l1_normaliser kind, long n_rows, long d,
                            const double *restrict u, const double *restrict lambda_k,
                            double beta, double T, double *restrict out)
{
    for (long i = 0; i < n_rows; ++i)
        for (long k = 0; k < d; ++k)
            out[i * d + k] = prior_l1_key_bias(kind, u[i * d + k], lambda_k[k], beta, T);
}
