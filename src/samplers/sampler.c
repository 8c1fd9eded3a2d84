/**
 * @file sampler.c
 * @brief The table of methods (see sampler.h).
 */
#include "rwpo/samplers/sampler.h"

#include "rwpo/samplers/myula.h"
#include "rwpo/samplers/pmala.h"
#include "rwpo/samplers/rwpo_l1.h"
#include "rwpo/samplers/ula.h"

const sampler_method *sampler_of(const rwpo_config *cfg)
{
    switch (cfg->method) {
    case METHOD_RWPO_L1:
        return &rwpo_l1_method;
    case METHOD_ULA:
        return &ula_method;
    case METHOD_MYULA:
        return &myula_method;
    case METHOD_PMALA:
        return &pmala_method;
    }
    return NULL;
}
