/**
 * @file input.h
 * @brief Readers of user inputs given as "path.h5:/dataset" (initial particles, operators, data,
 *        truths of the inverse problems) and of the position frames of run and checkpoint files.
 *
 * A spec is split at its last ":/" (the file name may contain ':'). Every check names the file
 * and the dataset in a one-line message in err: no such file, not an HDF5 file, no such dataset
 * (naming the first missing component), not a dataset, wrong rank, type or shape, non-finite
 * values (naming the entry). The caller owns every buffer. Nothing is kept open between calls.
 * The matrix and frame readers are COLLECTIVE (the communicator is handed to HDF5's MPI-IO
 * driver; this module makes no MPI calls); the vector, shape, sample and whole-frame readers
 * are serial.
 * Part of the io layer (see h5md.h for its modules).
 */
#ifndef RWPO_INPUT_H
#define RWPO_INPUT_H

#include <mpi.h>
#include <stddef.h>

/**
 * Read rows [offset, offset + n_local) of a 2-D float dataset "path.h5:/dataset" of shape
 * [n_global][dim] into x (n_local * dim doubles, row-major; caller-owned). Collective: every rank
 * of comm calls it with its own row block (n_local may be 0, x then may be NULL). Checks the file
 * is HDF5, the dataset exists, is 2-D, floating point, of the expected shape and finite. The
 * finiteness check covers this rank's rows only, so only the ranks holding a non-finite value
 * return -1 for it: agree on the outcome with a reduction.
 * @return 0, or -1 with a one-line reason in err
 */
int input_read_matrix(const char *spec, MPI_Comm comm, long n_global, int dim, long offset,
                      long n_local, double *x, char *err, size_t errlen);

/**
 * Read this rank's rows [offset, offset + n_local) of frame `frame` (0-based record index) of the
 * positions /particles/cloud/position/value [frames][n_global][dim] of a run or checkpoint file
 * into x (caller-owned). Collective, as input_read_matrix; checksum errors and non-finite values
 * fail. @return 0, or -1 with a one-line reason in err
 */
int input_read_frame(const char *path, MPI_Comm comm, long frame, long n_global, int dim,
                     long offset, long n_local, double *x, char *err, size_t errlen);

/**
 * Shape of the dataset "path.h5:/dataset" (serial: any rank may call it; opens read-only).
 * @param ndims 1 or 2; dims[0], dims[1] (dims[1] = 1 for a vector)
 * @return 0, or -1 with a one-line reason (no file, not HDF5, no dataset, not numeric, > 2-D)
 */
int input_dataset_shape(const char *spec, int *ndims, long dims[2], char *err, size_t errlen);

/**
 * Read a whole vector dataset "path.h5:/dataset" of n entries (1-D, or 2-D with one dimension 1)
 * into out (n doubles, caller-owned). Serial: every rank that needs it reads it. Checks length
 * and finiteness (the message names the entry). @return 0, or -1 with a one-line reason.
 */
int input_read_vector(const char *spec, long n, double *out, char *err, size_t errlen);

/**
 * Read a whole 2-D floating-point dataset "path.h5:/dataset" of samples [M][d] (M, d >= 1;
 * rows are samples) into a new array *x (M * d doubles, row-major, malloc'ed: the caller frees
 * it). Serial (default driver, read-only). Checks the file, the dataset, its rank (2-D), type
 * (floating point), a non-empty shape and finiteness (naming the entry).
 * @return 0 with *m, *d, *x set, or -1 with a one-line reason in err (*x NULL)
 */
int input_read_samples(const char *spec, long *m, int *d, double **x, char *err, size_t errlen);

/**
 * Read all n_global rows of frame `frame` (0-based record index) of the positions
 * /particles/cloud/position/value [frames][n_global][dim] of a run or checkpoint file into x
 * (n_global * dim doubles, caller-owned). Serial (default driver, read-only): a reader such as
 * `rwpo compare` on one rank. Checksum errors and non-finite values fail.
 * @return 0, or -1 with a one-line reason in err
 */
int input_read_frame_all(const char *path, long frame, long n_global, int dim, double *x,
                         char *err, size_t errlen);

/**
 * Read the numeric attribute `name` (n values, any numeric type, read as doubles) of the object
 * (group or dataset) "path.h5:/object" into out (caller-owned). Serial (default driver,
 * read-only). Checks the file, the object, the attribute, its count and finiteness.
 * @return 0, or -1 with a one-line reason in err
 */
int input_read_attribute(const char *spec, const char *name, long n, double *out, char *err,
                         size_t errlen);

/**
 * Write samples x [m][d] (row-major) as a float64 dataset "path.h5:/dataset" (intermediate
 * groups are created): the file is created if it does not exist, else the dataset is added to
 * it. An existing dataset is refused unless overwrite (then it is replaced). Serial (default
 * driver): call it on one rank. @return 0, or -1 with a one-line reason in err (not an HDF5
 * file, dataset exists, cannot create or write).
 */
int input_write_samples(const char *spec, long m, int d, const double *x, int overwrite,
                        char *err, size_t errlen);

#endif /* RWPO_INPUT_H */
