/* deploy_args.h: what plan and deploy share (the stack options, rendering
 * the STACKs into deploy targets, one AWS client), and what delete and
 * wait share (one stack by name). Each command keeps its own option table
 * and usage in its cmd_NAME.c; these tables are included, not copied. */
#ifndef LUAFORM_DEPLOY_ARGS_H
#define LUAFORM_DEPLOY_ARGS_H

#include "aws/aws.h"
#include "cli/cli.h"
#include "core/buf.h"
#include "deploy/deploy.h"
#include "template/render.h"

/* Options of plan and deploy besides the AWS ones (ids from 50). */
enum {
    STACK_OPT_NAME = 50, STACK_OPT_CONFIG, STACK_OPT_PARAM, STACK_OPT_PARAMETER,
    STACK_OPT_TAGS, STACK_OPT_CFN_ROLE, STACK_OPT_S3_BUCKET, STACK_OPT_VERBOSE,
    STACK_OPT_YES               /* delete's --yes */
};
extern const struct cli_opt stack_options[];
#define STACK_OPTIONS_HELP \
    "\n" \
    "Stack options:\n" \
    "      --stack-name N   the stack (default: the description's deploy{} name;\n" \
    "                       required for a template file)\n" \
    "  -c, --config FILE    YAML config (default: the system's example config)\n" \
    "  -p KEY=VALUE         override one config value (a.b=c for nested keys)\n" \
    "      --parameter K=V  a stack parameter, over deploy{}'s (repeatable)\n" \
    "      --tags K=V       a stack tag, over deploy{}'s (repeatable)\n" \
    "      --cfn-role-arn A the CloudFormation service role for the change set\n" \
    "      --s3-bucket B    where templates over 51,200 bytes are uploaded\n" \
    "  -v, --verbose        add a Lua traceback to errors\n"

/* plan's or deploy's arguments and, after deploy_args_prepare, what they
 * select: the targets, rendered, and the client to deploy them with. */
struct deploy_args {
    const char *cmd;
    const char **stacks;        /* STACK... */
    int nstacks;
    char **params;              /* -p */
    const char **parameters, **tags;  /* --parameter, --tags */
    struct render_opts ro;
    struct deploy_overrides over;
    struct aws_opts ao;
    const char *flag_arg[STACK_OPT_NAME];  /* the argument of a command flag that takes one */
    /* after deploy_args_prepare */
    struct render_set set;
    struct deploy_target *targets;
    struct buf *bodies;
    json_t **tpls, **settings;
    size_t n;
    struct aws *aws;
};

/* Parse plan's or deploy's arguments: the command's own flags (ids 1 to
 * STACK_OPT_NAME - 1; set[id] = 1 for each given, its argument in
 * d->flag_arg[id]), the stack options, the
 * AWS options and --help. Returns 0, CLI_HELP_SHOWN or EXIT_ERROR (message
 * printed); deploy_args_free in every case. */
int deploy_args_parse(struct deploy_args *d, const char *cmd, int argc, char **argv,
                      const struct cli_opt *flags, int *set);
/* Render every STACK into a target (sizes checked before any call), check
 * that they agree on the region, make the client, catch Ctrl-C.
 * 0, or EXIT_ERROR (message printed). */
int deploy_args_prepare(struct deploy_args *d);
void deploy_args_free(struct deploy_args *d);

/* delete's and wait's arguments: one stack (--stack-name N, or N). */
struct stack_args {
    const char *stack;
    int yes;                    /* delete's --yes */
    struct aws_opts ao;
};

/* Parse them with the command's own table (STACK_OPT_NAME, and for
 * delete STACK_OPT_YES), the AWS options and --help; make the client,
 * catching Ctrl-C. Returns 0, CLI_HELP_SHOWN after --help, or EXIT_ERROR. */
int stack_args_parse(struct stack_args *s, const char *cmd, int argc, char **argv,
                     const struct cli_opt *own, struct aws **a);

#endif
