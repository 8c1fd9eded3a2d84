/**
 * @file probe.c
 * @brief Read-only probing of run and checkpoint files: probe_file and the last observables
 *        (see probe.h; the printers are in info.c).
 */
#include "rwpo/io/probe.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "h5util.h"

/* ---------------------------------------------------------------------------------------------
 * probe_file
 */

/* Keep a floating-point scalar attribute of /checkpoint (the sampler's values, time). */
static herr_t ck_value_cb(hid_t loc, const char *name, const H5A_info_t *info, void *data)
{
    (void)info;
    probe_info *pi = data;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT), t = a >= 0 ? H5Aget_type(a) : -1;
    hid_t sp = a >= 0 ? H5Aget_space(a) : -1;
    herr_t rc = a >= 0 && t >= 0 && sp >= 0 ? 0 : -1;
    if (rc == 0 && H5Tget_class(t) == H5T_FLOAT && H5Sget_simple_extent_npoints(sp) == 1 &&
        pi->ck_n_values < PROBE_MAX_VALUES && strlen(name) < sizeof pi->ck_value_name[0]) {
        rc = H5Aread(a, H5T_NATIVE_DOUBLE, &pi->ck_value[pi->ck_n_values]) < 0 ? -1 : 0;
        strcpy(pi->ck_value_name[pi->ck_n_values++], name);
    }
    h5util_close(sp);
    h5util_close(t);
    h5util_close(a);
    return rc;
}

static int probe_impl(const char *path, probe_info *pi, char *err, size_t errlen)
{
    memset(pi, 0, sizeof *pi);
    hid_t file = h5util_open_read(path, err, errlen), ds = -1;
    if (file < 0)
        return -1;
    int rc = -1;
    pi->creator = h5util_attr_get_str(file, "/h5md/creator", "name");
    if (!pi->creator || strcmp(pi->creator, "rwpo") != 0) {
        h5util_fail(err, errlen, path, NULL, 0, "not an rwpo file (creator '%s')",
                    pi->creator ? pi->creator : "none");
        goto out;
    }
    pi->status = h5util_attr_get_str(file, "/parameters", "status");
    pi->config_ini = h5util_attr_get_str(file, "/parameters", "config_ini");
    if (!pi->config_ini) {
        h5util_fail(err, errlen, path, "/parameters", 0, "damaged: no stored configuration");
        goto out;
    }
    ds = H5Dopen2(file, "/particles/cloud/position/value", H5P_DEFAULT);
    hsize_t dims[3] = {0, 0, 0};
    hid_t sp = ds < 0 ? -1 : H5Dget_space(ds);
    int r = sp < 0 || H5Sget_simple_extent_ndims(sp) != 3 ? -1
                                                          : H5Sget_simple_extent_dims(sp, dims, NULL);
    h5util_close(sp);
    h5util_close(ds);
    ds = H5Dopen2(file, "/particles/cloud/position/step", H5P_DEFAULT);
    hsize_t n_steps = 0;
    pi->steps = ds < 0 ? NULL : h5util_read_steps(ds, &n_steps);
    if (r != 3 || !pi->steps) {
        h5util_fail(err, errlen, path, "/particles/cloud/position", 1,
                    "damaged: unreadable positions");
        goto out;
    }
    pi->n_global = (long)dims[1];
    pi->dim = (int)dims[2];
    pi->n_rec = (long)(n_steps < dims[0] ? n_steps : dims[0]);
    if (h5util_frames_upto(pi->steps, (hsize_t)pi->n_rec, INT64_MAX) < 0) {
        h5util_fail(err, errlen, path, "/particles/cloud/position/step", 0,
                    "damaged: steps out of order");
        goto out;
    }
    pi->times = calloc(pi->n_rec ? (size_t)pi->n_rec : 1, sizeof *pi->times);
    h5util_close(ds);
    ds = H5Dopen2(file, "/particles/cloud/position/time", H5P_DEFAULT);
    for (long i = 0; pi->times && ds >= 0 && i < pi->n_rec; i++)
        if (h5util_read_row(ds, (hsize_t)i, H5T_NATIVE_DOUBLE, &pi->times[i], 1) < 0) {
            h5util_fail(err, errlen, path, "/particles/cloud/position/time", 1,
                        "damaged: unreadable");
            goto out;
        }
    if (H5Lexists(file, "/checkpoint", H5P_DEFAULT) > 0) {
        static const char *const ck = "/checkpoint";
        pi->is_checkpoint = 1;
        pi->ck_format = h5util_attr_get_str(file, ck, "format");
        pi->ck_hash = h5util_attr_get_str(file, ck, "config_hash");
        pi->ck_content = h5util_attr_get_str(file, ck, "content_hash");
        const hid_t ll = H5T_NATIVE_LLONG, dbl = H5T_NATIVE_DOUBLE;
        if (h5util_attr_get_num(file, ck, "format_version", ll, &pi->ck_format_version) < 0 ||
            h5util_attr_get_num(file, ck, "layer", ll, &pi->ck_layer) < 0 ||
            h5util_attr_get_num(file, ck, "trajectory_frames", ll, &pi->ck_traj_frames) < 0 ||
            h5util_attr_get_num(file, ck, "time", dbl, &pi->ck_time) < 0 ||
            !pi->ck_format || !pi->ck_hash || !pi->ck_content) {
            h5util_fail(err, errlen, path, ck, 0, "damaged: incomplete checkpoint attributes");
            goto out;
        }
        hsize_t at = 0;
        if (H5Aiterate_by_name(file, ck, H5_INDEX_NAME, H5_ITER_INC, &at, ck_value_cb, pi,
                               H5P_DEFAULT) < 0) {
            h5util_fail(err, errlen, path, ck, 0, "damaged: unreadable checkpoint attributes");
            goto out;
        }
    }
    pi->segment = 0;
    long long seg;
    if (h5util_attr_get_num(file, "/parameters", "segment", H5T_NATIVE_LLONG, &seg) == 0)
        pi->segment = (int)seg;
    rc = 0;
out:
    h5util_close(ds);
    h5util_close(file);
    if (rc != 0)
        probe_free(pi);
    return rc;
}

int probe_file(const char *path, probe_info *pi, char *err, size_t errlen)
{
    int rc;
    H5UTIL_QUIETLY(rc, probe_impl(path, pi, err, errlen));
    return rc;
}

void probe_free(probe_info *pi)
{
    if (!pi)
        return;
    void *owned[] = {pi->creator, pi->status,    pi->config_ini, pi->steps,
                     pi->times,   pi->ck_format, pi->ck_hash,    pi->ck_content};
    for (size_t i = 0; i < sizeof owned / sizeof *owned; i++)
        free(owned[i]);
    memset(pi, 0, sizeof *pi);
}

/* ---------------------------------------------------------------------------------------------
 * The last row of every observable
 */

typedef struct {
    probe_observable_fn fn;
    void *user;
    int count;
} last_ctx;

static herr_t last_obs_cb(hid_t g, const char *name, const H5L_info_t *linfo, void *data)
{
    (void)linfo;
    last_ctx *c = data;
    char vpath[512], spath[512];
    snprintf(vpath, sizeof vpath, "%s/value", name);
    snprintf(spath, sizeof spath, "%s/step", name);
    c->count++;
    probe_observable o = {.name = name, .problem = NULL, .rank = 0, .width = 0, .value = NULL,
                          .step = -1};
    hid_t ds = -1, st = -1, fs = -1;
    double *v = NULL;
    if (H5Lexists(g, name, H5P_DEFAULT) <= 0 || H5Lexists(g, vpath, H5P_DEFAULT) <= 0 ||
        (ds = H5Dopen2(g, vpath, H5P_DEFAULT)) < 0 || (fs = H5Dget_space(ds)) < 0) {
        o.problem = "no value dataset";
        goto out;
    }
    int r = H5Sget_simple_extent_ndims(fs);
    hsize_t dims[2] = {0, 1};
    if (r < 1 || r > 2 || H5Sget_simple_extent_dims(fs, dims, NULL) < 0) {
        o.problem = "unexpected shape";
        goto out;
    }
    if (dims[0] == 0) {
        o.problem = "nothing recorded";
        goto out;
    }
    o.rank = r;
    o.width = r == 2 ? (long)dims[1] : 1;
    if (!(v = malloc((size_t)(o.width ? o.width : 1) * sizeof *v)) ||
        h5util_read_row(ds, dims[0] - 1, H5T_NATIVE_DOUBLE, v, (hsize_t)o.width) < 0) {
        o.problem = "unreadable";
        goto out;
    }
    o.value = v;
    if (H5Lexists(g, spath, H5P_DEFAULT) > 0 && (st = H5Dopen2(g, spath, H5P_DEFAULT)) >= 0 &&
        h5util_read_row(st, dims[0] - 1, H5T_NATIVE_LLONG, &o.step, 1) < 0)
        o.step = -1;
out:
    c->fn(&o, c->user);
    free(v);
    H5UTIL_CLOSE(fs, st, ds);
    return 0;
}

static int last_observables_impl(const char *path, probe_observable_fn fn, void *user)
{
    hid_t file = h5util_open_read(path, NULL, 0), g = -1;
    if (file < 0)
        return -1;
    last_ctx c = {fn, user, 0};
    if (H5Lexists(file, "/observables", H5P_DEFAULT) > 0 &&
        (g = H5Gopen2(file, "/observables", H5P_DEFAULT)) >= 0) {
        hsize_t idx = 0;
        if (H5Literate(g, H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, last_obs_cb, &c) < 0) {
            idx = 0; /* no creation order: by name */
            c.count = 0;
            H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &idx, last_obs_cb, &c);
        }
    }
    h5util_close(g);
    h5util_close(file);
    return c.count;
}

int probe_last_observables(const char *path, probe_observable_fn fn, void *user)
{
    if (!path || !fn)
        return -1;
    int rc;
    H5UTIL_QUIETLY(rc, last_observables_impl(path, fn, user));
    return rc;
}
