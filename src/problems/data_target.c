/**
 * @file data_target.c
 * @brief problem.type = data: the KDE potential of training samples as a ring cross-attention of
 *        the particles over the data (see data_target.h for the math).
 */
#include "rwpo/problems/data_target.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rwpo/base/comm.h"
#include "rwpo/base/log.h"
#include "rwpo/core/attention.h"
#include "rwpo/core/particles.h"
#include "rwpo/core/ring.h"
#include "rwpo/io/input.h"

struct data_target {
    rwpo_config cfg;   /**< a copy: the bandwidth schedule and the step sizes */
    MPI_Comm comm;
    int n_ranks;
    long dim, m_global, m_local;
    long max_rows;     /**< particles a rank holds at most (the softmax state's capacity) */
    double *xc;        /**< [dim][m_local] this rank's samples, coordinate-major (the keys) */
    double *rows;      /**< [m_local][dim] the same, row-major, kept for the sample-quality
                            observables until taken (problem.reference_file set), else NULL */
    long m_offset;     /**< the first sample of this rank's block */
    double *xsq;       /**< [m_local] |X_m|^2 */
    ring *ring;        /**< the data's own ring (blocks of (dim + 1) * m_local doubles) */
    attention_state att;
    double *am, *al, *aq; /**< [max_rows] softmax state: shift, sum, sum of squares */
    double *ao, *mean;    /**< [max_rows][dim] weighted sum; the weighted mean of the data */
    const double *queries; /**< the particles of the evaluation in progress */
    double *work;      /**< kernel scratch */
    long layer;
    double sd;         /**< bandwidth of the current layer */
    double neighbours; /**< effective neighbours of the last evaluation (NaN before one) */
    int warned_merge, warned_few_start, warned_few_run;
};

int data_target_check_config(const rwpo_config *cfg, const char *label, char *err,
                             size_t errlen)
{
    if (cfg->problem != PROBLEM_DATA)
        return 0;
    if (!cfg->data_file[0]) {
        log_format(err, errlen, "%s: [problem] type = data needs data_file = path.h5:/dataset "
                   "(training samples [M][d] float64)", label);
        return -1;
    }
    if (!strstr(cfg->data_file, ":/")) {
        log_format(err, errlen, "%s: [problem] data_file = '%s': missing dataset (allowed: "
                   "path.h5:/dataset)", label, cfg->data_file);
        return -1;
    }
    if (cfg->bandwidth_start > 0 && cfg->bandwidth_start != cfg->bandwidth &&
        cfg->bandwidth_layers < 2) {
        log_format(err, errlen, "%s: [problem] bandwidth_start = %g differs from bandwidth = %g "
                   "but bandwidth_layers = %ld (allowed: bandwidth_layers >= 2 layers to anneal "
                   "over, or bandwidth_start = 0)", label, cfg->bandwidth_start, cfg->bandwidth,
                   cfg->bandwidth_layers);
        return -1;
    }
    return 0;
}

/* The last layer at which the bandwidth or the step size changes (after it both are constant). */
static long last_change(const rwpo_config *cfg)
{
    long last = cfg->bandwidth_layers;
    for (int s = 0; s < cfg->n_schedule; s++)
        last = cfg->schedule_layer[s] > last ? cfg->schedule_layer[s] : last;
    return last + 1;
}

/* Most layers the scan below visits (a few seconds at most). */
#define SCAN_MAX_LAYERS 10000000L

/* Scan the schedule for layers with 2T > sd^2 (rank 0 warns once, before the run); layers past
 * SCAN_MAX_LAYERS of a longer annealing are not scanned (the runtime warning still comes). */
static void warn_schedule(const rwpo_config *cfg)
{
    long end = cfg->layers < last_change(cfg) ? cfg->layers : last_change(cfg);
    end = end < SCAN_MAX_LAYERS ? end : SCAN_MAX_LAYERS;
    long first = 0, n_bad = 0;
    double ratio = 0.0;
    for (long k = 1; k <= end; k++) {
        double h, T;
        config_step(cfg, k, &h, &T);
        const double sd = config_bandwidth(cfg, k);
        if (2.0 * T > sd * sd) {
            if (!first) {
                first = k;
                ratio = 2.0 * T / (sd * sd);
            }
            n_bad++;
        }
    }
    if (first && end < cfg->layers && first <= end) { /* the constant tail counts too */
        double h, T;
        config_step(cfg, end, &h, &T);
        const double sd = config_bandwidth(cfg, end);
        if (2.0 * T > sd * sd)
            n_bad += cfg->layers - end;
    }
    if (first)
        log_warn("data target: 2T > sd^2 at %ld of %ld layers (first at layer %ld: 2T / sd^2 = "
                 "%.3g): particles may merge into clumps (see the duplicates observable); keep T "
                 "below sd^2 / 2 (e.g. sampler.h_follows = bandwidth, T unset and h < 0.5 "
                 "bandwidth_start^2)", n_bad,
                 cfg->layers, first, ratio);
}

data_target *data_target_open(const rwpo_config *cfg, MPI_Comm comm, char *err, size_t errlen)
{
    char sub[1800];
    int nd = 0;
    long dims[2] = {0, 0};
    const int rc = input_dataset_shape(cfg->data_file, &nd, dims, sub, sizeof sub);
    if (comm_agree_error(comm, rc != 0, sub, sizeof sub)) {
        snprintf(err, errlen, "[problem] data_file = %s: %s", cfg->data_file, sub);
        return NULL;
    }
    if (nd != 2 || dims[1] != cfg->dim || dims[0] < 1) {
        snprintf(err, errlen, "[problem] data_file = %s: samples of shape [%ld]%s, expected "
                 "[M][d] with d = particles.dim = %ld and M >= 1", cfg->data_file, dims[0],
                 nd == 2 ? (dims[1] == 1 ? "[1]" : "[...]") : "", cfg->dim);
        if (nd == 2 && dims[1] != 1)
            snprintf(err + strlen(err), errlen - strlen(err), " (the file's d is %ld)", dims[1]);
        return NULL;
    }
    data_target *t = xcalloc(1, sizeof *t);
    t->cfg = *cfg;
    t->comm = comm;
    t->n_ranks = comm_size_of(comm);
    t->dim = cfg->dim;
    t->m_global = dims[0];
    const int me = comm_rank_of(comm);
    long offset, max_data = t->m_global / t->n_ranks + (t->m_global % t->n_ranks ? 1 : 0);
    particles_shard(t->m_global, t->n_ranks, me, &t->m_local, &offset);
    const long d = t->dim, ml = t->m_local;
    double *rows = xcalloc((size_t)(ml * d) + 1, sizeof(double));
    const int rr = input_read_matrix(cfg->data_file, comm, t->m_global, (int)d, offset, ml, rows,
                                     sub, sizeof sub);
    if (comm_agree_error(comm, rr != 0, sub, sizeof sub)) {
        snprintf(err, errlen, "[problem] data_file = %s: %s", cfg->data_file, sub);
        free(rows);
        free(t);
        return NULL;
    }
    t->xc = xcalloc((size_t)(ml * d) + 1, sizeof(double));
    t->xsq = xcalloc((size_t)ml + 1, sizeof(double));
    for (long i = 0; i < ml; i++)
        for (long k = 0; k < d; k++) {
            const double v = rows[i * d + k];
            t->xc[k * ml + i] = v;
            t->xsq[i] += v * v;
        }
    t->m_offset = offset;
    if (cfg->reference_file[0])
        t->rows = rows; /* the training samples of the sample-quality observables */
    else
        free(rows);
    t->ring = ring_create(comm, (size_t)(max_data * (d + 1)), cfg->ring == RING_OVERLAP);
    t->max_rows = cfg->n / t->n_ranks + (cfg->n % t->n_ranks ? 1 : 0);
    const size_t nr = (size_t)t->max_rows + 1;
    t->am = xcalloc(nr, sizeof(double));
    t->al = xcalloc(nr, sizeof(double));
    t->aq = xcalloc(nr, sizeof(double));
    t->ao = xcalloc(nr * (size_t)d, sizeof(double));
    t->mean = xcalloc(nr * (size_t)d, sizeof(double));
    t->work = xcalloc(attention_work_size(cfg->block, d), sizeof(double));
    t->neighbours = NAN;
    data_target_set_layer(t, 0);
    log_info("data target: M = %ld samples in d = %ld (%s), bandwidth %g -> %g over %ld layers%s",
             t->m_global, d, cfg->data_file, config_bandwidth(cfg, 1), cfg->bandwidth,
             cfg->bandwidth_layers,
             cfg->h_follows == H_FOLLOWS_BANDWIDTH ? ", h follows sd^2" : "");
    warn_schedule(cfg);
    return t;
}

void data_target_destroy(data_target *t)
{
    if (!t)
        return;
    ring_destroy(t->ring);
    free(t->rows);
    free(t->xc);
    free(t->xsq);
    free(t->am);
    free(t->al);
    free(t->aq);
    free(t->ao);
    free(t->mean);
    free(t->work);
    free(t);
}

void data_target_set_layer(data_target *t, long k)
{
    t->layer = k;
    t->sd = config_bandwidth(&t->cfg, k);
    if (k < 1 || t->warned_merge)
        return;
    double h, T;
    config_step(&t->cfg, k, &h, &T);
    if (2.0 * T > t->sd * t->sd) {
        log_warn("layer %ld: 2T = %.4g > sd^2 = %.4g (bandwidth %.4g): particles may merge into "
                 "clumps from here on (see the duplicates observable)", k, 2.0 * T,
                 t->sd * t->sd, t->sd);
        t->warned_merge = 1;
    }
}

double *data_target_take_rows(data_target *t, long *n_local, long *offset)
{
    double *rows = t->rows;
    t->rows = NULL;
    *n_local = t->m_local;
    *offset = t->m_offset;
    return rows;
}

double data_target_bandwidth(const data_target *t) { return t->sd; }

long data_target_samples(const data_target *t) { return t->m_global; }

double data_target_neighbours(const data_target *t) { return t->neighbours; }

static size_t block_count(void *ctx, int owner)
{
    const data_target *t = ctx;
    long n, offset;
    particles_shard(t->m_global, t->n_ranks, owner, &n, &offset);
    return (size_t)(n * (t->dim + 1));
}

/* Ring visitor: fold the data block of `owner` (positions [d][n], bias [n]) in key blocks. */
static void visit_block(void *ctx, const double *block, int owner)
{
    data_target *t = ctx;
    long n, offset;
    particles_shard(t->m_global, t->n_ranks, owner, &n, &offset);
    const double *kx = block, *kb = block + t->dim * n;
    const double *q = t->queries;
    const long B = t->cfg.block;
    for (long j0 = 0; j0 < n; j0 += B) {
        const long nb = n - j0 < B ? n - j0 : B;
        attention_fold(&t->att, q, nb, n, kx + j0, kb + j0, t->work);
    }
}

void data_target_eval(data_target *t, long n_local, const double *restrict x, double *restrict f,
                      double *restrict g)
{
    const long d = t->dim, ml = t->m_local;
    if (n_local > t->max_rows)
        RWPO_FATAL("data_target_eval: %ld rows exceed the capacity %ld", n_local, t->max_rows);
    const double inv = 1.0 / (t->sd * t->sd);
    /* Pass 0: the fixed shift |x|^2 / (2 sd^2), an upper bound of every logit (the exponents are
     * -|x - X_m|^2 / (2 sd^2) <= 0: one pass per block, no rescaling). It loses the weights only
     * when every sample is so far that the exponents reach the kernels' clamp: then l < 1e-100
     * somewhere and all ranks redo the sums with the running max (pass 1). */
    double red[3] = {0.0, 0.0, 0.0};
    for (int pass = 0; pass < 2; pass++) {
        /* the own block: positions, then the key bias -|X|^2 / (2 sd^2) of this layer */
        double *blk = ring_local_buffer(t->ring);
        memcpy(blk, t->xc, (size_t)(ml * d) * sizeof(double));
        for (long i = 0; i < ml; i++)
            blk[d * ml + i] = -0.5 * inv * t->xsq[i];
        t->att = (attention_state){
            .n_rows = n_local,
            .dim = d,
            .joint = 1,
            .fixed_shift = 0,
            .c = inv,
            .reference = t->cfg.kernel == KERNEL_REFERENCE,
            .m = t->am,
            .l = t->al,
            .o = t->ao,
            .q = t->aq,
        };
        t->queries = x;
        attention_begin(&t->att, x, NULL); /* zero sums, m = -inf */
        if (pass == 0) { /* a particle is no key: the shift is set here, not from a self-logit */
            t->att.fixed_shift = 1;
            for (long i = 0; i < n_local; i++) {
                double x2 = 0.0;
                for (long k = 0; k < d; k++)
                    x2 += x[i * d + k] * x[i * d + k];
                t->am[i] = 0.5 * inv * x2;
            }
        }
        ring_run(t->ring, visit_block, block_count, t);
        t->queries = NULL;
        red[0] = attention_end(&t->att, t->mean);
        red[1] = (double)n_local;
        red[2] = 0.0;
        for (long i = 0; i < n_local && pass == 0; i++)
            red[2] += !(t->al[i] >= 1e-100);
        comm_sum_double_on(t->comm, red, 3);
        if (red[2] == 0.0)
            break;
    }
    t->neighbours = red[1] > 0 ? red[0] / red[1] : NAN;
    for (long i = 0; i < n_local; i++) {
        const double *xi = x + i * d, *ai = t->mean + i * d;
        double x2 = 0.0;
        for (long k = 0; k < d; k++) {
            x2 += xi[k] * xi[k];
            if (g)
                g[i * d + k] = (xi[k] - ai[k]) * inv;
        }
        if (f)
            f[i] = 0.5 * inv * x2 - (t->am[i] + log(t->al[i]));
    }
    if (t->neighbours < DATA_TARGET_FEW_NEIGHBOURS &&
        (t->layer < 1 ? !t->warned_few_start : !t->warned_few_run)) {
        log_warn("layer %ld: the data attention has %.3f effective neighbours (below %g): every "
                 "particle follows about one training sample and the cloud will copy the data "
                 "(raise problem.bandwidth or use more samples)", t->layer,
                 t->neighbours, DATA_TARGET_FEW_NEIGHBOURS);
        if (t->layer < 1)
            t->warned_few_start = 1;
        else
            t->warned_few_run = 1;
    }
}

double data_target_estimate_bytes(const rwpo_config *cfg, int n_ranks)
{
    const double P = n_ranks < 1 ? 1.0 : (double)n_ranks, d = (double)cfg->dim;
    int nd = 0;
    long dims[2] = {0, 0};
    char err[512];
    const double M = input_dataset_shape(cfg->data_file, &nd, dims, err, sizeof err) == 0
                         ? (double)dims[0] : 0.0;
    const double ml = ceil(M / P), nl = ceil((double)cfg->n / P);
    /* own block + xsq, two ring buffers, softmax state and means, kernel scratch */
    return 8.0 * (ml * d + ml + 2.0 * ml * (d + 1.0) + nl * (3.0 + 2.0 * d) +
                  (double)attention_work_size(cfg->block, cfg->dim));
}
