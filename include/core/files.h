/* files.h: file helpers: bounded reads of regular files, atomic writes (of
 * one file, or of a set: every temp file first, then the renames), temp
 * files removed on a signal, and a lock on an output directory. */
#ifndef LUAFORM_FILES_H
#define LUAFORM_FILES_H

#include <stddef.h>

struct gen_err;

#define FILES_MAX_INPUT ((size_t)16 << 20)   /* a description or manifest */
#define FILES_MAX_CONFIG ((size_t)1 << 20)   /* a YAML config */

#define FILES_MISSING_OK 1u   /* no such file: return 1, not an error */
#define FILES_WIPE 2u         /* secrets: zero what was read before freeing it */

/* Read a whole regular file of at most max bytes; *out is malloc'd and
 * NUL-terminated. A directory, a FIFO, a device (/dev/zero) or a file that
 * grows past max is refused, without blocking. Errors say "cannot read
 * LABEL: why" (LABEL: 'path' when NULL). */
int files_read(const char *path, const char *label, size_t max, unsigned flags,
             char **out, size_t *len, struct gen_err *e);

/* A file written to a temp file beside its target, not yet renamed. */
struct files_staged {
    char *path;     /* the target */
    char *tmp;      /* NULL once renamed or removed */
};

/* Write data to a temp file beside path (mode 0644, fsynced), creating
 * missing parent directories; path itself is not touched yet. Errors name
 * path, not the temp file. */
int files_stage(struct files_staged *s, const char *path, const char *data, size_t len,
              struct gen_err *e);
/* Rename the temp file over the target; s is emptied either way. */
int files_commit(struct files_staged *s, struct gen_err *e);
/* Remove the temp file if it is still there; s is emptied. */
void files_discard(struct files_staged *s);

/* stage + commit: path is replaced whole or not at all. */
int files_write_atomic(const char *path, const char *data, size_t len,
                     struct gen_err *e);

/* Remove every staged temp file: async-signal-safe, for a handler of
 * SIGINT/SIGTERM/SIGHUP (which are blocked while the list changes). */
void files_remove_temps(void);

/* mkdir -p */
int files_mkdirs(const char *dir, struct gen_err *e);

/* Create dir if needed and take an exclusive lock on it (flock), waiting a
 * while for another luaform writing there; *fd is released by
 * files_unlock_dir. */
int files_lock_dir(const char *dir, int *fd, struct gen_err *e);
void files_unlock_dir(int fd);

#endif
