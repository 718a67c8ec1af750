/* s3.c: Amazon S3 (REST-XML) on the core; s3.h. */
#include "aws/s3.h"
#include "aws/aws.h"
#include "aws/endpoints.h"
#include "aws/sigv4.h"
#include "aws/xml.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/files.h"
#include "core/interrupt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

void s3_object_free(struct s3_object *o)
{
    if (!o)
        return;
    free(o->etag);
    free(o->version_id);
    free(o->checksum_sha256);
    free(o->last_modified);
    free(o->copy_source_version_id);
    memset(o, 0, sizeof *o);
    o->size = -1;
}

/* Out-params arrive in any state: start them empty. */
static void object_init(struct s3_object *o)
{
    memset(o, 0, sizeof *o);
    o->size = -1;
}

void s3_versions_free(struct s3_versions *l)
{
    size_t i;

    for (i = 0; l && i < l->n; i++) {
        free(l->v[i].key);
        free(l->v[i].version_id);
        free(l->v[i].etag);
        free(l->v[i].last_modified);
    }
    if (l) {
        free(l->v);
        memset(l, 0, sizeof *l);
    }
}

/* ------------------------------------------------------------ addressing */

/* Can the bucket be a host name under https (no dots: the wildcard
 * certificate covers one label)? */
static int dns_bucket(const char *b)
{
    size_t n = strlen(b);

    return n >= 3 && n <= 63 && b[0] != '-' && b[n - 1] != '-' &&
           strspn(b, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

/* One S3 call on bucket/key (key may be NULL: the bucket itself). */
struct s3_call {
    const char *op;              /* "PutObject": errors start with it */
    const char *bucket;
    const char *key;
    struct buf path;
    struct buf vhost;            /* the bucket's virtual host, or "" */
    struct aws_request q;
};

static void call_init(struct aws *a, struct s3_call *c, const char *op, const char *bucket,
                      const char *key, const char *method)
{
    struct endpoints_default d;

    memset(c, 0, sizeof *c);
    c->op = op;
    c->bucket = bucket;
    c->key = key;
    buf_init(&c->path);
    buf_init(&c->vhost);
    if (aws_endpoint_configured(a, "s3") || !dns_bucket(bucket)) {
        buf_addc(&c->path, '/');
        aws_urlencode(&c->path, bucket, 0);
    } else {
        endpoints_default("s3", aws_region(a), &d);
        buf_printf(&c->vhost, "https://%s.%s", bucket, d.url + strlen("https://"));
    }
    buf_addc(&c->path, '/');
    if (key)
        aws_urlencode(&c->path, key, 1);
    c->q.service = "s3";
    c->q.method = method;
    c->q.flags = AWS_S3_SIGNING;
}

static void call_free(struct s3_call *c)
{
    buf_free(&c->path);
    buf_free(&c->vhost);
}

/* Send c; errors read "Op s3://bucket/key: ...". */
static int call_send(struct aws *a, struct s3_call *c, struct http_response *r,
                     struct gen_err *e)
{
    int rc;

    if (buf_failed(&c->path) || buf_failed(&c->vhost))
        return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    c->q.path = buf_cstr(&c->path);
    c->q.endpoint = c->vhost.len ? buf_cstr(&c->vhost) : NULL;
    rc = aws_request(a, &c->q, r, NULL, e);
    if (rc < 0)
        err_prefix(e, "%s s3://%s/%s", c->op, c->bucket, c->key ? c->key : "");
    return rc;
}

/* The object as the answer's headers describe it. */
static int object_from(const struct http_response *r, struct s3_object *o, struct gen_err *e)
{
    const char *len = http_response_header(r, "content-length");
    const char *vid = http_response_header(r, "x-amz-version-id");

    o->etag = dup_or_null(http_response_header(r, "etag"));
    o->version_id = dup_or_null(vid && *vid ? vid : NULL);
    o->checksum_sha256 = dup_or_null(http_response_header(r, "x-amz-checksum-sha256"));
    o->last_modified = dup_or_null(http_response_header(r, "last-modified"));
    o->copy_source_version_id =
        dup_or_null(http_response_header(r, "x-amz-copy-source-version-id"));
    o->size = len ? strtoll(len, NULL, 10) : -1;
    if ((http_response_header(r, "etag") && !o->etag) || (vid && *vid && !o->version_id))
        return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    return 0;
}

/* S3 always sends an ETag with an object: a 2xx without one came from
 * something else (a portal, a proxy) and the object may not be there. */
static int need_etag(struct aws *a, const struct s3_call *c, const struct http_response *r,
                     struct gen_err *e)
{
    char what[256], why[320];

    if (http_response_header(r, "etag"))
        return 0;
    xml_describe(r->body.data, r->body.len, what, sizeof what);
    snprintf(why, sizeof why, "HTTP %ld without an ETag, %s", r->status, what);
    aws_unexpected(a, NULL, r->status, why, e);
    return err_prefix(e, "%s s3://%s/%s", c->op, c->bucket, c->key ? c->key : "");
}

/* Send c and read the object its answer describes. */
static int send_for_object(struct aws *a, struct s3_call *c, struct http_response *r,
                           struct s3_object *out, struct gen_err *e)
{
    int rc = call_send(a, c, r, e);

    if (rc == 0)
        rc = need_etag(a, c, r, e);
    if (rc == 0)
        rc = object_from(r, out, e);
    if (rc < 0)
        s3_object_free(out);
    return rc;
}

/* ------------------------------------------------------------ objects */

int s3_put_object(struct aws *a, const struct s3_put *p, struct s3_object *out,
                  struct gen_err *e)
{
    struct http_header h[2] = { { "x-amz-checksum-sha256", p->checksum_sha256 },
                                { "x-amz-sdk-checksum-algorithm", "SHA256" } };
    struct http_response r;
    struct s3_call c;
    int rc;

    object_init(out);
    call_init(a, &c, "PutObject", p->bucket, p->key, "PUT");
    c.q.content_type = p->content_type ? p->content_type : "application/octet-stream";
    c.q.body = p->data;
    c.q.body_len = p->len;
    if (p->checksum_sha256) {
        c.q.headers = h;
        c.q.nheaders = 2;
    }
    http_response_init(&r);
    rc = send_for_object(a, &c, &r, out, e);
    http_response_free(&r);
    call_free(&c);
    return rc;
}

int s3_copy_object(struct aws *a, const struct s3_ref *from, const char *bucket,
                   const char *key, struct s3_object *out, struct gen_err *e)
{
    struct http_header h[1];
    struct http_response r;
    struct xml_doc *d = NULL;
    struct gen_err pe;
    struct s3_call c;
    struct buf src;
    const char *etag;
    int rc;

    object_init(out);
    buf_init(&src);
    buf_addc(&src, '/');
    aws_urlencode(&src, from->bucket, 0);
    buf_addc(&src, '/');
    aws_urlencode(&src, from->key, 1);
    if (from->version_id) {
        buf_adds(&src, "?versionId=");
        aws_urlencode(&src, from->version_id, 0);
    }
    h[0].name = "x-amz-copy-source";
    h[0].value = buf_cstr(&src);
    call_init(a, &c, "CopyObject", bucket, key, "PUT");
    c.q.headers = h;
    c.q.nheaders = 1;
    c.q.flags |= AWS_ERROR_IN_2XX;
    http_response_init(&r);
    rc = buf_failed(&src) ? err_set(e, GEN_ENOMEM, NULL, 0, "out of memory")
                          : call_send(a, &c, &r, e);
    if (rc == 0 && (xml_parse(r.body.data, r.body.len, &d, &pe) < 0 ||
                    strcmp(xml_root(d)->name, "CopyObjectResult"))) {
        char what[256], why[320];

        xml_describe(r.body.data, r.body.len, what, sizeof what);
        snprintf(why, sizeof why, "HTTP %ld, %s", r.status, what);
        aws_unexpected(a, NULL, r.status, why, e);
        rc = err_prefix(e, "CopyObject s3://%s/%s", bucket, key);
    }
    if (rc == 0)
        rc = object_from(&r, out, e);
    /* the new object's ETag is in the body, not in the headers */
    etag = rc == 0 ? xml_text(xml_root(d), "ETag") : NULL;
    if (etag) {
        free(out->etag);
        if (!(out->etag = strdup(etag)))
            rc = err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    }
    if (rc == 0)
        out->size = -1;     /* the Content-Length is the answer's */
    if (rc < 0)
        s3_object_free(out);
    xml_free(d);
    http_response_free(&r);
    call_free(&c);
    buf_free(&src);
    return rc;
}

/* HEAD or GET of one object version, asking for its checksum. */
static int fetch(struct aws *a, const char *op, const char *method, const struct s3_ref *o,
                 size_t max, struct http_response *r, struct s3_object *out,
                 struct gen_err *e)
{
    struct http_header h[1] = { { "x-amz-checksum-mode", "ENABLED" } };
    struct s3_call c;
    struct buf query;
    int rc;

    object_init(out);
    buf_init(&query);
    if (o->version_id) {
        buf_adds(&query, "versionId=");
        aws_urlencode(&query, o->version_id, 0);
    }
    call_init(a, &c, op, o->bucket, o->key, method);
    c.q.headers = h;
    c.q.nheaders = 1;
    c.q.query = query.len ? buf_cstr(&query) : NULL;
    c.q.max_body = max;
    rc = buf_failed(&query) ? err_set(e, GEN_ENOMEM, NULL, 0, "out of memory")
                            : send_for_object(a, &c, r, out, e);
    call_free(&c);
    buf_free(&query);
    return rc;
}

int s3_head_object(struct aws *a, const struct s3_ref *o, struct s3_object *out,
                   struct gen_err *e)
{
    struct http_response r;
    int rc;

    http_response_init(&r);
    rc = fetch(a, "HeadObject", "HEAD", o, 0, &r, out, e);
    http_response_free(&r);
    return rc;
}

/* The body against the SHA-256 S3 gave (a checksum of a whole object;
 * "...-N", of a multipart upload's parts, cannot be checked here). */
static int check_sha256(const struct s3_ref *o, const struct http_response *r,
                        const char *want, struct gen_err *e)
{
    char got[45];

    if (!want || strchr(want, '-'))
        return 0;
    if (sigv4_sha256_base64(r->body.data, r->body.len, got) < 0)
        return err_set(e, GEN_EINTERNAL, NULL, 0, "sha256 failed");
    if (strcmp(got, want))
        return err_set(e, GEN_EAWS, NULL, 0, "GetObject s3://%s/%s: the body's SHA-256 (%s) "
                       "is not the one S3 sent (%s); nothing written", o->bucket, o->key,
                       got, want);
    return 0;
}

int s3_get_object(struct aws *a, const struct s3_ref *o, const char *path, size_t max,
                  struct s3_object *out, struct gen_err *e)
{
    struct http_response r;
    int rc;

    http_response_init(&r);
    rc = fetch(a, "GetObject", "GET", o, max, &r, out, e);
    if (rc == 0)
        rc = check_sha256(o, &r, out->checksum_sha256, e);
    if (rc == 0)
        rc = files_write_atomic(path, r.body.data ? r.body.data : "", r.body.len, e);
    if (rc == 0)
        out->size = (long long)r.body.len;
    else
        s3_object_free(out);
    http_response_free(&r);
    return rc;
}

int aws_s3_put(struct aws *a, const char *bucket, const char *key,
               const void *data, size_t len, char **url_out, struct gen_err *e)
{
    struct s3_put p = { bucket, key, data, len, NULL, NULL };
    struct s3_object o;
    struct buf url;
    int rc;

    rc = s3_put_object(a, &p, &o, e);
    s3_object_free(&o);
    if (rc < 0 || !url_out)
        return rc;
    /* CloudFormation reads TemplateURL in AWS's own form, whatever endpoint
     * the object was put through */
    buf_init(&url);
    if (dns_bucket(bucket))
        buf_printf(&url, "https://%s.s3.%s.%s/", bucket, aws_region(a), aws_dns_suffix(a));
    else
        buf_printf(&url, "https://s3.%s.%s/%s/", aws_region(a), aws_dns_suffix(a), bucket);
    aws_urlencode(&url, key, 1);
    if (buf_failed(&url) || !(*url_out = buf_detach(&url, NULL)))
        rc = err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    buf_free(&url);
    return rc;
}

/* ------------------------------------------------------------ versions */

/* The Version and DeleteMarker elements of one page, in order. */
static int add_versions(const struct xml_node *root, struct s3_versions *out, struct gen_err *e)
{
    const struct xml_node *n;

    for (n = root->child; n; n = n->next) {
        struct s3_version *v;
        const char *size, *latest;
        int marker = !strcmp(n->name, "DeleteMarker");

        if (!marker && strcmp(n->name, "Version"))
            continue;
        v = realloc(out->v, (out->n + 1) * sizeof *v);
        if (!v)
            return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
        out->v = v;
        v = &out->v[out->n++];
        memset(v, 0, sizeof *v);
        v->key = strdup(xml_text(n, "Key") ? xml_text(n, "Key") : "");
        v->version_id = strdup(xml_text(n, "VersionId") ? xml_text(n, "VersionId") : "null");
        v->etag = dup_or_null(xml_text(n, "ETag"));
        v->last_modified = dup_or_null(xml_text(n, "LastModified"));
        size = xml_text(n, "Size");
        latest = xml_text(n, "IsLatest");
        v->size = size ? strtoll(size, NULL, 10) : 0;
        v->latest = latest && !strcmp(latest, "true");
        v->delete_marker = marker;
        if (!v->key || !v->version_id)
            return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    }
    return 0;
}

/* The query of one page: after the markers (NULL on the first page). */
static void page_query(struct buf *q, const char *prefix, int page_size,
                       const char *key_marker, const char *vid_marker)
{
    buf_reset(q);
    buf_adds(q, "versions=");
    if (key_marker) {
        buf_adds(q, "&key-marker=");
        aws_urlencode(q, key_marker, 0);
    }
    if (page_size > 0)
        buf_printf(q, "&max-keys=%d", page_size);
    if (prefix) {
        buf_adds(q, "&prefix=");
        aws_urlencode(q, prefix, 0);
    }
    if (vid_marker) {
        buf_adds(q, "&version-id-marker=");
        aws_urlencode(q, vid_marker, 0);
    }
}

/* Read one page's answer: its entries, and the markers of the next page
 * (both NULL at the end). */
static int read_page(struct aws *a, const char *bucket, const struct http_response *r,
                     struct s3_versions *out, char **key_marker, char **vid_marker,
                     struct gen_err *e)
{
    struct xml_doc *d = NULL;
    struct gen_err pe;
    const char *t;
    int rc;

    if (xml_parse(r->body.data, r->body.len, &d, &pe) < 0 ||
        strcmp(xml_root(d)->name, "ListVersionsResult")) {
        char what[256], why[320];

        xml_free(d);
        xml_describe(r->body.data, r->body.len, what, sizeof what);
        snprintf(why, sizeof why, "HTTP %ld, %s", r->status, what);
        aws_unexpected(a, NULL, r->status, why, e);
        return err_prefix(e, "ListObjectVersions s3://%s", bucket);
    }
    rc = add_versions(xml_root(d), out, e);
    t = xml_text(xml_root(d), "IsTruncated");
    if (rc == 0 && t && !strcmp(t, "true")) {
        *key_marker = dup_or_null(xml_text(xml_root(d), "NextKeyMarker"));
        *vid_marker = dup_or_null(xml_text(xml_root(d), "NextVersionIdMarker"));
        if (!*key_marker)
            rc = err_set(e, GEN_EAWS, NULL, 0, "ListObjectVersions s3://%s: a truncated "
                         "page without NextKeyMarker (the list is incomplete)", bucket);
    }
    xml_free(d);
    return rc;
}

int s3_list_object_versions(struct aws *a, const char *bucket, const char *prefix,
                            int page_size, struct s3_versions *out, struct gen_err *e)
{
    char *key_marker = NULL, *vid_marker = NULL;
    struct http_response r;
    struct s3_call c;
    struct buf query;
    int rc = 0, pages;

    memset(out, 0, sizeof *out);
    buf_init(&query);
    call_init(a, &c, "ListObjectVersions", bucket, NULL, "GET");
    for (pages = 0; rc == 0; pages++) {
        char *km = NULL, *vm = NULL;

        if (interrupt_pending()) {
            rc = err_set(e, GEN_ENET, NULL, 0, "ListObjectVersions s3://%s: interrupted",
                         bucket);
            break;
        }
        if (pages == S3_LIST_PAGES) {
            rc = err_set(e, GEN_EAWS, NULL, 0, "ListObjectVersions s3://%s: more than %d "
                         "pages (the list is incomplete)", bucket, S3_LIST_PAGES);
            break;
        }
        page_query(&query, prefix, page_size, key_marker, vid_marker);
        c.q.query = buf_cstr(&query);
        http_response_init(&r);
        rc = buf_failed(&query) ? err_set(e, GEN_ENOMEM, NULL, 0, "out of memory")
                                : call_send(a, &c, &r, e);
        if (rc == 0)
            rc = read_page(a, bucket, &r, out, &km, &vm, e);
        http_response_free(&r);
        if (rc == 0 && km && key_marker && !strcmp(km, key_marker) &&
            !strcmp(vm ? vm : "", vid_marker ? vid_marker : ""))
            rc = err_set(e, GEN_EAWS, NULL, 0, "ListObjectVersions s3://%s: the same page "
                         "markers twice (the list is incomplete)", bucket);
        free(key_marker);
        free(vid_marker);
        key_marker = km;
        vid_marker = vm;
        if (!key_marker)
            break;
    }
    free(key_marker);
    free(vid_marker);
    call_free(&c);
    buf_free(&query);
    if (rc < 0)
        s3_versions_free(out);
    return rc;
}
