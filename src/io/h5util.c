/**
 * @file h5util.c
 * @brief The HDF5 helpers shared by the io modules (see h5util.h; private to src/io).
 */
#include "h5util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rwpo/base/runfiles.h"

/* ---------------------------------------------------------------------------------------------
 * Errors
 */

h5util_quiet h5util_quiet_begin(void)
{
    h5util_quiet q = {NULL, NULL};
    H5Eget_auto2(H5E_DEFAULT, &q.func, &q.data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    return q;
}

void h5util_quiet_end(h5util_quiet q) { H5Eset_auto2(H5E_DEFAULT, q.func, q.data); }

static herr_t reason_cb(unsigned n, const H5E_error2_t *e, void *data)
{
    char *reason = data;
    if (n == 0 && e->desc && e->desc[0])
        snprintf(reason, H5UTIL_REASON_LEN, "%s", e->desc);
    return 0;
}

void h5util_reason(char *reason)
{
    reason[0] = '\0';
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, reason_cb, reason);
}

void h5util_fail(char *err, size_t errlen, const char *file, const char *obj, int h5,
                 const char *fmt, ...)
{
    char reason[H5UTIL_REASON_LEN] = "";
    if (h5)
        h5util_reason(reason);
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

int h5util_check_file(const char *path, char *err, size_t errlen)
{
    struct stat sb;
    if (runfiles_check_regular(path, 0, err, err ? errlen : 0) != 0) /* before any open */
        return -1;
    if (stat(path, &sb) == 0 && sb.st_size == 0) {
        h5util_fail(err, errlen, path, NULL, 0, "empty file");
        return -1;
    }
    const htri_t is = H5Fis_hdf5(path);
    if (is <= 0) {
        h5util_fail(err, errlen, path, NULL, 0, "not an HDF5 file (%s)",
                    is == 0 ? "no HDF5 signature" : "cannot be read");
        return -1;
    }
    return 0;
}

hid_t h5util_open_read(const char *path, char *err, size_t errlen)
{
    if (h5util_check_file(path, err, errlen) != 0)
        return -1;
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0)
        h5util_fail(err, errlen, path, NULL, 1, "cannot open (truncated or damaged?)");
    return file;
}

herr_t h5util_close(hid_t id)
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

int h5util_close_n(const hid_t *ids, size_t n)
{
    int bad = 0;
    for (size_t i = 0; i < n; i++)
        bad |= h5util_close(ids[i]) < 0;
    return bad ? -1 : 0;
}

char *h5util_dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* ---------------------------------------------------------------------------------------------
 * Writing (collective on a parallel file: called identically on every rank)
 */

hid_t h5util_str_type(size_t size)
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

int h5util_attr_write(hid_t loc, const char *path, const char *obj, const char *name,
                      hid_t ftype, hid_t mtype, hsize_t n, const void *buf, char *err,
                      size_t errlen)
{
    hid_t space = n ? H5Screate_simple(1, &n, NULL) : H5Screate(H5S_SCALAR);
    if (space < 0) {
        h5util_fail(err, errlen, path, obj, 1, "cannot make the dataspace of attribute '%s'",
                    name);
        return -1;
    }
    hid_t a = H5Acreate2(loc, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT);
    H5Sclose(space);
    if (a < 0) {
        h5util_fail(err, errlen, path, obj, 1, "cannot create attribute '%s'", name);
        return -1;
    }
    if (H5Awrite(a, mtype, buf) < 0) {
        h5util_fail(err, errlen, path, obj, 1, "cannot write attribute '%s'", name);
        H5Aclose(a);
        return -1;
    }
    if (H5Aclose(a) < 0) {
        h5util_fail(err, errlen, path, obj, 1, "cannot close attribute '%s'", name);
        return -1;
    }
    return 0;
}

int h5util_attr_str(hid_t loc, const char *path, const char *obj, const char *name,
                    const char *value, char *err, size_t errlen)
{
    hid_t t = h5util_str_type(strlen(value) + 1);
    if (t < 0) {
        h5util_fail(err, errlen, path, obj, 1, "cannot make a string type for attribute '%s'",
                    name);
        return -1;
    }
    int rc = h5util_attr_write(loc, path, obj, name, t, t, 0, value, err, errlen);
    H5Tclose(t);
    return rc;
}

int h5util_attr_str_array(hid_t loc, const char *path, const char *obj, const char *name,
                          const char *const *values, size_t n, char *err, size_t errlen)
{
    size_t size = 1;
    for (size_t i = 0; i < n; i++)
        if (strlen(values[i]) + 1 > size)
            size = strlen(values[i]) + 1;
    char *buf = calloc(n ? n : 1, size);
    if (!buf) {
        h5util_fail(err, errlen, path, obj, 0, "out of memory for attribute '%s'", name);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        memcpy(buf + i * size, values[i], strlen(values[i]));
    hid_t t = h5util_str_type(size);
    int rc = -1;
    if (t < 0)
        h5util_fail(err, errlen, path, obj, 1, "cannot make a string type for attribute '%s'",
                    name);
    else
        rc = h5util_attr_write(loc, path, obj, name, t, t, (hsize_t)n, buf, err, errlen);
    h5util_close(t);
    free(buf);
    return rc;
}

int h5util_attr_param(hid_t loc, const char *path, const char *obj, const rwpo_param *p,
                      char *err, size_t errlen)
{
    switch (p->type) {
    case 'd':
        return h5util_attr_write(loc, path, obj, p->name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 0,
                                 &p->d, err, errlen);
    case 'i':
        return h5util_attr_write(loc, path, obj, p->name, H5T_STD_I64LE, H5T_NATIVE_LLONG, 0,
                                 &p->i, err, errlen);
    case 's': return h5util_attr_str(loc, path, obj, p->name, p->s ? p->s : "", err, errlen);
    default: return -2;
    }
}

hid_t h5util_group_create(hid_t loc, const char *name, const char *path, const char *obj,
                          int track_order, char *err, size_t errlen)
{
    hid_t gcpl = H5P_DEFAULT;
    if (track_order) {
        gcpl = H5Pcreate(H5P_GROUP_CREATE);
        if (gcpl < 0 ||
            H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0 ||
            H5Pset_attr_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0) {
            h5util_fail(err, errlen, path, obj, 1, "cannot set up the group creation properties");
            h5util_close(gcpl);
            return -1;
        }
    }
    hid_t g = H5Gcreate2(loc, name, H5P_DEFAULT, gcpl, H5P_DEFAULT);
    if (g < 0)
        h5util_fail(err, errlen, path, obj, 1, "cannot create group");
    if (gcpl != H5P_DEFAULT)
        H5Pclose(gcpl);
    return g;
}

hid_t h5util_dataset_create_ext(hid_t loc, const char *name, const char *path, const char *obj,
                                hid_t ftype, int rank, const hsize_t *tail, const hsize_t *chunk,
                                int fletcher32, char *err, size_t errlen)
{
    hsize_t dims[3] = {0, 0, 0}, maxdims[3] = {H5S_UNLIMITED, 0, 0};
    for (int i = 1; i < rank; i++)
        dims[i] = maxdims[i] = tail[i - 1];
    hid_t space = -1, dcpl = -1, ds = -1;
    space = H5Screate_simple(rank, dims, maxdims);
    if (space < 0) {
        h5util_fail(err, errlen, path, obj, 1, "cannot make the dataspace");
        goto out;
    }
    dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (dcpl < 0 || H5Pset_chunk(dcpl, rank, chunk) < 0 ||
        H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER) < 0 ||
        (fletcher32 && H5Pset_fletcher32(dcpl) < 0)) {
        h5util_fail(err, errlen, path, obj, 1, "cannot set up chunking");
        goto out;
    }
    ds = H5Dcreate2(loc, name, ftype, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (ds < 0)
        h5util_fail(err, errlen, path, obj, 1, "cannot create dataset");
out:
    h5util_close(space);
    h5util_close(dcpl);
    return ds;
}

/* ---------------------------------------------------------------------------------------------
 * Reading
 */

/* Whether an attribute holds exactly one element (rwpo writes scalars only; an array in a damaged
 * or foreign file must not be read into a buffer for one). */
static int single(hid_t attr)
{
    hid_t sp = H5Aget_space(attr);
    const int one = sp >= 0 && H5Sget_simple_extent_npoints(sp) == 1;
    h5util_close(sp);
    return one;
}

int h5util_has_checksum(hid_t ds)
{
    hid_t dcpl = H5Dget_create_plist(ds);
    if (dcpl < 0)
        return -1;
    unsigned flags = 0, cd[4];
    size_t n_cd = 4;
    char name[32];
    const herr_t r = H5Pget_filter_by_id2(dcpl, H5Z_FILTER_FLETCHER32, &flags, &n_cd, cd,
                                          sizeof name, name, NULL);
    h5util_close(dcpl);
    return r >= 0;
}

char *h5util_attr_read_str(hid_t attr)
{
    hid_t t = H5Aget_type(attr), mt = -1;
    char *s = NULL;
    if (t < 0 || H5Tget_class(t) != H5T_STRING || !single(attr))
        goto out;
    htri_t vl = H5Tis_variable_str(t);
    if (vl > 0) {
        char *v = NULL;
        mt = H5Tcopy(H5T_C_S1);
        if (mt < 0 || H5Tset_size(mt, H5T_VARIABLE) < 0 || H5Aread(attr, mt, &v) < 0)
            goto out;
        s = h5util_dup_str(v ? v : "");
        H5free_memory(v);
    } else if (vl == 0) {
        size_t size = H5Tget_size(t);
        if (size == 0 || (mt = h5util_str_type(size)) < 0 || !(s = calloc(size + 1, 1)))
            goto out;
        if (H5Aread(attr, mt, s) < 0) {
            free(s);
            s = NULL;
        }
    }
out:
    h5util_close(mt);
    h5util_close(t);
    return s;
}

char *h5util_attr_get_str(hid_t file, const char *obj, const char *name)
{
    if (H5Lexists(file, obj, H5P_DEFAULT) <= 0 && strcmp(obj, "/") != 0)
        return NULL;
    if (H5Aexists_by_name(file, obj, name, H5P_DEFAULT) <= 0)
        return NULL;
    hid_t a = H5Aopen_by_name(file, obj, name, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0)
        return NULL;
    char *s = h5util_attr_read_str(a);
    H5Aclose(a);
    return s;
}

int h5util_attr_get_num(hid_t file, const char *obj, const char *name, hid_t mtype, void *v)
{
    if (H5Aexists_by_name(file, obj, name, H5P_DEFAULT) <= 0)
        return -1;
    hid_t a = H5Aopen_by_name(file, obj, name, H5P_DEFAULT, H5P_DEFAULT);
    int rc = a >= 0 && single(a) && H5Aread(a, mtype, v) >= 0 ? 0 : -1;
    h5util_close(a);
    return rc;
}

int h5util_path_exists(hid_t file, const char *obj, char *missing, size_t mlen)
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

typedef struct {
    char **names;
    int n, cap;
} name_list;

static herr_t collect_name(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    (void)g;
    (void)info;
    name_list *l = data;
    if (l->n == l->cap) {
        const int cap = l->cap ? 2 * l->cap : 16;
        char **v = realloc(l->names, (size_t)cap * sizeof *v);
        if (!v)
            return -1;
        l->names = v;
        l->cap = cap;
    }
    if (!(l->names[l->n] = h5util_dup_str(name)))
        return -1;
    l->n++;
    return 0;
}

int h5util_list_names(hid_t g, char ***names, int *n)
{
    name_list l = {NULL, 0, 0};
    hsize_t idx = 0;
    herr_t r = H5Literate(g, H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, collect_name, &l);
    if (r < 0) { /* no creation order: by name */
        h5util_free_names(l.names, l.n);
        l = (name_list){NULL, 0, 0};
        idx = 0;
        r = H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &idx, collect_name, &l);
    }
    if (r < 0) {
        h5util_free_names(l.names, l.n);
        return -1;
    }
    *names = l.names;
    *n = l.n;
    return 0;
}

void h5util_free_names(char **names, int n)
{
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

int h5util_read_row(hid_t ds, hsize_t i, hid_t mtype, void *buf, hsize_t cap)
{
    hid_t fs = H5Dget_space(ds), ms = -1;
    int rc = -1, r = fs < 0 ? -1 : H5Sget_simple_extent_ndims(fs);
    hsize_t dims[2];
    if (r < 1 || r > 2 || H5Sget_simple_extent_dims(fs, dims, NULL) < 0 || i >= dims[0] ||
        (r == 2 && dims[1] > cap))
        goto out;
    const hsize_t start[2] = {i, 0}, count[2] = {1, r == 2 ? dims[1] : 1};
    if (H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
        (ms = H5Screate_simple(r, count, NULL)) < 0 ||
        H5Dread(ds, mtype, ms, fs, H5P_DEFAULT, buf) < 0)
        goto out;
    rc = 0;
out:
    h5util_close(ms);
    h5util_close(fs);
    return rc;
}

long long *h5util_read_steps(hid_t ds, hsize_t *len)
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
    h5util_close(sp);
    return v;
}

long h5util_frames_upto(const long long *steps, hsize_t n, int64_t keep_step)
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
