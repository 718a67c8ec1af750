/* profile.c: the named profile over the two shared files; profile.h. */
#include "aws/profile.h"
#include "core/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *profile_env(const char *name)
{
    const char *v = getenv(name);

    return v && *v ? v : NULL;
}

int profile_load(struct profile *pf, const char *cli_profile, struct gen_err *e)
{
    const char *v;
    int r;

    memset(pf, 0, sizeof *pf);
    if (cli_profile && *cli_profile) {
        v = cli_profile;
        pf->named_by = "--profile";
    } else if (profile_env("AWS_PROFILE")) {
        v = profile_env("AWS_PROFILE");
        pf->named_by = "AWS_PROFILE";
    } else {
        v = "default";
    }
    pf->name = strdup(v);
    if (!pf->name)
        return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    v = profile_env("AWS_SHARED_CREDENTIALS_FILE");
    r = ini_load(&pf->files[PROFILE_CREDENTIALS], v ? v : "~/.aws/credentials", e);
    if (r == 0) {
        v = profile_env("AWS_CONFIG_FILE");
        r = ini_load(&pf->files[PROFILE_CONFIG], v ? v : "~/.aws/config", e);
    }
    if (r == 0 && pf->named_by && !profile_exists(pf, pf->name)) {
        char a[300], b[300];

        r = err_set(e, GEN_EINPUT, NULL, 0, "profile '%s' (from %s) not found in %s (%s) "
                    "or %s (%s)", pf->name, pf->named_by,
                    pf->files[PROFILE_CREDENTIALS].disp,
                    profile_missing_reason(pf, PROFILE_CREDENTIALS, a, sizeof a),
                    pf->files[PROFILE_CONFIG].disp,
                    profile_missing_reason(pf, PROFILE_CONFIG, b, sizeof b));
    }
    if (r < 0)
        profile_free(pf);
    return r;
}

void profile_free(struct profile *pf)
{
    if (!pf)
        return;
    free(pf->name);
    ini_free(&pf->files[PROFILE_CREDENTIALS]);
    ini_free(&pf->files[PROFILE_CONFIG]);
    memset(pf, 0, sizeof *pf);
}

const struct ini_sec *profile_section(const struct profile *pf, enum profile_file which,
                                      const char *prof)
{
    if (which == PROFILE_CREDENTIALS)
        return ini_section(&pf->files[PROFILE_CREDENTIALS], prof);
    return ini_prefixed_section(&pf->files[PROFILE_CONFIG], "profile", prof);
}

int profile_get(const struct profile *pf, const char *prof, const char *key,
                struct profile_setting *s)
{
    int which;

    for (which = PROFILE_CREDENTIALS; pf && which <= PROFILE_CONFIG; which++) {
        const struct ini_kv *kv = ini_get(profile_section(pf, which, prof), key);

        if (kv) {
            s->val = kv->val;
            s->file = pf->files[which].disp;
            s->line = kv->line;
            s->kv = kv;
            return 1;
        }
    }
    memset(s, 0, sizeof *s);
    return 0;
}

const char *profile_value(const struct profile *pf, const char *prof, const char *key)
{
    struct profile_setting s;

    return profile_get(pf, prof, key, &s) ? s.val : NULL;
}

int profile_exists(const struct profile *pf, const char *prof)
{
    return profile_section(pf, PROFILE_CREDENTIALS, prof) ||
           profile_section(pf, PROFILE_CONFIG, prof);
}

const char *profile_missing_reason(const struct profile *pf, enum profile_file which,
                                   char *tmp, size_t n)
{
    const struct ini *f = &pf->files[which];

    if (!f->found)
        return "file not found";
    if (which == PROFILE_CREDENTIALS)
        snprintf(tmp, n, "no [%s] section", pf->name);
    else if (ini_section(f, pf->name))
        snprintf(tmp, n, "it has [%s], but config file profiles are [profile %s]",
                 pf->name, pf->name);
    else
        snprintf(tmp, n, "no [profile %s] section", pf->name);
    return tmp;
}
