/* err.h: one error record filled by library code, printed only by cli.c. */
#ifndef LUAFORM_ERR_H
#define LUAFORM_ERR_H

#include <stddef.h>

enum gen_code {
    GEN_OK = 0,
    GEN_EIO = -1,      /* file system */
    GEN_EINPUT = -2,   /* bad user input: description, config, flags */
    GEN_ELUA = -3,     /* error raised while running a description */
    GEN_ENOMEM = -4,
    GEN_ENET = -5,     /* transport */
    GEN_EAWS = -6,     /* an AWS service answered with an error */
    GEN_ECRED = -7,    /* no usable credentials */
    GEN_EINTERNAL = -8
};

struct gen_err {
    int code;
    char file[256];   /* "" when the error has no file */
    int line;         /* 0 when unknown */
    char msg[1536];   /* room for an AWS message of 1000 bytes and its context */
};

/* Copy src into dst (size n > 0), escaping control characters (\n, \t,
 * \x1b, C1 controls as \u009b) so the text stays on one line and a
 * terminal shows it as text; cut at a UTF-8 boundary when dst is full.
 * Returns the length written. */
size_t err_escape(char *dst, size_t n, const char *src);

/* Fill e (when not NULL) and return code, so callers can write
 * `return err_set(e, GEN_EIO, path, 0, "cannot read '%s'", path);`. */
int err_set(struct gen_err *e, int code, const char *file, int line,
            const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* (file and message are stored through err_escape: one line, always.) */

/* Prepend context to an existing message: "context: old message". */
int err_prefix(struct gen_err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void err_clear(struct gen_err *e);

/* Format "file:line: msg" (or the parts that are known) into out. */
void err_format(const struct gen_err *e, char *out, size_t n);

#endif
