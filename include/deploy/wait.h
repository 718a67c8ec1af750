/* wait.h: wait for a stack operation to end, through the poller (poll.h).
 * One call per poll: DescribeStackEvents, paged only as far as the last
 * event seen; the stack's own terminal event says the operation ended;
 * then DescribeStacks once confirms the status (and gives the outputs).
 * DescribeStacks is also asked when events were cut short by paging limits
 * and, in case a terminal event was missed, after WAIT_CHECK_POLLS polls
 * in a row without a new event. Reports through a sink (event.h): stack events, progress,
 * slowed polling, then DONE, FAILED (with the root cause), GONE or
 * INTERRUPTED. */
#ifndef LUAFORM_WAIT_H
#define LUAFORM_WAIT_H

#include <stddef.h>

struct aws;
struct gen_err;
struct cfn_stack;
struct deploy_sink;

#define WAIT_CHECK_POLLS 30     /* polls without a new event before a look at the stack */
#define WAIT_CONFIRM_LOOKS 5    /* looks after a terminal event before events rule again */
#define WAIT_MAX_CAUSES 5       /* root causes kept */

struct wait_opts {
    const char *stack;
    const char *token;         /* only events of this request (NULL: all new) */
    const char *last_event;    /* id of the newest event before the operation */
    const char *status;        /* shown in progress until an event tells (may be NULL) */
    int total;                 /* resources expected, for progress (0: unknown) */
    int deleting;              /* the stack gone is success */
    const struct deploy_sink *sink;
};

/* Wait; *final gets the last DescribeStacks (owned; exists = 0 when gone).
 * Returns an enum deploy_result, or a negative gen_code on an error that
 * stops waiting (throttling and transient errors only slow polling, until
 * POLL_MAX_SLOW of them in a row). */
int wait_stack(struct aws *a, const struct wait_opts *o, struct cfn_stack *final,
               struct gen_err *e);

/* Id of the newest event of a stack ("" if none), to tell new from old. */
int wait_last_event(struct aws *a, const char *stack, char *out, size_t n,
                    struct gen_err *e);

#endif
