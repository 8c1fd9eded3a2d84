/**
 * @file run_loop.c
 * @brief The layer loop and the end of a run (see run_loop.h).
 */
#include "rwpo/run/run_loop.h"

#include <math.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rwpo_build.h"

#include "rwpo/base/comm.h"
#include "rwpo/base/log.h"
#include "rwpo/base/runfiles.h"
#include "rwpo/base/signals.h"
#include "rwpo/base/timers.h"
#include "rwpo/run/ckpt.h"
#include "rwpo/run/posterior.h"

int run_prolog(sim *s)
{
    const rwpo_config *cfg = &s->cfg;
    log_info("rwpo %s (%s): N = %ld, d = %ld, %d rank(s), layers %ld..%ld, problem %s, weights "
             "%s, normaliser %s -> %s", RWPO_VERSION, RWPO_GIT_REVISION, cfg->n, cfg->dim,
             s->n_ranks, s->layer, cfg->layers, problem_name(cfg->problem),
             cfg->weights == WEIGHTS_JOINT ? "joint" : "coordinatewise",
             cfg->normaliser == NORMALISER_MOREAU ? "moreau" : "exact", cfg->output);
    int code = 0;
    if (s->layer == 0 || s->record_restart_frame)
        code = sim_record(s);
    else
        sim_observe(s);
    timer_stop(TIMER_setup);
    return code;
}

/* The method's first own observable for the progress line (e.g. "neighbours 15.6"). */
static void method_value(const sim *s, char *buf, size_t n)
{
    buf[0] = '\0';
    if (s->method->n_obs > 0) {
        double v[SAMPLER_MAX_VALUES];
        s->method->values(s->method_state, v);
        snprintf(buf, n, "  %s %.3g", s->method->obs_names[0], v[0]);
    }
}

static void progress(const sim *s, double t_start, double *t_last_print, long first)
{
    const double now = comm_wtime();
    const long k = s->layer, L = s->cfg.layers;
    if (k != L && now - *t_last_print < s->cfg.progress)
        return;
    *t_last_print = now;
    double per = timer_seconds(TIMER_layer) / (double)(k - first);
    double eta = per * (double)(L - k);
    /* the rate: particle pairs for the all-pairs methods, particles for independent chains */
    const int all_pairs = s->cfg.method == METHOD_RWPO_L1 || s->cfg.method == METHOD_SVGD;
    const double rate = (double)s->cfg.n * (all_pairs ? (double)s->cfg.n : 1.0) / per;
    double v;
    char own[96];
    method_value(s, own, sizeof own);
    const char *name = observables_headline(s->obs, &v);
    log_info("layer %ld/%ld  %.4g s/layer  ETA %.1f s  %.3g %s/s%s  %s = %.6g (layer %ld)  "
             "%.1f s", k, L, per, eta, rate, all_pairs ? "pairs" : "particles", own, name, v,
             s->last_recorded, now - t_start);
    /* under SLURM: say (once) when the run will not finish within the job's time limit */
    static int warned;
    const double left = signals_job_seconds_left();
    if (!warned && left >= 0 && k < L && eta > left) {
        warned = 1;
        log_warn("ETA %.0f s exceeds the job's remaining time (%.0f s, SLURM_JOB_END_TIME): "
                 "the run will stop at the time limit; continue it with --restart auto", eta,
                 left);
    }
}

/* Whether the run stops early (agreed by all ranks with one reduction per layer). */
static int stop_requested(const sim *s, double t_program, double worst_layer, run_stop *why)
{
    int v[RUN_N_STOP] = {signals_pending() != 0, 0, 0};
    if (s->cfg.wall_time > 0) {
        /* the next layer (with its output) and a checkpoint must fit in the budget */
        double need = 1.25 * worst_layer + 2.0 * ckpt_last_seconds() + 0.5;
        v[RUN_STOP_WALL_TIME] = comm_wtime() - t_program + need > s->cfg.wall_time;
    }
    struct stat sb;
    if (s->rank == 0 && s->cfg.stop_file[0] && stat(s->cfg.stop_file, &sb) == 0 &&
        !S_ISDIR(sb.st_mode))
        v[RUN_STOP_FILE] = 1;
    comm_max_int(v, RUN_N_STOP);
    for (int i = 0; i < RUN_N_STOP; i++)
        if (v[i]) {
            *why = (run_stop)i;
            return 1;
        }
    return 0;
}

int run_loop(sim *s, const run_opts *o, run_stop *why)
{
    const rwpo_config *cfg = &s->cfg;
    const double t0 = comm_wtime();
    double t_print = t0, worst_layer = 0.0;
    const long first = s->layer;
    int code = 0;
    *why = RUN_NOT_STOPPED;
    signals_defer(); /* a stop request is now honoured after the layer, with a checkpoint */
    while (s->layer < cfg->layers) {
        const double tl = comm_wtime();
        code = sim_layer(s);
        if (code == 0 && sim_is_recorded(s, s->layer) && (code = sim_record(s)) != 0) {
            /* the trajectory could not be written but the state is good: checkpoint it */
            if (ckpt_write(s) == 0)
                log_info("layer %ld: checkpoint written despite the output failure", s->layer);
        }
        if (code != 0)
            return code;
        worst_layer = fmax(worst_layer, comm_wtime() - tl);
        progress(s, t0, &t_print, first);
        const int stopped = s->layer < cfg->layers &&
                            stop_requested(s, o->t_program, worst_layer, why);
        if (stopped || (cfg->checkpoint_every > 0 && s->layer % cfg->checkpoint_every == 0 &&
                        s->layer < cfg->layers)) {
            timer_start(TIMER_output);
            if (ckpt_write(s) != 0)
                code = 2;
            timer_stop(TIMER_output);
        }
        if (stopped || code != 0)
            return code;
    }
    return 0;
}

static void report_final(const sim *s)
{
    for (int i = 0; i < s->obs->n_obs; i++) {
        const rwpo_observable *ob = &s->obs->obs[i];
        if (ob->width == 1)
            log_info("final %s = %.6g", ob->name, ob->value[0]);
        else if (ob->width == 2)
            log_info("final %s = %.6g %.6g", ob->name, ob->value[0], ob->value[1]);
    }
}

int run_epilog(sim *s, const run_opts *o, int code, run_stop why)
{
    const rwpo_config *cfg = &s->cfg;
    const int stopped = why != RUN_NOT_STOPPED;
    if (code == 0 && !stopped)
        code = posterior_summary(s);
    char err[1024], what[CONFIG_STR + 64];
    const char *status = code != 0 ? "failed" : stopped ? "stopped" : "complete";
    snprintf(what, sizeof what, "%s: status '%s' not written", cfg->output, status);
    if (s->out && sim_check_space(s, cfg->output, SIM_METADATA_BYTES, what))
        code = code ? code : 2;
    else if (s->out && h5md_set_status(s->out, status, err, sizeof err) != 0 && code == 0) {
        log_error("%s", err);
        code = 2;
    }
    timer_stop(TIMER_total);
    if (code == 0 && stopped) {
        static const char *const reasons[RUN_N_STOP] = {"a signal", "the wall-time budget",
                                                        "the stop file"};
        char ck[CONFIG_STR + 16];
        runfiles_checkpoints(cfg->output, ck, NULL, NULL, sizeof ck);
        if (why == RUN_STOP_FILE && s->rank == 0)
            unlink(cfg->stop_file);
        char idx[48] = "";
        if (o->sweep_point >= 0)
            snprintf(idx, sizeof idx, " --sweep-index %ld", o->sweep_point);
        log_info("stopped by %s after layer %ld of %ld; checkpoint %s; continue with: rwpo run "
                 "%s%s --restart %s", reasons[why], s->layer, cfg->layers, ck, o->config_file,
                 idx, ck);
        code = 3;
    } else if (code == 0) {
        report_final(s);
        log_info("wrote %s (%ld layers, N = %ld, d = %ld)",
                 s->segment ? "the new segment" : cfg->output, s->layer, cfg->n, cfg->dim);
    }
    timer_report(stdout);
    return code;
}
