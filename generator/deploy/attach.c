/* attach.c: follow a stack operation started elsewhere (or by a luaform
 * that was interrupted) until it ends. */
#include "deploy/deploy.h"
#include "aws/cloudformation.h"
#include "core/err.h"
#include "deploy/wait.h"

#include <string.h>

/* The stack is not doing anything: say how it is. */
static int settled(const struct cfn_stack *s, const char *stack, const struct deploy_sink *sink)
{
    struct deploy_event ev = { .type = DEPLOY_EV_DONE };

    ev.stack = stack;
    ev.status = s->status;
    ev.stack_info = s;
    if (!strcmp(s->status, "REVIEW_IN_PROGRESS")) {
        ev.type = DEPLOY_EV_REVIEW_PENDING;
        deploy_emit(sink, &ev);
        return DEPLOY_OK;
    }
    deploy_emit(sink, &ev);
    deploy_emit_outputs(sink, stack, s);
    return cfn_status_failed(s->status) ? DEPLOY_FAILED : DEPLOY_OK;
}

int deploy_wait(struct aws *a, const char *stack, const struct deploy_sink *sink,
                struct gen_err *e)
{
    struct deploy_event ev = { .type = DEPLOY_EV_ATTACHED };
    struct cfn_stack s, after;
    struct wait_opts wo;
    char last[256];
    int rc;

    if ((rc = cfn_describe_stack(a, stack, &s, e)) < 0)
        return rc;
    if (!s.exists)
        rc = err_set(e, GEN_EINPUT, NULL, 0, "no stack named %s", stack);
    else if (cfn_status_done(s.status) || !strcmp(s.status, "REVIEW_IN_PROGRESS"))
        rc = settled(&s, stack, sink);
    else {
        ev.stack = stack;
        ev.status = s.status;
        deploy_emit(sink, &ev);
        if (wait_last_event(a, stack, last, sizeof last, e) < 0)
            last[0] = '\0';
        memset(&wo, 0, sizeof wo);
        wo.stack = stack;
        wo.last_event = last;
        wo.status = s.status;
        wo.deleting = !strncmp(s.status, "DELETE_", 7);
        wo.sink = sink;
        rc = wait_stack(a, &wo, &after, e);
        cfn_stack_free(&after);
    }
    cfn_stack_free(&s);
    return rc;
}
