/* fuzz.h: helpers shared by the libFuzzer harnesses in tests/fuzz/.
 *
 * FZ_CHECK(cond, fmt, ...) is an oracle: when cond is false it prints what
 * broke and aborts, which libFuzzer records as a crash with the input.
 *
 * fz_find() is a plain substring search. The harnesses use it instead of
 * strstr/memmem on purpose: libFuzzer intercepts those and adds their
 * arguments to its dictionary, so a secret the oracle looks for would be
 * fed back into the inputs (a false positive the adversarial run hit). */
#ifndef LUAFORM_FUZZ_H
#define LUAFORM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FZ_CHECK(cond, ...) do { \
    if (!(cond)) { \
        fprintf(stderr, "\nFUZZ ORACLE FAILED %s:%d: %s\n  ", __FILE__, \
                __LINE__, #cond); \
        fprintf(stderr, __VA_ARGS__); \
        fputc('\n', stderr); \
        abort(); \
    } \
} while (0)

/* Hidden from the coverage instrumentation too, so that comparisons
 * against a secret do not become hints for the mutator. */
#define FZ_QUIET __attribute__((no_sanitize("coverage")))

/* Does needle (nlen bytes) occur in hay (hlen bytes)? */
static FZ_QUIET int fz_find(const char *hay, size_t hlen, const char *needle,
                            size_t nlen)
{
    size_t i, j;

    if (nlen == 0)
        return 1;
    for (i = 0; i + nlen <= hlen; i++) {
        for (j = 0; j < nlen && hay[i + j] == needle[j]; j++)
            ;
        if (j == nlen)
            return 1;
    }
    return 0;
}

static inline int fz_has(const char *hay, const char *needle)
{
    return hay && fz_find(hay, strlen(hay), needle, strlen(needle));
}

/* FNV-1a, then a splitmix64 finaliser: a value the input determines but
 * cannot usefully contain (secrets derived from it change when it does). */
static inline uint64_t fz_hash(const uint8_t *d, size_t n, uint64_t salt)
{
    uint64_t h = 1469598103934665603ull ^ salt;
    size_t i;

    for (i = 0; i < n; i++) {
        h ^= d[i];
        h *= 1099511628211ull;
    }
    h += 0x9e3779b97f4a7c15ull;
    h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
    h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
    return h ^ (h >> 31);
}

/* Is s[0, n) valid UTF-8 (no overlongs, surrogates or values past
 * U+10FFFF)? */
static inline int fz_utf8(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    while (i < n) {
        unsigned c = p[i], need, min, cp, k;

        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
            min = 0x80;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            min = 0x800;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            min = 0x10000;
            cp = c & 0x07;
        } else {
            return 0;
        }
        for (k = 1; k <= need; k++) {
            if (i + k >= n || (p[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += need + 1;
    }
    return 1;
}

/* No byte below 0x20 and no DEL: text that stays on one line. */
static inline int fz_one_line(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 0;
    return 1;
}

/* A NUL-terminated copy of the input, in its own allocation so that
 * AddressSanitizer sees a read past its end. */
static inline char *fz_strndup(const uint8_t *d, size_t n)
{
    char *s = malloc(n + 1);

    if (!s)
        abort();
    memcpy(s, d, n);
    s[n] = '\0';
    return s;
}

#endif
