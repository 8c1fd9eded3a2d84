/**
 * @file config_keys.c
 * @brief The configuration keys: one table (section, key, type, default, range, meaning) that is
 *        the single source of truth for parsing, checks, --keys, /parameters and the physics
 *        hash (see config_keys.h).
 */
#include "config_keys.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static const char *const ch_init[] = {"gaussian", "file", NULL};
static const char *const ch_method[] = {"rwpo_l1", "ula", "myula", "pmala", "gibbs_lasso",
                                           "svgd", NULL};
static const char *const ch_normaliser[] = {"exact", "moreau", NULL};
static const char *const ch_weights[] = {"coordinatewise", "joint", NULL};
static const char *const ch_correct[] = {"none", "pmala", NULL};
static const char *const ch_precond[] = {"none", "diagonal", "full", NULL};
static const char *const ch_precond_source[] = {"covariance", "hessian", NULL};
static const char *const ch_precond_l1[] = {"prox", "moreau", NULL};
static const char *const ch_ring[] = {"overlap", "blocking", NULL};
static const char *const ch_kernel[] = {"fast", "reference", NULL};
static const char *const ch_attention[] = {"direct", "fgt", "auto", NULL};
const char *const config_problem_names[] = {"none", "gaussian", "mixture_laplace", "linear",
                                           "logistic", "data", NULL};
static const char *const ch_operator[] = {"gaussian", "blur1d", "blur2d", "file", NULL};
static const char *const ch_layout[] = {"auto", "replicated", "distributed", NULL};
static const char *const ch_h_follows[] = {"none", "bandwidth", NULL};

#define OFF(f) offsetof(rwpo_config, f)
#define SZ(f) sizeof(((rwpo_config *)0)->f)

const key_spec config_keys[] = {
    {"run", "name", K_STRING, OFF(name), SZ(name), "rwpo", R_NONE, 0, HUGE_VAL, NULL, 0,
     "run name, stored in the output"},
    {"run", "output", K_STRING, OFF(output), SZ(output), NULL, R_NONE, 0, HUGE_VAL, NULL, 0,
     "output HDF5 (H5MD) file; its directory must exist"},
    {"run", "layers", K_LONG, OFF(layers), 0, NULL, R_GE, 0, 1e9, NULL, 0,
     "number of layers (time steps) L"},
    {"run", "seed", K_LONG, OFF(seed), 0, "1", R_GE, 0, 9.007199254740992e15, NULL, 0,
     "seed of the counter-based generator (Philox4x32-10)"},
    {"run", "every", K_LONG, OFF(every), 0, "1", R_GE, 1, 1e9, NULL, 0,
     "record positions every k layers (layer 0 and the last layer are always recorded)"},
    {"run", "sparsity_tol", K_DOUBLE, OFF(sparsity_tol), 0, "1e-2", R_GE, 0, HUGE_VAL, NULL, 0,
     "|x| <= tol counts as zero in the sparsity observable"},
    {"run", "progress", K_DOUBLE, OFF(progress), 0, "1", R_GE, 0, 86400, NULL, 0,
     "seconds between progress lines (0 = one line per layer)"},
    {"run", "ring", K_ENUM, OFF(ring), 0, "overlap", R_NONE, 0, 0, ch_ring, 0,
     "ring variant: overlap (Isend/Irecv while computing) or blocking (Sendrecv)"},
    {"run", "kernel", K_ENUM, OFF(kernel), 0, "fast", R_NONE, 0, 0, ch_kernel, 0,
     "attention kernels: fast (vectorised, register-blocked) or reference (plain loops, libm exp; agrees to "
     "1e-12, 10-20x slower)"},
    {"run", "block", K_LONG, OFF(block), 0, "1024", R_GE, 1, 1e8, NULL, 0,
     "keys per block in the attention kernel (cache blocking)"},
    {"run", "attention", K_ENUM, OFF(attention), 0, "direct", R_NONE, 0, 0, ch_attention, 0,
     "coordinatewise attention: direct (all pairs, the ring), fgt (fast Gauss transform, O(N) per "
     "coordinate, certified per row to run.tolerance) or auto (fgt from N = 1024 unless the grid "
     "is too sparse); joint weights: direct only"},
    {"run", "tolerance", K_DOUBLE, OFF(tolerance), 0, "1e-12", R_GT, 0, 1, NULL, 0,
     "fgt: rows whose error bound (relative) exceeds it are summed directly"},
    {"run", "checkpoint_every", K_LONG, OFF(checkpoint_every), 0, "100", R_GE, 0, 1e9, NULL,
     0, "write a checkpoint every k layers (0 = only when stopped early); see Checkpoints"},
    {"run", "wall_time", K_DOUBLE, OFF(wall_time), 0, "0", R_GE, 0, HUGE_VAL, NULL, 0,
     "wall-clock budget in seconds (0 = none): stop with a checkpoint before exceeding it"},
    {"run", "stop_file", K_STRING, OFF(stop_file), SZ(stop_file), "", R_NONE, 0, 0, NULL, 0,
     "if this file appears, stop after the current layer with a checkpoint (and remove it)"},
    {"particles", "n", K_LONG, OFF(n), 0, NULL, R_GE, 1, 1e12, NULL, 0,
     "number of particles N"},
    {"particles", "dim", K_LONG, OFF(dim), 0, NULL, R_GE, 1, 1e6, NULL, 0, "dimension d"},
    {"particles", "init", K_ENUM, OFF(init), 0, "gaussian", R_NONE, 0, 0, ch_init, 0,
     "initial cloud: gaussian (init_mean + init_scale * N(0, I)) or file"},
    {"particles", "init_scale", K_DOUBLE, OFF(init_scale), 0, "1", R_GE, 0, HUGE_VAL, NULL, 0,
     "standard deviation of the gaussian initial cloud"},
    {"particles", "init_mean", K_LIST, OFF(init_mean), SZ(init_mean), "0", R_NONE, 0, 0, NULL, 0,
     "mean of the gaussian initial cloud: one value or d values"},
    {"particles", "init_file", K_STRING, OFF(init_file), SZ(init_file), "", R_NONE, 0, 0, NULL, 0,
     "init = file: path.h5:/dataset holding [N][d] floats"},
    {"sampler", "method", K_ENUM, OFF(method), 0, "rwpo_l1", R_NONE, 0, 0, ch_method, 0,
     "sampler: rwpo_l1 (the RWPO layer with the L1 prior), the MCMC references ula, myula, pmala "
     "(independent chains, one iteration per layer), gibbs_lasso (exact Gibbs sampler of the "
     "linear problem, one sweep per layer) or svgd (Stein variational gradient descent); see Samplers"},
    {"sampler", "beta", K_DOUBLE, OFF(beta), 0, NULL, R_GT, 0, HUGE_VAL, NULL, 0,
     "INVERSE temperature beta"},
    {"sampler", "lambda", K_DOUBLE, OFF(lambda), 0, NULL, R_GE, 0, HUGE_VAL, NULL, 0,
     "L1 weight lambda"},
    {"sampler", "h", K_DOUBLE, OFF(h), 0, NULL, R_GE, CONFIG_MIN_STEP, HUGE_VAL, NULL, 0,
     "step size h of layer 1 onwards (see schedule); gibbs_lasso: unused (time = h x sweeps)"},
    {"sampler", "T", K_TIME, OFF(T), 0, "h", R_GE, CONFIG_MIN_STEP, HUGE_VAL, NULL, 0,
     "proximal time T; 'h' (default) follows the step size (unused by gibbs_lasso)"},
    {"sampler", "gamma", K_TIME, OFF(gamma), 0, "h", R_GT, 0, HUGE_VAL, NULL, MB(METHOD_MYULA) | MB(METHOD_SVGD) | MB(METHOD_RWPO_L1),
     "myula, svgd, rwpo_l1 with precondition_l1 = moreau: Moreau-Yosida parameter gamma of the L1 term; 'h' (default) follows the step size"},
    {"sampler", "schedule", K_STRING, OFF(schedule), SZ(schedule), "", R_NONE, 0, 0, NULL, 0,
     "step-size changes 'layer:h, layer:h' (layers from 1, increasing)"},
    {"sampler", "normaliser", K_ENUM, OFF(normaliser), 0, "exact", R_NONE, 0, 0, ch_normaliser,
     0, "key normaliser: exact (erfcx) or moreau (Laplace approximation)"},
    {"sampler", "weights", K_ENUM, OFF(weights), 0, "coordinatewise", R_NONE, 0, 0, ch_weights,
     0, "attention weights: coordinatewise (d heads of width 1) or joint"},
    {"sampler", "correct", K_ENUM, OFF(correct), 0, "none", R_NONE, 0, 0, ch_correct,
     MB(METHOD_RWPO_L1), "rwpo_l1: none, or pmala (correct_steps exact P-MALA steps per particle "
     "after every layer pull the cloud to the exact posterior); see Corrected RWPO"},
    {"sampler", "correct_steps", K_LONG, OFF(correct_steps), 0, "1", R_GE, 1, 1e6, NULL,
     MB(METHOD_RWPO_L1), "rwpo_l1, correct = pmala: P-MALA steps K per particle and layer"},
    {"sampler", "correct_h", K_TIME, OFF(correct_h), 0, "h", R_GT, 0, HUGE_VAL, NULL,
     MB(METHOD_RWPO_L1), "rwpo_l1, correct = pmala: P-MALA step size; 'h' (default) follows "
     "the step size"},
    {"sampler", "h_follows", K_ENUM, OFF(h_follows), 0, "none", R_NONE, 0, 0, ch_h_follows,
     PB(PROBLEM_DATA), "data: none, or bandwidth (h_k = h (sd_k / sd_1)^2, and T = h_k unless T "
     "is set: h and T follow the annealed bandwidth; not with a schedule)"},
    {"sampler", "precondition", K_ENUM, OFF(precondition), 0, "none", R_NONE, 0, 0, ch_precond,
     MB(METHOD_RWPO_L1), "rwpo_l1: the layer in the metric M: none, diagonal (diag M, exact L1 "
     "normaliser) or full (M; L1 by precondition_l1); see Preconditioned RWPO"},
    {"sampler", "precondition_source", K_ENUM, OFF(precondition_source), 0, "covariance",
     R_NONE, 0, 0, ch_precond_source, MB(METHOD_RWPO_L1), "rwpo_l1, precondition: M = beta x "
     "the cloud's covariance (covariance) or the inverse Hessian of f (hessian, linear only)"},
    {"sampler", "precondition_every", K_LONG, OFF(precondition_every), 0, "10", R_GE, 1, 1e9,
     NULL, MB(METHOD_RWPO_L1), "rwpo_l1, precondition_source = covariance: refresh M every k "
     "layers"},
    {"sampler", "precondition_l1", K_ENUM, OFF(precondition_l1), 0, "prox", R_NONE, 0, 0,
     ch_precond_l1, MB(METHOD_RWPO_L1), "rwpo_l1, precondition = full: the L1 term as a proximal "
     "step in the metric (prox) or through its Moreau envelope in the drift (moreau, gamma)"},
    {"problem", "type", K_ENUM, OFF(problem), 0, NULL, R_NONE, 0, 0, config_problem_names, 0,
     "smooth potential f: none, gaussian, mixture_laplace, linear, logistic, data (KDE of samples)"},
    {"problem", "mean", K_LIST, OFF(problem_mean), SZ(problem_mean), "0", R_NONE, 0, 0, NULL,
     PB(PROBLEM_GAUSSIAN), "gaussian: mu, one value or d values"},
    {"problem", "std", K_DOUBLE, OFF(problem_std), 0, "1", R_GT, 0, HUGE_VAL, NULL,
     PB(PROBLEM_GAUSSIAN), "gaussian: s in f = |x - mu|^2 / (2 s^2)"},
    /* linear inverse problem and logistic regression (issue 5) */
    {"problem", "operator", K_ENUM, OFF(problem_operator), 0, "gaussian", R_NONE, 0, 0,
     ch_operator, PB(PROBLEM_LINEAR),
     "linear: A = gaussian (iid N(0, 1/m)), blur1d, blur2d (Gaussian blur) or file"},
    {"problem", "operator_file", K_STRING, OFF(operator_file), SZ(operator_file), "", R_NONE, 0,
     0, NULL, PB(PROBLEM_LINEAR) | PB(PROBLEM_LOGISTIC),
     "path.h5:/dataset: linear: A [m][d]; logistic: features [n][d] (empty = generated)"},
    {"problem", "data_file", K_STRING, OFF(data_file), SZ(data_file), "", R_NONE, 0, 0, NULL,
     PB(PROBLEM_LINEAR) | PB(PROBLEM_LOGISTIC) | PB(PROBLEM_DATA),
     "path.h5:/dataset: linear: b [m]; logistic: labels 0/1 [n] (with operator_file); data: "
     "training samples [M][d] float64 (required)"},
    {"problem", "truth_file", K_STRING, OFF(truth_file), SZ(truth_file), "", R_NONE, 0, 0, NULL,
     PB(PROBLEM_LINEAR) | PB(PROBLEM_LOGISTIC),
     "optional path.h5:/dataset: the true x [d] of file data (for the truth metrics)"},
    {"problem", "m", K_LONG, OFF(problem_m), 0, "0", R_GE, 0, 1e9, NULL,
     PB(PROBLEM_LINEAR) | PB(PROBLEM_LOGISTIC),
     "linear: rows m of A (0 = d); logistic: data points n (0 = 500)"},
    {"problem", "sigma", K_DOUBLE, OFF(problem_sigma), 0, "0.1", R_GT, 0, HUGE_VAL, NULL,
     PB(PROBLEM_LINEAR), "linear: noise std sigma, f = |A x - b|^2 / (2 sigma^2)"},
    {"problem", "sparsity", K_LONG, OFF(problem_sparsity), 0, "5", R_GE, 0, 1e9, NULL,
     PB(PROBLEM_LINEAR), "linear: non-zeros k of the generated x_true (k <= d)"},
    {"problem", "blur_width", K_DOUBLE, OFF(blur_width), 0, "2", R_GT, 0, HUGE_VAL, NULL,
     PB(PROBLEM_LINEAR), "linear blur1d/blur2d: standard deviation of the blur in pixels"},
    {"problem", "support_threshold", K_DOUBLE, OFF(support_threshold), 0, "0.25", R_GE, 0,
     HUGE_VAL, NULL, PB(PROBLEM_LINEAR),
     "linear: |posterior mean| above this counts as support (precision/recall)"},
    /* sample-quality observables against held-out data (issue 13) */
    {"problem", "reference_file", K_STRING, OFF(reference_file), SZ(reference_file), "", R_NONE,
     0, 0, NULL, 0, "held-out samples path.h5:/dataset ([R][d] float64): record the "
     "sample-quality observables (energy distance, sliced W2, MMD, nearest distances)"},
    {"problem", "directions", K_LONG, OFF(quality_directions), 0, "64", R_GE, 1, 1e5, NULL, 0,
     "sliced W2: number of random directions (drawn from run.seed)"},
    {"problem", "quality_every", K_LONG, OFF(quality_every), 0, "1", R_GE, 1, 1e9, NULL, 0,
     "compute the sample-quality observables at recorded layers that are multiples of k (and "
     "the last); NaN at the others"},
    {"problem", "bandwidth", K_DOUBLE, OFF(bandwidth), 0, "0.1", R_GT, 0, HUGE_VAL, NULL,
     PB(PROBLEM_DATA), "data: final bandwidth sd of f = -log sum_m exp(-|x - X_m|^2 / (2 sd^2))"},
    {"problem", "bandwidth_start", K_DOUBLE, OFF(bandwidth_start), 0, "0", R_GE, 0, HUGE_VAL,
     NULL, PB(PROBLEM_DATA), "data: sd of layer 1 (0 = bandwidth: no annealing)"},
    {"problem", "bandwidth_layers", K_LONG, OFF(bandwidth_layers), 0, "0", R_GE, 0, 1e9, NULL,
     PB(PROBLEM_DATA), "data: sd goes geometrically from bandwidth_start (layer 1) to bandwidth "
     "(this layer), then stays (0 = no annealing)"},
    {"linalg", "layout", K_ENUM, OFF(linalg_layout), 0, "auto", R_NONE, 0, 0, ch_layout,
     PB(PROBLEM_LINEAR),
     "operator layout: replicated (A on every rank, DGEMM), distributed (ScaLAPACK), auto"},
    {"linalg", "block", K_LONG, OFF(linalg_block), 0, "64", R_GE, 1, 1e6, NULL,
     PB(PROBLEM_LINEAR), "ScaLAPACK block size (rows = columns)"},
    {"linalg", "memory_budget", K_LONG, OFF(linalg_memory_budget), 0, "1073741824", R_GE, 0,
     9e15, NULL, PB(PROBLEM_LINEAR),
     "bytes per rank for the operator: auto replicates A when it fits"},
    {"linalg", "grid_rows", K_LONG, OFF(linalg_grid_rows), 0, "0", R_GE, 0, 1e6, NULL,
     PB(PROBLEM_LINEAR), "BLACS process-grid rows, a divisor of the rank count (0 = squarest)"},
    /* OT-Flow's generator drift before the RWPO-L1 layers (issue 13) */
    {"flow", "file", K_STRING, OFF(flow_file), SZ(flow_file), "", R_NONE, 0, 0, NULL,
     MB(METHOD_RWPO_L1), "OT-Flow potential Phi (HDF5 with group /phi, see configs/data): "
     "layers 1..flow.steps integrate its generator ODE (\"\" = none)"},
    {"flow", "steps", K_LONG, OFF(flow_steps), 0, "12", R_GE, 1, 1e6, NULL, MB(METHOD_RWPO_L1),
     "RK4 steps of the flow from t = 1 to t = 0 (layers 1..steps)"},
    {"flow", "readout_lambda", K_DOUBLE, OFF(flow_readout_lambda), 0, "0", R_GE, 0, HUGE_VAL,
     NULL, MB(METHOD_RWPO_L1), "observable readout_zeros: fraction of exact zeros of "
     "S_{lambda_out T}(x) at the recorded layers, T of the last layer (0 = off)"},
};

const int config_n_keys = (int)(sizeof config_keys / sizeof config_keys[0]);

int config_key_applies(const rwpo_config *cfg, const key_spec *k)
{
    const int problems = k->problems & PB_ALL, methods = k->problems & ~PB_ALL;
    return (!problems || (problems & PB(cfg->problem))) &&
           (!methods || (methods & MB(cfg->method)));
}

void config_key_range_text(const key_spec *k, char *buf, size_t n)
{
    char lo[64] = "", hi[64] = "";
    if (k->lo_kind == R_GE)
        snprintf(lo, sizeof lo, ">= %g", k->lo);
    else if (k->lo_kind == R_GT)
        snprintf(lo, sizeof lo, "> %g", k->lo);
    if (k->hi != HUGE_VAL)
        snprintf(hi, sizeof hi, "<= %g", k->hi);
    snprintf(buf, n, "%s%s%s", lo, (lo[0] && hi[0]) ? " and " : "", hi);
}

void config_key_choices_text(const key_spec *k, char *buf, size_t n)
{
    buf[0] = '\0';
    for (int c = 0; k->choices[c]; c++) {
        size_t l = strlen(buf);
        snprintf(buf + l, n - l, "%s%s", c ? " | " : "", k->choices[c]);
    }
}
