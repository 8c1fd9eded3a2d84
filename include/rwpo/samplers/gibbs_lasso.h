/**
 * @file gibbs_lasso.h
 * @brief sampler.method = gibbs_lasso: the exact scale-mixture Gibbs sampler of the Bayesian
 *        lasso (Park & Casella 2008) with sigma and lambda fixed, for problem.type = linear.
 *
 * Target: pi(x) ∝ exp(-beta (|A x - b|^2 / (2 sigma^2) + lambda |x|_1)). Every particle is an
 * independent chain; a layer is one Gibbs sweep; the state is x alone (see gibbs_lasso.c for the
 * conditionals, their derivation and the draws).
 */
#ifndef RWPO_GIBBS_LASSO_H
#define RWPO_GIBBS_LASSO_H

#include "rwpo/samplers/sampler.h"

/** The method table. */
extern const sampler_method gibbs_lasso_method;

/**
 * One draw of the latent precision u = 1/s of a coordinate given |x| = t >= 0: u ~
 * InverseGaussian(mean a / t, shape a^2), a = beta lambda > 0, by Michael-Schucany-Haas from a
 * standard normal nu and a uniform U in (0, 1); at t = 0 the limit a^2 / nu^2 (s ~ Gamma(1/2,
 * rate a^2 / 2)). Written without the cancellation of the textbook form, so it is accurate for
 * any t >= 0; an infinite value (t below ~1e-150 on the rare branch) is capped at 1e300. Pure.
 */
double gibbs_lasso_latent_precision(double a, double t, double nu, double U);

#endif /* RWPO_GIBBS_LASSO_H */
