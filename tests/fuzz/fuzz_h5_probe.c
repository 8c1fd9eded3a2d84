/**
 * @file fuzz_h5_probe.c
 * @brief libFuzzer target "h5_probe": reading run and checkpoint files as `rwpo info`,
 *        `rwpo summarize` and restarts do: probe_file, the stored configuration
 *        (config_parse_text), the last frame (input_read_frame), the last observables, the
 *        printers of info.c.
 *
 * Input: the bytes of an HDF5 file, written to a scratch file (seeds: small run and checkpoint
 * files in rwpo's layout, tests/fuzz/make_seeds.py). Checks: failures say why in one line; what
 * probe_file fills is consistent (owned arrays of the stated lengths, checkpoint strings present);
 * the observables hand over rows of their stated width; no HDF5 object is left open; reads stay
 * inside the buffers (h5_guard.c).
 */
#include <hdf5.h>

#include "fuzz_common.h"
#include "rwpo/io/input.h"
#include "rwpo/io/probe.h"

enum { FZ_MAX_ELEMS = 1 << 16 };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fz_setup(argc, argv);
    return 0;
}

static volatile double fz_sink;

static void obs_cb(const probe_observable *o, void *user)
{
    int *count = user;
    (*count)++;
    if (!o->name)
        fz_fail("observable without a name");
    if (o->problem) {
        if (o->value)
            fz_fail("observable %s: a problem ('%s') and a value", o->name, o->problem);
        return;
    }
    if (!o->value || o->width < 1 || (o->rank != 1 && o->rank != 2) ||
        (o->rank == 1 && o->width != 1))
        fz_fail("observable %s: rank %d, width %ld, value %p", o->name, o->rank, o->width,
                (const void *)o->value);
    double s = 0;
    for (long k = 0; k < o->width; k++) /* ASan: the row holds width doubles */
        s += o->value[k];
    fz_sink = s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fz_path("run.h5");
    fz_write(path, data, size);
    char err[1024];
    probe_info pi;

    memset(err, 'x', sizeof err);
    int rc = probe_file(path, &pi, err, sizeof err);
    fz_check_err("probe_file", rc, err, sizeof err);
    fz_check_closed("probe_file");
    if (rc == 0) {
        if (!pi.creator || strcmp(pi.creator, "rwpo") != 0 || !pi.config_ini || !pi.steps ||
            pi.n_rec < 0 || (pi.n_rec > 0 && !pi.times))
            fz_fail("probe_file accepted a file but left creator/config_ini/steps/times unset");
        if (pi.is_checkpoint && (!pi.ck_format || !pi.ck_hash || !pi.ck_content))
            fz_fail("probe_file accepted a checkpoint without its string attributes");
        double s = 0;
        for (long i = 0; i < pi.n_rec; i++) /* ASan: n_rec steps and times */
            s += (double)pi.steps[i] + pi.times[i];
        for (long i = 1; i < pi.n_rec; i++)
            if (pi.steps[i] <= pi.steps[i - 1])
                fz_fail("probe_file accepted steps out of order at frame %ld", i);
        fz_sink = s;
        /* the stored configuration, as a restart reads it */
        rwpo_config *cfg = malloc(sizeof *cfg);
        if (!cfg)
            abort();
        memset(err, 'x', sizeof err);
        int r = config_parse_text(path, pi.config_ini, cfg, err, sizeof err);
        fz_check_err("config_parse_text", r, err, sizeof err);
        if (r == 0)
            fz_check_config(cfg, "config_parse_text of a stored configuration");
        free(cfg);
        /* the last frame, as a restart reads it */
        if (pi.n_rec > 0 && pi.n_global >= 1 && pi.dim >= 1 &&
            pi.n_global <= FZ_MAX_ELEMS / pi.dim) {
            double *x = malloc((size_t)pi.n_global * (size_t)pi.dim * sizeof *x);
            if (!x)
                abort();
            memset(err, 'x', sizeof err);
            r = input_read_frame(path, comm_world(), pi.n_rec - 1, pi.n_global, pi.dim, 0,
                                 pi.n_global, x, err, sizeof err);
            fz_check_err("input_read_frame", r, err, sizeof err);
            fz_check_closed("input_read_frame");
            free(x);
        }
        probe_free(&pi);
        if (pi.creator || pi.steps || pi.config_ini)
            fz_fail("probe_free left pointers set");
    }

    int count = 0;
    int n = probe_last_observables(path, obs_cb, &count);
    fz_check_closed("probe_last_observables");
    if (n >= 0 && n != count)
        fz_fail("probe_last_observables returned %d but handed over %d observables", n, count);

    memset(err, 'x', sizeof err);
    rc = probe_print_info(path, fz_null, err, sizeof err);
    fz_check_err("probe_print_info", rc, err, sizeof err);
    fz_check_closed("probe_print_info");
    (void)probe_print_posterior(path, fz_null);
    fz_check_closed("probe_print_posterior");
    return 0;
}
