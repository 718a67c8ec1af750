/* outputs.h: a command's output files in one directory: compared with
 * what is there (--check), or written all or nothing. Prints what it
 * finds and does ("stale: ...", "wrote ...", "unchanged ..."). */
#ifndef LUAFORM_OUTPUTS_H
#define LUAFORM_OUTPUTS_H

#include <stddef.h>
#include "core/buf.h"

struct cli_output {
    const char *name;           /* the file's name in the directory */
    const struct buf *data;     /* what it must hold */
};

/* Is the file at path exactly these bytes? (Anything that is not a
 * regular file of at most that size is not: a FIFO or /dev/zero there is
 * never read to its end.) */
int outputs_same(const char *path, const struct buf *b);

/* Temp files an interrupted write left beside the outputs (NAME.tmp. and
 * mkstemp's six characters): with remove, deleted (the caller holds the
 * directory's lock, so nobody is writing them); else each is printed as
 * stale, naming cmd, the command that left it. Returns how many. */
int outputs_temps(const char *dir, const struct cli_output *v, size_t n, int remove,
                  const char *cmd);

/* --check: print each output that is missing or different as stale, and
 * each temp file left; returns 1 when anything is stale, else 0. */
int outputs_check(const char *dir, const struct cli_output *v, size_t n, const char *cmd);

/* Write every output that changed, all or nothing: under a lock on dir (two
 * luaforms writing into one directory never mix their outputs), every temp
 * file is written first, then they are renamed; a failure or a signal
 * before the renames leaves the old files and no temp file. Returns 0, or
 * -1 with the error printed. */
int outputs_write(const char *dir, const struct cli_output *v, size_t n);

#endif
