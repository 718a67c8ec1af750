/* retry.c: the AWS SDK "standard" retry policy: classification of failed
 * attempts, backoff with jitter and the retry quota. */
#include "aws/retry.h"

#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* xorshift64*: jitter needs no cryptographic quality. */
static double default_rand(void *ctx)
{
    static uint64_t s;
    (void)ctx;

    if (!s) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        s = ((uint64_t)ts.tv_sec * 1000000007u) ^ (uint64_t)ts.tv_nsec
            ^ ((uint64_t)getpid() << 32);
        if (!s)
            s = 0x9e3779b97f4a7c15u;
    }
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return (double)((s * 0x2545f4914f6cdd1du) >> 11) / 9007199254740992.0;
}

long retry_backoff_ms(int attempt, retry_rand_fn rnd, void *rnd_ctx)
{
    long ceiling = RETRY_BACKOFF_BASE_MS;
    double r;
    int i;

    for (i = 1; i < attempt && ceiling < RETRY_BACKOFF_MAX_MS; i++)
        ceiling *= 2;
    if (ceiling > RETRY_BACKOFF_MAX_MS)
        ceiling = RETRY_BACKOFF_MAX_MS;
    r = rnd ? rnd(rnd_ctx) : default_rand(NULL);
    if (!(r > 0.0))         /* also catches NaN */
        r = 0.0;
    if (r > 1.0)
        r = 1.0;
    return (long)(r * (double)ceiling);
}

static const char *const throttling_codes[] = {
    "Throttling", "ThrottlingException", "ThrottledException",
    "RequestThrottledException", "TooManyRequestsException",
    "ProvisionedThroughputExceededException", "TransactionInProgressException",
    "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException",
    "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
    "EC2ThrottledException", NULL
};

static const char *const transient_codes[] = {
    "RequestTimeout", "RequestTimeoutException", "InternalError",
    "InternalFailure", "ServiceUnavailable", "PriorRequestNotComplete", NULL
};

/* Client mistakes: retrying cannot help, whatever the status says. */
static const char *const never_codes[] = {
    "ValidationError", "ValidationException", "InvalidParameterValue",
    "InvalidParameterCombination", "MissingParameter", "InvalidAction",
    "MalformedQueryString", "AccessDenied", "AccessDeniedException",
    "UnauthorizedOperation", "InvalidClientTokenId", "SignatureDoesNotMatch",
    "IncompleteSignature", "MissingAuthenticationToken", "ExpiredToken",
    "ExpiredTokenException", "UnrecognizedClientException",
    "InvalidSignatureException", "AuthFailure", "OptInRequired", NULL
};

static int in_list(const char *const *list, const char *code)
{
    size_t i;

    if (!code || !*code)
        return 0;
    for (i = 0; list[i]; i++)
        if (!strcmp(list[i], code))
            return 1;
    return 0;
}

int retry_throttling(const char *aws_code)
{
    return in_list(throttling_codes, aws_code);
}

int retry_throttled(long status, const char *aws_code)
{
    return status == 429 || in_list(throttling_codes, aws_code);
}

int retry_retryable(enum http_error err, long status, const char *aws_code)
{
    switch (err) {
    case HTTP_ECONNECT:
    case HTTP_ETIMEOUT:
    case HTTP_ERESET:
        return 1;
    case HTTP_ETLS:
    case HTTP_EOTHER:
    case HTTP_EINTR:
        return 0;
    case HTTP_OK:
        break;
    }
    if (in_list(never_codes, aws_code))
        return 0;
    if (in_list(throttling_codes, aws_code) || in_list(transient_codes, aws_code))
        return 1;
    return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

void retry_quota_init(struct retry_quota *q)
{
    q->available = q->max = RETRY_QUOTA_INITIAL;
}

int retry_quota_acquire(struct retry_quota *q, enum http_error err)
{
    int cost = err == HTTP_ETIMEOUT ? RETRY_QUOTA_TIMEOUT_COST
                                    : RETRY_QUOTA_RETRY_COST;

    if (q->available < cost)
        return 0;
    q->available -= cost;
    return cost;
}

void retry_quota_release(struct retry_quota *q, int amount)
{
    if (amount <= 0)
        return;
    q->available = q->available + amount > q->max ? q->max
                                                  : q->available + amount;
}
