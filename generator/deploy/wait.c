/* wait.c: the waiter. Polls DescribeStackEvents and DescribeStacks, fast
 * at first and backing off to a ceiling; prints this operation's events as
 * they arrive; keeps a progress line on a terminal; on failure names the
 * first failed resources and their reasons, not the cascade of
 * cancellations that follows them. */
#include "deploy/wait.h"
#include "aws/aws.h"
#include "aws/cloudformation.h"
#include "core/err.h"
#include "core/interrupt.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Polls that may fail in a row (throttling, 5xx, no connection) before
 * the waiter gives up; with the interval at its ceiling, minutes. */
#define WAIT_MAX_FAILURES 30

const char *wait_text(const char *s)
{
    static char *ring[8];
    static size_t cap[8];
    static unsigned next;
    unsigned i = next++ % 8;
    size_t need;

    if (!s)
        s = "";
    need = 4 * strlen(s) + 1;       /* "\xNN" is the longest escape of a byte */
    if (cap[i] < need) {
        char *p = realloc(ring[i], need);

        if (!p)
            return "(out of memory)";
        ring[i] = p;
        cap[i] = need;
    }
    err_escape(ring[i], cap[i], s);
    return ring[i];
}

static double now_s(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int wait_last_event(struct aws *a, const char *stack, char *out, size_t n,
                    struct gen_err *e)
{
    struct cfn_events ev;
    int rc;

    out[0] = '\0';
    /* one page is enough: the newest event comes first */
    rc = cfn_describe_events(a, stack, NULL, 1, &ev, e);
    if (rc < 0)
        return rc;
    if (ev.n)
        snprintf(out, n, "%s", ev.v[0].id);
    cfn_events_free(&ev);
    return 0;
}

/* ------------------------------------------------------------ printing */

static const char *paint(const struct wait_opts *o, const char *status)
{
    if (!o->color)
        return "";
    if (strstr(status, "FAILED") || strstr(status, "ROLLBACK"))
        return "\033[31m";
    if (strstr(status, "COMPLETE"))
        return "\033[32m";
    return "\033[33m";
}

static void clear_progress(const struct wait_opts *o, int *shown)
{
    if (*shown) {
        fputs("\r\033[K", o->out);
        *shown = 0;
    }
}

static void print_event(const struct wait_opts *o, const struct cfn_event *x)
{
    struct tm tm;
    char t[16];

    gmtime_r(&x->when, &tm);
    strftime(t, sizeof t, "%H:%M:%S", &tm);
    fprintf(o->out, "%s  %s%-28s%s %-34s %s%s%s\n", t, paint(o, x->status),
            wait_text(x->status), o->color ? "\033[0m" : "", wait_text(x->type),
            wait_text(x->logical_id), x->reason[0] ? "  " : "", wait_text(x->reason));
}

static int is_cancellation(const char *reason)
{
    return strstr(reason, "cancelled") || strstr(reason, "canceled");
}

/* ------------------------------------------------------------ the loop */

struct seen {
    char **ids;             /* logical ids that reached a terminal status */
    size_t n;
    struct cfn_event *failed;   /* first failures, in order */
    size_t nfailed;
};

static void note_done(struct seen *s, const struct cfn_event *x)
{
    size_t i;
    char **v;

    if (!strcmp(x->type, "AWS::CloudFormation::Stack"))
        return;
    if (strstr(x->status, "IN_PROGRESS"))
        return;
    for (i = 0; i < s->n; i++)
        if (!strcmp(s->ids[i], x->logical_id))
            return;
    v = realloc(s->ids, (s->n + 1) * sizeof *v);
    if (!v)
        return;
    s->ids = v;
    s->ids[s->n++] = strdup(x->logical_id);
}

static void note_failure(struct seen *s, const struct cfn_event *x)
{
    struct cfn_event *v;

    if (!strstr(x->status, "FAILED") || is_cancellation(x->reason) || s->nfailed >= 5)
        return;
    if (!strcmp(x->type, "AWS::CloudFormation::Stack") && s->nfailed)
        return;
    v = realloc(s->failed, (s->nfailed + 1) * sizeof *v);
    if (!v)
        return;
    s->failed = v;
    memset(&v[s->nfailed], 0, sizeof v[0]);
    v[s->nfailed].logical_id = strdup(x->logical_id);
    v[s->nfailed].type = strdup(x->type);
    v[s->nfailed].status = strdup(x->status);
    v[s->nfailed].reason = strdup(x->reason);
    s->nfailed++;
}

static void seen_free(struct seen *s)
{
    size_t i;

    for (i = 0; i < s->n; i++)
        free(s->ids[i]);
    free(s->ids);
    for (i = 0; i < s->nfailed; i++) {
        free(s->failed[i].logical_id);
        free(s->failed[i].type);
        free(s->failed[i].status);
        free(s->failed[i].reason);
    }
    free(s->failed);
}

/* A poll failed: keep waiting on what the retry policy calls transient
 * (throttling, 5xx, dropped connections), not on anything else. */
static int transient(struct aws *a, int rc)
{
    return (rc == GEN_ENET || rc == GEN_EAWS) && aws_last_fault(a)->retryable;
}

/* Print the events newer than last (oldest first) and remember them. */
static int new_events(struct aws *a, const struct wait_opts *o, char *last, size_t nlast,
                      struct seen *seen, int *shown, struct gen_err *e)
{
    struct cfn_events ev;
    size_t i;
    /* with nothing to go by, the first page: the history before is not ours */
    int rc = cfn_describe_events(a, o->stack, last[0] ? last : NULL, !last[0], &ev, e);

    if (rc < 0)
        return rc;
    if (ev.cut) {
        clear_progress(o, shown);
        fprintf(o->out, "luaform: the newest %zu events since the last poll are shown; older "
                "ones were skipped (%s)\n", ev.n, ev.cut == 1 ? "more pages than one poll reads" :
                "the service repeated a page token");
    }
    for (i = ev.n; i-- > 0;) {
        const struct cfn_event *x = &ev.v[i];

        if (o->token && x->token[0] && strcmp(x->token, o->token))
            continue;
        clear_progress(o, shown);
        print_event(o, x);
        note_done(seen, x);
        note_failure(seen, x);
    }
    if (ev.n)
        snprintf(last, nlast, "%s", ev.v[0].id);
    cfn_events_free(&ev);
    fflush(o->out);     /* stream, also into a pipe (CI logs) */
    return 0;
}

int wait_stack(struct aws *a, const struct wait_opts *o, struct cfn_stack *final,
               struct gen_err *e)
{
    double lo = o->poll_min > 0 ? o->poll_min : 1.0;
    double hi = o->poll_max > 0 ? o->poll_max : 5.0;
    double interval = lo, start = now_s();
    char last[256];
    struct seen seen;
    int shown = 0, result = -1, warned = 0, failures = 0, review_polls = 0;
    size_t i;

    memset(&seen, 0, sizeof seen);
    memset(final, 0, sizeof *final);
    snprintf(last, sizeof last, "%s", o->last_event ? o->last_event : "");
    for (;;) {
        int rc;

        if (interrupt_pending()) {
            result = WAIT_INTERRUPTED;
            break;
        }
        rc = new_events(a, o, last, sizeof last, &seen, &shown, e);
        if (rc == 0) {
            cfn_stack_free(final);
            rc = cfn_describe_stack(a, o->stack, final, e);
        }
        if (interrupt_pending()) {  /* also cuts paging and retries short */
            result = WAIT_INTERRUPTED;
            break;
        }
        if (rc == GEN_EAWS && !strcmp(aws_last_fault(a)->code, "ValidationError") &&
            strstr(aws_last_fault(a)->message, "does not exist")) {
            result = WAIT_GONE;     /* deleted: its events went with it */
            break;
        }
        if (rc < 0) {
            if (!transient(a, rc)) {
                result = rc;
                break;
            }
            if (++failures >= WAIT_MAX_FAILURES) {
                err_prefix(e, "no answer to %d polls in a row; CloudFormation goes on: "
                           "reattach with 'luaform wait --stack-name %s'", failures, o->stack);
                result = GEN_ENET;
                break;
            }
            if (!warned) {
                clear_progress(o, &shown);
                fprintf(o->out, "luaform: polling slowed: %s\n", e->msg);   /* escaped */
                warned = 1;
            }
            interval = interval * 2 > hi * 2 ? hi * 2 : interval * 2;
        } else {
            failures = 0;
            if (!final->exists) {
                result = WAIT_GONE;
                break;
            }
            if (cfn_status_done(final->status)) {
                result = cfn_status_failed(final->status) ? WAIT_FAILED : WAIT_OK;
                if (!strcmp(final->status, "DELETE_COMPLETE"))
                    result = WAIT_GONE;
                /* the events that came with the last status */
                new_events(a, o, last, sizeof last, &seen, &shown, e);
                break;
            }
            /* executed, but the stack never left REVIEW_IN_PROGRESS */
            if (!strcmp(final->status, "REVIEW_IN_PROGRESS") && ++review_polls > 20) {
                result = err_set(e, GEN_EAWS, NULL, 0, "%s stayed REVIEW_IN_PROGRESS: the "
                                 "change set was not executed", o->stack);
                break;
            }
            if (o->tty) {
                double el = now_s() - start;

                clear_progress(o, &shown);
                if (o->total)
                    fprintf(o->out, "  %zu/%d resources  %02d:%02d  %s", seen.n, o->total,
                            (int)el / 60, (int)el % 60, wait_text(final->status));
                else
                    fprintf(o->out, "  %zu resources  %02d:%02d  %s", seen.n,
                            (int)el / 60, (int)el % 60, wait_text(final->status));
                fflush(o->out);
                shown = 1;
            }
            interval = interval * 1.5 > hi ? hi : interval * 1.5;
        }
        interrupt_sleep_ms((long)(interval * 1000));
    }
    clear_progress(o, &shown);
    if (result == WAIT_FAILED) {
        fprintf(o->out, "\n%s ended in %s%s%s\n", wait_text(o->stack),
                wait_text(final->status), final->reason && final->reason[0] ? ": " : "",
                wait_text(final->reason));
        if (seen.nfailed) {
            fprintf(o->out, "root cause:\n");
            for (i = 0; i < seen.nfailed; i++)
                fprintf(o->out, "  %s (%s) %s: %s\n", wait_text(seen.failed[i].logical_id),
                        wait_text(seen.failed[i].type), wait_text(seen.failed[i].status),
                        seen.failed[i].reason[0] ? wait_text(seen.failed[i].reason) :
                        "(no reason given)");
        }
    }
    seen_free(&seen);
    return result;
}
