/* process.h: credentials from a profile's credential_process, run with
 * /bin/sh -c as the CLI v2 runs it; its stdout is the JSON document
 * {"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken",
 * "Expiration"}. The output (secrets) is wiped and never quoted; stderr is
 * quoted, on one line and cut short, in the errors. */
#ifndef LUAFORM_PROCESS_H
#define LUAFORM_PROCESS_H

#include <time.h>

struct cred_creds;
struct gen_err;

/* The setting that names the command, for errors. */
struct process_source {
    const char *label;        /* "profile 'x': credential_process" */
    const char *file;         /* where the setting is, and its line */
    int line;
    const char *command;
};

/* Run the command and fill out (empty on entry) with what it printed.
 * GEN_ECRED when it fails, prints too much or prints something else than
 * unexpired credentials (the errors name file:line). */
int process_credentials(const struct process_source *src, time_t now,
                        struct cred_creds *out, struct gen_err *e);

#endif
