/**
 * @file info.c
 * @brief The printers of probe.h: `rwpo info` (probe_print_info, probe_print_segments), the
 *        stored posterior summary (probe_print_posterior) and the plain-text posterior table
 *        (probe_posterior_table, also printed at the end of a run). Serial, read-only.
 *
 * Numbers are printed shortest-exact (%.15g, else %.17g); vectors show their first
 * INFO_VECTOR_SHOWN entries and their length.
 */
#include "rwpo/io/probe.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h5util.h"
#include "rwpo/base/runfiles.h"

enum {
    INFO_VECTOR_SHOWN = 6, /* probe_print_info prints this many leading entries of a vector */
    SEGMENT_PATH = 4096 + 32
};

/** Shortest of %.15g / %.17g that reads back as v. */
static void fmt_double(char *buf, size_t len, double v)
{
    snprintf(buf, len, "%.15g", v);
    if (strtod(buf, NULL) != v)
        snprintf(buf, len, "%.17g", v);
}

static void print_vector(FILE *out, const double *v, long n)
{
    char b[32];
    if (n == 1) {
        fmt_double(b, sizeof b, v[0]);
        fprintf(out, "%s", b);
        return;
    }
    fputc('[', out);
    for (long k = 0; k < n && k < INFO_VECTOR_SHOWN; k++) {
        fmt_double(b, sizeof b, v[k]);
        fprintf(out, "%s%s", k ? ", " : "", b);
    }
    fprintf(out, "%s] (length %llu)", n > INFO_VECTOR_SHOWN ? ", ..." : "", (unsigned long long)n);
}

/* ---------------------------------------------------------------------------------------------
 * probe_print_info
 */

static herr_t info_param_cb(hid_t loc, const char *name, const H5A_info_t *ainfo, void *data)
{
    (void)ainfo;
    FILE *out = data;
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
        char *s = h5util_attr_read_str(a);
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
    H5UTIL_CLOSE(sp, t, a);
    return 0;
}

static void info_obs_cb(const probe_observable *o, void *user)
{
    FILE *out = user;
    if (o->problem) {
        fprintf(out, "  %s: (%s)\n", o->name, o->problem);
        return;
    }
    fprintf(out, "  %s = ", o->name);
    if (o->width)
        print_vector(out, o->value, o->width);
    if (o->step >= 0)
        fprintf(out, "  (step %lld)", o->step);
    fputc('\n', out);
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
        h5util_fail(err, errlen, "probe_print_info", NULL, 0, "no file name or output stream");
        return -1;
    }
    if ((file = h5util_open_read(path, err, errlen)) < 0)
        return -1;
    for (size_t i = 0; i < sizeof required / sizeof *required; i++) {
        int ex = h5util_path_exists(file, required[i], missing, sizeof missing);
        if (ex <= 0) {
            h5util_fail(err, errlen, path, NULL, 0, "not an rwpo/H5MD run file: '%s' is missing",
                        ex < 0 ? required[i] : missing);
            goto out;
        }
    }
    val = H5Dopen2(file, "/particles/cloud/position/value", H5P_DEFAULT);
    stp = H5Dopen2(file, "/particles/cloud/position/step", H5P_DEFAULT);
    tim = H5Dopen2(file, "/particles/cloud/position/time", H5P_DEFAULT);
    if (val < 0 || stp < 0 || tim < 0) {
        h5util_fail(err, errlen, path, "/particles/cloud/position", 1,
                    "cannot open value, step and time as datasets");
        goto out;
    }
    hsize_t dims[3];
    sp = H5Dget_space(val);
    if (sp < 0 || H5Sget_simple_extent_ndims(sp) != 3 ||
        H5Sget_simple_extent_dims(sp, dims, NULL) < 0) {
        h5util_fail(err, errlen, path, "/particles/cloud/position/value", 0,
                    "expected a 3-D dataset [layers][N][d]");
        goto out;
    }
    h5util_close(sp);
    sp = -1;
    hsize_t n_rec = dims[0];
    /* a run stopped between two extensions may have a shorter step or time */
    for (int k = 0; k < 2; k++) {
        hsize_t len;
        sp = H5Dget_space(k ? tim : stp);
        if (sp < 0 || H5Sget_simple_extent_ndims(sp) != 1 ||
            H5Sget_simple_extent_dims(sp, &len, NULL) < 0) {
            h5util_fail(err, errlen, path,
                        k ? "/particles/cloud/position/time" : "/particles/cloud/position/step",
                        0, "expected a 1-D dataset [layers]");
            goto out;
        }
        h5util_close(sp);
        sp = -1;
        if (len < n_rec)
            n_rec = len;
    }

    creator = h5util_attr_get_str(file, "/h5md/creator", "name");
    version = h5util_attr_get_str(file, "/h5md/creator", "version");
    author = h5util_attr_get_str(file, "/h5md/author", "name");
    status = h5util_attr_get_str(file, "/parameters", "status");
    git = h5util_attr_get_str(file, "/parameters", "git_revision");
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
        if (h5util_read_row(stp, 0, H5T_NATIVE_LLONG, &s0, 1) < 0 ||
            h5util_read_row(stp, n_rec - 1, H5T_NATIVE_LLONG, &s1, 1) < 0 ||
            h5util_read_row(tim, 0, H5T_NATIVE_DOUBLE, &t0, 1) < 0 ||
            h5util_read_row(tim, n_rec - 1, H5T_NATIVE_DOUBLE, &t1, 1) < 0) {
            fputc('\n', out);
            h5util_fail(err, errlen, path, "/particles/cloud/position", 1,
                        "cannot read step or time");
            goto out;
        }
        char b0[32], b1[32];
        fmt_double(b0, sizeof b0, t0);
        fmt_double(b1, sizeof b1, t1);
        fprintf(out, ", first step %lld (time %s), last step %lld (time %s)", s0, b0, s1, b1);
    }
    fputc('\n', out);
    fprintf(out, "checksum:     %s\n",
            h5util_has_checksum(val) == 1
                ? "Fletcher32 on every frame (rwpo verify reads them all back)"
                : "none (written before run files had checksums; rwpo verify reads it back)");

    fprintf(out, "parameters:\n");
    if (H5Lexists(file, "/parameters", H5P_DEFAULT) > 0 &&
        (g = H5Gopen2(file, "/parameters", H5P_DEFAULT)) >= 0) {
        hsize_t idx = 0;
        if (H5Aiterate2(g, H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, info_param_cb, out) < 0) {
            idx = 0;
            H5Aiterate2(g, H5_INDEX_NAME, H5_ITER_INC, &idx, info_param_cb, out);
        }
    } else
        fprintf(out, "  (none)\n");

    fprintf(out, "observables at the last recorded layer:\n");
    if (probe_last_observables(path, info_obs_cb, out) <= 0)
        fprintf(out, "  (none)\n");
    rc = 0;
out:
    free(creator);
    free(version);
    free(author);
    free(status);
    free(git);
    H5UTIL_CLOSE(g, sp, val, stp, tim, file);
    return rc;
}

int probe_print_info(const char *path, FILE *out, char *err, size_t errlen)
{
    int rc;
    H5UTIL_QUIETLY(rc, info_impl(path, out, err, errlen));
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Continuation segments
 */

void probe_print_segments(const char *path, FILE *out)
{
    char seg[SEGMENT_PATH], err[512];
    probe_info pi;
    long long last = -1;
    if (probe_file(path, &pi, err, sizeof err) == 0) {
        last = pi.n_rec ? pi.steps[pi.n_rec - 1] : -1;
        probe_free(&pi);
    }
    for (int k = 1; k <= RUNFILES_MAX_SEGMENT; k++) {
        runfiles_segment(path, k, seg, sizeof seg);
        if (access(seg, F_OK) != 0)
            break;
        if (probe_file(seg, &pi, err, sizeof err) != 0) {
            fprintf(out, "segment %d:    %s (unreadable: %s)\n", k, seg, err);
            continue;
        }
        if (pi.n_rec > 0) {
            fprintf(out, "segment %d:    %s, layers %lld..%lld, status %s\n", k, seg, pi.steps[0],
                    pi.steps[pi.n_rec - 1], pi.status ? pi.status : "?");
            if (pi.steps[pi.n_rec - 1] > last)
                last = pi.steps[pi.n_rec - 1];
        }
        probe_free(&pi);
    }
    if (last >= 0)
        fprintf(out, "last complete layer: %lld\n", last);
}

/* ---------------------------------------------------------------------------------------------
 * The posterior table
 */

/** One cell of the posterior table: %11.4g, or nothing when there is no column. */
static void table_cell(FILE *out, const double *v, long k)
{
    if (v)
        fprintf(out, " %11.4g", v[k]);
}

void probe_posterior_table(FILE *out, long d, const double *mean, const double *std,
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
        const double *const cols[] = {mean, std, lower, upper, truth, reference};
        for (size_t c = 0; c < sizeof cols / sizeof *cols; c++)
            table_cell(out, cols[c], k);
        fputc('\n', out);
    }
}

/** Length of the 1-D dataset `name`, -1 when it is missing or not 1-D. */
static long vector_length(hid_t file, const char *name)
{
    char missing[256];
    if (h5util_path_exists(file, name, missing, sizeof missing) <= 0)
        return -1;
    hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
    hid_t sp = ds < 0 ? -1 : H5Dget_space(ds);
    hsize_t n = 0;
    long len = -1;
    if (sp >= 0 && H5Sget_simple_extent_ndims(sp) == 1 &&
        H5Sget_simple_extent_dims(sp, &n, NULL) >= 0)
        len = (long)n;
    h5util_close(sp);
    h5util_close(ds);
    return len;
}

/** The 1-D dataset `name` of length d > 0 as a new array, NULL when absent or of another shape. */
static double *read_opt_vector(hid_t file, const char *name, long d)
{
    if (vector_length(file, name) != d)
        return NULL;
    hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
    double *v = ds < 0 ? NULL : malloc((size_t)d * sizeof(double));
    if (v && H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
        free(v);
        v = NULL;
    }
    h5util_close(ds);
    return v;
}

static int print_posterior_impl(const char *path, FILE *out)
{
    if (!path || !out)
        return -1;
    hid_t file = h5util_open_read(path, NULL, 0);
    if (file < 0)
        return -1;
    long d = vector_length(file, "/posterior/mean");
    if (d <= 0) {
        h5util_close(file);
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
        desc = h5util_attr_get_str(file, "/posterior/mean", "description");
    fprintf(out, "posterior summary (%s): per coordinate mean, std and central 95%% interval\n",
            desc ? desc : "/posterior");
    probe_posterior_table(out, d, mean, std, lo, hi, truth, ref, ref_name);
    free(desc);
    free(mean);
    free(std);
    free(lo);
    free(hi);
    free(truth);
    free(ref);
    h5util_close(file);
    return 0;
}

int probe_print_posterior(const char *path, FILE *out)
{
    int rc;
    H5UTIL_QUIETLY(rc, print_posterior_impl(path, out));
    return rc;
}
