/* query.h: the AWS Query protocol over the core (aws.h): a form-encoded
 * POST "Action=...&Version=..." (each service with its own API version,
 * endpoints.h: CloudFormation 2010-05-15, STS 2011-06-15, IAM 2010-05-08),
 * answered with <ActionResponse><ActionResult>... in XML. */
#ifndef LUAFORM_QUERY_H
#define LUAFORM_QUERY_H

#include <stddef.h>

#include "aws/xml.h"

struct aws;
struct aws_fault;
struct cred_creds;
struct gen_err;

/* Form parameters of one request; values are copied. */
struct query_params {
    char **kv;                 /* key, value, key, value, ... */
    size_t n, cap;
    int failed;                /* out of memory: the call fails */
};

void query_params_init(struct query_params *p);
/* Free; values marked secret are wiped first. */
void query_params_free(struct query_params *p);
void query_param(struct query_params *p, const char *key, const char *value);
void query_paramf(struct query_params *p, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* One call. flags: aws.h's AWS_ONCE (one attempt only: for mutating calls
 * whose caller looks, before trying again, whether the first attempt took
 * effect; fault->retryable says whether another is worth it, aws_backoff()
 * sleeps for it) and AWS_UNSIGNED; creds signs with other credentials than
 * the provider's (STS AssumeRole from a base). */
struct query_call {
    const char *service;       /* "cloudformation", "sts", "iam" */
    const char *action;
    const struct query_params *params;   /* NULL: none */
    unsigned flags;
    const struct cred_creds *creds;
};

/* On success *out is the parsed answer (the caller's, xml_free), whose
 * root element is <ActionResponse>. On failure: GEN_EAWS with *fault
 * filled (when fault is not NULL) and e's message "Action: CODE: message",
 * also for a 2xx that is not the action's answer ("Action: unexpected
 * answer (HTTP 200, root element <html>)", fault->unexpected); GEN_ENET
 * when no answer came after every retry, or Ctrl-C came during a backoff
 * (interrupt_pending()); GEN_ECRED when there are no credentials. */
int query_send(struct aws *a, const struct query_call *c, struct xml_doc **out,
               struct aws_fault *fault, struct gen_err *e);

/* query_send() with the provider's credentials, retrying (query_call) or
 * not (query_call_once). */
int query_call(struct aws *a, const char *service, const char *action,
               const struct query_params *p, struct xml_doc **out,
               struct aws_fault *fault, struct gen_err *e);
int query_call_once(struct aws *a, const char *service, const char *action,
                    const struct query_params *p, struct xml_doc **out,
                    struct aws_fault *fault, struct gen_err *e);

/* The <ActionResult> element of an answer, for a caller that reads it;
 * NULL with e filled ("Action: unexpected answer (...)") when missing. */
const struct xml_node *query_result(struct aws *a, const struct xml_doc *d,
                                    const char *action, struct gen_err *e);

/* query_call() with kv, a NULL-terminated list of name, value pairs (a
 * NULL value leaves its pair out): { "StackName", s, "NextToken", t, NULL }. */
int query_call_kv(struct aws *a, const char *service, const char *action,
                  const char *const *kv, struct xml_doc **out, struct aws_fault *fault,
                  struct gen_err *e);

/* Every page of a paged read action (kv as query_call_kv, at most 6
 * pairs; NextToken is added): page() sees each page's <ActionResult> and
 * returns 0, 1 to stop early, or a negative gen code to fail (having
 * filled the caller's gen_err itself, through ctx). At most
 * max_pages pages, and never a page token that came before (a service
 * stuck in a loop): with cut, paging stops there and *cut is set (1: at
 * max_pages, 2: at a repeated token); without, that is an error ("the
 * service gave the same page token twice (the answer is incomplete)"), as
 * is Ctrl-C (interrupt_pending()) and an answer without <ActionResult>. */
int query_paged(struct aws *a, const char *service, const char *action,
                const char *const *kv, int max_pages,
                int (*page)(void *ctx, const struct xml_node *result), void *ctx,
                int *cut, struct gen_err *e);

#endif
