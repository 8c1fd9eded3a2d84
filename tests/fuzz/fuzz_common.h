/**
 * @file fuzz_common.h
 * @brief Shared by the libFuzzer targets of tests/fuzz (each target is one translation unit that
 *        includes this header): MPI set-up, a private scratch directory, writing an input to a
 *        file, and the checks every target makes on what the library hands back.
 *
 * A failed check is a finding: fz_fail prints what was violated and aborts, which libFuzzer
 * reports as a crash with the input saved as reproducer (see tests/fuzz/run.sh).
 */
#ifndef RWPO_FUZZ_COMMON_H
#define RWPO_FUZZ_COMMON_H

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sanitizer/lsan_interface.h>

#include "rwpo/base/comm.h"
#include "rwpo/base/config.h"
#include "rwpo/io/h5md.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/** The scratch directory of this process (under $TMPDIR, removed at a normal exit). */
static char fz_dir[PATH_MAX];
/** /dev/null for the printers. */
static FILE *fz_null;

__attribute__((format(printf, 1, 2), noreturn)) static void fz_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "\n==fuzz== check failed: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    fflush(stderr);
    abort();
}

static void fz_cleanup(void)
{
    if (fz_dir[0]) {
        char cmd[PATH_MAX + 16];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", fz_dir);
        if (system(cmd) != 0)
            fprintf(stderr, "fuzz: could not remove %s\n", fz_dir);
    }
}

/** Once per process: MPI (a singleton world of one rank), the scratch directory. */
static void fz_setup(int *argc, char ***argv)
{
    /* Open MPI refuses root unless told; singletons on a shared machine should not busy-poll */
    setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 0);
    setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 0);
    setenv("OMPI_MCA_mpi_yield_when_idle", "1", 0);
    /* what MPI_Init allocates and loses (some in plugins it unloads again, so no suppression can
     * name them) is not rwpo's: not a leak */
    __lsan_disable();
    comm_init(argc, argv);
    __lsan_enable();
    const char *tmp = getenv("TMPDIR");
    snprintf(fz_dir, sizeof fz_dir, "%s/rwpo-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(fz_dir)) {
        perror("fuzz: mkdtemp");
        exit(1);
    }
    atexit(fz_cleanup);
    fz_null = fopen("/dev/null", "w");
    if (!fz_null) {
        perror("fuzz: /dev/null");
        exit(1);
    }
}

/** Fail when an HDF5 identifier is still open after `after`: the io modules close everything
 *  before they return (h5md_open_ids, the count behind RWPO_CHECK_HDF5_IDS). */
static inline void fz_check_closed(const char *after)
{
    const long open = h5md_open_ids();
    if (open != 0)
        fz_fail("%ld HDF5 object(s) left open after %s (the io modules close every identifier "
                "before returning)", open, after);
}

/** "<scratch>/<name>" in a static buffer. */
static const char *fz_path(const char *name)
{
    static char buf[2][PATH_MAX + 64];
    static int which;
    which ^= 1;
    snprintf(buf[which], sizeof buf[which], "%s/%s", fz_dir, name);
    return buf[which];
}

/** Write n bytes to path (replacing it). */
static void fz_write(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || (n && fwrite(data, 1, n, f) != n) || fclose(f) != 0)
        fz_fail("cannot write the scratch file %s", path);
}

/** An error message must be there on failure, and be one NUL-terminated line. */
static void fz_check_err(const char *what, int rc, const char *err, size_t errlen)
{
    if (rc == 0)
        return;
    if (memchr(err, '\0', errlen) == NULL)
        fz_fail("%s failed with an unterminated message", what);
    if (err[0] == '\0')
        fz_fail("%s failed without a message", what);
    if (strchr(err, '\n'))
        fz_fail("%s failed with a message of more than one line: %s", what, err);
}

/** The step size and proximal time of layer k as the schedule defines them (oracle). */
static void fz_expected_step(const rwpo_config *c, long k, double *h, double *T)
{
    double hk = c->h;
    for (int s = 0; s < c->n_schedule; s++)
        if (c->schedule_layer[s] <= k)
            hk = c->schedule_h[s];
    if (c->h_follows == H_FOLLOWS_BANDWIDTH) /* h (sd_k / sd_1)^2, sd geometric (README) */
        hk *= config_bandwidth(c, k) * config_bandwidth(c, k) /
              (config_bandwidth(c, 1) * config_bandwidth(c, 1));
    *h = hk;
    *T = c->T > 0 ? c->T : hk;
}

/**
 * What a validated configuration promises (config.h and the key table in README.md): ranges,
 * terminated strings, a well-formed schedule that config_step follows, and a resolved INI text
 * (what `rwpo check` prints and what run files and checkpoints store) that parses back to the
 * same physics (restarts compare its hash with the checkpoint's).
 */
__attribute__((unused)) static void fz_check_config(const rwpo_config *c, const char *origin)
{
    const char *fields[] = {c->name, c->output, c->stop_file, c->init_mean, c->init_file,
                            c->schedule, c->problem_mean, c->operator_file, c->data_file,
                            c->truth_file};
    const size_t caps[] = {sizeof c->name, sizeof c->output, sizeof c->stop_file,
                           sizeof c->init_mean, sizeof c->init_file, sizeof c->schedule,
                           sizeof c->problem_mean, sizeof c->operator_file, sizeof c->data_file,
                           sizeof c->truth_file};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        if (!memchr(fields[i], '\0', caps[i]))
            fz_fail("%s: string field %zu of the configuration is not terminated", origin, i);
    if (c->layers < 0 || c->n < 1 || c->dim < 1 || c->every < 1 || c->block < 1 ||
        !(c->beta > 0) || !(c->lambda >= 0) || !(c->h > 0) || !(c->T >= 0) || c->seed < 0 ||
        !isfinite(c->beta) || !isfinite(c->lambda) || !isfinite(c->h) || !isfinite(c->T))
        fz_fail("%s: accepted configuration out of its documented ranges (layers %ld, n %ld, "
                "dim %ld, every %ld, block %ld, beta %g, lambda %g, h %g, T %g)",
                origin, c->layers, c->n, c->dim, c->every, c->block, c->beta, c->lambda, c->h,
                c->T);
    if (c->output[0] == '\0')
        fz_fail("%s: accepted configuration with an empty run.output", origin);

    /* the schedule: at most CONFIG_MAX_SCHEDULE entries, layers >= 1 increasing, h > 0 */
    if (c->n_schedule < 0 || c->n_schedule > CONFIG_MAX_SCHEDULE)
        fz_fail("%s: n_schedule = %d", origin, c->n_schedule);
    for (int s = 0; s < c->n_schedule; s++)
        if (c->schedule_layer[s] < 1 || !(c->schedule_h[s] > 0) || !isfinite(c->schedule_h[s]) ||
            (s > 0 && c->schedule_layer[s] <= c->schedule_layer[s - 1]))
            fz_fail("%s: schedule entry %d (%ld:%g) of '%s' violates 'layer >= 1 increasing, "
                    "h > 0'", origin, s, c->schedule_layer[s], c->schedule_h[s], c->schedule);
    long probe_k[3 * CONFIG_MAX_SCHEDULE + 4];
    int np = 0;
    probe_k[np++] = 1;
    probe_k[np++] = c->layers > 0 ? c->layers : 1;
    probe_k[np++] = LONG_MAX / 2;
    for (int s = 0; s < c->n_schedule; s++) {
        probe_k[np++] = c->schedule_layer[s] - 1 > 0 ? c->schedule_layer[s] - 1 : 1;
        probe_k[np++] = c->schedule_layer[s];
        probe_k[np++] = c->schedule_layer[s] + 1;
    }
    for (int i = 0; i < np; i++) {
        double h, T, he, Te;
        config_step(c, probe_k[i], &h, &T);
        fz_expected_step(c, probe_k[i], &he, &Te);
        const double tol = c->h_follows == H_FOLLOWS_BANDWIDTH ? 1e-14 : 0.0; /* rounding */
        if (!(h > 0) || !(T > 0) || !isfinite(h) || !isfinite(T) || fabs(h - he) > tol * he ||
            fabs(T - Te) > tol * Te)
            fz_fail("%s: config_step(layer %ld) = (h %g, T %g), expected (h %g, T %g) from "
                    "h = %g, T = %g, schedule '%s'", origin, probe_k[i], h, T, he, Te, c->h, c->T,
                    c->schedule);
    }

    /* the lists parse (checked by the validator) */
    if (c->dim <= 4096) {
        double *v = malloc((size_t)c->dim * sizeof *v);
        if (!v)
            fz_fail("out of memory");
        if (config_parse_vector(c->init_mean, c->dim, v) != 0 ||
            config_parse_vector(c->problem_mean, c->dim, v) != 0)
            fz_fail("%s: accepted init_mean '%s' or problem.mean '%s' does not parse for d = %ld",
                    origin, c->init_mean, c->problem_mean, c->dim);
        free(v);
    }

    /* the parameters of the output file */
    rwpo_param *p = NULL;
    int n = config_params(c, &p);
    if (n <= 0 || !p)
        fz_fail("%s: config_params returned %d", origin, n);
    free(p);
    config_print(c, fz_null);

    /* the resolved INI text parses back to the same physics (restarts rely on it) */
    char *ini = config_to_ini(c);
    if (!ini)
        fz_fail("%s: config_to_ini returned NULL", origin);
    rwpo_config *back = malloc(sizeof *back);
    char err[CONFIG_ERR] = "";
    if (!back)
        fz_fail("out of memory");
    if (config_parse_text("resolved", ini, back, err, sizeof err) != 0)
        fz_fail("%s: the resolved configuration (rwpo check's output, the config_ini stored in "
                "run files) does not parse back: %s\n--- resolved INI ---\n%s---",
                origin, err, ini);
    char diff[2048];
    if (config_physics_diff(c, back, diff, sizeof diff) != 0 ||
        config_physics_hash(c) != config_physics_hash(back))
        fz_fail("%s: the resolved configuration parses back to other physics: %s\n"
                "--- resolved INI ---\n%s---", origin, diff, ini);
    free(back);
    free(ini);
}

#endif /* RWPO_FUZZ_COMMON_H */
