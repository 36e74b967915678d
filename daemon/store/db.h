/*
 * The database driver interface beneath the store.
 *
 * The store (store.c) holds every query, written once in portable SQL
 * with $1, $2... placeholders.  A driver only moves those queries and
 * their values to one engine: SQLite (db_sqlite.c) or PostgreSQL
 * (db_postgres.c).
 * Nothing in this interface names an engine's own types.
 *
 * A driver keeps a pool of connections; a thread acquires one, runs one
 * transaction on it and releases it.  Statements are prepared on a
 * connection and are valid until released to it.  Text returned by
 * column_text() is valid until the next step() or release of its
 * statement.
 *
 * Errors: TG_ENOMEM, TG_ECONFLICT for a uniqueness or foreign-key
 * violation, TG_EBUSY when the engine gave up waiting for a lock, and
 * TG_ESTORE for anything else.
 */

#ifndef TOLLGATE_DB_H
#define TOLLGATE_DB_H

#include <stdint.h>

#include "tollgate/str.h"


typedef struct tg_db_s      tg_db_t;
typedef struct tg_db_conn_s tg_db_conn_t;
typedef struct tg_db_stmt_s tg_db_stmt_t;

enum {
    TG_DB_DONE = 0,
    TG_DB_ROW = 1
};

typedef struct {
    const char *path;        /* the database's location */
    unsigned    connections; /* pool size, at least 1 */
    int         sync_full;   /* fsync every commit (else at checkpoints) */
    unsigned    busy_ms;     /* how long to wait for a lock */
    unsigned    cache_kb;    /* each connection's page cache (SQLite); 0:
                                the driver's default */
} tg_db_options_t;

typedef struct {
    const char *name;

    /* Opens the database and its pool.  Returns 0 or an error. */
    int (*open)(const tg_db_options_t *options, tg_db_t **db);

    /* Closes every connection.  All must have been released. */
    void (*close)(tg_db_t *db);

    /* Waits for a free connection.  Returns 0 or an error. */
    int (*acquire)(tg_db_t *db, tg_db_conn_t **conn);

    /* Returns a connection to the pool; its statements are released. */
    void (*release)(tg_db_t *db, tg_db_conn_t *conn);

    /* Ends every statement's use on a connection kept across several
     * operations (group commit), as release() does. */
    void (*reset)(tg_db_conn_t *conn);

    /* Transactions.  A write transaction takes the write lock at once. */
    int (*begin)(tg_db_conn_t *conn, int write);
    int (*commit)(tg_db_conn_t *conn);
    void (*rollback)(tg_db_conn_t *conn);

    /* Runs statements without parameters (schema changes). */
    int (*exec)(tg_db_conn_t *conn, const char *sql);

    /* Prepares a statement.  With cache, sql must stay valid for the
     * connection's life (the store passes string literals, which drivers
     * keep prepared, keyed by address); without it, sql may be built for
     * this one use and the statement is freed by finish(). */
    int (*prepare)(tg_db_conn_t *conn, const char *sql, int cache,
                   tg_db_stmt_t **stmt);
    int (*bind_text)(tg_db_stmt_t *stmt, int index, tg_str_t value);
    int (*bind_int)(tg_db_stmt_t *stmt, int index, int64_t value);
    int (*bind_null)(tg_db_stmt_t *stmt, int index);

    /* Returns TG_DB_ROW, TG_DB_DONE or an error. */
    int (*step)(tg_db_stmt_t *stmt);

    int64_t (*column_int)(tg_db_stmt_t *stmt, int column);
    tg_str_t (*column_text)(tg_db_stmt_t *stmt, int column); /* NULL ptr for
                                                                SQL NULL */
    /* Rows changed by the last step of a write statement. */
    int64_t (*changes)(tg_db_stmt_t *stmt);

    /* Ends the statement's use: a cached one is kept for reuse. */
    void (*finish)(tg_db_stmt_t *stmt);

    /* The schema, one script per version from 1. */
    const char *const *migrations;
    unsigned           nmigrations;

    /* Run first in each migration's write transaction, so that stores
     * opening one database at once (several nodes) migrate it one at a
     * time; NULL when a write transaction excludes the others already. */
    const char *schema_lock;

    /* Optional (NULL: the engine cannot tell): waits at most timeout_ms
     * for a commit that appended changes, by any connection to the
     * database (another node's too).  Returns 1 when one came (or may
     * have: after a reconnection), 0 at the timeout, or an error.  One
     * thread at a time calls it; it uses no connection of the pool. */
    int (*wait_changes)(tg_db_t *db, unsigned timeout_ms);

    /* Optional (NULL: the engine serves one node, whose limits stay in
     * its memory): a connection of a pool of its own, apart from the
     * pool above and the group commit, for the limits that several nodes
     * share (store_limits.c).  A statement on it is its own transaction
     * (no begin()), and its commit does not wait for the disk.  Returns
     * 0 or an error; limits_release() gives the connection back. */
    int (*limits_acquire)(tg_db_t *db, tg_db_conn_t **conn);
    void (*limits_release)(tg_db_t *db, tg_db_conn_t *conn);
} tg_db_driver_t;


extern const tg_db_driver_t tg_db_sqlite;
extern const tg_db_driver_t tg_db_postgres;

#endif /* TOLLGATE_DB_H */
