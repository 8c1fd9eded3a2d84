/**
 * @file config_text.c
 * @brief The resolved configuration as text: INI (printed, stored in run files), the /parameters
 *        attributes, the Markdown key reference, and the physics keys' diff and hash; all walk
 *        the key table (config_keys.h).
 */
#include "rwpo/base/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_keys.h"

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

void config_print(const rwpo_config *cfg, FILE *out)
{
    char *s = config_to_ini(cfg);
    fputs(s, out);
    free(s);
}

/* The generative keys' groups: the sample-quality keys of [problem], and [flow]. */
static int generative_group(const key_spec *k)
{
    if (strcmp(k->section, "flow") == 0)
        return 2;
    return strcmp(k->section, "problem") == 0 &&
           (strcmp(k->key, "reference_file") == 0 || strcmp(k->key, "directions") == 0 ||
            strcmp(k->key, "quality_every") == 0);
}

/* A generative key whose whole group is at its defaults (unused): left out of the printed
 * configuration and of the parameters, so that the outputs of other runs are unchanged. */
static int generative_off(const rwpo_config *c, const key_spec *k)
{
    const int g = generative_group(k);
    if (!g)
        return 0;
    char v[CONFIG_STR + 64];
    for (int i = 0; i < config_n_keys; i++)
        if (generative_group(&config_keys[i]) == g) {
            value_text(c, &config_keys[i], v, sizeof v);
            if (strcmp(v, config_keys[i].def) != 0)
                return 0;
        }
    return 1;
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
    for (int i = 0; i < config_n_keys; i++) {
        const key_spec *k = &config_keys[i];
        if (!config_key_applies(cfg, k) || generative_off(cfg, k))
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
    /* one block: the parameters, then their names "section.key" (freed with the array) */
    enum { NAME = 160 };
    rwpo_param *p = calloc((size_t)config_n_keys, sizeof *p + NAME);
    if (!p) {
        *out = NULL;
        return 0;
    }
    char *names = (char *)(p + config_n_keys);
    int n = 0;
    for (int i = 0; i < config_n_keys; i++) {
        const key_spec *k = &config_keys[i];
        if (!config_key_applies(cfg, k) || generative_off(cfg, k))
            continue;
        const char *field = (const char *)cfg + k->offset;
        char *name = names + (size_t)i * NAME;
        snprintf(name, NAME, "%s.%s", k->section, k->key);
        p[n].name = name;
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
    for (int i = 0; i < config_n_keys; i++) {
        const key_spec *k = &config_keys[i];
        if (k->kind == K_ENUM)
            config_key_choices_text(k, rt, sizeof rt);
        else if (k->kind == K_LONG || k->kind == K_DOUBLE || k->kind == K_TIME)
            config_key_range_text(k, rt, sizeof rt);
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
    if (strcmp(k->section, "problem") == 0) /* the sample-quality keys only observe */
        return strcmp(k->key, "reference_file") != 0 && strcmp(k->key, "directions") != 0 &&
               strcmp(k->key, "quality_every") != 0;
    if (strcmp(k->section, "flow") == 0)
        return strcmp(k->key, "readout_lambda") != 0;
    if (strcmp(k->section, "sampler") == 0)
        return 1;
    if (strcmp(k->section, "particles") == 0)
        return strcmp(k->key, "n") == 0 || strcmp(k->key, "dim") == 0;
    if (strcmp(k->section, "run") == 0)
        return strcmp(k->key, "seed") == 0;
    return 0;
}

/* sampler.correct_* while sampler.correct = none (and correct = none itself): left out of the
 * physics hash and diff as if unset, so checkpoints written before these keys existed keep
 * their hash. */
static int is_correct_off(const rwpo_config *c, const key_spec *k)
{
    if (!c->flow_file[0] && strcmp(k->section, "flow") == 0) /* likewise: no flow */
        return 1;
    if (strcmp(k->section, "sampler") != 0)
        return 0;
    /* likewise sampler.precondition* while precondition = none, and rwpo_l1's gamma unless
     * precondition = full */
    if (c->method == METHOD_RWPO_L1 && strcmp(k->key, "gamma") == 0)
        return c->precondition != PRECOND_FULL || c->precondition_l1 != PRECOND_L1_MOREAU;
    if (strncmp(k->key, "precondition", 12) == 0)
        return c->precondition == PRECOND_NONE;
    return c->correct == CORRECT_NONE && strncmp(k->key, "correct", 7) == 0;
}

int config_physics_diff(const rwpo_config *a, const rwpo_config *b, char *out, size_t outlen)
{
    char va[CONFIG_LIST], vb[CONFIG_LIST];
    int n = 0;
    size_t len = 0;
    if (outlen)
        out[0] = '\0';
    for (int i = 0; i < config_n_keys; i++) {
        const key_spec *k = &config_keys[i];
        if (!is_physics(k) || ((!config_key_applies(a, k) || is_correct_off(a, k)) &&
                               (!config_key_applies(b, k) || is_correct_off(b, k))))
            continue;
        value_text(a, k, va, sizeof va);
        value_text(b, k, vb, sizeof vb);
        if (!config_key_applies(a, k))
            snprintf(va, sizeof va, "(unset)");
        if (!config_key_applies(b, k))
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
    for (int i = 0; i < config_n_keys; i++) {
        const key_spec *k = &config_keys[i];
        if (!is_physics(k) || !config_key_applies(c, k) || is_correct_off(c, k))
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
