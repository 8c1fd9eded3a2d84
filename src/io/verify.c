/**
 * @file verify.c
 * @brief Reading frames back to verify them (probe_verify, see probe.h) and probe_is_hdf5.
 *
 * A frame is its positions, its step and time, and its row of every observable. Every dataset is
 * read in blocks aligned with its chunks (the unit of HDF5's Fletcher32 checksum), so a block
 * that fails names exactly the frames it holds. The row datasets (steps, times, observables) are
 * read a chunk at a time and the block is kept (row_src): checking every frame reads each chunk
 * once. Serial, read-only, HDF5's error printing off (H5UTIL_QUIETLY).
 */
#include "rwpo/io/probe.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5util.h"

static const char *const POS = "/particles/cloud/position/value";

/** Read the hyperslab start/count (rank 1..3) of ds into buf as doubles. 0, or -1 with HDF5's
 *  reason in reason (H5UTIL_REASON_LEN bytes). */
static int read_block(hid_t ds, int rank, const hsize_t *start, const hsize_t *count, double *buf,
                      char *reason)
{
    hid_t fs = H5Dget_space(ds), ms = -1;
    int rc = -1;
    if (fs >= 0 && H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) >= 0 &&
        (ms = H5Screate_simple(rank, count, NULL)) >= 0 &&
        H5Dread(ds, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, buf) >= 0)
        rc = 0;
    if (rc != 0)
        h5util_reason(reason);
    H5UTIL_CLOSE(ms, fs);
    return rc;
}

/** Rows of a chunk of ds along its first dimension (1 when it is not chunked). */
static hsize_t chunk_rows_of(hid_t ds, int rank, int dim)
{
    hsize_t chunk[3] = {1, 1, 1};
    hid_t dcpl = H5Dget_create_plist(ds);
    const int r = dcpl < 0 ? -1 : H5Pget_chunk(dcpl, 3, chunk);
    h5util_close(dcpl);
    return r == rank && chunk[dim] > 0 ? chunk[dim] : 1;
}

/** A 1-D [len] or 2-D [len][width] dataset read one chunk of rows at a time. */
typedef struct {
    hid_t ds;
    char obj[320];   /* its path, for messages */
    int rank;
    hsize_t len;     /* rows */
    hsize_t width;   /* doubles per row */
    hsize_t block;   /* rows per read: the chunk's */
    hsize_t start;   /* first row held in buf (len when none) */
    int ok;          /* that block read back */
    char reason[H5UTIL_REASON_LEN]; /* why not */
    double *buf;     /* block * width */
} row_src;

/** Open obj as a row source. 0, or -1 (missing, not 1-D or 2-D, out of memory). */
static int src_open(hid_t file, const char *obj, row_src *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->obj, sizeof s->obj, "%s", obj);
    char missing[320];
    s->ds = h5util_path_exists(file, obj, missing, sizeof missing) > 0
                ? H5Dopen2(file, obj, H5P_DEFAULT)
                : -1;
    hid_t sp = s->ds < 0 ? -1 : H5Dget_space(s->ds);
    hsize_t dims[2] = {0, 1};
    s->rank = sp < 0 ? -1 : H5Sget_simple_extent_dims(sp, dims, NULL);
    h5util_close(sp);
    if (s->rank < 1 || s->rank > 2)
        return -1;
    s->len = dims[0];
    s->width = s->rank == 2 ? dims[1] : 1;
    s->block = chunk_rows_of(s->ds, s->rank, 0);
    s->start = s->len;
    s->buf = malloc((size_t)(s->block * s->width + 1) * sizeof *s->buf);
    return s->buf ? 0 : -1;
}

static void src_close(row_src *s)
{
    h5util_close(s->ds);
    free(s->buf);
    s->ds = -1;
    s->buf = NULL;
}

/** Row i of s: *row points into s's buffer. 0; 1 no such row; 2 its chunk is unreadable. */
static int src_row(row_src *s, hsize_t i, const double **row)
{
    if (i >= s->len)
        return 1;
    const hsize_t b0 = i / s->block * s->block;
    if (s->start != b0) {
        const hsize_t n = b0 + s->block <= s->len ? s->block : s->len - b0;
        const hsize_t start[2] = {b0, 0}, count[2] = {n, s->width};
        s->start = b0;
        s->ok = read_block(s->ds, s->rank, start, count, s->buf, s->reason) == 0;
    }
    *row = s->buf + (i - b0) * s->width;
    return s->ok ? 0 : 2;
}

/** What a file's frames are read from. */
typedef struct {
    hid_t file, pos;
    hsize_t dims[3];   /* [frames][N][d] */
    hsize_t pos_block; /* rows of positions per read (the chunk's) */
    double *pos_buf;
    row_src step, time;
    row_src *obs;      /* 3 per observable: value, step, time */
    int n_obs;
} frame_reader;

static void reader_close(frame_reader *fr)
{
    src_close(&fr->step);
    src_close(&fr->time);
    for (int i = 0; i < 3 * fr->n_obs; i++)
        src_close(&fr->obs[i]);
    free(fr->obs);
    free(fr->pos_buf);
    H5UTIL_CLOSE(fr->pos, fr->file);
}

/** Open a file's frames (checks its layout). 0, or -1 with the reason in err. */
static int reader_open(const char *path, frame_reader *fr, int *checksum, char *err,
                       size_t errlen)
{
    memset(fr, 0, sizeof *fr);
    fr->pos = fr->step.ds = fr->time.ds = -1;
    if ((fr->file = h5util_open_read(path, err, errlen)) < 0)
        return -1;
    char missing[320];
    if (h5util_path_exists(fr->file, POS, missing, sizeof missing) <= 0 ||
        (fr->pos = H5Dopen2(fr->file, POS, H5P_DEFAULT)) < 0) {
        h5util_fail(err, errlen, path, POS, 0, "damaged or not an rwpo file: no positions");
        return -1;
    }
    hid_t sp = H5Dget_space(fr->pos);
    const int nd = sp < 0 ? -1 : H5Sget_simple_extent_dims(sp, fr->dims, NULL);
    h5util_close(sp);
    if (nd != 3) {
        h5util_fail(err, errlen, path, POS, 0, "damaged: not a [frames][N][d] dataset");
        return -1;
    }
    *checksum = h5util_has_checksum(fr->pos) == 1;
    fr->pos_block = chunk_rows_of(fr->pos, 3, 1);
    fr->pos_buf = malloc((size_t)(fr->pos_block * fr->dims[2] + 1) * sizeof *fr->pos_buf);
    if (!fr->pos_buf || src_open(fr->file, "/particles/cloud/position/step", &fr->step) < 0 ||
        src_open(fr->file, "/particles/cloud/position/time", &fr->time) < 0) {
        h5util_fail(err, errlen, path, "/particles/cloud/position", 0,
                    "damaged: no step and time datasets (or out of memory)");
        return -1;
    }
    char **names = NULL;
    int n = 0;
    hid_t g = H5Lexists(fr->file, "/observables", H5P_DEFAULT) > 0
                  ? H5Gopen2(fr->file, "/observables", H5P_DEFAULT)
                  : -1;
    const int listed = g < 0 || h5util_list_names(g, &names, &n) == 0;
    h5util_close(g);
    fr->obs = calloc(3 * (size_t)n + 1, sizeof *fr->obs);
    if (!listed || !fr->obs) {
        h5util_free_names(names, n);
        h5util_fail(err, errlen, path, "/observables", 0, "damaged: cannot list the observables");
        return -1;
    }
    static const char *const parts[3] = {"value", "step", "time"};
    int rc = 0;
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < 3; k++) {
            char obj[320];
            snprintf(obj, sizeof obj, "/observables/%.200s/%s", names[i], parts[k]);
            row_src *s = &fr->obs[3 * i + k];
            if (src_open(fr->file, obj, s) < 0 && rc == 0) {
                h5util_fail(err, errlen, path, obj, 0, "damaged: missing or of another shape");
                rc = -1;
            }
        }
        fr->n_obs = i + 1;
    }
    h5util_free_names(names, n);
    return rc;
}

/** Step of frame i as a layer, -1 when unreadable. */
static long long frame_step(frame_reader *fr, hsize_t i)
{
    const double *v;
    return src_row(&fr->step, i, &v) == 0 ? (long long)v[0] : -1;
}

/** Check one row source at frame i (want_step >= 0: its value must be that step). */
static int check_row(row_src *s, hsize_t i, long long want_step, char *what, size_t n)
{
    const double *v;
    const int r = src_row(s, i, &v);
    if (r == 1)
        snprintf(what, n, "%s: no row (it holds %llu; an interrupted write?)", s->obj,
                 (unsigned long long)s->len);
    else if (r == 2)
        snprintf(what, n, "%s: rows %llu..%llu unreadable (HDF5: %s)", s->obj,
                 (unsigned long long)s->start,
                 (unsigned long long)(s->start + s->block < s->len ? s->start + s->block - 1
                                                                   : s->len - 1),
                 s->reason);
    else if (want_step >= 0 && (long long)v[0] != want_step)
        snprintf(what, n, "%s: step %lld, not the frame's layer %lld", s->obj, (long long)v[0],
                 want_step);
    else
        return 0;
    return -1;
}

/** Check frame i; what receives the first problem. 0 intact, -1 damaged. */
static int check_frame(frame_reader *fr, hsize_t i, probe_rows_fn rows, void *user, char *what,
                       size_t n)
{
    const long long step = frame_step(fr, i);
    if (check_row(&fr->step, i, -1, what, n) != 0 || check_row(&fr->time, i, -1, what, n) != 0)
        return -1;
    const hsize_t N = fr->dims[1], d = fr->dims[2];
    for (hsize_t r0 = 0; r0 < N; r0 += fr->pos_block) {
        const hsize_t m = r0 + fr->pos_block <= N ? fr->pos_block : N - r0;
        const hsize_t start[3] = {i, r0, 0}, count[3] = {1, m, d};
        char reason[H5UTIL_REASON_LEN];
        if (read_block(fr->pos, 3, start, count, fr->pos_buf, reason) != 0) {
            snprintf(what, n, "%s: rows %llu..%llu unreadable (HDF5: %s)", POS,
                     (unsigned long long)r0, (unsigned long long)(r0 + m - 1), reason);
            return -1;
        }
        for (hsize_t k = 0; k < m * d; k++)
            if (!isfinite(fr->pos_buf[k])) {
                snprintf(what, n, "%s: non-finite value %g at row %llu, coordinate %llu", POS,
                         fr->pos_buf[k], (unsigned long long)(r0 + k / d),
                         (unsigned long long)(k % d + 1));
                return -1;
            }
        if (rows)
            rows((long)i, (long)r0, (long)m, (int)d, fr->pos_buf, user);
    }
    for (int o = 0; o < 3 * fr->n_obs; o++)
        if (check_row(&fr->obs[o], i, o % 3 == 1 ? step : -1, what, n) != 0)
            return -1;
    return 0;
}

static int verify_impl(const char *path, long frame, probe_rows_fn rows, void *user,
                       probe_verify_result *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->first_step = r->last_step = -1;
    r->bad_frame = -1;
    frame_reader fr;
    int rc = -1;
    if (reader_open(path, &fr, &r->checksum, err, errlen) != 0)
        goto out;
    r->frames = (long)fr.dims[0];
    if (r->frames > 0) {
        r->first_step = frame_step(&fr, 0);
        r->last_step = frame_step(&fr, fr.dims[0] - 1);
    }
    if (frame >= r->frames) {
        h5util_fail(err, errlen, path, POS, 0, "no frame %ld (%ld frames)", frame, r->frames);
        goto out;
    }
    const long lo = frame >= 0 ? frame : 0, hi = frame >= 0 ? frame + 1 : r->frames;
    for (long i = lo; i < hi; i++) {
        char what[1024];
        if (check_frame(&fr, (hsize_t)i, rows, user, what, sizeof what) == 0)
            continue;
        if (r->bad_frames++ == 0) {
            r->bad_frame = i;
            const long long st = frame_step(&fr, (hsize_t)i);
            char layer[48] = "";
            if (st >= 0)
                snprintf(layer, sizeof layer, " (layer %lld)", st);
            snprintf(err, errlen, "%s: frame %ld%s: %s", path, i, layer, what);
        }
    }
    if (r->bad_frames > 1) {
        const size_t l = strlen(err);
        snprintf(err + l, errlen - l, " (%ld damaged frames in all)", r->bad_frames);
    }
    rc = r->bad_frames ? -1 : 0;
out:
    reader_close(&fr);
    return rc;
}

int probe_verify(const char *path, long frame, probe_rows_fn rows, void *user,
                 probe_verify_result *r, char *err, size_t errlen)
{
    int rc;
    H5UTIL_QUIETLY(rc, verify_impl(path, frame, rows, user, r, err, errlen));
    return rc;
}

int probe_is_hdf5(const char *path)
{
    int rc;
    H5UTIL_QUIETLY(rc, h5util_check_file(path, NULL, 0) == 0);
    return rc;
}
