/* guard.c: base library functions replaced in the sandbox. pcall and
 * setmetatable cannot get round the limits (state.c), string.rep cannot
 * ask for gigabytes, and tostring, string.format and pairs give the same
 * text and order on every run (no addresses, no hash order). */
#include "lua/guard.h"
#include "lua/state.h"

#include <lauxlib.h>
#include <string.h>

/* Call the original (upvalue 1) with the arguments; nresults from it. */
static void call_original(lua_State *L, int nresults)
{
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, nresults);
}

/* pcall and xpcall that do not swallow a dead state's error. */
int guard_call(lua_State *L)
{
    struct lh *s = state_of(L);

    call_original(L, LUA_MULTRET);
    if (s->dead)
        return luaL_error(L, "%s", s->dead);
    return lua_gettop(L);
}

/* setmetatable without __gc: finalizers run with hooks off, so a loop in
 * one could never be stopped. */
int guard_setmetatable(lua_State *L)
{
    if (lua_istable(L, 2)) {
        lua_pushliteral(L, "__gc");
        if (lua_rawget(L, 2) != LUA_TNIL)
            return luaL_error(L, "__gc metamethods are not allowed in descriptions");
        lua_pop(L, 1);
    }
    call_original(L, 1);
    return 1;
}

/* Push the text of the value at idx without an address in it, so nothing
 * rendered can depend on where the allocator put a table: a __tostring
 * metamethod is honoured, a __name is given alone, and a table, function
 * or userdata without either is its type name. */
static void push_text(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    if (luaL_getmetafield(L, idx, "__tostring") != LUA_TNIL) {
        lua_pop(L, 1);
        luaL_tolstring(L, idx, NULL);   /* errors unless it gives a string */
        return;
    }
    switch (lua_type(L, idx)) {
    case LUA_TTABLE:
    case LUA_TFUNCTION:
    case LUA_TUSERDATA:
    case LUA_TLIGHTUSERDATA:
    case LUA_TTHREAD:
        switch (luaL_getmetafield(L, idx, "__name")) {
        case LUA_TSTRING:
            return;
        case LUA_TNIL:              /* nothing was pushed */
            break;
        default:
            lua_pop(L, 1);          /* a __name that is not a string */
        }
        lua_pushstring(L, luaL_typename(L, idx));
        return;
    default:
        luaL_tolstring(L, idx, NULL);
    }
}

int guard_tostring(lua_State *L)
{
    luaL_checkany(L, 1);
    push_text(L, 1);
    return 1;
}

/* string.format without %p (an address), and with %s of a table given
 * as tostring gives it (without an address). */
int guard_format(lua_State *L)
{
    size_t len;
    const char *f = luaL_checklstring(L, 1, &len), *end = f + len, *p;
    int arg = 1, top = lua_gettop(L);

    for (p = f; p < end; p++) {
        if (*p != '%')
            continue;
        if (++p >= end || *p == '%')
            continue;       /* a trailing '%' is the real format's error */
        arg++;
        p += strspn(p, "-+ #0123456789.");
        if (p >= end)
            break;
        if (*p == 'p')
            return luaL_error(L, "string.format: %%p is not allowed (addresses differ between runs)");
        if (*p == 's' && arg <= top && !lua_isstring(L, arg)) {
            push_text(L, arg);
            lua_replace(L, arg);
        }
    }
    call_original(L, 1);
    return 1;
}

/* string.rep with a size check, so one call cannot ask for gigabytes. */
int guard_rep(lua_State *L)
{
    size_t l, lsep = 0;
    lua_Integer n;
    struct lh *s = state_of(L);

    luaL_checklstring(L, 1, &l);
    n = luaL_checkinteger(L, 2);
    luaL_optlstring(L, 3, "", &lsep);
    if (n > 0 && (double)(l + lsep) * (double)n > (double)s->mem_soft)
        return luaL_error(L, "string.rep: result too large");
    call_original(L, 1);
    return 1;
}

/* ------------------------------------------------------------ pairs */

/* pairs() in sorted key order, so output never depends on hash order:
 * booleans, then numbers, then strings, each in their natural order. */
static int key_rank(lua_State *L, int i)
{
    switch (lua_type(L, i)) {
    case LUA_TBOOLEAN: return 0;
    case LUA_TNUMBER: return 1;
    case LUA_TSTRING: return 2;
    default: return 3;
    }
}

static int sorted_next(lua_State *L)
{
    /* upvalue 1: array of {k, v} pairs; upvalue 2: position */
    lua_Integer i = lua_tointeger(L, lua_upvalueindex(2)) + 1;

    if (lua_rawgeti(L, lua_upvalueindex(1), i) == LUA_TNIL)
        return 1;
    lua_pushinteger(L, i);
    lua_replace(L, lua_upvalueindex(2));
    lua_rawgeti(L, -1, 1);
    lua_rawgeti(L, -2, 2);
    return 2;
}

static int sort_cmp(lua_State *L)
{
    int ra, rb;

    lua_rawgeti(L, 1, 1);
    lua_rawgeti(L, 2, 1);
    ra = key_rank(L, -2);
    rb = key_rank(L, -1);
    if (ra != rb)
        lua_pushboolean(L, ra < rb);
    else if (ra == 0)
        lua_pushboolean(L, !lua_toboolean(L, -2) && lua_toboolean(L, -1));
    else if (ra <= 2)
        lua_pushboolean(L, lua_compare(L, -2, -1, LUA_OPLT));
    else
        lua_pushboolean(L, 0);
    return 1;
}

/* Walk the iterator f, s, c at 3, 4, 5 to its end, appending {k, v} to
 * the array at 2. */
static void collect_entries(lua_State *L)
{
    lua_Integer n = 0;

    for (;;) {
        lua_pushvalue(L, 3);
        lua_pushvalue(L, 4);
        lua_pushvalue(L, 5);
        lua_call(L, 2, 2);
        if (lua_isnil(L, -2)) {
            lua_pop(L, 2);
            break;
        }
        if (key_rank(L, -2) == 3)     /* one message whichever comes first */
            luaL_error(L, "pairs: keys that are not booleans, numbers or "
                       "strings have no order (output must not depend on addresses)");
        lua_createtable(L, 2, 0);
        lua_pushvalue(L, -3);
        lua_rawseti(L, -2, 1);
        lua_pushvalue(L, -2);
        lua_rawseti(L, -2, 2);
        lua_rawseti(L, 2, ++n);
        lua_pop(L, 1);
        lua_replace(L, 5);
    }
}

int guard_pairs(lua_State *L)
{
    luaL_checkany(L, 1);
    lua_newtable(L);                                  /* 2: entries */
    if (luaL_getmetafield(L, 1, "__pairs") != LUA_TNIL) {
        lua_pushvalue(L, 1);
        lua_call(L, 1, 3);                            /* f, s, c */
    } else {
        luaL_checktype(L, 1, LUA_TTABLE);
        lua_getglobal(L, "next");
        lua_pushvalue(L, 1);
        lua_pushnil(L);
    }
    collect_entries(L);                               /* 3 f, 4 s, 5 c */
    lua_settop(L, 2);
    lua_getglobal(L, "table");
    lua_getfield(L, -1, "sort");
    lua_pushvalue(L, 2);
    lua_pushcfunction(L, sort_cmp);
    lua_call(L, 2, 0);
    lua_pop(L, 1);
    lua_pushvalue(L, 2);
    lua_pushinteger(L, 0);
    lua_pushcclosure(L, sorted_next, 2);
    return 1;
}
