/* xml.h: a small read-only DOM for AWS Query (XML) responses, parsed with
 * expat, plus decoding of the error documents AWS and moto send.
 *
 *   struct xml_doc *d;
 *   const struct xml_node *m;
 *   if (xml_parse(body, len, &d, &e) < 0)
 *       return e.code;
 *   for (m = xml_find(xml_root(d), "DescribeStacksResult/Stacks/member"); m;
 *        m = xml_next(m))
 *       printf("%s %s\n", xml_text(m, "StackName"), xml_text(m, "StackStatus"));
 *   xml_free(d);
 *
 * Names are local names: a prefix ("aws:Foo") is dropped and namespace
 * declarations are ignored. Attributes, comments and processing
 * instructions are dropped. DOCTYPE declarations (and so any entity
 * declaration) are refused, which keeps XXE and "billion laughs" out. */
#ifndef LUAFORM_XML_H
#define LUAFORM_XML_H

#include <stddef.h>

#include "core/err.h"

#define XML_DOC_MAX_INPUT (16u * 1024 * 1024) /* bytes of one body */
#define XML_DOC_MAX_DEPTH 64                  /* element nesting */
#define XML_DOC_MAX_NODES 1000000             /* elements in one body */

/* One element. Read-only to callers; owned by its xml_doc. */
struct xml_node {
    char *name;              /* local name, never NULL */
    char *text;              /* the element's own character data,
                                concatenated, entities decoded; never NULL
                                ("" when none). Kept verbatim for a leaf,
                                trimmed of surrounding white space when the
                                element has children. */
    size_t text_len;
    struct xml_node *parent;  /* NULL for the root */
    struct xml_node *child;   /* first child, in document order */
    struct xml_node *next;    /* next sibling */
    size_t nchildren;
};

struct xml_doc;

/* Parse len bytes of body (no NUL needed). On success set *out to an owned
 * document and return 0. On failure leave *out alone, fill e and return
 * GEN_EAWS (malformed, refused or too large) or GEN_ENOMEM. */
int xml_parse(const char *body, size_t len, struct xml_doc **out,
             struct gen_err *e);

/* Free a document and all its nodes. xml_free(NULL) is safe. */
void xml_free(struct xml_doc *doc);

/* The root element (never NULL for a parsed document). */
const struct xml_node *xml_root(const struct xml_doc *doc);

/* The first element reached from n by path, a '/'-separated list of child
 * names ("DescribeStacksResult/Stacks/member"); when the first candidate
 * for a step has no match further down, later siblings of the same name
 * are tried. NULL or "" gives n itself. NULL when n is NULL, nothing
 * matches, or the path has an empty step ("a//b", "/a"). */
const struct xml_node *xml_find(const struct xml_node *n, const char *path);

/* The next sibling of n with the same name as n, or NULL: iterates all
 * `member` elements after xml_find(stacks, "member"). */
const struct xml_node *xml_next(const struct xml_node *n);

/* The text of xml_find(n, path), or NULL when there is no such element.
 * The pointer lives as long as the document. */
const char *xml_text(const struct xml_node *n, const char *path);

/* How many elements path reaches from n, over all branches:
 * xml_count(result, "Stacks/member"). 0 when n is NULL. */
size_t xml_count(const struct xml_node *n, const char *path);

/* ---- AWS errors ---- */

struct xml_aws_error {
    int http_status;
    char code[128];        /* "ValidationError", "Throttling", "HttpError" */
    char message[2048];     /* whole up to 2047 bytes (fault.h bounds it) */
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
int xml_aws_error(const char *body, size_t len, int http_status,
                 struct xml_aws_error *out);

/* Describe, for an error message, a body that is not the answer expected
 * (a captive portal's page, a misrouted proxy's answer): "an empty body",
 * `a non-XML body (html page "Sign in")`, `a non-XML body ("excerpt")`,
 * "an unreadable XML body (why)" or "root element <name>". Sanitized
 * (printable ASCII, short); always NUL-terminated when n > 0. */
void xml_describe(const char *body, size_t len, char *out, size_t n);

#endif
