/* xq.h: a small read-only DOM for AWS Query (XML) responses, parsed with
 * expat, plus decoding of the error documents AWS and moto send.
 *
 *   struct xq_doc *d;
 *   const struct xq_node *m;
 *   if (xq_parse(body, len, &d, &e) < 0)
 *       return e.code;
 *   for (m = xq_find(xq_root(d), "DescribeStacksResult/Stacks/member"); m;
 *        m = xq_next(m))
 *       printf("%s %s\n", xq_text(m, "StackName"), xq_text(m, "StackStatus"));
 *   xq_free(d);
 *
 * Names are local names: a prefix ("aws:Foo") is dropped and namespace
 * declarations are ignored. Attributes, comments and processing
 * instructions are dropped. DOCTYPE declarations (and so any entity
 * declaration) are refused, which keeps XXE and "billion laughs" out. */
#ifndef LUAFORM_XQ_H
#define LUAFORM_XQ_H

#include <stddef.h>

#include "err.h"

#define XQ_MAX_INPUT (16u * 1024 * 1024) /* bytes of one body */
#define XQ_MAX_DEPTH 64                  /* element nesting */
#define XQ_MAX_NODES 1000000             /* elements in one body */

/* One element. Read-only to callers; owned by its xq_doc. */
struct xq_node {
    char *name;              /* local name, never NULL */
    char *text;              /* the element's own character data,
                                concatenated, entities decoded; never NULL
                                ("" when none). Kept verbatim for a leaf,
                                trimmed of surrounding white space when the
                                element has children. */
    size_t text_len;
    struct xq_node *parent;  /* NULL for the root */
    struct xq_node *child;   /* first child, in document order */
    struct xq_node *next;    /* next sibling */
    size_t nchildren;
};

struct xq_doc;

/* Parse len bytes of body (no NUL needed). On success set *out to an owned
 * document and return 0. On failure leave *out alone, fill e and return
 * GEN_EAWS (malformed, refused or too large) or GEN_ENOMEM. */
int xq_parse(const char *body, size_t len, struct xq_doc **out,
             struct gen_err *e);

/* Free a document and all its nodes. xq_free(NULL) is safe. */
void xq_free(struct xq_doc *doc);

/* The root element (never NULL for a parsed document). */
const struct xq_node *xq_root(const struct xq_doc *doc);

/* The first element reached from n by path, a '/'-separated list of child
 * names ("DescribeStacksResult/Stacks/member"); when the first candidate
 * for a step has no match further down, later siblings of the same name
 * are tried. NULL or "" gives n itself. NULL when n is NULL, nothing
 * matches, or the path has an empty step ("a//b", "/a"). */
const struct xq_node *xq_find(const struct xq_node *n, const char *path);

/* The next sibling of n with the same name as n, or NULL: iterates all
 * `member` elements after xq_find(stacks, "member"). */
const struct xq_node *xq_next(const struct xq_node *n);

/* The text of xq_find(n, path), or NULL when there is no such element.
 * The pointer lives as long as the document. */
const char *xq_text(const struct xq_node *n, const char *path);

/* How many elements path reaches from n, over all branches:
 * xq_count(result, "Stacks/member"). 0 when n is NULL. */
size_t xq_count(const struct xq_node *n, const char *path);

/* ---- AWS errors ---- */

struct xq_aws_error {
    int http_status;
    char code[128];        /* "ValidationError", "Throttling", "HttpError" */
    char message[512];
    char type[16];         /* "Sender" / "Receiver" from the body, else
                              derived from the status (4xx Sender, 5xx
                              Receiver), else "" */
    char request_id[128];  /* "" when the body has none */
};

/* Decode an error response body. Recognised shapes:
 *   <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>
 *   <ErrorResponse><Errors><Error>...</Error></Errors>   (moto's 403s)
 *   <Response><Errors><Error>...</Error></Errors><RequestID/></Response>
 *   <Errors><Error>...</Error></Errors>
 *   <Error><Code/><Message/><RequestId/></Error>          (S3)
 * An empty, HTML, non-XML or unrecognised body gives code "HttpError" and a
 * one-line message such as
 *   HTTP 500 with a non-XML body (html page "500 Internal Server Error")
 * quoting at most a short, sanitized excerpt. Every field is always filled
 * (and NUL-terminated, control characters replaced by spaces, long values
 * cut at a UTF-8 boundary). Returns 1 when the body was an AWS error
 * document, 0 when the fields were synthesized from the status. Never
 * fails; body may be NULL when len is 0. */
int xq_aws_error(const char *body, size_t len, int http_status,
                 struct xq_aws_error *out);

/* Describe, for an error message, a body that is not the answer expected
 * (a captive portal's page, a misrouted proxy's answer): "an empty body",
 * `a non-XML body (html page "Sign in")`, `a non-XML body ("excerpt")`,
 * "an unreadable XML body (why)" or "root element <name>". Sanitized
 * (printable ASCII, short); always NUL-terminated when n > 0. */
void xq_describe(const char *body, size_t len, char *out, size_t n);

#endif
