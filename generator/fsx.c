/* fsx.c: file helpers. */
#include "fsx.h"
#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int fsx_read(const char *path, char **out, size_t *len, struct gen_err *e)
{
    FILE *f = fopen(path, "rb");
    char *data = NULL, *p;
    size_t n = 0, cap = 0, got;

    if (!f)
        return err_set(e, GEN_EIO, NULL, 0, "cannot open '%s': %s", path,
                       strerror(errno));
    for (;;) {
        if (cap - n < 4096) {
            cap = cap ? cap * 2 : 8192;
            p = realloc(data, cap + 1);
            if (!p) {
                free(data);
                fclose(f);
                return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
            }
            data = p;
        }
        got = fread(data + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        free(data);
        fclose(f);
        return err_set(e, GEN_EIO, NULL, 0, "cannot read '%s'", path);
    }
    fclose(f);
    data[n] = '\0';
    *out = data;
    if (len)
        *len = n;
    return 0;
}

int fsx_mkdirs(const char *dir, struct gen_err *e)
{
    char tmp[4096];
    size_t i, n = strlen(dir);

    if (n == 0 || n >= sizeof tmp)
        return err_set(e, GEN_EIO, dir, 0, "bad directory name");
    memcpy(tmp, dir, n + 1);
    for (i = 1; i <= n; i++) {
        if (tmp[i] != '/' && tmp[i] != '\0')
            continue;
        tmp[i] = '\0';
        if (mkdir(tmp, 0777) != 0 && errno != EEXIST)
            return err_set(e, GEN_EIO, NULL, 0, "cannot create directory '%s': %s",
                           tmp, strerror(errno));
        tmp[i] = i < n ? '/' : '\0';
    }
    return 0;
}

int fsx_write_atomic(const char *path, const char *data, size_t len,
                     struct gen_err *e)
{
    char dir[4096], tmp[4200];
    const char *slash = strrchr(path, '/');
    size_t off = 0;
    ssize_t w;
    int fd;

    if (slash && slash != path) {
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
        if (fsx_mkdirs(dir, e) < 0)
            return GEN_EIO;
    }
    snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path);
    fd = mkstemp(tmp);
    if (fd < 0)
        return err_set(e, GEN_EIO, NULL, 0, "cannot create '%s': %s", tmp,
                       strerror(errno));
    while (off < len) {
        w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            goto fail;
        off += (size_t)w;
    }
    if (fchmod(fd, 0644) != 0 || fsync(fd) != 0)
        goto fail;
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    if (rename(tmp, path) != 0) {
        fd = -1;
        goto fail;
    }
    return 0;
fail:
    err_set(e, GEN_EIO, NULL, 0, "cannot write '%s': %s", path, strerror(errno));
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return GEN_EIO;
}
