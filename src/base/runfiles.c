/**
 * @file runfiles.c
 * @brief Names of a run's files (see runfiles.h).
 */
#include "rwpo/base/runfiles.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

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
