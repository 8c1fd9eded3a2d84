/**
 * @file svgd.h
 * @brief sampler.method = svgd: Stein variational gradient descent (Liu & Wang, NeurIPS 2016),
 *        exact (all N^2 pairs) and distributed over the ring of ranks.
 *
 * Layer k >= 1 moves every particle deterministically with h from the schedule (sampler.T,
 * normaliser and weights are ignored):
 *   x_i <- x_i + (h/beta) phi(x_i),
 *   phi(x_i) = (1/N) sum_j [ k(x_j, x_i) s_j + grad_{x_j} k(x_j, x_i) ],   s_j = -grad U(x_j),
 * over ALL N particles j (the own one included), with U = beta (f + e_gamma) and
 *   e_gamma(x) = min_u lambda |u|_1 + |x - u|^2 / (2 gamma)   (the Moreau envelope, a Huber
 *   function), grad e_gamma(x) = (x - S_{gamma lambda}(x)) / gamma, S_t the soft threshold,
 * gamma = sampler.gamma ('h', the default, follows the step size). The step h/beta makes the
 * driving part -h k grad(f + e_gamma), the time scale of every method (method.md). SVGD
 * therefore targets the smoothed law ∝ exp(-beta (f + e_gamma)), which tends to the L1 target
 * as gamma -> 0 (e_gamma <= lambda |x|_1 <= e_gamma + d gamma lambda^2 / 2).
 *
 * Kernel: k(x, y) = exp(-|x - y|^2 / bw), so grad_{x_j} k(x_j, x_i) = (2/bw) (x_i - x_j) k.
 * Bandwidth (the median heuristic, recomputed every layer): bw = med^2 / log N, med the median
 * of the pairwise distances |x_a - x_b|, a < b (the mean of the two middle ones for an even
 * count), over all pairs of a fixed subsample of M = min(N, SVGD_MEDIAN_SAMPLE) particles, the
 * ids floor(s N / M), s = 0 .. M-1 (for N <= SVGD_MEDIAN_SAMPLE: every pair, the exact median).
 * The subsample is gathered to every rank by one sum reduction (a single non-zero term per
 * value: exact), so bw does not depend on the rank count, bitwise. bw = 1 when N = 1 or
 * med = 0 (the kernel is then constant over the particles and bw irrelevant).
 *
 * Distribution: each rank packs its rows as a ring block [n][2d] (x_j, then s_j); the ring
 * (core/ring.h) carries every block past every rank, whose visitor folds it into the own rows'
 * sums. Nothing N x N exists anywhere; the cost per layer is about 3 N^2 d flops and N^2 exp
 * (spread over the ranks) plus O(M^2 d) for the bandwidth. The blocks are summed in ring order
 * (own block first), so the result depends on the rank count in the last bits only.
 *
 * Own observable: `bandwidth` (bw of the last layer); it is kept in checkpoints only so that
 * the observable continues bitwise (the dynamics recompute bw every layer).
 */
#ifndef RWPO_SVGD_H
#define RWPO_SVGD_H

#include "rwpo/samplers/sampler.h"

/** Particles in the bandwidth's subsample (all pairs of them: at most 32640 distances). */
#define SVGD_MEDIAN_SAMPLE 256

/** The method table. */
extern const sampler_method svgd_method;

#endif /* RWPO_SVGD_H */
