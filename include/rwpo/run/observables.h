/**
 * @file observables.h
 * @brief Observables of the particle cloud at a recorded layer (collective computations).
 *
 *   mean [d], std [d]      per coordinate over all N particles (population std)
 *   sparsity               fraction of all N*d coordinates with |x| <= run.sparsity_tol
 *   potential              mean over particles of f(x) + lambda |x|_1
 *   the sampler's own      (sampler.h) e.g. rwpo_l1: neighbours, the effective number of
 *                          neighbours 1 / sum_j w_ij^2 averaged over rows (and coordinates for
 *                          coordinatewise weights) in the layer's attention; NaN at layer 0
 *   gaussian:              mean_error = max_k |mean_k - m*_k|, var_error = max_k |var_k/v*_k - 1|
 *                          against the exact posterior moments
 *   mixture_laplace:       marginal_l1_error [2]: L1 distance between the KDE (variance 0.1) of
 *                          coordinates 1 and d and their exact marginals on [-20, 20], dx = 0.01
 *   linear, lambda = 0:    mean_error = |mean - mu*|_2 / sqrt(trace C*) (in units of the posterior
 *                          spread), cov_error = |C - C*|_F / |C*|_F (C the particle covariance,
 *                          NaN when the exact covariance was not computed), truth_distance
 *   linear, lambda > 0:    map_distance = |mean - x_map|_2 / |x_map|_2, truth_distance =
 *                          |mean - x_true|_2 / |x_true|_2, support [2] = precision and recall of
 *                          {k : |mean_k| > problem.support_threshold} against supp(x_true)
 *   logistic:              theta_error = |mean - theta_true|_1 / d
 *   generative runs:       the sample-quality observables last (sample_quality.h)
 */
#ifndef RWPO_OBSERVABLES_H
#define RWPO_OBSERVABLES_H

#include "rwpo/base/config.h"
#include "rwpo/base/values.h"
#include "rwpo/core/particles.h"
#include "rwpo/problems/problem.h"
#include "rwpo/run/sample_quality.h"
#include "rwpo/samplers/sampler.h"

#define OBS_MAX (8 + SAMPLER_MAX_VALUES + SAMPLE_QUALITY_MAX_OBS)

typedef struct {
    long dim;
    int n_obs;
    rwpo_observable obs[OBS_MAX]; /**< names and pointers into the values below */
    double *mean;                 /**< [dim] */
    double *std;                  /**< [dim] */
    double sparsity, potential;
    double own[SAMPLER_MAX_VALUES]; /**< the sampler's own observables (sampler.h) */
    double metric[4];             /**< problem metrics (see above) */
    double duplicates;            /**< data: fraction of particles with a bitwise duplicate */
    double data_neighbours;       /**< data: effective neighbours of the data attention */
    int headline;                 /**< index into obs of the headline metric */
    double *grid;                 /**< [PROBLEM_GRID_N] KDE scratch (mixture_laplace) */
    double *red;                  /**< [dim + 2] reduction scratch */
    double *fval;                 /**< [max_local] f of the own particles */
    double *cov;                  /**< [dim * dim] particle covariance (linear, lambda = 0) */
    sample_quality *quality;      /**< sample-quality observables (NULL: none) */
    long layer;                   /**< the layer being observed (set by the run) */
} observables;

/**
 * Create for a configuration, problem and method: the cloud's moments, sparsity and potential,
 * then the method's own observables, then the problem's metrics (that order is the file's).
 */
observables *observables_create(const rwpo_config *cfg, const problem *prob,
                                const sampler_method *method);
/** Free; accepts NULL. */
void observables_destroy(observables *o);
/**
 * Compute everything for the current cloud (collective; every rank gets the values).
 * @param own the method's own observables ([SAMPLER_MAX_VALUES], as sampler_method.values fills)
 */
void observables_compute(observables *o, const rwpo_config *cfg, const particles *p,
                         problem *prob, const double *own);
/** Name and value of the headline metric (e.g. marginal_l1_error of coordinate 1). */
const char *observables_headline(const observables *o, double *value);

#endif /* RWPO_OBSERVABLES_H */
