/*
 * The change log's retention, and the janitor that prunes the store.
 *
 * The change log would grow forever; the janitor deletes its oldest
 * rows in bounded batches once they are older than the retention, or
 * beyond its row cap, and never the newest row (whose seq tells every
 * follower where the log is).  Each deletion records, in the same
 * transaction, the highest seq it deleted (meta changes_pruned_through):
 * a follower whose position is below it may have missed rows, and
 * rebuilds its projection from the store's tables instead
 * (tg_service_dp_log_check()).  Nodes that share a store may each run a
 * janitor: they delete the same rows, and the mark only rises.
 *
 * The janitor also prunes the limits that nodes share (store_limits.c):
 * expired nonces and full buckets.
 */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tollgate/error.h"
#include "tollgate/time.h"
#include "log.h"
#include "store/store_int.h"


#define TG_LOG_PRUNED_MARK "changes_pruned_through"

/* How often the janitor looks, and how soon again when a batch was
 * full. */
#define TG_JANITOR_MS      1000
#define TG_JANITOR_MORE_MS 10

/* A nonce is pruned this long after it expired: nodes' clocks may
 * differ by up to this much and still never forget one that another
 * node would take within its window. */
#define TG_JANITOR_NONCE_SLACK_MS 60000

struct tg_janitor_s {
    tg_store_t        *store;
    tg_log_retention_t retention;
    pthread_t          thread;
    pthread_mutex_t    lock;
    pthread_cond_t     cond;
    int                stop;
    int                failing; /* the last pass failed (logged once) */
};


int
tg_store_change_horizon(tg_txn_t *t, int64_t *seq)
{
    return tg_scalar(t,
                     "SELECT CAST(value AS BIGINT) FROM meta WHERE name = $1",
                     TG_PARAMS(TG_P_CSTR(TG_LOG_PRUNED_MARK)), seq);
}


/*
 * The highest seq the retention lets go in one batch of at most limit
 * rows from oldest (0: none): a prefix of the log, each row of it older
 * than the cutoff or beyond the row cap, the newest row never.
 */
static int
tg_change_prune_bound(tg_txn_t *t, const tg_log_retention_t *r, int64_t now,
                      int64_t limit, int64_t *bound)
{
    int64_t oldest = 0, newest = 0, kept = 0, by_rows = 0, by_age = 0;
    int     rc;

    *bound = 0;

    rc = tg_scalar(t, "SELECT MIN(seq) FROM changes", TG_NO_PARAMS, &oldest);
    if (rc == TG_OK) {
        rc =
            tg_scalar(t, "SELECT MAX(seq) FROM changes", TG_NO_PARAMS, &newest);
    }
    if (rc != TG_OK || oldest == 0 || oldest >= newest) {
        return rc;
    }

    if (r->max_rows > 0 && newest - oldest + 1 > r->max_rows) {
        by_rows = newest - r->max_rows;
    }

    /* The first row of the batch's range that is young enough to keep. */
    if (r->max_age_ms > 0) {
        rc = tg_scalar(t,
                       "SELECT MIN(seq) FROM changes "
                       "WHERE seq >= $1 AND seq < $2 AND at >= $3",
                       TG_PARAMS(TG_P_INT(oldest), TG_P_INT(oldest + limit),
                                 TG_P_INT(now - r->max_age_ms)),
                       &kept);
        by_age = kept > 0 ? kept - 1 : oldest + limit - 1;
    }

    *bound = by_rows > by_age ? by_rows : by_age;
    if (*bound > oldest + limit - 1) {
        *bound = oldest + limit - 1;
    }
    if (*bound > newest - 1) {
        *bound = newest - 1;
    }
    if (*bound < oldest) {
        *bound = 0;
    }
    return rc;
}


int
tg_store_change_prune(tg_store_t *store, const tg_log_retention_t *r,
                      int64_t now, int64_t limit, int64_t *deleted)
{
    char     mark[24];
    int64_t  bound = 0;
    tg_txn_t t;
    int      rc;

    *deleted = 0;
    if (limit < 1) {
        return TG_EINVALID;
    }

    /* Read first: most passes find nothing to do, and a write
     * transaction would take a turn of the group commit for it. */
    rc = tg_txn_begin(store, 0, &t);
    if (rc != TG_OK) {
        return rc;
    }
    rc = tg_change_prune_bound(&t, r, now, limit, &bound);
    tg_txn_rollback(&t);
    if (rc != TG_OK || bound == 0) {
        return rc;
    }

    rc = tg_txn_begin(store, 1, &t);
    if (rc != TG_OK) {
        return rc;
    }

    snprintf(mark, sizeof(mark), "%lld", (long long) bound);
    rc = tg_run(&t, "DELETE FROM changes WHERE seq <= $1",
                TG_PARAMS(TG_P_INT(bound)), deleted);
    if (rc == TG_OK) {
        rc = tg_run(&t,
                    "INSERT INTO meta (name, value) VALUES ($1, $2) "
                    "ON CONFLICT (name) DO UPDATE SET value = excluded.value "
                    "WHERE CAST(meta.value AS BIGINT) "
                    "< CAST(excluded.value AS BIGINT)",
                    TG_PARAMS(TG_P_CSTR(TG_LOG_PRUNED_MARK), TG_P_CSTR(mark)),
                    NULL);
    }

    if (rc != TG_OK) {
        tg_txn_rollback(&t);
        *deleted = 0;
        return rc;
    }
    rc = tg_txn_commit(&t);
    if (rc != TG_OK) {
        *deleted = 0;
    }
    return rc;
}


typedef struct {
    char id[TG_ID_LEN + 1];
} tg_app_id_row_t;


static void
tg_app_id_read(tg_cursor_t *c, void *item)
{
    tg_app_id_row_t *row = item;

    tg_col_copy(c, 0, row->id, sizeof(row->id));
}


static void
tg_app_id_release(void *item)
{
    (void) item;
}


int
tg_store_app_id_page(tg_txn_t *t, tg_str_t after, int64_t limit,
                     char (**ids)[TG_ID_LEN + 1], size_t *n)
{
    return tg_read_rows(t,
                        "SELECT id FROM apps WHERE id > $1 ORDER BY id "
                        "LIMIT $2",
                        1, TG_PARAMS(TG_P_TEXT(after), TG_P_INT(limit)),
                        sizeof(tg_app_id_row_t), tg_app_id_read,
                        tg_app_id_release, (void **) ids, n);
}


/* One pass: a batch of the change log, and of the shared limits.
 * Returns 1 if a batch was full (more to do), 0, or an error. */
static int
tg_janitor_pass(tg_janitor_t *j)
{
    int64_t now = tg_time_now_ms(), changes = 0, limits = 0;
    int     rc;

    rc = tg_store_change_prune(j->store, &j->retention, now,
                               TG_STORE_PRUNE_BATCH, &changes);
    if (rc == TG_OK && tg_store_limits_shared(j->store)) {
        rc = tg_store_limits_prune(j->store, now - TG_JANITOR_NONCE_SLACK_MS,
                                   TG_STORE_PRUNE_BATCH, &limits);
    }

    if (rc != TG_OK) {
        if (!j->failing) {
            TG_LOG(TG_LOG_WARN, "store: pruning failed; retrying",
                   TG_LF_STR("error", tg_strerror(rc)));
        }
        j->failing = 1;
        return rc;
    }

    j->failing = 0;
    if (changes > 0) {
        TG_LOG(TG_LOG_DEBUG, "store: change log pruned",
               TG_LF_INT("rows", changes));
    }
    return changes >= TG_STORE_PRUNE_BATCH || limits >= TG_STORE_PRUNE_BATCH;
}


static void *
tg_janitor_main(void *data)
{
    tg_janitor_t   *j = data;
    struct timespec until;
    int64_t         wait_ms = TG_JANITOR_MS;
    int             stop = 0;

    while (!stop) {
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += (time_t) (wait_ms / 1000);
        until.tv_nsec += (long) (wait_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }

        pthread_mutex_lock(&j->lock);
        while (!j->stop
               && pthread_cond_timedwait(&j->cond, &j->lock, &until) == 0) {
        }
        stop = j->stop;
        pthread_mutex_unlock(&j->lock);

        if (!stop) {
            wait_ms =
                tg_janitor_pass(j) == 1 ? TG_JANITOR_MORE_MS : TG_JANITOR_MS;
        }
    }
    return NULL;
}


int
tg_store_janitor_start(tg_store_t *store, const tg_log_retention_t *retention,
                       tg_janitor_t **out)
{
    tg_janitor_t *j;

    j = calloc(1, sizeof(*j));
    if (j == NULL) {
        return TG_ENOMEM;
    }

    j->store = store;
    j->retention = *retention;
    pthread_mutex_init(&j->lock, NULL);
    pthread_cond_init(&j->cond, NULL);

    if (pthread_create(&j->thread, NULL, tg_janitor_main, j) != 0) {
        pthread_cond_destroy(&j->cond);
        pthread_mutex_destroy(&j->lock);
        free(j);
        return TG_EINTERNAL;
    }

    *out = j;
    return TG_OK;
}


void
tg_store_janitor_stop(tg_janitor_t *j)
{
    if (j == NULL) {
        return;
    }

    pthread_mutex_lock(&j->lock);
    j->stop = 1;
    pthread_cond_signal(&j->cond);
    pthread_mutex_unlock(&j->lock);
    pthread_join(j->thread, NULL);

    pthread_cond_destroy(&j->cond);
    pthread_mutex_destroy(&j->lock);
    free(j);
}
