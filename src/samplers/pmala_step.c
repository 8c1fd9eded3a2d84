/**
 * @file pmala_step.c
 * @brief One proximal MALA step of every chain of a rank (see pmala_step.h).
 */
#include "pmala_step.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rwpo/base/comm.h"
#include "rwpo/base/log.h"
#include "rwpo/core/prior_l1.h"

#include "langevin.h"

void pmala_chains_init(pmala_chains *c, long n_local, long dim)
{
    c->fx = xcalloc((size_t)n_local + 1, sizeof(double));
    c->fy = xcalloc((size_t)n_local + 1, sizeof(double));
    c->qxy = xcalloc((size_t)n_local + 1, sizeof(double));
    c->gx = xcalloc((size_t)(n_local * dim) + 1, sizeof(double));
    c->have_x = 0;
    c->acceptance = NAN;
}

void pmala_chains_free(pmala_chains *c)
{
    free(c->gx);
    free(c->qxy);
    free(c->fy);
    free(c->fx);
}

/* f and the acceptance terms per chain, and grad f of the current states. */
double pmala_chains_bytes(long max_local, long dim)
{
    return 8.0 * ((double)max_local + 1.0) * (3.0 + (double)dim);
}

/* m(v) = S_{h lambda}(v - h g), one coordinate. */
static double prox_mean(double v, double g, double h, double lambda)
{
    return prior_l1_soft_threshold(v - h * g, h * lambda);
}

static void start(const pmala_keys *keys, timer_id t)
{
    if (keys->timed)
        timer_start(t);
}

static void stop(const pmala_keys *keys, timer_id t)
{
    if (keys->timed)
        timer_stop(t);
}

/* y_i = m(x_i) + sqrt(2h/beta) xi_i, and |y_i - m(x_i)|^2. */
static void propose(pmala_chains *c, const sampler_env *env, long k, double h,
                    const pmala_keys *keys)
{
    const rwpo_config *cfg = env->cfg;
    particles *p = env->p;
    const long d = p->dim;
    const double noise = sqrt(2.0 * h / cfg->beta);
    for (long i = 0; i < p->n_local; i++) {
        const uint64_t id = (uint64_t)(p->offset + i) | keys->tag;
        double q = 0.0;
        for (long j = 0; j < d; j++) {
            const long ij = i * d + j;
            const double mx = prox_mean(p->x[ij], c->gx[ij], h, cfg->lambda);
            p->y[ij] = mx + noise * langevin_normal_keyed(cfg, keys->stream, k, id, j);
            q += (p->y[ij] - mx) * (p->y[ij] - mx);
        }
        c->qxy[i] = q;
    }
}

/* Accept y_i with probability min(1, a_i); the acceptance rate over all chains. */
static void accept(pmala_chains *c, const sampler_env *env, long k, double h,
                   const pmala_keys *keys)
{
    const rwpo_config *cfg = env->cfg;
    particles *p = env->p;
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
        const double log_a = -beta * ((c->fy[i] + lambda * l1y) - (c->fx[i] + lambda * l1x)) -
                             beta * (qyx - c->qxy[i]) / (4.0 * h);
        const double u = langevin_uniform_keyed(cfg, keys->stream, k,
                                                (uint64_t)(p->offset + i) | keys->tag);
        if (log(u) < log_a) {
            memcpy(p->x + i * d, y, (size_t)d * sizeof(double));
            memcpy(c->gx + i * d, gy, (size_t)d * sizeof(double));
            c->fx[i] = c->fy[i];
            accepted += 1.0;
        }
    }
    comm_sum_double(&accepted, 1);
    c->acceptance = accepted / (double)p->n_global;
}

int pmala_chains_step(pmala_chains *c, const sampler_env *env, long k, double h,
                      const pmala_keys *keys)
{
    particles *p = env->p;

    start(keys, keys->gradient);
    if (!c->have_x) /* collective for linear: every rank has the same have_x */
        problem_f_grad_all(env->prob, p->n_local, p->x, c->fx, c->gx);
    c->have_x = 1;
    stop(keys, keys->gradient);

    start(keys, keys->propose);
    propose(c, env, k, h, keys);
    stop(keys, keys->propose);

    start(keys, keys->gradient);
    problem_f_grad_all(env->prob, p->n_local, p->y, c->fy, p->g); /* collective (linear) */
    stop(keys, keys->gradient);

    start(keys, keys->accept);
    accept(c, env, k, h, keys);
    stop(keys, keys->accept);
    return 0;
}
