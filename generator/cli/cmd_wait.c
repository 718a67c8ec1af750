/* cmd_wait.c: luaform wait: follow a stack operation started elsewhere (or
 * by a luaform that was interrupted) until it ends. */
#include "cli/cli.h"
#include "cli/deploy_args.h"
#include "cli/print_deploy.h"
#include "core/err.h"
#include "deploy/deploy.h"

const char wait_usage[] =
    "usage: luaform wait [--stack-name] N [AWS OPTIONS]\n"
    "\n"
    "Streams the stack's new events until it settles. Exit 0 when it settles\n"
    "in a successful state (or is deleted, when it was being deleted), 1 when\n"
    "it failed or rolled back.\n"
    CLI_AWS_HELP
    "\n"
    "Exit status: 0 done, 1 error.\n";

static const struct cli_opt wait_options[] = {
    { "stack-name", 0, 1, STACK_OPT_NAME }, { NULL, 0, 0, 0 }
};

int cmd_wait(int argc, char **argv)
{
    struct stack_args s;
    struct print_deploy pr;
    struct deploy_sink sink = print_deploy_init(&pr, 0);
    struct aws *a = NULL;
    struct gen_err e;
    int rc = stack_args_parse(&s, "wait", argc, argv, wait_options, &a);

    if (rc == 0) {
        rc = deploy_wait(a, s.stack, &sink, &e);
        if (rc < 0)
            rc = cli_error(&e);
        else if (rc == DEPLOY_GONE)
            rc = cli_errorf("stack %s no longer exists", s.stack);
        else if (rc == DEPLOY_FAILED && pr.failed)
            rc = cli_errorf("%s ended in %s", s.stack, pr.status);
        else
            rc = rc == DEPLOY_OK ? EXIT_DONE : EXIT_ERROR;
    }
    aws_free(a);
    return rc == CLI_HELP_SHOWN ? EXIT_DONE : rc;
}
