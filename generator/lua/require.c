/* require.c: `require` over the files compiled into the binary, never the
 * file system: a module name is letters, digits, '_' and '.', bounded in
 * length, and found under lua/ or templates/ in the embedded table. */
#include "lua/require.h"
#include "lua/sandbox.h"

#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

#define MAX_MODULE_NAME 128 /* bytes of a name given to require */

/* The library and the built-in descriptions are Lua bytecode compiled at
 * build time (tools/embed.c); descriptions from outside always load as
 * text ("t", chunk_load), so no bytecode ever comes from outside. */
int require_embedded(lua_State *L, const struct embed_file *f)
{
    char chunk[EMBED_MAX_CHUNKNAME];

    embed_chunkname(f->path, chunk, sizeof chunk);
    return luaL_loadbufferx(L, f->data, f->len, chunk, f->bytecode ? "b" : "t");
}

/* Raise unless name is a module name we would look up. */
static void check_name(lua_State *L, const char *name)
{
    if (strlen(name) > MAX_MODULE_NAME)
        luaL_error(L, "bad module name (longer than %d bytes)", MAX_MODULE_NAME);
    if (!*name || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "0123456789_.") != strlen(name) || strstr(name, ".."))
        luaL_error(L, "bad module name '%s'", name);
}

/* The embedded file of module name: lua/a/b.lua, lua/a/b/init.lua,
 * templates/a/b.lua, ...; NULL when there is none. */
static const struct embed_file *find_module(lua_State *L, const char *name)
{
    static const char *const roots[] = { "lua", "templates" };
    const struct embed_file *f = NULL;
    char path[256];
    size_t i;

    for (i = 0; i < 2 * (sizeof roots / sizeof roots[0]) && !f; i++) {
        size_t at = strlen(roots[i / 2]) + 1, n = strlen(name), k;
        int len;

        len = snprintf(path, sizeof path, "%s/%s%s", roots[i / 2], name,
                       i % 2 ? "/init.lua" : ".lua");
        if (len < 0 || (size_t)len >= sizeof path)
            luaL_error(L, "bad module name (too long)");
        for (k = at; k < at + n; k++)
            if (path[k] == '.')
                path[k] = '/';
        f = embed_find(path);
    }
    return f;
}

int require_module(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    const struct embed_file *f;

    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    if (lua_getfield(L, -1, name) != LUA_TNIL)
        return 1;
    lua_pop(L, 1);
    check_name(L, name);
    f = find_module(L, name);
    if (!f)
        return luaL_error(L, "module '%s' not found", name);
    if (require_embedded(L, f) != LUA_OK)
        return lua_error(L);
    sandbox_push_host(L);
    lua_call(L, 1, 1);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, name);
    return 1;
}

/* The library's own modules (luaform.core holds the tables behind the
 * read-only config) are not the descriptions' to load. */
int require_public(lua_State *L)
{
    static const char *const open[] = { "luaform.util", "luaform.iam",
        "luaform.github", "luaform.intrinsics", "luaform.policy", NULL };
    const char *name = luaL_checkstring(L, 1);
    int i;

    if (!strcmp(name, "luaform") || !strncmp(name, "luaform.", 8)) {
        for (i = 0; open[i] && strcmp(open[i], name); i++)
            ;
        if (!open[i])
            return luaL_error(L, "module '%s' is internal to luaform (descriptions may "
                              "require luaform.util, luaform.iam, luaform.github, "
                              "luaform.intrinsics, luaform.policy)", name);
    }
    return require_module(L);
}
