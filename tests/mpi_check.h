/*
 * Helpers shared by the MPI Check suites: every verdict is agreed across ranks before it is
 * asserted, so an assertion failing on some ranks never leaves the others in a collective;
 * the whole cloud on every rank; a temporary directory for the suite's files.
 */
#ifndef RWPO_TESTS_MPI_CHECK_H
#define RWPO_TESTS_MPI_CHECK_H

#include <check.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rwpo/core/particles.h"
#include "scratch.h"

/* 1 if ok is true on every rank. */
static inline int all_ok(int ok)
{
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    return ok;
}

/* The largest v over the ranks. */
static inline double all_max(double v)
{
    MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return v;
}

/* Run the suite in this process (no fork: MPI), printing on rank 0 only; 1 if every test passed
 * on every rank. */
static inline int all_passed(Suite *s)
{
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, rank == 0 ? CK_NORMAL : CK_SILENT);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return all_ok(failed == 0);
}

/* The whole cloud on every rank, in global-id order (malloc'ed; the caller frees). */
static inline double *gather_cloud(const particles *p)
{
    int P;
    MPI_Comm_size(MPI_COMM_WORLD, &P);
    const long d = p->dim;
    int *counts = malloc((size_t)P * sizeof *counts), *displs = malloc((size_t)P * sizeof *displs);
    for (int r = 0; r < P; r++) {
        long nl, off;
        particles_shard(p->n_global, P, r, &nl, &off);
        counts[r] = (int)(nl * d);
        displs[r] = (int)(off * d);
    }
    double *all = malloc((size_t)(p->n_global * d) * sizeof *all);
    MPI_Allgatherv(p->x, (int)(p->n_local * d), MPI_DOUBLE, all, counts, displs, MPI_DOUBLE,
                   MPI_COMM_WORLD);
    free(counts);
    free(displs);
    return all;
}

/* A fresh directory $TMPDIR/rwpo_NAME_XXXXXX (default /tmp) made by rank 0, its name in dir on
 * every rank. 0, or -1 on every rank if it could not be made. */
static inline int mpi_tmpdir(char *dir, size_t n, const char *name)
{
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank == 0)
        scratch_make(dir, n, name);
    MPI_Bcast(dir, (int)n, MPI_CHAR, 0, MPI_COMM_WORLD);
    return dir[0] ? 0 : -1;
}

/* Rank 0 removes the files of mpi_tmpdir's directory and the directory, after every rank is
 * done with them. */
static inline void mpi_tmpdir_remove(const char *dir)
{
    int rank;
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank == 0)
        scratch_remove(dir);
}

#endif /* RWPO_TESTS_MPI_CHECK_H */
