/**
 * @file bench.c
 * @brief `rwpo bench` (see bench.h): the engine's layer timed against probes of the machine.
 *
 * Options: --n LIST (default 4096,16384), --d LIST (2,20,128), --weights coordinatewise|joint|
 * both (both), --normaliser exact|moreau (exact), --kernel fast|reference (fast), --block B
 * (run.block's default), --attention direct|fgt|auto (direct: the coordinatewise attention's method,
 * run.attention), --layers L (3), --reps R (3): the best of R
 * timings of L layers after one warm-up layer, also in CPU seconds (max over ranks; a loaded
 * machine inflates wall time, much less CPU time); peak memory per configuration (VmHWM reset). The cloud is N(0, I) with lambda = 0.1, beta = 1,
 * h = T = 0.1 and f = 0, so every key matters (no early-out is possible in the kernels).
 */
#include "rwpo/cli/bench.h"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "rwpo/base/comm.h"
#include "rwpo/base/config.h"
#include "rwpo/base/log.h"
#include "rwpo/base/timers.h"
#include "rwpo/core/attention.h"
#include "rwpo/run/sim.h"

#define MAX_LIST 16

/* The method's communication wait (the rwpo_l1 phase "ring_wait"), 0 if it has none. */
static double wait_seconds(void)
{
    const int t = timer_find("ring_wait");
    return t >= 0 ? timer_seconds((timer_id)t) : 0.0;
}

static int parse_list(const char *s, long *v, int *n)
{
    char *copy = strdup(s), *save = NULL;
    *n = 0;
    for (char *t = strtok_r(copy, ",", &save); t && *n < MAX_LIST; t = strtok_r(NULL, ",", &save)) {
        char *end;
        long x = strtol(t, &end, 10);
        if (*end || x < 1) {
            free(copy);
            return -1;
        }
        v[(*n)++] = x;
    }
    free(copy);
    return *n > 0 ? 0 : -1;
}

/* dgemm GFLOP/s on square matrices of order 512 (best of 3). */
static double probe_dgemm(void)
{
    const int m = 512;
    double *a = xmalloc((size_t)m * m * sizeof(double)), *b = xmalloc((size_t)m * m * sizeof(double));
    double *c = xcalloc((size_t)m * m, sizeof(double));
    for (long i = 0; i < (long)m * m; i++) {
        a[i] = 1.0 / (double)(i % 97 + 1);
        b[i] = 1.0 / (double)(i % 89 + 1);
    }
    double best = 0.0;
    for (int r = 0; r < 4; r++) {
        double t0 = comm_wtime();
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, m, m, m, 1.0, a, m, b, m, 0.0, c, m);
        double dt = comm_wtime() - t0;
        if (r > 0 && 2.0 * m * m * (double)m / dt > best)
            best = 2.0 * m * m * (double)m / dt;
    }
    free(a);
    free(b);
    free(c);
    return best;
}

/* Vector-exp throughput (exponentials per second) over arguments in [-30, 0]. */
static double probe_exp(void)
{
    const long n = 4096;
    double *buf = xmalloc((size_t)n * sizeof(double));
    for (long j = 0; j < n; j++)
        buf[j] = -30.0 * (double)j / (double)n;
    double best = 0.0, sink = 0.0;
    for (int r = 0; r < 4; r++) {
        double t0 = comm_wtime();
        sink += attention_exp_probe(buf, n, 2000);
        double rate = (double)n * 2000.0 / (comm_wtime() - t0);
        if (r > 0 && rate > best)
            best = rate;
    }
    free(buf);
    return sink > 0 ? best : best; /* sink keeps the probe alive */
}

/* CPU seconds of this process (the shared machine's load inflates wall time, not this). */
static double cpu_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Peak resident memory of this process in MB since the last reset_peak(): VmHWM from
 * /proc/self/status (Linux), else the lifetime peak from getrusage. */
static void reset_peak(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f) {
        fputs("5", f); /* 5: reset the peak RSS (VmHWM) */
        fclose(f);
    }
}

static double peak_mb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    double kb = -1.0;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            kb = atof(line + 6);
    if (f)
        fclose(f);
    if (kb < 0) {
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        kb = (double)ru.ru_maxrss;
    }
    return kb / 1024.0;
}

static void bench_config(rwpo_config *c, long n, long d, int joint, int moreau, int reference,
                         long block, config_attention attention)
{
    config_defaults(c);
    c->n = n;
    c->dim = d;
    c->layers = 1000000;
    c->beta = 1.0;
    c->lambda = 0.1;
    c->h = 0.1;
    c->init_scale = 1.0;
    c->problem = PROBLEM_NONE;
    c->weights = joint ? WEIGHTS_JOINT : WEIGHTS_COORDINATEWISE;
    c->normaliser = moreau ? NORMALISER_MOREAU : NORMALISER_EXACT;
    if (block > 0)
        c->block = block;
    c->kernel = reference ? KERNEL_REFERENCE : KERNEL_FAST;
    c->attention = attention;
    snprintf(c->output, sizeof c->output, "bench.h5");
}

int bench_main(int argc, char **argv)
{
    long ns[MAX_LIST] = {4096, 16384}, ds[MAX_LIST] = {2, 20, 128};
    int n_n = 2, n_d = 3, layers = 3, reps = 3, moreau = 0, w_lo = 0, w_hi = 1, reference = 0;
    long block = 0; /* 0: the default of run.block */
    config_attention attention = ATTENTION_DIRECT;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int bad = !v;
        if (!bad && strcmp(a, "--n") == 0)
            bad = parse_list(v, ns, &n_n) != 0;
        else if (!bad && strcmp(a, "--d") == 0)
            bad = parse_list(v, ds, &n_d) != 0;
        else if (!bad && strcmp(a, "--layers") == 0)
            bad = (layers = atoi(v)) < 1;
        else if (!bad && strcmp(a, "--reps") == 0)
            bad = (reps = atoi(v)) < 1;
        else if (!bad && strcmp(a, "--weights") == 0) {
            w_lo = strcmp(v, "joint") == 0;
            w_hi = strcmp(v, "coordinatewise") == 0 ? 0 : 1;
            bad = strcmp(v, "joint") && strcmp(v, "coordinatewise") && strcmp(v, "both");
        } else if (!bad && strcmp(a, "--kernel") == 0) {
            reference = strcmp(v, "reference") == 0;
            bad = !reference && strcmp(v, "fast") != 0;
        } else if (!bad && strcmp(a, "--block") == 0) {
            bad = (block = atol(v)) < 1;
        } else if (!bad && strcmp(a, "--attention") == 0) {
            attention = strcmp(v, "fgt") == 0    ? ATTENTION_FGT
                        : strcmp(v, "auto") == 0 ? ATTENTION_AUTO
                                                 : ATTENTION_DIRECT;
            bad = attention == ATTENTION_DIRECT && strcmp(v, "direct") != 0;
        } else if (!bad && strcmp(a, "--normaliser") == 0) {
            moreau = strcmp(v, "moreau") == 0;
            bad = !moreau && strcmp(v, "exact") != 0;
        } else
            bad = 1;
        if (bad) {
            log_error("bench: bad option '%s%s%s' (allowed: --n LIST, --d LIST, --weights "
                      "coordinatewise|joint|both, --normaliser exact|moreau, --kernel "
                      "fast|reference, --attention direct|fgt|auto, --block B, --layers L, --reps R)", a, v ? " " : "", v ? v : "");
            return 1;
        }
        i++;
    }
    double probes[2] = {probe_dgemm(), probe_exp()};
    comm_min_double(probes, 2); /* the slowest rank bounds a collective layer */
    log_info("bench: %d rank(s); probes per rank: dgemm %.1f GFLOP/s, vector exp %.3g /s", comm_size(),
             probes[0] / 1e9, probes[1]);
    log_info("%-14s %7s %4s %10s %10s %12s %8s %7s %7s %6s %9s%s", "weights", "N", "d",
             "s/layer", "pairs/s", "coord-pairs/s", "GFLOP/s", "%exp", "%dgemm", "wait%",
             "peak MB", attention != ATTENTION_DIRECT ? "  cpu s/layer  recomputed" : "  cpu s/layer");
    for (int w = w_lo; w <= w_hi; w++)
        for (int id = 0; id < n_d; id++)
            for (int in = 0; in < n_n; in++) {
                rwpo_config c;
                bench_config(&c, ns[in], ds[id], w, moreau, reference, block,
                             w ? ATTENTION_DIRECT : attention);
                int code;
                reset_peak(); /* the peak of this configuration only */
                sim *s = sim_create(&c, &code);
                if (!s)
                    return code;
                s->env.quiet = 1; /* the bench cloud is not a physics run */
                sim_layer(s);           /* warm-up */
                double best = 1e300, wait_frac = 0.0, cpu_best = 1e300;
                for (int r = 0; r < reps; r++) {
                    timer_reset();
                    comm_barrier();
                    double t0 = comm_wtime(), c0 = cpu_seconds();
                    for (int l = 0; l < layers; l++)
                        if (sim_layer(s) != 0)
                            break;
                    double dt[3] = {(comm_wtime() - t0) / layers,
                                    wait_seconds() / layers, (cpu_seconds() - c0) / layers};
                    comm_max_double(dt, 3);
                    cpu_best = dt[2] < cpu_best ? dt[2] : cpu_best;
                    if (dt[0] < best) {
                        best = dt[0];
                        wait_frac = dt[1] / dt[0];
                    }
                }
                double peak = peak_mb();
                comm_max_double(&peak, 1);
                const double N = (double)c.n, d = (double)c.dim, P = comm_size();
                const double pairs = N * N, flops = w ? 4.0 * N * N * d : 0.0;
                const double exps = w ? N * N : N * N * d;
                /* bounds per rank: the rank's share of the work at the probed rates */
                const double t_exp = exps / P / probes[1], t_gemm = flops / P / probes[0];
                char extra[64], pct_exp[16];
                snprintf(extra, sizeof extra, "  %11.4g", cpu_best);
                const int fgt = s->method->n_obs > 0 &&
                                strcmp(s->method->obs_names[s->method->n_obs - 1],
                                       "fgt_recomputed") == 0;
                /* the exp bound is that of the N^2 d direct sum: meaningless for the transform */
                if (fgt)
                    snprintf(pct_exp, sizeof pct_exp, "%7s", "-");
                else
                    snprintf(pct_exp, sizeof pct_exp, "%6.0f%%", 100.0 * t_exp / best);
                if (fgt) {
                    double v[SAMPLER_MAX_VALUES];
                    s->method->values(s->method_state, v);
                    snprintf(extra + strlen(extra), sizeof extra - strlen(extra), "  %10.0f",
                             v[s->method->n_obs - 1]);
                }
                log_info("%-14s %7ld %4ld %10.4g %10.3g %12.3g %8.3g %s %6.0f%% %5.1f%% "
                         "%9.1f%s",
                         w ? "joint" : "coordinatewise", c.n, c.dim, best, pairs / best,
                         pairs * d / best, flops / best / 1e9, pct_exp,
                         w ? 100.0 * t_gemm / best : 0.0, 100.0 * wait_frac, peak, extra);
                sim_destroy(s);
            }
    return 0;
}
