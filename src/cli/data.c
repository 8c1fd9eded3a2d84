/**
 * @file data.c
 * @brief `rwpo data`: the 2-D toy sets of OT-Flow's lib/toy_data.py (see data.h).
 *
 * Definitions (U uniform on (0, 1), Z standard normal; every draw keyed by (seed, quantity,
 * sample i, coordinate); "shuffled" = the rows in the order of i.i.d. uniform keys, as
 * sklearn's shuffle, before the noise is added):
 *   moons        sklearn make_moons(M, noise 0.1) * 2 + (-1, -0.2): M/2 (floor) points
 *                (cos t, sin t), t = linspace(0, pi), and the rest (1 - cos t, 1/2 - sin t),
 *                shuffled, + 0.1 Z per coordinate
 *   circles      sklearn make_circles(M, factor 0.5, noise 0.08) * 3: M/2 on the unit circle
 *                and the rest on radius 0.5 (angles linspace(0, 2 pi) without the endpoint),
 *                shuffled, + 0.08 Z; then * 3
 *   rings        four circles of radii 1, 0.75, 0.5, 0.25 (M/4 points each, the remainder on the
 *                smallest; angles without the endpoint) * 3, shuffled, + 0.08 Z
 *   swissroll    sklearn make_swiss_roll(M, noise 1) coordinates (x, z) / 5: t = 1.5 pi (1 + 2U),
 *                (t cos t + Z, t sin t + Z) / 5
 *   8gaussians   (4 c + 0.5 Z) / 1.414, c one of the 8 unit vectors at angles k pi / 4, uniform
 *   pinwheel     5 classes of equal size (toy_data's M // 5 per class; here the classes of M
 *                rows differ by at most one): f = (1 + 0.3 Z, 0.1 Z), angle
 *                a = 2 pi c / 5 + 0.25 exp(f_1), x = 2 (f_1 cos a + f_2 sin a, -f_1 sin a + f_2 cos a),
 *                shuffled
 *   2spirals     r = sqrt(U) 540 (2 pi / 360), p = (-cos(r) r + U / 2, sin(r) r + U / 2), every
 *                second row -p (toy_data: the first half p, the second -p), / 3, + 0.1 Z
 *   checkerboard x1 = 4U - 2, x2 = U - 2 B + (floor(x1) mod 2) with B uniform in {0, 1}; * 2
 */
#include "rwpo/cli/data.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rwpo/base/comm.h"
#include "rwpo/base/log.h"
#include "rwpo/base/rng.h"
#include "rwpo/io/input.h"

static const char *const names[] = {"moons", "8gaussians", "circles", "rings", "swissroll",
                                    "2spirals", "checkerboard", "pinwheel"};
#define N_NAMES ((int)(sizeof names / sizeof names[0]))

/* The quantities (the generator's `layer` field). */
enum { Q_NOISE = 0, Q_PICK = 1, Q_SHAPE = 2, Q_ORDER = 3 };

typedef struct {
    unsigned long long seed;
} gen;

static double U(const gen *g, uint32_t q, long i, uint32_t c)
{
    return rng_uniform(g->seed, RNG_STREAM_DATA, q, (uint64_t)i, c);
}

static double Z(const gen *g, uint32_t q, long i, uint32_t c)
{
    return rng_normal(g->seed, RNG_STREAM_DATA, q, (uint64_t)i, c);
}

/* Sorting rows by i.i.d. uniform keys: a uniformly random order (sklearn's shuffle). */
typedef struct {
    double key;
    long row;
} order_key;

static int cmp_key(const void *a, const void *b)
{
    const double x = ((const order_key *)a)->key, y = ((const order_key *)b)->key;
    return (x > y) - (x < y);
}

static void shuffle(const gen *g, long m, double *x)
{
    order_key *k = xmalloc((size_t)m * sizeof *k);
    double *t = xmalloc((size_t)m * 2 * sizeof(double));
    for (long i = 0; i < m; i++)
        k[i] = (order_key){U(g, Q_ORDER, i, 0), i};
    qsort(k, (size_t)m, sizeof *k, cmp_key);
    for (long i = 0; i < m; i++) {
        t[2 * i] = x[2 * k[i].row];
        t[2 * i + 1] = x[2 * k[i].row + 1];
    }
    memcpy(x, t, (size_t)m * 2 * sizeof(double));
    free(t);
    free(k);
}

static void add_noise(const gen *g, long m, double sd, double *x)
{
    for (long i = 0; i < m; i++)
        for (int c = 0; c < 2; c++)
            x[2 * i + c] += sd * Z(g, Q_NOISE, i, (uint32_t)c);
}

/* numpy's linspace(0, end, n, endpoint) at j. */
static double lin(double end, long n, long j, int endpoint)
{
    const long div = endpoint ? n - 1 : n;
    return div > 0 ? end * (double)j / (double)div : 0.0;
}

static void moons(const gen *g, long m, double *x)
{
    const long n_out = m / 2, n_in = m - n_out;
    for (long i = 0; i < m; i++) {
        const int outer = i < n_out;
        const double t = outer ? lin(M_PI, n_out, i, 1) : lin(M_PI, n_in, i - n_out, 1);
        x[2 * i] = outer ? cos(t) : 1.0 - cos(t);
        x[2 * i + 1] = outer ? sin(t) : 1.0 - sin(t) - 0.5;
    }
    shuffle(g, m, x);
    add_noise(g, m, 0.1, x);
    for (long i = 0; i < m; i++) {
        x[2 * i] = 2.0 * x[2 * i] - 1.0;
        x[2 * i + 1] = 2.0 * x[2 * i + 1] - 0.2;
    }
}

static void circles(const gen *g, long m, double *x)
{
    const long n_out = m / 2, n_in = m - n_out;
    for (long i = 0; i < m; i++) {
        const int outer = i < n_out;
        const double t = outer ? lin(2 * M_PI, n_out, i, 0) : lin(2 * M_PI, n_in, i - n_out, 0);
        const double r = outer ? 1.0 : 0.5;
        x[2 * i] = r * cos(t);
        x[2 * i + 1] = r * sin(t);
    }
    shuffle(g, m, x);
    add_noise(g, m, 0.08, x);
    for (long i = 0; i < 2 * m; i++)
        x[i] *= 3.0;
}

static void rings(const gen *g, long m, double *x)
{
    const long q = m / 4, sizes[4] = {q, q, q, m - 3 * q};
    const double radii[4] = {1.0, 0.75, 0.5, 0.25};
    long i = 0;
    for (int r = 0; r < 4; r++)
        for (long j = 0; j < sizes[r]; j++, i++) {
            const double t = lin(2 * M_PI, sizes[r], j, 0);
            x[2 * i] = 3.0 * radii[r] * cos(t);
            x[2 * i + 1] = 3.0 * radii[r] * sin(t);
        }
    shuffle(g, m, x);
    add_noise(g, m, 0.08, x);
}

static void swissroll(const gen *g, long m, double *x)
{
    for (long i = 0; i < m; i++) {
        const double t = 1.5 * M_PI * (1.0 + 2.0 * U(g, Q_SHAPE, i, 0));
        x[2 * i] = (t * cos(t) + Z(g, Q_NOISE, i, 0)) / 5.0;
        x[2 * i + 1] = (t * sin(t) + Z(g, Q_NOISE, i, 1)) / 5.0;
    }
}

static void eight_gaussians(const gen *g, long m, double *x)
{
    for (long i = 0; i < m; i++) {
        int k = (int)floor(8.0 * U(g, Q_PICK, i, 0));
        k = k > 7 ? 7 : k;
        /* toy_data's order of centres does not matter for the distribution: angle k pi / 4 */
        const double a = (double)k * M_PI / 4.0;
        x[2 * i] = (4.0 * cos(a) + 0.5 * Z(g, Q_NOISE, i, 0)) / 1.414;
        x[2 * i + 1] = (4.0 * sin(a) + 0.5 * Z(g, Q_NOISE, i, 1)) / 1.414;
    }
}

static void pinwheel(const gen *g, long m, double *x)
{
    for (long i = 0; i < m; i++) {
        const long c = i * 5 / m;
        const double f1 = 1.0 + 0.3 * Z(g, Q_NOISE, i, 0), f2 = 0.1 * Z(g, Q_NOISE, i, 1);
        const double a = 2.0 * M_PI * (double)c / 5.0 + 0.25 * exp(f1);
        x[2 * i] = 2.0 * (f1 * cos(a) + f2 * sin(a));
        x[2 * i + 1] = 2.0 * (-f1 * sin(a) + f2 * cos(a));
    }
    shuffle(g, m, x);
}

static void two_spirals(const gen *g, long m, double *x)
{
    for (long i = 0; i < m; i++) {
        const double r = sqrt(U(g, Q_SHAPE, i, 0)) * 540.0 * (2.0 * M_PI) / 360.0;
        const double s = i % 2 ? -1.0 : 1.0;
        x[2 * i] = s * (-cos(r) * r + 0.5 * U(g, Q_SHAPE, i, 1)) / 3.0;
        x[2 * i + 1] = s * (sin(r) * r + 0.5 * U(g, Q_SHAPE, i, 2)) / 3.0;
    }
    add_noise(g, m, 0.1, x);
}

static void checkerboard(const gen *g, long m, double *x)
{
    for (long i = 0; i < m; i++) {
        const double x1 = 4.0 * U(g, Q_SHAPE, i, 0) - 2.0;
        const double b = U(g, Q_PICK, i, 0) < 0.5 ? 0.0 : 1.0;
        const double x2 = U(g, Q_SHAPE, i, 1) - 2.0 * b + fmod(floor(x1) + 2.0, 2.0);
        x[2 * i] = 2.0 * x1;
        x[2 * i + 1] = 2.0 * x2;
    }
}

static int find_name(const char *name)
{
    for (int i = 0; i < N_NAMES; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

int data_toy_generate(const char *name, long m, unsigned long long seed, double *x)
{
    static void (*const fns[])(const gen *, long, double *) = {
        moons, eight_gaussians, circles, rings, swissroll, two_spirals, checkerboard, pinwheel};
    const gen g = {seed};
    const int i = find_name(name);
    if (i < 0)
        return -1;
    if (m > 0)
        fns[i](&g, m, x);
    return 0;
}

/* A whole number in [lo, hi] from text: 0, or -1. */
static int parse_count(const char *s, double lo, double hi, long long *v)
{
    char *end;
    if (!s || !*s)
        return -1;
    const double d = strtod(s, &end);
    if (*end || !(d >= lo && d <= hi) || d != floor(d))
        return -1;
    *v = (long long)d;
    return 0;
}

int data_main(int argc, char **argv)
{
    const char *name = NULL, *out = NULL, *n_text = NULL, *seed_text = "1";
    int overwrite = 0;
    char err[2048] = "";
    for (int i = 1; i < argc && !err[0]; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--overwrite") == 0)
            overwrite = 1;
        else if (strcmp(a, "--n") == 0 || strcmp(a, "--seed") == 0 || strcmp(a, "-o") == 0) {
            if (i + 1 >= argc) {
                snprintf(err, sizeof err, "data: %s needs a value", a);
                break;
            }
            const char *v = argv[++i];
            *(a[2] == 'n' ? &n_text : a[2] == 's' ? &seed_text : &out) = v;
        } else if (a[0] == '-' || name)
            snprintf(err, sizeof err, "data: unexpected argument '%s' (usage: rwpo data NAME "
                     "--n M [--seed S] -o path.h5:/dataset [--overwrite])", a);
        else
            name = a;
    }
    long long m = 0, seed = 0;
    char allowed[256] = "";
    for (int i = 0; i < N_NAMES; i++)
        snprintf(allowed + strlen(allowed), sizeof allowed - strlen(allowed), "%s%s",
                 i ? ", " : "", names[i]);
    if (err[0]) {
    } else if (!name)
        snprintf(err, sizeof err, "data: no set named (allowed: %s)", allowed);
    else if (find_name(name) < 0)
        snprintf(err, sizeof err, "data: unknown set '%s' (allowed: %s)", name, allowed);
    else if (parse_count(n_text, 1, 1e9, &m) != 0)
        snprintf(err, sizeof err, "data: --n '%s': not a whole number of samples (allowed: 1 to "
                 "1e9)", n_text ? n_text : "");
    else if (parse_count(seed_text, 0, 9007199254740992.0, &seed) != 0)
        snprintf(err, sizeof err, "data: --seed '%s': not a whole number (allowed: 0 to 2^53)",
                 seed_text);
    else if (!out || !strstr(out, ":/"))
        snprintf(err, sizeof err, "data: -o '%s': expected path.h5:/dataset", out ? out : "");
    int rc = err[0] != '\0';
    if (!rc && comm_rank() == 0) {
        double *x = malloc((size_t)m * 2 * sizeof(double));
        if (!x)
            snprintf(err, sizeof err, "data: --n %lld: out of memory", m);
        else if (data_toy_generate(name, (long)m, (unsigned long long)seed, x) != 0 ||
                 input_write_samples(out, (long)m, 2, x, overwrite, err, sizeof err) != 0)
            rc = 1;
        rc = rc || !x;
        free(x);
        if (!rc)
            log_info("data: %s, %lld samples, seed %lld -> %s", name, m, seed, out);
    }
    comm_bcast_bytes(&rc, sizeof rc);
    if (rc)
        log_error("%s", err);
    return rc;
}
