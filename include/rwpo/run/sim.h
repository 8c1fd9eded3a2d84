/**
 * @file sim.h
 * @brief The run: one root object that owns every module (particles, problem, the sampler, the
 *        observables, the output file), and the layer (CoMD's timestep()).
 *
 * Lifecycle (src/cli/main.c): sim_create (no file is touched) -> a restart source is found and
 * loaded if asked for (ckpt.h) -> sim_open_output (create run.output, continue it, or start a new
 * segment) -> run_loop (run_loop.h) -> sim_destroy. sim_layer runs the method's layer
 * (samplers/sampler.h), then checks on every rank that every particle is finite.
 */
#ifndef RWPO_SIM_H
#define RWPO_SIM_H

#include <stddef.h>

#include "rwpo/base/config.h"
#include "rwpo/core/particles.h"
#include "rwpo/io/h5md.h"
#include "rwpo/problems/problem.h"
#include "rwpo/run/observables.h"
#include "rwpo/samplers/sampler.h"

typedef struct {
    rwpo_config cfg;     /**< resolved configuration (identical on every rank) */
    int rank, n_ranks;
    particles *p;
    problem *prob;
    const sampler_method *method; /**< sampler.method */
    void *method_state;  /**< the method's own state */
    sampler_env env;     /**< what the method works on (points into this struct) */
    observables *obs;
    h5md_file *out;      /**< NULL until sim_open_output, and in tests without output */
    long layer;          /**< last completed layer (0 = initial cloud) */
    long last_recorded;  /**< layer of the last observables computed */
    double time;         /**< sum of step sizes of completed layers */
    int segment;         /**< output segment: 0 the original file, k a continuation file */
    int record_restart_frame; /**< restarted into a file that lacks the restart layer's frame */
    char warning[512];   /**< sim_weights_warning's text ("" if none), stored in the output */
} sim;

/** |correlation| above which sim_weights_warning warns. */
#define SIM_WARN_CORRELATION 0.1
/** Largest d whose posterior correlation sim_weights_warning computes (the cost bound). */
#define SIM_WARN_MAX_DIM 1000

/**
 * The warning of sampler.method = rwpo_l1 with sampler.weights = coordinatewise on a problem
 * whose posterior is correlated (linear, logistic: problem_max_posterior_correlation above
 * SIM_WARN_CORRELATION): coordinatewise weights keep each coordinate's spread but not the
 * correlations, so the cloud is not a posterior sample. Coordinates are named from 1 (x1..xd).
 * Collective for `linear` (every rank calls it with the same configuration). When d exceeds
 * SIM_WARN_MAX_DIM nothing is computed and rank 0 logs a note.
 * @param buf gets the text (one line), or "" when there is nothing to warn about
 * @return 1 warned, 0 not
 */
int sim_weights_warning(const rwpo_config *cfg, problem *prob, char *buf, size_t len);

/**
 * Create the run (collective): particles (initial cloud from the generator or the init file),
 * problem, the sampler, observables. No file is created or opened for writing.
 * @return the run, or NULL with the reason printed and *exit_code set (1: bad input); every rank
 *         returns the same way.
 */
sim *sim_create(const rwpo_config *cfg, int *exit_code);

/** Where a restarted run's state came from (for sim_open_output). */
typedef struct {
    const char *source;  /**< the file the state was read from */
    const char *spec;    /**< what the user asked for ("auto", "FILE[:LAYER]") */
    long min_frames;     /**< frames run.output must still hold to be continued */
} sim_resume;

/**
 * Open the output (collective). Fresh (from = NULL): create run.output. Restarted: continue
 * run.output truncated to layer s->layer (it must hold at least from->min_frames frames), or,
 * when it cannot be continued, start the next free segment file STEM.segK.h5 (runfiles.h); the
 * provenance (restart layer, source, segment) goes to /parameters and the status to "running".
 * Every step that writes is preceded by sim_check_space; a file this call created and could not
 * complete (a new segment, a fresh run file) is removed, never left unreadable.
 * @return 0, or 2 (every rank: an I/O failure) after printing the reason.
 */
int sim_open_output(sim *s, const sim_resume *from);

/** Bytes of HDF5 metadata reserved for any write to a run file (attributes, flushes). */
#define SIM_METADATA_BYTES (256.0 * 1024.0)

/**
 * Whether `bytes` more fit in the file `path` (collective): rank 0 checks the free space and the
 * file-size limit (runfiles_check_space) and every rank gets its verdict, before a write that
 * could otherwise fail on some ranks only (which parallel HDF5 cannot recover from: ranks hang).
 * @param what names the write in the message, e.g. "layer 40: writing out.h5"
 * @return 0, or 1 on every rank after rank 0 printed "<what>: disk full: ..."
 */
int sim_check_space(const sim *s, const char *path, double bytes, const char *what);

/**
 * Create an rwpo file for this run at `path` (collective): parameters, resolved INI, the writer
 * rank set. flags: 0 or H5MD_CHECKSUM. NULL with the reason in err (this rank's view).
 */
h5md_file *sim_create_file(const sim *s, const char *path, int flags, char *err, size_t errlen);

/** Free everything in reverse order; accepts NULL. Collective when the output file is open. */
void sim_destroy(sim *s);

/**
 * Run layer s->layer + 1 (collective). Returns 0, or 2 after printing which layer and particle
 * went non-finite (every rank returns the same).
 */
int sim_layer(sim *s);

/** Compute the observables of the current cloud without writing them (collective). */
void sim_observe(sim *s);

/** Compute observables and, if output is open, append the recorded layer (collective). 0 or 2. */
int sim_record(sim *s);

/** Whether layer k is recorded (layer 0, multiples of run.every, and the last layer). */
int sim_is_recorded(const sim *s, long k);

#endif /* RWPO_SIM_H */
