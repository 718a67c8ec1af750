/* event.c: handing the deploy library's events to a sink. */
#include "deploy/event.h"
#include "aws/cloudformation.h"

#include <stddef.h>

void deploy_emit(const struct deploy_sink *s, const struct deploy_event *ev)
{
    if (s && s->emit)
        s->emit(s->ctx, ev);
}

void deploy_emit_outputs(const struct deploy_sink *s, const char *stack,
                         const struct cfn_stack *st)
{
    struct deploy_event ev = { .type = DEPLOY_EV_OUTPUTS };

    if (!st->exists || !json_array_size(st->outputs))
        return;
    ev.stack = stack;
    ev.stack_info = st;
    deploy_emit(s, &ev);
}

const char *deploy_event_name(enum deploy_event_type t)
{
    static const char *const names[] = {
        [DEPLOY_EV_CHANGE_SET_CREATED] = "change_set_created",
        [DEPLOY_EV_CHANGES] = "changes",
        [DEPLOY_EV_IAM_DIFF] = "iam_diff",
        [DEPLOY_EV_NO_CHANGES] = "no_changes",
        [DEPLOY_EV_DISCARDED] = "discarded",
        [DEPLOY_EV_EXECUTING] = "executing",
        [DEPLOY_EV_DELETING] = "deleting",
        [DEPLOY_EV_ATTACHED] = "attached",
        [DEPLOY_EV_REVIEW_PENDING] = "review_pending",
        [DEPLOY_EV_STACK_EVENT] = "stack_event",
        [DEPLOY_EV_EVENTS_SKIPPED] = "events_skipped",
        [DEPLOY_EV_PROGRESS] = "progress",
        [DEPLOY_EV_SLOWED] = "slowed",
        [DEPLOY_EV_DONE] = "done",
        [DEPLOY_EV_OUTPUTS] = "outputs",
        [DEPLOY_EV_PROTECTED] = "protected",
        [DEPLOY_EV_WARNING] = "warning",
        [DEPLOY_EV_FAILED] = "failed",
        [DEPLOY_EV_GONE] = "gone",
        [DEPLOY_EV_RETAINED] = "retained",
        [DEPLOY_EV_INTERRUPTED] = "interrupted",
    };

    if ((size_t)t >= sizeof names / sizeof names[0] || !names[t])
        return "unknown";
    return names[t];
}
