/**
 * @file gibbs_lasso.c
 * @brief sampler.method = gibbs_lasso: the Park-Casella scale-mixture Gibbs sampler of the
 *        Bayesian lasso with sigma and lambda fixed (see gibbs_lasso.h), one sweep per layer.
 *
 * Target (problem.type = linear): pi(x) ∝ exp(-beta (|A x - b|^2 / (2 sigma^2) + lambda |x|_1)).
 *
 * Scale mixture (Andrews & Mallows 1974). With a = beta lambda > 0, for every real x
 *     (a/2) exp(-a |x|) = ∫_0^∞ N(x; 0, s) (a^2/2) exp(-a^2 s / 2) ds,
 * the Laplace density as a normal whose variance s is exponential with rate a^2/2. So pi is the
 * x-marginal of
 *     p(x, s) ∝ exp(-beta |A x - b|^2 / (2 sigma^2)) prod_j s_j^(-1/2) exp(-x_j^2 / (2 s_j))
 *                                                           exp(-a^2 s_j / 2).
 * Its conditionals:
 *   x | s:   exp(-x'Q x / 2 + c'x) with
 *                Q = beta A'A / sigma^2 + diag(1/s),   c = beta A'b / sigma^2,
 *            i.e. x | s ~ N(Q^-1 c, Q^-1).
 *   u_j = 1/s_j | x_j (independent over j): with s = 1/u, ds = du / u^2, the density in u is
 *                u^(1/2) exp(-x_j^2 u / 2 - a^2 / (2u)) u^(-2) = u^(-3/2) exp(-x_j^2 u / 2 - a^2 / (2u)),
 *            and InverseGaussian(mean mu, shape l) ∝ u^(-3/2) exp(-l (u - mu)^2 / (2 mu^2 u))
 *                ∝ u^(-3/2) exp(-l u / (2 mu^2) - l / (2u)): matching terms, l = a^2 and
 *                l / mu^2 = x_j^2, so
 *            u_j | x_j ~ InverseGaussian(mean a / |x_j|, shape a^2).
 *            At x_j = 0 the density is u^(-3/2) exp(-a^2 / (2u)) (Levy): u = a^2 / nu^2, nu ~
 *            N(0, 1) (s_j ~ Gamma(1/2, rate a^2 / 2)), the limit of the draw below.
 *
 * A sweep at layer k (every particle an independent chain): draw u | x from x of layer k - 1,
 * then x | u. The latent u is drawn fresh from x in every sweep and never kept, so the state
 * between sweeps is x alone (the x-marginal chain x' ~ ∫ p(x' | u) p(u | x) du, which leaves pi
 * invariant and is reversible): restarts from a frame or checkpoint of x are bitwise.
 *
 * Draws (Philox, rng.h, keyed by (run.seed, RNG_STREAM_GIBBS, k, particle id, coordinate):
 * coordinate j is z_j, d + j is nu_j, 2d + j is U_j, so chains do not depend on the rank count;
 * the generator keeps 24 bits of the layer, so sweeps 2^24 = 16.7 million apart reuse draws):
 *   - u_j by Michael, Schucany & Haas (1976): nu ~ N(0, 1), y = nu^2, the smaller root
 *         x1 = mu + mu^2 y / (2l) - (mu / (2l)) sqrt(4 mu l y + mu^2 y^2),
 *     u = x1 with probability mu / (mu + x1), else mu^2 / x1. With t = |x_j| and
 *     q = sqrt(nu^2 + 4 a t) the root is x1 = 4 a^2 / (|nu| + q)^2 (no cancellation; finite at
 *     t = 0), accepted iff U (a + t x1) <= a, else u = (|nu| + q)^2 / (4 t^2).
 *   - x: Q = L L' (Cholesky, lower), solve L w = c, add z ~ N(0, I_d), solve L' x = w: then
 *     x = L'^-1 (L^-1 c + z) has mean Q^-1 c and covariance L'^-1 L^-1 = Q^-1.
 * lambda = 0 is the Gaussian posterior N(Q0^-1 c, Q0^-1), Q0 = beta A'A / sigma^2 (plus the
 * problem's ridge if its exact posterior needed one): no latent, L factored once, every sweep an
 * exact independent draw.
 *
 * Cost per particle and sweep: d^3/6 (Cholesky) + 2 d^2 (two triangular solves) flops and 3d
 * Philox draws, in plain C; no communication. A'A and A'b are formed once at creation
 * (linalg_gram, bitwise the same on any rank count), so results are bitwise independent of the
 * number of ranks. Memory: 2 d^2 + O(d) doubles per rank; the latent precisions of the own
 * particles live in the particles' scratch g. d is limited to CONFIG_GIBBS_MAX_DIM (config.c).
 */
#include "rwpo/samplers/gibbs_lasso.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rwpo/base/comm.h"
#include "rwpo/base/log.h"
#include "rwpo/base/rng.h"

/* The phases, in report order (their timers are TIMER_PHASE0 + PHASE_name). */
#define GIBBS_PHASES(X)                                                                         \
    X(latent, "latent precisions 1/s | x (inverse Gaussian)")                                  \
    X(gaussian, "x | s: Cholesky, triangular solves")

enum {
#define X(name, desc) PHASE_##name,
    GIBBS_PHASES(X)
#undef X
    N_PHASES
};

static const timer_phase phases[N_PHASES] = {
#define X(name, desc) {#name, desc},
    GIBBS_PHASES(X)
#undef X
};

#define PHASE(name) ((timer_id)(TIMER_PHASE0 + PHASE_##name))

/* The method's state: the fixed precision and linear term, and the scratch of one particle. */
typedef struct {
    long d;
    double a;     /**< beta lambda */
    double *q0;   /**< [d][d] beta A'A / sigma^2 (+ ridge at lambda = 0) */
    double *c;    /**< [d] beta A'b / sigma^2 */
    double *L;    /**< [d][d] Cholesky factor (lower, row-major); at lambda = 0 the fixed one */
    double *w;    /**< [d] scratch of the solves; at lambda = 0 the fixed L^-1 c */
    int failed0;  /**< lambda = 0: Q0 is not positive definite in double precision */
} gibbs;

double gibbs_lasso_latent_precision(double a, double t, double nu, double U)
{
    const double an = fabs(nu), q = sqrt(nu * nu + 4.0 * a * t), r = an + q;
    const double x1 = 4.0 * a * a / (r * r);
    double u = U * (a + t * x1) <= a ? x1 : (r / (2.0 * t)) * (r / (2.0 * t));
    return u <= 1e300 ? u : 1e300;
}

/* In-place Cholesky Q = L L' of a row-major n x n matrix (lower triangle read and written; the
 * upper is zeroed). 0, or the 1-based order of the first non-positive pivot. */
static long cholesky(double *restrict q, long n)
{
    for (long j = 0; j < n; j++) {
        double *rj = q + j * n;
        double s = rj[j];
        for (long k = 0; k < j; k++)
            s -= rj[k] * rj[k];
        if (!(s > 0.0) || !isfinite(s))
            return j + 1;
        const double ljj = sqrt(s), inv = 1.0 / ljj;
        rj[j] = ljj;
        for (long i = j + 1; i < n; i++) {
            double *ri = q + i * n;
            double v = ri[j];
            for (long k = 0; k < j; k++)
                v -= ri[k] * rj[k];
            ri[j] = v * inv;
            rj[i] = 0.0;
        }
    }
    return 0;
}

/* Solve L w = c in place (w holds c on entry). */
static void solve_lower(const double *restrict L, long n, double *restrict w)
{
    for (long i = 0; i < n; i++) {
        const double *ri = L + i * n;
        double s = w[i];
        for (long k = 0; k < i; k++)
            s -= ri[k] * w[k];
        w[i] = s / ri[i];
    }
}

/* Solve L' x = w (x may not alias w). */
static void solve_upper_t(const double *restrict L, long n, const double *restrict w,
                          double *restrict x)
{
    for (long i = n - 1; i >= 0; i--) {
        double s = w[i];
        for (long k = i + 1; k < n; k++)
            s -= L[k * n + i] * x[k];
        x[i] = s / L[i * n + i];
    }
}

static void *create(const sampler_env *env)
{
    const rwpo_config *cfg = env->cfg;
    const problem *prob = env->prob;
    const long d = cfg->dim;
    gibbs *m = xcalloc(1, sizeof *m);
    m->d = d;
    m->a = cfg->beta * cfg->lambda;
    m->q0 = xcalloc((size_t)(d * d), sizeof(double));
    m->c = xcalloc((size_t)d, sizeof(double));
    m->L = xcalloc((size_t)(d * d), sizeof(double));
    m->w = xcalloc((size_t)d, sizeof(double));
    linalg_gram(prob->la, m->q0, m->c); /* collective; bitwise the same on every rank count */
    const double sc = cfg->beta / (prob->sigma * prob->sigma);
    for (long i = 0; i < d * d; i++)
        m->q0[i] *= sc;
    for (long j = 0; j < d; j++)
        m->c[j] *= sc;
    if (cfg->lambda == 0.0) {
        for (long j = 0; j < d; j++)
            m->q0[j * d + j] += prob->ridge;
        memcpy(m->L, m->q0, (size_t)(d * d) * sizeof(double));
        m->failed0 = cholesky(m->L, d) != 0;
        memcpy(m->w, m->c, (size_t)d * sizeof(double));
        if (!m->failed0)
            solve_lower(m->L, d, m->w);
    }
    timer_set_phases(phases, N_PHASES);
    return m;
}

static void destroy(void *state)
{
    gibbs *m = state;
    if (!m)
        return;
    free(m->w);
    free(m->L);
    free(m->c);
    free(m->q0);
    free(m);
}

/* ---- phases -------------------------------------------------------------------------------- */

/* u = 1/s | x for every own particle, into g [n_local][d]. */
static void phase_latent(const gibbs *m, const sampler_env *env, long k)
{
    const particles *p = env->p;
    const long d = m->d;
    const uint64_t seed = (uint64_t)env->cfg->seed;
    for (long i = 0; i < p->n_local; i++) {
        const uint64_t id = (uint64_t)(p->offset + i);
        for (long j = 0; j < d; j++) {
            const double nu = rng_normal(seed, RNG_STREAM_GIBBS, (uint32_t)k, id, (uint32_t)(d + j));
            const double U = rng_uniform(seed, RNG_STREAM_GIBBS, (uint32_t)k, id,
                                         (uint32_t)(2 * d + j));
            p->g[i * d + j] = gibbs_lasso_latent_precision(m->a, fabs(p->x[i * d + j]), nu, U);
        }
    }
}

/* x | u for every own particle (u in g; y is the new x before it is copied). Returns the local
 * index of the first particle whose precision did not factor, or -1. */
static long phase_gaussian(gibbs *m, const sampler_env *env, long k)
{
    particles *p = env->p;
    const long d = m->d;
    const uint64_t seed = (uint64_t)env->cfg->seed;
    const int latent = m->a > 0.0;
    for (long i = 0; i < p->n_local; i++) {
        const uint64_t id = (uint64_t)(p->offset + i);
        double *xi = p->y + i * d;
        if (latent) {
            memcpy(m->L, m->q0, (size_t)(d * d) * sizeof(double));
            for (long j = 0; j < d; j++)
                m->L[j * d + j] += p->g[i * d + j];
            if (cholesky(m->L, d) != 0)
                return i;
            memcpy(m->w, m->c, (size_t)d * sizeof(double));
            solve_lower(m->L, d, m->w);
            for (long j = 0; j < d; j++) /* g is free again: w + z */
                p->g[i * d + j] = m->w[j] + rng_normal(seed, RNG_STREAM_GIBBS, (uint32_t)k, id,
                                                        (uint32_t)j);
        } else {
            for (long j = 0; j < d; j++)
                p->g[i * d + j] = m->w[j] + rng_normal(seed, RNG_STREAM_GIBBS, (uint32_t)k, id,
                                                        (uint32_t)j);
        }
        solve_upper_t(m->L, d, p->g + i * d, xi);
    }
    memcpy(p->x, p->y, (size_t)(p->n_local * d) * sizeof(double));
    return -1;
}

static int layer(void *state, const sampler_env *env, long k, double h, double T)
{
    gibbs *m = state;
    (void)h; /* a sweep has no step size or proximal time */
    (void)T;
    char msg[256] = "";
    long bad = -1;
    if (m->failed0) {
        snprintf(msg, sizeof msg, "gibbs_lasso: beta A'A / sigma^2 (d = %ld) is not positive "
                 "definite in double precision: the lambda = 0 posterior cannot be sampled", m->d);
    } else {
        if (m->a > 0.0) {
            timer_start(PHASE(latent));
            phase_latent(m, env, k);
            timer_stop(PHASE(latent));
        }
        timer_start(PHASE(gaussian));
        bad = phase_gaussian(m, env, k);
        timer_stop(PHASE(gaussian));
        if (bad >= 0)
            snprintf(msg, sizeof msg, "layer %ld: gibbs_lasso: the precision of particle %ld is "
                     "not positive definite in double precision", k, env->p->offset + bad);
    }
    return comm_agree_failure(m->failed0 || bad >= 0, msg) ? 2 : 0;
}

/* Nothing to restore: the state is x alone. */
static void restore(void *state, const double *in)
{
    (void)state;
    (void)in;
}

/* Q0 = beta A'A / sigma^2 and the Cholesky factor (d x d each), c and the solve's vector. */
static double bytes(const rwpo_config *cfg, long max_local, int n_ranks)
{
    (void)max_local;
    (void)n_ranks;
    const double d = (double)cfg->dim;
    return 8.0 * (2.0 * d * d + 2.0 * d);
}

const sampler_method gibbs_lasso_method = {
    .name = "gibbs_lasso",
    .phases = phases,
    .n_phases = N_PHASES,
    .n_obs = 0,
    .n_ckpt = 0,
    .create = create,
    .layer = layer,
    .restore = restore,
    .destroy = destroy,
    .bytes = bytes,
};
