/*
 * Token-bucket arithmetic.
 */

#include <math.h>

#include "tollgate/error.h"
#include "tollgate/ratelimit.h"


/*
 * Refills add elapsed * rate / 1000 in floating point, which is rarely
 * exact: ten refills of 0.1 token make 0.9999999999999999, and a client
 * that waited exactly retry_ms would be refused again.  So a token counts
 * as whole once the bucket is within this slack of it, and retry_ms is
 * the time until the bucket is within half the slack, a margin that
 * rounding cannot eat.  An event is admitted at most a billionth of a
 * token early.
 */
#define TG_BUCKET_SLACK 1e-9


int
tg_bucket_take(tg_bucket_t *b, double rate, double burst, int64_t now_ms,
               int64_t *retry_ms)
{
    double need;

    if (!b->started) {
        b->tokens = burst;
        b->last_ms = now_ms;
        b->started = 1;

    } else if (now_ms > b->last_ms) {
        b->tokens += (double) (now_ms - b->last_ms) * rate / 1000.0;
        if (b->tokens > burst) {
            b->tokens = burst;
        }
        b->last_ms = now_ms;
    }

    if (b->tokens >= 1.0 - TG_BUCKET_SLACK) {
        b->tokens -= 1.0;
        return TG_OK;
    }

    need = (1.0 - TG_BUCKET_SLACK / 2 - b->tokens) * 1000.0 / rate;
    *retry_ms = need < 1.0 ? 1 : (int64_t) ceil(need);
    return TG_ERATE_LIMITED;
}
