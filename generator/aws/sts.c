/* sts.c: STS for the credential chain and the account check; sts.h. */
#include "aws/sts.h"
#include "aws/aws.h"
#include "aws/credentials.h"
#include "aws/query.h"
#include "core/err.h"
#include "core/isotime.h"

#include <stdio.h>
#include <string.h>

static int creds_from(const struct xml_doc *d, const char *result,
                      struct cred_creds *out, struct gen_err *e)
{
    char path[128];
    const struct xml_node *c;
    const char *exp;
    time_t when = 0;

    snprintf(path, sizeof path, "%s/Credentials", result);
    c = xml_find(xml_root(d), path);
    if (!c || !xml_text(c, "AccessKeyId") || !xml_text(c, "SecretAccessKey"))
        return err_set(e, GEN_EAWS, NULL, 0, "STS answer without credentials");
    exp = xml_text(c, "Expiration");
    if (exp && isotime_parse(exp, &when, NULL) < 0)
        return err_set(e, GEN_EAWS, NULL, 0, "STS answer with a bad Expiration");
    return cred_creds_set(out, xml_text(c, "AccessKeyId"), xml_text(c, "SecretAccessKey"),
                          xml_text(c, "SessionToken"), when, e);
}

/* An AssumeRole* call: role, session name, one more parameter (the
 * external id, or the web identity token: a secret, wiped with the
 * parameters). */
static int assume(struct aws *a, const char *action, const char *role_arn,
                  const char *session_name, const char *key, const char *value,
                  unsigned flags, const struct cred_creds *base, int duration,
                  struct cred_creds *out, struct gen_err *e)
{
    struct query_params p;
    struct query_call c = { "sts", action, NULL, flags, base };
    struct xml_doc *d = NULL;
    char result[64];
    int rc;

    query_params_init(&p);
    query_param(&p, "RoleArn", role_arn);
    query_param(&p, "RoleSessionName", session_name);
    if (value)
        query_param(&p, key, value);
    if (duration)
        query_paramf(&p, "DurationSeconds", "%d", duration);
    c.params = &p;
    rc = query_send(a, &c, &d, NULL, e);
    query_params_free(&p);
    snprintf(result, sizeof result, "%sResult", action);
    if (rc == 0)
        rc = creds_from(d, result, out, e);
    xml_free(d);
    return rc;
}

static int assume_role(void *ctx, const struct cred_creds *base, const char *role_arn,
                       const char *session_name, const char *external_id, int duration,
                       struct cred_creds *out, struct gen_err *e)
{
    return assume(ctx, "AssumeRole", role_arn, session_name, "ExternalId", external_id, 0,
                  base, duration, out, e);
}

/* Unsigned by design: the token is the credential. */
static int assume_web(void *ctx, const char *token, const char *role_arn,
                      const char *session_name, int duration, struct cred_creds *out,
                      struct gen_err *e)
{
    return assume(ctx, "AssumeRoleWithWebIdentity", role_arn, session_name,
                  "WebIdentityToken", token, AWS_UNSIGNED, NULL, duration, out, e);
}

void sts_credential_calls(struct aws *a, struct cred_sts *out)
{
    memset(out, 0, sizeof *out);
    out->ctx = a;
    out->assume_role = assume_role;
    out->assume_role_web_identity = assume_web;
}

int aws_account(struct aws *a, char *out, size_t n, struct gen_err *e)
{
    struct xml_doc *d = NULL;
    const char *acct;
    int rc;

    rc = query_call(a, "sts", "GetCallerIdentity", NULL, &d, NULL, e);
    if (rc < 0)
        return rc;
    acct = xml_text(xml_root(d), "GetCallerIdentityResult/Account");
    if (!acct)
        rc = err_set(e, GEN_EAWS, NULL, 0, "GetCallerIdentity: no account in the answer");
    else
        snprintf(out, n, "%s", acct);
    xml_free(d);
    return rc;
}
