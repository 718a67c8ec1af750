/* embed.h: the lua/ library and templates/ compiled into the binary. */
#ifndef LUAFORM_EMBED_H
#define LUAFORM_EMBED_H

#include <stddef.h>

struct embed_file {
    const char *path;   /* "lua/luaform/init.lua", "templates/ltbase/system.lua" */
    const char *data;   /* NUL-terminated */
    size_t len;
};

extern const struct embed_file embed_files[];
extern const int embed_count;

/* The embedded file at path, or NULL. */
const struct embed_file *embed_find(const char *path);

#endif
