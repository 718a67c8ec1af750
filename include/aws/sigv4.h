/* sigv4.h: AWS Signature Version 4 (AWS4-HMAC-SHA256) request signing.
 *
 * The HTTP layer describes each request, sigv4_sign() says what to add:
 * headers (Authorization, X-Amz-Date, ...) or, with SIGV4_PRESIGN, the query
 * string of a presigned URL. All inputs are borrowed; the result is owned
 * by the caller and released with sigv4_result_free(). The secret access key
 * never appears in the result; the session token does (it is sent). */
#ifndef LUAFORM_SIGV4_H
#define LUAFORM_SIGV4_H

#include <stddef.h>
#include <time.h>

struct gen_err;

struct sigv4_header {
    const char *name;
    const char *value;
};

/* The request as it goes on the wire. Every header given is signed except
 * User-Agent, Expect, Transfer-Encoding, X-Amzn-Trace-Id and Connection;
 * the signer's own (Authorization, X-Amz-Date, X-Amz-Security-Token,
 * x-amz-content-sha256) are ignored here and must not be sent: send the
 * result's instead. Host is required and must be byte for byte what is
 * sent (with ":port" when the port is not the scheme's default). */
struct sigv4_request {
    const char *method;               /* "GET", "POST", ... */
    const char *path;                 /* URI-encoded, no query; NULL = "/" */
    const char *query;                /* raw, without '?'; NULL or "" */
    const struct sigv4_header *headers;
    size_t nheaders;
    const void *body;                 /* may be NULL when body_len is 0 */
    size_t body_len;
};

struct sigv4_creds {
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token;        /* NULL or "" for none */
};

enum sigv4_flag {
    SIGV4_PRESIGN = 1 << 0,       /* sign into the query, not the headers */
    SIGV4_S3 = 1 << 1,            /* S3: path signed as sent, not encoded
                                 * again nor normalized ("%2F" stays);
                                 * header mode always signs
                                 * x-amz-content-sha256; presigned URLs
                                 * use UNSIGNED-PAYLOAD */
    SIGV4_NO_NORMALIZE = 1 << 2,  /* keep ".", ".." and "//" in the path */
    SIGV4_SIGN_BODY = 1 << 3,     /* header mode: add x-amz-content-sha256 */
    SIGV4_UNSIGNED_PAYLOAD = 1 << 4, /* payload hash "UNSIGNED-PAYLOAD" */
    SIGV4_OMIT_TOKEN = 1 << 5     /* attach the token but do not sign it */
};

struct sigv4_params {
    const char *region;         /* "us-east-1" */
    const char *service;        /* "cloudformation", "s3", ... */
    time_t now;                 /* signing time; production: time(NULL) */
    unsigned flags;             /* enum sigv4_flag bits */
    unsigned expires;           /* SIGV4_PRESIGN: seconds, 1..604800 */
};

#define SIGV4_MAX_HEADERS 4

struct sigv4_result {
    /* Header mode: "Name: value" lines to add to the request (curl's
     * format), Authorization last. Presign: none. */
    char *headers[SIGV4_MAX_HEADERS];
    size_t nheaders;
    /* Presign: the whole query to send after '?': the request's own query,
     * then the X-Amz-* parameters, X-Amz-Signature last. Header mode: NULL. */
    char *query;
    char *canonical_request;    /* for tests and debug logs; may hold the
                                 * session token, never the secret */
    char *string_to_sign;
    char signature[65];         /* lowercase hex */
};

/* Sign req. On success *out is a new result (free with sigv4_result_free).
 * Returns 0, or GEN_EINPUT / GEN_ECRED / GEN_ENOMEM / GEN_EINTERNAL. */
int sigv4_sign(const struct sigv4_request *req, const struct sigv4_creds *creds,
             const struct sigv4_params *p, struct sigv4_result **out,
             struct gen_err *e);

/* Free a result; NULL is fine. */
void sigv4_result_free(struct sigv4_result *r);

/* Lowercase hex SHA-256 of data into out (NUL-terminated).
 * Returns 0, or GEN_EINTERNAL if libcrypto fails. */
int sigv4_sha256_hex(const void *data, size_t n, char out[65]);

/* Base64 of the SHA-256 of data into out (44 characters and a NUL): the
 * form of S3's x-amz-checksum-sha256. Returns 0, or GEN_EINTERNAL. */
int sigv4_sha256_base64(const void *data, size_t n, char out[45]);

#endif
