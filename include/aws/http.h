/* http.h: the HTTP transport (libcurl). The retry policy is retry.h, the
 * redaction of secrets redact.h, the debug trace trace.h.
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

/* The response functions are in http_response.c. */
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

#endif
