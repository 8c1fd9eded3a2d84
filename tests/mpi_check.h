/*
 * Helpers shared by the MPI Check suites: every verdict is agreed across ranks before it is
 * asserted, so an assertion failing on some ranks never leaves the others in a collective.
 */
#ifndef RWPO_TESTS_MPI_CHECK_H
#define RWPO_TESTS_MPI_CHECK_H

#include <check.h>
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

#endif /* RWPO_TESTS_MPI_CHECK_H */
