/* credentials.h: find AWS credentials the way the AWS CLI v2 (botocore) does.
 *
 * Chain, first match wins (botocore's create_credential_resolver):
 *   1. environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 *      AWS_SESSION_TOKEN (or AWS_SECURITY_TOKEN), AWS_CREDENTIAL_EXPIRATION;
 *      skipped when --profile was given
 *   2. the profile's role_arn: AssumeRole from source_profile (chained,
 *      loops refused) or from credential_source = Environment
 *   3. web identity: web_identity_token_file + role_arn, each key taken
 *      from AWS_WEB_IDENTITY_TOKEN_FILE / AWS_ROLE_ARN /
 *      AWS_ROLE_SESSION_NAME first (not with --profile), else the profile
 *   4. static keys of the profile in the credentials file
 *   5. the profile's credential_process (run with /bin/sh -c)
 *   6. static keys of the profile in the config file
 *   7. GitHub Actions OIDC, only with --role-arn and only when 1-6 found
 *      nothing: the runner's token for audience sts.amazonaws.com,
 *      exchanged with AssumeRoleWithWebIdentity for --role-arn.
 * When 1-6 found credentials and --role-arn is given, the result is
 * AssumeRole(--role-arn) signed with them.
 *
 * The profile and the shared files are read as profile.h says; the
 * sources that run a command or exchange a token are process.h and
 * web_identity.h.
 *
 * This module makes no network calls: the caller passes struct cred_sts.
 * Secrets (secret keys, session tokens, web identity and GitHub tokens)
 * never appear in an error or a description, and are wiped when freed.
 * Not thread-safe: one provider per thread. */
#ifndef LUAFORM_CREDENTIALS_H
#define LUAFORM_CREDENTIALS_H

#include <time.h>

struct buf;
struct gen_err;
struct profile;

/* Refresh credentials that expire within this many seconds. */
#define CRED_REFRESH_WINDOW 300

/* One set of credentials. All strings are malloc'd and owned by the
 * struct; session_token is NULL when there is none. A zeroed struct is
 * empty. */
struct cred_creds {
    char *access_key_id;
    char *secret_access_key;
    char *session_token;
    time_t expiration;          /* 0 = never expires */
};

/* Replace c's contents with copies of the arguments (token may be NULL).
 * Returns 0 or GEN_ENOMEM (c is then empty). */
int cred_creds_set(struct cred_creds *c, const char *access_key_id,
                   const char *secret_access_key, const char *session_token,
                   time_t expiration, struct gen_err *e);

/* After an STS callback returned r having filled got: on success (and got
 * complete) move got into out and return 0; else clear got and return a
 * negative gen_code (GEN_EINTERNAL for an incomplete answer or a positive
 * r), e filled. */
int cred_take(int r, struct cred_creds *got, struct cred_creds *out, struct gen_err *e);

/* Wipe and free the strings; c becomes empty. Safe on an empty struct. */
void cred_creds_clear(struct cred_creds *c);

/* The network, supplied by the AWS client layer. Every callback:
 *  - gets ctx as its first argument; all pointer arguments are borrowed
 *    for the duration of the call;
 *  - returns 0 on success, or a negative enum gen_code with e filled
 *    (GEN_ENET for transport, GEN_EAWS for an STS error answer). The
 *    message must not contain secrets: never quote a token or a key;
 *  - for the STS calls, fills out (which arrives empty) with
 *    cred_creds_set() from the Credentials element of the answer,
 *    Expiration parsed to a time_t. On failure out may be left half
 *    filled: this module clears it.
 * A callback that is NULL makes the source that needs it fail with
 * GEN_EINTERNAL. */
struct cred_sts {
    void *ctx;

    /* STS AssumeRole signed with base. session_name is never NULL;
     * external_id is NULL to omit ExternalId; duration_seconds is 0 to
     * omit DurationSeconds (STS default, one hour). */
    int (*assume_role)(void *ctx, const struct cred_creds *base,
                       const char *role_arn, const char *session_name,
                       const char *external_id, int duration_seconds,
                       struct cred_creds *out, struct gen_err *e);

    /* STS AssumeRoleWithWebIdentity, unsigned. token is the OIDC JWT
     * (a secret); other arguments as for assume_role. */
    int (*assume_role_web_identity)(void *ctx, const char *token,
                                    const char *role_arn,
                                    const char *session_name,
                                    int duration_seconds,
                                    struct cred_creds *out,
                                    struct gen_err *e);

    /* HTTPS GET url with "Authorization: Bearer <bearer>" (bearer is a
     * secret; never log it). On any HTTP answer return 0 with *status set
     * and the response body appended to body (an initialised buf owned by
     * this module, which wipes it); return negative only when no answer
     * came (transport error). */
    int (*http_get)(void *ctx, const char *url, const char *bearer,
                    long *status, struct buf *body, struct gen_err *e);
};

/* What the command line says. All strings borrowed during cred_new(),
 * which copies them; NULL = not given. */
struct cred_opts {
    const char *profile;            /* --profile */
    const char *role_arn;           /* --role-arn: role to assume */
    const char *role_session_name;  /* NULL: "luaform-<unix time>" */
    const char *role_external_id;   /* ExternalId for --role-arn */
    int role_duration_seconds;      /* for --role-arn; 0 = STS default */
};

struct cred_provider;

/* Read the shared files and make a provider; no credentials are fetched
 * yet (cred_get() does that). *sts is copied. Fails with GEN_EINPUT when
 * a file does not parse (e->file and e->line name the place, e.g.
 * "~/.aws/config", 12), when the profile was named (--profile or
 * AWS_PROFILE) but exists in neither file, and GEN_EIO when a file exists
 * but cannot be read. */
int cred_new(const struct cred_opts *o, const struct cred_sts *sts,
             struct cred_provider **out, struct gen_err *e);

/* Wipe and free. cred_free(NULL) is safe. */
void cred_free(struct cred_provider *p);

/* Credentials to sign a request made at time now (production:
 * time(NULL)). The first call walks the chain and remembers which source
 * answered; later calls return the cached credentials unless they expire
 * within CRED_REFRESH_WINDOW seconds of now, and then ask the same source
 * again (environment re-read, process re-run, token file re-read, GitHub
 * token re-fetched, roles re-assumed). *out is borrowed: valid until the
 * next cred_get() or cred_free(). On failure *out is untouched and the
 * previous credentials stay cached.
 * Errors: GEN_ECRED "no AWS credentials found (tried: ...)" naming every
 * source and why it was skipped, or for a source that is configured but
 * broken; GEN_EINPUT for a bad setting (with file and line); GEN_EIO for
 * an unreadable token file; whatever a cred_sts callback returned, its
 * message prefixed with the step. */
int cred_get(struct cred_provider *p, time_t now,
             const struct cred_creds **out, struct gen_err *e);

/* Append a one-line account of where the credentials come from, for
 * --debug: source, profile, file, roles, the access key id with all but
 * its last 4 characters masked, the expiration. No secrets. */
void cred_describe(const struct cred_provider *p, struct buf *b);

/* The profile in use ("default" when none was named). */
const char *cred_profile_name(const struct cred_provider *p);

/* The profile and shared files the provider read (region.h and
 * endpoints.h read them too); NULL when p is NULL. */
const struct profile *cred_profile(const struct cred_provider *p);

/* t as "2026-11-22T18:56:50Z", for messages. */
void cred_time_text(time_t t, char *out, size_t n);

#endif
