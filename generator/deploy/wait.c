/* wait.c: the stack waiter. Reads only new events each poll and reports
 * them; the stack's own terminal event ends the wait, and one
 * DescribeStacks confirms it. On failure it names the first failed
 * resources and their reasons, not the cascade of cancellations after. */
#include "deploy/wait.h"
#include "aws/aws.h"
#include "aws/cloudformation.h"
#include "core/err.h"
#include "deploy/deploy.h"
#include "deploy/event.h"
#include "deploy/poll.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* ------------------------------------------------------------ what was seen */

struct seen {
    char **ids;                 /* logical ids that reached a terminal status */
    size_t n;
    struct cfn_event *failed;   /* first failures, in order */
    size_t nfailed;
};

static int is_cancellation(const char *reason)
{
    return strstr(reason, "cancelled") || strstr(reason, "canceled");
}

static void note_done(struct seen *s, const struct cfn_event *x)
{
    size_t i;
    char **v;

    if (!strcmp(x->type, "AWS::CloudFormation::Stack") || strstr(x->status, "IN_PROGRESS"))
        return;
    for (i = 0; i < s->n; i++)
        if (!strcmp(s->ids[i], x->logical_id))
            return;
    v = realloc(s->ids, (s->n + 1) * sizeof *v);
    if (!v)
        return;
    s->ids = v;
    if ((s->ids[s->n] = strdup(x->logical_id)))
        s->n++;
}

static void note_failure(struct seen *s, const struct cfn_event *x)
{
    struct cfn_event *v;

    if (!strstr(x->status, "FAILED") || is_cancellation(x->reason) ||
        s->nfailed >= WAIT_MAX_CAUSES)
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
    v[s->nfailed].when = x->when;
    s->nfailed++;
}

static void seen_free(struct seen *s)
{
    struct cfn_events all = { s->failed, s->nfailed, 0 };
    size_t i;

    for (i = 0; i < s->n; i++)
        free(s->ids[i]);
    free(s->ids);
    cfn_events_free(&all);
}

/* ------------------------------------------------------------ one poll */

struct watch {
    struct aws *a;
    const struct wait_opts *o;
    struct cfn_stack *final;
    char last[256];             /* newest event id seen */
    char status[64];            /* the stack's status, as its events tell it */
    struct seen seen;
    int looks;                  /* DescribeStacks due at the next polls */
    int ended;                  /* the stack's own terminal event came */
    int quiet;                  /* polls in a row without a new event */
    int fresh;                  /* this poll brought new events */
    int result;
    long long start;
};

static void emit(const struct watch *w, struct deploy_event *ev)
{
    ev->stack = w->o->stack;
    deploy_emit(w->o->sink, ev);
}

/* Is x the stack's own event (not a resource's, not a nested stack's)? */
static int own_event(const struct watch *w, const struct cfn_event *x)
{
    return !strcmp(x->type, "AWS::CloudFormation::Stack") &&
           !strcmp(x->logical_id, w->o->stack);
}

/* A poll failed: the stack is gone (1), the poll should be tried again
 * later (throttling, 5xx, dropped connections: 2), or neither (0). */
static int classify(struct aws *a, int rc)
{
    const struct aws_fault *f = aws_last_fault(a);

    if (rc == GEN_EAWS && !strcmp(f->code, "ValidationError") &&
        strstr(f->message, "does not exist"))
        return 1;
    return (rc == GEN_ENET || rc == GEN_EAWS) && f->retryable ? 2 : 0;
}

static int slowed(struct watch *w, int rc, struct gen_err *e)
{
    struct deploy_event ev = { .type = DEPLOY_EV_SLOWED };

    if (classify(w->a, rc) != 2)
        return rc;
    ev.message = e->msg;
    emit(w, &ev);
    return POLL_SLOW;
}

static void report_events(struct watch *w, const struct cfn_events *ev)
{
    struct deploy_event de = { .type = DEPLOY_EV_EVENTS_SKIPPED };
    size_t i;

    if (ev->cut) {
        de.count = ev->n;
        de.message = ev->cut == 1 ? "more pages than one poll reads" :
                     "the service repeated a page token";
        emit(w, &de);
        w->looks = w->looks ? w->looks : 1;     /* the end may be among them */
    }
    for (i = ev->n; i-- > 0;) {
        const struct cfn_event *x = &ev->v[i];

        if (w->o->token && x->token[0] && strcmp(x->token, w->o->token))
            continue;
        w->fresh = 1;
        memset(&de, 0, sizeof de);
        de.type = DEPLOY_EV_STACK_EVENT;
        de.event = x;
        emit(w, &de);
        note_done(&w->seen, x);
        note_failure(&w->seen, x);
        if (own_event(w, x)) {
            snprintf(w->status, sizeof w->status, "%s", x->status);
            if (cfn_status_done(x->status)) {
                w->looks = WAIT_CONFIRM_LOOKS;
                w->ended = 1;
            }
        }
    }
}

/* The events newer than the last seen (with nothing to go by, the first
 * page only: the history before is not this operation's). */
static int read_events(struct watch *w, struct gen_err *e)
{
    struct cfn_events ev;
    int rc = cfn_describe_events(w->a, w->o->stack, w->last[0] ? w->last : NULL,
                                 !w->last[0], &ev, e);

    if (rc < 0) {
        if (classify(w->a, rc) != 1)
            return rc;
        w->looks = w->looks ? w->looks : 1;     /* deleted: its events went with it */
        return 0;
    }
    report_events(w, &ev);
    if (ev.n)
        snprintf(w->last, sizeof w->last, "%s", ev.v[0].id);
    cfn_events_free(&ev);
    return 0;
}

/* DescribeStacks: has the operation ended? POLL_DONE (w->result set),
 * POLL_AGAIN, POLL_SLOW or an error. */
static int look(struct watch *w, struct gen_err *e)
{
    const char *st;
    int rc;

    w->quiet = 0;
    cfn_stack_free(w->final);
    rc = cfn_describe_stack(w->a, w->o->stack, w->final, e);
    if (rc < 0)
        return slowed(w, rc, e);
    if (!w->final->exists) {
        w->result = w->o->deleting ? DEPLOY_OK : DEPLOY_GONE;
        return POLL_DONE;
    }
    st = w->final->status;
    snprintf(w->status, sizeof w->status, "%s", st);
    if (!strcmp(st, "REVIEW_IN_PROGRESS"))
        return err_set(e, GEN_EAWS, NULL, 0, "%s is REVIEW_IN_PROGRESS: nothing runs (the "
                       "change set was not executed)", w->o->stack);
    if (!cfn_status_done(st))
        return POLL_AGAIN;
    if (!w->ended)          /* ended unseen: the events that came with it */
        read_events(w, e);
    w->result = cfn_status_failed(st) ? DEPLOY_FAILED :
                !strcmp(st, "DELETE_COMPLETE") && !w->o->deleting ? DEPLOY_GONE : DEPLOY_OK;
    return POLL_DONE;
}

static int step(void *ctx, struct gen_err *e)
{
    struct watch *w = ctx;
    struct deploy_event ev = { .type = DEPLOY_EV_PROGRESS };
    int rc;

    w->fresh = 0;
    if ((rc = read_events(w, e)) < 0)
        return slowed(w, rc, e);
    w->quiet = w->fresh ? 0 : w->quiet + 1;
    if (w->looks > 0 || w->quiet >= WAIT_CHECK_POLLS) {
        if (w->looks > 0)
            w->looks--;
        rc = look(w, e);
        if (rc != POLL_AGAIN)
            return rc;
    }
    ev.status = w->status;
    ev.done = w->seen.n;
    ev.total = w->o->total;
    ev.elapsed_ms = poll_now_ms() - w->start;
    emit(w, &ev);
    return POLL_AGAIN;
}

/* ------------------------------------------------------------ the wait */

static void report_end(struct watch *w)
{
    struct deploy_event ev = { .type = DEPLOY_EV_DONE };

    if (w->result == DEPLOY_FAILED) {
        ev.type = DEPLOY_EV_FAILED;
        ev.reason = w->final->reason;
        ev.causes = w->seen.failed;
        ev.ncauses = w->seen.nfailed;
    } else if (w->result == DEPLOY_INTERRUPTED) {
        ev.type = DEPLOY_EV_INTERRUPTED;
        ev.message = "CloudFormation goes on";
    } else if (!w->final->exists || !strcmp(w->final->status, "DELETE_COMPLETE")) {
        ev.type = DEPLOY_EV_GONE;
    }
    ev.status = w->final->status;
    ev.stack_info = w->final;
    emit(w, &ev);
    if (ev.type == DEPLOY_EV_DONE)
        deploy_emit_outputs(w->o->sink, w->o->stack, w->final);
}

int wait_stack(struct aws *a, const struct wait_opts *o, struct cfn_stack *final,
               struct gen_err *e)
{
    struct watch w;
    struct poll_opts po;
    int rc;

    memset(&w, 0, sizeof w);
    memset(final, 0, sizeof *final);
    w.a = a;
    w.o = o;
    w.final = final;
    w.start = poll_now_ms();
    snprintf(w.last, sizeof w.last, "%s", o->last_event ? o->last_event : "");
    snprintf(w.status, sizeof w.status, "%s", o->status ? o->status : "");
    poll_defaults(&po);
    rc = poll_run(&po, step, &w, e);
    if (rc == POLL_GAVE_UP)
        rc = err_prefix(e, "no answer to %d polls in a row; CloudFormation goes on: "
                        "reattach with 'luaform wait --stack-name %s'", po.max_slow, o->stack);
    else if (rc == POLL_INTERRUPTED)
        w.result = DEPLOY_INTERRUPTED;
    else if (rc == POLL_TIMED_OUT)  /* (no limit is set: operations take what they take) */
        rc = err_set(e, GEN_EINTERNAL, NULL, 0, "waiting for %s timed out", o->stack);
    if (rc >= 0) {
        report_end(&w);
        rc = w.result;
    }
    seen_free(&w.seen);
    return rc;
}
