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
#include <sys/stat.h>
#include <unistd.h>

#include "rwpo_build.h"

#include "rwpo/base/comm.h"
#include "rwpo/base/config.h"
#include "rwpo/base/lock.h"
#include "rwpo/base/log.h"
#include "rwpo/base/runfiles.h"
#include "rwpo/base/signals.h"
#include "rwpo/base/timers.h"
#include "rwpo/cli/bench.h"
#include "rwpo/cli/compare.h"
#include "rwpo/cli/data.h"
#include "rwpo/cli/summary.h"
#include "rwpo/cli/sweep.h"
#include "rwpo/cli/verify.h"
#include "rwpo/cli/version.h"
#include "rwpo/io/h5md.h"
#include "rwpo/io/probe.h"
#include "rwpo/run/ckpt.h"
#include "rwpo/run/footprint.h"
#include "rwpo/run/run_loop.h"
#include "rwpo/run/sim.h"

#define MAX_SETS 256
#define MAX_OPERANDS 65536

static const char usage[] =
    "usage: rwpo run CONFIG.ini [--set section.key=value ...] [--restart FILE[:LAYER]|auto]\n"
    "                [--allow-physics-change] [--overwrite] [--sweep-index K|env]\n"
    "       rwpo check CONFIG.ini [--set section.key=value ...] [--sweep-index K|env]\n"
    "       rwpo info FILE.h5\n"
    "       rwpo verify FILE.h5...\n"
    "       rwpo sweep CONFIG.ini [--set ...] --count | --list\n"
    "       rwpo summarize [FILES_OR_DIRS...] [--csv OUT] [--missing CONFIG.ini [--set ...]]\n"
    "                [--reference REF [--pool FROM:TO]]\n"
    "       rwpo compare RUN.h5 REFERENCE [--layer K] [--pool FROM:TO] [--csv OUT]\n"
    "       rwpo data NAME --n M [--seed S] -o path.h5:/dataset [--overwrite]\n"
    "       rwpo --help | --version | --keys\n";

static const char help[] =
    "rwpo: sparse transformer of regularized Wasserstein proximal (RWPO) layers with an L1 prior,\n"
    "as an MPI-distributed particle sampler of pi(x) ~ exp(-beta (f(x) + lambda |x|_1)).\n\n"
    "  run    run the layers of CONFIG and write the H5MD run file ([run] output)\n"
    "  check  validate CONFIG and print the fully resolved configuration\n"
    "  info   summarise a run file: layers, N, d, parameters, status, last observables\n"
    "  verify read back every frame of run files, their checkpoints and segments (checksums):\n"
    "         one line per file, ok or damaged; exit 0 only when all are intact\n"
    "  sweep  validate the [sweep] of CONFIG: --count prints the number of points, --list\n"
    "         each point's index, parameters and output file\n"
    "  summarize  one CSV row per run (parameters, status, layers done, final observables);\n"
    "         --missing CONFIG: rows per sweep point, and print the indices not complete;\n"
    "         --reference REF: add the compare columns (ref_w1_max, ...) of every run\n"
    "  compare  RUN's particles (last layer or --layer K) against REFERENCE: a run file (last\n"
    "         layer, or --pool FROM:TO: every recorded layer in [FROM, TO] pooled) or\n"
    "         path.h5:/dataset of samples [M][d]: mean, sd, W1, spike at 0, correlations,\n"
    "         energy distance, and a verdict against the noise of two iid samples\n"
    "  data   write M samples of a 2-D toy set (moons, 8gaussians, circles, rings, swissroll,\n"
    "         2spirals, checkerboard, pinwheel) for problem.type = data; another --seed gives\n"
    "         a held-out set\n"
    "  --sweep-index K|env      run (check) point K of the [sweep]; env: SLURM_ARRAY_TASK_ID\n"
    "  --set section.key=value  override a key (repeatable; applied after the file)\n"
    "  --restart FILE[:LAYER]   continue from a checkpoint, or a recorded layer of a run file\n"
    "                           (its last one without :LAYER); 'auto': the latest valid\n"
    "                           checkpoint of [run] output if there is one, else start fresh\n"
    "  --allow-physics-change   restart even if beta, lambda, h, the problem, ... differ\n"
    "  --overwrite              start afresh although [run] output (or its checkpoints)\n"
    "                           exists: the old files are kept as NAME.bakK\n"
    "  --keys print the table of configuration keys (Markdown)\n\n"
    "Exit status: 0 done, 1 bad usage/configuration/input, 2 failure while running,\n"
    "3 stopped early on request.\n";

typedef struct {
    const char *command;
    const char *file;
    char *sets[MAX_SETS];
    int n_sets;
    const char *restart; /**< --restart FILE[:LAYER] | auto */
    int allow_physics;   /**< --allow-physics-change */
    int overwrite;       /**< --overwrite */
    const char *sweep_index; /**< --sweep-index K | env */
    int count, list;     /**< sweep --count, --list */
    const char *csv;     /**< summarize --csv OUT */
    const char *missing; /**< summarize --missing CONFIG */
    char **operands;     /**< summarize: the files and directories (file = operands[0]) */
    int n_operands;
    const char *layer;     /**< compare --layer K */
    const char *pool;      /**< compare, summarize --pool FROM:TO */
    const char *reference; /**< summarize --reference REF */
} cli;

/* The value of "--opt VALUE" or "--opt=VALUE" at argv[*i] (advancing *i), or NULL. */
static const char *opt_value(int argc, char **argv, int *i, const char *opt)
{
    const char *a = argv[*i];
    size_t l = strlen(opt);
    if (strncmp(a, opt, l) != 0 || (a[l] != '\0' && a[l] != '='))
        return NULL;
    if (a[l] == '=')
        return a + l + 1;
    return *i + 1 < argc ? argv[++*i] : "";
}

/* Which options each command takes (one flag per option: set, restart, physics, sweep-index,
 * count/list, csv, missing). */
static int cli_options_ok(const cli *c)
{
    static const struct {
        const char *command, *allowed;
        int set, restart, index, countlist, summarize;
        int csv, layer, pool, reference; /* compare's and summarize's options */
    } rules[] = {
        {"run", "--set, --restart, --allow-physics-change, --overwrite, --sweep-index", 1, 1, 1, 0,
         0, 0, 0, 0, 0},
        {"check", "--set, --sweep-index", 1, 0, 1, 0, 0, 0, 0, 0, 0},
        {"info", "none", 0, 0, 0, 0, 0, 0, 0, 0, 0},
        {"verify", "none", 0, 0, 0, 0, 0, 0, 0, 0, 0},
        {"sweep", "--set, --count, --list", 1, 0, 0, 1, 0, 0, 0, 0, 0},
        {"summarize", "--csv, --missing, --set (with --missing), --reference, --pool (with "
         "--reference)", 1, 0, 0, 0, 1, 1, 0, 1, 1},
        {"compare", "--layer, --pool, --csv", 0, 0, 0, 0, 0, 1, 1, 1, 0},
    };
    for (size_t r = 0; r < sizeof rules / sizeof rules[0]; r++) {
        if (strcmp(c->command, rules[r].command) != 0)
            continue;
        if ((c->n_sets && !rules[r].set) || ((c->restart || c->allow_physics || c->overwrite) &&
            !rules[r].restart) || (c->sweep_index && !rules[r].index) ||
            ((c->count || c->list) && !rules[r].countlist) ||
            (c->csv && !rules[r].csv) || (c->missing && !rules[r].summarize) ||
            (c->layer && !rules[r].layer) || (c->pool && !rules[r].pool) ||
            (c->reference && !rules[r].reference) || (c->pool && !c->reference &&
            strcmp(c->command, "summarize") == 0)) {
            log_error("'%s' takes these options: %s (see rwpo --help)", c->command,
                      rules[r].allowed);
            return 1;
        }
    }
    return 0;
}

/* Parse the command line (every rank sees the same argv). 0, or 1 with a message. */
static int parse_cli(int argc, char **argv, cli *c)
{
    memset(c, 0, sizeof *c);
    static char *operands[MAX_OPERANDS];
    c->operands = operands;
    if (argc < 2) {
        log_error("no command given (see rwpo --help)");
        return 1;
    }
    c->command = argv[1];
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v;
        if (strcmp(a, "--set") == 0 || strncmp(a, "--set=", 6) == 0) {
            v = a[5] == '=' ? a + 6 : (i + 1 < argc ? argv[++i] : NULL);
            if (!v) {
                log_error("--set needs section.key=value");
                return 1;
            }
            if (c->n_sets == MAX_SETS) {
                log_error("too many --set options (at most %d)", MAX_SETS);
                return 1;
            }
            c->sets[c->n_sets++] = (char *)v;
        } else if (strcmp(a, "--restart") == 0 || strncmp(a, "--restart=", 10) == 0) {
            v = a[9] == '=' ? a + 10 : (i + 1 < argc ? argv[++i] : NULL);
            if (!v || !v[0]) {
                log_error("--restart needs FILE[:LAYER] or auto");
                return 1;
            }
            c->restart = v;
        } else if (strcmp(a, "--allow-physics-change") == 0) {
            c->allow_physics = 1;
        } else if (strcmp(a, "--overwrite") == 0) {
            c->overwrite = 1;
        } else if ((v = opt_value(argc, argv, &i, "--sweep-index"))) {
            if (!*v) {
                log_error("--sweep-index needs K (an integer >= 0) or env");
                return 1;
            }
            c->sweep_index = v;
        } else if ((v = opt_value(argc, argv, &i, "--csv")) ||
                   (v = opt_value(argc, argv, &i, "--missing"))) {
            const int is_csv = strncmp(a, "--csv", 5) == 0;
            if (!*v) {
                log_error("%s needs a file name", is_csv ? "--csv" : "--missing");
                return 1;
            }
            *(is_csv ? &c->csv : &c->missing) = v;
        } else if ((v = opt_value(argc, argv, &i, "--layer")) ||
                   (v = opt_value(argc, argv, &i, "--pool")) ||
                   (v = opt_value(argc, argv, &i, "--reference"))) {
            const char *name = a[2] == 'l' ? "--layer" : a[2] == 'p' ? "--pool" : "--reference";
            if (!*v) {
                log_error("%s needs %s", name, a[2] == 'l' ? "a recorded layer K" :
                          a[2] == 'p' ? "FROM:TO" : "a run file or path.h5:/dataset");
                return 1;
            }
            *(a[2] == 'l' ? &c->layer : a[2] == 'p' ? &c->pool : &c->reference) = v;
        } else if (strcmp(a, "--count") == 0 || strcmp(a, "--list") == 0) {
            *(a[2] == 'c' ? &c->count : &c->list) = 1;
        } else if (a[0] == '-' && a[1] != '\0') {
            log_error("unknown option '%s' (allowed: --set section.key=value, --restart "
                      "FILE[:LAYER]|auto, --allow-physics-change, --overwrite, --sweep-index K|env, "
                      "--count, --list, --csv OUT, --missing CONFIG, --layer K, --pool FROM:TO, "
                      "--reference REF; see rwpo --help)", a);
            return 1;
        } else if (c->n_operands < MAX_OPERANDS) {
            c->operands[c->n_operands++] = (char *)a;
        } else {
            log_error("more than %d files: give their directory instead", MAX_OPERANDS);
            return 1;
        }
    }
    const int summarize = strcmp(c->command, "summarize") == 0;
    if (c->n_operands == 0 && !(summarize && c->missing)) { /* a sweep names its own files */
        log_error("'%s' needs a file argument (see rwpo --help)", c->command);
        return 1;
    }
    c->file = c->n_operands ? c->operands[0] : c->missing;
    const int n_files = strcmp(c->command, "compare") == 0 ? 2 : 1;
    if (n_files == 2 && c->n_operands < 2) {
        log_error("'compare' needs RUN.h5 and REFERENCE (see rwpo --help)");
        return 1;
    }
    if (c->n_operands > n_files && !summarize && strcmp(c->command, "verify") != 0) {
        log_error("unexpected argument '%s' (see rwpo --help)", c->operands[n_files]);
        return 1;
    }
    if (c->overwrite && c->restart) {
        log_error("--overwrite starts afresh and --restart continues: give one of them");
        return 1;
    }
    return cli_options_ok(c);
}

/* Rank 0 loads and validates (the sweep point's configuration with --sweep-index); the verdict
 * and the struct are broadcast. 0 or 1. */
static int load_config(const cli *c, rwpo_config *cfg, long *point)
{
    char err[CONFIG_ERR] = "";
    int rc = 0;
    if (comm_rank() == 0)
        rc = sweep_config_load(c->file, c->sets, c->n_sets, c->sweep_index, cfg, point, err,
                               sizeof err) == 0 ? 0 : 1;
    comm_bcast_bytes(&rc, sizeof rc);
    if (rc != 0) {
        log_error("%s", err);
        return 1;
    }
    comm_bcast_bytes(cfg, sizeof *cfg);
    comm_bcast_bytes(point, sizeof *point);
    return 0;
}

/* Paths the run only looks at: run.stop_file must not be a directory (it would "appear" at every
 * layer and could never be removed). Collective; 0 or 1. */
static int run_paths_ok(const rwpo_config *cfg)
{
    struct stat sb;
    int bad = comm_rank() == 0 && cfg->stop_file[0] && stat(cfg->stop_file, &sb) == 0 &&
              S_ISDIR(sb.st_mode);
    comm_bcast_bytes(&bad, sizeof bad);
    if (bad)
        log_error("[run] stop_file = %s is a directory (allowed: the name of a file that does not "
                  "exist yet; the run stops when it appears)", cfg->stop_file);
    return bad;
}

/* Rank 0 takes the output's lock (lock.h); every rank returns 0, 1 (held by another run) or 2. */
static int lock_output(const rwpo_config *cfg)
{
    char msg[2 * CONFIG_STR + 512] = "";
    int rc = comm_rank() == 0 ? lock_acquire(cfg->output, msg, sizeof msg) : LOCK_TAKEN;
    comm_bcast_bytes(&rc, sizeof rc);
    if (rc == LOCK_TAKEN)
        return 0;
    comm_bcast_bytes(msg, sizeof msg);
    if (rc == LOCK_STALE) {
        log_warn("%s", msg);
        return 0;
    }
    log_error("%s", msg);
    return rc == LOCK_FAILED ? 2 : 1;
}

/* What exists of a run's files, for the refusal of a fresh start (rank 0). */
static void describe_existing(const char *output, const char *first, char *buf, size_t n)
{
    probe_info pi;
    char err[512];
    if (strcmp(first, output) == 0 && probe_file(output, &pi, err, sizeof err) == 0) {
        if (pi.n_rec > 0)
            snprintf(buf, n, "%s exists (status %s, layers %lld..%lld)", output,
                     pi.status ? pi.status : "unknown", pi.steps[0], pi.steps[pi.n_rec - 1]);
        else
            snprintf(buf, n, "%s exists (status %s, no layers)", output,
                     pi.status ? pi.status : "unknown");
        probe_free(&pi);
    } else {
        snprintf(buf, n, "%.1200s exists", first);
    }
}

/* A fresh start: refuse when the run's files exist, unless they may be replaced (then they are
 * moved aside as NAME.bakK). Collective; 0, 1 (refused) or 2 (cannot move them). */
static int fresh_start(const rwpo_config *cfg, int may_replace)
{
    static char names[1][4096 + 64];
    char msg[2 * CONFIG_STR + 512] = "";
    int rc = 0;
    if (comm_rank() == 0 && runfiles_existing(cfg->output, names, 1) > 0) {
        if (!may_replace) {
            char what[CONFIG_STR + 256];
            describe_existing(cfg->output, names[0], what, sizeof what);
            snprintf(msg, sizeof msg, "%s: continue it with --restart auto, or start afresh with "
                     "--overwrite (the old files are kept as NAME.bakK)", what);
            rc = 1;
        } else {
            char err[CONFIG_STR + 512] = "";
            int k = runfiles_backup(cfg->output, err, sizeof err);
            if (k < 0) {
                snprintf(msg, sizeof msg, "%s", err);
                rc = 2;
            } else {
                log_warn("moved the existing files of %s aside as NAME.bak%d", cfg->output, k);
            }
        }
    }
    comm_bcast_bytes(&rc, sizeof rc);
    if (rc != 0) {
        comm_bcast_bytes(msg, sizeof msg);
        log_error("%s", msg);
    }
    return rc;
}

/* Restart from a source, or start afresh, and open the output (collective). Returns 1 when the
 * run goes on; 0 with *code the exit status when it must not (done already, refused, failed). */
static int start_run(const cli *c, sim *s, int *code)
{
    ckpt_source src = {0};
    const int r = c->restart ? ckpt_restore(s, c->restart, c->allow_physics, &src) : CKPT_NONE;
    *code = r == CKPT_BAD ? 1 : 0;
    if (r == CKPT_BAD || r == CKPT_DONE)
        return 0;
    if (r == CKPT_NONE && (*code = fresh_start(&s->cfg, c->overwrite || c->restart)) != 0)
        return 0;
    const sim_resume from = {src.path, c->restart, src.min_frames};
    *code = sim_open_output(s, r == CKPT_OK ? &from : NULL);
    return *code == 0;
}

/* rwpo run: prolog (configuration, lock, run object, restart or fresh start), loop, epilog. */
static int cmd_run(const cli *c, double t_program)
{
    rwpo_config cfg;
    long point;
    if (load_config(c, &cfg, &point) != 0)
        return 1;
    if (point >= 0)
        log_info("sweep point %ld of %s", point, c->file);
    timer_reset();
    timer_start(TIMER_total);
    timer_start(TIMER_setup);
    int code = run_paths_ok(&cfg) || footprint_check(&cfg, stdout, "rwpo: ") ? 1
                                                                              : lock_output(&cfg);
    sim *s = code == 0 ? sim_create(&cfg, &code) : NULL;
    const int go = s && start_run(c, s, &code);

    const run_opts opts = {t_program, c->file, point};
    run_stop why = RUN_NOT_STOPPED;
    if (go && (code = run_prolog(s)) == 0)
        code = run_loop(s, &opts, &why);

    if (go)
        code = run_epilog(s, &opts, code, why);
    sim_destroy(s);
    if (comm_rank() == 0)
        lock_release(cfg.output);
    return code;
}

/* rwpo check: sim_weights_warning on stderr. Opens the problem (collective) only when the
 * warning can apply; a problem that does not open is left to `rwpo run` to report. */
static void check_weights(const rwpo_config *cfg)
{
    if (cfg->method != METHOD_RWPO_L1 || cfg->weights != WEIGHTS_COORDINATEWISE ||
        cfg->precondition == PRECOND_FULL ||
        (cfg->problem != PROBLEM_LINEAR && cfg->problem != PROBLEM_LOGISTIC))
        return;
    char err[2048] = "", text[512];
    /* the problem's info lines go to stderr: stdout stays the configuration */
    fflush(stdout);
    const int saved = dup(STDOUT_FILENO);
    if (saved >= 0)
        dup2(STDERR_FILENO, STDOUT_FILENO);
    problem *prob = problem_open(cfg, comm_world(), err, sizeof err);
    if (prob && sim_weights_warning(cfg, prob, text, sizeof text) && comm_rank() == 0)
        fprintf(stderr, "rwpo: warning: %s\n", text);
    problem_destroy(prob);
    fflush(stdout);
    if (saved >= 0) {
        dup2(saved, STDOUT_FILENO);
        close(saved);
    }
}

static int cmd_check(const cli *c)
{
    rwpo_config cfg;
    long point;
    if (load_config(c, &cfg, &point) != 0)
        return 1;
    if (comm_rank() == 0) {
        printf("; rwpo %s: resolved configuration of %s", RWPO_VERSION, c->file);
        if (point >= 0)
            printf(", sweep point %ld", point);
        printf(" (defaults included)\n");
        config_print(&cfg, stdout);
    }
    /* the estimate and the warning on stderr: stdout stays the resolved configuration alone */
    const int code = footprint_check(&cfg, stderr, "rwpo: ");
    check_weights(&cfg);
    return code;
}

static int cmd_info(const cli *c)
{
    int rc = 0;
    char err[1024] = "";
    if (comm_rank() == 0) {
        rc = probe_print_info(c->file, stdout, err, sizeof err) == 0 ? 0 : 1;
        if (rc == 0) {
            probe_print_posterior(c->file, stdout);
            probe_print_segments(c->file, stdout);
        }
    }
    comm_bcast_bytes(&rc, sizeof rc);
    if (rc)
        log_error("%s", err);
    return rc;
}

/* rwpo verify FILE...: serial, on rank 0; every rank exits the same way. */
static int cmd_verify(const cli *c)
{
    int rc = comm_rank() == 0 ? verify_files(c->operands, c->n_operands, stdout) : 0;
    comm_bcast_bytes(&rc, sizeof rc);
    return rc;
}

/* rwpo sweep CONFIG --count | --list: validate every point (rank 0), then print. */
static int cmd_sweep(const cli *c)
{
    char err[CONFIG_ERR] = "";
    int rc = 0;
    if (comm_rank() == 0) {
        sweep_plan *p = sweep_plan_load(c->file, c->sets, c->n_sets, err, sizeof err);
        if (p && sweep_count(p) == 0)
            snprintf(err, sizeof err, "%s has no [sweep] section (allowed: [sweep] with "
                     "section.key = v1, v2, ...)", c->file);
        const int list = c->list || !c->count; /* --list is the default */
        rc = !p || sweep_count(p) == 0 ||
             sweep_check(p, c->file, c->sets, c->n_sets, list ? stdout : NULL, err,
                         sizeof err) != 0;
        if (rc == 0 && !list)
            printf("%ld\n", sweep_count(p));
        sweep_plan_destroy(p);
    }
    comm_bcast_bytes(&rc, sizeof rc);
    if (rc)
        log_error("%s", err);
    return rc;
}

/* rwpo summarize FILES_OR_DIRS [--csv OUT] [--missing CONFIG]: serial, on rank 0. */
static int cmd_summarize(const cli *c)
{
    char err[CONFIG_ERR] = "";
    int rc = 0;
    if (comm_rank() == 0) {
        const summary_request req = {c->operands, c->n_operands, c->csv, c->missing, c->sets,
                                     c->n_sets, c->reference, c->pool};
        rc = summary_write(&req, err, sizeof err) != 0;
    }
    comm_bcast_bytes(&rc, sizeof rc);
    if (rc)
        log_error("%s", err);
    return rc;
}

/* RWPO_CHECK_HDF5_IDS=1 (a debug check, used by the tests): every HDF5 identifier must be
 * closed when the command ends; one left open is an error (exit 2). Local to each rank. */
static int check_hdf5_ids(int code)
{
    const char *on = getenv("RWPO_CHECK_HDF5_IDS");
    const long n = on && strcmp(on, "1") == 0 ? h5md_open_ids() : 0;
    if (n == 0)
        return code;
    log_error_any("RWPO_CHECK_HDF5_IDS: %ld HDF5 identifier(s) still open at the end of the "
                  "command (a leak on some path)", n);
    return 2;
}

/* rwpo compare RUN REFERENCE [--layer K] [--pool FROM:TO] [--csv OUT]: serial, on rank 0. */
static int cmd_compare(const cli *c)
{
    char err[CONFIG_ERR] = "";
    int rc = 0;
    if (comm_rank() == 0) {
        const compare_request req = {c->operands[0], c->layer, c->operands[1], c->pool, c->csv};
        rc = compare_write(&req, stdout, err, sizeof err) != 0;
    }
    comm_bcast_bytes(&rc, sizeof rc);
    if (rc)
        log_error("%s", err);
    return rc;
}

int main(int argc, char **argv)
{
    signals_install(); /* a signal while MPI starts ends the process with the documented status */
    comm_init(&argc, &argv);
    signals_set_rank(comm_rank());
    signals_install();
    const double t_program = comm_wtime();
    int code = 1;
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        if (comm_rank() == 0)
            printf("%s\n%s", usage, help);
        code = 0;
    } else if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
        if (comm_rank() == 0)
            version_print(stdout);
        code = 0;
    } else if (argc >= 2 && strcmp(argv[1], "bench") == 0) {
        code = bench_main(argc - 1, argv + 1);
    } else if (argc >= 2 && strcmp(argv[1], "data") == 0) {
        code = data_main(argc - 1, argv + 1);
    } else if (argc >= 2 && strcmp(argv[1], "--keys") == 0) {
        if (comm_rank() == 0)
            config_print_reference(stdout);
        code = 0;
    } else {
        cli c;
        if (parse_cli(argc, argv, &c) == 0) {
            if (strcmp(c.command, "run") == 0)
                code = cmd_run(&c, t_program);
            else if (strcmp(c.command, "check") == 0)
                code = cmd_check(&c);
            else if (strcmp(c.command, "info") == 0)
                code = cmd_info(&c);
            else if (strcmp(c.command, "verify") == 0)
                code = cmd_verify(&c);
            else if (strcmp(c.command, "sweep") == 0)
                code = cmd_sweep(&c);
            else if (strcmp(c.command, "summarize") == 0)
                code = cmd_summarize(&c);
            else if (strcmp(c.command, "compare") == 0)
                code = cmd_compare(&c);
            else
                log_error("unknown command '%s' (allowed: run, check, info, verify, sweep, "
                          "summarize, compare; see rwpo --help)", c.command);
        }
    }
    code = check_hdf5_ids(code);
    signals_finishing(code);
    h5md_library_close();
    comm_finalize();
    return code;
}
