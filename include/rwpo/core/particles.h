/**
 * @file particles.h
 * @brief The particle cloud of one rank (transparent data) and the block distribution.
 *
 * Particles are distributed by global id in contiguous, balanced blocks: rank r owns ids
 * [offset, offset + n_local) with n_local = N/P + (r < N%P), offset = r*(N/P) + min(r, N%P).
 * Sizes differ by at most one; a rank owns none when N < P.
 */
#ifndef RWPO_PARTICLES_H
#define RWPO_PARTICLES_H

#include <stddef.h>


/**
 * Arrays (all row-major, n_local rows of dim doubles, owned by the struct):
 *   x  [n_local * dim]  positions at the current layer (the state)
 *   y  [n_local * dim]  half-stepped positions y = x - h grad f(x) (scratch of the layer)
 *   g  [n_local * dim]  grad f(x), then reused as the attention output A (scratch)
 */
typedef struct {
    long n_global; /**< N */
    long dim;      /**< d */
    long n_local;  /**< particles owned by this rank */
    long offset;   /**< global id of the first owned particle */
    double *x;
    double *y;
    double *g;
} particles;

/** The block of rank r of P for N items. */
void particles_shard(long n_global, int n_ranks, int rank, long *n_local, long *offset);

/** Allocate the arrays for this rank (zeroed). Destroy with particles_destroy. */
particles *particles_create(long n_global, long dim, int n_ranks, int rank);

/** Free; accepts NULL. */
void particles_destroy(particles *p);

/**
 * Gaussian initial cloud: x[i][k] = mean[k] + scale * z(seed, id = offset + i, k), z drawn by
 * rng_normal on stream RNG_STREAM_INIT, layer 0. Identical on any number of ranks.
 */
void particles_init_gaussian(particles *p, const double *mean, double scale, unsigned long seed);

/** Index of the first non-finite value in x (row * dim + k), or -1 if all are finite. */
long particles_first_nonfinite(const double *x, long n_local, long dim);

#endif /* RWPO_PARTICLES_H */
