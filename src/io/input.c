/**
 * @file input.c
 * @brief Readers of user inputs ("path.h5:/dataset") and of run-file frames, and the writer of
 *        sample sets (see input.h).
 *
 * A spec is split at its last ":/", so file names may contain ':'. Matrices and frames are read
 * collectively with the MPI-IO driver (each rank its row block, a rank without rows selects none
 * and still takes part); vectors and shapes serially with the default driver. Every check names
 * the file and the dataset in a one-line message; HDF5's own error printing is off
 * (H5UTIL_QUIETLY).
 */
#include "rwpo/io/input.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "h5util.h"

/** Split "path.h5:/dataset" at the last ":/"; path malloc'ed into *path; `caller` names a missing
 *  spec. 0 or -1. */
static int split_spec(const char *spec, const char *caller, char **path, const char **dset,
                      char *err, size_t errlen)
{
    *path = NULL;
    *dset = NULL;
    if (!spec) {
        h5util_fail(err, errlen, caller, NULL, 0, "no input given (expected path.h5:/dataset)");
        return -1;
    }
    for (const char *s = spec; (s = strstr(s, ":/")) != NULL; s++)
        *dset = s + 1;
    if (!*dset || *dset == spec + 1) {
        h5util_fail(err, errlen, spec, NULL, 0, "expected path.h5:/dataset");
        return -1;
    }
    *path = h5util_dup_str(spec);
    if (!*path) {
        h5util_fail(err, errlen, spec, NULL, 0, "out of memory");
        return -1;
    }
    (*path)[*dset - spec - 1] = '\0';
    return 0;
}

/** The dataset at path dset of an open file (path names the file in messages), or -1. */
static hid_t open_dataset(hid_t file, const char *path, const char *dset, char *err,
                          size_t errlen)
{
    char missing[512];
    int ex = h5util_path_exists(file, dset, missing, sizeof missing);
    if (ex <= 0) {
        if (ex < 0)
            h5util_fail(err, errlen, path, dset, 0, "out of memory");
        else
            h5util_fail(err, errlen, path, dset, 0, "no such dataset ('%s' not found)", missing);
        return -1;
    }
    hid_t obj = H5Oopen(file, dset, H5P_DEFAULT);
    if (obj < 0) {
        h5util_fail(err, errlen, path, dset, 1, "cannot open the object");
        return -1;
    }
    if (H5Iget_type(obj) != H5I_DATASET) {
        h5util_close(obj);
        h5util_fail(err, errlen, path, dset, 0, "not a dataset (a group?)");
        return -1;
    }
    return obj;
}

/* ---------------------------------------------------------------------------------------------
 * Matrices and frames (collective)
 */

/* Rows [offset, offset + n_local) of a 2-D [N][d] dataset (frame < 0) or of frame `frame` of a
 * 3-D [frames][N][d] dataset (collective). */
static int read_matrix_impl(const char *spec, MPI_Comm comm, long frame, long n_global, int dim,
                            long offset, long n_local, double *x, char *err, size_t errlen)
{
    char *path = NULL;
    const char *dset = NULL;
    hid_t fapl = -1, file = -1, obj = -1, space = -1, type = -1, ms = -1, dxpl = -1;
    int rc = -1;

    if (split_spec(spec, "input_read_matrix", &path, &dset, err, errlen) != 0)
        goto out;
    if (n_global < 1 || dim < 1) {
        h5util_fail(err, errlen, path, dset, 0, "bad arguments: N = %ld, d = %d", n_global, dim);
        goto out;
    }
    const int local_ok = offset >= 0 && n_local >= 0 && offset <= n_global &&
                         n_local <= n_global - offset && (n_local == 0 || x);

    if (h5util_check_file(path, err, errlen) != 0)
        goto out;
    fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0 || H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL) < 0) {
        h5util_fail(err, errlen, path, NULL, 1, "cannot set up parallel file access");
        goto out;
    }
    file = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    if (file < 0) {
        h5util_fail(err, errlen, path, NULL, 1, "cannot open the file");
        goto out;
    }
    if ((obj = open_dataset(file, path, dset, err, errlen)) < 0)
        goto out;
    space = H5Dget_space(obj);
    int ndims = space < 0 ? -1 : H5Sget_simple_extent_ndims(space);
    if (ndims < 0) {
        h5util_fail(err, errlen, path, dset, 1, "cannot read the dataspace");
        goto out;
    }
    hsize_t dims[H5S_MAX_RANK];
    H5Sget_simple_extent_dims(space, dims, NULL);
    char shape[256] = "";
    for (int i = 0, m = 0; i < ndims && m >= 0 && (size_t)m < sizeof shape; i++)
        m += snprintf(shape + m, sizeof shape - (size_t)m, "[%llu]", (unsigned long long)dims[i]);
    const int want = frame < 0 ? 2 : 3, o = frame < 0 ? 0 : 1;
    if (ndims != want) {
        h5util_fail(err, errlen, path, dset, 0,
                    "dataset is %d-D of shape %s, expected %s[%ld][%d]", ndims,
                    ndims ? shape : "(scalar)", frame < 0 ? "2-D " : "3-D [frames]", n_global,
                    dim);
        goto out;
    }
    type = H5Dget_type(obj);
    H5T_class_t cls = type < 0 ? H5T_NO_CLASS : H5Tget_class(type);
    if (cls != H5T_FLOAT) {
        h5util_fail(err, errlen, path, dset, 0, "dataset is of %s type, expected floating point",
                    cls == H5T_INTEGER ? "integer" : cls == H5T_STRING ? "string" : "non-float");
        goto out;
    }
    if (dims[o] != (hsize_t)n_global || dims[o + 1] != (hsize_t)dim) {
        h5util_fail(err, errlen, path, dset, 0, "found shape %s, expected %s[%ld][%d] (N x d)",
                    shape, frame < 0 ? "" : "[frames]", n_global, dim);
        goto out;
    }
    if (frame >= 0 && (hsize_t)frame >= dims[0]) {
        h5util_fail(err, errlen, path, dset, 0, "frame %ld does not exist (%llu frames)", frame,
                    (unsigned long long)dims[0]);
        goto out;
    }
    dxpl = H5Pcreate(H5P_DATASET_XFER);
    if (dxpl < 0 || H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE) < 0) {
        h5util_fail(err, errlen, path, dset, 1, "cannot set up a collective transfer");
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
        h5util_fail(err, errlen, path, dset, 1, "cannot select rows %ld..%ld", offset,
                    offset + n_local);
        goto out;
    }
    double dummy[1];
    if (H5Dread(obj, H5T_NATIVE_DOUBLE, ms, space, dxpl, local_ok && n_local > 0 ? x : dummy) <
        0) {
        h5util_fail(err, errlen, path, dset, 1, "cannot read rows %ld..%ld", offset,
                    offset + n_local);
        goto out;
    }
    if (!local_ok) {
        h5util_fail(err, errlen, path, dset, 0, "bad row block %ld..%ld of N = %ld%s", offset,
                    offset + n_local, n_global, (n_local > 0 && !x) ? ", no buffer" : "");
        goto out;
    }
    for (long i = 0; i < n_local; i++)
        for (int k = 0; k < dim; k++)
            if (!isfinite(x[i * dim + k])) {
                h5util_fail(err, errlen, path, dset, 0,
                            "non-finite value %g at row %ld, column %d", x[i * dim + k],
                            offset + i, k);
                goto out;
            }
    rc = 0;
out:
    H5UTIL_CLOSE(ms, dxpl, type, space, obj, file, fapl);
    free(path);
    return rc;
}

int input_read_matrix(const char *spec, MPI_Comm comm, long n_global, int dim, long offset,
                      long n_local, double *x, char *err, size_t errlen)
{
    int rc;
    H5UTIL_QUIETLY(rc, read_matrix_impl(spec, comm, -1, n_global, dim, offset, n_local, x, err,
                                        errlen));
    return rc;
}

int input_read_frame(const char *path, MPI_Comm comm, long frame, long n_global, int dim,
                     long offset, long n_local, double *x, char *err, size_t errlen)
{
    size_t n = strlen(path) + 64;
    char *spec = malloc(n);
    if (!spec) {
        h5util_fail(err, errlen, path, NULL, 0, "out of memory");
        return -1;
    }
    snprintf(spec, n, "%s:/particles/cloud/position/value", path);
    int rc;
    H5UTIL_QUIETLY(rc, read_matrix_impl(spec, comm, frame, n_global, dim, offset, n_local, x, err,
                                        errlen));
    free(spec);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Vectors and shapes (serial)
 */

/** A numeric dataset of a spec opened serially (read-only), with its shape. */
typedef struct {
    char *path;       /* the file part of the spec (malloc'ed) */
    const char *dset; /* the dataset part (points into the spec) */
    hid_t file, ds;
    int nd;           /* rank */
    hsize_t dims[H5S_MAX_RANK];
} spec_dataset;

/** Open the dataset of a spec; checks file, HDF5 signature, path, type, and reads the shape.
 *  Close with spec_close also on failure. 0 or -1. */
static int spec_open(const char *spec, spec_dataset *s, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->file = s->ds = -1;
    if (split_spec(spec, "(none)", &s->path, &s->dset, err, errlen) != 0 ||
        (s->file = h5util_open_read(s->path, err, errlen)) < 0 ||
        (s->ds = open_dataset(s->file, s->path, s->dset, err, errlen)) < 0)
        return -1;
    hid_t type = H5Dget_type(s->ds);
    H5T_class_t cls = type < 0 ? H5T_NO_CLASS : H5Tget_class(type);
    h5util_close(type);
    if (cls != H5T_FLOAT && cls != H5T_INTEGER) {
        h5util_fail(err, errlen, s->path, s->dset, 0, "dataset is not numeric");
        return -1;
    }
    hid_t sp = H5Dget_space(s->ds);
    s->nd = sp < 0 ? -1 : H5Sget_simple_extent_ndims(sp);
    int r = s->nd < 0 ? -1 : H5Sget_simple_extent_dims(sp, s->dims, NULL);
    h5util_close(sp);
    if (r < 0) {
        h5util_fail(err, errlen, s->path, s->dset, 1, "cannot read the dataspace");
        return -1;
    }
    return 0;
}

static void spec_close(spec_dataset *s)
{
    h5util_close(s->ds);
    h5util_close(s->file);
    free(s->path);
}

static int dataset_shape_impl(const char *spec, int *ndims, long dims[2], char *err,
                              size_t errlen)
{
    spec_dataset s;
    int rc = -1;
    if (spec_open(spec, &s, err, errlen) != 0)
        goto out;
    if (s.nd < 1 || s.nd > 2) {
        h5util_fail(err, errlen, s.path, s.dset, 0, "dataset is %d-D, expected 1-D or 2-D", s.nd);
        goto out;
    }
    *ndims = s.nd;
    dims[0] = (long)s.dims[0];
    dims[1] = s.nd == 2 ? (long)s.dims[1] : 1;
    rc = 0;
out:
    spec_close(&s);
    return rc;
}

int input_dataset_shape(const char *spec, int *ndims, long dims[2], char *err, size_t errlen)
{
    int rc;
    H5UTIL_QUIETLY(rc, dataset_shape_impl(spec, ndims, dims, err, errlen));
    return rc;
}

static int read_vector_impl(const char *spec, long n, double *out, char *err, size_t errlen)
{
    spec_dataset s;
    int rc = -1;
    if (spec_open(spec, &s, err, errlen) != 0)
        goto out;
    const int nd = s.nd;
    const hsize_t *hd = s.dims;
    hsize_t len = nd == 1 ? hd[0] : (nd == 2 && (hd[0] == 1 || hd[1] == 1)) ? hd[0] * hd[1] : 0;
    if (len == 0 && !(nd == 1 && hd[0] == 0)) {
        h5util_fail(err, errlen, s.path, s.dset, 0,
                    "expected a vector (1-D, or 2-D with one dimension 1)");
        goto out;
    }
    if ((long)len != n) {
        h5util_fail(err, errlen, s.path, s.dset, 0, "has %llu entries, expected %ld",
                    (unsigned long long)len, n);
        goto out;
    }
    if (n > 0 && H5Dread(s.ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) < 0) {
        h5util_fail(err, errlen, s.path, s.dset, 1, "cannot read the dataset");
        goto out;
    }
    for (long i = 0; i < n; i++)
        if (!isfinite(out[i])) {
            h5util_fail(err, errlen, s.path, s.dset, 0, "non-finite value %g at entry %ld",
                        out[i], i);
            goto out;
        }
    rc = 0;
out:
    spec_close(&s);
    return rc;
}

int input_read_vector(const char *spec, long n, double *out, char *err, size_t errlen)
{
    int rc;
    H5UTIL_QUIETLY(rc, read_vector_impl(spec, n, out, err, errlen));
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Samples and whole frames (serial)
 */

/* Read the hyperslab [frame][0..rows)[0..cols) (frame < 0: a 2-D [rows][cols] dataset) of an
 * open dataset as doubles into x, then check finiteness. 0 or -1. */
static int read_block_serial(const spec_dataset *s, long frame, long rows, int cols, double *x,
                             char *err, size_t errlen)
{
    hid_t type = H5Dget_type(s->ds);
    const H5T_class_t cls = type < 0 ? H5T_NO_CLASS : H5Tget_class(type);
    h5util_close(type);
    if (cls != H5T_FLOAT) {
        h5util_fail(err, errlen, s->path, s->dset, 0, "dataset is of %s type, expected floating "
                    "point", cls == H5T_INTEGER ? "integer" : "non-float");
        return -1;
    }
    const int rank = frame < 0 ? 2 : 3;
    const hsize_t start[3] = {frame < 0 ? 0 : (hsize_t)frame, 0, 0};
    const hsize_t count[3] = {frame < 0 ? (hsize_t)rows : 1,
                              frame < 0 ? (hsize_t)cols : (hsize_t)rows, (hsize_t)cols};
    hid_t fs = H5Dget_space(s->ds), ms = H5Screate_simple(rank, count, NULL);
    int rc = -1;
    if (fs < 0 || ms < 0 || H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
        H5Dread(s->ds, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, x) < 0) {
        h5util_fail(err, errlen, s->path, s->dset, 1, "cannot read %s",
                    frame < 0 ? "the dataset" : "the frame");
        goto out;
    }
    for (long i = 0; i < rows; i++)
        for (int k = 0; k < cols; k++)
            if (!isfinite(x[(size_t)i * (size_t)cols + k])) {
                h5util_fail(err, errlen, s->path, s->dset, 0,
                            "non-finite value %g at row %ld, column %d%s",
                            x[(size_t)i * (size_t)cols + k], i, k,
                            frame < 0 ? "" : " of the frame");
                goto out;
            }
    rc = 0;
out:
    H5UTIL_CLOSE(ms, fs);
    return rc;
}

static int read_samples_impl(const char *spec, long *m, int *d, double **x, char *err,
                             size_t errlen)
{
    spec_dataset s;
    int rc = -1;
    *x = NULL;
    if (spec_open(spec, &s, err, errlen) != 0)
        goto out;
    if (s.nd != 2) {
        h5util_fail(err, errlen, s.path, s.dset, 0, "dataset is %d-D, expected 2-D samples "
                    "[M][d] (one sample per row)", s.nd);
        goto out;
    }
    if (s.dims[0] < 1 || s.dims[1] < 1 || s.dims[1] > (hsize_t)INT32_MAX) {
        h5util_fail(err, errlen, s.path, s.dset, 0, "dataset has shape [%llu][%llu], expected "
                    "samples [M][d] with M, d >= 1", (unsigned long long)s.dims[0],
                    (unsigned long long)s.dims[1]);
        goto out;
    }
    const size_t total = (size_t)s.dims[0] * (size_t)s.dims[1];
    if (!(*x = malloc(total * sizeof **x))) {
        h5util_fail(err, errlen, s.path, s.dset, 0, "out of memory for [%llu][%llu] doubles",
                    (unsigned long long)s.dims[0], (unsigned long long)s.dims[1]);
        goto out;
    }
    if (read_block_serial(&s, -1, (long)s.dims[0], (int)s.dims[1], *x, err, errlen) != 0)
        goto out;
    *m = (long)s.dims[0];
    *d = (int)s.dims[1];
    rc = 0;
out:
    if (rc != 0) {
        free(*x);
        *x = NULL;
    }
    spec_close(&s);
    return rc;
}

int input_read_samples(const char *spec, long *m, int *d, double **x, char *err, size_t errlen)
{
    int rc;
    H5UTIL_QUIETLY(rc, read_samples_impl(spec, m, d, x, err, errlen));
    return rc;
}

static int read_frame_all_impl(const char *path, long frame, long n_global, int dim, double *x,
                               char *err, size_t errlen)
{
    const size_t n = strlen(path) + 64;
    char *spec = malloc(n);
    spec_dataset s;
    int rc = -1;
    if (!spec) {
        h5util_fail(err, errlen, path, NULL, 0, "out of memory");
        return -1;
    }
    snprintf(spec, n, "%s:/particles/cloud/position/value", path);
    if (spec_open(spec, &s, err, errlen) != 0)
        goto out;
    if (s.nd != 3 || s.dims[1] != (hsize_t)n_global || s.dims[2] != (hsize_t)dim ||
        frame < 0 || (hsize_t)frame >= s.dims[0]) {
        h5util_fail(err, errlen, s.path, s.dset, 0, "frame %ld of [frames][%ld][%d] does not "
                    "exist", frame, n_global, dim);
        goto out;
    }
    rc = read_block_serial(&s, frame, n_global, dim, x, err, errlen);
out:
    spec_close(&s);
    free(spec);
    return rc;
}

int input_read_frame_all(const char *path, long frame, long n_global, int dim, double *x,
                         char *err, size_t errlen)
{
    int rc;
    H5UTIL_QUIETLY(rc, read_frame_all_impl(path, frame, n_global, dim, x, err, errlen));
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Numeric attributes (serial)
 */

static int read_attribute_impl(const char *spec, const char *name, long n, double *out, char *err,
                               size_t errlen)
{
    char *path = NULL;
    const char *obj = NULL;
    hid_t file = -1, a = -1, sp = -1;
    int rc = -1;
    if (split_spec(spec, "(none)", &path, &obj, err, errlen) != 0 ||
        (file = h5util_open_read(path, err, errlen)) < 0)
        goto out;
    char missing[512];
    const int ex = h5util_path_exists(file, obj, missing, sizeof missing);
    if (ex <= 0) {
        h5util_fail(err, errlen, path, obj, 0, "no such object ('%s' not found)",
                    ex < 0 ? obj : missing);
        goto out;
    }
    if (H5Aexists_by_name(file, obj, name, H5P_DEFAULT) <= 0) {
        h5util_fail(err, errlen, path, obj, 0, "no attribute '%s'", name);
        goto out;
    }
    a = H5Aopen_by_name(file, obj, name, H5P_DEFAULT, H5P_DEFAULT);
    sp = a < 0 ? -1 : H5Aget_space(a);
    const hssize_t count = sp < 0 ? -1 : H5Sget_simple_extent_npoints(sp);
    hid_t type = a < 0 ? -1 : H5Aget_type(a);
    const H5T_class_t cls = type < 0 ? H5T_NO_CLASS : H5Tget_class(type);
    h5util_close(type);
    if (cls != H5T_FLOAT && cls != H5T_INTEGER) {
        h5util_fail(err, errlen, path, obj, a < 0, "attribute '%s' is not numeric", name);
        goto out;
    }
    if (count != (hssize_t)n) {
        h5util_fail(err, errlen, path, obj, 0, "attribute '%s' has %lld values, expected %ld",
                    name, (long long)count, n);
        goto out;
    }
    if (H5Aread(a, H5T_NATIVE_DOUBLE, out) < 0) {
        h5util_fail(err, errlen, path, obj, 1, "cannot read attribute '%s'", name);
        goto out;
    }
    for (long i = 0; i < n; i++)
        if (!isfinite(out[i])) {
            h5util_fail(err, errlen, path, obj, 0, "attribute '%s': non-finite value at %ld",
                        name, i);
            goto out;
        }
    rc = 0;
out:
    h5util_close(sp);
    h5util_close(a);
    h5util_close(file);
    free(path);
    return rc;
}

int input_read_attribute(const char *spec, const char *name, long n, double *out, char *err,
                         size_t errlen)
{
    int rc;
    H5UTIL_QUIETLY(rc, read_attribute_impl(spec, name, n, out, err, errlen));
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Writing a sample set (serial; `rwpo data`)
 * ------------------------------------------------------------------------------------------- */

static int write_samples_impl(const char *spec, long m, int d, const double *x, int overwrite,
                              char *err, size_t errlen)
{
    char *path = NULL;
    const char *dset = NULL;
    hid_t file = -1, lcpl = -1, space = -1, ds = -1;
    int rc = -1;
    if (split_spec(spec, "input_write_samples", &path, &dset, err, errlen) != 0)
        goto out;
    struct stat sb;
    if (stat(path, &sb) == 0) {
        if (h5util_check_file(path, err, errlen) != 0)
            goto out;
        file = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
        if (file < 0) {
            h5util_fail(err, errlen, path, NULL, 1, "cannot open the file for writing");
            goto out;
        }
        char missing[512];
        if (h5util_path_exists(file, dset, missing, sizeof missing) > 0) {
            if (!overwrite) {
                h5util_fail(err, errlen, path, dset, 0, "the dataset exists (allowed: another "
                            "dataset name, or --overwrite to replace it)");
                goto out;
            }
            if (H5Ldelete(file, dset, H5P_DEFAULT) < 0) {
                h5util_fail(err, errlen, path, dset, 1, "cannot remove the old dataset");
                goto out;
            }
        }
    } else {
        file = H5Fcreate(path, H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT);
        if (file < 0) {
            h5util_fail(err, errlen, path, NULL, 1, "cannot create the file");
            goto out;
        }
    }
    lcpl = H5Pcreate(H5P_LINK_CREATE);
    const hsize_t dims[2] = {(hsize_t)m, (hsize_t)d};
    space = H5Screate_simple(2, dims, NULL);
    if (lcpl < 0 || space < 0 || H5Pset_create_intermediate_group(lcpl, 1) < 0 ||
        (ds = H5Dcreate2(file, dset, H5T_IEEE_F64LE, space, lcpl, H5P_DEFAULT, H5P_DEFAULT)) < 0 ||
        H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, x) < 0) {
        h5util_fail(err, errlen, path, dset, 1, "cannot write the dataset");
        goto out;
    }
    rc = 0;
out:
    if (H5UTIL_CLOSE(ds, space, lcpl, file) != 0 && rc == 0) {
        h5util_fail(err, errlen, path, dset, 1, "cannot close the file");
        rc = -1;
    }
    free(path);
    return rc;
}

int input_write_samples(const char *spec, long m, int d, const double *x, int overwrite,
                        char *err, size_t errlen)
{
    int rc;
    H5UTIL_QUIETLY(rc, write_samples_impl(spec, m, d, x, overwrite, err, errlen));
    return rc;
}
