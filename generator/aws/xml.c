/* xml.c: a small DOM over expat for AWS Query responses, and AWS errors. */
#include "aws/xml.h"

#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

struct xml_doc {
    struct xml_node *root;
};

/* ---- building the tree ---- */

/* One open element while parsing. */
struct frame {
    struct xml_node *node;
    struct xml_node *last;   /* last child appended so far */
    struct buf text;
};

struct parse {
    XML_Parser p;
    struct xml_node *root;
    struct frame stack[XML_DOC_MAX_DEPTH];
    int depth;              /* open elements */
    size_t nodes;
    int code;               /* set when a handler stopped the parse */
    char why[128];
};

static void node_free(struct xml_node *n)
{
    while (n) {
        struct xml_node *next = n->next;

        node_free(n->child);
        free(n->text);
        free(n);
        n = next;
    }
}

/* Stop the parse from inside a handler; the first reason wins. */
static void stop(struct parse *ps, int code, const char *why)
{
    if (ps->code)
        return;
    ps->code = code;
    snprintf(ps->why, sizeof ps->why, "%s", why);
    XML_StopParser(ps->p, XML_FALSE);
}

static void on_start(void *ud, const XML_Char *qname, const XML_Char **attrs)
{
    struct parse *ps = ud;
    const char *local = strrchr(qname, ':');
    struct xml_node *n;
    struct frame *f;
    size_t nlen;

    (void)attrs;
    if (ps->code)
        return;
    if (ps->depth >= XML_DOC_MAX_DEPTH) {
        stop(ps, GEN_EAWS, "elements nested too deeply");
        return;
    }
    if (ps->nodes >= XML_DOC_MAX_NODES) {
        stop(ps, GEN_EAWS, "too many elements");
        return;
    }
    local = local ? local + 1 : qname;
    nlen = strlen(local);
    n = calloc(1, sizeof *n + nlen + 1);
    if (!n) {
        stop(ps, GEN_ENOMEM, "out of memory");
        return;
    }
    n->name = (char *)(n + 1);
    memcpy(n->name, local, nlen + 1);
    ps->nodes++;

    /* Link it in at once so that an abort frees it with the tree. */
    if (ps->depth == 0) {
        ps->root = n;
    } else {
        f = &ps->stack[ps->depth - 1];
        n->parent = f->node;
        if (f->last)
            f->last->next = n;
        else
            f->node->child = n;
        f->last = n;
        f->node->nchildren++;
    }
    f = &ps->stack[ps->depth++];
    f->node = n;
    f->last = NULL;
    buf_init(&f->text);
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Give the frame's text to its node, trimmed when it has children. */
static int frame_close(struct frame *f)
{
    struct xml_node *n = f->node;
    size_t len, start = 0;
    char *t;

    if (buf_failed(&f->text)) {
        buf_free(&f->text);
        return -1;
    }
    t = buf_detach(&f->text, &len);
    if (!t)
        return -1;
    if (n->child) {
        while (len > 0 && is_space(t[len - 1]))
            len--;
        while (start < len && is_space(t[start]))
            start++;
        memmove(t, t + start, len - start);
        len -= start;
        t[len] = '\0';
    }
    n->text = t;
    n->text_len = len;
    return 0;
}

static void on_end(void *ud, const XML_Char *qname)
{
    struct parse *ps = ud;

    (void)qname;
    if (ps->code || ps->depth == 0)
        return;
    if (frame_close(&ps->stack[--ps->depth]) < 0)
        stop(ps, GEN_ENOMEM, "out of memory");
}

static void on_text(void *ud, const XML_Char *s, int len)
{
    struct parse *ps = ud;

    if (ps->code || ps->depth == 0 || len <= 0)
        return;
    buf_add(&ps->stack[ps->depth - 1].text, s, (size_t)len);
}

static void on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                       const XML_Char *pubid, int has_internal_subset)
{
    (void)name;
    (void)sysid;
    (void)pubid;
    (void)has_internal_subset;
    stop(ud, GEN_EAWS, "DOCTYPE is not allowed");
}

static void on_entity(void *ud, const XML_Char *name, int is_param,
                      const XML_Char *value, int value_len,
                      const XML_Char *base, const XML_Char *sysid,
                      const XML_Char *pubid, const XML_Char *notation)
{
    (void)name;
    (void)is_param;
    (void)value;
    (void)value_len;
    (void)base;
    (void)sysid;
    (void)pubid;
    (void)notation;
    stop(ud, GEN_EAWS, "entity declarations are not allowed");
}

/* Free what an aborted parse left: open frames' text and the tree. Open
 * nodes already hang in the tree, their text is still NULL. */
static void parse_cleanup(struct parse *ps)
{
    while (ps->depth > 0)
        buf_free(&ps->stack[--ps->depth].text);
    node_free(ps->root);
    ps->root = NULL;
}

int xml_parse(const char *body, size_t len, struct xml_doc **out,
             struct gen_err *e)
{
    struct parse ps;
    struct xml_doc *doc;
    enum XML_Status st;

    if (len > XML_DOC_MAX_INPUT)
        return err_set(e, GEN_EAWS, NULL, 0,
                       "XML body too large (%zu bytes, limit %u)", len,
                       (unsigned)XML_DOC_MAX_INPUT);
    memset(&ps, 0, sizeof ps);
    ps.p = XML_ParserCreate("UTF-8");
    if (!ps.p)
        return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    XML_SetUserData(ps.p, &ps);
    XML_SetElementHandler(ps.p, on_start, on_end);
    XML_SetCharacterDataHandler(ps.p, on_text);
    XML_SetStartDoctypeDeclHandler(ps.p, on_doctype);
    XML_SetEntityDeclHandler(ps.p, on_entity);
    XML_SetParamEntityParsing(ps.p, XML_PARAM_ENTITY_PARSING_NEVER);

    st = XML_Parse(ps.p, len ? body : "", (int)len, XML_TRUE);
    if (st != XML_STATUS_OK || ps.code) {
        int code = ps.code ? ps.code : GEN_EAWS;

        if (ps.code)
            err_set(e, code, NULL, 0, "malformed XML: %s", ps.why);
        else
            err_set(e, code, NULL, 0, "malformed XML at line %lu column %lu: %s",
                    (unsigned long)XML_GetCurrentLineNumber(ps.p),
                    (unsigned long)XML_GetCurrentColumnNumber(ps.p) + 1,
                    XML_ErrorString(XML_GetErrorCode(ps.p)));
        XML_ParserFree(ps.p);
        parse_cleanup(&ps);
        return code;
    }
    XML_ParserFree(ps.p);
    if (!ps.root || ps.depth != 0) {
        parse_cleanup(&ps);
        return err_set(e, GEN_EAWS, NULL, 0, "malformed XML: no element");
    }
    doc = malloc(sizeof *doc);
    if (!doc) {
        parse_cleanup(&ps);
        return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    }
    doc->root = ps.root;
    *out = doc;
    return 0;
}

void xml_free(struct xml_doc *doc)
{
    if (!doc)
        return;
    node_free(doc->root);
    free(doc);
}

const struct xml_node *xml_root(const struct xml_doc *doc)
{
    return doc ? doc->root : NULL;
}

/* ---- lookups ---- */

/* Does the step [s, s+n) name node c? */
static int step_is(const struct xml_node *c, const char *s, size_t n)
{
    return strncmp(c->name, s, n) == 0 && c->name[n] == '\0';
}

/* Walk path from n; call back on each element reached, stop when the
 * callback returns nonzero. Returns that value, or 0. */
static int walk(const struct xml_node *n, const char *path,
                int (*fn)(const struct xml_node *, void *), void *ud)
{
    const struct xml_node *c;
    const char *slash;
    size_t n_step;
    int r;

    if (!*path)
        return fn(n, ud);
    slash = strchr(path, '/');
    n_step = slash ? (size_t)(slash - path) : strlen(path);
    if (n_step == 0 || (slash && slash[1] == '\0'))
        return 0;
    for (c = n->child; c; c = c->next) {
        if (!step_is(c, path, n_step))
            continue;
        r = walk(c, slash ? slash + 1 : "", fn, ud);
        if (r)
            return r;
    }
    return 0;
}

static int take_first(const struct xml_node *n, void *ud)
{
    *(const struct xml_node **)ud = n;
    return 1;
}

static int count_one(const struct xml_node *n, void *ud)
{
    (void)n;
    ++*(size_t *)ud;
    return 0;
}

const struct xml_node *xml_find(const struct xml_node *n, const char *path)
{
    const struct xml_node *hit = NULL;

    if (!n)
        return NULL;
    walk(n, path ? path : "", take_first, &hit);
    return hit;
}

const struct xml_node *xml_next(const struct xml_node *n)
{
    const struct xml_node *s;

    if (!n)
        return NULL;
    for (s = n->next; s; s = s->next)
        if (strcmp(s->name, n->name) == 0)
            return s;
    return NULL;
}

const char *xml_text(const struct xml_node *n, const char *path)
{
    const struct xml_node *hit = xml_find(n, path);

    return hit ? hit->text : NULL;
}

size_t xml_count(const struct xml_node *n, const char *path)
{
    size_t count = 0;

    if (!n)
        return 0;
    walk(n, path ? path : "", count_one, &count);
    return count;
}

/* ---- AWS errors ---- */

/* Copy at most n-1 bytes of s (length len) into dst: control characters
 * become spaces, and a cut never splits a UTF-8 sequence. */
static void copy_clean(char *dst, size_t n, const char *s, size_t len)
{
    size_t i, k = len;

    if (k > n - 1) {
        k = n - 1;
        while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
            k--;
    }
    for (i = 0; i < k; i++) {
        unsigned char c = (unsigned char)s[i];

        dst[i] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
    }
    dst[k] = '\0';
}

/* A short quotable excerpt: printable ASCII only, white space runs become
 * one space, at most max characters (then "..."). */
static void excerpt(char *dst, size_t n, const char *s, size_t len,
                    size_t max)
{
    size_t i, k = 0;
    int space = 0;

    for (i = 0; i < len && k + 4 < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (is_space((char)c)) {
            space = k > 0;
            continue;
        }
        if (k >= max) {
            memcpy(dst + k, "...", 3);
            k += 3;
            break;
        }
        if (space)
            dst[k++] = ' ';
        space = 0;
        dst[k++] = (c >= 0x20 && c < 0x7f && c != '"') ? (char)c :
                   c == '"' ? '\'' : '?';
    }
    dst[k] = '\0';
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Case-insensitive search for needle in s[0, len). */
static const char *find_ci(const char *s, size_t len, const char *needle)
{
    size_t i, j, nl = strlen(needle);

    for (i = 0; i + nl <= len; i++) {
        for (j = 0; j < nl && lower((unsigned char)s[i + j]) == needle[j]; j++)
            ;
        if (j == nl)
            return s + i;
    }
    return NULL;
}

/* Skip a UTF-8 byte order mark and white space. */
static size_t skip_lead(const char *s, size_t len)
{
    size_t i = 0;

    if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < len && is_space(s[i]))
        i++;
    return i;
}

static int starts_ci(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);

    return len >= n && find_ci(s, n, prefix) == s;
}

/* "html page" or `html page "Title"`, from the first 64 KiB. */
static void html_desc(char *dst, size_t n, const char *s, size_t len)
{
    const char *t, *gt, *end;
    char title[96];

    if (len > 65536)
        len = 65536;
    t = find_ci(s, len, "<title");
    gt = t ? memchr(t, '>', len - (size_t)(t - s)) : NULL;
    end = gt ? memchr(gt, '<', len - (size_t)(gt - s)) : NULL;
    if (!end)
        end = s + len;
    title[0] = '\0';
    if (gt)
        excerpt(title, sizeof title, gt + 1, (size_t)(end - gt - 1), 60);
    if (title[0])
        snprintf(dst, n, "html page \"%s\"", title);
    else
        snprintf(dst, n, "html page");
}

static void set_field(char *dst, size_t n, const struct xml_node *node)
{
    if (node)
        copy_clean(dst, n, node->text, node->text_len);
}

/* The <Error> element of any known error shape, or NULL. */
static const struct xml_node *error_elem(const struct xml_node *root)
{
    const struct xml_node *err;

    if (strcmp(root->name, "Error") == 0)
        return root;
    err = xml_find(root, "Error");
    if (!err)
        err = xml_find(root, "Errors/Error");
    return err;
}

/* The request id: inside <Error> (S3), beside it, or in metadata. */
static const struct xml_node *request_id(const struct xml_node *root,
                                        const struct xml_node *err)
{
    static const char *const paths[] = {
        "RequestId", "RequestID", "ResponseMetadata/RequestId"
    };
    const struct xml_node *hit = xml_find(err, "RequestId");
    size_t i;

    for (i = 0; !hit && i < sizeof paths / sizeof paths[0]; i++)
        hit = xml_find(root, paths[i]);
    return hit;
}

/* What a body that is not XML looks like: "an empty body", "a non-XML
 * body (html page \"Title\")", `a non-XML body ("excerpt")`; 0 (what
 * untouched) when it starts like XML. */
static int describe_non_xml(const char *body, size_t len, char *what,
                            size_t n)
{
    size_t lead = skip_lead(body, len);

    if (lead == len) {
        snprintf(what, n, "an empty body");
    } else if (starts_ci(body + lead, len - lead, "<!doctype html") ||
               starts_ci(body + lead, len - lead, "<html")) {
        char desc[128];

        html_desc(desc, sizeof desc, body + lead, len - lead);
        snprintf(what, n, "a non-XML body (%s)", desc);
    } else if (body[lead] != '<') {
        char ex[64];

        excerpt(ex, sizeof ex, body + lead, len - lead, 40);
        snprintf(what, n, "a non-XML body (\"%s\")", ex);
    } else {
        return 0;
    }
    return 1;
}

void xml_describe(const char *body, size_t len, char *out, size_t n)
{
    struct xml_doc *doc = NULL;
    struct gen_err pe;
    const char *name;
    char ex[40];

    if (n == 0)
        return;
    if (!body)
        len = 0;
    if (describe_non_xml(body, len, out, n))
        return;
    if (xml_parse(body, len, &doc, &pe) < 0) {
        snprintf(out, n, "an unreadable XML body (%.150s)", pe.msg);
        return;
    }
    name = xml_root(doc)->name;
    excerpt(ex, sizeof ex, name, strlen(name), 30);
    snprintf(out, n, "root element <%s>", ex);
    xml_free(doc);
}

int xml_aws_error(const char *body, size_t len, int http_status,
                 struct xml_aws_error *out)
{
    const struct xml_node *root, *err;
    struct xml_doc *doc = NULL;
    struct gen_err pe;
    char what[192];
    size_t lead;
    int found = 0;

    memset(out, 0, sizeof *out);
    out->http_status = http_status;
    if (http_status >= 500 && http_status < 600)
        snprintf(out->type, sizeof out->type, "Receiver");
    else if (http_status >= 400 && http_status < 500)
        snprintf(out->type, sizeof out->type, "Sender");
    if (!body)
        len = 0;

    lead = skip_lead(body, len);
    if (describe_non_xml(body, len, what, sizeof what)) {
        /* what says it */
    } else if (xml_parse(body, len, &doc, &pe) < 0) {
        snprintf(what, sizeof what, "an unreadable XML body (%.150s)",
                 pe.msg);
    } else {
        root = xml_root(doc);
        err = error_elem(root);
        if (strcmp(root->name, "html") == 0) {
            char desc[128];

            html_desc(desc, sizeof desc, body + lead, len - lead);
            snprintf(what, sizeof what, "a non-XML body (%s)", desc);
        } else if (!err) {
            char ex[40];

            excerpt(ex, sizeof ex, root->name, strlen(root->name), 30);
            snprintf(what, sizeof what,
                     "an unrecognised XML body (root element <%s>)", ex);
        } else {
            found = 1;
            set_field(out->code, sizeof out->code, xml_find(err, "Code"));
            set_field(out->message, sizeof out->message,
                      xml_find(err, "Message"));
            if (xml_text(err, "Type") && xml_text(err, "Type")[0])
                set_field(out->type, sizeof out->type, xml_find(err, "Type"));
            set_field(out->request_id, sizeof out->request_id,
                      request_id(root, err));
            if (!out->code[0])
                snprintf(out->code, sizeof out->code, "HttpError");
            if (!out->message[0])
                snprintf(out->message, sizeof out->message,
                         "HTTP %d with an error without a message",
                         http_status);
        }
        xml_free(doc);
    }
    if (!found) {
        snprintf(out->code, sizeof out->code, "HttpError");
        snprintf(out->message, sizeof out->message, "HTTP %d with %s",
                 http_status, what);
    }
    return found;
}
