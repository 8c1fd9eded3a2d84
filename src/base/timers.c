/**
 * @file timers.c
 * @brief Phase timers (see timers.h).
 */
#include "rwpo/base/timers.h"

#include <string.h>

#include "rwpo/base/comm.h"

static const char *names[TIMER_COUNT] = {
#define X(name, desc) #name,
    RWPO_TIMERS(X)
#undef X
};
static const char *descs[TIMER_COUNT] = {
#define X(name, desc) desc,
    RWPO_TIMERS(X)
#undef X
};
static int n_phases;

static double acc[TIMER_COUNT];
static double started[TIMER_COUNT];

void timer_start(timer_id t) { started[t] = comm_wtime(); }
void timer_stop(timer_id t) { acc[t] += comm_wtime() - started[t]; }
void timer_add(timer_id t, double seconds) { acc[t] += seconds; }
double timer_seconds(timer_id t) { return acc[t]; }

void timer_set_phases(const timer_phase *phases, int n)
{
    n_phases = n < TIMER_MAX_PHASES ? n : TIMER_MAX_PHASES;
    for (int i = 0; i < TIMER_MAX_PHASES; i++) {
        names[TIMER_PHASE0 + i] = i < n_phases ? phases[i].name : NULL;
        descs[TIMER_PHASE0 + i] = i < n_phases ? phases[i].desc : NULL;
    }
}

int timer_find(const char *name)
{
    for (int t = 0; t < TIMER_COUNT; t++)
        if (names[t] && strcmp(names[t], name) == 0)
            return t;
    return -1;
}

/* Report order: the run's timers with the named phases after "layer". */
static int report_order(int *order)
{
    int n = 0;
    for (int t = 0; t < TIMER_PHASE0; t++) {
        order[n++] = t;
        if (t == TIMER_layer)
            for (int i = 0; i < n_phases; i++)
                order[n++] = TIMER_PHASE0 + i;
    }
    return n;
}

void timer_reset(void)
{
    for (int t = 0; t < TIMER_COUNT; t++)
        acc[t] = started[t] = 0.0;
}

void timer_report(FILE *out)
{
    double mn[TIMER_COUNT], mx[TIMER_COUNT], avg[TIMER_COUNT];
    for (int t = 0; t < TIMER_COUNT; t++)
        mn[t] = mx[t] = avg[t] = acc[t];
    comm_min_double(mn, TIMER_COUNT);
    comm_max_double(mx, TIMER_COUNT);
    comm_sum_double(avg, TIMER_COUNT);
    if (comm_rank() != 0)
        return;
    fprintf(out, "rwpo: timers over %d rank(s), seconds:\n", comm_size());
    fprintf(out, "  %-12s %10s %10s %10s  %s\n", "timer", "min", "avg", "max", "what");
    int order[TIMER_COUNT];
    const int n = report_order(order);
    for (int i = 0; i < n; i++) {
        const int t = order[i];
        fprintf(out, "  %-12s %10.4f %10.4f %10.4f  %s\n", names[t], mn[t],
                avg[t] / comm_size(), mx[t], descs[t]);
    }
    fflush(out);
}
