/* test_review.c: readable (intrinsics as a reviewer reads them) and
 * extract (the policy model). */
#include "core/err.h"
#include "review/extract.h"
#include "review/readable.h"
#include "review/rules.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

/* readable(json text) == want */
static int shows(const char *json, const char *want)
{
    json_t *v = json_loads(json, JSON_DECODE_ANY, NULL);
    char *s = readable(v);
    int ok = s && !strcmp(s, want);

    if (!ok)
        fprintf(stderr, "  readable(%s) = '%s', want '%s'\n", json, s ? s : "(null)", want);
    free(s);
    json_decref(v);
    return ok;
}

static void test_readable(void)
{
    T(shows("\"plain\"", "plain"));
    T(shows("{\"Ref\":\"ArtifactBucket\"}", "${ArtifactBucket}"));
    T(shows("{\"Fn::GetAtt\":[\"Role\",\"Arn\"]}", "${Role.Arn}"));
    T(shows("{\"Fn::GetAtt\":\"Role.Arn\"}", "${Role.Arn}"));
    T(shows("{\"Fn::Sub\":\"arn:${AWS::Partition}:s3:::${B}/*\"}",
            "arn:${AWS::Partition}:s3:::${B}/*"));
    T(shows("{\"Fn::Sub\":[\"${Arn}/releases/*\",{\"Arn\":{\"Fn::GetAtt\":[\"B\",\"Arn\"]}}]}",
            "${B.Arn}/releases/*"));
    T(shows("{\"Fn::Sub\":[\"${!Lit}-${X}-${Y}\",{\"X\":\"x\"}]}", "${!Lit}-x-${Y}"));
    T(shows("{\"Fn::Join\":[\"\",[\"arn:aws:s3:::\",{\"Ref\":\"B\"},\"/*\"]]}",
            "arn:aws:s3:::${B}/*"));
    T(shows("{\"Fn::If\":[\"IsProd\",\"a\",{\"Ref\":\"AWS::NoValue\"}]}",
            "${If IsProd: a | ${AWS::NoValue}}"));
    T(shows("{\"Fn::ImportValue\":\"shared-bucket\"}", "${Import shared-bucket}"));
    T(shows("{\"Fn::ImportValue\":{\"Fn::Sub\":\"${Env}-bucket\"}}", "${Import ${Env}-bucket}"));
    T(shows("{\"Fn::Select\":[0,{\"Fn::Split\":[\",\",{\"Ref\":\"L\"}]}]}",
            "${Fn::Select 0, ${Fn::Split ,, ${L}}}"));
    T(shows("12", "12"));
    T(shows("true", "true"));
    T(shows("[\"a\",{\"Ref\":\"B\"}]", "[a, ${B}]"));
    T(shows("{\"k\":\"v\",\"n\":1}", "{\"k\":\"v\",\"n\":1}"));
}

static const char tpl_text[] =
"{\"Resources\": {"
" \"Deploy\": {\"Type\": \"AWS::IAM::Role\", \"Properties\": {"
"   \"RoleName\": {\"Fn::Sub\": \"${AWS::StackName}-deploy\"},"
"   \"PermissionsBoundary\": {\"Ref\": \"Boundary\"},"
"   \"ManagedPolicyArns\": [\"arn:aws:iam::aws:policy/ReadOnlyAccess\", {\"Ref\": \"Managed\"}],"
"   \"AssumeRolePolicyDocument\": {\"Statement\": [{\"Effect\": \"Allow\","
"     \"Principal\": {\"Federated\": {\"Ref\": \"Oidc\"}},"
"     \"Action\": \"sts:AssumeRoleWithWebIdentity\","
"     \"Condition\": {\"StringEquals\": {\"token.actions.githubusercontent.com:aud\": \"sts.amazonaws.com\"},"
"       \"StringLike\": {\"token.actions.githubusercontent.com:sub\": [\"repo:o/r:*\"]}}}]},"
"   \"Policies\": [{\"PolicyName\": \"deploy\", \"PolicyDocument\": {\"Statement\": ["
"     {\"Sid\": \"Put\", \"Effect\": \"Allow\", \"Action\": [\"s3:PutObject\"],"
"      \"Resource\": {\"Fn::Sub\": \"${Bucket.Arn}/releases/*\"}},"
"     {\"Fn::If\": [\"IsProd\", {\"Effect\": \"Deny\", \"NotAction\": \"s3:*\", \"NotResource\": \"*\"},"
"                 {\"Ref\": \"AWS::NoValue\"}]}]}}]}},"
" \"User\": {\"Type\": \"AWS::IAM::User\", \"Properties\": {\"UserName\": \"bob\"}},"
" \"Group\": {\"Type\": \"AWS::IAM::Group\", \"Properties\": {}},"
" \"Pol\": {\"Type\": \"AWS::IAM::Policy\", \"Properties\": {\"PolicyName\": \"extra\","
"   \"Roles\": [{\"Ref\": \"Deploy\"}], \"Users\": [\"bob\"],"
"   \"PolicyDocument\": {\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"}}}},"
" \"Managed\": {\"Type\": \"AWS::IAM::ManagedPolicy\", \"Properties\": {"
"   \"PolicyDocument\": {\"Fn::If\": [\"C\", {\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"sqs:SendMessage\", \"Resource\": \"*\"}]},"
"                                      {\"Statement\": []}]}}},"
" \"GroupPol\": {\"Type\": \"AWS::IAM::ManagedPolicy\", \"Properties\": {\"Groups\": [{\"Ref\": \"Group\"}],"
"   \"PolicyDocument\": {\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"ec2:Describe*\", \"Resource\": \"*\"}]}}},"
" \"Boundary\": {\"Type\": \"AWS::IAM::ManagedPolicy\", \"Properties\": {"
"   \"PolicyDocument\": {\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"logs:*\", \"Resource\": \"*\"}]}}},"
" \"Bucket\": {\"Type\": \"AWS::S3::Bucket\"},"
" \"BucketPolicy\": {\"Type\": \"AWS::S3::BucketPolicy\", \"Properties\": {\"Bucket\": {\"Ref\": \"Bucket\"},"
"   \"PolicyDocument\": {\"Statement\": [{\"Effect\": \"Deny\", \"Principal\": \"*\", \"Action\": \"s3:*\","
"     \"Resource\": [{\"Fn::GetAtt\": [\"Bucket\", \"Arn\"]}],"
"     \"Condition\": {\"Bool\": {\"aws:SecureTransport\": \"false\"}}}]}}},"
" \"QueuePolicy\": {\"Type\": \"AWS::SQS::QueuePolicy\", \"Properties\": {\"Queues\": [{\"Ref\": \"Q\"}, \"https://x\"],"
"   \"PolicyDocument\": {\"Statement\": [{\"Effect\": \"Allow\", \"NotPrincipal\": {\"AWS\": \"123456789012\"}, \"Action\": \"sqs:*\"}]}}},"
" \"TopicPolicy\": {\"Type\": \"AWS::SNS::TopicPolicy\", \"Properties\": {\"Topics\": [{\"Ref\": \"T\"}],"
"   \"PolicyDocument\": {\"Statement\": [{\"Effect\": \"Allow\", \"Principal\": {\"Service\": \"events.amazonaws.com\"}, \"Action\": \"sns:Publish\"}]}}},"
" \"TopicInline\": {\"Type\": \"AWS::SNS::TopicInlinePolicy\", \"Properties\": {\"TopicArn\": {\"Ref\": \"T\"},"
"   \"PolicyDocument\": {\"Statement\": [{\"Effect\": \"Allow\", \"Principal\": {\"AWS\": \"*\"}, \"Action\": \"sns:Subscribe\"}]}}},"
" \"Perm\": {\"Type\": \"AWS::Lambda::Permission\", \"Properties\": {\"Action\": \"lambda:InvokeFunction\","
"   \"FunctionName\": {\"Fn::GetAtt\": [\"Fn\", \"Arn\"]}, \"Principal\": \"s3.amazonaws.com\","
"   \"SourceArn\": {\"Fn::GetAtt\": [\"Bucket\", \"Arn\"]}, \"SourceAccount\": {\"Ref\": \"AWS::AccountId\"}}},"
" \"Perm2\": {\"Type\": \"AWS::Lambda::Permission\", \"Properties\": {\"Action\": \"lambda:InvokeFunction\","
"   \"FunctionName\": \"f\", \"Principal\": \"111122223333\"}},"
" \"Key\": {\"Type\": \"AWS::KMS::Key\", \"Properties\": {\"KeyPolicy\": {\"Statement\": [{\"Effect\": \"Allow\","
"   \"Principal\": {\"AWS\": {\"Fn::Sub\": \"arn:aws:iam::${AWS::AccountId}:root\"}}, \"Action\": \"kms:*\", \"Resource\": \"*\"}]}}}"
"}}";

static const json_t *by_id(const json_t *list, const char *id)
{
    const json_t *x;
    size_t i;

    json_array_foreach(list, i, x)
        if (!strcmp(json_string_value(json_object_get(x, "id")), id))
            return x;
    return NULL;
}

static const char *sget(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));

    return s ? s : "";
}

static const char *first(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_array_get(json_object_get(o, k), 0));

    return s ? s : "";
}

static void test_principals(const json_t *m)
{
    const json_t *ps = json_object_get(m, "principals"), *d, *t, *p, *u, *g;

    T(json_array_size(ps) == 3);
    d = by_id(ps, "Deploy");
    T(d && !strcmp(sget(d, "type"), "AWS::IAM::Role"));
    T(!strcmp(sget(d, "path"), "Resources.Deploy"));
    T(!strcmp(sget(d, "name"), "${AWS::StackName}-deploy"));
    T(!strcmp(sget(d, "boundary"), "${Boundary}"));
    T(json_array_size(json_object_get(d, "managed")) == 2 &&
      !strcmp(json_string_value(json_array_get(json_object_get(d, "managed"), 1)), "${Managed}"));
    t = json_array_get(json_object_get(d, "trust"), 0);
    T(json_array_size(json_object_get(d, "trust")) == 1);
    T(!strcmp(sget(t, "policy"), "AssumeRolePolicyDocument"));
    T(!strcmp(sget(t, "path"), "Resources.Deploy.Properties.AssumeRolePolicyDocument.Statement[0]"));
    T(!strcmp(first(t, "action"), "sts:AssumeRoleWithWebIdentity"));
    T(!strcmp(first(json_object_get(t, "principal"), "Federated"), "${Oidc}"));
    T(!strcmp(first(json_object_get(json_object_get(t, "condition"), "StringEquals"),
                    "token.actions.githubusercontent.com:aud"), "sts.amazonaws.com"));
    T(!strcmp(first(json_object_get(json_object_get(t, "condition"), "StringLike"),
                    "token.actions.githubusercontent.com:sub"), "repo:o/r:*"));
    /* inline (2, one from Fn::If), Pol (1), Managed (through ManagedPolicyArns, Fn::If) */
    p = json_object_get(d, "permissions");
    T(json_array_size(p) == 4);
    t = json_array_get(p, 0);
    T(!strcmp(sget(t, "policy"), "inline policy 'deploy'") && !strcmp(sget(t, "sid"), "Put"));
    T(!strcmp(sget(t, "path"),
              "Resources.Deploy.Properties.Policies[0].PolicyDocument.Statement[0]"));
    T(!strcmp(first(t, "resource"), "${Bucket.Arn}/releases/*"));
    T(json_is_false(json_object_get(t, "not_action")) && json_is_null(json_object_get(t, "principal")));
    t = json_array_get(p, 1);
    T(!strcmp(sget(t, "path"),
              "Resources.Deploy.Properties.Policies[0].PolicyDocument.Statement[1].Fn::If[1]"));
    T(!strcmp(sget(t, "effect"), "Deny") && json_is_true(json_object_get(t, "not_action")) &&
      json_is_true(json_object_get(t, "not_resource")) && !strcmp(first(t, "action"), "s3:*"));
    t = json_array_get(p, 2);
    T(!strcmp(sget(t, "policy"), "AWS::IAM::Policy extra") && !strcmp(first(t, "action"), "*"));
    T(!strcmp(sget(t, "path"), "Resources.Pol.Properties.PolicyDocument.Statement"));
    t = json_array_get(p, 3);
    T(!strcmp(sget(t, "policy"), "AWS::IAM::ManagedPolicy Managed"));
    T(!strcmp(sget(t, "path"),
              "Resources.Managed.Properties.PolicyDocument.Fn::If[1].Statement[0]"));
    u = by_id(ps, "User");
    T(u && !strcmp(sget(u, "name"), "bob") && json_array_size(json_object_get(u, "permissions")) == 1);
    T(json_array_size(json_object_get(u, "trust")) == 0);
    g = by_id(ps, "Group");
    T(g && json_is_null(json_object_get(g, "name")) &&
      !strcmp(first(json_array_get(json_object_get(g, "permissions"), 0), "action"), "ec2:Describe*"));
}

static void test_resource_policies(const json_t *m)
{
    const json_t *rs = json_object_get(m, "resource_policies"), *r, *s, *c;

    /* Boundary (attached to nothing), BucketPolicy, QueuePolicy, TopicPolicy,
     * TopicInline, Perm, Perm2, Key */
    T(json_array_size(rs) == 8);
    T(!by_id(rs, "Pol") && !by_id(rs, "Managed") && !by_id(rs, "GroupPol"));
    r = by_id(rs, "Boundary");
    T(r && !strcmp(sget(r, "type"), "AWS::IAM::ManagedPolicy") &&
      json_array_size(json_object_get(r, "on")) == 0);
    r = by_id(rs, "BucketPolicy");
    T(r && !strcmp(first(r, "on"), "Bucket"));
    s = json_array_get(json_object_get(r, "statements"), 0);
    T(json_is_string(json_object_get(s, "principal")) && !strcmp(sget(s, "principal"), "*"));
    T(!strcmp(first(s, "resource"), "${Bucket.Arn}"));
    T(!strcmp(first(json_object_get(json_object_get(s, "condition"), "Bool"), "aws:SecureTransport"),
              "false"));
    r = by_id(rs, "QueuePolicy");
    T(r && json_array_size(json_object_get(r, "on")) == 2 &&
      !strcmp(json_string_value(json_array_get(json_object_get(r, "on"), 1)), "https://x"));
    s = json_array_get(json_object_get(r, "statements"), 0);
    T(json_is_true(json_object_get(s, "not_principal")) &&
      !strcmp(first(json_object_get(s, "principal"), "AWS"), "123456789012"));
    T(json_array_size(json_object_get(s, "resource")) == 0);
    r = by_id(rs, "TopicInline");
    T(r && !strcmp(first(r, "on"), "T"));
    r = by_id(rs, "Perm");
    s = json_array_get(json_object_get(r, "statements"), 0);
    T(!strcmp(sget(s, "path"), "Resources.Perm"));
    T(!strcmp(first(json_object_get(s, "principal"), "Service"), "s3.amazonaws.com"));
    T(!strcmp(first(s, "resource"), "${Fn.Arn}") && !strcmp(first(r, "on"), "Fn"));
    c = json_object_get(s, "condition");
    T(!strcmp(first(json_object_get(c, "ArnLike"), "aws:SourceArn"), "${Bucket.Arn}"));
    T(!strcmp(first(json_object_get(c, "StringEquals"), "aws:SourceAccount"), "${AWS::AccountId}"));
    s = json_array_get(json_object_get(by_id(rs, "Perm2"), "statements"), 0);
    T(!strcmp(first(json_object_get(s, "principal"), "AWS"), "111122223333"));
    T(json_is_null(json_object_get(s, "condition")));
    r = by_id(rs, "Key");
    T(r && !strcmp(first(r, "on"), "Key"));
    s = json_array_get(json_object_get(r, "statements"), 0);
    T(!strcmp(first(json_object_get(s, "principal"), "AWS"), "arn:aws:iam::${AWS::AccountId}:root"));
    T(!strcmp(sget(s, "path"), "Resources.Key.Properties.KeyPolicy.Statement[0]"));
}

static void test_extract(void)
{
    json_t *tpl = json_loads(tpl_text, 0, NULL), *m = NULL, *f;
    struct gen_err e;

    T(tpl != NULL);
    T(extract_policies(tpl, &m, &e) == 0 && m);
    test_principals(m);
    test_resource_policies(m);
    /* the placeholder rule set finds '*' in Pol (twice: Deploy and bob) */
    f = json_array();
    T(review_check(tpl, m, f, &e) == 0);
    T(json_array_size(f) >= 2);
    json_decref(f);
    json_decref(m);
    json_decref(tpl);

    /* no Resources: an empty model */
    tpl = json_object();
    T(extract_policies(tpl, &m, &e) == 0 && json_array_size(json_object_get(m, "principals")) == 0);
    json_decref(m);
    json_decref(tpl);
}

int main(void)
{
    test_readable();
    test_extract();
    return t_report();
}
