/* lh.h: the Lua host: a sandboxed Lua 5.4 that runs stack descriptions
 * with the lua/ library and returns the template they build. */
#ifndef LUAFORM_LH_H
#define LUAFORM_LH_H

#include <stddef.h>
#include <jansson.h>

struct gen_err;

struct lh_source {
    const char *name;   /* chunk name shown in errors: "templates/ltbase/app.lua" */
    const char *data;
    size_t len;
};

struct lh_job {
    struct lh_source desc;       /* the stack description */
    struct lh_source manifest;   /* its system.lua, or name == NULL */
    const char *stack_name;
    const char *config_file;     /* for errors; NULL when no config file */
    const json_t *config;        /* YAML values (object) or NULL */
    const json_t *config_meta;   /* "a.b" -> {line, raw, plain} or NULL */
    const json_t *overrides;     /* [{key, value}] or NULL */
    int verbose;                 /* add a Lua traceback to errors */
};

/* Limits: a runaway description fails well under a second. */
#define LH_MEM_LIMIT   (128u << 20)     /* bytes, hard */
#define LH_INSTR_LIMIT 50000000ul       /* VM instructions */

/* Run a description; *tpl is the template and *deploy (when deploy is not
 * NULL) its deployment settings, both owned by the caller. */
int lh_render(const struct lh_job *job, json_t **tpl, json_t **deploy,
              struct gen_err *e);

/* Run a system manifest (system.lua) and return its table as JSON. */
int lh_manifest(const struct lh_source *src, json_t **out, struct gen_err *e);

/* Free what the host keeps between jobs (compiled library modules). */
void lh_cleanup(void);

#endif
