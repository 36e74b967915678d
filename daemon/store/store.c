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


/* The absolute time us from now, for the timed waits. */
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


/* Wakes a member whose state is DONE or TURN.  Called without the lock;
 * m may return (and its memory go) as soon as it is posted. */
static void
tg_group_wake(tg_group_member_t *m)
{
    if (m != NULL) {
        sem_post(&m->wake);
    }
}


/* Waits for m's semaphore to be posted, through signals. */
static void
tg_group_sleep(tg_group_member_t *m)
{
    while (sem_wait(&m->wake) != 0 && errno == EINTR) {
        /* interrupted: wait on */
    }
}


/* Appends m to the queue.  Called with the lock held. */
static void
tg_group_enqueue(tg_group_t *g, tg_group_member_t *m)
{
    m->next = NULL;
    m->state = TG_MEMBER_QUEUED;
    *g->queue_tail = m;
    g->queue_tail = &m->next;
    g->waiting++;
    pthread_cond_signal(&g->arrived);
}


/* Takes the first member out of the queue (there is one), in the state
 * given.  Called with the lock held. */
static tg_group_member_t *
tg_group_dequeue(tg_group_t *g, int state)
{
    tg_group_member_t *m = g->queue;

    g->queue = m->next;
    if (g->queue == NULL) {
        g->queue_tail = &g->queue;
    }
    g->waiting--;
    m->next = NULL;
    m->state = state;
    return m;
}


/*
 * Gives the turn to the first writer in the queue, or frees it.  Called
 * with the lock held.  Returns the writer given the turn, to be woken by
 * tg_group_wake() once the lock is released, or NULL.
 */
static tg_group_member_t *
tg_group_pass(tg_group_t *g)
{
    if (g->queue == NULL) {
        g->busy = 0;
        return NULL;
    }
    return tg_group_dequeue(g, TG_MEMBER_TURN); /* busy stays set */
}


/*
 * Waits in the queue until busy_ms have passed.  Returns 0 once m is
 * answered or given the turn (its state says which), or TG_EBUSY out of
 * the queue.  A request taken to run is waited for to the end.
 */
static int
tg_group_await(tg_store_t *store, tg_group_member_t *m)
{
    tg_group_t         *g = &store->group;
    tg_group_member_t **p;
    struct timespec until = tg_deadline_us((uint64_t) store->busy_ms * 1000);

    for (;;) {
        if (sem_timedwait(&m->wake, &until) == 0) {
            return TG_OK;
        }
        if (errno != EINTR) {
            break;
        }
    }

    pthread_mutex_lock(&g->lock);
    if (m->state != TG_MEMBER_QUEUED) {
        /* Taken, answered or given the turn as the time ran out. */
        pthread_mutex_unlock(&g->lock);
        tg_group_sleep(m);
        return TG_OK;
    }

    for (p = &g->queue; *p != m; p = &(*p)->next) {
        /* find the link to m */
    }
    *p = m->next;
    if (g->queue_tail == &m->next) {
        g->queue_tail = p;
    }
    g->waiting--;
    pthread_mutex_unlock(&g->lock);
    return TG_EBUSY;
}


/*
 * Waits for the turn, in the queue as m (fn set: a request, which the
 * holder may run and answer meanwhile).  Returns 0 with m's state TURN
 * (the turn held) or DONE, or TG_EBUSY.
 */
static int
tg_group_queue(tg_store_t *store, tg_group_member_t *m)
{
    tg_group_t *g = &store->group;
    int         rc;

    pthread_mutex_lock(&g->lock);
    if (!g->busy) {
        g->busy = 1;
        m->state = TG_MEMBER_TURN;
        pthread_mutex_unlock(&g->lock);
        return TG_OK;
    }

    sem_init(&m->wake, 0, 0);
    tg_group_enqueue(g, m);
    pthread_mutex_unlock(&g->lock);

    rc = tg_group_await(store, m);
    sem_destroy(&m->wake);
    return rc;
}


/* Opens the group transaction if none is open.  By the turn's holder. */
static int
tg_group_open(tg_store_t *store)
{
    const tg_db_driver_t *d = store->driver;
    tg_group_t           *g = &store->group;
    int                   rc;

    if (g->conn != NULL) {
        return TG_OK;
    }

    rc = TG_FAULT_OR(store, d->acquire(store->db, &g->conn));
    if (rc != TG_OK) {
        g->conn = NULL;
        return rc;
    }

    rc = TG_FAULT_OR(store, d->begin(g->conn, 1));
    if (rc != TG_OK) {
        d->release(store->db, g->conn);
        g->conn = NULL;
        return rc;
    }

    g->opened_ns = tg_metrics_now_ns();
    g->lingered = 0;
    return TG_OK;
}


/* Ends the savepoint of the holder's operation, whose result is rc:
 * released if 0, else rolled back to.  Returns the operation's result. */
static int
tg_group_release(tg_store_t *store, int rc)
{
    const tg_db_driver_t *d = store->driver;
    tg_db_conn_t         *conn = store->group.conn;

    d->reset(conn);
    if (rc == TG_OK) {
        rc = TG_FAULT_OR(store, d->exec(conn, "RELEASE SAVEPOINT tg_op"));
    }
    if (rc != TG_OK) {
        (void) d->exec(conn, "ROLLBACK TO SAVEPOINT tg_op");
        (void) d->exec(conn, "RELEASE SAVEPOINT tg_op");
    }
    return rc;
}


/*
 * Runs request m in a savepoint of the open group transaction, with its
 * caller's metrics action noted on this thread meanwhile (and the one
 * its body noted carried back in m).  By the turn's holder.
 */
static int
tg_group_run(tg_store_t *store, tg_group_member_t *m)
{
    tg_txn_t txn = { store, store->group.conn, 1 };
    int      rc, action;

    rc = TG_FAULT_OR(store, store->driver->exec(txn.conn, "SAVEPOINT tg_op"));
    if (rc != TG_OK) {
        return rc;
    }

    action = tg_metrics_action_get();
    tg_metrics_action_set(m->action);
    rc = m->fn(&txn, m->data);
    m->action = tg_metrics_action_get();
    tg_metrics_action_set(action);

    return tg_group_release(store, rc);
}


/*
 * Once per group, while writes come concurrently and the group is young,
 * waits up to TG_STORE_GROUP_LINGER_US for a writer to join the empty
 * queue.  Called by the holder, with the lock held, n operations
 * standing.  Returns 1 if the queue is worth another look.
 */
static int
tg_group_linger(tg_group_t *g, unsigned n)
{
    struct timespec until;

    if (g->lingered || n == 0 || g->last_batch < 2 || n >= TG_STORE_GROUP_MAX
        || tg_metrics_now_ns() - g->opened_ns
               >= (int64_t) TG_STORE_GROUP_AGE_US * 1000)
    {
        return 0;
    }

    g->lingered = 1;
    until = tg_deadline_us(TG_STORE_GROUP_LINGER_US);
    while (g->queue == NULL
           && pthread_cond_timedwait(&g->arrived, &g->lock, &until) == 0)
    {
        /* woken: a writer came, or spuriously */
    }

    g->stats.lingers++;
    g->stats.idle_lingers += g->queue == NULL;
    return g->queue != NULL;
}


/*
 * The next request for the holder to run, taken out of the queue; NULL
 * when the queue is empty (after a linger), its first writer waits for
 * the turn itself, or the group is full.  n operations stand.
 */
static tg_group_member_t *
tg_group_take(tg_group_t *g, unsigned n)
{
    tg_group_member_t *m = NULL;

    pthread_mutex_lock(&g->lock);
    while (n < TG_STORE_GROUP_MAX) {
        if (g->queue != NULL) {
            if (g->queue->fn != NULL) {
                m = tg_group_dequeue(g, TG_MEMBER_TAKEN);
            }
            break;
        }
        if (!tg_group_linger(g, n)) {
            break;
        }
    }
    pthread_mutex_unlock(&g->lock);
    return m;
}


/* Answers a request at once with its error (its savepoint rolled back:
 * the commit cannot change it). */
static void
tg_group_answer(tg_group_t *g, tg_group_member_t *m)
{
    pthread_mutex_lock(&g->lock);
    g->stats.failed++;
    m->state = TG_MEMBER_DONE;
    pthread_mutex_unlock(&g->lock);
    tg_group_wake(m);
}


/*
 * Commits the group transaction, of n operations that stand (rolls it
 * back if none does), and gives its connection back.  By the holder,
 * without the lock.  Returns the commit's result.
 */
static int
tg_group_commit(tg_store_t *store, unsigned n)
{
    const tg_db_driver_t *d = store->driver;
    tg_group_t           *g = &store->group;
    int64_t               started;
    int                   rc = TG_OK;

    if (g->conn == NULL) {
        return TG_OK;
    }

    if (n == 0) {
        d->rollback(g->conn);
    } else if ((rc = tg_store_fault(store)) != TG_OK) {
        d->rollback(g->conn);
    } else {
        started = tg_metrics_now_ns();
        rc = d->commit(g->conn);
        tg_metrics_store_commit(tg_metrics_now_ns() - started, n, rc != TG_OK);
        tg_crash_point("store.committed");
    }

    d->release(store->db, g->conn);
    g->conn = NULL;
    return rc;
}


/*
 * Ends the holder's turn, its own operation ended with own (0: it stands
 * in the group transaction): runs the requests queued behind it (see
 * tg_txn_begin()), answering at once those that fail; commits the group;
 * gives the turn on; then answers the requests that stood with the
 * commit's result.  Returns the holder's own result: own, or the
 * commit's.
 */
static int
tg_group_finish(tg_store_t *store, int own)
{
    tg_group_t        *g = &store->group;
    tg_group_member_t *batch = NULL, **tail = &batch, *m, *next, *holder;
    unsigned           n = own == TG_OK && g->conn != NULL;
    int                rc;

    while (g->conn != NULL && (m = tg_group_take(g, n)) != NULL) {
        if (n > 0) {
            tg_crash_point("store.group_pending");
        }
        m->rc = tg_group_run(store, m);
        if (m->rc != TG_OK) {
            tg_group_answer(g, m);
            continue;
        }
        *tail = m;
        tail = &m->next;
        n++;
    }

    rc = tg_group_commit(store, n);

    pthread_mutex_lock(&g->lock);
    g->stats.commits += n > 0;
    g->last_batch = n;
    if (rc == TG_OK) {
        g->stats.ops += n;
    } else {
        g->stats.failed += n;
    }
    g->stats.failed += own != TG_OK;
    for (m = batch; m != NULL; m = m->next) {
        m->rc = rc;
        m->state = TG_MEMBER_DONE;
    }
    holder = tg_group_pass(g);
    pthread_mutex_unlock(&g->lock);

    /* The next group first: its holder is on the critical path. */
    tg_group_wake(holder);
    for (m = batch; m != NULL; m = next) {
        next = m->next;
        tg_group_wake(m);
    }
    return own != TG_OK ? own : rc;
}


int
tg_txn_run(tg_store_t *store, tg_txn_fn_pt fn, void *data)
{
    tg_group_member_t me;
    int               rc;

    memset(&me, 0, sizeof(me));
    me.fn = fn;
    me.data = data;
    me.action = tg_metrics_action_get();

    rc = tg_group_queue(store, &me);
    if (rc == TG_OK && me.state == TG_MEMBER_TURN) {
        rc = tg_group_open(store);
        if (rc == TG_OK) {
            rc = tg_group_run(store, &me);
        }
        rc = tg_group_finish(store, rc);
    } else if (rc == TG_OK) {
        rc = me.rc;
    }

    tg_metrics_action_set(me.action);
    return rc;
}


/*
 * Waits for the turn, opens the group transaction if none is open, and
 * begins the operation's savepoint.  Returns 0 with the turn held,
 * TG_EBUSY, or the driver's error (the turn given up).
 */
static int
tg_group_join(tg_store_t *store, tg_txn_t *txn)
{
    tg_group_member_t me;
    int               rc;

    memset(&me, 0, sizeof(me));
    rc = tg_group_queue(store, &me);
    if (rc != TG_OK) {
        return rc;
    }

    rc = tg_group_open(store);
    if (rc == TG_OK) {
        rc = TG_FAULT_OR(
            store, store->driver->exec(store->group.conn, "SAVEPOINT tg_op"));
    }
    if (rc != TG_OK) {
        return tg_group_finish(store, rc);
    }

    txn->conn = store->group.conn;
    txn->write = 1;
    return TG_OK;
}


/* Ends the operation of a write transaction's holder, whose result is
 * rc, and its turn.  Returns the operation's result. */
static int
tg_group_end(tg_store_t *store, int rc)
{
    return tg_group_finish(store, tg_group_release(store, rc));
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
        return tg_group_end(store, TG_OK);
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
        (void) tg_group_end(store, TG_ESTORE);
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
