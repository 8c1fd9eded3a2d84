/**
 * @file h5md.c
 * @brief The run file in the H5MD 1.1 layout, written collectively with parallel HDF5.
 *
 * Layout and calling rules: see rwpo/h5md.h. Choices made here:
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
 *     on return); the innermost HDF5 error description is appended to the one-line message.
 */
#include "rwpo/io/h5md.h"

#include <H5pubconf.h>
#if !H5_HAVE_PARALLEL
#error "rwpo needs a parallel HDF5 build (H5_HAVE_PARALLEL); on Debian: libhdf5-openmpi-dev"
#endif
#include <hdf5.h>

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

enum {
    CHUNK_BYTES = 1 << 20,   /* target size of one chunk */
    CHUNK_1D = 1024,         /* elements per chunk of step/time */
    INFO_VECTOR_SHOWN = 6,   /* h5md_info prints this many leading entries of a vector */
    REASON_LEN = 256
};

/** One observable's datasets (created at the first h5md_write_observables). */
typedef struct {
    char *name;
    int width;
    hid_t value, step, time;
} obs_ds;

struct h5md_file {
    hid_t file;
    hid_t dxpl;          /* collective transfer property list */
    hid_t params;        /* /parameters group (status is rewritten there) */
    hid_t pos_value, pos_step, pos_time;
    char *path;          /* for error messages */
    long n_global;       /* N */
    int dim;             /* d */
    int writer;          /* -1 unset, 0 or 1: this rank writes the observables */
    hsize_t n_rec;       /* position layers written */
    int obs_created;     /* the observable datasets exist */
    obs_ds *obs;         /* n_obs entries */
    int n_obs;
    hsize_t n_rec_obs;   /* observable layers written */
    int flags;           /* H5MD_CHECKSUM: Fletcher32 on the positions */
    long long last_step; /* step of the last position frame (-1: none) */
};

/* ---------------------------------------------------------------------------------------------
 * Errors
 */

/** Automatic error printing state saved on entry to a public function. */
typedef struct {
    H5E_auto2_t func;
    void *data;
} quiet_state;

static quiet_state quiet_begin(void)
{
    quiet_state q = {NULL, NULL};
    H5Eget_auto2(H5E_DEFAULT, &q.func, &q.data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    return q;
}

static void quiet_end(quiet_state q) { H5Eset_auto2(H5E_DEFAULT, q.func, q.data); }

static herr_t reason_cb(unsigned n, const H5E_error2_t *e, void *data)
{
    char *reason = data;
    if (n == 0 && e->desc && e->desc[0])
        snprintf(reason, REASON_LEN, "%s", e->desc);
    return 0;
}

/**
 * Write a one-line message "<file>:<obj>: <what>" into err; with h5 set, append the innermost
 * description on HDF5's error stack (call straight after the failing HDF5 call).
 */
static void fail(char *err, size_t errlen, const char *file, const char *obj, int h5,
                 const char *fmt, ...)
{
    char reason[REASON_LEN] = "";
    if (h5)
        H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, reason_cb, reason);
    if (!err || errlen == 0)
        return;
    int n = snprintf(err, errlen, "%s%s%s: ", file ? file : "", obj && obj[0] ? ":" : "",
                     obj ? obj : "");
    if (n >= 0 && (size_t)n < errlen) {
        va_list ap;
        va_start(ap, fmt);
        int m = vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
        va_end(ap);
        if (m >= 0 && (size_t)(n + m) < errlen && h5)
            snprintf(err + n + m, errlen - (size_t)(n + m), " (HDF5: %s)",
                     reason[0] ? reason : "no details");
    }
    for (char *p = err; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
}

/** Close any HDF5 identifier (negative: nothing to do). Returns negative on failure. */
static herr_t h5_close(hid_t id)
{
    if (id < 0)
        return 0;
    switch (H5Iget_type(id)) {
    case H5I_FILE: return H5Fclose(id);
    case H5I_GROUP: return H5Gclose(id);
    case H5I_DATATYPE: return H5Tclose(id);
    case H5I_DATASPACE: return H5Sclose(id);
    case H5I_DATASET: return H5Dclose(id);
    case H5I_ATTR: return H5Aclose(id);
    case H5I_GENPROP_LST: return H5Pclose(id);
    default: return -1;
    }
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* ---------------------------------------------------------------------------------------------
 * Writing helpers (collective: called identically on every rank)
 */

/** Fixed-length NUL-terminated ASCII string type of `size` bytes (>= 1). */
static hid_t str_type(size_t size)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0)
        return -1;
    if (H5Tset_size(t, size ? size : 1) < 0 || H5Tset_strpad(t, H5T_STR_NULLTERM) < 0 ||
        H5Tset_cset(t, H5T_CSET_ASCII) < 0) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

/** Create attribute `name` on loc (object path `obj`) with n elements (n = 0: scalar). */
static int attr_write(hid_t loc, const char *path, const char *obj, const char *name, hid_t ftype,
                      hid_t mtype, hsize_t n, const void *buf, char *err, size_t errlen)
{
    hid_t space = n ? H5Screate_simple(1, &n, NULL) : H5Screate(H5S_SCALAR);
    if (space < 0) {
        fail(err, errlen, path, obj, 1, "cannot make the dataspace of attribute '%s'", name);
        return -1;
    }
    hid_t a = H5Acreate2(loc, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT);
    H5Sclose(space);
    if (a < 0) {
        fail(err, errlen, path, obj, 1, "cannot create attribute '%s'", name);
        return -1;
    }
    if (H5Awrite(a, mtype, buf) < 0) {
        fail(err, errlen, path, obj, 1, "cannot write attribute '%s'", name);
        H5Aclose(a);
        return -1;
    }
    if (H5Aclose(a) < 0) {
        fail(err, errlen, path, obj, 1, "cannot close attribute '%s'", name);
        return -1;
    }
    return 0;
}

static int attr_str(hid_t loc, const char *path, const char *obj, const char *name,
                    const char *value, char *err, size_t errlen)
{
    hid_t t = str_type(strlen(value) + 1);
    if (t < 0) {
        fail(err, errlen, path, obj, 1, "cannot make a string type for attribute '%s'", name);
        return -1;
    }
    int rc = attr_write(loc, path, obj, name, t, t, 0, value, err, errlen);
    H5Tclose(t);
    return rc;
}

/** A [n] attribute of fixed-length strings, all padded to the longest. */
static int attr_str_array(hid_t loc, const char *path, const char *obj, const char *name,
                          const char *const *values, size_t n, char *err, size_t errlen)
{
    size_t size = 1;
    for (size_t i = 0; i < n; i++)
        if (strlen(values[i]) + 1 > size)
            size = strlen(values[i]) + 1;
    char *buf = calloc(n ? n : 1, size);
    if (!buf) {
        fail(err, errlen, path, obj, 0, "out of memory for attribute '%s'", name);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        memcpy(buf + i * size, values[i], strlen(values[i]));
    hid_t t = str_type(size);
    int rc = -1;
    if (t < 0)
        fail(err, errlen, path, obj, 1, "cannot make a string type for attribute '%s'", name);
    else
        rc = attr_write(loc, path, obj, name, t, t, (hsize_t)n, buf, err, errlen);
    h5_close(t);
    free(buf);
    return rc;
}

/** Create group `name` under loc; obj is its full path (for messages). */
static hid_t group_create(hid_t loc, const char *name, const char *path, const char *obj,
                          int track_order, char *err, size_t errlen)
{
    hid_t gcpl = H5P_DEFAULT;
    if (track_order) {
        gcpl = H5Pcreate(H5P_GROUP_CREATE);
        if (gcpl < 0 ||
            H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0 ||
            H5Pset_attr_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0) {
            fail(err, errlen, path, obj, 1, "cannot set up the group creation properties");
            h5_close(gcpl);
            return -1;
        }
    }
    hid_t g = H5Gcreate2(loc, name, H5P_DEFAULT, gcpl, H5P_DEFAULT);
    if (g < 0)
        fail(err, errlen, path, obj, 1, "cannot create group");
    if (gcpl != H5P_DEFAULT)
        H5Pclose(gcpl);
    return g;
}

/**
 * Create an extendible dataset [0][tail...] (maxdims [unlimited][tail...]) of type ftype,
 * chunked as chunk[], without fill value. rank counts the first dimension.
 */
static hid_t dataset_create_ext(hid_t loc, const char *name, const char *path, const char *obj,
                                hid_t ftype, int rank, const hsize_t *tail, const hsize_t *chunk,
                                int fletcher32, char *err, size_t errlen)
{
    hsize_t dims[3] = {0, 0, 0}, maxdims[3] = {H5S_UNLIMITED, 0, 0};
    for (int i = 1; i < rank; i++)
        dims[i] = maxdims[i] = tail[i - 1];
    hid_t space = -1, dcpl = -1, ds = -1;
    space = H5Screate_simple(rank, dims, maxdims);
    if (space < 0) {
        fail(err, errlen, path, obj, 1, "cannot make the dataspace");
        goto out;
    }
    dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (dcpl < 0 || H5Pset_chunk(dcpl, rank, chunk) < 0 ||
        H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER) < 0 ||
        (fletcher32 && H5Pset_fletcher32(dcpl) < 0)) {
        fail(err, errlen, path, obj, 1, "cannot set up chunking");
        goto out;
    }
    ds = H5Dcreate2(loc, name, ftype, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (ds < 0)
        fail(err, errlen, path, obj, 1, "cannot create dataset");
out:
    h5_close(space);
    h5_close(dcpl);
    return ds;
}

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
        fail(err, errlen, f->path, obj, 1, "cannot read the dataset's shape");
        goto out;
    }
    H5Sclose(fs);
    fs = -1;
    dims[0] = new_len;
    if (H5Dset_extent(ds, dims) < 0) {
        fail(err, errlen, f->path, obj, 1, "cannot extend to %llu records",
             (unsigned long long)new_len);
        goto out;
    }
    fs = H5Dget_space(ds);
    if (fs < 0) {
        fail(err, errlen, f->path, obj, 1, "cannot get the dataspace");
        goto out;
    }
    if (select) {
        if (H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
            (ms = H5Screate_simple(rank, count, NULL)) < 0) {
            fail(err, errlen, f->path, obj, 1, "cannot select rows %llu..%llu of record %llu",
                 (unsigned long long)(rank > 1 ? start[1] : 0),
                 (unsigned long long)(rank > 1 ? start[1] + count[1] : 1),
                 (unsigned long long)start[0]);
            goto out;
        }
    } else {
        hsize_t one = 1;
        if (H5Sselect_none(fs) < 0 || (ms = H5Screate_simple(1, &one, NULL)) < 0 ||
            H5Sselect_none(ms) < 0) {
            fail(err, errlen, f->path, obj, 1, "cannot make an empty selection");
            goto out;
        }
    }
    if (H5Dwrite(ds, mtype, ms, fs, f->dxpl, buf ? buf : (const void *)dummy) < 0) {
        fail(err, errlen, f->path, obj, 1, "cannot write record %llu",
             (unsigned long long)(new_len - 1));
        goto out;
    }
    rc = 0;
out:
    h5_close(fs);
    h5_close(ms);
    return rc;
}

static int flush(const h5md_file *f, char *err, size_t errlen)
{
    if (H5Fflush(f->file, H5F_SCOPE_GLOBAL) < 0) {
        fail(err, errlen, f->path, NULL, 1, "cannot flush");
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
    h5md = group_create(f->file, "h5md", p, "/h5md", 0, err, errlen);
    if (h5md < 0)
        goto out;
    const int version[2] = {1, 1};
    if (attr_write(h5md, p, "/h5md", "version", H5T_STD_I32LE, H5T_NATIVE_INT, 2, version, err,
                   errlen) < 0)
        goto out;
    if ((g = group_create(h5md, "author", p, "/h5md/author", 0, err, errlen)) < 0 ||
        attr_str(g, p, "/h5md/author", "name", author, err, errlen) < 0)
        goto out;
    h5_close(g);
    if ((g = group_create(h5md, "creator", p, "/h5md/creator", 0, err, errlen)) < 0 ||
        attr_str(g, p, "/h5md/creator", "name", "rwpo", err, errlen) < 0 ||
        attr_str(g, p, "/h5md/creator", "version", RWPO_VERSION, err, errlen) < 0)
        goto out;

    /* /particles/cloud/box and the position element */
    if ((parts = group_create(f->file, "particles", p, "/particles", 0, err, errlen)) < 0 ||
        (cloud = group_create(parts, "cloud", p, "/particles/cloud", 0, err, errlen)) < 0 ||
        (box = group_create(cloud, "box", p, "/particles/cloud/box", 0, err, errlen)) < 0)
        goto out;
    if (attr_write(box, p, "/particles/cloud/box", "dimension", H5T_STD_I32LE, H5T_NATIVE_INT, 0,
                   &f->dim, err, errlen) < 0)
        goto out;
    bounds = malloc((size_t)f->dim * sizeof *bounds);
    if (!bounds) {
        fail(err, errlen, p, "/particles/cloud/box", 0, "out of memory");
        goto out;
    }
    for (int k = 0; k < f->dim; k++)
        bounds[k] = "none";
    if (attr_str_array(box, p, "/particles/cloud/box", "boundary", bounds, (size_t)f->dim, err,
                       errlen) < 0)
        goto out;

    pos = group_create(cloud, "position", p, "/particles/cloud/position", 0, err, errlen);
    if (pos < 0)
        goto out;
    const hsize_t n = (hsize_t)f->n_global, d = (hsize_t)f->dim;
    const hsize_t tail[2] = {n, d};
    const hsize_t chunk3[3] = {1, chunk_rows((size_t)d * sizeof(double), n), d};
    const hsize_t chunk1[1] = {CHUNK_1D};
    f->pos_value = dataset_create_ext(pos, "value", p, "/particles/cloud/position/value",
                                      H5T_IEEE_F64LE, 3, tail, chunk3,
                                      (f->flags & H5MD_CHECKSUM) != 0, err, errlen);
    if (f->pos_value < 0)
        goto out;
    f->pos_step = dataset_create_ext(pos, "step", p, "/particles/cloud/position/step",
                                     H5T_STD_I64LE, 1, NULL, chunk1, 0, err, errlen);
    if (f->pos_step < 0)
        goto out;
    f->pos_time = dataset_create_ext(pos, "time", p, "/particles/cloud/position/time",
                                     H5T_IEEE_F64LE, 1, NULL, chunk1, 0, err, errlen);
    if (f->pos_time < 0)
        goto out;

    obsg = group_create(f->file, "observables", p, "/observables", 1, err, errlen);
    if (obsg < 0)
        goto out;

    /* /parameters */
    f->params = group_create(f->file, "parameters", p, "/parameters", 1, err, errlen);
    if (f->params < 0)
        goto out;
    for (int i = 0; i < n_params; i++) {
        const rwpo_param *q = &params[i];
        int r;
        if (!q->name || !q->name[0]) {
            fail(err, errlen, p, "/parameters", 0, "parameter %d has no name", i);
            goto out;
        }
        switch (q->type) {
        case 'd':
            r = attr_write(f->params, p, "/parameters", q->name, H5T_IEEE_F64LE,
                           H5T_NATIVE_DOUBLE, 0, &q->d, err, errlen);
            break;
        case 'i':
            r = attr_write(f->params, p, "/parameters", q->name, H5T_STD_I64LE, H5T_NATIVE_LLONG,
                           0, &q->i, err, errlen);
            break;
        case 's':
            r = attr_str(f->params, p, "/parameters", q->name, q->s ? q->s : "", err, errlen);
            break;
        default:
            fail(err, errlen, p, "/parameters", 0,
                 "parameter '%s' has type '%c' (allowed: 'd', 'i', 's')", q->name, q->type);
            r = -1;
        }
        if (r < 0)
            goto out;
    }
    if (attr_str(f->params, p, "/parameters", "config_ini", config_ini, err, errlen) < 0 ||
        attr_str(f->params, p, "/parameters", "program_version", RWPO_VERSION, err, errlen) < 0 ||
        attr_str(f->params, p, "/parameters", "git_revision", RWPO_GIT_REVISION, err, errlen) <
            0 ||
        attr_str(f->params, p, "/parameters", "status", "running", err, errlen) < 0)
        goto out;
    rc = 0;
out:
    free(bounds);
    h5_close(g);
    h5_close(h5md);
    h5_close(box);
    h5_close(pos);
    h5_close(cloud);
    h5_close(parts);
    h5_close(obsg);
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

/** A new handle with nothing open (NULL with the reason on allocation failure). */
static h5md_file *handle_new(const char *path, long n_global, int dim, char *err, size_t errlen)
{
    h5md_file *f = calloc(1, sizeof *f);
    if (!f || !(f->path = dup_str(path))) {
        fail(err, errlen, path, NULL, 0, "out of memory");
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

/**
 * Create (create != 0, truncating) or open read-write the file of f with the MPI-IO driver on
 * comm, and make the collective transfer list. Collective. 0 or -1 with the reason.
 */
static int open_parallel(h5md_file *f, MPI_Comm comm, int create, char *err, size_t errlen)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    int rc = -1;
    if (fapl < 0 || H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL) < 0 ||
        H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18) < 0 ||
        H5Pset_coll_metadata_write(fapl, 1) < 0) {
        fail(err, errlen, f->path, NULL, 1, "cannot set up parallel file access");
        goto out;
    }
    f->file = create ? H5Fcreate(f->path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl)
                     : H5Fopen(f->path, H5F_ACC_RDWR, fapl);
    if (f->file < 0) {
        fail(err, errlen, f->path, NULL, 1, create ? "cannot create the file"
                                                    : "cannot open for appending");
        goto out;
    }
    f->dxpl = H5Pcreate(H5P_DATASET_XFER);
    if (f->dxpl < 0 || H5Pset_dxpl_mpio(f->dxpl, H5FD_MPIO_COLLECTIVE) < 0) {
        fail(err, errlen, f->path, NULL, 1, "cannot set up collective transfers");
        goto out;
    }
    rc = 0;
out:
    h5_close(fapl);
    return rc;
}

static h5md_file *create_impl(const char *path, MPI_Comm comm, long n_global, int dim,
                              const rwpo_param *params, int n_params, const char *config_ini,
                              const char *author, int flags, char *err, size_t errlen)
{
    if (!path || !path[0]) {
        fail(err, errlen, "h5md_create", NULL, 0, "no output path given");
        return NULL;
    }
    if (n_global < 1 || dim < 1 || n_params < 0 || (n_params > 0 && !params)) {
        fail(err, errlen, path, NULL, 0,
             "bad arguments: N = %ld, d = %d, %d parameters (need N >= 1, d >= 1)", n_global,
             dim, n_params);
        return NULL;
    }
    h5md_file *f = handle_new(path, n_global, dim, err, errlen);
    if (!f)
        return NULL;
    f->flags = flags;
    if (open_parallel(f, comm, 1, err, errlen) < 0 ||
        write_static(f, params, n_params, config_ini ? config_ini : "",
                     author && author[0] ? author : "unknown", err, errlen) < 0 ||
        flush(f, err, errlen) < 0)
        goto fail;
    return f;
fail:
    h5_close(f->pos_value);
    h5_close(f->pos_step);
    h5_close(f->pos_time);
    h5_close(f->params);
    h5_close(f->dxpl);
    h5_close(f->file);
    free_handle(f);
    return NULL;
}

h5md_file *h5md_create(const char *path, MPI_Comm comm, long n_global, int dim,
                       const rwpo_param *params, int n_params, const char *config_ini,
                       const char *author, char *err, size_t errlen)
{
    quiet_state q = quiet_begin();
    h5md_file *f = create_impl(path, comm, n_global, dim, params, n_params, config_ini, author,
                               0, err, errlen);
    quiet_end(q);
    return f;
}

void h5md_set_writer(h5md_file *f, int is_writer)
{
    if (f)
        f->writer = is_writer != 0;
}

static int write_positions_impl(h5md_file *f, int64_t step, double time, long offset,
                                long n_local, const double *x, char *err, size_t errlen)
{
    const int local_ok = offset >= 0 && n_local >= 0 && offset <= f->n_global &&
                         n_local <= f->n_global - offset && (n_local == 0 || x);
    const hsize_t rec = f->n_rec, new_len = f->n_rec + 1;
    const long long st = step;

    const hsize_t vstart[3] = {rec, local_ok ? (hsize_t)offset : 0, 0};
    const hsize_t vcount[3] = {1, local_ok ? (hsize_t)n_local : 0, (hsize_t)f->dim};
    /* Every collective call is made on every rank even after a local failure (a full disk
     * may fail the write on one rank only); the first error is reported at the end. */
    char e2[REASON_LEN * 2];
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
    if (flush(f, rc ? e2 : err, rc ? sizeof e2 : errlen) < 0)
        rc = -1;
    if (rc < 0)
        return -1;
    f->n_rec = new_len;
    f->last_step = step;
    if (!local_ok) {
        fail(err, errlen, f->path, "/particles/cloud/position/value", 0,
             "bad particle block: rows %ld..%ld of N = %ld%s (this rank wrote nothing)", offset,
             offset + n_local, f->n_global, (n_local > 0 && !x) ? ", no data" : "");
        return -1;
    }
    return 0;
}

int h5md_write_positions(h5md_file *f, int64_t step, double time, long offset, long n_local,
                         const double *x, char *err, size_t errlen)
{
    if (!f) {
        fail(err, errlen, "h5md_write_positions", NULL, 0, "no file handle");
        return -1;
    }
    quiet_state q = quiet_begin();
    int rc = write_positions_impl(f, step, time, offset, n_local, x, err, errlen);
    quiet_end(q);
    return rc;
}

/** Create /observables/<name>/{value, step, time} for every observable (first call). */
static int observables_create(h5md_file *f, const rwpo_observable *obs, int n_obs, char *err,
                              size_t errlen)
{
    char obj[512];
    hid_t root = -1, g = -1;
    int rc = -1;
    f->obs = calloc(n_obs > 0 ? (size_t)n_obs : 1, sizeof *f->obs);
    if (!f->obs) {
        fail(err, errlen, f->path, "/observables", 0, "out of memory");
        return -1;
    }
    f->n_obs = n_obs;
    for (int i = 0; i < n_obs; i++)
        f->obs[i].value = f->obs[i].step = f->obs[i].time = -1;
    root = H5Gopen2(f->file, "/observables", H5P_DEFAULT);
    if (root < 0) {
        fail(err, errlen, f->path, "/observables", 1, "cannot open group");
        goto out;
    }
    for (int i = 0; i < n_obs; i++) {
        obs_ds *o = &f->obs[i];
        if (!(o->name = dup_str(obs[i].name))) {
            fail(err, errlen, f->path, "/observables", 0, "out of memory");
            goto out;
        }
        o->width = obs[i].width;
        snprintf(obj, sizeof obj, "/observables/%s", o->name);
        if ((g = group_create(root, o->name, f->path, obj, 0, err, errlen)) < 0)
            goto out;
        const hsize_t tail[1] = {(hsize_t)o->width};
        const hsize_t rows = chunk_rows((size_t)o->width * sizeof(double), CHUNK_1D);
        const hsize_t chunk2[2] = {rows, (hsize_t)o->width}, chunk1[1] = {CHUNK_1D};
        snprintf(obj, sizeof obj, "/observables/%s/value", o->name);
        o->value = o->width == 1
                       ? dataset_create_ext(g, "value", f->path, obj, H5T_IEEE_F64LE, 1, NULL,
                                            chunk1, 0, err, errlen)
                       : dataset_create_ext(g, "value", f->path, obj, H5T_IEEE_F64LE, 2, tail,
                                            chunk2, 0, err, errlen);
        if (o->value < 0)
            goto out;
        snprintf(obj, sizeof obj, "/observables/%s/step", o->name);
        o->step = dataset_create_ext(g, "step", f->path, obj, H5T_STD_I64LE, 1, NULL, chunk1, 0,
                                     err, errlen);
        if (o->step < 0)
            goto out;
        snprintf(obj, sizeof obj, "/observables/%s/time", o->name);
        o->time = dataset_create_ext(g, "time", f->path, obj, H5T_IEEE_F64LE, 1, NULL, chunk1, 0,
                                     err, errlen);
        if (o->time < 0)
            goto out;
        h5_close(g);
        g = -1;
    }
    rc = 0;
out:
    h5_close(g);
    h5_close(root);
    f->obs_created = 1; /* also on failure: the handles made so far are closed by h5md_close */
    return rc;
}

static int write_observables_impl(h5md_file *f, int64_t step, double time,
                                  const rwpo_observable *obs, int n_obs, char *err, size_t errlen)
{
    char obj[512];
    if (f->writer < 0) {
        fail(err, errlen, f->path, "/observables", 0,
             "h5md_set_writer() was not called after h5md_create()");
        return -1;
    }
    if (n_obs < 0 || (n_obs > 0 && !obs)) {
        fail(err, errlen, f->path, "/observables", 0, "bad arguments (%d observables)", n_obs);
        return -1;
    }
    for (int i = 0; i < n_obs; i++) {
        const char *nm = obs[i].name;
        if (!nm || !nm[0] || strchr(nm, '/') || strcmp(nm, ".") == 0 || strlen(nm) > 200 ||
            obs[i].width < 1) {
            fail(err, errlen, f->path, "/observables", 0,
                 "observable %d: bad name '%s' or width %d (need a name without '/', width >= 1)",
                 i, nm ? nm : "(null)", obs[i].width);
            return -1;
        }
    }
    if (!f->obs_created) {
        if (observables_create(f, obs, n_obs, err, errlen) < 0)
            return -1;
    } else {
        if (n_obs != f->n_obs) {
            fail(err, errlen, f->path, "/observables", 0,
                 "%d observables given, the file has %d (same set at every call)", n_obs,
                 f->n_obs);
            return -1;
        }
        for (int i = 0; i < n_obs; i++)
            if (strcmp(obs[i].name, f->obs[i].name) != 0 || obs[i].width != f->obs[i].width) {
                fail(err, errlen, f->path, "/observables", 0,
                     "observable %d is '%s' of width %d, the file has '%s' of width %d", i,
                     obs[i].name, obs[i].width, f->obs[i].name, f->obs[i].width);
                return -1;
            }
    }

    const hsize_t rec = f->n_rec_obs, new_len = rec + 1;
    const long long st = step;
    int local_ok = 1, rc = 0;
    char e2[REASON_LEN * 2];
    /* as for positions: all collective calls on all ranks, the first error kept */
#define ERRBUF (rc ? e2 : err), (rc ? sizeof e2 : errlen)
    for (int i = 0; i < n_obs; i++) {
        const obs_ds *o = &f->obs[i];
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
    if (flush(f, ERRBUF) < 0)
        rc = -1;
#undef ERRBUF
    if (rc < 0)
        return -1;
    f->n_rec_obs = new_len;
    if (!local_ok) {
        fail(err, errlen, f->path, "/observables", 0,
             "the writing rank passed an observable without values");
        return -1;
    }
    return 0;
}

int h5md_write_observables(h5md_file *f, int64_t step, double time, const rwpo_observable *obs,
                           int n_obs, char *err, size_t errlen)
{
    if (!f) {
        fail(err, errlen, "h5md_write_observables", NULL, 0, "no file handle");
        return -1;
    }
    quiet_state q = quiet_begin();
    int rc = write_observables_impl(f, step, time, obs, n_obs, err, errlen);
    quiet_end(q);
    return rc;
}

int h5md_set_status(h5md_file *f, const char *status, char *err, size_t errlen)
{
    if (!f || !status || !status[0]) {
        fail(err, errlen, f ? f->path : "h5md_set_status", "/parameters", 0,
             "no file handle or empty status");
        return -1;
    }
    quiet_state q = quiet_begin();
    int rc = -1;
    /* The string's size is part of its type: replace the attribute rather than overwrite it. */
    htri_t ex = H5Aexists(f->params, "status");
    if (ex < 0) {
        fail(err, errlen, f->path, "/parameters", 1, "cannot look up attribute 'status'");
        goto out;
    }
    if (ex > 0 && H5Adelete(f->params, "status") < 0) {
        fail(err, errlen, f->path, "/parameters", 1, "cannot replace attribute 'status'");
        goto out;
    }
    if (attr_str(f->params, f->path, "/parameters", "status", status, err, errlen) < 0 ||
        flush(f, err, errlen) < 0)
        goto out;
    rc = 0;
out:
    quiet_end(q);
    return rc;
}

int h5md_close(h5md_file *f)
{
    if (!f)
        return 0;
    quiet_state q = quiet_begin();
    int rc = 0;
    for (int i = 0; i < f->n_obs; i++)
        if (h5_close(f->obs[i].value) < 0 || h5_close(f->obs[i].step) < 0 ||
            h5_close(f->obs[i].time) < 0)
            rc = -1;
    if (h5_close(f->pos_value) < 0 || h5_close(f->pos_step) < 0 || h5_close(f->pos_time) < 0 ||
        h5_close(f->params) < 0 || h5_close(f->dxpl) < 0 || h5_close(f->file) < 0)
        rc = -1;
    quiet_end(q);
    free_handle(f);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Reading
 */

/**
 * Whether every component of the object path exists (1), or not (0: the first missing prefix
 * goes to `missing`); a component under a non-group counts as missing.
 */
static int path_exists(hid_t file, const char *obj, char *missing, size_t mlen)
{
    size_t n = strlen(obj);
    char *buf = malloc(n + 1);
    if (!buf)
        return -1;
    int found = 1;
    for (size_t i = 1; i <= n && found; i++) {
        if (i < n && obj[i] != '/')
            continue;
        if (obj[i - 1] == '/') /* empty component ("//" or trailing "/") */
            continue;
        memcpy(buf, obj, i);
        buf[i] = '\0';
        if (H5Lexists(file, buf, H5P_DEFAULT) <= 0) {
            found = 0;
            snprintf(missing, mlen, "%s", buf);
        }
    }
    free(buf);
    return found;
}

/* Rows [offset, offset + n_local) of a 2-D [N][d] dataset (frame < 0) or of frame `frame` of a
 * 3-D [frames][N][d] dataset (collective). */
static int read_matrix_impl(const char *spec, MPI_Comm comm, long frame, long n_global, int dim,
                            long offset, long n_local, double *x, char *err, size_t errlen)
{
    char *path = NULL, missing[512];
    const char *dset = NULL;
    hid_t fapl = -1, file = -1, obj = -1, space = -1, type = -1, ms = -1, dxpl = -1;
    int rc = -1;

    if (!spec) {
        fail(err, errlen, "h5md_read_matrix", NULL, 0,
             "no input given (expected path.h5:/dataset)");
        return -1;
    }
    /* split at the last ':' followed by '/' */
    for (const char *s = spec; (s = strstr(s, ":/")) != NULL; s++)
        dset = s + 1;
    if (!dset || dset == spec + 1) {
        fail(err, errlen, spec, NULL, 0, "expected path.h5:/dataset");
        return -1;
    }
    path = malloc((size_t)(dset - spec));
    if (!path) {
        fail(err, errlen, spec, NULL, 0, "out of memory");
        return -1;
    }
    memcpy(path, spec, (size_t)(dset - spec - 1));
    path[dset - spec - 1] = '\0';
    if (n_global < 1 || dim < 1) {
        fail(err, errlen, path, dset, 0, "bad arguments: N = %ld, d = %d", n_global, dim);
        goto out;
    }
    const int local_ok = offset >= 0 && n_local >= 0 && offset <= n_global &&
                         n_local <= n_global - offset && (n_local == 0 || x);

    struct stat sb;
    if (stat(path, &sb) != 0) {
        fail(err, errlen, path, NULL, 0, "%s", errno == ENOENT ? "no such file" : strerror(errno));
        goto out;
    }
    if (!S_ISREG(sb.st_mode)) {
        fail(err, errlen, path, NULL, 0, "not a regular file");
        goto out;
    }
    htri_t is = H5Fis_hdf5(path);
    if (is <= 0) {
        fail(err, errlen, path, NULL, 0, "not an HDF5 file (%s)",
             is == 0 ? "no HDF5 signature" : "cannot be read");
        goto out;
    }
    fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0 || H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL) < 0) {
        fail(err, errlen, path, NULL, 1, "cannot set up parallel file access");
        goto out;
    }
    file = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    if (file < 0) {
        fail(err, errlen, path, NULL, 1, "cannot open the file");
        goto out;
    }
    int ex = path_exists(file, dset, missing, sizeof missing);
    if (ex <= 0) {
        if (ex < 0)
            fail(err, errlen, path, dset, 0, "out of memory");
        else
            fail(err, errlen, path, dset, 0, "no such dataset ('%s' not found)", missing);
        goto out;
    }
    obj = H5Oopen(file, dset, H5P_DEFAULT);
    if (obj < 0) {
        fail(err, errlen, path, dset, 1, "cannot open the object");
        goto out;
    }
    if (H5Iget_type(obj) != H5I_DATASET) {
        fail(err, errlen, path, dset, 0, "not a dataset (a group?)");
        goto out;
    }
    space = H5Dget_space(obj);
    int ndims = space < 0 ? -1 : H5Sget_simple_extent_ndims(space);
    if (ndims < 0) {
        fail(err, errlen, path, dset, 1, "cannot read the dataspace");
        goto out;
    }
    hsize_t dims[H5S_MAX_RANK];
    H5Sget_simple_extent_dims(space, dims, NULL);
    char shape[256] = "";
    for (int i = 0, m = 0; i < ndims && m >= 0 && (size_t)m < sizeof shape; i++)
        m += snprintf(shape + m, sizeof shape - (size_t)m, "[%llu]", (unsigned long long)dims[i]);
    const int want = frame < 0 ? 2 : 3, o = frame < 0 ? 0 : 1;
    if (ndims != want) {
        fail(err, errlen, path, dset, 0, "dataset is %d-D of shape %s, expected %s[%ld][%d]",
             ndims, ndims ? shape : "(scalar)", frame < 0 ? "2-D " : "3-D [frames]", n_global,
             dim);
        goto out;
    }
    type = H5Dget_type(obj);
    H5T_class_t cls = type < 0 ? H5T_NO_CLASS : H5Tget_class(type);
    if (cls != H5T_FLOAT) {
        fail(err, errlen, path, dset, 0, "dataset is of %s type, expected floating point",
             cls == H5T_INTEGER ? "integer" : cls == H5T_STRING ? "string" : "non-float");
        goto out;
    }
    if (dims[o] != (hsize_t)n_global || dims[o + 1] != (hsize_t)dim) {
        fail(err, errlen, path, dset, 0, "found shape %s, expected %s[%ld][%d] (N x d)", shape,
             frame < 0 ? "" : "[frames]", n_global, dim);
        goto out;
    }
    if (frame >= 0 && (hsize_t)frame >= dims[0]) {
        fail(err, errlen, path, dset, 0, "frame %ld does not exist (%llu frames)", frame,
             (unsigned long long)dims[0]);
        goto out;
    }
    dxpl = H5Pcreate(H5P_DATASET_XFER);
    if (dxpl < 0 || H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE) < 0) {
        fail(err, errlen, path, dset, 1, "cannot set up a collective transfer");
        goto out;
    }
    herr_t sel;
    if (local_ok && n_local > 0) {
        const hsize_t start[3] = {frame < 0 ? (hsize_t)offset : (hsize_t)frame,
                                  frame < 0 ? 0 : (hsize_t)offset, 0};
        const hsize_t count[3] = {frame < 0 ? (hsize_t)n_local : 1,
                                  frame < 0 ? (hsize_t)dim : (hsize_t)n_local, (hsize_t)dim};
        sel = H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL);
        ms = H5Screate_simple(want, count, NULL);
    } else {
        const hsize_t one = 1;
        sel = H5Sselect_none(space);
        ms = H5Screate_simple(1, &one, NULL);
        if (ms >= 0 && sel >= 0)
            sel = H5Sselect_none(ms);
    }
    if (sel < 0 || ms < 0) {
        fail(err, errlen, path, dset, 1, "cannot select rows %ld..%ld", offset, offset + n_local);
        goto out;
    }
    double dummy[1];
    if (H5Dread(obj, H5T_NATIVE_DOUBLE, ms, space, dxpl,
                local_ok && n_local > 0 ? x : dummy) < 0) {
        fail(err, errlen, path, dset, 1, "cannot read rows %ld..%ld", offset, offset + n_local);
        goto out;
    }
    if (!local_ok) {
        fail(err, errlen, path, dset, 0, "bad row block %ld..%ld of N = %ld%s", offset,
             offset + n_local, n_global, (n_local > 0 && !x) ? ", no buffer" : "");
        goto out;
    }
    for (long i = 0; i < n_local; i++)
        for (int k = 0; k < dim; k++)
            if (!isfinite(x[i * dim + k])) {
                fail(err, errlen, path, dset, 0, "non-finite value %g at row %ld, column %d",
                     x[i * dim + k], offset + i, k);
                goto out;
            }
    rc = 0;
out:
    h5_close(ms);
    h5_close(dxpl);
    h5_close(type);
    h5_close(space);
    h5_close(obj);
    h5_close(file);
    h5_close(fapl);
    free(path);
    return rc;
}

int h5md_read_matrix(const char *spec, MPI_Comm comm, long n_global, int dim, long offset,
                     long n_local, double *x, char *err, size_t errlen)
{
    quiet_state q = quiet_begin();
    int rc = read_matrix_impl(spec, comm, -1, n_global, dim, offset, n_local, x, err, errlen);
    quiet_end(q);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Checkpoints and restart: checksummed creation, attribute groups, reopening for append
 */

static char *attr_get_str(hid_t file, const char *obj, const char *name);
static int read_row(hid_t ds, hsize_t i, hid_t mtype, void *buf);

h5md_file *h5md_create_ex(const char *path, MPI_Comm comm, long n_global, int dim,
                          const rwpo_param *params, int n_params, const char *config_ini,
                          const char *author, int flags, char *err, size_t errlen)
{
    quiet_state q = quiet_begin();
    h5md_file *f = create_impl(path, comm, n_global, dim, params, n_params, config_ini, author,
                               flags, err, errlen);
    quiet_end(q);
    return f;
}

static int write_attrs_impl(h5md_file *f, const char *group, const rwpo_param *params, int n,
                            char *err, size_t errlen)
{
    hid_t g = -1;
    int rc = -1;
    htri_t ex = H5Lexists(f->file, group, H5P_DEFAULT);
    g = ex > 0 ? H5Gopen2(f->file, group, H5P_DEFAULT)
               : group_create(f->file, group + (group[0] == '/'), f->path, group, 1, err,
                              errlen);
    if (g < 0) {
        fail(err, errlen, f->path, group, 1, "cannot open or create the group");
        return -1;
    }
    for (int i = 0; i < n; i++) {
        const rwpo_param *p = &params[i];
        if (H5Aexists(g, p->name) > 0 && H5Adelete(g, p->name) < 0) {
            fail(err, errlen, f->path, group, 1, "cannot replace attribute '%s'", p->name);
            goto out;
        }
        int r = -1;
        if (p->type == 'd')
            r = attr_write(g, f->path, group, p->name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 0,
                           &p->d, err, errlen);
        else if (p->type == 'i')
            r = attr_write(g, f->path, group, p->name, H5T_STD_I64LE, H5T_NATIVE_LLONG, 0, &p->i,
                           err, errlen);
        else if (p->type == 's')
            r = attr_str(g, f->path, group, p->name, p->s ? p->s : "", err, errlen);
        else
            fail(err, errlen, f->path, group, 0, "attribute '%s': unknown type '%c'", p->name,
                 p->type);
        if (r < 0)
            goto out;
    }
    rc = flush(f, err, errlen);
out:
    h5_close(g);
    return rc;
}

int h5md_write_attrs(h5md_file *f, const char *group, const rwpo_param *params, int n, char *err,
                     size_t errlen)
{
    if (!f || !group || group[0] != '/' || n < 0 || (n > 0 && !params)) {
        fail(err, errlen, f ? f->path : "h5md_write_attrs", group, 0, "bad arguments");
        return -1;
    }
    quiet_state q = quiet_begin();
    int rc = write_attrs_impl(f, group, params, n, err, errlen);
    quiet_end(q);
    return rc;
}

/* Read a whole 1-D int64 dataset (independent read) into a malloc'd array. */
static long long *read_steps(hid_t ds, hsize_t *len)
{
    hid_t sp = H5Dget_space(ds);
    long long *v = NULL;
    if (sp < 0 || H5Sget_simple_extent_ndims(sp) != 1 ||
        H5Sget_simple_extent_dims(sp, len, NULL) < 0)
        goto out;
    v = malloc((*len ? *len : 1) * sizeof *v);
    if (v && *len && H5Dread(ds, H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
        free(v);
        v = NULL;
    }
out:
    h5_close(sp);
    return v;
}

/* Frames to keep: the leading, strictly increasing steps <= keep_step; -1 if out of order. */
static long frames_upto(const long long *steps, hsize_t n, int64_t keep_step)
{
    long k = 0;
    for (hsize_t i = 0; i < n; i++) {
        if (i > 0 && steps[i] <= steps[i - 1])
            return -1;
        if (steps[i] <= keep_step)
            k++;
    }
    return k;
}

/* Shrink a dataset's first dimension to len (collective). */
static int shrink(const h5md_file *f, hid_t ds, const char *obj, hsize_t len, char *err,
                  size_t errlen)
{
    hsize_t dims[3] = {0, 0, 0};
    hid_t sp = H5Dget_space(ds);
    int r = sp < 0 ? -1 : H5Sget_simple_extent_dims(sp, dims, NULL);
    h5_close(sp);
    if (r < 1) {
        fail(err, errlen, f->path, obj, 1, "cannot read the dataset's shape");
        return -1;
    }
    dims[0] = len;
    if (H5Dset_extent(ds, dims) < 0) {
        fail(err, errlen, f->path, obj, 1, "cannot truncate to %llu records",
             (unsigned long long)len);
        return -1;
    }
    return 0;
}

typedef struct {
    char **names;
    int n, cap;
} name_list;

static herr_t collect_names(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    (void)g;
    (void)info;
    name_list *l = data;
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 16;
        char **v = realloc(l->names, (size_t)cap * sizeof *v);
        if (!v)
            return -1;
        l->names = v;
        l->cap = cap;
    }
    if (!(l->names[l->n] = dup_str(name)))
        return -1;
    l->n++;
    return 0;
}

/* Frames to keep, read through a serial read-only handle before the parallel one is opened:
 * positions (and their shape), and every observable in creation order. Every rank computes the
 * same answer from the same file; independent reads never mix with the parallel handle. */
typedef struct {
    hsize_t dims[3];
    long keep_pos;
    long long last_step; /* step of the last kept frame, -1 if none */
    name_list obs;
    long keep_obs; /* -1: no observables yet */
} scan_result;

static int scan_lengths(const char *path, int64_t keep_step, scan_result *r, char *err,
                        size_t errlen)
{
    static const char *const pv = "/particles/cloud/position/value";
    memset(r, 0, sizeof *r);
    r->keep_obs = -1;
    int rc = -1;
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT), ds = -1, root = -1;
    if (file < 0) {
        fail(err, errlen, path, NULL, 1, "cannot open (damaged?)");
        return -1;
    }
    ds = H5Dopen2(file, pv, H5P_DEFAULT);
    hid_t sp = ds < 0 ? -1 : H5Dget_space(ds);
    int nd = sp < 0 ? -1 : H5Sget_simple_extent_dims(sp, r->dims, NULL);
    h5_close(sp);
    h5_close(ds);
    ds = H5Dopen2(file, "/particles/cloud/position/step", H5P_DEFAULT);
    hsize_t n = 0;
    long long *steps = ds < 0 ? NULL : read_steps(ds, &n);
    h5_close(ds);
    ds = -1;
    if (nd != 3 || !steps) {
        free(steps);
        fail(err, errlen, path, pv, 1, "damaged or not an rwpo run file");
        goto out;
    }
    r->keep_pos = frames_upto(steps, n < r->dims[0] ? n : r->dims[0], keep_step);
    r->last_step = r->keep_pos > 0 ? steps[r->keep_pos - 1] : -1;
    free(steps);
    root = H5Gopen2(file, "/observables", H5P_DEFAULT);
    hsize_t idx = 0;
    if (root < 0 || H5Literate(root, H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, collect_names,
                               &r->obs) < 0) {
        fail(err, errlen, path, "/observables", 1, "damaged: cannot list the observables");
        goto out;
    }
    char obj[512];
    for (int i = 0; i < r->obs.n; i++) {
        snprintf(obj, sizeof obj, "/observables/%s/step", r->obs.names[i]);
        ds = H5Dopen2(file, obj, H5P_DEFAULT);
        long long *st = ds < 0 ? NULL : read_steps(ds, &n);
        h5_close(ds);
        ds = -1;
        long k = st ? frames_upto(st, n, keep_step) : -1;
        free(st);
        if (k < 0 || (r->keep_obs >= 0 && k != r->keep_obs)) {
            fail(err, errlen, path, obj, 0, "damaged: unreadable or inconsistent steps");
            goto out;
        }
        r->keep_obs = k;
    }
    rc = 0;
out:
    h5_close(ds);
    h5_close(root);
    h5_close(file);
    return rc;
}

static void scan_free(scan_result *r)
{
    for (int i = 0; i < r->obs.n; i++)
        free(r->obs.names[i]);
    free(r->obs.names);
    memset(r, 0, sizeof *r);
}

/* Reopen the observables (names from the scan) and truncate them to keep frames. */
static int reopen_observables(h5md_file *f, scan_result *r, char *err, size_t errlen)
{
    char obj[512];
    if (r->obs.n == 0) /* none written yet: created at the first write */
        return 0;
    f->obs = calloc((size_t)r->obs.n, sizeof *f->obs);
    if (!f->obs) {
        fail(err, errlen, f->path, "/observables", 0, "out of memory");
        return -1;
    }
    f->n_obs = r->obs.n;
    f->obs_created = 1;
    for (int i = 0; i < r->obs.n; i++)
        f->obs[i].value = f->obs[i].step = f->obs[i].time = -1;
    for (int i = 0; i < r->obs.n; i++) {
        obs_ds *o = &f->obs[i];
        o->name = r->obs.names[i];
        r->obs.names[i] = NULL;
        snprintf(obj, sizeof obj, "/observables/%s", o->name);
        hid_t g = H5Gopen2(f->file, obj, H5P_DEFAULT);
        if (g >= 0) {
            o->value = H5Dopen2(g, "value", H5P_DEFAULT);
            o->step = H5Dopen2(g, "step", H5P_DEFAULT);
            o->time = H5Dopen2(g, "time", H5P_DEFAULT);
            h5_close(g);
        }
        if (g < 0 || o->value < 0 || o->step < 0 || o->time < 0) {
            fail(err, errlen, f->path, obj, 1, "damaged: cannot open value, step and time");
            return -1;
        }
        hsize_t dims[2] = {0, 1};
        hid_t sp = H5Dget_space(o->value);
        int nd = sp < 0 ? -1 : H5Sget_simple_extent_dims(sp, dims, NULL);
        h5_close(sp);
        o->width = nd == 2 ? (int)dims[1] : 1;
        const hsize_t k = (hsize_t)r->keep_obs;
        if (shrink(f, o->value, obj, k, err, errlen) < 0 ||
            shrink(f, o->step, obj, k, err, errlen) < 0 ||
            shrink(f, o->time, obj, k, err, errlen) < 0)
            return -1;
    }
    f->n_rec_obs = (hsize_t)r->keep_obs;
    return 0;
}

static h5md_file *open_append_impl(const char *path, MPI_Comm comm, long n_global, int dim,
                                   int64_t keep_step, long min_frames, char *err, size_t errlen)
{
    static const char *const pv = "/particles/cloud/position/value";
    scan_result sr;
    h5md_file *f = handle_new(path, n_global, dim, err, errlen);
    if (!f)
        return NULL;
    memset(&sr, 0, sizeof sr);
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode) || H5Fis_hdf5(path) <= 0) {
        fail(err, errlen, path, NULL, 0, "missing or not an HDF5 file");
        goto fail;
    }
    if (scan_lengths(path, keep_step, &sr, err, errlen) < 0)
        goto fail;
    if (sr.dims[1] != (hsize_t)n_global || sr.dims[2] != (hsize_t)dim) {
        fail(err, errlen, path, pv, 0, "holds N = %llu, d = %llu, not N = %ld, d = %d",
             (unsigned long long)sr.dims[1], (unsigned long long)sr.dims[2], n_global, dim);
        goto fail;
    }
    if (sr.keep_pos < 0 || sr.keep_pos < min_frames ||
        (sr.keep_obs >= 0 && sr.keep_obs != sr.keep_pos)) {
        fail(err, errlen, path, pv,
             0, "damaged: %ld readable frames up to layer %lld (observables: %ld), %ld expected",
             sr.keep_pos, (long long)keep_step, sr.keep_obs, min_frames);
        goto fail;
    }
    if (open_parallel(f, comm, 0, err, errlen) < 0)
        goto fail;
    f->params = H5Gopen2(f->file, "/parameters", H5P_DEFAULT);
    f->pos_value = H5Dopen2(f->file, pv, H5P_DEFAULT);
    f->pos_step = H5Dopen2(f->file, "/particles/cloud/position/step", H5P_DEFAULT);
    f->pos_time = H5Dopen2(f->file, "/particles/cloud/position/time", H5P_DEFAULT);
    if (f->params < 0 || f->pos_value < 0 || f->pos_step < 0 || f->pos_time < 0) {
        fail(err, errlen, path, NULL, 1, "damaged or not an rwpo run file");
        goto fail;
    }
    const hsize_t keep = (hsize_t)sr.keep_pos;
    if (shrink(f, f->pos_value, pv, keep, err, errlen) < 0 ||
        shrink(f, f->pos_step, pv, keep, err, errlen) < 0 ||
        shrink(f, f->pos_time, pv, keep, err, errlen) < 0)
        goto fail;
    f->n_rec = keep;
    f->last_step = sr.last_step;
    if (reopen_observables(f, &sr, err, errlen) < 0 || flush(f, err, errlen) < 0)
        goto fail;
    scan_free(&sr);
    return f;
fail:
    scan_free(&sr);
    h5md_close(f); /* closes what was opened and frees */
    return NULL;
}

h5md_file *h5md_open_append(const char *path, MPI_Comm comm, long n_global, int dim,
                            int64_t keep_step, long min_frames, char *err, size_t errlen)
{
    quiet_state q = quiet_begin();
    h5md_file *f = open_append_impl(path, comm, n_global, dim, keep_step, min_frames, err,
                                    errlen);
    quiet_end(q);
    return f;
}

long h5md_frames(const h5md_file *f) { return f ? (long)f->n_rec : 0; }

long long h5md_last_step(const h5md_file *f) { return f && f->n_rec ? f->last_step : -1; }

int h5md_read_frame(const char *path, MPI_Comm comm, long frame, long n_global, int dim,
                    long offset, long n_local, double *x, char *err, size_t errlen)
{
    size_t n = strlen(path) + 64;
    char *spec = malloc(n);
    if (!spec) {
        fail(err, errlen, path, NULL, 0, "out of memory");
        return -1;
    }
    snprintf(spec, n, "%s:/particles/cloud/position/value", path);
    quiet_state q = quiet_begin();
    int rc = read_matrix_impl(spec, comm, frame, n_global, dim, offset, n_local, x, err, errlen);
    quiet_end(q);
    free(spec);
    return rc;
}

/* Integer / double / string attribute of group obj, if present. */
static int attr_get_ll(hid_t file, const char *obj, const char *name, long long *v)
{
    if (H5Aexists_by_name(file, obj, name, H5P_DEFAULT) <= 0)
        return -1;
    hid_t a = H5Aopen_by_name(file, obj, name, H5P_DEFAULT, H5P_DEFAULT);
    int rc = a >= 0 && H5Aread(a, H5T_NATIVE_LLONG, v) >= 0 ? 0 : -1;
    h5_close(a);
    return rc;
}

static int attr_get_double(hid_t file, const char *obj, const char *name, double *v)
{
    if (H5Aexists_by_name(file, obj, name, H5P_DEFAULT) <= 0)
        return -1;
    hid_t a = H5Aopen_by_name(file, obj, name, H5P_DEFAULT, H5P_DEFAULT);
    int rc = a >= 0 && H5Aread(a, H5T_NATIVE_DOUBLE, v) >= 0 ? 0 : -1;
    h5_close(a);
    return rc;
}

static int probe_impl(const char *path, h5md_probe_info *pi, char *err, size_t errlen)
{
    memset(pi, 0, sizeof *pi);
    struct stat sb;
    if (stat(path, &sb) != 0) {
        fail(err, errlen, path, NULL, 0, "%s", errno == ENOENT ? "no such file" : strerror(errno));
        return -1;
    }
    if (!S_ISREG(sb.st_mode) || sb.st_size == 0 || H5Fis_hdf5(path) <= 0) {
        fail(err, errlen, path, NULL, 0, "%s",
             sb.st_size == 0 ? "empty file" : "not an HDF5 file (or truncated)");
        return -1;
    }
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT), ds = -1;
    if (file < 0) {
        fail(err, errlen, path, NULL, 1, "cannot open (truncated or damaged?)");
        return -1;
    }
    int rc = -1;
    pi->creator = attr_get_str(file, "/h5md/creator", "name");
    if (!pi->creator || strcmp(pi->creator, "rwpo") != 0) {
        fail(err, errlen, path, NULL, 0, "not an rwpo file (creator '%s')",
             pi->creator ? pi->creator : "none");
        goto out;
    }
    pi->status = attr_get_str(file, "/parameters", "status");
    pi->config_ini = attr_get_str(file, "/parameters", "config_ini");
    if (!pi->config_ini) {
        fail(err, errlen, path, "/parameters", 0, "damaged: no stored configuration");
        goto out;
    }
    ds = H5Dopen2(file, "/particles/cloud/position/value", H5P_DEFAULT);
    hsize_t dims[3] = {0, 0, 0};
    hid_t sp = ds < 0 ? -1 : H5Dget_space(ds);
    int r = sp < 0 ? -1 : H5Sget_simple_extent_dims(sp, dims, NULL);
    h5_close(sp);
    h5_close(ds);
    ds = H5Dopen2(file, "/particles/cloud/position/step", H5P_DEFAULT);
    hsize_t n_steps = 0;
    pi->steps = ds < 0 ? NULL : read_steps(ds, &n_steps);
    if (r != 3 || !pi->steps) {
        fail(err, errlen, path, "/particles/cloud/position", 1, "damaged: unreadable positions");
        goto out;
    }
    pi->n_global = (long)dims[1];
    pi->dim = (int)dims[2];
    pi->n_rec = (long)(n_steps < dims[0] ? n_steps : dims[0]);
    if (frames_upto(pi->steps, (hsize_t)pi->n_rec, INT64_MAX) < 0) {
        fail(err, errlen, path, "/particles/cloud/position/step", 0, "damaged: steps out of order");
        goto out;
    }
    pi->times = calloc(pi->n_rec ? (size_t)pi->n_rec : 1, sizeof *pi->times);
    h5_close(ds);
    ds = H5Dopen2(file, "/particles/cloud/position/time", H5P_DEFAULT);
    for (long i = 0; pi->times && ds >= 0 && i < pi->n_rec; i++)
        if (read_row(ds, (hsize_t)i, H5T_NATIVE_DOUBLE, &pi->times[i]) < 0) {
            fail(err, errlen, path, "/particles/cloud/position/time", 1, "damaged: unreadable");
            goto out;
        }
    if (H5Lexists(file, "/checkpoint", H5P_DEFAULT) > 0) {
        pi->is_checkpoint = 1;
        pi->ck_format = attr_get_str(file, "/checkpoint", "format");
        pi->ck_hash = attr_get_str(file, "/checkpoint", "config_hash");
        pi->ck_content = attr_get_str(file, "/checkpoint", "content_hash");
        if (attr_get_ll(file, "/checkpoint", "format_version", &pi->ck_format_version) < 0 ||
            attr_get_ll(file, "/checkpoint", "layer", &pi->ck_layer) < 0 ||
            attr_get_ll(file, "/checkpoint", "trajectory_frames", &pi->ck_traj_frames) < 0 ||
            attr_get_double(file, "/checkpoint", "time", &pi->ck_time) < 0 ||
            attr_get_double(file, "/checkpoint", "neighbours", &pi->ck_neighbours) < 0 ||
            !pi->ck_format ||
            !pi->ck_hash || !pi->ck_content) {
            fail(err, errlen, path, "/checkpoint", 0, "damaged: incomplete checkpoint attributes");
            goto out;
        }
    }
    pi->segment = 0;
    long long seg;
    if (attr_get_ll(file, "/parameters", "segment", &seg) == 0)
        pi->segment = (int)seg;
    rc = 0;
out:
    h5_close(ds);
    h5_close(file);
    if (rc != 0)
        h5md_probe_free(pi);
    return rc;
}

int h5md_probe(const char *path, h5md_probe_info *pi, char *err, size_t errlen)
{
    quiet_state q = quiet_begin();
    int rc = probe_impl(path, pi, err, errlen);
    quiet_end(q);
    return rc;
}

void h5md_probe_free(h5md_probe_info *pi)
{
    if (!pi)
        return;
    free(pi->creator);
    free(pi->status);
    free(pi->config_ini);
    free(pi->steps);
    free(pi->times);
    free(pi->ck_format);
    free(pi->ck_hash);
    free(pi->ck_content);
    memset(pi, 0, sizeof *pi);
}

/* ---------------------------------------------------------------------------------------------
 * h5md_info (serial)
 */

/** Shortest of %.15g / %.17g that reads back as v. */
static void fmt_double(char *buf, size_t len, double v)
{
    snprintf(buf, len, "%.15g", v);
    if (strtod(buf, NULL) != v)
        snprintf(buf, len, "%.17g", v);
}

/** Read a scalar string attribute (fixed or variable length) into a malloc'd string. */
static char *attr_read_str(hid_t attr)
{
    hid_t t = H5Aget_type(attr), mt = -1;
    char *s = NULL;
    if (t < 0 || H5Tget_class(t) != H5T_STRING)
        goto out;
    htri_t vl = H5Tis_variable_str(t);
    if (vl > 0) {
        char *v = NULL;
        mt = H5Tcopy(H5T_C_S1);
        if (mt < 0 || H5Tset_size(mt, H5T_VARIABLE) < 0 || H5Aread(attr, mt, &v) < 0)
            goto out;
        s = dup_str(v ? v : "");
        H5free_memory(v);
    } else if (vl == 0) {
        size_t size = H5Tget_size(t);
        if (size == 0 || (mt = str_type(size)) < 0 || !(s = calloc(size + 1, 1)))
            goto out;
        if (H5Aread(attr, mt, s) < 0) {
            free(s);
            s = NULL;
        }
    }
out:
    h5_close(mt);
    h5_close(t);
    return s;
}

/** String attribute `name` of object `obj`, or NULL if missing or not a string. */
static char *attr_get_str(hid_t file, const char *obj, const char *name)
{
    if (H5Lexists(file, obj, H5P_DEFAULT) <= 0 && strcmp(obj, "/") != 0)
        return NULL;
    if (H5Aexists_by_name(file, obj, name, H5P_DEFAULT) <= 0)
        return NULL;
    hid_t a = H5Aopen_by_name(file, obj, name, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0)
        return NULL;
    char *s = attr_read_str(a);
    H5Aclose(a);
    return s;
}

/** Read element(s) [i] (1-D) or row [i] (2-D) of ds as mtype into buf. */
static int read_row(hid_t ds, hsize_t i, hid_t mtype, void *buf)
{
    hid_t fs = H5Dget_space(ds), ms = -1;
    int rc = -1, r = fs < 0 ? -1 : H5Sget_simple_extent_ndims(fs);
    hsize_t dims[2];
    if (r < 1 || r > 2 || H5Sget_simple_extent_dims(fs, dims, NULL) < 0 || i >= dims[0])
        goto out;
    const hsize_t start[2] = {i, 0}, count[2] = {1, r == 2 ? dims[1] : 1};
    if (H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
        (ms = H5Screate_simple(r, count, NULL)) < 0 ||
        H5Dread(ds, mtype, ms, fs, H5P_DEFAULT, buf) < 0)
        goto out;
    rc = 0;
out:
    h5_close(ms);
    h5_close(fs);
    return rc;
}

typedef struct {
    FILE *out;
} info_ctx;

static void print_vector(FILE *out, const double *v, hsize_t n)
{
    char b[32];
    if (n == 1) {
        fmt_double(b, sizeof b, v[0]);
        fprintf(out, "%s", b);
        return;
    }
    fputc('[', out);
    for (hsize_t k = 0; k < n && k < INFO_VECTOR_SHOWN; k++) {
        fmt_double(b, sizeof b, v[k]);
        fprintf(out, "%s%s", k ? ", " : "", b);
    }
    fprintf(out, "%s] (length %llu)", n > INFO_VECTOR_SHOWN ? ", ..." : "", (unsigned long long)n);
}

static herr_t info_param_cb(hid_t loc, const char *name, const H5A_info_t *ainfo, void *data)
{
    (void)ainfo;
    FILE *out = ((info_ctx *)data)->out;
    if (strcmp(name, "status") == 0 || strcmp(name, "program_version") == 0 ||
        strcmp(name, "git_revision") == 0)
        return 0; /* printed in the header */
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT), t = -1, sp = -1;
    if (a < 0) {
        fprintf(out, "  %s = (unreadable)\n", name);
        return 0;
    }
    t = H5Aget_type(a);
    sp = H5Aget_space(a);
    hssize_t np = sp < 0 ? -1 : H5Sget_simple_extent_npoints(sp);
    H5T_class_t cls = t < 0 ? H5T_NO_CLASS : H5Tget_class(t);
    if (cls == H5T_STRING && np == 1) {
        char *s = attr_read_str(a);
        if (!s)
            fprintf(out, "  %s = (unreadable)\n", name);
        else if (strcmp(name, "config_ini") == 0) {
            size_t lines = 0;
            for (const char *c = s; *c; c++)
                lines += *c == '\n';
            if (s[0] && s[strlen(s) - 1] != '\n')
                lines++;
            fprintf(out, "  config_ini: %zu lines of resolved INI text (h5dump -a "
                         "/parameters/config_ini)\n",
                    lines);
        } else
            fprintf(out, "  %s = \"%s\"\n", name, s);
        free(s);
    } else if ((cls == H5T_INTEGER || cls == H5T_FLOAT) && np >= 1 && np <= 64) {
        double dv[64];
        long long iv[64];
        herr_t r = cls == H5T_INTEGER ? H5Aread(a, H5T_NATIVE_LLONG, iv)
                                      : H5Aread(a, H5T_NATIVE_DOUBLE, dv);
        if (r < 0)
            fprintf(out, "  %s = (unreadable)\n", name);
        else {
            fprintf(out, "  %s = %s", name, np > 1 ? "[" : "");
            for (hssize_t k = 0; k < np; k++) {
                char b[32];
                if (cls == H5T_INTEGER)
                    snprintf(b, sizeof b, "%lld", iv[k]);
                else
                    fmt_double(b, sizeof b, dv[k]);
                fprintf(out, "%s%s", k ? ", " : "", b);
            }
            fprintf(out, "%s\n", np > 1 ? "]" : "");
        }
    } else
        fprintf(out, "  %s = (value of a type not shown)\n", name);
    h5_close(sp);
    h5_close(t);
    h5_close(a);
    return 0;
}

typedef struct {
    FILE *out;
    hid_t group;
    int count;
} obs_ctx;

static herr_t info_obs_cb(hid_t g, const char *name, const H5L_info_t *linfo, void *data)
{
    (void)linfo;
    obs_ctx *c = data;
    FILE *out = c->out;
    char vpath[512], spath[512];
    snprintf(vpath, sizeof vpath, "%s/value", name);
    snprintf(spath, sizeof spath, "%s/step", name);
    c->count++;
    hid_t ds = -1, st = -1, fs = -1;
    double *v = NULL;
    if (H5Lexists(g, name, H5P_DEFAULT) <= 0 || H5Lexists(g, vpath, H5P_DEFAULT) <= 0 ||
        (ds = H5Dopen2(g, vpath, H5P_DEFAULT)) < 0 || (fs = H5Dget_space(ds)) < 0) {
        fprintf(out, "  %s: (no value dataset)\n", name);
        goto out;
    }
    int r = H5Sget_simple_extent_ndims(fs);
    hsize_t dims[2] = {0, 1};
    if (r < 1 || r > 2 || H5Sget_simple_extent_dims(fs, dims, NULL) < 0) {
        fprintf(out, "  %s: (unexpected shape)\n", name);
        goto out;
    }
    if (dims[0] == 0) {
        fprintf(out, "  %s: (nothing recorded)\n", name);
        goto out;
    }
    const hsize_t width = r == 2 ? dims[1] : 1;
    long long step = -1;
    if (!(v = malloc((size_t)(width ? width : 1) * sizeof *v)) ||
        read_row(ds, dims[0] - 1, H5T_NATIVE_DOUBLE, v) < 0) {
        fprintf(out, "  %s: (unreadable)\n", name);
        goto out;
    }
    if (H5Lexists(g, spath, H5P_DEFAULT) > 0 && (st = H5Dopen2(g, spath, H5P_DEFAULT)) >= 0 &&
        read_row(st, dims[0] - 1, H5T_NATIVE_LLONG, &step) < 0)
        step = -1;
    fprintf(out, "  %s = ", name);
    if (width)
        print_vector(out, v, width);
    if (step >= 0)
        fprintf(out, "  (step %lld)", step);
    fputc('\n', out);
out:
    free(v);
    h5_close(fs);
    h5_close(st);
    h5_close(ds);
    return 0;
}

static int info_impl(const char *path, FILE *out, char *err, size_t errlen)
{
    static const char *const required[] = {"/h5md", "/particles/cloud/position/value",
                                           "/particles/cloud/position/step",
                                           "/particles/cloud/position/time"};
    char missing[512];
    hid_t file = -1, val = -1, stp = -1, tim = -1, sp = -1, g = -1;
    char *creator = NULL, *version = NULL, *author = NULL, *status = NULL, *git = NULL;
    int rc = -1;

    if (!path || !out) {
        fail(err, errlen, "h5md_info", NULL, 0, "no file name or output stream");
        return -1;
    }
    struct stat sb;
    if (stat(path, &sb) != 0) {
        fail(err, errlen, path, NULL, 0, "%s", errno == ENOENT ? "no such file" : strerror(errno));
        return -1;
    }
    htri_t is = S_ISREG(sb.st_mode) ? H5Fis_hdf5(path) : 0;
    if (is <= 0) {
        fail(err, errlen, path, NULL, 0, "not an HDF5 file");
        return -1;
    }
    file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0) {
        fail(err, errlen, path, NULL, 1, "cannot open the file");
        return -1;
    }
    for (size_t i = 0; i < sizeof required / sizeof *required; i++) {
        int ex = path_exists(file, required[i], missing, sizeof missing);
        if (ex <= 0) {
            fail(err, errlen, path, NULL, 0,
                 "not an rwpo/H5MD run file: '%s' is missing", ex < 0 ? required[i] : missing);
            goto out;
        }
    }
    val = H5Dopen2(file, "/particles/cloud/position/value", H5P_DEFAULT);
    stp = H5Dopen2(file, "/particles/cloud/position/step", H5P_DEFAULT);
    tim = H5Dopen2(file, "/particles/cloud/position/time", H5P_DEFAULT);
    if (val < 0 || stp < 0 || tim < 0) {
        fail(err, errlen, path, "/particles/cloud/position", 1,
             "cannot open value, step and time as datasets");
        goto out;
    }
    hsize_t dims[3];
    sp = H5Dget_space(val);
    if (sp < 0 || H5Sget_simple_extent_ndims(sp) != 3 ||
        H5Sget_simple_extent_dims(sp, dims, NULL) < 0) {
        fail(err, errlen, path, "/particles/cloud/position/value", 0,
             "expected a 3-D dataset [layers][N][d]");
        goto out;
    }
    h5_close(sp);
    sp = -1;
    hsize_t n_rec = dims[0];
    /* a run stopped between two extensions may have a shorter step or time */
    for (int k = 0; k < 2; k++) {
        hsize_t len;
        sp = H5Dget_space(k ? tim : stp);
        if (sp < 0 || H5Sget_simple_extent_ndims(sp) != 1 ||
            H5Sget_simple_extent_dims(sp, &len, NULL) < 0) {
            fail(err, errlen, path, k ? "/particles/cloud/position/time"
                                      : "/particles/cloud/position/step",
                 0, "expected a 1-D dataset [layers]");
            goto out;
        }
        h5_close(sp);
        sp = -1;
        if (len < n_rec)
            n_rec = len;
    }

    creator = attr_get_str(file, "/h5md/creator", "name");
    version = attr_get_str(file, "/h5md/creator", "version");
    author = attr_get_str(file, "/h5md/author", "name");
    status = attr_get_str(file, "/parameters", "status");
    git = attr_get_str(file, "/parameters", "git_revision");
    fprintf(out, "file:         %s\n", path);
    fprintf(out, "creator:      %s %s%s%s%s\n", creator ? creator : "(unknown)",
            version ? version : "", git ? " (git " : "", git ? git : "", git ? ")" : "");
    fprintf(out, "author:       %s\n", author ? author : "(unknown)");
    fprintf(out, "status:       %s\n", status ? status : "(unknown)");
    fprintf(out, "particles:    N = %llu, d = %llu\n", (unsigned long long)dims[1],
            (unsigned long long)dims[2]);
    fprintf(out, "layers:       %llu recorded", (unsigned long long)n_rec);
    if (n_rec > 0) {
        long long s0, s1;
        double t0, t1;
        if (read_row(stp, 0, H5T_NATIVE_LLONG, &s0) < 0 ||
            read_row(stp, n_rec - 1, H5T_NATIVE_LLONG, &s1) < 0 ||
            read_row(tim, 0, H5T_NATIVE_DOUBLE, &t0) < 0 ||
            read_row(tim, n_rec - 1, H5T_NATIVE_DOUBLE, &t1) < 0) {
            fputc('\n', out);
            fail(err, errlen, path, "/particles/cloud/position", 1, "cannot read step or time");
            goto out;
        }
        char b0[32], b1[32];
        fmt_double(b0, sizeof b0, t0);
        fmt_double(b1, sizeof b1, t1);
        fprintf(out, ", first step %lld (time %s), last step %lld (time %s)", s0, b0, s1, b1);
    }
    fputc('\n', out);

    fprintf(out, "parameters:\n");
    if (H5Lexists(file, "/parameters", H5P_DEFAULT) > 0 &&
        (g = H5Gopen2(file, "/parameters", H5P_DEFAULT)) >= 0) {
        info_ctx c = {out};
        hsize_t idx = 0;
        if (H5Aiterate2(g, H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, info_param_cb, &c) < 0) {
            idx = 0;
            H5Aiterate2(g, H5_INDEX_NAME, H5_ITER_INC, &idx, info_param_cb, &c);
        }
        h5_close(g);
        g = -1;
    } else
        fprintf(out, "  (none)\n");

    fprintf(out, "observables at the last recorded layer:\n");
    obs_ctx oc = {out, -1, 0};
    if (H5Lexists(file, "/observables", H5P_DEFAULT) > 0 &&
        (g = H5Gopen2(file, "/observables", H5P_DEFAULT)) >= 0) {
        hsize_t idx = 0;
        if (H5Literate(g, H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, info_obs_cb, &oc) < 0) {
            idx = 0;
            oc.count = 0;
            H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &idx, info_obs_cb, &oc);
        }
    }
    if (oc.count == 0)
        fprintf(out, "  (none)\n");
    rc = 0;
out:
    free(creator);
    free(version);
    free(author);
    free(status);
    free(git);
    h5_close(g);
    h5_close(sp);
    h5_close(val);
    h5_close(stp);
    h5_close(tim);
    h5_close(file);
    return rc;
}

int h5md_info(const char *path, FILE *out, char *err, size_t errlen)
{
    quiet_state q = quiet_begin();
    int rc = info_impl(path, out, err, errlen);
    quiet_end(q);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Inputs of the inverse problems and the posterior summary (issue 5)
 */

/** Split "path.h5:/dataset" at the last ":/"; path malloc'ed into *path. 0 or -1. */
static int split_spec(const char *spec, char **path, const char **dset, char *err, size_t errlen)
{
    *path = NULL;
    *dset = NULL;
    if (!spec) {
        fail(err, errlen, "(none)", NULL, 0, "no input given (expected path.h5:/dataset)");
        return -1;
    }
    for (const char *s = spec; (s = strstr(s, ":/")) != NULL; s++)
        *dset = s + 1;
    if (!*dset || *dset == spec + 1) {
        fail(err, errlen, spec, NULL, 0, "expected path.h5:/dataset");
        return -1;
    }
    *path = dup_str(spec);
    if (!*path) {
        fail(err, errlen, spec, NULL, 0, "out of memory");
        return -1;
    }
    (*path)[*dset - spec - 1] = '\0';
    return 0;
}

/** Open the dataset of a spec serially (read-only); checks file, HDF5 signature, path, type. */
static int open_spec(const char *spec, hid_t *file, hid_t *ds, char **path, const char **dset,
                     char *err, size_t errlen)
{
    char missing[512];
    *file = -1;
    *ds = -1;
    if (split_spec(spec, path, dset, err, errlen) != 0)
        return -1;
    struct stat sb;
    if (stat(*path, &sb) != 0) {
        fail(err, errlen, *path, NULL, 0, "%s", errno == ENOENT ? "no such file" : strerror(errno));
        return -1;
    }
    htri_t is = S_ISREG(sb.st_mode) ? H5Fis_hdf5(*path) : 0;
    if (is <= 0) {
        fail(err, errlen, *path, NULL, 0, "not an HDF5 file");
        return -1;
    }
    *file = H5Fopen(*path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (*file < 0) {
        fail(err, errlen, *path, NULL, 1, "cannot open the file");
        return -1;
    }
    int ex = path_exists(*file, *dset, missing, sizeof missing);
    if (ex <= 0) {
        fail(err, errlen, *path, *dset, 0, "no such dataset ('%s' not found)",
             ex < 0 ? *dset : missing);
        return -1;
    }
    hid_t obj = H5Oopen(*file, *dset, H5P_DEFAULT);
    if (obj < 0 || H5Iget_type(obj) != H5I_DATASET) {
        h5_close(obj);
        fail(err, errlen, *path, *dset, 0, "not a dataset (a group?)");
        return -1;
    }
    *ds = obj;
    hid_t type = H5Dget_type(obj);
    H5T_class_t cls = type < 0 ? H5T_NO_CLASS : H5Tget_class(type);
    h5_close(type);
    if (cls != H5T_FLOAT && cls != H5T_INTEGER) {
        fail(err, errlen, *path, *dset, 0, "dataset is not numeric");
        return -1;
    }
    return 0;
}

static int dataset_shape_impl(const char *spec, int *ndims, long dims[2], char *err,
                              size_t errlen)
{
    hid_t file, ds, sp = -1;
    char *path = NULL;
    const char *dset;
    int rc = -1;
    if (open_spec(spec, &file, &ds, &path, &dset, err, errlen) != 0)
        goto out;
    sp = H5Dget_space(ds);
    int nd = sp < 0 ? -1 : H5Sget_simple_extent_ndims(sp);
    hsize_t hd[H5S_MAX_RANK];
    if (nd < 0 || H5Sget_simple_extent_dims(sp, hd, NULL) < 0) {
        fail(err, errlen, path, dset, 1, "cannot read the dataspace");
        goto out;
    }
    if (nd < 1 || nd > 2) {
        fail(err, errlen, path, dset, 0, "dataset is %d-D, expected 1-D or 2-D", nd);
        goto out;
    }
    *ndims = nd;
    dims[0] = (long)hd[0];
    dims[1] = nd == 2 ? (long)hd[1] : 1;
    rc = 0;
out:
    h5_close(sp);
    h5_close(ds);
    h5_close(file);
    free(path);
    return rc;
}

int h5md_dataset_shape(const char *spec, int *ndims, long dims[2], char *err, size_t errlen)
{
    quiet_state q = quiet_begin();
    int rc = dataset_shape_impl(spec, ndims, dims, err, errlen);
    quiet_end(q);
    return rc;
}

static int read_vector_impl(const char *spec, long n, double *out, char *err, size_t errlen)
{
    hid_t file, ds, sp = -1;
    char *path = NULL;
    const char *dset;
    int rc = -1;
    if (open_spec(spec, &file, &ds, &path, &dset, err, errlen) != 0)
        goto out;
    sp = H5Dget_space(ds);
    int nd = sp < 0 ? -1 : H5Sget_simple_extent_ndims(sp);
    hsize_t hd[H5S_MAX_RANK] = {0, 0};
    if (nd < 0 || H5Sget_simple_extent_dims(sp, hd, NULL) < 0) {
        fail(err, errlen, path, dset, 1, "cannot read the dataspace");
        goto out;
    }
    hsize_t len = nd == 1 ? hd[0] : (nd == 2 && (hd[0] == 1 || hd[1] == 1)) ? hd[0] * hd[1] : 0;
    if (len == 0 && !(nd == 1 && hd[0] == 0)) {
        fail(err, errlen, path, dset, 0, "expected a vector (1-D, or 2-D with one dimension 1)");
        goto out;
    }
    if ((long)len != n) {
        fail(err, errlen, path, dset, 0, "has %llu entries, expected %ld", (unsigned long long)len,
             n);
        goto out;
    }
    if (n > 0 && H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) < 0) {
        fail(err, errlen, path, dset, 1, "cannot read the dataset");
        goto out;
    }
    for (long i = 0; i < n; i++)
        if (!isfinite(out[i])) {
            fail(err, errlen, path, dset, 0, "non-finite value %g at entry %ld", out[i], i);
            goto out;
        }
    rc = 0;
out:
    h5_close(sp);
    h5_close(ds);
    h5_close(file);
    free(path);
    return rc;
}

int h5md_read_vector(const char *spec, long n, double *out, char *err, size_t errlen)
{
    quiet_state q = quiet_begin();
    int rc = read_vector_impl(spec, n, out, err, errlen);
    quiet_end(q);
    return rc;
}

static int write_dataset_impl(h5md_file *f, const char *name, int rank, const long *dims,
                              const double *data, const char *description, char *err,
                              size_t errlen)
{
    hid_t lcpl = -1, space = -1, ds = -1, ms = -1;
    int rc = -1;
    if (f->writer < 0) {
        fail(err, errlen, f->path, name, 0, "h5md_set_writer was not called");
        return -1;
    }
    if (rank < 1 || rank > 2) {
        fail(err, errlen, f->path, name, 0, "rank %d not supported", rank);
        return -1;
    }
    hsize_t hd[2] = {(hsize_t)dims[0], rank == 2 ? (hsize_t)dims[1] : 1};
    /* an earlier summary (a restarted run) is replaced */
    if (H5Lexists(f->file, name, H5P_DEFAULT) > 0 && H5Ldelete(f->file, name, H5P_DEFAULT) < 0) {
        fail(err, errlen, f->path, name, 1, "cannot replace the dataset");
        goto out;
    }
    lcpl = H5Pcreate(H5P_LINK_CREATE);
    space = H5Screate_simple(rank, hd, NULL);
    if (lcpl < 0 || H5Pset_create_intermediate_group(lcpl, 1) < 0 || space < 0) {
        fail(err, errlen, f->path, name, 1, "cannot set up the dataset");
        goto out;
    }
    ds = H5Dcreate2(f->file, name, H5T_IEEE_F64LE, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    if (ds < 0) {
        fail(err, errlen, f->path, name, 1, "cannot create the dataset");
        goto out;
    }
    if (description &&
        attr_str(ds, f->path, name, "description", description, err, errlen) != 0)
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
        fail(err, errlen, f->path, name, 1, "cannot write the dataset");
        goto out;
    }
    rc = 0;
out:
    h5_close(ms);
    h5_close(ds);
    h5_close(space);
    h5_close(lcpl);
    return rc;
}

int h5md_write_dataset(h5md_file *f, const char *name, int rank, const long *dims,
                       const double *data, const char *description, char *err, size_t errlen)
{
    if (!f) {
        fail(err, errlen, "h5md_write_dataset", name, 0, "no file");
        return -1;
    }
    quiet_state q = quiet_begin();
    int rc = write_dataset_impl(f, name, rank, dims, data, description, err, errlen);
    if (rc == 0)
        rc = flush(f, err, errlen);
    quiet_end(q);
    return rc;
}

/** One cell of the posterior table: %10.4g, or blank. */
static void table_cell(FILE *out, const double *v, long k)
{
    if (v)
        fprintf(out, " %11.4g", v[k]);
}

void h5md_print_posterior(FILE *out, long d, const double *mean, const double *std,
                          const double *lower, const double *upper, const double *truth,
                          const double *reference, const char *reference_name)
{
    fprintf(out, "  %6s %11s %11s %11s %11s", "coord", "mean", "std", "q2.5%", "q97.5%");
    if (truth)
        fprintf(out, " %11s", "truth");
    if (reference)
        fprintf(out, " %11s", reference_name ? reference_name : "reference");
    fputc('\n', out);
    const long head = d <= 12 ? d : 8, tail = d <= 12 ? 0 : 3;
    for (long k = 0; k < d; k++) {
        if (k == head && tail > 0) {
            fprintf(out, "  %6s   (%ld coordinates not shown)\n", "...", d - head - tail);
            k = d - tail;
        }
        fprintf(out, "  %6ld", k + 1);
        table_cell(out, mean, k);
        table_cell(out, std, k);
        table_cell(out, lower, k);
        table_cell(out, upper, k);
        table_cell(out, truth, k);
        table_cell(out, reference, k);
        fputc('\n', out);
    }
}

/** Read a whole 1-D dataset of length d into a new array, or NULL if absent/other shape. */
static double *read_opt_vector(hid_t file, const char *name, long d)
{
    if (H5Lexists(file, "/posterior", H5P_DEFAULT) <= 0 && strncmp(name, "/posterior", 10) == 0)
        return NULL;
    char missing[256];
    if (path_exists(file, name, missing, sizeof missing) <= 0)
        return NULL;
    hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
    if (ds < 0)
        return NULL;
    hid_t sp = H5Dget_space(ds);
    hsize_t n = 0;
    double *v = NULL;
    if (sp >= 0 && H5Sget_simple_extent_ndims(sp) == 1 &&
        H5Sget_simple_extent_dims(sp, &n, NULL) >= 0 && (d < 0 || (long)n == d) && n > 0) {
        v = malloc((size_t)n * sizeof(double));
        if (v && H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
            free(v);
            v = NULL;
        }
    }
    h5_close(sp);
    h5_close(ds);
    return v;
}

static long vector_length(hid_t file, const char *name)
{
    char missing[256];
    if (path_exists(file, name, missing, sizeof missing) <= 0)
        return -1;
    hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
    hid_t sp = ds < 0 ? -1 : H5Dget_space(ds);
    hsize_t n = 0;
    long len = -1;
    if (sp >= 0 && H5Sget_simple_extent_ndims(sp) == 1 &&
        H5Sget_simple_extent_dims(sp, &n, NULL) >= 0)
        len = (long)n;
    h5_close(sp);
    h5_close(ds);
    return len;
}

static int info_posterior_impl(const char *path, FILE *out)
{
    struct stat sb;
    if (!path || !out || stat(path, &sb) != 0 || !S_ISREG(sb.st_mode) || H5Fis_hdf5(path) <= 0)
        return -1;
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0)
        return -1;
    long d = vector_length(file, "/posterior/mean");
    if (d <= 0) {
        h5_close(file);
        return 0;
    }
    double *mean = read_opt_vector(file, "/posterior/mean", d);
    double *std = read_opt_vector(file, "/posterior/std", d);
    double *lo = read_opt_vector(file, "/posterior/lower", d);
    double *hi = read_opt_vector(file, "/posterior/upper", d);
    double *truth = read_opt_vector(file, "/problem/x_true", d);
    const char *ref_name = "exact_mean";
    double *ref = read_opt_vector(file, "/problem/exact_mean", d);
    if (!ref) {
        ref_name = "map";
        ref = read_opt_vector(file, "/problem/map", d);
    }
    char *desc = NULL;
    if (H5Aexists_by_name(file, "/posterior/mean", "description", H5P_DEFAULT) > 0)
        desc = attr_get_str(file, "/posterior/mean", "description");
    fprintf(out, "posterior summary (%s): per coordinate mean, std and central 95%% interval\n",
            desc ? desc : "/posterior");
    h5md_print_posterior(out, d, mean, std, lo, hi, truth, ref, ref_name);
    free(desc);
    free(mean);
    free(std);
    free(lo);
    free(hi);
    free(truth);
    free(ref);
    h5_close(file);
    return 0;
}

int h5md_info_posterior(const char *path, FILE *out)
{
    quiet_state q = quiet_begin();
    int rc = info_posterior_impl(path, out);
    quiet_end(q);
    return rc;
}
