/**
 * @file bench_ring_sums.c
 * @brief The direct kernel's long sums (prints numbers; not a test).
 *
 *   bench_ring_sums N [T]
 *
 * Rows of the "coincident" cloud (half the keys exactly 1.0, a quarter exactly 0, a quarter
 * 2 N(0,1); lambda = 0.1, beta = 1) folded over all N keys by attention_fold in blocks of 1024
 * (as the ring's visitor folds a rank's block), against a reference summed in long double
 * relative to the self term. Prints |A - A_ref| / S per row (S the weighted mean of |y_j|): many
 * identical keys make plain sums drift by about N/1024 ulps.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "rwpo/core/attention.h"
#include "rwpo/core/prior_l1.h"

#include "naive.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_ring_sums N [T]\n");
        return 1;
    }
    const long N = atol(argv[1]), B = 1024;
    const double lambda = 0.1, beta = 1.0, T = argc > 2 ? atof(argv[2]) : 0.1;
    double *y = malloc((size_t)N * sizeof(double)), *b = malloc((size_t)N * sizeof(double));
    unsigned long s = 7;
    for (long j = 0; j < N; j++) {
        const double u3 = lcg(&s), u1 = lcg(&s), u2 = lcg(&s);
        y[j] = u3 < 0.5   ? 1.0
               : u3 < 0.75 ? 0.0
                           : 2.0 * sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
    }
    prior_l1_key_bias_n(PRIOR_L1_EXACT, (size_t)N, y, lambda, beta, T, b);
    double *work = malloc(attention_work_size(B, 1) * sizeof(double)), worst = 0.0;
    for (long i = 0; i < 6; i++) {
        double yi = y[i], m, l, o, q, A;
        attention_state st = {.n_rows = 1, .dim = 1, .joint = 0,
                              .fixed_shift = attention_use_fixed_shift(0, 1, beta, lambda, T, 0),
                              .c = beta / (2.0 * T), .m = &m, .l = &l, .o = &o, .q = &q};
        attention_begin(&st, &yi, &b[i]);
        for (long j0 = 0; j0 < N; j0 += B)
            attention_fold(&st, &yi, N - j0 < B ? N - j0 : B, N, y + j0, b + j0, work);
        attention_end(&st, &A);
        const long double self = -prior_l1_log_z1(yi, lambda, beta, T);
        long double D = 0, Nn = 0, S = 0;
        for (long j = 0; j < N; j++) {
            const long double t = (long double)yi - y[j];
            const long double e =
                expl(-beta * t * t / (4.0L * T) - prior_l1_log_z1(y[j], lambda, beta, T) - self);
            D += e;
            Nn += e * y[j];
            S += e * fabsl((long double)y[j]);
        }
        const double err = fabs(A - (double)(Nn / D)) / (double)(S / D);
        printf("row %ld (y = %g): |A - A_ref| / S = %.2e\n", i, yi, err);
        worst = fmax(worst, err);
    }
    printf("N = %ld, T = %g: max error of the direct kernel %.2e\n", N, T, worst);
    free(work);
    free(b);
    free(y);
    return 0;
}
