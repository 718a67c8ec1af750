/* deploy_args.c: the arguments plan and deploy share, turned into rendered
 * deploy targets and a client; and the one-stack arguments of delete and
 * wait. */
#include "cli/deploy_args.h"
#include "core/err.h"
#include "core/interrupt.h"

#include <stdlib.h>
#include <string.h>

const struct cli_opt stack_options[] = {
    { "stack-name", 0, 1, STACK_OPT_NAME }, { "config", 'c', 1, STACK_OPT_CONFIG },
    { "param", 'p', CLI_REPEAT, STACK_OPT_PARAM },
    { "parameter", 0, CLI_REPEAT, STACK_OPT_PARAMETER },
    { "tags", 0, CLI_REPEAT, STACK_OPT_TAGS }, { "cfn-role-arn", 0, 1, STACK_OPT_CFN_ROLE },
    { "s3-bucket", 0, 1, STACK_OPT_S3_BUCKET }, { "verbose", 'v', 0, STACK_OPT_VERBOSE },
    { NULL, 0, 0, 0 }
};

static int init(struct deploy_args *d, const char *cmd, int argc)
{
    size_t n = (size_t)argc + 1;

    memset(d, 0, sizeof *d);
    d->cmd = cmd;
    d->stacks = calloc(n, sizeof *d->stacks);
    d->params = calloc(n, sizeof *d->params);
    d->parameters = calloc(n, sizeof *d->parameters);
    d->tags = calloc(n, sizeof *d->tags);
    if (!d->stacks || !d->params || !d->parameters || !d->tags)
        return cli_errorf("out of memory");
    d->ro.overrides = d->params;
    d->over.parameters = d->parameters;
    d->over.tags = d->tags;
    return 0;
}

/* Take a positional, a stack option or an AWS option: 0, or EXIT_ERROR. */
static int take(struct deploy_args *d, int id, const char *arg)
{
    char *a = (char *)arg;      /* argv's own strings, for render_opts' char *const * */

    switch (id) {
    case CLI_POSITIONAL: d->stacks[d->nstacks++] = arg; break;
    case STACK_OPT_NAME: d->over.stack_name = arg; break;
    case STACK_OPT_CONFIG: d->ro.config_path = arg; break;
    case STACK_OPT_PARAM: d->params[d->ro.noverrides++] = a; break;
    case STACK_OPT_PARAMETER: d->parameters[d->over.nparameters++] = arg; break;
    case STACK_OPT_TAGS: d->tags[d->over.ntags++] = arg; break;
    case STACK_OPT_CFN_ROLE: d->over.role_arn = arg; break;
    case STACK_OPT_S3_BUCKET: d->over.s3_bucket = arg; break;
    case STACK_OPT_VERBOSE: d->ro.verbose = 1; break;
    default: return cli_aws_option(id, arg, d->cmd, &d->ao);
    }
    return 0;
}

struct parsing {
    struct deploy_args *d;
    int *set;
};

static int take_any(void *ctx, int id, const char *arg)
{
    struct parsing *p = ctx;

    if (id > 0 && id < STACK_OPT_NAME) {
        p->set[id] = 1;
        p->d->flag_arg[id] = arg;
        return 0;
    }
    return take(p->d, id, arg);
}

int deploy_args_parse(struct deploy_args *d, const char *cmd, int argc, char **argv,
                      const struct cli_opt *flags, int *set)
{
    const struct cli_opt *const tables[] = { flags, stack_options, cli_aws_options,
                                             cli_help_options, NULL };
    struct parsing p = { d, set };

    if (init(d, cmd, argc) != 0)
        return EXIT_ERROR;
    return cli_parse_args(argc, argv, cmd, tables, take_any, &p);
}

/* Render target i and make it a deploy target. */
static int render_one(struct deploy_args *d, size_t i)
{
    struct gen_err e;
    int rc;

    buf_init(&d->bodies[i]);
    cli_watchdog(d->set.v[i].desc.name, CLI_WATCHDOG_SECONDS);
    rc = render_render(&d->set.v[i], &d->ro, &d->bodies[i], &d->tpls[i], &d->settings[i], &e);
    cli_watchdog(NULL, 0);
    if (rc < 0)
        return cli_error(&e);
    if (deploy_target_init(&d->targets[i], d->set.v[i].name, d->bodies[i].data,
                           d->bodies[i].len, d->tpls[i], d->settings[i], &d->over, &e) < 0) {
        err_prefix(&e, "%s", d->cmd);
        return cli_error(&e);
    }
    return 0;
}

/* One client for all the stacks: they must agree on the region. */
static int one_region(struct deploy_args *d)
{
    size_t i;

    for (i = 0; i < d->n; i++) {
        const char *r = d->targets[i].region;

        if (r && d->ao.default_region && strcmp(r, d->ao.default_region))
            return cli_errorf("%s: the stacks are in different regions (%s, %s): deploy them "
                              "one by one", d->cmd, d->ao.default_region, r);
        if (r)
            d->ao.default_region = r;
    }
    return 0;
}

int deploy_args_prepare(struct deploy_args *d)
{
    struct gen_err e;
    size_t i;

    if (d->nstacks == 0)
        return cli_errorf("%s: which stack? (a description file, a built-in stack or a "
                          "system; see 'luaform render --list')", d->cmd);
    if (render_select(&d->set, (char *const *)d->stacks, d->nstacks, &e) < 0 ||
        render_scope(&d->set, 1, &d->ro, &e) < 0)
        return cli_error(&e);
    for (i = 0; i < d->set.n && !d->over.stack_name; i++)
        if (d->set.v[i].kind == RENDER_TEMPLATE_FILE)
            return cli_errorf("%s: '%s' is a template file: name its stack with --stack-name",
                              d->cmd, d->set.v[i].desc.name);
    if (d->over.stack_name && d->set.n > 1)
        return cli_errorf("%s: --stack-name names one stack, but %zu are selected", d->cmd,
                          d->set.n);
    d->targets = calloc(d->set.n, sizeof *d->targets);
    d->bodies = calloc(d->set.n, sizeof *d->bodies);
    d->tpls = calloc(d->set.n, sizeof *d->tpls);
    d->settings = calloc(d->set.n, sizeof *d->settings);
    if (!d->targets || !d->bodies || !d->tpls || !d->settings)
        return cli_errorf("out of memory");
    for (d->n = 0; d->n < d->set.n; d->n++)
        if (render_one(d, d->n) != 0)
            return EXIT_ERROR;
    if (one_region(d) != 0)
        return EXIT_ERROR;
    if (aws_new(&d->ao, &d->aws, &e) < 0)
        return cli_error(&e);
    interrupt_catch();
    return 0;
}

void deploy_args_free(struct deploy_args *d)
{
    size_t i;

    for (i = 0; i < d->set.n && d->targets; i++) {
        deploy_target_free(&d->targets[i]);
        buf_free(&d->bodies[i]);
        json_decref(d->tpls[i]);
        json_decref(d->settings[i]);
    }
    free(d->targets);
    free(d->bodies);
    free(d->tpls);
    free(d->settings);
    render_set_free(&d->set);
    aws_free(d->aws);
    free(d->stacks);
    free(d->params);
    free(d->parameters);
    free(d->tags);
}

/* ------------------------------------------------------------ delete, wait */

struct stack_parsing {
    struct stack_args *s;
    const char *cmd;
};

static int take_stack(void *ctx, int id, const char *arg)
{
    struct stack_parsing *p = ctx;
    struct stack_args *s = p->s;

    if (id == STACK_OPT_YES)
        s->yes = 1;
    else if ((id == CLI_POSITIONAL || id == STACK_OPT_NAME) && s->stack)
        return cli_errorf("%s: one stack only: give it with --stack-name NAME", p->cmd);
    else if (id == CLI_POSITIONAL || id == STACK_OPT_NAME)
        s->stack = arg;
    else
        return cli_aws_option(id, arg, p->cmd, &s->ao);
    return 0;
}

int stack_args_parse(struct stack_args *s, const char *cmd, int argc, char **argv,
                     const struct cli_opt *own, struct aws **a)
{
    const struct cli_opt *const tables[] = { own, cli_aws_options, cli_help_options, NULL };
    struct stack_parsing p = { s, cmd };
    struct gen_err e;
    int rc;

    memset(s, 0, sizeof *s);
    if ((rc = cli_parse_args(argc, argv, cmd, tables, take_stack, &p)) != 0)
        return rc;
    if (!s->stack)
        return cli_errorf("%s: give the stack with --stack-name NAME", cmd);
    if (aws_new(&s->ao, a, &e) < 0)
        return cli_error(&e);
    interrupt_catch();
    return 0;
}
