/* test_drift.c: the parts of drift that need no endpoint: the ignore
 * list (config rules and their errors, path matching, the defaults), the
 * equivalences, resolving template values from what a stack knows, and
 * the reports (verdicts, GitHub annotations: the cap and escaping, the
 * markdown code fence no value can close). */
#include "core/err.h"
#include "drift/drift.h"
#include "drift/report.h"
#include "template/config.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static int load(const char *yaml, json_t **rules, struct gen_err *e)
{
    struct config c;
    int rc;

    config_init(&c);
    rc = config_parse(&c, "c.yaml", yaml, strlen(yaml), e);
    if (rc == 0)
        rc = drift_ignore_load(&c, rules, e);
    config_free(&c);
    return rc;
}

static void test_ignore_rules(void)
{
    struct gen_err e;
    json_t *rules = NULL;
    const json_t *r;

    T(drift_ignore_load(NULL, &rules, &e) == 0 && json_array_size(rules) == 1);
    r = drift_ignore_match(rules, "s", "Fn", "AWS::Lambda::Function", "/Code", "REMOVE");
    T(r && !strcmp(json_string_value(json_object_get(r, "source")), "default"));
    /* the default is about REMOVE of /Code, nothing else */
    T(!drift_ignore_match(rules, "s", "Fn", "AWS::Lambda::Function", "/Code", "NOT_EQUAL"));
    T(!drift_ignore_match(rules, "s", "Fn", "AWS::Lambda::Function", "/CodeX", "REMOVE"));
    T(!drift_ignore_match(rules, "s", "Fn", "AWS::Lambda::Function", NULL, NULL));
    json_decref(rules);

    T(load("a: 1\ndrift:\n  defaults: false\n  ignore:\n"
           "    - type: AWS::SQS::Queue\n      path: /Tags/*/Value\n      reason: tagged by a bot\n"
           "    - logical_id: Bucket\n      stack: one\n      path: \"*\"\n      reason: gone on purpose\n",
           &rules, &e) == 0);
    T(json_array_size(rules) == 2);
    r = drift_ignore_match(rules, "s", "Q", "AWS::SQS::Queue", "/Tags/3/Value", "NOT_EQUAL");
    T(r && !strcmp(json_string_value(json_object_get(r, "source")), "c.yaml:5"));
    T(drift_ignore_match(rules, "s", "Q", "AWS::SQS::Queue", "/Tags/3/Value/x", "ADD"));
    T(!drift_ignore_match(rules, "s", "Q", "AWS::SQS::Queue", "/Tags/3/Key", "NOT_EQUAL"));
    T(!drift_ignore_match(rules, "s", "Q", "AWS::SQS::Queue", "/Tags//Value", "NOT_EQUAL"));
    T(!drift_ignore_match(rules, "s", "Q", "AWS::SQS::Queue", "/TagsX/1/Value", "NOT_EQUAL"));
    T(!drift_ignore_match(rules, "s", "Fn", "AWS::Lambda::Function", "/Code", "REMOVE"));
    /* "*": the whole resource, only in its stack */
    T(drift_ignore_match(rules, "one", "Bucket", "AWS::S3::Bucket", NULL, NULL));
    T(drift_ignore_match(rules, "one", "Bucket", "AWS::S3::Bucket", "/Anything", "ADD"));
    T(!drift_ignore_match(rules, "two", "Bucket", "AWS::S3::Bucket", NULL, NULL));
    json_decref(rules);
}

static void test_ignore_errors(void)
{
    static const struct {
        const char *yaml;
        int line;
        const char *msg;
    } bad[] = {
        { "drift: 3\n", 1, "drift: expected a map" },
        { "drift:\n  ignores: []\n", 2, "drift.ignores: unknown key" },
        { "drift:\n  defaults: yes please\n", 2, "drift.defaults: expected true or false" },
        { "drift:\n  ignore: {}\n", 2, "drift.ignore: expected a list" },
        { "drift:\n  ignore:\n    - path: /A\n      reason: r\n", 3, "say which resources" },
        { "drift:\n  ignore:\n    - type: SQS\n      path: /A\n      reason: r\n", 3,
          "drift.ignore.1.type: expected a resource type" },
        { "drift:\n  ignore:\n    - logical_id: a-b\n      path: /A\n      reason: r\n", 3,
          "drift.ignore.1.logical_id: expected a logical id" },
        { "drift:\n  ignore:\n    - type: AWS::S3::Bucket\n      reason: r\n", 3, "path is required" },
        { "drift:\n  ignore:\n    - type: AWS::S3::Bucket\n      path: A\n      reason: r\n", 4,
          "drift.ignore.1.path: expected a property path" },
        { "drift:\n  ignore:\n    - type: AWS::S3::Bucket\n      path: /A\n", 3, "reason is required" },
        { "drift:\n  ignore:\n    - type: AWS::S3::Bucket\n      path: /Co*\n      reason: r\n", 4,
          "drift.ignore.1.path: '*' stands for one whole segment" },
        { "drift:\n  ignore:\n    - type: AWS::S3::Bucket\n      path: /*x/A\n      reason: r\n", 4,
          "'*' stands for one whole segment" },
        { "drift:\n  ignore:\n    - type: AWS::S3::Bucket\n      path: /A\n      reason: \"  \"\n", 5,
          "drift.ignore.1.reason: expected a reason on one line" },
        { "drift:\n  ignore:\n    - type: AWS::S3::Bucket\n      path: /A\n      reason: \"a\\nb\"\n", 5,
          "expected a reason on one line" },
        { "drift:\n  ignore:\n    - type: AWS::S3::Bucket\n      path: /A\n      kind: CHANGED\n"
          "      reason: r\n", 5, "drift.ignore.1.kind: expected ADD, REMOVE or NOT_EQUAL" },
        { "drift:\n  ignore:\n    - type: AWS::S3::Bucket\n      path: /A\n      reason: r\n"
          "      why: x\n", 6, "drift.ignore.1.why: unknown key" },
        { "drift:\n  ignore:\n    - type: [AWS::S3::Bucket]\n      path: /A\n      reason: r\n", 3,
          "drift.ignore.1.type: expected a string" },
        { "drift:\n  ignore:\n    - just a string\n", 3, "drift.ignore.1: expected a map" },
    };
    size_t i;

    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct gen_err e = { 0 };
        json_t *rules = NULL;
        int rc = load(bad[i].yaml, &rules, &e);

        TMSG(rc == GEN_EINPUT && !rules && e.line == bad[i].line && strstr(e.msg, bad[i].msg) &&
             !strcmp(e.file, "c.yaml"), "case %zu: %d %s:%d: %s", i, rc, e.file, e.line, e.msg);
    }
}

#define STACK "arn:aws:cloudformation:us-east-1:123456789012:stack/app/abc"

static void test_equivalent(void)
{
    const char *key = "1234abcd-12ab-34cd-56ef-1234567890ab";
    const char *arn = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    T(drift_equivalent(key, arn, STACK));
    T(drift_equivalent(arn, key, STACK));
    /* the key's ARN in another region (a multi-Region replica), account or
     * partition, or with no stack to compare with: not the same */
    T(!drift_equivalent(key, "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                        STACK));
    T(!drift_equivalent(key, "arn:aws:kms:us-east-1:999999999999:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                        STACK));
    T(!drift_equivalent(key, "arn:aws-cn:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                        STACK));
    T(!drift_equivalent(key, arn, NULL));
    /* another key, another service, an alias: not the same */
    T(!drift_equivalent(key, "arn:aws:kms:us-east-1:123456789012:key/ffff", STACK));
    T(!drift_equivalent(key, "arn:aws:s3:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                        STACK));
    T(!drift_equivalent("alias/x", "arn:aws:kms:us-east-1:123456789012:alias/x", STACK));
    T(drift_equivalent("web", "arn:aws:iam::123456789012:instance-profile/app/web", STACK));
    T(!drift_equivalent("web", "arn:aws:iam::999999999999:instance-profile/web", STACK));
    T(!drift_equivalent("web", "arn:aws:iam::123456789012:instance-profile/webserver", STACK));
    T(!drift_equivalent("web", "arn:aws:iam::123456789012:role/web", STACK));
    /* documents: the same data, or not */
    T(drift_equivalent("{\"a\":[1,2],\"b\":\"x\"}", "{ \"b\": \"x\", \"a\": [1, 2] }", STACK));
    T(drift_equivalent("\"{\\\"a\\\":1}\"", "{\"a\":1}", STACK));
    T(!drift_equivalent("{\"a\":[1,2]}", "{\"a\":[2,1]}", STACK));
    T(!drift_equivalent("60", "90", STACK));
    T(!drift_equivalent("60", "60.0", STACK));     /* scalars: CloudFormation's own business */
    T(!drift_equivalent(NULL, "x", STACK) && !drift_equivalent("x", NULL, STACK));
}

static void test_number_text(void)
{
    char t[64];

    drift_number_text(0.1, t, sizeof t);
    T(!strcmp(t, "0.1"));
    drift_number_text(0.01, t, sizeof t);
    T(!strcmp(t, "0.01"));
    drift_number_text(1.0 / 3, t, sizeof t);
    T(!strcmp(t, "0.3333333333333333"));
    drift_number_text(2.5e-7, t, sizeof t);
    T(!strcmp(t, "2.5e-07"));
}

static void test_resolve(void)
{
    json_t *tpl = json_loads("{\"Parameters\": {\"Env\": {\"Type\": \"String\"}},"
        "\"Resources\": {\"Fn\": {\"Type\": \"AWS::Lambda::Function\"},"
        "\"V\": {\"Type\": \"AWS::Lambda::Version\"}, \"Gone\": {\"Type\": \"AWS::SQS::Queue\"}}}",
        0, NULL);
    json_t *res = json_loads("[{\"LogicalResourceId\": \"Fn\", \"PhysicalResourceId\": \"app-fn\"},"
        "{\"LogicalResourceId\": \"V\", \"PhysicalResourceId\": "
        "\"arn:aws:lambda:us-east-1:123456789012:function:app-fn:7\"}]", 0, NULL);
    json_t *params = json_pack("{s:s}", "Env", "prod");
    struct drift_scope s = { tpl, params, res,
        "arn:aws-us-gov:cloudformation:us-gov-west-1:123456789012:stack/app/abc-123" };
    static const struct {
        const char *v, *want;
    } ok[] = {
        { "\"plain\"", "plain" }, { "42", "42" }, { "{\"Ref\": \"Env\"}", "prod" },
        { "{\"Ref\": \"Fn\"}", "app-fn" }, { "{\"Fn::GetAtt\": [\"V\", \"Version\"]}", "7" },
        { "{\"Fn::GetAtt\": \"V.Version\"}", "7" },
        { "{\"Fn::Sub\": \"${AWS::StackName}-${Env}-${AWS::Region}-${AWS::Partition}\"}",
          "app-prod-us-gov-west-1-aws-us-gov" },
        { "{\"Fn::Sub\": \"${!Literal}-${AWS::AccountId}\"}", "${Literal}-123456789012" },
        { "{\"Fn::Sub\": \"${V.Version}\"}", "7" },
        { "{\"Fn::Join\": [\"/\", [\"a\", {\"Ref\": \"Env\"}, 3]]}", "a/prod/3" },
        { "{\"Ref\": \"AWS::URLSuffix\"}", "amazonaws.com" },
    };
    static const char *const bad[] = {
        "{\"Ref\": \"Nope\"}", "{\"Ref\": \"Gone\"}", "{\"Fn::GetAtt\": [\"Fn\", \"Arn\"]}",
        "{\"Fn::Sub\": \"${Nope}\"}", "{\"Fn::Sub\": \"${unclosed\"}", "{\"Fn::If\": [1, 2, 3]}",
        "[1]", "{\"Ref\": \"AWS::NoValue\"}", "{\"Fn::Sub\": [\"${X}\", {\"X\": 1}]}",
    };
    size_t i;

    for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        json_t *v = json_loads(ok[i].v, JSON_DECODE_ANY, NULL);
        const char *why = NULL;
        char *got = drift_resolve(&s, v, &why);

        TMSG(got && !strcmp(got, ok[i].want), "%s -> %s (%s)", ok[i].v, got ? got : "NULL",
             why ? why : "");
        free(got);
        json_decref(v);
    }
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *v = json_loads(bad[i], JSON_DECODE_ANY, NULL);
        const char *why = NULL;
        char *got = drift_resolve(&s, v, &why);

        TMSG(!got && why && *why, "%s -> %s", bad[i], got ? got : "NULL");
        free(got);
        json_decref(v);
    }
    json_decref(tpl);
    json_decref(res);
    json_decref(params);
}

static json_t *report_with(size_t n_template, size_t n_unchecked, const char *value)
{
    json_t *r = json_pack("{s:s, s:s, s:s, s:{s:b, s:[]}, s:[], s:[]}", "stack", "app",
                          "state", n_template ? "drifted" : "in_sync", "summary", "a summary",
                          "template", "checked", 1, "differences", "unchecked", "ignored");
    size_t i;

    for (i = 0; i < n_template; i++) {
        char path[64];

        snprintf(path, sizeof path, "Outputs.O%zu", i);
        json_array_append_new(json_object_get(json_object_get(r, "template"), "differences"),
                              json_pack("{s:s, s:s, s:s, s:n}", "path", path, "kind", "extra",
                                        "expected", value, "actual"));
    }
    for (i = 0; i < n_unchecked; i++)
        json_array_append_new(json_object_get(r, "unchecked"),
                              json_pack("{s:s, s:s, s:s, s:s}", "logical_id", "X", "type",
                                        "AWS::X::Y", "status", "UNKNOWN", "reason", "r"));
    return r;
}

static size_t lines_starting(const char *text, const char *prefix)
{
    size_t n = 0;
    const char *p = text;

    while (p && *p) {
        n += !strncmp(p, prefix, strlen(prefix));
        p = strchr(p, '\n');
        p = p ? p + 1 : NULL;
    }
    return n;
}

static void test_reports(void)
{
    struct gen_err e;
    struct buf b;
    json_t *all = json_array();

    json_array_append_new(all, report_with(0, 0, "v"));
    T(drift_report_exit(all) == 0);
    json_array_append_new(all, report_with(25, 3, "v"));
    T(drift_report_exit(all) == 2);

    buf_init(&b);
    T(drift_report_github(all, &b, &e) == 0);
    T(lines_starting(buf_cstr(&b), "::error ") == DRIFT_ANNOTATIONS_MAX);
    T(lines_starting(buf_cstr(&b), "::warning ") == 3);
    T(strstr(buf_cstr(&b), "::error title=luaform drift::16 more (drift) in the job summary\n"));
    buf_free(&b);

    /* exactly 10: all shown, no "more" */
    json_array_clear(all);
    json_array_append_new(all, report_with(10, 0, "a%b\r\nc"));
    buf_init(&b);
    T(drift_report_github(all, &b, &e) == 0);
    T(lines_starting(buf_cstr(&b), "::error ") == 10 && !strstr(buf_cstr(&b), "more"));
    /* a value cannot end the command or start another: CR, LF and % escaped */
    T(strstr(buf_cstr(&b), "expected \"a%25b\\r\\nc\"") || strstr(buf_cstr(&b), "a%25b%0D%0Ac"));
    T(lines_starting(buf_cstr(&b), "::") == 10);
    buf_free(&b);

    /* a value full of backticks cannot close the markdown code block */
    json_array_clear(all);
    json_array_append_new(all, report_with(1, 0, "````` <script>"));
    buf_init(&b);
    T(drift_report_markdown(all, &b, &e, 1) == 0);
    T(strstr(buf_cstr(&b), "\n``````\n") != NULL);
    T(strstr(buf_cstr(&b), "## luaform drift: drift found\n") == buf_cstr(&b));
    buf_free(&b);

    /* errors win over drift */
    json_array_append_new(all, json_pack("{s:s, s:s, s:s, s:s}", "stack", "b", "state", "busy",
                                         "summary", "x", "error", "UPDATE_IN_PROGRESS"));
    T(drift_report_exit(all) == 1);
    buf_init(&b);
    T(drift_report_json(all, &b, &e) == 0);
    {
        json_t *doc = json_loads(buf_cstr(&b), 0, NULL);

        T(doc && json_integer_value(json_object_get(doc, "exit")) == 1 &&
          json_integer_value(json_object_get(doc, "drifted")) == 1 &&
          json_integer_value(json_object_get(doc, "errors")) == 1);
        json_decref(doc);
    }
    buf_free(&b);
    json_decref(all);
}

int main(void)
{
    test_ignore_rules();
    test_ignore_errors();
    test_equivalent();
    test_number_text();
    test_resolve();
    test_reports();
    return t_report();
}
