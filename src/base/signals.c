/**
 * @file signals.c
 * @brief Stop-request signal handlers (see signals.h).
 */
#include "rwpo/base/signals.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t g_signal = 0;
static volatile sig_atomic_t g_deferred = 0; /* the layers have begun */
static volatile sig_atomic_t g_rank = 0;     /* only rank 0 prints */
static char g_cleanup[4096 + 16];             /* a file removed on a start-up exit */
static volatile sig_atomic_t g_finishing = -1; /* the command's exit status once it is done */

static void on_stop(int sig)
{
    if (g_finishing >= 0) /* the command is done (e.g. mpirun ends the job): leave quietly */
        _exit(g_finishing);
    if (!g_deferred) {
        /* start-up: nothing to save yet; end now (async-signal-safe calls only) */
        static const char msg[] = "rwpo: stopped by a signal during start-up (exit 3); nothing "
                                  "was lost: run again, or continue with --restart auto\n";
        if (g_cleanup[0])
            unlink(g_cleanup);
        if (g_rank == 0 && write(STDERR_FILENO, msg, sizeof msg - 1) < 0)
            g_signal = sig;
        _exit(SIGNALS_STARTUP_EXIT);
    }
    g_signal = sig;
}

void signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    /* exceeding a file-size limit must be an I/O error (EFBIG), not a kill */
    signal(SIGXFSZ, SIG_IGN);
}

int signals_pending(void) { return (int)g_signal; }

void signals_set_rank(int rank) { g_rank = rank; }

void signals_defer(void) { g_deferred = 1; }

void signals_finishing(int code) { g_finishing = code; }

void signals_cleanup_file(const char *path)
{
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old); /* the handler never sees a half-written name */
    snprintf(g_cleanup, sizeof g_cleanup, "%s", path ? path : "");
    sigprocmask(SIG_SETMASK, &old, NULL);
}

double signals_job_seconds_left(void)
{
    const char *e = getenv("SLURM_JOB_END_TIME");
    if (!e || !*e)
        return -1.0;
    char *end;
    double t = strtod(e, &end);
    if (end == e || *end != '\0' || !(t > 0))
        return -1.0;
    return t - (double)time(NULL);
}
