/* fuzz_credentials.c: the shared-file (INI) reader and the credential chain, with
 * a secret-leak oracle: no secret key, session token, web identity or
 * GitHub token may appear in an error message or in cred_describe output,
 * and cred_describe masks access key ids. Also checks the documented
 * contracts: e->code is what was returned, out-params stay untouched on
 * failure, the STS callbacks get what credentials.h promises, credentials handed
 * back are complete and unexpired, and no file descriptor is left open.
 *
 * Input (tests/fuzz/seeds/cred/ has examples):
 *   OPTIONS LINE
 *   %%credentials          each part optional; an absent file is missing
 *   ...INI text...
 *   %%config
 *   ...INI text...
 *   %%token                the web identity token file
 *   %%github               the GitHub OIDC token answer; @JWT@ is a token
 * The options line has words NAME=VALUE (\s, \n, \t and \\ escapes):
 * AWS_* and ACTIONS_* variables, --profile, --role-arn,
 * --role-session-name, --role-external-id, --duration, sts=MODE (fail,
 * net, pos, empty, half, expired, noexp, late), gh=STATUS, creds= and
 * config= (missing, home, dir). @TOKEN@ in the INI text is the token
 * file's path.
 *
 * Secrets are never taken from the input: the harness writes its own in
 * their place (values of aws_secret_access_key, aws_session_token and
 * aws_security_token, secret variables, the token file, @JWT@, what the
 * stubs return), each made from a hash of the input, so that the mutator
 * cannot put one anywhere else. Access key ids in the files are replaced
 * the same way, to check the masking.
 *
 * credential_process runs /bin/sh: the harness never lets a command from
 * the input run. A credential_process value is replaced by one of a few
 * fixed, harmless commands (picked by the value), its continuation lines
 * are turned into comments, and any other "credential_process" in the
 * text is renamed. Files live in a private mkdtemp directory, which is
 * also HOME. */
#include "core/buf.h"
#include "aws/credentials.h"
#include "aws/endpoints.h"
#include "aws/region.h"
#include "core/err.h"
#include "fuzz.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define T0 ((time_t)1700000000)     /* 2023-11-14T22:13:20Z */
#define MAX_MARKS 512
#define MARK_LEN 21                 /* "Sk" 16 hex "K" 2 digits */

/* ---- the private directory ---------------------------------------------- */

static char dir[256], f_creds[300], f_config[300], f_token[300];
static int verbose;             /* FUZZ_VERBOSE=1: print what is checked */

static const char *const vars[] = {
    "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_CREDENTIAL_EXPIRATION",
    "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
    "ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_CLOUDFORMATION", "AWS_ENDPOINT_URL_STS",
    "AWS_ENDPOINT_URL_S3", "AWS_IGNORE_CONFIGURE_ENDPOINT_URLS", NULL
};

/* Variables whose value is a secret: the harness sets its own. */
static const char *const secret_vars[] = {
    "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN", NULL
};

static void cleanup(void)
{
    unlink(f_creds);
    unlink(f_config);
    unlink(f_token);
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *tmp = getenv("TMPDIR");

    (void)argc;
    (void)argv;
    snprintf(dir, sizeof dir, "%s/luaform-fuzz-cred.XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        exit(2);
    }
    snprintf(f_creds, sizeof f_creds, "%s/credentials", dir);
    snprintf(f_config, sizeof f_config, "%s/config", dir);
    snprintf(f_token, sizeof f_token, "%s/token", dir);
    atexit(cleanup);
    verbose = getenv("FUZZ_VERBOSE") != NULL;
    return 0;
}

/* ---- markers: the secrets the oracle looks for ---------------------------- */

struct mark {
    char s[MARK_LEN + 8];
    int akid;                   /* an access key id: only masked in describe */
};

static struct mark marks[MAX_MARKS];
static size_t nmarks;
static uint64_t seed;

/* A new secret ("Sk...") or access key id ("AKID..."); never NULL. */
static const char *mark(int akid)
{
    static char spare[MARK_LEN + 8];
    char *s = nmarks < MAX_MARKS ? marks[nmarks].s : spare;
    uint64_t h = seed ^ (0x9e3779b97f4a7c15ull * (nmarks + 1));

    h = (h ^ (h >> 31)) * 0xbf58476d1ce4e5b9ull;
    h ^= h >> 29;
    if (akid)
        snprintf(s, MARK_LEN + 8, "AKID%016llX", (unsigned long long)h);
    else
        snprintf(s, MARK_LEN + 8, "Sk%016llxK%02u", (unsigned long long)h,
                 (unsigned)(nmarks % 100));
    if (nmarks < MAX_MARKS)
        marks[nmarks++].akid = akid;
    return s;
}

/* Does text hold a secret, or 12 characters from either end of one? An
 * access key id may show only its last 4 characters, in descriptions. */
static void no_secrets(const char *text, int is_describe, const char *what)
{
    size_t i, tn = strlen(text);

    if (verbose)
        fprintf(stderr, "%s: %s\n", what, text);

    for (i = 0; i < nmarks; i++) {
        const char *m = marks[i].s;
        size_t n = strlen(m);

        if (marks[i].akid) {
            FZ_CHECK(!is_describe || !fz_find(text, tn, m, n - 4),
                     "%s shows an access key id unmasked: %s", what, text);
            continue;
        }
        FZ_CHECK(!fz_find(text, tn, m, 12) && !fz_find(text, tn, m + n - 12, 12),
                 "a secret (%s) leaked into %s: %s", m, what, text);
    }
}

/* ---- input --------------------------------------------------------------- */

struct part {
    const char *p;
    size_t n;
    int present;
};

enum { P_CREDS, P_CONFIG, P_TOKEN, P_GITHUB, NPARTS };
static const char *const part_names[NPARTS] = {
    "%%credentials", "%%config", "%%token", "%%github"
};

/* Cut the input into the options line and the parts. */
static void split(const char *d, size_t n, struct part *opts,
                  struct part parts[NPARTS])
{
    const char *p = d, *end = d + n, *nl;
    int cur = -1, i;

    memset(parts, 0, NPARTS * sizeof *parts);
    nl = memchr(p, '\n', n);
    opts->p = d;
    opts->n = nl ? (size_t)(nl - d) : n;
    p = nl ? nl + 1 : end;
    while (p < end) {
        size_t ln;
        int hit = -1;

        nl = memchr(p, '\n', (size_t)(end - p));
        ln = nl ? (size_t)(nl - p) : (size_t)(end - p);
        for (i = 0; i < NPARTS; i++)
            if (ln == strlen(part_names[i]) &&
                memcmp(p, part_names[i], ln) == 0)
                hit = i;
        if (hit >= 0) {
            cur = hit;
            parts[cur].p = nl ? nl + 1 : end;
            parts[cur].n = 0;
            parts[cur].present = 1;
        } else if (cur >= 0) {
            parts[cur].n = (size_t)((nl ? nl + 1 : end) - parts[cur].p);
        }
        p = nl ? nl + 1 : end;
    }
}

/* ---- rewriting the INI files ---------------------------------------------- */

/* Harmless commands for credential_process; %s is a secret, %S another. */
static const char *const commands[] = {
    "printf '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROCESS00010\", "
    "\"SecretAccessKey\": \"%s\", \"SessionToken\": \"%S\", "
    "\"Expiration\": \"2030-01-01T00:00:00Z\"}'; exit 0",
    "printf '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROCNOEXP011\", "
    "\"SecretAccessKey\": \"%s\"}'; exit 0",
    "printf '{\"Version\": 1, \"AccessKeyId\": \"AKIDLEAKED\", "
    "\"SecretAccessKey\": \"%s\"}'; echo 'vault is sealed' >&2; exit 3",
    "printf 'AccessKeyId=AKIDLEAK SecretAccessKey=%s'; "
    "echo 'warning: old format' >&2; exit 0",
    "printf '{\"Version\": 2, \"AccessKeyId\": \"AKIDV2\", "
    "\"SecretAccessKey\": \"%s\"}'; exit 0",
    "printf '{\"Version\": 1, \"AccessKeyId\": \"AKIDMISSING\"}'; exit 0",
    "printf '{\"Version\": 1, \"AccessKeyId\": \"AKIDEXPIRED00012\", "
    "\"SecretAccessKey\": \"%s\", \"Expiration\": "
    "\"2001-01-01T00:00:00Z\"}'; exit 0",
    "printf '{\"Version\": 1, \"AccessKeyId\": \"AKIDTOKNUM\", "
    "\"SecretAccessKey\": \"%s\", \"SessionToken\": 5}'; exit 0",
    "printf '{\"Version\": 1, \"AccessKeyId\": \"AKIDBADEXP\", "
    "\"SecretAccessKey\": \"%s\", \"Expiration\": \"soon\"}'; exit 0",
    "printf '{\"Version\": 1, \"AccessKeyId\": \"AKIDKILLED\", "
    "\"SecretAccessKey\": \"%s\"}'; kill -9 $$",
    "i=0; while [ $i -lt 70 ]; do printf '%%01000d' 0; i=$((i+1)); done; "
    "exit 0",
    "printf '[\"%s\"]'; exit 0",
    "printf '{\"Version\": 1, \"AccessKeyId\": \"AKIDTRAIL\", "
    "\"SecretAccessKey\": \"%s\", }'; exit 0",
    "exit 0",
};

/* commands[i] with its secrets filled in. */
static void command(struct buf *out, size_t i)
{
    const char *c;

    for (c = commands[i]; *c; c++) {
        if (c[0] == '%' && c[1] == 's') {
            buf_adds(out, mark(0));
            c++;
        } else if (c[0] == '%' && c[1] == 'S') {
            buf_adds(out, mark(0));
            c++;
        } else if (c[0] == '%' && c[1] == '%') {
            buf_addc(out, '%');
            c++;
        } else {
            buf_addc(out, *c);
        }
    }
}

static int ci_eq(const char *a, size_t an, const char *b)
{
    size_t i;

    if (an != strlen(b))
        return 0;
    for (i = 0; i < an; i++)
        if (tolower((unsigned char)a[i]) != b[i])
            return 0;
    return 1;
}

/* Copy s[0, n) to out, renaming every "credential_process" (any case). */
static void add_defused(struct buf *out, const char *s, size_t n)
{
    static const char cp[] = "credential_process";
    size_t i, k = sizeof cp - 1;

    for (i = 0; i < n; i++) {
        if (i + k <= n && ci_eq(s + i, k, cp)) {
            buf_add(out, "credential_procesZ", k);
            i += k - 1;
        } else {
            buf_addc(out, s[i]);
        }
    }
}

/* One file's text, rewritten as the header comment says. The line logic
 * follows credentials.c's ini_parse/ini_line: a line indented deeper than the
 * current key continues it; otherwise a '[' line opens a section and a
 * "key = value" line sets a key, lower-cased and trimmed. */
static void rewrite_ini(struct buf *out, const char *d, size_t len)
{
    size_t pos = 0, kind = 0;
    int have_sec = 0, have_key = 0, key_cp = 0;

    if (len >= 3 && memcmp(d, "\xef\xbb\xbf", 3) == 0) {
        buf_add(out, d, 3);
        pos = 3;
    }
    while (pos < len) {
        const char *s = d + pos, *nl = memchr(s, '\n', len - pos), *eq;
        size_t full = nl ? (size_t)(nl - s) : len - pos, n = full, ind = 0;
        const char *k, *v;
        size_t kn, vn;

        pos += full + (nl ? 1 : 0);
        while (n && isspace((unsigned char)s[n - 1]))
            n--;
        while (ind < n && (s[ind] == ' ' || s[ind] == '\t'))
            ind++;
        if (ind == n || s[ind] == '#' || s[ind] == ';') {
            add_defused(out, s, full);
        } else if (have_sec && have_key && ind > kind) {
            if (key_cp) {           /* never part of a command */
                buf_add(out, s, ind);
                buf_addc(out, '#');
                add_defused(out, s + ind, full - ind);
            } else {
                add_defused(out, s, full);
            }
        } else if (s[ind] == '[') {
            have_sec = 1;
            have_key = 0;
            key_cp = 0;
            add_defused(out, s, full);
        } else if (!(eq = memchr(s + ind, '=', n - ind))) {
            add_defused(out, s, full);
        } else {
            k = s + ind;
            kn = (size_t)(eq - k);
            v = eq + 1;
            vn = (size_t)(s + n - v);
            while (kn && isspace((unsigned char)*k)) {
                k++;
                kn--;
            }
            while (kn && isspace((unsigned char)k[kn - 1]))
                kn--;
            while (vn && isspace((unsigned char)*v)) {
                v++;
                vn--;
            }
            if (kn) {
                have_key = have_sec;
                kind = ind;
            }
            key_cp = kn && ci_eq(k, kn, "credential_process");
            if (vn && (key_cp || ci_eq(k, kn, "aws_secret_access_key") ||
                       ci_eq(k, kn, "aws_session_token") ||
                       ci_eq(k, kn, "aws_security_token") ||
                       ci_eq(k, kn, "aws_access_key_id"))) {
                size_t sum = 0, i;

                if (key_cp)
                    buf_add(out, s, (size_t)(v - s));
                else
                    add_defused(out, s, (size_t)(v - s));
                if (key_cp) {
                    for (i = 0; i < vn; i++)
                        sum += (unsigned char)v[i];
                    command(out, sum % (sizeof commands / sizeof *commands));
                } else {
                    buf_adds(out, mark(ci_eq(k, kn, "aws_access_key_id")));
                }
                add_defused(out, v + vn, full - (size_t)(v + vn - s));
            } else {
                add_defused(out, s, full);
            }
        }
        if (nl)
            buf_addc(out, '\n');
    }
}

/* text with every @TOKEN@ replaced by the token file's path */
static void add_token_paths(struct buf *out, const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (i + 7 <= n && memcmp(s + i, "@TOKEN@", 7) == 0) {
            buf_adds(out, f_token);
            i += 6;
        } else {
            buf_addc(out, s[i]);
        }
    }
}

static void put(const char *path, const char *data, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

    FZ_CHECK(fd >= 0, "cannot write %s", path);
    FZ_CHECK(write(fd, data, n) == (ssize_t)n, "short write to %s", path);
    close(fd);
}

static void write_ini(const char *path, const struct part *pt)
{
    struct buf a, b;

    if (!pt->present) {
        unlink(path);
        return;
    }
    buf_init(&a);
    buf_init(&b);
    add_token_paths(&a, pt->p, pt->n);
    rewrite_ini(&b, a.data ? a.data : "", a.len);
    FZ_CHECK(!buf_failed(&b), "out of memory");
    put(path, b.data ? b.data : "", b.len);
    buf_free(&a);
    buf_free(&b);
}

/* The token file: a secret, then the input's bytes; blank stays blank. */
static void write_token(const struct part *pt)
{
    struct buf b;
    size_t i;
    int blank = 1;

    if (!pt->present) {
        unlink(f_token);
        return;
    }
    for (i = 0; i < pt->n; i++)
        blank &= isspace((unsigned char)pt->p[i]) != 0;
    buf_init(&b);
    if (!blank)
        buf_adds(&b, mark(0));
    buf_add(&b, pt->p, pt->n);
    put(f_token, b.data ? b.data : "", b.len);
    buf_free(&b);
}

/* ---- the STS stubs ------------------------------------------------------- */

struct stub {
    char mode[16];
    long gh_status;
    struct buf gh_body;
    int calls;
};

static int stub_answer(struct stub *st, struct cred_creds *out,
                       struct gen_err *e)
{
    int late = strcmp(st->mode, "late") == 0 && st->calls > 1;
    time_t exp = T0 + 3600;

    FZ_CHECK(!out->access_key_id && !out->secret_access_key &&
             !out->session_token && !out->expiration,
             "STS out did not arrive empty");
    if (strcmp(st->mode, "fail") == 0 || late)
        return err_set(e, GEN_EAWS, NULL, 0, "AccessDenied: stub refused");
    if (strcmp(st->mode, "net") == 0)
        return err_set(e, GEN_ENET, NULL, 0, "stub: connection refused");
    if (strcmp(st->mode, "pos") == 0)
        return 1;
    if (strcmp(st->mode, "empty") == 0)
        return 0;
    if (strcmp(st->mode, "half") == 0) {
        out->access_key_id = strdup("ASIAHALF00000001");
        out->secret_access_key = strdup(mark(0));
        return err_set(e, GEN_EAWS, NULL, 0, "stub: half an answer");
    }
    if (strcmp(st->mode, "expired") == 0)
        exp = T0 - 10;
    if (strcmp(st->mode, "noexp") == 0)
        exp = 0;
    return cred_creds_set(out, mark(1), mark(0), mark(0), exp, e);
}

static int stub_assume(void *ctx, const struct cred_creds *base,
                       const char *role_arn, const char *session_name,
                       const char *external_id, int duration_seconds,
                       struct cred_creds *out, struct gen_err *e)
{
    struct stub *st = ctx;

    (void)external_id;
    st->calls++;
    FZ_CHECK(base && base->access_key_id && *base->access_key_id &&
             base->secret_access_key && *base->secret_access_key,
             "AssumeRole without base credentials");
    FZ_CHECK(role_arn && *role_arn, "AssumeRole without a role");
    FZ_CHECK(session_name && *session_name, "AssumeRole without a session");
    FZ_CHECK(duration_seconds >= 0, "duration %d", duration_seconds);
    return stub_answer(st, out, e);
}

static int stub_webid(void *ctx, const char *token, const char *role_arn,
                      const char *session_name, int duration_seconds,
                      struct cred_creds *out, struct gen_err *e)
{
    struct stub *st = ctx;

    st->calls++;
    FZ_CHECK(token && *token, "AssumeRoleWithWebIdentity without a token");
    FZ_CHECK(role_arn && *role_arn, "web identity without a role");
    FZ_CHECK(session_name && *session_name, "web identity without session");
    FZ_CHECK(duration_seconds >= 0, "duration %d", duration_seconds);
    return stub_answer(st, out, e);
}

static int stub_get(void *ctx, const char *url, const char *bearer,
                    long *status, struct buf *body, struct gen_err *e)
{
    struct stub *st = ctx;

    (void)e;
    FZ_CHECK(url && fz_has(url, "audience=sts.amazonaws.com"),
             "GitHub URL %s", url ? url : "(null)");
    FZ_CHECK(bearer && *bearer, "no bearer token");
    *status = st->gh_status;
    buf_add(body, st->gh_body.data ? st->gh_body.data : "", st->gh_body.len);
    return 0;
}

/* ---- the options line ---------------------------------------------------- */

struct opts {
    struct cred_opts o;
    char profile[128], role[256], session[128], ext[128];
    const char *creds_mode, *config_mode;
};

/* Unescape a word's value into out. */
static void unescape(char *out, size_t size, const char *v, size_t n)
{
    size_t i, j = 0;

    for (i = 0; i < n && j + 1 < size; i++) {
        char c = v[i];

        if (c == '\\' && i + 1 < n) {
            c = v[++i];
            c = c == 's' ? ' ' : c == 'n' ? '\n' : c == 't' ? '\t' : c;
        }
        out[j++] = c;
    }
    out[j] = '\0';
}

static int name_in(const char *w, size_t n, const char *const *list)
{
    for (; *list; list++)
        if (strlen(*list) == n && strncmp(w, *list, n) == 0)
            return 1;
    return 0;
}

static void option(struct opts *op, struct stub *st, const char *w, size_t n)
{
    const char *eq = memchr(w, '=', n);
    char val[512];
    size_t kn;

    if (!eq)
        return;
    kn = (size_t)(eq - w);
    unescape(val, sizeof val, eq + 1, n - kn - 1);
#define IS(k) (kn == strlen(k) && strncmp(w, k, kn) == 0)
    if (IS("--profile")) {
        snprintf(op->profile, sizeof op->profile, "%s", val);
        op->o.profile = op->profile;
    } else if (IS("--role-arn")) {
        snprintf(op->role, sizeof op->role, "%s", val);
        op->o.role_arn = op->role;
    } else if (IS("--role-session-name")) {
        snprintf(op->session, sizeof op->session, "%s", val);
        op->o.role_session_name = op->session;
    } else if (IS("--role-external-id")) {
        snprintf(op->ext, sizeof op->ext, "%s", val);
        op->o.role_external_id = op->ext;
    } else if (IS("--duration")) {
        long d = strtol(val, NULL, 10);     /* the CLI checks the range */

        op->o.role_duration_seconds = d < 0 || d > 86400 ? 0 : (int)d;
    } else if (IS("sts")) {
        snprintf(st->mode, sizeof st->mode, "%s", val);
    } else if (IS("gh")) {
        st->gh_status = atol(val);
    } else if (IS("creds")) {
        op->creds_mode = strcmp(val, "missing") == 0 ? "missing" :
                         strcmp(val, "home") == 0 ? "home" :
                         strcmp(val, "dir") == 0 ? "dir" : NULL;
    } else if (IS("config")) {
        op->config_mode = strcmp(val, "missing") == 0 ? "missing" :
                          strcmp(val, "home") == 0 ? "home" :
                          strcmp(val, "dir") == 0 ? "dir" : NULL;
    } else if (IS("AWS_WEB_IDENTITY_TOKEN_FILE")) {
        char missing[320];

        snprintf(missing, sizeof missing, "%s/no-such-token", dir);
        setenv("AWS_WEB_IDENTITY_TOKEN_FILE", !*val ? "" :
               strcmp(val, "missing") == 0 ? missing : f_token, 1);
    } else if (name_in(w, kn, secret_vars)) {
        char name[64];

        snprintf(name, sizeof name, "%.*s", (int)kn, w);
        setenv(name, *val ? mark(0) : "", 1);
    } else if (name_in(w, kn, vars) && !IS("AWS_SHARED_CREDENTIALS_FILE") &&
               !IS("AWS_CONFIG_FILE")) {
        char name[64];

        snprintf(name, sizeof name, "%.*s", (int)kn, w);
        setenv(name, val, 1);
    }
#undef IS
}

static void file_var(const char *var, const char *mode, const char *path,
                     const char *base)
{
    char v[320];

    if (!mode)
        snprintf(v, sizeof v, "%s", path);
    else if (strcmp(mode, "missing") == 0)
        snprintf(v, sizeof v, "%s/absent-%s", dir, base);
    else if (strcmp(mode, "home") == 0)
        snprintf(v, sizeof v, "~/%s", base);
    else
        snprintf(v, sizeof v, "%s", dir);
    setenv(var, v, 1);
}

/* ---- running the chain ----------------------------------------------------- */

/* The lowest free descriptor: a leak makes it move. */
static int lowest_fd(void)
{
    int fd = dup(0);

    if (fd >= 0)
        close(fd);
    return fd;
}

static void check_err(const struct gen_err *e, int r, const int *codes)
{
    char line[1600];
    int ok = 0;

    for (; *codes; codes++)
        ok |= r == *codes;
    FZ_CHECK(ok, "returned %d: %s", r, e->msg);
    FZ_CHECK(e->code == r, "e.code %d, returned %d", e->code, r);
    FZ_CHECK(e->msg[0] && fz_one_line(e->msg), "message: %s", e->msg);
    err_format(e, line, sizeof line);
    no_secrets(line, 0, "an error");
}

static void check_creds(const struct cred_creds *c, time_t now)
{
    FZ_CHECK(c && c->access_key_id && *c->access_key_id &&
             c->secret_access_key && *c->secret_access_key,
             "incomplete credentials");
    FZ_CHECK(c->expiration == 0 || c->expiration > now,
             "credentials expired at %lld handed out at %lld",
             (long long)c->expiration, (long long)now);
}

static void describe(const struct cred_provider *p)
{
    struct buf b;

    buf_init(&b);
    cred_describe(p, &b);
    no_secrets(buf_cstr(&b), 1, "cred_describe");
    buf_free(&b);
}

static void run(const struct opts *op, struct stub *st)
{
    static const int new_codes[] = {GEN_EINPUT, GEN_EIO, GEN_ENOMEM, 0};
    static const int get_codes[] = {GEN_ECRED, GEN_EINPUT, GEN_EIO,
                                    GEN_EINTERNAL, GEN_ENOMEM, GEN_EAWS,
                                    GEN_ENET, 0};
    static const char *const services[] = {"cloudformation", "sts", "s3",
                                           NULL};
    struct cred_sts sts = {st, stub_assume, stub_webid, stub_get};
    struct cred_provider *p = (struct cred_provider *)&sts;
    const struct cred_creds *c;
    const struct cred_creds *const untouched = (const struct cred_creds *)&c;
    struct gen_err e;
    time_t when[2] = {T0, T0 + 3500};
    int r, i;

    err_clear(&e);
    r = cred_new(&op->o, &sts, &p, &e);
    if (r < 0) {
        check_err(&e, r, new_codes);
        FZ_CHECK(p == (struct cred_provider *)&sts, "*out set on failure");
        return;
    }
    FZ_CHECK(r == 0 && p, "cred_new returned %d", r);
    describe(p);
    for (i = 0; i < 2; i++) {
        c = untouched;
        err_clear(&e);
        r = cred_get(p, when[i], &c, &e);
        if (r < 0) {
            check_err(&e, r, get_codes);
            FZ_CHECK(c == untouched, "*out set on failure");
        } else {
            FZ_CHECK(r == 0, "cred_get returned %d", r);
            check_creds(c, when[i]);
        }
        describe(p);
    }
    FZ_CHECK(cred_profile_name(p) && *cred_profile_name(p), "no profile");
    region_resolve(cred_profile(p), NULL);
    region_resolve(cred_profile(p), "");
    for (i = 0; services[i]; i++) {
        endpoints_configured(cred_profile(p), services[i], NULL);
        FZ_CHECK(strcmp(endpoints_configured(cred_profile(p), services[i], "http://cli:1"),
                        "http://cli:1") == 0, "--endpoint-url lost");
    }
    cred_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct part opts_line, parts[NPARTS];
    struct opts op;
    struct stub st;
    const char *w, *end;
    int fd_before;
    size_t i;

    if (size > 65536)
        return 0;
    seed = fz_hash(data, size, 0);
    nmarks = 0;
    split((const char *)data, size, &opts_line, parts);

    for (i = 0; vars[i]; i++)
        unsetenv(vars[i]);
    setenv("HOME", dir, 1);
    memset(&op, 0, sizeof op);
    memset(&st, 0, sizeof st);
    st.gh_status = 200;
    buf_init(&st.gh_body);
    for (w = opts_line.p, end = w + opts_line.n; w < end;) {
        size_t k = 0;

        while (w + k < end && w[k] != ' ' && w[k] != '\t')
            k++;
        if (k)
            option(&op, &st, w, k);
        w += k ? k : 1;
    }
    file_var("AWS_SHARED_CREDENTIALS_FILE", op.creds_mode, f_creds,
             "credentials");
    file_var("AWS_CONFIG_FILE", op.config_mode, f_config, "config");
    write_ini(f_creds, &parts[P_CREDS]);
    write_ini(f_config, &parts[P_CONFIG]);
    if (verbose)
        system("cat \"$AWS_SHARED_CREDENTIALS_FILE\" \"$AWS_CONFIG_FILE\" "
               ">&2 2>/dev/null");
    write_token(&parts[P_TOKEN]);
    if (parts[P_GITHUB].present) {
        const char *g = parts[P_GITHUB].p;
        size_t n = parts[P_GITHUB].n;

        for (i = 0; i < n; i++) {
            if (i + 5 <= n && memcmp(g + i, "@JWT@", 5) == 0) {
                buf_adds(&st.gh_body, mark(0));
                i += 4;
            } else {
                buf_addc(&st.gh_body, g[i]);
            }
        }
    } else {
        buf_printf(&st.gh_body, "{\"count\": 1, \"value\": \"%s\"}", mark(0));
    }

    fd_before = lowest_fd();
    run(&op, &st);
    FZ_CHECK(lowest_fd() == fd_before, "a file descriptor was left open");
    buf_free(&st.gh_body);
    return 0;
}
