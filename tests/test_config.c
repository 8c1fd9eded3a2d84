/**
 * @file test_config.c
 * @brief Serial Check tests of the configuration key table (config.h): precedence, messages,
 *        the printed configuration as a round trip, the physics hash and diff, the schedule.
 *
 * Independence from the code under test:
 * - Expected defaults, allowed ranges and the list of required keys come from the key reference
 *   as printed (config_print_reference, the Markdown table that `rwpo --keys` and the README
 *   show), parsed here as text, never from config_defaults(); a handful of defaults and of
 *   required keys are also hard-coded as a cross-check.
 * - Values are read back through the printed configuration (config_to_ini) and, for the
 *   schedule and the round trip, through the struct fields named in config.h.
 * - Which keys change the physics is the rule documented in config.h ("sampler.*, problem.*,
 *   particles.n, particles.dim, run.seed"), applied to every key of the table: each key is
 *   changed alone (a value chosen from its allowed range) and the hash and the diff must follow
 *   the rule. sampler.beta, sampler.lambda, sampler.h, problem.type, particles.n (physics) and
 *   run.output, run.every, run.progress, run.checkpoint_every, run.name (not) are hard-coded too.
 *
 * Configuration files are written to a directory made with mkdtemp and removed at the end.
 * --set values that the printed configuration could not give back are refused
 * (test_unstorable_sets).
 */
#include "rwpo/base/config.h"
#include "scratch.h"

#include <check.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---------------------------------------------------------------- files */

static char g_dir[512];
static char g_path[600]; /* the configuration file of the current load */

/* Write text to the configuration file; returns its path. */
static const char *write_ini(const char *text)
{
    snprintf(g_path, sizeof g_path, "%s/t.ini", g_dir);
    FILE *f = fopen(g_path, "w");
    ck_assert_msg(f != NULL, "cannot write %s", g_path);
    fputs(text, f);
    fclose(f);
    return g_path;
}

/* ---------------------------------------------------------------- configurations as key lists */

/* A configuration is a NULL-terminated list of "section.key=value", grouped by section. */
#define COMMON "run.output=out.h5", "run.layers=10", "particles.n=5", "particles.dim=8", \
               "sampler.beta=1", "sampler.lambda=0.5", "sampler.h=0.1"

static const char *const base_none[] = {COMMON, "problem.type=none", NULL};
static const char *const base_gaussian[] = {COMMON, "problem.type=gaussian", NULL};
static const char *const base_mixture[] = {COMMON, "problem.type=mixture_laplace", NULL};
static const char *const base_linear[] = {COMMON, "problem.type=linear", NULL};
static const char *const base_logistic[] = {COMMON, "problem.type=logistic", NULL};
static const char *const base_logistic_files[] = {COMMON, "problem.type=logistic",
                                                  "problem.operator_file=f.h5:/X",
                                                  "problem.data_file=f.h5:/y", NULL};
static const char *const base_myula[] = {COMMON, "sampler.method=myula", "problem.type=gaussian",
                                         NULL};
static const char *const base_correct[] = {COMMON, "sampler.correct=pmala",
                                           "problem.type=gaussian", NULL};
/* the generative keys (printed when a key of their group is not at its default): a flow and
 * a reference, then a read-out and other directions (the defaults of the first two) */
static const char *const base_flow[] = {COMMON, "problem.type=none", "flow.file=m.h5",
                                        "problem.reference_file=r.h5:/y", NULL};
static const char *const base_flow2[] = {COMMON, "problem.type=none", "flow.readout_lambda=1",
                                         "problem.directions=8", NULL};
static const char *const base_data[] = {COMMON, "problem.type=data", "problem.data_file=f.h5:/x",
                                        NULL};
static const char *const base_precond[] = {COMMON, "sampler.precondition=full",
                                           "problem.type=linear", NULL};
/* Every key of the table applies to (is printed for) at least one of these. */
static const char *const *const bases[] = {base_none,     base_gaussian, base_mixture,
                                           base_linear,   base_logistic, base_logistic_files,
                                           base_myula,    base_correct,  base_flow,
                                           base_flow2,    base_data,     base_precond};
#define N_BASES ((int)(sizeof bases / sizeof bases[0]))
static const char *const base_names[N_BASES] = {"none",   "gaussian", "mixture_laplace",
                                                "linear", "logistic", "logistic (files)",
                                                "myula", "rwpo_l1 + pmala", "flow",
                                                "flow (read-out)", "data",
                                                "rwpo_l1, precondition = full"};

/* INI text of `entries` without the key `omit` (may be NULL) and with `extra` lines appended
 * verbatim. Returns a static buffer. */
static const char *ini_of(const char *const *entries, const char *omit, const char *extra)
{
    static char buf[16384];
    char section[64] = "";
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; entries[i]; i++) {
        const char *dot = strchr(entries[i], '.'), *eq = strchr(entries[i], '=');
        size_t kl = (size_t)(eq - entries[i]);
        if (omit && strlen(omit) == kl && strncmp(entries[i], omit, kl) == 0)
            continue;
        if (strlen(section) != (size_t)(dot - entries[i]) ||
            strncmp(section, entries[i], (size_t)(dot - entries[i])) != 0) {
            snprintf(section, sizeof section, "%.*s", (int)(dot - entries[i]), entries[i]);
            len += (size_t)snprintf(buf + len, sizeof buf - len, "[%s]\n", section);
        }
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%.*s = %s\n", (int)(eq - dot - 1),
                                dot + 1, eq + 1);
    }
    if (extra)
        snprintf(buf + len, sizeof buf - len, "%s", extra);
    return buf;
}

/* config_load of text with --set sets. */
static int load_text(const char *text, char *const *sets, int n_sets, rwpo_config *c, char *err)
{
    err[0] = '\0';
    return config_load(write_ini(text), sets, n_sets, c, err, CONFIG_ERR);
}

static int load_base(const char *const *entries, char *const *sets, int n_sets, rwpo_config *c,
                     char *err)
{
    return load_text(ini_of(entries, NULL, NULL), sets, n_sets, c, err);
}

/* Line number (1-based) of the first line of text containing needle; 0 if none. */
static int line_of(const char *text, const char *needle)
{
    const char *p = strstr(text, needle);
    if (!p)
        return 0;
    int line = 1;
    for (const char *q = text; q < p; q++)
        line += *q == '\n';
    return line;
}

/* ---------------------------------------------------------------- reading printed text */

/* Value of "section.key" in INI text (as config_to_ini prints it) into val; 1 if present. */
static int ini_get(const char *ini, const char *dotted, char *val, size_t n)
{
    const char *dot = strchr(dotted, '.');
    char section[64] = "";
    const char *p = ini;
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l > 1 && p[0] == '[' && p[l - 1] == ']') {
            snprintf(section, sizeof section, "%.*s", (int)(l - 2), p + 1);
        } else if (strlen(section) == (size_t)(dot - dotted) &&
                   strncmp(section, dotted, (size_t)(dot - dotted)) == 0) {
            size_t kl = strlen(dot + 1);
            if (l >= kl + 3 && strncmp(p, dot + 1, kl) == 0 && strncmp(p + kl, " = ", 3) == 0) {
                snprintf(val, n, "%.*s", (int)(l - kl - 3), p + kl + 3);
                return 1;
            }
        }
        p += l + (e ? 1 : 0);
    }
    return 0;
}

/* Value of a key in the printed configuration; 1 if the key is printed (applies). */
static int cfg_get(const rwpo_config *c, const char *dotted, char *val, size_t n)
{
    char *ini = config_to_ini(c);
    ck_assert_ptr_nonnull(ini);
    int found = ini_get(ini, dotted, val, n);
    free(ini);
    return found;
}

/* Whether a text is a whole finite number. */
static int as_number(const char *s, double *v)
{
    char *end;
    if (!*s)
        return 0;
    *v = strtod(s, &end);
    return *end == '\0' && isfinite(*v);
}

/* Printed values equal: numerically for numbers ("1e-2" = "0.01"), else as text. */
static int same_value(const char *a, const char *b)
{
    double x, y;
    if (as_number(a, &x) && as_number(b, &y))
        return x == y;
    return strcmp(a, b) == 0;
}

/* ---------------------------------------------------------------- the key reference */

typedef struct {
    char key[64];      /* "section.key" */
    char def[256];     /* default text ("" for "(empty)") */
    int required;
    char allowed[256]; /* "gaussian | file", ">= 1 and <= 1e+09", "text", "1 or d numbers" */
} ref_row;

static ref_row g_ref[128];
static int g_n_ref;

/* Split a Markdown table row into unescaped, trimmed cells; returns the count. */
static int md_cells(const char *line, char cells[][256], int max)
{
    int n = -1;
    size_t len = 0;
    for (const char *p = line; *p && *p != '\n'; p++) {
        if (*p == '\\' && p[1] == '|') {
            if (n >= 0 && n < max && len < 255)
                cells[n][len++] = '|';
            p++;
            continue;
        }
        if (*p == '|') {
            if (n >= 0 && n < max) {
                cells[n][len] = '\0';
                while (len > 0 && cells[n][len - 1] == ' ')
                    cells[n][--len] = '\0';
                char *s = cells[n];
                while (*s == ' ')
                    s++;
                memmove(cells[n], s, strlen(s) + 1);
            }
            n++;
            len = 0;
            continue;
        }
        if (n >= 0 && n < max && len < 255)
            cells[n][len++] = *p;
    }
    return n < 0 ? 0 : n;
}

/* Parse config_print_reference's table into g_ref. */
static void read_reference(void)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    config_print_reference(f);
    fclose(f);
    g_n_ref = 0;
    for (char *line = text; line && *line;) {
        char *next = strchr(line, '\n');
        char cells[4][256];
        if (line[0] == '|' && strncmp(line, "|---", 4) != 0 && strncmp(line, "| key |", 7) != 0 &&
            md_cells(line, cells, 4) == 4 && g_n_ref < 128) {
            ref_row *r = &g_ref[g_n_ref++];
            snprintf(r->key, sizeof r->key, "%.63s", cells[0]);
            r->required = strcmp(cells[1], "**required**") == 0;
            snprintf(r->def, sizeof r->def, "%s", strcmp(cells[1], "(empty)") == 0 ? "" : cells[1]);
            snprintf(r->allowed, sizeof r->allowed, "%s", cells[2]);
        }
        line = next ? next + 1 : NULL;
    }
    free(text);
}

static const ref_row *ref_find(const char *key)
{
    for (int i = 0; i < g_n_ref; i++)
        if (strcmp(g_ref[i].key, key) == 0)
            return &g_ref[i];
    return NULL;
}

static int is_enum(const ref_row *r) { return strstr(r->allowed, " | ") != NULL || !strchr(r->allowed, ' '); }
static int is_numeric(const ref_row *r) { return r->allowed[0] == '>' || r->allowed[0] == '<'; }

/* The first base configuration whose printed form holds the key (-1: none). */
static int base_for(const char *key)
{
    char err[CONFIG_ERR], val[CONFIG_LIST];
    rwpo_config c;
    for (int b = 0; b < N_BASES; b++) {
        ck_assert_msg(load_base(bases[b], NULL, 0, &c, err) == 0, "base %s: %s", base_names[b],
                      err);
        if (cfg_get(&c, key, val, sizeof val))
            return b;
    }
    return -1;
}

/* Whether the key is an integer, as the resolved parameters type it. */
static int is_integer_key(const rwpo_config *c, const char *key)
{
    rwpo_param *p = NULL;
    int n = config_params(c, &p), integer = 0;
    for (int i = 0; i < n; i++)
        if (strcmp(p[i].name, key) == 0)
            integer = p[i].type == 'i';
    free(p);
    return integer;
}

static void setup(void) { read_reference(); }

/* ---------------------------------------------------------------- the table itself */

/* The reference lists the keys config.h documents, with sane rows. */
START_TEST(test_reference_table)
{
    ck_assert_int_ge(g_n_ref, 40);
    static const char *const required[] = {"run.output",   "run.layers",     "particles.n",
                                           "particles.dim", "sampler.beta",  "sampler.lambda",
                                           "sampler.h",    "problem.type"};
    int n_required = 0;
    for (int i = 0; i < g_n_ref; i++)
        n_required += g_ref[i].required;
    ck_assert_int_eq(n_required, (int)(sizeof required / sizeof *required));
    for (size_t i = 0; i < sizeof required / sizeof *required; i++) {
        const ref_row *r = ref_find(required[i]);
        ck_assert_msg(r && r->required, "%s is not listed as required", required[i]);
    }
    for (int i = 0; i < g_n_ref; i++) {
        ck_assert_msg(strchr(g_ref[i].key, '.') != NULL, "row %d: key '%s'", i, g_ref[i].key);
        ck_assert_msg(g_ref[i].allowed[0] != '\0', "%s: no allowed values", g_ref[i].key);
        for (int j = 0; j < i; j++)
            ck_assert_msg(strcmp(g_ref[i].key, g_ref[j].key) != 0, "%s listed twice",
                          g_ref[i].key);
        char hint[256];
        ck_assert_msg(config_key_known(g_ref[i].key, hint, sizeof hint) == 1,
                      "config_key_known(%s) = 0", g_ref[i].key);
    }
}
END_TEST

/* ---------------------------------------------------------------- precedence */

/* A key absent from the file has the reference's default, for every key with a default. */
START_TEST(test_defaults_from_reference)
{
    char err[CONFIG_ERR], val[CONFIG_LIST];
    int checked = 0, with_default = 0;
    for (int i = 0; i < g_n_ref; i++) {
        const ref_row *r = &g_ref[i];
        if (r->required)
            continue;
        with_default++;
        /* the first base that prints the key without setting it */
        int b = -1;
        rwpo_config c;
        for (int t = 0; t < N_BASES && b < 0; t++) {
            int sets = 0;
            for (int e = 0; bases[t][e]; e++)
                sets |= strncmp(bases[t][e], r->key, strlen(r->key)) == 0 &&
                        bases[t][e][strlen(r->key)] == '=';
            ck_assert_int_eq(load_base(bases[t], NULL, 0, &c, err), 0);
            if (!sets && cfg_get(&c, r->key, val, sizeof val))
                b = t;
        }
        ck_assert_msg(b >= 0, "%s is printed for none of the base configurations that leave it "
                      "unset", r->key);
        ck_assert_msg(same_value(val, r->def), "%s = '%s', reference default '%s'", r->key, val,
                      r->def);
        checked++;
    }
    ck_assert_int_eq(checked, with_default);
    ck_assert_int_ge(checked, 30);

    /* hard-coded cross-checks (README: defaults) and the struct fields behind them */
    rwpo_config c;
    ck_assert_int_eq(load_base(base_linear, NULL, 0, &c, err), 0);
    static const char *const expect[][2] = {
        {"run.seed", "1"},          {"run.every", "1"},
        {"run.checkpoint_every", "100"}, {"run.block", "1024"},
        {"run.progress", "1"},      {"run.ring", "overlap"},
        {"run.kernel", "fast"},     {"run.name", "rwpo"},
        {"run.stop_file", ""},      {"particles.init", "gaussian"},
        {"particles.init_scale", "1"}, {"sampler.T", "h"},
        {"sampler.schedule", ""},   {"sampler.weights", "coordinatewise"},
        {"sampler.normaliser", "exact"}, {"problem.sigma", "0.1"},
        {"problem.operator", "gaussian"}, {"linalg.memory_budget", "1073741824"},
    };
    for (size_t i = 0; i < sizeof expect / sizeof *expect; i++) {
        ck_assert_msg(cfg_get(&c, expect[i][0], val, sizeof val), "%s not printed", expect[i][0]);
        ck_assert_msg(same_value(val, expect[i][1]), "%s = '%s', want '%s'", expect[i][0], val,
                      expect[i][1]);
    }
    ck_assert_int_eq(c.seed, 1);
    ck_assert_int_eq(c.every, 1);
    ck_assert_int_eq(c.checkpoint_every, 100);
    ck_assert(c.T == 0.0); /* config.h: 0 means T = h */
    ck_assert_int_eq(c.n_schedule, 0);
    ck_assert_int_eq(c.weights, WEIGHTS_COORDINATEWISE);
    ck_assert(c.problem_sigma == 0.1);
}
END_TEST

/* defaults < file < --set (in order; the last wins); --set can supply a required key. */
START_TEST(test_precedence)
{
    char err[CONFIG_ERR];
    rwpo_config c;
    static const char *const file[] = {COMMON, "run.every=3", "run.progress=0.5",
                                       "problem.type=gaussian", "problem.std=2", NULL};
    char text[8192];
    snprintf(text, sizeof text, "%s", ini_of(file, NULL, NULL));

    ck_assert_int_eq(load_text(text, NULL, 0, &c, err), 0);
    ck_assert_int_eq(c.every, 3);          /* file over default 1 */
    ck_assert(c.progress == 0.5);
    ck_assert(c.problem_std == 2.0);
    ck_assert_int_eq(c.checkpoint_every, 100); /* absent: default */
    ck_assert(c.h == 0.1);

    char *one[] = {"run.every=5", "sampler.h=0.25"};
    ck_assert_int_eq(load_text(text, one, 2, &c, err), 0);
    ck_assert_int_eq(c.every, 5); /* --set over file */
    ck_assert(c.h == 0.25);
    ck_assert(c.progress == 0.5); /* untouched by --set */

    char *several[] = {"run.every=5", "run.checkpoint_every=7", "run.every=9", "run.every = 11"};
    ck_assert_int_eq(load_text(text, several, 3, &c, err), 0);
    ck_assert_int_eq(c.every, 9); /* the last --set wins */
    ck_assert_int_eq(c.checkpoint_every, 7);
    ck_assert_int_eq(load_text(text, several, 4, &c, err), 0);
    ck_assert_int_eq(c.every, 11); /* spaces around '=' are trimmed */

    /* --set of a key absent from the file, over the default */
    char *seed[] = {"run.seed=42"};
    ck_assert_int_eq(load_text(text, seed, 1, &c, err), 0);
    ck_assert_int_eq(c.seed, 42);

    /* a required key missing from the file can come from --set */
    char no_beta[8192];
    snprintf(no_beta, sizeof no_beta, "%s", ini_of(base_none, "sampler.beta", NULL));
    ck_assert_int_ne(load_text(no_beta, NULL, 0, &c, err), 0);
    char *beta[] = {"sampler.beta=2.5"};
    ck_assert_msg(load_text(no_beta, beta, 1, &c, err) == 0, "%s", err);
    ck_assert(c.beta == 2.5);

    /* the [sweep] section and --set sweep.* are not keys of one run */
    ck_assert_int_eq(load_text(ini_of(base_none, NULL, "[sweep]\nsampler.beta = 1, 2\n"), NULL, 0,
                               &c, err), 0);
    char *sweep[] = {"sweep.sampler.beta=1,2"};
    ck_assert_int_eq(load_text(text, sweep, 1, &c, err), 0);

    /* --set of an unknown key or a malformed --set fails, naming it */
    char *unknown[] = {"run.every=2", "sampler.lamda=1"};
    ck_assert_int_ne(load_text(text, unknown, 2, &c, err), 0);
    ck_assert_msg(strstr(err, "--set sampler.lamda") && strstr(err, "did you mean sampler.lambda"),
                  "%s", err);
    char *malformed[] = {"sampler.beta"};
    ck_assert_int_ne(load_text(text, malformed, 1, &c, err), 0);
    ck_assert_msg(strstr(err, "--set 'sampler.beta'") && strstr(err, "malformed"), "%s", err);
    char *bad_value[] = {"sampler.beta=-1"};
    ck_assert_int_ne(load_text(text, bad_value, 1, &c, err), 0);
    ck_assert_msg(strstr(err, "--set sampler.beta") && strstr(err, "> 0"), "%s", err);
}
END_TEST

/* ---------------------------------------------------------------- messages */

/* Unknown keys and sections: the closest key is suggested; the file line is named. */
START_TEST(test_unknown_keys)
{
    char err[CONFIG_ERR], where[700];
    rwpo_config c;
    static const struct {
        const char *line, *key, *suggestion;
    } typos[] = {
        {"lamda = 1", "lamda", "sampler.lambda"},
        {"bta = 1", "bta", "sampler.beta"},
        {"shedule = 3:0.1", "shedule", "sampler.schedule"},
        {"normalizer = exact", "normalizer", "sampler.normaliser"},
    };
    for (size_t i = 0; i < sizeof typos / sizeof *typos; i++) {
        char extra[128];
        snprintf(extra, sizeof extra, "[sampler]\n%s\n", typos[i].line);
        const char *text = ini_of(base_none, NULL, extra);
        ck_assert_int_ne(load_text(text, NULL, 0, &c, err), 0);
        snprintf(where, sizeof where, "%s:%d:", g_path, line_of(text, typos[i].line));
        ck_assert_msg(strstr(err, where), "'%s' does not name %s", err, where);
        ck_assert_msg(strstr(err, typos[i].key) && strstr(err, "unknown key"), "%s", err);
        char want[96];
        snprintf(want, sizeof want, "did you mean %s?", typos[i].suggestion);
        ck_assert_msg(strstr(err, want), "'%s' lacks '%s'", err, want);
    }
    /* a key of another section is found across sections */
    const char *text = ini_of(base_none, NULL, "[run]\ncheckpoint_evry = 5\n");
    ck_assert_int_ne(load_text(text, NULL, 0, &c, err), 0);
    ck_assert_msg(strstr(err, "did you mean run.checkpoint_every?"), "%s", err);

    /* unknown section */
    text = ini_of(base_none, NULL, "[sampeler]\nbeta = 2\n");
    ck_assert_int_ne(load_text(text, NULL, 0, &c, err), 0);
    ck_assert_msg(strstr(err, "unknown section [sampeler]") &&
                      strstr(err, "did you mean sampler.beta?"), "%s", err);
    snprintf(where, sizeof where, "%s:%d:", g_path, line_of(text, "beta = 2"));
    ck_assert_msg(strstr(err, where), "'%s' does not name %s", err, where);

    /* nothing close: no guess, a pointer to the key list */
    text = ini_of(base_none, NULL, "[sampler]\nzzzzzzzzzz = 1\n");
    ck_assert_int_ne(load_text(text, NULL, 0, &c, err), 0);
    ck_assert_msg(!strstr(err, "did you mean") && strstr(err, "rwpo check"), "%s", err);

    /* a key before any section */
    char outside[8192];
    snprintf(outside, sizeof outside, "beta = 1\n%s", ini_of(base_none, NULL, NULL));
    ck_assert_int_ne(load_text(outside, NULL, 0, &c, err), 0);
    ck_assert_msg(strstr(err, "outside any section"), "%s", err);

    /* config_key_known */
    char hint[256] = "";
    ck_assert_int_eq(config_key_known("sampler.lambda", hint, sizeof hint), 1);
    ck_assert_int_eq(config_key_known("sampler.lamda", hint, sizeof hint), 0);
    ck_assert_msg(strstr(hint, "did you mean sampler.lambda?"), "%s", hint);
    ck_assert_int_eq(config_key_known("lambda", hint, sizeof hint), 0); /* needs the section */
    ck_assert_int_eq(config_key_known("run.beta", NULL, 0), 0);
}
END_TEST

/* A key given twice in the file fails naming the second line; missing required keys. */
START_TEST(test_twice_and_missing)
{
    char err[CONFIG_ERR], where[700];
    rwpo_config c;
    const char *text = ini_of(base_none, NULL, "[run]\nevery = 2\nname = x\nevery = 3\n");
    ck_assert_int_ne(load_text(text, NULL, 0, &c, err), 0);
    snprintf(where, sizeof where, "%s:%d:", g_path, line_of(text, "every = 3"));
    ck_assert_msg(strstr(err, where) && strstr(err, "[run] every is given twice"),
                  "'%s' does not name %s", err, where);
    /* twice within one section block */
    char text2[8192];
    snprintf(text2, sizeof text2, "%s", ini_of(base_none, NULL, NULL));
    char *p = strstr(text2, "beta = 1\n");
    ck_assert_ptr_nonnull(p);
    memmove(p + 9, p, strlen(p) + 1); /* "beta = 1" on two lines */
    ck_assert_int_ne(load_text(text2, NULL, 0, &c, err), 0);
    snprintf(where, sizeof where, "%s:%d:", g_path, line_of(text2, "beta = 1") + 1);
    ck_assert_msg(strstr(err, where) && strstr(err, "beta is given twice"), "'%s' vs %s", err,
                  where);

    /* every required key of the reference, left out */
    int n = 0;
    for (int i = 0; i < g_n_ref; i++) {
        if (!g_ref[i].required)
            continue;
        ck_assert_int_ne(load_text(ini_of(base_none, g_ref[i].key, NULL), NULL, 0, &c, err), 0);
        const char *dot = strchr(g_ref[i].key, '.');
        char want[128];
        snprintf(want, sizeof want, "missing required key [%.*s] %s",
                 (int)(dot - g_ref[i].key), g_ref[i].key, dot + 1);
        ck_assert_msg(strstr(err, want), "'%s' lacks '%s'", err, want);
        n++;
    }
    ck_assert_int_eq(n, 8);
}
END_TEST

/* Non-numbers, NaN/Inf and out-of-range values of every numeric key, and bad choices of every
 * enumerated key, fail naming the key and the allowed values as the reference states them. */
START_TEST(test_bad_values)
{
    char err[CONFIG_ERR];
    rwpo_config c;
    int n_numeric = 0, n_enum = 0;
    for (int i = 0; i < g_n_ref; i++) {
        const ref_row *r = &g_ref[i];
        const char *dot = strchr(r->key, '.');
        char named[128], allowed[300];
        snprintf(named, sizeof named, "[%.*s] %s", (int)(dot - r->key), r->key, dot + 1);
        int b = base_for(r->key);
        ck_assert(b >= 0);
        if (is_numeric(r)) {
            ck_assert_int_eq(load_base(bases[b], NULL, 0, &c, err), 0);
            const int integer = is_integer_key(&c, r->key);
            snprintf(allowed, sizeof allowed, "(allowed: %s %s", integer ? "an integer" : "a number",
                     r->allowed);
            char values[8][64];
            const char *why[8];
            int nv = 0;
            snprintf(values[nv], 64, "abc");
            why[nv++] = integer ? "not an integer" : "not a number";
            snprintf(values[nv], 64, "1x");
            why[nv++] = integer ? "not an integer" : "not a number";
            snprintf(values[nv], 64, " ");
            why[nv++] = integer ? "not an integer" : "not a number";
            snprintf(values[nv], 64, "nan");
            why[nv++] = "NaN and Inf are not allowed";
            snprintf(values[nv], 64, "-inf");
            why[nv++] = "NaN and Inf are not allowed";
            if (integer) {
                snprintf(values[nv], 64, "2.5");
                why[nv++] = "not an integer";
            }
            double lo, hi;
            if (sscanf(r->allowed, ">= %lf", &lo) == 1) {
                snprintf(values[nv], 64, "%.17g", lo - 1);
                why[nv++] = "out of range";
            } else if (sscanf(r->allowed, "> %lf", &lo) == 1) {
                snprintf(values[nv], 64, "%.17g", lo);
                why[nv++] = "out of range";
            }
            const char *and = strstr(r->allowed, "<= ");
            if (and && sscanf(and, "<= %lf", &hi) == 1 && hi < 1e15) {
                snprintf(values[nv], 64, "%.17g", hi + 1);
                why[nv++] = "out of range";
            }
            for (int v = 0; v < nv; v++) {
                char set[128];
                snprintf(set, sizeof set, "%s=%s", r->key, values[v]);
                char *sets[] = {set};
                ck_assert_msg(load_base(bases[b], sets, 1, &c, err) != 0, "%s accepted", set);
                ck_assert_msg(strstr(err, named) && strstr(err, why[v]),
                              "%s: '%s' lacks '%s' or '%s'", set, err, named, why[v]);
                if (strcmp(why[v], "out of range") == 0)
                    snprintf(allowed, sizeof allowed, "(allowed: %s)", r->allowed);
                else
                    snprintf(allowed, sizeof allowed, "(allowed: %s %s", integer ? "an integer"
                             : "a number", r->allowed);
                ck_assert_msg(strstr(err, allowed), "%s: '%s' lacks '%s'", set, err, allowed);
            }
            /* and in the file, naming its line */
            char extra[128], where[700];
            snprintf(extra, sizeof extra, "[%.*s]\n%s = abc\n", (int)(dot - r->key), r->key,
                     dot + 1);
            const char *omitted = ini_of(bases[b], r->key, extra);
            ck_assert_int_ne(load_text(omitted, NULL, 0, &c, err), 0);
            snprintf(where, sizeof where, "%s:%d:", g_path, line_of(omitted, " = abc"));
            ck_assert_msg(strstr(err, where), "'%s' does not name %s", err, where);
            n_numeric++;
        } else if (is_enum(r) && strcmp(r->allowed, "text") != 0) {
            char set[128];
            snprintf(set, sizeof set, "%s=bogus", r->key);
            char *sets[] = {set};
            ck_assert_int_ne(load_base(bases[b], sets, 1, &c, err), 0);
            snprintf(allowed, sizeof allowed, "(allowed: %s)", r->allowed);
            ck_assert_msg(strstr(err, named) && strstr(err, allowed), "%s: '%s' lacks '%s'", set,
                          err, allowed);
            n_enum++;
        }
    }
    ck_assert_int_ge(n_numeric, 20);
    ck_assert_int_ge(n_enum, 8);

    /* the lists, a key of another problem type, a line too long for the INI reader */
    char *mean[] = {"particles.init_mean=1, 2"}; /* neither 1 nor d = 8 values */
    ck_assert_int_ne(load_base(base_none, mean, 1, &c, err), 0);
    ck_assert_msg(strstr(err, "init_mean") && strstr(err, "d = 8"), "%s", err);
    char *mean_nan[] = {"particles.init_mean=nan"};
    ck_assert_int_ne(load_base(base_none, mean_nan, 1, &c, err), 0);
    char *std[] = {"problem.std=2"};
    ck_assert_int_ne(load_base(base_none, std, 1, &c, err), 0);
    ck_assert_msg(strstr(err, "not a key of problem type 'none'") && strstr(err, "gaussian"), "%s",
                  err);
    char longline[600] = "[particles]\ninit_mean = 0.5";
    for (int k = 1; k < 8; k++)
        strcat(longline, ", 0.12345678901234567890123456789");
    strcat(longline, "\n");
    const char *text = ini_of(base_none, NULL, longline);
    ck_assert_int_ne(load_text(text, NULL, 0, &c, err), 0);
    char where[700];
    snprintf(where, sizeof where, "%s:%d:", g_path, line_of(text, "init_mean"));
    ck_assert_msg(strstr(err, where) && strstr(err, "198"), "%s", err);
}
END_TEST

/* config_parse_vector: 1 or d finite numbers. */
START_TEST(test_parse_vector)
{
    double v[3] = {0, 0, 0};
    ck_assert_int_eq(config_parse_vector("1, -2.5,3e1", 3, v), 0);
    ck_assert(v[0] == 1 && v[1] == -2.5 && v[2] == 30);
    ck_assert_int_eq(config_parse_vector(" 0.25 ", 3, v), 0);
    ck_assert(v[0] == 0.25 && v[1] == 0.25 && v[2] == 0.25);
    ck_assert_int_ne(config_parse_vector("1, 2", 3, v), 0);
    ck_assert_int_ne(config_parse_vector("1, 2, 3, 4", 3, v), 0);
    ck_assert_int_ne(config_parse_vector("1, inf, 3", 3, v), 0);
    ck_assert_int_ne(config_parse_vector("1, x, 3", 3, v), 0);
    ck_assert_int_ne(config_parse_vector("", 3, v), 0);
}
END_TEST

/* ---------------------------------------------------------------- schedule */

START_TEST(test_schedule)
{
    char err[CONFIG_ERR];
    rwpo_config c;
    char *sched[] = {"sampler.schedule= 3 : 0.05 ,6:0.02"};
    ck_assert_msg(load_base(base_none, sched, 1, &c, err) == 0, "%s", err);
    ck_assert_int_eq(c.n_schedule, 2);
    ck_assert_int_eq(c.schedule_layer[0], 3);
    ck_assert_int_eq(c.schedule_layer[1], 6);
    ck_assert(c.schedule_h[0] == 0.05 && c.schedule_h[1] == 0.02);
    static const double want_h[] = {0, 0.1, 0.1, 0.05, 0.05, 0.05, 0.02, 0.02, 0.02, 0.02};
    for (long k = 1; k < 10; k++) {
        double h = -1, T = -1;
        config_step(&c, k, &h, &T);
        ck_assert_msg(h == want_h[k] && T == want_h[k], "layer %ld: h %g T %g, want %g", k, h, T,
                      want_h[k]);
    }
    /* T set explicitly is fixed across the schedule */
    char *fixed[] = {"sampler.schedule=3:0.05, 6:0.02", "sampler.T=0.3"};
    ck_assert_int_eq(load_base(base_none, fixed, 2, &c, err), 0);
    for (long k = 1; k < 10; k++) {
        double h, T;
        config_step(&c, k, &h, &T);
        ck_assert_msg(h == want_h[k] && T == 0.3, "layer %ld: h %g T %g", k, h, T);
    }
    /* 'h' restores the default; no schedule: h everywhere */
    char *follow[] = {"sampler.T=0.3", "sampler.T=h"};
    ck_assert_int_eq(load_base(base_none, follow, 2, &c, err), 0);
    for (long k = 1; k < 1000; k += 97) {
        double h, T;
        config_step(&c, k, &h, &T);
        ck_assert(h == 0.1 && T == 0.1);
    }
    /* as many entries as fit on one stored line ("schedule = ...", 198 characters) are accepted;
     * CONFIG_MAX_SCHEDULE + 1 are not (nor would they fit) */
    char big[CONFIG_STR] = "sampler.schedule=";
    int fitting = 0;
    for (int e = 1; e <= CONFIG_MAX_SCHEDULE + 1; e++) {
        char item[16];
        snprintf(item, sizeof item, "%s%d:0.01", e > 1 ? "," : "", e);
        if (!fitting && strlen("schedule = ") + strlen(big) - strlen("sampler.schedule=") +
                            strlen(item) > 198) {
            fitting = e - 1;
            char *sets[] = {big};
            ck_assert_msg(load_base(base_none, sets, 1, &c, err) == 0, "%s", err);
            ck_assert_int_eq(c.n_schedule, fitting);
        }
        strcat(big, item);
    }
    ck_assert_int_gt(fitting, 20);
    /* malformed schedules */
    static const char *const bad[] = {"3:0.05, 2:0.1", "3:0.05, 3:0.1", "0:0.1", "3:0",
                                      "3:-0.1", "3",  "x:0.1", "3:nan", "2.5:0.1", "3:0.1:4"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char set[64];
        snprintf(set, sizeof set, "sampler.schedule=%s", bad[i]);
        char *sets[] = {set};
        ck_assert_msg(load_base(base_none, sets, 1, &c, err) != 0, "'%s' accepted", bad[i]);
        ck_assert_msg(strstr(err, "[sampler] schedule") && strstr(err, "layer:h"), "%s", err);
    }
}
END_TEST

/* ---------------------------------------------------------------- round trip */

/* Field by field (doubles bitwise), the fields config.h lists. */
static void assert_same_config(const rwpo_config *a, const rwpo_config *b, const char *what)
{
#define SAME_STR(f) ck_assert_msg(strcmp(a->f, b->f) == 0, "%s: " #f " '%s' != '%s'", what, a->f, b->f)
#define SAME_INT(f) ck_assert_msg(a->f == b->f, "%s: " #f " %ld != %ld", what, (long)a->f, (long)b->f)
#define SAME_DBL(f) ck_assert_msg(memcmp(&a->f, &b->f, sizeof a->f) == 0, "%s: " #f " %.17g != %.17g", what, a->f, b->f)
    SAME_STR(name); SAME_STR(output); SAME_INT(layers); SAME_INT(seed); SAME_INT(every);
    SAME_DBL(sparsity_tol); SAME_DBL(progress); SAME_INT(ring); SAME_INT(kernel); SAME_INT(block);
    SAME_INT(checkpoint_every); SAME_DBL(wall_time); SAME_STR(stop_file);
    SAME_INT(n); SAME_INT(dim); SAME_INT(init); SAME_DBL(init_scale); SAME_STR(init_mean);
    SAME_STR(init_file);
    SAME_INT(method); SAME_DBL(beta); SAME_DBL(lambda); SAME_DBL(h); SAME_DBL(T);
    SAME_STR(schedule); SAME_INT(normaliser); SAME_INT(weights);
    SAME_INT(problem); SAME_STR(problem_mean); SAME_DBL(problem_std); SAME_INT(problem_operator);
    SAME_STR(operator_file); SAME_STR(data_file); SAME_STR(truth_file); SAME_INT(problem_m);
    SAME_DBL(problem_sigma); SAME_INT(problem_sparsity); SAME_DBL(blur_width);
    SAME_DBL(support_threshold);
    SAME_INT(linalg_layout); SAME_INT(linalg_block); SAME_INT(linalg_memory_budget);
    SAME_INT(linalg_grid_rows);
    SAME_INT(n_schedule);
    for (int s = 0; s < a->n_schedule; s++) {
        SAME_INT(schedule_layer[s]);
        SAME_DBL(schedule_h[s]);
    }
#undef SAME_STR
#undef SAME_INT
#undef SAME_DBL
}

/* The printed configuration loads back (as text and as a file) to the same configuration,
 * prints identically, and config_print writes the same text. */
static void assert_round_trip(const rwpo_config *a, const char *what)
{
    char err[CONFIG_ERR];
    rwpo_config b, f;
    char *ini = config_to_ini(a);
    ck_assert_ptr_nonnull(ini);
    ck_assert_msg(config_parse_text("stored", ini, &b, err, sizeof err) == 0, "%s: %s\n%s", what,
                  err, ini);
    assert_same_config(a, &b, what);
    ck_assert_msg(load_text(ini, NULL, 0, &f, err) == 0, "%s as a file: %s", what, err);
    assert_same_config(a, &f, what);
    char *again = config_to_ini(&b);
    ck_assert_str_eq(again, ini);
    char *printed = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&printed, &size);
    config_print(a, out);
    fclose(out);
    ck_assert_str_eq(printed, ini);
    ck_assert(config_physics_hash(a) == config_physics_hash(&b));
    char diff[512];
    ck_assert_int_eq(config_physics_diff(a, &b, diff, sizeof diff), 0);
    /* every key that applies is printed once */
    rwpo_param *p = NULL;
    int n = config_params(a, &p);
    int lines = 0;
    for (const char *q = ini; *q; q++)
        lines += *q == '=' && q > ini && q[-1] == ' ';
    ck_assert_int_eq(lines, n);
    for (int i = 0; i < n; i++) {
        char val[CONFIG_LIST];
        ck_assert_msg(ini_get(ini, p[i].name, val, sizeof val), "%s: %s not printed", what,
                      p[i].name);
    }
    free(p);
    free(printed);
    free(again);
    free(ini);
}

START_TEST(test_round_trip)
{
    char err[CONFIG_ERR], what[64];
    rwpo_config a;
    for (int b = 0; b < N_BASES; b++) {
        ck_assert_int_eq(load_base(bases[b], NULL, 0, &a, err), 0);
        assert_round_trip(&a, base_names[b]);
    }
    char *rich[] = {"run.name=my run #1 [x]", "run.stop_file=stop me", "run.wall_time=123.456",
                    "run.seed=9007199254740991", "run.sparsity_tol=0.3333333333333333",
                    "run.ring=blocking", "run.kernel=reference", "run.every=7",
                    "sampler.T=0.3", "sampler.schedule=2:0.05, 5:1e-3",
                    "particles.init_mean=1, -2, 3.5, 4, 5, 6, 7, 0.1",
                    "particles.init_scale=0", "sampler.beta=0.1234567890123456789",
                    "sampler.lambda=1e-300", "sampler.weights=joint",
                    "sampler.normaliser=moreau", "problem.mean=0.1", "problem.std=3e7"};
    ck_assert_msg(load_base(base_gaussian, rich, 18, &a, err) == 0, "%s", err);
    assert_round_trip(&a, "gaussian, non-default values");
    char *lin[] = {"problem.operator=blur1d", "problem.blur_width=1.5", "problem.sigma=0.05",
                   "problem.sparsity=3", "problem.support_threshold=0", "linalg.layout=distributed",
                   "linalg.grid_rows=2", "linalg.memory_budget=12345", "linalg.block=3"};
    ck_assert_msg(load_base(base_linear, lin, 9, &a, err) == 0, "%s", err);
    assert_round_trip(&a, "linear blur1d");
    char *files[] = {"problem.truth_file=t.h5:/x", "particles.init=file",
                     "particles.init_file=i.h5:/x0"};
    ck_assert_msg(load_base(base_logistic_files, files, 3, &a, err) == 0, "%s", err);
    assert_round_trip(&a, "logistic from files");
    /* a file's own comments and layout do not matter */
    const char *text = "; comment\n[problem]\ntype = gaussian ; inline\n[run]\nlayers=3\n"
                       "output = o.h5\n# another\n[particles]\nn=2\ndim=1\n[sampler]\nbeta=1\n"
                       "lambda=0\nh=1\n";
    ck_assert_msg(load_text(text, NULL, 0, &a, err) == 0, "%s", err);
    snprintf(what, sizeof what, "hand-written file");
    assert_round_trip(&a, what);
}
END_TEST

/* ---------------------------------------------------------------- physics hash and diff */

/* The rule of config.h: sampler.*, problem.*, particles.n, particles.dim, run.seed. */
static int documented_physics(const char *key)
{
    static const char *const observing[] = {"problem.reference_file", "problem.directions",
                                            "problem.quality_every"};
    for (size_t i = 0; i < sizeof observing / sizeof *observing; i++)
        if (strcmp(key, observing[i]) == 0)
            return 0;
    return strncmp(key, "sampler.", 8) == 0 || strncmp(key, "problem.", 8) == 0 ||
           strcmp(key, "particles.n") == 0 || strcmp(key, "particles.dim") == 0 ||
           strcmp(key, "run.seed") == 0 || strcmp(key, "flow.file") == 0 ||
           strcmp(key, "flow.steps") == 0;
}

/* Keys that can only change together with another one (a validation couples them). */
static const char *companion(const char *key)
{
    if (strcmp(key, "particles.init") == 0)
        return "particles.init_file=i.h5:/x0";
    if (strcmp(key, "particles.init_file") == 0)
        return "particles.init=file";
    return NULL;
}

/* Change `key` alone in some base configuration: a valid value different from the base's,
 * candidates by the allowed column. 1 with a and b loaded, 0 if no candidate is valid. */
static int perturb(const ref_row *r, rwpo_config *a, rwpo_config *b, char *newval, size_t n)
{
    char err[CONFIG_ERR], old[CONFIG_LIST], now[CONFIG_LIST];
    const char *cand[16];
    char choices[256];
    int nc = 0;
    if (is_numeric(r)) {
        static const char *const nums[] = {"3", "0.37", "7", "2", "1", "0", "0.5"};
        for (size_t i = 0; i < sizeof nums / sizeof *nums; i++)
            cand[nc++] = nums[i];
    } else if (strcmp(r->allowed, "text") == 0) {
        cand[nc++] = "perturbed";
        cand[nc++] = "perturbed.h5:/x";
        cand[nc++] = "2:0.05"; /* a schedule */
    } else if (strcmp(r->allowed, "1 or d numbers") == 0) {
        cand[nc++] = "0.5";
    } else { /* choices "a | b | c" */
        snprintf(choices, sizeof choices, "%s", r->allowed);
        for (char *s = strtok(choices, " |"); s && nc < 16; s = strtok(NULL, " |"))
            cand[nc++] = s;
    }
    for (int bi = 0; bi < N_BASES; bi++) {
        if (load_base(bases[bi], NULL, 0, a, err) != 0 || !cfg_get(a, r->key, old, sizeof old))
            continue;
        for (int i = 0; i < nc; i++) {
            char set[256];
            snprintf(set, sizeof set, "%s=%s", r->key, cand[i]);
            char *sets[2] = {set, (char *)companion(r->key)};
            if (load_base(bases[bi], sets, sets[1] ? 2 : 1, b, err) != 0)
                continue;
            if (cfg_get(b, r->key, now, sizeof now) && !same_value(now, old)) {
                snprintf(newval, n, "%s (base %s)", now, base_names[bi]);
                return 1;
            }
        }
    }
    return 0;
}

START_TEST(test_physics_keys)
{
    static const char *const physics[] = {"sampler.beta", "sampler.lambda", "sampler.h",
                                          "problem.type", "particles.n"};
    static const char *const not_physics[] = {"run.output", "run.every", "run.progress",
                                              "run.checkpoint_every", "run.name"};
    int tested_physics = 0, tested_other = 0, hard_seen = 0;
    for (int i = 0; i < g_n_ref; i++) {
        const ref_row *r = &g_ref[i];
        rwpo_config a, b;
        char newval[CONFIG_LIST + 64];
        if (!strchr(r->allowed, ' ') && !is_numeric(r) && strcmp(r->allowed, "text") != 0)
            continue; /* a single allowed value (sampler.method = rwpo_l1): cannot change */
        ck_assert_msg(perturb(r, &a, &b, newval, sizeof newval), "%s: no valid change found",
                      r->key);
        const int expect = documented_physics(r->key);
        for (size_t k = 0; k < 5; k++)
            hard_seen += strcmp(r->key, physics[k]) == 0 || strcmp(r->key, not_physics[k]) == 0;
        for (size_t k = 0; k < 5; k++) {
            ck_assert_msg(strcmp(r->key, physics[k]) != 0 || expect, "%s", r->key);
            ck_assert_msg(strcmp(r->key, not_physics[k]) != 0 || !expect, "%s", r->key);
        }
        const unsigned long long ha = config_physics_hash(&a), hb = config_physics_hash(&b);
        char diff[2048] = "x", back[2048] = "x";
        const int nd = config_physics_diff(&a, &b, diff, sizeof diff);
        const int nb = config_physics_diff(&b, &a, back, sizeof back);
        ck_assert_int_eq(nd, nb);
        if (expect) {
            char named[96];
            snprintf(named, sizeof named, "%s (", r->key);
            ck_assert_msg(ha != hb, "%s -> %s: physics hash unchanged", r->key, newval);
            ck_assert_msg(nd >= 1 && strstr(diff, named) && strstr(back, named),
                          "%s -> %s: diff %d '%s'", r->key, newval, nd, diff);
            if (strcmp(r->key, "problem.type") != 0) /* a new type brings its own keys */
                ck_assert_msg(nd == 1, "%s -> %s: diff %d '%s'", r->key, newval, nd, diff);
            tested_physics++;
        } else {
            ck_assert_msg(ha == hb, "%s -> %s: physics hash changed", r->key, newval);
            ck_assert_msg(nd == 0 && diff[0] == '\0', "%s -> %s: diff %d '%s'", r->key, newval,
                          nd, diff);
            tested_other++;
        }
        /* the hash is a function of the resolved configuration */
        rwpo_config a2;
        char *ini = config_to_ini(&a);
        char err[CONFIG_ERR];
        ck_assert_int_eq(config_parse_text("again", ini, &a2, err, sizeof err), 0);
        ck_assert(config_physics_hash(&a2) == ha);
        free(ini);
    }
    ck_assert_int_eq(hard_seen, 10);
    ck_assert_int_ge(tested_physics, 20);
    ck_assert_int_ge(tested_other, 15);

    /* the diff's text: "section.key (old -> new)", and a diff of several keys */
    char err[CONFIG_ERR], diff[512];
    rwpo_config a, b;
    ck_assert_int_eq(load_base(base_none, NULL, 0, &a, err), 0);
    char *two[] = {"sampler.beta=2", "particles.n=6", "run.every=4"};
    ck_assert_int_eq(load_base(base_none, two, 3, &b, err), 0);
    ck_assert_int_eq(config_physics_diff(&a, &b, diff, sizeof diff), 2);
    ck_assert_msg(strstr(diff, "particles.n (5 -> 6)") && strstr(diff, "sampler.beta (1 -> 2)"),
                  "%s", diff);
    ck_assert_msg(!strstr(diff, "every"), "%s", diff);
}
END_TEST

/* ---------------------------------------------------------------- values --set cannot store */

/* The printed configuration is stored in every run file and read back by restarts, so a --set
 * value the INI reader cannot give back is refused up front: (1) a list longer than the reader's
 * line (d values of init_mean), (2) a string holding the inline comment marker " ;", (3) a line
 * break. Values just inside the limit load and round-trip. */
START_TEST(test_unstorable_sets)
{
    char err[CONFIG_ERR];
    rwpo_config a;
    char mean[1024] = "particles.init_mean=0.125";
    for (int k = 1; k < 8; k++)
        strcat(mean, ", 0.1234567890123456789012345");
    char *sets[] = {mean};
    ck_assert_int_ne(load_base(base_none, sets, 1, &a, err), 0);
    ck_assert_msg(strstr(err, "cannot be stored") && strstr(err, "198"), "%s", err);
    char *name[] = {"run.name=a ;b"};
    ck_assert_int_ne(load_base(base_none, name, 1, &a, err), 0);
    ck_assert_msg(strstr(err, "' ;'"), "%s", err);
    char *nl[] = {"run.name=a\nb"};
    ck_assert_int_ne(load_base(base_none, nl, 1, &a, err), 0);
    char fits[256] = "run.name=";
    while (strlen(fits) < 9 + 198 - 7) /* "name = " + value = 198 characters */
        strcat(fits, "x");
    char *ok[] = {fits, "run.output=a;b.h5"}; /* a ';' without white space before it is text */
    ck_assert_msg(load_base(base_none, ok, 2, &a, err) == 0, "%s", err);
    assert_round_trip(&a, "a 198-character line and a ';' inside a word");
}
END_TEST

static Suite *config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("keys");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_reference_table);
    tcase_add_test(tc, test_defaults_from_reference);
    tcase_add_test(tc, test_precedence);
    tcase_add_test(tc, test_unknown_keys);
    tcase_add_test(tc, test_twice_and_missing);
    tcase_add_test(tc, test_bad_values);
    tcase_add_test(tc, test_parse_vector);
    tcase_add_test(tc, test_schedule);
    tcase_add_test(tc, test_round_trip);
    tcase_add_test(tc, test_physics_keys);
    tcase_add_test(tc, test_unstorable_sets);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (scratch_make(g_dir, sizeof g_dir, "test_config") != 0)
        return EXIT_FAILURE;
    setup();
    SRunner *sr = srunner_create(config_suite());
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    const int n_failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    scratch_remove(g_dir);
    return n_failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
