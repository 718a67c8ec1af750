/* http.c: the HTTP transport on libcurl (loaded at run time), and
 * endpoint URLs read by libcurl's URL parser. The only file that includes
 * curl; the retry policy is retry.c, the trace trace.c. */
#include "aws/http.h"
#include "aws/http_response.h"
#include "aws/redact.h"
#include "aws/trace.h"
#include "core/interrupt.h"

#define CURL_DISABLE_TYPECHECK   /* its macros would hide the dlopen table */
#include <curl/curl.h>
#include <dlfcn.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef LUAFORM_VERSION
#define LUAFORM_VERSION "dev"
#endif

#define USER_AGENT "luaform/" LUAFORM_VERSION

struct http_client {
    CURL *curl;
    char *base;                  /* NULL or without a trailing '/' */
    char *ca_bundle;             /* NULL: curl's default store */
    long connect_timeout_ms;
    long timeout_ms;
    size_t max_body;             /* the client's cap */
    size_t cap;                  /* the cap of the request in flight */
    http_debug_fn debug;
    void *debug_ctx;
    char errbuf[CURL_ERROR_SIZE];
    /* state of the request in flight */
    struct http_response *resp;
    int too_big;
    int too_many_headers;
    int oom;
};

static int global_inits;

static long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* ---- global state ---- */

/* libcurl is loaded when the first client is needed, not at start-up: its
 * dependency chain (TLS, HTTP/2, IDN, LDAP, Kerberos...) costs ~10 ms of
 * dynamic linking that `luaform render` should not pay. The calls below go
 * through this table; the macros keep the code reading as plain libcurl. */
static struct {
    void *dl;
    CURLcode (*global_init)(long);
    void (*global_cleanup)(void);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *);
    void (*easy_reset)(CURL *);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    CURLcode (*easy_perform)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    CURLU *(*url)(void);
    void (*url_cleanup)(CURLU *);
    CURLUcode (*url_set)(CURLU *, CURLUPart, const char *, unsigned int);
    CURLUcode (*url_get)(CURLU *, CURLUPart, char **, unsigned int);
    void (*free)(void *);
} lc;

static int load_curl(struct gen_err *e)
{
    static const char *const names[] = { "libcurl.so.4", "libcurl.so", NULL };
    int i;

    for (i = 0; names[i] && !lc.dl; i++)
        lc.dl = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (!lc.dl)
        return err_set(e, GEN_ENET, NULL, 0, "cannot load libcurl: %s "
                       "(install the libcurl4 package)", dlerror());
#define SYM(f, n) do { *(void **)&lc.f = dlsym(lc.dl, n); \
        if (!lc.f) goto missing; } while (0)
    SYM(global_init, "curl_global_init");
    SYM(global_cleanup, "curl_global_cleanup");
    SYM(easy_init, "curl_easy_init");
    SYM(easy_cleanup, "curl_easy_cleanup");
    SYM(easy_reset, "curl_easy_reset");
    SYM(easy_setopt, "curl_easy_setopt");
    SYM(easy_getinfo, "curl_easy_getinfo");
    SYM(easy_perform, "curl_easy_perform");
    SYM(easy_strerror, "curl_easy_strerror");
    SYM(slist_append, "curl_slist_append");
    SYM(slist_free_all, "curl_slist_free_all");
    SYM(url, "curl_url");
    SYM(url_cleanup, "curl_url_cleanup");
    SYM(url_set, "curl_url_set");
    SYM(url_get, "curl_url_get");
    SYM(free, "curl_free");
#undef SYM
    return 0;
missing:
    dlclose(lc.dl);
    memset(&lc, 0, sizeof lc);
    return err_set(e, GEN_ENET, NULL, 0, "libcurl lacks a function luaform needs");
}

#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_global_init lc.global_init
#define curl_global_cleanup lc.global_cleanup
#define curl_easy_init lc.easy_init
#define curl_easy_cleanup lc.easy_cleanup
#define curl_easy_reset lc.easy_reset
#define curl_easy_setopt lc.easy_setopt
#define curl_easy_getinfo lc.easy_getinfo
#define curl_easy_perform lc.easy_perform
#define curl_easy_strerror lc.easy_strerror
#define curl_slist_append lc.slist_append
#define curl_slist_free_all lc.slist_free_all
#define curl_url lc.url
#define curl_url_cleanup lc.url_cleanup
#define curl_url_set lc.url_set
#define curl_url_get lc.url_get
#define curl_free lc.free

int http_global_init(struct gen_err *e)
{
    CURLcode rc;

    if (global_inits++ > 0)
        return 0;
    if (!lc.dl && load_curl(e) < 0) {
        global_inits = 0;
        return GEN_ENET;
    }
    rc = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (rc != CURLE_OK) {
        global_inits = 0;
        return err_set(e, GEN_ENET, NULL, 0, "cannot initialise libcurl: %s",
                       curl_easy_strerror(rc));
    }
    return 0;
}

void http_global_cleanup(void)
{
    if (global_inits <= 0)
        return;
    if (--global_inits == 0)
        curl_global_cleanup();
}

const char *http_error_name(enum http_error err)
{
    switch (err) {
    case HTTP_OK: return "ok";
    case HTTP_ECONNECT: return "connect";
    case HTTP_ETIMEOUT: return "timeout";
    case HTTP_ERESET: return "reset";
    case HTTP_ETLS: return "tls";
    case HTTP_EOTHER: return "other";
    case HTTP_EINTR: return "interrupted";
    }
    return "other";
}

/* ---- endpoint URLs, read by libcurl's URL parser ---- */

/* One part of u into out (n bytes); 0 when the URL has no such part. */
static int url_part(CURLU *u, CURLUPart part, char *out, size_t n)
{
    char *v = NULL;
    int found = curl_url_get(u, part, &v, 0) == CURLUE_OK && v;

    if (found && out)
        snprintf(out, n, "%s", v);
    curl_free(v);
    return found;
}

/* What is wrong with url before libcurl reads it, or NULL. */
static const char *url_precheck(const char *url)
{
    const char *p;

    for (p = url; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            return "has white space or a control character";
    p = strstr(url, "://");
    p = p ? p + 3 : url;
    if (memchr(p, '@', strcspn(p, "/")))
        return "has user info (user:password@)";    /* said first, with or without a scheme */
    if (strncmp(url, "https://", 8) && strncmp(url, "http://", 7))
        return "must start with http:// or https://";
    if (*p == '/')
        return "has no valid host";     /* curl would take http:///p as host "p" */
    return NULL;
}

int http_url_parse(const char *url, struct http_url *out, const char **why)
{
    char port[16], path[sizeof out->path + 1];
    CURLUcode uc;
    CURLU *u;
    int https;
    size_t n;

    memset(out, 0, sizeof *out);
    *why = url_precheck(url);
    if (*why)
        return -1;
    if (!lc.dl && load_curl(NULL) < 0) {
        *why = "cannot be read: libcurl cannot be loaded";
        return -1;
    }
    if (!(u = curl_url())) {
        *why = "cannot be read: out of memory";
        return -1;
    }
    uc = curl_url_set(u, CURLUPART_URL, url, 0);
    if (uc != CURLUE_OK)
        *why = uc == CURLUE_BAD_PORT_NUMBER ? "has a malformed port (1-65535)" :
               uc == CURLUE_NO_HOST || uc == CURLUE_BAD_HOSTNAME || uc == CURLUE_BAD_IPV6 ?
               "has no valid host" : uc == CURLUE_OUT_OF_MEMORY ? "cannot be read: out of memory" :
               "is not a valid URL";
    else if (url_part(u, CURLUPART_USER, NULL, 0) || url_part(u, CURLUPART_PASSWORD, NULL, 0))
        *why = "has user info (user:password@)";
    else if (url_part(u, CURLUPART_QUERY, NULL, 0) || url_part(u, CURLUPART_FRAGMENT, NULL, 0) ||
             strchr(url, '?') || strchr(url, '#'))
        *why = "must not have a query or a fragment";
    else if (!url_part(u, CURLUPART_SCHEME, out->scheme, sizeof out->scheme) ||
             !url_part(u, CURLUPART_HOST, out->host, sizeof out->host) ||
             !url_part(u, CURLUPART_PATH, path, sizeof path) || strlen(path) >= sizeof out->path)
        *why = "is not a valid URL (or too long)";
    if (*why) {
        curl_url_cleanup(u);
        return -1;
    }
    /* the Host header as curl sends it: a default port left out */
    https = !strcmp(out->scheme, "https");
    if (url_part(u, CURLUPART_PORT, port, sizeof port) && atoi(port) == 0) {
        *why = "has a malformed port (1-65535)";
        curl_url_cleanup(u);
        return -1;
    }
    if (url_part(u, CURLUPART_PORT, port, sizeof port) &&
        strcmp(port, https ? "443" : "80")) {
        n = strlen(out->host);
        snprintf(out->host + n, sizeof out->host - n, ":%s", port);
    }
    snprintf(out->base, sizeof out->base, "%s://%s", out->scheme, out->host);
    n = strlen(path);
    while (n && path[n - 1] == '/')
        n--;
    snprintf(out->path, sizeof out->path, "%.*s", (int)n, path);
    curl_url_cleanup(u);
    return 0;
}

/* ---- client ---- */

struct http_client *http_client_new(const char *base_url,
                                    const struct http_opts *opts,
                                    struct gen_err *e)
{
    static const struct http_opts defaults;
    struct http_client *c;
    const char *ca;

    if (!opts)
        opts = &defaults;
    c = calloc(1, sizeof *c);
    if (!c)
        goto nomem;
    c->connect_timeout_ms = opts->connect_timeout_ms > 0
        ? opts->connect_timeout_ms : HTTP_CONNECT_TIMEOUT_MS_DEFAULT;
    c->timeout_ms = opts->timeout_ms > 0
        ? opts->timeout_ms : HTTP_TIMEOUT_MS_DEFAULT;
    c->max_body = opts->max_body > 0 ? opts->max_body : HTTP_MAX_BODY_DEFAULT;
    c->debug = opts->debug;
    c->debug_ctx = opts->debug_ctx;
    if (base_url && *base_url) {
        size_t n = strlen(base_url);

        while (n > 0 && base_url[n - 1] == '/')
            n--;
        c->base = strndup(base_url, n);
        if (!c->base)
            goto nomem;
    }
    ca = opts->ca_bundle;
    if (!ca || !*ca)
        ca = getenv("AWS_CA_BUNDLE");
    if (ca && *ca) {
        c->ca_bundle = strndup(ca, strlen(ca));
        if (!c->ca_bundle)
            goto nomem;
    }
    c->curl = curl_easy_init();
    if (!c->curl) {
        http_client_free(c);
        err_set(e, GEN_ENET, NULL, 0, "cannot create a curl handle");
        return NULL;
    }
    return c;

nomem:
    http_client_free(c);
    err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    return NULL;
}

void http_client_free(struct http_client *c)
{
    if (!c)
        return;
    if (c->curl)
        curl_easy_cleanup(c->curl);
    free(c->base);
    free(c->ca_bundle);
    free(c);
}

/* ---- curl callbacks ---- */

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct http_client *c = ud;
    struct buf *b = &c->resp->body;
    size_t len = size * n;

    if (len > c->cap - b->len) {
        c->too_big = 1;
        return 0;
    }
    buf_add(b, p, len);
    if (buf_failed(b)) {
        c->oom = 1;
        return 0;
    }
    return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    struct http_client *c = ud;
    size_t len = size * n;
    int rc = http_response_header_line(c->resp, p, len);

    if (rc == HTTP_RESPONSE_ETOOMANY)
        c->too_many_headers = 1;
    else if (rc < 0)
        c->oom = 1;
    return rc < 0 ? 0 : len;
}

/* ---- request ---- */

static enum http_error classify(CURLcode rc)
{
    switch (rc) {
    case CURLE_OK:
        return HTTP_OK;
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
        return HTTP_ECONNECT;
    case CURLE_OPERATION_TIMEDOUT:
        return HTTP_ETIMEOUT;
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return HTTP_ERESET;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
#if LIBCURL_VERSION_NUM >= 0x074900
    case CURLE_SSL_CLIENTCERT:
#endif
        return HTTP_ETLS;
    default:
        return HTTP_EOTHER;
    }
}

static int valid_method(const char *m)
{
    size_t i;

    if (!m || !*m || strlen(m) > 16)
        return 0;
    for (i = 0; m[i]; i++)
        if (m[i] < 'A' || m[i] > 'Z')
            return 0;
    return 1;
}

static int valid_header(const struct http_header *h)
{
    const char *p;

    if (!h->name || !*h->name || !h->value)
        return 0;
    for (p = h->name; *p; p++)
        if (*p <= ' ' || *p == ':' || *p == 0x7f)
            return 0;
    for (p = h->value; *p; p++)
        if (*p == '\r' || *p == '\n')
            return 0;
    return 1;
}

/* The URL to fetch: q->url when absolute, else base + q->url. */
static int full_url(struct http_client *c, const char *url, struct buf *out)
{
    if (!url || !*url)
        return -1;
    if (strstr(url, "://")) {
        buf_adds(out, url);
        return 0;
    }
    if (!c->base)
        return -1;
    buf_adds(out, c->base);
    if (url[0] != '/')
        buf_addc(out, '/');
    buf_adds(out, url);
    return 0;
}

/* Ctrl-C (interrupt.h) ends a request in flight: curl calls this at least
 * once a second, also while it waits for a slow answer. */
static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow,
                       curl_off_t ultotal, curl_off_t ulnow)
{
    (void)ud;
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    return interrupt_pending();
}

/* Options every request gets; curl_easy_reset keeps live connections and
 * the DNS and TLS session caches, so resetting loses nothing. */
static CURLcode setup(struct http_client *c)
{
    CURLcode rc = CURLE_OK;

#define SET(opt, val) do { \
        if (rc == CURLE_OK) rc = curl_easy_setopt(c->curl, opt, val); \
    } while (0)
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_ERRORBUFFER, c->errbuf);
#if LIBCURL_VERSION_NUM >= 0x075500
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
    SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    SET(CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    if (c->ca_bundle)
        SET(CURLOPT_CAINFO, c->ca_bundle);
    SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    SET(CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
    SET(CURLOPT_TIMEOUT_MS, c->timeout_ms);
    SET(CURLOPT_TCP_KEEPALIVE, 1L);
    SET(CURLOPT_USERAGENT, USER_AGENT);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, c);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, c);
    SET(CURLOPT_XFERINFOFUNCTION, on_progress);
    SET(CURLOPT_NOPROGRESS, 0L);
#undef SET
    return rc;
}

static CURLcode set_method(struct http_client *c, const struct http_request *q)
{
    const char *m = q->method;
    int with_body = q->body_len > 0 || !strcmp(m, "POST")
        || !strcmp(m, "PUT") || !strcmp(m, "PATCH");
    CURLcode rc;

    if (!strcmp(m, "HEAD"))
        return curl_easy_setopt(c->curl, CURLOPT_NOBODY, 1L);
    if (!with_body) {
        if (!strcmp(m, "GET"))
            return curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
        return curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, m);
    }
    rc = curl_easy_setopt(c->curl, CURLOPT_POST, 1L);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE,
                              (curl_off_t)q->body_len);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS,
                              q->body ? (const char *)q->body : "");
    if (rc == CURLE_OK && strcmp(m, "POST"))
        rc = curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, m);
    return rc;
}

/* "Name: value", or "Name;" which is how curl sends an empty value. */
static struct curl_slist *header_list(const struct http_request *q, int *oom)
{
    struct curl_slist *list = NULL, *t;
    struct buf b;
    size_t i;

    buf_init(&b);
    for (i = 0; i <= q->nheaders; i++) {
        buf_reset(&b);
        if (i == q->nheaders)
            buf_adds(&b, "Expect:");   /* no 100-continue round trip */
        else if (!*q->headers[i].value)
            buf_printf(&b, "%s;", q->headers[i].name);
        else
            buf_printf(&b, "%s: %s", q->headers[i].name, q->headers[i].value);
        t = buf_failed(&b) ? NULL : curl_slist_append(list, buf_cstr(&b));
        if (!t) {
            curl_slist_free_all(list);
            buf_free(&b);
            *oom = 1;
            return NULL;
        }
        list = t;
    }
    buf_free(&b);
    return list;
}


/* Refuse what must not go out: a bad method, header or body. */
static int check_request(const struct http_request *q, struct gen_err *e)
{
    size_t i;

    if (!valid_method(q->method))
        return err_set(e, GEN_EINPUT, NULL, 0, "bad HTTP method '%s'",
                       q->method ? q->method : "(null)");
    for (i = 0; i < q->nheaders; i++)
        if (!valid_header(&q->headers[i]))
            return err_set(e, GEN_EINPUT, NULL, 0, "bad HTTP header '%s'",
                           q->headers[i].name ? q->headers[i].name : "(null)");
    if (q->body_len > 0 && !q->body)
        return err_set(e, GEN_EINPUT, NULL, 0, "HTTP body missing");
    return 0;
}

/* The URL to fetch into url, and as it may be shown (redacted) into
 * shown; the header list into *hdrs. */
static int build_request(struct http_client *c, const struct http_request *q,
                         struct buf *url, struct buf *shown,
                         struct curl_slist **hdrs, struct gen_err *e)
{
    int oom = 0;

    if (full_url(c, q->url, url) < 0) {
        redact_url(shown, q->url ? q->url : "(null)");
        return err_set(e, GEN_EINPUT, NULL, 0, "bad URL '%s'", buf_cstr(shown));
    }
    redact_url(shown, buf_cstr(url));
    *hdrs = header_list(q, &oom);
    if (buf_failed(url) || buf_failed(shown) || oom)
        return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    return 0;
}

/* Reset the handle and set it up for q, its responses going to r. */
static CURLcode configure(struct http_client *c, const struct http_request *q,
                          const char *url, struct curl_slist *hdrs,
                          struct http_response *r)
{
    CURLcode rc;

    curl_easy_reset(c->curl);
    c->errbuf[0] = '\0';
    c->resp = r;
    c->too_big = c->too_many_headers = c->oom = 0;
    c->cap = q->max_body > 0 ? q->max_body : c->max_body;
    rc = setup(c);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c->curl, CURLOPT_URL, url);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hdrs);
    if (rc == CURLE_OK)
        rc = set_method(c, q);
    if (rc == CURLE_OK && strcmp(q->method, "HEAD"))
        rc = curl_easy_setopt(c->curl, CURLOPT_MAXFILESIZE_LARGE,
                              (curl_off_t)c->cap);
    /* a new connection is never resent on (see http.h); the kept-alive
     * one stays in the cache for the next request */
    if (rc == CURLE_OK && q->fresh)
        rc = curl_easy_setopt(c->curl, CURLOPT_FRESH_CONNECT, 1L);
    return rc;
}

/* Run the configured request (unless rc already failed), timed, then
 * detach this call's data from the handle. */
static CURLcode perform(struct http_client *c, CURLcode rc,
                        struct http_response *r)
{
    long t0 = now_ms();

    if (rc == CURLE_OK)
        rc = curl_easy_perform(c->curl);
    r->elapsed_ms = now_ms() - t0;
    c->resp = NULL;
    /* do not leave dangling pointers to this call's data in the handle */
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
    curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, (char *)NULL);
    return rc;
}

/* No (complete) response: empty r, say why in r->error and e. */
static int fail(struct http_client *c, const struct http_request *q,
                const char *shown, CURLcode rc, struct http_response *r,
                struct gen_err *e)
{
    int ret;

    r->status = 0;
    http_response_clear_headers(r);
    buf_free(&r->body);
    if (c->oom) {
        ret = err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    } else if (c->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
        ret = err_set(e, GEN_ENET, NULL, 0,
                      "%s %s: response body exceeds %zu bytes",
                      q->method, shown, c->cap);
    } else if (c->too_many_headers) {
        ret = err_set(e, GEN_ENET, NULL, 0,
                      "%s %s: more than %d response headers",
                      q->method, shown, HTTP_MAX_HEADERS);
    } else if (rc == CURLE_ABORTED_BY_CALLBACK) {
        r->error = HTTP_EINTR;
        ret = err_set(e, GEN_ENET, NULL, 0, "%s %s: interrupted", q->method,
                      shown);
    } else {
        r->error = classify(rc);
        ret = err_set(e, GEN_ENET, NULL, 0, "%s %s: %s", q->method, shown,
                      c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc));
    }
    trace_failure(c->debug, c->debug_ctx, r, e->msg);
    return ret;
}

int http_send(struct http_client *c, const struct http_request *q,
              struct http_response *r, struct gen_err *e)
{
    struct curl_slist *hdrs = NULL;
    struct gen_err local;
    struct buf url, shown;
    CURLcode rc;
    int ret;

    if (!e)
        e = &local;     /* the trace still wants the message */
    http_response_free(r);
    r->error = HTTP_EOTHER;
    buf_init(&url);
    buf_init(&shown);
    ret = check_request(q, e);
    if (ret == 0)
        ret = build_request(c, q, &url, &shown, &hdrs, e);
    if (ret < 0)
        goto out;
    rc = configure(c, q, buf_cstr(&url), hdrs, r);
    trace_request(c->debug, c->debug_ctx, q, buf_cstr(&url), USER_AGENT);
    rc = perform(c, rc, r);
    if (rc == CURLE_OK) {
        curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &r->status);
        r->error = HTTP_OK;
        trace_response(c->debug, c->debug_ctx, r);
    } else {
        ret = fail(c, q, buf_cstr(&shown), rc, r, e);
    }
out:
    curl_slist_free_all(hdrs);
    buf_free(&url);
    buf_free(&shown);
    return ret;
}
