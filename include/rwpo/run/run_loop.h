/**
 * @file run_loop.h
 * @brief The run's lifecycle after setup (CoMD's main loop): the first frame, the layers with
 *        their output, progress, the stop vote and checkpoints, and the end of the run.
 *
 *   run_prolog   banner; record layer 0 (or the restart layer if the output lacks it); end of
 *                the setup timer
 *   run_loop     per layer: sim_layer, record it if due (if that fails, a rescue checkpoint of the
 *                good state), progress line, the stop vote (signal, wall-time budget, stop file:
 *                one reduction), a checkpoint every run.checkpoint_every layers and when stopping
 *   run_epilog   posterior summary of a finished run, the file's status (complete, stopped,
 *                failed), the continue-with hint of a stopped run, final observables, timers
 * All three are collective and every rank returns the same exit status.
 */
#ifndef RWPO_RUN_LOOP_H
#define RWPO_RUN_LOOP_H

#include "rwpo/run/sim.h"

/** What the loop needs from the command line. */
typedef struct {
    double t_program;        /**< comm_wtime() at program start (for run.wall_time) */
    const char *config_file; /**< the configuration file (for the continue-with hint) */
    long sweep_point;        /**< --sweep-index point, or -1 */
} run_opts;

/** Why a run stopped early (run_loop), or RUN_NOT_STOPPED. */
typedef enum {
    RUN_NOT_STOPPED = -1,
    RUN_STOP_SIGNAL = 0,
    RUN_STOP_WALL_TIME = 1,
    RUN_STOP_FILE = 2,
    RUN_N_STOP = 3
} run_stop;

/** Banner and the first recorded frame; stops TIMER_setup. @return 0 or 2. */
int run_prolog(sim *s);

/**
 * The layers s->layer + 1 .. run.layers (collective). *why is set when the run stops early on
 * request (with a checkpoint written).
 * @return 0 (done or stopped), or 2 (a layer, its output or a checkpoint failed; printed)
 */
int run_loop(sim *s, const run_opts *o, run_stop *why);

/**
 * The end of the run (collective): given the loop's status and stop reason, write the posterior
 * summary (finished runs), the status attribute, the final report and the timers.
 * @return the exit status: 0 done, 2 failure, 3 stopped early with a checkpoint
 */
int run_epilog(sim *s, const run_opts *o, int code, run_stop why);

#endif /* RWPO_RUN_LOOP_H */
