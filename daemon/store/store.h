/*
 * The store: Tollgate's records in a relational database.
 *
 * Every operation runs inside a transaction (tg_txn_t) that the caller
 * begins, and commits or rolls back; the core service runs one
 * transaction per request.  The store enforces no business rule beyond
 * what the schema guarantees (unique names and keys, references): quotas,
 * permissions and validation are the service's.  Every query is portable
 * SQL over the driver interface in db.h.
 *
 * Errors: TG_ENOMEM, TG_ESTORE, TG_EBUSY, TG_ECONFLICT (a uniqueness
 * violation), and the *_NOT_FOUND code of the record type for lookups that
 * find nothing.  On error, output records are left empty.
 *
 * Ownership: records read into caller storage own their strings (free
 * them with the model's *_free()).  Lists are malloc'd arrays that the
 * matching tg_store_*_list_free() releases.  Strings passed in are only
 * read during the call.
 */

#ifndef TOLLGATE_STORE_H
#define TOLLGATE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "tollgate/cred.h"
#include "tollgate/model.h"
#include "tollgate/str.h"
#include "store/db.h"


typedef struct tg_store_s tg_store_t;

typedef struct {
    /* private */
    tg_store_t   *store;
    tg_db_conn_t *conn;
    int           write; /* an operation in the group transaction */
} tg_txn_t;

/* The group commit's counts so far (tg_store_write_stats()). */
typedef struct {
    uint64_t ops;          /* write transactions committed */
    uint64_t failed;       /* write transactions rolled back */
    uint64_t commits;      /* database commits (fsyncs) they took */
    uint64_t lingers;      /* times the holder lingered for a request */
    uint64_t idle_lingers; /* of them, those no request came in */
    unsigned waiting;      /* writers waiting for the turn now */
} tg_store_write_stats_t;

typedef struct {
    tg_str_t account_id;     /* NULL ptr: every account */
    tg_str_t id;             /* the app's id; NULL ptr: any */
    tg_str_t name;           /* exact; NULL ptr: any */
    tg_str_t name_part;      /* in the name, ASCII letters in any case; NULL
                                ptr: any */
    tg_str_t     app_key;    /* any of the app's key pairs; NULL ptr: any */
    int          enabled;    /* -1: any */
    int          by_creator; /* 1: only apps of creator */
    tg_creator_t creator;
    tg_str_t     tag_keys[TG_TAGS_MAX];
    tg_str_t     tag_values[TG_TAGS_MAX]; /* NULL ptr: any value */
    size_t       ntags;
    int64_t      app_id;          /* the numeric AppId; 0: any */
    tg_str_t     extend;          /* exact; NULL ptr: any */
    tg_str_t     app_code;        /* in clear, for the service; NULL ptr: any */
    tg_str_t     app_code_hash;   /* its index hash, which the store matches */
    int64_t      expiring_before; /* Unix ms: only apps with a key pair or
                                     AppCode whose secret passes its
                                     account's maximum age before then (or
                                     has); 0: any */
    int64_t secret_before;        /* Unix ms: only apps with a key pair or
                                     AppCode whose secret was set (made or
                                     reset) at or before then; 0: any */
    int     order;                /* TG_APP_ORDER_* */
    int64_t limit;
    int64_t offset;
    /* Keyset paging: with after_set, only the apps after the one whose
     * sort key (created_at, or updated_at in the updated orders) is
     * after_key and id after_id, in the order; *total still counts all
     * that the rest of the filter selects. */
    int      after_set;
    int64_t  after_key;
    tg_str_t after_id;
    /* The windows as asked, in seconds, that expiring_before and
     * secret_before were made from: what a cursor is bound to (see
     * tg_service_app_list_page()). */
    int64_t expiring_within_s;
    int64_t older_than_s;
} tg_app_filter_t;

/* A filtered listing counts at most this many apps for its total. */
#define TG_APP_TOTAL_MAX 10000

#define TG_APP_ORDER_CREATED      0 /* oldest first (the default) */
#define TG_APP_ORDER_UPDATED_DESC 1 /* last modified first */
#define TG_APP_ORDER_UPDATED_ASC  2

/* Which grants a listing reads; every filter is optional. */
typedef struct {
    tg_str_t app;        /* the app's id; NULL ptr: any */
    tg_str_t api;        /* the API's id; NULL ptr: any */
    tg_str_t account_id; /* the apps' account; NULL ptr: any */
    int64_t  app_number; /* the app's numeric AppId; 0: any */
    tg_str_t app_name;   /* exact; NULL ptr: any */
    tg_str_t stage;      /* exact (stored stages are uppercase); NULL: any */
    int      order;      /* TG_GRANT_ORDER_* */
    int64_t  limit;      /* 0: no limit */
    int64_t  offset;
} tg_grant_filter_t;

#define TG_GRANT_ORDER_API 0 /* by API name, then stage (an app's grants) */
#define TG_GRANT_ORDER_APP 1 /* by app name, then stage (an API's grants) */

typedef struct {
    tg_str_t account_id; /* NULL ptr: every account */
    tg_str_t app;
    tg_str_t actor;
    tg_str_t action;
    int64_t  since; /* inclusive; 0: no bound */
    int64_t  until; /* exclusive; 0: no bound */
    int64_t  limit;
    int64_t  offset;
    tg_str_t apps_in; /* NULL ptr: any; else only events of these apps
                         (ids, each followed by ','), and of no app if
                         no_app is set */
    int no_app;
} tg_audit_filter_t;


/*
 * Opens the database with driver and applies any schema migrations it
 * lacks, each in its own transaction.  Returns 0 or an error; *store is
 * set only on success.
 */
int tg_store_open(const tg_db_driver_t *driver, const tg_db_options_t *options,
                  tg_store_t **store);

/* Closes the store.  No transaction may be open.  store may be NULL. */
void tg_store_close(tg_store_t *store);

/* The schema version the database is at. */
unsigned tg_store_schema_version(const tg_store_t *store);

/*
 * Write transactions are committed in groups.  The store keeps one group
 * transaction open on one connection; each write is one operation of
 * it, in a savepoint of its own (released when it ends well, rolled back
 * to when it fails: its neighbours stand).  Operations run one at a
 * time, by the thread that holds the turn, and the group is committed,
 * with one fsync, before the turn passes on.  Writers wait for the turn
 * in one queue, in the order they came; one that waits busy_ms before
 * its operation begins gets TG_EBUSY.
 *
 * A write is a request (tg_txn_run()), or a transaction its caller runs
 * itself while it holds the turn (tg_txn_begin() with write set).  The
 * holder, once its own operation ended, runs the requests queued behind
 * it, each in its own savepoint, up to a writer that waits for the turn
 * itself or TG_STORE_GROUP_MAX operations; then it commits and gives the
 * turn to the first writer in the queue (a request's thread then runs
 * its own and those behind it).  Once per group, when the queue is
 * empty, it lingers up to TG_STORE_GROUP_LINGER_US for another writer if
 * writes come concurrently (the last commit had more than one
 * operation), unless the group is TG_STORE_GROUP_AGE_US old: a lone
 * writer never waits.
 */

/*
 * A write operation run as a request: its reads and writes in t, a
 * write transaction; returns 0 or an error.  It runs on whichever thread
 * holds the turn, so it must not commit or roll back t, begin a write
 * transaction (it would wait busy_ms for itself), or rely on anything of
 * its caller's thread (tg_txn_run() carries the metrics action only).
 */
typedef int (*tg_txn_fn_pt)(tg_txn_t *t, void *data);

/*
 * Runs fn(t, data) as one operation of a group commit: on this thread
 * if it takes the turn, else on the thread that holds it.  Returns fn's
 * error (its savepoint rolled back, answered at once); or, once the
 * group is durable, 0 or the group commit's error (every operation of
 * the group then fails, and none of them is on disk); or TG_EBUSY
 * (waited busy_ms, fn never ran).  The request may outlast busy_ms once
 * it has begun: it then waits for its group.
 */
int tg_txn_run(tg_store_t *store, tg_txn_fn_pt fn, void *data);

/*
 * Begins a transaction.  A write transaction holds the turn from here to
 * its commit or rollback (see above); a thread must not begin one while
 * it holds one, nor inside a request (it would wait busy_ms, then get
 * TG_EBUSY).  Read transactions see committed data only.
 */
int tg_txn_begin(tg_store_t *store, int write, tg_txn_t *txn);

/*
 * Commits and ends the transaction.  A write transaction returns once its
 * group is durable: 0, or the group commit's error (every operation of
 * the group then fails, and none of them is on disk).  On error it is
 * rolled back.
 */
int tg_txn_commit(tg_txn_t *txn);

/*
 * Rolls back and ends the transaction: a write transaction's savepoint
 * only, its group's other operations stand.  This function can't fail.
 */
void tg_txn_rollback(tg_txn_t *txn);

/*
 * How many operations a group commit takes at most.  A group's requests
 * are answered together after its commit, and each answered thread then
 * wants a CPU: groups of 60 at c=64 on two cores woke 60 threads at
 * once, which held back the next group's holder.  Groups of at most 24
 * came out with a lower p99 at the same throughput (docs/storage.md,
 * "The tail at c=64, measured").
 */
#define TG_STORE_GROUP_MAX 24

/* How long the holder waits for another request before it commits, and
 * the age of a group past which it does not. */
#define TG_STORE_GROUP_LINGER_US 250
#define TG_STORE_GROUP_AGE_US    2000

/* The group commit's counts so far. */
tg_store_write_stats_t tg_store_write_stats(tg_store_t *store);

/*
 * Fault injection, for tests: the n-th fallible driver call from now
 * (acquire, begin, exec, prepare, bind, step, commit; counted from 1)
 * fails with TG_ESTORE instead of running, once; a failing commit rolls
 * its transaction back, as a failed commit does.  n = 0 disarms.  Unarmed
 * (the default), the hook counts nothing.  Not for concurrent use: the
 * test that arms it runs one thread on the store.
 */
void tg_store_fault_arm(tg_store_t *store, uint64_t n);

/* How many fallible driver calls were made since the fault was armed,
 * and whether the armed one was reached. */
uint64_t tg_store_fault_calls(const tg_store_t *store);
int      tg_store_fault_hit(const tg_store_t *store);


/*
 * Whether the store can tell of other processes' commits (PostgreSQL:
 * several nodes share it), and waiting for one: at most timeout_ms,
 * returning 1 when changes were committed (or may have been), 0 at the
 * timeout, or an error.  One thread at a time may wait.
 */
int tg_store_notifies(const tg_store_t *store);
int tg_store_wait_changes(tg_store_t *store, unsigned timeout_ms);

/*
 * The limits that several nodes share (store_limits.c): whether the
 * store keeps them (a driver with the limits hook: PostgreSQL), else
 * each process keeps its own, in memory.  Each call is one statement on
 * a connection of its own, never in a transaction of the caller's nor in
 * the group commit.  Errors: TG_EINVALID (the store keeps no limits, or
 * a bad argument), TG_ENOMEM, TG_ESTORE, TG_EBUSY.
 */
int tg_store_limits_shared(const tg_store_t *store);

/*
 * Records that scope (an access key) used nonce, to be remembered until
 * expires_at (Unix ms, excluded), unless it is remembered still at now
 * (the caller's clock, as expires_at is).  Returns 0 if it was new (and
 * is now recorded), TG_ECONFLICT if in use, or an error (nothing known:
 * the caller must refuse the call).
 */
int tg_store_nonce_use(tg_store_t *store, tg_str_t scope, tg_str_t nonce,
                       int64_t now, int64_t expires_at);

/*
 * Takes one token from the bucket of (account_id, action), which gains
 * rate tokens a second up to burst (a new one is full), on the
 * database's clock.  Returns 0, TG_ERATE_LIMITED with *retry_ms set (at
 * least 1), or an error.  rate > 0, burst >= 1.
 */
int tg_store_bucket_take(tg_store_t *store, tg_str_t account_id,
                         const char *action, double rate, double burst,
                         int64_t *retry_ms);

/*
 * Deletes at most limit nonces that expired before before (Unix ms) and
 * at most limit buckets that are full again (as good as absent); adds
 * how many to *deleted.  Nodes may prune at once: they take turns by
 * row.  Returns 0 or an error.
 */
int tg_store_limits_prune(tg_store_t *store, int64_t before, int64_t limit,
                          int64_t *deleted);

/* Accounts. */
int tg_store_account_insert(tg_txn_t *t, const tg_account_t *account);
int tg_store_account_get(tg_txn_t *t, tg_str_t id, tg_account_t *out);
int tg_store_account_find(tg_txn_t *t, tg_str_t name, tg_account_t *out);
int tg_store_account_list(tg_txn_t *t, int64_t limit, int64_t offset,
                          tg_account_t **items, size_t *n, int64_t *total);
int tg_store_account_update(tg_txn_t *t, const tg_account_t *account);
/*
 * Locks the account's row until the transaction ends, so that the
 * writers that count or check what the account holds (its app quota, its
 * app names) take turns, on every node of a shared store.  Returns 0, or
 * TG_EACCOUNT_NOT_FOUND.  (A no-op update: PostgreSQL takes the row lock;
 * SQLite's write transactions are serialized already.)
 */
int tg_store_account_lock(tg_txn_t *t, tg_str_t id);
/*
 * An app create's first step: locks the account's row as
 * tg_store_account_lock() does by counting one more app in it
 * (accounts.app_count), and reads the account, as locked, into out and
 * its new app count into apps.  Returns 0, or
 * TG_EACCOUNT_NOT_FOUND.  The caller refuses a count over the quota by
 * rolling its transaction back; it then inserts with
 * tg_store_app_insert_counted().
 */
int tg_store_account_app_add(tg_txn_t *t, tg_str_t id, tg_account_t *out,
                             int64_t *apps);
int tg_store_account_delete(tg_txn_t *t, tg_str_t id);
/* How many apps, APIs and access keys an account owns. */
int  tg_store_account_usage(tg_txn_t *t, tg_str_t id, int64_t *apps,
                            int64_t *apis, int64_t *keys);
void tg_store_account_list_free(tg_account_t *items, size_t n);

/* Access keys. */
int tg_store_access_key_insert(tg_txn_t *t, const tg_access_key_t *key);
int tg_store_access_key_get(tg_txn_t *t, tg_str_t id, tg_access_key_t *out);
/* All keys of one account, or of every account if account_id is NULL. */
int tg_store_access_key_list(tg_txn_t *t, tg_str_t account_id,
                             tg_access_key_t **items, size_t *n);
int tg_store_access_key_update(tg_txn_t *t, const tg_access_key_t *key);
int tg_store_access_key_touch(tg_txn_t *t, tg_str_t id, int64_t at);
/* Sets the key's sealed secret (first use after schema 2, or re-seal). */
int tg_store_access_key_seal(tg_txn_t *t, tg_str_t id, tg_str_t sealed);
int tg_store_access_key_delete(tg_txn_t *t, tg_str_t id);
/* Enabled admin keys whose account is enabled. */
int  tg_store_access_key_count_admins(tg_txn_t *t, int64_t *n);
int  tg_store_access_key_count(tg_txn_t *t, int64_t *n);
void tg_store_access_key_list_free(tg_access_key_t *items, size_t n);

/*
 * Apps (tags are read and written with their app).  Each account counts
 * its apps (accounts.app_count): the insert adds one, in the same
 * transaction, and the delete takes one away, so that the count is exact
 * whatever commits or rolls back; tg_store_app_count() reads it, in
 * constant time.  An insert into an account that does not exist is
 * TG_ECONFLICT.
 */
int tg_store_app_insert(tg_txn_t *t, const tg_app_t *app);
/*
 * Inserts a new app (and its tags) that tg_store_account_app_add() has counted
 * already.  An app whose id, AppId or name in its account is taken is not
 * inserted, without error: *inserted says whether it was (a caller tells
 * which with tg_store_app_name_taken()).
 */
int tg_store_app_insert_counted(tg_txn_t *t, const tg_app_t *app,
                                int *inserted);
int tg_store_app_get(tg_txn_t *t, tg_str_t id, tg_app_t *out);
/*
 * For a rebuild of the projection: the apps after the id after ("" first),
 * in id order, at most limit, without their tags (ntags 0).
 */
int tg_store_app_page_untagged(tg_txn_t *t, tg_str_t after, int64_t limit,
                               tg_app_t **items, size_t *n);
int tg_store_app_get_by_number(tg_txn_t *t, int64_t app_id, tg_app_t *out);
int tg_store_app_number_taken(tg_txn_t *t, int64_t app_id, int *taken);
/* Whether another app of the account (not except_id) has this name. */
int tg_store_app_name_taken(tg_txn_t *t, tg_str_t account_id, tg_str_t name,
                            tg_str_t except_id, int *taken);
int tg_store_app_count(tg_txn_t *t, tg_str_t account_id, int64_t *n);
/*
 * One page of the apps the filter selects, in its order, and in *total
 * how many it selects: exactly when the filter selects whole accounts
 * (their counters answer), else counted up to TG_APP_TOTAL_MAX (a total
 * of TG_APP_TOTAL_MAX means at least that many), so that no listing
 * costs more with the size of the store than its page and its offset.
 */
int tg_store_app_list(tg_txn_t *t, const tg_app_filter_t *filter,
                      tg_app_t **items, size_t *n, int64_t *total);
int tg_store_app_update(tg_txn_t *t, const tg_app_t *app);
/* Deletes an app with its tags, key pairs, AppCodes and grants. */
int  tg_store_app_delete(tg_txn_t *t, tg_str_t id);
void tg_store_app_list_free(tg_app_t *items, size_t n);

/*
 * Credentials of every kind (tollgate/cred.h), each kind in its own
 * table.  Lists put the primary first (kinds that have one), then the
 * oldest.  Lookups that find nothing, and updates and deletes of a
 * missing row, give the kind's not-found code (TG_EKEY_NOT_FOUND,
 * TG_ECODE_NOT_FOUND).
 */
int tg_store_cred_insert(tg_txn_t *t, tg_cred_kind_t kind, const tg_cred_t *c);
/*
 * Inserts a credential whose name (key, or hash) was drawn at random: a
 * clash of its id or name with another credential's is no error (which in
 * PostgreSQL would end the transaction) but leaves *inserted 0, for the
 * caller to draw again.  Keys in grace are not looked at: a drawn key
 * meets one only by a guess of its random bits.
 */
int tg_store_cred_insert_new(tg_txn_t *t, tg_cred_kind_t kind,
                             const tg_cred_t *c, int *inserted);
int tg_store_cred_get(tg_txn_t *t, tg_cred_kind_t kind, tg_str_t id,
                      tg_cred_t *out);
/* By its name: the public key (current keys only), or for a kind named
 * by its secret, the secret's index hash. */
int tg_store_cred_find(tg_txn_t *t, tg_cred_kind_t kind, tg_str_t name,
                       tg_cred_t *out);
/* The app's primary one; a kind without a primary finds none. */
int tg_store_cred_primary(tg_txn_t *t, tg_cred_kind_t kind, tg_str_t app,
                          tg_cred_t *out);
int tg_store_cred_list(tg_txn_t *t, tg_cred_kind_t kind, tg_str_t app,
                       tg_cred_t **items, size_t *n);
/* The credentials of the kind of every app whose id is in (after, last],
 * by app id, then in tg_store_cred_list()'s order. */
int tg_store_cred_list_range(tg_txn_t *t, tg_cred_kind_t kind, tg_str_t after,
                             tg_str_t last, tg_cred_t **items, size_t *n);
int tg_store_cred_count(tg_txn_t *t, tg_cred_kind_t kind, tg_str_t app,
                        int64_t *n);
/* Updates everything but the app and the creation time. */
int tg_store_cred_update(tg_txn_t *t, tg_cred_kind_t kind, const tg_cred_t *c);
/* The same, for a credential whose key and key in grace are as stored:
 * leaves those columns, and their index entries, alone. */
int tg_store_cred_update_secret(tg_txn_t *t, tg_cred_kind_t kind,
                                const tg_cred_t *c);
int tg_store_cred_delete(tg_txn_t *t, tg_cred_kind_t kind, tg_str_t id);
/* Every credential of the kind in id order, limit at a time after the id
 * after ("" first). */
int tg_store_cred_page(tg_txn_t *t, tg_cred_kind_t kind, tg_str_t after,
                       int64_t limit, tg_cred_t **items, size_t *n);
/*
 * Whether a name (as tg_store_cred_find() takes it) is in use by a
 * credential other than except_id: as a current one, or, for a kind with
 * a grace period, as a replaced key whose grace lasts beyond now.
 */
int  tg_store_cred_taken(tg_txn_t *t, tg_cred_kind_t kind, tg_str_t name,
                         tg_str_t except_id, int64_t now, int *taken);
void tg_store_cred_list_free(tg_cred_t *items, size_t n);

/* APIs. */
int tg_store_api_insert(tg_txn_t *t, const tg_api_t *api);
int tg_store_api_get(tg_txn_t *t, tg_str_t id, tg_api_t *out);
int tg_store_api_find(tg_txn_t *t, tg_str_t name, tg_api_t *out);
int tg_store_api_list(tg_txn_t *t, tg_str_t account_id, int64_t limit,
                      int64_t offset, tg_api_t **items, size_t *n,
                      int64_t *total);
int tg_store_api_update(tg_txn_t *t, const tg_api_t *api);
/* Deletes an API with its grants. */
int tg_store_api_delete(tg_txn_t *t, tg_str_t id);
/* One page of the APIs that an app is not granted on a stage, by name,
 * and in *total how many there are. */
int  tg_store_api_list_ungranted(tg_txn_t *t, tg_str_t app, tg_str_t stage,
                                 int64_t limit, int64_t offset, tg_api_t **items,
                                 size_t *n, int64_t *total);
void tg_store_api_list_free(tg_api_t *items, size_t n);

/* Grants.  Lists read the app's and API's names with each grant. */
int tg_store_grant_insert(tg_txn_t *t, const tg_grant_t *grant);
int tg_store_grant_find(tg_txn_t *t, tg_str_t app, tg_str_t api, tg_str_t stage,
                        tg_grant_t *out);
/* One grant by its id. */
int tg_store_grant_get(tg_txn_t *t, tg_str_t id, tg_grant_t *out);
int tg_store_grant_update(tg_txn_t *t, const tg_grant_t *grant);
int tg_store_grant_delete(tg_txn_t *t, tg_str_t id);
/* Every grant of an app, by API name and stage. */
int tg_store_grant_list_by_app(tg_txn_t *t, tg_str_t app, tg_grant_t **items,
                               size_t *n);
/* The grants of every app whose id is in (after, last], by app id, then
 * by API name and stage. */
int tg_store_grant_list_range(tg_txn_t *t, tg_str_t after, tg_str_t last,
                              tg_grant_t **items, size_t *n);
/*
 * One page of the grants the filter selects, in its order (ties broken by
 * the grant's id, so that pages do not overlap), and in *total (unless
 * total is NULL) how many it selects in all.
 */
int  tg_store_grant_list(tg_txn_t *t, const tg_grant_filter_t *filter,
                         tg_grant_t **items, size_t *n, int64_t *total);
void tg_store_grant_list_free(tg_grant_t *items, size_t n);

/*
 * Access-control policies (store_policies.c): an account's named ones,
 * and the policies attached to each access key, by name (a named policy
 * of the key's account, or a built-in one: document NULL) or inline.
 * Strings are malloc'd; the _free functions release them.
 */
typedef struct {
    char    account_id[TG_ID_LEN + 1];
    char   *name;
    char   *description;
    char   *document;
    int64_t created_at;
    int64_t updated_at;
} tg_policy_record_t;

typedef struct {
    char   *name;
    int     is_inline;
    char   *document; /* inline: its own; named: the account's, or NULL */
    int64_t created_at;
} tg_key_policy_t;

void tg_policy_record_free(tg_policy_record_t *p);
void tg_key_policy_list_free(tg_key_policy_t *items, size_t n);
void tg_policy_record_list_free(tg_policy_record_t *items, size_t n);

/* Errors: TG_EPOLICY_NAME_TAKEN, store errors. */
int tg_store_policy_insert(tg_txn_t *t, const tg_policy_record_t *p);
/* Errors: TG_EPOLICY_NOT_FOUND, store errors. */
int tg_store_policy_get(tg_txn_t *t, tg_str_t account_id, tg_str_t name,
                        tg_policy_record_t *out);
/* By name; of every account if account_id is a NULL ptr. */
int tg_store_policy_list(tg_txn_t *t, tg_str_t account_id,
                         tg_policy_record_t **items, size_t *n);
/* Description, document and updated_at.  TG_EPOLICY_NOT_FOUND. */
int tg_store_policy_update(tg_txn_t *t, const tg_policy_record_t *p);
int tg_store_policy_delete(tg_txn_t *t, tg_str_t account_id, tg_str_t name);
/* How many keys of the account have the named policy attached. */
int tg_store_policy_attachments(tg_txn_t *t, tg_str_t account_id, tg_str_t name,
                                int64_t *n);
/* Attaches a named policy (document a NULL ptr) or an inline one.
 * TG_EPOLICY_NAME_TAKEN if the key has one of that name. */
int tg_store_key_policy_attach(tg_txn_t *t, tg_str_t key_id, tg_str_t name,
                               tg_str_t document, int64_t at);
/* TG_EPOLICY_NOT_FOUND if the key has none of that name. */
int tg_store_key_policy_detach(tg_txn_t *t, tg_str_t key_id, tg_str_t name);
/* A key's policies, in the order attached. */
int tg_store_key_policy_list(tg_txn_t *t, tg_str_t key_id,
                             tg_key_policy_t **items, size_t *n);

/* Audit events, newest first. */
int tg_store_audit_insert(tg_txn_t *t, const tg_audit_event_t *event);
int tg_store_audit_list(tg_txn_t *t, const tg_audit_filter_t *filter,
                        tg_audit_event_t **items, size_t *n, int64_t *total);

/*
 * Named values about the store itself.  tg_store_meta_get() sets *value
 * to a malloc'd copy, or to NULL when the name is absent.
 */
int tg_store_meta_get(tg_txn_t *t, const char *name, char **value);
int tg_store_meta_put(tg_txn_t *t, const char *name, tg_str_t value);
/* Writes name = value only if name is absent (another node's concurrent
 * write of it wins; read it back to know which is there). */
int tg_store_meta_add(tg_txn_t *t, const char *name, tg_str_t value);

/*
 * Appends to the change log, which the data plane follows: entity is
 * "app", "key_pair", "app_code", "grant" or "api"; op is "upsert" or
 * "delete"; app is the app concerned (may be empty).
 */
int tg_store_change_append(tg_txn_t *t, const char *entity, tg_str_t entity_id,
                           tg_str_t app, const char *op, int64_t at);
/* The newest change's sequence number, 0 if none. */
int tg_store_change_last(tg_txn_t *t, int64_t *seq);
/* Appends an "app" upsert change for every app of account_id, so that
 * the projection re-reads them. */
int tg_store_change_account_apps(tg_txn_t *t, tg_str_t account_id, int64_t at);

/* The changes after seq, oldest first, at most limit of them. */
int tg_store_change_list(tg_txn_t *t, int64_t after, int64_t limit,
                         tg_change_t **items, size_t *n);

/*
 * The change log's retention (store_log.c): how long its rows are kept,
 * and how many at most.  0: no bound of that kind.
 */
typedef struct {
    int64_t max_age_ms;
    int64_t max_rows;
} tg_log_retention_t;

/* The rows a pruning transaction deletes at most. */
#define TG_STORE_PRUNE_BATCH 1000

/*
 * Deletes the oldest changes that the retention lets go (older than
 * now - max_age_ms, or beyond max_rows), limit at most, never the newest,
 * and raises the pruning mark (tg_store_change_horizon()) in the same
 * transaction.  Sets *deleted.  Returns 0 or an error (nothing deleted).
 */
int tg_store_change_prune(tg_store_t *store, const tg_log_retention_t *r,
                          int64_t now, int64_t limit, int64_t *deleted);

/* The highest seq ever pruned from the change log (0: none): a follower
 * below it may have missed changes. */
int tg_store_change_horizon(tg_txn_t *t, int64_t *seq);

/* The ids of the apps after the id after ("" first), in id order, at
 * most limit: a malloc'd array that the caller frees. */
int tg_store_app_id_page(tg_txn_t *t, tg_str_t after, int64_t limit,
                         char (**ids)[TG_ID_LEN + 1], size_t *n);

/*
 * The janitor: a thread that prunes the store in bounded batches about
 * once a second (more often while a batch comes out full): the change
 * log by retention, and the limits that nodes share (expired nonces,
 * full buckets).  Started after the store opened, stopped before it
 * closes.  Returns 0, TG_ENOMEM or TG_EINTERNAL.
 */
typedef struct tg_janitor_s tg_janitor_t;

int tg_store_janitor_start(tg_store_t *store, const tg_log_retention_t *r,
                           tg_janitor_t **janitor);
/* Stops and frees it; janitor may be NULL. */
void tg_store_janitor_stop(tg_janitor_t *janitor);

#endif /* TOLLGATE_STORE_H */
