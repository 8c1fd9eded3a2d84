/**
 * @file signals.c
 * @brief Stop-request signal handlers (see signals.h).
 */
#include "rwpo/base/signals.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t g_signal = 0;

static void on_stop(int sig) { g_signal = sig; }

void signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    /* exceeding a file-size limit must be an I/O error (EFBIG), not a kill */
    signal(SIGXFSZ, SIG_IGN);
}

int signals_pending(void) { return (int)g_signal; }

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
