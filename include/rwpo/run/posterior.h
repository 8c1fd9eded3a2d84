/**
 * @file posterior.h
 * @brief The posterior summary of a finished run: per-coordinate mean, standard deviation and
 *        central 95% interval of the cloud, stored in /posterior with the problem's reference
 *        answers, and printed as a table.
 */
#ifndef RWPO_POSTERIOR_H
#define RWPO_POSTERIOR_H

#include "rwpo/core/particles.h"
#include "rwpo/run/sim.h"

/**
 * Central 95% interval per coordinate: lower = the r-th smallest, upper = the r-th largest of the
 * N values, r = max(1, ceil(0.025 N)), each [dim], identical on every rank. Exact order
 * statistics by a distributed bisection on the values' 64-bit order keys: no gathering, O(d)
 * memory, at most 64 reductions of 2d counts. Collective.
 */
void posterior_interval(const particles *p, double *lower, double *upper);

/**
 * End-of-run summary (collective): the mean and std of the observables (computed for the current
 * layer if they are not), posterior_interval, then, if the output file is open,
 * /posterior/{mean,std,lower,upper} [d] and the problem's data and reference answers
 * (/problem/x_true, b, exact_mean, exact_cov, map, when the problem has them; datasets from an
 * earlier call are replaced), and a compact table printed by rank 0 on stdout.
 * @return 0, or 2 (every rank) if writing failed, after printing the reason.
 */
int posterior_summary(sim *s);

#endif /* RWPO_POSTERIOR_H */
