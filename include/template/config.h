/* config.h: the YAML configuration file: parsed with libyaml into values and
 * the line of every key, checked against the schema later (lua/luaform/
 * config.lua), and -p KEY=VALUE overrides. */
#ifndef LUAFORM_CONFIG_H
#define LUAFORM_CONFIG_H

#include <stddef.h>
#include <jansson.h>

struct gen_err;

#define CONFIG_LUAFORM_KEYS { "drift", "workflows", NULL }

struct config {
    char *file;        /* name for errors */
    json_t *values;    /* the document's top-level map, but `system` */
    json_t *meta;      /* "a.b" -> { "line": n, "raw": "...", "plain": true } */
    json_t *overrides; /* [ { "key": "a.b", "value": "text" } ] */
    char *system;      /* `system: NAME`, the system it is for, or NULL */
    int system_line;
    json_t *luaform;   /* luaform's own top-level keys, taken out of values
                          (their lines stay in meta): { "drift": ...,
                          "workflows": ... }; never NULL after config_parse */
};

void config_init(struct config *c);
void config_free(struct config *c);

/* Parse YAML text; name is used in errors ("file:line: ..."). A top-level
 * `system: NAME` says which system the config is for: it is kept in
 * c->system, not in c->values (a schema cannot have a key `system`).
 * The keys luaform itself reads (CONFIG_LUAFORM_KEYS: `drift`, the drift
 * ignore list; `workflows`, the generated workflows' settings) go into
 * c->luaform, not c->values, so a system's schema never sees them. */
int config_parse(struct config *c, const char *name, const char *text, size_t len,
              struct gen_err *e);

/* Add one -p KEY=VALUE. */
int config_override(struct config *c, const char *kv, struct gen_err *e);

#endif
