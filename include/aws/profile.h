/* profile.h: the named profile of the AWS shared files, as the CLI v2
 * (botocore) reads it. The profile is --profile, else AWS_PROFILE, else
 * "default". Files: AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials) and
 * AWS_CONFIG_FILE (~/.aws/config); a key in the credentials file
 * overrides the same key of the same profile in the config file, as
 * botocore merges them (session.full_config). */
#ifndef LUAFORM_PROFILE_H
#define LUAFORM_PROFILE_H

#include "aws/ini.h"

struct gen_err;

enum profile_file { PROFILE_CREDENTIALS, PROFILE_CONFIG };

struct profile {
    char *name;               /* the profile in use */
    const char *named_by;     /* "--profile", "AWS_PROFILE" or NULL */
    struct ini files[2];      /* by enum profile_file */
};

/* A setting of a profile, with where it was found. */
struct profile_setting {
    const char *val;
    const char *file;         /* display name of the file */
    int line;
    const struct ini_kv *kv;
};

/* Pick the profile (cli_profile may be NULL or "") and read both files.
 * GEN_EINPUT when a file does not parse (file and line set) or when the
 * profile was named (--profile or AWS_PROFILE) but is in neither file;
 * GEN_EIO when a file exists but cannot be read. On failure pf is
 * emptied. */
int profile_load(struct profile *pf, const char *cli_profile, struct gen_err *e);
void profile_free(struct profile *pf);

/* getenv, with an empty value counting as unset (as in the SDKs). */
const char *profile_env(const char *name);

/* The section of profile prof in one file: "[prof]" in the credentials
 * file, "[profile prof]" (or "[default]") in the config file. */
const struct ini_sec *profile_section(const struct profile *pf, enum profile_file which,
                                      const char *prof);

/* Key of profile prof, the credentials file first; 1 with *s filled, or
 * 0 with *s zeroed. pf may be NULL (nothing is found). */
int profile_get(const struct profile *pf, const char *prof, const char *key,
                struct profile_setting *s);

/* The value of key of profile prof, or NULL. */
const char *profile_value(const struct profile *pf, const char *prof, const char *key);

/* Is there a section for prof in either file? */
int profile_exists(const struct profile *pf, const char *prof);

/* Why file which has no section for the profile in use, for messages:
 * "file not found", "no [profile x] section", ...; tmp holds the text. */
const char *profile_missing_reason(const struct profile *pf, enum profile_file which,
                                   char *tmp, size_t n);

#endif
