/* poll.h: the one poller. A loop that calls a step function until it says
 * done, sleeping between calls through interrupt_sleep_ms (Ctrl-C ends the
 * wait at once): fast at first, growing to a ceiling of at most 2 s, slowed
 * down (to a higher ceiling) while the service throttles or fails, and
 * given up after an overall limit or too many failures in a row. Used by
 * the change-set wait, the stack wait and (later) drift detection.
 *
 *   struct poll_opts po;
 *
 *   poll_defaults(&po);
 *   po.limit_ms = 20 * 60 * 1000;
 *   rc = poll_run(&po, step, &ctx, e);    // step returns POLL_DONE, ...
 */
#ifndef LUAFORM_POLL_H
#define LUAFORM_POLL_H

struct gen_err;

#define POLL_FIRST_MS 500       /* the first interval */
#define POLL_MAX_MS 2000        /* the ceiling while the service answers */
#define POLL_SLOW_FACTOR 8      /* the ceiling while throttled: 8 x POLL_MAX_MS */
#define POLL_MAX_SLOW 30        /* throttled or failed polls in a row before giving up */

/* Hidden, for tests: LUAFORM_POLL_MS=N (1 to 60000) makes every interval
 * N ms (first and ceiling; throttled, up to POLL_SLOW_FACTOR x N). */
#define POLL_ENV "LUAFORM_POLL_MS"

struct poll_opts {
    long first_ms;          /* the first interval */
    long max_ms;            /* ceiling while the step says POLL_AGAIN */
    long slow_max_ms;       /* ceiling while it says POLL_SLOW */
    long limit_ms;          /* give up after this long (0: never) */
    int max_slow;           /* POLL_SLOW in a row before giving up (0: never) */
};

/* What a step says (or a negative gen_code, which ends the poll). */
enum poll_verdict {
    POLL_DONE = 0,          /* finished: stop */
    POLL_AGAIN = 1,         /* not yet: poll again */
    POLL_SLOW = 2           /* throttled or a transient failure: poll again, later */
};

/* How poll_run ended (or a negative gen_code from the step). */
enum poll_result {
    POLL_OK = 0,            /* the step said POLL_DONE */
    POLL_INTERRUPTED = 1,   /* Ctrl-C (interrupt.h) */
    POLL_TIMED_OUT = 2,     /* limit_ms passed */
    POLL_GAVE_UP = 3        /* max_slow POLL_SLOW in a row */
};

typedef int (*poll_step_fn)(void *ctx, struct gen_err *e);

/* 500 ms growing to 2 s, 16 s while throttled, no limit, 30 failures;
 * LUAFORM_POLL_MS replaces the intervals. */
void poll_defaults(struct poll_opts *o);

/* The interval after one of cur ms that ended in verdict (POLL_AGAIN or
 * POLL_SLOW): x1.5 up to max_ms (and back down to it after throttling);
 * x2 up to slow_max_ms while throttled. */
long poll_next_ms(const struct poll_opts *o, long cur, int verdict);

/* Milliseconds on the monotonic clock (for elapsed times). */
long long poll_now_ms(void);

/* Call step until it says POLL_DONE; an enum poll_result, or step's
 * negative code (e filled by the step). The step is called at once, then
 * after each interval; Ctrl-C is checked before and after each step. */
int poll_run(const struct poll_opts *o, poll_step_fn step, void *ctx, struct gen_err *e);

#endif
