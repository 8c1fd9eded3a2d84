/**
 * @file rwpo_l1.c
 * @brief sampler.method = rwpo_l1: the RWPO-L1 layer, one phase per line (see rwpo_l1.h).
 */
#include "rwpo/samplers/rwpo_l1.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rwpo/base/comm.h"
#include "rwpo/base/log.h"
#include "rwpo/base/rng.h"
#include "rwpo/core/attention.h"
#include "rwpo/core/fgt_dist.h"
#include "rwpo/core/prior_l1.h"
#include "rwpo/core/ring.h"
#include "rwpo/problems/otflow.h"

#include "pmala_step.h"
#include "precond.h"

/* The phases, in report order (their timers are TIMER_PHASE0 + PHASE_name). */
#define RWPO_L1_PHASES(X)                                                                       \
    X(drift, "drift step y = x - h grad f(x)")                                                  \
    X(bias, "key bias and packing")                                                             \
    X(ring, "ring attention (kernel + communication)")                                          \
    X(ring_wait, "ring: waiting for communication")                                             \
    X(update, "shrinkage + attention update")

enum {
#define X(name, desc) PHASE_##name,
    RWPO_L1_PHASES(X)
#undef X
    N_PHASES
};

static const timer_phase phases[N_PHASES] = {
#define X(name, desc) {#name, desc},
    RWPO_L1_PHASES(X)
#undef X
};

/* sampler.correct = pmala: the same phases and the correction's. */
enum { PHASE_correct = N_PHASES, N_PHASES_CORRECT };
static const timer_phase phases_correct[N_PHASES_CORRECT] = {
#define X(name, desc) {#name, desc},
    RWPO_L1_PHASES(X)
#undef X
    {"correct", "P-MALA correction: sampler.correct_steps exact steps per particle"},
};

#define PHASE(name) ((timer_id)(TIMER_PHASE0 + PHASE_##name))

/* The method's state: the ring, the online-softmax state of the own rows, scratch. */
typedef struct {
    const sampler_env *env;
    ring *ring;
    attention_state att; /**< arrays below */
    double *att_m, *att_l, *att_o, *att_q;
    double *bias;        /**< [n_local * dim] key bias of the own rows */
    double *work;        /**< kernel scratch */
    double neighbours;   /**< effective neighbours of the last layer (NaN before layer 1) */
    int warned_identity; /**< the degenerate-attention warning was given */
    pmala_chains chains; /**< sampler.correct = pmala: the chains of the correction */
    double correct_acceptance; /**< its acceptance rate over the last layer's steps */
    precond pc;          /**< sampler.precondition != none: the metric (precond.h) */
    fgt_dist *fgt;             /**< run.attention = fgt | auto: the fast Gauss transform */
    double fgt_recomputed;     /**< rows summed directly in the last layer (NaN: direct sum) */
} rwpo_l1;

/* Doubles per key in a ring block: positions plus per-coordinate (coordinatewise) or summed
 * (joint) bias. Layout of a block of n keys: positions [d][n] (coordinate-major), then bias
 * [d][n] or [n]. */
static long key_width(const rwpo_config *cfg)
{
    return cfg->weights == WEIGHTS_JOINT ? cfg->dim + 1 : 2 * cfg->dim;
}

static size_t block_count(void *ctx, int owner)
{
    const rwpo_l1 *m = ctx;
    long n_local, offset;
    particles_shard(m->env->cfg->n, m->env->n_ranks, owner, &n_local, &offset);
    return (size_t)(n_local * key_width(m->env->cfg));
}

static void *create(const sampler_env *env)
{
    const rwpo_config *cfg = env->cfg;
    rwpo_l1 *m = xcalloc(1, sizeof *m);
    m->env = env;
    m->neighbours = NAN;
    const long N = cfg->n, d = cfg->dim, nl = env->p->n_local;
    const long max_local = N / env->n_ranks + (N % env->n_ranks ? 1 : 0);
    m->fgt_recomputed = NAN;
    if (rwpo_l1_uses_fgt(cfg))
        m->fgt = fgt_dist_create(nl, d);
    if (!m->fgt || cfg->attention != ATTENTION_FGT)
        m->ring = ring_create(comm_world(), (size_t)(max_local * key_width(cfg)),
                              cfg->ring == RING_OVERLAP);
    const size_t n_state = (size_t)(cfg->weights == WEIGHTS_JOINT ? nl : nl * d);
    const size_t n_ring = m->ring ? 1 : 0; /* run.attention = fgt: no ring state */
    m->att_m = xcalloc(n_state * n_ring + 1, sizeof(double));
    m->att_l = xcalloc(n_state * n_ring + 1, sizeof(double));
    m->att_q = xcalloc(n_state * n_ring + 1, sizeof(double));
    m->att_o = xcalloc((size_t)(nl * d) * n_ring + 1, sizeof(double));
    m->bias = xcalloc((size_t)(nl * d) * n_ring + 1, sizeof(double));
    m->work = xcalloc(attention_work_size(cfg->block, cfg->dim), sizeof(double));
    m->correct_acceptance = NAN;
    if (cfg->precondition != PRECOND_NONE)
        precond_init(&m->pc, env); /* collective */
    if (cfg->correct == CORRECT_PMALA) {
        pmala_chains_init(&m->chains, nl, d);
        timer_set_phases(phases_correct, N_PHASES_CORRECT);
    } else {
        timer_set_phases(phases, N_PHASES);
    }
    return m;
}

static void destroy(void *state)
{
    rwpo_l1 *m = state;
    if (!m)
        return;
    if (m->env->cfg->correct == CORRECT_PMALA)
        pmala_chains_free(&m->chains);
    precond_free(&m->pc);
    fgt_dist_destroy(m->fgt);
    free(m->work);
    free(m->bias);
    free(m->att_o);
    free(m->att_q);
    free(m->att_l);
    free(m->att_m);
    ring_destroy(m->ring);
    free(m);
}

/* ---- phases -------------------------------------------------------------------------------- */

static void phase_drift(rwpo_l1 *m, long k, double h)
{
    particles *p = m->env->p;
    if (m->pc.kind != PRECOND_NONE) { /* in z = L^-1 x: p->y = w (precond.h) */
        precond_refresh(&m->pc, m->env, k);
        precond_drift(&m->pc, m->env, h);
        return;
    }
    const long n = p->n_local * p->dim;
    problem_grad_all(m->env->prob, p->n_local, p->x, p->g); /* collective (linear: PDGEMM) */
    for (long i = 0; i < n; i++)
        p->y[i] = p->x[i] - h * p->g[i];
}

/* Key bias of the own rows, and the own block packed for the ring. */
static void phase_bias(rwpo_l1 *m, double T)
{
    const rwpo_config *cfg = m->env->cfg;
    particles *p = m->env->p;
    const long nl = p->n_local, d = p->dim;
    if (!m->ring)
        return; /* run.attention = fgt: no keys to pack */
    const prior_l1_normaliser kind =
        cfg->normaliser == NORMALISER_MOREAU ? PRIOR_L1_MOREAU : PRIOR_L1_EXACT;
    if (m->pc.kind != PRECOND_NONE)
        precond_key_bias(&m->pc, m->env, T, m->bias);
    else
        prior_l1_key_bias_n(kind, (size_t)(nl * d), p->y, cfg->lambda, cfg->beta, T, m->bias);
    double *blk = ring_local_buffer(m->ring);
    for (long i = 0; i < nl; i++)
        for (long k = 0; k < d; k++)
            blk[k * nl + i] = p->y[i * d + k];
    double *kb = blk + d * nl;
    if (cfg->weights == WEIGHTS_JOINT) {
        for (long i = 0; i < nl; i++) {
            double b = 0.0;
            for (long k = 0; k < d; k++)
                b += m->bias[i * d + k];
            kb[i] = b;
        }
    } else {
        for (long i = 0; i < nl; i++)
            for (long k = 0; k < d; k++)
                kb[k * nl + i] = m->bias[i * d + k];
    }
}

/* Ring visitor: fold the block of `owner` into the own rows, in cache-sized key blocks. */
static void visit_block(void *ctx, const double *block, int owner)
{
    rwpo_l1 *m = ctx;
    const rwpo_config *cfg = m->env->cfg;
    const long d = cfg->dim;
    long n_keys, offset;
    particles_shard(cfg->n, m->env->n_ranks, owner, &n_keys, &offset);
    const double *kx = block, *kb = block + d * n_keys;
    const long B = cfg->block;
    for (long j0 = 0; j0 < n_keys; j0 += B) {
        long nb = n_keys - j0 < B ? n_keys - j0 : B;
        attention_fold(&m->att, m->env->p->y, nb, n_keys, kx + j0, kb + j0, m->work);
    }
}

static void phase_attention(rwpo_l1 *m, double T)
{
    const rwpo_config *cfg = m->env->cfg;
    particles *p = m->env->p;
    const int joint = cfg->weights == WEIGHTS_JOINT;
    if (m->fgt && fgt_dist_layer(m->fgt, cfg, p, T, p->g, &m->neighbours, &m->fgt_recomputed) == 0)
        return;
    m->att = (attention_state){
        .n_rows = p->n_local,
        .dim = p->dim,
        .joint = joint,
        .fixed_shift = attention_use_fixed_shift(
            joint, p->dim, cfg->beta, m->pc.kind != PRECOND_NONE ? m->pc.lam_max : cfg->lambda,
            T, m->env->force_running_max),
        .c = cfg->beta / (2.0 * T),
        .reference = cfg->kernel == KERNEL_REFERENCE,
        .m = m->att_m,
        .l = m->att_l,
        .o = m->att_o,
        .q = m->att_q,
    };
    attention_begin(&m->att, p->y, m->bias);
    double wait = ring_run(m->ring, visit_block, block_count, m);
    timer_add(PHASE(ring_wait), wait);
    /* A overwrites g (grad f is no longer needed) */
    double neff[2] = {attention_end(&m->att, p->g), 0.0};
    comm_sum_double(neff, 1);
    m->neighbours = neff[0] / (double)(joint ? p->n_global : p->n_global * p->dim);
}

static void phase_update(rwpo_l1 *m, double h, double T)
{
    particles *p = m->env->p;
    const long n = p->n_local * p->dim;
    const double a = h / (2.0 * T), thr = m->env->cfg->lambda * T;
    if (m->pc.kind != PRECOND_NONE) {
        precond_update(&m->pc, p, a, T);
        return;
    }
    for (long i = 0; i < n; i++)
        p->x[i] = p->y[i] + a * (prior_l1_soft_threshold(p->y[i], thr) - p->g[i]);
}

/* K = sampler.correct_steps P-MALA steps of every particle (exact for pi) after the transport;
 * the acceptance rate is the mean over the K steps. Collective. */
static void phase_correct(rwpo_l1 *m, long k, double h)
{
    const rwpo_config *cfg = m->env->cfg;
    const double hc = cfg->correct_h > 0 ? cfg->correct_h : h;
    double acc = 0.0;
    m->chains.have_x = 0; /* the transport moved x */
    for (long s = 0; s < cfg->correct_steps; s++) {
        const pmala_keys keys = {RNG_STREAM_CORRECT, (uint64_t)s << 40, 0, 0, 0, 0};
        pmala_chains_step(&m->chains, m->env, k, hc, &keys);
        acc += m->chains.acceptance;
    }
    m->correct_acceptance = acc / (double)cfg->correct_steps;
}

static int layer(void *state, const sampler_env *env, long k, double h, double T)
{
    rwpo_l1 *m = state;
    if (env->prob->flow && k <= env->cfg->flow_steps) /* OT-Flow's generator step (otflow.h) */
        return otflow_layer(env->prob->flow, k, env->cfg->flow_steps, env->p->n_local, env->p->x);

    timer_start(PHASE(drift));
    phase_drift(m, k, h);
    timer_stop(PHASE(drift));

    timer_start(PHASE(bias));
    phase_bias(m, T);
    timer_stop(PHASE(bias));

    timer_start(PHASE(ring));
    phase_attention(m, T);
    timer_stop(PHASE(ring));

    timer_start(PHASE(update));
    phase_update(m, h, T);
    timer_stop(PHASE(update));

    if (env->cfg->correct == CORRECT_PMALA) {
        timer_start(PHASE(correct));
        phase_correct(m, k, h);
        timer_stop(PHASE(correct));
    }

    if (m->neighbours < 1.05 && !m->warned_identity && !env->quiet) {
        log_warn("layer %ld: the attention has degenerated to the identity (effective "
                 "neighbours %.3f): particles are far apart relative to sqrt(T/beta)%s", k,
                 m->neighbours,
                 env->cfg->weights == WEIGHTS_JOINT ? "; coordinatewise weights avoid this" : "");
        m->warned_identity = 1;
    }
    return 0;
}

static void values(const void *state, double *out)
{
    const rwpo_l1 *m = state;
    out[0] = m->neighbours;
    if (m->env->cfg->correct == CORRECT_PMALA)
        out[1] = m->correct_acceptance;
    if (m->fgt)
        out[m->env->cfg->correct == CORRECT_PMALA ? 2 : 1] = m->fgt_recomputed;
}

static void restore(void *state, const double *in)
{
    rwpo_l1 *m = state;
    if (!in && m->env->cfg->precondition_source == PRECOND_COVARIANCE)
        m->pc.have = 0; /* from a run file's frame: M is rebuilt from that cloud */
    m->neighbours = in ? in[0] : NAN;
    m->correct_acceptance = in && m->env->cfg->correct == CORRECT_PMALA ? in[1] : NAN;
    if (m->fgt)
        m->fgt_recomputed = in ? in[m->env->cfg->correct == CORRECT_PMALA ? 2 : 1] : NAN;
}

/* The ring's two buffers, the online-softmax state, the key bias and the kernel scratch. */
static double bytes(const rwpo_config *cfg, long max_local, int n_ranks)
{
    (void)n_ranks;
    const double nl = (double)max_local, d = (double)cfg->dim;
    const double n_state = cfg->weights == WEIGHTS_JOINT ? nl : nl * d;
    const double correct =
        cfg->correct == CORRECT_PMALA ? pmala_chains_bytes(max_local, cfg->dim) : 0.0;
    const int fgt = rwpo_l1_uses_fgt(cfg), ring = !fgt || cfg->attention != ATTENTION_FGT;
    return 8.0 * ((2.0 * nl * (double)key_width(cfg) + 3.0 * n_state + 2.0 * nl * d) * ring +
                  (double)attention_work_size(cfg->block, cfg->dim)) +
           correct + precond_bytes(cfg) + (fgt ? fgt_dist_bytes(max_local, cfg->dim) : 0.0);
}

/* The checkpoint array: the factor of the metric (none without preconditioning). */
static long array_len(const void *state)
{
    const rwpo_l1 *m = state;
    return m->pc.kind != PRECOND_NONE ? precond_len(&m->pc) : 0;
}

static void array_save(const void *state, double *out)
{
    const rwpo_l1 *m = state;
    if (m->pc.have)
        memcpy(out, m->pc.L, (size_t)precond_len(&m->pc) * sizeof(double));
    else /* not built yet (a checkpoint before layer 1): zeros, read back as "rebuild" */
        memset(out, 0, (size_t)precond_len(&m->pc) * sizeof(double));
}

static void array_restore(void *state, const double *in) { precond_set(&((rwpo_l1 *)state)->pc, in); }

static const char *const own_names[] = {"neighbours"};
static const char *const own_names_correct[] = {"neighbours", "correct_acceptance"};

/* The table of rwpo_l1 with its phases and own values (the same as its checkpoint values). */
#define RWPO_L1_TABLE(phase_table, n_phase, names, n_names)                                     \
    {                                                                                           \
        .name = "rwpo_l1", .phases = phase_table, .n_phases = n_phase, .obs_names = names,      \
        .n_obs = n_names, .ckpt_names = names, .n_ckpt = n_names, .create = create,             \
        .layer = layer, .values = values, .save = values, .restore = restore,                   \
        .destroy = destroy, .bytes = bytes, .array_name = "precondition",                      \
        .array_len = array_len, .array_save = array_save, .array_restore = array_restore,       \
    }

const sampler_method rwpo_l1_method = RWPO_L1_TABLE(phases, N_PHASES, own_names, 1);

const sampler_method rwpo_l1_correct_method =
    RWPO_L1_TABLE(phases_correct, N_PHASES_CORRECT, own_names_correct, 2);

static const char *const own_names_fgt[] = {"neighbours", "fgt_recomputed"};
static const char *const own_names_fgt_correct[] = {"neighbours", "correct_acceptance",
                                                    "fgt_recomputed"};

const sampler_method rwpo_l1_fgt_method = RWPO_L1_TABLE(phases, N_PHASES, own_names_fgt, 2);

const sampler_method rwpo_l1_fgt_correct_method =
    RWPO_L1_TABLE(phases_correct, N_PHASES_CORRECT, own_names_fgt_correct, 3);

int rwpo_l1_uses_fgt(const rwpo_config *cfg)
{
    return cfg->weights == WEIGHTS_COORDINATEWISE && cfg->precondition == PRECOND_NONE &&
           (cfg->attention == ATTENTION_FGT ||
            (cfg->attention == ATTENTION_AUTO && cfg->n >= CONFIG_FGT_AUTO_MIN_N));
}
