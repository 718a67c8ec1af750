/* workflow_ci.c: the CI workflow. Three jobs, each with only the rights it
 * needs (the workflow's default is none):
 *   render  contents: read                   out/ is what the descriptions
 *                                            render (render --check)
 *   review  contents: read, security-events: the security review as SARIF,
 *           write                            uploaded to code scanning
 *   drift   contents: read, id-token: write  the account against the
 *                                            repository (only with a role)
 * Triggers: every pull request (never pull_request_target: a fork's code
 * never runs with this repository's secrets), pushes to the configured
 * branches (code scanning compares a pull request's findings with the
 * default branch's, so that branch must be analysed too), the nightly
 * schedule (render and drift: the account changes without commits), and
 * by hand. No expression is written inside a run: script; values reach
 * the shell through env:, and the commands hold only checked names. */
#include "workflow/workflow_ci.h"
#include "workflow/workflow.h"

#include <stdio.h>
#include <string.h>

#define SARIF "luaform.sarif"

static json_t *triggers(const struct workflow_settings *s)
{
    json_t *on = json_pack("{s:{}}", "pull_request");

    if (on && json_array_size(s->branches) &&
        json_object_set_new(on, "push", json_pack("{s:O}", "branches", s->branches)) < 0)
        goto fail;
    if (on && *s->nightly &&
        json_object_set_new(on, "schedule", json_pack("[{s:s}]", "cron", s->nightly)) < 0)
        goto fail;
    if (on && json_object_set_new(on, "workflow_dispatch", json_object()) < 0)
        goto fail;
    return on;
fail:
    json_decref(on);
    return NULL;
}

/* Append step to job's steps (steals it); job is freed on failure. */
static json_t *then(json_t *job, json_t *step)
{
    if (job && json_array_append_new(json_object_get(job, "steps"), step) == 0)
        return job;
    if (!job)
        json_decref(step);
    json_decref(job);
    return NULL;
}

static json_t *render_job(const struct workflow_settings *s)
{
    char cmd[1024], name[512], c[300];

    snprintf(cmd, sizeof cmd, WORKFLOW_LUAFORM " render %s%s -o %s --check", s->system,
             workflow_config_arg(s, c, sizeof c), s->out_dir);
    snprintf(name, sizeof name, "%s/ is what the descriptions render (render --check)",
             s->out_dir);
    return then(workflow_job(s, "render --check", NULL, NULL,
                             json_pack("{s:s}", "contents", "read")),
                workflow_run(name, cmd));
}

/* The review writes the SARIF and then fails the step on a finding at
 * fail_on or above; the upload runs anyway (always()), when there is a
 * report to upload and a token that may upload it, and the job still
 * fails from the review step. */
static json_t *review_job(const struct workflow_settings *s)
{
    char cmd[1024], name[256], c[300], category[128];
    json_t *job, *upload;

    snprintf(cmd, sizeof cmd, WORKFLOW_LUAFORM " review %s%s --format sarif -o " SARIF
             " --fail-on %s", s->system, workflow_config_arg(s, c, sizeof c), s->fail_on);
    snprintf(name, sizeof name, "Security review (review, fails on %s or above)", s->fail_on);
    snprintf(category, sizeof category, "luaform-%s", s->system);
    job = then(workflow_job(s, "review", "github.event_name != 'schedule'", NULL,
                            json_pack("{s:s, s:s}", "contents", "read",
                                      "security-events", "write")),
               workflow_run(name, cmd));
    upload = workflow_uses(WORKFLOW_UPLOAD_SARIF, "Upload the review to code scanning",
                           "always() && hashFiles('" SARIF "') != '' && (" WORKFLOW_SAME_REPO ")");
    if (upload && json_object_set_new(upload, "with", json_pack("{s:s, s:s}", "sarif_file",
                                      SARIF, "category", category)) < 0) {
        json_decref(upload);
        upload = NULL;
    }
    return then(job, upload);
}

/* luaform takes the GitHub OIDC token itself (--role-arn with the
 * runner's ACTIONS_ID_TOKEN_REQUEST_* variables, which id-token: write
 * provides): no static keys, and the role's ARN comes from a secret
 * through env:. */
static json_t *drift_job(const struct workflow_settings *s)
{
    char cmd[1536], c[300], region[64] = "", env[160];
    json_t *step;

    if (*s->region)
        snprintf(region, sizeof region, " --region %s", s->region);
    snprintf(cmd, sizeof cmd,
             "if [ -z \"$ROLE_ARN\" ]; then\n"
             "  echo \"::error::the secret %s is empty or not set\"\n"
             "  exit 1\n"
             "fi\n"
             WORKFLOW_LUAFORM " drift %s%s --github --role-arn \"$ROLE_ARN\"%s\n",
             s->drift_role_secret, s->system, workflow_config_arg(s, c, sizeof c), region);
    snprintf(env, sizeof env, "${{ secrets.%s }}", s->drift_role_secret);
    step = json_pack("{s:s, s:{s:s}, s:s}", "name",
                     "No drift between the account and the repository (drift)",
                     "env", "ROLE_ARN", env, "run", cmd);
    return then(workflow_job(s, "drift", WORKFLOW_SAME_REPO, s->environment,
                             json_pack("{s:s, s:s}", "contents", "read", "id-token", "write")),
                step);
}

json_t *workflow_ci(const struct workflow_settings *s)
{
    char name[128];
    json_t *jobs = json_pack("{s:o, s:o}", "render", render_job(s), "review", review_job(s));
    json_t *wf;

    if (jobs && *s->drift_role_secret &&
        json_object_set_new(jobs, "drift", drift_job(s)) < 0) {
        json_decref(jobs);
        jobs = NULL;
    }
    snprintf(name, sizeof name, "luaform ci (%s)", s->system);
    wf = json_pack("{s:s, s:o, s:{}, s:o}", "name", name, "on", triggers(s),
                   "permissions", "jobs", jobs);
    return wf;
}
