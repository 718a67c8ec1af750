/* delete.c: delete a stack, wait until it is gone, and name the resources
 * it leaves in the account (DeletionPolicy Retain). */
#include "deploy/deploy.h"
#include "aws/cloudformation.h"
#include "core/err.h"
#include "deploy/wait.h"
#include "template/load.h"
#include "template/template.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

int deploy_delete_prepare(struct aws *a, const char *stack, struct deploy_deletion *d,
                          struct gen_err *e)
{
    const struct cfn_stack *s = &d->stack;
    int rc;

    memset(d, 0, sizeof *d);
    if ((rc = cfn_describe_stack(a, stack, &d->stack, e)) < 0 || !s->exists)
        return rc;
    if (s->termination_protection)
        return err_set(e, GEN_EINPUT, NULL, 0, "%s has termination protection; turn it off "
                       "first (aws cloudformation update-termination-protection "
                       "--no-enable-termination-protection --stack-name %s)", stack, stack);
    if (!cfn_status_done(s->status) && strcmp(s->status, "REVIEW_IN_PROGRESS"))
        return err_set(e, GEN_EINPUT, NULL, 0, "%s is busy (%s): wait for it with 'luaform "
                       "wait --stack-name %s'", stack, s->status, stack);
    if (cfn_get_template(a, stack, &d->template_body, e) < 0)
        d->template_body = NULL;    /* the list of retained resources is a courtesy */
    return 0;
}

void deploy_deletion_free(struct deploy_deletion *d)
{
    cfn_stack_free(&d->stack);
    free(d->template_body);
    d->template_body = NULL;
}

/* One DEPLOY_EV_RETAINED per resource the deployed template (JSON or
 * YAML) retains; a template that cannot be read lists nothing. */
static void report_retained(const struct deploy_deletion *d, const struct deploy_sink *s)
{
    struct template_doc tpl = { NULL, NULL };
    struct gen_err e;
    json_t *kept = NULL, *r;
    size_t i;

    if (d->template_body &&
        load_template("the deployed template", d->template_body, strlen(d->template_body),
                      LOAD_AUTO, &tpl, &e) == 0)
        kept = template_retained(tpl.data);
    json_array_foreach(kept, i, r) {
        struct deploy_event ev = { .type = DEPLOY_EV_RETAINED };

        ev.stack = d->stack.name;
        ev.logical_id = json_string_value(json_object_get(r, "id"));
        ev.resource_type = json_string_value(json_object_get(r, "type"));
        deploy_emit(s, &ev);
    }
    json_decref(kept);
    load_free(&tpl);
}

int deploy_delete(struct aws *a, const struct deploy_deletion *d, const struct deploy_sink *s,
                  struct gen_err *e)
{
    struct deploy_event ev = { .type = DEPLOY_EV_DELETING };
    const char *stack = d->stack.name;
    struct cfn_stack after;
    struct wait_opts wo;
    char token[128], last[256];
    int rc;

    if (wait_last_event(a, stack, last, sizeof last, e) < 0)
        last[0] = '\0';
    deploy_unique_name(token, sizeof token, "luaform-delete");
    if ((rc = cfn_delete_stack(a, stack, token, NULL, e)) < 0)
        return rc;
    ev.stack = stack;
    deploy_emit(s, &ev);
    memset(&wo, 0, sizeof wo);
    wo.stack = stack;
    wo.token = token;
    wo.last_event = last;
    wo.status = "DELETE_IN_PROGRESS";
    wo.deleting = 1;
    wo.sink = s;
    rc = wait_stack(a, &wo, &after, e);
    if (rc == DEPLOY_OK)
        report_retained(d, s);
    cfn_stack_free(&after);
    return rc;
}
