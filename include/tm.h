/* tm.h: the template model: CloudFormation templates as jansson values
 * in one canonical key order, so the same template is always the same
 * bytes. */
#ifndef LUAFORM_TM_H
#define LUAFORM_TM_H

#include <jansson.h>

/* A deep copy of tpl with every object's keys in canonical order:
 * sections in the conventional order, resource attributes, parameter and
 * output fields, policy documents and statements in the order people
 * write them, everything else sorted by bytes. NULL on allocation failure. */
json_t *tm_canonical(const json_t *tpl);

#endif
