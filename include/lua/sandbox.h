/* sandbox.h: the globals a Lua state of the host gets. Internal to the
 * Lua host. */
#ifndef LUAFORM_LUA_SANDBOX_H
#define LUAFORM_LUA_SANDBOX_H

#include <lua.h>

/* Open base, table, string, math and utf8 with the unsafe and
 * nondeterministic functions dropped or guarded (guard.h), `require` over
 * the embedded files, and the host table in the registry. */
void sandbox_open(lua_State *L);

/* Push the host table handed to every lua/ module: where, fail, fail_at,
 * setenv; base (the library's globals) and public (the globals of
 * descriptions and manifests). */
void sandbox_push_host(lua_State *L);

#endif
