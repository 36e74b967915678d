/*
 * Per-action call rates: one token bucket per (account, action), for the
 * vendors that document a rate per API action and account.  The buckets
 * live in memory, like the app-write buckets of service.c, and share
 * their lock; their number is bounded by the accounts times the actions
 * the dialects name (static names, never a caller's text).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/time.h"
#include "service/service_int.h"


/* The bucket of (account_id, action), made full if new; NULL: ENOMEM. */
static tg_action_bucket_t *
tg_action_bucket(tg_service_t *svc, const char *account_id, const char *action)
{
    tg_action_bucket_t *b, *grown;
    size_t              i, cap;

    for (i = 0; i < svc->naction_buckets; i++) {
        b = &svc->action_buckets[i];
        if (strcmp(b->account_id, account_id) == 0
            && strcmp(b->action, action) == 0) {
            return b;
        }
    }

    if (svc->naction_buckets == svc->action_cap) {
        cap = svc->action_cap > 0 ? svc->action_cap * 2 : 16;
        grown = realloc(svc->action_buckets, cap * sizeof(*grown));
        if (grown == NULL) {
            return NULL;
        }
        svc->action_buckets = grown;
        svc->action_cap = cap;
    }

    b = &svc->action_buckets[svc->naction_buckets++];
    snprintf(b->account_id, sizeof(b->account_id), "%s", account_id);
    snprintf(b->action, sizeof(b->action), "%s", action);
    b->bucket = TG_BUCKET_INIT;
    return b;
}


int
tg_service_action_rate_take(tg_service_t *svc, const tg_actor_t *actor,
                            const char *action, tg_error_t *err)
{
    tg_action_bucket_t *b;
    int64_t             retry_ms = 0;
    size_t              len = strlen(action);
    int                 rc;

    if (len == 0 || len > TG_ACTION_RATE_NAME_MAX) {
        return tg_error_code(err, TG_EINVALID);
    }

    pthread_mutex_lock(&svc->lock);

    b = tg_action_bucket(svc, actor->account_id, action);
    rc = b == NULL ? TG_ENOMEM
                   : tg_bucket_take(&b->bucket, TG_ACTION_RATE_PER_SECOND,
                                    TG_ACTION_RATE_PER_SECOND,
                                    tg_time_monotonic_ms(), &retry_ms);

    pthread_mutex_unlock(&svc->lock);

    if (rc == TG_ERATE_LIMITED) {
        tg_error_set(err, rc, TG_FIELD_NONE,
                     "the account may call %s at most %d times per second",
                     action, TG_ACTION_RATE_PER_SECOND);
        if (err != NULL) {
            err->retry_after = (retry_ms + 999) / 1000;
        }
        return rc;
    }

    return rc == TG_OK ? TG_OK : tg_error_code(err, rc);
}
