/* drift.h: does the account still hold what the repository says? One
 * stack at a time, as data (a JSON report every output is made from):
 *
 *   template    the rendered template against the deployed one (GetTemplate,
 *               stage Original, JSON or YAML), compared as data (diff.h);
 *   parameters  the target's parameters (or the template's defaults)
 *               against the stack's; NoEcho ones are not compared;
 *   tags        the target's tags against the stack's;
 *   resources   CloudFormation's drift detection (DetectStackDrift, polled
 *               with the one poller, then DescribeStackResourceDrifts),
 *               each difference checked against the ignore list;
 *   lambda      what CloudFormation cannot see: each function's CodeSha256
 *               against the S3 artifact the template names, each alias's
 *               version and routing weights against the template.
 *
 * The library never prints; drift_report_* (report.h) turn a report into
 * text, JSON, GitHub annotations or markdown. */
#ifndef LUAFORM_DRIFT_H
#define LUAFORM_DRIFT_H

#include <stddef.h>
#include <jansson.h>

struct aws;
struct config;
struct deploy_target;
struct gen_err;

/* ------------------------------------------------------------ ignore list */

/* The ignore list: the shipped defaults (unless the config says
 * `drift: { defaults: false }`) then the config's `drift.ignore` rules:
 *
 *   drift:
 *     ignore:
 *       - type: AWS::Lambda::Function   # a resource type, and/or
 *         logical_id: Function          # a logical id
 *         stack: ltbase-prod            # optional: only in this stack
 *         path: /Code                   # CloudFormation's PropertyPath: the
 *                                       # property and everything under it;
 *                                       # '*' is one segment; "*" alone is
 *                                       # the whole resource (DELETED too)
 *         kind: REMOVE                  # optional: ADD, REMOVE, NOT_EQUAL
 *         reason: why it is not drift   # required, one line
 *
 * Each rule in *rules: {"type"?, "logical_id"?, "stack"?, "path", "kind"?,
 * "reason", "source": "default" or "FILE:LINE"}. c may be NULL (a template
 * file: the defaults only). Errors name the config line. */
int drift_ignore_load(const struct config *c, json_t **rules, struct gen_err *e);

/* The rule of rules that matches a difference (path and kind as
 * CloudFormation reports them; path NULL: the resource as a whole), or
 * NULL. */
const json_t *drift_ignore_match(const json_t *rules, const char *stack, const char *logical_id,
                                 const char *type, const char *path, const char *kind);

/* Two values CloudFormation reports as different that mean the same (a
 * JSON document re-serialised; a KMS key id and its ARN in the stack's
 * region and account; an instance profile name and its ARN in the stack's
 * account): the reason, or NULL. stack_id: the stack's ARN (NULL: no ARN
 * form is taken as the same as a bare name). */
const char *drift_equivalent(const char *expected, const char *actual, const char *stack_id);

/* ------------------------------------------------------------ checking */

/* Progress of a long step, for a command to show (may be NULL). */
typedef void (*drift_progress_fn)(void *ctx, const char *stack, const char *what,
                                  long long elapsed_ms);

struct drift_opts {
    int template_only;          /* template, parameters and tags only */
    const json_t *ignore;       /* drift_ignore_load's rules */
    drift_progress_fn progress;
    void *progress_ctx;
};

/* Check one target. Returns 0 with *report (owned) filled:
 *
 *   { "stack", "region", "status" (the stack's, null: not deployed),
 *     "state": "in_sync" | "drifted" | "not_deployed" | "busy" | "error",
 *     "error": "why" (state error or busy),
 *     "summary": "2 of 7 resources drifted; template in sync; ...",
 *     "template":   { "checked", "differences": [{"path","kind","expected","actual"}] },
 *     "parameters": { "checked", "differences": [{"name","kind","expected","actual"}],
 *                     "not_compared": [{"name","reason"}] },
 *     "tags":       { "checked", "differences": [{"key","kind","expected","actual"}] },
 *     "resources":  { "checked", "skipped"?, "total", "drifted", "in_sync",
 *                     "detection": {"id","status","stack_drift_status","reason"},
 *                     "drifted_resources": [{"logical_id","physical_id","type","status",
 *                                            "differences": [{"path","kind","expected","actual"}]}] },
 *     "lambda":     { "checked", "in_sync", "differences": [{"logical_id","type","what",
 *                     "function","expected","actual","detail"}] },
 *     "unchecked":  [{"logical_id","type","status","reason"}],
 *     "ignored":    [{"logical_id","type","path","kind","expected","actual","reason","source"}] }
 *
 * kind is "changed", "missing" (expected, not there) or "extra" (there,
 * not expected); expected and actual are JSON values (null when absent).
 * A failure after the stack was found (drift detection failed, a Lambda
 * read denied) is state "error" with what was found so far; a negative
 * gen_code (e filled, *report NULL) is a failure before it. */
int drift_check(struct aws *a, const struct deploy_target *t, const struct drift_opts *o,
                json_t **report, struct gen_err *e);

/* The report of a stack that could not be checked at all (state error). */
json_t *drift_error_report(const char *stack, const char *region, const char *error);

/* Is there drift (or an error) in a report: 0 in sync, 2 drifted or not
 * deployed, 1 error or busy (the exit codes of luaform drift). */
int drift_verdict(const json_t *report);

/* ------------------------------------------------------------ internal */

/* Lambda code and alias drift of one stack (lambda_code.c): fills
 * report's "lambda", and adds to "unchecked". stack: the stack's
 * DescribeStacks id (its ARN: partition, region, account); resources:
 * ListStackResources; params: the expected parameter values. */
int drift_lambda(struct aws *a, const json_t *tpl, const char *stack_id, const json_t *resources,
                 const json_t *params, json_t *report, struct gen_err *e);

/* A template value resolved to text with what a deployed stack knows
 * (resolve.c): strings and numbers; Ref to a parameter, a resource
 * (physical id) or a pseudo parameter; Fn::GetAtt X.Version of a Lambda
 * version; Fn::Sub without a variable map; Fn::Join. NULL (and *why set)
 * when it cannot be. The result is malloc'd. */
struct drift_scope {
    const json_t *tpl;
    const json_t *params;       /* { "Name": "value" } */
    const json_t *resources;    /* ListStackResources */
    const char *stack_id;       /* arn:PARTITION:cloudformation:REGION:ACCOUNT:stack/NAME/ID */
};
char *drift_resolve(const struct drift_scope *s, const json_t *v, const char **why);

/* A number as CloudFormation and JSON write it: the shortest text that
 * reads back as the same double (0.1, not 0.10000000000000001). */
void drift_number_text(double d, char *out, size_t n);

/* Field n (0: partition, 2: region, 3: account) of an ARN into out; -1
 * when it has no such field or it is empty. */
int drift_arn_field(const char *arn, int n, char *out, size_t size);
const char *drift_physical_id(const json_t *resources, const char *logical_id);

#endif
