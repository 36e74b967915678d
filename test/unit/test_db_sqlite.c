/*
 * Tests of the SQLite driver's checkpoints (daemon/store/db_sqlite.c):
 * commits never checkpoint, the driver's thread does.
 *
 * - The pool's connections have no automatic checkpoint.
 * - Past TG_SQLITE_CKPT_PAGES pages in the WAL, the pages reach the
 *   database file while the pool stays open and nobody writes.
 * - A clean close checkpoints the WAL and removes it.
 * - A writer that finds the lock taken waits busy_ms, then gets TG_EBUSY;
 *   one freed meanwhile is taken within a few milliseconds (polled, not
 *   slept on with SQLite's 1, 2, 5, 10 ... 100 ms steps).
 */

#include <pthread.h>

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "store/db.h"

#include "fixture.h"
#include "unit.h"


static off_t
file_size(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 ? st.st_size : -1;
}


static void
sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}


/* PRAGMA wal_autocheckpoint on a pool connection. */
static int64_t
autocheckpoint(tg_db_t *db)
{
    tg_db_conn_t *conn;
    tg_db_stmt_t *st;
    int64_t       pages;

    assert_int_equal(tg_db_sqlite.acquire(db, &conn), TG_OK);
    assert_int_equal(
        tg_db_sqlite.prepare(conn, "PRAGMA wal_autocheckpoint", 0, &st), TG_OK);
    assert_int_equal(tg_db_sqlite.step(st), TG_DB_ROW);
    pages = tg_db_sqlite.column_int(st, 0);
    tg_db_sqlite.finish(st);
    tg_db_sqlite.release(db, conn);
    return pages;
}


/* Commits n rows of about 4 KiB each, one per transaction. */
static void
write_rows(tg_db_t *db, int n)
{
    tg_db_conn_t *conn;
    int           i;

    assert_int_equal(tg_db_sqlite.acquire(db, &conn), TG_OK);
    assert_int_equal(tg_db_sqlite.exec(conn, "CREATE TABLE IF NOT EXISTS t "
                                             "(x BLOB)"),
                     TG_OK);
    for (i = 0; i < n; i++) {
        assert_int_equal(tg_db_sqlite.begin(conn, 1), TG_OK);
        assert_int_equal(tg_db_sqlite.exec(conn, "INSERT INTO t VALUES "
                                                 "(randomblob(4000))"),
                         TG_OK);
        assert_int_equal(tg_db_sqlite.commit(conn), TG_OK);
    }
    tg_db_sqlite.release(db, conn);
}


static void
test_checkpointer(void **state)
{
    char            dir[256], path[300], wal[310];
    tg_db_options_t o = { 0 };
    tg_db_t        *db;
    off_t           before, after = 0;
    int             i;

    (void) state;
    assert_int_equal(tg_fixture_mkdir(dir, "db_sqlite"), 0);
    snprintf(path, sizeof(path), "%s/t.db", dir);
    snprintf(wal, sizeof(wal), "%s-wal", path);

    o.path = path;
    o.connections = 2;
    o.busy_ms = 5000;
    assert_int_equal(tg_db_sqlite.open(&o, &db), TG_OK);

    assert_int_equal(autocheckpoint(db), 0);
    write_rows(db, 10);
    before = file_size(path);

    /* 1,500 rows: over 1,500 pages, one checkpoint's worth at least */
    write_rows(db, 1500);
    for (i = 0; i < 500; i++) {
        after = file_size(path);
        if (after >= before + 1000 * 4096) {
            break;
        }
        sleep_ms(10);
    }
    assert_true(after >= before + 1000 * 4096);
    assert_true(file_size(wal) > 0); /* still in WAL mode, still open */

    tg_db_sqlite.close(db);
    assert_int_equal(file_size(wal), -1);
    assert_true(file_size(path) >= before + 1500 * 4000);

    tg_fixture_rmtree(dir);
}


static int64_t
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


/* Ends the write transaction of the connection given after 40 ms. */
static void *
commit_later(void *arg)
{
    sleep_ms(40);
    assert_int_equal(tg_db_sqlite.commit(arg), TG_OK);
    return NULL;
}


static void
test_busy_wait(void **state)
{
    char            dir[256], path[300];
    tg_db_options_t o = { 0 };
    tg_db_t        *holder, *waiter;
    tg_db_conn_t   *held, *conn;
    pthread_t       th;
    int64_t         t;

    (void) state;
    assert_int_equal(tg_fixture_mkdir(dir, "db_sqlite_busy"), 0);
    snprintf(path, sizeof(path), "%s/t.db", dir);
    o.path = path;
    o.connections = 1;
    o.busy_ms = 5000;
    assert_int_equal(tg_db_sqlite.open(&o, &holder), TG_OK);
    o.busy_ms = 150;
    assert_int_equal(tg_db_sqlite.open(&o, &waiter), TG_OK);
    write_rows(holder, 1);

    assert_int_equal(tg_db_sqlite.acquire(holder, &held), TG_OK);
    assert_int_equal(tg_db_sqlite.acquire(waiter, &conn), TG_OK);

    /* held to the end: busy_ms, then TG_EBUSY */
    assert_int_equal(tg_db_sqlite.begin(held, 1), TG_OK);
    t = now_ms();
    assert_int_equal(tg_db_sqlite.begin(conn, 1), TG_EBUSY);
    t = now_ms() - t;
    assert_true(t >= 150 && t < 1000);
    assert_int_equal(tg_db_sqlite.commit(held), TG_OK);

    /* freed after 40 ms: taken then, not at SQLite's next step (53 ms) */
    assert_int_equal(tg_db_sqlite.begin(held, 1), TG_OK);
    assert_int_equal(pthread_create(&th, NULL, commit_later, held), 0);
    t = now_ms();
    assert_int_equal(tg_db_sqlite.begin(conn, 1), TG_OK);
    t = now_ms() - t;
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_true(t >= 35 && t < 52);
    assert_int_equal(tg_db_sqlite.commit(conn), TG_OK);

    tg_db_sqlite.release(waiter, conn);
    tg_db_sqlite.release(holder, held);
    tg_db_sqlite.close(waiter);
    tg_db_sqlite.close(holder);
    tg_fixture_rmtree(dir);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_checkpointer),
        cmocka_unit_test(test_busy_wait),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
