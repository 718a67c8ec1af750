/* poll.c: the one poller: a step, an interruptible sleep, an interval that
 * grows to a ceiling and backs off while the service throttles. */
#include "deploy/poll.h"
#include "core/err.h"
#include "core/interrupt.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define POLL_ENV_MAX 60000      /* LUAFORM_POLL_MS: at most a minute */

long long poll_now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* LUAFORM_POLL_MS as a number of milliseconds, or 0 when unset or not
 * decimal digits from 1 to POLL_ENV_MAX (a test hook: not worth an error). */
static long env_interval(void)
{
    const char *s = getenv(POLL_ENV);
    long v = 0;

    if (!s || !*s)
        return 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return 0;
        v = v * 10 + (*s - '0');
        if (v > POLL_ENV_MAX)
            return 0;
    }
    return v;
}

void poll_defaults(struct poll_opts *o)
{
    long fixed = env_interval();

    memset(o, 0, sizeof *o);
    o->first_ms = fixed ? fixed : POLL_FIRST_MS;
    o->max_ms = fixed ? fixed : POLL_MAX_MS;
    o->slow_max_ms = o->max_ms * POLL_SLOW_FACTOR;
    o->max_slow = POLL_MAX_SLOW;
}

long poll_next_ms(const struct poll_opts *o, long cur, int verdict)
{
    long next;

    if (verdict == POLL_SLOW) {
        next = cur * 2;
        return next > o->slow_max_ms ? o->slow_max_ms : next;
    }
    if (cur > o->max_ms) {          /* answers again after throttling: come down */
        next = cur / 2;
        return next < o->max_ms ? o->max_ms : next;
    }
    next = cur + cur / 2;
    return next > o->max_ms ? o->max_ms : next;
}

int poll_run(const struct poll_opts *o, poll_step_fn step, void *ctx, struct gen_err *e)
{
    long long start = poll_now_ms();
    long interval = 0;          /* the last sleep; 0: none yet */
    int slow = 0;

    for (;;) {
        int v;

        if (interrupt_pending())
            return POLL_INTERRUPTED;
        v = step(ctx, e);
        if (interrupt_pending())    /* a step cut short by Ctrl-C fails: not its fault */
            return POLL_INTERRUPTED;
        if (v < 0 || v == POLL_DONE)
            return v;
        slow = v == POLL_SLOW ? slow + 1 : 0;
        if (o->max_slow && slow >= o->max_slow)
            return POLL_GAVE_UP;
        interval = !interval && v == POLL_AGAIN ? o->first_ms :
                   poll_next_ms(o, interval ? interval : o->first_ms, v);
        if (o->limit_ms && poll_now_ms() - start + interval > o->limit_ms)
            return POLL_TIMED_OUT;
        if (interrupt_sleep_ms(interval))
            return POLL_INTERRUPTED;
    }
}
