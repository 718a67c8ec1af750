/* rules_oidc.c: GitHub Actions OIDC trust (LF-OIDC-001..010).
 *
 * A trust statement is GitHub's when its Federated principal is, or refers
 * to an AWS::IAM::OIDCProvider for, token.actions.githubusercontent.com,
 * or when it has a condition on a token.actions.githubusercontent.com: key.
 * The sub claim GitHub mints is "repo:OWNER/REPO:CONTEXT" (CONTEXT:
 * ref:refs/heads/B, ref:refs/tags/T, environment:E, pull_request), unless
 * the repository customises its template, which can put a claim the
 * workflow author controls first.
 *
 * A role is a production role when its RoleName or logical id contains
 * "prod", or its Metadata says {"luaform": {"production": true}}. */
#include "review/rules.h"

#include <string.h>

#define GH "token.actions.githubusercontent.com"
#define GH_SUB GH ":sub"
#define GH_AUD GH ":aud"

/* ${X} or ${X.Arn} naming an OIDC provider resource for GitHub. */
static int provider_is_github(const json_t *tpl, const char *f)
{
    char id[256];
    size_t n;
    const json_t *res;

    if (strstr(f, GH))
        return 1;
    if (strncmp(f, "${", 2) != 0 || (n = strcspn(f + 2, ".}")) == 0 || n >= sizeof id)
        return 0;
    memcpy(id, f + 2, n);
    id[n] = '\0';
    res = rules_resource(tpl, id);
    const char *url = json_string_value(rules_prop(res, "Url"));
    return url && strstr(url, GH) != NULL;
}

static int is_github(const struct rule_ctx *c, const json_t *stmt)
{
    const json_t *fed = json_object_get(json_object_get(stmt, "principal"), "Federated");
    const json_t *v;
    json_t *keys;
    const char *k, *op;
    size_t i;

    json_array_foreach(fed, i, v)
        if (json_is_string(v) && provider_is_github(c->tpl, json_string_value(v)))
            return 1;
    json_object_foreach(json_object_get(stmt, "condition"), op, keys) {
        json_object_foreach(keys, k, v)
            if (strncmp(k, GH ":", strlen(GH) + 1) == 0)
                return 1;
    }
    return 0;
}

static int is_production(const struct rule_ctx *c, const json_t *owner)
{
    const char *id = rules_id(owner);
    const char *name = json_string_value(json_object_get(owner, "name"));
    const json_t *meta = json_object_get(rules_resource(c->tpl, id), "Metadata");

    if (json_is_true(json_object_get(json_object_get(meta, "luaform"), "production")))
        return 1;
    return rules_has_word(id, "prod") || (name && rules_has_word(name, "prod"));
}

static int has_wild(const char *s, size_t n)
{
    for (size_t i = 0; i < n && s[i]; i++)
        if (s[i] == '*' || s[i] == '?')
            return 1;
    return 0;
}

/* Is the CONTEXT after repo:OWNER/REPO: any ref, or a pull request? */
static int wide_context(const char *ctx, int like)
{
    if (strncmp(ctx, "pull_request", 12) == 0)
        return 1;
    if (!like)
        return 0;
    return strcmp(ctx, "*") == 0 || strcmp(ctx, "ref:*") == 0 || strcmp(ctx, "ref:refs/*") == 0 ||
           strncmp(ctx, "*", 1) == 0;
}

/* One sub value: which repositories and refs it admits. */
static void check_sub_value(struct rule_ctx *c, const json_t *owner, const json_t *stmt,
                            const char *v, int like, int prod)
{
    const char *id = rules_id(owner), *path = rules_path(stmt);
    const char *act = "sts:AssumeRoleWithWebIdentity";
    const char *owner_s, *slash, *colon;

    if (like && (strcmp(v, "*") == 0 || strncmp(v, "repo:*", 6) == 0 || v[0] == '*')) {
        rules_emit(c, "LF-OIDC-002", id, path, act, v,
                   "'%s' trusts workflows of any GitHub repository (sub '%s')", id, v);
        return;
    }
    if (strncmp(v, "repo:", 5) != 0) {
        rules_emit(c, "LF-OIDC-004", id, path, act, v,
                   "'%s' trusts sub '%s', which does not start with repo:OWNER/REPO:", id, v);
        return;
    }
    owner_s = v + 5;
    slash = strchr(owner_s, '/');
    colon = slash ? strchr(slash, ':') : NULL;
    if (!slash || (like && has_wild(owner_s, (size_t)(slash - owner_s)))) {
        rules_emit(c, slash ? "LF-OIDC-002" : "LF-OIDC-004", id, path, act, v,
                   "'%s' trusts sub '%s', which does not pin the repository owner", id, v);
        return;
    }
    if (like && has_wild(slash + 1, colon ? (size_t)(colon - slash - 1) : strlen(slash + 1))) {
        rules_emit(c, "LF-OIDC-003", id, path, act, v,
                   "'%s' trusts several repositories of '%.*s' (sub '%s')", id,
                   (int)(slash - owner_s), owner_s, v);
        return;
    }
    if (!colon)
        return;   /* "repo:O/R" exactly: matches no token GitHub mints */
    if (prod && wide_context(colon + 1, like))
        rules_emit(c, "LF-OIDC-009", id, path, act, v,
                   "production role '%s' trusts %s of %.*s (sub '%s')", id,
                   strncmp(colon + 1, "pull_request", 12) == 0 ? "pull requests" : "any ref",
                   (int)(colon - owner_s), owner_s, v);
    else if (like && strcmp(colon + 1, "*") == 0)
        rules_emit(c, "LF-OIDC-010", id, path, act, v,
                   "'%s' trusts any branch, tag or pull request of %.*s (sub '%s')", id,
                   (int)(colon - owner_s), owner_s, v);
}

/* ForAnyValue/ForAllValues on a single-valued claim; StringLike with no
 * wildcard. */
static void check_operator(struct rule_ctx *c, const json_t *owner, const json_t *stmt,
                           const char *key, const char *op, const json_t *vals)
{
    const char *id = rules_id(owner), *path = rules_path(stmt);
    const json_t *v;
    size_t i;
    int wild = 0;

    if (strncmp(op, "ForAnyValue:", 12) == 0 || strncmp(op, "ForAllValues:", 13) == 0)
        rules_emit(c, "LF-OIDC-007", id, path, "sts:AssumeRoleWithWebIdentity", key,
                   "'%s' uses %s on the single-valued claim '%s'", id, op, key);
    if (!strstr(op, "StringLike"))
        return;
    json_array_foreach(vals, i, v)
        if (json_is_string(v) && has_wild(json_string_value(v), (size_t)-1))
            wild = 1;
    if (!wild)
        rules_emit(c, "LF-OIDC-008", id, path, "sts:AssumeRoleWithWebIdentity", key,
                   "'%s' uses StringLike on '%s' with no wildcard", id, key);
}

static void check_aud(struct rule_ctx *c, const json_t *owner, const json_t *stmt)
{
    const char *id = rules_id(owner), *path = rules_path(stmt), *op = NULL;
    const json_t *aud = rules_cond(stmt, GH_AUD, &op), *v;
    size_t i;

    if (!aud) {
        rules_emit(c, "LF-OIDC-005", id, path, "sts:AssumeRoleWithWebIdentity", NULL,
                   "'%s' trusts GitHub OIDC tokens of any audience (no aud condition)", id);
        return;
    }
    check_operator(c, owner, stmt, GH_AUD, op, aud);
    json_array_foreach(aud, i, v) {
        const char *s = json_string_value(v);
        if (!s || strcmp(s, "sts.amazonaws.com") != 0) {
            rules_emit(c, "LF-OIDC-006", id, path, "sts:AssumeRoleWithWebIdentity", s,
                       "'%s' accepts the GitHub OIDC audience '%s'", id, s ? s : "?");
            break;
        }
    }
}

static void check_trust(struct rule_ctx *c, enum rules_where w, const json_t *owner,
                        const json_t *stmt)
{
    const char *op = NULL, *id = rules_id(owner);
    const json_t *sub, *v;
    size_t i;

    if (w != RULES_TRUST || !rules_allow(stmt) || !is_github(c, stmt))
        return;
    check_aud(c, owner, stmt);
    sub = rules_cond(stmt, GH_SUB, &op);
    if (!sub) {
        rules_emit(c, "LF-OIDC-001", id, rules_path(stmt), "sts:AssumeRoleWithWebIdentity",
                   NULL, "'%s' trusts every GitHub Actions workflow (no sub condition)", id);
        return;
    }
    check_operator(c, owner, stmt, GH_SUB, op, sub);
    int prod = is_production(c, owner), like = strstr(op, "Like") != NULL;
    json_array_foreach(sub, i, v)
        if (json_is_string(v))
            check_sub_value(c, owner, stmt, json_string_value(v), like, prod);
}

void rules_oidc(struct rule_ctx *c)
{
    rules_each_stmt(c, check_trust);
}
