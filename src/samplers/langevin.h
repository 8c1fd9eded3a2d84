/**
 * @file langevin.h
 * @brief Private to src/samplers: what the MCMC references ula, myula and pmala share: their
 *        random numbers, and the unadjusted Langevin iteration of ula and myula.
 *
 * Every particle is an independent chain and a layer is one iteration. The time scale is the
 * one of every method (method.md): a step of size h moves by -h grad f and the noise has
 * variance 2h/beta per coordinate. For pi ∝ exp(-U), U = beta (f + lambda |.|_1), this is the
 * textbook form x <- x - delta grad U + sqrt(2 delta) xi with delta = h / beta.
 *
 * Random numbers (rng.h, stream RNG_STREAM_NOISE, key run.seed): the normal of chain `id` at
 * layer k and coordinate j < d is keyed by (k, id, j); pmala's accept uniform by (k, id, d).
 * The generator's layer field has 24 bits: the higher bits of k go to bits 20.. of the
 * coordinate field (d <= 1e6 < 2^20), so layers up to run.layers' bound of 1e9 never repeat a
 * draw. Every draw is a pure function of its key: chains do not depend on the rank count and a
 * restart replays them.
 */
#ifndef RWPO_LANGEVIN_H
#define RWPO_LANGEVIN_H

#include <stdint.h>

#include "rwpo/samplers/sampler.h"

/** The noise xi ~ N(0, 1) of chain `id`, coordinate `coord` (< d) at layer k. Pure. */
double langevin_normal(const rwpo_config *cfg, long k, long id, long coord);

/** The normal of langevin_normal in another stream, `id` the full particle field (pmala_step.h
 *  ORs a tag into it). Pure. */
double langevin_normal_keyed(const rwpo_config *cfg, uint32_t stream, long k, uint64_t id,
                             long coord);

/** The uniform in (0, 1) of chain `id`'s accept/reject at layer k (coordinate d) in `stream`
 *  (pmala: RNG_STREAM_NOISE). Pure. */
double langevin_uniform_keyed(const rwpo_config *cfg, uint32_t stream, long k, uint64_t id);

/** The phase timers of the unadjusted methods (ula, myula). */
extern const timer_phase langevin_phases[];
/** Entries of langevin_phases. */
#define LANGEVIN_N_PHASES 2

/**
 * The state of ula and myula: nothing but the cloud x (no checkpoint values are needed). Sets
 * the phase timers. Local. Free with langevin_destroy.
 */
void *langevin_create(const sampler_env *env);

/** Restore from a checkpoint or a run file: nothing to do (the state is x). */
void langevin_restore(void *state, const double *in);

/** Free langevin_create's state; accepts NULL. */
void langevin_destroy(void *state);

/** Bytes of the state (sampler_method.bytes): a few scalars, nothing per chain. */
double langevin_bytes(const rwpo_config *cfg, long max_local, int n_ranks);

/**
 * One unadjusted Langevin iteration of this rank's chains at layer k:
 *   x <- x - h grad f(x) - D(x) + sqrt(2h/beta) xi
 * with the drift D of the L1 term, coordinatewise:
 *   gamma = 0 (ula):    D(v) = h lambda sign(v), sign(0) = 0 (a subgradient of lambda |.|)
 *   gamma > 0 (myula):  D(v) = (h/gamma) (v - S_{gamma lambda}(v)) (the gradient of the
 *                       Moreau-Yosida envelope of lambda |.| with parameter gamma)
 * S_t the soft threshold. Phases "gradient" (grad f: collective for `linear`, called on every
 * rank, also with no chains) and "step". Returns 0.
 */
int langevin_unadjusted_layer(const sampler_env *env, long k, double h, double gamma);

#endif /* RWPO_LANGEVIN_H */
