/**
 * @file sample_quality.h
 * @brief The sample-quality observables of generative runs (recorded after the problem's
 *        metrics, see observables.h):
 *
 *   energy_distance, sliced_w2, mmd     against problem.reference_file (core/quality.h)
 *   nn_reference [4], nn_training [4]   nearest-distance quantiles (core/quality.h;
 *                                       nn_training only with training samples)
 *       these at the recorded layers that are multiples of problem.quality_every and at the
 *       last layer; NaN at the other recorded layers
 *   zero_fractions [3]                  fractions of the N d coordinates that are exactly 0,
 *                                       below 1e-2 and below 5e-2 in absolute value
 *   readout_zeros                       flow.readout_lambda > 0: fraction of exact zeros of
 *                                       the read-out S_{lambda_out T}(x) (|x| <= lambda_out T,
 *                                       T the proximal time of the last layer); the cloud is
 *                                       not changed
 * zero_fractions is recorded whenever one of problem.reference_file, flow.file or
 * flow.readout_lambda is set; nothing at all otherwise (existing runs are unchanged).
 */
#ifndef RWPO_SAMPLE_QUALITY_H
#define RWPO_SAMPLE_QUALITY_H

#include "rwpo/base/config.h"
#include "rwpo/base/values.h"
#include "rwpo/core/particles.h"
#include "rwpo/core/quality.h"
#include "rwpo/problems/problem.h"

/** Most observables it adds. */
#define SAMPLE_QUALITY_MAX_OBS 7

typedef struct {
    quality *q;            /**< NULL without a reference */
    int training;          /**< nn_training is recorded */
    int readout;           /**< readout_zeros is recorded */
    double readout_t;      /**< its threshold lambda_out T */
    quality_values v;
    double zeros[3], readout_zeros;
} sample_quality;

/**
 * Create for a configuration and its problem (collective when the problem holds a reference:
 * core/quality.h prepares it). @return NULL when nothing is to be recorded.
 */
sample_quality *sample_quality_create(const rwpo_config *cfg, const problem *prob);

/** Free; accepts NULL. */
void sample_quality_destroy(sample_quality *s);

/** Its observables (names, widths, value pointers) into obs; returns how many (0 for NULL). */
int sample_quality_list(const sample_quality *s, rwpo_observable *obs);

/** Compute the values for the cloud at `layer` (collective; nothing for NULL). */
void sample_quality_compute(sample_quality *s, const rwpo_config *cfg, const particles *p,
                            long layer);

/**
 * Bytes per rank of the sample-quality observables on n_ranks ranks (0 without a reference): the
 * problem's and the statistics' copies of the reference and training blocks, the ring's two
 * blocks, the slices (K (R + max(N, R))) and the gathered distances. Serial (reads the shapes of
 * the datasets; an unreadable one counts as empty: the run refuses it later).
 */
double sample_quality_bytes(const rwpo_config *cfg, int n_ranks);

#endif /* RWPO_SAMPLE_QUALITY_H */
