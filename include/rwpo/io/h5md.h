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
 *
 * The io layer (the only code that includes <hdf5.h>) has one module per job:
 *   h5md.h   the run file: create, write, reopen to continue, close (src/io/h5md.c,
 *            src/io/h5md_append.c);
 *   input.h  readers of user inputs "path.h5:/dataset" and of run-file frames (src/io/input.c);
 *   probe.h  read-only probing of run and checkpoint files and the `rwpo info` / posterior
 *            printers (src/io/probe.c, src/io/info.c).
 * Their shared HDF5 helpers (error messages, silencing HDF5's error printing, attributes, groups,
 * datasets) are private to src/io (src/io/h5util.h); the run-file handle's layout is private to
 * src/io/h5md_file.h.
 */
#ifndef RWPO_H5MD_H
#define RWPO_H5MD_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "rwpo/base/values.h"

typedef struct h5md_file h5md_file; /* opaque */

/**
 * Create (truncate) the run file and write the static parts (h5md, box, parameters).
 * @param n_global number of particles N, @param dim d
 * @param author   user name for /h5md/author
 * @return the handle, or NULL with the reason in err (same verdict on every rank only if the
 *         cause is global; the caller agrees on the outcome with a reduction).
 */
h5md_file *h5md_create(const char *path, MPI_Comm comm, long n_global, int dim,
                       const rwpo_param *params, int n_params, const char *config_ini,
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
int h5md_write_observables(h5md_file *f, int64_t step, double time, const rwpo_observable *obs,
                           int n_obs, char *err, size_t errlen);

/** Set /parameters attr status (e.g. "complete") and flush. */
int h5md_set_status(h5md_file *f, const char *status, char *err, size_t errlen);

/** Close and free; accepts NULL. Returns 0 or negative on error. */
int h5md_close(h5md_file *f);

/* ---- checkpoints and restart ------------------------------------------------------------- */

/**
 * Flag of h5md_create_ex: HDF5's Fletcher32 checksum filter on every extendible dataset
 * (positions, steps, times, each observable's value, step and time), as rwpo writes run files,
 * segments and checkpoints; a damaged chunk then fails its read (probe_verify names it). A file
 * reopened with h5md_open_append keeps what it has (files of earlier versions have none).
 */
#define H5MD_CHECKSUM 1

/** h5md_create with flags (H5MD_CHECKSUM). Collective. */
h5md_file *h5md_create_ex(const char *path, MPI_Comm comm, long n_global, int dim,
                          const rwpo_param *params, int n_params, const char *config_ini,
                          const char *author, int flags, char *err, size_t errlen);

/** Write (replace) attributes of group `group` (absolute path; created if missing). Collective. */
int h5md_write_attrs(h5md_file *f, const char *group, const rwpo_param *params, int n, char *err,
                     size_t errlen);

/**
 * Reopen a run file to continue it (collective): checks it holds [*][N][d] positions, keeps the
 * leading frames with step <= keep_step (of positions and of every observable), truncating the
 * rest, and fails ("damaged") when fewer than min_frames frames remain or the steps are out of
 * order or inconsistent. Writing continues after the kept frames.
 */
h5md_file *h5md_open_append(const char *path, MPI_Comm comm, long n_global, int dim,
                            int64_t keep_step, long min_frames, char *err, size_t errlen);

/**
 * The serial half of continuing a run file: truncate it, with HDF5's default driver, to the
 * leading frames with step <= keep_step (positions and every observable; the same checks and
 * messages as h5md_open_append), so that h5md_open_append then has nothing to shrink. Shrinking
 * a checksummed dataset rewrites its partly kept chunks, which parallel HDF5 1.10 does on every
 * rank at once (some read a chunk back mid-rewrite and fail its checksum): one rank does it here.
 * SERIAL: call it on one rank while no rank has the file open, then agree on the outcome.
 * @return 0, or -1 with the reason in err
 */
int h5md_truncate(const char *path, long n_global, int dim, int64_t keep_step, long min_frames,
                  char *err, size_t errlen);

/** Number of recorded position frames in the open file. */
long h5md_frames(const h5md_file *f);
/** Layer (step) of the last recorded position frame, -1 when there is none. */
long long h5md_last_step(const h5md_file *f);

/**
 * Write a 1-D [dims[0]] or 2-D [dims[0]][dims[1]] float64 dataset at the absolute path `name`
 * (e.g. "/posterior/mean"; groups are created; an existing dataset is replaced), with an optional
 * string attribute "description". Collective: every rank calls it with the same name and dims;
 * only the writer rank's data are written. Flushes. @return 0, or -1 with reason in err.
 */
int h5md_write_dataset(h5md_file *f, const char *name, int rank, const long *dims,
                       const double *data, const char *description, char *err, size_t errlen);

/**
 * Number of HDF5 identifiers of files, groups, datasets, datatypes and attributes open in this
 * process (H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL)): 0 once every io function has cleaned up.
 * Local (not collective); for the RWPO_CHECK_HDF5_IDS check at the end of the program, since an
 * identifier of a parallel file left open is closed by HDF5 after MPI_Finalize and crashes.
 */
long h5md_open_ids(void);

/**
 * Close the HDF5 library (H5close) with its error printing off, while MPI is still running: call
 * it once at the end of the program, before MPI_Finalize (local, every rank). After a read error
 * on damaged metadata HDF5 may be unable to release a file internally (no identifier is left,
 * but its library shutdown would loop and print "infinite loop closing library", and a parallel
 * file closed after MPI_Finalize crashes); here that ends quietly. HDF5 reopens itself if
 * it is used again.
 */
void h5md_library_close(void);

#endif /* RWPO_H5MD_H */
