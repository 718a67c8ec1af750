/* wait.h: wait for a stack to settle, streaming its events and a progress
 * line, and explain a failure by its root cause. */
#ifndef LUAFORM_WAIT_H
#define LUAFORM_WAIT_H

#include <stdio.h>
#include <time.h>

struct aws;
struct gen_err;
struct cfn_stack;

struct wait_opts {
    const char *stack;
    const char *token;     /* show only events of this request (NULL: all new) */
    const char *last_event;/* id of the newest event before the operation */
    int total;             /* resources expected, for the progress line (0: unknown) */
    int tty;               /* live progress line */
    int color;             /* ANSI colours */
    FILE *out;
    double poll_min, poll_max;   /* seconds; 0: 1 and 5 */
};

enum wait_result {
    WAIT_OK = 0,           /* settled in a successful state */
    WAIT_FAILED = 1,       /* settled in a failed or rolled back state */
    WAIT_GONE = 2,         /* the stack no longer exists (after a delete) */
    WAIT_INTERRUPTED = 3   /* Ctrl-C (interrupt.h): CloudFormation goes on */
};

/* Wait; *final gets the last DescribeStacks (owned). Returns an enum
 * wait_result, or a negative gen_code on an error that stops waiting
 * (throttling and transient errors never do: they slow polling). */
int wait_stack(struct aws *a, const struct wait_opts *o, struct cfn_stack *final,
               struct gen_err *e);

/* Id of the newest event of a stack ("" if none), to tell new from old. */
int wait_last_event(struct aws *a, const char *stack, char *out, size_t n,
                    struct gen_err *e);

/* Text from the service or the user made safe to print: one line, control
 * characters escaped (err_escape: "\n", "\x1b", "\u009b"). The result is
 * valid until the 8th next call; NULL gives "". */
const char *wait_text(const char *s);

#endif
