/**
 * @file version.c
 * @brief `rwpo --version` (see version.h): what a bug report needs to name the build.
 */
#include "rwpo/cli/version.h"

#include "rwpo_build.h"

#include "rwpo/base/comm.h"
#include "rwpo/core/blasinfo.h"
#include "rwpo/io/h5version.h"

void version_print(FILE *out)
{
    char mpi[1024], hdf5[256];
    comm_library_version(mpi, sizeof mpi);
    h5version_describe(hdf5, sizeof hdf5);
    fprintf(out, "rwpo %s (%s)\n", RWPO_VERSION, RWPO_GIT_REVISION);
    fprintf(out, "  MPI: %s\n", mpi);
    fprintf(out, "  HDF5: %s\n", hdf5);
    fprintf(out, "  ScaLAPACK: %s (pkg-config scalapack-openmpi at build time: ScaLAPACK has no "
            "version call)\n", RWPO_SCALAPACK_VERSION);
    fprintf(out, "  BLAS: %s\n", blasinfo_config());
    fprintf(out, "  build: %s, %s, kernels %s\n", RWPO_COMPILER, RWPO_BUILDTYPE,
            RWPO_KERNEL_NATIVE);
}
