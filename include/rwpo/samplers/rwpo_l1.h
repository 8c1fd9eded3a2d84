/**
 * @file rwpo_l1.h
 * @brief sampler.method = rwpo_l1: the RWPO layer with the L1 prior (method.md, splitting form).
 *
 * One layer k >= 1, with h, T from the schedule:
 *   drift:     y_i = x_i - h grad f(x_i)
 *   bias:      b_jk = key bias of y_jk (exact erfcx or moreau), packed with y into the ring block
 *   attention: A_i = sum_j softmax_j(z_ij) y_j over ALL particles, blocks passed around the ring
 *   update:    x_i = y_i + (h / (2T)) (S(y_i) - A_i),  S the soft threshold at lambda T
 * Own observable and checkpoint value: neighbours, the effective number of neighbours
 * 1 / sum_j w_ij^2 averaged over rows (and coordinates for coordinatewise weights).
 */
#ifndef RWPO_RWPO_L1_H
#define RWPO_RWPO_L1_H

#include "rwpo/samplers/sampler.h"

/** The method table. */
extern const sampler_method rwpo_l1_method;

/** rwpo_l1 with sampler.correct = pmala: the same layer followed by sampler.correct_steps exact
 *  P-MALA steps per particle (random numbers: RNG_STREAM_CORRECT, see
 *  src/samplers/pmala_step.h); own observables and checkpoint values neighbours and
 *  correct_acceptance (the mean acceptance rate of the layer's steps). */
extern const sampler_method rwpo_l1_correct_method;

/** The same two with run.attention = fgt (or auto at N >= CONFIG_FGT_AUTO_MIN_N) and coordinatewise
 *  weights: the attention by the fast Gauss transform (core/fgt_dist.h), no ring (auto keeps it
 *  for layers the transform declines); one more own observable and checkpoint value,
 *  fgt_recomputed: the rows (row, coordinate) of the last layer whose error bound exceeded
 *  run.tolerance and that were summed directly (NaN when the layer used the direct sum). */
extern const sampler_method rwpo_l1_fgt_method;
extern const sampler_method rwpo_l1_fgt_correct_method;

/** 1 if the configuration's rwpo_l1 layer uses the fast Gauss transform (tables above). */
int rwpo_l1_uses_fgt(const rwpo_config *cfg);

#endif /* RWPO_RWPO_L1_H */
