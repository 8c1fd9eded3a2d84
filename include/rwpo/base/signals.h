/**
 * @file signals.h
 * @brief Stop requests: SIGTERM, SIGUSR1 (what SLURM sends before the time limit) and SIGINT
 *        (Ctrl-C). Once the layers have begun (signals_defer) they set a flag that the layer loop
 *        reads: the run finishes its layer, checkpoints and exits with 3. Before that (start-up:
 *        MPI, configuration, setup; and every command other than run) the process ends at once
 *        with exit status SIGNALS_STARTUP_EXIT, nothing being there to save.
 *        And the batch job's end time, so the loop can warn when a run will not fit in it.
 */
#ifndef RWPO_SIGNALS_H
#define RWPO_SIGNALS_H

/** Exit status of a process stopped by a signal during start-up (the same as a stopped run). */
#define SIGNALS_STARTUP_EXIT 3

/**
 * Install the handlers (SIGTERM, SIGUSR1, SIGINT; SIGXFSZ ignored so a full file is an I/O
 * error). Call before MPI starts and again after (MPI may install its own).
 */
void signals_install(void);

/** This process's rank (only rank 0 prints the start-up message). */
void signals_set_rank(int rank);

/** The command is done with exit status `code` (MPI is being finalised): a signal now ends the
 * process quietly with that status (mpirun ends the other ranks when one exits non-zero). */
void signals_finishing(int code);

/** A file to remove when a signal ends the process during start-up (the output's lock); NULL or
 * "" for none. */
void signals_cleanup_file(const char *path);

/** From now on a signal is a stop request read between layers (the layer loop calls it). */
void signals_defer(void);

/** The signal received (0 if none). Async-signal-safe flag, read once per layer. */
int signals_pending(void);

/**
 * Seconds left in the batch job (SLURM_JOB_END_TIME, Unix seconds, minus now), or a negative
 * value when not known.
 */
double signals_job_seconds_left(void);

#endif /* RWPO_SIGNALS_H */
