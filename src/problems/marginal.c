/**
 * @file marginal.c
 * @brief Exact marginals of the reference targets and KDE distances on a grid (pure functions).
 *
 * Mathematics (beta an INVERSE temperature, lambda >= 0 the L1 weight).
 *
 * mixture_laplace target: pi(x) ∝ exp(-beta (f(x) + lambda |x|_1)),
 *     f(x) = -log sum_c (1/4) exp(-|x - a_c|^2 / 8),  a_c in {(8,-4), (-4,-8), (-8,4), (4,-8)}
 * (only the first two coordinates of a_c are non-zero). Since exp(-beta f) = (sum_c ...)^beta and
 * exp(-sum_{k>=3} x_k^2/8) is a common factor of every component, pi factorises exactly:
 *   - coordinates 3..d are iid with density ∝ exp(-beta (u^2/8 + lambda |u|));
 *   - (x1, x2) has density ∝ S(x1, x2)^beta exp(-beta lambda (|x1| + |x2|)),
 *         S(x1, x2) = sum_c (1/4) exp(-((x1 - a_c1)^2 + (x2 - a_c2)^2) / 8).
 * The marginal of x1 (x2 likewise) is p(x1) ∝ int S(x1, y)^beta exp(-beta lambda (|x1| + |y|)) dy,
 * computed in log space: with per-argument shifts M(x) = max_c -(x - a_c1)^2/8 (and likewise for
 * y), S = exp(M(x) + M(y)) sum_c (1/4) e_c(x) e_c(y) where every e_c <= 1 and the largest is 1, so
 * the sum only underflows in far tails (there an exact log-sum-exp is used instead). The y-integral
 * is composite 10-point Gauss-Legendre on panels of width <= min(sd/2, 1) (sd = 2/sqrt(beta), the
 * component width; 1 resolves the switch between components in log S when beta is small), graded
 * geometrically towards the kink at y = 0 (first panel <= 1/(2 beta (lambda + 2)), the largest
 * slope of the log-integrand there), over |y| <= 8 + D with beta (D^2/8 - log 4 - 8 lambda) = 50:
 * beyond it the integrand is below exp(-50) times its
 * maximum. Each row is summed with its own maximum factored out.
 *
 * beta = 1 closed form: pi(x1, x2) ∝ sum_c (1/4) g(x1; a_c1) g(x2; a_c2) with
 * g(u; a) = exp(-(u - a)^2/8 - lambda |u|), so p(x1) ∝ sum_c g(x1; a_c1) Zg(a_c2), where splitting
 * at 0 and completing the square gives
 *     Zg(a) = int g(u; a) du = sqrt(2 pi) exp(-a^2/8) [erfcx((4 lambda - a)/sqrt 8)
 *                                                     + erfcx((4 lambda + a)/sqrt 8)].
 *
 * Densities on the grid x_g = lo + g dx are normalised with the trapezoidal rule.
 *
 * KDE: out[g] += N(x_g; v_i, var), evaluated within 12 standard deviations of v_i.
 * L1 distance: sum_g w_g |a_g - b_g| dx, w = 1/2 at both ends, 1 elsewhere.
 *
 * Moments of q(u) ∝ exp(-beta ((u - mu)^2 / (2 s^2) + lambda |u|)): for lambda = 0, N(mu, s^2/beta).
 * Otherwise each half-line carries a Gaussian with sd sigma = s/sqrt(beta) centred at
 * m+ = mu - s^2 lambda (u > 0) and m- = mu + s^2 lambda (u < 0); integrate each half by graded
 * Gauss-Legendre panels (width <= sigma/2, first panel at 0 resolving the decay rate |m|/sigma^2)
 * over the clamped centre +- 40 sigma, shifted by the global maximum of the log-density; the
 * variance is summed about the computed mean (no E[u^2] - E[u]^2 cancellation).
 *
 * Pure functions: no MPI, no I/O, no globals (mixture_centres is a constant table).
 */
#include "rwpo/problems/marginal.h"

#include "rwpo/core/prior_l1.h"

#include <math.h>
#include <stdlib.h>

const double mixture_centres[MIXTURE_N_CENTRES][2] = {
    {8.0, -4.0}, {-4.0, -8.0}, {-8.0, 4.0}, {4.0, -8.0}};

#define MG_PI 3.14159265358979323846264338327950288
/** Gauss-Legendre order of every panel. */
#define MG_GL_N 10
/** Inner integrals are cut where the integrand is below exp(-MG_TAIL) times its maximum. */
#define MG_TAIL 50.0
/** Geometric growth of graded panels. */
#define MG_GROWTH 1.25

/** Gauss-Legendre nodes and weights on [-1, 1] by Newton's method on P_n. */
static void mg_gauss_legendre(double x[MG_GL_N], double w[MG_GL_N])
{
    for (int i = 0; i < (MG_GL_N + 1) / 2; ++i) {
        double z = cos(MG_PI * (i + 0.75) / (MG_GL_N + 0.5));
        double dp = 1.0;
        for (int it = 0; it < 100; ++it) {
            double p1 = 1.0, p2 = 0.0;
            for (int j = 1; j <= MG_GL_N; ++j) {
                const double p3 = p2;
                p2 = p1;
                p1 = ((2.0 * j - 1.0) * z * p2 - (j - 1.0) * p3) / j;
            }
            dp = MG_GL_N * (z * p1 - p2) / (z * z - 1.0);
            const double dz = p1 / dp;
            z -= dz;
            if (fabs(dz) < 1e-16) {
                break;
            }
        }
        x[i] = -z;
        x[MG_GL_N - 1 - i] = z;
        w[i] = w[MG_GL_N - 1 - i] = 2.0 / ((1.0 - z * z) * dp * dp);
    }
}

/**
 * Gauss-Legendre nodes on the segment from `a` to `b` (either order) with panel widths
 * h0, h0 g, h0 g^2, ... capped at hmax, starting at `a`. Writes nodes/weights at y[n0..], w[n0..]
 * when y != NULL; returns the new node count.
 */
static size_t mg_graded_nodes(double a, double b, double h0, double hmax, const double gx[MG_GL_N],
                              const double gw[MG_GL_N], double *y, double *w, size_t n0)
{
    const double len = fabs(b - a), dir = b >= a ? 1.0 : -1.0;
    double pos = 0.0, h = fmin(h0, hmax);
    size_t n = n0;
    while (pos < len) {
        const double step = pos + h >= len ? len - pos : h;
        const double c = a + dir * (pos + 0.5 * step), half = 0.5 * step;
        for (int k = 0; k < MG_GL_N; ++k) {
            if (y != NULL) {
                y[n] = c + half * gx[k];
                w[n] = half * gw[k];
            }
            ++n;
        }
        pos += step;
        h = fmin(h * MG_GROWTH, hmax);
    }
    return n;
}

/** Trapezoidal normalisation of exp(logp[g] - max) into out; -1 if not normalisable. */
static int mg_normalise_log(size_t n_grid, double dx, double *out)
{
    double mx = -INFINITY;
    for (size_t g = 0; g < n_grid; ++g) {
        if (isnan(out[g])) {
            return -1;
        }
        mx = fmax(mx, out[g]);
    }
    if (!isfinite(mx)) {
        return -1;
    }
    double sum = 0.0;
    for (size_t g = 0; g < n_grid; ++g) {
        out[g] = exp(out[g] - mx);
        sum += (g == 0 || g + 1 == n_grid) ? 0.5 * out[g] : out[g];
    }
    sum *= dx;
    if (!(sum > 0.0) || !isfinite(sum)) {
        return -1;
    }
    for (size_t g = 0; g < n_grid; ++g) {
        out[g] /= sum;
    }
    return 0;
}

/** Common argument check of the mixture marginals. */
static int mg_bad_args(int coord, int d, double lambda, double beta, double lo, double dx,
                       size_t n_grid, const double *out)
{
    return d < 2 || coord < 0 || coord >= d || !(lambda >= 0.0) || !isfinite(lambda)
           || !(beta > 0.0) || !isfinite(beta) || !isfinite(lo) || !(dx > 0.0) || !isfinite(dx)
           || n_grid < 2 || out == NULL;
}

/** Log of the (unnormalised) density of the coordinates 3..d on the grid. */
static void mg_gauss_laplace_log(double lambda, double beta, double lo, double dx, size_t n_grid,
                                 double *out)
{
    for (size_t g = 0; g < n_grid; ++g) {
        const double u = lo + (double)g * dx;
        out[g] = -beta * (u * u / 8.0 + lambda * fabs(u));
    }
}

int marginal_mixture_laplace(int coord, int d, double lambda, double beta, double lo, double dx,
                             size_t n_grid, double *out)
{
    if (mg_bad_args(coord, d, lambda, beta, lo, dx, n_grid, out)) {
        return -1;
    }
    if (coord >= 2) {
        mg_gauss_laplace_log(lambda, beta, lo, dx, n_grid, out);
        return mg_normalise_log(n_grid, dx, out);
    }
    const int k = coord, o = 1 - coord; /* the kept and the integrated-out coordinate */

    /* inner nodes: graded from the kink at 0 outwards on both sides */
    double gx[MG_GL_N], gw[MG_GL_N];
    mg_gauss_legendre(gx, gw);
    const double sd = 2.0 / sqrt(beta);
    const double hmax = fmin(0.5 * sd, 1.0);
    const double h0 = fmin(hmax, 1.0 / (beta * (lambda + 2.0))) / 2.0;
    const double reach = 8.0 + sqrt(8.0 * (MG_TAIL / beta + log(4.0) + 8.0 * lambda));
    const size_t n_pos = mg_graded_nodes(0.0, reach, h0, hmax, gx, gw, NULL, NULL, 0);
    const size_t n_y = 2 * n_pos;

    double *y = malloc(n_y * sizeof *y);
    double *w = malloc(n_y * sizeof *w);
    double *cy = malloc(n_y * sizeof *cy);             /* beta (M(y) - lambda |y|) + log w */
    double *ey = malloc(n_y * MIXTURE_N_CENTRES * sizeof *ey); /* e_c(y) = exp(l_c(y) - M(y)) */
    double *v = malloc(n_y * sizeof *v);                /* per-row log-integrand */
    if (y == NULL || w == NULL || cy == NULL || ey == NULL || v == NULL) {
        free(y);
        free(w);
        free(cy);
        free(ey);
        free(v);
        return -1;
    }
    mg_graded_nodes(0.0, reach, h0, hmax, gx, gw, y, w, 0);
    mg_graded_nodes(0.0, -reach, h0, hmax, gx, gw, y, w, n_pos);

    for (size_t j = 0; j < n_y; ++j) {
        double l[MIXTURE_N_CENTRES], m = -INFINITY;
        for (int c = 0; c < MIXTURE_N_CENTRES; ++c) {
            const double t = y[j] - mixture_centres[c][o];
            l[c] = -t * t / 8.0;
            m = fmax(m, l[c]);
        }
        for (int c = 0; c < MIXTURE_N_CENTRES; ++c) {
            ey[j * MIXTURE_N_CENTRES + c] = exp(l[c] - m);
        }
        cy[j] = beta * (m - lambda * fabs(y[j])) + log(w[j]);
    }

    for (size_t g = 0; g < n_grid; ++g) {
        const double x = lo + (double)g * dx;
        double lx[MIXTURE_N_CENTRES], ex[MIXTURE_N_CENTRES], mx = -INFINITY;
        for (int c = 0; c < MIXTURE_N_CENTRES; ++c) {
            const double t = x - mixture_centres[c][k];
            lx[c] = -t * t / 8.0;
            mx = fmax(mx, lx[c]);
        }
        for (int c = 0; c < MIXTURE_N_CENTRES; ++c) {
            ex[c] = exp(lx[c] - mx);
        }
        double vmax = -INFINITY;
        for (size_t j = 0; j < n_y; ++j) {
            const double *e = ey + j * MIXTURE_N_CENTRES;
            const double s = ex[0] * e[0] + ex[1] * e[1] + ex[2] * e[2] + ex[3] * e[3];
            double log_s;
            if (s > 1e-290) {
                log_s = log(s);
            } else { /* far tails: exact log-sum-exp of the shifted component logs */
                double t[MIXTURE_N_CENTRES], tm = -INFINITY, acc = 0.0;
                for (int c = 0; c < MIXTURE_N_CENTRES; ++c) {
                    const double dy = y[j] - mixture_centres[c][o];
                    double my = -INFINITY;
                    for (int c2 = 0; c2 < MIXTURE_N_CENTRES; ++c2) {
                        const double d2 = y[j] - mixture_centres[c2][o];
                        my = fmax(my, -d2 * d2 / 8.0);
                    }
                    t[c] = (lx[c] - mx) + (-dy * dy / 8.0 - my);
                    tm = fmax(tm, t[c]);
                }
                for (int c = 0; c < MIXTURE_N_CENTRES; ++c) {
                    acc += exp(t[c] - tm);
                }
                log_s = tm + log(acc);
            }
            v[j] = beta * (log_s - log(4.0)) + cy[j];
            vmax = fmax(vmax, v[j]);
        }
        double sum = 0.0;
        for (size_t j = 0; j < n_y; ++j) {
            sum += exp(v[j] - vmax);
        }
        out[g] = beta * (mx - lambda * fabs(x)) + vmax + log(sum);
    }
    free(y);
    free(w);
    free(cy);
    free(ey);
    free(v);
    return mg_normalise_log(n_grid, dx, out);
}

/** log Zg(a) = log int exp(-(u - a)^2/8 - lambda |u|) du (see the file comment). */
static double mg_log_zg(double a, double lambda)
{
    const double r8 = sqrt(8.0);
    const double p = prior_l1_log_erfcx((4.0 * lambda - a) / r8);
    const double q = prior_l1_log_erfcx((4.0 * lambda + a) / r8);
    const double hi = fmax(p, q), lo = fmin(p, q);
    return 0.5 * log(2.0 * MG_PI) - a * a / 8.0 + hi + log1p(exp(lo - hi));
}

int marginal_mixture_laplace_beta1(int coord, int d, double lambda, double lo, double dx,
                                   size_t n_grid, double *out)
{
    if (mg_bad_args(coord, d, lambda, 1.0, lo, dx, n_grid, out)) {
        return -1;
    }
    if (coord >= 2) {
        mg_gauss_laplace_log(lambda, 1.0, lo, dx, n_grid, out);
        return mg_normalise_log(n_grid, dx, out);
    }
    const int k = coord, o = 1 - coord;
    double log_zg[MIXTURE_N_CENTRES];
    for (int c = 0; c < MIXTURE_N_CENTRES; ++c) {
        log_zg[c] = mg_log_zg(mixture_centres[c][o], lambda);
    }
    for (size_t g = 0; g < n_grid; ++g) {
        const double x = lo + (double)g * dx;
        double t[MIXTURE_N_CENTRES], tm = -INFINITY, acc = 0.0;
        for (int c = 0; c < MIXTURE_N_CENTRES; ++c) {
            const double dxc = x - mixture_centres[c][k];
            t[c] = -dxc * dxc / 8.0 + log_zg[c];
            tm = fmax(tm, t[c]);
        }
        for (int c = 0; c < MIXTURE_N_CENTRES; ++c) {
            acc += exp(t[c] - tm);
        }
        out[g] = tm + log(acc) - lambda * fabs(x);
    }
    return mg_normalise_log(n_grid, dx, out);
}

void marginal_kde_add(size_t n, const double *v, size_t stride, double var, double lo, double dx,
                      size_t n_grid, double *out)
{
    if (n_grid == 0 || !(var > 0.0) || !(dx > 0.0)) {
        return;
    }
    const double sd = sqrt(var);
    const double norm = 1.0 / sqrt(2.0 * MG_PI * var);
    const double last = (double)(n_grid - 1);
    for (size_t i = 0; i < n; ++i) {
        const double c = v[i * stride];
        if (!isfinite(c)) {
            continue; /* a non-finite sample contributes nothing */
        }
        const double ga = ceil((c - 12.0 * sd - lo) / dx);
        const double gb = floor((c + 12.0 * sd - lo) / dx);
        if (gb < 0.0 || ga > last) {
            continue;
        }
        const size_t g0 = ga < 0.0 ? 0 : (size_t)ga;
        const size_t g1 = gb > last ? n_grid - 1 : (size_t)gb;
        for (size_t g = g0; g <= g1; ++g) {
            const double t = lo + (double)g * dx - c;
            out[g] += norm * exp(-t * t / (2.0 * var));
        }
    }
}

double marginal_l1_distance(const double *a, const double *b, size_t n_grid, double dx)
{
    if (n_grid < 2) {
        return 0.0;
    }
    double s = 0.5 * (fabs(a[0] - b[0]) + fabs(a[n_grid - 1] - b[n_grid - 1]));
    for (size_t g = 1; g + 1 < n_grid; ++g) {
        s += fabs(a[g] - b[g]);
    }
    return s * dx;
}

/** Parameters of the moments integrand. */
typedef struct {
    double mu, s2, lambda, beta;
} mg_moment_param;

static double mg_moment_log_density(double u, const mg_moment_param *p)
{
    const double t = u - p->mu;
    return -p->beta * (t * t / (2.0 * p->s2) + p->lambda * fabs(u));
}

/**
 * Nodes of one half-line: side = +1 for u >= 0 (centre m = mu - s^2 lambda), -1 for u <= 0
 * (centre m = mu + s^2 lambda), in the reflected variable t = side * u >= 0 with centre side * m.
 */
static size_t mg_moment_half_nodes(int side, const mg_moment_param *p, double sigma,
                                   const double gx[MG_GL_N], const double gw[MG_GL_N], double *y,
                                   double *w, size_t n0)
{
    const double m = side * (p->mu - side * p->s2 * p->lambda); /* centre in t */
    const double hmax = 0.5 * sigma;
    if (m > 40.0 * sigma) { /* [0, m - 40 sigma] carries less than exp(-800) of the mass */
        return mg_graded_nodes(side * (m - 40.0 * sigma), side * (m + 40.0 * sigma), hmax, hmax,
                               gx, gw, y, w, n0);
    }
    /* decay rate at t = 0 is |min(m, 0)| / sigma^2: resolve it with the first panel */
    const double rate = m < 0.0 ? -m / (sigma * sigma) : 0.0;
    const double h0 = rate > 0.0 ? fmin(hmax, 0.25 / rate) : hmax;
    return mg_graded_nodes(0.0, side * (fmax(m, 0.0) + 40.0 * sigma), h0 / 2.0, hmax, gx, gw, y,
                           w, n0);
}

void marginal_gaussian_l1_moments(double mu, double s, double lambda, double beta, double *mean,
                                  double *var)
{
    if (!(s > 0.0) || !(beta > 0.0) || !(lambda >= 0.0) || !isfinite(mu) || !isfinite(s)
        || !isfinite(beta) || !isfinite(lambda)) {
        *mean = NAN;
        *var = NAN;
        return;
    }
    if (lambda == 0.0) {
        *mean = mu;
        *var = s * s / beta;
        return;
    }
    const mg_moment_param p = {mu, s * s, lambda, beta};
    const double sigma = s / sqrt(beta);
    double gx[MG_GL_N], gw[MG_GL_N];
    mg_gauss_legendre(gx, gw);
    const size_t n_pos = mg_moment_half_nodes(1, &p, sigma, gx, gw, NULL, NULL, 0);
    const size_t n_all = mg_moment_half_nodes(-1, &p, sigma, gx, gw, NULL, NULL, n_pos);
    double *y = malloc(n_all * sizeof *y);
    double *w = malloc(n_all * sizeof *w);
    if (y == NULL || w == NULL) {
        free(y);
        free(w);
        *mean = NAN;
        *var = NAN;
        return;
    }
    mg_moment_half_nodes(1, &p, sigma, gx, gw, y, w, 0);
    mg_moment_half_nodes(-1, &p, sigma, gx, gw, y, w, n_pos);

    /* shift: the largest log-density, attained at a half-line's clamped centre */
    const double up = fmax(mu - p.s2 * lambda, 0.0), um = fmin(mu + p.s2 * lambda, 0.0);
    const double shift = fmax(mg_moment_log_density(up, &p), mg_moment_log_density(um, &p));
    double s0 = 0.0, s1 = 0.0;
    for (size_t j = 0; j < n_all; ++j) {
        const double f = w[j] * exp(mg_moment_log_density(y[j], &p) - shift);
        s0 += f;
        s1 += f * y[j];
    }
    const double m1 = s1 / s0;
    double s2 = 0.0;
    for (size_t j = 0; j < n_all; ++j) {
        const double f = w[j] * exp(mg_moment_log_density(y[j], &p) - shift);
        s2 += f * (y[j] - m1) * (y[j] - m1);
    }
    free(y);
    free(w);
    *mean = m1;
    *var = s2 / s0;
}
