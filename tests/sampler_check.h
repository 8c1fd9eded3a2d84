/*
 * Helpers shared by the MPI Check suites of the samplers: a method's first own value, and the
 * bitwise-restart check (a reference run with a checkpoint at layer 4, then restarts from a
 * checkpoint or a run file's frame compared with it).
 */
#ifndef RWPO_TESTS_SAMPLER_CHECK_H
#define RWPO_TESTS_SAMPLER_CHECK_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rwpo/run/ckpt.h"
#include "rwpo/run/sim.h"

#include "mpi_check.h"

/* The method's first own value (pmala: acceptance) after the last layer. */
static inline double own_value(const sim *s)
{
    double v[SAMPLER_MAX_VALUES] = {0};
    s->method->values(s->method_state, v);
    return v[0];
}

/* The run of c with its output (frames every 2 layers), a checkpoint at layer 4; this rank's
 * final rows into *x_out and the final own value into *v_out. */
static inline void reference_run(const rwpo_config *c, double **x_out, double *v_out)
{
    int code = -1;
    sim *s = sim_create(c, &code);
    ck_assert_int_eq(all_ok(s != NULL), 1);
    int ok = sim_open_output(s, NULL) == 0 && sim_record(s) == 0;
    while (ok && s->layer < c->layers) {
        ok = sim_layer(s) == 0 && (!sim_is_recorded(s, s->layer) || sim_record(s) == 0);
        if (ok && s->layer == 4)
            ok = ckpt_write(s) == 0;
    }
    ck_assert_int_eq(all_ok(ok), 1);
    size_t bytes = (size_t)(s->p->n_local * s->p->dim) * sizeof(double);
    *x_out = malloc(bytes + 1);
    memcpy(*x_out, s->p->x, bytes);
    *v_out = s->method->n_obs ? own_value(s) : 0.0;
    sim_destroy(s);
}

/* Restart c (writing `output` in dir) from spec and run it to its end: the same rows and own
 * value. */
static inline int restart_same(const char *dir, const rwpo_config *base, const char *output,
                               const char *spec, const double *x, double v)
{
    rwpo_config c = *base;
    snprintf(c.output, sizeof c.output, "%s/%s", dir, output);
    int code = -1;
    sim *s = sim_create(&c, &code);
    ck_assert_int_eq(all_ok(s != NULL), 1);
    ckpt_source src = {0};
    ck_assert_int_eq(all_ok(ckpt_restore(s, spec, 0, &src) == CKPT_OK && s->layer == 4), 1);
    const sim_resume from = {src.path, spec, src.min_frames};
    int ok = sim_open_output(s, &from) == 0;
    while (ok && s->layer < c.layers)
        ok = sim_layer(s) == 0 && (!sim_is_recorded(s, s->layer) || sim_record(s) == 0);
    size_t bytes = (size_t)(s->p->n_local * s->p->dim) * sizeof(double);
    ok = ok && memcmp(s->p->x, x, bytes) == 0;
    if (s->method->n_obs)
        ok = ok && own_value(s) == v;
    sim_destroy(s);
    return all_ok(ok);
}

#endif /* RWPO_TESTS_SAMPLER_CHECK_H */
