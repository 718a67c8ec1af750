/* ej.h: emit a template as JSON (2-space indent, keys in model order,
 * trailing newline). */
#ifndef LUAFORM_EJ_H
#define LUAFORM_EJ_H

#include <jansson.h>
#include "buf.h"

struct gen_err;

int ej_emit(const json_t *tpl, struct buf *out, struct gen_err *e);

#endif
