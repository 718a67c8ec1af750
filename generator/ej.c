/* ej.c: JSON emitter. jansson keeps insertion order (>= 2.8), and the model
 * is built in canonical order, so the bytes are fixed. */
#include "ej.h"
#include "err.h"

#include <stdlib.h>

int ej_emit(const json_t *tpl, struct buf *out, struct gen_err *e)
{
    char *s = json_dumps(tpl, JSON_INDENT(2) | JSON_REAL_PRECISION(15));

    if (!s)
        return err_set(e, GEN_ENOMEM, NULL, 0, "cannot encode the template as JSON");
    buf_adds(out, s);
    buf_addc(out, '\n');
    free(s);
    return buf_failed(out) ? err_set(e, GEN_ENOMEM, NULL, 0, "out of memory") : 0;
}
