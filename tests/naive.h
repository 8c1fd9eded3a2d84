/*
 * Naive O(N^2) references shared by the test suites, written plainly from method.md: the full
 * logit matrix -beta |y_i - y_j|^2 / (4T) - log Z(y_j), a softmax per row (per row and coordinate
 * for coordinatewise weights) and the weighted sum. No online softmax, no blocking, no shortcuts.
 */
#ifndef RWPO_TESTS_NAIVE_H
#define RWPO_TESTS_NAIVE_H

#include <math.h>
#include <stdlib.h>

#include "rwpo/core/prior_l1.h"

/* deterministic pseudo-random numbers for test data */
static inline double lcg(unsigned long *s)
{
    *s = *s * 6364136223846793005UL + 1442695040888963407UL;
    return ((double)(*s >> 11) + 0.5) * 0x1.0p-53;
}

/* Textbook Cholesky (column by column) of a [n][n] (row-major, symmetric positive definite)
 * into l (lower, zeros above the diagonal). */
static inline void naive_cholesky(long n, const double *a, double *l)
{
    for (long i = 0; i < n * n; i++)
        l[i] = 0.0;
    for (long j = 0; j < n; j++) {
        double s = a[j * n + j];
        for (long k = 0; k < j; k++)
            s -= l[j * n + k] * l[j * n + k];
        l[j * n + j] = sqrt(s);
        for (long i = j + 1; i < n; i++) {
            double t = a[i * n + j];
            for (long k = 0; k < j; k++)
                t -= l[i * n + k] * l[j * n + k];
            l[i * n + j] = t / l[j * n + j];
        }
    }
}

/* max |a - b| / max |b| (1 if b is all zero) over n values. */
static inline double rel_diff(const double *a, const double *b, long n)
{
    double scale = 0.0, err = 0.0;
    for (long i = 0; i < n; i++)
        scale = fmax(scale, fabs(b[i]));
    for (long i = 0; i < n; i++)
        err = fmax(err, fabs(a[i] - b[i]));
    return err / (scale > 0 ? scale : 1.0);
}

/* M_T(u) = min_z lambda |z| + (z - u)^2 / (2T) by golden-section search (convex). */
static inline double huber_brute(double u, double lambda, double T)
{
    double a = -fabs(u) - 1.0, b = fabs(u) + 1.0;
    const double g = (sqrt(5.0) - 1.0) / 2.0;
    for (int it = 0; it < 200; it++) {
        double c = b - g * (b - a), d = a + g * (b - a);
        double fc = lambda * fabs(c) + (c - u) * (c - u) / (2 * T);
        double fd = lambda * fabs(d) + (d - u) * (d - u) / (2 * T);
        if (fc < fd)
            b = d;
        else
            a = c;
    }
    double z = 0.5 * (a + b);
    double best = lambda * fabs(z) + (z - u) * (z - u) / (2 * T);
    double at0 = u * u / (2 * T);
    return at0 < best ? at0 : best;
}

/* -log Z1(u) per coordinate, up to a constant */
static inline double neg_log_z(int moreau, double u, double lambda, double beta, double T)
{
    if (moreau)
        return 0.5 * beta * huber_brute(u, lambda, T);
    return -prior_l1_log_z1(u, lambda, beta, T);
}

/* Naive reference with an L1 weight per coordinate, lambda_k [d]: A [n * d], neff sum. */
static inline double naive_lk(int joint, int moreau, long n_rows, long n_keys, long d,
                              const double *y, const double *keys, const double *lambda_k,
                              double beta, double T, double *A)
{
    double neff = 0.0;
    double *z = malloc((size_t)n_keys * sizeof *z);
    for (long i = 0; i < n_rows; i++) {
        for (long k = 0; k < (joint ? 1 : d); k++) {
            double mx = -INFINITY;
            for (long j = 0; j < n_keys; j++) {
                double v = 0.0;
                for (long kk = 0; kk < d; kk++) {
                    if (!joint && kk != k)
                        continue;
                    double diff = y[i * d + kk] - keys[j * d + kk];
                    v += -beta * diff * diff / (4 * T) +
                         neg_log_z(moreau, keys[j * d + kk], lambda_k[kk], beta, T);
                }
                z[j] = v;
                if (v > mx)
                    mx = v;
            }
            double sum = 0.0, sum2 = 0.0;
            for (long j = 0; j < n_keys; j++) {
                z[j] = exp(z[j] - mx);
                sum += z[j];
            }
            for (long j = 0; j < n_keys; j++) {
                z[j] /= sum;
                sum2 += z[j] * z[j];
            }
            neff += 1.0 / sum2;
            for (long kk = 0; kk < d; kk++) {
                if (!joint && kk != k)
                    continue;
                double a = 0.0;
                for (long j = 0; j < n_keys; j++)
                    a += z[j] * keys[j * d + kk];
                A[i * d + kk] = a;
            }
        }
    }
    free(z);
    return neff;
}

/* Naive reference with one L1 weight lambda: A [n * d], neff sum. */
static inline double naive(int joint, int moreau, long n_rows, long n_keys, long d, const double *y,
                    const double *keys, double lambda, double beta, double T, double *A)
{
    double *lk = malloc((size_t)d * sizeof *lk);
    for (long k = 0; k < d; k++)
        lk[k] = lambda;
    double neff = naive_lk(joint, moreau, n_rows, n_keys, d, y, keys, lk, beta, T, A);
    free(lk);
    return neff;
}

#endif /* RWPO_TESTS_NAIVE_H */
