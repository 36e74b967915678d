/*
 * A token bucket, with time passed in so that it is pure and testable.
 *
 * The bucket holds at most `burst` tokens and gains `rate` tokens per
 * second.  Each admitted event takes one token.  A new bucket is full.
 */

#ifndef TOLLGATE_RATELIMIT_H
#define TOLLGATE_RATELIMIT_H

#include <stdint.h>


typedef struct {
    double  tokens;
    int64_t last_ms; /* when tokens was last brought up to date */
    int     started;
} tg_bucket_t;

#define TG_BUCKET_INIT ((tg_bucket_t){ 0, 0, 0 })


/*
 * Takes one token at now_ms.  Returns 0 if one was available; otherwise
 * TG_ERATE_LIMITED, with *retry_ms set to how long until one will be (at
 * least 1).  rate > 0 and burst >= 1.  now_ms should come from a
 * monotonic clock: one that steps backwards is treated as standing still,
 * so a wall clock set back an hour would refill nothing for an hour.
 */
int tg_bucket_take(tg_bucket_t *b, double rate, double burst, int64_t now_ms,
                   int64_t *retry_ms);

#endif /* TOLLGATE_RATELIMIT_H */
