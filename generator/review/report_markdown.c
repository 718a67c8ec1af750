/* report_markdown.c: the review report as a pull-request comment (report.h). */
#include "review/report.h"
#include "review/review.h"
#include "core/err.h"

#include <string.h>

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));

    return s ? s : "";
}

/* s as Markdown text inside a table cell or a list item: HTML and
 * Markdown's active characters escaped, no line breaks (control
 * characters are already \xNN: report_printable) */
void report_markdown_text(struct buf *b, const char *s)
{
    for (; *s; s++) {
        if (strchr("\\`*_{}[]()<>#|!~", *s))
            buf_printf(b, "&#%d;", (unsigned char)*s);
        else if (*s == '\n' || *s == '\r')
            buf_addc(b, ' ');
        else
            buf_addc(b, *s);
    }
}

/* s as inline code: the text as written, in a span no backtick in s ends */
static void code(struct buf *b, const char *s)
{
    buf_adds(b, "<code>");
    report_markdown_text(b, s);
    buf_adds(b, "</code>");
}

static void findings_table(struct buf *b, const json_t *list, int suppressed)
{
    const json_t *f;
    size_t i;

    buf_adds(b, suppressed ? "| Severity | Rule | Resource | Location | Finding | Reason |\n"
                             "|---|---|---|---|---|---|\n"
                           : "| Severity | Rule | Resource | Location | Finding | Fix |\n"
                             "|---|---|---|---|---|---|\n");
    json_array_foreach(list, i, f) {
        buf_adds(b, "| ");
        report_markdown_text(b, str(f, "severity"));
        buf_adds(b, " | ");
        code(b, str(f, "rule"));
        buf_adds(b, " | ");
        code(b, str(f, "id"));
        buf_adds(b, " | ");
        report_markdown_text(b, str(f, "file"));
        buf_printf(b, ":%lld | ", (long long)json_integer_value(json_object_get(f, "line")));
        report_markdown_text(b, str(f, "message"));
        buf_adds(b, " | ");
        report_markdown_text(b, str(f, suppressed ? "reason" : "fix"));
        buf_adds(b, " |\n");
    }
}

static void statements(struct buf *b, const char *title, const json_t *list, int who)
{
    const json_t *s;
    size_t i;

    if (!json_array_size(list))
        return;
    buf_printf(b, "\n**%s**\n\n", title);
    json_array_foreach(list, i, s) {
        buf_adds(b, "- ");
        report_markdown_text(b, who ? json_string_value(s) : str(s, "text"));
        buf_adds(b, "\n");
    }
}

/* <details><summary>ID (TYPE, STACK)</summary> */
static void summary(struct buf *b, const json_t *p, const json_t *stack)
{
    buf_adds(b, "<details><summary>");
    report_markdown_text(b, str(p, "id"));
    buf_adds(b, " (");
    report_markdown_text(b, str(p, "type"));
    buf_adds(b, ", ");
    report_markdown_text(b, str(stack, "name"));
    buf_adds(b, ")</summary>\n");
}

static void details(struct buf *b, const json_t *stack)
{
    const json_t *p, *x;
    size_t i, j;

    json_array_foreach(json_object_get(stack, "principals"), i, p) {
        summary(b, p, stack);
        statements(b, "May be assumed by", json_object_get(p, "who"), 1);
        statements(b, "Permissions", json_object_get(p, "permissions"), 0);
        if (json_is_string(json_object_get(p, "boundary"))) {
            buf_adds(b, "\n**Permissions boundary**: ");
            report_markdown_text(b, str(p, "boundary"));
            buf_adds(b, "\n");
        }
        json_array_foreach(json_object_get(p, "managed"), j, x) {
            buf_adds(b, j ? ", " : "\n**Managed policies**: ");
            report_markdown_text(b, json_string_value(x));
        }
        buf_adds(b, "\n\n</details>\n");
    }
    json_array_foreach(json_object_get(stack, "resource_policies"), i, p) {
        summary(b, p, stack);
        statements(b, "Statements", json_object_get(p, "statements"), 0);
        buf_adds(b, "\n</details>\n");
    }
}

int report_markdown(const json_t *whole, struct buf *out, struct gen_err *e)
{
    json_t *report = report_printable(whole);
    const json_t *s, *x;
    size_t i;

    if (!report)
        return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");

    buf_adds(out, "## luaform security review\n\n");
    report_summary(out, report);
    buf_adds(out, "\n\n### Findings\n\n");
    if (json_array_size(json_object_get(report, "findings")))
        findings_table(out, json_object_get(report, "findings"), 0);
    else
        buf_adds(out, "No findings.\n");
    if (json_array_size(json_object_get(report, "suppressed"))) {
        buf_adds(out, "\n### Suppressed\n\n");
        findings_table(out, json_object_get(report, "suppressed"), 1);
    }
    if (json_array_size(json_object_get(report, "invariants"))) {
        buf_adds(out, "\n### Invariants\n\n");
        json_array_foreach(json_object_get(report, "invariants"), i, x) {
            buf_adds(out, "- holds: ");
            report_markdown_text(out, str(x, "name"));
            buf_adds(out, "\n");
        }
    }
    buf_adds(out, "\n### Principals and resource policies\n\n");
    json_array_foreach(json_object_get(report, "stacks"), i, s)
        details(out, s);
    json_decref(report);
    if (buf_failed(out))
        return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    return 0;
}
