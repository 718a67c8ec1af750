/* cmd_review.c: luaform review. */
#include "cli/cli.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/files.h"
#include "review/report.h"
#include "review/review.h"
#include "template/render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char review_usage[] =
    "usage: luaform review [STACK...] [--format text|json|markdown|sarif] [-o FILE]\n"
    "                      [--fail-on SEVERITY] [--against STACK] [-c CONFIG.yaml]\n"
    "                      [-p KEY=VALUE]... [--rendered-dir DIR] [-v]\n"
    "\n"
    "Render each STACK (anything 'render' takes: a built-in stack, a system\n"
    "such as ltbase, a description file, a template file; none: every\n"
    "built-in stack) and review it as one report: for every IAM role, user\n"
    "and group who may assume it and what it may do, every resource policy,\n"
    "then the findings by severity. A finding's line is in the rendered file\n"
    "(DIR/NAME.json) or in the template file given. The invariants each\n"
    "description declares are checked and listed; a broken one is an error.\n"
    "\n"
    "      --format FMT     text (default), json, markdown (a pull-request\n"
    "                       comment) or sarif (GitHub code scanning)\n"
    "  -o, --out FILE       write the report to FILE (atomically), not stdout\n"
    "      --fail-on SEV    exit 1 if a finding at or above SEV (low, medium,\n"
    "                       high, critical) is not suppressed\n"
    "      --against STACK  check the invariants of STACK (a built-in stack or a\n"
    "                       description file) against each template file given,\n"
    "                       e.g. a rendered file a reviewer edited\n"
    "  -c, --config FILE    YAML config (default: the system's example config)\n"
    "  -p KEY=VALUE         override one config value (a.b=c for nested keys)\n"
    "      --rendered-dir DIR  where the rendered templates are committed\n"
    "                       (render -o; default: out): only names the files\n"
    "                       findings point at, nothing is read there\n"
    "  -v, --verbose        add a Lua traceback to errors\n"
    "\n"
    "Suppress a finding in the resource's Metadata (a reason is required):\n"
    "  \"Metadata\": {\"luaform\": {\"suppress\": [{\"rule\": \"LF-IAM-001\",\n"
    "      \"action\": \"s3:*\", \"reason\": \"why it is accepted\"}]}}\n"
    "\n"
    "Exit status: 0 done, 1 error, a broken invariant or --fail-on met.\n";

enum { O_OUT = 1, O_FORMAT, O_FAIL_ON, O_AGAINST, O_CONFIG, O_PARAM, O_RENDERED, O_VERBOSE,
       O_HELP };

static const struct cli_opt review_options[] = {
    { "out", 'o', 1, O_OUT }, { "format", 0, 1, O_FORMAT }, { "fail-on", 0, 1, O_FAIL_ON },
    { "against", 0, 1, O_AGAINST },
    { "config", 'c', 1, O_CONFIG }, { "param", 'p', CLI_REPEAT, O_PARAM },
    { "rendered-dir", 0, 1, O_RENDERED },
    { "verbose", 'v', 0, O_VERBOSE }, { "help", 'h', 0, O_HELP },
    { NULL, 0, 0, 0 }
};

enum review_format { FMT_TEXT, FMT_JSON, FMT_MARKDOWN, FMT_SARIF };

static const char *const format_names[] = { "text", "json", "markdown", "sarif" };

struct review_args {
    enum review_format fmt;
    const char *out;
    const char *fail_on;
    const char *against;        /* --against STACK */
    const char *rendered;       /* --rendered-dir: "out" */
    struct render_opts ro;
    char **params, **stacks;
    int np, ns;
};

static int parse(struct review_args *a, int argc, char **argv)
{
    struct cli_parse p;
    int id;
    size_t i;

    cli_parse_init(&p, argc, argv);
    while ((id = cli_next(&p, review_options, "review")) != CLI_END) {
        switch (id) {
        case CLI_BAD: return EXIT_ERROR;
        case CLI_POSITIONAL: a->stacks[a->ns++] = (char *)p.arg; break;
        case O_OUT: a->out = p.arg; break;
        case O_FORMAT:
            for (i = 0; i < 4 && strcmp(p.arg, format_names[i]); i++)
                ;
            if (i == 4)
                return cli_errorf("review: --format must be text, json, markdown or sarif, "
                                  "not '%s'", p.arg);
            a->fmt = (enum review_format)i;
            break;
        case O_FAIL_ON:
            if (!review_rank(p.arg))
                return cli_errorf("review: --fail-on must be low, medium, high or critical, "
                                  "not '%s'", p.arg);
            a->fail_on = p.arg;
            break;
        case O_AGAINST: a->against = p.arg; break;
        case O_RENDERED:
            if (!*p.arg)
                return cli_errorf("review: --rendered-dir needs a directory (. for the "
                                  "repository's root)");
            a->rendered = p.arg;
            break;
        case O_CONFIG: a->ro.config_path = p.arg; break;
        case O_PARAM: a->params[a->np++] = (char *)p.arg; break;
        case O_VERBOSE: a->ro.verbose = 1; break;
        case O_HELP: cli_usage("review", EXIT_DONE); return CLI_HELP_SHOWN;
        }
    }
    a->ro.overrides = a->params;
    a->ro.noverrides = a->np;
    a->ro.fmt = RENDER_JSON;
    return 0;
}

/* Append the invariants checked (a new array, stolen) to the report's. */
static void add_invariants(json_t *report, json_t *checked)
{
    json_array_extend(json_object_get(report, "invariants"), checked);
    json_decref(checked);
}

/* One rendered stack, kept until every stack is reviewed together. */
struct rendered {
    struct buf out;
    json_t *tpl;
    char file[4096 + RENDER_MAX_NAME + 16];
};

/* The file render writes for stack name into dir (--rendered-dir), as a
 * report names it: "out/NAME.json"; no "./" or doubled '/'. */
static void rendered_file(char *file, size_t n, const char *dir, const char *name)
{
    size_t len = strlen(dir);

    while (len > 1 && dir[len - 1] == '/')
        len--;
    if (len == 1 && dir[0] == '.')
        snprintf(file, n, "%s.json", name);
    else
        snprintf(file, n, "%.*s%s%s.json", (int)len, dir, dir[len - 1] == '/' ? "" : "/",
                 name);
}

/* Render target t into r and add the invariants it checks to report. A
 * description is shown as the file render writes (DIR/NAME.json, DIR
 * rendered_dir), a template file as itself; with against (--against), a
 * template file is held to against's invariants. in is what
 * review_add_stacks reads. */
static int render_one(json_t *report, const struct render_target *t,
                      const struct render_opts *o, const char *rendered_dir,
                      const struct render_target *against, struct rendered *r,
                      struct review_input *in, struct gen_err *e)
{
    struct render_opts plain = *o;
    json_t *checked = NULL;
    int rc;

    if (t->kind == RENDER_TEMPLATE_FILE && against) {
        plain.config_path = NULL;       /* -c and -p are for the --against stack */
        plain.noverrides = 0;
    }
    cli_watchdog(t->desc.name, CLI_WATCHDOG_SECONDS);
    rc = render_checked(t, &plain, &r->out, &r->tpl, NULL, &checked, e);
    if (rc == 0 && t->kind == RENDER_TEMPLATE_FILE && against) {
        json_decref(checked);
        checked = NULL;
        rc = render_invariants(against, o, r->tpl, &checked, e);
    }
    cli_watchdog(NULL, 0);
    if (t->kind == RENDER_TEMPLATE_FILE) {
        *in = (struct review_input){t->name, t->desc.name, t->desc.data, t->desc.len, r->tpl};
    } else {
        rendered_file(r->file, sizeof r->file, rendered_dir, t->name);
        *in = (struct review_input){t->name, r->file, r->out.data, r->out.len, r->tpl};
    }
    if (rc == 0 && checked)
        add_invariants(report, checked);
    else
        json_decref(checked);
    return rc;
}

/* Render every stack of set, then review them together (one system's
 * stacks see each other's roles). */
static int review_set(json_t *report, const struct render_set *set, const struct render_opts *o,
                      const char *rendered_dir, const struct render_target *against,
                      struct gen_err *e)
{
    struct rendered *r = calloc(set->n ? set->n : 1, sizeof *r);
    struct review_input *in = calloc(set->n ? set->n : 1, sizeof *in);
    size_t i;
    int rc = r && in ? 0 : err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");

    for (i = 0; r && i < set->n; i++)
        buf_init(&r[i].out);
    for (i = 0; rc == 0 && i < set->n; i++)
        rc = render_one(report, &set->v[i], o, rendered_dir, against, &r[i], &in[i], e);
    if (rc == 0)
        rc = review_add_stacks(report, in, set->n, e);
    for (i = 0; r && i < set->n; i++) {
        json_decref(r[i].tpl);
        buf_free(&r[i].out);
    }
    free(r);
    free(in);
    return rc;
}

/* --against STACK: exactly one description, of the system -c/-p are for. */
static int resolve_against(const struct review_args *a, struct render_set *s,
                           struct gen_err *e)
{
    int rc = render_resolve(s, a->against, e);

    if (rc == 0 && (s->n != 1 || s->v[0].kind != RENDER_DESCRIPTION))
        rc = err_set(e, GEN_EINPUT, NULL, 0, "review: --against names one stack with a "
                     "description (its invariants), not '%s'", a->against);
    return rc;
}

static int format(const json_t *report, enum review_format fmt, int color, struct buf *out,
                  struct gen_err *e)
{
    switch (fmt) {
    case FMT_JSON: return report_json(report, out, e);
    case FMT_MARKDOWN: return report_markdown(report, out, e);
    case FMT_SARIF: return report_sarif(report, out, e);
    default: return report_text(report, color, out, e);
    }
}

/* Colour for text on a terminal, unless NO_COLOR is set (no-color.org). */
static int want_color(const struct review_args *a)
{
    const char *nc = getenv("NO_COLOR");

    return a->fmt == FMT_TEXT && !a->out && isatty(1) && !(nc && *nc);
}

static int review_all(struct review_args *a)
{
    struct render_set set = { 0 }, against = { 0 };
    struct gen_err e;
    struct buf out;
    json_t *report = review_new(LUAFORM_VERSION);
    int rc = 0;

    buf_init(&out);
    if (!report)
        rc = err_set(&e, GEN_ENOMEM, NULL, 0, "out of memory");
    if (rc == 0)
        rc = render_select(&set, a->stacks, a->ns, &e);
    if (rc == 0 && a->against)
        rc = resolve_against(a, &against, &e);
    if (rc == 0)
        rc = a->against ? render_scope(&against, 1, &a->ro, &e)
                        : render_scope(&set, a->ns > 0, &a->ro, &e);
    if (rc == 0)
        rc = review_set(report, &set, &a->ro, a->rendered ? a->rendered : "out",
                        a->against ? &against.v[0] : NULL, &e);
    if (rc == 0) {
        review_finish(report);
        rc = format(report, a->fmt, want_color(a), &out, &e);
    }
    if (rc == 0 && a->out)
        rc = files_write_atomic(a->out, out.data ? out.data : "", out.len, &e);
    else if (rc == 0)
        fwrite(out.data ? out.data : "", 1, out.len, stdout);
    if (rc < 0)
        cli_error(&e);
    else if (a->fail_on && review_fails(report, a->fail_on))
        rc = -1;
    buf_free(&out);
    json_decref(report);
    render_set_free(&set);
    render_set_free(&against);
    return rc < 0 ? EXIT_ERROR : EXIT_DONE;
}

int cmd_review(int argc, char **argv)
{
    struct review_args a;
    int code = EXIT_ERROR;

    memset(&a, 0, sizeof a);
    a.params = calloc((size_t)argc, sizeof *a.params);
    a.stacks = calloc((size_t)argc, sizeof *a.stacks);
    if (!a.params || !a.stacks) {
        code = cli_errorf("out of memory");
    } else {
        code = parse(&a, argc, argv);
        if (code == CLI_HELP_SHOWN)
            code = EXIT_DONE;
        else if (code == 0)
            code = review_all(&a);
    }
    free(a.params);
    free(a.stacks);
    return code;
}
