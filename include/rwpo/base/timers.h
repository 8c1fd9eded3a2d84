/**
 * @file timers.h
 * @brief Phase timers (CoMD's performanceTimers): an X-macro list of names, min/avg/max over
 *        ranks in the report.
 */
#ifndef RWPO_TIMERS_H
#define RWPO_TIMERS_H

#include <stdio.h>

#define RWPO_TIMERS(X)                                                                          \
    X(total, "whole run")                                                                       \
    X(setup, "configuration, initial cloud, exact answers")                                    \
    X(layer, "layers (everything below)")                                                       \
    X(drift, "drift step y = x - h grad f(x)")                                                  \
    X(bias, "key bias and packing")                                                             \
    X(ring, "ring attention (kernel + communication)")                                          \
    X(ring_wait, "ring: waiting for communication")                                             \
    X(update, "shrinkage + attention update")                                                   \
    X(observables, "observables and metrics")                                                   \
    X(output, "HDF5 output")

typedef enum {
#define X(name, desc) TIMER_##name,
    RWPO_TIMERS(X)
#undef X
    TIMER_COUNT
} timer_id;

/** Start / stop a timer (accumulating). */
void timer_start(timer_id t);
void timer_stop(timer_id t);
/** Add seconds measured elsewhere (e.g. the ring's wait time). */
void timer_add(timer_id t, double seconds);
/** Accumulated seconds on this rank. */
double timer_seconds(timer_id t);
/** Reset all timers. */
void timer_reset(void);
/** Collective: print min/avg/max over ranks (rank 0 prints). */
void timer_report(FILE *out);

#endif /* RWPO_TIMERS_H */
