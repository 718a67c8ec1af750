/* readable.c: template values shown as a reviewer reads them (readable.h). */
#include "review/readable.h"

#include <stdlib.h>
#include <string.h>

/* The one key of an intrinsic function object ("Ref", "Fn::..."), or NULL. */
static const char *intrinsic(const json_t *v, const json_t **arg)
{
    const char *k;

    if (!json_is_object(v) || json_object_size(v) != 1)
        return NULL;
    k = json_object_iter_key(json_object_iter((json_t *)v));
    if (strcmp(k, "Ref") && strcmp(k, "Condition") && strncmp(k, "Fn::", 4))
        return NULL;
    *arg = json_object_get(v, k);
    return k;
}

/* items of a list, shown readably, separated by sep */
static void add_items(struct buf *b, const json_t *a, const char *sep)
{
    size_t i;
    const json_t *x;

    json_array_foreach(a, i, x) {
        if (i)
            buf_adds(b, sep);
        readable_add(b, x);
    }
}

/* s with each ${name} that vars holds replaced by its value shown readably;
 * ${!literal} and names vars does not hold are kept as written. */
static void add_sub(struct buf *b, const char *s, const json_t *vars)
{
    while (*s) {
        const char *open = strstr(s, "${"), *close;
        char name[256];
        const json_t *val;
        size_t n;

        if (!open) {
            buf_adds(b, s);
            return;
        }
        buf_add(b, s, (size_t)(open - s));
        close = strchr(open, '}');
        if (!close) {
            buf_adds(b, open);
            return;
        }
        n = (size_t)(close - open - 2);
        val = NULL;
        if (n < sizeof name && open[2] != '!') {
            memcpy(name, open + 2, n);
            name[n] = '\0';
            val = json_object_get(vars, name);
        }
        if (val)
            readable_add(b, val);
        else
            buf_add(b, open, (size_t)(close - open + 1));
        s = close + 1;
    }
}

static void add_json(struct buf *b, const json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

    if (!s) {
        b->failed = 1;
        return;
    }
    buf_adds(b, s);
    free(s);
}

/* ${Fn::X args}: a list's items separated by ", " */
static void add_other(struct buf *b, const char *fn, const json_t *arg)
{
    buf_printf(b, "${%s ", fn);
    if (json_is_array(arg))
        add_items(b, arg, ", ");
    else
        readable_add(b, arg);
    buf_addc(b, '}');
}

static void add_intrinsic(struct buf *b, const char *fn, const json_t *arg)
{
    if (!strcmp(fn, "Ref") && json_is_string(arg)) {
        buf_printf(b, "${%s}", json_string_value(arg));
    } else if (!strcmp(fn, "Fn::GetAtt") && json_is_array(arg) && json_array_size(arg) == 2 &&
               json_is_string(json_array_get(arg, 0))) {
        buf_printf(b, "${%s.", json_string_value(json_array_get(arg, 0)));
        if (json_is_string(json_array_get(arg, 1)))
            buf_adds(b, json_string_value(json_array_get(arg, 1)));
        else
            readable_add(b, json_array_get(arg, 1));
        buf_addc(b, '}');
    } else if (!strcmp(fn, "Fn::GetAtt") && json_is_string(arg)) {
        buf_printf(b, "${%s}", json_string_value(arg));
    } else if (!strcmp(fn, "Fn::Sub") && json_is_string(arg)) {
        buf_adds(b, json_string_value(arg));
    } else if (!strcmp(fn, "Fn::Sub") && json_is_array(arg) && json_array_size(arg) == 2 &&
               json_is_string(json_array_get(arg, 0)) && json_is_object(json_array_get(arg, 1))) {
        add_sub(b, json_string_value(json_array_get(arg, 0)), json_array_get(arg, 1));
    } else if (!strcmp(fn, "Fn::Join") && json_is_array(arg) && json_array_size(arg) == 2 &&
               json_is_string(json_array_get(arg, 0)) && json_is_array(json_array_get(arg, 1))) {
        add_items(b, json_array_get(arg, 1), json_string_value(json_array_get(arg, 0)));
    } else if (!strcmp(fn, "Fn::If") && json_is_array(arg) && json_array_size(arg) == 3) {
        buf_adds(b, "${If ");
        readable_add(b, json_array_get(arg, 0));
        buf_adds(b, ": ");
        readable_add(b, json_array_get(arg, 1));
        buf_adds(b, " | ");
        readable_add(b, json_array_get(arg, 2));
        buf_addc(b, '}');
    } else if (!strcmp(fn, "Fn::ImportValue")) {
        buf_adds(b, "${Import ");
        readable_add(b, arg);
        buf_addc(b, '}');
    } else {
        add_other(b, fn, arg);
    }
}

void readable_add(struct buf *b, const json_t *v)
{
    const json_t *arg = NULL;
    const char *fn = intrinsic(v, &arg);

    if (fn) {
        add_intrinsic(b, fn, arg);
    } else if (json_is_string(v)) {
        buf_add(b, json_string_value(v), json_string_length(v));
    } else if (json_is_array(v)) {
        buf_addc(b, '[');
        add_items(b, v, ", ");
        buf_addc(b, ']');
    } else if (v) {
        add_json(b, v);
    } else {
        buf_adds(b, "null");
    }
}

char *readable(const json_t *v)
{
    struct buf b;
    char *s;

    buf_init(&b);
    readable_add(&b, v);
    buf_cstr(&b);
    if (buf_failed(&b)) {
        buf_free(&b);
        return NULL;
    }
    s = buf_detach(&b, NULL);
    return s ? s : strdup("");
}
