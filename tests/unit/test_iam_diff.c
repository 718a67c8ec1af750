/* test_iam_diff.c: the IAM diff between a deployed template and a new one:
 * added, removed, broadened and narrowed statements under IAM wildcards,
 * conditions, principals, Denies, managed policies and boundaries. */
#include "core/err.h"
#include "deploy/iam_diff.h"
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

static void test_covers(void)
{
    T(iam_covers("s3:*", "s3:GetObject", 1));
    T(!iam_covers("s3:GetObject", "s3:*", 1));
    T(iam_covers("S3:getobject", "s3:GetObject", 1));
    T(!iam_covers("S3:getobject", "s3:GetObject", 0));
    T(iam_covers("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/*", 0));
    T(!iam_covers("arn:aws:s3:::bucket/a/*", "arn:aws:s3:::bucket/*", 0));
    T(iam_covers("*", "anything:*", 1));
    T(iam_covers("s3:Get*", "s3:GetObject*", 1));
    T(!iam_covers("s3:Get*", "s3:*", 1));
    T(iam_covers("s3:Get?bject", "s3:GetObject", 1));
    T(!iam_covers("s3:Get?bject", "s3:Get*", 1));
    T(iam_covers("a*b*c", "axxbyyc", 0));
    T(!iam_covers("a*b*c", "axxbyy", 0));
    T(iam_covers("", "", 0));
    T(!iam_covers("", "a", 0));
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
    d = diff_of(role(LAMBDA, GET ",{'Effect':'Allow','Action':'s3:DeleteObject','Resource':'*'}",
                     "", ""), role(LAMBDA, GET, "", ""));
    T(one(d, "permission", "removed", "no longer grants s3:DeleteObject") && !broadening(d));
    json_decref(d);
    /* a Deny removed broadens; a Deny added does not */
    d = diff_of(role(LAMBDA, GET ",{'Effect':'Deny','Action':'s3:*','Resource':'arn:aws:s3:::secret/*'}",
                     "", ""), role(LAMBDA, GET, "", ""));
    T(one(d, "permission", "removed", "no longer denies") && broadening(d));
    json_decref(d);
    d = diff_of(role(LAMBDA, GET, "", ""), role(LAMBDA, GET ",{'Effect':'Deny','Action':'s3:*',"
                "'Resource':'arn:aws:s3:::secret/*'}", "", ""));
    T(one(d, "permission", "added", "denies") && !broadening(d));
    json_decref(d);
}

static void test_actions_resources(void)
{
    json_t *d;

    d = diff_of(role(LAMBDA, GET, "", ""),
                role(LAMBDA, "{'Effect':'Allow','Action':'s3:*','Resource':'arn:aws:s3:::b/*'}", "", ""));
    T(one(d, "permission", "broadened", "adds s3:*") && broadening(d));
    json_decref(d);
    /* the other way: narrowed, never broadening (cdk diff would say so) */
    d = diff_of(role(LAMBDA, "{'Effect':'Allow','Action':'s3:*','Resource':'arn:aws:s3:::b/*'}", "", ""),
                role(LAMBDA, GET, "", ""));
    T(one(d, "permission", "narrowed", "removes s3:*") && !broadening(d));
    T(d && json_object_get(json_array_get(json_object_get(d, "changes"), 0), "old") != NULL);
    json_decref(d);
    d = diff_of(role(LAMBDA, GET, "", ""), role(LAMBDA, "{'Effect':'Allow','Action':'s3:GetObject',"
                "'Resource':'arn:aws:s3:::b/releases/*'}", "", ""));
    T(one(d, "permission", "narrowed", "removes resource arn:aws:s3:::b/*") && !broadening(d));
    json_decref(d);
    d = diff_of(role(LAMBDA, "{'Effect':'Allow','Action':'s3:GetObject','Resource':"
                     "'arn:aws:s3:::b/releases/*'}", "", ""), role(LAMBDA, GET, "", ""));
    T(one(d, "permission", "broadened", "adds resource arn:aws:s3:::b/*") && broadening(d));
    json_decref(d);
    /* s3:Get* -> s3:GetObject, s3:GetObjectVersion: narrower */
    d = diff_of(role(LAMBDA, "{'Effect':'Allow','Action':'s3:Get*','Resource':'*'}", "", ""),
                role(LAMBDA, "{'Effect':'Allow','Action':['s3:GetObject','s3:GetObjectVersion'],"
                     "'Resource':'*'}", "", ""));
    T(one(d, "permission", "narrowed", "removes s3:Get*") && !broadening(d));
    json_decref(d);
    /* NotAction excluding more: narrower; excluding less: broader */
    d = diff_of(role(LAMBDA, "{'Effect':'Allow','NotAction':'iam:*','Resource':'*'}", "", ""),
                role(LAMBDA, "{'Effect':'Allow','NotAction':['iam:*','sts:*'],'Resource':'*'}", "", ""));
    T(one(d, "permission", "narrowed", "sts:*") && !broadening(d));
    json_decref(d);
    d = diff_of(role(LAMBDA, "{'Effect':'Allow','NotAction':['iam:*','sts:*'],'Resource':'*'}", "", ""),
                role(LAMBDA, "{'Effect':'Allow','NotAction':'iam:*','Resource':'*'}", "", ""));
    T(one(d, "permission", "broadened", "adds sts:* (NotAction)") && broadening(d));
    json_decref(d);
    /* an Allow turned into a Deny; a Deny that denies less */
    d = diff_of(role(LAMBDA, GET, "", ""), role(LAMBDA, "{'Effect':'Deny','Action':'s3:GetObject',"
                "'Resource':'arn:aws:s3:::b/*'}", "", ""));
    T(one(d, "permission", "narrowed", "turns an Allow into a Deny") && !broadening(d));
    json_decref(d);
    d = diff_of(role(LAMBDA, "{'Effect':'Deny','Action':['s3:DeleteObject','s3:PutObject'],'Resource':'*'}", "", ""),
                role(LAMBDA, "{'Effect':'Deny','Action':'s3:PutObject','Resource':'*'}", "", ""));
    T(one(d, "permission", "broadened", "no longer denies s3:DeleteObject") && broadening(d));
    json_decref(d);
}

#define OIDC(cond) "{'Effect':'Allow','Principal':{'Federated':'arn:aws:iam::1:oidc-provider/x'}," \
    "'Action':'sts:AssumeRoleWithWebIdentity','Condition':{" cond "}}"
#define AUD "'StringEquals':{'x:aud':'sts.amazonaws.com'}"
#define SUB(v) "'StringLike':{'x:sub':" v "}"

static void test_trust(void)
{
    json_t *d;

    d = diff_of(role(OIDC(AUD "," SUB("'repo:o/a:ref:refs/heads/main'")), GET, "", ""),
                role(OIDC(SUB("'repo:o/a:ref:refs/heads/main'")), GET, "", ""));
    T(one(d, "trust", "broadened", "drops condition StringEquals x:aud") && broadening(d));
    json_decref(d);
    d = diff_of(role(OIDC(AUD "," SUB("'repo:o/a:ref:refs/heads/main'")), GET, "", ""),
                role(OIDC(AUD "," SUB("'repo:o/*'")), GET, "", ""));
    T(one(d, "trust", "broadened", "loosens condition StringLike x:sub (allows repo:o/*)") &&
      broadening(d));
    json_decref(d);
    d = diff_of(role(OIDC(AUD "," SUB("'repo:o/*'")), GET, "", ""),
                role(OIDC(AUD "," SUB("['repo:o/a:ref:refs/heads/main','repo:o/b:*']")), GET, "", ""));
    T(one(d, "trust", "narrowed", "tightens condition StringLike x:sub") && !broadening(d));
    json_decref(d);
    d = diff_of(role(OIDC(AUD), GET, "", ""), role(OIDC(AUD "," SUB("'repo:o/a:*'")), GET, "", ""));
    T(one(d, "trust", "narrowed", "adds condition StringLike x:sub") && !broadening(d));
    json_decref(d);
    /* a principal added */
    d = diff_of(role(LAMBDA, GET, "", ""), role("{'Effect':'Allow','Principal':{'Service':"
                "['lambda.amazonaws.com','ec2.amazonaws.com']},'Action':'sts:AssumeRole'}", GET, "", ""));
    T(one(d, "trust", "broadened", "adds principal Service:ec2.amazonaws.com") && broadening(d));
    json_decref(d);
    d = diff_of(role(LAMBDA, GET, "", ""), role("{'Effect':'Allow','Principal':'*',"
                "'Action':'sts:AssumeRole'}", GET, "", ""));
    T(one(d, "trust", "broadened", "adds principal *") && broadening(d));
    json_decref(d);
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
    d = diff_of(role(LAMBDA, GET, "", ",'S':{'Type':'AWS::IAM::Role','Properties':{"
                     "'AssumeRolePolicyDocument':{'Statement':[" LAMBDA "]}}}"),
                role(LAMBDA, GET, "", ""));
    T(one(d, "trust", "removed", "role removed") && !broadening(d));
    json_decref(d);
    d = diff_of(role(LAMBDA, GET, "", ""), role(LAMBDA, GET,
                ",'ManagedPolicyArns':['arn:aws:iam::aws:policy/AdministratorAccess']", ""));
    T(one(d, "managed", "added", "AdministratorAccess") && broadening(d));
    json_decref(d);
    d = diff_of(role(LAMBDA, GET, ",'ManagedPolicyArns':['arn:aws:iam::aws:policy/ReadOnlyAccess']", ""),
                role(LAMBDA, GET, "", ""));
    T(one(d, "managed", "removed", "ReadOnlyAccess") && !broadening(d));
    json_decref(d);
    d = diff_of(role(LAMBDA, GET, ",'PermissionsBoundary':'arn:aws:iam::1:policy/b'", ""),
                role(LAMBDA, GET, "", ""));
    T(one(d, "boundary", "removed", "removes permissions boundary") && broadening(d));
    json_decref(d);
    d = diff_of(role(LAMBDA, GET, "", ""),
                role(LAMBDA, GET, ",'PermissionsBoundary':'arn:aws:iam::1:policy/b'", ""));
    T(one(d, "boundary", "added", "sets permissions boundary") && !broadening(d));
    json_decref(d);
    d = diff_of(role(LAMBDA, GET, ",'PermissionsBoundary':'arn:aws:iam::1:policy/b'", ""),
                role(LAMBDA, GET, ",'PermissionsBoundary':'arn:aws:iam::1:policy/c'", ""));
    T(one(d, "boundary", "broadened", "changes permissions boundary") && broadening(d));
    json_decref(d);
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
    d = diff_of(role(LAMBDA, GET, "", BUCKET_POLICY("{'Effect':'Deny','Principal':'*','Action':'s3:*',"
                     "'Resource':'arn:aws:s3:::b/*','Condition':{'Bool':{'aws:SecureTransport':'false'}}}")),
                role(LAMBDA, GET, "", ""));
    T(one(d, "resource-policy", "removed", "no longer denies") && broadening(d));
    json_decref(d);
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
