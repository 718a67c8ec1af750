/* diff.h: what changed between two templates, as data: one entry per
 * value added, removed or changed, named by its JSON path (path.h). */
#ifndef LUAFORM_DIFF_H
#define LUAFORM_DIFF_H

#include <jansson.h>

/* A new array of changes from old to new, in path order:
 *   {"path": "Resources.Fn.Properties.Timeout", "kind": "changed", "old": 3, "new": 5}
 *   {"path": "Resources.Queue", "kind": "added", "new": {...}}
 *   {"path": "Outputs.Url", "kind": "removed", "old": {...}}
 * Objects are compared key by key (keys in byte order), arrays index by
 * index (an element inserted in the middle changes every later index);
 * any other difference, a change of type included (3 and 3.0, 3 and "3"),
 * is one "changed" entry with both whole values. Equal documents give [].
 * NULL when out of memory. */
json_t *diff_templates(const json_t *old, const json_t *new_);

#endif
