/* process.c: the credential_process runner; process.h. */
#include "aws/process.h"
#include "aws/credentials.h"
#include "aws/secret.h"
#include "core/err.h"
#include "core/isotime.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

extern char **environ;

#define MAX_OUTPUT  (64u << 10)   /* credential_process stdout */
#define MAX_STDERR  2048          /* credential_process stderr kept */

struct proc_out {
    char *out;              /* MAX_OUTPUT + 1 bytes */
    size_t outn;
    int too_big;
    char err[MAX_STDERR];
    size_t errn;
    int status;             /* from waitpid */
};

/* Start /bin/sh -c cmd with stdout and stderr on the pipes op and ep
 * (their read ends are closed in the child); 0 or an errno value. */
static int spawn_shell(const char *cmd, const int op[2], const int ep[2], pid_t *pid)
{
    char a0[] = "sh", a1[] = "-c";
    char *argv[4];
    posix_spawn_file_actions_t fa;
    int rc, i;

    for (i = 0; i < 2; i++) {
        fcntl(op[i], F_SETFD, FD_CLOEXEC);
        fcntl(ep[i], F_SETFD, FD_CLOEXEC);
    }
    argv[0] = a0;
    argv[1] = a1;
    argv[2] = (char *)cmd;
    argv[3] = NULL;
    rc = posix_spawn_file_actions_init(&fa);
    if (rc == 0) {
        rc = posix_spawn_file_actions_adddup2(&fa, op[1], 1);
        if (rc == 0)
            rc = posix_spawn_file_actions_adddup2(&fa, ep[1], 2);
        if (rc == 0)
            rc = posix_spawn(pid, "/bin/sh", &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
    }
    return rc;
}

/* One chunk read from stream i (0: stdout, 1: stderr) into po. */
static void keep(struct proc_out *po, int i, const char *chunk, size_t n)
{
    if (i == 0) {
        if (po->outn + n > MAX_OUTPUT) {
            po->too_big = 1;
        } else {
            memcpy(po->out + po->outn, chunk, n);
            po->outn += n;
        }
    } else if (po->errn < sizeof po->err - 1) {
        size_t room = sizeof po->err - 1 - po->errn;
        size_t take = n < room ? n : room;

        memcpy(po->err + po->errn, chunk, take);
        po->errn += take;
    }
}

/* Read both pipes until both are closed (poll, so that neither can fill
 * and block the child); closes them. */
static void drain(int out_fd, int err_fd, struct proc_out *po)
{
    struct pollfd pf[2];
    char chunk[4096];
    int open_fds = 2, i;

    pf[0].fd = out_fd;
    pf[1].fd = err_fd;
    pf[0].events = pf[1].events = POLLIN;
    while (open_fds > 0) {
        if (poll(pf, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (i = 0; i < 2; i++) {
            ssize_t n;

            if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            n = read(pf[i].fd, chunk, sizeof chunk);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                close(pf[i].fd);
                pf[i].fd = -1;
                open_fds--;
                continue;
            }
            keep(po, i, chunk, (size_t)n);
            secret_wipe(chunk, sizeof chunk);
        }
    }
    for (i = 0; i < 2; i++)
        if (pf[i].fd >= 0)
            close(pf[i].fd);
}

/* Run cmd with /bin/sh -c, stdin inherited, collecting stdout and stderr. */
static int run_command(const char *label, const char *cmd, struct proc_out *po,
                       struct gen_err *e)
{
    int op[2] = {-1, -1}, ep[2] = {-1, -1}, i, rc;
    pid_t pid = -1, w;

    if (pipe(op) < 0 || pipe(ep) < 0) {
        rc = errno;
        for (i = 0; i < 2; i++) {
            if (op[i] >= 0)
                close(op[i]);
            if (ep[i] >= 0)
                close(ep[i]);
        }
        return err_set(e, GEN_EINTERNAL, NULL, 0, "%s: cannot make a pipe: %s", label,
                       strerror(rc));
    }
    rc = spawn_shell(cmd, op, ep, &pid);
    close(op[1]);
    close(ep[1]);
    if (rc != 0) {
        close(op[0]);
        close(ep[0]);
        return err_set(e, GEN_ECRED, NULL, 0, "%s: cannot run /bin/sh: %s", label,
                       strerror(rc));
    }
    drain(op[0], ep[0], po);
    po->out[po->outn] = '\0';
    po->err[po->errn] = '\0';
    do
        w = waitpid(pid, &po->status, 0);
    while (w < 0 && errno == EINTR);
    if (w < 0)
        return err_set(e, GEN_ECRED, NULL, 0, "%s: cannot wait for the command: %s", label,
                       strerror(errno));
    return 0;
}

/* "; stderr: text" on one line, or "" when the command said nothing. */
static void stderr_note(const struct proc_out *po, char *out, size_t n)
{
    char line[400];
    size_t i, j = 0;
    int space = 0;

    /* each turn adds at most 2 bytes; keep 4 for "..." and the NUL */
    for (i = 0; i < po->errn && j + 2 + 4 <= sizeof line; i++) {
        unsigned char c = (unsigned char)po->err[i];

        if (isspace(c) || c < 0x20 || c == 0x7f) {
            space = j > 0;
            continue;
        }
        if (space)
            line[j++] = ' ';
        space = 0;
        line[j++] = (char)c;
    }
    if (i < po->errn || po->errn == sizeof po->err - 1) {
        memcpy(line + j, "...", 3);
        j += 3;
    }
    line[j] = '\0';
    if (j)
        snprintf(out, n, ": %s", line);
    else
        out[0] = '\0';
}

/* How the command ended: 0 when it exited 0 within the output limit. */
static int check_exit(const struct process_source *src, const struct proc_out *po,
                      const char *note, struct gen_err *e)
{
    if (WIFSIGNALED(po->status))
        return err_set(e, GEN_ECRED, src->file, src->line, "%s: killed by signal %d%s",
                       src->label, WTERMSIG(po->status), note);
    if (!WIFEXITED(po->status) || WEXITSTATUS(po->status) != 0)
        return err_set(e, GEN_ECRED, src->file, src->line, "%s: exited with status %d%s",
                       src->label, WIFEXITED(po->status) ? WEXITSTATUS(po->status) : -1,
                       note);
    if (po->too_big)
        return err_set(e, GEN_ECRED, src->file, src->line, "%s: output is larger than "
                       "%u bytes%s", src->label, MAX_OUTPUT, note);
    return 0;
}

/* The optional SessionToken and Expiration of the output. */
static int optional_fields(const struct process_source *src, json_t *root, time_t now,
                           const char *note, const char **tok, time_t *exp,
                           struct gen_err *e)
{
    json_t *v = json_object_get(root, "SessionToken");
    char when[40];

    if (v && !json_is_null(v)) {
        *tok = json_string_value(v);
        if (!*tok)
            return err_set(e, GEN_ECRED, src->file, src->line, "%s: SessionToken is not "
                           "a string%s", src->label, note);
        if (!**tok)
            *tok = NULL;
    }
    v = json_object_get(root, "Expiration");
    if (v && !json_is_null(v)) {
        if (!json_is_string(v) || isotime_parse(json_string_value(v), exp, NULL))
            return err_set(e, GEN_ECRED, src->file, src->line, "%s: Expiration is not an "
                           "ISO 8601 time%s", src->label, note);
        if (*exp <= now) {
            cred_time_text(*exp, when, sizeof when);
            return err_set(e, GEN_ECRED, src->file, src->line, "%s: returned credentials "
                           "that expired at %s", src->label, when);
        }
    }
    return 0;
}

/* The credentials in the command's output. jerr.text can quote the
 * input: only the position is reported. */
static int parse_output(const struct process_source *src, const struct proc_out *po,
                        time_t now, const char *note, struct cred_creds *out,
                        struct gen_err *e)
{
    json_error_t jerr;
    json_t *root, *v;
    const char *ak, *sk, *tok = NULL;
    time_t exp = 0;
    int r = GEN_ECRED;

    root = json_loadb(po->out, po->outn, 0, &jerr);
    if (!root)
        return err_set(e, GEN_ECRED, src->file, src->line, "%s: output is not valid JSON "
                       "(line %d, column %d)%s", src->label, jerr.line, jerr.column, note);
    v = json_object_get(root, "Version");
    ak = json_string_value(json_object_get(root, "AccessKeyId"));
    sk = json_string_value(json_object_get(root, "SecretAccessKey"));
    if (!json_is_object(root))
        err_set(e, r, src->file, src->line, "%s: output is not a JSON object%s", src->label,
                note);
    else if (!json_is_integer(v) || json_integer_value(v) != 1)
        err_set(e, r, src->file, src->line, "%s: output has no \"Version\": 1 (the only "
                "version there is)%s", src->label, note);
    else if (!ak || !*ak || !sk || !*sk)
        err_set(e, r, src->file, src->line, "%s: output has no %s%s", src->label,
                !ak || !*ak ? "AccessKeyId" : "SecretAccessKey", note);
    else if (optional_fields(src, root, now, note, &tok, &exp, e) == 0)
        r = cred_creds_set(out, ak, sk, tok, exp, e);
    secret_json_wipe(root);
    json_decref(root);
    return r;
}

int process_credentials(const struct process_source *src, time_t now,
                        struct cred_creds *out, struct gen_err *e)
{
    struct proc_out po;
    char note[450];
    int r;

    memset(&po, 0, sizeof po);
    po.out = malloc(MAX_OUTPUT + 1);
    if (!po.out)
        return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    r = run_command(src->label, src->command, &po, e);
    if (r == 0) {
        stderr_note(&po, note, sizeof note);
        r = check_exit(src, &po, note, e);
    }
    if (r == 0)
        r = parse_output(src, &po, now, note, out, e);
    secret_wipe(po.out, MAX_OUTPUT + 1);
    free(po.out);
    secret_wipe(po.err, sizeof po.err);
    return r;
}
