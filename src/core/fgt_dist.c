/**
 * @file fgt_dist.c
 * @brief The distributed fast Gauss transform of the coordinatewise attention (see fgt_dist.h).
 *
 * Boxes are numbered globally per coordinate (box b = floor(y/w)); the occupied ones, the same
 * list on every rank after the OR all-reduce, are stored compactly: coordinate k's boxes are
 * box[off[k] .. off[k+1]) in increasing order, with their scales L and moments mom. Each
 * coordinate's own rows are counting-sorted by box (once for the moments, again for the
 * evaluation: O(n_local) and cheaper than keeping the permutation of every coordinate).
 */
#include "rwpo/core/fgt_dist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rwpo/base/comm.h"
#include "rwpo/base/log.h"
#include "rwpo/core/fgt.h"

struct fgt_dist {
    long n_local, dim;
    double *lq;                /**< [n_local * dim] key weights lq(y) */
    double *ys, *lqs, *out;    /**< [n_local], [n_local], [FGT_OUT * n_local]: one coordinate */
    long *perm;                /**< [n_local]: sorted position -> own row */
    long *off, *bmin, *words;  /**< [dim + 1], [dim], [dim + 1] */
    size_t cap_box, cap_mom, cap_bits, cap_map, cap_flag;
    long *box, *start;         /**< [cap_box]: occupied boxes; [cap_box + 1] per-box starts */
    double *L, *mom;           /**< [cap_box] scales; [cap_mom] moments */
    unsigned long long *bits;  /**< [cap_bits] occupancy */
    long *map;                 /**< [cap_map]: box - bmin -> compact index (one coordinate) */
    long *flag;                /**< [2 cap_flag]: (row, coordinate) of the rows summed directly */
    double *range;             /**< [2 dim + 1]: max y, max -y per coordinate; a non-finite flag */
    fgt_dist_stats last;
};

/* Grow *p to hold n elements of size sz (contents kept). */
static void grow(void **p, size_t *cap, size_t n, size_t sz)
{
    if (n <= *cap)
        return;
    size_t c = n + n / 4 + 16;
    void *q = realloc(*p, c * sz);
    if (!q)
        RWPO_FATAL("fgt: out of memory (%zu bytes)", c * sz);
    *p = q;
    *cap = c;
}

fgt_dist *fgt_dist_create(long n_local, long dim)
{
    fgt_dist *s = xcalloc(1, sizeof *s);
    s->n_local = n_local;
    s->dim = dim;
    const size_t nl = (size_t)(n_local > 0 ? n_local : 1);
    s->lq = xmalloc(nl * (size_t)dim * sizeof(double));
    s->ys = xmalloc(nl * sizeof(double));
    s->lqs = xmalloc(nl * sizeof(double));
    s->out = xmalloc(FGT_OUT * nl * sizeof(double));
    s->perm = xmalloc(nl * sizeof(long));
    s->off = xcalloc((size_t)dim + 1, sizeof(long));
    s->bmin = xcalloc((size_t)dim, sizeof(long));
    s->words = xcalloc((size_t)dim + 1, sizeof(long));
    s->range = xcalloc((size_t)(2 * dim + 1), sizeof(double));
    s->last = (fgt_dist_stats){0, NAN, 0};
    return s;
}

void fgt_dist_destroy(fgt_dist *s)
{
    if (!s)
        return;
    free(s->range);
    free(s->flag);
    free(s->map);
    free(s->bits);
    free(s->mom);
    free(s->L);
    free(s->start);
    free(s->box);
    free(s->words);
    free(s->bmin);
    free(s->off);
    free(s->perm);
    free(s->out);
    free(s->lqs);
    free(s->ys);
    free(s->lq);
    free(s);
}

fgt_dist_stats fgt_dist_last(const fgt_dist *s) { return s->last; }

double fgt_dist_bytes(long n_local, long dim)
{
    /* lq, the per-coordinate scratch, and a grid of ~128 boxes per coordinate */
    return 8.0 * ((double)n_local * ((double)dim + 3.0 + FGT_OUT) +
                  128.0 * (double)dim * (4.0 * FGT_TERMS + 4.0));
}

/* Compact index of global box b among coordinate k's boxes (it is occupied). */
static long find_box(const fgt_dist *s, long k, long b)
{
    long lo = s->off[k], hi = s->off[k + 1] - 1;
    while (lo < hi) {
        const long mid = lo + (hi - lo) / 2;
        if (s->box[mid] < b)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo - s->off[k];
}

/* Coordinate k's own rows sorted by box into ys, lqs, perm, with start[c] the first of box c. */
static void sort_coordinate(fgt_dist *s, const fgt_params *f, long k, const double *y)
{
    const long nl = s->n_local, d = s->dim, nb = s->off[k + 1] - s->off[k];
    const long *box = s->box + s->off[k];
    long *start = s->start, *map = s->map;
    for (long c = 0; c < nb; c++)
        map[box[c] - s->bmin[k]] = c;
    for (long c = 0; c <= nb; c++)
        start[c] = 0;
    for (long i = 0; i < nl; i++)
        start[map[(long)floor(y[i * d + k] / f->w) - s->bmin[k]] + 1]++;
    for (long c = 0; c < nb; c++)
        start[c + 1] += start[c];
    for (long i = 0; i < nl; i++) {
        const long j = start[map[(long)floor(y[i * d + k] / f->w) - s->bmin[k]]]++;
        s->ys[j] = y[i * d + k];
        s->lqs[j] = s->lq[i * d + k];
        s->perm[j] = i;
    }
    for (long c = nb; c > 0; c--)
        start[c] = start[c - 1];
    start[0] = 0;
}

/* Why this layer cannot use the transform (NULL if it can); sets bmin, words. Collective. */
static const char *layer_grid(fgt_dist *s, const fgt_dist_problem *pr, const fgt_params *f,
                              const double *y, double *range)
{
    const long nl = pr->n_local, d = pr->dim;
    for (long k = 0; k < d; k++)
        range[k] = range[d + k] = -INFINITY;
    range[2 * d] = 0.0;
    for (long i = 0; i < nl; i++)
        for (long k = 0; k < d; k++) {
            const double v = y[i * d + k];
            if (!isfinite(v))
                range[2 * d] = 1.0;
            range[k] = v > range[k] ? v : range[k];
            range[d + k] = -v > range[d + k] ? -v : range[d + k];
        }
    comm_max_double(range, (int)(2 * d + 1));
    if (range[2 * d] > 0.0)
        return "non-finite positions";
    if (pr->beta * pr->lambda * pr->lambda * pr->T / 4.0 + f->lip * f->w > FGT_MAX_GAP)
        return "beta lambda^2 T/4 too large for the fixed scales";
    s->words[0] = 0;
    for (long k = 0; k < d; k++) {
        const double lo = -range[d + k] / f->w, hi = range[k] / f->w;
        if (!(hi - lo < (double)FGT_MAX_BOX_RANGE) || fabs(lo) > 0x1p52 || fabs(hi) > 0x1p52)
            return "a coordinate spans more boxes than the grid allows (far outliers)";
        s->bmin[k] = (long)floor(lo);
        const long nr = (long)floor(hi) - s->bmin[k] + 1;
        s->words[k + 1] = s->words[k] + (nr + 63) / 64;
    }
    return NULL;
}

/* The occupied boxes of every coordinate (OR all-reduce), their scales, and the map size. */
static void layer_boxes(fgt_dist *s, const fgt_dist_problem *pr, const fgt_params *f,
                        const double *y)
{
    const long nl = pr->n_local, d = pr->dim, nw = s->words[d];
    grow((void **)&s->bits, &s->cap_bits, (size_t)nw, sizeof *s->bits);
    memset(s->bits, 0, (size_t)nw * sizeof *s->bits);
    for (long i = 0; i < nl; i++)
        for (long k = 0; k < d; k++) {
            const long b = (long)floor(y[i * d + k] / f->w) - s->bmin[k];
            s->bits[s->words[k] + b / 64] |= 1ull << (b % 64);
        }
    comm_or_u64(s->bits, nw);
    long n_occ = 0, max_range = 1;
    for (long w = 0; w < nw; w++)
        n_occ += __builtin_popcountll(s->bits[w]);
    grow((void **)&s->box, &s->cap_box, (size_t)n_occ + 1, sizeof *s->box);
    s->L = realloc(s->L, s->cap_box * sizeof *s->L);
    s->start = realloc(s->start, (s->cap_box + 1) * sizeof *s->start);
    if (!s->L || !s->start)
        RWPO_FATAL("fgt: out of memory");
    long c = 0;
    for (long k = 0; k < d; k++) {
        s->off[k] = c;
        for (long w = s->words[k]; w < s->words[k + 1]; w++)
            for (unsigned long long m = s->bits[w]; m; m &= m - 1) {
                const long b = s->bmin[k] + (w - s->words[k]) * 64 + __builtin_ctzll(m);
                s->box[c] = b;
                s->L[c] = fgt_log_q(pr->moreau, ((double)b + 0.5) * f->w, pr->lambda, pr->beta,
                                    pr->T) +
                          f->lip * f->w / 2.0;
                c++;
            }
        const long nr = (s->words[k + 1] - s->words[k]) * 64;
        max_range = nr > max_range ? nr : max_range;
    }
    s->off[d] = c;
    grow((void **)&s->map, &s->cap_map, (size_t)max_range, sizeof *s->map);
}

/* The rows flagged for a direct sum: gather the sources of their boxes from every rank and sum.
 * Adds to A and *neff. Collective. */
static void layer_direct(fgt_dist *s, const fgt_dist_problem *pr, const fgt_params *f,
                         const double *y, long n_flag, double *A, double *neff)
{
    const long nl = pr->n_local, d = pr->dim, n_occ = s->off[d], K = f->reach;
    int *need = xcalloc((size_t)n_occ + 1, sizeof(int));
    for (long q = 0; q < n_flag; q++) {
        const long i = s->flag[2 * q], k = s->flag[2 * q + 1];
        const long b = (long)floor(y[i * d + k] / f->w);
        for (long c = s->off[k]; c < s->off[k + 1]; c++)
            if (labs(s->box[c] - b) <= K)
                need[c] = 1;
    }
    comm_max_int(need, (int)n_occ);
    long n_send = 0;
    for (long i = 0; i < nl; i++)
        for (long k = 0; k < d; k++)
            n_send += need[s->off[k] + find_box(s, k, (long)floor(y[i * d + k] / f->w))];
    double *send = xmalloc((size_t)(3 * n_send + 1) * sizeof(double));
    long m = 0;
    for (long i = 0; i < nl; i++)
        for (long k = 0; k < d; k++) {
            const long g = s->off[k] + find_box(s, k, (long)floor(y[i * d + k] / f->w));
            if (need[g]) {
                send[3 * m] = (double)g;
                send[3 * m + 1] = y[i * d + k];
                send[3 * m + 2] = s->lq[i * d + k];
                m++;
            }
        }
    long n_all = 0;
    double *all = comm_allgatherv_double(send, 3 * n_send, &n_all);
    free(send);
    n_all /= 3;
    /* counting sort of the gathered sources by (coordinate, box): rank order within a box */
    long *gs = xcalloc((size_t)n_occ + 2, sizeof(long));
    double *gy = xmalloc((size_t)(n_all + 1) * sizeof(double));
    double *gl = xmalloc((size_t)(n_all + 1) * sizeof(double));
    for (long j = 0; j < n_all; j++)
        gs[(long)all[3 * j] + 1]++;
    for (long g = 0; g < n_occ; g++)
        gs[g + 1] += gs[g];
    for (long j = 0; j < n_all; j++) {
        const long q = gs[(long)all[3 * j]]++;
        gy[q] = all[3 * j + 1];
        gl[q] = all[3 * j + 2];
    }
    for (long g = n_occ; g > 0; g--)
        gs[g] = gs[g - 1];
    gs[0] = 0;
    free(all);
    for (long q = 0; q < n_flag; q++) {
        const long i = s->flag[2 * q], k = s->flag[2 * q + 1];
        const long b = (long)floor(y[i * d + k] / f->w);
        long lo = s->off[k], hi = s->off[k + 1];
        while (lo < hi && s->box[lo] < b - K)
            lo++;
        while (hi > lo && s->box[hi - 1] > b + K)
            hi--;
        double o[3];
        fgt_direct_row(f, y[i * d + k], s->lq[i * d + k], gs[hi] - gs[lo], gy + gs[lo],
                       gl + gs[lo], o);
        A[i * d + k] = o[1] / o[0];
        *neff += o[0] * o[0] / o[2];
    }
    free(gl);
    free(gy);
    free(gs);
    free(need);
}

int fgt_dist_attention(fgt_dist *s, const fgt_dist_problem *pr, const double *y, double *A,
                       double *neff, double *bound)
{
    const long nl = pr->n_local, d = pr->dim;
    fgt_params f;
    fgt_params_init(&f, pr->beta, pr->lambda, pr->T, pr->n_global, pr->tol);
    double *range = s->range;
    const char *why = layer_grid(s, pr, &f, y, range);
    if (why && pr->may_decline)
        return 1;
    if (why) {
        log_error("run.attention = fgt: %s (box width %.3g); use run.attention = auto or direct",
                  why, f.w);
        for (long i = 0; i < nl * d; i++)
            A[i] = NAN;
        *neff = NAN;
        return 0;
    }
    layer_boxes(s, pr, &f, y);
    const long n_occ = s->off[d], mw = fgt_moment_width(&f);
    if (pr->may_decline && n_occ > d * (64 + pr->n_global / 20))
        return 1; /* the grid is too sparse to pay off: the direct sum is cheaper */
    for (long i = 0; i < nl * d; i++)
        s->lq[i] = fgt_log_q(pr->moreau, y[i], pr->lambda, pr->beta, pr->T);
    grow((void **)&s->mom, &s->cap_mom, (size_t)(n_occ * mw), sizeof *s->mom);
    for (long k = 0; k < d; k++) {
        sort_coordinate(s, &f, k, y);
        fgt_moments(&f, s->off[k + 1] - s->off[k], s->box + s->off[k], s->L + s->off[k],
                    s->start, s->ys, s->lqs, s->mom + s->off[k] * mw);
    }
    comm_sum_double_on(comm_world(), s->mom, n_occ * mw);

    long n_flag = 0;
    double max_bound = 0.0, ne = 0.0;
    for (long k = 0; k < d; k++) {
        sort_coordinate(s, &f, k, y);
        const double yabs = fmax(range[k], range[d + k]);
        fgt_evaluate(&f, s->off[k + 1] - s->off[k], s->box + s->off[k], s->L + s->off[k],
                     s->mom + s->off[k] * mw, s->start, s->ys, s->lqs, fabs(yabs), s->out);
        for (long j = 0; j < nl; j++) {
            const long i = s->perm[j];
            const double *o = s->out + FGT_OUT * j;
            if (bound)
                bound[i * d + k] = o[3];
            max_bound = o[3] > max_bound || isnan(o[3]) ? o[3] : max_bound;
            if (o[3] <= pr->tol) {
                A[i * d + k] = o[1] / o[0];
                ne += o[0] * o[0] / o[2];
            } else {
                grow((void **)&s->flag, &s->cap_flag, (size_t)(2 * n_flag + 2), sizeof(long));
                s->flag[2 * n_flag] = i;
                s->flag[2 * n_flag + 1] = k;
                n_flag++;
            }
        }
    }
    long any = n_flag;
    comm_sum_long(&any, 1);
    if (any > 0)
        layer_direct(s, pr, &f, y, n_flag, A, &ne);
    comm_max_double(&max_bound, 1);
    *neff = ne;
    s->last = (fgt_dist_stats){any, max_bound, n_occ};
    return 0;
}

int fgt_dist_layer(fgt_dist *s, const rwpo_config *cfg, const particles *p, double T, double *A,
                   double *neighbours, double *recomputed)
{
    const fgt_dist_problem pr = {
        .n_global = p->n_global,
        .n_local = p->n_local,
        .dim = p->dim,
        .beta = cfg->beta,
        .lambda = cfg->lambda,
        .T = T,
        .moreau = cfg->normaliser == NORMALISER_MOREAU,
        .tol = cfg->tolerance,
        .may_decline = cfg->attention == ATTENTION_AUTO,
    };
    double neff = 0.0;
    if (fgt_dist_attention(s, &pr, p->y, A, &neff, NULL) != 0) {
        *recomputed = NAN;
        return 1;
    }
    comm_sum_double(&neff, 1);
    *neighbours = neff / ((double)p->n_global * (double)p->dim);
    *recomputed = (double)s->last.recomputed;
    return 0;
}
