/* report.h (drift): drift reports (drift.h) in each output format, built
 * into a buffer; cli/ prints or writes them. reports is an array of
 * drift_check's reports. Each returns 0 or GEN_ENOMEM. */
#ifndef LUAFORM_DRIFT_REPORT_H
#define LUAFORM_DRIFT_REPORT_H

#include <jansson.h>
#include "core/buf.h"

struct gen_err;

/* Every stack's summary line first, then each stack's sections (template,
 * parameters, tags, resources, Lambda, unchecked, ignored), the ones with
 * something to say. color: ANSI colours. */
int drift_report_text(const json_t *reports, int color, struct buf *out, struct gen_err *e);

/* {"stacks": [report...], "drifted": N, "errors": N, "exit": 0|1|2} */
int drift_report_json(const json_t *reports, struct buf *out, struct gen_err *e);

/* For $GITHUB_STEP_SUMMARY: a heading with the verdict, each summary line,
 * and (details) the text report in a code block no value can close. */
int drift_report_markdown(const json_t *reports, struct buf *out, struct gen_err *e,
                          int details);

/* GitHub Actions workflow commands: one ::error per difference, ::warning
 * per unchecked resource, ::notice per ignored difference, at most
 * DRIFT_ANNOTATIONS_MAX of each kind (GitHub shows no more per step): past
 * that, the last one says how many more the job summary holds. */
#define DRIFT_ANNOTATIONS_MAX 10
int drift_report_github(const json_t *reports, struct buf *out, struct gen_err *e);

/* The exit code for all of them: 1 if any error, else 2 if any drift, else 0. */
int drift_report_exit(const json_t *reports);

#endif
