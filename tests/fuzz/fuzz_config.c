/**
 * @file fuzz_config.c
 * @brief libFuzzer target "config": the INI reader and the --set overrides (config_load), the
 *        same text as a stored configuration (config_parse_text), the key lookup
 *        (config_key_known).
 *
 * Input: INI text; every line that starts with "--set " is taken out of the text and becomes a
 * --set string (at most FZ_MAX_SETS, in order), e.g.
 *
 *     [run]
 *     output = a.h5
 *     --set sampler.beta=2
 *
 * The text goes to a scratch file for config_load (which reads files: line lengths, NUL bytes,
 * line numbers); an accepted configuration must satisfy fz_check_config.
 */
#include "fuzz_common.h"

enum { FZ_MAX_SETS = 8, FZ_MAX_INPUT = 1 << 16 };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fz_setup(argc, argv);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FZ_MAX_INPUT)
        return 0;
    /* split into the INI text and the --set lines */
    char *text = malloc(size + 1);
    char *sets[FZ_MAX_SETS];
    int n_sets = 0;
    size_t len = 0;
    if (!text)
        return 0;
    static const char marker[] = "--set ";
    const size_t ml = sizeof marker - 1;
    for (size_t i = 0; i < size;) {
        const uint8_t *nl = memchr(data + i, '\n', size - i);
        size_t end = nl ? (size_t)(nl - data) : size; /* the line is [i, end) */
        if (end - i >= ml && memcmp(data + i, marker, ml) == 0 && n_sets < FZ_MAX_SETS) {
            size_t n = end - i - ml;
            char *s = malloc(n + 1);
            if (!s)
                abort();
            memcpy(s, data + i + ml, n);
            s[n] = '\0';
            sets[n_sets++] = s;
        } else {
            size_t n = (nl ? end + 1 : end) - i;
            memcpy(text + len, data + i, n);
            len += n;
        }
        i = nl ? end + 1 : end;
    }
    text[len] = '\0';

    const char *path = fz_path("config.ini");
    fz_write(path, text, len);
    rwpo_config *cfg = malloc(sizeof *cfg);
    char err[CONFIG_ERR];
    if (!cfg)
        abort();

    memset(err, 'x', sizeof err);
    int rc = config_load(path, sets, n_sets, cfg, err, sizeof err);
    fz_check_err("config_load", rc, err, sizeof err);
    if (rc == 0)
        fz_check_config(cfg, "config_load");

    /* the text as the configuration stored in a run file (up to a NUL byte, as a C string) */
    memset(err, 'x', sizeof err);
    rc = config_parse_text("stored", text, cfg, err, sizeof err);
    fz_check_err("config_parse_text", rc, err, sizeof err);
    if (rc == 0)
        fz_check_config(cfg, "config_parse_text");

    for (int s = 0; s < n_sets; s++) {
        char hint[160];
        char *eq = strchr(sets[s], '=');
        if (eq)
            *eq = '\0';
        (void)config_key_known(sets[s], hint, sizeof hint);
        free(sets[s]);
    }
    free(cfg);
    free(text);
    return 0;
}
