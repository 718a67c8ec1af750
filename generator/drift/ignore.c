/* ignore.c: the drift ignore list (shipped defaults and the config's
 * drift.ignore rules), and the differences CloudFormation reports that
 * mean the same value. */
#include "drift/drift.h"

#include "core/err.h"
#include "template/config.h"

#include <stdio.h>
#include <string.h>

/* CloudFormation's known false positives that no equivalence below
 * explains. Each names the report that shows it. */
static const struct {
    const char *type, *path, *kind, *reason;
} DEFAULTS[] = {
    { "AWS::Lambda::Function", "/Code", "REMOVE",
      "Code is write-only; drift detection reports a Code.SourceKMSKeyArn it cannot read "
      "as removed (aws-cloudformation/cloudformation-coverage-roadmap#2324); luaform "
      "checks the code itself by its CodeSha256" },
};

static int line_of(const struct config *c, const char *path)
{
    json_t *m = c ? json_object_get(c->meta, path) : NULL;

    return m ? (int)json_integer_value(json_object_get(m, "line")) : 0;
}

static int bad(const struct config *c, const char *path, struct gen_err *e, const char *what)
{
    return err_set(e, GEN_EINPUT, c->file, line_of(c, path), "%s: %s", path, what);
}

/* A type as CloudFormation spells it: Org::Service::Resource (or Custom::X). */
static int is_type(const char *s)
{
    int parts = 1;

    if (!*s)
        return 0;
    for (; *s; s++) {
        if (s[0] == ':' && s[1] == ':') {
            parts++;
            s++;
            if (!s[1] || s[1] == ':')
                return 0;
        } else if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
                     (*s >= '0' && *s <= '9') || *s == '_' || *s == '-')) {
            return 0;
        }
    }
    return parts >= 2 && parts <= 3;
}

static int is_logical_id(const char *s)
{
    size_t n = strlen(s);

    if (!n || n > 255)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
            return 0;
    return 1;
}

static int one_line(const char *s)
{
    const char *p;

    for (p = s; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return 0;
    return strspn(s, " ") != strlen(s);
}

/* Is every '*' of a path a segment of its own? */
static int whole_stars(const char *p)
{
    const char *star;

    for (star = strchr(p, '*'); star; star = strchr(star + 1, '*'))
        if (star[-1] != '/' || (star[1] && star[1] != '/'))
            return 0;
    return 1;
}

/* One rule of drift.ignore (at path "drift.ignore.N") into rules. */
static int take_rule(const struct config *c, const char *at, const json_t *v, json_t *rules,
                     struct gen_err *e)
{
    static const char *const KEYS[] = { "type", "logical_id", "stack", "path", "kind",
                                        "reason", NULL };
    char sub[512], src[300];
    const char *k;
    json_t *x, *rule;
    int i;

    if (!json_is_object(v))
        return bad(c, at, e, "expected a map (type or logical_id, path, reason)");
    json_object_foreach((json_t *)v, k, x) {
        for (i = 0; KEYS[i] && strcmp(KEYS[i], k); i++)
            ;
        snprintf(sub, sizeof sub, "%s.%s", at, k);
        if (!KEYS[i])
            return bad(c, sub, e, "unknown key (expected type, logical_id, stack, path, "
                       "kind, reason)");
        if (!json_is_string(x))
            return bad(c, sub, e, "expected a string");
    }
#define FIELD(name) json_string_value(json_object_get(v, name))
    snprintf(sub, sizeof sub, "%s.type", at);
    if (FIELD("type") && !is_type(FIELD("type")))
        return bad(c, sub, e, "expected a resource type such as AWS::Lambda::Function");
    snprintf(sub, sizeof sub, "%s.logical_id", at);
    if (FIELD("logical_id") && !is_logical_id(FIELD("logical_id")))
        return bad(c, sub, e, "expected a logical id (letters and digits)");
    if (!FIELD("type") && !FIELD("logical_id"))
        return bad(c, at, e, "say which resources: type, logical_id, or both");
    snprintf(sub, sizeof sub, "%s.stack", at);
    if (FIELD("stack") && !*FIELD("stack"))
        return bad(c, sub, e, "expected a stack name");
    snprintf(sub, sizeof sub, "%s.path", at);
    if (!FIELD("path"))
        return bad(c, at, e, "path is required (a property path such as /Code, or \"*\" "
                   "for the whole resource)");
    if (strcmp(FIELD("path"), "*") && (FIELD("path")[0] != '/' || !one_line(FIELD("path"))))
        return bad(c, sub, e, "expected a property path starting with '/' (as "
                   "CloudFormation reports it), or \"*\"");
    if (strcmp(FIELD("path"), "*") && !whole_stars(FIELD("path")))
        return bad(c, sub, e, "'*' stands for one whole segment (/Tags/*/Value), not "
                   "part of one");
    snprintf(sub, sizeof sub, "%s.kind", at);
    if (FIELD("kind") && strcmp(FIELD("kind"), "ADD") && strcmp(FIELD("kind"), "REMOVE") &&
        strcmp(FIELD("kind"), "NOT_EQUAL"))
        return bad(c, sub, e, "expected ADD, REMOVE or NOT_EQUAL");
    snprintf(sub, sizeof sub, "%s.reason", at);
    if (!FIELD("reason"))
        return bad(c, at, e, "reason is required: say why this difference is not drift");
    if (!one_line(FIELD("reason")))
        return bad(c, sub, e, "expected a reason on one line, not blank");
#undef FIELD
    rule = json_deep_copy(v);
    snprintf(src, sizeof src, "%s:%d", c->file, line_of(c, at));
    if (!rule || json_object_set_new(rule, "source", json_string(src)) < 0 ||
        json_array_append_new(rules, rule) < 0)
        return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    return 0;
}

int drift_ignore_load(const struct config *c, json_t **rules, struct gen_err *e)
{
    const json_t *d = c && c->luaform ? json_object_get(c->luaform, "drift") : NULL;
    const json_t *list = NULL, *def = NULL, *v;
    const char *k;
    json_t *out = json_array();
    char at[64];
    size_t i;
    int rc = 0;

    *rules = NULL;
    if (!out)
        return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    if (d && !json_is_object(d))
        rc = bad(c, "drift", e, "expected a map (ignore, defaults)");
    if (rc == 0 && d) {
        json_object_foreach((json_t *)d, k, v) {
            snprintf(at, sizeof at, "drift.%.40s", k);
            if (strcmp(k, "ignore") && strcmp(k, "defaults")) {
                rc = bad(c, at, e, "unknown key (expected ignore or defaults)");
                break;
            }
        }
        list = json_object_get(d, "ignore");
        def = json_object_get(d, "defaults");
    }
    if (rc == 0 && def && !json_is_boolean(def))
        rc = bad(c, "drift.defaults", e, "expected true or false");
    if (rc == 0 && list && !json_is_array(list))
        rc = bad(c, "drift.ignore", e, "expected a list of rules");
    for (i = 0; rc == 0 && (!def || json_is_true(def)) &&
                i < sizeof DEFAULTS / sizeof DEFAULTS[0]; i++) {
        json_t *r = json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", DEFAULTS[i].type,
                              "path", DEFAULTS[i].path, "kind", DEFAULTS[i].kind,
                              "reason", DEFAULTS[i].reason, "source", "default");

        if (!r || json_array_append_new(out, r) < 0)
            rc = err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    }
    for (i = 0; rc == 0 && list && i < json_array_size(list); i++) {
        snprintf(at, sizeof at, "drift.ignore.%zu", i + 1);
        rc = take_rule(c, at, json_array_get(list, i), out, e);
    }
    if (rc < 0) {
        json_decref(out);
        return rc;
    }
    *rules = out;
    return 0;
}

/* Does the rule's path cover path: the same segments, or a prefix of
 * them ending at a '/', '*' standing for one segment? */
static int path_covers(const char *rule, const char *path)
{
    while (*rule) {
        if (*rule == '*' && (rule[1] == '/' || !rule[1])) {
            if (*path == '/' || !*path)
                return 0;       /* an empty segment is not one */
            path += strcspn(path, "/");
            rule++;
            continue;
        }
        if (*rule != *path)
            return 0;
        rule++;
        path++;
    }
    return !*path || *path == '/';
}

static int field_is(const json_t *rule, const char *name, const char *value)
{
    const char *want = json_string_value(json_object_get(rule, name));

    return !want || (value && !strcmp(want, value));
}

const json_t *drift_ignore_match(const json_t *rules, const char *stack, const char *logical_id,
                                 const char *type, const char *path, const char *kind)
{
    size_t i;

    for (i = 0; i < json_array_size(rules); i++) {
        const json_t *r = json_array_get(rules, i);
        const char *rp = json_string_value(json_object_get(r, "path"));

        if (!field_is(r, "type", type) || !field_is(r, "logical_id", logical_id) ||
            !field_is(r, "stack", stack) || !rp)
            continue;
        if (!strcmp(rp, "*") ? 0 : (!path || !path_covers(rp, path)))
            continue;
        if (path && !field_is(r, "kind", kind))
            continue;
        if (!path && json_object_get(r, "kind"))
            continue;           /* a kind is about a property, not a whole resource */
        return r;
    }
    return NULL;
}

/* ------------------------------------------------------------ equivalences */

static int arn_tail(const char *arn, const char *service, const char *kind, const char *name);

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);

    return n >= m && !strcmp(s + n - m, tail);
}

/* arn:PARTITION:SERVICE:REGION:ACCOUNT:KIND/.../name, in the stack's
 * partition and account, and (when region) its region. */
static int arn_names(const char *arn, const char *service, const char *kind, const char *name,
                     const char *stack_id, int region)
{
    char mine[64], theirs[64];
    int f;

    if (!stack_id)
        return 0;
    for (f = 0; f <= 3; f++) {
        if (f == 1 || (f == 2 && !region))
            continue;
        if (drift_arn_field(stack_id, f, mine, sizeof mine) < 0 ||
            drift_arn_field(arn, f, theirs, sizeof theirs) < 0 || strcmp(mine, theirs))
            return 0;
    }
    return arn_tail(arn, service, kind, name);
}

/* arn:PARTITION:SERVICE:...:RESOURCE with RESOURCE ending in "/" + name */
static int arn_tail(const char *arn, const char *service, const char *kind, const char *name)
{
    char tail[512];
    const char *p;
    int colons = 0;

    if (strncmp(arn, "arn:", 4) || !*name || strchr(name, ':') ||
        (size_t)snprintf(tail, sizeof tail, "/%s", name) >= sizeof tail)
        return 0;
    for (p = arn; *p; p++)
        colons += *p == ':';
    p = strchr(arn + 4, ':');
    if (colons < 5 || !p || strncmp(p + 1, service, strlen(service)) ||
        p[1 + strlen(service)] != ':')
        return 0;
    p = strrchr(arn, ':') + 1;
    return !strncmp(p, kind, strlen(kind)) && p[strlen(kind)] == '/' && ends_with(p, tail);
}

const char *drift_equivalent(const char *expected, const char *actual, const char *stack_id)
{
    json_t *a, *b;
    int same;

    if (!expected || !actual)
        return NULL;
    if (arn_names(actual, "kms", "key", expected, stack_id, 1) ||
        arn_names(expected, "kms", "key", actual, stack_id, 1))
        return "the same KMS key, as its id and as its ARN in the stack's region and account "
               "(CloudFormation reports these as different: cloudformation-coverage-roadmap"
               "#1203, #1219, #2564)";
    if (arn_names(actual, "iam", "instance-profile", expected, stack_id, 0) ||
        arn_names(expected, "iam", "instance-profile", actual, stack_id, 0))
        return "the same instance profile, as its name and as its ARN in the stack's account "
               "(cloudformation-coverage-roadmap#1383)";
    a = json_loads(expected, JSON_DECODE_ANY, NULL);
    b = json_loads(actual, JSON_DECODE_ANY, NULL);
    /* a document given as a string on one side, as JSON on the other */
    if (a && json_is_string(a) && (json_is_object(b) || json_is_array(b))) {
        json_t *x = json_loads(json_string_value(a), 0, NULL);
        json_decref(a);
        a = x;
    }
    if (b && json_is_string(b) && (json_is_object(a) || json_is_array(a))) {
        json_t *x = json_loads(json_string_value(b), 0, NULL);
        json_decref(b);
        b = x;
    }
    same = a && b && (json_is_object(a) || json_is_array(a)) && json_equal(a, b);
    json_decref(a);
    json_decref(b);
    return same ? "the same document, serialised differently (policy documents: "
                  "cloudformation-coverage-roadmap#1322, #2188)" : NULL;
}
