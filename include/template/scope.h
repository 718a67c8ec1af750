/* scope.h: which config each stack is rendered with (render_scope itself
 * is declared in render.h, beside the options it sets). */
#ifndef LUAFORM_SCOPE_H
#define LUAFORM_SCOPE_H

#include "template/render.h"

struct config;
struct gen_err;

/* t's config into c (initialised by the caller): -c FILE when -c applies
 * to t's system (o->system, from render_scope), else the system's example
 * config; then -p, when it applies. */
int scope_config(const struct render_target *t, const struct render_opts *o,
                 struct config *c, struct gen_err *e);

#endif
