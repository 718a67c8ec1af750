/* emit_json.c: JSON emitter. jansson keeps insertion order (>= 2.8), and the model
 * is built in canonical order, so the bytes are fixed.
 *
 * Numbers: jansson takes one precision for a whole document, so the
 * document is dumped with 17 significant digits (every double reads back
 * exactly) and each real is then written again in its shortest exact form
 * (template_precision): 0.1 stays 0.1, 0.30000000000000004 and the largest
 * double keep every digit they need. */
#include "template/emit_json.h"
#include "core/err.h"
#include "template/template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A real as jansson writes one, with the fewest digits that read back. */
static size_t format_real(double v, char *out, size_t n)
{
    char tmp[64], *e;
    size_t len;

    snprintf(tmp, sizeof tmp, "%.*g", template_precision(v), v);
    if (!strpbrk(tmp, ".eE"))
        strcat(tmp, ".0");
    e = strpbrk(tmp, "eE");
    if (e) {                    /* e+05 -> e5, e-05 -> e-5, as jansson does */
        char *d = e + 1, *z;

        if (*d == '+')
            memmove(d, d + 1, strlen(d));
        if (*d == '-')
            d++;
        for (z = d; *z == '0' && z[1]; z++)
            ;
        memmove(d, z, strlen(z) + 1);
    }
    len = strlen(tmp);
    snprintf(out, n, "%s", tmp);
    return len;
}

/* Copy jansson's text to out, each real token written again. Outside
 * strings, a token of [-+0-9.eE] with a '.' or an exponent is a real. */
static void shorten_reals(const char *s, struct buf *out)
{
    const char *p = s;

    while (*p) {
        if (*p == '"') {
            const char *q = p + 1;

            while (*q && *q != '"')
                q += *q == '\\' && q[1] ? 2 : 1;
            if (*q)
                q++;
            buf_add(out, p, (size_t)(q - p));
            p = q;
        } else if (*p == '-' || (*p >= '0' && *p <= '9')) {
            size_t n = strspn(p, "-+0123456789.eE");
            char tok[64], num[64];
            int real = n < sizeof tok &&
                       (memchr(p, '.', n) || memchr(p, 'e', n) || memchr(p, 'E', n));

            if (real) {
                memcpy(tok, p, n);
                tok[n] = '\0';
                buf_add(out, num, format_real(strtod(tok, NULL), num, sizeof num));
            } else {
                buf_add(out, p, n);
            }
            p += n;
        } else {
            size_t n = strcspn(p, "\"-0123456789");

            buf_add(out, p, n ? n : 1);     /* punctuation and white space */
            p += n ? n : 1;
        }
    }
}

int emit_json(const json_t *tpl, struct buf *out, struct gen_err *e)
{
    char *s = json_dumps(tpl, JSON_INDENT(2) | JSON_REAL_PRECISION(17));

    if (!s)
        return err_set(e, GEN_ENOMEM, NULL, 0, "cannot encode the template as JSON");
    shorten_reals(s, out);
    buf_addc(out, '\n');
    free(s);
    return buf_failed(out) ? err_set(e, GEN_ENOMEM, NULL, 0, "out of memory") : 0;
}
