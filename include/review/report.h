/* report.h: the review report (review.h) in each output format, built
 * into a buffer; cli/ prints or writes it. Each returns 0, or GEN_ENOMEM. */
#ifndef LUAFORM_REPORT_H
#define LUAFORM_REPORT_H

#include <jansson.h>
#include "core/buf.h"

struct gen_err;

/* For a person, top to bottom: the summary, each stack's principals (who
 * may assume them, what they may do) and resource policies, the findings
 * by severity, the suppressed ones, the invariants. color: ANSI colours. */
int report_text(const json_t *report, int color, struct buf *out, struct gen_err *e);

/* The report object itself. */
int report_json(const json_t *report, struct buf *out, struct gen_err *e);

/* A pull-request comment: the summary, a findings table, the details of
 * each principal in a collapsed section. */
int report_markdown(const json_t *report, struct buf *out, struct gen_err *e);

/* SARIF 2.1.0 for GitHub code scanning: one run, every rule of rules.h,
 * one result per finding (suppressed ones with an inSource suppression). */
int report_sarif(const json_t *report, struct buf *out, struct gen_err *e);

/* An ANSI SGR sequence ("1" bold, "31" red; NULL: reset) when color. */
void report_sgr(struct buf *b, int color, const char *sgr);

/* Text into markdown (a table cell, a list item) with every character
 * that starts markup as an HTML entity, line breaks as spaces. */
void report_markdown_text(struct buf *b, const char *s);

/* A copy of v with every string's control characters escaped (err_escape):
 * nothing a template holds reaches a terminal or a pull-request comment as
 * a control sequence. NULL when out of memory. */
json_t *report_printable(const json_t *v);

/* The summary as one line: "3 stacks, 5 principals, ...". */
void report_summary(struct buf *b, const json_t *report);

#endif
