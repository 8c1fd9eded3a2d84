/**
 * @file attention.h
 * @brief The attention kernels of the RWPO-L1 layer: online softmax over blocks of keys.
 *
 * For query rows y_i (this rank's half-stepped particles) and keys y_j (all particles, a block at
 * a time), with c = beta / (2T) and the key bias b (prior_l1_key_bias):
 *
 *   coordinatewise:  z_ijk = c y_ik y_jk + b(y_jk),             A_ik = sum_j softmax_j(z_ijk) y_jk
 *   joint:           z_ij  = c <y_i, y_j> + sum_k b(y_jk),       A_ik = sum_j softmax_j(z_ij) y_jk
 *
 * Per row (per row and coordinate for coordinatewise weights) the state is the shift m, the sum
 * l = sum_j exp(z - m), the weighted sum o = sum_j exp(z - m) y_j and q = sum_j exp(z - m)^2 (for
 * the effective number of neighbours l^2 / q). Two shift strategies:
 *  - fixed: m = the self-logit z_ii. For both normalisers b(u) + c u^2 / 2 is Lipschitz with
 *    constant beta lambda / 2, so z_ij - z_ii <= -beta t^2/(4T) + beta lambda t / 2 <=
 *    beta lambda^2 T / 4 per coordinate (t = |y_ik - y_jk|; d times that for joint weights):
 *    while that bound is small no exp overflows and no rescaling is needed (one pass per block).
 *  - running max (FlashAttention recurrence): m grows with each block; l, o, q are rescaled by
 *    exp(m_old - m_new) (q by its square).
 * Exponent arguments are clamped at -300 (exp(-300) relative to a sum of at least 1 is far below
 * round-off); the fast path's exp is an inline polynomial valid on [-300, 700] (attention.c).
 *
 * Joint weights: d <= 4 one fused loop per row (keys in the vector lanes); d > 4 tiles of eight
 * rows in the lanes of an AVX-512 register (register-blocked logits, exp, values; 63 GFLOP/s at
 * d = 128 on the reference machine, above OpenBLAS's dgemm there); or two dgemm per block of 256
 * rows. The default uses dgemm from d = 8 only when the kernels were built without AVX-512
 * (where the tiles would run on narrower registers).
 *
 * Pure functions: no MPI, no I/O, no globals. Arrays are owned by the caller.
 */
#ifndef RWPO_ATTENTION_H
#define RWPO_ATTENTION_H

#include <stddef.h>

/** Largest bound on z_ij - z_ii for which the fixed shift is used. */
#define ATTENTION_FIXED_SHIFT_MAX 600.0
/** Rows per dgemm block of the joint kernel. */
#define ATTENTION_GEMM_ROWS 256

/**
 * Online softmax state of n_rows query rows. Arrays (caller-owned):
 *   m, l, q: [n_rows * dim] (coordinatewise) or [n_rows] (joint)
 *   o:       [n_rows * dim]
 */
typedef struct {
    long n_rows;
    long dim;
    int joint;       /**< 0 coordinatewise, 1 joint */
    int fixed_shift; /**< 1: m is the self-logit; 0: running max */
    double c;        /**< beta / (2T) */
    long gemm_min_dim; /**< joint: dgemm from this d on (0: the build's default, see below) */
    int reference;     /**< 1: the plain reference path (attention_fold_reference) */
    double *m;
    double *l;
    double *o;
    double *q;
} attention_state;

/**
 * Decide the shift strategy: fixed when beta lambda^2 T / 4 (times d for joint weights) is at most
 * ATTENTION_FIXED_SHIFT_MAX, unless force_running_max.
 */
int attention_use_fixed_shift(int joint, long dim, double beta, double lambda, double T,
                              int force_running_max);

/**
 * Reset the state for a new layer.
 * @param y      query rows, [n_rows * dim] row-major
 * @param bias   key bias of the same rows, [n_rows * dim] row-major (per coordinate)
 */
void attention_begin(attention_state *s, const double *restrict y, const double *restrict bias);

/**
 * Fold a block of n_keys keys into every row's state.
 * @param y    query rows, [n_rows * dim] row-major
 * @param ld   leading dimension of the key arrays (>= n_keys)
 * @param kx   key positions, coordinate-major: kx[k * ld + j], j < n_keys
 * @param kb   key bias: coordinatewise kb[k * ld + j]; joint kb[j] (summed over k)
 * @param work scratch of at least attention_work_size(n_keys, dim) doubles (any alignment)
 */
void attention_fold(attention_state *s, const double *restrict y, long n_keys, long ld,
                    const double *restrict kx, const double *restrict kb,
                    double *restrict work);

/**
 * The plain reference path of attention_fold: one key at a time, libm's exp, no clamping, no
 * BLAS, no vectorisation (compiled without the kernels' flags). Same state, same shift strategy
 * (the running max is updated key by key). The fast path agrees with it to 1e-12 relative
 * (test_attention); `run.kernel = reference` selects it for a whole run.
 */
void attention_fold_reference(attention_state *s, const double *restrict y, long n_keys, long ld,
                              const double *restrict kx, const double *restrict kb);

/** Scratch doubles attention_fold needs for a block of n_keys keys of dimension dim. */
size_t attention_work_size(long n_keys, long dim);

/**
 * Finish: A = o / l (row-major [n_rows * dim]); returns the sum over rows (and coordinates for
 * coordinatewise weights) of the effective number of neighbours l^2 / q.
 */
double attention_end(const attention_state *s, double *restrict A);

/**
 * The exp-throughput probe: reps passes of the kernels' clamped vector exp over buf[0..n)
 * (caller times it; the result only keeps the work from being optimised away).
 */
double attention_exp_probe(double *restrict buf, long n, long reps);

#endif /* RWPO_ATTENTION_H */
