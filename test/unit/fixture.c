/*
 * The shared fixture of the unit tests that run the core service; see
 * fixture.h.
 */

#define _XOPEN_SOURCE 700

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "fixture.h"
#include "unit.h"


/* The keyring's one master key, which also keys the store's indexes. */
static const uint8_t tg_fixture_master[TG_SEAL_KEY_LEN] = { 4, 5, 6 };

const tg_fixture_spec_t tg_fixture_default = {
    .name = "service",
    .key_id = TG_FIXTURE_KEY_ID,
    .key_secret = TG_FIXTURE_KEY_SECRET,
    .limits = { .max_apps = 10,
                .max_key_pairs = 5,
                .max_codes = 5,
                .app_write_burst = 1,
                .signed_nonces = TG_FIXTURE_NONCES },
};


int
tg_fixture_mkdir(char *dir, const char *name)
{
    int n;

    n = snprintf(dir, TG_FIXTURE_DIR_LEN, "/tmp/tollgate-test-%s-XXXXXX", name);
    if (n < 0 || n >= TG_FIXTURE_DIR_LEN) {
        return -1;
    }
    return mkdtemp(dir) != NULL ? 0 : -1;
}


static int
tg_fixture_remove_one(const char *path, const struct stat *st, int flag,
                      struct FTW *ftw)
{
    (void) st;
    (void) flag;
    (void) ftw;
    return remove(path);
}


void
tg_fixture_rmtree(const char *dir)
{
    nftw(dir, tg_fixture_remove_one, 8, FTW_DEPTH | FTW_PHYS);
}


int
tg_fixture_pg(void)
{
    const char *conninfo = getenv("TOLLGATE_TEST_PG");

    return conninfo != NULL && conninfo[0] != '\0';
}


int
tg_fixture_open_node(const char *path, unsigned connections, tg_store_t **store)
{
    tg_db_options_t o;

    memset(&o, 0, sizeof(o));
    o.path = path;
    o.connections = connections;
    o.busy_ms = 10000;
    return tg_store_open(tg_fixture_pg() ? &tg_db_postgres : &tg_db_sqlite, &o,
                         store);
}


const tg_db_driver_t *
tg_fixture_db(const char *dir, char *path)
{
    static unsigned schemas;
    const char     *conninfo = getenv("TOLLGATE_TEST_PG");
    char            schema[48], sql[96];
    PGconn         *conn;
    PGresult       *res;
    int             ok;

    if (!tg_fixture_pg()) {
        snprintf(path, TG_FIXTURE_PATH_LEN, "%s/tollgate.db", dir);
        return &tg_db_sqlite;
    }

    /* Unique in the cluster: tests run one process at a time, and each
     * process counts its schemas. */
    snprintf(schema, sizeof(schema), "t_%ld_%u", (long) getpid(), ++schemas);
    snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", schema);

    conn = PQconnectdb(conninfo);
    res = PQexec(conn, sql);
    ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok) {
        fprintf(stderr, "fixture: %s", PQerrorMessage(conn));
    }
    PQclear(res);
    PQfinish(conn);

    if (!ok
        || snprintf(path, TG_FIXTURE_PATH_LEN, "%s options='-csearch_path=%s'",
                    conninfo, schema)
               >= TG_FIXTURE_PATH_LEN)
    {
        return NULL;
    }
    return &tg_db_postgres;
}


int64_t
tg_fixture_sql(const tg_db_driver_t *driver, const char *path, const char *sql)
{
    sqlite3_stmt *st;
    sqlite3      *db;
    PGconn       *conn;
    PGresult     *res;
    int64_t       n = 0;

    if (driver == &tg_db_postgres) {
        conn = PQconnectdb(path);
        assert_int_equal(PQstatus(conn), CONNECTION_OK);
        res = PQexec(conn, sql);
        if (PQresultStatus(res) != PGRES_TUPLES_OK
            && PQresultStatus(res) != PGRES_COMMAND_OK)
        {
            fail_msg("%s: %s", sql, PQerrorMessage(conn));
        }
        if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0) {
            n = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        }
        PQclear(res);
        PQfinish(conn);
        return n;
    }

    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW) {
        n = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}


int
tg_fixture_open(tg_fixture_t *f, const tg_fixture_spec_t *spec)
{
    const tg_db_driver_t *driver;
    tg_db_options_t       o;
    tg_error_t            err;
    int                   created;

    memset(f, 0, sizeof(*f));
    if (tg_fixture_mkdir(f->dir, spec->name) != 0) {
        return -1;
    }
    driver = tg_fixture_db(f->dir, f->path);
    memset(&o, 0, sizeof(o));
    o.path = f->path;
    o.connections = 2;
    o.busy_ms = 1000;

    memset(&err, 0, sizeof(err));
    if (driver == NULL || tg_store_open(driver, &o, &f->store) != TG_OK
        || tg_keyring_create(&f->keyring) != TG_OK
        || tg_keyring_add(f->keyring, TG_STR("k1"), tg_fixture_master) != TG_OK)
    {
        goto failed;
    }
    tg_keyring_set_index_key(f->keyring, tg_fixture_master);

    if (tg_service_create(f->store, f->keyring, &spec->limits, &f->svc) != TG_OK
        || tg_service_bootstrap(f->svc, tg_str_c(spec->key_id),
                                tg_str_c(spec->key_secret), &created, &err)
               != TG_OK
        || tg_service_authenticate(f->svc, tg_str_c(spec->key_id),
                                   tg_str_c(spec->key_secret), &f->admin, &err)
               != TG_OK)
    {
        goto failed;
    }
    return 0;

failed:
    tg_fixture_close(f);
    return -1;
}


void
tg_fixture_close(tg_fixture_t *f)
{
    if (f->svc != NULL) {
        tg_service_destroy(f->svc);
    }
    tg_store_close(f->store);
    if (f->keyring != NULL) {
        tg_keyring_destroy(f->keyring);
    }
    if (f->dir[0] != '\0') {
        tg_fixture_rmtree(f->dir);
    }
    memset(f, 0, sizeof(*f));
}


void *
tg_fixture_alloc(size_t size, const tg_fixture_spec_t *spec)
{
    void *f;

    if (size < sizeof(tg_fixture_t)) {
        return NULL;
    }
    f = calloc(1, size);
    if (f == NULL) {
        return NULL;
    }
    if (tg_fixture_open(f, spec) != 0) {
        free(f);
        return NULL;
    }
    return f;
}


void
tg_fixture_free(void *f)
{
    if (f != NULL) {
        tg_fixture_close(f);
        free(f);
    }
}


int
tg_fixture_setup(void **state)
{
    *state = tg_fixture_alloc(sizeof(tg_fixture_t), &tg_fixture_default);
    return *state != NULL ? 0 : -1;
}


int
tg_fixture_teardown(void **state)
{
    tg_fixture_free(*state);
    return 0;
}
