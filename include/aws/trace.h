/* trace.h: the debug trace of one HTTP exchange (luaform -v), a line at a
 * time to an http_debug_fn, secrets redacted (redact.h). Every function
 * does nothing when fn is NULL.
 *
 *   > POST https://h/?X-Amz-Signature=<redacted>
 *   > user-agent: luaform/0.1.0
 *   > Authorization: AWS4-HMAC-SHA256 Credential=AKIA****MPLE/..., Signature=<redacted>
 *   > (15 byte body not traced)
 *   < 200 (12 ms, 311 byte body)
 *   < x-amzn-requestid: ...
 *   ! reset error after 3 ms: POST http://h/: Empty reply from server
 */
#ifndef LUAFORM_TRACE_H
#define LUAFORM_TRACE_H

#include "aws/http.h"

/* The request line (url is the full URL), the user agent, the headers. */
void trace_request(http_debug_fn fn, void *ctx, const struct http_request *q,
                   const char *url, const char *user_agent);

/* The status, timing and headers of a response that arrived. */
void trace_response(http_debug_fn fn, void *ctx, const struct http_response *r);

/* An attempt that got no response: r->error, r->elapsed_ms and why. */
void trace_failure(http_debug_fn fn, void *ctx, const struct http_response *r,
                   const char *why);

#endif
