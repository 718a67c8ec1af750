/* plan.c: a change set for a target: checks before any change, the S3
 * upload of a big template, CreateChangeSet, and the poll until it is
 * ready; "no changes" is not an error, and leaves nothing behind. */
#include "deploy/deploy.h"
#include "aws/aws.h"
#include "aws/cloudformation.h"
#include "aws/sigv4.h"
#include "core/err.h"
#include "core/interrupt.h"
#include "deploy/iam_diff.h"
#include "deploy/poll.h"
#include "template/load.h"
#include "template/template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_no_change(const char *msg)
{
    return strstr(msg, "No updates are to be performed") ||
           strstr(msg, "didn't contain changes");
}

void deploy_drop_shell(struct aws *a, const char *stack, const struct deploy_plan *p)
{
    struct cfn_stack s;
    struct gen_err e;

    if (p->before.exists || strcmp(p->change_type, "CREATE") || interrupt_pending() ||
        cfn_describe_stack(a, stack, &s, &e) < 0)
        return;
    if (s.exists && !strcmp(s.status, "REVIEW_IN_PROGRESS")) {
        char token[128];

        deploy_unique_name(token, sizeof token, "luaform-delete");
        cfn_delete_stack(a, stack, token, NULL, &e);
    }
    cfn_stack_free(&s);
}

static int check_account(struct aws *a, const struct deploy_target *t, struct gen_err *e)
{
    char got[64];
    int rc;

    if (!t->account)
        return 0;
    rc = aws_account(a, got, sizeof got, e);
    if (rc < 0)
        return rc;
    if (strcmp(got, t->account))
        return err_set(e, GEN_EINPUT, NULL, 0, "the credentials are for account %s, but %s is "
                       "for account %s (config 'account')", got, t->stack, t->account);
    return 0;
}

/* A stack a change set cannot go to: failed at creation, or busy. */
static int check_state(const struct deploy_target *t, const struct cfn_stack *s,
                       struct gen_err *e)
{
    if (!s->exists || !strcmp(s->status, "REVIEW_IN_PROGRESS"))
        return 0;
    if (!strcmp(s->status, "ROLLBACK_COMPLETE"))
        return err_set(e, GEN_EINPUT, NULL, 0, "stack %s is ROLLBACK_COMPLETE (its creation "
                       "failed): delete it with 'luaform delete --stack-name %s' and deploy again",
                       t->stack, t->stack);
    if (!cfn_status_done(s->status))
        return err_set(e, GEN_EINPUT, NULL, 0, "stack %s is busy (%s): wait for it with "
                       "'luaform wait --stack-name %s'", t->stack, s->status, t->stack);
    return 0;
}

/* Put a template too big to go inline into the bucket; *url (owned) is
 * where CloudFormation reads it. */
static int upload(struct aws *a, const struct deploy_target *t, char **url, struct gen_err *e)
{
    char hash[65], key[256];

    sigv4_sha256_hex(t->body, t->len, hash);
    snprintf(key, sizeof key, "luaform/%s/%s.json", t->stack, hash);
    return aws_s3_put(a, t->s3_bucket, key, t->body, t->len, url, e);
}

/* CreateChangeSet; 1 when the service says at once there is nothing to do. */
static int create(struct aws *a, const struct deploy_target *t, struct deploy_plan *p,
                  struct gen_err *e)
{
    struct cfn_create cc;
    const char *caps[4];
    char *id = NULL, *url = NULL;
    int rc;

    memset(&cc, 0, sizeof cc);
    if (t->len > DEPLOY_BODY_MAX) {
        if ((rc = upload(a, t, &url, e)) < 0)
            return rc;
        cc.template_url = url;
    } else {
        cc.template_body = t->body;
    }
    template_capabilities(t->tpl, caps);
    cc.stack_name = t->stack;
    cc.name = p->change_set;
    cc.type = p->change_type;
    cc.capabilities = caps;
    cc.parameters = json_object_size(t->parameters) ? t->parameters : NULL;
    cc.tags = json_object_size(t->tags) ? t->tags : NULL;
    cc.role_arn = t->role_arn;
    cc.client_token = p->change_set;
    cc.description = "luaform";
    rc = cfn_create_change_set(a, &cc, &id, e);
    free(url);
    free(id);
    if (rc < 0)
        return is_no_change(e->msg) ? 1 : rc;
    return 0;
}

struct cs_wait {
    struct aws *a;
    const struct deploy_target *t;
    struct deploy_plan *p;
    const struct deploy_sink *s;
};

/* One DescribeChangeSet: ready, failed (no changes is not a failure), or
 * not yet. */
static int cs_step(void *ctx, struct gen_err *e)
{
    struct cs_wait *w = ctx;
    struct cfn_changeset *ch = &w->p->changes;
    int rc;

    cfn_changeset_free(ch);
    rc = cfn_describe_change_set(w->a, w->t->stack, w->p->change_set, ch, e);
    if (rc < 0 && (rc == GEN_ENET || rc == GEN_EAWS) && aws_last_fault(w->a)->retryable) {
        struct deploy_event ev = { .type = DEPLOY_EV_SLOWED };

        ev.stack = w->t->stack;
        ev.change_set = w->p->change_set;
        ev.message = e->msg;
        deploy_emit(w->s, &ev);
        return POLL_SLOW;
    }
    if (rc < 0)
        return rc;
    if (!strcmp(ch->status, "CREATE_COMPLETE"))
        return POLL_DONE;
    if (strcmp(ch->status, "FAILED"))
        return POLL_AGAIN;
    if (is_no_change(ch->reason)) {
        w->p->no_changes = 1;
        rc = POLL_DONE;
    } else {
        rc = err_set(e, GEN_EAWS, NULL, 0, "change set %s failed: %s", w->p->change_set,
                     ch->reason);
    }
    cfn_changeset_free(ch);
    cfn_delete_change_set(w->a, w->t->stack, w->p->change_set, NULL);
    return rc;
}

static int wait_ready(struct aws *a, const struct deploy_target *t, struct deploy_plan *p,
                      const struct deploy_sink *s, struct gen_err *e)
{
    struct cs_wait w = { a, t, p, s };
    struct poll_opts po;
    int rc;

    poll_defaults(&po);
    po.limit_ms = DEPLOY_CHANGE_SET_LIMIT_MS;
    rc = poll_run(&po, cs_step, &w, e);
    if (rc == POLL_INTERRUPTED)
        return err_set(e, GEN_EINPUT, NULL, 0, "interrupted while change set %s was being "
                       "created; it is left as it is", p->change_set);
    if (rc == POLL_TIMED_OUT)
        return err_set(e, GEN_EAWS, NULL, 0, "change set %s is not ready after %ld minutes "
                       "(%s); it is left as it is", p->change_set, po.limit_ms / 60000,
                       p->changes.status ? p->changes.status : "no status");
    if (rc == POLL_GAVE_UP)
        return err_prefix(e, "change set %s: no answer to %d polls in a row", p->change_set,
                          po.max_slow);
    return rc;
}

static void report(const struct deploy_target *t, const struct deploy_plan *p,
                   enum deploy_event_type type, const struct deploy_sink *s)
{
    struct deploy_event ev = { .type = type };

    ev.stack = t->stack;
    ev.change_set = p->change_set;
    ev.change_type = p->change_type;
    ev.changes = type == DEPLOY_EV_CHANGES ? &p->changes : NULL;
    ev.iam = type == DEPLOY_EV_CHANGES || type == DEPLOY_EV_IAM_DIFF ? p->iam : NULL;
    deploy_emit(s, &ev);
}

/* p->iam: the deployed template's IAM against t's (none deployed: all of
 * t's is new). When the deployed one cannot be read or understood, NULL
 * and a warning: the approval then treats the diff as broadening. */
static void diff_iam(struct aws *a, const struct deploy_target *t, struct deploy_plan *p,
                     const struct deploy_sink *s)
{
    int deployed = p->before.exists && strcmp(p->before.status, "REVIEW_IN_PROGRESS");
    struct template_doc doc = { NULL, NULL };
    struct gen_err e;
    char *body = NULL, msg[sizeof e.msg + 96];
    int rc = 0;

    if (deployed && (rc = cfn_get_template(a, t->stack, &body, &e)) == 0)
        rc = load_template("the deployed template", body, strlen(body), LOAD_AUTO, &doc, &e);
    if (rc == 0)
        rc = iam_diff_templates(deployed ? doc.data : NULL, t->tpl, &p->iam, &e);
    if (rc < 0) {
        struct deploy_event ev = { .type = DEPLOY_EV_WARNING };

        snprintf(msg, sizeof msg, "cannot compare IAM with the deployed template (taken as "
                 "broadening): %s", e.msg);
        ev.stack = t->stack;
        ev.message = msg;
        deploy_emit(s, &ev);
    }
    free(body);
    load_free(&doc);
}

int deploy_needs_approval(const struct deploy_plan *p, enum deploy_approval mode)
{
    if (p->no_changes || mode == DEPLOY_APPROVE_NEVER)
        return 0;
    if (!p->iam)
        return 1;
    if (mode == DEPLOY_APPROVE_ANY_CHANGE)
        return json_array_size(json_object_get(p->iam, "changes")) > 0;
    return json_is_true(json_object_get(p->iam, "broadening"));
}

int deploy_plan(struct aws *a, const struct deploy_target *t, const struct deploy_sink *s,
                struct deploy_plan *p, struct gen_err *e)
{
    int rc;

    memset(p, 0, sizeof *p);
    p->change_type = "CREATE";
    if ((rc = check_account(a, t, e)) < 0 ||
        (rc = cfn_describe_stack(a, t->stack, &p->before, e)) < 0 ||
        (rc = check_state(t, &p->before, e)) < 0)
        goto fail;
    if (p->before.exists && strcmp(p->before.status, "REVIEW_IN_PROGRESS"))
        p->change_type = "UPDATE";
    deploy_unique_name(p->change_set, sizeof p->change_set, "luaform");
    rc = create(a, t, p, e);
    if (rc == 0) {
        report(t, p, DEPLOY_EV_CHANGE_SET_CREATED, s);
        rc = wait_ready(a, t, p, s, e);
    }
    if (rc < 0) {
        deploy_drop_shell(a, t->stack, p);
        goto fail;
    }
    if (rc == 1)
        p->no_changes = 1;
    if (p->no_changes) {
        deploy_drop_shell(a, t->stack, p);
        report(t, p, DEPLOY_EV_NO_CHANGES, s);
        return 0;
    }
    diff_iam(a, t, p, s);
    report(t, p, DEPLOY_EV_CHANGES, s);
    report(t, p, DEPLOY_EV_IAM_DIFF, s);
    return 0;
fail:
    deploy_plan_free(p);
    return rc;
}

void deploy_plan_free(struct deploy_plan *p)
{
    cfn_changeset_free(&p->changes);
    cfn_stack_free(&p->before);
    json_decref(p->iam);
    p->iam = NULL;
}

int deploy_discard(struct aws *a, const struct deploy_target *t, const struct deploy_plan *p,
                   const struct deploy_sink *s, struct gen_err *e)
{
    int rc = 0;

    if (!p->no_changes) {
        rc = cfn_delete_change_set(a, t->stack, p->change_set, e);
        deploy_drop_shell(a, t->stack, p);
    }
    if (rc == 0)
        report(t, p, DEPLOY_EV_DISCARDED, s);
    return rc;
}
