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
 *
 * Pure functions of the problem object: no MPI, no I/O.
 */
#ifndef RWPO_PROBLEM_H
#define RWPO_PROBLEM_H

#include <stddef.h>

#include "rwpo/config.h"

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
} problem;

/** Build from a validated configuration (precomputes the exact answers). Destroy with _destroy. */
problem *problem_create(const rwpo_config *cfg);

/** Free; accepts NULL. */
void problem_destroy(problem *p);

/** g[i] = grad f(x[i]) for n rows of dim values (row-major). */
void problem_grad(const problem *p, long n, const double *restrict x, double *restrict g);

/** f(x) of one point. */
double problem_f(const problem *p, const double *x);

/** Name of the problem type. */
const char *problem_name(config_problem type);

#endif /* RWPO_PROBLEM_H */
