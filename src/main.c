/**
 * @file main.c
 * @brief rwpo: the table of contents. Prolog (MPI, configuration, run object), the layer loop
 *        (one call per layer, periodic output, progress), epilog (report, destroy).
 *
 * Exit status: 0 done; 1 bad usage, configuration or input (nothing was started); 2 failure
 * while running; 3 stopped early on request (reserved for the checkpoint/restart work).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rwpo_build.h"

#include "rwpo/comm.h"
#include "rwpo/config.h"
#include "rwpo/h5md.h"
#include "rwpo/log.h"
#include "rwpo/sim.h"
#include "rwpo/timers.h"

#define MAX_SETS 256

static const char usage[] =
    "usage: rwpo run CONFIG.ini [--set section.key=value ...]\n"
    "       rwpo check CONFIG.ini [--set section.key=value ...]\n"
    "       rwpo info FILE.h5\n"
    "       rwpo --help | --version | --keys\n";

static const char help[] =
    "rwpo: sparse transformer of regularized Wasserstein proximal (RWPO) layers with an L1 prior,\n"
    "as an MPI-distributed particle sampler of pi(x) ~ exp(-beta (f(x) + lambda |x|_1)).\n\n"
    "  run    run the layers of CONFIG and write the H5MD run file ([run] output)\n"
    "  check  validate CONFIG and print the fully resolved configuration\n"
    "  info   summarise a run file: layers, N, d, parameters, status, last observables\n"
    "  --set section.key=value  override a key (repeatable; applied after the file)\n"
    "  --keys print the table of configuration keys (Markdown)\n\n"
    "Exit status: 0 done, 1 bad usage/configuration/input, 2 failure while running,\n"
    "3 stopped early on request.\n";

typedef struct {
    const char *command;
    const char *file;
    char *sets[MAX_SETS];
    int n_sets;
} cli;

/* Parse the command line (every rank sees the same argv). 0, or 1 with a message. */
static int parse_cli(int argc, char **argv, cli *c)
{
    memset(c, 0, sizeof *c);
    if (argc < 2) {
        log_error("no command given (see rwpo --help)");
        return 1;
    }
    c->command = argv[1];
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--set") == 0 || strncmp(a, "--set=", 6) == 0) {
            const char *v = a[5] == '=' ? a + 6 : (i + 1 < argc ? argv[++i] : NULL);
            if (!v) {
                log_error("--set needs section.key=value");
                return 1;
            }
            if (c->n_sets == MAX_SETS) {
                log_error("too many --set options (at most %d)", MAX_SETS);
                return 1;
            }
            c->sets[c->n_sets++] = (char *)v;
        } else if (a[0] == '-' && a[1] != '\0') {
            log_error("unknown option '%s' (allowed: --set section.key=value) (see rwpo --help)", a);
            return 1;
        } else if (!c->file) {
            c->file = a;
        } else {
            log_error("unexpected argument '%s' (see rwpo --help)", a);
            return 1;
        }
    }
    if (!c->file) {
        log_error("'%s' needs a file argument (see rwpo --help)", c->command);
        return 1;
    }
    if (strcmp(c->command, "info") == 0 && c->n_sets > 0) {
        log_error("'info' takes no --set options");
        return 1;
    }
    return 0;
}

/* Rank 0 loads and validates; the verdict and the struct are broadcast. 0 or 1. */
static int load_config(const cli *c, rwpo_config *cfg)
{
    char err[CONFIG_ERR] = "";
    int rc = 0;
    if (comm_rank() == 0)
        rc = config_load(c->file, c->sets, c->n_sets, cfg, err, sizeof err) == 0 ? 0 : 1;
    comm_bcast_bytes(&rc, sizeof rc);
    if (rc != 0) {
        log_error("%s", err);
        return 1;
    }
    comm_bcast_bytes(cfg, sizeof *cfg);
    return 0;
}

static void progress(const sim *s, double t_start, double *t_last_print)
{
    const double now = comm_wtime();
    const long k = s->layer, L = s->cfg.layers;
    if (k != L && now - *t_last_print < s->cfg.progress)
        return;
    *t_last_print = now;
    double per = timer_seconds(TIMER_layer) / (double)k;
    double eta = per * (double)(L - k);
    double pairs = (double)s->cfg.n * (double)s->cfg.n / per;
    double v;
    const char *name = observables_headline(s->obs, &v);
    log_info("layer %ld/%ld  %.4g s/layer  ETA %.1f s  %.3g pairs/s  neighbours %.3g  "
             "%s = %.6g (layer %ld)  %.1f s", k, L, per, eta, pairs, s->neighbours, name, v,
             s->last_recorded, now - t_start);
}

static int cmd_run(const cli *c)
{
    rwpo_config cfg;
    if (load_config(c, &cfg) != 0)
        return 1;
    timer_reset();
    timer_start(TIMER_total);
    timer_start(TIMER_setup);
    int code = 0;
    sim *s = sim_create(&cfg, 1, &code);
    if (!s)
        return code;
    log_info("rwpo %s (%s): N = %ld, d = %ld, %d rank(s), %ld layers, problem %s, weights %s, "
             "normaliser %s -> %s", RWPO_VERSION, RWPO_GIT_REVISION, cfg.n, cfg.dim,
             comm_size(), cfg.layers, problem_name(cfg.problem),
             cfg.weights == WEIGHTS_JOINT ? "joint" : "coordinatewise",
             cfg.normaliser == NORMALISER_MOREAU ? "moreau" : "exact", cfg.output);
    code = sim_record(s);
    timer_stop(TIMER_setup);
    const double t0 = comm_wtime();
    double t_print = t0;
    while (code == 0 && s->layer < cfg.layers) {
        code = sim_layer(s);
        if (code == 0 && sim_is_recorded(s, s->layer))
            code = sim_record(s);
        if (code == 0)
            progress(s, t0, &t_print);
    }
    char err[1024];
    if (s->out && h5md_set_status(s->out, code == 0 ? "complete" : "failed", err, sizeof err) &&
        code == 0)
        code = 2;
    timer_stop(TIMER_total);
    if (code == 0) {
        double v;
        for (int i = 0; i < s->obs->n_obs; i++) {
            const h5md_observable *o = &s->obs->obs[i];
            if (o->width > 2)
                continue;
            if (o->width == 1)
                log_info("final %s = %.6g", o->name, o->value[0]);
            else
                log_info("final %s = %.6g %.6g", o->name, o->value[0], o->value[1]);
        }
        (void)observables_headline(s->obs, &v);
        log_info("wrote %s (%ld layers, N = %ld, d = %ld)", cfg.output, s->layer, cfg.n,
                 cfg.dim);
    }
    timer_report(stdout);
    sim_destroy(s);
    return code;
}

static int cmd_check(const cli *c)
{
    rwpo_config cfg;
    if (load_config(c, &cfg) != 0)
        return 1;
    if (comm_rank() == 0) {
        printf("; rwpo %s: resolved configuration of %s (defaults included)\n", RWPO_VERSION,
               c->file);
        config_print(&cfg, stdout);
    }
    return 0;
}

static int cmd_info(const cli *c)
{
    int rc = 0;
    char err[1024] = "";
    if (comm_rank() == 0)
        rc = h5md_info(c->file, stdout, err, sizeof err) == 0 ? 0 : 1;
    comm_bcast_bytes(&rc, sizeof rc);
    if (rc)
        log_error("%s", err);
    return rc;
}

int main(int argc, char **argv)
{
    comm_init(&argc, &argv);
    int code = 1;
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        if (comm_rank() == 0)
            printf("%s\n%s", usage, help);
        code = 0;
    } else if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
        if (comm_rank() == 0)
            printf("rwpo %s (%s)\n", RWPO_VERSION, RWPO_GIT_REVISION);
        code = 0;
    } else if (argc >= 2 && strcmp(argv[1], "--keys") == 0) {
        if (comm_rank() == 0)
            config_print_reference(stdout);
        code = 0;
    } else {
        cli c;
        if (parse_cli(argc, argv, &c) == 0) {
            if (strcmp(c.command, "run") == 0)
                code = cmd_run(&c);
            else if (strcmp(c.command, "check") == 0)
                code = cmd_check(&c);
            else if (strcmp(c.command, "info") == 0)
                code = cmd_info(&c);
            else
                log_error("unknown command '%s' (allowed: run, check, info; see rwpo --help)",
                          c.command);
        }
    }
    comm_finalize();
    return code;
}
