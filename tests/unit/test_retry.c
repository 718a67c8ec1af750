/* test_retry.c: the standard retry policy: backoff with jitter, which
 * failures are retryable or throttling, the retry quota. */
#include "aws/retry.h"
#include "test.h"

#include <string.h>

static double fixed_rand(void *ctx)
{
    return *(double *)ctx;
}

static void test_backoff(void)
{
    double one = 0.999999, half = 0.5, zero = 0.0, big = 7.0;
    long d;
    int i, ok = 1;

    T(retry_backoff_ms(1, fixed_rand, &one) == 999);
    T(retry_backoff_ms(2, fixed_rand, &one) == 1999);
    T(retry_backoff_ms(3, fixed_rand, &one) == 3999);
    T(retry_backoff_ms(5, fixed_rand, &one) == 15999);
    T(retry_backoff_ms(6, fixed_rand, &one) == 19999);   /* capped at 20 s */
    T(retry_backoff_ms(1000, fixed_rand, &one) == 19999);
    T(retry_backoff_ms(0, fixed_rand, &one) == 999);
    T(retry_backoff_ms(-5, fixed_rand, &one) == 999);
    T(retry_backoff_ms(1, fixed_rand, &half) == 500);
    T(retry_backoff_ms(4, fixed_rand, &half) == 4000);
    T(retry_backoff_ms(30, fixed_rand, &half) == 10000);
    T(retry_backoff_ms(3, fixed_rand, &zero) == 0);
    T(retry_backoff_ms(3, fixed_rand, &big) == 4000);    /* clamped to 1 */
    for (i = 0; i < 2000; i++) {
        d = retry_backoff_ms(1 + i % 10, NULL, NULL);
        if (d < 0 || d > RETRY_BACKOFF_MAX_MS)
            ok = 0;
        if (i % 10 == 0 && d > RETRY_BACKOFF_BASE_MS)
            ok = 0;
    }
    T(ok);
}

static void test_retryable(void)
{
    static const char *const throttles[] = {
        "Throttling", "ThrottlingException", "ThrottledException",
        "RequestThrottledException", "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException", "RequestLimitExceeded",
        "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled",
        "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException", NULL
    };
    static const char *const transients[] = {
        "RequestTimeout", "RequestTimeoutException", "InternalError",
        "InternalFailure", "ServiceUnavailable", NULL
    };
    static const char *const nevers[] = {
        "ValidationError", "AccessDenied", "AccessDeniedException",
        "InvalidClientTokenId", "SignatureDoesNotMatch", "ExpiredToken",
        "AlreadyExistsException", "throttling", "", NULL
    };
    static const struct { enum http_error err; long status; int want; } tab[] = {
        { HTTP_ECONNECT, 0, 1 }, { HTTP_ETIMEOUT, 0, 1 }, { HTTP_ERESET, 0, 1 },
        { HTTP_ETLS, 0, 0 }, { HTTP_EOTHER, 0, 0 },
        { HTTP_OK, 200, 0 }, { HTTP_OK, 400, 0 }, { HTTP_OK, 403, 0 },
        { HTTP_OK, 404, 0 }, { HTTP_OK, 429, 1 }, { HTTP_OK, 500, 1 },
        { HTTP_OK, 501, 0 }, { HTTP_OK, 502, 1 }, { HTTP_OK, 503, 1 },
        { HTTP_OK, 504, 1 }, { HTTP_OK, 505, 0 },
    };
    size_t i;

    for (i = 0; i < sizeof tab / sizeof tab[0]; i++)
        TMSG(retry_retryable(tab[i].err, tab[i].status, NULL) == tab[i].want,
             "%s %ld", http_error_name(tab[i].err), tab[i].status);
    for (i = 0; throttles[i]; i++) {
        TMSG(retry_retryable(HTTP_OK, 400, throttles[i]), "%s", throttles[i]);
        TMSG(retry_throttling(throttles[i]), "%s", throttles[i]);
    }
    for (i = 0; transients[i]; i++) {
        TMSG(retry_retryable(HTTP_OK, 400, transients[i]), "%s", transients[i]);
        TMSG(!retry_throttling(transients[i]), "%s", transients[i]);
    }
    for (i = 0; nevers[i]; i++) {
        TMSG(!retry_retryable(HTTP_OK, 400, nevers[i]), "%s", nevers[i]);
        TMSG(!retry_throttling(nevers[i]), "%s", nevers[i]);
    }
    T(!retry_retryable(HTTP_OK, 500, "ValidationError"));
    T(!retry_retryable(HTTP_OK, 503, "SignatureDoesNotMatch"));
    T(retry_retryable(HTTP_OK, 503, "SomethingElse"));
    T(retry_retryable(HTTP_ETIMEOUT, 0, "ValidationError"));
    T(!retry_throttling(NULL));
}

static void test_quota(void)
{
    struct retry_quota q;
    int i, n = 0;

    retry_quota_init(&q);
    T(q.available == 500);
    T(retry_quota_acquire(&q, HTTP_ETIMEOUT) == 10);
    T(retry_quota_acquire(&q, HTTP_OK) == 5);
    T(retry_quota_acquire(&q, HTTP_ERESET) == 5);
    T(q.available == 480);
    retry_quota_release(&q, 5);
    T(q.available == 485);
    for (i = 0; i < 200; i++)
        if (retry_quota_acquire(&q, HTTP_OK))
            n++;
    T(n == 97 && q.available == 0);
    T(retry_quota_acquire(&q, HTTP_OK) == 0);
    for (i = 0; i < 1000; i++)
        retry_quota_release(&q, RETRY_QUOTA_NO_RETRY_INCREMENT);
    T(q.available == 500);
}

int main(void)
{
    test_backoff();
    test_retryable();
    test_quota();
    return t_report();
}
