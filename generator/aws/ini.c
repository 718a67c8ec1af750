/* ini.c: the AWS shared-file reader; ini.h says how it parses. */
#include "aws/ini.h"
#include "aws/secret.h"
#include "core/err.h"

#include <ctype.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_FILE (16u << 20)    /* a shared config or credentials file */

static int nomem(struct gen_err *e)
{
    return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
}

static void kv_free(struct ini_kv *kv)
{
    size_t i;

    for (i = 0; i < kv->nsub; i++)
        kv_free(&kv->sub[i]);
    free(kv->sub);
    secret_free(kv->key);
    secret_free(kv->val);
}

void ini_free(struct ini *f)
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

const struct ini_kv *ini_kv_find(const struct ini_kv *kv, size_t n, const char *key)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(kv[i].key, key) == 0)
            return &kv[i];
    return NULL;
}

const struct ini_kv *ini_get(const struct ini_sec *s, const char *key)
{
    return s ? ini_kv_find(s->kv, s->nkv, key) : NULL;
}

/* Append a pair to an array of pairs; steals key and val. */
static int kv_push(struct ini_kv **arr, size_t *n, char *key, char *val,
                   int line)
{
    struct ini_kv *p;

    if (!key || !val) {
        secret_free(key);
        secret_free(val);
        return -1;
    }
    p = realloc(*arr, (*n + 1) * sizeof **arr);
    if (!p) {
        secret_free(key);
        secret_free(val);
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

/* Where the parser is: section si, key ki (-1: none) indented kind
 * columns; nested: that key opened a nested block. */
struct ini_state {
    long si, ki;
    size_t kind;
    int nested;
};

/* Split "key = value" (t, tn) at its first '=', both sides trimmed; 0, or
 * -1 when there is no '='. */
static int split_pair(const char *t, size_t tn, const char **k, size_t *kn,
                      const char **v, size_t *vn)
{
    const char *eq = memchr(t, '=', tn);

    if (!eq)
        return -1;
    *k = t;
    *kn = (size_t)(eq - t);
    *v = eq + 1;
    *vn = tn - *kn - 1;
    trim(k, kn);
    trim(v, vn);
    return 0;
}

/* A line indented under key kv: a pair of its nested block, or more of
 * its value. Messages never quote values: a line may hold a secret. */
static int continuation(struct ini *f, int lineno, struct ini_kv *kv, int nested,
                        const char *t, size_t tn, struct gen_err *e)
{
    const char *k, *v;
    size_t kn, vn, old;
    char msg[300], *joined;

    if (nested) {
        if (split_pair(t, tn, &k, &kn, &v, &vn) < 0) {
            snprintf(msg, sizeof msg, "expected 'key = value' in the "
                     "block under '%s'", kv->key);
            return ini_err(f, lineno, e, msg);
        }
        if (!kn)
            return ini_err(f, lineno, e, "missing key before '='");
        if (kv_push(&kv->sub, &kv->nsub, strndup(k, kn), strndup(v, vn), lineno) < 0)
            return nomem(e);
        return 0;
    }
    old = strlen(kv->val);
    joined = malloc(old + 1 + tn + 1);
    if (!joined)
        return nomem(e);
    memcpy(joined, kv->val, old);
    joined[old] = '\n';
    memcpy(joined + old + 1, t, tn);
    joined[old + 1 + tn] = '\0';
    secret_free(kv->val);
    kv->val = joined;
    return 0;
}

/* "[name]" (t, tn): a new section, which becomes the current one. */
static int section_header(struct ini *f, int lineno, const char *t, size_t tn,
                          struct ini_state *st, struct gen_err *e)
{
    const char *close = memchr(t, ']', tn), *k, *rest;
    size_t kn, rn, i;
    struct ini_sec *ns;
    char msg[300];

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
        if (strlen(f->sec[i].name) == kn && memcmp(f->sec[i].name, k, kn) == 0) {
            snprintf(msg, sizeof msg, "duplicate section [%.*s] (first at line %d)",
                     (int)kn, k, f->sec[i].line);
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
    st->si = (long)f->nsec++;
    st->ki = -1;
    return 0;
}

/* "key = value" (t, tn) indented ind columns, in the current section. */
static int pair(struct ini *f, int lineno, size_t ind, const char *t, size_t tn,
                struct ini_state *st, struct gen_err *e)
{
    struct ini_sec *s;
    const struct ini_kv *dup;
    const char *k, *v;
    size_t kn, vn, i;
    char msg[300], *key;

    if (st->si < 0)
        return ini_err(f, lineno, e, "setting before any [section]");
    if (split_pair(t, tn, &k, &kn, &v, &vn) < 0)
        return ini_err(f, lineno, e, "expected '[section]' or 'key = value'");
    if (!kn)
        return ini_err(f, lineno, e, "missing key before '='");
    s = &f->sec[st->si];
    key = strndup(k, kn);
    if (!key)
        return nomem(e);
    for (i = 0; i < kn; i++)
        key[i] = (char)tolower((unsigned char)key[i]);
    dup = ini_kv_find(s->kv, s->nkv, key);
    if (dup) {
        snprintf(msg, sizeof msg, "duplicate key '%s' in [%s] (first at line %d)",
                 key, s->name, dup->line);
        free(key);
        return ini_err(f, lineno, e, msg);
    }
    if (kv_push(&s->kv, &s->nkv, key, strndup(v, vn), lineno) < 0)
        return nomem(e);
    st->ki = (long)s->nkv - 1;
    st->kind = ind;
    st->nested = vn == 0;
    return 0;
}

/* One line, already known not to be blank or a comment; t/tn is the line
 * without its indentation ind. */
static int ini_line(struct ini *f, int lineno, size_t ind, const char *t, size_t tn,
                    struct ini_state *st, struct gen_err *e)
{
    if (st->si >= 0 && st->ki >= 0 && ind > st->kind)
        return continuation(f, lineno, &f->sec[st->si].kv[st->ki], st->nested, t, tn, e);
    if (*t == '[')
        return section_header(f, lineno, t, tn, st, e);
    return pair(f, lineno, ind, t, tn, st, e);
}

int ini_parse(struct ini *f, const char *data, size_t len, struct gen_err *e)
{
    struct ini_state st = { -1, -1, 0, 0 };
    size_t pos = 0;
    int lineno = 0, r;

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
        r = ini_line(f, lineno, ind, s + ind, n - ind, &st, e);
        if (r < 0)
            return r;
    }
    return 0;
}

/* ~ and ~/x, as os.path.expanduser. */
static char *expand_home(const char *path)
{
    const char *home = getenv("HOME");
    char *out;
    size_t hn;

    if (path[0] != '~' || (path[1] != '\0' && path[1] != '/'))
        return strdup(path);
    if (!home || !*home) {
        struct passwd *pw = getpwuid(getuid());

        home = pw && pw->pw_dir && *pw->pw_dir ? pw->pw_dir : NULL;
    }
    if (!home)
        return strdup(path);
    hn = strlen(home);
    out = malloc(hn + strlen(path));
    if (!out)
        return NULL;
    memcpy(out, home, hn);
    strcpy(out + hn, path + 1);
    return out;
}

/* One allocation for the whole file (a growing buffer would leave copies
 * of secrets behind), wiped after parsing. */
int ini_load(struct ini *f, const char *path, struct gen_err *e)
{
    char *data = NULL;
    size_t len = 0;
    int r;

    f->disp = strdup(path);
    f->path = expand_home(path);
    if (!f->disp || !f->path)
        return nomem(e);
    r = secret_read_file(f->path, f->disp, MAX_FILE, "file", &data, &len, e);
    if (r < 0)
        return r;
    if (r == 1)
        return 0;
    f->found = 1;
    r = ini_parse(f, data, len, e);
    secret_wipe(data, len);
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

const struct ini_sec *ini_section(const struct ini *f, const char *name)
{
    size_t i;

    for (i = 0; i < f->nsec; i++)
        if (strcmp(f->sec[i].name, name) == 0)
            return &f->sec[i];
    return NULL;
}

const struct ini_sec *ini_prefixed_section(const struct ini *f, const char *prefix,
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
