/**
 * @file test_fgt.c
 * @brief MPI Check tests of the fast Gauss transform of the coordinatewise attention
 *        (core/fgt_dist.h; run as mpirun -np P, P = 1..4).
 *
 *  - Every row against an accurate serial reference written from method.md (the softmax over all
 *    N keys of -beta (y_i - y_j)^2/(4T) - log Z1(y_j), summed in long double relative to the
 *    self term, every rank the whole cloud): 4 distributions (Gaussian cloud, 4-mode mixture over
 *    [-15, 15], far outliers, many coincident points) x lambda 0, 0.1, 3 x T 0.1, 0.025, both
 *    normalisers: error <= run.tolerance (1e-12, relative to the weighted mean of |y_j|) and
 *    never above the row's bound; the effective neighbours to 1e-9.
 *  - The same rows against the naive reference of tests/naive.h and the project's direct
 *    kernel (attention_fold over the whole cloud).
 *  - A tiny tolerance forces every row through the direct fallback: all rows recomputed, equal
 *    to the reference to round-off.
 *  - Only occupied boxes are exchanged (the count against the distinct boxes of the cloud), an
 *    outlier at 1e4 costs one box; an outlier beyond the grid makes auto decline and fgt fail
 *    with NaN.
 * Every rank count meets the same reference, so agreement on P = 1..4 is agreement between rank
 * counts. Every verdict is agreed across ranks before it is asserted.
 */
#include <check.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#include "rwpo/base/comm.h"
#include "rwpo/core/attention.h"
#include "rwpo/core/fgt.h"
#include "rwpo/core/fgt_dist.h"
#include "rwpo/core/particles.h"
#include "rwpo/core/prior_l1.h"

#include "mpi_check.h"
#include "naive.h"

#define N_DIST 4
static const char *const dist_name[N_DIST] = {"gauss", "mix4", "outliers", "coincident"};

/* Value of particle j (global id), column col, of distribution kind: independent of ranks. */
static double sample(int kind, long j, long col)
{
    unsigned long s = 0x9e3779b97f4a7c15UL * (unsigned long)(j + 1) + 7919UL * (unsigned long)col;
    for (int w = 0; w < 3; w++)
        lcg(&s);
    const double u1 = lcg(&s), u2 = lcg(&s), u3 = lcg(&s);
    const double z = sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
    static const double far[8] = {7, -9, 12.5, 15, -30, 60, -150, 400};
    switch (kind) {
    case 0:
        return 2.0 * z;
    case 1:
        return -12.0 + 8.0 * floor(4.0 * u3) + 1.5 * z;
    case 2:
        return j % 97 == 5 ? far[(j / 97) % 8] : 2.0 * z;
    default:
        return u3 < 0.5 ? 1.0 : u3 < 0.75 ? 0.0 : 2.0 * z;
    }
}

/* -log Z1(u) up to a constant: exact from prior_l1_log_z1, moreau from the Huber function in
 * closed form (beta/2) M_T(u), M_T(u) = u^2/(2T) for |u| <= lambda T, else lambda |u| -
 * lambda^2 T/2. */
static double ref_neg_log_z(int moreau, double u, double lambda, double beta, double T)
{
    if (!moreau)
        return -prior_l1_log_z1(u, lambda, beta, T);
    const double au = fabs(u);
    return 0.5 * beta * (au <= lambda * T ? u * u / (2.0 * T) : lambda * au - lambda * lambda * T / 2.0);
}

/* Accurate reference of row value yi (key terms nlz[j] = -log Z1(keys[j])) over all keys (long
 * double, relative to the self term): A, the scale S = sum w |y_j| / sum w, neighbours D^2/Q. */
static void reference_row(int moreau, double yi, long n, const double *keys, const double *nlz,
                          double lambda, double beta, double T, double *A, double *S,
                          double *neff)
{
    const long double self = ref_neg_log_z(moreau, yi, lambda, beta, T);
    long double D = 0, N = 0, Sa = 0, Q = 0;
    for (long j = 0; j < n; j++) {
        const long double t = (long double)yi - keys[j];
        const long double e = expl(-beta * t * t / (4.0L * T) + (nlz[j] - self));
        D += e;
        N += e * keys[j];
        Sa += e * fabsl((long double)keys[j]);
        Q += e * e;
    }
    *A = (double)(N / D);
    *S = (double)(Sa / D);
    *neff = (double)(D * D / Q);
}

/* -log Z1 of n keys */
static void key_terms(int moreau, long n, const double *keys, double lambda, double beta,
                      double T, double *nlz)
{
    for (long j = 0; j < n; j++)
        nlz[j] = ref_neg_log_z(moreau, keys[j], lambda, beta, T);
}

typedef struct {
    double err_ref, err_naive, err_direct, over_bound, max_bound, err_neff;
    long recomputed;
} case_result;

/* One case on d = 2 columns (kinds kind and (kind + 1) % N_DIST): the transform on this rank's
 * rows of the N-particle cloud against the references. */
static case_result run_case(int kind, int moreau, double lambda, double T, long N, double tol,
                            int with_direct)
{
    int P, rank;
    MPI_Comm_size(MPI_COMM_WORLD, &P);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    const long d = 2;
    const double beta = 1.0;
    long nl, off;
    particles_shard(N, P, rank, &nl, &off);
    double *all = malloc((size_t)(N * d) * sizeof(double));
    for (long j = 0; j < N; j++)
        for (long k = 0; k < d; k++)
            all[j * d + k] = sample((kind + (int)k) % N_DIST, j, k);
    const double *y = all + off * d;
    double *A = malloc((size_t)(nl * d + 1) * sizeof(double));
    double *bound = malloc((size_t)(nl * d + 1) * sizeof(double));
    fgt_dist *s = fgt_dist_create(nl, d);
    const fgt_dist_problem pr = {N, nl, d, beta, lambda, T, moreau, tol, 0};
    double neff = 0.0;
    int rc = fgt_dist_attention(s, &pr, y, A, &neff, bound);
    ck_assert(all_ok(rc == 0));
    case_result r = {0};
    r.recomputed = fgt_dist_last(s).recomputed;
    r.max_bound = fgt_dist_last(s).max_bound;
    /* the reference, per column; scales S kept for the other comparisons */
    double *col = malloc((size_t)N * sizeof(double)), *nlz = malloc((size_t)N * sizeof(double));
    double *Sc = malloc((size_t)(nl * d + 1) * sizeof(double));
    double *An = malloc((size_t)(nl * d + 1) * sizeof(double));
    double neff_ref = 0.0;
    for (long k = 0; k < d; k++) {
        for (long j = 0; j < N; j++)
            col[j] = all[j * d + k];
        key_terms(moreau, N, col, lambda, beta, T, nlz);
        for (long i = 0; i < nl; i++) {
            double Ar, ne;
            reference_row(moreau, y[i * d + k], N, col, nlz, lambda, beta, T, &Ar,
                          &Sc[i * d + k], &ne);
            neff_ref += ne;
            const double e = fabs(A[i * d + k] - Ar) / Sc[i * d + k];
            r.err_ref = fmax(r.err_ref, e);
            /* the bound must cover the error of the transform (before any direct sum) */
            if (bound[i * d + k] <= tol)
                r.over_bound = fmax(r.over_bound, e - bound[i * d + k]);
        }
    }
    /* naive.h's reference (plain double sums; O(N^2) log Z1 calls: the first 40 own rows) */
    const long n_naive = nl < 40 ? nl : 40;
    naive(0, moreau, n_naive, N, d, y, all, lambda, beta, T, An);
    for (long i = 0; i < n_naive * d; i++)
        r.err_naive = fmax(r.err_naive, fabs(A[i] - An[i]) / Sc[i]);
    if (with_direct) {
        /* the project's direct kernel over the whole cloud */
        const long nst = nl * d + 1;
        double *m = malloc((size_t)nst * sizeof(double)), *l = malloc((size_t)nst * sizeof(double));
        double *o = malloc((size_t)nst * sizeof(double)), *q = malloc((size_t)nst * sizeof(double));
        double *bias = malloc((size_t)(N * d) * sizeof(double)), *kx = malloc((size_t)(N * d) * sizeof(double));
        double *Ad = malloc((size_t)nst * sizeof(double));
        const prior_l1_normaliser kind_n = moreau ? PRIOR_L1_MOREAU : PRIOR_L1_EXACT;
        prior_l1_key_bias_n(kind_n, (size_t)(N * d), all, lambda, beta, T, bias);
        double *kb = malloc((size_t)(N * d) * sizeof(double));
        for (long j = 0; j < N; j++)
            for (long k = 0; k < d; k++) {
                kx[k * N + j] = all[j * d + k];
                kb[k * N + j] = bias[j * d + k];
            }
        attention_state st = {.n_rows = nl, .dim = d, .joint = 0,
                              .fixed_shift = attention_use_fixed_shift(0, d, beta, lambda, T, 0),
                              .c = beta / (2.0 * T), .m = m, .l = l, .o = o, .q = q};
        double *work = malloc(attention_work_size(N, d) * sizeof(double));
        attention_begin(&st, y, bias + off * d);
        attention_fold(&st, y, N, N, kx, kb, work);
        attention_end(&st, Ad);
        for (long i = 0; i < nl * d; i++)
            r.err_direct = fmax(r.err_direct, fabs(A[i] - Ad[i]) / Sc[i]);
        free(work);
        free(kb);
        free(Ad);
        free(kx);
        free(bias);
        free(q);
        free(o);
        free(l);
        free(m);
    }
    double v[5] = {r.err_ref, r.err_naive, r.err_direct, r.over_bound, r.err_neff};
    MPI_Allreduce(MPI_IN_PLACE, v, 5, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    double ns[2] = {neff, neff_ref};
    MPI_Allreduce(MPI_IN_PLACE, ns, 2, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    r.err_ref = v[0];
    r.err_naive = v[1];
    r.err_direct = v[2];
    r.over_bound = v[3];
    r.err_neff = fabs(ns[0] - ns[1]) / ns[1];
    free(An);
    free(Sc);
    free(nlz);
    free(col);
    fgt_dist_destroy(s);
    free(bound);
    free(A);
    free(all);
    return r;
}

START_TEST(test_against_reference)
{
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    const double lambdas[3] = {0.0, 0.1, 3.0}, Ts[2] = {0.1, 0.025};
    double worst_ref = 0, worst_bound = 0, worst_over = 0;
    for (int kind = 0; kind < N_DIST; kind++)
        for (int il = 0; il < 3; il++)
            for (int it = 0; it < 2; it++)
                for (int moreau = 0; moreau < 2; moreau++) {
                    if (moreau && il != 1)
                        continue; /* the Moreau normaliser at lambda = 0.1 only */
                    const case_result r =
                        run_case(kind, moreau, lambdas[il], Ts[it], 1201, 1e-12, 1);
                    if (rank == 0 && getenv("FGT_TEST_VERBOSE"))
                        printf("%-10s lambda %-4g T %-5g %s: err %.2e naive %.2e direct %.2e "
                               "bound %.2e over %.2e neff %.1e recomputed %ld\n",
                               dist_name[kind], lambdas[il], Ts[it], moreau ? "moreau" : "exact",
                               r.err_ref, r.err_naive, r.err_direct, r.max_bound, r.over_bound,
                               r.err_neff, r.recomputed);
                    ck_assert_msg(r.err_ref <= 1e-12, "%s lambda %g T %g: error %.3g",
                                  dist_name[kind], lambdas[il], Ts[it], r.err_ref);
                    ck_assert_msg(r.over_bound <= 0.0, "%s lambda %g T %g: error above the "
                                  "bound by %.3g", dist_name[kind], lambdas[il], Ts[it],
                                  r.over_bound);
                    ck_assert_msg(r.err_naive <= 1e-12 && r.err_direct <= 1e-12,
                                  "%s lambda %g T %g: naive %.3g direct %.3g", dist_name[kind],
                                  lambdas[il], Ts[it], r.err_naive, r.err_direct);
                    ck_assert_msg(r.err_neff <= 1e-9, "neighbours off by %.3g", r.err_neff);
                    worst_ref = fmax(worst_ref, r.err_ref);
                    worst_bound = fmax(worst_bound, r.max_bound);
                    worst_over = fmax(worst_over, r.over_bound);
                }
    if (rank == 0)
        printf("fgt: max error %.2e, max bound %.2e\n", worst_ref, worst_bound);
}
END_TEST

START_TEST(test_forced_fallback)
{
    /* tolerance below any bound: every row summed directly */
    for (int kind = 0; kind < N_DIST; kind++) {
        const long N = 517;
        const case_result r = run_case(kind, 0, 0.1, 0.025, N, 1e-300, 0);
        ck_assert_msg(r.recomputed == N * 2, "%s: %ld rows recomputed of %ld", dist_name[kind],
                      r.recomputed, N * 2);
        ck_assert_msg(r.err_ref <= 1e-14, "%s: direct rows off by %.3g", dist_name[kind],
                      r.err_ref);
        ck_assert_msg(r.err_neff <= 1e-12, "%s: neighbours off by %.3g", dist_name[kind],
                      r.err_neff);
    }
}
END_TEST

/* distinct boxes of width w among n values (sorted copy) */
static long distinct_boxes(long n, const double *v, double w)
{
    double *b = malloc((size_t)n * sizeof(double));
    for (long j = 0; j < n; j++)
        b[j] = floor(v[j] / w);
    long count = 0;
    for (long j = 0; j < n; j++) {
        int seen = 0;
        for (long i = 0; i < j && !seen; i++)
            seen = b[i] == b[j];
        count += !seen;
    }
    free(b);
    return count;
}

START_TEST(test_occupied_boxes_and_outliers)
{
    int P, rank;
    MPI_Comm_size(MPI_COMM_WORLD, &P);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    const long N = 300, d = 1;
    const double T = 0.025, beta = 1.0, lambda = 0.1;
    long nl, off;
    particles_shard(N, P, rank, &nl, &off);
    double *all = malloc((size_t)N * sizeof(double)), *A = malloc((size_t)(nl + 1) * sizeof(double));
    double *nlz = malloc((size_t)N * sizeof(double));
    for (double far = 1e4; far < 1e8; far *= 1e3) {
        for (long j = 0; j < N; j++)
            all[j] = j == N / 2 ? far : sample(0, j, 0);
        fgt_params f;
        fgt_params_init(&f, beta, lambda, T, N, 1e-12);
        fgt_dist *s = fgt_dist_create(nl, d);
        fgt_dist_problem pr = {N, nl, d, beta, lambda, T, 0, 1e-12, 1};
        double neff = 0;
        const int rc = fgt_dist_attention(s, &pr, all + off, A, &neff, NULL);
        if (far < 1e6) {
            /* 1e4 is 3e4 boxes away: transformed, and only the occupied boxes travel */
            ck_assert(all_ok(rc == 0));
            ck_assert_int_eq(fgt_dist_last(s).boxes, distinct_boxes(N, all, f.w));
            int ok = 1;
            key_terms(0, N, all, lambda, beta, T, nlz);
            for (long i = 0; i < nl; i++) {
                double Ar, S, ne;
                reference_row(0, all[off + i], N, all, nlz, lambda, beta, T, &Ar, &S, &ne);
                ok &= fabs(A[i] - Ar) <= 1e-12 * S;
            }
            ck_assert(all_ok(ok));
        } else {
            /* 1e7 is 3e8 boxes away: auto declines; fgt fails with NaN */
            ck_assert(all_ok(rc == 1));
            pr.may_decline = 0;
            ck_assert(all_ok(fgt_dist_attention(s, &pr, all + off, A, &neff, NULL) == 0));
            ck_assert(all_ok(nl == 0 || isnan(A[0])));
        }
        fgt_dist_destroy(s);
    }
    free(nlz);
    free(A);
    free(all);
}
END_TEST

int main(int argc, char **argv)
{
    comm_init(&argc, &argv); /* MPI, and the rank and size of comm.c's wrappers */
    Suite *s = suite_create("fgt");
    TCase *tc = tcase_create("fgt");
    tcase_set_timeout(tc, 0);
    tcase_add_test(tc, test_against_reference);
    tcase_add_test(tc, test_forced_fallback);
    tcase_add_test(tc, test_occupied_boxes_and_outliers);
    suite_add_tcase(s, tc);
    const int ok = all_passed(s);
    MPI_Finalize();
    return ok ? 0 : 1;
}
