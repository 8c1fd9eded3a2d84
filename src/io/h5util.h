/**
 * @file h5util.h
 * @brief PRIVATE to src/io: the HDF5 helpers shared by the io modules (h5md.c, h5md_append.c,
 *        input.c, probe.c). Not installed, not included outside src/io (test_structure.sh).
 *
 * - Errors: h5util_fail writes the one-line "<file>:<obj>: <what> (HDF5: <reason>)" messages;
 *   H5UTIL_QUIETLY runs a call with HDF5's automatic error printing switched off (and restored
 *   after it): every public io function goes through it, so HDF5 never prints on its own.
 * - Writing: string types, attributes, groups and extendible datasets of the run file layout.
 * - Reading: string and numeric attributes, object paths, single rows, the step datasets.
 * Every helper is serial in itself; on a file opened with the MPI-IO driver the HDF5 calls they
 * make are collective, and the caller makes them on every rank. No MPI calls.
 */
#ifndef RWPO_SRC_H5UTIL_H
#define RWPO_SRC_H5UTIL_H

#include <hdf5.h>

#include <stddef.h>
#include <stdint.h>

#include "rwpo/base/values.h"

/** Capacity of the HDF5 reason appended to a message. */
enum { H5UTIL_REASON_LEN = 256 };

/* ---- errors -------------------------------------------------------------------------------- */

/** HDF5's automatic error printing as it was before h5util_quiet_begin. */
typedef struct {
    H5E_auto2_t func;
    void *data;
} h5util_quiet;

/** Switch HDF5's automatic error printing off; returns the previous state. */
h5util_quiet h5util_quiet_begin(void);
/** Restore the state saved by h5util_quiet_begin. */
void h5util_quiet_end(h5util_quiet q);

/** `result = call;` with HDF5's automatic error printing off during the call (the one way the
 *  public io functions silence HDF5). */
#define H5UTIL_QUIETLY(result, call)                                                           \
    do {                                                                                       \
        const h5util_quiet h5util_q_ = h5util_quiet_begin();                                   \
        (result) = (call);                                                                     \
        h5util_quiet_end(h5util_q_);                                                           \
    } while (0)

/** The innermost description on HDF5's error stack into reason (H5UTIL_REASON_LEN bytes; "" when
 *  the stack is empty): call straight after the failing HDF5 call, before any other. */
void h5util_reason(char *reason);

/**
 * Write a one-line message "<file>:<obj>: <what>" into err (NULL or 0 bytes: nothing); with h5
 * set, append the innermost description on HDF5's error stack (call straight after the failing
 * HDF5 call). Newlines become spaces.
 */
void h5util_fail(char *err, size_t errlen, const char *file, const char *obj, int h5,
                 const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/**
 * Check, before anything opens it, that path is a regular, non-empty file with the HDF5
 * signature: a FIFO, device or directory is refused without opening it (a FIFO would block).
 * @return 0, or -1 with "no such file", "not a regular file (a FIFO)", "empty file" or "not an
 *         HDF5 file" in err
 */
int h5util_check_file(const char *path, char *err, size_t errlen);

/**
 * Open an existing HDF5 file read-only with the default (serial) driver, after
 * h5util_check_file. @return the file, or -1 with the reason in err. The caller closes it.
 */
hid_t h5util_open_read(const char *path, char *err, size_t errlen);

/** Close any HDF5 identifier (negative: nothing to do). Returns negative on failure. */
herr_t h5util_close(hid_t id);

/** Close ids[0..n) in order, all of them (negative ones skipped). 0, or -1 if any close failed. */
int h5util_close_n(const hid_t *ids, size_t n);

/** h5util_close_n over a list of identifiers: H5UTIL_CLOSE(space, ds, file). */
#define H5UTIL_CLOSE(...)                                                                      \
    h5util_close_n((const hid_t[]){__VA_ARGS__},                                               \
                   sizeof((const hid_t[]){__VA_ARGS__}) / sizeof(hid_t))

/** malloc'ed copy of s, NULL when out of memory. */
char *h5util_dup_str(const char *s);

/* ---- writing ------------------------------------------------------------------------------- */

/** Fixed-length NUL-terminated ASCII string type of `size` bytes (>= 1); close it after use. */
hid_t h5util_str_type(size_t size);

/**
 * Create attribute `name` on loc with n elements (n = 0: scalar) of file type ftype, written from
 * buf as mtype. path and obj (the file and the object's path) only name things in messages.
 * @return 0, or -1 with the reason in err
 */
int h5util_attr_write(hid_t loc, const char *path, const char *obj, const char *name,
                      hid_t ftype, hid_t mtype, hsize_t n, const void *buf, char *err,
                      size_t errlen);

/** A scalar fixed-length string attribute (see h5util_attr_write). */
int h5util_attr_str(hid_t loc, const char *path, const char *obj, const char *name,
                    const char *value, char *err, size_t errlen);

/** A [n] attribute of fixed-length strings, all padded to the longest. */
int h5util_attr_str_array(hid_t loc, const char *path, const char *obj, const char *name,
                          const char *const *values, size_t n, char *err, size_t errlen);

/**
 * A parameter as an attribute named p->name: 'd' float64, 'i' int64, 's' string.
 * @return 0; -1 with the reason in err on an HDF5 failure; -2 (nothing in err) when p->type is
 *         none of these, which the caller words itself
 */
int h5util_attr_param(hid_t loc, const char *path, const char *obj, const rwpo_param *p,
                      char *err, size_t errlen);

/**
 * Create group `name` under loc (obj is its full path, for messages); with track_order its
 * links and attributes keep their creation order. @return the group (caller closes) or -1.
 */
hid_t h5util_group_create(hid_t loc, const char *name, const char *path, const char *obj,
                          int track_order, char *err, size_t errlen);

/**
 * Create an extendible dataset [0][tail...] (maxdims [unlimited][tail...]) of type ftype, chunked
 * as chunk[], without fill value, with the Fletcher32 filter when fletcher32 is set. rank (1..3)
 * counts the first dimension. @return the dataset (caller closes) or -1.
 */
hid_t h5util_dataset_create_ext(hid_t loc, const char *name, const char *path, const char *obj,
                                hid_t ftype, int rank, const hsize_t *tail, const hsize_t *chunk,
                                int fletcher32, char *err, size_t errlen);

/* ---- reading (independent reads; no messages) ---------------------------------------------- */

/** Whether dataset ds carries HDF5's Fletcher32 checksum filter: 1, 0, or -1 if unknown. */
int h5util_has_checksum(hid_t ds);

/** Scalar string attribute (fixed or variable length) as a malloc'ed string, NULL if not one. */
char *h5util_attr_read_str(hid_t attr);

/** String attribute `name` of the object at path `obj`, malloc'ed; NULL if missing. */
char *h5util_attr_get_str(hid_t file, const char *obj, const char *name);

/** Numeric attribute `name` of the object at path `obj`, read as mtype into v. 0, or -1. */
int h5util_attr_get_num(hid_t file, const char *obj, const char *name, hid_t mtype, void *v);

/**
 * Whether every component of the object path exists (1), or not (0: the first missing prefix
 * goes to `missing`); a component under a non-group counts as missing. -1: out of memory.
 */
int h5util_path_exists(hid_t file, const char *obj, char *missing, size_t mlen);

/**
 * The names of the links of group g, in creation order when the group tracks it, else by name,
 * into a malloc'ed array of *n malloc'ed strings (free with h5util_free_names). 0, or -1.
 */
int h5util_list_names(hid_t g, char ***names, int *n);

/** Free what h5util_list_names returned. */
void h5util_free_names(char **names, int n);

/** Read element [i] (1-D) or row [i] (2-D) of ds as mtype into buf, which holds cap elements
 * (a wider row is refused, not written past buf). 0, or -1. */
int h5util_read_row(hid_t ds, hsize_t i, hid_t mtype, void *buf, hsize_t cap);


/** A whole 1-D step dataset as a malloc'ed int64 array of *len entries, NULL if unreadable. */
long long *h5util_read_steps(hid_t ds, hsize_t *len);

/**
 * Frames to keep of n recorded steps: the leading ones <= keep_step. -1 when the steps are not
 * strictly increasing.
 */
long h5util_frames_upto(const long long *steps, hsize_t n, int64_t keep_step);

#endif /* RWPO_SRC_H5UTIL_H */
