/* web_identity.c: AssumeRoleWithWebIdentity with a token from a file or
 * from GitHub Actions; web_identity.h. */
#include "aws/web_identity.h"
#include "aws/credentials.h"
#include "aws/profile.h"
#include "aws/secret.h"
#include "core/buf.h"
#include "core/err.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#define MAX_TOKEN   (1u << 20)    /* a web identity token file */
#define MAX_ANSWER  (64u << 10)   /* GitHub's token answer */
#define GH_AUDIENCE "sts.amazonaws.com"

static int assume(const struct cred_sts *sts, const struct web_identity_role *r,
                  const char *token, struct cred_creds *out, struct gen_err *e)
{
    struct cred_creds got = {0};
    int rc;

    if (!sts->assume_role_web_identity)
        return err_set(e, GEN_EINTERNAL, NULL, 0, "%s: no STS client for "
                       "AssumeRoleWithWebIdentity", r->label);
    rc = sts->assume_role_web_identity(sts->ctx, token, r->role_arn, r->session_name,
                                       r->duration, &got, e);
    rc = cred_take(rc, &got, out, e);
    if (rc < 0)
        err_prefix(e, "%s: AssumeRoleWithWebIdentity %s", r->label, r->role_arn);
    return rc;
}

int web_identity_from_file(const struct cred_sts *sts, const struct web_identity_role *r,
                           const char *token_file, struct cred_creds *out,
                           struct gen_err *e)
{
    char *tok = NULL;
    size_t n = 0;
    int rc;

    rc = secret_read_file(token_file, token_file, MAX_TOKEN, "web identity token file",
                          &tok, &n, e);
    if (rc == 1)
        rc = err_set(e, GEN_EIO, NULL, 0, "cannot read web identity token file '%s': %s",
                     token_file, strerror(ENOENT));
    if (rc < 0) {
        err_prefix(e, "%s", r->label);
        return rc;
    }
    while (n && isspace((unsigned char)tok[n - 1]))
        tok[--n] = '\0';
    if (!n)
        rc = err_set(e, GEN_ECRED, NULL, 0, "%s: web identity token file '%s' is empty",
                     r->label, token_file);
    else
        rc = assume(sts, r, tok, out, e);
    secret_wipe(tok, n);
    free(tok);
    return rc;
}

/* GET the token answer from GitHub into body (reserved, wiped by the
 * caller); 0 only for an HTTP 200. The answer is never quoted: it may
 * carry a token. */
static int github_token_answer(const struct cred_sts *sts, const struct web_identity_role *r,
                               const char *url, const char *bearer, struct buf *body,
                               struct gen_err *e)
{
    struct buf full;
    long status = 0;
    int rc;

    buf_init(&full);
    buf_printf(&full, "%s%caudience=%s", url, strchr(url, '?') ? '&' : '?', GH_AUDIENCE);
    if (buf_failed(&full)) {
        buf_free(&full);
        return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    }
    rc = sts->http_get(sts->ctx, buf_cstr(&full), bearer, &status, body, e);
    buf_free(&full);
    if (rc != 0) {
        err_prefix(e, "%s: cannot fetch the token", r->label);
        return rc < 0 ? rc : GEN_EINTERNAL;
    }
    if (status != 200)
        return err_set(e, GEN_ECRED, NULL, 0, "%s: the token request was answered with "
                       "HTTP %ld (does the job have 'permissions: id-token: write'?)",
                       r->label, status);
    return 0;
}

int web_identity_github(const struct cred_sts *sts, const struct web_identity_role *r,
                        struct cred_creds *out, struct gen_err *e)
{
    const char *url = profile_env("ACTIONS_ID_TOKEN_REQUEST_URL");
    const char *bearer = profile_env("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
    struct buf body;
    json_t *root;
    json_error_t jerr;
    const char *tok;
    int rc;

    if (!url || !bearer)
        return err_set(e, GEN_ECRED, NULL, 0, "%s: %s is no longer set", r->label,
                       url ? "ACTIONS_ID_TOKEN_REQUEST_TOKEN" : "ACTIONS_ID_TOKEN_REQUEST_URL");
    if (!sts->http_get)
        return err_set(e, GEN_EINTERNAL, NULL, 0, "%s: no HTTP client", r->label);
    if (secret_buf_reserve(&body, MAX_ANSWER) < 0)
        return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    rc = github_token_answer(sts, r, url, bearer, &body, e);
    if (rc < 0) {
        secret_buf_wipe(&body);
        return rc;
    }
    root = json_loadb(body.data ? body.data : "", body.len, 0, &jerr);
    tok = json_string_value(json_object_get(root, "value"));
    if (!tok || !*tok)
        rc = err_set(e, GEN_ECRED, NULL, 0, "%s: the token answer has no \"value\"", r->label);
    else
        rc = assume(sts, r, tok, out, e);
    if (root) {
        secret_json_wipe(root);
        json_decref(root);
    }
    secret_buf_wipe(&body);
    return rc;
}
