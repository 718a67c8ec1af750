/* test_aws.c: regions, partitions and endpoints as the SDKs pick them;
 * timestamps; form encoding. (Requests themselves are tested end to end
 * against moto_server in tests/e2e/.) */
#include "aws.h"
#include "buf.h"
#include "cfn.h"
#include "isotime.h"
#include "err.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static void clean_env(void)
{
    static const char *const vars[] = { "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE",
        "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_CLOUDFORMATION", "AWS_ENDPOINT_URL_STS",
        "AWS_ENDPOINT_URL_S3", "AWS_MAX_ATTEMPTS", NULL };
    int i;

    for (i = 0; vars[i]; i++)
        unsetenv(vars[i]);
    setenv("AWS_CONFIG_FILE", "/nonexistent/luaform-test/config", 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/luaform-test/credentials", 1);
}

/* The endpoint of service for these options, or "" on error. */
static const char *endpoint_of(const struct aws_opts *o, const char *service)
{
    static char url[512];
    struct aws *a = NULL;
    struct gen_err e;

    url[0] = '\0';
    if (aws_new(o, &a, &e) == 0)
        aws_endpoint_url(a, service, url, sizeof url, &e);
    aws_free(a);
    return url;
}

static void test_regions(void)
{
    struct aws_opts o;
    struct aws *a = NULL;
    struct gen_err e;

    clean_env();
    memset(&o, 0, sizeof o);
    T(aws_new(&o, &a, &e) < 0 && strstr(e.msg, "no region"));
    setenv("AWS_DEFAULT_REGION", "eu-west-1", 1);
    T(aws_new(&o, &a, &e) == 0 && !strcmp(aws_region(a), "eu-west-1"));
    aws_free(a);
    setenv("AWS_REGION", "eu-central-1", 1);
    T(aws_new(&o, &a, &e) == 0 && !strcmp(aws_region(a), "eu-central-1"));
    aws_free(a);
    o.region = "ap-south-1";
    T(aws_new(&o, &a, &e) == 0 && !strcmp(aws_region(a), "ap-south-1") &&
      !strcmp(aws_partition(a), "aws"));
    aws_free(a);
    o.region = "cn-north-1";
    T(aws_new(&o, &a, &e) == 0 && !strcmp(aws_partition(a), "aws-cn"));
    aws_free(a);
    T(!strcmp(endpoint_of(&o, "cloudformation"), "https://cloudformation.cn-north-1.amazonaws.com.cn"));
    o.region = "us-gov-west-1";
    T(aws_new(&o, &a, &e) == 0 && !strcmp(aws_partition(a), "aws-us-gov"));
    aws_free(a);
    T(!strcmp(endpoint_of(&o, "sts"), "https://sts.us-gov-west-1.amazonaws.com"));
    o.region = "bad region!";
    T(aws_new(&o, &a, &e) < 0 && strstr(e.msg, "not a region"));
}

static void test_endpoints(void)
{
    struct aws_opts o;

    clean_env();
    memset(&o, 0, sizeof o);
    o.region = "us-east-1";
    T(!strcmp(endpoint_of(&o, "cloudformation"), "https://cloudformation.us-east-1.amazonaws.com"));
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566", 1);
    T(!strcmp(endpoint_of(&o, "cloudformation"), "http://127.0.0.1:4566"));
    setenv("AWS_ENDPOINT_URL_CLOUDFORMATION", "http://127.0.0.1:5000/", 1);
    T(!strcmp(endpoint_of(&o, "cloudformation"), "http://127.0.0.1:5000"));
    T(!strcmp(endpoint_of(&o, "sts"), "http://127.0.0.1:4566"));
    o.endpoint_url = "https://proxy.invalid:8443/base";
    T(!strcmp(endpoint_of(&o, "cloudformation"), "https://proxy.invalid:8443/base"));
    o.endpoint_url = "ftp://x";
    T(!strcmp(endpoint_of(&o, "cloudformation"), ""));
}

static void test_time_and_encoding(void)
{
    struct buf b;
    long us = 0;

    time_t t = 1;

    T(isotime_parse("1970-01-01T00:00:00Z", &t, NULL) == 0 && t == 0);
    T(isotime_parse("2026-11-22T18:56:50.502741Z", &t, &us) == 0 && t == 1795373810 && us == 502741);
    T(isotime_parse("2026-11-22T20:56:50+02:00", &t, NULL) == 0 && t == 1795373810);
    T(isotime_parse("yesterday", &t, NULL) == -1 && t == 1795373810);
    T(isotime_parse("2026-02-30T00:00:00Z", &t, NULL) == -1);
    buf_init(&b);
    aws_urlencode(&b, "a b/c~d+é", AWS_FORM);
    T(!strcmp(buf_cstr(&b), "a+b%2Fc~d%2B%C3%A9"));
    buf_reset(&b);
    aws_urlencode(&b, "luaform/x y.json", 1);
    T(!strcmp(buf_cstr(&b), "luaform/x%20y.json"));
    buf_free(&b);
}

static void test_capabilities(void)
{
    const char *caps[4];
    json_t *t;

    t = json_loads("{\"Resources\": {\"T\": {\"Type\": \"AWS::SNS::Topic\"}}}", 0, NULL);
    cfn_capabilities(t, caps);
    T(caps[0] == NULL);
    json_decref(t);
    t = json_loads("{\"Resources\": {\"R\": {\"Type\": \"AWS::IAM::Role\", \"Properties\": {}}}}",
                   0, NULL);
    cfn_capabilities(t, caps);
    T(caps[0] && !strcmp(caps[0], "CAPABILITY_IAM") && !caps[1]);
    json_decref(t);
    t = json_loads("{\"Transform\": \"AWS::Serverless-2016-10-31\", \"Resources\": {\"R\": "
                   "{\"Type\": \"AWS::IAM::Role\", \"Properties\": {\"RoleName\": \"x\"}}}}", 0, NULL);
    cfn_capabilities(t, caps);
    T(caps[0] && !strcmp(caps[0], "CAPABILITY_NAMED_IAM") && caps[1] &&
      !strcmp(caps[1], "CAPABILITY_AUTO_EXPAND") && !caps[2]);
    json_decref(t);
    T(cfn_status_done("UPDATE_COMPLETE") && !cfn_status_done("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS") &&
      !cfn_status_done("REVIEW_IN_PROGRESS") && cfn_status_failed("UPDATE_ROLLBACK_COMPLETE") &&
      !cfn_status_failed("CREATE_COMPLETE"));
}

int main(void)
{
    test_capabilities();
    test_regions();
    test_endpoints();
    test_time_and_encoding();
    return t_report();
}
