/* settings.c: the config's `workflows:` map, checked key by key (each bad
 * value is an error at its line), -p workflows.KEY=VALUE, and the region
 * drift falls back to for stacks that name none. */
#include "workflow/settings.h"
#include "core/err.h"
#include "lua/luahost.h"
#include "template/config.h"
#include "template/scope.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_OUT_DIR "out"
#define DEFAULT_DIR ".github/workflows"
#define DEFAULT_NIGHTLY "17 4 * * *"
#define DEFAULT_BRANCH "main"
#define DEFAULT_RUNS_ON "ubuntu-24.04"
#define DEFAULT_FAIL_ON "high"

/* Where a value came from, for its errors: a line of the config, or -p. */
struct origin {
    const char *file;
    int line;
};

/* ------------------------------------------------------------ checks */

static int only(const char *v, const char *accept)
{
    return strspn(v, accept) == strlen(v);
}

/* Are the n characters at v all in accept? */
static int only_n(const char *v, size_t n, const char *accept)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!v[i] || !strchr(accept, v[i]))
            return 0;
    return 1;
}

#define ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

/* A relative path in the repository, safe to write into a command line
 * unquoted: letters, digits, '.', '_', '-', '/'; no '..' part. */
static const char *bad_path(const char *v)
{
    const char *p;

    if (!*v || !only(v, ALNUM "._-/"))
        return "a relative path in the repository of letters, digits and . _ - /";
    if (*v == '/' || *v == '-')
        return "a relative path in the repository, not starting with '/' or '-'";
    for (p = v; p; p = strchr(p, '/')) {
        p += *p == '/';
        if (!strncmp(p, "..", 2) && (p[2] == '/' || !p[2]))
            return "a path inside the repository, without '..'";
    }
    return NULL;
}

/* A GitHub secret name: letters, digits, '_', not starting with a digit
 * or GITHUB_ (GitHub refuses both). "" (no drift job) is fine. */
static const char *bad_secret(const char *v)
{
    if (!*v)
        return NULL;
    if (!only(v, ALNUM "_") || (*v >= '0' && *v <= '9'))
        return "a secret name: letters, digits and '_', not starting with a digit";
    if (!strncasecmp(v, "GITHUB_", 7))
        return "a secret name not starting with GITHUB_, which GitHub keeps for itself";
    return NULL;
}

static const char *bad_environment(const char *v)
{
    return !*v || only(v, ALNUM "._-") ? NULL :
           "an environment name of letters, digits, '.', '_', '-'; or empty for none";
}

static const char *bad_label(const char *v)
{
    return *v && only(v, ALNUM "._-") ? NULL : "a runner label such as ubuntu-24.04";
}

/* GitHub's filter patterns also take ? + ! [ ], which actionlint checks
 * more strictly than luaform could: names and '*' patterns only. */
static const char *bad_branch(const char *v)
{
    return *v && only(v, ALNUM "._/-*") ? NULL :
           "a branch name or pattern of letters, digits and . _ / - *";
}

static const char *bad_bool(const char *v)
{
    return !strcmp(v, "true") || !strcmp(v, "false") ? NULL : "true or false";
}

static const char *bad_fail_on(const char *v)
{
    static const char *const levels[] = { "low", "medium", "high", "critical", NULL };
    int i;

    for (i = 0; levels[i]; i++)
        if (!strcmp(v, levels[i]))
            return NULL;
    return "one of low, medium, high, critical";
}

/* A number, or one of names (three letters, any case; the first is lo),
 * at *p, which moves past it; it must be within [lo, hi]. */
static int cron_value(const char **p, int lo, int hi, const char *const *names, int *out)
{
    int v = 0, i;

    if (**p >= '0' && **p <= '9') {
        while (**p >= '0' && **p <= '9' && v <= hi)
            v = v * 10 + *(*p)++ - '0';
    } else {
        for (i = 0; names && names[i]; i++)
            if (!strncasecmp(*p, names[i], 3))
                break;
        if (!names || !names[i])
            return -1;
        v = lo + i;
        *p += 3;
    }
    *out = v;
    return v >= lo && v <= hi ? 0 : -1;
}

/* One cron field of n characters: items split by ',', each '*' or N or
 * N-M, optionally followed by /STEP; values within [lo, hi]. */
static int cron_field(const char *f, size_t n, int lo, int hi, const char *const *names)
{
    char field[64], *item, *next;

    if (n >= sizeof field)
        return -1;
    memcpy(field, f, n);
    field[n] = '\0';
    for (item = field; item; item = next) {
        const char *q = item;
        int a, b, step;

        if ((next = strchr(item, ',')))
            *next++ = '\0';
        if (*q == '*') {
            q++;
        } else {
            if (cron_value(&q, lo, hi, names, &a) < 0)
                return -1;
            if (*q == '-' && (q++, cron_value(&q, lo, hi, names, &b) < 0 || b < a))
                return -1;
        }
        if (*q == '/' && (q++, cron_value(&q, 1, hi, NULL, &step) < 0))
            return -1;
        if (*q)
            return -1;
    }
    return 0;
}

/* One number within [lo, hi], n characters at f. */
static int cron_single(const char *f, size_t n, int lo, int hi)
{
    const char *q = f;
    int v;

    return n > 0 && n <= 2 && only_n(f, n, "0123456789") &&
           cron_value(&q, lo, hi, NULL, &v) == 0 && q == f + n ? 0 : -1;
}

/* The nightly schedule as GitHub takes it: five fields (minute, hour, day
 * of month, month, day of week), the minute and the hour one number each,
 * so it runs at most once a day (actionlint refuses schedules more often
 * than every 5 minutes, and a nightly check needs no more); "" is no
 * schedule. */
static const char *bad_cron(const char *v)
{
    static const char *const months[] = { "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL",
                                          "AUG", "SEP", "OCT", "NOV", "DEC", NULL };
    static const char *const days[] = { "SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", NULL };
    static const struct { int lo, hi, single; const char *const *names; } fields[5] = {
        { 0, 59, 1, NULL }, { 0, 23, 1, NULL }, { 1, 31, 0, NULL }, { 1, 12, 0, months },
        { 0, 6, 0, days }
    };
    const char *p = v;
    int i;

    if (!*v)
        return NULL;
    for (i = 0; i < 5; i++) {
        size_t n;

        p += strspn(p, " ");
        n = strcspn(p, " ");
        if (fields[i].single ? cron_single(p, n, fields[i].lo, fields[i].hi) < 0 :
            n == 0 || cron_field(p, n, fields[i].lo, fields[i].hi, fields[i].names) < 0)
            break;
        p += n;
    }
    if (i < 5 || p[strspn(p, " ")])
        return "a nightly schedule: five cron fields, minute hour day-of-month month "
               "day-of-week, the minute and the hour one number each, such as '17 4 * * *'; "
               "or empty for none";
    return NULL;
}

/* ------------------------------------------------------------ keys */

enum key_kind {
    KEY_STRING,                 /* a char array of the settings */
    KEY_BOOL,                   /* an int of the settings: true or false */
    KEY_LIST                    /* branches: a list (-p: comma-separated) */
};

struct key {
    const char *name;
    enum key_kind kind;
    size_t offset, size;        /* the field of the settings (KEY_LIST: none) */
    const char *(*bad)(const char *v);
};

#define FIELD(f) offsetof(struct workflow_settings, f), sizeof(((struct workflow_settings *)0)->f)

/* Sorted: the list in errors is in this order. */
static const struct key keys[] = {
    { "branches", KEY_LIST, 0, 0, bad_branch },
    { "code_scanning", KEY_BOOL, FIELD(code_scanning), bad_bool },
    { "config", KEY_STRING, FIELD(config), bad_path },
    { "deploy_environment", KEY_STRING, FIELD(deploy_environment), bad_environment },
    { "dir", KEY_STRING, FIELD(dir), bad_path },
    { "drift_role_secret", KEY_STRING, FIELD(drift_role_secret), bad_secret },
    { "environment", KEY_STRING, FIELD(environment), bad_environment },
    { "fail_on", KEY_STRING, FIELD(fail_on), bad_fail_on },
    { "nightly", KEY_STRING, FIELD(nightly), bad_cron },
    { "out_dir", KEY_STRING, FIELD(out_dir), bad_path },
    { "runs_on", KEY_STRING, FIELD(runs_on), bad_label },
};

#define NKEYS (sizeof keys / sizeof keys[0])
_Static_assert(NKEYS <= 32, "from_param marks the keys -p sets in an unsigned");

static const struct key *find_key(const char *name)
{
    size_t i;

    for (i = 0; i < NKEYS; i++)
        if (!strcmp(keys[i].name, name))
            return &keys[i];
    return NULL;
}

static int unknown_key(const char *name, struct origin at, struct gen_err *e)
{
    char known[256] = "";
    size_t i;

    for (i = 0; i < NKEYS; i++)
        snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", i ? ", " : "",
                 keys[i].name);
    return err_set(e, GEN_EINPUT, at.file, at.line, "unknown config key 'workflows.%s' "
                   "(known: %s)", name, known);
}

static const char *describe(const json_t *v)
{
    return json_is_object(v) ? "a map" : json_is_array(v) ? "a list" :
           json_is_integer(v) || json_is_real(v) ? "a number" :
           json_is_boolean(v) ? "a boolean" : "a string";
}

/* Set a string or boolean key from text v (checked). */
static int set_value(struct workflow_settings *s, const struct key *k, const char *v,
                     struct origin at, struct gen_err *e)
{
    const char *why = k->bad(v);

    if (why)
        return err_set(e, GEN_EINPUT, at.file, at.line, "workflows.%s: '%s' is not valid "
                       "(expected %s)", k->name, v, why);
    if (k->kind == KEY_BOOL) {
        *(int *)(void *)((char *)s + k->offset) = !strcmp(v, "true");
        return 0;
    }
    if (strlen(v) >= k->size)
        return err_set(e, GEN_EINPUT, at.file, at.line, "workflows.%s: longer than %zu "
                       "characters", k->name, k->size - 1);
    memcpy((char *)s + k->offset, v, strlen(v) + 1);
    return 0;
}

/* Append branch v (checked). */
static int add_branch(json_t *list, const char *v, const char *shown, struct origin at,
                      struct gen_err *e)
{
    const char *why = bad_branch(v);

    if (why)
        return err_set(e, GEN_EINPUT, at.file, at.line, "%s: '%s' is not valid (expected %s)",
                       shown, v, why);
    if (json_array_append_new(list, json_string(v)) < 0)
        return err_set(e, GEN_ENOMEM, at.file, at.line, "out of memory");
    return 0;
}

/* ------------------------------------------------------ from the config */

/* The line of config path "workflows.a.b" (0: unknown). */
static struct origin line_of(const struct config *c, const char *path)
{
    struct origin at = { c->file, 0 };

    at.line = (int)json_integer_value(json_object_get(json_object_get(c->meta, path), "line"));
    return at;
}

/* A scalar as the text written: a plain 2024 or true is the string a
 * string key takes (as the system's own config keys read them). */
static const char *text_of(const struct config *c, const char *path, const json_t *v)
{
    const json_t *m = json_object_get(c->meta, path);

    if (json_is_string(v))
        return json_string_value(v);
    if (!json_is_object(v) && !json_is_array(v) && json_is_true(json_object_get(m, "plain")))
        return json_string_value(json_object_get(m, "raw"));
    return NULL;
}

static int config_branches(struct workflow_settings *s, const struct config *c, const json_t *v,
                           struct gen_err *e)
{
    char path[64], shown[64];
    const json_t *item;
    size_t i;
    int rc;

    if (!json_is_array(v))
        return err_set(e, GEN_EINPUT, c->file, line_of(c, "workflows.branches").line,
                       "workflows.branches: expected a list of branch names, got %s",
                       describe(v));
    json_array_clear(s->branches);
    json_array_foreach(v, i, item) {
        const char *t;

        snprintf(path, sizeof path, "workflows.branches.%zu", i + 1);
        snprintf(shown, sizeof shown, "workflows.branches[%zu]", i + 1);
        if (!(t = text_of(c, path, item)))
            return err_set(e, GEN_EINPUT, c->file, line_of(c, path).line, "%s: expected a "
                           "branch name, got %s", shown, describe(item));
        if ((rc = add_branch(s->branches, t, shown, line_of(c, path), e)) < 0)
            return rc;
    }
    return 0;
}

static int from_config(struct workflow_settings *s, const struct config *c, struct gen_err *e)
{
    const json_t *w = json_object_get(c->luaform, "workflows"), *v;
    const char *name;
    int rc;

    if (!w)
        return 0;
    if (!json_is_object(w))
        return err_set(e, GEN_EINPUT, c->file, line_of(c, "workflows").line, "workflows: "
                       "expected a map of settings, got %s", describe(w));
    json_object_foreach((json_t *)w, name, v) {
        const struct key *k = find_key(name);
        char path[600];
        const char *t;

        snprintf(path, sizeof path, "workflows.%s", name);
        if (!k)
            return unknown_key(name, line_of(c, path), e);
        if (k->kind == KEY_LIST) {
            rc = config_branches(s, c, v, e);
        } else if (!(t = text_of(c, path, v))) {
            rc = err_set(e, GEN_EINPUT, c->file, line_of(c, path).line, "%s: expected %s, "
                         "got %s", path, k->kind == KEY_BOOL ? "true or false" : "a string",
                         describe(v));
        } else {
            rc = set_value(s, k, t, line_of(c, path), e);
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* ------------------------------------------------------------ from -p */

/* Keep -p kv for the workflow's own check (workflows --check in CI must
 * generate what this run does): ' -p "kv"', in the order given. Every
 * value was checked: none holds a character the shell expands inside
 * double quotes. */
static int keep_param(struct workflow_settings *s, const char *kv, struct gen_err *e)
{
    size_t n = strlen(s->params);

    if (strpbrk(kv, "\"$`\\"))
        return err_set(e, GEN_EINPUT, "-p", 0, "'%s': the workflow could not pass this to "
                       "luaform", kv);
    if (snprintf(s->params + n, sizeof s->params - n, " -p \"%s\"", kv) >=
        (int)(sizeof s->params - n)) {
        s->params[n] = '\0';
        return err_set(e, GEN_EINPUT, "-p", 0, "the -p settings are longer than %zu "
                       "characters in all: set them in the config", sizeof s->params - 1);
    }
    return 0;
}

/* -p workflows.KEY=VALUE; branches takes a comma-separated list. *set
 * gets the bit of the key's index in keys. */
static int from_param(struct workflow_settings *s, const char *kv, unsigned *set,
                      struct gen_err *e)
{
    static const struct origin at = { "-p", 0 };
    const char *eq = strchr(kv, '='), *p;
    const struct key *k;
    char name[64];
    int rc = 0;

    if (!eq || eq == kv)
        return err_set(e, GEN_EINPUT, at.file, at.line, "-p expects KEY=VALUE, got '%s'", kv);
    if (strncmp(kv, "workflows.", 10))
        return err_set(e, GEN_EINPUT, at.file, at.line, "'%.*s': only workflows.KEY can be "
                       "set with -p here; the workflow's commands read the config file, so "
                       "set other keys there", (int)(eq - kv), kv);
    snprintf(name, sizeof name, "%.*s", (int)(eq - kv - 10), kv + 10);
    if (!(k = find_key(name)))
        return unknown_key(name, at, e);
    *set |= 1u << (k - keys);
    if (k->kind != KEY_LIST) {
        rc = set_value(s, k, eq + 1, at, e);
    } else {
        json_array_clear(s->branches);
        for (p = eq + 1; rc == 0 && *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
            char branch[256];

            snprintf(branch, sizeof branch, "%.*s", (int)strcspn(p, ","), p);
            rc = add_branch(s->branches, branch, "workflows.branches", at, e);
        }
    }
    return rc < 0 ? rc : keep_param(s, kv, e);
}

/* ------------------------------------------------------------ the system */

static int is_region(const char *r)
{
    return r && *r && strlen(r) < sizeof ((struct workflow_settings *)0)->fallback_region &&
           only(r, ALNUM "-");
}

/* Render every stack (a config that does not render is an error here, not
 * in CI). drift uses each stack's own region (its deploy{ region }); when
 * a stack names none, the config's top-level `region`, when it has one, is
 * the fallback (AWS_REGION, which never overrides a stack's own). */
static int system_region(struct workflow_settings *s, const struct render_set *set,
                         const struct render_opts *o, const struct config *c,
                         struct gen_err *e)
{
    const char *conf = json_string_value(json_object_get(c->values, "region"));
    size_t i;
    int rc = 0, unnamed = 0;

    for (i = 0; rc == 0 && i < set->n; i++) {
        struct buf out;
        json_t *deploy = NULL;

        buf_init(&out);
        rc = render_render(&set->v[i], o, &out, NULL, &deploy, e);
        if (rc == 0 && !is_region(json_string_value(json_object_get(deploy, "region"))))
            unnamed = 1;
        json_decref(deploy);
        buf_free(&out);
    }
    snprintf(s->fallback_region, sizeof s->fallback_region, "%s",
             unnamed && is_region(conf) ? conf : "");
    return rc;
}

/* The manifest's deploy_workflow, and the branch it deploys from: the
 * config's value of its branch key (checked, as a branch filter, at its
 * line), else that key's default. */
static int system_deploy(struct workflow_settings *s, const struct render_set *set,
                         const struct config *c, struct gen_err *e)
{
    const json_t *v = c->values;
    const char *key, *p, *branch, *why;
    json_t *m = NULL;
    int rc;

    if (!set->n || !set->v[0].manifest.name)
        return 0;
    if ((rc = luahost_manifest(&set->v[0].manifest, &m, e)) < 0)
        return rc;
    s->deploy = json_incref(json_object_get(m, "deploy_workflow"));
    json_decref(m);
    if (!s->deploy || !(key = json_string_value(json_object_get(s->deploy, "branch"))))
        return 0;
    for (p = key; v && *p; p += strcspn(p, ".") + (p[strcspn(p, ".")] == '.')) {
        char part[128];

        snprintf(part, sizeof part, "%.*s", (int)strcspn(p, "."), p);
        v = json_object_get(v, part);
    }
    branch = v ? text_of(c, key, v) : json_string_value(json_object_get(s->deploy,
                                                                        "branch_default"));
    if (!branch)
        return err_set(e, GEN_EINPUT, c->file, line_of(c, key).line, "%s: expected a branch "
                       "name, got %s", key, v ? describe(v) : "none");
    if ((why = bad_branch(branch)) || strchr(branch, '*'))
        return err_set(e, GEN_EINPUT, c->file, line_of(c, key).line, "%s: '%s' cannot be the "
                       "branch of the deploy workflow (expected %s)", key, branch,
                       why ? why : "a branch name, without '*'");
    if (strlen(branch) >= sizeof s->deploy_branch)
        return err_set(e, GEN_EINPUT, c->file, line_of(c, key).line, "%s: longer than %zu "
                       "characters", key, sizeof s->deploy_branch - 1);
    snprintf(s->deploy_branch, sizeof s->deploy_branch, "%s", branch);
    return 0;
}

void workflow_settings_free(struct workflow_settings *s)
{
    json_decref(s->branches);
    s->branches = NULL;
    json_decref(s->deploy);
    s->deploy = NULL;
}

static int defaults(struct workflow_settings *s, const struct render_set *set, struct gen_err *e)
{
    memset(s, 0, sizeof *s);
    snprintf(s->system, sizeof s->system, "%s", set->n ? set->v[0].system : "");
    snprintf(s->out_dir, sizeof s->out_dir, "%s", DEFAULT_OUT_DIR);
    snprintf(s->dir, sizeof s->dir, "%s", DEFAULT_DIR);
    s->code_scanning = 1;
    snprintf(s->nightly, sizeof s->nightly, "%s", DEFAULT_NIGHTLY);
    snprintf(s->runs_on, sizeof s->runs_on, "%s", DEFAULT_RUNS_ON);
    snprintf(s->fail_on, sizeof s->fail_on, "%s", DEFAULT_FAIL_ON);
    s->branches = json_pack("[s]", DEFAULT_BRANCH);
    if (!s->branches)
        return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    return 0;
}

/* Unless workflows.config says where the config is in the repository,
 * the workflow passes -c as given, so it must be such a path. */
static int config_arg(struct workflow_settings *s, const struct render_opts *o,
                      struct gen_err *e)
{
    const char *why;

    if (*s->config || !o->config_path)
        return 0;
    if ((why = bad_path(o->config_path)))
        return err_set(e, GEN_EINPUT, NULL, 0, "the workflow passes -c '%s' to luaform in "
                       "the repository, so it must be %s: give -c the config's path from "
                       "the repository's root, or set workflows.config", o->config_path, why);
    if (strlen(o->config_path) >= sizeof s->config)
        return err_set(e, GEN_EINPUT, NULL, 0, "-c: longer than %zu characters",
                       sizeof s->config - 1);
    snprintf(s->config, sizeof s->config, "%s", o->config_path);
    return 0;
}

/* Has -p set key name (set: the bits from_param gave)? */
static int by_param(unsigned set, const char *name)
{
    return (set >> (find_key(name) - keys)) & 1u;
}

/* Settings that only make sense together; the error is at the config's
 * line, or at -p when -p set either. */
static int consistent(const struct workflow_settings *s, const struct config *c, unsigned set,
                      struct gen_err *e)
{
    struct origin at = line_of(c, "workflows.environment");

    if (by_param(set, "environment") || by_param(set, "drift_role_secret"))
        at = (struct origin){ "-p", 0 };
    if (*s->environment && !*s->drift_role_secret)
        return err_set(e, GEN_EINPUT, at.file, at.line, "workflows.environment: only the drift "
                       "job takes an environment, and there is none without "
                       "workflows.drift_role_secret");
    at = by_param(set, "deploy_environment") ? (struct origin){ "-p", 0 } :
         line_of(c, "workflows.deploy_environment");
    if (*s->deploy_environment && !s->deploy)
        return err_set(e, GEN_EINPUT, at.file, at.line, "workflows.deploy_environment: system "
                       "'%s' has no deploy workflow (its system.lua has no deploy_workflow)",
                       s->system);
    return 0;
}

int workflow_settings_load(struct workflow_settings *s, const struct render_set *set,
                           const struct render_opts *o, char *const *params, int nparams,
                           struct gen_err *e)
{
    struct config c;
    unsigned by_p = 0;
    int rc, i;

    config_init(&c);
    rc = defaults(s, set, e);
    if (rc == 0 && set->n)
        rc = scope_config(&set->v[0], o, &c, e);
    if (rc == 0 && c.luaform)
        rc = from_config(s, &c, e);
    for (i = 0; rc == 0 && i < nparams; i++)
        rc = from_param(s, params[i], &by_p, e);
    if (rc == 0)
        rc = system_deploy(s, set, &c, e);
    if (rc == 0)
        rc = config_arg(s, o, e);
    if (rc == 0)
        rc = consistent(s, &c, by_p, e);
    if (rc == 0)
        rc = system_region(s, set, o, &c, e);
    config_free(&c);
    return rc;
}
