/* aws.h: the AWS client: one signed-request core under a layer per
 * protocol (query.h: CloudFormation, STS; s3.h: REST-XML; lambda.h:
 * REST-JSON). One `struct aws` per command.
 *
 * The core takes method, service, path, query, extra headers and body and
 * gives back status, headers and body. It finds the service's endpoint
 * (endpoints.h: --endpoint-url, AWS_ENDPOINT_URL[_SERVICE], the profile,
 * else the partition's default), signs every attempt afresh (sigv4.h,
 * credentials from credentials.h) and retries as the SDKs' standard mode
 * does (http.h): transient transport errors, 5xx, throttling and HTTP 429,
 * with capped exponential backoff and full jitter, within a retry quota.
 * Ctrl-C (interrupt.h) cuts a backoff short. An error answer is decoded
 * whatever its protocol (fault.h). */
#ifndef LUAFORM_AWS_H
#define LUAFORM_AWS_H

#include <stddef.h>
#include <time.h>

#include "aws/fault.h"
#include "aws/http.h"

struct gen_err;
struct buf;
struct cred_creds;

struct aws_opts {
    const char *region;        /* --region, or NULL: default_region, then the SDK chain */
    const char *default_region;/* the stack's region from its deploy{} settings */
    const char *profile;       /* --profile */
    const char *endpoint_url;  /* --endpoint-url: every service */
    const char *role_arn;      /* --role-arn: assume it (GitHub OIDC keyless) */
    int max_attempts;          /* --max-attempts; 0: AWS_MAX_ATTEMPTS or 3 */
    int debug;                 /* trace requests (redacted) to stderr */
};

struct aws;

/* Attempts per request: --max-attempts and AWS_MAX_ATTEMPTS take 1 to
 * AWS_ATTEMPTS_MAX. */
#define AWS_ATTEMPTS_MAX 20

/* Parse a number of attempts strictly: decimal digits only, 1 to
 * AWS_ATTEMPTS_MAX ("5x", "0", "-1", " 3" and overflows are refused).
 * Returns 0 with *out set, or -1. */
int aws_parse_attempts(const char *s, int *out);

/* Fails (GEN_EINPUT) on a malformed AWS_MAX_ATTEMPTS (an empty one counts
 * as unset, as in the SDKs). Endpoints are checked when first used: an
 * endpoint URL must be http:// or https://, a host with an optional port,
 * an optional path, and nothing else (no user info, query, fragment, white
 * space); the error names where it came from (--endpoint-url,
 * AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the config file) and never
 * quotes a password. */
int aws_new(const struct aws_opts *o, struct aws **out, struct gen_err *e);
void aws_free(struct aws *a);

const char *aws_region(const struct aws *a);
/* The partition of the region (region.h): "aws", "aws-cn", "aws-us-gov",
 * "aws-iso", "aws-iso-b", ... */
const char *aws_partition(const struct aws *a);
/* Its DNS suffix: "amazonaws.com", "amazonaws.com.cn", "c2s.ic.gov", ... */
const char *aws_dns_suffix(const struct aws *a);

/* The endpoint a service's requests go to ("https://host[:port][/path]"). */
int aws_endpoint_url(struct aws *a, const char *service, char *out, size_t n,
                     struct gen_err *e);
/* The endpoint configured for a service (--endpoint-url, the environment,
 * the profile), or NULL when it is the partition's default. */
const char *aws_endpoint_configured(const struct aws *a, const char *service);

/* ---- the signed-request core ---- */

enum aws_request_flag {
    AWS_ONCE = 1 << 0,          /* one attempt, on a fresh connection: for a
                                   mutating call whose caller looks before
                                   trying again (http.h: fresh) */
    AWS_UNSIGNED = 1 << 1,      /* no signature (the request carries its own
                                   credential: AssumeRoleWithWebIdentity) */
    AWS_S3_SIGNING = 1 << 2,    /* S3's SigV4: path as sent, payload hash
                                   header signed */
    AWS_ERROR_IN_2XX = 1 << 3   /* a 2xx whose body is an XML <Error> is an
                                   error, retried as a 500 (S3 CopyObject) */
};

struct aws_request {
    const char *service;               /* endpoints.h id: "s3", "lambda", ... */
    const char *method;                /* "GET", "PUT", "POST", "HEAD", ... */
    const char *path;                  /* URI-encoded, from '/', below the
                                          endpoint's own base path */
    const char *query;                 /* encoded, without '?'; NULL for none */
    const struct http_header *headers; /* extra headers, signed and sent */
    size_t nheaders;                   /* at most AWS_EXTRA_HEADERS */
    const void *body;
    size_t body_len;
    const char *content_type;          /* NULL: no Content-Type */
    const char *endpoint;              /* NULL: the service's; else a URL of its
                                          own (an S3 bucket's virtual host) */
    unsigned flags;                    /* enum aws_request_flag */
    const struct cred_creds *creds;    /* sign with these; NULL: the provider's */
    size_t max_body;                   /* response body cap; 0: http.h's */
};

#define AWS_EXTRA_HEADERS 16

/* Send q with retries. 0 with r holding the 2xx answer (status, headers,
 * body). GEN_EAWS for an error answer: fault filled (fault may be NULL),
 * e's message "CODE: message (request id ID)"; GEN_ENET when no answer came
 * after every retry, or Ctrl-C came (interrupt_pending()); GEN_ECRED when
 * there are no credentials; GEN_EINPUT for a bad endpoint. The failure is
 * also kept for aws_last_fault(). r must be initialised (http_response_init)
 * and is freed by the caller either way. */
int aws_request(struct aws *a, const struct aws_request *q, struct http_response *r,
                struct aws_fault *fault, struct gen_err *e);

/* Record a 2xx that was not the operation's answer (a captive portal's
 * page, a proxy's own answer): fault (may be NULL) and aws_last_fault()
 * get code "UnexpectedAnswer", not retryable, unexpected = 1. Returns
 * GEN_EAWS with e's message "unexpected answer (WHY)". */
int aws_unexpected(struct aws *a, struct aws_fault *fault, long status, const char *why,
                   struct gen_err *e);

/* What the last failed call ran into (code, retryable), whoever made it. */
const struct aws_fault *aws_last_fault(const struct aws *a);
int aws_max_attempts(const struct aws *a);

/* The backoff before attempt + 1: retry_backoff_ms(), scaled for tests by
 * the hidden variable LUAFORM_RETRY_BASE_MS (the base delay in ms instead
 * of 1000; 0 makes retries immediate). */
long aws_backoff_ms(int attempt);
/* Sleep aws_backoff_ms(attempt); 1 when Ctrl-C cut the sleep short. */
int aws_backoff(int attempt);

/* RFC 3986 percent-encoding of every byte but A-Z a-z 0-9 - _ . ~ (and
 * '/' when keep_slash is 1). AWS_FORM: form encoding as the SDKs send
 * Query bodies (application/x-www-form-urlencoded: a space is '+'). */
#define AWS_FORM 2
void aws_urlencode(struct buf *b, const char *s, int keep_slash);

/* ---- kept for the deploy commands ---- */

/* The account of the credentials in use (STS GetCallerIdentity; sts.c). */
int aws_account(struct aws *a, char *out, size_t n, struct gen_err *e);

/* PUT an object (s3.c); *url_out (malloc'd) is its https URL in AWS's form
 * (for TemplateURL), whichever endpoint it was put through. A 2xx without
 * the ETag header S3 always sends is not taken as done (GEN_EAWS). */
int aws_s3_put(struct aws *a, const char *bucket, const char *key,
               const void *data, size_t len, char **url_out,
               struct gen_err *e);

#endif
