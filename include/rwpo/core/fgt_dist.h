/**
 * @file fgt_dist.h
 * @brief The coordinatewise attention of all ranks' particles by the fast Gauss transform
 *        (fgt.h), distributed without the ring.
 *
 * Per layer, collective:
 *   1. one all-reduce of every coordinate's min and max (2d + 1 doubles);
 *   2. one OR all-reduce of the occupied boxes (a bitmap over each coordinate's box range: the
 *      grid is anchored at 0, so a moving cloud changes which boxes are used, not where they are);
 *   3. one all-reduce of the occupied boxes' moments (4p doubles per box, independent of N and P);
 *   4. every rank evaluates its own rows; rows whose bound exceeds the tolerance are summed
 *      directly over the sources of their boxes, gathered once from all ranks (only when some
 *      row needs it).
 * The result agrees on any number of ranks to round-off (moment sums in another order) and is
 * bitwise reproducible on the same number.
 */
#ifndef RWPO_FGT_DIST_H
#define RWPO_FGT_DIST_H

#include "rwpo/base/config.h"
#include "rwpo/core/particles.h"

/** Largest box range of one coordinate (outliers beyond it: the transform declines). */
#define FGT_MAX_BOX_RANGE (1L << 24)
/** Largest bound of the logit gap to the self term for which the transform is used. */
#define FGT_MAX_GAP 300.0

/** The problem of one layer. */
typedef struct {
    long n_global;  /**< N */
    long n_local;   /**< this rank's rows */
    long dim;       /**< d */
    double beta, lambda, T;
    int moreau;     /**< normaliser = moreau */
    double tol;     /**< run.tolerance: per-row bound above which a row is summed directly */
    int may_decline; /**< 1 (run.attention = auto): decline when the grid is too large or too
                          sparse; 0 (fgt): transform anyway, or fail with an error line */
} fgt_dist_problem;

/** What the last layer did (the same on every rank). */
typedef struct {
    long recomputed;  /**< rows (row, coordinate) summed directly */
    double max_bound; /**< largest per-row bound before the direct sums */
    long boxes;       /**< occupied boxes, all coordinates */
} fgt_dist_stats;

typedef struct fgt_dist fgt_dist;

/** State for n_local rows of dimension dim (scratch grows on demand). Free with fgt_dist_destroy. */
fgt_dist *fgt_dist_create(long n_local, long dim);
/** Free; accepts NULL. */
void fgt_dist_destroy(fgt_dist *s);

/**
 * The coordinatewise attention of this rank's rows y [n_local * d] (row-major) over all ranks'
 * rows: A [n_local * d] (the weighted means), *neff the sum over own rows and coordinates of the
 * effective number of neighbours D^2/Q, bound (NULL or [n_local * d]) the per-row bounds before
 * the direct sums. Collective. Returns 0 when done; 1 (only with may_decline) when this layer
 * should use the direct sum instead (grid too large or too sparse, non-finite positions), the
 * same on every rank. Without may_decline a layer the transform cannot take (non-finite
 * positions, a box range beyond FGT_MAX_BOX_RANGE, a logit gap beyond FGT_MAX_GAP) is logged as
 * one error line and A is filled with NaN (the run's finiteness check then stops it).
 */
int fgt_dist_attention(fgt_dist *s, const fgt_dist_problem *pr, const double *y, double *A,
                       double *neff, double *bound);

/**
 * The rwpo_l1 layer's attention of a configuration (run.attention fgt or auto, run.tolerance,
 * sampler.normaliser, beta, lambda) at proximal time T: A [n_local * d] from p->y,
 * *neighbours the effective number of neighbours averaged over all rows and coordinates,
 * *recomputed the rows summed directly. Collective. Returns 0 when done, 1 when auto declined
 * this layer (then nothing is written; the caller uses the direct sum).
 */
int fgt_dist_layer(fgt_dist *s, const rwpo_config *cfg, const particles *p, double T, double *A,
                   double *neighbours, double *recomputed);

/** What the last call did. */
fgt_dist_stats fgt_dist_last(const fgt_dist *s);

/** Bytes of the state for n_local rows of dimension dim (a typical grid; sizes a run). */
double fgt_dist_bytes(long n_local, long dim);

#endif /* RWPO_FGT_DIST_H */
