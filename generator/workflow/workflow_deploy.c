/* workflow_deploy.c: the deploy workflow, for a system whose manifest has
 * a deploy_workflow (lua/luaform/manifest.lua checks it). One job, deploy,
 * with contents: read (check out) and id-token: write (luaform takes the
 * GitHub OIDC token itself with --role-arn: no static keys); the
 * workflow's default is none. It runs on a push to the branch the deploy
 * role trusts (the config's value of deploy_workflow.branch; without one,
 * workflows.branches) and by hand; the job runs only on that branch (a
 * run by hand from another would be refused by the role's trust anyway).
 * Deploys never overlap: one concurrency group per system, queued, never
 * cancelled halfway. Every value comes from a secret through env:, each
 * checked non-empty (an ::error:: naming the secret), and reaches luaform
 * as -p KEY="$SECRET" over the committed config; no expression is written
 * inside the run: script. Only the stacks deploy_workflow names are
 * deployed (a bootstrap stack is the admin's, deployed once by hand). */
#include "workflow/workflow_deploy.h"
#include "workflow/workflow.h"

#include <stdio.h>
#include <string.h>

/* The environment variable that holds the role's ARN; each other secret
 * has a variable of its own name (the manifest's check keeps those names
 * clear of what the runner, the shell and luaform read). */
#define ROLE_VAR "ROLE_ARN"

int workflow_deploy_applies(const struct workflow_settings *s)
{
    return s->deploy != NULL;
}

static json_t *triggers(const struct workflow_settings *s)
{
    json_t *branches = *s->deploy_branch ? json_pack("[s]", s->deploy_branch) :
                       json_incref(s->branches);

    return json_pack("{s:{s:o}, s:{}}", "push", "branches", branches, "workflow_dispatch");
}

/* env: ROLE_ARN from the role's secret, then each secret of
 * deploy_workflow.secrets (in its config keys' sorted order) under its own
 * name. */
static json_t *step_env(const struct workflow_settings *s)
{
    const json_t *secrets = json_object_get(s->deploy, "secrets");
    const char *key;
    json_t *v, *env = json_object();
    char expr[192];

    snprintf(expr, sizeof expr, "${{ secrets.%s }}",
             json_string_value(json_object_get(s->deploy, "role_secret")));
    if (!env || json_object_set_new(env, ROLE_VAR, json_string(expr)) < 0)
        goto fail;
    json_object_foreach((json_t *)secrets, key, v) {
        snprintf(expr, sizeof expr, "${{ secrets.%s }}", json_string_value(v));
        if (json_object_set_new(env, json_string_value(v), json_string(expr)) < 0)
            goto fail;
    }
    return env;
fail:
    json_decref(env);
    return NULL;
}

/* Append text to the script in buf (n bytes); 0, or -1 when it is full. */
static int add(char *buf, size_t n, const char *text)
{
    size_t len = strlen(buf);

    if (snprintf(buf + len, n - len, "%s", text) >= (int)(n - len))
        return -1;
    return 0;
}

/* Every variable of env checked (each missing secret named, then exit 1),
 * then one luaform deploy of the workflow's stacks. */
static int script(const struct workflow_settings *s, const json_t *env, char *buf, size_t n)
{
    const json_t *secrets = json_object_get(s->deploy, "secrets");
    const json_t *stacks = json_object_get(s->deploy, "stacks");
    const char *var, *key;
    json_t *v;
    char line[512], c[300];
    size_t i;
    int rc = 0;

    *buf = '\0';
    rc |= add(buf, n, "missing=0\n");
    json_object_foreach((json_t *)env, var, v) {
        const char *secret = strcmp(var, ROLE_VAR) ? var :
                             json_string_value(json_object_get(s->deploy, "role_secret"));

        snprintf(line, sizeof line, "if [ -z \"$%s\" ]; then\n"
                 "  echo \"::error::the secret %s is empty or not set\"\n"
                 "  missing=1\n"
                 "fi\n", var, secret);
        rc |= add(buf, n, line);
    }
    rc |= add(buf, n, "if [ \"$missing\" = 1 ]; then\n  exit 1\nfi\n" WORKFLOW_LUAFORM " deploy");
    json_array_foreach(stacks, i, v) {
        snprintf(line, sizeof line, " %s", json_string_value(v));
        rc |= add(buf, n, line);
    }
    rc |= add(buf, n, workflow_config_arg(s, c, sizeof c));
    json_object_foreach((json_t *)secrets, key, v) {
        snprintf(line, sizeof line, " -p %s=\"$%s\"", key, json_string_value(v));
        rc |= add(buf, n, line);
    }
    rc |= add(buf, n, " --yes --require-approval never --role-arn \"$" ROLE_VAR "\"\n");
    return rc;
}

static json_t *deploy_job(const struct workflow_settings *s)
{
    char run[8192], name[256], cond[320];
    json_t *env = step_env(s), *step, *job;
    const char *only = NULL;

    if (!env || script(s, env, run, sizeof run) < 0) {
        json_decref(env);
        return NULL;
    }
    snprintf(name, sizeof name, "Deploy %s (luaform deploy, with the role of the secret %s)",
             s->system, json_string_value(json_object_get(s->deploy, "role_secret")));
    step = json_pack("{s:s, s:o, s:s}", "name", name, "env", env, "run", run);
    if (*s->deploy_branch) {
        snprintf(cond, sizeof cond, "github.ref == 'refs/heads/%s'", s->deploy_branch);
        only = cond;
    }
    job = workflow_job(s, "deploy", only, s->deploy_environment,
                       json_pack("{s:s, s:s}", "contents", "read", "id-token", "write"));
    return workflow_then(job, step);
}

json_t *workflow_deploy(const struct workflow_settings *s)
{
    char name[128], group[128];

    if (!s->deploy)
        return NULL;
    snprintf(name, sizeof name, "luaform deploy (%s)", s->system);
    snprintf(group, sizeof group, "luaform-deploy-%s", s->system);
    return json_pack("{s:s, s:o, s:{}, s:{s:s, s:b}, s:{s:o}}", "name", name,
                     "on", triggers(s), "permissions", "concurrency", "group", group,
                     "cancel-in-progress", 0, "jobs", "deploy", deploy_job(s));
}
