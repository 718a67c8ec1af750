/* test_redact.c: secrets out of header values and URLs. */
#include "aws/redact.h"
#include "test.h"

#include <stdio.h>
#include <string.h>

static int redacts_to(const char *name, const char *value, const char *want)
{
    struct buf b;
    int ok;

    buf_init(&b);
    redact_header(&b, name, value);
    ok = !strcmp(buf_cstr(&b), want);
    if (!ok)
        fprintf(stderr, "  got: %s\n", buf_cstr(&b));
    buf_free(&b);
    return ok;
}

static int url_redacts_to(const char *url, const char *want)
{
    struct buf b;
    int ok;

    buf_init(&b);
    redact_url(&b, url);
    ok = !strcmp(buf_cstr(&b), want);
    if (!ok)
        fprintf(stderr, "  got: %s\n", buf_cstr(&b));
    buf_free(&b);
    return ok;
}

static void test_redact(void)
{
    T(redacts_to("Authorization",
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240101/us-east-1/"
        "cloudformation/aws4_request, SignedHeaders=host;x-amz-date, "
        "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
        "Authorization: AWS4-HMAC-SHA256 Credential=AKIA****MPLE/20240101/"
        "us-east-1/cloudformation/aws4_request, SignedHeaders=host;x-amz-date, "
        "Signature=<redacted>"));
    T(redacts_to("authorization",
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/x,SignedHeaders=host,"
        "Signature=abc,Extra=secretstuff",
        "authorization: AWS4-HMAC-SHA256 Credential=AKIA****MPLE/x, "
        "SignedHeaders=host, Signature=<redacted>, Extra=<redacted>"));
    T(redacts_to("Authorization", "AWS4-HMAC-SHA256 Credential=SHORT/x, Signature=s",
                 "Authorization: AWS4-HMAC-SHA256 Credential=****/x, "
                 "Signature=<redacted>"));
    T(redacts_to("Authorization", "Bearer abc.def.ghi",
                 "Authorization: <redacted>"));
    T(redacts_to("Authorization", "AWS4-HMAC-SHA256",
                 "Authorization: <redacted>"));
    T(redacts_to("Proxy-Authorization", "Basic dXNlcjpwYXNz",
                 "Proxy-Authorization: <redacted>"));
    T(redacts_to("X-Amz-Security-Token", "FwoGZXIvYXdzEBYaDEXAMPLETOKEN",
                 "X-Amz-Security-Token: <redacted>"));
    T(redacts_to("x-my-secret-thing", "hunter2", "x-my-secret-thing: <redacted>"));
    T(redacts_to("Cookie", "a=b", "Cookie: <redacted>"));
    T(redacts_to("set-cookie", "a=b", "set-cookie: <redacted>"));
    T(redacts_to("X-Aws-Ec2-Metadata-Token-Ttl-Seconds", "21600",
                 "X-Aws-Ec2-Metadata-Token-Ttl-Seconds: <redacted>"));
    T(redacts_to("X-Amz-Date", "20240101T000000Z",
                 "X-Amz-Date: 20240101T000000Z"));
    T(redacts_to("Content-Type", "application/x-www-form-urlencoded",
                 "Content-Type: application/x-www-form-urlencoded"));
    T(redact_header_is_secret("X-AMZ-SECURITY-TOKEN"));
    T(!redact_header_is_secret("x-amzn-requestid"));
    T(!redact_header_is_secret(NULL));

    T(url_redacts_to(
        "https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20240101%2Fus-east-1%2Fs3"
        "&X-Amz-Date=20240101T000000Z&X-Amz-Expires=900"
        "&X-Amz-Security-Token=FQoGZXIvYXdz&X-Amz-SignedHeaders=host"
        "&X-Amz-Signature=deadbeefcafe#frag",
        "https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=<redacted>&X-Amz-Date=20240101T000000Z"
        "&X-Amz-Expires=900&X-Amz-Security-Token=<redacted>"
        "&X-Amz-SignedHeaders=host&X-Amz-Signature=<redacted>#frag"));
    T(url_redacts_to("http://127.0.0.1:1/?x-amz-signature=abc&a=b&flag",
                     "http://127.0.0.1:1/?x-amz-signature=<redacted>&a=b&flag"));
    T(url_redacts_to("http://user:pa55@proxy.example:8080/p?q=1",
                     "http://<redacted>@proxy.example:8080/p?q=1"));
    T(url_redacts_to("https://cloudformation.us-east-1.amazonaws.com/",
                     "https://cloudformation.us-east-1.amazonaws.com/"));
    T(url_redacts_to("https://h/?Action=DescribeStacks&Version=2010-05-15",
                     "https://h/?Action=DescribeStacks&Version=2010-05-15"));
    T(url_redacts_to("https://h/?", "https://h/?"));
    T(url_redacts_to("", ""));
    /* userinfo without a scheme (a malformed endpoint quoted in an error) */
    T(url_redacts_to("user:pa55@127.0.0.1:5000/p",
                     "<redacted>@127.0.0.1:5000/p"));
    T(url_redacts_to("127.0.0.1:5000/p@q", "127.0.0.1:5000/p@q"));
    T(url_redacts_to("/p?next=http://a:b@c", "/p?next=http://a:b@c"));
}

int main(void)
{
    test_redact();
    return t_report();
}
