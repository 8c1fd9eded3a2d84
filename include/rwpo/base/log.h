/**
 * @file log.h
 * @brief Logging: one-line messages, rank 0 by default, and the fatal path.
 */
#ifndef RWPO_LOG_H
#define RWPO_LOG_H

#include <stdio.h>

/** Print "rwpo: <msg>" on stdout from rank 0 only. */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** Print "rwpo: warning: <msg>" on stderr from rank 0 only. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** Print "rwpo: error: <msg>" on stderr from rank 0 only. */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** Print "rwpo: error: <msg>" on stderr from THIS rank (for errors only one rank sees). */
void log_error_any(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** Format a one-line error message into err[errlen] (printf-style; truncated to fit). */
void log_format(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Fatal: log rank, file and line, then abort the whole job (exit code 2). */
_Noreturn void log_fatal_at(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define RWPO_FATAL(...) log_fatal_at(__FILE__, __LINE__, __VA_ARGS__)

/** Allocation that never returns NULL (fatal on failure). */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);

#endif /* RWPO_LOG_H */
