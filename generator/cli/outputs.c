/* outputs.c: a command's output files in one directory (render's
 * templates, the generated workflows): --check, and writing them all or
 * nothing. */
#include "cli/outputs.h"
#include "cli/cli.h"
#include "core/err.h"
#include "core/files.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int outputs_same(const char *path, const struct buf *b)
{
    char *old = NULL;
    size_t n;
    int same;

    if (files_read(path, NULL, b->len, 0, &old, &n, NULL) != 0)
        return 0;
    same = n == b->len && memcmp(old, b->data, n) == 0;
    free(old);
    return same;
}

/* Is entry the temp file files_stage makes for name (name.tmp.XXXXXX)? */
static int is_temp_of(const char *entry, const char *name)
{
    size_t n = strlen(name);

    return !strncmp(entry, name, n) && !strncmp(entry + n, ".tmp.", 5) &&
           strlen(entry + n + 5) == 6;
}

int outputs_temps(const char *dir, const struct cli_output *v, size_t n, int remove,
                  const char *cmd)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int found = 0;
    size_t i;

    if (!d)
        return 0;
    while ((de = readdir(d))) {
        for (i = 0; i < n; i++) {
            if (!is_temp_of(de->d_name, v[i].name))
                continue;
            found++;
            if (remove) {
                char path[4400];

                snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
                unlink(path);
            } else {
                printf("stale: %s/%s (a temp file an interrupted %s left)\n", dir, de->d_name,
                       cmd);
            }
            break;
        }
    }
    closedir(d);
    return found;
}

int outputs_check(const char *dir, const struct cli_output *v, size_t n, const char *cmd)
{
    int stale = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        char path[4400];

        snprintf(path, sizeof path, "%s/%s", dir, v[i].name);
        if (!outputs_same(path, v[i].data)) {
            printf("stale: %s\n", path);
            stale = 1;
        }
    }
    if (outputs_temps(dir, v, n, 0, cmd))
        stale = 1;
    return stale;
}

int outputs_write(const char *dir, const struct cli_output *v, size_t n)
{
    struct files_staged *st = calloc(n ? n : 1, sizeof *st);
    char (*shown)[4400] = calloc(n ? n : 1, sizeof *shown);
    struct gen_err e;
    size_t i;
    int lock = -1, rc = 0;

    if (!st || !shown) {
        free(st);
        free(shown);
        cli_errorf("out of memory");
        return -1;
    }
    if (files_lock_dir(dir, &lock, &e) < 0) {
        rc = cli_error(&e);
        goto out;
    }
    cli_remove_temps_on_signal();
    outputs_temps(dir, v, n, 1, NULL);
    for (i = 0; i < n && rc == 0; i++) {
        snprintf(shown[i], sizeof shown[i], "%s/%s", dir, v[i].name);
        if (outputs_same(shown[i], v[i].data))
            continue;           /* st[i].tmp stays NULL: unchanged */
        if (files_stage(&st[i], shown[i], v[i].data->data, v[i].data->len, &e) < 0)
            rc = cli_error(&e);
    }
    for (i = 0; i < n && rc == 0; i++) {
        if (!st[i].tmp) {
            printf("unchanged %s\n", shown[i]);
        } else if (files_commit(&st[i], &e) < 0) {
            rc = cli_error(&e);
        } else {
            printf("wrote %s\n", shown[i]);
        }
    }
out:
    for (i = 0; i < n; i++)
        files_discard(&st[i]);
    files_unlock_dir(lock);
    free(st);
    free(shown);
    return rc ? -1 : 0;
}
