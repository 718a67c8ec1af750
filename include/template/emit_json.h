/* emit_json.h: emit a template as JSON (2-space indent, keys in model order,
 * trailing newline). */
#ifndef LUAFORM_EMIT_JSON_H
#define LUAFORM_EMIT_JSON_H

#include <jansson.h>
#include "core/buf.h"

struct gen_err;

int emit_json(const json_t *tpl, struct buf *out, struct gen_err *e);

#endif
