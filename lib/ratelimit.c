/*
 * Token-bucket arithmetic.
 */

#include <math.h>

#include "tollgate/error.h"
#include "tollgate/ratelimit.h"


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

    if (b->tokens >= 1.0) {
        b->tokens -= 1.0;
        return TG_OK;
    }

    need = (1.0 - b->tokens) * 1000.0 / rate;
    *retry_ms = need < 1.0 ? 1 : (int64_t) ceil(need);
    return TG_ERATE_LIMITED;
}
