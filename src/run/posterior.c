/**
 * @file posterior.c
 * @brief The posterior summary at the end of a run (see posterior.h).
 */
#include "rwpo/run/posterior.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rwpo/base/comm.h"
#include "rwpo/base/log.h"
#include "rwpo/io/probe.h"

/* Order-preserving map of a double to an unsigned 64-bit key (finite values, -0 < +0). */
static uint64_t order_key(double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return (u >> 63) ? ~u : u | 0x8000000000000000ull;
}

static double key_value(uint64_t k)
{
    uint64_t u = (k >> 63) ? k & 0x7fffffffffffffffull : ~k;
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

void posterior_interval(const particles *p, double *lower, double *upper)
{
    const long d = p->dim, n = p->n_local, N = p->n_global;
    /* central 95% interval: lower = the r-th smallest, upper = the r-th largest value of each
     * coordinate, r = max(1, ceil(0.025 N)). Exact, by bisection on the 64-bit order keys of all
     * 2d targets at once: invariant count(<= lo) < rank <= count(<= hi); at most 64 rounds of one
     * pass over the own particles and one reduction of 2d counts. Memory O(d). */
    long r = (long)ceil(0.025 * (double)N - 1e-9);
    if (r < 1)
        r = 1;
    const long rank_of[2] = {r, N + 1 - r};
    double *lo_v = xmalloc((size_t)d * sizeof(double)), *hi_v = xmalloc((size_t)d * sizeof(double));
    for (long k = 0; k < d; k++) {
        lo_v[k] = INFINITY;
        hi_v[k] = -INFINITY;
    }
    for (long i = 0; i < n; i++)
        for (long k = 0; k < d; k++) {
            double v = p->x[i * d + k];
            lo_v[k] = v < lo_v[k] ? v : lo_v[k];
            hi_v[k] = v > hi_v[k] ? v : hi_v[k];
        }
    comm_min_double(lo_v, (int)d);
    comm_max_double(hi_v, (int)d);
    uint64_t *lo = xmalloc((size_t)(2 * d) * sizeof(uint64_t));
    uint64_t *hi = xmalloc((size_t)(2 * d) * sizeof(uint64_t));
    uint64_t *mid = xmalloc((size_t)(2 * d) * sizeof(uint64_t));
    double *cnt = xmalloc((size_t)(2 * d) * sizeof(double));
    for (long t = 0; t < 2 * d; t++) {
        lo[t] = order_key(lo_v[t % d]) - 1; /* count(<= lo) = 0 < rank */
        hi[t] = order_key(hi_v[t % d]);     /* count(<= hi) = N >= rank */
    }
    for (int round = 0; round < 70; round++) {
        int open = 0;
        for (long t = 0; t < 2 * d; t++) {
            mid[t] = hi[t] - lo[t] > 1 ? lo[t] + (hi[t] - lo[t]) / 2 : hi[t];
            open |= hi[t] - lo[t] > 1;
            cnt[t] = 0.0;
        }
        if (!open) /* the same on every rank: the bounds follow global counts */
            break;
        for (long i = 0; i < n; i++)
            for (long k = 0; k < d; k++) {
                uint64_t key = order_key(p->x[i * d + k]);
                cnt[k] += key <= mid[k];
                cnt[d + k] += key <= mid[d + k];
            }
        comm_sum_double(cnt, (int)(2 * d));
        for (long t = 0; t < 2 * d; t++) {
            if (hi[t] - lo[t] <= 1)
                continue;
            if (cnt[t] >= (double)rank_of[t / d])
                hi[t] = mid[t];
            else
                lo[t] = mid[t];
        }
    }
    for (long k = 0; k < d; k++) {
        lower[k] = key_value(hi[k]);
        upper[k] = key_value(hi[d + k]);
    }
    free(lo_v);
    free(hi_v);
    free(lo);
    free(hi);
    free(mid);
    free(cnt);
}


int posterior_summary(sim *s)
{
    const long d = s->p->dim;
    const problem *prob = s->prob;
    double *v = xmalloc((size_t)(4 * d) * sizeof(double));
    double *mean = v, *std = v + d, *lower = v + 2 * d, *upper = v + 3 * d;
    if (s->last_recorded != s->layer)
        sim_observe(s);
    memcpy(mean, s->obs->mean, (size_t)d * sizeof(double));
    memcpy(std, s->obs->std, (size_t)d * sizeof(double));
    posterior_interval(s->p, lower, upper);

    char err[1024] = "", what[256];
    int rc = 0;
    /* the summary, the problem's data and the covariance, with room for metadata */
    const double bytes = 8.0 * (double)(5 * d + prob->m) + (prob->exact_cov ? 8.0 * d * d : 0.0);
    char where[CONFIG_STR + 64];
    snprintf(where, sizeof where, "writing the posterior summary to %s", s->cfg.output);
    if (s->out && sim_check_space(s, s->cfg.output, bytes + SIM_METADATA_BYTES, where)) {
        free(v);
        return 2;
    }
    if (s->out) {
        const long dims[2] = {d, d};
        snprintf(what, sizeof what, "over N = %ld particles at layer %ld", s->p->n_global,
                 s->layer);
        char desc[4][384];
        snprintf(desc[0], sizeof desc[0], "per-coordinate mean %s", what);
        snprintf(desc[1], sizeof desc[1], "per-coordinate population standard deviation %s",
                 what);
        snprintf(desc[2], sizeof desc[2], "lower end of the central 95%% interval: the r-th "
                 "smallest value, r = max(1, ceil(0.025 N)), %s", what);
        snprintf(desc[3], sizeof desc[3], "upper end of the central 95%% interval: the r-th "
                 "largest value, r = max(1, ceil(0.025 N)), %s", what);
        const char *names[4] = {"/posterior/mean", "/posterior/std", "/posterior/lower",
                                "/posterior/upper"};
        for (int i = 0; i < 4 && rc == 0; i++)
            rc = h5md_write_dataset(s->out, names[i], 1, dims, v + i * d, desc[i], err,
                                    sizeof err);
        /* the problem's data and reference answers */
        if (rc == 0 && prob->x_true)
            rc = h5md_write_dataset(s->out, "/problem/x_true", 1, dims, prob->x_true,
                                    "the true parameter (generated, or problem.truth_file)", err,
                                    sizeof err);
        if (rc == 0 && prob->b) {
            const long mb[1] = {prob->m};
            rc = h5md_write_dataset(s->out, "/problem/b", 1, mb, prob->b,
                                    "the data b of f = |A x - b|^2 / (2 sigma^2)", err, sizeof err);
        }
        if (rc == 0 && prob->type == PROBLEM_LINEAR && prob->exact_mean)
            rc = h5md_write_dataset(s->out, "/problem/exact_mean", 1, dims, prob->exact_mean,
                                    "exact posterior mean at lambda = 0 (PDPOTRF/PDPOTRS of "
                                    "beta A'A / sigma^2 + ridge I)", err, sizeof err);
        if (rc == 0 && prob->type == PROBLEM_LINEAR && prob->exact_cov)
            rc = h5md_write_dataset(s->out, "/problem/exact_cov", 2, dims, prob->exact_cov,
                                    "exact posterior covariance at lambda = 0", err, sizeof err);
        if (rc == 0 && prob->map)
            rc = h5md_write_dataset(s->out, "/problem/map", 1, dims, prob->map,
                                    "lasso MAP argmin |A x - b|^2 / (2 sigma^2) + lambda |x|_1 "
                                    "(FISTA)", err, sizeof err);
    }
    char msg[1400];
    snprintf(msg, sizeof msg, "writing the posterior summary to %s: %s", s->cfg.output, err);
    if (comm_agree_failure(rc != 0, msg)) {
        free(v);
        return 2;
    }
    if (s->rank == 0) {
        const double *ref = NULL;
        const char *ref_name = NULL;
        if (prob->type == PROBLEM_LINEAR && prob->exact_mean) {
            ref = prob->exact_mean;
            ref_name = "exact_mean";
        } else if (prob->map) {
            ref = prob->map;
            ref_name = "map";
        } else if (prob->exact_mean) {
            ref = prob->exact_mean;
            ref_name = "exact_mean";
        }
        log_info("posterior summary at layer %ld over N = %ld particles (mean, std, central 95%% "
                 "interval)%s", s->layer, s->p->n_global, s->out ? ", stored in /posterior" : "");
        probe_posterior_table(stdout, d, mean, std, lower, upper, prob->x_true, ref, ref_name);
        fflush(stdout);
    }
    free(v);
    return 0;
}
