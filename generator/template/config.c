/* config.c: YAML configuration through libyaml's document API. */
#include "template/config.h"
#include "core/err.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

void config_init(struct config *c)
{
    memset(c, 0, sizeof *c);
    c->overrides = json_array();
}

void config_free(struct config *c)
{
    free(c->file);
    free(c->system);
    json_decref(c->values);
    json_decref(c->meta);
    json_decref(c->overrides);
    json_decref(c->luaform);
    memset(c, 0, sizeof *c);
}

static int match_all(const char *s, const char *accept)
{
    return *s && strspn(s, accept) == strlen(s);
}

/* A plain scalar's value under YAML 1.2's core schema; NULL with *range
 * set for a number too large for a double (1e999). */
static json_t *plain_value(const char *s, int *range)
{
    char *end;

    if (!strcmp(s, "") || !strcmp(s, "~") || !strcmp(s, "null") ||
        !strcmp(s, "Null") || !strcmp(s, "NULL"))
        return json_null();
    if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))
        return json_true();
    if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
        return json_false();
    if (match_all(s + (*s == '-' || *s == '+'), "0123456789")) {
        long long v;

        errno = 0;
        v = strtoll(s, &end, 10);
        if (!errno && !*end)
            return json_integer(v);
    }
    if (match_all(s, "0123456789+-.eE") && strpbrk(s, "0123456789")) {
        double d = strtod(s, &end);

        if (!*end && isinf(d)) {
            *range = 1;
            return NULL;
        }
        if (!*end)
            return json_real(d);
    }
    return json_string(s);
}

/* Explicit tags: the document API gives an untagged plain scalar the tag
 * !!str too, so the parser's events are read first to tell `!!str 512`
 * from `512`. The start of each explicitly tagged node is kept. */
struct tagged {
    size_t *at;
    size_t n, cap;
};

static int collect_tags(const char *text, size_t len, struct tagged *t)
{
    yaml_parser_t p;
    yaml_event_t ev;
    int done = 0, ok = 1;

    memset(t, 0, sizeof *t);
    if (!yaml_parser_initialize(&p))
        return -1;
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    while (!done && ok) {
        const yaml_char_t *tag = NULL;

        if (!yaml_parser_parse(&p, &ev))
            break;          /* the document load reports it, with its line */
        if (ev.type == YAML_SCALAR_EVENT)
            tag = ev.data.scalar.tag;
        else if (ev.type == YAML_SEQUENCE_START_EVENT)
            tag = ev.data.sequence_start.tag;
        else if (ev.type == YAML_MAPPING_START_EVENT)
            tag = ev.data.mapping_start.tag;
        if (tag && strcmp((const char *)tag, "!")) {
            if (t->n == t->cap) {
                size_t cap = t->cap ? t->cap * 2 : 16;
                size_t *v = realloc(t->at, cap * sizeof *v);

                if (!v)
                    ok = 0;
                else {
                    t->at = v;
                    t->cap = cap;
                }
            }
            if (ok)
                t->at[t->n++] = ev.start_mark.index;
        }
        done = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
    return ok ? 0 : -1;
}

static int is_tagged(const struct tagged *t, const yaml_node_t *n)
{
    size_t i;

    for (i = 0; i < t->n; i++)
        if (t->at[i] == n->start_mark.index)
            return 1;
    return 0;
}

/* "!!int" for the YAML core schema's tags, else the tag as written. */
static const char *short_tag(const char *tag, char *buf, size_t n)
{
    if (!strncmp(tag, "tag:yaml.org,2002:", 18)) {
        snprintf(buf, n, "!!%s", tag + 18);
        return buf;
    }
    return tag;
}

struct walk {
    yaml_document_t *doc;
    const struct tagged *tags;
    const char *file;
    json_t *meta;
    struct gen_err *e;
    int nodes;          /* walked so far: aliases can multiply them */
};

#define CFG_MAX_NODES 10000

/* A scalar with an explicit tag of the core schema (!!str, !!int,
 * !!float, !!bool, !!null); any other tag is refused. */
static json_t *tagged_scalar(struct walk *w, const char *tag, const char *s, size_t n,
                             int line)
{
    char shown[128];
    json_t *v;
    int range = 0, ok;

    if (!strcmp(tag, YAML_STR_TAG))
        return json_stringn(s, n);
    if (strcmp(tag, YAML_NULL_TAG) && strcmp(tag, YAML_BOOL_TAG) &&
        strcmp(tag, YAML_INT_TAG) && strcmp(tag, YAML_FLOAT_TAG)) {
        err_set(w->e, GEN_EINPUT, w->file, line, "unsupported YAML tag '%s'",
                short_tag(tag, shown, sizeof shown));
        return NULL;
    }
    v = plain_value(s, &range);
    if (range) {
        err_set(w->e, GEN_EINPUT, w->file, line, "number out of range");
        return NULL;
    }
    ok = v && (!strcmp(tag, YAML_NULL_TAG) ? json_is_null(v) :
               !strcmp(tag, YAML_BOOL_TAG) ? json_is_boolean(v) :
               !strcmp(tag, YAML_INT_TAG) ? json_is_integer(v) : json_is_number(v));
    if (!ok) {
        json_decref(v);
        err_set(w->e, GEN_EINPUT, w->file, line, "'%s' is not a valid %s", s,
                short_tag(tag, shown, sizeof shown));
        return NULL;
    }
    if (json_is_integer(v) && !strcmp(tag, YAML_FLOAT_TAG)) {
        json_t *r = json_real((double)json_integer_value(v));

        json_decref(v);
        return r;
    }
    return v;
}


static json_t *walk_node(struct walk *w, yaml_node_t *n, const char *path, int depth);

static void note(struct walk *w, const char *path, yaml_node_t *n)
{
    json_t *m = json_object();

    json_object_set_new(m, "line", json_integer((json_int_t)n->start_mark.line + 1));
    if (n->type == YAML_SCALAR_NODE) {
        json_object_set_new(m, "raw", json_stringn((const char *)n->data.scalar.value,
                                                   n->data.scalar.length));
        json_object_set_new(m, "plain",
                            json_boolean(n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE));
    }
    json_object_set_new(w->meta, path, m);
}

static json_t *walk_scalar(struct walk *w, yaml_node_t *n, int line)
{
    const char *s = (const char *)n->data.scalar.value;
    int range = 0;
    json_t *out;

    if (strlen(s) != n->data.scalar.length) {
        err_set(w->e, GEN_EINPUT, w->file, line, "NUL byte in a value");
        return NULL;
    }
    if (is_tagged(w->tags, n))
        return tagged_scalar(w, (const char *)n->tag, s, n->data.scalar.length, line);
    if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        out = json_stringn(s, n->data.scalar.length);
    else
        out = plain_value(s, &range);
    if (!out)
        err_set(w->e, GEN_EINPUT, w->file, line, range ? "number out of range" :
                "value is not valid UTF-8");
    return out;
}

static json_t *walk_sequence(struct walk *w, yaml_node_t *n, const char *path, int depth)
{
    yaml_node_item_t *it;
    char sub[512];
    int i = 0;
    json_t *out = json_array();

    for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
        json_t *v;

        snprintf(sub, sizeof sub, "%s%s%d", path, *path ? "." : "", ++i);
        v = walk_node(w, yaml_document_get_node(w->doc, *it), sub, depth + 1);
        if (!v) {
            json_decref(out);
            return NULL;
        }
        json_array_append_new(out, v);
    }
    return out;
}

/* The key k of a mapping, or NULL (an error) when it cannot be one:
 * not a plain untagged string, a duplicate, empty or with a dot. */
static const char *map_key(struct walk *w, yaml_node_t *k, const json_t *out)
{
    int line = (int)k->start_mark.line + 1;
    const char *key;

    if (k->type != YAML_SCALAR_NODE) {
        err_set(w->e, GEN_EINPUT, w->file, line, "a key must be a plain string");
        return NULL;
    }
    key = (const char *)k->data.scalar.value;
    if (strlen(key) != k->data.scalar.length || is_tagged(w->tags, k)) {
        err_set(w->e, GEN_EINPUT, w->file, line,
                strlen(key) != k->data.scalar.length ? "NUL byte in a key" :
                "a key cannot have a YAML tag");
        return NULL;
    }
    if (json_object_get(out, key)) {
        err_set(w->e, GEN_EINPUT, w->file, line, "duplicate key '%s'", key);
        return NULL;
    }
    if (strchr(key, '.') || !*key) {
        err_set(w->e, GEN_EINPUT, w->file, line, "bad key '%s'", key);
        return NULL;
    }
    return key;
}

static json_t *walk_mapping(struct walk *w, yaml_node_t *n, const char *path, int depth)
{
    yaml_node_pair_t *p;
    char sub[512];
    json_t *out = json_object();

    for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(w->doc, p->key);
        const char *key = map_key(w, k, out);
        json_t *v;

        if (!key) {
            json_decref(out);
            return NULL;
        }
        snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", key);
        v = walk_node(w, yaml_document_get_node(w->doc, p->value), sub, depth + 1);
        if (!v) {
            json_decref(out);
            return NULL;
        }
        if (json_is_null(v)) {
            err_set(w->e, GEN_EINPUT, w->file, (int)k->start_mark.line + 1,
                    "'%s' has no value", sub);
            json_decref(out);
            return NULL;
        }
        /* the key's own line is the one to blame */
        json_object_set_new(json_object_get(w->meta, sub), "line",
                            json_integer((json_int_t)k->start_mark.line + 1));
        json_object_set_new(out, key, v);
    }
    return out;
}

static json_t *walk_node(struct walk *w, yaml_node_t *n, const char *path, int depth)
{
    int line = (int)n->start_mark.line + 1;

    if (depth > 32) {
        err_set(w->e, GEN_EINPUT, w->file, line, "nested too deeply");
        return NULL;
    }
    if (++w->nodes > CFG_MAX_NODES) {
        err_set(w->e, GEN_EINPUT, w->file, line, "more than %d values (aliases that "
                "expand without bound?)", CFG_MAX_NODES);
        return NULL;
    }
    note(w, path, n);
    if (n->type != YAML_SCALAR_NODE && is_tagged(w->tags, n) &&
        strcmp((const char *)n->tag, n->type == YAML_SEQUENCE_NODE ? YAML_SEQ_TAG : YAML_MAP_TAG)) {
        char shown[128];

        err_set(w->e, GEN_EINPUT, w->file, line, "unsupported YAML tag '%s'",
                short_tag((const char *)n->tag, shown, sizeof shown));
        return NULL;
    }
    switch (n->type) {
    case YAML_SCALAR_NODE:
        return walk_scalar(w, n, line);
    case YAML_SEQUENCE_NODE:
        return walk_sequence(w, n, path, depth);
    case YAML_MAPPING_NODE:
        return walk_mapping(w, n, path, depth);
    default:
        err_set(w->e, GEN_EINPUT, w->file, line, "empty node");
        return NULL;
    }
}

/* Take the top-level `system` key out of the values into c->system. */
static int take_system(struct config *c, struct gen_err *e)
{
    json_t *v = json_object_get(c->values, "system");
    int line = (int)json_integer_value(json_object_get(json_object_get(c->meta, "system"),
                                                       "line"));

    if (!v)
        return 0;
    if (!json_is_string(v) || !*json_string_value(v) || json_string_length(v) > 63 ||
        strcspn(json_string_value(v), " \t\r\n/") != json_string_length(v))
        return err_set(e, GEN_EINPUT, c->file, line, "system: expected the name of a system "
                       "(such as ltbase)");
    c->system = strdup(json_string_value(v));
    if (!c->system)
        return err_set(e, GEN_ENOMEM, c->file, line, "out of memory");
    c->system_line = line;
    json_object_del(c->values, "system");
    json_object_del(c->meta, "system");
    return 0;
}

/* Move luaform's own top-level keys out of the values into c->luaform. */
static int take_luaform_keys(struct config *c, struct gen_err *e)
{
    static const char *const keys[] = CONFIG_LUAFORM_KEYS;
    size_t i;

    json_decref(c->luaform);
    c->luaform = json_object();
    if (!c->luaform)
        return err_set(e, GEN_ENOMEM, c->file, 0, "out of memory");
    for (i = 0; keys[i]; i++) {
        json_t *v = json_object_get(c->values, keys[i]);

        if (!v)
            continue;
        if (json_object_set(c->luaform, keys[i], v) < 0)
            return err_set(e, GEN_ENOMEM, c->file, 0, "out of memory");
        json_object_del(c->values, keys[i]);
    }
    return 0;
}

int config_parse(struct config *c, const char *name, const char *text, size_t len,
              struct gen_err *e)
{
    yaml_parser_t parser;
    yaml_document_t doc, extra;
    yaml_node_t *root;
    struct tagged tags = { NULL, 0, 0 };
    struct walk w;
    int rc = 0;

    free(c->file);
    free(c->system);
    c->system = NULL;
    c->file = strdup(name);
    if (!yaml_parser_initialize(&parser))
        return err_set(e, GEN_ENOMEM, name, 0, "cannot start the YAML parser");
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        rc = err_set(e, GEN_EINPUT, name, (int)parser.problem_mark.line + 1,
                     "YAML: %s%s%s", parser.problem ? parser.problem : "parse error",
                     parser.context ? " " : "", parser.context ? parser.context : "");
        yaml_parser_delete(&parser);
        return rc;
    }
    root = yaml_document_get_root_node(&doc);
    if (root) {
        if (!yaml_parser_load(&parser, &extra)) {
            rc = err_set(e, GEN_EINPUT, name, (int)parser.problem_mark.line + 1,
                         "YAML: %s", parser.problem ? parser.problem : "parse error");
        } else {
            if (yaml_document_get_root_node(&extra))
                rc = err_set(e, GEN_EINPUT, name, (int)extra.start_mark.line + 1,
                             "more than one YAML document");
            yaml_document_delete(&extra);
        }
    }
    if (rc == 0 && root && root->type != YAML_MAPPING_NODE)
        rc = err_set(e, GEN_EINPUT, name, (int)root->start_mark.line + 1,
                     "the config must be a map of keys to values");
    if (rc == 0 && collect_tags(text, len, &tags) < 0)
        rc = err_set(e, GEN_ENOMEM, name, 0, "out of memory");
    if (rc == 0) {
        json_decref(c->meta);
        json_decref(c->values);
        c->meta = json_object();
        w.doc = &doc;
        w.tags = &tags;
        w.file = name;
        w.meta = c->meta;
        w.e = e;
        w.nodes = 0;
        c->values = root ? walk_node(&w, root, "", 0) : json_object();
        if (!c->values)
            rc = GEN_EINPUT;
        else if ((rc = take_system(c, e)) == 0)
            rc = take_luaform_keys(c, e);
    }
    free(tags.at);
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return rc;
}

int config_override(struct config *c, const char *kv, struct gen_err *e)
{
    const char *eq = strchr(kv, '=');
    json_t *o;

    if (!eq || eq == kv)
        return err_set(e, GEN_EINPUT, NULL, 0, "-p expects KEY=VALUE, got '%s'", kv);
    o = json_object();
    json_object_set_new(o, "key", json_stringn(kv, (size_t)(eq - kv)));
    json_object_set_new(o, "value", json_string(eq + 1));
    if (!json_object_get(o, "key") || !json_object_get(o, "value")) {
        int key = !json_object_get(o, "key");

        json_decref(o);
        return err_set(e, GEN_EINPUT, NULL, 0, "-p %s is not valid UTF-8", key ? "key" : "value");
    }
    json_array_append_new(c->overrides, o);
    return 0;
}
