/* rules.h: the review's rules: each finds one kind of risk in a template
 * and its policy model (extract.h). */
#ifndef LUAFORM_RULES_H
#define LUAFORM_RULES_H

#include <jansson.h>
#include <stddef.h>

struct gen_err;

struct review_rule {
    const char *id;          /* LF-<FAMILY>-<NNN>; never changes once shipped */
    const char *severity;    /* critical, high, medium, low (GitHub's words) */
    double score;            /* security-severity: critical >= 9, high 7-8.9, ... */
    const char *title;       /* one line: what it finds */
    const char *why;         /* why it matters */
    const char *help;        /* how to fix it */
};

/* The table, for SARIF and README. */
const struct review_rule *review_rules(size_t *n);

/* Append a FINDING object to findings for each risk in tpl and model:
 *   {rule, severity, score, id, path, message, fix, action, resource}
 * Returns 0, or a negative gen_code. */
int review_check(const json_t *tpl, const json_t *model, json_t *findings, struct gen_err *e);

#endif
