/* lambda.c: AWS Lambda (REST-JSON) on the core; lambda.h. */
#include "aws/lambda.h"
#include "aws/aws.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/interrupt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define API "/2015-03-31"

/* ------------------------------------------------------------ REST-JSON */

/* One call: method on path (below /2015-03-31) with query and a JSON
 * body (NULL: none); *out is the answer, a JSON object. Errors read
 * "Op FUNCTION: ...". */
struct call {
    const char *op;
    const char *function;
    const char *method;
    struct buf path;
    const char *query;
    const json_t *body;
};

static void call_init(struct call *c, const char *op, const char *function, const char *method)
{
    memset(c, 0, sizeof *c);
    c->op = op;
    c->function = function;
    c->method = method;
    buf_init(&c->path);
    buf_adds(&c->path, API "/functions/");
    aws_urlencode(&c->path, function, 0);
}

/* The answer of a 2xx: a JSON object, or an unexpected answer. */
static int answer(struct aws *a, const struct http_response *r, json_t **out,
                  struct gen_err *e)
{
    json_error_t je;
    json_t *root = json_loadb(r->body.data ? r->body.data : "", r->body.len, 0, &je);
    char why[300];

    if (json_is_object(root)) {
        *out = root;
        return 0;
    }
    json_decref(root);
    snprintf(why, sizeof why, "HTTP %ld, %s", r->status,
             r->body.len ? "not a JSON object" : "an empty body");
    return aws_unexpected(a, NULL, r->status, why, e);
}

static int send_call(struct aws *a, struct call *c, json_t **out, struct aws_fault *fault,
                     struct gen_err *e)
{
    struct aws_request q;
    struct http_response r;
    char *body = NULL;
    int rc;

    *out = NULL;
    if (c->body && !(body = json_dumps(c->body, JSON_COMPACT)))
        return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    memset(&q, 0, sizeof q);
    q.service = "lambda";
    q.method = c->method;
    q.path = buf_cstr(&c->path);
    q.query = c->query;
    q.body = body;
    q.body_len = body ? strlen(body) : 0;
    q.content_type = body ? "application/json" : NULL;
    http_response_init(&r);
    rc = buf_failed(&c->path) ? err_set(e, GEN_ENOMEM, NULL, 0, "out of memory")
                              : aws_request(a, &q, &r, fault, e);
    if (rc == 0)
        rc = answer(a, &r, out, e);
    if (rc < 0)
        err_prefix(e, "%s %s", c->op, c->function);
    http_response_free(&r);
    free(body);
    buf_free(&c->path);
    return rc;
}

/* ------------------------------------------------------------ results */

static char *text(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));

    return s ? strdup(s) : NULL;
}

void lambda_function_free(struct lambda_function *f)
{
    if (!f)
        return;
    free(f->name);
    free(f->arn);
    free(f->version);
    free(f->code_sha256);
    free(f->revision_id);
    free(f->last_modified);
    free(f->state);
    free(f->description);
    memset(f, 0, sizeof *f);
}

static int function_from(const json_t *c, struct lambda_function *f, struct gen_err *e)
{
    memset(f, 0, sizeof *f);
    f->name = text(c, "FunctionName");
    f->arn = text(c, "FunctionArn");
    f->version = text(c, "Version");
    f->code_sha256 = text(c, "CodeSha256");
    f->revision_id = text(c, "RevisionId");
    f->last_modified = text(c, "LastModified");
    f->state = text(c, "State");
    f->description = text(c, "Description");
    f->code_size = json_integer_value(json_object_get(c, "CodeSize"));
    if (!f->name || !f->version) {
        lambda_function_free(f);
        return err_set(e, GEN_EAWS, NULL, 0, "unexpected answer (a function configuration "
                       "without FunctionName or Version)");
    }
    return 0;
}

void lambda_alias_free(struct lambda_alias *al)
{
    if (!al)
        return;
    free(al->name);
    free(al->arn);
    free(al->function_version);
    free(al->revision_id);
    free(al->description);
    json_decref(al->weights);
    memset(al, 0, sizeof *al);
}

static int alias_from(const json_t *o, struct lambda_alias *al, struct gen_err *e)
{
    json_t *w = json_object_get(json_object_get(o, "RoutingConfig"),
                                "AdditionalVersionWeights");

    memset(al, 0, sizeof *al);
    al->name = text(o, "Name");
    al->arn = text(o, "AliasArn");
    al->function_version = text(o, "FunctionVersion");
    al->revision_id = text(o, "RevisionId");
    al->description = text(o, "Description");
    if (json_is_object(w) && json_object_size(w))
        al->weights = json_deep_copy(w);
    if (!al->name || !al->function_version) {
        lambda_alias_free(al);
        return err_set(e, GEN_EAWS, NULL, 0, "unexpected answer (an alias without Name or "
                       "FunctionVersion)");
    }
    return 0;
}

/* ------------------------------------------------------------ reads */

int lambda_get_function(struct aws *a, const char *function, const char *qualifier,
                        struct lambda_function *out, struct gen_err *e)
{
    struct buf query;
    struct call c;
    json_t *root;
    int rc;

    memset(out, 0, sizeof *out);
    buf_init(&query);
    if (qualifier) {
        buf_adds(&query, "Qualifier=");
        aws_urlencode(&query, qualifier, 0);
    }
    call_init(&c, "GetFunction", function, "GET");
    c.query = query.len ? buf_cstr(&query) : NULL;
    rc = send_call(a, &c, &root, NULL, e);
    if (rc == 0) {
        rc = function_from(json_object_get(root, "Configuration"), out, e);
        if (rc < 0)
            err_prefix(e, "GetFunction %s", function);
    }
    json_decref(root);
    buf_free(&query);
    return rc;
}

int lambda_get_alias(struct aws *a, const char *function, const char *alias,
                     struct lambda_alias *out, struct gen_err *e)
{
    struct call c;
    json_t *root;
    int rc;

    memset(out, 0, sizeof *out);
    call_init(&c, "GetAlias", function, "GET");
    buf_adds(&c.path, "/aliases/");
    aws_urlencode(&c.path, alias, 0);
    rc = send_call(a, &c, &root, NULL, e);
    if (rc == 0 && (rc = alias_from(root, out, e)) < 0)
        err_prefix(e, "GetAlias %s", function);
    json_decref(root);
    return rc;
}

void lambda_versions_free(struct lambda_versions *l)
{
    size_t i;

    for (i = 0; l && i < l->n; i++)
        lambda_function_free(&l->v[i]);
    if (l) {
        free(l->v);
        memset(l, 0, sizeof *l);
    }
}

/* The versions of one page into out; *next is its NextMarker, or NULL. */
static int add_versions(const json_t *root, struct lambda_versions *out, char **next,
                        struct gen_err *e)
{
    const json_t *vs = json_object_get(root, "Versions"), *v;
    size_t i;

    if (!json_is_array(vs))
        return err_set(e, GEN_EAWS, NULL, 0, "unexpected answer (no Versions list)");
    json_array_foreach(vs, i, v) {
        struct lambda_function *f = realloc(out->v, (out->n + 1) * sizeof *f);

        if (!f)
            return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
        out->v = f;
        if (function_from(v, &out->v[out->n], e) < 0)
            return GEN_EAWS;
        out->n++;
    }
    *next = text(root, "NextMarker");
    return 0;
}

int lambda_list_versions(struct aws *a, const char *function, int page_size,
                         struct lambda_versions *out, struct gen_err *e)
{
    char *marker = NULL, *next = NULL, *seen = NULL;
    struct buf query;
    struct call c;
    json_t *root;
    int rc = 0, pages;

    memset(out, 0, sizeof *out);
    buf_init(&query);
    for (pages = 0; rc == 0; pages++) {
        if (interrupt_pending() || pages == LAMBDA_LIST_PAGES) {
            rc = err_set(e, interrupt_pending() ? GEN_ENET : GEN_EAWS, NULL, 0,
                         "ListVersionsByFunction %s: %s", function, interrupt_pending() ?
                         "interrupted" : "too many pages (the list is incomplete)");
            break;
        }
        buf_reset(&query);
        if (marker) {
            buf_adds(&query, "Marker=");
            aws_urlencode(&query, marker, 0);
        }
        if (page_size > 0)
            buf_printf(&query, "%sMaxItems=%d", marker ? "&" : "", page_size);
        call_init(&c, "ListVersionsByFunction", function, "GET");
        buf_adds(&c.path, "/versions");
        c.query = query.len ? buf_cstr(&query) : NULL;
        rc = send_call(a, &c, &root, NULL, e);
        if (rc == 0 && (rc = add_versions(root, out, &next, e)) < 0)
            err_prefix(e, "ListVersionsByFunction %s", function);
        json_decref(root);
        free(seen);
        seen = marker;
        marker = next;
        next = NULL;
        if (rc == 0 && marker && seen && !strcmp(marker, seen))
            rc = err_set(e, GEN_EAWS, NULL, 0, "ListVersionsByFunction %s: the same marker "
                         "twice (the list is incomplete)", function);
        if (!marker || !*marker)
            break;
    }
    free(seen);
    free(marker);
    buf_free(&query);
    if (rc < 0)
        lambda_versions_free(out);
    return rc;
}

/* ------------------------------------------------------------ writes */

/* Set key to a copy of s when s is not NULL. */
static void set_text(json_t *o, const char *key, const char *s)
{
    if (s)
        json_object_set_new(o, key, json_string(s));
}

int lambda_publish_version(struct aws *a, const struct lambda_publish *p,
                           struct lambda_function *out, struct gen_err *e)
{
    json_t *body = json_object(), *root;
    struct call c;
    int rc;

    memset(out, 0, sizeof *out);
    if (!body)
        return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    set_text(body, "CodeSha256", p->code_sha256);
    set_text(body, "RevisionId", p->revision_id);
    set_text(body, "Description", p->description);
    call_init(&c, "PublishVersion", p->function, "POST");
    buf_adds(&c.path, "/versions");
    c.body = body;
    rc = send_call(a, &c, &root, NULL, e);
    if (rc == 0 && (rc = function_from(root, out, e)) < 0)
        err_prefix(e, "PublishVersion %s", p->function);
    json_decref(root);
    json_decref(body);
    return rc;
}

/* Does the alias say what u asked for? */
static int alias_is(const struct lambda_alias *al, const struct lambda_alias_update *u)
{
    if (u->function_version && strcmp(al->function_version, u->function_version))
        return 0;
    if (u->description && strcmp(al->description ? al->description : "", u->description))
        return 0;
    if (!u->weights)
        return 1;
    if (!json_object_size(u->weights))
        return !al->weights;
    return al->weights && json_equal((json_t *)u->weights, al->weights);
}

/* After a retried update refused for its RevisionId: if our first attempt
 * did it (the answer was lost), the alias now says what was asked. */
static int lost_answer(struct aws *a, const struct lambda_alias_update *u,
                       const struct aws_fault *f, struct lambda_alias *out)
{
    struct gen_err look;

    if (!u->revision_id || f->attempts < 2 || strcmp(f->code, "PreconditionFailedException"))
        return 0;
    if (lambda_get_alias(a, u->function, u->alias, out, &look) < 0)
        return 0;
    if (alias_is(out, u))
        return 1;
    lambda_alias_free(out);
    return 0;
}

static json_t *update_body(const struct lambda_alias_update *u)
{
    json_t *body = json_object();

    set_text(body, "FunctionVersion", u->function_version);
    set_text(body, "Description", u->description);
    set_text(body, "RevisionId", u->revision_id);
    if (u->weights)
        json_object_set_new(body, "RoutingConfig",
                            json_pack("{s:O}", "AdditionalVersionWeights", u->weights));
    return body;
}

int lambda_update_alias(struct aws *a, const struct lambda_alias_update *u,
                        struct lambda_alias *out, struct gen_err *e)
{
    json_t *body = update_body(u), *root = NULL;
    struct aws_fault f;
    struct gen_err local, first;
    struct call c;
    int rc;

    memset(out, 0, sizeof *out);
    if (!body)
        return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    if (!e)
        e = &local;
    call_init(&c, "UpdateAlias", u->function, "PUT");
    buf_adds(&c.path, "/aliases/");
    aws_urlencode(&c.path, u->alias, 0);
    c.body = body;
    rc = send_call(a, &c, &root, &f, e);
    if (rc == GEN_EAWS) {
        first = *e;
        if (lost_answer(a, u, &f, out))
            rc = 0;
        else
            *e = first;
    } else if (rc == 0 && (rc = alias_from(root, out, e)) < 0) {
        err_prefix(e, "UpdateAlias %s", u->function);
    }
    json_decref(root);
    json_decref(body);
    return rc;
}
