/* aws.h: the AWS client: endpoints and regions, credentials, SigV4
 * signing, the Query protocol over HTTP with the SDKs' standard retries,
 * and S3 PutObject. One `struct aws` per command. */
#ifndef LUAFORM_AWS_H
#define LUAFORM_AWS_H

#include <stddef.h>
#include <time.h>

#include "aws/xml.h"

struct gen_err;
struct buf;

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
/* "aws", "aws-cn" or "aws-us-gov", from the region. */
const char *aws_partition(const struct aws *a);

/* Form parameters of one Query request; values are copied. */
struct aws_params {
    char **kv;                 /* key, value, key, value, ... */
    size_t n, cap;
};

void aws_params_init(struct aws_params *p);
void aws_params_free(struct aws_params *p);
void aws_param(struct aws_params *p, const char *key, const char *value);
void aws_paramf(struct aws_params *p, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* What the service said when a call failed (GEN_EAWS). */
struct aws_fault {
    int http_status;
    char code[128];            /* "ValidationError", "Throttling", ... */
    char message[512];
    char request_id[128];
    int retryable;             /* worth another attempt (transient, throttled) */
    int unexpected;            /* a 2xx that was not the action's answer (code
                                  "UnexpectedAnswer"): for a mutating call,
                                  whether it took effect is unknown */
};

/* Call action on a Query service ("cloudformation", "sts"). On success
 * *out is the parsed response (owned by the caller, xml_free), whose root
 * element is <ActionResponse>. On failure: GEN_EAWS with *fault filled
 * (when fault is not NULL) and e's message "Action: CODE: message", also
 * for a 2xx that is not the action's answer ("Action: unexpected answer
 * (HTTP 200, root element <html>)", fault->unexpected); GEN_ENET when no
 * answer came after every retry, or Ctrl-C came during a backoff
 * (interrupt_pending()); GEN_ECRED when there are no credentials. Retries
 * what the SDKs' standard mode retries. */
int aws_query(struct aws *a, const char *service, const char *action,
              const struct aws_params *p, struct xml_doc **out,
              struct aws_fault *fault, struct gen_err *e);

/* One attempt only: for mutating calls whose caller checks, before trying
 * again, whether the first attempt took effect (fault->retryable says
 * whether another attempt is worth it; aws_backoff() sleeps for it). */
int aws_query_once(struct aws *a, const char *service, const char *action,
                   const struct aws_params *p, struct xml_doc **out,
                   struct aws_fault *fault, struct gen_err *e);
/* Sleep before attempt + 1; returns 1 when Ctrl-C cut the sleep short. */
int aws_backoff(int attempt);

/* The <ActionResult> element of an answer, for a caller that reads it;
 * NULL with e filled ("Action: unexpected answer (...)") when missing. */
const struct xml_node *aws_result(struct aws *a, const struct xml_doc *d,
                                 const char *action, struct gen_err *e);
/* What the last failed call ran into (code, retryable), whoever made it. */
const struct aws_fault *aws_last_fault(const struct aws *a);
int aws_max_attempts(const struct aws *a);

/* PUT an object; *url_out (malloc'd) is its https URL in AWS's form (for
 * TemplateURL), whichever endpoint it was put through. A 2xx without the
 * ETag header S3 always sends is not taken as done (GEN_EAWS). */
int aws_s3_put(struct aws *a, const char *bucket, const char *key,
               const void *data, size_t len, char **url_out,
               struct gen_err *e);

/* The account of the credentials in use (STS GetCallerIdentity). */
int aws_account(struct aws *a, char *out, size_t n, struct gen_err *e);

/* RFC 3986 percent-encoding of every byte but A-Z a-z 0-9 - _ . ~ (and
 * '/' when keep_slash is 1). AWS_FORM: form encoding as the SDKs send
 * Query bodies (application/x-www-form-urlencoded: a space is '+'). */
#define AWS_FORM 2
void aws_urlencode(struct buf *b, const char *s, int keep_slash);

/* The endpoint a service's requests go to. */
int aws_endpoint_url(struct aws *a, const char *service, char *out, size_t n,
                     struct gen_err *e);


#endif
