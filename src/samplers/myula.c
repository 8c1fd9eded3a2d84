/**
 * @file myula.c
 * @brief sampler.method = myula (see myula.h): the unadjusted iteration of langevin.c with the
 *        Moreau-Yosida drift of the L1 term, parameter gamma = sampler.gamma (or h).
 */
#include "rwpo/samplers/myula.h"

#include "rwpo/base/log.h"

#include "langevin.h"

/* gamma of a layer with step size h. */
static double gamma_of(const rwpo_config *cfg, double h)
{
    return cfg->gamma > 0 ? cfg->gamma : h;
}

static void *create(const sampler_env *env)
{
    const rwpo_config *cfg = env->cfg;
    /* the L1 part of the drift maps v to (1 - h/gamma) v near 0: it overshoots for h > 2 gamma */
    for (int s = -1; s < cfg->n_schedule && !env->quiet; s++) {
        const double h = s < 0 ? cfg->h : cfg->schedule_h[s];
        if (h > 2.0 * gamma_of(cfg, h)) {
            log_warn("sampler.gamma = %g is below h/2 = %g (layer %ld on): the Moreau-Yosida "
                     "drift overshoots near 0; use gamma >= h/2", gamma_of(cfg, h), h / 2,
                     s < 0 ? 1L : cfg->schedule_layer[s]);
            break;
        }
    }
    return langevin_create(env);
}

static int layer(void *state, const sampler_env *env, long k, double h, double T)
{
    (void)state;
    (void)T; /* ignored: MYULA's smoothing parameter is gamma */
    return langevin_unadjusted_layer(env, k, h, gamma_of(env->cfg, h));
}

const sampler_method myula_method = {
    .name = "myula",
    .phases = langevin_phases,
    .n_phases = LANGEVIN_N_PHASES,
    .create = create,
    .layer = layer,
    .restore = langevin_restore,
    .destroy = langevin_destroy,
    .bytes = langevin_bytes,
};
