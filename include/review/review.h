/* review.h: the review of one or more stacks as one report (a JSON object
 * that every format reads):
 *   {"tool": {name, version}, "stacks": [STACK], "findings": [FINDING],
 *    "suppressed": [FINDING + reason], "invariants": [], "summary": {...}}
 * STACK: {name, file, principals, resource_policies}: the policy model
 * (extract.h), each principal and resource policy with its "line" in file,
 * each principal with "who" (describe_trust of its trust statements), each
 * statement with "text" (describe_statement) and "line".
 * FINDING (rules.h) with "stack", "file" and "line". */
#ifndef LUAFORM_REVIEW_H
#define LUAFORM_REVIEW_H

#include <jansson.h>
#include <stddef.h>

struct gen_err;

/* A new, empty report (NULL when out of memory). */
json_t *review_new(const char *version);

/* Review one stack alone (review_add_stacks of one): tpl is its template, text (len bytes) the file shown
 * as file (the rendered JSON, or the template file), read again for the
 * line of each path. */
int review_add_stack(json_t *report, const char *stack, const char *file, const char *text,
                     size_t len, const json_t *tpl, struct gen_err *e);

/* One stack to review: its name, the file shown and its text (len bytes),
 * its template. */
struct review_input {
    const char *stack, *file, *text;
    size_t len;
    const json_t *tpl;
};

/* Review n stacks together: each is checked with a view of all of them
 * (rules.h review_check_set), so a path through another stack's role is
 * judged by that role's rights. Stacks and findings are added in order. */
int review_add_stacks(json_t *report, const struct review_input *in, size_t n,
                      struct gen_err *e);

/* Sort the findings by severity (most severe first) and count them into
 * "summary": {stacks, principals, resource_policies, critical, high,
 * medium, low, suppressed, invariants}. */
void review_finish(json_t *report);

/* 4 critical, 3 high, 2 medium, 1 low; 0 for anything else. */
int review_rank(const char *severity);

/* Is an unsuppressed finding at or above severity in report? */
int review_fails(const json_t *report, const char *severity);

#endif
