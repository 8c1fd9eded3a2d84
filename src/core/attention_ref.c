/**
 * @file attention_ref.c
 * @brief The plain reference path of the attention kernels (see attention.h).
 *
 * Deliberately the textbook formulation: for every row (and coordinate), every key in turn,
 * exp from libm, the running max updated key by key. It is built with the ordinary flags of the
 * library (no -fopenmp-simd, no -march), so it checks the fast kernels' vector exp, loop orders,
 * dgemm blocking and clamping from outside.
 */
#include <math.h>

#include "rwpo/core/attention.h"

/* Fold one weight: z is the logit of a key with values v[k * v_stride], k < n_v, into row state r
 * and the values o[0..n_v). */
static void fold_one(const attention_state *s, long r, double z, const double *v, long v_stride,
                     long n_v, double *o)
{
    if (!s->fixed_shift && z > s->m[r]) {
        double sc = s->m[r] == -INFINITY ? 0.0 : exp(s->m[r] - z);
        s->l[r] *= sc;
        s->q[r] *= sc * sc;
        for (long k = 0; k < n_v; k++)
            o[k] *= sc;
        s->m[r] = z;
    }
    double e = exp(z - s->m[r]);
    s->l[r] += e;
    s->q[r] += e * e;
    for (long k = 0; k < n_v; k++)
        o[k] += e * v[k * v_stride];
}

void attention_fold_reference(attention_state *s, const double *restrict y, long n_keys, long ld,
                              const double *restrict kx, const double *restrict kb)
{
    const long n = s->n_rows, d = s->dim;
    for (long i = 0; i < n; i++)
        for (long j = 0; j < n_keys; j++) {
            if (s->joint) {
                double z = kb[j];
                for (long k = 0; k < d; k++)
                    z += s->c * y[i * d + k] * kx[k * ld + j];
                fold_one(s, i, z, kx + j, ld, d, s->o + i * d);
            } else {
                for (long k = 0; k < d; k++) {
                    const double *x = kx + k * ld + j;
                    fold_one(s, i * d + k, s->c * y[i * d + k] * *x + kb[k * ld + j], x, ld, 1,
                             s->o + i * d + k);
                }
            }
        }
}
