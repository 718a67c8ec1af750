/* cmd_drift.c: luaform drift: does the account still hold what the
 * repository says? Exit 0 in sync, 2 drift, 1 error (as terraform plan
 * -detailed-exitcode). */
#include "cli/cli.h"
#include "cli/deploy_args.h"
#include "core/err.h"
#include "core/files.h"
#include "core/interrupt.h"
#include "drift/drift.h"
#include "drift/report.h"
#include "template/config.h"
#include "template/scope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char drift_usage[] =
    "usage: luaform drift STACK... [--stack-name N] [--template-only]\n"
    "                     [--format text|json] [-o FILE] [--github]\n"
    "                     [STACK OPTIONS] [AWS OPTIONS]\n"
    "\n"
    "Compare what luaform renders for STACK with what is deployed:\n"
    "  template    the deployed template (GetTemplate), compared as data: JSON\n"
    "              or YAML, key order and short-form tags make no difference;\n"
    "  parameters  and stack tags, against the description and config;\n"
    "  resources   CloudFormation's drift detection, through the ignore list\n"
    "              (the config's drift.ignore, and shipped defaults for\n"
    "              CloudFormation's known false positives);\n"
    "  Lambda      each function's code (CodeSha256) against the S3 artifact the\n"
    "              template names, each alias's version and weights.\n"
    "Resources CloudFormation cannot check are listed as unchecked, never as\n"
    "in sync.\n"
    "\n"
    "      --template-only  template, parameters and tags only (for endpoints\n"
    "                       without drift detection)\n"
    "      --format FMT     text (default) or json\n"
    "  -o, --output FILE    write the report to FILE (atomically), not stdout\n"
    "      --github         also GitHub Actions annotations (at most 10 of each\n"
    "                       kind) and the report appended to $GITHUB_STEP_SUMMARY\n"
    STACK_OPTIONS_HELP
    CLI_AWS_HELP
    "\n"
    "Exit status: 0 no drift, 2 drift (or a stack not deployed), 1 error (a\n"
    "stack mid-operation, or drift that could not be checked).\n";

enum { DRIFT_TEMPLATE_ONLY = 1, DRIFT_FORMAT, DRIFT_OUTPUT, DRIFT_GITHUB, DRIFT_LAST };

static const struct cli_opt drift_options[] = {
    { "template-only", 0, 0, DRIFT_TEMPLATE_ONLY }, { "format", 0, 1, DRIFT_FORMAT },
    { "output", 'o', 1, DRIFT_OUTPUT }, { "github", 0, 0, DRIFT_GITHUB }, { NULL, 0, 0, 0 }
};

/* GitHub's limit on a step summary. */
#define STEP_SUMMARY_MAX ((size_t)1 << 20)

struct drift_cmd {
    struct deploy_args args;
    int set[DRIFT_LAST];
    int json;
    int shown_progress;
};

static void progress(void *ctx, const char *stack, const char *what, long long elapsed_ms)
{
    struct drift_cmd *c = ctx;

    if (isatty(2)) {
        fprintf(stderr, "\r%s: %s (%lld s) ", stack, what, elapsed_ms / 1000);
        c->shown_progress = 1;
    } else if (!c->shown_progress) {
        fprintf(stderr, "%s: %s\n", stack, what);
        c->shown_progress = 2;
    }
}

/* The ignore list for target i: its config's, or the defaults. */
static int ignore_for(struct drift_cmd *c, size_t i, json_t **rules, struct gen_err *e)
{
    const struct render_target *t = &c->args.set.v[i];
    struct config cfg;
    int rc;

    if (t->kind == RENDER_TEMPLATE_FILE)
        return drift_ignore_load(NULL, rules, e);
    config_init(&cfg);
    rc = scope_config(t, &c->args.ro, &cfg, e);
    if (rc == 0)
        rc = drift_ignore_load(cfg.values ? &cfg : NULL, rules, e);
    config_free(&cfg);
    return rc;
}

/* Append the markdown report to $GITHUB_STEP_SUMMARY (GitHub's file for
 * it: appending is its contract), cut to GitHub's limit. */
static int step_summary(const json_t *reports, struct gen_err *e)
{
    const char *path = getenv("GITHUB_STEP_SUMMARY");
    struct buf md;
    FILE *f;
    int rc;

    if (!path || !*path)
        return 0;
    buf_init(&md);
    rc = drift_report_markdown(reports, &md, e, 1);
    if (rc == 0 && md.len > STEP_SUMMARY_MAX) {
        /* too big for GitHub: the summary lines only, and where the rest is */
        buf_reset(&md);
        rc = drift_report_markdown(reports, &md, e, 0);
        buf_adds(&md, "\nThe details are over the 1 MiB a step summary holds: see this step's "
                 "log, or run luaform drift --format json.\n");
    }
    if (rc == 0) {
        f = fopen(path, "a");
        if (!f || fwrite(md.data, 1, md.len, f) != md.len || fclose(f) != 0) {
            if (f)
                fclose(f);
            rc = err_set(e, GEN_EIO, path, 0, "cannot append the drift report to "
                         "$GITHUB_STEP_SUMMARY");
        }
    }
    buf_free(&md);
    return rc;
}

static int drift_all(struct drift_cmd *c, json_t *reports)
{
    struct drift_opts o = { 0 };
    struct gen_err e;
    size_t i;
    int rc = 0;

    o.template_only = c->set[DRIFT_TEMPLATE_ONLY];
    o.progress = progress;
    o.progress_ctx = c;
    for (i = 0; rc == 0 && i < c->args.n; i++) {
        json_t *rules = NULL, *report = NULL;

        if (ignore_for(c, i, &rules, &e) < 0)
            return cli_error(&e);
        o.ignore = rules;
        c->shown_progress = 0;
        rc = drift_check(c->args.aws, &c->args.targets[i], &o, &report, &e);
        if (c->shown_progress == 1)
            fputs("\n", stderr);
        json_decref(rules);
        if (rc == GEN_ENOMEM)
            return cli_error(&e);
        if (rc < 0) {
            /* this stack could not be checked: said in its report, and the
             * others are still checked and reported (unless Ctrl-C) */
            char msg[sizeof e.msg + 300];

            err_format(&e, msg, sizeof msg);
            report = drift_error_report(c->args.targets[i].stack,
                                        aws_region(c->args.aws), msg);
            if (!report)
                return cli_errorf("out of memory");
            rc = interrupt_pending() ? -1 : 0;
        }
        json_array_append_new(reports, report);
    }
    return 0;
}

static int output(struct drift_cmd *c, const json_t *reports)
{
    const char *nc = getenv("NO_COLOR");
    const char *path = c->args.flag_arg[DRIFT_OUTPUT];
    int color = !c->json && !path && isatty(1) && !(nc && *nc);
    struct gen_err e;
    struct buf out, gh;
    int rc;

    buf_init(&out);
    buf_init(&gh);
    rc = c->json ? drift_report_json(reports, &out, &e) :
                   drift_report_text(reports, color, &out, &e);
    if (rc == 0 && c->set[DRIFT_GITHUB])
        rc = drift_report_github(reports, &gh, &e);
    if (rc == 0 && path)
        rc = files_write_atomic(path, out.data ? out.data : "", out.len, &e);
    else if (rc == 0)
        fwrite(out.data ? out.data : "", 1, out.len, stdout);
    if (rc == 0 && c->set[DRIFT_GITHUB]) {
        fflush(stdout);
        fwrite(gh.data ? gh.data : "", 1, gh.len, stdout);
        rc = step_summary(reports, &e);
    }
    buf_free(&out);
    buf_free(&gh);
    return rc < 0 ? cli_error(&e) : 0;
}

int cmd_drift(int argc, char **argv)
{
    struct drift_cmd c;
    json_t *reports = json_array();
    int rc;

    memset(&c, 0, sizeof c);
    rc = reports ? deploy_args_parse(&c.args, "drift", argc, argv, drift_options, c.set) :
                   cli_errorf("out of memory");
    if (rc == 0 && c.set[DRIFT_FORMAT]) {
        const char *f = c.args.flag_arg[DRIFT_FORMAT];

        if (!strcmp(f, "json"))
            c.json = 1;
        else if (strcmp(f, "text"))
            rc = cli_errorf("drift: --format must be text or json, not '%s'", f);
    }
    if (rc == 0 && c.json && c.set[DRIFT_GITHUB] && !c.set[DRIFT_OUTPUT])
        rc = cli_errorf("drift: --format json --github writes annotations beside the JSON: "
                        "give the JSON a file with -o FILE");
    if (rc == 0)
        rc = deploy_args_prepare(&c.args);
    if (rc == 0)
        rc = drift_all(&c, reports);
    if (rc == 0)
        rc = output(&c, reports);
    if (rc == 0)
        rc = drift_report_exit(reports);
    deploy_args_free(&c.args);
    json_decref(reports);
    return rc == CLI_HELP_SHOWN ? EXIT_DONE : rc;
}
