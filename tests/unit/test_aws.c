/* test_aws.c: regions, partitions and endpoints as the SDKs pick them;
 * timestamps; form encoding. (Requests themselves are tested end to end
 * against moto_server in tests/e2e/.) */
#include "aws/aws.h"
#include "core/buf.h"
#include "aws/cloudformation.h"
#include "core/isotime.h"
#include "core/err.h"
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
    o.endpoint_url = "http://[::1]:5000";
    T(!strcmp(endpoint_of(&o, "cloudformation"), "http://[::1]:5000"));
}

/* The error aws_endpoint_url gives for service, or "" when none. */
static const char *endpoint_error(const struct aws_opts *o, const char *service)
{
    static struct gen_err e;
    struct aws *a = NULL;
    char url[512];

    memset(&e, 0, sizeof e);
    if (aws_new(o, &a, &e) == 0 && aws_endpoint_url(a, service, url, sizeof url, &e) == 0)
        e.msg[0] = '\0';
    aws_free(a);
    return e.msg;
}

/* Malformed endpoint URLs are refused, saying where they came from; user
 * info is refused without quoting it. */
static void test_bad_endpoints(void)
{
    static const char *const bad[] = {
        "127.0.0.1:5000", "http://", "http:///p", "http://h:0",
        "http://h:65536", "http://h:5x", "http://h:123456", "http://h?x=1", "http://h/#f",
        "http://h /p", "http://h\n", "http://a_b!c", "http://[::1", "http://[]:1",
        "http://[::1]x", "HTTPS://h", NULL
    };
    struct aws_opts o;
    const char *m;
    int i;

    clean_env();
    memset(&o, 0, sizeof o);
    o.region = "us-east-1";
    for (i = 0; bad[i]; i++) {
        o.endpoint_url = bad[i];
        m = endpoint_error(&o, "cloudformation");
        TMSG(!strncmp(m, "--endpoint-url: endpoint '", 26), "%s: %s", bad[i], m);
    }
    o.endpoint_url = "http://user:SECRETPASS@127.0.0.1:5000";
    m = endpoint_error(&o, "cloudformation");
    TMSG(strstr(m, "--endpoint-url: an endpoint URL with user info") && !strstr(m, "SECRETPASS"),
         "%s", m);
    o.endpoint_url = "user:SECRETPASS@127.0.0.1:5000";
    m = endpoint_error(&o, "cloudformation");
    TMSG(strstr(m, "user info") && !strstr(m, "SECRETPASS"), "%s", m);
    o.endpoint_url = NULL;
    setenv("AWS_ENDPOINT_URL", "http://u:SECRETPASS@127.0.0.1:5000/", 1);
    m = endpoint_error(&o, "sts");
    TMSG(!strncmp(m, "AWS_ENDPOINT_URL: ", 18) && !strstr(m, "SECRETPASS"), "%s", m);
    setenv("AWS_ENDPOINT_URL_CLOUDFORMATION", "localhost:4566", 1);
    m = endpoint_error(&o, "cloudformation");
    TMSG(!strcmp(m, "AWS_ENDPOINT_URL_CLOUDFORMATION: endpoint 'localhost:4566' must start "
                    "with http:// or https://"), "%s", m);
    /* empty counts as unset */
    setenv("AWS_ENDPOINT_URL_CLOUDFORMATION", "", 1);
    setenv("AWS_ENDPOINT_URL", "", 1);
    T(!strcmp(endpoint_of(&o, "cloudformation"), "https://cloudformation.us-east-1.amazonaws.com"));
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_ENDPOINT_URL_CLOUDFORMATION");
}

/* --max-attempts and AWS_MAX_ATTEMPTS are parsed strictly. */
static void test_attempts(void)
{
    static const char *const bad[] = { "", "abc", "5x", "0", "-1", "+3", " 3", "3 ", "21",
        "99999999999999999999", "0x5", "1e1", NULL };
    struct aws_opts o;
    struct aws *a = NULL;
    struct gen_err e;
    int i, v;

    for (i = 0; bad[i]; i++)
        TMSG(aws_parse_attempts(bad[i], &v) < 0, "'%s' taken", bad[i]);
    T(aws_parse_attempts("1", &v) == 0 && v == 1);
    T(aws_parse_attempts("20", &v) == 0 && v == 20);
    T(aws_parse_attempts("05", &v) == 0 && v == 5);
    clean_env();
    memset(&o, 0, sizeof o);
    o.region = "us-east-1";
    for (i = 1; bad[i]; i++) {
        setenv("AWS_MAX_ATTEMPTS", bad[i], 1);
        TMSG(aws_new(&o, &a, &e) < 0 && !strncmp(e.msg, "AWS_MAX_ATTEMPTS: '", 19), "'%s': %s",
             bad[i], e.msg);
    }
    setenv("AWS_MAX_ATTEMPTS", "", 1);      /* empty: unset, as in the SDKs */
    T(aws_new(&o, &a, &e) == 0 && aws_max_attempts(a) == 3);
    aws_free(a);
    setenv("AWS_MAX_ATTEMPTS", "7", 1);
    T(aws_new(&o, &a, &e) == 0 && aws_max_attempts(a) == 7);
    aws_free(a);
    setenv("AWS_MAX_ATTEMPTS", "abc", 1);   /* the flag wins, the variable is not read */
    o.max_attempts = 2;
    T(aws_new(&o, &a, &e) == 0 && aws_max_attempts(a) == 2);
    aws_free(a);
    unsetenv("AWS_MAX_ATTEMPTS");
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

static void test_status(void)
{
    T(cfn_status_done("UPDATE_COMPLETE") && !cfn_status_done("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS") &&
      !cfn_status_done("REVIEW_IN_PROGRESS") && cfn_status_failed("UPDATE_ROLLBACK_COMPLETE") &&
      !cfn_status_failed("CREATE_COMPLETE"));
}

int main(void)
{
    test_status();
    test_regions();
    test_endpoints();
    test_bad_endpoints();
    test_attempts();
    test_time_and_encoding();
    return t_report();
}
