/* retry.h: the AWS SDK "standard" retry mode: which failures are worth
 * another attempt, the backoff with jitter before it, and the client-wide
 * retry quota.
 *
 *   for (attempt = 1;; attempt++) {
 *       rc = http_send(...);  (parse the AWS error code from a 4xx/5xx body)
 *       if (!retry_retryable(r.error, r.status, code) || attempt >= max_attempts)
 *           break;
 *       if (!(cost = retry_quota_acquire(&quota, r.error)))
 *           break;
 *       sleep retry_backoff_ms(attempt, NULL, NULL);
 *   }
 *   on a 2xx: retry_quota_release(&quota, cost ? cost : RETRY_QUOTA_NO_RETRY_INCREMENT);
 */
#ifndef LUAFORM_RETRY_H
#define LUAFORM_RETRY_H

#include "aws/http.h"

#define RETRY_MAX_ATTEMPTS_DEFAULT 3
#define RETRY_BACKOFF_BASE_MS 1000L
#define RETRY_BACKOFF_MAX_MS 20000L

/* A random source returning a double in [0, 1). */
typedef double (*retry_rand_fn)(void *ctx);

/* The delay before the next attempt after attempt number `attempt` (1-based)
 * failed: rand * min(BASE * 2^(attempt-1), MAX), in milliseconds, so
 * attempt 1 waits up to 1 s, 2 up to 2 s, ..., 6 and later up to 20 s.
 * rnd NULL uses an internal generator seeded from the clock and pid. */
long retry_backoff_ms(int attempt, retry_rand_fn rnd, void *rnd_ctx);

/* 1 when the attempt is worth retrying: connect, timeout or reset errors;
 * status 429 (too many requests), 500, 502, 503, 504; a throttling or
 * transient AWS error code.
 * Never for TLS or other transport errors, nor for validation or
 * authentication codes (even with a 5xx). aws_code may be NULL. */
int retry_retryable(enum http_error err, long status, const char *aws_code);

/* 1 when aws_code is a throttling code (Throttling, SlowDown, ...). */
int retry_throttling(const char *aws_code);

/* 1 when an answer says "slow down": a throttling code, or HTTP 429
 * whatever its code. */
int retry_throttled(long status, const char *aws_code);

/* The standard mode's client-wide retry quota (token bucket). */
#define RETRY_QUOTA_INITIAL 500
#define RETRY_QUOTA_RETRY_COST 5
#define RETRY_QUOTA_TIMEOUT_COST 10
#define RETRY_QUOTA_NO_RETRY_INCREMENT 1

struct retry_quota {
    int available;
    int max;
};

void retry_quota_init(struct retry_quota *q);
/* Take the cost of one retry (10 after a timeout, else 5). Returns the
 * amount taken, or 0 when the quota is exhausted: do not retry then. */
int retry_quota_acquire(struct retry_quota *q, enum http_error err);
/* After a successful response: give back the last amount acquired for
 * this request, or RETRY_QUOTA_NO_RETRY_INCREMENT when it needed no retry. */
void retry_quota_release(struct retry_quota *q, int amount);

#endif
