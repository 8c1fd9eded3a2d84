/**
 * @file bench_fgt.c
 * @brief Accuracy benchmark of the fast Gauss transform at large N (prints numbers; not a test).
 *
 *   mpirun -np P bench_fgt N DIST LAMBDA T [ROWS]
 *
 * One coordinate (d = 1) of N particles from DIST (gauss: 2 N(0,1); mix4: modes -12, -4, 4, 12
 * with sd 1.5; outliers: gauss plus far points up to 400; coincident: half exactly 1.0, a quarter
 * exactly 0), beta = 1. The transform runs distributed (core/fgt_dist.h, tolerance 1e-12); rows
 * are checked against a reference summed over all N keys (libm exp, TwoSum-compensated double
 * sums, relative to the self term): ROWS = 0 checks every row; otherwise the 40 smallest and 40
 * largest y of each rank, the rows with the largest bounds, and evenly spaced rows, ROWS in all
 * per rank. Prints the maximum error |A - A_ref| / S (S the weighted mean of |y_j|), the largest
 * bound, the worst ratio error / bound, the rows recomputed, and the transform's time.
 */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rwpo/base/comm.h"
#include "rwpo/core/fgt.h"
#include "rwpo/core/fgt_dist.h"
#include "rwpo/core/particles.h"
#include "rwpo/core/prior_l1.h"

static double sample(int kind, long j)
{
    unsigned long s = 0x9e3779b97f4a7c15UL * (unsigned long)(j + 1);
    double u[4];
    for (int w = 0; w < 7; w++) {
        s = s * 6364136223846793005UL + 1442695040888963407UL;
        if (w >= 3)
            u[w - 3] = ((double)(s >> 11) + 0.5) * 0x1.0p-53;
    }
    const double z = sqrt(-2.0 * log(u[0])) * cos(6.283185307179586 * u[1]);
    static const double far[8] = {7, -9, 12.5, 15, -30, 60, -150, 400};
    switch (kind) {
    case 0:
        return 2.0 * z;
    case 1:
        return -12.0 + 8.0 * floor(4.0 * u[2]) + 1.5 * z;
    case 2:
        return j % 9973 == 5 ? far[(j / 9973) % 8] : 2.0 * z;
    default:
        return u[2] < 0.5 ? 1.0 : u[2] < 0.75 ? 0.0 : 2.0 * z;
    }
}

static void two_sum(double *s, double *c, double x)
{
    const double t = *s + x, z = t - *s;
    *c += (*s - (t - z)) + (x - z);
    *s = t;
}

static int cmp_bound(const void *a, const void *b, void *ctx)
{
    const double *v = ctx;
    const long i = *(const long *)a, j = *(const long *)b;
    return (v[j] > v[i]) - (v[j] < v[i]);
}

static const double *g_key;
static int by_key(const void *a, const void *b) { return cmp_bound(a, b, (void *)g_key); }

int main(int argc, char **argv)
{
    comm_init(&argc, &argv);
    if (argc < 5) {
        if (comm_rank() == 0)
            fprintf(stderr, "usage: bench_fgt N gauss|mix4|outliers|coincident LAMBDA T [ROWS]\n");
        comm_finalize();
        return 1;
    }
    const long N = atol(argv[1]);
    const char *names[4] = {"gauss", "mix4", "outliers", "coincident"};
    int kind = 0;
    for (int k = 0; k < 4; k++)
        if (strcmp(argv[2], names[k]) == 0)
            kind = k;
    const double lambda = atof(argv[3]), T = atof(argv[4]), beta = 1.0;
    const long rows = argc > 5 ? atol(argv[5]) : 400;
    const int P = comm_size(), rank = comm_rank();
    long nl, off;
    particles_shard(N, P, rank, &nl, &off);
    double *all = malloc((size_t)N * sizeof(double));
    for (long j = 0; j < N; j++)
        all[j] = sample(kind, j);
    double *A = malloc((size_t)(nl + 1) * sizeof(double)), *bound = malloc((size_t)(nl + 1) * sizeof(double));
    fgt_dist *s = fgt_dist_create(nl, 1);
    const fgt_dist_problem pr = {N, nl, 1, beta, lambda, T, 0, 1e-12, 0};
    double neff;
    comm_barrier();
    double t0 = comm_wtime();
    fgt_dist_attention(s, &pr, all + off, A, &neff, bound);
    double dt = comm_wtime() - t0;
    comm_max_double(&dt, 1);
    /* the rows to check */
    long *pick = malloc((size_t)(nl + 1) * sizeof(long)), n_pick = 0;
    if (rows == 0 || rows >= nl) {
        for (long i = 0; i < nl; i++)
            pick[n_pick++] = i;
    } else {
        long *idx = malloc((size_t)nl * sizeof(long));
        char *taken = calloc((size_t)nl, 1);
        for (long i = 0; i < nl; i++)
            idx[i] = i;
        g_key = all + off; /* descending y */
        qsort(idx, (size_t)nl, sizeof(long), by_key);
        for (long q = 0; q < 40 && q < nl; q++) {
            taken[idx[q]] = taken[idx[nl - 1 - q]] = 1;
        }
        g_key = bound;
        qsort(idx, (size_t)nl, sizeof(long), by_key);
        for (long q = 0; q < rows / 4 && q < nl; q++)
            taken[idx[q]] = 1;
        for (long i = 0; i < nl; i += nl / (rows / 2) + 1)
            taken[i] = 1;
        for (long i = 0; i < nl; i++)
            if (taken[i])
                pick[n_pick++] = i;
        free(taken);
        free(idx);
    }
    double *nlz = malloc((size_t)N * sizeof(double));
    for (long j = 0; j < N; j++)
        nlz[j] = -prior_l1_log_z1(all[j], lambda, beta, T);
    double v[3] = {0, 0, 0}; /* max error, max error/bound, max bound (checked rows) */
    for (long q = 0; q < n_pick; q++) {
        const long i = pick[q];
        const double yi = all[off + i], self = nlz[off + i];
        double sD = 0, cD = 0, sN = 0, cN = 0, sS = 0, cS = 0;
        for (long j = 0; j < N; j++) {
            const double t = yi - all[j];
            const double e = exp(-beta * t * t / (4.0 * T) + (nlz[j] - self));
            two_sum(&sD, &cD, e);
            two_sum(&sN, &cN, e * all[j]);
            two_sum(&sS, &cS, e * fabs(all[j]));
        }
        const double D = sD + cD, Ar = (sN + cN) / D, S = (sS + cS) / D;
        const double err = fabs(A[i] - Ar) / S;
        v[0] = fmax(v[0], err);
        if (bound[i] <= 1e-12)
            v[1] = fmax(v[1], err / bound[i]);
        v[2] = fmax(v[2], bound[i]);
    }
    comm_max_double(v, 3);
    long checked = n_pick;
    comm_sum_long(&checked, 1);
    const fgt_dist_stats st = fgt_dist_last(s);
    if (rank == 0)
        printf("N %ld %-10s lambda %-4g T %-6g P %d: transform %.3f s, boxes %ld, recomputed %ld, "
               "max bound %.2e; %ld rows checked: max error %.2e, max error/bound %.3f\n",
               N, names[kind], lambda, T, P, dt, st.boxes, st.recomputed, st.max_bound, checked,
               v[0], v[1]);
    fgt_dist_destroy(s);
    free(nlz);
    free(pick);
    free(bound);
    free(A);
    free(all);
    comm_finalize();
    return 0;
}
