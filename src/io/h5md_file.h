/**
 * @file h5md_file.h
 * @brief PRIVATE to src/io: the run-file handle behind the opaque h5md_file, shared by h5md.c
 *        (create, write, close) and h5md_append.c (reopen to continue a run).
 */
#ifndef RWPO_SRC_H5MD_FILE_H
#define RWPO_SRC_H5MD_FILE_H

#include <mpi.h>

#include "h5util.h"
#include "rwpo/io/h5md.h"

/** One observable's datasets (created at the first h5md_write_observables). */
typedef struct {
    char *name;
    int width;
    hid_t value, step, time;
} h5md_obs_ds;

struct h5md_file {
    hid_t file;
    hid_t dxpl;          /* collective transfer property list */
    hid_t params;        /* /parameters group (status is rewritten there) */
    hid_t pos_value, pos_step, pos_time;
    char *path;          /* for error messages */
    long n_global;       /* N */
    int dim;             /* d */
    int writer;          /* -1 unset, 0 or 1: this rank writes the observables */
    hsize_t n_rec;       /* position layers written */
    int obs_created;     /* the observable datasets exist */
    h5md_obs_ds *obs;    /* n_obs entries */
    int n_obs;
    hsize_t n_rec_obs;   /* observable layers written */
    int flags;           /* H5MD_CHECKSUM: Fletcher32 on the positions */
    long long last_step; /* step of the last position frame (-1: none) */
};

/** A new handle with nothing open (NULL with the reason on allocation failure). Local. */
h5md_file *h5md_file_new(const char *path, long n_global, int dim, char *err, size_t errlen);

/**
 * Create (create != 0, truncating) or open read-write the file of f with the MPI-IO driver on
 * comm, and make the collective transfer list. Collective. 0 or -1 with the reason.
 */
int h5md_file_open(h5md_file *f, MPI_Comm comm, int create, char *err, size_t errlen);

/** Flush the whole file (collective). 0 or -1 with the reason. */
int h5md_file_flush(const h5md_file *f, char *err, size_t errlen);

#endif /* RWPO_SRC_H5MD_FILE_H */
