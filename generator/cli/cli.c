/* cli.c: one table dispatches commands (after git.c); the only place that
 * prints errors and picks exit codes. */
#include "cli/cli.h"
#include "core/err.h"
#include "core/files.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define AWS_OPTIONS_HELP \
    "\n" \
    "AWS options:\n" \
    "      --stack-name N   the stack (default: the description's deploy{} name)\n" \
    "  -c, --config FILE    YAML config; -p KEY=VALUE overrides one value\n" \
    "      --region R       else AWS_REGION, AWS_DEFAULT_REGION, the profile's\n" \
    "      --profile P      else AWS_PROFILE\n" \
    "      --endpoint-url U else AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL\n" \
    "      --role-arn ARN   assume this role (GitHub Actions: keyless, OIDC)\n" \
    "      --cfn-role-arn A the CloudFormation service role for the change set\n" \
    "      --s3-bucket B    where templates over 51,200 bytes are uploaded\n" \
    "      --max-attempts N attempts per request (else AWS_MAX_ATTEMPTS, 3)\n" \
    "      --debug          trace requests (secrets redacted)\n" \
    "\n" \
    "Exit status: 0 done, 1 error.\n"

struct cli_cmd {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
    const char *usage;
};

static const struct cli_cmd commands[] = {
    { "render", cmd_render, "render stacks into CloudFormation templates",
      "usage: luaform render [STACK...] [-o DIR] [--format json|yaml]\n"
      "                      [-c CONFIG.yaml] [-p KEY=VALUE]... [--check] [--list] [-v]\n"
      "\n"
      "A STACK is a description file (path/to/name.lua), a built-in stack, or\n"
      "a system name (ltbase) selecting all its stacks. With no STACK, every\n"
      "built-in stack is rendered. Stack NAME is written to DIR/NAME.json\n"
      "(or .yaml), atomically; nothing is written if any stack fails.\n"
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
      "Exit status: 0 done, 1 error, 2 stale (--check).\n" },
    { "plan", cmd_plan, "create a change set and show what it would change",
      "usage: luaform plan STACK [--stack-name N] [--json] [--discard] [AWS OPTIONS]\n"
      "\n"
      "Render STACK, create a CloudFormation change set for it, wait until it is\n"
      "ready and print its changes (action, logical id, type, replacement,\n"
      "changed properties) and its IAM changes. The change set is left for\n"
      "review unless --discard is given.\n"
      "\n"
      "      --json           print the change set as JSON\n"
      "      --discard        delete the change set after printing it\n"
      AWS_OPTIONS_HELP },
    { "deploy", cmd_deploy, "plan, confirm, execute and wait until the stack settles",
      "usage: luaform deploy STACK... [--stack-name N] [--yes] [AWS OPTIONS]\n"
      "\n"
      "Render each STACK, create a change set, show it, ask (on a terminal;\n"
      "otherwise --yes is required), execute it and stream the stack's events\n"
      "until it settles; print its outputs. A system name (ltbase) deploys its\n"
      "stacks in order. No changes: exit 0 and the empty change set is removed.\n"
      "\n"
      "  -y, --yes            do not ask before executing\n"
      AWS_OPTIONS_HELP },
    { "delete", cmd_delete, "delete a stack and wait until it is gone",
      "usage: luaform delete --stack-name N [--yes] [AWS OPTIONS]\n"
      "\n"
      "Refuses a stack with termination protection; lists the resources the\n"
      "stack retains (DeletionPolicy Retain), which stay in the account.\n"
      AWS_OPTIONS_HELP },
    { "wait", cmd_wait, "wait for a stack operation (started elsewhere) to finish",
      "usage: luaform wait --stack-name N [AWS OPTIONS]\n"
      "\n"
      "Streams the stack's new events until it settles. Exit 0 when it settles\n"
      "in a successful state, 1 when it failed or rolled back.\n"
      AWS_OPTIONS_HELP },
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static const char main_usage[] =
    "usage: luaform [--version] [--help] COMMAND [ARGS]\n"
    "\n"
    "Render, review and deploy CloudFormation stacks described in Lua.\n"
    "\n"
    "Commands:\n";

static void print_main_usage(FILE *f)
{
    size_t i;

    fputs(main_usage, f);
    for (i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fputs("\n'luaform help COMMAND' shows a command's options.\n"
          "Exit status: 0 done, 1 error, 2 stale or drifted.\n", f);
}

static const struct cli_cmd *find_cmd(const char *name)
{
    size_t i;

    for (i = 0; i < NCOMMANDS; i++)
        if (!strcmp(commands[i].name, name))
            return &commands[i];
    return NULL;
}

int cli_usage(const char *cmd, int code)
{
    const struct cli_cmd *c = find_cmd(cmd);
    FILE *f = code == EXIT_DONE ? stdout : stderr;

    if (c)
        fputs(c->usage, f);
    else
        print_main_usage(f);
    return code;
}

int cli_error(const struct gen_err *e)
{
    char line[2048];

    err_format(e, line, sizeof line);
    fflush(stdout);
    fprintf(stderr, "luaform: %s\n", line);
    return EXIT_ERROR;
}

int cli_errorf(const char *fmt, ...)
{
    char raw[2048], line[2048];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    err_escape(line, sizeof line, raw);
    fflush(stdout);     /* the error comes after what it belongs to */
    fprintf(stderr, "luaform: %s\n", line);
    return EXIT_ERROR;
}

/* The watchdog: the Lua host's limits stop a runaway description at its
 * line, but not one stuck inside a single C call (a pathological pattern,
 * table.move over 2^40 slots). The alarm ends the process with one line. */
static char watchdog_msg[512];

static void on_alarm(int sig)
{
    ssize_t w;

    (void)sig;
    w = write(2, watchdog_msg, strlen(watchdog_msg));
    (void)w;
    _exit(EXIT_ERROR);
}

void cli_watchdog(const char *what, unsigned seconds)
{
    const char *env = getenv("LUAFORM_WATCHDOG_SECONDS");

    if (!what) {
        alarm(0);
        return;
    }
    if (env && *env && atoi(env) > 0)
        seconds = (unsigned)atoi(env);
    snprintf(watchdog_msg, sizeof watchdog_msg, "luaform: %s: time limit exceeded "
             "(a runaway string or table function?)\n", what);
    signal(SIGALRM, on_alarm);
    alarm(seconds);
}

static void on_exit_signal(int sig)
{
    files_remove_temps();
    signal(sig, SIG_DFL);
    raise(sig);
}

void cli_remove_temps_on_signal(void)
{
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
    struct sigaction sa;
    size_t i;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_exit_signal;
    sigemptyset(&sa.sa_mask);
    for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &sa, NULL);
}

void cli_parse_init(struct cli_parse *p, int argc, char **argv)
{
    memset(p, 0, sizeof *p);
    p->argc = argc;
    p->argv = argv;
    p->i = 1;
}

int cli_next(struct cli_parse *p, const struct cli_opt *opts, const char *cmd)
{
    const char *a, *eq;
    const struct cli_opt *o;
    size_t n;

    if (p->i >= p->argc)
        return CLI_END;
    a = p->argv[p->i++];
    if (p->only_positional || a[0] != '-' || !a[1]) {
        p->arg = a;
        return CLI_POSITIONAL;
    }
    if (!strcmp(a, "--")) {
        p->only_positional = 1;
        return cli_next(p, opts, cmd);
    }
    if (a[1] == '-') {
        eq = strchr(a + 2, '=');
        n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        for (o = opts; o->id; o++)
            if (o->lng && strlen(o->lng) == n && !strncmp(o->lng, a + 2, n))
                break;
    } else {
        eq = a[2] ? a + 1 : NULL;   /* -ovalue */
        for (o = opts; o->id; o++)
            if (o->shrt == a[1])
                break;
    }
    if (!o->id) {
        cli_errorf("%s: unknown option '%s' (see 'luaform help %s')", cmd, a, cmd);
        return CLI_BAD;
    }
    if (!o->has_arg) {
        if (eq) {
            cli_errorf("%s: option '%s' takes no value", cmd, a);
            return CLI_BAD;
        }
        p->arg = NULL;
        return o->id;
    }
    if (eq) {
        p->arg = eq + 1;
    } else if (p->i < p->argc) {
        p->arg = p->argv[p->i++];
    } else {
        cli_errorf("%s: option '%s' needs a value", cmd, a);
        return CLI_BAD;
    }
    /* an unset variable in a script ('-o "$OUT"') must not mean '/' or
     * real AWS: no option takes an empty value */
    if (!*p->arg) {
        cli_errorf("%s: option '%s' needs a value, got an empty one", cmd, a);
        return CLI_BAD;
    }
    return o->id;
}

/* Flush stdout and report a failed write (a full disk, a closed pipe). */
static int finish(int code)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        if (errno != EPIPE)
            cli_errorf("cannot write to standard output: %s", strerror(errno));
        return EXIT_ERROR;
    }
    return code;
}

int cli_main(int argc, char **argv)
{
    const struct cli_cmd *c;

    if (argc < 2) {
        print_main_usage(stderr);
        return EXIT_ERROR;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        print_main_usage(stdout);
        return finish(EXIT_DONE);
    }
    if (!strcmp(argv[1], "--version")) {
        printf("luaform %s\n", LUAFORM_VERSION);
        return finish(EXIT_DONE);
    }
    if (!strcmp(argv[1], "help")) {
        if (argc > 2 && !find_cmd(argv[2]))
            return cli_errorf("no command '%s' (see 'luaform --help')", argv[2]);
        return finish(cli_usage(argc > 2 ? argv[2] : "", EXIT_DONE));
    }
    c = find_cmd(argv[1]);
    if (!c)
        return cli_errorf("'%s' is not a luaform command (see 'luaform --help')", argv[1]);
    return finish(c->fn(argc - 1, argv + 1));
}
