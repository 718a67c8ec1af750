/* chain.c: the first walk of the credential chain; chain.h. */
#include "aws/chain.h"
#include "aws/profile.h"
#include "aws/secret.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/isotime.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CHAIN   32            /* source_profile hops */

static char *xstrdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

static int nomem(struct gen_err *e)
{
    return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
}

void chain_plan_clear(struct chain_plan *pl)
{
    size_t i;

    free(pl->what);
    free(pl->label);
    free(pl->file);
    cred_creds_clear(&pl->statics);
    secret_free(pl->command);
    free(pl->token_file);
    free(pl->role_arn);
    free(pl->session_name);
    for (i = 0; i < pl->nhops; i++) {
        free(pl->hops[i].role_arn);
        free(pl->hops[i].session_name);
        free(pl->hops[i].external_id);
        free(pl->hops[i].why);
    }
    free(pl->hops);
    memset(pl, 0, sizeof *pl);
}

/* botocore's _has_static_credentials and _has_assume_role_config_vars */
static int has_static(const struct chain_input *p, const char *prof)
{
    return profile_value(p->pf, prof, "aws_access_key_id") ||
           profile_value(p->pf, prof, "aws_secret_access_key");
}

static int has_role(const struct chain_input *p, const char *prof)
{
    return profile_value(p->pf, prof, "role_arn") &&
           !profile_value(p->pf, prof, "web_identity_token_file");
}

/* A setting that must not be empty when present. */
static int need_value(const struct profile_setting *s, const char *prof,
                      const char *key, struct gen_err *e)
{
    if (s->val && *s->val)
        return 0;
    return err_set(e, GEN_EINPUT, s->file, s->line,
                   "profile '%s': %s is empty", prof, key);
}

/* ---- walking the chain ------------------------------------------------- */

struct walk {
    const struct chain_input *in;
    time_t now;
    struct chain_plan *pl;
    struct buf *tried;      /* reasons for skipping; NULL below a role */
    const char *visited[MAX_CHAIN + 1];
    size_t nvisited;
};

static void tried(struct walk *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void tried(struct walk *w, const char *fmt, ...)
{
    char line[600];
    va_list ap;

    if (!w->tried)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (w->tried->len)
        buf_adds(w->tried, "; ");
    buf_adds(w->tried, line);
}

static char *strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *strf(const char *fmt, ...)
{
    struct buf b;
    va_list ap;
    char tmp[1024];

    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    buf_init(&b);
    buf_adds(&b, tmp);
    if (buf_failed(&b)) {
        buf_free(&b);
        return NULL;
    }
    return buf_detach(&b, NULL);
}

static char *default_session(time_t now)
{
    return strf("luaform-%lld", (long long)now);
}

/* Credentials from AWS_ACCESS_KEY_ID & co (botocore's EnvProvider: the
 * token is AWS_SECURITY_TOKEN, else AWS_SESSION_TOKEN). Returns 1 when
 * AWS_ACCESS_KEY_ID is unset. */
int chain_env_creds(const char *label, struct cred_creds *out,
                     struct gen_err *e)
{
    const char *ak = profile_env("AWS_ACCESS_KEY_ID");
    const char *sk = profile_env("AWS_SECRET_ACCESS_KEY");
    const char *tok = profile_env("AWS_SECURITY_TOKEN");
    const char *exp = profile_env("AWS_CREDENTIAL_EXPIRATION");
    time_t t = 0;

    if (!ak)
        return 1;
    if (!sk)
        return err_set(e, GEN_ECRED, NULL, 0, "%s: AWS_ACCESS_KEY_ID is "
                       "set but AWS_SECRET_ACCESS_KEY is not", label);
    if (!tok)
        tok = profile_env("AWS_SESSION_TOKEN");
    if (exp && isotime_parse(exp, &t, NULL) < 0)
        return err_set(e, GEN_EINPUT, NULL, 0, "%s: AWS_CREDENTIAL_EXPIRATION"
                       " is not an ISO 8601 time", label);
    return cred_creds_set(out, ak, sk, tok, t, e);
}

static int add_hop(struct chain_plan *pl, const char *role_arn, const char *session,
                   const char *external_id, int duration, char *why,
                   struct gen_err *e)
{
    struct chain_hop *h = realloc(pl->hops, (pl->nhops + 1) * sizeof *pl->hops);

    if (!h) {
        free(why);
        return nomem(e);
    }
    pl->hops = h;
    h = &h[pl->nhops++];
    memset(h, 0, sizeof *h);
    h->role_arn = xstrdup(role_arn);
    h->session_name = xstrdup(session);
    h->external_id = external_id ? xstrdup(external_id) : NULL;
    h->duration = duration;
    h->why = why;
    if (!h->role_arn || !h->session_name || !h->why ||
        (external_id && !h->external_id))
        return nomem(e);
    return 0;
}

/* duration_seconds: what STS accepts for AssumeRole. */
static int get_duration(const struct chain_input *p, const char *prof,
                        int *out, struct gen_err *e)
{
    struct profile_setting s;
    char *end;
    long v;

    *out = 0;
    if (!profile_get(p->pf, prof, "duration_seconds", &s))
        return 0;
    errno = 0;
    v = strtol(s.val, &end, 10);
    if (!isdigit((unsigned char)*s.val) || *end || errno || v < 900 ||
        v > 43200)
        return err_set(e, GEN_EINPUT, s.file, s.line, "profile '%s': "
                       "duration_seconds must be a whole number of seconds "
                       "from 900 to 43200", prof);
    *out = (int)v;
    return 0;
}

static int plan_static(struct walk *w, const char *prof, int which,
                       struct gen_err *e)
{
    const struct chain_input *p = w->in;
    const struct ini_sec *sec = profile_section(p->pf, which, prof);
    const char *disp = p->pf->files[which].disp;
    const struct ini_kv *ak = ini_get(sec, "aws_access_key_id");
    const struct ini_kv *sk = ini_get(sec, "aws_secret_access_key");
    const struct ini_kv *tok = ini_get(sec, "aws_security_token");
    const char *extra = which == PROFILE_CONFIG ?
                        " or credential_process" : "";

    if (!p->pf->files[which].found) {
        tried(w, "profile '%s' in %s: file not found", prof, disp);
        return 0;
    }
    if (!sec) {
        tried(w, "profile '%s' in %s: no such profile", prof, disp);
        return 0;
    }
    if (!ak) {
        tried(w, "profile '%s' in %s: no aws_access_key_id%s", prof, disp,
              extra);
        return 0;
    }
    if (!sk)
        return err_set(e, GEN_EINPUT, disp, ak->line, "profile '%s': "
                       "aws_access_key_id without aws_secret_access_key",
                       prof);
    if (!*ak->val || !*sk->val)
        return err_set(e, GEN_EINPUT, disp, *ak->val ? sk->line : ak->line,
                       "profile '%s': %s is empty", prof, *ak->val ?
                       "aws_secret_access_key" : "aws_access_key_id");
    if (!tok)
        tok = ini_get(sec, "aws_session_token");
    if (cred_creds_set(&w->pl->statics, ak->val, sk->val,
                       tok && *tok->val ? tok->val : NULL, 0, e) < 0)
        return GEN_ENOMEM;
    w->pl->kind = CHAIN_STATIC;
    w->pl->what = strf("profile '%s' in %s", prof, disp);
    return w->pl->what ? 1 : nomem(e);
}

/* Web identity from a token file (AWS_WEB_IDENTITY_TOKEN_FILE & co when
 * env_ok, else the profile's): 1 when planned, 0 when not configured. */
static int plan_webid(struct walk *w, const char *prof, int env_ok, struct gen_err *e)
{
    const struct chain_input *p = w->in;
    struct chain_plan *pl = w->pl;
    struct profile_setting tf, ra, sn;
    const char *tf_env = env_ok ? profile_env("AWS_WEB_IDENTITY_TOKEN_FILE") : NULL;
    const char *ra_env = env_ok ? profile_env("AWS_ROLE_ARN") : NULL;
    const char *sn_env = env_ok ? profile_env("AWS_ROLE_SESSION_NAME") : NULL;

    memset(&tf, 0, sizeof tf);
    if (tf_env)
        tf.val = tf_env;
    else
        profile_get(p->pf, prof, "web_identity_token_file", &tf);
    if (!tf.val || !*tf.val)
        return 0;
    memset(&ra, 0, sizeof ra);
    memset(&sn, 0, sizeof sn);
    if (ra_env)
        ra.val = ra_env;
    else
        profile_get(p->pf, prof, "role_arn", &ra);
    if (sn_env)
        sn.val = sn_env;
    else
        profile_get(p->pf, prof, "role_session_name", &sn);
    if (!ra.val || !*ra.val)
        return err_set(e, GEN_ECRED, tf.file, tf.line, "web identity: "
                       "%s is set but no role is (AWS_ROLE_ARN or "
                       "role_arn of profile '%s')", tf_env ?
                       "AWS_WEB_IDENTITY_TOKEN_FILE" :
                       "web_identity_token_file", prof);
    pl->kind = CHAIN_WEBID;
    pl->token_file = xstrdup(tf.val);
    pl->role_arn = xstrdup(ra.val);
    pl->session_name = sn.val && *sn.val ? xstrdup(sn.val) :
                       default_session(w->now);
    pl->what = strf("web identity token file '%s' (%s) for role %s "
                    "(session '%s')", tf.val, tf_env ?
                    "AWS_WEB_IDENTITY_TOKEN_FILE" : prof, ra.val,
                    pl->session_name ? pl->session_name : "");
    pl->label = tf_env ? strf("web identity") :
                strf("profile '%s': web identity", prof);
    pl->file = tf.file ? xstrdup(tf.file) : NULL;
    pl->line = tf.line;
    if (!pl->token_file || !pl->role_arn || !pl->session_name ||
        !pl->what || !pl->label || (tf.file && !pl->file))
        return nomem(e);
    return 1;
}

/* The providers that read one profile (botocore's ProfileProviderBuilder):
 * web identity, SSO (refused), credentials file, credential_process,
 * config file. env_ok: AWS_WEB_IDENTITY_TOKEN_FILE & co may override the
 * profile (top level, no --profile). */
static int plan_leaf(struct walk *w, const char *prof, int env_ok,
                     struct gen_err *e)
{
    const struct chain_input *p = w->in;
    struct chain_plan *pl = w->pl;
    struct profile_setting cp;
    int r;

    r = plan_webid(w, prof, env_ok, e);
    if (r != 0)
        return r;
    if (env_ok)
        tried(w, "web identity: AWS_WEB_IDENTITY_TOKEN_FILE not set");
    else if (w->tried)
        tried(w, "web identity: AWS_WEB_IDENTITY_TOKEN_FILE not used with "
              "--profile");

    if (profile_get(p->pf, prof, "sso_session", &cp) ||
        profile_get(p->pf, prof, "sso_start_url", &cp))
        return err_set(e, GEN_ECRED, cp.file, cp.line, "profile '%s' uses "
                       "IAM Identity Center (SSO), which luaform does not "
                       "support; use credential_process = aws configure "
                       "export-credentials --profile %s --format process",
                       prof, prof);

    r = plan_static(w, prof, PROFILE_CREDENTIALS, e);
    if (r != 0)
        return r;

    if (profile_get(p->pf, prof, "credential_process", &cp)) {
        if (need_value(&cp, prof, "credential_process", e) < 0)
            return GEN_EINPUT;
        pl->kind = CHAIN_PROCESS;
        pl->command = xstrdup(cp.val);
        pl->what = strf("credential_process of profile '%s' (%s)", prof,
                        cp.file);
        pl->label = strf("profile '%s': credential_process", prof);
        pl->file = xstrdup(cp.file);
        pl->line = cp.line;
        if (!pl->command || !pl->what || !pl->label || !pl->file)
            return nomem(e);
        return 1;
    }

    return plan_static(w, prof, PROFILE_CONFIG, e);
}

static int plan_role(struct walk *w, const char *prof, struct gen_err *e);

/* The role's base credentials from credential_source (only Environment
 * is supported). */
static int plan_credential_source(struct walk *w, const char *prof,
                                  const struct profile_setting *cs, struct gen_err *e)
{
    struct cred_creds tmp = {0};
    char label[300];
    int r;

    if (strcmp(cs->val, "Ec2InstanceMetadata") == 0 || strcmp(cs->val, "EcsContainer") == 0)
        return err_set(e, GEN_EINPUT, cs->file, cs->line, "profile '%s': "
                       "credential_source %s is not supported by "
                       "luaform", prof, cs->val);
    if (strcmp(cs->val, "Environment") != 0)
        return err_set(e, GEN_EINPUT, cs->file, cs->line, "profile '%s': "
                       "credential_source must be Environment, "
                       "Ec2InstanceMetadata or EcsContainer", prof);
    snprintf(label, sizeof label, "profile '%s': credential_source "
             "Environment", prof);
    r = chain_env_creds(label, &tmp, e);
    cred_creds_clear(&tmp);
    if (r == 1)
        return err_set(e, GEN_ECRED, cs->file, cs->line, "%s: "
                       "AWS_ACCESS_KEY_ID is not set", label);
    if (r < 0)
        return r;
    w->pl->kind = CHAIN_ENV;
    w->pl->what = strf("environment variables (credential_source of "
                       "profile '%s')", prof);
    w->pl->label = xstrdup(label);
    if (!w->pl->what || !w->pl->label)
        return nomem(e);
    return 0;
}

/* The role's base credentials from source_profile: its own credentials,
 * or the role it assumes in turn (loops refused). */
static int plan_source_profile(struct walk *w, const char *prof,
                               const struct profile_setting *sp, struct gen_err *e)
{
    const struct chain_input *p = w->in;
    const char *src = sp->val;
    size_t i;
    int r;

    if (need_value(sp, prof, "source_profile", e) < 0)
        return GEN_EINPUT;
    if (!profile_exists(p->pf, src))
        return err_set(e, GEN_EINPUT, sp->file, sp->line, "profile '%s': "
                       "source_profile '%s' does not exist", prof, src);
    for (i = 0; i < w->nvisited; i++)
        if (strcmp(w->visited[i], src) == 0)
            break;
    if (i < w->nvisited && (strcmp(src, prof) != 0 || !has_static(p, src))) {
        struct buf loop;
        size_t j;

        buf_init(&loop);
        for (j = 0; j < w->nvisited; j++)
            buf_printf(&loop, "%s -> ", w->visited[j]);
        buf_adds(&loop, src);
        r = err_set(e, GEN_EINPUT, sp->file, sp->line, "profile '%s': "
                    "source_profile loop: %s", prof, buf_cstr(&loop));
        buf_free(&loop);
        return r;
    }
    if (w->nvisited >= MAX_CHAIN)
        return err_set(e, GEN_EINPUT, sp->file, sp->line, "profile '%s': "
                       "more than %d chained source_profile roles", prof,
                       MAX_CHAIN);
    w->visited[w->nvisited++] = src;
    if (!has_static(p, src) && has_role(p, src))
        return plan_role(w, src, e);
    r = plan_leaf(w, src, 0, e);
    if (r == 0)
        return err_set(e, GEN_ECRED, sp->file, sp->line, "profile "
                       "'%s': source profile '%s' has no "
                       "credentials", prof, src);
    return r;
}

/* Profile prof has role_arn: plan its source, then the AssumeRole
 * (botocore's AssumeRoleProvider). prof is already in w->visited. */
static int plan_role(struct walk *w, const char *prof, struct gen_err *e)
{
    const struct chain_input *p = w->in;
    struct profile_setting ra, sp, cs, mfa, sn, ext;
    int duration, r;
    char *session, *why;

    profile_get(p->pf, prof, "role_arn", &ra);
    profile_get(p->pf, prof, "source_profile", &sp);
    profile_get(p->pf, prof, "credential_source", &cs);
    if (need_value(&ra, prof, "role_arn", e) < 0)
        return GEN_EINPUT;
    if (sp.val && cs.val)
        return err_set(e, GEN_EINPUT, cs.file, cs.line, "profile '%s' has "
                       "both source_profile and credential_source", prof);
    if (!sp.val && !cs.val)
        return err_set(e, GEN_EINPUT, ra.file, ra.line, "profile '%s' has "
                       "role_arn but neither source_profile nor "
                       "credential_source", prof);
    if (profile_get(p->pf, prof, "mfa_serial", &mfa))
        return err_set(e, GEN_EINPUT, mfa.file, mfa.line, "profile '%s': "
                       "mfa_serial is set, but luaform cannot prompt for an "
                       "MFA code", prof);
    if (get_duration(p, prof, &duration, e) < 0)
        return GEN_EINPUT;

    r = cs.val ? plan_credential_source(w, prof, &cs, e) : plan_source_profile(w, prof, &sp, e);
    if (r < 0)
        return r;

    profile_get(p->pf, prof, "role_session_name", &sn);
    profile_get(p->pf, prof, "external_id", &ext);
    session = sn.val && *sn.val ? xstrdup(sn.val) : default_session(w->now);
    why = strf("profile '%s'", prof);
    if (!session) {
        free(why);
        return nomem(e);
    }
    r = add_hop(w->pl, ra.val, session, ext.val, duration, why, e);
    free(session);
    return r < 0 ? r : 1;
}

/* GitHub Actions OIDC for --role-arn, when the job can ask for a token:
 * 1 when planned, 0 when not. */
static int plan_github(struct walk *w, struct gen_err *e)
{
    const struct chain_input *p = w->in;
    struct chain_plan *pl = w->pl;

    if (!p->role_arn) {
        tried(w, "GitHub OIDC: --role-arn not given");
        return 0;
    }
    if (!profile_env("ACTIONS_ID_TOKEN_REQUEST_URL")) {
        tried(w, "GitHub OIDC: ACTIONS_ID_TOKEN_REQUEST_URL not set "
              "(the job needs 'permissions: id-token: write')");
        return 0;
    }
    if (!profile_env("ACTIONS_ID_TOKEN_REQUEST_TOKEN")) {
        tried(w, "GitHub OIDC: ACTIONS_ID_TOKEN_REQUEST_TOKEN not set");
        return 0;
    }
    pl->kind = CHAIN_GITHUB;
    pl->role_arn = xstrdup(p->role_arn);
    pl->session_name = p->role_session_name ? xstrdup(p->role_session_name) :
                       default_session(w->now);
    pl->duration = p->role_duration;
    pl->what = strf("GitHub Actions OIDC token for role %s (session '%s')", p->role_arn,
                    pl->session_name ? pl->session_name : "");
    pl->label = strf("GitHub OIDC");
    return pl->role_arn && pl->session_name && pl->what && pl->label ? 1 : nomem(e);
}

/* The first walk: find the source and record it in pl. */
int chain_plan(const struct chain_input *p, time_t now, struct chain_plan *pl,
                      struct gen_err *e)
{
    struct walk w;
    struct buf why;
    const char *prof = p->pf->name;
    int explicit_profile = p->pf->named_by && strcmp(p->pf->named_by,
                                                 "--profile") == 0;
    int r = 0;

    memset(&w, 0, sizeof w);
    buf_init(&why);
    w.in = p;
    w.now = now;
    w.pl = pl;
    w.tried = &why;

    /* 1. environment */
    if (explicit_profile) {
        tried(&w, "environment: not used with --profile");
    } else {
        struct cred_creds tmp = {0};

        r = chain_env_creds("environment", &tmp, e);
        cred_creds_clear(&tmp);
        if (r == 1) {
            tried(&w, "environment: AWS_ACCESS_KEY_ID not set");
            r = 0;
        } else if (r == 0) {
            pl->kind = CHAIN_ENV;
            pl->what = strf("environment variables (AWS_ACCESS_KEY_ID)");
            pl->label = strf("environment");
            r = pl->what && pl->label ? 1 : nomem(e);
        }
    }
    /* 2. the profile's role_arn */
    if (r == 0 && has_role(p, prof)) {
        w.visited[w.nvisited++] = prof;
        w.tried = NULL;
        r = plan_role(&w, prof, e);
    }
    /* 3-6. web identity, the files, credential_process */
    if (r == 0)
        r = plan_leaf(&w, prof, !explicit_profile, e);
    if (r == 1 && p->role_arn) {
        char *session = p->role_session_name ? xstrdup(p->role_session_name)
                                             : default_session(now);

        if (!session) {
            r = nomem(e);
        } else {
            r = add_hop(pl, p->role_arn, session, p->role_external_id,
                        p->role_duration, strf("--role-arn"), e);
            free(session);
            if (r == 0)
                r = 1;
        }
    }
    /* 7. GitHub Actions OIDC */
    if (r == 0)
        r = plan_github(&w, e);
    if (r == 0)
        r = err_set(e, GEN_ECRED, NULL, 0, "no AWS credentials found "
                    "(tried: %s)", buf_cstr(&why));
    buf_free(&why);
    return r < 0 ? r : 0;
}

