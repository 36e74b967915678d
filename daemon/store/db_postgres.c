/*
 * The PostgreSQL driver (libpq): the store of several nodes.
 *
 * The store's portable SQL runs unchanged: parameters are sent as text
 * with PQexecParams(), integers typed int8 and text and NULL left for the
 * server to infer, as SQLite's dynamic typing would take them.  Each
 * statement is parsed at each use (no server-side prepared statements:
 * a statement's parameter types may differ between uses, NULL or text).
 *
 * Transactions: a write transaction runs at READ COMMITTED (the store's
 * group commit wraps each operation in a savepoint); a read transaction at
 * REPEATABLE READ, so that it sees one snapshot, as a SQLite WAL reader
 * does.  Uniqueness holds through the schema's constraints; what the
 * store must serialize (the apps-per-account quota) it serializes by row
 * locks taken in the transaction.  The change log's positions are given
 * at commit time, in commit order, by the schema itself (migration 1
 * below; docs/storage.md).
 *
 * Errors: SQLSTATE class 23 (integrity) is TG_ECONFLICT; serialization
 * failures, deadlocks and lock timeouts (lock_timeout is busy_ms) are
 * TG_EBUSY; anything else, a lost connection included, is TG_ESTORE.  A
 * lost connection is reset when it is next acquired.
 */

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "tollgate/error.h"
#include "tollgate/utf8.h"
#include "log.h"
#include "store/db.h"


/* The most parameters a statement binds (an app list with every filter
 * and tag takes 50). */
#define TG_PG_PARAMS_MAX 64

/* pg_type.h's OID of int8, which libpq does not export. */
#define TG_PG_INT8_OID 20
#define TG_PG_BOOL_OID 16

struct tg_db_stmt_s {
    PGconn     *handle;
    const char *sql;
    char       *values[TG_PG_PARAMS_MAX];
    Oid         types[TG_PG_PARAMS_MAX];
    int         nparams;
    PGresult   *result; /* after the first step() */
    int         row;    /* the current row, -1 before the first */
    char       *sql_owned;
    int         matches_nothing; /* a SELECT given a text no row holds */
};

struct tg_db_conn_s {
    PGconn     *handle;
    int         busy;  /* handed out */
    const char *setup; /* the store's session settings (tg_db_s) */
};

struct tg_db_s {
    tg_db_conn_t   *conns;
    unsigned        nconns;
    char           *setup; /* the session settings each connection runs */
    char           *conninfo;
    PGconn         *listener; /* LISTENs to tollgate_changes, or NULL */
    pthread_mutex_t lock;
    pthread_cond_t  free;
    tg_db_conn_t   *limits; /* nconns more, connected when first used */
    pthread_cond_t  limits_free;
};


/* The store's error for a failed result (NULL: out of memory). */
static int
tg_pg_error(const PGresult *res)
{
    const char *state;

    if (res == NULL) {
        return TG_ENOMEM;
    }

    state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    if (state == NULL) {
        return TG_ESTORE; /* no server answer: the connection failed */
    }

    if (strncmp(state, "23", 2) == 0) {
        return TG_ECONFLICT;
    }

    if (strcmp(state, "40001") == 0     /* serialization_failure */
        || strcmp(state, "40P01") == 0  /* deadlock_detected */
        || strcmp(state, "55P03") == 0) /* lock_not_available */
    {
        return TG_EBUSY;
    }

    if (strcmp(state, "53200") == 0) { /* out_of_memory */
        return TG_ENOMEM;
    }

    return TG_ESTORE;
}


/* Notices (NOTICE: relation exists, skipping) are not for the log. */
static void
tg_pg_notice(void *arg, const char *message)
{
    (void) arg;
    (void) message;
}


/* Runs sql (one or several statements without parameters). */
static int
tg_pg_run(PGconn *handle, const char *sql)
{
    PGresult *res = PQexec(handle, sql);
    int       rc;

    switch (PQresultStatus(res)) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
        rc = TG_OK;
        break;
    default:
        rc = tg_pg_error(res);
        break;
    }

    PQclear(res);
    return rc;
}


/* Says why a connection failed: libpq's message names the server, never
 * the password. */
static void
tg_pg_log_failure(const PGconn *handle)
{
    char   message[256];
    size_t len;

    snprintf(message, sizeof(message), "%s", PQerrorMessage(handle));
    len = strlen(message);
    while (len > 0 && (message[len - 1] == '\n' || message[len - 1] == ' ')) {
        message[--len] = '\0';
    }
    TG_LOG(TG_LOG_ERROR, "cannot connect to the PostgreSQL store",
           TG_LF_STR("error", message));
}


static int
tg_pg_conn_open(tg_db_t *db, const char *conninfo, tg_db_conn_t *conn)
{
    conn->handle = PQconnectdb(conninfo);
    if (conn->handle == NULL) {
        return TG_ENOMEM;
    }

    if (PQstatus(conn->handle) != CONNECTION_OK) {
        tg_pg_log_failure(conn->handle);
        return TG_ESTORE;
    }

    PQsetNoticeProcessor(conn->handle, tg_pg_notice, NULL);
    conn->setup = db->setup;
    return tg_pg_run(conn->handle, db->setup);
}


static void
tg_pg_close(tg_db_t *db)
{
    unsigned i;

    if (db == NULL) {
        return;
    }

    for (i = 0; i < db->nconns; i++) {
        if (db->conns[i].handle != NULL) {
            PQfinish(db->conns[i].handle);
        }
    }

    if (db->listener != NULL) {
        PQfinish(db->listener);
    }

    for (i = 0; db->limits != NULL && i < db->nconns; i++) {
        if (db->limits[i].handle != NULL) {
            PQfinish(db->limits[i].handle);
        }
    }
    free(db->limits);
    pthread_cond_destroy(&db->limits_free);

    pthread_cond_destroy(&db->free);
    pthread_mutex_destroy(&db->lock);
    free(db->conninfo);
    free(db->setup);
    free(db->conns);
    free(db);
}


static int
tg_pg_open(const tg_db_options_t *options, tg_db_t **out)
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
    db->limits = calloc(db->nconns, sizeof(tg_db_conn_t));
    db->setup = malloc(256);
    db->conninfo = strdup(options->path);
    if (db->conns == NULL || db->limits == NULL || db->setup == NULL
        || db->conninfo == NULL)
    {
        free(db->limits);
        free(db->conns);
        free(db->setup);
        free(db->conninfo);
        free(db);
        return TG_ENOMEM;
    }

    /* A lock waited for longer than busy_ms is TG_EBUSY; without
     * sync_full, a commit returns before its WAL is flushed (a crash of
     * the server may lose the last commits, never corrupt the store). */
    snprintf(db->setup, 256,
             "SET lock_timeout = %u;"
             "SET synchronous_commit = %s;"
             "SET client_min_messages = warning;",
             options->busy_ms, options->sync_full ? "on" : "off");

    pthread_mutex_init(&db->lock, NULL);
    pthread_cond_init(&db->free, NULL);
    pthread_cond_init(&db->limits_free, NULL);

    for (i = 0; i < db->nconns; i++) {
        rc = tg_pg_conn_open(db, options->path, &db->conns[i]);
        if (rc != TG_OK) {
            tg_pg_close(db);
            return rc;
        }
    }

    *out = db;
    return TG_OK;
}


static void tg_pg_release(tg_db_t *db, tg_db_conn_t *conn);


static int
tg_pg_acquire(tg_db_t *db, tg_db_conn_t **conn)
{
    tg_db_conn_t *c = NULL;
    unsigned      i;

    pthread_mutex_lock(&db->lock);
    while (c == NULL) {
        for (i = 0; i < db->nconns && c == NULL; i++) {
            if (!db->conns[i].busy) {
                c = &db->conns[i];
                c->busy = 1;
            }
        }
        if (c == NULL) {
            pthread_cond_wait(&db->free, &db->lock);
        }
    }
    pthread_mutex_unlock(&db->lock);

    /* A connection the server dropped (a restart, a failover) is made
     * again; if that fails, this use fails and the next one retries. */
    if (PQstatus(c->handle) != CONNECTION_OK) {
        PQreset(c->handle);
        if (PQstatus(c->handle) != CONNECTION_OK) {
            tg_pg_log_failure(c->handle);
        }
        if (PQstatus(c->handle) != CONNECTION_OK
            || tg_pg_run(c->handle, db->setup) != TG_OK)
        {
            tg_pg_release(db, c);
            return TG_ESTORE;
        }
    }

    *conn = c;
    return TG_OK;
}


static void
tg_pg_reset(tg_db_conn_t *conn)
{
    (void) conn; /* statements hold nothing on the connection */
}


static void
tg_pg_release(tg_db_t *db, tg_db_conn_t *conn)
{
    pthread_mutex_lock(&db->lock);
    conn->busy = 0;
    pthread_cond_signal(&db->free);
    pthread_mutex_unlock(&db->lock);
}


static int
tg_pg_exec(tg_db_conn_t *conn, const char *sql)
{
    return tg_pg_run(conn->handle, sql);
}


/* A connection the server dropped while it sat in the pool (a restart of
 * PostgreSQL, a failover) still looks made until used: its BEGIN fails,
 * which it does not otherwise.  Nothing has run yet, so the connection is
 * made again and BEGIN runs once more. */
static int
tg_pg_begin(tg_db_conn_t *conn, int write)
{
    const char *sql = write ? "BEGIN ISOLATION LEVEL READ COMMITTED"
                            : "BEGIN ISOLATION LEVEL REPEATABLE READ";
    int         rc = tg_pg_run(conn->handle, sql);

    if (rc != TG_OK) {
        PQreset(conn->handle);
        if (PQstatus(conn->handle) != CONNECTION_OK) {
            tg_pg_log_failure(conn->handle);
            return TG_ESTORE;
        }
        rc = tg_pg_run(conn->handle, conn->setup);
        if (rc == TG_OK) {
            rc = tg_pg_run(conn->handle, sql);
        }
    }
    return rc;
}


/* COMMIT of a transaction that failed answers "ROLLBACK", not an error:
 * that is a failed commit too. */
static int
tg_pg_commit(tg_db_conn_t *conn)
{
    PGresult *res = PQexec(conn->handle, "COMMIT");
    int       rc;

    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        rc = tg_pg_error(res);
    } else if (strcmp(PQcmdStatus(res), "COMMIT") != 0) {
        rc = TG_ESTORE;
    } else {
        rc = TG_OK;
    }

    PQclear(res);
    if (rc != TG_OK && PQtransactionStatus(conn->handle) != PQTRANS_IDLE) {
        (void) tg_pg_run(conn->handle, "ROLLBACK");
    }
    return rc;
}


static void
tg_pg_rollback(tg_db_conn_t *conn)
{
    if (PQtransactionStatus(conn->handle) != PQTRANS_IDLE) {
        (void) tg_pg_run(conn->handle, "ROLLBACK");
    }
}


static int
tg_pg_prepare(tg_db_conn_t *conn, const char *sql, int cache,
              tg_db_stmt_t **out)
{
    tg_db_stmt_t *st;

    st = calloc(1, sizeof(tg_db_stmt_t));
    if (st == NULL) {
        return TG_ENOMEM;
    }

    /* Without cache, sql may not outlive this call's caller: keep a copy. */
    if (!cache) {
        st->sql_owned = strdup(sql);
        if (st->sql_owned == NULL) {
            free(st);
            return TG_ENOMEM;
        }
        sql = st->sql_owned;
    }

    st->handle = conn->handle;
    st->sql = sql;
    st->row = -1;
    *out = st;
    return TG_OK;
}


/* Whether PostgreSQL's text (UTF8 database) cannot hold these bytes: a
 * NUL (a parameter would end there) or invalid UTF-8. */
static int
tg_pg_unstorable(const char *ptr, size_t len)
{
    tg_str_t s = { ptr, len };
    size_t   n;

    return memchr(ptr, '\0', len) != NULL || tg_utf8_count(s, &n) != TG_OK;
}


/* Stores the text of parameter index (from 1) with its type. */
static int
tg_pg_bind(tg_db_stmt_t *st, int index, const char *ptr, size_t len, Oid type)
{
    char *value = NULL;

    if (index < 1 || index > TG_PG_PARAMS_MAX || st->result != NULL) {
        return TG_ESTORE;
    }

    if (ptr != NULL && tg_pg_unstorable(ptr, len)) {
        /* SQLite compares such a text byte by byte, and a lookup by it
         * finds no row: so does this SELECT, without asking the server.
         * Any other statement is refused. */
        if (strncmp(st->sql, "SELECT ", 7) != 0) {
            return TG_ESTORE;
        }
        st->matches_nothing = 1;
        ptr = "";
        len = 0;
    }

    if (ptr != NULL) {
        value = malloc(len + 1);
        if (value == NULL) {
            return TG_ENOMEM;
        }
        memcpy(value, ptr, len);
        value[len] = '\0';
    }

    free(st->values[index - 1]);
    st->values[index - 1] = value;
    st->types[index - 1] = type;
    if (index > st->nparams) {
        st->nparams = index;
    }
    return TG_OK;
}


static int
tg_pg_bind_text(tg_db_stmt_t *st, int index, tg_str_t value)
{
    return tg_pg_bind(st, index, value.ptr != NULL ? value.ptr : "", value.len,
                      0);
}


static int
tg_pg_bind_int(tg_db_stmt_t *st, int index, int64_t value)
{
    char text[24];
    int  n = snprintf(text, sizeof(text), "%lld", (long long) value);

    return tg_pg_bind(st, index, text, (size_t) n, TG_PG_INT8_OID);
}


static int
tg_pg_bind_null(tg_db_stmt_t *st, int index)
{
    return tg_pg_bind(st, index, NULL, 0, 0);
}


/*
 * Runs the statement.  A statement that fails in SQLite undoes only
 * itself, and the store relies on that (it may go on after a conflict);
 * a failed statement in PostgreSQL fails its whole transaction.  So a
 * statement that writes, inside a transaction, runs in a savepoint of its
 * own, rolled back to if it fails.  (A failed SELECT fails the
 * transaction: the store gives up on it then.)
 */
static int
tg_pg_execute(tg_db_stmt_t *st)
{
    int guard, rc;

    guard = strncmp(st->sql, "SELECT ", 7) != 0
            && PQtransactionStatus(st->handle) == PQTRANS_INTRANS;
    if (guard && (rc = tg_pg_run(st->handle, "SAVEPOINT tg_stmt")) != TG_OK) {
        return rc;
    }

    st->result = PQexecParams(st->handle, st->sql, st->nparams, st->types,
                              (const char *const *) st->values, NULL, NULL, 0);
    switch (PQresultStatus(st->result)) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
        return guard ? tg_pg_run(st->handle, "RELEASE SAVEPOINT tg_stmt")
                     : TG_OK;
    default:
        rc = tg_pg_error(st->result);
        PQclear(st->result);
        st->result = NULL;
        if (guard) {
            (void) tg_pg_run(st->handle, "ROLLBACK TO SAVEPOINT tg_stmt;"
                                         "RELEASE SAVEPOINT tg_stmt");
        }
        return rc;
    }
}


static int
tg_pg_step(tg_db_stmt_t *st)
{
    int rc;

    if (st->matches_nothing) {
        return TG_DB_DONE;
    }

    if (st->result == NULL) {
        rc = tg_pg_execute(st);
        if (rc != TG_OK) {
            return rc;
        }
    }

    if (st->row < PQntuples(st->result)) {
        st->row++;
    }
    return st->row < PQntuples(st->result) ? TG_DB_ROW : TG_DB_DONE;
}


static int64_t
tg_pg_column_int(tg_db_stmt_t *st, int column)
{
    const char *text;

    if (st->result == NULL || PQgetisnull(st->result, st->row, column)) {
        return 0;
    }

    text = PQgetvalue(st->result, st->row, column);
    if (PQftype(st->result, column) == TG_PG_BOOL_OID) {
        return text[0] == 't';
    }
    return strtoll(text, NULL, 10);
}


static tg_str_t
tg_pg_column_text(tg_db_stmt_t *st, int column)
{
    if (st->result == NULL || PQgetisnull(st->result, st->row, column)) {
        return TG_STR_NULL;
    }

    return (tg_str_t){ PQgetvalue(st->result, st->row, column),
                       (size_t) PQgetlength(st->result, st->row, column) };
}


static int64_t
tg_pg_changes(tg_db_stmt_t *st)
{
    const char *n;

    if (st->result == NULL) {
        return 0;
    }

    n = PQcmdTuples(st->result);
    return n[0] != '\0' ? strtoll(n, NULL, 10) : 0;
}


static void
tg_pg_finish(tg_db_stmt_t *st)
{
    int i;

    for (i = 0; i < st->nparams; i++) {
        free(st->values[i]);
    }
    PQclear(st->result);
    free(st->sql_owned);
    free(st);
}


/* (Re)connects the listening connection.  Returns 0 or an error. */
static int
tg_pg_listen(tg_db_t *db)
{
    if (db->listener == NULL) {
        db->listener = PQconnectdb(db->conninfo);
        if (db->listener == NULL) {
            return TG_ENOMEM;
        }
    } else {
        PQreset(db->listener);
    }

    if (PQstatus(db->listener) != CONNECTION_OK) {
        tg_pg_log_failure(db->listener);
        return TG_ESTORE;
    }

    PQsetNoticeProcessor(db->listener, tg_pg_notice, NULL);
    return tg_pg_run(db->listener, "LISTEN tollgate_changes");
}


/* Whether notifications came: reads what the server sent, and drains
 * them.  Returns 1, 0, or TG_ESTORE when the connection failed. */
static int
tg_pg_notified(PGconn *handle)
{
    PGnotify *n;
    int       got = 0;

    if (!PQconsumeInput(handle)) {
        return TG_ESTORE;
    }

    while ((n = PQnotifies(handle)) != NULL) {
        got = 1;
        PQfreemem(n);
    }
    return got;
}


static int
tg_pg_wait_changes(tg_db_t *db, unsigned timeout_ms)
{
    struct pollfd pfd;
    int           rc;

    if (db->listener == NULL || PQstatus(db->listener) != CONNECTION_OK) {
        rc = tg_pg_listen(db);
        /* Commits while it was not listening went unheard: say that some
         * may have come, so that the caller reads the log. */
        return rc == TG_OK ? 1 : rc;
    }

    rc = tg_pg_notified(db->listener);
    if (rc != 0) {
        return rc;
    }

    pfd.fd = PQsocket(db->listener);
    pfd.events = POLLIN;
    pfd.revents = 0;
    rc = poll(&pfd, 1, (int) timeout_ms);
    if (rc < 0) {
        return errno == EINTR ? 0 : TG_ESTORE;
    }

    return rc == 0 ? 0 : tg_pg_notified(db->listener);
}


/*
 * The limits' pool (store_limits.c): as many connections as the main
 * pool, each made when a caller first finds no connected one free, so
 * that a node opens only as many as its limit checks overlap.  Each
 * statement commits by itself, with synchronous_commit off whatever the
 * sync setting: a nonce or a bucket's tokens lost to a crash of the
 * server (the last few hundred milliseconds of commits) reopens a replay
 * window that short, while waiting for the disk would put an fsync in
 * every signed call.  A statement waits at most lock_timeout for a row
 * and statement_timeout for its answer, both busy_ms.
 */
static int
tg_pg_limits_acquire(tg_db_t *db, tg_db_conn_t **conn)
{
    tg_db_conn_t *c = NULL;
    unsigned      i;
    int           rc = TG_OK;

    pthread_mutex_lock(&db->lock);
    while (c == NULL) {
        for (i = 0; i < db->nconns && c == NULL; i++) {
            if (!db->limits[i].busy && db->limits[i].handle != NULL) {
                c = &db->limits[i];
            }
        }
        for (i = 0; i < db->nconns && c == NULL; i++) {
            if (!db->limits[i].busy) {
                c = &db->limits[i];
            }
        }
        if (c == NULL) {
            pthread_cond_wait(&db->limits_free, &db->lock);
        }
    }
    c->busy = 1;
    pthread_mutex_unlock(&db->lock);

    if (c->handle == NULL) {
        rc = tg_pg_conn_open(db, db->conninfo, c);
    } else if (PQstatus(c->handle) != CONNECTION_OK) {
        PQreset(c->handle);
        rc = PQstatus(c->handle) == CONNECTION_OK
                 ? tg_pg_run(c->handle, db->setup)
                 : TG_ESTORE;
    } else {
        *conn = c;
        return TG_OK;
    }

    if (rc == TG_OK) {
        /* statement_timeout takes lock_timeout's value (the setup's) */
        rc = tg_pg_run(c->handle, "SET synchronous_commit = off;"
                                  "SELECT set_config('statement_timeout',"
                                  " current_setting('lock_timeout'), false)");
    }
    if (rc != TG_OK) {
        if (c->handle != NULL && PQstatus(c->handle) != CONNECTION_OK) {
            tg_pg_log_failure(c->handle);
        }
        pthread_mutex_lock(&db->lock);
        c->busy = 0;
        pthread_cond_signal(&db->limits_free);
        pthread_mutex_unlock(&db->lock);
        return rc == TG_ENOMEM ? rc : TG_ESTORE;
    }

    *conn = c;
    return TG_OK;
}


static void
tg_pg_limits_release(tg_db_t *db, tg_db_conn_t *conn)
{
    if (PQtransactionStatus(conn->handle) != PQTRANS_IDLE) {
        (void) tg_pg_run(conn->handle, "ROLLBACK");
    }

    pthread_mutex_lock(&db->lock);
    conn->busy = 0;
    pthread_cond_signal(&db->limits_free);
    pthread_mutex_unlock(&db->lock);
}


/* clang-format off */

/*
 * The schema, version for version the same as SQLite's (db_sqlite.c):
 * integers are BIGINT (times are milliseconds), text compares bytewise
 * (COLLATE "C", as SQLite's does), and the change log's positions are
 * given at commit (migration 1's last part).
 */
static const char *const tg_pg_migrations[] = {

    /* 1: the initial schema. */
    "CREATE TABLE accounts ("
    "    id           TEXT COLLATE \"C\" PRIMARY KEY,"
    "    name         TEXT COLLATE \"C\" NOT NULL UNIQUE,"
    "    enabled      BIGINT NOT NULL,"
    "    app_quota    BIGINT NOT NULL,"
    "    created_at   BIGINT NOT NULL,"
    "    updated_at   BIGINT NOT NULL);"

    "CREATE TABLE access_keys ("
    "    id           TEXT COLLATE \"C\" PRIMARY KEY,"
    "    account_id   TEXT COLLATE \"C\" NOT NULL REFERENCES accounts (id),"
    "    secret_hash  TEXT NOT NULL,"
    "    admin        BIGINT NOT NULL,"
    "    enabled      BIGINT NOT NULL,"
    "    description  TEXT NOT NULL,"
    "    created_at   BIGINT NOT NULL,"
    "    updated_at   BIGINT NOT NULL,"
    "    last_used_at BIGINT NOT NULL);"
    "CREATE INDEX access_keys_account ON access_keys (account_id);"

    "CREATE TABLE apps ("
    "    id           TEXT COLLATE \"C\" PRIMARY KEY,"
    "    app_id       BIGINT NOT NULL UNIQUE,"
    "    account_id   TEXT COLLATE \"C\" NOT NULL REFERENCES accounts (id),"
    "    name         TEXT COLLATE \"C\" NOT NULL,"
    "    description  TEXT COLLATE \"C\" NOT NULL,"
    "    extend       TEXT COLLATE \"C\" NOT NULL,"
    "    enabled      BIGINT NOT NULL,"
    "    creator      TEXT COLLATE \"C\" NOT NULL,"
    "    rate_rps     BIGINT NOT NULL,"
    "    rate_burst   BIGINT NOT NULL,"
    "    created_at   BIGINT NOT NULL,"
    "    updated_at   BIGINT NOT NULL,"
    "    UNIQUE (account_id, name));"

    "CREATE TABLE app_tags ("
    "    app          TEXT COLLATE \"C\" NOT NULL REFERENCES apps (id),"
    "    k            TEXT COLLATE \"C\" NOT NULL,"
    "    v            TEXT COLLATE \"C\" NOT NULL,"
    "    pos          BIGINT NOT NULL,"
    "    PRIMARY KEY (app, k));"
    "CREATE INDEX app_tags_kv ON app_tags (k, v);"

    "CREATE TABLE key_pairs ("
    "    id                 TEXT COLLATE \"C\" PRIMARY KEY,"
    "    app                TEXT COLLATE \"C\" NOT NULL REFERENCES apps (id),"
    "    app_key            TEXT COLLATE \"C\" NOT NULL UNIQUE,"
    "    secret_sealed      TEXT NOT NULL,"
    "    is_primary         BIGINT NOT NULL,"
    "    prev_app_key       TEXT COLLATE \"C\","
    "    prev_secret_sealed TEXT,"
    "    prev_expires_at    BIGINT NOT NULL,"
    "    created_at         BIGINT NOT NULL,"
    "    updated_at         BIGINT NOT NULL);"
    "CREATE INDEX key_pairs_app ON key_pairs (app);"
    "CREATE INDEX key_pairs_prev ON key_pairs (prev_app_key);"

    "CREATE TABLE app_codes ("
    "    id           TEXT COLLATE \"C\" PRIMARY KEY,"
    "    app          TEXT COLLATE \"C\" NOT NULL REFERENCES apps (id),"
    "    code_hash    TEXT COLLATE \"C\" NOT NULL UNIQUE,"
    "    code_sealed  TEXT NOT NULL,"
    "    created_at   BIGINT NOT NULL,"
    "    updated_at   BIGINT NOT NULL);"
    "CREATE INDEX app_codes_app ON app_codes (app);"

    "CREATE TABLE apis ("
    "    id           TEXT COLLATE \"C\" PRIMARY KEY,"
    "    account_id   TEXT COLLATE \"C\" NOT NULL REFERENCES accounts (id),"
    "    name         TEXT COLLATE \"C\" NOT NULL UNIQUE,"
    "    description  TEXT COLLATE \"C\" NOT NULL,"
    "    stage        TEXT COLLATE \"C\" NOT NULL,"
    "    created_at   BIGINT NOT NULL,"
    "    updated_at   BIGINT NOT NULL);"
    "CREATE INDEX apis_account ON apis (account_id);"

    "CREATE TABLE grants ("
    "    id           TEXT COLLATE \"C\" PRIMARY KEY,"
    "    app          TEXT COLLATE \"C\" NOT NULL REFERENCES apps (id),"
    "    api          TEXT COLLATE \"C\" NOT NULL REFERENCES apis (id),"
    "    stage        TEXT COLLATE \"C\" NOT NULL,"
    "    expires_at   BIGINT NOT NULL,"
    "    created_at   BIGINT NOT NULL,"
    "    updated_at   BIGINT NOT NULL,"
    "    UNIQUE (app, api, stage));"
    "CREATE INDEX grants_api ON grants (api);"

    "CREATE TABLE audit_events ("
    "    id           BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    "    at           BIGINT NOT NULL,"
    "    actor        TEXT COLLATE \"C\" NOT NULL,"
    "    account_id   TEXT COLLATE \"C\" NOT NULL,"
    "    action       TEXT COLLATE \"C\" NOT NULL,"
    "    target_type  TEXT COLLATE \"C\" NOT NULL,"
    "    target       TEXT COLLATE \"C\" NOT NULL,"
    "    app          TEXT COLLATE \"C\" NOT NULL,"
    "    success      BIGINT NOT NULL,"
    "    error        TEXT NOT NULL,"
    "    request_id   TEXT NOT NULL,"
    "    source       TEXT NOT NULL,"
    "    detail       TEXT NOT NULL);"
    "CREATE INDEX audit_events_at ON audit_events (at);"
    "CREATE INDEX audit_events_app ON audit_events (app);"
    "CREATE INDEX audit_events_actor ON audit_events (actor);"
    "CREATE INDEX audit_events_account ON audit_events (account_id);"

    "CREATE TABLE meta ("
    "    name         TEXT COLLATE \"C\" PRIMARY KEY,"
    "    value        TEXT NOT NULL);"

    /*
     * The change log.  A sequence would number rows when they are
     * inserted, but transactions commit in another order: a follower
     * that read seq > 10 before 11 committed and after 12 did would skip
     * 11.  So a row gets its seq at its transaction's commit instead: a
     * deferred trigger (it fires at COMMIT, in insertion order) takes the
     * next number from the one-row table change_counter, whose row lock
     * it then holds until the commit ends.  The next committer waits for
     * that lock, so seq follows commit order, with no gap (a rolled-back
     * transaction or savepoint takes no number).  Before its commit a row
     * has seq NULL, which no reader sees (it is uncommitted).  The
     * commit also notifies the channel tollgate_changes (once however
     * many rows), which wakes the other nodes' projectors.
     */
    "CREATE TABLE changes ("
    "    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "    seq          BIGINT UNIQUE,"
    "    at           BIGINT NOT NULL,"
    "    entity       TEXT COLLATE \"C\" NOT NULL,"
    "    entity_id    TEXT COLLATE \"C\" NOT NULL,"
    "    app          TEXT COLLATE \"C\" NOT NULL,"
    "    op           TEXT COLLATE \"C\" NOT NULL);"
    "CREATE TABLE change_counter ("
    "    one          BIGINT PRIMARY KEY CHECK (one = 1),"
    "    seq          BIGINT NOT NULL);"
    "INSERT INTO change_counter (one, seq) VALUES (1, 0);"
    "CREATE FUNCTION tg_change_seal() RETURNS trigger LANGUAGE plpgsql AS $$"
    "DECLARE next_seq BIGINT;"
    "BEGIN"
    "    UPDATE change_counter SET seq = seq + 1 WHERE one = 1"
    "        RETURNING seq INTO next_seq;"
    "    UPDATE changes SET seq = next_seq WHERE id = NEW.id;"
    "    PERFORM pg_notify('tollgate_changes', '');"
    "    RETURN NULL;"
    "END $$;"
    "CREATE CONSTRAINT TRIGGER changes_seal AFTER INSERT ON changes"
    "    DEFERRABLE INITIALLY DEFERRED"
    "    FOR EACH ROW EXECUTE FUNCTION tg_change_seal();",

    /* 2: access-key secrets sealed, for HMAC signature checks (Alibaba);
     * NULL for keys made before, until they are next used. */
    "ALTER TABLE access_keys ADD COLUMN secret_sealed TEXT;",

    /* 3: the canonical name of each event's action (authz.h). */
    "ALTER TABLE audit_events"
    "    ADD COLUMN canonical_action TEXT COLLATE \"C\" NOT NULL DEFAULT '';",

    /* 4: access-control policies. */
    "CREATE TABLE policies ("
    "    account_id   TEXT COLLATE \"C\" NOT NULL REFERENCES accounts (id)"
    "                 ON DELETE CASCADE,"
    "    name         TEXT COLLATE \"C\" NOT NULL,"
    "    description  TEXT NOT NULL,"
    "    document     TEXT NOT NULL,"
    "    created_at   BIGINT NOT NULL,"
    "    updated_at   BIGINT NOT NULL,"
    "    PRIMARY KEY (account_id, name));"
    "CREATE TABLE access_key_policies ("
    "    key_id       TEXT COLLATE \"C\" NOT NULL REFERENCES access_keys (id)"
    "                 ON DELETE CASCADE,"
    "    name         TEXT COLLATE \"C\" NOT NULL,"
    "    document     TEXT,"
    "    created_at   BIGINT NOT NULL,"
    "    PRIMARY KEY (key_id, name));",

    /* 5: each account's credential policy, and when each key pair's
     * secret was set. */
    "ALTER TABLE accounts ADD COLUMN reveal_once BIGINT NOT NULL DEFAULT 0;"
    "ALTER TABLE accounts"
    "    ADD COLUMN max_secret_age BIGINT NOT NULL DEFAULT 0;"
    "ALTER TABLE accounts ADD COLUMN min_grace BIGINT NOT NULL DEFAULT 0;"
    "ALTER TABLE accounts ADD COLUMN max_grace BIGINT NOT NULL DEFAULT 0;"
    "ALTER TABLE accounts"
    "    ADD COLUMN secret_min_length BIGINT NOT NULL DEFAULT 0;"
    "ALTER TABLE accounts"
    "    ADD COLUMN secret_classes BIGINT NOT NULL DEFAULT 0;"
    "ALTER TABLE key_pairs ADD COLUMN secret_at BIGINT NOT NULL DEFAULT 0;"
    "UPDATE key_pairs SET secret_at = updated_at;",

    /* 6: the limits that several nodes share (store_limits.c), and the
     * database's clock in Unix ms, which their token buckets read so
     * that every node's refill counts the same time. */
    "CREATE TABLE limit_nonces ("
    "    digest       TEXT COLLATE \"C\" PRIMARY KEY,"
    "    expires_at   BIGINT NOT NULL);"
    "CREATE INDEX limit_nonces_expiry ON limit_nonces (expires_at);"
    "CREATE TABLE limit_buckets ("
    "    account_id   TEXT COLLATE \"C\" NOT NULL,"
    "    action       TEXT COLLATE \"C\" NOT NULL,"
    "    tokens       DOUBLE PRECISION NOT NULL,"
    "    at           BIGINT NOT NULL,"
    "    full_at      BIGINT NOT NULL,"
    "    PRIMARY KEY (account_id, action));"
    "CREATE INDEX limit_buckets_full ON limit_buckets (full_at);"
    "CREATE FUNCTION tg_clock_ms() RETURNS BIGINT LANGUAGE sql STABLE AS"
    "    'SELECT (EXTRACT(EPOCH FROM statement_timestamp()) * 1000)::BIGINT';",

    /* 7: each account's app count, the indexes that list apps in order,
     * and each tag row's account and creation time (as SQLite's). */
    "ALTER TABLE accounts ADD COLUMN app_count BIGINT NOT NULL DEFAULT 0;"
    "UPDATE accounts SET app_count ="
    "    (SELECT COUNT(*) FROM apps WHERE apps.account_id = accounts.id);"
    "CREATE INDEX apps_created ON apps (created_at, id);"
    "CREATE INDEX apps_updated ON apps (updated_at, id);"
    "CREATE INDEX apps_account_created ON apps (account_id, created_at, id);"
    "CREATE INDEX apps_account_updated ON apps (account_id, updated_at, id);"
    "CREATE INDEX apps_name ON apps (name);"
    "ALTER TABLE app_tags"
    "    ADD COLUMN account_id TEXT COLLATE \"C\" NOT NULL DEFAULT '';"
    "ALTER TABLE app_tags ADD COLUMN created_at BIGINT NOT NULL DEFAULT 0;"
    "UPDATE app_tags SET account_id = apps.account_id,"
    "    created_at = apps.created_at FROM apps WHERE apps.id = app_tags.app;"
    "DROP INDEX app_tags_kv;"
    "CREATE INDEX app_tags_kv ON app_tags (k, v, created_at, app);"
    "CREATE INDEX app_tags_account ON app_tags"
    "    (account_id, k, v, created_at, app);",
};

/* clang-format on */


const tg_db_driver_t tg_db_postgres = {
    "postgres",
    tg_pg_open,
    tg_pg_close,
    tg_pg_acquire,
    tg_pg_release,
    tg_pg_reset,
    tg_pg_begin,
    tg_pg_commit,
    tg_pg_rollback,
    tg_pg_exec,
    tg_pg_prepare,
    tg_pg_bind_text,
    tg_pg_bind_int,
    tg_pg_bind_null,
    tg_pg_step,
    tg_pg_column_int,
    tg_pg_column_text,
    tg_pg_changes,
    tg_pg_finish,
    tg_pg_migrations,
    sizeof(tg_pg_migrations) / sizeof(tg_pg_migrations[0]),
    /* A lock of the transaction, on a key of Tollgate's own. */
    "SELECT pg_advisory_xact_lock(7415926535)",
    tg_pg_wait_changes,
    tg_pg_limits_acquire,
    tg_pg_limits_release,
};
