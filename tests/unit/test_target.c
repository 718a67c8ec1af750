/* test_target.c: a deploy target's settings: the command line's
 * --parameter, --tags, --stack-name, --cfn-role-arn and --s3-bucket over
 * a description's deploy{}, a template file's (no deploy{}), the errors
 * (a key twice, no '='), and the size limits checked before any call. */
#include "core/err.h"
#include "deploy/deploy.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static const char *value(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static void test_merge(void)
{
    json_t *settings = json_pack("{s:s, s:{s:s, s:s}, s:{s:s}, s:s, s:s, s:b}",
        "stack_name", "from-desc", "parameters", "Env", "staging", "Size", "1",
        "tags", "team", "platform", "role_arn", "arn:aws:iam::123456789012:role/desc",
        "account", "123456789012", "termination_protection", 1);
    const char *params[] = { "Env=prod", "Extra=a=b" };
    const char *tags[] = { "cost=42", "team=infra" };
    struct deploy_overrides o = { NULL, NULL, NULL, params, 2, tags, 2 };
    struct deploy_target t;
    struct gen_err e;

    T(deploy_target_init(&t, "default", "{}", 2, NULL, settings, &o, &e) == 0);
    T(!strcmp(t.stack, "from-desc"));
    T(json_object_size(t.parameters) == 3 && !strcmp(value(t.parameters, "Env"), "prod") &&
      !strcmp(value(t.parameters, "Size"), "1") && !strcmp(value(t.parameters, "Extra"), "a=b"));
    T(json_object_size(t.tags) == 2 && !strcmp(value(t.tags, "team"), "infra") &&
      !strcmp(value(t.tags, "cost"), "42"));
    T(!strcmp(t.role_arn, "arn:aws:iam::123456789012:role/desc") && !t.s3_bucket);
    T(!strcmp(t.account, "123456789012") && t.termination_protection);
    /* the description's own objects are untouched */
    T(!strcmp(value(json_object_get(settings, "parameters"), "Env"), "staging"));
    deploy_target_free(&t);

    o.stack_name = "from-cli";
    o.role_arn = "arn:aws:iam::123456789012:role/cli";
    T(deploy_target_init(&t, "default", "{}", 2, NULL, settings, &o, &e) == 0);
    T(!strcmp(t.stack, "from-cli") && !strcmp(t.role_arn, "arn:aws:iam::123456789012:role/cli"));
    deploy_target_free(&t);
    json_decref(settings);
}

static void test_no_settings(void)
{
    const char *params[] = { "Env=" };
    struct deploy_overrides o = { NULL, NULL, NULL, params, 1, NULL, 0 };
    struct deploy_target t;
    struct gen_err e;

    /* a template file: no deploy{} at all */
    T(deploy_target_init(&t, "file", "{}", 2, NULL, NULL, &o, &e) == 0);
    T(!strcmp(t.stack, "file") && !t.account && !t.role_arn && !t.termination_protection);
    T(json_object_size(t.parameters) == 1 && !strcmp(value(t.parameters, "Env"), ""));
    T(json_is_object(t.tags) && json_object_size(t.tags) == 0);
    deploy_target_free(&t);
    T(deploy_target_init(&t, "file", "{}", 2, NULL, NULL, NULL, &e) == 0);
    T(json_object_size(t.parameters) == 0);
    deploy_target_free(&t);
}

static void test_errors(void)
{
    const char *twice[] = { "Env=a", "Env=b" }, *bare[] = { "Env" }, *nokey[] = { "=v" };
    struct deploy_overrides o = { NULL, NULL, NULL, twice, 2, NULL, 0 };
    struct deploy_target t;
    struct gen_err e;
    char *big = malloc(DEPLOY_URL_MAX + 2);

    T(deploy_target_init(&t, "s", "{}", 2, NULL, NULL, &o, &e) == GEN_EINPUT &&
      !strcmp(e.msg, "--parameter 'Env' is given twice") && !t.parameters && !t.tags);
    o.parameters = bare;
    o.nparameters = 1;
    T(deploy_target_init(&t, "s", "{}", 2, NULL, NULL, &o, &e) == GEN_EINPUT &&
      !strcmp(e.msg, "--parameter takes KEY=VALUE, not 'Env'"));
    o.nparameters = 0;
    o.tags = nokey;
    o.ntags = 1;
    T(deploy_target_init(&t, "s", "{}", 2, NULL, NULL, &o, &e) == GEN_EINPUT &&
      !strcmp(e.msg, "--tags takes KEY=VALUE, not '=v'"));
    o.ntags = 0;
    if (!big)
        return;
    memset(big, ' ', DEPLOY_URL_MAX + 1);
    big[DEPLOY_URL_MAX + 1] = '\0';
    /* inline at most 51,200 bytes; more needs a bucket; over 1 MB never */
    T(deploy_target_init(&t, "s", big, DEPLOY_BODY_MAX, NULL, NULL, &o, &e) == 0);
    deploy_target_free(&t);
    T(deploy_target_init(&t, "s", big, DEPLOY_BODY_MAX + 1, NULL, NULL, &o, &e) == GEN_EINPUT &&
      strstr(e.msg, "give --s3-bucket"));
    o.s3_bucket = "bucket";
    T(deploy_target_init(&t, "s", big, DEPLOY_BODY_MAX + 1, NULL, NULL, &o, &e) == 0);
    deploy_target_free(&t);
    T(deploy_target_init(&t, "s", big, DEPLOY_URL_MAX + 1, NULL, NULL, &o, &e) == GEN_EINPUT &&
      strstr(e.msg, "at most 1000000"));
    free(big);
}

static void test_unique_name(void)
{
    char a[128], b[128];

    deploy_unique_name(a, sizeof a, "luaform");
    deploy_unique_name(b, sizeof b, "luaform");
    T(!strncmp(a, "luaform-", 8) && strlen(a) == strlen("luaform-20260101T000000Z-1a2b3c4d"));
    T(strcmp(a, b) != 0);
}

int main(void)
{
    test_merge();
    test_no_settings();
    test_errors();
    test_unique_name();
    return t_report();
}
