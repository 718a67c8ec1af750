/* isotime.c: ISO 8601 timestamps as AWS writes them. */
#include "core/isotime.h"

#include <ctype.h>

static long long days_from_civil(long long y, int m, int d)
{
    long long era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int digits(const char *s, int n, int *out)
{
    int v = 0, i;

    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int isotime_parse(const char *s, time_t *out, long *usec)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
                                30, 31};
    int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
    const char *p;
    long long t;
    long frac = 0, scale = 100000;

    if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
        s[7] != '-' || digits(s + 8, 2, &d) ||
        (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) ||
        s[16] != ':' || digits(s + 17, 2, &sec))
        return -1;
    p = s + 19;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return -1;
        for (; isdigit((unsigned char)*p); p++) {
            frac += (*p - '0') * scale;
            scale /= 10;
        }
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        sign = *p == '-' ? -1 : 1;
        p++;
        if (digits(p, 2, &oh))
            return -1;
        p += 2;
        if (*p == ':')
            p++;
        if (digits(p, 2, &om))
            return -1;
        p += 2;
    } else {
        return -1;
    }
    if (*p || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 ||
        mi > 59 || sec > 60 || oh > 23 || om > 59)
        return -1;
    if (mo == 2 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400)))
        return -1;
    t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
        sign * (oh * 3600 + om * 60);
    *out = (time_t)t;
    if (usec)
        *usec = frac;
    return 0;
}

