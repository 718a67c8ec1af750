/* report_text.c: the review report for a person at a terminal (report.h). */
#include "review/report.h"
#include "review/review.h"
#include "core/err.h"

#include <stdlib.h>
#include <string.h>

struct out {
    struct buf *b;
    int color;
};

/* ANSI SGR codes */
#define BOLD "1"
#define DIM "2"
#define RED "31"
#define YELLOW "33"
#define BLUE "34"
#define MAGENTA "35"
#define GREEN "32"

void report_sgr(struct buf *b, int color, const char *sgr)
{
    if (color)
        buf_printf(b, "\033[%sm", sgr ? sgr : "0");
}

static void on(struct out *o, const char *sgr)
{
    report_sgr(o->b, o->color, sgr);
}

static void off(struct out *o)
{
    report_sgr(o->b, o->color, NULL);
}

static const char *sgr_of(const char *severity)
{
    switch (review_rank(severity)) {
    case 4: return BOLD ";" MAGENTA;
    case 3: return BOLD ";" RED;
    case 2: return YELLOW;
    default: return BLUE;
    }
}

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));

    return s ? s : "";
}

void report_summary(struct buf *b, const json_t *report)
{
    const json_t *s = json_object_get(report, "summary");
    json_int_t inv = json_integer_value(json_object_get(s, "invariants"));

#define N(k) json_integer_value(json_object_get(s, k))
    buf_printf(b, "%lld stack%s, %lld principal%s, %lld resource polic%s; findings: "
               "%lld critical, %lld high, %lld medium, %lld low (%lld suppressed); ",
               N("stacks"), N("stacks") == 1 ? "" : "s", N("principals"),
               N("principals") == 1 ? "" : "s", N("resource_policies"),
               N("resource_policies") == 1 ? "y" : "ies", N("critical"), N("high"),
               N("medium"), N("low"), N("suppressed"));
#undef N
    if (inv)
        buf_printf(b, "invariants: %lld hold", (long long)inv);
    else
        buf_adds(b, "invariants: none declared");
}

static void list_texts(struct out *o, const char *title, const json_t *stmts)
{
    const json_t *s;
    size_t i;

    if (!json_array_size(stmts))
        return;
    buf_printf(o->b, "  %s:\n", title);
    json_array_foreach(stmts, i, s) {
        buf_printf(o->b, "    - %s", str(s, "text"));
        on(o, DIM);
        buf_printf(o->b, "  (%s, line %lld)", str(s, "policy"),
                   (long long)json_integer_value(json_object_get(s, "line")));
        off(o);
        buf_addc(o->b, '\n');
    }
}

static void principal(struct out *o, const json_t *p, const char *file)
{
    const json_t *who = json_object_get(p, "who"), *x;
    size_t i;

    on(o, BOLD);
    buf_adds(o->b, str(p, "id"));
    off(o);
    buf_printf(o->b, "  %s", str(p, "type"));
    if (json_is_string(json_object_get(p, "name")))
        buf_printf(o->b, " '%s'", str(p, "name"));
    on(o, DIM);
    buf_printf(o->b, "  %s:%lld", file, (long long)json_integer_value(json_object_get(p, "line")));
    off(o);
    buf_addc(o->b, '\n');
    if (!strcmp(str(p, "type"), "AWS::IAM::Role")) {
        buf_adds(o->b, "  may be assumed by:\n");
        json_array_foreach(who, i, x)
            buf_printf(o->b, "    - %s\n", json_string_value(x));
        if (!json_array_size(who))
            buf_adds(o->b, "    (no one: no trust statement)\n");
    }
    list_texts(o, "permissions", json_object_get(p, "permissions"));
    if (!json_array_size(json_object_get(p, "permissions")))
        buf_adds(o->b, "  permissions: none inline or attached here\n");
    if (json_is_string(json_object_get(p, "boundary")))
        buf_printf(o->b, "  permissions boundary: %s\n", str(p, "boundary"));
    json_array_foreach(json_object_get(p, "managed"), i, x)
        buf_printf(o->b, "%s%s\n", i ? "                   " : "  managed policies: ",
                   json_string_value(x));
    buf_addc(o->b, '\n');
}

static void resource_policy(struct out *o, const json_t *r, const char *file)
{
    const json_t *x;
    size_t i;

    on(o, BOLD);
    buf_adds(o->b, str(r, "id"));
    off(o);
    buf_printf(o->b, "  %s", str(r, "type"));
    json_array_foreach(json_object_get(r, "on"), i, x)
        buf_printf(o->b, "%s%s", i ? ", " : " on ", json_string_value(x));
    on(o, DIM);
    buf_printf(o->b, "  %s:%lld", file, (long long)json_integer_value(json_object_get(r, "line")));
    off(o);
    buf_addc(o->b, '\n');
    list_texts(o, "statements", json_object_get(r, "statements"));
    buf_addc(o->b, '\n');
}

static void stack(struct out *o, const json_t *s)
{
    const json_t *x;
    size_t i;
    const char *file = str(s, "file");

    on(o, BOLD);
    buf_printf(o->b, "== %s", str(s, "name"));
    off(o);
    buf_printf(o->b, " (%s)\n\n", file);
    json_array_foreach(json_object_get(s, "principals"), i, x)
        principal(o, x, file);
    json_array_foreach(json_object_get(s, "resource_policies"), i, x)
        resource_policy(o, x, file);
    if (!json_array_size(json_object_get(s, "principals")) &&
        !json_array_size(json_object_get(s, "resource_policies")))
        buf_adds(o->b, "no principals and no resource policies\n\n");
}

static void finding(struct out *o, const json_t *f, int suppressed)
{
    const char *sev = str(f, "severity");
    char up[16];
    size_t i;

    for (i = 0; sev[i] && i < sizeof up - 1; i++)
        up[i] = (char)(sev[i] >= 'a' && sev[i] <= 'z' ? sev[i] - 32 : sev[i]);
    up[i] = '\0';
    on(o, suppressed ? DIM : sgr_of(sev));
    buf_printf(o->b, "%-8s", up);
    off(o);
    buf_printf(o->b, " %s  %s  %s:%lld\n", str(f, "rule"), str(f, "id"), str(f, "file"),
               (long long)json_integer_value(json_object_get(f, "line")));
    buf_printf(o->b, "         %s\n", str(f, "message"));
    if (suppressed)
        buf_printf(o->b, "         suppressed: %s\n", str(f, "reason"));
    else if (*str(f, "fix"))
        buf_printf(o->b, "         fix: %s\n", str(f, "fix"));
}

static void heading(struct out *o, const char *title)
{
    on(o, BOLD);
    buf_adds(o->b, title);
    off(o);
    buf_addc(o->b, '\n');
}

static void findings(struct out *o, const json_t *report)
{
    const json_t *f, *x;
    size_t i;

    heading(o, "== Findings");
    json_array_foreach(json_object_get(report, "findings"), i, f)
        finding(o, f, 0);
    if (!json_array_size(json_object_get(report, "findings")))
        buf_adds(o->b, "none\n");
    if (json_array_size(json_object_get(report, "suppressed"))) {
        heading(o, "\n== Suppressed");
        json_array_foreach(json_object_get(report, "suppressed"), i, f)
            finding(o, f, 1);
    }
    heading(o, "\n== Invariants");
    json_array_foreach(json_object_get(report, "invariants"), i, x) {
        on(o, GREEN);
        buf_adds(o->b, "holds");
        off(o);
        buf_printf(o->b, "  %s", str(x, "name"));
        if (*str(x, "stack"))
            buf_printf(o->b, " (%s)", str(x, "stack"));
        buf_addc(o->b, '\n');
    }
    if (!json_array_size(json_object_get(report, "invariants")))
        buf_adds(o->b, "none declared\n");
}

json_t *report_printable(const json_t *v)
{
    json_t *c, *x;
    const char *k;
    size_t i;

    if (json_is_string(v)) {
        size_t n = json_string_length(v) * 4 + 1;
        char *s = malloc(n);

        if (!s)
            return NULL;
        err_escape(s, n, json_string_value(v));
        c = json_string(s);
        free(s);
        return c;
    }
    if (json_is_array(v)) {
        c = json_array();
        json_array_foreach(v, i, x)
            if (!c || json_array_append_new(c, report_printable(x)) < 0) {
                json_decref(c);
                return NULL;    /* never a report with a part silently gone */
            }
        return c;
    }
    if (json_is_object(v)) {
        c = json_object();
        json_object_foreach((json_t *)v, k, x)
            if (!c || json_object_set_new(c, k, report_printable(x)) < 0) {
                json_decref(c);
                return NULL;
            }
        return c;
    }
    return json_deep_copy(v);
}

int report_text(const json_t *whole, int color, struct buf *out, struct gen_err *e)
{
    struct out o = { out, color };
    json_t *report = report_printable(whole);
    const json_t *s;
    size_t i;

    if (!report)
        return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    buf_adds(out, "luaform review: ");
    report_summary(out, report);
    buf_adds(out, "\n\n");
    json_array_foreach(json_object_get(report, "stacks"), i, s)
        stack(&o, s);
    findings(&o, report);
    json_decref(report);
    if (buf_failed(out))
        return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    return 0;
}
