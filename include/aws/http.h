/* http.h: the HTTP transport (libcurl), retry policy and trace redaction.
 *
 * Only http.c includes curl. A client owns one reused easy handle, so
 * requests to the same endpoint share a kept-alive connection. A client is
 * not thread-safe: use one per thread.
 *
 *   http_global_init(&e);
 *   struct http_client *c = http_client_new(
 *       "https://cloudformation.us-east-1.amazonaws.com", NULL, &e);
 *   struct http_response r;
 *   http_response_init(&r);
 *   struct http_request q = { "POST", "/", hdrs, nhdrs, body, body_len, 0 };
 *   if (http_send(c, &q, &r, &e) == 0) ... r.status, r.body ...
 *   http_response_free(&r);
 *   http_client_free(c);
 *   http_global_cleanup();
 */
#ifndef LUAFORM_HTTP_H
#define LUAFORM_HTTP_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

#define HTTP_CONNECT_TIMEOUT_MS_DEFAULT 10000L
#define HTTP_TIMEOUT_MS_DEFAULT 60000L
#define HTTP_MAX_BODY_DEFAULT ((size_t)64 * 1024 * 1024)
#define HTTP_MAX_HEADERS 128        /* response headers kept, per response */

/* What happened to one attempt. Anything but HTTP_OK means no (complete)
 * response arrived; HTTP_OK means a response arrived, whatever its status. */
enum http_error {
    HTTP_OK = 0,
    HTTP_ECONNECT,   /* DNS failure, refused, unreachable: not sent */
    HTTP_ETIMEOUT,   /* connect or total timeout: may have executed */
    HTTP_ERESET,     /* dropped, empty reply, send/recv error: may have executed */
    HTTP_ETLS,       /* handshake or certificate verification failed */
    HTTP_EOTHER,     /* bad URL or protocol, body too large, out of memory... */
    HTTP_EINTR       /* Ctrl-C (interrupt.h) ended it: may have executed */
};

/* A short lowercase name: "ok", "connect", "timeout", "reset", "tls", "other",
 * "interrupted". */
const char *http_error_name(enum http_error err);

/* One debug trace line, without a newline; secrets already redacted. */
typedef void (*http_debug_fn)(void *ctx, const char *line);

/* Options; a zeroed struct (or NULL) gives the defaults. */
struct http_opts {
    long connect_timeout_ms;  /* 0: HTTP_CONNECT_TIMEOUT_MS_DEFAULT */
    long timeout_ms;          /* whole request; 0: HTTP_TIMEOUT_MS_DEFAULT */
    size_t max_body;          /* response body cap; 0: HTTP_MAX_BODY_DEFAULT */
    const char *ca_bundle;    /* NULL: $AWS_CA_BUNDLE if set, else curl's */
    http_debug_fn debug;      /* NULL: no tracing */
    void *debug_ctx;
};

struct http_header {
    const char *name;
    const char *value;
};

/* A request; everything is borrowed for the duration of http_send. */
struct http_request {
    const char *method;                 /* "GET", "POST", "PUT", "DELETE", "HEAD" */
    const char *url;                    /* absolute, or a path joined to base_url */
    const struct http_header *headers;  /* sent as given, in order */
    size_t nheaders;
    const void *body;                   /* may be NULL when body_len is 0 */
    size_t body_len;
    int fresh;                          /* 1: on a new connection, see below */
    size_t max_body;                    /* response body cap; 0: the client's */
};

/* fresh: libcurl silently sends a request again, on a new connection, when
 * a kept-alive connection it reused fails before the first response byte
 * (the server may have closed it while idle; or a proxy may have forwarded
 * the request and then dropped it). For a call that must go out exactly
 * once per attempt the caller decides on (a mutating call whose caller
 * looks before trying again), set fresh: the request then goes out on a
 * new connection, which libcurl never resends on, and such a failure comes
 * back as HTTP_ERESET. Other requests keep reusing the connection. */

/* An owned response header; name is lowercased, value trimmed. */
struct http_rheader {
    char *name;
    char *value;
};

struct http_response {
    enum http_error error;          /* HTTP_OK when a response arrived */
    long status;                    /* HTTP status; 0 without a response */
    struct http_rheader *headers;   /* of the final response, in order */
    size_t nheaders;
    struct buf body;
    long elapsed_ms;                /* wall time of the attempt */
};

struct http_client;

/* An endpoint URL as libcurl's URL parser reads it. */
struct http_url {
    char scheme[8];        /* "http" or "https" */
    char host[300];        /* the Host header: host[:port], a default port left out */
    char base[320];        /* scheme://host[:port] */
    char path[256];        /* "" or "/a/b": the path, without a trailing '/' */
};

/* Read url as an endpoint: http:// or https://, a host, an optional port
 * and path; no user info, query, fragment, white space or control
 * characters. 0, or -1 with *why saying what is wrong (it never quotes the
 * URL, which may hold a password). Loads libcurl when needed. */
int http_url_parse(const char *url, struct http_url *out, const char **why);

/* Call once before any client exists, and once at the end. Not thread-safe. */
int http_global_init(struct gen_err *e);
void http_global_cleanup(void);

/* base_url (may be NULL) is copied; opts is copied (strings too). Returns an
 * owned client, or NULL with e filled. */
struct http_client *http_client_new(const char *base_url,
                                    const struct http_opts *opts,
                                    struct gen_err *e);
void http_client_free(struct http_client *c);

void http_response_init(struct http_response *r);
void http_response_free(struct http_response *r);
/* Case-insensitive lookup; the first match, or NULL. */
const char *http_response_header(const struct http_response *r,
                                 const char *name);

/* One attempt; no retries here. r is emptied first, then filled.
 * Returns 0 when a response arrived (any status: r->error == HTTP_OK);
 * GEN_ENET on a transport failure (r->error says which, e has curl's
 * message); GEN_EINPUT for a bad method, URL or header (r->error is
 * HTTP_EOTHER); GEN_ENOMEM when memory ran out. */
int http_send(struct http_client *c, const struct http_request *q,
              struct http_response *r, struct gen_err *e);

/* ---- retry policy: AWS SDK "standard" retry mode ----
 *
 *   for (attempt = 1;; attempt++) {
 *       rc = http_send(...);  (parse the AWS error code from a 4xx/5xx body)
 *       if (!http_retryable(r.error, r.status, code) || attempt >= max_attempts)
 *           break;
 *       if (!(cost = http_quota_acquire(&quota, r.error)))
 *           break;
 *       sleep http_backoff_ms(attempt, NULL, NULL);
 *   }
 *   on a 2xx: http_quota_release(&quota, cost ? cost : HTTP_QUOTA_NO_RETRY_INCREMENT);
 */
#define HTTP_MAX_ATTEMPTS_DEFAULT 3
#define HTTP_BACKOFF_BASE_MS 1000L
#define HTTP_BACKOFF_MAX_MS 20000L

/* A random source returning a double in [0, 1). */
typedef double (*http_rand_fn)(void *ctx);

/* The delay before the next attempt after attempt number `attempt` (1-based)
 * failed: rand * min(BASE * 2^(attempt-1), MAX), in milliseconds, so
 * attempt 1 waits up to 1 s, 2 up to 2 s, ..., 6 and later up to 20 s.
 * rnd NULL uses an internal generator seeded from the clock and pid. */
long http_backoff_ms(int attempt, http_rand_fn rnd, void *rnd_ctx);

/* 1 when the attempt is worth retrying: connect, timeout or reset errors;
 * status 429 (too many requests), 500, 502, 503, 504; a throttling or
 * transient AWS error code.
 * Never for TLS or other transport errors, nor for validation or
 * authentication codes (even with a 5xx). aws_code may be NULL. */
int http_retryable(enum http_error err, long status, const char *aws_code);

/* 1 when aws_code is a throttling code (Throttling, SlowDown, ...). */
int http_throttling(const char *aws_code);

/* 1 when an answer says "slow down": a throttling code, or HTTP 429
 * whatever its code. */
int http_throttled(long status, const char *aws_code);

/* The standard mode's client-wide retry quota (token bucket). */
#define HTTP_QUOTA_INITIAL 500
#define HTTP_QUOTA_RETRY_COST 5
#define HTTP_QUOTA_TIMEOUT_COST 10
#define HTTP_QUOTA_NO_RETRY_INCREMENT 1

struct http_retry_quota {
    int available;
    int max;
};

void http_quota_init(struct http_retry_quota *q);
/* Take the cost of one retry (10 after a timeout, else 5). Returns the
 * amount taken, or 0 when the quota is exhausted: do not retry then. */
int http_quota_acquire(struct http_retry_quota *q, enum http_error err);
/* After a successful response: give back the last amount acquired for
 * this request, or HTTP_QUOTA_NO_RETRY_INCREMENT when it needed no retry. */
void http_quota_release(struct http_retry_quota *q, int amount);

/* ---- redaction (pure; used by the trace) ---- */

/* 1 when a header's value must never be shown: its name contains "token",
 * "secret", "authorization", "cookie", "password", "credential" or
 * "api-key"/"apikey" (ASCII case-insensitive). */
int http_header_is_secret(const char *name);

/* Append "name: value" to out, the value redacted as needed. An AWS4
 * Authorization keeps its algorithm, the access key id masked (AKIA****MPLE),
 * the credential scope and SignedHeaders; Signature and anything else
 * become <redacted>. Other secret headers become <redacted>. */
void http_redact_header(struct buf *out, const char *name, const char *value);

/* Append url to out with userinfo ("user:pass@" before the host, also in
 * a URL without a scheme) and the values of the query parameters
 * X-Amz-Signature, X-Amz-Security-Token, X-Amz-Credential (and any whose
 * name contains token, secret, signature, password or credential)
 * replaced by <redacted>. */
void http_redact_url(struct buf *out, const char *url);

#endif
