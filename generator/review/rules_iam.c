/* rules_iam.c: the IAM family: wildcard actions and resources, Allow with
 * NotAction/NotResource/NotPrincipal, iam:PassRole, admin-equivalent
 * managed and inline policies (LF-IAM-001..009). */
#include "review/rules.h"
#include "core/buf.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Actions that support only Resource "*" (the Service Authorization
 * Reference lists no resource type for them), so '*' is their only
 * scope. Patterns are matched against the statement's action as written. */
static const char *const ONLY_STAR[] = {
    "sts:GetCallerIdentity", "sts:GetSessionToken",
    "cloudformation:DescribeStackDriftDetectionStatus", "cloudformation:ListStacks",
    "cloudformation:ValidateTemplate", "cloudformation:ListExports",
    "cloudformation:DescribeAccountLimits", "cloudformation:EstimateTemplateCost",
    "cloudformation:CreateUploadBucket", "cloudformation:ListTypes",
    "s3:ListAllMyBuckets", "s3:GetAccountPublicAccessBlock", "s3:ListAccessPoints",
    "logs:DescribeLogGroups", "logs:DescribeDestinations", "logs:DescribeExportTasks",
    "logs:DescribeQueries", "logs:DescribeResourcePolicies", "logs:DescribeQueryDefinitions",
    "logs:GetLogDelivery", "logs:ListLogDeliveries",
    "ec2:Describe*", "autoscaling:Describe*", "elasticloadbalancing:Describe*",
    "cloudwatch:PutMetricData", "cloudwatch:GetMetricData", "cloudwatch:GetMetricStatistics",
    "cloudwatch:ListMetrics", "xray:PutTraceSegments", "xray:PutTelemetryRecords",
    "xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:GetSamplingStatisticSummaries",
    "ecr:GetAuthorizationToken", "lambda:ListFunctions", "lambda:GetAccountSettings",
    "lambda:ListEventSourceMappings", "lambda:CreateEventSourceMapping",
    "dynamodb:ListTables", "iam:ListRoles", "iam:ListPolicies", "iam:ListUsers",
    "iam:ListGroups", "iam:GetAccountSummary", "iam:ListAccountAliases",
    "kms:ListKeys", "kms:ListAliases", "kms:CreateKey", "secretsmanager:ListSecrets",
    "secretsmanager:GetRandomPassword", "sqs:ListQueues", "sns:ListTopics",
    "states:ListStateMachines", "ssm:DescribeParameters", "tag:GetResources",
    "health:DescribeEvents", NULL,
};

/* AWS managed policies that are the account, or the way to take it. */
static const char *const ADMIN_MANAGED[] = {
    "AdministratorAccess", "AdministratorAccess-Amplify", "AdministratorAccess-AWSElasticBeanstalk",
    "IAMFullAccess", "PowerUserAccess", "AWSOrganizationsFullAccess", NULL,
};

static int only_star(const char *action)
{
    for (const char *const *p = ONLY_STAR; *p; p++)
        if (rules_glob(*p, action))
            return 1;
    return 0;
}

/* "*" or "svc:*" (a whole service). */
static int wild_action(const char *a)
{
    const char *colon = strchr(a, ':');
    return strcmp(a, "*") == 0 || (colon && strcmp(colon + 1, "*") == 0);
}

int rules_admin_managed(const char *arn)
{
    const char *p = strstr(arn, ":policy/");

    if (!p || strncmp(arn, "arn:", 4) != 0 || !strstr(arn, ":iam::aws:policy/"))
        return 0;
    p += strlen(":policy/");
    for (const char *const *n = ADMIN_MANAGED; *n; n++)
        if (strcasecmp(p, *n) == 0)
            return 1;
    return 0;
}

int rules_stmt_admin(const json_t *stmt)
{
    const char *a;

    if (!rules_allow(stmt) || rules_flag(stmt, "not_action") || rules_has_cond(stmt) ||
        !rules_any_resource(stmt))
        return 0;
    for (size_t i = 0; (a = rules_str(stmt, "action", i)) != NULL; i++)
        if (strcmp(a, "*") == 0)
            return 1;
    return 0;
}

/* Resource patterns that name every role: '*', or ':role/' then a wildcard. */
int rules_any_role(const char *r)
{
    const char *p = strstr(r, ":role/");
    return strcmp(r, "*") == 0 || (p && p[6] == '*');
}

static void check_wildcards(struct rule_ctx *c, const json_t *owner, const json_t *stmt)
{
    const char *id = rules_id(owner), *path = rules_path(stmt), *a;
    int admin = rules_stmt_admin(stmt), any_res = rules_any_resource(stmt);

    if (admin)
        rules_emit(c, "LF-IAM-008", id, path, "*", "*",
                   "'%s' allows every action on every resource (administrator)", id);
    if (rules_flag(stmt, "not_action"))
        return;
    for (size_t i = 0; (a = rules_str(stmt, "action", i)) != NULL; i++) {
        if (admin && strcmp(a, "*") == 0)
            continue;
        if (wild_action(a))
            rules_emit(c, "LF-IAM-001", id, path, a, NULL, "'%s' allows every action of '%s'",
                       id, strcmp(a, "*") == 0 ? "all services" : a);
        else if (any_res && !rules_flag(stmt, "not_resource") && !only_star(a) &&
                 strcasecmp(a, "iam:PassRole") != 0)   /* LF-IAM-005 says it */
            rules_emit(c, "LF-IAM-002", id, path, a, "*", "'%s' allows %s on every resource",
                       id, a);
    }
}

/* The action pattern that grants iam:PassRole, unless it is a whole-service
 * wildcard LF-IAM-001 already reports. */
static const char *passrole_pattern(const json_t *stmt)
{
    const char *a;

    if (rules_flag(stmt, "not_action"))
        return NULL;
    for (size_t i = 0; (a = rules_str(stmt, "action", i)) != NULL; i++)
        if (rules_glob(a, "iam:PassRole") && !wild_action(a))
            return a;
    return NULL;
}

static void check_passrole(struct rule_ctx *c, const json_t *owner, const json_t *stmt)
{
    const char *id = rules_id(owner), *path = rules_path(stmt), *r;
    const char *a = passrole_pattern(stmt);

    if (!a)
        return;
    for (size_t i = 0; (r = rules_str(stmt, "resource", i)) != NULL; i++)
        if (rules_any_role(r)) {
            rules_emit(c, "LF-IAM-005", id, path, "iam:PassRole", r,
                       "'%s' may pass any role ('%s') to a service", id, r);
            break;
        }
    if (!rules_cond(stmt, "iam:PassedToService", NULL))
        rules_emit(c, "LF-IAM-006", id, path, "iam:PassRole", rules_str(stmt, "resource", 0),
                   "'%s' may pass roles to any service (no iam:PassedToService condition)", id);
}

static void check_stmt(struct rule_ctx *c, enum rules_where w, const json_t *owner,
                       const json_t *stmt)
{
    const char *id = rules_id(owner), *path = rules_path(stmt);

    if (!rules_allow(stmt))
        return;
    if (rules_flag(stmt, "not_action"))
        rules_emit(c, "LF-IAM-003", id, path, NULL, NULL,
                   "'%s' allows every action except %s", id,
                   rules_str(stmt, "action", 0) ? rules_str(stmt, "action", 0) : "none");
    if (rules_flag(stmt, "not_resource"))
        rules_emit(c, "LF-IAM-004", id, path, NULL, NULL,
                   "'%s' allows its actions on every resource except %s", id,
                   rules_str(stmt, "resource", 0) ? rules_str(stmt, "resource", 0) : "none");
    if (rules_flag(stmt, "not_principal"))
        rules_emit(c, "LF-IAM-009", id, path, NULL, NULL,
                   "'%s' allows every principal but the ones listed (NotPrincipal)", id);
    if (w == RULES_PERMISSION) {
        check_wildcards(c, owner, stmt);
        check_passrole(c, owner, stmt);
    }
}

void rules_iam(struct rule_ctx *c)
{
    const json_t *p, *m;
    size_t i, j;

    rules_each_stmt(c, check_stmt);
    json_array_foreach(json_object_get(c->model, "principals"), i, p) {
        json_array_foreach(json_object_get(p, "managed"), j, m) {
            const char *arn = json_string_value(m);
            struct buf path;

            if (!arn || !rules_admin_managed(arn))
                continue;
            buf_init(&path);    /* a logical id may be long: never cut the path */
            buf_printf(&path, "%s.Properties.ManagedPolicyArns[%zu]",
                       json_string_value(json_object_get(p, "path")), j);
            if (buf_failed(&path))
                c->failed = 1;
            else
                rules_emit(c, "LF-IAM-007", rules_id(p), buf_cstr(&path), "*", arn,
                           "'%s' has the admin-equivalent managed policy '%s'", rules_id(p),
                           strrchr(arn, '/') + 1);
            buf_free(&path);
        }
    }
}
