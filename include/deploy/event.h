/* event.h: what the deploy library reports, and to whom. The library never
 * prints: plan, execute, wait and delete hand each step to a sink (the
 * terminal printer in cli/, later JSON lines, CI annotations, the release
 * commands). Pointers in an event are valid only during the call. */
#ifndef LUAFORM_DEPLOY_EVENT_H
#define LUAFORM_DEPLOY_EVENT_H

#include <jansson.h>
#include <stddef.h>

struct cfn_changeset;
struct cfn_event;
struct cfn_stack;

enum deploy_event_type {
    DEPLOY_EV_CHANGE_SET_CREATED,   /* change_set, change_type: CreateChangeSet answered */
    DEPLOY_EV_CHANGES,          /* change_set, change_type, changes, iam: ready, all of them */
    DEPLOY_EV_IAM_DIFF,         /* change_set, iam: the IAM changes (iam_diff.h), after
                                   CHANGES; iam NULL: unknown (a WARNING said why) */
    DEPLOY_EV_NO_CHANGES,       /* the stack is up to date; the change set is gone */
    DEPLOY_EV_DISCARDED,        /* change_set: deleted without executing it */
    DEPLOY_EV_EXECUTING,        /* change_set: ExecuteChangeSet answered */
    DEPLOY_EV_DELETING,         /* DeleteStack answered */
    DEPLOY_EV_ATTACHED,         /* status: an operation in progress, now followed */
    DEPLOY_EV_REVIEW_PENDING,   /* REVIEW_IN_PROGRESS: nothing runs; a change set waits */
    DEPLOY_EV_STACK_EVENT,      /* event: one of this operation's, oldest first */
    DEPLOY_EV_EVENTS_SKIPPED,   /* count, message: only the newest count were read */
    DEPLOY_EV_PROGRESS,         /* status, done, total, elapsed_ms: once per poll */
    DEPLOY_EV_SLOWED,           /* message (change_set while it is awaited): a poll
                                   failed (throttled, 5xx): slower now */
    DEPLOY_EV_DONE,             /* status, stack_info: settled (also: found settled) */
    DEPLOY_EV_OUTPUTS,          /* stack_info (outputs non-empty) */
    DEPLOY_EV_PROTECTED,        /* termination protection turned on */
    DEPLOY_EV_WARNING,          /* message: something failed that does not fail the command */
    DEPLOY_EV_FAILED,           /* status, reason, causes/ncauses: ended in a failed state */
    DEPLOY_EV_GONE,             /* the stack no longer exists (deleted) */
    DEPLOY_EV_RETAINED,         /* logical_id, resource_type: kept in the account */
    DEPLOY_EV_INTERRUPTED       /* message: Ctrl-C; the operation goes on, reattach
                                   with 'wait' on stack */
};

struct deploy_event {
    enum deploy_event_type type;
    const char *stack;          /* always set */
    const char *change_set, *change_type;   /* "CREATE" or "UPDATE" */
    const struct cfn_changeset *changes;
    const json_t *iam;          /* {"changes": [...], "broadening": bool} or NULL */
    const struct cfn_event *event;
    const struct cfn_stack *stack_info;
    const char *status, *reason, *message;
    const char *logical_id, *resource_type;
    const struct cfn_event *causes;     /* the first failures, not their cascade */
    size_t ncauses;
    size_t count, done;         /* EVENTS_SKIPPED: events read; PROGRESS: resources done */
    int total;                  /* PROGRESS: resources expected (0: unknown) */
    long long elapsed_ms;
};

struct deploy_sink {
    void (*emit)(void *ctx, const struct deploy_event *ev);
    void *ctx;
};

/* Hand ev to the sink (a NULL sink or emit drops it). */
void deploy_emit(const struct deploy_sink *s, const struct deploy_event *ev);

/* DEPLOY_EV_OUTPUTS for st, when it has outputs. */
void deploy_emit_outputs(const struct deploy_sink *s, const char *stack,
                         const struct cfn_stack *st);

/* The event's name ("changes", "stack_event", ...), for sinks that write
 * it out. */
const char *deploy_event_name(enum deploy_event_type t);

#endif
