/**
 * @file values.h
 * @brief Named values that cross layers as plain data: a resolved parameter (stored as an
 *        attribute of /parameters) and an observable (a row of doubles recorded per layer).
 *
 * Producers (the configuration, the observables, checkpoints) fill them; the run file (src/io)
 * writes them. Neither side owns the pointed-to strings or arrays.
 */
#ifndef RWPO_VALUES_H
#define RWPO_VALUES_H

/** One resolved parameter stored as an attribute of /parameters. */
typedef struct {
    const char *name; /**< "section.key" */
    char type;        /**< 'd' double, 'i' integer, 's' string */
    double d;
    long long i;
    const char *s;
} rwpo_param;

/** One observable: `width` doubles per recorded layer (width 1 is stored as [n_rec]). */
typedef struct {
    const char *name;
    int width;
    const double *value; /**< length width; only the writer rank's values are written */
} rwpo_observable;

#endif /* RWPO_VALUES_H */
