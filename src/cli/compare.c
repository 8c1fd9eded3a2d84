/**
 * @file compare.c
 * @brief `rwpo compare` and the reference columns of `rwpo summarize` (see compare.h).
 *
 * Reading goes through src/io (probe_file for the recorded layers, input_read_frame_all and
 * input_read_samples for the particles, all serial and read-only); the statistics are
 * twosample.h's (src/core, pure). This file chooses the frames, checks the inputs and prints.
 */
#include "rwpo/cli/compare.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rwpo/base/log.h"
#include "rwpo/core/twosample.h"
#include "rwpo/io/input.h"
#include "rwpo/io/probe.h"

/** One sample read from a run file or a dataset. */
typedef struct {
    double *x; /* [n][d] */
    long n;
    int d;
    char desc[1024]; /* where it came from, for the report */
} sample;

struct compare_ref {
    twosample_ref *ts;
    char desc[1024];
};

const char *const compare_column_names[] = {"ref_mean_error", "ref_w1_max",    "ref_w1_mean",
                                            "ref_corr_error", "ref_energy",    "ref_agrees",
                                            NULL};

/* ---- reading -------------------------------------------------------------------------------- */

/* A whole non-negative integer, or -1. */
static long long parse_count(const char *s)
{
    if (!s || *s < '0' || *s > '9')
        return -1;
    char *end;
    errno = 0;
    const long long v = strtoll(s, &end, 10);
    return errno || *end ? -1 : v;
}

/* "FROM:TO" or "FROM:" (TO = the last layer): 0, or -1 with a message. */
static int parse_pool(const char *pool, long long *from, long long *to, char *err,
                      size_t errlen)
{
    const char *colon = strchr(pool, ':');
    char head[64];
    if (colon && (size_t)(colon - pool) < sizeof head) {
        memcpy(head, pool, (size_t)(colon - pool));
        head[colon - pool] = '\0';
        *from = parse_count(head);
        *to = colon[1] ? parse_count(colon + 1) : (long long)9e18;
        if (*from >= 0 && *to >= *from)
            return 0;
    }
    log_format(err, errlen, "--pool %s: expected FROM:TO with layers 0 <= FROM <= TO (or FROM: "
               "for every recorded layer from FROM on)", pool);
    return -1;
}

/* Recorded layers of a run file as text: all when few, else the first, the last and how many. */
static void describe_layers(const probe_info *pi, char *buf, size_t n)
{
    if (pi->n_rec <= 8) {
        size_t l = 0;
        buf[0] = '\0';
        for (long f = 0; f < pi->n_rec && l < n; f++)
            l += (size_t)snprintf(buf + l, n - l, "%s%lld", f ? ", " : "", pi->steps[f]);
    } else {
        snprintf(buf, n, "%lld, %lld, ..., %lld (%ld layers)", pi->steps[0], pi->steps[1],
                 pi->steps[pi->n_rec - 1], pi->n_rec);
    }
}

/* Frames [f0, f1] of a run file, concatenated. */
static int read_frames(const char *path, const probe_info *pi, long f0, long f1, sample *s,
                       char *err, size_t errlen)
{
    const size_t per = (size_t)pi->n_global * (size_t)pi->dim;
    s->n = pi->n_global * (f1 - f0 + 1);
    s->d = pi->dim;
    if (!(s->x = malloc(per * (size_t)(f1 - f0 + 1) * sizeof *s->x))) {
        log_format(err, errlen, "%s: out of memory for %ld x %d samples", path, s->n, s->d);
        return -1;
    }
    for (long f = f0; f <= f1; f++)
        if (input_read_frame_all(path, f, pi->n_global, pi->dim, s->x + per * (size_t)(f - f0),
                                 err, errlen) != 0)
            return -1;
    return 0;
}

/* A sample from a run file (layer or pool) or a dataset; `role` names the operand ("RUN",
 * "REFERENCE") in messages. 0 or -1 (s->x may be set: free it). */
static int load_sample(const char *role, const char *spec, const char *layer, const char *pool,
                       sample *s, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    struct stat sb;
    const char *opt = layer ? "--layer" : "--pool";
    if (stat(spec, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        if (!strstr(spec, ":/")) {
            log_format(err, errlen, "%s %s: no such file (allowed: a run file, or "
                       "path.h5:/dataset of samples [M][d])", role, spec);
            return -1;
        }
        if (layer || pool) {
            log_format(err, errlen, "%s %s: %s applies to a run file, not to a dataset of "
                       "samples", role, spec, opt);
            return -1;
        }
        char reason[1024];
        if (input_read_samples(spec, &s->n, &s->d, &s->x, reason, sizeof reason) != 0) {
            log_format(err, errlen, "%s %s", role, reason);
            return -1;
        }
        snprintf(s->desc, sizeof s->desc, "%s (%ld sample%s, d = %d)", spec, s->n,
                 s->n == 1 ? "" : "s", s->d);
        return 0;
    }
    probe_info pi;
    char reason[1024], layers[256];
    if (probe_file(spec, &pi, reason, sizeof reason) != 0) {
        log_format(err, errlen, "%s %s (allowed: a run file, or path.h5:/dataset of samples "
                   "[M][d])", role, reason);
        return -1;
    }
    int rc = -1;
    describe_layers(&pi, layers, sizeof layers);
    if (pi.n_rec == 0) {
        log_format(err, errlen, "%s %s: no recorded layer", role, spec);
        goto out;
    }
    long f0 = pi.n_rec - 1, f1 = f0;
    if (layer) {
        const long long k = parse_count(layer);
        for (f0 = pi.n_rec - 1; f0 >= 0 && pi.steps[f0] != k; f0--)
            ;
        if (k < 0 || f0 < 0) {
            log_format(err, errlen, "%s %s: layer %s is not recorded (recorded layers: %s)", role,
                       spec, layer, layers);
            goto out;
        }
        f1 = f0;
    } else if (pool) {
        long long from, to;
        if (parse_pool(pool, &from, &to, err, errlen) != 0)
            goto out;
        for (f0 = 0; f0 < pi.n_rec && pi.steps[f0] < from; f0++)
            ;
        for (f1 = f0 - 1; f1 + 1 < pi.n_rec && pi.steps[f1 + 1] <= to; f1++)
            ;
        if (f1 < f0) {
            log_format(err, errlen, "%s %s: --pool %s is empty: no recorded layer in it "
                       "(recorded layers: %s)", role, spec, pool, layers);
            goto out;
        }
    }
    if (read_frames(spec, &pi, f0, f1, s, err, errlen) != 0)
        goto out;
    if (f0 == f1)
        snprintf(s->desc, sizeof s->desc, "%s layer %lld (%ld particle%s, d = %d)", spec,
                 pi.steps[f0], pi.n_global, pi.n_global == 1 ? "" : "s", s->d);
    else
        snprintf(s->desc, sizeof s->desc, "%s layers %lld..%lld pooled (%ld recorded layers x "
                 "%ld particles = %ld samples, d = %d)", spec, pi.steps[f0], pi.steps[f1],
                 f1 - f0 + 1, pi.n_global, s->n, s->d);
    rc = 0;
out:
    probe_free(&pi);
    return rc;
}

static void sample_free(sample *s)
{
    free(s->x);
    s->x = NULL;
}

compare_ref *compare_ref_load(const char *reference, const char *pool, char *err,
                              size_t errlen)
{
    sample s;
    compare_ref *ref = NULL;
    if (load_sample("REFERENCE", reference, NULL, pool, &s, err, errlen) != 0)
        goto out;
    if (s.n < 2) {
        log_format(err, errlen, "REFERENCE %s has %ld sample (allowed: at least 2)", s.desc, s.n);
        goto out;
    }
    if (!(ref = calloc(1, sizeof *ref)) || !(ref->ts = twosample_ref_create(s.x, s.n, s.d))) {
        log_format(err, errlen, "REFERENCE %s: out of memory", s.desc);
        compare_ref_destroy(ref);
        ref = NULL;
        goto out;
    }
    snprintf(ref->desc, sizeof ref->desc, "%s", s.desc);
out:
    sample_free(&s);
    return ref;
}

void compare_ref_destroy(compare_ref *ref)
{
    if (!ref)
        return;
    twosample_ref_destroy(ref->ts);
    free(ref);
}

/* Compare a loaded run sample with the reference (checks d and n). 0 or -1. */
static int compare_sample(const compare_ref *ref, const sample *run, twosample_result *res,
                          char *err, size_t errlen)
{
    const int d = twosample_ref_dim(ref->ts);
    if (run->d != d) {
        log_format(err, errlen, "RUN %s and REFERENCE %s differ in dimension (allowed: samples "
                   "of the same d)", run->desc, ref->desc);
        return -1;
    }
    if (run->n < 2) {
        log_format(err, errlen, "RUN %s has %ld sample (allowed: at least 2)", run->desc, run->n);
        return -1;
    }
    if (twosample_compare(ref->ts, run->x, run->n, res) != 0) {
        log_format(err, errlen, "RUN %s: out of memory", run->desc);
        return -1;
    }
    return 0;
}

/* ---- summarize's columns -------------------------------------------------------------------- */

int compare_columns(const compare_ref *ref, const char *run_file, compare_column_fn fn,
                    void *user, char *err, size_t errlen)
{
    sample run;
    twosample_result res;
    int rc = -1;
    if (load_sample("RUN", run_file, NULL, NULL, &run, err, errlen) != 0 ||
        compare_sample(ref, &run, &res, err, errlen) != 0)
        goto out;
    const int stats[] = {TS_MEAN_ERROR, TS_W1_MAX, TS_W1_MEAN, TS_CORR, TS_ENERGY};
    char v[40];
    for (int i = 0; i < 5; i++) {
        if (isnan(res.stat[stats[i]]))
            v[0] = '\0';
        else
            snprintf(v, sizeof v, "%.6g", res.stat[stats[i]]);
        fn(compare_column_names[i], v, user);
    }
    fn(compare_column_names[5], res.n_splits > 0 ? (res.agrees ? "1" : "0") : "", user);
    twosample_result_free(&res);
    rc = 0;
out:
    sample_free(&run);
    return rc;
}

/* ---- the report ----------------------------------------------------------------------------- */

/* The verdict: what was measured, then agreement or which statistics exceed their limits. */
static void print_verdict(FILE *out, const twosample_result *r)
{
    fprintf(out, "compare: max |mean error| %.3g sd, sd ratio %.3g-%.3g, W1 max %.3g / mean %.3g "
            "sd, ", r->stat[TS_MEAN_ERROR], r->sd_ratio_min, r->sd_ratio_max, r->stat[TS_W1_MAX],
            r->stat[TS_W1_MEAN]);
    if (isnan(r->stat[TS_CORR]))
        fprintf(out, "correlation error -, ");
    else
        fprintf(out, "correlation error %.3g, ", r->stat[TS_CORR]);
    fprintf(out, "energy %.3g: ", r->stat[TS_ENERGY]);
    if (r->n_splits == 0) {
        fprintf(out, "no verdict: the reference has fewer than %d samples (no noise floor)\n",
                TWOSAMPLE_MIN_REF_SPLIT);
        return;
    }
    if (r->agrees) {
        double worst = 0.0;
        for (int t = 0; t < TS_N_STATS; t++)
            if (!isnan(r->stat[t]))
                worst = fmax(worst, r->stat[t] / r->limit[t]);
        fprintf(out, "agrees with the reference within the noise of two independent samples of "
                "%ld and %ld draws (every statistic below its noise limit; the largest at %.2f "
                "of it)", r->n, r->m, worst);
    } else {
        fprintf(out, "DIFFERS from the reference beyond the noise of two independent samples of "
                "%ld and %ld draws:", r->n, r->m);
        const char *sep = " ";
        for (int t = 0; t < TS_N_STATS; t++) {
            if (isnan(r->stat[t]) || r->stat[t] <= r->limit[t])
                continue;
            fprintf(out, "%s%s %.3g > limit %.3g", sep, twosample_stat_name((twosample_stat)t),
                    r->stat[t], r->limit[t]);
            if (t == TS_CORR)
                fprintf(out, " (coordinates %d, %d)", r->where[t] + 1, r->corr_l + 1);
            else if (t != TS_W1_MEAN && t != TS_ENERGY)
                fprintf(out, " (coordinate %d)", r->where[t] + 1);
            sep = ", ";
        }
    }
    if (r->self_w1 > r->self_limit)
        fprintf(out, "; warning: the reference's first and second halves differ beyond the noise "
                "(autocorrelated or not converged: thin the pool or extend the burn-in)");
    fprintf(out, "\n");
}

static void print_report(FILE *out, const twosample_result *r, const sample *run,
                         const compare_ref *ref)
{
    print_verdict(out, r);
    fprintf(out, "run:       %s\nreference: %s\n", run->desc, ref->desc);
    if (r->n_constant)
        fprintf(out, "note: %d reference coordinate(s) are constant: their errors are in absolute "
                "units\n", r->n_constant);
    fprintf(out, "noise floor: the expected value for two independent iid samples of %ld and %ld "
            "draws, from %d random half-splits of the reference rescaled to these sizes; "
            "limit = floor + %g sd\n", r->n, r->m, r->n_splits, TWOSAMPLE_LIMIT_SDS);
    fprintf(out, "  %-20s %11s %11s %11s %8s\n", "statistic", "value", "floor", "limit",
            "/limit");
    for (int t = 0; t < TS_N_STATS; t++) {
        if (isnan(r->stat[t])) {
            fprintf(out, "  %-20s %11s  (%s)\n", twosample_stat_name((twosample_stat)t), "-",
                    r->d < 2 ? "d = 1" : "not computed for d > 200");
            continue;
        }
        fprintf(out, "  %-20s %11.4g %11.4g %11.4g %8.2f\n",
                twosample_stat_name((twosample_stat)t), r->stat[t], r->floor[t], r->limit[t],
                r->stat[t] / r->limit[t]);
    }
    fprintf(out, "  (energy on %ld and %ld evenly spaced rows, coordinates in reference sds)\n",
            r->energy_n, r->energy_m);
    if (!isnan(r->self_w1))
        fprintf(out, "reference self-check: first vs second half W1 max %.4g (limit %.4g): %s\n",
                r->self_w1, r->self_limit,
                r->self_w1 <= r->self_limit ? "consistent" : "INCONSISTENT");
    fprintf(out, "%6s %11s %11s %10s %10s %10s %9s %9s %8s %8s %9s\n", "coord", "mean_run",
            "mean_ref", "sd_run", "sd_ref", "mean_err", "sd_ratio", "W1", "P0_run", "P0_ref",
            "corr_err");
    for (int k = 0; k < r->d; k++) {
        char corr[32] = "-";
        if (!isnan(r->corr_error[k]))
            snprintf(corr, sizeof corr, "%.4f", r->corr_error[k]);
        fprintf(out, "%6d %11.4g %11.4g %10.4g %10.4g %10.3g %9.4f %9.4f %8.4f %8.4f %9s\n",
                k + 1, r->mean_run[k], r->mean_ref[k], r->sd_run[k], r->sd_ref[k],
                r->mean_error[k], r->sd_ratio[k], r->w1[k], r->spike_run[k], r->spike_ref[k], corr);
    }
    fprintf(out, "(mean_err and W1 in reference sds; P0 = P(|x| < %g sd_ref); corr_err = max "
            "over the other coordinates of |corr_run - corr_ref|)\n", TWOSAMPLE_SPIKE);
}

/* A CSV number: %.10g, empty for NaN. */
static void csv_num(FILE *f, double v)
{
    fputc(',', f);
    if (!isnan(v))
        fprintf(f, "%.10g", v);
}

/* Whether path is the file of an input (a run file, or the file part of path.h5:/dataset). */
static int is_input(const char *path, const char *spec)
{
    struct stat a, b;
    char file[4096];
    snprintf(file, sizeof file, "%s", spec);
    if (stat(file, &b) != 0) { /* a dataset: cut at the last ":/" */
        char *cut = NULL;
        for (char *p = file; (p = strstr(p, ":/")) != NULL; p++)
            cut = p;
        if (cut)
            *cut = '\0';
        if (stat(file, &b) != 0)
            return 0;
    }
    return stat(path, &a) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static int write_csv(const char *path, const twosample_result *r, char *err, size_t errlen)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        log_format(err, errlen, "--csv %s: cannot write: %s", path, strerror(errno));
        return -1;
    }
    fputs("coordinate,mean_run,mean_ref,sd_run,sd_ref,mean_error,sd_ratio,w1,spike_run,"
          "spike_ref,corr_error,w1_mean,energy,agrees\n", f);
    for (int k = 0; k < r->d; k++) {
        fprintf(f, "%d", k + 1);
        const double v[] = {r->mean_run[k], r->mean_ref[k],   r->sd_run[k],    r->sd_ref[k],
                            r->mean_error[k], r->sd_ratio[k], r->w1[k],       r->spike_run[k],
                            r->spike_ref[k], r->corr_error[k], NAN,           NAN};
        for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
            csv_num(f, v[i]);
        fputs(",\n", f);
    }
    /* all: the headline values (sd_ratio: the one farthest from 1; spikes: mean over coords) */
    double p_run = 0.0, p_ref = 0.0;
    for (int k = 0; k < r->d; k++) {
        p_run += r->spike_run[k] / r->d;
        p_ref += r->spike_ref[k] / r->d;
    }
    const double sd_far = r->where[TS_LOG_SD] >= 0 ? r->sd_ratio[r->where[TS_LOG_SD]] : NAN;
    const double *rows[2] = {r->floor, r->limit};
    fputs("all,,,,", f);
    const double all[] = {r->stat[TS_MEAN_ERROR], sd_far, r->stat[TS_W1_MAX], p_run, p_ref,
                          r->stat[TS_CORR], r->stat[TS_W1_MEAN], r->stat[TS_ENERGY]};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        csv_num(f, all[i]);
    fprintf(f, ",%s\n", r->n_splits ? (r->agrees ? "1" : "0") : "");
    /* floor and limit: sd_ratio as exp(+value of |log sd ratio|) */
    for (int j = 0; j < 2; j++) {
        const double *v = rows[j];
        fprintf(f, "%s,,,,", j == 0 ? "floor" : "limit");
        const double x[] = {v[TS_MEAN_ERROR], exp(v[TS_LOG_SD]), v[TS_W1_MAX], NAN, NAN,
                            v[TS_CORR],       v[TS_W1_MEAN],     v[TS_ENERGY]};
        for (size_t i = 0; i < sizeof x / sizeof x[0]; i++)
            csv_num(f, x[i]);
        fputs(",\n", f);
    }
    if (fclose(f) != 0) {
        log_format(err, errlen, "--csv %s: cannot write: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int compare_write(const compare_request *req, FILE *out, char *err, size_t errlen)
{
    sample run;
    twosample_result res = {0};
    compare_ref *ref = NULL;
    int rc = -1;
    if (load_sample("RUN", req->run, req->layer, NULL, &run, err, errlen) != 0)
        goto out;
    if (!(ref = compare_ref_load(req->reference, req->pool, err, errlen)) ||
        compare_sample(ref, &run, &res, err, errlen) != 0)
        goto out;
    if (req->csv && (is_input(req->csv, req->run) || is_input(req->csv, req->reference))) {
        log_format(err, errlen, "--csv %s is an input of the comparison (allowed: a new or a CSV "
                   "file)", req->csv);
        goto out;
    }
    if (req->csv && write_csv(req->csv, &res, err, errlen) != 0)
        goto out;
    print_report(out, &res, &run, ref);
    fflush(out);
    rc = 0;
out:
    twosample_result_free(&res);
    compare_ref_destroy(ref);
    sample_free(&run);
    return rc;
}
