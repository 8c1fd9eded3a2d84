/**
 * @file fuzz_sweep.c
 * @brief libFuzzer target "sweep": the step-size schedule (sampler.schedule, config_step) and the
 *        parameter studies of [sweep] (sweep_plan_load and the points built from it).
 *
 * Input: the first line is the value of sampler.schedule; the other lines follow a "[sweep]"
 * header at the end of a fixed, valid configuration (so they are sweep lists, mode, continuation
 * lines, or further sections); lines starting with "--set " become --set strings, as in
 * fuzz_config.c. The configuration is written to a scratch file (sweeps are read from files).
 */
#include "fuzz_common.h"

#include "rwpo/cli/sweep.h"

enum { FZ_MAX_SETS = 8, FZ_MAX_INPUT = 1 << 16, FZ_MAX_CHECKED_POINTS = 16 };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fz_setup(argc, argv);
    return 0;
}

/** A sweep as it reads back: counts in range, every value of every point present. */
static void check_plan(const sweep_plan *p)
{
    const long n = sweep_count(p);
    const int nk = sweep_n_keys(p);
    if (nk < 0 || nk > SWEEP_MAX_KEYS || n < 0 || n > SWEEP_MAX_POINTS || (nk == 0) != (n == 0))
        fz_fail("sweep with %d keys and %ld points", nk, n);
    for (int j = 0; j < nk; j++) {
        const char *key = sweep_key(p, j);
        if (!key || !config_key_known(key, NULL, 0) || strcmp(key, "run.output") == 0 ||
            strcmp(key, "run.name") == 0)
            fz_fail("swept key %d '%s' is not a configuration key that may be swept", j,
                    key ? key : "(null)");
    }
    const long ks[] = {0, n / 3, n / 2, n - 1};
    for (size_t i = 0; n > 0 && i < sizeof ks / sizeof *ks; i++)
        for (int j = 0; j < nk; j++) {
            const char *v = sweep_value(p, ks[i], j);
            if (!v || !v[0])
                fz_fail("point %ld of %ld has no value for key %d '%s'", ks[i], n, j,
                        sweep_key(p, j));
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FZ_MAX_INPUT)
        return 0;
    const char *path = fz_path("sweep.ini");
    const uint8_t *nl = memchr(data, '\n', size);
    const size_t l1 = nl ? (size_t)(nl - data) : size;
    char *sets[FZ_MAX_SETS];
    int n_sets = 0;

    char head[1024 + 2 * PATH_MAX];
    int hl = snprintf(head, sizeof head,
                      "[run]\nname = fz\noutput = %s/fz_{index}_{name}.h5\nlayers = 100\n"
                      "[particles]\nn = 4\ndim = 2\n"
                      "[sampler]\nbeta = 1\nlambda = 0.5\nh = 0.1\nschedule = ",
                      fz_dir);
    static const char mid[] = "\n[problem]\ntype = gaussian\n[sweep]\n";
    char *text = malloc((size_t)hl + size + sizeof mid + 1);
    if (!text)
        abort();
    size_t len = (size_t)hl;
    memcpy(text, head, len);
    memcpy(text + len, data, l1);
    len += l1;
    memcpy(text + len, mid, sizeof mid - 1);
    len += sizeof mid - 1;
    static const char marker[] = "--set ";
    const size_t ml = sizeof marker - 1;
    for (size_t i = nl ? l1 + 1 : size; i < size;) {
        const uint8_t *e = memchr(data + i, '\n', size - i);
        size_t end = e ? (size_t)(e - data) : size;
        if (end - i >= ml && memcmp(data + i, marker, ml) == 0 && n_sets < FZ_MAX_SETS) {
            char *s = malloc(end - i - ml + 1);
            if (!s)
                abort();
            memcpy(s, data + i + ml, end - i - ml);
            s[end - i - ml] = '\0';
            sets[n_sets++] = s;
        } else {
            memcpy(text + len, data + i, (e ? end + 1 : end) - i);
            len += (e ? end + 1 : end) - i;
        }
        i = e ? end + 1 : end;
    }
    fz_write(path, text, len);
    free(text);

    rwpo_config *cfg = malloc(sizeof *cfg);
    char err[CONFIG_ERR];
    if (!cfg)
        abort();

    /* the configuration without the sweep: the schedule (config_load skips [sweep]) */
    memset(err, 'x', sizeof err);
    int rc = config_load(path, sets, n_sets, cfg, err, sizeof err);
    fz_check_err("config_load", rc, err, sizeof err);
    if (rc == 0)
        fz_check_config(cfg, "config_load");

    /* the sweep */
    memset(err, 'x', sizeof err);
    sweep_plan *p = sweep_plan_load(path, sets, n_sets, err, sizeof err);
    fz_check_err("sweep_plan_load", p ? 0 : -1, err, sizeof err);
    if (p) {
        check_plan(p);
        const long n = sweep_count(p);
        if (n >= 1 && n <= FZ_MAX_CHECKED_POINTS) {
            memset(err, 'x', sizeof err);
            rc = sweep_check(p, path, sets, n_sets, fz_null, err, sizeof err);
            fz_check_err("sweep_check", rc, err, sizeof err);
            for (long k = 0; k < n; k += n > 1 ? n - 1 : 1) {
                memset(err, 'x', sizeof err);
                int r = sweep_point_config(p, path, sets, n_sets, k, cfg, err, sizeof err);
                fz_check_err("sweep_point_config", r, err, sizeof err);
                if (rc == 0 && r != 0)
                    fz_fail("sweep_check accepted the sweep but point %ld fails: %s", k, err);
                if (r == 0)
                    fz_check_config(cfg, "sweep_point_config");
            }
            long point;
            memset(err, 'x', sizeof err);
            int r = sweep_config_load(path, sets, n_sets, "0", cfg, &point, err, sizeof err);
            fz_check_err("sweep_config_load", r, err, sizeof err);
            if (r == 0 && point != 0)
                fz_fail("sweep_config_load --sweep-index 0 resolved point %ld", point);
        }
        sweep_plan_destroy(p);
    }

    /* --sweep-index: the first line as the index text */
    char idx[64];
    long k;
    snprintf(idx, sizeof idx, "%.*s", (int)(l1 < 63 ? l1 : 63), (const char *)data);
    memset(err, 'x', sizeof err);
    fz_check_err("sweep_parse_index", sweep_parse_index(idx, &k, err, sizeof err), err,
                 sizeof err);

    for (int s = 0; s < n_sets; s++)
        free(sets[s]);
    free(cfg);
    return 0;
}
