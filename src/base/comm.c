/**
 * @file comm.c
 * @brief MPI wrappers (see comm.h). With ring.c, the only file that calls MPI.
 */
#include "rwpo/base/comm.h"

#include "rwpo/base/log.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int g_rank = 0;
static int g_size = 1;

void comm_init(int *argc, char ***argv)
{
    int flag = 0;
    MPI_Initialized(&flag);
    if (!flag)
        MPI_Init(argc, argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
}

void comm_finalize(void)
{
    int flag = 0;
    MPI_Finalized(&flag);
    if (!flag)
        MPI_Finalize();
}

void comm_library_version(char *buf, size_t n)
{
    char lib[MPI_MAX_LIBRARY_VERSION_STRING] = "";
    int len = 0, major = 0, minor = 0;
    MPI_Get_library_version(lib, &len);
    MPI_Get_version(&major, &minor);
    lib[strcspn(lib, "\r\n")] = '\0'; /* the first line: Open MPI's is one line */
    snprintf(buf, n, "%s (MPI standard %d.%d)", lib, major, minor);
}

MPI_Comm comm_world(void) { return MPI_COMM_WORLD; }
int comm_rank(void) { return g_rank; }
int comm_size(void) { return g_size; }
double comm_wtime(void) { return MPI_Wtime(); }

void comm_sum_double(double *v, int n)
{
    MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}

void comm_max_double(double *v, int n)
{
    MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
}

void comm_min_double(double *v, int n)
{
    MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD);
}

void comm_sum_long(long *v, int n)
{
    MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
}

void comm_max_int(int *v, int n)
{
    MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
}

void comm_sum_u64(unsigned long long *v, int n)
{
    MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_UNSIGNED_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
}

void comm_or_u64(unsigned long long *v, long n)
{
    while (n > 0) {
        int c = n > (1L << 30) ? 1 << 30 : (int)n;
        MPI_Allreduce(MPI_IN_PLACE, v, c, MPI_UNSIGNED_LONG_LONG, MPI_BOR, MPI_COMM_WORLD);
        v += c;
        n -= c;
    }
}

double *comm_allgatherv_double(const double *send, long n, long *n_total)
{
    int *counts = xmalloc((size_t)g_size * sizeof(int)), *displs = xmalloc((size_t)g_size * sizeof(int));
    long total = 0;
    if (n > INT_MAX)
        RWPO_FATAL("comm_allgatherv_double: %ld doubles on one rank exceed an MPI count", n);
    int mine = (int)n;
    MPI_Allgather(&mine, 1, MPI_INT, counts, 1, MPI_INT, MPI_COMM_WORLD);
    for (int r = 0; r < g_size; r++) {
        if (total > INT_MAX)
            RWPO_FATAL("comm_allgatherv_double: %ld doubles in all exceed an MPI count", total);
        displs[r] = (int)total;
        total += counts[r];
    }
    if (total > INT_MAX)
        RWPO_FATAL("comm_allgatherv_double: %ld doubles in all exceed an MPI count", total);
    double *out = total > 0 ? xmalloc((size_t)total * sizeof(double)) : NULL;
    if (total > 0)
        MPI_Allgatherv(send, mine, MPI_DOUBLE, out, counts, displs, MPI_DOUBLE, MPI_COMM_WORLD);
    free(counts);
    free(displs);
    *n_total = total;
    return out;
}

void comm_reduce_sum_double_root(double *v, int n)
{
    if (g_rank == 0)
        MPI_Reduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    else
        MPI_Reduce(v, NULL, n, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
}

int comm_agree_max(int status)
{
    MPI_Allreduce(MPI_IN_PLACE, &status, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return status;
}

int comm_agree_failure(int failed, const char *msg)
{
    const int P = g_size, me = g_rank;
    int lowest = comm_agree_max(failed ? P - me : 0);
    if (lowest == 0)
        return 0;
    if (failed && P - me == lowest)
        log_error_any("%s", msg);
    return 1;
}

void comm_bcast_bytes(void *buf, size_t n)
{
    /* Chunk so counts fit in an int. */
    char *p = buf;
    while (n > 0) {
        int c = n > (size_t)1 << 30 ? 1 << 30 : (int)n;
        MPI_Bcast(p, c, MPI_BYTE, 0, MPI_COMM_WORLD);
        p += c;
        n -= (size_t)c;
    }
}

char *comm_bcast_string(const char *s)
{
    long len = g_rank == 0 ? (long)(s ? strlen(s) : 0) : 0;
    MPI_Bcast(&len, 1, MPI_LONG, 0, MPI_COMM_WORLD);
    char *out = malloc((size_t)len + 1);
    if (!out)
        MPI_Abort(MPI_COMM_WORLD, 2);
    if (g_rank == 0 && len > 0)
        memcpy(out, s, (size_t)len);
    out[len] = '\0';
    if (len > 0)
        comm_bcast_bytes(out, (size_t)len);
    return out;
}

void comm_barrier(void) { MPI_Barrier(MPI_COMM_WORLD); }

int comm_node_size(void)
{
    static int node_size = 0;
    if (node_size == 0) {
        MPI_Comm node;
        MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, g_rank, MPI_INFO_NULL, &node);
        MPI_Comm_size(node, &node_size);
        MPI_Comm_free(&node);
    }
    return node_size;
}

_Noreturn void comm_abort(int code)
{
    MPI_Abort(MPI_COMM_WORLD, code);
    exit(code); /* not reached */
}

/* ---- communicator-explicit helpers (linear algebra, problem setup; issue 5) ---------------- */

int comm_size_of(MPI_Comm comm)
{
    int n = 1;
    MPI_Comm_size(comm, &n);
    return n;
}

int comm_rank_of(MPI_Comm comm)
{
    int r = 0;
    MPI_Comm_rank(comm, &r);
    return r;
}

void comm_sum_double_on(MPI_Comm comm, double *v, long n)
{
    /* chunk so counts fit in an int */
    while (n > 0) {
        int c = n > (1L << 30) ? 1 << 30 : (int)n;
        MPI_Allreduce(MPI_IN_PLACE, v, c, MPI_DOUBLE, MPI_SUM, comm);
        v += c;
        n -= c;
    }
}

int comm_agree_error(MPI_Comm comm, int failed, char *msg, size_t len)
{
    int P = 1, me = 0;
    MPI_Comm_size(comm, &P);
    MPI_Comm_rank(comm, &me);
    int root = failed ? me : P;
    MPI_Allreduce(MPI_IN_PLACE, &root, 1, MPI_INT, MPI_MIN, comm);
    if (root == P)
        return 0;
    if (msg && len > 0) {
        msg[len - 1] = '\0';
        MPI_Bcast(msg, (int)(len < (size_t)1 << 30 ? len : (size_t)1 << 30), MPI_CHAR, root,
                  comm);
    }
    return 1;
}

void comm_allgather_u64(const unsigned long long *local, long n_local, unsigned long long *all)
{
    int P = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &P); /* also before comm_init (tests) */
    int *counts = xcalloc((size_t)P, sizeof(int)), *displs = xcalloc((size_t)P, sizeof(int));
    if (n_local > 0x7fffffff)
        RWPO_FATAL("comm_allgather_u64: %ld words exceed the MPI count limit", n_local);
    int mine = (int)n_local;
    MPI_Allgather(&mine, 1, MPI_INT, counts, 1, MPI_INT, MPI_COMM_WORLD);
    long total = 0;
    for (int r = 0; r < P; r++) {
        if (total > 0x7fffffff)
            RWPO_FATAL("comm_allgather_u64: %ld words exceed the MPI count limit", total);
        displs[r] = (int)total;
        total += counts[r];
    }
    MPI_Allgatherv(local, mine, MPI_UNSIGNED_LONG_LONG, all, counts, displs,
                   MPI_UNSIGNED_LONG_LONG, MPI_COMM_WORLD);
    free(counts);
    free(displs);
}
