/* ini.h: the reader of the AWS shared files (~/.aws/config and
 * ~/.aws/credentials), parsed like botocore's raw_config_parse (Python's
 * RawConfigParser): section names are case-sensitive, keys are
 * lower-cased, values are trimmed and have no inline comments; a line
 * indented deeper than its key continues it: under "key =" (empty) the
 * lines are a nested block of "sub = value" pairs, otherwise they are
 * appended with '\n'. Stricter than configparser: only '=' separates,
 * text after ']' must be a comment. Duplicates are errors, as with
 * configparser's strict mode. Values may be secrets: they are wiped when
 * freed and never quoted in an error. */
#ifndef LUAFORM_INI_H
#define LUAFORM_INI_H

#include <stddef.h>

struct gen_err;

struct ini_kv {
    char *key;
    char *val;
    int line;
    struct ini_kv *sub;     /* nested block under "key =" */
    size_t nsub;
};

struct ini_sec {
    char *name;             /* as written, trimmed */
    int line;
    struct ini_kv *kv;
    size_t nkv;
};

struct ini {
    char *path;             /* to open */
    char *disp;             /* for messages: "~/.aws/config" or as set */
    int found;
    struct ini_sec *sec;
    size_t nsec;
};

/* Read the file at path ("~/..." is expanded as os.path.expanduser does;
 * messages show path as given). A missing file is no error: f->found
 * stays 0. GEN_EINPUT (file and line set) when it does not parse, GEN_EIO
 * when it cannot be read. */
int ini_load(struct ini *f, const char *path, struct gen_err *e);

/* Parse len bytes of data into f (whose disp names it in errors). */
int ini_parse(struct ini *f, const char *data, size_t len, struct gen_err *e);

/* Wipe and free; f becomes empty. */
void ini_free(struct ini *f);

/* The section named exactly name, or NULL. */
const struct ini_sec *ini_section(const struct ini *f, const char *name);

/* A "[PREFIX NAME]" section (botocore: shlex.split gives two words; NAME
 * may be quoted); for prefix "profile" and name "default" also
 * "[default]". The last match wins, as in botocore. */
const struct ini_sec *ini_prefixed_section(const struct ini *f, const char *prefix,
                                           const char *name);

/* The pair named key in kv[0..n), or NULL. */
const struct ini_kv *ini_kv_find(const struct ini_kv *kv, size_t n, const char *key);

/* The pair named key of section s (NULL is fine), or NULL. */
const struct ini_kv *ini_get(const struct ini_sec *s, const char *key);

#endif
