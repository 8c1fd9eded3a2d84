/**
 * @file h5_guard.c
 * @brief Bounds checks on what HDF5 writes into rwpo's buffers, for the HDF5 fuzz targets.
 *
 * HDF5 is not compiled with AddressSanitizer, so when a file makes it write more than the caller's
 * buffer holds (a dataspace of higher rank than the dims array, an attribute with more elements
 * than the variable it is read into, a 2-D "vector"), the overflow goes unseen. The targets are
 * linked with -Wl,--wrap for the calls below: each wrapper lets HDF5 write into a scratch buffer
 * of the size the call implies (from the dataspaces and the memory type) and copies it into the
 * caller's buffer with an instrumented memcpy, so ASan reports an overflow at the rwpo call that
 * handed over too small a buffer. The copy in is made first, so untouched bytes keep their
 * values. Only references from rwpo's objects and the targets are wrapped; HDF5's own calls are
 * not.
 */
#include <hdf5.h>
#include <stdlib.h>
#include <string.h>

int __real_H5Sget_simple_extent_dims(hid_t space, hsize_t dims[], hsize_t maxdims[]);
herr_t __real_H5Aread(hid_t attr, hid_t mtype, void *buf);
herr_t __real_H5Dread(hid_t ds, hid_t mtype, hid_t mspace, hid_t fspace, hid_t dxpl, void *buf);

int __wrap_H5Sget_simple_extent_dims(hid_t space, hsize_t dims[], hsize_t maxdims[]);
herr_t __wrap_H5Aread(hid_t attr, hid_t mtype, void *buf);
herr_t __wrap_H5Dread(hid_t ds, hid_t mtype, hid_t mspace, hid_t fspace, hid_t dxpl, void *buf);

int __wrap_H5Sget_simple_extent_dims(hid_t space, hsize_t dims[], hsize_t maxdims[])
{
    hsize_t d[H5S_MAX_RANK], m[H5S_MAX_RANK];
    int r = __real_H5Sget_simple_extent_dims(space, d, m);
    if (r > 0) {
        if (dims)
            memcpy(dims, d, (size_t)r * sizeof *d);
        if (maxdims)
            memcpy(maxdims, m, (size_t)r * sizeof *m);
    }
    return r;
}

/** Bytes an element count of type mtype occupies in memory; 0 when unknown. */
static size_t bytes_of(hssize_t n, hid_t mtype)
{
    size_t t = H5Tget_size(mtype);
    if (n < 0 || t == 0)
        return 0;
    return (size_t)n * t;
}

/** Run `call_on` on a scratch copy of the caller's `need` bytes at buf (need 0, unknown, or
 *  above 256 MB: on buf itself). */
#define GUARDED(need, buf, call_on)                                                            \
    do {                                                                                       \
        size_t need_ = (need);                                                                 \
        if (need_ == 0 || need_ > ((size_t)1 << 28) || !(buf))                                 \
            return call_on(buf);                                                               \
        unsigned char *tmp_ = malloc(need_);                                                   \
        if (!tmp_)                                                                             \
            return call_on(buf);                                                               \
        memcpy(tmp_, (buf), need_); /* ASan: the caller's buffer holds need_ bytes */          \
        herr_t r_ = call_on(tmp_);                                                             \
        memcpy((buf), tmp_, need_);                                                            \
        free(tmp_);                                                                            \
        return r_;                                                                             \
    } while (0)

herr_t __wrap_H5Aread(hid_t attr, hid_t mtype, void *buf)
{
    hid_t sp = H5Aget_space(attr);
    hssize_t n = sp < 0 ? -1 : H5Sget_simple_extent_npoints(sp);
    if (sp >= 0)
        H5Sclose(sp);
#define CALL_A(b) __real_H5Aread(attr, mtype, (b))
    GUARDED(bytes_of(n, mtype), buf, CALL_A);
#undef CALL_A
}

herr_t __wrap_H5Dread(hid_t ds, hid_t mtype, hid_t mspace, hid_t fspace, hid_t dxpl, void *buf)
{
    /* the memory buffer spans the memory dataspace's extent; with H5S_ALL, the selection of the
     * file dataspace (or the whole dataset) */
    hssize_t n = -1;
    if (mspace != H5S_ALL) {
        n = H5Sget_simple_extent_npoints(mspace);
    } else if (fspace != H5S_ALL) {
        n = H5Sget_select_npoints(fspace);
    } else {
        hid_t sp = H5Dget_space(ds);
        n = sp < 0 ? -1 : H5Sget_simple_extent_npoints(sp);
        if (sp >= 0)
            H5Sclose(sp);
    }
#define CALL_D(b) __real_H5Dread(ds, mtype, mspace, fspace, dxpl, (b))
    GUARDED(bytes_of(n, mtype), buf, CALL_D);
#undef CALL_D
}
