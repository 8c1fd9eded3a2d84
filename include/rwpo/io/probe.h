/**
 * @file probe.h
 * @brief Read-only probing of run and checkpoint files, and the printers built on it: `rwpo
 *        info`, the stored posterior summary, the continuation segments, and the plain-text
 *        posterior table also printed at the end of a run.
 *
 * Everything here is SERIAL: call it on one rank (or on every rank that needs the answer). Files
 * are opened read-only with HDF5's default driver and closed before returning; HDF5's own error
 * printing is off. This module makes no MPI calls. Errors are returned with a one-line message
 * in err where the function takes one. Part of the io layer (see h5md.h for its modules).
 */
#ifndef RWPO_PROBE_H
#define RWPO_PROBE_H

#include <stddef.h>
#include <stdio.h>

/** What a run or checkpoint file holds (filled by probe_file; free with probe_free). */
/** Floating-point attributes of /checkpoint that probe_file keeps. */
#define PROBE_MAX_VALUES 8

typedef struct {
    char *creator;          /**< "rwpo" */
    char *status;           /**< /parameters status (may be NULL) */
    char *config_ini;       /**< the stored resolved configuration */
    long n_global;          /**< N */
    int dim;                /**< d */
    long n_rec;             /**< readable frames */
    long long *steps;       /**< [n_rec] layer of each frame */
    double *times;          /**< [n_rec] time of each frame */
    int segment;            /**< 0 for an original run file, k for the k-th continuation */
    int is_checkpoint;      /**< has /checkpoint */
    char *ck_format;        /**< "rwpo-checkpoint" */
    long long ck_format_version;
    long long ck_layer;
    double ck_time;
    long long ck_traj_frames; /**< frames of the trajectory at the checkpoint */
    int ck_n_values;        /**< number of floating-point attributes of /checkpoint below */
    char ck_value_name[PROBE_MAX_VALUES][32]; /**< their names: time and the sampler's own
                                                   values (e.g. neighbours, acceptance) */
    double ck_value[PROBE_MAX_VALUES];        /**< their values */
    char *ck_hash;          /**< physics hash of the configuration (hex) */
    char *ck_content;       /**< content hash of the particle data (hex) */
} probe_info;

/**
 * Inspect a file: fails with a reason on anything unreadable (missing, empty, not HDF5, not
 * written by rwpo, damaged positions or checkpoint attributes). Serial. The strings and arrays
 * of *pi are allocated here and owned by the caller: release them with probe_free (on failure
 * nothing is left to free). @return 0, or -1 with a one-line reason in err
 */
int probe_file(const char *path, probe_info *pi, char *err, size_t errlen);

/** Free what probe_file allocated and zero *pi; accepts NULL. */
void probe_free(probe_info *pi);

/** The last recorded row of one observable of a run file (see probe_last_observables). */
typedef struct {
    const char *name;    /**< the observable (its group under /observables) */
    const char *problem; /**< NULL when the row was read, else why not: "no value dataset",
                              "unexpected shape", "nothing recorded" or "unreadable" */
    int rank;            /**< of the value dataset: 1 ([n_rec]) or 2 ([n_rec][width]) */
    long width;          /**< doubles in value (1 when rank is 1) */
    const double *value; /**< [width] the last recorded row (NULL when problem is set) */
    long long step;      /**< the step of that row, -1 when it cannot be read */
} probe_observable;

/** Receives one observable; everything it points to is valid during the call only. */
typedef void (*probe_observable_fn)(const probe_observable *obs, void *user);

/**
 * Hand the last recorded row of every observable of a run file (/observables/<name>/value and
 * step, in creation order) to fn, one call per observable, including those without a readable
 * row (problem set). Serial, read-only.
 * @return the number of observables handed over (0 when there are none), -1 when the file cannot
 *         be opened as HDF5
 */
int probe_last_observables(const char *path, probe_observable_fn fn, void *user);

/**
 * Print a summary of a run file (creator, author, status, N, d, layers recorded, parameters,
 * the last observables) to `out`. Serial. @return 0, or -1 with reason in err (no such file, not
 * an HDF5 file, not an rwpo/H5MD run file).
 */
int probe_print_info(const char *path, FILE *out, char *err, size_t errlen);

/**
 * Print the posterior summary stored in a run file (/posterior, with /problem/x_true and
 * /problem/exact_mean or /problem/map when present) as probe_posterior_table. Prints nothing and
 * returns 0 when the file has no /posterior (a run that did not finish). Serial.
 * @return 0, or -1 if the file cannot be opened as HDF5
 */
int probe_print_posterior(const char *path, FILE *out);

/**
 * Print the compact posterior table (coordinates 1..8 and the last 3 when d > 12): mean, std,
 * q2.5%, q97.5% and, when given (non-NULL), the truth and a reference column (named
 * reference_name, "reference" when NULL). Every array has d entries. No file access. Serial.
 */
void probe_posterior_table(FILE *out, long d, const double *mean, const double *std,
                           const double *lower, const double *upper, const double *truth,
                           const double *reference, const char *reference_name);

/**
 * Print the continuation segments of a run file (STEM.segK.h5, see runfiles.h) with their layers
 * and status, then the last complete layer over the file and its segments (nothing when none is
 * readable). Serial.
 */
void probe_print_segments(const char *path, FILE *out);

/* ---- verification (src/io/verify.c) --------------------------------------------------------- */

/** What probe_verify found in a file (filled as far as it got, also on failure). */
typedef struct {
    long frames;            /**< position frames in the file */
    long long first_step;   /**< layer of the first frame, -1 when unknown */
    long long last_step;    /**< layer of the last frame, -1 when unknown */
    int checksum;           /**< 1: the frames carry HDF5's Fletcher32 checksum; 0: a file
                                 written before rwpo had them (read back, not verifiable) */
    long bad_frames;        /**< damaged frames found (0 when intact) */
    long bad_frame;         /**< the first damaged frame, -1 when none */
} probe_verify_result;

/**
 * Receives each block of position rows [offset, offset + n) (n * dim doubles, row-major) of
 * frame `frame` as probe_verify reads them, in order; the data are valid during the call only.
 */
typedef void (*probe_rows_fn)(long frame, long offset, long n, int dim, const double *x,
                              void *user);

/**
 * Verify frames of a run or checkpoint file by reading them back: the positions (every row,
 * checked by HDF5's Fletcher32 checksum when the file has one, and finite), the frame's step and
 * time, and the frame's row of every observable (present, readable, of the same step). With
 * frame >= 0 only that frame is checked, with -1 every frame. Serial, read-only; the file is
 * closed before returning; memory is one chunk of positions.
 * @param rows optional (NULL): handed every block of positions read (e.g. to hash them)
 * @param r    receives the counts and the checksum flag (caller-owned)
 * @return 0 intact; -1 damaged or unreadable, with a one-line "where" in err naming the first
 *         damaged frame, its layer (when readable) and the dataset
 */
int probe_verify(const char *path, long frame, probe_rows_fn rows, void *user,
                 probe_verify_result *r, char *err, size_t errlen);

/**
 * Whether path is an existing regular file with the HDF5 signature (1) or not (0). Serial; a
 * FIFO or device is answered without being opened.
 */
int probe_is_hdf5(const char *path);

#endif /* RWPO_PROBE_H */
