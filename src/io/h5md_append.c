/**
 * @file h5md_append.c
 * @brief Reopening a run file to continue it (h5md_open_append, see rwpo/io/h5md.h).
 *
 * The frames to keep are found first through a serial read-only handle (scan_lengths), then the
 * file is opened and every extendible dataset is truncated to them: serially by one rank
 * (h5md_truncate: shrinking a checksummed chunk rewrites it, which HDF5 1.10 does on every rank
 * of a parallel file at once, reading it back mid-rewrite on some), then with the MPI-IO driver
 * (h5md_open_append: nothing left to shrink). No MPI calls of its own.
 */
#include "rwpo/io/h5md.h"

#include <stdlib.h>
#include <string.h>

#include "h5md_file.h"
#include "h5util.h"

/* Shrink a dataset's first dimension to len (collective on a parallel file); nothing to do when
 * it is that long already. */
static int shrink(const h5md_file *f, hid_t ds, const char *obj, hsize_t len, char *err,
                  size_t errlen)
{
    hsize_t dims[3] = {0, 0, 0};
    hid_t sp = H5Dget_space(ds);
    int r = sp < 0 ? -1 : H5Sget_simple_extent_dims(sp, dims, NULL);
    h5util_close(sp);
    if (r < 1) {
        h5util_fail(err, errlen, f->path, obj, 1, "cannot read the dataset's shape");
        return -1;
    }
    if (dims[0] == len)
        return 0;
    dims[0] = len;
    if (H5Dset_extent(ds, dims) < 0) {
        h5util_fail(err, errlen, f->path, obj, 1, "cannot truncate to %llu records",
                    (unsigned long long)len);
        return -1;
    }
    return 0;
}

typedef struct {
    hsize_t dims[3];
    long keep_pos;
    long long last_step; /* step of the last kept frame, -1 if none */
    char **obs; /* observable names, in creation order */
    int n_obs;
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
        h5util_fail(err, errlen, path, NULL, 1, "cannot open (damaged?)");
        return -1;
    }
    ds = H5Dopen2(file, pv, H5P_DEFAULT);
    hid_t sp = ds < 0 ? -1 : H5Dget_space(ds);
    int nd = sp < 0 ? -1 : H5Sget_simple_extent_dims(sp, r->dims, NULL);
    h5util_close(sp);
    h5util_close(ds);
    ds = H5Dopen2(file, "/particles/cloud/position/step", H5P_DEFAULT);
    hsize_t n = 0;
    long long *steps = ds < 0 ? NULL : h5util_read_steps(ds, &n);
    h5util_close(ds);
    ds = -1;
    if (nd != 3 || !steps) {
        free(steps);
        h5util_fail(err, errlen, path, pv, 1, "damaged or not an rwpo run file");
        goto out;
    }
    r->keep_pos = h5util_frames_upto(steps, n < r->dims[0] ? n : r->dims[0], keep_step);
    r->last_step = r->keep_pos > 0 ? steps[r->keep_pos - 1] : -1;
    free(steps);
    root = H5Gopen2(file, "/observables", H5P_DEFAULT);
    if (root < 0 || h5util_list_names(root, &r->obs, &r->n_obs) < 0) {
        h5util_fail(err, errlen, path, "/observables", 1, "damaged: cannot list the observables");
        goto out;
    }
    char obj[512];
    for (int i = 0; i < r->n_obs; i++) {
        snprintf(obj, sizeof obj, "/observables/%s/step", r->obs[i]);
        ds = H5Dopen2(file, obj, H5P_DEFAULT);
        long long *st = ds < 0 ? NULL : h5util_read_steps(ds, &n);
        h5util_close(ds);
        ds = -1;
        long k = st ? h5util_frames_upto(st, n, keep_step) : -1;
        free(st);
        if (k < 0 || (r->keep_obs >= 0 && k != r->keep_obs)) {
            h5util_fail(err, errlen, path, obj, 0, "damaged: unreadable or inconsistent steps");
            goto out;
        }
        r->keep_obs = k;
    }
    rc = 0;
out:
    H5UTIL_CLOSE(ds, root, file);
    return rc;
}

static void scan_free(scan_result *r)
{
    h5util_free_names(r->obs, r->n_obs);
    memset(r, 0, sizeof *r);
}

/* Reopen the observables (names from the scan) and truncate them to keep frames. */
static int reopen_observables(h5md_file *f, scan_result *r, char *err, size_t errlen)
{
    char obj[512];
    if (r->n_obs == 0) /* none written yet: created at the first write */
        return 0;
    f->obs = calloc((size_t)r->n_obs, sizeof *f->obs);
    if (!f->obs) {
        h5util_fail(err, errlen, f->path, "/observables", 0, "out of memory");
        return -1;
    }
    f->n_obs = r->n_obs;
    f->obs_created = 1;
    for (int i = 0; i < r->n_obs; i++)
        f->obs[i].value = f->obs[i].step = f->obs[i].time = -1;
    for (int i = 0; i < r->n_obs; i++) {
        h5md_obs_ds *o = &f->obs[i];
        o->name = r->obs[i];
        r->obs[i] = NULL;
        snprintf(obj, sizeof obj, "/observables/%s", o->name);
        hid_t g = H5Gopen2(f->file, obj, H5P_DEFAULT);
        if (g >= 0) {
            o->value = H5Dopen2(g, "value", H5P_DEFAULT);
            o->step = H5Dopen2(g, "step", H5P_DEFAULT);
            o->time = H5Dopen2(g, "time", H5P_DEFAULT);
            h5util_close(g);
        }
        if (g < 0 || o->value < 0 || o->step < 0 || o->time < 0) {
            h5util_fail(err, errlen, f->path, obj, 1, "damaged: cannot open value, step and time");
            return -1;
        }
        hsize_t dims[2] = {0, 1};
        hid_t sp = H5Dget_space(o->value);
        int nd = sp < 0 ? -1 : H5Sget_simple_extent_dims(sp, dims, NULL);
        h5util_close(sp);
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

/* Open a run file to continue it and truncate it to the frames kept: with the MPI-IO driver on
 * comm (collective), or serial (HDF5's default driver, one rank: h5md_truncate). */
static h5md_file *open_append_impl(const char *path, MPI_Comm comm, int serial, long n_global,
                                   int dim, int64_t keep_step, long min_frames, char *err,
                                   size_t errlen)
{
    static const char *const pv = "/particles/cloud/position/value";
    scan_result sr;
    h5md_file *f = h5md_file_new(path, n_global, dim, err, errlen);
    if (!f)
        return NULL;
    memset(&sr, 0, sizeof sr);
    if (h5util_check_file(path, err, errlen) != 0)
        goto fail;
    if (scan_lengths(path, keep_step, &sr, err, errlen) < 0)
        goto fail;
    if (sr.dims[1] != (hsize_t)n_global || sr.dims[2] != (hsize_t)dim) {
        h5util_fail(err, errlen, path, pv, 0, "holds N = %llu, d = %llu, not N = %ld, d = %d",
                    (unsigned long long)sr.dims[1], (unsigned long long)sr.dims[2], n_global, dim);
        goto fail;
    }
    if (sr.keep_pos < 0 || sr.keep_pos < min_frames ||
        (sr.keep_obs >= 0 && sr.keep_obs != sr.keep_pos)) {
        h5util_fail(
            err, errlen, path, pv, 0,
            "damaged: %ld readable frames up to layer %lld (observables: %ld), %ld expected",
            sr.keep_pos, (long long)keep_step, sr.keep_obs, min_frames);
        goto fail;
    }
    if (serial) {
        hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
        if (fapl >= 0 && H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18) >= 0)
            f->file = H5Fopen(path, H5F_ACC_RDWR, fapl);
        h5util_close(fapl);
        if (f->file < 0) {
            h5util_fail(err, errlen, path, NULL, 1, "cannot open for truncating");
            goto fail;
        }
    } else if (h5md_file_open(f, comm, 0, err, errlen) < 0)
        goto fail;
    f->params = H5Gopen2(f->file, "/parameters", H5P_DEFAULT);
    f->pos_value = H5Dopen2(f->file, pv, H5P_DEFAULT);
    f->pos_step = H5Dopen2(f->file, "/particles/cloud/position/step", H5P_DEFAULT);
    f->pos_time = H5Dopen2(f->file, "/particles/cloud/position/time", H5P_DEFAULT);
    if (f->params < 0 || f->pos_value < 0 || f->pos_step < 0 || f->pos_time < 0) {
        h5util_fail(err, errlen, path, NULL, 1, "damaged or not an rwpo run file");
        goto fail;
    }
    if (h5util_has_checksum(f->pos_value) == 1) /* observables created later get it too */
        f->flags |= H5MD_CHECKSUM;
    const hsize_t keep = (hsize_t)sr.keep_pos;
    if (shrink(f, f->pos_value, pv, keep, err, errlen) < 0 ||
        shrink(f, f->pos_step, pv, keep, err, errlen) < 0 ||
        shrink(f, f->pos_time, pv, keep, err, errlen) < 0)
        goto fail;
    f->n_rec = keep;
    f->last_step = sr.last_step;
    if (reopen_observables(f, &sr, err, errlen) < 0 || h5md_file_flush(f, err, errlen) < 0)
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
    h5md_file *f;
    H5UTIL_QUIETLY(f, open_append_impl(path, comm, 0, n_global, dim, keep_step, min_frames, err,
                                       errlen));
    return f;
}

int h5md_truncate(const char *path, long n_global, int dim, int64_t keep_step, long min_frames,
                  char *err, size_t errlen)
{
    h5md_file *f;
    H5UTIL_QUIETLY(f, open_append_impl(path, MPI_COMM_NULL, 1, n_global, dim, keep_step,
                                       min_frames, err, errlen));
    return f && h5md_close(f) == 0 ? 0 : -1;
}
