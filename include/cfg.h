/* cfg.h: the YAML configuration file: parsed with libyaml into values and
 * the line of every key, checked against the schema later (lua/luaform/
 * config.lua), and -p KEY=VALUE overrides. */
#ifndef LUAFORM_CFG_H
#define LUAFORM_CFG_H

#include <stddef.h>
#include <jansson.h>

struct gen_err;

struct cfg {
    char *file;        /* name for errors */
    json_t *values;    /* the document's top-level map */
    json_t *meta;      /* "a.b" -> { "line": n, "raw": "...", "plain": true } */
    json_t *overrides; /* [ { "key": "a.b", "value": "text" } ] */
};

void cfg_init(struct cfg *c);
void cfg_free(struct cfg *c);

/* Parse YAML text; name is used in errors ("file:line: ..."). */
int cfg_parse(struct cfg *c, const char *name, const char *text, size_t len,
              struct gen_err *e);

/* Add one -p KEY=VALUE. */
int cfg_override(struct cfg *c, const char *kv, struct gen_err *e);

#endif
