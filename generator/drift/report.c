/* report.c (drift): drift reports as text, JSON, markdown and GitHub
 * Actions annotations. Every string from AWS or a template goes through
 * report_printable first: none reaches a terminal or a summary as a
 * control sequence. */
#include "drift/report.h"

#include "drift/drift.h"
#include "core/err.h"
#include "review/report.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define RED "31"
#define GREEN "32"
#define YELLOW "33"
#define DIM "2"
#define BOLD "1"

struct out {
    struct buf *b;
    int color;
};

static void on(struct out *o, const char *sgr)
{
    report_sgr(o->b, o->color, sgr);
}

static void off(struct out *o)
{
    report_sgr(o->b, o->color, NULL);
}

static const char *sv(const json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));

    return v ? v : "";
}

/* A JSON value on one line (a string without quotes when bare). */
static void value(struct buf *b, const json_t *v, int bare)
{
    char *s;

    if (!v || json_is_null(v)) {
        buf_adds(b, "(none)");
        return;
    }
    if (json_is_string(v)) {
        /* already printable (report_printable): shown as it is, not escaped again */
        if (!bare)
            buf_addc(b, '"');
        buf_adds(b, json_string_value(v));
        if (!bare)
            buf_addc(b, '"');
        return;
    }
    s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    buf_adds(b, s ? s : "?");
    free(s);
}

static void expected_actual(struct out *o, const char *indent, const json_t *d, int bare)
{
    buf_printf(o->b, "%sexpected: ", indent);
    value(o->b, json_object_get(d, "expected"), bare);
    buf_printf(o->b, "\n%sactual:   ", indent);
    value(o->b, json_object_get(d, "actual"), bare);
    buf_addc(o->b, '\n');
}

static const char *mark(const char *kind)
{
    return !strcmp(kind, "missing") || !strcmp(kind, "DELETED") || !strcmp(kind, "REMOVE") ? "-" :
           !strcmp(kind, "extra") || !strcmp(kind, "ADD") ? "+" : "~";
}

static void heading(struct out *o, const char *title)
{
    buf_adds(o->b, "  ");
    on(o, BOLD);
    buf_adds(o->b, title);
    off(o);
    buf_addc(o->b, '\n');
}

static void diff_line(struct out *o, const char *kind, const char *indent)
{
    buf_adds(o->b, indent);
    on(o, RED);
    buf_adds(o->b, mark(kind));
    off(o);
    buf_addc(o->b, ' ');
}

static void keyed(struct out *o, const json_t *sec, const char *title, const char *key)
{
    const json_t *d;
    size_t i;

    if (!json_array_size(json_object_get(sec, "differences")))
        return;
    heading(o, title);
    json_array_foreach(json_object_get(sec, "differences"), i, d) {
        diff_line(o, sv(d, "kind"), "    ");
        buf_printf(o->b, "%s (%s)\n", sv(d, key),
                   !strcmp(sv(d, "kind"), "missing") ? "not in the stack" :
                   !strcmp(sv(d, "kind"), "extra") ? "in the stack, not in the repository" :
                   "changed");
        expected_actual(o, "        ", d, !strcmp(key, "path") ? 0 : 1);
    }
}

static void not_compared(struct out *o, const json_t *list)
{
    const json_t *u;
    size_t i;

    if (!json_array_size(list))
        return;
    heading(o, "Parameters not compared");
    json_array_foreach(list, i, u) {
        buf_adds(o->b, "    ");
        on(o, YELLOW);
        buf_adds(o->b, "?");
        off(o);
        buf_printf(o->b, " %s: %s\n", sv(u, "name"), sv(u, "reason"));
    }
}

static void resources(struct out *o, const json_t *sec)
{
    const json_t *r, *d;
    size_t i, j;

    if (!json_array_size(json_object_get(sec, "drifted_resources")))
        return;
    heading(o, "Resources (CloudFormation drift detection)");
    json_array_foreach(json_object_get(sec, "drifted_resources"), i, r) {
        diff_line(o, sv(r, "status"), "    ");
        buf_printf(o->b, "%s  %s  %s  %s\n", sv(r, "logical_id"), sv(r, "type"),
                   *sv(r, "physical_id") ? sv(r, "physical_id") : "-", sv(r, "status"));
        json_array_foreach(json_object_get(r, "differences"), j, d) {
            diff_line(o, sv(d, "kind"), "        ");
            buf_printf(o->b, "%s (%s)\n", sv(d, "path"), sv(d, "kind"));
            expected_actual(o, "            ", d, 0);
        }
    }
}

static void lambda(struct out *o, const json_t *sec)
{
    const json_t *d;
    size_t i;

    if (!json_array_size(json_object_get(sec, "differences")))
        return;
    heading(o, "Lambda (code and aliases, which CloudFormation does not check)");
    json_array_foreach(json_object_get(sec, "differences"), i, d) {
        diff_line(o, "changed", "    ");
        buf_printf(o->b, "%s  %s  %s: %s\n", sv(d, "logical_id"), sv(d, "function"),
                   sv(d, "what"), sv(d, "detail"));
        expected_actual(o, "        ", d, 1);
    }
}

static void listed(struct out *o, const json_t *list, const char *title, int unchecked)
{
    const json_t *u;
    size_t i;

    if (!json_array_size(list))
        return;
    heading(o, title);
    json_array_foreach(list, i, u) {
        buf_adds(o->b, "    ");
        on(o, unchecked ? YELLOW : DIM);
        buf_adds(o->b, unchecked ? "?" : "=");
        off(o);
        if (unchecked) {
            buf_printf(o->b, " %s  %s  %s: %s\n", sv(u, "logical_id"), sv(u, "type"),
                       sv(u, "status"), sv(u, "reason"));
        } else {
            buf_printf(o->b, " %s  %s  %s%s%s: %s (%s)\n", sv(u, "logical_id"), sv(u, "type"),
                       *sv(u, "path") ? sv(u, "path") : "(the resource)",
                       *sv(u, "kind") ? " " : "", sv(u, "kind"), sv(u, "reason"),
                       sv(u, "source"));
        }
    }
}

static void summary_line(struct out *o, const json_t *r)
{
    int v = drift_verdict(r);

    on(o, v == 0 ? GREEN : v == 2 ? RED : YELLOW);
    buf_printf(o->b, "%s", sv(r, "stack"));
    off(o);
    buf_printf(o->b, ": %s\n", sv(r, "summary"));
}

static void details(struct out *o, const json_t *r)
{
    buf_addc(o->b, '\n');
    on(o, BOLD);
    buf_printf(o->b, "%s", sv(r, "stack"));
    off(o);
    buf_printf(o->b, " (%s%s%s)\n", *sv(r, "region") ? sv(r, "region") : "default region",
               *sv(r, "status") ? ", " : "", sv(r, "status"));
    if (*sv(r, "error")) {
        buf_adds(o->b, "  ");
        on(o, YELLOW);
        buf_adds(o->b, "error:");
        off(o);
        buf_printf(o->b, " %s\n", sv(r, "error"));
    }
    if (!strcmp(sv(r, "state"), "not_deployed"))
        buf_adds(o->b, "  the stack does not exist: deploy it (luaform deploy)\n");
    keyed(o, json_object_get(r, "template"), "Template (rendered vs deployed)", "path");
    keyed(o, json_object_get(r, "parameters"), "Parameters", "name");
    not_compared(o, json_object_get(json_object_get(r, "parameters"), "not_compared"));
    keyed(o, json_object_get(r, "tags"), "Tags", "key");
    resources(o, json_object_get(r, "resources"));
    lambda(o, json_object_get(r, "lambda"));
    listed(o, json_object_get(r, "unchecked"), "Unchecked (not in sync, not drifted: unknown)", 1);
    listed(o, json_object_get(r, "ignored"), "Ignored", 0);
    if (drift_verdict(r) == 0 && !json_array_size(json_object_get(r, "unchecked")) &&
        !json_array_size(json_object_get(r, "ignored")))
        buf_adds(o->b, "  no drift\n");
}

static int done(struct buf *b, json_t *copy, struct gen_err *e)
{
    json_decref(copy);
    return buf_failed(b) ? err_set(e, GEN_ENOMEM, NULL, 0, "out of memory") : 0;
}

int drift_report_text(const json_t *reports, int color, struct buf *b, struct gen_err *e)
{
    json_t *p = report_printable(reports);
    struct out o = { b, color };
    const json_t *r;
    size_t i;

    if (!p)
        return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    json_array_foreach(p, i, r)
        summary_line(&o, r);
    json_array_foreach(p, i, r)
        details(&o, r);
    return done(b, p, e);
}

int drift_report_exit(const json_t *reports)
{
    const json_t *r;
    size_t i;
    int worst = 0;

    json_array_foreach(reports, i, r) {
        int v = drift_verdict(r);

        if (v == 1)
            return 1;
        if (v == 2)
            worst = 2;
    }
    return worst;
}

int drift_report_json(const json_t *reports, struct buf *b, struct gen_err *e)
{
    const json_t *r;
    size_t i, drifted = 0, errors = 0;
    json_t *doc;
    char *s;

    json_array_foreach(reports, i, r) {
        drifted += drift_verdict(r) == 2;
        errors += drift_verdict(r) == 1;
    }
    doc = json_pack("{s:O, s:I, s:I, s:i}", "stacks", reports, "drifted", (json_int_t)drifted,
                    "errors", (json_int_t)errors, "exit", drift_report_exit(reports));
    s = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_ENSURE_ASCII) : NULL;
    json_decref(doc);
    if (!s)
        return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    buf_adds(b, s);
    buf_addc(b, '\n');
    free(s);
    return buf_failed(b) ? err_set(e, GEN_ENOMEM, NULL, 0, "out of memory") : 0;
}

/* The longest run of backticks in s. */
static size_t backticks(const char *s)
{
    size_t run = 0, best = 0;

    for (; *s; s++) {
        run = *s == '`' ? run + 1 : 0;
        best = run > best ? run : best;
    }
    return best;
}

int drift_report_markdown(const json_t *reports, struct buf *b, struct gen_err *e, int details)
{
    struct buf text;
    const json_t *r;
    size_t i, fence;
    int v = drift_report_exit(reports), rc;
    json_t *p = report_printable(reports);

    if (!p)
        return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    buf_printf(b, "## luaform drift: %s\n\n", v == 0 ? "in sync" : v == 2 ? "drift found" :
               "could not check everything");
    json_array_foreach(p, i, r) {
        buf_adds(b, "- **");
        report_markdown_text(b, sv(r, "stack"));
        buf_adds(b, "**: ");
        report_markdown_text(b, sv(r, "summary"));
        buf_addc(b, '\n');
    }
    buf_init(&text);
    rc = details ? drift_report_text(reports, 0, &text, e) : 0;
    if (rc == 0 && details) {
        fence = backticks(buf_cstr(&text)) + 1;
        fence = fence < 3 ? 3 : fence;
        buf_adds(b, "\n<details><summary>Details</summary>\n\n");
        for (i = 0; i < fence; i++)
            buf_addc(b, '`');
        buf_addc(b, '\n');
        buf_adds(b, buf_cstr(&text));
        for (i = 0; i < fence; i++)
            buf_addc(b, '`');
        buf_adds(b, "\n\n</details>\n");
    }
    buf_free(&text);
    if (rc < 0) {
        json_decref(p);
        return rc;
    }
    return done(b, p, e);
}

/* ------------------------------------------------------------ GitHub */

/* A workflow command's message (data) or property: % CR LF escaped, and
 * in a property ':' and ',' too (GitHub's own toolkit escaping). */
static void gh_escape(struct buf *b, const char *s, int property)
{
    for (; *s; s++) {
        if (*s == '%')
            buf_adds(b, "%25");
        else if (*s == '\r')
            buf_adds(b, "%0D");
        else if (*s == '\n')
            buf_adds(b, "%0A");
        else if (property && *s == ':')
            buf_adds(b, "%3A");
        else if (property && *s == ',')
            buf_adds(b, "%2C");
        else
            buf_addc(b, *s);
    }
}

enum { GH_ERROR, GH_WARNING, GH_NOTICE, GH_KINDS };
static const char *const GH_NAME[GH_KINDS] = { "error", "warning", "notice" };

struct gh {
    struct buf *b;
    size_t total[GH_KINDS], shown[GH_KINDS];
    int counting;
};

static void annotate(struct gh *g, int kind, const char *stack, const char *title,
                     const char *message)
{
    if (g->counting) {
        g->total[kind]++;
        return;
    }
    if (g->shown[kind] >= DRIFT_ANNOTATIONS_MAX)
        return;
    if (g->shown[kind] == DRIFT_ANNOTATIONS_MAX - 1 && g->total[kind] > DRIFT_ANNOTATIONS_MAX) {
        buf_printf(g->b, "::%s title=luaform drift::%zu more (%s) in the job summary\n",
                   GH_NAME[kind], g->total[kind] - g->shown[kind],
                   kind == GH_ERROR ? "drift" : kind == GH_WARNING ? "unchecked" : "ignored");
        g->shown[kind]++;
        return;
    }
    buf_printf(g->b, "::%s title=", GH_NAME[kind]);
    gh_escape(g->b, stack, 1);
    buf_adds(g->b, " ");
    gh_escape(g->b, title, 1);
    buf_adds(g->b, "::");
    gh_escape(g->b, message, 0);
    buf_addc(g->b, '\n');
    g->shown[kind]++;
}

static void expected_actual_line(struct buf *m, const json_t *d)
{
    buf_adds(m, "expected ");
    value(m, json_object_get(d, "expected"), 0);
    buf_adds(m, ", actual ");
    value(m, json_object_get(d, "actual"), 0);
}

/* One annotation about stack r: the message from fmt, and when diff is
 * given, its expected and actual values after it. */
static void annotatef(struct gh *g, int kind, const json_t *r, const char *title,
                      const json_t *diff, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void annotatef(struct gh *g, int kind, const json_t *r, const char *title,
                      const json_t *diff, const char *fmt, ...)
{
    struct buf m;
    va_list ap;
    char *part;
    int n;

    buf_init(&m);
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    part = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (part) {                 /* the message whole, never cut */
        va_start(ap, fmt);
        vsnprintf(part, (size_t)n + 1, fmt, ap);
        va_end(ap);
        buf_adds(&m, part);
        free(part);
    } else {
        g->b->failed = 1;       /* out of memory: the report says so (buf_failed) */
        buf_free(&m);
        return;
    }
    if (diff)
        expected_actual_line(&m, diff);
    annotate(g, kind, sv(r, "stack"), title, buf_cstr(&m));
    buf_free(&m);
}

static void gh_keyed(struct gh *g, const json_t *r, const char *sec, const char *key,
                     const char *title)
{
    const json_t *d;
    size_t i;

    json_array_foreach(json_object_get(json_object_get(r, sec), "differences"), i, d)
        annotatef(g, GH_ERROR, r, title, d, "%s %s: ", sv(d, key), sv(d, "kind"));
}

static void gh_stack(struct gh *g, const json_t *r)
{
    const json_t *d, *x;
    size_t i, j;

    if (*sv(r, "error"))
        annotatef(g, GH_ERROR, r, "not checked", NULL, "%s", sv(r, "error"));
    if (!strcmp(sv(r, "state"), "not_deployed"))
        annotatef(g, GH_ERROR, r, "not deployed", NULL, "the stack does not exist");
    gh_keyed(g, r, "template", "path", "template drift");
    gh_keyed(g, r, "parameters", "name", "parameter drift");
    gh_keyed(g, r, "tags", "key", "tag drift");
    json_array_foreach(json_object_get(json_object_get(r, "resources"), "drifted_resources"), i, d) {
        if (!json_array_size(json_object_get(d, "differences")))
            annotatef(g, GH_ERROR, r, "resource drift", NULL, "%s (%s) %s", sv(d, "logical_id"),
                      sv(d, "type"), sv(d, "status"));
        json_array_foreach(json_object_get(d, "differences"), j, x)
            annotatef(g, GH_ERROR, r, "resource drift", x, "%s (%s) %s %s: ", sv(d, "logical_id"),
                      sv(d, "type"), sv(x, "path"), sv(x, "kind"));
    }
    json_array_foreach(json_object_get(json_object_get(r, "lambda"), "differences"), i, d)
        annotatef(g, GH_ERROR, r, "Lambda drift", d, "%s (%s) %s: %s; ", sv(d, "logical_id"),
                  sv(d, "function"), sv(d, "what"), sv(d, "detail"));
    json_array_foreach(json_object_get(json_object_get(r, "parameters"), "not_compared"), i, d)
        annotatef(g, GH_WARNING, r, "not compared", NULL, "parameter %s: %s", sv(d, "name"),
                  sv(d, "reason"));
    json_array_foreach(json_object_get(r, "unchecked"), i, d)
        annotatef(g, GH_WARNING, r, "unchecked", NULL, "%s (%s) %s: %s", sv(d, "logical_id"),
                  sv(d, "type"), sv(d, "status"), sv(d, "reason"));
    json_array_foreach(json_object_get(r, "ignored"), i, d)
        annotatef(g, GH_NOTICE, r, "ignored", NULL, "%s (%s) %s: %s", sv(d, "logical_id"),
                  sv(d, "type"), *sv(d, "path") ? sv(d, "path") : "(the resource)",
                  sv(d, "reason"));
}

int drift_report_github(const json_t *reports, struct buf *b, struct gen_err *e)
{
    json_t *p = report_printable(reports);
    struct gh g = { 0 };
    const json_t *r;
    size_t i;

    if (!p)
        return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    g.b = b;
    for (g.counting = 1; g.counting >= 0; g.counting--)
        json_array_foreach(p, i, r)
            gh_stack(&g, r);
    return done(b, p, e);
}
