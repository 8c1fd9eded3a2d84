/**
 * @file pmala.h
 * @brief sampler.method = pmala: proximal MALA (Pereyra, Stat. Comput. 26, 2016), the
 *        forward-backward variant: exact for every h (Metropolis-Hastings).
 *
 * Every particle is an independent chain; layer k >= 1 is one iteration with h from the
 * schedule (sampler.T, normaliser and weights are ignored). With U = f + lambda |.|_1 and
 *   m(x) = S_{h lambda}(x - h grad f(x))       (a proximal-gradient step; S the soft threshold)
 *   y    = m(x) + sqrt(2h/beta) xi
 *   log a = -beta (U(y) - U(x)) - beta (|x - m(y)|^2 - |y - m(x)|^2) / (4h)
 * the chain moves to y if log u < log a, u ~ U(0, 1) (the exact target and the exact Gaussian
 * proposal densities q(a|b) ∝ exp(-beta |a - m(b)|^2 / (4h)) in both directions). In
 * Pereyra's variables, y = prox_{(delta/2) G}(x - (delta/2) grad F) + sqrt(delta) xi with
 * F = beta f, G = beta lambda |.|_1 and delta = 2h/beta (his prox of the whole potential with
 * the smooth part taken by a gradient step). Its stationary law is the target exactly.
 *
 * Own observable and checkpoint value: acceptance, the fraction of all chains that accepted
 * at the last layer (NaN before layer 1). f and grad f of the current states are kept between
 * layers and recomputed from x after a restart (the same values, bit for bit).
 */
#ifndef RWPO_PMALA_H
#define RWPO_PMALA_H

#include "rwpo/samplers/sampler.h"

/** The method table. */
extern const sampler_method pmala_method;

#endif /* RWPO_PMALA_H */
