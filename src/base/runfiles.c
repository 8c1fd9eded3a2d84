/**
 * @file runfiles.c
 * @brief Names of a run's files (see runfiles.h).
 */
#include "rwpo/base/runfiles.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

static int ends_with(const char *s, const char *suffix)
{
    size_t l = strlen(s), m = strlen(suffix);
    return l >= m && strcmp(s + l - m, suffix) == 0;
}

void runfiles_stem(const char *output, char *stem, size_t n)
{
    snprintf(stem, n, "%s", output);
    size_t l = strlen(stem);
    if (l > 3 && strcmp(stem + l - 3, ".h5") == 0)
        stem[l - 3] = '\0';
}

void runfiles_checkpoints(const char *output, char *latest, char *prev, char *tmp, size_t n)
{
    char stem[4096];
    runfiles_stem(output, stem, sizeof stem);
    if (latest)
        snprintf(latest, n, "%s.ckpt.h5", stem);
    if (prev)
        snprintf(prev, n, "%s.ckpt.prev.h5", stem);
    if (tmp)
        snprintf(tmp, n, "%s.ckpt.tmp.h5", stem);
}

void runfiles_segment(const char *output, int k, char *path, size_t n)
{
    char stem[4096];
    runfiles_stem(output, stem, sizeof stem);
    snprintf(path, n, "%s.seg%d.h5", stem, k);
}

int runfiles_next_segment(const char *output, char *path, size_t n)
{
    struct stat sb;
    for (int k = 1; k <= RUNFILES_MAX_SEGMENT; k++) {
        runfiles_segment(output, k, path, n);
        if (stat(path, &sb) != 0)
            return k;
    }
    return -1;
}

void runfiles_lock(const char *output, char *path, size_t n)
{
    char stem[4096];
    runfiles_stem(output, stem, sizeof stem);
    snprintf(path, n, "%s.lock", stem);
}

int runfiles_is_checkpoint(const char *name)
{
    return ends_with(name, ".ckpt.h5") || ends_with(name, ".ckpt.prev.h5") ||
           ends_with(name, ".ckpt.tmp.h5");
}

int runfiles_check_space(const char *path, double need, char *err, size_t errlen)
{
    char dir[4096 + 16];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *(slash == dir ? slash + 1 : slash) = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    struct statvfs vfs;
    if (statvfs(dir, &vfs) == 0) {
        double avail = (double)vfs.f_bavail * (double)vfs.f_frsize;
        if (avail < need) {
            snprintf(err, errlen, "disk full: %.3g bytes free in %s, %.3g needed", avail, dir,
                     need);
            return -1;
        }
    }
    struct rlimit rl;
    struct stat sb;
    double size = stat(path, &sb) == 0 ? (double)sb.st_size : 0.0;
    if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        size + need > (double)rl.rlim_cur) {
        snprintf(err, errlen, "file size limit: %s would exceed %.3g bytes (ulimit -f)", path,
                 (double)rl.rlim_cur);
        return -1;
    }
    return 0;
}

int runfiles_check_regular(const char *path, int may_be_missing, char *err, size_t errlen)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        if (errno == ENOENT && may_be_missing)
            return 0;
        snprintf(err, errlen, "%s: %s", path, errno == ENOENT ? "no such file" : strerror(errno));
        return -1;
    }
    if (S_ISREG(sb.st_mode))
        return 0;
    const char *kind = S_ISFIFO(sb.st_mode)  ? "a FIFO"
                       : S_ISDIR(sb.st_mode) ? "a directory"
                       : S_ISCHR(sb.st_mode) ? "a character device"
                       : S_ISBLK(sb.st_mode) ? "a block device"
                       : S_ISSOCK(sb.st_mode) ? "a socket"
                                              : "not a file";
    snprintf(err, errlen, "%s: not a regular file (%s); a file is expected here", path, kind);
    return -1;
}

int runfiles_existing(const char *output, char (*names)[4096 + 64], int max)
{
    char path[4096 + 64];
    struct stat sb;
    int n = 0;
    char ck[2][4096 + 64];
    runfiles_checkpoints(output, ck[0], ck[1], NULL, sizeof ck[0]);
    const char *fixed[3] = {output, ck[0], ck[1]}; /* a temporary checkpoint is no result */
    for (int i = 0; i < 3 && n < max; i++)
        if (stat(fixed[i], &sb) == 0)
            snprintf(names[n++], sizeof names[0], "%s", fixed[i]);
    for (int k = 1; k <= RUNFILES_MAX_SEGMENT && n < max; k++) {
        runfiles_segment(output, k, path, sizeof path);
        if (stat(path, &sb) != 0)
            break;
        snprintf(names[n++], sizeof names[0], "%s", path);
    }
    return n;
}

int runfiles_backup(const char *output, char *err, size_t errlen)
{
    enum { MAX_FILES = 64 };
    static char names[MAX_FILES][4096 + 64];
    char bak[4096 + 80];
    struct stat sb;
    const int n = runfiles_existing(output, names, MAX_FILES);
    if (n == 0)
        return 0;
    int k = 1;
    for (; k <= RUNFILES_MAX_BACKUP; k++) {
        int free_for_all = 1;
        for (int i = 0; i < n && free_for_all; i++) {
            snprintf(bak, sizeof bak, "%.4095s.bak%d", names[i], k);
            free_for_all = stat(bak, &sb) != 0;
        }
        if (free_for_all)
            break;
    }
    if (k > RUNFILES_MAX_BACKUP) {
        snprintf(err, errlen, "%s has %d backups already (%s.bak1 .. .bak%d): remove some",
                 output, RUNFILES_MAX_BACKUP, output, RUNFILES_MAX_BACKUP);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        snprintf(bak, sizeof bak, "%.4095s.bak%d", names[i], k);
        if (rename(names[i], bak) != 0) {
            snprintf(err, errlen, "cannot move %s aside to %s: %s", names[i], bak,
                     strerror(errno));
            return -1;
        }
    }
    return k;
}
