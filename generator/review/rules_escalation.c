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

#include <stdio.h>
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

/* Is the ARN field [p, end) one of words (or '*')? */
static int field_is(const char *p, const char *end, const char *const *words)
{
    size_t n = (size_t)(end - p);

    if (n == 1 && *p == '*')
        return 1;
    for (; *words; words++)
        if (strlen(*words) == n && strncmp(p, *words, n) == 0)
            return 1;
    return 0;
}

/* The "role/PATH/NAME" part of a role ARN of this account (partition and
 * account literal, '*' or the pseudo parameters), or NULL. */
static const char *role_part(const char *r)
{
    static const char *const PART[] = {"${AWS::Partition}", "aws", "aws-cn", "aws-us-gov", NULL};
    static const char *const ACCT[] = {"${AWS::AccountId}", NULL};
    static const char *const IAM[] = {"iam", NULL};
    static const char *const REGION[] = {"", "${AWS::Region}", NULL};
    static const char *const *const FIELDS[] = {PART, IAM, REGION, ACCT};
    const char *p = r + 4, *end;

    if (strncmp(r, "arn:", 4) != 0)
        return NULL;
    for (size_t k = 0; k < 4; k++) {
        end = rules_field_end(p);
        if (!*end || !field_is(p, end, FIELDS[k]))
            return NULL;
        p = end + 1;
    }
    return strncmp(p, "role/", 5) == 0 && !strchr(p, '$') ? p : NULL;
}

/* "role" + Path + RoleName of principal p of stack st, into out; 0 when
 * the role has no literal name and path. */
static int role_full_name(const struct review_stack *st, const json_t *p, char *out, size_t n)
{
    const char *type = json_string_value(json_object_get(p, "type"));
    const char *name = json_string_value(json_object_get(p, "name"));
    const json_t *path = rules_prop(rules_resource(st->tpl, rules_id(p)), "Path");
    const char *ps = path ? json_string_value(path) : "/";

    if (!type || strcmp(type, "AWS::IAM::Role") != 0 || !name || !ps || strchr(name, '$'))
        return 0;
    return snprintf(out, n, "role%s%s", ps, name) < (int)n;
}

/* A role a PassRole resource resolves to: the principal and its stack. */
struct role_ref {
    const json_t *p;
    size_t stack;
};

/* The roles of the review that the role ARN part pattern names, up to max;
 * their number. */
static size_t roles_named(const struct rule_ctx *c, const char *pattern, struct role_ref *out,
                          size_t max)
{
    size_t n = 0, i;
    const json_t *p;
    char full[512];

    for (size_t k = 0; k < c->nset; k++)
        json_array_foreach(json_object_get(c->set[k].model, "principals"), i, p)
            if (n < max && role_full_name(&c->set[k], p, full, sizeof full) &&
                rules_glob(pattern, full))
                out[n++] = (struct role_ref){p, k};
    return n;
}

/* What role p may do, briefly: the services of its Allow actions, its
 * managed policies and whether a boundary holds it. */
static void rights(const json_t *p, char *out, size_t n)
{
    const json_t *s;
    const char *a;
    size_t i, len;

    out[0] = '\0';
    json_array_foreach(json_object_get(p, "permissions"), i, s) {
        for (size_t j = 0; rules_allow(s) && (a = rules_str(s, "action", j)) != NULL; j++) {
            char svc[64];
            snprintf(svc, sizeof svc, "%.*s", (int)strcspn(a, ":"), a);
            if (rules_flag(s, "not_action"))
                snprintf(svc, sizeof svc, "all but %s", a);
            len = strlen(out);
            if (!rules_has_word(out, svc))
                snprintf(out + len, n - len, "%s%s", len ? ", " : "", svc);
        }
    }
    len = strlen(out);
    if (json_array_size(json_object_get(p, "managed")))
        snprintf(out + len, n - len, "%smanaged policies", len ? ", " : "");
    else if (len && !strchr(out, ','))
        snprintf(out + len, n - len, " only");
    else if (!len)
        snprintf(out, n, "no rights");
    len = strlen(out);
    if (json_is_string(json_object_get(p, "boundary")))
        snprintf(out + len, n - len, ", under its boundary");
}

static int strong(const struct rule_ctx *c, size_t stack, const json_t *p, int depth);

/* Note role t of stack k in said (the roles a finding names). */
static void say_role(const struct rule_ctx *c, const struct role_ref *t, char *said, size_t n)
{
    char r[160];
    size_t len = strlen(said);
    const char *stack = c->set[t->stack].name;

    rights(t->p, r, sizeof r);
    snprintf(said + len, n - len, "%s%s's %s: %s", len ? "; " : "",
             stack && t->stack != c->self ? stack : "this template", rules_id(t->p), r);
}

/* 1: high (any role, or a strong known role), 2: medium (unknown roles),
 * 3: low (known roles, none strong). Resources are read in stack's
 * model; ARNs resolve against every stack of the review. said (when not
 * NULL, n bytes) gets the roles resolved by ARN and their rights. */
static int pass_level(const struct rule_ctx *c, size_t stack, const json_t *stmt, int depth,
                      char *said, size_t n)
{
    const char *r, *part;
    int level = 3;

    for (size_t i = 0; (r = rules_str(stmt, "resource", i)) != NULL; i++) {
        const json_t *t = known_role(c->set[stack].model, r);
        struct role_ref refs[16];
        size_t nr = 0;

        if (rules_any_role(r) || rules_flag(stmt, "not_resource"))
            return 1;
        if (t) {
            refs[nr++] = (struct role_ref){t, stack};
        } else if ((part = role_part(r)) != NULL) {
            nr = roles_named(c, part, refs, 16);
            if (!nr || strpbrk(part, "*?"))   /* it may name roles no stack defines */
                level = 2;
        } else {
            level = 2;
        }
        for (size_t k = 0; k < nr; k++) {
            if (depth < 4 && strong(c, refs[k].stack, refs[k].p, depth + 1))
                return 1;
            if (said && !t)
                say_role(c, &refs[k], said, n);
        }
    }
    return level;
}

/* The level of principal p's direct path d (0: not held). */
static int direct_level(const json_t *perms, const struct path *d)
{
    const json_t *s = direct_grant(perms, d);
    return !s ? 0 : bounded(s) ? 3 : 1;
}

/* Has p (of stack) a high path of its own (or is it an administrator)? */
static int strong(const struct rule_ctx *c, size_t stack, const json_t *p, int depth)
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
            pass_level(c, stack, s, depth, NULL, 0) == 1)
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
        char named[384] = "";
        int level = pass_level(c, c->self, s, 0, named, sizeof named);
        const char *why = level == 1   ? "roles up to administrator"
                          : level == 2 ? (c->nset > 1 ? "roles no stack of this review defines"
                                                      : "roles this template does not define")
                          : named[0]   ? named
                                       : "roles of this template, review their rights";
        rules_emit(c, LEVEL_RULE[level], id, rules_path(s), "iam:PassRole",
                   rules_str(s, "resource", 0), "'%s' can escalate: %s (%s: %s)", id, chain,
                   q->how, why);
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
