/**
 * @file bench.h
 * @brief `rwpo bench`: the attention layer's speed against the machine's limits.
 *
 * For every (weights, d, N) it runs layers of the real engine (ring included) on a synthetic
 * cloud and prints seconds per layer, pair interactions per second (N^2 per layer) and
 * coordinate-pairs per second (N^2 d), GFLOP/s (4 N^2 d flops for joint weights), the
 * percentage of two bounds measured in the same run — the exp bound (N^2 d exponentials for
 * coordinatewise weights, N^2 for joint, at the rate of a vector-exp probe) and the dgemm bound
 * (4 N^2 d flops at the rate of a dgemm probe) — the fraction of the layer spent waiting for the
 * ring, and the peak memory per rank.
 */
#ifndef RWPO_BENCH_H
#define RWPO_BENCH_H

/** Run the benchmark; argv[0] is "bench". Collective. Returns the exit status. */
int bench_main(int argc, char **argv);

#endif /* RWPO_BENCH_H */
