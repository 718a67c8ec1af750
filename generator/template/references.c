/* references.c: every name a template uses names something it defines
 * (what is checked is listed in references.h). */
#include "template/references.h"
#include "core/buf.h"
#include "core/err.h"
#include "template/path.h"
#include "template/template.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const pseudo_parameters[] = { "AWS::AccountId", "AWS::NotificationARNs",
    "AWS::NoValue", "AWS::Partition", "AWS::Region", "AWS::StackId", "AWS::StackName",
    "AWS::URLSuffix", NULL };

struct scope {
    const json_t *params, *resources, *conditions, *mappings, *lines;
    const char *file;
    struct gen_err *e;
    struct buf path;        /* of the value being looked at */
    int in_conditions;
};

static int bad(struct scope *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* An error at the line of the value at s->path. */
static int bad(struct scope *s, const char *fmt, ...)
{
    char msg[600];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return err_set(s->e, GEN_EINPUT, s->file, path_line(s->lines, buf_cstr(&s->path)),
                   "%s", msg);
}

/* Check name where the value at key (then index, if not -1) sits. */
static int at(struct scope *s, const char *key, long index, int ok, const char *fmt,
              const char *name, const char *where)
{
    size_t len = s->path.len;
    int rc;

    if (ok)
        return 0;
    path_key(&s->path, key);
    if (index >= 0)
        path_index(&s->path, (size_t)index);
    rc = bad(s, fmt, name, where);
    path_cut(&s->path, len);
    return rc;
}

static int is_pseudo(const char *name)
{
    int i;

    for (i = 0; pseudo_parameters[i]; i++)
        if (!strcmp(pseudo_parameters[i], name))
            return 1;
    return 0;
}

static int refable(const struct scope *s, const char *name)
{
    return json_object_get(s->params, name) || json_object_get(s->resources, name) ||
           is_pseudo(name);
}

/* ${Name} and ${Resource.Attr} in a Fn::Sub string; vars is its map. */
static int check_sub(struct scope *s, const char *str, const json_t *vars, long index)
{
    const char *p = str, *end;
    char name[300], shown[310];

    while ((p = strstr(p, "${"))) {
        if (p[2] == '!') {          /* ${!Literal} */
            p += 3;
            continue;
        }
        if (!(end = strchr(p + 2, '}')))
            break;
        snprintf(name, sizeof name, "%.*s", (int)(end - p - 2), p + 2);
        snprintf(shown, sizeof shown, "${%s}", name);
        p = end + 1;
        if (json_object_get(vars, name))
            continue;
        if (strchr(name, '.')) {
            *strchr(name, '.') = '\0';
            if (!json_object_get(s->resources, name))
                return at(s, "Fn::Sub", index, 0, "'%s' in %s names no resource", shown,
                          "Fn::Sub");
        } else if (!refable(s, name)) {
            return at(s, "Fn::Sub", index, 0, "'%s' in %s names no parameter, resource, "
                      "pseudo parameter or variable", shown, "Fn::Sub");
        }
    }
    return 0;
}

/* A one-key object that may be an intrinsic function naming something. */
static int check_function(struct scope *s, const char *k, const json_t *x)
{
    const char *first = json_string_value(json_array_get(x, 0));

    if (!strcmp(k, "Ref") && json_is_string(x))
        return at(s, k, -1, refable(s, json_string_value(x)), "'%s' in %s names no "
                  "parameter, resource or pseudo parameter", json_string_value(x), k);
    if (!strcmp(k, "Fn::GetAtt") && json_is_string(x)) {
        char res[300];

        snprintf(res, sizeof res, "%.*s", (int)strcspn(json_string_value(x), "."),
                 json_string_value(x));
        return at(s, k, -1, json_object_get(s->resources, res) != NULL,
                  "'%s' in %s names no resource", res, k);
    }
    if (!strcmp(k, "Fn::GetAtt") && first)
        return at(s, k, 0, json_object_get(s->resources, first) != NULL,
                  "'%s' in %s names no resource", first, k);
    if (!strcmp(k, "Fn::Sub") && json_is_string(x))
        return check_sub(s, json_string_value(x), NULL, -1);
    if (!strcmp(k, "Fn::Sub") && first)
        return check_sub(s, first, json_array_get(x, 1), 0);
    if (!strcmp(k, "Fn::If") && first)
        return at(s, k, 0, json_object_get(s->conditions, first) != NULL,
                  "'%s' in %s names no condition", first, k);
    if (!strcmp(k, "Fn::FindInMap") && first)
        return at(s, k, 0, json_object_get(s->mappings, first) != NULL,
                  "'%s' in %s names no mapping", first, k);
    if (!strcmp(k, "Condition") && s->in_conditions && json_is_string(x))
        return at(s, k, -1, json_object_get(s->conditions, json_string_value(x)) != NULL,
                  "'%s' in %s names no condition", json_string_value(x), k);
    return 0;
}

static int walk(struct scope *s, const json_t *v)
{
    size_t len = s->path.len, i;
    const char *k;
    json_t *x;
    int rc = 0;

    if (json_is_object(v) && json_object_size(v) == 1) {
        k = json_object_iter_key(json_object_iter((json_t *)v));
        if ((rc = check_function(s, k, json_object_iter_value(json_object_iter((json_t *)v)))))
            return rc;
    }
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, k, x) {
            path_key(&s->path, k);
            rc = walk(s, x);
            path_cut(&s->path, len);
            if (rc)
                return rc;
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x) {
            path_index(&s->path, i);
            rc = walk(s, x);
            path_cut(&s->path, len);
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* A resource's DependsOn and Condition, an output's Condition. */
static int check_attributes(struct scope *s, const json_t *def)
{
    const json_t *dep = json_object_get(def, "DependsOn"), *x;
    const char *cond = json_string_value(json_object_get(def, "Condition"));
    size_t i;
    int rc;

    if (cond && (rc = at(s, "Condition", -1, json_object_get(s->conditions, cond) != NULL,
                         "'%s' in %s names no condition", cond, "Condition")))
        return rc;
    if (json_is_string(dep))
        return at(s, "DependsOn", -1, json_object_get(s->resources, json_string_value(dep)) != NULL,
                  "'%s' in %s names no resource", json_string_value(dep), "DependsOn");
    json_array_foreach(dep, i, x)
        if (json_is_string(x) &&
            (rc = at(s, "DependsOn", (long)i, json_object_get(s->resources, json_string_value(x)) != NULL,
                     "'%s' in %s names no resource", json_string_value(x), "DependsOn")))
            return rc;
    return 0;
}

int references_check(const struct template_doc *doc, const char *file, struct gen_err *e)
{
    static const char *const sections[] = { "Conditions", "Resources", "Outputs", "Rules", NULL };
    const json_t *t = doc->data;
    struct scope s;
    int i, rc = 0;

    if (json_object_get(t, "Transform") || template_has_key(t, "Fn::Transform"))
        return 0;
    memset(&s, 0, sizeof s);
    s.params = json_object_get(t, "Parameters");
    s.resources = json_object_get(t, "Resources");
    s.conditions = json_object_get(t, "Conditions");
    s.mappings = json_object_get(t, "Mappings");
    s.lines = doc->lines;
    s.file = file;
    s.e = e;
    buf_init(&s.path);
    for (i = 0; sections[i] && rc == 0; i++) {
        const json_t *sec = json_object_get(t, sections[i]), *def;
        const char *name;

        if (!json_is_object(sec))
            continue;
        s.in_conditions = i == 0;
        json_object_foreach((json_t *)sec, name, def) {
            path_cut(&s.path, 0);
            path_key(&s.path, sections[i]);
            path_key(&s.path, name);
            if (i == 1 || i == 2)
                rc = check_attributes(&s, def);
            if (rc == 0)
                rc = walk(&s, def);
            if (rc)
                break;
        }
    }
    buf_free(&s.path);
    return rc;
}
