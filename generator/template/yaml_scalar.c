/* yaml_scalar.c: YAML 1.1 plain scalars as PyYAML's SafeLoader resolves
 * them (the patterns of its resolver.py, written out), dates excepted. */
#include "template/yaml_scalar.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* How many of s[i..n) are in set. */
static size_t span(const char *s, size_t i, size_t n, const char *set)
{
    size_t j = i;

    while (j < n && s[j] && strchr(set, s[j]))
        j++;
    return j - i;
}

static int one_of(const char *s, size_t n, const char *const *words)
{
    for (; *words; words++)
        if (strlen(*words) == n && !memcmp(*words, s, n))
            return 1;
    return 0;
}

/* One or more ":[0-5]?[0-9]" from s[i]; the index after them, or 0. */
static size_t base60_groups(const char *s, size_t i, size_t n)
{
    size_t start = i;

    while (i < n && s[i] == ':') {
        if (i + 1 >= n || !is_digit(s[i + 1]))
            return 0;
        i += i + 2 < n && is_digit(s[i + 2]) && s[i + 1] <= '5' ? 3 : 2;
    }
    return i > start ? i : 0;
}

static size_t sign(const char *s, size_t n)
{
    return n > 0 && (s[0] == '-' || s[0] == '+');
}

static int is_int(const char *s, size_t n)
{
    size_t i = sign(s, n), k;

    if (i >= n)
        return 0;
    if (n - i > 2 && s[i] == '0' && s[i + 1] == 'b')
        return span(s, i + 2, n, "01_") == n - i - 2;
    if (n - i > 2 && s[i] == '0' && s[i + 1] == 'x')
        return span(s, i + 2, n, "0123456789abcdefABCDEF_") == n - i - 2;
    if (s[i] == '0')        /* 0 alone, or octal */
        return n - i == 1 || span(s, i + 1, n, "01234567_") == n - i - 1;
    if (!is_digit(s[i]))
        return 0;
    k = i + 1 + span(s, i + 1, n, "0123456789_");
    return k == n || base60_groups(s, k, n) == n;
}

/* Nothing, or [eE][-+][0-9]+, from s[i] to the end. */
static int exponent_to_end(const char *s, size_t i, size_t n)
{
    if (i == n)
        return 1;
    if (n - i < 3 || (s[i] != 'e' && s[i] != 'E') || (s[i + 1] != '-' && s[i + 1] != '+'))
        return 0;
    return span(s, i + 2, n, "0123456789") == n - i - 2;
}

static int is_float(const char *s, size_t n)
{
    static const char *const inf[] = { ".inf", ".Inf", ".INF", NULL };
    static const char *const nan[] = { ".nan", ".NaN", ".NAN", NULL };
    size_t i = sign(s, n), k;

    if (one_of(s + i, n - i, inf) || one_of(s, n, nan))
        return 1;
    if (n > 1 && s[0] == '.' && is_digit(s[1])) {      /* .5, no sign */
        k = 2 + span(s, 2, n, "0123456789_");
        return exponent_to_end(s, k, n);
    }
    if (i >= n || !is_digit(s[i]))
        return 0;
    k = i + 1 + span(s, i + 1, n, "0123456789_");
    if (k < n && s[k] == ':') {                         /* 1:30.5 */
        k = base60_groups(s, k, n);
        if (!k || k >= n || s[k] != '.')
            return 0;
        return span(s, k + 1, n, "0123456789_") == n - k - 1;
    }
    if (k >= n || s[k] != '.')
        return 0;
    k = k + 1 + span(s, k + 1, n, "0123456789_");
    return exponent_to_end(s, k, n);
}

enum yaml_scalar_kind yaml_scalar_kind(const char *s, size_t n)
{
    static const char *const bools[] = { "yes", "Yes", "YES", "no", "No", "NO", "true",
        "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", NULL };
    static const char *const nulls[] = { "", "~", "null", "Null", "NULL", NULL };

    if (one_of(s, n, bools))
        return YAML_SCALAR_BOOL;
    if (one_of(s, n, nulls))
        return YAML_SCALAR_NULL;
    if (n == 2 && s[0] == '<' && s[1] == '<')
        return YAML_SCALAR_MERGE;
    if (is_float(s, n))
        return YAML_SCALAR_FLOAT;
    if (is_int(s, n))
        return YAML_SCALAR_INT;
    return YAML_SCALAR_STRING;
}

/* s without '_', NUL-terminated, in a malloc'd copy */
static char *digits_only(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    size_t i, j = 0;

    if (!d)
        return NULL;
    for (i = 0; i < n; i++)
        if (s[i] != '_')
            d[j++] = s[i];
    d[j] = '\0';
    return d;
}

/* The integer in d (no '_'), as construct_yaml_int computes it. */
static json_t *int_value(const char *d, const char **why)
{
    unsigned long long v = 0, lim;
    int neg = d[0] == '-', base = 10;
    const char *p = d + (d[0] == '-' || d[0] == '+');

    if (p[0] == '0' && p[1] == 'b')
        base = 2, p += 2;
    else if (p[0] == '0' && p[1] == 'x')
        base = 16, p += 2;
    else if (p[0] == '0' && p[1])
        base = 8, p += 1;
    else if (strchr(p, ':'))
        base = 60;
    if (!*p) {
        *why = "is not an integer";
        return NULL;
    }
    lim = neg ? (unsigned long long)LLONG_MAX + 1 : (unsigned long long)LLONG_MAX;
    while (*p) {
        unsigned long long digit;
        const char *q = p;

        if (base == 60) {           /* a decimal part between colons */
            digit = 0;
            for (; is_digit(*q); q++) {
                if (digit > (lim - (unsigned long long)(*q - '0')) / 10) {
                    *why = "is an integer too large for 64 bits";
                    return NULL;
                }
                digit = digit * 10 + (unsigned long long)(*q - '0');
            }
            if (*q == ':')
                q++;
            else if (*q) {
                *why = "is not an integer";
                return NULL;
            }
            if (digit > lim) {
                *why = "is an integer too large for 64 bits";
                return NULL;
            }
        } else {
            char c = *q++;

            digit = is_digit(c) ? (unsigned long long)(c - '0') :
                    c >= 'a' && c <= 'f' ? (unsigned long long)(c - 'a' + 10) :
                    c >= 'A' && c <= 'F' ? (unsigned long long)(c - 'A' + 10) : 99;
            if (digit >= (unsigned long long)base) {
                *why = "is not an integer";
                return NULL;
            }
        }
        if (v > (lim - digit) / (unsigned long long)base) {
            *why = "is an integer too large for 64 bits";
            return NULL;
        }
        v = v * (unsigned long long)base + digit;
        p = q;
    }
    if (neg)
        return json_integer(v == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)v);
    return json_integer((long long)v);
}

/* The float in d (no '_'), as construct_yaml_float computes it. */
static json_t *float_value(char *d, const char **why)
{
    double v = 0, sgn = d[0] == '-' ? -1 : 1;
    char *p = d + (d[0] == '-' || d[0] == '+'), *end;

    if (p[0] == '.' && (p[1] == 'i' || p[1] == 'I' || p[1] == 'n' || p[1] == 'N')) {
        *why = "is not a finite number, which JSON cannot hold";
        return NULL;
    }
    if (strchr(p, ':')) {
        char *part = strtok(p, ":");

        while (part) {
            v = v * 60 + strtod(part, &end);
            if (*end) {
                *why = "is not a number";
                return NULL;
            }
            part = strtok(NULL, ":");
        }
    } else {
        v = strtod(p, &end);
        if (end == p || *end) {
            *why = "is not a number";
            return NULL;
        }
    }
    if (!isfinite(v)) {
        *why = "is not a finite number, which JSON cannot hold";
        return NULL;
    }
    return json_real(sgn * v);
}

json_t *yaml_scalar_value(const char *s, size_t n, enum yaml_scalar_kind k,
                          const char **why)
{
    static const char *const yes[] = { "yes", "true", "on", NULL };
    static const char *const no[] = { "no", "false", "off", NULL };
    char low[8];
    char *d;
    json_t *v = NULL;
    size_t i;

    switch (k) {
    case YAML_SCALAR_NULL:
        return json_null();
    case YAML_SCALAR_BOOL:
        for (i = 0; i < n && i < sizeof low - 1; i++)
            low[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
        if (n < sizeof low && one_of(low, n, yes))
            return json_true();
        if (n < sizeof low && one_of(low, n, no))
            return json_false();
        *why = "is not a boolean";
        return NULL;
    case YAML_SCALAR_INT:
        if (!is_int(s, n)) {
            *why = "is not an integer";
            return NULL;
        }
        if ((d = digits_only(s, n)))
            v = int_value(d, why);
        break;
    case YAML_SCALAR_FLOAT:
        if (memchr(s, '\0', n)) {
            *why = "is not a number";
            return NULL;
        }
        if ((d = digits_only(s, n)))
            v = float_value(d, why);
        break;
    default:
        if (memchr(s, '\0', n)) {
            *why = "holds a NUL character";
            return NULL;
        }
        v = json_stringn(s, n);
        if (!v)
            *why = "is not valid UTF-8";
        return v;
    }
    if (!d)
        *why = "cannot be read: out of memory";
    free(d);
    return v;
}
