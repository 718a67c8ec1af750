/* cmd_render.c: luaform render. */
#include "core/buf.h"
#include "cli/cli.h"
#include "cli/outputs.h"
#include "core/err.h"
#include "template/render.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char render_usage[] =
    "usage: luaform render [STACK...] [-o DIR] [--format json|yaml]\n"
    "                      [-c CONFIG.yaml] [-p KEY=VALUE]... [--check] [--list] [-v]\n"
    "\n"
    "A STACK is a description file (path/to/name.lua), a built-in stack, a\n"
    "system name (ltbase) selecting all its stacks, or a CloudFormation\n"
    "template file (name.json, .yaml, .yml or .template), which is checked\n"
    "and written again in canonical form (-c and -p do not apply to it).\n"
    "With no STACK, every built-in stack is rendered. Stack NAME is written\n"
    "to DIR/NAME.json (or .yaml), atomically; nothing is written if any\n"
    "stack fails.\n"
    "\n"
    "  -o, --out DIR        output directory (default: out)\n"
    "      --format FMT     json (default) or yaml\n"
    "  -c, --config FILE    YAML config (default: the system's example config)\n"
    "  -p KEY=VALUE         override one config value (a.b=c for nested keys)\n"
    "      --check          write nothing; exit 2 if DIR differs from what\n"
    "                       would be rendered\n"
    "      --list           list the built-in systems and stacks\n"
    "  -v, --verbose        add a Lua traceback to errors\n"
    "\n"
    "Exit status: 0 done, 1 error, 2 stale (--check).\n";

enum { O_OUT = 1, O_FORMAT, O_CONFIG, O_PARAM, O_CHECK, O_LIST, O_VERBOSE, O_HELP };

static const struct cli_opt render_options[] = {
    { "out", 'o', 1, O_OUT }, { "format", 0, 1, O_FORMAT },
    { "config", 'c', 1, O_CONFIG }, { "param", 'p', CLI_REPEAT, O_PARAM },
    { "check", 0, 0, O_CHECK }, { "list", 0, 0, O_LIST },
    { "verbose", 'v', 0, O_VERBOSE }, { "help", 'h', 0, O_HELP },
    { NULL, 0, 0, 0 }
};

static int list_stacks(void)
{
    struct render_set all = { 0 };
    struct gen_err e;
    const char *sys = "";
    size_t i;

    if (render_all(&all, &e) < 0) {
        render_set_free(&all);
        return cli_error(&e);
    }
    for (i = 0; i < all.n; i++) {
        if (strcmp(sys, all.v[i].system)) {
            sys = all.v[i].system;
            printf("%s%s\n", i ? "\n" : "", sys);
        }
        printf("  %-22s %s\n", all.v[i].name, all.v[i].summary);
    }
    render_set_free(&all);
    return EXIT_DONE;
}

/* Is path the very file t was read from (a template file rendered into
 * its own directory in its own format)? Its comments would be lost. */
static int is_input(const char *path, const struct render_target *t)
{
    struct stat a, b;

    return t->kind == RENDER_TEMPLATE_FILE && stat(path, &a) == 0 &&
           stat(t->desc.name, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Files in dir with our extension that no stack rendered. */
static int extra_files(const char *dir, const struct render_set *set, const char *ext)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int extra = 0;
    size_t i, el = strlen(ext);

    if (!d)
        return 0;
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        int known = 0;

        if (de->d_name[0] == '.' || n <= el + 1 || de->d_name[n - el - 1] != '.' ||
            strcmp(de->d_name + n - el, ext))
            continue;
        for (i = 0; i < set->n; i++)
            if (strlen(set->v[i].name) == n - el - 1 &&
                !strncmp(set->v[i].name, de->d_name, n - el - 1))
                known = 1;
        if (!known) {
            printf("stale: %s/%s (no stack renders it)\n", dir, de->d_name);
            extra = 1;
        }
    }
    closedir(d);
    return extra;
}

/* The outputs: stack NAME in NAME.EXT (the names are kept in names). */
static struct cli_output *outputs_of(const struct render_set *set, const struct buf *outs,
                                     enum render_format fmt, char (*names)[RENDER_MAX_NAME + 8])
{
    struct cli_output *v = calloc(set->n ? set->n : 1, sizeof *v);
    size_t i;

    for (i = 0; v && i < set->n; i++) {
        snprintf(names[i], sizeof names[i], "%s.%s", set->v[i].name, render_ext(fmt));
        v[i].name = names[i];
        v[i].data = &outs[i];
    }
    return v;
}

/* A template file rendered into its own directory in its own format
 * would lose its comments: refused before anything is written. */
static int over_input(const char *dir, const struct render_set *set, enum render_format fmt)
{
    char path[4400];
    size_t i;

    for (i = 0; i < set->n; i++) {
        snprintf(path, sizeof path, "%s/%s.%s", dir, set->v[i].name, render_ext(fmt));
        if (is_input(path, &set->v[i]))
            return cli_errorf("render: %s would be written over its own input: give -o another "
                              "directory", path);
    }
    return 0;
}

int cmd_render(int argc, char **argv)
{
    struct cli_parse p;
    struct render_opts o;
    struct render_set set = { 0 };
    struct buf *outs = NULL;
    struct cli_output *files = NULL;
    char (*names)[RENDER_MAX_NAME + 8] = NULL;
    struct gen_err e;
    const char *dir = "out";
    char **params = NULL, **stacks = NULL;
    int np = 0, ns = 0, check = 0, id, code = EXIT_ERROR, stale = 0, rc;
    size_t i;

    memset(&o, 0, sizeof o);
    params = calloc((size_t)argc, sizeof *params);
    stacks = calloc((size_t)argc, sizeof *stacks);
    if (!params || !stacks)
        goto done;
    cli_parse_init(&p, argc, argv);
    while ((id = cli_next(&p, render_options, "render")) != CLI_END) {
        switch (id) {
        case CLI_BAD: goto done;
        case CLI_POSITIONAL: stacks[ns++] = (char *)p.arg; break;
        case O_OUT: dir = p.arg; break;
        case O_FORMAT:
            if (!strcmp(p.arg, "json")) o.fmt = RENDER_JSON;
            else if (!strcmp(p.arg, "yaml")) o.fmt = RENDER_YAML;
            else {
                cli_errorf("render: --format must be json or yaml, not '%s'", p.arg);
                goto done;
            }
            break;
        case O_CONFIG: o.config_path = p.arg; break;
        case O_PARAM: params[np++] = (char *)p.arg; break;
        case O_CHECK: check = 1; break;
        case O_LIST: code = list_stacks(); goto done;
        case O_VERBOSE: o.verbose = 1; break;
        case O_HELP: code = cli_usage("render", EXIT_DONE); goto done;
        }
    }
    o.overrides = params;
    o.noverrides = np;
    if (render_select(&set, stacks, ns, &e) < 0 || render_scope(&set, ns > 0, &o, &e) < 0) {
        cli_error(&e);
        goto done;
    }
    /* Render everything first: nothing is written if any stack fails. */
    outs = calloc(set.n ? set.n : 1, sizeof *outs);
    if (!outs)
        goto done;
    for (i = 0; i < set.n; i++) {
        buf_init(&outs[i]);
        cli_watchdog(set.v[i].desc.name, CLI_WATCHDOG_SECONDS);
        rc = render_render(&set.v[i], &o, &outs[i], NULL, NULL, &e);
        cli_watchdog(NULL, 0);
        if (rc < 0) {
            cli_error(&e);
            goto done;
        }
    }
    names = calloc(set.n ? set.n : 1, sizeof *names);
    if (!names || !(files = outputs_of(&set, outs, o.fmt, names)))
        goto done;
    if (check) {
        stale = outputs_check(dir, files, set.n, "render");
        if (ns == 0 && extra_files(dir, &set, render_ext(o.fmt)))
            stale = 1;
    } else if (over_input(dir, &set, o.fmt) || outputs_write(dir, files, set.n) < 0) {
        goto done;
    }
    if (check && stale)
        fprintf(stderr, "luaform: %s is stale: run 'luaform render' and commit the result\n", dir);
    code = stale ? EXIT_STALE : EXIT_DONE;
done:
    for (i = 0; outs && i < set.n; i++)
        buf_free(&outs[i]);
    free(outs);
    free(files);
    free(names);
    render_set_free(&set);
    free(params);
    free(stacks);
    return code;
}
