/* rules.h: the review's findings: a table of rules (id, severity, score,
 * what, why, fix) and review_check, which runs every rule family over a
 * template and its policy model (review/extract.h) and appends findings.
 *
 * A finding is a JSON object:
 *   {"rule", "severity", "score", "id" (logical id), "path" (template/path.h),
 *    "message", "fix", "action" (or null), "resource" (or null)}
 * Severity words and scores as GitHub's security-severity: critical >= 9,
 * high 7-8.9, medium 4-6.9, low < 4. Rule ids never change once shipped. */
#ifndef LUAFORM_REVIEW_RULES_H
#define LUAFORM_REVIEW_RULES_H

#include <jansson.h>
#include <stddef.h>

struct gen_err;

struct review_rule {
    const char *id;        /* LF-<FAMILY>-<NNN> */
    const char *severity;  /* critical, high, medium, low */
    double score;
    const char *title;     /* what: one line */
    const char *why;       /* why it matters: one or two sentences */
    const char *help;      /* the fix: one line */
};

/* The rule table, in id order; *n is set to its length. */
const struct review_rule *review_rules(size_t *n);

/* The rule with this id, or NULL. */
const struct review_rule *review_rule_find(const char *id);

/* Run every rule over tpl (a template object) and model (extract_policies'
 * result); append the findings to the array findings. 0, or negative with
 * e filled (out of memory). */
int review_check(const json_t *tpl, const json_t *model, json_t *findings, struct gen_err *e);

/* One stack of a review: its name (NULL: a template reviewed alone), its
 * template and its model (extract_policies). */
struct review_stack {
    const char *name;
    const json_t *tpl;
    const json_t *model;
};

/* Run every rule over set[self] with a view of the whole set (the stacks
 * reviewed together): a role another stack defines is judged by its own
 * rights (LF-ESC). Findings are on set[self] only. review_check is this
 * with a set of one. */
int review_check_set(const struct review_stack *set, size_t n, size_t self, json_t *findings,
                     struct gen_err *e);

/* ---- for the rule families (rules_*.c) ---------------------------------- */

struct rule_ctx {
    const json_t *tpl;     /* the template */
    const json_t *model;   /* extract_policies' model */
    json_t *findings;      /* where findings go */
    int failed;            /* set when an allocation failed */
    const struct review_stack *set;   /* every stack of the review */
    size_t nset, self;     /* its length; the one checked (tpl, model) */
};

/* Append one finding of rule (an id in the table) on logical id at path;
 * action and resource may be NULL; message is printf-formatted. */
void rules_emit(struct rule_ctx *c, const char *rule, const char *id, const char *path,
                const char *action, const char *resource, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/* IAM wildcard match (* and ?), ASCII case-insensitive. */
int rules_glob(const char *pat, const char *s);

/* Does the statement's action list (honouring not_action) allow action? */
int rules_stmt_has_action(const json_t *stmt, const char *action);

/* The i-th string of stmt's member key ("action", "resource"), or NULL. */
const char *rules_str(const json_t *stmt, const char *key, size_t i);

/* Is a bool member of stmt true ("not_action", ...)? */
int rules_flag(const json_t *stmt, const char *key);

/* Is stmt an Allow? */
int rules_allow(const json_t *stmt);

/* Does stmt list resource "*" (an unscoped resource)? */
int rules_any_resource(const json_t *stmt);

/* Is condition operator op negated (it contains "Not", as StringNotEquals,
 * ArnNotLike, NotIpAddress, or is Null; with or without a ForAnyValue: /
 * ForAllValues: prefix and an IfExists suffix)? Such an operator names
 * what is excluded, never what is required. */
int rules_op_negated(const char *op);

/* The values of condition key under a non-negated operator (case-insensitive
 * key; an operator prefix such as ForAnyValue: is kept in *op), or NULL; *op
 * is set to the operator when not NULL. With several operators, the first.
 * A key only under negated operators (rules_op_negated) is absent: it
 * restricts nothing. */
const json_t *rules_cond(const json_t *stmt, const char *key, const char **op);

/* Does stmt have any of the NULL-terminated condition keys? */
int rules_cond_any(const json_t *stmt, const char *const *keys);

/* Has stmt a (non-empty) condition? */
int rules_has_cond(const json_t *stmt);

/* Can stmt's resources be ones action acts on? False only when every
 * resource is an ARN of another service (iam:* on an S3 object ARN). */
int rules_reaches(const json_t *stmt, const char *action);

/* The template resource with this logical id, or NULL. */
const json_t *rules_resource(const json_t *tpl, const char *id);

/* A resource's property (NULL when absent). */
const json_t *rules_prop(const json_t *res, const char *name);

/* Is s "prod"-like: contains "prod" case-insensitively? */
int rules_has_word(const char *s, const char *word);

/* Where a statement sits: a role's trust policy, an identity's
 * permissions (inline, attached or standalone managed policies), or a
 * resource policy (bucket, queue, topic, key policy, Lambda permission). */
enum rules_where { RULES_TRUST, RULES_PERMISSION, RULES_RESOURCE };

/* owner: the model's principal or resource policy the statement belongs to. */
typedef void (*rules_stmt_fn)(struct rule_ctx *c, enum rules_where w, const json_t *owner,
                              const json_t *stmt);

/* Call fn on every statement of the model. */
void rules_each_stmt(struct rule_ctx *c, rules_stmt_fn fn);

/* The owner's logical id; a statement's path. */
const char *rules_id(const json_t *owner);
const char *rules_path(const json_t *stmt);

/* The end of the ARN field at p: the next ':' outside ${...}. */
const char *rules_field_end(const char *p);

/* Is arn an admin-equivalent AWS managed policy (AdministratorAccess...)? */
int rules_admin_managed(const char *arn);

/* Does stmt allow '*' on '*' without condition (administrator)? */
int rules_stmt_admin(const json_t *stmt);

/* Does a PassRole resource name every role ('*' or ...:role/ followed by a wildcard)? */
int rules_any_role(const char *resource);

/* The families. */
void rules_iam(struct rule_ctx *c);
void rules_principal(struct rule_ctx *c);
void rules_oidc(struct rule_ctx *c);
void rules_escalation(struct rule_ctx *c);
void rules_resources(struct rule_ctx *c);

#endif
