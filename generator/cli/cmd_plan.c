/* cmd_plan.c: luaform plan: a change set for each STACK, shown and left
 * for review (or discarded). */
#include "cli/cli.h"
#include "cli/deploy_args.h"
#include "cli/print_deploy.h"
#include "core/err.h"
#include "deploy/deploy.h"

#include <stdio.h>
#include <string.h>

const char plan_usage[] =
    "usage: luaform plan STACK... [--stack-name N] [--format text|json] [--discard]\n"
    "                    [STACK OPTIONS] [AWS OPTIONS]\n"
    "\n"
    "Render STACK, create a CloudFormation change set for it, wait until it is\n"
    "ready and print its changes (action, logical id, type, replacement,\n"
    "changed properties) and its IAM changes. The change set is left for\n"
    "review unless --discard is given.\n"
    "\n"
    "      --format FMT     text (default) or json: the change set, its changes\n"
    "                       and its IAM diff as JSON (--json is the same)\n"
    "      --discard        delete the change set after printing it\n"
    STACK_OPTIONS_HELP
    CLI_AWS_HELP
    "\n"
    "Exit status: 0 done, 1 error.\n";

enum { PLAN_JSON = 1, PLAN_DISCARD, PLAN_FORMAT };

static const struct cli_opt plan_options[] = {
    { "json", 0, 0, PLAN_JSON }, { "discard", 0, 0, PLAN_DISCARD },
    { "format", 0, 1, PLAN_FORMAT }, { NULL, 0, 0, 0 }
};

struct plan_cmd {
    struct deploy_args args;
    int set[PLAN_FORMAT + 1];   /* set[PLAN_JSON], set[PLAN_DISCARD], set[PLAN_FORMAT] */
};

/* Plan one target; leave its change set, or discard it. */
static int plan_one(struct plan_cmd *c, const struct deploy_target *t,
                    const struct deploy_sink *sink)
{
    struct deploy_plan p;
    struct gen_err e;
    int rc = EXIT_DONE;

    if (deploy_plan(c->args.aws, t, sink, &p, &e) < 0)
        return cli_error(&e);
    if (c->set[PLAN_DISCARD]) {
        if (deploy_discard(c->args.aws, t, &p, sink, &e) < 0)
            rc = cli_error(&e);
    } else if (!c->set[PLAN_JSON] && !p.no_changes) {
        printf("change set %s left for review; execute it with 'luaform deploy' "
               "or discard it with 'luaform plan --discard'\n", print_text(p.change_set));
    }
    deploy_plan_free(&p);
    return rc;
}

int cmd_plan(int argc, char **argv)
{
    struct plan_cmd c = { 0 };
    struct print_deploy pr;
    struct deploy_sink sink;
    size_t i;
    int rc = deploy_args_parse(&c.args, "plan", argc, argv, plan_options, c.set);

    if (rc == 0 && c.set[PLAN_FORMAT]) {
        const char *f = c.args.flag_arg[PLAN_FORMAT];

        if (!strcmp(f, "json"))
            c.set[PLAN_JSON] = 1;
        else if (strcmp(f, "text"))
            rc = cli_errorf("plan: --format must be text or json, not '%s'", f);
        else if (c.set[PLAN_JSON])
            rc = cli_errorf("plan: --json and --format text say different things");
    }
    if (rc == 0)
        rc = deploy_args_prepare(&c.args);
    sink = print_deploy_init(&pr, c.set[PLAN_JSON]);
    for (i = 0; rc == 0 && i < c.args.n; i++)
        rc = plan_one(&c, &c.args.targets[i], &sink);
    deploy_args_free(&c.args);
    return rc == CLI_HELP_SHOWN ? EXIT_DONE : rc;
}
