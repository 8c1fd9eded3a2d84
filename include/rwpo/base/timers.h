/**
 * @file timers.h
 * @brief Phase timers (CoMD's performanceTimers): an X-macro list of names, min/avg/max over
 *        ranks in the report.
 */
#ifndef RWPO_TIMERS_H
#define RWPO_TIMERS_H

#include <stdio.h>

/* The run's own timers; a sampler names its phases (up to TIMER_MAX_PHASES) at creation, and
 * the report lists them after "layer", in the sampler's order. */
#define RWPO_TIMERS(X)                                                                          \
    X(total, "whole run")                                                                       \
    X(setup, "configuration, initial cloud, exact answers")                                    \
    X(layer, "layers (everything below)")                                                       \
    X(observables, "observables and metrics")                                                   \
    X(output, "HDF5 output")

#define TIMER_MAX_PHASES 8

typedef enum {
#define X(name, desc) TIMER_##name,
    RWPO_TIMERS(X)
#undef X
    TIMER_PHASE0, /**< first of the sampler's phase timers: TIMER_PHASE0 + i */
    TIMER_COUNT = TIMER_PHASE0 + TIMER_MAX_PHASES
} timer_id;

/** A phase timer's name and description (a sampler's table, usually from its own X-macro). */
typedef struct {
    const char *name;
    const char *desc;
} timer_phase;

/**
 * Name the phase timers TIMER_PHASE0 .. TIMER_PHASE0 + n - 1 (n <= TIMER_MAX_PHASES; the table
 * must outlive the report). Phases not named are not reported. Local.
 */
void timer_set_phases(const timer_phase *phases, int n);

/** The timer named `name` (a run timer or a named phase), or -1. */
int timer_find(const char *name);

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
