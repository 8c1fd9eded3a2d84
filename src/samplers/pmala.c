/**
 * @file pmala.c
 * @brief sampler.method = pmala: proximal MALA with an exact Metropolis-Hastings step, one
 *        phase per line (see pmala.h).
 */
#include "rwpo/samplers/pmala.h"

#include <math.h>
#include <stdlib.h>

#include "rwpo/base/log.h"
#include "rwpo/base/rng.h"

#include "pmala_step.h"

/* The phases, in report order (their timers are TIMER_PHASE0 + PHASE_name). */
#define PMALA_PHASES(X)                                                                         \
    X(gradient, "f and grad f of the proposals (and of x after a restart)")                    \
    X(propose, "proximal-gradient mean and noise")                                              \
    X(accept, "Metropolis-Hastings ratio, accept/reject, acceptance rate")

enum {
#define X(name, desc) PHASE_##name,
    PMALA_PHASES(X)
#undef X
    N_PHASES
};

static const timer_phase phases[N_PHASES] = {
#define X(name, desc) {#name, desc},
    PMALA_PHASES(X)
#undef X
};

#define PHASE(name) ((timer_id)(TIMER_PHASE0 + PHASE_##name))

/* The method's state: the chains of pmala_step.h. */
typedef struct {
    const sampler_env *env;
    pmala_chains c;
} pmala;

static void *create(const sampler_env *env)
{
    pmala *m = xcalloc(1, sizeof *m);
    m->env = env;
    pmala_chains_init(&m->c, env->p->n_local, env->p->dim);
    timer_set_phases(phases, N_PHASES);
    return m;
}

static void destroy(void *state)
{
    pmala *m = state;
    if (!m)
        return;
    pmala_chains_free(&m->c);
    free(m);
}

static int layer(void *state, const sampler_env *env, long k, double h, double T)
{
    pmala *m = state;
    (void)T; /* ignored: P-MALA has no proximal time */
    const pmala_keys keys = {RNG_STREAM_NOISE, 0, 1, PHASE(gradient), PHASE(propose),
                             PHASE(accept)};
    return pmala_chains_step(&m->c, env, k, h, &keys);
}

static void values(const void *state, double *out)
{
    out[0] = ((const pmala *)state)->c.acceptance;
}

static void restore(void *state, const double *in)
{
    pmala *m = state;
    m->c.acceptance = in ? in[0] : NAN;
    m->c.have_x = 0; /* f and grad f of the restored x: recomputed at the next layer */
}

static const char *const own_names[] = {"acceptance"};

/* f and the acceptance terms per chain, and grad f of the current states. */
static double bytes(const rwpo_config *cfg, long max_local, int n_ranks)
{
    (void)n_ranks;
    return pmala_chains_bytes(max_local, cfg->dim);
}

const sampler_method pmala_method = {
    .name = "pmala",
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
