/**
 * @file twosample.c
 * @brief Two-sample statistics and their noise floors (see twosample.h for the definitions).
 *
 * The reference is prepared once (twosample_ref_create): its columns sorted, its moments and
 * correlation matrix, the standardised energy subsample with the sum of its pair distances, and
 * the statistics of TWOSAMPLE_SPLITS random half-splits. A split is one bit of a 32-bit mask per
 * reference row, drawn from rng_uniform (Philox) with a fixed seed and the row index as the
 * particle id: the halves are reproducible and independent of everything but the row count.
 * Comparing a sample then costs O(n d log n + n d^2 + k^2 d) (k <= TWOSAMPLE_ENERGY_MAX).
 */
#include "rwpo/core/twosample.h"

#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rwpo/base/rng.h"

#define SPLIT_SEED 0x72777063ULL /* "rwpc": the halves of every reference */
#define ROW_BLOCK 256            /* rows per dsyrk */

_Static_assert(TWOSAMPLE_SPLITS <= 32, "one bit of a 32-bit mask per split");

struct twosample_ref {
    long m;
    int d;
    double *mean, *sd, *scale, *spike; /* [d] */
    double *sorted;                    /* [d][m]: column k ascending */
    double *corr;                      /* [d][d], NULL when not computed */
    long me;                           /* rows of the energy subsample */
    double *ye;                        /* [me][d] rows divided by scale */
    double eyy;                        /* sum over ordered pairs of |y_i - y_j| (subsample) */
    int n_splits;                      /* splits with both halves >= 2 rows */
    long a[TWOSAMPLE_SPLITS], b[TWOSAMPLE_SPLITS];   /* half sizes (all rows) */
    long ac[TWOSAMPLE_SPLITS], bc[TWOSAMPLE_SPLITS]; /* ... of the correlation rows */
    long ae[TWOSAMPLE_SPLITS], be[TWOSAMPLE_SPLITS]; /* ... of the energy subsample */
    double split[TWOSAMPLE_SPLITS][TS_N_STATS];     /* statistic of split r (NaN: none) */
    double self_w1;                    /* first half vs second half: max_k W1 / scale */
};

/* ---- building blocks ------------------------------------------------------------------------ */

/* int_0^1 |A^-1(u) - B^-1(u)|^p du, p = 1 or 2, of two sorted samples. */
static double wp_sorted(const double *a, long n, const double *b, long m, int p)
{
    /* Walk the merged steps of the two quantile functions: on (u, u') both are constant,
     * a[i] on ((i)/n, (i+1)/n], b[j] on (j/m, (j+1)/m]. Steps are compared exactly in integers. */
    double sum = 0.0, u = 0.0;
    long i = 0, j = 0;
    while (i < n && j < m) {
        const long long ea = (long long)(i + 1) * m, eb = (long long)(j + 1) * n; /* x n m */
        const double next = ea <= eb ? (double)(i + 1) / (double)n : (double)(j + 1) / (double)m;
        const double t = fabs(a[i] - b[j]);
        sum += (p == 2 ? t * t : t) * (next - u);
        u = next;
        if (ea <= eb)
            i++;
        if (eb <= ea)
            j++;
    }
    return sum;
}

double twosample_w1_sorted(const double *a, long n, const double *b, long m)
{
    return wp_sorted(a, n, b, m, 1);
}

double twosample_w2sq_sorted(const double *a, long n, const double *b, long m)
{
    return wp_sorted(a, n, b, m, 2);
}

long twosample_subsample_row(long n, long max_rows, long j)
{
    const long k = n < max_rows ? n : max_rows;
    return (long)((long long)j * n / k); /* j < k <= max_rows: no overflow */
}

/* Euclidean distance of two rows of d coordinates. */
static inline double distance(const double *a, const double *b, int d)
{
    double q = 0.0;
    for (int k = 0; k < d; k++)
        q += (a[k] - b[k]) * (a[k] - b[k]);
    return sqrt(q);
}

/* Sum of |u_i - v_j| over all (i, j); when v is u, over the pairs i < j only. */
static double pair_sum(const double *u, long n, const double *v, long m, int d)
{
    double s = 0.0;
    for (long i = 0; i < n; i++) {
        const double *ui = u + (size_t)i * (size_t)d;
        double si = 0.0;
        for (long j = v == u ? i + 1 : 0; j < m; j++)
            si += distance(ui, v + (size_t)j * (size_t)d, d);
        s += si;
    }
    return s;
}

/* Rows of x (all, or the evenly spaced subsample of at most max_rows) divided by scale, into a
 * new array; *k gets the row count. NULL when out of memory. */
static double *standardised_rows(const double *x, long n, int d, const double *scale,
                                 long max_rows, long *k)
{
    *k = n < max_rows ? n : max_rows;
    double *u = malloc((size_t)*k * (size_t)d * sizeof *u);
    if (!u)
        return NULL;
    for (long j = 0; j < *k; j++) {
        const double *xi = x + (size_t)twosample_subsample_row(n, max_rows, j) * (size_t)d;
        for (int c = 0; c < d; c++)
            u[(size_t)j * (size_t)d + c] = xi[c] / (scale ? scale[c] : 1.0);
    }
    return u;
}

static double energy_value(double sxy, long n, double sxx_ordered, double syy_ordered, long m)
{
    const double e = 2.0 * sxy / ((double)n * (double)m) - sxx_ordered / ((double)n * (double)n) -
                     syy_ordered / ((double)m * (double)m);
    return e > 0.0 ? e : 0.0; /* >= 0 in exact arithmetic (a squared MMD) */
}

double twosample_pair_sum(const double *u, long n, const double *v, long m, int d)
{
    return pair_sum(u, n, v, m, d);
}

double twosample_energy_value(double sxy, long n, double sxx_ordered, double syy_ordered, long m)
{
    return energy_value(sxy, n, sxx_ordered, syy_ordered, m);
}

double twosample_energy(const double *x, long n, const double *y, long m, int d,
                        const double *scale)
{
    long kx, ky;
    double *u = standardised_rows(x, n, d, scale, n, &kx);
    double *v = standardised_rows(y, m, d, scale, m, &ky);
    double e = NAN;
    if (u && v)
        e = energy_value(pair_sum(u, n, v, m, d), n, 2.0 * pair_sum(u, n, u, n, d),
                         2.0 * pair_sum(v, m, v, m, d), m);
    free(u);
    free(v);
    return e;
}

/* Correlations from centred moments: S [d][d] (upper triangle, k <= l, read), s [d] the sums
 * of the centred rows, n rows. A constant column correlates 0 with the others. */
static void corr_from_moments(const double *S, const double *s, long n, int d, double *out)
{
    for (int k = 0; k < d; k++)
        for (int l = k; l < d; l++) {
            const double c = S[(size_t)k * (size_t)d + l] - s[k] * s[l] / (double)n;
            out[(size_t)k * (size_t)d + l] = c; /* covariance x (n - 1), for now */
        }
    for (int k = 0; k < d; k++)
        for (int l = k + 1; l < d; l++) {
            const double vk = out[(size_t)k * (size_t)d + k], vl = out[(size_t)l * (size_t)d + l];
            const double r = vk > 0.0 && vl > 0.0 ? out[(size_t)k * (size_t)d + l] / sqrt(vk * vl)
                                                  : 0.0;
            out[(size_t)k * (size_t)d + l] = out[(size_t)l * (size_t)d + k] = r;
        }
    for (int k = 0; k < d; k++)
        out[(size_t)k * (size_t)d + k] = 1.0;
}

/* S += sum over the rows i of x (row indices rows[0..nr), or 0..nr-1 when rows is NULL) with
 * keep(i) of (x_i - c)(x_i - c)^T (upper triangle) and s += x_i - c, by dsyrk on blocks. */
static void accumulate_moments(const double *x, int d, const long *rows, long nr,
                               const uint32_t *mask, uint32_t bit, const double *c, double *buf,
                               double *S, double *s)
{
    long nb = 0;
    for (long t = 0; t <= nr; t++) {
        if (t < nr) {
            const long i = rows ? rows[t] : t;
            if (mask && !(mask[i] & bit))
                continue;
            const double *xi = x + (size_t)i * (size_t)d;
            double *bi = buf + (size_t)nb * (size_t)d;
            for (int k = 0; k < d; k++) {
                bi[k] = xi[k] - c[k];
                s[k] += bi[k];
            }
            nb++;
        }
        if (nb == ROW_BLOCK || (t == nr && nb > 0)) {
            cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, d, (int)nb, 1.0, buf, d, 1.0, S, d);
            nb = 0;
        }
    }
}

int twosample_correlation(const double *x, long n, int d, double *corr)
{
    double *S = calloc((size_t)d * (size_t)d, sizeof *S), *s = calloc((size_t)d, sizeof *s);
    double *c = calloc((size_t)d, sizeof *c);
    double *buf = malloc((size_t)ROW_BLOCK * (size_t)d * sizeof *buf);
    int rc = -1;
    if (S && s && c && buf) {
        for (long i = 0; i < n; i++)
            for (int k = 0; k < d; k++)
                c[k] += x[(size_t)i * (size_t)d + k] / (double)n;
        accumulate_moments(x, d, NULL, n, NULL, 0, c, buf, S, s);
        corr_from_moments(S, s, n, d, corr);
        rc = 0;
    }
    free(S);
    free(s);
    free(c);
    free(buf);
    return rc;
}

double twosample_corr_error(const double *a, const double *b, int d, int *k, int *l)
{
    double worst = 0.0;
    int wk = -1, wl = -1;
    for (int i = 0; i < d; i++)
        for (int j = i + 1; j < d; j++) {
            const double e = fabs(a[(size_t)i * (size_t)d + j] - b[(size_t)i * (size_t)d + j]);
            if (wk < 0 || e > worst) {
                worst = e;
                wk = i;
                wl = j;
            }
        }
    if (k)
        *k = wk;
    if (l)
        *l = wl;
    return worst;
}

/* ---- the reference -------------------------------------------------------------------------- */

typedef struct {
    double v;
    long row;
} valrow;

static int cmp_valrow(const void *p, const void *q)
{
    const valrow *a = p, *b = q;
    if (a->v != b->v)
        return a->v < b->v ? -1 : 1;
    return (a->row > b->row) - (a->row < b->row);
}

static int cmp_double(const void *p, const void *q)
{
    const double a = *(const double *)p, b = *(const double *)q;
    return (a > b) - (a < b);
}

/* Mean and sample sd (n - 1) of column k of x [n][d]. */
static void column_moments(const double *x, long n, int d, int k, double *mean, double *sd)
{
    double s = 0.0;
    for (long i = 0; i < n; i++)
        s += x[(size_t)i * (size_t)d + k];
    const double mu = s / (double)n;
    double q = 0.0;
    for (long i = 0; i < n; i++) {
        const double e = x[(size_t)i * (size_t)d + k] - mu;
        q += e * e;
    }
    *mean = mu;
    *sd = n > 1 ? sqrt(q / (double)(n - 1)) : 0.0;
}

/* Mean error, log sd ratio and W1 statistics of every split, and the self-check, column by
 * column (one sort of (value, row) pairs per column). */
static int ref_columns(twosample_ref *r, const double *y, const uint32_t *mask)
{
    const long m = r->m;
    const int d = r->d, S = TWOSAMPLE_SPLITS;
    valrow *vr = malloc((size_t)m * sizeof *vr);
    double *ha = malloc((size_t)m * sizeof *ha), *hb = malloc((size_t)m * sizeof *hb);
    double *sa = calloc((size_t)S * 2, sizeof *sa); /* per split: sum and sum of squares in A */
    if (!vr || !ha || !hb || !sa) {
        free(vr);
        free(ha);
        free(hb);
        free(sa);
        return -1;
    }
    const long h1 = m / 2;
    r->self_w1 = 0.0;
    for (int k = 0; k < d; k++) {
        const double mu = r->mean[k], sc = r->scale[k];
        double q_all = 0.0;
        long near0 = 0;
        memset(sa, 0, (size_t)S * 2 * sizeof *sa);
        for (long i = 0; i < m; i++) {
            const double v = y[(size_t)i * (size_t)d + k], c = v - mu;
            vr[i].v = v;
            vr[i].row = i;
            q_all += c * c;
            near0 += fabs(v) < TWOSAMPLE_SPIKE * sc;
            for (uint32_t bits = mask ? mask[i] : 0; bits; bits &= bits - 1) {
                const int s = __builtin_ctz(bits);
                sa[2 * s] += c;
                sa[2 * s + 1] += c * c;
            }
        }
        r->spike[k] = (double)near0 / (double)m;
        qsort(vr, (size_t)m, sizeof *vr, cmp_valrow);
        double *col = r->sorted + (size_t)k * (size_t)m;
        for (long i = 0; i < m; i++)
            col[i] = vr[i].v;
        /* self-check: rows [0, h1) against [h1, m) */
        long na = 0, nb = 0;
        for (long i = 0; i < m; i++) {
            if (vr[i].row < h1)
                ha[na++] = vr[i].v;
            else
                hb[nb++] = vr[i].v;
        }
        if (na > 0 && nb > 0)
            r->self_w1 = fmax(r->self_w1, twosample_w1_sorted(ha, na, hb, nb) / sc);
        if (!mask)
            continue;
        double s_all = 0.0; /* sum of the centred column: ~0, kept for exactness */
        for (long i = 0; i < m; i++)
            s_all += y[(size_t)i * (size_t)d + k] - mu;
        for (int s = 0; s < S; s++) {
            const long a = r->a[s], b = r->b[s];
            if (a < 2 || b < 2)
                continue;
            na = nb = 0;
            const uint32_t bit = 1u << s;
            for (long i = 0; i < m; i++) { /* branch-free: the halves are random */
                const long in_a = (mask[vr[i].row] & bit) != 0;
                ha[na] = hb[nb] = vr[i].v;
                na += in_a;
                nb += 1 - in_a;
            }
            const double w = twosample_w1_sorted(ha, na, hb, nb) / sc;
            const double s_a = sa[2 * s], q_a = sa[2 * s + 1];
            const double s_b = s_all - s_a, q_b = q_all - q_a;
            const double mean_err = fabs(s_a / (double)a - s_b / (double)b) / sc;
            const double var_a = (q_a - s_a * s_a / (double)a) / (double)(a - 1);
            const double var_b = (q_b - s_b * s_b / (double)b) / (double)(b - 1);
            const double lsd = var_a > 0.0 && var_b > 0.0 ? fabs(0.5 * log(var_a / var_b)) : 0.0;
            double *st = r->split[s];
            st[TS_MEAN_ERROR] = fmax(st[TS_MEAN_ERROR], mean_err);
            st[TS_LOG_SD] = fmax(st[TS_LOG_SD], lsd);
            st[TS_W1_MAX] = fmax(st[TS_W1_MAX], w);
            st[TS_W1_MEAN] += w / d;
        }
    }
    free(vr);
    free(ha);
    free(hb);
    free(sa);
    return 0;
}

/* Correlation matrix of the reference (all rows) and the correlation error of every split (on
 * at most TWOSAMPLE_CORR_SPLIT_ROWS evenly spaced rows). */
static int ref_correlations(twosample_ref *r, const double *y, const uint32_t *mask)
{
    const int d = r->d, S = TWOSAMPLE_SPLITS;
    const size_t dd = (size_t)d * (size_t)d;
    r->corr = malloc(dd * sizeof *r->corr);
    if (!r->corr || twosample_correlation(y, r->m, d, r->corr) != 0)
        return -1;
    if (!mask)
        return 0;
    const long nc = r->m < TWOSAMPLE_CORR_SPLIT_ROWS ? r->m : TWOSAMPLE_CORR_SPLIT_ROWS;
    long *rows = malloc((size_t)nc * sizeof *rows);
    double *ST = calloc(dd, sizeof *ST), *sT = calloc((size_t)d, sizeof *sT);
    double *SA = malloc(dd * sizeof *SA), *sA = malloc((size_t)d * sizeof *sA);
    double *SB = malloc(dd * sizeof *SB), *sB = malloc((size_t)d * sizeof *sB);
    double *rA = malloc(dd * sizeof *rA), *rB = malloc(dd * sizeof *rB);
    double *buf = malloc((size_t)ROW_BLOCK * (size_t)d * sizeof *buf);
    int rc = -1;
    if (!rows || !ST || !sT || !SA || !sA || !SB || !sB || !rA || !rB || !buf)
        goto out;
    for (long j = 0; j < nc; j++)
        rows[j] = twosample_subsample_row(r->m, TWOSAMPLE_CORR_SPLIT_ROWS, j);
    accumulate_moments(y, d, rows, nc, NULL, 0, r->mean, buf, ST, sT);
    for (int s = 0; s < S; s++) {
        long a = 0;
        for (long j = 0; j < nc; j++)
            a += (mask[rows[j]] >> s) & 1u;
        r->ac[s] = a;
        r->bc[s] = nc - a;
        if (a < 2 || nc - a < 2)
            continue;
        memset(SA, 0, dd * sizeof *SA);
        memset(sA, 0, (size_t)d * sizeof *sA);
        accumulate_moments(y, d, rows, nc, mask, 1u << s, r->mean, buf, SA, sA);
        for (size_t t = 0; t < dd; t++)
            SB[t] = ST[t] - SA[t];
        for (int k = 0; k < d; k++)
            sB[k] = sT[k] - sA[k];
        corr_from_moments(SA, sA, a, d, rA);
        corr_from_moments(SB, sB, nc - a, d, rB);
        r->split[s][TS_CORR] = twosample_corr_error(rA, rB, d, NULL, NULL);
    }
    rc = 0;
out:
    free(rows);
    free(ST);
    free(sT);
    free(SA);
    free(sA);
    free(SB);
    free(sB);
    free(rA);
    free(rB);
    free(buf);
    return rc;
}

/* The energy subsample of the reference, its pair sum, and the energy distance of every split
 * (pairs classified by the two rows' split bits: both in A, both in B, or across). */
static int ref_energy(twosample_ref *r, const double *y, const uint32_t *mask)
{
    const int d = r->d, S = TWOSAMPLE_SPLITS;
    r->ye = standardised_rows(y, r->m, d, r->scale, TWOSAMPLE_ENERGY_MAX, &r->me);
    if (!r->ye)
        return -1;
    const long me = r->me;
    double aa[TWOSAMPLE_SPLITS] = {0}, bb[TWOSAMPLE_SPLITS] = {0}, ab[TWOSAMPLE_SPLITS] = {0};
    double total = 0.0;
    for (long i = 0; i < me; i++) {
        const double *ui = r->ye + (size_t)i * (size_t)d;
        const uint32_t mi = mask ? mask[twosample_subsample_row(r->m, TWOSAMPLE_ENERGY_MAX, i)]
                                 : 0;
        for (long j = i + 1; j < me; j++) {
            const double dist = distance(ui, r->ye + (size_t)j * (size_t)d, d);
            total += dist;
            if (!mask)
                continue;
            const uint32_t mj = mask[twosample_subsample_row(r->m, TWOSAMPLE_ENERGY_MAX, j)];
            for (uint32_t x = mi & mj; x; x &= x - 1)
                aa[__builtin_ctz(x)] += dist;
            for (uint32_t x = ~mi & ~mj; x; x &= x - 1)
                bb[__builtin_ctz(x)] += dist;
            for (uint32_t x = mi ^ mj; x; x &= x - 1)
                ab[__builtin_ctz(x)] += dist;
        }
    }
    r->eyy = 2.0 * total;
    for (int s = 0; mask && s < S; s++) {
        long a = 0;
        for (long j = 0; j < me; j++)
            a += (mask[twosample_subsample_row(r->m, TWOSAMPLE_ENERGY_MAX, j)] >> s) & 1u;
        r->ae[s] = a;
        r->be[s] = me - a;
        if (a >= 2 && me - a >= 2)
            r->split[s][TS_ENERGY] = energy_value(ab[s], a, 2.0 * aa[s], 2.0 * bb[s], me - a);
    }
    return 0;
}

twosample_ref *twosample_ref_create(const double *y, long m, int d)
{
    if (!y || m < 2 || d < 1)
        return NULL;
    twosample_ref *r = calloc(1, sizeof *r);
    uint32_t *mask = NULL;
    if (!r)
        return NULL;
    r->m = m;
    r->d = d;
    r->mean = malloc((size_t)d * sizeof *r->mean);
    r->sd = malloc((size_t)d * sizeof *r->sd);
    r->scale = malloc((size_t)d * sizeof *r->scale);
    r->spike = malloc((size_t)d * sizeof *r->spike);
    r->sorted = malloc((size_t)d * (size_t)m * sizeof *r->sorted);
    if (!r->mean || !r->sd || !r->scale || !r->spike || !r->sorted)
        goto fail;
    for (int k = 0; k < d; k++) {
        column_moments(y, m, d, k, &r->mean[k], &r->sd[k]);
        r->scale[k] = r->sd[k] > 0.0 ? r->sd[k] : 1.0;
    }
    for (int s = 0; s < TWOSAMPLE_SPLITS; s++)
        for (int t = 0; t < TS_N_STATS; t++)
            r->split[s][t] = t == TS_CORR || t == TS_ENERGY ? NAN : 0.0;
    if (m >= TWOSAMPLE_MIN_REF_SPLIT) {
        if (!(mask = malloc((size_t)m * sizeof *mask)))
            goto fail;
        for (long i = 0; i < m; i++)
            mask[i] = (uint32_t)(rng_uniform(SPLIT_SEED, 0, 0, (uint64_t)i, 0) * 4294967296.0);
        for (int s = 0; s < TWOSAMPLE_SPLITS; s++) {
            long a = 0;
            for (long i = 0; i < m; i++)
                a += (mask[i] >> s) & 1u;
            r->a[s] = a;
            r->b[s] = m - a;
            r->n_splits += a >= 2 && m - a >= 2;
        }
    }
    if (ref_columns(r, y, mask) != 0)
        goto fail;
    if (d >= 2 && d <= TWOSAMPLE_CORR_MAX_D && ref_correlations(r, y, mask) != 0)
        goto fail;
    if (ref_energy(r, y, mask) != 0)
        goto fail;
    free(mask);
    return r;
fail:
    free(mask);
    twosample_ref_destroy(r);
    return NULL;
}

void twosample_ref_destroy(twosample_ref *r)
{
    if (!r)
        return;
    free(r->mean);
    free(r->sd);
    free(r->scale);
    free(r->spike);
    free(r->sorted);
    free(r->corr);
    free(r->ye);
    free(r);
}

long twosample_ref_rows(const twosample_ref *r)
{
    return r ? r->m : 0;
}

int twosample_ref_dim(const twosample_ref *r)
{
    return r ? r->d : 0;
}

/* ---- the comparison ------------------------------------------------------------------------- */

void twosample_result_free(twosample_result *res)
{
    if (!res)
        return;
    free(res->mean_run);
    memset(res, 0, sizeof *res);
}

const char *twosample_stat_name(twosample_stat s)
{
    static const char *const names[TS_N_STATS] = {
        "max |mean error|", "max |log sd ratio|", "W1 max", "W1 mean", "correlation error",
        "energy distance"};
    return s >= 0 && s < TS_N_STATS ? names[s] : "?";
}

/* Mean and floor + TWOSAMPLE_LIMIT_SDS sd over the splits of statistic t, each rescaled to the
 * sizes of the comparison. */
static void floor_of(const twosample_ref *r, int t, double n_run, double n_energy,
                     double *floor, double *limit)
{
    double v[TWOSAMPLE_SPLITS];
    int k = 0;
    for (int s = 0; s < TWOSAMPLE_SPLITS; s++) {
        const double x = r->split[s][t];
        long a = r->a[s], b = r->b[s];
        double target = 1.0 / n_run + 1.0 / (double)r->m;
        if (t == TS_CORR) {
            a = r->ac[s];
            b = r->bc[s];
        } else if (t == TS_ENERGY) {
            a = r->ae[s];
            b = r->be[s];
            target = 1.0 / n_energy + 1.0 / (double)r->me;
        }
        if (isnan(x) || a < 2 || b < 2)
            continue;
        const double ratio = target / (1.0 / (double)a + 1.0 / (double)b);
        v[k++] = x * (t == TS_ENERGY ? ratio : sqrt(ratio));
    }
    *floor = *limit = NAN;
    if (k < 2)
        return;
    double mu = 0.0, q = 0.0;
    for (int i = 0; i < k; i++)
        mu += v[i] / k;
    for (int i = 0; i < k; i++)
        q += (v[i] - mu) * (v[i] - mu);
    *floor = mu;
    *limit = mu + TWOSAMPLE_LIMIT_SDS * sqrt(q / (k - 1));
}

int twosample_compare(const twosample_ref *r, const double *x, long n, twosample_result *res)
{
    memset(res, 0, sizeof *res);
    if (!r || !x || n < 2)
        return -1;
    const int d = r->d;
    double *arrays = malloc((size_t)d * 10 * sizeof *arrays);
    double *col = malloc((size_t)n * sizeof *col);
    double *rx = NULL, *xe = NULL;
    if (!arrays || !col)
        goto fail;
    double **fields[] = {&res->mean_run, &res->mean_ref,  &res->sd_run,    &res->sd_ref,
                         &res->mean_error, &res->sd_ratio, &res->w1,      &res->spike_run,
                         &res->spike_ref, &res->corr_error};
    for (int f = 0; f < 10; f++)
        *fields[f] = arrays + (size_t)f * (size_t)d;
    res->n = n;
    res->m = r->m;
    res->d = d;
    for (int t = 0; t < TS_N_STATS; t++) {
        res->stat[t] = t == TS_CORR ? NAN : 0.0;
        res->where[t] = -1;
    }
    res->corr_l = -1;
    res->sd_ratio_min = INFINITY;
    res->sd_ratio_max = -INFINITY;
    for (int k = 0; k < d; k++) {
        const double sc = r->scale[k];
        res->n_constant += r->sd[k] == 0.0;
        column_moments(x, n, d, k, &res->mean_run[k], &res->sd_run[k]);
        res->mean_ref[k] = r->mean[k];
        res->sd_ref[k] = r->sd[k];
        res->mean_error[k] = (res->mean_run[k] - r->mean[k]) / sc;
        res->sd_ratio[k] = r->sd[k] > 0.0 ? res->sd_run[k] / r->sd[k]
                                          : (res->sd_run[k] > 0.0 ? INFINITY : 1.0);
        long near0 = 0;
        for (long i = 0; i < n; i++) {
            col[i] = x[(size_t)i * (size_t)d + k];
            near0 += fabs(col[i]) < TWOSAMPLE_SPIKE * sc;
        }
        res->spike_run[k] = (double)near0 / (double)n;
        res->spike_ref[k] = r->spike[k];
        qsort(col, (size_t)n, sizeof *col, cmp_double);
        res->w1[k] = twosample_w1_sorted(col, n, r->sorted + (size_t)k * (size_t)r->m, r->m) / sc;
        res->corr_error[k] = NAN;
        const double lsd = fabs(log(res->sd_ratio[k]));
        const double vals[3] = {fabs(res->mean_error[k]), lsd, res->w1[k]};
        const int ts[3] = {TS_MEAN_ERROR, TS_LOG_SD, TS_W1_MAX};
        for (int j = 0; j < 3; j++)
            if (res->where[ts[j]] < 0 || vals[j] > res->stat[ts[j]] || isnan(vals[j])) {
                res->stat[ts[j]] = vals[j];
                res->where[ts[j]] = k;
            }
        res->stat[TS_W1_MEAN] += res->w1[k] / d;
        res->sd_ratio_min = fmin(res->sd_ratio_min, res->sd_ratio[k]);
        res->sd_ratio_max = fmax(res->sd_ratio_max, res->sd_ratio[k]);
    }
    if (r->corr) {
        if (!(rx = malloc((size_t)d * (size_t)d * sizeof *rx)) ||
            twosample_correlation(x, n, d, rx) != 0)
            goto fail;
        res->stat[TS_CORR] = twosample_corr_error(rx, r->corr, d, &res->where[TS_CORR],
                                                  &res->corr_l);
        for (int k = 0; k < d; k++) {
            double w = 0.0;
            for (int l = 0; l < d; l++)
                if (l != k)
                    w = fmax(w, fabs(rx[(size_t)k * (size_t)d + l] -
                                     r->corr[(size_t)k * (size_t)d + l]));
            res->corr_error[k] = w;
        }
    }
    if (!(xe = standardised_rows(x, n, d, r->scale, TWOSAMPLE_ENERGY_MAX, &res->energy_n)))
        goto fail;
    res->energy_m = r->me;
    const long ne = res->energy_n;
    res->stat[TS_ENERGY] = energy_value(pair_sum(xe, ne, r->ye, r->me, d), ne,
                                        2.0 * pair_sum(xe, ne, xe, ne, d), r->eyy, r->me);
    res->n_splits = r->n_splits;
    res->agrees = r->n_splits > 0;
    for (int t = 0; t < TS_N_STATS; t++) {
        floor_of(r, t, (double)n, (double)res->energy_n, &res->floor[t], &res->limit[t]);
        if (!isnan(res->stat[t]) && !(res->stat[t] <= res->limit[t]))
            res->agrees = 0;
    }
    /* self-check: the random halves rescaled to the sizes of the first and second half */
    res->self_w1 = res->self_limit = NAN;
    if (r->n_splits > 0) {
        const long h1 = r->m / 2, h2 = r->m - h1;
        double v[TWOSAMPLE_SPLITS], mu = 0.0, q = 0.0;
        int k = 0;
        for (int s = 0; s < TWOSAMPLE_SPLITS; s++)
            if (r->a[s] >= 2 && r->b[s] >= 2)
                v[k++] = r->split[s][TS_W1_MAX] *
                         sqrt((1.0 / h1 + 1.0 / h2) / (1.0 / r->a[s] + 1.0 / r->b[s]));
        for (int i = 0; i < k; i++)
            mu += v[i] / k;
        for (int i = 0; i < k; i++)
            q += (v[i] - mu) * (v[i] - mu);
        res->self_w1 = r->self_w1;
        res->self_limit = k > 1 ? mu + TWOSAMPLE_LIMIT_SDS * sqrt(q / (k - 1)) : NAN;
    }
    free(col);
    free(rx);
    free(xe);
    return 0;
fail:
    free(arrays);
    free(col);
    free(rx);
    free(xe);
    memset(res, 0, sizeof *res);
    return -1;
}
