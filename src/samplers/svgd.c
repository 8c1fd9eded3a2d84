/**
 * @file svgd.c
 * @brief sampler.method = svgd: Stein variational gradient descent over the ring (see svgd.h).
 */
#include "rwpo/samplers/svgd.h"

#include <math.h>
#include <stdlib.h>

#include "rwpo/base/comm.h"
#include "rwpo/base/log.h"
#include "rwpo/core/prior_l1.h"
#include "rwpo/core/ring.h"

/* The phases, in report order (their timers are TIMER_PHASE0 + PHASE_name). */
#define SVGD_PHASES(X)                                                                          \
    X(gradient, "score s = -grad U of the own particles")                                       \
    X(bandwidth, "median-heuristic bandwidth (subsample gather + median)")                      \
    X(pack, "packing the own ring block")                                                       \
    X(ring, "ring kernel sums (kernel + communication)")                                        \
    X(ring_wait, "ring: waiting for communication")                                             \
    X(update, "x += (h/beta) phi")

enum {
#define X(name, desc) PHASE_##name,
    SVGD_PHASES(X)
#undef X
    N_PHASES
};

static const timer_phase phases[N_PHASES] = {
#define X(name, desc) {#name, desc},
    SVGD_PHASES(X)
#undef X
};

#define PHASE(name) ((timer_id)(TIMER_PHASE0 + PHASE_##name))

/* The method's state: the ring, the bandwidth subsample and its distances. */
typedef struct {
    const sampler_env *env;
    ring *ring;
    long n_sample;    /**< M */
    double *sample;   /**< [M * d] the subsample's positions */
    double *dist2;    /**< [M (M - 1) / 2] its squared pairwise distances */
    double *xo;       /**< [d][n_local] the own positions, coordinate-major */
    double *acc;      /**< [d][n_local] the own rows' kernel sums, coordinate-major */
    double *w;        /**< [n_local] one key's squared distances, then kernel values */
    double bw;        /**< bandwidth of the last layer (NaN before layer 1) */
} svgd;

static long sample_size(long n)
{
    return n < SVGD_MEDIAN_SAMPLE ? n : SVGD_MEDIAN_SAMPLE;
}

static size_t block_count(void *ctx, int owner)
{
    const svgd *m = ctx;
    long n_local, offset;
    particles_shard(m->env->cfg->n, m->env->n_ranks, owner, &n_local, &offset);
    return (size_t)(n_local * 2 * m->env->cfg->dim);
}

static void *create(const sampler_env *env)
{
    const rwpo_config *cfg = env->cfg;
    svgd *m = xcalloc(1, sizeof *m);
    m->env = env;
    m->bw = NAN;
    const long N = cfg->n, d = cfg->dim, M = sample_size(N);
    const long max_local = N / env->n_ranks + (N % env->n_ranks ? 1 : 0);
    m->ring = ring_create(comm_world(), (size_t)(max_local * 2 * d), cfg->ring == RING_OVERLAP);
    m->n_sample = M;
    m->sample = xcalloc((size_t)(M * d), sizeof(double));
    m->dist2 = xcalloc((size_t)(M * (M - 1) / 2 + 1), sizeof(double));
    const long nl = env->p->n_local;
    m->xo = xcalloc((size_t)(nl * d + 1), sizeof(double));
    m->acc = xcalloc((size_t)(nl * d + 1), sizeof(double));
    m->w = xcalloc((size_t)(nl + 1), sizeof(double));
    timer_set_phases(phases, N_PHASES);
    return m;
}

static void destroy(void *state)
{
    svgd *m = state;
    if (!m)
        return;
    free(m->w);
    free(m->acc);
    free(m->xo);
    free(m->dist2);
    free(m->sample);
    ring_destroy(m->ring);
    free(m);
}

/* ---- phases -------------------------------------------------------------------------------- */

/* g <- s = -beta (grad f(x) + (x - S_{gamma lambda}(x)) / gamma). Collective (problem). */
static void phase_gradient(svgd *m, double gamma)
{
    const rwpo_config *cfg = m->env->cfg;
    particles *p = m->env->p;
    const long n = p->n_local * p->dim;
    const double thr = gamma * cfg->lambda, beta = cfg->beta;
    problem_grad_all(m->env->prob, p->n_local, p->x, p->g); /* collective (linear: PDGEMM) */
    for (long i = 0; i < n; i++) {
        const double v = p->x[i];
        p->g[i] = -beta * (p->g[i] + (v - prior_l1_soft_threshold(v, thr)) / gamma);
    }
}

/* Reorder a[0 .. n) so that a[k] is its k-th smallest value, a[i] <= a[k] for i < k and
 * a[i] >= a[k] for i > k (Hoare's selection, O(n) on average); returns a[k]. */
static double select_kth(double *a, long n, long k)
{
    long lo = 0, hi = n - 1;
    while (lo < hi) {
        const double pivot = a[lo + (hi - lo) / 2];
        long i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i <= j) {
                const double t = a[i];
                a[i++] = a[j];
                a[j--] = t;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            break;
    }
    return a[k];
}

/* bw = med^2 / log N over all pairs of the subsample (see svgd.h). Collective. */
static void phase_bandwidth(svgd *m)
{
    const particles *p = m->env->p;
    const long N = p->n_global, d = p->dim, M = m->n_sample;
    for (long s = 0; s < M * d; s++)
        m->sample[s] = 0.0;
    for (long s = 0; s < M; s++) {
        const long id = (long)((double)s * (double)N / (double)M);
        if (id >= p->offset && id < p->offset + p->n_local)
            for (long k = 0; k < d; k++)
                m->sample[s * d + k] = p->x[(id - p->offset) * d + k];
    }
    comm_sum_double(m->sample, (int)(M * d)); /* one non-zero term per value: exact */
    long n_pairs = 0;
    for (long a = 0; a < M; a++)
        for (long b = a + 1; b < M; b++) {
            double r2 = 0.0;
            for (long k = 0; k < d; k++) {
                const double u = m->sample[a * d + k] - m->sample[b * d + k];
                r2 += u * u;
            }
            m->dist2[n_pairs++] = r2;
        }
    double med = 0.0;
    if (n_pairs > 0) {
        const long mid = n_pairs / 2;
        const double upper = sqrt(select_kth(m->dist2, n_pairs, mid));
        if (n_pairs % 2) {
            med = upper;
        } else { /* the (mid-1)-th smallest: the largest below position mid */
            double lower = m->dist2[0];
            for (long i = 1; i < mid; i++)
                lower = fmax(lower, m->dist2[i]);
            med = 0.5 * (sqrt(lower) + upper);
        }
    }
    m->bw = N > 1 && med > 0 ? med * med / log((double)N) : 1.0;
}

/* The own block [n][2d]: x_j, then s_j. */
static void phase_pack(svgd *m)
{
    const particles *p = m->env->p;
    const long nl = p->n_local, d = p->dim;
    double *blk = ring_local_buffer(m->ring);
    for (long i = 0; i < nl; i++)
        for (long k = 0; k < d; k++) {
            blk[i * 2 * d + k] = p->x[i * d + k];
            blk[i * 2 * d + d + k] = p->g[i * d + k];
        }
}

/* Ring visitor: acc_i += sum_j k_ij (s_j + (2/bw) (x_i - x_j)) over the owner's keys j in
 * ascending order, each key against all own rows at once (loops over the rows vectorise). */
static void visit_block(void *ctx, const double *block, int owner)
{
    svgd *m = ctx;
    const particles *p = m->env->p;
    const long d = p->dim, nl = p->n_local;
    long n_keys, offset;
    particles_shard(p->n_global, m->env->n_ranks, owner, &n_keys, &offset);
    const double inv_bw = 1.0 / m->bw, c = 2.0 * inv_bw;
    double *restrict w = m->w, *restrict acc = m->acc;
    const double *restrict xo = m->xo;
    for (long j = 0; j < n_keys; j++) {
        const double *xj = block + j * 2 * d, *sj = xj + d;
        for (long i = 0; i < nl; i++)
            w[i] = 0.0;
        for (long k = 0; k < d; k++)
            for (long i = 0; i < nl; i++) {
                const double u = xo[k * nl + i] - xj[k];
                w[i] += u * u;
            }
        for (long i = 0; i < nl; i++)
            w[i] = exp(-w[i] * inv_bw);
        for (long k = 0; k < d; k++)
            for (long i = 0; i < nl; i++)
                acc[k * nl + i] += w[i] * (sj[k] + c * (xo[k * nl + i] - xj[k]));
    }
}

static void phase_ring(svgd *m)
{
    const particles *p = m->env->p;
    const long nl = p->n_local, d = p->dim;
    for (long i = 0; i < nl; i++)
        for (long k = 0; k < d; k++) {
            m->xo[k * nl + i] = p->x[i * d + k];
            m->acc[k * nl + i] = 0.0;
        }
    timer_add(PHASE(ring_wait), ring_run(m->ring, visit_block, block_count, m));
}

static void phase_update(svgd *m, double h)
{
    particles *p = m->env->p;
    const long nl = p->n_local, d = p->dim;
    const double a = h / (m->env->cfg->beta * (double)p->n_global);
    for (long i = 0; i < nl; i++)
        for (long k = 0; k < d; k++)
            p->x[i * d + k] += a * m->acc[k * nl + i];
}

static int layer(void *state, const sampler_env *env, long k, double h, double T)
{
    svgd *m = state;
    (void)k; /* deterministic: no random numbers */
    (void)T; /* ignored: the smoothing parameter is gamma */
    const double gamma = env->cfg->gamma > 0 ? env->cfg->gamma : h;

    timer_start(PHASE(gradient));
    phase_gradient(m, gamma);
    timer_stop(PHASE(gradient));

    timer_start(PHASE(bandwidth));
    phase_bandwidth(m);
    timer_stop(PHASE(bandwidth));

    timer_start(PHASE(pack));
    phase_pack(m);
    timer_stop(PHASE(pack));

    timer_start(PHASE(ring));
    phase_ring(m);
    timer_stop(PHASE(ring));

    timer_start(PHASE(update));
    phase_update(m, h);
    timer_stop(PHASE(update));
    return 0;
}

static void values(const void *state, double *out)
{
    out[0] = ((const svgd *)state)->bw;
}

static void restore(void *state, const double *in)
{
    ((svgd *)state)->bw = in ? in[0] : NAN;
}

/* The ring's two buffers, the subsample and its distances, the own rows' copies and sums. */
static double bytes(const rwpo_config *cfg, long max_local, int n_ranks)
{
    (void)n_ranks;
    const double M = (double)sample_size(cfg->n), d = (double)cfg->dim;
    const double nl = (double)max_local;
    return 8.0 * (2.0 * nl * 2.0 * d + M * d + M * (M - 1.0) / 2.0 + 1.0 + 2.0 * nl * d + nl + 3.0) +
           (double)sizeof(svgd);
}

static const char *const own_names[] = {"bandwidth"};

const sampler_method svgd_method = {
    .name = "svgd",
    .phases = phases,
    .n_phases = N_PHASES,
    .obs_names = own_names,
    .n_obs = 1,
    .ckpt_names = own_names,
    .n_ckpt = 1,
    .create = create,
    .layer = layer,
    .values = values,
    .save = values,
    .restore = restore,
    .destroy = destroy,
    .bytes = bytes,
};
