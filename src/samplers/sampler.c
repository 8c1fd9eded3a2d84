/**
 * @file sampler.c
 * @brief The table of methods (see sampler.h).
 */
#include "rwpo/samplers/sampler.h"

#include "rwpo/samplers/gibbs_lasso.h"
#include "rwpo/samplers/rwpo_l1.h"

const sampler_method *sampler_of(const rwpo_config *cfg)
{
    switch (cfg->method) {
    case METHOD_RWPO_L1:
        return &rwpo_l1_method;
    case METHOD_GIBBS_LASSO:
        return &gibbs_lasso_method;
    }
    return NULL;
}
