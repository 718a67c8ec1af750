/* wildcard.h: IAM's wildcards ('*' any run, '?' one character), shared by
 * the review rules and the IAM diff. */
#ifndef LUAFORM_REVIEW_WILDCARD_H
#define LUAFORM_REVIEW_WILDCARD_H

/* Does pattern grant everything s names? '*' and '?' are IAM's wildcards
 * in both; a wildcard in s is covered only by a wildcard in pattern.
 * icase: compare letters without case (actions; ARNs keep their case). */
int wildcard_covers(const char *pattern, const char *s, int icase);

#endif
