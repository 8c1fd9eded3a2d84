/**
 * @file config_keys.h
 * @brief Private to src/base/config*.c: the one table of configuration keys (config_keys.c) and
 *        what describes a key. The table drives parsing and the checks of each value
 *        (config.c), and the resolved INI text, the /parameters attributes, the key reference
 *        (--keys) and the physics diff and hash (config_text.c).
 */
#ifndef RWPO_CONFIG_KEYS_H
#define RWPO_CONFIG_KEYS_H

#include <stddef.h>

#include "rwpo/base/config.h"

/** How a key's value is read and stored. */
typedef enum { K_LONG, K_DOUBLE, K_STRING, K_ENUM, K_LIST, K_TIME } key_kind;

/** Lower-bound kinds of number keys. */
enum { R_NONE = 0, R_GE = 1, R_GT = 2 };

/** One key: where it lives in rwpo_config, its default, what is allowed, what it means. */
typedef struct {
    const char *section;
    const char *key;
    key_kind kind;
    size_t offset;
    size_t size;                /**< capacity for strings/lists */
    const char *def;            /**< default text; NULL = required */
    int lo_kind;                /**< R_NONE, R_GE, R_GT */
    double lo;
    double hi;                  /**< upper bound (inclusive), HUGE_VAL = none */
    const char *const *choices; /**< K_ENUM: NULL-terminated */
    int problems;               /**< bit mask of the problem types (PB) and sampler methods (MB)
                                     allowing the key; no PB bit = every type, no MB bit =
                                     every method */
    const char *help;
} key_spec;

/** Bit of problem type p in key_spec.problems. */
#define PB(p) (1 << (p))
/** The problem-type bits of key_spec.problems. */
#define PB_ALL 0xffff
/** Bit of sampler method m in key_spec.problems (a key of some methods only). */
#define MB(m) (1 << (16 + (m)))

/** The keys, in the order of the printed configuration (sections contiguous). */
extern const key_spec config_keys[];
/** Number of entries in config_keys. */
extern const int config_n_keys;
/** The problem type names, indexed by config_problem, NULL-terminated. */
extern const char *const config_problem_names[];

/** Does key k belong to the problem type and sampler method of cfg? Pure. */
int config_key_applies(const rwpo_config *cfg, const key_spec *k);

/** The allowed range of a number key as text, e.g. ">= 1 and <= 1e+09" ("" if unbounded). */
void config_key_range_text(const key_spec *k, char *buf, size_t n);

/** The choices of an enum key as text, e.g. "exact | moreau". */
void config_key_choices_text(const key_spec *k, char *buf, size_t n);

#endif /* RWPO_CONFIG_KEYS_H */
