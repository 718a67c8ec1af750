/* execute.c: execute a planned change set, wait until the stack settles,
 * and turn on the termination protection the target asks for. */
#include "deploy/deploy.h"
#include "aws/cloudformation.h"
#include "core/err.h"
#include "core/interrupt.h"
#include "deploy/wait.h"

#include <stdio.h>
#include <string.h>

/* Turn on the termination protection t asks for, if s has it off. */
static void protect(struct aws *a, const struct deploy_target *t, const struct cfn_stack *s,
                    const struct deploy_sink *sink)
{
    struct deploy_event ev = { .type = DEPLOY_EV_PROTECTED };
    struct gen_err e;
    char msg[sizeof e.msg + 64];

    if (!t->termination_protection || !s->exists || s->termination_protection)
        return;
    ev.stack = t->stack;
    if (cfn_update_termination_protection(a, t->stack, 1, &e) < 0) {
        snprintf(msg, sizeof msg, "could not turn on termination protection: %s", e.msg);
        ev.type = DEPLOY_EV_WARNING;
        ev.message = msg;
    }
    deploy_emit(sink, &ev);
}

/* ExecuteChangeSet, unless Ctrl-C came first (then it never is). */
static int execute(struct aws *a, const struct deploy_target *t, const struct deploy_plan *p,
                   const char *token, struct gen_err *e)
{
    if (interrupt_pending())
        return err_set(e, GEN_EINPUT, NULL, 0, "interrupted: change set %s of %s was not "
                       "executed; it is left for review", p->change_set, t->stack);
    return cfn_execute_change_set(a, t->stack, p->change_set, token, e);
}

int deploy_execute(struct aws *a, const struct deploy_target *t, const struct deploy_plan *p,
                   const struct deploy_sink *s, struct gen_err *e)
{
    struct deploy_event ev = { .type = DEPLOY_EV_EXECUTING };
    struct wait_opts wo;
    struct cfn_stack after;
    char last[256], token[160], status[64];
    int rc;

    if (p->no_changes) {
        protect(a, t, &p->before, s);
        return DEPLOY_OK;
    }
    if (interrupt_pending() || wait_last_event(a, t->stack, last, sizeof last, e) < 0)
        last[0] = '\0';
    snprintf(token, sizeof token, "%s-exec", p->change_set);
    if ((rc = execute(a, t, p, token, e)) < 0) {
        deploy_drop_shell(a, t->stack, p);  /* leave no empty stack behind, as CDK does */
        return rc;
    }
    ev.stack = t->stack;
    ev.change_set = p->change_set;
    ev.change_type = p->change_type;
    deploy_emit(s, &ev);
    snprintf(status, sizeof status, "%s_IN_PROGRESS", p->change_type);
    memset(&wo, 0, sizeof wo);
    wo.stack = t->stack;
    wo.token = token;
    wo.last_event = last;
    wo.status = status;
    wo.total = (int)p->changes.n;
    wo.sink = s;
    rc = wait_stack(a, &wo, &after, e);
    if (rc == DEPLOY_OK)
        protect(a, t, &after, s);
    cfn_stack_free(&after);
    return rc;
}
