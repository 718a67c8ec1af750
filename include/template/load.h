/* load.h: load a CloudFormation template file (JSON or YAML) into the
 * model: plain jansson values, every YAML short form (!Ref, !Sub, !GetAtt
 * A.B, ...) in its long form, with the line where each value starts. */
#ifndef LUAFORM_LOAD_H
#define LUAFORM_LOAD_H

#include <jansson.h>
#include <stddef.h>

struct gen_err;

enum load_format { LOAD_AUTO, LOAD_JSON, LOAD_YAML };

struct template_doc {
    json_t *data;    /* the template: an object */
    json_t *lines;   /* {path (path.h): line} where each value starts, 1-based;
                      * a member of a mapping starts at its key */
};

/* Nesting deeper than this is refused (the model is walked recursively). */
#define LOAD_MAX_DEPTH 512
/* Values in a document, those an alias or a merge key copies included:
 * a few nested aliases must not expand into gigabytes. */
#define LOAD_MAX_VALUES ((size_t)1 << 22)

/* Is name a template file's name: .json, .yaml, .yml or .template? */
int load_is_template_name(const char *name);

/* The format of a template: LOAD_JSON for .json, LOAD_YAML for .yaml and
 * .yml; otherwise (.template, a body from GetTemplate: name NULL) JSON
 * when the first character that is not white space is '{'. */
enum load_format load_format_of(const char *name, const char *text, size_t len);

/* Load text (len bytes, named name in errors) as fmt (LOAD_AUTO: by
 * load_format_of). On success doc is filled and owned by the caller
 * (load_free). Errors say "NAME:LINE: what". */
int load_template(const char *name, const char *text, size_t len, enum load_format fmt,
                  struct template_doc *doc, struct gen_err *e);

/* YAML 1.1 through libyaml, with CloudFormation's tags (the short forms,
 * !!str, !!int, !!float, !!bool, !!null, !!map, !!seq; any other is an
 * error), scalars as yaml_scalar.h reads them, anchors, aliases and merge
 * keys (<<) as cfn-lint reads them; a duplicate key is an error. */
int load_yaml(const char *name, const char *text, size_t len, struct template_doc *doc,
              struct gen_err *e);

/* JSON through jansson (a duplicate key is an error); the lines come from
 * reading the same text with libyaml, where it can (JSON is YAML's flow
 * style), else every value is on line 0 (unknown). */
int load_json(const char *name, const char *text, size_t len, struct template_doc *doc,
              struct gen_err *e);

void load_free(struct template_doc *doc);

/* line, but never past the text's last line and never below 0: jansson
 * counts the end of the file after a final newline as a line of its own,
 * and libyaml ends a last line that has no newline with one of its own. */
int load_clamp_line(const char *text, size_t len, int line);

#endif
