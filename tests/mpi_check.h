/*
 * Helpers shared by the MPI Check suites: every verdict is agreed across ranks before it is
 * asserted, so an assertion failing on some ranks never leaves the others in a collective.
 */
#ifndef RWPO_TESTS_MPI_CHECK_H
#define RWPO_TESTS_MPI_CHECK_H

#include <mpi.h>

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

#endif /* RWPO_TESTS_MPI_CHECK_H */
