/* diff.c: a data diff of two templates by JSON path. */
#include "template/diff.h"
#include "core/buf.h"
#include "template/path.h"

#include <stdlib.h>
#include <string.h>

static int entry(json_t *out, struct buf *path, const char *kind, json_t *old,
                 json_t *new_)
{
    json_t *e = json_pack("{s:s, s:s}", "path", buf_cstr(path), "kind", kind);

    if (!e || (old && json_object_set(e, "old", old) < 0) ||
        (new_ && json_object_set(e, "new", new_) < 0)) {
        json_decref(e);
        return -1;
    }
    return json_array_append_new(out, e);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of a and b, each once, in byte order. */
static const char **union_keys(json_t *a, json_t *b, size_t *n)
{
    const char **keys = malloc((json_object_size(a) + json_object_size(b) + 1) * sizeof *keys);
    const char *k;
    json_t *x;
    size_t i = 0;

    if (!keys)
        return NULL;
    json_object_foreach(a, k, x)
        keys[i++] = k;
    json_object_foreach(b, k, x)
        if (!json_object_get(a, k))
            keys[i++] = k;
    qsort(keys, i, sizeof *keys, cmp_str);
    *n = i;
    return keys;
}

static int walk(json_t *out, struct buf *path, json_t *a, json_t *b)
{
    size_t len = path->len, i, n;
    int rc = 0;

    if (json_is_object(a) && json_is_object(b)) {
        const char **keys = union_keys(a, b, &n);

        if (!keys)
            return -1;
        for (i = 0; i < n && rc == 0; i++) {
            json_t *x = json_object_get(a, keys[i]), *y = json_object_get(b, keys[i]);

            path_key(path, keys[i]);
            rc = !y ? entry(out, path, "removed", x, NULL) :
                 !x ? entry(out, path, "added", NULL, y) : walk(out, path, x, y);
            path_cut(path, len);
        }
        free(keys);
        return rc;
    }
    if (json_is_array(a) && json_is_array(b)) {
        n = json_array_size(a) > json_array_size(b) ? json_array_size(a) : json_array_size(b);
        for (i = 0; i < n && rc == 0; i++) {
            json_t *x = json_array_get(a, i), *y = json_array_get(b, i);

            path_index(path, i);
            rc = !y ? entry(out, path, "removed", x, NULL) :
                 !x ? entry(out, path, "added", NULL, y) : walk(out, path, x, y);
            path_cut(path, len);
        }
        return rc;
    }
    if (json_equal(a, b))
        return 0;
    return entry(out, path, "changed", a, b);
}

json_t *diff_templates(const json_t *old, const json_t *new_)
{
    json_t *out = json_array();
    struct buf path;
    int rc;

    if (!out)
        return NULL;
    buf_init(&path);
    rc = walk(out, &path, (json_t *)old, (json_t *)new_);
    if (rc < 0 || buf_failed(&path)) {
        json_decref(out);
        out = NULL;
    }
    buf_free(&path);
    return out;
}
