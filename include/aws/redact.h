/* redact.h: secrets out of what luaform shows (trace lines, error
 * messages): header values and URL query parameters. Pure functions. */
#ifndef LUAFORM_REDACT_H
#define LUAFORM_REDACT_H

#include "core/buf.h"

/* 1 when a header's value must never be shown: its name contains "token",
 * "secret", "authorization", "cookie", "password", "credential" or
 * "api-key"/"apikey" (ASCII case-insensitive). */
int redact_header_is_secret(const char *name);

/* Append "name: value" to out, the value redacted as needed. An AWS4
 * Authorization keeps its algorithm, the access key id masked (AKIA****MPLE),
 * the credential scope and SignedHeaders; Signature and anything else
 * become <redacted>. Other secret headers become <redacted>. */
void redact_header(struct buf *out, const char *name, const char *value);

/* Append url to out with userinfo ("user:pass@" before the host, also in
 * a URL without a scheme) and the values of the query parameters
 * X-Amz-Signature, X-Amz-Security-Token, X-Amz-Credential (and any whose
 * name contains token, secret, signature, password or credential)
 * replaced by <redacted>. */
void redact_url(struct buf *out, const char *url);

#endif
