/**
 * @file ula.c
 * @brief sampler.method = ula (see ula.h): the unadjusted iteration of langevin.c with the
 *        subgradient drift of the L1 term.
 */
#include "rwpo/samplers/ula.h"

#include "langevin.h"

static int layer(void *state, const sampler_env *env, long k, double h, double T)
{
    (void)state;
    (void)T; /* ignored: ULA has no proximal time */
    return langevin_unadjusted_layer(env, k, h, 0.0);
}

const sampler_method ula_method = {
    .name = "ula",
    .phases = langevin_phases,
    .n_phases = LANGEVIN_N_PHASES,
    .create = langevin_create,
    .layer = layer,
    .restore = langevin_restore,
    .destroy = langevin_destroy,
    .bytes = langevin_bytes,
};
