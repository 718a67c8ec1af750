/* fuzz_sigv4.c: SigV4 signing. Checks that sigv4_sign is deterministic (the
 * same request twice gives the same result), that the secret key never
 * appears in the result or an error, and that the result is consistent:
 * the string to sign hashes the canonical request, the signature is the
 * HMAC chain over it (recomputed here with libcrypto), the signed headers
 * and payload hash are what the flags call for, and Authorization or
 * X-Amz-Signature carry that signature.
 *
 * Input: an options line, then a request in the aws-c-auth vectors'
 * request.txt form (request line, "Name:value" headers where a line that
 * starts with white space continues the value, a blank line, the body):
 *   region=us-east-1 service=iam now=1440938160 flags=presign,s3
 *   expires=60 akid=AKIDEXAMPLE token=TOKEN secret=empty|long
 *   GET /path?query HTTP/1.1
 * The secret key itself is made by the harness from a hash of the input,
 * so the input cannot hold it by chance or by the mutator's copying. */
#include "core/err.h"
#include "fuzz.h"
#include "aws/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_HEADERS 32
#define AUTH "Authorization: AWS4-HMAC-SHA256 Credential="

struct input {
    char region[64], service[64], akid[64], token[256], secret[160];
    time_t now;
    unsigned flags, expires;
    char *method, *path, *query;
    struct sigv4_header h[MAX_HEADERS];
    size_t nh;
    char *body;                 /* its own exact-size allocation */
    size_t body_len;
};

static const struct {
    const char *name;
    unsigned bit;
} flag_names[] = {
    {"presign", SIGV4_PRESIGN}, {"s3", SIGV4_S3}, {"nonorm", SIGV4_NO_NORMALIZE},
    {"signbody", SIGV4_SIGN_BODY}, {"unsigned", SIGV4_UNSIGNED_PAYLOAD},
    {"omittoken", SIGV4_OMIT_TOKEN},
};

static void copy_opt(char *dst, size_t n, const char *v, size_t vn)
{
    snprintf(dst, n, "%.*s", (int)vn, v);
}

static void set_flags(struct input *in, const char *v, size_t vn)
{
    size_t i;

    in->flags = 0;
    for (i = 0; i < sizeof flag_names / sizeof flag_names[0]; i++) {
        size_t k = strlen(flag_names[i].name);
        const char *p = v;

        /* a name between commas */
        while (p + k <= v + vn) {
            if (strncmp(p, flag_names[i].name, k) == 0 &&
                (p == v || p[-1] == ',') &&
                (p + k == v + vn || p[k] == ','))
                in->flags |= flag_names[i].bit;
            p++;
        }
    }
}

/* One "key=value" word of the options line. */
static void option(struct input *in, const char *w, size_t n)
{
    const char *eq = memchr(w, '=', n);
    size_t kn, vn;
    const char *v;

    if (!eq)
        return;
    kn = (size_t)(eq - w);
    v = eq + 1;
    vn = n - kn - 1;
#define IS(k) (kn == strlen(k) && strncmp(w, k, kn) == 0)
    if (IS("region"))
        copy_opt(in->region, sizeof in->region, v, vn);
    else if (IS("service"))
        copy_opt(in->service, sizeof in->service, v, vn);
    else if (IS("akid"))
        copy_opt(in->akid, sizeof in->akid, v, vn);
    else if (IS("token"))
        copy_opt(in->token, sizeof in->token, v, vn);
    else if (IS("now"))
        in->now = (time_t)strtoll(v, NULL, 10);
    else if (IS("expires"))
        in->expires = (unsigned)strtoul(v, NULL, 10);
    else if (IS("flags"))
        set_flags(in, v, vn);
    else if (IS("secret") && vn == 5 && strncmp(v, "empty", 5) == 0)
        in->secret[0] = '\0';
    else if (IS("secret") && vn == 4 && strncmp(v, "long", 4) == 0 &&
             in->secret[0])
        memset(in->secret + 40, 'y', 100);  /* past MAX_SECRET: refused */
#undef IS
}

/* A secret of letters and digits that a hex digest cannot contain. */
static void make_secret(struct input *in, const uint8_t *d, size_t n)
{
    static const char a[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    size_t i;

    memset(in->secret, 0, sizeof in->secret);
    memcpy(in->secret, "wJalrXUtnSEC", 12);
    for (i = 12; i < 40; i++)
        in->secret[i] = a[fz_hash(d, n, i) % (sizeof a - 1)];
}

/* Split the text (NUL-terminated, modified in place) into the request. */
static int parse(struct input *in, char *text, const uint8_t *d, size_t n)
{
    char *s = text, *nl, *w, *q, *end;

    memset(in, 0, sizeof *in);
    snprintf(in->region, sizeof in->region, "us-east-1");
    snprintf(in->service, sizeof in->service, "service");
    snprintf(in->akid, sizeof in->akid, "AKIDEXAMPLE");
    in->now = 1440938160;          /* 2015-08-30T12:36:00Z */
    in->expires = 86400;
    make_secret(in, d, n);
    nl = strchr(s, '\n');
    if (!nl)
        return -1;
    *nl = '\0';
    for (w = s; *w;) {
        size_t k = strcspn(w, " \t");

        option(in, w, k);
        w += k;
        w += strspn(w, " \t");
    }
    /* the request line: METHOD SP target [SP HTTP/1.1] */
    s = nl + 1;
    nl = strchr(s, '\n');
    if (!nl)
        return -1;
    *nl = '\0';
    q = strchr(s, ' ');
    if (!q)
        return -1;
    *q = '\0';
    in->method = s;
    in->path = q + 1;
    end = strstr(in->path, " HTTP/1.1");
    if (end)
        *end = '\0';
    if (strcmp(in->path, "*") == 0)
        in->path = NULL;
    q = in->path ? strchr(in->path, '?') : NULL;
    if (q) {
        *q = '\0';
        in->query = q + 1;
    }
    /* headers, then the body */
    for (s = nl + 1; *s && *s != '\n';) {
        q = strchr(s, ':');
        end = strchr(s, '\n');
        if (in->nh == MAX_HEADERS || !q || (end && q > end))
            return -1;
        for (nl = end; nl && (nl[1] == ' ' || nl[1] == '\t');
             nl = strchr(nl + 1, '\n'))
            ;
        *q = '\0';
        in->h[in->nh].name = s;
        in->h[in->nh++].value = q + 1;
        if (!nl) {
            s = q + 1 + strlen(q + 1);
            break;
        }
        *nl = '\0';
        s = nl + 1;
    }
    if (*s == '\n')
        s++;
    in->body_len = strlen(s);
    in->body = malloc(in->body_len ? in->body_len : 1);
    if (!in->body)
        abort();
    memcpy(in->body, s, in->body_len);
    return 0;
}

/* Does the secret, or a long piece of it, occur in s? */
static int leaks(const char *s, const char *secret)
{
    size_t n = strlen(secret);

    if (!s || n < 16)
        return 0;
    return fz_has(s, secret) || fz_find(s, strlen(s), secret, 16) ||
           fz_find(s, strlen(s), secret + n - 16, 16);
}

static int same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void check_same(const struct sigv4_result *a, const struct sigv4_result *b)
{
    size_t i;

    FZ_CHECK(a->nheaders == b->nheaders && same(a->query, b->query) &&
             same(a->canonical_request, b->canonical_request) &&
             same(a->string_to_sign, b->string_to_sign) &&
             strcmp(a->signature, b->signature) == 0,
             "two signings of one request differ");
    for (i = 0; i < a->nheaders; i++)
        FZ_CHECK(same(a->headers[i], b->headers[i]), "header %zu differs", i);
}

static void hmac(const void *key, size_t kn, const char *msg, size_t n,
                 unsigned char out[32])
{
    unsigned len = 32;

    FZ_CHECK(HMAC(EVP_sha256(), key, (int)kn, (const unsigned char *)msg, n,
                  out, &len) != NULL, "HMAC failed");
}

static void hex(const unsigned char *md, size_t n, char *out)
{
    size_t i;

    for (i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", md[i]);
}

/* Header names made of RFC 9110 token characters only: then the
 * canonical request's last lines can be split unambiguously. */
static int plain_names(const struct input *in)
{
    size_t i;

    for (i = 0; i < in->nh; i++) {
        const char *p = in->h[i].name;

        if (!*p || strchr(in->h[i].value, '\n'))
            return 0;
        for (; *p; p++)
            if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                  (*p >= '0' && *p <= '9') || strchr("!#$%&'*+-.^_`|~", *p)))
                return 0;
    }
    return 1;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The signed header list the flags call for, as sigv4.h documents it. */
static void want_signed(const struct input *in, const char *token,
                        char *out, size_t size)
{
    static const char *const skip[] = {
        "authorization", "connection", "expect", "transfer-encoding",
        "user-agent", "x-amzn-trace-id", "x-amz-content-sha256",
        "x-amz-date", "x-amz-security-token",
    };
    char *names[MAX_HEADERS + 3];
    size_t n = 0, i, j, len = 0;

    for (i = 0; i < in->nh; i++) {
        char *l = strdup(in->h[i].name);
        int skipped = 0;

        for (j = 0; l[j]; j++)
            if (l[j] >= 'A' && l[j] <= 'Z')
                l[j] = (char)(l[j] + 32);
        for (j = 0; j < sizeof skip / sizeof skip[0]; j++)
            skipped |= strcmp(l, skip[j]) == 0;
        if (skipped)
            free(l);
        else
            names[n++] = l;
    }
    if (!(in->flags & SIGV4_PRESIGN)) {
        names[n++] = strdup("x-amz-date");
        if (token && !(in->flags & SIGV4_OMIT_TOKEN))
            names[n++] = strdup("x-amz-security-token");
        if (in->flags & (SIGV4_S3 | SIGV4_SIGN_BODY))
            names[n++] = strdup("x-amz-content-sha256");
    }
    qsort(names, n, sizeof *names, cmp_str);
    out[0] = '\0';
    for (i = 0; i < n; i++) {
        if (i == 0 || strcmp(names[i], names[i - 1]) != 0)
            len += (size_t)snprintf(out + len, size - len, "%s%s",
                                    len ? ";" : "", names[i]);
        if (len >= size)
            len = size - 1;
    }
    for (i = 0; i < n; i++)
        free(names[i]);
}

static void check_result(const struct input *in, const struct sigv4_result *r)
{
    const char *token = in->token[0] ? in->token : NULL;
    const char *sts = r->string_to_sign, *cr = r->canonical_request;
    char date[17], scope[200], line[400], hash[65], sig[65], want[4096];
    unsigned char k1[32], k2[32], md[32];
    char key[4 + sizeof in->secret];
    struct tm tm;
    const char *last, *prev;
    size_t i;

    FZ_CHECK(sts && cr, "no canonical request or string to sign");
    FZ_CHECK(strlen(r->signature) == 64 &&
             strspn(r->signature, "0123456789abcdef") == 64,
             "signature '%s'", r->signature);
    gmtime_r(&in->now, &tm);
    strftime(date, sizeof date, "%Y%m%dT%H%M%SZ", &tm);
    snprintf(scope, sizeof scope, "%.8s/%s/%s/aws4_request", date,
             in->region, in->service);
    FZ_CHECK(sigv4_sha256_hex(cr, strlen(cr), hash) == 0, "sha256");
    snprintf(line, sizeof line, "AWS4-HMAC-SHA256\n%s\n%s\n%s", date, scope,
             hash);
    FZ_CHECK(strcmp(sts, line) == 0, "string to sign:\n%s\nwant:\n%s", sts,
             line);

    /* the HMAC chain, recomputed */
    memcpy(key, "AWS4", 4);
    memcpy(key + 4, in->secret, strlen(in->secret));
    hmac(key, 4 + strlen(in->secret), date, 8, k1);
    hmac(k1, 32, in->region, strlen(in->region), k2);
    hmac(k2, 32, in->service, strlen(in->service), k1);
    hmac(k1, 32, "aws4_request", 12, k2);
    hmac(k2, 32, sts, strlen(sts), md);
    hex(md, 32, sig);
    FZ_CHECK(strcmp(sig, r->signature) == 0, "signature %s, recomputed %s",
             r->signature, sig);

    /* the payload hash and signed headers: the last two lines */
    last = strrchr(cr, '\n');
    FZ_CHECK(last != NULL, "one-line canonical request");
    if ((in->flags & SIGV4_UNSIGNED_PAYLOAD) ||
        (in->flags & (SIGV4_PRESIGN | SIGV4_S3)) == (SIGV4_PRESIGN | SIGV4_S3))
        snprintf(hash, sizeof hash, "UNSIGNED-PAYLOAD");
    else
        sigv4_sha256_hex(in->body, in->body_len, hash);
    FZ_CHECK(strcmp(last + 1, hash) == 0, "payload hash %s, want %s",
             last + 1, hash);
    if (plain_names(in)) {
        for (prev = last - 1; prev > cr && *prev != '\n'; prev--)
            ;
        want_signed(in, token, want, sizeof want);
        FZ_CHECK(strlen(want) == (size_t)(last - prev - 1) &&
                 strncmp(prev + 1, want, (size_t)(last - prev - 1)) == 0,
                 "signed headers '%.*s', want '%s'", (int)(last - prev - 1),
                 prev + 1, want);
    }

    if (in->flags & SIGV4_PRESIGN) {
        FZ_CHECK(r->nheaders == 0 && r->query, "presign gave headers");
        snprintf(line, sizeof line, "X-Amz-Signature=%s", r->signature);
        i = strlen(r->query);
        FZ_CHECK(i >= strlen(line) &&
                 strcmp(r->query + i - strlen(line), line) == 0,
                 "query does not end with the signature: %s", r->query);
    } else {
        FZ_CHECK(r->query == NULL, "header mode gave a query");
        FZ_CHECK(r->nheaders >= 2 && r->nheaders <= SIGV4_MAX_HEADERS,
                 "%zu headers", r->nheaders);
        snprintf(line, sizeof line, "X-Amz-Date: %s", date);
        FZ_CHECK(strcmp(r->headers[0], line) == 0, "first header %s",
                 r->headers[0]);
        snprintf(line, sizeof line, ", Signature=%s", r->signature);
        i = strlen(r->headers[r->nheaders - 1]);
        FZ_CHECK(strncmp(r->headers[r->nheaders - 1], AUTH, strlen(AUTH))
                 == 0 &&
                 i >= strlen(line) &&
                 strcmp(r->headers[r->nheaders - 1] + i - strlen(line),
                        line) == 0,
                 "last header: %s", r->headers[r->nheaders - 1]);
        for (i = 0; i < r->nheaders; i++)
            FZ_CHECK(r->headers[i] != NULL, "NULL header");
    }

    /* the secret: nowhere in the result */
    for (i = 0; i < r->nheaders; i++)
        FZ_CHECK(!leaks(r->headers[i], in->secret), "secret in header %s",
                 r->headers[i]);
    FZ_CHECK(!leaks(r->query, in->secret) && !leaks(cr, in->secret) &&
             !leaks(sts, in->secret) && !leaks(r->signature, in->secret),
             "the secret key is in the result");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in;
    struct sigv4_request req;
    struct sigv4_creds creds;
    struct sigv4_params p;
    struct sigv4_result *r1 = NULL, *r2 = NULL;
    struct gen_err e1, e2;
    char *text;
    int rc1, rc2;

    if (size > 8192)
        return 0;
    text = fz_strndup(data, size);
    if (parse(&in, text, data, size) < 0) {
        free(text);
        return 0;
    }
    memset(&req, 0, sizeof req);
    req.method = in.method;
    req.path = in.path;
    req.query = in.query;
    req.headers = in.h;
    req.nheaders = in.nh;
    req.body = in.body_len ? in.body : NULL;
    req.body_len = in.body_len;
    creds.access_key_id = in.akid;
    creds.secret_access_key = in.secret;
    creds.session_token = in.token;
    memset(&p, 0, sizeof p);
    p.region = in.region;
    p.service = in.service;
    p.now = in.now;
    p.flags = in.flags;
    p.expires = in.expires;

    err_clear(&e1);
    err_clear(&e2);
    rc1 = sigv4_sign(&req, &creds, &p, &r1, &e1);
    rc2 = sigv4_sign(&req, &creds, &p, &r2, &e2);
    FZ_CHECK(rc1 == rc2, "two signings returned %d and %d", rc1, rc2);
    if (rc1 < 0) {
        FZ_CHECK(e1.code == rc1 && r1 == NULL, "error %d, code %d", rc1,
                 e1.code);
        FZ_CHECK(strcmp(e1.msg, e2.msg) == 0, "messages differ");
        FZ_CHECK(e1.msg[0] && fz_one_line(e1.msg), "message: %s", e1.msg);
        FZ_CHECK(!leaks(e1.msg, in.secret), "secret in error: %s", e1.msg);
    } else {
        FZ_CHECK(rc1 == 0 && r1 && r2, "returned %d", rc1);
        check_same(r1, r2);
        check_result(&in, r1);
    }
    sigv4_result_free(r1);
    sigv4_result_free(r2);
    free(in.body);
    free(text);
    return 0;
}
