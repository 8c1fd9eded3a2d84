/**
 * @file compare.h
 * @brief `rwpo compare RUN REFERENCE`: a sampler's particles against a gold-standard sample,
 *        and the headline columns of `rwpo summarize --reference`.
 *
 * A sample is read from a run (or checkpoint) file, the particles of one recorded layer (the
 * last, or --layer K) or, for a reference, every recorded layer in [FROM, TO] pooled (--pool
 * FROM:TO; FROM: = to the last), or from an HDF5 dataset "path.h5:/dataset" of samples [M][d].
 * The statistics, the noise floor and the verdict rule are twosample.h's. Everything here is
 * SERIAL (call it on rank 0) and read-only: no run file is written, no lock is taken.
 */
#ifndef RWPO_COMPARE_H
#define RWPO_COMPARE_H

#include <stddef.h>
#include <stdio.h>

/** What `rwpo compare` compares and where the CSV goes. */
typedef struct {
    const char *run;       /**< RUN: a run file, or path.h5:/dataset */
    const char *layer;     /**< --layer K of RUN (NULL: its last recorded layer) */
    const char *reference; /**< REFERENCE: a run file, or path.h5:/dataset */
    const char *pool;      /**< --pool FROM:TO of REFERENCE (NULL: its last recorded layer) */
    const char *csv;       /**< --csv OUT (NULL: none) */
} compare_request;

/**
 * Read both samples, compare them and print the verdict line, the sizes, the noise floors and
 * the table per coordinate to out; write the CSV when asked (one row per coordinate, then the
 * rows "all", "floor" and "limit"). Serial.
 * @return 0 (whatever the verdict), or -1 with a one-line reason in err (unreadable input,
 *         missing layer, empty pool, mismatched d, fewer than 2 samples, CSV not writable)
 */
int compare_write(const compare_request *req, FILE *out, char *err, size_t errlen);

/** A prepared reference sample with its description (opaque). */
typedef struct compare_ref compare_ref;

/**
 * Read and prepare a reference (a run file's last layer or --pool FROM:TO, or a dataset) once,
 * for many runs (summarize). Serial. @return the reference (compare_ref_destroy), or NULL with
 * a one-line reason in err.
 */
compare_ref *compare_ref_load(const char *reference, const char *pool, char *err,
                              size_t errlen);

/** Free a reference; accepts NULL. */
void compare_ref_destroy(compare_ref *ref);

/** Receives one headline column (name, value as text); valid during the call only. */
typedef void (*compare_column_fn)(const char *name, const char *value, void *user);

/** The names of the headline columns, in order, NULL-terminated: ref_mean_error, ref_w1_max,
 *  ref_w1_mean, ref_corr_error, ref_energy, ref_agrees. */
extern const char *const compare_column_names[];

/**
 * Compare the last recorded layer of a run file with the reference and hand the headline
 * columns to fn (max |mean error|, W1 max, W1 mean, correlation error, energy distance, and
 * agrees = 1/0 within the noise limits; empty text when not computed). Serial.
 * @return 0, or -1 with a one-line reason in err (unreadable, d differs, fewer than 2 particles)
 */
int compare_columns(const compare_ref *ref, const char *run_file, compare_column_fn fn,
                    void *user, char *err, size_t errlen);

#endif /* RWPO_COMPARE_H */
