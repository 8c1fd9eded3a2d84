/**
 * @file h5version.h
 * @brief Which HDF5 the program runs with, for `rwpo --version` (bug reports).
 */
#ifndef RWPO_H5VERSION_H
#define RWPO_H5VERSION_H

#include <stddef.h>

/**
 * Describe the HDF5 library into buf (capacity n, always terminated): the version of the library
 * loaded at run time (H5get_libversion), whether the build is parallel (H5_HAVE_PARALLEL of the
 * headers compiled against) and, when it differs, the version of those headers, e.g.
 * "1.10.8, parallel". Local (no MPI, no file opened); HDF5 initialises itself if needed.
 */
void h5version_describe(char *buf, size_t n);

#endif /* RWPO_H5VERSION_H */
