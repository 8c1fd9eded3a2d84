/**
 * @file exp_reduce.h
 * @brief Private to src/core: the argument reduction of the kernels' inline exp (attention.c,
 *        fgt.c).
 *
 * t = n ln2 + r with |r| <= ln2/2 (Cody-Waite: n = round(t log2e) through the 1.5 * 2^52 shift,
 * ln2 in two parts); *scale = 2^n built in the exponent bits, valid for n in [-1022, 1023], i.e.
 * t in about [-708, 709]: callers clamp. The caller multiplies its polynomial of exp(r) by *scale.
 */
#ifndef RWPO_CORE_EXP_REDUCE_H
#define RWPO_CORE_EXP_REDUCE_H

#include <math.h>
#include <stdint.h>
#include <string.h>

static inline __attribute__((always_inline)) double exp_reduce(double t, double *scale)
{
    const double shift = 0x1.8p52, log2e = 0x1.71547652b82fep0;
    const double ln2hi = 0x1.62e42fefa39efp-1, ln2lo = 0x1.abc9e3b39803fp-56;
    double kd = fma(t, log2e, shift); /* n in the low mantissa bits */
    uint64_t ki;
    memcpy(&ki, &kd, sizeof ki);
    kd -= shift;
    double r = fma(-kd, ln2hi, t);
    r = fma(-kd, ln2lo, r);
    const uint64_t sb = (ki << 52) + 0x3ff0000000000000ull; /* 2^n */
    memcpy(scale, &sb, sizeof *scale);
    return r;
}

#endif /* RWPO_CORE_EXP_REDUCE_H */
