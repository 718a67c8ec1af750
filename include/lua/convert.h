/* convert.h: Lua values to JSON (the rendered template) and JSON to Lua
 * (config values). Internal to the Lua host. */
#ifndef LUAFORM_LUA_CONVERT_H
#define LUAFORM_LUA_CONVERT_H

#include <jansson.h>
#include <lua.h>

struct conv {
    lua_State *L;
    char path[512];              /* where the conversion is: "Resources.Web" */
    char fail_path[512];         /* path where conversion failed */
    char msg[512];               /* "path: what is wrong" */
};

/* The value at idx as new JSON, or NULL with c->msg and c->fail_path set.
 * Tables are read raw: a list{} or map{} by its metatable, else by its
 * keys; map keys come out sorted. Set c->L (and c->path, if any) first. */
json_t *convert_to_json(struct conv *c, int idx);

/* Push j as Lua values; lists get the metatable at index list_mt. */
void convert_push_json(lua_State *L, const json_t *j, int list_mt);

#endif
