/**
 * @file data_target.h
 * @brief problem.type = data: the KDE potential of training samples X_1..X_M (generative
 *        modelling), evaluated as a cross-attention of the particles over the data.
 *
 *   f(x)      = -log sum_m exp(-|x - X_m|^2 / (2 sd^2))
 *   grad f(x) = (x - sum_m w_m X_m) / sd^2,  w = softmax_m(<x, X_m> / sd^2 - |X_m|^2 / (2 sd^2))
 *
 * The particles are the queries, the data the keys and values: the joint-weight kernels of
 * attention.c with c = 1/sd^2 and key bias -|X_m|^2/(2 sd^2). A query is not a key, so there is
 * no self-logit to shift by: the shift is |x|^2/(2 sd^2), an upper bound of every logit z_m (the
 * exponents are -|x - X_m|^2/(2 sd^2) <= 0; one pass per block), and when some particle's sum
 * falls below 1e-100 (every sample so far that the exponents reach the kernels' clamp) all ranks
 * redo the evaluation with the running max. f comes from the same state:
 * -log sum_m exp(z_m) + |x|^2/(2 sd^2) with log sum exp = m + log l.
 *
 * The data are read in contiguous balanced blocks (rank r holds rows of the particles_shard of
 * M) and travel around a ring of their own (capacity: the largest block of d + 1 doubles per
 * sample), so memory per rank is O((N + M) d / P).
 *
 * The bandwidth sd_k of layer k is config_bandwidth (a pure function of k); the run sets the
 * layer with data_target_set_layer before the layer's gradient and before the observables.
 * Every evaluation is collective over the communicator given to data_target_open.
 */
#ifndef RWPO_DATA_TARGET_H
#define RWPO_DATA_TARGET_H

#include <mpi.h>
#include <stddef.h>

#include "rwpo/base/config.h"

/** Effective neighbours of the data attention below this: the particles copy training points. */
#define DATA_TARGET_FEW_NEIGHBOURS 1.5

typedef struct data_target data_target; /* opaque */

/**
 * The rules of a data target's keys in a configuration config_load accepted: data_file names a
 * dataset, the bandwidth schedule is consistent (a start other than the final bandwidth needs
 * bandwidth_layers >= 2; sampler.h_follows is checked by config_load). Serial and pure.
 * @return 0, or -1 with a one-line reason in err naming the key
 */
int data_target_check_config(const rwpo_config *cfg, const char *label, char *err,
                             size_t errlen);

/**
 * Read this rank's block of problem.data_file (collective over comm), create the ring. Warns
 * (rank 0) when some layer of the schedule will have 2T > sd^2 (particles may merge).
 * @return the target, or NULL on every rank with the same one-line reason in err (no file, not
 *         [M][d] with d = particles.dim, non-finite entries)
 */
data_target *data_target_open(const rwpo_config *cfg, MPI_Comm comm, char *err, size_t errlen);

/** Free; accepts NULL. */
void data_target_destroy(data_target *t);

/**
 * Hand over this rank's block of samples, [n_local][dim] row-major (the rows of
 * particles_shard), which data_target_open keeps when problem.reference_file is set: the
 * training samples of the sample-quality observables, read once. The caller owns it. Serial.
 * @return the block, or NULL when it was not kept or was taken already
 */
double *data_target_take_rows(data_target *t, long *n_local, long *offset);

/**
 * The bandwidth of layer k (config_bandwidth) from now on; warns once (rank 0) the first time
 * 2T > sd^2 at a layer k >= 1. Serial (no communication).
 */
void data_target_set_layer(data_target *t, long k);

/** The current bandwidth sd. */
double data_target_bandwidth(const data_target *t);

/** Number of training samples M. */
long data_target_samples(const data_target *t);

/**
 * f [n_local] and/or grad f [n_local][dim] (either may be NULL) of this rank's particles x
 * [n_local][dim] (row-major) at the current bandwidth: one ring cycle over the data. Collective
 * (every rank calls it, also with n_local = 0). Records the effective number of neighbours
 * (data_target_neighbours) and warns once (rank 0) when it first falls below
 * DATA_TARGET_FEW_NEIGHBOURS.
 */
void data_target_eval(data_target *t, long n_local, const double *restrict x, double *restrict f,
                      double *restrict g);

/** Effective neighbours 1 / sum_m w_m^2 of the last evaluation, averaged over all particles. */
double data_target_neighbours(const data_target *t);

/** Bytes per rank a data target holds for N particles on n_ranks ranks (for the estimate). */
double data_target_estimate_bytes(const rwpo_config *cfg, int n_ranks);

#endif /* RWPO_DATA_TARGET_H */
