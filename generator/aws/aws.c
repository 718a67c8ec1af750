/* aws.c: the AWS client's core: endpoints, the signed request with the
 * SDKs' standard retries, and the client's life cycle. The protocols sit
 * on top (query.c, s3.c, lambda.c); aws.h says what the core does. */
#include "aws/aws.h"
#include "aws/credentials.h"
#include "aws/endpoints.h"
#include "aws/redact.h"
#include "aws/region.h"
#include "aws/retry.h"
#include "aws/sigv4.h"
#include "aws/sts.h"
#include "aws/xml.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/interrupt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct endpoint {
    char service[32];
    char *base;                /* scheme://host[:port], no trailing '/' */
    char host[300];            /* Host header: host[:port] as curl sends it */
    char path[256];            /* base path, "" for none */
    char signing_region[64];
    struct http_client *http;
};

struct aws {
    struct aws_opts o;
    char region[64];
    const struct region_partition *partition;
    struct cred_provider *cred;
    struct endpoint **ep;        /* every endpoint used so far (each stays put:
                                    a call may add one while it uses another) */
    size_t nep;
    struct http_client *plain;   /* unsigned GETs (the GitHub OIDC token) */
    struct retry_quota quota;
    int max_attempts;
    struct aws_fault last;       /* the last call that failed, for callers */
    int described;               /* --debug: credentials source printed */
};

/* ------------------------------------------------------------ helpers */

void aws_urlencode(struct buf *b, const char *s, int keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p;

    for (p = (const unsigned char *)s; *p; p++) {
        if (keep_slash == AWS_FORM && *p == ' ') {
            buf_addc(b, '+');
        } else if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
            (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' ||
            *p == '~' || (keep_slash == 1 && *p == '/')) {
            buf_addc(b, (char)*p);
        } else {
            buf_addc(b, '%');
            buf_addc(b, hex[*p >> 4]);
            buf_addc(b, hex[*p & 15]);
        }
    }
}

/* A trace line (already redacted), kept on one line: a header or a
 * profile value may carry control characters. */
static void debug_line(void *ctx, const char *line)
{
    char clean[4096];

    (void)ctx;
    err_escape(clean, sizeof clean, line);
    fprintf(stderr, "luaform: debug: %s\n", clean);
}

static struct http_client *new_http(const struct aws *a, const char *base, struct gen_err *e)
{
    struct http_opts ho;

    memset(&ho, 0, sizeof ho);
    if (a->o.debug)
        ho.debug = debug_line;
    return http_client_new(base, &ho, e);
}

/* ------------------------------------------------------------ endpoints */

#define ENDPOINT_URL_MAX 511

/* Where a configured endpoint URL came from, for its errors. */
static void endpoint_source(const struct aws *a, const char *service, const char *url,
                            char *out, size_t n)
{
    char name[64];

    if (url == a->o.endpoint_url) {
        snprintf(out, n, "--endpoint-url");
        return;
    }
    endpoints_variable(service, name, sizeof name);
    if (getenv(name) == url)
        snprintf(out, n, "%s", name);
    else if (getenv("AWS_ENDPOINT_URL") == url)
        snprintf(out, n, "AWS_ENDPOINT_URL");
    else
        snprintf(out, n, "endpoint_url (config file)");
}

/* Read an endpoint URL (libcurl's parser) into ep before anything is
 * sent to it: no user info (its password would go into the signed Host
 * header and the --debug trace), query or fragment. from names where the
 * URL came from; a refused URL is quoted redacted, or not at all. */
static int parse_endpoint(struct endpoint *ep, const char *url, const char *from,
                          struct gen_err *e)
{
    struct http_url u;
    const char *why;
    struct buf shown;
    int rc;

    if (strlen(url) > ENDPOINT_URL_MAX)
        return err_set(e, GEN_EINPUT, NULL, 0, "%s: the endpoint URL is longer than %d bytes",
                       from, ENDPOINT_URL_MAX);
    if (http_url_parse(url, &u, &why) == 0) {
        snprintf(ep->host, sizeof ep->host, "%s", u.host);
        snprintf(ep->path, sizeof ep->path, "%s", u.path);
        if (!(ep->base = strdup(u.base)))
            return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
        return 0;
    }
    if (strstr(why, "user info"))
        return err_set(e, GEN_EINPUT, NULL, 0, "%s: an endpoint URL with user info "
                       "(user:password@host) is refused: luaform signs its requests with "
                       "AWS credentials, and a password there would be sent and shown", from);
    buf_init(&shown);
    redact_url(&shown, url);
    rc = err_set(e, GEN_EINPUT, NULL, 0, "%s: endpoint '%s' %s", from, buf_cstr(&shown), why);
    buf_free(&shown);
    return rc;
}

const char *aws_endpoint_configured(const struct aws *a, const char *service)
{
    return endpoints_configured(cred_profile(a->cred), service, a->o.endpoint_url);
}

/* The URL and signing region for service: at (an S3 virtual host), else
 * the configured endpoint, else the partition's default; from says where
 * the URL came from, for its errors. */
static void endpoint_target(struct aws *a, const char *service, const char *at,
                            char *url, size_t n, const char **signing_region, char *from,
                            size_t fn)
{
    const char *custom = at ? NULL : aws_endpoint_configured(a, service);
    struct endpoints_default d;

    *signing_region = a->region;
    snprintf(from, fn, "endpoint");
    if (custom) {
        endpoint_source(a, service, custom, from, fn);
        snprintf(url, n, "%s", custom);
    } else if (at) {
        snprintf(url, n, "%s", at);
    } else {
        endpoints_default(service, a->region, &d);
        snprintf(url, n, "%s", d.url);
        *signing_region = d.signing_region;
    }
}

/* The endpoint of a service (at: an S3 virtual host, or NULL), made on
 * first use; each keeps its own connection. A configured URL is checked
 * before anything, even when an endpoint in use matches it. */
static struct endpoint *endpoint_at(struct aws *a, const char *service, const char *at,
                                    struct gen_err *e)
{
    char url[ENDPOINT_URL_MAX + 2], from[96];
    const char *signing_region;
    struct endpoint cand, *ep, **v;
    size_t i;

    if (strlen(service) >= sizeof cand.service) {
        err_set(e, GEN_EINTERNAL, NULL, 0, "'%s' is not a service", service);
        return NULL;
    }
    endpoint_target(a, service, at, url, sizeof url, &signing_region, from, sizeof from);
    memset(&cand, 0, sizeof cand);
    if (parse_endpoint(&cand, url, from, e) < 0)
        return NULL;
    for (i = 0; i < a->nep; i++) {
        ep = a->ep[i];
        if (!strcmp(ep->service, service) && !strcmp(ep->base, cand.base) &&
            !strcmp(ep->path, cand.path)) {
            free(cand.base);
            return ep;
        }
    }
    snprintf(cand.service, sizeof cand.service, "%s", service);
    snprintf(cand.signing_region, sizeof cand.signing_region, "%s", signing_region);
    v = realloc(a->ep, (a->nep + 1) * sizeof *v);
    ep = v ? malloc(sizeof *ep) : NULL;
    if (v)
        a->ep = v;
    if (!ep) {
        free(cand.base);
        err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
        return NULL;
    }
    *ep = cand;
    ep->http = new_http(a, ep->base, e);
    if (!ep->http) {
        free(ep->base);
        free(ep);
        return NULL;
    }
    a->ep[a->nep++] = ep;
    return ep;
}

int aws_endpoint_url(struct aws *a, const char *service, char *out, size_t n,
                     struct gen_err *e)
{
    struct endpoint *ep = endpoint_at(a, service, NULL, e);

    if (!ep)
        return e ? e->code : GEN_EINTERNAL;
    snprintf(out, n, "%s%s", ep->base, ep->path);
    return 0;
}

/* ------------------------------------------------------------ one attempt */

/* The request as sent: headers (Host, Content-Type, the caller's, then
 * the signer's), the path below the endpoint's base and the URL. */
struct wire {
    struct sigv4_header sh[2 + AWS_EXTRA_HEADERS];
    struct http_header hh[2 + AWS_EXTRA_HEADERS + SIGV4_MAX_HEADERS];
    char *split[SIGV4_MAX_HEADERS];
    size_t nh, nsplit;
    struct buf path, url;
};

static void wire_free(struct wire *w)
{
    size_t i;

    for (i = 0; i < w->nsplit; i++)
        free(w->split[i]);
    buf_free(&w->path);
    buf_free(&w->url);
}

/* The credentials to sign with (the provider's, described once for
 * --debug), or NULL for an unsigned request. */
static int signing_creds(struct aws *a, const struct aws_request *q,
                         const struct cred_creds **out, struct gen_err *e)
{
    struct buf d;
    int rc;

    *out = q->creds;
    if ((q->flags & AWS_UNSIGNED) || q->creds)
        return 0;
    rc = cred_get(a->cred, time(NULL), out, e);
    if (rc < 0)
        return rc;
    if (a->o.debug && !a->described) {
        buf_init(&d);
        cred_describe(a->cred, &d);
        debug_line(NULL, buf_cstr(&d));
        buf_free(&d);
        a->described = 1;
    }
    return 0;
}

/* Sign the request in w (unless cr is NULL) and add the signer's
 * "Name: value" lines to its headers. */
static int sign(const struct aws_request *q, const struct endpoint *ep,
                const struct cred_creds *cr, struct wire *w, struct gen_err *e)
{
    struct sigv4_creds sc;
    struct sigv4_request sq;
    struct sigv4_params sp;
    struct sigv4_result *sr = NULL;
    size_t k;
    int rc;

    if (!cr)
        return 0;
    memset(&sq, 0, sizeof sq);
    sq.method = q->method;
    sq.path = buf_cstr(&w->path);
    sq.query = q->query;
    sq.headers = w->sh;
    sq.nheaders = w->nh;
    sq.body = q->body;
    sq.body_len = q->body_len;
    memset(&sp, 0, sizeof sp);
    sp.region = ep->signing_region;
    sp.service = endpoints_service(q->service) ? endpoints_service(q->service)->signing_name
                                               : q->service;
    sp.now = time(NULL);
    sp.flags = q->flags & AWS_S3_SIGNING ? SIGV4_S3 : 0;
    sc.access_key_id = cr->access_key_id;
    sc.secret_access_key = cr->secret_access_key;
    sc.session_token = cr->session_token;
    rc = sigv4_sign(&sq, &sc, &sp, &sr, e);
    if (rc < 0)
        return rc;
    for (k = 0; k < sr->nheaders; k++) {
        char *line = strdup(sr->headers[k]), *colon = line ? strchr(line, ':') : NULL;

        if (!colon) {
            free(line);
            continue;
        }
        *colon = '\0';
        w->split[w->nsplit++] = line;
        w->hh[w->nh].name = line;
        w->hh[w->nh++].value = colon + 1 + (colon[1] == ' ');
    }
    sigv4_result_free(sr);
    return 0;
}

/* Build and send one attempt of q to ep; r gets the answer. */
static int attempt(struct aws *a, const struct aws_request *q, struct endpoint *ep,
                   struct http_response *r, struct gen_err *e)
{
    const struct cred_creds *cr;
    struct http_request hq;
    struct wire w;
    size_t i;
    int rc;

    rc = signing_creds(a, q, &cr, e);
    if (rc < 0)
        return rc;
    memset(&w, 0, sizeof w);
    buf_init(&w.path);
    buf_init(&w.url);
    buf_printf(&w.path, "%s%s", ep->path, q->path);
    buf_printf(&w.url, "%s%s%s%s", ep->base, buf_cstr(&w.path),
               q->query && *q->query ? "?" : "", q->query ? q->query : "");
    w.sh[w.nh].name = "Host";
    w.sh[w.nh++].value = ep->host;
    if (q->content_type) {
        w.sh[w.nh].name = "Content-Type";
        w.sh[w.nh++].value = q->content_type;
    }
    for (i = 0; i < q->nheaders; i++) {
        w.sh[w.nh].name = q->headers[i].name;
        w.sh[w.nh++].value = q->headers[i].value;
    }
    for (i = 0; i < w.nh; i++) {
        w.hh[i].name = w.sh[i].name;
        w.hh[i].value = w.sh[i].value;
    }
    rc = buf_failed(&w.path) || buf_failed(&w.url) ?
         err_set(e, GEN_ENOMEM, NULL, 0, "out of memory") : sign(q, ep, cr, &w, e);
    if (rc == 0) {
        memset(&hq, 0, sizeof hq);
        hq.method = q->method;
        hq.url = buf_cstr(&w.url);
        hq.headers = w.hh;
        hq.nheaders = w.nh;
        hq.body = q->body;
        hq.body_len = q->body_len;
        /* once: exactly one request per attempt, never libcurl's own
         * resend on a new connection (see http.h) */
        hq.fresh = (q->flags & AWS_ONCE) != 0;
        hq.max_body = q->max_body;
        rc = http_send(ep->http, &hq, r, e);
    }
    wire_free(&w);
    return rc;
}

/* ------------------------------------------------------------ retries */

/* A 2xx whose body is an S3 <Error> document (CopyObject can answer so). */
static int error_in_2xx(const struct aws_request *q, const struct http_response *r)
{
    struct xml_doc *d = NULL;
    struct gen_err pe;
    int is_error;

    if (!(q->flags & AWS_ERROR_IN_2XX) || xml_parse(r->body.data, r->body.len, &d, &pe) < 0)
        return 0;
    is_error = !strcmp(xml_root(d)->name, "Error");
    xml_free(d);
    return is_error;
}

/* What went wrong with an answer or its absence: fault filled, e set;
 * returns the error code and whether another attempt is worth it. */
static int failure(struct http_response *r, int rc, struct aws_fault *fault, int *retryable,
                   struct gen_err *e)
{
    char text[sizeof fault->code + sizeof fault->message + sizeof fault->request_id + 32];
    long status = r->status;

    if (rc == 0) {
        fault_decode(r, fault);
        if (status >= 200 && status < 300)
            status = 500;       /* an error in a 2xx: as botocore, a 500 */
        *retryable = retry_retryable(HTTP_OK, status, fault->code);
        fault->throttled = retry_throttled(status, fault->code);
        fault_describe(fault, text, sizeof text);
        return err_set(e, GEN_EAWS, NULL, 0, "%s", text);
    }
    memset(fault, 0, sizeof *fault);
    if (rc == GEN_ENET) {
        *retryable = retry_retryable(r->error, 0, NULL);
        snprintf(fault->code, sizeof fault->code, "%s", http_error_name(r->error));
    } else {
        *retryable = 0;
    }
    return rc;
}

long aws_backoff_ms(int attempt)
{
    const char *base = getenv("LUAFORM_RETRY_BASE_MS");
    long ms = retry_backoff_ms(attempt, NULL, NULL);
    char *end;
    long b;

    if (!base || !*base)
        return ms;
    b = strtol(base, &end, 10);
    if (*end || b < 0 || b > RETRY_BACKOFF_BASE_MS)
        return ms;
    return ms * b / RETRY_BACKOFF_BASE_MS;
}

int aws_backoff(int attempt)
{
    return interrupt_sleep_ms(aws_backoff_ms(attempt));
}

int aws_request(struct aws *a, const struct aws_request *q, struct http_response *r,
                struct aws_fault *fault, struct gen_err *e)
{
    struct endpoint *ep = endpoint_at(a, q->service, q->endpoint, e);
    struct aws_fault local;
    int n, rc, cost = 0, retryable;

    if (!ep)
        return e ? e->code : GEN_EINTERNAL;
    if (q->nheaders > AWS_EXTRA_HEADERS)
        return err_set(e, GEN_EINTERNAL, NULL, 0, "more than %d extra headers",
                       AWS_EXTRA_HEADERS);
    if (!fault)
        fault = &local;
    memset(fault, 0, sizeof *fault);
    for (n = 1;; n++) {
        rc = attempt(a, q, ep, r, e);
        if (rc == 0 && r->status >= 200 && r->status < 300 && !error_in_2xx(q, r)) {
            retry_quota_release(&a->quota, cost ? cost : RETRY_QUOTA_NO_RETRY_INCREMENT);
            return 0;
        }
        if (rc < 0 && rc != GEN_ENET)
            return rc;          /* no credentials, a bad request: no answer to record */
        rc = failure(r, rc, fault, &retryable, e);
        fault->attempts = n;
        fault->retryable = retryable;
        a->last = *fault;
        if (!retryable || n >= a->max_attempts || (q->flags & AWS_ONCE) ||
            interrupt_pending())
            return rc;
        cost = retry_quota_acquire(&a->quota, r->error);
        if (!cost)
            return rc;
        if (aws_backoff(n)) {
            fault->retryable = 0;
            a->last = *fault;
            err_prefix(e, "interrupted while waiting to retry");
            return rc;
        }
    }
}

int aws_unexpected(struct aws *a, struct aws_fault *fault, long status, const char *why,
                   struct gen_err *e)
{
    struct aws_fault local;

    if (!fault)
        fault = &local;
    memset(fault, 0, sizeof *fault);
    fault->http_status = (int)status;
    snprintf(fault->code, sizeof fault->code, "UnexpectedAnswer");
    fault_bound(fault->message, sizeof fault->message, why, AWS_MESSAGE_MAX);
    fault->unexpected = 1;
    a->last = *fault;
    return err_set(e, GEN_EAWS, NULL, 0, "unexpected answer (%s)", fault->message);
}

const struct aws_fault *aws_last_fault(const struct aws *a)
{
    return &a->last;
}

int aws_max_attempts(const struct aws *a)
{
    return a->max_attempts;
}

/* ------------------------------------------------------------ GitHub's token */

static int plain_get(void *ctx, const char *url, const char *bearer, long *status,
                     struct buf *body, struct gen_err *e)
{
    struct aws *a = ctx;
    struct http_response r;
    struct http_header h[1];
    struct http_request q;
    struct buf auth;
    int rc;

    if (!a->plain && !(a->plain = new_http(a, NULL, e)))
        return e ? e->code : GEN_ENET;
    buf_init(&auth);
    buf_printf(&auth, "Bearer %s", bearer);
    h[0].name = "Authorization";
    h[0].value = buf_cstr(&auth);
    memset(&q, 0, sizeof q);
    q.method = "GET";
    q.url = url;
    q.headers = h;
    q.nheaders = 1;
    http_response_init(&r);
    rc = http_send(a->plain, &q, &r, e);
    memset(auth.data, 0, auth.len);
    buf_free(&auth);
    if (rc == 0) {
        *status = r.status;
        buf_add(body, r.body.data ? r.body.data : "", r.body.len);
    }
    if (r.body.data)
        memset(r.body.data, 0, r.body.len);
    http_response_free(&r);
    return rc;
}

/* ------------------------------------------------------------ life cycle */

int aws_parse_attempts(const char *s, int *out)
{
    int v = 0;

    if (!s || !*s || strlen(s) > 2 || strspn(s, "0123456789") != strlen(s))
        return -1;
    for (; *s; s++)
        v = v * 10 + (*s - '0');
    if (v < 1 || v > AWS_ATTEMPTS_MAX)
        return -1;
    *out = v;
    return 0;
}

/* --region, then the stack's own (deploy{}), then the SDK chain. */
static int pick_region(struct aws *a, struct gen_err *e)
{
    const char *region = a->o.region ? a->o.region : a->o.default_region ?
                         a->o.default_region : region_resolve(cred_profile(a->cred), NULL);

    if (!region)
        return err_set(e, GEN_EINPUT, NULL, 0, "no region: pass --region, set AWS_REGION, "
                       "or give the profile a region");
    if (!region_valid(region))
        return err_set(e, GEN_EINPUT, NULL, 0, "'%s' is not a region", region);
    snprintf(a->region, sizeof a->region, "%s", region);
    a->partition = region_partition(a->region);
    return 0;
}

static int pick_attempts(struct aws *a, struct gen_err *e)
{
    const char *env = getenv("AWS_MAX_ATTEMPTS");

    a->max_attempts = a->o.max_attempts;
    if (!a->max_attempts && env && *env && aws_parse_attempts(env, &a->max_attempts) < 0)
        return err_set(e, GEN_EINPUT, NULL, 0, "AWS_MAX_ATTEMPTS: '%s' is not a number of "
                       "attempts from 1 to %d", env, AWS_ATTEMPTS_MAX);
    if (a->max_attempts <= 0)
        a->max_attempts = RETRY_MAX_ATTEMPTS_DEFAULT;
    return 0;
}

int aws_new(const struct aws_opts *o, struct aws **out, struct gen_err *e)
{
    struct cred_opts co;
    struct cred_sts sts;
    struct aws *a;
    int rc;

    a = calloc(1, sizeof *a);
    if (!a)
        return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    a->o = *o;
    rc = http_global_init(e);
    if (rc < 0) {
        free(a);
        return rc;
    }
    memset(&co, 0, sizeof co);
    co.profile = o->profile;
    co.role_arn = o->role_arn;
    sts_credential_calls(a, &sts);
    sts.http_get = plain_get;
    rc = cred_new(&co, &sts, &a->cred, e);
    if (rc == 0)
        rc = pick_region(a, e);
    if (rc == 0)
        rc = pick_attempts(a, e);
    if (rc < 0) {
        cred_free(a->cred);
        http_global_cleanup();
        free(a);
        return rc;
    }
    retry_quota_init(&a->quota);
    *out = a;
    return 0;
}

void aws_free(struct aws *a)
{
    size_t i;

    if (!a)
        return;
    for (i = 0; i < a->nep; i++) {
        http_client_free(a->ep[i]->http);
        free(a->ep[i]->base);
        free(a->ep[i]);
    }
    free(a->ep);
    http_client_free(a->plain);
    cred_free(a->cred);
    http_global_cleanup();
    free(a);
}

const char *aws_region(const struct aws *a)
{
    return a->region;
}

const char *aws_partition(const struct aws *a)
{
    return a->partition->id;
}

const char *aws_dns_suffix(const struct aws *a)
{
    return a->partition->dns_suffix;
}
