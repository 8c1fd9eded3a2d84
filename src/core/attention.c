/**
 * @file attention.c
 * @brief Online-softmax attention kernels (see attention.h for the math).
 *
 * Compiled with -fopenmp-simd -fno-math-errno: the inner loops over keys are `omp simd`
 * reductions with the inline exp below. attention_ref.c holds the plain reference path.
 */
#include "rwpo/core/attention.h"

#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "exp_reduce.h"

/* Exponent arguments are clamped below at CLAMP_LO: exp(-300) = 5e-131 is far below round-off of
 * a sum that is at least 1 (the shift term), even summed over 1e12 keys. */
#define CLAMP_LO (-300.0)

/*
 * The kernels' exp, inline so that the simd loops vectorise it with everything around it (no call,
 * no spills; 1.7x glibc's libmvec vector exp on the whole kernel). For t in [CLAMP_LO, 700]:
 * t = n ln2 + r (|r| <= ln2 / 2, Cody-Waite with a two-part ln2), exp(r) by its Taylor polynomial
 * of degree 11 in Estrin's scheme (truncation error below 9e-15 relative), times 2^n built in the
 * exponent bits. Measured maximum relative error against libm over [-300, 0]: 8.8e-15 (degree 13
 * gives 4e-16 at 9% more time per kernel; the kernels' tolerance is 1e-12). Callers guarantee the
 * range: arguments are clamped below, and above they are bounded by the fixed-shift bound
 * (ATTENTION_FIXED_SHIFT_MAX = 600) or by 0 (running max).
 */
static inline double kexp(double t)
{
    double sc;
    const double r = exp_reduce(t, &sc);
    const double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    const double p01 = r + 1.0;
    const double p23 = fma(r, 1.0 / 6.0, 0.5);
    const double p45 = fma(r, 1.0 / 120.0, 1.0 / 24.0);
    const double p67 = fma(r, 1.0 / 5040.0, 1.0 / 720.0);
    const double p89 = fma(r, 1.0 / 362880.0, 1.0 / 40320.0);
    const double pab = fma(r, 1.0 / 39916800.0, 1.0 / 3628800.0);
    const double p03 = fma(r2, p23, p01), p47 = fma(r2, p67, p45), p8b = fma(r2, pab, p89);
    const double p = fma(r8, p8b, fma(r4, p47, p03));
    return p * sc;
}

static inline double clamp_lo(double t) { return t < CLAMP_LO ? CLAMP_LO : t; }

int attention_use_fixed_shift(int joint, long dim, double beta, double lambda, double T,
                              int force_running_max)
{
    double bound = beta * lambda * lambda * T / 4.0 * (joint ? (double)dim : 1.0);
    return !force_running_max && bound <= ATTENTION_FIXED_SHIFT_MAX;
}

size_t attention_work_size(long n_keys, long dim)
{
    const size_t gemm = (size_t)(ATTENTION_GEMM_ROWS * n_keys);
    const size_t tiles = (size_t)(8 * (n_keys + 2 * dim + 1)); /* E, A, O and alignment */
    return gemm > tiles ? gemm : tiles;
}

void attention_begin(attention_state *s, const double *restrict y, const double *restrict bias)
{
    const long n = s->n_rows, d = s->dim;
    for (long i = 0; i < n * d; i++)
        s->o[i] = 0.0;
    long n_state = s->joint ? n : n * d;
    for (long r = 0; r < n_state; r++) {
        s->l[r] = 0.0;
        s->q[r] = 0.0;
    }
    if (!s->fixed_shift) {
        for (long r = 0; r < n_state; r++)
            s->m[r] = -INFINITY;
        return;
    }
    if (s->joint) {
        for (long i = 0; i < n; i++) {
            double z = 0.0;
            for (long k = 0; k < d; k++)
                z += s->c * y[i * d + k] * y[i * d + k] + bias[i * d + k];
            s->m[i] = z;
        }
    } else {
        for (long i = 0; i < n * d; i++)
            s->m[i] = s->c * y[i] * y[i] + bias[i];
    }
}

/* Rescale one state entry to a new shift (running-max mode). */
static inline void rescale(double *m, double *l, double *q, double *o, long n_o, long stride,
                           double m_new)
{
    if (m_new <= *m)
        return;
    double sc = *m == -INFINITY ? 0.0 : exp(*m - m_new);
    *l *= sc;
    *q *= sc * sc;
    for (long k = 0; k < n_o; k++)
        o[k * stride] *= sc;
    *m = m_new;
}

static void fold_coordinatewise(attention_state *s, const double *restrict y, long n_keys,
                                long ld, const double *restrict kx, const double *restrict kb)
{
    const long n = s->n_rows, d = s->dim;
    const double c = s->c;
    /* coordinate outer: the block's keys of coordinate k stay in L1 for all rows */
    for (long k = 0; k < d; k++) {
        const double *restrict xk = kx + k * ld;
        const double *restrict bk = kb + k * ld;
        for (long i = 0; i < n; i++) {
            const long r = i * d + k;
            const double a = c * y[r];
            if (!s->fixed_shift) {
                double bm = -INFINITY;
#pragma omp simd reduction(max : bm)
                for (long j = 0; j < n_keys; j++) {
                    double z = a * xk[j] + bk[j];
                    bm = z > bm ? z : bm;
                }
                rescale(&s->m[r], &s->l[r], &s->q[r], &s->o[r], 1, 1, bm);
            }
            const double sh = s->m[r];
            double l = 0.0, o = 0.0, q = 0.0;
#pragma omp simd reduction(+ : l, o, q)
            for (long j = 0; j < n_keys; j++) {
                double e = kexp(clamp_lo(a * xk[j] + (bk[j] - sh)));
                l += e;
                o += e * xk[j];
                q += e * e;
            }
            s->l[r] += l;
            s->o[r] += o;
            s->q[r] += q;
        }
    }
}

/* Joint weights of row i: z[0..n_keys) holds the block's logits without the key bias on entry
 * and exp(z + kb - m) on exit; the shift (running max: rescaling o, l, q first) and the sums l, q
 * are updated. */
static inline void joint_weights(attention_state *s, long i, long n_keys, double *restrict z,
                                 const double *restrict kb)
{
    if (!s->fixed_shift) {
        double bm = -INFINITY;
#pragma omp simd reduction(max : bm)
        for (long j = 0; j < n_keys; j++) {
            double t = z[j] + kb[j];
            bm = t > bm ? t : bm;
        }
        rescale(&s->m[i], &s->l[i], &s->q[i], &s->o[i * s->dim], s->dim, 1, bm);
    }
    const double sh = s->m[i];
    double l = 0.0, q = 0.0;
#pragma omp simd reduction(+ : l, q)
    for (long j = 0; j < n_keys; j++) {
        double e = kexp(clamp_lo(z[j] + (kb[j] - sh)));
        z[j] = e;
        l += e;
        q += e * e;
    }
    s->l[i] += l;
    s->q[i] += q;
}

/* z0 + sum_{k < D} a_k x_k[j] for the fused small-d loop (D a compile-time constant). */
static inline __attribute__((always_inline)) double
small_logit(const long D, double z0, double a0, double a1, double a2, double a3,
            const double *restrict x0, const double *restrict x1, const double *restrict x2,
            const double *restrict x3, long j)
{
    double z = z0 + a0 * x0[j];
    if (D > 1)
        z += a1 * x1[j];
    if (D > 2)
        z += a2 * x2[j];
    if (D > 3)
        z += a3 * x3[j];
    return z;
}

/*
 * Joint weights for d <= 4, one fused pass per row: logits, exp, and the sums l, q, o together
 * (the block's keys are read once; no scratch). D is a compile-time constant at every call.
 */
static inline __attribute__((always_inline)) void
fold_joint_small(attention_state *s, const double *restrict y, long n_keys, long ld,
                 const double *restrict kx, const double *restrict kb, const long D)
{
    const long n = s->n_rows;
    const double c = s->c;
    const double *restrict x0 = kx;
    const double *restrict x1 = D > 1 ? kx + ld : kx;
    const double *restrict x2 = D > 2 ? kx + 2 * ld : kx;
    const double *restrict x3 = D > 3 ? kx + 3 * ld : kx;
    for (long i = 0; i < n; i++) {
        const double *restrict yi = y + i * D;
        const double a0 = c * yi[0], a1 = D > 1 ? c * yi[1] : 0.0;
        const double a2 = D > 2 ? c * yi[2] : 0.0, a3 = D > 3 ? c * yi[3] : 0.0;
        if (!s->fixed_shift) {
            double bm = -INFINITY;
#pragma omp simd reduction(max : bm)
            for (long j = 0; j < n_keys; j++) {
                const double z = small_logit(D, kb[j], a0, a1, a2, a3, x0, x1, x2, x3, j);
                bm = z > bm ? z : bm;
            }
            rescale(&s->m[i], &s->l[i], &s->q[i], &s->o[i * D], D, 1, bm);
        }
        const double sh = s->m[i];
        double l = 0.0, q = 0.0, o0 = 0.0, o1 = 0.0, o2 = 0.0, o3 = 0.0;
#pragma omp simd reduction(+ : l, q, o0, o1, o2, o3)
        for (long j = 0; j < n_keys; j++) {
            const double z = small_logit(D, kb[j] - sh, a0, a1, a2, a3, x0, x1, x2, x3, j);
            const double e = kexp(clamp_lo(z));
            l += e;
            q += e * e;
            o0 += e * x0[j];
            if (D > 1)
                o1 += e * x1[j];
            if (D > 2)
                o2 += e * x2[j];
            if (D > 3)
                o3 += e * x3[j];
        }
        s->l[i] += l;
        s->q[i] += q;
        double *restrict oi = s->o + i * D;
        oi[0] += o0;
        if (D > 1)
            oi[1] += o1;
        if (D > 2)
            oi[2] += o2;
        if (D > 3)
            oi[3] += o3;
    }
}

/* ---- joint weights, d > 4: eight rows in the lanes of a vector ------------------------------- */

/* GCC vector extensions: one AVX-512 register with -march on such a machine, two or four
 * narrower ones (same results) elsewhere. */
typedef double v8d __attribute__((vector_size(64)));
typedef int64_t v8l __attribute__((vector_size(64)));
typedef uint64_t v8u __attribute__((vector_size(64)));
#define V8(x) ((v8d){(x), (x), (x), (x), (x), (x), (x), (x)})
#define TILE 8  /* rows per tile (lanes) */
#define UNROLL 8 /* keys (logits) or coordinates (values) per inner iteration */

static inline v8d v8_max(v8d a, v8d b)
{
    v8l m = a < b;
    return (v8d)(((v8l)a & ~m) | ((v8l)b & m));
}

/* kexp on eight lanes, clamp included (the same operations as kexp, so the same results). */
static inline v8d v8_exp(v8d t)
{
    t = v8_max(t, V8(CLAMP_LO));
    v8d kd = t * V8(0x1.71547652b82fep0) + V8(0x1.8p52);
    const v8u ki = (v8u)kd;
    kd -= V8(0x1.8p52);
    v8d r = t - kd * V8(0x1.62e42fefa39efp-1);
    r = r - kd * V8(0x1.abc9e3b39803fp-56);
    const v8d r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    const v8d p01 = r + V8(1.0);
    const v8d p23 = r * V8(1.0 / 6.0) + V8(0.5);
    const v8d p45 = r * V8(1.0 / 120.0) + V8(1.0 / 24.0);
    const v8d p67 = r * V8(1.0 / 5040.0) + V8(1.0 / 720.0);
    const v8d p89 = r * V8(1.0 / 362880.0) + V8(1.0 / 40320.0);
    const v8d pab = r * V8(1.0 / 39916800.0) + V8(1.0 / 3628800.0);
    const v8d p03 = r2 * p23 + p01, p47 = r2 * p67 + p45, p8b = r2 * pab + p89;
    const v8d p = r8 * p8b + (r4 * p47 + p03);
    const v8u sb = (ki << 52) + 0x3ff0000000000000ull;
    return p * (v8d)sb;
}

/* Logits of keys j .. j+UNROLL-1 for the tile: z[u] = kb_j - sh + sum_k A[k] x_jk. */
static inline void tile_logits(long d, long ld, const v8d *restrict A, v8d sh,
                               const double *restrict kx, const double *restrict kb, long j,
                               v8d *restrict z)
{
    for (int u = 0; u < UNROLL; u++)
        z[u] = V8(kb[j + u]) - sh;
    for (long k = 0; k < d; k++) {
        const double *restrict x = kx + k * ld + j;
        const v8d a = A[k];
        for (int u = 0; u < UNROLL; u++)
            z[u] += a * x[u];
    }
}

static inline v8d tile_logit1(long d, long ld, const v8d *restrict A, v8d sh,
                              const double *restrict kx, const double *restrict kb, long j)
{
    v8d z = V8(kb[j]) - sh;
    for (long k = 0; k < d; k++)
        z += A[k] * kx[k * ld + j];
    return z;
}

/*
 * One tile of eight rows against a block of keys, in two passes over the block (E, the tile's
 * weights, stays in L1):
 *   1. logits by register-blocked FMA (A[k] = c y_ik in the lanes, the key's x_jk broadcast),
 *      weights E_j = exp(z_j - m) and the sums l, q (running max: logits first, then the shift
 *      and the rescaling, then the weights);
 *   2. O[k] += sum_j E_j x_jk, UNROLL coordinates at a time.
 * A, O: [d] vectors (row r in lane r); m, l, q: the tile's row state.
 */
static void tile_fold(long d, long nk, long ld, int fixed_shift, const v8d *restrict A,
                      const double *restrict kx, const double *restrict kb, v8d *restrict E,
                      v8d *restrict O, v8d *m, v8d *l, v8d *q)
{
    v8d sl = *l, sq = *q, sh = *m;
    long j = 0;
    if (!fixed_shift) {
        v8d bm = V8(-INFINITY);
        for (; j + UNROLL <= nk; j += UNROLL) {
            v8d z[UNROLL];
            tile_logits(d, ld, A, V8(0.0), kx, kb, j, z);
            for (int u = 0; u < UNROLL; u++) {
                E[j + u] = z[u];
                bm = v8_max(bm, z[u]);
            }
        }
        for (; j < nk; j++) {
            E[j] = tile_logit1(d, ld, A, V8(0.0), kx, kb, j);
            bm = v8_max(bm, E[j]);
        }
        for (int r = 0; r < TILE; r++) /* rescale the lanes whose shift grows */
            if (bm[r] > sh[r]) {
                const double sc = sh[r] == -INFINITY ? 0.0 : exp(sh[r] - bm[r]);
                sl[r] *= sc;
                sq[r] *= sc * sc;
                for (long k = 0; k < d; k++)
                    O[k][r] *= sc;
                sh[r] = bm[r];
            }
        for (j = 0; j < nk; j++) {
            const v8d e = v8_exp(E[j] - sh);
            E[j] = e;
            sl += e;
            sq += e * e;
        }
    } else {
        for (; j + UNROLL <= nk; j += UNROLL) {
            v8d z[UNROLL];
            tile_logits(d, ld, A, sh, kx, kb, j, z);
            for (int u = 0; u < UNROLL; u++) {
                const v8d e = v8_exp(z[u]);
                E[j + u] = e;
                sl += e;
                sq += e * e;
            }
        }
        for (; j < nk; j++) {
            const v8d e = v8_exp(tile_logit1(d, ld, A, sh, kx, kb, j));
            E[j] = e;
            sl += e;
            sq += e * e;
        }
    }
    long k = 0;
    for (; k + UNROLL <= d; k += UNROLL) {
        v8d o[UNROLL];
        for (int u = 0; u < UNROLL; u++)
            o[u] = O[k + u];
        const double *restrict x = kx + k * ld;
        for (long jj = 0; jj < nk; jj++) {
            const v8d e = E[jj];
            for (int u = 0; u < UNROLL; u++)
                o[u] += e * x[u * ld + jj];
        }
        for (int u = 0; u < UNROLL; u++)
            O[k + u] = o[u];
    }
    for (; k + 4 <= d; k += 4) {
        v8d o0 = O[k], o1 = O[k + 1], o2 = O[k + 2], o3 = O[k + 3];
        const double *restrict x = kx + k * ld;
        for (long jj = 0; jj < nk; jj++) {
            const v8d e = E[jj];
            o0 += e * x[jj];
            o1 += e * x[ld + jj];
            o2 += e * x[2 * ld + jj];
            o3 += e * x[3 * ld + jj];
        }
        O[k] = o0;
        O[k + 1] = o1;
        O[k + 2] = o2;
        O[k + 3] = o3;
    }
    for (; k < d; k++) {
        v8d o0 = O[k];
        const double *restrict x = kx + k * ld;
        for (long jj = 0; jj < nk; jj++)
            o0 += E[jj] * x[jj];
        O[k] = o0;
    }
    *m = sh;
    *l = sl;
    *q = sq;
}

/*
 * Joint weights for d > 4 (below the dgemm threshold): the rows in tiles of eight, each tile's
 * state moved into vectors (rows past the end repeat the last row; their results are dropped),
 * folded, and moved back. work: [n_keys] vectors for E, then [2 d] vectors for A and O.
 */
static void fold_joint_tiles(attention_state *s, const double *restrict y, long n_keys, long ld,
                             const double *restrict kx, const double *restrict kb,
                             double *restrict work)
{
    const long n = s->n_rows, d = s->dim;
    v8d *E = (v8d *)(((uintptr_t)work + 63) & ~(uintptr_t)63), *A = E + n_keys, *O = A + d;
    for (long i0 = 0; i0 < n; i0 += TILE) {
        v8d m, l, q;
        for (int r = 0; r < TILE; r++) {
            const long i = i0 + r < n ? i0 + r : n - 1;
            for (long k = 0; k < d; k++) {
                A[k][r] = s->c * y[i * d + k];
                O[k][r] = s->o[i * d + k];
            }
            m[r] = s->m[i];
            l[r] = s->l[i];
            q[r] = s->q[i];
        }
        tile_fold(d, n_keys, ld, s->fixed_shift, A, kx, kb, E, O, &m, &l, &q);
        for (int r = 0; r < TILE && i0 + r < n; r++) {
            const long i = i0 + r;
            for (long k = 0; k < d; k++)
                s->o[i * d + k] = O[k][r];
            s->m[i] = m[r];
            s->l[i] = l[r];
            s->q[i] = q[r];
        }
    }
}

/*
 * Joint weights by matrix products, for d large enough to pay off: for blocks of R rows,
 *   Z^T = c K Y^T          (dgemm: [n_keys x R] = [n_keys x d][d x R]; K column-major, ld)
 *   E   = exp(Z + b - m)   (vector exp, per row; running-max rescaling before the product)
 *   O^T += K^T E^T         (dgemm: [d x R] += [d x n_keys][n_keys x R])
 * z holds E^T column-major (row i of the block at z + i * n_keys).
 */
static void fold_joint_gemm(attention_state *s, const double *restrict y, long n_keys, long ld,
                            const double *restrict kx, const double *restrict kb,
                            double *restrict z)
{
    const long n = s->n_rows, d = s->dim;
    for (long i0 = 0; i0 < n; i0 += ATTENTION_GEMM_ROWS) {
        const long r = n - i0 < ATTENTION_GEMM_ROWS ? n - i0 : ATTENTION_GEMM_ROWS;
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)n_keys, (int)r, (int)d, s->c,
                    kx, (int)ld, y + i0 * d, (int)d, 0.0, z, (int)n_keys);
        for (long i = i0; i < i0 + r; i++)
            joint_weights(s, i, n_keys, z + (i - i0) * n_keys, kb);
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)d, (int)r, (int)n_keys, 1.0,
                    kx, (int)ld, z, (int)n_keys, 1.0, s->o + i0 * d, (int)d);
    }
}

void attention_fold(attention_state *s, const double *restrict y, long n_keys, long ld,
                    const double *restrict kx, const double *restrict kb, double *restrict work)
{
    if (n_keys <= 0 || s->n_rows <= 0)
        return;
    if (s->reference) {
        attention_fold_reference(s, y, n_keys, ld, kx, kb);
        return;
    }
#if defined(__AVX512F__)
    const long gemm_default = LONG_MAX; /* the tiles beat dgemm at every d (attention.h) */
#else
    const long gemm_default = 8;
#endif
    const long gemm_min = s->gemm_min_dim > 0 ? s->gemm_min_dim : gemm_default;
    if (!s->joint)
        fold_coordinatewise(s, y, n_keys, ld, kx, kb);
    else if (s->dim >= gemm_min)
        fold_joint_gemm(s, y, n_keys, ld, kx, kb, work);
    else if (s->dim == 1)
        fold_joint_small(s, y, n_keys, ld, kx, kb, 1);
    else if (s->dim == 2)
        fold_joint_small(s, y, n_keys, ld, kx, kb, 2);
    else if (s->dim == 3)
        fold_joint_small(s, y, n_keys, ld, kx, kb, 3);
    else if (s->dim == 4)
        fold_joint_small(s, y, n_keys, ld, kx, kb, 4);
    else
        fold_joint_tiles(s, y, n_keys, ld, kx, kb, work);
}

double attention_end(const attention_state *s, double *restrict A)
{
    const long n = s->n_rows, d = s->dim;
    double neff = 0.0;
    for (long i = 0; i < n; i++) {
        for (long k = 0; k < d; k++) {
            long r = s->joint ? i : i * d + k;
            A[i * d + k] = s->o[i * d + k] / s->l[r];
        }
        if (s->joint) {
            neff += s->l[i] * s->l[i] / s->q[i];
        } else {
            for (long k = 0; k < d; k++)
                neff += s->l[i * d + k] * s->l[i * d + k] / s->q[i * d + k];
        }
    }
    return neff;
}

double attention_exp_probe(double *restrict buf, long n, long reps)
{
    double acc = 0.0;
    for (long r = 0; r < reps; r++) {
        const double shift = 1e-9 * (double)r; /* defeats hoisting */
        double sum = 0.0;
#pragma omp simd reduction(+ : sum)
        for (long j = 0; j < n; j++) {
            sum += kexp(clamp_lo(buf[j] - shift));
        }
        acc += sum;
    }
    return acc;
}
