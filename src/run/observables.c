/**
 * @file observables.c
 * @brief Observables and problem metrics (see observables.h). Reductions go through comm.
 */
#include "rwpo/run/observables.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rwpo/base/comm.h"
#include "rwpo/base/log.h"
#include "rwpo/core/duplicates.h"
#include "rwpo/problems/marginal.h"

static void add(observables *o, const char *name, int width, const double *v)
{
    o->obs[o->n_obs].name = name;
    o->obs[o->n_obs].width = width;
    o->obs[o->n_obs].value = v;
    o->n_obs++;
}

observables *observables_create(const rwpo_config *cfg, const problem *prob,
                                const sampler_method *method)
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
    for (int i = 0; i < method->n_obs && i < SAMPLER_MAX_VALUES; i++)
        add(o, method->obs_names[i], 1, &o->own[i]);
    o->headline = 3;
    if (prob->type == PROBLEM_GAUSSIAN) {
        o->headline = o->n_obs;
        add(o, "mean_error", 1, &o->metric[0]);
        add(o, "var_error", 1, &o->metric[1]);
    } else if (prob->type == PROBLEM_MIXTURE_LAPLACE) {
        o->headline = o->n_obs;
        add(o, "marginal_l1_error", 2, o->metric);
        o->grid = xcalloc(PROBLEM_GRID_N, sizeof(double));
    } else if (prob->type == PROBLEM_LINEAR && prob->exact_mean) {
        o->headline = o->n_obs;
        add(o, "mean_error", 1, &o->metric[0]);
        add(o, "cov_error", 1, &o->metric[1]);
        add(o, "truth_distance", 1, &o->metric[2]);
        if (prob->exact_cov)
            o->cov = xcalloc((size_t)(o->dim * o->dim), sizeof(double));
    } else if (prob->type == PROBLEM_LINEAR) {
        o->headline = o->n_obs;
        add(o, "map_distance", 1, &o->metric[0]);
        add(o, "truth_distance", 1, &o->metric[1]);
        add(o, "support", 2, &o->metric[2]);
    } else if (prob->type == PROBLEM_LOGISTIC) {
        o->headline = o->n_obs;
        add(o, "theta_error", 1, &o->metric[0]);
    } else if (prob->type == PROBLEM_DATA) {
        add(o, "duplicates", 1, &o->duplicates);
        add(o, "data_neighbours", 1, &o->data_neighbours);
    }
    o->quality = sample_quality_create(cfg, prob); /* collective with a reference */
    o->n_obs += sample_quality_list(o->quality, o->obs + o->n_obs);
    const int P = comm_size();
    o->fval = xcalloc((size_t)((cfg->n + P - 1) / P), sizeof(double));
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
    free(o->fval);
    free(o->cov);
    sample_quality_destroy(o->quality);
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

/* |a - b|_2 / |b|_2 (NaN if b is NULL or zero) */
static double rel_dist(const double *a, const double *b, long d)
{
    if (!b)
        return NAN;
    double num = 0.0, den = 0.0;
    for (long k = 0; k < d; k++) {
        num += (a[k] - b[k]) * (a[k] - b[k]);
        den += b[k] * b[k];
    }
    return den > 0 ? sqrt(num / den) : NAN;
}

/* Linear problem metrics (collective for the covariance). */
static void linear_metrics(observables *o, const particles *p, const problem *prob)
{
    const long d = p->dim, n = p->n_local;
    const double *m = o->mean;
    if (prob->exact_mean) {
        double num = 0.0, tr = 0.0;
        for (long k = 0; k < d; k++)
            num += (m[k] - prob->exact_mean[k]) * (m[k] - prob->exact_mean[k]);
        if (prob->exact_cov) {
            for (long k = 0; k < d; k++)
                tr += prob->exact_cov[k * d + k];
            o->metric[0] = sqrt(num / tr);
            /* particle covariance: (1/N) sum_i (x_i - m)(x_i - m)', local DSYRK on centred rows
             * in blocks of the f scratch, then one reduction */
            memset(o->cov, 0, (size_t)(d * d) * sizeof(double));
            for (long i = 0; i < n; i++) {
                for (long k = 0; k < d; k++)
                    o->red[k] = p->x[i * d + k] - m[k];
                cblas_dsyr(CblasRowMajor, CblasUpper, (int)d, 1.0, o->red, 1, o->cov, (int)d);
            }
            for (long k = 0; k < d; k++)
                for (long j = 0; j < k; j++)
                    o->cov[k * d + j] = o->cov[j * d + k];
            comm_sum_double_on(comm_world(), o->cov, d * d);
            double e = 0.0, c = 0.0;
            for (long k = 0; k < d * d; k++) {
                double t = o->cov[k] / (double)p->n_global - prob->exact_cov[k];
                e += t * t;
                c += prob->exact_cov[k] * prob->exact_cov[k];
            }
            o->metric[1] = sqrt(e / c);
        } else {
            double nrm = 0.0;
            for (long k = 0; k < d; k++)
                nrm += prob->exact_mean[k] * prob->exact_mean[k];
            o->metric[0] = nrm > 0 ? sqrt(num / nrm) : NAN;
            o->metric[1] = NAN;
        }
        o->metric[2] = rel_dist(m, prob->x_true, d);
        return;
    }
    o->metric[0] = rel_dist(m, prob->map, d);
    o->metric[1] = rel_dist(m, prob->x_true, d);
    o->metric[2] = o->metric[3] = NAN;
    if (prob->x_true) {
        long tp = 0, pos = 0, truth = 0;
        for (long k = 0; k < d; k++) {
            int est = fabs(m[k]) > prob->support_threshold, tr = prob->x_true[k] != 0.0;
            tp += est && tr;
            pos += est;
            truth += tr;
        }
        o->metric[2] = pos > 0 ? (double)tp / (double)pos : 1.0;
        o->metric[3] = truth > 0 ? (double)tp / (double)truth : 1.0;
    }
}

void observables_compute(observables *o, const rwpo_config *cfg, const particles *p,
                         problem *prob, const double *own)
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
    problem_f_all(prob, n, p->x, o->fval); /* collective for the linear problem */
    for (long i = 0; i < n; i++) {
        const double *xi = p->x + i * d;
        double l1 = 0.0;
        for (long k = 0; k < d; k++) {
            l1 += fabs(xi[k]);
            if (fabs(xi[k]) <= cfg->sparsity_tol)
                extra[0] += 1.0;
        }
        extra[1] += o->fval[i] + cfg->lambda * l1;
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
    memcpy(o->own, own, sizeof o->own);

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
    } else if (prob->type == PROBLEM_LINEAR) {
        linear_metrics(o, p, prob);
    } else if (prob->type == PROBLEM_LOGISTIC) {
        double e = 0.0;
        for (long k = 0; k < d; k++)
            e += fabs(o->mean[k] - (prob->x_true ? prob->x_true[k] : NAN));
        o->metric[0] = e / (double)d;
    } else if (prob->type == PROBLEM_DATA) {
        o->duplicates = duplicates_fraction(p->x, n, d, p->n_global);
        o->data_neighbours = data_target_neighbours(prob->data); /* of problem_f_all above */
    }
    sample_quality_compute(o->quality, cfg, p, o->layer);
}

const char *observables_headline(const observables *o, double *value)
{
    *value = o->obs[o->headline].value[0];
    return o->obs[o->headline].name;
}
