/**
 * @file observables.c
 * @brief Observables and problem metrics (see observables.h). Reductions go through comm.
 */
#include "rwpo/observables.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rwpo/comm.h"
#include "rwpo/log.h"
#include "rwpo/marginal.h"

static void add(observables *o, const char *name, int width, const double *v)
{
    o->obs[o->n_obs].name = name;
    o->obs[o->n_obs].width = width;
    o->obs[o->n_obs].value = v;
    o->n_obs++;
}

observables *observables_create(const rwpo_config *cfg, const problem *prob)
{
    observables *o = xcalloc(1, sizeof *o);
    o->dim = cfg->dim;
    o->mean = xcalloc((size_t)o->dim, sizeof(double));
    o->std = xcalloc((size_t)o->dim, sizeof(double));
    o->red = xcalloc((size_t)o->dim + 2, sizeof(double));
    add(o, "mean", (int)o->dim, o->mean);
    add(o, "std", (int)o->dim, o->std);
    add(o, "sparsity", 1, &o->sparsity);
    add(o, "potential", 1, &o->potential);
    add(o, "neighbours", 1, &o->neighbours);
    o->headline = 3;
    if (prob->type == PROBLEM_GAUSSIAN) {
        o->headline = o->n_obs;
        add(o, "mean_error", 1, &o->metric[0]);
        add(o, "var_error", 1, &o->metric[1]);
    } else if (prob->type == PROBLEM_MIXTURE_LAPLACE) {
        o->headline = o->n_obs;
        add(o, "marginal_l1_error", 2, o->metric);
        o->grid = xcalloc(PROBLEM_GRID_N, sizeof(double));
    }
    return o;
}

void observables_destroy(observables *o)
{
    if (!o)
        return;
    free(o->mean);
    free(o->std);
    free(o->red);
    free(o->grid);
    free(o);
}

/* L1 error of the KDE of one coordinate against an exact marginal (collective). */
static double kde_error(observables *o, const particles *p, long coord, const double *exact)
{
    memset(o->grid, 0, PROBLEM_GRID_N * sizeof(double));
    if (p->n_local > 0)
        marginal_kde_add((size_t)p->n_local, p->x + coord, (size_t)p->dim, PROBLEM_KDE_VAR,
                         PROBLEM_GRID_LO, PROBLEM_GRID_DX, PROBLEM_GRID_N, o->grid);
    comm_sum_double(o->grid, PROBLEM_GRID_N);
    for (int g = 0; g < PROBLEM_GRID_N; g++)
        o->grid[g] /= (double)p->n_global;
    return marginal_l1_distance(o->grid, exact, PROBLEM_GRID_N, PROBLEM_GRID_DX);
}

void observables_compute(observables *o, const rwpo_config *cfg, const particles *p,
                         const problem *prob, double neighbours)
{
    const long d = p->dim, n = p->n_local;
    const double N = (double)p->n_global;
    /* mean, then centred second moment (two passes: no cancellation) */
    double *buf = o->std;
    memset(o->mean, 0, (size_t)d * sizeof(double));
    for (long i = 0; i < n; i++)
        for (long k = 0; k < d; k++)
            o->mean[k] += p->x[i * d + k];
    comm_sum_double(o->mean, (int)d);
    for (long k = 0; k < d; k++)
        o->mean[k] /= N;
    memset(buf, 0, (size_t)d * sizeof(double));
    for (long i = 0; i < n; i++)
        for (long k = 0; k < d; k++) {
            double t = p->x[i * d + k] - o->mean[k];
            buf[k] += t * t;
        }
    /* sparsity count and potential ride along in the same reduction */
    double extra[2] = {0.0, 0.0};
    for (long i = 0; i < n; i++) {
        const double *xi = p->x + i * d;
        double l1 = 0.0;
        for (long k = 0; k < d; k++) {
            l1 += fabs(xi[k]);
            if (fabs(xi[k]) <= cfg->sparsity_tol)
                extra[0] += 1.0;
        }
        extra[1] += problem_f(prob, xi) + cfg->lambda * l1;
    }
    double *red = o->red;
    memcpy(red, buf, (size_t)d * sizeof(double));
    red[d] = extra[0];
    red[d + 1] = extra[1];
    comm_sum_double(red, (int)(d + 2));
    for (long k = 0; k < d; k++)
        o->std[k] = sqrt(red[k] / N);
    o->sparsity = red[d] / (N * (double)d);
    o->potential = red[d + 1] / N;
    o->neighbours = neighbours;

    if (prob->type == PROBLEM_GAUSSIAN) {
        double me = 0.0, ve = 0.0;
        for (long k = 0; k < d; k++) {
            double em = fabs(o->mean[k] - prob->exact_mean[k]);
            double ev = fabs(o->std[k] * o->std[k] / prob->exact_var[k] - 1.0);
            me = em > me ? em : me;
            ve = ev > ve ? ev : ve;
        }
        o->metric[0] = me;
        o->metric[1] = ve;
    } else if (prob->type == PROBLEM_MIXTURE_LAPLACE) {
        o->metric[0] = kde_error(o, p, 0, prob->marg_first);
        o->metric[1] = kde_error(o, p, d - 1, prob->marg_last);
    }
}

const char *observables_headline(const observables *o, double *value)
{
    *value = o->obs[o->headline].value[0];
    return o->obs[o->headline].name;
}
