/**
 * @file ula.h
 * @brief sampler.method = ula: the unadjusted Langevin algorithm, the L1 term by its
 *        subgradient (method.md, "Reference samplers").
 *
 * Every particle is an independent chain; layer k >= 1 is one iteration with h from the
 * schedule (sampler.T, normaliser and weights are ignored):
 *   x <- x - h (grad f(x) + lambda sign(x)) + sqrt(2h/beta) xi,   sign(0) = 0, xi ~ N(0, I)
 * It targets pi ∝ exp(-beta (f + lambda |x|_1)) only as h -> 0: its stationary law is biased,
 * by O(h) for smooth f at lambda = 0 and more where the L1 kink matters (the drift jumps by
 * 2 h lambda at 0). No own observables; no checkpoint values (the state is x alone).
 */
#ifndef RWPO_ULA_H
#define RWPO_ULA_H

#include "rwpo/samplers/sampler.h"

/** The method table. */
extern const sampler_method ula_method;

#endif /* RWPO_ULA_H */
