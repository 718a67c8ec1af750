/* iam_diff.h: what a deploy changes in IAM. The deployed template and the
 * new one go through the policy model (review/extract.h); per principal
 * (role, user, group) and per resource policy their trust and permission
 * statements, permissions boundaries and managed policy ARNs are compared.
 * A changed statement is compared by its action, resource and principal
 * sets under IAM's wildcards (s3:* covers s3:GetObject; a bucket ARN with
 * a final wildcard covers its deeper prefixes) and by its conditions, so a
 * statement that only narrows is
 * never called broadening (cdk diff compares whole statements).
 *
 * The result (owned by the caller):
 *   { "changes": [CHANGE, ...], "broadening": true|false }
 *   CHANGE = { "principal": "DeploymentRole",   // logical id of the role or resource policy
 *              "type": "AWS::IAM::Role",
 *              "kind": "trust"|"permission"|"resource-policy"|"boundary"|"managed",
 *              "change": "added"|"removed"|"broadened"|"narrowed",
 *              "broadens": true|false,
 *              "statement": STMT, "old": STMT|null,
 *              "why": "adds s3:DeleteObject" }
 * "statement" is the statement the change is about (for "removed": the one
 * removed); "old" is its former version for "broadened" and "narrowed".
 * For "boundary" and "managed" both are ARN strings (or null).
 * Broadening: an added Allow (also every statement of a new role), a
 * removed Deny, a changed statement that grants an action, resource or
 * principal it did not or drops or loosens a condition, a Deny that denies
 * less, an added managed policy, a boundary removed or changed. */
#ifndef LUAFORM_IAM_DIFF_H
#define LUAFORM_IAM_DIFF_H

#include <jansson.h>

struct gen_err;

/* Compare two policy models (old_model NULL: a new stack). */
int iam_diff_models(const json_t *old_model, const json_t *new_model, json_t **out,
                    struct gen_err *e);

/* Compare two templates (old_tpl NULL: a new stack) through
 * extract_policies. */
int iam_diff_templates(const json_t *old_tpl, const json_t *new_tpl, json_t **out,
                       struct gen_err *e);


#endif
