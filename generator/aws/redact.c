/* redact.c: secrets out of trace lines and error messages. */
#include "aws/redact.h"

#include <string.h>

#define REDACTED "<redacted>"

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

int redact_header_is_secret(const char *name)
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

void redact_header(struct buf *out, const char *name, const char *value)
{
    buf_adds(out, name);
    buf_adds(out, ": ");
    if (!redact_header_is_secret(name)) {
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

void redact_url(struct buf *out, const char *url)
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
