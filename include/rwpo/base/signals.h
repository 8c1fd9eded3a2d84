/**
 * @file signals.h
 * @brief Stop requests: SIGTERM and SIGUSR1 (what SLURM sends before the time limit) set a flag
 *        that the layer loop reads; the run finishes its layer, checkpoints and exits with 3.
 *        And the batch job's end time, so the loop can warn when a run will not fit in it.
 */
#ifndef RWPO_SIGNALS_H
#define RWPO_SIGNALS_H

/** Install the handlers (SIGTERM, SIGUSR1; SIGXFSZ ignored so a full file is an I/O error). */
void signals_install(void);

/** The signal received (0 if none). Async-signal-safe flag, read once per layer. */
int signals_pending(void);

/**
 * Seconds left in the batch job (SLURM_JOB_END_TIME, Unix seconds, minus now), or a negative
 * value when not known.
 */
double signals_job_seconds_left(void);

#endif /* RWPO_SIGNALS_H */
