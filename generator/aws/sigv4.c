/* sigv4.c: AWS Signature Version 4 (AWS4-HMAC-SHA256) request signing.
 *
 *   canonical request = method \n path \n query \n headers \n signed \n hash
 *   string to sign    = algorithm \n date \n scope \n hex(sha256(creq))
 *   signature         = hex(HMAC(kSigning, string to sign)), kSigning being
 *                       HMAC("AWS4" secret, day) chained over region,
 *                       service and "aws4_request".
 *
 * tests/unit/test_sigv4.c runs the aws-c-auth v4 vectors and S3 cases. */
#include "aws/sigv4.h"
#include "core/buf.h"
#include "core/err.h"

#include <dlfcn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#define ALGORITHM "AWS4-HMAC-SHA256"
#define UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"
#define MAX_EXPIRES 604800u     /* seven days, the AWS limit */
#define MAX_SECRET 128

/* ---------- hashing ---------- */

/* libcrypto is loaded when something is first signed or hashed, as libcurl
 * is (http.c): a render never needs it, and mapping and relocating it is a
 * tenth of a short `luaform render`. */
static struct {
    void *dl;
    int (*digest)(const void *, size_t, unsigned char *, unsigned int *,
                  const EVP_MD *, ENGINE *);
    const EVP_MD *(*sha256)(void);
    unsigned char *(*hmac)(const EVP_MD *, const void *, int,
                           const unsigned char *, size_t, unsigned char *,
                           unsigned int *);
    void (*cleanse)(void *, size_t);
    int (*encode64)(unsigned char *, const unsigned char *, int);
} lcr;

static int load_crypto(void)
{
    static const char *const names[] = { "libcrypto.so.3", "libcrypto.so", NULL };
    int i;

    for (i = 0; names[i] && !lcr.dl; i++)
        lcr.dl = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (!lcr.dl)
        return -1;
    if (!lcr.cleanse) {
        *(void **)&lcr.digest = dlsym(lcr.dl, "EVP_Digest");
        *(void **)&lcr.sha256 = dlsym(lcr.dl, "EVP_sha256");
        *(void **)&lcr.hmac = dlsym(lcr.dl, "HMAC");
        *(void **)&lcr.encode64 = dlsym(lcr.dl, "EVP_EncodeBlock");
        *(void **)&lcr.cleanse = dlsym(lcr.dl, "OPENSSL_cleanse");
    }
    return lcr.digest && lcr.sha256 && lcr.hmac && lcr.encode64 && lcr.cleanse ? 0 : -1;
}

/* Wipe a secret (OPENSSL_cleanse, or a write the compiler keeps). */
static void cleanse(void *p, size_t n)
{
    volatile unsigned char *v = p;

    if (lcr.cleanse) {
        lcr.cleanse(p, n);
        return;
    }
    while (n--)
        *v++ = 0;
}

static void tohex(const unsigned char *md, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    size_t i;

    for (i = 0; i < n; i++) {
        out[2 * i] = digits[md[i] >> 4];
        out[2 * i + 1] = digits[md[i] & 15];
    }
    out[2 * n] = '\0';
}

int sigv4_sha256_hex(const void *data, size_t n, char out[65])
{
    unsigned char md[32];

    if (load_crypto() < 0 || !lcr.digest(n ? data : "", n, md, NULL, lcr.sha256(), NULL))
        return GEN_EINTERNAL;
    tohex(md, sizeof md, out);
    return 0;
}

int sigv4_sha256_base64(const void *data, size_t n, char out[45])
{
    unsigned char md[32];

    if (load_crypto() < 0 || !lcr.digest(n ? data : "", n, md, NULL, lcr.sha256(), NULL))
        return GEN_EINTERNAL;
    lcr.encode64((unsigned char *)out, md, sizeof md);
    return 0;
}

/* md = HMAC-SHA256(key, msg); 0 or -1. */
static int hmac(const unsigned char *key, size_t klen, const char *msg,
                size_t n, unsigned char md[32])
{
    unsigned int len = 32;

    if (load_crypto() < 0)
        return -1;
    return lcr.hmac(lcr.sha256(), key, (int)klen, (const unsigned char *)msg, n,
                    md, &len) ? 0 : -1;
}

/* Derive kSigning for day ("YYYYMMDD"); wipes every intermediate key. */
static int signing_key(const char *secret, const char *day,
                       const char *region, const char *service,
                       unsigned char key[32])
{
    unsigned char k[4 + MAX_SECRET], a[32], b[32];
    size_t n = strlen(secret);
    int rc;

    memcpy(k, "AWS4", 4);
    memcpy(k + 4, secret, n);
    rc = hmac(k, 4 + n, day, 8, a) < 0 ||
         hmac(a, sizeof a, region, strlen(region), b) < 0 ||
         hmac(b, sizeof b, service, strlen(service), a) < 0 ||
         hmac(a, sizeof a, "aws4_request", 12, key) < 0;
    cleanse(k, sizeof k);
    cleanse(a, sizeof a);
    cleanse(b, sizeof b);
    return rc ? -1 : 0;
}

/* ---------- URI encoding ---------- */

#define ENC_DECODE 1    /* first turn valid %XX escapes back into bytes */
#define ENC_SLASH 2     /* a literal '/' stays (paths) */

static int unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
           c == '~';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Append s[0..n) with every byte outside the unreserved set as %XX
 * (uppercase hex). A byte decoded from an escape is re-encoded like any
 * other, so under ENC_DECODE|ENC_SLASH "%2F" stays "%2F" and "%7e" is "~". */
static void uri_encode(struct buf *b, const char *s, size_t n, int how)
{
    static const char digits[] = "0123456789ABCDEF";
    size_t i;
    unsigned char c;

    for (i = 0; i < n; i++) {
        c = (unsigned char)s[i];
        if ((how & ENC_DECODE) && c == '%' && i + 2 < n &&
            hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            c = (unsigned char)(hexval(s[i + 1]) << 4 | hexval(s[i + 2]));
            i += 2;
        } else if (c == '/' && (how & ENC_SLASH)) {
            buf_addc(b, '/');
            continue;
        }
        if (unreserved(c)) {
            buf_addc(b, (char)c);
        } else {
            buf_addc(b, '%');
            buf_addc(b, digits[c >> 4]);
            buf_addc(b, digits[c & 15]);
        }
    }
}

/* ---------- path ---------- */

/* Append path with ".", ".." and empty segments removed, each segment
 * encoded again. ".." never climbs above the root; a trailing '/' stays
 * unless the result is the root itself. */
static int normalized_path(struct buf *b, const char *path)
{
    size_t n = strlen(path), nseg = 0, i, j, len;
    size_t *seg = malloc((n / 2 + 1) * 2 * sizeof *seg);   /* start, len */

    if (!seg)
        return -1;
    for (i = 0; i < n; i = j + 1) {
        for (j = i; j < n && path[j] != '/'; j++)
            ;
        len = j - i;
        if (len == 2 && path[i] == '.' && path[i + 1] == '.') {
            if (nseg)
                nseg--;
        } else if (len && !(len == 1 && path[i] == '.')) {
            seg[2 * nseg] = i;
            seg[2 * nseg + 1] = len;
            nseg++;
        }
    }
    for (i = 0; i < nseg; i++) {
        buf_addc(b, '/');
        uri_encode(b, path + seg[2 * i], seg[2 * i + 1], 0);
    }
    if (nseg == 0 || path[n - 1] == '/')
        buf_addc(b, '/');
    free(seg);
    return 0;
}

/* Append the canonical path. S3 signs the key's single encoding as sent,
 * escapes normalized; other services encode the wire path once more. */
static int canonical_path(struct buf *b, const char *path, unsigned flags)
{
    if (!path || !*path)
        path = "/";
    if (flags & SIGV4_S3)
        uri_encode(b, path, strlen(path), ENC_DECODE | ENC_SLASH);
    else if (flags & SIGV4_NO_NORMALIZE)
        uri_encode(b, path, strlen(path), ENC_SLASH);
    else
        return normalized_path(b, path);
    return 0;
}

/* ---------- query ---------- */

struct param {
    const char *k, *v;
};

static int param_cmp(const void *a, const void *b)
{
    const struct param *x = a, *y = b;
    int c = strcmp(x->k, y->k);

    return c ? c : strcmp(x->v, y->v);
}

/* Append each "k=v" of query to pb as "k\0v\0", decoded and re-encoded;
 * empty pairs are dropped and a missing '=' means an empty value.
 * '+' is a literal plus, not a space. */
static void split_query(struct buf *pb, const char *q)
{
    const char *amp, *eq;
    size_t n;

    for (; q && *q; q = *amp ? amp + 1 : amp) {
        amp = q + strcspn(q, "&");
        n = (size_t)(amp - q);
        if (!n)
            continue;
        eq = memchr(q, '=', n);
        if (!eq)
            eq = amp;
        uri_encode(pb, q, (size_t)(eq - q), ENC_DECODE);
        buf_addc(pb, '\0');
        if (eq < amp)
            uri_encode(pb, eq + 1, (size_t)(amp - eq - 1), ENC_DECODE);
        buf_addc(pb, '\0');
    }
}

/* Append the canonical form of the parameters of q1 and q2 together:
 * sorted by encoded key, then encoded value, in byte order. */
static int canonical_query(struct buf *b, const char *q1, const char *q2)
{
    struct buf pb;
    struct param *ps = NULL;
    const char *s, *end;
    size_t n = 0, i;
    int rc = -1;

    buf_init(&pb);
    split_query(&pb, q1);
    split_query(&pb, q2);
    if (buf_failed(&pb))
        goto fail;
    ps = malloc((pb.len / 2 + 1) * sizeof *ps);
    if (!ps)
        goto fail;
    for (s = buf_cstr(&pb), end = s + pb.len; s < end; n++) {
        ps[n].k = s;
        s += strlen(s) + 1;
        ps[n].v = s;
        s += strlen(s) + 1;
    }
    qsort(ps, n, sizeof *ps, param_cmp);
    for (i = 0; i < n; i++)
        buf_printf(b, "%s%s=%s", i ? "&" : "", ps[i].k, ps[i].v);
    rc = 0;
fail:
    free(ps);
    buf_free(&pb);
    return rc;
}

/* ---------- headers ---------- */

struct hdr {
    const char *name, *value;
    size_t order;               /* keeps repeated names in request order */
};

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Compare names as their lowercase forms, byte by byte. */
static int name_cmp(const char *a, const char *b)
{
    while (*a && lower((unsigned char)*a) == lower((unsigned char)*b)) {
        a++;
        b++;
    }
    return lower((unsigned char)*a) - lower((unsigned char)*b);
}

static int hdr_cmp(const void *a, const void *b)
{
    const struct hdr *x = a, *y = b;
    int c = name_cmp(x->name, y->name);

    if (c)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Headers left unsigned: hop-by-hop, rewritten by proxies, or the
 * signer's own (it supplies those itself). */
static const char *const unsigned_headers[] = {
    "authorization", "connection", "expect", "transfer-encoding",
    "user-agent", "x-amzn-trace-id",
    "x-amz-content-sha256", "x-amz-date", "x-amz-security-token"
};

static int is_unsigned(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof unsigned_headers / sizeof *unsigned_headers; i++)
        if (name_cmp(name, unsigned_headers[i]) == 0)
            return 1;
    return 0;
}

static void add_lower(struct buf *b, const char *s)
{
    for (; *s; s++)
        buf_addc(b, (char)lower((unsigned char)*s));
}

/* Append v trimmed, every inner whitespace run (folded newlines too) as
 * one space. */
static void add_trimmed(struct buf *b, const char *v)
{
    int gap = 0, any = 0;

    for (; *v; v++) {
        if (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n') {
            gap = any;
            continue;
        }
        if (gap)
            buf_addc(b, ' ');
        buf_addc(b, *v);
        gap = 0;
        any = 1;
    }
}

/* Sort h[0..n) and append "name:value\n" lines to cr (repeated names
 * joined with ',' in request order) and "a;b;c" to sh. */
static void canonical_headers(struct buf *cr, struct buf *sh, struct hdr *h,
                              size_t n)
{
    size_t i;

    qsort(h, n, sizeof *h, hdr_cmp);
    for (i = 0; i < n; i++) {
        if (i > 0 && name_cmp(h[i].name, h[i - 1].name) == 0) {
            buf_addc(cr, ',');
        } else {
            if (i > 0) {
                buf_addc(cr, '\n');
                buf_addc(sh, ';');
            }
            add_lower(cr, h[i].name);
            add_lower(sh, h[i].name);
            buf_addc(cr, ':');
        }
        add_trimmed(cr, h[i].value);
    }
    buf_addc(cr, '\n');
}

/* ---------- signing ---------- */

void sigv4_result_free(struct sigv4_result *r)
{
    size_t i;

    if (!r)
        return;
    for (i = 0; i < r->nheaders; i++)
        free(r->headers[i]);
    free(r->query);
    free(r->canonical_request);
    free(r->string_to_sign);
    free(r);
}

/* Add "name: value" to the result's headers. */
static int result_header(struct sigv4_result *r, const char *name,
                         const char *value)
{
    struct buf b;

    buf_init(&b);
    buf_printf(&b, "%s: %s", name, value);
    if (buf_failed(&b)) {
        buf_free(&b);
        return -1;
    }
    r->headers[r->nheaders++] = buf_detach(&b, NULL);
    return 0;
}

/* Reject what cannot be signed; 0 or a gen_code. */
static int check_input(const struct sigv4_request *req,
                       const struct sigv4_creds *creds,
                       const struct sigv4_params *p, struct gen_err *e)
{
    size_t i;

    if (!req->method || !*req->method || !p->region || !*p->region ||
        !p->service || !*p->service)
        return err_set(e, GEN_EINPUT, NULL, 0,
                       "sigv4: method, region and service are required");
    if (!creds->access_key_id || !*creds->access_key_id ||
        !creds->secret_access_key || !*creds->secret_access_key)
        return err_set(e, GEN_ECRED, NULL, 0, "sigv4: no access key");
    if (strlen(creds->secret_access_key) > MAX_SECRET)
        return err_set(e, GEN_ECRED, NULL, 0,
                       "sigv4: secret access key longer than %d bytes",
                       MAX_SECRET);
    if ((p->flags & SIGV4_PRESIGN) &&
        (p->expires < 1 || p->expires > MAX_EXPIRES))
        return err_set(e, GEN_EINPUT, NULL, 0,
                       "sigv4: expiry must be 1..%u seconds, not %u",
                       MAX_EXPIRES, p->expires);
    for (i = 0; i < req->nheaders; i++)
        if (name_cmp(req->headers[i].name, "host") == 0)
            return 0;
    return err_set(e, GEN_EINPUT, NULL, 0, "sigv4: request has no Host");
}

/* Everything one signing needs besides the inputs. */
struct ctx {
    char date[17], day[9];      /* "20150830T123600Z", "20150830" */
    char payload[65];           /* body hash or UNSIGNED-PAYLOAD */
    const char *token;          /* NULL when none */
    int sign_token;             /* token goes into the signature */
    int content_header;         /* header mode adds x-amz-content-sha256 */
    struct buf scope;           /* day/region/service/aws4_request */
    struct buf signed_headers;  /* "host;x-amz-date" */
    struct buf auth;            /* presign: the X-Amz-* parameters */
};

/* Build the canonical request into cr (and c's signed headers and, when
 * presigning, its X-Amz-* parameters). 0 or -1 (out of memory). */
static int canonical_request(struct buf *cr, struct ctx *c,
                             const struct sigv4_request *req,
                             const struct sigv4_creds *creds,
                             const struct sigv4_params *p)
{
    struct hdr *h = malloc((req->nheaders + 3) * sizeof *h);
    struct buf ch;
    size_t nh = 0, i;
    int rc = -1;

    buf_init(&ch);
    if (!h)
        return -1;
    for (i = 0; i < req->nheaders; i++)
        if (!is_unsigned(req->headers[i].name)) {
            h[nh].name = req->headers[i].name;
            h[nh].value = req->headers[i].value;
            h[nh].order = nh;
            nh++;
        }
    if (!(p->flags & SIGV4_PRESIGN)) {
        h[nh] = (struct hdr){ "x-amz-date", c->date, nh };
        nh++;
        if (c->sign_token) {
            h[nh] = (struct hdr){ "x-amz-security-token", c->token, nh };
            nh++;
        }
        if (c->content_header) {
            h[nh] = (struct hdr){ "x-amz-content-sha256", c->payload, nh };
            nh++;
        }
    }
    canonical_headers(&ch, &c->signed_headers, h, nh);

    if (p->flags & SIGV4_PRESIGN) {
        buf_adds(&c->auth, "X-Amz-Algorithm=" ALGORITHM "&X-Amz-Credential=");
        uri_encode(&c->auth, creds->access_key_id,
                   strlen(creds->access_key_id), 0);
        buf_adds(&c->auth, "%2F");
        uri_encode(&c->auth, buf_cstr(&c->scope), c->scope.len, 0);
        buf_printf(&c->auth, "&X-Amz-Date=%s&X-Amz-Expires=%u"
                   "&X-Amz-SignedHeaders=", c->date, p->expires);
        uri_encode(&c->auth, buf_cstr(&c->signed_headers),
                   c->signed_headers.len, 0);
        if (c->sign_token) {
            buf_adds(&c->auth, "&X-Amz-Security-Token=");
            uri_encode(&c->auth, c->token, strlen(c->token), 0);
        }
    }

    buf_printf(cr, "%s\n", req->method);
    if (canonical_path(cr, req->path, p->flags) < 0)
        goto fail;
    buf_addc(cr, '\n');
    if (canonical_query(cr, req->query, buf_cstr(&c->auth)) < 0)
        goto fail;
    buf_printf(cr, "\n%s\n%s\n%s", buf_cstr(&ch),
               buf_cstr(&c->signed_headers), c->payload);
    rc = buf_failed(cr) || buf_failed(&ch) || buf_failed(&c->auth) ||
         buf_failed(&c->signed_headers) ? -1 : 0;
fail:
    free(h);
    buf_free(&ch);
    return rc;
}

/* Fill r's headers (header mode) or query (presign); 0 or -1. */
static int result_output(struct sigv4_result *r, struct ctx *c,
                         const struct sigv4_request *req,
                         const struct sigv4_creds *creds,
                         const struct sigv4_params *p)
{
    struct buf b;
    int rc;

    buf_init(&b);
    if (p->flags & SIGV4_PRESIGN) {
        if (req->query && *req->query)
            buf_printf(&b, "%s&", req->query);
        buf_adds(&b, buf_cstr(&c->auth));
        if (c->token && !c->sign_token) {
            buf_adds(&b, "&X-Amz-Security-Token=");
            uri_encode(&b, c->token, strlen(c->token), 0);
        }
        buf_printf(&b, "&X-Amz-Signature=%s", r->signature);
        rc = buf_failed(&b) ? -1 : 0;
        if (rc == 0)
            r->query = buf_detach(&b, NULL);
    } else {
        buf_printf(&b, ALGORITHM " Credential=%s/%s, SignedHeaders=%s, "
                   "Signature=%s", creds->access_key_id, buf_cstr(&c->scope),
                   buf_cstr(&c->signed_headers), r->signature);
        rc = buf_failed(&b) ||
             result_header(r, "X-Amz-Date", c->date) < 0 ||
             (c->token &&
              result_header(r, "X-Amz-Security-Token", c->token) < 0) ||
             (c->content_header &&
              result_header(r, "x-amz-content-sha256", c->payload) < 0) ||
             result_header(r, "Authorization", b.data) < 0 ? -1 : 0;
    }
    buf_free(&b);
    return rc;
}

/* The signing time, the token and how it is sent, the payload hash; the
 * buffers of c are left for the caller to initialise. */
static int ctx_init(struct ctx *c, const struct sigv4_request *req,
                    const struct sigv4_creds *creds, const struct sigv4_params *p,
                    struct gen_err *e)
{
    struct tm tm;

    memset(c, 0, sizeof *c);
    if (!gmtime_r(&p->now, &tm) ||
        strftime(c->date, sizeof c->date, "%Y%m%dT%H%M%SZ", &tm) != 16)
        return err_set(e, GEN_EINPUT, NULL, 0, "sigv4: bad signing time");
    memcpy(c->day, c->date, 8);
    c->token = creds->session_token && *creds->session_token ?
               creds->session_token : NULL;
    c->sign_token = c->token && !(p->flags & SIGV4_OMIT_TOKEN);
    c->content_header = !(p->flags & SIGV4_PRESIGN) &&
                        (p->flags & (SIGV4_S3 | SIGV4_SIGN_BODY));
    if ((p->flags & SIGV4_UNSIGNED_PAYLOAD) ||
        (p->flags & (SIGV4_PRESIGN | SIGV4_S3)) == (SIGV4_PRESIGN | SIGV4_S3))
        strcpy(c->payload, UNSIGNED_PAYLOAD);
    else if (sigv4_sha256_hex(req->body, req->body_len, c->payload) < 0)
        return err_set(e, GEN_EINTERNAL, NULL, 0, "sigv4: sha256 failed");
    return 0;
}

int sigv4_sign(const struct sigv4_request *req, const struct sigv4_creds *creds,
             const struct sigv4_params *p, struct sigv4_result **out,
             struct gen_err *e)
{
    struct ctx c;
    struct buf cr, sts;
    struct sigv4_result *r = NULL;
    char hash[65];
    unsigned char key[32], md[32];
    int rc = check_input(req, creds, p, e);

    if (rc < 0)
        return rc;
    if (load_crypto() < 0)
        return err_set(e, GEN_EINTERNAL, NULL, 0, "sigv4: cannot load libcrypto "
                       "(install the libssl3 package)");
    rc = ctx_init(&c, req, creds, p, e);
    if (rc < 0)
        return rc;
    buf_init(&c.scope);
    buf_init(&c.signed_headers);
    buf_init(&c.auth);
    buf_init(&cr);
    buf_init(&sts);

    rc = GEN_ENOMEM;
    buf_printf(&c.scope, "%s/%s/%s/aws4_request", c.day, p->region,
               p->service);
    r = calloc(1, sizeof *r);
    if (!r || buf_failed(&c.scope) ||
        canonical_request(&cr, &c, req, creds, p) < 0)
        goto fail;
    rc = GEN_EINTERNAL;
    if (sigv4_sha256_hex(cr.data, cr.len, hash) < 0)
        goto fail;
    buf_printf(&sts, ALGORITHM "\n%s\n%s\n%s", c.date, buf_cstr(&c.scope),
               hash);
    if (buf_failed(&sts)) {
        rc = GEN_ENOMEM;
        goto fail;
    }
    if (signing_key(creds->secret_access_key, c.day, p->region, p->service,
                    key) < 0 ||
        hmac(key, sizeof key, sts.data, sts.len, md) < 0)
        goto fail;
    tohex(md, sizeof md, r->signature);
    rc = GEN_ENOMEM;
    if (result_output(r, &c, req, creds, p) < 0)
        goto fail;
    r->canonical_request = buf_detach(&cr, NULL);
    r->string_to_sign = buf_detach(&sts, NULL);
    *out = r;
    r = NULL;
    rc = 0;
fail:
    cleanse(key, sizeof key);
    if (rc < 0)
        err_set(e, rc, NULL, 0, rc == GEN_ENOMEM ? "sigv4: out of memory"
                : "sigv4: libcrypto failed");
    sigv4_result_free(r);
    buf_free(&c.scope);
    buf_free(&c.signed_headers);
    buf_free(&c.auth);
    buf_free(&cr);
    buf_free(&sts);
    return rc;
}
