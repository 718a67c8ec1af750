/* extract.h: the policy model of a template: who may assume or call what
 * (principals and their trust, permissions, boundary and managed policies;
 * resource policies), every statement in one readable form. */
#ifndef LUAFORM_EXTRACT_H
#define LUAFORM_EXTRACT_H

#include <jansson.h>

struct gen_err;

/* Build the model of tpl (a canonical template object) into *model (a new
 * object, owned by the caller):
 *   {"principals": [PRINCIPAL...], "resource_policies": [RESOURCE_POLICY...]}
 * PRINCIPAL: {id, type, path, name, boundary, trust: [STMT], permissions:
 *   [STMT], managed: [ARN]} for AWS::IAM::Role, User and Group; permissions
 *   are the inline Policies and every AWS::IAM::Policy / ManagedPolicy of
 *   the template attached to it (Roles/Users/Groups, or ManagedPolicyArns
 *   naming it).
 * RESOURCE_POLICY: {id, type, path, on: [logical id or readable], statements:
 *   [STMT]} for S3 bucket, SQS queue, SNS topic, Secrets Manager and KMS key
 *   policies, Lambda permissions (one synthetic statement), and IAM
 *   policies attached to no principal of the template.
 * STMT: {path, policy, sid, effect, action, not_action, resource,
 *   not_resource, principal, not_principal, condition}; single values are
 *   lists, values are readable (readable.h); a statement list or statement
 *   in Fn::If is taken from both branches. An Fn::If value or list item
 *   (Action, Resource, a Principal and its lists, condition values,
 *   ManagedPolicyArns) is both branches' items, AWS::NoValue dropped; a
 *   Principal is "*" when either branch is; an Fn::If Effect is "Allow"
 *   when either branch is (a reviewer assumes the worse).
 * Returns 0, or GEN_ENOMEM. */
int extract_policies(const json_t *tpl, json_t **model, struct gen_err *e);

#endif
