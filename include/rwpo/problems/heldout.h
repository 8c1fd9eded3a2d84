/**
 * @file heldout.h
 * @brief What a problem carries besides its potential for the generative runs: the held-out
 *        reference samples (problem.reference_file) and the training samples (problem.data_file
 *        as samples [M][d], for problem types other than linear and logistic, whose data_file is
 *        their b or labels) of the sample-quality observables, each rank holding its contiguous
 *        block of rows (particles_shard), and OT-Flow's potential of the flow layers (flow.file).
 */
#ifndef RWPO_HELDOUT_H
#define RWPO_HELDOUT_H

#include <mpi.h>
#include <stddef.h>

#include "rwpo/base/config.h"
#include "rwpo/problems/problem.h"

/**
 * Read the reference and training blocks and the flow model of cfg into p (collective over comm:
 * every rank calls it). Checks the files, the datasets, the number of columns against
 * particles.dim and finiteness; every failure is agreed (the same one-line reason on every rank).
 * @return p, or NULL (p destroyed) with the reason in err
 */
problem *heldout_attach(problem *p, const rwpo_config *cfg, MPI_Comm comm, char *err,
                        size_t errlen);

#endif /* RWPO_HELDOUT_H */
