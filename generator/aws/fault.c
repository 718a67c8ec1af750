/* fault.c: decoding AWS error answers, JSON or XML; fault.h. */
#include "aws/fault.h"
#include "aws/http.h"
#include "aws/xml.h"
#include "core/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

void fault_bound(char *dst, size_t n, const char *src, size_t max)
{
    size_t len, cut, room;
    char *tmp;

    if (n == 0)
        return;
    if (max >= n)
        max = n - 1;
    /* escaped, a control character takes at most 6 bytes; an escape of
     * more than max + 1 bytes is cut anyway */
    room = strlen(src) * 6 + 1;
    if (room > 4 * max + 8)
        room = 4 * max + 8;
    tmp = malloc(room);
    if (!tmp) {
        err_escape(dst, max + 1, src);
        return;
    }
    len = err_escape(tmp, room, src);
    if (len <= max || max < 8) {
        if (len > max)
            err_escape(tmp, max + 1, src);
        memcpy(dst, tmp, len + 1);
        free(tmp);
        return;
    }
    /* room for "..." after the cut */
    cut = max - 3;
    while (cut > max / 2 && tmp[cut] != ' ')
        cut--;
    if (tmp[cut] != ' ') {
        cut = max - 3;
        while (cut > 0 && ((unsigned char)tmp[cut] & 0xC0) == 0x80)
            cut--;
    }
    while (cut > 0 && (tmp[cut - 1] == ' ' || tmp[cut - 1] == ','))
        cut--;
    memcpy(dst, tmp, cut);
    memcpy(dst + cut, "...", 4);
    free(tmp);
}

/* len bytes of s into dst, trimmed; a code or request id is printable
 * ASCII: anything else (a control character, a byte of a header that is
 * not UTF-8) becomes '?'. */
static void copy_word(char *dst, size_t n, const char *s, size_t len)
{
    size_t i;

    while (len > 0 && s[len - 1] == ' ')
        len--;
    while (len > 0 && *s == ' ') {
        s++;
        len--;
    }
    if (len >= n)
        len = n - 1;
    for (i = 0; i < len; i++)
        dst[i] = (unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f ? '?' : s[i];
    dst[len] = '\0';
}

/* "aws.protocoltests#FooError:http://internal..." -> "FooError" */
static void clean_code(char *dst, size_t n, const char *code)
{
    const char *hash = strrchr(code, '#');

    if (hash)
        code = hash + 1;
    copy_word(dst, n, code, strcspn(code, ":"));
}

int fault_json(const char *body, size_t len, const char *error_type, struct aws_fault *f)
{
    json_t *root, *v;
    const char *code = error_type, *msg;
    size_t lead = 0;

    while (body && lead < len && strchr(" \t\r\n", body[lead]))
        lead++;
    if (!body || lead == len || body[lead] != '{')
        return 0;
    root = json_loadb(body, len, 0, NULL);
    if (!json_is_object(root)) {
        json_decref(root);
        return 0;
    }
    if (!code || !*code)
        code = json_string_value(json_object_get(root, "__type"));
    if (!code || !*code)
        code = json_string_value(json_object_get(root, "code"));
    if (!code || !*code)
        code = json_string_value(json_object_get(root, "Code"));
    v = json_object_get(root, "message");
    if (!json_is_string(v))
        v = json_object_get(root, "Message");
    msg = json_string_value(v);
    if (code && *code)
        clean_code(f->code, sizeof f->code, code);
    if (msg && *msg)
        fault_bound(f->message, sizeof f->message, msg, AWS_MESSAGE_MAX);
    json_decref(root);
    return 1;
}

/* AWS quotes the canonical request (with the session token) in
 * SignatureDoesNotMatch: never pass that on. */
static void drop_canonical(char *msg)
{
    char *cut = strstr(msg, "The Canonical String");

    if (!cut)
        cut = strstr(msg, "The String-to-Sign");
    if (cut)
        *cut = '\0';
    for (cut = msg + strlen(msg); cut > msg && (cut[-1] == ' ' || cut[-1] == '\n'); cut--)
        cut[-1] = '\0';
}

/* A code for an error without a body (a HEAD's): by its status. */
static const char *status_code(long status)
{
    static const struct { long status; const char *code; } tab[] = {
        { 400, "BadRequest" }, { 401, "Unauthorized" }, { 403, "Forbidden" },
        { 404, "NotFound" }, { 405, "MethodNotAllowed" }, { 409, "Conflict" },
        { 412, "PreconditionFailed" }, { 429, "TooManyRequests" },
        { 500, "InternalError" }, { 502, "BadGateway" }, { 503, "ServiceUnavailable" },
        { 504, "GatewayTimeout" },
    };
    size_t i;

    for (i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (tab[i].status == status)
            return tab[i].code;
    return "HttpError";
}

static void request_id_header(const struct http_response *r, struct aws_fault *f)
{
    static const char *const names[] = { "x-amzn-requestid", "x-amz-request-id", NULL };
    const char *v;
    int i;

    for (i = 0; names[i] && !f->request_id[0]; i++)
        if ((v = http_response_header(r, names[i])) && *v)
            copy_word(f->request_id, sizeof f->request_id, v, strlen(v));
}

void fault_decode(const struct http_response *r, struct aws_fault *f)
{
    const char *type = http_response_header(r, "x-amzn-errortype");
    const char *query = http_response_header(r, "x-amzn-query-error");
    const char *body = r->body.data ? r->body.data : "";
    struct xml_aws_error x;

    memset(f, 0, sizeof *f);
    f->http_status = (int)r->status;
    if (!fault_json(body, r->body.len, type, f) || !f->code[0]) {
        xml_aws_error(body, r->body.len, (int)r->status, &x);
        drop_canonical(x.message);
        snprintf(f->code, sizeof f->code, "%s", x.code);
        fault_bound(f->message, sizeof f->message, x.message, AWS_MESSAGE_MAX);
        snprintf(f->request_id, sizeof f->request_id, "%s", x.request_id);
        if (type && *type && !strcmp(x.code, "HttpError"))
            clean_code(f->code, sizeof f->code, type);
        else if (!strcmp(x.code, "HttpError") && r->body.len == 0)
            snprintf(f->code, sizeof f->code, "%s", status_code(r->status));
    }
    if (query && *query)
        copy_word(f->code, sizeof f->code, query, strcspn(query, ";"));
    if (!f->message[0])
        snprintf(f->message, sizeof f->message, "HTTP %ld with an error without a message",
                 r->status);
    request_id_header(r, f);
}

void fault_describe(const struct aws_fault *f, char *out, size_t n)
{
    snprintf(out, n, "%s: %s%s%s%s", f->code, f->message,
             f->request_id[0] ? " (request id " : "", f->request_id,
             f->request_id[0] ? ")" : "");
}
