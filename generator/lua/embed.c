/* embed.c: look up files compiled into the binary. */
#include "lua/embed.h"

#include <string.h>

const struct embed_file *embed_find(const char *path)
{
    int i;

    for (i = 0; i < embed_count; i++)
        if (strcmp(embed_files[i].path, path) == 0)
            return &embed_files[i];
    return NULL;
}
