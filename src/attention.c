/**
 * @file attention.c
 * @brief Online-softmax attention kernels (see attention.h for the math).
 *
 * Compiled with -fopenmp-simd -fno-math-errno: the inner loops over keys are `omp simd`
 * reductions whose exp calls go to glibc's vector exp (libmvec).
 */
#include "rwpo/attention.h"

#include <cblas.h>
#include <math.h>


/* glibc announces its vector exp (libmvec) only under -ffast-math; announce it here so the
 * simd loops below call it without giving up IEEE semantics elsewhere. */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__FAST_MATH__) && !defined(RWPO_SCALAR_EXP)
#pragma omp declare simd notinbranch
double exp(double);
#endif

/* glibc's AVX-512 vector exp leaves its fast path for arguments below about -354 (measured:
 * -350 runs at 1.1e9/s, -400 at 2.6e8/s); exp(-300) = 5e-131 is far below round-off of a sum
 * that is at least 1 (the shift term), even summed over 1e12 keys. */
#define CLAMP_LO (-300.0)

int attention_use_fixed_shift(int joint, long dim, double beta, double lambda, double T,
                              int force_running_max)
{
    double bound = beta * lambda * lambda * T / 4.0 * (joint ? (double)dim : 1.0);
    return !force_running_max && bound <= ATTENTION_FIXED_SHIFT_MAX;
}

size_t attention_work_size(long n_keys) { return (size_t)(ATTENTION_GEMM_ROWS * n_keys); }

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
                double z = a * xk[j] + bk[j] - sh;
                z = z < CLAMP_LO ? CLAMP_LO : z;
                double e = exp(z);
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

/* Joint weights of row i: z[0..n_keys) holds the block's logits on entry and exp(z - m) on
 * exit; the shift (running max: rescaling o, l, q first) and the sums l, q are updated. */
static inline void joint_weights(attention_state *s, long i, long n_keys, double *restrict z)
{
    if (!s->fixed_shift) {
        double bm = -INFINITY;
#pragma omp simd reduction(max : bm)
        for (long j = 0; j < n_keys; j++)
            bm = z[j] > bm ? z[j] : bm;
        rescale(&s->m[i], &s->l[i], &s->q[i], &s->o[i * s->dim], s->dim, 1, bm);
    }
    const double sh = s->m[i];
    double l = 0.0, q = 0.0;
#pragma omp simd reduction(+ : l, q)
    for (long j = 0; j < n_keys; j++) {
        double t = z[j] - sh;
        t = t < CLAMP_LO ? CLAMP_LO : t;
        double e = exp(t);
        z[j] = e;
        l += e;
        q += e * e;
    }
    s->l[i] += l;
    s->q[i] += q;
}

static void fold_joint(attention_state *s, const double *restrict y, long n_keys, long ld,
                       const double *restrict kx, const double *restrict kb,
                       double *restrict z)
{
    const long n = s->n_rows, d = s->dim;
    const double c = s->c;
    for (long i = 0; i < n; i++) {
        const double *restrict yi = y + i * d;
        /* logits of the block */
#pragma omp simd
        for (long j = 0; j < n_keys; j++)
            z[j] = kb[j];
        for (long k = 0; k < d; k++) {
            const double a = c * yi[k];
            const double *restrict xk = kx + k * ld;
#pragma omp simd
            for (long j = 0; j < n_keys; j++)
                z[j] += a * xk[j];
        }
        joint_weights(s, i, n_keys, z);
        for (long k = 0; k < d; k++) {
            const double *restrict xk = kx + k * ld;
            double o = 0.0;
#pragma omp simd reduction(+ : o)
            for (long j = 0; j < n_keys; j++)
                o += z[j] * xk[j];
            s->o[i * d + k] += o;
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
        for (long i = i0; i < i0 + r; i++) {
            double *restrict zi = z + (i - i0) * n_keys;
#pragma omp simd
            for (long j = 0; j < n_keys; j++)
                zi[j] += kb[j];
            joint_weights(s, i, n_keys, zi);
        }
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)d, (int)r, (int)n_keys, 1.0,
                    kx, (int)ld, z, (int)n_keys, 1.0, s->o + i0 * d, (int)d);
    }
}

void attention_fold(attention_state *s, const double *restrict y, long n_keys, long ld,
                    const double *restrict kx, const double *restrict kb, double *restrict work)
{
    if (n_keys <= 0 || s->n_rows <= 0)
        return;
    const long gemm_min = s->gemm_min_dim > 0 ? s->gemm_min_dim : ATTENTION_GEMM_MIN_DIM;
    if (s->joint && s->dim >= gemm_min)
        fold_joint_gemm(s, y, n_keys, ld, kx, kb, work);
    else if (s->joint)
        fold_joint(s, y, n_keys, ld, kx, kb, work);
    else
        fold_coordinatewise(s, y, n_keys, ld, kx, kb);
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
            double t = buf[j] - shift;
            t = t < CLAMP_LO ? CLAMP_LO : t;
            sum += exp(t);
        }
        acc += sum;
    }
    return acc;
}
