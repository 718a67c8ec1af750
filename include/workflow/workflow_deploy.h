/* workflow_deploy.h: the deploy workflow (deploy.yml) of a system whose
 * manifest has a deploy_workflow: on a push to the branch the deploy role
 * trusts and by hand, keyless (luaform's own GitHub OIDC), the stacks it
 * names deployed with every value from the repository's secrets. */
#ifndef LUAFORM_WORKFLOW_DEPLOY_H
#define LUAFORM_WORKFLOW_DEPLOY_H

#include <jansson.h>

struct workflow_settings;

/* The deploy workflow's model for s (new); NULL when out of memory or when
 * the system has none. */
json_t *workflow_deploy(const struct workflow_settings *s);

/* Does the system of s have a deploy workflow (a deploy_workflow in its
 * manifest)? */
int workflow_deploy_applies(const struct workflow_settings *s);

#endif
