/* interrupt.c: one SIGINT flag for the whole process, so the waiter, the
 * pager and the retry backoff all stop on the same Ctrl-C. */
#include "core/interrupt.h"

#include <signal.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t interrupted;

static void on_int(int sig)
{
    (void)sig;
    interrupted = 1;
    signal(SIGINT, SIG_DFL);    /* a second Ctrl-C stops at once */
}

void interrupt_catch(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_int;     /* no SA_RESTART: a sleep ends at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
}

int interrupt_pending(void)
{
    return interrupted != 0;
}

/* Milliseconds on the monotonic clock. */
static long long now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int interrupt_sleep_ms(long ms)
{
    long long end = now_ms() + (ms > 0 ? ms : 0);

    /* in slices of at most 100 ms: a signal that lands between the check
     * and nanosleep (which then sleeps on) is seen within a slice */
    for (;;) {
        long long left = end - now_ms();
        struct timespec ts;

        if (interrupted || left <= 0)
            break;
        if (left > 100)
            left = 100;
        ts.tv_sec = 0;
        ts.tv_nsec = (long)left * 1000000L;
        nanosleep(&ts, NULL);
    }
    return interrupted != 0;
}
