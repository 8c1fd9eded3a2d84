/**
 * @file signals.c
 * @brief Stop-request signal handlers (see signals.h).
 */
#include "rwpo/base/signals.h"

#include <signal.h>
#include <string.h>

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
