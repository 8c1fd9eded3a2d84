/**
 * @file scratch.h
 * @brief A private scratch directory for a test suite: made with mkdtemp under $TMPDIR (or
 *        /tmp), emptied and removed at the end. Serial; MPI suites make it on rank 0 and
 *        broadcast the name.
 */
#ifndef RWPO_TEST_SCRATCH_H
#define RWPO_TEST_SCRATCH_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/** Make dir (capacity n) as $TMPDIR/rwpo_<tag>_XXXXXX. 0, or -1 (printed; dir is "") on failure. */
static inline int scratch_make(char *dir, size_t n, const char *tag)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, n, "%s/rwpo_%s_XXXXXX", tmp && tmp[0] ? tmp : "/tmp", tag);
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        dir[0] = '\0';
        return -1;
    }
    return 0;
}

/** Remove the files in dir, then dir itself (one level: the suites make no subdirectories). */
static inline void scratch_remove(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char p[1200];
        while ((e = readdir(d)))
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
                snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
                unlink(p);
            }
        closedir(d);
    }
    if (rmdir(dir) != 0)
        perror(dir);
}

#endif /* RWPO_TEST_SCRATCH_H */
