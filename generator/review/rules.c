/* rules.c: a placeholder with one rule (LF-IAM-001) so the review runs end
 * to end; the full rule set replaces this file. */
#include "review/rules.h"
#include "core/err.h"

#include <stdio.h>
#include <string.h>

static const struct review_rule rules[] = {
    { "LF-IAM-001", "high", 7.5, "Allow with Action '*' or 'service:*'",
      "a wildcard action grants every present and future action of the service, "
      "including ones that change permissions or delete data",
      "list the actions the principal needs" },
};

const struct review_rule *review_rules(size_t *n)
{
    *n = sizeof rules / sizeof rules[0];
    return rules;
}

static int wild_action(const char *a)
{
    size_t n = strlen(a);

    return !strcmp(a, "*") || (n > 2 && !strcmp(a + n - 2, ":*"));
}

static void check_statements(const char *id, const json_t *stmts, json_t *findings)
{
    const json_t *s, *a;
    size_t i, j;

    json_array_foreach(stmts, i, s) {
        if (strcmp(json_string_value(json_object_get(s, "effect")), "Allow") ||
            json_is_true(json_object_get(s, "not_action")))
            continue;
        json_array_foreach(json_object_get(s, "action"), j, a) {
            const char *act = json_string_value(a);
            char msg[512];

            if (!act || !wild_action(act))
                continue;
            snprintf(msg, sizeof msg, "Allow with action '%s' grants every action it matches",
                     act);
            json_array_append_new(findings, json_pack(
                "{s:s, s:s, s:f, s:s, s:O, s:s, s:s, s:s, s:n}",
                "rule", rules[0].id, "severity", rules[0].severity, "score", rules[0].score,
                "id", id, "path", json_object_get(s, "path"), "message", msg,
                "fix", rules[0].help, "action", act, "resource"));
        }
    }
}

int review_check(const json_t *tpl, const json_t *model, json_t *findings, struct gen_err *e)
{
    const json_t *p;
    size_t i;

    (void)tpl;
    (void)e;
    json_array_foreach(json_object_get(model, "principals"), i, p)
        check_statements(json_string_value(json_object_get(p, "id")),
                         json_object_get(p, "permissions"), findings);
    json_array_foreach(json_object_get(model, "resource_policies"), i, p)
        check_statements(json_string_value(json_object_get(p, "id")),
                         json_object_get(p, "statements"), findings);
    return 0;
}
