/**
 * @file footprint.h
 * @brief The memory a run will need per rank, estimated before anything is allocated, and the
 *        refusal of a run that cannot fit (rather than "out of memory" in the middle of setup).
 *
 * Per rank with at most n_max = ceil(N / P) particles: the particles (x, y, g: 3 n_max d
 * doubles), the sampler's state (sampler_method.bytes: for rwpo_l1 the ring's two blocks, the
 * online-softmax state, the key bias, the kernel scratch), the problem (problem_estimate_bytes:
 * the operator in the layout linalg would choose, data, reference answers), the observables
 * (with the sample-quality observables' reference and slices: sample_quality_bytes),
 * the output's buffers (two frames of the own rows) and a fixed runtime allowance (MPI, HDF5,
 * BLAS: FOOTPRINT_RUNTIME).
 */
#ifndef RWPO_FOOTPRINT_H
#define RWPO_FOOTPRINT_H

#include <stdio.h>

#include "rwpo/base/config.h"

/** Bytes of MPI, HDF5 and BLAS per rank before any array of the run (measured: about 30 MB). */
#define FOOTPRINT_RUNTIME (48.0 * 1024 * 1024)

/** Estimated bytes per rank, by part. */
typedef struct {
    double particles, method, problem, observables, output, runtime;
    double total;
} footprint;

/** The estimate for n_ranks ranks. Serial (may read the shape of an operator dataset). */
void footprint_estimate(const rwpo_config *cfg, int n_ranks, footprint *f);

/**
 * Estimate for the ranks of this job, compare with the memory available to each rank (the
 * node's MemAvailable or cgroup headroom divided by the node's ranks; the smallest over nodes),
 * print the estimate (two lines to `out` on rank 0, each after `prefix`; nothing if out is
 * NULL) and refuse a configuration that does not fit,
 * naming the estimate, what is available and the rank count that would fit. Collective.
 * @return 0, or 1 (every rank) after printing the refusal
 */
int footprint_check(const rwpo_config *cfg, FILE *out, const char *prefix);

#endif /* RWPO_FOOTPRINT_H */
