/* workflow.c: the kinds of generated workflows, the actions they may use
 * (pinned by commit), the steps every job starts with, and the YAML. */
#include "workflow/workflow.h"
#include "core/err.h"
#include "template/emit_yaml.h"
#include "workflow/workflow_ci.h"
#include "workflow/workflow_deploy.h"

#include <stdio.h>
#include <string.h>

const struct workflow_kind workflow_kinds[] = {
    { "ci", "ci.yml", "render and workflows --check, review, drift",
      workflow_ci, NULL },
    { "deploy", "deploy.yml", "deploy the stacks its system.lua's deploy_workflow names",
      workflow_deploy, workflow_deploy_applies },
    { NULL, NULL, NULL, NULL, NULL }
};

const struct workflow_kind *workflow_kind(const char *name)
{
    const struct workflow_kind *k;

    for (k = workflow_kinds; k->name; k++)
        if (!strcmp(k->name, name))
            return k;
    return NULL;
}

/* Every action a generated workflow uses, pinned by the full commit of a
 * release (a tag can be moved; a commit cannot). The version is the
 * release the commit is tagged with, shown in the step's name. Each was
 * found in two or more independent public sources (pinned workflows and
 * pin tables of unrelated repositories, some resolving the tag through
 * GitHub's API), and the newest of its major version when chosen:
 *   actions/checkout v4.4.0 (the v4 tag's commit),
 *   github/codeql-action v3.37.8 (the v3 tag's commit; upload-sarif is a
 *   folder of that repository, so it shares the commit). */
static const struct {
    const char *action, *sha, *version;
} pins[] = {
    [WORKFLOW_CHECKOUT] = { "actions/checkout",
                            "11d5960a326750d5838078e36cf38b85af677262", "v4.4.0" },
    [WORKFLOW_UPLOAD_SARIF] = { "github/codeql-action/upload-sarif",
                                "42947a340483f03ba47bb1a039b2c519aab3df85", "v3.37.8" },
};

json_t *workflow_uses(enum workflow_action a, const char *what, const char *cond)
{
    char name[256], uses[256];

    snprintf(name, sizeof name, "%s (%s %s)", what, pins[a].action, pins[a].version);
    snprintf(uses, sizeof uses, "%s@%s", pins[a].action, pins[a].sha);
    return cond ? json_pack("{s:s, s:s, s:s}", "name", name, "if", cond, "uses", uses) :
           json_pack("{s:s, s:s}", "name", name, "uses", uses);
}

json_t *workflow_run(const char *name, const char *run)
{
    return json_pack("{s:s, s:s}", "name", name, "run", run);
}

/* The Debian/Ubuntu packages luaform builds against (the Makefile's
 * pkg-config names, and curl's and libcrypto's headers); the compiler and
 * make come with the runner. The test tools of install-deps.sh are not
 * needed: the job runs luaform, not its tests. */
#define BUILD_DEPS \
    "sudo apt-get update -q\n" \
    "sudo apt-get install -y --no-install-recommends pkg-config liblua5.4-dev " \
    "libjansson-dev libyaml-dev libexpat1-dev libcurl4-openssl-dev libssl-dev\n"

/* Check out without leaving the token in .git/config, where any later
 * step (and anything the build runs) could read it. */
static json_t *checkout(void)
{
    json_t *step = workflow_uses(WORKFLOW_CHECKOUT, "Check out the repository", NULL);

    if (step && json_object_set_new(step, "with",
                                    json_pack("{s:b}", "persist-credentials", 0)) < 0) {
        json_decref(step);
        return NULL;
    }
    return step;
}

json_t *workflow_job(const struct workflow_settings *s, const char *name, const char *cond,
                     const char *environment, json_t *perms)
{
    json_t *job = json_pack("{s:s}", "name", name);
    json_t *steps = json_pack("[o, o, o]", checkout(),
                              workflow_run("Install the build dependencies", BUILD_DEPS),
                              workflow_run("Build luaform", "make -j\"$(nproc)\" luaform"));

    if (!job || !steps || !perms ||
        (cond && json_object_set_new(job, "if", json_string(cond)) < 0) ||
        json_object_set_new(job, "runs-on", json_string(s->runs_on)) < 0 ||
        (environment && *environment &&
         json_object_set_new(job, "environment", json_string(environment)) < 0) ||
        json_object_set_new(job, "timeout-minutes", json_integer(WORKFLOW_TIMEOUT)) < 0 ||
        json_object_set(job, "permissions", perms) < 0 ||
        json_object_set(job, "steps", steps) < 0) {
        json_decref(job);
        job = NULL;
    }
    json_decref(perms);
    json_decref(steps);
    return job;
}

json_t *workflow_then(json_t *job, json_t *step)
{
    if (job && json_array_append_new(json_object_get(job, "steps"), step) == 0)
        return job;
    if (!job)
        json_decref(step);
    json_decref(job);
    return NULL;
}

const char *workflow_config_arg(const struct workflow_settings *s, char *buf, size_t n)
{
    if (!*s->config)
        return "";
    snprintf(buf, n, " -c %s", s->config);
    return buf;
}

int workflow_same_kind(const char *old, size_t n, const struct buf *generated)
{
    const char *nl = generated->data ? memchr(generated->data, '\n', generated->len) : NULL;
    size_t line;

    if (!nl)
        return 0;
    line = (size_t)(nl - generated->data) + 1;
    return n >= line && memcmp(old, generated->data, line) == 0;
}

int workflow_generate(const struct workflow_kind *k, const struct workflow_settings *s,
                      struct buf *out, struct gen_err *e)
{
    json_t *model = k->build(s);
    int rc;

    if (!model)
        return err_set(e, GEN_ENOMEM, NULL, 0, "out of memory");
    rc = emit_yaml_data(model, out, e);
    json_decref(model);
    return rc;
}
