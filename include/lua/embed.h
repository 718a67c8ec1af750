/* embed.h: the lua/ library and templates/ compiled into the binary. */
#ifndef LUAFORM_EMBED_H
#define LUAFORM_EMBED_H

#include <stddef.h>
#include <stdio.h>
#include <string.h>

struct embed_file {
    const char *path;   /* "lua/luaform/init.lua", "templates/ltbase/system.lua" */
    const char *data;   /* NUL-terminated */
    size_t len;
    int bytecode;       /* a .lua file, compiled at build time (tools/embed.c) */
};

extern const struct embed_file embed_files[];
extern const int embed_count;

/* The embedded file at path, or NULL. */
const struct embed_file *embed_find(const char *path);

#define EMBED_MAX_CHUNKNAME 300

/* The chunk name of an embedded Lua file, the same when it is compiled at
 * build time and when it is loaded: the library's own frames are told
 * apart by "=luaform:" (a description may well be called lua/x.lua), a
 * built-in description or module is "@templates/...". */
static inline void embed_chunkname(const char *path, char *out, size_t n)
{
    snprintf(out, n, "%s%s", strncmp(path, "lua/", 4) ? "@" : "=luaform:", path);
}

#endif
