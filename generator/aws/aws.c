/* aws.c: the AWS client. Endpoints come from --endpoint-url, the
 * AWS_ENDPOINT_URL[_SERVICE] variables and the profile (credentials.c), else the
 * partition's default; every request is signed again for each attempt
 * (fresh time, refreshed credentials) and retried as the SDKs' standard
 * mode does: transient transport errors, 5xx and throttling, with capped
 * exponential backoff and full jitter, within a retry quota. */
#include "aws/aws.h"
#include "core/buf.h"
#include "aws/credentials.h"
#include "aws/endpoints.h"
#include "aws/region.h"
#include "core/err.h"
#include "aws/http.h"
#include "core/interrupt.h"
#include "core/isotime.h"
#include "aws/sigv4.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_ENDPOINTS 4

struct endpoint {
    char service[32];
    char *base;                /* scheme://host[:port][/path], no trailing '/' */
    char host[256];            /* Host header: host[:port] as curl sends it */
    char path[256];            /* base path, "" for none */
    int custom;                /* from --endpoint-url or the environment */
    struct http_client *http;
};

enum sign_mode { SIGN_PROVIDER, SIGN_WITH, SIGN_NONE };

struct aws {
    struct aws_opts o;
    char region[64];
    const char *partition;
    const char *dns_suffix;
    struct cred_provider *cred;
    struct endpoint ep[MAX_ENDPOINTS];
    int nep;
    struct http_client *plain;   /* unsigned GETs (the GitHub OIDC token) */
    struct http_retry_quota quota;
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

void aws_params_init(struct aws_params *p)
{
    memset(p, 0, sizeof *p);
}

void aws_params_free(struct aws_params *p)
{
    size_t i;

    for (i = 0; i < p->n; i++)
        free(p->kv[i]);
    free(p->kv);
    aws_params_init(p);
}

void aws_param(struct aws_params *p, const char *key, const char *value)
{
    if (p->n + 2 > p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        char **kv = realloc(p->kv, cap * sizeof *kv);

        if (!kv)
            return;
        p->kv = kv;
        p->cap = cap;
    }
    p->kv[p->n++] = strdup(key);
    p->kv[p->n++] = strdup(value ? value : "");
}

void aws_paramf(struct aws_params *p, const char *key, const char *fmt, ...)
{
    char v[4096];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(v, sizeof v, fmt, ap);
    va_end(ap);
    aws_param(p, key, v);
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

/* ------------------------------------------------------------ endpoints */

#define ENDPOINT_URL_MAX 511

/* Where a configured endpoint URL came from, for its errors. */
static void endpoint_source(const struct aws *a, const char *service, const char *url,
                            char *out, size_t n)
{
    char name[64];
    size_t i, k;

    if (url == a->o.endpoint_url) {
        snprintf(out, n, "--endpoint-url");
        return;
    }
    k = (size_t)snprintf(name, sizeof name, "AWS_ENDPOINT_URL_%s", service);
    for (i = 17; i < k && i < sizeof name - 1; i++)
        name[i] = (name[i] >= 'a' && name[i] <= 'z') ? (char)(name[i] - 'a' + 'A') :
                  ((name[i] >= 'A' && name[i] <= 'Z') || (name[i] >= '0' && name[i] <= '9'))
                  ? name[i] : '_';
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
    http_redact_url(&shown, url);
    rc = err_set(e, GEN_EINPUT, NULL, 0, "%s: endpoint '%s' %s", from, buf_cstr(&shown), why);
    buf_free(&shown);
    return rc;
}

/* The endpoint of a service: at url when given (an S3 virtual host),
 * else the configured one, else the partition's default. */
static struct endpoint *endpoint_at(struct aws *a, const char *service,
                                    const char *at, struct gen_err *e)
{
    struct http_opts ho;
    struct endpoint *ep;
    const char *custom = at ? NULL : endpoints_configured(cred_profile(a->cred), service, a->o.endpoint_url);
    char url[ENDPOINT_URL_MAX + 1], from[96] = "endpoint";
    struct endpoint probe;
    int i;

    if (custom) {
        /* refused before anything, even a match with an endpoint in use */
        endpoint_source(a, service, custom, from, sizeof from);
        memset(&probe, 0, sizeof probe);
        if (parse_endpoint(&probe, custom, from, e) < 0)
            return NULL;
        free(probe.base);
    }
    if (at)
        snprintf(url, sizeof url, "%s", at);
    else if (custom)
        snprintf(url, sizeof url, "%s", custom);
    else
        snprintf(url, sizeof url, "https://%s.%s.%s", service, a->region, a->dns_suffix);
    for (i = 0; i < a->nep; i++)
        if (!strcmp(a->ep[i].service, service) && !strncmp(a->ep[i].base, url, strlen(a->ep[i].base)))
            return &a->ep[i];
    if (a->nep == MAX_ENDPOINTS) {
        err_set(e, GEN_EINTERNAL, NULL, 0, "too many endpoints");
        return NULL;
    }
    ep = &a->ep[a->nep];
    memset(ep, 0, sizeof *ep);
    snprintf(ep->service, sizeof ep->service, "%s", service);
    ep->custom = custom != NULL;
    if (parse_endpoint(ep, url, from, e) < 0)
        return NULL;
    memset(&ho, 0, sizeof ho);
    if (a->o.debug)
        ho.debug = debug_line;
    ep->http = http_client_new(ep->base, &ho, e);
    if (!ep->http) {
        free(ep->base);
        return NULL;
    }
    a->nep++;
    return ep;
}

static struct endpoint *endpoint(struct aws *a, const char *service, struct gen_err *e)
{
    return endpoint_at(a, service, NULL, e);
}

/* ------------------------------------------------------------ one call */

struct call {
    const char *service;
    const char *method;
    const char *path;           /* below the endpoint's base path, "/..." */
    const char *query;          /* NULL or "" */
    const char *content_type;   /* NULL: none */
    const void *body;
    size_t body_len;
    enum sign_mode sign;
    const struct cred_creds *creds;   /* SIGN_WITH */
    unsigned sigv4_flags;
    int once;                   /* no retry: the caller checks state first */
    struct endpoint *ep;        /* NULL: the service's endpoint */
};

static void fault_from(struct aws_fault *f, const struct xml_aws_error *x)
{
    f->http_status = x->http_status;
    snprintf(f->code, sizeof f->code, "%s", x->code);
    snprintf(f->message, sizeof f->message, "%s", x->message);
    snprintf(f->request_id, sizeof f->request_id, "%s", x->request_id);
}

/* Send one request with retries; on success r holds the 2xx response. */
static int call(struct aws *a, const struct call *c, struct http_response *r,
                struct aws_fault *fault, struct gen_err *e)
{
    struct endpoint *ep = c->ep ? c->ep : endpoint(a, c->service, e);
    struct aws_fault local;
    int attempt, rc = 0, cost = 0;

    if (!ep)
        return e ? e->code : GEN_EINTERNAL;
    if (!fault)
        fault = &local;
    memset(fault, 0, sizeof *fault);
    for (attempt = 1;; attempt++) {
        const struct cred_creds *cr = c->creds;
        struct sigv4_header sh[3];
        struct sigv4_request sq;
        struct sigv4_params sp;
        struct sigv4_result *sr = NULL;
        struct http_header hh[3 + SIGV4_MAX_HEADERS];
        struct http_request hq;
        struct buf path, url;
        size_t nh = 0, i;
        int retryable;

        if (c->sign == SIGN_PROVIDER) {
            rc = cred_get(a->cred, time(NULL), &cr, e);
            if (rc < 0)
                return rc;
            if (a->o.debug && !a->described) {
                struct buf d;

                buf_init(&d);
                cred_describe(a->cred, &d);
                debug_line(NULL, buf_cstr(&d));
                buf_free(&d);
                a->described = 1;
            }
        }
        buf_init(&path);
        buf_init(&url);
        buf_printf(&path, "%s%s", ep->path, c->path);
        buf_printf(&url, "%s%s%s%s", ep->base, buf_cstr(&path),
                   c->query && *c->query ? "?" : "", c->query ? c->query : "");
        sh[nh].name = "Host";
        sh[nh++].value = ep->host;
        if (c->content_type) {
            sh[nh].name = "Content-Type";
            sh[nh++].value = c->content_type;
        }
        for (i = 0; i < nh; i++) {
            hh[i].name = sh[i].name;
            hh[i].value = sh[i].value;
        }
        if (c->sign != SIGN_NONE) {
            memset(&sq, 0, sizeof sq);
            sq.method = c->method;
            sq.path = buf_cstr(&path);
            sq.query = c->query;
            sq.headers = sh;
            sq.nheaders = nh;
            sq.body = c->body;
            sq.body_len = c->body_len;
            memset(&sp, 0, sizeof sp);
            sp.region = a->region;
            sp.service = c->service;
            sp.now = time(NULL);
            sp.flags = c->sigv4_flags;
            {
                struct sigv4_creds sc = { cr->access_key_id, cr->secret_access_key,
                                        cr->session_token };

                rc = sigv4_sign(&sq, &sc, &sp, &sr, e);
            }
            if (rc < 0) {
                buf_free(&path);
                buf_free(&url);
                return rc;
            }
        }
        /* the signer's "Name: value" lines become headers */
        {
            char *split[SIGV4_MAX_HEADERS];
            size_t k;

            for (k = 0; sr && k < sr->nheaders; k++) {
                split[k] = strdup(sr->headers[k]);
                char *colon = split[k] ? strchr(split[k], ':') : NULL;

                if (!colon)
                    continue;
                *colon = '\0';
                hh[nh].name = split[k];
                hh[nh++].value = colon + 1 + (colon[1] == ' ');
            }
            memset(&hq, 0, sizeof hq);
            hq.method = c->method;
            hq.url = buf_cstr(&url);
            hq.headers = hh;
            hq.nheaders = nh;
            hq.body = c->body;
            hq.body_len = c->body_len;
            /* once: exactly one request per attempt, never libcurl's own
             * resend on a new connection (see http.h) */
            hq.fresh = c->once;
            http_response_free(r);
            http_response_init(r);
            rc = http_send(ep->http, &hq, r, e);
            for (i = 0; sr && i < sr->nheaders; i++)
                free(split[i]);
        }
        sigv4_result_free(sr);
        buf_free(&path);
        buf_free(&url);

        if (rc == 0 && r->status >= 200 && r->status < 300) {
            http_quota_release(&a->quota, cost ? cost : HTTP_QUOTA_NO_RETRY_INCREMENT);
            return 0;
        }
        if (rc == 0) {
            struct xml_aws_error x;

            xml_aws_error(r->body.data, r->body.len, (int)r->status, &x);
            /* AWS quotes the canonical request (with the session token) in
             * SignatureDoesNotMatch: never pass that on */
            {
                char *cut = strstr(x.message, "The Canonical String");

                if (!cut)
                    cut = strstr(x.message, "The String-to-Sign");
                if (cut)
                    *cut = '\0';
                for (cut = x.message + strlen(x.message); cut > x.message &&
                     (cut[-1] == ' ' || cut[-1] == '\n'); cut--)
                    cut[-1] = '\0';
            }
            fault_from(fault, &x);
            retryable = http_retryable(HTTP_OK, r->status, x.code);
            rc = err_set(e, GEN_EAWS, NULL, 0, "%s: %s%s%s%s", x.code, x.message,
                         x.request_id[0] ? " (request id " : "", x.request_id,
                         x.request_id[0] ? ")" : "");
        } else if (rc == GEN_ENET) {
            retryable = http_retryable(r->error, 0, NULL);
            snprintf(fault->code, sizeof fault->code, "%s", http_error_name(r->error));
        } else {
            return rc;
        }
        if (!retryable || attempt >= a->max_attempts || c->once) {
            fault->retryable = retryable;
            a->last = *fault;
            return rc;
        }
        cost = http_quota_acquire(&a->quota, r->error);
        if (!cost) {
            fault->retryable = retryable;
            a->last = *fault;
            return rc;
        }
        if (interrupt_sleep_ms(http_backoff_ms(attempt, NULL, NULL))) {
            fault->retryable = 0;
            a->last = *fault;
            err_prefix(e, "interrupted while waiting to retry");
            return rc;
        }
    }
}

/* ------------------------------------------------------------ Query */

static const char *api_version(const char *service)
{
    return !strcmp(service, "sts") ? "2011-06-15" : "2010-05-15";
}

/* Record a 2xx that was not the action's answer in fault and a->last
 * (code "UnexpectedAnswer", not retryable); returns GEN_EAWS with e's
 * message "unexpected answer (WHY)". */
static int unexpected(struct aws *a, struct aws_fault *fault, long status, const char *why,
                      struct gen_err *e)
{
    memset(fault, 0, sizeof *fault);
    fault->http_status = (int)status;
    snprintf(fault->code, sizeof fault->code, "UnexpectedAnswer");
    snprintf(fault->message, sizeof fault->message, "%s", why);
    fault->unexpected = 1;
    a->last = *fault;
    return err_set(e, GEN_EAWS, NULL, 0, "unexpected answer (%s)", why);
}

/* The parsed answer to action in r (a 2xx). Anything whose root element
 * is not <ActionResponse> (a captive portal's page, a proxy's own answer,
 * an empty body) is not one: GEN_EAWS, fault->unexpected. */
static int answer(struct aws *a, const struct http_response *r, const char *action,
                  struct xml_doc **out, struct aws_fault *fault, struct gen_err *e)
{
    struct xml_doc *d = NULL;
    struct gen_err pe;
    char want[128], what[256], why[300];
    int rc;

    snprintf(want, sizeof want, "%sResponse", action);
    rc = xml_parse(r->body.data, r->body.len, &d, &pe);
    if (rc == GEN_ENOMEM)
        return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    if (rc == 0 && !strcmp(xml_root(d)->name, want)) {
        *out = d;
        return 0;
    }
    xml_free(d);
    xml_describe(r->body.data, r->body.len, what, sizeof what);
    snprintf(why, sizeof why, "HTTP %ld, %s", r->status, what);
    return unexpected(a, fault, r->status, why, e);
}

static int query(struct aws *a, const char *service, const char *action,
                 const struct aws_params *p, enum sign_mode sign,
                 const struct cred_creds *creds, int once, struct xml_doc **out,
                 struct aws_fault *fault, struct gen_err *e)
{
    struct aws_fault local;
    struct http_response r;
    struct call c;
    struct buf body;
    size_t i;
    int rc;

    if (!fault)
        fault = &local;
    buf_init(&body);
    buf_printf(&body, "Action=%s&Version=%s", action, api_version(service));
    for (i = 0; p && i + 1 < p->n; i += 2) {
        buf_addc(&body, '&');
        aws_urlencode(&body, p->kv[i], AWS_FORM);
        buf_addc(&body, '=');
        aws_urlencode(&body, p->kv[i + 1], AWS_FORM);
    }
    if (buf_failed(&body)) {
        buf_free(&body);
        return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    }
    memset(&c, 0, sizeof c);
    c.service = service;
    c.method = "POST";
    c.path = "/";
    c.content_type = "application/x-www-form-urlencoded; charset=utf-8";
    c.body = body.data;
    c.body_len = body.len;
    c.sign = sign;
    c.creds = creds;
    c.once = once;
    http_response_init(&r);
    rc = call(a, &c, &r, fault, e);
    if (rc == 0)
        rc = answer(a, &r, action, out, fault, e);
    if (rc == GEN_EAWS || rc == GEN_ENET)
        err_prefix(e, "%s", action);
    http_response_free(&r);
    buf_free(&body);
    return rc;
}

int aws_query(struct aws *a, const char *service, const char *action,
              const struct aws_params *p, struct xml_doc **out,
              struct aws_fault *fault, struct gen_err *e)
{
    return query(a, service, action, p, SIGN_PROVIDER, NULL, 0, out, fault, e);
}

int aws_query_once(struct aws *a, const char *service, const char *action,
                   const struct aws_params *p, struct xml_doc **out,
                   struct aws_fault *fault, struct gen_err *e)
{
    return query(a, service, action, p, SIGN_PROVIDER, NULL, 1, out, fault, e);
}

int aws_backoff(int attempt)
{
    return interrupt_sleep_ms(http_backoff_ms(attempt, NULL, NULL));
}

const struct xml_node *aws_result(struct aws *a, const struct xml_doc *d,
                                 const char *action, struct gen_err *e)
{
    char name[128], why[300];
    struct aws_fault f;
    const struct xml_node *r;

    snprintf(name, sizeof name, "%sResult", action);
    r = xml_find(xml_root(d), name);
    if (r)
        return r;
    snprintf(why, sizeof why, "<%sResponse> without <%s>", action, name);
    unexpected(a, &f, 200, why, e);
    err_prefix(e, "%s", action);
    return NULL;
}

const struct aws_fault *aws_last_fault(const struct aws *a)
{
    return &a->last;
}

int aws_max_attempts(const struct aws *a)
{
    return a->max_attempts;
}

/* ------------------------------------------------------------ STS for credentials.c */

static int creds_from(const struct xml_doc *d, const char *result,
                      struct cred_creds *out, struct gen_err *e)
{
    char path[128];
    const struct xml_node *c;
    const char *exp;
    time_t when = 0;

    snprintf(path, sizeof path, "%s/Credentials", result);
    c = xml_find(xml_root(d), path);
    if (!c || !xml_text(c, "AccessKeyId") || !xml_text(c, "SecretAccessKey"))
        return err_set(e, GEN_EAWS, NULL, 0, "STS answer without credentials");
    exp = xml_text(c, "Expiration");
    if (exp && isotime_parse(exp, &when, NULL) < 0)
        return err_set(e, GEN_EAWS, NULL, 0, "STS answer with a bad Expiration");
    return cred_creds_set(out, xml_text(c, "AccessKeyId"), xml_text(c, "SecretAccessKey"),
                          xml_text(c, "SessionToken"), when, e);
}

/* An STS AssumeRole* call: role, session name, one more parameter (the
 * external id, or the web identity token: a secret, wiped after use). */
static int sts_creds(struct aws *a, const char *action, const char *role_arn,
                     const char *session_name, const char *key, const char *value,
                     enum sign_mode sign, const struct cred_creds *base, int duration,
                     struct cred_creds *out, struct gen_err *e)
{
    struct aws_params p;
    struct xml_doc *d = NULL;
    char result[64];
    int rc;

    aws_params_init(&p);
    aws_param(&p, "RoleArn", role_arn);
    aws_param(&p, "RoleSessionName", session_name);
    if (value)
        aws_param(&p, key, value);
    if (duration)
        aws_paramf(&p, "DurationSeconds", "%d", duration);
    rc = query(a, "sts", action, &p, sign, base, 0, &d, NULL, e);
    if (value && p.n >= 6)
        memset(p.kv[5], 0, strlen(p.kv[5]));
    aws_params_free(&p);
    snprintf(result, sizeof result, "%sResult", action);
    if (rc == 0)
        rc = creds_from(d, result, out, e);
    xml_free(d);
    return rc;
}

static int sts_assume_role(void *ctx, const struct cred_creds *base,
                           const char *role_arn, const char *session_name,
                           const char *external_id, int duration,
                           struct cred_creds *out, struct gen_err *e)
{
    return sts_creds(ctx, "AssumeRole", role_arn, session_name, "ExternalId", external_id,
                     SIGN_WITH, base, duration, out, e);
}

/* Unsigned by design: the token is the credential. */
static int sts_assume_web(void *ctx, const char *token, const char *role_arn,
                          const char *session_name, int duration,
                          struct cred_creds *out, struct gen_err *e)
{
    return sts_creds(ctx, "AssumeRoleWithWebIdentity", role_arn, session_name,
                     "WebIdentityToken", token, SIGN_NONE, NULL, duration, out, e);
}

static int plain_get(void *ctx, const char *url, const char *bearer, long *status,
                     struct buf *body, struct gen_err *e)
{
    struct aws *a = ctx;
    struct http_response r;
    struct http_header h[1];
    struct http_request q;
    struct buf auth;
    int rc;

    if (!a->plain) {
        struct http_opts ho;

        memset(&ho, 0, sizeof ho);
        if (a->o.debug)
            ho.debug = debug_line;
        a->plain = http_client_new(NULL, &ho, e);
        if (!a->plain)
            return e ? e->code : GEN_ENET;
    }
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

int aws_new(const struct aws_opts *o, struct aws **out, struct gen_err *e)
{
    struct cred_opts co;
    struct cred_sts sts;
    struct aws *a;
    const char *region, *env;
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
    memset(&sts, 0, sizeof sts);
    sts.ctx = a;
    sts.assume_role = sts_assume_role;
    sts.assume_role_web_identity = sts_assume_web;
    sts.http_get = plain_get;
    rc = cred_new(&co, &sts, &a->cred, e);
    if (rc < 0)
        goto fail;
    /* --region, then the stack's own (deploy{}), then the SDK chain */
    region = o->region ? o->region : o->default_region ? o->default_region :
             region_resolve(cred_profile(a->cred), NULL);
    if (!region) {
        rc = err_set(e, GEN_EINPUT, NULL, 0, "no region: pass --region, set AWS_REGION, "
                     "or give the profile a region");
        goto fail;
    }
    if (strspn(region, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(region) ||
        strlen(region) >= sizeof a->region) {
        rc = err_set(e, GEN_EINPUT, NULL, 0, "'%s' is not a region", region);
        goto fail;
    }
    snprintf(a->region, sizeof a->region, "%s", region);
    if (!strncmp(region, "cn-", 3)) {
        a->partition = "aws-cn";
        a->dns_suffix = "amazonaws.com.cn";
    } else if (!strncmp(region, "us-gov-", 7)) {
        a->partition = "aws-us-gov";
        a->dns_suffix = "amazonaws.com";
    } else {
        a->partition = "aws";
        a->dns_suffix = "amazonaws.com";
    }
    a->max_attempts = o->max_attempts;
    env = getenv("AWS_MAX_ATTEMPTS");
    if (!a->max_attempts && env && *env && aws_parse_attempts(env, &a->max_attempts) < 0) {
        rc = err_set(e, GEN_EINPUT, NULL, 0, "AWS_MAX_ATTEMPTS: '%s' is not a number of "
                     "attempts from 1 to %d", env, AWS_ATTEMPTS_MAX);
        goto fail;
    }
    if (a->max_attempts <= 0)
        a->max_attempts = HTTP_MAX_ATTEMPTS_DEFAULT;
    http_quota_init(&a->quota);
    *out = a;
    return 0;
fail:
    cred_free(a->cred);
    http_global_cleanup();
    free(a);
    return rc;
}

void aws_free(struct aws *a)
{
    int i;

    if (!a)
        return;
    for (i = 0; i < a->nep; i++) {
        http_client_free(a->ep[i].http);
        free(a->ep[i].base);
    }
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
    return a->partition;
}

int aws_endpoint_url(struct aws *a, const char *service, char *out, size_t n,
                     struct gen_err *e)
{
    struct endpoint *ep = endpoint(a, service, e);

    if (!ep)
        return e ? e->code : GEN_EINTERNAL;
    snprintf(out, n, "%s%s", ep->base, ep->path);
    return 0;
}

int aws_account(struct aws *a, char *out, size_t n, struct gen_err *e)
{
    struct xml_doc *d = NULL;
    const char *acct;
    int rc;

    rc = aws_query(a, "sts", "GetCallerIdentity", NULL, &d, NULL, e);
    if (rc < 0)
        return rc;
    acct = xml_text(xml_root(d), "GetCallerIdentityResult/Account");
    if (!acct)
        rc = err_set(e, GEN_EAWS, NULL, 0, "GetCallerIdentity: no account in the answer");
    else
        snprintf(out, n, "%s", acct);
    xml_free(d);
    return rc;
}

/* ------------------------------------------------------------ S3 */

static int dns_bucket(const char *b)
{
    size_t n = strlen(b);

    return n >= 3 && n <= 63 && !strchr(b, '.') &&
           strspn(b, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

int aws_s3_put(struct aws *a, const char *bucket, const char *key,
               const void *data, size_t len, char **url_out, struct gen_err *e)
{
    struct endpoint *ep;
    struct http_response r;
    struct call c;
    struct buf path, url, vhost;
    int rc;

    buf_init(&path);
    buf_init(&url);
    buf_init(&vhost);
    /* path style for a configured endpoint or a dotted name, else the
     * bucket's virtual host */
    if (endpoints_configured(cred_profile(a->cred), "s3", a->o.endpoint_url) || !dns_bucket(bucket)) {
        ep = endpoint(a, "s3", e);
        buf_addc(&path, '/');
        aws_urlencode(&path, bucket, 0);
    } else {
        buf_printf(&vhost, "https://%s.s3.%s.%s", bucket, a->region, a->dns_suffix);
        ep = endpoint_at(a, "s3", buf_cstr(&vhost), e);
    }
    buf_addc(&path, '/');
    aws_urlencode(&path, key, 1);
    if (!ep) {
        rc = e ? e->code : GEN_EINTERNAL;
        goto out;
    }
    /* CloudFormation reads TemplateURL in AWS's own form, whatever endpoint
     * the object was put through */
    if (dns_bucket(bucket))
        buf_printf(&url, "https://%s.s3.%s.%s/", bucket, a->region, a->dns_suffix);
    else
        buf_printf(&url, "https://s3.%s.%s/%s/", a->region, a->dns_suffix, bucket);
    aws_urlencode(&url, key, 1);
    memset(&c, 0, sizeof c);
    c.service = "s3";
    c.method = "PUT";
    c.path = buf_cstr(&path);
    c.content_type = "application/octet-stream";
    c.body = data;
    c.body_len = len;
    c.sign = SIGN_PROVIDER;
    c.sigv4_flags = SIGV4_S3;
    c.ep = ep;
    http_response_init(&r);
    rc = call(a, &c, &r, NULL, e);
    /* S3 always answers a put with its ETag: a 2xx without one came from
     * something else (a portal, a proxy) and the object may not be there */
    if (rc == 0 && !http_response_header(&r, "etag")) {
        char what[256];

        xml_describe(r.body.data, r.body.len, what, sizeof what);
        rc = err_set(e, GEN_EAWS, NULL, 0, "unexpected answer (HTTP %ld without an ETag, %s)",
                     r.status, what);
    }
    if (rc < 0)
        err_prefix(e, "PutObject s3://%s/%s", bucket, key);
    else if (url_out && !(*url_out = strdup(buf_cstr(&url))))
        rc = err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    http_response_free(&r);
out:
    buf_free(&path);
    buf_free(&url);
    buf_free(&vhost);
    return rc;
}
