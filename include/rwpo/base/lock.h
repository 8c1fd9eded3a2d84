/**
 * @file lock.h
 * @brief One writer per output: an exclusive lock file next to run.output for a run's whole life.
 *
 * The lock is STEM.lock (runfiles.h), created with O_EXCL and holding one line
 * `host=H pid=P job=J started=T` (J is SLURM_JOB_ID, "-" outside SLURM). It is taken by rank 0
 * before anything of the run's is read or written, and removed on every exit path of the
 * command. A lock left by a process that no longer exists on this host, or by an earlier run of
 * the same SLURM job (a requeued job), is taken over with a warning; a lock of a live process, or
 * of another host, is refused naming its owner and how to remove it. Readers (info, summarize,
 * verify) never take it. Serial: rank 0 calls these functions and the caller agrees on the
 * outcome.
 */
#ifndef RWPO_LOCK_H
#define RWPO_LOCK_H

#include <stddef.h>

/** Outcome of lock_acquire. */
enum {
    LOCK_TAKEN = 0,   /**< the lock is ours */
    LOCK_STALE = 1,   /**< ours, after taking over a stale lock (warning in msg) */
    LOCK_HELD = -1,   /**< another writer owns the output (message in msg): bad usage, exit 1 */
    LOCK_FAILED = -2, /**< the lock file could not be created (I/O; message in msg) */
    LOCK_REFUSED = -3, /**< the output exists and is not a regular file (a FIFO, a device, a
                            directory): bad configuration, exit 1; nothing was opened */
};

/**
 * Take the lock of the output `output` (refused first, without opening anything, when the output
 * exists and is not a regular file). @param msg receives the warning (LOCK_STALE) or the
 * one-line reason (LOCK_HELD, LOCK_FAILED). @return one of the LOCK_* values.
 */
int lock_acquire(const char *output, char *msg, size_t msglen);

/** Remove the lock of `output` if this process holds it (idempotent). */
void lock_release(const char *output);

#endif /* RWPO_LOCK_H */
