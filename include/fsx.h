/* fsx.h: file helpers: whole-file reads and atomic writes. */
#ifndef LUAFORM_FSX_H
#define LUAFORM_FSX_H

#include <stddef.h>

struct gen_err;

/* Read a whole file; *out is malloc'd and NUL-terminated. */
int fsx_read(const char *path, char **out, size_t *len, struct gen_err *e);

/* Write data to path atomically: a temp file in the same directory,
 * fsync, rename. Creates missing parent directories. */
int fsx_write_atomic(const char *path, const char *data, size_t len,
                     struct gen_err *e);

/* mkdir -p */
int fsx_mkdirs(const char *dir, struct gen_err *e);

#endif
