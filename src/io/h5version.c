/**
 * @file h5version.c
 * @brief The HDF5 library's version for `rwpo --version` (see h5version.h).
 */
#include "rwpo/io/h5version.h"

#include <hdf5.h>
#include <stdio.h>

void h5version_describe(char *buf, size_t n)
{
    unsigned major = 0, minor = 0, release = 0;
    H5get_libversion(&major, &minor, &release);
#ifdef H5_HAVE_PARALLEL
    const char *kind = "parallel";
#else
    const char *kind = "serial";
#endif
    if (major == H5_VERS_MAJOR && minor == H5_VERS_MINOR && release == H5_VERS_RELEASE)
        snprintf(buf, n, "%u.%u.%u, %s", major, minor, release, kind);
    else
        snprintf(buf, n, "%u.%u.%u, %s (built against %d.%d.%d)", major, minor, release, kind,
                 H5_VERS_MAJOR, H5_VERS_MINOR, H5_VERS_RELEASE);
}
