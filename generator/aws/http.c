/* http.c: the HTTP transport on libcurl, the standard retry policy and the
 * redaction of secrets in trace lines. The only file that includes curl. */
#include "aws/http.h"
#include "core/interrupt.h"

#define CURL_DISABLE_TYPECHECK   /* its macros would hide the dlopen table */
#include <curl/curl.h>
#include <dlfcn.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef LUAFORM_VERSION
#define LUAFORM_VERSION "dev"
#endif

#define USER_AGENT "luaform/" LUAFORM_VERSION
#define REDACTED "<redacted>"

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

/* ---- small string helpers (ASCII, locale-free) ---- */

static int lower(int ch)
{
    return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

static int ci_equal_n(const char *a, const char *b, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
            return 0;
        if (!a[i])
            return 1;
    }
    return 1;
}

static int ci_equal(const char *a, const char *b)
{
    return strlen(a) == strlen(b) && ci_equal_n(a, b, strlen(a));
}

/* Does hay[0..n) contain needle (lowercase), ignoring case? */
static int ci_contains_n(const char *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle), i;

    if (m > n)
        return 0;
    for (i = 0; i + m <= n; i++)
        if (ci_equal_n(hay + i, needle, m))
            return 1;
    return 0;
}

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

int http_url_parse(const char *url, struct http_url *out, const char **why)
{
    char port[16], path[sizeof out->path + 1];
    CURLUcode uc;
    CURLU *u;
    const char *p;
    int https;
    size_t n;

    memset(out, 0, sizeof *out);
    *why = NULL;
    for (p = url; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f) {
            *why = "has white space or a control character";
            return -1;
        }
    p = strstr(url, "://");
    p = p ? p + 3 : url;
    if (memchr(p, '@', strcspn(p, "/"))) {
        *why = "has user info (user:password@)";    /* said first, with or without a scheme */
        return -1;
    }
    if (strncmp(url, "https://", 8) && strncmp(url, "http://", 7)) {
        *why = "must start with http:// or https://";
        return -1;
    }
    if (*p == '/') {
        *why = "has no valid host";     /* curl would take http:///p as host "p" */
        return -1;
    }
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

/* ---- response ---- */

void http_response_init(struct http_response *r)
{
    memset(r, 0, sizeof *r);
    buf_init(&r->body);
}

static void clear_headers(struct http_response *r)
{
    size_t i;

    for (i = 0; i < r->nheaders; i++) {
        free(r->headers[i].name);
        free(r->headers[i].value);
    }
    free(r->headers);
    r->headers = NULL;
    r->nheaders = 0;
}

void http_response_free(struct http_response *r)
{
    if (!r)
        return;
    clear_headers(r);
    buf_free(&r->body);
    http_response_init(r);
}

const char *http_response_header(const struct http_response *r,
                                 const char *name)
{
    size_t i;

    for (i = 0; i < r->nheaders; i++)
        if (ci_equal(r->headers[i].name, name))
            return r->headers[i].value;
    return NULL;
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

/* Append ", more" to the last header (obsolete line folding). */
static int fold_header(struct http_response *r, const char *p, size_t n)
{
    struct http_rheader *h;
    size_t old;
    char *v;

    if (r->nheaders == 0 || n == 0)
        return 0;
    h = &r->headers[r->nheaders - 1];
    old = strlen(h->value);
    v = realloc(h->value, old + 1 + n + 1);
    if (!v)
        return -1;
    v[old] = ' ';
    memcpy(v + old + 1, p, n);
    v[old + 1 + n] = '\0';
    h->value = v;
    return 0;
}

static int add_header(struct http_response *r, const char *p, size_t n)
{
    const char *colon = memchr(p, ':', n);
    struct http_rheader *hs, h;
    size_t nl, vs, i;

    if (!colon)
        return 0;           /* not a header line: ignore */
    nl = (size_t)(colon - p);
    while (nl > 0 && (p[nl - 1] == ' ' || p[nl - 1] == '\t'))
        nl--;
    vs = (size_t)(colon - p) + 1;
    while (vs < n && (p[vs] == ' ' || p[vs] == '\t'))
        vs++;
    h.name = strndup(p, nl);
    h.value = strndup(p + vs, n - vs);
    hs = realloc(r->headers, (r->nheaders + 1) * sizeof *hs);
    if (!h.name || !h.value || !hs) {
        free(h.name);
        free(h.value);
        if (hs)
            r->headers = hs;
        return -1;
    }
    for (i = 0; i < nl; i++)
        h.name[i] = (char)lower((unsigned char)h.name[i]);
    r->headers = hs;
    r->headers[r->nheaders++] = h;
    return 0;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    struct http_client *c = ud;
    struct http_response *r = c->resp;
    size_t len = size * n, m = len;
    int rc;

    while (m > 0 && (p[m - 1] == '\r' || p[m - 1] == '\n'
                     || p[m - 1] == ' ' || p[m - 1] == '\t'))
        m--;
    if (m == 0)
        return len;
    if (m >= 5 && memcmp(p, "HTTP/", 5) == 0) {
        clear_headers(r);   /* a new response (after 100 Continue, say) */
        return len;
    }
    if (p[0] == ' ' || p[0] == '\t') {
        while (m > 0 && (p[0] == ' ' || p[0] == '\t')) {
            p++;
            m--;
        }
        rc = fold_header(r, p, m);
    } else {
        if (r->nheaders >= HTTP_MAX_HEADERS) {
            c->too_many_headers = 1;
            return 0;
        }
        rc = add_header(r, p, m);
    }
    if (rc < 0) {
        c->oom = 1;
        return 0;
    }
    return len;
}

/* ---- request ---- */

static void trace(struct http_client *c, const char *line)
{
    if (c->debug)
        c->debug(c->debug_ctx, line);
}

static void trace_request(struct http_client *c, const char *method,
                          const char *url, const struct http_request *q)
{
    struct buf b;
    size_t i;

    if (!c->debug)
        return;
    buf_init(&b);
    buf_printf(&b, "> %s ", method);
    http_redact_url(&b, url);
    trace(c, buf_cstr(&b));
    buf_reset(&b);
    buf_adds(&b, "> user-agent: " USER_AGENT);
    trace(c, buf_cstr(&b));
    for (i = 0; i < q->nheaders; i++) {
        buf_reset(&b);
        buf_adds(&b, "> ");
        http_redact_header(&b, q->headers[i].name, q->headers[i].value);
        trace(c, buf_cstr(&b));
    }
    buf_reset(&b);
    buf_printf(&b, "> (%zu byte body not traced)", q->body_len);
    trace(c, buf_cstr(&b));
    buf_free(&b);
}

static void trace_response(struct http_client *c, const struct http_response *r)
{
    struct buf b;
    size_t i;

    if (!c->debug)
        return;
    buf_init(&b);
    buf_printf(&b, "< %ld (%ld ms, %zu byte body)", r->status, r->elapsed_ms,
               r->body.len);
    trace(c, buf_cstr(&b));
    for (i = 0; i < r->nheaders; i++) {
        buf_reset(&b);
        buf_adds(&b, "< ");
        http_redact_header(&b, r->headers[i].name, r->headers[i].value);
        trace(c, buf_cstr(&b));
    }
    buf_free(&b);
}

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

int http_send(struct http_client *c, const struct http_request *q,
              struct http_response *r, struct gen_err *e)
{
    struct curl_slist *hdrs = NULL;
    struct gen_err local;
    struct buf url, shown;
    CURLcode rc;
    long t0;
    int ret = 0, oom = 0;
    size_t i;

    if (!e)
        e = &local;     /* the trace still wants the message */
    http_response_free(r);
    r->error = HTTP_EOTHER;
    buf_init(&url);
    buf_init(&shown);
    if (!valid_method(q->method)) {
        ret = err_set(e, GEN_EINPUT, NULL, 0, "bad HTTP method '%s'",
                      q->method ? q->method : "(null)");
        goto out;
    }
    for (i = 0; i < q->nheaders; i++) {
        if (!valid_header(&q->headers[i])) {
            ret = err_set(e, GEN_EINPUT, NULL, 0, "bad HTTP header '%s'",
                          q->headers[i].name ? q->headers[i].name : "(null)");
            goto out;
        }
    }
    if (q->body_len > 0 && !q->body) {
        ret = err_set(e, GEN_EINPUT, NULL, 0, "HTTP body missing");
        goto out;
    }
    if (full_url(c, q->url, &url) < 0) {
        http_redact_url(&shown, q->url ? q->url : "(null)");
        ret = err_set(e, GEN_EINPUT, NULL, 0, "bad URL '%s'", buf_cstr(&shown));
        goto out;
    }
    http_redact_url(&shown, buf_cstr(&url));
    hdrs = header_list(q, &oom);
    if (buf_failed(&url) || buf_failed(&shown) || oom) {
        ret = err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
        goto out;
    }

    curl_easy_reset(c->curl);
    c->errbuf[0] = '\0';
    c->resp = r;
    c->too_big = c->too_many_headers = c->oom = 0;
    c->cap = q->max_body > 0 ? q->max_body : c->max_body;
    rc = setup(c);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c->curl, CURLOPT_URL, buf_cstr(&url));
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
    trace_request(c, q->method, buf_cstr(&url), q);
    t0 = now_ms();
    if (rc == CURLE_OK)
        rc = curl_easy_perform(c->curl);
    r->elapsed_ms = now_ms() - t0;
    c->resp = NULL;
    /* do not leave dangling pointers to this call's data in the handle */
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
    curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, (char *)NULL);

    if (rc == CURLE_OK) {
        curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &r->status);
        r->error = HTTP_OK;
        trace_response(c, r);
        goto out;
    }

    r->status = 0;
    clear_headers(r);
    buf_free(&r->body);
    if (c->oom) {
        ret = err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    } else if (c->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
        ret = err_set(e, GEN_ENET, NULL, 0,
                      "%s %s: response body exceeds %zu bytes",
                      q->method, buf_cstr(&shown), c->cap);
    } else if (c->too_many_headers) {
        ret = err_set(e, GEN_ENET, NULL, 0,
                      "%s %s: more than %d response headers",
                      q->method, buf_cstr(&shown), HTTP_MAX_HEADERS);
    } else if (rc == CURLE_ABORTED_BY_CALLBACK) {
        r->error = HTTP_EINTR;
        ret = err_set(e, GEN_ENET, NULL, 0, "%s %s: interrupted", q->method,
                      buf_cstr(&shown));
    } else {
        r->error = classify(rc);
        ret = err_set(e, GEN_ENET, NULL, 0, "%s %s: %s", q->method,
                      buf_cstr(&shown),
                      c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc));
    }
    if (c->debug) {
        struct buf b;

        buf_init(&b);
        buf_printf(&b, "! %s error after %ld ms: %s", http_error_name(r->error),
                   r->elapsed_ms, e->msg);
        trace(c, buf_cstr(&b));
        buf_free(&b);
    }

out:
    curl_slist_free_all(hdrs);
    buf_free(&url);
    buf_free(&shown);
    return ret;
}

/* ---- retry policy ---- */

/* xorshift64*: jitter needs no cryptographic quality. */
static double default_rand(void *ctx)
{
    static uint64_t s;
    (void)ctx;

    if (!s) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        s = ((uint64_t)ts.tv_sec * 1000000007u) ^ (uint64_t)ts.tv_nsec
            ^ ((uint64_t)getpid() << 32);
        if (!s)
            s = 0x9e3779b97f4a7c15u;
    }
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return (double)((s * 0x2545f4914f6cdd1du) >> 11) / 9007199254740992.0;
}

long http_backoff_ms(int attempt, http_rand_fn rnd, void *rnd_ctx)
{
    long ceiling = HTTP_BACKOFF_BASE_MS;
    double r;
    int i;

    for (i = 1; i < attempt && ceiling < HTTP_BACKOFF_MAX_MS; i++)
        ceiling *= 2;
    if (ceiling > HTTP_BACKOFF_MAX_MS)
        ceiling = HTTP_BACKOFF_MAX_MS;
    r = rnd ? rnd(rnd_ctx) : default_rand(NULL);
    if (!(r > 0.0))         /* also catches NaN */
        r = 0.0;
    if (r > 1.0)
        r = 1.0;
    return (long)(r * (double)ceiling);
}

static const char *const throttling_codes[] = {
    "Throttling", "ThrottlingException", "ThrottledException",
    "RequestThrottledException", "TooManyRequestsException",
    "ProvisionedThroughputExceededException", "TransactionInProgressException",
    "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException",
    "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
    "EC2ThrottledException", NULL
};

static const char *const transient_codes[] = {
    "RequestTimeout", "RequestTimeoutException", "InternalError",
    "InternalFailure", "ServiceUnavailable", "PriorRequestNotComplete", NULL
};

/* Client mistakes: retrying cannot help, whatever the status says. */
static const char *const never_codes[] = {
    "ValidationError", "ValidationException", "InvalidParameterValue",
    "InvalidParameterCombination", "MissingParameter", "InvalidAction",
    "MalformedQueryString", "AccessDenied", "AccessDeniedException",
    "UnauthorizedOperation", "InvalidClientTokenId", "SignatureDoesNotMatch",
    "IncompleteSignature", "MissingAuthenticationToken", "ExpiredToken",
    "ExpiredTokenException", "UnrecognizedClientException",
    "InvalidSignatureException", "AuthFailure", "OptInRequired", NULL
};

static int in_list(const char *const *list, const char *code)
{
    size_t i;

    if (!code || !*code)
        return 0;
    for (i = 0; list[i]; i++)
        if (!strcmp(list[i], code))
            return 1;
    return 0;
}

int http_throttling(const char *aws_code)
{
    return in_list(throttling_codes, aws_code);
}

int http_throttled(long status, const char *aws_code)
{
    return status == 429 || in_list(throttling_codes, aws_code);
}

int http_retryable(enum http_error err, long status, const char *aws_code)
{
    switch (err) {
    case HTTP_ECONNECT:
    case HTTP_ETIMEOUT:
    case HTTP_ERESET:
        return 1;
    case HTTP_ETLS:
    case HTTP_EOTHER:
    case HTTP_EINTR:
        return 0;
    case HTTP_OK:
        break;
    }
    if (in_list(never_codes, aws_code))
        return 0;
    if (in_list(throttling_codes, aws_code) || in_list(transient_codes, aws_code))
        return 1;
    return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

void http_quota_init(struct http_retry_quota *q)
{
    q->available = q->max = HTTP_QUOTA_INITIAL;
}

int http_quota_acquire(struct http_retry_quota *q, enum http_error err)
{
    int cost = err == HTTP_ETIMEOUT ? HTTP_QUOTA_TIMEOUT_COST
                                    : HTTP_QUOTA_RETRY_COST;

    if (q->available < cost)
        return 0;
    q->available -= cost;
    return cost;
}

void http_quota_release(struct http_retry_quota *q, int amount)
{
    if (amount <= 0)
        return;
    q->available = q->available + amount > q->max ? q->max
                                                  : q->available + amount;
}

/* ---- redaction ---- */

static int name_is_secret(const char *name, size_t n)
{
    static const char *const words[] = {
        "token", "secret", "authorization", "cookie", "password",
        "credential", "api-key", "apikey", NULL
    };
    size_t i;

    for (i = 0; words[i]; i++)
        if (ci_contains_n(name, n, words[i]))
            return 1;
    return 0;
}

int http_header_is_secret(const char *name)
{
    return name && name_is_secret(name, strlen(name));
}

/* AKIAIOSFODNN7EXAMPLE -> AKIA****MPLE; short ids are hidden entirely. */
static void mask_key_id(struct buf *out, const char *id, size_t n)
{
    if (n < 12) {
        buf_adds(out, "****");
        return;
    }
    buf_add(out, id, 4);
    buf_adds(out, "****");
    buf_add(out, id + n - 4, 4);
}

/* "AWS4-HMAC-SHA256 Credential=AKID/scope, SignedHeaders=a;b, Signature=hex" */
static void redact_sigv4(struct buf *out, const char *v)
{
    const char *p = strchr(v, ' '), *end, *eq;
    int first = 1;

    if (!p) {
        buf_adds(out, REDACTED);
        return;
    }
    buf_add(out, v, (size_t)(p - v));
    buf_addc(out, ' ');
    while (*p) {
        size_t klen, n;

        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            break;
        end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        n = (size_t)(end - p);
        while (n > 0 && p[n - 1] == ' ')
            n--;
        eq = memchr(p, '=', n);
        klen = eq ? (size_t)(eq - p) : n;
        if (!first)
            buf_adds(out, ", ");
        first = 0;
        buf_add(out, p, klen);
        buf_addc(out, '=');
        if (eq && klen == 10 && ci_equal_n(p, "Credential", 10)) {
            const char *val = eq + 1, *slash;
            size_t vlen = n - klen - 1;

            slash = memchr(val, '/', vlen);
            mask_key_id(out, val, slash ? (size_t)(slash - val) : vlen);
            if (slash)
                buf_add(out, slash, vlen - (size_t)(slash - val));
        } else if (eq && klen == 13 && ci_equal_n(p, "SignedHeaders", 13)) {
            buf_add(out, eq + 1, n - klen - 1);
        } else {
            buf_adds(out, REDACTED);
        }
        p = end;
    }
}

void http_redact_header(struct buf *out, const char *name, const char *value)
{
    buf_adds(out, name);
    buf_adds(out, ": ");
    if (!http_header_is_secret(name)) {
        buf_adds(out, value);
        return;
    }
    if (ci_equal(name, "authorization") && !strncmp(value, "AWS4-", 5))
        redact_sigv4(out, value);
    else
        buf_adds(out, REDACTED);
}

static int param_is_secret(const char *name, size_t n)
{
    return name_is_secret(name, n) || ci_contains_n(name, n, "signature");
}

void http_redact_url(struct buf *out, const char *url)
{
    const char *p = url, *scheme = strstr(url, "://"), *q;
    /* the authority: after "scheme://", or (no scheme: "user:pw@host")
     * from the start, up to the path, query or fragment */
    const char *auth = scheme && scheme < url + strcspn(url, "/?#")
                       ? scheme + 3 : url;
    size_t alen = strcspn(auth, "/?#");
    const char *at = NULL, *s;

    for (s = auth; s < auth + alen; s++)
        if (*s == '@')
            at = s;
    if (at) {
        buf_add(out, url, (size_t)(auth - url));
        buf_adds(out, REDACTED);
        p = at;
    }
    q = strchr(p, '?');
    if (!q) {
        buf_adds(out, p);
        return;
    }
    buf_add(out, p, (size_t)(q - p) + 1);
    p = q + 1;
    while (*p && *p != '#') {
        size_t n = strcspn(p, "&#"), klen;
        const char *eq = memchr(p, '=', n);

        klen = eq ? (size_t)(eq - p) : n;
        if (eq && param_is_secret(p, klen)) {
            buf_add(out, p, klen + 1);
            buf_adds(out, REDACTED);
        } else {
            buf_add(out, p, n);
        }
        p += n;
        if (*p == '&') {
            buf_addc(out, '&');
            p++;
        }
    }
    buf_adds(out, p);
}
