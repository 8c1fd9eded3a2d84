/**
 * @file sample_quality.c
 * @brief The sample-quality observables (see sample_quality.h).
 */
#include "rwpo/run/sample_quality.h"

#include <math.h>
#include <stdlib.h>

#include "rwpo/base/comm.h"
#include "rwpo/base/log.h"
#include "rwpo/io/input.h"

sample_quality *sample_quality_create(const rwpo_config *cfg, const problem *prob)
{
    if (!prob->ref && !cfg->flow_file[0] && !(cfg->flow_readout_lambda > 0))
        return NULL;
    sample_quality *s = xcalloc(1, sizeof *s);
    if (prob->ref) {
        s->q = quality_create((int)cfg->dim, cfg->n, prob->ref, prob->ref_local, prob->ref_rows,
                              prob->train, prob->train_local, prob->train_rows,
                              (int)cfg->quality_directions, (uint64_t)cfg->seed,
                              cfg->ring == RING_OVERLAP);
        s->training = prob->train != NULL;
    }
    s->readout = cfg->flow_readout_lambda > 0;
    double h, T;
    config_step(cfg, cfg->layers >= 1 ? cfg->layers : 1, &h, &T);
    s->readout_t = cfg->flow_readout_lambda * T;
    return s;
}

void sample_quality_destroy(sample_quality *s)
{
    if (!s)
        return;
    quality_destroy(s->q);
    free(s);
}

int sample_quality_list(const sample_quality *s, rwpo_observable *obs)
{
    if (!s)
        return 0;
    int n = 0;
    if (s->q) {
        obs[n++] = (rwpo_observable){"energy_distance", 1, &s->v.energy};
        obs[n++] = (rwpo_observable){"sliced_w2", 1, &s->v.sliced_w2};
        obs[n++] = (rwpo_observable){"mmd", 1, &s->v.mmd};
        obs[n++] = (rwpo_observable){"nn_reference", 4, s->v.nn_reference};
        if (s->training)
            obs[n++] = (rwpo_observable){"nn_training", 4, s->v.nn_training};
    }
    obs[n++] = (rwpo_observable){"zero_fractions", 3, s->zeros};
    if (s->readout)
        obs[n++] = (rwpo_observable){"readout_zeros", 1, &s->readout_zeros};
    return n;
}

void sample_quality_compute(sample_quality *s, const rwpo_config *cfg, const particles *p,
                            long layer)
{
    if (!s)
        return;
    double c[4] = {0, 0, 0, 0};
    quality_count_zeros(p->x, p->n_local, (int)p->dim, s->readout_t, c);
    comm_sum_double(c, 4);
    const double total = (double)p->n_global * (double)p->dim;
    for (int i = 0; i < 3; i++)
        s->zeros[i] = c[i] / total;
    s->readout_zeros = c[3] / total;
    if (!s->q)
        return;
    if (layer % cfg->quality_every == 0 || layer == cfg->layers) {
        quality_compute(s->q, p->x, p->n_local, &s->v);
        return;
    }
    s->v.energy = s->v.sliced_w2 = s->v.mmd = NAN;
    for (int i = 0; i < 4; i++)
        s->v.nn_reference[i] = s->v.nn_training[i] = NAN;
}

/* Rows of a samples dataset (0 if unset or unreadable). */
static double rows_of(const char *spec)
{
    int nd = 0;
    long dims[2] = {0, 0};
    char err[1024];
    return spec[0] && input_dataset_shape(spec, &nd, dims, err, sizeof err) == 0 ? (double)dims[0]
                                                                                 : 0.0;
}

double sample_quality_bytes(const rwpo_config *cfg, int n_ranks)
{
    if (!cfg->reference_file[0])
        return 0.0;
    const double P = n_ranks < 1 ? 1.0 : (double)n_ranks, d = (double)cfg->dim;
    const double N = (double)cfg->n, K = (double)cfg->quality_directions;
    const double R = rows_of(cfg->reference_file);
    const double M = cfg->problem != PROBLEM_LINEAR && cfg->problem != PROBLEM_LOGISTIC
                         ? rows_of(cfg->data_file)
                         : 0.0;
    const double big = N > R ? N : R;
    const double blocks = ceil(R / P) + ceil(M / P);
    /* the problem's blocks (quality borrows them) and the ring's two buffers */
    return 8.0 * (blocks * d + 2.0 * (ceil(N / P) + blocks) * d + K * d + K * (R + big) +
                  K + big + 2.0 * big);
}
