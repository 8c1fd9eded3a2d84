/**
 * @file linalg.c
 * @brief The distributed forward operator and its linear algebra (see linalg.h).
 *
 * Storage: ScaLAPACK local arrays are column-major with leading dimension lld. A global index g
 * of a dimension split in blocks of nb over np processes lives on process (g / nb) % np at local
 * index (g / (nb np)) nb + g % nb; local l of process p is global ((l / nb) np + p) nb + l % nb.
 *
 * Contexts (all over the same communicator, from one Csys2blacs_handle):
 *   ctx2  pr x pc, row-major order: the operator A, the particles X', R', G' during a product,
 *         and the d x d systems of the reference answers
 *   ctx1  1 x P: the particle layout (rank r = process column r); also the context PDGEMR2D
 *         runs in (it contains every process)
 * Reductions of replicated vectors (matrix-vector products, f values, gathering a distributed
 * result everywhere) sum zero-padded full-length vectors with comm_sum_double_on: each local
 * entry is held by exactly one process, so the sum assembles the global vector.
 */
#include "rwpo/core/linalg.h"

#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rwpo/base/comm.h"
#include "rwpo/base/log.h"
#include "scalapack.h"

struct linalg {
    MPI_Comm comm;
    int P, rank;
    int sys;               /* BLACS system handle of comm */
    int ctx2, ctx1;        /* pr x pc and 1 x P grids */
    int pr, pc, myrow, mycol;
    int m, d, nb;
    int distributed;       /* the gradient path */
    /* A on the 2-D grid (always kept: the reference answers use it) */
    int mloc, dloc;
    int descA[SL_DLEN];
    double *A;             /* [lldA * dloc] column-major */
    /* A replicated (replicated layout only), row-major [m][d] */
    double *Afull;
    double *b;             /* [m] replicated */
    double sigma;
    /* particle products */
    int MB, Mpad;          /* particle block MB = ceil(N/P), padded count P*MB */
    int descXp[SL_DLEN], descX2[SL_DLEN], descR2[SL_DLEN];
    double *Xp, *Gp;       /* [d * MB]: X' / G' in the 1 x P layout (= row-major particle rows) */
    double *X2, *R2, *G2;  /* X', R', G' on the 2-D grid */
    int x2r, x2c, r2r;     /* local rows/cols of X2 (= G2) and rows of R2 (cols = x2c) */
    double *fbuf;          /* [Mpad] f values being assembled */
    double *R;             /* replicated path: [MB * m] residuals */
    /* matrix-vector scratch */
    double *vl, *wl;       /* packed local vectors [max(mloc, dloc)] */
    long bytes;
};

static int numroc(int n, int nb, int p, int np)
{
    const int zero = 0;
    return numroc_(&n, &nb, &p, &zero, &np);
}

static long l2g(long l, int nb, int p, int np) { return ((l / nb) * np + p) * nb + l % nb; }

static int imax(int a, int b) { return a > b ? a : b; }

static int desc(int *dsc, int m, int n, int mb, int nb, int ctx, int lld)
{
    const int zero = 0;
    int info = 0;
    lld = imax(1, lld);
    descinit_(dsc, &m, &n, &mb, &nb, &zero, &zero, &ctx, &lld, &info);
    return info;
}

static void pdgemm(const char *ta, const char *tb, int m, int n, int k, double alpha,
                   const double *a, const int *da, const double *b, const int *db, double beta,
                   double *c, const int *dc)
{
    const int one = 1;
    pdgemm_(ta, tb, &m, &n, &k, &alpha, a, &one, &one, da, b, &one, &one, db, &beta, c, &one,
            &one, dc);
}

static void redistribute(const linalg *la, int m, int n, const double *a, const int *da,
                         double *b, const int *db)
{
    const int one = 1;
    pdgemr2d_(&m, &n, a, &one, &one, da, b, &one, &one, db, &la->ctx1);
}

/* Bytes of the two layouts for the choice of `auto`. */
static void layout_bytes(long m, long d, long MB, int P, int pr, int pc, long nb, long *repl,
                         long *dist)
{
    (void)nb;
    const long Mpad = MB * P;
    const double a_loc = (double)m * (double)d / P;
    const double x2 = (double)d * (double)Mpad / P, r2 = (double)m * (double)Mpad / P;
    *repl = (long)(8.0 * ((double)m * (double)d + (double)MB * (double)m + a_loc));
    *dist = (long)(8.0 * (a_loc + 2.0 * (double)d * (double)MB + 2.0 * x2 + r2 + (double)Mpad));
    (void)pr;
    (void)pc;
}

double linalg_estimate_bytes(long m, long d, long n_particles, int n_ranks,
                             const linalg_options *opt)
{
    const int P = n_ranks < 1 ? 1 : n_ranks;
    const long MB = (n_particles + P - 1) / P;
    long repl, dist;
    layout_bytes(m, d, MB, P, 1, P, opt->block, &repl, &dist);
    if (opt->layout == LINALG_REPLICATED)
        return (double)repl;
    if (opt->layout == LINALG_DISTRIBUTED)
        return (double)dist;
    return repl <= opt->memory_budget ? (double)repl : (double)dist;
}

linalg *linalg_create(MPI_Comm comm, long m, long d, long n_particles, const linalg_options *opt,
                      char *err, size_t errlen)
{
    const int P = comm_size_of(comm);
    if (m < 1 || d < 1 || n_particles < 1) {
        snprintf(err, errlen, "linalg: bad sizes m = %ld, d = %ld, N = %ld", m, d, n_particles);
        return NULL;
    }
    const long MB = (n_particles + P - 1) / P;
    if (m > INT_MAX || d > INT_MAX || MB * P > INT_MAX) {
        snprintf(err, errlen, "linalg: m = %ld, d = %ld or N = %ld beyond ScaLAPACK's int range",
                 m, d, n_particles);
        return NULL;
    }
    int pr = (int)opt->grid_rows;
    if (pr == 0) {
        pr = 1;
        for (int r = 1; (long)r * r <= P; r++)
            if (P % r == 0)
                pr = r;
    }
    if (pr < 1 || P % pr != 0) {
        snprintf(err, errlen, "[linalg] grid_rows = %ld: must divide the number of ranks %d "
                 "(allowed: 0 for the squarest grid, or a divisor of %d)", opt->grid_rows, P, P);
        return NULL;
    }
    const int pc = P / pr;
    const int nb = (int)(opt->block < 1 ? 64 : opt->block > INT_MAX ? INT_MAX : opt->block);
    long repl, dist;
    layout_bytes(m, d, MB, P, pr, pc, nb, &repl, &dist);
    int distributed;
    if (opt->layout == LINALG_REPLICATED)
        distributed = 0;
    else if (opt->layout == LINALG_DISTRIBUTED)
        distributed = 1;
    else if (repl <= opt->memory_budget)
        distributed = 0;
    else if (dist <= opt->memory_budget)
        distributed = 1;
    else {
        snprintf(err, errlen, "[linalg] memory_budget = %ld bytes: the operator (m = %ld, d = %ld, "
                 "N = %ld) needs %ld bytes per rank distributed over %d ranks (%ld replicated); "
                 "use more ranks or a larger budget", opt->memory_budget, m, d, n_particles,
                 dist, P, repl);
        return NULL;
    }

    linalg *la = xcalloc(1, sizeof *la);
    la->comm = comm;
    la->P = P;
    la->rank = comm_rank_of(comm);
    la->m = (int)m;
    la->d = (int)d;
    la->nb = nb;
    la->pr = pr;
    la->pc = pc;
    la->distributed = distributed;
    la->MB = (int)MB;
    la->Mpad = (int)(MB * P);
    la->sys = Csys2blacs_handle(comm);
    la->ctx2 = la->sys;
    Cblacs_gridinit(&la->ctx2, "R", pr, pc);
    la->ctx1 = la->sys;
    Cblacs_gridinit(&la->ctx1, "R", 1, P);
    int r, c;
    Cblacs_gridinfo(la->ctx2, &r, &c, &la->myrow, &la->mycol);

    la->mloc = numroc(la->m, nb, la->myrow, pr);
    la->dloc = numroc(la->d, nb, la->mycol, pc);
    int info = desc(la->descA, la->m, la->d, nb, nb, la->ctx2, la->mloc);
    la->A = xcalloc((size_t)imax(1, la->mloc) * (size_t)imax(1, la->dloc), sizeof(double));
    la->bytes = 8L * la->mloc * la->dloc;
    la->b = xcalloc((size_t)m, sizeof(double));
    la->sigma = 1.0;
    la->vl = xcalloc((size_t)imax(la->mloc, la->dloc) + 1, sizeof(double));
    la->wl = xcalloc((size_t)imax(la->mloc, la->dloc) + 1, sizeof(double));
    if (distributed) {
        info |= desc(la->descXp, la->d, la->Mpad, la->d, la->MB, la->ctx1, la->d);
        la->x2r = numroc(la->d, nb, la->myrow, pr);
        la->x2c = numroc(la->Mpad, nb, la->mycol, pc);
        la->r2r = la->mloc;
        info |= desc(la->descX2, la->d, la->Mpad, nb, nb, la->ctx2, la->x2r);
        info |= desc(la->descR2, la->m, la->Mpad, nb, nb, la->ctx2, la->r2r);
        la->Xp = xcalloc((size_t)la->d * (size_t)la->MB, sizeof(double));
        la->Gp = xcalloc((size_t)la->d * (size_t)la->MB, sizeof(double));
        la->X2 = xcalloc((size_t)imax(1, la->x2r) * (size_t)imax(1, la->x2c), sizeof(double));
        la->G2 = xcalloc((size_t)imax(1, la->x2r) * (size_t)imax(1, la->x2c), sizeof(double));
        la->R2 = xcalloc((size_t)imax(1, la->r2r) * (size_t)imax(1, la->x2c), sizeof(double));
        la->fbuf = xcalloc((size_t)la->Mpad, sizeof(double));
        la->bytes += 8L * (2L * la->d * la->MB + 2L * la->x2r * la->x2c + (long)la->r2r * la->x2c +
                           la->Mpad);
    } else {
        la->Afull = xcalloc((size_t)m * (size_t)d, sizeof(double));
        la->R = xcalloc((size_t)la->MB * (size_t)m, sizeof(double));
        la->bytes += 8L * (m * d + (long)la->MB * m);
    }
    if (info != 0)
        RWPO_FATAL("descinit failed (info %d) for m = %ld, d = %ld, N = %ld", info, m, d,
                   n_particles);
    return la;
}

void linalg_destroy(linalg *la)
{
    if (!la)
        return;
    Cblacs_gridexit(la->ctx2);
    Cblacs_gridexit(la->ctx1);
    Cfree_blacs_system_handle(la->sys);
    free(la->A);
    free(la->Afull);
    free(la->b);
    free(la->Xp);
    free(la->Gp);
    free(la->X2);
    free(la->R2);
    free(la->G2);
    free(la->fbuf);
    free(la->R);
    free(la->vl);
    free(la->wl);
    free(la);
}

int linalg_is_distributed(const linalg *la) { return la->distributed; }

void linalg_grid(const linalg *la, int *rows, int *cols)
{
    *rows = la->pr;
    *cols = la->pc;
}

long linalg_bytes(const linalg *la) { return la->bytes; }

/* The local block of A from a full row-major copy. */
static void local_from_full(linalg *la, const double *full)
{
    const int lld = imax(1, la->mloc);
    for (int jl = 0; jl < la->dloc; jl++) {
        long j = l2g(jl, la->nb, la->mycol, la->pc);
        for (int il = 0; il < la->mloc; il++)
            la->A[(size_t)jl * lld + il] = full[l2g(il, la->nb, la->myrow, la->pr) * la->d + j];
    }
}

void linalg_fill(linalg *la, linalg_entry entry, const void *ctx)
{
    const int lld = imax(1, la->mloc);
    for (int jl = 0; jl < la->dloc; jl++) {
        long j = l2g(jl, la->nb, la->mycol, la->pc);
        for (int il = 0; il < la->mloc; il++)
            la->A[(size_t)jl * lld + il] = entry(ctx, l2g(il, la->nb, la->myrow, la->pr), j);
    }
    if (la->Afull)
        for (long i = 0; i < la->m; i++)
            for (long j = 0; j < la->d; j++)
                la->Afull[i * la->d + j] = entry(ctx, i, j);
}

void linalg_row_block(const linalg *la, long *offset, long *count)
{
    const long m = la->m, mb1 = (m + la->P - 1) / la->P;
    if (la->Afull) {
        *offset = 0;
        *count = m;
        return;
    }
    /* contiguous row blocks of mb1 rows: rank r holds rows [r mb1, (r+1) mb1) */
    long off = (long)la->rank * mb1, cnt = mb1;
    if (off > m)
        off = m;
    if (off + cnt > m)
        cnt = m - off;
    *offset = off;
    *count = cnt;
}

void linalg_set_rows(linalg *la, const double *rows)
{
    const long m = la->m, d = la->d, mb1 = (m + la->P - 1) / la->P;
    long off, cnt;
    linalg_row_block(la, &off, &cnt);
    if (la->Afull) {
        memcpy(la->Afull, rows, (size_t)m * (size_t)d * sizeof(double));
        local_from_full(la, la->Afull);
        return;
    }
    /* column-major copy of the row block, described on a P x 1 grid, then onto the 2-D grid */
    double *cm = xmalloc((size_t)(cnt > 0 ? cnt : 1) * (size_t)d * sizeof(double));
    for (long i = 0; i < cnt; i++)
        for (long j = 0; j < d; j++)
            cm[j * cnt + i] = rows[i * d + j];
    int ctxp = la->sys, dsc[SL_DLEN];
    Cblacs_gridinit(&ctxp, "C", la->P, 1);
    int info = desc(dsc, la->m, la->d, (int)mb1, la->d, ctxp, (int)cnt);
    if (info != 0)
        RWPO_FATAL("descinit failed (info %d) for the %ld x %ld row blocks of A", info, m, d);
    redistribute(la, la->m, la->d, cm, dsc, la->A, la->descA);
    Cblacs_gridexit(ctxp);
    free(cm);
}

void linalg_set_data(linalg *la, const double *b, double sigma)
{
    memcpy(la->b, b, (size_t)la->m * sizeof(double));
    la->sigma = sigma;
}

void linalg_apply(linalg *la, long n_local, const double *x, double *g, double *f)
{
    const int m = la->m, d = la->d;
    const double inv_s2 = 1.0 / (la->sigma * la->sigma);
    if (n_local > la->MB)
        RWPO_FATAL("linalg_apply: %ld particle rows on this rank, the layout holds %d", n_local,
                   la->MB);
    if (!la->distributed) {
        if (n_local == 0)
            return;
        const int n = (int)n_local;
        /* R = X A' - 1 b' */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, m, d, 1.0, x, d, la->Afull, d,
                    0.0, la->R, m);
        for (long i = 0; i < n; i++) {
            double *ri = la->R + i * m, s = 0.0;
            for (int j = 0; j < m; j++) {
                ri[j] -= la->b[j];
                s += ri[j] * ri[j];
            }
            if (f)
                f[i] = 0.5 * s * inv_s2;
        }
        if (g) /* G = R A / sigma^2 */
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, d, m, inv_s2, la->R, m,
                        la->Afull, d, 0.0, g, d);
        return;
    }
    /* X' in the 1 x P layout: this rank's rows are its MB columns (zero padded) */
    memcpy(la->Xp, x, (size_t)(n_local * d) * sizeof(double));
    memset(la->Xp + n_local * d, 0, (size_t)((la->MB - n_local) * d) * sizeof(double));
    redistribute(la, d, la->Mpad, la->Xp, la->descXp, la->X2, la->descX2);
    /* R' = A X' - b 1' */
    pdgemm("N", "N", m, la->Mpad, d, 1.0, la->A, la->descA, la->X2, la->descX2, 0.0, la->R2,
           la->descR2);
    const int lldr = imax(1, la->r2r);
    for (int jl = 0; jl < la->x2c; jl++) {
        double *col = la->R2 + (size_t)jl * lldr;
        for (int il = 0; il < la->r2r; il++)
            col[il] -= la->b[l2g(il, la->nb, la->myrow, la->pr)];
    }
    if (f) {
        memset(la->fbuf, 0, (size_t)la->Mpad * sizeof(double));
        for (int jl = 0; jl < la->x2c; jl++) {
            const double *col = la->R2 + (size_t)jl * lldr;
            double s = 0.0;
            for (int il = 0; il < la->r2r; il++)
                s += col[il] * col[il];
            la->fbuf[l2g(jl, la->nb, la->mycol, la->pc)] += s;
        }
        comm_sum_double_on(la->comm, la->fbuf, la->Mpad);
        for (long i = 0; i < n_local; i++)
            f[i] = 0.5 * la->fbuf[(long)la->rank * la->MB + i] * inv_s2;
    }
    if (g) {
        /* G' = A' R' / sigma^2, back to the particle layout */
        pdgemm("T", "N", d, la->Mpad, m, inv_s2, la->A, la->descA, la->R2, la->descR2, 0.0,
               la->G2, la->descX2);
        redistribute(la, d, la->Mpad, la->G2, la->descX2, la->Gp, la->descXp);
        memcpy(g, la->Gp, (size_t)(n_local * d) * sizeof(double));
    }
}

/* out = A in (trans = 0: in [d], out [m]) or A' in (trans = 1: in [m], out [d]); in and out
 * replicated. Distributed: each process multiplies its local block and the zero-padded partial
 * results are summed (collective). */
static void gemv(linalg *la, int trans, const double *in, double *out)
{
    const int m = la->m, d = la->d;
    const CBLAS_TRANSPOSE op = trans ? CblasTrans : CblasNoTrans;
    if (la->Afull) {
        cblas_dgemv(CblasRowMajor, op, m, d, 1.0, la->Afull, d, in, 1, 0.0, out, 1);
        return;
    }
    /* in is indexed like the columns of A (its rows if trans), out like the rows */
    const int nin = trans ? la->mloc : la->dloc, pin = trans ? la->myrow : la->mycol;
    const int npin = trans ? la->pr : la->pc;
    const int nout = trans ? la->dloc : la->mloc, pout = trans ? la->mycol : la->myrow;
    const int npout = trans ? la->pc : la->pr;
    const int n = trans ? d : m;
    memset(out, 0, (size_t)n * sizeof(double));
    if (la->mloc > 0 && la->dloc > 0) {
        for (int l = 0; l < nin; l++)
            la->vl[l] = in[l2g(l, la->nb, pin, npin)];
        cblas_dgemv(CblasColMajor, op, la->mloc, la->dloc, 1.0, la->A, la->mloc, la->vl, 1, 0.0,
                    la->wl, 1);
        for (int l = 0; l < nout; l++)
            out[l2g(l, la->nb, pout, npout)] += la->wl[l];
    }
    comm_sum_double_on(la->comm, out, n);
}

void linalg_matvec(linalg *la, const double *x, double *y) { gemv(la, 0, x, y); }

void linalg_rmatvec(linalg *la, const double *r, double *z) { gemv(la, 1, r, z); }

/* A distributed n x k matrix on the 2-D grid (local array and descriptor). */
typedef struct {
    int rows, cols; /* local */
    int dsc[SL_DLEN];
    double *a;
} dmat;

static void dmat_init(const linalg *la, dmat *x, int n, int k)
{
    x->rows = numroc(n, la->nb, la->myrow, la->pr);
    x->cols = numroc(k, la->nb, la->mycol, la->pc);
    if (desc(x->dsc, n, k, la->nb, la->nb, la->ctx2, x->rows) != 0)
        RWPO_FATAL("descinit failed for a %d x %d matrix", n, k);
    x->a = xcalloc((size_t)imax(1, x->rows) * (size_t)imax(1, x->cols), sizeof(double));
}

/* Local entries from a replicated row-major n x k matrix. */
static void dmat_scatter(const linalg *la, dmat *x, const double *full, int k)
{
    const int lld = imax(1, x->rows);
    for (int jl = 0; jl < x->cols; jl++) {
        long j = l2g(jl, la->nb, la->mycol, la->pc);
        for (int il = 0; il < x->rows; il++)
            x->a[(size_t)jl * lld + il] = full[l2g(il, la->nb, la->myrow, la->pr) * k + j];
    }
}

/* Replicated row-major n x k matrix from the local entries (collective). */
static void dmat_gather(const linalg *la, const dmat *x, double *full, int n, int k)
{
    const int lld = imax(1, x->rows);
    memset(full, 0, (size_t)n * (size_t)k * sizeof(double));
    for (int jl = 0; jl < x->cols; jl++) {
        long j = l2g(jl, la->nb, la->mycol, la->pc);
        for (int il = 0; il < x->rows; il++)
            full[l2g(il, la->nb, la->myrow, la->pr) * k + j] = x->a[(size_t)jl * lld + il];
    }
    comm_sum_double_on(la->comm, full, (long)n * k);
}

/* Add v to the diagonal of a distributed square matrix. */
static void dmat_add_diag(const linalg *la, dmat *x, double v)
{
    const int lld = imax(1, x->rows);
    for (int jl = 0; jl < x->cols; jl++) {
        long j = l2g(jl, la->nb, la->mycol, la->pc);
        for (int il = 0; il < x->rows; il++)
            if (l2g(il, la->nb, la->myrow, la->pr) == j)
                x->a[(size_t)jl * lld + il] += v;
    }
}

/* Cholesky on the grid: PDPOTRF of S (lower) if B is NULL, else PDPOTRS of the factored S for
 * B. Returns ScaLAPACK's info agreed over the communicator (the lowest rank with a non-zero
 * value wins): ScaLAPACK reports it on every process already, agreeing guarantees that every
 * rank takes the same branch. Collective. */
static int cholesky(const linalg *la, dmat *S, int n, dmat *B, int nrhs)
{
    const int one = 1;
    int info = 0;
    if (B)
        pdpotrs_("L", &n, &nrhs, S->a, &one, &one, S->dsc, B->a, &one, &one, B->dsc, &info, 1);
    else
        pdpotrf_("L", &n, S->a, &one, &one, S->dsc, &info, 1);
    char msg[32];
    snprintf(msg, sizeof msg, "%d", info);
    return comm_agree_error(la->comm, info != 0, msg, sizeof msg) ? atoi(msg) : 0;
}

int linalg_spd_solve(linalg *la, long n, const double *S, long nrhs, double *B, char *err,
                     size_t errlen)
{
    int bad = 0;
    for (long i = 0; i < n * n && !bad; i++)
        bad = !isfinite(S[i]);
    for (long i = 0; i < n * nrhs && !bad; i++)
        bad = !isfinite(B[i]);
    if (bad) {
        snprintf(err, errlen, "linalg: non-finite entry in the system");
        return -1;
    }
    dmat s, b;
    dmat_init(la, &s, (int)n, (int)n);
    dmat_init(la, &b, (int)n, (int)nrhs);
    dmat_scatter(la, &s, S, (int)n);
    dmat_scatter(la, &b, B, (int)nrhs);
    int info = cholesky(la, &s, (int)n, NULL, 0);
    int rc = 0;
    if (info > 0) {
        snprintf(err, errlen, "the %ld x %ld system is not positive definite (PDPOTRF: the "
                 "leading minor of order %d is not positive)", n, n, info);
        rc = -1;
    } else if (info < 0) {
        snprintf(err, errlen, "PDPOTRF: illegal argument %d", -info);
        rc = -1;
    } else {
        info = cholesky(la, &s, (int)n, &b, (int)nrhs);
        if (info != 0) {
            snprintf(err, errlen, "PDPOTRS: illegal argument %d", -info);
            rc = -1;
        } else {
            dmat_gather(la, &b, B, (int)n, (int)nrhs);
        }
    }
    free(s.a);
    free(b.a);
    return rc;
}

int linalg_gaussian_posterior(linalg *la, double beta, double *mean, double *cov, double *ridge,
                              char *err, size_t errlen)
{
    const int d = la->d, m = la->m;
    const double s2 = la->sigma * la->sigma;
    *ridge = 0.0;
    dmat q, q0, rhs;
    dmat_init(la, &q, d, d);
    dmat_init(la, &q0, d, d);
    /* Q = beta A'A / sigma^2 */
    pdgemm("T", "N", d, d, m, beta / s2, la->A, la->descA, la->A, la->descA, 0.0, q.a, q.dsc);
    memcpy(q0.a, q.a, (size_t)imax(1, q.rows) * (size_t)imax(1, q.cols) * sizeof(double));
    /* the diagonal, replicated: a zero column of A leaves its coordinate unidentified */
    double *diag = xcalloc((size_t)d, sizeof(double));
    const int lld = imax(1, q.rows);
    for (int jl = 0; jl < q.cols; jl++) {
        long j = l2g(jl, la->nb, la->mycol, la->pc);
        for (int il = 0; il < q.rows; il++)
            if (l2g(il, la->nb, la->myrow, la->pr) == j)
                diag[j] = q.a[(size_t)jl * lld + il];
    }
    comm_sum_double_on(la->comm, diag, d);
    double dmax = 0.0;
    for (int k = 0; k < d; k++)
        dmax = diag[k] > dmax ? diag[k] : dmax;
    int rc = 0;
    for (int k = 0; k < d; k++)
        if (!(diag[k] > 1e-14 * dmax) || !isfinite(diag[k])) {
            snprintf(err, errlen, "column %d of A is zero (|A e_%d|^2 = %g, largest %g): "
                     "coordinate %d is not identified by the data and the lambda = 0 posterior "
                     "is improper (A'A is not positive definite)", k + 1, k + 1,
                     diag[k] * s2 / beta, dmax * s2 / beta, k + 1);
            rc = -1;
            break;
        }
    free(diag);
    if (rc != 0) {
        free(q.a);
        free(q0.a);
        return -1;
    }
    int info = cholesky(la, &q, d, NULL, 0);
    if (info > 0) {
        *ridge = 1e-10 * dmax;
        memcpy(q.a, q0.a, (size_t)imax(1, q.rows) * (size_t)imax(1, q.cols) * sizeof(double));
        dmat_add_diag(la, &q, *ridge);
        info = cholesky(la, &q, d, NULL, 0);
    }
    free(q0.a);
    if (info != 0) {
        snprintf(err, errlen, "beta A'A / sigma^2 (d = %d) is not positive definite even with a "
                 "ridge of %g on the diagonal (PDPOTRF: leading minor %d); the lambda = 0 "
                 "posterior is improper", d, *ridge, info);
        free(q.a);
        return -1;
    }
    /* right-hand sides [beta A'b / sigma^2 | I] */
    const int nrhs = 1 + (cov ? d : 0);
    double *full = xcalloc((size_t)d * (size_t)nrhs, sizeof(double));
    double *c = xcalloc((size_t)d, sizeof(double));
    linalg_rmatvec(la, la->b, c);
    for (int k = 0; k < d; k++) {
        full[(size_t)k * nrhs] = beta * c[k] / s2;
        if (cov)
            full[(size_t)k * nrhs + 1 + k] = 1.0;
    }
    free(c);
    dmat_init(la, &rhs, d, nrhs);
    dmat_scatter(la, &rhs, full, nrhs);
    info = cholesky(la, &q, d, &rhs, nrhs);
    if (info != 0)
        RWPO_FATAL("PDPOTRS: illegal argument %d", -info);
    dmat_gather(la, &rhs, full, d, nrhs);
    for (int k = 0; k < d; k++) {
        mean[k] = full[(size_t)k * nrhs];
        if (cov)
            memcpy(cov + (size_t)k * d, full + (size_t)k * nrhs + 1, (size_t)d * sizeof(double));
    }
    free(full);
    free(rhs.a);
    free(q.a);
    return 0;
}

void linalg_gram(linalg *la, double *ata, double *atb)
{
    const long m = la->m, d = la->d, c = LINALG_GRAM_ROWS;
    double *chunk = la->Afull ? NULL : xmalloc((size_t)(c * d) * sizeof(double));
    memset(ata, 0, (size_t)(d * d) * sizeof(double));
    memset(atb, 0, (size_t)d * sizeof(double));
    const int lld = imax(1, la->mloc);
    for (long r0 = 0; r0 < m; r0 += c) {
        const long rows = m - r0 < c ? m - r0 : c;
        const double *a;
        if (la->Afull) {
            a = la->Afull + r0 * d;
        } else {
            /* rows [r0, r0 + rows) from the block-cyclic local entries, summed over ranks */
            memset(chunk, 0, (size_t)(rows * d) * sizeof(double));
            for (long i = r0; i < r0 + rows; i++) {
                if ((i / la->nb) % la->pr != la->myrow)
                    continue;
                const long il = (i / ((long)la->nb * la->pr)) * la->nb + i % la->nb;
                for (int jl = 0; jl < la->dloc; jl++)
                    chunk[(i - r0) * d + l2g(jl, la->nb, la->mycol, la->pc)] =
                        la->A[(size_t)jl * lld + il];
            }
            comm_sum_double_on(la->comm, chunk, rows * d);
            a = chunk;
        }
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)d, (int)d, (int)rows, 1.0, a,
                    (int)d, a, (int)d, 1.0, ata, (int)d);
        for (long i = 0; i < rows; i++)
            for (long j = 0; j < d; j++)
                atb[j] += a[i * d + j] * la->b[r0 + i];
    }
    /* exactly symmetric (the kernel may round the two triangles differently) */
    for (long j = 0; j < d; j++)
        for (long k = j + 1; k < d; k++)
            ata[k * d + j] = ata[j * d + k];
    free(chunk);
}

static double dot(const double *a, const double *b, long n)
{
    double s = 0.0;
    for (long i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

long linalg_fista(linalg *la, double lambda, double tol, long max_iter, double *x,
                  double *lipschitz)
{
    const long m = la->m, d = la->d;
    const double inv_s2 = 1.0 / (la->sigma * la->sigma);
    double *v = xmalloc((size_t)d * sizeof(double)), *w = xmalloc((size_t)d * sizeof(double));
    double *r = xmalloc((size_t)m * sizeof(double)), *y = xmalloc((size_t)d * sizeof(double));
    double *xn = xmalloc((size_t)d * sizeof(double));
    /* L = ||A||_2^2 / sigma^2 by power iteration on A'A (deterministic start) */
    for (long k = 0; k < d; k++)
        v[k] = 1.0 + 0.5 * sin(1.0 + (double)k);
    double nrm = sqrt(dot(v, v, d)), L = 0.0;
    for (int it = 0; it < 50; it++) {
        for (long k = 0; k < d; k++)
            v[k] /= nrm;
        linalg_matvec(la, v, r);
        linalg_rmatvec(la, r, w);
        nrm = sqrt(dot(w, w, d));
        if (!(nrm > 0))
            break;
        L = nrm;
        memcpy(v, w, (size_t)d * sizeof(double));
    }
    L = (L > 0 ? L : 1.0) * inv_s2 * 1.01;
    if (lipschitz)
        *lipschitz = L;
    memcpy(y, x, (size_t)d * sizeof(double));
    double t = 1.0;
    const double thr = lambda / L;
    long it;
    for (it = 1; it <= max_iter; it++) {
        /* gradient at y: A'(A y - b) / sigma^2 */
        linalg_matvec(la, y, r);
        for (long i = 0; i < m; i++)
            r[i] -= la->b[i];
        linalg_rmatvec(la, r, w);
        for (long k = 0; k < d; k++) {
            double u = y[k] - w[k] * inv_s2 / L;
            xn[k] = u > thr ? u - thr : (u < -thr ? u + thr : 0.0);
        }
        /* adaptive restart (O'Donoghue & Candes): momentum against the descent direction */
        double restart = 0.0, diff2 = 0.0;
        for (long k = 0; k < d; k++) {
            restart += (y[k] - xn[k]) * (xn[k] - x[k]);
            diff2 += (xn[k] - x[k]) * (xn[k] - x[k]);
        }
        double tn = 0.5 * (1.0 + sqrt(1.0 + 4.0 * t * t));
        if (restart > 0) {
            t = 1.0;
            tn = 1.0;
        }
        for (long k = 0; k < d; k++)
            y[k] = xn[k] + ((t - 1.0) / tn) * (xn[k] - x[k]);
        memcpy(x, xn, (size_t)d * sizeof(double));
        t = tn;
        double xn2 = dot(x, x, d);
        if (sqrt(diff2) <= tol * (xn2 > 1 ? sqrt(xn2) : 1.0))
            break;
    }
    free(v);
    free(w);
    free(r);
    free(y);
    free(xn);
    return it > max_iter ? max_iter : it;
}

int linalg_cholesky(MPI_Comm comm, long n, double *a, long grid_dim, long nb)
{
    int info = 0;
    const int nn = (int)n;
    if (n < grid_dim) {
        /* row-major lower = column-major upper of the same (symmetric) array */
        dpotrf_("U", &nn, a, &nn, &info, 1);
    } else {
        const int P = comm_size_of(comm);
        linalg g = {.comm = comm, .P = P, .rank = comm_rank_of(comm)};
        g.nb = (int)(nb < 1 ? 64 : nb > INT_MAX ? INT_MAX : nb);
        g.pr = 1;
        for (int r = 1; (long)r * r <= P; r++)
            if (P % r == 0)
                g.pr = r;
        g.pc = P / g.pr;
        g.sys = Csys2blacs_handle(comm);
        g.ctx2 = g.sys;
        Cblacs_gridinit(&g.ctx2, "R", g.pr, g.pc);
        int r, c;
        Cblacs_gridinfo(g.ctx2, &r, &c, &g.myrow, &g.mycol);
        dmat s;
        dmat_init(&g, &s, nn, nn);
        dmat_scatter(&g, &s, a, nn);
        info = cholesky(&g, &s, nn, NULL, 0);
        if (info == 0)
            dmat_gather(&g, &s, a, nn, nn);
        free(s.a);
        Cblacs_gridexit(g.ctx2);
        Cfree_blacs_system_handle(g.sys);
    }
    if (info != 0)
        return info;
    for (long i = 0; i < n; i++)
        for (long j = i + 1; j < n; j++)
            a[i * n + j] = 0.0;
    return 0;
}
