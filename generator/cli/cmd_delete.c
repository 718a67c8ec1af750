/* cmd_delete.c: luaform delete: delete a stack, wait until it is gone,
 * and list what it leaves in the account. */
#include "cli/cli.h"
#include "cli/deploy_args.h"
#include "cli/print_deploy.h"
#include "core/err.h"
#include "deploy/deploy.h"

#include <stdio.h>
#include <unistd.h>

const char delete_usage[] =
    "usage: luaform delete [--stack-name] N [--yes] [AWS OPTIONS]\n"
    "\n"
    "Refuses a stack with termination protection; lists the resources the\n"
    "stack retains (DeletionPolicy Retain), which stay in the account.\n"
    "\n"
    "  -y, --yes            do not ask before deleting\n"
    CLI_AWS_HELP
    "\n"
    "Exit status: 0 done (also: no such stack), 1 error.\n";

static const struct cli_opt delete_options[] = {
    { "stack-name", 0, 1, STACK_OPT_NAME }, { "yes", 'y', 0, STACK_OPT_YES }, { NULL, 0, 0, 0 }
};

static int ask(const struct deploy_deletion *d)
{
    char q[300];

    snprintf(q, sizeof q, "Delete stack %s (%s)?", print_text(d->stack.name),
             print_text(d->stack.status));
    return cli_confirm(q);
}

/* Look, ask, delete, wait. */
static int delete_stack(struct aws *a, const struct stack_args *s)
{
    struct deploy_deletion d;
    struct print_deploy pr;
    struct deploy_sink sink = print_deploy_init(&pr, 0);
    struct gen_err e;
    int rc;

    if (deploy_delete_prepare(a, s->stack, &d, &e) < 0) {
        err_prefix(&e, "delete");
        rc = cli_error(&e);
    } else if (!d.stack.exists) {
        printf("%s: no such stack; nothing to delete\n", print_text(s->stack));
        rc = EXIT_DONE;
    } else if (!s->yes && !ask(&d)) {
        printf("not deleted\n");
        rc = EXIT_ERROR;
    } else {
        rc = deploy_delete(a, &d, &sink, &e);
        if (rc < 0)
            rc = cli_error(&e);
        else if (rc == DEPLOY_FAILED)
            rc = cli_errorf("%s ended in %s", s->stack, pr.status);
        else
            rc = rc == DEPLOY_OK ? EXIT_DONE : EXIT_ERROR;
    }
    deploy_deletion_free(&d);
    return rc;
}

int cmd_delete(int argc, char **argv)
{
    struct stack_args s;
    struct aws *a = NULL;
    int rc = stack_args_parse(&s, "delete", argc, argv, delete_options, &a);

    if (rc == 0 && !s.yes && !isatty(0))
        rc = cli_errorf("delete: standard input is not a terminal: pass --yes to delete "
                        "without a prompt");
    if (rc == 0)
        rc = delete_stack(a, &s);
    aws_free(a);
    return rc == CLI_HELP_SHOWN ? EXIT_DONE : rc;
}
