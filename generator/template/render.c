/* render.c: find stacks and render them. Built-in systems live in templates/<system>/system.lua,
 * a manifest naming the system's stacks, its config schema and its example
 * config; all of it is compiled into the binary. For tests, the systems in
 * $LUAFORM_SYSTEMS_DIR/<system>/ are read from disk the same way. Which
 * config a stack gets is scope.c's. */
#include "template/render.h"
#include "template/scope.h"
#include "template/config.h"
#include "template/emit_json.h"
#include "lua/embed.h"
#include "core/err.h"
#include "template/emit_yaml.h"
#include "core/files.h"
#include "template/load.h"
#include "template/references.h"
#include "template/template.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NOWNED (sizeof ((struct render_target *)0)->owned / sizeof (char *))

void render_set_free(struct render_set *s)
{
    size_t i;

    for (i = 0; i < s->n; i++) {
        size_t k;

        for (k = 0; k < NOWNED; k++) {
            free(s->v[i].owned[k]);
            free(s->v[i].owned_names[k]);
        }
        json_decref(s->v[i].config_keys);
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

/* Where a system's files are: compiled in ("templates/ltbase") or, for
 * tests, in a directory on disk. */
struct sysdir {
    char dir[4096];
    int disk;
};

/* Read path from disk into t's owned slot; src points at it. As
 * files_read: 1 when missing and flags say FILES_MISSING_OK. */
static int own_file(struct render_target *t, int slot, const char *path, size_t max,
                    unsigned flags, struct luahost_source *src, struct gen_err *e)
{
    int rc = files_read(path, NULL, max, flags, &t->owned[slot], &src->len, e);

    if (rc != 0)
        return rc;
    t->owned_names[slot] = strdup(path);
    if (!t->owned_names[slot])
        return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    src->name = t->owned_names[slot];
    src->data = t->owned[slot];
    return 0;
}

/* Point src at the system's file: embedded, or read into t's slot. */
static int sys_file(const struct sysdir *sd, const char *file, struct render_target *t,
                    int slot, size_t max, struct luahost_source *src, struct gen_err *e)
{
    char path[4400];
    const struct embed_file *f;

    snprintf(path, sizeof path, "%s/%s", sd->dir, file);
    if (sd->disk)
        return own_file(t, slot, path, max, FILES_MISSING_OK, src, e);
    if (!(f = embed_find(path)))
        return 1;
    src->name = f->path;
    src->data = f->data;
    src->len = f->len;
    return 0;
}

/* A target's own copy of its system's manifest (read from disk once). */
static int own_manifest(struct render_target *t, const struct sysdir *sd,
                        const struct luahost_source *mf, struct gen_err *e)
{
    if (!sd->disk) {
        t->manifest = *mf;
        return 0;
    }
    t->owned[1] = malloc(mf->len + 1);
    t->owned_names[1] = strdup(mf->name);
    if (!t->owned[1] || !t->owned_names[1])
        return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    memcpy(t->owned[1], mf->data, mf->len + 1);
    t->manifest.name = t->owned_names[1];
    t->manifest.data = t->owned[1];
    t->manifest.len = mf->len;
    return 0;
}

/* Add the stacks of one system; only is a stack or system name, or NULL. */
static int add_system(struct render_set *s, const struct sysdir *sd,
                      const struct luahost_source *mf, const char *only, int *found,
                      struct gen_err *e)
{
    json_t *m = NULL, *stacks, *st;
    const char *sys, *ex;
    size_t i;
    int rc;

    rc = luahost_manifest(mf, &m, e);
    if (rc < 0)
        return rc;
    sys = json_string_value(json_object_get(m, "name"));
    ex = json_string_value(json_object_get(m, "example_config"));
    stacks = json_object_get(m, "stacks");
    if (!sys || !json_is_array(stacks)) {
        json_decref(m);
        return err_set(e, GEN_EINPUT, mf->name, 0, "manifest needs 'name' and 'stacks'");
    }
    json_array_foreach(stacks, i, st) {
        const char *name = json_string_value(json_object_get(st, "name"));
        const char *file = json_string_value(json_object_get(st, "file"));
        const char *summary = json_string_value(json_object_get(st, "description"));
        struct render_target *t;

        if (!name || !file) {
            json_decref(m);
            return err_set(e, GEN_EINPUT, mf->name, 0, "stack %zu needs 'name' and 'file'", i + 1);
        }
        if (only && strcmp(only, name) != 0 && strcmp(only, sys) != 0)
            continue;
        if (strlen(name) > RENDER_MAX_NAME) {
            json_decref(m);
            return err_set(e, GEN_EINPUT, mf->name, 0, "stack name '%.40s...' is longer "
                           "than %d characters", name, RENDER_MAX_NAME);
        }
        *found = 1;
        if (has_name(s, name))
            continue;
        if (!(t = add(s, e))) {
            json_decref(m);
            return GEN_ENOMEM;
        }
        snprintf(t->name, sizeof t->name, "%s", name);
        snprintf(t->system, sizeof t->system, "%s", sys);
        snprintf(t->summary, sizeof t->summary, "%s", summary ? summary : "");
        t->config_keys = json_incref(json_object_get(m, "config_keys"));
        rc = sys_file(sd, file, t, 0, FILES_MAX_INPUT, &t->desc, e);
        if (rc > 0)
            rc = err_set(e, GEN_EINPUT, mf->name, 0, "stack file '%s/%s' is missing",
                         sd->dir, file);
        if (rc == 0)
            rc = own_manifest(t, sd, mf, e);
        if (rc == 0 && ex && (rc = sys_file(sd, ex, t, 2, FILES_MAX_CONFIG, &t->example, e)) > 0)
            rc = 0;                 /* no example config: none */
        if (rc < 0) {
            json_decref(m);
            return rc;
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

/* The built-in systems' stacks (only: a stack or system name, or NULL). */
static int add_builtin(struct render_set *s, const char *only, int *found, struct gen_err *e)
{
    int i, rc;

    for (i = 0; i < embed_count; i++) {
        const struct embed_file *f = &embed_files[i];
        struct luahost_source mf = { f->path, f->data, f->len };
        struct sysdir sd = { "", 0 };

        if (!is_manifest(f->path))
            continue;
        snprintf(sd.dir, sizeof sd.dir, "%.*s", (int)(strrchr(f->path, '/') - f->path), f->path);
        if ((rc = add_system(s, &sd, &mf, only, found, e)) < 0)
            return rc;
    }
    return 0;
}

static int skip_dot(const struct dirent *d)
{
    return d->d_name[0] != '.';
}

/* For tests: every $LUAFORM_SYSTEMS_DIR/NAME/system.lua is a system too,
 * its files read from disk (as text, as any description from disk). */
static int add_disk(struct render_set *s, const char *only, int *found, struct gen_err *e)
{
    const char *root = getenv("LUAFORM_SYSTEMS_DIR");
    struct dirent **names = NULL;
    int n, i, rc = 0;

    if (!root || !*root)
        return 0;
    n = scandir(root, &names, skip_dot, alphasort);
    if (n < 0)
        return err_set(e, GEN_EINPUT, NULL, 0, "LUAFORM_SYSTEMS_DIR: cannot read '%s'", root);
    for (i = 0; i < n; i++) {
        struct sysdir sd = { "", 1 };
        struct luahost_source mf;
        char path[4400], *data = NULL;

        snprintf(sd.dir, sizeof sd.dir, "%s/%s", root, names[i]->d_name);
        snprintf(path, sizeof path, "%s/system.lua", sd.dir);
        if (rc == 0 && files_read(path, NULL, FILES_MAX_INPUT, FILES_MISSING_OK, &data,
                                  &mf.len, e) == 0) {
            mf.name = path;
            mf.data = data;
            rc = add_system(s, &sd, &mf, only, found, e);
        }
        free(data);
        free(names[i]);
    }
    free(names);
    return rc;
}

int render_all(struct render_set *s, struct gen_err *e)
{
    int found = 0, rc = add_builtin(s, NULL, &found, e);

    return rc < 0 ? rc : add_disk(s, NULL, &found, e);
}

/* The system of a description beside a system.lua: its name and the keys
 * its config may set. */
static int file_system(struct render_target *t, struct gen_err *e)
{
    json_t *m = NULL;
    const char *name;
    int rc = luahost_manifest(&t->manifest, &m, e);

    if (rc < 0)
        return rc;
    name = json_string_value(json_object_get(m, "name"));
    snprintf(t->system, sizeof t->system, "%s", name ? name : "");
    t->config_keys = json_incref(json_object_get(m, "config_keys"));
    json_decref(m);
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
        return file_system(t, e);
    }
    return 0;
}

int render_resolve(struct render_set *s, const char *arg, struct gen_err *e)
{
    size_t n = strlen(arg);
    int found = 0, rc;

    if (load_is_template_name(arg))
        return add_file(s, arg, RENDER_TEMPLATE_FILE, e);
    if (strchr(arg, '/') || (n > 4 && !strcmp(arg + n - 4, ".lua")))
        return add_file(s, arg, RENDER_DESCRIPTION, e);
    if ((rc = add_builtin(s, arg, &found, e)) < 0 || (rc = add_disk(s, arg, &found, e)) < 0)
        return rc;
    if (!found)
        return err_set(e, GEN_EINPUT, NULL, 0,
                       "no built-in stack or system named '%s' (see 'luaform render --list')",
                       arg);
    return 0;
}

int render_select(struct render_set *s, char *const *names, int n, struct gen_err *e)
{
    int i, rc = n == 0 ? render_all(s, e) : 0;

    for (i = 0; rc == 0 && i < n; i++)
        rc = render_resolve(s, names[i], e);
    return rc;
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

/* ------------------------------------------------------------ render */

/* Run t's description: emit into out (when not NULL) the template, hand
 * back tpl, deploy and invariants as asked; check the invariants against
 * `against` when not NULL. */
static int render_run(const struct render_target *t, const struct render_opts *o,
                      const json_t *against, struct buf *out, json_t **tpl_out,
                      json_t **deploy, json_t **invariants, struct gen_err *e)
{
    struct luahost_job job;
    struct config c;
    json_t *tpl = NULL;
    int rc;

    memset(&job, 0, sizeof job);
    config_init(&c);
    if ((rc = scope_config(t, o, &c, e)) < 0)
        goto out;
    job.desc = t->desc;
    job.manifest = t->manifest;
    job.stack_name = t->name;
    job.verbose = o->verbose;
    job.config_file = c.file;
    job.config = c.values;
    job.config_meta = c.meta;
    job.overrides = c.overrides;
    job.against = against;
    job.invariants = invariants;
    rc = luahost_render(&job, &tpl, deploy, e);
    if (rc < 0)
        goto out;
    if (out)
        rc = o->fmt == RENDER_YAML ? emit_yaml(tpl, out, e) : emit_json(tpl, out, e);
    if (rc == 0 && tpl_out) {
        *tpl_out = tpl;
        tpl = NULL;
    }
out:
    json_decref(tpl);
    config_free(&c);
    return rc;
}

int render_checked(const struct render_target *t, const struct render_opts *o,
                   struct buf *out, json_t **tpl_out, json_t **deploy,
                   json_t **invariants, struct gen_err *e)
{
    int rc;

    if (invariants)
        *invariants = NULL;
    if (t->kind != RENDER_TEMPLATE_FILE)
        return render_run(t, o, NULL, out, tpl_out, deploy, invariants, e);
    rc = render_template_file(t, o, out, tpl_out, deploy, e);
    if (rc == 0 && invariants && !(*invariants = json_array()))
        rc = err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    return rc;
}

int render_render(const struct render_target *t, const struct render_opts *o,
              struct buf *out, json_t **tpl_out, json_t **deploy,
              struct gen_err *e)
{
    return render_checked(t, o, out, tpl_out, deploy, NULL, e);
}

int render_invariants(const struct render_target *t, const struct render_opts *o,
                      const json_t *tpl, json_t **results, struct gen_err *e)
{
    json_t *list = NULL;
    int rc;

    if (t->kind == RENDER_TEMPLATE_FILE)
        return err_set(e, GEN_EINPUT, t->desc.name, 0, "'%s' is a template file, which "
                       "declares no invariants (name a stack or a description)", t->name);
    rc = render_run(t, o, tpl, NULL, NULL, NULL, results ? &list : NULL, e);
    if (rc == 0 && results)
        *results = list;
    else
        json_decref(list);
    return rc;
}
