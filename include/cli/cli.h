/* cli.h: command dispatch, option parsing, messages and exit codes. */
#ifndef LUAFORM_CLI_H
#define LUAFORM_CLI_H

struct gen_err;

enum cli_exit {
    EXIT_DONE = 0,      /* done */
    EXIT_ERROR = 1,     /* error (bad input, failed deploy, ...) */
    EXIT_STALE = 2      /* render --check: out/ is stale; drift: drifted */
};

struct cli_opt {
    const char *lng;    /* "format" for --format */
    char shrt;          /* 'o' for -o, 0 for none */
    int has_arg;
    int id;             /* returned by cli_next */
};

struct cli_parse {
    int argc;
    char **argv;
    int i;              /* next argv index */
    const char *arg;    /* the option's argument, or the positional */
    int only_positional;
};

enum { CLI_END = -1, CLI_POSITIONAL = -2, CLI_BAD = -3 };

void cli_parse_init(struct cli_parse *p, int argc, char **argv);
/* Next option id, CLI_POSITIONAL (p->arg), CLI_END, or CLI_BAD (message
 * printed). */
int cli_next(struct cli_parse *p, const struct cli_opt *opts, const char *cmd);

/* "luaform: file:line: message" on stderr; returns EXIT_ERROR. */
int cli_error(const struct gen_err *e);
int cli_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
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

/* commands */
int cmd_render(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_deploy(int argc, char **argv);
int cmd_delete(int argc, char **argv);
int cmd_wait(int argc, char **argv);

#endif
