/*
 * The SQLite driver: the embedded default store.
 *
 * The database runs in WAL mode, so readers never wait for the writer.
 * With sync_full, every commit is fsynced before it returns, so an
 * acknowledged write survives a crash of the process or of the machine;
 * without it, a crash of the process still loses nothing.
 *
 * Each connection belongs to one thread at a time (the pool hands it
 * out), so connections are opened without SQLite's own mutexes.
 * Statements are cached per connection by the address of their SQL text,
 * which the store passes as string literals.
 */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "tollgate/error.h"
#include "store/db.h"


#define TG_SQLITE_CACHE_MAX 256

/*
 * Each connection's page cache by default.  Its hot pages (the indexes' upper
 * levels, the accounts, the newest apps) stay in memory; the rest is
 * read from the operating system's file cache.  SQLite connections share
 * no cache, so the daemon's memory is bounded by this times its
 * connections (--threads + 1), whatever the size of the store.  The
 * file is never mapped (mmap_size 0, whatever the build's default): the
 * pages of a mapped database would count in tollgated's RSS, up to the
 * whole file, and stay mapped.
 */
#define TG_SQLITE_CACHE_KB 8192

/*
 * A connection that finds a lock taken polls for it every
 * TG_SQLITE_BUSY_POLL_US for its first TG_SQLITE_BUSY_FINE_MS, then every
 * millisecond, up to the store's busy_ms.  SQLite's own busy timeout
 * sleeps 1, 2, 5, 10 ... 100 ms: a group's BEGIN IMMEDIATE that met a
 * RESTART checkpoint of 2-5 ms slept 18 ms, and every writer with it
 * (see docs/storage.md, "Checkpoints").
 */
#define TG_SQLITE_BUSY_POLL_US 100
#define TG_SQLITE_BUSY_FINE_MS 10

/*
 * The WAL's checkpoints (see docs/storage.md, "Checkpoints").  SQLite's
 * automatic checkpoint would copy the WAL back into the database, and
 * fsync it, inside the commit that passes 1,000 pages: every writer waits
 * for it.  Here no connection checkpoints on commit; a thread of the
 * driver runs a PASSIVE checkpoint on its own connection, outside any
 * write, each time TG_SQLITE_CKPT_PAGES new pages are in the WAL.  Under
 * writes that never pause, a passive checkpoint never catches up with
 * the last commit, so the WAL never starts over: past TG_SQLITE_CKPT_HIGH
 * pages the thread runs a RESTART checkpoint, which holds writers back
 * for the few pages that passive ones left.
 */
#define TG_SQLITE_CKPT_PAGES 1000
#define TG_SQLITE_CKPT_HIGH  16384

struct tg_db_stmt_s {
    sqlite3_stmt *stmt;
    const char   *sql;
    sqlite3      *handle;
    int           owned; /* not cached: freed by finish() */
    int           used;  /* cached, handed out since the last release */
};

/*
 * The transaction statements run on every write, prepared once per
 * connection: sqlite3_exec() would parse them again each time.  They are
 * matched by their text, so a caller's buffer can never alias one.
 */
static const char *const tg_sqlite_fixed_sql[] = {
    "BEGIN",
    "BEGIN IMMEDIATE",
    "COMMIT",
    "ROLLBACK",
    "SAVEPOINT tg_op",
    "RELEASE SAVEPOINT tg_op",
    "ROLLBACK TO SAVEPOINT tg_op",
};

#define TG_SQLITE_FIXED_MAX \
    (sizeof(tg_sqlite_fixed_sql) / sizeof(tg_sqlite_fixed_sql[0]))

struct tg_db_conn_s {
    sqlite3      *handle;
    tg_db_stmt_t  cache[TG_SQLITE_CACHE_MAX];
    unsigned      ncache;
    sqlite3_stmt *fixed[TG_SQLITE_FIXED_MAX]; /* NULL until first run */
    int           busy;                       /* handed out */
};

/* The checkpointer: its thread, its connection, and what the commits tell it.
 */
typedef struct {
    sqlite3        *handle;
    pthread_t       thread;
    pthread_mutex_t lock;
    pthread_cond_t  wake;
    int             started;
    int             stop;
    int             wal_pages; /* the WAL's pages after the last commit */
    int             done;      /* pages checkpointed in that WAL */
} tg_sqlite_ckpt_t;

struct tg_db_s {
    tg_db_conn_t    *conns;
    unsigned         nconns;
    pthread_mutex_t  lock;
    pthread_cond_t   free;
    tg_sqlite_ckpt_t ckpt;
};


static int
tg_sqlite_error(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
        return TG_OK;
    case SQLITE_NOMEM:
        return TG_ENOMEM;
    case SQLITE_CONSTRAINT:
        return TG_ECONFLICT;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return TG_EBUSY;
    default:
        return TG_ESTORE;
    }
}


/* When the current wait for a lock began, on this thread (a connection is
 * used by one thread at a time, and SQLite calls its busy handler there). */
static _Thread_local struct timespec tg_sqlite_busy_since;


/* SQLite's busy handler: arg is busy_ms.  Returns nonzero to try again. */
static int
tg_sqlite_busy(void *arg, int count)
{
    int64_t         busy_ns = (int64_t) (uintptr_t) arg * 1000000;
    struct timespec now, pause;
    int64_t         waited_ns;

    clock_gettime(CLOCK_MONOTONIC, &now);
    if (count == 0) {
        tg_sqlite_busy_since = now;
    }

    /* in ns, exact: a wait is never cut short of busy_ms */
    waited_ns =
        (int64_t) (now.tv_sec - tg_sqlite_busy_since.tv_sec) * 1000000000
        + (now.tv_nsec - tg_sqlite_busy_since.tv_nsec);
    if (waited_ns < 0 || waited_ns >= busy_ns) {
        return 0;
    }

    pause.tv_sec = 0;
    pause.tv_nsec = waited_ns < (int64_t) TG_SQLITE_BUSY_FINE_MS * 1000000
                        ? TG_SQLITE_BUSY_POLL_US * 1000L
                        : 1000000L;
    nanosleep(&pause, NULL);
    return 1;
}


static int
tg_sqlite_conn_open(const tg_db_options_t *options, tg_db_conn_t *conn)
{
    char sql[192];
    int  rc;

    rc = sqlite3_open_v2(
        options->path, &conn->handle,
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        return tg_sqlite_error(rc);
    }

    sqlite3_busy_handler(conn->handle, tg_sqlite_busy,
                         (void *) (uintptr_t) options->busy_ms);
    sqlite3_extended_result_codes(conn->handle, 1);

    snprintf(sql, sizeof(sql),
             "PRAGMA journal_mode = WAL;"
             "PRAGMA synchronous = %s;"
             "PRAGMA foreign_keys = ON;"
             "PRAGMA secure_delete = ON;"
             "PRAGMA cache_size = -%u;"
             "PRAGMA mmap_size = 0;",
             options->sync_full ? "FULL" : "NORMAL",
             options->cache_kb > 0 ? options->cache_kb : TG_SQLITE_CACHE_KB);

    return tg_sqlite_error(sqlite3_exec(conn->handle, sql, NULL, NULL, NULL));
}


/*
 * Called by SQLite after each commit, by the committing thread, with the
 * number of pages in the WAL.  It only tells the checkpointer.
 */
static int
tg_sqlite_wal_hook(void *arg, sqlite3 *handle, const char *name, int pages)
{
    tg_sqlite_ckpt_t *ck = arg;

    (void) handle;
    (void) name;

    pthread_mutex_lock(&ck->lock);
    if (pages < ck->wal_pages) {
        ck->done = 0; /* the WAL started over */
    }
    ck->wal_pages = pages;
    if (pages - ck->done >= TG_SQLITE_CKPT_PAGES) {
        pthread_cond_signal(&ck->wake);
    }
    pthread_mutex_unlock(&ck->lock);

    return SQLITE_OK;
}


/* Turns a pool connection's automatic checkpoint off: commits tell ck. */
static int
tg_sqlite_conn_no_autockpt(tg_db_conn_t *conn, tg_sqlite_ckpt_t *ck)
{
    int rc;

    rc = sqlite3_exec(conn->handle, "PRAGMA wal_autocheckpoint = 0;", NULL,
                      NULL, NULL);
    if (rc != SQLITE_OK) {
        return tg_sqlite_error(rc);
    }

    sqlite3_wal_hook(conn->handle, tg_sqlite_wal_hook, ck);
    return TG_OK;
}


/*
 * One round: a PASSIVE checkpoint (never waits, never blocks a writer);
 * if the WAL is still past the high mark, a RESTART one, which waits for
 * the writer and the readers of the WAL (busy timeout) and lets the next
 * commit write the WAL from its start.
 */
static void
tg_sqlite_ckpt_run(tg_sqlite_ckpt_t *ck)
{
    int log = 0, done = 0, rc;

    rc = sqlite3_wal_checkpoint_v2(ck->handle, NULL, SQLITE_CHECKPOINT_PASSIVE,
                                   &log, &done);
    if (rc == SQLITE_OK && log >= TG_SQLITE_CKPT_HIGH) {
        rc = sqlite3_wal_checkpoint_v2(ck->handle, NULL,
                                       SQLITE_CHECKPOINT_RESTART, &log, &done);
        if (rc == SQLITE_OK) {
            done = 0; /* the next commit starts the WAL over */
        }
    }

    pthread_mutex_lock(&ck->lock);
    if (rc == SQLITE_OK || rc == SQLITE_BUSY) {
        /* a WAL that started over since is smaller than what was done */
        ck->done = done <= ck->wal_pages ? done : 0;
    }
    pthread_mutex_unlock(&ck->lock);
}


static void *
tg_sqlite_ckpt_main(void *arg)
{
    tg_sqlite_ckpt_t *ck = arg;
    int               before, stuck = 0;

    pthread_mutex_lock(&ck->lock);

    while (!ck->stop) {
        if (ck->wal_pages - ck->done < TG_SQLITE_CKPT_PAGES || stuck) {
            stuck = 0;
            pthread_cond_wait(&ck->wake, &ck->lock);
            continue;
        }

        before = ck->done;
        pthread_mutex_unlock(&ck->lock);
        tg_sqlite_ckpt_run(ck);
        pthread_mutex_lock(&ck->lock);

        /* no page copied (a reader's old snapshot): wait for a commit */
        stuck = ck->done == before;
    }

    pthread_mutex_unlock(&ck->lock);
    return NULL;
}


/* Opens the checkpointer's connection and starts its thread. */
static int
tg_sqlite_ckpt_start(const tg_db_options_t *options, tg_sqlite_ckpt_t *ck)
{
    tg_db_conn_t conn = { 0 };
    int          rc;

    rc = tg_sqlite_conn_open(options, &conn);
    ck->handle = conn.handle;
    if (rc != TG_OK) {
        return rc;
    }

    rc = sqlite3_exec(ck->handle, "PRAGMA wal_autocheckpoint = 0;", NULL, NULL,
                      NULL);
    if (rc != SQLITE_OK) {
        return tg_sqlite_error(rc);
    }

    if (pthread_create(&ck->thread, NULL, tg_sqlite_ckpt_main, ck) != 0) {
        return TG_ENOMEM;
    }

    ck->started = 1;
    return TG_OK;
}


static void
tg_sqlite_ckpt_stop(tg_sqlite_ckpt_t *ck)
{
    if (!ck->started) {
        return;
    }

    pthread_mutex_lock(&ck->lock);
    ck->stop = 1;
    pthread_cond_signal(&ck->wake);
    pthread_mutex_unlock(&ck->lock);

    pthread_join(ck->thread, NULL);
    ck->started = 0;
}


static void
tg_sqlite_conn_close(tg_db_conn_t *conn)
{
    unsigned i;

    for (i = 0; i < conn->ncache; i++) {
        sqlite3_finalize(conn->cache[i].stmt);
    }

    for (i = 0; i < TG_SQLITE_FIXED_MAX; i++) {
        sqlite3_finalize(conn->fixed[i]);
        conn->fixed[i] = NULL;
    }

    conn->ncache = 0;
    sqlite3_close(conn->handle);
    conn->handle = NULL;
}


static void
tg_sqlite_close(tg_db_t *db)
{
    unsigned i;

    if (db == NULL) {
        return;
    }

    tg_sqlite_ckpt_stop(&db->ckpt);

    for (i = 0; i < db->nconns; i++) {
        if (db->conns[i].handle != NULL) {
            tg_sqlite_conn_close(&db->conns[i]);
        }
    }

    if (db->ckpt.handle != NULL) {
        sqlite3_close(db->ckpt.handle); /* the last: checkpoints the WAL */
    }

    pthread_cond_destroy(&db->ckpt.wake);
    pthread_mutex_destroy(&db->ckpt.lock);
    pthread_cond_destroy(&db->free);
    pthread_mutex_destroy(&db->lock);
    free(db->conns);
    free(db);
}


static int
tg_sqlite_open(const tg_db_options_t *options, tg_db_t **out)
{
    tg_db_t *db;
    unsigned i;
    int      rc;

    db = calloc(1, sizeof(tg_db_t));
    if (db == NULL) {
        return TG_ENOMEM;
    }

    db->nconns = options->connections > 0 ? options->connections : 1;
    db->conns = calloc(db->nconns, sizeof(tg_db_conn_t));
    if (db->conns == NULL) {
        free(db);
        return TG_ENOMEM;
    }

    pthread_mutex_init(&db->lock, NULL);
    pthread_cond_init(&db->free, NULL);
    pthread_mutex_init(&db->ckpt.lock, NULL);
    pthread_cond_init(&db->ckpt.wake, NULL);

    for (i = 0; i < db->nconns; i++) {
        rc = tg_sqlite_conn_open(options, &db->conns[i]);
        if (rc == TG_OK) {
            rc = tg_sqlite_conn_no_autockpt(&db->conns[i], &db->ckpt);
        }
        if (rc != TG_OK) {
            tg_sqlite_close(db);
            return rc;
        }
    }

    rc = tg_sqlite_ckpt_start(options, &db->ckpt);
    if (rc != TG_OK) {
        tg_sqlite_close(db);
        return rc;
    }

    *out = db;
    return TG_OK;
}


static int
tg_sqlite_acquire(tg_db_t *db, tg_db_conn_t **conn)
{
    unsigned i;

    pthread_mutex_lock(&db->lock);

    for (;;) {
        for (i = 0; i < db->nconns; i++) {
            if (!db->conns[i].busy) {
                db->conns[i].busy = 1;
                *conn = &db->conns[i];
                pthread_mutex_unlock(&db->lock);
                return TG_OK;
            }
        }

        pthread_cond_wait(&db->free, &db->lock);
    }
}


static void
tg_sqlite_reset(tg_db_conn_t *conn)
{
    unsigned i;

    for (i = 0; i < conn->ncache; i++) {
        if (conn->cache[i].used) {
            sqlite3_reset(conn->cache[i].stmt);
            sqlite3_clear_bindings(conn->cache[i].stmt);
            conn->cache[i].used = 0;
        }
    }
}


static void
tg_sqlite_release(tg_db_t *db, tg_db_conn_t *conn)
{
    tg_sqlite_reset(conn);

    pthread_mutex_lock(&db->lock);
    conn->busy = 0;
    pthread_cond_signal(&db->free);
    pthread_mutex_unlock(&db->lock);
}


/* Runs one of tg_sqlite_fixed_sql[i] with its prepared statement. */
static int
tg_sqlite_exec_fixed(tg_db_conn_t *conn, unsigned i)
{
    int rc;

    if (conn->fixed[i] == NULL) {
        rc = sqlite3_prepare_v3(conn->handle, tg_sqlite_fixed_sql[i], -1,
                                SQLITE_PREPARE_PERSISTENT, &conn->fixed[i],
                                NULL);
        if (rc != SQLITE_OK) {
            return tg_sqlite_error(rc);
        }
    }

    rc = sqlite3_step(conn->fixed[i]);
    sqlite3_reset(conn->fixed[i]);

    return tg_sqlite_error(rc == SQLITE_DONE ? SQLITE_OK : rc);
}


static int
tg_sqlite_exec(tg_db_conn_t *conn, const char *sql)
{
    unsigned i;

    for (i = 0; i < TG_SQLITE_FIXED_MAX; i++) {
        if (strcmp(sql, tg_sqlite_fixed_sql[i]) == 0) {
            return tg_sqlite_exec_fixed(conn, i);
        }
    }

    return tg_sqlite_error(sqlite3_exec(conn->handle, sql, NULL, NULL, NULL));
}


static int
tg_sqlite_begin(tg_db_conn_t *conn, int write)
{
    return tg_sqlite_exec(conn, write ? "BEGIN IMMEDIATE" : "BEGIN");
}


static int
tg_sqlite_commit(tg_db_conn_t *conn)
{
    int rc = tg_sqlite_exec(conn, "COMMIT");

    if (rc != TG_OK && !sqlite3_get_autocommit(conn->handle)) {
        (void) tg_sqlite_exec(conn, "ROLLBACK");
    }

    return rc;
}


static void
tg_sqlite_rollback(tg_db_conn_t *conn)
{
    if (!sqlite3_get_autocommit(conn->handle)) {
        (void) tg_sqlite_exec(conn, "ROLLBACK");
    }
}


static int
tg_sqlite_prepare(tg_db_conn_t *conn, const char *sql, int cache,
                  tg_db_stmt_t **out)
{
    sqlite3_stmt *stmt;
    tg_db_stmt_t *st;
    unsigned      i;
    int           rc;

    if (cache) {
        for (i = 0; i < conn->ncache; i++) {
            if (conn->cache[i].sql == sql) {
                conn->cache[i].used = 1;
                *out = &conn->cache[i];
                return TG_OK;
            }
        }

        /* A full cache costs speed, never correctness: the statement
         * is prepared for this one use. */
        if (conn->ncache == TG_SQLITE_CACHE_MAX) {
            cache = 0;
        }
    }

    rc = sqlite3_prepare_v3(conn->handle, sql, -1,
                            cache ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, NULL);
    if (rc != SQLITE_OK) {
        return tg_sqlite_error(rc);
    }

    if (cache) {
        st = &conn->cache[conn->ncache++];
        st->used = 1;

    } else {
        st = calloc(1, sizeof(tg_db_stmt_t));
        if (st == NULL) {
            sqlite3_finalize(stmt);
            return TG_ENOMEM;
        }
        st->owned = 1;
    }

    st->stmt = stmt;
    st->sql = sql;
    st->handle = conn->handle;
    *out = st;
    return TG_OK;
}


/*
 * The SQL text numbers parameters "$1", "$2"...; SQLite indexes them in
 * order of first appearance, so look each one up by its name.  Most texts
 * name them in order, so the name at the same index is tried first; the
 * name is written by hand (snprintf() was a visible share of every write).
 */
static int
tg_sqlite_index(tg_db_stmt_t *st, int index)
{
    char        name[16];
    char       *p = name + sizeof(name);
    const char *same;
    unsigned    n = (unsigned) index;

    if (index <= 0) {
        return 0;
    }

    *--p = '\0';
    do {
        *--p = (char) ('0' + n % 10);
        n /= 10;
    } while (n != 0);
    *--p = '$';

    same = sqlite3_bind_parameter_name(st->stmt, index);
    if (same != NULL && strcmp(same, p) == 0) {
        return index;
    }

    return sqlite3_bind_parameter_index(st->stmt, p);
}


static int
tg_sqlite_bind_text(tg_db_stmt_t *st, int index, tg_str_t value)
{
    int i = tg_sqlite_index(st, index);

    if (i == 0 || value.len > INT32_MAX) {
        return TG_ESTORE;
    }

    return tg_sqlite_error(
        sqlite3_bind_text(st->stmt, i, value.ptr != NULL ? value.ptr : "",
                          (int) value.len, SQLITE_TRANSIENT));
}


static int
tg_sqlite_bind_int(tg_db_stmt_t *st, int index, int64_t value)
{
    int i = tg_sqlite_index(st, index);

    if (i == 0) {
        return TG_ESTORE;
    }

    return tg_sqlite_error(sqlite3_bind_int64(st->stmt, i, value));
}


static int
tg_sqlite_bind_null(tg_db_stmt_t *st, int index)
{
    int i = tg_sqlite_index(st, index);

    if (i == 0) {
        return TG_ESTORE;
    }

    return tg_sqlite_error(sqlite3_bind_null(st->stmt, i));
}


static int
tg_sqlite_step(tg_db_stmt_t *st)
{
    int rc = sqlite3_step(st->stmt);

    if (rc == SQLITE_ROW) {
        return TG_DB_ROW;
    }

    if (rc == SQLITE_DONE) {
        return TG_DB_DONE;
    }

    return tg_sqlite_error(sqlite3_extended_errcode(st->handle));
}


static int64_t
tg_sqlite_column_int(tg_db_stmt_t *st, int column)
{
    return sqlite3_column_int64(st->stmt, column);
}


static tg_str_t
tg_sqlite_column_text(tg_db_stmt_t *st, int column)
{
    const unsigned char *text;

    if (sqlite3_column_type(st->stmt, column) == SQLITE_NULL) {
        return TG_STR_NULL;
    }

    text = sqlite3_column_text(st->stmt, column);
    if (text == NULL) {
        return TG_STR_NULL;
    }

    return (tg_str_t){ (const char *) text,
                       (size_t) sqlite3_column_bytes(st->stmt, column) };
}


static int64_t
tg_sqlite_changes(tg_db_stmt_t *st)
{
    return sqlite3_changes64(st->handle);
}


static void
tg_sqlite_finish(tg_db_stmt_t *st)
{
    if (st->owned) {
        sqlite3_finalize(st->stmt);
        free(st);
        return;
    }

    sqlite3_reset(st->stmt);
    sqlite3_clear_bindings(st->stmt);
}


/* clang-format off */

static const char *const tg_sqlite_migrations[] = {

    /* 1: the initial schema. */
    "CREATE TABLE accounts ("
    "    id           TEXT PRIMARY KEY,"
    "    name         TEXT NOT NULL UNIQUE,"
    "    enabled      INTEGER NOT NULL,"
    "    app_quota    INTEGER NOT NULL,"
    "    created_at   INTEGER NOT NULL,"
    "    updated_at   INTEGER NOT NULL);"

    "CREATE TABLE access_keys ("
    "    id           TEXT PRIMARY KEY,"
    "    account_id   TEXT NOT NULL REFERENCES accounts (id),"
    "    secret_hash  TEXT NOT NULL,"
    "    admin        INTEGER NOT NULL,"
    "    enabled      INTEGER NOT NULL,"
    "    description  TEXT NOT NULL,"
    "    created_at   INTEGER NOT NULL,"
    "    updated_at   INTEGER NOT NULL,"
    "    last_used_at INTEGER NOT NULL);"
    "CREATE INDEX access_keys_account ON access_keys (account_id);"

    "CREATE TABLE apps ("
    "    id           TEXT PRIMARY KEY,"
    "    app_id       INTEGER NOT NULL UNIQUE,"
    "    account_id   TEXT NOT NULL REFERENCES accounts (id),"
    "    name         TEXT NOT NULL,"
    "    description  TEXT NOT NULL,"
    "    extend       TEXT NOT NULL,"
    "    enabled      INTEGER NOT NULL,"
    "    creator      TEXT NOT NULL,"
    "    rate_rps     INTEGER NOT NULL,"
    "    rate_burst   INTEGER NOT NULL,"
    "    created_at   INTEGER NOT NULL,"
    "    updated_at   INTEGER NOT NULL,"
    "    UNIQUE (account_id, name));"

    "CREATE TABLE app_tags ("
    "    app          TEXT NOT NULL REFERENCES apps (id),"
    "    k            TEXT NOT NULL,"
    "    v            TEXT NOT NULL,"
    "    pos          INTEGER NOT NULL,"
    "    PRIMARY KEY (app, k));"
    "CREATE INDEX app_tags_kv ON app_tags (k, v);"

    "CREATE TABLE key_pairs ("
    "    id                 TEXT PRIMARY KEY,"
    "    app                TEXT NOT NULL REFERENCES apps (id),"
    "    app_key            TEXT NOT NULL UNIQUE,"
    "    secret_sealed      TEXT NOT NULL,"
    "    is_primary         INTEGER NOT NULL,"
    "    prev_app_key       TEXT,"
    "    prev_secret_sealed TEXT,"
    "    prev_expires_at    INTEGER NOT NULL,"
    "    created_at         INTEGER NOT NULL,"
    "    updated_at         INTEGER NOT NULL);"
    "CREATE INDEX key_pairs_app ON key_pairs (app);"
    "CREATE INDEX key_pairs_prev ON key_pairs (prev_app_key);"

    "CREATE TABLE app_codes ("
    "    id           TEXT PRIMARY KEY,"
    "    app          TEXT NOT NULL REFERENCES apps (id),"
    "    code_hash    TEXT NOT NULL UNIQUE,"
    "    code_sealed  TEXT NOT NULL,"
    "    created_at   INTEGER NOT NULL,"
    "    updated_at   INTEGER NOT NULL);"
    "CREATE INDEX app_codes_app ON app_codes (app);"

    "CREATE TABLE apis ("
    "    id           TEXT PRIMARY KEY,"
    "    account_id   TEXT NOT NULL REFERENCES accounts (id),"
    "    name         TEXT NOT NULL UNIQUE,"
    "    description  TEXT NOT NULL,"
    "    stage        TEXT NOT NULL,"
    "    created_at   INTEGER NOT NULL,"
    "    updated_at   INTEGER NOT NULL);"
    "CREATE INDEX apis_account ON apis (account_id);"

    "CREATE TABLE grants ("
    "    id           TEXT PRIMARY KEY,"
    "    app          TEXT NOT NULL REFERENCES apps (id),"
    "    api          TEXT NOT NULL REFERENCES apis (id),"
    "    stage        TEXT NOT NULL,"
    "    expires_at   INTEGER NOT NULL,"
    "    created_at   INTEGER NOT NULL,"
    "    updated_at   INTEGER NOT NULL,"
    "    UNIQUE (app, api, stage));"
    "CREATE INDEX grants_api ON grants (api);"

    "CREATE TABLE audit_events ("
    "    id           INTEGER PRIMARY KEY AUTOINCREMENT,"
    "    at           INTEGER NOT NULL,"
    "    actor        TEXT NOT NULL,"
    "    account_id   TEXT NOT NULL,"
    "    action       TEXT NOT NULL,"
    "    target_type  TEXT NOT NULL,"
    "    target       TEXT NOT NULL,"
    "    app          TEXT NOT NULL,"
    "    success      INTEGER NOT NULL,"
    "    error        TEXT NOT NULL,"
    "    request_id   TEXT NOT NULL,"
    "    source       TEXT NOT NULL,"
    "    detail       TEXT NOT NULL);"
    "CREATE INDEX audit_events_at ON audit_events (at);"
    "CREATE INDEX audit_events_app ON audit_events (app);"
    "CREATE INDEX audit_events_actor ON audit_events (actor);"
    "CREATE INDEX audit_events_account ON audit_events (account_id);"

    "CREATE TABLE meta ("
    "    name         TEXT PRIMARY KEY,"
    "    value        TEXT NOT NULL);"

    "CREATE TABLE changes ("
    "    seq          INTEGER PRIMARY KEY AUTOINCREMENT,"
    "    at           INTEGER NOT NULL,"
    "    entity       TEXT NOT NULL,"
    "    entity_id    TEXT NOT NULL,"
    "    app          TEXT NOT NULL,"
    "    op           TEXT NOT NULL);",

    /* 2: access-key secrets sealed, for HMAC signature checks (Alibaba);
     * NULL for keys made before, until they are next used. */
    "ALTER TABLE access_keys ADD COLUMN secret_sealed TEXT;",

    /* 3: the canonical name of each event's action (authz.h), beside
     * its own; "" for the events recorded before, and for those that
     * are no action (auth.failure). */
    "ALTER TABLE audit_events"
    "    ADD COLUMN canonical_action TEXT NOT NULL DEFAULT '';",

    /* 4: access-control policies: named ones an account's keys share,
     * and what each access key has attached, a named policy (document
     * NULL: the account's, or a built-in one) or an inline one. */
    "CREATE TABLE policies ("
    "    account_id   TEXT NOT NULL REFERENCES accounts (id)"
    "                 ON DELETE CASCADE,"
    "    name         TEXT NOT NULL,"
    "    description  TEXT NOT NULL,"
    "    document     TEXT NOT NULL,"
    "    created_at   INTEGER NOT NULL,"
    "    updated_at   INTEGER NOT NULL,"
    "    PRIMARY KEY (account_id, name));"
    "CREATE TABLE access_key_policies ("
    "    key_id       TEXT NOT NULL REFERENCES access_keys (id)"
    "                 ON DELETE CASCADE,"
    "    name         TEXT NOT NULL,"
    "    document     TEXT,"
    "    created_at   INTEGER NOT NULL,"
    "    PRIMARY KEY (key_id, name));",
    /* 5: each account's credential policy (cred_policy.h; 0: no rule),
     * and when each key pair's secret was set, which its age counts
     * from: for the pairs made before, their last change. */
    "ALTER TABLE accounts ADD COLUMN reveal_once INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE accounts"
    "    ADD COLUMN max_secret_age INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE accounts ADD COLUMN min_grace INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE accounts ADD COLUMN max_grace INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE accounts"
    "    ADD COLUMN secret_min_length INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE accounts"
    "    ADD COLUMN secret_classes INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE key_pairs ADD COLUMN secret_at INTEGER NOT NULL DEFAULT 0;"
    "UPDATE key_pairs SET secret_at = updated_at;",
    /* 6: the limits that several nodes share (store_limits.c): the
     * signed-call nonces in use, by digest, each until its expiry, and
     * a token bucket per (account, action).  One node (SQLite) keeps
     * them in memory: these tables stay empty. */
    "CREATE TABLE limit_nonces ("
    "    digest       TEXT PRIMARY KEY,"
    "    expires_at   INTEGER NOT NULL);"
    "CREATE INDEX limit_nonces_expiry ON limit_nonces (expires_at);"
    "CREATE TABLE limit_buckets ("
    "    account_id   TEXT NOT NULL,"
    "    action       TEXT NOT NULL,"
    "    tokens       REAL NOT NULL,"
    "    at           INTEGER NOT NULL,"
    "    full_at      INTEGER NOT NULL,"
    "    PRIMARY KEY (account_id, action));"
    "CREATE INDEX limit_buckets_full ON limit_buckets (full_at);",

    /* 7: what a million apps need answered in constant time: each
     * account's app count (the quota check, and a listing's total),
     * maintained by the app insert and delete; indexes that list apps in
     * order, of one account or of all; and each tag row carries its
     * app's account and creation time, so that a tag's apps are read in
     * order from one index. */
    "ALTER TABLE accounts ADD COLUMN app_count INTEGER NOT NULL DEFAULT 0;"
    "UPDATE accounts SET app_count ="
    "    (SELECT COUNT(*) FROM apps WHERE apps.account_id = accounts.id);"
    "CREATE INDEX apps_created ON apps (created_at, id);"
    "CREATE INDEX apps_updated ON apps (updated_at, id);"
    "CREATE INDEX apps_account_created ON apps (account_id, created_at, id);"
    "CREATE INDEX apps_account_updated ON apps (account_id, updated_at, id);"
    "CREATE INDEX apps_name ON apps (name);"
    "ALTER TABLE app_tags ADD COLUMN account_id TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE app_tags ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;"
    "UPDATE app_tags SET"
    "    account_id = (SELECT account_id FROM apps WHERE apps.id = app),"
    "    created_at = (SELECT created_at FROM apps WHERE apps.id = app);"
    "DROP INDEX app_tags_kv;"
    "CREATE INDEX app_tags_kv ON app_tags (k, v, created_at, app);"
    "CREATE INDEX app_tags_account ON app_tags"
    "    (account_id, k, v, created_at, app);",
};

/* clang-format on */


const tg_db_driver_t tg_db_sqlite = {
    "sqlite",
    tg_sqlite_open,
    tg_sqlite_close,
    tg_sqlite_acquire,
    tg_sqlite_release,
    tg_sqlite_reset,
    tg_sqlite_begin,
    tg_sqlite_commit,
    tg_sqlite_rollback,
    tg_sqlite_exec,
    tg_sqlite_prepare,
    tg_sqlite_bind_text,
    tg_sqlite_bind_int,
    tg_sqlite_bind_null,
    tg_sqlite_step,
    tg_sqlite_column_int,
    tg_sqlite_column_text,
    tg_sqlite_changes,
    tg_sqlite_finish,
    tg_sqlite_migrations,
    sizeof(tg_sqlite_migrations) / sizeof(tg_sqlite_migrations[0]),
    NULL, /* BEGIN IMMEDIATE takes the one write lock */
    NULL, /* one process writes: its commits tell it */
    NULL, /* one node: the limits stay in its memory */
    NULL,
};
