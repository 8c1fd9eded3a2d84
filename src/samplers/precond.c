/**
 * @file precond.c
 * @brief The metric of rwpo_l1's preconditioned layer (see precond.h).
 */
#include "precond.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rwpo/base/comm.h"
#include "rwpo/base/log.h"
#include "rwpo/core/linalg.h"
#include "rwpo/core/prior_l1.h"

/* Ridge of the covariance source, relative to the mean diagonal of beta C. */
#define PRECOND_RIDGE 1e-6

long precond_len(const precond *pc) { return pc->kind == PRECOND_FULL ? pc->d * pc->d : pc->d; }

double precond_bytes(const rwpo_config *cfg)
{
    if (cfg->precondition == PRECOND_NONE)
        return 0.0;
    const double d = (double)cfg->dim;
    const double dd = cfg->precondition == PRECOND_FULL ? d * d : d;
    return 8.0 * (3.0 * dd + 5.0 * d);
}

/* The per-coordinate weights from the factor. */
static void set_weights(precond *pc)
{
    const double lambda = pc->lambda;
    pc->lam_max = 0.0;
    for (long k = 0; k < pc->d; k++) {
        pc->lam[k] = pc->kind == PRECOND_DIAGONAL ? lambda * pc->L[k] : 0.0;
        pc->lam_max = pc->lam[k] > pc->lam_max ? pc->lam[k] : pc->lam_max;
    }
}

/* out = G^-T G^-1 [d][d] for a lower triangular G [d][d] (the inverse of G G'): R = G^-1 by
 * forward substitution, then R' R. */
static void inverse_from_factor(long d, const double *G, double *out)
{
    double *R = xcalloc((size_t)(d * d), sizeof(double));
    for (long c = 0; c < d; c++)
        for (long i = c; i < d; i++) {
            double v = i == c ? 1.0 : 0.0;
            for (long j = c; j < i; j++)
                v -= G[i * d + j] * R[j * d + c];
            R[i * d + c] = v / G[i * d + i];
        }
    for (long i = 0; i < d; i++)
        for (long j = 0; j <= i; j++) {
            double v = 0.0;
            for (long r = i; r < d; r++) /* R[r][i], R[r][j] non-zero for r >= max(i, j) = i */
                v += R[r * d + i] * R[r * d + j];
            out[i * d + j] = out[j * d + i] = v;
        }
    free(R);
}

/* Q = M^-1 = L^-T L^-1 of the full factor (the metric prox). */
static void metric_inverse(precond *pc)
{
    if (pc->Q)
        inverse_from_factor(pc->d, pc->L, pc->Q);
}

/* The factor of M (row-major, replicated; overwritten): L = chol(M) of M [d][d], or
 * l = sqrt(diag M) with the diagonal at M[k * dg]. Collective. */
static void factor(precond *pc, double *M, long dg)
{
    const long d = pc->d;
    if (pc->kind == PRECOND_DIAGONAL) {
        for (long k = 0; k < d; k++)
            pc->L[k] = sqrt(M[k * dg]);
    } else {
        int info = linalg_cholesky(comm_world(), d, M, LINALG_CHOLESKY_GRID_DIM, 64);
        if (info != 0) /* M is a Gram matrix plus a positive ridge: cannot happen */
            RWPO_FATAL("sampler.precondition: the metric M (d = %ld) is not positive definite "
                       "(leading minor %d)", d, info);
        memcpy(pc->L, M, (size_t)(d * d) * sizeof(double));
        metric_inverse(pc);
    }
    set_weights(pc);
    pc->have = 1;
}

/* M = (A'A / sigma^2)^-1 of the linear problem into M [d][d]. Collective. */
static void hessian_inverse(const precond *pc, const sampler_env *env, double *M)
{
    const long d = pc->d;
    const problem *prob = env->prob;
    double *H = xcalloc((size_t)(d * d), sizeof(double)), *atb = xcalloc((size_t)d, sizeof(double));
    linalg_gram(prob->la, H, atb); /* bitwise the same on every rank */
    const double s2 = prob->sigma * prob->sigma;
    double hmax = 0.0;
    for (long i = 0; i < d * d; i++)
        H[i] /= s2;
    for (long k = 0; k < d; k++)
        hmax = H[k * d + k] > hmax ? H[k * d + k] : hmax;
    double *G = xcalloc((size_t)(d * d), sizeof(double));
    memcpy(G, H, (size_t)(d * d) * sizeof(double));
    if (linalg_cholesky(comm_world(), d, G, LINALG_CHOLESKY_GRID_DIM, 64) != 0) {
        const double ridge = 1e-10 * hmax;
        log_info("sampler.precondition_source = hessian: A'A / sigma^2 is singular; a ridge of "
                 "%g is added to its diagonal", ridge);
        memcpy(G, H, (size_t)(d * d) * sizeof(double));
        for (long k = 0; k < d; k++)
            G[k * d + k] += ridge;
        if (linalg_cholesky(comm_world(), d, G, LINALG_CHOLESKY_GRID_DIM, 64) != 0)
            RWPO_FATAL("sampler.precondition_source = hessian: A'A / sigma^2 is not positive "
                       "definite even with a ridge of %g", ridge);
    }
    inverse_from_factor(d, G, M); /* M = H^-1 = G^-T G^-1 */
    free(G);
    free(H);
    free(atb);
}

void precond_init(precond *pc, const sampler_env *env)
{
    const rwpo_config *cfg = env->cfg;
    const long d = cfg->dim;
    memset(pc, 0, sizeof *pc);
    pc->kind = cfg->precondition;
    pc->d = d;
    pc->lambda = cfg->lambda;
    pc->L = xcalloc((size_t)precond_len(pc), sizeof(double));
    pc->lam = xcalloc((size_t)d, sizeof(double));
    pc->work = xcalloc((size_t)(precond_len(pc) + d), sizeof(double));
    pc->tmp = xcalloc((size_t)(2 * d), sizeof(double));
    if (pc->kind == PRECOND_FULL && cfg->precondition_l1 == PRECOND_L1_PROX)
        pc->Q = xcalloc((size_t)(d * d), sizeof(double));
    if (cfg->precondition_source == PRECOND_HESSIAN) {
        double *M = xcalloc((size_t)(d * d), sizeof(double));
        hessian_inverse(pc, env, M);
        factor(pc, M, d + 1);
        free(M);
    }
}

void precond_free(precond *pc)
{
    free(pc->L);
    free(pc->lam);
    free(pc->work);
    free(pc->Q);
    free(pc->tmp);
    memset(pc, 0, sizeof *pc);
}

void precond_set(precond *pc, const double *f)
{
    memcpy(pc->L, f, (size_t)precond_len(pc) * sizeof(double));
    set_weights(pc);
    metric_inverse(pc);
    pc->have = 1; /* a factor has a positive diagonal; zeros mean "not built yet" */
    for (long k = 0; k < pc->d; k++)
        if (!(pc->L[pc->kind == PRECOND_FULL ? k * pc->d + k : k] > 0.0))
            pc->have = 0;
}

void precond_refresh(precond *pc, const sampler_env *env, long k)
{
    const rwpo_config *cfg = env->cfg;
    if (cfg->precondition_source != PRECOND_COVARIANCE ||
        (pc->have && (k - 1) % cfg->precondition_every != 0))
        return;
    const particles *p = env->p;
    const long d = pc->d, nl = p->n_local;
    const int full = pc->kind == PRECOND_FULL;
    const long ns = full ? d * d : d, dg = full ? d + 1 : 1; /* S's length, diagonal stride */
    double *mean = pc->work + ns, *S = pc->work;
    memset(mean, 0, (size_t)d * sizeof(double));
    for (long i = 0; i < nl; i++)
        for (long a = 0; a < d; a++)
            mean[a] += p->x[i * d + a];
    comm_sum_double(mean, (int)d);
    const double n = (double)p->n_global;
    for (long a = 0; a < d; a++)
        mean[a] /= n;
    memset(S, 0, (size_t)ns * sizeof(double));
    for (long i = 0; i < nl; i++) {
        const double *x = p->x + i * d;
        for (long a = 0; a < d; a++) {
            const double u = x[a] - mean[a];
            if (full)
                for (long b = 0; b <= a; b++)
                    S[a * d + b] += u * (x[b] - mean[b]);
            else
                S[a] += u * u;
        }
    }
    comm_sum_double(S, (int)ns);
    for (long a = 0; a < d; a++)
        for (long b = 0; b <= (full ? a : -1); b++)
            S[a * d + b] = S[b * d + a] = cfg->beta * S[a * d + b] / n;
    double tr = 0.0;
    for (long a = 0; a < d; a++) {
        if (!full)
            S[a] = cfg->beta * S[a] / n;
        tr += S[a * dg];
    }
    const double ridge = PRECOND_RIDGE * tr / (double)d;
    for (long a = 0; a < d; a++) {
        if (tr > 0.0)
            S[a * dg] += ridge;
        else
            S[a * dg] = 1.0; /* every particle at one point: M = I */
    }
    factor(pc, S, dg);
}

/* Solve L w = u (forward substitution). */
static void lower_solve(long d, const double *L, const double *u, double *w)
{
    for (long a = 0; a < d; a++) {
        double v = u[a];
        for (long b = 0; b < a; b++)
            v -= L[a * d + b] * w[b];
        w[a] = v / L[a * d + a];
    }
}

/* u = argmin_u lt |u|_1 + (u - v)' Q (u - v) / 2 (Q = M^-1; lt = 2 lambda T gives P of
 * precond.h) by cyclic coordinate descent: each coordinate's exact minimiser in turn (a soft
 * threshold at lt / Q_kk), from the diagonal solution. */
static void metric_prox(const precond *pc, double lt, const double *v, double *u)
{
    const long d = pc->d;
    const double *Q = pc->Q;
    for (long a = 0; a < d; a++)
        u[a] = prior_l1_soft_threshold(v[a], lt / Q[a * d + a]);
    for (int sweep = 0; sweep < PRECOND_PROX_SWEEPS && lt > 0; sweep++) {
        double moved = 0.0, size = 0.0;
        for (long a = 0; a < d; a++) {
            double s = 0.0;
            for (long b = 0; b < d; b++)
                if (b != a)
                    s += Q[a * d + b] * (u[b] - v[b]);
            const double un = prior_l1_soft_threshold(v[a] - s / Q[a * d + a], lt / Q[a * d + a]);
            moved = fmax(moved, fabs(un - u[a]));
            size = fmax(size, fabs(un));
            u[a] = un;
        }
        if (moved <= 1e-14 * (1.0 + size))
            break;
    }
}

void precond_drift(const precond *pc, const sampler_env *env, double h)
{
    particles *p = env->p;
    const rwpo_config *cfg = env->cfg;
    const long d = pc->d, nl = p->n_local;
    problem_grad_all(env->prob, nl, p->x, p->g); /* collective (linear: PDGEMM) */
    if (pc->kind == PRECOND_DIAGONAL) {
        for (long i = 0; i < nl; i++)
            for (long k = 0; k < d; k++)
                p->y[i * d + k] =
                    p->x[i * d + k] / pc->L[k] - h * pc->L[k] * p->g[i * d + k];
        return;
    }
    const double gamma = cfg->gamma > 0 ? cfg->gamma : h, thr = gamma * cfg->lambda;
    const double *L = pc->L;
    for (long i = 0; i < nl; i++) {
        const double *x = p->x + i * d;
        double *g = p->g + i * d, *w = p->y + i * d;
        if (cfg->lambda > 0 && !pc->Q) /* moreau */
            for (long k = 0; k < d; k++)
                g[k] += (x[k] - prior_l1_soft_threshold(x[k], thr)) / gamma;
        lower_solve(d, L, x, w); /* w = L^-1 x - h L' g */
        for (long a = 0; a < d; a++) {
            double v = 0.0;
            for (long b = a; b < d; b++)
                v += L[b * d + a] * g[b];
            w[a] -= h * v;
        }
    }
}

void precond_key_bias(const precond *pc, const sampler_env *env, double T, double *bias)
{
    const rwpo_config *cfg = env->cfg;
    const prior_l1_normaliser kind =
        cfg->normaliser == NORMALISER_MOREAU ? PRIOR_L1_MOREAU : PRIOR_L1_EXACT;
    prior_l1_key_bias_rows(kind, env->p->n_local, pc->d, env->p->y, pc->lam, cfg->beta, T, bias);
}

void precond_update(const precond *pc, particles *p, double a, double T)
{
    const long d = pc->d, nl = p->n_local;
    if (pc->kind == PRECOND_DIAGONAL) {
        for (long i = 0; i < nl; i++)
            for (long k = 0; k < d; k++) {
                const double w = p->y[i * d + k];
                p->x[i * d + k] = pc->L[k] * (w + a * (prior_l1_soft_threshold(w, pc->lam[k] * T) -
                                                       p->g[i * d + k]));
            }
        return;
    }
    const double *L = pc->L;
    if (pc->Q) { /* x = y + a (prox(y) - L A), y = L w: the threshold 2 lambda T (see .h) */
        double *y = pc->tmp, *u = pc->tmp + d;
        for (long i = 0; i < nl; i++) {
            const double *w = p->y + i * d, *A = p->g + i * d;
            double *x = p->x + i * d;
            for (long r = 0; r < d; r++) {
                double v = 0.0;
                for (long c = 0; c <= r; c++)
                    v += L[r * d + c] * w[c];
                y[r] = v;
            }
            metric_prox(pc, 2.0 * pc->lambda * T, y, u);
            for (long r = 0; r < d; r++) {
                double v = 0.0;
                for (long c = 0; c <= r; c++)
                    v += L[r * d + c] * A[c];
                x[r] = y[r] + a * (u[r] - v);
            }
        }
        return;
    }
    for (long i = 0; i < nl; i++) {
        double *w = p->y + i * d, *A = p->g + i * d, *x = p->x + i * d;
        for (long k = 0; k < d; k++) /* z_new into A (A is not needed after) */
            A[k] = w[k] + a * (w[k] - A[k]);
        for (long r = 0; r < d; r++) {
            double v = 0.0;
            for (long c = 0; c <= r; c++)
                v += L[r * d + c] * A[c];
            x[r] = v;
        }
    }
}
