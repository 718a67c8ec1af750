/* test_fault.c: AWS error answers decoded to code and message, JSON and
 * XML, and messages bounded whole words at a time, on one line. */
#include "aws/fault.h"
#include "aws/http.h"
#include "aws/retry.h"
#include "core/buf.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A response with status, one optional header and body. */
static void answer(struct http_response *r, long status, const char *hname, const char *hvalue,
                   const char *body)
{
    static char name[64], value[256];
    static struct http_rheader h;

    r->headers = NULL;      /* borrowed: never freed */
    r->nheaders = 0;
    http_response_free(r);
    r->status = status;
    if (hname) {
        snprintf(name, sizeof name, "%s", hname);
        snprintf(value, sizeof value, "%s", hvalue);
        h.name = name;
        h.value = value;
        r->headers = &h;
        r->nheaders = 1;
    }
    buf_adds(&r->body, body);
}

/* Forget the borrowed header before freeing. */
static void done(struct http_response *r)
{
    r->headers = NULL;
    r->nheaders = 0;
    http_response_free(r);
}

static int eq(const char *a, const char *b)
{
    return a && b && !strcmp(a, b);
}

static void test_json(void)
{
    struct http_response r;
    struct aws_fault f;

    http_response_init(&r);
    /* Lambda: the code in the header, a namespace and a suffix dropped */
    answer(&r, 404, "x-amzn-errortype",
           "ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.lambda/",
           "{\"Type\":\"User\",\"Message\":\"Function not found: arn:aws:lambda:us-east-1:"
           "123456789012:function:nope\"}");
    fault_decode(&r, &f);
    TMSG(eq(f.code, "ResourceNotFoundException"), "%s", f.code);
    T(eq(f.message, "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope"));
    T(f.http_status == 404);
    /* JSON protocol: "__type" with a namespace, "message" */
    answer(&r, 400, NULL, NULL, "{\"__type\": \"com.amazonaws.lambda#InvalidParameterValueException\", "
           "\"message\": \"1 validation error detected: Value 'x y' at 'functionName' failed "
           "to satisfy constraint\"}");
    fault_decode(&r, &f);
    TMSG(eq(f.code, "InvalidParameterValueException"), "%s", f.code);
    T(eq(f.message, "1 validation error detected: Value 'x y' at 'functionName' failed to "
         "satisfy constraint"));
    /* "code", and a message with control characters on one line */
    answer(&r, 400, NULL, NULL, "{\"code\": \"BadThing\", \"Message\": \"line 1\\nline 2\\u001b[31m\"}");
    fault_decode(&r, &f);
    T(eq(f.code, "BadThing"));
    TMSG(eq(f.message, "line 1\\nline 2\\x1b[31m"), "%s", f.message);
    /* a code, no message */
    answer(&r, 409, "x-amzn-errortype", "ResourceConflictException", "{}");
    fault_decode(&r, &f);
    T(eq(f.code, "ResourceConflictException"));
    T(eq(f.message, "HTTP 409 with an error without a message"));
    /* a service moved from Query to JSON: x-amzn-query-error wins */
    answer(&r, 400, "x-amzn-query-error", "AWS.SimpleQueueService.NonExistentQueue;Sender",
           "{\"__type\":\"com.amazonaws.sqs#QueueDoesNotExist\",\"message\":\"gone\"}");
    fault_decode(&r, &f);
    TMSG(eq(f.code, "AWS.SimpleQueueService.NonExistentQueue"), "%s", f.code);
    /* JSON without any code: described, never mistaken for an error code */
    answer(&r, 400, NULL, NULL, "{\"foo\": 1}");
    fault_decode(&r, &f);
    T(eq(f.code, "HttpError"));
    T(strstr(f.message, "HTTP 400 with a non-XML body") != NULL);
    /* a header that is not ASCII: a printable code all the same */
    answer(&r, 400, "x-amzn-errortype", "Bad\x89\x01" "Code", "{}");
    fault_decode(&r, &f);
    TMSG(eq(f.code, "Bad??Code"), "%s", f.code);
    /* not JSON at all, with the header: the header's code */
    answer(&r, 502, "x-amzn-errortype", "InternalFailure", "<html><title>Bad</title></html>");
    fault_decode(&r, &f);
    T(eq(f.code, "InternalFailure"));
    done(&r);
}

static void test_xml_and_empty(void)
{
    struct http_response r;
    struct aws_fault f;

    http_response_init(&r);
    answer(&r, 404, "x-amz-request-id", "S3REQ",
           "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>"
           "<Key>nope</Key></Error>");
    fault_decode(&r, &f);
    T(eq(f.code, "NoSuchKey") && eq(f.message, "The specified key does not exist."));
    T(eq(f.request_id, "S3REQ"));
    answer(&r, 400, NULL, NULL, "<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError"
           "</Code><Message>Stack with id x does not exist</Message></Error><RequestId>R1"
           "</RequestId></ErrorResponse>");
    fault_decode(&r, &f);
    T(eq(f.code, "ValidationError") && eq(f.request_id, "R1"));
    /* the canonical request AWS quotes (with the session token) is dropped */
    answer(&r, 403, NULL, NULL, "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>"
           "The request signature we calculated does not match. The Canonical String for "
           "this request should have been 'x-amz-security-token:SEKRET'</Message></Error>"
           "</ErrorResponse>");
    fault_decode(&r, &f);
    T(eq(f.code, "SignatureDoesNotMatch") && !strstr(f.message, "SEKRET"));
    T(eq(f.message, "The request signature we calculated does not match."));
    answer(&r, 403, NULL, NULL, "<Error><Code>SignatureDoesNotMatch</Code><Message>The Canonical "
           "String for this request should have been 'SEKRET'</Message></Error>");
    fault_decode(&r, &f);
    T(eq(f.message, "HTTP 403 with an error without a message"));
    /* a HEAD's error has no body: a code by the status */
    answer(&r, 404, NULL, NULL, "");
    fault_decode(&r, &f);
    T(eq(f.code, "NotFound") && eq(f.message, "HTTP 404 with an empty body"));
    answer(&r, 412, NULL, NULL, "");
    fault_decode(&r, &f);
    T(eq(f.code, "PreconditionFailed"));
    answer(&r, 418, NULL, NULL, "");
    fault_decode(&r, &f);
    T(eq(f.code, "HttpError"));
    done(&r);
}

/* The case: a JSON error of a Query-shaped call used to read
 * HTTP 400 with a non-XML body ("{'__type': 'InvalidParameterValueExcepti...") */
static void test_long_messages(void)
{
    struct http_response r;
    struct aws_fault f;
    struct buf body, msg;
    char out[64], line[2048];
    size_t n;
    int i;

    http_response_init(&r);
    buf_init(&body);
    buf_init(&msg);
    for (i = 0; msg.len < 3000; i++)
        buf_printf(&msg, "%sword%d", i ? " " : "", i);
    buf_printf(&body, "{\"__type\":\"InvalidParameterValueException\",\"message\":\"%s\"}",
               buf_cstr(&msg));
    answer(&r, 400, NULL, NULL, buf_cstr(&body));
    fault_decode(&r, &f);
    n = strlen(f.message);
    T(eq(f.code, "InvalidParameterValueException"));
    TMSG(n <= AWS_MESSAGE_MAX && n > AWS_MESSAGE_MAX - 20, "%zu", n);
    T(!strcmp(f.message + n - 3, "..."));
    /* cut at a word boundary: what is kept is a prefix ending a word */
    T(!strncmp(buf_cstr(&msg), f.message, n - 3) && msg.data[n - 3] == ' ');
    fault_describe(&f, line, sizeof line);
    T(!strncmp(line, "InvalidParameterValueException: word0 word1 ", 44));
    /* a message of exactly the limit is kept whole */
    buf_reset(&msg);
    while (msg.len < AWS_MESSAGE_MAX)
        buf_addc(&msg, msg.len % 7 == 6 ? ' ' : 'x');
    fault_bound(f.message, sizeof f.message, buf_cstr(&msg), AWS_MESSAGE_MAX);
    T(strlen(f.message) == AWS_MESSAGE_MAX && !strcmp(f.message, buf_cstr(&msg)));
    /* one word longer than the room: cut at a UTF-8 boundary */
    fault_bound(out, sizeof out, "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"
                "\xC3\xA9\xC3\xA9\xC3\xA9", 12);
    TMSG(!strcmp(out, "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9..."), "%s", out);
    /* escaped to one line before it is bounded */
    fault_bound(out, sizeof out, "a\nb\tc", 40);
    T(!strcmp(out, "a\\nb\\tc"));
    fault_bound(out, sizeof out, "alpha beta, gamma delta", 17);
    TMSG(!strcmp(out, "alpha beta..."), "%s", out);
    buf_free(&body);
    buf_free(&msg);
    done(&r);
}

static void test_throttling(void)
{
    T(retry_retryable(HTTP_OK, 429, NULL));
    T(retry_retryable(HTTP_OK, 429, "SomethingNew"));
    T(retry_throttled(429, NULL));
    T(retry_throttled(400, "Throttling") && retry_throttled(400, "TooManyRequestsException"));
    T(!retry_throttled(400, "ValidationError") && !retry_throttled(503, NULL));
}

int main(void)
{
    test_json();
    test_xml_and_empty();
    test_long_messages();
    test_throttling();
    return t_report();
}
