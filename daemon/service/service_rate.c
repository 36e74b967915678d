/*
 * Per-account rate limits: the app-write bucket of each account (creates,
 * modifies and deletes of apps: app_write_rate and app_write_burst), and
 * one bucket per (account, action) for the vendors that document a rate
 * per API action and account.
 *
 * One node keeps the buckets in memory, under the service's lock; their
 * number is bounded by the accounts (times the actions the dialects
 * name: static names, never a caller's text).  Nodes that share a store
 * (tg_store_limits_shared()) keep them in it instead, so that an
 * account's calls on every node count against one bucket; a store that
 * cannot answer refuses the call (TG_EBUSY, 503) rather than let it
 * through uncounted.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/time.h"
#include "service/service_int.h"


/* The app-write bucket's action name in the store: no vendor action has
 * a colon. */
#define TG_RATE_APP_WRITE ":app_write"


/*
 * Takes a token from the store's bucket of (account_id, action).
 * Returns 0, TG_ERATE_LIMITED (*retry_ms set), TG_ENOMEM, or TG_EBUSY
 * for any failure of the store: unknown is refused.
 */
static int
tg_rate_take_shared(tg_service_t *svc, const char *account_id,
                    const char *action, double rate, double burst,
                    int64_t *retry_ms)
{
    int rc;

    rc = tg_store_bucket_take(svc->store, tg_str_c(account_id), action, rate,
                              burst, retry_ms);
    if (rc == TG_OK || rc == TG_ERATE_LIMITED || rc == TG_ENOMEM) {
        return rc;
    }
    return TG_EBUSY;
}


/* The app-write bucket of account_id, made full if new; NULL: ENOMEM.
 * Called under svc->lock. */
static tg_account_bucket_t *
tg_account_bucket(tg_service_t *svc, const char *account_id)
{
    tg_account_bucket_t *b, *grown;
    size_t               i, cap;

    for (i = 0; i < svc->nbuckets; i++) {
        if (strcmp(svc->buckets[i].account_id, account_id) == 0) {
            return &svc->buckets[i];
        }
    }

    if (svc->nbuckets == svc->cap) {
        cap = svc->cap > 0 ? svc->cap * 2 : 16;
        grown = realloc(svc->buckets, cap * sizeof(*grown));
        if (grown == NULL) {
            return NULL;
        }
        svc->buckets = grown;
        svc->cap = cap;
    }

    b = &svc->buckets[svc->nbuckets++];
    snprintf(b->account_id, sizeof(b->account_id), "%s", account_id);
    b->bucket = TG_BUCKET_INIT;
    return b;
}


int
tg_rate_take(tg_service_t *svc, const char *account_id, tg_error_t *err)
{
    tg_service_limits_t  limits = tg_service_limits(svc);
    tg_account_bucket_t *b;
    int64_t              retry_ms = 0;
    int                  rc;

    if (limits.app_write_rate <= 0) {
        return TG_OK;
    }

    if (tg_store_limits_shared(svc->store)) {
        rc = tg_rate_take_shared(svc, account_id, TG_RATE_APP_WRITE,
                                 limits.app_write_rate, limits.app_write_burst,
                                 &retry_ms);
    } else {
        pthread_mutex_lock(&svc->lock);
        b = tg_account_bucket(svc, account_id);
        rc = b == NULL ? TG_ENOMEM
                       : tg_bucket_take(&b->bucket, limits.app_write_rate,
                                        limits.app_write_burst,
                                        tg_time_monotonic_ms(), &retry_ms);
        pthread_mutex_unlock(&svc->lock);
    }

    if (rc == TG_ERATE_LIMITED) {
        tg_error_set(err, rc, TG_FIELD_NONE,
                     "the account may create, modify or delete at most %g "
                     "apps per second",
                     limits.app_write_rate);
        if (err != NULL) {
            err->retry_after = (retry_ms + 999) / 1000;
        }
        return rc;
    }

    return rc == TG_OK ? TG_OK : tg_error_code(err, rc);
}


/* The bucket of (account_id, action), made full if new; NULL: ENOMEM.
 * Called under svc->lock. */
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

    if (len == 0 || len > TG_ACTION_RATE_NAME_MAX || action[0] == ':') {
        return tg_error_code(err, TG_EINVALID);
    }

    if (tg_store_limits_shared(svc->store)) {
        rc = tg_rate_take_shared(svc, actor->account_id, action,
                                 TG_ACTION_RATE_PER_SECOND,
                                 TG_ACTION_RATE_PER_SECOND, &retry_ms);
    } else {
        pthread_mutex_lock(&svc->lock);
        b = tg_action_bucket(svc, actor->account_id, action);
        rc = b == NULL ? TG_ENOMEM
                       : tg_bucket_take(&b->bucket, TG_ACTION_RATE_PER_SECOND,
                                        TG_ACTION_RATE_PER_SECOND,
                                        tg_time_monotonic_ms(), &retry_ms);
        pthread_mutex_unlock(&svc->lock);
    }

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
