/**
 * @file duplicates.c
 * @brief Exact duplicate rows of the distributed cloud (see duplicates.h for the method).
 */
#include "rwpo/core/duplicates.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rwpo/base/comm.h"
#include "rwpo/base/log.h"

typedef unsigned long long u64;

static u64 row_hash(const double *row, long dim)
{
    const unsigned char *b = (const unsigned char *)row;
    u64 h = 1469598103934665603ull;
    for (size_t i = 0; i < (size_t)dim * sizeof(double); i++) {
        h ^= b[i];
        h *= 1099511628211ull;
    }
    return h;
}

static int cmp_u64(const void *a, const void *b)
{
    const u64 x = *(const u64 *)a, y = *(const u64 *)b;
    return (x > y) - (x < y);
}

/* Records: [hash, multiplicity, row bits (dim words)], ordered by hash then row bits (the
 * multiplicity is not compared). qsort has no context argument: the record width is set by
 * duplicates_fraction before sorting (one call at a time; no threads). */
static long g_rec_words;
static int cmp_rec(const void *a, const void *b)
{
    const int c = cmp_u64(a, b);
    return c ? c
             : memcmp((const u64 *)a + 2, (const u64 *)b + 2,
                      (size_t)(g_rec_words - 2) * sizeof(u64));
}

/* Occurrences of h in the sorted array s [n]. */
static long count_sorted(const u64 *s, long n, u64 h)
{
    long lo = 0, hi = n;
    while (lo < hi) {
        const long mid = lo + (hi - lo) / 2;
        if (s[mid] < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    long c = 0;
    while (lo + c < n && s[lo + c] == h)
        c++;
    return c;
}

double duplicates_fraction(const double *x, long n_local, long dim, long n_global)
{
    if (n_global < 1)
        return 0.0;
    const long w = dim + 2;
    u64 *hash = xcalloc((size_t)n_local + 1, sizeof(u64));
    u64 *all = xcalloc((size_t)n_global + 1, sizeof(u64));
    for (long i = 0; i < n_local; i++)
        hash[i] = row_hash(x + i * dim, dim);
    comm_allgather_u64(hash, n_local, all);
    qsort(all, (size_t)n_global, sizeof(u64), cmp_u64);
    /* the candidates' records, sorted, then merged into distinct rows with multiplicities */
    long n_cand = 0;
    u64 *rec = xcalloc((size_t)(n_local * w) + 1, sizeof(u64));
    for (long i = 0; i < n_local; i++)
        if (count_sorted(all, n_global, hash[i]) > 1) {
            u64 *r = rec + n_cand * w;
            r[0] = hash[i];
            r[1] = 1;
            memcpy(r + 2, x + i * dim, (size_t)dim * sizeof(double));
            n_cand++;
        }
    g_rec_words = w;
    qsort(rec, (size_t)n_cand, (size_t)w * sizeof(u64), cmp_rec);
    long n_rep = 0;
    for (long i = 0; i < n_cand; i++) {
        u64 *r = rec + i * w;
        if (n_rep > 0 && cmp_rec(rec + (n_rep - 1) * w, r) == 0) {
            rec[(n_rep - 1) * w + 1]++;
            continue;
        }
        if (n_rep != i)
            memcpy(rec + n_rep * w, r, (size_t)w * sizeof(u64));
        n_rep++;
    }
    /* every rank's distinct candidates; a local candidate is duplicated when the records equal to
     * it hold at least two rows in all */
    long tot[1] = {n_rep};
    comm_sum_long(tot, 1);
    u64 *reps = xcalloc((size_t)(tot[0] * w) + 1, sizeof(u64));
    comm_allgather_u64(rec, n_rep * w, reps);
    qsort(reps, (size_t)tot[0], (size_t)w * sizeof(u64), cmp_rec);
    long dup[1] = {0};
    for (long i = 0; i < n_rep; i++) {
        const u64 *r = rec + i * w;
        long lo = 0, hi = tot[0];
        while (lo < hi) { /* the first record not below r */
            const long mid = lo + (hi - lo) / 2;
            if (cmp_rec(reps + mid * w, r) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        u64 mult = 0;
        for (long j = lo; j < tot[0] && cmp_rec(reps + j * w, r) == 0; j++)
            mult += reps[j * w + 1];
        if (mult >= 2)
            dup[0] += (long)r[1];
    }
    comm_sum_long(dup, 1);
    free(reps);
    free(rec);
    free(all);
    free(hash);
    return (double)dup[0] / (double)n_global;
}
