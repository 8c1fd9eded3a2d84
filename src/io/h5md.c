/**
 * @file h5md.c
 * @brief The run file in the H5MD 1.1 layout, written collectively with parallel HDF5: create,
 *        write, close (reopening to continue a run is in h5md_append.c).
 *
 * Layout and calling rules: see rwpo/io/h5md.h. Choices made here:
 *   - The file is opened with the MPI-IO driver on the caller's communicator and metadata writes
 *     are collective. This module makes no MPI calls of its own (the MPI_Comm is only handed to
 *     HDF5), so whatever needs a rank (who writes the observables) is told by the caller
 *     (h5md_set_writer).
 *   - Format bounds are pinned to HDF5 1.8 (H5F_LIBVER_V18 .. V18): readable by every HDF5 >= 1.8
 *     (h5py, h5dump, ParaView), and attributes may exceed 64 KiB (dense attribute storage), which a
 *     long config_ini needs. /parameters and /observables track creation order, so tools list them
 *     in the order they were written.
 *   - Strings are fixed-length, NUL-terminated ASCII (H5T_C_S1 of size strlen + 1); h5py reads them
 *     as bytes, h5dump prints them. The box boundary is a [d] array of such strings.
 *   - Integers in the file are little-endian standard types (int32 for /h5md version and the box
 *     dimension, int64 for steps and integer parameters), floats are IEEE float64.
 *   - Extendible datasets have an unlimited first dimension, chunks of at most about 1 MiB and no
 *     fill value (every extension is written straight away): position [1][min(N, rows)][d] with
 *     rows * d * 8 <= 1 MiB, step/time 1024 elements, observables
 *     [min(1024, 1 MiB / (8 width))][width].
 *   - The rows of the particle block are written with a collective transfer; a rank with no rows
 *     selects none and still takes part. The position step/time are written by the rank holding
 *     row 0, the observables (value, step, time) by the rank given to h5md_set_writer.
 *   - A rank whose own arguments are bad (block out of range, missing buffer) still takes part in
 *     every collective call with an empty selection and returns -1 at the end, so no rank hangs.
 *   - HDF5's automatic error printing is switched off inside every public function (and restored
 *     on return, H5UTIL_QUIETLY); the innermost HDF5 error description is appended to the
 *     one-line message (h5util_fail).
 */
#include "rwpo/io/h5md.h"

#include <H5pubconf.h>
#if !H5_HAVE_PARALLEL
#error "rwpo needs a parallel HDF5 build (H5_HAVE_PARALLEL); on Debian: libhdf5-openmpi-dev"
#endif

#include <stdlib.h>
#include <string.h>

#if defined(__has_include)
#if __has_include("rwpo_build.h")
#include "rwpo_build.h"
#endif
#endif
#ifndef RWPO_VERSION
#define RWPO_VERSION "unknown"
#endif
#ifndef RWPO_GIT_REVISION
#define RWPO_GIT_REVISION "unknown"
#endif

#include "h5md_file.h"
#include "h5util.h"
#include "rwpo/base/runfiles.h"

enum {
    CHUNK_BYTES = 1 << 20, /* target size of one chunk */
    CHUNK_1D = 1024        /* elements per chunk of step/time */
};

/* ---------------------------------------------------------------------------------------------
 * Writing helpers (collective: called identically on every rank)
 */

/** Rows per chunk for rows of `row_bytes` bytes: about CHUNK_BYTES, at least 1, at most cap. */
static hsize_t chunk_rows(size_t row_bytes, hsize_t cap)
{
    hsize_t rows = (hsize_t)(CHUNK_BYTES / (row_bytes ? row_bytes : 1));
    if (rows < 1)
        rows = 1;
    if (rows > cap)
        rows = cap;
    return rows;
}

/**
 * Extend ds (rank `rank`, unlimited first dimension) to new_len and write this rank's block
 * start[]/count[] from buf (mtype); with select == 0 this rank selects nothing but still takes
 * part in the collective extension and transfer.
 */
static int ext_write(const h5md_file *f, hid_t ds, const char *obj, int rank, hsize_t new_len,
                     const hsize_t *start, const hsize_t *count, int select, hid_t mtype,
                     const void *buf, char *err, size_t errlen)
{
    static const double dummy[1] = {0.0};
    hsize_t dims[3] = {0, 0, 0};
    hid_t fs = -1, ms = -1;
    int rc = -1;
    fs = H5Dget_space(ds);
    if (fs < 0 || H5Sget_simple_extent_dims(fs, dims, NULL) != rank) {
        h5util_fail(err, errlen, f->path, obj, 1, "cannot read the dataset's shape");
        goto out;
    }
    H5Sclose(fs);
    fs = -1;
    dims[0] = new_len;
    if (H5Dset_extent(ds, dims) < 0) {
        h5util_fail(err, errlen, f->path, obj, 1, "cannot extend to %llu records",
                    (unsigned long long)new_len);
        goto out;
    }
    fs = H5Dget_space(ds);
    if (fs < 0) {
        h5util_fail(err, errlen, f->path, obj, 1, "cannot get the dataspace");
        goto out;
    }
    if (select) {
        if (H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
            (ms = H5Screate_simple(rank, count, NULL)) < 0) {
            h5util_fail(err, errlen, f->path, obj, 1,
                        "cannot select rows %llu..%llu of record %llu",
                        (unsigned long long)(rank > 1 ? start[1] : 0),
                        (unsigned long long)(rank > 1 ? start[1] + count[1] : 1),
                        (unsigned long long)start[0]);
            goto out;
        }
    } else {
        hsize_t one = 1;
        if (H5Sselect_none(fs) < 0 || (ms = H5Screate_simple(1, &one, NULL)) < 0 ||
            H5Sselect_none(ms) < 0) {
            h5util_fail(err, errlen, f->path, obj, 1, "cannot make an empty selection");
            goto out;
        }
    }
    if (H5Dwrite(ds, mtype, ms, fs, f->dxpl, buf ? buf : (const void *)dummy) < 0) {
        h5util_fail(err, errlen, f->path, obj, 1, "cannot write record %llu",
                    (unsigned long long)(new_len - 1));
        goto out;
    }
    rc = 0;
out:
    h5util_close(fs);
    h5util_close(ms);
    return rc;
}

int h5md_file_flush(const h5md_file *f, char *err, size_t errlen)
{
    if (H5Fflush(f->file, H5F_SCOPE_GLOBAL) < 0) {
        h5util_fail(err, errlen, f->path, NULL, 1, "cannot flush");
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Create, write, close
 */

static int write_static(h5md_file *f, const rwpo_param *params, int n_params,
                        const char *config_ini, const char *author, char *err, size_t errlen)
{
    const char *p = f->path;
    hid_t h5md = -1, g = -1, parts = -1, cloud = -1, box = -1, pos = -1, obsg = -1;
    const char **bounds = NULL;
    int rc = -1;

    /* /h5md */
    h5md = h5util_group_create(f->file, "h5md", p, "/h5md", 0, err, errlen);
    if (h5md < 0)
        goto out;
    const int version[2] = {1, 1};
    if (h5util_attr_write(h5md, p, "/h5md", "version", H5T_STD_I32LE, H5T_NATIVE_INT, 2, version,
                          err, errlen) < 0)
        goto out;
    if ((g = h5util_group_create(h5md, "author", p, "/h5md/author", 0, err, errlen)) < 0 ||
        h5util_attr_str(g, p, "/h5md/author", "name", author, err, errlen) < 0)
        goto out;
    h5util_close(g);
    if ((g = h5util_group_create(h5md, "creator", p, "/h5md/creator", 0, err, errlen)) < 0 ||
        h5util_attr_str(g, p, "/h5md/creator", "name", "rwpo", err, errlen) < 0 ||
        h5util_attr_str(g, p, "/h5md/creator", "version", RWPO_VERSION, err, errlen) < 0)
        goto out;

    /* /particles/cloud/box and the position element */
    if ((parts = h5util_group_create(f->file, "particles", p, "/particles", 0, err, errlen)) < 0 ||
        (cloud = h5util_group_create(parts, "cloud", p, "/particles/cloud", 0, err, errlen)) < 0 ||
        (box = h5util_group_create(cloud, "box", p, "/particles/cloud/box", 0, err, errlen)) < 0)
        goto out;
    if (h5util_attr_write(box, p, "/particles/cloud/box", "dimension", H5T_STD_I32LE,
                          H5T_NATIVE_INT, 0, &f->dim, err, errlen) < 0)
        goto out;
    bounds = malloc((size_t)f->dim * sizeof *bounds);
    if (!bounds) {
        h5util_fail(err, errlen, p, "/particles/cloud/box", 0, "out of memory");
        goto out;
    }
    for (int k = 0; k < f->dim; k++)
        bounds[k] = "none";
    if (h5util_attr_str_array(box, p, "/particles/cloud/box", "boundary", bounds, (size_t)f->dim,
                              err, errlen) < 0)
        goto out;

    pos = h5util_group_create(cloud, "position", p, "/particles/cloud/position", 0, err, errlen);
    if (pos < 0)
        goto out;
    const hsize_t n = (hsize_t)f->n_global, d = (hsize_t)f->dim;
    const hsize_t tail[2] = {n, d};
    const hsize_t chunk3[3] = {1, chunk_rows((size_t)d * sizeof(double), n), d};
    const hsize_t chunk1[1] = {CHUNK_1D};
    const int ck = (f->flags & H5MD_CHECKSUM) != 0;
    f->pos_value = h5util_dataset_create_ext(pos, "value", p, "/particles/cloud/position/value",
                                             H5T_IEEE_F64LE, 3, tail, chunk3, ck, err, errlen);
    if (f->pos_value < 0)
        goto out;
    f->pos_step = h5util_dataset_create_ext(pos, "step", p, "/particles/cloud/position/step",
                                            H5T_STD_I64LE, 1, NULL, chunk1, ck, err, errlen);
    if (f->pos_step < 0)
        goto out;
    f->pos_time = h5util_dataset_create_ext(pos, "time", p, "/particles/cloud/position/time",
                                            H5T_IEEE_F64LE, 1, NULL, chunk1, ck, err, errlen);
    if (f->pos_time < 0)
        goto out;

    obsg = h5util_group_create(f->file, "observables", p, "/observables", 1, err, errlen);
    if (obsg < 0)
        goto out;

    /* /parameters */
    f->params = h5util_group_create(f->file, "parameters", p, "/parameters", 1, err, errlen);
    if (f->params < 0)
        goto out;
    for (int i = 0; i < n_params; i++) {
        const rwpo_param *q = &params[i];
        if (!q->name || !q->name[0]) {
            h5util_fail(err, errlen, p, "/parameters", 0, "parameter %d has no name", i);
            goto out;
        }
        const int r = h5util_attr_param(f->params, p, "/parameters", q, err, errlen);
        if (r == -2)
            h5util_fail(err, errlen, p, "/parameters", 0,
                        "parameter '%s' has type '%c' (allowed: 'd', 'i', 's')", q->name, q->type);
        if (r < 0)
            goto out;
    }
    const char *const stored[][2] = {{"config_ini", config_ini},
                                     {"program_version", RWPO_VERSION},
                                     {"git_revision", RWPO_GIT_REVISION},
                                     {"status", "running"}};
    for (size_t i = 0; i < sizeof stored / sizeof *stored; i++)
        if (h5util_attr_str(f->params, p, "/parameters", stored[i][0], stored[i][1], err,
                            errlen) < 0)
            goto out;
    rc = 0;
out:
    free(bounds);
    H5UTIL_CLOSE(g, h5md, box, pos, cloud, parts, obsg);
    return rc;
}

static void free_handle(h5md_file *f)
{
    if (!f)
        return;
    for (int i = 0; i < f->n_obs; i++)
        free(f->obs[i].name);
    free(f->obs);
    free(f->path);
    free(f);
}

/* The handle's life (h5md_file.h): new, open, flush; closed and freed by h5md_close. */

h5md_file *h5md_file_new(const char *path, long n_global, int dim, char *err, size_t errlen)
{
    h5md_file *f = calloc(1, sizeof *f);
    if (!f || !(f->path = h5util_dup_str(path))) {
        h5util_fail(err, errlen, path, NULL, 0, "out of memory");
        free(f);
        return NULL;
    }
    f->file = f->dxpl = f->params = f->pos_value = f->pos_step = f->pos_time = -1;
    f->n_global = n_global;
    f->dim = dim;
    f->writer = -1;
    f->last_step = -1;
    return f;
}

int h5md_file_open(h5md_file *f, MPI_Comm comm, int create, char *err, size_t errlen)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    int rc = -1;
    if (fapl < 0 || H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL) < 0 ||
        H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18) < 0 ||
        H5Pset_coll_metadata_write(fapl, 1) < 0) {
        h5util_fail(err, errlen, f->path, NULL, 1, "cannot set up parallel file access");
        goto out;
    }
    f->file = create ? H5Fcreate(f->path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl)
                     : H5Fopen(f->path, H5F_ACC_RDWR, fapl);
    if (f->file < 0) {
        h5util_fail(err, errlen, f->path, NULL, 1,
                    create ? "cannot create the file" : "cannot open for appending");
        goto out;
    }
    f->dxpl = H5Pcreate(H5P_DATASET_XFER);
    if (f->dxpl < 0 || H5Pset_dxpl_mpio(f->dxpl, H5FD_MPIO_COLLECTIVE) < 0) {
        h5util_fail(err, errlen, f->path, NULL, 1, "cannot set up collective transfers");
        goto out;
    }
    rc = 0;
out:
    h5util_close(fapl);
    return rc;
}

static h5md_file *create_impl(const char *path, MPI_Comm comm, long n_global, int dim,
                              const rwpo_param *params, int n_params, const char *config_ini,
                              const char *author, int flags, char *err, size_t errlen)
{
    if (!path || !path[0]) {
        h5util_fail(err, errlen, "h5md_create", NULL, 0, "no output path given");
        return NULL;
    }
    if (n_global < 1 || dim < 1 || n_params < 0 || (n_params > 0 && !params)) {
        h5util_fail(err, errlen, path, NULL, 0,
                    "bad arguments: N = %ld, d = %d, %d parameters (need N >= 1, d >= 1)", n_global,
                    dim, n_params);
        return NULL;
    }
    /* a device or FIFO cannot hold a run file, and a parallel file that fails to close (as
     * /dev/null does: it cannot be truncated) would crash HDF5's shutdown: refused unopened */
    if (runfiles_check_regular(path, 1, err, errlen) != 0)
        return NULL;
    h5md_file *f = h5md_file_new(path, n_global, dim, err, errlen);
    if (!f)
        return NULL;
    f->flags = flags;
    if (h5md_file_open(f, comm, 1, err, errlen) < 0 ||
        write_static(f, params, n_params, config_ini ? config_ini : "",
                     author && author[0] ? author : "unknown", err, errlen) < 0 ||
        h5md_file_flush(f, err, errlen) < 0)
        goto fail;
    return f;
fail:
    h5md_close(f); /* closes what was opened and frees */
    return NULL;
}

h5md_file *h5md_create(const char *path, MPI_Comm comm, long n_global, int dim,
                       const rwpo_param *params, int n_params, const char *config_ini,
                       const char *author, char *err, size_t errlen)
{
    return h5md_create_ex(path, comm, n_global, dim, params, n_params, config_ini, author, 0, err,
                          errlen);
}

h5md_file *h5md_create_ex(const char *path, MPI_Comm comm, long n_global, int dim,
                          const rwpo_param *params, int n_params, const char *config_ini,
                          const char *author, int flags, char *err, size_t errlen)
{
    h5md_file *f;
    H5UTIL_QUIETLY(f, create_impl(path, comm, n_global, dim, params, n_params, config_ini, author,
                                  flags, err, errlen));
    return f;
}

void h5md_set_writer(h5md_file *f, int is_writer)
{
    if (f)
        f->writer = is_writer != 0;
}

static int write_positions_impl(h5md_file *f, int64_t step, double time, long offset, long n_local,
                                const double *x, char *err, size_t errlen)
{
    const int local_ok = offset >= 0 && n_local >= 0 && offset <= f->n_global &&
                         n_local <= f->n_global - offset && (n_local == 0 || x);
    const hsize_t rec = f->n_rec, new_len = f->n_rec + 1;
    const long long st = step;

    const hsize_t vstart[3] = {rec, local_ok ? (hsize_t)offset : 0, 0};
    const hsize_t vcount[3] = {1, local_ok ? (hsize_t)n_local : 0, (hsize_t)f->dim};
    /* Every collective call is made on every rank even after a local failure (a full disk
     * may fail the write on one rank only); the first error is reported at the end. */
    char e2[H5UTIL_REASON_LEN * 2];
    int rc = ext_write(f, f->pos_value, "/particles/cloud/position/value", 3, new_len, vstart,
                       vcount, local_ok && n_local > 0, H5T_NATIVE_DOUBLE, x, err, errlen);
    const hsize_t start1[1] = {rec}, count1[1] = {1};
    const int owns_row0 = local_ok && offset == 0 && n_local > 0;
    if (ext_write(f, f->pos_step, "/particles/cloud/position/step", 1, new_len, start1, count1,
                  owns_row0, H5T_NATIVE_LLONG, &st, rc ? e2 : err, rc ? sizeof e2 : errlen) < 0)
        rc = -1;
    if (ext_write(f, f->pos_time, "/particles/cloud/position/time", 1, new_len, start1, count1,
                  owns_row0, H5T_NATIVE_DOUBLE, &time, rc ? e2 : err, rc ? sizeof e2 : errlen) < 0)
        rc = -1;
    if (h5md_file_flush(f, rc ? e2 : err, rc ? sizeof e2 : errlen) < 0)
        rc = -1;
    if (rc < 0)
        return -1;
    f->n_rec = new_len;
    f->last_step = step;
    if (!local_ok) {
        h5util_fail(err, errlen, f->path, "/particles/cloud/position/value", 0,
                    "bad particle block: rows %ld..%ld of N = %ld%s (this rank wrote nothing)",
                    offset, offset + n_local, f->n_global, (n_local > 0 && !x) ? ", no data" : "");
        return -1;
    }
    return 0;
}

int h5md_write_positions(h5md_file *f, int64_t step, double time, long offset, long n_local,
                         const double *x, char *err, size_t errlen)
{
    if (!f) {
        h5util_fail(err, errlen, "h5md_write_positions", NULL, 0, "no file handle");
        return -1;
    }
    int rc;
    H5UTIL_QUIETLY(rc, write_positions_impl(f, step, time, offset, n_local, x, err, errlen));
    return rc;
}

/** Create /observables/<name>/{value, step, time} for every observable (first call). */
static int create_observable_datasets(h5md_file *f, const rwpo_observable *obs, int n_obs,
                                      char *err, size_t errlen)
{
    char obj[512];
    hid_t root = -1, g = -1;
    int rc = -1;
    const int ck = (f->flags & H5MD_CHECKSUM) != 0;
    f->obs = calloc(n_obs > 0 ? (size_t)n_obs : 1, sizeof *f->obs);
    if (!f->obs) {
        h5util_fail(err, errlen, f->path, "/observables", 0, "out of memory");
        return -1;
    }
    f->n_obs = n_obs;
    for (int i = 0; i < n_obs; i++)
        f->obs[i].value = f->obs[i].step = f->obs[i].time = -1;
    root = H5Gopen2(f->file, "/observables", H5P_DEFAULT);
    if (root < 0) {
        h5util_fail(err, errlen, f->path, "/observables", 1, "cannot open group");
        goto out;
    }
    for (int i = 0; i < n_obs; i++) {
        h5md_obs_ds *o = &f->obs[i];
        if (!(o->name = h5util_dup_str(obs[i].name))) {
            h5util_fail(err, errlen, f->path, "/observables", 0, "out of memory");
            goto out;
        }
        o->width = obs[i].width;
        snprintf(obj, sizeof obj, "/observables/%s", o->name);
        if ((g = h5util_group_create(root, o->name, f->path, obj, 0, err, errlen)) < 0)
            goto out;
        const hsize_t tail[1] = {(hsize_t)o->width};
        const hsize_t rows = chunk_rows((size_t)o->width * sizeof(double), CHUNK_1D);
        const hsize_t chunk2[2] = {rows, (hsize_t)o->width}, chunk1[1] = {CHUNK_1D};
        snprintf(obj, sizeof obj, "/observables/%s/value", o->name);
        const int rank = o->width == 1 ? 1 : 2; /* a scalar is stored as [n_rec] */
        o->value = h5util_dataset_create_ext(g, "value", f->path, obj, H5T_IEEE_F64LE, rank, tail,
                                             rank == 1 ? chunk1 : chunk2, ck, err, errlen);
        if (o->value < 0)
            goto out;
        snprintf(obj, sizeof obj, "/observables/%s/step", o->name);
        o->step = h5util_dataset_create_ext(g, "step", f->path, obj, H5T_STD_I64LE, 1, NULL, chunk1,
                                            ck, err, errlen);
        if (o->step < 0)
            goto out;
        snprintf(obj, sizeof obj, "/observables/%s/time", o->name);
        o->time = h5util_dataset_create_ext(g, "time", f->path, obj, H5T_IEEE_F64LE, 1, NULL,
                                            chunk1, ck, err, errlen);
        if (o->time < 0)
            goto out;
        h5util_close(g);
        g = -1;
    }
    rc = 0;
out:
    h5util_close(g);
    h5util_close(root);
    f->obs_created = 1; /* also on failure: the handles made so far are closed by h5md_close */
    return rc;
}

static int write_observables_impl(h5md_file *f, int64_t step, double time,
                                  const rwpo_observable *obs, int n_obs, char *err, size_t errlen)
{
    char obj[512];
    if (f->writer < 0) {
        h5util_fail(err, errlen, f->path, "/observables", 0,
                    "h5md_set_writer() was not called after h5md_create()");
        return -1;
    }
    if (n_obs < 0 || (n_obs > 0 && !obs)) {
        h5util_fail(err, errlen, f->path, "/observables", 0, "bad arguments (%d observables)",
                    n_obs);
        return -1;
    }
    for (int i = 0; i < n_obs; i++) {
        const char *nm = obs[i].name;
        if (!nm || !nm[0] || strchr(nm, '/') || strcmp(nm, ".") == 0 || strlen(nm) > 200 ||
            obs[i].width < 1) {
            h5util_fail(
                err, errlen, f->path, "/observables", 0,
                "observable %d: bad name '%s' or width %d (need a name without '/', width >= 1)", i,
                nm ? nm : "(null)", obs[i].width);
            return -1;
        }
    }
    if (!f->obs_created) {
        if (create_observable_datasets(f, obs, n_obs, err, errlen) < 0)
            return -1;
    } else {
        if (n_obs != f->n_obs) {
            h5util_fail(err, errlen, f->path, "/observables", 0,
                        "%d observables given, the file has %d (same set at every call)", n_obs,
                        f->n_obs);
            return -1;
        }
        for (int i = 0; i < n_obs; i++)
            if (strcmp(obs[i].name, f->obs[i].name) != 0 || obs[i].width != f->obs[i].width) {
                h5util_fail(err, errlen, f->path, "/observables", 0,
                            "observable %d is '%s' of width %d, the file has '%s' of width %d", i,
                            obs[i].name, obs[i].width, f->obs[i].name, f->obs[i].width);
                return -1;
            }
    }

    const hsize_t rec = f->n_rec_obs, new_len = rec + 1;
    const long long st = step;
    int local_ok = 1, rc = 0;
    char e2[H5UTIL_REASON_LEN * 2];
    /* as for positions: all collective calls on all ranks, the first error kept */
#define ERRBUF (rc ? e2 : err), (rc ? sizeof e2 : errlen)
    for (int i = 0; i < n_obs; i++) {
        const h5md_obs_ds *o = &f->obs[i];
        const int sel = f->writer && obs[i].value != NULL;
        if (f->writer && !obs[i].value)
            local_ok = 0;
        const hsize_t start[2] = {rec, 0}, count[2] = {1, (hsize_t)o->width};
        snprintf(obj, sizeof obj, "/observables/%s/value", o->name);
        if (ext_write(f, o->value, obj, o->width == 1 ? 1 : 2, new_len, start, count, sel,
                      H5T_NATIVE_DOUBLE, obs[i].value, ERRBUF) < 0)
            rc = -1;
        snprintf(obj, sizeof obj, "/observables/%s/step", o->name);
        if (ext_write(f, o->step, obj, 1, new_len, start, count, f->writer, H5T_NATIVE_LLONG, &st,
                      ERRBUF) < 0)
            rc = -1;
        snprintf(obj, sizeof obj, "/observables/%s/time", o->name);
        if (ext_write(f, o->time, obj, 1, new_len, start, count, f->writer, H5T_NATIVE_DOUBLE,
                      &time, ERRBUF) < 0)
            rc = -1;
    }
    if (h5md_file_flush(f, ERRBUF) < 0)
        rc = -1;
#undef ERRBUF
    if (rc < 0)
        return -1;
    f->n_rec_obs = new_len;
    if (!local_ok) {
        h5util_fail(err, errlen, f->path, "/observables", 0,
                    "the writing rank passed an observable without values");
        return -1;
    }
    return 0;
}

int h5md_write_observables(h5md_file *f, int64_t step, double time, const rwpo_observable *obs,
                           int n_obs, char *err, size_t errlen)
{
    if (!f) {
        h5util_fail(err, errlen, "h5md_write_observables", NULL, 0, "no file handle");
        return -1;
    }
    int rc;
    H5UTIL_QUIETLY(rc, write_observables_impl(f, step, time, obs, n_obs, err, errlen));
    return rc;
}

static int set_status_impl(h5md_file *f, const char *status, char *err, size_t errlen)
{
    /* The string's size is part of its type: replace the attribute rather than overwrite it. */
    htri_t ex = H5Aexists(f->params, "status");
    if (ex < 0) {
        h5util_fail(err, errlen, f->path, "/parameters", 1, "cannot look up attribute 'status'");
        return -1;
    }
    if (ex > 0 && H5Adelete(f->params, "status") < 0) {
        h5util_fail(err, errlen, f->path, "/parameters", 1, "cannot replace attribute 'status'");
        return -1;
    }
    if (h5util_attr_str(f->params, f->path, "/parameters", "status", status, err, errlen) < 0 ||
        h5md_file_flush(f, err, errlen) < 0)
        return -1;
    return 0;
}

int h5md_set_status(h5md_file *f, const char *status, char *err, size_t errlen)
{
    if (!f || !status || !status[0]) {
        h5util_fail(err, errlen, f ? f->path : "h5md_set_status", "/parameters", 0,
                    "no file handle or empty status");
        return -1;
    }
    int rc;
    H5UTIL_QUIETLY(rc, set_status_impl(f, status, err, errlen));
    return rc;
}

/* Close every HDF5 handle of f (all of them, even after a failure). 0, or -1 if any failed. */
static int close_handles(h5md_file *f)
{
    int rc = 0;
    for (int i = 0; i < f->n_obs; i++)
        rc |= H5UTIL_CLOSE(f->obs[i].value, f->obs[i].step, f->obs[i].time);
    rc |= H5UTIL_CLOSE(f->pos_value, f->pos_step, f->pos_time, f->params, f->dxpl, f->file);
    return rc;
}

int h5md_close(h5md_file *f)
{
    if (!f)
        return 0;
    int rc;
    H5UTIL_QUIETLY(rc, close_handles(f));
    free_handle(f);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Attribute groups (checkpoints, restarts) and whole datasets (the posterior summary)
 */

static int write_attrs_impl(h5md_file *f, const char *group, const rwpo_param *params, int n,
                            char *err, size_t errlen)
{
    hid_t g = -1;
    int rc = -1;
    htri_t ex = H5Lexists(f->file, group, H5P_DEFAULT);
    g = ex > 0 ? H5Gopen2(f->file, group, H5P_DEFAULT)
               : h5util_group_create(f->file, group + (group[0] == '/'), f->path, group, 1, err,
                                     errlen);
    if (g < 0) {
        h5util_fail(err, errlen, f->path, group, 1, "cannot open or create the group");
        return -1;
    }
    for (int i = 0; i < n; i++) {
        const rwpo_param *p = &params[i];
        if (H5Aexists(g, p->name) > 0 && H5Adelete(g, p->name) < 0) {
            h5util_fail(err, errlen, f->path, group, 1, "cannot replace attribute '%s'", p->name);
            goto out;
        }
        const int r = h5util_attr_param(g, f->path, group, p, err, errlen);
        if (r == -2)
            h5util_fail(err, errlen, f->path, group, 0, "attribute '%s': unknown type '%c'",
                        p->name, p->type);
        if (r < 0)
            goto out;
    }
    rc = h5md_file_flush(f, err, errlen);
out:
    h5util_close(g);
    return rc;
}

int h5md_write_attrs(h5md_file *f, const char *group, const rwpo_param *params, int n, char *err,
                     size_t errlen)
{
    if (!f || !group || group[0] != '/' || n < 0 || (n > 0 && !params)) {
        h5util_fail(err, errlen, f ? f->path : "h5md_write_attrs", group, 0, "bad arguments");
        return -1;
    }
    int rc;
    H5UTIL_QUIETLY(rc, write_attrs_impl(f, group, params, n, err, errlen));
    return rc;
}

long h5md_open_ids(void)
{
    ssize_t n;
    H5UTIL_QUIETLY(n, H5Fget_obj_count((hid_t)H5F_OBJ_ALL, H5F_OBJ_ALL));
    return (long)n;
}

void h5md_library_close(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* stays off: the library is closing */
    H5close();
}

long h5md_frames(const h5md_file *f) { return f ? (long)f->n_rec : 0; }

long long h5md_last_step(const h5md_file *f) { return f && f->n_rec ? f->last_step : -1; }

static int write_dataset_impl(h5md_file *f, const char *name, int rank, const long *dims,
                              const double *data, const char *description, char *err, size_t errlen)
{
    hid_t lcpl = -1, space = -1, ds = -1, ms = -1;
    int rc = -1;
    if (f->writer < 0) {
        h5util_fail(err, errlen, f->path, name, 0, "h5md_set_writer was not called");
        return -1;
    }
    if (rank < 1 || rank > 2) {
        h5util_fail(err, errlen, f->path, name, 0, "rank %d not supported", rank);
        return -1;
    }
    hsize_t hd[2] = {(hsize_t)dims[0], rank == 2 ? (hsize_t)dims[1] : 1};
    /* an earlier summary (a restarted run) is replaced */
    if (H5Lexists(f->file, name, H5P_DEFAULT) > 0 && H5Ldelete(f->file, name, H5P_DEFAULT) < 0) {
        h5util_fail(err, errlen, f->path, name, 1, "cannot replace the dataset");
        goto out;
    }
    lcpl = H5Pcreate(H5P_LINK_CREATE);
    space = H5Screate_simple(rank, hd, NULL);
    if (lcpl < 0 || H5Pset_create_intermediate_group(lcpl, 1) < 0 || space < 0) {
        h5util_fail(err, errlen, f->path, name, 1, "cannot set up the dataset");
        goto out;
    }
    ds = H5Dcreate2(f->file, name, H5T_IEEE_F64LE, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    if (ds < 0) {
        h5util_fail(err, errlen, f->path, name, 1, "cannot create the dataset");
        goto out;
    }
    if (description &&
        h5util_attr_str(ds, f->path, name, "description", description, err, errlen) != 0)
        goto out;
    herr_t w;
    if (f->writer) {
        w = H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, f->dxpl, data);
    } else {
        const hsize_t one = 1;
        ms = H5Screate_simple(1, &one, NULL);
        double dummy = 0.0;
        w = (ms < 0 || H5Sselect_none(ms) < 0 || H5Sselect_none(space) < 0)
                ? -1
                : H5Dwrite(ds, H5T_NATIVE_DOUBLE, ms, space, f->dxpl, &dummy);
    }
    if (w < 0) {
        h5util_fail(err, errlen, f->path, name, 1, "cannot write the dataset");
        goto out;
    }
    rc = 0;
out:
    H5UTIL_CLOSE(ms, ds, space, lcpl);
    return rc;
}

int h5md_write_dataset(h5md_file *f, const char *name, int rank, const long *dims,
                       const double *data, const char *description, char *err, size_t errlen)
{
    if (!f) {
        h5util_fail(err, errlen, "h5md_write_dataset", name, 0, "no file");
        return -1;
    }
    int rc;
    H5UTIL_QUIETLY(rc, write_dataset_impl(f, name, rank, dims, data, description, err, errlen) == 0
                           ? h5md_file_flush(f, err, errlen)
                           : -1);
    return rc;
}
