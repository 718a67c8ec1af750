/* error.c: Lua errors with the description's file and line. The message
 * handler blames the innermost frame that is not part of the library
 * (after redis's luaExtractErrorInformation); errors raised inside lua/
 * carry the caller's location in a luaform error object. */
#include "lua/error.h"
#include "core/err.h"

#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

int error_frame(lua_State *L, int level, char *file, size_t n, int *line)
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

/* A luaform error object (error_raise) at index 1: record what it says. */
static void record_object(lua_State *L, struct lh *s)
{
    lua_getfield(L, 1, "file");
    lua_getfield(L, 1, "line");
    lua_getfield(L, 1, "msg");
    record(s, luaL_optstring(L, -3, ""), (int)luaL_optinteger(L, -2, 0),
           luaL_optstring(L, -1, "error"));
    lua_pop(L, 4);
}

/* Any other error value at index 1: its own "file:line: " when that is
 * the description's, else the innermost description frame. */
static void record_value(lua_State *L, struct lh *s)
{
    char file[256] = "";
    int line = 0;
    const char *rest;
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
        return;
    }
    if (split_location(m, file, sizeof file, &line, &rest))
        m = rest;   /* raised inside lua/: blame the caller */
    file[0] = '\0';
    line = 0;
    error_frame(L, 1, file, sizeof file, &line);
    record(s, file, line, m);
}

/* Message handler: find the line to blame and keep a traceback. */
int error_handler(lua_State *L)
{
    struct lh *s = state_of(L);

    if (lua_istable(L, 1) && lua_getfield(L, 1, "__luaform_error") != LUA_TNIL)
        record_object(L, s);
    else
        record_value(L, s);
    if (s->verbose) {
        luaL_traceback(L, L, NULL, 1);
        snprintf(s->trace, sizeof s->trace, "%s", lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    return 1;
}

int error_raise(lua_State *L, const char *file, int line, const char *msg)
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

int error_report(struct lh *s, int status, const char *chunk, struct gen_err *e)
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
