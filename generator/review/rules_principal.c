/* rules_principal.c: who may assume or call: '*' principals and
 * principals of other accounts without a limiting condition
 * (LF-PRINCIPAL-001, 002), and Lambda permissions for a service without
 * SourceArn/SourceAccount (LF-LAMBDA-001), and topic, queue, bucket and
 * key policies allowing a service principal without them (LF-PRINCIPAL-003). */
#include "review/rules.h"

#include <ctype.h>
#include <string.h>

/* Conditions that tie a request to the intended caller. */
static const char *const LIMIT_ANY[] = {
    "aws:SourceAccount", "aws:SourceArn", "aws:SourceOwner", "aws:SourceOrgID",
    "aws:SourceOrgPaths", "aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:PrincipalAccount",
    "aws:PrincipalArn", "aws:SourceVpce", "aws:SourceVpc", "aws:SourceIp", NULL,
};
/* ...and for a named account, the external id its trust can demand. */
static const char *const LIMIT_ACCOUNT[] = {
    "sts:ExternalId", "aws:SourceAccount", "aws:SourceArn", "aws:SourceOrgID",
    "aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:PrincipalArn", NULL,
};

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

/* A literal account id in an AWS principal ("123456789012" or
 * "arn:...:iam::123456789012:..."); a principal written with
 * ${AWS::AccountId} is this account. */
static int other_account(const char *p)
{
    const char *a = strstr(p, ":iam::");

    if (strlen(p) == 12 && all_digits(p, 12))
        return 1;
    return a && strlen(a + 6) >= 13 && all_digits(a + 6, 12) && a[18] == ':';
}

static const char *first_action(const json_t *stmt)
{
    return rules_str(stmt, "action", 0);
}

static void check_aws(struct rule_ctx *c, const json_t *owner, const json_t *stmt, const json_t *aws)
{
    const char *id = rules_id(owner), *path = rules_path(stmt);
    size_t i;
    const json_t *v;

    json_array_foreach(aws, i, v) {
        const char *p = json_string_value(v);
        if (!p)
            continue;
        if (strcmp(p, "*") == 0 && !rules_cond_any(stmt, LIMIT_ANY))
            rules_emit(c, "LF-PRINCIPAL-001", id, path, first_action(stmt), "*",
                       "'%s' allows any AWS principal ('*') with no limiting condition", id);
        else if (other_account(p) && !rules_cond_any(stmt, LIMIT_ACCOUNT))
            rules_emit(c, "LF-PRINCIPAL-002", id, path, first_action(stmt), p,
                       "'%s' allows principal '%s' of another account with no limiting "
                       "condition", id, p);
    }
}

static void check_stmt(struct rule_ctx *c, enum rules_where w, const json_t *owner,
                       const json_t *stmt)
{
    const json_t *pr = json_object_get(stmt, "principal");

    if (w == RULES_PERMISSION || !rules_allow(stmt) || rules_flag(stmt, "not_principal") || !pr)
        return;
    if (json_is_string(pr)) {
        if (strcmp(json_string_value(pr), "*") == 0 && !rules_cond_any(stmt, LIMIT_ANY))
            rules_emit(c, "LF-PRINCIPAL-001", rules_id(owner), rules_path(stmt),
                       first_action(stmt), "*",
                       "'%s' allows anyone (Principal '*') with no limiting condition",
                       rules_id(owner));
        return;
    }
    check_aws(c, owner, stmt, json_object_get(pr, "AWS"));
}

/* Each Allow statement of rp for a service principal without aws:SourceArn
 * or aws:SourceAccount: a finding of rule. */
static void check_service(struct rule_ctx *c, const json_t *rp, const char *rule,
                          const char *what)
{
    static const char *const SOURCE[] = {"aws:SourceArn", "aws:SourceAccount", NULL};
    const json_t *stmt, *v;
    size_t i, j;

    json_array_foreach(json_object_get(rp, "statements"), i, stmt) {
        const json_t *svc = json_object_get(json_object_get(stmt, "principal"), "Service");
        if (!rules_allow(stmt) || rules_flag(stmt, "not_principal") ||
            rules_cond_any(stmt, SOURCE))
            continue;
        json_array_foreach(svc, j, v) {
            const char *s = json_string_value(v);
            if (s)
                rules_emit(c, rule, rules_id(rp), rules_path(stmt), first_action(stmt),
                           rules_str(stmt, "resource", 0),
                           "'%s' lets %s %s for any account's resources "
                           "(no SourceArn or SourceAccount)", rules_id(rp), s, what);
            if (s && strcmp(rule, "LF-LAMBDA-001") == 0)
                break;   /* a permission has one principal */
        }
    }
}

/* Resource policies a service principal acts on for others (confused deputy). */
static const char *const DEPUTY[] = {
    "AWS::SNS::TopicPolicy", "AWS::SQS::QueuePolicy", "AWS::S3::BucketPolicy", "AWS::KMS::Key",
    NULL,
};

void rules_principal(struct rule_ctx *c)
{
    const json_t *rp;
    size_t i;

    rules_each_stmt(c, check_stmt);
    json_array_foreach(json_object_get(c->model, "resource_policies"), i, rp) {
        const char *type = json_string_value(json_object_get(rp, "type"));
        if (type && strcmp(type, "AWS::Lambda::Permission") == 0)
            check_service(c, rp, "LF-LAMBDA-001", "invoke the function");
        for (size_t k = 0; type && DEPUTY[k]; k++)
            if (strcmp(type, DEPUTY[k]) == 0)
                check_service(c, rp, "LF-PRINCIPAL-003", "use it");
    }
}
