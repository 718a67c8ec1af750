/* scope.c: which config each stack is rendered with. -c and -p apply to
 * the stacks of one system (render_scope decides which); every other
 * stack gets its system's example config. A config parsed once serves all
 * the stacks of its system. */
#include "template/scope.h"
#include "template/config.h"
#include "core/err.h"
#include "core/files.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* The last config parsed, kept for the next stack: the stacks of a system
 * are rendered with one config, parsed once. It is used again only for the
 * same name and the very same text. */
static struct {
    char *name, *text;
    size_t len;
    struct config c;
} last;

static int config_text(const char *name, const char *text, size_t len,
                       const struct config **out, struct gen_err *e)
{
    int rc;

    if (last.name && !strcmp(last.name, name) && last.len == len &&
        !memcmp(last.text, text, len)) {
        *out = &last.c;
        return 0;
    }
    free(last.name);
    free(last.text);
    config_free(&last.c);
    memset(&last, 0, sizeof last);
    config_init(&last.c);
    if ((rc = config_parse(&last.c, name, text, len, e)) < 0)
        return rc;
    last.name = strdup(name);
    last.text = malloc(len + 1);
    if (!last.name || !last.text) {
        free(last.name);
        last.name = NULL;
        return err_set(e, GEN_ENOMEM, name, 0, "out of memory");
    }
    memcpy(last.text, text, len);
    last.len = len;
    *out = &last.c;
    return 0;
}

static int config_file(const char *path, const struct config **out, struct gen_err *e)
{
    char *text = NULL;
    size_t len;
    int rc = files_read(path, NULL, FILES_MAX_CONFIG, 0, &text, &len, e);

    if (rc == 0)
        rc = config_text(path, text, len, out, e);
    free(text);
    return rc;
}

/* "of system 'ltbase'", or of none */
static const char *system_shown(const char *system, char *buf, size_t n)
{
    if (!*system)
        return "of no system (no system.lua beside it)";
    snprintf(buf, n, "of system '%s'", system);
    return buf;
}

/* A config that says which system it is for must say t's. */
static int check_system(const struct config *c, const struct render_target *t,
                        struct gen_err *e)
{
    if (!c->system || !strcmp(c->system, t->system))
        return 0;
    if (!*t->system)
        return err_set(e, GEN_EINPUT, c->file, c->system_line, "this config is for system "
                       "'%s', but %s has no system (no system.lua beside it)", c->system,
                       t->desc.name);
    return err_set(e, GEN_EINPUT, c->file, c->system_line, "this config is for system "
                   "'%s', not for '%s' (stack %s)", c->system, t->system, t->name);
}

int scope_config(const struct render_target *t, const struct render_opts *o,
                 struct config *c, struct gen_err *e)
{
    int mine = !o->system || !strcmp(o->system, t->system), rc = 0, i;
    const struct config *src = NULL;

    if (mine && o->config_path)
        rc = config_file(o->config_path, &src, e);
    else if (t->example.name)
        rc = config_text(t->example.name, t->example.data, t->example.len, &src, e);
    if (rc == 0 && src && (rc = check_system(src, t, e)) == 0) {
        c->file = strdup(src->file);
        c->values = json_incref(src->values);
        c->meta = json_incref(src->meta);
        c->luaform = json_incref(src->luaform);
        if (!c->file)
            rc = err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    }
    for (i = 0; rc == 0 && mine && i < o->noverrides; i++)
        rc = config_override(c, o->overrides[i], e);
    return rc;
}

/* Is key one the system's config may set (a leaf, or with top, a
 * top-level key with leaves under it)? A system without schema takes any. */
static int knows(const json_t *keys, const char *key, int top)
{
    size_t i, n = strlen(key);
    json_t *k;

    if (!keys)
        return 1;
    json_array_foreach(keys, i, k) {
        const char *v = json_string_value(k);

        if (v && !strncmp(v, key, n) && (v[n] == '\0' || (top && v[n] == '.')))
            return 1;
    }
    return 0;
}

/* Does any stack of s (any system) know key? */
static int anyone_knows(const struct render_set *s, const char *key, int top)
{
    size_t i;

    for (i = 0; i < s->n; i++)
        if (knows(s->v[i].config_keys, key, top))
            return 1;
    return 0;
}

/* Does the system of t know every key given: c's top-level keys, -p's?
 * With s, the first key that no system knows is an error instead. */
static int knows_all(const struct render_target *t, const struct render_set *s,
                     const struct config *c, const struct render_opts *o, struct gen_err *e)
{
    const char *k;
    json_t *v;
    int i;

    if (c)
        json_object_foreach(c->values, k, v) {
            if (s && !anyone_knows(s, k, 1))
                return err_set(e, GEN_EINPUT, c->file, (int)json_integer_value(json_object_get(
                               json_object_get(c->meta, k), "line")), "no built-in system has "
                               "a config key '%s'", k);
            if (t && !knows(t->config_keys, k, 1))
                return 0;
        }
    for (i = 0; i < o->noverrides; i++) {
        char key[256];
        const char *eq = strchr(o->overrides[i], '=');

        if (!eq || (size_t)(eq - o->overrides[i]) >= sizeof key)
            continue;           /* refused by config_override */
        snprintf(key, sizeof key, "%.*s", (int)(eq - o->overrides[i]), o->overrides[i]);
        if (s && !anyone_knows(s, key, 0))
            return err_set(e, GEN_EINPUT, "-p", 0, "no built-in system has a config key '%s'",
                           key);
        if (t && !knows(t->config_keys, key, 0))
            return 0;
    }
    return 1;
}

/* The stacks named on the command line: one system (or none) for them all. */
static int scope_named(const struct render_set *s, struct render_opts *o,
                       const struct config *c, struct gen_err *e)
{
    size_t i;
    int rc;

    for (i = 1; i < s->n; i++)
        if (strcmp(s->v[i].system, s->v[0].system)) {
            char a[96], b[96];

            return err_set(e, GEN_EINPUT, NULL, 0, "-c and -p apply to the stacks of one "
                           "system, but %s is %s and %s %s: render them apart",
                           s->v[0].name, system_shown(s->v[0].system, a, sizeof a),
                           s->v[i].name, system_shown(s->v[i].system, b, sizeof b));
        }
    if (s->n && c && (rc = check_system(c, &s->v[0], e)) < 0)
        return rc;
    o->system = s->n ? s->v[0].system : NULL;
    return 0;
}

/* Every built-in stack: which system -c and -p are for. */
static int scope_all(const struct render_set *s, struct render_opts *o,
                     const struct config *c, struct gen_err *e)
{
    const char *found = NULL, *other = NULL;
    char names[512] = "";
    size_t i, nsys = 0;

    for (i = 0; i < s->n; i++) {
        const char *sys = s->v[i].system;

        if (i > 0 && !strcmp(sys, s->v[i - 1].system))
            continue;                   /* a system's stacks are together */
        nsys++;
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
                 *names ? ", " : "", sys);
        if (c && c->system ? !strcmp(c->system, sys) : knows_all(&s->v[i], NULL, c, o, e)) {
            if (found)
                other = sys;
            else
                found = sys;
        }
    }
    if (c && c->system && !found)
        return err_set(e, GEN_EINPUT, c->file, c->system_line, "this config is for system "
                       "'%s', which is not built in (%s)", c->system, names);
    if (nsys == 1 && s->n) {
        o->system = s->v[0].system;     /* the one system: its schema says */
        return 0;
    }
    if (!found && knows_all(NULL, s, c, o, e) < 0)
        return e ? e->code : GEN_EINPUT;
    if (!found)
        return err_set(e, GEN_EINPUT, NULL, 0, "%s: no one built-in system (%s) takes all "
                       "the keys given: name the stacks (luaform render SYSTEM ...)",
                       c && o->noverrides ? "-c and -p" : c ? "-c" : "-p", names);
    if (other)
        return err_set(e, GEN_EINPUT, c ? c->file : NULL, 0, "%s could be for '%s' or '%s': "
                       "name the stacks (luaform render %s ...)%s", c ? "-c" : "-p", found,
                       other, found, c ? " or say 'system: NAME' in the config" : "");
    o->system = found;
    return 0;
}

/* -p KEY=1 -p KEY=2: which one was meant? An error, as --parameter's is. */
static int no_key_twice(const struct render_opts *o, struct gen_err *e)
{
    int i, j;

    for (i = 0; i < o->noverrides; i++) {
        const char *a = o->overrides[i], *eq = strchr(a, '=');
        size_t n = eq ? (size_t)(eq - a) : strlen(a);

        for (j = 0; j < i; j++)
            if (!strncmp(o->overrides[j], a, n) &&
                (o->overrides[j][n] == '=' || o->overrides[j][n] == '\0'))
                return err_set(e, GEN_EINPUT, "-p", 0, "'%.*s' is given twice", (int)n, a);
    }
    return 0;
}

int render_scope(const struct render_set *s, int named, struct render_opts *o,
                 struct gen_err *e)
{
    const struct config *c = NULL;
    int rc;

    o->system = NULL;
    if (!o->config_path && o->noverrides == 0)
        return 0;
    if ((rc = no_key_twice(o, e)) < 0)
        return rc;
    if (o->config_path && (rc = config_file(o->config_path, &c, e)) < 0)
        return rc;
    return named ? scope_named(s, o, c, e) : scope_all(s, o, c, e);
}

