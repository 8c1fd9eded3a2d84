/**
 * @file test_samplers.c
 * @brief MPI Check tests of the MCMC references ula, myula and pmala (run as mpirun -np P,
 *        P = 1..4).
 *
 *  - Each scheme against an independent serial reimplementation of its formula (every rank
 *    computes it on the whole cloud, so every rank count meets the same reference): N = 37
 *    (no rank count divides it) and N = 3 (a rank without chains at P = 4), a step-size
 *    schedule, both gamma rules of myula, pmala's acceptance rate layer by layer, and a layer
 *    beyond 2^24 (the random keys' high layer bits).
 *  - Exact answers, 1-D L1 target f = (x - mu)^2 / (2 s^2), lambda > 0, N = 4000 chains:
 *    pmala against the target (mean, variance, P(x < 0) by adaptive Simpson quadrature);
 *    ula and myula against the exact stationary law of their discretised chains (the
 *    transition kernel iterated on a grid to its fixed point), tolerance 5 Monte Carlo standard
 *    errors each (the chains at the last layer are independent). The discretisation bias of
 *    the unadjusted chains (chain law - target) is printed, not asserted.
 *  - A correlated 2-D Gaussian posterior (linear, m = 3, lambda = 0; its exact mean and
 *    covariance from the problem): pmala's mean and covariance within 5 standard errors; ula's
 *    against its own exact stationary law N(mu*, C* (I - h H / 2)^-1), H = (beta C*)^-1; myula
 *    at lambda = 0 bitwise equal to ula.
 *  - pmala's acceptance rate in (0, 1) and decreasing in h.
 *  - Corrected RWPO (rwpo_l1 with sampler.correct = pmala, 5 steps per layer) on the 1-D L1
 *    target: the exact target within 5 SE; rwpo_l1 alone at the same h fails the same check.
 *  - Restarts: a run stopped at layer 4 and restarted from its checkpoint (and, for pmala, from
 *    its run file's frame) continues bit for bit (linear problem: the restart recomputes pmala's
 *    f and grad f of the chains).
 * Every verdict is agreed across ranks before it is asserted.
 */
#include <check.h>
#include <math.h>
#include <mpi.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rwpo/base/comm.h"
#include "rwpo/base/config.h"
#include "rwpo/base/rng.h"
#include "rwpo/base/runfiles.h"
#include "rwpo/core/particles.h"
#include "rwpo/problems/problem.h"
#include "rwpo/run/ckpt.h"
#include "rwpo/run/sim.h"

#include "mpi_check.h"
#include "sampler_check.h"

static char g_dir[512];

/* ---------------------------------------------------------------- helpers */

/* Parse INI text (printf-style) into c on every rank. */
static void parse(rwpo_config *c, const char *fmt, ...)
{
    char text[4096], err[CONFIG_ERR];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    int rc = config_parse_text("test", text, c, err, sizeof err);
    ck_assert_msg(all_ok(rc == 0), "test configuration: %s", err);
}

/* Run c for c->layers layers without output; the final cloud on every rank. With acc, the mean
 * acceptance of layers acc_from..L. */
static double *run_chains(const rwpo_config *c, long acc_from, double *acc)
{
    int code = -1;
    sim *s = sim_create(c, &code);
    ck_assert_int_eq(all_ok(s != NULL && code == 0), 1);
    double sum = 0.0;
    for (long k = 1; k <= c->layers; k++) {
        ck_assert_int_eq(all_ok(sim_layer(s) == 0), 1);
        if (acc && k >= acc_from)
            sum += own_value(s);
    }
    if (acc)
        *acc = sum / (double)(c->layers - acc_from + 1);
    double *x = gather_cloud(s->p);
    sim_destroy(s);
    return x;
}

static double max_rel_diff(const double *a, const double *b, long n)
{
    double scale = 0.0, err = 0.0;
    for (long i = 0; i < n; i++) {
        scale = fmax(scale, fabs(b[i]));
        err = fmax(err, fabs(a[i] - b[i]));
    }
    return err / (scale > 0 ? scale : 1.0);
}

/* ---------------------------------------------------------------- naive reference layers */

static double sgn(double v)
{
    return v > 0 ? 1.0 : (v < 0 ? -1.0 : 0.0);
}

static double soft(double v, double t)
{
    return sgn(v) * fmax(fabs(v) - t, 0.0);
}

/* The documented random keys (langevin.h), written out independently: stream NOISE, layer
 * bits 0..23 in the layer field, bits 24.. at bit 20 of the coordinate field. */
static double xi(const rwpo_config *c, long k, long id, long j)
{
    return rng_normal((uint64_t)c->seed, RNG_STREAM_NOISE, (uint32_t)(k & 0xffffff),
                      (uint64_t)id, (uint32_t)j | (uint32_t)(k >> 24) << 20);
}

static double unif(const rwpo_config *c, long k, long id)
{
    return rng_uniform((uint64_t)c->seed, RNG_STREAM_NOISE, (uint32_t)(k & 0xffffff),
                       (uint64_t)id, (uint32_t)c->dim | (uint32_t)(k >> 24) << 20);
}

/* U(x) = f(x) + lambda |x|_1 of one point (serial problems only). */
static double potential(const rwpo_config *c, const problem *prob, const double *x)
{
    double l1 = 0.0;
    for (long j = 0; j < c->dim; j++)
        l1 += fabs(x[j]);
    return problem_f(prob, x) + c->lambda * l1;
}

/* One layer k of the method on the whole cloud x [N][d], in place, written from method.md's
 * formulas; returns the fraction of accepted proposals (pmala) or NaN. */
static double naive_layer(const rwpo_config *c, const problem *prob, long k, double *x)
{
    const long N = c->n, d = c->dim;
    double h, T;
    config_step(c, k, &h, &T);
    const double lam = c->lambda, sd = sqrt(2.0 * h / c->beta);
    double *g = malloc((size_t)d * sizeof *g), *y = malloc((size_t)d * sizeof *y);
    double *gy = malloc((size_t)d * sizeof *gy);
    long accepted = 0;
    for (long i = 0; i < N; i++) {
        double *xi_ = x + i * d;
        problem_grad(prob, 1, xi_, g);
        if (c->method == METHOD_ULA) {
            for (long j = 0; j < d; j++)
                xi_[j] += -h * (g[j] + lam * sgn(xi_[j])) + sd * xi(c, k, i, j);
        } else if (c->method == METHOD_MYULA) {
            const double gam = c->gamma > 0 ? c->gamma : h;
            for (long j = 0; j < d; j++)
                xi_[j] += -h * g[j] - (h / gam) * (xi_[j] - soft(xi_[j], gam * lam)) +
                          sd * xi(c, k, i, j);
        } else { /* pmala */
            double qxy = 0.0, qyx = 0.0;
            for (long j = 0; j < d; j++) {
                const double mx = soft(xi_[j] - h * g[j], h * lam);
                y[j] = mx + sd * xi(c, k, i, j);
                qxy += (y[j] - mx) * (y[j] - mx);
            }
            problem_grad(prob, 1, y, gy);
            for (long j = 0; j < d; j++) {
                const double my = soft(y[j] - h * gy[j], h * lam);
                qyx += (xi_[j] - my) * (xi_[j] - my);
            }
            /* pi(y) q(x|y) / (pi(x) q(y|x)), q(a|b) ∝ exp(-beta |a - m(b)|^2 / (4h)) */
            const double log_a = -c->beta * (potential(c, prob, y) - potential(c, prob, xi_)) -
                                 c->beta * qyx / (4.0 * h) + c->beta * qxy / (4.0 * h);
            if (log(unif(c, k, i)) < log_a) {
                memcpy(xi_, y, (size_t)d * sizeof *y);
                accepted++;
            }
        }
    }
    free(g);
    free(y);
    free(gy);
    return c->method == METHOD_PMALA ? (double)accepted / (double)N : NAN;
}

static const char *const method_names[] = {"rwpo_l1", "ula", "myula", "pmala"};

typedef struct {
    config_method method;
    long n;
    const char *problem; /* problem section text */
    const char *extra;   /* more [sampler] keys */
} ncase;

static const ncase ncases[] = {
    {METHOD_ULA, 37, "type = gaussian\nmean = 1, -1, 0.5\nstd = 0.7", ""},
    {METHOD_MYULA, 37, "type = gaussian\nmean = 1, -1, 0.5\nstd = 0.7", ""},
    {METHOD_MYULA, 37, "type = gaussian\nmean = 1, -1, 0.5\nstd = 0.7", "gamma = 0.3\n"},
    {METHOD_PMALA, 37, "type = gaussian\nmean = 1, -1, 0.5\nstd = 0.7", ""},
    {METHOD_PMALA, 3, "type = mixture_laplace", ""},
    {METHOD_ULA, 3, "type = mixture_laplace", ""},
};

/* The engine against the naive layers, 6 layers with a step-size change at layer 3, then one
 * layer at k = 2^24 + 2. */
START_TEST(test_vs_naive)
{
    const ncase *e = &ncases[_i];
    rwpo_config c;
    parse(&c, "[run]\noutput = unused.h5\nlayers = 6\nseed = 7\n[particles]\nn = %ld\ndim = 3\n"
              "init_scale = 2\n[sampler]\nmethod = %s\nbeta = 1.5\nlambda = 0.5\nh = 0.2\n"
              "schedule = 3:0.1\n%s[problem]\n%s\n",
          e->n, method_names[e->method], e->extra, e->problem);
    int code = -1;
    sim *s = sim_create(&c, &code);
    ck_assert_int_eq(all_ok(s != NULL), 1);
    double *ref = gather_cloud(s->p);
    const long n = c.n * c.dim;
    double worst = 0.0, acc_diff = 0.0, acc_sum = 0.0;
    for (long k = 1; k <= c.layers + 1; k++) {
        if (k == c.layers + 1) /* a layer beyond the generator's 24-bit layer field */
            s->layer = (1L << 24) + 1;
        const long kk = s->layer + 1;
        ck_assert_int_eq(all_ok(sim_layer(s) == 0), 1);
        double acc = naive_layer(&c, s->prob, kk, ref);
        double *x = gather_cloud(s->p);
        worst = fmax(worst, max_rel_diff(x, ref, n));
        free(x);
        if (c.method == METHOD_PMALA) {
            acc_diff = fmax(acc_diff, fabs(own_value(s) - acc));
            acc_sum += acc;
        }
    }
    ck_assert_msg(all_ok(worst < 1e-13), "%s N = %ld: engine vs naive %.3e", method_names[e->method],
                  e->n, worst);
    ck_assert_msg(all_ok(acc_diff == 0.0), "acceptance differs from the naive count by %g",
                  acc_diff);
    if (c.method == METHOD_PMALA)
        ck_assert_msg(all_ok(acc_sum > 0.0 && acc_sum < c.layers + 1.0),
                      "pmala accepted all or nothing (%g)", acc_sum);
    sim_destroy(s);
    free(ref);
}
END_TEST

/* ---------------------------------------------------------------- exact 1-D answers */

/* The 1-D test target: f = (x - mu)^2 / (2 s^2), beta, lambda; N chains. */
#define T_MU 1.0
#define T_S 1.0
#define T_BETA 2.0
#define T_LAMBDA 1.0
#define T_N 4000

typedef struct {
    double mean, var, mu4, p_neg; /* mean, variance, 4th central moment, P(x < 0) */
} law;

/* Unnormalised target density times x^pw. */
static double target_pw(double x, int pw)
{
    double u = (x - T_MU) * (x - T_MU) / (2 * T_S * T_S) + T_LAMBDA * fabs(x);
    return pow(x, pw) * exp(-T_BETA * u);
}

static double simpson_rec(int pw, double a, double b, double fa, double fm, double fb,
                          double whole, double tol, int depth)
{
    double m = 0.5 * (a + b), lm = 0.5 * (a + m), rm = 0.5 * (m + b);
    double flm = target_pw(lm, pw), frm = target_pw(rm, pw);
    double left = (m - a) / 6 * (fa + 4 * flm + fm), right = (b - m) / 6 * (fm + 4 * frm + fb);
    if (depth <= 0 || fabs(left + right - whole) <= 15 * tol)
        return left + right + (left + right - whole) / 15;
    return simpson_rec(pw, a, m, fa, flm, fm, left, tol / 2, depth - 1) +
           simpson_rec(pw, m, b, fm, frm, fb, right, tol / 2, depth - 1);
}

/* Adaptive Simpson of target_pw over [a, b] (smooth there: the kink at 0 is an end point). */
static double simpson(int pw, double a, double b)
{
    double fa = target_pw(a, pw), fb = target_pw(b, pw), fm = target_pw(0.5 * (a + b), pw);
    return simpson_rec(pw, a, b, fa, fm, fb, (b - a) / 6 * (fa + 4 * fm + fb), 1e-13, 50);
}

/* Moments of a law from its raw moments E[x^0..4] (unnormalised) and its mass below 0. */
static law law_of(const double *raw, double neg)
{
    double m1 = raw[1] / raw[0], m2 = raw[2] / raw[0], m3 = raw[3] / raw[0], m4 = raw[4] / raw[0];
    law l = {.mean = m1, .var = m2 - m1 * m1, .p_neg = neg / raw[0]};
    l.mu4 = m4 - 4 * m3 * m1 + 6 * m2 * m1 * m1 - 3 * m1 * m1 * m1 * m1;
    return l;
}

static law target_law(void)
{
    double raw[5], neg = 0.0;
    for (int pw = 0; pw <= 4; pw++) {
        double lo = simpson(pw, -15.0, 0.0);
        raw[pw] = lo + simpson(pw, 0.0, 15.0);
        if (pw == 0)
            neg = lo;
    }
    return law_of(raw, neg);
}

/* The mean m(x) of one unadjusted step from x (its transition is N(m(x), 2h/beta)). */
static double step_mean(config_method method, double x, double h, double gamma)
{
    double g = (x - T_MU) / (T_S * T_S);
    if (method == METHOD_ULA)
        return x - h * (g + T_LAMBDA * sgn(x));
    return x - h * g - (h / gamma) * (x - soft(x, gamma * T_LAMBDA));
}

/* The stationary law of the discretised chain: the transition kernel applied to a density on
 * the cells of [-12, 12] (0 is a cell edge: the ULA drift's jump is no cell's interior) until
 * it no longer changes (midpoint rule; rank 0 computes, the others receive). */
static law chain_law(config_method method, double h, double gamma)
{
    law l;
    if (comm_rank() == 0) {
        const double lo = -12.0, dx = 0.02, sd = sqrt(2.0 * h / T_BETA);
        const long n = (long)((-2 * lo) / dx + 0.5), band = (long)(9.0 * sd / dx) + 2;
        double *p = malloc((size_t)n * sizeof *p), *q = malloc((size_t)n * sizeof *q);
        for (long i = 0; i < n; i++)
            p[i] = target_pw(lo + (i + 0.5) * dx, 0);
        for (int it = 0; it < 5000; it++) {
            memset(q, 0, (size_t)n * sizeof *q);
            for (long i = 0; i < n; i++) {
                double m = step_mean(method, lo + (i + 0.5) * dx, h, gamma);
                long c = (long)floor((m - lo) / dx);
                for (long j = c - band < 0 ? 0 : c - band; j < n && j <= c + band; j++) {
                    double z = (lo + (j + 0.5) * dx - m) / sd;
                    q[j] += p[i] * exp(-0.5 * z * z);
                }
            }
            double mass = 0.0, change = 0.0, top = 0.0;
            for (long j = 0; j < n; j++)
                mass += q[j];
            for (long j = 0; j < n; j++) {
                q[j] /= mass * dx;
                change = fmax(change, fabs(q[j] - p[j]));
                top = fmax(top, q[j]);
            }
            double *t = p;
            p = q;
            q = t;
            if (change < 1e-12 * top)
                break;
        }
        double raw[5] = {0}, neg = 0.0;
        for (long i = 0; i < n; i++) {
            double x = lo + (i + 0.5) * dx;
            for (int pw = 0; pw <= 4; pw++)
                raw[pw] += pow(x, pw) * p[i] * dx;
            if (x < 0)
                neg += p[i] * dx;
        }
        l = law_of(raw, neg);
        free(p);
        free(q);
    }
    MPI_Bcast(&l, sizeof l, MPI_BYTE, 0, MPI_COMM_WORLD);
    return l;
}

/* The chains' sample against a law, each statistic within 5 standard errors; printed. */
static int within(const char *what, const double *x, long n, const law *ref, const law *target)
{
    double m = 0.0, v = 0.0, neg = 0.0;
    for (long i = 0; i < n; i++) {
        m += x[i];
        neg += x[i] < 0;
    }
    m /= (double)n;
    for (long i = 0; i < n; i++)
        v += (x[i] - m) * (x[i] - m);
    v /= (double)n;
    neg /= (double)n;
    const double se[3] = {sqrt(ref->var / (double)n), sqrt((ref->mu4 - ref->var * ref->var) / (double)n),
                          sqrt(ref->p_neg * (1 - ref->p_neg) / (double)n)};
    const double got[3] = {m, v, neg}, want[3] = {ref->mean, ref->var, ref->p_neg};
    const double exact[3] = {target->mean, target->var, target->p_neg};
    const char *names[3] = {"mean", "variance", "P(x<0)"};
    int ok = 1;
    for (int i = 0; i < 3; i++) {
        ok &= fabs(got[i] - want[i]) <= 5 * se[i];
        if (comm_rank() == 0)
            printf("%s %-8s sample %.5f  reference %.5f  (%+.2f SE, SE %.5f)  target %.5f  "
                   "bias %+.5f\n", what, names[i], got[i], want[i], (got[i] - want[i]) / se[i],
                   se[i], exact[i], want[i] - exact[i]);
    }
    return ok;
}

/* c for the 1-D target with method, h and layers. */
static void target_config(rwpo_config *c, config_method method, double h, long layers, long n)
{
    parse(c, "[run]\noutput = unused.h5\nlayers = %ld\nseed = 11\n[particles]\nn = %ld\ndim = 1\n"
             "[sampler]\nmethod = %s\nbeta = %.17g\nlambda = %.17g\nh = %.17g\n"
             "[problem]\ntype = gaussian\nmean = %.17g\nstd = %.17g\n",
          layers, n, method_names[method], T_BETA, T_LAMBDA, h, T_MU, T_S);
}

/* pmala: the exact target. ula, myula (gamma = h): the exact law of their chains. */
START_TEST(test_exact_1d)
{
    static const struct {
        config_method method;
        double h;
        long layers;
    } cases[] = {{METHOD_PMALA, 0.5, 200}, {METHOD_ULA, 0.1, 200}, {METHOD_MYULA, 0.1, 200}};
    rwpo_config c;
    target_config(&c, cases[_i].method, cases[_i].h, cases[_i].layers, T_N);
    const int mh = c.method == METHOD_PMALA;
    double acc = 0.0;
    double *x = run_chains(&c, c.layers / 2, mh ? &acc : NULL);
    law target = target_law();
    law ref = mh ? target : chain_law(c.method, c.h, c.h);
    char what[64];
    snprintf(what, sizeof what, "%s h = %g:", method_names[c.method], c.h);
    if (mh && comm_rank() == 0)
        printf("%s acceptance %.4f\n", what, acc);
    ck_assert_msg(all_ok(within(what, x, c.n, &ref, &target)), "%s not within 5 SE", what);
    free(x);
}
END_TEST

/* Corrected RWPO (rwpo_l1, sampler.correct = pmala, K = 5 steps per layer) on the 1-D target:
 * the exact target within 5 SE. RWPO alone (correct = none) at the same h is biased: the same
 * check fails (so the check can tell them apart). N = 4000, h = 0.2, 100 layers. */
START_TEST(test_correct_1d)
{
    const int corrected = _i == 1;
    rwpo_config c;
    parse(&c, "[run]\noutput = unused.h5\nlayers = 100\nseed = 11\n[particles]\nn = %d\n"
              "dim = 1\n[sampler]\nbeta = %.17g\nlambda = %.17g\nh = 0.2\n%s\n"
              "[problem]\ntype = gaussian\nmean = %.17g\nstd = %.17g\n",
          T_N, T_BETA, T_LAMBDA, corrected ? "correct = pmala\ncorrect_steps = 5" : "", T_MU,
          T_S);
    int code = -1;
    sim *s = sim_create(&c, &code);
    ck_assert_int_eq(all_ok(s != NULL && code == 0), 1);
    ck_assert_int_eq(all_ok(s->method->n_obs == 1 + corrected), 1);
    double acc = 0.0, v[SAMPLER_MAX_VALUES];
    for (long k = 1; k <= c.layers; k++) {
        ck_assert_int_eq(all_ok(sim_layer(s) == 0), 1);
        s->method->values(s->method_state, v);
        acc += corrected ? v[1] / (double)c.layers : 0.0;
    }
    double *x = gather_cloud(s->p);
    sim_destroy(s);
    law target = target_law();
    const char *what = corrected ? "rwpo_l1 + pmala:5 h = 0.2:" : "rwpo_l1 alone h = 0.2:";
    if (corrected) {
        if (comm_rank() == 0)
            printf("%s correct_acceptance %.4f\n", what, acc);
        ck_assert_msg(all_ok(0 < acc && acc < 1), "correct_acceptance %g", acc);
    }
    const int ok = all_ok(within(what, x, c.n, &target, &target));
    ck_assert_msg(ok == corrected, corrected ? "%s not within 5 SE of the target"
                                             : "%s within 5 SE: the test cannot see its bias",
                  what);
    free(x);
}
END_TEST

/* Acceptance in (0, 1), decreasing in h (mean over the second half of 60 layers). */
START_TEST(test_acceptance)
{
    const double hs[3] = {0.05, 0.5, 5.0};
    double acc[3];
    for (int i = 0; i < 3; i++) {
        rwpo_config c;
        target_config(&c, METHOD_PMALA, hs[i], 60, 1000);
        free(run_chains(&c, 31, &acc[i]));
        if (comm_rank() == 0)
            printf("pmala h = %g: acceptance %.4f\n", hs[i], acc[i]);
    }
    ck_assert_msg(all_ok(0 < acc[2] && acc[2] < acc[1] && acc[1] < acc[0] && acc[0] < 1),
                  "acceptance %g, %g, %g at h = %g, %g, %g", acc[0], acc[1], acc[2], hs[0], hs[1],
                  hs[2]);
}
END_TEST

/* ---------------------------------------------------------------- 2-D Gaussian posterior */

/* Sample mean and covariance of x [n][2] against (mu, C), 5 standard errors each
 * (var(sample C_ij) = (C_ii C_jj + C_ij^2) / n for a Gaussian). */
static int gaussian_within(const char *what, const double *x, long n, const double *mu,
                           const double *C)
{
    double m[2] = {0}, S[4] = {0};
    for (long i = 0; i < n; i++)
        for (int a = 0; a < 2; a++)
            m[a] += x[2 * i + a] / (double)n;
    for (long i = 0; i < n; i++)
        for (int a = 0; a < 2; a++)
            for (int b = 0; b < 2; b++)
                S[2 * a + b] += (x[2 * i + a] - m[a]) * (x[2 * i + b] - m[b]) / (double)n;
    int ok = 1;
    for (int a = 0; a < 2; a++) {
        double se = sqrt(C[3 * a] / (double)n);
        ok &= fabs(m[a] - mu[a]) <= 5 * se;
        if (comm_rank() == 0)
            printf("%s mean_%d %.5f exact %.5f (%+.2f SE)\n", what, a + 1, m[a], mu[a],
                   (m[a] - mu[a]) / se);
        for (int b = a; b < 2; b++) {
            double seC = sqrt((C[3 * a] * C[3 * b] + C[2 * a + b] * C[2 * a + b]) / (double)n);
            ok &= fabs(S[2 * a + b] - C[2 * a + b]) <= 5 * seC;
            if (comm_rank() == 0)
                printf("%s cov_%d%d %.5f exact %.5f (%+.2f SE)\n", what, a + 1, b + 1,
                       S[2 * a + b], C[2 * a + b], (S[2 * a + b] - C[2 * a + b]) / seC);
        }
    }
    return ok;
}

static void linear2d_config(rwpo_config *c, config_method method, double h)
{
    parse(c, "[run]\noutput = unused.h5\nlayers = 300\nseed = 3\n[particles]\nn = 4000\n"
             "dim = 2\n[sampler]\nmethod = %s\nbeta = 1\nlambda = 0\nh = %.17g\n"
             "[problem]\ntype = linear\nm = 4\nsigma = 0.5\nsparsity = 1\n",
          method_names[method], h);
}

START_TEST(test_gaussian_2d)
{
    const double h = 0.1;
    rwpo_config c;
    int code;
    linear2d_config(&c, METHOD_PMALA, h);
    sim *s = sim_create(&c, &code);
    ck_assert_int_eq(all_ok(s != NULL && s->prob->exact_cov != NULL), 1);
    double mu[2] = {s->prob->exact_mean[0], s->prob->exact_mean[1]}, C[4];
    memcpy(C, s->prob->exact_cov, sizeof C);
    sim_destroy(s);
    if (comm_rank() == 0)
        printf("2-D posterior: correlation %.3f\n", C[1] / sqrt(C[0] * C[3]));

    double acc;
    double *x = run_chains(&c, 151, &acc);
    if (comm_rank() == 0)
        printf("pmala 2-D h = %g: acceptance %.4f\n", h, acc);
    ck_assert_msg(all_ok(gaussian_within("pmala 2-D", x, c.n, mu, C)), "pmala 2-D");
    free(x);

    /* ULA's stationary law: N(mu, C (I - h H / 2)^-1), H = (beta C)^-1 (beta = 1) */
    const double det = C[0] * C[3] - C[1] * C[1];
    const double H[4] = {C[3] / det, -C[1] / det, -C[2] / det, C[0] / det};
    const double M[4] = {1 - h * H[0] / 2, -h * H[1] / 2, -h * H[2] / 2, 1 - h * H[3] / 2};
    const double dm = M[0] * M[3] - M[1] * M[2];
    const double Mi[4] = {M[3] / dm, -M[1] / dm, -M[2] / dm, M[0] / dm};
    double Ch[4];
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 2; b++)
            Ch[2 * a + b] = C[2 * a] * Mi[b] + C[2 * a + 1] * Mi[2 + b];
    linear2d_config(&c, METHOD_ULA, h);
    x = run_chains(&c, 0, NULL);
    ck_assert_msg(all_ok(gaussian_within("ula 2-D", x, c.n, mu, Ch)), "ula 2-D");
    linear2d_config(&c, METHOD_MYULA, h);
    double *y = run_chains(&c, 0, NULL);
    ck_assert_msg(all_ok(memcmp(x, y, (size_t)(2 * c.n) * sizeof *x) == 0),
                  "myula at lambda = 0 differs from ula");
    free(x);
    free(y);
}
END_TEST

/* ---------------------------------------------------------------- restarts */

START_TEST(test_restart)
{
    const config_method method = (config_method)(METHOD_ULA + _i);
    rwpo_config c;
    parse(&c, "[run]\noutput = %s/rs_%s.h5\nlayers = 8\nevery = 2\ncheckpoint_every = 0\n"
              "progress = 0\n[particles]\nn = 37\ndim = 4\n[sampler]\nmethod = %s\nbeta = 2\n"
              "lambda = 0.3\nh = 0.05\nschedule = 6:0.02\n[problem]\ntype = linear\nm = 6\n"
              "sigma = 0.5\nsparsity = 2\n",
          g_dir, method_names[method], method_names[method]);
    double *x, v;
    reference_run(&c, &x, &v);
    char ckpt[CONFIG_STR + 16], spec[CONFIG_STR + 16], out[64];
    runfiles_checkpoints(c.output, ckpt, NULL, NULL, sizeof ckpt);
    snprintf(out, sizeof out, "rs_%s_ckpt.h5", method_names[method]);
    ck_assert_msg(restart_same(g_dir, &c, out, ckpt, x, v),
                  "%s: restart from the checkpoint differs", method_names[method]);
    snprintf(spec, sizeof spec, "%s:4", c.output);
    snprintf(out, sizeof out, "rs_%s_file.h5", method_names[method]);
    ck_assert_msg(restart_same(g_dir, &c, out, spec, x, v), "%s: restart from %s differs",
                  method_names[method], spec);
    free(x);
}
END_TEST

/* ---------------------------------------------------------------- main */

int main(int argc, char **argv)
{
    setenv("OMPI_MCA_io_ompio_bytes_per_agg", "1048576", 0);
    comm_init(&argc, &argv);
    if (mpi_tmpdir(g_dir, sizeof g_dir, "test_samplers") != 0) {
        comm_finalize();
        return EXIT_FAILURE;
    }
    Suite *s = suite_create("samplers");
    TCase *tc = tcase_create("samplers");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_vs_naive, 0, (int)(sizeof ncases / sizeof ncases[0]));
    tcase_add_loop_test(tc, test_exact_1d, 0, 3);
    tcase_add_test(tc, test_acceptance);
    tcase_add_loop_test(tc, test_correct_1d, 0, 2);
    tcase_add_test(tc, test_gaussian_2d);
    tcase_add_loop_test(tc, test_restart, 0, 3);
    suite_add_tcase(s, tc);
    int passed = all_passed(s);
    mpi_tmpdir_remove(g_dir);
    comm_finalize();
    return passed ? EXIT_SUCCESS : EXIT_FAILURE;
}
