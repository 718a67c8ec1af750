/* rules.c: the rule table, review_check, and the helpers the rule
 * families (rules_iam.c, rules_principal.c, rules_oidc.c,
 * rules_escalation.c, rules_resources.c) share. */
#include "review/rules.h"
#include "review/wildcard.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"

/* Ids never change once shipped: SARIF fingerprints and suppressions use
 * them. Add new rules at the end of their family. */
static const struct review_rule RULES[] = {
    /* IAM: wildcards, Not*, PassRole, admin */
    {"LF-IAM-001", "high", 7.5, "Allow with Action '*' or 'service:*'",
     "A wildcard grants every present and future action of the service, including writes and "
     "permission changes nobody reviewed.",
     "list the actions the principal calls instead of the wildcard"},
    {"LF-IAM-002", "medium", 5.0, "Allow on Resource '*' for actions that support resource scoping",
     "The actions reach every resource of their kind in the account, not only the ones this "
     "stack owns.",
     "scope Resource to the ARNs the principal works on (actions that support only '*' are exempt)"},
    {"LF-IAM-003", "high", 7.5, "Allow with NotAction",
     "Allow with NotAction grants every action except those listed, present and future.",
     "list the allowed actions in Action instead"},
    {"LF-IAM-004", "medium", 6.0, "Allow with NotResource",
     "Allow with NotResource grants the actions on every resource except those listed.",
     "list the allowed resources in Resource instead"},
    {"LF-IAM-005", "high", 8.0, "iam:PassRole on any role",
     "Passing any role to a service lets the principal run that service with the rights of the "
     "most privileged role in the account.",
     "scope iam:PassRole to the ARNs of the roles it must pass"},
    {"LF-IAM-006", "medium", 5.0, "iam:PassRole without an iam:PassedToService condition",
     "The role can be handed to any service, including ones that run arbitrary code with it.",
     "add Condition StringEquals iam:PassedToService with the one service that needs the role"},
    {"LF-IAM-007", "critical", 9.0, "admin-equivalent AWS managed policy attached",
     "AdministratorAccess, IAMFullAccess, PowerUserAccess and the like give the principal the "
     "account, or the means to take it.",
     "replace the managed policy with a policy listing the actions the principal needs"},
    {"LF-IAM-008", "critical", 9.5, "policy allowing '*' on '*' (administrator)",
     "A statement allowing every action on every resource is administrator access.",
     "replace it with the actions and resources the principal needs"},
    {"LF-IAM-009", "high", 7.5, "Allow with NotPrincipal",
     "Allow with NotPrincipal grants access to every principal except those listed, anonymous "
     "users included.",
     "name the allowed principals in Principal instead"},
    /* PRINCIPAL: '*' and cross-account principals */
    {"LF-PRINCIPAL-001", "critical", 9.0, "'*' principal without a limiting condition",
     "Anyone with an AWS account, or anyone at all, may assume the role or call the resource.",
     "name the principals, or add aws:PrincipalOrgID, aws:SourceAccount or aws:SourceArn "
     "conditions"},
    {"LF-PRINCIPAL-002", "high", 7.0, "principal of another account without a limiting condition",
     "Another account's principals may assume the role or use the resource, and nothing ties "
     "the request to the intended caller (confused deputy).",
     "add sts:ExternalId (trust) or aws:SourceArn/aws:SourceAccount/aws:PrincipalOrgID, or "
     "use ${AWS::AccountId}"},
    {"LF-PRINCIPAL-003", "medium", 5.5,
     "resource policy allows a service principal without SourceArn or SourceAccount",
     "The service acts for every account's resources, so another account's topic, bucket or "
     "rule can make it write to or read this resource (confused deputy).",
     "add Condition ArnEquals aws:SourceArn (or StringEquals aws:SourceAccount) naming the "
     "resource that sends"},
    /* LAMBDA */
    {"LF-LAMBDA-001", "high", 7.0,
     "Lambda permission for a service principal without SourceArn or SourceAccount",
     "Any account's resources of that service (any bucket, any topic) may invoke the function.",
     "set SourceArn (and SourceAccount for S3) on the AWS::Lambda::Permission"},
    /* S3 */
    {"LF-S3-001", "medium", 5.0, "bucket without versioning",
     "An overwrite or delete loses the object for good, and ransomware-style overwrites cannot "
     "be undone.",
     "set VersioningConfiguration Status Enabled"},
    {"LF-S3-002", "high", 7.0, "bucket without all four public access blocks",
     "A later ACL or bucket policy can make objects public.",
     "set PublicAccessBlockConfiguration with BlockPublicAcls, BlockPublicPolicy, "
     "IgnorePublicAcls and RestrictPublicBuckets all true"},
    {"LF-S3-003", "low", 3.0, "bucket without BucketEncryption",
     "S3 encrypts new objects with SSE-S3 by default, but the template does not say which "
     "encryption is required, so reviewers and drift checks cannot hold it.",
     "set BucketEncryption with SSE-S3 (AES256) or SSE-KMS"},
    {"LF-S3-004", "medium", 5.0, "bucket without a policy denying insecure transport",
     "Requests over plain HTTP are accepted, so data and signatures travel unencrypted.",
     "add a bucket policy statement: Deny s3:* on the bucket and its objects when "
     "aws:SecureTransport is false"},
    /* RETAIN */
    {"LF-RETAIN-001", "medium", 5.0, "data-bearing resource deleted with its stack",
     "Deleting the stack, or removing the resource from the template, destroys the data.",
     "set DeletionPolicy Retain (or Snapshot where the type supports it)"},
    {"LF-RETAIN-002", "medium", 4.5, "data-bearing resource deleted on replacement",
     "An update that replaces the resource (a renamed table, a changed key schema) destroys the "
     "old data.",
     "set UpdateReplacePolicy Retain (or Snapshot where the type supports it)"},
    /* OIDC: GitHub Actions trust */
    {"LF-OIDC-001", "critical", 9.8, "GitHub OIDC trust without a sub condition",
     "Every GitHub Actions workflow of every repository in the world can assume the role.",
     "add Condition StringEquals token.actions.githubusercontent.com:sub "
     "repo:OWNER/REPO:ref:refs/heads/main (or the environment)"},
    {"LF-OIDC-002", "critical", 9.5, "GitHub OIDC sub admits any repository",
     "A sub of '*' or 'repo:*' matches workflows of any repository on GitHub.",
     "pin sub to repo:OWNER/REPO:..."},
    {"LF-OIDC-003", "high", 8.0, "GitHub OIDC sub admits several repositories of an owner",
     "A sub such as 'repo:ORG/*' lets every repository of the owner, including forks' "
     "destinations and new repositories, assume the role.",
     "pin sub to the one repository: repo:OWNER/REPO:..."},
    {"LF-OIDC-004", "high", 7.5, "GitHub OIDC sub does not start with repo:OWNER/REPO:",
     "With a custom sub template a claim the workflow author controls (environment, "
     "job_workflow_ref, context) can come first, so the match does not pin the repository.",
     "match a sub that starts with repo:OWNER/REPO: (or add a repository_id condition)"},
    {"LF-OIDC-005", "medium", 5.5, "GitHub OIDC trust without an aud condition",
     "The audience is not pinned: tokens minted for another audience the provider lists are "
     "accepted.",
     "add Condition StringEquals token.actions.githubusercontent.com:aud sts.amazonaws.com"},
    {"LF-OIDC-006", "medium", 5.0, "GitHub OIDC aud is not sts.amazonaws.com",
     "GitHub's AWS action requests sts.amazonaws.com; any other or wildcard audience admits "
     "tokens minted for other relying parties.",
     "set token.actions.githubusercontent.com:aud to exactly sts.amazonaws.com"},
    {"LF-OIDC-007", "high", 8.0, "ForAnyValue/ForAllValues on a single-valued GitHub claim",
     "sub and aud are single-valued: ForAllValues is true when the claim is absent, and "
     "ForAnyValue hides what is matched.",
     "use StringEquals or StringLike without a set operator"},
    {"LF-OIDC-008", "low", 2.0, "StringLike on a GitHub claim with no wildcard",
     "StringLike without '*' or '?' is an exact match spelled as a pattern; a later edit adding "
     "a wildcard goes unnoticed.",
     "use StringEquals"},
    {"LF-OIDC-009", "high", 8.0, "production role trusts pull requests or any ref",
     "Any branch, tag or pull-request workflow of the repository, including changes nobody "
     "reviewed, can act in production.",
     "pin sub to the protected branch or environment: repo:OWNER/REPO:environment:prod"},
    {"LF-OIDC-010", "low", 3.5, "GitHub OIDC trust admits any ref of the repository",
     "Workflows on any branch, tag or pull request of the repository can assume the role, not "
     "only reviewed ones.",
     "pin sub to the branch or environment that runs the job, if the role allows it"},
    /* ESC: privilege escalation from a principal's combined rights */
    {"LF-ESC-001", "high", 8.5, "privilege escalation path",
     "The principal can grant itself or a role it controls more rights than it holds, up to "
     "administrator.",
     "remove one action of the path, scope it to resources that cannot escalate, or deny it"},
    {"LF-ESC-002", "medium", 5.5, "escalation through roles passed by name or pattern",
     "The principal can run code or stacks as roles it passes; their rights are not in this "
     "template, so the path is as wide as the widest such role.",
     "scope iam:PassRole to roles with no more rights than the principal, and review them"},
    {"LF-ESC-003", "low", 3.0, "bounded escalation: acts through a role or boundary in this template",
     "The principal can act with another role's rights, or write role policies under a "
     "permissions boundary; the target holds no escalation of its own.",
     "review the target role's rights; they are this principal's too"},
};

const struct review_rule *review_rules(size_t *n)
{
    *n = sizeof RULES / sizeof RULES[0];
    return RULES;
}

const struct review_rule *review_rule_find(const char *id)
{
    for (size_t i = 0; i < sizeof RULES / sizeof RULES[0]; i++)
        if (strcmp(RULES[i].id, id) == 0)
            return &RULES[i];
    return NULL;
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

void rules_emit(struct rule_ctx *c, const char *rule, const char *id, const char *path,
                const char *action, const char *resource, const char *fmt, ...)
{
    const struct review_rule *r = review_rule_find(rule);
    char msg[512];
    va_list ap;

    if (!r) {           /* a family names a rule the table lacks: a bug */
        c->failed = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *f = json_object();
    if (!f || json_object_set_new(f, "rule", json_string(r->id)) ||
        json_object_set_new(f, "severity", json_string(r->severity)) ||
        json_object_set_new(f, "score", json_real(r->score)) ||
        json_object_set_new(f, "id", str_or_null(id)) ||
        json_object_set_new(f, "path", str_or_null(path)) ||
        json_object_set_new(f, "message", json_string(msg)) ||
        json_object_set_new(f, "fix", json_string(r->help)) ||
        json_object_set_new(f, "action", str_or_null(action)) ||
        json_object_set_new(f, "resource", str_or_null(resource))) {
        json_decref(f);
        c->failed = 1;
        return;
    }
    if (json_array_append_new(c->findings, f))   /* steals f, even on failure */
        c->failed = 1;
}

int review_check(const json_t *tpl, const json_t *model, json_t *findings, struct gen_err *e)
{
    struct review_stack one = {NULL, tpl, model};

    return review_check_set(&one, 1, 0, findings, e);
}

int review_check_set(const struct review_stack *set, size_t n, size_t self, json_t *findings,
                     struct gen_err *e)
{
    struct rule_ctx c;

    if (!set || self >= n || !json_is_object(set[self].tpl) ||
        !json_is_object(set[self].model) || !json_is_array(findings))
        return err_set(e, GEN_EINTERNAL, NULL, 0, "review_check: bad arguments");
    memset(&c, 0, sizeof c);
    c.tpl = set[self].tpl;
    c.model = set[self].model;
    c.findings = findings;
    c.set = set;
    c.nset = n;
    c.self = self;
    rules_iam(&c);
    rules_principal(&c);
    rules_oidc(&c);
    rules_escalation(&c);
    rules_resources(&c);
    if (c.failed)
        return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory while checking rules");
    return 0;
}

/* ---- helpers ------------------------------------------------------------ */

int rules_glob(const char *p, const char *s)
{
    return wildcard_covers(p, s, 1);
}

const char *rules_str(const json_t *stmt, const char *key, size_t i)
{
    return json_string_value(json_array_get(json_object_get(stmt, key), i));
}

int rules_flag(const json_t *stmt, const char *key)
{
    return json_is_true(json_object_get(stmt, key));
}

int rules_allow(const json_t *stmt)
{
    const char *eff = json_string_value(json_object_get(stmt, "effect"));
    return eff && strcmp(eff, "Allow") == 0;
}

int rules_stmt_has_action(const json_t *stmt, const char *action)
{
    int hit = 0;
    const char *a;

    for (size_t i = 0; (a = rules_str(stmt, "action", i)) != NULL; i++)
        if (rules_glob(a, action)) {
            hit = 1;
            break;
        }
    return rules_flag(stmt, "not_action") ? !hit : hit;
}

int rules_any_resource(const json_t *stmt)
{
    const char *r;

    if (rules_flag(stmt, "not_resource"))
        return 1;
    for (size_t i = 0; (r = rules_str(stmt, "resource", i)) != NULL; i++)
        if (strcmp(r, "*") == 0)
            return 1;
    return 0;
}

int rules_op_negated(const char *op)
{
    const char *c = strchr(op, ':');
    size_t n;

    if (c)
        op = c + 1;    /* ForAnyValue: / ForAllValues: */
    n = strlen(op);
    if (n >= 8 && strcasecmp(op + n - 8, "IfExists") == 0)
        n -= 8;
    if (n == 4 && strncasecmp(op, "Null", 4) == 0)
        return 1;
    for (; n >= 3; op++, n--)
        if (strncasecmp(op, "Not", 3) == 0)
            return 1;
    return 0;
}

/* condition keys compare case-insensitively; negated operators restrict
 * nothing a rule can rely on and are skipped */
const json_t *rules_cond(const json_t *stmt, const char *key, const char **op)
{
    const json_t *cond = json_object_get(stmt, "condition");
    const char *o, *k;
    json_t *keys, *v;

    json_object_foreach((json_t *)cond, o, keys) {
        if (rules_op_negated(o))
            continue;
        json_object_foreach(keys, k, v) {
            if (strcasecmp(k, key) == 0) {
                if (op)
                    *op = o;
                return v;
            }
        }
    }
    return NULL;
}

int rules_cond_any(const json_t *stmt, const char *const *keys)
{
    for (; *keys; keys++)
        if (rules_cond(stmt, *keys, NULL))
            return 1;
    return 0;
}

const json_t *rules_resource(const json_t *tpl, const char *id)
{
    return json_object_get(json_object_get(tpl, "Resources"), id);
}

const json_t *rules_prop(const json_t *res, const char *name)
{
    return json_object_get(json_object_get(res, "Properties"), name);
}

int rules_has_word(const char *s, const char *word)
{
    size_t n = strlen(word);

    for (; s && *s; s++)
        if (strncasecmp(s, word, n) == 0)
            return 1;
    return 0;
}

void rules_each_stmt(struct rule_ctx *c, rules_stmt_fn fn)
{
    const json_t *list, *owner, *stmt;
    size_t i, j;

    list = json_object_get(c->model, "principals");
    json_array_foreach(list, i, owner) {
        json_array_foreach(json_object_get(owner, "trust"), j, stmt)
            fn(c, RULES_TRUST, owner, stmt);
        json_array_foreach(json_object_get(owner, "permissions"), j, stmt)
            fn(c, RULES_PERMISSION, owner, stmt);
    }
    list = json_object_get(c->model, "resource_policies");
    json_array_foreach(list, i, owner) {
        const char *type = json_string_value(json_object_get(owner, "type"));
        /* a managed policy attached to nothing here is still an identity policy */
        enum rules_where w = type && strncmp(type, "AWS::IAM::", 10) == 0
                                 ? RULES_PERMISSION : RULES_RESOURCE;
        json_array_foreach(json_object_get(owner, "statements"), j, stmt)
            fn(c, w, owner, stmt);
    }
}

const char *rules_id(const json_t *owner)
{
    return json_string_value(json_object_get(owner, "id"));
}

const char *rules_path(const json_t *stmt)
{
    return json_string_value(json_object_get(stmt, "path"));
}

int rules_has_cond(const json_t *stmt)
{
    return json_object_size(json_object_get(stmt, "condition")) > 0;
}

const char *rules_field_end(const char *p)
{
    int depth = 0;

    for (; *p; p++) {
        if (p[0] == '$' && p[1] == '{')
            depth++;
        else if (*p == '}' && depth)
            depth--;
        else if (*p == ':' && !depth)
            break;
    }
    return p;
}

/* The service of an ARN ("arn:PARTITION:SERVICE:..."), length in *n. */
static const char *arn_service(const char *arn, size_t *n)
{
    const char *p;

    if (strncmp(arn, "arn:", 4) != 0 || !*(p = rules_field_end(arn + 4)))
        return NULL;
    p++;
    *n = (size_t)(rules_field_end(p) - p);
    return p;
}

int rules_reaches(const json_t *stmt, const char *action)
{
    const char *r, *svc;
    size_t n, an = strcspn(action, ":");

    if (rules_any_resource(stmt) || !rules_str(stmt, "resource", 0))
        return 1;
    for (size_t i = 0; (r = rules_str(stmt, "resource", i)) != NULL; i++) {
        svc = arn_service(r, &n);
        if (!svc || strchr(r, '$') == r || (n == an && strncasecmp(svc, action, n) == 0) ||
            memchr(svc, '*', n) || memchr(svc, '$', n))
            return 1;
    }
    return 0;
}
