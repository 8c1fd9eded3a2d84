/**
 * @file sweep.h
 * @brief Parameter studies: the [sweep] section of a configuration, its points, and the
 *        configuration of one point (what `rwpo sweep` lists and `rwpo run --sweep-index K` runs).
 *
 *     [sweep]
 *     sampler.beta   = 0.5, 1, 2        ; values of any section.key, comma-separated
 *     sampler.lambda = 0.1, 1           ; (';'-separated when the values are lists themselves)
 *     mode = product                    ; product (default) | zip
 *
 *     [run]
 *     output = out/{name}_{index}_b{sampler.beta}_l{sampler.lambda}.h5
 *
 * Points: `product` is the Cartesian product, the first key varying slowest (nested loops in the
 * order written): above, point k = i_beta * n_lambda + i_lambda;
 * `zip` takes the k-th value of every list (all lists equally long). A key continued on an
 * indented line, or given again, appends values. `--set sweep.section.key=v1,v2` replaces a list.
 *
 * A point's configuration is: defaults < file < the point's values < --set (a --set of a swept
 * key is refused). run.output and run.name are templates: {index}, {name} (the expanded run.name)
 * and {section.key} of a swept key (its value as written in the list) are replaced.
 *
 * Everything here is serial (rank 0); main.c broadcasts the verdict and the configuration.
 */
#ifndef RWPO_SWEEP_H
#define RWPO_SWEEP_H

#include <stddef.h>
#include <stdio.h>

#include "rwpo/base/config.h"

#define SWEEP_MAX_KEYS 16         /**< swept keys per configuration */
#define SWEEP_MAX_VALUES 4096     /**< values per key */
#define SWEEP_MAX_POINTS 1000000L /**< points per sweep */

/** A parsed [sweep] section (opaque). */
typedef struct sweep_plan sweep_plan;

/**
 * Read the [sweep] section of the INI file `path` and any "sweep.section.key=v1,v2" among sets
 * (other sets are ignored here). Checks: keys are configuration keys (with "did you mean"), not
 * run.output/run.name, lists non-empty without empty items, mode = product | zip, zip lists
 * equally long, at most SWEEP_MAX_POINTS points. A file without [sweep] gives a plan with no
 * keys (sweep_count() == 0). Returns a new plan (free with sweep_plan_destroy), or NULL with a
 * one-line reason in err.
 */
sweep_plan *sweep_plan_load(const char *path, char *const *sets, int n_sets, char *err,
                            size_t errlen);

/** Free a plan (NULL is fine). */
void sweep_plan_destroy(sweep_plan *p);

/** Number of points (0: the configuration has no [sweep] section). */
long sweep_count(const sweep_plan *p);
/** Number of swept keys, the j-th key ("section.key"), and its value text at point k. */
int sweep_n_keys(const sweep_plan *p);
const char *sweep_key(const sweep_plan *p, int j);
const char *sweep_value(const sweep_plan *p, long k, int j);

/**
 * The configuration of point k: config_load with the point's values and then sets, checked by
 * problem_check_config, and the run.output / run.name templates expanded. Serial.
 * 0, or -1 with the reason (prefixed by the point).
 */
int sweep_point_config(const sweep_plan *p, const char *path, char *const *sets, int n_sets,
                       long k, rwpo_config *cfg, char *err, size_t errlen);

/**
 * Validate the whole sweep: every point's configuration, and no two points writing the same
 * output file. If out is not NULL, print the list (index, parameters, output) to it.
 * 0, or -1 with the reason.
 */
int sweep_check(const sweep_plan *p, const char *path, char *const *sets, int n_sets,
                FILE *out, char *err, size_t errlen);

/**
 * Parse --sweep-index: a non-negative integer, or "env" (SLURM_ARRAY_TASK_ID).
 * 0, or -1 with the reason.
 */
int sweep_parse_index(const char *spec, long *k, char *err, size_t errlen);

/**
 * Load the configuration of a command (run, check): without a sweep, config_load and
 * problem_check_config (an index is then an error); with a sweep, the whole sweep is validated
 * and point `index_spec` is resolved (no index is then an error naming the point count).
 * *point is the point or -1. Serial (rank 0). 0, or -1 with the reason.
 */
int sweep_config_load(const char *path, char *const *sets, int n_sets, const char *index_spec,
                      rwpo_config *cfg, long *point, char *err, size_t errlen);

#endif /* RWPO_SWEEP_H */
