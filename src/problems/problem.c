/**
 * @file problem.c
 * @brief Potentials, gradients and exact reference answers (see problem.h).
 */
#include "rwpo/problems/problem.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rwpo/base/comm.h"
#include "rwpo/base/log.h"
#include "rwpo/base/rng.h"
#include "rwpo/io/input.h"
#include "rwpo/problems/heldout.h"
#include "rwpo/problems/marginal.h"
#include "rwpo/problems/otflow.h"

const char *problem_name(config_problem type)
{
    switch (type) {
    case PROBLEM_NONE: return "none";
    case PROBLEM_GAUSSIAN: return "gaussian";
    case PROBLEM_MIXTURE_LAPLACE: return "mixture_laplace";
    case PROBLEM_LINEAR: return "linear";
    case PROBLEM_LOGISTIC: return "logistic";
    case PROBLEM_DATA: return "data";
    }
    return "?";
}

problem *problem_create(const rwpo_config *cfg)
{
    if (cfg->problem == PROBLEM_LINEAR || cfg->problem == PROBLEM_LOGISTIC ||
        cfg->problem == PROBLEM_DATA) {
        char err[2048] = "";
        problem *p = problem_open(cfg, comm_world(), err, sizeof err);
        if (!p)
            RWPO_FATAL("%s", err);
        return p;
    }
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
    linalg_destroy(p->la);
    free(p->b);
    free(p->x_true);
    free(p->exact_cov);
    free(p->map);
    free(p->feat);
    free(p->label);
    free(p->sig_x);
    free(p->logit);
    free(p->ref);
    free(p->train);
    otflow_destroy(p->flow);
    data_target_destroy(p->data);
    free(p);
}

void problem_set_layer(problem *p, long k)
{
    if (p->data)
        data_target_set_layer(p->data, k);
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

/* log(1 + e^z) without overflow */
static double softplus(double z) { return z > 0 ? z + log1p(exp(-z)) : log1p(exp(z)); }

/* Logistic gradient of n <= max_local rows at once:
 *   g = (sigmoid(x F') - 1 y') F + 2 alpha x S       (F the [m][d] features, S = F'F / m) */
static void logistic_grad(const problem *p, long n, const double *x, double *g)
{
    const int d = (int)p->dim, m = (int)p->m;
    if (n == 0)
        return;
    double *z = p->logit;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, m, d, 1.0, x, d, p->feat, d,
                0.0, z, m);
    for (long i = 0; i < n; i++)
        for (int j = 0; j < m; j++) {
            double t = z[i * m + j];
            double sg = t >= 0 ? 1.0 / (1.0 + exp(-t)) : exp(t) / (1.0 + exp(t));
            z[i * m + j] = sg - p->label[j];
        }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, d, m, 1.0, z, m, p->feat, d,
                0.0, g, d);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, d, d, 2.0 * p->alpha, x, d,
                p->sig_x, d, 1.0, g, d);
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
    case PROBLEM_LINEAR:
        RWPO_FATAL("problem_grad: the linear problem's gradient is collective (problem_grad_all)");
    case PROBLEM_DATA:
        RWPO_FATAL("problem_grad: the data target's gradient is collective (problem_grad_all)");
    case PROBLEM_LOGISTIC:
        for (long i0 = 0; i0 < n; i0 += p->max_local) {
            long nb = n - i0 < p->max_local ? n - i0 : p->max_local;
            logistic_grad(p, nb, x + i0 * d, g + i0 * d);
        }
        break;
    }
}

double problem_f(const problem *p, const double *x)
{
    const long d = p->dim;
    switch (p->type) {
    case PROBLEM_LINEAR:
        RWPO_FATAL("problem_f: the linear problem's f is collective (problem_f_all)");
    case PROBLEM_DATA:
        RWPO_FATAL("problem_f: the data target's f is collective (problem_f_all)");
    case PROBLEM_LOGISTIC: {
        double s = 0.0;
        for (long i = 0; i < p->m; i++) {
            double z = cblas_ddot((int)d, p->feat + i * d, 1, x, 1);
            s += softplus(z) - p->label[i] * z;
        }
        double q = 0.0;
        for (long k = 0; k < d; k++)
            q += x[k] * cblas_ddot((int)d, p->sig_x + k * d, 1, x, 1);
        return s + p->alpha * q;
    }
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

/* ---- collective entry points ------------------------------------------------------------- */

void problem_grad_all(problem *p, long n_local, const double *restrict x, double *restrict g)
{
    if (p->type == PROBLEM_LINEAR)
        linalg_apply(p->la, n_local, x, g, NULL);
    else if (p->type == PROBLEM_DATA)
        data_target_eval(p->data, n_local, x, NULL, g);
    else
        problem_grad(p, n_local, x, g);
}

void problem_f_all(problem *p, long n_local, const double *x, double *f)
{
    if (p->type == PROBLEM_LINEAR) {
        linalg_apply(p->la, n_local, x, NULL, f);
        return;
    }
    if (p->type == PROBLEM_DATA) {
        data_target_eval(p->data, n_local, x, f, NULL);
        return;
    }
    for (long i = 0; i < n_local; i++)
        f[i] = problem_f(p, x + i * p->dim);
}

void problem_f_grad_all(problem *p, long n_local, const double *restrict x, double *restrict f,
                        double *restrict g)
{
    if (p->type == PROBLEM_LINEAR) {
        linalg_apply(p->la, n_local, x, g, f);
        return;
    }
    if (p->type == PROBLEM_DATA) {
        data_target_eval(p->data, n_local, x, f, g);
        return;
    }
    problem_grad(p, n_local, x, g);
    problem_f_all(p, n_local, x, f);
}

/* ---- the rules of the linear and logistic inputs ------------------------------------------ */

int problem_check_config(const rwpo_config *cfg, const char *label, char *err, size_t errlen)
{
    const int lin = cfg->problem == PROBLEM_LINEAR, logi = cfg->problem == PROBLEM_LOGISTIC;
    if (cfg->problem == PROBLEM_DATA)
        return data_target_check_config(cfg, label, err, errlen);
    if (!lin && !logi)
        return 0;
    const char *files[3] = {cfg->operator_file, cfg->data_file, cfg->truth_file};
    const char *names[3] = {"operator_file", "data_file", "truth_file"};
    for (int i = 0; i < 3; i++)
        if (files[i][0] && !strstr(files[i], ":/")) {
            log_format(err, errlen, "%s: [problem] %s = '%s': missing dataset (allowed: "
                    "path.h5:/dataset)", label, names[i], files[i]);
            return -1;
        }
    const int from_file = lin ? cfg->problem_operator == OPERATOR_FILE : cfg->operator_file[0];
    if (lin && from_file && (!cfg->operator_file[0] || !cfg->data_file[0])) {
        log_format(err, errlen, "%s: [problem] operator = file needs operator_file = path.h5:/A and "
                "data_file = path.h5:/b", label);
        return -1;
    }
    if (lin && !from_file && (cfg->operator_file[0] || cfg->data_file[0] || cfg->truth_file[0])) {
        log_format(err, errlen, "%s: [problem] operator_file, data_file and truth_file need "
                "operator = file (allowed: set operator = file, or remove them)", label);
        return -1;
    }
    if (logi && !cfg->operator_file[0] != !cfg->data_file[0]) {
        log_format(err, errlen, "%s: [problem] logistic data from a file needs both operator_file "
                "(features [n][d]) and data_file (labels [n])", label);
        return -1;
    }
    if (logi && !from_file && cfg->truth_file[0]) {
        log_format(err, errlen, "%s: [problem] truth_file is only used with data from files "
                "(operator_file, data_file)", label);
        return -1;
    }
    if (lin && !from_file && cfg->problem_sparsity > cfg->dim) {
        log_format(err, errlen, "%s: [problem] sparsity = %ld: more non-zeros than dim = %ld "
                "(allowed: 0..%ld)", label, cfg->problem_sparsity, cfg->dim, cfg->dim);
        return -1;
    }
    if (lin && cfg->problem_operator == OPERATOR_BLUR2D) {
        long side = lround(sqrt((double)cfg->dim));
        if (side * side != cfg->dim) {
            log_format(err, errlen, "%s: [particles] dim = %ld: operator blur2d needs a square "
                    "image, dim = side^2", label, cfg->dim);
            return -1;
        }
    }
    if (lin && (cfg->problem_operator == OPERATOR_BLUR1D ||
                cfg->problem_operator == OPERATOR_BLUR2D) &&
        cfg->problem_m != 0 && cfg->problem_m != cfg->dim) {
        log_format(err, errlen, "%s: [problem] m = %ld: a blur operator is square (allowed: 0 or "
                "dim = %ld)", label, cfg->problem_m, cfg->dim);
        return -1;
    }
    if (lin && !from_file && cfg->lambda == 0 && cfg->problem_m != 0 &&
        cfg->problem_m < cfg->dim) {
        log_format(err, errlen, "%s: [problem] m = %ld < dim = %ld with [sampler] lambda = 0: A'A "
                "is singular and the posterior is improper (allowed: m >= dim, or lambda > 0)",
                label, cfg->problem_m, cfg->dim);
        return -1;
    }
    if (lin && cfg->problem_operator == OPERATOR_FILE && cfg->problem_m != 0) {
        log_format(err, errlen, "%s: [problem] m = %ld: with operator = file m is the row count of "
                "the dataset (allowed: 0)", label, cfg->problem_m);
        return -1;
    }
    if (logi && from_file && cfg->problem_m != 0) {
        log_format(err, errlen, "%s: [problem] m = %ld: with data from files n is the row count of "
                "the dataset (allowed: 0)", label, cfg->problem_m);
        return -1;
    }
    return 0;
}

/* ---- linear inverse problem: generated operators ------------------------------------------ */

typedef struct {
    config_operator kind;
    uint64_t seed;
    long m, side;
    double inv_sqrt_m;  /* gaussian */
    double w, norm;     /* blur: width, 1 / sum_k exp(-k^2 / (2 w^2)) */
} op_ctx;

static double blur_1d(const op_ctx *c, long t)
{
    double u = (double)t / c->w;
    return 0.5 * u * u > 745.0 ? 0.0 : exp(-0.5 * u * u) * c->norm;
}

/* A(i, j) of a generated operator: a pure function of (seed, i, j). */
static double op_entry(const void *ctx, long i, long j)
{
    const op_ctx *c = ctx;
    switch (c->kind) {
    case OPERATOR_GAUSSIAN:
        return rng_normal(c->seed, RNG_STREAM_PROBLEM, 0, (uint64_t)i, (uint32_t)j) *
               c->inv_sqrt_m;
    case OPERATOR_BLUR1D:
        return blur_1d(c, i - j);
    case OPERATOR_BLUR2D:
        return blur_1d(c, i / c->side - j / c->side) * blur_1d(c, i % c->side - j % c->side);
    case OPERATOR_FILE:
        break;
    }
    return 0.0;
}

/* k-sparse x_true: the k coordinates with the smallest uniform keys, random sign, |x| in [1, 2). */
static void sparse_truth(uint64_t seed, long d, long k, double *x)
{
    double *u = xmalloc((size_t)d * sizeof(double));
    long *idx = xmalloc((size_t)d * sizeof(long));
    for (long j = 0; j < d; j++) {
        u[j] = rng_uniform(seed, RNG_STREAM_PROBLEM, 2, (uint64_t)j, 0);
        idx[j] = j;
        x[j] = 0.0;
    }
    /* partial selection sort of the k smallest keys (setup only; k is small) */
    for (long a = 0; a < k; a++) {
        long best = a;
        for (long j = a + 1; j < d; j++)
            if (u[idx[j]] < u[idx[best]])
                best = j;
        long t = idx[a];
        idx[a] = idx[best];
        idx[best] = t;
        long c = idx[a];
        double sign = rng_uniform(seed, RNG_STREAM_PROBLEM, 2, (uint64_t)c, 1) < 0.5 ? -1.0 : 1.0;
        x[c] = sign * (1.0 + rng_uniform(seed, RNG_STREAM_PROBLEM, 2, (uint64_t)c, 2));
    }
    free(u);
    free(idx);
}

/* data_file into out [m] (labels: every entry must be 0 or 1), then the optional truth_file
 * into x_true [dim]; every rank reads them (collective: a failure is agreed, -1 on every rank
 * with the same message). 0 or -1. */
static int read_data(problem *p, const rwpo_config *cfg, MPI_Comm comm, double *out, int labels,
                     char *err, size_t errlen)
{
    char sub[1800];
    int rc = input_read_vector(cfg->data_file, p->m, out, sub, sizeof sub);
    for (long i = 0; labels && rc == 0 && i < p->m; i++)
        if (out[i] != 0.0 && out[i] != 1.0) {
            snprintf(sub, sizeof sub, "label %ld is %g (allowed: 0 or 1)", i, out[i]);
            rc = -1;
        }
    if (comm_agree_error(comm, rc != 0, sub, sizeof sub)) {
        snprintf(err, errlen, "[problem] data_file = %s: %s", cfg->data_file, sub);
        return -1;
    }
    if (!cfg->truth_file[0])
        return 0;
    p->x_true = xcalloc((size_t)p->dim, sizeof(double));
    rc = input_read_vector(cfg->truth_file, p->dim, p->x_true, sub, sizeof sub);
    if (comm_agree_error(comm, rc != 0, sub, sizeof sub)) {
        snprintf(err, errlen, "[problem] truth_file = %s: %s", cfg->truth_file, sub);
        return -1;
    }
    return 0;
}

/* A [m][d] from operator_file into the operator p->la: every rank reads the rows linalg stores
 * there (all of them when replicated, a contiguous block when distributed) and hands them over
 * (collective: a read failure, e.g. a non-finite entry in one rank's rows, is agreed). 0 or -1. */
static int read_operator(problem *p, const rwpo_config *cfg, MPI_Comm comm, char *err,
                         size_t errlen)
{
    char sub[1800];
    long off, cnt;
    linalg_row_block(p->la, &off, &cnt);
    double *rows = xmalloc((size_t)(cnt > 0 ? cnt : 1) * (size_t)p->dim * sizeof(double));
    int rc = input_read_matrix(cfg->operator_file, comm, p->m, (int)p->dim, off, cnt, rows, sub,
                              sizeof sub);
    if (comm_agree_error(comm, rc != 0, sub, sizeof sub)) {
        snprintf(err, errlen, "[problem] operator_file = %s: %s", cfg->operator_file, sub);
        rc = -1;
    } else {
        linalg_set_rows(p->la, rows);
    }
    free(rows);
    return rc;
}

/* Rows of the 2-D operator_file dataset, checked to have d = particles.dim columns (collective:
 * rank-local read errors are agreed). `what` and `shape` name it in the message. 0 or -1. */
static int operator_rows(const rwpo_config *cfg, MPI_Comm comm, long d, const char *what,
                         const char *shape, long *rows, char *err, size_t errlen)
{
    char sub[1800];
    int nd = 0;
    long dims[2] = {0, 0};
    int rc = input_dataset_shape(cfg->operator_file, &nd, dims, sub, sizeof sub);
    if (comm_agree_error(comm, rc != 0, sub, sizeof sub)) {
        snprintf(err, errlen, "[problem] operator_file = %s: %s", cfg->operator_file, sub);
        return -1;
    }
    if (nd != 2 || dims[1] != d || dims[0] < 1) {
        snprintf(err, errlen, "[problem] operator_file = %s: %s has shape [%ld][%ld], expected "
                 "%s with d = particles.dim = %ld and at least one row", cfg->operator_file,
                 what, dims[0], nd == 2 ? dims[1] : 1L, shape, d);
        return -1;
    }
    *rows = dims[0];
    return 0;
}

static int open_linear(problem *p, const rwpo_config *cfg, MPI_Comm comm, char *err,
                       size_t errlen)
{
    const long d = p->dim;
    const int from_file = cfg->problem_operator == OPERATOR_FILE;
    char sub[1800];
    p->sigma = cfg->problem_sigma;
    p->support_threshold = cfg->support_threshold;
    if (from_file) {
        int nd = 0;
        long dims[2] = {0, 0};
        if (operator_rows(cfg, comm, d, "A", "[m][d]", &p->m, err, errlen) != 0)
            return -1;
        int rc;
        rc = input_dataset_shape(cfg->data_file, &nd, dims, sub, sizeof sub);
        if (comm_agree_error(comm, rc != 0, sub, sizeof sub)) {
            snprintf(err, errlen, "[problem] data_file = %s: %s", cfg->data_file, sub);
            return -1;
        }
        if (dims[0] * dims[1] != p->m || (nd == 2 && dims[0] != 1 && dims[1] != 1)) {
            snprintf(err, errlen, "[problem] data_file = %s: b has shape [%ld]%s but A (%s) has "
                     "m = %ld rows: A and b do not match", cfg->data_file, dims[0],
                     nd == 2 ? "[...]" : "", cfg->operator_file, p->m);
            return -1;
        }
        if (cfg->lambda == 0 && p->m < d) {
            snprintf(err, errlen, "[problem] operator_file = %s: A is %ld x %ld (m < d) and "
                     "[sampler] lambda = 0: A'A is singular and the posterior is improper "
                     "(allowed: m >= d, or lambda > 0)", cfg->operator_file, p->m, d);
            return -1;
        }
    } else {
        p->m = cfg->problem_m > 0 ? cfg->problem_m : d;
    }
    const linalg_layout layout = cfg->linalg_layout == LAYOUT_REPLICATED    ? LINALG_REPLICATED
                                 : cfg->linalg_layout == LAYOUT_DISTRIBUTED ? LINALG_DISTRIBUTED
                                                                            : LINALG_AUTO;
    const linalg_options opt = {layout, cfg->linalg_block, cfg->linalg_memory_budget,
                                cfg->linalg_grid_rows};
    p->la = linalg_create(comm, p->m, d, cfg->n, &opt, err, errlen);
    if (!p->la)
        return -1;
    p->b = xcalloc((size_t)p->m, sizeof(double));
    if (from_file) {
        if (read_operator(p, cfg, comm, err, errlen) != 0 ||
            read_data(p, cfg, comm, p->b, 0, err, errlen) != 0)
            return -1;
    } else {
        op_ctx c = {cfg->problem_operator, (uint64_t)cfg->seed, p->m, 0,
                    1.0 / sqrt((double)p->m), cfg->blur_width, 0.0};
        if (c.kind == OPERATOR_BLUR2D)
            c.side = lround(sqrt((double)d));
        double z = 0.0;
        for (long t = -(long)(40 * c.w) - 1; t <= (long)(40 * c.w) + 1; t++)
            z += exp(-0.5 * ((double)t / c.w) * ((double)t / c.w));
        c.norm = 1.0 / z;
        linalg_fill(p->la, op_entry, &c);
        p->x_true = xcalloc((size_t)d, sizeof(double));
        sparse_truth((uint64_t)cfg->seed, d, cfg->problem_sparsity, p->x_true);
        linalg_matvec(p->la, p->x_true, p->b);
        for (long i = 0; i < p->m; i++)
            p->b[i] += p->sigma * rng_normal((uint64_t)cfg->seed, RNG_STREAM_PROBLEM, 1,
                                             (uint64_t)i, 0);
    }
    linalg_set_data(p->la, p->b, p->sigma);
    int pr, pc;
    linalg_grid(p->la, &pr, &pc);
    log_info("linear problem: A %ld x %ld (%s), sigma = %g, layout %s on a %d x %d BLACS grid "
             "(block %ld), %.3g MB per rank", p->m, d,
             from_file ? cfg->operator_file : (const char *[]){"gaussian", "blur1d", "blur2d",
                                                              "file"}[cfg->problem_operator],
             p->sigma, linalg_is_distributed(p->la) ? "distributed" : "replicated", pr, pc,
             cfg->linalg_block, (double)linalg_bytes(p->la) / 1e6);

    /* reference answers */
    if (cfg->lambda == 0) {
        p->exact_mean = xcalloc((size_t)d, sizeof(double));
        /* the covariance is replicated: only when it (and its assembly) fits the budget */
        const int with_cov = 16.0 * (double)d * (double)(d + 1) <= (double)cfg->linalg_memory_budget;
        if (with_cov)
            p->exact_cov = xcalloc((size_t)d * (size_t)d, sizeof(double));
        if (linalg_gaussian_posterior(p->la, p->beta, p->exact_mean, p->exact_cov, &p->ridge, sub,
                                      sizeof sub) != 0) {
            snprintf(err, errlen, "[problem] linear, lambda = 0: %s", sub);
            return -1;
        }
        if (p->ridge > 0)
            log_warn("exact posterior: beta A'A / sigma^2 is numerically singular; added a ridge "
                     "of %g to its diagonal (a Gaussian prior of precision %g)", p->ridge,
                     p->ridge);
        log_info("exact posterior (PDPOTRF/PDPOTRS): mean computed%s", with_cov
                 ? ", covariance computed" : "; covariance skipped (d^2 exceeds the memory budget)");
    } else {
        p->map = xcalloc((size_t)d, sizeof(double));
        double L = 0.0;
        const long max_iter = 50000;
        p->map_iters = linalg_fista(p->la, p->lambda, 1e-10, max_iter, p->map, &L);
        long nz = 0;
        for (long k = 0; k < d; k++)
            nz += p->map[k] != 0.0;
        if (p->map_iters >= max_iter)
            log_warn("lasso MAP: FISTA did not reach the tolerance 1e-10 in %ld iterations",
                     max_iter);
        log_info("lasso MAP (FISTA, L = %.4g): %ld iterations, %ld non-zeros", L, p->map_iters,
                 nz);
    }
    return 0;
}

/* ---- logistic regression ------------------------------------------------------------------ */

static int open_logistic(problem *p, const rwpo_config *cfg, MPI_Comm comm, char *err,
                         size_t errlen)
{
    const long d = p->dim;
    char sub[1800];
    const int from_file = cfg->operator_file[0] != '\0';
    if (from_file) {
        if (operator_rows(cfg, comm, d, "features", "[n][d]", &p->m, err, errlen) != 0)
            return -1;
        p->feat = xcalloc((size_t)(p->m * d), sizeof(double));
        p->label = xcalloc((size_t)p->m, sizeof(double));
        const int rc = input_read_matrix(cfg->operator_file, comm, p->m, (int)d, 0, p->m, p->feat, sub,
                              sizeof sub);
        if (comm_agree_error(comm, rc != 0, sub, sizeof sub)) {
            snprintf(err, errlen, "[problem] operator_file = %s: %s", cfg->operator_file, sub);
            return -1;
        }
        if (read_data(p, cfg, comm, p->label, 1, err, errlen) != 0)
            return -1;
    } else {
        const uint64_t seed = (uint64_t)cfg->seed;
        p->m = cfg->problem_m > 0 ? cfg->problem_m : 500;
        p->feat = xcalloc((size_t)(p->m * d), sizeof(double));
        p->label = xcalloc((size_t)p->m, sizeof(double));
        p->x_true = xcalloc((size_t)d, sizeof(double));
        for (long k = 0; k < d / 4; k++)
            p->x_true[k] = 1.0;
        for (long i = 0; i < p->m; i++) {
            double z = 0.0;
            for (long k = 0; k < d; k++) {
                double v = rng_uniform(seed, RNG_STREAM_PROBLEM, 3, (uint64_t)i, (uint32_t)k) < 0.5
                               ? -1.0 : 1.0;
                p->feat[i * d + k] = v;
                z += v * p->x_true[k];
            }
            double pr = 1.0 / (1.0 + exp(-z));
            p->label[i] = rng_uniform(seed, RNG_STREAM_PROBLEM, 4, (uint64_t)i, 0) < pr ? 1.0 : 0.0;
        }
    }
    p->sig_x = xcalloc((size_t)(d * d), sizeof(double));
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)d, (int)d, (int)p->m,
                1.0 / (double)p->m, p->feat, (int)d, p->feat, (int)d, 0.0, p->sig_x, (int)d);
    p->alpha = 3.0 * (double)d / (2.0 * M_PI * M_PI);
    p->max_local = (cfg->n + comm_size_of(comm) - 1) / comm_size_of(comm);
    if (p->max_local < 1)
        p->max_local = 1;
    p->logit = xcalloc((size_t)(p->max_local * p->m), sizeof(double));
    log_info("logistic problem: n = %ld data points in d = %ld (%s), alpha = %.6g", p->m, d,
             from_file ? cfg->operator_file : "generated, theta_true = 1 on the first d/4",
             p->alpha);
    return 0;
}

double problem_estimate_bytes(const rwpo_config *cfg, int n_ranks)
{
    const double d = (double)cfg->dim, P = n_ranks < 1 ? 1.0 : (double)n_ranks;
    const double max_local = ceil((double)cfg->n / P);
    long m = cfg->problem_m;
    if (cfg->operator_file[0]) { /* the rows of the dataset (an unreadable file fails later) */
        int nd = 0;
        long dims[2] = {0, 0};
        char err[512];
        m = input_dataset_shape(cfg->operator_file, &nd, dims, err, sizeof err) == 0 ? dims[0]
                                                                                    : 0;
    }
    switch (cfg->problem) {
    case PROBLEM_GAUSSIAN:
        return 8.0 * 3.0 * d;
    case PROBLEM_MIXTURE_LAPLACE:
        return 8.0 * 2.0 * PROBLEM_GRID_N;
    case PROBLEM_LINEAR: {
        if (m < 1)
            m = cfg->dim;
        const linalg_layout layout = cfg->linalg_layout == LAYOUT_REPLICATED    ? LINALG_REPLICATED
                                     : cfg->linalg_layout == LAYOUT_DISTRIBUTED ? LINALG_DISTRIBUTED
                                                                                : LINALG_AUTO;
        const linalg_options opt = {layout, cfg->linalg_block, cfg->linalg_memory_budget,
                                    cfg->linalg_grid_rows};
        double b = linalg_estimate_bytes(m, cfg->dim, cfg->n, n_ranks, &opt);
        b += 8.0 * ((double)m + 4.0 * d); /* b, x_true, exact mean or MAP, scratch */
        if (cfg->lambda == 0) { /* the d x d system over the grid, and the covariance */
            b += 16.0 * d * d / P;
            if (16.0 * d * (d + 1.0) <= (double)cfg->linalg_memory_budget)
                b += 8.0 * d * d;
        }
        return b;
    }
    case PROBLEM_DATA:
        return data_target_estimate_bytes(cfg, n_ranks);
    case PROBLEM_LOGISTIC:
        if (m < 1)
            m = 500;
        return 8.0 * ((double)m * d + (double)m + d * d + max_local * (double)m);
    default:
        return 0.0;
    }
}

problem *problem_open(const rwpo_config *cfg, MPI_Comm comm, char *err, size_t errlen)
{
    if (cfg->problem != PROBLEM_LINEAR && cfg->problem != PROBLEM_LOGISTIC &&
        cfg->problem != PROBLEM_DATA)
        return heldout_attach(problem_create(cfg), cfg, comm, err, errlen);
    problem *p = xcalloc(1, sizeof *p);
    p->type = cfg->problem;
    p->dim = cfg->dim;
    p->beta = cfg->beta;
    p->lambda = cfg->lambda;
    if (p->type == PROBLEM_DATA) {
        p->data = data_target_open(cfg, comm, err, errlen); /* agreed */
        if (!p->data) {
            free(p);
            return NULL;
        }
        return heldout_attach(p, cfg, comm, err, errlen);
    }
    int rc = p->type == PROBLEM_LINEAR ? open_linear(p, cfg, comm, err, errlen)
                                       : open_logistic(p, cfg, comm, err, errlen);
    /* every failure above is agreed (same message everywhere) */
    if (rc != 0) {
        problem_destroy(p);
        return NULL;
    }
    return heldout_attach(p, cfg, comm, err, errlen);
}

/* ---- the posterior's correlation at lambda = 0 ------------------------------------------ */

/* H^{-1} of a symmetric positive definite H [d][d] (row-major) in place, by Cholesky H = L L'
 * and H^{-1} = L^{-T} L^{-1}. Serial and pure. @return 0, or -1 if H is not positive definite. */
static int spd_inverse(long d, double *h)
{
    for (long j = 0; j < d; j++) { /* L in the lower triangle */
        double s = h[j * d + j];
        for (long k = 0; k < j; k++)
            s -= h[j * d + k] * h[j * d + k];
        if (!(s > 0))
            return -1;
        const double ljj = sqrt(s);
        h[j * d + j] = ljj;
        for (long i = j + 1; i < d; i++) {
            double t = h[i * d + j];
            for (long k = 0; k < j; k++)
                t -= h[i * d + k] * h[j * d + k];
            h[i * d + j] = t / ljj;
        }
    }
    for (long j = 0; j < d; j++) { /* L^{-1} in the lower triangle, column by column */
        h[j * d + j] = 1.0 / h[j * d + j];
        for (long i = j + 1; i < d; i++) {
            double t = 0.0;
            for (long k = j; k < i; k++)
                t -= h[i * d + k] * h[k * d + j];
            h[i * d + j] = t / h[i * d + i];
        }
    }
    for (long i = 0; i < d; i++) /* (L^{-1})' L^{-1}, lower triangle then mirrored */
        for (long j = 0; j <= i; j++) {
            double t = 0.0;
            for (long k = i; k < d; k++)
                t += h[k * d + i] * h[k * d + j];
            h[i * d + j] = t;
        }
    for (long i = 0; i < d; i++)
        for (long j = i + 1; j < d; j++)
            h[i * d + j] = h[j * d + i];
    return 0;
}

int problem_max_posterior_correlation(problem *p, long max_dim, double *corr, long *first,
                                      long *second)
{
    *corr = 0.0;
    *first = 0;
    *second = p->dim > 1 ? 1 : 0;
    if (p->type != PROBLEM_LINEAR && p->type != PROBLEM_LOGISTIC)
        return 0;
    const long d = p->dim;
    if (d < 2)
        return 0;
    if (d > max_dim)
        return -1;
    double *h = xcalloc((size_t)d * (size_t)d, sizeof(double));
    if (p->type == PROBLEM_LINEAR) { /* collective; bitwise the same on every rank */
        double *atb = xcalloc((size_t)d, sizeof(double));
        linalg_gram(p->la, h, atb);
        free(atb);
    } else {
        memcpy(h, p->sig_x, (size_t)d * (size_t)d * sizeof(double));
    }
    double dmax = 0.0;
    for (long k = 0; k < d; k++)
        dmax = fmax(dmax, h[k * d + k]);
    double *work = xmalloc((size_t)d * (size_t)d * sizeof(double));
    int ok = 0;
    /* a singular H (m < d, collinear columns): the smallest ridge that makes it invertible */
    for (double ridge = 0.0; !ok && ridge <= 1e-2 * dmax;
         ridge = ridge > 0 ? ridge * 100 : 1e-12 * dmax) {
        memcpy(work, h, (size_t)d * (size_t)d * sizeof(double));
        for (long k = 0; k < d; k++)
            work[k * d + k] += ridge;
        ok = dmax > 0 && spd_inverse(d, work) == 0;
    }
    if (ok)
        for (long i = 0; i < d; i++)
            for (long j = i + 1; j < d; j++) {
                const double c = work[i * d + j] / sqrt(work[i * d + i] * work[j * d + j]);
                if (fabs(c) > fabs(*corr)) {
                    *corr = c;
                    *first = i;
                    *second = j;
                }
            }
    free(work);
    free(h);
    return ok ? 1 : -1;
}
