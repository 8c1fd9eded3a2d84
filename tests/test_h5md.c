/**
 * @file test_h5md.c
 * @brief MPI tests of the io layer (the run file h5md.c, the readers of input.c, the probes and
 *        printers of probe.c/info.c): run as mpirun -np P ./test_h5md, P = 1..4.
 *
 * Every verdict is agreed by all ranks (MPI_MINLOC over "ok", the first failing rank's message
 * broadcast) before ck_assert, so a failure on one rank never leaves the others in a collective.
 * Check runs in no-fork mode; only rank 0 prints. Files go to a directory made by mkdtemp on
 * rank 0 and removed at the end.
 *
 * Particles are block-distributed: n_local = N/P + (rank < N%P),
 * offset = rank*(N/P) + min(rank, N%P); cases include N < P (ranks without particles).
 */
#include "rwpo/io/h5md.h"
#include "rwpo/io/input.h"
#include "rwpo/io/probe.h"

#include <check.h>
#include <hdf5.h>
#include <math.h>
#include <mpi.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mpi_check.h"

static int g_rank, g_size;
static char g_dir[256];

/* Files made under g_dir (removed by rank 0 at the end). */
enum { MAX_FILES = 64, PATH_LEN = 512 };
static char g_files[MAX_FILES][PATH_LEN];
static int g_n_files;

/** Path of `name` in the test directory; remembered for the final clean-up. */
static const char *tmp_path(const char *name)
{
    static char buf[PATH_LEN];
    snprintf(buf, sizeof buf, "%s/%s", g_dir, name);
    int known = 0;
    for (int i = 0; i < g_n_files; i++)
        known |= strcmp(g_files[i], buf) == 0;
    if (!known && g_n_files < MAX_FILES)
        snprintf(g_files[g_n_files++], PATH_LEN, "%s", buf);
    return buf;
}

/**
 * Agree on a verdict: returns -1 if ok on every rank, else the lowest failing rank, whose message
 * (msg, len bytes) is then broadcast to every rank.
 */
static int first_failure(int ok, char *msg, int len)
{
    struct {
        int ok;
        int rank;
    } in = {ok ? 1 : 0, g_rank}, out;
    MPI_Allreduce(&in, &out, 1, MPI_2INT, MPI_MINLOC, MPI_COMM_WORLD);
    if (out.ok)
        return -1;
    MPI_Bcast(msg, len, MPI_CHAR, out.rank, MPI_COMM_WORLD);
    return out.rank;
}

/** Collective assertion: cond is evaluated on every rank, the verdict agreed before asserting. */
#define EXPECT(cond, ...)                                                                          \
    do {                                                                                           \
        char msg_[2048] = "";                                                                      \
        const int ok_ = (cond);                                                                    \
        if (!ok_)                                                                                  \
            snprintf(msg_, sizeof msg_, __VA_ARGS__);                                              \
        const int bad_ = first_failure(ok_, msg_, (int)sizeof msg_);                               \
        ck_assert_msg(bad_ < 0, "rank %d: %s", bad_, msg_);                                        \
    } while (0)

/** A verdict accumulated by serial checks on one rank (first failure kept). */
typedef struct {
    int ok;
    char msg[768];
} verdict;

static void vfail(verdict *v, const char *fmt, ...)
{
    if (!v->ok)
        return;
    v->ok = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->msg, sizeof v->msg, fmt, ap);
    va_end(ap);
}

#define VCHECK(v, cond, ...)                                                                       \
    do {                                                                                           \
        if (!(cond))                                                                               \
            vfail((v), __VA_ARGS__);                                                               \
    } while (0)

static void block(long n, long *offset, long *n_local)
{
    const long q = n / g_size, r = n % g_size;
    *n_local = q + (g_rank < r);
    *offset = g_rank * q + (g_rank < r ? g_rank : r);
}

static int contains(const char *s, const char *word) { return s && strstr(s, word) != NULL; }

static void write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    if (fp) {
        fputs(text, fp);
        fclose(fp);
    }
}

/* ---------------------------------------------------------------------------------------------
 * Serial readers (plain HDF5, default file access) for the verification on rank 0
 */

/** Scalar string attribute, fixed or variable length, as a malloc'd string (NULL on failure). */
static char *read_str_attr(hid_t file, const char *obj, const char *name)
{
    if (H5Aexists_by_name(file, obj, name, H5P_DEFAULT) <= 0)
        return NULL;
    hid_t a = H5Aopen_by_name(file, obj, name, H5P_DEFAULT, H5P_DEFAULT);
    hid_t t = H5Aget_type(a), mt = H5Tcopy(H5T_C_S1);
    char *s = NULL;
    if (H5Tget_class(t) == H5T_STRING) {
        if (H5Tis_variable_str(t) > 0) {
            char *v = NULL;
            H5Tset_size(mt, H5T_VARIABLE);
            if (H5Aread(a, mt, &v) >= 0 && v) {
                s = strdup(v);
                H5free_memory(v);
            }
        } else {
            size_t size = H5Tget_size(t);
            H5Tset_size(mt, size);
            s = calloc(size + 1, 1);
            if (s && H5Aread(a, mt, s) < 0) {
                free(s);
                s = NULL;
            }
        }
    }
    H5Tclose(mt);
    H5Tclose(t);
    H5Aclose(a);
    return s;
}

/** Class, element size and number of elements of an attribute (0 if missing). */
static int attr_shape(hid_t file, const char *obj, const char *name, H5T_class_t *cls,
                      size_t *size, hssize_t *npoints, int *ndims)
{
    if (H5Aexists_by_name(file, obj, name, H5P_DEFAULT) <= 0)
        return 0;
    hid_t a = H5Aopen_by_name(file, obj, name, H5P_DEFAULT, H5P_DEFAULT);
    hid_t t = H5Aget_type(a), s = H5Aget_space(a);
    *cls = H5Tget_class(t);
    *size = H5Tget_size(t);
    *npoints = H5Sget_simple_extent_npoints(s);
    *ndims = H5Sget_simple_extent_ndims(s);
    H5Sclose(s);
    H5Tclose(t);
    H5Aclose(a);
    return 1;
}

static int read_attr_num(hid_t file, const char *obj, const char *name, hid_t mtype, void *buf)
{
    hid_t a = H5Aopen_by_name(file, obj, name, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0)
        return -1;
    herr_t r = H5Aread(a, mtype, buf);
    H5Aclose(a);
    return r < 0 ? -1 : 0;
}

/**
 * Open dataset `name`, check its class/size, rank and dims (maxdims[0] unlimited), read it all as
 * mtype into a malloc'd buffer (*out). Returns 0 on success.
 */
static int read_dataset(verdict *v, hid_t file, const char *name, H5T_class_t cls, size_t size,
                        int rank, const hsize_t *dims, hid_t mtype, size_t msize, void **out)
{
    *out = NULL;
    if (H5Lexists(file, name, H5P_DEFAULT) <= 0) {
        vfail(v, "%s: missing", name);
        return -1;
    }
    hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
    hid_t t = H5Dget_type(ds), s = H5Dget_space(ds);
    int rc = -1;
    hsize_t d[3] = {0, 0, 0}, md[3] = {0, 0, 0};
    if (H5Tget_class(t) != cls || H5Tget_size(t) != size) {
        vfail(v, "%s: type class %d size %zu, expected class %d size %zu", name,
              (int)H5Tget_class(t), H5Tget_size(t), (int)cls, size);
        goto out;
    }
    if (H5Sget_simple_extent_ndims(s) != rank) {
        vfail(v, "%s: rank %d, expected %d", name, H5Sget_simple_extent_ndims(s), rank);
        goto out;
    }
    H5Sget_simple_extent_dims(s, d, md);
    size_t n = 1;
    for (int i = 0; i < rank; i++) {
        if (d[i] != dims[i]) {
            vfail(v, "%s: dim %d is %llu, expected %llu", name, i, (unsigned long long)d[i],
                  (unsigned long long)dims[i]);
            goto out;
        }
        n *= (size_t)d[i];
    }
    if (md[0] != H5S_UNLIMITED) {
        vfail(v, "%s: first dimension is not unlimited", name);
        goto out;
    }
    for (int i = 1; i < rank; i++)
        if (md[i] != dims[i]) {
            vfail(v, "%s: maxdim %d is %llu, expected %llu", name, i, (unsigned long long)md[i],
                  (unsigned long long)dims[i]);
            goto out;
        }
    *out = malloc(n ? n * msize : 1);
    if (!*out || H5Dread(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, *out) < 0) {
        vfail(v, "%s: cannot read", name);
        goto out;
    }
    rc = 0;
out:
    H5Sclose(s);
    H5Tclose(t);
    H5Dclose(ds);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Writing a trajectory and checking every byte of it
 */

typedef struct {
    long n;     /* N */
    int d;      /* dim */
    int layers; /* recorded layers */
} layout_case;

static const layout_case CASES[] = {
    {3, 2, 4},     /* N < P for P = 4: a rank without particles */
    {7, 3, 4},     /* N not divisible by 2, 3, 4 */
    {1, 1, 3},     /* one particle: a single owner; width-d observable stored 1-D */
    {10, 1, 2},    /* d = 1 */
    {40000, 4, 3}, /* several chunks along N (32768 rows of 4 doubles = 1 MiB) */
};
enum { N_CASES = sizeof CASES / sizeof *CASES };

static double pos_value(int layer, long i, int k)
{
    return layer * 1048576.0 + (double)i * 16.0 + k + 0.25; /* exact in float64 */
}
static int64_t layer_step(int layer) { return 5 * (int64_t)layer; }
static double layer_time(int layer) { return 0.025 * (double)layer_step(layer); }
static double obs_potential(int layer) { return 3.5 * layer - 1.0; }
static double obs_mean(int layer, int k) { return layer + 0.25 * k; }
static double obs_sparsity(int layer) { return layer / 8.0; }

static const char CONFIG_INI[] = "[run]\nname = unit test\nlayers = 4\n\n[particles]\nn = 3\n";
enum { N_PARAMS = 5 };

static void make_params(rwpo_param p[N_PARAMS], long n)
{
    memset(p, 0, N_PARAMS * sizeof *p);
    p[0] = (rwpo_param){.name = "run.seed", .type = 'i', .i = 1234567890123LL};
    p[1] = (rwpo_param){.name = "sampler.beta", .type = 'd', .d = 0.1};
    p[2] = (rwpo_param){.name = "run.name", .type = 's', .s = "unit test"};
    p[3] = (rwpo_param){.name = "particles.n", .type = 'i', .i = n};
    p[4] = (rwpo_param){.name = "sampler.lambda", .type = 'd', .d = -2.5e-7};
}

/** Write a trajectory for case c collectively; the observables are written by `writer`. */
static void write_case(const char *path, const layout_case *c, int writer)
{
    char err[512] = "";
    long off, nl;
    block(c->n, &off, &nl);
    rwpo_param params[N_PARAMS];
    make_params(params, c->n);

    h5md_file *f =
        h5md_create(path, MPI_COMM_WORLD, c->n, c->d, params, N_PARAMS, CONFIG_INI, "tester",
                    err, sizeof err);
    EXPECT(f != NULL, "h5md_create failed: %s", err);
    h5md_set_writer(f, g_rank == writer);

    double *x = malloc((size_t)(nl > 0 ? nl : 1) * (size_t)c->d * sizeof *x);
    double *mean = malloc((size_t)c->d * sizeof *mean);
    ck_assert(x && mean);
    for (int l = 0; l < c->layers; l++) {
        for (long i = 0; i < nl; i++)
            for (int k = 0; k < c->d; k++)
                x[i * c->d + k] = pos_value(l, off + i, k);
        int rc = h5md_write_positions(f, layer_step(l), layer_time(l), off, nl,
                                      nl > 0 ? x : NULL, err, sizeof err);
        EXPECT(rc == 0, "h5md_write_positions layer %d: %s", l, err);

        /* non-writing ranks pass wrong values: only the writer's may reach the file */
        const int w = g_rank == writer;
        double pot = w ? obs_potential(l) : -777.0, spars = w ? obs_sparsity(l) : NAN;
        for (int k = 0; k < c->d; k++)
            mean[k] = w ? obs_mean(l, k) : 1e300;
        const rwpo_observable obs[3] = {
            {"potential", 1, &pot}, {"mean", c->d, mean}, {"sparsity", 1, &spars}};
        rc = h5md_write_observables(f, layer_step(l), layer_time(l), obs, 3, err, sizeof err);
        EXPECT(rc == 0, "h5md_write_observables layer %d: %s", l, err);
    }
    free(x);
    free(mean);
    int rc = h5md_set_status(f, "complete", err, sizeof err);
    EXPECT(rc == 0, "h5md_set_status: %s", err);
    rc = h5md_close(f);
    EXPECT(rc == 0, "h5md_close failed");
}

static void check_str_attr(verdict *v, hid_t file, const char *obj, const char *name,
                           const char *expected)
{
    H5T_class_t cls;
    size_t size;
    hssize_t np;
    int nd;
    if (!attr_shape(file, obj, name, &cls, &size, &np, &nd)) {
        vfail(v, "%s attr %s: missing", obj, name);
        return;
    }
    VCHECK(v, cls == H5T_STRING && np == 1 && nd == 0, "%s attr %s: not a scalar string", obj,
           name);
    char *s = read_str_attr(file, obj, name);
    if (expected)
        VCHECK(v, s && strcmp(s, expected) == 0, "%s attr %s = '%s', expected '%s'", obj, name,
               s ? s : "(unreadable)", expected);
    else
        VCHECK(v, s && s[0], "%s attr %s is empty", obj, name);
    free(s);
}

/** Rank 0: reopen serially and check the whole file. */
static void verify_case(verdict *v, const char *path, const layout_case *c)
{
    const long n = c->n;
    const int d = c->d, L = c->layers;
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0) {
        vfail(v, "%s: cannot reopen serially", path);
        return;
    }
    H5T_class_t cls;
    size_t size;
    hssize_t np;
    int nd;

    /* /h5md */
    if (!attr_shape(file, "/h5md", "version", &cls, &size, &np, &nd))
        vfail(v, "/h5md attr version missing");
    else {
        int ver[2] = {0, 0};
        VCHECK(v, cls == H5T_INTEGER && np == 2 && nd == 1, "/h5md version: not an int[2]");
        read_attr_num(file, "/h5md", "version", H5T_NATIVE_INT, ver);
        VCHECK(v, ver[0] == 1 && ver[1] == 1, "/h5md version = [%d, %d]", ver[0], ver[1]);
    }
    check_str_attr(v, file, "/h5md/author", "name", "tester");
    check_str_attr(v, file, "/h5md/creator", "name", "rwpo");
    check_str_attr(v, file, "/h5md/creator", "version", NULL);

    /* box */
    if (!attr_shape(file, "/particles/cloud/box", "dimension", &cls, &size, &np, &nd))
        vfail(v, "box dimension missing");
    else {
        int dim = 0;
        VCHECK(v, cls == H5T_INTEGER && np == 1, "box dimension: not an integer scalar");
        read_attr_num(file, "/particles/cloud/box", "dimension", H5T_NATIVE_INT, &dim);
        VCHECK(v, dim == d, "box dimension = %d, expected %d", dim, d);
    }
    if (!attr_shape(file, "/particles/cloud/box", "boundary", &cls, &size, &np, &nd))
        vfail(v, "box boundary missing");
    else {
        VCHECK(v, cls == H5T_STRING && np == d && nd == 1, "box boundary: not a string[%d]", d);
        hid_t a = H5Aopen_by_name(file, "/particles/cloud/box", "boundary", H5P_DEFAULT,
                                  H5P_DEFAULT);
        hid_t t = H5Aget_type(a);
        if (H5Tis_variable_str(t) == 0 && np == d) {
            char *buf = calloc((size_t)d, size + 1);
            hid_t mt = H5Tcopy(H5T_C_S1);
            H5Tset_size(mt, size);
            H5Aread(a, mt, buf);
            for (int k = 0; k < d; k++) {
                char one[64] = "";
                memcpy(one, buf + (size_t)k * size, size < 63 ? size : 63);
                VCHECK(v, strcmp(one, "none") == 0, "box boundary[%d] = '%s'", k, one);
            }
            H5Tclose(mt);
            free(buf);
        } else
            vfail(v, "box boundary: expected fixed-length strings");
        H5Tclose(t);
        H5Aclose(a);
    }

    /* position */
    void *buf = NULL;
    const hsize_t pdims[3] = {(hsize_t)L, (hsize_t)n, (hsize_t)d}, ldims[1] = {(hsize_t)L};
    if (read_dataset(v, file, "/particles/cloud/position/value", H5T_FLOAT, 8, 3, pdims,
                     H5T_NATIVE_DOUBLE, sizeof(double), &buf) == 0) {
        const double *x = buf;
        for (int l = 0; l < L && v->ok; l++)
            for (long i = 0; i < n && v->ok; i++)
                for (int k = 0; k < d; k++) {
                    double got = x[((size_t)l * (size_t)n + (size_t)i) * (size_t)d + (size_t)k];
                    if (got != pos_value(l, i, k)) {
                        vfail(v, "position[%d][%ld][%d] = %.17g, expected %.17g", l, i, k, got,
                              pos_value(l, i, k));
                        break;
                    }
                }
        /* chunking: [1][rows][d] with rows * d * 8 <= 1 MiB */
        hid_t ds = H5Dopen2(file, "/particles/cloud/position/value", H5P_DEFAULT);
        hid_t dcpl = H5Dget_create_plist(ds);
        hsize_t ch[3] = {0, 0, 0};
        VCHECK(v, H5Pget_layout(dcpl) == H5D_CHUNKED && H5Pget_chunk(dcpl, 3, ch) == 3,
               "position/value is not chunked");
        VCHECK(v, ch[0] == 1 && ch[1] >= 1 && ch[1] <= (hsize_t)n && ch[2] == (hsize_t)d &&
                      ch[1] * ch[2] * 8 <= (1u << 20),
               "position/value chunk [%llu][%llu][%llu]", (unsigned long long)ch[0],
               (unsigned long long)ch[1], (unsigned long long)ch[2]);
        H5Pclose(dcpl);
        H5Dclose(ds);
    }
    free(buf);
    if (read_dataset(v, file, "/particles/cloud/position/step", H5T_INTEGER, 8, 1, ldims,
                     H5T_NATIVE_INT64, sizeof(int64_t), &buf) == 0) {
        for (int l = 0; l < L; l++)
            VCHECK(v, ((int64_t *)buf)[l] == layer_step(l), "position/step[%d] = %lld", l,
                   (long long)((int64_t *)buf)[l]);
    }
    free(buf);
    if (read_dataset(v, file, "/particles/cloud/position/time", H5T_FLOAT, 8, 1, ldims,
                     H5T_NATIVE_DOUBLE, sizeof(double), &buf) == 0) {
        for (int l = 0; l < L; l++)
            VCHECK(v, ((double *)buf)[l] == layer_time(l), "position/time[%d] = %g", l,
                   ((double *)buf)[l]);
    }
    free(buf);

    /* observables */
    static const char *const names[3] = {"potential", "mean", "sparsity"};
    for (int o = 0; o < 3; o++) {
        char p[128];
        const int width = o == 1 ? d : 1;
        const hsize_t vdims[2] = {(hsize_t)L, (hsize_t)width};
        snprintf(p, sizeof p, "/observables/%s/value", names[o]);
        if (read_dataset(v, file, p, H5T_FLOAT, 8, width == 1 ? 1 : 2, vdims, H5T_NATIVE_DOUBLE,
                         sizeof(double), &buf) == 0) {
            const double *y = buf;
            for (int l = 0; l < L; l++)
                for (int k = 0; k < width; k++) {
                    double want = o == 0 ? obs_potential(l) : o == 1 ? obs_mean(l, k)
                                                                     : obs_sparsity(l);
                    VCHECK(v, y[l * width + k] == want, "%s[%d][%d] = %g, expected %g", p, l, k,
                           y[l * width + k], want);
                }
        }
        free(buf);
        snprintf(p, sizeof p, "/observables/%s/step", names[o]);
        if (read_dataset(v, file, p, H5T_INTEGER, 8, 1, ldims, H5T_NATIVE_INT64,
                         sizeof(int64_t), &buf) == 0)
            for (int l = 0; l < L; l++)
                VCHECK(v, ((int64_t *)buf)[l] == layer_step(l), "%s[%d] wrong", p, l);
        free(buf);
        snprintf(p, sizeof p, "/observables/%s/time", names[o]);
        if (read_dataset(v, file, p, H5T_FLOAT, 8, 1, ldims, H5T_NATIVE_DOUBLE, sizeof(double),
                         &buf) == 0)
            for (int l = 0; l < L; l++)
                VCHECK(v, ((double *)buf)[l] == layer_time(l), "%s[%d] wrong", p, l);
        free(buf);
    }

    /* parameters */
    long long iv = 0;
    double dv = 0;
    if (attr_shape(file, "/parameters", "run.seed", &cls, &size, &np, &nd)) {
        VCHECK(v, cls == H5T_INTEGER && size == 8 && np == 1, "run.seed: not an int64 scalar");
        read_attr_num(file, "/parameters", "run.seed", H5T_NATIVE_LLONG, &iv);
        VCHECK(v, iv == 1234567890123LL, "run.seed = %lld", iv);
    } else
        vfail(v, "parameter run.seed missing");
    if (attr_shape(file, "/parameters", "particles.n", &cls, &size, &np, &nd)) {
        read_attr_num(file, "/parameters", "particles.n", H5T_NATIVE_LLONG, &iv);
        VCHECK(v, cls == H5T_INTEGER && iv == n, "particles.n = %lld", iv);
    } else
        vfail(v, "parameter particles.n missing");
    if (attr_shape(file, "/parameters", "sampler.beta", &cls, &size, &np, &nd)) {
        VCHECK(v, cls == H5T_FLOAT && size == 8 && np == 1, "sampler.beta: not a float64");
        read_attr_num(file, "/parameters", "sampler.beta", H5T_NATIVE_DOUBLE, &dv);
        VCHECK(v, dv == 0.1, "sampler.beta = %.17g", dv);
    } else
        vfail(v, "parameter sampler.beta missing");
    if (attr_shape(file, "/parameters", "sampler.lambda", &cls, &size, &np, &nd)) {
        read_attr_num(file, "/parameters", "sampler.lambda", H5T_NATIVE_DOUBLE, &dv);
        VCHECK(v, cls == H5T_FLOAT && dv == -2.5e-7, "sampler.lambda = %.17g", dv);
    } else
        vfail(v, "parameter sampler.lambda missing");
    check_str_attr(v, file, "/parameters", "run.name", "unit test");
    check_str_attr(v, file, "/parameters", "config_ini", CONFIG_INI);
    check_str_attr(v, file, "/parameters", "program_version", NULL);
    check_str_attr(v, file, "/parameters", "git_revision", NULL);
    check_str_attr(v, file, "/parameters", "status", "complete");
    H5O_info_t oi;
    if (H5Oget_info_by_name(file, "/parameters", &oi, H5P_DEFAULT) >= 0)
        VCHECK(v, oi.num_attrs == N_PARAMS + 4, "/parameters has %llu attributes, expected %d",
               (unsigned long long)oi.num_attrs, N_PARAMS + 4);
    H5Fclose(file);
}

START_TEST(test_write_layout)
{
    const layout_case *c = &CASES[_i];
    char name[64];
    snprintf(name, sizeof name, "traj_case%d.h5", _i);
    const char *path = tmp_path(name);
    /* the observables writer is rank 0 in even cases and the last rank in odd ones */
    const int writer = _i % 2 ? g_size - 1 : 0;
    write_case(path, c, writer);

    verdict v = {1, ""};
    if (g_rank == 0)
        verify_case(&v, path, c);
    EXPECT(v.ok, "case %d (N = %ld, d = %d, writer %d): %s", _i, c->n, c->d, writer, v.msg);
    if (g_rank == 0)
        unlink(path);
}
END_TEST

/* ---------------------------------------------------------------------------------------------
 * input_read_matrix
 */

enum { MN = 7, MD = 3, NAN_ROW = 5 };

static double mat_value(long i, int k) { return 100.0 * (double)i + k + 0.5; }

static herr_t write_ds(hid_t file, const char *name, hid_t ftype, hid_t mtype, int rank,
                       const hsize_t *dims, const void *buf)
{
    hid_t s = H5Screate_simple(rank, dims, NULL);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    hid_t ds = H5Dcreate2(file, name, ftype, s, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    herr_t r = ds < 0 ? -1 : H5Dwrite(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
    if (ds >= 0)
        H5Dclose(ds);
    H5Pclose(lcpl);
    H5Sclose(s);
    return r;
}

/** Rank 0: a plain HDF5 file with good and bad inputs. Returns 0 on success. */
static int make_matrix_file(const char *path)
{
    double x[MN * MD], y[MN * MD], vec[MN], cube[2 * MN * MD], small[3 * 2];
    int ints[MN * MD];
    for (long i = 0; i < MN; i++) {
        vec[i] = (double)i;
        for (int k = 0; k < MD; k++) {
            x[i * MD + k] = mat_value(i, k);
            y[i * MD + k] = i == NAN_ROW && k == 1 ? NAN : mat_value(i, k);
            ints[i * MD + k] = (int)(i * 10 + k);
        }
    }
    for (int i = 0; i < 2 * MN * MD; i++)
        cube[i] = i;
    for (int i = 0; i < 6; i++)
        small[i] = mat_value(i / 2, i % 2);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0)
        return -1;
    const hsize_t d2[2] = {MN, MD}, d1[1] = {MN}, d3[3] = {2, MN, MD}, ds[2] = {3, 2};
    herr_t r = 0;
    r |= write_ds(f, "/init/x", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, d2, x);
    r |= write_ds(f, "/init/x32", H5T_IEEE_F32LE, H5T_NATIVE_DOUBLE, 2, d2, x);
    r |= write_ds(f, "/small", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, ds, small);
    r |= write_ds(f, "/vec", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, d1, vec);
    r |= write_ds(f, "/cube", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, d3, cube);
    r |= write_ds(f, "/ints", H5T_STD_I32LE, H5T_NATIVE_INT, 2, d2, ints);
    r |= write_ds(f, "/nan", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, d2, y);
    hid_t g = H5Gcreate2(f, "/grp", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        r = -1;
    else
        H5Gclose(g);
    return H5Fclose(f) < 0 || r < 0 ? -1 : 0;
}

/** Read spec with the block distribution of n rows; returns rc, fills x and err. */
static int read_block(const char *spec, long n, int d, double *x, char *err, size_t errlen)
{
    long off, nl;
    block(n, &off, &nl);
    err[0] = '\0';
    return input_read_matrix(spec, MPI_COMM_WORLD, n, d, off, nl, nl > 0 ? x : NULL, err, errlen);
}

/** Every rank expects -1 and a message containing `word`. */
static void expect_error(const char *spec, long n, int d, const char *word)
{
    double x[64 * MD];
    char err[512];
    int rc = read_block(spec, n, d, x, err, sizeof err);
    EXPECT(rc == -1 && contains(err, word),
           "%s (N = %ld, d = %d): rc = %d, message '%s' lacks '%s'", spec, n, d, rc, err, word);
}

START_TEST(test_read_matrix)
{
    char mat[PATH_LEN], weird[PATH_LEN], text[PATH_LEN], spec[PATH_LEN + 64];
    snprintf(mat, sizeof mat, "%s", tmp_path("matrix.h5"));
    snprintf(weird, sizeof weird, "%s", tmp_path("we:ird.h5"));
    snprintf(text, sizeof text, "%s", tmp_path("notes.txt"));
    int made = 0;
    if (g_rank == 0) {
        made = make_matrix_file(mat) == 0 && make_matrix_file(weird) == 0;
        write_text(text, "this is not an HDF5 file\n[run]\nlayers = 3\n");
    }
    EXPECT(g_rank != 0 || made, "cannot write the input files");

    /* good reads: float64, float32, a ':' in the file name, N < P */
    char err[512];
    double x[MN * MD];
    long off, nl;
    block(MN, &off, &nl);
    const char *good[3] = {"/init/x", "/init/x32", "/init/x"};
    for (int g = 0; g < 3; g++) {
        snprintf(spec, sizeof spec, "%s:%s", g == 2 ? weird : mat, good[g]);
        for (int i = 0; i < MN * MD; i++)
            x[i] = -1.0;
        int rc = read_block(spec, MN, MD, x, err, sizeof err);
        int ok = rc == 0;
        for (long i = 0; i < nl && ok; i++)
            for (int k = 0; k < MD; k++)
                ok &= x[i * MD + k] == mat_value(off + i, k);
        EXPECT(ok, "%s: rc = %d (%s) or wrong rows %ld..%ld", spec, rc, err, off, off + nl);
    }
    snprintf(spec, sizeof spec, "%s:/small", mat);
    {
        long so, sn;
        block(3, &so, &sn);
        int rc = read_block(spec, 3, 2, x, err, sizeof err);
        int ok = rc == 0;
        for (long i = 0; i < sn && ok; i++)
            for (int k = 0; k < 2; k++)
                ok &= x[i * 2 + k] == mat_value(so + i, k);
        EXPECT(ok, "%s with N = 3: rc = %d (%s) or wrong rows", spec, rc, err);
    }

    /* errors, each named */
    snprintf(spec, sizeof spec, "%s/nope.h5:/x", g_dir);
    expect_error(spec, MN, MD, "no such file");
    snprintf(spec, sizeof spec, "%s:/x", text);
    expect_error(spec, MN, MD, "not an HDF5 file");
    snprintf(spec, sizeof spec, "%s:/init/y", mat);
    expect_error(spec, MN, MD, "no such dataset");
    snprintf(spec, sizeof spec, "%s:/nothere/x", mat);
    expect_error(spec, MN, MD, "'/nothere' not found");
    snprintf(spec, sizeof spec, "%s:/grp", mat);
    expect_error(spec, MN, MD, "not a dataset");
    snprintf(spec, sizeof spec, "%s:/vec", mat);
    expect_error(spec, MN, MD, "1-D");
    snprintf(spec, sizeof spec, "%s:/cube", mat);
    expect_error(spec, MN, MD, "expected 2-D");
    snprintf(spec, sizeof spec, "%s:/init/x", mat);
    expect_error(spec, MN + 1, MD, "found shape [7][3], expected [8][3]");
    expect_error(spec, MN, MD - 1, "found shape [7][3], expected [7][2]");
    snprintf(spec, sizeof spec, "%s:/ints", mat);
    expect_error(spec, MN, MD, "integer");
    expect_error(mat, MN, MD, "path.h5:/dataset");

    /* NaN: only the rank holding the row fails, and names it */
    snprintf(spec, sizeof spec, "%s:/nan", mat);
    int rc = read_block(spec, MN, MD, x, err, sizeof err);
    const int holder = off <= NAN_ROW && NAN_ROW < off + nl;
    EXPECT(holder ? rc == -1 && contains(err, "non-finite") && contains(err, "row 5")
                  : rc == 0,
           "%s on rows %ld..%ld: rc = %d, message '%s'", spec, off, off + nl, rc, err);

    /* a bad block on one rank fails there and does not hang the others */
    {
        long bo, bn;
        block(MN, &bo, &bn);
        if (g_rank == g_size - 1)
            bn = MN + 1;
        snprintf(spec, sizeof spec, "%s:/init/x", mat);
        double big[(MN + 1) * MD];
        rc = input_read_matrix(spec, MPI_COMM_WORLD, MN, MD, bo, bn, big, err, sizeof err);
        EXPECT(g_rank == g_size - 1 ? rc == -1 && contains(err, "bad row block") : rc == 0,
               "bad block: rc = %d, message '%s'", rc, err);
    }
    if (g_rank == 0) {
        unlink(mat);
        unlink(weird);
        unlink(text);
    }
}
END_TEST

/* ---------------------------------------------------------------------------------------------
 * probe_print_info, probe_last_observables, probe_print_segments
 */

/** What probe_last_observables handed over (test_info). */
typedef struct {
    int n;
    char name[4][16];
    int rank[4];
    long width[4];
    double first[4];
    long long step[4];
} seen_obs;

static void record_obs(const probe_observable *o, void *user)
{
    seen_obs *s = user;
    if (s->n < 4 && !o->problem) {
        snprintf(s->name[s->n], sizeof s->name[s->n], "%s", o->name);
        s->rank[s->n] = o->rank;
        s->width[s->n] = o->width;
        s->first[s->n] = o->value[0];
        s->step[s->n] = o->step;
    }
    s->n++;
}

/** Rank 0: the contents of a temporary stream written by fn(path, out). */
static void print_to_buffer(void (*fn)(const char *, FILE *), const char *path, char *buf,
                            size_t len)
{
    buf[0] = '\0';
    FILE *out = tmpfile();
    if (!out)
        return;
    fn(path, out);
    rewind(out);
    size_t n = fread(buf, 1, len - 1, out);
    buf[n] = '\0';
    fclose(out);
}

START_TEST(test_info)
{
    const char *p = tmp_path("info.h5");
    char path[PATH_LEN], text[PATH_LEN], mat[PATH_LEN];
    snprintf(path, sizeof path, "%s", p);
    snprintf(text, sizeof text, "%s", tmp_path("info.txt"));
    snprintf(mat, sizeof mat, "%s", tmp_path("plain.h5"));
    char err[512] = "";
    const long n = 5;
    const int d = 3;
    long off, nl;
    block(n, &off, &nl);
    const rwpo_param params[3] = {{.name = "run.seed", .type = 'i', .i = 42},
                                  {.name = "sampler.beta", .type = 'd', .d = 0.1},
                                  {.name = "run.name", .type = 's', .s = "info test"}};
    h5md_file *f = h5md_create(path, MPI_COMM_WORLD, n, d, params, 3, "[run]\nseed = 42\n",
                               "tester", err, sizeof err);
    EXPECT(f != NULL, "h5md_create: %s", err);
    h5md_set_writer(f, g_rank == 0);
    double x[5 * 3], hist[10], mean[3];
    for (int l = 0; l < 3; l++) {
        for (long i = 0; i < nl * d; i++)
            x[i] = l + 0.5 * (double)i;
        int rc = h5md_write_positions(f, 5 * l, 0.5 * l, off, nl, x, err, sizeof err);
        EXPECT(rc == 0, "write_positions: %s", err);
        double pot = 10.0 + l;
        for (int k = 0; k < 10; k++)
            hist[k] = 100 * l + k;
        for (int k = 0; k < d; k++)
            mean[k] = l + 0.25 * k;
        const rwpo_observable obs[3] = {
            {"potential", 1, &pot}, {"mean", d, mean}, {"hist", 10, hist}};
        rc = h5md_write_observables(f, 5 * l, 0.5 * l, obs, 3, err, sizeof err);
        EXPECT(rc == 0, "write_observables: %s", err);
    }
    int rc = h5md_set_status(f, "stopped", err, sizeof err);
    EXPECT(rc == 0 && h5md_close(f) == 0, "set_status/close: %s", err);
    /* a continuation segment (runfiles_segment's name) with one layer */
    char seg[PATH_LEN];
    snprintf(seg, sizeof seg, "%s", tmp_path("info.seg1.h5"));
    f = h5md_create(seg, MPI_COMM_WORLD, n, d, params, 3, "[run]\nseed = 42\n", "tester", err,
                    sizeof err);
    EXPECT(f != NULL, "h5md_create (segment): %s", err);
    h5md_set_writer(f, g_rank == 0);
    rc = h5md_write_positions(f, 15, 1.5, off, nl, x, err, sizeof err);
    EXPECT(rc == 0 && h5md_set_status(f, "complete", err, sizeof err) == 0 && h5md_close(f) == 0,
           "segment: %s", err);

    verdict v = {1, ""};
    if (g_rank == 0) {
        FILE *out = tmpfile();
        rc = out ? probe_print_info(path, out, err, sizeof err) : -1;
        VCHECK(&v, rc == 0, "probe_print_info: rc = %d, %s", rc, err);
        char buf[8192] = "";
        if (out) {
            rewind(out);
            size_t len = fread(buf, 1, sizeof buf - 1, out);
            buf[len] = '\0';
            fclose(out);
        }
        static const char *const want[] = {
            "N = 5",
            "d = 3",
            "3 recorded",
            "first step 0",
            "last step 10",
            "(time 1)",
            "status:       stopped",
            "creator:      rwpo",
            "run.seed = 42",
            "sampler.beta = 0.1",
            "run.name = \"info test\"",
            "potential = 12",
            "mean = [2, 2.25, 2.5] (length 3)",
            "hist = [200, 201, 202, 203, 204, 205, ...] (length 10)",
            "config_ini: 2 lines",
        };
        for (size_t i = 0; i < sizeof want / sizeof *want; i++)
            VCHECK(&v, strstr(buf, want[i]) != NULL, "probe_print_info output lacks '%s':\n%s",
                   want[i], buf);

        /* the last row of every observable, in creation order */
        seen_obs so = {0};
        rc = probe_last_observables(path, record_obs, &so);
        VCHECK(&v, rc == 3 && so.n == 3, "probe_last_observables: rc = %d, %d seen", rc, so.n);
        static const char *const names[3] = {"potential", "mean", "hist"};
        static const int ranks[3] = {1, 2, 2};
        static const long widths[3] = {1, 3, 10};
        static const double firsts[3] = {12, 2, 200};
        for (int i = 0; i < 3 && i < so.n; i++)
            VCHECK(&v, strcmp(so.name[i], names[i]) == 0 && so.rank[i] == ranks[i] &&
                           so.width[i] == widths[i] && so.first[i] == firsts[i] &&
                           so.step[i] == 10,
                   "observable %d: '%s' rank %d width %ld first %g step %lld", i, so.name[i],
                   so.rank[i], so.width[i], so.first[i], so.step[i]);
        rc = probe_last_observables(tmp_path("missing.h5"), record_obs, &so);
        VCHECK(&v, rc == -1, "probe_last_observables on a missing file: rc = %d", rc);

        /* the segments after the file, and the last complete layer over both */
        char segs[1024], want_segs[1024];
        print_to_buffer(probe_print_segments, path, segs, sizeof segs);
        snprintf(want_segs, sizeof want_segs,
                 "segment 1:    %s, layers 15..15, status complete\nlast complete layer: 15\n",
                 seg);
        VCHECK(&v, strcmp(segs, want_segs) == 0, "probe_print_segments:\n%s\nexpected:\n%s",
               segs, want_segs);

        /* errors: not HDF5, HDF5 without the H5MD groups, missing file */
        write_text(text, "plain text\n");
        out = tmpfile();
        rc = probe_print_info(text, out, err, sizeof err);
        VCHECK(&v, rc == -1 && contains(err, "not an HDF5 file"), "info on text: %d '%s'", rc,
               err);
        hid_t h = H5Fcreate(mat, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
        hid_t g = H5Gcreate2(h, "/h5md", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        H5Gclose(g);
        H5Fclose(h);
        rc = probe_print_info(mat, out, err, sizeof err);
        VCHECK(&v, rc == -1 && contains(err, "'/particles' is missing"),
               "info on a plain HDF5 file: %d '%s'", rc, err);
        rc = probe_print_info(tmp_path("missing.h5"), out, err, sizeof err);
        VCHECK(&v, rc == -1 && contains(err, "no such file"), "info on a missing file: %d '%s'",
               rc, err);
        if (out)
            fclose(out);
        unlink(path);
        unlink(seg);
        unlink(text);
        unlink(mat);
    }
    EXPECT(v.ok, "%s", v.msg);
}
END_TEST

/* ---------------------------------------------------------------------------------------------
 * Misuse and errors while writing: all reported, none hangs
 */

START_TEST(test_write_errors)
{
    char err[512] = "", path[PATH_LEN];
    const long n = 3;
    const int d = 2;
    long off, nl;
    block(n, &off, &nl);

    /* an output directory that does not exist: every rank gets NULL and the file name */
    snprintf(path, sizeof path, "%s/no/such/dir/run.h5", g_dir);
    h5md_file *f = h5md_create(path, MPI_COMM_WORLD, n, d, NULL, 0, "", "tester", err,
                               sizeof err);
    EXPECT(f == NULL && contains(err, "cannot create") && contains(err, "no/such/dir/run.h5"),
           "create in a missing directory: %p, '%s'", (void *)f, err);

    /* a device (it cannot be truncated: a parallel file that fails to close would crash
     * HDF5's shutdown): refused on every rank before anything is opened */
    f = h5md_create("/dev/null", MPI_COMM_WORLD, n, d, NULL, 0, "", "tester", err, sizeof err);
    EXPECT(f == NULL && contains(err, "/dev/null: not a regular file (a character device)") &&
               h5md_open_ids() == 0,
           "create on /dev/null: %p, '%s', %ld ids open", (void *)f, err, h5md_open_ids());

    /* a parameter of an unknown type */
    snprintf(path, sizeof path, "%s", tmp_path("badparam.h5"));
    const rwpo_param bad = {.name = "run.x", .type = 'x'};
    f = h5md_create(path, MPI_COMM_WORLD, n, d, &bad, 1, "", "tester", err, sizeof err);
    EXPECT(f == NULL && contains(err, "run.x") && contains(err, "type"),
           "bad parameter type: '%s'", err);
    f = h5md_create(path, MPI_COMM_WORLD, 0, d, NULL, 0, "", "tester", err, sizeof err);
    EXPECT(f == NULL && contains(err, "N = 0"), "N = 0 accepted: '%s'", err);

    snprintf(path, sizeof path, "%s", tmp_path("errors.h5"));
    f = h5md_create(path, MPI_COMM_WORLD, n, d, NULL, 0, NULL, NULL, err, sizeof err);
    EXPECT(f != NULL, "h5md_create: %s", err);
    double x[3 * 2] = {1, 2, 3, 4, 5, 6}, pot = 1.0;
    const rwpo_observable obs[1] = {{"potential", 1, &pot}};

    /* observables before h5md_set_writer */
    int rc = h5md_write_observables(f, 0, 0.0, obs, 1, err, sizeof err);
    EXPECT(rc == -1 && contains(err, "h5md_set_writer"), "no writer: rc = %d, '%s'", rc, err);
    h5md_set_writer(f, g_rank == 0);
    rc = h5md_write_observables(f, 0, 0.0, obs, 1, err, sizeof err);
    EXPECT(rc == 0, "write_observables: %s", err);
    /* another set of observables at the next call */
    const rwpo_observable other[1] = {{"mean", 2, x}};
    rc = h5md_write_observables(f, 1, 0.1, other, 1, err, sizeof err);
    EXPECT(rc == -1 && contains(err, "'mean'") && contains(err, "'potential'"),
           "changed observables: rc = %d, '%s'", rc, err);

    /* the last rank passes a block beyond N: it fails, the others succeed, nobody hangs */
    long bo = off, bn = nl;
    if (g_rank == g_size - 1) {
        bo = n - 1;
        bn = 2;
    }
    rc = h5md_write_positions(f, 0, 0.0, bo, bn, x, err, sizeof err);
    EXPECT(g_rank == g_size - 1 ? rc == -1 && contains(err, "bad particle block") : rc == 0,
           "bad block: rc = %d, '%s'", rc, err);
    /* the handle is still usable */
    rc = h5md_write_positions(f, 1, 0.1, off, nl, x, err, sizeof err);
    EXPECT(rc == 0, "write after a bad block: %s", err);
    rc = h5md_set_status(f, "failed", err, sizeof err);
    EXPECT(rc == 0, "set_status: %s", err);
    EXPECT(h5md_close(f) == 0, "close failed");
    EXPECT(h5md_close(NULL) == 0, "h5md_close(NULL) failed");
    /* read back: frame 1 intact; frame 0 has an observable row, frame 1 none (not written) */
    int verified = 1;
    if (g_rank == 0) {
        probe_verify_result vr;
        rc = probe_verify(path, 1, NULL, NULL, &vr, err, sizeof err);
        verified = rc == -1 && vr.frames == 2 && vr.checksum == 0 &&
                   contains(err, "frame 1 (layer 1): /observables/potential/value: no row");
    }
    EXPECT(verified, "verify frame 1: '%s'", err);

    verdict v = {1, ""};
    if (g_rank == 0) {
        hid_t h = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
        hsize_t dims[3] = {0, 0, 0};
        hid_t ds = H5Dopen2(h, "/particles/cloud/position/value", H5P_DEFAULT);
        hid_t s = H5Dget_space(ds);
        H5Sget_simple_extent_dims(s, dims, NULL);
        VCHECK(&v, dims[0] == 2 && dims[1] == (hsize_t)n && dims[2] == (hsize_t)d,
               "position shape [%llu][%llu][%llu]", (unsigned long long)dims[0],
               (unsigned long long)dims[1], (unsigned long long)dims[2]);
        char *st = read_str_attr(h, "/parameters", "status");
        VCHECK(&v, st && strcmp(st, "failed") == 0, "status '%s'", st ? st : "(none)");
        char *au = read_str_attr(h, "/h5md/author", "name");
        VCHECK(&v, au && strcmp(au, "unknown") == 0, "default author '%s'", au ? au : "(none)");
        free(st);
        free(au);
        H5Sclose(s);
        H5Dclose(ds);
        H5Fclose(h);
        unlink(path);
    }
    EXPECT(v.ok, "%s", v.msg);
}
END_TEST

/* ---------------------------------------------------------------------------------------------
 * No HDF5 file or object (dataset, group, attribute, named type) left open by the module:
 * run last. (Dataspaces and property lists cannot be counted through the public API.)
 */

START_TEST(test_no_open_ids)
{
    const ssize_t n = H5Fget_obj_count((hid_t)H5F_OBJ_ALL, H5F_OBJ_ALL);
    EXPECT(n == 0, "%zd HDF5 files or objects left open", n);
}
END_TEST

/* ---------------------------------------------------------------------------------------------
 */

static Suite *h5md_suite(void)
{
    Suite *s = suite_create("h5md");
    TCase *tc = tcase_create("write");
    tcase_add_loop_test(tc, test_write_layout, 0, N_CASES);
    tcase_add_test(tc, test_write_errors);
    suite_add_tcase(s, tc);
    tc = tcase_create("read");
    tcase_add_test(tc, test_read_matrix);
    tcase_add_test(tc, test_info);
    tcase_add_test(tc, test_no_open_ids);
    suite_add_tcase(s, tc);
    return s;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);

    if (g_rank == 0) {
        const char *tmp = getenv("TMPDIR");
        snprintf(g_dir, sizeof g_dir, "%s/rwpo_test_h5md_XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
        if (!mkdtemp(g_dir)) {
            perror("mkdtemp");
            g_dir[0] = '\0';
        }
    }
    MPI_Bcast(g_dir, (int)sizeof g_dir, MPI_CHAR, 0, MPI_COMM_WORLD);
    if (!g_dir[0]) {
        MPI_Finalize();
        return EXIT_FAILURE;
    }

    int passed = all_passed(h5md_suite());

    if (g_rank == 0) {
        for (int i = 0; i < g_n_files; i++)
            unlink(g_files[i]);
        if (rmdir(g_dir) != 0)
            perror(g_dir);
    }
    MPI_Finalize();
    return passed ? EXIT_SUCCESS : EXIT_FAILURE;
}
