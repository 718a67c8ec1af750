/* render.h: render: find stacks (built-in or files), run them, emit them. */
#ifndef LUAFORM_RENDER_H
#define LUAFORM_RENDER_H

#include <stddef.h>
#include "core/buf.h"
#include "lua/luahost.h"

struct gen_err;

enum render_format { RENDER_JSON, RENDER_YAML };

#define RENDER_MAX_NAME 128          /* a CloudFormation stack name's limit */

enum render_kind {
    RENDER_DESCRIPTION,          /* a Lua description (built-in or a file) */
    RENDER_TEMPLATE_FILE         /* a CloudFormation template (.json, .yaml, .yml,
                                  * .template): loaded, checked, written again
                                  * in canonical form; no deployment settings */
};

struct render_target {
    enum render_kind kind;
    char name[RENDER_MAX_NAME + 1];  /* stack name; output is DIR/NAME.json */
    char system[64];             /* "" for a file without system.lua */
    char summary[256];           /* one line from the manifest */
    struct luahost_source desc;
    struct luahost_source manifest;   /* name == NULL when there is none */
    struct luahost_source example;    /* the example config, name NULL if none */
    json_t *config_keys;         /* what its config may set; NULL: no schema */
    char *owned[3];              /* file data and names read from disk */
    char *owned_names[3];
};

struct render_set {
    struct render_target *v;
    size_t n, cap;
};

void render_set_free(struct render_set *s);

/* Add the stacks ARG names: a template file (ends in .json, .yaml, .yml
 * or .template; named by its file name without the extension), a
 * description file (has '/' or ends in .lua), a built-in stack name, or a
 * system name (all its stacks). */
int render_resolve(struct render_set *s, const char *arg, struct gen_err *e);

/* Add the stacks the command line names (render_resolve each), or with
 * none named (n == 0) every built-in stack. */
int render_select(struct render_set *s, char *const *names, int n, struct gen_err *e);

/* Add every built-in stack. (For tests, LUAFORM_SYSTEMS_DIR names a
 * directory whose NAME/system.lua are more systems, read from disk.) */
int render_all(struct render_set *s, struct gen_err *e);

struct render_opts {
    const char *config_path;     /* -c; NULL: the system's example config */
    char *const *overrides;      /* -p KEY=VALUE */
    int noverrides;
    enum render_format fmt;
    int verbose;
    const char *system;          /* set by render_scope: the system -c and
                                    -p apply to; NULL: every stack */
};

/* Decide which stacks of s -c and -p apply to (o->system). Stacks named
 * on the command line (named != 0) must all be of one system, or all of
 * none; a config that says `system: NAME` must name theirs. With every
 * built-in stack (named == 0): the system the config names, else the only
 * system, else the one system whose schema has every key given (-c: the
 * file's top-level keys; -p: the keys); the other systems' stacks get
 * their example configs. Anything else is an error. */
int render_scope(const struct render_set *s, int named, struct render_opts *o,
                 struct gen_err *e);

/* Render one target into out; when tpl / deploy are not NULL, also hand
 * back the template model and the deployment settings (owned). A template
 * file is loaded (load.h), its references checked (references.h) and
 * written in canonical form; its settings are an empty object, and -c/-p
 * (which set a description's config) are an error. */
int render_render(const struct render_target *t, const struct render_opts *o,
              struct buf *out, json_t **tpl, json_t **deploy,
              struct gen_err *e);

/* render_render, also handing back (when invariants is not NULL) the
 * invariants the description declared, all checked against the rendered
 * template (a broken one is an error at the line that declared it):
 * *invariants is a new array [{"name", "stack", "file", "line",
 * "holds": true}] in declaration order; [] for a template file. */
int render_checked(const struct render_target *t, const struct render_opts *o,
                   struct buf *out, json_t **tpl, json_t **deploy,
                   json_t **invariants, struct gen_err *e);

/* Run t's description with its config (as render_render) but check its
 * invariants against tpl, a template given for review (loaded with
 * load.h), instead of its own output. A broken invariant is an error
 * (file and line of its declaration, the statement path in tpl); else
 * *results (when not NULL) is the list as render_checked gives it. A
 * template file target is an error: it declares none. */
int render_invariants(const struct render_target *t, const struct render_opts *o,
                      const json_t *tpl, json_t **results, struct gen_err *e);

const char *render_ext(enum render_format fmt);

#endif
