/* path.h: JSON paths: where a value sits in a template, as one string.
 *
 * A path is the keys and indexes from the top of the document down to
 * the value, written one after another:
 *   - a key made only of ASCII letters, digits, '_', '-' and ':' is
 *     written bare, after a '.' unless it comes first:
 *       Resources.Fn.Properties.Timeout
 *   - any other key (empty, or holding '.', '[', '"', a space, a '/' or
 *     anything else) is written as a JSON string in brackets:
 *       Resources.Role.Properties.Conditions.StringEquals["token.actions.githubusercontent.com:aud"]
 *   - an array index is written in brackets: Tags[0].Key
 * The top of the document is the empty path "". Every path reads back
 * one way only: a bare key never holds '.', '[' or '"', and a bracket
 * holds either digits (an index) or a JSON string (a key). */
#ifndef LUAFORM_PATH_H
#define LUAFORM_PATH_H

#include <jansson.h>
#include <stddef.h>
#include "core/buf.h"

/* Append one key / one index to the path in b. */
void path_key(struct buf *b, const char *key);
void path_index(struct buf *b, size_t i);

/* Cut b back to n bytes (a length taken before path_key/path_index). */
void path_cut(struct buf *b, size_t n);

/* Split path into its steps: *out is a new array of strings (keys) and
 * integers (indexes); 0, or -1 when path is not written as above. */
int path_parse(const char *path, json_t **out);

/* The line recorded for path in lines ({path: line}), or for its nearest
 * ancestor that has one (a value an alias copied has no line of its own:
 * it takes the alias's); 0 when none is known. */
int path_line(const json_t *lines, const char *path);

#endif
