/**
 * @file sim.h
 * @brief The run: one root object that owns every module, and the layer (CoMD's timestep()).
 *
 * One layer k >= 1 (method.md, splitting form), with h, T from the schedule:
 *   drift:     y_i = x_i - h grad f(x_i)
 *   bias:      b_jk = key bias of y_jk (exact erfcx or moreau), packed with y into the ring block
 *   attention: A_i = sum_j softmax_j(z_ij) y_j over ALL particles, blocks passed around the ring
 *   update:    x_i = y_i + (h / (2T)) (S(y_i) - A_i),  S the soft threshold at lambda T
 * followed by a collective check that every particle is finite.
 */
#ifndef RWPO_SIM_H
#define RWPO_SIM_H

#include "rwpo/base/config.h"
#include "rwpo/core/attention.h"
#include "rwpo/core/particles.h"
#include "rwpo/core/ring.h"
#include "rwpo/io/h5md.h"
#include "rwpo/problems/problem.h"
#include "rwpo/run/observables.h"

typedef struct {
    rwpo_config cfg;     /**< resolved configuration (identical on every rank) */
    int rank, n_ranks;
    particles *p;
    problem *prob;
    ring *ring;
    observables *obs;
    h5md_file *out;      /**< NULL when running without output (tests) */
    attention_state att; /**< arrays below */
    double *att_m, *att_l, *att_o, *att_q;
    double *bias;        /**< [n_local * dim] key bias of the own rows */
    double *work;        /**< kernel scratch */
    long max_local;      /**< largest n_local over ranks (ring capacity) */
    long layer;          /**< last completed layer (0 = initial cloud) */
    long last_recorded;  /**< layer of the last observables computed */
    double time;         /**< sum of step sizes of completed layers */
    double neighbours;   /**< effective neighbours of the last layer (NaN before layer 1) */
    int warned_identity; /**< the degenerate-attention warning was given */
    int force_running_max; /**< tests: use the running max even when the fixed shift is safe */
    int segment;         /**< output segment: 0 the original file, k a continuation file */
    int record_restart_frame; /**< restarted into an empty file: record the restart layer */
} sim;

/**
 * Create the run (collective): particles (initial cloud from the generator or the init file),
 * problem, ring, observables, and the output file unless with_output is 0.
 * @return the run, or NULL with the reason printed by rank 0 and *exit_code set (1: bad input,
 *         2: I/O failure); every rank returns the same way.
 */
sim *sim_create(const rwpo_config *cfg, int with_output, int *exit_code);

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

/**
 * Whether `need` more bytes fit in the file `path` (free space of its file system, and the
 * process's file-size limit). Serial (rank 0 decides for everyone). 0, or -1 with the reason.
 */
int sim_check_space(const char *path, double need, char *err, size_t errlen);

/** Compute the observables of the current cloud without writing them (collective). */
void sim_observe(sim *s);

/** Compute observables and, if output is open, append the recorded layer (collective). 0 or 2. */
int sim_record(sim *s);

/** Whether layer k is recorded (layer 0, multiples of run.every, and the last layer). */
int sim_is_recorded(const sim *s, long k);

/**
 * Per-coordinate mean, population standard deviation and central 95% interval (lower = the r-th
 * smallest, upper = the r-th largest of the N values, r = max(1, ceil(0.025 N))) of the current
 * cloud, each [dim], identical on every rank. Exact order statistics by a distributed bisection
 * on the values' 64-bit order keys: no gathering, O(d) memory, at most 64 reductions of 2d
 * counts. Collective. Returns 0.
 */
int sim_posterior_compute(const sim *s, double *mean, double *std, double *lower, double *upper);

/**
 * End-of-run posterior summary (collective): sim_posterior_compute, then, if the output file is
 * open, /posterior/{mean,std,lower,upper} [d] and the problem's data and reference answers
 * (/problem/x_true, b, exact_mean, exact_cov, map, when the problem has them; datasets from an
 * earlier call are replaced), and a compact table printed by rank 0 on stdout.
 * @return 0, or 2 (every rank) if writing failed, after printing the reason.
 */
int sim_posterior_summary(sim *s);

#endif /* RWPO_SIM_H */
