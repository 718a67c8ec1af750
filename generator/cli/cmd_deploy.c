/* cmd_deploy.c: luaform deploy: plan each STACK, confirm, execute, and
 * follow it until the stack settles. */
#include "cli/cli.h"
#include "cli/deploy_args.h"
#include "cli/print_deploy.h"
#include "core/err.h"
#include "core/interrupt.h"
#include "deploy/deploy.h"

#include <stdio.h>
#include <unistd.h>

const char deploy_usage[] =
    "usage: luaform deploy STACK... [--stack-name N] [--yes] [STACK OPTIONS] [AWS OPTIONS]\n"
    "\n"
    "Render each STACK, create a change set, show it, ask (on a terminal;\n"
    "otherwise --yes is required), execute it and stream the stack's events\n"
    "until it settles; print its outputs. A system name (ltbase) deploys its\n"
    "stacks in order. No changes: exit 0 and the empty change set is removed.\n"
    "Ctrl-C stops waiting (CloudFormation goes on; 'luaform wait' reattaches);\n"
    "before the change set is executed, it stops the deploy.\n"
    "\n"
    "  -y, --yes            do not ask before executing\n"
    STACK_OPTIONS_HELP
    CLI_AWS_HELP
    "\n"
    "Exit status: 0 done, 1 error (also a failed or rolled back deploy).\n";

enum { DEPLOY_YES = 1 };

static const struct cli_opt deploy_options[] = {
    { "yes", 'y', 0, DEPLOY_YES }, { NULL, 0, 0, 0 }
};

/* The exit code for how an execution ended (its events are printed). */
static int outcome(int rc, const struct deploy_target *t, const struct print_deploy *pr,
                   const struct gen_err *e)
{
    if (rc < 0)
        return cli_error(e);
    if (rc == DEPLOY_FAILED)
        return cli_errorf("deploy of %s failed: %s", t->stack, pr->status);
    if (rc == DEPLOY_GONE)
        return cli_errorf("stack %s no longer exists", t->stack);
    return rc == DEPLOY_OK ? EXIT_DONE : EXIT_ERROR;    /* interrupted: said */
}

static int deploy_one(struct deploy_args *d, int yes, const struct deploy_target *t,
                      const struct deploy_sink *sink, const struct print_deploy *pr)
{
    struct deploy_plan p;
    struct gen_err e;
    int rc;

    if (deploy_plan(d->aws, t, sink, &p, &e) < 0)
        return cli_error(&e);
    if (!p.no_changes && !yes && !cli_confirm("Execute this change set?") &&
        !interrupt_pending()) {
        deploy_discard(d->aws, t, &p, NULL, &e);
        printf("not deployed; change set deleted\n");
        deploy_plan_free(&p);
        return EXIT_ERROR;
    }
    rc = outcome(deploy_execute(d->aws, t, &p, sink, &e), t, pr, &e);
    deploy_plan_free(&p);
    return rc;
}

int cmd_deploy(int argc, char **argv)
{
    struct deploy_args d;
    struct print_deploy pr;
    struct deploy_sink sink;
    size_t i;
    int set[DEPLOY_YES + 1] = { 0 }, yes;
    int rc = deploy_args_parse(&d, "deploy", argc, argv, deploy_options, set);

    yes = set[DEPLOY_YES];
    if (rc == 0 && !yes && !isatty(0))
        rc = cli_errorf("deploy: standard input is not a terminal: pass --yes to deploy "
                        "without a prompt");
    if (rc == 0)
        rc = deploy_args_prepare(&d);
    sink = print_deploy_init(&pr, 0);
    for (i = 0; rc == 0 && i < d.n; i++)
        rc = deploy_one(&d, yes, &d.targets[i], &sink, &pr);
    deploy_args_free(&d);
    return rc == CLI_HELP_SHOWN ? EXIT_DONE : rc;
}
