/* chunk.c: loading a description or manifest. One read from disk loads
 * as text only, with a byte order mark and a '#' first line skipped; a
 * built-in one was compiled at build time. A parse error always names its
 * line: when the parser gives none, the chunk is parsed again line by line
 * to learn it. */
#include "lua/chunk.h"
#include "lua/require.h"

#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

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

const struct embed_file *chunk_embedded(const struct luahost_source *src)
{
    const struct embed_file *f = embed_find(src->name);

    return f && f->data == src->data ? f : NULL;
}

/* The error on the stack has no "name:" location: parse r's text again
 * line by line and replace the error with one at the line it stopped. */
static void relocate_error(lua_State *L, const struct luahost_source *src,
                           struct line_reader *r, const char *chunk)
{
    const char *m;

    lua_load(L, read_line, r, chunk, "t");
    lua_pop(L, 1);              /* its error (or function): one value */
    m = lua_tostring(L, -1);
    lua_pushfstring(L, "%s:%d: %s%s", src->name, r->line > 0 ? r->line : 1,
                    !strcmp(m, "C stack overflow") ? "nested too deeply: " : "", m);
    lua_remove(L, -2);
}

/* As the lua command does, a UTF-8 byte order mark and a first line
 * starting with '#' (#!/usr/bin/env ...) are skipped; the line numbers
 * stay those of the file. */
int chunk_load(lua_State *L, const struct luahost_source *src)
{
    const struct embed_file *f = chunk_embedded(src);
    struct line_reader r;
    char chunk[300];
    size_t n;
    int rc;

    if (f)
        return require_embedded(L, f);
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
        (strncmp(lua_tostring(L, -1), src->name, n) || lua_tostring(L, -1)[n] != ':'))
        relocate_error(L, src, &r, chunk);
    return rc;
}
