/* rules_escalation.c: privilege escalation from a principal's combined
 * rights (LF-ESC-001..003).
 *
 * A principal holds an action when one of its Allow statements grants it
 * (IAM wildcards, case-insensitive) and no Deny statement without a
 * condition denies it on Resource '*' (the obvious Deny; Denys on narrower
 * resources or with conditions are not subtracted). A path is held when
 * every action of it is. Severity:
 *   - high (001): a direct IAM path (policy writes, access keys, login
 *     profiles, groups, trust), or a PassRole path whose PassRole covers
 *     any role, or names a role of this template that is itself an
 *     administrator or has a high path;
 *   - medium (002): a PassRole path to roles named by ARN or pattern that
 *     this template does not define, so their rights are unknown; and
 *     sts:AssumeRole on '*';
 *   - low (003): a PassRole path to roles of this template that hold no
 *     high path of their own, or IAM policy writes allowed only under an
 *     iam:PermissionsBoundary condition.
 * IAM writes scoped to ${aws:username} (self-service; ${!aws:username} in
 * Fn::Sub) are not paths.
 * Administrators (LF-IAM-007/008) are not repeated here. */
#include "review/rules.h"

#include <string.h>

struct path {
    const char *actions[4];   /* NULL-terminated; PassRole first when used */
    const char *service;      /* iam:PassedToService it needs; NULL: none */
    const char *how;
};

static const struct path DIRECT[] = {
    {{"iam:CreatePolicyVersion"}, NULL, "write a new default version of a managed policy"},
    {{"iam:SetDefaultPolicyVersion"}, NULL, "make an older, broader policy version the default"},
    {{"iam:PutRolePolicy"}, NULL, "write any inline policy into a role"},
    {{"iam:PutUserPolicy"}, NULL, "write any inline policy into a user"},
    {{"iam:PutGroupPolicy"}, NULL, "write any inline policy into a group"},
    {{"iam:AttachRolePolicy"}, NULL, "attach AdministratorAccess to a role"},
    {{"iam:AttachUserPolicy"}, NULL, "attach AdministratorAccess to a user"},
    {{"iam:AttachGroupPolicy"}, NULL, "attach AdministratorAccess to a group"},
    {{"iam:UpdateAssumeRolePolicy"}, NULL, "make any role trust it, then assume it"},
    {{"iam:CreateAccessKey"}, NULL, "create access keys for other users"},
    {{"iam:CreateLoginProfile"}, NULL, "set a console password for other users"},
    {{"iam:UpdateLoginProfile"}, NULL, "change other users' console passwords"},
    {{"iam:AddUserToGroup"}, NULL, "join a more privileged group"},
};

static const struct path PASS[] = {
    {{"iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"}, "lambda.amazonaws.com",
     "run code as any role it can pass"},
    {{"iam:PassRole", "lambda:CreateFunction", "lambda:CreateEventSourceMapping"},
     "lambda.amazonaws.com", "run code as any role it can pass"},
    {{"iam:PassRole", "lambda:UpdateFunctionCode"}, "lambda.amazonaws.com",
     "replace the code of a function that runs as a role it can pass"},
    {{"iam:PassRole", "cloudformation:CreateStack"}, "cloudformation.amazonaws.com",
     "deploy any resources as a role it can pass"},
    {{"iam:PassRole", "cloudformation:UpdateStack"}, "cloudformation.amazonaws.com",
     "deploy any resources as a role it can pass"},
    {{"iam:PassRole", "cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet"},
     "cloudformation.amazonaws.com", "deploy any resources as a role it can pass"},
    {{"iam:PassRole", "ec2:RunInstances"}, "ec2.amazonaws.com",
     "start an instance with a role it can pass and read its credentials"},
    {{"iam:PassRole", "glue:CreateDevEndpoint"}, "glue.amazonaws.com",
     "open a Glue endpoint running as a role it can pass"},
    {{"iam:PassRole", "codebuild:CreateProject", "codebuild:StartBuild"},
     "codebuild.amazonaws.com", "run a build as a role it can pass"},
    {{"iam:PassRole", "sagemaker:CreateNotebookInstance",
      "sagemaker:CreatePresignedNotebookInstanceUrl"},
     "sagemaker.amazonaws.com", "open a notebook running as a role it can pass"},
};

#define NDIRECT (sizeof DIRECT / sizeof DIRECT[0])
#define NPASS (sizeof PASS / sizeof PASS[0])

/* Is action denied by an unconditioned Deny on '*'? */
static int denied(const json_t *perms, const char *action)
{
    const json_t *s;
    size_t i;

    json_array_foreach(perms, i, s)
        if (!rules_allow(s) && !rules_has_cond(s) && rules_any_resource(s) &&
            rules_stmt_has_action(s, action))
            return 1;
    return 0;
}

/* The first Allow statement granting action, unless it is denied. */
static const json_t *granted(const json_t *perms, const char *action)
{
    const json_t *s;
    size_t i;

    if (denied(perms, action))
        return NULL;
    json_array_foreach(perms, i, s)
        if (rules_allow(s) && rules_stmt_has_action(s, action) && rules_reaches(s, action))
            return s;
    return NULL;
}

static int is_admin(const json_t *p)
{
    const json_t *v;
    size_t i;

    json_array_foreach(json_object_get(p, "managed"), i, v)
        if (json_is_string(v) && rules_admin_managed(json_string_value(v)))
            return 1;
    json_array_foreach(json_object_get(p, "permissions"), i, v)
        if (rules_stmt_admin(v))
            return 1;
    return 0;
}

static int self_service(const json_t *stmt)
{
    const char *r;

    for (size_t i = 0; (r = rules_str(stmt, "resource", i)) != NULL; i++)
        if (!strstr(r, "${aws:username}") && !strstr(r, "${!aws:username}"))
            return 0;
    return rules_str(stmt, "resource", 0) != NULL;
}

/* The statement granting the direct path d, or NULL. */
static const json_t *direct_grant(const json_t *perms, const struct path *d)
{
    const json_t *s = granted(perms, d->actions[0]);
    return s && !self_service(s) ? s : NULL;
}

static int bounded(const json_t *stmt)
{
    return rules_cond(stmt, "iam:PermissionsBoundary", NULL) != NULL;
}

/* Does the PassRole statement allow passing to service? */
static int passes_to(const json_t *stmt, const char *service)
{
    const json_t *v = rules_cond(stmt, "iam:PassedToService", NULL), *s;
    size_t i;

    if (!v)
        return 1;
    json_array_foreach(v, i, s)
        if (json_is_string(s) && rules_glob(json_string_value(s), service))
            return 1;
    return 0;
}

/* All actions of path (past PassRole) held? */
static int holds(const json_t *perms, const struct path *p)
{
    for (int k = 1; k < 4 && p->actions[k]; k++)
        if (!granted(perms, p->actions[k]))
            return 0;
    return 1;
}

static const json_t *principal_by_id(const json_t *model, const char *id, size_t n)
{
    const json_t *p;
    size_t i;

    json_array_foreach(json_object_get(model, "principals"), i, p) {
        const char *pid = rules_id(p);
        if (pid && strlen(pid) == n && strncmp(pid, id, n) == 0)
            return p;
    }
    return NULL;
}

/* A role of this template named by a PassRole resource (${X.Arn}, ${X}). */
static const json_t *known_role(const json_t *model, const char *r)
{
    size_t n;

    if (strncmp(r, "${", 2) != 0 || r[strlen(r) - 1] != '}')
        return NULL;
    n = strcspn(r + 2, ".}");
    if (r[2 + n] == '.' && strcmp(r + 2 + n, ".Arn}") != 0)
        return NULL;
    return principal_by_id(model, r + 2, n);
}

static int strong(const struct rule_ctx *c, const json_t *p, int depth);

/* 1: high (any role, or a strong known role), 2: medium (unknown roles),
 * 3: low (known roles, none strong). */
static int pass_level(const struct rule_ctx *c, const json_t *stmt, int depth)
{
    const char *r;
    int level = 3;

    for (size_t i = 0; (r = rules_str(stmt, "resource", i)) != NULL; i++) {
        const json_t *t = known_role(c->model, r);
        if (rules_any_role(r) || rules_flag(stmt, "not_resource"))
            return 1;
        if (!t)
            level = 2;
        else if (depth < 4 && strong(c, t, depth + 1))
            return 1;
    }
    return level;
}

/* The level of principal p's direct path d (0: not held). */
static int direct_level(const json_t *perms, const struct path *d)
{
    const json_t *s = direct_grant(perms, d);
    return !s ? 0 : bounded(s) ? 3 : 1;
}

/* Has p a high path of its own (or is it an administrator)? */
static int strong(const struct rule_ctx *c, const json_t *p, int depth)
{
    const json_t *perms = json_object_get(p, "permissions");

    if (is_admin(p))
        return 1;
    for (size_t k = 0; k < NDIRECT; k++)
        if (direct_level(perms, &DIRECT[k]) == 1)
            return 1;
    for (size_t k = 0; k < NPASS; k++) {
        const json_t *s = granted(perms, "iam:PassRole");
        if (s && passes_to(s, PASS[k].service) && holds(perms, &PASS[k]) &&
            pass_level(c, s, depth) == 1)
            return 1;
    }
    return 0;
}

static const char *const LEVEL_RULE[] = {NULL, "LF-ESC-001", "LF-ESC-002", "LF-ESC-003"};

static void report_direct(struct rule_ctx *c, const json_t *p, const json_t *perms)
{
    const char *id = rules_id(p);

    for (size_t k = 0; k < NDIRECT; k++) {
        const json_t *s = direct_grant(perms, &DIRECT[k]);
        if (!s)
            continue;
        rules_emit(c, LEVEL_RULE[bounded(s) ? 3 : 1], id, rules_path(s), DIRECT[k].actions[0],
                   rules_str(s, "resource", 0), "'%s' can escalate: %s (%s%s)", id,
                   DIRECT[k].actions[0], DIRECT[k].how,
                   bounded(s) ? ", under a permissions boundary" : "");
    }
}

static void report_pass(struct rule_ctx *c, const json_t *p, const json_t *perms)
{
    const char *id = rules_id(p);
    const json_t *s = granted(perms, "iam:PassRole");
    const char *said = NULL;   /* one finding per way (PASS is grouped by it) */
    char chain[256];

    if (!s)
        return;
    for (size_t k = 0; k < NPASS; k++) {
        const struct path *q = &PASS[k];
        if ((said && strcmp(q->how, said) == 0) || !passes_to(s, q->service) || !holds(perms, q))
            continue;
        said = q->how;
        chain[0] = '\0';
        for (int a = 0; a < 4 && q->actions[a]; a++) {
            if (a)
                strncat(chain, " + ", sizeof chain - strlen(chain) - 1);
            strncat(chain, q->actions[a], sizeof chain - strlen(chain) - 1);
        }
        int level = pass_level(c, s, 0);
        rules_emit(c, LEVEL_RULE[level], id, rules_path(s), "iam:PassRole",
                   rules_str(s, "resource", 0), "'%s' can escalate: %s (%s: %s)", id, chain,
                   q->how, level == 1 ? "roles up to administrator"
                           : level == 2 ? "roles this template does not define"
                                        : "roles of this template, review their rights");
    }
}

static void report_assume(struct rule_ctx *c, const json_t *p, const json_t *perms)
{
    const json_t *s = granted(perms, "sts:AssumeRole");

    if (s && rules_any_resource(s))
        rules_emit(c, "LF-ESC-002", rules_id(p), rules_path(s), "sts:AssumeRole", "*",
                   "'%s' can escalate: sts:AssumeRole on '*' (assume any role that trusts "
                   "this account)", rules_id(p));
}

void rules_escalation(struct rule_ctx *c)
{
    const json_t *p;
    size_t i;

    json_array_foreach(json_object_get(c->model, "principals"), i, p) {
        const json_t *perms = json_object_get(p, "permissions");
        if (is_admin(p))
            continue;
        report_direct(c, p, perms);
        report_pass(c, p, perms);
        report_assume(c, p, perms);
    }
}
