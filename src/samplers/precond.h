/**
 * @file precond.h
 * @brief Private to src/samplers: the metric of rwpo_l1's preconditioned layer
 *        (sampler.precondition = diagonal | full; Tan, Osher & Li, arXiv 2509.01685).
 *
 * With a symmetric positive definite M = L L' the regularized Wasserstein proximal in the metric
 * M^-1 has the kernel exp(-(beta/2) [V(x) + (x - y)' M^-1 (x - y) / (2T)]), and the layer in x
 * is EXACTLY the plain layer applied to z = L^-1 x with the potential f~(z) = f(L z) and the
 * prior lambda |L z|_1 (grad_z f~ = L' grad f, and (x - y)' M^-1 (x - y) = |z - z_y|^2):
 *   drift:   w = L^-1 x - h L' g            (= L^-1 (x - h M g)),  g = grad f(x)
 *   bias, attention and update on w as in the plain layer, with the prior in z:
 *     diagonal M = diag(m_k), L = diag(l_k), l_k = sqrt(m_k): the prior is separable,
 *              sum_k lambda_k |z_k| with lambda_k = lambda l_k, so the erfcx normaliser stays
 *              exact per coordinate and the soft threshold is at lambda_k T;
 *     full M:  lambda |L z|_1 is not separable: no closed-form normaliser. The attention in z
 *              has lambda = 0 (the exact Gaussian normaliser) and no threshold, and the L1
 *              term is a step of the drift (sampler.precondition_l1):
 *              prox (default): the soft threshold of the update becomes the proximal map
 *                in the metric, and the share of the L1 term that the exact normaliser
 *                carries in the plain layer moves into it (the threshold doubles):
 *                  x = y + a (P(y) - L A),  y = L w = x - h M g,  a = h / (2T),
 *                  P(y) = argmin_u lambda |u|_1 + (u - y)' M^-1 (u - y) / (4T),
 *                so the L1 drift is -h lambda (the plain layer's total). Solved per
 *                particle by cyclic coordinate descent on Q = M^-1 (each coordinate's exact
 *                minimiser, a soft threshold at 2 lambda T / Q_kk; sweeps until no coordinate
 *                moves by more than 1e-14 (1 + max|u|), at most PRECOND_PROX_SWEEPS). P is
 *                nonexpansive and y -> (1 - a) y + a P(y) one-to-one, so no particles merge
 *                (a prox applied to y itself would send a whole region to exact zeros that
 *                the deterministic layer can never separate again); bias O(h, T) like every
 *                splitting of the L1 term;
 *              moreau: the L1 term in the smooth part through its Moreau envelope,
 *                g = grad f(x) + (x - S_{gamma lambda}(x)) / gamma (gamma = sampler.gamma,
 *                default h; bias O(gamma), as svgd and myula). Explicit, so stiff: the
 *                envelope's curvature 1/gamma in the metric M needs h M_kk / gamma < 2, i.e.
 *                gamma > h max_k M_kk / 2, or the layer diverges;
 *   x = L z_new.
 * Sources of M: covariance, M = beta C + r I with C the cloud's covariance (population, all
 * particles, two sum reductions), r = 1e-6 mean_k beta C_kk (a ridge so that a degenerate
 * cloud never makes L singular; M = I when every C_kk is 0), refreshed at layers 1, 1 + e,
 * 1 + 2e, ... (e = sampler.precondition_every) from the cloud at the start of the layer;
 * hessian (linear only), M = (A'A / sigma^2)^-1, fixed (a ridge of 1e-10 max_k H_kk if A'A is
 * singular). diagonal keeps diag M of either source. The d x d Cholesky is
 * linalg_cholesky (LAPACK, or ScaLAPACK from LINALG_CHOLESKY_GRID_DIM).
 * The factor (L, or l) is replicated on every rank and is what checkpoints keep.
 */
#ifndef RWPO_PRECOND_H
#define RWPO_PRECOND_H

#include "rwpo/samplers/sampler.h"

/** The metric (replicated: the same on every rank). */
typedef struct {
    config_precond kind; /**< diagonal | full (never none) */
    long d;
    double *L;           /**< full: [d][d] lower triangular, row-major, L L' = M; diagonal: [d] */
    double *lam;         /**< diagonal: [d] lambda_k = lambda l_k; full: [d] zeros */
    double lam_max;      /**< the largest lambda_k (the fixed-shift bound) */
    double lambda;       /**< sampler.lambda */
    int have;            /**< L is valid (0: rebuild at the next layer) */
    double *work;        /**< [d * d + d] (full) or [2d] scratch of the moments */
    double *Q;           /**< full, precondition_l1 = prox: [d][d] M^-1 = L^-T L^-1 */
    double *tmp;         /**< [2d] scratch of one particle */
} precond;

/** Allocate for env->cfg (precondition != none); with source hessian build M now. Collective. */
void precond_init(precond *pc, const sampler_env *env);

/** Free; accepts a zeroed struct. */
void precond_free(precond *pc);

/** Doubles of the factor: d (diagonal) or d * d (full). */
long precond_len(const precond *pc);

/** Set the factor from a saved copy [precond_len] (a checkpoint). */
void precond_set(precond *pc, const double *factor);

/** Before layer k: rebuild M from the cloud if the source is covariance and k is a refresh
 *  layer or the factor is missing. Collective. */
void precond_refresh(precond *pc, const sampler_env *env, long k);

/** Most coordinate-descent sweeps of the metric prox per particle. */
#define PRECOND_PROX_SWEEPS 1000

/** The drift in z: p->g = grad f(x) (+ the Moreau term for full with precondition_l1 = moreau),
 *  p->y = w = L^-1 x - h L' g. Collective (problem_grad_all). */
void precond_drift(const precond *pc, const sampler_env *env, double h);

/** Key bias of the rows w = p->y into bias [n_local][d]. */
void precond_key_bias(const precond *pc, const sampler_env *env, double T, double *bias);

/** x = L (w + a (S(w) - A)), A = p->g, a = h / (2T), S at lambda_k T (diagonal) or the identity
 *  (full, moreau); full, prox: x = L w + a (P(L w) - L A) (see above). */
void precond_update(const precond *pc, particles *p, double a, double T);

/** Bytes per rank of the metric for cfg (0 if precondition = none). */
double precond_bytes(const rwpo_config *cfg);

#endif /* RWPO_PRECOND_H */
