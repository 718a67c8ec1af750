/* test_credentials.c: the credential provider chain, against the fixtures in
 * tests/unit/credentials/ and fake STS / HTTP callbacks that record their
 * arguments (the real calls are tested end to end against moto_server).
 * Every secret in the fixtures and fakes contains "SEKRET"; every message
 * and description the tests see is kept and checked for it at the end. */
#include "aws/credentials.h"
#include "aws/endpoints.h"
#include "aws/region.h"
#include "core/buf.h"
#include "core/err.h"
#include "test.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define T0 ((time_t)1700000000)         /* 2023-11-14T22:13:20Z */
#define Y2030 ((time_t)1893456000)      /* 2030-01-01T00:00:00Z */

static char fix[PATH_MAX];              /* tests/unit/credentials, absolute */
static char scratch[PATH_MAX];          /* mkdtemp; HOME is scratch/home */
static struct buf seen;                 /* every message and description */

/* ---- environment ------------------------------------------------------- */

static const char *const vars[] = {
    "HOME", "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_CREDENTIAL_EXPIRATION",
    "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
    "ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_CLOUDFORMATION", "AWS_ENDPOINT_URL_STS",
    "AWS_IGNORE_CONFIGURE_ENDPOINT_URLS", "CRED_COUNTER", NULL
};
static char *saved[sizeof vars / sizeof vars[0]];
static int had[sizeof vars / sizeof vars[0]];

static void env_save(void)
{
    size_t i;

    for (i = 0; vars[i]; i++) {
        const char *v = getenv(vars[i]);

        had[i] = v != NULL;
        saved[i] = v ? strdup(v) : NULL;
    }
}

static void env_restore(void)
{
    size_t i;

    for (i = 0; vars[i]; i++) {
        if (had[i])
            setenv(vars[i], saved[i], 1);
        else
            unsetenv(vars[i]);
        free(saved[i]);
    }
}

/* A clean slate: no AWS variables, HOME an empty directory. */
static void reset(void)
{
    char home[PATH_MAX + 8];
    size_t i;

    for (i = 0; vars[i]; i++)
        unsetenv(vars[i]);
    snprintf(home, sizeof home, "%s/home", scratch);
    setenv("HOME", home, 1);
}

static void path(char *out, size_t n, const char *dir, const char *name)
{
    snprintf(out, n, "%s/%s", dir, name);
}

/* Point the shared files at the fixtures. */
static void fixtures(void)
{
    char p[PATH_MAX + 32];

    path(p, sizeof p, fix, "credentials");
    setenv("AWS_SHARED_CREDENTIALS_FILE", p, 1);
    path(p, sizeof p, fix, "config");
    setenv("AWS_CONFIG_FILE", p, 1);
}

static void put(const char *file, const char *text)
{
    FILE *f = fopen(file, "w");

    if (!f) {
        perror(file);
        exit(2);
    }
    fputs(text, f);
    fclose(f);
}

/* ---- fakes ------------------------------------------------------------- */

#define MAXC 8

struct call {
    char base_akid[64];
    char base_secret[64];
    char role[128];
    char session[64];
    char ext[64];
    char token[128];
    int dur;
};

struct fake {
    int nassume, nwebid, nget, serial;
    struct call assume[MAXC], webid[MAXC];
    char url[512], bearer[128];
    time_t exp;             /* expiration of what STS answers */
    int fail;               /* AssumeRole answers AccessDenied */
    long status;            /* GitHub token answer */
    const char *body;
};

static void cpy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
}

static int fake_assume(void *ctx, const struct cred_creds *base,
                       const char *role_arn, const char *session_name,
                       const char *external_id, int duration_seconds,
                       struct cred_creds *out, struct gen_err *e)
{
    struct fake *f = ctx;
    char ak[32], sk[32], tok[32];

    if (f->nassume < MAXC) {
        struct call *c = &f->assume[f->nassume];

        cpy(c->base_akid, sizeof c->base_akid, base->access_key_id);
        cpy(c->base_secret, sizeof c->base_secret, base->secret_access_key);
        cpy(c->role, sizeof c->role, role_arn);
        cpy(c->session, sizeof c->session, session_name);
        cpy(c->ext, sizeof c->ext, external_id);
        c->dur = duration_seconds;
    }
    f->nassume++;
    if (f->fail)
        return err_set(e, GEN_EAWS, NULL, 0, "AccessDenied: not authorized "
                       "to perform sts:AssumeRole");
    f->serial++;
    snprintf(ak, sizeof ak, "ASIAROLE%08d", f->serial);
    snprintf(sk, sizeof sk, "roleSEKRET%d", f->serial);
    snprintf(tok, sizeof tok, "roleTOKSEKRET%d", f->serial);
    return cred_creds_set(out, ak, sk, tok, f->exp, e);
}

static int fake_webid(void *ctx, const char *token, const char *role_arn,
                      const char *session_name, int duration_seconds,
                      struct cred_creds *out, struct gen_err *e)
{
    struct fake *f = ctx;
    char ak[32], sk[32], tok[32];

    if (f->nwebid < MAXC) {
        struct call *c = &f->webid[f->nwebid];

        cpy(c->token, sizeof c->token, token);
        cpy(c->role, sizeof c->role, role_arn);
        cpy(c->session, sizeof c->session, session_name);
        c->dur = duration_seconds;
    }
    f->nwebid++;
    f->serial++;
    snprintf(ak, sizeof ak, "ASIAWEB%09d", f->serial);
    snprintf(sk, sizeof sk, "webSEKRET%d", f->serial);
    snprintf(tok, sizeof tok, "webTOKSEKRET%d", f->serial);
    return cred_creds_set(out, ak, sk, tok, f->exp, e);
}

static int fake_get(void *ctx, const char *url, const char *bearer,
                    long *status, struct buf *body, struct gen_err *e)
{
    struct fake *f = ctx;

    (void)e;
    f->nget++;
    cpy(f->url, sizeof f->url, url);
    cpy(f->bearer, sizeof f->bearer, bearer);
    *status = f->status;
    buf_adds(body, f->body ? f->body : "");
    return 0;
}

static void fake_init(struct fake *f)
{
    memset(f, 0, sizeof *f);
    f->exp = T0 + 3600;
    f->status = 200;
}

/* ---- helpers ----------------------------------------------------------- */

static const char *msg(const struct gen_err *e)
{
    static char out[1600];

    err_format(e, out, sizeof out);
    buf_adds(&seen, out);
    buf_addc(&seen, '\n');
    return out;
}

static struct buf desc;                 /* the last description */

static const char *describe(const struct cred_provider *p)
{
    buf_free(&desc);
    cred_describe(p, &desc);
    buf_adds(&seen, buf_cstr(&desc));
    buf_addc(&seen, '\n');
    return buf_cstr(&desc);
}

static int has(const char *hay, const char *needle)
{
    return hay && strstr(hay, needle) != NULL;
}

static int eq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* cred_new then cred_get at now; *pp is the provider (NULL when cred_new
 * failed); the message of a failure is formatted into errmsg. */
static int get(const struct cred_opts *o, struct fake *f, time_t now,
               struct cred_provider **pp, const struct cred_creds **c,
               const char **errmsg)
{
    struct cred_sts s = {f, fake_assume, fake_webid, fake_get};
    static struct gen_err e;
    int r;

    err_clear(&e);
    *pp = NULL;
    *c = NULL;
    *errmsg = "";
    r = cred_new(o, &s, pp, &e);
    if (r == 0)
        r = cred_get(*pp, now, c, &e);
    if (r != 0) {
        *errmsg = msg(&e);
        TMSG(e.code == r, "code %d vs %d", e.code, r);
    }
    return r;
}

static struct cred_opts opts_profile(const char *profile)
{
    struct cred_opts o;

    memset(&o, 0, sizeof o);
    o.profile = profile;
    return o;
}

/* ---- tests ------------------------------------------------------------- */

static void test_creds_struct(void)
{
    struct cred_creds c = {0};
    struct gen_err e;

    T(cred_creds_set(&c, "AKID", "xSEKRET", NULL, 5, &e) == 0);
    T(eq(c.access_key_id, "AKID") && eq(c.secret_access_key, "xSEKRET"));
    T(c.session_token == NULL && c.expiration == 5);
    T(cred_creds_set(&c, c.access_key_id, "ySEKRET", "zSEKRET", 0, &e) == 0);
    T(eq(c.access_key_id, "AKID") && eq(c.session_token, "zSEKRET"));
    T(cred_creds_set(&c, NULL, "s", NULL, 0, &e) == GEN_EINTERNAL);
    T(c.access_key_id == NULL);
    cred_creds_clear(&c);
    cred_creds_clear(&c);
    T(c.access_key_id == NULL && c.secret_access_key == NULL);
    cred_free(NULL);
}

static void test_nothing_found(void)
{
    struct fake f;
    struct cred_provider *p;
    const struct cred_creds *c;
    const char *m;
    struct cred_opts o = opts_profile(NULL);
    char want[3 * PATH_MAX];

    reset();
    fake_init(&f);
    T(get(NULL, &f, T0, &p, &c, &m) == GEN_ECRED);
    TMSG(eq(m, "no AWS credentials found (tried: environment: "
            "AWS_ACCESS_KEY_ID not set; web identity: "
            "AWS_WEB_IDENTITY_TOKEN_FILE not set; profile 'default' in "
            "~/.aws/credentials: file not found; profile 'default' in "
            "~/.aws/config: file not found; GitHub OIDC: --role-arn not "
            "given)"), "%s", m);
    T(p != NULL && c == NULL);
    T(eq(describe(p), "credentials not resolved yet (profile 'default')"));
    /* a second try walks the chain again */
    setenv("AWS_ACCESS_KEY_ID", "AKIDLATE00000001", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "lateSEKRET", 1);
    {
        struct gen_err e;

        T(cred_get(p, T0, &c, &e) == 0 && eq(c->access_key_id,
                                             "AKIDLATE00000001"));
    }
    cred_free(p);

    /* --role-arn without the GitHub variables */
    reset();
    o.role_arn = "arn:aws:iam::123456789012:role/deploy";
    T(get(&o, &f, T0, &p, &c, &m) == GEN_ECRED);
    TMSG(has(m, "; GitHub OIDC: ACTIONS_ID_TOKEN_REQUEST_URL not set (the "
             "job needs 'permissions: id-token: write'))"), "%s", m);
    cred_free(p);
    setenv("ACTIONS_ID_TOKEN_REQUEST_URL", "https://gh.example/t?a=1", 1);
    T(get(&o, &f, T0, &p, &c, &m) == GEN_ECRED);
    TMSG(has(m, "GitHub OIDC: ACTIONS_ID_TOKEN_REQUEST_TOKEN not set)"),
         "%s", m);
    T(f.nget == 0 && f.nwebid == 0);
    cred_free(p);

    /* a profile without credentials, named by AWS_PROFILE */
    reset();
    fixtures();
    setenv("AWS_PROFILE", "regiononly", 1);
    T(get(NULL, &f, T0, &p, &c, &m) == GEN_ECRED);
    snprintf(want, sizeof want, "no AWS credentials found (tried: "
             "environment: AWS_ACCESS_KEY_ID not set; web identity: "
             "AWS_WEB_IDENTITY_TOKEN_FILE not set; profile 'regiononly' in "
             "%s/credentials: no such profile; profile 'regiononly' in "
             "%s/config: no aws_access_key_id or credential_process; GitHub "
             "OIDC: --role-arn not given)", fix, fix);
    TMSG(eq(m, want), "%s", m);
    cred_free(p);

    /* the same with --profile */
    reset();
    fixtures();
    o = opts_profile("regiononly");
    T(get(&o, &f, T0, &p, &c, &m) == GEN_ECRED);
    TMSG(has(m, "(tried: environment: not used with --profile; web "
             "identity: AWS_WEB_IDENTITY_TOKEN_FILE not used with "
             "--profile; profile 'regiononly' in "), "%s", m);
    cred_free(p);
}

static void test_missing_profile(void)
{
    struct fake f;
    struct cred_provider *p;
    const struct cred_creds *c;
    const char *m;
    struct cred_opts o = opts_profile("nope");
    char want[3 * PATH_MAX];

    fake_init(&f);
    reset();
    fixtures();
    T(get(&o, &f, T0, &p, &c, &m) == GEN_EINPUT && p == NULL);
    snprintf(want, sizeof want, "profile 'nope' (from --profile) not found "
             "in %s/credentials (no [nope] section) or %s/config (no "
             "[profile nope] section)", fix, fix);
    TMSG(eq(m, want), "%s", m);

    /* AWS_PROFILE names a profile too; [prod] is not a config profile */
    setenv("AWS_PROFILE", "prod", 1);
    T(get(NULL, &f, T0, &p, &c, &m) == GEN_EINPUT && p == NULL);
    snprintf(want, sizeof want, "profile 'prod' (from AWS_PROFILE) not "
             "found in %s/credentials (no [prod] section) or %s/config (it "
             "has [prod], but config file profiles are [profile prod])",
             fix, fix);
    TMSG(eq(m, want), "%s", m);

    /* section names are case-sensitive; [Profile upper] is no profile */
    setenv("AWS_PROFILE", "DEFAULT", 1);
    T(get(NULL, &f, T0, &p, &c, &m) == GEN_EINPUT);
    setenv("AWS_PROFILE", "upper", 1);
    T(get(NULL, &f, T0, &p, &c, &m) == GEN_EINPUT);

    /* no files at all */
    reset();
    T(get(&o, &f, T0, &p, &c, &m) == GEN_EINPUT);
    TMSG(eq(m, "profile 'nope' (from --profile) not found in "
            "~/.aws/credentials (file not found) or ~/.aws/config (file not "
            "found)"), "%s", m);

    /* an explicit "default" must exist as well */
    o.profile = "default";
    T(get(&o, &f, T0, &p, &c, &m) == GEN_EINPUT);
}

static void test_default_files(void)
{
    struct fake f;
    struct cred_provider *p;
    const struct cred_creds *c;
    const char *m;
    char dir[PATH_MAX + 16], file[PATH_MAX + 32];

    fake_init(&f);
    reset();
    snprintf(dir, sizeof dir, "%s/home/.aws", scratch);
    mkdir(dir, 0700);
    path(file, sizeof file, dir, "credentials");
    put(file, "[default]\naws_access_key_id = AKIDHOMEDIR00001\n"
              "aws_secret_access_key = homeSEKRET\n");
    path(file, sizeof file, dir, "config");
    put(file, "[default]\nregion = eu-west-2\n"
              "aws_session_token: homeTOKSEKRET\n");
    T(get(NULL, &f, T0, &p, &c, &m) == GEN_EINPUT && p == NULL);
    TMSG(eq(m, "~/.aws/config:3: expected '[section]' or 'key = value'"),
         "%s", m);

    put(file, "[default]\nregion = eu-west-2\n");
    T(get(NULL, &f, T0, &p, &c, &m) == 0);
    T(c && eq(c->access_key_id, "AKIDHOMEDIR00001"));
    T(c && eq(c->secret_access_key, "homeSEKRET") && !c->session_token);
    m = describe(p);
    TMSG(eq(m, "credentials from profile 'default' in ~/.aws/credentials; "
            "access key ************0001; does not expire"), "%s", m);
    T(eq(region_resolve(cred_profile(p), NULL), "eu-west-2"));
    T(eq(cred_profile_name(p), "default"));
    cred_free(p);

    remove(file);
    path(file, sizeof file, dir, "credentials");
    remove(file);
    rmdir(dir);
}

static void test_env(void)
{
    struct fake f;
    struct cred_provider *p;
    const struct cred_creds *c;
    const char *m;
    struct cred_opts o = opts_profile("dev");
    struct gen_err e;

    fake_init(&f);
    reset();
    fixtures();
    setenv("AWS_ACCESS_KEY_ID", "AKIDENVIRON00001", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "envSEKRET1", 1);
    setenv("AWS_SESSION_TOKEN", "envTOKSEKRET1", 1);
    T(get(NULL, &f, T0, &p, &c, &m) == 0);
    T(c && eq(c->access_key_id, "AKIDENVIRON00001") &&
      eq(c->secret_access_key, "envSEKRET1") &&
      eq(c->session_token, "envTOKSEKRET1") && c->expiration == 0);
    m = describe(p);
    TMSG(eq(m, "credentials from environment variables (AWS_ACCESS_KEY_ID);"
            " access key ************0001; does not expire"), "%s", m);
    cred_free(p);

    /* AWS_PROFILE does not hide the environment, --profile does */
    setenv("AWS_PROFILE", "dev", 1);
    T(get(NULL, &f, T0, &p, &c, &m) == 0 &&
      eq(c->access_key_id, "AKIDENVIRON00001"));
    cred_free(p);
    T(get(&o, &f, T0, &p, &c, &m) == 0 &&
      eq(c->access_key_id, "AKIDDEV000000002"));
    cred_free(p);
    unsetenv("AWS_PROFILE");

    /* botocore reads AWS_SECURITY_TOKEN before AWS_SESSION_TOKEN */
    setenv("AWS_SECURITY_TOKEN", "legacyTOKSEKRET", 1);
    T(get(NULL, &f, T0, &p, &c, &m) == 0 &&
      eq(c->session_token, "legacyTOKSEKRET"));
    cred_free(p);
    unsetenv("AWS_SECURITY_TOKEN");

    /* half set is an error, not a skip */
    unsetenv("AWS_SECRET_ACCESS_KEY");
    T(get(NULL, &f, T0, &p, &c, &m) == GEN_ECRED);
    TMSG(eq(m, "environment: AWS_ACCESS_KEY_ID is set but "
            "AWS_SECRET_ACCESS_KEY is not"), "%s", m);
    cred_free(p);
    setenv("AWS_SECRET_ACCESS_KEY", "", 1);
    T(get(NULL, &f, T0, &p, &c, &m) == GEN_ECRED);
    cred_free(p);

    /* AWS_CREDENTIAL_EXPIRATION: refreshed by reading the environment */
    setenv("AWS_SECRET_ACCESS_KEY", "envSEKRET1", 1);
    setenv("AWS_CREDENTIAL_EXPIRATION", "2023-11-14T23:13:20Z", 1);
    T(get(NULL, &f, T0, &p, &c, &m) == 0 && c->expiration == T0 + 3600);
    setenv("AWS_ACCESS_KEY_ID", "AKIDENVIRON00002", 1);
    setenv("AWS_CREDENTIAL_EXPIRATION", "2023-11-15T01:13:20+01:00", 1);
    T(cred_get(p, T0 + 3299, &c, &e) == 0 &&
      eq(c->access_key_id, "AKIDENVIRON00001"));
    T(cred_get(p, T0 + 3300, &c, &e) == 0 &&
      eq(c->access_key_id, "AKIDENVIRON00002") &&
      c->expiration == T0 + 3600 + 3600);
    /* the environment went away: an error, the cache stays */
    unsetenv("AWS_ACCESS_KEY_ID");
    T(cred_get(p, T0 + 7000, &c, &e) == GEN_ECRED);
    TMSG(has(msg(&e), "AWS_ACCESS_KEY_ID is no longer set"), "%s", e.msg);
    setenv("AWS_ACCESS_KEY_ID", "AKIDENVIRON00003", 1);
    setenv("AWS_CREDENTIAL_EXPIRATION", "2023-11-15T00:00:00Z", 1);
    T(cred_get(p, T0 + 7000, &c, &e) == GEN_ECRED);
    TMSG(has(msg(&e), "credentials from environment variables "
             "(AWS_ACCESS_KEY_ID) expired at 2023-11-15T00:00:00Z"), "%s",
         e.msg);
    cred_free(p);
    setenv("AWS_CREDENTIAL_EXPIRATION", "tomorrow", 1);
    T(get(NULL, &f, T0, &p, &c, &m) == GEN_EINPUT);
    TMSG(has(m, "AWS_CREDENTIAL_EXPIRATION is not an ISO 8601 time"), "%s",
         m);
    cred_free(p);
}

static void test_profiles(void)
{
    struct fake f;
    struct cred_provider *p;
    const struct cred_creds *c;
    const char *m;
    struct cred_opts o;
    char want[3 * PATH_MAX];

    fake_init(&f);
    reset();
    fixtures();

    T(get(NULL, &f, T0, &p, &c, &m) == 0);
    T(c && eq(c->access_key_id, "AKIDDEFAULT00001") &&
      eq(c->secret_access_key, "defaultSEKRET0001") && !c->session_token &&
      c->expiration == 0);
    m = describe(p);
    snprintf(want, sizeof want, "credentials from profile 'default' in "
             "%s/credentials; access key ************0001; does not "
             "expire", fix);
    TMSG(eq(m, want), "%s", m);
    T(!has(m, "AKIDDEFAULT"));
    cred_free(p);

    /* indented keys, a mixed-case key, no spaces around '=' */
    o = opts_profile("dev");
    T(get(&o, &f, T0, &p, &c, &m) == 0);
    T(c && eq(c->access_key_id, "AKIDDEV000000002") &&
      eq(c->secret_access_key, "devSEKRET0002") &&
      eq(c->session_token, "devTOKSEKRET0002"));
    cred_free(p);

    /* the credentials file beats the config file */
    o.profile = "both";
    T(get(&o, &f, T0, &p, &c, &m) == 0 &&
      eq(c->access_key_id, "AKIDBOTHCREDS003"));
    cred_free(p);

    /* static keys in the config file */
    o.profile = "cfgonly";
    T(get(&o, &f, T0, &p, &c, &m) == 0 &&
      eq(c->access_key_id, "AKIDCFGONLY00009") &&
      eq(c->session_token, "cfgonlyTOKSEKRET009"));
    snprintf(want, sizeof want, "credentials from profile 'cfgonly' in "
             "%s/config;", fix);
    TMSG(has(describe(p), want), "%s", describe(p));
    cred_free(p);

    /* section names are case-sensitive: [Default] is its own profile */
    o.profile = "Default";
    T(get(&o, &f, T0, &p, &c, &m) == 0 &&
      eq(c->access_key_id, "AKIDWRONGCASE006"));
    cred_free(p);

    /* credentials file > credential_process > config file */
    o.profile = "proc-and-creds";
    T(get(&o, &f, T0, &p, &c, &m) == 0 &&
      eq(c->access_key_id, "AKIDCREDSWINS007"));
    cred_free(p);
    o.profile = "proc-and-config";
    T(get(&o, &f, T0, &p, &c, &m) == 0 &&
      eq(c->access_key_id, "AKIDPROCWINS0014"));
    cred_free(p);

    /* role_arn beats static keys of the same profile */
    o.profile = "role-over-static";
    T(get(&o, &f, T0, &p, &c, &m) == 0 && f.nassume == 1 &&
      eq(f.assume[0].base_akid, "AKIDDEV000000002"));
    cred_free(p);

    /* a half-configured profile names the file and line */
    o.profile = "partial";
    T(get(&o, &f, T0, &p, &c, &m) == GEN_EINPUT);
    snprintf(want, sizeof want, "%s/credentials:20: profile 'partial': "
             "aws_access_key_id without aws_secret_access_key", fix);
    TMSG(eq(m, want), "%s", m);
    cred_free(p);

    /* SSO is refused with the workaround, not skipped */
    o.profile = "sso";
    T(get(&o, &f, T0, &p, &c, &m) == GEN_ECRED);
    snprintf(want, sizeof want, "%s/config:119: profile 'sso' uses IAM "
             "Identity Center (SSO), which luaform does not support; use "
             "credential_process = aws configure export-credentials "
             "--profile sso --format process", fix);
    TMSG(eq(m, want), "%s", m);
    cred_free(p);
}

static void test_roles(void)
{
    struct fake f;
    struct cred_provider *p;
    const struct cred_creds *c;
    const char *m;
    struct cred_opts o = opts_profile("chain-a");
    struct gen_err e;
    char want[3 * PATH_MAX];

    reset();
    fixtures();

    /* chain-a <- chain-b <- dev (static) */
    fake_init(&f);
    T(get(&o, &f, T0, &p, &c, &m) == 0);
    T(f.nassume == 2);
    T(eq(f.assume[0].base_akid, "AKIDDEV000000002") &&
      eq(f.assume[0].base_secret, "devSEKRET0002"));
    T(eq(f.assume[0].role, "arn:aws:iam::333333333333:role/b"));
    T(eq(f.assume[0].session, "luaform-1700000000"));
    T(eq(f.assume[0].ext, "") && f.assume[0].dur == 0);
    T(eq(f.assume[1].base_akid, "ASIAROLE00000001") &&
      eq(f.assume[1].base_secret, "roleSEKRET1"));
    T(eq(f.assume[1].role, "arn:aws:iam::222222222222:role/a"));
    T(eq(f.assume[1].session, "sess-a") && eq(f.assume[1].ext, "ext-a") &&
      f.assume[1].dur == 1800);
    T(c && eq(c->access_key_id, "ASIAROLE00000002") &&
      eq(c->session_token, "roleTOKSEKRET2") && c->expiration == T0 + 3600);
    m = describe(p);
    snprintf(want, sizeof want, "credentials from profile 'dev' in "
             "%s/credentials, then role arn:aws:iam::333333333333:role/b "
             "(profile 'chain-b', session 'luaform-1700000000'), then role "
             "arn:aws:iam::222222222222:role/a (profile 'chain-a', session "
             "'sess-a'); access key ************0002; expires "
             "2023-11-14T23:13:20Z", fix);
    TMSG(eq(m, want), "%s", m);

    /* refresh: cached until 5 minutes before expiry, then re-assumed */
    T(cred_get(p, T0 + 3299, &c, &e) == 0 && f.nassume == 2 &&
      eq(c->access_key_id, "ASIAROLE00000002"));
    f.exp = T0 + 7200;
    T(cred_get(p, T0 + 3300, &c, &e) == 0 && f.nassume == 4 &&
      eq(c->access_key_id, "ASIAROLE00000004") &&
      c->expiration == T0 + 7200);
    T(eq(f.assume[2].base_akid, "AKIDDEV000000002") &&
      eq(f.assume[2].session, "luaform-1700000000"));
    /* a failed refresh keeps the cache and says which step failed */
    f.fail = 1;
    T(cred_get(p, T0 + 7000, &c, &e) == GEN_EAWS);
    TMSG(eq(msg(&e), "assume role arn:aws:iam::333333333333:role/b "
            "(profile 'chain-b'): AccessDenied: not authorized to perform "
            "sts:AssumeRole"), "%s", e.msg);
    f.fail = 0;
    T(cred_get(p, T0 + 7000, &c, &e) == 0 &&
      eq(c->access_key_id, "ASIAROLE00000006"));
    cred_free(p);

    /* --role-arn on top of a profile */
    fake_init(&f);
    o = opts_profile("dev");
    o.role_arn = "arn:aws:iam::999999999999:role/deploy";
    o.role_session_name = "deploy-42";
    o.role_external_id = "ext-42";
    o.role_duration_seconds = 900;
    T(get(&o, &f, T0, &p, &c, &m) == 0 && f.nassume == 1);
    T(eq(f.assume[0].base_akid, "AKIDDEV000000002") &&
      eq(f.assume[0].role, "arn:aws:iam::999999999999:role/deploy") &&
      eq(f.assume[0].session, "deploy-42") &&
      eq(f.assume[0].ext, "ext-42") && f.assume[0].dur == 900);
    TMSG(has(describe(p), ", then role arn:aws:iam::999999999999:role/deploy"
             " (--role-arn, session 'deploy-42')"), "%s", describe(p));
    cred_free(p);
    o.profile = "chain-a";
    T(get(&o, &f, T0, &p, &c, &m) == 0 && f.nassume == 4 &&
      eq(f.assume[3].role, "arn:aws:iam::999999999999:role/deploy") &&
      eq(f.assume[3].base_akid, "ASIAROLE00000003"));
    cred_free(p);

    /* self-reference with static keys is allowed (one AssumeRole) */
    fake_init(&f);
    o = opts_profile("selfref");
    T(get(&o, &f, T0, &p, &c, &m) == 0 && f.nassume == 1 &&
      eq(f.assume[0].base_akid, "AKIDSELFREF00005") &&
      eq(f.assume[0].role, "arn:aws:iam::111111111111:role/self"));
    cred_free(p);

    /* credential_source = Environment, even with --profile */
    fake_init(&f);
    o = opts_profile("envsrc");
    setenv("AWS_ACCESS_KEY_ID", "AKIDENVSOURCE001", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "envsrcSEKRET", 1);
    T(get(&o, &f, T0, &p, &c, &m) == 0 && f.nassume == 1 &&
      eq(f.assume[0].base_akid, "AKIDENVSOURCE001") &&
      eq(f.assume[0].role, "arn:aws:iam::555555555555:role/env"));
    TMSG(has(describe(p), "credentials from environment variables "
             "(credential_source of profile 'envsrc'), then role"), "%s",
         describe(p));
    cred_free(p);
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");

    /* broken role settings: file:line and why */
    {
        static const struct {
            const char *profile;
            int code;
            const char *where;
            const char *text;
        } bad[] = {
            {"envsrc", GEN_ECRED, "config:45", "profile 'envsrc': "
             "credential_source Environment: AWS_ACCESS_KEY_ID is not set"},
            {"imds", GEN_EINPUT, "config:49", "profile 'imds': "
             "credential_source Ec2InstanceMetadata is not supported by "
             "luaform"},
            {"twosources", GEN_EINPUT, "config:54", "profile 'twosources' "
             "has both source_profile and credential_source"},
            {"nosource", GEN_EINPUT, "config:57", "profile 'nosource' has "
             "role_arn but neither source_profile nor credential_source"},
            {"ghostsrc", GEN_EINPUT, "config:61", "profile 'ghostsrc': "
             "source_profile 'ghost' does not exist"},
            {"loop-a", GEN_EINPUT, "config:37", "profile 'loop-b': "
             "source_profile loop: loop-a -> loop-b -> loop-a"},
            {"selfloop", GEN_EINPUT, "config:41", "profile 'selfloop': "
             "source_profile loop: selfloop -> selfloop"},
            {"emptysrc", GEN_ECRED, "config:65", "profile 'emptysrc': "
             "source profile 'regiononly' has no credentials"},
            {"mfa", GEN_EINPUT, "config:73", "profile 'mfa': mfa_serial is "
             "set, but luaform cannot prompt for an MFA code"},
            {"badduration", GEN_EINPUT, "config:78", "profile "
             "'badduration': duration_seconds must be a whole number of "
             "seconds from 900 to 43200"},
        };
        size_t i;

        for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            fake_init(&f);
            o = opts_profile(bad[i].profile);
            snprintf(want, sizeof want, "%s/%s: %s", fix, bad[i].where,
                     bad[i].text);
            TMSG(get(&o, &f, T0, &p, &c, &m) == bad[i].code, "%s", m);
            TMSG(eq(m, want), "%s", m);
            T(f.nassume == 0);
            cred_free(p);
        }
    }
}

static void test_web_identity(void)
{
    struct fake f;
    struct cred_provider *p;
    const struct cred_creds *c;
    const char *m;
    struct cred_opts o = opts_profile("dev");
    struct gen_err e;
    char tok[PATH_MAX + 16], cfg[PATH_MAX + 16], text[3 * PATH_MAX];

    path(tok, sizeof tok, fix, "token");

    /* from the environment; the token's trailing newline is dropped */
    fake_init(&f);
    reset();
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", tok, 1);
    setenv("AWS_ROLE_ARN", "arn:aws:iam::666666666666:role/eks", 1);
    setenv("AWS_ROLE_SESSION_NAME", "pod-1", 1);
    T(get(NULL, &f, T0, &p, &c, &m) == 0 && f.nwebid == 1);
    T(eq(f.webid[0].token, "eyJhbGciOiJSUzI1NiJ9.webidTOKSEKRET.sig"));
    T(eq(f.webid[0].role, "arn:aws:iam::666666666666:role/eks") &&
      eq(f.webid[0].session, "pod-1") && f.webid[0].dur == 0);
    T(c && eq(c->access_key_id, "ASIAWEB000000001"));
    m = describe(p);
    TMSG(has(m, "credentials from web identity token file '") &&
         has(m, "/token' (AWS_WEB_IDENTITY_TOKEN_FILE) for role "
             "arn:aws:iam::666666666666:role/eks (session 'pod-1')"),
         "%s", m);
    cred_free(p);

    /* CLI v2 order: it beats the default profile's static keys... */
    fixtures();
    T(get(NULL, &f, T0, &p, &c, &m) == 0 && f.nwebid == 2 &&
      has(c->access_key_id, "ASIAWEB"));
    cred_free(p);
    /* ...but not the profile's role_arn, nor --profile */
    setenv("AWS_PROFILE", "chain-b", 1);
    T(get(NULL, &f, T0, &p, &c, &m) == 0 && f.nwebid == 2 &&
      f.nassume == 1);
    cred_free(p);
    unsetenv("AWS_PROFILE");
    T(get(&o, &f, T0, &p, &c, &m) == 0 && f.nwebid == 2 &&
      eq(c->access_key_id, "AKIDDEV000000002"));
    cred_free(p);

    /* no role, or no token file */
    unsetenv("AWS_ROLE_ARN");
    T(get(NULL, &f, T0, &p, &c, &m) == GEN_ECRED);
    TMSG(eq(m, "web identity: AWS_WEB_IDENTITY_TOKEN_FILE is set but no "
            "role is (AWS_ROLE_ARN or role_arn of profile 'default')"), "%s",
         m);
    cred_free(p);
    setenv("AWS_ROLE_ARN", "arn:aws:iam::666666666666:role/eks", 1);
    path(text, sizeof text, scratch, "no-such-token");
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", text, 1);
    T(get(NULL, &f, T0, &p, &c, &m) == GEN_EIO);
    TMSG(has(m, "web identity: cannot read web identity token file '") &&
         has(m, "no-such-token': No such file or directory"), "%s", m);
    cred_free(p);

    /* from a profile; refresh re-reads the file */
    reset();
    fake_init(&f);
    path(tok, sizeof tok, scratch, "tok");
    put(tok, "firstTOKSEKRET");
    path(cfg, sizeof cfg, scratch, "config-webid");
    snprintf(text, sizeof text, "[profile webid]\n"
             "web_identity_token_file = %s\n"
             "role_arn = arn:aws:iam::666666666666:role/web\n"
             "role_session_name = web-sess\n"
             "[profile hop]\n"
             "role_arn = arn:aws:iam::777777777777:role/hop\n"
             "source_profile = webid\n", tok);
    put(cfg, text);
    setenv("AWS_CONFIG_FILE", cfg, 1);
    setenv("AWS_PROFILE", "webid", 1);
    T(get(NULL, &f, T0, &p, &c, &m) == 0 && f.nwebid == 1 &&
      eq(f.webid[0].token, "firstTOKSEKRET") &&
      eq(f.webid[0].role, "arn:aws:iam::666666666666:role/web") &&
      eq(f.webid[0].session, "web-sess"));
    put(tok, "secondTOKSEKRET\n");
    T(cred_get(p, T0 + 60, &c, &e) == 0 && f.nwebid == 1);
    T(cred_get(p, T0 + 3500, &c, &e) == 0 && f.nwebid == 2 &&
      eq(f.webid[1].token, "secondTOKSEKRET") &&
      eq(c->access_key_id, "ASIAWEB000000002"));
    put(tok, "\n");
    T(cred_get(p, T0 + 7000, &c, &e) == GEN_ECRED);
    TMSG(has(msg(&e), "profile 'webid': web identity: web identity token "
             "file '") && has(e.msg, "/tok' is empty"), "%s", e.msg);
    cred_free(p);
    /* as a source profile: the token, then AssumeRole */
    put(tok, "thirdTOKSEKRET");
    setenv("AWS_PROFILE", "hop", 1);
    T(get(NULL, &f, T0, &p, &c, &m) == 0 && f.nwebid == 3 &&
      f.nassume == 1 && has(f.assume[0].base_akid, "ASIAWEB") &&
      eq(f.assume[0].role, "arn:aws:iam::777777777777:role/hop"));
    cred_free(p);
    remove(tok);
    remove(cfg);
}

static void test_process(void)
{
    struct fake f;
    struct cred_provider *p;
    const struct cred_creds *c;
    const char *m;
    struct cred_opts o = opts_profile("proc");
    struct gen_err e;
    char want[3 * PATH_MAX], counter[PATH_MAX + 16];
    size_t i;
    static const struct {
        const char *profile;
        const char *text;
    } bad[] = {
        {"proc-fail", "config:87: profile 'proc-fail': credential_process: "
         "exited with status 3: vault is sealed"},
        {"proc-badjson", "config:90: profile 'proc-badjson': "
         "credential_process: output is not valid JSON (line 1, column "},
        {"proc-version", "config:93: profile 'proc-version': "
         "credential_process: output has no \"Version\": 1 (the only "
         "version there is)"},
        {"proc-missing", "config:96: profile 'proc-missing': "
         "credential_process: output has no SecretAccessKey"},
        {"proc-expired", "config:99: profile 'proc-expired': "
         "credential_process: returned credentials that expired at "
         "2001-01-01T00:00:00Z"},
    };

    fake_init(&f);
    reset();
    fixtures();
    T(get(&o, &f, T0, &p, &c, &m) == 0);
    T(c && eq(c->access_key_id, "AKIDPROCESS00010") &&
      eq(c->secret_access_key, "procSEKRET010") &&
      eq(c->session_token, "procTOKSEKRET010") && c->expiration == Y2030);
    m = describe(p);
    snprintf(want, sizeof want, "credentials from credential_process of "
             "profile 'proc' (%s/config); access key ************0010; "
             "expires 2030-01-01T00:00:00Z", fix);
    TMSG(eq(m, want), "%s", m);
    cred_free(p);

    o.profile = "proc-noexp";
    T(get(&o, &f, T0, &p, &c, &m) == 0 &&
      eq(c->access_key_id, "AKIDPROCNOEXP011") && !c->session_token &&
      c->expiration == 0);
    cred_free(p);

    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        o.profile = bad[i].profile;
        snprintf(want, sizeof want, "%s/%s", fix, bad[i].text);
        T(get(&o, &f, T0, &p, &c, &m) == GEN_ECRED);
        /* jansson picks the column; stderr is quoted, stdout never */
        TMSG(i == 1 ? has(m, want) && has(m, "): warning: old format")
                    : eq(m, want), "%s", m);
        T(!has(m, "AKIDLEAK"));
        cred_free(p);
    }

    /* refresh re-runs the command, with a pinned clock */
    path(counter, sizeof counter, scratch, "counter");
    setenv("CRED_COUNTER", counter, 1);
    o.profile = "proc-counter";
    T(get(&o, &f, Y2030 - 3600, &p, &c, &m) == 0 &&
      eq(c->access_key_id, "AKIDCOUNT0000001"));
    T(cred_get(p, Y2030 - 3600 + 10, &c, &e) == 0 &&
      eq(c->access_key_id, "AKIDCOUNT0000001"));
    T(cred_get(p, Y2030 - 301, &c, &e) == 0 &&
      eq(c->access_key_id, "AKIDCOUNT0000001"));
    T(cred_get(p, Y2030 - 200, &c, &e) == 0 &&
      eq(c->access_key_id, "AKIDCOUNT0000002"));
    /* past the returned expiration: the process is re-run and refused */
    T(cred_get(p, Y2030 + 1, &c, &e) == GEN_ECRED);
    TMSG(has(msg(&e), "returned credentials that expired at "
             "2030-01-01T00:00:00Z"), "%s", e.msg);
    cred_free(p);
    remove(counter);
}

static void test_github(void)
{
    struct fake f;
    struct cred_provider *p;
    const struct cred_creds *c;
    const char *m;
    struct cred_opts o = opts_profile(NULL);
    struct gen_err e;

    reset();
    fake_init(&f);
    f.body = "{\"count\": 1802, \"value\": \"ghjwtTOKSEKRET\"}";
    setenv("ACTIONS_ID_TOKEN_REQUEST_URL",
           "https://pipelines.example/idtoken?api-version=2.0", 1);
    setenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "ghreqSEKRET", 1);
    o.role_arn = "arn:aws:iam::123456789012:role/gh-deploy";
    o.role_duration_seconds = 1200;
    T(get(&o, &f, T0, &p, &c, &m) == 0);
    T(f.nget == 1 && f.nwebid == 1 && f.nassume == 0);
    T(eq(f.url, "https://pipelines.example/idtoken?api-version=2.0"
         "&audience=sts.amazonaws.com"));
    T(eq(f.bearer, "ghreqSEKRET"));
    T(eq(f.webid[0].token, "ghjwtTOKSEKRET") &&
      eq(f.webid[0].role, "arn:aws:iam::123456789012:role/gh-deploy") &&
      eq(f.webid[0].session, "luaform-1700000000") &&
      f.webid[0].dur == 1200);
    T(c && eq(c->access_key_id, "ASIAWEB000000001"));
    m = describe(p);
    TMSG(eq(m, "credentials from GitHub Actions OIDC token for role "
            "arn:aws:iam::123456789012:role/gh-deploy (session "
            "'luaform-1700000000'); access key ************0001; expires "
            "2023-11-14T23:13:20Z"), "%s", m);
    /* refresh fetches a new token */
    T(cred_get(p, T0 + 3000, &c, &e) == 0 && f.nget == 1);
    T(cred_get(p, T0 + 3400, &c, &e) == 0 && f.nget == 2 && f.nwebid == 2);
    /* refused token request: the status, never the body */
    f.status = 403;
    f.body = "{\"message\": \"bodySEKRET\"}";
    T(cred_get(p, T0 + 7000, &c, &e) == GEN_ECRED);
    TMSG(eq(msg(&e), "GitHub OIDC: the token request was answered with "
            "HTTP 403 (does the job have 'permissions: id-token: write'?)"),
         "%s", e.msg);
    f.status = 200;
    f.body = "<html>oops</html>";
    T(cred_get(p, T0 + 7000, &c, &e) == GEN_ECRED);
    TMSG(eq(msg(&e), "GitHub OIDC: the token answer has no \"value\""), "%s",
         e.msg);
    cred_free(p);

    /* a URL without a query, and a session name from --role-session-name */
    fake_init(&f);
    f.body = "{\"value\": \"ghjwtTOKSEKRET2\"}";
    setenv("ACTIONS_ID_TOKEN_REQUEST_URL", "https://pipelines.example/t", 1);
    o.role_session_name = "gh-run-7";
    T(get(&o, &f, T0, &p, &c, &m) == 0 &&
      eq(f.url, "https://pipelines.example/t?audience=sts.amazonaws.com") &&
      eq(f.webid[0].session, "gh-run-7"));
    cred_free(p);

    /* other base credentials first: AssumeRole, no token request */
    fake_init(&f);
    setenv("AWS_ACCESS_KEY_ID", "AKIDRUNNERENV001", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "runnerSEKRET", 1);
    T(get(&o, &f, T0, &p, &c, &m) == 0 && f.nget == 0 && f.nassume == 1 &&
      eq(f.assume[0].base_akid, "AKIDRUNNERENV001") &&
      eq(f.assume[0].role, "arn:aws:iam::123456789012:role/gh-deploy") &&
      eq(f.assume[0].session, "gh-run-7") && f.assume[0].dur == 1200);
    cred_free(p);
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");

    /* without --role-arn the GitHub variables are not used */
    o.role_arn = NULL;
    T(get(&o, &f, T0, &p, &c, &m) == GEN_ECRED && f.nget == 0);
    T(has(m, "GitHub OIDC: --role-arn not given)"));
    cred_free(p);
}

static void test_parse_errors(void)
{
    struct fake f;
    struct cred_provider *p;
    const struct cred_creds *c;
    const char *m;
    char file[PATH_MAX + 16], want[3 * PATH_MAX];
    size_t i;
    static const struct {
        const char *text;
        int line;
        const char *msg;
    } bad[] = {
        {"[default\nregion = x\n", 1, "missing ']' in section header"},
        {"# c\nregion = x\n", 2, "setting before any [section]"},
        {"[a]\nk = 1\n\n[a]\n", 4, "duplicate section [a] (first at line "
         "1)"},
        {"[a]\nk = 1\nK = 2\n", 3, "duplicate key 'k' in [a] (first at "
         "line 2)"},
        {"[a]\ns3 =\n  ; fine\n  x = 1\n  nokeySEKRET\n", 5, "expected "
         "'key = value' in the block under 's3'"},
        {"[a] junk\n", 1, "unexpected text after ']'"},
        {"[ ]\n", 1, "empty section name"},
        {"[a]\n = vSEKRET\n", 2, "missing key before '='"},
        {"[a]\r\nk = 1\r\nk\r\n", 3, "expected '[section]' or 'key = "
         "value'"},
    };

    fake_init(&f);
    reset();
    fixtures();
    path(file, sizeof file, fix, "config_bad");
    setenv("AWS_CONFIG_FILE", file, 1);
    T(get(NULL, &f, T0, &p, &c, &m) == GEN_EINPUT && p == NULL);
    snprintf(want, sizeof want, "%s:6: expected '[section]' or 'key = "
             "value'", file);
    TMSG(eq(m, want), "%s", m);

    path(file, sizeof file, scratch, "bad");
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        put(file, bad[i].text);
        snprintf(want, sizeof want, "%s:%d: %s", file, bad[i].line,
                 bad[i].msg);
        setenv("AWS_CONFIG_FILE", file, 1);
        T(get(NULL, &f, T0, &p, &c, &m) == GEN_EINPUT);
        TMSG(eq(m, want), "config: %s", m);
        fixtures();
        setenv("AWS_SHARED_CREDENTIALS_FILE", file, 1);
        T(get(NULL, &f, T0, &p, &c, &m) == GEN_EINPUT);
        TMSG(eq(m, want), "credentials: %s", m);
    }

    /* accepted: comments after ']', blank lines inside a block, a BOM */
    put(file, "\xef\xbb\xbf[default] ; comment\n"
              "aws_access_key_id = AKIDPARSEOK0001\n"
              "s3 =\n  a = 1\n\n  b = 2\n"
              "aws_secret_access_key = parseSEKRET\n");
    setenv("AWS_SHARED_CREDENTIALS_FILE", file, 1);
    T(get(NULL, &f, T0, &p, &c, &m) == 0 &&
      eq(c->access_key_id, "AKIDPARSEOK0001"));
    cred_free(p);

    /* a directory is not a file */
    setenv("AWS_SHARED_CREDENTIALS_FILE", scratch, 1);
    T(get(NULL, &f, T0, &p, &c, &m) == GEN_EIO);
    TMSG(has(m, "cannot read file '") && has(m, "Is a directory"), "%s",
         m);
    /* nor is a FIFO (refused at once, not waited on) or a device */
    {
        char fifo[600];

        snprintf(fifo, sizeof fifo, "%s/fifo", scratch);
        T(mkfifo(fifo, 0600) == 0);
        setenv("AWS_SHARED_CREDENTIALS_FILE", fifo, 1);
        T(get(NULL, &f, T0, &p, &c, &m) == GEN_EIO);
        TMSG(has(m, "cannot read file '") && has(m, "not a regular file"), "%s", m);
        unlink(fifo);
        setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/zero", 1);
        T(get(NULL, &f, T0, &p, &c, &m) == GEN_EIO);
        TMSG(has(m, "not a regular file"), "%s", m);
    }
    remove(file);
}

static void test_region_endpoint(void)
{
    struct fake f;
    struct cred_provider *p;
    const struct cred_creds *c;
    const char *m;
    struct cred_opts o = opts_profile("endpoints");
    struct gen_err e;

    fake_init(&f);
    reset();
    fixtures();
    T(cred_new(NULL, NULL, &p, &e) == 0);
    T(eq(region_resolve(cred_profile(p), NULL), "us-west-2"));
    setenv("AWS_DEFAULT_REGION", "eu-south-1", 1);
    T(eq(region_resolve(cred_profile(p), NULL), "eu-south-1"));
    setenv("AWS_REGION", "eu-south-2", 1);
    T(eq(region_resolve(cred_profile(p), NULL), "eu-south-2"));
    T(eq(region_resolve(cred_profile(p), "eu-west-3"), "eu-west-3"));
    T(eq(region_resolve(cred_profile(p), ""), "eu-south-2"));
    T(eq(region_resolve(cred_profile(NULL), NULL), "eu-south-2"));
    unsetenv("AWS_REGION");
    unsetenv("AWS_DEFAULT_REGION");
    T(region_resolve(cred_profile(NULL), NULL) == NULL);
    T(endpoints_configured(cred_profile(p), "cloudformation", NULL) == NULL);
    /* static keys need no STS client */
    T(cred_get(p, T0, &c, &e) == 0 &&
      eq(c->access_key_id, "AKIDDEFAULT00001"));
    cred_free(p);

    {
        static const struct {
            const char *profile, *region;
        } regions[] = {
            {"dev", "eu-west-1"},
            {"both", "ap-south-1"},     /* credentials file over config */
            {"spaced", "ca-central-1"}, /* "[profile  spaced]", REGION */
            {"quoted", "me-south-1"},   /* [profile "quoted"] */
            {"continued", "ap-east-1\nthis line continues the value"},
            {"envsrc", NULL},
        };
        size_t i;

        for (i = 0; i < sizeof regions / sizeof regions[0]; i++) {
            const char *r;

            o = opts_profile(regions[i].profile);
            T(cred_new(&o, NULL, &p, &e) == 0);
            r = region_resolve(cred_profile(p), NULL);
            TMSG(regions[i].region ? eq(r, regions[i].region) : r == NULL,
                 "%s: %s", regions[i].profile, r ? r : "(null)");
            cred_free(p);
        }
    }

    o = opts_profile("endpoints");
    T(cred_new(&o, NULL, &p, &e) == 0);
    T(eq(cred_profile_name(p), "endpoints"));
    T(eq(region_resolve(cred_profile(p), NULL), "us-east-2"));
    T(eq(endpoints_configured(cred_profile(p), "cloudformation", NULL),
         "http://127.0.0.1:5000"));
    T(eq(endpoints_configured(cred_profile(p), "sts", NULL), "http://127.0.0.1:5001"));
    T(eq(endpoints_configured(cred_profile(p), "s3", NULL), "http://127.0.0.1:4566"));
    T(eq(endpoints_configured(cred_profile(p), NULL, NULL), "http://127.0.0.1:4566"));
    T(eq(endpoints_configured(cred_profile(p), "sts", "http://cli:1"), "http://cli:1"));
    setenv("AWS_ENDPOINT_URL", "http://env:2", 1);
    T(eq(endpoints_configured(cred_profile(p), "sts", NULL), "http://env:2"));
    setenv("AWS_ENDPOINT_URL_CLOUDFORMATION", "http://env-cfn:3", 1);
    T(eq(endpoints_configured(cred_profile(p), "cloudformation", NULL), "http://env-cfn:3"));
    T(eq(endpoints_configured(cred_profile(p), "sts", NULL), "http://env:2"));
    setenv("AWS_IGNORE_CONFIGURE_ENDPOINT_URLS", "True", 1);
    T(endpoints_configured(cred_profile(p), "cloudformation", NULL) == NULL);
    T(eq(endpoints_configured(cred_profile(p), "cloudformation", "http://cli:1"),
         "http://cli:1"));
    cred_free(p);

    o.profile = "dev";
    unsetenv("AWS_IGNORE_CONFIGURE_ENDPOINT_URLS");
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_ENDPOINT_URL_CLOUDFORMATION");
    T(cred_new(&o, NULL, &p, &e) == 0);
    T(endpoints_configured(cred_profile(p), "cloudformation", NULL) == NULL);
    /* a provider without callbacks fails cleanly where it needs them */
    o.profile = "chain-b";
    cred_free(p);
    T(cred_new(&o, NULL, &p, &e) == 0);
    T(cred_get(p, T0, &c, &e) == GEN_EINTERNAL);
    TMSG(eq(msg(&e), "assume role arn:aws:iam::333333333333:role/b (profile "
            "'chain-b'): no STS client"), "%s", e.msg);
    cred_free(p);
    (void)m;
}

/* Nothing the tests saw may hold a secret. */
static void test_no_secrets(void)
{
    const char *all = buf_cstr(&seen);

    TMSG(seen.len > 4000, "only %zu bytes of messages seen", seen.len);
    TMSG(!has(all, "SEKRET"), "a secret leaked:\n%s", all);
    T(!has(all, "AKIDLEAK"));
    T(!has(all, "eyJhbGciOiJSUzI1NiJ9"));
    T(!has(all, "AKIDDEV000000002") && !has(all, "AKIDPROCESS00010"));
}

int main(void)
{
    char here[PATH_MAX], cmd[PATH_MAX + 16];
    const char *slash = strrchr(__FILE__, '/');
    int rc;

    /* the fixtures sit next to this file; run from the project root */
    snprintf(here, sizeof here, "%.*s/credentials",
             slash ? (int)(slash - __FILE__) : 1, slash ? __FILE__ : ".");
    if (here[0] == '/') {
        snprintf(fix, sizeof fix, "%s", here);
    } else if (getcwd(cmd, sizeof cmd) &&
               strlen(cmd) + 1 + strlen(here) < sizeof fix) {
        size_t cn = strlen(cmd);

        memcpy(fix, cmd, cn);
        fix[cn] = '/';
        memcpy(fix + cn + 1, here, strlen(here) + 1);
    }
    if (!fix[0] || access(fix, R_OK) != 0) {
        fprintf(stderr, "test_credentials: no fixtures at '%s'\n", fix);
        return 2;
    }
    snprintf(scratch, sizeof scratch, "/tmp/test_credentials.XXXXXX");
    if (!mkdtemp(scratch)) {
        perror("mkdtemp");
        return 2;
    }
    snprintf(cmd, sizeof cmd, "%s/home", scratch);
    mkdir(cmd, 0700);
    env_save();
    buf_init(&seen);

    test_creds_struct();
    test_nothing_found();
    test_missing_profile();
    test_default_files();
    test_env();
    test_profiles();
    test_roles();
    test_web_identity();
    test_process();
    test_github();
    test_parse_errors();
    test_region_endpoint();
    test_no_secrets();

    env_restore();
    buf_free(&seen);
    buf_free(&desc);
    rmdir(cmd);
    rmdir(scratch);
    rc = t_report();
    return rc;
}
