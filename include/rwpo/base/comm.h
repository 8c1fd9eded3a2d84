/**
 * @file comm.h
 * @brief The communicator: the one place (with ring.c) that calls MPI.
 *
 * A thin layer in the style of CoMD's parallel.c: init/finalize, rank and size, typed
 * reductions, broadcast, and the collective decision helpers that let every rank leave the same
 * way (no rank is ever left alone in a collective).
 */
#ifndef RWPO_COMM_H
#define RWPO_COMM_H

#include <mpi.h>
#include <stddef.h>

/** Initialise MPI (MPI_THREAD_FUNNELED is not needed: single-threaded ranks). */
void comm_init(int *argc, char ***argv);
/** Finalise MPI. */
void comm_finalize(void);
/**
 * The MPI library's own description (MPI_Get_library_version, first line) and the MPI standard
 * it implements, into buf (capacity n, always terminated). Local; callable before MPI_Init.
 */
void comm_library_version(char *buf, size_t n);
/** The world communicator (for HDF5 and the ring). */
MPI_Comm comm_world(void);
/** This rank and the number of ranks in the world. */
int comm_rank(void);
int comm_size(void);
/** Wall-clock seconds. */
double comm_wtime(void);

/** In-place all-reductions over the world (collective). */
void comm_sum_double(double *v, int n);
void comm_max_double(double *v, int n);
void comm_min_double(double *v, int n);
void comm_sum_long(long *v, int n);
void comm_max_int(int *v, int n);
/** In-place all-reduction of unsigned 64-bit sums (wrapping modulo 2^64). */
void comm_sum_u64(unsigned long long *v, int n);
/** In-place bitwise-OR all-reduction of n 64-bit words (any n; chunked). Collective. */
void comm_or_u64(unsigned long long *v, long n);
/**
 * All-gather of variable length: every rank contributes n doubles; returns a malloc'ed array of
 * all contributions in rank order (caller frees; NULL when the total is 0) and their count in
 * *n_total. Counts must fit in an int. Collective.
 */
double *comm_allgatherv_double(const double *send, long n, long *n_total);
/** Sum into rank 0 only (v on other ranks is left unchanged). Collective. */
void comm_reduce_sum_double_root(double *v, int n);

/** Collective: returns the largest of every rank's `status` (0 = fine). */
int comm_agree_max(int status);

/**
 * Collective over the world: returns 1 on every rank if any rank has `failed` set, after the
 * lowest failing rank printed `msg` as one error line; 0 if no rank failed. The message is this
 * rank's own (no copy travels): use comm_agree_error to hand one reason to every rank.
 */
int comm_agree_failure(int failed, const char *msg);

/** Broadcast n bytes from rank 0 (collective). */
void comm_bcast_bytes(void *buf, size_t n);
/** Broadcast a string from rank 0 into a malloc'ed copy on every rank (caller frees). */
char *comm_bcast_string(const char *s);

/** Number of ranks on this rank's node (shared-memory domain). Collective (first call only). */
int comm_node_size(void);

/** Barrier (collective). */
void comm_barrier(void);

/** Abort the whole job with the given exit code (fatal path). Never returns. */
_Noreturn void comm_abort(int code);


/* ---- communicator-explicit helpers (linear algebra, problem setup) ------------------------ */

/** Size of / this rank in a given communicator. */
int comm_size_of(MPI_Comm comm);
int comm_rank_of(MPI_Comm comm);

/** In-place sum over `comm` of n doubles (any n; chunked). Collective over comm. */
void comm_sum_double_on(MPI_Comm comm, double *v, long n);

/**
 * Collective over comm: returns 1 if any rank has `failed` set, and then copies the message
 * `msg` (capacity len, the same on every rank) of the lowest failing rank to every rank, so all
 * ranks can report the same one-line reason; returns 0 (msg untouched) if no rank failed.
 */
int comm_agree_error(MPI_Comm comm, int failed, char *msg, size_t len);

/**
 * Gather every rank's n_local 64-bit words into all (in rank order; every rank gets the whole
 * array of sum n_local words, caller-owned). Collective over the world communicator.
 */
void comm_allgather_u64(const unsigned long long *local, long n_local, unsigned long long *all);

#endif /* RWPO_COMM_H */
