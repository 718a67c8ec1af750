/* workflow_ci.h: the CI workflow (ci.yml): on every pull request, in
 * merge queues, on pushes to the configured branches, nightly and by hand:
 * render --check and workflows --check (the workflow checks itself),
 * review uploaded to code scanning (or written to the job summary), and
 * drift where a role is configured, each a job with the least permissions
 * it needs. */
#ifndef LUAFORM_WORKFLOW_CI_H
#define LUAFORM_WORKFLOW_CI_H

#include <jansson.h>

struct workflow_settings;

/* The CI workflow's model for s (new), NULL when out of memory. */
json_t *workflow_ci(const struct workflow_settings *s);

#endif
