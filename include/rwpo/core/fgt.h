/**
 * @file fgt.h
 * @brief The 1-D fast Gauss transform of the coordinatewise attention, with a per-row error bound.
 *
 * One coordinate of the coordinatewise attention is a weighted 1-D Gaussian smoother. With
 * delta = 4T/beta and the key weight lq(u) = beta u^2/(4T) + bias(u) (prior_l1_key_bias; both
 * normalisers make lq (beta lambda/2)-Lipschitz), every term RELATIVE TO THE ROW'S SELF TERM is
 *
 *     e_ij = exp(-(y_i - y_j)^2/delta + lq_j - lq_i),
 *     D_i = sum_j e_ij >= 1,  N_i = sum_j e_ij y_j,  A_i = N_i / D_i,  Q_i = sum_j e_ij^2,
 *
 * (Q gives the effective number of neighbours D^2/Q). Sources are binned on a lattice of boxes of
 * width w = 2 r sqrt(delta) anchored at 0 (box b = floor(y/w), centre c_b = (b + 1/2) w); box b
 * carries the scale L_b = lq(c_b) + (beta lambda/2)(w/2) >= lq on the box and the Hermite moments
 * (t = (y_j - c_b)/sqrt(delta) in [-r, r], s_j = exp(lq_j - L_b) in (0, 1])
 *
 *     A_n = sum s_j t^n/n!,  B_n = sum s_j y_j t^n/n!,  C_n = sum s_j |y_j| t^n/n!,
 *     G_n = sum s_j^2 (sqrt2 t)^n/n!,                                   n < p,
 *
 * accumulated with TwoSum compensation. A target y_i evaluates the boxes within K of its own box:
 * exp(-(x - t)^2) = sum_n t^n/n! h_n(x), h_n the Hermite functions (h_0 = exp(-x^2),
 * h_{n+1} = 2x h_n - 2n h_{n-1}), x = (y_i - c_b)/sqrt(delta), each box's series times
 * exp(L_b - lq_i) (one exp per box; no overflow whatever lambda and |y| are).
 *
 * Per-row bound (Cramer: |h_n(x)| <= 1.0865 2^{n/2} sqrt(n!) exp(-x^2/2)):
 *   cutoff:      all sources beyond R sqrt(delta) add at most eps_cut = n exp(-R^2 + cR) to D
 *                (c = beta lambda sqrt(delta)/2), eps_cut max|y| to N (rigorous);
 *   truncation:  1.0865 tau_p(r) sum_b A_0,b exp(L_b - lq_i - x_b^2/2), tau_p(r) =
 *                sum_{n>=p} (sqrt2 r)^n/sqrt(n!), with C_0 for N (rigorous);
 *   rounding:    gamma sum_b A_0,b sum_n r^n/n! |h_n(x_b)|, gamma = 2 (p + 4) u + the exp's
 *                error, with C_0 for N (first-order estimate: |A_n| <= A_0 r^n/n!).
 * The row's bound is max(|dD|/D, (|dN| + |A| |dD|)/(D S)), S = C/D the weighted mean of |y_j|:
 * an error relative to the scale of the weighted mean. G (neighbours) is a diagnostic, unbounded.
 * Rows whose bound exceeds the tolerance are summed directly (fgt_direct_row: compensated sums of
 * blocks) over the sources of the same boxes.
 *
 * Pure functions: no MPI, no I/O, no globals. Arrays are owned by the caller. Compiled with the
 * kernels' flags (OpenMP simd).
 */
#ifndef RWPO_FGT_H
#define RWPO_FGT_H

/** Hermite terms (p = 28 keeps the bound below 1e-12 with a 10-30x margin; fastsum.md). */
#define FGT_TERMS 28
/** Box half-width in units of sqrt(delta). */
#define FGT_HALF_WIDTH 0.5
/** Cutoff target: all sources beyond the cutoff add at most this to D (relative to the self term). */
#define FGT_EPS_CUT 1e-17
/** Doubles per target in fgt_evaluate's output: D, N, Q, bound. */
#define FGT_OUT 4

/** The transform's parameters for one (beta, lambda, T, N, tolerance). */
typedef struct {
    int p;          /**< Hermite terms */
    double sd;      /**< sqrt(delta), delta = 4T/beta */
    double w;       /**< box width 2 r sqrt(delta) */
    double r;       /**< box half-width / sqrt(delta) */
    double lip;     /**< Lipschitz constant of lq: beta lambda / 2 */
    long reach;     /**< boxes evaluated on each side of a target's box (K) */
    double eps_cut; /**< cutoff bound (relative to the self term) */
    double tail;    /**< 1.0865 tau_p(r): truncation factor */
    double gamma;   /**< rounding factor */
    double tol;     /**< rows with a larger bound are summed directly */
} fgt_params;

/**
 * Parameters of the transform for N sources in total (the cutoff covers N terms) and a per-row
 * tolerance (run.tolerance).
 */
void fgt_params_init(fgt_params *f, double beta, double lambda, double T, long n_total,
                     double tol);

/**
 * The key weight lq(u) = beta u^2/(4T) + bias(u) without cancellation (exact: from
 * prior_l1_log_z1; moreau: (beta/(4T))(u^2 - S(u)^2) in closed form).
 * @param moreau 1 for normaliser = moreau, 0 for exact
 */
double fgt_log_q(int moreau, double u, double lambda, double beta, double T);

/** Doubles per box of the moment array: 4 p (A, B, C, G). */
long fgt_moment_width(const fgt_params *f);

/**
 * Moments of sources sorted by box: box c (global index box[c], scale L[c]) holds the sources
 * [start[c], start[c+1]) of y, lq. Writes mom[c * fgt_moment_width + ...] (compensated sums,
 * the compensation folded in at the end) for c < n_box.
 */
void fgt_moments(const fgt_params *f, long n_box, const long *restrict box,
                 const double *restrict L, const long *restrict start, const double *restrict y,
                 const double *restrict lq, double *restrict mom);

/**
 * Evaluate targets sorted by box against the moments of every source box (box, L, mom of
 * n_box boxes, sorted by index): target box c holds the targets [start[c], start[c+1]) of y, lq
 * (the same box list; boxes without targets have empty ranges). y_abs_max bounds |y| of every
 * source. Writes out[FGT_OUT * i + {0, 1, 2, 3}] = D, N, Q and the row's bound (+inf when D < 1,
 * i.e. the expansion is not to be trusted).
 */
void fgt_evaluate(const fgt_params *f, long n_box, const long *restrict box,
                  const double *restrict L, const double *restrict mom,
                  const long *restrict start, const double *restrict y,
                  const double *restrict lq, double y_abs_max, double *restrict out);

/**
 * Direct sum for one target (y_i, lq_i) over n sources ys, lqs: D, N, Q of the header, in
 * blocks of 256 keys whose sums are added with TwoSum compensation (no drift with many identical
 * keys). out[0..3) = D, N, Q.
 */
void fgt_direct_row(const fgt_params *f, double y_i, double lq_i, long n,
                    const double *restrict ys, const double *restrict lqs, double *restrict out);

#endif /* RWPO_FGT_H */
