/**
 * @file config.c
 * @brief Reading the INI configuration: the key table (config_keys.c) drives parsing and the
 *        checks of every value (see config.h); config_text.c turns the result back into text.
 *
 * Order of precedence: table defaults < INI file < --set section.key=value (in order given).
 * Strict: unknown sections and keys (with a "did you mean"), keys given twice, missing required
 * keys, non-numbers, NaN/Inf, out-of-range values, keys of another problem type are errors. The
 * rules of a problem's own inputs (operator, data files) are checked by the problems layer
 * (problem_check_config), called by whoever loads a configuration to run or check it.
 */
#include "rwpo/base/config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "config_keys.h"
#include "rwpo/base/log.h"
#include "rwpo/base/runfiles.h"

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
    for (int i = 0; i < config_n_keys; i++)
        if (strcmp(config_keys[i].section, s) == 0)
            return 1;
    return 0;
}

static const key_spec *find_key(const char *section, const char *key)
{
    for (int i = 0; i < config_n_keys; i++) {
        const key_spec *k = &config_keys[i];
        if (strcmp(k->section, section) == 0 && strcmp(k->key, key) == 0)
            return k;
    }
    return NULL;
}

static void suggest(const char *section, const char *key, char *buf, size_t n)
{
    int best = 99;
    const key_spec *bk = NULL;
    for (int i = 0; i < config_n_keys; i++) {
        const key_spec *k = &config_keys[i];
        int dist = levenshtein(k->key, key) + (strcmp(k->section, section) != 0);
        if (dist < best) {
            best = dist;
            bk = k;
        }
    }
    if (bk && best <= 3)
        snprintf(buf, n, " (did you mean %s.%s?)", bk->section, bk->key);
    else
        snprintf(buf, n, " (see 'rwpo check' for the list of keys)");
}

char *config_trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

#define trim config_trim

int config_list_split(char *text, char sep, char **items, int max)
{
    int n = 0;
    for (char *s = text;;) {
        char *next = strchr(s, sep);
        if (next)
            *next = '\0';
        char *v = config_trim(s);
        if (*v == '\0')
            return -1;
        if (n == max)
            return -2;
        items[n++] = v;
        if (!next)
            return n;
        s = next + 1;
    }
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
    enum { MAX_ITEMS = 1 << 16 };
    static char *items[MAX_ITEMS];
    const int count = config_list_split(copy, ',', items, MAX_ITEMS);
    int bad = count <= 0 || (count != 1 && count != d);
    for (int i = 0; !bad && i < count; i++) {
        double v;
        if (parse_double(items[i], &v) != 0)
            bad = 1;
        else if (i < d && out)
            out[i] = v;
    }
    free(copy);
    if (bad)
        return -1;
    if (count == 1 && out)
        for (long k = 1; k < d; k++)
            out[k] = out[0];
    return 0;
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

/* The verdict on a number of key k: r as returned by parse_long / parse_double, v its value.
 * 0, or -1 with err set (NaN or Inf, not a number, out of range). */
static int check_number(const key_spec *k, const char *value, int r, double v, const char *loc,
                        char *err, size_t errlen)
{
    const char *what = k->kind == K_LONG ? "an integer" : "a number";
    char rt[128];
    config_key_range_text(k, rt, sizeof rt);
    if (r == -2)
        log_format(err, errlen, "%s: [%s] %s = '%s': NaN and Inf are not allowed (allowed: %s "
                   "%s)", loc, k->section, k->key, value, what, rt);
    else if (r != 0)
        log_format(err, errlen, "%s: [%s] %s = '%s': not %s (allowed: %s %s%s)", loc, k->section,
                   k->key, value, what, what, rt, k->kind == K_TIME ? ", or 'h'" : "");
    else if (!in_range(k, v))
        log_format(err, errlen, "%s: [%s] %s = %s: out of range (allowed: %s)", loc, k->section,
                   k->key, value, rt);
    else
        return 0;
    return -1;
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
        config_key_choices_text(k, rt, sizeof rt);
        log_format(err, errlen, "%s: [%s] %s = '%s': not allowed (allowed: %s)", loc, k->section,
                k->key, value, rt);
        return -1;
    case K_LONG: {
        long v = 0;
        const int r = parse_long(value, &v);
        if (check_number(k, value, r, (double)v, loc, err, errlen) != 0)
            return -1;
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
        double v = 0.0;
        const int r = parse_double(value, &v);
        if (check_number(k, value, r, v, loc, err, errlen) != 0)
            return -1;
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
    for (int i = 0; i < config_n_keys; i++) {
        const key_spec *k = &config_keys[i];
        if (k->def)
            (void)assign(cfg, k, k->def, "default", err, sizeof err);
    }
}

static int parse_schedule(rwpo_config *cfg, const char *loc, char *err, size_t errlen)
{
    cfg->n_schedule = 0;
    if (cfg->schedule[strspn(cfg->schedule, " \t")] == '\0')
        return 0; /* no schedule */
    char *copy = strdup(cfg->schedule);
    if (!copy)
        return -1;
    char *items[CONFIG_MAX_SCHEDULE];
    const int n = config_list_split(copy, ',', items, CONFIG_MAX_SCHEDULE);
    int rc = n < 0 ? -1 : 0;
    long last = 0;
    for (int i = 0; rc == 0 && i < n; i++) {
        char *colon = strchr(items[i], ':');
        long layer;
        double h;
        if (!colon)
            rc = -1;
        else {
            *colon = '\0';
            if (parse_long(config_trim(items[i]), &layer) != 0 ||
                parse_double(config_trim(colon + 1), &h) != 0 || layer < 1 ||
                !(h >= CONFIG_MIN_STEP) || layer <= last)
                rc = -1;
        }
        if (rc == 0) {
            cfg->schedule_layer[cfg->n_schedule] = layer;
            cfg->schedule_h[cfg->n_schedule] = h;
            cfg->n_schedule++;
            last = layer;
        }
    }
    if (rc != 0)
        log_format(err, errlen,
                "%s: [sampler] schedule = '%s': bad entry (allowed: up to %d entries "
                "'layer:h' separated by commas, no empty entry, with layer >= 1 increasing and "
                "h >= %g, e.g. '50:0.025')", loc, cfg->schedule, CONFIG_MAX_SCHEDULE,
                CONFIG_MIN_STEP);
    free(copy);
    return rc;
}

void config_step(const rwpo_config *cfg, long k, double *h, double *T)
{
    double hk = cfg->h;
    for (int s = 0; s < cfg->n_schedule; s++)
        if (k >= cfg->schedule_layer[s])
            hk = cfg->schedule_h[s];
    if (cfg->h_follows == H_FOLLOWS_BANDWIDTH) {
        const double r = config_bandwidth(cfg, k) / config_bandwidth(cfg, 1);
        hk *= r * r;
    }
    *h = hk;
    *T = cfg->T > 0 ? cfg->T : hk;
}

double config_bandwidth(const rwpo_config *cfg, long k)
{
    const double s0 = cfg->bandwidth_start > 0 ? cfg->bandwidth_start : cfg->bandwidth;
    const long n = cfg->bandwidth_layers;
    if (n < 2 || k <= 1)
        return n < 2 ? cfg->bandwidth : s0;
    if (k >= n)
        return cfg->bandwidth;
    return s0 * pow(cfg->bandwidth / s0, (double)(k - 1) / (double)(n - 1));
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

/* Whether `key = value` survives config_to_ini and the INI reader: at most 198 characters, no
 * inline comment marker (white space then ';'), no line break. */
static int storable(const char *key, const char *value)
{
    if (strlen(key) + 3 + strlen(value) > 198 || strpbrk(value, "\r\n"))
        return 0;
    for (const char *c = strchr(value, ';'); c; c = strchr(c + 1, ';'))
        if (c > value && isspace((unsigned char)c[-1]))
            return 0;
    return 1;
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
        if (value && !storable(trim(key), trim(value))) {
            log_format(err, errlen, "--set '%s': the value cannot be stored in the run file's "
                    "configuration, which restarts read back (allowed: a line 'key = value' of "
                    "at most 198 characters, without a ' ;' comment marker or a line break; put "
                    "long vectors in an HDF5 file)", a);
            free(value);
            goto out;
        }
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
    for (int i = 0; i < config_n_keys; i++) {
        const key_spec *k = &config_keys[i];
        const raw_entry *e = last_entry(&l, k);
        if (!e) {
            if (!k->def) {
                log_format(err, errlen, "%s: missing required key [%s] %s (%s)", path,
                        k->section, k->key, k->help);
                goto out;
            }
            continue;
        }
        where(path, e, loc, sizeof loc);
        if (assign(cfg, k, e->value, loc, err, errlen) != 0)
            goto out;
    }
    /* Keys of another problem type or sampler method. */
    for (int i = 0; i < config_n_keys; i++) {
        const key_spec *k = &config_keys[i];
        const raw_entry *e = last_entry(&l, k);
        if (e && !config_key_applies(cfg, k)) {
            where(path, e, loc, sizeof loc);
            /* the part that excludes the key: the problem type, else the method */
            const int by_problem = (k->problems & PB_ALL) && !(k->problems & PB(cfg->problem));
            const char *const *names = by_problem ? config_problem_names
                                                  : find_key("sampler", "method")->choices;
            char owners[128] = "";
            for (int t = 0; names[t]; t++)
                if (k->problems & (by_problem ? PB(t) : MB(t))) {
                    size_t ol = strlen(owners);
                    snprintf(owners + ol, sizeof owners - ol, "%s%s", ol ? ", " : "", names[t]);
                }
            log_format(err, errlen, "%s: [%s] %s is not a key of %s '%s' (it belongs to %s)", loc,
                       k->section, k->key, by_problem ? "problem type" : "sampler.method",
                       names[by_problem ? (int)cfg->problem : (int)cfg->method], owners);
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
        if (cfg->method == METHOD_GIBBS_LASSO && cfg->problem != PROBLEM_LINEAR) {
            log_format(err, errlen, "%s: [sampler] method = gibbs_lasso needs problem.type = "
                    "linear (got %s)", path, config_problem_names[cfg->problem]);
            goto out;
        }
        if (cfg->method == METHOD_GIBBS_LASSO && cfg->dim > CONFIG_GIBBS_MAX_DIM) {
            log_format(err, errlen, "%s: [particles] dim = %ld: method gibbs_lasso allows dim <= "
                    "%d (a dim x dim Cholesky per particle and sweep)", path, cfg->dim,
                    CONFIG_GIBBS_MAX_DIM);
            goto out;
        }
        for (int c = 0; c < 2 && cfg->correct == CORRECT_NONE; c++) {
            const key_spec *kc = find_key("sampler", c ? "correct_h" : "correct_steps");
            e = last_entry(&l, kc);
            if (e && strcmp(e->value, kc->def) != 0) { /* the stored text holds the defaults */
                where(path, e, loc, sizeof loc);
                log_format(err, errlen, "%s: [sampler] %s = '%s' needs correct = pmala (allowed: "
                        "set correct = pmala, or remove %s)", loc, kc->key, e->value, kc->key);
                goto out;
            }
        }
        if (cfg->h_follows == H_FOLLOWS_BANDWIDTH && cfg->n_schedule > 0) {
            log_format(err, errlen, "%s: [sampler] h_follows = bandwidth with schedule = '%s': "
                       "the step sizes come from the bandwidth (allowed: remove the schedule, or "
                       "h_follows = none)", path, cfg->schedule);
            goto out;
        }
        if (cfg->h_follows == H_FOLLOWS_BANDWIDTH) { /* sd_k is monotone: the ends bound h_k */
            const double r = config_bandwidth(cfg, cfg->layers) / config_bandwidth(cfg, 1);
            if (!(cfg->h * r * r >= CONFIG_MIN_STEP)) {
                log_format(err, errlen, "%s: [sampler] h_follows = bandwidth: h = %g scaled by "
                           "(bandwidth / bandwidth_start)^2 = %g falls below %g at the last "
                           "layer (allowed: a larger h or bandwidth)", path, cfg->h, r * r,
                           CONFIG_MIN_STEP);
                goto out;
            }
        }
        for (int c = 0; c < 4 && cfg->method == METHOD_RWPO_L1; c++) {
            /* keys of the preconditioned layer given without it (the stored text holds the
             * defaults) */
            static const char *const pk[] = {"precondition_source", "precondition_every",
                                             "precondition_l1", "gamma"};
            static const char *const need[] = {"diagonal or full", "diagonal or full", "full",
                                               "full and precondition_l1 = moreau"};
            const int off = c < 2 ? cfg->precondition == PRECOND_NONE
                            : c < 3 ? cfg->precondition != PRECOND_FULL
                                    : cfg->precondition != PRECOND_FULL ||
                                          cfg->precondition_l1 != PRECOND_L1_MOREAU;
            const key_spec *kc = find_key("sampler", pk[c]);
            e = last_entry(&l, kc);
            if (off && e && strcmp(e->value, kc->def) != 0) {
                where(path, e, loc, sizeof loc);
                log_format(err, errlen, "%s: [sampler] %s = '%s' needs precondition = %s with "
                        "method rwpo_l1 (allowed: set precondition, or remove %s)", loc, kc->key,
                        e->value, need[c], kc->key);
                goto out;
            }
        }
        if (cfg->precondition != PRECOND_NONE &&
            cfg->precondition_source == PRECOND_HESSIAN && cfg->problem != PROBLEM_LINEAR) {
            log_format(err, errlen, "%s: [sampler] precondition_source = hessian needs "
                    "problem.type = linear (got %s; allowed for other problems: covariance)",
                    path, config_problem_names[cfg->problem]);
            goto out;
        }
        if (cfg->attention == ATTENTION_FGT && cfg->weights == WEIGHTS_JOINT) {
            log_format(err, errlen, "%s: [run] attention = fgt needs sampler.weights = "
                    "coordinatewise (allowed for joint weights: direct or auto)", path);
            goto out;
        }
        if (cfg->attention == ATTENTION_FGT && cfg->precondition != PRECOND_NONE) {
            log_format(err, errlen, "%s: [run] attention = fgt needs sampler.precondition = none "
                    "(the transform has one lambda for every coordinate; allowed with a "
                    "preconditioner: direct or auto, which then sums directly)", path);
            goto out;
        }
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
