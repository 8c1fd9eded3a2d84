/**
 * @file test_ckpt.c
 * @brief MPI Check tests of checkpoints and restart (ckpt.h): run as mpirun -np P, P = 1..4.
 *
 * The reference is the uninterrupted run itself: a small problem (gaussian potential with the
 * L1 prior, N = 37 so that no rank count divides it, d = 3, 6 layers, a step-size schedule,
 * positions recorded every 2 layers) keeps a copy of every layer's particles and time.
 * (mixture_laplace would cost 0.15 s per sim_create at 4 ranks, for its exact marginals.)
 * A restart must reproduce them bit for bit (memcmp of each rank's rows, the verdict reduced
 * over ranks), both at the restart layer and after continuing to the last layer, and the
 * continued run file must hold the same frames as an uninterrupted one. The restart-source
 * decisions (none, done, a damaged latest checkpoint falling back to the previous one, refusals
 * of another N or d, of changed physics keys unless allowed, of a layer that is not recorded)
 * are checked through ckpt_restore's return value and the state it loads.
 *
 * Only the public API is used (sim_create, sim_layer, sim_record, ckpt_write, ckpt_restore,
 * probe_file/input_read_frame to inspect files); the helpers are small so that a change of the
 * ckpt API touches few lines. Every verdict is agreed across ranks before it is asserted. Files
 * go to a directory made by mkdtemp on rank 0 (its name broadcast) and removed at the end.
 */
#include "rwpo/run/ckpt.h"

#include <check.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rwpo/base/comm.h"
#include "rwpo/base/config.h"
#include "rwpo/base/runfiles.h"
#include "rwpo/io/h5md.h"
#include "rwpo/io/input.h"
#include "rwpo/io/probe.h"
#include "rwpo/run/sim.h"

#include "mpi_check.h"

#define LAYERS 6

static char g_dir[512];

/* ---------------------------------------------------------------- helpers */

/* "DIR/name" into buf. */
static void in_dir(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", g_dir, name);
}

/* The test problem, writing DIR/output (every rank parses the same text). */
static void make_config(rwpo_config *c, const char *output)
{
    char text[2048], err[CONFIG_ERR];
    snprintf(text, sizeof text,
             "[run]\noutput = %s/%s\nlayers = %d\nevery = 2\ncheckpoint_every = 0\n"
             "progress = 0\n[particles]\nn = 37\ndim = 3\ninit_scale = 2\n"
             "[sampler]\nbeta = 1\nlambda = 0.1\nh = 0.1\nschedule = 3:0.05\n"
             "[problem]\ntype = gaussian\nmean = 1, -1, 0.5\nstd = 0.7\n",
             g_dir, output, LAYERS);
    int rc = config_parse_text("test", text, c, err, sizeof err);
    ck_assert_msg(all_ok(rc == 0), "test configuration: %s", err);
}

/* Every layer's particles (this rank's rows) and time of an uninterrupted run. */
typedef struct {
    double *x[LAYERS + 1];
    double t[LAYERS + 1];
    size_t bytes;
} history;

static void history_free(history *h)
{
    for (int k = 0; k <= LAYERS; k++)
        free(h->x[k]);
}

static void keep(const sim *s, history *h)
{
    h->bytes = (size_t)(s->p->n_local * s->p->dim) * sizeof(double);
    h->x[s->layer] = malloc(h->bytes ? h->bytes : 1);
    memcpy(h->x[s->layer], s->p->x, h->bytes);
    h->t[s->layer] = s->time;
}

/* Run c from layer 0 with its output, recording like `rwpo run`, a checkpoint after each layer
 * k with bit k of ckpt_mask, the status "complete" at the end if asked. 1 on every rank if
 * all went well. */
static int reference_run(const rwpo_config *c, unsigned ckpt_mask, int complete, history *h)
{
    int code = -1;
    sim *s = sim_create(c, &code);
    if (!all_ok(s != NULL))
        return 0;
    int ok = sim_open_output(s, NULL) == 0 && sim_record(s) == 0;
    keep(s, h);
    while (ok && s->layer < c->layers) {
        ok = sim_layer(s) == 0 && (!sim_is_recorded(s, s->layer) || sim_record(s) == 0);
        if (ok)
            keep(s, h);
        if (ok && (ckpt_mask >> s->layer & 1u))
            ok = ckpt_write(s) == 0;
    }
    char err[1024];
    if (ok && complete)
        ok = h5md_set_status(s->out, "complete", err, sizeof err) == 0;
    sim_destroy(s);
    return all_ok(ok);
}

/* A run restarted from spec as `rwpo run` does (ckpt_restore, then sim_open_output): the
 * outcome; the run in *out when CKPT_OK (NULL otherwise). */
static int restart(const rwpo_config *c, const char *spec, int allow_physics, sim **out)
{
    int code = -1;
    *out = NULL;
    sim *s = sim_create(c, &code);
    ck_assert_int_eq(all_ok(s != NULL), 1);
    ckpt_source src = {0};
    int r = ckpt_restore(s, spec, allow_physics, &src);
    int same = r;
    MPI_Bcast(&same, 1, MPI_INT, 0, MPI_COMM_WORLD);
    ck_assert_msg(all_ok(same == r), "ckpt_restore returned different outcomes on the ranks");
    if (r == CKPT_OK) {
        const sim_resume from = {src.path, spec, src.min_frames};
        ck_assert_int_eq(all_ok(sim_open_output(s, &from) == 0), 1);
        *out = s;
    } else {
        sim_destroy(s);
    }
    return r;
}

/* Continue a restarted run to its last layer as `rwpo run` does. 1 on every rank if all ok. */
static int continue_run(sim *s)
{
    int ok = 1;
    if (s->record_restart_frame)
        ok = sim_record(s) == 0;
    else
        sim_observe(s);
    while (ok && s->layer < s->cfg.layers)
        ok = sim_layer(s) == 0 && (!sim_is_recorded(s, s->layer) || sim_record(s) == 0);
    return all_ok(ok);
}

/* The run is at layer k of the history: same layer, time and particles, bit for bit. */
static int same_state(const sim *s, const history *h, long k)
{
    int ok = s->layer == k && s->time == h->t[k] &&
             (size_t)(s->p->n_local * s->p->dim) * sizeof(double) == h->bytes &&
             memcmp(s->p->x, h->x[k], h->bytes) == 0;
    return all_ok(ok);
}

/* Outcome of restarting from spec and the layer of the history the state equals (-1: none). */
static int restart_layer(const rwpo_config *c, const char *spec, int allow, const history *h,
                         int *outcome)
{
    sim *s;
    *outcome = restart(c, spec, allow, &s);
    int layer = -1;
    for (int k = 0; s && k <= LAYERS; k++)
        if (same_state(s, h, k))
            layer = k;
    sim_destroy(s);
    return layer;
}

/* Rank 0 damages a file: 0 truncated to half, 1 emptied, 2 overwritten with garbage. 1 if done. */
static int damage(const char *path, int how)
{
    int ok = 1;
    if (comm_rank() == 0) {
        struct stat sb;
        ok = stat(path, &sb) == 0;
        if (ok && how == 0)
            ok = truncate(path, sb.st_size / 2) == 0;
        else if (ok && how == 1)
            ok = truncate(path, 0) == 0;
        else if (ok) {
            FILE *f = fopen(path, "r+b");
            ok = f != NULL;
            for (off_t i = 0; ok && i < sb.st_size; i++)
                fputc((int)((i * 131 + 7) & 0xff), f);
            ok = ok && fclose(f) == 0;
        }
    }
    return all_ok(ok);
}

/* Copy a run's files (run.output and its two checkpoints) to those of run.output `to`
 * (rank 0). 1 on every rank if done. */
static int copy_run(const char *from, const char *to)
{
    char src[3][CONFIG_STR + 16], dst[3][CONFIG_STR + 16];
    snprintf(src[0], sizeof src[0], "%s", from);
    snprintf(dst[0], sizeof dst[0], "%s", to);
    runfiles_checkpoints(from, src[1], src[2], NULL, sizeof src[0]);
    runfiles_checkpoints(to, dst[1], dst[2], NULL, sizeof dst[0]);
    int ok = 1;
    for (int i = 0; comm_rank() == 0 && i < 3; i++) {
        FILE *in = fopen(src[i], "rb"), *out = in ? fopen(dst[i], "wb") : NULL;
        ok &= in && out;
        for (int ch; ok && (ch = fgetc(in)) != EOF;)
            ok = fputc(ch, out) != EOF;
        if (in)
            fclose(in);
        if (out)
            ok &= fclose(out) == 0;
    }
    return all_ok(ok);
}

/* Layers recorded in a run file (rank 0 reads, broadcast); count returned, -1 if unreadable. */
static int recorded_layers(const char *path, long long *steps, double *times, int max)
{
    int n = -1;
    if (comm_rank() == 0) {
        probe_info pi;
        char err[1024];
        if (probe_file(path, &pi, err, sizeof err) == 0) {
            n = pi.n_rec < max ? (int)pi.n_rec : max;
            memcpy(steps, pi.steps, (size_t)n * sizeof *steps);
            memcpy(times, pi.times, (size_t)n * sizeof *times);
            probe_free(&pi);
        }
    }
    MPI_Bcast(&n, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (n > 0) {
        MPI_Bcast(steps, n, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
        MPI_Bcast(times, n, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    }
    return n;
}

/* Frame `frame` of a run file equals layer k of the history (this rank's rows, bitwise). */
static int frame_is(const rwpo_config *c, const char *path, long frame, const history *h, int k)
{
    long nl, off;
    particles_shard(c->n, comm_size(), comm_rank(), &nl, &off);
    double *x = malloc(h->bytes ? h->bytes : 1);
    char err[1024];
    int ok = input_read_frame(path, comm_world(), frame, c->n, (int)c->dim, off, nl, x, err,
                             sizeof err) == 0 &&
             memcmp(x, h->x[k], h->bytes) == 0;
    free(x);
    return all_ok(ok);
}

/* ---------------------------------------------------------------- tests */

/* Checkpoint at layer 3, run on to 6; "auto" restarts at layer 3 with the same particles and
 * time and continues to the same final state, the run file ending with the same frames. */
START_TEST(test_round_trip)
{
    rwpo_config c;
    history h = {0};
    make_config(&c, "rt.h5");
    ck_assert_int_eq(reference_run(&c, 1u << 3, 0, &h), 1);

    sim *s;
    ck_assert_int_eq(restart(&c, "auto", 0, &s), CKPT_OK);
    ck_assert_msg(same_state(s, &h, 3), "state after restart differs from layer 3");
    ck_assert_int_eq(continue_run(s), 1);
    ck_assert_msg(same_state(s, &h, LAYERS), "continued run differs from the uninterrupted one");
    sim_destroy(s);

    /* the continued file: frames of layers 0, 2, 4, 6 with their times and particles */
    long long steps[16];
    double times[16];
    ck_assert_int_eq(recorded_layers(c.output, steps, times, 16), 4);
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(steps[i], 2 * i);
        ck_assert_msg(times[i] == h.t[2 * i], "frame %d: time %.17g, want %.17g", i, times[i],
                      h.t[2 * i]);
        ck_assert_msg(frame_is(&c, c.output, i, &h, 2 * i), "frame %d differs", i);
    }
    history_free(&h);
}
END_TEST

/* "FILE:LAYER" of the run file gives the state of that layer's checkpoint; "FILE" alone the last
 * recorded layer. Restarts write to new outputs, so the files read stay untouched. */
START_TEST(test_file_layer)
{
    rwpo_config c, a, b;
    history h = {0};
    make_config(&c, "fl.h5");
    ck_assert_int_eq(reference_run(&c, 1u << 4, 0, &h), 1);
    char ckpt[CONFIG_STR + 16], spec[CONFIG_STR + 16];
    runfiles_checkpoints(c.output, ckpt, NULL, NULL, sizeof ckpt);

    make_config(&a, "fl_from_ckpt.h5");
    sim *sa, *sb;
    ck_assert_int_eq(restart(&a, ckpt, 0, &sa), CKPT_OK);
    ck_assert_msg(same_state(sa, &h, 4), "checkpoint restart is not layer 4");

    make_config(&b, "fl_from_file.h5");
    snprintf(spec, sizeof spec, "%s:4", c.output);
    ck_assert_int_eq(restart(&b, spec, 0, &sb), CKPT_OK);
    ck_assert_msg(same_state(sb, &h, 4), "%s is not layer 4", spec);
    ck_assert(all_ok(sa->time == sb->time));
    ck_assert_int_eq(continue_run(sa), 1);
    ck_assert_int_eq(continue_run(sb), 1);
    ck_assert_msg(same_state(sa, &h, LAYERS) && same_state(sb, &h, LAYERS),
                  "continued runs differ");
    sim_destroy(sa);
    sim_destroy(sb);

    int outcome;
    make_config(&b, "fl_last.h5");
    ck_assert_int_eq(restart_layer(&b, c.output, 0, &h, &outcome), LAYERS);
    ck_assert_int_eq(outcome, CKPT_OK);
    make_config(&b, "fl_zero.h5");
    snprintf(spec, sizeof spec, "%s:0", c.output);
    ck_assert_int_eq(restart_layer(&b, spec, 0, &h, &outcome), 0);
    ck_assert_int_eq(outcome, CKPT_OK);
    history_free(&h);
}
END_TEST

/* "auto": nothing to restart from -> CKPT_NONE; a complete run -> CKPT_DONE, unless run.layers
 * grew (then its checkpoint is used). */
START_TEST(test_auto_none_done)
{
    rwpo_config c;
    sim *s;
    make_config(&c, "none.h5");
    ck_assert_int_eq(restart(&c, "auto", 0, &s), CKPT_NONE);

    history h = {0}; /* an interrupted run without checkpoints: its last recorded layer */
    make_config(&c, "nockpt.h5");
    ck_assert_int_eq(reference_run(&c, 0, 0, &h), 1);
    int outcome;
    ck_assert_int_eq(restart_layer(&c, "auto", 0, &h, &outcome), LAYERS);
    ck_assert_int_eq(outcome, CKPT_OK);
    history_free(&h);

    history g = {0};
    make_config(&c, "done.h5");
    ck_assert_int_eq(reference_run(&c, 1u << 2, 1, &g), 1);
    ck_assert_int_eq(restart(&c, "auto", 0, &s), CKPT_DONE);
    c.layers = LAYERS + 2; /* not a physics key: the complete file's last frame, newer than the
                            * checkpoint of layer 2 */
    ck_assert_int_eq(restart_layer(&c, "auto", 0, &g, &outcome), LAYERS);
    ck_assert_int_eq(outcome, CKPT_OK);
    history_free(&g);
}
END_TEST

/* A damaged latest checkpoint (truncated, emptied, overwritten with garbage) falls back to the
 * previous one ("auto" and the explicit latest path); both damaged is an error. */
START_TEST(test_damaged_fallback)
{
    rwpo_config c, d;
    history h = {0};
    make_config(&c, "dmg.h5");
    ck_assert_int_eq(reference_run(&c, 1u << 2 | 1u << 4, 0, &h), 1);
    char latest[CONFIG_STR + 16], prev[CONFIG_STR + 16];
    int outcome;
    for (int how = 0; how < 3; how++) {
        char name[32];
        snprintf(name, sizeof name, "dmg%d.h5", how);
        make_config(&d, name);
        ck_assert_int_eq(copy_run(c.output, d.output), 1);
        runfiles_checkpoints(d.output, latest, prev, NULL, sizeof latest);
        if (how == 0) { /* the copies are sound */
            ck_assert_int_eq(restart_layer(&d, "auto", 0, &h, &outcome), 4);
            ck_assert_int_eq(outcome, CKPT_OK);
        }
        ck_assert_int_eq(damage(latest, how), 1);
        ck_assert_msg(restart_layer(&d, "auto", 0, &h, &outcome) == 2 && outcome == CKPT_OK,
                      "damage %d: no fallback to the previous checkpoint (outcome %d)", how,
                      outcome);
    }
    ck_assert_int_eq(restart_layer(&d, latest, 0, &h, &outcome), 2);
    ck_assert_int_eq(outcome, CKPT_OK);

    /* both damaged: the run file's last frame (layer 2: the restarts above opened the run file
     * as `rwpo run` does, which truncated it to the restart layer) */
    ck_assert_int_eq(damage(prev, 0), 1);
    ck_assert_int_eq(restart_layer(&d, "auto", 0, &h, &outcome), 2);
    ck_assert_int_eq(outcome, CKPT_OK);
    ck_assert_int_eq(damage(d.output, 0), 1); /* and the run file too: refused */
    sim *s;
    ck_assert_int_eq(restart(&d, "auto", 0, &s), CKPT_BAD);
    history_free(&h);
}
END_TEST

/* Refusals: another N or d, a changed physics key (accepted with allow_physics), a layer that is
 * not recorded or not the checkpoint's, a layer beyond run.layers, a missing file. A changed
 * non-physics key is accepted. */
START_TEST(test_refusals)
{
    rwpo_config c, o;
    history h = {0};
    make_config(&c, "ref.h5");
    ck_assert_int_eq(reference_run(&c, 1u << 4, 0, &h), 1);
    char ckpt[CONFIG_STR + 16], spec[CONFIG_STR + 32];
    runfiles_checkpoints(c.output, ckpt, NULL, NULL, sizeof ckpt);
    sim *s;
    int outcome;

    o = c;
    o.n = 38;
    ck_assert_int_eq(restart(&o, "auto", 0, &s), CKPT_BAD);
    ck_assert_int_eq(restart(&o, ckpt, 1, &s), CKPT_BAD); /* not even with the override */
    o = c;
    o.dim = 4;
    snprintf(o.problem_mean, sizeof o.problem_mean, "1"); /* 3 values would not fit d = 4 */
    ck_assert_int_eq(restart(&o, "auto", 0, &s), CKPT_BAD);

    /* FILE:LAYER of a layer that is not recorded (every = 2), or beyond the run */
    make_config(&o, "ref_out.h5");
    snprintf(spec, sizeof spec, "%s:3", c.output);
    ck_assert_int_eq(restart(&o, spec, 0, &s), CKPT_BAD);
    snprintf(spec, sizeof spec, "%s:99", c.output);
    ck_assert_int_eq(restart(&o, spec, 0, &s), CKPT_BAD);
    snprintf(spec, sizeof spec, "%s:2", ckpt); /* the checkpoint holds layer 4 */
    ck_assert_int_eq(restart(&o, spec, 0, &s), CKPT_BAD);
    in_dir(spec, sizeof spec, "missing.h5");
    ck_assert_int_eq(restart(&o, spec, 0, &s), CKPT_BAD);
    o.layers = 3; /* the checkpoint is at layer 4 */
    ck_assert_int_eq(restart(&o, ckpt, 0, &s), CKPT_BAD);

    /* non-physics keys may change */
    make_config(&o, "ref_out.h5");
    o.every = 3;
    o.checkpoint_every = 1;
    o.progress = 5;
    snprintf(o.name, sizeof o.name, "renamed");
    ck_assert_int_eq(restart_layer(&o, ckpt, 0, &h, &outcome), 4);
    ck_assert_int_eq(outcome, CKPT_OK);

    /* physics keys may not, unless allowed (the state is then the checkpoint's) */
    o = c;
    o.beta = 2.0;
    ck_assert_int_eq(restart(&o, "auto", 0, &s), CKPT_BAD);
    ck_assert_int_eq(restart(&o, ckpt, 0, &s), CKPT_BAD);
    o = c;
    o.seed = 2;
    ck_assert_int_eq(restart(&o, "auto", 0, &s), CKPT_BAD);
    o = c;
    o.beta = 2.0;
    ck_assert_int_eq(restart_layer(&o, "auto", 1, &h, &outcome), 4);
    ck_assert_int_eq(outcome, CKPT_OK);
    history_free(&h);
}
END_TEST

/* ---------------------------------------------------------------- main */

int main(int argc, char **argv)
{
    /* Open MPI's OMPIO allocates its aggregation buffer (32 MB by default) at every collective
     * write; meson's MALLOC_PERTURB_ then fills each one, which made this suite 5-10x slower
     * on small shared machines. A 1 MB buffer is plenty for these files (set before MPI_Init;
     * an explicit setting wins). */
    setenv("OMPI_MCA_io_ompio_bytes_per_agg", "1048576", 0);
    comm_init(&argc, &argv);
    if (mpi_tmpdir(g_dir, sizeof g_dir, "test_ckpt") != 0) {
        comm_finalize();
        return EXIT_FAILURE;
    }
    Suite *s = suite_create("ckpt");
    TCase *tc = tcase_create("restart");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_round_trip);
    tcase_add_test(tc, test_file_layer);
    tcase_add_test(tc, test_auto_none_done);
    tcase_add_test(tc, test_damaged_fallback);
    tcase_add_test(tc, test_refusals);
    suite_add_tcase(s, tc);
    int passed = all_passed(s);
    mpi_tmpdir_remove(g_dir);
    comm_finalize();
    return passed ? EXIT_SUCCESS : EXIT_FAILURE;
}
