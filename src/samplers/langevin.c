/**
 * @file langevin.c
 * @brief The random numbers of the MCMC references and the unadjusted Langevin iteration of
 *        ula and myula (see langevin.h).
 */
#include "langevin.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "rwpo/base/log.h"
#include "rwpo/base/rng.h"
#include "rwpo/core/prior_l1.h"

/* The coordinate field of layer k's draw at coordinate c: the layer's bits above the
 * generator's 24-bit layer field go to bits 20.. (c < 2^20). */
static uint32_t coord_key(long k, long c)
{
    return (uint32_t)c | (uint32_t)((unsigned long)k >> 24) << 20;
}

double langevin_normal(const rwpo_config *cfg, long k, long id, long coord)
{
    return langevin_normal_keyed(cfg, RNG_STREAM_NOISE, k, (uint64_t)id, coord);
}

double langevin_normal_keyed(const rwpo_config *cfg, uint32_t stream, long k, uint64_t id,
                             long coord)
{
    return rng_normal((uint64_t)cfg->seed, stream, (uint32_t)k, id, coord_key(k, coord));
}

double langevin_uniform_keyed(const rwpo_config *cfg, uint32_t stream, long k, uint64_t id)
{
    return rng_uniform((uint64_t)cfg->seed, stream, (uint32_t)k, id, coord_key(k, cfg->dim));
}

/* The phases of ula and myula (timers TIMER_PHASE0 + PHASE_name). */
#define LANGEVIN_PHASES(X)                                                                      \
    X(gradient, "grad f of every chain")                                                        \
    X(step, "drift, L1 drift and noise")

enum {
#define X(name, desc) PHASE_##name,
    LANGEVIN_PHASES(X)
#undef X
};

const timer_phase langevin_phases[LANGEVIN_N_PHASES] = {
#define X(name, desc) {#name, desc},
    LANGEVIN_PHASES(X)
#undef X
};

#define PHASE(name) ((timer_id)(TIMER_PHASE0 + PHASE_##name))

typedef struct {
    const sampler_env *env;
} langevin;

void *langevin_create(const sampler_env *env)
{
    langevin *m = xcalloc(1, sizeof *m);
    m->env = env;
    timer_set_phases(langevin_phases, LANGEVIN_N_PHASES);
    return m;
}

void langevin_restore(void *state, const double *in)
{
    (void)state;
    (void)in;
}

void langevin_destroy(void *state)
{
    free(state);
}

int langevin_unadjusted_layer(const sampler_env *env, long k, double h, double gamma)
{
    particles *p = env->p;
    const rwpo_config *cfg = env->cfg;
    const long n = p->n_local, d = p->dim;

    timer_start(PHASE(gradient));
    problem_grad_all(env->prob, n, p->x, p->g); /* collective (linear: DGEMM / PDGEMM) */
    timer_stop(PHASE(gradient));

    timer_start(PHASE(step));
    const double lambda = cfg->lambda, noise = sqrt(2.0 * h / cfg->beta);
    const double a = gamma > 0 ? h / gamma : 0.0, thr = gamma * lambda;
    for (long i = 0; i < n; i++)
        for (long j = 0; j < d; j++) {
            const double v = p->x[i * d + j];
            const double l1 = gamma > 0 ? a * (v - prior_l1_soft_threshold(v, thr))
                                        : h * lambda * (double)((v > 0) - (v < 0));
            p->x[i * d + j] = v - h * p->g[i * d + j] - l1 +
                              noise * langevin_normal(cfg, k, p->offset + i, j);
        }
    timer_stop(PHASE(step));
    return 0;
}

double langevin_bytes(const rwpo_config *cfg, long max_local, int n_ranks)
{
    (void)cfg;
    (void)max_local;
    (void)n_ranks;
    return (double)sizeof(langevin);
}
