/* readable.h: a template value as a reviewer reads it: intrinsics in a
 * compact ${...} form instead of raw JSON. */
#ifndef LUAFORM_READABLE_H
#define LUAFORM_READABLE_H

#include <jansson.h>
#include "core/buf.h"

/* v shown readably (malloc'd; NULL only when out of memory):
 *   {"Ref":"X"}                        ${X}
 *   {"Fn::GetAtt":["X","Arn"]}         ${X.Arn}
 *   {"Fn::Sub":"s"}                    s
 *   {"Fn::Sub":[s,{vars}]}             s, its ${var} replaced by the vars shown readably
 *   {"Fn::Join":[d,[parts]]}           the parts shown readably, joined by d
 *   {"Fn::If":[c,a,b]}                 ${If c: a | b}
 *   {"Fn::ImportValue":n}              ${Import n}
 *   {"Fn::X":args} (any other)         ${Fn::X args}
 * Plain strings are unchanged, numbers and booleans as JSON, a plain list
 * as [a, b], any other object as compact JSON. */
char *readable(const json_t *v);

/* The same, appended to b. */
void readable_add(struct buf *b, const json_t *v);

#endif
