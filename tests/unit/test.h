/* test.h: a tiny harness after sds's testhelp.h.
 * T(cond) records one check; t_report() prints "N passed, N failed" and
 * returns the exit status. */
#ifndef LUAFORM_TEST_H
#define LUAFORM_TEST_H

#include <stdio.h>

static int t_passed, t_failed;

#define T(cond) do { \
    if (cond) { t_passed++; } \
    else { t_failed++; \
        fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); } \
} while (0)

#define TMSG(cond, ...) do { \
    if (cond) { t_passed++; } \
    else { t_failed++; fprintf(stderr, "FAIL %s:%d: %s: ", \
        __FILE__, __LINE__, #cond); fprintf(stderr, __VA_ARGS__); \
        fputc('\n', stderr); } \
} while (0)

static int t_report(void)
{
    printf("%d passed, %d failed\n", t_passed, t_failed);
    return t_failed ? 1 : 0;
}

#endif
