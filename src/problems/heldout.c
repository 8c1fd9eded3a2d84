/**
 * @file heldout.c
 * @brief Held-out and training samples, sharded by rows, and the flow model (see heldout.h).
 */
#include "rwpo/problems/heldout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rwpo/base/comm.h"
#include "rwpo/base/log.h"
#include "rwpo/core/particles.h"
#include "rwpo/io/input.h"
#include "rwpo/problems/data_target.h"
#include "rwpo/problems/otflow.h"

/* Rows of spec [rows][dim] of this rank into a new *x (collective; agreed). 0 or -1. */
static int read_block(const char *key, const char *spec, long dim, MPI_Comm comm, double **x,
                      long *rows, long *n_local, long *offset, char *err, size_t errlen)
{
    char sub[1536];
    int nd = 0, failed = 0;
    long dims[2] = {0, 0};
    if (!strstr(spec, ":/")) {
        snprintf(err, errlen, "[problem] %s = '%s': missing dataset (allowed: path.h5:/dataset)",
                 key, spec);
        failed = 1;
    } else if (input_dataset_shape(spec, &nd, dims, sub, sizeof sub) != 0) {
        snprintf(err, errlen, "[problem] %s = %s: %s", key, spec, sub);
        failed = 1;
    } else if (nd != 2 || dims[1] != dim || dims[0] < 2) {
        snprintf(err, errlen, "[problem] %s = %s: samples of shape [%ld][%ld], expected "
                 "[R][%ld] with R >= 2 rows (d = particles.dim)", key, spec, dims[0],
                 nd == 2 ? dims[1] : 1, dim);
        failed = 1;
    }
    if (comm_agree_error(comm, failed, err, errlen))
        return -1;
    *rows = dims[0];
    particles_shard(*rows, comm_size_of(comm), comm_rank_of(comm), n_local, offset);
    *x = xmalloc((size_t)(*n_local > 0 ? *n_local * dim : 1) * sizeof(double));
    const int rc = input_read_matrix(spec, comm, *rows, (int)dim, *offset, *n_local, *x, sub,
                                     sizeof sub);
    if (rc != 0)
        snprintf(err, errlen, "[problem] %s = %s: %s", key, spec, sub);
    return comm_agree_error(comm, rc != 0, err, errlen) ? -1 : 0;
}

problem *heldout_attach(problem *p, const rwpo_config *cfg, MPI_Comm comm, char *err,
                        size_t errlen)
{
    if (!p)
        return NULL;
    if (cfg->reference_file[0] &&
        read_block("reference_file", cfg->reference_file, cfg->dim, comm, &p->ref, &p->ref_rows,
                   &p->ref_local, &p->ref_offset, err, errlen) != 0)
        goto fail;
    /* the training samples serve only the sample-quality observables (a reference is set);
     * a data target has read them already: take its block instead of reading it again */
    const int samples = cfg->problem != PROBLEM_LINEAR && cfg->problem != PROBLEM_LOGISTIC;
    if (p->ref && p->data) {
        p->train_rows = data_target_samples(p->data);
        if (p->train_rows < 2) { /* the same on every rank */
            snprintf(err, errlen, "[problem] data_file = %s: samples of shape [%ld][%ld], "
                     "expected [R][%ld] with R >= 2 rows (d = particles.dim)", cfg->data_file,
                     p->train_rows, cfg->dim, cfg->dim);
            goto fail;
        }
        p->train = data_target_take_rows(p->data, &p->train_local, &p->train_offset);
    } else if (p->ref && samples && cfg->data_file[0] &&
               read_block("data_file", cfg->data_file, cfg->dim, comm, &p->train,
                          &p->train_rows, &p->train_local, &p->train_offset, err, errlen) != 0) {
        goto fail;
    }
    if (cfg->flow_file[0] && cfg->method == METHOD_RWPO_L1) {
        p->flow = otflow_open(cfg->flow_file, cfg->dim, err, errlen);
        if (comm_agree_error(comm, p->flow == NULL, err, errlen))
            goto fail;
    }
    return p;
fail:
    problem_destroy(p);
    return NULL;
}
