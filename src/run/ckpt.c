/**
 * @file ckpt.c
 * @brief Checkpoint writing (temporary file, fsync, rotation) and restart (see ckpt.h).
 *
 * HDF5 goes through src/io (h5md, input, probe), agreement through comm.c; the file-system steps that make a
 * checkpoint durable (fsync of the file and of its directory, the two renames) are done by rank 0
 * and their verdict broadcast.
 */
#include "rwpo/run/ckpt.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rwpo_build.h"

#include "rwpo/base/comm.h"
#include "rwpo/base/log.h"
#include "rwpo/base/runfiles.h"
#include "rwpo/io/input.h"
#include "rwpo/io/probe.h"
#include "rwpo/io/h5md.h"

/* Group of the sampler's checkpoint array (sampler.h: array_name). */
#define CKPT_ARRAY_GROUP "/checkpoint/sampler"

static double g_last_seconds = 0.0;

double ckpt_last_seconds(void) { return g_last_seconds; }

unsigned long long ckpt_rows_hash(long offset, long n, long dim, const double *x)
{
    unsigned long long sum = 0;
    for (long i = 0; i < n; i++) {
        unsigned long long h = 1469598103934665603ULL;
        unsigned long long id = (unsigned long long)(offset + i);
        const unsigned char *b = (const unsigned char *)&id;
        for (size_t j = 0; j < sizeof id; j++)
            h = (h ^ b[j]) * 1099511628211ULL;
        b = (const unsigned char *)(x + i * dim);
        for (size_t j = 0; j < (size_t)dim * sizeof(double); j++)
            h = (h ^ b[j]) * 1099511628211ULL;
        sum += h;
    }
    return sum;
}

/* Order-independent hash of the particle data over all ranks (collective). */
static unsigned long long content_hash(const particles *p)
{
    unsigned long long sum = ckpt_rows_hash(p->offset, p->n_local, p->dim, p->x);
    comm_sum_u64(&sum, 1);
    return sum;
}

/* fsync a file or directory by path; 0 or -1 (errno set). */
static int fsync_path(const char *path, int dir)
{
    int fd = open(path, dir ? O_RDONLY | O_DIRECTORY : O_RDONLY);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

int ckpt_write(sim *s)
{
    const double t0 = comm_wtime();
    char latest[CONFIG_STR + 16], prev[CONFIG_STR + 16], tmp[CONFIG_STR + 16];
    char err[4096] = "", msg[4400];
    runfiles_checkpoints(s->cfg.output, latest, prev, tmp, sizeof latest);
    const unsigned long long chash = content_hash(s->p);

    snprintf(msg, sizeof msg, "layer %ld: checkpoint not written", s->layer);
    if (sim_check_space(s, tmp, 1.2 * (double)s->cfg.n * (double)s->cfg.dim * 8.0 +
                                    2.0 * SIM_METADATA_BYTES, msg))
        return -1;
    h5md_file *f = sim_create_file(s, tmp, H5MD_CHECKSUM, err, sizeof err);
    int rc = f ? 0 : -1;
    if (rc == 0)
        rc = h5md_write_positions(f, s->layer, s->time, s->p->offset, s->p->n_local, s->p->x,
                                  err, sizeof err);
    char hash_hex[32], content_hex[32];
    snprintf(hash_hex, sizeof hash_hex, "%016llx", config_physics_hash(&s->cfg));
    snprintf(content_hex, sizeof content_hex, "%016llx", chash);
    double own[SAMPLER_MAX_VALUES] = {0};
    if (s->method->n_ckpt > 0)
        s->method->save(s->method_state, own);
    rwpo_param attrs[9 + SAMPLER_MAX_VALUES] = {
        {.name = "format", .type = 's', .s = CKPT_FORMAT},
        {.name = "format_version", .type = 'i', .i = CKPT_FORMAT_VERSION},
        {.name = "layer", .type = 'i', .i = s->layer},
        {.name = "time", .type = 'd', .d = s->time},
        {.name = "trajectory_frames", .type = 'i', .i = s->out ? h5md_frames(s->out) : -1},
        {.name = "config_hash", .type = 's', .s = hash_hex},
        {.name = "content_hash", .type = 's', .s = content_hex},
        {.name = "ranks", .type = 'i', .i = s->n_ranks},
    };
    int n_attrs = 8;
    for (int i = 0; i < s->method->n_ckpt; i++) /* the sampler's own values */
        attrs[n_attrs++] = (rwpo_param){.name = s->method->ckpt_names[i], .type = 'd',
                                        .d = own[i]};
    attrs[n_attrs++] = (rwpo_param){.name = "program_version", .type = 's',
                                    .s = RWPO_VERSION " " RWPO_GIT_REVISION};
    /* every rank takes part in the collective calls of an open file, even after an error */
    if (f) {
        if (h5md_write_attrs(f, "/checkpoint", attrs, n_attrs,
                             rc == 0 ? err : msg, sizeof err) != 0)
            rc = -1;
        const long n_arr = s->method->array_name ? s->method->array_len(s->method_state) : 0;
        if (n_arr > 0) { /* the sampler's array (the same on every rank) */
            double *arr = xmalloc((size_t)n_arr * sizeof(double));
            s->method->array_save(s->method_state, arr);
            char name[128];
            snprintf(name, sizeof name, "%s/%s", CKPT_ARRAY_GROUP, s->method->array_name);
            if (h5md_write_dataset(f, name, 1, &n_arr, arr, "sampler state kept in checkpoints",
                                   rc == 0 ? err : msg, sizeof err) != 0)
                rc = -1;
            free(arr);
        }
        if (h5md_set_status(f, "checkpoint", rc == 0 ? err : msg, sizeof err) != 0)
            rc = -1;
        if (h5md_close(f) != 0 && rc == 0) {
            snprintf(err, sizeof err, "%s: cannot close", tmp);
            rc = -1;
        }
    }
    snprintf(msg, sizeof msg, "layer %ld: checkpoint not written: %s", s->layer, err);
    if (comm_agree_failure(rc != 0, msg)) {
        if (s->rank == 0)
            unlink(tmp);
        return -1;
    }
    /* durable, then atomically visible: fsync, rotate, fsync the directory */
    int fs_rc = 0;
    if (s->rank == 0) {
        char dir[CONFIG_STR + 16];
        snprintf(dir, sizeof dir, "%s", tmp);
        const char *d = dirname(dir);
        struct stat sb;
        if (fsync_path(tmp, 0) != 0) {
            snprintf(err, sizeof err, "fsync %s: %s", tmp, strerror(errno));
            fs_rc = -1;
        } else if (stat(latest, &sb) == 0 && rename(latest, prev) != 0) {
            snprintf(err, sizeof err, "rename %s -> %s: %s", latest, prev, strerror(errno));
            fs_rc = -1;
        } else if (rename(tmp, latest) != 0) {
            snprintf(err, sizeof err, "rename %s -> %s: %s", tmp, latest, strerror(errno));
            fs_rc = -1;
        } else if (fsync_path(d, 1) != 0) {
            snprintf(err, sizeof err, "fsync directory %s: %s", d, strerror(errno));
            fs_rc = -1;
        }
        if (fs_rc != 0)
            unlink(tmp);
    }
    snprintf(msg, sizeof msg, "layer %ld: checkpoint not written: %s", s->layer, err);
    if (comm_agree_failure(fs_rc != 0, msg))
        return -1;
    g_last_seconds = comm_wtime() - t0;
    return 0;
}

/* ---- restart ------------------------------------------------------------------------------- */

/* What rank 0 decided about one candidate, broadcast to all. */
typedef struct {
    int verdict; /* CKPT_OK, CKPT_BAD (refuse), -1 damaged (try the next candidate) */
    ckpt_source src;
    char msg[4400];
} decision;

/* Split "FILE:LAYER" (LAYER all digits) into path and layer (-1 when absent). */
static void split_restart_spec(const char *spec, char *path, size_t n, long *layer)
{
    snprintf(path, n, "%s", spec);
    *layer = -1;
    char *c = strrchr(path, ':');
    if (c && c[1] != '\0' && strspn(c + 1, "0123456789") == strlen(c + 1)) {
        *layer = strtol(c + 1, NULL, 10);
        *c = '\0';
    }
}

/* A sampler's value stored in /checkpoint (ckpt_write). 0, or -1 if the file lacks it. */
static int checkpoint_value(const probe_info *pi, const char *name, double *v)
{
    for (int i = 0; i < pi->ck_n_values; i++)
        if (strcmp(name, pi->ck_value_name[i]) == 0) {
            *v = pi->ck_value[i];
            return 0;
        }
    return -1;
}

/* The floor of examine that forbids walking back to an earlier frame. */
#define NO_WALK_BACK (-2L)

/* Rank 0: read back frame *fr of a run file (probe_verify: checksums, finite positions, its
 * step, time and observables). When it is damaged and floor > NO_WALK_BACK, walk back to the
 * newest intact frame at a layer >= floor (with a warning). 0 (*fr intact), or -1 with the
 * reason in msg. */
static int intact_frame(const char *path, const probe_info *pi, long *fr, long floor, char *msg,
                        size_t n)
{
    probe_verify_result vr;
    char err[2048];
    if (probe_verify(path, *fr, NULL, NULL, &vr, err, sizeof err) == 0) {
        if (!vr.checksum)
            log_info("%s has no checksum (written by an earlier rwpo): its frame %ld was read "
                     "back but cannot be verified", path, *fr);
        return 0;
    }
    snprintf(msg, n, "cannot restart from %s", err);
    for (long g = *fr - 1; floor > NO_WALK_BACK && g >= 0 && pi->steps[g] >= floor; g--)
        if (probe_verify(path, g, NULL, NULL, &vr, err, sizeof err) == 0) {
            log_warn("%s; using its frame %ld (layer %lld), the newest intact one", msg, g,
                     pi->steps[g]);
            *fr = g;
            return 0;
        }
    return -1;
}

/* Rank 0: probe and validate one candidate file. A run file's frame is read back first; with
 * floor > NO_WALK_BACK a damaged frame gives way to the newest intact one at a layer >= floor. */
static decision examine(const char *path, long want_layer, long floor, const rwpo_config *cfg,
                        int allow_physics)
{
    decision dc = {0};
    probe_info pi;
    char err[1024] = "";
    snprintf(dc.src.path, sizeof dc.src.path, "%.*s", (int)sizeof dc.src.path - 1, path);
    if (probe_file(path, &pi, err, sizeof err) != 0) {
        /* another program's or an unreadable file: damaged (a fallback may exist) */
        dc.verdict = -1;
        snprintf(dc.msg, sizeof dc.msg, "cannot restart from %s", err);
        return dc;
    }
    dc.verdict = CKPT_BAD;
    if (pi.n_global != cfg->n || pi.dim != cfg->dim) {
        snprintf(dc.msg, sizeof dc.msg,
                 "cannot restart from %s: it holds N = %ld, d = %d; the configuration has "
                 "N = %ld, d = %ld", path, pi.n_global, pi.dim, cfg->n, cfg->dim);
        goto out;
    }
    rwpo_config stored;
    if (config_parse_text(path, pi.config_ini, &stored, err, sizeof err) != 0) {
        dc.verdict = -1;
        snprintf(dc.msg, sizeof dc.msg, "cannot restart from %s: stored configuration: %s", path,
                 err);
        goto out;
    }
    if (pi.is_checkpoint) {
        char hash[32];
        snprintf(hash, sizeof hash, "%016llx", config_physics_hash(&stored));
        if (strcmp(pi.ck_format, CKPT_FORMAT) != 0) {
            snprintf(dc.msg, sizeof dc.msg, "cannot restart from %s: format '%s' is not '%s'",
                     path, pi.ck_format, CKPT_FORMAT);
            goto out;
        }
        if (pi.ck_format_version != CKPT_FORMAT_VERSION) {
            snprintf(dc.msg, sizeof dc.msg,
                     "cannot restart from %s: checkpoint format version %lld (this rwpo reads "
                     "version %d)", path, pi.ck_format_version, CKPT_FORMAT_VERSION);
            goto out;
        }
        if (strcmp(hash, pi.ck_hash) != 0 || pi.n_rec != 1 || pi.steps[0] != pi.ck_layer) {
            dc.verdict = -1;
            snprintf(dc.msg, sizeof dc.msg,
                     "cannot restart from %s: damaged (configuration hash or frame mismatch)",
                     path);
            goto out;
        }
        if (want_layer >= 0 && want_layer != pi.ck_layer) {
            snprintf(dc.msg, sizeof dc.msg,
                     "cannot restart from %s at layer %ld: the checkpoint holds layer %lld", path,
                     want_layer, pi.ck_layer);
            goto out;
        }
        dc.src.frame = 0;
        dc.src.layer = pi.ck_layer;
        dc.src.is_checkpoint = 1;
        dc.src.traj_frames = pi.ck_traj_frames;
        const sampler_method *method = sampler_of(cfg);
        for (int i = 0; i < method->n_ckpt; i++)
            if (checkpoint_value(&pi, method->ckpt_names[i], &dc.src.values[i]) != 0) {
                dc.verdict = -1;
                snprintf(dc.msg, sizeof dc.msg, "cannot restart from %s: damaged (no %s in "
                         "/checkpoint)", path, method->ckpt_names[i]);
                goto out;
            }
    } else {
        long fr = -1;
        for (long i = 0; i < pi.n_rec; i++)
            if (want_layer < 0 ? i == pi.n_rec - 1 : pi.steps[i] == want_layer)
                fr = i;
        if (fr < 0) {
            snprintf(dc.msg, sizeof dc.msg,
                     "cannot restart from %s: no recorded layer %ld (it holds %ld frames, "
                     "layers %lld..%lld)", path, want_layer, pi.n_rec,
                     pi.n_rec ? pi.steps[0] : -1, pi.n_rec ? pi.steps[pi.n_rec - 1] : -1);
            goto out;
        }
        if (intact_frame(path, &pi, &fr, floor, dc.msg, sizeof dc.msg) != 0) {
            dc.verdict = -1; /* damaged: a fallback may exist */
            goto out;
        }
        dc.src.frame = fr;
        dc.src.layer = pi.steps[fr];
        dc.src.is_checkpoint = 0;
        dc.src.traj_frames = -1;
    }
    if (dc.src.layer > cfg->layers) {
        snprintf(dc.msg, sizeof dc.msg,
                 "cannot restart from %s: it is at layer %ld, beyond run.layers = %ld", path,
                 dc.src.layer, cfg->layers);
        goto out;
    }
    char diff[1500];
    int nd = config_physics_diff(&stored, cfg, diff, sizeof diff);
    if (nd > 0 && !allow_physics) {
        snprintf(dc.msg, sizeof dc.msg,
                 "cannot restart from %.1100s: the configuration changes the physics: %s (pass "
                 "--allow-physics-change to restart anyway)", path, diff);
        goto out;
    }
    if (nd > 0)
        log_warn("restarting from %s with physics changes: %s", path, diff);
    dc.verdict = CKPT_OK;
out:
    probe_free(&pi);
    return dc;
}

/* The sampler's checkpoint array (sampler.h: array_name), read by rank 0 and broadcast, handed
 * to the method. A checkpoint without it (written by a run that kept none) leaves the method to
 * rebuild it. Collective; 0 or -1 (damaged, on every rank). */
static int load_array(sim *s, const char *path, char *err, size_t errlen)
{
    const long n = s->method->array_name ? s->method->array_len(s->method_state) : 0;
    if (n <= 0)
        return 0;
    double *arr = xmalloc((size_t)n * sizeof(double));
    int st = 0; /* 0 read, 1 absent, -1 damaged */
    if (s->rank == 0) {
        char spec[CONFIG_STR + 160];
        snprintf(spec, sizeof spec, "%s:%s/%s", path, CKPT_ARRAY_GROUP, s->method->array_name);
        int nd;
        long dims[2];
        if (input_dataset_shape(spec, &nd, dims, err, errlen) != 0)
            st = 1;
        else if (input_read_vector(spec, n, arr, err, errlen) != 0)
            st = -1;
    }
    comm_bcast_bytes(&st, sizeof st);
    if (st == -1) {
        comm_bcast_bytes(err, errlen);
        free(arr);
        return -1;
    }
    if (st == 0) {
        comm_bcast_bytes(arr, (size_t)n * sizeof(double));
        s->method->array_restore(s->method_state, arr);
    } else {
        log_info("%s holds no %s/%s: the sampler rebuilds it", path, CKPT_ARRAY_GROUP,
                 s->method->array_name);
    }
    free(arr);
    return 0;
}

/* Read the source's particles into s (collective); for checkpoints verify the content hash and
 * hand the sampler its checkpoint array. */
static int load(sim *s, const decision *dc, char *err, size_t errlen)
{
    int rc = input_read_frame(dc->src.path, comm_world(), dc->src.frame, s->cfg.n,
                             (int)s->cfg.dim, s->p->offset, s->p->n_local, s->p->x, err, errlen);
    if (comm_agree_max(rc != 0)) {
        if (rc == 0)
            snprintf(err, errlen, "%s: unreadable particle data on another rank", dc->src.path);
        return -1;
    }
    if (dc->src.is_checkpoint) {
        /* the stored hash is re-read on rank 0 and broadcast */
        char stored[32] = "";
        if (s->rank == 0) {
            probe_info pi;
            char e2[256];
            if (probe_file(dc->src.path, &pi, e2, sizeof e2) == 0) {
                snprintf(stored, sizeof stored, "%s", pi.ck_content);
                probe_free(&pi);
            }
        }
        comm_bcast_bytes(stored, sizeof stored);
        char now[32];
        snprintf(now, sizeof now, "%016llx", content_hash(s->p));
        if (strcmp(now, stored) != 0) {
            snprintf(err, errlen, "%s: content checksum mismatch (stored %s, read %s)",
                     dc->src.path, stored, now);
            return -1;
        }
        if (load_array(s, dc->src.path, err, errlen) != 0)
            return -1;
    }
    return 0;
}

/* Rank 0: the layer of a checkpoint file, -1 when it cannot be probed. */
static long checkpoint_layer(const char *path)
{
    probe_info pi;
    char err[512];
    long layer = -1;
    if (probe_file(path, &pi, err, sizeof err) == 0) {
        layer = pi.is_checkpoint ? (long)pi.ck_layer : -1;
        probe_free(&pi);
    }
    return layer;
}

int ckpt_restore(sim *s, const char *spec, int allow_physics, ckpt_source *src)
{
    char cand[4][CONFIG_STR + 16];
    long floor[4] = {NO_WALK_BACK, NO_WALK_BACK, NO_WALK_BACK, NO_WALK_BACK};
    int n_cand = 0;
    long want = -1;
    const int is_auto = strcmp(spec, "auto") == 0;
    char latest[CONFIG_STR + 16], prev[CONFIG_STR + 16];
    runfiles_checkpoints(s->cfg.output, latest, prev, NULL, sizeof latest);
    if (is_auto) {
        /* what the run file offers: 0 nothing usable, 1 frames, 2 complete; 3 complete up to
         * run.layers (nothing to do) */
        int out_state = 0;
        long ck_newest = -1;
        if (s->rank == 0) {
            probe_info pi;
            char e[512];
            if (probe_file(s->cfg.output, &pi, e, sizeof e) == 0) {
                const int complete = pi.status && strcmp(pi.status, "complete") == 0;
                probe_verify_result vr;
                if (pi.n_rec > 0)
                    out_state = !complete ? 1 : pi.steps[pi.n_rec - 1] >= s->cfg.layers ? 3 : 2;
                /* done only if its last frame reads back intact; else redo from the newest
                 * intact state (a complete file is kept intact: the redo goes to a segment) */
                if (out_state == 3 && probe_verify(s->cfg.output, pi.n_rec - 1, NULL, NULL, &vr,
                                                   e, sizeof e) != 0) {
                    log_warn("%s is complete but damaged (%s): redoing its last layers",
                             s->cfg.output, e);
                    out_state = 2;
                }
                probe_free(&pi);
            }
            if (out_state == 2) {
                const long a = checkpoint_layer(latest), b = checkpoint_layer(prev);
                ck_newest = a > b ? a : b;
            }
        }
        comm_bcast_bytes(&out_state, sizeof out_state);
        comm_bcast_bytes(&ck_newest, sizeof ck_newest);
        if (out_state == 3) {
            log_info("restart auto: %s is already complete (%ld layers); nothing to do",
                     s->cfg.output, s->cfg.layers);
            return CKPT_DONE;
        }
        /* newest sound state first: a complete run file's last frame is newer than any of its
         * checkpoints (none is written at the last layer), and so are its intact frames down to
         * the newest checkpoint's layer; otherwise the checkpoints, then the run file's newest
         * intact frame */
        if (out_state == 2) {
            floor[n_cand] = ck_newest;
            snprintf(cand[n_cand++], sizeof cand[0], "%s", s->cfg.output);
        }
        snprintf(cand[n_cand++], sizeof cand[0], "%s", latest);
        snprintf(cand[n_cand++], sizeof cand[0], "%s", prev);
        if (out_state >= 1) {
            floor[n_cand] = -1;
            snprintf(cand[n_cand++], sizeof cand[0], "%s", s->cfg.output);
        }
    } else {
        split_restart_spec(spec, cand[0], sizeof cand[0], &want);
        n_cand = 1;
        if (strcmp(cand[0], latest) == 0)
            snprintf(cand[n_cand++], sizeof cand[1], "%s", prev);
    }
    int found_any = 0;
    for (int i = 0; i < n_cand; i++) {
        decision dc = {0};
        int present = 1;
        if (s->rank == 0) {
            struct stat sb;
            present = stat(cand[i], &sb) == 0;
            if (present)
                dc = examine(cand[i], i == 0 ? want : -1, floor[i], &s->cfg, allow_physics);
            else {
                dc.verdict = -1;
                snprintf(dc.msg, sizeof dc.msg, "cannot restart from %s: no such file", cand[i]);
            }
        }
        comm_bcast_bytes(&present, sizeof present);
        comm_bcast_bytes(&dc, sizeof dc);
        found_any |= present;
        if (dc.verdict == CKPT_BAD) { /* a refusal, not damage: no fallback */
            log_error("%s", dc.msg);
            return CKPT_BAD;
        }
        if (dc.verdict == CKPT_OK) {
            char err[4096] = "";
            if (load(s, &dc, err, sizeof err) == 0) {
                s->layer = dc.src.layer;
                s->method->restore(s->method_state, dc.src.is_checkpoint ? dc.src.values : NULL);
                double t = 0.0, h, T;
                for (long k = 1; k <= s->layer; k++) { /* the same sum, in the same order */
                    config_step(&s->cfg, k, &h, &T);
                    t += h;
                }
                s->time = t;
                *src = dc.src;
                if (dc.src.is_checkpoint)
                    src->min_frames = dc.src.traj_frames;
                else if (strcmp(dc.src.path, s->cfg.output) == 0)
                    src->min_frames = dc.src.frame + 1;
                else
                    src->min_frames = 0;
                return CKPT_OK;
            }
            snprintf(dc.msg, sizeof dc.msg, "cannot restart from %s", err);
        }
        /* damaged, unreadable or missing: try the next candidate */
        if (i + 1 < n_cand) {
            if (present || !is_auto)
                log_warn("%s; trying %s", dc.msg, cand[i + 1]);
            continue;
        }
        if (is_auto && !found_any) {
            log_info("restart auto: no checkpoint and no recorded layer of %s; starting from "
                     "layer 0", s->cfg.output);
            return CKPT_NONE;
        }
        log_error("%s", dc.msg);
    }
    return CKPT_BAD;
}
