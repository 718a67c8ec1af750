/* review.c: one report over the reviewed stacks (review.h). */
#include "review/review.h"
#include "review/describe.h"
#include "review/extract.h"
#include "review/rules.h"
#include "review/suppress.h"
#include "core/buf.h"
#include "core/err.h"
#include "template/load.h"
#include "template/path.h"

#include <stdlib.h>
#include <string.h>

json_t *review_new(const char *version)
{
    json_t *r = json_pack("{s:{s:s, s:s}, s:[], s:[], s:[], s:[], s:{}}",
                          "tool", "name", "luaform", "version", version,
                          "stacks", "findings", "suppressed", "invariants", "summary");

    return r;
}

int review_rank(const char *severity)
{
    static const char *const words[] = { "low", "medium", "high", "critical" };
    int i;

    for (i = 0; severity && i < 4; i++)
        if (!strcmp(severity, words[i]))
            return i + 1;
    return 0;
}

static void set_line(json_t *o, const json_t *lines)
{
    json_object_set_new(o, "line", json_integer(
        path_line(lines, json_string_value(json_object_get(o, "path")))));
}

/* "text" and "line" on each statement of list (trust: who it lets in) */
static void annotate_statements(json_t *list, const json_t *lines, json_t *who)
{
    json_t *s;
    size_t i;
    struct buf b;

    buf_init(&b);
    json_array_foreach(list, i, s) {
        buf_reset(&b);
        if (who)
            describe_trust(&b, s);
        else
            describe_statement(&b, s);
        json_object_set_new(s, "text", json_string(buf_cstr(&b)));
        if (who)
            json_array_append_new(who, json_string(buf_cstr(&b)));
        set_line(s, lines);
    }
    buf_free(&b);
}

static void annotate(json_t *model, const json_t *lines)
{
    json_t *p, *who;
    size_t i;

    json_array_foreach(json_object_get(model, "principals"), i, p) {
        set_line(p, lines);
        who = json_array();
        annotate_statements(json_object_get(p, "trust"), lines, who);
        json_object_set_new(p, "who", who);
        annotate_statements(json_object_get(p, "permissions"), lines, NULL);
    }
    json_array_foreach(json_object_get(model, "resource_policies"), i, p) {
        set_line(p, lines);
        annotate_statements(json_object_get(p, "statements"), lines, NULL);
    }
}

/* stack, file and line on each finding of list */
static void place(json_t *list, const char *stack, const char *file, const json_t *lines)
{
    json_t *f;
    size_t i;

    json_array_foreach(list, i, f) {
        json_object_set_new(f, "stack", json_string(stack));
        json_object_set_new(f, "file", json_string(file));
        set_line(f, lines);
    }
}

int review_add_stacks(json_t *report, const struct review_input *in, size_t n,
                      struct gen_err *e)
{
    struct template_doc *docs = calloc(n ? n : 1, sizeof *docs);
    struct review_stack *set = calloc(n ? n : 1, sizeof *set);
    json_t **models = calloc(n ? n : 1, sizeof *models);
    size_t i;
    int rc = docs && set && models ? 0 : err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");

    for (i = 0; rc == 0 && i < n; i++) {
        rc = load_template(in[i].file, in[i].text, in[i].len, LOAD_AUTO, &docs[i], e);
        if (rc == 0)
            rc = extract_policies(in[i].tpl, &models[i], e);
        set[i] = (struct review_stack){in[i].stack, in[i].tpl, models[i]};
    }
    for (i = 0; rc == 0 && i < n; i++) {
        json_t *found = json_array(), *supp = json_array();

        rc = review_check_set(set, n, i, found, e);
        if (rc == 0)
            rc = suppress_apply(in[i].tpl, in[i].file, docs[i].lines, found, supp, e);
        if (rc == 0) {
            place(found, in[i].stack, in[i].file, docs[i].lines);
            place(supp, in[i].stack, in[i].file, docs[i].lines);
            json_array_extend(json_object_get(report, "findings"), found);
            json_array_extend(json_object_get(report, "suppressed"), supp);
        }
        json_decref(found);
        json_decref(supp);
    }
    for (i = 0; rc == 0 && i < n; i++) {   /* after every check: annotate adds members */
        annotate(models[i], docs[i].lines);
        json_object_set_new(models[i], "name", json_string(in[i].stack));
        json_object_set_new(models[i], "file", json_string(in[i].file));
        json_array_append(json_object_get(report, "stacks"), models[i]);
    }
    for (i = 0; docs && models && i < n; i++) {
        load_free(&docs[i]);
        json_decref(models[i]);
    }
    free(docs);
    free(set);
    free(models);
    return rc;
}

int review_add_stack(json_t *report, const char *stack, const char *file, const char *text,
                     size_t len, const json_t *tpl, struct gen_err *e)
{
    struct review_input in = {stack, file, text, len, tpl};

    return review_add_stacks(report, &in, 1, e);
}

struct ranked {
    json_t *f;
    int rank;
    size_t i;
};

static int by_rank(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;

    if (x->rank != y->rank)
        return y->rank - x->rank;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* most severe first; in the order found within one severity */
static void sort_findings(json_t *list)
{
    size_t n = json_array_size(list), i;
    struct ranked *v = calloc(n ? n : 1, sizeof *v);

    if (!v)
        return;
    for (i = 0; i < n; i++) {
        v[i].f = json_incref(json_array_get(list, i));
        v[i].rank = review_rank(json_string_value(json_object_get(v[i].f, "severity")));
        v[i].i = i;
    }
    qsort(v, n, sizeof *v, by_rank);
    json_array_clear(list);
    for (i = 0; i < n; i++)
        json_array_append_new(list, v[i].f);
    free(v);
}

void review_finish(json_t *report)
{
    static const char *const words[] = { "critical", "high", "medium", "low" };
    json_t *sum = json_object(), *s, *f;
    size_t i, np = 0, nr = 0, k;

    sort_findings(json_object_get(report, "findings"));
    sort_findings(json_object_get(report, "suppressed"));
    json_array_foreach(json_object_get(report, "stacks"), i, s) {
        np += json_array_size(json_object_get(s, "principals"));
        nr += json_array_size(json_object_get(s, "resource_policies"));
    }
    json_object_set_new(sum, "stacks", json_integer((json_int_t)json_array_size(
        json_object_get(report, "stacks"))));
    json_object_set_new(sum, "principals", json_integer((json_int_t)np));
    json_object_set_new(sum, "resource_policies", json_integer((json_int_t)nr));
    for (k = 0; k < 4; k++) {
        json_int_t n = 0;

        json_array_foreach(json_object_get(report, "findings"), i, f)
            n += review_rank(json_string_value(json_object_get(f, "severity"))) == 4 - (int)k;
        json_object_set_new(sum, words[k], json_integer(n));
    }
    json_object_set_new(sum, "suppressed", json_integer((json_int_t)json_array_size(
        json_object_get(report, "suppressed"))));
    json_object_set_new(sum, "invariants", json_integer((json_int_t)json_array_size(
        json_object_get(report, "invariants"))));
    json_object_set_new(report, "summary", sum);
}

int review_fails(const json_t *report, const char *severity)
{
    const json_t *f;
    size_t i;
    int min = review_rank(severity);

    if (!min)
        return 0;
    json_array_foreach(json_object_get(report, "findings"), i, f)
        if (review_rank(json_string_value(json_object_get(f, "severity"))) >= min)
            return 1;
    return 0;
}
