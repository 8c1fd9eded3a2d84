/**
 * @file ckpt.h
 * @brief Checkpoints and restart: nothing lost, bit-for-bit continuation.
 *
 * A checkpoint is a one-frame rwpo file (same layout as a run file, positions under a Fletcher32
 * checksum) with a /checkpoint group: format = "rwpo-checkpoint", format_version, layer, time,
 * trajectory_frames (frames of the run file at that layer), config_hash (physics keys),
 * content_hash (of the particle data, independent of the rank count), ranks, the sampler's own
 * values (sampler_method.ckpt_names, e.g. neighbours), program_version.
 *
 * Files (runfiles.h), for run.output = STEM.h5: STEM.ckpt.h5 (latest), STEM.ckpt.prev.h5 (the
 * one before), STEM.ckpt.tmp.h5 (being written). Writing: the temporary file is written collectively,
 * flushed and closed, fsynced, the latest is renamed to .prev, the temporary renamed to the latest,
 * and the directory fsynced: a crash at any instant leaves at least one complete checkpoint.
 *
 * Restart sources: a checkpoint, or any recorded layer of a run file ("FILE:LAYER"; the last
 * one without ":LAYER"), or "auto" (the latest valid checkpoint of run.output, falling back to the
 * previous one; a fresh start when there is none). A damaged checkpoint (truncated, bad checksum,
 * unreadable) falls back to the previous one with a warning; a checkpoint of another program or
 * format version, or of another N or d, is refused; one whose physics keys differ is refused,
 * naming them, unless the override is given. A run file's frame is read back (probe_verify:
 * Fletcher32 checksums, finite values, its observables) before it is used: a damaged frame is
 * refused, or, for auto, gives way to the newest intact frame or checkpoint (with a warning).
 */
#ifndef RWPO_CKPT_H
#define RWPO_CKPT_H

#include <stddef.h>

#include "rwpo/base/config.h"
#include "rwpo/run/sim.h"
#include "rwpo/samplers/sampler.h"

#define CKPT_FORMAT "rwpo-checkpoint"
#define CKPT_FORMAT_VERSION 1

/** The restart source chosen by ckpt_restore. */
typedef struct {
    char path[CONFIG_STR]; /**< file read */
    long frame;            /**< record index in that file */
    long layer;            /**< layer of the state */
    int is_checkpoint;
    long traj_frames;      /**< checkpoint: frames of the run file at that layer; else -1 */
    long min_frames;       /**< frames run.output must hold to be continued (sim_resume) */
    double values[SAMPLER_MAX_VALUES]; /**< checkpoint: the sampler's own values */
} ckpt_source;

/** Outcome of ckpt_restore. */
enum { CKPT_OK = 0, CKPT_BAD = 1, CKPT_NONE = 2, CKPT_DONE = 3 };

/**
 * Find the restart source of `spec` ("auto", "FILE" or "FILE:LAYER") and load it into `s`
 * (collective), before any output is created: choose and validate the candidates (rank 0),
 * read this rank's particles, verify the content hash, fall back from a damaged latest
 * checkpoint to the previous one; set s->layer, s->time and the sampler's own state. The output
 * is left alone: open it with sim_open_output (src->path, src->min_frames).
 * @param allow_physics accept a source whose physics keys differ (named in a warning)
 * @return CKPT_OK (src filled); CKPT_BAD (message printed; exit 1); CKPT_NONE (auto found no
 *         checkpoint: start fresh; s untouched); CKPT_DONE (auto: run.output is already complete
 *         up to run.layers)
 */
int ckpt_restore(sim *s, const char *spec, int allow_physics, ckpt_source *src);

/**
 * Write a checkpoint of the run's current layer (collective). Returns 0, or -1 after printing
 * the reason (every rank returns the same; the previous checkpoints are untouched).
 */
int ckpt_write(sim *s);

/**
 * The content hash of rows [offset, offset + n) of a particle array (n * dim doubles, row-major):
 * the sum over rows of FNV-1a(global row id, row bytes), modulo 2^64. The sum over all rows,
 * taken in any blocks on any ranks, is the checkpoint's content_hash. Local (no communication).
 */
unsigned long long ckpt_rows_hash(long offset, long n, long dim, const double *x);

/** Seconds the last ckpt_write took (for the wall-time budget). */
double ckpt_last_seconds(void);

#endif /* RWPO_CKPT_H */
