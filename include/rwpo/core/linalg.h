/**
 * @file linalg.h
 * @brief The forward operator A (m x d) of a linear inverse problem, distributed with ScaLAPACK,
 *        and the linear algebra built on it: the drift gradient of every particle, matrix-vector
 *        products, the exact Gaussian posterior (lambda = 0) and the lasso MAP by FISTA.
 *
 * Opaque service. Layouts:
 *   - distributed: A block-cyclic (block nb x nb) on a pr x pc BLACS grid over all ranks of the
 *     communicator. The particle block of rank r (rows of X, row-major [n_local][d]) is, read
 *     column-major, the columns [r MB, r MB + n_local) of X' (d x P*MB, MB = ceil(N/P)) on a 1 x P
 *     grid; PDGEMR2D moves X' onto the 2-D grid, PDGEMM computes
 *         R' = A X' - b 1'          (m x P*MB)
 *         G' = A' R' / sigma^2      (d x P*MB)
 *     and PDGEMR2D moves G' back: G = (X A' - 1 b') A / sigma^2, all particles at once. The at
 *     most P - 1 padding columns are zeros and cost nothing worth counting.
 *   - replicated: A on every rank; the same two products with local DGEMM, no communication.
 *     A distributed copy is kept as well for the reference computations.
 *   - auto: replicated when A plus its scratch fit in memory_budget bytes, else distributed.
 * Every buffer is allocated at creation; the products allocate nothing. The entries of A come
 * from the problem (linalg_fill with a generator, or linalg_set_rows with rows it read): this
 * module stores and applies the operator; what the operator is belongs to problem.c.
 *
 * Collective calls are marked; they must be called by every rank of the communicator. The module
 * calls BLACS/ScaLAPACK with the communicator it was given (Csys2blacs_handle) and reduces through
 * comm.h; it makes no MPI calls of its own.
 */
#ifndef RWPO_LINALG_H
#define RWPO_LINALG_H

#include <mpi.h>
#include <stddef.h>

typedef struct linalg linalg; /* opaque */

/** Where the operator lives (see the file comment). */
typedef enum { LINALG_AUTO = 0, LINALG_REPLICATED = 1, LINALG_DISTRIBUTED = 2 } linalg_layout;

/** How to lay out the operator (the [linalg] keys, mapped by the problem). */
typedef struct {
    linalg_layout layout;   /**< auto | replicated | distributed */
    long block;             /**< ScaLAPACK block size nb */
    long memory_budget;     /**< bytes per rank (auto chooses replicated if A fits) */
    long grid_rows;         /**< BLACS grid rows pr (a divisor of P; 0 = as square as possible) */
} linalg_options;

/** Entry A(i, j), 0-based, as a pure function (every rank evaluates the entries it stores). */
typedef double (*linalg_entry)(const void *ctx, long i, long j);

/**
 * Create the operator's grids and buffers for an m x d operator and N particles (collective).
 * A is zero until linalg_fill or linalg_set_rows. The verdict depends on the arguments only, so
 * it is the same on every rank. The caller owns the object (linalg_destroy).
 * @return the object, or NULL with a one-line reason in err (grid rows not dividing P, sizes
 *         beyond ScaLAPACK's int range, the distributed layout not fitting the budget)
 */
linalg *linalg_create(MPI_Comm comm, long m, long d, long n_particles, const linalg_options *opt,
                      char *err, size_t errlen);

/**
 * Bytes per rank the operator would take on n_ranks ranks: those of the layout linalg_create
 * chooses (with auto, replicated when it fits the budget, else distributed). Pure: nothing is
 * allocated, so it can size a run before it starts.
 */
double linalg_estimate_bytes(long m, long d, long n_particles, int n_ranks,
                             const linalg_options *opt);

/** Free the buffers and release the BLACS grids; accepts NULL. Collective (BLACS grid exit). */
void linalg_destroy(linalg *la);

/** Fill A(i, j) = entry(ctx, i, j) in every stored copy. Local (no communication). */
void linalg_fill(linalg *la, linalg_entry entry, const void *ctx);

/**
 * The rows of A this rank hands to linalg_set_rows: [*offset, *offset + *count). All m rows in
 * the replicated layout; in the distributed layout contiguous blocks of ceil(m / P) rows, rank r
 * the r-th (possibly empty). Local, pure.
 */
void linalg_row_block(const linalg *la, long *offset, long *count);

/**
 * Store A from this rank's rows (linalg_row_block), rows [count][d] row-major (copied; the
 * caller keeps ownership): into the replicated copy, or redistributed onto the 2-D grid with
 * PDGEMR2D. Collective: every rank calls it once its rows are known to be good.
 */
void linalg_set_rows(linalg *la, const double *rows);

/**
 * Set the data b [m] (copied) and the noise level sigma > 0 of f = |A x - b|^2 / (2 sigma^2).
 * Local.
 */
void linalg_set_data(linalg *la, const double *b, double sigma);

/**
 * For this rank's particles x [n_local][d] (row-major; the block distribution of particles.h):
 * g = grad f = (x A' - 1 b') A / sigma^2 (if g != NULL) and f[i] = |A x_i - b|^2 / (2 sigma^2)
 * (if f != NULL). Collective (pass NULL/NULL consistently on every rank). No allocation.
 */
void linalg_apply(linalg *la, long n_local, const double *x, double *g, double *f);

/** y = A x for a replicated x [d]; y [m] replicated on every rank. Collective. */
void linalg_matvec(linalg *la, const double *x, double *y);
/** z = A' r for a replicated r [m]; z [d] replicated. Collective. */
void linalg_rmatvec(linalg *la, const double *r, double *z);

/**
 * Solve S X = B for a symmetric positive definite S [n][n] given in full on every rank
 * (replicated, row-major) and B [n][nrhs] (row-major, replicated; overwritten by X), with
 * PDPOTRF/PDPOTRS on the operator's grid. Collective.
 * @return 0, or -1 with the reason in err (S not positive definite: the order of the leading
 *         minor; or non-finite input)
 */
int linalg_spd_solve(linalg *la, long n, const double *S, long nrhs, double *B, char *err,
                     size_t errlen);

/**
 * The exact posterior of pi(x) ∝ exp(-beta |A x - b|^2 / (2 sigma^2)) (lambda = 0): precision
 * Q = beta A'A / sigma^2 formed with PDGEMM, factorized with PDPOTRF; mean = Q^-1 beta A'b /
 * sigma^2 and, if cov != NULL, the covariance Q^-1 [d][d] (replicated) with PDPOTRS. If the
 * factorization fails a ridge of 1e-10 * max_k Q_kk is added to the diagonal and it is retried;
 * the ridge used (0 if none) is returned in *ridge. Collective.
 * @return 0, or -1 with the reason in err (a zero column of A: that coordinate is not identified;
 *         Q not positive definite even with the ridge)
 */
int linalg_gaussian_posterior(linalg *la, double beta, double *mean, double *cov, double *ridge,
                              char *err, size_t errlen);

/**
 * The Gram matrix G = A'A [d][d] (row-major, symmetric) and A'b [d], replicated on every rank.
 * The rows of A are taken in chunks of LINALG_GRAM_ROWS in row order (assembled on every rank
 * from the local blocks in the distributed layout: each entry is held by one process, so the
 * assembly is exact); each chunk's product is one DGEMM on the same data with the same sizes, and
 * the chunks are summed in row order. The result is therefore bitwise identical on any rank
 * count, grid and layout. Cost: m d^2 flops on every rank, and in the distributed layout one
 * all-reduce of each chunk (m d doubles in all). Collective. The caller owns ata and atb.
 */
void linalg_gram(linalg *la, double *ata, double *atb);

/** Rows of A per chunk of linalg_gram (fixes its summation order). */
#define LINALG_GRAM_ROWS 256

/**
 * The lasso MAP argmin_x |A x - b|^2 / (2 sigma^2) + lambda |x|_1 by FISTA (step 1/L, L =
 * ||A||_2^2 / sigma^2 from 50 power iterations, times 1.01) with gradient-based adaptive
 * restart, on the distributed (or replicated) operator. x [d] (replicated) is the start on entry
 * and the solution on exit. Stops when |x_k+1 - x_k| <= tol max(1, |x_k+1|) or after max_iter.
 * Collective. @return the number of iterations; *lipschitz gets L if not NULL.
 */
long linalg_fista(linalg *la, double lambda, double tol, long max_iter, double *x,
                  double *lipschitz);

/** Order from which linalg_cholesky factors on a BLACS grid (ScaLAPACK) rather than serially on
 *  every rank (LAPACK). */
#define LINALG_CHOLESKY_GRID_DIM 500

/**
 * Lower Cholesky factor of a symmetric positive definite n x n matrix a (row-major, replicated:
 * the same on every rank of comm), in place: on return a = L with L L' = a_in and zeros above
 * the diagonal, on every rank. n < grid_dim: LAPACK DPOTRF on every rank (n^3/3 flops each, no
 * communication); n >= grid_dim: PDPOTRF on a squarest BLACS grid over comm with nb x nb blocks
 * (created and released here), the factor assembled on every rank by one sum reduction (each
 * entry is held by one process: exact). Both paths agree to round-off (tests/test_precond.c).
 * Collective over comm (every rank calls it with the same n, grid_dim and nb).
 * @param grid_dim LINALG_CHOLESKY_GRID_DIM (tests pass small values to force the grid)
 * @return 0, or the order k >= 1 of the leading minor that is not positive (a not positive
 *         definite; a is then undefined), the same on every rank
 */
int linalg_cholesky(MPI_Comm comm, long n, double *a, long grid_dim, long nb);

/** 1 if the gradient runs on the distributed operator, 0 if replicated. Local. */
int linalg_is_distributed(const linalg *la);
/** The BLACS grid shape. Local. */
void linalg_grid(const linalg *la, int *rows, int *cols);
/** Bytes this rank holds for the operator and the gradient's scratch. Local. */
long linalg_bytes(const linalg *la);

#endif /* RWPO_LINALG_H */
