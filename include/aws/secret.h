/* secret.h: handling of secrets (keys, tokens, the shared files that may
 * hold them): wiped before their memory is freed, read into one
 * allocation so that no copy is left behind in freed memory. */
#ifndef LUAFORM_SECRET_H
#define LUAFORM_SECRET_H

#include <stddef.h>

struct buf;
struct gen_err;
struct json_t;

/* Overwrite n bytes with zeros (a volatile loop the compiler keeps). */
void secret_wipe(void *p, size_t n);

/* Wipe and free a NUL-terminated string; NULL is fine. */
void secret_free(char *s);

/* Wipe the whole capacity of b, then free it. */
void secret_buf_wipe(struct buf *b);

/* Initialise b with room for n bytes up front, so that appends up to n
 * bytes never reallocate (and leave a copy of a secret behind). 0, or -1
 * when out of memory. */
int secret_buf_reserve(struct buf *b, size_t n);

/* Overwrite every string of a parsed JSON document, before json_decref. */
void secret_json_wipe(struct json_t *v);

/* Read a small regular file that may hold secrets: at most max bytes, a
 * FIFO or device refused without blocking, what was read wiped on
 * failure. Errors say "cannot read WHAT 'DISP': why". Returns 0 with
 * *out (malloc'd, NUL-terminated) and *len, 1 when there is no such
 * file, or a negative gen_code. */
int secret_read_file(const char *path, const char *disp, size_t max, const char *what,
                     char **out, size_t *len, struct gen_err *e);

#endif
