/* template.h: the template model: CloudFormation templates as jansson values
 * (rendered from a description, or loaded from a file: load.h) in one
 * canonical key order, so the same template is always the same bytes; and
 * what a template asks of a deploy or leaves behind a delete. */
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

/* Does v hold key k, at any depth? */
int template_has_key(const json_t *v, const char *k);

/* The capabilities a change set for tpl must acknowledge, NULL-terminated
 * static strings: CAPABILITY_NAMED_IAM when an IAM resource is given a name
 * (RoleName, ...), else CAPABILITY_IAM for any IAM resource or a SAM
 * function or state machine without a Role (the transform makes one);
 * CAPABILITY_AUTO_EXPAND for a Transform, a Fn::Transform (macros), a
 * nested stack or a SAM application. */
void template_capabilities(const json_t *tpl, const char *out[4]);

/* The resources a stack deletion leaves in the account (DeletionPolicy
 * Retain or RetainExceptOnCreate): a new array of {"id": logical id,
 * "type": resource type} in the template's order; NULL when out of
 * memory. */
json_t *template_retained(const json_t *tpl);

#endif
