/* trace.c: the debug trace of one HTTP exchange, secrets redacted. */
#include "aws/trace.h"
#include "aws/redact.h"

/* Send b as one line, then empty it for the next. */
static void trace_line(http_debug_fn fn, void *ctx, struct buf *b)
{
    fn(ctx, buf_cstr(b));
    buf_reset(b);
}

void trace_request(http_debug_fn fn, void *ctx, const struct http_request *q,
                   const char *url, const char *user_agent)
{
    struct buf b;
    size_t i;

    if (!fn)
        return;
    buf_init(&b);
    buf_printf(&b, "> %s ", q->method);
    redact_url(&b, url);
    trace_line(fn, ctx, &b);
    buf_printf(&b, "> user-agent: %s", user_agent);
    trace_line(fn, ctx, &b);
    for (i = 0; i < q->nheaders; i++) {
        buf_adds(&b, "> ");
        redact_header(&b, q->headers[i].name, q->headers[i].value);
        trace_line(fn, ctx, &b);
    }
    buf_printf(&b, "> (%zu byte body not traced)", q->body_len);
    trace_line(fn, ctx, &b);
    buf_free(&b);
}

void trace_response(http_debug_fn fn, void *ctx, const struct http_response *r)
{
    struct buf b;
    size_t i;

    if (!fn)
        return;
    buf_init(&b);
    buf_printf(&b, "< %ld (%ld ms, %zu byte body)", r->status, r->elapsed_ms,
               r->body.len);
    trace_line(fn, ctx, &b);
    for (i = 0; i < r->nheaders; i++) {
        buf_adds(&b, "< ");
        redact_header(&b, r->headers[i].name, r->headers[i].value);
        trace_line(fn, ctx, &b);
    }
    buf_free(&b);
}

void trace_failure(http_debug_fn fn, void *ctx, const struct http_response *r,
                   const char *why)
{
    struct buf b;

    if (!fn)
        return;
    buf_init(&b);
    buf_printf(&b, "! %s error after %ld ms: %s", http_error_name(r->error),
               r->elapsed_ms, why);
    trace_line(fn, ctx, &b);
    buf_free(&b);
}
