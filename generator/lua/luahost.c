/* luahost.c: the Lua host.
 *
 * Each job gets a fresh lua_State with only base, table, string, math and
 * utf8, a capped allocator and a count hook; `require` finds the lua/
 * library compiled into the binary. Errors carry the description's file
 * and line: the message handler blames the innermost frame that is not
 * part of the library (after redis's luaExtractErrorInformation). */
#define _DEFAULT_SOURCE         /* MAP_ANONYMOUS, MAP_NORESERVE */
#include "lua/luahost.h"
#include "lua/embed.h"
#include "core/err.h"
#include "template/template.h"

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#if LUA_VERSION_NUM != 504
#error "luaform needs Lua 5.4"
#endif

#define HOOK_EVERY 1000
/* Work is bounded by instructions and memory, which do not depend on how
 * loaded the machine is; the wall clock is a last resort far above them
 * (LUAHOST_INSTR_LIMIT takes well under a second on an idle machine). */
#define TIME_LIMIT 20.0     /* seconds of wall clock, checked at each hook */
/* The collector starts once a state has allocated this much: a stack's
 * render allocates a few hundred kilobytes and is over before a collection
 * would free anything (lua_close frees it all); a description that
 * allocates more gets the usual incremental collector from here on. */
#define GC_FROM (8u << 20)
#define MAX_DEPTH 64
#define MAX_MODULE_NAME 128 /* bytes of a name given to require */

/* A state's small blocks come from the pool: one region of address space
 * (reserved once per process, its pages used as needed and kept), one
 * free list per 16-byte size class, emptied at once when the state is
 * closed. A render makes tens of thousands of small objects, which the pool
 * hands out and takes back in a few instructions. What does not fit (a
 * block over 256 bytes, the region full, a second state open at the same
 * time) is malloc'd: memory stays within the limits plus the region. Under
 * AddressSanitizer there is no pool, so that it sees every block. */
#if defined(__SANITIZE_ADDRESS__)
#define POOL_MAX 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_MAX 0
#endif
#endif
#ifndef POOL_MAX
#define POOL_MAX 256                /* bytes; larger blocks go to malloc */
#endif
#define POOL_STEP 16
#define POOL_REGION (8u << 20)

static struct {
    char *base;                     /* NULL until first used, or when mmap failed */
    int busy;                       /* a state has it */
} region;

struct pool {
    void *free[POOL_MAX / POOL_STEP + 1];   /* per size class */
    char *base, *cur, *end;                 /* the region, if this state has it */
};

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
    /* the error, as the message handler found it */
    int have_err;
    char file[256];
    int line;
    char msg[900];
    char trace[2048];
};

static struct lh *luahost_of(lua_State *L)
{
    return *(struct lh **)lua_getextraspace(L);
}

/* ------------------------------------------------------------ limits */

static void luahost_hook(lua_State *L, lua_Debug *ar);

static size_t pool_class(size_t n)
{
    return (n + POOL_STEP - 1) / POOL_STEP;     /* 1.. for n <= POOL_MAX */
}

/* Take the region for a new state, if it is free (else: malloc only). */
static void pool_open(struct pool *p)
{
    memset(p, 0, sizeof *p);
    if (POOL_MAX == 0 || region.busy)
        return;
    if (!region.base) {
        void *m = mmap(NULL, POOL_REGION, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

        if (m == MAP_FAILED)
            return;
        region.base = m;
    }
    region.busy = 1;
    p->base = p->cur = region.base;
    p->end = region.base + POOL_REGION;
}

/* Give the region back: every block in it is free again. */
static void pool_close(struct pool *p)
{
    if (p->base)
        region.busy = 0;
    memset(p, 0, sizeof *p);
}

static int pool_owns(const struct pool *p, const void *b)
{
    return (const char *)b >= p->base && (const char *)b < p->end;
}

static void *pool_get(struct pool *p, size_t n)
{
    size_t c = pool_class(n), size = c * POOL_STEP;
    void *b;

    if (n > POOL_MAX)
        return malloc(n);
    if ((b = p->free[c]) != NULL) {
        p->free[c] = *(void **)b;
        return b;
    }
    if ((size_t)(p->end - p->cur) < size)
        return malloc(n);               /* the region is full (or not ours) */
    b = p->cur;
    p->cur += size;
    return b;
}

static void pool_put(struct pool *p, void *b, size_t n)
{
    size_t c = pool_class(n);

    if (!pool_owns(p, b)) {
        free(b);
        return;
    }
    *(void **)b = p->free[c];
    p->free[c] = b;
}

/* realloc: a block of the pool stays where it is while its size class
 * does; a malloc'd one is realloc'd. */
static void *pool_realloc(struct pool *p, void *b, size_t old, size_t n)
{
    void *nb;

    if (!b)
        return pool_get(p, n);
    if (!pool_owns(p, b))
        return realloc(b, n);
    if (n <= POOL_MAX && pool_class(old) == pool_class(n))
        return b;
    nb = pool_get(p, n);
    if (!nb)
        return NULL;
    memcpy(nb, b, old < n ? old : n);
    pool_put(p, b, old);
    return nb;
}

static void *luahost_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
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
        if (s->L && !s->dead) {
            s->dead = "memory limit exceeded (a description that allocates without bound?)";
            lua_sethook(s->L, luahost_hook, LUA_MASKCOUNT, 1);
        }
        return NULL;
    }
    p = pool_realloc(&s->pool, ptr, old, nsize);
    if (!p)
        return NULL;
    s->mem = s->mem - old + nsize;
    if (s->mem > s->mem_soft && !s->dead && s->L) {
        /* Raise at the next instruction, where the error has a line.
         * lua_sethook is safe to call at any time (lua.c does it from a
         * signal handler). */
        s->dead = "memory limit exceeded (a description that allocates without bound?)";
        lua_sethook(s->L, luahost_hook, LUA_MASKCOUNT, 1);
    }
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
static void luahost_hook(lua_State *L, lua_Debug *ar)
{
    struct lh *s = luahost_of(L);

    (void)ar;
    if (s->gc_held && s->mem > GC_FROM) {
        s->gc_held = 0;
        lua_gc(L, LUA_GCRESTART);
    }
    if (!s->dead) {
        s->instr += HOOK_EVERY;
        if (s->instr > LUAHOST_INSTR_LIMIT)
            s->dead = "instruction limit exceeded (a description that never ends?)";
        else if (elapsed(&s->start) > TIME_LIMIT)
            s->dead = "time limit exceeded (a description that never ends?)";
        if (s->dead)
            lua_sethook(L, luahost_hook, LUA_MASKCOUNT, 1);
    }
    if (s->dead)
        luaL_error(L, "%s", s->dead);
}

/* pcall and xpcall that do not swallow a dead state's error. */
static int guarded_call(lua_State *L)
{
    struct lh *s = luahost_of(L);
    int n = lua_gettop(L);

    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n, LUA_MULTRET);
    if (s->dead)
        return luaL_error(L, "%s", s->dead);
    return lua_gettop(L);
}

/* setmetatable without __gc: finalizers run with hooks off, so a loop in
 * one could never be stopped. */
static int guarded_setmetatable(lua_State *L)
{
    if (lua_istable(L, 2)) {
        lua_pushliteral(L, "__gc");
        if (lua_rawget(L, 2) != LUA_TNIL)
            return luaL_error(L, "__gc metamethods are not allowed in descriptions");
        lua_pop(L, 1);
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
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

static int guarded_tostring(lua_State *L)
{
    luaL_checkany(L, 1);
    push_text(L, 1);
    return 1;
}

/* string.format without %p (an address), and with %s of a table given
 * as tostring gives it (without an address). */
static int guarded_format(lua_State *L)
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
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

/* ------------------------------------------------------------ errors */

/* The innermost Lua frame from level on that is not in lua/. */
static int user_frame(lua_State *L, int level, char *file, size_t n, int *line)
{
    lua_Debug ar;

    for (; lua_getstack(L, level, &ar); level++) {
        if (!lua_getinfo(L, "Sl", &ar))
            continue;
        if (ar.currentline <= 0 || ar.source[0] != '@')
            continue;               /* C, or the library (=luaform:lua/...) */
        snprintf(file, n, "%s", ar.source + 1);
        *line = ar.currentline;
        return 1;
    }
    return 0;
}

/* Split "chunk:123: message" into its parts; 0 if it has no location. */
static int split_location(const char *m, char *file, size_t n, int *line,
                          const char **rest)
{
    const char *p;

    for (p = strchr(m, ':'); p; p = strchr(p + 1, ':')) {
        const char *q = p + 1;
        int v = 0;

        if (*q < '0' || *q > '9')
            continue;
        while (*q >= '0' && *q <= '9' && q - p <= 9)
            v = v * 10 + (*q++ - '0');
        if (q[0] != ':' || q[1] != ' ')
            continue;       /* also a "line" of more than 9 digits: not one */
        snprintf(file, n, "%.*s", (int)(p - m), m);
        *line = v;
        *rest = q + 2;
        return 1;
    }
    return 0;
}

static void record(struct lh *s, const char *file, int line, const char *msg)
{
    s->have_err = 1;
    snprintf(s->file, sizeof s->file, "%s", file);
    s->line = line;
    snprintf(s->msg, sizeof s->msg, "%s", msg);
}

/* Message handler: find the line to blame and keep a traceback. */
static int luahost_msgh(lua_State *L)
{
    struct lh *s = luahost_of(L);
    char file[256] = "";
    int line = 0;
    const char *rest;

    if (lua_istable(L, 1) && lua_getfield(L, 1, "__luaform_error") != LUA_TNIL) {
        lua_getfield(L, 1, "file");
        lua_getfield(L, 1, "line");
        lua_getfield(L, 1, "msg");
        record(s, luaL_optstring(L, -3, ""), (int)luaL_optinteger(L, -2, 0),
               luaL_optstring(L, -1, "error"));
        lua_pop(L, 4);
    } else {
        const char *m = lua_tostring(L, 1);
        char buf[256];

        if (!m) {
            snprintf(buf, sizeof buf, "error object is a %s value",
                     luaL_typename(L, 1));
            m = buf;
        }
        if (split_location(m, file, sizeof file, &line, &rest) &&
            strncmp(file, "luaform:", 8) != 0) {
            record(s, file, line, rest);
        } else {
            if (split_location(m, file, sizeof file, &line, &rest))
                m = rest;   /* raised inside lua/: blame the caller */
            file[0] = '\0';
            line = 0;
            user_frame(L, 1, file, sizeof file, &line);
            record(s, file, line, m);
        }
    }
    if (s->verbose) {
        luaL_traceback(L, L, NULL, 1);
        snprintf(s->trace, sizeof s->trace, "%s", lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    return 1;
}

/* Raise a luaform error object at file:line. */
static int raise_at(lua_State *L, const char *file, int line, const char *msg)
{
    lua_createtable(L, 0, 4);
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "__luaform_error");
    lua_pushstring(L, file);
    lua_setfield(L, -2, "file");
    lua_pushinteger(L, line);
    lua_setfield(L, -2, "line");
    lua_pushstring(L, msg);
    lua_setfield(L, -2, "msg");
    return lua_error(L);
}

/* ------------------------------------------------------------ host API */

/* where() -> { file = ..., line = ... } of the description's frame */
static int host_where(lua_State *L)
{
    char file[256] = "?";
    int line = 0;

    user_frame(L, 1, file, sizeof file, &line);
    lua_createtable(L, 0, 2);
    lua_pushstring(L, file);
    lua_setfield(L, -2, "file");
    lua_pushinteger(L, line);
    lua_setfield(L, -2, "line");
    return 1;
}

static int host_fail(lua_State *L)
{
    char file[256] = "?";
    int line = 0;
    const char *msg = luaL_checkstring(L, 1);

    user_frame(L, 1, file, sizeof file, &line);
    return raise_at(L, file, line, msg);
}

static int host_fail_at(lua_State *L)
{
    return raise_at(L, luaL_checkstring(L, 1), (int)luaL_checkinteger(L, 2),
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

/* An embedded file: the library and the built-in descriptions are Lua
 * bytecode compiled at build time (tools/embed.c), under the chunk name
 * embed_chunkname gives; descriptions from outside always load as text
 * ("t", load_chunk), so no bytecode ever comes from outside. */
static int load_embedded(lua_State *L, const struct embed_file *f)
{
    char chunk[EMBED_MAX_CHUNKNAME];

    embed_chunkname(f->path, chunk, sizeof chunk);
    return luaL_loadbufferx(L, f->data, f->len, chunk, f->bytecode ? "b" : "t");
}

/* require(name): lua/NAME.lua, then templates/NAME.lua, both embedded. */
static int luahost_require(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    static const char *const roots[] = { "lua", "templates" };
    const struct embed_file *f = NULL;
    char path[256];
    size_t i;

    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    if (lua_getfield(L, -1, name) != LUA_TNIL)
        return 1;
    lua_pop(L, 1);
    if (strlen(name) > MAX_MODULE_NAME)
        return luaL_error(L, "bad module name (longer than %d bytes)", MAX_MODULE_NAME);
    if (!*name || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "0123456789_.") != strlen(name) || strstr(name, ".."))
        return luaL_error(L, "bad module name '%s'", name);
    for (i = 0; i < 2 * (sizeof roots / sizeof roots[0]) && !f; i++) {
        size_t at = strlen(roots[i / 2]) + 1, n = strlen(name), k;
        int len;

        /* lua/a/b.lua, lua/a/b/init.lua, templates/a/b.lua, ... */
        len = snprintf(path, sizeof path, "%s/%s%s", roots[i / 2], name,
                       i % 2 ? "/init.lua" : ".lua");
        if (len < 0 || (size_t)len >= sizeof path)
            return luaL_error(L, "bad module name (too long)");
        for (k = at; k < at + n; k++)
            if (path[k] == '.')
                path[k] = '/';
        f = embed_find(path);
    }
    if (!f)
        return luaL_error(L, "module '%s' not found", name);
    if (load_embedded(L, f) != LUA_OK)
        return lua_error(L);
    lua_rawgetp(L, LUA_REGISTRYINDEX, (void *)&luahost_require);   /* host table */
    lua_call(L, 1, 1);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, name);
    return 1;
}

/* require for descriptions and manifests: the library's own modules
 * (luaform.core holds the tables behind the read-only config) are not
 * theirs to load. */
static int public_require(lua_State *L)
{
    static const char *const open[] = { "luaform.util", "luaform.iam",
        "luaform.github", "luaform.intrinsics", NULL };
    const char *name = luaL_checkstring(L, 1);
    int i;

    if (!strcmp(name, "luaform") || !strncmp(name, "luaform.", 8)) {
        for (i = 0; open[i] && strcmp(open[i], name); i++)
            ;
        if (!open[i])
            return luaL_error(L, "module '%s' is internal to luaform (descriptions may "
                              "require luaform.util, luaform.iam, luaform.github, "
                              "luaform.intrinsics)", name);
    }
    return luahost_require(L);
}

/* string.rep with a size check, so one call cannot ask for gigabytes. */
static int safe_rep(lua_State *L)
{
    size_t l, lsep = 0;
    lua_Integer n;
    struct lh *s = luahost_of(L);

    luaL_checklstring(L, 1, &l);
    n = luaL_checkinteger(L, 2);
    luaL_optlstring(L, 3, "", &lsep);
    if (n > 0 && (double)(l + lsep) * (double)n > (double)s->mem_soft)
        return luaL_error(L, "string.rep: result too large");
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

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

static int sorted_pairs(lua_State *L)
{
    lua_Integer n = 0;

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
    for (;;) {                                        /* 3 f, 4 s, 5 c */
        lua_pushvalue(L, 3);
        lua_pushvalue(L, 4);
        lua_pushvalue(L, 5);
        lua_call(L, 2, 2);
        if (lua_isnil(L, -2)) {
            lua_pop(L, 2);
            break;
        }
        if (key_rank(L, -2) == 3)     /* one message whichever comes first */
            return luaL_error(L, "pairs: keys that are not booleans, numbers or "
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

/* ------------------------------------------------------------ state */

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
    for (i = 0; hidden[i]; i++) {
        lua_pushnil(L);
        lua_setfield(L, -2, hidden[i]);
    }
    lua_pushcfunction(L, public_require);
    lua_setfield(L, -2, "require");
    lua_pushvalue(L, -1);
    lua_setfield(L, -2, "_G");
}

static void open_sandbox(lua_State *L)
{
    static const luaL_Reg libs[] = {
        { LUA_GNAME, luaopen_base }, { LUA_TABLIBNAME, luaopen_table },
        { LUA_STRLIBNAME, luaopen_string }, { LUA_MATHLIBNAME, luaopen_math },
        { LUA_UTF8LIBNAME, luaopen_utf8 }, { NULL, NULL }
    };
    static const char *const drop[] = { "dofile", "loadfile", "load", "print",
        "collectgarbage", NULL };
    static const luaL_Reg host[] = {
        { "where", host_where }, { "fail", host_fail },
        { "fail_at", host_fail_at }, { "setenv", host_setenv }, { NULL, NULL }
    };
    const luaL_Reg *lib;
    int i;

    for (lib = libs; lib->func; lib++) {
        luaL_requiref(L, lib->name, lib->func, 1);
        lua_pop(L, 1);
    }
    lua_pushglobaltable(L);
    for (i = 0; drop[i]; i++) {
        lua_pushnil(L);
        lua_setfield(L, -2, drop[i]);
    }
    lua_pushcfunction(L, luahost_require);
    lua_setfield(L, -2, "require");
    lua_pushcfunction(L, sorted_pairs);
    lua_setfield(L, -2, "pairs");
    {
        static const struct { const char *name; lua_CFunction fn; } wrap[] = {
            { "pcall", guarded_call }, { "xpcall", guarded_call },
            { "setmetatable", guarded_setmetatable }, { "tostring", guarded_tostring },
        };
        size_t w;

        for (w = 0; w < sizeof wrap / sizeof wrap[0]; w++) {
            lua_getfield(L, -1, wrap[w].name);
            lua_pushcclosure(L, wrap[w].fn, 1);
            lua_setfield(L, -2, wrap[w].name);
        }
    }
    lua_getfield(L, -1, "string");
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    lua_getfield(L, -1, "rep");
    lua_pushcclosure(L, safe_rep, 1);
    lua_setfield(L, -2, "rep");
    lua_getfield(L, -1, "format");
    lua_pushcclosure(L, guarded_format, 1);
    lua_setfield(L, -2, "format");
    lua_pop(L, 1);
    lua_getfield(L, -1, "math");          /* deterministic output only */
    lua_pushnil(L);
    lua_setfield(L, -2, "random");
    lua_pushnil(L);
    lua_setfield(L, -2, "randomseed");
    lua_pop(L, 1);

    /* The host table handed to every lua/ module: base is the library's
     * globals, public what descriptions and manifests see. */
    luaL_newlib(L, host);
    lua_pushvalue(L, -2);
    lua_setfield(L, -2, "base");
    push_public(L, lua_absindex(L, -2));
    lua_setfield(L, -2, "public");
    lua_rawsetp(L, LUA_REGISTRYINDEX, (void *)&luahost_require);
    lua_pop(L, 1);
}

static int luahost_open(struct lh *s, int verbose)
{
    memset(s, 0, sizeof *s);
    s->mem_limit = LUAHOST_MEM_LIMIT;
    s->mem_soft = LUAHOST_MEM_LIMIT / 2;
    s->verbose = verbose;
    clock_gettime(CLOCK_MONOTONIC, &s->start);
    pool_open(&s->pool);
    s->L = lua_newstate(luahost_alloc, s);
    if (!s->L) {
        pool_close(&s->pool);
        return -1;
    }
    *(struct lh **)lua_getextraspace(s->L) = s;
    lua_sethook(s->L, luahost_hook, LUA_MASKCOUNT, HOOK_EVERY);
    lua_atpanic(s->L, NULL);
    lua_gc(s->L, LUA_GCSTOP);
    s->gc_held = 1;
    return 0;
}

static void luahost_close(struct lh *s)
{
    if (s->L) {
        lua_State *L = s->L;

        s->L = NULL;
        lua_close(L);
        pool_close(&s->pool);
    }
}

/* Turn a failed pcall into the error record. */
static int luahost_error(struct lh *s, int status, const char *chunk,
                    struct gen_err *e)
{
    int code;

    if (status == LUA_ERRMEM || !s->have_err)
        record(s, chunk, 0, status == LUA_ERRMEM ?
               "memory limit exceeded (a description that allocates "
               "without bound?)" : "error in error handling");
    if (!s->file[0] || !strcmp(s->file, "?"))     /* no Lua frame to blame */
        snprintf(s->file, sizeof s->file, "%s", chunk);
    code = err_set(e, GEN_ELUA, s->file, s->line, "%s", s->msg);
    if (s->verbose && s->trace[0] && e)
        snprintf(e->msg + strlen(e->msg), sizeof e->msg - strlen(e->msg),
                 "\n%s", s->trace);
    return code;
}

/* ------------------------------------------------------------ conversion */

struct conv {
    lua_State *L;
    char path[512];
    char fail_path[512];         /* path where conversion failed */
    char msg[512];
};

static json_t *to_json(struct conv *c, int idx, int depth);

static json_t *conv_fail(struct conv *c, const char *fmt, const char *arg)
{
    char m[400];

    snprintf(m, sizeof m, fmt, arg);
    if (!c->msg[0]) {
        snprintf(c->msg, sizeof c->msg, "%s: %s", c->path[0] ? c->path : "value", m);
        snprintf(c->fail_path, sizeof c->fail_path, "%s", c->path);
    }
    return NULL;
}

/* Append ".key" (or "[i]") to the path, cut to fit; returns the length
 * to cut back to. (Called for every value converted: no printf for keys.) */
static size_t path_push(struct conv *c, const char *key, lua_Integer i)
{
    size_t n = strlen(c->path), at = n, k;
    char num[32];

    if (!key) {
        snprintf(num, sizeof num, "[%lld]", (long long)i);
        key = num;
    } else if (n && at < sizeof c->path - 1) {
        c->path[at++] = '.';
    }
    k = strlen(key);
    if (k > sizeof c->path - 1 - at)
        k = sizeof c->path - 1 - at;
    memcpy(c->path + at, key, k);
    c->path[at + k] = '\0';
    return n;
}

static int keycmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static json_t *table_to_json(struct conv *c, int idx, int depth)
{
    lua_State *L = c->L;
    int kind = 0;                /* 1 list, 2 map, 0 decide by keys */
    const char *s;
    lua_Integer n = 0, nint = 0, nstr = 0, i;
    json_t *out = NULL;

    if (depth > MAX_DEPTH)
        return conv_fail(c, "nested more than %s levels deep", "64");
    if (!lua_checkstack(L, 8))
        return conv_fail(c, "%s", "nested too deeply");
    /* raw reads only: no metamethod of the description's runs here */
    if (lua_getmetatable(L, idx)) {
        lua_pushliteral(L, "__luaform_config");
        if (lua_rawget(L, -2) == LUA_TTABLE) {
            lua_remove(L, -2);
            out = table_to_json(c, lua_gettop(L), depth + 1);
            lua_pop(L, 1);
            return out;
        }
        lua_pop(L, 1);
        lua_pushliteral(L, "__luaform");
        lua_rawget(L, -2);
        s = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        kind = !s ? -1 : !strcmp(s, "list") ? 1 : !strcmp(s, "map") ? 2 : -1;
        lua_pop(L, 2);
        if (kind < 0)
            return conv_fail(c, "%s cannot be rendered (a handle or object; "
                             "use :ref() or a value)", "this table");
    }
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        size_t klen;

        if (lua_type(L, -2) == LUA_TSTRING &&
            strlen(lua_tolstring(L, -2, &klen)) != klen) {
            lua_pop(L, 2);
            return conv_fail(c, "%s", "a key contains a NUL byte");
        }
        if (lua_type(L, -2) == LUA_TSTRING)
            nstr++;
        else if (lua_isinteger(L, -2) && lua_tointeger(L, -2) >= 1)
            nint++;
        else {
            lua_pop(L, 2);
            return conv_fail(c, "table key of type %s cannot be rendered",
                             luaL_typename(L, -2));
        }
        lua_pop(L, 1);
    }
    n = (lua_Integer)lua_rawlen(L, idx);
    if (kind == 0) {
        if (nstr == 0 && nint == 0)
            return conv_fail(c, "%s", "empty table is ambiguous: write list{} or map{}");
        kind = nstr ? 2 : 1;
    }
    if (kind == 1) {
        if (nstr || nint != n)
            return conv_fail(c, "%s", "a list must have keys 1..n only");
        out = json_array();
        for (i = 1; i <= n && out; i++) {
            size_t mark = path_push(c, NULL, i - 1);
            json_t *v;

            lua_rawgeti(L, idx, i);
            v = to_json(c, lua_gettop(L), depth + 1);
            lua_pop(L, 1);
            c->path[mark] = '\0';
            if (!v || json_array_append_new(out, v) < 0) {
                json_decref(out);
                out = NULL;
            }
        }
        return out;
    }
    if (nint)
        return conv_fail(c, "%s", "a table mixes list items and map keys");
    {
        const char **keys = calloc((size_t)nstr + 1, sizeof *keys);
        lua_Integer k = 0;

        if (!keys)
            return conv_fail(c, "%s", "out of memory");
        lua_pushnil(L);
        while (lua_next(L, idx)) {
            keys[k++] = lua_tostring(L, -2);   /* anchored by the table */
            lua_pop(L, 1);
        }
        qsort(keys, (size_t)k, sizeof *keys, keycmp);
        out = json_object();
        for (i = 0; i < k && out; i++) {
            size_t mark = path_push(c, keys[i], 0);
            json_t *v;

            lua_pushstring(L, keys[i]);
            lua_rawget(L, idx);
            v = to_json(c, lua_gettop(L), depth + 1);
            lua_pop(L, 1);
            c->path[mark] = '\0';
            if (v && json_object_set_new(out, keys[i], v) < 0) {
                path_push(c, keys[i], 0);
                conv_fail(c, "%s", "key is not valid UTF-8");
                v = NULL;
            }
            if (!v) {
                json_decref(out);
                out = NULL;
            }
        }
        free(keys);
    }
    return out;
}

static json_t *to_json(struct conv *c, int idx, int depth)
{
    lua_State *L = c->L;
    size_t len;
    const char *s;
    json_t *v;

    switch (lua_type(L, idx)) {
    case LUA_TSTRING:
        s = lua_tolstring(L, idx, &len);
        v = json_stringn(s, len);
        return v ? v : conv_fail(c, "%s", "string is not valid UTF-8");
    case LUA_TBOOLEAN:
        return json_boolean(lua_toboolean(L, idx));
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx))
            return json_integer((json_int_t)lua_tointeger(L, idx));
        if (!isfinite(lua_tonumber(L, idx)))
            return conv_fail(c, "%s", "number is not finite");
        return json_real(lua_tonumber(L, idx));
    case LUA_TTABLE:
        return table_to_json(c, idx, depth);
    default:
        return conv_fail(c, "a %s cannot be rendered", luaL_typename(L, idx));
    }
}

/* JSON -> Lua, for config values (lists get core.LIST). */
static void push_json(lua_State *L, const json_t *j, int list_mt)
{
    size_t i;
    const char *k;
    json_t *v;

    switch (json_typeof(j)) {
    case JSON_OBJECT:
        lua_createtable(L, 0, (int)json_object_size(j));
        json_object_foreach((json_t *)j, k, v) {
            push_json(L, v, list_mt);
            lua_setfield(L, -2, k);
        }
        break;
    case JSON_ARRAY:
        lua_createtable(L, (int)json_array_size(j), 0);
        json_array_foreach(j, i, v) {
            push_json(L, v, list_mt);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        lua_pushvalue(L, list_mt);
        lua_setmetatable(L, -2);
        break;
    case JSON_STRING:
        lua_pushlstring(L, json_string_value(j), json_string_length(j));
        break;
    case JSON_INTEGER:
        lua_pushinteger(L, (lua_Integer)json_integer_value(j));
        break;
    case JSON_REAL:
        lua_pushnumber(L, json_real_value(j));
        break;
    case JSON_TRUE:
        lua_pushboolean(L, 1);
        break;
    case JSON_FALSE:
        lua_pushboolean(L, 0);
        break;
    default:
        lua_pushnil(L);
    }
}

/* ------------------------------------------------------------ jobs */

/* When the parser fails without a line (a "C stack overflow" from nesting
 * too deep), the chunk is parsed again, handed over one line at a time, to
 * learn the line it was reading. */
struct line_reader {
    const char *p, *end;
    int line;                   /* the line last handed to the parser */
};

static const char *read_line(lua_State *L, void *ud, size_t *size)
{
    struct line_reader *r = ud;
    const char *nl;

    (void)L;
    if (r->p >= r->end) {
        *size = 0;
        return NULL;
    }
    nl = memchr(r->p, '\n', (size_t)(r->end - r->p));
    *size = nl ? (size_t)(nl + 1 - r->p) : (size_t)(r->end - r->p);
    r->p += *size;
    r->line++;
    return r->p - *size;
}

/* The embedded file src is, or NULL when it was read from disk. */
static const struct embed_file *embedded(const struct luahost_source *src)
{
    const struct embed_file *f = embed_find(src->name);

    return f && f->data == src->data ? f : NULL;
}

/* Load a description as text. As the lua command does, a UTF-8 byte
 * order mark and a first line starting with '#' (#!/usr/bin/env ...) are
 * skipped; the line numbers stay those of the file. A built-in one was
 * compiled at build time, as the library was. */
static int load_chunk(lua_State *L, const struct luahost_source *src)
{
    const struct embed_file *f = embedded(src);
    struct line_reader r;
    char chunk[300];
    size_t n;
    int rc;

    if (f)
        return load_embedded(L, f);
    snprintf(chunk, sizeof chunk, "@%s", src->name);

    r.p = src->data;
    r.end = src->data + src->len;
    r.line = 0;
    if (src->len >= 3 && !memcmp(r.p, "\xef\xbb\xbf", 3))
        r.p += 3;
    if (r.p < r.end && *r.p == '#') {
        const char *nl = memchr(r.p, '\n', (size_t)(r.end - r.p));

        r.p = nl ? nl : r.end;      /* keep the newline: line 1 stays line 1 */
    }
    rc = luaL_loadbufferx(L, r.p, (size_t)(r.end - r.p), chunk, "t");
    n = strlen(src->name);
    if (rc != LUA_OK && lua_type(L, -1) == LUA_TSTRING &&
        (strncmp(lua_tostring(L, -1), src->name, n) || lua_tostring(L, -1)[n] != ':')) {
        const char *m;

        lua_load(L, read_line, &r, chunk, "t");
        lua_pop(L, 1);              /* its error (or function): one value */
        m = lua_tostring(L, -1);
        lua_pushfstring(L, "%s:%d: %s%s", src->name, r.line > 0 ? r.line : 1,
                        !strcmp(m, "C stack overflow") ? "nested too deeply: " : "", m);
        lua_remove(L, -2);
    }
    return rc;
}

/* protected body of luahost_render: stack holds the job as light userdata */
static int render_body(lua_State *L)
{
    const struct luahost_job *job = lua_touserdata(L, 1);
    int list_mt;

    lua_pushcfunction(L, luahost_require);
    lua_pushstring(L, "luaform.core");
    lua_call(L, 1, 1);
    lua_getfield(L, -1, "LIST");
    list_mt = lua_gettop(L);

    lua_pushcfunction(L, luahost_require);
    lua_pushstring(L, "luaform");
    lua_call(L, 1, 1);
    lua_getfield(L, -1, "render");
    if (load_chunk(L, &job->desc) != LUA_OK)
        return lua_error(L);
    lua_createtable(L, 0, 8);
    lua_pushstring(L, job->stack_name);
    lua_setfield(L, -2, "stack");
    if (job->manifest.name) {
        if (load_chunk(L, &job->manifest) != LUA_OK)
            return lua_error(L);
        lua_setfield(L, -2, "manifest");
        lua_pushstring(L, job->manifest.name);
        lua_setfield(L, -2, "manifest_name");
        /* a built-in manifest's schema was checked by luahost_manifest */
        lua_pushboolean(L, !embedded(&job->manifest));
        lua_setfield(L, -2, "check_schema");
    }
    if (job->config_file) {
        lua_pushstring(L, job->config_file);
        lua_setfield(L, -2, "config_file");
    }
    if (job->config) {
        push_json(L, job->config, list_mt);
        lua_setfield(L, -2, "values");
    }
    if (job->config_meta) {
        push_json(L, job->config_meta, list_mt);
        lua_setfield(L, -2, "meta");
    }
    if (job->overrides) {
        push_json(L, job->overrides, list_mt);
        lua_setfield(L, -2, "overrides");
    }
    lua_call(L, 2, 3);              /* render(desc, opts) -> tpl, loc, deploy */
    return 3;
}

/* Convert the rendered template; conversion errors name the line of the
 * section entry they are in. */
static int convert(struct lh *s, int tpl, int loc, json_t **out,
                   struct gen_err *e)
{
    lua_State *L = s->L;
    struct conv c;
    json_t *j;

    memset(&c, 0, sizeof c);
    c.L = L;
    j = to_json(&c, tpl, 0);
    if (!j) {
        char entry[300] = "";
        const char *dot = strchr(c.fail_path, '.');
        const char *dot2 = dot ? strchr(dot + 1, '.') : NULL;
        const char *file = "?";
        int line = 0;

        snprintf(entry, sizeof entry, "%.*s",
                 (int)(dot2 ? (size_t)(dot2 - c.fail_path) : strlen(c.fail_path)),
                 c.fail_path);
        if (lua_getfield(L, loc, entry) != LUA_TTABLE && dot) {
            lua_pop(L, 1);          /* a top-level entry such as Metadata */
            snprintf(entry, sizeof entry, "%.*s", (int)(dot - c.fail_path), c.fail_path);
            lua_getfield(L, loc, entry);
        }
        if (lua_type(L, -1) == LUA_TTABLE) {
            lua_getfield(L, -1, "file");
            lua_getfield(L, -2, "line");
            file = lua_tostring(L, -2);
            line = (int)lua_tointeger(L, -1);
            err_set(e, GEN_ELUA, file ? file : "?", line, "%s", c.msg);
            lua_pop(L, 3);
            return GEN_ELUA;
        }
        lua_pop(L, 1);
        return err_set(e, GEN_ELUA, file, line, "%s", c.msg);
    }
    *out = j;
    return 0;
}

struct convert_job {
    struct lh *s;
    struct gen_err *e;
    const char *name;
    int want_deploy;
    json_t *raw, *deploy;
    int rc;
};

/* protected: (job, tpl, loc, deploy) -> the JSON of tpl and deploy */
static int convert_body(lua_State *L)
{
    struct convert_job *cj = lua_touserdata(L, 1);

    cj->rc = convert(cj->s, 2, 3, &cj->raw, cj->e);
    if (cj->rc == 0 && cj->want_deploy) {
        struct conv c;

        memset(&c, 0, sizeof c);
        c.L = L;
        snprintf(c.path, sizeof c.path, "deploy");
        cj->deploy = to_json(&c, 4, 0);
        if (!cj->deploy)
            cj->rc = err_set(cj->e, GEN_ELUA, cj->name, 0, "%s", c.msg);
    }
    return 0;
}

int luahost_render(const struct luahost_job *job, json_t **tpl, json_t **deploy,
              struct gen_err *e)
{
    struct lh s;
    int rc, status, base;

    if (luahost_open(&s, job->verbose) < 0)
        return err_set(e, GEN_ENOMEM, job->desc.name, 0, "cannot create a Lua state");
    lua_State *L = s.L;

    open_sandbox(L);
    lua_pushcfunction(L, luahost_msgh);
    base = lua_gettop(L);
    lua_pushcfunction(L, render_body);
    lua_pushlightuserdata(L, (void *)job);
    status = lua_pcall(L, 1, 3, base);
    if (status != LUA_OK) {
        rc = luahost_error(&s, status, job->desc.name, e);
        luahost_close(&s);
        return rc;
    }
    /* stack: msgh, tpl, loc, deploy; convert under pcall as well, so an
     * allocation failure in the middle is an error, not a panic */
    {
        struct convert_job cj;

        memset(&cj, 0, sizeof cj);
        cj.s = &s;
        cj.e = e;
        cj.name = job->desc.name;
        cj.want_deploy = deploy != NULL;
        lua_pushcfunction(L, convert_body);
        lua_pushlightuserdata(L, &cj);
        lua_pushvalue(L, base + 1);
        lua_pushvalue(L, base + 2);
        lua_pushvalue(L, base + 3);
        status = lua_pcall(L, 4, 0, base);
        if (status != LUA_OK) {
            json_decref(cj.raw);
            json_decref(cj.deploy);
            rc = luahost_error(&s, status, job->desc.name, e);
        } else if ((rc = cj.rc) == 0) {
            *tpl = template_canonical(cj.raw);
            if (deploy)
                *deploy = cj.deploy;
            else
                json_decref(cj.deploy);
            if (!*tpl)
                rc = err_set(e, GEN_ENOMEM, job->desc.name, 0, "out of memory");
        } else {
            json_decref(cj.deploy);
        }
        json_decref(cj.raw);
    }
    luahost_close(&s);
    return rc;
}

/* A manifest is plain data: run it with the base library only. */
static int manifest_body(lua_State *L)
{
    const struct luahost_source *src = lua_touserdata(L, 1);
    int m;

    if (load_chunk(L, src) != LUA_OK)
        return lua_error(L);
    lua_newtable(L);            /* _ENV: reads fall through to the public globals */
    lua_createtable(L, 0, 1);
    lua_rawgetp(L, LUA_REGISTRYINDEX, (void *)&luahost_require);   /* host table */
    lua_getfield(L, -1, "public");
    lua_remove(L, -2);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    if (!lua_setupvalue(L, -2, 1))
        lua_pop(L, 1);
    lua_call(L, 0, 1);
    if (!lua_istable(L, -1))
        return luaL_error(L, "a system manifest must return a table");
    m = lua_gettop(L);
    /* its config schema, checked once here rather than for every stack */
    lua_pushcfunction(L, luahost_require);
    lua_pushstring(L, "luaform.config");
    lua_call(L, 1, 1);
    lua_getfield(L, -1, "check_schema");
    if (lua_getfield(L, m, "config") == LUA_TNIL) {
        lua_settop(L, m);
        return 1;
    }
    lua_pushstring(L, src->name);
    lua_call(L, 2, 0);
    /* the host gets the keys it knows (config_keys); the schema itself is
     * for the render and is not converted */
    lua_pushliteral(L, "config_keys");
    lua_getfield(L, -2, "keys");
    lua_getfield(L, m, "config");
    lua_call(L, 1, 1);
    lua_rawset(L, m);
    lua_pushliteral(L, "config");
    lua_pushnil(L);
    lua_rawset(L, m);
    lua_settop(L, m);
    return 1;
}

int luahost_manifest(const struct luahost_source *src, json_t **out, struct gen_err *e)
{
    struct lh s;
    struct conv c;
    int rc = 0, base;

    if (luahost_open(&s, 0) < 0)
        return err_set(e, GEN_ENOMEM, src->name, 0, "cannot create a Lua state");
    open_sandbox(s.L);
    lua_pushcfunction(s.L, luahost_msgh);
    base = lua_gettop(s.L);
    lua_pushcfunction(s.L, manifest_body);
    lua_pushlightuserdata(s.L, (void *)src);
    if ((rc = lua_pcall(s.L, 1, 1, base)) != LUA_OK) {
        rc = luahost_error(&s, rc, src->name, e);
        luahost_close(&s);
        return rc;
    }
    memset(&c, 0, sizeof c);
    c.L = s.L;
    *out = to_json(&c, base + 1, 0);
    if (!*out)
        rc = err_set(e, GEN_ELUA, src->name, 0, "%s", c.msg);
    luahost_close(&s);
    return rc;
}
