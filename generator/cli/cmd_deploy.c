/* cmd_deploy.c: luaform deploy: plan each STACK, confirm, execute, and
 * follow it until the stack settles. */
#include "cli/cli.h"
#include "cli/deploy_args.h"
#include "cli/print_deploy.h"
#include "core/err.h"
#include "core/interrupt.h"
#include "deploy/deploy.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char deploy_usage[] =
    "usage: luaform deploy STACK... [--stack-name N] [--yes]\n"
    "                      [--require-approval never|any-change|broadening]\n"
    "                      [STACK OPTIONS] [AWS OPTIONS]\n"
    "\n"
    "Render each STACK, create a change set, show it and its IAM changes (the\n"
    "deployed template's trust and permission statements against the new\n"
    "ones), ask (on a terminal; otherwise --yes is required), execute it and\n"
    "stream the stack's events until it settles; print its outputs. A system\n"
    "name (ltbase) deploys its stacks in order. No changes: exit 0 and the\n"
    "empty change set is removed. Ctrl-C stops waiting (CloudFormation goes\n"
    "on; 'luaform wait' reattaches); before the change set is executed, it\n"
    "stops the deploy.\n"
    "\n"
    "  -y, --yes            do not ask before executing (unless IAM changes\n"
    "                       need approval)\n"
    "      --require-approval MODE\n"
    "                       which IAM changes a person must approve, even with\n"
    "                       --yes: broadening (the default: a statement, role,\n"
    "                       principal or managed policy that grants more, a\n"
    "                       condition or Deny dropped), any-change, or never.\n"
    "                       Without a terminal such a change is refused and its\n"
    "                       change set left for review\n"
    STACK_OPTIONS_HELP
    CLI_AWS_HELP
    "\n"
    "Exit status: 0 done, 1 error (also a failed or rolled back deploy).\n";

enum { DEPLOY_YES = 1, DEPLOY_APPROVAL };

static const struct cli_opt deploy_options[] = {
    { "yes", 'y', 0, DEPLOY_YES }, { "require-approval", 0, 1, DEPLOY_APPROVAL },
    { NULL, 0, 0, 0 }
};

struct approval {
    int yes;                    /* --yes */
    enum deploy_approval mode;  /* --require-approval */
};

static int approval_mode(const char *arg, enum deploy_approval *mode)
{
    if (!arg || !strcmp(arg, "broadening"))
        *mode = DEPLOY_APPROVE_BROADENING;
    else if (!strcmp(arg, "any-change"))
        *mode = DEPLOY_APPROVE_ANY_CHANGE;
    else if (!strcmp(arg, "never"))
        *mode = DEPLOY_APPROVE_NEVER;
    else
        return cli_errorf("deploy: --require-approval takes never, any-change or broadening, "
                          "not '%s'", arg);
    return 0;
}

/* Go ahead with p? Asks on a terminal when the IAM changes need approval
 * (even with --yes, as cdk deploy) or without --yes; with no terminal to
 * ask, a change that needs approval is refused and its change set left. */
static int approved(const struct approval *ap, const struct deploy_target *t,
                    const struct deploy_plan *p)
{
    const char *what;

    if (p->no_changes)
        return 1;
    if (!deploy_needs_approval(p, ap->mode))
        return ap->yes || cli_confirm("Execute this change set?");
    what = !p->iam ? "IAM changes that could not be compared with the deployed template" :
           ap->mode == DEPLOY_APPROVE_ANY_CHANGE ? "IAM changes" :
           "IAM changes that broaden permissions";
    if (isatty(0)) {
        printf("This change set has %s (see above).\n", what);
        return cli_confirm("Execute it?");
    }
    cli_errorf("deploy: %s: change set %s has %s and no terminal is there to approve them; "
               "it is left for review (execute it by deploying with --require-approval never, "
               "or discard it with 'luaform plan --discard')", t->stack, p->change_set, what);
    return -1;
}

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

static int deploy_one(struct deploy_args *d, const struct approval *ap,
                      const struct deploy_target *t, const struct deploy_sink *sink,
                      const struct print_deploy *pr)
{
    struct deploy_plan p;
    struct gen_err e;
    int rc, ok;

    if (deploy_plan(d->aws, t, sink, &p, &e) < 0)
        return cli_error(&e);
    if ((ok = approved(ap, t, &p)) < 0) {
        deploy_plan_free(&p);
        return EXIT_ERROR;
    }
    if (!ok && !interrupt_pending()) {
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
    struct approval ap = { 0, DEPLOY_APPROVE_BROADENING };
    int set[DEPLOY_APPROVAL + 1] = { 0 };
    int rc = deploy_args_parse(&d, "deploy", argc, argv, deploy_options, set);

    ap.yes = set[DEPLOY_YES];
    if (rc == 0)
        rc = approval_mode(d.flag_arg[DEPLOY_APPROVAL], &ap.mode);
    if (rc == 0 && !ap.yes && !isatty(0))
        rc = cli_errorf("deploy: standard input is not a terminal: pass --yes to deploy "
                        "without a prompt");
    if (rc == 0)
        rc = deploy_args_prepare(&d);
    sink = print_deploy_init(&pr, 0);
    for (i = 0; rc == 0 && i < d.n; i++)
        rc = deploy_one(&d, &ap, &d.targets[i], &sink, &pr);
    deploy_args_free(&d);
    return rc == CLI_HELP_SHOWN ? EXIT_DONE : rc;
}
