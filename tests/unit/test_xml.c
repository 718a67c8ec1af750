/* test_xml.c: the XML DOM and AWS error decoding, on bodies captured from
 * moto_server 5.2.1 (tests/unit/xml/). Run from the project root. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "aws/xml.h"

#define DIR "tests/unit/xml/"

/* Read a whole fixture; NULL (and a failed check) when missing. */
static char *slurp(const char *name, size_t *len)
{
    char path[256];
    FILE *f;
    char *p = NULL;
    long n;

    snprintf(path, sizeof path, DIR "%s", name);
    f = fopen(path, "rb");
    TMSG(f != NULL, "cannot open '%s' (run from the project root)", path);
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0) {
        p = malloc((size_t)n + 1);
        if (p && fread(p, 1, (size_t)n, f) == (size_t)n) {
            p[n] = '\0';
            *len = (size_t)n;
        } else {
            free(p);
            p = NULL;
        }
    }
    fclose(f);
    T(p != NULL);
    return p;
}

/* Parse a fixture; NULL on failure. */
static struct xml_doc *load(const char *name)
{
    struct xml_doc *d = NULL;
    struct gen_err e;
    size_t len = 0;
    char *body = slurp(name, &len);

    if (!body)
        return NULL;
    err_clear(&e);
    TMSG(xml_parse(body, len, &d, &e) == 0, "%s: %s", name, e.msg);
    free(body);
    return d;
}

static int parse_str(const char *s, struct xml_doc **d, struct gen_err *e)
{
    err_clear(e);
    return xml_parse(s, strlen(s), d, e);
}

static int streq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static int has(const char *hay, const char *needle)
{
    return hay && strstr(hay, needle) != NULL;
}

/* Decode a fixture as an error answer with the given status. */
static int decode(const char *name, int status, struct xml_aws_error *ae)
{
    size_t len = 0;
    char *body = slurp(name, &len);
    int r;

    if (!body) {
        memset(ae, 0, sizeof *ae);
        return -1;
    }
    r = xml_aws_error(body, len, status, ae);
    free(body);
    return r;
}

static int decode_str(const char *s, int status, struct xml_aws_error *ae)
{
    return xml_aws_error(s, strlen(s), status, ae);
}

/* ---- responses ---- */

static void test_describe_stacks(void)
{
    struct xml_doc *d = load("describe_stacks.xml");
    const struct xml_node *root, *m, *res;

    if (!d)
        return;
    root = xml_root(d);
    T(streq(root->name, "DescribeStacksResponse"));   /* xmlns dropped */
    T(root->parent == NULL);
    T(root->nchildren == 2);
    T(streq(root->text, ""));
    res = xml_find(root, "DescribeStacksResult");
    T(res != NULL);
    T(xml_count(res, "Stacks/member") == 1);
    m = xml_find(root, "DescribeStacksResult/Stacks/member");
    T(m != NULL);
    T(streq(xml_text(m, "StackName"), "xq-stack"));
    T(streq(xml_text(m, "StackStatus"), "CREATE_COMPLETE"));
    T(has(xml_text(m, "StackId"), ":stack/xq-stack/"));
    T(streq(xml_text(m, "CreationTime"), "2026-11-22T20:03:52.702304Z"));
    T(xml_text(m, "StackStatusReason") == NULL);        /* absent */
    T(streq(xml_text(m, "NotificationARNs"), ""));      /* empty element */
    T(xml_find(m, "NotificationARNs")->nchildren == 0);
    T(xml_count(m, "Parameters/member") == 1);
    T(streq(xml_text(m, "Parameters/member/ParameterKey"), "Env"));
    T(streq(xml_text(m, "Parameters/member/ParameterValue"), "prod"));
    T(streq(xml_text(m, "Outputs/member/OutputValue"), "xq-capture-bucket"));
    T(streq(xml_text(m, "Tags/member/Key"), "team"));
    T(xml_next(m) == NULL);
    T(xml_find(m, "Parameters/member")->parent == xml_find(m, "Parameters"));
    T(streq(xml_text(root, "ResponseMetadata/RequestId"),
            "Jgp2YZ4TlBojrDi7cFFy6T0pzS3Y3yFxQZL1CbR4iWRvo4ud4rqb"));
    /* path edge cases */
    T(xml_find(m, NULL) == m);
    T(xml_find(m, "") == m);
    T(xml_find(m, "/StackName") == NULL);
    T(xml_find(m, "StackName/") == NULL);
    T(xml_find(m, "Outputs//OutputKey") == NULL);
    T(xml_find(m, "Stack") == NULL);                    /* no prefix match */
    T(xml_find(NULL, "a") == NULL);
    T(xml_text(NULL, "a") == NULL);
    T(xml_count(NULL, "a") == 0);
    T(xml_next(NULL) == NULL);
    T(xml_root(NULL) == NULL);
    xml_free(d);
}

static void test_describe_stack_events(void)
{
    struct xml_doc *d = load("describe_stack_events.xml");
    const struct xml_node *m;
    const char *want[] = { "CREATE_COMPLETE", "CREATE_IN_PROGRESS" };
    int i = 0;

    if (!d)
        return;
    T(xml_count(xml_root(d), "DescribeStackEventsResult/StackEvents/member")
      == 2);
    for (m = xml_find(xml_root(d), "DescribeStackEventsResult/StackEvents/member");
         m; m = xml_next(m), i++) {
        TMSG(i < 2 && streq(xml_text(m, "ResourceStatus"), want[i]),
             "event %d", i);
        T(streq(xml_text(m, "ResourceType"), "AWS::CloudFormation::Stack"));
        T(streq(xml_text(m, "LogicalResourceId"), "xq-stack"));
        T(xml_text(m, "EventId") && strlen(xml_text(m, "EventId")) == 36);
    }
    T(i == 2);
    m = xml_find(xml_root(d), "DescribeStackEventsResult/StackEvents/member");
    T(xml_text(m, "ResourceStatusReason") == NULL);
    T(streq(xml_text(xml_next(m), "ResourceStatusReason"), "User Initiated"));
    xml_free(d);
}

static void test_change_set(void)
{
    struct xml_doc *d = load("describe_change_set.xml");
    const struct xml_node *r, *c;

    if (d) {
        r = xml_find(xml_root(d), "DescribeChangeSetResult");
        T(streq(xml_text(r, "Status"), "CREATE_COMPLETE"));
        T(streq(xml_text(r, "ExecutionStatus"), "AVAILABLE"));
        T(streq(xml_text(r, "ChangeSetName"), "cs1"));
        T(xml_count(r, "Changes/member") == 2);
        T(xml_count(r, "Changes/member/ResourceChange/LogicalResourceId") == 2);
        c = xml_find(r, "Changes/member");
        T(streq(xml_text(c, "ResourceChange/Action"), "Add"));
        T(streq(xml_text(c, "ResourceChange/ResourceType"),
                "AWS::SQS::Queue"));
        c = xml_next(c);
        T(streq(xml_text(c, "ResourceChange/Action"), "Modify"));
        T(streq(xml_text(c, "ResourceChange/LogicalResourceId"), "Topic"));
        T(xml_next(c) == NULL);
        T(xml_find(r, "Parameters")->child == NULL);
        xml_free(d);
    }
    d = load("create_change_set.xml");
    if (d) {
        T(has(xml_text(xml_root(d), "CreateChangeSetResult/Id"),
              ":changeSet/cs1/"));
        T(has(xml_text(xml_root(d), "CreateChangeSetResult/StackId"),
              ":stack/xq-stack/"));
        xml_free(d);
    }
    d = load("create_stack.xml");
    if (d) {
        T(has(xml_text(xml_root(d), "CreateStackResult/StackId"),
              "arn:aws:cloudformation:us-east-1:123456789012:stack/xq-stack/"));
        xml_free(d);
    }
}

/* ---- the DOM on hand-written documents ---- */

static void test_text_rules(void)
{
    struct xml_doc *d = NULL;
    struct gen_err e;
    const struct xml_node *r;

    /* leaf text verbatim; entities and CDATA decoded */
    T(parse_str("<a><b>  two  words \n</b><c>x &amp; &lt;y&gt; &#233;"
                "<![CDATA[<z>]]></c></a>", &d, &e) == 0);
    if (d) {
        r = xml_root(d);
        T(streq(xml_text(r, "b"), "  two  words \n"));
        T(xml_find(r, "b")->text_len == 14);
        T(streq(xml_text(r, "c"), "x & <y> \xC3\xA9<z>"));
        xml_free(d);
        d = NULL;
    }
    /* mixed content: concatenated, trimmed because it has children */
    T(parse_str("<a>\n  hi <b>1</b> there\n  <b>2</b>\n</a>", &d, &e) == 0);
    if (d) {
        r = xml_root(d);
        T(streq(r->text, "hi  there"));
        T(r->text_len == 9);
        T(xml_count(r, "b") == 2);
        T(streq(xml_next(xml_find(r, "b"))->text, "2"));
        xml_free(d);
        d = NULL;
    }
    /* prefixes dropped, even unbound ones; attributes ignored */
    T(parse_str("<?xml version=\"1.0\"?><aws:R xmlns:aws=\"urn:x\" a=\"1\">"
                "<aws:S><x:T>v</x:T></aws:S><!-- c --></aws:R>", &d, &e) == 0);
    if (d) {
        T(streq(xml_root(d)->name, "R"));
        T(streq(xml_text(xml_root(d), "S/T"), "v"));
        xml_free(d);
        d = NULL;
    }
    /* backtracking: the first <s> lacks <t>, the second has it */
    T(parse_str("<r><s><u/></s><s><t>2</t></s><s><t>3</t></s></r>", &d, &e)
      == 0);
    if (d) {
        T(streq(xml_text(xml_root(d), "s/t"), "2"));
        T(xml_count(xml_root(d), "s") == 3);
        T(xml_count(xml_root(d), "s/t") == 2);
        xml_free(d);
        d = NULL;
    }
    xml_free(NULL);
}

static void test_refused(void)
{
    struct xml_doc *d = NULL;
    struct gen_err e;
    char *deep;
    size_t i, n;

    /* malformed */
    T(parse_str("<a><b></a>", &d, &e) == GEN_EAWS && d == NULL);
    T(has(e.msg, "mismatched tag"));
    T(has(e.msg, "line 1"));
    T(parse_str("<a>", &d, &e) == GEN_EAWS);
    T(parse_str("<a/><b/>", &d, &e) == GEN_EAWS);
    T(parse_str("", &d, &e) == GEN_EAWS && d == NULL);
    T(xml_parse(NULL, 0, &d, &e) == GEN_EAWS && d == NULL);
    T(parse_str("just text", &d, &e) == GEN_EAWS);
    T(parse_str("<a>&undefined;</a>", &d, &e) == GEN_EAWS);
    /* billion laughs: the DOCTYPE itself is refused */
    T(parse_str("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n"
                " <!ENTITY lol \"lol\">\n"
                " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
                " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
                "]>\n<lolz>&lol2;</lolz>", &d, &e) == GEN_EAWS && d == NULL);
    T(has(e.msg, "DOCTYPE is not allowed"));
    /* XXE */
    T(parse_str("<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                "<r>&x;</r>", &d, &e) == GEN_EAWS && d == NULL);
    T(has(e.msg, "DOCTYPE"));
    T(parse_str("<!DOCTYPE r SYSTEM \"http://127.0.0.1:1/x.dtd\"><r/>", &d, &e)
      == GEN_EAWS && d == NULL);

    /* depth: XML_DOC_MAX_DEPTH levels parse, one more does not */
    n = XML_DOC_MAX_DEPTH + 1;
    deep = malloc(n * 7 + 1);
    if (deep) {
        size_t k;

        for (k = XML_DOC_MAX_DEPTH; k <= n; k++) {
            char *p = deep;

            for (i = 0; i < k; i++)
                p += sprintf(p, "<a>");
            for (i = 0; i < k; i++)
                p += sprintf(p, "</a>");
            d = NULL;
            if (k == XML_DOC_MAX_DEPTH) {
                T(parse_str(deep, &d, &e) == 0);
                T(xml_count(xml_root(d), "a/a/a/a/a/a/a/a/a/a") == 1);
                xml_free(d);
            } else {
                T(parse_str(deep, &d, &e) == GEN_EAWS && d == NULL);
                T(has(e.msg, "nested too deeply"));
            }
        }
        free(deep);
    }
    /* a very deep document (100000 levels, unclosed) fails fast */
    n = 100000;
    deep = malloc(n * 3 + 1);
    if (deep) {
        for (i = 0; i < n; i++)
            memcpy(deep + i * 3, "<a>", 3);
        deep[n * 3] = '\0';
        T(parse_str(deep, &d, &e) == GEN_EAWS);
        free(deep);
    }
    /* size cap, checked before parsing */
    T(xml_parse("<a/>", (size_t)XML_DOC_MAX_INPUT + 1, &d, &e) == GEN_EAWS);
    T(has(e.msg, "too large"));
}

/* ---- AWS errors ---- */

static void test_errors_captured(void)
{
    struct xml_aws_error ae;

    T(decode("validation_error.xml", 400, &ae) == 1);
    T(streq(ae.code, "ValidationError"));
    T(streq(ae.message, "Stack with id no-such-stack does not exist"));
    T(streq(ae.type, "Sender"));
    T(streq(ae.request_id,
            "KF55IkCQRO51gnkagA5uIcGnLPqnLYJPI1e3vgTYe9HWaApIRqxu"));
    T(ae.http_status == 400);

    T(decode("auth_403.xml", 403, &ae) == 1);
    T(streq(ae.code, "InvalidClientTokenId"));
    T(streq(ae.message,
            "The security token included in the request is invalid."));
    T(streq(ae.type, "Sender"));
    T(streq(ae.request_id, ""));

    T(decode("auth_403_signature.xml", 403, &ae) == 1);
    T(streq(ae.code, "SignatureDoesNotMatch"));
    T(has(ae.message, "Check your AWS Secret Access Key"));

    T(decode("ec2_error.xml", 400, &ae) == 1);
    T(streq(ae.code, "InvalidInstanceID.NotFound"));
    T(streq(ae.message, "The instance ID 'i-0123456789abcdef0' does not exist"));
    T(streq(ae.request_id, "request-id"));
    T(streq(ae.type, "Sender"));                     /* from the status */

    T(decode("s3_error.xml", 404, &ae) == 1);
    T(streq(ae.code, "NoSuchBucket"));
    T(streq(ae.message, "The specified bucket does not exist"));
    T(streq(ae.request_id,
            "hgvXLf4IeSoWQ32jUjzQHcxg5iZiaDZlXC9TzCHJkupjiHqhO0qs"));

    T(decode("html_500.html", 500, &ae) == 0);
    T(streq(ae.code, "HttpError"));
    TMSG(streq(ae.message, "HTTP 500 with a non-XML body "
                           "(html page \"500 Internal Server Error\")"),
         "got '%s'", ae.message);
    T(streq(ae.type, "Receiver"));
    T(streq(ae.request_id, ""));

    /* a success body is not an error document */
    T(decode("describe_stacks.xml", 400, &ae) == 0);
    T(streq(ae.code, "HttpError"));
    T(has(ae.message, "unrecognised XML body (root element "
                      "<DescribeStacksResponse>)"));
}

static void test_errors_synthetic(void)
{
    struct xml_aws_error ae;
    char big[4096];
    size_t i;

    /* the Response/Errors shape, bare Errors, and Throttling */
    T(decode_str("<Response><Errors><Error><Code>Throttling</Code>"
                 "<Message>Rate exceeded</Message></Error></Errors>"
                 "<RequestID>r-1</RequestID></Response>", 400, &ae) == 1);
    T(streq(ae.code, "Throttling") && streq(ae.message, "Rate exceeded"));
    T(streq(ae.request_id, "r-1"));
    T(decode_str("<Errors><Error><Code>X</Code><Message>m</Message>"
                 "<Type>Receiver</Type></Error></Errors>", 400, &ae) == 1);
    T(streq(ae.code, "X") && streq(ae.type, "Receiver"));
    /* namespaced ErrorResponse with ResponseMetadata */
    T(decode_str("<?xml version=\"1.0\"?>\n<ErrorResponse xmlns=\"urn:x\">"
                 "<Error><Type>Receiver</Type><Code>InternalFailure</Code>"
                 "<Message>boom</Message></Error><ResponseMetadata>"
                 "<RequestId>q</RequestId></ResponseMetadata></ErrorResponse>",
                 503, &ae) == 1);
    T(streq(ae.code, "InternalFailure") && streq(ae.request_id, "q"));
    /* error without code or message */
    T(decode_str("<ErrorResponse><Error/></ErrorResponse>", 400, &ae) == 1);
    T(streq(ae.code, "HttpError"));
    T(has(ae.message, "HTTP 400"));

    /* empty, blank, NULL */
    T(decode_str("", 502, &ae) == 0);
    T(streq(ae.code, "HttpError"));
    T(streq(ae.message, "HTTP 502 with an empty body"));
    T(streq(ae.type, "Receiver"));
    T(decode_str(" \r\n\t", 503, &ae) == 0);
    T(streq(ae.message, "HTTP 503 with an empty body"));
    T(xml_aws_error(NULL, 0, 500, &ae) == 0);
    T(streq(ae.message, "HTTP 500 with an empty body"));
    T(xml_aws_error(NULL, 5, 500, &ae) == 0);

    /* malformed XML */
    T(decode_str("<ErrorResponse><Error><Code>X</Code></Error>", 400, &ae)
      == 0);
    T(streq(ae.code, "HttpError"));
    T(has(ae.message, "HTTP 400 with an unreadable XML body (malformed XML"));
    /* a DOCTYPE in an error body is refused too */
    T(decode_str("<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                 "<Error><Code>&x;</Code></Error>", 400, &ae) == 0);
    T(has(ae.message, "DOCTYPE is not allowed"));
    T(!has(ae.message, "passwd"));

    /* HTML: no title, title with markup noise, XHTML, BOM, upper case */
    T(decode_str("<html><body>oops</body></html>", 500, &ae) == 0);
    T(streq(ae.message, "HTTP 500 with a non-XML body (html page)"));
    T(decode_str("\xEF\xBB\xBF  <!DOCTYPE HTML><HTML><HEAD><TITLE>\n  Bad\t"
                 "\"Gateway\"\x1b[31m </TITLE>", 502, &ae) == 0);
    TMSG(streq(ae.message, "HTTP 502 with a non-XML body "
                           "(html page \"Bad 'Gateway'?[31m\")"),
         "got '%s'", ae.message);
    T(decode_str("<?xml version=\"1.0\"?><html><head><title>T</title></head>"
                 "</html>", 500, &ae) == 0);
    T(streq(ae.message, "HTTP 500 with a non-XML body (html page \"T\")"));
    /* a huge page: a bounded message, title cut */
    memset(big, 'x', sizeof big);
    memcpy(big, "<html><title>", 13);
    big[sizeof big - 1] = '\0';
    T(decode_str(big, 500, &ae) == 0);
    T(strlen(ae.message) < 120);
    T(has(ae.message, "xxx...\")"));

    /* not XML at all: a short quoted excerpt */
    T(decode_str("{\"__type\":\"Throttling\",\"message\":\"Rate exceeded but "
                 "this is a long JSON body that must be cut\"}", 400, &ae)
      == 0);
    TMSG(streq(ae.message, "HTTP 400 with a non-XML body "
                           "(\"{'__type':'Throttling','message':'Rate e...\")"),
         "got '%s'", ae.message);

    /* long values are cut, at a UTF-8 boundary, control chars removed */
    {
        const char *head = "<Error><Code>C\t\x7f</Code><Message>";
        const char *tail = "\xC3\xA9\xC3\xA9\xC3\xA9</Message></Error>";
        size_t h = strlen(head), t = strlen(tail);

        memcpy(big, head, h);
        size_t m = sizeof ae.message - 3;

        for (i = h; i < h + m; i++)
            big[i] = 'm';
        memcpy(big + h + m, tail, t);
        T(xml_aws_error(big, h + m + t, 400, &ae) == 1);
        T(streq(ae.code, "C  "));
        T(strlen(ae.message) == m + 2);               /* the m's + one e-acute */
        T(memcmp(ae.message + m, "\xC3\xA9", 2) == 0);
    }
}

/* xml_describe of a NUL-terminated body. */
static const char *describe(const char *body)
{
    static char d[256];

    xml_describe(body, strlen(body), d, sizeof d);
    return d;
}

/* A 2xx that is not the answer: described for "unexpected answer (...)". */
static void test_describe(void)
{
    const char *d;
    char small[5];

    d = describe("<html><head><title>Sign in\n to\x1b[31m Wi-Fi</title></head>"
                 "<body><p>Please sign in</p></body></html>");
    TMSG(streq(d, "a non-XML body (html page \"Sign in to?[31m Wi-Fi\")"), "%s", d);
    d = describe("<!DOCTYPE html><html><head><title>Hotel</title></head></html>");
    TMSG(streq(d, "a non-XML body (html page \"Hotel\")"), "%s", d);
    d = describe("");
    TMSG(streq(d, "an empty body"), "%s", d);
    d = describe("  \r\n");
    TMSG(streq(d, "an empty body"), "%s", d);
    d = describe("{\"ok\": true}");
    TMSG(streq(d, "a non-XML body (\"{'ok': true}\")"), "%s", d);
    d = describe("<a><b></a>");
    TMSG(!strncmp(d, "an unreadable XML body (", 24), "%s", d);
    d = describe("<Other\x1bResponse/>");
    TMSG(!strchr(d, '\x1b'), "%s", d);
    d = describe("<x:DescribeStacksResponse xmlns:x=\"u\"/>");
    TMSG(streq(d, "root element <DescribeStacksResponse>"), "%s", d);
    d = describe("<?xml version=\"1.0\"?><HTML/>");
    TMSG(streq(d, "root element <HTML>"), "%s", d);
    xml_describe(NULL, 0, small, sizeof small);
    T(streq(small, "an e"));
}

int main(void)
{
    test_describe();
    test_describe_stacks();
    test_describe_stack_events();
    test_change_set();
    test_text_rules();
    test_refused();
    test_errors_captured();
    test_errors_synthetic();
    return t_report();
}
