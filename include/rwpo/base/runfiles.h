/**
 * @file runfiles.h
 * @brief The one place that knows the names of the files that belong to a run.
 *
 * For run.output = STEM.h5 (STEM is the output without a trailing ".h5"):
 *   STEM.ckpt.h5        the latest checkpoint
 *   STEM.ckpt.prev.h5   the checkpoint before it
 *   STEM.ckpt.tmp.h5    a checkpoint being written
 *   STEM.segK.h5        continuation segment K >= 1 (a damaged run file is not overwritten)
 *   STEM.lock           the writer's lock (lock.h)
 * Pure string functions: no I/O except runfiles_next_segment, which stats candidate names.
 */
#ifndef RWPO_RUNFILES_H
#define RWPO_RUNFILES_H

#include <stddef.h>

/** Largest segment number looked for or created. */
#define RUNFILES_MAX_SEGMENT 9999

/** STEM of an output path (without a trailing ".h5") into stem (capacity n). */
void runfiles_stem(const char *output, char *stem, size_t n);

/** The three checkpoint paths of an output file (each of capacity n; any may be NULL). */
void runfiles_checkpoints(const char *output, char *latest, char *prev, char *tmp, size_t n);

/** The name of continuation segment k >= 1 of an output file (capacity n). */
void runfiles_segment(const char *output, int k, char *path, size_t n);

/**
 * The first segment name that does not exist yet (stat), into path (capacity n).
 * @return its number k >= 1, or -1 when all RUNFILES_MAX_SEGMENT names are taken
 */
int runfiles_next_segment(const char *output, char *path, size_t n);

/** The lock file of an output file (capacity n). */
void runfiles_lock(const char *output, char *path, size_t n);

/**
 * The existing files of a run (output, latest and previous checkpoints, segments; not a
 * temporary checkpoint, which is overwritten by the next checkpoint) into names (up to max, each of
 * capacity n). @return how many exist.
 */
int runfiles_existing(const char *output, char (*names)[4096 + 64], int max);

/** Most backups kept of one file (NAME.bak1 .. NAME.bak99). */
#define RUNFILES_MAX_BACKUP 99

/**
 * Move every existing file of a run aside: NAME -> NAME.bakK, with K the first number free for
 * all of them (GROMACS keeps #NAME.K# the same way); nothing is deleted. Serial (rank 0).
 * @return K (>= 1), 0 when there was nothing to move, or -1 with the reason in err.
 */
int runfiles_backup(const char *output, char *err, size_t errlen);

/** Whether a file name is one of a run's checkpoint files (latest, previous or temporary). */
int runfiles_is_checkpoint(const char *name);

/**
 * Whether `need` more bytes fit in the file `path`: the free space of its file system and the
 * process's file-size limit (RLIMIT_FSIZE). Parallel HDF5 cannot recover from a write that fails
 * on some ranks only, so a full disk is caught before writing. Serial (one rank decides for
 * everyone). @return 0, or -1 with a one-line reason in err.
 */
int runfiles_check_space(const char *path, double need, char *err, size_t errlen);

/**
 * Whether `path` may be opened where a file is expected: it is a regular file (symbolic links
 * followed), or it does not exist and may_be_missing is set. A FIFO (opening it blocks), a
 * device, a socket or a directory is refused before anything opens it. Serial, no open.
 * @return 0, or -1 with "PATH: not a regular file (a FIFO)" or "PATH: no such file" in err
 */
int runfiles_check_regular(const char *path, int may_be_missing, char *err, size_t errlen);

#endif /* RWPO_RUNFILES_H */
