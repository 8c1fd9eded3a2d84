/**
 * @file ring.h
 * @brief The ring of ranks: every rank's block of keys visits every rank once.
 *
 * Rank r starts with its own block; at step s = 0 .. P-1 it holds the block of rank (r - s) mod P
 * and passes it to rank r+1 while receiving the next from rank r-1. A visitor callback folds each
 * block in; the ring never learns what the kernel is. Block sizes are known from the owner's rank
 * (count_of), so only data moves. Buffers are allocated once, at creation.
 *
 * Variants: blocking (visit, then MPI_Sendrecv) and overlapped (post Irecv/Isend of the next
 * block, visit the block in hand, then Waitall). Both visit the blocks in the same order, so their
 * results are bitwise identical.
 */
#ifndef RWPO_RING_H
#define RWPO_RING_H

#include <mpi.h>
#include <stddef.h>

typedef struct ring ring; /* opaque */

/**
 * Visitor: fold one block. @param block the doubles of the block (count_of(owner) of them),
 * @param owner the rank that owns the block, @param ctx the caller's context.
 */
typedef void (*ring_visitor)(void *ctx, const double *block, int owner);

/** Number of doubles in the block of rank `owner`. */
typedef size_t (*ring_count)(void *ctx, int owner);

/**
 * Create a ring over `comm`. @param capacity the largest block in doubles (over all ranks).
 * @param overlap 1 overlapped, 0 blocking. Collective only in the sense that all ranks create one.
 */
ring *ring_create(MPI_Comm comm, size_t capacity, int overlap);

/** Free; accepts NULL. */
void ring_destroy(ring *r);

/** The buffer to fill with this rank's own block before ring_run (capacity doubles). */
double *ring_local_buffer(ring *r);

/**
 * Run one full cycle (collective): visits P blocks, the own block first.
 * Returns the seconds spent waiting for communication (not hidden behind the visits).
 */
double ring_run(ring *r, ring_visitor visit, ring_count count_of, void *ctx);

#endif /* RWPO_RING_H */
