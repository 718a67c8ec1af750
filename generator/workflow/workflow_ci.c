/* workflow_ci.c: the CI workflow. Three jobs, each with only the rights it
 * needs (the workflow's default is none):
 *   render  contents: read                   out/ is what the descriptions
 *                                            render (render --check), and
 *                                            the workflows are what luaform
 *                                            generates (workflows --check)
 *   review  contents: read, security-events: the security review as SARIF,
 *           write, actions: read             uploaded to code scanning; with
 *                                            code_scanning false, contents:
 *                                            read and the review in markdown
 *                                            in the job summary
 *   drift   contents: read, id-token: write  the account against the
 *                                            repository (only with a role)
 * Triggers: every pull request (never pull_request_target: a fork's code
 * never runs with this repository's secrets), merge groups (required
 * checks report in a merge queue), pushes to the configured branches (code
 * scanning compares a pull request's findings with the default branch's,
 * so that branch must be analysed too), the nightly schedule (render and
 * drift: the account changes without commits), and by hand. No expression
 * is written inside a run: script; values reach the shell through env:,
 * and the commands hold only checked names. */
#include "workflow/workflow_ci.h"
#include "workflow/workflow.h"

#include <stdio.h>
#include <string.h>

#define SARIF "luaform.sarif"
#define MARKDOWN "luaform-review.md"

static json_t *triggers(const struct workflow_settings *s)
{
    json_t *on = json_pack("{s:{}, s:{}}", "pull_request", "merge_group");

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

/* render --check, then the workflows themselves: generated again with
 * the same config and -p, in the directory they are committed to. */
static json_t *render_job(const struct workflow_settings *s)
{
    char cmd[1024], wcmd[2048], name[512], wname[512], c[300];
    json_t *job;

    snprintf(cmd, sizeof cmd, WORKFLOW_LUAFORM " render %s%s -o %s --check", s->system,
             workflow_config_arg(s, c, sizeof c), s->out_dir);
    snprintf(name, sizeof name, "%s/ is what the descriptions render (render --check)",
             s->out_dir);
    snprintf(wcmd, sizeof wcmd, WORKFLOW_LUAFORM " workflows %s%s%s -o %s --check", s->system,
             workflow_config_arg(s, c, sizeof c), s->params, s->dir);
    snprintf(wname, sizeof wname, "%s/ is what luaform generates (workflows --check)", s->dir);
    job = workflow_then(workflow_job(s, "render --check", NULL, NULL,
                            json_pack("{s:s}", "contents", "read")),
               workflow_run(name, cmd));
    return workflow_then(job, workflow_run(wname, wcmd));
}

/* With code scanning: the review writes the SARIF and then fails the step
 * on a finding at fail_on or above; the upload runs anyway (always()),
 * when there is a report to upload and a token that may upload it, and
 * the job still fails from the review step. upload-sarif needs
 * security-events: write, and actions: read in a private repository
 * (GitHub's own example workflow for it). */
static json_t *review_sarif(const struct workflow_settings *s, const char *name,
                            const char *review)
{
    char cmd[1536], category[128];
    json_t *job, *upload;

    snprintf(cmd, sizeof cmd, "%s --format sarif -o " SARIF " --fail-on %s", review, s->fail_on);
    snprintf(category, sizeof category, "luaform-%s", s->system);
    job = workflow_job(s, "review", "github.event_name != 'schedule'", NULL,
                       json_pack("{s:s, s:s, s:s}", "actions", "read", "contents", "read",
                                 "security-events", "write"));
    job = workflow_then(job, workflow_run(name, cmd));
    upload = workflow_uses(WORKFLOW_UPLOAD_SARIF, "Upload the review to code scanning",
                           "always() && hashFiles('" SARIF "') != '' && (" WORKFLOW_SAME_REPO ")");
    if (upload && json_object_set_new(upload, "with", json_pack("{s:s, s:s}", "sarif_file",
                                      SARIF, "category", category)) < 0) {
        json_decref(upload);
        upload = NULL;
    }
    return workflow_then(job, upload);
}

/* Without code scanning (a private repository without GitHub Code
 * Security, where upload-sarif gets 403): the review in markdown, added
 * to the job summary whether it passed or not, and the step fails with
 * review's exit code. GitHub runs the script with bash -e: the review's
 * status is kept with ||, which -e does not stop at. */
static json_t *review_summary(const struct workflow_settings *s, const char *name,
                              const char *review)
{
    char cmd[2048];

    snprintf(cmd, sizeof cmd,
             "status=0\n"
             "%s --format markdown -o " MARKDOWN " --fail-on %s || status=$?\n"
             "if [ -f " MARKDOWN " ]; then\n"
             "  cat " MARKDOWN " >> \"$GITHUB_STEP_SUMMARY\"\n"
             "fi\n"
             "exit \"$status\"\n", review, s->fail_on);
    return workflow_then(workflow_job(s, "review", "github.event_name != 'schedule'", NULL,
                             json_pack("{s:s}", "contents", "read")),
                workflow_run(name, cmd));
}

static json_t *review_job(const struct workflow_settings *s)
{
    char review[1024], name[256], c[300], rendered[300] = "";

    /* review names locations in the rendered files: where they are */
    if (strcmp(s->out_dir, "out"))
        snprintf(rendered, sizeof rendered, " --rendered-dir %s", s->out_dir);
    snprintf(review, sizeof review, WORKFLOW_LUAFORM " review %s%s%s", s->system,
             workflow_config_arg(s, c, sizeof c), rendered);
    snprintf(name, sizeof name, "Security review (review, fails on %s or above)", s->fail_on);
    return s->code_scanning ? review_sarif(s, name, review) : review_summary(s, name, review);
}

/* What drift compares with the account: on a pull request its base
 * commit, in a merge queue the branch the group merges into (its base_sha
 * may hold the groups ahead of it), else the commit of the event (a push,
 * the schedule, by hand: the branch's own). A pull request's own code is
 * not deployed yet: render --check and review judge it; drift says whether
 * the account still holds what the base branch says. For other events
 * both are empty and actions/checkout takes the event's commit. */
#define DRIFT_REF \
    "${{ github.event.pull_request.base.sha || github.event.merge_group.base_ref }}"

/* luaform takes the GitHub OIDC token itself (--role-arn with the
 * runner's ACTIONS_ID_TOKEN_REQUEST_* variables, which id-token: write
 * provides): no static keys, and the role's ARN comes from a secret
 * through env:. Each stack is checked in its own region (its
 * description's); AWS_REGION, which never overrides that, is only set for
 * stacks that name none. */
static json_t *drift_job(const struct workflow_settings *s)
{
    char cmd[1536], c[300], secret[160];
    json_t *job, *step, *env;

    snprintf(cmd, sizeof cmd,
             "if [ -z \"$ROLE_ARN\" ]; then\n"
             "  echo \"::error::the secret %s is empty or not set\"\n"
             "  exit 1\n"
             "fi\n"
             WORKFLOW_LUAFORM " drift %s%s --github --role-arn \"$ROLE_ARN\"\n",
             s->drift_role_secret, s->system, workflow_config_arg(s, c, sizeof c));
    snprintf(secret, sizeof secret, "${{ secrets.%s }}", s->drift_role_secret);
    env = json_pack("{s:s}", "ROLE_ARN", secret);
    if (env && *s->fallback_region &&
        json_object_set_new(env, "AWS_REGION", json_string(s->fallback_region)) < 0) {
        json_decref(env);
        env = NULL;
    }
    step = json_pack("{s:s, s:o, s:s}", "name",
                     "No drift between the account and the repository (drift)",
                     "env", env, "run", cmd);
    job = workflow_job(s, "drift", WORKFLOW_SAME_REPO, s->environment,
                       json_pack("{s:s, s:s}", "contents", "read", "id-token", "write"));
    if (job && json_object_set_new(json_object_get(json_array_get(json_object_get(job, "steps"),
                                                                  0), "with"),
                                   "ref", json_string(DRIFT_REF)) < 0) {
        json_decref(job);
        job = NULL;
    }
    return workflow_then(job, step);
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
