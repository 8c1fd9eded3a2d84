/**
 * @file log.c
 * @brief One-line messages and the fatal path (see log.h).
 */
#include "rwpo/base/log.h"

#include <stdarg.h>
#include <stdlib.h>

#include "rwpo/base/comm.h"

static void vlog(FILE *out, const char *prefix, const char *fmt, va_list ap)
{
    /* one write per line, so stdout and stderr lines never interleave mid-line */
    char line[4096];
    int n = snprintf(line, sizeof line, "rwpo: %s", prefix);
    if (n >= 0 && (size_t)n < sizeof line)
        vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    fprintf(out, "%s\n", line);
    fflush(out);
}

void log_format(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

void log_info(const char *fmt, ...)
{
    if (comm_rank() != 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vlog(stdout, "", fmt, ap);
    va_end(ap);
}

void log_warn(const char *fmt, ...)
{
    if (comm_rank() != 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vlog(stderr, "warning: ", fmt, ap);
    va_end(ap);
}

void log_error(const char *fmt, ...)
{
    if (comm_rank() != 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vlog(stderr, "error: ", fmt, ap);
    va_end(ap);
}

void log_error_any(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(stderr, "error: ", fmt, ap);
    va_end(ap);
}

_Noreturn void log_fatal_at(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "rwpo: fatal: rank %d (%s:%d): ", comm_rank(), file, line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    fflush(stderr);
    va_end(ap);
    comm_abort(2);
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        RWPO_FATAL("out of memory allocating %zu bytes", n);
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        RWPO_FATAL("out of memory allocating %zu x %zu bytes", n, size);
    return p;
}
