/**
 * @file blasinfo.h
 * @brief Which BLAS the program runs with, for `rwpo --version` (bug reports).
 */
#ifndef RWPO_BLASINFO_H
#define RWPO_BLASINFO_H

/**
 * The BLAS library's own description of itself at run time (OpenBLAS: version, build options,
 * the core type its kernels chose, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell
 * MAX_THREADS=64"). A static string owned by the library; serial, no side effects.
 */
const char *blasinfo_config(void);

#endif /* RWPO_BLASINFO_H */
