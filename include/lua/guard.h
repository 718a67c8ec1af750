/* guard.h: base library functions replaced in the sandbox so a
 * description can neither escape its limits nor make output depend on
 * addresses or hash order. Each wrapper that calls the original takes it
 * as upvalue 1 (sandbox.c). Internal to the Lua host. */
#ifndef LUAFORM_LUA_GUARD_H
#define LUAFORM_LUA_GUARD_H

#include <lua.h>

int guard_call(lua_State *L);           /* pcall, xpcall: a dead state stays dead */
int guard_setmetatable(lua_State *L);   /* no __gc */
int guard_tostring(lua_State *L);       /* no addresses */
int guard_format(lua_State *L);         /* string.format: no %p, %s as tostring */
int guard_rep(lua_State *L);            /* string.rep within the memory limit */
int guard_pairs(lua_State *L);          /* pairs in sorted key order (no upvalue) */

#endif
