/**
 * @file config.h
 * @brief The run configuration: a plain struct, defaults < INI file < --set overrides.
 *
 * Rank 0 parses (libinih) and validates; the resolved struct is broadcast as bytes (it holds no
 * pointers). Every key, its type, default, range and meaning is in one table (config_keys.c),
 * which also drives `rwpo check`, the README's key list and the /parameters attributes of the
 * output. config_load checks every key and the rules between keys of this layer; the rules of a
 * problem's inputs (operator and data files, m, sparsity) belong to the problems layer
 * (problem_check_config), which the loaders above it (cli/sweep.c) call after config_load.
 */
#ifndef RWPO_CONFIG_H
#define RWPO_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "rwpo/base/values.h"

#define CONFIG_STR 1024       /**< capacity of path-like strings */
#define CONFIG_LIST 8192      /**< capacity of list-valued strings (init_mean, problem.mean) */
#define CONFIG_MAX_SCHEDULE 64 /**< entries in sampler.schedule */
/** Smallest step size h and proximal time T: below it the layer's terms (h/(2T)) (S(y) - A) and
 * the L1 normaliser's erfcx arguments lose every digit in double precision. */
#define CONFIG_MIN_STEP 1e-12
#define CONFIG_ERR 1024       /**< capacity of an error message */

typedef enum { INIT_GAUSSIAN = 0, INIT_FILE = 1 } config_init;
typedef enum {
    METHOD_RWPO_L1 = 0,
    METHOD_ULA = 1,
    METHOD_MYULA = 2,
    METHOD_PMALA = 3,
    METHOD_GIBBS_LASSO = 4,
    METHOD_SVGD = 5
} config_method;
/** sampler.method = gibbs_lasso: largest d (a d x d Cholesky per particle and sweep). */
#define CONFIG_GIBBS_MAX_DIM 500
typedef enum { NORMALISER_EXACT = 0, NORMALISER_MOREAU = 1 } config_normaliser;
typedef enum { WEIGHTS_COORDINATEWISE = 0, WEIGHTS_JOINT = 1 } config_weights;
/** sampler.correct (rwpo_l1): none, or pmala steps after every layer. */
typedef enum { CORRECT_NONE = 0, CORRECT_PMALA = 1 } config_correct;
/** sampler.precondition (rwpo_l1): the metric M of the preconditioned layer. */
typedef enum { PRECOND_NONE = 0, PRECOND_DIAGONAL = 1, PRECOND_FULL = 2 } config_precond;
/** sampler.precondition_source: where M comes from. */
typedef enum { PRECOND_COVARIANCE = 0, PRECOND_HESSIAN = 1 } config_precond_source;
/** sampler.precondition_l1: the L1 term of the full-metric layer. */
typedef enum { PRECOND_L1_PROX = 0, PRECOND_L1_MOREAU = 1 } config_precond_l1;
typedef enum { RING_OVERLAP = 0, RING_BLOCKING = 1 } config_ring;
typedef enum { KERNEL_FAST = 0, KERNEL_REFERENCE = 1 } config_kernel;
/** run.attention: the coordinatewise attention's method. */
typedef enum { ATTENTION_DIRECT = 0, ATTENTION_FGT = 1, ATTENTION_AUTO = 2 } config_attention;
/** run.attention = auto: the fast Gauss transform from this N on (measured crossover). */
#define CONFIG_FGT_AUTO_MIN_N 1024
typedef enum {
    PROBLEM_NONE = 0,
    PROBLEM_GAUSSIAN = 1,
    PROBLEM_MIXTURE_LAPLACE = 2,
    PROBLEM_LINEAR = 3,
    PROBLEM_LOGISTIC = 4,
    PROBLEM_DATA = 5
} config_problem;
typedef enum { OPERATOR_GAUSSIAN = 0, OPERATOR_BLUR1D = 1, OPERATOR_BLUR2D = 2, OPERATOR_FILE = 3 }
    config_operator;
typedef enum { LAYOUT_AUTO = 0, LAYOUT_REPLICATED = 1, LAYOUT_DISTRIBUTED = 2 } config_layout;
/** sampler.h_follows (problem.type = data): h and T fixed, or scaled with the bandwidth^2. */
typedef enum { H_FOLLOWS_NONE = 0, H_FOLLOWS_BANDWIDTH = 1 } config_h_follows;

/** The resolved configuration. Strings are NUL-terminated; lists are comma-separated text. */
typedef struct {
    /* [run] */
    char name[256];            /**< run name (labels output) */
    char output[CONFIG_STR];   /**< output HDF5 path */
    long layers;               /**< number of layers L (>= 0) */
    long seed;                 /**< seed of the counter-based generator (>= 0) */
    long every;                /**< record positions every `every` layers (>= 1) */
    double sparsity_tol;       /**< |x| <= tol counts as zero in the sparsity observable */
    double progress;           /**< seconds between progress lines (0 = every layer) */
    config_ring ring;          /**< ring variant: overlap | blocking */
    config_kernel kernel;      /**< attention kernels: fast | reference */
    long block;                /**< key-block size of the attention kernel (rows of keys) */
    config_attention attention; /**< coordinatewise attention: direct | fgt | auto */
    double tolerance;          /**< fgt: per-row relative error bound */
    long checkpoint_every;     /**< checkpoint every k layers (0 = only at early stops) */
    double wall_time;          /**< wall-clock budget in seconds (0 = none) */
    char stop_file[CONFIG_STR]; /**< stop request file ("" = none) */
    /* [particles] */
    long n;                    /**< number of particles N (>= 1) */
    long dim;                  /**< dimension d (>= 1) */
    config_init init;          /**< gaussian | file */
    double init_scale;         /**< standard deviation of the gaussian initial cloud */
    char init_mean[CONFIG_LIST]; /**< one value or d values */
    char init_file[CONFIG_STR];  /**< path.h5:/dataset with [N][d] float64 */
    /* [sampler] */
    config_method method;
    double beta;               /**< INVERSE temperature (> 0) */
    double lambda;             /**< L1 weight (>= 0) */
    double h;                  /**< step size of layers 1.. (before any schedule entry) */
    double T;                  /**< proximal time; 0 in the struct means "= h" (T unset) */
    double gamma;              /**< myula: Moreau-Yosida parameter; 0 means "= h" (unset) */
    char schedule[CONFIG_STR]; /**< "layer:h, layer:h" */
    config_normaliser normaliser;
    config_weights weights;
    config_correct correct;    /**< rwpo_l1: none | pmala (steps after every layer) */
    long correct_steps;        /**< rwpo_l1, correct = pmala: P-MALA steps per layer K (>= 1) */
    double correct_h;          /**< rwpo_l1: P-MALA step size; 0 means "= h" (unset) */
    config_h_follows h_follows; /**< data: h_k = h (sd_k / sd_1)^2 (and T unless set) */
    config_precond precondition;          /**< rwpo_l1: none | diagonal | full */
    config_precond_source precondition_source; /**< covariance (of the cloud) | hessian */
    long precondition_every;   /**< rwpo_l1, covariance: refresh M every k layers (>= 1) */
    config_precond_l1 precondition_l1; /**< rwpo_l1, full: prox (in the metric) | moreau */
    /* [problem] */
    config_problem problem;
    char problem_mean[CONFIG_LIST]; /**< gaussian: mu, one value or d values */
    double problem_std;        /**< gaussian: s */
    config_operator problem_operator;     /**< linear: gaussian | blur1d | blur2d | file */
    char operator_file[CONFIG_STR];       /**< linear: A; logistic: features (path.h5:/dataset) */
    char data_file[CONFIG_STR];           /**< linear: b; logistic: labels (path.h5:/dataset) */
    char truth_file[CONFIG_STR];          /**< optional x_true / theta_true (path.h5:/dataset) */
    long problem_m;            /**< linear: rows m of A (0 = d); logistic: data points n */
    double problem_sigma;      /**< linear: noise standard deviation sigma */
    long problem_sparsity;     /**< linear: non-zeros k of the generated x_true */
    double blur_width;         /**< linear blur1d/blur2d: Gaussian blur width in pixels */
    double support_threshold;  /**< linear: |posterior mean| > threshold counts as support */
    char reference_file[CONFIG_STR]; /**< held-out samples [R][d] (path.h5:/dataset) of the
                                          sample-quality observables ("" = none) */
    long quality_directions;   /**< sliced W2: number K of random directions */
    long quality_every;        /**< sample-quality observables every k layers (NaN between) */
    /* [flow] */
    char flow_file[CONFIG_STR]; /**< OT-Flow potential Phi (HDF5, "" = no flow layers) */
    long flow_steps;           /**< layers 1..steps are the flow's RK4 steps */
    double flow_readout_lambda; /**< readout_zeros: zeros of S_{lambda_out T}(x) (0 = off) */
    double bandwidth;          /**< data: final KDE bandwidth sd (> 0) */
    double bandwidth_start;    /**< data: sd of layer 1; 0 means "= bandwidth" (no annealing) */
    long bandwidth_layers;     /**< data: geometric sd from start (layer 1) to final (this layer) */
    /* [linalg] */
    config_layout linalg_layout;  /**< auto | replicated | distributed */
    long linalg_block;         /**< ScaLAPACK block size */
    long linalg_memory_budget; /**< bytes per rank for the operator (auto layout) */
    long linalg_grid_rows;     /**< BLACS process rows (0 = as square as possible) */
    /* derived (filled by validation) */
    int n_schedule;
    long schedule_layer[CONFIG_MAX_SCHEDULE];
    double schedule_h[CONFIG_MAX_SCHEDULE];
} rwpo_config;

/** The section holding a parameter study (read by sweep.c; config_load skips it). */
#define CONFIG_SWEEP_SECTION "sweep"

/**
 * Is "section.key" a configuration key? If not, and hint is given, writes a suggestion
 * (" (did you mean sampler.beta?)" or a pointer to the key list) into hint. Serial, pure.
 */
int config_key_known(const char *dotted, char *hint, size_t hintlen);

/**
 * Load, override and validate every key and the rules between keys of this layer (call on rank
 * 0 only; serial). The rules of a problem's inputs are not checked here: a caller that runs or
 * checks the configuration calls problem_check_config (problems layer) next.
 * @param path INI file
 * @param sets "section.key=value" strings, n_sets of them (applied after the file)
 * @param cfg  output (caller-owned)
 * @param err  one-line reason on failure (names file/line or --set, key, value and what is allowed)
 * @return 0 on success, -1 on any error
 */
int config_load(const char *path, char *const *sets, int n_sets, rwpo_config *cfg, char *err,
                size_t errlen);

/**
 * Parse and validate INI text (e.g. the configuration stored in a run file or checkpoint) as
 * config_load does; `label` names it in messages. Serial. 0 or -1 with the reason in err.
 */
int config_parse_text(const char *label, const char *text, rwpo_config *cfg, char *err,
                      size_t errlen);

/**
 * Compare the keys that change the physics (sampler.*, problem.*, particles.n, particles.dim,
 * run.seed). Writes "section.key (old -> new), ..." into out; returns how many differ. Serial.
 */
int config_physics_diff(const rwpo_config *a, const rwpo_config *b, char *out, size_t outlen);

/** FNV-1a 64 hash of the resolved physics keys (stored in checkpoints). Serial, pure. */
unsigned long long config_physics_hash(const rwpo_config *c);

/** Fill the defaults (what a file with no keys would give, required keys zeroed). Serial. */
void config_defaults(rwpo_config *cfg);

/**
 * Step size h and proximal time T of layer k >= 1. With sampler.h_follows = bandwidth (data
 * targets) h_k = h (sd_k / sd_1)^2 and T_k = h_k unless T is set. Serial, pure.
 */
void config_step(const rwpo_config *cfg, long k, double *h, double *T);

/**
 * KDE bandwidth sd_k of a data target at layer k (problem.bandwidth*): geometric from
 * bandwidth_start at layer 1 to bandwidth at layer bandwidth_layers, constant after it;
 * sd_k = sd_1 for k < 1 (the initial cloud). A pure function of k (restarts are bitwise).
 * Serial, pure.
 */
double config_bandwidth(const rwpo_config *cfg, long k);

/**
 * The one rule for lists (vectors, schedules, sweep values): split `text` in place at `sep`,
 * trimming white space around every item; an empty item (",,", a leading or trailing separator,
 * or an empty text) is an error. Serial.
 * @param items receives up to max pointers into text
 * @return the number of items; -1 if an item is empty; -2 if there are more than max
 */
int config_list_split(char *text, char sep, char **items, int max);

/** Trim white space at both ends of s in place; returns the first non-space character. */
char *config_trim(char *s);

/**
 * Parse a list of 1 or d finite numbers into out[d] (broadcasting a single value; out may be
 * NULL to only check the text). Serial. 0 or -1.
 */
int config_parse_vector(const char *text, long d, double *out);

/** Print the fully resolved configuration as INI text (every key, defaults included). Serial. */
void config_print(const rwpo_config *cfg, FILE *out);

/** The resolved INI text in a malloc'ed string (caller frees; NULL if out of memory). Serial. */
char *config_to_ini(const rwpo_config *cfg);

/**
 * The resolved parameters as h5md attributes ("section.key") in one malloc'ed block (caller
 * frees *out; the names live in the same block, string values point into cfg and static
 * storage, so cfg must outlive the array). Serial. Returns the count (0 and *out = NULL if out
 * of memory).
 */
int config_params(const rwpo_config *cfg, rwpo_param **out);

/** Print the key reference (section, key, type, default, meaning) as Markdown. Serial. */
void config_print_reference(FILE *out);

#endif /* RWPO_CONFIG_H */
