/* err.c: the error record. Messages are kept on one line: control
 * characters from user text (a description, a config value, a service's
 * answer) are escaped as they are stored, so no error can span lines or
 * send escape codes to a terminal. */
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

size_t err_escape(char *dst, size_t n, const char *src)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)src;
    size_t o = 0;

    if (n == 0)
        return 0;
    for (; *s; s++) {
        char tmp[8];
        size_t k = 0, i;

        if (*s == '\n') {
            tmp[k++] = '\\';
            tmp[k++] = 'n';
        } else if (*s == '\r') {
            tmp[k++] = '\\';
            tmp[k++] = 'r';
        } else if (*s == '\t') {
            tmp[k++] = '\\';
            tmp[k++] = 't';
        } else if (*s < 0x20 || *s == 0x7f) {
            tmp[k++] = '\\';
            tmp[k++] = 'x';
            tmp[k++] = hex[*s >> 4];
            tmp[k++] = hex[*s & 15];
        } else if (*s == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f) {
            /* a C1 control (U+0080..U+009F) in UTF-8: CSI is one of them */
            s++;
            memcpy(tmp, "\\u00", 4);
            k = 4;
            tmp[k++] = hex[*s >> 4];
            tmp[k++] = hex[*s & 15];
        } else {
            tmp[k++] = (char)*s;
        }
        if (o + k >= n) {
            /* do not cut a UTF-8 sequence in the middle */
            while (o > 0 && ((unsigned char)dst[o - 1] & 0xc0) == 0x80)
                o--;
            if (o > 0 && ((unsigned char)dst[o - 1] & 0xc0) == 0xc0)
                o--;
            break;
        }
        for (i = 0; i < k; i++)
            dst[o++] = tmp[i];
    }
    dst[o] = '\0';
    return o;
}

int err_set(struct gen_err *e, int code, const char *file, int line,
            const char *fmt, ...)
{
    char raw[sizeof e->msg];
    va_list ap;

    if (!e)
        return code;
    e->code = code;
    err_escape(e->file, sizeof e->file, file ? file : "");
    e->line = line;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    err_escape(e->msg, sizeof e->msg, raw);
    return code;
}

int err_prefix(struct gen_err *e, const char *fmt, ...)
{
    char pre[512], old[sizeof e->msg], raw[sizeof e->msg];
    va_list ap;

    if (!e)
        return GEN_EINTERNAL;
    va_start(ap, fmt);
    vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof old);
    snprintf(raw, sizeof raw, "%s: %s", pre, old);
    err_escape(e->msg, sizeof e->msg, raw);
    return e->code;
}

void err_clear(struct gen_err *e)
{
    if (!e)
        return;
    memset(e, 0, sizeof *e);
}

void err_format(const struct gen_err *e, char *out, size_t n)
{
    if (e->file[0] && e->line > 0)
        snprintf(out, n, "%s:%d: %s", e->file, e->line, e->msg);
    else if (e->file[0])
        snprintf(out, n, "%s: %s", e->file, e->msg);
    else
        snprintf(out, n, "%s", e->msg);
}
