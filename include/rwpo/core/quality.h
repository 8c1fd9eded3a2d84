/**
 * @file quality.h
 * @brief Sample quality of a particle cloud X (N rows, d columns, sharded by rows over the
 *        ranks) against held-out reference samples Y (R rows) and, optionally, training
 *        samples T (M rows), both sharded in contiguous blocks (particles_shard), computed
 *        distributed: the blocks [X_r; Y_r; T_r] travel once around the ring (ring.h) per call.
 *
 *   energy distance  2/(N R) sum_ij |x_i - y_j| - 1/N^2 sum_ij |x_i - x_j| - 1/R^2 sum_ij
 *                    |y_i - y_j| (V-statistic; the sums through twosample_pair_sum)
 *   sliced W2        sqrt((1/K) sum_k W2^2(<X, theta_k>, <Y, theta_k>)), theta_k uniform on the
 *                    sphere (normalised Gaussian draws rng_normal(seed, RNG_STREAM_QUALITY, 0, k,
 *                    c)); each 1-D W2^2 the integral over (0, 1) of the squared difference of the
 *                    two empirical quantile functions (twosample_w2sq_sorted): the sorted matching
 *                    when N = R, quantile matching otherwise
 *   mmd              OT-Flow's unbiased MMD (its src/mmd.py, MMDStatistic with alpha = 1):
 *                    a00 sum_{i!=j} k(x_i,x_j) + a11 sum_{i!=j} k(y_i,y_j) - 2/(N R) sum_ij
 *                    k(x_i,y_j), a00 = 1/(N(N-1)), a11 = 1/(R(R-1)), k(x,y) = exp(-(|x-y|^2 +
 *                    1e-5)) (OT-Flow's pdist adds eps = 1e-5 under the square root)
 *   nn_reference [4] quantiles 5% and 50% of min_j |x_i - y_j| over the particles, then of
 *                    min_{j != i} |y_i - y_j| over the reference points (its own spacing)
 *   nn_training [4]  quantiles 5% and 50% of min_j |x_i - t_j| over the particles, then of
 *                    min_j |y_i - t_j| over the held-out points: particles much closer to the
 *                    training points than held-out points are signal memorisation
 * Quantiles are numpy's default (linear interpolation between order statistics).
 * Cost per call: O(N (N + R + M) d / P) for the pair sums, O(K N (d + log N)) for the slices;
 * memory O(K R + K N + N) per rank. The reference-only terms are computed once, at creation.
 * All ranks get the same values; they agree to round-off with any rank count.
 */
#ifndef RWPO_QUALITY_H
#define RWPO_QUALITY_H

#include <stdint.h>

/** MMD kernel offset: OT-Flow's pdist eps. */
#define QUALITY_MMD_EPS 1e-5

/** The values of one call (NaN: not defined, e.g. nn_training without training samples). */
typedef struct {
    double energy, sliced_w2, mmd;
    double nn_reference[4]; /**< particles q05, q50; reference q05, q50 */
    double nn_training[4];  /**< particles q05, q50; held-out q05, q50 */
} quality_values;

/** The prepared reference (opaque): its block, the ring, the slices, the constant terms. */
typedef struct quality quality;

/**
 * Prepare (collective over the world: every rank calls it with its own blocks). The blocks are
 * borrowed, not copied: they must outlive q (the problem's, problems/heldout.h). @param n_global particles N (their blocks are particles_shard's)
 * @param ref [ref_local][d] this rank's rows of the R = ref_rows reference rows (R >= 2)
 * @param train [train_local][d] this rank's rows of M = train_rows training rows (NULL, 0: none)
 * @param n_dirs K directions, @param seed their seed, @param overlap the ring variant
 */
quality *quality_create(int d, long n_global, const double *ref, long ref_local, long ref_rows,
                        const double *train, long train_local, long train_rows, int n_dirs,
                        uint64_t seed, int overlap);

/** Free; accepts NULL. */
void quality_destroy(quality *q);

/**
 * The values for the particles x [n_local][d] (this rank's block of particles_shard).
 * Collective; every rank gets the same values.
 */
void quality_compute(quality *q, const double *x, long n_local, quality_values *out);

/** The direction k of the slices, [d] (for tests). */
const double *quality_direction(const quality *q, int k);

/**
 * numpy's default quantile (linear interpolation) of sorted a[n] at level p in [0, 1]. Pure.
 */
double quality_quantile(const double *a, long n, double p);

/**
 * Count, over the n [n][d] values of x, those that are exactly 0, below 1e-2 and below 5e-2 in
 * absolute value (into c[0..2], added), and those with |x| <= t (into c[3], added). Pure.
 */
void quality_count_zeros(const double *x, long n, int d, double t, double c[4]);

#endif /* RWPO_QUALITY_H */
