/**
 * @file marginal.h
 * @brief Exact marginals of the reference targets and KDE distances on a grid (pure functions).
 *
 * Grids are uniform: x_g = lo + g * dx, g = 0 .. n_grid-1 (the reference grid is [-20, 20] with
 * dx = 0.01, n_grid = 4001). Densities on the grid are normalised with the trapezoidal rule.
 */
#ifndef RWPO_MARGINAL_H
#define RWPO_MARGINAL_H

#include <stddef.h>

/** Number of mixture components and their centres (only coordinates 1 and 2 are non-zero). */
#define MIXTURE_N_CENTRES 4
extern const double mixture_centres[MIXTURE_N_CENTRES][2];
/** Variance of each mixture component: f(x) = -log sum_c (1/4) exp(-|x - a_c|^2 / (2 * 4)). */
#define MIXTURE_VARIANCE 4.0

/**
 * Exact marginal density of coordinate `coord` (0-based, 0 <= coord < d, d >= 2) of
 *     pi(x) ∝ exp(-beta (f(x) + lambda |x|_1)),  f the mixture above,
 * on the grid. For coord 0 or 1 the other of the first two coordinates is integrated out by
 * quadrature (coordinates 3..d factor out of the mixture exactly); for coord >= 2 the density is
 * ∝ exp(-beta (u^2/8 + lambda |u|)). Output normalised to integrate to 1 on the grid.
 * @param out density values, length n_grid (caller-owned)
 * @return 0 on success, -1 on bad arguments or allocation failure
 */
int marginal_mixture_laplace(int coord, int d, double lambda, double beta, double lo, double dx,
                             size_t n_grid, double *out);

/**
 * The same marginal for beta = 1 in closed form (products of Gaussian and Laplace factors,
 * integrated with erf): an independent check of marginal_mixture_laplace.
 */
int marginal_mixture_laplace_beta1(int coord, int d, double lambda, double lo, double dx,
                                   size_t n_grid, double *out);

/**
 * Add Gaussian kernels of variance `var` centred at v[i * stride], i = 0 .. n-1, to out[g]
 * (unnormalised: each kernel integrates to 1, so divide by the global count afterwards).
 * Kernels are evaluated only within 12 standard deviations of their centre.
 */
void marginal_kde_add(size_t n, const double *v, size_t stride, double var, double lo, double dx,
                      size_t n_grid, double *out);

/** L1 distance sum_g |a_g - b_g| dx (trapezoidal weights at the ends). */
double marginal_l1_distance(const double *a, const double *b, size_t n_grid, double dx);

/**
 * Mean and variance of the one-dimensional density ∝ exp(-beta ((u - mu)^2/(2 s^2) + lambda |u|))
 * (the coordinate marginal of the `gaussian` problem with an L1 prior). Closed form when
 * lambda = 0 (mean mu, variance s^2 / beta); otherwise high-accuracy quadrature.
 */
void marginal_gaussian_l1_moments(double mu, double s, double lambda, double beta, double *mean,
                                  double *var);

#endif /* RWPO_MARGINAL_H */
