/* state.c: a Lua state and its limits. Work is bounded by instructions
 * and memory (a count hook and a capped allocator), which do not depend on
 * how loaded the machine is; the wall clock is a last resort far above
 * them. Once a limit is hit the state is dead: every later instruction
 * raises again. */
#include "lua/state.h"
#include "lua/luahost.h"

#include <lauxlib.h>
#include <string.h>

#define HOOK_EVERY 1000
/* LUAHOST_INSTR_LIMIT takes well under a second on an idle machine. */
#define TIME_LIMIT 20.0     /* seconds of wall clock, checked at each hook */
/* The collector starts once a state has allocated this much: a stack's
 * render allocates a few hundred kilobytes and is over before a collection
 * would free anything (lua_close frees it all); a description that
 * allocates more gets the usual incremental collector from here on. */
#define GC_FROM (8u << 20)

#define MEM_EXCEEDED "memory limit exceeded (a description that allocates without bound?)"

static void state_hook(lua_State *L, lua_Debug *ar);

/* Mark the state dead: raise at the next instruction, where the error has
 * a line. lua_sethook is safe to call at any time (lua.c does it from a
 * signal handler). L is the running thread (the hook's) or the main one
 * (the allocator's). */
static void state_kill(struct lh *s, lua_State *L, const char *why)
{
    s->dead = why;
    lua_sethook(L, state_hook, LUA_MASKCOUNT, 1);
}

static void *state_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    struct lh *s = ud;
    size_t old = ptr ? osize : 0;
    void *p;

    if (nsize == 0) {
        if (ptr)
            pool_put(&s->pool, ptr, osize);
        s->mem -= old;
        return NULL;
    }
    if (nsize > old && s->mem - old + nsize > s->mem_limit) {
        if (s->L && !s->dead)
            state_kill(s, s->L, MEM_EXCEEDED);
        return NULL;
    }
    p = pool_realloc(&s->pool, ptr, old, nsize);
    if (!p)
        return NULL;
    s->mem = s->mem - old + nsize;
    if (s->mem > s->mem_soft && !s->dead && s->L)
        state_kill(s, s->L, MEM_EXCEEDED);
    return p;
}

static double elapsed(const struct timespec *t0)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) +
           (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The count hook. Once a limit is hit the state is dead: every later
 * instruction raises again, so neither pcall nor a loop around it can
 * carry on. */
static void state_hook(lua_State *L, lua_Debug *ar)
{
    struct lh *s = state_of(L);

    (void)ar;
    if (s->gc_held && s->mem > GC_FROM) {
        s->gc_held = 0;
        lua_gc(L, LUA_GCRESTART);
    }
    if (!s->dead) {
        s->instr += HOOK_EVERY;
        if (s->instr > LUAHOST_INSTR_LIMIT)
            state_kill(s, L, "instruction limit exceeded (a description that never ends?)");
        else if (elapsed(&s->start) > TIME_LIMIT)
            state_kill(s, L, "time limit exceeded (a description that never ends?)");
    }
    if (s->dead)
        luaL_error(L, "%s", s->dead);
}

int state_open(struct lh *s, int verbose)
{
    memset(s, 0, sizeof *s);
    s->mem_limit = LUAHOST_MEM_LIMIT;
    s->mem_soft = LUAHOST_MEM_LIMIT / 2;
    s->verbose = verbose;
    clock_gettime(CLOCK_MONOTONIC, &s->start);
    pool_open(&s->pool);
    s->L = lua_newstate(state_alloc, s);
    if (!s->L) {
        pool_close(&s->pool);
        return -1;
    }
    *(struct lh **)lua_getextraspace(s->L) = s;
    lua_sethook(s->L, state_hook, LUA_MASKCOUNT, HOOK_EVERY);
    lua_atpanic(s->L, NULL);
    lua_gc(s->L, LUA_GCSTOP);
    s->gc_held = 1;
    return 0;
}

void state_close(struct lh *s)
{
    if (s->L) {
        lua_State *L = s->L;

        s->L = NULL;
        lua_close(L);
        pool_close(&s->pool);
    }
}
