/**
 * @file problem.c
 * @brief Potentials, gradients and exact reference answers (see problem.h).
 */
#include "rwpo/problem.h"

#include <math.h>
#include <stdlib.h>

#include "rwpo/log.h"
#include "rwpo/marginal.h"

const char *problem_name(config_problem type)
{
    switch (type) {
    case PROBLEM_NONE: return "none";
    case PROBLEM_GAUSSIAN: return "gaussian";
    case PROBLEM_MIXTURE_LAPLACE: return "mixture_laplace";
    }
    return "?";
}

problem *problem_create(const rwpo_config *cfg)
{
    problem *p = xcalloc(1, sizeof *p);
    p->type = cfg->problem;
    p->dim = cfg->dim;
    p->beta = cfg->beta;
    p->lambda = cfg->lambda;
    if (p->type == PROBLEM_GAUSSIAN) {
        p->mu = xmalloc((size_t)p->dim * sizeof(double));
        p->exact_mean = xmalloc((size_t)p->dim * sizeof(double));
        p->exact_var = xmalloc((size_t)p->dim * sizeof(double));
        if (config_parse_vector(cfg->problem_mean, p->dim, p->mu) != 0)
            RWPO_FATAL("problem.mean was validated but does not parse");
        p->s = cfg->problem_std;
        for (long k = 0; k < p->dim; k++) {
            /* coordinates sharing mu share the answer */
            if (k > 0 && p->mu[k] == p->mu[k - 1]) {
                p->exact_mean[k] = p->exact_mean[k - 1];
                p->exact_var[k] = p->exact_var[k - 1];
                continue;
            }
            marginal_gaussian_l1_moments(p->mu[k], p->s, p->lambda, p->beta, &p->exact_mean[k],
                                         &p->exact_var[k]);
        }
    } else if (p->type == PROBLEM_MIXTURE_LAPLACE) {
        p->marg_first = xmalloc(PROBLEM_GRID_N * sizeof(double));
        p->marg_last = xmalloc(PROBLEM_GRID_N * sizeof(double));
        if (marginal_mixture_laplace(0, (int)p->dim, p->lambda, p->beta, PROBLEM_GRID_LO,
                                     PROBLEM_GRID_DX, PROBLEM_GRID_N, p->marg_first) != 0 ||
            marginal_mixture_laplace((int)p->dim - 1, (int)p->dim, p->lambda, p->beta,
                                     PROBLEM_GRID_LO, PROBLEM_GRID_DX, PROBLEM_GRID_N,
                                     p->marg_last) != 0)
            RWPO_FATAL("cannot compute the exact mixture_laplace marginals");
    }
    return p;
}

void problem_destroy(problem *p)
{
    if (!p)
        return;
    free(p->mu);
    free(p->exact_mean);
    free(p->exact_var);
    free(p->marg_first);
    free(p->marg_last);
    free(p);
}

/* Mixture: responsibilities r_c = softmax_c(-|x - a_c|^2 / (2 var)). */
static void mixture_resp(const double *x, long d, double r[MIXTURE_N_CENTRES])
{
    double rest = 0.0;
    for (long k = 2; k < d; k++)
        rest += x[k] * x[k];
    double mx = -INFINITY;
    for (int c = 0; c < MIXTURE_N_CENTRES; c++) {
        double d0 = x[0] - mixture_centres[c][0], d1 = x[1] - mixture_centres[c][1];
        r[c] = -(d0 * d0 + d1 * d1 + rest) / (2.0 * MIXTURE_VARIANCE);
        mx = r[c] > mx ? r[c] : mx;
    }
    double sum = 0.0;
    for (int c = 0; c < MIXTURE_N_CENTRES; c++) {
        r[c] = exp(r[c] - mx);
        sum += r[c];
    }
    for (int c = 0; c < MIXTURE_N_CENTRES; c++)
        r[c] /= sum;
}

void problem_grad(const problem *p, long n, const double *restrict x, double *restrict g)
{
    const long d = p->dim;
    switch (p->type) {
    case PROBLEM_NONE:
        for (long i = 0; i < n * d; i++)
            g[i] = 0.0;
        break;
    case PROBLEM_GAUSSIAN: {
        const double inv = 1.0 / (p->s * p->s);
        for (long i = 0; i < n; i++)
            for (long k = 0; k < d; k++)
                g[i * d + k] = (x[i * d + k] - p->mu[k]) * inv;
        break;
    }
    case PROBLEM_MIXTURE_LAPLACE:
        for (long i = 0; i < n; i++) {
            const double *xi = x + i * d;
            double *gi = g + i * d;
            double r[MIXTURE_N_CENTRES];
            mixture_resp(xi, d, r);
            /* grad f = sum_c r_c (x - a_c) / var */
            for (long k = 0; k < d; k++)
                gi[k] = xi[k] / MIXTURE_VARIANCE;
            for (int c = 0; c < MIXTURE_N_CENTRES; c++) {
                gi[0] -= r[c] * mixture_centres[c][0] / MIXTURE_VARIANCE;
                gi[1] -= r[c] * mixture_centres[c][1] / MIXTURE_VARIANCE;
            }
        }
        break;
    }
}

double problem_f(const problem *p, const double *x)
{
    const long d = p->dim;
    switch (p->type) {
    case PROBLEM_NONE:
        return 0.0;
    case PROBLEM_GAUSSIAN: {
        double s2 = 0.0;
        for (long k = 0; k < d; k++)
            s2 += (x[k] - p->mu[k]) * (x[k] - p->mu[k]);
        return s2 / (2.0 * p->s * p->s);
    }
    case PROBLEM_MIXTURE_LAPLACE: {
        double rest = 0.0;
        for (long k = 2; k < d; k++)
            rest += x[k] * x[k];
        double e[MIXTURE_N_CENTRES], mx = -INFINITY;
        for (int c = 0; c < MIXTURE_N_CENTRES; c++) {
            double d0 = x[0] - mixture_centres[c][0], d1 = x[1] - mixture_centres[c][1];
            e[c] = -(d0 * d0 + d1 * d1 + rest) / (2.0 * MIXTURE_VARIANCE);
            mx = e[c] > mx ? e[c] : mx;
        }
        double sum = 0.0;
        for (int c = 0; c < MIXTURE_N_CENTRES; c++)
            sum += 0.25 * exp(e[c] - mx);
        return -(mx + log(sum));
    }
    }
    return 0.0;
}
