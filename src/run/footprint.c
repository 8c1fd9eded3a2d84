/**
 * @file footprint.c
 * @brief The memory estimate of a run (see footprint.h).
 */
#include "rwpo/run/footprint.h"

#include <math.h>

#include "rwpo/base/comm.h"
#include "rwpo/base/log.h"
#include "rwpo/base/sysmem.h"
#include "rwpo/problems/problem.h"
#include "rwpo/run/sample_quality.h"
#include "rwpo/samplers/sampler.h"

void footprint_estimate(const rwpo_config *cfg, int n_ranks, footprint *f)
{
    const int P = n_ranks < 1 ? 1 : n_ranks;
    const double n_max = ceil((double)cfg->n / (double)P), d = (double)cfg->dim;
    const long max_local = (long)fmin(n_max, 9e18);
    f->particles = 8.0 * 3.0 * n_max * d;
    f->method = sampler_of(cfg)->bytes(cfg, max_local, P);
    f->problem = problem_estimate_bytes(cfg, P);
    f->observables = 8.0 * (4.0 * d + n_max + (cfg->problem == PROBLEM_LINEAR && cfg->lambda == 0
                                                   ? d * d : 0.0)) +
                     sample_quality_bytes(cfg, P);
    f->output = 8.0 * 2.0 * n_max * d;
    f->runtime = FOOTPRINT_RUNTIME;
    f->total = f->particles + f->method + f->problem + f->observables + f->output + f->runtime;
}

/* A byte count for people: "512 kB", "3.4 MB", "1.2 GB", "8e+03 TB". */
static const char *human(double b, char *buf, size_t n)
{
    static const char *const unit[] = {"B", "kB", "MB", "GB", "TB"};
    int u = 0;
    while (b >= 1000.0 && u < 4) {
        b /= 1000.0;
        u++;
    }
    snprintf(buf, n, "%.3g %s", b, unit[u]);
    return buf;
}

/* The smallest rank count (>= from) whose estimate fits in `avail` per rank, or -1. */
static long ranks_that_fit(const rwpo_config *cfg, int from, double avail)
{
    footprint f;
    long lo = from, hi = from;
    for (;;) { /* double until it fits */
        footprint_estimate(cfg, (int)hi, &f);
        if (f.total <= avail)
            break;
        if (hi > (1L << 24))
            return -1;
        lo = hi;
        hi *= 2;
    }
    while (hi - lo > 1) { /* the estimate falls with the rank count */
        const long mid = lo + (hi - lo) / 2;
        footprint_estimate(cfg, (int)mid, &f);
        if (f.total <= avail)
            hi = mid;
        else
            lo = mid;
    }
    return hi;
}

int footprint_check(const rwpo_config *cfg, FILE *out, const char *prefix)
{
    const int P = comm_size();
    char what[96];
    double avail = sysmem_available(what, sizeof what);
    const int node_ranks = comm_node_size();
    double per_rank = avail >= 0 ? avail / node_ranks : INFINITY;
    const double room = sysmem_process_room(); /* ulimit -v of the rank itself */
    char where[160];
    snprintf(where, sizeof where, "%s shared by %d rank(s) on the node", what, node_ranks);
    if (room >= 0 && room < per_rank) {
        per_rank = room;
        snprintf(where, sizeof where, "the address-space limit of each rank, ulimit -v");
    }
    comm_min_double(&per_rank, 1); /* the tightest rank decides */
    footprint f;
    footprint_estimate(cfg, P, &f);
    char b[7][32];
    const int fits = f.total <= per_rank;
    if (comm_rank() == 0 && out) {
        fprintf(out, "%smemory: estimated %s per rank on %d rank(s) (particles %s, sampler %s, "
                "problem %s, output buffers %s, runtime %s)\n%smemory: available %s per rank "
                "(%s)\n", prefix, human(f.total, b[0], sizeof b[0]), P,
                human(f.particles, b[1], sizeof b[1]), human(f.method, b[2], sizeof b[2]),
                human(f.problem, b[3], sizeof b[3]), human(f.output, b[4], sizeof b[4]),
                human(f.runtime, b[5], sizeof b[5]), prefix,
                isfinite(per_rank) ? human(per_rank, b[6], sizeof b[6]) : "unknown", where);
        fflush(out);
    }
    if (fits)
        return 0;
    const long need = ranks_that_fit(cfg, P, per_rank);
    char fit[96] = "no rank count fits: reduce particles.n or particles.dim";
    if (need > 0)
        snprintf(fit, sizeof fit, "it fits on %ld or more ranks with this much memory each",
                 need);
    log_error("[particles] n = %ld, dim = %ld: the run needs an estimated %s per rank on %d "
              "rank(s) (particles %s, sampler %s, problem %s) but %s per rank is available (%s); "
              "%s", cfg->n, cfg->dim, human(f.total, b[0], sizeof b[0]), P,
              human(f.particles, b[1], sizeof b[1]), human(f.method, b[2], sizeof b[2]),
              human(f.problem, b[3], sizeof b[3]), human(per_rank, b[6], sizeof b[6]), where,
              fit);
    return 1;
}
