/* credentials.c: the AWS credential provider chain, after botocore's
 * create_credential_resolver; credentials.h gives the order. The shared
 * files are read by profile.c (ini.c), credential_process is run by
 * process.c, web identity tokens are exchanged by web_identity.c. */
#include "aws/credentials.h"
#include "aws/chain.h"
#include "aws/process.h"
#include "aws/profile.h"
#include "aws/secret.h"
#include "aws/web_identity.h"
#include "core/buf.h"
#include "core/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *xstrdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

static int nomem(struct gen_err *e)
{
    return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
}

/* ---- credentials ------------------------------------------------------- */

int cred_creds_set(struct cred_creds *c, const char *access_key_id,
                   const char *secret_access_key, const char *session_token,
                   time_t expiration, struct gen_err *e)
{
    char *a, *s, *t = NULL;

    if (!access_key_id || !secret_access_key) {
        cred_creds_clear(c);
        return err_set(e, GEN_EINTERNAL, NULL, 0,
                       "credentials without an access key id or secret key");
    }
    a = xstrdup(access_key_id);
    s = xstrdup(secret_access_key);
    if (session_token)
        t = xstrdup(session_token);
    if (!a || !s || (session_token && !t)) {
        secret_free(a);
        secret_free(s);
        secret_free(t);
        cred_creds_clear(c);
        return nomem(e);
    }
    cred_creds_clear(c);
    c->access_key_id = a;
    c->secret_access_key = s;
    c->session_token = t;
    c->expiration = expiration;
    return 0;
}

int cred_take(int r, struct cred_creds *got, struct cred_creds *out, struct gen_err *e)
{
    if (r == 0 && (!got->access_key_id || !got->secret_access_key))
        r = err_set(e, GEN_EINTERNAL, NULL, 0, "STS answer without credentials");
    if (r != 0) {
        cred_creds_clear(got);
        return r > 0 ? GEN_EINTERNAL : r;
    }
    *out = *got;
    memset(got, 0, sizeof *got);
    return 0;
}

void cred_creds_clear(struct cred_creds *c)
{
    if (!c)
        return;
    secret_free(c->access_key_id);
    secret_free(c->secret_access_key);
    secret_free(c->session_token);
    memset(c, 0, sizeof *c);
}

/* ---- time -------------------------------------------------------------- */

void cred_time_text(time_t t, char *out, size_t n)
{
    struct tm tm;

    if (!gmtime_r(&t, &tm) ||
        !strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(out, n, "%lld", (long long)t);
}

struct cred_provider {
    struct profile pf;      /* the profile and the shared files */
    char *role_arn;         /* --role-arn and friends */
    char *role_session_name;
    char *role_external_id;
    int role_duration;
    struct cred_sts sts;
    int planned;
    struct chain_plan plan;
    int have;
    struct cred_creds cache;
};

/* ---- fetching ---------------------------------------------------------- */


/* ---- fetching ---------------------------------------------------------- */

static int assume(struct cred_provider *p, const struct chain_hop *h,
                  const struct cred_creds *base, struct cred_creds *out,
                  struct gen_err *e)
{
    struct cred_creds got = {0};
    int r;

    if (!p->sts.assume_role)
        return err_set(e, GEN_EINTERNAL, NULL, 0, "assume role %s (%s): no "
                       "STS client", h->role_arn, h->why);
    r = p->sts.assume_role(p->sts.ctx, base, h->role_arn, h->session_name,
                           h->external_id, h->duration, &got, e);
    r = cred_take(r, &got, out, e);
    if (r < 0)
        err_prefix(e, "assume role %s (%s)", h->role_arn, h->why);
    return r;
}

/* Ask the planned source again and assume the roles after it. */
static int fetch(struct cred_provider *p, time_t now, struct cred_creds *out,
                 struct gen_err *e)
{
    const struct chain_plan *pl = &p->plan;
    struct cred_creds cur = {0}, next;
    char when[40];
    size_t i;
    int r = 0;

    switch (pl->kind) {
    case CHAIN_ENV:
        r = chain_env_creds(pl->label, &cur, e);
        if (r == 1)
            r = err_set(e, GEN_ECRED, NULL, 0, "%s: AWS_ACCESS_KEY_ID is no "
                        "longer set", pl->label);
        break;
    case CHAIN_STATIC:
        r = cred_creds_set(&cur, pl->statics.access_key_id,
                           pl->statics.secret_access_key,
                           pl->statics.session_token, 0, e);
        break;
    case CHAIN_PROCESS: {
        struct process_source src = { pl->label, pl->file, pl->line, pl->command };

        r = process_credentials(&src, now, &cur, e);
        break;
    }
    case CHAIN_WEBID:
    case CHAIN_GITHUB: {
        struct web_identity_role role = { pl->label, pl->role_arn, pl->session_name,
                                          pl->duration };

        r = pl->kind == CHAIN_WEBID ? web_identity_from_file(&p->sts, &role, pl->token_file,
                                                           &cur, e)
                                  : web_identity_github(&p->sts, &role, &cur, e);
        break;
    }
    default:
        r = err_set(e, GEN_EINTERNAL, NULL, 0, "no credential source");
        break;
    }
    for (i = 0; r == 0 && i < pl->nhops; i++) {
        memset(&next, 0, sizeof next);
        r = assume(p, &pl->hops[i], &cur, &next, e);
        cred_creds_clear(&cur);
        cur = next;
    }
    if (r == 0 && cur.expiration && cur.expiration <= now) {
        cred_time_text(cur.expiration, when, sizeof when);
        r = err_set(e, GEN_ECRED, NULL, 0, "credentials from %s expired at "
                    "%s", pl->what, when);
    }
    if (r != 0) {
        cred_creds_clear(&cur);
        return r;
    }
    *out = cur;
    return 0;
}

/* ---- public ------------------------------------------------------------ */

int cred_new(const struct cred_opts *o, const struct cred_sts *sts,
             struct cred_provider **out, struct gen_err *e)
{
    struct cred_provider *p = calloc(1, sizeof *p);
    int r;

    if (!p)
        return nomem(e);
    if (o && o->role_arn && *o->role_arn) {
        p->role_arn = xstrdup(o->role_arn);
        p->role_session_name = o->role_session_name && *o->role_session_name ?
                               xstrdup(o->role_session_name) : NULL;
        p->role_external_id = o->role_external_id && *o->role_external_id ?
                              xstrdup(o->role_external_id) : NULL;
        p->role_duration = o->role_duration_seconds;
        if (!p->role_arn ||
            (o->role_session_name && *o->role_session_name && !p->role_session_name) ||
            (o->role_external_id && *o->role_external_id && !p->role_external_id)) {
            cred_free(p);
            return nomem(e);
        }
    }
    if (sts)
        p->sts = *sts;
    r = profile_load(&p->pf, o ? o->profile : NULL, e);
    if (r < 0) {
        cred_free(p);
        return r;
    }
    *out = p;
    return 0;
}

void cred_free(struct cred_provider *p)
{
    if (!p)
        return;
    profile_free(&p->pf);
    free(p->role_arn);
    free(p->role_session_name);
    free(p->role_external_id);
    chain_plan_clear(&p->plan);
    cred_creds_clear(&p->cache);
    secret_wipe(p, sizeof *p);
    free(p);
}

int cred_get(struct cred_provider *p, time_t now,
             const struct cred_creds **out, struct gen_err *e)
{
    struct cred_creds fresh = {0};
    int r;

    if (p->have && (p->cache.expiration == 0 ||
                    p->cache.expiration - now > CRED_REFRESH_WINDOW)) {
        *out = &p->cache;
        return 0;
    }
    if (!p->planned) {
        struct chain_input in = { &p->pf, p->role_arn, p->role_session_name,
                                  p->role_external_id, p->role_duration };

        r = chain_plan(&in, now, &p->plan, e);
        if (r < 0) {
            chain_plan_clear(&p->plan);
            return r;
        }
        p->planned = 1;
    }
    r = fetch(p, now, &fresh, e);
    if (r < 0)
        return r;
    cred_creds_clear(&p->cache);
    p->cache = fresh;
    p->have = 1;
    *out = &p->cache;
    return 0;
}

void cred_describe(const struct cred_provider *p, struct buf *b)
{
    const char *ak;
    size_t i, n;
    char when[40];

    if (!p)
        return;
    if (!p->have) {
        buf_printf(b, "credentials not resolved yet (profile '%s')",
                   p->pf.name);
        return;
    }
    buf_printf(b, "credentials from %s", p->plan.what);
    for (i = 0; i < p->plan.nhops; i++)
        buf_printf(b, ", then role %s (%s, session '%s')",
                   p->plan.hops[i].role_arn, p->plan.hops[i].why,
                   p->plan.hops[i].session_name);
    ak = p->cache.access_key_id;
    n = strlen(ak);
    buf_adds(b, "; access key ");
    for (i = 0; i + 4 < n; i++)
        buf_addc(b, '*');
    buf_adds(b, n > 4 ? ak + n - 4 : "");
    if (p->cache.expiration) {
        cred_time_text(p->cache.expiration, when, sizeof when);
        buf_printf(b, "; expires %s", when);
    } else {
        buf_adds(b, "; does not expire");
    }
}

const char *cred_profile_name(const struct cred_provider *p)
{
    return p->pf.name;
}

const struct profile *cred_profile(const struct cred_provider *p)
{
    return p ? &p->pf : NULL;
}
