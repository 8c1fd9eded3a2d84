/**
 * @file sim.c
 * @brief The run object and the RWPO-L1 layer (see sim.h for the phases).
 */
#include "rwpo/sim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rwpo/comm.h"
#include "rwpo/log.h"
#include "rwpo/prior_l1.h"
#include "rwpo/timers.h"

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

/* Collective: did any rank fail? The lowest failing rank prints its message. */
static int agree_failure(int failed, const char *msg)
{
    int P = comm_size(), me = comm_rank();
    int lowest = comm_agree_max(failed ? P - me : 0);
    if (lowest == 0)
        return 0;
    if (failed && P - me == lowest)
        log_error_any("%s", msg);
    return 1;
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
        int rc = h5md_read_matrix(cfg->init_file, comm_world(), N, d, s->p->offset, nl, s->p->x,
                                  err, sizeof err);
        char msg[4400];
        snprintf(msg, sizeof msg, "[particles] init_file = %s: %s", cfg->init_file, err);
        if (agree_failure(rc != 0, msg)) {
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

    s->prob = problem_create(cfg);
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
    s->work = xcalloc(attention_work_size(cfg->block), sizeof(double));

    if (with_output) {
        s->out = sim_create_file(s, cfg->output, 0, err, sizeof err);
        char msg[4400];
        snprintf(msg, sizeof msg, "[run] output = %s: %s", cfg->output, err);
        if (agree_failure(s->out == NULL, msg)) {
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
    h5md_param *params = NULL;
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
    problem_grad(s->prob, p->n_local, p->x, p->g);
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
    if (agree_failure(bad >= 0, msg))
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
    int rc = h5md_write_positions(s->out, s->layer, s->time, s->p->offset, s->p->n_local,
                                  s->p->x, err, sizeof err);
    if (rc == 0)
        rc = h5md_write_observables(s->out, s->layer, s->time, s->obs->obs, s->obs->n_obs, err,
                                    sizeof err);
    timer_stop(TIMER_output);
    char msg[2300];
    snprintf(msg, sizeof msg, "layer %ld: writing %s: %s", s->layer, s->cfg.output, err);
    return agree_failure(rc != 0, msg) ? 2 : 0;
}
