/**
 * @file ring.c
 * @brief Ring pass of key blocks (see ring.h). With comm.c, the only file that calls MPI.
 */
#include "rwpo/core/ring.h"

#include <stdlib.h>

#include "rwpo/base/log.h"

struct ring {
    MPI_Comm comm;
    int rank, size;
    int overlap;
    size_t capacity;
    double *buf[2]; /* block in hand and next block */
};

ring *ring_create(MPI_Comm comm, size_t capacity, int overlap)
{
    ring *r = xcalloc(1, sizeof *r);
    r->comm = comm;
    MPI_Comm_rank(comm, &r->rank);
    MPI_Comm_size(comm, &r->size);
    r->overlap = overlap;
    r->capacity = capacity;
    r->buf[0] = xcalloc(capacity, sizeof(double));
    r->buf[1] = xcalloc(capacity, sizeof(double));
    return r;
}

void ring_destroy(ring *r)
{
    if (!r)
        return;
    free(r->buf[0]);
    free(r->buf[1]);
    free(r);
}

double *ring_local_buffer(ring *r) { return r->buf[0]; }

/* Counts are sent in chunks that fit an int. */
static int icount(size_t n)
{
    if (n > (size_t)0x7fffffff)
        RWPO_FATAL("ring block of %zu doubles exceeds the MPI count limit", n);
    return (int)n;
}

double ring_run(ring *r, ring_visitor visit, ring_count count_of, void *ctx)
{
    const int P = r->size, me = r->rank;
    const int right = (me + 1) % P, left = (me - 1 + P) % P;
    double *cur = r->buf[0], *next = r->buf[1];
    double wait = 0.0;
    for (int s = 0; s < P; s++) {
        const int owner = (me - s + P) % P;         /* block in hand */
        const int incoming = (me - s - 1 + 2 * P) % P; /* block arriving from the left */
        const int last = s == P - 1;
        if (r->overlap && !last) {
            MPI_Request req[2];
            MPI_Irecv(next, icount(count_of(ctx, incoming)), MPI_DOUBLE, left, s, r->comm,
                      &req[0]);
            MPI_Isend(cur, icount(count_of(ctx, owner)), MPI_DOUBLE, right, s, r->comm, &req[1]);
            visit(ctx, cur, owner);
            double t0 = MPI_Wtime();
            MPI_Waitall(2, req, MPI_STATUSES_IGNORE);
            wait += MPI_Wtime() - t0;
        } else {
            visit(ctx, cur, owner);
            if (!last) {
                double t0 = MPI_Wtime();
                MPI_Sendrecv(cur, icount(count_of(ctx, owner)), MPI_DOUBLE, right, s, next,
                             icount(count_of(ctx, incoming)), MPI_DOUBLE, left, s, r->comm,
                             MPI_STATUS_IGNORE);
                wait += MPI_Wtime() - t0;
            }
        }
        double *t = cur;
        cur = next;
        next = t;
    }
    return wait;
}
