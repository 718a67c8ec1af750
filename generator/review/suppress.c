/* suppress.c: suppressions in resource Metadata (suppress.h). */
#include "review/suppress.h"
#include "core/buf.h"
#include "core/err.h"
#include "template/path.h"

#include <string.h>

/* Resources.ID.Metadata.luaform.suppress, and its path in b */
static const json_t *suppressions(const json_t *tpl, const char *id, struct buf *b)
{
    const json_t *r = json_object_get(json_object_get(tpl, "Resources"), id);

    buf_reset(b);
    path_key(b, "Resources");
    path_key(b, id);
    path_key(b, "Metadata");
    path_key(b, "luaform");
    path_key(b, "suppress");
    return json_object_get(json_object_get(json_object_get(r, "Metadata"), "luaform"),
                           "suppress");
}

/* Does s hold something besides white space? */
static int has_text(const char *s)
{
    for (; *s; s++)
        if (!strchr(" \t\r\n\f\v", *s))
            return 1;
    return 0;
}

/* Does s hold a control character (a reason is one line of text)? */
static int has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

static int bad(struct gen_err *e, const char *file, const json_t *lines, struct buf *b,
               const char *what)
{
    return err_set(e, GEN_EINPUT, file, path_line(lines, buf_cstr(b)),
                   "suppression '%s' %s", buf_cstr(b), what);
}

/* Check every suppression of the template: a list of objects, each with
 * a rule and a non-empty reason, action and resource strings if given. */
static int check_all(const json_t *tpl, const char *file, const json_t *lines,
                     struct gen_err *e)
{
    struct buf b;
    const char *id;
    const json_t *r, *list, *s;
    size_t i, n;
    int rc = 0;

    buf_init(&b);
    json_object_foreach(json_object_get(tpl, "Resources"), id, r) {
        list = suppressions(tpl, id, &b);
        if (!list)
            continue;
        n = b.len;
        if (!json_is_array(list)) {
            rc = bad(e, file, lines, &b, "must be a list");
            break;
        }
        json_array_foreach(list, i, s) {
            const json_t *reason = json_object_get(s, "reason");

            path_index(&b, i);
            if (!json_is_string(json_object_get(s, "rule")))
                rc = bad(e, file, lines, &b, "has no rule");
            else if (!json_is_string(reason) || !has_text(json_string_value(reason)))
                rc = bad(e, file, lines, &b, "has no reason (say why it is accepted)");
            else if (has_control(json_string_value(reason)))
                rc = bad(e, file, lines, &b, "has a reason with control characters "
                         "(one line of text)");
            else if ((json_object_get(s, "action") && !json_is_string(json_object_get(s, "action"))) ||
                     (json_object_get(s, "resource") &&
                      !json_is_string(json_object_get(s, "resource"))))
                rc = bad(e, file, lines, &b, "must give action and resource as strings");
            if (rc < 0)
                goto out;
            path_cut(&b, n);
        }
    }
out:
    buf_free(&b);
    return rc;
}

/* Does suppression s match finding f? */
static int matches(const json_t *s, const json_t *f)
{
    static const char *const keys[] = { "action", "resource" };
    size_t i;

    if (strcmp(json_string_value(json_object_get(s, "rule")),
               json_string_value(json_object_get(f, "rule"))))
        return 0;
    for (i = 0; i < 2; i++) {
        const char *want = json_string_value(json_object_get(s, keys[i])),
                   *got = json_string_value(json_object_get(f, keys[i]));

        if (want && (!got || strcmp(want, got)))
            return 0;
    }
    return 1;
}

int suppress_apply(const json_t *tpl, const char *file, const json_t *lines,
                   json_t *findings, json_t *suppressed, struct gen_err *e)
{
    struct buf b;
    size_t i, j;
    int rc = check_all(tpl, file, lines, e);

    if (rc < 0)
        return rc;
    buf_init(&b);
    for (i = 0; i < json_array_size(findings);) {
        json_t *f = json_array_get(findings, i);
        const json_t *list = suppressions(tpl, json_string_value(json_object_get(f, "id")), &b),
                     *s, *hit = NULL;

        json_array_foreach(list, j, s)
            if (!hit && matches(s, f))
                hit = s;
        if (!hit) {
            i++;
            continue;
        }
        json_object_set(f, "reason", json_object_get(hit, "reason"));
        json_array_append(suppressed, f);
        json_array_remove(findings, i);
    }
    buf_free(&b);
    return 0;
}
