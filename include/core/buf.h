/* buf.h: a growable byte buffer, after curl's dynbuf and sds.
 * A buf never fails to exist: on allocation failure it is marked failed,
 * further appends are ignored, and buf_failed() says so. */
#ifndef LUAFORM_BUF_H
#define LUAFORM_BUF_H

#include <stddef.h>

struct buf {
    char *data;    /* always NUL-terminated when len > 0 or after buf_cstr */
    size_t len;
    size_t cap;
    int failed;
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A NUL-terminated view; "" for an empty buffer. */
const char *buf_cstr(struct buf *b);
/* Hand the data to the caller (malloc'd, NUL-terminated) and reset b. */
char *buf_detach(struct buf *b, size_t *len);
int buf_failed(const struct buf *b);

#endif
