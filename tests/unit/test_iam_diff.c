/* test_iam_diff.c: the IAM diff between a deployed template and a new one:
 * added, removed, broadened and narrowed statements under IAM wildcards,
 * conditions, principals, Denies, managed policies and boundaries. */
#include "core/err.h"
#include "deploy/iam_diff.h"
#include "review/wildcard.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* JSON written with single quotes, for legibility. */
static json_t *J(const char *text)
{
    char *s = strdup(text), *p;
    json_t *v;
    json_error_t je;

    for (p = s; *p; p++)
        if (*p == '\'')
            *p = '"';
    v = json_loads(s, 0, &je);
    if (!v)
        fprintf(stderr, "  bad fixture: %s: %s\n", je.text, s);
    free(s);
    return v;
}

static char fixture[8192];

/* A template with one role R: trust statements, one inline policy 'p'
 * with statements, and extra properties/resources. */
static json_t *role(const char *trust, const char *perms, const char *extra_props,
                    const char *extra_resources)
{
    snprintf(fixture, sizeof fixture,
             "{'Description':'d','Resources':{'R':{'Type':'AWS::IAM::Role','Properties':{"
             "'AssumeRolePolicyDocument':{'Version':'2012-10-17','Statement':[%s]},"
             "'Policies':[{'PolicyName':'p','PolicyDocument':{'Statement':[%s]}}]%s}}%s}}",
             trust, perms, extra_props, extra_resources);
    return J(fixture);
}

#define LAMBDA "{'Effect':'Allow','Principal':{'Service':'lambda.amazonaws.com'},'Action':'sts:AssumeRole'}"
#define GET "{'Effect':'Allow','Action':'s3:GetObject','Resource':'arn:aws:s3:::b/*'}"

static json_t *diff_of(json_t *old, json_t *new)
{
    json_t *out = NULL;
    struct gen_err e;

    if (iam_diff_templates(old, new, &out, &e) < 0)
        fprintf(stderr, "  iam_diff_templates: %s\n", e.msg);
    json_decref(old);
    json_decref(new);
    return out;
}

static size_t nchanges(const json_t *d)
{
    return json_array_size(json_object_get(d, "changes"));
}

static const char *field(const json_t *d, size_t i, const char *key)
{
    const char *s = json_string_value(json_object_get(
        json_array_get(json_object_get(d, "changes"), i), key));

    return s ? s : "";
}

static int broadening(const json_t *d)
{
    return json_is_true(json_object_get(d, "broadening"));
}

/* Exactly one change: of this kind and change, its why containing why. */
static int one(json_t *d, const char *kind, const char *change, const char *why)
{
    int ok = d && nchanges(d) == 1 && !strcmp(field(d, 0, "kind"), kind) &&
             !strcmp(field(d, 0, "change"), change) && strstr(field(d, 0, "why"), why);

    if (!ok) {
        char *s = d ? json_dumps(d, JSON_INDENT(1)) : NULL;

        fprintf(stderr, "  want one %s %s '%s', got %s\n", kind, change, why, s ? s : "NULL");
        free(s);
    }
    return ok;
}

/* The diff of old and new is one change as one() says, broadening or not. */
static int expect(json_t *old, json_t *new, const char *kind, const char *change,
                  const char *why, int broad)
{
    json_t *d = diff_of(old, new);
    int ok = one(d, kind, change, why) && broadening(d) == broad;

    json_decref(d);
    return ok;
}

static void test_covers(void)
{
    static const struct { const char *pattern, *s; int icase, want; } cases[] = {
        { "s3:*", "s3:GetObject", 1, 1 },
        { "s3:GetObject", "s3:*", 1, 0 },
        { "S3:getobject", "s3:GetObject", 1, 1 },
        { "S3:getobject", "s3:GetObject", 0, 0 },
        { "arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/*", 0, 1 },
        { "arn:aws:s3:::bucket/a/*", "arn:aws:s3:::bucket/*", 0, 0 },
        { "*", "anything:*", 1, 1 },
        { "s3:Get*", "s3:GetObject*", 1, 1 },
        { "s3:Get*", "s3:*", 1, 0 },
        { "s3:Get?bject", "s3:GetObject", 1, 1 },
        { "s3:Get?bject", "s3:Get*", 1, 0 },
        { "a*b*c", "axxbyyc", 0, 1 },
        { "a*b*c", "axxbyy", 0, 0 },
        { "", "", 0, 1 },
        { "", "a", 0, 0 },
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
        TMSG(wildcard_covers(cases[i].pattern, cases[i].s, cases[i].icase) == cases[i].want,
             "wildcard_covers('%s', '%s')", cases[i].pattern, cases[i].s);
}

static void test_unchanged(void)
{
    json_t *d;

    /* the same IAM; a description and a bucket's property changed */
    d = diff_of(role(LAMBDA, GET, "", ""),
                J("{'Description':'other','Resources':{'R':{'Type':'AWS::IAM::Role','Properties':{"
                  "'Description':'a role, described differently',"
                  "'AssumeRolePolicyDocument':{'Version':'2012-10-17','Statement':[" LAMBDA "]},"
                  "'Policies':[{'PolicyName':'p','PolicyDocument':{'Statement':[" GET "]}}]}},"
                  "'B':{'Type':'AWS::S3::Bucket','Properties':{'BucketName':'x'}}}}"));
    T(d && nchanges(d) == 0 && !broadening(d));
    json_decref(d);
    /* statements reordered, a Sid renamed */
    d = diff_of(role(LAMBDA, GET ",{'Effect':'Allow','Action':'s3:PutObject','Resource':'*'}", "", ""),
                role(LAMBDA, "{'Sid':'Put','Effect':'Allow','Action':['s3:PutObject'],'Resource':'*'},"
                     GET, "", ""));
    T(d && nchanges(d) == 0 && !broadening(d));
    json_decref(d);
}

static void test_added_removed(void)
{
    json_t *d;

    d = diff_of(role(LAMBDA, GET, "", ""), role(LAMBDA, GET ",{'Effect':'Allow',"
                "'Action':'s3:DeleteObject','Resource':'arn:aws:s3:::b/*'}", "", ""));
    T(one(d, "permission", "added", "s3:DeleteObject") && broadening(d));
    T(d && !strcmp(field(d, 0, "principal"), "R"));
    json_decref(d);
    T(expect(role(LAMBDA, GET ",{'Effect':'Allow','Action':'s3:DeleteObject','Resource':'*'}",
                     "", ""), role(LAMBDA, GET, "", ""),
             "permission", "removed", "no longer grants s3:DeleteObject", 0));
    /* a Deny removed broadens; a Deny added does not */
    T(expect(role(LAMBDA, GET ",{'Effect':'Deny','Action':'s3:*','Resource':'arn:aws:s3:::secret/*'}",
                     "", ""), role(LAMBDA, GET, "", ""),
             "permission", "removed", "no longer denies", 1));
    T(expect(role(LAMBDA, GET, "", ""), role(LAMBDA, GET ",{'Effect':'Deny','Action':'s3:*',"
                "'Resource':'arn:aws:s3:::secret/*'}", "", ""),
             "permission", "added", "denies", 0));
}

static void test_actions_resources(void)
{
    json_t *d;

    T(expect(role(LAMBDA, GET, "", ""),
                role(LAMBDA, "{'Effect':'Allow','Action':'s3:*','Resource':'arn:aws:s3:::b/*'}", "", ""),
             "permission", "broadened", "adds s3:*", 1));
    /* the other way: narrowed, never broadening (cdk diff would say so) */
    d = diff_of(role(LAMBDA, "{'Effect':'Allow','Action':'s3:*','Resource':'arn:aws:s3:::b/*'}", "", ""),
                role(LAMBDA, GET, "", ""));
    T(one(d, "permission", "narrowed", "removes s3:*") && !broadening(d));
    T(d && json_object_get(json_array_get(json_object_get(d, "changes"), 0), "old") != NULL);
    json_decref(d);
    T(expect(role(LAMBDA, GET, "", ""), role(LAMBDA, "{'Effect':'Allow','Action':'s3:GetObject',"
                "'Resource':'arn:aws:s3:::b/releases/*'}", "", ""),
             "permission", "narrowed", "removes resource arn:aws:s3:::b/*", 0));
    T(expect(role(LAMBDA, "{'Effect':'Allow','Action':'s3:GetObject','Resource':"
                     "'arn:aws:s3:::b/releases/*'}", "", ""), role(LAMBDA, GET, "", ""),
             "permission", "broadened", "adds resource arn:aws:s3:::b/*", 1));
    /* s3:Get* -> s3:GetObject, s3:GetObjectVersion: narrower */
    T(expect(role(LAMBDA, "{'Effect':'Allow','Action':'s3:Get*','Resource':'*'}", "", ""),
                role(LAMBDA, "{'Effect':'Allow','Action':['s3:GetObject','s3:GetObjectVersion'],"
                     "'Resource':'*'}", "", ""),
             "permission", "narrowed", "removes s3:Get*", 0));
    /* NotAction excluding more: narrower; excluding less: broader */
    T(expect(role(LAMBDA, "{'Effect':'Allow','NotAction':'iam:*','Resource':'*'}", "", ""),
                role(LAMBDA, "{'Effect':'Allow','NotAction':['iam:*','sts:*'],'Resource':'*'}", "", ""),
             "permission", "narrowed", "sts:*", 0));
    T(expect(role(LAMBDA, "{'Effect':'Allow','NotAction':['iam:*','sts:*'],'Resource':'*'}", "", ""),
                role(LAMBDA, "{'Effect':'Allow','NotAction':'iam:*','Resource':'*'}", "", ""),
             "permission", "broadened", "adds sts:* (NotAction)", 1));
    /* an Allow turned into a Deny; a Deny that denies less */
    T(expect(role(LAMBDA, GET, "", ""), role(LAMBDA, "{'Effect':'Deny','Action':'s3:GetObject',"
                "'Resource':'arn:aws:s3:::b/*'}", "", ""),
             "permission", "narrowed", "turns an Allow into a Deny", 0));
    T(expect(role(LAMBDA, "{'Effect':'Deny','Action':['s3:DeleteObject','s3:PutObject'],'Resource':'*'}", "", ""),
                role(LAMBDA, "{'Effect':'Deny','Action':'s3:PutObject','Resource':'*'}", "", ""),
             "permission", "broadened", "no longer denies s3:DeleteObject", 1));
}

#define OIDC(cond) "{'Effect':'Allow','Principal':{'Federated':'arn:aws:iam::1:oidc-provider/x'}," \
    "'Action':'sts:AssumeRoleWithWebIdentity','Condition':{" cond "}}"
#define AUD "'StringEquals':{'x:aud':'sts.amazonaws.com'}"
#define SUB(v) "'StringLike':{'x:sub':" v "}"

static void test_trust(void)
{
    T(expect(role(OIDC(AUD "," SUB("'repo:o/a:ref:refs/heads/main'")), GET, "", ""),
                role(OIDC(SUB("'repo:o/a:ref:refs/heads/main'")), GET, "", ""),
             "trust", "broadened", "drops condition StringEquals x:aud", 1));
    T(expect(role(OIDC(AUD "," SUB("'repo:o/a:ref:refs/heads/main'")), GET, "", ""),
                role(OIDC(AUD "," SUB("'repo:o/*'")), GET, "", ""),
             "trust", "broadened", "loosens condition StringLike x:sub (allows repo:o/*)", 1));
    T(expect(role(OIDC(AUD "," SUB("'repo:o/*'")), GET, "", ""),
                role(OIDC(AUD "," SUB("['repo:o/a:ref:refs/heads/main','repo:o/b:*']")), GET, "", ""),
             "trust", "narrowed", "tightens condition StringLike x:sub", 0));
    T(expect(role(OIDC(AUD), GET, "", ""), role(OIDC(AUD "," SUB("'repo:o/a:*'")), GET, "", ""),
             "trust", "narrowed", "adds condition StringLike x:sub", 0));
    /* a principal added */
    T(expect(role(LAMBDA, GET, "", ""), role("{'Effect':'Allow','Principal':{'Service':"
                "['lambda.amazonaws.com','ec2.amazonaws.com']},'Action':'sts:AssumeRole'}", GET, "", ""),
             "trust", "broadened", "adds principal Service:ec2.amazonaws.com", 1));
    T(expect(role(LAMBDA, GET, "", ""), role("{'Effect':'Allow','Principal':'*',"
                "'Action':'sts:AssumeRole'}", GET, "", ""),
             "trust", "broadened", "adds principal *", 1));
}

static void test_roles_managed_boundary(void)
{
    json_t *d;

    /* a new stack: every statement of every role is new */
    d = diff_of(NULL, role(LAMBDA, GET, "", ""));
    T(d && nchanges(d) == 2 && broadening(d) && strstr(field(d, 0, "why"), "new role"));
    json_decref(d);
    /* a new role in an existing stack */
    d = diff_of(role(LAMBDA, GET, "", ""), role(LAMBDA, GET, "",
                ",'S':{'Type':'AWS::IAM::Role','Properties':{'AssumeRolePolicyDocument':"
                "{'Statement':[" LAMBDA "]}}}"));
    T(one(d, "trust", "added", "new role") && broadening(d) && !strcmp(field(d, 0, "principal"), "S"));
    json_decref(d);
    /* a role removed: narrows */
    T(expect(role(LAMBDA, GET, "", ",'S':{'Type':'AWS::IAM::Role','Properties':{"
                     "'AssumeRolePolicyDocument':{'Statement':[" LAMBDA "]}}}"),
                role(LAMBDA, GET, "", ""),
             "trust", "removed", "role removed", 0));
    T(expect(role(LAMBDA, GET, "", ""), role(LAMBDA, GET,
                ",'ManagedPolicyArns':['arn:aws:iam::aws:policy/AdministratorAccess']", ""),
             "managed", "added", "AdministratorAccess", 1));
    T(expect(role(LAMBDA, GET, ",'ManagedPolicyArns':['arn:aws:iam::aws:policy/ReadOnlyAccess']", ""),
                role(LAMBDA, GET, "", ""),
             "managed", "removed", "ReadOnlyAccess", 0));
    T(expect(role(LAMBDA, GET, ",'PermissionsBoundary':'arn:aws:iam::1:policy/b'", ""),
                role(LAMBDA, GET, "", ""),
             "boundary", "removed", "removes permissions boundary", 1));
    T(expect(role(LAMBDA, GET, "", ""),
                role(LAMBDA, GET, ",'PermissionsBoundary':'arn:aws:iam::1:policy/b'", ""),
             "boundary", "added", "sets permissions boundary", 0));
    T(expect(role(LAMBDA, GET, ",'PermissionsBoundary':'arn:aws:iam::1:policy/b'", ""),
                role(LAMBDA, GET, ",'PermissionsBoundary':'arn:aws:iam::1:policy/c'", ""),
             "boundary", "broadened", "changes permissions boundary", 1));
}

#define BUCKET_POLICY(stmt) ",'BP':{'Type':'AWS::S3::BucketPolicy','Properties':{'Bucket':'b'," \
    "'PolicyDocument':{'Statement':[" stmt "]}}}"

static void test_resource_policy(void)
{
    json_t *d;

    d = diff_of(role(LAMBDA, GET, "", BUCKET_POLICY("{'Effect':'Allow','Principal':{'AWS':"
                     "'arn:aws:iam::1:root'},'Action':'s3:GetObject','Resource':'arn:aws:s3:::b/*'}")),
                role(LAMBDA, GET, "", BUCKET_POLICY("{'Effect':'Allow','Principal':{'AWS':"
                     "['arn:aws:iam::1:root','arn:aws:iam::2:root']},'Action':'s3:GetObject',"
                     "'Resource':'arn:aws:s3:::b/*'}")));
    T(one(d, "resource-policy", "broadened", "adds principal AWS:arn:aws:iam::2:root") &&
      broadening(d) && !strcmp(field(d, 0, "principal"), "BP"));
    json_decref(d);
    /* the TLS-only Deny removed with the policy */
    T(expect(role(LAMBDA, GET, "", BUCKET_POLICY("{'Effect':'Deny','Principal':'*','Action':'s3:*',"
                     "'Resource':'arn:aws:s3:::b/*','Condition':{'Bool':{'aws:SecureTransport':'false'}}}")),
                role(LAMBDA, GET, "", ""),
             "resource-policy", "removed", "no longer denies", 1));
}

static void test_models(void)
{
    json_t *d = NULL, *empty = J("{'principals':[],'resource_policies':[]}");
    struct gen_err e;

    T(iam_diff_models(NULL, empty, &d, &e) == 0 && nchanges(d) == 0 && !broadening(d));
    json_decref(d);
    json_decref(empty);
}

int main(void)
{
    test_covers();
    test_unchanged();
    test_added_removed();
    test_actions_resources();
    test_trust();
    test_roles_managed_boundary();
    test_resource_policy();
    test_models();
    return t_report();
}
