/* test_sigv4.c: the SigV4 signer against the 38 aws-c-auth v4 vectors (both
 * header and query signing) and S3 cases computed with botocore.
 *
 * usage: test_sigv4 [vector-dir]   (else $SIGV4_VECTORS, else
 *                                 tests/unit/sigv4/v4: a copy of
 *                                 aws-c-auth's vectors, with its LICENSE
 *                                 and NOTICE; see its README.md) */
#include "core/err.h"
#include "aws/sigv4.h"
#include "test.h"

#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NCASES 38

/* ---------- helpers ---------- */

/* Read a whole file, CRs dropped (as upstream's test program does);
 * malloc'd and NUL-terminated, NULL if unreadable. */
static char *slurp(const char *dir, const char *name, size_t *len)
{
    char path[1024];
    FILE *f;
    char *s;
    long n;
    size_t i, j, got;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    s = n < 0 ? NULL : malloc((size_t)n + 1);
    got = s ? fread(s, 1, (size_t)n, f) : 0;
    fclose(f);
    if (!s)
        return NULL;
    for (i = j = 0; i < got; i++)
        if (s[i] != '\r')
            s[j++] = s[i];
    s[j] = '\0';
    if (len)
        *len = j;
    return s;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Same strings in any order? Sorts both arrays. */
static int same_multiset(char **a, size_t na, char **b, size_t nb)
{
    size_t i;

    if (na != nb)
        return 0;
    qsort(a, na, sizeof *a, cmp_str);
    qsort(b, nb, sizeof *b, cmp_str);
    for (i = 0; i < na; i++)
        if (strcmp(a[i], b[i]) != 0)
            return 0;
    return 1;
}

/* "lowercase-name:value", malloc'd. */
static char *header_line(const char *name, size_t n, const char *value)
{
    size_t i, vn = strlen(value);
    char *s = malloc(n + vn + 2);

    for (i = 0; i < n; i++)
        s[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32
                                                       : name[i]);
    s[n] = ':';
    memcpy(s + n + 1, value, vn + 1);
    return s;
}

/* Cut s at each '&' into v (at most max); the number of parts. */
static size_t split_amp(char *s, char **v, size_t max)
{
    size_t n = 0;
    char *save = NULL, *t;

    for (t = strtok_r(s, "&", &save); t && n < max;
         t = strtok_r(NULL, "&", &save))
        v[n++] = t;
    return n;
}

/* Line i (0-based) of s, into out. */
static const char *line(const char *s, int i, char *out, size_t n)
{
    size_t len;

    while (i-- > 0 && s)
        s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL;
    if (!s)
        return "";
    len = strcspn(s, "\n");
    snprintf(out, n, "%.*s", (int)(len < n ? len : n - 1), s);
    return out;
}

static void free_all(char **v, size_t n)
{
    while (n > 0)
        free(v[--n]);
}

/* ---------- request.txt ---------- */

#define MAXH 16

struct req {                    /* points into request.txt, cut up */
    const char *method, *path, *query;
    struct sigv4_header h[MAXH];
    size_t nh;
    const char *body;
    size_t body_len;
};

/* Parse the grammar in the README: request line, header lines (a line
 * starting with whitespace continues the previous value, newline
 * included), then an optional blank line and body. 0 or -1. */
static int parse_request(struct req *r, char *text, size_t len)
{
    char *s = text, *nl, *end, *q;

    memset(r, 0, sizeof *r);
    nl = strchr(s, '\n');
    end = nl ? strstr(s, " HTTP/1.1\n") : NULL;
    q = strchr(s, ' ');
    if (!end || end != nl - 9 || !q || q >= end)
        return -1;
    *q = *end = '\0';
    r->method = s;
    r->path = q + 1;
    q = strchr(q + 1, '?');
    if (q) {
        *q = '\0';
        r->query = q + 1;
    }
    for (s = nl + 1; *s && *s != '\n'; s = nl + 1) {
        q = strchr(s, ':');
        if (r->nh == MAXH || !q)
            return -1;
        for (nl = strchr(q, '\n'); nl && (nl[1] == ' ' || nl[1] == '\t');
             nl = strchr(nl + 1, '\n'))
            ;
        if (!nl)
            return -1;
        *q = *nl = '\0';
        r->h[r->nh].name = s;
        r->h[r->nh++].value = q + 1;
    }
    if (*s == '\n') {
        r->body = s + 1;
        r->body_len = len - (size_t)(s + 1 - text);
    }
    return 0;
}

/* ---------- context.json ---------- */

struct context {
    json_t *root;
    struct sigv4_creds cr;
    struct sigv4_params p;
};

/* Seconds since the epoch of a "YYYY-MM-DDTHH:MM:SSZ" UTC time. */
static time_t parse_utc(const char *s)
{
    int y, mo, d, h, mi, sec;
    long days;

    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ", &y, &mo, &d, &h, &mi, &sec) != 6)
        return (time_t)-1;
    /* days from civil (Howard Hinnant), proleptic Gregorian */
    y -= mo <= 2;
    days = 365L * y + y / 4 - y / 100 + y / 400 +
           (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1 - 719468;
    return (time_t)(days * 86400 + h * 3600 + mi * 60 + sec);
}

static int load_context(struct context *c, const char *dir)
{
    char *text = slurp(dir, "context.json", NULL);
    json_t *cr;

    memset(c, 0, sizeof *c);
    c->root = text ? json_loads(text, 0, NULL) : NULL;
    free(text);
    cr = json_object_get(c->root, "credentials");
    if (!cr)
        return -1;
    c->cr.access_key_id = json_string_value(json_object_get(cr,
                                                            "access_key_id"));
    c->cr.secret_access_key =
        json_string_value(json_object_get(cr, "secret_access_key"));
    c->cr.session_token = json_string_value(json_object_get(cr, "token"));
    c->p.region = json_string_value(json_object_get(c->root, "region"));
    c->p.service = json_string_value(json_object_get(c->root, "service"));
    c->p.now = parse_utc(json_string_value(json_object_get(c->root,
                                                           "timestamp")));
    c->p.expires = (unsigned)json_integer_value(
        json_object_get(c->root, "expiration_in_seconds"));
    if (!json_is_true(json_object_get(c->root, "normalize")))
        c->p.flags |= SIGV4_NO_NORMALIZE;
    if (json_is_true(json_object_get(c->root, "sign_body")))
        c->p.flags |= SIGV4_SIGN_BODY;
    if (json_is_true(json_object_get(c->root, "omit_session_token")))
        c->p.flags |= SIGV4_OMIT_TOKEN;
    return 0;
}

/* ---------- one vector case ---------- */

/* The signed-headers line of a canonical request (second to last). */
static char *signed_headers_line(const char *creq)
{
    const char *last = strrchr(creq, '\n'), *prev = last;

    while (prev > creq && prev[-1] != '\n')
        prev--;
    return strndup(prev, (size_t)(last - prev));
}

/* Compare r with the mode's expected *-signed-request.txt loosely, as
 * upstream does: same method, path and body; URL parameters and headers
 * (name case-insensitive) as multisets. */
static int same_signed_request(const struct req *in,
                               const struct sigv4_result *r, const char *dir,
                               const char *mode)
{
    char file[64], *text, *got[MAXH + 64], *want[MAXH + 64], *gq, *wq, *s;
    struct req ex;
    size_t len, ng = 0, nw = 0, i;
    int ok;

    snprintf(file, sizeof file, "%s-signed-request.txt", mode);
    text = slurp(dir, file, &len);
    if (!text || parse_request(&ex, text, len) < 0) {
        free(text);
        return 0;
    }
    ok = strcmp(ex.method, in->method) == 0 &&
         strcmp(ex.path, in->path) == 0 && ex.body_len == in->body_len &&
         (!in->body_len || memcmp(ex.body, in->body, in->body_len) == 0);
    /* headers */
    for (i = 0; i < ex.nh; i++)
        want[nw++] = header_line(ex.h[i].name, strlen(ex.h[i].name),
                                 ex.h[i].value);
    for (i = 0; i < in->nh; i++)
        got[ng++] = header_line(in->h[i].name, strlen(in->h[i].name),
                                in->h[i].value);
    for (i = 0; i < r->nheaders; i++) {
        s = strchr(r->headers[i], ':');
        got[ng++] = header_line(r->headers[i], (size_t)(s - r->headers[i]),
                                s + 2);
    }
    ok = ok && same_multiset(got, ng, want, nw);
    free_all(got, ng);
    free_all(want, nw);
    /* URL parameters */
    gq = strdup(r->query ? r->query : in->query ? in->query : "");
    wq = strdup(ex.query ? ex.query : "");
    ng = split_amp(gq, got, MAXH + 64);
    nw = split_amp(wq, want, MAXH + 64);
    ok = ok && same_multiset(got, ng, want, nw);
    free(gq);
    free(wq);
    free(text);
    return ok;
}

/* Does s appear anywhere in r's output? */
static int result_contains(const struct sigv4_result *r, const char *s)
{
    size_t i;

    for (i = 0; i < r->nheaders; i++)
        if (strstr(r->headers[i], s))
            return 1;
    return (r->query && strstr(r->query, s)) ||
           strstr(r->canonical_request, s) || strstr(r->string_to_sign, s);
}

static void run_mode(const char *dir, const char *name, const struct req *in,
                     struct context *c, const char *mode)
{
    char file[64], *creq, *sts, *sig, *sh, want[512], scope[128], *s;
    struct sigv4_request rq = { in->method, in->path, in->query, in->h, in->nh,
                              in->body, in->body_len };
    struct sigv4_params p = c->p;
    struct sigv4_result *r = NULL;
    struct gen_err e;
    size_t i;
    int rc;

    if (strcmp(mode, "query") == 0)
        p.flags |= SIGV4_PRESIGN;
    rc = sigv4_sign(&rq, &c->cr, &p, &r, &e);
    TMSG(rc == 0, "%s %s: %s", name, mode, rc ? e.msg : "");
    if (rc)
        return;
    snprintf(file, sizeof file, "%s-canonical-request.txt", mode);
    creq = slurp(dir, file, NULL);
    snprintf(file, sizeof file, "%s-string-to-sign.txt", mode);
    sts = slurp(dir, file, NULL);
    snprintf(file, sizeof file, "%s-signature.txt", mode);
    sig = slurp(dir, file, NULL);
    T(creq && sts && sig);
    if (!creq || !sts || !sig)
        goto out;
    TMSG(strcmp(r->canonical_request, creq) == 0,
         "%s %s canonical request:\n%s\n--- want:\n%s", name, mode,
         r->canonical_request, creq);
    TMSG(strcmp(r->string_to_sign, sts) == 0,
         "%s %s string to sign:\n%s", name, mode, r->string_to_sign);
    TMSG(strcmp(r->signature, sig) == 0, "%s %s signature %s", name, mode,
         r->signature);

    /* The output carries that signature and the signed headers. */
    sh = signed_headers_line(creq);
    if (p.flags & SIGV4_PRESIGN) {
        s = want + snprintf(want, sizeof want, "X-Amz-SignedHeaders=");
        for (i = 0; sh[i] && s < want + sizeof want - 4; i++)
            s += sh[i] == ';' ? sprintf(s, "%%3B") : sprintf(s, "%c", sh[i]);
        *s++ = '&';
        *s = '\0';
        TMSG(r->nheaders == 0 && r->query && strstr(r->query, want),
             "%s query lacks %s", name, want);
        snprintf(want, sizeof want, "&X-Amz-Signature=%s", sig);
        T(r->query && strstr(r->query, want) &&
          strcmp(strstr(r->query, want), want) == 0);
    } else {
        snprintf(want, sizeof want, "Authorization: AWS4-HMAC-SHA256 "
                 "Credential=%s/%s, SignedHeaders=%s, Signature=%s",
                 c->cr.access_key_id, line(sts, 2, scope, sizeof scope), sh,
                 sig);
        TMSG(r->nheaders >= 2 && r->query == NULL &&
             strcmp(r->headers[r->nheaders - 1], want) == 0, "%s: %s", name,
             r->nheaders ? r->headers[r->nheaders - 1] : "");
    }
    free(sh);
    TMSG(same_signed_request(in, r, dir, mode),
         "%s %s: signed request differs", name, mode);
    T(!result_contains(r, c->cr.secret_access_key));
out:
    free(creq);
    free(sts);
    free(sig);
    sigv4_result_free(r);
}

static void run_case(const char *root, const char *name)
{
    char dir[1024], *text;
    struct context c;
    struct req in;
    size_t len;
    int ok;

    snprintf(dir, sizeof dir, "%s/%s", root, name);
    text = slurp(dir, "request.txt", &len);
    ok = text && parse_request(&in, text, len) == 0;
    TMSG(ok, "%s: request.txt", name);
    ok = load_context(&c, dir) == 0 && ok;
    TMSG(c.root != NULL, "%s: context.json", name);
    if (ok) {
        run_mode(dir, name, &in, &c, "header");
        run_mode(dir, name, &in, &c, "query");
    }
    json_decref(c.root);
    free(text);
}

static void test_vectors(const char *root)
{
    char *names[64];
    struct dirent *d;
    DIR *dp = opendir(root);
    size_t n = 0, i;

    TMSG(dp != NULL, "cannot open '%s'", root);
    if (!dp)
        return;
    while ((d = readdir(dp)) != NULL && n < 64)
        if (d->d_name[0] != '.')
            names[n++] = strdup(d->d_name);
    closedir(dp);
    qsort(names, n, sizeof *names, cmp_str);
    TMSG(n == NCASES, "%zu cases in '%s', want %d", n, root, NCASES);
    for (i = 0; i < n; i++)
        run_case(root, names[i]);
    free_all(names, n);
}

/* ---------- S3 and %2F cases, expected values from botocore ----------
 *
 * Computed with botocore 1.43.11 with its clock pinned, e.g. "put-pct":
 *
 *   import datetime; from unittest import mock; import botocore.auth as A
 *   from botocore.awsrequest import AWSRequest
 *   from botocore.credentials import Credentials
 *   class Cfg: s3 = {'payload_signing_enabled': True}  # False: put-unsigned
 *   req = AWSRequest('PUT', 'https://examplebucket.s3.amazonaws.com'
 *                    '/photos/a%2Fb%20c.jpg', headers={<the headers below>},
 *                    data=b'Welcome to Amazon S3.')
 *   req.context['client_config'] = Cfg()
 *   auth = A.S3SigV4Auth(Credentials('AKIAIOSFODNN7EXAMPLE',
 *       'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'TOKEN/with+chars='),
 *       's3', 'us-east-1')
 *   with mock.patch.object(A, 'get_current_datetime',
 *                          lambda: datetime.datetime(2013, 5, 24)):
 *       auth.add_auth(req)
 *   print(req.headers['Authorization'])
 *
 * The presigned cases used A.S3SigV4QueryAuth(..., expires=N) the same
 * way; "double" used A.SigV4Auth with the vector suite's key, service
 * "service" and 2015-08-30T12:36:00Z. "doc-get" and "doc-presign" are also
 * the worked examples of the S3 API reference, with the same signatures. */

#define DOC_KEY "AKIAIOSFODNN7EXAMPLE"
#define DOC_SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define VEC_KEY "AKIDEXAMPLE"
#define VEC_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define S3HOST { "Host", "examplebucket.s3.amazonaws.com" }
#define PUT_HEADERS { S3HOST, { "Content-Type", "image/jpeg" }, \
    { "User-Agent", "luaform/0.1" }, { "Expect", "100-continue" }, \
    { "X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793" } }

struct fixed {
    const char *name, *key, *secret, *token, *time, *service;
    unsigned flags, expires;
    const char *method, *path, *query, *body;
    struct sigv4_header h[6];
    const char *canon_path;     /* second line of the canonical request */
    const char *payload;        /* its last line */
    const char *signed_headers, *signature;
    const char *presigned;      /* the whole query botocore produced */
};

static const struct fixed fixed[] = {
    { "doc-get", DOC_KEY, DOC_SECRET, NULL, "2013-05-24T00:00:00Z", "s3",
      SIGV4_S3, 0, "GET", "/test.txt", NULL, "",
      { S3HOST, { "Range", "bytes=0-9" } }, "/test.txt",
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "host;range;x-amz-content-sha256;x-amz-date",
      "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41", NULL },
    { "put-pct", DOC_KEY, DOC_SECRET, "TOKEN/with+chars=",
      "2013-05-24T00:00:00Z", "s3", SIGV4_S3, 0, "PUT", "/photos/a%2Fb%20c.jpg",
      NULL, "Welcome to Amazon S3.", PUT_HEADERS, "/photos/a%2Fb%20c.jpg",
      "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
      "content-type;host;x-amz-content-sha256;x-amz-date;"
      "x-amz-security-token",
      "68b2af9269641bf3cc7bf58412d5c1e5776d73232b26d2506ff8fc24cf69226c", NULL },
    { "put-unsigned", DOC_KEY, DOC_SECRET, "TOKEN/with+chars=",
      "2013-05-24T00:00:00Z", "s3", SIGV4_S3 | SIGV4_UNSIGNED_PAYLOAD, 0, "PUT",
      "/photos/a%2Fb%20c.jpg", NULL, "Welcome to Amazon S3.", PUT_HEADERS,
      "/photos/a%2Fb%20c.jpg", "UNSIGNED-PAYLOAD",
      "content-type;host;x-amz-content-sha256;x-amz-date;"
      "x-amz-security-token",
      "c61b0035f1929b4add12a91f23173f306a433d12ed7af9e16eebf682e8c131d5", NULL },
    { "presign", DOC_KEY, DOC_SECRET, "TOKEN/with+chars=",
      "2013-05-24T00:00:00Z", "s3", SIGV4_S3 | SIGV4_PRESIGN, 900, "GET",
      "/photos/a%2Fb%20c.jpg", "versionId=3%2F4", "", { S3HOST },
      "/photos/a%2Fb%20c.jpg", "UNSIGNED-PAYLOAD", "host",
      "e49f9e3be4f73ad62b0b5ca2c4fceedac32d8dc9db46242e243af2629d20723a",
      "versionId=3%2F4&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="
      "AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&"
      "X-Amz-Date=20130524T000000Z&X-Amz-Expires=900&X-Amz-SignedHeaders="
      "host&X-Amz-Security-Token=TOKEN%2Fwith%2Bchars%3D&X-Amz-Signature="
      "e49f9e3be4f73ad62b0b5ca2c4fceedac32d8dc9db46242e243af2629d20723a" },
    { "doc-presign", DOC_KEY, DOC_SECRET, NULL, "2013-05-24T00:00:00Z", "s3",
      SIGV4_S3 | SIGV4_PRESIGN, 86400, "GET", "/test.txt", NULL, "", { S3HOST },
      "/test.txt", "UNSIGNED-PAYLOAD", "host",
      "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="
      "AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&"
      "X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders="
      "host&X-Amz-Signature="
      "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404" },
    { "double", VEC_KEY, VEC_SECRET, NULL, "2015-08-30T12:36:00Z", "service",
      0, 0, "GET", "/a%2Fb/./c", NULL, "",
      { { "Host", "example.amazonaws.com" } }, "/a%252Fb/c",
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "host;x-amz-date",
      "006eff3d53d3fa15e6340e61e016213e7f99291f4bf407e953a1b0ec30bae5da", NULL },
};

static void test_fixed(void)
{
    char want[512], got[256];
    size_t i, j, nh;

    for (i = 0; i < sizeof fixed / sizeof *fixed; i++) {
        const struct fixed *f = &fixed[i];
        struct sigv4_creds cr = { f->key, f->secret, f->token };
        struct sigv4_params p = { "us-east-1", f->service, parse_utc(f->time),
                                f->flags, f->expires };
        struct sigv4_request rq = { f->method, f->path, f->query, f->h, 0,
                                  f->body, strlen(f->body) };
        struct sigv4_result *r = NULL;
        struct gen_err e;
        const char *last;
        int rc;

        for (nh = 0; nh < 6 && f->h[nh].name; nh++)
            ;
        rq.nheaders = nh;
        rc = sigv4_sign(&rq, &cr, &p, &r, &e);
        TMSG(rc == 0, "%s: %s", f->name, rc ? e.msg : "");
        if (rc)
            continue;
        TMSG(strcmp(r->signature, f->signature) == 0, "%s: signature %s\n%s",
             f->name, r->signature, r->canonical_request);
        TMSG(strcmp(line(r->canonical_request, 1, got, sizeof got),
                    f->canon_path) == 0, "%s: path %s", f->name, got);
        last = strrchr(r->canonical_request, '\n');
        T(last && strcmp(last + 1, f->payload) == 0);
        if (f->flags & SIGV4_PRESIGN) {
            TMSG(r->nheaders == 0 && r->query &&
                 strcmp(r->query, f->presigned) == 0, "%s: %s", f->name,
                 r->query ? r->query : "(null)");
        } else {
            snprintf(want, sizeof want, "Authorization: AWS4-HMAC-SHA256 "
                     "Credential=%s/%.8s/us-east-1/%s/aws4_request, "
                     "SignedHeaders=%s, Signature=%s", f->key,
                     line(r->string_to_sign, 1, got, sizeof got), f->service,
                     f->signed_headers, f->signature);
            T(r->nheaders > 0 && r->query == NULL &&
              strcmp(r->headers[r->nheaders - 1], want) == 0);
            /* S3 always sends and signs x-amz-content-sha256. */
            snprintf(want, sizeof want, "x-amz-content-sha256: %s",
                     f->payload);
            for (j = 0; j < r->nheaders && strcmp(r->headers[j], want); j++)
                ;
            T((j < r->nheaders) == !!(f->flags & SIGV4_S3));
        }
        T(!result_contains(r, f->secret));
        sigv4_result_free(r);
    }
}

/* ---------- behaviour the vectors do not pin ---------- */

/* Sign a GET of path?query for host h; the canonical request's line i. */
static const char *canon_line(const char *path, const char *query,
                              unsigned flags, int i, char *out, size_t n)
{
    struct sigv4_header h[] = { { "Host", "h" } };
    struct sigv4_request rq = { "GET", path, query, h, 1, NULL, 0 };
    struct sigv4_creds cr = { VEC_KEY, VEC_SECRET, NULL };
    struct sigv4_params p = { "us-east-1", "service", 0, flags, 60 };
    struct sigv4_result *r = NULL;

    if (sigv4_sign(&rq, &cr, &p, &r, NULL) < 0)
        return "(error)";
    line(r->canonical_request, i, out, n);
    sigv4_result_free(r);
    return out;
}

static void test_edges(void)
{
    struct sigv4_header h[] = { { "Host", "h" }, { "Authorization", "x" },
                              { "X-Amz-Date", "y" } };
    struct sigv4_request rq = { "GET", "/", NULL, h, 3, NULL, 0 };
    struct sigv4_creds cr = { VEC_KEY, VEC_SECRET, "" };
    struct sigv4_params p = { "us-east-1", "service", 0, 0, 0 };
    struct sigv4_result *r = NULL;
    struct gen_err e;
    char hex[65], s[256];

    T(sigv4_sha256_hex("abc", 3, hex) == 0 && strcmp(hex,
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
      == 0);
    T(sigv4_sha256_hex(NULL, 0, hex) == 0 && strcmp(hex,
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
      == 0);

    /* Query: decoded, re-encoded ('/' and '+' too), sorted by key then
     * value; empty pairs dropped, a bare key gets an empty value. */
    T(strcmp(canon_line("/", "b=%7e&a=x+y&&c&a=%2f", 0, 2, s, sizeof s),
             "a=%2F&a=x%2By&b=~&c=") == 0);
    /* Paths: other services encode again, S3 normalizes the escapes. */
    T(strcmp(canon_line("/a b/%7e/../x/", NULL, 0, 1, s, sizeof s),
             "/a%20b/x/") == 0);
    T(strcmp(canon_line("/a b/%7e/../x", NULL, SIGV4_NO_NORMALIZE, 1, s,
                        sizeof s), "/a%20b/%257e/../x") == 0);
    T(strcmp(canon_line("/a b/%7e/%2f", NULL, SIGV4_S3, 1, s, sizeof s),
             "/a%20b/~/%2F") == 0);
    T(strcmp(canon_line("", NULL, 0, 1, s, sizeof s), "/") == 0);

    /* The signer's own headers in the input are ignored; an empty token
     * means none. */
    T(sigv4_sign(&rq, &cr, &p, &r, &e) == 0);
    T(r && strcmp(line(r->canonical_request, 6, s, sizeof s),
                  "host;x-amz-date") == 0 && r->nheaders == 2 &&
      strcmp(r->headers[0], "X-Amz-Date: 19700101T000000Z") == 0);
    sigv4_result_free(r);
    r = NULL;

    /* Errors leave *out alone. */
    rq.nheaders = 0;
    T(sigv4_sign(&rq, &cr, &p, &r, &e) == GEN_EINPUT && r == NULL &&
      strstr(e.msg, "Host"));
    rq.nheaders = 1;
    p.flags = SIGV4_PRESIGN;
    T(sigv4_sign(&rq, &cr, &p, &r, &e) == GEN_EINPUT && r == NULL);
    p.flags = 0;
    cr.secret_access_key = "";
    T(sigv4_sign(&rq, &cr, &p, &r, &e) == GEN_ECRED && r == NULL);
    sigv4_result_free(NULL);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : getenv("SIGV4_VECTORS");

    test_vectors(dir ? dir : "tests/unit/sigv4/v4");
    test_fixed();
    test_edges();
    return t_report();
}
