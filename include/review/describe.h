/* describe.h: policy statements (extract.h) as sentences a reviewer reads:
 * who may assume a role, what a statement allows, on what, when. */
#ifndef LUAFORM_DESCRIBE_H
#define LUAFORM_DESCRIBE_H

#include <jansson.h>
#include "core/buf.h"

/* A GitHub OIDC `sub` value spelled out: "repo:O/R:*" is "GitHub
 * repository O/R, any ref"; ":ref:REF" "ref REF"; ":pull_request" "pull
 * requests"; ":environment:E" "environment E"; anything else as written. */
void describe_github_sub(struct buf *b, const char *sub);

/* Who a trust statement lets assume the role, and on which conditions:
 * "GitHub repository O/R, ref refs/heads/main (aud sts.amazonaws.com) through
 * ${GitHubOidcProvider}", "service lambda.amazonaws.com", ... */
void describe_trust(struct buf *b, const json_t *stmt);

/* What a statement allows or denies: "Allow [PRINCIPAL] ACTIONS on
 * RESOURCES [when CONDITIONS]". */
void describe_statement(struct buf *b, const json_t *stmt);

#endif
