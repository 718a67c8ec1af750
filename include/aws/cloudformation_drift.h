/* cloudformation_drift.h: the CloudFormation reads of `luaform drift`: a
 * stack's resources and CloudFormation's own drift detection (start it,
 * follow it, read what it found). Included by aws/cloudformation.h.
 *
 * All return 0, or a negative gen code with e filled as the other cfn_*
 * calls do ("Action: CODE: message" for the service's errors, GEN_EAWS
 * with "Action: unexpected answer (...)" for an answer without its
 * <ActionResult> or without a field the API always gives). Results are
 * the caller's (json_decref, free, cfn_drift_status_free) and set only on
 * success.
 *
 * IAM (Service Authorization Reference, AWS CloudFormation):
 *   ListStackResources                 cloudformation:ListStackResources, on the stack
 *   DetectStackDrift                   cloudformation:DetectStackDrift, on the stack;
 *                                      CloudFormation then reads every resource with the
 *                                      caller's rights (cloudformation:DetectStackResourceDrift
 *                                      and each resource type's read actions, such as
 *                                      lambda:GetFunction): a resource it cannot read fails
 *                                      the detection (DETECTION_FAILED), never "in sync"
 *   DescribeStackDriftDetectionStatus  cloudformation:DescribeStackDriftDetectionStatus, on
 *                                      "*" only (no resource type: the detection id is no ARN)
 *   DescribeStackResourceDrifts        cloudformation:DescribeStackResourceDrifts, on the stack */
#ifndef LUAFORM_CLOUDFORMATION_DRIFT_H
#define LUAFORM_CLOUDFORMATION_DRIFT_H

#include <jansson.h>

struct aws;
struct gen_err;

/* ListStackResources and DescribeStackResourceDrifts read at most this
 * many pages; one more, or a page token the service gave before, is an
 * error (a drift check never passes on part of the answer). */
#define CFN_DRIFT_PAGES 1000

/* ListStackResources, every page:
 * *out = [ { "LogicalResourceId", "PhysicalResourceId" (may be ""),
 *            "ResourceType", "ResourceStatus" } ], in the service's order. */
int cfn_list_stack_resources(struct aws *a, const char *stack, json_t **out,
                             struct gen_err *e);

/* DetectStackDrift on every resource of stack: *detection_id (malloc'd),
 * for cfn_describe_drift_status. */
int cfn_detect_stack_drift(struct aws *a, const char *stack, char **detection_id,
                           struct gen_err *e);

/* DescribeStackDriftDetectionStatus. Strings are owned, never NULL. */
struct cfn_drift_status {
    char *detection_status;   /* DETECTION_IN_PROGRESS, DETECTION_COMPLETE, DETECTION_FAILED */
    char *stack_drift_status; /* DRIFTED, IN_SYNC, UNKNOWN, NOT_CHECKED ("" when absent) */
    char *reason;             /* DetectionStatusReason, "" when absent */
    long drifted_count;       /* DriftedStackResourceCount, -1 when absent */
};

void cfn_drift_status_free(struct cfn_drift_status *s);
int cfn_describe_drift_status(struct aws *a, const char *detection_id,
                              struct cfn_drift_status *out, struct gen_err *e);

/* DescribeStackResourceDrifts of the stack's last detection, every page
 * (MaxResults=100, NextToken):
 * *out = [ { "LogicalResourceId", "PhysicalResourceId" ("" when absent),
 *            "ResourceType", "StackResourceDriftStatus",
 *            "DriftStatusReason" (only when present),
 *            "PropertyDifferences": [ { "PropertyPath", "ExpectedValue",
 *                                       "ActualValue", "DifferenceType" } ] } ]
 * in the service's order (ExpectedProperties/ActualProperties are not
 * kept). */
int cfn_describe_resource_drifts(struct aws *a, const char *stack, json_t **out,
                                 struct gen_err *e);

#endif
