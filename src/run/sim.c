/**
 * @file sim.c
 * @brief The run object and the RWPO-L1 layer (see sim.h for the phases).
 */
#include "rwpo/run/sim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "rwpo/base/comm.h"
#include "rwpo/base/log.h"
#include "rwpo/base/timers.h"
#include "rwpo/core/prior_l1.h"
#include "rwpo/io/input.h"
#include "rwpo/io/probe.h"

/* Doubles per key in a ring block: positions plus per-coordinate (coordinatewise) or summed
 * (joint) bias. Layout of a block of n keys: positions [d][n] (coordinate-major), then bias
 * [d][n] or [n]. */
static long key_width(const sim *s)
{
    return s->cfg.weights == WEIGHTS_JOINT ? s->cfg.dim + 1 : 2 * s->cfg.dim;
}

static size_t block_count(void *ctx, int owner)
{
    const sim *s = ctx;
    long n_local, offset;
    particles_shard(s->cfg.n, s->n_ranks, owner, &n_local, &offset);
    return (size_t)(n_local * key_width(s));
}

sim *sim_create(const rwpo_config *cfg, int with_output, int *exit_code)
{
    char err[2048] = "";
    sim *s = xcalloc(1, sizeof *s);
    s->cfg = *cfg;
    s->rank = comm_rank();
    s->n_ranks = comm_size();
    s->neighbours = NAN;
    const long N = cfg->n, d = cfg->dim;
    s->p = particles_create(N, d, s->n_ranks, s->rank);
    s->max_local = N / s->n_ranks + (N % s->n_ranks ? 1 : 0);
    const long nl = s->p->n_local;

    /* initial cloud */
    if (cfg->init == INIT_FILE) {
        int rc = input_read_matrix(cfg->init_file, comm_world(), N, d, s->p->offset, nl, s->p->x,
                                  err, sizeof err);
        char msg[4400];
        snprintf(msg, sizeof msg, "[particles] init_file = %s: %s", cfg->init_file, err);
        if (comm_agree_failure(rc != 0, msg)) {
            *exit_code = 1;
            sim_destroy(s);
            return NULL;
        }
    } else {
        double *mean = xmalloc((size_t)d * sizeof(double));
        if (config_parse_vector(cfg->init_mean, d, mean) != 0)
            RWPO_FATAL("particles.init_mean was validated but does not parse");
        particles_init_gaussian(s->p, mean, cfg->init_scale, (unsigned long)cfg->seed);
        free(mean);
    }

    s->prob = problem_open(cfg, comm_world(), err, sizeof err); /* collective; agreed verdict */
    if (!s->prob) {
        log_error("%s", err);
        *exit_code = 1;
        sim_destroy(s);
        return NULL;
    }
    s->obs = observables_create(cfg, s->prob);
    s->ring = ring_create(comm_world(), (size_t)(s->max_local * key_width(s)),
                          cfg->ring == RING_OVERLAP);
    const int joint = cfg->weights == WEIGHTS_JOINT;
    const size_t n_state = (size_t)(joint ? nl : nl * d);
    s->att_m = xcalloc(n_state, sizeof(double));
    s->att_l = xcalloc(n_state, sizeof(double));
    s->att_q = xcalloc(n_state, sizeof(double));
    s->att_o = xcalloc((size_t)(nl * d), sizeof(double));
    s->bias = xcalloc((size_t)(nl * d), sizeof(double));
    s->work = xcalloc(attention_work_size(cfg->block, cfg->dim), sizeof(double));

    if (with_output) {
        s->out = sim_create_file(s, cfg->output, 0, err, sizeof err);
        char msg[4400];
        snprintf(msg, sizeof msg, "[run] output = %s: %s", cfg->output, err);
        if (comm_agree_failure(s->out == NULL, msg)) {
            *exit_code = 1;
            sim_destroy(s);
            return NULL;
        }
    }
    *exit_code = 0;
    return s;
}

h5md_file *sim_create_file(const sim *s, const char *path, int flags, char *err, size_t errlen)
{
    rwpo_param *params = NULL;
    int n_params = config_params(&s->cfg, &params);
    char *ini = config_to_ini(&s->cfg);
    const char *user = getenv("USER");
    h5md_file *f = h5md_create_ex(path, comm_world(), s->cfg.n, (int)s->cfg.dim, params,
                                  n_params, ini, user ? user : "unknown", flags, err, errlen);
    free(params);
    free(ini);
    if (f)
        h5md_set_writer(f, s->rank == 0);
    return f;
}

void sim_destroy(sim *s)
{
    if (!s)
        return;
    h5md_close(s->out);
    free(s->work);
    free(s->bias);
    free(s->att_o);
    free(s->att_q);
    free(s->att_l);
    free(s->att_m);
    ring_destroy(s->ring);
    observables_destroy(s->obs);
    problem_destroy(s->prob);
    particles_destroy(s->p);
    free(s);
}

int sim_is_recorded(const sim *s, long k)
{
    return k == 0 || k % s->cfg.every == 0 || k == s->cfg.layers;
}

/* ---- phases -------------------------------------------------------------------------------- */

static void phase_drift(sim *s, double h)
{
    particles *p = s->p;
    const long n = p->n_local * p->dim;
    problem_grad_all(s->prob, p->n_local, p->x, p->g); /* collective (linear: PDGEMM) */
    for (long i = 0; i < n; i++)
        p->y[i] = p->x[i] - h * p->g[i];
}

/* Key bias of the own rows, and the own block packed for the ring. */
static void phase_bias(sim *s, double T)
{
    particles *p = s->p;
    const long nl = p->n_local, d = p->dim;
    const prior_l1_normaliser kind =
        s->cfg.normaliser == NORMALISER_MOREAU ? PRIOR_L1_MOREAU : PRIOR_L1_EXACT;
    prior_l1_key_bias_n(kind, (size_t)(nl * d), p->y, s->cfg.lambda, s->cfg.beta, T, s->bias);
    double *blk = ring_local_buffer(s->ring);
    for (long i = 0; i < nl; i++)
        for (long k = 0; k < d; k++)
            blk[k * nl + i] = p->y[i * d + k];
    double *kb = blk + d * nl;
    if (s->cfg.weights == WEIGHTS_JOINT) {
        for (long i = 0; i < nl; i++) {
            double b = 0.0;
            for (long k = 0; k < d; k++)
                b += s->bias[i * d + k];
            kb[i] = b;
        }
    } else {
        for (long i = 0; i < nl; i++)
            for (long k = 0; k < d; k++)
                kb[k * nl + i] = s->bias[i * d + k];
    }
}

/* Ring visitor: fold the block of `owner` into the own rows, in cache-sized key blocks. */
static void visit_block(void *ctx, const double *block, int owner)
{
    sim *s = ctx;
    const long d = s->cfg.dim;
    long n_keys, offset;
    particles_shard(s->cfg.n, s->n_ranks, owner, &n_keys, &offset);
    const double *kx = block, *kb = block + d * n_keys;
    const long B = s->cfg.block;
    for (long j0 = 0; j0 < n_keys; j0 += B) {
        long nb = n_keys - j0 < B ? n_keys - j0 : B;
        attention_fold(&s->att, s->p->y, nb, n_keys, kx + j0, kb + j0, s->work);
    }
}

static void phase_attention(sim *s, double T)
{
    particles *p = s->p;
    const int joint = s->cfg.weights == WEIGHTS_JOINT;
    s->att = (attention_state){
        .n_rows = p->n_local,
        .dim = p->dim,
        .joint = joint,
        .fixed_shift = attention_use_fixed_shift(joint, p->dim, s->cfg.beta, s->cfg.lambda, T,
                                                 s->force_running_max),
        .c = s->cfg.beta / (2.0 * T),
        .reference = s->cfg.kernel == KERNEL_REFERENCE,
        .m = s->att_m,
        .l = s->att_l,
        .o = s->att_o,
        .q = s->att_q,
    };
    attention_begin(&s->att, p->y, s->bias);
    double wait = ring_run(s->ring, visit_block, block_count, s);
    timer_add(TIMER_ring_wait, wait);
    /* A overwrites g (grad f is no longer needed) */
    double neff[2] = {attention_end(&s->att, p->g), 0.0};
    comm_sum_double(neff, 1);
    s->neighbours = neff[0] / (double)(joint ? p->n_global : p->n_global * p->dim);
}

static void phase_update(sim *s, double h, double T)
{
    particles *p = s->p;
    const long n = p->n_local * p->dim;
    const double a = h / (2.0 * T), thr = s->cfg.lambda * T;
    for (long i = 0; i < n; i++)
        p->x[i] = p->y[i] + a * (prior_l1_soft_threshold(p->y[i], thr) - p->g[i]);
}

int sim_layer(sim *s)
{
    const long k = s->layer + 1;
    double h, T;
    config_step(&s->cfg, k, &h, &T);
    timer_start(TIMER_layer);

    timer_start(TIMER_drift);
    phase_drift(s, h);
    timer_stop(TIMER_drift);

    timer_start(TIMER_bias);
    phase_bias(s, T);
    timer_stop(TIMER_bias);

    timer_start(TIMER_ring);
    phase_attention(s, T);
    timer_stop(TIMER_ring);

    timer_start(TIMER_update);
    phase_update(s, h, T);
    timer_stop(TIMER_update);

    timer_stop(TIMER_layer);

    long bad = particles_first_nonfinite(s->p->x, s->p->n_local, s->p->dim);
    char msg[256];
    if (bad >= 0)
        snprintf(msg, sizeof msg, "layer %ld: particle %ld coordinate %ld is not finite (%g); "
                 "the step size h = %g may be too large for the potential", k,
                 s->p->offset + bad / s->p->dim, bad % s->p->dim + 1, s->p->x[bad], h);
    if (comm_agree_failure(bad >= 0, msg))
        return 2;
    s->layer = k;
    s->time += h;
    if (s->neighbours < 1.05 && !s->warned_identity) {
        log_warn("layer %ld: the attention has degenerated to the identity (effective "
                 "neighbours %.3f): particles are far apart relative to sqrt(T/beta)%s", k,
                 s->neighbours,
                 s->cfg.weights == WEIGHTS_JOINT ? "; coordinatewise weights avoid this" : "");
        s->warned_identity = 1;
    }
    return 0;
}

int sim_check_space(const char *path, double need, char *err, size_t errlen)
{
    /* Parallel HDF5 cannot recover from a write that fails on some ranks only (its collective
     * metadata flush diverges), so a full disk or a file-size limit is caught before writing. */
    char dir[CONFIG_STR + 16];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *(slash == dir ? slash + 1 : slash) = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    struct statvfs vfs;
    if (statvfs(dir, &vfs) == 0) {
        double avail = (double)vfs.f_bavail * (double)vfs.f_frsize;
        if (avail < need) {
            snprintf(err, errlen, "disk full: %.3g bytes free in %s, %.3g needed", avail, dir,
                     need);
            return -1;
        }
    }
    struct rlimit rl;
    struct stat sb;
    double size = stat(path, &sb) == 0 ? (double)sb.st_size : 0.0;
    if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        size + need > (double)rl.rlim_cur) {
        snprintf(err, errlen, "file size limit: %s would exceed %.3g bytes (ulimit -f)", path,
                 (double)rl.rlim_cur);
        return -1;
    }
    return 0;
}

/* Bytes one recorded layer adds to the run file, with room for HDF5 metadata. */
static double frame_bytes(const sim *s)
{
    return 2.0 * (double)s->cfg.n * (double)s->cfg.dim * 8.0 + 256.0 * 1024.0;
}

void sim_observe(sim *s)
{
    timer_start(TIMER_observables);
    observables_compute(s->obs, &s->cfg, s->p, s->prob, s->neighbours);
    s->last_recorded = s->layer;
    timer_stop(TIMER_observables);
}

int sim_record(sim *s)
{
    timer_start(TIMER_observables);
    observables_compute(s->obs, &s->cfg, s->p, s->prob, s->neighbours);
    s->last_recorded = s->layer;
    timer_stop(TIMER_observables);
    if (!s->out)
        return 0;
    timer_start(TIMER_output);
    char err[1024] = "";
    char msg[2300];
    int rc = s->rank == 0 ? sim_check_space(s->cfg.output, frame_bytes(s), err, sizeof err) : 0;
    snprintf(msg, sizeof msg, "layer %ld: writing %s: %s", s->layer, s->cfg.output, err);
    if (comm_agree_failure(rc != 0, msg)) {
        timer_stop(TIMER_output);
        return 2;
    }
    /* agree after each collective write, so that no rank goes on into the next one alone */
    rc = h5md_write_positions(s->out, s->layer, s->time, s->p->offset, s->p->n_local,
                                  s->p->x, err, sizeof err);
    snprintf(msg, sizeof msg, "layer %ld: writing %s: %s", s->layer, s->cfg.output, err);
    if (comm_agree_failure(rc != 0, msg)) {
        timer_stop(TIMER_output);
        return 2;
    }
    rc = h5md_write_observables(s->out, s->layer, s->time, s->obs->obs, s->obs->n_obs, err,
                                sizeof err);
    timer_stop(TIMER_output);
    snprintf(msg, sizeof msg, "layer %ld: writing %s: %s", s->layer, s->cfg.output, err);
    return comm_agree_failure(rc != 0, msg) ? 2 : 0;
}

/* ---- posterior summary at the end of a run (issue 5) --------------------------------------- */

/* Order-preserving map of a double to an unsigned 64-bit key (finite values, -0 < +0). */
static uint64_t order_key(double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return (u >> 63) ? ~u : u | 0x8000000000000000ull;
}

static double key_value(uint64_t k)
{
    uint64_t u = (k >> 63) ? k & 0x7fffffffffffffffull : ~k;
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

int sim_posterior_compute(const sim *s, double *mean, double *std, double *lower, double *upper)
{
    const particles *p = s->p;
    const long d = p->dim, n = p->n_local, N = p->n_global;
    /* mean and (population) std, two passes */
    memset(mean, 0, (size_t)d * sizeof(double));
    for (long i = 0; i < n; i++)
        for (long k = 0; k < d; k++)
            mean[k] += p->x[i * d + k];
    comm_sum_double(mean, (int)d);
    for (long k = 0; k < d; k++)
        mean[k] /= (double)N;
    memset(std, 0, (size_t)d * sizeof(double));
    for (long i = 0; i < n; i++)
        for (long k = 0; k < d; k++) {
            double t = p->x[i * d + k] - mean[k];
            std[k] += t * t;
        }
    comm_sum_double(std, (int)d);
    for (long k = 0; k < d; k++)
        std[k] = sqrt(std[k] / (double)N);

    /* central 95% interval: lower = the r-th smallest, upper = the r-th largest value of each
     * coordinate, r = max(1, ceil(0.025 N)). Exact, by bisection on the 64-bit order keys of all
     * 2d targets at once: invariant count(<= lo) < rank <= count(<= hi); at most 64 rounds of one
     * pass over the own particles and one reduction of 2d counts. Memory O(d). */
    long r = (long)ceil(0.025 * (double)N - 1e-9);
    if (r < 1)
        r = 1;
    const long rank_of[2] = {r, N + 1 - r};
    double *lo_v = xmalloc((size_t)d * sizeof(double)), *hi_v = xmalloc((size_t)d * sizeof(double));
    for (long k = 0; k < d; k++) {
        lo_v[k] = INFINITY;
        hi_v[k] = -INFINITY;
    }
    for (long i = 0; i < n; i++)
        for (long k = 0; k < d; k++) {
            double v = p->x[i * d + k];
            lo_v[k] = v < lo_v[k] ? v : lo_v[k];
            hi_v[k] = v > hi_v[k] ? v : hi_v[k];
        }
    comm_min_double(lo_v, (int)d);
    comm_max_double(hi_v, (int)d);
    uint64_t *lo = xmalloc((size_t)(2 * d) * sizeof(uint64_t));
    uint64_t *hi = xmalloc((size_t)(2 * d) * sizeof(uint64_t));
    uint64_t *mid = xmalloc((size_t)(2 * d) * sizeof(uint64_t));
    double *cnt = xmalloc((size_t)(2 * d) * sizeof(double));
    for (long t = 0; t < 2 * d; t++) {
        lo[t] = order_key(lo_v[t % d]) - 1; /* count(<= lo) = 0 < rank */
        hi[t] = order_key(hi_v[t % d]);     /* count(<= hi) = N >= rank */
    }
    for (int round = 0; round < 70; round++) {
        int open = 0;
        for (long t = 0; t < 2 * d; t++) {
            mid[t] = hi[t] - lo[t] > 1 ? lo[t] + (hi[t] - lo[t]) / 2 : hi[t];
            open |= hi[t] - lo[t] > 1;
            cnt[t] = 0.0;
        }
        if (!open) /* the same on every rank: the bounds follow global counts */
            break;
        for (long i = 0; i < n; i++)
            for (long k = 0; k < d; k++) {
                uint64_t key = order_key(p->x[i * d + k]);
                cnt[k] += key <= mid[k];
                cnt[d + k] += key <= mid[d + k];
            }
        comm_sum_double(cnt, (int)(2 * d));
        for (long t = 0; t < 2 * d; t++) {
            if (hi[t] - lo[t] <= 1)
                continue;
            if (cnt[t] >= (double)rank_of[t / d])
                hi[t] = mid[t];
            else
                lo[t] = mid[t];
        }
    }
    for (long k = 0; k < d; k++) {
        lower[k] = key_value(hi[k]);
        upper[k] = key_value(hi[d + k]);
    }
    free(lo_v);
    free(hi_v);
    free(lo);
    free(hi);
    free(mid);
    free(cnt);
    return 0;
}

int sim_posterior_summary(sim *s)
{
    const long d = s->p->dim;
    const problem *prob = s->prob;
    double *v = xmalloc((size_t)(4 * d) * sizeof(double));
    double *mean = v, *std = v + d, *lower = v + 2 * d, *upper = v + 3 * d;
    sim_posterior_compute(s, mean, std, lower, upper);

    char err[1024] = "", what[256];
    int rc = 0;
    if (s->out) {
        const long dims[2] = {d, d};
        snprintf(what, sizeof what, "over N = %ld particles at layer %ld", s->p->n_global,
                 s->layer);
        char desc[4][384];
        snprintf(desc[0], sizeof desc[0], "per-coordinate mean %s", what);
        snprintf(desc[1], sizeof desc[1], "per-coordinate population standard deviation %s",
                 what);
        snprintf(desc[2], sizeof desc[2], "lower end of the central 95%% interval: the r-th "
                 "smallest value, r = max(1, ceil(0.025 N)), %s", what);
        snprintf(desc[3], sizeof desc[3], "upper end of the central 95%% interval: the r-th "
                 "largest value, r = max(1, ceil(0.025 N)), %s", what);
        const char *names[4] = {"/posterior/mean", "/posterior/std", "/posterior/lower",
                                "/posterior/upper"};
        for (int i = 0; i < 4 && rc == 0; i++)
            rc = h5md_write_dataset(s->out, names[i], 1, dims, v + i * d, desc[i], err,
                                    sizeof err);
        /* the problem's data and reference answers */
        if (rc == 0 && prob->x_true)
            rc = h5md_write_dataset(s->out, "/problem/x_true", 1, dims, prob->x_true,
                                    "the true parameter (generated, or problem.truth_file)", err,
                                    sizeof err);
        if (rc == 0 && prob->b) {
            const long mb[1] = {prob->m};
            rc = h5md_write_dataset(s->out, "/problem/b", 1, mb, prob->b,
                                    "the data b of f = |A x - b|^2 / (2 sigma^2)", err, sizeof err);
        }
        if (rc == 0 && prob->type == PROBLEM_LINEAR && prob->exact_mean)
            rc = h5md_write_dataset(s->out, "/problem/exact_mean", 1, dims, prob->exact_mean,
                                    "exact posterior mean at lambda = 0 (PDPOTRF/PDPOTRS of "
                                    "beta A'A / sigma^2 + ridge I)", err, sizeof err);
        if (rc == 0 && prob->type == PROBLEM_LINEAR && prob->exact_cov)
            rc = h5md_write_dataset(s->out, "/problem/exact_cov", 2, dims, prob->exact_cov,
                                    "exact posterior covariance at lambda = 0", err, sizeof err);
        if (rc == 0 && prob->map)
            rc = h5md_write_dataset(s->out, "/problem/map", 1, dims, prob->map,
                                    "lasso MAP argmin |A x - b|^2 / (2 sigma^2) + lambda |x|_1 "
                                    "(FISTA)", err, sizeof err);
    }
    char msg[1400];
    snprintf(msg, sizeof msg, "writing the posterior summary to %s: %s", s->cfg.output, err);
    if (comm_agree_failure(rc != 0, msg)) {
        free(v);
        return 2;
    }
    if (s->rank == 0) {
        const double *ref = NULL;
        const char *ref_name = NULL;
        if (prob->type == PROBLEM_LINEAR && prob->exact_mean) {
            ref = prob->exact_mean;
            ref_name = "exact_mean";
        } else if (prob->map) {
            ref = prob->map;
            ref_name = "map";
        } else if (prob->exact_mean) {
            ref = prob->exact_mean;
            ref_name = "exact_mean";
        }
        log_info("posterior summary at layer %ld over N = %ld particles (mean, std, central 95%% "
                 "interval)%s", s->layer, s->p->n_global, s->out ? ", stored in /posterior" : "");
        probe_posterior_table(stdout, d, mean, std, lower, upper, prob->x_true, ref, ref_name);
        fflush(stdout);
    }
    free(v);
    return 0;
}
