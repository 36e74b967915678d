/*
 * The store's lifecycle, schema migrations, transactions, and the query
 * helpers the record files (store_*.c) share.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tollgate/error.h"
#include "metrics.h"
#include "crash_point.h"
#include "store/store_int.h"


#define TG_DRIVER(t) ((t)->store->driver)


/* ---- fault injection --------------------------------------------------- */


void
tg_store_fault_arm(tg_store_t *store, uint64_t n)
{
    store->fault_at = n;
    store->fault_calls = 0;
    store->fault_hit = 0;
}


uint64_t
tg_store_fault_calls(const tg_store_t *store)
{
    return store->fault_calls;
}


int
tg_store_fault_hit(const tg_store_t *store)
{
    return store->fault_hit;
}


int
tg_store_fault(tg_store_t *store)
{
    if (store->fault_at == 0) {
        return TG_OK;
    }

    if (++store->fault_calls != store->fault_at) {
        return TG_OK;
    }

    store->fault_hit = 1;
    return TG_ESTORE;
}


/* The driver's call, unless an armed fault fails it first. */
#define TG_FAULT_OR(store, call) \
    (tg_store_fault(store) != TG_OK ? TG_ESTORE : (call))


int
tg_cursor_open(tg_txn_t *t, const char *sql, int cache,
               const tg_param_t *params, size_t n, tg_cursor_t *c)
{
    const tg_db_driver_t *d = TG_DRIVER(t);
    size_t                i;
    int                   rc = TG_OK;

    c->txn = t;
    c->rc = TG_OK;

    rc = TG_FAULT_OR(t->store, d->prepare(t->conn, sql, cache, &c->stmt));
    if (rc != TG_OK) {
        return rc;
    }

    for (i = 0; i < n && rc == TG_OK; i++) {
        int index = (int) i + 1;

        switch (params[i].type) {
        case 't':
            rc = TG_FAULT_OR(t->store,
                             d->bind_text(c->stmt, index, params[i].text));
            break;
        case 'i':
            rc = TG_FAULT_OR(t->store,
                             d->bind_int(c->stmt, index, params[i].num));
            break;
        default:
            rc = TG_FAULT_OR(t->store, d->bind_null(c->stmt, index));
            break;
        }
    }

    if (rc != TG_OK) {
        d->finish(c->stmt);
    }

    return rc;
}


int
tg_cursor_next(tg_cursor_t *c)
{
    return TG_FAULT_OR(c->txn->store, TG_DRIVER(c->txn)->step(c->stmt));
}


void
tg_cursor_close(tg_cursor_t *c)
{
    TG_DRIVER(c->txn)->finish(c->stmt);
}


int64_t
tg_col_int(tg_cursor_t *c, int column)
{
    return TG_DRIVER(c->txn)->column_int(c->stmt, column);
}


char *
tg_col_dup_opt(tg_cursor_t *c, int column)
{
    tg_str_t s = TG_DRIVER(c->txn)->column_text(c->stmt, column);
    char    *p;

    if (s.ptr == NULL) {
        return NULL;
    }

    p = tg_strndup(s.ptr, s.len);
    if (p == NULL) {
        c->rc = TG_ENOMEM;
    }

    return p;
}


char *
tg_col_dup(tg_cursor_t *c, int column)
{
    tg_str_t s = TG_DRIVER(c->txn)->column_text(c->stmt, column);
    char    *p = tg_strndup(s.ptr != NULL ? s.ptr : "", s.len);

    if (p == NULL) {
        c->rc = TG_ENOMEM;
    }

    return p;
}


void
tg_col_copy(tg_cursor_t *c, int column, char *dst, size_t size)
{
    tg_str_t s = TG_DRIVER(c->txn)->column_text(c->stmt, column);

    if (s.len >= size) {
        c->rc = TG_ESTORE;
        dst[0] = '\0';
        return;
    }

    if (s.len > 0) {
        memcpy(dst, s.ptr, s.len);
    }
    dst[s.len] = '\0';
}


int
tg_run(tg_txn_t *t, const char *sql, const tg_param_t *params, size_t n,
       int64_t *changes)
{
    tg_cursor_t c;
    int         rc;

    rc = tg_cursor_open(t, sql, 1, params, n, &c);
    if (rc != TG_OK) {
        return rc;
    }

    rc = tg_cursor_next(&c);
    if (rc == TG_DB_DONE || rc == TG_DB_ROW) {
        if (changes != NULL) {
            *changes = TG_DRIVER(t)->changes(c.stmt);
        }
        rc = TG_OK;
    }

    tg_cursor_close(&c);
    return rc;
}


int
tg_scalar(tg_txn_t *t, const char *sql, const tg_param_t *params, size_t n,
          int64_t *out)
{
    tg_cursor_t c;
    int         rc;

    rc = tg_cursor_open(t, sql, 1, params, n, &c);
    if (rc != TG_OK) {
        return rc;
    }

    rc = tg_cursor_next(&c);
    if (rc == TG_DB_ROW || rc == TG_DB_DONE) {
        *out = rc == TG_DB_ROW ? tg_col_int(&c, 0) : 0;
        rc = TG_OK;
    }

    tg_cursor_close(&c);
    return rc;
}


int
tg_read_rows(tg_txn_t *t, const char *sql, int cache, const tg_param_t *params,
             size_t n, size_t elem_size, tg_row_read_pt read,
             tg_row_free_pt free_item, void **items, size_t *count)
{
    tg_cursor_t c;
    char       *array = NULL, *grown;
    size_t      len = 0, cap = 0, i;
    int         rc;

    *items = NULL;
    *count = 0;

    rc = tg_cursor_open(t, sql, cache, params, n, &c);
    if (rc != TG_OK) {
        return rc;
    }

    while ((rc = tg_cursor_next(&c)) == TG_DB_ROW) {
        if (len == cap) {
            cap = cap > 0 ? cap * 2 : 8;
            grown = realloc(array, cap * elem_size);
            if (grown == NULL) {
                rc = TG_ENOMEM;
                break;
            }
            array = grown;
        }

        memset(array + len * elem_size, 0, elem_size);
        read(&c, array + len * elem_size);
        len++;

        if (c.rc != TG_OK) {
            rc = c.rc;
            break;
        }
    }

    tg_cursor_close(&c);

    if (rc != TG_DB_DONE) {
        for (i = 0; i < len; i++) {
            free_item(array + i * elem_size);
        }
        free(array);
        return rc;
    }

    *items = array;
    *count = len;
    return TG_OK;
}


int
tg_read_one(tg_txn_t *t, const char *sql, const tg_param_t *params, size_t n,
            tg_row_read_pt read, tg_row_free_pt free_item, void *item,
            int not_found)
{
    tg_cursor_t c;
    int         rc;

    rc = tg_cursor_open(t, sql, 1, params, n, &c);
    if (rc != TG_OK) {
        return rc;
    }

    rc = tg_cursor_next(&c);
    if (rc == TG_DB_ROW) {
        read(&c, item);
        rc = c.rc;
        if (rc != TG_OK) {
            free_item(item);
        }

    } else if (rc == TG_DB_DONE) {
        rc = not_found;
    }

    tg_cursor_close(&c);
    return rc;
}


/* ---- group commit ------------------------------------------------------ */


/* The absolute time us from now, for pthread_cond_timedwait(). */
static struct timespec
tg_deadline_us(uint64_t us)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += (time_t) (us / 1000000);
    ts.tv_nsec += (long) (us % 1000000) * 1000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}


/* The absolute time ms from now. */
static struct timespec
tg_deadline(unsigned ms)
{
    return tg_deadline_us((uint64_t) ms * 1000);
}


/*
 * While writes come concurrently, waits a little for another writer
 * before the group is committed (see tg_txn_begin()).  Called by the
 * turn's holder with the lock held.
 */
static void
tg_group_linger(tg_group_t *g)
{
    struct timespec until;

    if (g->waiting > 0 || g->last_batch < 2 || g->nmembers >= TG_STORE_GROUP_MAX
        || tg_metrics_now_ns() - g->opened_ns
               >= (int64_t) TG_STORE_GROUP_AGE_US * 1000)
    {
        return;
    }

    until = tg_deadline_us(TG_STORE_GROUP_LINGER_US);
    while (g->waiting == 0
           && pthread_cond_timedwait(&g->arrived, &g->lock, &until) == 0)
    {
        /* woken: a writer arrived, or spuriously */
    }

    g->stats.lingers++;
    g->stats.idle_lingers += g->waiting == 0;
}


/*
 * Gives the turn to the first writer waiting for it, or frees it.  Called
 * with the lock held.  Returns the writer given the turn, to be woken by
 * tg_group_wake() once the lock is released, or NULL.
 */
static tg_group_member_t *
tg_group_pass(tg_group_t *g)
{
    tg_group_member_t *w = g->queue;

    if (w == NULL) {
        g->busy = 0;
        return NULL;
    }

    g->queue = w->next;
    if (g->queue == NULL) {
        g->queue_tail = &g->queue;
    }
    g->waiting--;
    w->done = 1; /* the turn is w's: busy stays set */
    return w;
}


/* Wakes a writer or an operation whose done is set.  Called without the
 * lock; w may return (and its memory go) as soon as it is posted. */
static void
tg_group_wake(tg_group_member_t *w)
{
    if (w != NULL) {
        sem_post(&w->wake);
    }
}


/* Waits for w's semaphore to be posted, through signals. */
static void
tg_group_sleep(tg_group_member_t *w)
{
    while (sem_wait(&w->wake) != 0 && errno == EINTR) {
        /* interrupted: wait on */
    }
}


/*
 * Commits the group transaction (rolls it back if no operation of it
 * stands), and tells its operations.  Called by the turn's holder,
 * without the lock.  Returns the commit's result.
 */
static int
tg_group_commit(tg_store_t *store)
{
    const tg_db_driver_t *d = store->driver;
    tg_group_t           *g = &store->group;
    tg_group_member_t    *m, *next, *first, *holder;
    size_t                batch;
    int64_t               started;
    int                   rc = TG_OK;

    pthread_mutex_lock(&g->lock);
    first = g->members;
    batch = g->nmembers;
    g->members = NULL;
    g->nmembers = 0;
    pthread_mutex_unlock(&g->lock);

    if (first != NULL) {
        rc = tg_store_fault(store);
        if (rc == TG_OK) {
            started = tg_metrics_now_ns();
            rc = d->commit(g->conn);
            tg_metrics_store_commit(tg_metrics_now_ns() - started, batch,
                                    rc != TG_OK);
            tg_crash_point("store.committed");
        } else {
            d->rollback(g->conn);
        }
    } else {
        d->rollback(g->conn);
    }
    d->release(store->db, g->conn);
    g->conn = NULL;

    pthread_mutex_lock(&g->lock);
    g->stats.commits += first != NULL;
    g->last_batch = (unsigned) batch;
    for (m = first; m != NULL; m = m->next) {
        m->rc = rc;
        m->done = 1;
        if (rc == TG_OK) {
            g->stats.ops++;
        } else {
            g->stats.failed++;
        }
    }
    holder = tg_group_pass(g);
    pthread_mutex_unlock(&g->lock);

    /* The next group first: its writer is on the critical path. */
    tg_group_wake(holder);
    for (m = first; m != NULL; m = next) {
        next = m->next;
        tg_group_wake(m);
    }
    return rc;
}


/*
 * Ends the operation of the turn's holder: releases its savepoint if rc
 * is 0 (and one was begun), else rolls back to it; then hands the turn on
 * to a waiting writer, or commits the group.  Returns the operation's
 * result: 0 once its group is durable, or its error.
 */
static int
tg_group_end(tg_store_t *store, int rc, int savepoint)
{
    const tg_db_driver_t *d = store->driver;
    tg_group_t           *g = &store->group;
    tg_group_member_t     me = { NULL, TG_OK, 0, { { 0 } } };
    tg_group_member_t    *holder;

    if (savepoint) {
        d->reset(g->conn);
        if (rc == TG_OK) {
            rc =
                TG_FAULT_OR(store, d->exec(g->conn, "RELEASE SAVEPOINT tg_op"));
        }
        if (rc != TG_OK) {
            (void) d->exec(g->conn, "ROLLBACK TO SAVEPOINT tg_op");
            (void) d->exec(g->conn, "RELEASE SAVEPOINT tg_op");
        }
    }

    sem_init(&me.wake, 0, 0);
    pthread_mutex_lock(&g->lock);
    if (rc == TG_OK) {
        me.next = g->members;
        g->members = &me;
        g->nmembers++;
    } else {
        g->stats.failed++;
    }

    if (g->conn == NULL) {
        /* The group transaction did not begin. */
        holder = tg_group_pass(g);
        pthread_mutex_unlock(&g->lock);
        tg_group_wake(holder);
        sem_destroy(&me.wake);
        return rc;
    }

    tg_group_linger(g);
    if (g->waiting > 0 && g->nmembers < TG_STORE_GROUP_MAX) {
        /* The next writer joins this group; its last writer commits. */
        holder = tg_group_pass(g);
        tg_crash_point("store.group_pending");
        pthread_mutex_unlock(&g->lock);
        tg_group_wake(holder);
        if (rc == TG_OK) {
            tg_group_sleep(&me);
        }
        sem_destroy(&me.wake);
        return rc == TG_OK ? me.rc : rc;
    }
    pthread_mutex_unlock(&g->lock);

    (void) tg_group_commit(store);
    sem_destroy(&me.wake);
    return rc == TG_OK ? me.rc : rc;
}


/*
 * Waits in the queue for the turn until the deadline.  Returns 0 with the
 * turn held, or TG_EBUSY out of the queue.
 */
static int
tg_group_await(tg_group_t *g, tg_group_member_t *me,
               const struct timespec *until)
{
    tg_group_member_t **p;

    for (;;) {
        if (sem_timedwait(&me->wake, until) == 0) {
            return TG_OK;
        }
        if (errno != EINTR) {
            break;
        }
    }

    pthread_mutex_lock(&g->lock);
    if (me->done) {
        /* Given the turn as the time ran out: its post is on the way. */
        pthread_mutex_unlock(&g->lock);
        tg_group_sleep(me);
        return TG_OK;
    }

    for (p = &g->queue; *p != me; p = &(*p)->next) {
        /* find the link to me */
    }
    *p = me->next;
    if (g->queue_tail == &me->next) {
        g->queue_tail = p;
    }
    g->waiting--;
    pthread_mutex_unlock(&g->lock);
    return TG_EBUSY;
}


/*
 * Waits for the turn (at most busy_ms, in the order writers came), opens
 * the group transaction if none is open, and begins the operation's
 * savepoint.  Returns 0 with the turn held, TG_EBUSY, or the driver's
 * error (the turn given up).
 */
static int
tg_group_join(tg_store_t *store, tg_txn_t *txn)
{
    const tg_db_driver_t *d = store->driver;
    tg_group_t           *g = &store->group;
    tg_group_member_t     me = { NULL, TG_OK, 0, { { 0 } } };
    struct timespec       until;
    int                   rc = TG_OK;

    pthread_mutex_lock(&g->lock);
    if (!g->busy) {
        g->busy = 1;
        pthread_mutex_unlock(&g->lock);

    } else {
        sem_init(&me.wake, 0, 0);
        *g->queue_tail = &me;
        g->queue_tail = &me.next;
        g->waiting++;
        pthread_cond_signal(&g->arrived);
        pthread_mutex_unlock(&g->lock);

        until = tg_deadline(store->busy_ms);
        rc = tg_group_await(g, &me, &until);
        sem_destroy(&me.wake);
        if (rc != TG_OK) {
            return rc;
        }
    }

    if (g->conn == NULL) {
        rc = TG_FAULT_OR(store, d->acquire(store->db, &g->conn));
        if (rc != TG_OK) {
            g->conn = NULL;
        } else if ((rc = TG_FAULT_OR(store, d->begin(g->conn, 1))) != TG_OK) {
            d->release(store->db, g->conn);
            g->conn = NULL;
        } else {
            g->opened_ns = tg_metrics_now_ns();
        }
    }
    if (rc == TG_OK) {
        rc = TG_FAULT_OR(store, d->exec(g->conn, "SAVEPOINT tg_op"));
    }
    if (rc != TG_OK) {
        return tg_group_end(store, rc, 0);
    }

    txn->conn = g->conn;
    txn->write = 1;
    return TG_OK;
}


tg_store_write_stats_t
tg_store_write_stats(tg_store_t *store)
{
    tg_store_write_stats_t stats;

    pthread_mutex_lock(&store->group.lock);
    stats = store->group.stats;
    stats.waiting = store->group.waiting;
    pthread_mutex_unlock(&store->group.lock);
    return stats;
}


int
tg_txn_begin(tg_store_t *store, int write, tg_txn_t *txn)
{
    int rc;

    txn->store = store;
    txn->conn = NULL;
    txn->write = 0;

    if (write) {
        return tg_group_join(store, txn);
    }

    rc = TG_FAULT_OR(store, store->driver->acquire(store->db, &txn->conn));
    if (rc != TG_OK) {
        return rc;
    }

    rc = TG_FAULT_OR(store, store->driver->begin(txn->conn, 0));
    if (rc != TG_OK) {
        store->driver->release(store->db, txn->conn);
        txn->conn = NULL;
    }

    return rc;
}


int
tg_txn_commit(tg_txn_t *txn)
{
    tg_store_t *store = txn->store;
    int         rc;

    if (txn->write) {
        txn->conn = NULL;
        txn->write = 0;
        return tg_group_end(store, TG_OK, 1);
    }

    rc = tg_store_fault(store);
    if (rc == TG_OK) {
        rc = store->driver->commit(txn->conn);
    } else {
        store->driver->rollback(txn->conn);
    }
    store->driver->release(store->db, txn->conn);
    txn->conn = NULL;
    return rc;
}


void
tg_txn_rollback(tg_txn_t *txn)
{
    tg_store_t *store = txn->store;

    if (txn->write) {
        txn->conn = NULL;
        txn->write = 0;
        (void) tg_group_end(store, TG_ESTORE, 1);
        return;
    }

    if (txn->conn != NULL) {
        store->driver->rollback(txn->conn);
        store->driver->release(store->db, txn->conn);
        txn->conn = NULL;
    }
}


/*
 * Applies the first migration this database lacks, in one transaction
 * that also records it in schema_version; or finds none missing (*done).
 * The version is read under the driver's schema lock, so that stores
 * migrating one database at once apply each migration once.
 */
static int
tg_store_migrate_step(tg_store_t *store, int *done)
{
    const tg_db_driver_t *d = store->driver;
    tg_txn_t              txn;
    int64_t               version = 0;
    int                   rc;

    rc = tg_txn_begin(store, 1, &txn);
    if (rc != TG_OK) {
        return rc;
    }

    if (d->schema_lock != NULL) {
        rc = d->exec(txn.conn, d->schema_lock);
    }
    if (rc == TG_OK) {
        rc = d->exec(txn.conn, "CREATE TABLE IF NOT EXISTS schema_version ("
                               "version INTEGER NOT NULL)");
    }
    if (rc == TG_OK) {
        rc = tg_scalar(&txn, "SELECT MAX(version) FROM schema_version",
                       TG_NO_PARAMS, &version);
    }
    if (rc == TG_OK && (version < 0 || version > d->nmigrations)) {
        rc = TG_ESTORE; /* a newer Tollgate wrote this database */
    }

    *done = rc == TG_OK && version == d->nmigrations;
    if (rc == TG_OK && !*done) {
        rc = d->exec(txn.conn, d->migrations[version]);
        if (rc == TG_OK) {
            rc =
                tg_run(&txn, "INSERT INTO schema_version (version) VALUES ($1)",
                       TG_PARAMS(TG_P_INT(version + 1)), NULL);
        }
    }

    if (rc != TG_OK) {
        tg_txn_rollback(&txn);
        return rc;
    }
    return tg_txn_commit(&txn);
}


/* Brings the schema up to the driver's newest version, one migration per
 * transaction. */
static int
tg_store_migrate(tg_store_t *store)
{
    int done = 0, rc = TG_OK;

    while (rc == TG_OK && !done) {
        rc = tg_store_migrate_step(store, &done);
    }

    if (rc == TG_OK) {
        store->version = store->driver->nmigrations;
    }
    return rc;
}


int
tg_store_open(const tg_db_driver_t *driver, const tg_db_options_t *options,
              tg_store_t **out)
{
    tg_store_t *store;
    int         rc;

    store = calloc(1, sizeof(tg_store_t));
    if (store == NULL) {
        return TG_ENOMEM;
    }

    store->driver = driver;
    store->busy_ms = options->busy_ms;
    pthread_mutex_init(&store->group.lock, NULL);
    pthread_cond_init(&store->group.arrived, NULL);
    store->group.queue_tail = &store->group.queue;

    rc = driver->open(options, &store->db);
    if (rc != TG_OK) {
        tg_store_close(store);
        return rc;
    }

    rc = tg_store_migrate(store);
    if (rc != TG_OK) {
        tg_store_close(store);
        return rc;
    }

    *out = store;
    return TG_OK;
}


void
tg_store_close(tg_store_t *store)
{
    if (store != NULL) {
        if (store->db != NULL) {
            store->driver->close(store->db);
        }
        pthread_cond_destroy(&store->group.arrived);
        pthread_mutex_destroy(&store->group.lock);
        free(store);
    }
}


int
tg_store_notifies(const tg_store_t *store)
{
    return store->driver->wait_changes != NULL;
}


int
tg_store_wait_changes(tg_store_t *store, unsigned timeout_ms)
{
    if (store->driver->wait_changes == NULL) {
        return TG_EINVALID;
    }
    return store->driver->wait_changes(store->db, timeout_ms);
}


unsigned
tg_store_schema_version(const tg_store_t *store)
{
    return store->version;
}
