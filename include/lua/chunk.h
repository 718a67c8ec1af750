/* chunk.h: loading a description or manifest. Internal to the Lua host. */
#ifndef LUAFORM_LUA_CHUNK_H
#define LUAFORM_LUA_CHUNK_H

#include "lua/embed.h"
#include "lua/luahost.h"

#include <lua.h>

/* The embedded file src is, or NULL when it was read from disk. */
const struct embed_file *chunk_embedded(const struct luahost_source *src);

/* Push src loaded as a function, or its error ("name:line: message");
 * lua_load's status. */
int chunk_load(lua_State *L, const struct luahost_source *src);

#endif
