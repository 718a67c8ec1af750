/* references.h: names a template uses must name something it defines.
 *
 * Checked, each at the line where it is written:
 *   - Ref: a parameter, a resource or a pseudo parameter (AWS::Region, ...);
 *   - Fn::GetAtt [R, Attr] and !GetAtt R.Attr: a resource R;
 *   - Fn::Sub: ${Name} as Ref, ${R.Attr} as GetAtt, unless the name is one
 *     of the Sub's own variables; ${!Literal} is text;
 *   - DependsOn: resources;
 *   - a resource's or an output's Condition, Fn::If's condition and
 *     {Condition: Name} inside Conditions: a condition;
 *   - Fn::FindInMap: a mapping.
 * A template with a Transform (or any Fn::Transform) is not checked: a
 * macro such as AWS::Serverless-2016-10-31 defines names of its own. */
#ifndef LUAFORM_REFERENCES_H
#define LUAFORM_REFERENCES_H

#include "template/load.h"

struct gen_err;

/* 0, or the first name that names nothing, as "FILE:LINE: ..." in e. */
int references_check(const struct template_doc *doc, const char *file, struct gen_err *e);

#endif
