/**
 * @file version.h
 * @brief `rwpo --version`: the program and the libraries it was built with and runs with.
 */
#ifndef RWPO_VERSION_H
#define RWPO_VERSION_H

#include <stdio.h>

/**
 * Print the version report on `out`. The first line is stable, `rwpo VERSION (GIT_REVISION)`
 * (scripts and tests parse it); then one indented line each for MPI (the library's own
 * MPI_Get_library_version), HDF5 (run-time version, parallel or not), ScaLAPACK (the version
 * pkg-config reported at build time: ScaLAPACK has no version call), BLAS (run time) and the
 * build (compiler, build type, kernel flags). Local: call it on one rank.
 */
void version_print(FILE *out);

#endif /* RWPO_VERSION_H */
