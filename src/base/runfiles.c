/**
 * @file runfiles.c
 * @brief Names of a run's files (see runfiles.h).
 */
#include "rwpo/base/runfiles.h"

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
