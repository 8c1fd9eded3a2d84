/**
 * @file problem.h
 * @brief The smooth potential f of the target pi ∝ exp(-beta (f(x) + lambda |x|_1)), and what is
 *        known exactly about each reference target (for the metrics).
 *
 *   none:            f = 0
 *   gaussian:        f = |x - mu|^2 / (2 s^2); exact coordinate moments (closed form at
 *                    lambda = 0: N(mu, s^2/beta I); by quadrature otherwise)
 *   mixture_laplace: f = -log sum_c (1/4) exp(-|x - a_c|^2 / 8), four centres in the first two
 *                    coordinates; exact marginals of coordinates 1 and d on the metric grid
 *   linear:          f = |A x - b|^2 / (2 sigma^2), A (m x d) generated (gaussian iid N(0, 1/m),
 *                    blur1d, blur2d) or read, b = A x_true + sigma noise; the operator lives in
 *                    linalg (replicated or ScaLAPACK-distributed). Reference answers: lambda = 0
 *                    the exact Gaussian posterior (mean, covariance); lambda > 0 the lasso MAP
 *                    (FISTA)
 *   logistic:        f = sum_n [log(1 + exp(x_n' theta)) - y_n x_n' theta] + alpha theta' S theta,
 *                    S = (1/n) sum_n x_n x_n', alpha = 3d / (2 pi^2); x_n in {-1,+1}^d, labels
 *                    y_n ~ Bernoulli(sigmoid(x_n' theta_true)), theta_true = 1 on the first d/4
 *                    coordinates (method.md's logistic_l1), or features and labels from files
 *   data:            f = -log sum_m exp(-|x - X_m|^2 / (2 sd_k^2)), the KDE of training samples
 *                    with the bandwidth of the layer (problems/data_target.h); collective
 *
 * This module owns what an operator is: its rules (problem_check_config), its generation and
 * reading (problem_open); linalg only stores and applies it.
 *
 * problem_open is collective (it reads files, distributes the operator and computes the
 * reference answers); problem_grad_all and problem_f_all are collective for `linear`. The other
 * functions are pure functions of the problem object: no MPI, no I/O.
 */
#ifndef RWPO_PROBLEM_H
#define RWPO_PROBLEM_H

#include <mpi.h>
#include <stddef.h>

#include "rwpo/base/config.h"
#include "rwpo/core/linalg.h"
#include "rwpo/problems/data_target.h"

/** The metric grid: [-20, 20], spacing 0.01; KDE variance 0.1 (method.md). */
#define PROBLEM_GRID_LO (-20.0)
#define PROBLEM_GRID_DX 0.01
#define PROBLEM_GRID_N 4001
#define PROBLEM_KDE_VAR 0.1

typedef struct {
    config_problem type;
    long dim;
    double beta, lambda;
    double *mu;          /**< gaussian: [dim] */
    double s;            /**< gaussian: std parameter */
    double *exact_mean;  /**< gaussian: [dim] exact posterior mean per coordinate */
    double *exact_var;   /**< gaussian: [dim] exact posterior variance per coordinate */
    double *marg_first;  /**< mixture_laplace: [PROBLEM_GRID_N] exact marginal of coordinate 1 */
    double *marg_last;   /**< mixture_laplace: [PROBLEM_GRID_N] exact marginal of coordinate d */
    /* linear and logistic (exact_mean above is also the lambda = 0 linear posterior mean) */
    linalg *la;          /**< linear: the operator A and data b */
    long m;              /**< linear: rows of A; logistic: data points n */
    double sigma;        /**< linear: noise standard deviation */
    double *b;           /**< linear: [m] data */
    double *x_true;      /**< linear, logistic: [dim] the truth, NULL when unknown */
    double *exact_cov;   /**< linear, lambda = 0: [dim][dim] exact covariance (NULL if too big) */
    double ridge;        /**< linear, lambda = 0: ridge added to beta A'A/sigma^2 (0 if none) */
    double *map;         /**< linear, lambda > 0: [dim] the lasso MAP (FISTA) */
    long map_iters;      /**< FISTA iterations used */
    double support_threshold; /**< linear: |mean_k| above it counts as support */
    double *feat;        /**< logistic: [m][dim] features, row-major */
    double *label;       /**< logistic: [m] labels 0 / 1 */
    double *sig_x;       /**< logistic: [dim][dim] S = (1/n) X'X */
    double alpha;        /**< logistic: weight of theta' S theta */
    double *logit;       /**< logistic: [max_local][m] scratch of the batched gradient */
    long max_local;      /**< rows the batched scratch holds */
    /* generative runs (heldout.h): held-out and training samples, this rank's rows, and the
     * flow model */
    double *ref;         /**< [ref_local][dim] rows of problem.reference_file (NULL: none) */
    long ref_rows, ref_local, ref_offset;
    double *train;       /**< [train_local][dim] rows of the training samples (NULL: none) */
    long train_rows, train_local, train_offset;
    struct otflow *flow; /**< flow.file's OT-Flow potential (otflow.h; NULL: no flow layers) */
    data_target *data;   /**< data: the training samples and their ring */
} problem;

/**
 * Check the rules of the problem's own inputs in a configuration that config_load accepted
 * (linear and logistic; the other types have none): operator_file, data_file and truth_file
 * name a dataset (path.h5:/dataset) and come together as the operator and type require; m,
 * sparsity and dim fit the operator (a square blur, a square blur2d image, k <= d non-zeros, no
 * improper lambda = 0 posterior of a generated m < d operator). What the files hold is checked
 * by problem_open. Serial and pure (opens no file): call it on rank 0 after config_load for
 * every configuration that is run or checked.
 * @param label names the configuration in the message (its file)
 * @return 0, or -1 with a one-line reason in err ("label: [problem] key = value: what is wrong
 *         (allowed: ...)")
 */
int problem_check_config(const rwpo_config *cfg, const char *label, char *err, size_t errlen);

/**
 * Build from a validated configuration (precomputes the exact answers). Destroy with _destroy.
 * For linear and logistic it calls problem_open on the world communicator and aborts the job on
 * bad input (tests); the program uses problem_open.
 */
problem *problem_create(const rwpo_config *cfg);

/**
 * Build the problem of a validated configuration (collective over comm): generate or read A, b
 * (or the logistic data), distribute the operator, compute the reference answers (logged by rank
 * 0). @return the problem, or NULL on every rank with the same one-line reason in err (a missing
 * file or dataset, mismatched sizes, a non-finite entry, an improper lambda = 0 posterior).
 */
problem *problem_open(const rwpo_config *cfg, MPI_Comm comm, char *err, size_t errlen);

/** Free; accepts NULL. */
void problem_destroy(problem *p);

/** g[i] = grad f(x[i]) for n rows of dim values (row-major). Not for `linear` and `data`, whose
 *  gradients are collective: use problem_grad_all. */
void problem_grad(const problem *p, long n, const double *restrict x, double *restrict g);

/** f(x) of one point (not for `linear`, whose operator may be distributed, nor `data`: use
 *  problem_f_all). */
double problem_f(const problem *p, const double *x);

/**
 * grad f for this rank's n_local particles x [n_local][dim] (row-major) into g, all at once
 * (batched DGEMM / PDGEMM; data: a ring over the samples). Collective for `linear` and `data`
 * (every rank calls it every layer, also with n_local = 0); for the other problems the same as
 * problem_grad.
 */
void problem_grad_all(problem *p, long n_local, const double *restrict x, double *restrict g);

/** f of this rank's n_local particles into f [n_local]. Collective for `linear` and `data`. */
void problem_f_all(problem *p, long n_local, const double *x, double *f);

/**
 * f [n_local] and grad f [n_local][dim] of this rank's particles at once (for `linear` one
 * residual serves both: the cost of problem_grad_all). The values are bitwise those of
 * problem_f_all and problem_grad_all. Collective for `linear` and `data`.
 */
void problem_f_grad_all(problem *p, long n_local, const double *restrict x, double *restrict f,
                        double *restrict g);

/**
 * The largest |correlation| of H^{-1}, H the Hessian of f without the L1 term (the posterior
 * covariance's correlation at lambda = 0): linear H ∝ A'A (linalg_gram: m d^2 flops on every
 * rank), logistic H ≈ S = (1/n) X'X (the features' second moment; the data term's weights
 * sigmoid(1 - sigmoid) are left out). A singular H gets the smallest ridge (from 1e-12 of its
 * largest diagonal entry) that makes it invertible. The inverse is a serial Cholesky on every
 * rank (d^3 / 2 flops). Collective for `linear` (every rank calls it), serial otherwise.
 * @param max_dim skip (return -1) when d is larger: the cost bound
 * @param corr gets the signed correlation of largest magnitude, first < second its coordinates
 *        (0-based)
 * @return 1 computed; 0 the Hessian is diagonal or not constant by construction (none,
 *         gaussian, mixture_laplace; d = 1): *corr = 0; -1 skipped (d > max_dim, or H not
 *         invertible even with a ridge of 1e-2 of its largest diagonal entry)
 */
int problem_max_posterior_correlation(problem *p, long max_dim, double *corr, long *first,
                                      long *second);

/**
 * Tell the problem the layer k whose potential the next evaluations use (data: the bandwidth
 * sd_k; the other problems do not depend on k). The run calls it before every layer and before
 * the observables. Serial.
 */
void problem_set_layer(problem *p, long k);

/** Name of the problem type. */
const char *problem_name(config_problem type);

/**
 * Bytes per rank the problem will hold on n_ranks ranks (operator in the layout linalg would
 * choose, data, reference answers), for the up-front memory estimate. Serial; reads at most the
 * shape of an operator dataset.
 */
double problem_estimate_bytes(const rwpo_config *cfg, int n_ranks);

#endif /* RWPO_PROBLEM_H */
