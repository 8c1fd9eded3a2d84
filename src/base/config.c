/**
 * @file config.c
 * @brief INI configuration: one table of keys drives parsing, validation, printing and the
 *        /parameters attributes (see config.h).
 *
 * Order of precedence: table defaults < INI file < --set section.key=value (in order given).
 * Strict: unknown sections and keys (with a "did you mean"), keys given twice, missing required
 * keys, non-numbers, NaN/Inf, out-of-range values, keys of another problem type are errors.
 */
#include "rwpo/base/config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "rwpo/base/log.h"
#include "rwpo/base/runfiles.h"

typedef enum { K_LONG, K_DOUBLE, K_STRING, K_ENUM, K_LIST, K_TIME } key_kind;

/* Range flags for numbers. */
enum { R_NONE = 0, R_GE = 1, R_GT = 2 };

typedef struct {
    const char *section;
    const char *key;
    key_kind kind;
    size_t offset;
    size_t size;                /* capacity for strings/lists */
    const char *def;            /* default text; NULL = required */
    int lo_kind;                /* R_NONE, R_GE, R_GT */
    double lo;
    double hi;                  /* upper bound (inclusive), HUGE_VAL = none */
    const char *const *choices; /* K_ENUM: NULL-terminated */
    int problems;               /* bit mask of problem types allowing the key; 0 = all */
    const char *help;
} key_spec;

static const char *const ch_init[] = {"gaussian", "file", NULL};
static const char *const ch_method[] = {"rwpo_l1", NULL};
static const char *const ch_normaliser[] = {"exact", "moreau", NULL};
static const char *const ch_weights[] = {"coordinatewise", "joint", NULL};
static const char *const ch_ring[] = {"overlap", "blocking", NULL};
static const char *const ch_kernel[] = {"fast", "reference", NULL};
static const char *const ch_problem[] = {"none", "gaussian", "mixture_laplace", "linear",
                                         "logistic", NULL};
static const char *const ch_operator[] = {"gaussian", "blur1d", "blur2d", "file", NULL};
static const char *const ch_layout[] = {"auto", "replicated", "distributed", NULL};

#define OFF(f) offsetof(rwpo_config, f)
#define SZ(f) sizeof(((rwpo_config *)0)->f)
#define PB(p) (1 << (p))

static const key_spec keys[] = {
    {"run", "name", K_STRING, OFF(name), SZ(name), "rwpo", R_NONE, 0, HUGE_VAL, NULL, 0,
     "run name, stored in the output"},
    {"run", "output", K_STRING, OFF(output), SZ(output), NULL, R_NONE, 0, HUGE_VAL, NULL, 0,
     "output HDF5 (H5MD) file; its directory must exist"},
    {"run", "layers", K_LONG, OFF(layers), 0, NULL, R_GE, 0, 1e9, NULL, 0,
     "number of layers (time steps) L"},
    {"run", "seed", K_LONG, OFF(seed), 0, "1", R_GE, 0, 9.007199254740992e15, NULL, 0,
     "seed of the counter-based generator (Philox4x32-10)"},
    {"run", "every", K_LONG, OFF(every), 0, "1", R_GE, 1, 1e9, NULL, 0,
     "record positions every k layers (layer 0 and the last layer are always recorded)"},
    {"run", "sparsity_tol", K_DOUBLE, OFF(sparsity_tol), 0, "1e-2", R_GE, 0, HUGE_VAL, NULL, 0,
     "|x| <= tol counts as zero in the sparsity observable"},
    {"run", "progress", K_DOUBLE, OFF(progress), 0, "1", R_GE, 0, 86400, NULL, 0,
     "seconds between progress lines (0 = one line per layer)"},
    {"run", "ring", K_ENUM, OFF(ring), 0, "overlap", R_NONE, 0, 0, ch_ring, 0,
     "ring variant: overlap (Isend/Irecv while computing) or blocking (Sendrecv)"},
    {"run", "kernel", K_ENUM, OFF(kernel), 0, "fast", R_NONE, 0, 0, ch_kernel, 0,
     "attention kernels: fast (vectorised, register-blocked) or reference (plain loops, libm exp; agrees to "
     "1e-12, 10-20x slower)"},
    {"run", "block", K_LONG, OFF(block), 0, "1024", R_GE, 1, 1e8, NULL, 0,
     "keys per block in the attention kernel (cache blocking)"},
    {"run", "checkpoint_every", K_LONG, OFF(checkpoint_every), 0, "100", R_GE, 0, 1e9, NULL,
     0, "write a checkpoint every k layers (0 = only when stopped early); see Checkpoints"},
    {"run", "wall_time", K_DOUBLE, OFF(wall_time), 0, "0", R_GE, 0, HUGE_VAL, NULL, 0,
     "wall-clock budget in seconds (0 = none): stop with a checkpoint before exceeding it"},
    {"run", "stop_file", K_STRING, OFF(stop_file), SZ(stop_file), "", R_NONE, 0, 0, NULL, 0,
     "if this file appears, stop after the current layer with a checkpoint (and remove it)"},
    {"particles", "n", K_LONG, OFF(n), 0, NULL, R_GE, 1, 1e12, NULL, 0,
     "number of particles N"},
    {"particles", "dim", K_LONG, OFF(dim), 0, NULL, R_GE, 1, 1e6, NULL, 0, "dimension d"},
    {"particles", "init", K_ENUM, OFF(init), 0, "gaussian", R_NONE, 0, 0, ch_init, 0,
     "initial cloud: gaussian (init_mean + init_scale * N(0, I)) or file"},
    {"particles", "init_scale", K_DOUBLE, OFF(init_scale), 0, "1", R_GE, 0, HUGE_VAL, NULL, 0,
     "standard deviation of the gaussian initial cloud"},
    {"particles", "init_mean", K_LIST, OFF(init_mean), SZ(init_mean), "0", R_NONE, 0, 0, NULL, 0,
     "mean of the gaussian initial cloud: one value or d values"},
    {"particles", "init_file", K_STRING, OFF(init_file), SZ(init_file), "", R_NONE, 0, 0, NULL, 0,
     "init = file: path.h5:/dataset holding [N][d] floats"},
    {"sampler", "method", K_ENUM, OFF(method), 0, "rwpo_l1", R_NONE, 0, 0, ch_method, 0,
     "sampler (rwpo_l1: the RWPO layer with the L1 prior)"},
    {"sampler", "beta", K_DOUBLE, OFF(beta), 0, NULL, R_GT, 0, HUGE_VAL, NULL, 0,
     "INVERSE temperature beta"},
    {"sampler", "lambda", K_DOUBLE, OFF(lambda), 0, NULL, R_GE, 0, HUGE_VAL, NULL, 0,
     "L1 weight lambda"},
    {"sampler", "h", K_DOUBLE, OFF(h), 0, NULL, R_GT, 0, HUGE_VAL, NULL, 0,
     "step size h of layer 1 onwards (see schedule)"},
    {"sampler", "T", K_TIME, OFF(T), 0, "h", R_GT, 0, HUGE_VAL, NULL, 0,
     "proximal time T; 'h' (default) follows the step size"},
    {"sampler", "schedule", K_STRING, OFF(schedule), SZ(schedule), "", R_NONE, 0, 0, NULL, 0,
     "step-size changes 'layer:h, layer:h' (layers from 1, increasing)"},
    {"sampler", "normaliser", K_ENUM, OFF(normaliser), 0, "exact", R_NONE, 0, 0, ch_normaliser,
     0, "key normaliser: exact (erfcx) or moreau (Laplace approximation)"},
    {"sampler", "weights", K_ENUM, OFF(weights), 0, "coordinatewise", R_NONE, 0, 0, ch_weights,
     0, "attention weights: coordinatewise (d heads of width 1) or joint"},
    {"problem", "type", K_ENUM, OFF(problem), 0, NULL, R_NONE, 0, 0, ch_problem, 0,
     "smooth potential f: none, gaussian, mixture_laplace, linear, logistic"},
    {"problem", "mean", K_LIST, OFF(problem_mean), SZ(problem_mean), "0", R_NONE, 0, 0, NULL,
     PB(PROBLEM_GAUSSIAN), "gaussian: mu, one value or d values"},
    {"problem", "std", K_DOUBLE, OFF(problem_std), 0, "1", R_GT, 0, HUGE_VAL, NULL,
     PB(PROBLEM_GAUSSIAN), "gaussian: s in f = |x - mu|^2 / (2 s^2)"},
    /* linear inverse problem and logistic regression (issue 5) */
    {"problem", "operator", K_ENUM, OFF(problem_operator), 0, "gaussian", R_NONE, 0, 0,
     ch_operator, PB(PROBLEM_LINEAR),
     "linear: A = gaussian (iid N(0, 1/m)), blur1d, blur2d (Gaussian blur) or file"},
    {"problem", "operator_file", K_STRING, OFF(operator_file), SZ(operator_file), "", R_NONE, 0,
     0, NULL, PB(PROBLEM_LINEAR) | PB(PROBLEM_LOGISTIC),
     "path.h5:/dataset: linear: A [m][d]; logistic: features [n][d] (empty = generated)"},
    {"problem", "data_file", K_STRING, OFF(data_file), SZ(data_file), "", R_NONE, 0, 0, NULL,
     PB(PROBLEM_LINEAR) | PB(PROBLEM_LOGISTIC),
     "path.h5:/dataset: linear: b [m]; logistic: labels 0/1 [n] (with operator_file)"},
    {"problem", "truth_file", K_STRING, OFF(truth_file), SZ(truth_file), "", R_NONE, 0, 0, NULL,
     PB(PROBLEM_LINEAR) | PB(PROBLEM_LOGISTIC),
     "optional path.h5:/dataset: the true x [d] of file data (for the truth metrics)"},
    {"problem", "m", K_LONG, OFF(problem_m), 0, "0", R_GE, 0, 1e9, NULL,
     PB(PROBLEM_LINEAR) | PB(PROBLEM_LOGISTIC),
     "linear: rows m of A (0 = d); logistic: data points n (0 = 500)"},
    {"problem", "sigma", K_DOUBLE, OFF(problem_sigma), 0, "0.1", R_GT, 0, HUGE_VAL, NULL,
     PB(PROBLEM_LINEAR), "linear: noise std sigma, f = |A x - b|^2 / (2 sigma^2)"},
    {"problem", "sparsity", K_LONG, OFF(problem_sparsity), 0, "5", R_GE, 0, 1e9, NULL,
     PB(PROBLEM_LINEAR), "linear: non-zeros k of the generated x_true (k <= d)"},
    {"problem", "blur_width", K_DOUBLE, OFF(blur_width), 0, "2", R_GT, 0, HUGE_VAL, NULL,
     PB(PROBLEM_LINEAR), "linear blur1d/blur2d: standard deviation of the blur in pixels"},
    {"problem", "support_threshold", K_DOUBLE, OFF(support_threshold), 0, "0.25", R_GE, 0,
     HUGE_VAL, NULL, PB(PROBLEM_LINEAR),
     "linear: |posterior mean| above this counts as support (precision/recall)"},
    {"linalg", "layout", K_ENUM, OFF(linalg_layout), 0, "auto", R_NONE, 0, 0, ch_layout,
     PB(PROBLEM_LINEAR),
     "operator layout: replicated (A on every rank, DGEMM), distributed (ScaLAPACK), auto"},
    {"linalg", "block", K_LONG, OFF(linalg_block), 0, "64", R_GE, 1, 1e6, NULL,
     PB(PROBLEM_LINEAR), "ScaLAPACK block size (rows = columns)"},
    {"linalg", "memory_budget", K_LONG, OFF(linalg_memory_budget), 0, "1073741824", R_GE, 0,
     9e15, NULL, PB(PROBLEM_LINEAR),
     "bytes per rank for the operator: auto replicates A when it fits"},
    {"linalg", "grid_rows", K_LONG, OFF(linalg_grid_rows), 0, "0", R_GE, 0, 1e6, NULL,
     PB(PROBLEM_LINEAR), "BLACS process-grid rows, a divisor of the rank count (0 = squarest)"},
};
#define N_KEYS ((int)(sizeof keys / sizeof keys[0]))

/* ------------------------------------------------------------------------------------------ */
/* Raw entries collected from the file and --set before interpretation. */

typedef struct {
    char section[64];
    char key[64];
    char value[CONFIG_LIST];
    int line;           /* file line, or -(index+1) for --set */
} raw_entry;

typedef struct {
    raw_entry *v;
    int n;
    int cap;
    int failed;
} raw_list;

static int raw_add(raw_list *l, const char *section, const char *key, const char *value, int line)
{
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 32;
        raw_entry *v = realloc(l->v, (size_t)cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    raw_entry *e = &l->v[l->n++];
    snprintf(e->section, sizeof e->section, "%s", section);
    snprintf(e->key, sizeof e->key, "%s", key);
    snprintf(e->value, sizeof e->value, "%s", value);
    e->line = line;
    return 0;
}

static int ini_handler_cb(void *user, const char *section, const char *name, const char *value)
{
    raw_list *l = user;
    if (raw_add(l, section, name, value, 0) != 0) {
        l->failed = 1;
        return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------------------------------ */

static int levenshtein(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return 99;
    int d[64][64];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int c = tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]) ? 0 : 1;
            int m = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < m)
                m = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + c < m)
                m = d[i - 1][j - 1] + c;
            d[i][j] = m;
        }
    return d[la][lb];
}

/* Where an entry came from, e.g. "run.ini:12" or "--set". */
static void where(const char *path, const raw_entry *e, char *buf, size_t n)
{
    if (e->line > 0)
        snprintf(buf, n, "%s:%d", path, e->line);
    else if (e->line < 0)
        snprintf(buf, n, "--set %s.%s", e->section, e->key);
    else
        snprintf(buf, n, "%s", path);
}

/* Find the line of "key =" inside "[section]" (inih does not report line numbers). */
static int find_line(const char *path, const char *section, const char *key, int nth)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char buf[CONFIG_LIST];
    char cur[64] = "";
    int line = 0, found = 0, seen = 0;
    while (fgets(buf, sizeof buf, f)) {
        line++;
        char *p = buf;
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '[') {
            char *q = strchr(p, ']');
            if (q) {
                *q = '\0';
                snprintf(cur, sizeof cur, "%s", p + 1);
            }
            continue;
        }
        if (strcmp(cur, section) != 0)
            continue;
        size_t kl = strlen(key);
        if (strncmp(p, key, kl) == 0) {
            char *q = p + kl;
            while (*q == ' ' || *q == '\t')
                q++;
            if (*q == '=' || *q == ':') {
                if (seen++ == nth) {
                    found = line;
                    break;
                }
            }
        }
    }
    fclose(f);
    return found;
}

static int is_section(const char *s)
{
    for (int i = 0; i < N_KEYS; i++)
        if (strcmp(keys[i].section, s) == 0)
            return 1;
    return 0;
}

static const key_spec *find_key(const char *section, const char *key)
{
    for (int i = 0; i < N_KEYS; i++)
        if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].key, key) == 0)
            return &keys[i];
    return NULL;
}

static void suggest(const char *section, const char *key, char *buf, size_t n)
{
    int best = 99;
    const key_spec *bk = NULL;
    for (int i = 0; i < N_KEYS; i++) {
        int dist = levenshtein(keys[i].key, key) + (strcmp(keys[i].section, section) != 0);
        if (dist < best) {
            best = dist;
            bk = &keys[i];
        }
    }
    if (bk && best <= 3)
        snprintf(buf, n, " (did you mean %s.%s?)", bk->section, bk->key);
    else
        snprintf(buf, n, " (see 'rwpo check' for the list of keys)");
}

static const char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

/* Strict number parsing: whole string, finite. */
static int parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    while (isspace((unsigned char)*s))
        s++;
    if (*s == '\0')
        return -1;
    double v = strtod(s, &end);
    while (isspace((unsigned char)*end))
        end++;
    if (*end != '\0' || end == s)
        return -1;
    if (!isfinite(v))
        return -2;
    *out = v;
    return 0;
}

static int parse_long(const char *s, long *out)
{
    double v;
    int r = parse_double(s, &v);
    if (r != 0)
        return r;
    if (v != floor(v) || fabs(v) > 9.007199254740992e15)
        return -3;
    *out = (long)v;
    return 0;
}

int config_parse_vector(const char *text, long d, double *out)
{
    char *copy = strdup(text);
    if (!copy)
        return -1;
    long count = 0;
    int bad = 0;
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        double v;
        if (parse_double(tok, &v) != 0) {
            bad = 1;
            break;
        }
        if (count < d && out)
            out[count] = v;
        count++;
    }
    free(copy);
    if (bad || count == 0 || (count != 1 && count != d))
        return -1;
    if (count == 1 && out)
        for (long k = 1; k < d; k++)
            out[k] = out[0];
    return 0;
}

static void range_text(const key_spec *k, char *buf, size_t n)
{
    char lo[64] = "", hi[64] = "";
    if (k->lo_kind == R_GE)
        snprintf(lo, sizeof lo, ">= %g", k->lo);
    else if (k->lo_kind == R_GT)
        snprintf(lo, sizeof lo, "> %g", k->lo);
    if (k->hi != HUGE_VAL)
        snprintf(hi, sizeof hi, "<= %g", k->hi);
    snprintf(buf, n, "%s%s%s", lo, (lo[0] && hi[0]) ? " and " : "", hi);
}

static int in_range(const key_spec *k, double v)
{
    if (k->lo_kind == R_GE && !(v >= k->lo))
        return 0;
    if (k->lo_kind == R_GT && !(v > k->lo))
        return 0;
    if (k->hi != HUGE_VAL && v > k->hi)
        return 0;
    return 1;
}

static void choices_text(const key_spec *k, char *buf, size_t n)
{
    buf[0] = '\0';
    for (int c = 0; k->choices[c]; c++) {
        size_t l = strlen(buf);
        snprintf(buf + l, n - l, "%s%s", c ? " | " : "", k->choices[c]);
    }
}

/* Assign one value to the struct field; 0 or -1 with err set. */
static int assign(rwpo_config *cfg, const key_spec *k, const char *value, const char *loc,
                  char *err, size_t errlen)
{
    char *field = (char *)cfg + k->offset;
    char rt[128];
    switch (k->kind) {
    case K_STRING:
    case K_LIST:
        if (strlen(value) >= k->size) {
            log_format(err, errlen, "%s: [%s] %s: value too long (at most %zu characters)", loc,
                    k->section, k->key, k->size - 1);
            return -1;
        }
        memcpy(field, value, strlen(value) + 1);
        return 0;
    case K_ENUM:
        for (int c = 0; k->choices[c]; c++)
            if (strcmp(k->choices[c], value) == 0) {
                *(int *)field = c;
                return 0;
            }
        choices_text(k, rt, sizeof rt);
        log_format(err, errlen, "%s: [%s] %s = '%s': not allowed (allowed: %s)", loc, k->section,
                k->key, value, rt);
        return -1;
    case K_LONG: {
        long v;
        int r = parse_long(value, &v);
        range_text(k, rt, sizeof rt);
        if (r == -2) {
            log_format(err, errlen, "%s: [%s] %s = '%s': NaN and Inf are not allowed (allowed: an "
                    "integer %s)", loc, k->section, k->key, value, rt);
            return -1;
        }
        if (r != 0) {
            log_format(err, errlen, "%s: [%s] %s = '%s': not an integer (allowed: an integer %s)",
                    loc, k->section, k->key, value, rt);
            return -1;
        }
        if (!in_range(k, (double)v)) {
            log_format(err, errlen, "%s: [%s] %s = %s: out of range (allowed: %s)", loc, k->section,
                    k->key, value, rt);
            return -1;
        }
        *(long *)field = v;
        return 0;
    }
    case K_TIME:
        if (strcmp(value, "h") == 0) {
            *(double *)field = 0.0;
            return 0;
        }
        /* fall through */
    case K_DOUBLE: {
        double v;
        int r = parse_double(value, &v);
        range_text(k, rt, sizeof rt);
        if (r == -2) {
            log_format(err, errlen, "%s: [%s] %s = '%s': NaN and Inf are not allowed (allowed: a "
                    "number %s)", loc, k->section, k->key, value, rt);
            return -1;
        }
        if (r != 0) {
            log_format(err, errlen, "%s: [%s] %s = '%s': not a number (allowed: a number %s%s)", loc,
                    k->section, k->key, value, rt, k->kind == K_TIME ? ", or 'h'" : "");
            return -1;
        }
        if (!in_range(k, v)) {
            log_format(err, errlen, "%s: [%s] %s = %s: out of range (allowed: %s)", loc, k->section,
                    k->key, value, rt);
            return -1;
        }
        *(double *)field = v;
        return 0;
    }
    }
    return -1;
}

void config_defaults(rwpo_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    char err[CONFIG_ERR];
    for (int i = 0; i < N_KEYS; i++)
        if (keys[i].def)
            (void)assign(cfg, &keys[i], keys[i].def, "default", err, sizeof err);
}

static int parse_schedule(rwpo_config *cfg, const char *loc, char *err, size_t errlen)
{
    cfg->n_schedule = 0;
    char *copy = strdup(cfg->schedule);
    if (!copy)
        return -1;
    char *save = NULL;
    int rc = 0;
    long last = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        const char *t = trim(tok);
        if (*t == '\0')
            continue;
        char *colon = strchr(t, ':');
        long layer;
        double h;
        if (!colon) {
            rc = -1;
        } else {
            *colon = '\0';
            if (parse_long(t, &layer) != 0 || parse_double(colon + 1, &h) != 0 || layer < 1 ||
                !(h > 0) || layer <= last)
                rc = -1;
        }
        if (rc != 0 || cfg->n_schedule == CONFIG_MAX_SCHEDULE) {
            log_format(err, errlen,
                    "%s: [sampler] schedule = '%s': bad entry (allowed: up to %d entries "
                    "'layer:h' with layer >= 1 increasing and h > 0, e.g. '50:0.025')",
                    loc, cfg->schedule, CONFIG_MAX_SCHEDULE);
            rc = -1;
            break;
        }
        cfg->schedule_layer[cfg->n_schedule] = layer;
        cfg->schedule_h[cfg->n_schedule] = h;
        cfg->n_schedule++;
        last = layer;
    }
    free(copy);
    return rc;
}

void config_step(const rwpo_config *cfg, long k, double *h, double *T)
{
    double hk = cfg->h;
    for (int s = 0; s < cfg->n_schedule; s++)
        if (k >= cfg->schedule_layer[s])
            hk = cfg->schedule_h[s];
    *h = hk;
    *T = cfg->T > 0 ? cfg->T : hk;
}

/* Which raw entry last set the key (or NULL). */
static const raw_entry *last_entry(const raw_list *l, const key_spec *k)
{
    const raw_entry *e = NULL;
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->v[i].section, k->section) == 0 && strcmp(l->v[i].key, k->key) == 0)
            e = &l->v[i];
    return e;
}

/* Cross-checks of the linear and logistic problems (issue 5). 0 or -1 with err set. */
static int validate_inverse(const rwpo_config *cfg, const char *path, char *err, size_t errlen)
{
    const int lin = cfg->problem == PROBLEM_LINEAR, logi = cfg->problem == PROBLEM_LOGISTIC;
    if (!lin && !logi)
        return 0;
    const char *files[3] = {cfg->operator_file, cfg->data_file, cfg->truth_file};
    const char *names[3] = {"operator_file", "data_file", "truth_file"};
    for (int i = 0; i < 3; i++)
        if (files[i][0] && !strstr(files[i], ":/")) {
            log_format(err, errlen, "%s: [problem] %s = '%s': missing dataset (allowed: "
                    "path.h5:/dataset)", path, names[i], files[i]);
            return -1;
        }
    const int from_file = lin ? cfg->problem_operator == OPERATOR_FILE : cfg->operator_file[0];
    if (lin && from_file && (!cfg->operator_file[0] || !cfg->data_file[0])) {
        log_format(err, errlen, "%s: [problem] operator = file needs operator_file = path.h5:/A and "
                "data_file = path.h5:/b", path);
        return -1;
    }
    if (lin && !from_file && (cfg->operator_file[0] || cfg->data_file[0] || cfg->truth_file[0])) {
        log_format(err, errlen, "%s: [problem] operator_file, data_file and truth_file need "
                "operator = file (allowed: set operator = file, or remove them)", path);
        return -1;
    }
    if (logi && !cfg->operator_file[0] != !cfg->data_file[0]) {
        log_format(err, errlen, "%s: [problem] logistic data from a file needs both operator_file "
                "(features [n][d]) and data_file (labels [n])", path);
        return -1;
    }
    if (logi && !from_file && cfg->truth_file[0]) {
        log_format(err, errlen, "%s: [problem] truth_file is only used with data from files "
                "(operator_file, data_file)", path);
        return -1;
    }
    if (lin && !from_file && cfg->problem_sparsity > cfg->dim) {
        log_format(err, errlen, "%s: [problem] sparsity = %ld: more non-zeros than dim = %ld "
                "(allowed: 0..%ld)", path, cfg->problem_sparsity, cfg->dim, cfg->dim);
        return -1;
    }
    if (lin && cfg->problem_operator == OPERATOR_BLUR2D) {
        long side = lround(sqrt((double)cfg->dim));
        if (side * side != cfg->dim) {
            log_format(err, errlen, "%s: [particles] dim = %ld: operator blur2d needs a square "
                    "image, dim = side^2", path, cfg->dim);
            return -1;
        }
    }
    if (lin && (cfg->problem_operator == OPERATOR_BLUR1D ||
                cfg->problem_operator == OPERATOR_BLUR2D) &&
        cfg->problem_m != 0 && cfg->problem_m != cfg->dim) {
        log_format(err, errlen, "%s: [problem] m = %ld: a blur operator is square (allowed: 0 or "
                "dim = %ld)", path, cfg->problem_m, cfg->dim);
        return -1;
    }
    if (lin && !from_file && cfg->lambda == 0 && cfg->problem_m != 0 &&
        cfg->problem_m < cfg->dim) {
        log_format(err, errlen, "%s: [problem] m = %ld < dim = %ld with [sampler] lambda = 0: A'A "
                "is singular and the posterior is improper (allowed: m >= dim, or lambda > 0)",
                path, cfg->problem_m, cfg->dim);
        return -1;
    }
    if (lin && cfg->problem_operator == OPERATOR_FILE && cfg->problem_m != 0) {
        log_format(err, errlen, "%s: [problem] m = %ld: with operator = file m is the row count of "
                "the dataset (allowed: 0)", path, cfg->problem_m);
        return -1;
    }
    if (logi && from_file && cfg->problem_m != 0) {
        log_format(err, errlen, "%s: [problem] m = %ld: with data from files n is the row count of "
                "the dataset (allowed: 0)", path, cfg->problem_m);
        return -1;
    }
    return 0;
}

/* Load from the file `path`, or (text != NULL) from INI text labelled `path` in messages. */
static int load_impl(const char *path, const char *text, char *const *sets, int n_sets,
                     rwpo_config *cfg, char *err, size_t errlen)
{
    raw_list l = {0};
    int rc = -1;
    char loc[CONFIG_STR + 64], sug[128];
    config_defaults(cfg);

    if (text) {
        int pr = ini_parse_string(text, ini_handler_cb, &l);
        if (pr != 0 || l.failed) {
            log_format(err, errlen, "%s: line %d: syntax error in stored configuration", path, pr);
            goto out;
        }
        goto parsed;
    }
    /* a FIFO or device would block or never end: refused before it is opened */
    if (runfiles_check_regular(path, 1, err, errlen) != 0)
        return -1;
    /* libinih silently splits lines longer than its buffer: refuse them. */
    FILE *f = fopen(path, "r");
    if (!f) {
        log_format(err, errlen, "%s: cannot open configuration: %s", path, strerror(errno));
        return -1;
    }
    {
        int c, len = 0, line = 1, too_long = 0;
        while ((c = fgetc(f)) != EOF) {
            if (c == '\n') {
                line++;
                len = 0;
            } else if (++len >= 199 && !too_long) {
                too_long = line;
            } else if (c == '\0') {
                too_long = -line;
            }
        }
        fclose(f);
        if (too_long > 0) {
            log_format(err, errlen, "%s:%d: line longer than 198 characters (the INI reader's "
                    "limit); put long vectors in an HDF5 file", path, too_long);
            return -1;
        }
        if (too_long < 0) {
            log_format(err, errlen, "%s:%d: NUL byte: not a text INI file", path, -too_long);
            return -1;
        }
    }
    int pr = ini_parse(path, ini_handler_cb, &l);
    if (pr != 0 || l.failed) {
        if (pr > 0)
            log_format(err, errlen, "%s:%d: syntax error (allowed: '[section]', 'key = value', "
                    "comments starting with ';' or '#')", path, pr);
        else
            log_format(err, errlen, "%s: cannot read configuration", path);
        goto out;
    }
parsed:
    /* [sweep] (and --set sweep.*) belongs to sweep.c: a parameter study, not one run's keys. */
    {
        int m = 0;
        for (int i = 0; i < l.n; i++)
            if (strcmp(l.v[i].section, CONFIG_SWEEP_SECTION) != 0)
                l.v[m++] = l.v[i];
        l.n = m;
    }
    /* Line numbers, and keys given twice in the file. */
    for (int i = 0; i < l.n; i++) {
        int nth = 0;
        for (int j = 0; j < i; j++)
            if (strcmp(l.v[j].section, l.v[i].section) == 0 &&
                strcmp(l.v[j].key, l.v[i].key) == 0)
                nth++;
        l.v[i].line = text ? 0 : find_line(path, l.v[i].section, l.v[i].key, nth);
        if (nth > 0) {
            where(path, &l.v[i], loc, sizeof loc);
            log_format(err, errlen, "%s: [%s] %s is given twice (allowed: once per file; use "
                    "--set to override)", loc, l.v[i].section, l.v[i].key);
            goto out;
        }
    }
    for (int s = 0; s < n_sets; s++) {
        const char *a = sets[s];
        const char *dot = strchr(a, '.');
        const char *eq = strchr(a, '=');
        if (!dot || !eq || dot > eq || dot == a || eq == dot + 1) {
            log_format(err, errlen, "--set '%s': malformed (allowed: section.key=value)", a);
            goto out;
        }
        char section[64], key[64];
        snprintf(section, sizeof section, "%.*s", (int)(dot - a), a);
        snprintf(key, sizeof key, "%.*s", (int)(eq - dot - 1), dot + 1);
        if (strcmp(trim(section), CONFIG_SWEEP_SECTION) == 0)
            continue;
        char *value = strdup(eq + 1);
        if (!value || raw_add(&l, trim(section), trim(key), trim(value), -(s + 1)) != 0) {
            free(value);
            log_format(err, errlen, "out of memory");
            goto out;
        }
        free(value);
    }
    /* Unknown sections and keys. */
    for (int i = 0; i < l.n; i++) {
        const raw_entry *e = &l.v[i];
        where(path, e, loc, sizeof loc);
        if (!is_section(e->section)) {
            if (e->section[0] == '\0') {
                log_format(err, errlen, "%s: key '%s' outside any section (allowed: inside [run], "
                        "[particles], [sampler], [problem], [linalg], [sweep])", loc, e->key);
            } else {
                suggest(e->section, e->key, sug, sizeof sug);
                log_format(err, errlen, "%s: unknown section [%s] (allowed: run, particles, "
                        "sampler, problem, linalg, sweep)%s", loc, e->section, sug);
            }
            goto out;
        }
        if (!find_key(e->section, e->key)) {
            suggest(e->section, e->key, sug, sizeof sug);
            log_format(err, errlen, "%s: unknown key '%s' in [%s]%s", loc, e->key, e->section, sug);
            goto out;
        }
    }
    /* Assign in table order (the last value of each key wins), required keys present. */
    for (int i = 0; i < N_KEYS; i++) {
        const raw_entry *e = last_entry(&l, &keys[i]);
        if (!e) {
            if (!keys[i].def) {
                log_format(err, errlen, "%s: missing required key [%s] %s (%s)", path,
                        keys[i].section, keys[i].key, keys[i].help);
                goto out;
            }
            continue;
        }
        where(path, e, loc, sizeof loc);
        if (assign(cfg, &keys[i], e->value, loc, err, errlen) != 0)
            goto out;
    }
    /* Keys of another problem type. */
    for (int i = 0; i < N_KEYS; i++) {
        const raw_entry *e = last_entry(&l, &keys[i]);
        if (e && keys[i].problems && !(keys[i].problems & PB(cfg->problem))) {
            where(path, e, loc, sizeof loc);
            char owners[128] = "";
            for (int t = 0; ch_problem[t]; t++)
                if (keys[i].problems & PB(t)) {
                    size_t ol = strlen(owners);
                    snprintf(owners + ol, sizeof owners - ol, "%s%s", ol ? ", " : "",
                             ch_problem[t]);
                }
            log_format(err, errlen, "%s: [%s] %s is not a key of problem type '%s' (it belongs "
                    "to %s)", loc, keys[i].section, keys[i].key, ch_problem[cfg->problem],
                    owners);
            goto out;
        }
    }
    /* Cross-field validation. */
    {
        const raw_entry *e;
        const key_spec *k = find_key("particles", "init_mean");
        e = last_entry(&l, k);
        if (e)
            where(path, e, loc, sizeof loc);
        else
            snprintf(loc, sizeof loc, "%s", path);
        if (config_parse_vector(cfg->init_mean, cfg->dim, NULL) != 0) {
            log_format(err, errlen, "%s: [particles] init_mean = '%s': not a list of finite numbers "
                    "(allowed: 1 or d = %ld comma-separated numbers)", loc, cfg->init_mean,
                    cfg->dim);
            goto out;
        }
        k = find_key("problem", "mean");
        e = last_entry(&l, k);
        if (e)
            where(path, e, loc, sizeof loc);
        if (config_parse_vector(cfg->problem_mean, cfg->dim, NULL) != 0) {
            log_format(err, errlen, "%s: [problem] mean = '%s': not a list of finite numbers "
                    "(allowed: 1 or d = %ld comma-separated numbers)", loc, cfg->problem_mean,
                    cfg->dim);
            goto out;
        }
        e = last_entry(&l, find_key("sampler", "schedule"));
        if (e)
            where(path, e, loc, sizeof loc);
        if (parse_schedule(cfg, loc, err, errlen) != 0)
            goto out;
        if (cfg->init == INIT_FILE && cfg->init_file[0] == '\0') {
            log_format(err, errlen, "%s: [particles] init = file needs init_file = path.h5:/dataset",
                    path);
            goto out;
        }
        if (cfg->init != INIT_FILE && cfg->init_file[0] != '\0') {
            log_format(err, errlen, "%s: [particles] init_file is set but init = gaussian (allowed: "
                    "set init = file, or remove init_file)", path);
            goto out;
        }
        if (cfg->init == INIT_FILE && !strstr(cfg->init_file, ":/")) {
            log_format(err, errlen, "%s: [particles] init_file = '%s': missing dataset (allowed: "
                    "path.h5:/dataset)", path, cfg->init_file);
            goto out;
        }
        if (cfg->problem == PROBLEM_MIXTURE_LAPLACE && cfg->dim < 2) {
            log_format(err, errlen, "%s: [particles] dim = %ld: problem mixture_laplace needs "
                    "dim >= 2", path, cfg->dim);
            goto out;
        }
        if (validate_inverse(cfg, path, err, errlen) != 0)
            goto out;
        if (cfg->output[0] == '\0') {
            log_format(err, errlen, "%s: [run] output is empty (allowed: a file path)", path);
            goto out;
        }
        if ((double)cfg->n * (double)cfg->dim > 4e12) {
            log_format(err, errlen, "%s: [particles] n * dim = %g is too large", path,
                    (double)cfg->n * (double)cfg->dim);
            goto out;
        }
    }
    rc = 0;
out:
    free(l.v);
    return rc;
}

int config_key_known(const char *dotted, char *hint, size_t hintlen)
{
    const char *dot = strchr(dotted, '.');
    char section[64] = "", key[64];
    if (dot && dot - dotted < (long)sizeof section)
        snprintf(section, sizeof section, "%.*s", (int)(dot - dotted), dotted);
    snprintf(key, sizeof key, "%s", dot ? dot + 1 : dotted);
    if (dot && find_key(section, key))
        return 1;
    if (hint && hintlen)
        suggest(section, key, hint, hintlen);
    return 0;
}

int config_load(const char *path, char *const *sets, int n_sets, rwpo_config *cfg, char *err,
                size_t errlen)
{
    return load_impl(path, NULL, sets, n_sets, cfg, err, errlen);
}

int config_parse_text(const char *label, const char *text, rwpo_config *cfg, char *err,
                      size_t errlen)
{
    return load_impl(label, text ? text : "", NULL, 0, cfg, err, errlen);
}

/* Value of a key as text. */
static void value_text(const rwpo_config *cfg, const key_spec *k, char *buf, size_t n)
{
    const char *field = (const char *)cfg + k->offset;
    switch (k->kind) {
    case K_STRING:
    case K_LIST:
        snprintf(buf, n, "%s", field);
        break;
    case K_ENUM:
        snprintf(buf, n, "%s", k->choices[*(const int *)field]);
        break;
    case K_LONG:
        snprintf(buf, n, "%ld", *(const long *)field);
        break;
    case K_TIME:
        if (*(const double *)field == 0.0) {
            snprintf(buf, n, "h");
            break;
        }
        /* fall through */
    case K_DOUBLE:
        snprintf(buf, n, "%.17g", *(const double *)field);
        break;
    }
}

static int key_applies(const rwpo_config *cfg, const key_spec *k)
{
    return !k->problems || (k->problems & PB(cfg->problem));
}

void config_print(const rwpo_config *cfg, FILE *out)
{
    char *s = config_to_ini(cfg);
    fputs(s, out);
    free(s);
}

char *config_to_ini(const rwpo_config *cfg)
{
    size_t cap = 4096, len = 0;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    s[0] = '\0';
    const char *section = "";
    char val[CONFIG_LIST];
    for (int i = 0; i < N_KEYS; i++) {
        const key_spec *k = &keys[i];
        if (!key_applies(cfg, k))
            continue;
        value_text(cfg, k, val, sizeof val);
        size_t need = strlen(val) + strlen(k->key) + strlen(k->section) + 64;
        if (len + need >= cap) {
            cap = 2 * (len + need);
            char *t = realloc(s, cap);
            if (!t) {
                free(s);
                return NULL;
            }
            s = t;
        }
        if (strcmp(section, k->section) != 0) {
            len += (size_t)snprintf(s + len, cap - len, "%s[%s]\n", len ? "\n" : "", k->section);
            section = k->section;
        }
        len += (size_t)snprintf(s + len, cap - len, "%s = %s\n", k->key, val);
    }
    return s;
}

int config_params(const rwpo_config *cfg, rwpo_param **out)
{
    static char names[sizeof keys / sizeof keys[0]][160];
    rwpo_param *p = calloc((size_t)N_KEYS, sizeof *p);
    if (!p) {
        *out = NULL;
        return 0;
    }
    int n = 0;
    for (int i = 0; i < N_KEYS; i++) {
        const key_spec *k = &keys[i];
        if (!key_applies(cfg, k))
            continue;
        const char *field = (const char *)cfg + k->offset;
        snprintf(names[i], sizeof names[i], "%s.%s", k->section, k->key);
        p[n].name = names[i];
        switch (k->kind) {
        case K_STRING:
        case K_LIST:
            p[n].type = 's';
            p[n].s = field;
            break;
        case K_ENUM:
            p[n].type = 's';
            p[n].s = k->choices[*(const int *)field];
            break;
        case K_LONG:
            p[n].type = 'i';
            p[n].i = *(const long *)field;
            break;
        case K_TIME:
            if (*(const double *)field == 0.0) {
                p[n].type = 's';
                p[n].s = "h";
                break;
            }
            /* fall through */
        case K_DOUBLE:
            p[n].type = 'd';
            p[n].d = *(const double *)field;
            break;
        }
        n++;
    }
    *out = p;
    return n;
}

/* Print text with '|' escaped for a Markdown table cell. */
static void md_cell(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            fputc('\\', out);
        fputc(*s, out);
    }
}

void config_print_reference(FILE *out)
{
    fprintf(out, "| key | default | allowed | meaning |\n|---|---|---|---|\n");
    char rt[128];
    for (int i = 0; i < N_KEYS; i++) {
        const key_spec *k = &keys[i];
        if (k->kind == K_ENUM)
            choices_text(k, rt, sizeof rt);
        else if (k->kind == K_LONG || k->kind == K_DOUBLE || k->kind == K_TIME)
            range_text(k, rt, sizeof rt);
        else
            snprintf(rt, sizeof rt, "%s", k->kind == K_LIST ? "1 or d numbers" : "text");
        fprintf(out, "| %s.%s | %s | ", k->section, k->key,
                k->def ? (k->def[0] ? k->def : "(empty)") : "**required**");
        md_cell(out, rt);
        fputs(" | ", out);
        md_cell(out, k->help);
        fputs(" |\n", out);
    }
}

/* Keys that change the trajectory from a given state (restart validation): the sampler, the
 * problem, N, d and the seed. Output cadence, names, kernel tuning and init keys do not. */
static int is_physics(const key_spec *k)
{
    if (strcmp(k->section, "sampler") == 0 || strcmp(k->section, "problem") == 0)
        return 1;
    if (strcmp(k->section, "particles") == 0)
        return strcmp(k->key, "n") == 0 || strcmp(k->key, "dim") == 0;
    if (strcmp(k->section, "run") == 0)
        return strcmp(k->key, "seed") == 0;
    return 0;
}

int config_physics_diff(const rwpo_config *a, const rwpo_config *b, char *out, size_t outlen)
{
    char va[CONFIG_LIST], vb[CONFIG_LIST];
    int n = 0;
    size_t len = 0;
    if (outlen)
        out[0] = '\0';
    for (int i = 0; i < N_KEYS; i++) {
        const key_spec *k = &keys[i];
        if (!is_physics(k) || (!key_applies(a, k) && !key_applies(b, k)))
            continue;
        value_text(a, k, va, sizeof va);
        value_text(b, k, vb, sizeof vb);
        if (!key_applies(a, k))
            snprintf(va, sizeof va, "(unset)");
        if (!key_applies(b, k))
            snprintf(vb, sizeof vb, "(unset)");
        if (strcmp(va, vb) == 0)
            continue;
        if (len < outlen) {
            int w = snprintf(out + len, outlen - len, "%s%s.%s (%.40s -> %.40s)", n ? ", " : "",
                             k->section, k->key, va, vb);
            len += w > 0 ? (size_t)w : 0;
        }
        n++;
    }
    return n;
}

unsigned long long config_physics_hash(const rwpo_config *c)
{
    unsigned long long h = 1469598103934665603ULL; /* FNV-1a 64 */
    char v[CONFIG_LIST + 160];
    for (int i = 0; i < N_KEYS; i++) {
        const key_spec *k = &keys[i];
        if (!is_physics(k) || !key_applies(c, k))
            continue;
        int w = snprintf(v, sizeof v, "%s.%s=", k->section, k->key);
        value_text(c, k, v + w, sizeof v - (size_t)w);
        for (const char *p = v; *p; p++) {
            h ^= (unsigned char)*p;
            h *= 1099511628211ULL;
        }
        h ^= '\n';
        h *= 1099511628211ULL;
    }
    return h;
}
