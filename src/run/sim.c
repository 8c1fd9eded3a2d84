/**
 * @file sim.c
 * @brief The run object: creation, the output file, one layer, recording (see sim.h).
 */
#include "rwpo/run/sim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rwpo/base/comm.h"
#include "rwpo/base/log.h"
#include "rwpo/base/runfiles.h"
#include "rwpo/base/timers.h"
#include "rwpo/io/input.h"
#include "rwpo/io/probe.h"

/* Read the initial cloud from particles.init_file, or draw it. 0 or 1 (agreed). */
static int initial_cloud(sim *s)
{
    const rwpo_config *cfg = &s->cfg;
    if (cfg->init == INIT_FILE) {
        char err[2048] = "", msg[4400];
        int rc = input_read_matrix(cfg->init_file, comm_world(), cfg->n, (int)cfg->dim,
                                  s->p->offset, s->p->n_local, s->p->x, err, sizeof err);
        snprintf(msg, sizeof msg, "[particles] init_file = %s: %s", cfg->init_file, err);
        return comm_agree_failure(rc != 0, msg);
    }
    double *mean = xmalloc((size_t)cfg->dim * sizeof(double));
    if (config_parse_vector(cfg->init_mean, cfg->dim, mean) != 0)
        RWPO_FATAL("particles.init_mean was validated but does not parse");
    particles_init_gaussian(s->p, mean, cfg->init_scale, (unsigned long)cfg->seed);
    free(mean);
    return 0;
}

sim *sim_create(const rwpo_config *cfg, int *exit_code)
{
    char err[2048] = "";
    sim *s = xcalloc(1, sizeof *s);
    s->cfg = *cfg;
    s->rank = comm_rank();
    s->n_ranks = comm_size();
    s->p = particles_create(cfg->n, cfg->dim, s->n_ranks, s->rank);
    *exit_code = 1;
    if (initial_cloud(s) != 0) {
        sim_destroy(s);
        return NULL;
    }
    s->prob = problem_open(cfg, comm_world(), err, sizeof err); /* collective; agreed verdict */
    if (!s->prob) {
        log_error("%s", err);
        sim_destroy(s);
        return NULL;
    }
    if (sim_weights_warning(cfg, s->prob, s->warning, sizeof s->warning))
        log_warn("%s", s->warning);
    s->method = sampler_of(cfg);
    s->env = (sampler_env){.cfg = &s->cfg, .p = s->p, .prob = s->prob, .rank = s->rank,
                           .n_ranks = s->n_ranks};
    s->obs = observables_create(cfg, s->prob, s->method);
    s->method_state = s->method->create(&s->env);
    *exit_code = 0;
    return s;
}

int sim_weights_warning(const rwpo_config *cfg, problem *prob, char *buf, size_t len)
{
    buf[0] = '\0';
    if (cfg->method != METHOD_RWPO_L1 || cfg->weights != WEIGHTS_COORDINATEWISE ||
        cfg->precondition == PRECOND_FULL) /* whitened: the correlations are in the metric */
        return 0;
    double corr = 0.0;
    long i = 0, j = 0;
    const int rc = problem_max_posterior_correlation(prob, SIM_WARN_MAX_DIM, &corr, &i, &j);
    if (rc < 0 && (cfg->problem == PROBLEM_LINEAR || cfg->problem == PROBLEM_LOGISTIC))
        log_info("rwpo_l1 with coordinatewise weights: the posterior correlation was not checked "
                 "(d = %ld > %d, or a singular Hessian); coordinatewise weights lose "
                 "correlations", cfg->dim, SIM_WARN_MAX_DIM);
    if (rc <= 0 || fabs(corr) <= SIM_WARN_CORRELATION)
        return 0;
    snprintf(buf, len, "sampler.weights = coordinatewise keeps each coordinate's spread but loses "
             "correlations: the cloud of rwpo_l1 is not a posterior sample (largest posterior "
             "correlation %.2f between x%ld and x%ld); use gibbs_lasso (linear) or pmala for "
             "reference answers, or sampler.weights = joint", corr, i + 1, j + 1);
    return 1;
}

/* The warning of sim_weights_warning as the attribute /parameters/warning (collective). 0/1. */
static int write_warning(sim *s, const char *path)
{
    if (!s->warning[0])
        return 0;
    char err[2048] = "", msg[4400];
    const rwpo_param attr = {.name = "warning", .type = 's', .s = s->warning};
    const int rc = h5md_write_attrs(s->out, "/parameters", &attr, 1, err, sizeof err);
    snprintf(msg, sizeof msg, "%s: %s", path, err);
    return comm_agree_failure(rc != 0, msg);
}

h5md_file *sim_create_file(const sim *s, const char *path, int flags, char *err, size_t errlen)
{
    rwpo_param *params = NULL;
    int n_params = config_params(&s->cfg, &params);
    char *ini = config_to_ini(&s->cfg);
    const char *user = getenv("USER");
    h5md_file *f = h5md_create_ex(path, comm_world(), s->cfg.n, (int)s->cfg.dim, params,
                                  n_params, ini, user ? user : "unknown", flags, err, errlen);
    free(params);
    free(ini);
    if (f)
        h5md_set_writer(f, s->rank == 0);
    return f;
}

/* Bytes one recorded layer adds to the run file, with room for HDF5 metadata. */
static double frame_bytes(const sim *s)
{
    return 2.0 * (double)s->cfg.n * (double)s->cfg.dim * 8.0 + SIM_METADATA_BYTES;
}

int sim_check_space(const sim *s, const char *path, double bytes, const char *what)
{
    char err[1024] = "", msg[2400];
    const int rc = s->rank == 0 ? runfiles_check_space(path, bytes, err, sizeof err) : 0;
    snprintf(msg, sizeof msg, "%s: %s", what, err);
    return comm_agree_failure(rc != 0, msg);
}

/* Close s->out on the ranks that have it and, when this run created the file (`created`),
 * remove it (rank 0): a file that could not be completed is never left behind. Returns 2. */
static int drop_output(sim *s, const char *path, int created)
{
    h5md_close(s->out);
    s->out = NULL;
    if (created && s->rank == 0 && unlink(path) == 0)
        log_warn("removed the incomplete %s", path);
    return 2;
}

/* Create a new file of the run (a fresh run file or a segment) after the space check: 0, or 2
 * (every rank) with the partial file removed. */
static int create_output(sim *s, const char *path)
{
    char err[2048] = "", msg[4400];
    snprintf(msg, sizeof msg, "[run] output = %s: cannot create it", path);
    if (sim_check_space(s, path, frame_bytes(s), msg))
        return 2;
    s->out = sim_create_file(s, path, H5MD_CHECKSUM, err, sizeof err);
    snprintf(msg, sizeof msg, "[run] output = %s: %s", path, err);
    if (comm_agree_failure(s->out == NULL, msg) || write_warning(s, path))
        return drop_output(s, path, 1);
    return 0;
}

/* Continue run.output after layer s->layer, or start a new segment (collective). 0 or 2. */
static int open_restarted(sim *s, const sim_resume *from)
{
    char err[4096] = "", msg[5200];
    const rwpo_config *c = &s->cfg;
    struct stat sb;
    int exists = stat(c->output, &sb) == 0;
    int segment = 0;
    char path[CONFIG_STR + 32];
    snprintf(path, sizeof path, "%s", c->output);
    /* a complete run file with layers beyond the restart layer is kept intact (never truncated
     * before its replacement frames exist): the run goes on in a new segment */
    long long keep = -1;
    if (exists && s->rank == 0) {
        probe_info pi;
        if (probe_file(c->output, &pi, err, sizeof err) == 0) {
            if (pi.status && strcmp(pi.status, "complete") == 0 && pi.n_rec > 0 &&
                pi.steps[pi.n_rec - 1] > s->layer)
                keep = pi.steps[pi.n_rec - 1];
            probe_free(&pi);
        }
    }
    comm_bcast_bytes(&keep, sizeof keep);
    /* truncating rewrites metadata: a full disk is caught before the file is touched */
    snprintf(msg, sizeof msg, "restart: cannot continue %s", c->output);
    if (exists && keep < 0 && sim_check_space(s, c->output, SIM_METADATA_BYTES, msg))
        return 2;
    if (exists) {
        /* truncated by rank 0 alone, then reopened by every rank (h5md_truncate) */
        const int cut = keep < 0 && s->rank == 0
                            ? h5md_truncate(c->output, c->n, (int)c->dim, s->layer,
                                            from->min_frames, err, sizeof err)
                            : 0;
        if (keep < 0 && !comm_agree_max(cut != 0))
            s->out = h5md_open_append(c->output, comm_world(), c->n, (int)c->dim, s->layer,
                                      from->min_frames, err, sizeof err);
        else if (keep >= 0)
            snprintf(err, sizeof err, "it is complete up to layer %lld and is kept intact", keep);
        if (keep >= 0 || comm_agree_max(s->out == NULL)) {
            h5md_close(s->out);
            s->out = NULL;
            /* damaged: continue in a new segment file */
            int k = 0;
            if (s->rank == 0)
                k = runfiles_next_segment(c->output, path, sizeof path);
            comm_bcast_bytes(&k, sizeof k);
            comm_bcast_bytes(path, sizeof path);
            if (k < 0) {
                log_error("no free segment name next to %s", c->output);
                return 2;
            }
            log_warn("%s cannot be continued (%s); continuing in the new segment %s",
                     c->output, err, path);
            segment = k;
        } else {
            h5md_set_writer(s->out, s->rank == 0);
        }
    }
    const int created = !s->out;
    if (created && create_output(s, path) != 0)
        return 2;
    /* provenance: which segment, what it continues, the restart history */
    char when[64], line[CONFIG_STR * 2 + 160];
    time_t now = time(NULL);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    snprintf(line, sizeof line, "%s: restarted at layer %ld from %s on %d rank(s)", when,
             s->layer, from->spec, s->n_ranks);
    const rwpo_param attrs[] = {
        {.name = "restart_layer", .type = 'i', .i = s->layer},
        {.name = "restart_source", .type = 's', .s = from->source},
        {.name = "last_restart", .type = 's', .s = line},
        {.name = "segment", .type = 'i', .i = segment},
        {.name = "continues", .type = 's', .s = segment ? c->output : ""},
    };
    int n_attrs = segment ? 5 : 4;
    snprintf(msg, sizeof msg, "restart: writing the provenance to %s", path);
    if (sim_check_space(s, path, SIM_METADATA_BYTES, msg))
        return drop_output(s, path, created);
    int rc = h5md_write_attrs(s->out, "/parameters", attrs, n_attrs, err, sizeof err);
    if (rc == 0)
        rc = h5md_set_status(s->out, "running", err, sizeof err);
    snprintf(msg, sizeof msg, "%s: %s", path, err);
    if (comm_agree_failure(rc != 0, msg))
        return drop_output(s, path, created);
    s->segment = segment;
    /* a new file starts with the restart state as its first frame; a continued file gets the
     * restart layer's frame if it is a recorded layer whose write did not happen */
    s->record_restart_frame = h5md_frames(s->out) == 0 ||
                              (sim_is_recorded(s, s->layer) && h5md_last_step(s->out) != s->layer);
    log_info("restart: layer %ld from %s; writing %s%s", s->layer, from->source, path,
             segment ? " (new segment)" : "");
    return 0;
}

int sim_open_output(sim *s, const sim_resume *from)
{
    return from ? open_restarted(s, from) : create_output(s, s->cfg.output);
}

void sim_destroy(sim *s)
{
    if (!s)
        return;
    h5md_close(s->out);
    if (s->method)
        s->method->destroy(s->method_state);
    observables_destroy(s->obs);
    problem_destroy(s->prob);
    particles_destroy(s->p);
    free(s);
}

int sim_is_recorded(const sim *s, long k)
{
    return k == 0 || k % s->cfg.every == 0 || k == s->cfg.layers;
}

int sim_layer(sim *s)
{
    const long k = s->layer + 1;
    double h, T;
    config_step(&s->cfg, k, &h, &T);
    problem_set_layer(s->prob, k);
    timer_start(TIMER_layer);
    int rc = s->method->layer(s->method_state, &s->env, k, h, T);
    timer_stop(TIMER_layer);
    if (rc != 0)
        return rc;

    long bad = particles_first_nonfinite(s->p->x, s->p->n_local, s->p->dim);
    char msg[256];
    if (bad >= 0)
        snprintf(msg, sizeof msg, "layer %ld: particle %ld coordinate %ld is not finite (%g); "
                 "the step size h = %g may be too large for the potential", k,
                 s->p->offset + bad / s->p->dim, bad % s->p->dim + 1, s->p->x[bad], h);
    if (comm_agree_failure(bad >= 0, msg))
        return 2;
    s->layer = k;
    s->time += h;
    return 0;
}

void sim_observe(sim *s)
{
    double own[SAMPLER_MAX_VALUES] = {0};
    timer_start(TIMER_observables);
    if (s->method->n_obs > 0)
        s->method->values(s->method_state, own);
    s->obs->layer = s->layer;
    problem_set_layer(s->prob, s->layer);
    observables_compute(s->obs, &s->cfg, s->p, s->prob, own);
    s->last_recorded = s->layer;
    timer_stop(TIMER_observables);
}

int sim_record(sim *s)
{
    sim_observe(s);
    if (!s->out)
        return 0;
    timer_start(TIMER_output);
    char err[1024] = "";
    char msg[2300];
    snprintf(msg, sizeof msg, "layer %ld: writing %s", s->layer, s->cfg.output);
    if (sim_check_space(s, s->cfg.output, frame_bytes(s), msg)) {
        timer_stop(TIMER_output);
        return 2;
    }
    /* agree after each collective write, so that no rank goes on into the next one alone */
    int rc = h5md_write_positions(s->out, s->layer, s->time, s->p->offset, s->p->n_local,
                              s->p->x, err, sizeof err);
    snprintf(msg, sizeof msg, "layer %ld: writing %s: %s", s->layer, s->cfg.output, err);
    if (comm_agree_failure(rc != 0, msg)) {
        timer_stop(TIMER_output);
        return 2;
    }
    rc = h5md_write_observables(s->out, s->layer, s->time, s->obs->obs, s->obs->n_obs, err,
                                sizeof err);
    timer_stop(TIMER_output);
    snprintf(msg, sizeof msg, "layer %ld: writing %s: %s", s->layer, s->cfg.output, err);
    return comm_agree_failure(rc != 0, msg) ? 2 : 0;
}
