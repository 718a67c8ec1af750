/* test_rules.c: the review rules: the table, the helpers, hand-written
 * models, the corpus in tests/review/ (each template gives the findings
 * tests/review/expect.json declares and nothing else above low), and the
 * rendered LTBase stacks in out/, as shipped and altered. */
#include "core/err.h"
#include "core/files.h"
#include "review/extract.h"
#include "review/rules.h"
#include "template/load.h"
#include "template/template.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

/* ---- the table and helpers ----------------------------------------------- */

static int band_ok(const struct review_rule *r)
{
    if (!strcmp(r->severity, "critical"))
        return r->score >= 9.0 && r->score <= 10.0;
    if (!strcmp(r->severity, "high"))
        return r->score >= 7.0 && r->score < 9.0;
    if (!strcmp(r->severity, "medium"))
        return r->score >= 4.0 && r->score < 7.0;
    return !strcmp(r->severity, "low") && r->score > 0 && r->score < 4.0;
}

static void test_table(void)
{
    size_t n, i, j;
    const struct review_rule *t = review_rules(&n);

    T(n >= 30);
    for (i = 0; i < n; i++) {
        TMSG(band_ok(&t[i]), "%s: %s %.1f", t[i].id, t[i].severity, t[i].score);
        TMSG(!strncmp(t[i].id, "LF-", 3) && strlen(t[i].title) && strlen(t[i].why) &&
             strlen(t[i].help) && !strchr(t[i].help, '\n'), "%s", t[i].id);
        for (j = i + 1; j < n; j++)
            TMSG(strcmp(t[i].id, t[j].id), "duplicate %s", t[i].id);
        T(review_rule_find(t[i].id) == &t[i]);
    }
    T(review_rule_find("LF-IAM-001") && !strcmp(review_rule_find("LF-IAM-001")->severity, "high"));
    T(review_rule_find("LF-NOPE-001") == NULL);
}

static void test_glob(void)
{
    T(rules_glob("iam:Put*", "iam:PutRolePolicy"));
    T(rules_glob("IAM:put*", "iam:PutRolePolicy"));
    T(rules_glob("*", "s3:GetObject"));
    T(rules_glob("s3:Get?bject", "s3:GetObject"));
    T(!rules_glob("iam:Put*", "iam:AttachRolePolicy"));
    T(!rules_glob("s3:GetObject", "s3:GetObjectVersion"));
    T(rules_glob("*:role/*", "arn:aws:iam::1:role/x"));
    T(rules_any_role("*") && rules_any_role("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*"));
    T(!rules_any_role("arn:aws:iam::1:role/app-*"));
    T(rules_admin_managed("arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess"));
    T(!rules_admin_managed("arn:aws:iam::123456789012:policy/AdministratorAccess"));
    T(!rules_admin_managed("arn:aws:iam::aws:policy/ReadOnlyAccess"));
}

/* ---- findings ---------------------------------------------------------- */

static int has(const json_t *f, const char *rule, const char *id)
{
    const json_t *x;
    size_t i;

    json_array_foreach(f, i, x)
        if (!strcmp(json_string_value(json_object_get(x, "rule")), rule) &&
            !strcmp(json_string_value(json_object_get(x, "id")), id))
            return 1;
    return 0;
}

static size_t above_low(const json_t *f)
{
    const json_t *x;
    size_t i, k = 0;

    json_array_foreach(f, i, x)
        k += json_real_value(json_object_get(x, "score")) >= 4.0;
    return k;
}

static void dump(const char *what, const json_t *f)
{
    const json_t *x;
    size_t i;

    json_array_foreach(f, i, x)
        fprintf(stderr, "  %s: %s %s %s\n", what, json_string_value(json_object_get(x, "rule")),
                json_string_value(json_object_get(x, "id")),
                json_string_value(json_object_get(x, "message")));
}

/* The findings for a template object; NULL on error. */
static json_t *check_tpl(const json_t *tpl)
{
    json_t *c = template_canonical(tpl), *m = NULL, *f = json_array();
    struct gen_err e;
    int rc = -1;

    if (c && extract_policies(c, &m, &e) == 0)
        rc = review_check(c, m, f, &e);
    json_decref(c);
    json_decref(m);
    if (rc) {
        json_decref(f);
        return NULL;
    }
    return f;
}

static json_t *load_file(const char *path)
{
    char *text = NULL;
    size_t len = 0;
    struct template_doc d;
    struct gen_err e;
    json_t *out = NULL;

    if (files_read(path, NULL, 1 << 22, 0, &text, &len, &e))
        return NULL;
    if (load_template(path, text, len, LOAD_AUTO, &d, &e) == 0) {
        out = json_incref(d.data);
        load_free(&d);
    }
    free(text);
    return out;
}

static json_t *check_file(const char *path)
{
    json_t *tpl = load_file(path), *f = tpl ? check_tpl(tpl) : NULL;

    json_decref(tpl);
    return f;
}

/* A model written by hand, as extract_policies documents it: the rules
 * read the model, not the template, for policies. */
static void test_hand_model(void)
{
    const char *model_text =
        "{\"principals\": [{\"id\": \"R\", \"type\": \"AWS::IAM::Role\", \"path\": \"Resources.R\","
        "  \"name\": \"r\", \"boundary\": null, \"managed\": [],"
        "  \"trust\": [{\"path\": \"T0\", \"effect\": \"Allow\", \"action\": [\"sts:AssumeRole\"],"
        "    \"principal\": {\"AWS\": [\"123456789012\"]}, \"condition\": null}],"
        "  \"permissions\": ["
        "   {\"path\": \"P0\", \"effect\": \"Allow\", \"action\": [\"iam:PassRole\"],"
        "    \"resource\": [\"*\"], \"condition\": null},"
        "   {\"path\": \"P1\", \"effect\": \"Allow\", \"action\": [\"ec2:RunInstances\"],"
        "    \"resource\": [\"*\"], \"condition\": {}}]}],"
        " \"resource_policies\": [{\"id\": \"Perm\", \"type\": \"AWS::Lambda::Permission\","
        "  \"path\": \"Resources.Perm\", \"on\": [],"
        "  \"statements\": [{\"path\": \"Resources.Perm\", \"effect\": \"Allow\","
        "    \"action\": [\"lambda:InvokeFunction\"], \"resource\": [\"${Fn}\"],"
        "    \"principal\": {\"Service\": [\"sns.amazonaws.com\"]},"
        "    \"condition\": {\"ArnLike\": {\"aws:SourceArn\": [\"${Topic}\"]}}}]}]}";
    json_t *m = json_loads(model_text, 0, NULL), *tpl = json_object(), *f = json_array();
    struct gen_err e;

    T(m != NULL);
    json_object_set_new(tpl, "Resources", json_object());
    T(review_check(tpl, m, f, &e) == 0);
    T(has(f, "LF-PRINCIPAL-002", "R"));
    T(has(f, "LF-IAM-005", "R"));
    T(has(f, "LF-IAM-006", "R"));
    T(has(f, "LF-ESC-001", "R"));            /* PassRole any + ec2:RunInstances */
    T(!has(f, "LF-LAMBDA-001", "Perm"));     /* SourceArn given */
    const json_t *x = json_array_get(f, 0);
    T(json_is_string(json_object_get(x, "fix")) && json_is_string(json_object_get(x, "path")) &&
      json_object_get(x, "action") && json_object_get(x, "resource"));
    /* without the SourceArn, the permission is flagged */
    json_object_del(json_array_get(json_object_get(json_array_get(
        json_object_get(m, "resource_policies"), 0), "statements"), 0), "condition");
    json_array_clear(f);
    T(review_check(tpl, m, f, &e) == 0 && has(f, "LF-LAMBDA-001", "Perm"));
    /* bad arguments are an error, not a crash */
    T(review_check(tpl, m, NULL, &e) < 0);
    json_decref(f);
    json_decref(tpl);
    json_decref(m);
}

/* Negated operators name what is excluded: rules_cond never returns a key
 * found only under one. */
static void test_negated_conditions(void)
{
    static const char *const neg[] = {
        "StringNotEquals", "StringNotLike", "ArnNotLike", "ArnNotEquals", "NotIpAddress",
        "Null", "ForAnyValue:StringNotLike", "ForAllValues:StringNotEquals",
        "StringNotEqualsIfExists", "ForAnyValue:StringNotLikeIfExists", "NumericNotEquals",
        "DateNotEquals", "StringNotEqualsIgnoreCase", NULL,
    };
    static const char *const pos[] = {
        "StringEquals", "StringLike", "ArnLike", "IpAddress", "Bool", "BoolIfExists",
        "ForAnyValue:StringLike", "ForAllValues:StringEquals", "StringEqualsIfExists",
        "NumericLessThan", "DateGreaterThan", NULL,
    };
    static const char *const keys[] = { "aws:PrincipalOrgID", NULL };
    const char *op = NULL;

    for (size_t i = 0; neg[i]; i++)
        T(rules_op_negated(neg[i]));
    for (size_t i = 0; pos[i]; i++)
        T(!rules_op_negated(pos[i]));
    json_t *s = json_loads("{\"condition\": {\"StringNotEquals\": {\"aws:PrincipalOrgID\": [\"o-1\"]},"
                           " \"Null\": {\"aws:principalorgid\": [\"false\"]}}}", 0, NULL);
    T(s && !rules_cond(s, "aws:PrincipalOrgID", NULL) && !rules_cond_any(s, keys));
    json_object_set_new(json_object_get(s, "condition"), "ForAnyValue:StringEquals",
                        json_pack("{s:[s]}", "AWS:PrincipalOrgId", "o-2"));
    T(rules_cond(s, "aws:PrincipalOrgID", &op) && !strcmp(op, "ForAnyValue:StringEquals"));
    T(rules_cond_any(s, keys));
    json_decref(s);
}

static void test_corpus(void)
{
    json_t *expect = json_load_file("tests/review/expect.json", 0, NULL), *want;
    const char *file;
    char path[512];
    int files = 0;

    T(expect != NULL);
    json_object_foreach(expect, file, want) {
        if (file[0] == '_')
            continue;
        snprintf(path, sizeof path, "tests/review/%s", file);
        json_t *f = check_file(path), *pair;
        size_t i, n = 0;
        files++;
        TMSG(f != NULL, "%s", path);
        if (!f)
            continue;
        json_array_foreach(want, i, pair) {
            const char *rule = json_string_value(json_array_get(pair, 0));
            const char *id = json_string_value(json_array_get(pair, 1));
            TMSG(has(f, rule, id), "%s: no %s on %s", file, rule, id);
        }
        /* nothing above low that is not declared */
        const json_t *x;
        json_array_foreach(f, i, x) {
            json_t *p = json_pack("[OO]", json_object_get(x, "rule"), json_object_get(x, "id"));
            int listed = 0;
            json_array_foreach(want, n, pair)
                listed |= json_equal(pair, p);
            TMSG(listed || json_real_value(json_object_get(x, "score")) < 4.0,
                 "%s: unexpected %s on %s: %s", file, json_string_value(json_object_get(x, "rule")),
                 json_string_value(json_object_get(x, "id")),
                 json_string_value(json_object_get(x, "message")));
            json_decref(p);
        }
        json_decref(f);
    }
    T(files >= 17);
    json_decref(expect);
}

/* ---- LTBase ------------------------------------------------------------- */

static json_t *res(json_t *tpl, const char *id)
{
    return json_object_get(json_object_get(tpl, "Resources"), id);
}

static json_t *trust_cond(json_t *tpl, const char *role)
{
    json_t *doc = json_object_get(json_object_get(res(tpl, role), "Properties"),
                                  "AssumeRolePolicyDocument");
    return json_object_get(json_array_get(json_object_get(doc, "Statement"), 0), "Condition");
}

static json_t *role_statements(json_t *tpl, const char *role)
{
    json_t *pol = json_array_get(json_object_get(json_object_get(res(tpl, role), "Properties"),
                                                 "Policies"), 0);
    return json_object_get(json_object_get(pol, "PolicyDocument"), "Statement");
}

/* The shipped stacks: nothing above low but the known mediums (the
 * service role may pass any role under role/ltbase-app/ to Lambda; the
 * app stacks' log groups are not retained, which their Metadata
 * suppresses with its reason: the rules here run before suppressions). */
static void test_ltbase_shipped(void)
{
    static const char *const stacks[] = {"out/ltbase-foundation.json", "out/ltbase-beta.json",
                                         "out/ltbase-prod.json"};
    for (size_t i = 0; i < 3; i++) {
        json_t *f = check_file(stacks[i]);
        size_t known = i == 0 ? (size_t)has(f, "LF-ESC-002", "CloudFormationServiceRole") :
                       (size_t)(has(f, "LF-RETAIN-001", "LogGroup") + has(f, "LF-RETAIN-002", "LogGroup"));
        TMSG(f && above_low(f) == known, "%s", stacks[i]);
        if (f && above_low(f) != known)
            dump(stacks[i], f);
        if (i == 0) {
            T(has(f, "LF-OIDC-010", "ArtifactReceiverRole"));   /* Role A: any ref, low */
            T(has(f, "LF-ESC-003", "DeploymentRole"));          /* acts through the service role */
        }
        json_decref(f);
    }
}

/* Alter the rendered foundation; fn changes tpl; want: rule on id. */
static void altered(const char *what, void (*fn)(json_t *), const char *rule, const char *id)
{
    json_t *tpl = load_file("out/ltbase-foundation.json"), *f;

    T(tpl != NULL);
    if (!tpl)
        return;
    fn(tpl);
    f = check_tpl(tpl);
    TMSG(f && has(f, rule, id), "%s: no %s on %s", what, rule, id);
    json_decref(f);
    json_decref(tpl);
}

static void wild_sub(json_t *tpl)
{
    json_object_set_new(json_object_get(trust_cond(tpl, "ArtifactReceiverRole"), "StringLike"),
                        "token.actions.githubusercontent.com:sub", json_string("*"));
}

static void no_aud(json_t *tpl)
{
    json_object_del(trust_cond(tpl, "DeploymentRole"), "StringEquals");
    json_object_set_new(trust_cond(tpl, "DeploymentRole"), "StringEquals",
                        json_pack("{s:s}", "token.actions.githubusercontent.com:sub",
                                  "repo:example-org/ltbase-ops:ref:refs/heads/main"));
}

static void put_own_policy(json_t *tpl)
{
    json_t *st = role_statements(tpl, "DeploymentRole");
    size_t i;
    json_t *s;

    /* the Allow, and the Deny on IAM writes gone (it would subtract it) */
    json_array_foreach(st, i, s)
        if (!strcmp(json_string_value(json_object_get(s, "Sid")), "NoIamWrites")) {
            json_array_remove(st, i);
            break;
        }
    json_array_append_new(st, json_pack("{s:s, s:[s], s:o}", "Effect", "Allow", "Action",
                                        "iam:PutRolePolicy", "Resource",
                                        json_pack("{s:[so]}", "Fn::GetAtt", "DeploymentRole",
                                                  json_string("Arn"))));
}

static void put_own_policy_denied(json_t *tpl)
{
    json_array_append_new(role_statements(tpl, "DeploymentRole"),
                          json_pack("{s:s, s:[s], s:s}", "Effect", "Allow", "Action",
                                    "iam:PutRolePolicy", "Resource", "*"));
}

static void versioning_off(json_t *tpl)
{
    json_object_del(json_object_get(res(tpl, "ArtifactBucket"), "Properties"),
                    "VersioningConfiguration");
}

static void bucket_not_retained(json_t *tpl)
{
    json_object_del(res(tpl, "ArtifactBucket"), "DeletionPolicy");
    json_object_del(res(tpl, "ArtifactBucket"), "UpdateReplacePolicy");
}

static void no_tls_policy(json_t *tpl)
{
    json_object_del(json_object_get(tpl, "Resources"), "ArtifactBucketPolicy");
}

static void test_ltbase_altered(void)
{
    altered("wildcard sub", wild_sub, "LF-OIDC-002", "ArtifactReceiverRole");
    altered("no aud", no_aud, "LF-OIDC-005", "DeploymentRole");
    altered("Role B PutRolePolicy on itself", put_own_policy, "LF-ESC-001", "DeploymentRole");
    altered("versioning off", versioning_off, "LF-S3-001", "ArtifactBucket");
    altered("bucket not retained", bucket_not_retained, "LF-RETAIN-001", "ArtifactBucket");
    altered("bucket not retained", bucket_not_retained, "LF-RETAIN-002", "ArtifactBucket");
    altered("no TLS-only policy", no_tls_policy, "LF-S3-004", "ArtifactBucket");

    /* the Deny on IAM writes subtracts an Allow of iam:PutRolePolicy */
    json_t *tpl = load_file("out/ltbase-foundation.json"), *f;
    put_own_policy_denied(tpl);
    f = check_tpl(tpl);
    T(f && !has(f, "LF-ESC-001", "DeploymentRole"));
    json_decref(f);
    json_decref(tpl);
}

int main(void)
{
    test_table();
    test_glob();
    test_hand_model();
    test_negated_conditions();
    test_corpus();
    test_ltbase_shipped();
    test_ltbase_altered();
    return t_report();
}
