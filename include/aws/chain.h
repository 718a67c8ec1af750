/* chain.h: the first walk of the credential chain (credentials.h gives
 * the order): which source answers, recorded as a plan that credentials.c
 * asks again whenever the credentials need refreshing. The walk reads the
 * environment and the shared files only: no network, no command run. */
#ifndef LUAFORM_CHAIN_H
#define LUAFORM_CHAIN_H

#include <stddef.h>
#include <time.h>

#include "aws/credentials.h"

struct gen_err;
struct profile;

enum chain_source {
    CHAIN_NONE,
    CHAIN_ENV,        /* AWS_ACCESS_KEY_ID & co, re-read on refresh */
    CHAIN_STATIC,     /* keys from a file */
    CHAIN_PROCESS,    /* credential_process */
    CHAIN_WEBID,      /* token file + AssumeRoleWithWebIdentity */
    CHAIN_GITHUB      /* GitHub OIDC token + AssumeRoleWithWebIdentity */
};

/* One AssumeRole after the base. */
struct chain_hop {
    char *role_arn;
    char *session_name;
    char *external_id;      /* NULL = none */
    int duration;           /* 0 = STS default */
    char *why;              /* "profile 'x'" or "--role-arn" */
};

/* How to get the credentials again: the source found by the first walk. */
struct chain_plan {
    enum chain_source kind;
    char *what;             /* for cred_describe; no secrets */
    char *label;            /* prefix of error messages */
    char *file;             /* setting's file and line, for messages */
    int line;
    struct cred_creds statics;              /* CHAIN_STATIC */
    char *command;                          /* CHAIN_PROCESS */
    char *token_file;                       /* CHAIN_WEBID */
    char *role_arn;                         /* CHAIN_WEBID, CHAIN_GITHUB */
    char *session_name;
    int duration;
    struct chain_hop *hops;
    size_t nhops;
};

/* What the walk reads besides the environment: the profile and the
 * command line's role (all borrowed). */
struct chain_input {
    const struct profile *pf;
    const char *role_arn;           /* --role-arn, or NULL */
    const char *role_session_name;  /* NULL: "luaform-<unix time>" */
    const char *role_external_id;
    int role_duration;              /* 0: STS default */
};

/* Walk the chain at time now and fill pl (zeroed on entry). Errors: as
 * cred_get() says, GEN_ECRED "no AWS credentials found (tried: ...)"
 * naming every source and why it was skipped. On failure pl may be half
 * filled: chain_plan_clear() it. */
int chain_plan(const struct chain_input *in, time_t now, struct chain_plan *pl,
               struct gen_err *e);
void chain_plan_clear(struct chain_plan *pl);

/* Credentials from AWS_ACCESS_KEY_ID & co (botocore's EnvProvider: the
 * token is AWS_SECURITY_TOKEN, else AWS_SESSION_TOKEN): 0, 1 when
 * AWS_ACCESS_KEY_ID is unset, or a negative gen_code (errors prefixed with
 * label). */
int chain_env_creds(const char *label, struct cred_creds *out, struct gen_err *e);

#endif
