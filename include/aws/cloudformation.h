/* cloudformation.h: CloudFormation operations over the Query protocol
 * (the drift reads are in cloudformation_drift.h, included here). */
#ifndef LUAFORM_CLOUDFORMATION_H
#define LUAFORM_CLOUDFORMATION_H

#include <stddef.h>
#include <time.h>
#include <jansson.h>

#include "aws/cloudformation_drift.h"

struct aws;
struct gen_err;

/* A stack as DescribeStacks shows it. Strings are owned. */
struct cfn_stack {
    int exists;
    char *name, *id, *status, *reason;
    int termination_protection;
    json_t *outputs;      /* [{ "OutputKey", "OutputValue", "Description" }] */
    json_t *parameters;   /* [{ "ParameterKey", "ParameterValue" }] */
    json_t *tags;         /* { "Key": "Value" } from <Tags>, {} when none;
                             never NULL when the stack exists */
};

void cfn_stack_free(struct cfn_stack *s);

/* exists = 0 (and 0 returned) when there is no such stack. An answer
 * without <DescribeStacksResult> is an error, never "no such stack". */
int cfn_describe_stack(struct aws *a, const char *name, struct cfn_stack *out,
                       struct gen_err *e);

struct cfn_change {
    char *action;         /* Add, Modify, Remove, Import, Dynamic */
    char *logical_id, *physical_id, *type;
    char *replacement;    /* True, False, Conditional, "" */
    char *properties;     /* changed properties, comma separated */
};

struct cfn_changeset {
    char *id, *status, *reason, *execution_status;
    struct cfn_change *changes;
    size_t n;
};

void cfn_changeset_free(struct cfn_changeset *c);

struct cfn_create {
    const char *stack_name;
    const char *name;              /* change set name */
    const char *type;              /* CREATE or UPDATE */
    const char *template_body;     /* or */
    const char *template_url;
    const json_t *parameters;      /* { "Key": "value" } or NULL */
    const json_t *tags;            /* { "Key": "value" } or NULL */
    const char *const *capabilities;
    const char *role_arn;          /* the CloudFormation service role */
    const char *client_token;
    const char *description;
};

int cfn_create_change_set(struct aws *a, const struct cfn_create *c, char **id,
                          struct gen_err *e);
/* All pages of DescribeChangeSet; more than CFN_CHANGE_SET_PAGES pages,
 * or a page token the service gave before, is an error (the changes shown
 * for review must be all of them). */
#define CFN_CHANGE_SET_PAGES 50
int cfn_describe_change_set(struct aws *a, const char *stack, const char *cs,
                            struct cfn_changeset *out, struct gen_err *e);
int cfn_execute_change_set(struct aws *a, const char *stack, const char *cs,
                           const char *client_request_token, struct gen_err *e);
int cfn_delete_change_set(struct aws *a, const char *stack, const char *cs,
                          struct gen_err *e);

struct cfn_event {
    char *id, *logical_id, *type, *status, *reason, *token;
    time_t when;
};

struct cfn_events {
    struct cfn_event *v;
    size_t n;
    int cut;              /* older events than these were left unread: 1 after
                             CFN_EVENT_PAGES pages, 2 at a repeated token */
};

void cfn_events_free(struct cfn_events *ev);
/* Events newest first, paging until an event with id stop_id (excluded)
 * or the end, or only the first page (one_page). At most CFN_EVENT_PAGES
 * pages are read in one call, and paging stops at a page token the service
 * gave before: out->cut says older events were left unread (the newest
 * are kept: a waiter shows what happens now, and says what it skipped). */
#define CFN_EVENT_PAGES 20
int cfn_describe_events(struct aws *a, const char *stack, const char *stop_id,
                        int one_page, struct cfn_events *out, struct gen_err *e);

int cfn_get_template(struct aws *a, const char *stack, char **body, struct gen_err *e);
/* After an answer that was not CloudFormation's (a proxy may have passed
 * the call on), a look at the stack decides: gone or DELETE_* is done. */
int cfn_delete_stack(struct aws *a, const char *stack, const char *client_request_token,
                     const char *role_arn, struct gen_err *e);
int cfn_update_termination_protection(struct aws *a, const char *stack, int enable,
                                      struct gen_err *e);

/* Is the status terminal / a failure? */
int cfn_status_done(const char *status);
int cfn_status_failed(const char *status);

#endif
