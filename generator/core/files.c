/* files.c: file helpers: bounded reads of regular files, atomic writes of
 * one file or of a set (all temp files first, then the renames), temp
 * files removed on a signal, and a lock on an output directory. */
#define _DEFAULT_SOURCE             /* flock */
#include "core/files.h"
#include "core/err.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LOCK_WAIT_S 30              /* for another luaform writing the same directory */

/* ------------------------------------------------------------ reading */

int files_read(const char *path, const char *label, size_t max, unsigned flags,
             char **out, size_t *len, struct gen_err *e)
{
    char shown[4200], *data = NULL;
    struct stat st;
    size_t n = 0, cap;
    ssize_t got;
    int fd, saved;

    if (label)
        snprintf(shown, sizeof shown, "%s", label);
    else
        snprintf(shown, sizeof shown, "'%s'", path);
    /* O_NONBLOCK: a FIFO must not hang the open; it is refused below */
    fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        if ((flags & FILES_MISSING_OK) && (errno == ENOENT || errno == ENOTDIR))
            return 1;
        return err_set(e, GEN_EIO, NULL, 0, "cannot read %s: %s", shown, strerror(errno));
    }
    if (fstat(fd, &st) < 0) {
        saved = errno;
        close(fd);
        return err_set(e, GEN_EIO, NULL, 0, "cannot read %s: %s", shown, strerror(saved));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return err_set(e, GEN_EIO, NULL, 0, "cannot read %s: %s", shown,
                       S_ISDIR(st.st_mode) ? strerror(EISDIR) : "not a regular file");
    }
    if ((unsigned long long)st.st_size > max) {
        close(fd);
        return err_set(e, GEN_EINPUT, NULL, 0, "%s is larger than %zu bytes", shown, max);
    }
    /* the size may change under us: read to the end, but never past max */
    cap = (size_t)st.st_size + 4096 > max + 2 ? max + 2 : (size_t)st.st_size + 4096;
    for (;;) {
        if (!data || n + 1 >= cap) {
            char *p;

            if (data)
                cap = cap > (max + 2) / 2 ? max + 2 : cap * 2;
            p = realloc(data, cap);
            if (!p) {
                saved = ENOMEM;
                goto fail;
            }
            data = p;
        }
        got = read(fd, data + n, cap - 1 - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            saved = errno;
            goto fail;
        }
        if (got == 0)
            break;
        n += (size_t)got;
        if (n > max) {
            if (flags & FILES_WIPE)
                memset(data, 0, n);
            free(data);
            close(fd);
            return err_set(e, GEN_EINPUT, NULL, 0, "%s is larger than %zu bytes", shown, max);
        }
    }
    close(fd);
    data[n] = '\0';
    *out = data;
    if (len)
        *len = n;
    return 0;
fail:
    if (data && (flags & FILES_WIPE))
        memset(data, 0, n);
    free(data);
    close(fd);
    return err_set(e, saved == ENOMEM ? GEN_ENOMEM : GEN_EIO, NULL, 0, "cannot read %s: %s",
                   shown, strerror(saved));
}

/* ------------------------------------------------------------ temp files */

/* Temp files not yet renamed, for files_remove_temps() in a signal handler.
 * The list is changed with the signals that clean up blocked, so the
 * handler never sees it half-changed. */
static char **temps;
static size_t ntemps, captemps;

static void block(sigset_t *old)
{
    sigset_t s;

    sigemptyset(&s);
    sigaddset(&s, SIGINT);
    sigaddset(&s, SIGTERM);
    sigaddset(&s, SIGHUP);
    sigaddset(&s, SIGQUIT);
    sigprocmask(SIG_BLOCK, &s, old);
}

static int track(char *tmp)
{
    sigset_t old;
    int rc = 0;

    block(&old);
    if (ntemps == captemps) {
        size_t cap = captemps ? captemps * 2 : 8;
        char **v = realloc(temps, cap * sizeof *v);

        if (v) {
            temps = v;
            captemps = cap;
        }
    }
    if (ntemps < captemps)
        temps[ntemps++] = tmp;
    else
        rc = -1;
    sigprocmask(SIG_SETMASK, &old, NULL);
    return rc;
}

static void untrack(const char *tmp)
{
    sigset_t old;
    size_t i;

    block(&old);
    for (i = 0; i < ntemps; i++)
        if (temps[i] == tmp) {
            temps[i] = temps[--ntemps];
            break;
        }
    if (!ntemps) {
        free(temps);
        temps = NULL;
        captemps = 0;
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
}

void files_remove_temps(void)
{
    size_t i;

    for (i = 0; i < ntemps; i++)
        unlink(temps[i]);
}

/* ------------------------------------------------------------ writing */

int files_mkdirs(const char *dir, struct gen_err *e)
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

void files_discard(struct files_staged *s)
{
    if (s->tmp) {
        untrack(s->tmp);
        unlink(s->tmp);
    }
    free(s->tmp);
    free(s->path);
    memset(s, 0, sizeof *s);
}

int files_stage(struct files_staged *s, const char *path, const char *data, size_t len,
              struct gen_err *e)
{
    const char *slash = strrchr(path, '/');
    struct stat st;
    size_t off = 0, n = strlen(path);
    ssize_t w;
    int fd;

    memset(s, 0, sizeof *s);
    if (slash && slash != path) {
        char dir[4096];

        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
        if (files_mkdirs(dir, e) < 0)
            return GEN_EIO;
    }
    /* rename() cannot put a file where a directory is: say so first */
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return err_set(e, GEN_EIO, NULL, 0, "cannot write '%s': %s", path, strerror(EISDIR));
    s->path = strdup(path);
    s->tmp = malloc(n + sizeof ".tmp.XXXXXX");
    if (!s->path || !s->tmp) {
        files_discard(s);
        return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    }
    memcpy(s->tmp, path, n);
    memcpy(s->tmp + n, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
    if (track(s->tmp) < 0) {
        files_discard(s);
        return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    }
    fd = mkstemp(s->tmp);
    if (fd < 0) {
        int saved = errno;

        untrack(s->tmp);
        free(s->tmp);
        s->tmp = NULL;
        files_discard(s);
        return err_set(e, GEN_EIO, NULL, 0, "cannot write '%s': %s", path, strerror(saved));
    }
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
    return 0;
fail:
    err_set(e, GEN_EIO, NULL, 0, "cannot write '%s': %s", path,
            strerror(errno ? errno : ENOSPC));
    if (fd >= 0)
        close(fd);
    files_discard(s);
    return GEN_EIO;
}

int files_commit(struct files_staged *s, struct gen_err *e)
{
    if (rename(s->tmp, s->path) != 0) {
        int rc = err_set(e, GEN_EIO, NULL, 0, "cannot write '%s': %s", s->path,
                         strerror(errno));

        files_discard(s);
        return rc;
    }
    untrack(s->tmp);
    free(s->tmp);
    s->tmp = NULL;
    files_discard(s);
    return 0;
}

int files_write_atomic(const char *path, const char *data, size_t len,
                     struct gen_err *e)
{
    struct files_staged s;
    int rc = files_stage(&s, path, data, len, e);

    return rc < 0 ? rc : files_commit(&s, e);
}

/* ------------------------------------------------------------ locking */

int files_lock_dir(const char *dir, int *fd_out, struct gen_err *e)
{
    struct timespec pause = { 0, 50 * 1000000L };
    int fd, tries;

    if (files_mkdirs(dir, e) < 0)
        return GEN_EIO;
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return err_set(e, GEN_EIO, NULL, 0, "cannot open directory '%s': %s", dir,
                       strerror(errno));
    for (tries = 0; flock(fd, LOCK_EX | LOCK_NB) != 0; tries++) {
        if (errno != EWOULDBLOCK && errno != EINTR) {
            int saved = errno;

            close(fd);
            return err_set(e, GEN_EIO, NULL, 0, "cannot lock directory '%s': %s", dir,
                           strerror(saved));
        }
        if (tries >= LOCK_WAIT_S * 20) {
            close(fd);
            return err_set(e, GEN_EIO, NULL, 0, "another luaform has been writing '%s' for "
                           "%d s; try again when it is done", dir, LOCK_WAIT_S);
        }
        nanosleep(&pause, NULL);
    }
    *fd_out = fd;
    return 0;
}

void files_unlock_dir(int fd)
{
    if (fd >= 0)
        close(fd);      /* releases the lock */
}
