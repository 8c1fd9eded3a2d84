/**
 * @file otflow.h
 * @brief OT-Flow's potential and its generator ODE (Onken, Wu Fung, Li, Ruthotto 2021), the drift
 *        of the flow layers (flow.file, flow.steps) that come before the RWPO-L1 layers.
 *
 * With s = [x; t] in R^(d+1) (x in R^d, time t):
 *   Phi(s)  = w' N(s) + (1/2) s' A'A s + c' s + b
 *   N(s):     u_0 = act(K_0 s + b_0),  u_i = u_{i-1} + (1/(nTh-1)) act(K_i u_{i-1} + b_i),
 *             i = 1 .. nTh-1, N(s) = u_{nTh-1};  act(z) = log cosh z = |z| + log(1 + e^{-2|z|})
 *   grad_s Phi = K_0' (tanh(K_0 s + b_0) .* z_1) + A'A s + c, with the backward recursion
 *             z_{nTh} = w,  z_i = z_{i+1} + (1/(nTh-1)) K_i' (tanh(K_i u_{i-1} + b_i) .* z_{i+1})
 *   (OT-Flow's Phi.trHess with justGrad: the same closed form).
 * Generation (OT-Flow's integrate(z, net, [1, 0], nt, "rk4")): dx/dt = -(1/alph_0) grad_x Phi(x,
 * t) from t = 1 to t = 0 in nt classical RK4 steps of h = -1/nt; the step start times are
 * accumulated as OT-Flow does (t_0 = 1, t_{k+1} = t_k + h in floating point), and the stages are
 * combined in OT-Flow's order (stepRK4): x += K1/6, x += (2/6) K2, x += (2/6) K3, x += K4/6.
 *
 * The model file is the one of configs/data/otflow_swissroll_phi.h5: group /phi with the
 * state_dict of OT-Flow's Phi as datasets (A [r][d+1], N.layers.0.weight [m][d+1],
 * N.layers.0.bias [m], N.layers.i.weight [m][m], N.layers.i.bias [m] for i = 1 .. nTh-1,
 * c.weight [1][d+1], c.bias [1], w.weight [1][m]) and attributes nTh, m, d, alph [3].
 * Everything except otflow_open is pure (no MPI, no I/O); the step is per particle, so results do
 * not depend on the rank count.
 */
#ifndef RWPO_OTFLOW_H
#define RWPO_OTFLOW_H

#include <stddef.h>

/** A loaded OT-Flow potential (transparent; owned by the problem). */
typedef struct otflow {
    int d, m, nth, r;   /**< space dimension, width, ResNet layers nTh, rank of A */
    double alph[3];     /**< OT-Flow's alpha; the drift uses 1 / alph[0] */
    double *ata;        /**< [(d+1)(d+1)] A'A */
    double *k0, *b0;    /**< [m][d+1], [m] opening layer */
    double *k, *b;      /**< [nth-1][m][m], [nth-1][m] ResNet layers */
    double *c;          /**< [d+1] c.weight */
    double cb;          /**< c.bias */
    double *w;          /**< [m] w.weight */
    double *work;       /**< [(nth + 1) m + 2 (d+1)] scratch of one evaluation */
    double *rk;         /**< [3 d] the RK4 step's stages (start, stage point, slope) */
} otflow;

/**
 * Read the model "path.h5" (group /phi) and check it against the particles' dimension d: the
 * attributes, every dataset's shape, finiteness. Serial (every rank that needs it reads it).
 * @return the model (otflow_destroy), or NULL with a one-line reason in err naming the file
 */
otflow *otflow_open(const char *path, long dim, char *err, size_t errlen);

/** Free; accepts NULL. */
void otflow_destroy(otflow *f);

/** Phi(x, t) of one point x [d]. Pure (uses f->work). */
double otflow_phi(otflow *f, const double *x, double t);

/** grad_x Phi(x, t) [d] into g (the time component is dropped). Pure (uses f->work). */
void otflow_grad(otflow *f, const double *x, double t, double *g);

/**
 * Layer k (1 .. nt) of the generator: one RK4 step from t_{k-1} to t_{k-1} + h, h = -1/nt, of
 * the n rows of x [n][d] in place. Pure (uses f->work). @return 0 (a sampler layer's status)
 */
int otflow_layer(otflow *f, long k, long nt, long n, double *x);

#endif /* RWPO_OTFLOW_H */
