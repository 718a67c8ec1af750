/* cli.h: command dispatch, option parsing, messages and exit codes. */
#ifndef LUAFORM_CLI_H
#define LUAFORM_CLI_H

struct gen_err;
struct aws_opts;

enum cli_exit {
    EXIT_DONE = 0,      /* done */
    EXIT_ERROR = 1,     /* error (bad input, failed deploy, ...) */
    EXIT_STALE = 2      /* render --check: out/ is stale; drift: drifted */
};

struct cli_opt {
    const char *lng;    /* "format" for --format */
    char shrt;          /* 'o' for -o, 0 for none */
    int has_arg;        /* 0, 1 (a value, at most once) or CLI_REPEAT */
    int id;             /* returned by cli_next */
};

#define CLI_REPEAT 2    /* has_arg: takes a value and may be given again (-p) */
#define CLI_MAX_SEEN 64

struct cli_parse {
    int argc;
    char **argv;
    int i;              /* next argv index */
    const char *arg;    /* the option's argument, or the positional */
    int only_positional;
    const struct cli_opt *seen[CLI_MAX_SEEN];   /* options with a value given so far */
    int nseen;
};

enum { CLI_END = -1, CLI_POSITIONAL = -2, CLI_BAD = -3 };

/* What an argument parser returns after printing --help: the command
 * then exits 0. */
#define CLI_HELP_SHOWN (-1)

void cli_parse_init(struct cli_parse *p, int argc, char **argv);
/* Next option id, CLI_POSITIONAL (p->arg), CLI_END, or CLI_BAD (message
 * printed: an option not in the table is an error naming cmd and it). */
int cli_next(struct cli_parse *p, const struct cli_opt *opts, const char *cmd);
/* The same over several tables (NULL-terminated; ids must differ), so
 * commands share tables such as cli_aws_options instead of copying them. */
int cli_next_in(struct cli_parse *p, const struct cli_opt *const *tables, const char *cmd);

/* -h, --help (id CLI_HELP), for commands that take their tables apart. */
enum { CLI_HELP = 99 };
extern const struct cli_opt cli_help_options[];

/* Parse all of argv with tables (cli_help_options among them: --help
 * prints cmd's usage): take(ctx, id, arg) for each option and positional
 * (CLI_POSITIONAL) returns 0, or EXIT_ERROR with the message printed.
 * Returns 0, CLI_HELP_SHOWN or EXIT_ERROR. */
int cli_parse_args(int argc, char **argv, const char *cmd, const struct cli_opt *const *tables,
                   int (*take)(void *ctx, int id, const char *arg), void *ctx);

/* The connection options of every command that talks to AWS, their ids
 * (from CLI_AWS_OPT) and their help text. */
enum {
    CLI_AWS_OPT = 100, CLI_AWS_REGION = CLI_AWS_OPT, CLI_AWS_PROFILE, CLI_AWS_ENDPOINT,
    CLI_AWS_ROLE_ARN, CLI_AWS_MAX_ATTEMPTS, CLI_AWS_DEBUG, CLI_AWS_END
};
extern const struct cli_opt cli_aws_options[];
#define CLI_AWS_HELP \
    "\n" \
    "AWS options:\n" \
    "      --region R       else AWS_REGION, AWS_DEFAULT_REGION, the profile's\n" \
    "      --profile P      else AWS_PROFILE\n" \
    "      --endpoint-url U else AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL\n" \
    "      --role-arn ARN   assume this role (GitHub Actions: keyless, OIDC)\n" \
    "      --max-attempts N attempts per request (else AWS_MAX_ATTEMPTS, 3)\n" \
    "      --debug          trace requests (secrets redacted)\n"
/* Take option id (one of cli_aws_options) with its argument into o.
 * Returns 0, or EXIT_ERROR with the message printed. */
int cli_aws_option(int id, const char *arg, const char *cmd, struct aws_opts *o);

/* "luaform: file:line: message" on stderr; returns EXIT_ERROR. */
int cli_error(const struct gen_err *e);
int cli_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "luaform: warning: message" on stderr, after what stdout holds so far. */
void cli_warnf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Ask question on the terminal (stdout flushed first); 1 for yes. */
int cli_confirm(const char *question);
/* Usage for a command to f; returns code. */
int cli_usage(const char *cmd, int code);

int cli_main(int argc, char **argv);

/* End the process with "luaform: WHAT: time limit exceeded" unless
 * cli_watchdog(NULL, 0) comes within seconds. Nothing has been written
 * when a render is stopped this way. A last resort for a description stuck
 * in one C call (the Lua host bounds everything else by instructions and
 * memory), so far above any real render; LUAFORM_WATCHDOG_SECONDS (tests)
 * replaces the seconds. */
#define CLI_WATCHDOG_SECONDS 30
void cli_watchdog(const char *what, unsigned seconds);

/* On SIGINT, SIGTERM, SIGHUP or SIGQUIT, remove the temp files staged by
 * files_stage, then die of the signal as before. */
void cli_remove_temps_on_signal(void);

/* commands, each in cmd_NAME.c with its NAME_usage[] */
extern const char render_usage[], review_usage[], plan_usage[], drift_usage[], deploy_usage[],
    delete_usage[], wait_usage[], workflows_usage[];
int cmd_render(int argc, char **argv);
int cmd_review(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_drift(int argc, char **argv);
int cmd_deploy(int argc, char **argv);
int cmd_delete(int argc, char **argv);
int cmd_wait(int argc, char **argv);
int cmd_workflows(int argc, char **argv);

#endif
