/* cmd_workflows.c: luaform workflows. */
#include "cli/cli.h"
#include "cli/outputs.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/files.h"
#include "template/render.h"
#include "workflow/workflow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char workflows_usage[] =
    "usage: luaform workflows SYSTEM [-o DIR] [--ci] [--deploy] [-c CONFIG.yaml]\n"
    "                         [-p workflows.KEY=VALUE]... [--check]\n"
    "\n"
    "Generate the GitHub Actions workflows that check SYSTEM (such as ltbase)\n"
    "in the repository that holds luaform and its config: each job builds\n"
    "luaform from the repository and runs it. Every workflow is written to\n"
    "DIR/KIND.yml, atomically; nothing is written if any fails. The same\n"
    "inputs give the same bytes. Settings come from the config's\n"
    "`workflows:` map (see the README's CI recipe).\n"
    "\n"
    "Workflows (none named: all of them):\n"
    "      --ci             ci.yml: on pull requests, merge queues, pushes and\n"
    "                       nightly: render --check and workflows --check,\n"
    "                       review (SARIF to code scanning, or markdown to the\n"
    "                       job summary), drift (when\n"
    "                       workflows.drift_role_secret is set)\n"
    "      --deploy         deploy.yml, for a system whose system.lua has a\n"
    "                       deploy_workflow (pennyworth): on pushes to the\n"
    "                       branch the deploy role trusts and by hand, luaform\n"
    "                       deploy with the role and values of the repository's\n"
    "                       secrets; none named: written when the system has one\n"
    "\n"
    "  -o, --out DIR        output directory (default: workflows.dir,\n"
    "                       .github/workflows)\n"
    "  -c, --config FILE    YAML config (default: the system's example\n"
    "                       config); the workflow passes it to luaform, so\n"
    "                       give its path from the repository's root, or set\n"
    "                       workflows.config\n"
    "  -p workflows.KEY=VALUE  override one workflows setting\n"
    "      --check          write nothing; exit 2 if DIR differs from what\n"
    "                       would be generated\n"
    "\n"
    "A file in DIR that is not the workflow luaform generated for SYSTEM\n"
    "(its first line, the workflow's name:, differs) is never replaced: an\n"
    "error, with --check too.\n"
    "\n"
    "Exit status: 0 done, 1 error, 2 stale (--check).\n";

enum { O_OUT = 1, O_CONFIG, O_PARAM, O_CHECK, O_HELP, O_KIND };

/* One selector per kind of workflow_kinds, by index: O_KIND + i. */
static const struct cli_opt workflows_options[] = {
    { "out", 'o', 1, O_OUT }, { "config", 'c', 1, O_CONFIG },
    { "param", 'p', CLI_REPEAT, O_PARAM }, { "check", 0, 0, O_CHECK },
    { "help", 'h', 0, O_HELP },
    { "ci", 0, 0, O_KIND + 0 }, { "deploy", 0, 0, O_KIND + 1 },
    { NULL, 0, 0, 0 }
};

#define MAX_KINDS 8

struct workflows_args {
    const char *system, *dir;
    int check, nkinds, named;   /* named: a kind was selected (--ci...) */
    int chosen[MAX_KINDS];      /* by index in workflow_kinds */
    struct render_opts ro;
    char **params;
    int np;
};

static int nkinds(void)
{
    int n = 0;

    while (workflow_kinds[n].name)
        n++;
    return n;
}

/* Returns 0, or an exit code to return at once. */
static int parse(struct workflows_args *a, int argc, char **argv)
{
    struct cli_parse p;
    int id, any = 0, i;

    cli_parse_init(&p, argc, argv);
    while ((id = cli_next(&p, workflows_options, "workflows")) != CLI_END) {
        switch (id) {
        case CLI_BAD: return EXIT_ERROR;
        case CLI_POSITIONAL:
            if (a->system)
                return cli_errorf("workflows: one SYSTEM at a time ('%s', then '%s')",
                                  a->system, p.arg);
            a->system = p.arg;
            break;
        case O_OUT: a->dir = p.arg; break;
        case O_CONFIG: a->ro.config_path = p.arg; break;
        case O_PARAM: a->params[a->np++] = (char *)p.arg; break;
        case O_CHECK: a->check = 1; break;
        case O_HELP: return cli_usage("workflows", EXIT_DONE) == EXIT_DONE ? -1 : EXIT_ERROR;
        default:
            a->chosen[id - O_KIND] = any = 1;
            break;
        }
    }
    if (!a->system)
        return cli_errorf("workflows: name the SYSTEM to check (see 'luaform render --list')");
    for (i = 0; !any && i < a->nkinds; i++)
        a->chosen[i] = 1;
    a->named = any;
    return 0;
}

/* SYSTEM must name a system: the stacks it selects are all its stacks. */
static int select_system(struct render_set *set, struct workflows_args *a, struct gen_err *e)
{
    int rc = render_resolve(set, a->system, e);

    if (rc < 0)
        return rc;
    if (set->n && set->v[0].kind == RENDER_DESCRIPTION && !strcmp(set->v[0].system, a->system))
        return render_scope(set, 1, &a->ro, e);
    if (set->n && set->v[0].kind == RENDER_DESCRIPTION && *set->v[0].system &&
        !strchr(a->system, '/') && !strstr(a->system, ".lua"))
        return err_set(e, GEN_EINPUT, NULL, 0, "workflows: '%s' is a stack of system '%s': "
                       "name the system", a->system, set->v[0].system);
    return err_set(e, GEN_EINPUT, NULL, 0, "workflows: '%s' is not a built-in system (see "
                   "'luaform render --list')", a->system);
}

/* DIR must be a directory (or not be there yet), and each file there that
 * an output would replace the workflow luaform generated for this system:
 * a hand-written ci.yml, or another system's, is never overwritten.
 * Returns 0, or EXIT_ERROR with the error printed. */
static int check_targets(const char *dir, const char *system, const struct cli_output *v,
                         size_t n)
{
    struct stat st;
    struct gen_err e;
    size_t i;

    if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode))
        return cli_errorf("workflows: '%s' is not a directory", dir);
    for (i = 0; i < n; i++) {
        char path[4400], *old = NULL;
        size_t len = 0;
        int rc, same;

        snprintf(path, sizeof path, "%s/%s", dir, v[i].name);
        rc = files_read(path, NULL, FILES_MAX_INPUT, FILES_MISSING_OK, &old, &len, &e);
        if (rc < 0)
            return cli_error(&e);
        if (rc == 1)
            continue;
        same = workflow_same_kind(old, len, v[i].data);
        free(old);
        if (!same)
            return cli_errorf("%s: not the workflow luaform generates for %s (its first line "
                              "is not '%.*s'): luaform does not replace it; move it away or "
                              "delete it", path, system, (int)strcspn(v[i].data->data, "\n"),
                              v[i].data->data);
    }
    return 0;
}

static int generate(struct workflows_args *a, const struct workflow_settings *s)
{
    struct cli_output files[MAX_KINDS];
    struct buf outs[MAX_KINDS];
    struct gen_err e;
    int i, n = 0, code = EXIT_ERROR;

    for (i = 0; i < a->nkinds; i++) {
        const struct workflow_kind *k = &workflow_kinds[i];

        if (!a->chosen[i])
            continue;
        if (k->applies && !k->applies(s)) {
            if (!a->named)
                continue;
            cli_errorf("workflows: system '%s' has no %s workflow (its system.lua has no "
                       "%s_workflow)", s->system, k->name, k->name);
            goto done;
        }
        buf_init(&outs[n]);
        files[n].name = workflow_kinds[i].file;
        files[n].data = &outs[n];
        n++;
        if (workflow_generate(&workflow_kinds[i], s, &outs[n - 1], &e) < 0) {
            cli_error(&e);
            goto done;
        }
    }
    if (check_targets(a->dir, s->system, files, (size_t)n) != 0) {
        code = EXIT_ERROR;
    } else if (a->check) {
        code = outputs_check(a->dir, files, (size_t)n, "luaform workflows") ? EXIT_STALE :
               EXIT_DONE;
        if (code == EXIT_STALE)
            fprintf(stderr, "luaform: %s is stale: run 'luaform workflows %s%s%s%s -o %s' and "
                    "commit the result\n", a->dir, a->system, a->ro.config_path ? " -c " : "",
                    a->ro.config_path ? a->ro.config_path : "", s->params, a->dir);
    } else if (outputs_write(a->dir, files, (size_t)n) == 0) {
        code = EXIT_DONE;
    }
done:
    for (i = 0; i < n; i++)
        buf_free(&outs[i]);
    return code;
}

int cmd_workflows(int argc, char **argv)
{
    struct workflows_args a;
    struct render_set set = { 0 };
    struct workflow_settings s = { 0 };
    struct gen_err e;
    int code = EXIT_ERROR, rc;

    memset(&a, 0, sizeof a);
    a.nkinds = nkinds();
    a.params = calloc((size_t)argc, sizeof *a.params);
    if (!a.params)
        return cli_errorf("out of memory");
    if ((rc = parse(&a, argc, argv)) != 0) {
        code = rc < 0 ? EXIT_DONE : rc;
        goto done;
    }
    if (select_system(&set, &a, &e) < 0 ||
        workflow_settings_load(&s, &set, &a.ro, a.params, a.np, &e) < 0) {
        cli_error(&e);
        goto done;
    }
    if (!a.dir)
        a.dir = s.dir;
    code = generate(&a, &s);
done:
    workflow_settings_free(&s);
    render_set_free(&set);
    free(a.params);
    return code;
}
