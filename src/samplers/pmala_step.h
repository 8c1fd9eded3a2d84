/**
 * @file pmala_step.h
 * @brief Private to src/samplers: one proximal MALA step of every chain of a rank, shared by
 *        sampler.method = pmala (one step per layer) and rwpo_l1's correction
 *        (sampler.correct = pmala: sampler.correct_steps steps after every layer).
 *
 * The step (h the step size, S_t the soft threshold, beta the inverse temperature):
 *   m(v) = S_{h lambda}(v - h grad f(v)),  y = m(x) + sqrt(2h/beta) xi,
 *   accept y with probability min(1, pi(y) q(x | y) / (pi(x) q(y | x))),
 *   q(y | x) ∝ exp(-beta |y - m(x)|^2 / (4h)).
 * It leaves pi ∝ exp(-beta (f + lambda |.|_1)) invariant exactly.
 *
 * Random numbers (rng.h): the normal of chain `id` at coordinate j < d and the accept uniform
 * (coordinate d) are keyed by (seed, stream, layer k, id | tag, j) with the layer's bits above
 * the generator's 24-bit layer field in bits 20.. of the coordinate (langevin.h). pmala uses
 * RNG_STREAM_NOISE and tag 0; the correction RNG_STREAM_CORRECT and tag = step << 40 (N <= 1e12
 * < 2^40), so every draw of every step is distinct and a pure function of its key.
 */
#ifndef RWPO_PMALA_STEP_H
#define RWPO_PMALA_STEP_H

#include <stdint.h>

#include "rwpo/samplers/sampler.h"

/** The per-chain state of the step. The proposals live in p->y, grad f of them in p->g. */
typedef struct {
    double *fx;        /**< [n_local] f(x) of the current states (valid if have_x) */
    double *gx;        /**< [n_local * dim] grad f(x) (valid if have_x) */
    double *fy;        /**< [n_local] f(y) of the proposals */
    double *qxy;       /**< [n_local] |y - m(x)|^2 of the proposals */
    int have_x;        /**< fx, gx hold the values at x; 0 after x changed elsewhere */
    double acceptance; /**< fraction of all chains that accepted at the last step (NaN before) */
} pmala_chains;

/** Allocate the state for n_local chains of dimension dim (have_x = 0). Local. */
void pmala_chains_init(pmala_chains *c, long n_local, long dim);

/** Free the arrays of pmala_chains_init. */
void pmala_chains_free(pmala_chains *c);

/** Bytes of pmala_chains_init's arrays with at most max_local rows (sampler_method.bytes). */
double pmala_chains_bytes(long max_local, long dim);

/** How to key a step's random numbers and which timers to run (see the file comment). */
typedef struct {
    uint32_t stream; /**< rng stream */
    uint64_t tag;    /**< OR-ed into the particle id of every draw */
    int timed;       /**< 1: time the phases below; 0: the caller times the step */
    timer_id gradient, propose, accept;
} pmala_keys;

/**
 * One P-MALA step of this rank's chains at layer k with step size h: x <- accepted proposals,
 * c->acceptance the fraction over all chains. Collective (grad f of `linear`, the acceptance
 * sum): every rank calls it, also with no chains. Returns 0.
 */
int pmala_chains_step(pmala_chains *c, const sampler_env *env, long k, double h,
                      const pmala_keys *keys);

#endif /* RWPO_PMALA_STEP_H */
