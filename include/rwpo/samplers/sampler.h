/**
 * @file sampler.h
 * @brief The sampler interface: what one method (sampler.method) does to the cloud per layer.
 *
 * A method is a constant table of operations (CoMD's force-kernel table): create its state for a
 * run, advance the cloud by one layer (iteration), report the values of its own observables,
 * save and restore what it keeps in checkpoints, destroy. The run (src/run/sim.c) owns the
 * particles, the problem and the output; the layer loop calls `layer` and knows nothing of the
 * method's phases. Each method lives in its own file in src/samplers/ and names its phases (timers)
 * with an X-macro there.
 *
 * Contract:
 *   - `layer` is collective; it reads and writes env->p (x is the state; y and g are scratch),
 *     returns 0, or 2 after printing (every rank the same) why it failed. The caller checks
 *     finiteness of x afterwards and advances the layer counter and the time.
 *   - Every random number is drawn from the counter-based generator keyed by (seed, stream,
 *     layer, particle id, coordinate), so a layer's result does not depend on the rank count and a
 *     restart is bitwise.
 *   - Own observables are width-1 doubles recorded after the cloud's moments, in table order;
 *     checkpoint values are named doubles stored as attributes of /checkpoint, plus at most
 *     one optional array (array_name).
 */
#ifndef RWPO_SAMPLER_H
#define RWPO_SAMPLER_H

#include "rwpo/base/config.h"
#include "rwpo/base/timers.h"
#include "rwpo/core/particles.h"
#include "rwpo/problems/problem.h"

/** Most own observables / checkpoint values of a method. */
#define SAMPLER_MAX_VALUES 4

/** What a method works on: owned by the run, valid for the method's lifetime. */
typedef struct {
    const rwpo_config *cfg;
    particles *p;     /**< the cloud (this rank's rows) */
    problem *prob;    /**< the smooth potential f */
    int rank, n_ranks;
    int quiet;        /**< benchmarks: no physics warnings */
    int force_running_max; /**< tests (rwpo_l1): the running-max softmax even where unneeded */
} sampler_env;

/** One method's operations (a constant table). */
typedef struct {
    const char *name;                  /**< the sampler.method value */
    const timer_phase *phases;         /**< its phase timers (TIMER_PHASE0 + i) */
    int n_phases;
    const char *const *obs_names;      /**< its own observables (width 1) */
    int n_obs;
    const char *const *ckpt_names;     /**< its values kept in checkpoints */
    int n_ckpt;
    /** Allocate the state for env (collective only if the method says so). NULL never. */
    void *(*create)(const sampler_env *env);
    /** Advance env->p->x from layer k - 1 to layer k with step h and proximal time T. */
    int (*layer)(void *state, const sampler_env *env, long k, double h, double T);
    /** Values of the own observables after the last layer (NaN before the first), [n_obs]. */
    void (*values)(const void *state, double *out);
    /** The values to keep in a checkpoint, [n_ckpt]. */
    void (*save)(const void *state, double *out);
    /** Restore from a checkpoint's values ([n_ckpt]) or, with NULL, from a frame of a run file. */
    void (*restore)(void *state, const double *in);
    /** Free; accepts NULL. */
    void (*destroy)(void *state);
    /** Optional (NULL for most methods): the name of one replicated array of doubles the method
     *  keeps in checkpoints beside its named values, stored as the dataset
     *  /checkpoint/sampler/<array_name> (rwpo_l1: "precondition", the factor of its metric). */
    const char *array_name;
    /** With array_name: its length now (the same on every rank; 0 = nothing to keep). */
    long (*array_len)(const void *state);
    /** With array_name: copy the array out, [array_len]. */
    void (*array_save)(const void *state, double *out);
    /** With array_name: restore it from a checkpoint, [array_len] (called before `restore`). */
    void (*array_restore)(void *state, const double *in);
    /** Bytes per rank its state will take with at most max_local rows on a rank (pure: sizes a
     *  run before it starts; see run/footprint.h). */
    double (*bytes)(const rwpo_config *cfg, long max_local, int n_ranks);
} sampler_method;

/** The method of a configuration (sampler.method). Never NULL for a validated configuration. */
const sampler_method *sampler_of(const rwpo_config *cfg);

#endif /* RWPO_SAMPLER_H */
