/**
 * @file verify.c
 * @brief `rwpo verify` (see verify.h): every frame of run files, checkpoints and segments read
 *        back through src/io's probe_verify; checkpoints also against their content hash.
 */
#include "rwpo/cli/verify.h"

#include <stdlib.h>
#include <string.h>

#include "rwpo/base/runfiles.h"
#include "rwpo/io/probe.h"
#include "rwpo/run/ckpt.h"

enum { MAX_RUN_FILES = 64, PATH_CAP = 4096 + 64 };

/* Sum of ckpt_rows_hash over the blocks probe_verify reads. */
static void hash_rows(long frame, long offset, long n, int dim, const double *x, void *user)
{
    (void)frame;
    *(unsigned long long *)user += ckpt_rows_hash(offset, n, dim, x);
}

/* Verify one file and print its line. 0 intact, 1 damaged. */
static int verify_one(const char *path, FILE *out)
{
    char err[2048] = "", where[2048] = "";
    probe_verify_result vr;
    probe_info pi;
    /* probe_file says what the file is (a checkpoint's data are hashed as they are read back);
     * when it fails, probe_verify names the damaged frame if it finds one */
    const int probed = probe_file(path, &pi, err, sizeof err) == 0;
    unsigned long long hash = 0;
    const int intact = probe_verify(path, -1, probed && pi.is_checkpoint ? hash_rows : NULL,
                                    &hash, &vr, where, sizeof where) == 0;
    char now[32];
    snprintf(now, sizeof now, "%016llx", hash);
    int bad = 1;
    if (!intact)
        fprintf(out, "damaged: %s\n", where);
    else if (!probed)
        fprintf(out, "damaged: %s\n", err);
    else if (pi.is_checkpoint && strcmp(now, pi.ck_content) != 0)
        fprintf(out, "damaged: %s: checkpoint content hash mismatch (stored %s, read %s)\n", path,
                pi.ck_content, now);
    else {
        fprintf(out, "ok: %s (%ld frame%s, layers %lld..%lld%s)\n", path, vr.frames,
                vr.frames == 1 ? "" : "s", vr.first_step, vr.last_step,
                vr.checksum ? "" : "; no checksum: read back only");
        bad = 0;
    }
    if (probed)
        probe_free(&pi);
    return bad;
}

int verify_files(char *const *files, int n, FILE *out)
{
    static char names[MAX_RUN_FILES][PATH_CAP];
    char **seen = NULL; /* the files checked so far */
    int n_seen = 0, bad = 0;
    for (int i = 0; i < n; i++) {
        char why[PATH_CAP + 128];
        if (runfiles_check_regular(files[i], 0, why, sizeof why) != 0) {
            fprintf(out, "damaged: %s\n", why);
            bad = 1;
            continue;
        }
        /* the file, then (for a run file) its checkpoints and segments: runfiles_existing
         * lists the output first, and it exists */
        int m = 1;
        snprintf(names[0], sizeof names[0], "%s", files[i]);
        if (!runfiles_is_checkpoint(files[i]))
            m = runfiles_existing(files[i], names, MAX_RUN_FILES);
        for (int k = 0; k < m; k++) {
            int dup = 0;
            for (int j = 0; j < n_seen && !dup; j++)
                dup = strcmp(seen[j], names[k]) == 0;
            if (dup)
                continue;
            char **grown = realloc(seen, (size_t)(n_seen + 1) * sizeof *seen);
            if (grown && (grown[n_seen] = strdup(names[k])))
                n_seen++;
            seen = grown ? grown : seen;
            bad |= verify_one(names[k], out);
        }
    }
    for (int j = 0; j < n_seen; j++)
        free(seen[j]);
    free(seen);
    fflush(out);
    return bad;
}
