/* deploy.h: deploy as a library. Plan (create a change set, wait until it
 * is ready, list its changes), execute it and wait until the stack
 * settles, attach to an operation in progress, delete a stack. Each takes
 * a client and reports through a sink (event.h); none prints, prompts or
 * picks an exit code. They return an enum deploy_result (>= 0) or a
 * negative gen_code with e filled.
 *
 *   deploy_target_init(&t, name, body, len, tpl, settings, &over, e);
 *   deploy_plan(a, &t, sink, &p, e);      // DEPLOY_EV_CHANGES or NO_CHANGES
 *   if (approved) deploy_execute(a, &t, &p, sink, e);
 *   else deploy_discard(a, &t, &p, sink, e);
 *   deploy_plan_free(&p); deploy_target_free(&t);
 */
#ifndef LUAFORM_DEPLOY_H
#define LUAFORM_DEPLOY_H

#include <stddef.h>
#include <jansson.h>

#include "aws/cloudformation.h"
#include "deploy/event.h"

struct aws;
struct gen_err;

#define DEPLOY_BODY_MAX 51200       /* template bytes CloudFormation takes inline */
#define DEPLOY_URL_MAX 1000000      /* template bytes it takes from S3 */
#define DEPLOY_CHANGE_SET_LIMIT_MS (30L * 60 * 1000)   /* a change set not ready: give up */

enum deploy_result {
    DEPLOY_OK = 0,          /* done, in a successful state */
    DEPLOY_FAILED = 1,      /* settled in a failed or rolled back state */
    DEPLOY_GONE = 2,        /* the stack no longer exists (and was not being deleted) */
    DEPLOY_INTERRUPTED = 3  /* Ctrl-C while waiting: CloudFormation goes on */
};

/* ------------------------------------------------------------ a target */

/* What the command line adds to a description's deploy settings. */
struct deploy_overrides {
    const char *stack_name;     /* --stack-name */
    const char *role_arn;       /* --cfn-role-arn */
    const char *s3_bucket;      /* --s3-bucket */
    const char *const *parameters;  /* --parameter KEY=VALUE, in order */
    int nparameters;
    const char *const *tags;    /* --tags KEY=VALUE */
    int ntags;
};

/* One stack to deploy: the template and the settings merged (the command
 * line over the description's deploy{}). Strings are borrowed from what
 * deploy_target_init was given; parameters and tags are owned. */
struct deploy_target {
    const char *stack;
    const char *body;           /* the template as sent */
    size_t len;
    const json_t *tpl;          /* its model (capabilities) */
    json_t *parameters;         /* { "Key": "value" }, never NULL */
    json_t *tags;               /* { "Key": "value" }, never NULL */
    const char *role_arn, *s3_bucket, *account, *region;
    int termination_protection;
};

/* settings: deploy{} of a description (stack_name, parameters, tags,
 * role_arn, s3_bucket, account, region, termination_protection), or NULL
 * for a template file. A --parameter or --tags key given twice, or an item
 * without '=', is an error (GEN_EINPUT); the sizes are checked here, before
 * any call (over DEPLOY_URL_MAX, or over DEPLOY_BODY_MAX without a bucket). */
int deploy_target_init(struct deploy_target *t, const char *default_name,
                       const char *body, size_t len, const json_t *tpl,
                       const json_t *settings, const struct deploy_overrides *o,
                       struct gen_err *e);
void deploy_target_free(struct deploy_target *t);

/* A name unique to this run ("PREFIX-20260101T000000Z-1a2b3c4d"): change
 * set names and idempotency tokens. */
void deploy_unique_name(char *out, size_t n, const char *prefix);

/* ------------------------------------------------------------ plan, execute */

struct deploy_plan {
    char change_set[128];
    const char *change_type;    /* "CREATE" or "UPDATE" (static) */
    int no_changes;             /* nothing to do; no change set is left */
    struct cfn_changeset changes;
    struct cfn_stack before;    /* the stack before (exists = 0: new) */
    json_t *iam;                /* the IAM diff (iam_diff.h) of the deployed template and
                                   the new one; NULL when it could not be made */
};

/* Does executing p need a person's approval under mode? An unknown IAM
 * diff needs it whenever mode is not DEPLOY_APPROVE_NEVER. */
enum deploy_approval { DEPLOY_APPROVE_NEVER, DEPLOY_APPROVE_ANY_CHANGE,
                       DEPLOY_APPROVE_BROADENING };
int deploy_needs_approval(const struct deploy_plan *p, enum deploy_approval mode);

/* Check the account, refuse a stack that is busy or ROLLBACK_COMPLETE,
 * upload a big template to S3, create a change set, wait until it is ready
 * (DEPLOY_EV_CHANGE_SET_CREATED, then DEPLOY_EV_CHANGES and
 * DEPLOY_EV_IAM_DIFF, or DEPLOY_EV_NO_CHANGES). The IAM diff compares the
 * deployed template (GetTemplate, stage Original) with the new one. Returns 0 with *p filled (deploy_plan_free), or
 * a negative code (an empty stack a CREATE left is removed, unless after
 * Ctrl-C, which leaves things as they are and says so). */
int deploy_plan(struct aws *a, const struct deploy_target *t, const struct deploy_sink *s,
                struct deploy_plan *p, struct gen_err *e);
void deploy_plan_free(struct deploy_plan *p);

/* Remove the empty REVIEW_IN_PROGRESS stack a CREATE change set of p left
 * (not after Ctrl-C: then things are left as they are, and said so). */
void deploy_drop_shell(struct aws *a, const char *stack, const struct deploy_plan *p);

/* Delete the change set (and the empty stack of a CREATE): DEPLOY_EV_DISCARDED. */
int deploy_discard(struct aws *a, const struct deploy_target *t, const struct deploy_plan *p,
                   const struct deploy_sink *s, struct gen_err *e);

/* Execute the plan's change set and wait until the stack settles (events,
 * progress, then DEPLOY_EV_DONE and OUTPUTS, or FAILED with the root
 * cause); turn on termination protection when the target asks for it
 * (also when there were no changes). Ctrl-C before ExecuteChangeSet:
 * never executed (an error); after: DEPLOY_INTERRUPTED. */
int deploy_execute(struct aws *a, const struct deploy_target *t, const struct deploy_plan *p,
                   const struct deploy_sink *s, struct gen_err *e);

/* ------------------------------------------------------------ wait, delete */

/* Attach to whatever stack is doing: settled (DEPLOY_EV_DONE: OK, or
 * FAILED for a failed state), REVIEW_IN_PROGRESS (DEPLOY_EV_REVIEW_PENDING,
 * OK), or in progress (DEPLOY_EV_ATTACHED, then as deploy_execute; a
 * deletion that ends with the stack gone is OK). No such stack: GEN_EINPUT. */
int deploy_wait(struct aws *a, const char *stack, const struct deploy_sink *s,
                struct gen_err *e);

struct deploy_deletion {
    struct cfn_stack stack;     /* exists = 0: nothing to delete */
    char *template_body;        /* as deployed (for retained resources), or NULL */
};

/* Look before deleting: a stack with termination protection or busy is an
 * error (GEN_EINPUT); its template is read for the retained resources. */
int deploy_delete_prepare(struct aws *a, const char *stack, struct deploy_deletion *d,
                          struct gen_err *e);
/* DeleteStack and wait (DEPLOY_EV_DELETING, events, DEPLOY_EV_GONE, one
 * DEPLOY_EV_RETAINED per resource the template retains): OK when gone. */
int deploy_delete(struct aws *a, const struct deploy_deletion *d, const struct deploy_sink *s,
                  struct gen_err *e);
void deploy_deletion_free(struct deploy_deletion *d);

#endif
