/**
 * @file fgt.c
 * @brief The 1-D fast Gauss transform with per-row bound (see fgt.h for the math).
 *
 * Compiled with the kernels' flags (-fopenmp-simd -fno-math-errno): the loops over the targets of
 * a box are `omp simd` with the inline exp below, the targets in the vector lanes.
 */
#include "rwpo/core/fgt.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "rwpo/core/prior_l1.h"

#include "exp_reduce.h"

/** Cramer's constant: |h_n(x)| <= FGT_CRAMER 2^{n/2} sqrt(n!) exp(-x^2/2). */
#define FGT_CRAMER 1.0865
/** Most Hermite terms. */
#define FGT_MAX_TERMS 64
/** Targets per chunk of the evaluation (the lanes' arrays stay in L1). */
#define FGT_CHUNK 64
/** Keys per block of the direct sums. */
#define FGT_DIRECT_BLOCK 256
/** Exponent arguments are clamped below here (2^n stays normal): exp(-700) times any count of
 *  sources is far below round-off of a sum that is at least 1 (the self term). */
#define FGT_CLAMP_LO (-700.0)

/*
 * exp for t in [FGT_CLAMP_LO, 700]: t = n ln2 + r (Cody-Waite, two-part ln2), exp(r) by its
 * Taylor polynomial of degree 13 (relative error below 5e-16 on |r| <= ln2/2), times 2^n built in
 * the exponent bits. Inline so that the simd loops vectorise it.
 */
static inline __attribute__((always_inline)) double fgt_exp(double t)
{
    t = t < FGT_CLAMP_LO ? FGT_CLAMP_LO : t;
    double sc;
    const double r = exp_reduce(t, &sc);
    const double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    const double c01 = r + 1.0, c23 = fma(r, 1.0 / 6, 0.5);
    const double c45 = fma(r, 1.0 / 120, 1.0 / 24), c67 = fma(r, 1.0 / 5040, 1.0 / 720);
    const double c89 = fma(r, 1.0 / 362880, 1.0 / 40320);
    const double cab = fma(r, 1.0 / 39916800, 1.0 / 3628800);
    const double ccd = fma(r, 1.0 / 6227020800.0, 1.0 / 479001600);
    const double c03 = fma(r2, c23, c01), c47 = fma(r2, c67, c45);
    const double c8b = fma(r2, cab, c89);
    const double c8d = fma(r4, ccd, c8b);
    const double poly = fma(r8, c8d, fma(r4, c47, c03));
    return poly * sc;
}

/* TwoSum: s + x into (s, c) with the rounding error added to c. */
static inline void two_sum_add(double *s, double *c, double x)
{
    const double t = *s + x, z = t - *s;
    *c += (*s - (t - z)) + (x - z);
    *s = t;
}

void fgt_params_init(fgt_params *f, double beta, double lambda, double T, long n_total,
                     double tol)
{
    f->p = FGT_TERMS;
    f->r = FGT_HALF_WIDTH;
    f->sd = sqrt(4.0 * T / beta);
    f->w = 2.0 * f->r * f->sd;
    f->lip = beta * lambda / 2.0;
    f->tol = tol;
    f->eps_cut = FGT_EPS_CUT;
    /* R^2 - c R = log(n / eps_cut), c = beta lambda sqrt(delta)/2 */
    const double c = f->lip * f->sd;
    const double lg = log((double)(n_total > 1 ? n_total : 1) / f->eps_cut);
    const double R = 0.5 * (c + sqrt(c * c + 4.0 * lg));
    /* a source K or more boxes away is at least (K - 1) w = (K - 1) 2 r sqrt(delta) away */
    f->reach = (long)ceil(R / (2.0 * f->r)) + 1;
    double s = 0.0, t = 1.0;
    for (int n = 0; n < 400; n++) {
        if (n >= f->p)
            s += t;
        t *= sqrt(2.0) * f->r / sqrt(n + 1.0);
    }
    f->tail = FGT_CRAMER * s;
    f->gamma = 2.0 * (f->p + 4) * 0x1p-53 + 1e-15; /* recurrence + the exp's error */
}

double fgt_log_q(int moreau, double u, double lambda, double beta, double T)
{
    if (moreau) {
        const double au = fabs(u), lt = lambda * T;
        if (au <= lt)
            return beta * u * u / (4.0 * T);
        return beta * lambda * (2.0 * au - lt) / 4.0;
    }
    /* log Z1 = log sqrt(pi T/beta) + log E - beta u^2/(4T), formed without cancellation */
    return 0.5 * log(3.14159265358979323846 * T / beta) - prior_l1_log_z1(u, lambda, beta, T);
}

long fgt_moment_width(const fgt_params *f) { return 4L * f->p; }

void fgt_moments(const fgt_params *f, long n_box, const long *restrict box,
                 const double *restrict L, const long *restrict start, const double *restrict y,
                 const double *restrict lq, double *restrict mom)
{
    const int p = f->p;
    const long mw = fgt_moment_width(f);
    const double isd = 1.0 / f->sd, rt2 = sqrt(2.0);
    double inv[FGT_MAX_TERMS];
    for (int n = 1; n < p; n++)
        inv[n] = 1.0 / n;
    for (long c = 0; c < n_box; c++) {
        double s[4 * FGT_MAX_TERMS], comp[4 * FGT_MAX_TERMS], x[4 * FGT_MAX_TERMS];
        for (long k = 0; k < mw; k++)
            s[k] = comp[k] = 0.0;
        const double ctr = ((double)box[c] + 0.5) * f->w, Lb = L[c];
        for (long j = start[c]; j < start[c + 1]; j++) {
            const double t = (y[j] - ctr) * isd, u = rt2 * t;
            const double sj = exp(lq[j] - Lb), ay = fabs(y[j]);
            double pt = sj, pu = sj * sj;
            for (int n = 0; n < p; n++) {
                x[n] = pt;
                x[p + n] = pt * y[j];
                x[2 * p + n] = pt * ay;
                x[3 * p + n] = pu;
                if (n + 1 < p) {
                    pt *= t * inv[n + 1];
                    pu *= u * inv[n + 1];
                }
            }
#pragma omp simd
            for (long k = 0; k < mw; k++) {
                const double a = s[k], b = a + x[k], z = b - a;
                comp[k] += (a - (b - z)) + (x[k] - z);
                s[k] = b;
            }
        }
        double *m = mom + c * mw;
        for (long k = 0; k < mw; k++)
            m[k] = s[k] + comp[k];
    }
}

/* Accumulators of one chunk of targets. */
typedef struct {
    double D[FGT_CHUNK], N[FGT_CHUNK], S[FGT_CHUNK], Q[FGT_CHUNK];
    double TD[FGT_CHUNK], TN[FGT_CHUNK], RD[FGT_CHUNK], RN[FGT_CHUNK];
} fgt_acc;

/* GCC vector extensions: four doubles (one AVX2 register; two SSE ones elsewhere). */
typedef double v4d __attribute__((vector_size(32)));
#define V4(x) ((v4d){(x), (x), (x), (x)})

static inline v4d v4_abs(v4d a)
{
    typedef long long v4l __attribute__((vector_size(32)));
    return (v4d)((v4l)a & (v4l){0x7fffffffffffffffLL, 0x7fffffffffffffffLL, 0x7fffffffffffffffLL,
                                0x7fffffffffffffffLL});
}

/* One source box (centre ctr, scale Lb, moments m) against targets y, lq [0, nk): the series of
 * four targets at a time, in the lanes of vectors that stay in registers through the Hermite
 * recurrence (the exps first, vectorised over the chunk). */
static void eval_box(const fgt_params *f, const double *restrict rn, double ctr, double Lb,
                     const double *restrict m, long nk, const double *restrict y,
                     const double *restrict lq, fgt_acc *restrict a)
{
    const int p = f->p;
    const double isd = 1.0 / f->sd;
    const double *restrict mA = m, *restrict mB = m + p, *restrict mC = m + 2 * p,
                 *restrict mG = m + 3 * p;
    double X[FGT_CHUNK + 4], H0[FGT_CHUNK + 4], G0[FGT_CHUNK + 4];
#pragma omp simd
    for (long k = 0; k < nk; k++) {
        const double x = (y[k] - ctr) * isd, x2 = x * x, sh = Lb - lq[k];
        const double gh = fgt_exp(sh - 0.5 * x2);
        X[k] = x;
        H0[k] = fgt_exp(sh - x2);
        G0[k] = fgt_exp(2.0 * (sh - x2));
        a->TD[k] = fma(mA[0], gh, a->TD[k]);
        a->TN[k] = fma(mC[0], gh, a->TN[k]);
    }
    for (long k = nk; k < ((nk + 3) & ~3L); k++)
        X[k] = H0[k] = G0[k] = 0.0;
    for (long k = 0; k < nk; k += 4) {
        v4d x, h0, g0;
        memcpy(&x, X + k, sizeof x);
        memcpy(&h0, H0 + k, sizeof h0);
        memcpy(&g0, G0 + k, sizeof g0);
        const v4d x2 = V4(2.0) * x, y2 = V4(2.0 * sqrt(2.0)) * x;
        v4d hm = h0, h = x2 * h0, gm = g0, g = y2 * g0;
        v4d d = V4(mA[0]) * h0 + V4(mA[1]) * h, nn = V4(mB[0]) * h0 + V4(mB[1]) * h;
        v4d sv = V4(mC[0]) * h0 + V4(mC[1]) * h, hb = h0 + V4(rn[1]) * v4_abs(h);
        v4d gq = V4(mG[0]) * g0 + V4(mG[1]) * g;
        for (int n = 2; n < p; n++) {
            const v4d tn = V4(-2.0 * (n - 1));
            const v4d hn = x2 * h + tn * hm, gn = y2 * g + tn * gm;
            hm = h;
            h = hn;
            gm = g;
            g = gn;
            d += V4(mA[n]) * hn;
            nn += V4(mB[n]) * hn;
            sv += V4(mC[n]) * hn;
            hb += V4(rn[n]) * v4_abs(hn);
            gq += V4(mG[n]) * gn;
        }
        const long nv = nk - k < 4 ? nk - k : 4;
        for (long u = 0; u < nv; u++) {
            a->D[k + u] += d[u];
            a->N[k + u] += nn[u];
            a->S[k + u] += sv[u];
            a->Q[k + u] += gq[u];
            a->RD[k + u] = fma(mA[0], hb[u], a->RD[k + u]);
            a->RN[k + u] = fma(mC[0], hb[u], a->RN[k + u]);
        }
    }
}

void fgt_evaluate(const fgt_params *f, long n_box, const long *restrict box,
                  const double *restrict L, const double *restrict mom,
                  const long *restrict start, const double *restrict y,
                  const double *restrict lq, double y_abs_max, double *restrict out)
{
    const long mw = fgt_moment_width(f), K = f->reach;
    double rn[FGT_MAX_TERMS];
    rn[0] = 1.0;
    for (int n = 1; n < f->p; n++)
        rn[n] = rn[n - 1] * f->r / n;
    long lo = 0, hi = 0;
    for (long c = 0; c < n_box; c++) {
        if (start[c] == start[c + 1])
            continue;
        while (box[lo] < box[c] - K)
            lo++;
        if (hi < c)
            hi = c;
        while (hi + 1 < n_box && box[hi + 1] <= box[c] + K)
            hi++;
        for (long i0 = start[c]; i0 < start[c + 1]; i0 += FGT_CHUNK) {
            const long nk = start[c + 1] - i0 < FGT_CHUNK ? start[c + 1] - i0 : FGT_CHUNK;
            fgt_acc a;
            memset(&a, 0, sizeof a);
            for (long b = lo; b <= hi; b++)
                eval_box(f, rn, ((double)box[b] + 0.5) * f->w, L[b], mom + b * mw, nk, y + i0,
                         lq + i0, &a);
            for (long k = 0; k < nk; k++) {
                double *o = out + FGT_OUT * (i0 + k);
                const double D = a.D[k], A = a.N[k] / D;
                const double S = fmax(a.S[k] / D, 1e-300);
                const double bD = f->eps_cut + f->tail * a.TD[k] + f->gamma * a.RD[k];
                const double bN =
                    f->eps_cut * y_abs_max + f->tail * a.TN[k] + f->gamma * a.RN[k];
                const double eD = bD / D, eA = (bN + fabs(A) * bD) / (D * S);
                o[0] = D;
                o[1] = a.N[k];
                o[2] = a.Q[k];
                o[3] = D >= 1.0 - 1e-9 ? fmax(eD, eA) : INFINITY;
            }
        }
    }
}

void fgt_direct_row(const fgt_params *f, double y_i, double lq_i, long n,
                    const double *restrict ys, const double *restrict lqs, double *restrict out)
{
    const double idl = 1.0 / (f->sd * f->sd);
    double sD = 0.0, cD = 0.0, sN = 0.0, cN = 0.0, sQ = 0.0, cQ = 0.0;
    for (long j0 = 0; j0 < n; j0 += FGT_DIRECT_BLOCK) {
        const long j1 = n - j0 < FGT_DIRECT_BLOCK ? n : j0 + FGT_DIRECT_BLOCK;
        double bD = 0.0, bN = 0.0, bQ = 0.0;
#pragma omp simd reduction(+ : bD, bN, bQ)
        for (long j = j0; j < j1; j++) {
            const double t = y_i - ys[j];
            const double e = fgt_exp(fma(-t * t, idl, lqs[j] - lq_i));
            bD += e;
            bN += e * ys[j];
            bQ += e * e;
        }
        two_sum_add(&sD, &cD, bD);
        two_sum_add(&sN, &cN, bN);
        two_sum_add(&sQ, &cQ, bQ);
    }
    out[0] = sD + cD;
    out[1] = sN + cN;
    out[2] = sQ + cQ;
}
