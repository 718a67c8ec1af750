/* state.h: one Lua state of the host and its limits. Internal to the Lua
 * host (generator/lua/): only these files see lua_State. */
#ifndef LUAFORM_LUA_STATE_H
#define LUAFORM_LUA_STATE_H

#include "lua/pool.h"

#include <lua.h>
#include <stddef.h>
#include <time.h>

#if LUA_VERSION_NUM != 504
#error "luaform needs Lua 5.4"
#endif

struct lh {
    lua_State *L;
    struct pool pool;
    size_t mem, mem_limit, mem_soft;
    int gc_held;                     /* collector stopped until GC_FROM */
    const char *dead;                /* a limit was hit: raise this at every
                                        instruction, so pcall cannot go on */
    unsigned long instr;
    struct timespec start;
    int verbose;
    /* the error, as the message handler found it (error.c) */
    int have_err;
    char file[256];
    int line;
    char msg[900];
    char trace[2048];
};

/* The host state L belongs to. */
static inline struct lh *state_of(lua_State *L)
{
    return *(struct lh **)lua_getextraspace(L);
}

/* A fresh state with a capped allocator over the pool, the count hook and
 * the collector held; no library open yet (sandbox_open). -1 if Lua
 * cannot create one. */
int state_open(struct lh *s, int verbose);

/* Close the state and give back its pool; safe to call twice. */
void state_close(struct lh *s);

#endif
