/* yaml_scalar.h: what a YAML 1.1 scalar is, as CloudFormation and
 * cfn-lint read it.
 *
 * cfn-lint reads YAML with PyYAML's SafeLoader (YAML 1.1), and so do we,
 * with one difference CloudFormation's documentation states: it does not
 * support the timestamp tag, so a date such as 2010-09-09 stays the string
 * it is written as. A plain (unquoted, untagged) scalar is:
 *   null   ~, null, Null, NULL, or nothing
 *   bool   yes/no, true/false, on/off (in lower, Title or UPPER case)
 *   int    0, 42, -7, 1_000, 0b101, 0x1F, 0123 (octal: 83), 1:30 (base 60: 90)
 *   float  1.5, 1., .5, 1.0e+5 (the exponent needs its sign), 1:30.5,
 *          .inf and .nan (refused: JSON cannot hold them)
 *   merge  << (as a mapping key)
 *   string anything else: 1e5, 08, 1.0e5, 2010-09-09, =, 0x (and quoted
 *          or block scalars always). */
#ifndef LUAFORM_YAML_SCALAR_H
#define LUAFORM_YAML_SCALAR_H

#include <jansson.h>
#include <stddef.h>

enum yaml_scalar_kind {
    YAML_SCALAR_STRING, YAML_SCALAR_NULL, YAML_SCALAR_BOOL, YAML_SCALAR_INT,
    YAML_SCALAR_FLOAT, YAML_SCALAR_MERGE
};

/* The kind of a plain scalar with this text. */
enum yaml_scalar_kind yaml_scalar_kind(const char *s, size_t n);

/* The value of text s read as kind k: for a plain scalar, k comes from
 * yaml_scalar_kind; a standard tag (!!int, !!float, !!bool, !!null,
 * !!str) forces one. NULL when the text is not a value of that kind or
 * does not fit (an integer past 64 bits, an infinite float), with *why
 * saying so; never YAML_SCALAR_MERGE. */
json_t *yaml_scalar_value(const char *s, size_t n, enum yaml_scalar_kind k,
                          const char **why);

#endif
