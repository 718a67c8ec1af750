/* template.h: the template model: CloudFormation templates as jansson values
 * in one canonical key order, so the same template is always the same
 * bytes. */
#ifndef LUAFORM_TEMPLATE_H
#define LUAFORM_TEMPLATE_H

#include <jansson.h>

/* A deep copy of tpl with every object's keys in canonical order:
 * sections in the conventional order, resource attributes, parameter and
 * output fields, policy documents and statements in the order people
 * write them, everything else sorted by bytes. NULL on allocation failure. */
json_t *template_canonical(const json_t *tpl);

/* Numbers: the fewest significant digits, at least 15, with which "%.*g"
 * reads back as exactly v (15 keeps 0.1 as 0.1; 17 is needed for
 * 0.30000000000000004 and for the largest double). */
int template_precision(double v);

#endif
