/* query.c: the Query protocol; query.h. */
#include "aws/query.h"
#include "aws/aws.h"
#include "aws/endpoints.h"
#include "aws/secret.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/interrupt.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void query_params_init(struct query_params *p)
{
    memset(p, 0, sizeof *p);
}

void query_params_free(struct query_params *p)
{
    size_t i;

    for (i = 0; i < p->n; i++)
        secret_free(p->kv[i]);
    free(p->kv);
    query_params_init(p);
}

void query_param(struct query_params *p, const char *key, const char *value)
{
    char *k, *v;

    if (p->n + 2 > p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        char **kv = realloc(p->kv, cap * sizeof *kv);

        if (!kv) {
            p->failed = 1;
            return;
        }
        p->kv = kv;
        p->cap = cap;
    }
    k = strdup(key);
    v = strdup(value ? value : "");
    if (!k || !v) {
        free(k);
        secret_free(v);
        p->failed = 1;
        return;
    }
    p->kv[p->n++] = k;
    p->kv[p->n++] = v;
}

void query_paramf(struct query_params *p, const char *key, const char *fmt, ...)
{
    char v[4096];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(v, sizeof v, fmt, ap);
    va_end(ap);
    query_param(p, key, v);
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
    return aws_unexpected(a, fault, r->status, why, e);
}

/* "Action=A&Version=V&k=v..." (form encoding); the body may hold a
 * secret (a web identity token): wiped by the caller. */
static int form(const struct query_call *c, struct buf *body, struct gen_err *e)
{
    const struct endpoints_service *s = endpoints_service(c->service);
    const struct query_params *p = c->params;
    size_t i;

    if (!s || !s->api_version)
        return err_set(e, GEN_EINTERNAL, NULL, 0, "no API version for '%s'", c->service);
    if (p && p->failed)
        return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    buf_printf(body, "Action=%s&Version=%s", c->action, s->api_version);
    for (i = 0; p && i + 1 < p->n; i += 2) {
        buf_addc(body, '&');
        aws_urlencode(body, p->kv[i], AWS_FORM);
        buf_addc(body, '=');
        aws_urlencode(body, p->kv[i + 1], AWS_FORM);
    }
    return buf_failed(body) ? err_set(e, GEN_ENOMEM, NULL, 0, "out of memory") : 0;
}

int query_send(struct aws *a, const struct query_call *c, struct xml_doc **out,
               struct aws_fault *fault, struct gen_err *e)
{
    struct aws_request q;
    struct http_response r;
    struct buf body;
    int rc;

    buf_init(&body);
    http_response_init(&r);
    rc = form(c, &body, e);
    if (rc == 0) {
        memset(&q, 0, sizeof q);
        q.service = c->service;
        q.method = "POST";
        q.path = "/";
        q.content_type = "application/x-www-form-urlencoded; charset=utf-8";
        q.body = body.data;
        q.body_len = body.len;
        q.flags = c->flags;
        q.creds = c->creds;
        rc = aws_request(a, &q, &r, fault, e);
    }
    if (rc == 0)
        rc = answer(a, &r, c->action, out, fault, e);
    if (rc == GEN_EAWS || rc == GEN_ENET)
        err_prefix(e, "%s", c->action);
    http_response_free(&r);
    secret_buf_wipe(&body);
    return rc;
}

int query_call(struct aws *a, const char *service, const char *action,
               const struct query_params *p, struct xml_doc **out,
               struct aws_fault *fault, struct gen_err *e)
{
    struct query_call c = { service, action, p, 0, NULL };

    return query_send(a, &c, out, fault, e);
}

int query_call_once(struct aws *a, const char *service, const char *action,
                    const struct query_params *p, struct xml_doc **out,
                    struct aws_fault *fault, struct gen_err *e)
{
    struct query_call c = { service, action, p, AWS_ONCE, NULL };

    return query_send(a, &c, out, fault, e);
}

const struct xml_node *query_result(struct aws *a, const struct xml_doc *d,
                                    const char *action, struct gen_err *e)
{
    char name[128], why[300];
    const struct xml_node *r;

    snprintf(name, sizeof name, "%sResult", action);
    r = xml_find(xml_root(d), name);
    if (r)
        return r;
    snprintf(why, sizeof why, "<%sResponse> without <%s>", action, name);
    aws_unexpected(a, NULL, 200, why, e);
    err_prefix(e, "%s", action);
    return NULL;
}

int query_call_kv(struct aws *a, const char *service, const char *action,
                  const char *const *kv, struct xml_doc **out, struct aws_fault *fault,
                  struct gen_err *e)
{
    struct query_params p;
    int rc, i;

    query_params_init(&p);
    for (i = 0; kv[i]; i += 2)
        if (kv[i + 1])
            query_param(&p, kv[i], kv[i + 1]);
    rc = query_call(a, service, action, &p, out, fault, e);
    query_params_free(&p);
    return rc;
}

/* Has token come before (in seen[0..n))? */
static int seen_token(char *const *seen, int n, const char *token)
{
    int i;

    for (i = 0; i < n; i++)
        if (!strcmp(seen[i], token))
            return 1;
    return 0;
}

int query_paged(struct aws *a, const char *service, const char *action,
                const char *const *kv, int max_pages,
                int (*page)(void *ctx, const struct xml_node *result), void *ctx,
                int *cut, struct gen_err *e)
{
    char *token = NULL, **seen;
    const char *all[16];
    int rc = 0, stop = 0, n, pages = 0, i;

    seen = calloc((size_t)max_pages, sizeof *seen);
    if (!seen)
        return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    for (n = 0; kv[n] && n < 12; n += 2) {
        all[n] = kv[n];
        all[n + 1] = kv[n + 1];
    }
    do {
        struct xml_doc *d = NULL;
        const struct xml_node *r;
        const char *next;

        if (interrupt_pending()) {
            free(token);
            rc = err_set(e, GEN_ENET, NULL, 0, "%s: interrupted", action);
            break;
        }
        all[n] = "NextToken";
        all[n + 1] = token;         /* NULL: left out */
        all[n + 2] = NULL;
        rc = query_call_kv(a, service, action, all, &d, NULL, e);
        if (token)
            seen[pages - 1] = token;
        token = NULL;
        if (rc < 0)
            break;
        r = query_result(a, d, action, e);
        if (!r) {
            xml_free(d);
            rc = GEN_EAWS;
            break;
        }
        stop = page(ctx, r);
        next = xml_text(r, "NextToken");
        if (stop < 0) {
            rc = stop;
        } else if (!stop && next && *next) {
            if (pages + 1 >= max_pages || seen_token(seen, pages, next)) {
                if (cut) {
                    *cut = pages + 1 >= max_pages ? 1 : 2;
                } else {
                    rc = err_set(e, GEN_EAWS, NULL, 0, "%s: %s", action,
                                 pages + 1 >= max_pages ?
                                 "more pages than luaform reads (the answer is incomplete)" :
                                 "the service gave the same page token twice "
                                 "(the answer is incomplete)");
                }
            } else if (!(token = strdup(next))) {
                rc = err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
            } else {
                pages++;
            }
        }
        xml_free(d);
    } while (token);
    for (i = 0; i < max_pages; i++)
        free(seen[i]);
    free(seen);
    return rc;
}
