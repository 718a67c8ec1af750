/* report_json.c: the review report as JSON (report.h). */
#include "review/report.h"
#include "core/err.h"

#include <stdlib.h>

int report_json(const json_t *report, struct buf *out, struct gen_err *e)
{
    char *s = json_dumps(report, JSON_INDENT(2));

    if (!s)
        return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    buf_adds(out, s);
    buf_addc(out, '\n');
    free(s);
    if (buf_failed(out))
        return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    return 0;
}
