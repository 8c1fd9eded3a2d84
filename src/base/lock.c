/**
 * @file lock.c
 * @brief The output lock (see lock.h).
 */
#include "rwpo/base/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "rwpo/base/runfiles.h"
#include "rwpo/base/signals.h"

/* The lock this process holds (path), "" when none. */
static char g_held[4096 + 16];

typedef struct {
    char host[256];
    long pid;
    char job[64];
    char started[64];
} owner;

static void this_host(char *host, size_t n)
{
    if (gethostname(host, n) != 0)
        snprintf(host, n, "unknown");
    host[n - 1] = '\0';
}

static const char *this_job(void)
{
    const char *j = getenv("SLURM_JOB_ID");
    return j && *j ? j : "-";
}

/* Create the lock file with O_EXCL. 0, or the errno. */
static int create(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0)
        return errno;
    char host[256], when[64], line[512];
    this_host(host, sizeof host);
    time_t now = time(NULL);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    int n = snprintf(line, sizeof line, "host=%s pid=%ld job=%s started=%s\n", host,
                     (long)getpid(), this_job(), when);
    int rc = write(fd, line, (size_t)n) == n && fsync(fd) == 0 ? 0 : (errno ? errno : EIO);
    close(fd);
    if (rc != 0) {
        unlink(path);
        return rc;
    }
    snprintf(g_held, sizeof g_held, "%s", path);
    signals_cleanup_file(path); /* a signal during start-up must not leave it behind */
    return 0;
}

/* Read the owner recorded in a lock file. 0, or -1 if it cannot be read or parsed. */
static int read_owner(const char *path, owner *o)
{
    memset(o, 0, sizeof *o);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int n = fscanf(f, "host=%255s pid=%ld job=%63s started=%63s", o->host, &o->pid, o->job,
                   o->started);
    fclose(f);
    return n == 4 && o->pid > 0 ? 0 : -1;
}

/* Whether the lock's owner still runs: the PID exists (kill 0), and, where /proc tells, it is
 * neither a zombie (a killed rank not yet reaped) nor a reused PID of another program. */
static int process_alive(long pid)
{
    if (kill((pid_t)pid, 0) != 0 && errno != EPERM)
        return 0;
    char path[64], stat_line[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 1; /* no /proc: trust kill */
    size_t n = fread(stat_line, 1, sizeof stat_line - 1, f);
    fclose(f);
    stat_line[n] = '\0';
    /* "pid (comm) state ...": comm may hold spaces and parentheses, so read from the last ')' */
    const char *open_paren = strchr(stat_line, '('), *close_paren = strrchr(stat_line, ')');
    if (!open_paren || !close_paren || close_paren[1] == '\0')
        return 1;
    const char state = close_paren[2];
    const size_t len = (size_t)(close_paren - open_paren - 1);
    return state != 'Z' && state != 'X' && len == 4 && strncmp(open_paren + 1, "rwpo", 4) == 0;
}

int lock_acquire(const char *output, char *msg, size_t msglen)
{
    char path[4096 + 16];
    if (runfiles_check_regular(output, 1, path, sizeof path) != 0) {
        snprintf(msg, msglen, "[run] output = %s", path);
        return LOCK_REFUSED;
    }
    runfiles_lock(output, path, sizeof path);
    int e = create(path);
    if (e == 0)
        return LOCK_TAKEN;
    if (e != EEXIST) {
        snprintf(msg, msglen, "[run] output = %s: cannot create the lock file %s: %s", output,
                 path, strerror(e));
        return e == ENOENT || e == ENOTDIR ? LOCK_HELD : LOCK_FAILED;
    }
    owner o;
    if (read_owner(path, &o) != 0) {
        snprintf(msg, msglen, "%s is locked by %s, which is not an rwpo lock file (allowed: "
                 "remove it if no run writes %s)", output, path, output);
        return LOCK_HELD;
    }
    char host[256];
    this_host(host, sizeof host);
    const int same_job = strcmp(o.job, "-") != 0 && strcmp(o.job, this_job()) == 0;
    const int same_host = strcmp(o.host, host) == 0;
    if (!same_job && (!same_host || process_alive(o.pid))) {
        snprintf(msg, msglen, "%s is being written by another run: pid %ld on host %s, job %s, "
                 "since %s (wait for it to end; if it is gone, remove %s)", output, o.pid,
                 o.host, o.job, o.started, path);
        return LOCK_HELD;
    }
    /* stale: take it over (O_EXCL again, so of two runs taking over only one wins) */
    if (unlink(path) != 0 && errno != ENOENT) {
        snprintf(msg, msglen, "[run] output = %s: cannot remove the stale lock %s: %s", output,
                 path, strerror(errno));
        return LOCK_FAILED;
    }
    e = create(path);
    if (e == EEXIST) {
        snprintf(msg, msglen, "%s is being written by another run (it took over the stale lock "
                 "%s first)", output, path);
        return LOCK_HELD;
    }
    if (e != 0) {
        snprintf(msg, msglen, "[run] output = %s: cannot create the lock file %s: %s", output,
                 path, strerror(e));
        return LOCK_FAILED;
    }
    snprintf(msg, msglen, "took over the stale lock %s of %s (pid %ld on %s, job %s, since %s)",
             path, same_job ? "an earlier run of this job" : "a process that no longer exists",
             o.pid, o.host, o.job, o.started);
    return LOCK_STALE;
}

void lock_release(const char *output)
{
    char path[4096 + 16];
    runfiles_lock(output, path, sizeof path);
    if (g_held[0] && strcmp(g_held, path) == 0) {
        signals_cleanup_file(NULL);
        unlink(path);
        g_held[0] = '\0';
    }
}
