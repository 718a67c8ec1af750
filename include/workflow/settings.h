/* settings.h: the settings of a system's generated workflows: the config's
 * top-level `workflows:` map (checked key by key, each error at its
 * line), -p workflows.KEY=VALUE over it, and what the system's stacks say
 * (the region drift falls back to, the deploy workflow of its manifest). */
#ifndef LUAFORM_WORKFLOW_SETTINGS_H
#define LUAFORM_WORKFLOW_SETTINGS_H

#include <jansson.h>
#include "template/render.h"

struct gen_err;

struct workflow_settings {
    char system[64];            /* the system the workflows check */
    char config[256];           /* the -c the workflow passes (a path in the
                                   repository); "": none, the system's
                                   example config */
    char out_dir[256];          /* where the rendered templates are committed */
    char dir[256];              /* where the workflows are committed (the
                                   workflow checks itself there; -o's
                                   default) */
    int code_scanning;          /* 1: review's SARIF to code scanning; 0:
                                   review's markdown to the job summary */
    char drift_role_secret[128];/* the secret holding the drift role's ARN;
                                   "": no drift job */
    char environment[128];      /* the drift job's environment; "": none */
    char deploy_environment[128];/* the deploy job's environment; "": none */
    json_t *deploy;             /* the manifest's deploy_workflow, checked
                                   (lua/luaform/manifest.lua): stacks,
                                   role_secret, secrets, branch_default;
                                   NULL: the system has no deploy workflow */
    char deploy_branch[256];    /* the branch whose pushes deploy: the
                                   config's value of deploy_workflow.branch
                                   (else its default); "": workflows.branches */
    char nightly[128];          /* the schedule's cron; "": no schedule */
    json_t *branches;           /* the branches whose pushes run the
                                   workflow: an array of strings */
    char runs_on[64];           /* the runner label */
    char fail_on[16];           /* review --fail-on */
    char fallback_region[32];   /* the drift step's AWS_REGION: the config's
                                   `region` when a stack names no region of
                                   its own; "": none */
    char params[1024];          /* the -p given, as arguments for the
                                   workflow's own check: ' -p "KEY=VALUE"'... */
};

void workflow_settings_free(struct workflow_settings *s);

/* The settings of the workflows for the system of set (its stacks, as
 * render_select gave them; o as render_scope set it, without -p):
 * defaults, then the config's `workflows:` map (the config -c names, else
 * the system's example config), then params (-p workflows.KEY=VALUE; a -p
 * of any other key is an error: the workflow's commands read the config
 * file, not the command line). The workflow passes -c (o->config_path) as
 * given, unless `workflows.config` names another path. Every
 * stack is rendered, so a config that does not render is an error here,
 * not in CI. */
int workflow_settings_load(struct workflow_settings *s, const struct render_set *set,
                           const struct render_opts *o, char *const *params, int nparams,
                           struct gen_err *e);

#endif
