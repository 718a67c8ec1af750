/* suppress.h: suppressions in a resource's Metadata:
 *   "Metadata": {"luaform": {"suppress": [
 *       {"rule": "LF-IAM-001", "action": "s3:*", "resource": "...", "reason": "why"}]}}
 * A suppression matches a finding on that resource by rule id and, when
 * given, the exact action and resource; its reason is required. */
#ifndef LUAFORM_SUPPRESS_H
#define LUAFORM_SUPPRESS_H

#include <jansson.h>

struct gen_err;

/* Move every finding of findings that a suppression of tpl matches to
 * suppressed, with its "reason". file and lines (load.h) place errors: a
 * suppression without a rule or a reason is GEN_EINPUT "FILE:LINE: ...". */
int suppress_apply(const json_t *tpl, const char *file, const json_t *lines,
                   json_t *findings, json_t *suppressed, struct gen_err *e);

#endif
