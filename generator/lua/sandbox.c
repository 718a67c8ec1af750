/* sandbox.c: the globals of a Lua state. Only base, table, string, math
 * and utf8 are opened (as linit.c does), without dofile, loadfile, load,
 * print, collectgarbage, string.dump or math.random; `require` reads only
 * the files compiled in. The library sees these globals; descriptions and
 * manifests see a copy without next and rawset, through their own _ENV
 * (lua/luaform/init.lua, with the host table's setenv). */
#include "lua/sandbox.h"
#include "lua/error.h"
#include "lua/guard.h"
#include "lua/require.h"

#include <lauxlib.h>
#include <lualib.h>

static const char host_key;     /* the registry key of the host table */

void sandbox_push_host(lua_State *L)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &host_key);
}

/* ------------------------------------------------------------ host table */

/* where() -> { file = ..., line = ... } of the description's frame */
static int host_where(lua_State *L)
{
    char file[256] = "?";
    int line = 0;

    error_frame(L, 1, file, sizeof file, &line);
    lua_createtable(L, 0, 2);
    lua_pushstring(L, file);
    lua_setfield(L, -2, "file");
    lua_pushinteger(L, line);
    lua_setfield(L, -2, "line");
    return 1;
}

/* fail(msg): an error at the description's line */
static int host_fail(lua_State *L)
{
    char file[256] = "?";
    int line = 0;
    const char *msg = luaL_checkstring(L, 1);

    error_frame(L, 1, file, sizeof file, &line);
    return error_raise(L, file, line, msg);
}

/* fail_at(file, line, msg) */
static int host_fail_at(lua_State *L)
{
    return error_raise(L, luaL_checkstring(L, 1), (int)luaL_checkinteger(L, 2),
                       luaL_checkstring(L, 3));
}

/* setenv(fn, env): make env the _ENV of a loaded chunk. */
static int host_setenv(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TFUNCTION);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_pushvalue(L, 2);
    if (!lua_setupvalue(L, 1, 1))
        lua_pop(L, 1);
    return 0;
}

/* ------------------------------------------------------------ globals */

/* The libraries, opened into the global table. */
static void open_libs(lua_State *L)
{
    static const luaL_Reg libs[] = {
        { LUA_GNAME, luaopen_base }, { LUA_TABLIBNAME, luaopen_table },
        { LUA_STRLIBNAME, luaopen_string }, { LUA_MATHLIBNAME, luaopen_math },
        { LUA_UTF8LIBNAME, luaopen_utf8 }, { NULL, NULL }
    };
    const luaL_Reg *lib;

    for (lib = libs; lib->func; lib++) {
        luaL_requiref(L, lib->name, lib->func, 1);
        lua_pop(L, 1);
    }
}

/* Replace field name of the table on top by fn, given the old one as its
 * upvalue. */
static void wrap(lua_State *L, const char *name, lua_CFunction fn)
{
    lua_getfield(L, -1, name);
    lua_pushcclosure(L, fn, 1);
    lua_setfield(L, -2, name);
}

static void set_nil(lua_State *L, const char *name)
{
    lua_pushnil(L);
    lua_setfield(L, -2, name);
}

/* The global table on top: drop, replace and guard its functions. */
static void guard_globals(lua_State *L)
{
    static const char *const drop[] = { "dofile", "loadfile", "load", "print",
        "collectgarbage", NULL };
    int i;

    for (i = 0; drop[i]; i++)
        set_nil(L, drop[i]);
    lua_pushcfunction(L, require_module);
    lua_setfield(L, -2, "require");
    lua_pushcfunction(L, guard_pairs);
    lua_setfield(L, -2, "pairs");
    wrap(L, "pcall", guard_call);
    wrap(L, "xpcall", guard_call);
    wrap(L, "setmetatable", guard_setmetatable);
    wrap(L, "tostring", guard_tostring);
    lua_getfield(L, -1, "string");
    set_nil(L, "dump");
    wrap(L, "rep", guard_rep);
    wrap(L, "format", guard_format);
    lua_pop(L, 1);
    lua_getfield(L, -1, "math");          /* deterministic output only */
    set_nil(L, "random");
    set_nil(L, "randomseed");
    lua_pop(L, 1);
}

/* The globals of descriptions and manifests: a copy of the library's
 * without `next` (hash order differs between runs; `pairs` is sorted) and
 * `rawset` (it gets past read-only tables), whose _G is itself, so the
 * hidden names cannot be reached through it. */
static void push_public(lua_State *L, int globals)
{
    static const char *const hidden[] = { "next", "rawset", NULL };
    int i;

    lua_newtable(L);
    lua_pushnil(L);
    while (lua_next(L, globals)) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, -4);
    }
    for (i = 0; hidden[i]; i++)
        set_nil(L, hidden[i]);
    lua_pushcfunction(L, require_public);
    lua_setfield(L, -2, "require");
    lua_pushvalue(L, -1);
    lua_setfield(L, -2, "_G");
}

void sandbox_open(lua_State *L)
{
    static const luaL_Reg host[] = {
        { "where", host_where }, { "fail", host_fail },
        { "fail_at", host_fail_at }, { "setenv", host_setenv }, { NULL, NULL }
    };

    open_libs(L);
    lua_pushglobaltable(L);
    guard_globals(L);
    /* The host table handed to every lua/ module: base is the library's
     * globals, public what descriptions and manifests see. */
    luaL_newlib(L, host);
    lua_pushvalue(L, -2);
    lua_setfield(L, -2, "base");
    push_public(L, lua_absindex(L, -2));
    lua_setfield(L, -2, "public");
    lua_rawsetp(L, LUA_REGISTRYINDEX, &host_key);
    lua_pop(L, 1);
}
