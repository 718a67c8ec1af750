/* isotime.h: ISO 8601 timestamps as AWS writes them (STS expirations,
 * stack events, credential_process output). */
#ifndef LUAFORM_ISOTIME_H
#define LUAFORM_ISOTIME_H

#include <time.h>

/* "2026-11-22T18:56:50.502741Z": T (or t or a space), an optional
 * fraction, Z or an offset (+hh:mm, +hhmm). *usec (may be NULL) gets the
 * fraction in microseconds. Returns 0, or -1 (out untouched). */
int isotime_parse(const char *s, time_t *out, long *usec);

#endif
