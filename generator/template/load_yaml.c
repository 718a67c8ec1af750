/* load_yaml.c: YAML templates through libyaml's event parser.
 *
 * Each event adds to the value on top of a stack of open mappings and
 * sequences; a short-form tag (!Ref, !GetAtt, ...) wraps its node in the
 * one-key object of the long form; the path of the value being read is
 * kept beside the stack, so every value's line is recorded under it. */
#include "template/load.h"
#include "core/buf.h"
#include "core/err.h"
#include "template/path.h"
#include "template/yaml_scalar.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define TAG_STD "tag:yaml.org,2002:"

/* The short forms CloudFormation defines; !Name stands for Fn::Name,
 * except !Ref and !Condition. */
static const char *const short_forms[] = { "Ref", "Condition", "Base64", "Cidr",
    "FindInMap", "GetAtt", "GetAZs", "ImportValue", "Join", "Select", "Split", "Sub",
    "Transform", "And", "Equals", "If", "Not", "Or", NULL };

struct frame {
    json_t *v;              /* the object or array being filled */
    char fn[20];            /* the long form its tag stands for, or "" */
    char *anchor;           /* its anchor, or NULL */
    json_t *merges;         /* what '<<' merges in, in the order it applies */
    char *key;              /* mappings: the key whose value comes next */
    int merge_next;         /* ... that key is '<<' */
    int key_line;
    size_t index;           /* sequences: the next index */
    size_t outer_len;       /* the path's length outside this node */
    size_t values_before;   /* ld->values when it started */
};

struct anchor {
    char *name;
    json_t *v;
    size_t values;          /* how many values a copy adds */
};

struct loader {
    const char *name;
    struct gen_err *e;
    struct frame st[LOAD_MAX_DEPTH];
    size_t depth;
    struct anchor *anchors;
    size_t nanchors, capanchors;
    struct buf path;        /* of the value being read */
    json_t *lines, *root;
    size_t values;
    int docs;
    int last_line;          /* the text's (load_clamp_line) */
    int failed;             /* the code of the error reported, or 0 */
};

static int fail(struct loader *ld, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct loader *ld, int line, const char *fmt, ...)
{
    char msg[600];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ld->failed = err_set(ld->e, GEN_EINPUT, ld->name, line, "%s", msg);
}

static int oom(struct loader *ld)
{
    return ld->failed = err_set(ld->e, GEN_ENOMEM, ld->name, 0, "out of memory");
}

static struct frame *top(struct loader *ld)
{
    return ld->depth ? &ld->st[ld->depth - 1] : NULL;
}

/* Is the next node of the innermost mapping a key? */
static int key_next(struct loader *ld)
{
    struct frame *f = top(ld);

    return f && json_is_object(f->v) && !f->key && !f->merge_next;
}

static int count(struct loader *ld, size_t n, int line)
{
    ld->values += n;
    if (ld->values <= LOAD_MAX_VALUES)
        return 0;
    return fail(ld, line, "more than %zu values (aliases expanded)", (size_t)LOAD_MAX_VALUES);
}

static int record(struct loader *ld, int line)
{
    if (json_object_set_new(ld->lines, buf_cstr(&ld->path), json_integer(line)) < 0)
        return oom(ld);
    return 0;
}

/* The path and line of a value about to be read, in the innermost
 * container; returns the path's length outside it. */
static size_t enter(struct loader *ld, int line, int *rc)
{
    struct frame *f = top(ld);
    size_t outer = ld->path.len;

    if (f && json_is_object(f->v)) {
        path_key(&ld->path, f->merge_next ? "<<" : f->key);
        line = f->key_line;
    } else if (f) {
        path_index(&ld->path, f->index);
    }
    *rc = record(ld, line);
    return outer;
}

/* Put v (stolen) where the innermost container expects its next value. */
static int put(struct loader *ld, json_t *v, int line)
{
    struct frame *f = top(ld);
    size_t i;
    json_t *x;

    if (!v)
        return oom(ld);
    if (!f) {
        ld->root = v;
        return 0;
    }
    if (json_is_array(f->v)) {
        f->index++;
        return json_array_append_new(f->v, v) < 0 ? oom(ld) : 0;
    }
    if (!f->merge_next) {
        int rc = json_object_set_new(f->v, f->key, v) < 0 ? oom(ld) : 0;

        free(f->key);
        f->key = NULL;
        return rc;
    }
    /* '<<': a mapping, or a list of mappings of which the first wins */
    f->merge_next = 0;
    if (!f->merges && !(f->merges = json_array())) {
        json_decref(v);
        return oom(ld);
    }
    if (json_is_object(v))
        return json_array_append_new(f->merges, v) < 0 ? oom(ld) : 0;
    json_array_foreach(v, i, x)
        if (!json_is_object(x))
            break;
    if (!json_is_array(v) || i < json_array_size(v)) {
        json_decref(v);
        return fail(ld, line, "a merge key '<<' takes a mapping or a list of mappings");
    }
    for (i = json_array_size(v); i-- > 0;)
        json_array_append(f->merges, json_array_get(v, i));
    json_decref(v);
    return 0;
}

static int remember(struct loader *ld, const char *anchor, json_t *v, size_t values)
{
    struct anchor *a;

    if (!anchor)
        return 0;
    if (ld->nanchors == ld->capanchors) {
        size_t cap = ld->capanchors ? ld->capanchors * 2 : 16;
        struct anchor *n = realloc(ld->anchors, cap * sizeof *n);

        if (!n)
            return oom(ld);
        ld->anchors = n;
        ld->capanchors = cap;
    }
    a = &ld->anchors[ld->nanchors];
    if (!(a->name = strdup(anchor)))
        return oom(ld);
    a->v = json_incref(v);
    a->values = values;
    ld->nanchors++;
    return 0;
}

/* The long form a tag stands for ("Fn::Sub"), "" for a standard tag of
 * the kind want ("map", "seq", "str"...) or none; NULL for any other. */
static const char *long_form(const char *tag, char *fn, size_t n)
{
    int i;

    fn[0] = '\0';
    if (!tag || !strcmp(tag, "!"))
        return fn;
    if (tag[0] == '!')
        for (i = 0; short_forms[i]; i++)
            if (!strcmp(tag + 1, short_forms[i])) {
                snprintf(fn, n, "%s%s", i < 2 ? "" : "Fn::", short_forms[i]);
                return fn;
            }
    return NULL;
}

/* A tag as the file wrote it: !!int for the standard ones. */
static const char *shown_tag(const char *tag, char *out, size_t n)
{
    if (!strncmp(tag, TAG_STD, strlen(TAG_STD)))
        snprintf(out, n, "!!%s", tag + strlen(TAG_STD));
    else
        snprintf(out, n, "%s", tag);
    return out;
}

static int bad_tag(struct loader *ld, const char *tag, int line, const char *on)
{
    char shown[200];
    static const char *const unsupported[] = { "timestamp", "binary", "omap", "pairs",
                                               "set", NULL };
    int i;

    shown_tag(tag, shown, sizeof shown);
    for (i = 0; unsupported[i]; i++)
        if (!strcmp(shown + 2, unsupported[i]) && !strncmp(shown, "!!", 2))
            return fail(ld, line, "tag '%s' is not supported by CloudFormation", shown);
    return fail(ld, line, "unknown tag '%s'%s", shown, on);
}

/* The long form of a tagged value, around v (stolen): !GetAtt A.B is
 * split at its first dot, as CloudFormation and cfn-lint do. */
static json_t *wrap(const char *fn, json_t *v)
{
    json_t *o;

    if (!v || !fn[0])
        return v;
    if (!strcmp(fn, "Fn::GetAtt") && json_is_string(v)) {
        const char *s = json_string_value(v), *dot = strchr(s, '.');
        json_t *a = dot ? json_pack("[s%s]", s, (size_t)(dot - s), dot + 1) :
                          json_pack("[s]", s);

        json_decref(v);
        v = a;
        if (!v)
            return NULL;
    }
    o = json_object();
    if (!o || json_object_set_new(o, fn, v) < 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The value of a scalar that is not a key. */
static json_t *scalar_value(struct loader *ld, const yaml_event_t *ev, char *fn, int line)
{
    const char *tag = (const char *)ev->data.scalar.tag;
    const char *s = (const char *)ev->data.scalar.value, *why = NULL;
    size_t n = ev->data.scalar.length;
    enum yaml_scalar_kind k = YAML_SCALAR_STRING;
    json_t *v;

    if (!tag && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
        k = yaml_scalar_kind(s, n);
        if (k == YAML_SCALAR_MERGE)
            k = YAML_SCALAR_STRING;     /* '<<' only merges as a key */
    } else if (tag && !strncmp(tag, TAG_STD, strlen(TAG_STD))) {
        const char *t = tag + strlen(TAG_STD);

        k = !strcmp(t, "str") ? YAML_SCALAR_STRING : !strcmp(t, "int") ? YAML_SCALAR_INT :
            !strcmp(t, "float") ? YAML_SCALAR_FLOAT : !strcmp(t, "bool") ? YAML_SCALAR_BOOL :
            !strcmp(t, "null") ? YAML_SCALAR_NULL : YAML_SCALAR_MERGE;
        if (k == YAML_SCALAR_MERGE) {
            bad_tag(ld, tag, line, "");
            return NULL;
        }
    } else if (!long_form(tag, fn, 20)) {
        bad_tag(ld, tag, line, "");
        return NULL;
    }
    v = yaml_scalar_value(s, n, k, &why);
    if (!v) {
        char text[80];

        snprintf(text, sizeof text, "%.*s%s", n > 60 ? 60 : (int)n, s, n > 60 ? "..." : "");
        fail(ld, line, "'%s' %s", text, why ? why : "cannot be read");
    }
    return v;
}

/* A scalar in key position: the key's text, as written. */
static int scalar_key(struct loader *ld, const yaml_event_t *ev, int line)
{
    const char *tag = (const char *)ev->data.scalar.tag;
    const char *s = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    struct frame *f = top(ld);
    int plain = !tag && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE, first;
    size_t len = ld->path.len;

    if (tag && strcmp(tag, "!") && strcmp(tag, TAG_STD "str")) {
        char shown[200];

        return fail(ld, line, "a mapping key must be a string, not tagged '%s'",
                    shown_tag(tag, shown, sizeof shown));
    }
    if (plain && yaml_scalar_kind(s, n) == YAML_SCALAR_NULL)
        return fail(ld, line, "a mapping key must be a string, not null ('%s')", s);
    if (memchr(s, '\0', n))
        return fail(ld, line, "a mapping key holds a NUL character");
    if (plain && yaml_scalar_kind(s, n) == YAML_SCALAR_MERGE) {
        f->merge_next = 1;
        f->key_line = line;
        return 0;
    }
    if (json_object_get(f->v, s)) {
        path_key(&ld->path, s);
        first = (int)json_integer_value(json_object_get(ld->lines, buf_cstr(&ld->path)));
        path_cut(&ld->path, len);
        return fail(ld, line, "duplicate key '%s' (first at line %d)", s, first);
    }
    if (!(f->key = strdup(s)))
        return oom(ld);
    f->key_line = line;
    return 0;
}

static int on_scalar(struct loader *ld, const yaml_event_t *ev, int line)
{
    char fn[20] = "";
    size_t outer;
    json_t *v;
    int rc;

    if (key_next(ld))
        return scalar_key(ld, ev, line);
    outer = enter(ld, line, &rc);
    if (rc < 0 || (rc = count(ld, 1, line)) < 0)
        return rc;
    v = scalar_value(ld, ev, fn, line);
    if (!v)
        return ld->failed ? ld->failed : oom(ld);
    if (fn[0]) {
        path_key(&ld->path, fn);
        if ((rc = record(ld, line)) < 0) {
            json_decref(v);
            return rc;
        }
        v = wrap(fn, v);
    }
    path_cut(&ld->path, outer);
    if (v && (rc = remember(ld, (const char *)ev->data.scalar.anchor, v, 1)) < 0) {
        json_decref(v);
        return rc;
    }
    return put(ld, v, line);
}

static int on_alias(struct loader *ld, const yaml_event_t *ev, int line)
{
    const char *name = (const char *)ev->data.alias.anchor;
    struct anchor *a = NULL;
    size_t i, outer;
    int rc;

    for (i = ld->nanchors; i-- > 0 && !a;)
        if (!strcmp(ld->anchors[i].name, name))
            a = &ld->anchors[i];
    if (!a)
        return fail(ld, line, "alias '*%s' names no anchor defined before it", name);
    if (key_next(ld)) {
        yaml_event_t kev;

        if (!json_is_string(a->v))
            return fail(ld, line, "a mapping key must be a string; alias '*%s' is not one",
                        name);
        memset(&kev, 0, sizeof kev);
        kev.data.scalar.value = (yaml_char_t *)json_string_value(a->v);
        kev.data.scalar.length = json_string_length(a->v);
        kev.data.scalar.style = YAML_SINGLE_QUOTED_SCALAR_STYLE;
        return scalar_key(ld, &kev, line);
    }
    if ((rc = count(ld, a->values, line)) < 0)
        return rc;
    outer = enter(ld, line, &rc);
    if (rc < 0)
        return rc;
    path_cut(&ld->path, outer);
    return put(ld, json_deep_copy(a->v), line);
}

static int on_start(struct loader *ld, const yaml_event_t *ev, int line, int map)
{
    const char *tag = map ? (const char *)ev->data.mapping_start.tag :
                            (const char *)ev->data.sequence_start.tag;
    const char *anchor = map ? (const char *)ev->data.mapping_start.anchor :
                               (const char *)ev->data.sequence_start.anchor;
    struct frame *f;
    char fn[20];
    size_t outer;
    int rc;

    if (key_next(ld))
        return fail(ld, line, "a mapping key must be a string, not a %s",
                    map ? "mapping" : "list");
    if (ld->depth == LOAD_MAX_DEPTH)
        return fail(ld, line, "values nested deeper than %d levels", LOAD_MAX_DEPTH);
    if (tag && !strcmp(tag, map ? TAG_STD "map" : TAG_STD "seq"))
        tag = NULL;
    if (!long_form(tag, fn, sizeof fn))
        return bad_tag(ld, tag, line, map ? " on a mapping" : " on a list");
    outer = enter(ld, line, &rc);
    if (rc < 0 || (rc = count(ld, 1, line)) < 0)
        return rc;
    if (fn[0]) {
        path_key(&ld->path, fn);
        if ((rc = record(ld, line)) < 0)
            return rc;
    }
    f = &ld->st[ld->depth++];
    memset(f, 0, sizeof *f);
    snprintf(f->fn, sizeof f->fn, "%s", fn);
    f->v = map ? json_object() : json_array();
    f->anchor = anchor ? strdup(anchor) : NULL;
    f->outer_len = outer;
    f->values_before = ld->values - 1;
    if (!f->v || (anchor && !f->anchor))
        return oom(ld);
    return 0;
}

/* Merged keys first, in order (a later source wins), then the mapping's
 * own, which win over all of them (as PyYAML's flatten_mapping). */
static json_t *merged(struct frame *f)
{
    json_t *out = json_object(), *m;
    size_t i;

    if (!out)
        return NULL;
    json_array_foreach(f->merges, i, m)
        json_object_update(out, m);
    if (json_object_update(out, f->v) < 0) {
        json_decref(out);
        return NULL;
    }
    return out;
}

static int on_end(struct loader *ld, int line)
{
    struct frame f = ld->st[--ld->depth];
    json_t *v = f.v;
    int rc;

    if (f.merges) {
        v = merged(&f);
        json_decref(f.v);
        json_decref(f.merges);
    }
    free(f.key);
    v = wrap(f.fn, v);
    path_cut(&ld->path, f.outer_len);
    rc = v ? remember(ld, f.anchor, v, ld->values - f.values_before) : 0;
    free(f.anchor);
    if (rc < 0) {
        json_decref(v);
        return rc;
    }
    return put(ld, v, line);
}

/* A mark's 1-based line, never past the text's last (libyaml ends a last
 * line without a newline with a line break of its own, and marks what
 * comes at the end of the text, an empty value included, there). */
static int mark_line(const struct loader *ld, size_t line0)
{
    return line0 + 1 > (size_t)ld->last_line ? ld->last_line : (int)line0 + 1;
}

static int on_event(struct loader *ld, const yaml_event_t *ev)
{
    int line = mark_line(ld, ev->start_mark.line);

    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (ld->docs++)
            return fail(ld, line, "a template file holds one YAML document; "
                        "a second one starts here");
        return 0;
    case YAML_SCALAR_EVENT:
        return on_scalar(ld, ev, line);
    case YAML_ALIAS_EVENT:
        return on_alias(ld, ev, line);
    case YAML_MAPPING_START_EVENT:
        return on_start(ld, ev, line, 1);
    case YAML_SEQUENCE_START_EVENT:
        return on_start(ld, ev, line, 0);
    case YAML_MAPPING_END_EVENT:
    case YAML_SEQUENCE_END_EVENT:
        return on_end(ld, line);
    default:
        return 0;
    }
}

/* libyaml's own error, at its line. */
static int parse_error(struct loader *ld, const yaml_parser_t *p, const char *text)
{
    size_t line = (size_t)mark_line(ld, p->problem_mark.line), i;
    char ctx[160] = "";

    if (p->error == YAML_READER_ERROR)
        for (line = 1, i = 0; i < p->problem_offset && text[i]; i++)
            line += text[i] == '\n';
    if (p->context)
        snprintf(ctx, sizeof ctx, " (%s at line %d)", p->context,
                 mark_line(ld, p->context_mark.line));
    return fail(ld, (int)line, "%s%s", p->problem ? p->problem : "cannot read the YAML", ctx);
}

static void loader_free(struct loader *ld)
{
    size_t i;

    while (ld->depth) {
        struct frame *f = &ld->st[--ld->depth];

        json_decref(f->v);
        json_decref(f->merges);
        free(f->key);
        free(f->anchor);
    }
    for (i = 0; i < ld->nanchors; i++) {
        free(ld->anchors[i].name);
        json_decref(ld->anchors[i].v);
    }
    free(ld->anchors);
    buf_free(&ld->path);
}

int load_yaml(const char *name, const char *text, size_t len, struct template_doc *doc,
              struct gen_err *e)
{
    struct loader *ld = calloc(1, sizeof *ld);
    yaml_parser_t p;
    yaml_event_t ev;
    int rc = 0, done = 0;

    if (!ld)
        return err_set(e, GEN_ENOMEM, name, 0, "out of memory");
    ld->name = name;
    ld->e = e;
    ld->last_line = load_clamp_line(text, len, INT_MAX);
    buf_init(&ld->path);
    ld->lines = json_object();
    if (!ld->lines || !yaml_parser_initialize(&p)) {
        json_decref(ld->lines);
        free(ld);
        return err_set(e, GEN_ENOMEM, name, 0, "out of memory");
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    while (!done && rc == 0) {
        if (!yaml_parser_parse(&p, &ev)) {
            rc = parse_error(ld, &p, text);
            break;
        }
        done = ev.type == YAML_STREAM_END_EVENT;
        rc = on_event(ld, &ev);
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
    if (rc == 0 && !ld->root)
        rc = fail(ld, 1, "the template is empty");
    else if (rc == 0 && !json_is_object(ld->root))
        rc = fail(ld, path_line(ld->lines, ""), "a template is a mapping of sections "
                  "(Resources, ...), not a %s", json_is_array(ld->root) ? "list" : "scalar");
    if (rc == 0) {
        doc->data = ld->root;
        doc->lines = ld->lines;
    } else {
        json_decref(ld->root);
        json_decref(ld->lines);
    }
    loader_free(ld);
    free(ld);
    return rc;
}
