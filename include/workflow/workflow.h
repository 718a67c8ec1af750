/* workflow.h: GitHub Actions workflows generated from a system: the kinds
 * luaform knows, the model of a workflow (jansson objects in the order
 * they are written) and its YAML, emitted through libyaml. The pieces
 * every kind shares (pinned actions, checking out, building luaform)
 * are here too; each kind builds its workflow in workflow_KIND.c. */
#ifndef LUAFORM_WORKFLOW_H
#define LUAFORM_WORKFLOW_H

#include <jansson.h>
#include "core/buf.h"
#include "workflow/settings.h"

struct gen_err;

/* A kind of workflow: its selector (--NAME), its file in DIR and the
 * function that builds its model (a new object, NULL when out of memory)
 * for the stacks of a system with settings s. */
struct workflow_kind {
    const char *name;           /* "ci" */
    const char *file;           /* "ci.yml" */
    const char *summary;        /* one line for the usage text */
    json_t *(*build)(const struct workflow_settings *s);
    /* Does the system of s get this workflow? NULL: every system does. */
    int (*applies)(const struct workflow_settings *s);
};

/* Every kind luaform knows, NULL-terminated by a { NULL } entry. */
extern const struct workflow_kind workflow_kinds[];

/* The kind named name, or NULL. */
const struct workflow_kind *workflow_kind(const char *name);

/* Build kind k's workflow for s and write it as YAML into out (appended).
 * The same settings give the same bytes. */
int workflow_generate(const struct workflow_kind *k, const struct workflow_settings *s,
                      struct buf *out, struct gen_err *e);

/* Is old (n bytes: a file found where generated is to go) the same
 * workflow luaform generated, for the same system, so that it may be
 * replaced? Its first line, the workflow's `name:` (`name: luaform ci
 * (ltbase)`), which luaform writes first, must be generated's. */
int workflow_same_kind(const char *old, size_t n, const struct buf *generated);

/* ------------------------------------------- pieces for the kinds */

/* The actions a generated workflow may use, each pinned by commit. */
enum workflow_action { WORKFLOW_CHECKOUT, WORKFLOW_UPLOAD_SARIF };

/* A step that uses action a: {"name": "WHAT (ACTION VERSION)", "if":
 * cond (when not NULL), "uses": "ACTION@SHA"}; the version is in the name
 * as YAML written through libyaml cannot carry a "# v4.4.0" comment. */
json_t *workflow_uses(enum workflow_action a, const char *what, const char *cond);

/* A step {"name": name, "run": run}. */
json_t *workflow_run(const char *name, const char *run);

/* A job on s->runs_on with these permissions (steals perms), an if:
 * condition when cond is not NULL, an environment when environment is
 * neither NULL nor "", at most WORKFLOW_TIMEOUT minutes, and its first
 * steps: check out the repository (no credentials left behind), install
 * the build dependencies, build luaform. The caller appends its own steps
 * to "steps". NULL when out of memory. */
json_t *workflow_job(const struct workflow_settings *s, const char *name, const char *cond,
                     const char *environment, json_t *perms);

#define WORKFLOW_TIMEOUT 30

/* Append step to job's steps (steals both; the step even when job is
 * NULL); returns job, or NULL (job freed) when out of memory. */
json_t *workflow_then(json_t *job, json_t *step);

/* The arguments every luaform command of the workflow takes after the
 * system: " -c CONFIG" when the workflow passes a config, else "". */
const char *workflow_config_arg(const struct workflow_settings *s, char *buf, size_t n);

/* The if: of a job or step that uses the repository's secrets or write
 * permissions: not for a pull request from a fork, whose token is
 * read-only and which sees no secrets. */
#define WORKFLOW_SAME_REPO \
    "github.event_name != 'pull_request' || " \
    "github.event.pull_request.head.repo.full_name == github.repository"

/* The path the luaform binary has after the build step. */
#define WORKFLOW_LUAFORM "./build/luaform"

#endif
