/* credentials.c: the AWS credential provider chain, after botocore's
 * create_credential_resolver; credentials.h gives the order. */
#include "aws/credentials.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/files.h"
#include "core/isotime.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

extern char **environ;

#define MAX_FILE    (16u << 20)   /* a shared config or credentials file */
#define MAX_TOKEN   (1u << 20)    /* a web identity token file */
#define MAX_OUTPUT  (64u << 10)   /* credential_process stdout, GitHub body */
#define MAX_STDERR  2048          /* credential_process stderr kept */
#define MAX_CHAIN   32            /* source_profile hops */
#define GH_AUDIENCE "sts.amazonaws.com"

/* ---- secrets ----------------------------------------------------------- */

/* A volatile loop the compiler cannot drop (explicit_bzero needs
 * _DEFAULT_SOURCE, which the Makefile does not set). */
static void wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;

    while (n--)
        *v++ = 0;
}

static void free_secret(char *s)
{
    if (s) {
        wipe(s, strlen(s));
        free(s);
    }
}

static void buf_wipe(struct buf *b)
{
    if (b->data)
        wipe(b->data, b->cap);
    buf_free(b);
}

/* Room for n bytes up front, so that appends do not realloc and leave
 * copies of a secret in freed memory. */
static int buf_reserve(struct buf *b, size_t n)
{
    buf_init(b);
    b->data = malloc(n + 1);
    if (!b->data)
        return -1;
    b->data[0] = '\0';
    b->cap = n + 1;
    return 0;
}

static char *xstrdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

static int nomem(struct gen_err *e)
{
    return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
}

/* getenv, with "" counting as unset. */
static const char *env(const char *name)
{
    const char *v = getenv(name);

    return v && *v ? v : NULL;
}

/* ---- credentials ------------------------------------------------------- */

int cred_creds_set(struct cred_creds *c, const char *access_key_id,
                   const char *secret_access_key, const char *session_token,
                   time_t expiration, struct gen_err *e)
{
    char *a, *s, *t = NULL;

    if (!access_key_id || !secret_access_key) {
        cred_creds_clear(c);
        return err_set(e, GEN_EINTERNAL, NULL, 0,
                       "credentials without an access key id or secret key");
    }
    a = xstrdup(access_key_id);
    s = xstrdup(secret_access_key);
    if (session_token)
        t = xstrdup(session_token);
    if (!a || !s || (session_token && !t)) {
        free_secret(a);
        free_secret(s);
        free_secret(t);
        cred_creds_clear(c);
        return nomem(e);
    }
    cred_creds_clear(c);
    c->access_key_id = a;
    c->secret_access_key = s;
    c->session_token = t;
    c->expiration = expiration;
    return 0;
}

void cred_creds_clear(struct cred_creds *c)
{
    if (!c)
        return;
    free_secret(c->access_key_id);
    free_secret(c->secret_access_key);
    free_secret(c->session_token);
    memset(c, 0, sizeof *c);
}

/* ---- time -------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static void fmt_time(time_t t, char *out, size_t n)
{
    struct tm tm;

    if (!gmtime_r(&t, &tm) ||
        !strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(out, n, "%lld", (long long)t);
}

/* ---- INI: the shared files --------------------------------------------- */

/* Parsed like botocore's raw_config_parse (Python's RawConfigParser):
 * section names are case-sensitive, keys are lower-cased, values are
 * trimmed and have no inline comments; a line indented deeper than its
 * key continues it: under "key =" (empty) the lines are a nested block of
 * "sub = value" pairs, otherwise they are appended with '\n'. Stricter
 * than configparser: only '=' separates, text after ']' must be a
 * comment. Duplicates are errors, as with configparser's strict mode. */

struct ini_kv {
    char *key;
    char *val;
    int line;
    struct ini_kv *sub;     /* nested block under "key =" */
    size_t nsub;
};

struct ini_sec {
    char *name;             /* as written, trimmed */
    int line;
    struct ini_kv *kv;
    size_t nkv;
};

struct ini {
    char *path;             /* to open */
    char *disp;             /* for messages: "~/.aws/config" or as set */
    int found;
    struct ini_sec *sec;
    size_t nsec;
};

enum { F_CREDS, F_CONFIG };

static void kv_free(struct ini_kv *kv)
{
    size_t i;

    for (i = 0; i < kv->nsub; i++)
        kv_free(&kv->sub[i]);
    free(kv->sub);
    free_secret(kv->key);
    free_secret(kv->val);
}

static void ini_free(struct ini *f)
{
    size_t i, j;

    for (i = 0; i < f->nsec; i++) {
        for (j = 0; j < f->sec[i].nkv; j++)
            kv_free(&f->sec[i].kv[j]);
        free(f->sec[i].kv);
        free(f->sec[i].name);
    }
    free(f->sec);
    free(f->path);
    free(f->disp);
    memset(f, 0, sizeof *f);
}

static void trim(const char **s, size_t *n)
{
    while (*n && isspace((unsigned char)**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

static const struct ini_kv *kv_find(const struct ini_kv *kv, size_t n,
                                    const char *key)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(kv[i].key, key) == 0)
            return &kv[i];
    return NULL;
}

static const struct ini_kv *sec_get(const struct ini_sec *s, const char *key)
{
    return s ? kv_find(s->kv, s->nkv, key) : NULL;
}

/* Append a pair to an array of pairs; steals key and val. */
static int kv_push(struct ini_kv **arr, size_t *n, char *key, char *val,
                   int line)
{
    struct ini_kv *p;

    if (!key || !val) {
        free_secret(key);
        free_secret(val);
        return -1;
    }
    p = realloc(*arr, (*n + 1) * sizeof **arr);
    if (!p) {
        free_secret(key);
        free_secret(val);
        return -1;
    }
    *arr = p;
    memset(&p[*n], 0, sizeof p[*n]);
    p[*n].key = key;
    p[*n].val = val;
    p[*n].line = line;
    (*n)++;
    return 0;
}

static int ini_err(const struct ini *f, int line, struct gen_err *e,
                   const char *msg)
{
    return err_set(e, GEN_EINPUT, f->disp, line, "%s", msg);
}

/* One line, already known not to be blank or a comment; t/tn is the line
 * without its indentation ind. State: si (section), ki (key), kind
 * (indentation of that key), nested (the key opened a nested block).
 * Messages never quote values: a malformed line may hold a secret. */
static int ini_line(struct ini *f, int lineno, size_t ind, const char *t,
                    size_t tn, long *si, long *ki, size_t *kind,
                    int *nested, struct gen_err *e)
{
    const char *eq, *k, *v;
    size_t kn, vn, i;
    char msg[300];

    if (*si >= 0 && *ki >= 0 && ind > *kind) {
        struct ini_kv *kv = &f->sec[*si].kv[*ki];

        if (*nested) {
            eq = memchr(t, '=', tn);
            if (!eq) {
                snprintf(msg, sizeof msg, "expected 'key = value' in the "
                         "block under '%s'", kv->key);
                return ini_err(f, lineno, e, msg);
            }
            k = t;
            kn = (size_t)(eq - t);
            v = eq + 1;
            vn = tn - kn - 1;
            trim(&k, &kn);
            trim(&v, &vn);
            if (!kn)
                return ini_err(f, lineno, e, "missing key before '='");
            if (kv_push(&kv->sub, &kv->nsub, strndup(k, kn),
                        strndup(v, vn), lineno) < 0)
                return nomem(e);
        } else {
            size_t old = strlen(kv->val);
            char *joined = malloc(old + 1 + tn + 1);

            if (!joined)
                return nomem(e);
            memcpy(joined, kv->val, old);
            joined[old] = '\n';
            memcpy(joined + old + 1, t, tn);
            joined[old + 1 + tn] = '\0';
            free_secret(kv->val);
            kv->val = joined;
        }
        return 0;
    }

    if (*t == '[') {
        const char *close = memchr(t, ']', tn), *rest;
        size_t rn;
        struct ini_sec *ns;

        if (!close)
            return ini_err(f, lineno, e, "missing ']' in section header");
        k = t + 1;
        kn = (size_t)(close - k);
        trim(&k, &kn);
        if (!kn)
            return ini_err(f, lineno, e, "empty section name");
        rest = close + 1;
        rn = tn - (size_t)(rest - t);
        trim(&rest, &rn);
        if (rn && *rest != '#' && *rest != ';')
            return ini_err(f, lineno, e, "unexpected text after ']'");
        for (i = 0; i < f->nsec; i++) {
            if (strlen(f->sec[i].name) == kn &&
                memcmp(f->sec[i].name, k, kn) == 0) {
                snprintf(msg, sizeof msg, "duplicate section [%.*s] "
                         "(first at line %d)", (int)kn, k, f->sec[i].line);
                return ini_err(f, lineno, e, msg);
            }
        }
        ns = realloc(f->sec, (f->nsec + 1) * sizeof *f->sec);
        if (!ns)
            return nomem(e);
        f->sec = ns;
        memset(&ns[f->nsec], 0, sizeof ns[f->nsec]);
        ns[f->nsec].name = strndup(k, kn);
        ns[f->nsec].line = lineno;
        if (!ns[f->nsec].name)
            return nomem(e);
        *si = (long)f->nsec++;
        *ki = -1;
        return 0;
    }

    if (*si < 0)
        return ini_err(f, lineno, e, "setting before any [section]");
    eq = memchr(t, '=', tn);
    if (!eq)
        return ini_err(f, lineno, e,
                       "expected '[section]' or 'key = value'");
    k = t;
    kn = (size_t)(eq - t);
    v = eq + 1;
    vn = tn - kn - 1;
    trim(&k, &kn);
    trim(&v, &vn);
    if (!kn)
        return ini_err(f, lineno, e, "missing key before '='");
    {
        struct ini_sec *s = &f->sec[*si];
        char *key = strndup(k, kn);
        const struct ini_kv *dup;

        if (!key)
            return nomem(e);
        for (i = 0; i < kn; i++)
            key[i] = (char)tolower((unsigned char)key[i]);
        dup = kv_find(s->kv, s->nkv, key);
        if (dup) {
            snprintf(msg, sizeof msg, "duplicate key '%s' in [%s] "
                     "(first at line %d)", key, s->name, dup->line);
            free(key);
            return ini_err(f, lineno, e, msg);
        }
        if (kv_push(&s->kv, &s->nkv, key, strndup(v, vn), lineno) < 0)
            return nomem(e);
        *ki = (long)s->nkv - 1;
        *kind = ind;
        *nested = vn == 0;
    }
    return 0;
}

static int ini_parse(struct ini *f, const char *data, size_t len,
                     struct gen_err *e)
{
    size_t pos = 0, kind = 0;
    long si = -1, ki = -1;
    int lineno = 0, nested = 0, r;

    if (memchr(data, '\0', len))
        return ini_err(f, 0, e, "file contains a NUL byte");
    if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
        pos = 3;
    while (pos < len) {
        const char *s = data + pos, *nl = memchr(s, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - s) : len - pos, ind = 0;

        pos += n + (nl ? 1 : 0);
        lineno++;
        while (n && isspace((unsigned char)s[n - 1]))
            n--;
        while (ind < n && (s[ind] == ' ' || s[ind] == '\t'))
            ind++;
        if (ind == n || s[ind] == '#' || s[ind] == ';')
            continue;
        r = ini_line(f, lineno, ind, s + ind, n - ind, &si, &ki, &kind,
                     &nested, e);
        if (r < 0)
            return r;
    }
    return 0;
}

/* ~ and ~/x, as os.path.expanduser. */
static char *expand_home(const char *path)
{
    const char *home;
    char *out;
    size_t hn;

    if (path[0] != '~' || (path[1] != '\0' && path[1] != '/'))
        return xstrdup(path);
    home = env("HOME");
    if (!home) {
        struct passwd *pw = getpwuid(getuid());

        home = pw && pw->pw_dir && *pw->pw_dir ? pw->pw_dir : NULL;
    }
    if (!home)
        return xstrdup(path);
    hn = strlen(home);
    out = malloc(hn + strlen(path));
    if (!out)
        return NULL;
    memcpy(out, home, hn);
    strcpy(out + hn, path + 1);
    return out;
}

/* Read a whole small file in one allocation (a growing buffer would leave
 * copies of secrets behind). *len excludes the NUL added. ENOENT and
 * ENOTDIR return 1 (not there). */
/* A small file that may hold secrets: a regular file only (a FIFO or a
 * device is refused without blocking), at most max bytes, wiped when
 * reading fails; 1 when there is no such file. */
static int read_small(const char *path, const char *disp, size_t max,
                      const char *what, char **out, size_t *len,
                      struct gen_err *e)
{
    char label[4200];

    snprintf(label, sizeof label, "%s '%s'", what, disp);
    return files_read(path, label, max, FILES_MISSING_OK | FILES_WIPE, out, len, e);
}

static int ini_load(struct ini *f, const char *envname, const char *deflt,
                    struct gen_err *e)
{
    const char *v = env(envname);
    char *data = NULL;
    size_t len = 0;
    int r;

    f->disp = xstrdup(v ? v : deflt);
    f->path = expand_home(v ? v : deflt);
    if (!f->disp || !f->path)
        return nomem(e);
    r = read_small(f->path, f->disp, MAX_FILE, "file", &data, &len, e);
    if (r < 0)
        return r;
    if (r == 1)
        return 0;
    f->found = 1;
    r = ini_parse(f, data, len, e);
    wipe(data, len);
    free(data);
    return r;
}

/* Is secname "PREFIX NAME" (botocore: shlex.split gives two words)? */
static int prefixed_is(const char *secname, const char *prefix,
                       const char *name)
{
    size_t pn = strlen(prefix), nn;
    const char *p;

    if (strncmp(secname, prefix, pn) != 0)
        return 0;
    p = secname + pn;
    if (!isspace((unsigned char)*p))
        return 0;
    while (isspace((unsigned char)*p))
        p++;
    nn = strlen(p);
    if (nn >= 2 && p[0] == '"' && p[nn - 1] == '"')
        return nn - 2 == strlen(name) && memcmp(p + 1, name, nn - 2) == 0;
    if (strpbrk(p, " \t\"'"))
        return 0;
    return strcmp(p, name) == 0;
}

static const struct ini_sec *ini_section(const struct ini *f,
                                         const char *name)
{
    size_t i;

    for (i = 0; i < f->nsec; i++)
        if (strcmp(f->sec[i].name, name) == 0)
            return &f->sec[i];
    return NULL;
}

/* A "[PREFIX NAME]" section of the config file; for the profile
 * "default" also "[default]". The last match wins, as in botocore. */
static const struct ini_sec *config_section(const struct ini *f,
                                         const char *prefix,
                                         const char *name)
{
    const struct ini_sec *hit = NULL;
    size_t i;

    for (i = 0; i < f->nsec; i++) {
        if (prefixed_is(f->sec[i].name, prefix, name) ||
            (strcmp(prefix, "profile") == 0 &&
             strcmp(name, "default") == 0 &&
             strcmp(f->sec[i].name, "default") == 0))
            hit = &f->sec[i];
    }
    return hit;
}

/* ---- the provider ------------------------------------------------------ */

enum src {
    SRC_NONE,
    SRC_ENV,        /* AWS_ACCESS_KEY_ID & co, re-read on refresh */
    SRC_STATIC,     /* keys from a file */
    SRC_PROCESS,    /* credential_process */
    SRC_WEBID,      /* token file + AssumeRoleWithWebIdentity */
    SRC_GITHUB      /* GitHub OIDC token + AssumeRoleWithWebIdentity */
};

/* One AssumeRole after the base. */
struct hop {
    char *role_arn;
    char *session_name;
    char *external_id;      /* NULL = none */
    int duration;           /* 0 = STS default */
    char *why;              /* "profile 'x'" or "--role-arn" */
};

/* How to get the credentials again: the source found by the first walk. */
struct plan {
    enum src kind;
    char *what;             /* for cred_describe; no secrets */
    char *label;            /* prefix of error messages */
    char *file;             /* setting's file and line, for messages */
    int line;
    struct cred_creds statics;              /* SRC_STATIC */
    char *command;                          /* SRC_PROCESS */
    char *token_file;                       /* SRC_WEBID */
    char *role_arn;                         /* SRC_WEBID, SRC_GITHUB */
    char *session_name;
    int duration;
    struct hop *hops;
    size_t nhops;
};

struct cred_provider {
    char *profile;
    const char *named_by;   /* "--profile", "AWS_PROFILE" or NULL */
    char *role_arn;         /* --role-arn and friends */
    char *role_session_name;
    char *role_external_id;
    int role_duration;
    struct cred_sts sts;
    struct ini files[2];
    int planned;
    struct plan plan;
    int have;
    struct cred_creds cache;
};

static void plan_clear(struct plan *pl)
{
    size_t i;

    free(pl->what);
    free(pl->label);
    free(pl->file);
    cred_creds_clear(&pl->statics);
    free_secret(pl->command);
    free(pl->token_file);
    free(pl->role_arn);
    free(pl->session_name);
    for (i = 0; i < pl->nhops; i++) {
        free(pl->hops[i].role_arn);
        free(pl->hops[i].session_name);
        free(pl->hops[i].external_id);
        free(pl->hops[i].why);
    }
    free(pl->hops);
    memset(pl, 0, sizeof *pl);
}

/* A setting of a profile, with where it was found. */
struct setting {
    const char *val;
    const char *file;       /* display name */
    int line;
    const struct ini_kv *kv;
};

static const struct ini_sec *prof_sec(const struct cred_provider *p,
                                      int which, const char *prof)
{
    if (which == F_CREDS)
        return ini_section(&p->files[F_CREDS], prof);
    return config_section(&p->files[F_CONFIG], "profile", prof);
}

/* A key of profile prof: the credentials file overrides the config file,
 * as botocore merges them (session.full_config). */
static int prof_get(const struct cred_provider *p, const char *prof,
                    const char *key, struct setting *s)
{
    int which;

    for (which = F_CREDS; which <= F_CONFIG; which++) {
        const struct ini_kv *kv = sec_get(prof_sec(p, which, prof), key);

        if (kv) {
            s->val = kv->val;
            s->file = p->files[which].disp;
            s->line = kv->line;
            s->kv = kv;
            return 1;
        }
    }
    memset(s, 0, sizeof *s);
    return 0;
}

static const char *prof_val(const struct cred_provider *p, const char *prof,
                            const char *key)
{
    struct setting s;

    return prof_get(p, prof, key, &s) ? s.val : NULL;
}

static int prof_exists(const struct cred_provider *p, const char *prof)
{
    return prof_sec(p, F_CREDS, prof) || prof_sec(p, F_CONFIG, prof);
}

/* botocore's _has_static_credentials and _has_assume_role_config_vars */
static int has_static(const struct cred_provider *p, const char *prof)
{
    return prof_val(p, prof, "aws_access_key_id") ||
           prof_val(p, prof, "aws_secret_access_key");
}

static int has_role(const struct cred_provider *p, const char *prof)
{
    return prof_val(p, prof, "role_arn") &&
           !prof_val(p, prof, "web_identity_token_file");
}

/* A setting that must not be empty when present. */
static int need_value(const struct setting *s, const char *prof,
                      const char *key, struct gen_err *e)
{
    if (s->val && *s->val)
        return 0;
    return err_set(e, GEN_EINPUT, s->file, s->line,
                   "profile '%s': %s is empty", prof, key);
}

/* ---- walking the chain ------------------------------------------------- */

struct walk {
    struct cred_provider *p;
    time_t now;
    struct plan *pl;
    struct buf *tried;      /* reasons for skipping; NULL below a role */
    const char *visited[MAX_CHAIN + 1];
    size_t nvisited;
};

static void tried(struct walk *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void tried(struct walk *w, const char *fmt, ...)
{
    char line[600];
    va_list ap;

    if (!w->tried)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (w->tried->len)
        buf_adds(w->tried, "; ");
    buf_adds(w->tried, line);
}

static char *strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *strf(const char *fmt, ...)
{
    struct buf b;
    va_list ap;
    char tmp[1024];

    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    buf_init(&b);
    buf_adds(&b, tmp);
    if (buf_failed(&b)) {
        buf_free(&b);
        return NULL;
    }
    return buf_detach(&b, NULL);
}

static char *default_session(time_t now)
{
    return strf("luaform-%lld", (long long)now);
}

/* Credentials from AWS_ACCESS_KEY_ID & co (botocore's EnvProvider: the
 * token is AWS_SECURITY_TOKEN, else AWS_SESSION_TOKEN). Returns 1 when
 * AWS_ACCESS_KEY_ID is unset. */
static int env_creds(const char *label, struct cred_creds *out,
                     struct gen_err *e)
{
    const char *ak = env("AWS_ACCESS_KEY_ID");
    const char *sk = env("AWS_SECRET_ACCESS_KEY");
    const char *tok = env("AWS_SECURITY_TOKEN");
    const char *exp = env("AWS_CREDENTIAL_EXPIRATION");
    time_t t = 0;

    if (!ak)
        return 1;
    if (!sk)
        return err_set(e, GEN_ECRED, NULL, 0, "%s: AWS_ACCESS_KEY_ID is "
                       "set but AWS_SECRET_ACCESS_KEY is not", label);
    if (!tok)
        tok = env("AWS_SESSION_TOKEN");
    if (exp && isotime_parse(exp, &t, NULL) < 0)
        return err_set(e, GEN_EINPUT, NULL, 0, "%s: AWS_CREDENTIAL_EXPIRATION"
                       " is not an ISO 8601 time", label);
    return cred_creds_set(out, ak, sk, tok, t, e);
}

static int add_hop(struct plan *pl, const char *role_arn, const char *session,
                   const char *external_id, int duration, char *why,
                   struct gen_err *e)
{
    struct hop *h = realloc(pl->hops, (pl->nhops + 1) * sizeof *pl->hops);

    if (!h) {
        free(why);
        return nomem(e);
    }
    pl->hops = h;
    h = &h[pl->nhops++];
    memset(h, 0, sizeof *h);
    h->role_arn = xstrdup(role_arn);
    h->session_name = xstrdup(session);
    h->external_id = external_id ? xstrdup(external_id) : NULL;
    h->duration = duration;
    h->why = why;
    if (!h->role_arn || !h->session_name || !h->why ||
        (external_id && !h->external_id))
        return nomem(e);
    return 0;
}

/* duration_seconds: what STS accepts for AssumeRole. */
static int get_duration(const struct cred_provider *p, const char *prof,
                        int *out, struct gen_err *e)
{
    struct setting s;
    char *end;
    long v;

    *out = 0;
    if (!prof_get(p, prof, "duration_seconds", &s))
        return 0;
    errno = 0;
    v = strtol(s.val, &end, 10);
    if (!isdigit((unsigned char)*s.val) || *end || errno || v < 900 ||
        v > 43200)
        return err_set(e, GEN_EINPUT, s.file, s.line, "profile '%s': "
                       "duration_seconds must be a whole number of seconds "
                       "from 900 to 43200", prof);
    *out = (int)v;
    return 0;
}

static int plan_static(struct walk *w, const char *prof, int which,
                       struct gen_err *e)
{
    struct cred_provider *p = w->p;
    const struct ini_sec *sec = prof_sec(p, which, prof);
    const char *disp = p->files[which].disp;
    const struct ini_kv *ak = sec_get(sec, "aws_access_key_id");
    const struct ini_kv *sk = sec_get(sec, "aws_secret_access_key");
    const struct ini_kv *tok = sec_get(sec, "aws_security_token");
    const char *extra = which == F_CONFIG ?
                        " or credential_process" : "";

    if (!p->files[which].found) {
        tried(w, "profile '%s' in %s: file not found", prof, disp);
        return 0;
    }
    if (!sec) {
        tried(w, "profile '%s' in %s: no such profile", prof, disp);
        return 0;
    }
    if (!ak) {
        tried(w, "profile '%s' in %s: no aws_access_key_id%s", prof, disp,
              extra);
        return 0;
    }
    if (!sk)
        return err_set(e, GEN_EINPUT, disp, ak->line, "profile '%s': "
                       "aws_access_key_id without aws_secret_access_key",
                       prof);
    if (!*ak->val || !*sk->val)
        return err_set(e, GEN_EINPUT, disp, *ak->val ? sk->line : ak->line,
                       "profile '%s': %s is empty", prof, *ak->val ?
                       "aws_secret_access_key" : "aws_access_key_id");
    if (!tok)
        tok = sec_get(sec, "aws_session_token");
    if (cred_creds_set(&w->pl->statics, ak->val, sk->val,
                       tok && *tok->val ? tok->val : NULL, 0, e) < 0)
        return GEN_ENOMEM;
    w->pl->kind = SRC_STATIC;
    w->pl->what = strf("profile '%s' in %s", prof, disp);
    return w->pl->what ? 1 : nomem(e);
}

/* The providers that read one profile (botocore's ProfileProviderBuilder):
 * web identity, SSO (refused), credentials file, credential_process,
 * config file. env_ok: AWS_WEB_IDENTITY_TOKEN_FILE & co may override the
 * profile (top level, no --profile). */
static int plan_leaf(struct walk *w, const char *prof, int env_ok,
                     struct gen_err *e)
{
    struct cred_provider *p = w->p;
    struct plan *pl = w->pl;
    struct setting tf, ra, sn, cp;
    const char *tf_env = env_ok ? env("AWS_WEB_IDENTITY_TOKEN_FILE") : NULL;
    int r;

    memset(&tf, 0, sizeof tf);
    if (tf_env)
        tf.val = tf_env;
    else
        prof_get(p, prof, "web_identity_token_file", &tf);
    if (tf.val && *tf.val) {
        const char *ra_env = env_ok ? env("AWS_ROLE_ARN") : NULL;
        const char *sn_env = env_ok ? env("AWS_ROLE_SESSION_NAME") : NULL;

        memset(&ra, 0, sizeof ra);
        memset(&sn, 0, sizeof sn);
        if (ra_env)
            ra.val = ra_env;
        else
            prof_get(p, prof, "role_arn", &ra);
        if (sn_env)
            sn.val = sn_env;
        else
            prof_get(p, prof, "role_session_name", &sn);
        if (!ra.val || !*ra.val)
            return err_set(e, GEN_ECRED, tf.file, tf.line, "web identity: "
                           "%s is set but no role is (AWS_ROLE_ARN or "
                           "role_arn of profile '%s')", tf_env ?
                           "AWS_WEB_IDENTITY_TOKEN_FILE" :
                           "web_identity_token_file", prof);
        pl->kind = SRC_WEBID;
        pl->token_file = xstrdup(tf.val);
        pl->role_arn = xstrdup(ra.val);
        pl->session_name = sn.val && *sn.val ? xstrdup(sn.val) :
                           default_session(w->now);
        pl->what = strf("web identity token file '%s' (%s) for role %s "
                        "(session '%s')", tf.val, tf_env ?
                        "AWS_WEB_IDENTITY_TOKEN_FILE" : prof, ra.val,
                        pl->session_name ? pl->session_name : "");
        pl->label = tf_env ? strf("web identity") :
                    strf("profile '%s': web identity", prof);
        pl->file = tf.file ? xstrdup(tf.file) : NULL;
        pl->line = tf.line;
        if (!pl->token_file || !pl->role_arn || !pl->session_name ||
            !pl->what || !pl->label || (tf.file && !pl->file))
            return nomem(e);
        return 1;
    }
    if (env_ok)
        tried(w, "web identity: AWS_WEB_IDENTITY_TOKEN_FILE not set");
    else if (w->tried)
        tried(w, "web identity: AWS_WEB_IDENTITY_TOKEN_FILE not used with "
              "--profile");

    if (prof_get(p, prof, "sso_session", &cp) ||
        prof_get(p, prof, "sso_start_url", &cp))
        return err_set(e, GEN_ECRED, cp.file, cp.line, "profile '%s' uses "
                       "IAM Identity Center (SSO), which luaform does not "
                       "support; use credential_process = aws configure "
                       "export-credentials --profile %s --format process",
                       prof, prof);

    r = plan_static(w, prof, F_CREDS, e);
    if (r != 0)
        return r;

    if (prof_get(p, prof, "credential_process", &cp)) {
        if (need_value(&cp, prof, "credential_process", e) < 0)
            return GEN_EINPUT;
        pl->kind = SRC_PROCESS;
        pl->command = xstrdup(cp.val);
        pl->what = strf("credential_process of profile '%s' (%s)", prof,
                        cp.file);
        pl->label = strf("profile '%s': credential_process", prof);
        pl->file = xstrdup(cp.file);
        pl->line = cp.line;
        if (!pl->command || !pl->what || !pl->label || !pl->file)
            return nomem(e);
        return 1;
    }

    return plan_static(w, prof, F_CONFIG, e);
}

/* Profile prof has role_arn: plan its source, then the AssumeRole
 * (botocore's AssumeRoleProvider). prof is already in w->visited. */
static int plan_role(struct walk *w, const char *prof, struct gen_err *e)
{
    struct cred_provider *p = w->p;
    struct setting ra, sp, cs, mfa, sn, ext;
    int duration, r;
    char *session, *why;

    prof_get(p, prof, "role_arn", &ra);
    prof_get(p, prof, "source_profile", &sp);
    prof_get(p, prof, "credential_source", &cs);
    if (need_value(&ra, prof, "role_arn", e) < 0)
        return GEN_EINPUT;
    if (sp.val && cs.val)
        return err_set(e, GEN_EINPUT, cs.file, cs.line, "profile '%s' has "
                       "both source_profile and credential_source", prof);
    if (!sp.val && !cs.val)
        return err_set(e, GEN_EINPUT, ra.file, ra.line, "profile '%s' has "
                       "role_arn but neither source_profile nor "
                       "credential_source", prof);
    if (prof_get(p, prof, "mfa_serial", &mfa))
        return err_set(e, GEN_EINPUT, mfa.file, mfa.line, "profile '%s': "
                       "mfa_serial is set, but luaform cannot prompt for an "
                       "MFA code", prof);
    if (get_duration(p, prof, &duration, e) < 0)
        return GEN_EINPUT;

    if (cs.val) {
        if (strcmp(cs.val, "Environment") == 0) {
            struct cred_creds tmp = {0};
            char label[300];

            snprintf(label, sizeof label, "profile '%s': credential_source "
                     "Environment", prof);
            r = env_creds(label, &tmp, e);
            cred_creds_clear(&tmp);
            if (r == 1)
                return err_set(e, GEN_ECRED, cs.file, cs.line, "%s: "
                               "AWS_ACCESS_KEY_ID is not set", label);
            if (r < 0)
                return r;
            w->pl->kind = SRC_ENV;
            w->pl->what = strf("environment variables (credential_source of "
                               "profile '%s')", prof);
            w->pl->label = xstrdup(label);
            if (!w->pl->what || !w->pl->label)
                return nomem(e);
        } else if (strcmp(cs.val, "Ec2InstanceMetadata") == 0 ||
                   strcmp(cs.val, "EcsContainer") == 0) {
            return err_set(e, GEN_EINPUT, cs.file, cs.line, "profile '%s': "
                           "credential_source %s is not supported by "
                           "luaform", prof, cs.val);
        } else {
            return err_set(e, GEN_EINPUT, cs.file, cs.line, "profile '%s': "
                           "credential_source must be Environment, "
                           "Ec2InstanceMetadata or EcsContainer", prof);
        }
    } else {
        const char *src = sp.val;
        size_t i;

        if (need_value(&sp, prof, "source_profile", e) < 0)
            return GEN_EINPUT;
        if (!prof_exists(p, src))
            return err_set(e, GEN_EINPUT, sp.file, sp.line, "profile '%s': "
                           "source_profile '%s' does not exist", prof, src);
        for (i = 0; i < w->nvisited; i++)
            if (strcmp(w->visited[i], src) == 0)
                break;
        if (i < w->nvisited &&
            (strcmp(src, prof) != 0 || !has_static(p, src))) {
            struct buf loop;
            size_t j;

            buf_init(&loop);
            for (j = 0; j < w->nvisited; j++)
                buf_printf(&loop, "%s -> ", w->visited[j]);
            buf_adds(&loop, src);
            r = err_set(e, GEN_EINPUT, sp.file, sp.line, "profile '%s': "
                        "source_profile loop: %s", prof, buf_cstr(&loop));
            buf_free(&loop);
            return r;
        }
        if (w->nvisited >= MAX_CHAIN)
            return err_set(e, GEN_EINPUT, sp.file, sp.line, "profile '%s': "
                           "more than %d chained source_profile roles", prof,
                           MAX_CHAIN);
        w->visited[w->nvisited++] = src;
        if (has_static(p, src) || !has_role(p, src)) {
            r = plan_leaf(w, src, 0, e);
            if (r == 0)
                return err_set(e, GEN_ECRED, sp.file, sp.line, "profile "
                               "'%s': source profile '%s' has no "
                               "credentials", prof, src);
        } else {
            r = plan_role(w, src, e);
        }
        if (r < 0)
            return r;
    }

    prof_get(p, prof, "role_session_name", &sn);
    prof_get(p, prof, "external_id", &ext);
    session = sn.val && *sn.val ? xstrdup(sn.val) : default_session(w->now);
    why = strf("profile '%s'", prof);
    if (!session) {
        free(why);
        return nomem(e);
    }
    r = add_hop(w->pl, ra.val, session, ext.val, duration, why, e);
    free(session);
    return r < 0 ? r : 1;
}

/* The first walk: find the source and record it in pl. */
static int plan_chain(struct cred_provider *p, time_t now, struct plan *pl,
                      struct gen_err *e)
{
    struct walk w;
    struct buf why;
    const char *prof = p->profile;
    int explicit_profile = p->named_by && strcmp(p->named_by,
                                                 "--profile") == 0;
    int r = 0;

    memset(&w, 0, sizeof w);
    buf_init(&why);
    w.p = p;
    w.now = now;
    w.pl = pl;
    w.tried = &why;

    /* 1. environment */
    if (explicit_profile) {
        tried(&w, "environment: not used with --profile");
    } else {
        struct cred_creds tmp = {0};

        r = env_creds("environment", &tmp, e);
        cred_creds_clear(&tmp);
        if (r == 1) {
            tried(&w, "environment: AWS_ACCESS_KEY_ID not set");
            r = 0;
        } else if (r == 0) {
            pl->kind = SRC_ENV;
            pl->what = strf("environment variables (AWS_ACCESS_KEY_ID)");
            pl->label = strf("environment");
            r = pl->what && pl->label ? 1 : nomem(e);
        }
    }
    /* 2. the profile's role_arn */
    if (r == 0 && has_role(p, prof)) {
        w.visited[w.nvisited++] = prof;
        w.tried = NULL;
        r = plan_role(&w, prof, e);
    }
    /* 3-6. web identity, the files, credential_process */
    if (r == 0)
        r = plan_leaf(&w, prof, !explicit_profile, e);
    if (r == 1 && p->role_arn) {
        char *session = p->role_session_name ? xstrdup(p->role_session_name)
                                             : default_session(now);

        if (!session) {
            r = nomem(e);
        } else {
            r = add_hop(pl, p->role_arn, session, p->role_external_id,
                        p->role_duration, strf("--role-arn"), e);
            free(session);
            if (r == 0)
                r = 1;
        }
    }
    /* 7. GitHub Actions OIDC */
    if (r == 0) {
        if (!p->role_arn) {
            tried(&w, "GitHub OIDC: --role-arn not given");
        } else if (!env("ACTIONS_ID_TOKEN_REQUEST_URL")) {
            tried(&w, "GitHub OIDC: ACTIONS_ID_TOKEN_REQUEST_URL not set "
                  "(the job needs 'permissions: id-token: write')");
        } else if (!env("ACTIONS_ID_TOKEN_REQUEST_TOKEN")) {
            tried(&w, "GitHub OIDC: ACTIONS_ID_TOKEN_REQUEST_TOKEN not set");
        } else {
            pl->kind = SRC_GITHUB;
            pl->role_arn = xstrdup(p->role_arn);
            pl->session_name = p->role_session_name ?
                               xstrdup(p->role_session_name) :
                               default_session(now);
            pl->duration = p->role_duration;
            pl->what = strf("GitHub Actions OIDC token for role %s "
                            "(session '%s')", p->role_arn,
                            pl->session_name ? pl->session_name : "");
            pl->label = strf("GitHub OIDC");
            r = pl->role_arn && pl->session_name && pl->what && pl->label ?
                1 : nomem(e);
        }
    }
    if (r == 0)
        r = err_set(e, GEN_ECRED, NULL, 0, "no AWS credentials found "
                    "(tried: %s)", buf_cstr(&why));
    buf_free(&why);
    return r < 0 ? r : 0;
}

/* ---- fetching ---------------------------------------------------------- */

struct proc_out {
    char *out;              /* MAX_OUTPUT + 1 bytes */
    size_t outn;
    int too_big;
    char err[MAX_STDERR];
    size_t errn;
    int status;             /* from waitpid */
};

/* Run cmd with /bin/sh -c, stdin inherited, collecting stdout and stderr
 * (poll, so that neither pipe can fill and block the child). */
static int run_command(const char *label, const char *cmd,
                       struct proc_out *po, struct gen_err *e)
{
    int op[2] = {-1, -1}, ep[2] = {-1, -1}, i, open_fds = 2, rc;
    char a0[] = "sh", a1[] = "-c", chunk[4096];
    char *argv[4];
    posix_spawn_file_actions_t fa;
    struct pollfd pf[2];
    pid_t pid = -1, w;

    if (pipe(op) < 0 || pipe(ep) < 0) {
        rc = errno;
        for (i = 0; i < 2; i++) {
            if (op[i] >= 0)
                close(op[i]);
            if (ep[i] >= 0)
                close(ep[i]);
        }
        return err_set(e, GEN_EINTERNAL, NULL, 0, "%s: cannot make a pipe: "
                       "%s", label, strerror(rc));
    }
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
            rc = posix_spawn(&pid, "/bin/sh", &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
    }
    close(op[1]);
    close(ep[1]);
    if (rc != 0) {
        close(op[0]);
        close(ep[0]);
        return err_set(e, GEN_ECRED, NULL, 0, "%s: cannot run /bin/sh: %s",
                       label, strerror(rc));
    }
    pf[0].fd = op[0];
    pf[1].fd = ep[0];
    pf[0].events = pf[1].events = POLLIN;
    while (open_fds > 0) {
        if (poll(pf, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (i = 0; i < 2; i++) {
            ssize_t n;

            if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP |
                                                   POLLERR)))
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
            if (i == 0) {
                if (po->outn + (size_t)n > MAX_OUTPUT) {
                    po->too_big = 1;
                } else {
                    memcpy(po->out + po->outn, chunk, (size_t)n);
                    po->outn += (size_t)n;
                }
            } else if (po->errn < sizeof po->err - 1) {
                size_t room = sizeof po->err - 1 - po->errn;
                size_t take = (size_t)n < room ? (size_t)n : room;

                memcpy(po->err + po->errn, chunk, take);
                po->errn += take;
            }
            wipe(chunk, sizeof chunk);
        }
    }
    for (i = 0; i < 2; i++)
        if (pf[i].fd >= 0)
            close(pf[i].fd);
    po->out[po->outn] = '\0';
    po->err[po->errn] = '\0';
    do
        w = waitpid(pid, &po->status, 0);
    while (w < 0 && errno == EINTR);
    if (w < 0)
        return err_set(e, GEN_ECRED, NULL, 0, "%s: cannot wait for the "
                       "command: %s", label, strerror(errno));
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

/* Overwrite every string of a parsed document before it is freed. */
static void json_wipe(json_t *v)
{
    const char *k;
    json_t *x;
    size_t i;

    if (json_is_string(v)) {
        wipe((char *)json_string_value(v), json_string_length(v));
    } else if (json_is_object(v)) {
        json_object_foreach(v, k, x)
            json_wipe(x);
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x)
            json_wipe(x);
    }
}

static int fetch_process(struct cred_provider *p, time_t now,
                         struct cred_creds *out, struct gen_err *e)
{
    const struct plan *pl = &p->plan;
    struct proc_out po;
    json_error_t jerr;
    json_t *root = NULL, *v;
    const char *ak, *sk, *tok = NULL;
    char note[450], when[40];
    time_t exp = 0;
    int r;

    memset(&po, 0, sizeof po);
    po.out = malloc(MAX_OUTPUT + 1);
    if (!po.out)
        return nomem(e);
    r = run_command(pl->label, pl->command, &po, e);
    if (r < 0)
        goto done;
    stderr_note(&po, note, sizeof note);
    if (WIFSIGNALED(po.status)) {
        r = err_set(e, GEN_ECRED, pl->file, pl->line, "%s: killed by "
                    "signal %d%s", pl->label, WTERMSIG(po.status), note);
        goto done;
    }
    if (!WIFEXITED(po.status) || WEXITSTATUS(po.status) != 0) {
        r = err_set(e, GEN_ECRED, pl->file, pl->line, "%s: exited with "
                    "status %d%s", pl->label, WIFEXITED(po.status) ?
                    WEXITSTATUS(po.status) : -1, note);
        goto done;
    }
    if (po.too_big) {
        r = err_set(e, GEN_ECRED, pl->file, pl->line, "%s: output is "
                    "larger than %u bytes%s", pl->label, MAX_OUTPUT, note);
        goto done;
    }
    /* jerr.text can quote the input: report only the position. */
    root = json_loadb(po.out, po.outn, 0, &jerr);
    if (!root) {
        r = err_set(e, GEN_ECRED, pl->file, pl->line, "%s: output is not "
                    "valid JSON (line %d, column %d)%s", pl->label,
                    jerr.line, jerr.column, note);
        goto done;
    }
    r = GEN_ECRED;
    v = json_object_get(root, "Version");
    if (!json_is_object(root)) {
        err_set(e, r, pl->file, pl->line, "%s: output is not a JSON "
                "object%s", pl->label, note);
        goto done;
    }
    if (!json_is_integer(v) || json_integer_value(v) != 1) {
        err_set(e, r, pl->file, pl->line, "%s: output has no \"Version\": 1"
                " (the only version there is)%s", pl->label, note);
        goto done;
    }
    ak = json_string_value(json_object_get(root, "AccessKeyId"));
    sk = json_string_value(json_object_get(root, "SecretAccessKey"));
    if (!ak || !*ak || !sk || !*sk) {
        err_set(e, r, pl->file, pl->line, "%s: output has no %s%s",
                pl->label, !ak || !*ak ? "AccessKeyId" : "SecretAccessKey",
                note);
        goto done;
    }
    v = json_object_get(root, "SessionToken");
    if (v && !json_is_null(v)) {
        tok = json_string_value(v);
        if (!tok) {
            err_set(e, r, pl->file, pl->line, "%s: SessionToken is not a "
                    "string%s", pl->label, note);
            goto done;
        }
        if (!*tok)
            tok = NULL;
    }
    v = json_object_get(root, "Expiration");
    if (v && !json_is_null(v)) {
        if (!json_is_string(v) || isotime_parse(json_string_value(v), &exp, NULL)) {
            err_set(e, r, pl->file, pl->line, "%s: Expiration is not an "
                    "ISO 8601 time%s", pl->label, note);
            goto done;
        }
        if (exp <= now) {
            fmt_time(exp, when, sizeof when);
            err_set(e, r, pl->file, pl->line, "%s: returned credentials "
                    "that expired at %s", pl->label, when);
            goto done;
        }
    }
    r = cred_creds_set(out, ak, sk, tok, exp, e);
done:
    if (root) {
        json_wipe(root);
        json_decref(root);
    }
    wipe(po.out, MAX_OUTPUT + 1);
    free(po.out);
    wipe(po.err, sizeof po.err);
    return r;
}

static int call_webid(struct cred_provider *p, const char *token,
                      const char *role_arn, const char *session,
                      int duration, const char *label,
                      struct cred_creds *out, struct gen_err *e)
{
    struct cred_creds got = {0};
    int r;

    if (!p->sts.assume_role_web_identity)
        return err_set(e, GEN_EINTERNAL, NULL, 0, "%s: no STS client for "
                       "AssumeRoleWithWebIdentity", label);
    r = p->sts.assume_role_web_identity(p->sts.ctx, token, role_arn, session,
                                        duration, &got, e);
    if (r == 0 && (!got.access_key_id || !got.secret_access_key))
        r = err_set(e, GEN_EINTERNAL, NULL, 0, "STS answer without "
                    "credentials");
    if (r != 0) {
        cred_creds_clear(&got);
        if (r > 0)
            r = GEN_EINTERNAL;
        err_prefix(e, "%s: AssumeRoleWithWebIdentity %s", label, role_arn);
        return r;
    }
    *out = got;
    return 0;
}

static int fetch_webid(struct cred_provider *p, struct cred_creds *out,
                       struct gen_err *e)
{
    const struct plan *pl = &p->plan;
    char *tok = NULL;
    size_t n = 0;
    int r;

    r = read_small(pl->token_file, pl->token_file, MAX_TOKEN,
                   "web identity token file", &tok, &n, e);
    if (r == 1)
        r = err_set(e, GEN_EIO, NULL, 0, "cannot read web "
                    "identity token file '%s': %s", pl->token_file,
                    strerror(ENOENT));
    if (r < 0) {
        err_prefix(e, "%s", pl->label);
        return r;
    }
    while (n && isspace((unsigned char)tok[n - 1]))
        tok[--n] = '\0';
    if (!n)
        r = err_set(e, GEN_ECRED, NULL, 0, "%s: web identity "
                    "token file '%s' is empty", pl->label, pl->token_file);
    else
        r = call_webid(p, tok, pl->role_arn, pl->session_name, 0,
                       pl->label, out, e);
    wipe(tok, n);
    free(tok);
    return r;
}

static int fetch_github(struct cred_provider *p, struct cred_creds *out,
                        struct gen_err *e)
{
    const struct plan *pl = &p->plan;
    const char *url = env("ACTIONS_ID_TOKEN_REQUEST_URL");
    const char *bearer = env("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
    struct buf full, body;
    json_t *root = NULL;
    json_error_t jerr;
    const char *tok;
    long status = 0;
    int r;

    if (!url || !bearer)
        return err_set(e, GEN_ECRED, NULL, 0, "%s: %s is no longer set",
                       pl->label, url ? "ACTIONS_ID_TOKEN_REQUEST_TOKEN" :
                       "ACTIONS_ID_TOKEN_REQUEST_URL");
    if (!p->sts.http_get)
        return err_set(e, GEN_EINTERNAL, NULL, 0, "%s: no HTTP client",
                       pl->label);
    buf_init(&full);
    buf_printf(&full, "%s%caudience=%s", url, strchr(url, '?') ? '&' : '?',
               GH_AUDIENCE);
    if (buf_failed(&full) || buf_reserve(&body, MAX_OUTPUT) < 0) {
        buf_free(&full);
        return nomem(e);
    }
    r = p->sts.http_get(p->sts.ctx, buf_cstr(&full), bearer, &status, &body,
                        e);
    buf_free(&full);
    if (r != 0) {
        buf_wipe(&body);
        err_prefix(e, "%s: cannot fetch the token", pl->label);
        return r < 0 ? r : GEN_EINTERNAL;
    }
    /* The body is not quoted: an answer may carry a token. */
    if (status != 200) {
        buf_wipe(&body);
        return err_set(e, GEN_ECRED, NULL, 0, "%s: the token request was "
                       "answered with HTTP %ld (does the job have "
                       "'permissions: id-token: write'?)", pl->label, status);
    }
    root = json_loadb(body.data ? body.data : "", body.len, 0, &jerr);
    tok = json_string_value(json_object_get(root, "value"));
    if (!tok || !*tok)
        r = err_set(e, GEN_ECRED, NULL, 0, "%s: the token answer has no "
                    "\"value\"", pl->label);
    else
        r = call_webid(p, tok, pl->role_arn, pl->session_name, pl->duration,
                       pl->label, out, e);
    if (root) {
        json_wipe(root);
        json_decref(root);
    }
    buf_wipe(&body);
    return r;
}

static int assume(struct cred_provider *p, const struct hop *h,
                  const struct cred_creds *base, struct cred_creds *out,
                  struct gen_err *e)
{
    struct cred_creds got = {0};
    int r;

    if (!p->sts.assume_role)
        return err_set(e, GEN_EINTERNAL, NULL, 0, "assume role %s (%s): no "
                       "STS client", h->role_arn, h->why);
    r = p->sts.assume_role(p->sts.ctx, base, h->role_arn, h->session_name,
                           h->external_id, h->duration, &got, e);
    if (r == 0 && (!got.access_key_id || !got.secret_access_key))
        r = err_set(e, GEN_EINTERNAL, NULL, 0, "STS answer without "
                    "credentials");
    if (r != 0) {
        cred_creds_clear(&got);
        if (r > 0)
            r = GEN_EINTERNAL;
        err_prefix(e, "assume role %s (%s)", h->role_arn, h->why);
        return r;
    }
    *out = got;
    return 0;
}

/* Ask the planned source again and assume the roles after it. */
static int fetch(struct cred_provider *p, time_t now, struct cred_creds *out,
                 struct gen_err *e)
{
    const struct plan *pl = &p->plan;
    struct cred_creds cur = {0}, next;
    char when[40];
    size_t i;
    int r = 0;

    switch (pl->kind) {
    case SRC_ENV:
        r = env_creds(pl->label, &cur, e);
        if (r == 1)
            r = err_set(e, GEN_ECRED, NULL, 0, "%s: AWS_ACCESS_KEY_ID is no "
                        "longer set", pl->label);
        break;
    case SRC_STATIC:
        r = cred_creds_set(&cur, pl->statics.access_key_id,
                           pl->statics.secret_access_key,
                           pl->statics.session_token, 0, e);
        break;
    case SRC_PROCESS:
        r = fetch_process(p, now, &cur, e);
        break;
    case SRC_WEBID:
        r = fetch_webid(p, &cur, e);
        break;
    case SRC_GITHUB:
        r = fetch_github(p, &cur, e);
        break;
    default:
        r = err_set(e, GEN_EINTERNAL, NULL, 0, "no credential source");
        break;
    }
    for (i = 0; r == 0 && i < pl->nhops; i++) {
        memset(&next, 0, sizeof next);
        r = assume(p, &pl->hops[i], &cur, &next, e);
        cred_creds_clear(&cur);
        cur = next;
    }
    if (r == 0 && cur.expiration && cur.expiration <= now) {
        fmt_time(cur.expiration, when, sizeof when);
        r = err_set(e, GEN_ECRED, NULL, 0, "credentials from %s expired at "
                    "%s", pl->what, when);
    }
    if (r != 0) {
        cred_creds_clear(&cur);
        return r;
    }
    *out = cur;
    return 0;
}

/* ---- public ------------------------------------------------------------ */

static const char *missing_reason(const struct cred_provider *p, int which,
                                  char *tmp, size_t n)
{
    const struct ini *f = &p->files[which];

    if (!f->found)
        return "file not found";
    if (which == F_CREDS) {
        snprintf(tmp, n, "no [%s] section", p->profile);
    } else if (ini_section(f, p->profile)) {
        snprintf(tmp, n, "it has [%s], but config file profiles are "
                 "[profile %s]", p->profile, p->profile);
    } else {
        snprintf(tmp, n, "no [profile %s] section", p->profile);
    }
    return tmp;
}

int cred_new(const struct cred_opts *o, const struct cred_sts *sts,
             struct cred_provider **out, struct gen_err *e)
{
    struct cred_provider *p = calloc(1, sizeof *p);
    const char *prof;
    int r;

    if (!p)
        return nomem(e);
    if (o && o->profile && *o->profile) {
        prof = o->profile;
        p->named_by = "--profile";
    } else if (env("AWS_PROFILE")) {
        prof = env("AWS_PROFILE");
        p->named_by = "AWS_PROFILE";
    } else {
        prof = "default";
    }
    p->profile = xstrdup(prof);
    if (o && o->role_arn && *o->role_arn) {
        p->role_arn = xstrdup(o->role_arn);
        p->role_session_name = o->role_session_name &&
                               *o->role_session_name ?
                               xstrdup(o->role_session_name) : NULL;
        p->role_external_id = o->role_external_id && *o->role_external_id ?
                              xstrdup(o->role_external_id) : NULL;
        p->role_duration = o->role_duration_seconds;
        if (!p->role_arn ||
            (o->role_session_name && *o->role_session_name &&
             !p->role_session_name) ||
            (o->role_external_id && *o->role_external_id &&
             !p->role_external_id)) {
            cred_free(p);
            return nomem(e);
        }
    }
    if (sts)
        p->sts = *sts;
    if (!p->profile) {
        cred_free(p);
        return nomem(e);
    }
    r = ini_load(&p->files[F_CREDS], "AWS_SHARED_CREDENTIALS_FILE",
                 "~/.aws/credentials", e);
    if (r == 0)
        r = ini_load(&p->files[F_CONFIG], "AWS_CONFIG_FILE",
                     "~/.aws/config", e);
    if (r == 0 && p->named_by && !prof_exists(p, p->profile)) {
        char a[300], b[300];

        r = err_set(e, GEN_EINPUT, NULL, 0, "profile '%s' (from %s) not "
                    "found in %s (%s) or %s (%s)", p->profile, p->named_by,
                    p->files[F_CREDS].disp,
                    missing_reason(p, F_CREDS, a, sizeof a),
                    p->files[F_CONFIG].disp,
                    missing_reason(p, F_CONFIG, b, sizeof b));
    }
    if (r < 0) {
        cred_free(p);
        return r;
    }
    *out = p;
    return 0;
}

void cred_free(struct cred_provider *p)
{
    if (!p)
        return;
    free(p->profile);
    free(p->role_arn);
    free(p->role_session_name);
    free(p->role_external_id);
    ini_free(&p->files[F_CREDS]);
    ini_free(&p->files[F_CONFIG]);
    plan_clear(&p->plan);
    cred_creds_clear(&p->cache);
    wipe(p, sizeof *p);
    free(p);
}

int cred_get(struct cred_provider *p, time_t now,
             const struct cred_creds **out, struct gen_err *e)
{
    struct cred_creds fresh = {0};
    int r;

    if (p->have && (p->cache.expiration == 0 ||
                    p->cache.expiration - now > CRED_REFRESH_WINDOW)) {
        *out = &p->cache;
        return 0;
    }
    if (!p->planned) {
        r = plan_chain(p, now, &p->plan, e);
        if (r < 0) {
            plan_clear(&p->plan);
            return r;
        }
        p->planned = 1;
    }
    r = fetch(p, now, &fresh, e);
    if (r < 0)
        return r;
    cred_creds_clear(&p->cache);
    p->cache = fresh;
    p->have = 1;
    *out = &p->cache;
    return 0;
}

void cred_describe(const struct cred_provider *p, struct buf *b)
{
    const char *ak;
    size_t i, n;
    char when[40];

    if (!p)
        return;
    if (!p->have) {
        buf_printf(b, "credentials not resolved yet (profile '%s')",
                   p->profile);
        return;
    }
    buf_printf(b, "credentials from %s", p->plan.what);
    for (i = 0; i < p->plan.nhops; i++)
        buf_printf(b, ", then role %s (%s, session '%s')",
                   p->plan.hops[i].role_arn, p->plan.hops[i].why,
                   p->plan.hops[i].session_name);
    ak = p->cache.access_key_id;
    n = strlen(ak);
    buf_adds(b, "; access key ");
    for (i = 0; i + 4 < n; i++)
        buf_addc(b, '*');
    buf_adds(b, n > 4 ? ak + n - 4 : "");
    if (p->cache.expiration) {
        fmt_time(p->cache.expiration, when, sizeof when);
        buf_printf(b, "; expires %s", when);
    } else {
        buf_adds(b, "; does not expire");
    }
}

const char *cred_profile_name(const struct cred_provider *p)
{
    return p->profile;
}

const char *cred_region(const struct cred_provider *p,
                        const char *cli_region)
{
    const char *v;

    if (cli_region && *cli_region)
        return cli_region;
    v = env("AWS_REGION");
    if (!v)
        v = env("AWS_DEFAULT_REGION");
    if (!v && p)
        v = prof_val(p, p->profile, "region");
    return v && *v ? v : NULL;
}

static int is_true(const char *v)
{
    return v && strlen(v) == 4 && tolower((unsigned char)v[0]) == 't' &&
           tolower((unsigned char)v[1]) == 'r' &&
           tolower((unsigned char)v[2]) == 'u' &&
           tolower((unsigned char)v[3]) == 'e';
}

const char *cred_endpoint_url(const struct cred_provider *p,
                              const char *service,
                              const char *cli_endpoint)
{
    char name[96];
    const char *v, *svc;
    size_t i, n;

    if (cli_endpoint && *cli_endpoint)
        return cli_endpoint;
    if (is_true(env("AWS_IGNORE_CONFIGURE_ENDPOINT_URLS")) ||
        (p && is_true(prof_val(p, p->profile,
                               "ignore_configure_endpoint_urls"))))
        return NULL;
    if (service && *service) {
        n = (size_t)snprintf(name, sizeof name, "AWS_ENDPOINT_URL_%s",
                             service);
        if (n < sizeof name) {
            for (i = 17; i < n; i++)
                name[i] = isalnum((unsigned char)name[i]) ?
                          (char)toupper((unsigned char)name[i]) : '_';
            v = env(name);
            if (v)
                return v;
        }
    }
    v = env("AWS_ENDPOINT_URL");
    if (v || !p)
        return v;
    svc = service && *service ? prof_val(p, p->profile, "services") : NULL;
    if (svc && *svc) {
        const struct ini_kv *blk = sec_get(config_section(&p->files[F_CONFIG],
                                                       "services", svc),
                                           service);
        const struct ini_kv *url = blk ? kv_find(blk->sub, blk->nsub,
                                                 "endpoint_url") : NULL;

        if (url && *url->val)
            return url->val;
    }
    v = prof_val(p, p->profile, "endpoint_url");
    return v && *v ? v : NULL;
}
