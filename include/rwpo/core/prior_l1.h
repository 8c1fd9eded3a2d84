/**
 * @file prior_l1.h
 * @brief The L1 prior: closed-form normaliser of the regularized Wasserstein proximal kernel.
 *
 * Conventions: beta is an INVERSE temperature, lambda >= 0 the L1 weight, T > 0 the proximal time.
 * For V = lambda |.|, the one-dimensional normaliser is
 *
 *     Z1(y)  = int exp(-(beta lambda / 2)|z| - beta (z - y)^2 / (4T)) dz
 *            = sqrt(pi T / beta) exp(-beta y^2 / (4T)) E(y)
 *     E(u)   = erfcx(s (lambda T - u)) + erfcx(s (lambda T + u)),   s = sqrt(beta / (4T))
 *
 * All functions are pure (no MPI, no I/O, no globals) and thread-safe.
 */
#ifndef RWPO_PRIOR_L1_H
#define RWPO_PRIOR_L1_H

#include <stddef.h>

/** Which approximation of log Z the attention keys use. */
typedef enum {
    PRIOR_L1_EXACT = 0,  /**< exact erfcx normaliser */
    PRIOR_L1_MOREAU = 1  /**< Laplace (Moreau-envelope) approximation */
} prior_l1_normaliser;

/** log erfcx(a) = log(exp(a^2) erfc(a)), accurate for every finite a (to ~1e-15 relative). */
double prior_l1_log_erfcx(double a);

/** log E(u) for the given lambda >= 0, beta > 0, T > 0 (see the file comment). */
double prior_l1_log_e(double u, double lambda, double beta, double T);

/** log Z1(y) = 0.5 log(pi T / beta) - beta y^2 / (4T) + log E(y). */
double prior_l1_log_z1(double y, double lambda, double beta, double T);

/** Soft threshold S(u) = sign(u) max(|u| - thresh, 0). */
static inline double prior_l1_soft_threshold(double u, double thresh)
{
    return u > thresh ? u - thresh : (u < -thresh ? u + thresh : 0.0);
}

/**
 * Key bias of one coordinate: the part of the attention logit that depends on the key alone,
 * with the logit written as (beta/(2T)) y_i y_j + bias(y_j).
 *   exact:  bias(u) = -log E(u)
 *   moreau: bias(u) = -beta S(u)^2 / (4T), S the soft threshold at lambda T
 * Both reduce to -beta u^2/(4T) + const when lambda = 0 (the Gaussian kernel).
 */
double prior_l1_key_bias(prior_l1_normaliser kind, double u, double lambda, double beta,
                         double T);

/**
 * Key bias for n values at once: out[i] = prior_l1_key_bias(kind, u[i], ...).
 * @param u   input values, length n
 * @param out output, length n (may not alias u)
 */
void prior_l1_key_bias_n(prior_l1_normaliser kind, size_t n, const double *restrict u,
                         double lambda, double beta, double T, double *restrict out);

/**
 * Key bias of n_rows rows of d coordinates with a weight per coordinate (a separable prior
 * sum_k lambda_k |u_k|, e.g. the preconditioned layer's lambda sqrt(m_k)):
 * out[i d + k] = prior_l1_key_bias(kind, u[i d + k], lambda_k[k], beta, T).
 * @param u        [n_rows][d] row-major
 * @param lambda_k [d] weights >= 0
 * @param out      [n_rows][d] (may not alias u)
 */
void prior_l1_key_bias_rows(prior_l1_normaliser kind, long n_rows, long d,
                            const double *restrict u, const double *restrict lambda_k,
                            double beta, double T, double *restrict out);

#endif /* RWPO_PRIOR_L1_H */
