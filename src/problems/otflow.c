/**
 * @file otflow.c
 * @brief OT-Flow's potential, its closed-form gradient and the RK4 generator step (see otflow.h).
 */
#include "rwpo/problems/otflow.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rwpo/base/log.h"
#include "rwpo/io/input.h"

/* act(z) = log cosh z, written so that it never overflows (OT-Flow's antiderivTanh). */
static double act(double z)
{
    const double a = fabs(z);
    return a + log(1.0 + exp(-2.0 * a));
}

/* Read dataset /phi/<name> of rows x cols (cols = 0: a vector of rows) into a new array. */
static double *read_part(const char *path, const char *name, long rows, long cols, char *err,
                         size_t errlen)
{
    char spec[2048], sub[1536];
    snprintf(spec, sizeof spec, "%s:/phi/%s", path, name);
    int nd = 0;
    long dims[2] = {0, 0};
    if (input_dataset_shape(spec, &nd, dims, sub, sizeof sub) != 0) {
        snprintf(err, errlen, "[flow] file = %s: %s", path, sub);
        return NULL;
    }
    const long want1 = cols ? cols : 1;
    if (dims[0] != rows || dims[1] != want1) {
        snprintf(err, errlen, "[flow] file = %s: /phi/%s has shape [%ld][%ld], expected "
                 "[%ld][%ld] (an OT-Flow Phi of the attributes nTh, m, d of /phi)", path, name,
                 dims[0], dims[1], rows, want1);
        return NULL;
    }
    double *v = xmalloc((size_t)(rows * want1) * sizeof(double));
    int rc;
    if (cols) {
        long m = 0;
        int d = 0;
        double *t = NULL;
        rc = input_read_samples(spec, &m, &d, &t, sub, sizeof sub);
        if (rc == 0)
            memcpy(v, t, (size_t)(rows * cols) * sizeof(double));
        free(t);
    } else {
        rc = input_read_vector(spec, rows, v, sub, sizeof sub);
    }
    if (rc != 0) {
        snprintf(err, errlen, "[flow] file = %s: %s", path, sub);
        free(v);
        return NULL;
    }
    return v;
}

otflow *otflow_open(const char *path, long dim, char *err, size_t errlen)
{
    char spec[2048], sub[1536];
    snprintf(spec, sizeof spec, "%s:/phi", path);
    double a[4];
    const char *attr[3] = {"nTh", "m", "d"};
    for (int i = 0; i < 3; i++)
        if (input_read_attribute(spec, attr[i], 1, &a[i], sub, sizeof sub) != 0) {
            snprintf(err, errlen, "[flow] file = %s: %s (expected an OT-Flow model, group /phi)",
                     path, sub);
            return NULL;
        }
    if (a[0] < 2 || a[0] > 64 || a[0] != floor(a[0]) || a[1] < 1 || a[1] > 1e5 ||
        a[1] != floor(a[1]) || a[2] < 1 || a[2] != floor(a[2])) {
        snprintf(err, errlen, "[flow] file = %s: /phi attributes nTh = %g, m = %g, d = %g "
                 "(allowed: integers, nTh >= 2, m >= 1, d >= 1)", path, a[0], a[1], a[2]);
        return NULL;
    }
    if ((long)a[2] != dim) {
        snprintf(err, errlen, "[flow] file = %s: the model has d = %ld but particles.dim = %ld "
                 "(allowed: the model's d)", path, (long)a[2], dim);
        return NULL;
    }
    otflow *f = xcalloc(1, sizeof *f);
    f->nth = (int)a[0];
    f->m = (int)a[1];
    f->d = (int)a[2];
    if (input_read_attribute(spec, "alph", 3, f->alph, sub, sizeof sub) != 0 ||
        !(f->alph[0] > 0)) {
        if (f->alph[0] <= 0)
            snprintf(sub, sizeof sub, "alph[0] = %g must be > 0", f->alph[0]);
        snprintf(err, errlen, "[flow] file = %s: %s", path, sub);
        otflow_destroy(f);
        return NULL;
    }
    const long D = f->d + 1, m = f->m, L = f->nth - 1;
    int nd = 0;
    long dims[2];
    snprintf(spec, sizeof spec, "%s:/phi/A", path);
    if (input_dataset_shape(spec, &nd, dims, sub, sizeof sub) != 0 || nd != 2 || dims[1] != D) {
        if (nd == 2 || !sub[0])
            snprintf(sub, sizeof sub, "/phi/A must be [r][%ld]", D);
        snprintf(err, errlen, "[flow] file = %s: %s", path, sub);
        otflow_destroy(f);
        return NULL;
    }
    f->r = (int)dims[0];
    double *A = read_part(path, "A", f->r, D, err, errlen);
    f->k0 = A ? read_part(path, "N.layers.0.weight", m, D, err, errlen) : NULL;
    f->b0 = f->k0 ? read_part(path, "N.layers.0.bias", m, 0, err, errlen) : NULL;
    f->c = f->b0 ? read_part(path, "c.weight", 1, D, err, errlen) : NULL;
    double *cb = f->c ? read_part(path, "c.bias", 1, 0, err, errlen) : NULL;
    f->w = cb ? read_part(path, "w.weight", 1, m, err, errlen) : NULL;
    int ok = f->w != NULL;
    f->k = xmalloc((size_t)(L * m * m) * sizeof(double));
    f->b = xmalloc((size_t)(L * m) * sizeof(double));
    for (long i = 1; i <= L && ok; i++) {
        char name[64];
        snprintf(name, sizeof name, "N.layers.%ld.weight", i);
        double *ki = read_part(path, name, m, m, err, errlen);
        snprintf(name, sizeof name, "N.layers.%ld.bias", i);
        double *bi = ki ? read_part(path, name, m, 0, err, errlen) : NULL;
        if (bi) {
            memcpy(f->k + (i - 1) * m * m, ki, (size_t)(m * m) * sizeof(double));
            memcpy(f->b + (i - 1) * m, bi, (size_t)m * sizeof(double));
        }
        ok = bi != NULL;
        free(ki);
        free(bi);
    }
    if (ok) {
        f->cb = cb[0];
        f->ata = xcalloc((size_t)(D * D), sizeof(double));
        for (long i = 0; i < D; i++)
            for (long j = 0; j < D; j++)
                for (long q = 0; q < f->r; q++)
                    f->ata[i * D + j] += A[q * D + i] * A[q * D + j];
        f->work = xcalloc((size_t)((f->nth + 1) * m + 2 * D), sizeof(double));
        f->rk = xcalloc((size_t)(3 * f->d), sizeof(double));
    }
    free(A);
    free(cb);
    if (!ok) {
        otflow_destroy(f);
        return NULL;
    }
    return f;
}

void otflow_destroy(otflow *f)
{
    if (!f)
        return;
    free(f->ata);
    free(f->k0);
    free(f->b0);
    free(f->k);
    free(f->b);
    free(f->c);
    free(f->w);
    free(f->work);
    free(f->rk);
    free(f);
}

/* Forward pass at s [d+1]: u_0 .. u_{nth-1} into work [nth][m]. */
static void forward(const otflow *f, const double *s, double *u)
{
    const int m = f->m, D = f->d + 1;
    const double hh = 1.0 / (double)(f->nth - 1);
    for (int i = 0; i < m; i++) {
        double z = f->b0[i];
        for (int j = 0; j < D; j++)
            z += f->k0[i * D + j] * s[j];
        u[i] = act(z);
    }
    for (int l = 1; l < f->nth; l++) {
        const double *K = f->k + (size_t)(l - 1) * m * m, *b = f->b + (size_t)(l - 1) * m;
        const double *prev = u + (size_t)(l - 1) * m;
        double *cur = u + (size_t)l * m;
        for (int i = 0; i < m; i++) {
            double z = b[i];
            for (int j = 0; j < m; j++)
                z += K[i * m + j] * prev[j];
            cur[i] = prev[i] + hh * act(z);
        }
    }
}

double otflow_phi(otflow *f, const double *x, double t)
{
    const int m = f->m, D = f->d + 1;
    double *u = f->work, *s = f->work + (size_t)(f->nth + 1) * m;
    memcpy(s, x, (size_t)f->d * sizeof(double));
    s[f->d] = t;
    forward(f, s, u);
    const double *last = u + (size_t)(f->nth - 1) * m;
    double phi = f->cb;
    for (int i = 0; i < m; i++)
        phi += f->w[i] * last[i];
    for (int i = 0; i < D; i++) {
        double q = 0.0;
        for (int j = 0; j < D; j++)
            q += f->ata[i * D + j] * s[j];
        phi += 0.5 * s[i] * q + f->c[i] * s[i];
    }
    return phi;
}

void otflow_grad(otflow *f, const double *x, double t, double *g)
{
    const int m = f->m, D = f->d + 1;
    const double hh = 1.0 / (double)(f->nth - 1);
    double *u = f->work, *z = f->work + (size_t)f->nth * m, *s = z + m;
    memcpy(s, x, (size_t)f->d * sizeof(double));
    s[f->d] = t;
    forward(f, s, u);
    /* backward: z = w, then z <- z + hh K_l' (tanh(K_l u_{l-1} + b_l) .* z), l = nth-1 .. 1 */
    memcpy(z, f->w, (size_t)m * sizeof(double));
    for (int l = f->nth - 1; l >= 1; l--) {
        const double *K = f->k + (size_t)(l - 1) * m * m, *b = f->b + (size_t)(l - 1) * m;
        const double *prev = u + (size_t)(l - 1) * m;
        /* the activations' derivative times z, stored in the (now unneeded) u_l row */
        double *tz = u + (size_t)l * m;
        for (int i = 0; i < m; i++) {
            double q = b[i];
            for (int j = 0; j < m; j++)
                q += K[i * m + j] * prev[j];
            tz[i] = tanh(q) * z[i];
        }
        for (int j = 0; j < m; j++) {
            double q = 0.0;
            for (int i = 0; i < m; i++)
                q += K[i * m + j] * tz[i];
            z[j] += hh * q;
        }
    }
    /* grad_x = K_0[:, :d]' (tanh(K_0 s + b_0) .* z) + (A'A s)[:d] + c[:d] */
    for (int j = 0; j < f->d; j++)
        g[j] = 0.0;
    for (int i = 0; i < m; i++) {
        double q = f->b0[i];
        for (int j = 0; j < D; j++)
            q += f->k0[i * D + j] * s[j];
        const double tzi = tanh(q) * z[i];
        for (int j = 0; j < f->d; j++)
            g[j] += f->k0[i * D + j] * tzi;
    }
    for (int j = 0; j < f->d; j++) {
        double q = 0.0;
        for (int i = 0; i < D; i++)
            q += f->ata[j * D + i] * s[i];
        g[j] += q + f->c[j];
    }
}

/* The drift -(1/alph_0) grad_x Phi(x, t), times h, into K [d]. */
static void stage(otflow *f, const double *x, double t, double h, double *K)
{
    otflow_grad(f, x, t, K);
    const double a = -(1.0 / f->alph[0]);
    for (int j = 0; j < f->d; j++)
        K[j] = h * (a * K[j]);
}

int otflow_layer(otflow *f, long k, long nt, long n, double *x)
{
    const double h = (0.0 - 1.0) / (double)nt;
    double t0 = 1.0;
    for (long j = 1; j < k; j++) /* OT-Flow's tk += h, replayed: restarts are bitwise */
        t0 += h;
    const int d = f->d;
    double *Z0 = f->rk, *ZS = f->rk + d, *KK = f->rk + 2 * d;
    for (long p = 0; p < n; p++) {
        double *xi = x + p * d;
        memcpy(Z0, xi, (size_t)d * sizeof(double));
        stage(f, Z0, t0, h, KK);
        for (int j = 0; j < d; j++) {
            xi[j] = Z0[j] + (1.0 / 6.0) * KK[j];
            ZS[j] = Z0[j] + 0.5 * KK[j];
        }
        stage(f, ZS, t0 + (h / 2), h, KK);
        for (int j = 0; j < d; j++) {
            xi[j] += (2.0 / 6.0) * KK[j];
            ZS[j] = Z0[j] + 0.5 * KK[j];
        }
        stage(f, ZS, t0 + (h / 2), h, KK);
        for (int j = 0; j < d; j++) {
            xi[j] += (2.0 / 6.0) * KK[j];
            ZS[j] = Z0[j] + KK[j];
        }
        stage(f, ZS, t0 + h, h, KK);
        for (int j = 0; j < d; j++)
            xi[j] += (1.0 / 6.0) * KK[j];
    }
    return 0;
}
