/**
 * @file summary.c
 * @brief `rwpo summarize` (see summary.h): status and final observables of many run files.
 *
 * Status, steps and the stored configuration come from probe_file, the observables of the last
 * recorded layer from probe_last_observables (both serial and read-only, in src/io: no HDF5
 * here). The stored configuration (resolved INI text) gives the parameter values.
 */
#include "rwpo/cli/summary.h"

#include <dirent.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rwpo/base/config.h"
#include "rwpo/base/log.h"
#include "rwpo/base/runfiles.h"
#include "rwpo/cli/compare.h"
#include "rwpo/cli/sweep.h"
#include "rwpo/io/probe.h"
#include "rwpo/run/ckpt.h"

#define OBS_MAX_WIDTH 4 /* vectors longer than this (mean, std: [d]) stay out of the table */

typedef struct {
    char *name;
    char *value;
} kv;

typedef struct {
    long index;          /* sweep point, -1 for a file given directly */
    char *file;
    const char *status;
    long layers_done, layers, ck_layer;
    kv *params;          /* parameter columns (name, value text) */
    int n_params;
    kv *all;             /* the stored configuration (section.key, value) */
    int n_all;
    kv *obs;             /* observable columns (name, value text) */
    int n_obs;
} row;

typedef struct {
    char **v;
    int n;
} strlist;

static char *xstrdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d) {
        fprintf(stderr, "rwpo: error: out of memory\n");
        exit(2);
    }
    return d;
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fprintf(stderr, "rwpo: error: out of memory\n");
        exit(2);
    }
    return q;
}

static void kv_add(kv **v, int *n, const char *name, const char *value)
{
    *v = xrealloc(*v, (size_t)(*n + 1) * sizeof **v);
    (*v)[*n].name = xstrdup(name);
    (*v)[*n].value = xstrdup(value);
    (*n)++;
}

static const char *kv_get(const kv *v, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(v[i].name, name) == 0)
            return v[i].value;
    return NULL;
}

static void kv_free(kv *v, int n)
{
    for (int i = 0; i < n; i++) {
        free(v[i].name);
        free(v[i].value);
    }
    free(v);
}

static void strlist_add_unique(strlist *l, const char *s)
{
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0)
            return;
    l->v = xrealloc(l->v, (size_t)(l->n + 1) * sizeof *l->v);
    l->v[l->n++] = xstrdup(s);
}

static void strlist_free(strlist *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

/* A number printed shortest (%.15g when it reads back, else %.17g); other text unchanged. */
static void tidy_value(const char *in, char *out, size_t n)
{
    char *end;
    double v = strtod(in, &end);
    if (end != in && *end == '\0' && isfinite(v)) {
        snprintf(out, n, "%.15g", v);
        if (strtod(out, NULL) != v)
            snprintf(out, n, "%.17g", v);
    } else {
        snprintf(out, n, "%s", in);
    }
}

static int ini_all_cb(void *user, const char *section, const char *name, const char *value)
{
    row *r = user;
    char key[256], val[CONFIG_LIST];
    snprintf(key, sizeof key, "%s.%s", section, name);
    tidy_value(value, val, sizeof val);
    kv_add(&r->all, &r->n_all, key, val);
    return 1;
}

/* ---- final observables ------------------------------------------------------------------- */

/* One observable's last row as columns: scalars and vectors of up to OBS_MAX_WIDTH entries
 * (name_1..name_w); mean and std ([d] each) and unreadable ones are left out. */
static void obs_cb(const probe_observable *o, void *user)
{
    row *r = user;
    if (o->problem || strcmp(o->name, "mean") == 0 || strcmp(o->name, "std") == 0 ||
        o->width < 1 || o->width > OBS_MAX_WIDTH)
        return;
    for (long i = 0; i < o->width; i++) {
        char col[300], val[40];
        if (o->rank == 2 && o->width > 1)
            snprintf(col, sizeof col, "%s_%ld", o->name, i + 1);
        else
            snprintf(col, sizeof col, "%s", o->name);
        snprintf(val, sizeof val, "%.10g", o->value[i]);
        kv_add(&r->obs, &r->n_obs, col, val);
    }
}

/* ---- one run ------------------------------------------------------------------------------ */

/* The file holding the run's latest state: the last segment STEM.segK.h5, else the file. */
static void latest_segment(const char *path, char *out, size_t n)
{
    char seg[CONFIG_STR + 32];
    snprintf(out, n, "%s", path);
    for (int k = 1; k <= RUNFILES_MAX_SEGMENT; k++) {
        runfiles_segment(path, k, seg, sizeof seg);
        if (access(seg, F_OK) != 0)
            break;
        snprintf(out, n, "%s", seg);
    }
}

/* The reference columns of a run (compare.h): added as observable columns. */
static void ref_cb(const char *name, const char *value, void *user)
{
    row *r = user;
    kv_add(&r->obs, &r->n_obs, name, value);
}

static void read_row(row *r, const compare_ref *ref)
{
    char err[1024], latest[CONFIG_STR + 32], ck[CONFIG_STR + 32];
    r->layers_done = 0;
    r->layers = -1;
    r->ck_layer = -1;
    runfiles_checkpoints(r->file, ck, NULL, NULL, sizeof ck);
    probe_info pi;
    if (access(ck, F_OK) == 0 && probe_file(ck, &pi, err, sizeof err) == 0) {
        if (pi.is_checkpoint)
            r->ck_layer = (long)pi.ck_layer;
        probe_free(&pi);
    }
    if (access(r->file, F_OK) != 0) {
        r->status = "missing";
        return;
    }
    latest_segment(r->file, latest, sizeof latest);
    if (probe_file(latest, &pi, err, sizeof err) != 0) {
        fprintf(stderr, "rwpo: warning: %s\n", err);
        r->status = "damaged";
        return;
    }
    static const char *const known[] = {"complete", "stopped", "failed", "running"};
    r->status = "running";
    for (int i = 0; i < 4; i++)
        if (pi.status && strcmp(pi.status, known[i]) == 0)
            r->status = known[i];
    if (pi.n_rec > 0)
        r->layers_done = (long)pi.steps[pi.n_rec - 1];
    if (r->ck_layer > r->layers_done)
        r->layers_done = r->ck_layer;
    ini_parse_string(pi.config_ini, ini_all_cb, r);
    const char *L = kv_get(r->all, r->n_all, "run.layers");
    if (L)
        r->layers = strtol(L, NULL, 10);
    probe_free(&pi);
    probe_last_observables(latest, obs_cb, r);
    if (ref && compare_columns(ref, latest, ref_cb, r, err, sizeof err) != 0)
        fprintf(stderr, "rwpo: warning: not compared with the reference: %s\n", err);
}

/* ---- inputs ------------------------------------------------------------------------------- */

static int ends_with(const char *s, const char *suffix)
{
    size_t l = strlen(s), m = strlen(suffix);
    return l >= m && strcmp(s + l - m, suffix) == 0;
}

/* A run file of a directory listing: *.h5 but not checkpoints or continuation segments. */
static int is_run_file(const char *name)
{
    if (!ends_with(name, ".h5") || ends_with(name, ".ckpt.h5") ||
        ends_with(name, ".ckpt.prev.h5") || ends_with(name, ".ckpt.tmp.h5"))
        return 0;
    const char *seg = strstr(name, ".seg");
    if (seg) {
        const char *p = seg + 4;
        while (*p >= '0' && *p <= '9')
            p++;
        if (p > seg + 4 && strcmp(p, ".h5") == 0)
            return 0;
    }
    return 1;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int collect_inputs(const summary_request *req, strlist *files, char *err, size_t errlen)
{
    for (int i = 0; i < req->n_inputs; i++) {
        const char *in = req->inputs[i];
        struct stat sb;
        if (stat(in, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            DIR *d = opendir(in);
            if (!d) {
                log_format(err, errlen, "%s: cannot read directory: %s", in, strerror(errno));
                return -1;
            }
            strlist names = {0};
            for (struct dirent *e; (e = readdir(d));)
                if (is_run_file(e->d_name))
                    strlist_add_unique(&names, e->d_name);
            closedir(d);
            if (names.n > 1)
                qsort(names.v, (size_t)names.n, sizeof *names.v, cmp_str);
            for (int k = 0; k < names.n; k++) {
                char p[CONFIG_STR * 2];
                snprintf(p, sizeof p, "%s%s%s", in, ends_with(in, "/") ? "" : "/", names.v[k]);
                strlist_add_unique(files, p);
            }
            strlist_free(&names);
        } else {
            strlist_add_unique(files, in); /* a missing file gets the status "missing" */
        }
    }
    return 0;
}

/* Same file? (after resolving both paths; a lexical comparison when one does not exist) */
static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    return strcmp(a, b) == 0;
}

/* ---- CSV ---------------------------------------------------------------------------------- */

/* --csv OUT may not replace what is summarised: not one of the inputs (the same file under any
 * name), not an existing HDF5 file, not a FIFO or device. 0, or -1 with the reason. */
static int csv_target_ok(const char *csv, const row *rows, int n, char *err, size_t errlen)
{
    char why[CONFIG_STR + 128];
    struct stat sb;
    if (runfiles_check_regular(csv, 1, why, sizeof why) != 0) {
        log_format(err, errlen, "--csv %s", why);
        return -1;
    }
    for (int i = 0; i < n; i++)
        if (stat(csv, &sb) == 0 && same_file(csv, rows[i].file)) {
            log_format(err, errlen, "--csv %s: it is one of the files summarised (%s); give a "
                       "new file name for the CSV", csv, rows[i].file);
            return -1;
        }
    if (probe_is_hdf5(csv)) {
        log_format(err, errlen, "--csv %s: an existing HDF5 file (a run file?) would be "
                   "overwritten; give a new file name for the CSV", csv);
        return -1;
    }
    return 0;
}

static void csv_field(FILE *f, const char *s, int first)
{
    if (!first)
        fputc(',', f);
    if (!s)
        return;
    if (strpbrk(s, ",\"\n")) {
        fputc('"', f);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
}

static void write_csv(FILE *f, const row *rows, int n, int with_index, const strlist *pcols,
                      const strlist *ocols)
{
    if (with_index)
        fputs("index,", f);
    fputs("file,status,layers_done,layers,checkpoint_layer", f);
    for (int c = 0; c < pcols->n; c++)
        csv_field(f, pcols->v[c], 0);
    for (int c = 0; c < ocols->n; c++)
        csv_field(f, ocols->v[c], 0);
    fputc('\n', f);
    for (int i = 0; i < n; i++) {
        const row *r = &rows[i];
        char num[32];
        if (with_index) {
            if (r->index >= 0)
                fprintf(f, "%ld", r->index);
            fputc(',', f);
        }
        csv_field(f, r->file, 1);
        csv_field(f, r->status, 0);
        snprintf(num, sizeof num, "%ld", r->layers_done);
        csv_field(f, num, 0);
        snprintf(num, sizeof num, "%ld", r->layers);
        csv_field(f, r->layers >= 0 ? num : "", 0);
        snprintf(num, sizeof num, "%ld", r->ck_layer);
        csv_field(f, r->ck_layer >= 0 ? num : "", 0);
        for (int c = 0; c < pcols->n; c++)
            csv_field(f, kv_get(r->params, r->n_params, pcols->v[c]), 0);
        for (int c = 0; c < ocols->n; c++)
            csv_field(f, kv_get(r->obs, r->n_obs, ocols->v[c]), 0);
        fputc('\n', f);
    }
}

/* ---- the command -------------------------------------------------------------------------- */

int summary_write(const summary_request *req, char *err, size_t errlen)
{
    strlist files = {0}, pcols = {0}, ocols = {0};
    row *rows = NULL;
    int n = 0, rc = -1;
    sweep_plan *plan = NULL;
    compare_ref *ref = NULL;
    rwpo_config *cfg = malloc(sizeof *cfg);
    if (!cfg) {
        log_format(err, errlen, "out of memory");
        return -1;
    }
    if (collect_inputs(req, &files, err, errlen) != 0)
        goto out;
    /* rows: the sweep's points first, then the other files */
    long n_points = 0;
    if (req->sweep_config) {
        plan = sweep_plan_load(req->sweep_config, req->sets, req->n_sets, err, errlen);
        if (!plan || sweep_check(plan, req->sweep_config, req->sets, req->n_sets, NULL, err,
                                 errlen) != 0)
            goto out;
        n_points = sweep_count(plan);
        if (n_points == 0) {
            log_format(err, errlen, "--missing %s: it has no [sweep] section", req->sweep_config);
            goto out;
        }
    }
    rows = calloc((size_t)(n_points + files.n) + 1, sizeof *rows);
    if (!rows) {
        log_format(err, errlen, "out of memory");
        goto out;
    }
    for (long k = 0; k < n_points; k++) {
        if (sweep_point_config(plan, req->sweep_config, req->sets, req->n_sets, k, cfg, err,
                               errlen) != 0)
            goto out;
        row *r = &rows[n++];
        r->index = k;
        r->file = xstrdup(cfg->output);
        for (int j = 0; j < sweep_n_keys(plan); j++) {
            strlist_add_unique(&pcols, sweep_key(plan, j));
            kv_add(&r->params, &r->n_params, sweep_key(plan, j), sweep_value(plan, k, j));
        }
    }
    for (int i = 0; i < files.n; i++) {
        int dup = 0;
        for (int k = 0; k < n && !dup; k++)
            dup = same_file(rows[k].file, files.v[i]);
        if (dup)
            continue;
        row *r = &rows[n++];
        r->index = -1;
        r->file = xstrdup(files.v[i]);
    }
    if (n == 0) {
        log_format(err, errlen, "nothing to summarise: no run files (*.h5) in %s%s",
                req->n_inputs ? req->inputs[0] : "the arguments",
                req->n_inputs > 1 ? " ..." : "");
        goto out;
    }
    if (req->csv && csv_target_ok(req->csv, rows, n, err, errlen) != 0)
        goto out;
    if (req->reference && !(ref = compare_ref_load(req->reference, req->pool, err, errlen)))
        goto out;
    for (int i = 0; i < n; i++)
        read_row(&rows[i], ref);
    /* parameter columns of the files outside a sweep: beta, lambda, and whatever differs */
    if (n > n_points) {
        strlist_add_unique(&pcols, "sampler.beta");
        strlist_add_unique(&pcols, "sampler.lambda");
        for (int i = n_points; i < n; i++)
            for (int a = 0; a < rows[i].n_all; a++) {
                const char *key = rows[i].all[a].name;
                if (strcmp(key, "run.output") == 0)
                    continue;
                for (int j = n_points; j < n; j++) {
                    const char *v = kv_get(rows[j].all, rows[j].n_all, key);
                    if (rows[j].n_all && (!v || strcmp(v, rows[i].all[a].value) != 0)) {
                        strlist_add_unique(&pcols, key);
                        break;
                    }
                }
            }
    }
    for (int i = 0; i < n; i++) {
        for (int c = 0; c < pcols.n; c++)
            if (!kv_get(rows[i].params, rows[i].n_params, pcols.v[c])) {
                const char *v = kv_get(rows[i].all, rows[i].n_all, pcols.v[c]);
                if (v)
                    kv_add(&rows[i].params, &rows[i].n_params, pcols.v[c], v);
            }
        for (int o = 0; o < rows[i].n_obs; o++)
            strlist_add_unique(&ocols, rows[i].obs[o].name);
    }
    for (int c = 0; ref && compare_column_names[c]; c++) /* also when no run could be compared */
        strlist_add_unique(&ocols, compare_column_names[c]);
    /* output */
    FILE *f = stdout;
    if (req->csv && !(f = fopen(req->csv, "w"))) {
        log_format(err, errlen, "--csv %s: cannot write: %s", req->csv, strerror(errno));
        goto out;
    }
    if (req->csv || !req->sweep_config)
        write_csv(f, rows, n, n_points > 0, &pcols, &ocols);
    if (req->csv && fclose(f) != 0) {
        log_format(err, errlen, "--csv %s: cannot write: %s", req->csv, strerror(errno));
        goto out;
    }
    static const char *const states[] = {"complete", "stopped", "running", "failed", "damaged",
                                         "missing"};
    char tally[512];
    int tl = snprintf(tally, sizeof tally, "rwpo: summary of %d run(s):", n);
    for (int s = 0; s < 6; s++) {
        int c = 0;
        for (int i = 0; i < n; i++)
            c += strcmp(rows[i].status, states[s]) == 0;
        if (c && tl < (int)sizeof tally)
            tl += snprintf(tally + tl, sizeof tally - (size_t)tl, " %d %s", c, states[s]);
    }
    fprintf(stderr, "%s%s%s\n", tally, req->csv ? " -> " : "", req->csv ? req->csv : "");
    if (req->sweep_config) {
        int first = 1;
        for (int i = 0; i < n; i++)
            if (rows[i].index >= 0 && strcmp(rows[i].status, "complete") != 0) {
                printf("%s%ld", first ? "" : ",", rows[i].index);
                first = 0;
            }
        printf("\n");
    }
    fflush(stdout);
    rc = 0;
out:
    for (int i = 0; i < n; i++) {
        free(rows[i].file);
        kv_free(rows[i].params, rows[i].n_params);
        kv_free(rows[i].all, rows[i].n_all);
        kv_free(rows[i].obs, rows[i].n_obs);
    }
    free(rows);
    strlist_free(&files);
    strlist_free(&pcols);
    strlist_free(&ocols);
    sweep_plan_destroy(plan);
    compare_ref_destroy(ref);
    free(cfg);
    return rc;
}
