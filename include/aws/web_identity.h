/* web_identity.h: credentials for a role from an OIDC token, through STS
 * AssumeRoleWithWebIdentity (unsigned: the token is the credential): the
 * token read from a file (AWS_WEB_IDENTITY_TOKEN_FILE, EKS, ...) or asked
 * of GitHub Actions (ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN, for the
 * audience sts.amazonaws.com). Tokens are wiped after use and never
 * quoted. The network calls go through struct cred_sts. */
#ifndef LUAFORM_WEB_IDENTITY_H
#define LUAFORM_WEB_IDENTITY_H

struct cred_creds;
struct cred_sts;
struct gen_err;

struct web_identity_role {
    const char *label;          /* prefix of error messages */
    const char *role_arn;
    const char *session_name;
    int duration;               /* seconds; 0: STS default */
};

/* The token in token_file (trailing white space dropped). GEN_EIO when
 * the file cannot be read, GEN_ECRED when it is empty, else what the STS
 * call returned. out arrives empty and is left so on failure. */
int web_identity_from_file(const struct cred_sts *sts, const struct web_identity_role *r,
                           const char *token_file, struct cred_creds *out,
                           struct gen_err *e);

/* The GitHub Actions OIDC token of this job. GEN_ECRED when the variables
 * are gone or the token request is refused (the job needs "permissions:
 * id-token: write"). */
int web_identity_github(const struct cred_sts *sts, const struct web_identity_role *r,
                        struct cred_creds *out, struct gen_err *e);

#endif
