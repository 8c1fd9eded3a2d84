/**
 * @file pmala.c
 * @brief sampler.method = pmala: proximal MALA with an exact Metropolis-Hastings step, one
 *        phase per line (see pmala.h).
 */
#include "rwpo/samplers/pmala.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rwpo/base/comm.h"
#include "rwpo/base/log.h"
#include "rwpo/core/prior_l1.h"

#include "langevin.h"

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

/* The method's state. The proposals live in p->y, grad f of them in p->g. */
typedef struct {
    const sampler_env *env;
    double *fx;        /**< [n_local] f(x) of the current states (valid if have_x) */
    double *gx;        /**< [n_local * dim] grad f(x) (valid if have_x) */
    double *fy;        /**< [n_local] f(y) of the proposals */
    double *qxy;       /**< [n_local] |y - m(x)|^2 of the proposals */
    int have_x;        /**< fx, gx hold the values at x (not after create or restore) */
    double acceptance; /**< fraction of all chains that accepted at the last layer */
} pmala;

static void *create(const sampler_env *env)
{
    pmala *m = xcalloc(1, sizeof *m);
    const long nl = env->p->n_local, d = env->p->dim;
    m->env = env;
    m->fx = xcalloc((size_t)nl + 1, sizeof(double));
    m->fy = xcalloc((size_t)nl + 1, sizeof(double));
    m->qxy = xcalloc((size_t)nl + 1, sizeof(double));
    m->gx = xcalloc((size_t)(nl * d) + 1, sizeof(double));
    m->acceptance = NAN;
    timer_set_phases(phases, N_PHASES);
    return m;
}

static void destroy(void *state)
{
    pmala *m = state;
    if (!m)
        return;
    free(m->gx);
    free(m->qxy);
    free(m->fy);
    free(m->fx);
    free(m);
}

/* m(v) = S_{h lambda}(v - h g), one coordinate. */
static double prox_mean(double v, double g, double h, double lambda)
{
    return prior_l1_soft_threshold(v - h * g, h * lambda);
}

/* ---- phases -------------------------------------------------------------------------------- */

/* y_i = m(x_i) + sqrt(2h/beta) xi_i, and |y_i - m(x_i)|^2. */
static void phase_propose(pmala *m, long k, double h)
{
    const rwpo_config *cfg = m->env->cfg;
    particles *p = m->env->p;
    const long d = p->dim;
    const double noise = sqrt(2.0 * h / cfg->beta);
    for (long i = 0; i < p->n_local; i++) {
        double q = 0.0;
        for (long j = 0; j < d; j++) {
            const long ij = i * d + j;
            const double mx = prox_mean(p->x[ij], m->gx[ij], h, cfg->lambda);
            p->y[ij] = mx + noise * langevin_normal(cfg, k, p->offset + i, j);
            q += (p->y[ij] - mx) * (p->y[ij] - mx);
        }
        m->qxy[i] = q;
    }
}

/* Accept y_i with probability min(1, a_i); the acceptance rate over all chains. */
static void phase_accept(pmala *m, long k, double h)
{
    const rwpo_config *cfg = m->env->cfg;
    particles *p = m->env->p;
    const long d = p->dim;
    const double beta = cfg->beta, lambda = cfg->lambda;
    double accepted = 0.0;
    for (long i = 0; i < p->n_local; i++) {
        const double *x = p->x + i * d, *y = p->y + i * d, *gy = p->g + i * d;
        double l1x = 0.0, l1y = 0.0, qyx = 0.0;
        for (long j = 0; j < d; j++) {
            const double r = x[j] - prox_mean(y[j], gy[j], h, lambda);
            l1x += fabs(x[j]);
            l1y += fabs(y[j]);
            qyx += r * r;
        }
        const double log_a = -beta * ((m->fy[i] + lambda * l1y) - (m->fx[i] + lambda * l1x)) -
                             beta * (qyx - m->qxy[i]) / (4.0 * h);
        if (log(langevin_uniform(cfg, k, p->offset + i)) < log_a) {
            memcpy(p->x + i * d, y, (size_t)d * sizeof(double));
            memcpy(m->gx + i * d, gy, (size_t)d * sizeof(double));
            m->fx[i] = m->fy[i];
            accepted += 1.0;
        }
    }
    comm_sum_double(&accepted, 1);
    m->acceptance = accepted / (double)p->n_global;
}

static int layer(void *state, const sampler_env *env, long k, double h, double T)
{
    pmala *m = state;
    particles *p = env->p;
    (void)T; /* ignored: P-MALA has no proximal time */

    timer_start(PHASE(gradient));
    if (!m->have_x) /* collective for linear: every rank has the same have_x */
        problem_f_grad_all(env->prob, p->n_local, p->x, m->fx, m->gx);
    m->have_x = 1;
    timer_stop(PHASE(gradient));

    timer_start(PHASE(propose));
    phase_propose(m, k, h);
    timer_stop(PHASE(propose));

    timer_start(PHASE(gradient));
    problem_f_grad_all(env->prob, p->n_local, p->y, m->fy, p->g); /* collective (linear) */
    timer_stop(PHASE(gradient));

    timer_start(PHASE(accept));
    phase_accept(m, k, h);
    timer_stop(PHASE(accept));
    return 0;
}

static void values(const void *state, double *out)
{
    out[0] = ((const pmala *)state)->acceptance;
}

static void restore(void *state, const double *in)
{
    pmala *m = state;
    m->acceptance = in ? in[0] : NAN;
    m->have_x = 0; /* f and grad f of the restored x: recomputed at the next layer */
}

static const char *const own_names[] = {"acceptance"};

/* f and the acceptance terms per chain, and grad f of the current states. */
static double bytes(const rwpo_config *cfg, long max_local, int n_ranks)
{
    (void)n_ranks;
    return 8.0 * ((double)max_local + 1.0) * (3.0 + (double)cfg->dim);
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
