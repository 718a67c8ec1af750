/* lambda.h: AWS Lambda over the REST-JSON protocol (API 2015-03-31),
 * through the core (aws.h): the reads and writes of a release (publish a
 * version, move an alias), with Lambda's optimistic locking (RevisionId).
 *
 * A function is named by its name, its ARN or a partial ARN. Errors:
 * GEN_EAWS with e's message "Operation FUNCTION: CODE: message" and
 * aws_last_fault() filled (ResourceNotFoundException,
 * PreconditionFailedException for a RevisionId that is no longer the
 * latest, TooManyRequestsException after the retries, ...); otherwise as
 * aws_request(). Results are the caller's to free; on failure they are
 * left empty. */
#ifndef LUAFORM_LAMBDA_H
#define LUAFORM_LAMBDA_H

#include <stddef.h>
#include <jansson.h>

struct aws;
struct gen_err;

/* A function's configuration, or one version's. Strings are owned; NULL
 * when Lambda did not say. */
struct lambda_function {
    char *name;
    char *arn;
    char *version;              /* "$LATEST", "1", ... */
    char *code_sha256;          /* base64 */
    char *revision_id;
    char *last_modified;
    char *state;                /* "Active", "Pending", ... */
    char *description;
    long long code_size;
};

void lambda_function_free(struct lambda_function *f);

/* GetFunction: the configuration of qualifier (a version or an alias;
 * NULL: $LATEST). */
int lambda_get_function(struct aws *a, const char *function, const char *qualifier,
                        struct lambda_function *out, struct gen_err *e);

struct lambda_alias {
    char *name;
    char *arn;
    char *function_version;
    char *revision_id;
    char *description;
    json_t *weights;            /* RoutingConfig.AdditionalVersionWeights,
                                   {"2": 0.1}; NULL when there is none */
};

void lambda_alias_free(struct lambda_alias *al);

int lambda_get_alias(struct aws *a, const char *function, const char *alias,
                     struct lambda_alias *out, struct gen_err *e);

struct lambda_versions {
    struct lambda_function *v;  /* $LATEST first, then by version */
    size_t n;
};

void lambda_versions_free(struct lambda_versions *l);

/* ListVersionsByFunction, page_size at a time (MaxItems; 0: Lambda's 50),
 * following NextMarker. More than LAMBDA_LIST_PAGES pages, a marker given
 * twice, or Ctrl-C, is an error: the list would be incomplete. */
#define LAMBDA_LIST_PAGES 10000
int lambda_list_versions(struct aws *a, const char *function, int page_size,
                         struct lambda_versions *out, struct gen_err *e);

struct lambda_publish {
    const char *function;
    const char *code_sha256;    /* publish only if $LATEST's code is this; or NULL */
    const char *revision_id;    /* only if $LATEST is at this revision; or NULL */
    const char *description;    /* or NULL */
};

/* PublishVersion: out is the new version's configuration (or the latest
 * version's, when nothing changed since: Lambda publishes no twin). */
int lambda_publish_version(struct aws *a, const struct lambda_publish *p,
                           struct lambda_function *out, struct gen_err *e);

struct lambda_alias_update {
    const char *function;
    const char *alias;
    const char *function_version;   /* NULL: unchanged */
    const char *revision_id;        /* only if the alias is at this revision; or NULL */
    const char *description;        /* NULL: unchanged */
    const json_t *weights;          /* {"VERSION": weight, ...}: a share of the
                                       traffic to another version; {} ends it;
                                       NULL: unchanged */
};

/* UpdateAlias. With revision_id, an answer lost on the way (the update
 * was made, the retry is refused as PreconditionFailedException) is
 * found out by reading the alias: it is taken as done when the alias now
 * says what was asked. */
int lambda_update_alias(struct aws *a, const struct lambda_alias_update *u,
                        struct lambda_alias *out, struct gen_err *e);

#endif
