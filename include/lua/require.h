/* require.h: the bounded `require` over the files compiled into the
 * binary. Internal to the Lua host. */
#ifndef LUAFORM_LUA_REQUIRE_H
#define LUAFORM_LUA_REQUIRE_H

#include "lua/embed.h"

#include <lua.h>

/* Load an embedded file (bytecode or text, as it was built) under the
 * chunk name embed_chunkname gives; lua_load's status. */
int require_embedded(lua_State *L, const struct embed_file *f);

/* require(name): lua/NAME.lua, then templates/NAME.lua, both embedded;
 * each module is called with the host table (sandbox_push_host). */
int require_module(lua_State *L);

/* require for descriptions and manifests: the library's internal modules
 * refused. */
int require_public(lua_State *L);

#endif
