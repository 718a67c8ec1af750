/* cloudformation.c: CloudFormation operations. */
#include "aws/cloudformation.h"
#include "aws/aws.h"
#include "aws/query.h"
#include "core/err.h"
#include "core/interrupt.h"
#include "core/isotime.h"
#include "aws/xml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dup_text(const struct xml_node *n, const char *path)
{
    const char *t = xml_text(n, path);

    return strdup(t ? t : "");
}

/* Is this "Stack with id X does not exist"? */
static int no_such_stack(const struct aws_fault *f)
{
    return !strcmp(f->code, "ValidationError") && strstr(f->message, "does not exist");
}

/* One read or write: kv as query_call_kv. */
static int call_kv(struct aws *a, const char *action, const char *const *kv,
                   struct xml_doc **d, struct aws_fault *f, struct gen_err *e)
{
    return query_call_kv(a, "cloudformation", action, kv, d, f, e);
}

void cfn_stack_free(struct cfn_stack *s)
{
    free(s->name);
    free(s->id);
    free(s->status);
    free(s->reason);
    json_decref(s->outputs);
    json_decref(s->parameters);
    json_decref(s->tags);
    memset(s, 0, sizeof *s);
}

int cfn_describe_stack(struct aws *a, const char *name, struct cfn_stack *out,
                       struct gen_err *e)
{
    const char *kv[] = { "StackName", name, NULL };
    struct aws_fault f;
    struct xml_doc *d = NULL;
    const struct xml_node *s, *m;
    int rc;

    memset(out, 0, sizeof *out);
    rc = call_kv(a, "DescribeStacks", kv, &d, &f, e);
    if (rc == GEN_EAWS && no_such_stack(&f))
        return 0;
    if (rc < 0)
        return rc;
    s = query_result(a, d, "DescribeStacks", e);
    if (!s) {
        xml_free(d);
        return GEN_EAWS;
    }
    s = xml_find(s, "Stacks/member");
    if (s) {
        out->exists = 1;
        out->name = dup_text(s, "StackName");
        out->id = dup_text(s, "StackId");
        out->status = dup_text(s, "StackStatus");
        out->reason = dup_text(s, "StackStatusReason");
        out->termination_protection = xml_text(s, "EnableTerminationProtection") &&
            !strcmp(xml_text(s, "EnableTerminationProtection"), "true");
        out->outputs = json_array();
        for (m = xml_find(s, "Outputs/member"); m; m = xml_next(m))
            json_array_append_new(out->outputs, json_pack("{s:s, s:s, s:s}",
                "OutputKey", xml_text(m, "OutputKey") ? xml_text(m, "OutputKey") : "",
                "OutputValue", xml_text(m, "OutputValue") ? xml_text(m, "OutputValue") : "",
                "Description", xml_text(m, "Description") ? xml_text(m, "Description") : ""));
        out->parameters = json_array();
        for (m = xml_find(s, "Parameters/member"); m; m = xml_next(m))
            json_array_append_new(out->parameters, json_pack("{s:s, s:s}",
                "ParameterKey", xml_text(m, "ParameterKey") ? xml_text(m, "ParameterKey") : "",
                "ParameterValue", xml_text(m, "ParameterValue") ? xml_text(m, "ParameterValue") : ""));
        out->tags = json_object();
        for (m = xml_find(s, "Tags/member"); m; m = xml_next(m))
            if (xml_text(m, "Key"))
                json_object_set_new(out->tags, xml_text(m, "Key"),
                    json_string(xml_text(m, "Value") ? xml_text(m, "Value") : ""));
        if (!out->outputs || !out->parameters || !out->tags) {
            cfn_stack_free(out);
            xml_free(d);
            return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
        }
    }
    xml_free(d);
    return 0;
}

void cfn_changeset_free(struct cfn_changeset *c)
{
    size_t i;

    for (i = 0; i < c->n; i++) {
        free(c->changes[i].action);
        free(c->changes[i].logical_id);
        free(c->changes[i].physical_id);
        free(c->changes[i].type);
        free(c->changes[i].replacement);
        free(c->changes[i].properties);
    }
    free(c->changes);
    free(c->id);
    free(c->status);
    free(c->reason);
    free(c->execution_status);
    memset(c, 0, sizeof *c);
}

static void add_map(struct query_params *p, const char *what, const char *kname,
                    const char *vname, const json_t *m)
{
    const char *k;
    json_t *v;
    int i = 0;
    char key[128];

    json_object_foreach((json_t *)m, k, v) {
        i++;
        snprintf(key, sizeof key, "%s.member.%d.%s", what, i, kname);
        query_param(p, key, k);
        snprintf(key, sizeof key, "%s.member.%d.%s", what, i, vname);
        query_param(p, key, json_is_string(v) ? json_string_value(v) : "");
    }
}

/* Has change set cs of stack been created (created = 1) and executed
 * (executed = 1)? For the retries of mutating calls. */
static int change_set_state(struct aws *a, const char *stack, const char *cs,
                            int *created, int *executed, struct gen_err *e)
{
    const char *kv[] = { "StackName", stack, "ChangeSetName", cs, NULL };
    struct aws_fault f;
    struct xml_doc *d = NULL;
    const char *x;
    int rc;

    *created = *executed = 0;
    rc = call_kv(a, "DescribeChangeSet", kv, &d, &f, e);
    if (rc == GEN_EAWS && (!strcmp(f.code, "ChangeSetNotFound") || no_such_stack(&f)))
        return 0;
    if (rc < 0)
        return rc;
    if (!query_result(a, d, "DescribeChangeSet", e)) {
        xml_free(d);
        return GEN_EAWS;
    }
    *created = 1;
    x = xml_text(xml_root(d), "DescribeChangeSetResult/ExecutionStatus");
    *executed = x && (!strcmp(x, "EXECUTE_IN_PROGRESS") || !strcmp(x, "EXECUTE_COMPLETE") ||
                      !strcmp(x, "EXECUTE_FAILED"));
    xml_free(d);
    return 0;
}

/* Look whether a mutating call on change set cs took effect (*done), after
 * an attempt whose outcome is unknown; a failed look keeps the attempt's
 * error in front: "first; whether it took effect is unknown: look's". */
static int took_effect(struct aws *a, int execute, const char *stack, const char *cs,
                       int *done, struct gen_err *e)
{
    struct gen_err local, first;
    int created, executed, rc;

    if (!e)
        e = &local;
    first = *e;
    rc = change_set_state(a, stack, cs, &created, &executed, e);
    if (rc < 0) {
        char look[sizeof e->msg];

        snprintf(look, sizeof look, "%s", e->msg);
        return err_set(e, rc, NULL, 0, "%s; whether it took effect is unknown: %s",
                       first.msg, look);
    }
    *done = execute ? executed : created;
    *e = first;
    return 0;
}

/* A mutating call on a change set, made so that a retry never does it
 * twice: after an attempt that failed in a way that may have taken
 * effect (a dropped connection, a 5xx, throttling, an answer that was not
 * the service's), look before trying again. Each attempt is one request
 * (query_call_once: no retry, no resend by libcurl). moto ignores
 * ClientToken and ClientRequestToken, and a proxy can fail a call after
 * the service ran it, so the tokens alone are not enough. *out is NULL
 * when a look showed the call had taken effect. */
static int mutate(struct aws *a, const char *action, const struct query_params *p,
                  const char *stack, const char *cs, struct xml_doc **out,
                  struct gen_err *e)
{
    int execute = !strcmp(action, "ExecuteChangeSet"), attempt, rc;

    *out = NULL;
    for (attempt = 1;; attempt++) {
        struct aws_fault f;
        int done = 0, lrc;

        memset(&f, 0, sizeof f);
        rc = query_call_once(a, "cloudformation", action, p, out, &f, e);
        if (rc == 0)
            return 0;
        if (interrupt_pending())    /* Ctrl-C: no look, no other attempt */
            return err_set(e, rc, NULL, 0, "%s: interrupted; whether it took effect is not "
                           "known: see change set %s of %s", action, cs, stack);
        if (rc == GEN_EAWS && !execute && !strcmp(f.code, "AlreadyExistsException"))
            return 0;   /* our own unique name: an earlier attempt made it */
        if ((rc == GEN_EAWS && execute && attempt > 1 &&
             !strcmp(f.code, "InvalidChangeSetStatus")) ||
            (rc == GEN_EAWS && f.unexpected)) {
            /* after a retry: did our first attempt start it? Or something
             * answered, not CloudFormation, and it may have passed the
             * call on first. Look, and stop: the same call again would
             * tell nothing more */
            lrc = took_effect(a, execute, stack, cs, &done, e);
            return lrc < 0 ? lrc : done ? 0 : rc;
        }
        if (!(rc == GEN_ENET || (rc == GEN_EAWS && f.retryable)))
            return rc;
        if (attempt >= aws_max_attempts(a) + 2)
            return rc;
        if (aws_backoff(attempt))
            return err_set(e, rc, NULL, 0, "%s: interrupted; whether it took effect is not "
                           "known: see change set %s of %s", action, cs, stack);
        /* look (DescribeChangeSet retries by itself); never call again
         * without knowing the first call did nothing */
        rc = took_effect(a, execute, stack, cs, &done, e);
        if (rc < 0)
            return rc;
        if (done)
            return 0;
    }
}

int cfn_create_change_set(struct aws *a, const struct cfn_create *c, char **id,
                          struct gen_err *e)
{
    struct query_params p;
    struct xml_doc *d = NULL;
    const char *got;
    char key[64];
    int rc, i;

    query_params_init(&p);
    query_param(&p, "StackName", c->stack_name);
    query_param(&p, "ChangeSetName", c->name);
    query_param(&p, "ChangeSetType", c->type);
    if (c->template_url)
        query_param(&p, "TemplateURL", c->template_url);
    else
        query_param(&p, "TemplateBody", c->template_body);
    for (i = 0; c->capabilities && c->capabilities[i]; i++) {
        snprintf(key, sizeof key, "Capabilities.member.%d", i + 1);
        query_param(&p, key, c->capabilities[i]);
    }
    if (c->parameters)
        add_map(&p, "Parameters", "ParameterKey", "ParameterValue", c->parameters);
    if (c->tags)
        add_map(&p, "Tags", "Key", "Value", c->tags);
    if (c->role_arn)
        query_param(&p, "RoleARN", c->role_arn);
    if (c->client_token)
        query_param(&p, "ClientToken", c->client_token);
    if (c->description)
        query_param(&p, "Description", c->description);
    rc = mutate(a, "CreateChangeSet", &p, c->stack_name, c->name, &d, e);
    query_params_free(&p);
    if (rc < 0)
        return rc;
    got = d ? xml_text(xml_root(d), "CreateChangeSetResult/Id") : NULL;
    *id = strdup(got ? got : c->name);
    xml_free(d);
    return 0;
}

/* Every page of a paged read action (query_paged). */
static int paged(struct aws *a, const char *action, const char *const *kv, int max_pages,
                 int (*page)(void *ctx, const struct xml_node *result), void *ctx,
                 int *cut, struct gen_err *e)
{
    return query_paged(a, "cloudformation", action, kv, max_pages, page, ctx, cut, e);
}

/* Is name one of the items of the ", "-separated list? */
static int has_item(const char *list, const char *name)
{
    size_t n = strlen(name);
    const char *p;

    for (p = list; (p = strstr(p, name)); p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ','))
            return 1;
    return 0;
}

static int change_set_page(void *ctx, const struct xml_node *r)
{
    struct cfn_changeset *out = ctx;
    const struct xml_node *m;

    if (!out->id) {
        out->id = dup_text(r, "ChangeSetId");
        out->status = dup_text(r, "Status");
        out->reason = dup_text(r, "StatusReason");
        out->execution_status = dup_text(r, "ExecutionStatus");
    }
    for (m = xml_find(r, "Changes/member"); m; m = xml_next(m)) {
        const struct xml_node *rc = xml_find(m, "ResourceChange");
        const struct xml_node *dt;
        struct cfn_change *ch, *v;
        char props[1024] = "";

        if (!rc || !(v = realloc(out->changes, (out->n + 1) * sizeof *v)))
            continue;
        out->changes = v;
        ch = &v[out->n++];
        ch->action = dup_text(rc, "Action");
        ch->logical_id = dup_text(rc, "LogicalResourceId");
        ch->physical_id = dup_text(rc, "PhysicalResourceId");
        ch->type = dup_text(rc, "ResourceType");
        ch->replacement = dup_text(rc, "Replacement");
        for (dt = xml_find(rc, "Details/member"); dt; dt = xml_next(dt)) {
            const char *name = xml_text(dt, "Target/Name");

            if (!name)
                name = xml_text(dt, "Target/Attribute");
            if (name && !has_item(props, name) && strlen(props) + strlen(name) + 3 < sizeof props) {
                if (props[0])
                    strcat(props, ", ");
                strcat(props, name);
            }
        }
        ch->properties = strdup(props);
    }
    return 0;
}

int cfn_describe_change_set(struct aws *a, const char *stack, const char *cs,
                            struct cfn_changeset *out, struct gen_err *e)
{
    const char *kv[] = { "StackName", stack, "ChangeSetName", cs, NULL };
    int rc;

    memset(out, 0, sizeof *out);
    rc = paged(a, "DescribeChangeSet", kv, CFN_CHANGE_SET_PAGES, change_set_page, out,
               NULL, e);
    if (rc < 0)
        cfn_changeset_free(out);
    return rc;
}

static int simple(struct aws *a, const char *action, const char *const *kv, struct gen_err *e)
{
    struct xml_doc *d = NULL;
    int rc = call_kv(a, action, kv, &d, NULL, e);

    xml_free(d);
    return rc;
}

int cfn_execute_change_set(struct aws *a, const char *stack, const char *cs,
                           const char *token, struct gen_err *e)
{
    struct query_params p;
    struct xml_doc *d = NULL;
    int rc;

    query_params_init(&p);
    query_param(&p, "StackName", stack);
    query_param(&p, "ChangeSetName", cs);
    if (token)
        query_param(&p, "ClientRequestToken", token);
    rc = mutate(a, "ExecuteChangeSet", &p, stack, cs, &d, e);
    query_params_free(&p);
    xml_free(d);
    return rc;
}

int cfn_delete_change_set(struct aws *a, const char *stack, const char *cs,
                          struct gen_err *e)
{
    const char *kv[] = { "StackName", stack, "ChangeSetName", cs, NULL };

    return simple(a, "DeleteChangeSet", kv, e);
}

int cfn_delete_stack(struct aws *a, const char *stack, const char *token,
                     const char *role_arn, struct gen_err *e)
{
    const char *kv[] = { "StackName", stack, "ClientRequestToken", token,
                         "RoleARN", role_arn, NULL };
    struct aws_fault f;
    struct xml_doc *d = NULL;
    struct cfn_stack s;
    struct gen_err local, first;
    int rc;

    if (!e)
        e = &local;
    rc = call_kv(a, "DeleteStack", kv, &d, &f, e);
    xml_free(d);
    if (!(rc == GEN_EAWS && f.unexpected))
        return rc;
    /* something else answered; it may have passed the call on: look */
    first = *e;
    if (cfn_describe_stack(a, stack, &s, e) == 0 &&
        (!s.exists || !strncmp(s.status, "DELETE_", 7))) {
        cfn_stack_free(&s);
        return 0;
    }
    cfn_stack_free(&s);
    *e = first;
    return rc;
}

int cfn_update_termination_protection(struct aws *a, const char *stack, int enable,
                                      struct gen_err *e)
{
    const char *kv[] = { "StackName", stack, "EnableTerminationProtection",
                         enable ? "true" : "false", NULL };

    return simple(a, "UpdateTerminationProtection", kv, e);
}

void cfn_events_free(struct cfn_events *ev)
{
    size_t i;

    for (i = 0; i < ev->n; i++) {
        struct cfn_event *x = &ev->v[i];

        free(x->id);
        free(x->logical_id);
        free(x->type);
        free(x->status);
        free(x->reason);
        free(x->token);
    }
    free(ev->v);
    memset(ev, 0, sizeof *ev);
}

struct events_ctx {
    struct cfn_events *out;
    const char *stop_id;
    int one_page;
};

static int events_page(void *ctx, const struct xml_node *r)
{
    struct events_ctx *c = ctx;
    struct cfn_events *out = c->out;
    const struct xml_node *m;

    for (m = xml_find(r, "StackEvents/member"); m; m = xml_next(m)) {
        const char *id = xml_text(m, "EventId");
        struct cfn_event *x, *v;

        if (c->stop_id && id && !strcmp(id, c->stop_id))
            return 1;
        if (!(v = realloc(out->v, (out->n + 1) * sizeof *v)))
            return 1;
        out->v = v;
        x = &v[out->n++];
        x->id = dup_text(m, "EventId");
        x->logical_id = dup_text(m, "LogicalResourceId");
        x->type = dup_text(m, "ResourceType");
        x->status = dup_text(m, "ResourceStatus");
        x->reason = dup_text(m, "ResourceStatusReason");
        x->token = dup_text(m, "ClientRequestToken");
        if (isotime_parse(xml_text(m, "Timestamp") ? xml_text(m, "Timestamp") : "", &x->when, NULL) < 0)
            x->when = 0;
    }
    return c->one_page;
}

int cfn_describe_events(struct aws *a, const char *stack, const char *stop_id,
                        int one_page, struct cfn_events *out, struct gen_err *e)
{
    const char *kv[] = { "StackName", stack, NULL };
    struct events_ctx c = { out, stop_id, one_page };
    int rc;

    memset(out, 0, sizeof *out);
    rc = paged(a, "DescribeStackEvents", kv, CFN_EVENT_PAGES, events_page, &c, &out->cut, e);
    if (rc < 0)
        cfn_events_free(out);
    return rc;
}

int cfn_get_template(struct aws *a, const char *stack, char **body, struct gen_err *e)
{
    const char *kv[] = { "StackName", stack, "TemplateStage", "Original", NULL };
    struct xml_doc *d = NULL;
    const char *t;
    int rc;

    rc = call_kv(a, "GetTemplate", kv, &d, NULL, e);
    if (rc < 0)
        return rc;
    if (!query_result(a, d, "GetTemplate", e)) {
        xml_free(d);
        return GEN_EAWS;
    }
    t = xml_text(xml_root(d), "GetTemplateResult/TemplateBody");
    *body = strdup(t ? t : "");
    xml_free(d);
    return 0;
}

int cfn_status_done(const char *s)
{
    size_t n = strlen(s);

    return !(n > 12 && !strcmp(s + n - 12, "_IN_PROGRESS")) &&
           strcmp(s, "REVIEW_IN_PROGRESS") != 0;
}

int cfn_status_failed(const char *s)
{
    return strstr(s, "FAILED") || strstr(s, "ROLLBACK");
}
