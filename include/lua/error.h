/* error.h: Lua errors with the description's file and line. Internal to
 * the Lua host. */
#ifndef LUAFORM_LUA_ERROR_H
#define LUAFORM_LUA_ERROR_H

#include "lua/state.h"

#include <stddef.h>

struct gen_err;

/* The innermost Lua frame from level on that is not in lua/: its file
 * into file (n bytes) and *line; 0 when there is none. */
int error_frame(lua_State *L, int level, char *file, size_t n, int *line);

/* The message handler given to lua_pcall: records in the state the line
 * to blame (and a traceback when verbose). */
int error_handler(lua_State *L);

/* Raise a luaform error object at file:line (never returns). */
int error_raise(lua_State *L, const char *file, int line, const char *msg);

/* Turn a failed pcall (its status) into e; chunk is blamed when no Lua
 * frame is. Returns the negative code. */
int error_report(struct lh *s, int status, const char *chunk, struct gen_err *e);

#endif
