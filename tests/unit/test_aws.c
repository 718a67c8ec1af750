/* test_aws.c: regions, partitions and endpoints as the SDKs pick them;
 * the request core's retries (HTTP 429, 5xx, the backoff base, Ctrl-C)
 * against tests/unit/http_server.py; timestamps; form encoding. (The
 * services themselves are tested end to end against moto_server in
 * tests/e2e/.) */
#include "aws/aws.h"
#include "aws/endpoints.h"
#include "aws/region.h"
#include "core/buf.h"
#include "aws/cloudformation.h"
#include "core/interrupt.h"
#include "core/isotime.h"
#include "core/err.h"
#include "server.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static void clean_env(void)
{
    static const char *const vars[] = { "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE",
        "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_CLOUDFORMATION", "AWS_ENDPOINT_URL_STS",
        "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_LAMBDA", "AWS_ENDPOINT_URL_IAM",
        "AWS_MAX_ATTEMPTS", "AWS_IGNORE_CONFIGURE_ENDPOINT_URLS", "LUAFORM_RETRY_BASE_MS",
        NULL };
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


/* Every partition: the region says which (us-iso-* is not aws). */
static void test_partitions(void)
{
    static const struct { const char *region, *partition, *suffix; } tab[] = {
        { "us-east-1", "aws", "amazonaws.com" },
        { "eu-central-2", "aws", "amazonaws.com" },
        { "il-central-1", "aws", "amazonaws.com" },
        { "cn-north-1", "aws-cn", "amazonaws.com.cn" },
        { "cn-northwest-1", "aws-cn", "amazonaws.com.cn" },
        { "us-gov-west-1", "aws-us-gov", "amazonaws.com" },
        { "us-gov-east-1", "aws-us-gov", "amazonaws.com" },
        { "us-iso-east-1", "aws-iso", "c2s.ic.gov" },
        { "us-iso-west-1", "aws-iso", "c2s.ic.gov" },
        { "us-isob-east-1", "aws-iso-b", "sc2s.sgov.gov" },
        { "us-isof-south-1", "aws-iso-f", "csp.hci.ic.gov" },
        { "eu-isoe-west-1", "aws-iso-e", "cloud.adc-e.uk" },
        { "eusc-de-east-1", "aws-eusc", "amazonaws.eu" },
        { "xx-new-1", "aws", "amazonaws.com" },
    };
    struct aws_opts o;
    struct aws *a = NULL;
    struct gen_err e;
    size_t i;

    clean_env();
    memset(&o, 0, sizeof o);
    for (i = 0; i < sizeof tab / sizeof tab[0]; i++) {
        o.region = tab[i].region;
        TMSG(aws_new(&o, &a, &e) == 0 && !strcmp(aws_partition(a), tab[i].partition) &&
             !strcmp(aws_dns_suffix(a), tab[i].suffix), "%s: %s", tab[i].region,
             a ? aws_partition(a) : e.msg);
        aws_free(a);
        a = NULL;
        TMSG(!strcmp(region_partition(tab[i].region)->id, tab[i].partition), "%s",
             tab[i].region);
    }
    T(region_valid("us-east-1") && !region_valid("") && !region_valid("US-EAST-1") &&
      !region_valid("us east"));
}

/* The default endpoint of every service in every partition; IAM has one
 * per partition, signed for the region it lives in. */
static void test_endpoint_table(void)
{
    static const struct { const char *service, *region, *url, *signing; } tab[] = {
        { "cloudformation", "eu-west-1", "https://cloudformation.eu-west-1.amazonaws.com", "eu-west-1" },
        { "sts", "us-east-1", "https://sts.us-east-1.amazonaws.com", "us-east-1" },
        { "s3", "ap-south-1", "https://s3.ap-south-1.amazonaws.com", "ap-south-1" },
        { "lambda", "us-west-2", "https://lambda.us-west-2.amazonaws.com", "us-west-2" },
        { "iam", "us-east-1", "https://iam.amazonaws.com", "us-east-1" },
        { "iam", "eu-west-3", "https://iam.amazonaws.com", "us-east-1" },
        { "lambda", "cn-north-1", "https://lambda.cn-north-1.amazonaws.com.cn", "cn-north-1" },
        { "s3", "cn-northwest-1", "https://s3.cn-northwest-1.amazonaws.com.cn", "cn-northwest-1" },
        { "iam", "cn-north-1", "https://iam.cn-north-1.amazonaws.com.cn", "cn-north-1" },
        { "iam", "cn-northwest-1", "https://iam.cn-north-1.amazonaws.com.cn", "cn-north-1" },
        { "cloudformation", "us-gov-west-1", "https://cloudformation.us-gov-west-1.amazonaws.com", "us-gov-west-1" },
        { "iam", "us-gov-west-1", "https://iam.us-gov.amazonaws.com", "us-gov-west-1" },
        { "iam", "us-gov-east-1", "https://iam.us-gov.amazonaws.com", "us-gov-west-1" },
        { "lambda", "us-iso-east-1", "https://lambda.us-iso-east-1.c2s.ic.gov", "us-iso-east-1" },
        { "sts", "us-iso-west-1", "https://sts.us-iso-west-1.c2s.ic.gov", "us-iso-west-1" },
        { "iam", "us-iso-west-1", "https://iam.us-iso-east-1.c2s.ic.gov", "us-iso-east-1" },
        { "s3", "us-isob-east-1", "https://s3.us-isob-east-1.sc2s.sgov.gov", "us-isob-east-1" },
        { "iam", "us-isob-east-1", "https://iam.us-isob-east-1.sc2s.sgov.gov", "us-isob-east-1" },
        { "iam", "us-isof-east-1", "https://iam.us-isof-south-1.csp.hci.ic.gov", "us-isof-south-1" },
        { "cloudformation", "eu-isoe-west-1", "https://cloudformation.eu-isoe-west-1.cloud.adc-e.uk", "eu-isoe-west-1" },
    };
    struct endpoints_default d;
    struct aws_opts o;
    size_t i;

    clean_env();
    memset(&o, 0, sizeof o);
    for (i = 0; i < sizeof tab / sizeof tab[0]; i++) {
        endpoints_default(tab[i].service, tab[i].region, &d);
        TMSG(!strcmp(d.url, tab[i].url) && !strcmp(d.signing_region, tab[i].signing),
             "%s %s: %s %s", tab[i].service, tab[i].region, d.url, d.signing_region);
        o.region = tab[i].region;
        TMSG(!strcmp(endpoint_of(&o, tab[i].service), tab[i].url), "%s %s",
             tab[i].service, tab[i].region);
    }
    T(!strcmp(endpoints_service("cloudformation")->api_version, "2010-05-15"));
    T(!strcmp(endpoints_service("sts")->api_version, "2011-06-15"));
    T(!strcmp(endpoints_service("lambda")->api_version, "2015-03-31"));
    T(!strcmp(endpoints_service("iam")->api_version, "2010-05-08"));
    T(endpoints_service("iam")->global && !endpoints_service("s3")->global);
    T(endpoints_service("nosuch") == NULL);
}

/* AWS_ENDPOINT_URL_<SERVICE> and the profile's services section, per
 * service; --endpoint-url wins for all. */
static void test_service_endpoints(void)
{
    char cfg[] = "/tmp/luaform-test-aws-XXXXXX";
    struct aws_opts o;
    FILE *f;
    int fd;

    clean_env();
    memset(&o, 0, sizeof o);
    o.region = "us-east-1";
    setenv("AWS_ENDPOINT_URL_LAMBDA", "http://127.0.0.1:7001", 1);
    setenv("AWS_ENDPOINT_URL_IAM", "http://127.0.0.1:7002/iam", 1);
    T(!strcmp(endpoint_of(&o, "lambda"), "http://127.0.0.1:7001"));
    T(!strcmp(endpoint_of(&o, "iam"), "http://127.0.0.1:7002/iam"));
    T(!strcmp(endpoint_of(&o, "s3"), "https://s3.us-east-1.amazonaws.com"));
    o.endpoint_url = "http://127.0.0.1:7000";
    T(!strcmp(endpoint_of(&o, "lambda"), "http://127.0.0.1:7000"));
    o.endpoint_url = NULL;
    unsetenv("AWS_ENDPOINT_URL_LAMBDA");
    unsetenv("AWS_ENDPOINT_URL_IAM");
    fd = mkstemp(cfg);
    f = fd >= 0 ? fdopen(fd, "w") : NULL;
    T(f != NULL);
    if (!f)
        return;
    fputs("[default]\nservices = local\n\n[services local]\nlambda =\n"
          "  endpoint_url = http://127.0.0.1:7003\ns3 =\n  endpoint_url = http://127.0.0.1:7004\n", f);
    fclose(f);
    setenv("AWS_CONFIG_FILE", cfg, 1);
    T(!strcmp(endpoint_of(&o, "lambda"), "http://127.0.0.1:7003"));
    T(!strcmp(endpoint_of(&o, "s3"), "http://127.0.0.1:7004"));
    T(!strcmp(endpoint_of(&o, "sts"), "https://sts.us-east-1.amazonaws.com"));
    setenv("AWS_IGNORE_CONFIGURE_ENDPOINT_URLS", "true", 1);
    T(!strcmp(endpoint_of(&o, "lambda"), "https://lambda.us-east-1.amazonaws.com"));
    unlink(cfg);
    clean_env();
}

/* ---- the request core against tests/unit/http_server.py ---- */

static struct aws *core_client(int attempts)
{
    char url[64];
    struct aws_opts o;
    struct aws *a = NULL;
    struct gen_err e;

    clean_env();
    snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
    setenv("AWS_ENDPOINT_URL", url, 1);
    setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", 1);
    memset(&o, 0, sizeof o);
    o.region = "us-east-1";
    o.max_attempts = attempts;
    if (aws_new(&o, &a, &e) < 0)
        fprintf(stderr, "aws_new: %s\n", e.msg);
    return a;
}

/* GET path from service; the status, 0 or the error code. */
static int core_get(struct aws *a, const char *path, struct http_response *r,
                    struct aws_fault *f, struct gen_err *e)
{
    struct http_header h[1] = { { "x-amz-meta-test", "v1" } };
    struct aws_request q;

    memset(&q, 0, sizeof q);
    q.service = "lambda";
    q.method = "GET";
    q.path = path;
    q.headers = h;
    q.nheaders = 1;
    http_response_free(r);
    return aws_request(a, &q, r, f, e);
}

static long hits(struct aws *a, const char *key)
{
    struct http_response r;
    struct gen_err e;
    char path[64];
    long n = -1;

    http_response_init(&r);
    snprintf(path, sizeof path, "/hits/%s", key);
    if (core_get(a, path, &r, NULL, &e) == 0)
        n = strtol(buf_cstr(&r.body), NULL, 10);
    http_response_free(&r);
    return n;
}

static void test_core(void)
{
    struct http_response r;
    struct aws_fault f;
    struct gen_err e;
    struct aws *a;
    const char *dots;

    a = core_client(3);
    T(a != NULL);
    if (!a)
        return;
    http_response_init(&r);
    setenv("LUAFORM_RETRY_BASE_MS", "0", 1);
    /* a 2xx: status, headers and body; the extra header went out signed */
    T(core_get(a, "/echo/x", &r, &f, &e) == 0 && r.status == 200);
    T(!strcmp(http_response_header(&r, "x-amzn-requestid"), "req-123"));
    T(strstr(buf_cstr(&r.body), "h:x-amz-meta-test=v1") != NULL);
    TMSG(strstr(buf_cstr(&r.body), "SignedHeaders=host;x-amz-date;x-amz-meta-test,") != NULL,
         "%s", buf_cstr(&r.body));
    T(strstr(buf_cstr(&r.body), "/lambda/aws4_request") != NULL);
    /* 429 with a JSON body: retried as throttling, every attempt */
    T(core_get(a, "/err/t429/429/json", &r, &f, &e) == GEN_EAWS);
    TMSG(!strcmp(e.msg, "TooManyRequestsException: Rate exceeded (request id req-err-1)"),
         "%s", e.msg);
    T(f.attempts == 3 && f.throttled && f.retryable && f.http_status == 429);
    T(!strcmp(aws_last_fault(a)->code, "TooManyRequestsException"));
    T(hits(a, "t429") == 3);
    /* a 429 without a body, and a 503: retried too */
    T(core_get(a, "/err/e429/429/empty", &r, &f, &e) == GEN_EAWS && f.attempts == 3 &&
      f.throttled && !strcmp(f.code, "TooManyRequests"));
    T(core_get(a, "/err/e503/503/empty", &r, &f, &e) == GEN_EAWS && f.attempts == 3 &&
      !f.throttled && !strcmp(f.code, "ServiceUnavailable"));
    /* a 400: once */
    T(core_get(a, "/err/t400/400/json", &r, &f, &e) == GEN_EAWS && f.attempts == 1);
    T(hits(a, "t400") == 1);
    /* a long message: whole words, bounded, on one line */
    T(core_get(a, "/err/tlong/400/long", &r, &f, &e) == GEN_EAWS);
    dots = strstr(e.msg, "...");
    TMSG(dots && dots[-1] != ' ' && strlen(f.message) <= AWS_MESSAGE_MAX &&
         !strncmp(e.msg, "InvalidParameterValueException: word0 word1 word2", 49), "%s", e.msg);
    T(strstr(e.msg, "(request id req-err-1)") != NULL);
    http_response_free(&r);
    aws_free(a);
}

/* The hidden backoff base scales the SDKs' delays. */
static void test_backoff_base(void)
{
    int ok = 1, i;

    unsetenv("LUAFORM_RETRY_BASE_MS");
    for (i = 0; i < 50; i++)
        ok &= aws_backoff_ms(1) <= 1000 && aws_backoff_ms(6) <= 20000;
    setenv("LUAFORM_RETRY_BASE_MS", "0", 1);
    for (i = 0; i < 50; i++)
        ok &= aws_backoff_ms(1 + i % 8) == 0;
    setenv("LUAFORM_RETRY_BASE_MS", "10", 1);
    for (i = 0; i < 50; i++)
        ok &= aws_backoff_ms(1) <= 10 && aws_backoff_ms(8) <= 200;
    setenv("LUAFORM_RETRY_BASE_MS", "junk", 1);     /* ignored */
    for (i = 0; i < 50; i++)
        ok &= aws_backoff_ms(2) <= 2000;
    T(ok);
    unsetenv("LUAFORM_RETRY_BASE_MS");
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Ctrl-C during the backoff ends the call at once. Last: the flag stays. */
static void test_interrupt(void)
{
    struct http_response r;
    struct aws_fault f;
    struct gen_err e;
    struct aws *a = core_client(20);
    double t0;
    pid_t kid;
    int rc;

    T(a != NULL);
    if (!a)
        return;
    setenv("LUAFORM_RETRY_BASE_MS", "1000", 1);
    interrupt_catch();
    kid = fork();
    if (kid == 0) {
        struct timespec ts = { 0, 300 * 1000000L };

        nanosleep(&ts, NULL);
        kill(getppid(), SIGINT);
        _exit(0);
    }
    http_response_init(&r);
    t0 = now_s();
    rc = core_get(a, "/err/tint/429/json", &r, &f, &e);
    TMSG(now_s() - t0 < 2.0, "took %.1f s", now_s() - t0);
    TMSG(rc < 0 && strstr(e.msg, "interrupted") && f.attempts < 20, "%d %s", f.attempts, e.msg);
    waitpid(kid, NULL, 0);
    http_response_free(&r);
    aws_free(a);
}

int main(void)
{
    test_status();
    test_regions();
    test_endpoints();
    test_bad_endpoints();
    test_attempts();
    test_time_and_encoding();
    test_partitions();
    test_endpoint_table();
    test_service_endpoints();
    test_backoff_base();
    if (start_server() == 0) {
        test_core();
        test_interrupt();       /* last: Ctrl-C stays caught */
    } else {
        T(!"the test server did not start");
    }
    stop_server();
    return t_report();
}
