/**
 * @file h5md.h
 * @brief The run file: H5MD 1.1 layout, written collectively with parallel HDF5.
 *
 * Layout (see the README and conventions):
 *   /h5md                              attrs version = [1,1]; groups author (attr name),
 *                                      creator (attrs name, version)
 *   /particles/cloud/box               attrs dimension = d, boundary = ["none"] x d
 *   /particles/cloud/position/value    [n_rec][N][d] float64, chunked, unlimited first dim
 *   /particles/cloud/position/step     [n_rec] int64 (layer index)
 *   /particles/cloud/position/time     [n_rec] float64 (sum of step sizes so far)
 *   /observables/<name>/value          [n_rec] or [n_rec][width] float64
 *   /observables/<name>/step, time     as above
 *   /parameters                        one attribute per resolved parameter ("section.key"),
 *                                      plus config_ini, program_version, git_revision;
 *                                      attr status = "running" | "complete" | "failed" | "stopped"
 *
 * Every function taking an h5md_file* is COLLECTIVE over the communicator the file was created
 * with, and must be called by all its ranks with the same arguments (except the per-rank particle
 * block). This module makes no MPI calls of its own: it hands the communicator to HDF5.
 * Errors are returned (negative) with a one-line message in err; nothing aborts.
 */
#ifndef RWPO_H5MD_H
#define RWPO_H5MD_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct h5md_file h5md_file; /* opaque */

/** One resolved parameter stored as an attribute of /parameters. */
typedef struct {
    const char *name; /**< "section.key" */
    char type;        /**< 'd' double, 'i' integer, 's' string */
    double d;
    long long i;
    const char *s;
} h5md_param;

/** One observable: `width` doubles per recorded layer (width 1 is stored as [n_rec]). */
typedef struct {
    const char *name;
    int width;
    const double *value; /**< length width; only rank 0's values are written */
} h5md_observable;

/**
 * Create (truncate) the run file and write the static parts (h5md, box, parameters).
 * @param n_global number of particles N, @param dim d
 * @param author   user name for /h5md/author
 * @return the handle, or NULL with the reason in err (same verdict on every rank only if the
 *         cause is global; the caller agrees on the outcome with a reduction).
 */
h5md_file *h5md_create(const char *path, MPI_Comm comm, long n_global, int dim,
                       const h5md_param *params, int n_params, const char *config_ini,
                       const char *author, char *err, size_t errlen);

/**
 * Say whether this rank writes the rank-0-only data (the observables and their step/time).
 * The caller MUST call it once after h5md_create, with is_writer true on exactly one rank,
 * typically h5md_set_writer(f, rank == 0) (the module makes no MPI calls, so it cannot ask).
 * Until it is called h5md_write_observables fails. Local (not collective); accepts NULL.
 */
void h5md_set_writer(h5md_file *f, int is_writer);

/**
 * Append one recorded layer: this rank's particles are rows [offset, offset + n_local) of the
 * global [N][d] array (x has n_local * dim doubles, row-major). Flushes the file afterwards.
 */
int h5md_write_positions(h5md_file *f, int64_t step, double time, long offset, long n_local,
                         const double *x, char *err, size_t errlen);

/** Append one recorded layer of observables (same set, same order, at every call). */
int h5md_write_observables(h5md_file *f, int64_t step, double time, const h5md_observable *obs,
                           int n_obs, char *err, size_t errlen);

/** Set /parameters attr status (e.g. "complete") and flush. */
int h5md_set_status(h5md_file *f, const char *status, char *err, size_t errlen);

/** Close and free; accepts NULL. Returns 0 or negative on error. */
int h5md_close(h5md_file *f);

/**
 * Read rows [offset, offset + n_local) of a 2-D float dataset "path.h5:/dataset" of shape
 * [n_global][dim] (collective). Checks the file is HDF5, the dataset exists, is 2-D, floating
 * point, of the expected shape and finite. The finiteness check covers this rank's rows only,
 * so only the ranks holding a non-finite value return -1 for it: agree on the outcome with a
 * reduction.
 * @return 0, or -1 with a one-line reason in err
 */
int h5md_read_matrix(const char *spec, MPI_Comm comm, long n_global, int dim, long offset,
                     long n_local, double *x, char *err, size_t errlen);

/**
 * Print a summary of a run file (layers recorded, N, d, status, parameters, last observables)
 * to `out`. Serial: call on one rank. @return 0, or -1 with reason in err.
 */
int h5md_info(const char *path, FILE *out, char *err, size_t errlen);

#endif /* RWPO_H5MD_H */
