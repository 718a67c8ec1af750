/* cloudformation_drift.c: a stack's resources and CloudFormation's drift
 * detection; cloudformation_drift.h. Element names as in the CloudFormation
 * API reference (API_ListStackResources, API_DetectStackDrift,
 * API_DescribeStackDriftDetectionStatus, API_DescribeStackResourceDrifts,
 * API_StackResourceDrift, API_PropertyDifference). */
#include "aws/cloudformation.h"
#include "aws/aws.h"
#include "aws/query.h"
#include "aws/xml.h"
#include "core/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SERVICE "cloudformation"

/* An answer that lacks what the API always gives: GEN_EAWS,
 * "Action: unexpected answer (why)". */
static int unexpected(struct aws *a, const char *action, const char *why, struct gen_err *e)
{
    aws_unexpected(a, NULL, 200, why, e);
    err_prefix(e, "%s", action);
    return GEN_EAWS;
}

/* ---- members as JSON ---- */

/* A child element kept as a string; a required one must be there, an
 * optional one is "" when absent. */
struct field {
    const char *name;
    int required;
};

static const struct field RESOURCE_FIELDS[] = {
    { "LogicalResourceId", 1 }, { "PhysicalResourceId", 0 }, { "ResourceType", 1 },
    { "ResourceStatus", 1 }, { NULL, 0 }
};
static const struct field DRIFT_FIELDS[] = {
    { "LogicalResourceId", 1 }, { "PhysicalResourceId", 0 }, { "ResourceType", 1 },
    { "StackResourceDriftStatus", 1 }, { NULL, 0 }
};
static const struct field DIFFERENCE_FIELDS[] = {
    { "PropertyPath", 1 }, { "ExpectedValue", 0 }, { "ActualValue", 0 },
    { "DifferenceType", 1 }, { NULL, 0 }
};

/* The fields of member m as a new object, keys in the table's order; NULL
 * when out of memory, or when a required one is missing (*missing names
 * it). */
static json_t *member_json(const struct xml_node *m, const struct field *f,
                           const char **missing)
{
    json_t *o = json_object();

    for (; o && f->name; f++) {
        const char *t = xml_text(m, f->name);

        if (!t && f->required) {
            *missing = f->name;
            json_decref(o);
            return NULL;
        }
        if (json_object_set_new(o, f->name, json_string(t ? t : "")) < 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

/* A list being read: where its members are, what of each is kept, and
 * where a bad member is reported. */
struct list_ctx {
    struct aws *a;
    const char *action;
    const char *what;         /* the member's type, for errors */
    const char *path;         /* the members, below the result or parent */
    const struct field *fields;
    int (*details)(struct list_ctx *c, const struct xml_node *m, json_t *o);
    json_t *out;
    struct gen_err *e;
};

/* Append each member below parent to c->out: 0, or a negative code. */
static int append_members(struct list_ctx *c, const struct xml_node *parent)
{
    const struct xml_node *m;
    const char *missing;
    char why[160];
    json_t *o;
    int rc;

    for (m = xml_find(parent, c->path); m; m = xml_next(m)) {
        missing = NULL;
        o = member_json(m, c->fields, &missing);
        if (!o && missing) {
            snprintf(why, sizeof why, "a %s without <%s>", c->what, missing);
            return unexpected(c->a, c->action, why, c->e);
        }
        if (!o || json_array_append_new(c->out, o) < 0)
            return err_set(c->e, GEN_ENOMEM, NULL, 0, "out of memory");
        if (c->details && (rc = c->details(c, m, o)) < 0)
            return rc;
    }
    return 0;
}

static int list_page(void *ctx, const struct xml_node *result)
{
    return append_members(ctx, result);
}

/* Every page of c's action into a new array (*out, on success only). */
static int read_list(struct list_ctx *c, const char *const *kv, json_t **out)
{
    int rc;

    if (!(c->out = json_array()))
        return err_set(c->e, GEN_ENOMEM, NULL, 0, "out of memory");
    rc = query_paged(c->a, SERVICE, c->action, kv, CFN_DRIFT_PAGES, list_page, c, NULL, c->e);
    if (rc < 0) {
        json_decref(c->out);
        return rc;
    }
    *out = c->out;
    return 0;
}

/* ---- ListStackResources ---- */

int cfn_list_stack_resources(struct aws *a, const char *stack, json_t **out,
                             struct gen_err *e)
{
    const char *kv[] = { "StackName", stack, NULL };
    struct list_ctx c = { a, "ListStackResources", "StackResourceSummary",
                          "StackResourceSummaries/member", RESOURCE_FIELDS, NULL, NULL, e };

    return read_list(&c, kv, out);
}

/* ---- DetectStackDrift ---- */

/* Retried as any read is: a retry after a lost answer starts a second
 * detection, which does no harm (the id returned is the one followed). */
int cfn_detect_stack_drift(struct aws *a, const char *stack, char **detection_id,
                           struct gen_err *e)
{
    static const char action[] = "DetectStackDrift";
    const char *kv[] = { "StackName", stack, NULL };
    struct xml_doc *d = NULL;
    const struct xml_node *r;
    const char *id;
    char *copy;
    int rc;

    rc = query_call_kv(a, SERVICE, action, kv, &d, NULL, e);
    if (rc < 0)
        return rc;
    if (!(r = query_result(a, d, action, e))) {
        rc = GEN_EAWS;
    } else if (!(id = xml_text(r, "StackDriftDetectionId")) || !*id) {
        rc = unexpected(a, action, "no <StackDriftDetectionId>", e);
    } else if (!(copy = strdup(id))) {
        rc = err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    } else {
        *detection_id = copy;
    }
    xml_free(d);
    return rc;
}

/* ---- DescribeStackDriftDetectionStatus ---- */

void cfn_drift_status_free(struct cfn_drift_status *s)
{
    if (!s)
        return;
    free(s->detection_status);
    free(s->stack_drift_status);
    free(s->reason);
    memset(s, 0, sizeof *s);
}

/* A count: digits only, as the API's integer; -1 when not one. */
static long parse_count(const char *t)
{
    long n = 0;

    if (!*t || strlen(t) > 9)
        return -1;
    for (; *t; t++) {
        if (*t < '0' || *t > '9')
            return -1;
        n = n * 10 + (*t - '0');
    }
    return n;
}

int cfn_describe_drift_status(struct aws *a, const char *detection_id,
                              struct cfn_drift_status *out, struct gen_err *e)
{
    static const char action[] = "DescribeStackDriftDetectionStatus";
    const char *kv[] = { "StackDriftDetectionId", detection_id, NULL };
    struct cfn_drift_status s = { NULL, NULL, NULL, -1 };
    struct xml_doc *d = NULL;
    const struct xml_node *r;
    const char *status, *drift, *reason, *count;
    char why[160];
    int rc;

    rc = query_call_kv(a, SERVICE, action, kv, &d, NULL, e);
    if (rc < 0)
        return rc;
    if (!(r = query_result(a, d, action, e))) {
        xml_free(d);
        return GEN_EAWS;
    }
    status = xml_text(r, "DetectionStatus");
    drift = xml_text(r, "StackDriftStatus");
    reason = xml_text(r, "DetectionStatusReason");
    count = xml_text(r, "DriftedStackResourceCount");
    if (count && *count)
        s.drifted_count = parse_count(count);
    if (!status || !*status) {
        rc = unexpected(a, action, "no <DetectionStatus>", e);
    } else if (count && *count && s.drifted_count < 0) {
        snprintf(why, sizeof why, "DriftedStackResourceCount '%.40s' is not a count", count);
        rc = unexpected(a, action, why, e);
    } else if (!(s.detection_status = strdup(status)) ||
               !(s.stack_drift_status = strdup(drift ? drift : "")) ||
               !(s.reason = strdup(reason ? reason : ""))) {
        cfn_drift_status_free(&s);
        rc = err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    } else {
        *out = s;
    }
    xml_free(d);
    return rc;
}

/* ---- DescribeStackResourceDrifts ---- */

/* DriftStatusReason when there is one, then the property differences. */
static int drift_details(struct list_ctx *c, const struct xml_node *m, json_t *o)
{
    const char *reason = xml_text(m, "DriftStatusReason");
    struct list_ctx diffs = { c->a, c->action, "PropertyDifference",
                              "PropertyDifferences/member", DIFFERENCE_FIELDS, NULL,
                              json_array(), c->e };
    int rc;

    if (!diffs.out || (reason && json_object_set_new(o, "DriftStatusReason",
                                                     json_string(reason)) < 0)) {
        json_decref(diffs.out);
        return err_set(c->e, GEN_ENOMEM, NULL, 0, "out of memory");
    }
    if ((rc = append_members(&diffs, m)) < 0) {
        json_decref(diffs.out);
        return rc;
    }
    if (json_object_set_new(o, "PropertyDifferences", diffs.out) < 0)
        return err_set(c->e, GEN_ENOMEM, NULL, 0, "out of memory");
    return 0;
}

int cfn_describe_resource_drifts(struct aws *a, const char *stack, json_t **out,
                                 struct gen_err *e)
{
    const char *kv[] = { "StackName", stack, "MaxResults", "100", NULL };
    struct list_ctx c = { a, "DescribeStackResourceDrifts", "StackResourceDrift",
                          "StackResourceDrifts/member", DRIFT_FIELDS, drift_details, NULL, e };

    return read_list(&c, kv, out);
}
