/* fuzz_isotime.c: the ISO 8601 parser. What isotime_parse accepts must be
 * the documented shape with a real calendar date, and give the time that
 * timegm() gives for the same fields (minus the offset) and the fraction
 * cut to microseconds; what it refuses leaves *out and *usec untouched;
 * every timestamp the shape allows and the calendar has is accepted. */
#define _DEFAULT_SOURCE     /* timegm */
#include "fuzz.h"
#include "core/isotime.h"

#include <stdint.h>
#include <string.h>
#include <time.h>

static int num(const char *s, int n, int *out)
{
    int v = 0, i;

    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + s[i] - '0';
    }
    *out = v;
    return 1;
}

struct fields {
    int y, mo, d, h, mi, s, sign, oh, om;
    long usec;
};

/* The documented shape, without range checks: 1 when s has it. */
static int shape(const char *s, struct fields *f)
{
    const char *p;
    long scale = 100000;

    memset(f, 0, sizeof *f);
    if (strlen(s) < 20 || !num(s, 4, &f->y) || s[4] != '-' ||
        !num(s + 5, 2, &f->mo) || s[7] != '-' || !num(s + 8, 2, &f->d) ||
        !strchr("Tt ", s[10]) || !num(s + 11, 2, &f->h) || s[13] != ':' ||
        !num(s + 14, 2, &f->mi) || s[16] != ':' || !num(s + 17, 2, &f->s))
        return 0;
    p = s + 19;
    if (*p == '.') {
        if (!(p[1] >= '0' && p[1] <= '9'))
            return 0;
        for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
            f->usec += (*p - '0') * scale;
    }
    if (*p == 'Z' || *p == 'z')
        return p[1] == '\0';
    if (*p != '+' && *p != '-')
        return 0;
    f->sign = *p == '-' ? -1 : 1;
    if (!num(p + 1, 2, &f->oh))
        return 0;
    p += 3;
    if (*p == ':')
        p++;
    return num(p, 2, &f->om) && p[2] == '\0';
}

/* A real date and time of day (a leap second :60 allowed), with a sane
 * offset: checked by a timegm() round trip. */
static int in_range(const struct fields *f, time_t *t)
{
    struct tm tm, back;

    if (f->mo < 1 || f->mo > 12 || f->d < 1 || f->h > 23 || f->mi > 59 ||
        f->s > 60 || f->oh > 23 || f->om > 59)
        return 0;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = f->y - 1900;
    tm.tm_mon = f->mo - 1;
    tm.tm_mday = f->d;
    tm.tm_hour = f->h;
    tm.tm_min = f->mi;
    tm.tm_sec = f->s == 60 ? 59 : f->s;
    *t = timegm(&tm);
    if (!gmtime_r(t, &back) || back.tm_mday != f->d ||
        back.tm_mon != f->mo - 1 || back.tm_year != f->y - 1900)
        return 0;
    *t += (f->s == 60) - f->sign * (f->oh * 3600 + f->om * 60);
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s;
    struct fields f;
    time_t got = (time_t)-12345, want = 0;
    long usec = -12345;
    int r, ok;

    if (size > 64)
        return 0;
    s = fz_strndup(data, size);
    r = isotime_parse(s, &got, &usec);
    ok = shape(s, &f) && in_range(&f, &want);
    FZ_CHECK(r == 0 || r == -1, "returned %d", r);
    if (r == 0) {
        FZ_CHECK(ok, "accepted '%s', which is not a valid timestamp", s);
        FZ_CHECK(got == want, "'%s': %lld, timegm says %lld", s,
                 (long long)got, (long long)want);
        FZ_CHECK(usec == f.usec, "'%s': usec %ld, want %ld", s, usec, f.usec);
        /* usec may be NULL */
        got = 0;
        FZ_CHECK(isotime_parse(s, &got, NULL) == 0 && got == want,
                 "'%s' with usec NULL", s);
    } else {
        FZ_CHECK(!ok, "refused '%s', a valid timestamp", s);
        FZ_CHECK(got == (time_t)-12345 && usec == -12345,
                 "'%s': outputs changed on failure", s);
    }
    free(s);
    return 0;
}
