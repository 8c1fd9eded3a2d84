/**
 * @file rng.h
 * @brief Counter-based random numbers (Random123 Philox4x32-10), keyed by
 *        (seed, stream, layer, global particle id, coordinate).
 *
 * Every draw is a pure function of its key, so clouds do not depend on the number of ranks and
 * restarts replay the same stream. Streams: RNG_STREAM_INIT for the initial cloud;
 * RNG_STREAM_NOISE for the samplers' noise (ula, myula, pmala: src/samplers/langevin.h).
 */
#ifndef RWPO_RNG_H
#define RWPO_RNG_H

#include <stdint.h>

/** RNG_STREAM_PROBLEM: the generated inverse problems; its `layer` field names the quantity
 *  (see problem.c: 0 entries of A, 1 noise of b, 2 x_true, 3 logistic features, 4 labels). */
enum { RNG_STREAM_INIT = 1, RNG_STREAM_NOISE = 2, RNG_STREAM_PROBLEM = 3 };
/** RNG_STREAM_GIBBS: sampler gibbs_lasso (coordinates j, d + j, 2d + j of a sweep). */
enum { RNG_STREAM_GIBBS = 4 };
/** RNG_STREAM_CORRECT: rwpo_l1's pmala correction (src/samplers/pmala_step.h). */
enum { RNG_STREAM_CORRECT = 5 };
/** RNG_STREAM_QUALITY: the slicing directions of the sliced W2 observable (core/quality.h). */
enum { RNG_STREAM_QUALITY = 6 };
/** RNG_STREAM_DATA: `rwpo data` toy sets (src/cli/data.c; `layer` names the quantity). */
enum { RNG_STREAM_DATA = 7 };

/** Uniform in (0, 1), 53 random bits. */
double rng_uniform(uint64_t seed, uint32_t stream, uint32_t layer, uint64_t id, uint32_t coord);

/** Standard normal (Box-Muller on the two uniforms of one Philox block). */
double rng_normal(uint64_t seed, uint32_t stream, uint32_t layer, uint64_t id, uint32_t coord);

#endif /* RWPO_RNG_H */
