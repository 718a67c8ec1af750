/* test_http.c: the HTTP transport against a Python server on 127.0.0.1,
 * and endpoint URL parsing. Nothing leaves loopback. The retry policy is
 * tested in test_retry.c, redaction in test_redact.c. */
#include "aws/http.h"
#include "server.h"
#include "test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- helpers ---- */

static char *url_for(char *out, size_t n, const char *path)
{
    snprintf(out, n, "http://127.0.0.1:%d%s", port, path);
    return out;
}

static int get(struct http_client *c, const char *path,
               struct http_response *r, struct gen_err *e)
{
    char url[256];
    struct http_request q = { "GET", url, NULL, 0, NULL, 0, 0, 0 };

    url_for(url, sizeof url, path);
    return http_send(c, &q, r, e);
}

static int body_has(const struct http_response *r, const char *s)
{
    return r->body.data && strstr(r->body.data, s) != NULL;
}

static int client_port(const struct http_response *r)
{
    const char *p = r->body.data ? strstr(r->body.data, "\nport=") : NULL;

    return p ? atoi(p + 6) : -1;
}

static void collect(void *ctx, const char *line)
{
    struct buf *b = ctx;

    buf_adds(b, line);
    buf_addc(b, '\n');
}

static void test_error_name(void)
{
    T(!strcmp(http_error_name(HTTP_ERESET), "reset"));
    T(!strcmp(http_error_name(HTTP_OK), "ok"));
}

/* ---- against the server ---- */

static void test_get_post(struct http_client *c)
{
    struct http_header hs[] = {
        { "X-Test", "hello world" }, { "X-Empty", "" },
        { "Content-Type", "application/x-www-form-urlencoded; charset=utf-8" },
    };
    static const char body[] = "Action=Describe\0Stacks&x=1";
    char url[256];
    struct http_request q = { "GET", url, hs, 2, NULL, 0, 0, 0 };
    struct http_response r;
    struct gen_err e;
    int rc;

    http_response_init(&r);
    err_clear(&e);
    url_for(url, sizeof url, "/echo?a=1&b=2");
    rc = http_send(c, &q, &r, &e);
    TMSG(rc == 0, "%s", e.msg);
    T(r.error == HTTP_OK);
    T(r.status == 200);
    T(body_has(&r, "method=GET\n"));
    T(body_has(&r, "path=/echo?a=1&b=2\n"));
    T(body_has(&r, "h:x-test=hello world\n"));
    T(body_has(&r, "h:x-empty=\n"));
    T(body_has(&r, "h:user-agent=luaform/0.1.0\n"));
    T(!body_has(&r, "h:expect"));
    T(body_has(&r, "bodylen=0\n"));
    T(r.elapsed_ms >= 0 && r.elapsed_ms < 2000);
    {
        const char *v;

        v = http_response_header(&r, "x-amzn-requestid");
        T(v && !strcmp(v, "req-123"));
        v = http_response_header(&r, "X-AMZ-REQUEST-ID");
        T(v && !strcmp(v, "s3-456"));
        v = http_response_header(&r, "content-type");
        T(v && !strcmp(v, "text/plain"));
        v = http_response_header(&r, "retry-after");
        T(v && !strcmp(v, "7"));
        v = http_response_header(&r, "date");
        T(v && strstr(v, "GMT"));
        v = http_response_header(&r, "x-folded");
        T(v && !strcmp(v, "spaced"));
        T(http_response_header(&r, "x-missing") == NULL);
        T(r.nheaders >= 7 && !strcmp(r.headers[0].name, "server"));
    }

    q.method = "POST";
    q.headers = hs;
    q.nheaders = 3;
    q.body = body;
    q.body_len = sizeof body - 1;
    url_for(url, sizeof url, "/echo");
    rc = http_send(c, &q, &r, &e);     /* r is reused: emptied first */
    TMSG(rc == 0, "%s", e.msg);
    T(r.status == 200);
    T(body_has(&r, "method=POST\n"));
    T(body_has(&r, "h:content-type=application/x-www-form-urlencoded; charset=utf-8\n"));
    T(body_has(&r, "h:content-length=26\n"));
    T(body_has(&r, "bodylen=26\n"));
    T(r.body.len > 26 && !memcmp(r.body.data + r.body.len - 26, body, 26));

    /* a bigger body, which curl would send with Expect: 100-continue */
    {
        size_t n = 3 * 1024 * 1024;
        char *big = malloc(n);

        memset(big, 'z', n);
        q.body = big;
        q.body_len = n;
        rc = http_send(c, &q, &r, &e);
        TMSG(rc == 0, "%s", e.msg);
        T(body_has(&r, "bodylen=3145728\n"));
        /* no 1 s wait for a 100 Continue: none is asked for (a bound on
         * elapsed_ms would flake on a loaded machine) */
        T(!body_has(&r, "h:expect="));
        free(big);
    }

    /* PUT with a body, DELETE and HEAD without */
    q.method = "PUT";
    q.body = "abc";
    q.body_len = 3;
    rc = http_send(c, &q, &r, &e);
    T(rc == 0 && body_has(&r, "method=PUT\n") && body_has(&r, "bodylen=3\n"));
    q.method = "DELETE";
    q.body = NULL;
    q.body_len = 0;
    rc = http_send(c, &q, &r, &e);
    T(rc == 0 && body_has(&r, "method=DELETE\n"));
    q.method = "HEAD";
    rc = http_send(c, &q, &r, &e);
    T(rc == 0 && r.status == 200 && r.body.len == 0);
    T(http_response_header(&r, "content-length") != NULL);
    q.method = "GET";
    q.nheaders = 0;
    rc = http_send(c, &q, &r, &e);
    T(rc == 0 && body_has(&r, "method=GET\n") && body_has(&r, "bodylen=0\n"));

    http_response_free(&r);
}

static void test_status_and_redirect(struct http_client *c)
{
    struct http_response r;
    struct gen_err e;

    http_response_init(&r);
    T(get(c, "/status/503", &r, &e) == 0);
    T(r.error == HTTP_OK && r.status == 503);
    T(body_has(&r, "<Code>Throttling</Code>"));
    T(get(c, "/status/400", &r, &e) == 0 && r.status == 400);
    T(get(c, "/redirect", &r, &e) == 0);
    T(r.status == 302);
    T(http_response_header(&r, "location")
      && !strcmp(http_response_header(&r, "location"), "/echo"));
    T(!body_has(&r, "method="));
    http_response_free(&r);
}

static void test_reuse(struct http_client *c)
{
    struct http_response r;
    struct gen_err e;
    struct http_client *c2;
    int p1, p2, p3;

    http_response_init(&r);
    T(get(c, "/echo", &r, &e) == 0);
    p1 = client_port(&r);
    T(get(c, "/echo", &r, &e) == 0);
    p2 = client_port(&r);
    TMSG(p1 > 0 && p1 == p2, "ports %d %d", p1, p2);
    c2 = http_client_new(NULL, NULL, &e);
    T(c2 != NULL);
    T(get(c2, "/echo", &r, &e) == 0);
    p3 = client_port(&r);
    TMSG(p3 > 0 && p3 != p1, "ports %d %d", p1, p3);
    http_client_free(c2);
    http_response_free(&r);
}

/* How many requests /once/<key> saw. */
static int hits(struct http_client *c, const char *key)
{
    struct http_response r;
    struct gen_err e;
    char path[64];
    int n = -1;

    snprintf(path, sizeof path, "/hits/%s", key);
    http_response_init(&r);
    if (get(c, path, &r, &e) == 0 && r.status == 200 && r.body.data)
        n = atoi(r.body.data);
    http_response_free(&r);
    return n;
}

/* A reused connection reset after the server ran the request, before any
 * response byte: libcurl sends it again by itself unless it is fresh. */
static void test_fresh(void)
{
    struct http_client *c = http_client_new(NULL, NULL, NULL);
    struct http_response r;
    struct gen_err e;
    char url[256];
    struct http_request q = { "POST", url, NULL, 0, "x=1", 3, 0, 0 };
    int rc;

    T(c != NULL);
    if (!c)
        return;
    http_response_init(&r);
    /* what fresh is for: a reused connection is resent on silently */
    T(get(c, "/echo", &r, &e) == 0);        /* a connection to reuse */
    url_for(url, sizeof url, "/once/plain");
    rc = http_send(c, &q, &r, &e);
    TMSG(rc == GEN_ENET && r.error == HTTP_ERESET, "%d %d %s", rc, r.error, e.msg);
    TMSG(hits(c, "plain") == 2, "libcurl's own resend: %d requests", hits(c, "plain"));
    /* fresh: exactly one request, and the failure is a reset */
    T(get(c, "/echo", &r, &e) == 0);
    url_for(url, sizeof url, "/once/fresh");
    q.fresh = 1;
    rc = http_send(c, &q, &r, &e);
    TMSG(rc == GEN_ENET && r.error == HTTP_ERESET, "%d %d %s", rc, r.error, e.msg);
    TMSG(hits(c, "fresh") == 1, "a fresh request was sent %d times", hits(c, "fresh"));
    /* and the next plain request reuses a kept-alive connection again */
    {
        int p1, p2;

        T(get(c, "/echo", &r, &e) == 0);
        p1 = client_port(&r);
        T(get(c, "/echo", &r, &e) == 0);
        p2 = client_port(&r);
        TMSG(p1 > 0 && p1 == p2, "ports %d %d", p1, p2);
    }
    http_response_free(&r);
    http_client_free(c);
}

static void test_base_url(void)
{
    char base[128];
    struct http_client *c;
    struct http_request q = { "GET", "/echo?rel=1", NULL, 0, NULL, 0, 0, 0 };
    struct http_response r;
    struct gen_err e;

    http_response_init(&r);
    snprintf(base, sizeof base, "http://127.0.0.1:%d/", port);
    c = http_client_new(base, NULL, &e);
    T(c != NULL);
    T(http_send(c, &q, &r, &e) == 0 && body_has(&r, "path=/echo?rel=1\n"));
    q.url = "echo?rel=2";
    T(http_send(c, &q, &r, &e) == 0 && body_has(&r, "path=/echo?rel=2\n"));
    http_client_free(c);

    c = http_client_new(NULL, NULL, &e);
    q.url = "/echo";
    T(http_send(c, &q, &r, &e) == GEN_EINPUT && r.error == HTTP_EOTHER);
    http_client_free(c);
    http_response_free(&r);
}

static void test_bad_input(struct http_client *c)
{
    struct http_header bad[] = { { "X-Inject", "a\r\nX-Evil: 1" } };
    struct http_header badname[] = { { "X Bad", "v" } };
    char url[256];
    struct http_request q = { "GET", url, bad, 1, NULL, 0, 0, 0 };
    struct http_response r;
    struct gen_err e;
    int rc;

    http_response_init(&r);
    url_for(url, sizeof url, "/echo");
    T(http_send(c, &q, &r, &e) == GEN_EINPUT && r.error == HTTP_EOTHER);
    q.headers = badname;
    T(http_send(c, &q, &r, &e) == GEN_EINPUT);
    q.nheaders = 0;
    q.method = "get";
    T(http_send(c, &q, &r, &e) == GEN_EINPUT);
    q.method = "POST";
    q.body_len = 4;
    T(http_send(c, &q, &r, &e) == GEN_EINPUT);
    q.body_len = 0;
    q.method = "GET";
    q.url = "file:///etc/passwd";
    rc = http_send(c, &q, &r, &e);
    TMSG(rc == GEN_ENET && r.error == HTTP_EOTHER, "%d %s", rc, e.msg);
    T(r.body.len == 0);
    snprintf(url, sizeof url, "ftp://127.0.0.1:%d/", port);
    q.url = url;
    T(http_send(c, &q, &r, &e) == GEN_ENET && r.error == HTTP_EOTHER);
    http_response_free(&r);
}

static void test_body_cap(void)
{
    struct http_opts o = { 0 };
    struct http_client *c;
    struct http_response r;
    struct gen_err e;
    int rc;

    o.max_body = 1000;
    c = http_client_new(NULL, &o, &e);
    http_response_init(&r);
    T(get(c, "/big/1000", &r, &e) == 0 && r.body.len == 1000);
    err_clear(&e);
    rc = get(c, "/big/1001", &r, &e);
    TMSG(rc == GEN_ENET && r.error == HTTP_EOTHER, "%d %s", rc, e.msg);
    T(strstr(e.msg, "exceeds 1000 bytes") != NULL);
    T(r.body.len == 0 && r.status == 0 && r.nheaders == 0);
    err_clear(&e);
    rc = get(c, "/chunked/5000", &r, &e);
    TMSG(rc == GEN_ENET && r.error == HTTP_EOTHER, "%d %s", rc, e.msg);
    T(strstr(e.msg, "exceeds 1000 bytes") != NULL);
    T(get(c, "/chunked/1000", &r, &e) == 0 && r.body.len == 1000);
    T(get(c, "/echo", &r, &e) == 0 && r.status == 200);   /* still usable */
    http_client_free(c);

    c = http_client_new(NULL, NULL, &e);       /* the 64 MiB default */
    T(get(c, "/big/200000", &r, &e) == 0 && r.body.len == 200000);
    http_client_free(c);
    http_response_free(&r);
}

static void test_refused(void)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    struct http_client *c;
    struct http_response r;
    struct gen_err e;
    char url[128];
    struct http_request q = { "GET", url, NULL, 0, NULL, 0, 0, 0 };
    int fd, rc;

    /* bound but not listening: connections are refused */
    fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    T(bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0);
    T(getsockname(fd, (struct sockaddr *)&sa, &len) == 0);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/x", ntohs(sa.sin_port));
    c = http_client_new(NULL, NULL, &e);
    http_response_init(&r);
    err_clear(&e);
    rc = http_send(c, &q, &r, &e);
    TMSG(rc == GEN_ENET && r.error == HTTP_ECONNECT, "%d %d %s", rc, r.error,
         e.msg);
    T(e.code == GEN_ENET && e.msg[0]);
    T(strstr(e.msg, url) != NULL);
    T(r.elapsed_ms < 1000 && r.status == 0);
    http_client_free(c);
    http_response_free(&r);
    close(fd);
}

static void test_reset(struct http_client *used)
{
    struct http_client *c;
    struct http_response r;
    struct gen_err e;
    int rc;

    c = http_client_new(NULL, NULL, &e);
    http_response_init(&r);
    rc = get(c, "/close", &r, &e);
    TMSG(rc == GEN_ENET && r.error == HTTP_ERESET, "%d %d %s", rc, r.error,
         e.msg);
    T(get(c, "/echo", &r, &e) == 0);           /* a fresh connection */
    http_client_free(c);
    /* on a kept-alive connection too */
    rc = get(used, "/close", &r, &e);
    TMSG(rc == GEN_ENET && r.error == HTTP_ERESET, "%d %d %s", rc, r.error,
         e.msg);
    T(get(used, "/echo", &r, &e) == 0);
    http_response_free(&r);
}

static void test_timeout(void)
{
    struct http_opts o = { 0 };
    struct http_client *c;
    struct http_response r;
    struct gen_err e;
    int rc;

    o.timeout_ms = 1000;
    o.connect_timeout_ms = 500;
    c = http_client_new(NULL, &o, &e);
    http_response_init(&r);
    rc = get(c, "/hang", &r, &e);
    TMSG(rc == GEN_ENET && r.error == HTTP_ETIMEOUT, "%d %d %s", rc, r.error,
         e.msg);
    /* ended by the 1 s timeout: not before it, and long before /hang's
     * 30 s (a wide bound, for a loaded machine) */
    TMSG(r.elapsed_ms >= 900 && r.elapsed_ms < 15000, "%ld ms", r.elapsed_ms);
    T(get(c, "/echo", &r, &e) == 0);
    http_client_free(c);
    http_response_free(&r);
}

static void test_trace(void)
{
    static const char *const secrets[] = {
        "5d672d79c15b", "IOSFODNN7EXA", "FwoGZXIvYXdzSECRETTOKEN",
        "deadbeefsig", "qtokenvalue", "supersecretcookie", "wJalrXUtnFEMI",
        "Action=Describe", NULL
    };
    struct http_header hs[] = {
        { "Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/"
          "20240101/us-east-1/cloudformation/aws4_request, "
          "SignedHeaders=host;x-amz-date, Signature=5d672d79c15b13162d9279b0" },
        { "X-Amz-Security-Token", "FwoGZXIvYXdzSECRETTOKEN" },
        { "X-Amz-Date", "20240101T000000Z" },
        { "X-Secret-Key", "wJalrXUtnFEMI" },
    };
    struct http_opts o = { 0 };
    struct http_client *c;
    struct http_response r;
    struct gen_err e;
    struct buf tr;
    char url[256], path[128];
    struct http_request q = { "POST", url, hs, 4, "Action=Describe", 15, 0, 0 };
    size_t i;
    int rc;

    buf_init(&tr);
    o.debug = collect;
    o.debug_ctx = &tr;
    c = http_client_new(NULL, &o, &e);
    http_response_init(&r);
    snprintf(path, sizeof path, "/echo?X-Amz-Signature=deadbeefsig"
             "&X-Amz-Security-Token=qtokenvalue&keep=me");
    url_for(url, sizeof url, path);
    T(http_send(c, &q, &r, &e) == 0 && r.status == 200);
    /* the real values went out */
    T(body_has(&r, "Signature=5d672d79c15b13162d9279b0"));
    T(body_has(&r, "h:x-amz-security-token=FwoGZXIvYXdzSECRETTOKEN"));
    /* the trace says what happened... */
    T(strstr(buf_cstr(&tr), "> POST http://127.0.0.1:") != NULL);
    T(strstr(buf_cstr(&tr), "X-Amz-Signature=<redacted>") != NULL);
    T(strstr(buf_cstr(&tr), "keep=me") != NULL);
    T(strstr(buf_cstr(&tr), "Credential=AKIA****MPLE/20240101/") != NULL);
    T(strstr(buf_cstr(&tr), "SignedHeaders=host;x-amz-date") != NULL);
    T(strstr(buf_cstr(&tr), "> X-Amz-Date: 20240101T000000Z") != NULL);
    T(strstr(buf_cstr(&tr), "> user-agent: luaform/0.1.0") != NULL);
    T(strstr(buf_cstr(&tr), "< 200 (") != NULL);
    T(strstr(buf_cstr(&tr), "< x-amzn-requestid: req-123") != NULL);
    T(strstr(buf_cstr(&tr), "< set-cookie: <redacted>") != NULL);
    /* ...and leaks nothing */
    for (i = 0; secrets[i]; i++)
        TMSG(strstr(buf_cstr(&tr), secrets[i]) == NULL, "'%s' in trace:\n%s",
             secrets[i], buf_cstr(&tr));

    buf_reset(&tr);
    url_for(url, sizeof url, "/close?X-Amz-Signature=deadbeefsig");
    rc = http_send(c, &q, &r, &e);
    TMSG(rc == GEN_ENET && r.error == HTTP_ERESET, "%d %d %s\n%s", rc, r.error,
         e.msg, buf_cstr(&tr));
    T(strstr(buf_cstr(&tr), "! reset error after") != NULL);
    T(strstr(e.msg, "deadbeefsig") == NULL);
    for (i = 0; secrets[i]; i++)
        TMSG(strstr(buf_cstr(&tr), secrets[i]) == NULL, "'%s'", secrets[i]);
    http_client_free(c);
    http_response_free(&r);
    buf_free(&tr);
}

static void test_ca_bundle(void)
{
    const char *bad = "/nonexistent/luaform-test-ca.pem";
    struct http_opts o = { 0 };
    struct http_client *c;
    struct http_response r;
    struct gen_err e;
    char url[128];
    struct http_request q = { "GET", url, NULL, 0, NULL, 0, 0, 0 };
    int rc;

    /* https to the plain-HTTP loopback server: never leaves 127.0.0.1 */
    snprintf(url, sizeof url, "https://127.0.0.1:%d/echo", port);
    http_response_init(&r);
    setenv("AWS_CA_BUNDLE", bad, 1);
    c = http_client_new(NULL, NULL, &e);
    unsetenv("AWS_CA_BUNDLE");
    rc = http_send(c, &q, &r, &e);
    TMSG(rc == GEN_ENET && r.error == HTTP_ETLS, "%d %d %s", rc, r.error,
         e.msg);
    TMSG(strstr(e.msg, bad) != NULL, "%s", e.msg);
    http_client_free(c);

    o.ca_bundle = bad;
    c = http_client_new(NULL, &o, &e);
    rc = http_send(c, &q, &r, &e);
    T(rc == GEN_ENET && r.error == HTTP_ETLS && strstr(e.msg, bad));
    http_client_free(c);

    c = http_client_new(NULL, NULL, &e);       /* the default store */
    rc = http_send(c, &q, &r, &e);
    TMSG(rc == GEN_ENET && r.error == HTTP_ETLS, "%d %d %s", rc, r.error,
         e.msg);
    http_client_free(c);
    http_response_free(&r);
}

/* Endpoint URLs through libcurl's URL parser. */
static void test_url_parse(void)
{
    static const struct { const char *url, *host, *base, *path; } good[] = {
        { "http://127.0.0.1:5000", "127.0.0.1:5000", "http://127.0.0.1:5000", "" },
        { "https://cloudformation.us-east-1.amazonaws.com/", "cloudformation.us-east-1.amazonaws.com",
          "https://cloudformation.us-east-1.amazonaws.com", "" },
        { "https://h:443/a/b//", "h", "https://h", "/a/b" },
        { "http://h:80/x", "h", "http://h", "/x" },
        { "http://h:8443", "h:8443", "http://h:8443", "" },
        { "http://[::1]:8080/p", "[::1]:8080", "http://[::1]:8080", "/p" },
    };
    static const struct { const char *url, *why; } bad[] = {
        { "localhost:4566", "must start with http" }, { "ftp://h", "must start with http" },
        { "http://u:pw@h", "user info" }, { "u:pw@h:1", "user info" },
        { "http://h?x", "query or a fragment" }, { "http://h/#f", "query or a fragment" },
        { "http://h:65536", "port" }, { "http://h:0", "port" }, { "http://h:5x", "port" },
        { "http:///p", "host" }, { "http://", "" }, { "http://h p", "white space" },
        { "http://[::1", "" },
    };
    struct http_url u;
    const char *why;
    size_t i;

    for (i = 0; i < sizeof good / sizeof good[0]; i++) {
        TMSG(http_url_parse(good[i].url, &u, &why) == 0 && !strcmp(u.host, good[i].host) &&
             !strcmp(u.base, good[i].base) && !strcmp(u.path, good[i].path),
             "%s: host %s base %s path %s (%s)", good[i].url, u.host, u.base, u.path,
             why ? why : "");
    }
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
        TMSG(http_url_parse(bad[i].url, &u, &why) < 0 && why && strstr(why, bad[i].why) &&
             !strstr(why, "pw"), "%s: %s", bad[i].url, why ? why : "accepted");
}

int main(void)
{
    struct http_client *c;
    struct gen_err e;
    int rc;

    /* a proxy from the environment must not see (or forward) our requests */
    setenv("no_proxy", "*", 1);
    setenv("NO_PROXY", "*", 1);
    unsetenv("AWS_CA_BUNDLE");

    test_error_name();
    test_url_parse();

    if (start_server() < 0) {
        TMSG(0, "cannot start the test server");
        stop_server();
        return t_report();
    }
    T(http_global_init(&e) == 0);
    T(http_global_init(&e) == 0);       /* counted */
    http_global_cleanup();
    c = http_client_new(NULL, NULL, &e);
    T(c != NULL);
    if (c) {
        test_get_post(c);
        test_status_and_redirect(c);
        test_reuse(c);
        test_bad_input(c);
        test_reset(c);
    }
    test_fresh();
    test_base_url();
    test_body_cap();
    test_refused();
    test_trace();
    test_ca_bundle();
    test_timeout();
    http_client_free(c);
    http_client_free(NULL);
    http_global_cleanup();
    stop_server();
    rc = t_report();
    return rc;
}
