/* ey.h: emit a template as YAML through libyaml, with CloudFormation's
 * short-form tags (!Ref, !GetAtt, !Sub, ...). */
#ifndef LUAFORM_EY_H
#define LUAFORM_EY_H

#include <jansson.h>
#include "buf.h"

struct gen_err;

int ey_emit(const json_t *tpl, struct buf *out, struct gen_err *e);

#endif
