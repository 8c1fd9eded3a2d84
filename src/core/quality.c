/**
 * @file quality.c
 * @brief Sample-quality statistics against held-out samples, distributed (see quality.h).
 *
 * One ring cycle per call: the block of rank r is [X_r; Y_r; T_r] (particles, reference and
 * training rows, row-major); every rank folds each visiting block into the sums of its own
 * query rows (the particles, or at creation the reference rows): the distance sums through
 * twosample_pair_sum, the MMD kernel sums and the nearest distances in one pass over squared
 * distances. A query's own row (same owner, same index) is left out of the kernel sums and of
 * the nearest distances. The per-particle nearest distances and the projections are gathered by
 * a sum over zero-filled global arrays (exact), so every rank sorts the same numbers.
 */
#include "rwpo/core/quality.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rwpo/base/comm.h"
#include "rwpo/base/log.h"
#include "rwpo/base/rng.h"
#include "rwpo/core/particles.h"
#include "rwpo/core/ring.h"
#include "rwpo/core/twosample.h"

struct quality {
    int d, K, P, rank;
    long N, R, M;
    ring *ring;
    const double *ref, *train; /* the caller's blocks [ref_local][d], [train_local][d] */
    long ref_local, train_local, ref_offset;
    double *dirs;            /* [K][d] unit directions */
    double *proj_ref;        /* [K][R] sorted projections of the reference */
    double *proj;            /* [K][max(N, R)] projection scratch */
    double *wk;              /* [K] W2^2 per direction */
    double *nn;              /* [max(N, R)] nearest-distance scratch */
    double *min_ref, *min_train; /* [max(n_local, ref_local)] squared, per query row */
    double syy, kyy;         /* reference: sum_{ij} |y_i - y_j|, sum_{i != j} k(y_i, y_j) */
    double nn_self[2], nn_heldout[2]; /* reference quantiles (constant) */
    /* the pass in progress */
    const double *qx;        /* query rows */
    long nq;
    int self_part;           /* 0: the queries are the X part, 1: the Y part */
    int with_x;              /* blocks carry X rows */
    double sum[4];           /* |q - x|, |q - y|, k(q, x), k(q, y) */
};

static long shard(long n, int P, int r)
{
    long nl, off;
    particles_shard(n, P, r, &nl, &off);
    return nl;
}

static size_t block_count(void *ctx, int owner)
{
    const quality *q = ctx;
    return (size_t)((q->with_x ? shard(q->N, q->P, owner) : 0) + shard(q->R, q->P, owner) +
                    shard(q->M, q->P, owner)) *
           (size_t)q->d;
}

/* Kernel sum and smallest squared distance of row a against rows v [n][d], leaving out row
 * `skip` (-1: none). */
static void scan(const double *a, const double *v, long n, int d, long skip, double *ksum,
                 double *min2)
{
    double ks = 0.0, mn = *min2;
    for (long j = 0; j < n; j++) {
        if (j == skip)
            continue;
        const double *vj = v + j * d;
        double s = 0.0;
        for (int c = 0; c < d; c++)
            s += (a[c] - vj[c]) * (a[c] - vj[c]);
        ks += exp(-(s + QUALITY_MMD_EPS));
        mn = s < mn ? s : mn;
    }
    *ksum += ks;
    *min2 = mn;
}

static void visit(void *ctx, const double *block, int owner)
{
    quality *q = ctx;
    const int d = q->d, own = owner == q->rank;
    const long nx = q->with_x ? shard(q->N, q->P, owner) : 0, ny = shard(q->R, q->P, owner),
               nt = shard(q->M, q->P, owner);
    const double *X = block, *Y = block + nx * d, *T = Y + ny * d;
    if (nx)
        q->sum[0] += twosample_pair_sum(q->qx, q->nq, X, nx, d);
    q->sum[1] += twosample_pair_sum(q->qx, q->nq, Y, ny, d);
    for (long i = 0; i < q->nq; i++) {
        const double *a = q->qx + i * d;
        const long skip = own ? i : -1;
        double unused = INFINITY;
        if (nx)
            scan(a, X, nx, d, q->self_part == 0 ? skip : -1, &q->sum[2], &unused);
        scan(a, Y, ny, d, q->self_part == 1 ? skip : -1, &q->sum[3], &q->min_ref[i]);
        double k_unused = 0.0;
        if (nt)
            scan(a, T, nt, d, -1, &k_unused, &q->min_train[i]);
    }
}

/* One ring cycle with queries qx [nq][d]; the own block is filled from xloc (if with_x). */
static void pass(quality *q, const double *qx, long nq, int self_part, const double *xloc,
                 long n_local)
{
    q->qx = qx;
    q->nq = nq;
    q->self_part = self_part;
    q->with_x = xloc != NULL;
    memset(q->sum, 0, sizeof q->sum);
    for (long i = 0; i < nq; i++)
        q->min_ref[i] = q->min_train[i] = INFINITY;
    double *buf = ring_local_buffer(q->ring);
    const size_t d = (size_t)q->d;
    if (xloc && n_local)
        memcpy(buf, xloc, (size_t)n_local * d * sizeof(double));
    buf += xloc ? (size_t)n_local * d : 0;
    if (q->ref_local)
        memcpy(buf, q->ref, (size_t)q->ref_local * d * sizeof(double));
    if (q->train_local)
        memcpy(buf + (size_t)q->ref_local * d, q->train,
               (size_t)q->train_local * d * sizeof(double));
    ring_run(q->ring, visit, block_count, q);
    comm_sum_double(q->sum, 4);
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double quality_quantile(const double *a, long n, double p)
{
    if (n < 1)
        return NAN;
    const double pos = p * (double)(n - 1);
    long lo = (long)floor(pos);
    if (lo >= n - 1)
        return a[n - 1];
    const double t = pos - (double)lo;
    return a[lo] + t * (a[lo + 1] - a[lo]);
}

/* Quantiles 5% and 50% of the per-row distances sqrt(min2) of the n global rows (this rank's
 * nl rows at offset off), gathered into q->nn. */
static void gathered_quantiles(quality *q, const double *min2, long nl, long off, long n,
                               double out[2])
{
    memset(q->nn, 0, (size_t)n * sizeof(double));
    for (long i = 0; i < nl; i++)
        q->nn[off + i] = sqrt(min2[i]);
    comm_sum_double_on(comm_world(), q->nn, n);
    qsort(q->nn, (size_t)n, sizeof(double), cmp_double);
    out[0] = quality_quantile(q->nn, n, 0.05);
    out[1] = quality_quantile(q->nn, n, 0.5);
}

/* Projections of rows x [nl][d] (offset off of n) on every direction into q->proj [K][n],
 * summed over the ranks (zero-filled), then sorted per direction. */
static void projections(quality *q, const double *x, long nl, long off, long n)
{
    const int d = q->d;
    memset(q->proj, 0, (size_t)q->K * (size_t)n * sizeof(double));
    for (int k = 0; k < q->K; k++)
        for (long i = 0; i < nl; i++) {
            double s = 0.0;
            for (int c = 0; c < d; c++)
                s += x[i * d + c] * q->dirs[k * d + c];
            q->proj[(size_t)k * (size_t)n + (size_t)(off + i)] = s;
        }
    comm_sum_double_on(comm_world(), q->proj, (long)q->K * n);
    for (int k = 0; k < q->K; k++)
        if (k % q->P == q->rank)
            qsort(q->proj + (size_t)k * (size_t)n, (size_t)n, sizeof(double), cmp_double);
}

quality *quality_create(int d, long n_global, const double *ref, long ref_local, long ref_rows,
                        const double *train, long train_local, long train_rows, int n_dirs,
                        uint64_t seed, int overlap)
{
    quality *q = xcalloc(1, sizeof *q);
    q->d = d;
    q->K = n_dirs;
    q->P = comm_size();
    q->rank = comm_rank();
    q->N = n_global;
    q->R = ref_rows;
    q->M = train ? train_rows : 0;
    q->ref_local = ref_local;
    q->train_local = train ? train_local : 0;
    long rl, off;
    particles_shard(q->R, q->P, q->rank, &rl, &off);
    q->ref_offset = off;
    q->ref = ref;
    q->train = q->train_local ? train : NULL;
    size_t cap = 0;
    long max_rows = 0;
    for (int r = 0; r < q->P; r++) {
        const long nx = shard(q->N, q->P, r), ny = shard(q->R, q->P, r);
        const size_t c = (size_t)(nx + ny + shard(q->M, q->P, r)) * (size_t)d;
        cap = c > cap ? c : cap;
        max_rows = nx > max_rows ? nx : max_rows;
        max_rows = ny > max_rows ? ny : max_rows;
    }
    q->ring = ring_create(comm_world(), cap, overlap);
    const long big = q->N > q->R ? q->N : q->R;
    q->nn = xmalloc((size_t)big * sizeof(double));
    q->min_ref = xmalloc((size_t)(max_rows > 0 ? max_rows : 1) * sizeof(double));
    q->min_train = xmalloc((size_t)(max_rows > 0 ? max_rows : 1) * sizeof(double));
    q->dirs = xmalloc((size_t)q->K * (size_t)d * sizeof(double));
    for (int k = 0; k < q->K; k++) {
        double s = 0.0;
        for (int c = 0; c < d; c++) {
            q->dirs[k * d + c] = rng_normal(seed, RNG_STREAM_QUALITY, 0, (uint64_t)k, (uint32_t)c);
            s += q->dirs[k * d + c] * q->dirs[k * d + c];
        }
        for (int c = 0; c < d; c++)
            q->dirs[k * d + c] /= sqrt(s);
    }
    q->proj = xmalloc((size_t)q->K * (size_t)big * sizeof(double));
    q->wk = xmalloc((size_t)q->K * sizeof(double));
    q->proj_ref = xmalloc((size_t)q->K * (size_t)q->R * sizeof(double));
    /* the reference's constant terms: its pair sums, its own spacing, its distance to T */
    pass(q, q->ref, q->ref_local, 1, NULL, 0);
    q->syy = q->sum[1];
    q->kyy = q->sum[3];
    gathered_quantiles(q, q->min_ref, q->ref_local, q->ref_offset, q->R, q->nn_self);
    q->nn_heldout[0] = q->nn_heldout[1] = NAN;
    if (q->M)
        gathered_quantiles(q, q->min_train, q->ref_local, q->ref_offset, q->R, q->nn_heldout);
    projections(q, q->ref, q->ref_local, q->ref_offset, q->R);
    /* every rank keeps all sorted reference projections: sum the ones each rank sorted */
    for (int k = 0; k < q->K; k++)
        if (k % q->P != q->rank)
            memset(q->proj + (size_t)k * (size_t)q->R, 0, (size_t)q->R * sizeof(double));
    comm_sum_double_on(comm_world(), q->proj, (long)q->K * q->R);
    memcpy(q->proj_ref, q->proj, (size_t)q->K * (size_t)q->R * sizeof(double));
    return q;
}

void quality_destroy(quality *q)
{
    if (!q)
        return;
    ring_destroy(q->ring);
    free(q->dirs);
    free(q->proj);
    free(q->proj_ref);
    free(q->wk);
    free(q->nn);
    free(q->min_ref);
    free(q->min_train);
    free(q);
}

const double *quality_direction(const quality *q, int k)
{
    return q->dirs + (size_t)k * (size_t)q->d;
}

void quality_compute(quality *q, const double *x, long n_local, quality_values *out)
{
    long nl, off;
    particles_shard(q->N, q->P, q->rank, &nl, &off);
    pass(q, x, n_local, 0, x, n_local);
    const double N = (double)q->N, R = (double)q->R;
    out->energy = twosample_energy_value(q->sum[1], q->N, q->sum[0], q->syy, q->R);
    out->mmd = q->N > 1 ? q->sum[2] / (N * (N - 1.0)) + q->kyy / (R * (R - 1.0)) -
                              2.0 * q->sum[3] / (N * R)
                        : NAN;
    gathered_quantiles(q, q->min_ref, n_local, off, q->N, out->nn_reference);
    out->nn_reference[2] = q->nn_self[0];
    out->nn_reference[3] = q->nn_self[1];
    if (q->M) {
        gathered_quantiles(q, q->min_train, n_local, off, q->N, out->nn_training);
        out->nn_training[2] = q->nn_heldout[0];
        out->nn_training[3] = q->nn_heldout[1];
    } else {
        for (int i = 0; i < 4; i++)
            out->nn_training[i] = NAN;
    }
    /* the slices: every rank sorts and matches the directions k = rank mod P */
    projections(q, x, n_local, off, q->N);
    double *wk = q->wk;
    memset(wk, 0, (size_t)q->K * sizeof(double));
    for (int k = 0; k < q->K; k++)
        if (k % q->P == q->rank)
            wk[k] = twosample_w2sq_sorted(q->proj + (size_t)k * (size_t)q->N, q->N,
                                          q->proj_ref + (size_t)k * (size_t)q->R, q->R);
    comm_sum_double_on(comm_world(), wk, q->K);
    double w2 = 0.0;
    for (int k = 0; k < q->K; k++)
        w2 += wk[k];
    out->sliced_w2 = sqrt(w2 / (double)q->K);
}

void quality_count_zeros(const double *x, long n, int d, double t, double c[4])
{
    for (long i = 0; i < n * d; i++) {
        const double a = fabs(x[i]);
        c[0] += a == 0.0;
        c[1] += a < 1e-2;
        c[2] += a < 5e-2;
        c[3] += a <= t;
    }
}
