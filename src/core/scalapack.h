/**
 * @file scalapack.h
 * @brief Private prototypes of the BLACS and ScaLAPACK routines rwpo uses (the libraries ship no
 *        C header). Included by linalg.c only.
 *
 * BLACS C interface (Cblacs_*): arguments by value. ScaLAPACK/PBLAS Fortran symbols (trailing
 * underscore): every argument by pointer. The Fortran routines that take CHARACTER arguments
 * (pdpotrf_, pdpotrs_) get the hidden string lengths gfortran appends, as size_t, so that calls
 * are ABI-correct; PBLAS (pdgemm_) and PDGEMR2D are C and ignore them.
 */
#ifndef RWPO_SRC_SCALAPACK_H
#define RWPO_SRC_SCALAPACK_H

#include <mpi.h>
#include <stddef.h>

/* Array descriptor entries (ScaLAPACK's DESC_ layout, 0-based). */
enum { SL_DTYPE = 0, SL_CTXT, SL_M, SL_N, SL_MB, SL_NB, SL_RSRC, SL_CSRC, SL_LLD, SL_DLEN };

int Csys2blacs_handle(MPI_Comm comm);
void Cfree_blacs_system_handle(int handle);
void Cblacs_gridinit(int *context, const char *order, int nprow, int npcol);
void Cblacs_gridinfo(int context, int *nprow, int *npcol, int *myrow, int *mycol);
void Cblacs_gridexit(int context);

int numroc_(const int *n, const int *nb, const int *iproc, const int *isrcproc,
            const int *nprocs);
void descinit_(int *desc, const int *m, const int *n, const int *mb, const int *nb,
               const int *irsrc, const int *icsrc, const int *ictxt, const int *lld, int *info);

void pdgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k,
             const double *alpha, const double *a, const int *ia, const int *ja, const int *desca,
             const double *b, const int *ib, const int *jb, const int *descb, const double *beta,
             double *c, const int *ic, const int *jc, const int *descc);
void pdgemr2d_(const int *m, const int *n, const double *a, const int *ia, const int *ja,
               const int *desca, double *b, const int *ib, const int *jb, const int *descb,
               const int *ictxt);
void pdpotrf_(const char *uplo, const int *n, double *a, const int *ia, const int *ja,
              const int *desca, int *info, size_t uplo_len);
void pdpotrs_(const char *uplo, const int *n, const int *nrhs, const double *a, const int *ia,
              const int *ja, const int *desca, double *b, const int *ib, const int *jb,
              const int *descb, int *info, size_t uplo_len);

/* LAPACK (serial, replicated small systems): Cholesky of a symmetric positive definite matrix. */
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info,
             size_t uplo_len);

#endif /* RWPO_SRC_SCALAPACK_H */
