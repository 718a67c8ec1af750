/* emit_yaml.h: emit a template as YAML through libyaml, with CloudFormation's
 * short-form tags (!Ref, !GetAtt, !Sub, ...). */
#ifndef LUAFORM_EMIT_YAML_H
#define LUAFORM_EMIT_YAML_H

#include <jansson.h>
#include "core/buf.h"

struct gen_err;

int emit_yaml(const json_t *tpl, struct buf *out, struct gen_err *e);

#endif
