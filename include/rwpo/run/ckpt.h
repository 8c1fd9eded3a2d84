/**
 * @file ckpt.h
 * @brief Checkpoints and restart: nothing lost, bit-for-bit continuation.
 *
 * A checkpoint is a one-frame rwpo file (same layout as a run file, positions under a Fletcher32
 * checksum) with a /checkpoint group: format = "rwpo-checkpoint", format_version, layer, time,
 * trajectory_frames (frames of the run file at that layer), config_hash (physics keys),
 * content_hash (of the particle data, independent of the rank count), ranks, program_version.
 *
 * Files, for run.output = STEM.h5: STEM.ckpt.h5 (latest), STEM.ckpt.prev.h5 (the one before),
 * STEM.ckpt.tmp.h5 (being written). Writing: the temporary file is written collectively,
 * flushed and closed, fsynced, the latest is renamed to .prev, the temporary renamed to the latest,
 * and the directory fsynced: a crash at any instant leaves at least one complete checkpoint.
 *
 * Restart sources: a checkpoint, or any recorded layer of a run file ("FILE:LAYER"; the last
 * one without ":LAYER"), or "auto" (the latest valid checkpoint of run.output, falling back to the
 * previous one; a fresh start when there is none). A damaged checkpoint (truncated, bad checksum,
 * unreadable) falls back to the previous one with a warning; a checkpoint of another program or
 * format version, or of another N or d, is refused; one whose physics keys differ is refused,
 * naming them, unless the override is given.
 */
#ifndef RWPO_CKPT_H
#define RWPO_CKPT_H

#include <stddef.h>

#include "rwpo/base/config.h"
#include "rwpo/run/sim.h"

#define CKPT_FORMAT "rwpo-checkpoint"
#define CKPT_FORMAT_VERSION 1

/** The restart source chosen by ckpt_restart. */
typedef struct {
    char path[CONFIG_STR]; /**< file read */
    long frame;            /**< record index in that file */
    long layer;            /**< layer of the state */
    int is_checkpoint;
    long traj_frames;      /**< checkpoint: frames of the run file at that layer; else -1 */
    double neighbours;     /**< checkpoint: effective neighbours of its layer (observable) */
} ckpt_source;

/** Outcome of ckpt_restart. */
enum { CKPT_OK = 0, CKPT_BAD = 1, CKPT_NONE = 2, CKPT_DONE = 3 };

/**
 * Restart `s` (created without output) from `spec` ("auto", "FILE" or "FILE:LAYER"): choose and
 * validate the source (rank 0), read this rank's particles (collective), verify the content hash,
 * set s->layer and s->time, and reopen or create the output (continuing run.output truncated to
 * the restart layer, or a new segment file when it is damaged). Collective.
 * @param allow_physics accept a source whose physics keys differ (named in a warning)
 * @return CKPT_OK; CKPT_BAD (message printed; exit 1); CKPT_NONE (auto found nothing: start
 *         fresh); CKPT_DONE (auto: run.output is already complete up to run.layers)
 */
int ckpt_restart(sim *s, const char *spec, int allow_physics);

/**
 * Write a checkpoint of the run's current layer (collective). Returns 0, or -1 after printing
 * the reason (every rank returns the same; the previous checkpoints are untouched).
 */
int ckpt_write(sim *s);

/** Seconds the last ckpt_write took (for the wall-time budget). */
double ckpt_last_seconds(void);

#endif /* RWPO_CKPT_H */
