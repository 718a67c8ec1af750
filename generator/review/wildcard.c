/* wildcard.c: IAM's wildcards, for the review rules and the IAM diff. */
#include "review/wildcard.h"

#include <ctype.h>
#include <stddef.h>

/* Can pattern character p stand for character c of the covered string? */
static int char_covers(char p, char c, int icase)
{
    if (c == '*')
        return 0;               /* only a '*' covers a '*' (handled by the caller) */
    if (p == '?')
        return 1;
    if (c == '?')
        return 0;
    return icase ? tolower((unsigned char)p) == tolower((unsigned char)c) : p == c;
}

int wildcard_covers(const char *pattern, const char *s, int icase)
{
    const char *star = NULL, *resume = NULL;

    while (*s) {
        if (*pattern == '*') {
            star = pattern++;
            resume = s;
        } else if (*pattern && char_covers(*pattern, *s, icase)) {
            pattern++;
            s++;
        } else if (star) {
            pattern = star + 1;
            s = ++resume;
        } else {
            return 0;
        }
    }
    while (*pattern == '*')
        pattern++;
    return !*pattern;
}
