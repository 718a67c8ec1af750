/* rn.h: render: find stacks (built-in or files), run them, emit them. */
#ifndef LUAFORM_RN_H
#define LUAFORM_RN_H

#include <stddef.h>
#include "buf.h"
#include "lh.h"

struct gen_err;

enum rn_format { RN_JSON, RN_YAML };

#define RN_MAX_NAME 128          /* a CloudFormation stack name's limit */

struct rn_target {
    char name[RN_MAX_NAME + 1];  /* stack name; output is DIR/NAME.json */
    char system[64];             /* "" for a file without system.lua */
    char summary[256];           /* one line from the manifest */
    struct lh_source desc;
    struct lh_source manifest;   /* name == NULL when there is none */
    const char *example_config;  /* embedded path, or NULL */
    char *owned[2];              /* file data and names read from disk */
    char *owned_names[2];
};

struct rn_set {
    struct rn_target *v;
    size_t n, cap;
};

void rn_set_free(struct rn_set *s);

/* Add the stacks ARG names: a description file (has '/' or ends in .lua),
 * a built-in stack name, or a system name (all its stacks). */
int rn_resolve(struct rn_set *s, const char *arg, struct gen_err *e);

/* Add every built-in stack. */
int rn_all(struct rn_set *s, struct gen_err *e);

struct rn_opts {
    const char *config_path;     /* -c; NULL: the system's example config */
    char *const *overrides;      /* -p KEY=VALUE */
    int noverrides;
    enum rn_format fmt;
    int verbose;
};

/* Render one target into out; when tpl / deploy are not NULL, also hand
 * back the template model and the deployment settings (owned). */
int rn_render(const struct rn_target *t, const struct rn_opts *o,
              struct buf *out, json_t **tpl, json_t **deploy,
              struct gen_err *e);

const char *rn_ext(enum rn_format fmt);

#endif
