/**
 * @file fuzz_h5_input.c
 * @brief libFuzzer target "h5_input": the readers of user inputs given as "path.h5:/dataset"
 *        (input_dataset_shape, input_read_vector, input_read_matrix through HDF5's MPI-IO driver
 *        on a world of one rank).
 *
 * Input: the bytes of an HDF5 file, written to a scratch file; the readers are pointed at the
 * datasets /x and /g/x (the seeds hold datasets there: matrices, vectors, integer, string and
 * 3-D datasets, chunked, compact, filtered). HDF5 rejects most random bytes at the superblock, so
 * the seeds are small valid files (tests/fuzz/make_seeds.py) for libFuzzer to mutate.
 *
 * Checks: a failing reader says why in one line; a shape is 1-D or 2-D and non-negative; the
 * readers accept what the shape promises and refuse a wrong expected size; no HDF5 object is left
 * open (input.h: nothing is kept open between calls); reads stay inside the buffers (h5_guard.c).
 */
#include <hdf5.h>

#include "fuzz_common.h"
#include "rwpo/io/input.h"

enum { FZ_MAX_ELEMS = 1 << 16 };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fz_setup(argc, argv);
    return 0;
}

static void one_dataset(const char *path, const char *dset)
{
    char spec[PATH_MAX + 64], err[1024];
    snprintf(spec, sizeof spec, "%s:%s", path, dset);
    int nd = -1;
    long dims[2] = {-1, -1};

    memset(err, 'x', sizeof err);
    int rc = input_dataset_shape(spec, &nd, dims, err, sizeof err);
    fz_check_err("input_dataset_shape", rc, err, sizeof err);
    fz_check_closed("input_dataset_shape");
    if (rc != 0) {
        /* the readers must refuse it too */
        double v[4];
        memset(err, 'x', sizeof err);
        rc = input_read_vector(spec, 4, v, err, sizeof err);
        fz_check_err("input_read_vector", rc, err, sizeof err);
        fz_check_closed("input_read_vector");
        memset(err, 'x', sizeof err);
        rc = input_read_matrix(spec, comm_world(), 2, 2, 0, 2, v, err, sizeof err);
        fz_check_err("input_read_matrix", rc, err, sizeof err);
        fz_check_closed("input_read_matrix");
        return;
    }
    if ((nd != 1 && nd != 2) || dims[0] < 0 || dims[1] < 0 || (nd == 1 && dims[1] != 1))
        fz_fail("input_dataset_shape gave %d-D [%ld][%ld]", nd, dims[0], dims[1]);
    if (dims[1] > 0 && dims[0] > FZ_MAX_ELEMS / dims[1])
        return; /* too large to read here */
    const long total = dims[0] * dims[1];

    /* as a vector: 1-D, or 2-D with one dimension 1 */
    const int is_vector = nd == 1 || dims[0] == 1 || dims[1] == 1;
    const long n = is_vector ? total : dims[0];
    double *buf = malloc((size_t)(total + 1) * sizeof *buf);
    if (!buf)
        abort();
    memset(err, 'x', sizeof err);
    rc = input_read_vector(spec, n, buf, err, sizeof err);
    fz_check_err("input_read_vector", rc, err, sizeof err);
    fz_check_closed("input_read_vector");
    if (!is_vector && rc == 0)
        fz_fail("input_read_vector accepted a [%ld][%ld] matrix as a vector", dims[0], dims[1]);
    for (long i = 0; rc == 0 && i < n; i++)
        if (!isfinite(buf[i]))
            fz_fail("input_read_vector returned non-finite entry %ld", i);
    memset(err, 'x', sizeof err);
    rc = input_read_vector(spec, n + 1, buf, err, sizeof err);
    fz_check_err("input_read_vector", rc, err, sizeof err);
    fz_check_closed("input_read_vector");
    if (rc == 0)
        fz_fail("input_read_vector accepted %ld entries from a dataset of %ld", n + 1, n);

    /* as a matrix [N][d]: the whole of it, then rows 1.. (the block of a second rank) */
    if (nd == 2 && dims[0] >= 1 && dims[1] >= 1 && dims[1] <= INT_MAX) {
        const long N = dims[0];
        const int d = (int)dims[1];
        double *x = malloc((size_t)total * sizeof *x);
        if (!x)
            abort();
        memset(err, 'x', sizeof err);
        rc = input_read_matrix(spec, comm_world(), N, d, 0, N, x, err, sizeof err);
        fz_check_err("input_read_matrix", rc, err, sizeof err);
        fz_check_closed("input_read_matrix");
        for (long i = 0; rc == 0 && i < total; i++)
            if (!isfinite(x[i]))
                fz_fail("input_read_matrix returned non-finite entry %ld", i);
        if (N > 1) {
            memset(err, 'x', sizeof err);
            int r1 = input_read_matrix(spec, comm_world(), N, d, 1, N - 1, x + d, err, sizeof err);
            fz_check_err("input_read_matrix", r1, err, sizeof err);
            fz_check_closed("input_read_matrix");
            if (rc == 0 && r1 != 0)
                fz_fail("input_read_matrix read all rows but not rows 1..%ld: %s", N - 1, err);
        }
        memset(err, 'x', sizeof err);
        rc = input_read_matrix(spec, comm_world(), N + 1, d, 0, 0, NULL, err, sizeof err);
        fz_check_err("input_read_matrix", rc, err, sizeof err);
        fz_check_closed("input_read_matrix");
        if (rc == 0)
            fz_fail("input_read_matrix accepted N = %ld for a [%ld][%d] dataset", N + 1, N, d);
        free(x);
    }
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fz_path("input.h5");
    fz_write(path, data, size);
    one_dataset(path, "/x");
    one_dataset(path, "/g/x");
    return 0;
}
