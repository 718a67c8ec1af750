/* http_response.c: a response as the transport fills it: header lines
 * parsed into lowercased names and trimmed values, looked up by name. */
#include "aws/http_response.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int lower(int ch)
{
    return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

void http_response_init(struct http_response *r)
{
    memset(r, 0, sizeof *r);
    buf_init(&r->body);
}

void http_response_clear_headers(struct http_response *r)
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
    http_response_clear_headers(r);
    buf_free(&r->body);
    http_response_init(r);
}

const char *http_response_header(const struct http_response *r,
                                 const char *name)
{
    size_t i;

    for (i = 0; i < r->nheaders; i++)
        if (!strcasecmp(r->headers[i].name, name))
            return r->headers[i].value;
    return NULL;
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

int http_response_header_line(struct http_response *r, const char *p, size_t len)
{
    size_t m = len;

    while (m > 0 && (p[m - 1] == '\r' || p[m - 1] == '\n'
                     || p[m - 1] == ' ' || p[m - 1] == '\t'))
        m--;
    if (m == 0)
        return 0;
    if (m >= 5 && memcmp(p, "HTTP/", 5) == 0) {
        http_response_clear_headers(r);   /* a new response (after 100 Continue, say) */
        return 0;
    }
    if (p[0] == ' ' || p[0] == '\t') {
        while (m > 0 && (p[0] == ' ' || p[0] == '\t')) {
            p++;
            m--;
        }
        return fold_header(r, p, m) < 0 ? HTTP_RESPONSE_ENOMEM : 0;
    }
    if (r->nheaders >= HTTP_MAX_HEADERS)
        return HTTP_RESPONSE_ETOOMANY;
    return add_header(r, p, m) < 0 ? HTTP_RESPONSE_ENOMEM : 0;
}
