/**
 * @file summary.h
 * @brief `rwpo summarize`: one CSV row per run file (or per sweep point) with the parameters,
 *        the status, the layers done and the final observables.
 *
 * Columns: [index,] file, status, layers_done, layers, checkpoint_layer, the parameters, then
 * the observables of the last recorded layer (scalars by name, vectors of up to 4 entries as
 * name_1..name_w; mean and std, [d] each, are left out).
 * - parameters: with a sweep configuration its swept keys (values as written in [sweep]);
 *   otherwise sampler.beta, sampler.lambda and every key whose stored value differs between the
 *   files (except run.output).
 * - with a reference (--reference REF [--pool FROM:TO], compare.h): ref_mean_error,
 *   ref_w1_max, ref_w1_mean, ref_corr_error, ref_energy and ref_agrees of the last recorded
 *   layer of every readable run against it (empty when it cannot be compared: a warning says
 *   why).
 * - status: complete | stopped (early, with a checkpoint to continue from) | failed | running
 *   (in progress, or killed: continue with --restart auto) | damaged (unreadable) | missing (no
 *   file). A run continued in segments (STEM.segK.h5) is read from its latest segment.
 *
 * Serial (rank 0).
 */
#ifndef RWPO_SUMMARY_H
#define RWPO_SUMMARY_H

#include <stddef.h>

/** What to summarise and where to write it. */
typedef struct {
    char *const *inputs;      /**< run files and directories (their *.h5, checkpoints and
                                   segments excepted) */
    int n_inputs;
    const char *csv;          /**< CSV path; NULL: CSV on stdout (unless sweep_config) */
    const char *sweep_config; /**< --missing CONFIG: rows per sweep point, print what to rerun */
    char *const *sets;        /**< --set overrides applied to sweep_config */
    int n_sets;
    const char *reference;    /**< --reference REF: add compare.h's columns (NULL: none) */
    const char *pool;         /**< --pool FROM:TO of the reference (NULL: its last layer) */
} summary_request;

/**
 * Write the summary. A tally goes to stderr; with sweep_config the indices of the points that
 * are not complete go to stdout as one line "i,j,k" (sbatch --array syntax; empty when none).
 * @return 0, or -1 with a one-line reason (bad configuration, unreadable directory, CSV not
 *         writable, nothing to summarise).
 */
int summary_write(const summary_request *req, char *err, size_t errlen);

#endif /* RWPO_SUMMARY_H */
