/**
 * @file heldout.h
 * @brief What a problem carries besides its potential for the generative runs: the held-out
 *        reference samples (problem.reference_file) and, with them, the training samples of a
 *        data target (problem.data_file [M][d], taken from the data target that read them) of
 *        the sample-quality observables, each rank holding its contiguous
 *        block of rows (particles_shard), and OT-Flow's potential of the flow layers (flow.file).
 */
#ifndef RWPO_HELDOUT_H
#define RWPO_HELDOUT_H

#include <mpi.h>
#include <stddef.h>

#include "rwpo/base/config.h"
#include "rwpo/problems/problem.h"

/**
 * Read the reference block and the flow model of cfg into p and take the data target's training
 * block when there is a reference (collective over comm:
 * every rank calls it). Checks the files, the datasets, the number of columns against
 * particles.dim and finiteness; every failure is agreed (the same one-line reason on every rank).
 * @return p, or NULL (p destroyed) with the reason in err
 */
problem *heldout_attach(problem *p, const rwpo_config *cfg, MPI_Comm comm, char *err,
                        size_t errlen);

#endif /* RWPO_HELDOUT_H */
