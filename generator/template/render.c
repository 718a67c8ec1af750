/* render.c: render. Built-in systems live in templates/<system>/system.lua,
 * a manifest naming the system's stacks, its config schema and its example
 * config; all of it is compiled into the binary. */
#include "template/render.h"
#include "template/config.h"
#include "template/emit_json.h"
#include "lua/embed.h"
#include "core/err.h"
#include "template/emit_yaml.h"
#include "core/files.h"
#include "template/load.h"
#include "template/references.h"
#include "template/template.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void render_set_free(struct render_set *s)
{
    size_t i;

    for (i = 0; i < s->n; i++) {
        free(s->v[i].owned[0]);
        free(s->v[i].owned[1]);
        free(s->v[i].owned_names[0]);
        free(s->v[i].owned_names[1]);
    }
    free(s->v);
    memset(s, 0, sizeof *s);
}

static struct render_target *add(struct render_set *s, struct gen_err *e)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        struct render_target *v = realloc(s->v, cap * sizeof *v);

        if (!v) {
            err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
            return NULL;
        }
        s->v = v;
        s->cap = cap;
    }
    memset(&s->v[s->n], 0, sizeof s->v[0]);
    return &s->v[s->n++];
}

static int has_name(const struct render_set *s, const char *name)
{
    size_t i;

    for (i = 0; i < s->n; i++)
        if (!strcmp(s->v[i].name, name))
            return 1;
    return 0;
}

/* Add the stacks of one built-in system; only is a stack name or NULL. */
static int add_system(struct render_set *s, const struct embed_file *mf,
                      const char *only, int *found, struct gen_err *e)
{
    struct luahost_source src = { mf->path, mf->data, mf->len };
    char dir[256], path[300];
    json_t *m = NULL, *stacks, *st;
    const char *sys, *ex;
    size_t i;
    int rc;

    rc = luahost_manifest(&src, &m, e);
    if (rc < 0)
        return rc;
    snprintf(dir, sizeof dir, "%.*s", (int)(strrchr(mf->path, '/') - mf->path), mf->path);
    sys = json_string_value(json_object_get(m, "name"));
    ex = json_string_value(json_object_get(m, "example_config"));
    stacks = json_object_get(m, "stacks");
    if (!sys || !json_is_array(stacks)) {
        json_decref(m);
        return err_set(e, GEN_EINPUT, mf->path, 0, "manifest needs 'name' and 'stacks'");
    }
    json_array_foreach(stacks, i, st) {
        const char *name = json_string_value(json_object_get(st, "name"));
        const char *file = json_string_value(json_object_get(st, "file"));
        const struct embed_file *df;
        struct render_target *t;

        if (!name || !file) {
            json_decref(m);
            return err_set(e, GEN_EINPUT, mf->path, 0, "stack %zu needs 'name' and 'file'", i + 1);
        }
        if (only && strcmp(only, name) != 0 && strcmp(only, sys) != 0)
            continue;
        if (strlen(name) > RENDER_MAX_NAME) {
            json_decref(m);
            return err_set(e, GEN_EINPUT, mf->path, 0, "stack name '%.40s...' is longer "
                           "than %d characters", name, RENDER_MAX_NAME);
        }
        *found = 1;
        if (has_name(s, name))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, file);
        df = embed_find(path);
        if (!df) {
            json_decref(m);
            return err_set(e, GEN_EINPUT, mf->path, 0, "stack file '%s' is missing", path);
        }
        if (!(t = add(s, e))) {
            json_decref(m);
            return GEN_ENOMEM;
        }
        snprintf(t->name, sizeof t->name, "%s", name);
        snprintf(t->system, sizeof t->system, "%s", sys);
        snprintf(t->summary, sizeof t->summary, "%s",
                 json_string_value(json_object_get(st, "description")) ?
                 json_string_value(json_object_get(st, "description")) : "");
        t->desc.name = df->path;
        t->desc.data = df->data;
        t->desc.len = df->len;
        t->manifest = src;
        if (ex) {
            const struct embed_file *xf;

            snprintf(path, sizeof path, "%s/%s", dir, ex);
            xf = embed_find(path);
            t->example_config = xf ? xf->path : NULL;
        }
    }
    json_decref(m);
    return 0;
}

static int is_manifest(const char *path)
{
    size_t n = strlen(path);

    return !strncmp(path, "templates/", 10) && n > 11 &&
           !strcmp(path + n - 11, "/system.lua");
}

int render_all(struct render_set *s, struct gen_err *e)
{
    int i, found = 0, rc;

    for (i = 0; i < embed_count; i++)
        if (is_manifest(embed_files[i].path) &&
            (rc = add_system(s, &embed_files[i], NULL, &found, e)) < 0)
            return rc;
    return 0;
}

/* The length of base without its extension: .lua for a description;
 * .json, .yaml, .yml or .template for a template file. */
static size_t stem_len(const char *base, enum render_kind kind)
{
    static const char *const exts[] = { ".json", ".yaml", ".yml", ".template", NULL };
    size_t n = strlen(base), m;
    int i;

    if (kind == RENDER_DESCRIPTION)
        return n > 4 && !strcmp(base + n - 4, ".lua") ? n - 4 : n;
    for (i = 0; exts[i]; i++) {
        m = strlen(exts[i]);
        if (n > m && !strcmp(base + n - m, exts[i]))
            return n - m;
    }
    return n;
}

static int add_file(struct render_set *s, const char *path, enum render_kind kind,
                    struct gen_err *e)
{
    struct render_target *t;
    const char *base = strrchr(path, '/');
    char mpath[4096];
    struct stat st;
    size_t n;
    int rc;

    base = base ? base + 1 : path;
    n = stem_len(base, kind);
    /* the file name is the stack name (CloudFormation: at most 128) and
     * names the output file: never cut it, two would become one */
    if (n == 0 || n > RENDER_MAX_NAME)
        return err_set(e, GEN_EINPUT, path, 0, "a %s's file name is its stack name, which "
                       "must be 1-%d characters", kind == RENDER_DESCRIPTION ? "description" :
                       "template", RENDER_MAX_NAME);
    snprintf(mpath, sizeof mpath, "%.*s", (int)n, base);
    if (has_name(s, mpath))
        return err_set(e, GEN_EINPUT, NULL, 0, "two stacks are named '%s' (%s and another); "
                       "render them one by one", mpath, path);
    if (!(t = add(s, e)))
        return GEN_ENOMEM;
    t->kind = kind;
    snprintf(t->name, sizeof t->name, "%.*s", (int)n, base);
    t->owned_names[0] = strdup(path);
    t->desc.name = t->owned_names[0];
    rc = files_read(path, NULL, FILES_MAX_INPUT, 0, &t->owned[0], &t->desc.len, e);
    if (rc < 0) {
        s->n--;
        free(t->owned_names[0]);
        return rc;
    }
    t->desc.data = t->owned[0];
    snprintf(mpath, sizeof mpath, "%.*ssystem.lua", (int)(base - path), path);
    if (kind == RENDER_DESCRIPTION && stat(mpath, &st) == 0) {
        t->owned_names[1] = strdup(mpath);
        t->manifest.name = t->owned_names[1];
        rc = files_read(mpath, NULL, FILES_MAX_INPUT, 0, &t->owned[1], &t->manifest.len, e);
        if (rc < 0)
            return rc;
        t->manifest.data = t->owned[1];
    }
    return 0;
}

int render_resolve(struct render_set *s, const char *arg, struct gen_err *e)
{
    size_t n = strlen(arg);
    int i, found = 0, rc;

    if (load_is_template_name(arg))
        return add_file(s, arg, RENDER_TEMPLATE_FILE, e);
    if (strchr(arg, '/') || (n > 4 && !strcmp(arg + n - 4, ".lua")))
        return add_file(s, arg, RENDER_DESCRIPTION, e);
    for (i = 0; i < embed_count; i++)
        if (is_manifest(embed_files[i].path) &&
            (rc = add_system(s, &embed_files[i], arg, &found, e)) < 0)
            return rc;
    if (!found)
        return err_set(e, GEN_EINPUT, NULL, 0,
                       "no built-in stack or system named '%s' (see 'luaform render --list')",
                       arg);
    return 0;
}

const char *render_ext(enum render_format fmt)
{
    return fmt == RENDER_YAML ? "yaml" : "json";
}

/* A template file: loaded, its references checked, in canonical order. */
static int render_template_file(const struct render_target *t, const struct render_opts *o,
                                struct buf *out, json_t **tpl_out, json_t **deploy,
                                struct gen_err *e)
{
    struct template_doc doc;
    json_t *tpl;
    int rc;

    if (o->config_path || o->noverrides)
        return err_set(e, GEN_EINPUT, t->desc.name, 0, "-c and -p set the config of a "
                       "description; a template file has none");
    rc = load_template(t->desc.name, t->desc.data, t->desc.len, LOAD_AUTO, &doc, e);
    if (rc < 0)
        return rc;
    rc = references_check(&doc, t->desc.name, e);
    tpl = rc == 0 ? template_canonical(doc.data) : NULL;
    load_free(&doc);
    if (rc < 0)
        return rc;
    if (!tpl)
        return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    rc = o->fmt == RENDER_YAML ? emit_yaml(tpl, out, e) : emit_json(tpl, out, e);
    if (rc == 0 && deploy && !(*deploy = json_object()))
        rc = err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    if (rc == 0 && tpl_out) {
        *tpl_out = tpl;
        tpl = NULL;
    }
    json_decref(tpl);
    return rc;
}

int render_render(const struct render_target *t, const struct render_opts *o,
              struct buf *out, json_t **tpl_out, json_t **deploy,
              struct gen_err *e)
{
    struct luahost_job job;
    struct config c;
    json_t *tpl = NULL;
    char *text = NULL;
    size_t len;
    int rc = 0, i;

    if (t->kind == RENDER_TEMPLATE_FILE)
        return render_template_file(t, o, out, tpl_out, deploy, e);
    memset(&job, 0, sizeof job);
    config_init(&c);
    if (o->config_path) {
        rc = files_read(o->config_path, NULL, FILES_MAX_CONFIG, 0, &text, &len, e);
        if (rc == 0)
            rc = config_parse(&c, o->config_path, text, len, e);
    } else if (t->example_config) {
        const struct embed_file *xf = embed_find(t->example_config);

        rc = config_parse(&c, xf->path, xf->data, xf->len, e);
    }
    for (i = 0; rc == 0 && i < o->noverrides; i++)
        rc = config_override(&c, o->overrides[i], e);
    if (rc < 0)
        goto out;
    job.desc = t->desc;
    job.manifest = t->manifest;
    job.stack_name = t->name;
    job.verbose = o->verbose;
    job.config_file = c.file;
    job.config = c.values;
    job.config_meta = c.meta;
    job.overrides = c.overrides;
    rc = luahost_render(&job, &tpl, deploy, e);
    if (rc < 0)
        goto out;
    rc = o->fmt == RENDER_YAML ? emit_yaml(tpl, out, e) : emit_json(tpl, out, e);
    if (rc == 0 && tpl_out) {
        *tpl_out = tpl;
        tpl = NULL;
    }
out:
    json_decref(tpl);
    free(text);
    config_free(&c);
    return rc;
}
