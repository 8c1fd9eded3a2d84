/*
 * Attention kernels against a naive O(N^2) reference written plainly here: the full logit
 * matrix from the kernel formula of method.md (-beta |y_i - y_j|^2 / (4T) - log Z(y_j), with
 * log Z from prior_l1_log_z1 for the exact normaliser, and from a brute-force Huber function for
 * the moreau one), a softmax, and the weighted sum. The kernels fold keys in uneven blocks, in
 * both shift modes, for both weightings and both normalisers.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rwpo/core/attention.h"
#include "rwpo/core/prior_l1.h"

#include "naive.h"

/* Kernel: rows are the first n_rows keys (as on a rank that owns them); keys folded in uneven
 * blocks in a rotated order. Returns the max relative error of A, and of neff via *neff_err. */
static double run_kernel(int joint, int moreau, int force_max, int gemm, int reference,
                         long n_rows, long n_keys, long d, const double *keys, double lambda,
                         double beta, double T, double *neff_err)
{
    const double *y = keys; /* rows are keys 0 .. n_rows-1 */
    double *A = malloc((size_t)(n_rows * d) * sizeof *A);
    double *Ar = malloc((size_t)(n_rows * d) * sizeof *Ar);
    long ns = joint ? n_rows : n_rows * d;
    double *m = malloc((size_t)ns * sizeof *m), *l = malloc((size_t)ns * sizeof *l);
    double *q = malloc((size_t)ns * sizeof *q), *o = malloc((size_t)(n_rows * d) * sizeof *o);
    double *bias_rows = malloc((size_t)(n_keys * d) * sizeof *bias_rows);
    prior_l1_normaliser kind = moreau ? PRIOR_L1_MOREAU : PRIOR_L1_EXACT;
    prior_l1_key_bias_n(kind, (size_t)(n_keys * d), keys, lambda, beta, T, bias_rows);
    attention_state s = {
        .n_rows = n_rows, .dim = d, .joint = joint,
        .fixed_shift = attention_use_fixed_shift(joint, d, beta, lambda, T, force_max),
        .c = beta / (2 * T), .m = m, .l = l, .o = o, .q = q,
        .gemm_min_dim = gemm ? 1 : 1L << 30, /* joint: force the dgemm or the loop path */
        .reference = reference,
    };
    attention_begin(&s, y, bias_rows);
    /* uneven blocks: sizes 1, 2, 3, ... starting from a rotated position */
    long start = n_keys / 3, done = 0, bs = 1;
    double *kx = malloc((size_t)(n_keys * d) * sizeof *kx);
    double *kb = malloc((size_t)(n_keys * d) * sizeof *kb);
    double *work = malloc(attention_work_size(n_keys, d) * sizeof *work);
    while (done < n_keys) {
        long nb = bs < n_keys - done ? bs : n_keys - done;
        long ld = nb + 3; /* leading dimension larger than the block */
        for (long j = 0; j < nb; j++) {
            long src = (start + done + j) % n_keys;
            double bsum = 0.0;
            for (long k = 0; k < d; k++) {
                kx[k * ld + j] = keys[src * d + k];
                kb[k * ld + j] = bias_rows[src * d + k];
                bsum += bias_rows[src * d + k];
            }
            if (joint)
                kb[j] = bsum;
        }
        if (joint) /* joint bias is [nb] contiguous: rebuild after positions */
            for (long j = 0; j < nb; j++) {
                long src = (start + done + j) % n_keys;
                double bsum = 0.0;
                for (long k = 0; k < d; k++)
                    bsum += bias_rows[src * d + k];
                kb[j] = bsum;
            }
        attention_fold(&s, y, nb, ld, kx, kb, work);
        done += nb;
        bs++;
    }
    double neff = attention_end(&s, A);
    double neff_ref = naive(joint, moreau, n_rows, n_keys, d, y, keys, lambda, beta, T, Ar);
    double err = 0.0, scale = 0.0;
    for (long i = 0; i < n_rows * d; i++)
        scale = fmax(scale, fabs(Ar[i]));
    for (long i = 0; i < n_rows * d; i++)
        err = fmax(err, fabs(A[i] - Ar[i]) / scale);
    *neff_err = fabs(neff - neff_ref) / neff_ref;
    free(A); free(Ar); free(m); free(l); free(q); free(o); free(bias_rows); free(kx); free(kb);
    free(work);
    return err;
}

static double *cloud(long n, long d, double scale, unsigned long seed)
{
    double *x = malloc((size_t)(n * d) * sizeof *x);
    for (long i = 0; i < n * d; i++)
        x[i] = scale * (2 * lcg(&seed) - 1);
    return x;
}

typedef struct {
    long n, d;
    double scale, lambda, beta, T;
} kcase;

static const kcase cases[] = {
    {37, 3, 2.0, 0.5, 1.0, 0.1},    /* moderate */
    {50, 1, 5.0, 0.1, 1.0, 0.1},    /* d = 1 */
    {23, 6, 1.0, 0.0, 2.0, 0.05},   /* lambda = 0: Gaussian kernel */
    {40, 4, 3.0, 2.0, 4.0, 0.3},    /* strong prior */
    {31, 2, 0.3, 1.0, 100.0, 0.01}, /* large beta: sharp weights */
    {64, 20, 5.0, 0.1, 1.0, 0.1},   /* the mixture experiment's shape */
    {150, 40, 0.4, 0.2, 1.0, 0.1},  /* d = 40 */
    {520, 9, 0.5, 0.2, 1.0, 0.1},   /* 261 rows: more than one dgemm block of rows */
};

START_TEST(test_kernel_vs_naive)
{
    const kcase *c = &cases[_i / 32];
    int joint = (_i >> 0) & 1, moreau = (_i >> 1) & 1, force = (_i >> 2) & 1, gemm = (_i >> 3) & 1;
    int reference = (_i >> 4) & 1;
    if (reference && gemm)
        return; /* the reference path has no dgemm variant */
    double *x = cloud(c->n, c->d, c->scale, 1234 + (unsigned long)_i);
    double neff_err;
    long n_rows = c->n / 2 + 1;
    double err = run_kernel(joint, moreau, force, gemm, reference, n_rows, c->n, c->d, x,
                            c->lambda, c->beta, c->T, &neff_err);
    ck_assert_msg(err < 1e-12,
                  "case %d joint=%d moreau=%d running_max=%d gemm=%d reference=%d: rel err %.3e",
                  _i / 32, joint, moreau, force, gemm, reference, err);
    ck_assert_msg(neff_err < 1e-10, "neighbours rel err %.3e", neff_err);
    free(x);
}
END_TEST

/* Production shapes: the fast path (long key blocks, so the vector bodies and not only the
 * remainders run; fused loops for d <= 4, tiles of eight rows or dgemm above; 300 rows, so the
 * last tile is partial) against the plain reference path on the same blocks, in both shift
 * modes. */
static const struct {
    int joint;
    long d;
} fr[] = {{0, 1}, {0, 2}, {0, 20}, {1, 1}, {1, 2}, {1, 3}, {1, 4}, {1, 6}, {1, 20}, {1, 128}};
static const int n_fr = (int)(sizeof fr / sizeof fr[0]);

START_TEST(test_fast_vs_reference)
{
    const int joint = fr[_i / 4].joint, force = _i % 2, gemm = (_i / 2) % 2;
    if (gemm && !joint)
        return;
    const long d = fr[_i / 4].d, n_keys = 1100, n_rows = joint ? 300 : 60, block = 512;
    const double lambda = 0.5, beta = 1.0, T = 0.1;
    double *x = cloud(n_keys, d, 2.0, 99 + (unsigned long)_i);
    double *bias = malloc((size_t)(n_keys * d) * sizeof *bias);
    prior_l1_key_bias_n(PRIOR_L1_EXACT, (size_t)(n_keys * d), x, lambda, beta, T, bias);
    /* the ring's packing: coordinate-major positions, then the bias (summed for joint) */
    double *kx = malloc((size_t)(n_keys * d) * sizeof *kx), *kb = calloc((size_t)(n_keys * d), 8);
    for (long j = 0; j < n_keys; j++)
        for (long k = 0; k < d; k++) {
            kx[k * n_keys + j] = x[j * d + k];
            if (joint)
                kb[j] += bias[j * d + k];
            else
                kb[k * n_keys + j] = bias[j * d + k];
        }
    long ns = joint ? n_rows : n_rows * d;
    double *st[2][4], *A[2], neff[2];
    double *work = malloc(attention_work_size(block, d) * sizeof *work);
    for (int path = 0; path < 2; path++) {
        for (int a = 0; a < 4; a++)
            st[path][a] = malloc((size_t)(a == 2 ? n_rows * d : ns) * sizeof(double));
        A[path] = malloc((size_t)(n_rows * d) * sizeof(double));
        attention_state s = {
            .n_rows = n_rows, .dim = d, .joint = joint,
            .fixed_shift = attention_use_fixed_shift(joint, d, beta, lambda, T, force),
            .c = beta / (2 * T), .m = st[path][0], .l = st[path][1], .o = st[path][2],
            .q = st[path][3], .reference = path,
            .gemm_min_dim = gemm ? 1 : 1L << 30, /* joint: the dgemm path or the tiles/loops */
        };
        attention_begin(&s, x, bias);
        for (long j0 = 0; j0 < n_keys; j0 += block) {
            long nb = n_keys - j0 < block ? n_keys - j0 : block;
            attention_fold(&s, x, nb, n_keys, kx + j0, kb + j0, work);
        }
        neff[path] = attention_end(&s, A[path]);
    }
    double err = 0.0, scale = 0.0; /* normwise: max |difference| / max |A| */
    for (long i = 0; i < n_rows * d; i++)
        scale = fmax(scale, fabs(A[1][i]));
    for (long i = 0; i < n_rows * d; i++)
        err = fmax(err, fabs(A[0][i] - A[1][i]) / scale);
    ck_assert_msg(err < 1e-12,
                  "joint=%d d=%ld running_max=%d gemm=%d: fast vs reference rel err %.3e", joint,
                  d, force, gemm, err);
    ck_assert_msg(fabs(neff[0] - neff[1]) < 1e-12 * neff[1], "neighbours %.17g vs %.17g", neff[0],
                  neff[1]);
    for (int path = 0; path < 2; path++) {
        for (int a = 0; a < 4; a++)
            free(st[path][a]);
        free(A[path]);
    }
    free(x); free(bias); free(kx); free(kb); free(work);
}
END_TEST

/* Large coordinates: the fixed-shift bound is exceeded, the running max must be chosen and
 * still match; with huge beta lambda^2 T the decision flips. */
START_TEST(test_shift_decision)
{
    ck_assert_int_eq(attention_use_fixed_shift(0, 20, 1.0, 0.1, 0.1, 0), 1);
    ck_assert_int_eq(attention_use_fixed_shift(1, 20, 1.0, 0.1, 0.1, 0), 1);
    ck_assert_int_eq(attention_use_fixed_shift(0, 20, 1.0, 0.1, 0.1, 1), 0);
    /* beta lambda^2 T / 4 = 100 * 100 * 0.5 / 4 = 1250 > 600 */
    ck_assert_int_eq(attention_use_fixed_shift(0, 1, 100.0, 10.0, 0.5, 0), 0);
    /* joint: d times the per-coordinate bound: 30 * 25 = 750 > 600, 20 * 25 = 500 <= 600 */
    ck_assert_int_eq(attention_use_fixed_shift(1, 30, 100.0, 1.0, 1.0, 0), 0);
    ck_assert_int_eq(attention_use_fixed_shift(1, 20, 100.0, 1.0, 1.0, 0), 1);
    double *x = cloud(29, 2, 40.0, 77);
    double neff_err;
    double err = run_kernel(0, 0, 0, 0, 0, 29, 29, 2, x, 10.0, 100.0, 0.5, &neff_err);
    ck_assert_msg(err < 1e-12, "running max, large logits: rel err %.3e", err);
    err = run_kernel(1, 1, 0, 1, 0, 29, 29, 2, x, 10.0, 100.0, 0.5, &neff_err);
    ck_assert_msg(err < 1e-12, "joint moreau, large logits: rel err %.3e", err);
    free(x);
}
END_TEST

/* The fixed-shift bound itself: z_ij - z_ii <= beta lambda^2 T / 4 per coordinate, for both
 * normalisers, checked on a dense grid of pairs (the claim the fast path rests on). */
START_TEST(test_fixed_shift_bound)
{
    const double lambda = 1.3, beta = 2.0, T = 0.4, c = beta / (2 * T);
    const double bound = beta * lambda * lambda * T / 4;
    for (int kind = 0; kind < 2; kind++) {
        double worst = -INFINITY;
        for (double u = -5; u <= 5; u += 0.01)
            for (double v = -5; v <= 5; v += 0.05) {
                double zi = c * u * u + prior_l1_key_bias((prior_l1_normaliser)kind, u, lambda,
                                                          beta, T);
                double zj = c * u * v + prior_l1_key_bias((prior_l1_normaliser)kind, v, lambda,
                                                          beta, T);
                worst = fmax(worst, zj - zi);
            }
        ck_assert_msg(worst <= bound * (1 + 1e-12), "kind %d: max excess %.6g > bound %.6g",
                      kind, worst, bound);
        ck_assert_msg(worst > 0.5 * bound, "kind %d: bound %.3g not approached (%.3g)", kind,
                      bound, worst);
    }
}
END_TEST

/* All keys identical to the row: the weights are uniform, A equals the row, neff = n_keys. */
START_TEST(test_uniform_weights)
{
    const long n = 17, d = 3;
    double *x = malloc((size_t)(n * d) * sizeof *x);
    for (long i = 0; i < n; i++)
        for (long k = 0; k < d; k++)
            x[i * d + k] = 0.25 * (double)(k + 1);
    double neff_err;
    double err = run_kernel(0, 0, 0, 0, 0, 1, n, d, x, 0.5, 1.0, 0.1, &neff_err);
    ck_assert(err < 1e-14);
    double m[3], l[3], q[3], o[3], A[3], bias[51];
    prior_l1_key_bias_n(PRIOR_L1_EXACT, (size_t)(n * d), x, 0.5, 1.0, 0.1, bias);
    attention_state s = {.n_rows = 1, .dim = d, .joint = 0, .fixed_shift = 1, .c = 5.0,
                         .m = m, .l = l, .o = o, .q = q};
    double kx[51], kb[51], work[17];
    for (long j = 0; j < n; j++)
        for (long k = 0; k < d; k++) {
            kx[k * n + j] = x[j * d + k];
            kb[k * n + j] = bias[j * d + k];
        }
    attention_begin(&s, x, bias);
    attention_fold(&s, x, n, n, kx, kb, work);
    double neff = attention_end(&s, A);
    ck_assert_msg(fabs(neff / 3.0 - (double)n) < 1e-9, "neff per coordinate %g, want %ld",
                  neff / 3.0, n);
    for (long k = 0; k < d; k++)
        ck_assert(fabs(A[k] - x[k]) < 1e-15);
    free(x);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("attention");
    TCase *tc = tcase_create("kernels");
    tcase_set_timeout(tc, 120);
    int n_cases = (int)(sizeof cases / sizeof cases[0]);
    tcase_add_loop_test(tc, test_kernel_vs_naive, 0, 32 * n_cases);
    tcase_add_loop_test(tc, test_fast_vs_reference, 0, 4 * n_fr);
    tcase_add_test(tc, test_shift_decision);
    tcase_add_test(tc, test_fixed_shift_bound);
    tcase_add_test(tc, test_uniform_weights);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
