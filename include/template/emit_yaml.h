/* emit_yaml.h: emit a template as YAML through libyaml, with CloudFormation's
 * short-form tags (!Ref, !GetAtt, !Sub, ...), or other data without them. */
#ifndef LUAFORM_EMIT_YAML_H
#define LUAFORM_EMIT_YAML_H

#include <jansson.h>
#include "core/buf.h"

struct gen_err;

int emit_yaml(const json_t *tpl, struct buf *out, struct gen_err *e);

/* Any other data as YAML, the same way but without tags: a one-key
 * object {"Ref": x} stays a map (a GitHub workflow, for example). */
int emit_yaml_data(const json_t *v, struct buf *out, struct gen_err *e);

#endif
