/* cli.c: one table dispatches commands (after git.c); the only place that
 * prints errors and picks exit codes. */
#include "cli/cli.h"
#include "aws/aws.h"
#include "core/err.h"
#include "core/files.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct cli_cmd {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
    const char *usage;
};

static const struct cli_cmd commands[] = {
    { "render", cmd_render, "render stacks into CloudFormation templates", render_usage },
    { "review", cmd_review, "render stacks and review who may do what, with findings",
      review_usage },
    { "drift", cmd_drift, "compare the deployed stacks with what the repository says",
      drift_usage },
    { "plan", cmd_plan, "create a change set and show what it would change", plan_usage },
    { "deploy", cmd_deploy, "plan, confirm, execute and wait until the stack settles",
      deploy_usage },
    { "delete", cmd_delete, "delete a stack and wait until it is gone", delete_usage },
    { "wait", cmd_wait, "wait for a stack operation (started elsewhere) to finish",
      wait_usage },
    { "workflows", cmd_workflows, "generate the GitHub Actions workflows that check a system",
      workflows_usage },
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

/* "luaform: LABELmessage" on stderr, one line, after stdout's lines. */
static void say(const char *label, const char *fmt, va_list ap)
{
    char raw[2048], line[2048];

    vsnprintf(raw, sizeof raw, fmt, ap);
    err_escape(line, sizeof line, raw);
    fflush(stdout);     /* the message comes after what it belongs to */
    fprintf(stderr, "luaform: %s%s\n", label, line);
}

int cli_errorf(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    say("", fmt, ap);
    va_end(ap);
    return EXIT_ERROR;
}

int cli_confirm(const char *question)
{
    char line[16];

    printf("%s [y/N] ", question);
    fflush(stdout);
    if (!fgets(line, sizeof line, stdin))
        return 0;
    return line[0] == 'y' || line[0] == 'Y';
}

void cli_warnf(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    say("warning: ", fmt, ap);
    va_end(ap);
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

/* The option a names in tables (n: the length of a long name), or NULL. */
static const struct cli_opt *find_opt(const struct cli_opt *const *tables, const char *a,
                                      size_t n)
{
    const struct cli_opt *o;
    size_t t;

    for (t = 0; tables[t]; t++)
        for (o = tables[t]; o->id; o++)
            if (a[1] == '-' ? o->lng && strlen(o->lng) == n && !strncmp(o->lng, a + 2, n) :
                o->shrt == a[1])
                return o;
    return NULL;
}

int cli_next(struct cli_parse *p, const struct cli_opt *opts, const char *cmd)
{
    const struct cli_opt *const tables[] = { opts, NULL };

    return cli_next_in(p, tables, cmd);
}

/* "--check" or "-o" after an option that takes a value is a forgotten
 * value; "-" and "-1" are values (a number is checked by its option). */
static int looks_like_option(const char *a)
{
    return a[0] == '-' && a[1] && !(a[1] >= '0' && a[1] <= '9');
}

/* Was o given before (then remember it)? A value given twice is a typo or
 * a script's mistake: which one was meant? */
static int seen_before(struct cli_parse *p, const struct cli_opt *o)
{
    int i;

    for (i = 0; i < p->nseen; i++)
        if (p->seen[i] == o)
            return 1;
    if (p->nseen < CLI_MAX_SEEN)
        p->seen[p->nseen++] = o;
    return 0;
}

int cli_next_in(struct cli_parse *p, const struct cli_opt *const *tables, const char *cmd)
{
    const char *a, *eq;
    const struct cli_opt *o;
    size_t n = 0;

    if (p->i >= p->argc)
        return CLI_END;
    a = p->argv[p->i++];
    if (p->only_positional || a[0] != '-' || !a[1]) {
        p->arg = a;
        return CLI_POSITIONAL;
    }
    if (!strcmp(a, "--")) {
        p->only_positional = 1;
        return cli_next_in(p, tables, cmd);
    }
    if (a[1] == '-') {
        eq = strchr(a + 2, '=');
        n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
    } else {
        eq = a[2] ? a + 1 : NULL;   /* -ovalue */
    }
    o = find_opt(tables, a, n);
    if (!o) {
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
    } else if (p->i < p->argc && !looks_like_option(p->argv[p->i])) {
        p->arg = p->argv[p->i++];
    } else {
        /* '-o --check' is a forgotten value, not a directory '--check'
         * (a value that starts with '-' is given as --opt=VALUE) */
        cli_errorf("%s: option '%s' needs a value%s%s%s", cmd, a,
                   p->i < p->argc ? " (not the option '" : "",
                   p->i < p->argc ? p->argv[p->i] : "", p->i < p->argc ? "')" : "");
        return CLI_BAD;
    }
    if (o->has_arg != CLI_REPEAT && seen_before(p, o)) {
        cli_errorf("%s: option '%s' is given twice", cmd, a);
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

int cli_parse_args(int argc, char **argv, const char *cmd, const struct cli_opt *const *tables,
                   int (*take)(void *ctx, int id, const char *arg), void *ctx)
{
    struct cli_parse p;
    int id;

    cli_parse_init(&p, argc, argv);
    while ((id = cli_next_in(&p, tables, cmd)) != CLI_END) {
        if (id == CLI_BAD)
            return EXIT_ERROR;
        if (id == CLI_HELP)
            return cli_usage(cmd, EXIT_DONE) == EXIT_DONE ? CLI_HELP_SHOWN : EXIT_ERROR;
        if (take(ctx, id, p.arg) != 0)
            return EXIT_ERROR;
    }
    return 0;
}

const struct cli_opt cli_help_options[] = {
    { "help", 'h', 0, CLI_HELP }, { NULL, 0, 0, 0 }
};

const struct cli_opt cli_aws_options[] = {
    { "region", 0, 1, CLI_AWS_REGION }, { "profile", 0, 1, CLI_AWS_PROFILE },
    { "endpoint-url", 0, 1, CLI_AWS_ENDPOINT }, { "role-arn", 0, 1, CLI_AWS_ROLE_ARN },
    { "max-attempts", 0, 1, CLI_AWS_MAX_ATTEMPTS }, { "debug", 0, 0, CLI_AWS_DEBUG },
    { NULL, 0, 0, 0 }
};

int cli_aws_option(int id, const char *arg, const char *cmd, struct aws_opts *o)
{
    switch (id) {
    case CLI_AWS_REGION: o->region = arg; break;
    case CLI_AWS_PROFILE: o->profile = arg; break;
    case CLI_AWS_ENDPOINT: o->endpoint_url = arg; break;
    case CLI_AWS_ROLE_ARN: o->role_arn = arg; break;
    case CLI_AWS_MAX_ATTEMPTS:
        if (aws_parse_attempts(arg, &o->max_attempts) < 0)
            return cli_errorf("%s: --max-attempts takes a number from 1 to %d, not '%s'",
                              cmd, AWS_ATTEMPTS_MAX, arg);
        break;
    case CLI_AWS_DEBUG: o->debug = 1; break;
    }
    return 0;
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
