/* sts.h: AWS STS over the Query protocol: the calls the credential chain
 * makes (AssumeRole, AssumeRoleWithWebIdentity) and GetCallerIdentity
 * (aws_account in aws.h). */
#ifndef LUAFORM_STS_H
#define LUAFORM_STS_H

struct aws;
struct cred_sts;

/* Fill the STS callbacks of *out (ctx, assume_role,
 * assume_role_web_identity) to call through a; http_get is left NULL. */
void sts_credential_calls(struct aws *a, struct cred_sts *out);

#endif
