/**
 * @file sampler.c
 * @brief The table of methods (see sampler.h).
 */
#include "rwpo/samplers/sampler.h"

#include <assert.h>

#include "rwpo/samplers/gibbs_lasso.h"
#include "rwpo/samplers/myula.h"
#include "rwpo/samplers/pmala.h"
#include "rwpo/samplers/rwpo_l1.h"
#include "rwpo/samplers/svgd.h"
#include "rwpo/samplers/ula.h"

/* Every operation of a method is required (an incomplete table is a programming error). */
static const sampler_method *complete(const sampler_method *m)
{
    assert(m->create && m->layer && m->destroy && m->bytes && m->restore);
    assert(m->n_obs == 0 || m->values);
    assert(m->n_ckpt == 0 || m->save);
    return m;
}

const sampler_method *sampler_of(const rwpo_config *cfg)
{
    switch (cfg->method) {
    case METHOD_RWPO_L1:
        if (rwpo_l1_uses_fgt(cfg))
            return complete(cfg->correct == CORRECT_PMALA ? &rwpo_l1_fgt_correct_method
                                                          : &rwpo_l1_fgt_method);
        return complete(cfg->correct == CORRECT_PMALA ? &rwpo_l1_correct_method
                                                      : &rwpo_l1_method);
    case METHOD_ULA:
        return complete(&ula_method);
    case METHOD_MYULA:
        return complete(&myula_method);
    case METHOD_PMALA:
        return complete(&pmala_method);
    case METHOD_GIBBS_LASSO:
        return complete(&gibbs_lasso_method);
    case METHOD_SVGD:
        return complete(&svgd_method);
    }
    return NULL;
}
