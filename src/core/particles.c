/**
 * @file particles.c
 * @brief Block distribution and initial clouds (see particles.h).
 */
#include "rwpo/core/particles.h"

#include <math.h>
#include <stdlib.h>

#include "rwpo/base/log.h"
#include "rwpo/base/rng.h"

void particles_shard(long n_global, int n_ranks, int rank, long *n_local, long *offset)
{
    long base = n_global / n_ranks, rem = n_global % n_ranks;
    *n_local = base + (rank < rem ? 1 : 0);
    *offset = (long)rank * base + (rank < rem ? rank : rem);
}

particles *particles_create(long n_global, long dim, int n_ranks, int rank)
{
    particles *p = xcalloc(1, sizeof *p);
    p->n_global = n_global;
    p->dim = dim;
    particles_shard(n_global, n_ranks, rank, &p->n_local, &p->offset);
    size_t n = (size_t)p->n_local * (size_t)dim;
    p->x = xcalloc(n, sizeof(double));
    p->y = xcalloc(n, sizeof(double));
    p->g = xcalloc(n, sizeof(double));
    return p;
}

void particles_destroy(particles *p)
{
    if (!p)
        return;
    free(p->x);
    free(p->y);
    free(p->g);
    free(p);
}

void particles_init_gaussian(particles *p, const double *mean, double scale, unsigned long seed)
{
    for (long i = 0; i < p->n_local; i++)
        for (long k = 0; k < p->dim; k++)
            p->x[i * p->dim + k] =
                mean[k] + scale * rng_normal(seed, RNG_STREAM_INIT, 0,
                                             (uint64_t)(p->offset + i), (uint32_t)k);
}

long particles_first_nonfinite(const double *x, long n_local, long dim)
{
    for (long j = 0; j < n_local * dim; j++)
        if (!isfinite(x[j]))
            return j;
    return -1;
}
