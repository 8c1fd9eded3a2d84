/**
 * @file myula.h
 * @brief sampler.method = myula: Moreau-Yosida regularised ULA (Durmus, Moulines & Pereyra,
 *        SIAM J. Imaging Sci. 11, 2018), the L1 term through its Moreau-Yosida envelope.
 *
 * Every particle is an independent chain; layer k >= 1 is one iteration with h from the
 * schedule and gamma = sampler.gamma ('h', the default, follows the step size; sampler.T,
 * normaliser and weights are ignored):
 *   x <- x - h grad f(x) - (h/gamma) (x - S_{gamma lambda}(x)) + sqrt(2h/beta) xi
 * S_t the soft threshold (the prox of t |.|_1). In the paper's variables (pi ∝ exp(-F - G),
 * step delta, envelope parameter lambda_MY) this is F = beta f, G = beta lambda |.|_1,
 * delta = h/beta, lambda_MY = gamma/beta: prox_{lambda_MY G} = S_{gamma lambda}. It is ULA on
 * the smoothed law ∝ exp(-beta (f + e_gamma)), e_gamma(x) = min_u lambda |u|_1 +
 * |x - u|^2 / (2 gamma) (a Huber function), so it is biased twice: the smoothing (vanishing as
 * gamma -> 0) and ULA's discretisation (as h -> 0). With gamma = h the L1 drift is
 * x - S_{h lambda}(x): the step is S_{h lambda}(x) - h grad f(x) + noise. The L1 part is stable for h <= 2 gamma (a warning is
 * given otherwise). No own observables; no checkpoint values (the state is x alone).
 */
#ifndef RWPO_MYULA_H
#define RWPO_MYULA_H

#include "rwpo/samplers/sampler.h"

/** The method table. */
extern const sampler_method myula_method;

#endif /* RWPO_MYULA_H */
