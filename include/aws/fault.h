/* fault.h: what an AWS error answer says, whatever the protocol: the
 * code, the whole message (bounded, on one line) and the request id.
 *
 *   JSON (REST-JSON, JSON): the code from the x-amzn-ErrorType header, else
 *   the body's "__type" or "code" ("com.amazonaws.lambda#Foo" and
 *   "Foo:http://..." both give "Foo"), or the x-amzn-query-error header
 *   ("Code;Sender") of services that moved from Query to JSON; the
 *   message from "message" or "Message".
 *   XML (Query, REST-XML): xml_aws_error() (xml.h).
 *   An empty body (a HEAD's): a code by the status ("NotFound" for 404,
 *   "Forbidden", "PreconditionFailed", ...), message "HTTP 404 with an
 *   empty body".
 *   Anything else: code "HttpError", message "HTTP 502 with a non-XML body
 *   (html page "Bad gateway")".
 *
 * A message is kept whole up to AWS_MESSAGE_MAX bytes; a longer one is cut
 * at a word boundary and ends with "...". Control characters are escaped
 * (err_escape) so the message stays on one line. */
#ifndef LUAFORM_FAULT_H
#define LUAFORM_FAULT_H

#include <stddef.h>

struct http_response;

#define AWS_MESSAGE_MAX 1000

/* What the service said when a call failed (GEN_EAWS). */
struct aws_fault {
    int http_status;
    char code[128];            /* "ValidationError", "Throttling", ... */
    char message[AWS_MESSAGE_MAX + 1];
    char request_id[128];
    int retryable;             /* worth another attempt (transient, throttled) */
    int throttled;             /* a throttling code, or HTTP 429 */
    int attempts;              /* attempts made */
    int unexpected;            /* a 2xx that was not the action's answer (code
                                  "UnexpectedAnswer"): for a mutating call,
                                  whether it took effect is unknown */
};

/* Fill f (zeroed first) from an error answer r (status, headers, body).
 * Never fails. A SignatureDoesNotMatch message loses the canonical request
 * and string to sign AWS quotes (they hold the session token). */
void fault_decode(const struct http_response *r, struct aws_fault *f);

/* The code and message of a JSON error body (len bytes) with the
 * x-amzn-ErrorType header value error_type (NULL when absent). 1 when the
 * body was a JSON object, 0 (f untouched) when not. */
int fault_json(const char *body, size_t len, const char *error_type, struct aws_fault *f);

/* Copy src into dst (n bytes) on one line (err_escape), at most max bytes
 * (max < n): whole when it fits, else cut at the last space before the
 * limit (at a UTF-8 boundary when one word is longer than half of it),
 * trailing blanks dropped, and "..." added. */
void fault_bound(char *dst, size_t n, const char *src, size_t max);

/* "CODE: message (request id RID)", as errors show a fault. */
void fault_describe(const struct aws_fault *f, char *out, size_t n);

#endif
