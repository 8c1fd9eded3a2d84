/**
 * @file sweep.c
 * @brief Parameter studies: the [sweep] section, its points and one point's configuration
 *        (see sweep.h). Serial: rank 0 calls these; main.c broadcasts.
 */
#include "rwpo/cli/sweep.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "rwpo/base/log.h"
#include "rwpo/problems/problem.h"
#include "rwpo/base/runfiles.h"

typedef struct {
    char name[128];   /**< "section.key" */
    char **values;    /**< [n_values] value texts, trimmed */
    int n_values;
    int line;         /**< first line in the file (0 = from --set) */
} sweep_key_list;

struct sweep_plan {
    sweep_key_list key[SWEEP_MAX_KEYS];
    int n_keys;
    int zip;          /**< 0 = Cartesian product, 1 = zip */
    long n_points;
};

#define trim config_trim

/* ---- parsing -------------------------------------------------------------------------------- */

typedef struct {
    sweep_plan *p;
    const char *path;
    char mode[32];
    int mode_line;
    int line;         /* current line (counted by the reader callback) */
    char *err;
    size_t errlen;
    int failed;
} parse_ctx;

static sweep_key_list *key_get(sweep_plan *p, const char *name, int create)
{
    for (int j = 0; j < p->n_keys; j++)
        if (strcmp(p->key[j].name, name) == 0)
            return &p->key[j];
    if (!create || p->n_keys == SWEEP_MAX_KEYS)
        return NULL;
    sweep_key_list *k = &p->key[p->n_keys++];
    memset(k, 0, sizeof *k);
    snprintf(k->name, sizeof k->name, "%s", name);
    return k;
}

static void key_clear(sweep_key_list *k)
{
    for (int i = 0; i < k->n_values; i++)
        free(k->values[i]);
    free(k->values);
    k->values = NULL;
    k->n_values = 0;
}

/* Append the values of `text` (','-separated, or ';'-separated when it has a ';'), by the one
 * list rule of config_list_split. */
static int key_append(sweep_key_list *k, const char *text, const char *where, char *err,
                      size_t errlen)
{
    char *copy = strdup(text);
    char *items[SWEEP_MAX_VALUES + 1];
    if (!copy) {
        log_format(err, errlen, "out of memory");
        return -1;
    }
    const int n = config_list_split(copy, strchr(copy, ';') ? ';' : ',', items,
                                    SWEEP_MAX_VALUES - k->n_values);
    int rc = 0;
    if (n == -1)
        log_format(err, errlen, "%s: [sweep] %s = '%s': empty value (allowed: a list of "
                "values, e.g. 0.5, 1, 2; ';'-separated when the values are lists)", where,
                k->name, text);
    else if (n == -2)
        log_format(err, errlen, "%s: [sweep] %s: more than %d values", where, k->name,
                SWEEP_MAX_VALUES);
    for (int i = 0; i < n; i++) {
        char **nv = realloc(k->values, (size_t)(k->n_values + 1) * sizeof *nv);
        if (!nv || !(nv[k->n_values] = strdup(items[i]))) {
            if (nv)
                k->values = nv;
            log_format(err, errlen, "out of memory");
            rc = -1;
            break;
        }
        k->values = nv;
        k->n_values++;
    }
    free(copy);
    return n < 0 ? -1 : rc;
}

/* Is the swept key allowed? 0, or -1 with the reason. */
static int key_check(const char *name, const char *where, char *err, size_t errlen)
{
    char hint[160];
    if (strcmp(name, "mode") == 0)
        return 0;
    if (!config_key_known(name, hint, sizeof hint)) {
        log_format(err, errlen, "%s: [sweep] unknown key '%s' (allowed: section.key of any "
                "configuration key, or mode)%s", where, name, hint);
        return -1;
    }
    if (strcmp(name, "run.output") == 0 || strcmp(name, "run.name") == 0) {
        log_format(err, errlen, "%s: [sweep] %s cannot be swept (it is a template: use {index} or "
                "{section.key} placeholders in [run] %s)", where, name, name + 4);
        return -1;
    }
    return 0;
}

static int ini_cb(void *user, const char *section, const char *name, const char *value)
{
    parse_ctx *c = user;
    if (c->failed || strcmp(section, CONFIG_SWEEP_SECTION) != 0)
        return 1;
    char where[CONFIG_STR + 32];
    snprintf(where, sizeof where, "%s", c->path);
    if (key_check(name, where, c->err, c->errlen) != 0) {
        c->failed = 1;
        return 0;
    }
    if (strcmp(name, "mode") == 0) {
        snprintf(c->mode, sizeof c->mode, "%s", value);
        return 1;
    }
    sweep_key_list *k = key_get(c->p, name, 1);
    if (!k) {
        log_format(c->err, c->errlen, "%s: [sweep]: more than %d swept keys", c->path,
                SWEEP_MAX_KEYS);
        c->failed = 1;
        return 0;
    }
    if (key_append(k, value, where, c->err, c->errlen) != 0) {
        c->failed = 1;
        return 0;
    }
    return 1;
}

sweep_plan *sweep_plan_load(const char *path, char *const *sets, int n_sets, char *err,
                            size_t errlen)
{
    sweep_plan *p = calloc(1, sizeof *p);
    if (!p) {
        log_format(err, errlen, "out of memory");
        return NULL;
    }
    parse_ctx c = {.p = p, .path = path, .err = err, .errlen = errlen};
    if (runfiles_check_regular(path, 1, err, errlen) != 0) /* a FIFO would block */
        goto fail;
    int pr = ini_parse(path, ini_cb, &c);
    if (c.failed)
        goto fail;
    if (pr != 0) {
        rwpo_config *cfg = malloc(sizeof *cfg); /* config.c names long lines, NUL bytes, ... */
        int named = cfg && config_load(path, NULL, 0, cfg, err, errlen) != 0;
        free(cfg);
        if (named)
            goto fail;
        if (pr < 0)
            log_format(err, errlen, "%s: cannot open configuration: %s", path, strerror(errno));
        else
            log_format(err, errlen, "%s:%d: syntax error (allowed: '[section]', 'key = value', "
                    "comments starting with ';' or '#')", path, pr);
        goto fail;
    }
    /* --set sweep.section.key=v1,v2 replaces (or adds) a list; --set sweep.mode=zip */
    const size_t pl = strlen(CONFIG_SWEEP_SECTION);
    for (int s = 0; s < n_sets; s++) {
        const char *a = sets[s];
        if (strncmp(a, CONFIG_SWEEP_SECTION, pl) != 0 || a[pl] != '.')
            continue;
        const char *eq = strchr(a, '=');
        char name[128];
        if (!eq || eq - (a + pl + 1) <= 0 || eq - (a + pl + 1) >= (long)sizeof name) {
            log_format(err, errlen, "--set '%s': malformed (allowed: sweep.section.key=v1,v2,...)",
                    a);
            goto fail;
        }
        snprintf(name, sizeof name, "%.*s", (int)(eq - (a + pl + 1)), a + pl + 1);
        char *nm = trim(name);
        if (key_check(nm, "--set", err, errlen) != 0)
            goto fail;
        if (strcmp(nm, "mode") == 0) {
            snprintf(c.mode, sizeof c.mode, "%s", eq + 1);
            continue;
        }
        sweep_key_list *k = key_get(p, nm, 1);
        if (!k) {
            log_format(err, errlen, "--set '%s': more than %d swept keys", a, SWEEP_MAX_KEYS);
            goto fail;
        }
        key_clear(k);
        if (key_append(k, eq + 1, "--set", err, errlen) != 0)
            goto fail;
    }
    char *mode = trim(c.mode);
    if (*mode == '\0' || strcmp(mode, "product") == 0) {
        p->zip = 0;
    } else if (strcmp(mode, "zip") == 0) {
        p->zip = 1;
    } else {
        log_format(err, errlen, "%s: [sweep] mode = '%s': not allowed (allowed: product | zip)",
                path, mode);
        goto fail;
    }
    if (p->n_keys == 0) {
        if (*mode) {
            log_format(err, errlen, "%s: [sweep] has a mode but no keys to sweep (allowed: "
                    "section.key = v1, v2, ...)", path);
            goto fail;
        }
        p->n_points = 0;
        return p;
    }
    p->n_points = p->zip ? p->key[0].n_values : 1;
    for (int j = 0; j < p->n_keys; j++) {
        const sweep_key_list *k = &p->key[j];
        if (p->zip && k->n_values != p->key[0].n_values) {
            log_format(err, errlen, "%s: [sweep] mode = zip needs lists of equal length: %s has "
                    "%d values, %s has %d", path, p->key[0].name, p->key[0].n_values, k->name,
                    k->n_values);
            goto fail;
        }
        if (!p->zip) {
            if ((double)p->n_points * k->n_values > (double)SWEEP_MAX_POINTS) {
                log_format(err, errlen, "%s: [sweep] the product has more than %ld points "
                        "(split the study into several configurations)", path,
                        SWEEP_MAX_POINTS);
                goto fail;
            }
            p->n_points *= k->n_values;
        }
    }
    return p;
fail:
    sweep_plan_destroy(p);
    return NULL;
}

void sweep_plan_destroy(sweep_plan *p)
{
    if (!p)
        return;
    for (int j = 0; j < p->n_keys; j++)
        key_clear(&p->key[j]);
    free(p);
}

long sweep_count(const sweep_plan *p) { return p ? p->n_points : 0; }
int sweep_n_keys(const sweep_plan *p) { return p ? p->n_keys : 0; }
const char *sweep_key(const sweep_plan *p, int j) { return p->key[j].name; }

const char *sweep_value(const sweep_plan *p, long k, int j)
{
    if (p->zip)
        return p->key[j].values[k];
    /* row-major: the last key varies fastest */
    for (int i = p->n_keys - 1; i > j; i--)
        k /= p->key[i].n_values;
    return p->key[j].values[k % p->key[j].n_values];
}

/* ---- one point ------------------------------------------------------------------------------ */

/* Expand {index}, {name} and {section.key} of swept keys in tpl. 0, or -1 with the reason. */
static int expand(const sweep_plan *p, long k, const char *what, const char *tpl,
                  const char *name, char *out, size_t outlen, char *err, size_t errlen)
{
    size_t len = 0;
    for (const char *s = tpl; *s;) {
        const char *piece = NULL;
        char num[32], ph[160];
        size_t plen = 1;
        if (*s == '{') {
            const char *close = strchr(s, '}');
            if (!close || (size_t)(close - s - 1) >= sizeof ph) {
                log_format(err, errlen, "[run] %s = '%s': unclosed '{' (allowed placeholders: "
                        "{index}, {name}, {section.key} of a swept key)", what, tpl);
                return -1;
            }
            snprintf(ph, sizeof ph, "%.*s", (int)(close - s - 1), s + 1);
            plen = (size_t)(close - s) + 1;
            if (strcmp(ph, "index") == 0) {
                snprintf(num, sizeof num, "%ld", k);
                piece = num;
            } else if (strcmp(ph, "name") == 0 && name) {
                piece = name;
            } else {
                for (int j = 0; j < p->n_keys; j++)
                    if (strcmp(p->key[j].name, ph) == 0)
                        piece = sweep_value(p, k, j);
                if (!piece) {
                    char keys[512] = "";
                    for (int j = 0; j < p->n_keys; j++) {
                        size_t l = strlen(keys);
                        snprintf(keys + l, sizeof keys - l, ", {%s}", p->key[j].name);
                    }
                    log_format(err, errlen, "[run] %s = '%s': unknown placeholder {%s} (allowed: "
                            "{index}%s%s)", what, tpl, ph, name ? ", {name}" : "", keys);
                    return -1;
                }
            }
        }
        size_t n = piece ? strlen(piece) : 1;
        if (len + n >= outlen) {
            log_format(err, errlen, "[run] %s = '%s': expanded value too long (at most %zu "
                    "characters)", what, tpl, outlen - 1);
            return -1;
        }
        memcpy(out + len, piece ? piece : s, n);
        len += n;
        s += plen;
    }
    out[len] = '\0';
    return 0;
}

/* config_load, then the rules of the problem's inputs (problem_check_config): everything that
 * is checked before a file is opened. 0, or -1 with the reason in err. */
static int load_checked(const char *path, char *const *sets, int n_sets, rwpo_config *cfg,
                        char *err, size_t errlen)
{
    if (config_load(path, sets, n_sets, cfg, err, errlen) != 0)
        return -1;
    return problem_check_config(cfg, path, err, errlen);
}

int sweep_point_config(const sweep_plan *p, const char *path, char *const *sets, int n_sets,
                       long k, rwpo_config *cfg, char *err, size_t errlen)
{
    const int nk = p ? p->n_keys : 0;
    char **all = calloc((size_t)(nk + n_sets + 1), sizeof *all);
    char msg[CONFIG_ERR], head[CONFIG_STR] = "";
    int rc = -1, n = 0;
    if (!all) {
        log_format(err, errlen, "out of memory");
        return -1;
    }
    for (int j = 0; j < nk; j++) {
        size_t hl = strlen(head);
        snprintf(head + hl, sizeof head - hl, "%s%s = %s", j ? ", " : "", p->key[j].name,
                 sweep_value(p, k, j));
        size_t need = strlen(p->key[j].name) + strlen(sweep_value(p, k, j)) + 2;
        if (!(all[n] = malloc(need)))
            goto out;
        snprintf(all[n++], need, "%s=%s", p->key[j].name, sweep_value(p, k, j));
    }
    for (int s = 0; s < n_sets; s++) {
        for (int j = 0; j < nk; j++) {
            size_t l = strlen(p->key[j].name);
            if (strncmp(sets[s], p->key[j].name, l) == 0 &&
                (sets[s][l] == '=' || sets[s][l] == ' ')) {
                log_format(err, errlen, "--set %s: %s is swept in [sweep] (allowed: change its "
                        "list with --set sweep.%s=v1,v2,...)", sets[s], p->key[j].name,
                        p->key[j].name);
                goto out;
            }
        }
        all[n++] = sets[s];
    }
    if (load_checked(path, all, n, cfg, msg, sizeof msg) != 0) {
        const char *m = msg; /* a swept value's error is located by the point, not "--set" */
        for (int j = 0; j < nk; j++) {
            size_t l = strlen(p->key[j].name);
            if (strncmp(msg, "--set ", 6) == 0 && strncmp(msg + 6, p->key[j].name, l) == 0 &&
                strncmp(msg + 6 + l, ": ", 2) == 0)
                m = msg + 8 + l;
        }
        if (nk)
            log_format(err, errlen, "%s: [sweep] point %ld (%s): %s", path, k, head, m);
        else
            log_format(err, errlen, "%s", msg);
        goto out;
    }
    if (nk) {
        char nbuf[sizeof cfg->name], buf[CONFIG_STR];
        if (expand(p, k, "name", cfg->name, NULL, nbuf, sizeof nbuf, msg, sizeof msg) != 0)
            goto bad;
        memcpy(cfg->name, nbuf, sizeof nbuf);
        if (expand(p, k, "output", cfg->output, cfg->name, buf, sizeof buf, msg, sizeof msg))
            goto bad;
        snprintf(cfg->output, sizeof cfg->output, "%s", buf);
    }
    rc = 0;
    goto out;
bad:
    log_format(err, errlen, "%s: sweep point %ld: %s", path, k, msg);
out:
    for (int j = 0; j < nk && j < n; j++)
        free(all[j]);
    free(all);
    return rc;
}

/* ---- the whole sweep ------------------------------------------------------------------------ */

typedef struct {
    char *norm; /* normalised output path */
    long k;
} out_entry;

static int cmp_out(const void *a, const void *b)
{
    const out_entry *x = a, *y = b;
    int c = strcmp(x->norm, y->norm);
    return c ? c : (x->k > y->k) - (x->k < y->k);
}

/* The output path with its directory resolved when it exists ("out/../out/a.h5" = "out/a.h5"). */
static char *normalise(const char *path)
{
    char dir[CONFIG_STR], real[PATH_MAX];
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (slash)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path) + (slash == path), path);
    else
        snprintf(dir, sizeof dir, ".");
    if (!realpath(dir, real))
        return strdup(path);
    size_t n = strlen(real) + strlen(base) + 2;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s/%s", strcmp(real, "/") == 0 ? "" : real, base);
    return s;
}

int sweep_check(const sweep_plan *p, const char *path, char *const *sets, int n_sets,
                FILE *out, char *err, size_t errlen)
{
    const long n = sweep_count(p);
    out_entry *e = calloc((size_t)(n ? n : 1), sizeof *e);
    rwpo_config *cfg = malloc(sizeof *cfg);
    int rc = -1;
    long done = 0;
    if (!e || !cfg) {
        log_format(err, errlen, "out of memory");
        goto out;
    }
    if (out) {
        fprintf(out, "index");
        for (int j = 0; j < p->n_keys; j++)
            fprintf(out, "  %s", p->key[j].name);
        fprintf(out, "  output\n");
    }
    for (long k = 0; k < n; k++) {
        if (sweep_point_config(p, path, sets, n_sets, k, cfg, err, errlen) != 0)
            goto out;
        if (!(e[k].norm = normalise(cfg->output))) {
            log_format(err, errlen, "out of memory");
            goto out;
        }
        e[k].k = k;
        done = k + 1;
        if (out) {
            fprintf(out, "%ld", k);
            for (int j = 0; j < p->n_keys; j++)
                fprintf(out, "  %s", sweep_value(p, k, j));
            fprintf(out, "  %s\n", cfg->output);
        }
    }
    qsort(e, (size_t)n, sizeof *e, cmp_out);
    for (long k = 1; k < n; k++)
        if (strcmp(e[k - 1].norm, e[k].norm) == 0) {
            sweep_point_config(p, path, sets, n_sets, e[k].k, cfg, err, errlen);
            log_format(err, errlen, "%s: [sweep] points %ld and %ld both write %s (allowed: a "
                    "[run] output template that differs per point, e.g. with {index} or "
                    "{%s})", path, e[k - 1].k, e[k].k, cfg->output, p->key[0].name);
            goto out;
        }
    rc = 0;
out:
    for (long k = 0; k < done; k++)
        free(e[k].norm);
    free(e);
    free(cfg);
    return rc;
}

int sweep_parse_index(const char *spec, long *k, char *err, size_t errlen)
{
    const char *v = spec, *what = "--sweep-index";
    if (strcmp(spec, "env") == 0) {
        v = getenv("SLURM_ARRAY_TASK_ID");
        what = "--sweep-index env: SLURM_ARRAY_TASK_ID";
        if (!v || !*v) {
            log_format(err, errlen, "--sweep-index env: SLURM_ARRAY_TASK_ID is not set (allowed: "
                    "inside a SLURM job array, sbatch --array=0-N-1; or give the index)");
            return -1;
        }
    }
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (end == v || *end != '\0' || errno != 0 || x < 0) {
        log_format(err, errlen, "%s = '%s': not an index (allowed: an integer >= 0, or env)", what,
                v);
        return -1;
    }
    *k = x;
    return 0;
}

int sweep_config_load(const char *path, char *const *sets, int n_sets, const char *index_spec,
                      rwpo_config *cfg, long *point, char *err, size_t errlen)
{
    *point = -1;
    sweep_plan *p = sweep_plan_load(path, sets, n_sets, err, errlen);
    if (!p)
        return -1;
    int rc = -1;
    const long n = sweep_count(p);
    long k = 0;
    if (n == 0) {
        if (index_spec) {
            log_format(err, errlen, "--sweep-index %s: %s has no [sweep] section (allowed: "
                    "--sweep-index only with a sweep configuration)", index_spec, path);
            goto out;
        }
        rc = load_checked(path, sets, n_sets, cfg, err, errlen);
        goto out;
    }
    if (!index_spec) {
        log_format(err, errlen, "%s has a [sweep] of %ld points: choose one with --sweep-index K "
                "(0..%ld) or --sweep-index env (see rwpo sweep %s --list)", path, n, n - 1, path);
        goto out;
    }
    if (sweep_parse_index(index_spec, &k, err, errlen) != 0)
        goto out;
    if (k >= n) {
        log_format(err, errlen, "--sweep-index %ld: out of range (%s has %ld points: 0..%ld)", k,
                path, n, n - 1);
        goto out;
    }
    if (sweep_check(p, path, sets, n_sets, NULL, err, errlen) != 0 ||
        sweep_point_config(p, path, sets, n_sets, k, cfg, err, errlen) != 0)
        goto out;
    *point = k;
    rc = 0;
out:
    sweep_plan_destroy(p);
    return rc;
}
