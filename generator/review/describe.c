/* describe.c: policy statements as sentences (describe.h). */
#include "review/describe.h"
#include "review/rules.h"

#include <string.h>

#define GH_SUB "token.actions.githubusercontent.com:sub"
#define GH_AUD "token.actions.githubusercontent.com:aud"

/* items of a list of strings, separated by ", " */
static void add_list(struct buf *b, const json_t *a)
{
    const json_t *x;
    size_t i;

    json_array_foreach(a, i, x) {
        if (i)
            buf_adds(b, ", ");
        buf_adds(b, json_is_string(x) ? json_string_value(x) : "?");
    }
}

void describe_github_sub(struct buf *b, const char *sub)
{
    const char *rest, *colon;

    if (strncmp(sub, "repo:", 5) || !(colon = strchr(sub + 5, ':'))) {
        buf_printf(b, "sub %s", sub);
        return;
    }
    buf_adds(b, "GitHub repository ");
    buf_add(b, sub + 5, (size_t)(colon - sub - 5));
    rest = colon + 1;
    if (!strcmp(rest, "*"))
        buf_adds(b, ", any ref");
    else if (!strncmp(rest, "ref:", 4))
        buf_printf(b, ", ref %s", rest + 4);
    else if (!strcmp(rest, "pull_request"))
        buf_adds(b, ", pull requests");
    else if (!strncmp(rest, "environment:", 12))
        buf_printf(b, ", environment %s", rest + 12);
    else
        buf_printf(b, ", %s", rest);
}

/* the values of key under any operator of cond, and the operator */
static const json_t *cond_values(const json_t *cond, const char *key, const char **op)
{
    const char *o;
    const json_t *keys, *v;

    json_object_foreach((json_t *)cond, o, keys) {
        v = json_object_get(keys, key);
        if (v) {
            *op = o;
            return v;
        }
    }
    return NULL;
}

/* conditions, but for the keys skip names (NULL-terminated or NULL) */
static void add_conditions(struct buf *b, const json_t *cond, const char *const *skip)
{
    const char *op, *k;
    const json_t *keys, *v;
    size_t i;
    int first = 1;

    if (!json_is_object(cond))
        return;
    json_object_foreach((json_t *)cond, op, keys) {
        json_object_foreach((json_t *)keys, k, v) {
            int skipped = 0;

            for (i = 0; skip && skip[i]; i++)
                skipped |= !strcmp(k, skip[i]);
            if (skipped)
                continue;
            buf_adds(b, first ? " when " : " and ");
            buf_printf(b, "%s %s ", op, k);
            if (json_array_size(v) == 1)
                add_list(b, v);
            else {
                buf_addc(b, '[');
                add_list(b, v);
                buf_addc(b, ']');
            }
            first = 0;
        }
    }
}

static void add_principal(struct buf *b, const json_t *p)
{
    static const char *const kinds[][2] = {
        { "AWS", "AWS " }, { "Service", "service " }, { "Federated", "identity provider " },
        { "CanonicalUser", "canonical user " },
    };
    const char *k;
    const json_t *v;
    size_t i;
    int first = 1;

    if (json_is_string(p)) {
        buf_adds(b, !strcmp(json_string_value(p), "*") ? "anyone (*)" : json_string_value(p));
        return;
    }
    json_object_foreach((json_t *)p, k, v) {
        const char *label = k;

        for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
            if (!strcmp(k, kinds[i][0]))
                label = kinds[i][1];
        if (!first)
            buf_adds(b, "; ");
        buf_adds(b, label);
        add_list(b, v);
        first = 0;
    }
}

void describe_trust(struct buf *b, const json_t *stmt)
{
    static const char *const gh[] = { GH_SUB, GH_AUD, NULL };
    const json_t *cond = json_object_get(stmt, "condition"), *sub, *aud, *x;
    const char *op = "", *aop = "", *act;
    size_t i;

    if (strcmp(json_string_value(json_object_get(stmt, "effect")), "Allow"))
        buf_adds(b, "denied: ");
    if (json_is_true(json_object_get(stmt, "not_principal")))
        buf_adds(b, "anyone but ");
    sub = cond_values(cond, GH_SUB, &op);
    aud = cond_values(cond, GH_AUD, &aop);
    if (sub || aud) {
        if (!sub)
            buf_adds(b, "any GitHub repository (no sub condition)");
        else if (rules_op_negated(op))
            buf_adds(b, "any GitHub repository except ");   /* StringNotEquals & co */
        json_array_foreach(sub, i, x) {
            if (i)
                buf_adds(b, " or ");
            describe_github_sub(b, json_string_value(x) ? json_string_value(x) : "?");
        }
        if (sub && strcmp(op, "StringEquals"))
            buf_printf(b, " [%s]", op);
        buf_adds(b, aud ? " (aud " : " (no aud condition");
        add_list(b, aud);
        buf_adds(b, ") through ");
    }
    add_principal(b, json_object_get(stmt, "principal"));
    act = json_string_value(json_array_get(json_object_get(stmt, "action"), 0));
    if (json_array_size(json_object_get(stmt, "action")) != 1 || !act ||
        (strcmp(act, "sts:AssumeRole") && strcmp(act, "sts:AssumeRoleWithWebIdentity"))) {
        buf_adds(b, " with ");
        add_list(b, json_object_get(stmt, "action"));
    }
    add_conditions(b, cond, gh);
}

void describe_statement(struct buf *b, const json_t *stmt)
{
    const json_t *p = json_object_get(stmt, "principal"), *r = json_object_get(stmt, "resource");

    buf_adds(b, json_string_value(json_object_get(stmt, "effect")));
    buf_addc(b, ' ');
    if (!json_is_null(p) && p) {
        if (json_is_true(json_object_get(stmt, "not_principal")))
            buf_adds(b, "anyone but ");
        add_principal(b, p);
        buf_adds(b, ": ");
    }
    if (json_is_true(json_object_get(stmt, "not_action")))
        buf_adds(b, "every action except ");
    add_list(b, json_object_get(stmt, "action"));
    if (json_array_size(r)) {
        buf_adds(b, json_is_true(json_object_get(stmt, "not_resource")) ?
                 " on every resource except " : " on ");
        add_list(b, r);
    }
    add_conditions(b, json_object_get(stmt, "condition"), NULL);
}
