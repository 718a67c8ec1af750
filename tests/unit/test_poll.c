/* test_poll.c: the one poller: its interval policy (first interval, the
 * 2 s ceiling, the throttled slow-down and the way back), LUAFORM_POLL_MS,
 * the overall limit, failures in a row, errors from the step, and Ctrl-C
 * ending a wait at once. */
#include "core/err.h"
#include "core/interrupt.h"
#include "deploy/poll.h"
#include "test.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

/* A scripted step: returns verdicts[i] on call i, then POLL_DONE; raises
 * SIGINT on call sigint_at (1-based; 0: never). */
struct script {
    const int *verdicts;
    int n, calls, sigint_at;
    long long at[16];       /* when each call came */
};

static int scripted(void *ctx, struct gen_err *e)
{
    struct script *s = ctx;
    int v = s->calls < s->n ? s->verdicts[s->calls] : POLL_DONE;

    if (s->calls < 16)
        s->at[s->calls] = poll_now_ms();
    s->calls++;
    if (s->sigint_at && s->calls == s->sigint_at)
        raise(SIGINT);
    if (v < 0)
        return err_set(e, v, NULL, 0, "step failed");
    return v;
}

static void test_defaults(void)
{
    struct poll_opts o;
    long cur = POLL_FIRST_MS, top = 0;
    int i, grows = 1;

    unsetenv(POLL_ENV);
    poll_defaults(&o);
    T(o.first_ms == 500 && o.max_ms == 2000 && o.slow_max_ms == 16000);
    T(o.limit_ms == 0 && o.max_slow == POLL_MAX_SLOW);
    /* answers: growing, never past 2 s, and reaching it */
    for (i = 0; i < 50; i++) {
        long next = poll_next_ms(&o, cur, POLL_AGAIN);

        if (next < cur)
            grows = 0;
        if (next > top)
            top = next;
        cur = next;
    }
    T(grows && top == 2000 && cur == 2000);
    T(poll_next_ms(&o, 500, POLL_AGAIN) == 750);
}

static void test_throttled(void)
{
    struct poll_opts o;
    long cur = 2000;
    int i;

    unsetenv(POLL_ENV);
    poll_defaults(&o);
    /* throttled: doubling, to 8 x the ceiling and no further */
    T(poll_next_ms(&o, 500, POLL_SLOW) == 1000);
    for (i = 0; i < 10; i++)
        cur = poll_next_ms(&o, cur, POLL_SLOW);
    T(cur == 16000);
    /* answers again: halving back down to the 2 s ceiling */
    cur = poll_next_ms(&o, cur, POLL_AGAIN);
    T(cur == 8000);
    for (i = 0; i < 10; i++)
        cur = poll_next_ms(&o, cur, POLL_AGAIN);
    T(cur == 2000);
}

static void test_env(void)
{
    static const char *const bad[] = { "", "abc", "5x", "-1", "0", "60001", " 5", NULL };
    struct poll_opts o;
    int i;

    setenv(POLL_ENV, "20", 1);
    poll_defaults(&o);
    T(o.first_ms == 20 && o.max_ms == 20 && o.slow_max_ms == 160);
    T(poll_next_ms(&o, 20, POLL_AGAIN) == 20);
    T(poll_next_ms(&o, 20, POLL_SLOW) == 40);
    for (i = 0; bad[i]; i++) {
        setenv(POLL_ENV, bad[i], 1);
        poll_defaults(&o);
        TMSG(o.first_ms == POLL_FIRST_MS && o.max_ms == POLL_MAX_MS, "'%s'", bad[i]);
    }
    unsetenv(POLL_ENV);
}

/* The intervals poll_run sleeps: first, growing, slowed, back. */
static void test_run_intervals(void)
{
    static const int v[] = { POLL_AGAIN, POLL_AGAIN, POLL_SLOW, POLL_SLOW, POLL_AGAIN };
    struct script s = { v, 5, 0, 0, { 0 } };
    struct poll_opts o = { 40, 60, 240, 0, 0 };
    struct gen_err e;
    long gap[5];
    int i;

    T(poll_run(&o, scripted, &s, &e) == POLL_OK && s.calls == 6);
    for (i = 0; i < 5; i++)
        gap[i] = (long)(s.at[i + 1] - s.at[i]);
    /* 40, 60 (x1.5 capped), 120 and 240 (slowed), 120 (back down): at
     * least that long (a sleep), and in that order (a busy machine may
     * add to each, not by the 60 ms or more between them) */
    TMSG(gap[0] >= 40 && gap[1] >= 60 && gap[2] >= 120 && gap[3] >= 240 && gap[4] >= 120,
         "%ld %ld %ld %ld %ld", gap[0], gap[1], gap[2], gap[3], gap[4]);
    TMSG(gap[0] < gap[2] && gap[1] < gap[3] && gap[4] < gap[3], "%ld %ld %ld %ld %ld",
         gap[0], gap[1], gap[2], gap[3], gap[4]);
}

static void test_run_ends(void)
{
    static const int again[] = { POLL_AGAIN, POLL_AGAIN, POLL_AGAIN, POLL_AGAIN, POLL_AGAIN,
                                 POLL_AGAIN, POLL_AGAIN, POLL_AGAIN, POLL_AGAIN, POLL_AGAIN };
    static const int slow[] = { POLL_SLOW, POLL_SLOW, POLL_AGAIN, POLL_SLOW, POLL_SLOW,
                                POLL_SLOW, POLL_AGAIN };
    static const int fail[] = { POLL_AGAIN, GEN_EAWS };
    struct script s1 = { again, 10, 0, 0, { 0 } }, s2 = { slow, 7, 0, 0, { 0 } };
    struct script s3 = { fail, 2, 0, 0, { 0 } };
    struct poll_opts o = { 10, 10, 20, 35, 0 };
    struct gen_err e;

    /* the overall limit: given up before a sleep would pass it */
    T(poll_run(&o, scripted, &s1, &e) == POLL_TIMED_OUT && s1.calls >= 3 && s1.calls <= 4);
    /* failures in a row, not in all */
    o.limit_ms = 0;
    o.max_slow = 3;
    T(poll_run(&o, scripted, &s2, &e) == POLL_GAVE_UP && s2.calls == 6);
    /* the step's error ends it, with its message */
    T(poll_run(&o, scripted, &s3, &e) == GEN_EAWS && s3.calls == 2 &&
      !strcmp(e.msg, "step failed"));
}

/* Last: Ctrl-C stays pending for the rest of the process. */
static void test_interrupt(void)
{
    static const int again[] = { POLL_AGAIN, POLL_AGAIN, POLL_AGAIN, POLL_AGAIN };
    struct script s = { again, 4, 0, 2, { 0 } };
    struct poll_opts o = { 10, 5000, 5000, 0, 0 };
    struct gen_err e;
    long long t0;

    interrupt_catch();
    t0 = poll_now_ms();
    /* call 2 raises SIGINT: no third call, no 5 s sleep */
    T(poll_run(&o, scripted, &s, &e) == POLL_INTERRUPTED && s.calls == 2);
    T(poll_now_ms() - t0 < 1000);
    /* and a poll started after Ctrl-C ends before its first step */
    s.calls = 0;
    s.sigint_at = 0;
    T(poll_run(&o, scripted, &s, &e) == POLL_INTERRUPTED && s.calls == 0);
}

int main(void)
{
    test_defaults();
    test_throttled();
    test_env();
    test_run_intervals();
    test_run_ends();
    test_interrupt();
    return t_report();
}
