/* luahost.h: the Lua host: a sandboxed Lua 5.4 that runs stack descriptions
 * with the lua/ library and returns the template they build. */
#ifndef LUAFORM_LUAHOST_H
#define LUAFORM_LUAHOST_H

#include <stddef.h>
#include <jansson.h>

struct gen_err;

struct luahost_source {
    const char *name;   /* chunk name shown in errors: "templates/ltbase/app.lua" */
    const char *data;
    size_t len;
};

struct luahost_job {
    struct luahost_source desc;       /* the stack description */
    struct luahost_source manifest;   /* its system.lua, or name == NULL */
    const char *stack_name;
    const char *config_file;     /* for errors; NULL when no config file */
    const json_t *config;        /* YAML values (object) or NULL */
    const json_t *config_meta;   /* "a.b" -> {line, raw, plain} or NULL */
    const json_t *overrides;     /* [{key, value}] or NULL */
    int verbose;                 /* add a Lua traceback to errors */
    /* Invariants (`invariant` in a description) are checked against the
     * rendered template, or against `against` when it is not NULL (a
     * template given for review); a broken one is an error. When
     * `invariants` is not NULL, *invariants is set (on success) to the
     * invariants checked, owned by the caller:
     * [{"name", "stack", "file", "line", "holds": true}]. */
    const json_t *against;
    json_t **invariants;
};

/* Limits: a runaway description fails well under a second. */
#define LUAHOST_MEM_LIMIT   (128u << 20)     /* bytes, hard */
#define LUAHOST_INSTR_LIMIT 50000000ul       /* VM instructions */

/* Run a description; *tpl is the template and *deploy (when deploy is not
 * NULL) its deployment settings, both owned by the caller. */
int luahost_render(const struct luahost_job *job, json_t **tpl, json_t **deploy,
              struct gen_err *e);

/* Run a system manifest (system.lua), check its config schema and its
 * deploy_workflow (lua/luaform/manifest.lua) and return its table as JSON, the schema replaced by "config_keys": every key a
 * config may set, dotted, sorted (absent when it has no schema). */
int luahost_manifest(const struct luahost_source *src, json_t **out, struct gen_err *e);

#endif
