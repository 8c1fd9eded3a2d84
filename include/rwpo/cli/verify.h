/**
 * @file verify.h
 * @brief `rwpo verify FILE...`: read back every frame of run files, their checkpoints and their
 *        continuation segments, and say which are intact (like `gmx check`).
 *
 * For each FILE given: the file itself, then its latest and previous checkpoints and its
 * segments (runfiles.h) that exist. Every frame is read back (probe_verify: positions under
 * HDF5's Fletcher32 checksum, finite values, step, time, each observable's row); a checkpoint's
 * particle data must also match its stored content hash. One line per file checked, on `out`:
 *   ok: FILE (K frames, layers a..b)            (plus "; no checksum: read back only" for a file
 *                                                written before run files had checksums)
 *   damaged: FILE: <where>                       (the first damaged frame, its layer, the dataset)
 * Serial (rank 0); read-only, takes no lock.
 */
#ifndef RWPO_VERIFY_H
#define RWPO_VERIFY_H

#include <stdio.h>

/**
 * Verify the files (see above), each file at most once.
 * @return 0 when every file checked is intact, 1 otherwise (a file missing or damaged)
 */
int verify_files(char *const *files, int n, FILE *out);

#endif /* RWPO_VERIFY_H */
