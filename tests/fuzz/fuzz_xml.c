/* fuzz_xml.c: the XML response reader. Checks that xml_parse either fails
 * cleanly or builds a consistent tree (names, NUL-terminated texts of the
 * stated length, parent links, child counts, the depth limit); that
 * xml_find/xml_count/xml_text/xml_next agree with a plain walk of that tree
 * for the path of every element; that xml_aws_error always fills every
 * field with one line of valid UTF-8; and that fault_decode (the same body
 * as any error answer, JSON ones too) gives a code and a message of one
 * line, at most AWS_MESSAGE_MAX bytes. */
#include "aws/fault.h"
#include "aws/http.h"
#include "core/err.h"
#include "fuzz.h"
#include "aws/xml.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CHECKED 128     /* elements whose path is looked up */
#define MAX_PATH 4096

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The tree's own invariants; returns the number of elements. */
static size_t check_node(const struct xml_node *n, const struct xml_node *parent,
                         int depth)
{
    const struct xml_node *c;
    size_t count = 1, kids = 0;

    FZ_CHECK(depth <= XML_DOC_MAX_DEPTH, "depth %d", depth);
    FZ_CHECK(n->name != NULL && n->text != NULL, "NULL name or text");
    FZ_CHECK(n->parent == parent, "bad parent link under <%s>", n->name);
    FZ_CHECK(strlen(n->text) == n->text_len, "<%s>: text_len %zu, strlen %zu",
             n->name, n->text_len, strlen(n->text));
    FZ_CHECK(strchr(n->name, ':') == NULL, "prefix kept in <%s>", n->name);
    FZ_CHECK(fz_utf8(n->name, strlen(n->name)) &&
             fz_utf8(n->text, n->text_len), "<%s>: not UTF-8", n->name);
    if (n->child && n->text_len)
        FZ_CHECK(!is_space(n->text[0]) && !is_space(n->text[n->text_len - 1]),
                 "<%s> has children but untrimmed text", n->name);
    for (c = n->child; c; c = c->next) {
        kids++;
        count += check_node(c, n, depth + 1);
    }
    FZ_CHECK(kids == n->nchildren, "<%s>: nchildren %zu, counted %zu",
             n->name, n->nchildren, kids);
    return count;
}

/* The '/'-joined names from below root down to n, or -1 when a name is
 * empty (such a path cannot be written) or the path is too long. */
static int path_of(const struct xml_node *root, const struct xml_node *n,
                   char *out, size_t size)
{
    const struct xml_node *chain[XML_DOC_MAX_DEPTH + 1];
    size_t depth = 0, len = 0, i;

    for (; n != root; n = n->parent) {
        if (!n->name[0] || depth == XML_DOC_MAX_DEPTH)
            return -1;
        chain[depth++] = n;
    }
    out[0] = '\0';
    for (i = depth; i-- > 0;) {
        size_t k = strlen(chain[i]->name);

        if (len + k + 2 > size)
            return -1;
        if (len)
            out[len++] = '/';
        memcpy(out + len, chain[i]->name, k + 1);
        len += k;
    }
    return 0;
}

/* Do a and b (both below root) have the same path of names from root? */
static int same_path(const struct xml_node *root, const struct xml_node *a,
                     const struct xml_node *b)
{
    while (a != root && b != root) {
        if (strcmp(a->name, b->name) != 0)
            return 0;
        a = a->parent;
        b = b->parent;
    }
    return a == root && b == root;
}

struct expect {
    const struct xml_node *root, *like;
    const struct xml_node *first;   /* first match in document order */
    size_t count;
};

/* Every element with the path of e->like, in document order. */
static void reference(struct expect *e, const struct xml_node *n)
{
    const struct xml_node *c;

    if (n != e->root && same_path(e->root, n, e->like)) {
        if (!e->first)
            e->first = n;
        e->count++;
    }
    for (c = n->child; c; c = c->next)
        reference(e, c);
}

static void check_lookup(const struct xml_node *root, const struct xml_node *n)
{
    static char path[MAX_PATH];
    struct expect want;
    const struct xml_node *hit, *s;

    if (path_of(root, n, path, sizeof path) < 0)
        return;
    memset(&want, 0, sizeof want);
    want.root = root;
    want.like = n;
    reference(&want, root);
    hit = xml_find(root, path);
    FZ_CHECK(hit == want.first, "xml_find(root, \"%.200s\") is not the first "
             "match in document order", path);
    FZ_CHECK(xml_count(root, path) == want.count, "xml_count(\"%.200s\") = %zu, "
             "want %zu", path, xml_count(root, path), want.count);
    FZ_CHECK(xml_text(root, path) == hit->text, "xml_text and xml_find differ");
    for (s = n->next; s && strcmp(s->name, n->name) != 0; s = s->next)
        ;
    FZ_CHECK(xml_next(n) == s, "xml_next(<%s>) is not the next same-name "
             "sibling", n->name);
}

/* Paths the AWS client uses, and malformed ones. */
static void check_fixed_paths(const struct xml_node *root)
{
    static const char *const paths[] = {
        "DescribeStacksResult/Stacks/member", "Error/Code", "Errors/Error",
        "ResponseMetadata/RequestId", "member/StackStatus", "a", "a/b/c",
    };
    size_t i;

    for (i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        const struct xml_node *h = xml_find(root, paths[i]);

        FZ_CHECK((h != NULL) == (xml_count(root, paths[i]) > 0), "find/count "
                 "disagree on %s", paths[i]);
    }
    FZ_CHECK(xml_find(root, NULL) == root && xml_find(root, "") == root,
             "an empty path is not the node itself");
    FZ_CHECK(xml_find(NULL, "a") == NULL && xml_count(NULL, "a") == 0 &&
             xml_text(NULL, "a") == NULL && xml_next(NULL) == NULL,
             "NULL node");
    FZ_CHECK(xml_find(root, "/") == NULL, "\"/\" matched");
    if (root->child && root->child->name[0]) {
        char bad[300];

        snprintf(bad, sizeof bad, "/%s", root->child->name);
        FZ_CHECK(xml_find(root, bad) == NULL, "leading '/' matched");
        snprintf(bad, sizeof bad, "%s/", root->child->name);
        FZ_CHECK(xml_find(root, bad) == NULL, "trailing '/' matched");
        snprintf(bad, sizeof bad, "%s//x", root->child->name);
        FZ_CHECK(xml_find(root, bad) == NULL, "empty step matched");
    }
}

static void check_field(const char *f, size_t size, const char *what)
{
    size_t n = strnlen(f, size);

    FZ_CHECK(n < size, "%s is not NUL-terminated", what);
    FZ_CHECK(fz_one_line(f), "%s has a control character: %.200s", what, f);
    FZ_CHECK(fz_utf8(f, n), "%s is not UTF-8: %.200s", what, f);
}

static void check_aws_error(const uint8_t *data, size_t size)
{
    static const int statuses[] = {400, 403, 500, 503, 200, 0, 302, 599};
    int status = statuses[size % (sizeof statuses / sizeof statuses[0])];
    struct xml_aws_error ae;
    int r;

    memset(&ae, 0x5a, sizeof ae);
    r = xml_aws_error((const char *)data, size, status, &ae);
    FZ_CHECK(r == 0 || r == 1, "xml_aws_error returned %d", r);
    FZ_CHECK(ae.http_status == status, "http_status not kept");
    check_field(ae.code, sizeof ae.code, "code");
    check_field(ae.message, sizeof ae.message, "message");
    check_field(ae.type, sizeof ae.type, "type");
    check_field(ae.request_id, sizeof ae.request_id, "request_id");
    FZ_CHECK(ae.code[0] && ae.message[0], "empty code or message");
    if (r == 0)
        FZ_CHECK(strcmp(ae.code, "HttpError") == 0, "synthesized code %s",
                 ae.code);
    if (r == 0 && status >= 400 && status < 600)
        FZ_CHECK(strcmp(ae.type, status < 500 ? "Sender" : "Receiver") == 0,
                 "type %s for HTTP %d", ae.type, status);
}

/* The body as an error answer, with an x-amzn-ErrorType header when the
 * input is long enough to lend one. */
static void check_fault(const char *body, size_t size)
{
    static const int statuses[] = {400, 404, 429, 500, 503, 200, 412, 599};
    struct http_rheader h;
    struct http_response r;
    struct aws_fault f;
    char type[32];

    http_response_init(&r);
    r.status = statuses[size % (sizeof statuses / sizeof statuses[0])];
    buf_add(&r.body, body ? body : "", size);
    if (size > 40 && body[0] == 'T') {
        memcpy(type, body + 1, sizeof type - 1);
        type[sizeof type - 1] = '\0';
        h.name = (char *)"x-amzn-errortype";
        h.value = type;
        r.headers = &h;
        r.nheaders = 1;
    }
    memset(&f, 0x5a, sizeof f);
    fault_decode(&r, &f);
    r.headers = NULL;
    r.nheaders = 0;
    http_response_free(&r);
    FZ_CHECK(f.http_status == statuses[size % (sizeof statuses / sizeof statuses[0])],
             "http_status not kept");
    check_field(f.code, sizeof f.code, "fault code");
    check_field(f.message, sizeof f.message, "fault message");
    check_field(f.request_id, sizeof f.request_id, "fault request id");
    FZ_CHECK(f.message[0] && strlen(f.message) <= AWS_MESSAGE_MAX, "fault message of %zu bytes",
             strlen(f.message));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct xml_doc *doc = (struct xml_doc *)&doc;   /* must stay untouched */
    struct gen_err e;
    int r;

    /* an exact-size copy: a read past the body is an ASan report */
    char *body = malloc(size ? size : 1);

    if (!body)
        return 0;
    memcpy(body, data, size);
    err_clear(&e);
    r = xml_parse(body, size, &doc, &e);
    if (r < 0) {
        FZ_CHECK(r == GEN_EAWS || r == GEN_ENOMEM, "xml_parse returned %d", r);
        FZ_CHECK(e.code == r, "e.code %d, returned %d", e.code, r);
        FZ_CHECK(doc == (struct xml_doc *)&doc, "*out changed on failure");
        FZ_CHECK(e.msg[0] && fz_one_line(e.msg), "bad message: %s", e.msg);
    } else {
        const struct xml_node *root = xml_root(doc), *n;
        size_t total, checked = 0;

        FZ_CHECK(r == 0 && root != NULL, "xml_parse returned %d, root %p", r,
                 (const void *)root);
        total = check_node(root, NULL, 1);
        FZ_CHECK(total <= XML_DOC_MAX_NODES, "%zu elements", total);
        check_fixed_paths(root);
        /* preorder walk over the first MAX_CHECKED elements */
        for (n = root->child; n && checked < MAX_CHECKED; checked++) {
            check_lookup(root, n);
            if (n->child) {
                n = n->child;
                continue;
            }
            while (n != root && !n->next)
                n = n->parent;
            n = n == root ? NULL : n->next;
        }
        xml_free(doc);
    }
    xml_free(NULL);
    check_aws_error((const uint8_t *)body, size);
    check_fault(body, size);
    if (size == 0)
        check_aws_error(NULL, 0);
    free(body);
    return 0;
}
