/**
 * @file twosample.h
 * @brief Two-sample statistics: how far a sample X (a sampler's particles, n x d) lies from a
 *        reference sample Y (a gold standard, m x d), and the noise floor of two independent
 *        samples of these sizes (`rwpo compare`, `rwpo summarize --reference`).
 *
 * Per coordinate k (s_k = sd_ref_k, the sample sd of Y's column, n - 1 in the denominator; a
 * constant reference column has s_k := 1, i.e. absolute units):
 *   mean error   (mean_X_k - mean_Y_k) / s_k
 *   sd ratio     sd_X_k / sd_Y_k                                   (both sample sds)
 *   W1           int_0^1 |F_k^-1(u) - G_k^-1(u)| du / s_k: the 1-D Wasserstein-1 distance of
 *                the two empirical distributions, exact (both columns sorted; the quantile
 *                functions are step functions with steps at i/n and j/m)
 *   spike        P(|x_k| < 0.05 s_k) in X and in Y (the mass near 0 of a sparse posterior)
 *   corr error   max_l |r_X(k,l) - r_Y(k,l)| over l != k (sample correlations; a constant
 *                column has correlation 0 with every other)
 * Headline statistics (twosample_stat): max_k |mean error|, max_k |log sd ratio|, max_k W1,
 * mean_k W1, max_{k<l} |r_X - r_Y| (d >= 2 and d <= TWOSAMPLE_CORR_MAX_D, else NaN), and the
 * energy distance (V-statistic, on coordinates divided by s_k)
 *   E = 2/(n m) sum_ij |x_i - y_j| - 1/n^2 sum_ij |x_i - x_j| - 1/m^2 sum_ij |y_i - y_j| >= 0
 * on evenly spaced subsamples of at most TWOSAMPLE_ENERGY_MAX rows of each (rows
 * floor(j n / k), j = 0..k-1, k = min(n, TWOSAMPLE_ENERGY_MAX): every row when n is smaller).
 *
 * Noise floor. For each headline statistic S the floor is the expected value of S between two
 * independent iid samples of sizes n and m, and the noise limit is floor + 5 sd. Both are
 * estimated from TWOSAMPLE_SPLITS random half-splits of the reference (each row of Y goes to
 * half A or B by a fixed-seed counter-based draw): S(A, B) of split r is rescaled to sizes (n, m)
 * by sqrt((1/n + 1/m) / (1/a_r + 1/b_r)) (mean error, sd, W1 and correlation errors scale as
 * the square root of the sample sizes' harmonic terms: exact in the large-sample limit), the
 * energy distance by (1/n_e + 1/m_e) / (1/a_r + 1/b_r) (a degenerate V-statistic scales
 * linearly; its iid expectation is E|Y - Y'| (1/n_e + 1/m_e) exactly). The correlation splits
 * use at most TWOSAMPLE_CORR_SPLIT_ROWS evenly spaced rows of Y, the energy splits the energy
 * subsample of Y. X "agrees" with Y when every computed headline statistic is at most its noise
 * limit (measured false-alarm rate on iid Gaussian samples: about 1% for d = 1 to 10, README).
 * The floors assume the rows of Y are independent draws: a pooled MCMC reference must be
 * thinned beyond its autocorrelation time. A self-check compares the first and the second half
 * of Y (in row order: early and late pooled layers) by their max W1 against the random halves.
 *
 * Everything here is pure and serial (no MPI, no I/O, no globals); the random halves come from
 * rng.h (Philox, fixed seed), so results do not depend on anything but the data.
 */
#ifndef RWPO_TWOSAMPLE_H
#define RWPO_TWOSAMPLE_H

#include <stddef.h>

enum {
    TWOSAMPLE_SPLITS = 32,             /**< random half-splits of the reference */
    TWOSAMPLE_ENERGY_MAX = 2000,       /**< rows of each sample in the energy distance */
    TWOSAMPLE_CORR_MAX_D = 200,        /**< correlations for d up to this */
    TWOSAMPLE_CORR_SPLIT_ROWS = 20000, /**< reference rows in the correlation splits */
    TWOSAMPLE_MIN_REF_SPLIT = 20       /**< reference rows needed for a noise floor */
};

/** |x| below this many reference sds counts as "at zero" (the spike column). */
#define TWOSAMPLE_SPIKE 0.05
/** The noise limit of a statistic: its floor plus this many sds over the splits. */
#define TWOSAMPLE_LIMIT_SDS 5.0

/** The headline statistics. */
typedef enum {
    TS_MEAN_ERROR = 0, /**< max_k |mean error| (reference sds) */
    TS_LOG_SD,         /**< max_k |log sd ratio| */
    TS_W1_MAX,         /**< max_k W1 (reference sds) */
    TS_W1_MEAN,        /**< mean_k W1 (reference sds) */
    TS_CORR,           /**< max_{k<l} |r_X - r_Y| (NaN: d = 1 or d > TWOSAMPLE_CORR_MAX_D) */
    TS_ENERGY,         /**< energy distance (coordinates in reference sds) */
    TS_N_STATS
} twosample_stat;

/** A prepared reference sample (opaque): sorted columns, moments, correlations, splits. */
typedef struct twosample_ref twosample_ref;

/** The comparison of one sample with a reference (filled by twosample_compare). */
typedef struct {
    long n, m; /**< sizes of X and Y */
    int d;
    /** [d] each, in one allocation owned by the struct (twosample_result_free) */
    double *mean_run, *mean_ref, *sd_run, *sd_ref, *mean_error, *sd_ratio, *w1, *spike_run,
        *spike_ref, *corr_error;
    double stat[TS_N_STATS];  /**< the headline statistics */
    double floor[TS_N_STATS]; /**< their expected value for two iid samples of sizes n, m */
    double limit[TS_N_STATS]; /**< floor + TWOSAMPLE_LIMIT_SDS sd (NaN: no floor) */
    int where[TS_N_STATS];    /**< 0-based coordinate of the max (TS_CORR: k of the pair), -1 */
    int corr_l;               /**< the pair's other coordinate (TS_CORR), -1 */
    double sd_ratio_min, sd_ratio_max;
    long energy_n, energy_m;  /**< rows used in the energy distance */
    int n_splits;             /**< half-splits behind the floors (0: reference too small) */
    int n_constant;           /**< reference columns that are constant (absolute units) */
    double self_w1, self_limit; /**< reference self-check: first vs second half max W1 and its
                                     noise limit (NaN without splits) */
    int agrees;               /**< every computed statistic <= its limit (0 without floors) */
} twosample_result;

/**
 * W1 distance of two sorted samples a[n], b[m] (ascending, n, m >= 1): the integral over
 * (0, 1) of |A^-1(u) - B^-1(u)| for their empirical quantile functions. O(n + m). Pure.
 */
double twosample_w1_sorted(const double *a, long n, const double *b, long m);

/**
 * W2^2 of two sorted samples a[n], b[m]: the integral over (0, 1) of |A^-1(u) - B^-1(u)|^2, the
 * same walk as twosample_w1_sorted (for n = m the sorted matching (1/n) sum_i (a_i - b_i)^2).
 * Pure.
 */
double twosample_w2sq_sorted(const double *a, long n, const double *b, long m);

/**
 * Sum of the Euclidean distances |u_i - v_j| of rows u [n][d], v [m][d] over all (i, j); when v
 * is the same pointer as u, over the pairs i < j only. Pure (the energy distance's kernel).
 */
double twosample_pair_sum(const double *u, long n, const double *v, long m, int d);

/**
 * The energy distance from its sums: 2 sxy / (n m) - sxx / n^2 - syy / m^2 (sxx, syy over ordered
 * pairs), clamped at 0 (a squared MMD: >= 0 in exact arithmetic). Pure.
 */
double twosample_energy_value(double sxy, long n, double sxx_ordered, double syy_ordered, long m);

/**
 * Energy distance (V-statistic, see the file comment) of the rows of x [n][d] and y [m][d]
 * (row-major), each coordinate divided by scale[k] (NULL: 1), over ALL rows (O((n + m)^2 d);
 * subsample first for large samples). 0 for identical samples. Pure.
 */
double twosample_energy(const double *x, long n, const double *y, long m, int d,
                        const double *scale);

/**
 * Sample correlation matrix corr [d][d] of the rows of x [n][d] (n >= 2): centred cross
 * products (BLAS dsyrk in blocks of rows); a constant column has correlation 0 with the others
 * and 1 with itself. @return 0, or -1 when out of memory. Pure (BLAS only).
 */
int twosample_correlation(const double *x, long n, int d, double *corr);

/**
 * max_{k<l} |a[k][l] - b[k][l]| of two d x d matrices, with the pair in *k, *l (may be NULL;
 * -1 when d < 2, then 0 is returned). Pure.
 */
double twosample_corr_error(const double *a, const double *b, int d, int *k, int *l);

/**
 * Row j of an evenly spaced subsample of k = min(n, max_rows) rows out of n: floor(j n / k).
 */
long twosample_subsample_row(long n, long max_rows, long j);

/**
 * Prepare a reference sample y [m][d] (row-major; m >= 2, d >= 1): copies and sorts the
 * columns, computes moments, correlations, the energy subsample and the half-splits (m >=
 * TWOSAMPLE_MIN_REF_SPLIT; otherwise no floors). y is not kept. O(m d log m + S m d + S m_c d^2
 * + S k^2 d), S = TWOSAMPLE_SPLITS. @return the reference (destroy with twosample_ref_destroy),
 * or NULL when out of memory or m < 2.
 */
twosample_ref *twosample_ref_create(const double *y, long m, int d);

/** Free a reference; accepts NULL. */
void twosample_ref_destroy(twosample_ref *ref);

/** Rows m and dimension d of a reference. */
long twosample_ref_rows(const twosample_ref *ref);
int twosample_ref_dim(const twosample_ref *ref);

/**
 * Compare x [n][d] (n >= 2, d the reference's) with the reference: every field of *res (its
 * arrays allocated here: release with twosample_result_free). @return 0, or -1 when out of
 * memory or the sizes are wrong (then nothing is left to free).
 */
int twosample_compare(const twosample_ref *ref, const double *x, long n, twosample_result *res);

/** Free the arrays of a result and zero it; accepts NULL. */
void twosample_result_free(twosample_result *res);

/** The short name of a headline statistic ("max |mean error|", "W1 max", ...). */
const char *twosample_stat_name(twosample_stat s);

#endif /* RWPO_TWOSAMPLE_H */
