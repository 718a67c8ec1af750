/* path.c: JSON paths (the syntax is described in path.h). */
#include "template/path.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int bare(const char *k)
{
    const char *p;

    if (!*k)
        return 0;
    for (p = k; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == ':'))
            return 0;
    return 1;
}

void path_key(struct buf *b, const char *key)
{
    if (bare(key)) {
        if (b->len)
            buf_addc(b, '.');
        buf_adds(b, key);
    } else {
        json_t *s = json_string(key);
        char *q = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL;

        buf_addc(b, '[');
        buf_adds(b, q ? q : "\"\"");
        buf_addc(b, ']');
        free(q);
        json_decref(s);
    }
}

void path_index(struct buf *b, size_t i)
{
    buf_printf(b, "[%zu]", i);
}

void path_cut(struct buf *b, size_t n)
{
    if (n < b->len) {
        b->len = n;
        b->data[n] = '\0';
    }
}

/* The end of the step that starts at p[i] (after a '.' separator, if
 * any), or 0 when the text there is not a step. */
static size_t step_end(const char *p, size_t i)
{
    size_t j;

    if (p[i] == '.' && i > 0)
        i++;
    if (p[i] == '[' && p[i + 1] == '"') {
        for (j = i + 2; p[j] && p[j] != '"'; j++)
            if (p[j] == '\\' && p[j + 1])
                j++;
        return p[j] == '"' && p[j + 1] == ']' ? j + 2 : 0;
    }
    if (p[i] == '[') {
        for (j = i + 1; p[j] >= '0' && p[j] <= '9'; j++)
            ;
        return j > i + 1 && p[j] == ']' ? j + 1 : 0;
    }
    for (j = i; p[j] && p[j] != '.' && p[j] != '['; j++)
        ;
    return j > i ? j : 0;
}

int path_parse(const char *path, json_t **out)
{
    json_t *steps = json_array();
    size_t i = 0, end;

    if (!steps)
        return -1;
    while (path[i]) {
        size_t s = path[i] == '.' && i > 0 ? i + 1 : i;
        json_t *v;

        if ((i == 0 && path[0] == '.') || !(end = step_end(path, i)))
            goto bad;
        if (path[s] == '[' && path[s + 1] == '"') {
            v = json_loadb(path + s + 1, end - s - 2, JSON_DECODE_ANY, NULL);
            if (!json_is_string(v)) {
                json_decref(v);
                goto bad;
            }
        } else if (path[s] == '[') {
            v = json_integer(strtoll(path + s + 1, NULL, 10));
        } else {
            v = json_stringn(path + s, end - s);
        }
        if (json_array_append_new(steps, v) < 0)
            goto bad;
        i = end;
    }
    *out = steps;
    return 0;
bad:
    json_decref(steps);
    return -1;
}

int path_line(const json_t *lines, const char *path)
{
    size_t ends[64], n = 0, i = 0, k;
    char *prefix;
    int line = 0;

    line = (int)json_integer_value(json_object_get(lines, path));
    if (line || !(prefix = strdup(path)))
        return line;
    /* the ancestors, nearest first (the first 64 steps are enough) */
    while (path[i] && n < sizeof ends / sizeof ends[0]) {
        size_t end = step_end(path, i);

        if (!end)
            break;
        ends[n++] = i = end;
    }
    for (k = n; k-- > 0 && !line;) {
        prefix[ends[k]] = '\0';
        line = (int)json_integer_value(json_object_get(lines, prefix));
    }
    if (!line)
        line = (int)json_integer_value(json_object_get(lines, ""));
    free(prefix);
    return line;
}
