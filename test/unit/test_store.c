/*
 * Tests of the daemon's store (daemon/store/) over its SQLite driver, on
 * a database file in a fresh temporary directory per test, or over its
 * PostgreSQL driver, in a fresh schema per test, when TOLLGATE_TEST_PG
 * is set (scripts/pg-test.sh; tg_fixture_db()): migrations,
 * each record type's insert, read, update and delete, the not-found and
 * conflict codes, list filters and order, the app delete's cascade, the
 * AppKey grace rule, the audit trail, the change log, and that a rolled
 * back transaction leaves nothing behind.
 *
 * Where a test must see what is on disk rather than what the store says,
 * it asks the database directly on a connection of its own.
 */

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"
#include "store/store.h"

#include "fixture.h"
#include "unit.h"


/* Ids of 32 lowercase hex characters: 4 for the kind, zeros, a digit. */
#define ID(kind, n) kind "000000000000000000000000000" #n

#define ACC_A  ID("acca", 1)
#define ACC_B  ID("accb", 2)
#define APP_1  ID("a0a0", 1)
#define APP_2  ID("a0a0", 2)
#define APP_3  ID("a0a0", 3)
#define APP_4  ID("a0a0", 4)
#define KP_1   ID("b0b0", 1)
#define KP_2   ID("b0b0", 2)
#define KP_3   ID("b0b0", 3)
#define CODE_1 ID("c0de", 1)
#define CODE_2 ID("c0de", 2)
#define CODE_3 ID("c0de", 3)
#define API_1  ID("d0d0", 1)
#define API_2  ID("d0d0", 2)
#define API_3  ID("d0d0", 3)
#define GR_1   ID("e0e0", 1)
#define GR_2   ID("e0e0", 2)
#define GR_3   ID("e0e0", 3)
#define GR_4   ID("e0e0", 4)

/* 64-character hashes: a character and zeros. */
#define HASH(c) \
    c "000000000000000000000000000000000000000000000000000000000000000"

typedef struct {
    char                  dir[TG_FIXTURE_DIR_LEN];
    char                  path[TG_FIXTURE_PATH_LEN];
    const tg_db_driver_t *driver;
    tg_store_t           *store;
} fixture_t;


static tg_db_options_t
options(const fixture_t *f)
{
    tg_db_options_t o;

    memset(&o, 0, sizeof(o));
    o.path = f->path;
    o.connections = 2;
    o.sync_full = 0;
    o.busy_ms = 100;
    return o;
}


static int
setup(void **state)
{
    fixture_t      *f;
    tg_db_options_t o;

    f = calloc(1, sizeof(*f));
    if (f == NULL) {
        return -1;
    }

    if (tg_fixture_mkdir(f->dir, "store") != 0) {
        free(f);
        return -1;
    }
    f->driver = tg_fixture_db(f->dir, f->path);

    o = options(f);
    *state = f;
    return f->driver != NULL && tg_store_open(f->driver, &o, &f->store) == TG_OK
               ? 0
               : -1;
}


/* Closes the store and removes the directory and everything in it. */
static int
teardown(void **state)
{
    fixture_t *f = *state;

    tg_store_close(f->store);
    tg_fixture_rmtree(f->dir);
    free(f);
    return 0;
}


static tg_txn_t
begin(fixture_t *f)
{
    tg_txn_t t;

    assert_rc(tg_txn_begin(f->store, 1, &t), TG_OK);
    return t;
}


static void
commit(tg_txn_t *t)
{
    assert_rc(tg_txn_commit(t), TG_OK);
}


/* The first column of the first row of sql, read by the database
 * directly. */
static int64_t
sql_int(const fixture_t *f, const char *sql)
{
    return tg_fixture_sql(f->driver, f->path, sql);
}


static void
sql_exec(const fixture_t *f, const char *sql)
{
    (void) tg_fixture_sql(f->driver, f->path, sql);
}


/*
 * The last seq a write transaction sees after it appended n changes, when
 * committed ones end at last: SQLite numbers them as they are appended
 * (writers are serialized); PostgreSQL at the commit, in commit order
 * (db_postgres.c), so that before it they have no seq.
 */
static int64_t
seq_seen(const fixture_t *f, int64_t last, int64_t n)
{
    return f->driver == &tg_db_postgres ? last : last + n;
}


/* The last seq a new read transaction sees. */
static int64_t
seq_committed(fixture_t *f)
{
    tg_txn_t t;
    int64_t  seq = -1;

    assert_rc(tg_txn_begin(f->store, 0, &t), TG_OK);
    assert_rc(tg_store_change_last(&t, &seq), TG_OK);
    tg_txn_rollback(&t);
    return seq;
}


/* Records to insert.  Their strings are literals that the store only
 * reads, so they are never passed to a *_free(). */

static tg_account_t
account_rec(const char *id, const char *name, int64_t at)
{
    tg_account_t a;

    memset(&a, 0, sizeof(a));
    snprintf(a.id, sizeof(a.id), "%s", id);
    a.name = (char *) name;
    a.enabled = 1;
    a.created_at = at;
    a.updated_at = at;
    return a;
}


static tg_app_t
app_rec(const char *id, int64_t app_id, const char *account, const char *name,
        int64_t at)
{
    tg_app_t app;

    memset(&app, 0, sizeof(app));
    snprintf(app.id, sizeof(app.id), "%s", id);
    snprintf(app.account_id, sizeof(app.account_id), "%s", account);
    app.app_id = app_id;
    app.name = (char *) name;
    app.description = (char *) "";
    app.extend = (char *) "";
    app.enabled = 1;
    app.created_at = at;
    app.updated_at = at;
    return app;
}


/* A credential of either kind: a key pair has a key, an AppCode a hash. */
static tg_cred_t
cred_rec(const char *id, const char *app, const char *key, const char *hash,
         const char *sealed, int primary, int64_t at)
{
    tg_cred_t c;

    memset(&c, 0, sizeof(c));
    snprintf(c.id, sizeof(c.id), "%s", id);
    snprintf(c.app, sizeof(c.app), "%s", app);
    snprintf(c.hash, sizeof(c.hash), "%s", hash);
    c.key = (char *) key;
    c.sealed = (char *) sealed;
    c.primary = primary;
    c.created_at = at;
    c.updated_at = at;
    return c;
}


static tg_cred_t
key_pair_rec(const char *id, const char *app, const char *app_key, int primary,
             int64_t at)
{
    return cred_rec(id, app, app_key, "", "tg1.k1.c2VhbGVk", primary, at);
}


static tg_cred_t
code_rec(const char *id, const char *app, const char *hash, int64_t at)
{
    return cred_rec(id, app, NULL, hash, "tg1.k1.Y29kZQ==", 0, at);
}


static tg_api_t
api_rec(const char *id, const char *account, const char *name, int64_t at)
{
    tg_api_t api;

    memset(&api, 0, sizeof(api));
    snprintf(api.id, sizeof(api.id), "%s", id);
    snprintf(api.account_id, sizeof(api.account_id), "%s", account);
    api.name = (char *) name;
    api.description = (char *) "";
    api.created_at = at;
    api.updated_at = at;
    return api;
}


static tg_grant_t
grant_rec(const char *id, const char *app, const char *api, const char *stage,
          int64_t at)
{
    tg_grant_t g;

    memset(&g, 0, sizeof(g));
    snprintf(g.id, sizeof(g.id), "%s", id);
    snprintf(g.app, sizeof(g.app), "%s", app);
    snprintf(g.api, sizeof(g.api), "%s", api);
    snprintf(g.stage, sizeof(g.stage), "%s", stage);
    g.created_at = at;
    g.updated_at = at;
    return g;
}


static void
insert_account(tg_txn_t *t, const char *id, const char *name, int64_t at)
{
    tg_account_t a = account_rec(id, name, at);

    assert_rc(tg_store_account_insert(t, &a), TG_OK);
}


static void
insert_app(tg_txn_t *t, const char *id, int64_t app_id, const char *account,
           const char *name, int64_t at)
{
    tg_app_t app = app_rec(id, app_id, account, name, at);

    assert_rc(tg_store_app_insert(t, &app), TG_OK);
}


static void
insert_cred(tg_txn_t *t, tg_cred_kind_t kind, tg_cred_t c)
{
    assert_rc(tg_store_cred_insert(t, kind, &c), TG_OK);
}


static void
insert_api(tg_txn_t *t, const char *id, const char *account, const char *name,
           int64_t at)
{
    tg_api_t api = api_rec(id, account, name, at);

    assert_rc(tg_store_api_insert(t, &api), TG_OK);
}


static void
insert_grant(tg_txn_t *t, const char *id, const char *app, const char *api,
             const char *stage, int64_t at)
{
    tg_grant_t g = grant_rec(id, app, api, stage, at);

    assert_rc(tg_store_grant_insert(t, &g), TG_OK);
}


/* Two accounts: "acme" (A) and "globex" (B). */
/* Deletes credential id of kind: then it reads as not_found, and a
 * second delete is not_found too. */
static void
assert_cred_deletes(tg_txn_t *t, tg_cred_kind_t kind, const char *id,
                    int not_found)
{
    tg_cred_t c;

    assert_rc(tg_store_cred_delete(t, kind, tg_str_c(id)), TG_OK);
    assert_rc(tg_store_cred_get(t, kind, tg_str_c(id), &c), not_found);
    assert_rc(tg_store_cred_delete(t, kind, tg_str_c(id)), not_found);
}


static void
seed_accounts(fixture_t *f)
{
    tg_txn_t t = begin(f);

    insert_account(&t, ACC_A, "acme", 100);
    insert_account(&t, ACC_B, "globex", 200);
    commit(&t);
}


/*
 * Seeds the accounts and begins a transaction with napps apps of ACC_A
 * made at 1000: APP_1 "alpha", and with two, APP_2 "beta".
 */
static tg_txn_t
begin_with_apps(fixture_t *f, int napps)
{
    tg_txn_t t;

    seed_accounts(f);
    t = begin(f);
    insert_app(&t, APP_1, 10000000000001, ACC_A, "alpha", 1000);
    if (napps > 1) {
        insert_app(&t, APP_2, 10000000000002, ACC_A, "beta", 1000);
    }
    return t;
}


/* ---- schema ---- */


/* The migrations each driver holds: the same versions. */
#define SCHEMA_VERSION 7


/* The tables of the schema, as both drivers name them. */
#define SCHEMA_TABLES                                                    \
    "('accounts', 'access_keys', 'apps', 'app_tags', 'key_pairs', "      \
    "'app_codes', 'apis', 'grants', 'audit_events', 'meta', 'changes', " \
    "'policies', 'access_key_policies')"


static void
test_open_migrates(void **state)
{
    fixture_t *f = *state;

    assert_int_equal(tg_store_schema_version(f->store), SCHEMA_VERSION);
    assert_int_equal(sql_int(f, "SELECT COUNT(*) FROM schema_version"),
                     SCHEMA_VERSION);
    assert_int_equal(sql_int(f, "SELECT MAX(version) FROM schema_version"),
                     SCHEMA_VERSION);
    assert_int_equal(
        sql_int(f, f->driver == &tg_db_sqlite
                       ? "SELECT COUNT(*) FROM sqlite_master "
                         "WHERE type = 'table' AND name IN " SCHEMA_TABLES
                       : "SELECT COUNT(*) FROM information_schema.tables "
                         "WHERE table_schema = current_schema() "
                         "AND table_name IN " SCHEMA_TABLES),
        13);
    assert_string_equal(tg_db_sqlite.name, "sqlite");
    assert_string_equal(tg_db_postgres.name, "postgres");
    assert_int_equal(tg_db_sqlite.nmigrations, SCHEMA_VERSION);

    /* One migration list per driver, version for version. */
    assert_int_equal(tg_db_postgres.nmigrations, tg_db_sqlite.nmigrations);
}


/* Reopening finds the schema in place: no migration runs again, and the
 * data is still there. */
static void
test_reopen_does_not_migrate(void **state)
{
    fixture_t      *f = *state;
    tg_db_options_t o = options(f);
    tg_account_t    a;
    tg_txn_t        t;
    int             i;

    seed_accounts(f);

    for (i = 0; i < 2; i++) {
        tg_store_close(f->store);
        f->store = NULL;
        assert_rc(tg_store_open(f->driver, &o, &f->store), TG_OK);
        assert_int_equal(tg_store_schema_version(f->store), SCHEMA_VERSION);
    }

    assert_int_equal(sql_int(f, "SELECT COUNT(*) FROM schema_version"),
                     SCHEMA_VERSION);

    memset(&a, 0, sizeof(a));
    assert_rc(tg_txn_begin(f->store, 0, &t), TG_OK);
    assert_rc(tg_store_account_get(&t, TG_STR(ACC_A), &a), TG_OK);
    assert_string_equal(a.name, "acme");
    tg_account_free(&a);
    tg_txn_rollback(&t);
}


/* A database from a newer Tollgate (one version past SCHEMA_VERSION) is
 * refused, not downgraded. */
static void
test_open_newer_schema(void **state)
{
    fixture_t      *f = *state;
    tg_db_options_t o = options(f);
    tg_store_t     *store = (tg_store_t *) f;

    tg_store_close(f->store);
    f->store = NULL;
    sql_exec(f, "INSERT INTO schema_version (version) VALUES (8)");

    assert_rc(tg_store_open(f->driver, &o, &store), TG_ESTORE);
    assert_ptr_equal(store, (tg_store_t *) f);
}


static void
test_open_bad_path(void **state)
{
    fixture_t      *f = *state;
    tg_db_options_t o;
    tg_store_t     *store = NULL;

    memset(&o, 0, sizeof(o));
    o.path = f->driver == &tg_db_sqlite
                 ? "/nonexistent-tollgate-dir/sub/tollgate.db"
                 : "host=/nonexistent-tollgate-dir dbname=tollgate";
    o.connections = 1;

    assert_rc(tg_store_open(f->driver, &o, &store), TG_ESTORE);
    assert_null(store);
}


/* ---- accounts and access keys ---- */


static void
test_accounts(void **state)
{
    fixture_t   *f = *state;
    tg_account_t a, other, *items;
    size_t       n;
    int64_t      total;
    tg_txn_t     t;

    seed_accounts(f);
    t = begin(f);

    memset(&a, 0, sizeof(a));
    assert_rc(tg_store_account_get(&t, TG_STR(ACC_A), &a), TG_OK);
    assert_string_equal(a.id, ACC_A);
    assert_string_equal(a.name, "acme");
    assert_int_equal(a.enabled, 1);
    assert_i64_equal(a.app_quota, 0);
    assert_i64_equal(a.created_at, 100);
    tg_account_free(&a);

    assert_rc(tg_store_account_find(&t, TG_STR("globex"), &a), TG_OK);
    assert_string_equal(a.id, ACC_B);
    tg_account_free(&a);

    assert_rc(tg_store_account_find(&t, TG_STR("nobody"), &a),
              TG_EACCOUNT_NOT_FOUND);
    assert_null(a.name);
    assert_rc(tg_store_account_get(&t, TG_STR(ID("acc0", 9)), &a),
              TG_EACCOUNT_NOT_FOUND);
    assert_null(a.name);

    /* Ids and names are unique. */
    other = account_rec(ACC_A, "other", 300);
    assert_rc(tg_store_account_insert(&t, &other), TG_ECONFLICT);
    other = account_rec(ID("acc0", 9), "acme", 300);
    assert_rc(tg_store_account_insert(&t, &other), TG_ECONFLICT);

    /* Oldest first, a page at a time, with the total. */
    assert_rc(tg_store_account_list(&t, 1, 0, &items, &n, &total), TG_OK);
    assert_int_equal(n, 1);
    assert_i64_equal(total, 2);
    assert_string_equal(items[0].name, "acme");
    tg_store_account_list_free(items, n);

    assert_rc(tg_store_account_list(&t, 10, 1, &items, &n, &total), TG_OK);
    assert_int_equal(n, 1);
    assert_string_equal(items[0].name, "globex");
    tg_store_account_list_free(items, n);

    assert_rc(tg_store_account_list(&t, 10, 2, &items, &n, &total), TG_OK);
    assert_int_equal(n, 0);
    assert_i64_equal(total, 2);
    tg_store_account_list_free(items, n);

    commit(&t);
}


static void
test_account_update_delete(void **state)
{
    fixture_t   *f = *state;
    tg_account_t a;
    tg_txn_t     t;

    seed_accounts(f);
    t = begin(f);

    a = account_rec(ACC_B, "initech", 200);
    a.enabled = 0;
    a.app_quota = 7;
    a.updated_at = 300;
    assert_rc(tg_store_account_update(&t, &a), TG_OK);

    memset(&a, 0, sizeof(a));
    assert_rc(tg_store_account_get(&t, TG_STR(ACC_B), &a), TG_OK);
    assert_string_equal(a.name, "initech");
    assert_int_equal(a.enabled, 0);
    assert_i64_equal(a.app_quota, 7);
    assert_i64_equal(a.created_at, 200);
    assert_i64_equal(a.updated_at, 300);
    tg_account_free(&a);

    a = account_rec(ACC_B, "acme", 200);
    assert_rc(tg_store_account_update(&t, &a), TG_ECONFLICT);
    a = account_rec(ID("acc0", 9), "x", 200);
    assert_rc(tg_store_account_update(&t, &a), TG_EACCOUNT_NOT_FOUND);

    assert_rc(tg_store_account_delete(&t, TG_STR(ACC_B)), TG_OK);
    assert_rc(tg_store_account_get(&t, TG_STR(ACC_B), &a),
              TG_EACCOUNT_NOT_FOUND);
    assert_rc(tg_store_account_delete(&t, TG_STR(ACC_B)),
              TG_EACCOUNT_NOT_FOUND);

    commit(&t);
}


static void
test_account_usage(void **state)
{
    fixture_t      *f = *state;
    tg_access_key_t k;
    int64_t         apps, apis, keys;
    tg_txn_t        t;

    seed_accounts(f);
    t = begin(f);

    insert_app(&t, APP_1, 10000000000001, ACC_A, "alpha", 1000);
    insert_app(&t, APP_2, 10000000000002, ACC_A, "beta", 2000);
    insert_app(&t, APP_4, 10000000000004, ACC_B, "delta", 4000);
    insert_api(&t, API_1, ACC_A, "payments", 1000);

    memset(&k, 0, sizeof(k));
    snprintf(k.id, sizeof(k.id), "TGkey1");
    snprintf(k.account_id, sizeof(k.account_id), ACC_A);
    k.description = (char *) "";
    assert_rc(tg_store_access_key_insert(&t, &k), TG_OK);

    assert_rc(tg_store_account_usage(&t, TG_STR(ACC_A), &apps, &apis, &keys),
              TG_OK);
    assert_i64_equal(apps, 2);
    assert_i64_equal(apis, 1);
    assert_i64_equal(keys, 1);

    assert_rc(tg_store_account_usage(&t, TG_STR(ACC_B), &apps, &apis, &keys),
              TG_OK);
    assert_i64_equal(apps, 1);
    assert_i64_equal(apis, 0);
    assert_i64_equal(keys, 0);

    commit(&t);
}


static tg_access_key_t
access_key_rec(const char *id, const char *account, int admin, int64_t at)
{
    tg_access_key_t k;

    memset(&k, 0, sizeof(k));
    snprintf(k.id, sizeof(k.id), "%s", id);
    snprintf(k.account_id, sizeof(k.account_id), "%s", account);
    snprintf(k.secret_hash, sizeof(k.secret_hash), "%s", HASH("a"));
    k.admin = admin;
    k.enabled = 1;
    k.description = (char *) "ci";
    k.created_at = at;
    k.updated_at = at;
    return k;
}


static void
test_access_keys(void **state)
{
    /* The longest id allowed: 64 characters. */
    static const char long_id[] =
        "TG_long.key-id_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLM";
    fixture_t      *f = *state;
    tg_access_key_t k, *items;
    size_t          n;
    tg_txn_t        t;

    assert_int_equal(strlen(long_id), TG_KEY_ID_MAX);

    seed_accounts(f);
    t = begin(f);

    k = access_key_rec(long_id, ACC_A, 1, 1000);
    assert_rc(tg_store_access_key_insert(&t, &k), TG_OK);
    k = access_key_rec("TGkey2", ACC_A, 0, 2000);
    assert_rc(tg_store_access_key_insert(&t, &k), TG_OK);
    k = access_key_rec("TGkey3", ACC_B, 1, 3000);
    assert_rc(tg_store_access_key_insert(&t, &k), TG_OK);

    k = access_key_rec("TGkey2", ACC_B, 0, 4000);
    assert_rc(tg_store_access_key_insert(&t, &k), TG_ECONFLICT);

    memset(&k, 0, sizeof(k));
    assert_rc(tg_store_access_key_get(&t, tg_str_c(long_id), &k), TG_OK);
    assert_string_equal(k.id, long_id);
    assert_string_equal(k.account_id, ACC_A);
    assert_string_equal(k.secret_hash, HASH("a"));
    assert_int_equal(k.admin, 1);
    assert_int_equal(k.enabled, 1);
    assert_string_equal(k.description, "ci");
    assert_i64_equal(k.created_at, 1000);
    assert_i64_equal(k.last_used_at, 0);
    tg_access_key_free(&k);

    assert_rc(tg_store_access_key_get(&t, TG_STR("TGnone"), &k),
              TG_EACCESS_KEY_NOT_FOUND);

    /* By account, oldest first; or every account's. */
    assert_rc(tg_store_access_key_list(&t, TG_STR(ACC_A), &items, &n), TG_OK);
    assert_int_equal(n, 2);
    assert_string_equal(items[0].id, long_id);
    assert_string_equal(items[1].id, "TGkey2");
    tg_store_access_key_list_free(items, n);

    assert_rc(tg_store_access_key_list(&t, TG_STR_NULL, &items, &n), TG_OK);
    assert_int_equal(n, 3);
    assert_string_equal(items[2].id, "TGkey3");
    tg_store_access_key_list_free(items, n);

    assert_rc(tg_store_access_key_list(&t, TG_STR(ID("acc0", 9)), &items, &n),
              TG_OK);
    assert_int_equal(n, 0);
    tg_store_access_key_list_free(items, n);

    commit(&t);
}


static void
test_access_key_update_touch_delete(void **state)
{
    fixture_t      *f = *state;
    tg_access_key_t k;
    tg_txn_t        t;

    seed_accounts(f);
    t = begin(f);

    k = access_key_rec("TGkey1", ACC_A, 1, 1000);
    assert_rc(tg_store_access_key_insert(&t, &k), TG_OK);

    k.enabled = 0;
    k.description = (char *) "rotated";
    k.updated_at = 2000;
    assert_rc(tg_store_access_key_update(&t, &k), TG_OK);
    assert_rc(tg_store_access_key_touch(&t, TG_STR("TGkey1"), 5000), TG_OK);

    memset(&k, 0, sizeof(k));
    assert_rc(tg_store_access_key_get(&t, TG_STR("TGkey1"), &k), TG_OK);
    assert_int_equal(k.enabled, 0);
    assert_string_equal(k.description, "rotated");
    assert_i64_equal(k.created_at, 1000);
    assert_i64_equal(k.updated_at, 2000);
    assert_i64_equal(k.last_used_at, 5000);
    assert_null(k.secret_sealed);
    tg_access_key_free(&k);

    /* A key without a sealed secret gets one; a second key has one from
     * the start. */
    assert_rc(
        tg_store_access_key_seal(&t, TG_STR("TGkey1"), TG_STR("tg1.k1.x")),
        TG_OK);
    assert_rc(tg_store_access_key_get(&t, TG_STR("TGkey1"), &k), TG_OK);
    assert_string_equal(k.secret_sealed, "tg1.k1.x");
    tg_access_key_free(&k);
    assert_rc(tg_store_access_key_seal(&t, TG_STR("TGnone"), TG_STR("x")),
              TG_EACCESS_KEY_NOT_FOUND);

    k = access_key_rec("TGkey2", ACC_A, 0, 1000);
    k.secret_sealed = (char *) "tg1.k1.y";
    assert_rc(tg_store_access_key_insert(&t, &k), TG_OK);
    memset(&k, 0, sizeof(k));
    assert_rc(tg_store_access_key_get(&t, TG_STR("TGkey2"), &k), TG_OK);
    assert_string_equal(k.secret_sealed, "tg1.k1.y");
    tg_access_key_free(&k);

    k = access_key_rec("TGnone", ACC_A, 1, 1000);
    assert_rc(tg_store_access_key_update(&t, &k), TG_EACCESS_KEY_NOT_FOUND);

    assert_rc(tg_store_access_key_delete(&t, TG_STR("TGkey1")), TG_OK);
    assert_rc(tg_store_access_key_get(&t, TG_STR("TGkey1"), &k),
              TG_EACCESS_KEY_NOT_FOUND);
    assert_rc(tg_store_access_key_delete(&t, TG_STR("TGkey1")),
              TG_EACCESS_KEY_NOT_FOUND);

    commit(&t);
}


/* Admin keys count only while the key and its account are enabled. */
static void
test_access_key_counts(void **state)
{
    fixture_t      *f = *state;
    tg_access_key_t k;
    tg_account_t    a;
    int64_t         n;
    tg_txn_t        t;

    seed_accounts(f);
    t = begin(f);

    k = access_key_rec("TGadminA", ACC_A, 1, 1000);
    assert_rc(tg_store_access_key_insert(&t, &k), TG_OK);
    k = access_key_rec("TGuserA", ACC_A, 0, 1000);
    assert_rc(tg_store_access_key_insert(&t, &k), TG_OK);
    k = access_key_rec("TGadminB", ACC_B, 1, 1000);
    assert_rc(tg_store_access_key_insert(&t, &k), TG_OK);

    assert_rc(tg_store_access_key_count(&t, &n), TG_OK);
    assert_i64_equal(n, 3);
    assert_rc(tg_store_access_key_count_admins(&t, &n), TG_OK);
    assert_i64_equal(n, 2);

    k.enabled = 0;
    assert_rc(tg_store_access_key_update(&t, &k), TG_OK);
    assert_rc(tg_store_access_key_count_admins(&t, &n), TG_OK);
    assert_i64_equal(n, 1);

    a = account_rec(ACC_A, "acme", 100);
    a.enabled = 0;
    assert_rc(tg_store_account_update(&t, &a), TG_OK);
    assert_rc(tg_store_access_key_count_admins(&t, &n), TG_OK);
    assert_i64_equal(n, 0);

    a.enabled = 1;
    assert_rc(tg_store_account_update(&t, &a), TG_OK);
    assert_rc(tg_store_access_key_count_admins(&t, &n), TG_OK);
    assert_i64_equal(n, 1);

    assert_rc(tg_store_access_key_count(&t, &n), TG_OK);
    assert_i64_equal(n, 3);

    commit(&t);
}


/* ---- apps ---- */


static void
test_app_insert_get(void **state)
{
    fixture_t *f = *state;
    tg_app_t   app, got;
    tg_txn_t   t;

    seed_accounts(f);
    t = begin(f);

    app = app_rec(APP_1, 12345678901234, ACC_A,
                  "\xe4\xb8\xad\xe6\x96\x87"
                  "app",
                  1000);
    app.description = (char *) "caf\xc3\xa9 \"quoted\"\nline";
    app.extend = (char *) "{\"x\":1}";
    app.creator = TG_CREATOR_MARKET;
    app.rate_rps = 10;
    app.rate_burst = 20;
    app.updated_at = 1500;

    /* Kept in the order given, not sorted. */
    app.tags[0] = (tg_tag_t){ (char *) "zone", (char *) "z1" };
    app.tags[1] = (tg_tag_t){ (char *) "app", (char *) "" };
    app.tags[2] = (tg_tag_t){ (char *) "m", (char *) "a:b" };
    app.ntags = 3;
    assert_rc(tg_store_app_insert(&t, &app), TG_OK);

    memset(&got, 0, sizeof(got));
    assert_rc(tg_store_app_get(&t, TG_STR(APP_1), &got), TG_OK);
    assert_string_equal(got.id, APP_1);
    assert_i64_equal(got.app_id, 12345678901234);
    assert_string_equal(got.account_id, ACC_A);
    assert_string_equal(got.name, app.name);
    assert_string_equal(got.description, app.description);
    assert_string_equal(got.extend, "{\"x\":1}");
    assert_int_equal(got.enabled, 1);
    assert_int_equal(got.creator, TG_CREATOR_MARKET);
    assert_i64_equal(got.rate_rps, 10);
    assert_i64_equal(got.rate_burst, 20);
    assert_i64_equal(got.created_at, 1000);
    assert_i64_equal(got.updated_at, 1500);
    assert_int_equal(got.ntags, 3);
    assert_string_equal(got.tags[0].key, "zone");
    assert_string_equal(got.tags[0].value, "z1");
    assert_string_equal(got.tags[1].key, "app");
    assert_string_equal(got.tags[1].value, "");
    assert_string_equal(got.tags[2].key, "m");
    assert_string_equal(got.tags[2].value, "a:b");
    tg_app_free(&got);

    assert_rc(tg_store_app_get_by_number(&t, 12345678901234, &got), TG_OK);
    assert_string_equal(got.id, APP_1);
    assert_int_equal(got.ntags, 3);
    tg_app_free(&got);

    assert_rc(tg_store_app_get(&t, TG_STR(APP_2), &got), TG_EAPP_NOT_FOUND);
    assert_null(got.name);
    assert_rc(tg_store_app_get_by_number(&t, 12345678901235, &got),
              TG_EAPP_NOT_FOUND);
    assert_null(got.name);

    commit(&t);
}


static void
test_app_lookups(void **state)
{
    fixture_t *f = *state;
    int64_t    n;
    int        taken;
    tg_txn_t   t;

    seed_accounts(f);
    t = begin(f);

    insert_app(&t, APP_1, 10000000000001, ACC_A, "alpha", 1000);
    insert_app(&t, APP_2, 10000000000002, ACC_A, "beta", 2000);

    assert_rc(tg_store_app_number_taken(&t, 10000000000001, &taken), TG_OK);
    assert_int_equal(taken, 1);
    assert_rc(tg_store_app_number_taken(&t, 10000000000003, &taken), TG_OK);
    assert_int_equal(taken, 0);

    /* Names are per account; an app does not clash with itself. */
    assert_rc(tg_store_app_name_taken(&t, TG_STR(ACC_A), TG_STR("alpha"),
                                      TG_STR(""), &taken),
              TG_OK);
    assert_int_equal(taken, 1);
    assert_rc(tg_store_app_name_taken(&t, TG_STR(ACC_A), TG_STR("alpha"),
                                      TG_STR(APP_1), &taken),
              TG_OK);
    assert_int_equal(taken, 0);
    assert_rc(tg_store_app_name_taken(&t, TG_STR(ACC_A), TG_STR("alpha"),
                                      TG_STR(APP_2), &taken),
              TG_OK);
    assert_int_equal(taken, 1);
    assert_rc(tg_store_app_name_taken(&t, TG_STR(ACC_B), TG_STR("alpha"),
                                      TG_STR(""), &taken),
              TG_OK);
    assert_int_equal(taken, 0);
    assert_rc(tg_store_app_name_taken(&t, TG_STR(ACC_A), TG_STR("Alpha"),
                                      TG_STR(""), &taken),
              TG_OK);
    assert_int_equal(taken, 0);

    assert_rc(tg_store_app_count(&t, TG_STR(ACC_A), &n), TG_OK);
    assert_i64_equal(n, 2);
    assert_rc(tg_store_app_count(&t, TG_STR(ACC_B), &n), TG_OK);
    assert_i64_equal(n, 0);

    commit(&t);
}


static void
test_app_uniqueness(void **state)
{
    fixture_t *f = *state;
    tg_app_t   app;
    tg_txn_t   t;

    seed_accounts(f);
    t = begin(f);

    insert_app(&t, APP_1, 10000000000001, ACC_A, "alpha", 1000);

    /* The same name in the same account. */
    app = app_rec(APP_2, 10000000000002, ACC_A, "alpha", 2000);
    assert_rc(tg_store_app_insert(&t, &app), TG_ECONFLICT);

    /* The same AppId. */
    app = app_rec(APP_2, 10000000000001, ACC_A, "beta", 2000);
    assert_rc(tg_store_app_insert(&t, &app), TG_ECONFLICT);

    /* The same id. */
    app = app_rec(APP_1, 10000000000002, ACC_A, "beta", 2000);
    assert_rc(tg_store_app_insert(&t, &app), TG_ECONFLICT);

    /* The same name in another account is fine. */
    insert_app(&t, APP_4, 10000000000004, ACC_B, "alpha", 4000);

    /* Renaming onto a taken name. */
    insert_app(&t, APP_2, 10000000000002, ACC_A, "beta", 2000);
    app = app_rec(APP_2, 10000000000002, ACC_A, "alpha", 2000);
    assert_rc(tg_store_app_update(&t, &app), TG_ECONFLICT);

    commit(&t);
}


/* An app create's steps: the account's row, quota and count, then an
 * insert that a clash of id, AppId or name in the account leaves
 * undone without ending the transaction (PostgreSQL would). */
static void
test_app_insert_counted(void **state)
{
    fixture_t   *f = *state;
    tg_account_t account;
    tg_app_t     app, got;
    int64_t      apps = 0;
    int          inserted = -1;
    tg_txn_t     t;

    seed_accounts(f);
    t = begin(f);
    insert_app(&t, APP_1, 10000000000001, ACC_A, "alpha", 1000);

    memset(&account, 0, sizeof(account));
    assert_rc(tg_store_account_app_add(&t, TG_STR(ACC_A), &account, &apps),
              TG_OK);
    assert_i64_equal(apps, 2);
    assert_string_equal(account.name, "acme");
    tg_account_free(&account);

    assert_rc(
        tg_store_account_app_add(&t, TG_STR(ID("accc", 3)), &account, &apps),
        TG_EACCOUNT_NOT_FOUND);

    /* The same name in the account, the same AppId, the same id. */
    app = app_rec(APP_2, 10000000000002, ACC_A, "alpha", 2000);
    assert_rc(tg_store_app_insert_counted(&t, &app, &inserted), TG_OK);
    assert_int_equal(inserted, 0);
    app = app_rec(APP_2, 10000000000001, ACC_A, "beta", 2000);
    assert_rc(tg_store_app_insert_counted(&t, &app, &inserted), TG_OK);
    assert_int_equal(inserted, 0);
    app = app_rec(APP_1, 10000000000002, ACC_A, "beta", 2000);
    assert_rc(tg_store_app_insert_counted(&t, &app, &inserted), TG_OK);
    assert_int_equal(inserted, 0);

    /* A free one goes in with its tags; the count is the one taken. */
    app = app_rec(APP_2, 10000000000002, ACC_A, "beta", 2000);
    app.tags[0] = (tg_tag_t){ (char *) "env", (char *) "prod" };
    app.ntags = 1;
    assert_rc(tg_store_app_insert_counted(&t, &app, &inserted), TG_OK);
    assert_int_equal(inserted, 1);
    commit(&t);

    t = begin(f);
    memset(&got, 0, sizeof(got));
    assert_rc(tg_store_app_get(&t, TG_STR(APP_2), &got), TG_OK);
    assert_string_equal(got.name, "beta");
    assert_int_equal(got.ntags, 1);
    assert_string_equal(got.tags[0].value, "prod");
    tg_app_free(&got);
    assert_rc(tg_store_app_count(&t, TG_STR(ACC_A), &apps), TG_OK);
    assert_i64_equal(apps, 2);
    tg_txn_rollback(&t);
}


/* Two tags with one key in an app break the tags' primary key. */
static void
test_app_duplicate_tag_key(void **state)
{
    fixture_t *f = *state;
    tg_app_t   app;
    tg_txn_t   t;

    seed_accounts(f);
    t = begin(f);

    app = app_rec(APP_1, 10000000000001, ACC_A, "alpha", 1000);
    app.tags[0] = (tg_tag_t){ (char *) "env", (char *) "a" };
    app.tags[1] = (tg_tag_t){ (char *) "env", (char *) "b" };
    app.ntags = 2;
    assert_rc(tg_store_app_insert(&t, &app), TG_ECONFLICT);

    tg_txn_rollback(&t);
}


static void
test_app_update(void **state)
{
    fixture_t *f = *state;
    tg_app_t   app, got;
    tg_txn_t   t;

    seed_accounts(f);
    t = begin(f);

    app = app_rec(APP_1, 10000000000001, ACC_A, "alpha", 1000);
    app.description = (char *) "old";
    app.creator = TG_CREATOR_MARKET;
    app.rate_rps = 5;
    app.rate_burst = 5;
    app.tags[0] = (tg_tag_t){ (char *) "a", (char *) "1" };
    app.tags[1] = (tg_tag_t){ (char *) "b", (char *) "2" };
    app.ntags = 2;
    assert_rc(tg_store_app_insert(&t, &app), TG_OK);
    commit(&t);
    assert_int_equal(sql_int(f, "SELECT COUNT(*) FROM app_tags"), 2);

    /* Every field but id, AppId, account and created_at may change; the
     * tags are replaced. */
    t = begin(f);
    app = app_rec(APP_1, 99999999999999, ACC_B, "alpha2", 7777);
    app.description = (char *) "";
    app.extend = (char *) "{}";
    app.enabled = 0;
    app.creator = TG_CREATOR_USER;
    app.updated_at = 2000;
    app.tags[0] = (tg_tag_t){ (char *) "c", (char *) "3" };
    app.ntags = 1;
    assert_rc(tg_store_app_update(&t, &app), TG_OK);

    memset(&got, 0, sizeof(got));
    assert_rc(tg_store_app_get(&t, TG_STR(APP_1), &got), TG_OK);
    assert_string_equal(got.name, "alpha2");
    assert_string_equal(got.description, "");
    assert_string_equal(got.extend, "{}");
    assert_int_equal(got.enabled, 0);
    assert_int_equal(got.creator, TG_CREATOR_USER);
    assert_i64_equal(got.rate_rps, 0);
    assert_i64_equal(got.rate_burst, 0);
    assert_i64_equal(got.app_id, 10000000000001);
    assert_string_equal(got.account_id, ACC_A);
    assert_i64_equal(got.created_at, 1000);
    assert_i64_equal(got.updated_at, 2000);
    assert_int_equal(got.ntags, 1);
    assert_string_equal(got.tags[0].key, "c");
    assert_string_equal(got.tags[0].value, "3");
    tg_app_free(&got);

    app.ntags = 0;
    assert_rc(tg_store_app_update(&t, &app), TG_OK);
    assert_rc(tg_store_app_get(&t, TG_STR(APP_1), &got), TG_OK);
    assert_int_equal(got.ntags, 0);
    tg_app_free(&got);
    commit(&t);
    assert_int_equal(sql_int(f, "SELECT COUNT(*) FROM app_tags"), 0);

    t = begin(f);
    app = app_rec(APP_2, 10000000000002, ACC_A, "ghost", 1000);
    assert_rc(tg_store_app_update(&t, &app), TG_EAPP_NOT_FOUND);
    commit(&t);
}


/*
 * The apps that filters run over:
 *
 *   APP_1 "alpha"  A  enabled   env=prod team=red  keys KEYALPHA1 KEYALPHA2
 *   APP_2 "beta"   A  disabled  env=dev            key  KEYBETA1
 *   APP_3 "gamma"  A  enabled   env=prod team=""
 *   APP_4 "alpha"  B  enabled   env=prod
 */
static void
seed_apps(fixture_t *f)
{
    tg_app_t app;
    tg_txn_t t;

    seed_accounts(f);
    t = begin(f);

    app = app_rec(APP_1, 10000000000001, ACC_A, "alpha", 1000);
    app.tags[0] = (tg_tag_t){ (char *) "env", (char *) "prod" };
    app.tags[1] = (tg_tag_t){ (char *) "team", (char *) "red" };
    app.ntags = 2;
    assert_rc(tg_store_app_insert(&t, &app), TG_OK);

    app = app_rec(APP_2, 10000000000002, ACC_A, "beta", 2000);
    app.enabled = 0;
    app.tags[0] = (tg_tag_t){ (char *) "env", (char *) "dev" };
    app.ntags = 1;
    assert_rc(tg_store_app_insert(&t, &app), TG_OK);

    app = app_rec(APP_3, 10000000000003, ACC_A, "gamma", 3000);
    app.tags[0] = (tg_tag_t){ (char *) "env", (char *) "prod" };
    app.tags[1] = (tg_tag_t){ (char *) "team", (char *) "" };
    app.ntags = 2;
    assert_rc(tg_store_app_insert(&t, &app), TG_OK);

    app = app_rec(APP_4, 10000000000004, ACC_B, "alpha", 4000);
    app.tags[0] = (tg_tag_t){ (char *) "env", (char *) "prod" };
    app.ntags = 1;
    assert_rc(tg_store_app_insert(&t, &app), TG_OK);

    insert_cred(&t, TG_CRED_KEY_PAIR,
                key_pair_rec(KP_1, APP_1, "KEYALPHA1", 1, 1000));
    insert_cred(&t, TG_CRED_KEY_PAIR,
                key_pair_rec(KP_2, APP_1, "KEYALPHA2", 0, 1100));
    insert_cred(&t, TG_CRED_KEY_PAIR,
                key_pair_rec(KP_3, APP_2, "KEYBETA1", 1, 2000));

    commit(&t);
}


/* A filter that matches every app. */
static tg_app_filter_t
any_app(void)
{
    tg_app_filter_t filter;

    memset(&filter, 0, sizeof(filter));
    filter.enabled = -1;
    filter.limit = 100;
    return filter;
}


static void
add_tag(tg_app_filter_t *filter, const char *key, const char *value)
{
    filter->tag_keys[filter->ntags] = tg_str_c(key);
    filter->tag_values[filter->ntags] = tg_str_c(value);
    filter->ntags++;
}


/* Lists with filter and expects total and the ids that follow, in order,
 * up to a NULL. */
static void
check_list(tg_txn_t *t, const tg_app_filter_t *filter, int64_t expect_total,
           ...)
{
    tg_app_t   *items;
    size_t      n, i = 0;
    int64_t     total = -1;
    const char *id;
    va_list     ap;

    assert_rc(tg_store_app_list(t, filter, &items, &n, &total), TG_OK);
    assert_i64_equal(total, expect_total);

    va_start(ap, expect_total);
    while ((id = va_arg(ap, const char *)) != NULL) {
        if (i >= n) {
            print_error("only %zu apps listed; %s missing\n", n, id);
            fail();
        }
        assert_string_equal(items[i].id, id);
        i++;
    }
    va_end(ap);

    assert_int_equal(n, i);
    tg_store_app_list_free(items, n);
}


static void
test_app_list_filters(void **state)
{
    fixture_t      *f = *state;
    tg_app_filter_t filter;
    tg_txn_t        t;

    seed_apps(f);
    assert_rc(tg_txn_begin(f->store, 0, &t), TG_OK);

    filter = any_app();
    check_list(&t, &filter, 4, APP_1, APP_2, APP_3, APP_4, NULL);

    filter.account_id = TG_STR(ACC_A);
    check_list(&t, &filter, 3, APP_1, APP_2, APP_3, NULL);
    filter.account_id = TG_STR(ID("acc0", 9));
    check_list(&t, &filter, 0, NULL);

    /* Names match exactly, in every account unless one is given. */
    filter = any_app();
    filter.name = TG_STR("alpha");
    check_list(&t, &filter, 2, APP_1, APP_4, NULL);
    filter.account_id = TG_STR(ACC_B);
    check_list(&t, &filter, 1, APP_4, NULL);
    filter = any_app();
    filter.name = TG_STR("alph");
    check_list(&t, &filter, 0, NULL);

    /* A part of the name, ASCII letters in any case; '%', '_' and '\'
     * are themselves. */
    filter = any_app();
    filter.name_part = TG_STR("ph");
    check_list(&t, &filter, 2, APP_1, APP_4, NULL);
    filter.name_part = TG_STR("AM");
    check_list(&t, &filter, 1, APP_3, NULL);
    filter.name_part = TG_STR("a");
    check_list(&t, &filter, 4, APP_1, APP_2, APP_3, APP_4, NULL);
    filter.name_part = TG_STR("alpha");
    filter.account_id = TG_STR(ACC_A);
    check_list(&t, &filter, 1, APP_1, NULL);
    filter = any_app();
    filter.name_part = TG_STR("a_p");
    check_list(&t, &filter, 0, NULL);
    filter.name_part = TG_STR("l%a");
    check_list(&t, &filter, 0, NULL);
    filter.name_part = TG_STR("%");
    check_list(&t, &filter, 0, NULL);
    filter.name_part = TG_STR("\\");
    check_list(&t, &filter, 0, NULL);

    /* One app by its id, with the other filters. */
    filter = any_app();
    filter.id = TG_STR(APP_2);
    check_list(&t, &filter, 1, APP_2, NULL);
    filter.name_part = TG_STR("et");
    check_list(&t, &filter, 1, APP_2, NULL);
    filter.account_id = TG_STR(ACC_B);
    check_list(&t, &filter, 0, NULL);

    /* Any of an app's keys finds it, once. */
    filter = any_app();
    filter.app_key = TG_STR("KEYALPHA2");
    check_list(&t, &filter, 1, APP_1, NULL);
    filter.app_key = TG_STR("KEYBETA1");
    check_list(&t, &filter, 1, APP_2, NULL);
    filter.app_key = TG_STR("KEYNONE");
    check_list(&t, &filter, 0, NULL);

    filter = any_app();
    filter.enabled = 1;
    check_list(&t, &filter, 3, APP_1, APP_3, APP_4, NULL);
    filter.enabled = 0;
    check_list(&t, &filter, 1, APP_2, NULL);

    commit(&t);
}


static void
test_app_list_tags(void **state)
{
    fixture_t      *f = *state;
    tg_app_filter_t filter;
    tg_txn_t        t;

    seed_apps(f);
    assert_rc(tg_txn_begin(f->store, 0, &t), TG_OK);

    /* A key without a value matches any value, "" included. */
    filter = any_app();
    add_tag(&filter, "env", NULL);
    check_list(&t, &filter, 4, APP_1, APP_2, APP_3, APP_4, NULL);

    filter = any_app();
    add_tag(&filter, "team", NULL);
    check_list(&t, &filter, 2, APP_1, APP_3, NULL);

    filter = any_app();
    add_tag(&filter, "env", "prod");
    check_list(&t, &filter, 3, APP_1, APP_3, APP_4, NULL);

    /* An empty value matches only an empty value. */
    filter = any_app();
    add_tag(&filter, "team", "");
    check_list(&t, &filter, 1, APP_3, NULL);

    /* Several tags must all match. */
    filter = any_app();
    add_tag(&filter, "env", "prod");
    add_tag(&filter, "team", NULL);
    check_list(&t, &filter, 2, APP_1, APP_3, NULL);

    filter = any_app();
    add_tag(&filter, "env", "prod");
    add_tag(&filter, "team", "red");
    check_list(&t, &filter, 1, APP_1, NULL);

    filter = any_app();
    add_tag(&filter, "env", "dev");
    add_tag(&filter, "team", NULL);
    check_list(&t, &filter, 0, NULL);

    filter = any_app();
    add_tag(&filter, "nope", NULL);
    check_list(&t, &filter, 0, NULL);

    /* Values compare exactly. */
    filter = any_app();
    add_tag(&filter, "env", "Prod");
    check_list(&t, &filter, 0, NULL);

    /* Tags combine with the other filters. */
    filter = any_app();
    filter.account_id = TG_STR(ACC_A);
    filter.enabled = 1;
    add_tag(&filter, "env", "prod");
    check_list(&t, &filter, 2, APP_1, APP_3, NULL);

    commit(&t);
}


/* The largest filter: every field and TG_TAGS_MAX tags with values, the
 * most parameters a list query binds. */
static void
test_app_list_largest_filter(void **state)
{
    fixture_t      *f = *state;
    tg_app_filter_t filter;
    tg_txn_t        t;
    size_t          i;

    seed_apps(f);
    assert_rc(tg_txn_begin(f->store, 0, &t), TG_OK);

    filter = any_app();
    filter.account_id = TG_STR(ACC_A);
    filter.name = TG_STR("alpha");
    filter.app_key = TG_STR("KEYALPHA1");
    filter.enabled = 1;
    for (i = 0; i < TG_TAGS_MAX; i++) {
        add_tag(&filter, i % 2 ? "env" : "team", i % 2 ? "prod" : "red");
    }
    check_list(&t, &filter, 1, APP_1, NULL);

    filter.tag_values[TG_TAGS_MAX - 1] = TG_STR("dev");
    check_list(&t, &filter, 0, NULL);

    commit(&t);
}


/* Pages by limit and offset, oldest first; the total ignores paging. */
static void
test_app_list_paging(void **state)
{
    fixture_t      *f = *state;
    tg_app_filter_t filter;
    tg_app_t       *items;
    size_t          n;
    int64_t         total;
    tg_txn_t        t;

    seed_apps(f);
    assert_rc(tg_txn_begin(f->store, 0, &t), TG_OK);

    filter = any_app();
    filter.limit = 2;
    check_list(&t, &filter, 4, APP_1, APP_2, NULL);
    filter.offset = 2;
    check_list(&t, &filter, 4, APP_3, APP_4, NULL);
    filter.offset = 3;
    check_list(&t, &filter, 4, APP_4, NULL);
    filter.offset = 4;
    check_list(&t, &filter, 4, NULL);
    filter.offset = 0;
    filter.limit = 0;
    check_list(&t, &filter, 4, NULL);

    /* Listed apps carry their tags. */
    filter = any_app();
    filter.offset = 2;
    filter.limit = 1;
    assert_rc(tg_store_app_list(&t, &filter, &items, &n, &total), TG_OK);
    assert_int_equal(n, 1);
    assert_string_equal(items[0].name, "gamma");
    assert_int_equal(items[0].ntags, 2);
    assert_string_equal(items[0].tags[0].key, "env");
    assert_string_equal(items[0].tags[1].key, "team");
    assert_string_equal(items[0].tags[1].value, "");
    tg_store_app_list_free(items, n);

    commit(&t);
}


/* ---- each account's app count, and totals that cost no more with size */


/* The account's app count as the store keeps it, and as COUNT(*) finds
 * it on disk: both are expected. */
static void
assert_app_count(fixture_t *f, const char *account, int64_t expected)
{
    tg_txn_t t;
    int64_t  n = -1;
    char     sql[128];

    assert_rc(tg_txn_begin(f->store, 0, &t), TG_OK);
    assert_rc(tg_store_app_count(&t, tg_str_c(account), &n), TG_OK);
    tg_txn_rollback(&t);
    assert_i64_equal(n, expected);

    snprintf(sql, sizeof(sql),
             "SELECT COUNT(*) FROM apps WHERE account_id = '%s'", account);
    assert_i64_equal(sql_int(f, sql), expected);
}


/* Inserts count, deletes discount; a failed insert, an insert into no
 * account and a rolled back one count nothing; usage reads the count. */
static void
test_app_counter(void **state)
{
    fixture_t *f = *state;
    tg_app_t   app;
    tg_txn_t   t;
    int64_t    apps = -1, apis = -1, keys = -1;

    seed_accounts(f);
    assert_app_count(f, ACC_A, 0);

    t = begin(f);
    insert_app(&t, APP_1, 10000000000001, ACC_A, "alpha", 1000);
    insert_app(&t, APP_2, 10000000000002, ACC_A, "beta", 1000);
    insert_app(&t, APP_3, 10000000000003, ACC_B, "alpha", 1000);
    commit(&t);
    assert_app_count(f, ACC_A, 2);
    assert_app_count(f, ACC_B, 1);

    t = begin(f);
    app = app_rec(APP_4, 10000000000004, ACC_A, "beta", 1000);
    assert_rc(tg_store_app_insert(&t, &app), TG_ECONFLICT);
    tg_txn_rollback(&t);
    assert_app_count(f, ACC_A, 2);

    t = begin(f);
    app = app_rec(APP_4, 10000000000004, ID("acc0", 9), "gamma", 1000);
    assert_rc(tg_store_app_insert(&t, &app), TG_ECONFLICT);
    tg_txn_rollback(&t);
    t = begin(f);
    insert_app(&t, APP_4, 10000000000004, ACC_A, "gamma", 1000);
    tg_txn_rollback(&t);
    assert_app_count(f, ACC_A, 2);
    assert_int_equal(sql_int(f, "SELECT SUM(app_count) FROM accounts"), 3);

    t = begin(f);
    assert_rc(tg_store_app_delete(&t, TG_STR(APP_1)), TG_OK);
    assert_rc(tg_store_app_delete(&t, TG_STR(APP_1)), TG_EAPP_NOT_FOUND);
    commit(&t);
    assert_app_count(f, ACC_A, 1);
    assert_app_count(f, ACC_B, 1);

    t = begin(f);
    assert_rc(tg_store_account_usage(&t, TG_STR(ACC_A), &apps, &apis, &keys),
              TG_OK);
    tg_txn_rollback(&t);
    assert_i64_equal(apps, 1);
}


/* A thread of the counter's group-commit test: in each five operations,
 * two inserts, the delete of one of them, an insert rolled back and an
 * insert whose name is taken: one app more, whatever the group. */
#define COUNTER_THREADS 8
#define COUNTER_OPS     40

typedef struct {
    fixture_t *f;
    int        thread;
    int        other;
} counter_op_t;


static int
counter_step(fixture_t *f, int thread, int i)
{
    tg_app_t app;
    tg_txn_t t;
    char     id[33], victim[33], name[32];
    int      rc;

    snprintf(id, sizeof(id), "%032x", (unsigned) (thread * 1000 + i));
    snprintf(victim, sizeof(victim), "%032x",
             (unsigned) (thread * 1000 + i - 2));
    snprintf(name, sizeof(name), "c%d-%d", thread, i % 5 == 4 ? i - 3 : i);
    app = app_rec(id, 20000000000000 + thread * 1000 + i, ACC_A, name, i);

    rc = tg_txn_begin(f->store, 1, &t);
    if (rc != TG_OK) {
        return rc;
    }
    rc = i % 5 == 2 ? tg_store_app_delete(&t, tg_str_c(victim))
                    : tg_store_app_insert(&t, &app);
    if (rc == TG_OK && i % 5 != 3) {
        return tg_txn_commit(&t);
    }
    tg_txn_rollback(&t);
    return rc == TG_ECONFLICT && i % 5 == 4 ? TG_OK : rc;
}


static void *
counter_run(void *arg)
{
    counter_op_t *c = arg;
    int           i;

    for (i = 0; i < COUNTER_OPS; i++) {
        if (counter_step(c->f, c->thread, i) != TG_OK) {
            c->other++;
        }
    }
    return NULL;
}


/* Writers at once, their operations committed in groups, some of them
 * rolled back within their group: the count stays exact. */
static void
test_app_counter_group_commit(void **state)
{
    fixture_t             *f = *state;
    tg_db_options_t        o = options(f);
    counter_op_t           c[COUNTER_THREADS];
    pthread_t              th[COUNTER_THREADS];
    tg_store_write_stats_t before, st;
    int                    i;

    tg_store_close(f->store);
    o.busy_ms = 60000;
    assert_rc(tg_store_open(f->driver, &o, &f->store), TG_OK);
    seed_accounts(f);
    before = tg_store_write_stats(f->store);

    for (i = 0; i < COUNTER_THREADS; i++) {
        c[i] = (counter_op_t){ f, i, 0 };
        assert_int_equal(pthread_create(&th[i], NULL, counter_run, &c[i]), 0);
    }
    for (i = 0; i < COUNTER_THREADS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(c[i].other, 0);
    }

    st = tg_store_write_stats(f->store);
    assert_int_equal(st.ops - before.ops,
                     COUNTER_THREADS * COUNTER_OPS * 3 / 5);
    assert_true(st.commits - before.commits <= st.ops - before.ops);
    assert_app_count(f, ACC_A, COUNTER_THREADS * COUNTER_OPS / 5);
    assert_app_count(f, ACC_B, 0);
}


/*
 * A store made before the counter (the last migration undone, apps and
 * tags written as that schema had them) gets each account's count and
 * each tag's account and creation time from the migration.
 */
static void
test_migration_counts_apps(void **state)
{
    static const char *const undo[] = {
        "DROP INDEX apps_created",
        "DROP INDEX apps_updated",
        "DROP INDEX apps_account_created",
        "DROP INDEX apps_account_updated",
        "DROP INDEX apps_name",
        "DROP INDEX app_tags_account",
        "DROP INDEX app_tags_kv",
        "CREATE INDEX app_tags_kv ON app_tags (k, v)",
        "ALTER TABLE accounts DROP COLUMN app_count",
        "ALTER TABLE app_tags DROP COLUMN account_id",
        "ALTER TABLE app_tags DROP COLUMN created_at",
    };
    fixture_t      *f = *state;
    tg_db_options_t o = options(f);
    tg_app_filter_t filter;
    tg_txn_t        t;
    char            sql[64];
    size_t          i;

    seed_accounts(f);
    tg_store_close(f->store);
    f->store = NULL;
    for (i = 0; i < sizeof(undo) / sizeof(undo[0]); i++) {
        sql_exec(f, undo[i]);
    }
    snprintf(sql, sizeof(sql), "DELETE FROM schema_version WHERE version = %d",
             SCHEMA_VERSION);
    sql_exec(f, sql);

    sql_exec(f, "INSERT INTO apps VALUES ('" APP_1 "', 1, '" ACC_A
                "', 'one', '', '', 1, 'user', 0, 0, 3000, 3000)");
    sql_exec(f, "INSERT INTO apps VALUES ('" APP_2 "', 2, '" ACC_A
                "', 'two', '', '', 1, 'user', 0, 0, 1000, 1000)");
    sql_exec(f, "INSERT INTO apps VALUES ('" APP_3 "', 3, '" ACC_B
                "', 'one', '', '', 1, 'user', 0, 0, 2000, 2000)");
    sql_exec(f, "INSERT INTO app_tags VALUES ('" APP_1 "', 'env', 'prod', 0)");
    sql_exec(f, "INSERT INTO app_tags VALUES ('" APP_2 "', 'env', 'prod', 0)");
    sql_exec(f, "INSERT INTO app_tags VALUES ('" APP_3 "', 'env', 'prod', 0)");

    assert_rc(tg_store_open(f->driver, &o, &f->store), TG_OK);
    assert_int_equal(tg_store_schema_version(f->store), SCHEMA_VERSION);
    assert_app_count(f, ACC_A, 2);
    assert_app_count(f, ACC_B, 1);
    assert_int_equal(sql_int(f,
                             "SELECT COUNT(*) FROM app_tags WHERE "
                             "account_id = '" ACC_A "' AND created_at = 3000 "
                             "AND app = '" APP_1 "'"),
                     1);

    /* The tag's index lists them in the order of creation, by account. */
    assert_rc(tg_txn_begin(f->store, 0, &t), TG_OK);
    filter = any_app();
    add_tag(&filter, "env", "prod");
    check_list(&t, &filter, 3, APP_2, APP_3, APP_1, NULL);
    filter.account_id = TG_STR(ACC_A);
    check_list(&t, &filter, 2, APP_2, APP_1, NULL);
    tg_txn_rollback(&t);
}


/* Apps n of account, numbered from 1, made at 1000 + n, with the tag
 * "bulk" "yes", inserted by one statement; the account's count set. */
static void
bulk_apps(fixture_t *f, const char *account, int n)
{
    char sql[640];

    snprintf(sql, sizeof(sql),
             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
             "WHERE i < %d) INSERT INTO apps SELECT 'bulk' || i, "
             "30000000000000 + i, '%s', 'bulk' || i, '', '', 1, 'user', 0, 0, "
             "1000 + i, 1000 + i FROM n",
             n, account);
    sql_exec(f, sql);
    snprintf(sql, sizeof(sql),
             "INSERT INTO app_tags SELECT id, 'bulk', 'yes', 0, account_id, "
             "created_at FROM apps WHERE id LIKE 'bulk%%'");
    sql_exec(f, sql);
    snprintf(sql, sizeof(sql),
             "UPDATE accounts SET app_count = app_count + %d WHERE id = '%s'",
             n, account);
    sql_exec(f, sql);
}


/* Past TG_APP_TOTAL_MAX matches, a filtered listing's total says "at
 * least that many", its pages still list every app in order; a listing
 * of whole accounts counts them all. */
static void
test_app_list_total_bounded(void **state)
{
    fixture_t      *f = *state;
    tg_app_filter_t filter;
    tg_app_t       *items;
    tg_txn_t        t;
    size_t          n;
    int64_t         total;

    seed_accounts(f);
    bulk_apps(f, ACC_A, TG_APP_TOTAL_MAX + 5);
    assert_app_count(f, ACC_A, TG_APP_TOTAL_MAX + 5);

    assert_rc(tg_txn_begin(f->store, 0, &t), TG_OK);
    filter = any_app();
    filter.account_id = TG_STR(ACC_A);
    filter.limit = 3;
    filter.offset = TG_APP_TOTAL_MAX + 3;
    check_list(&t, &filter, TG_APP_TOTAL_MAX + 5, "bulk10004", "bulk10005",
               NULL);
    filter.account_id = TG_STR_NULL;
    check_list(&t, &filter, TG_APP_TOTAL_MAX + 5, "bulk10004", "bulk10005",
               NULL);

    /* Past the middle, pages are read backwards from the end, in every
     * order, and come in the order asked; the last one may be short. */
    filter.offset = TG_APP_TOTAL_MAX + 4;
    check_list(&t, &filter, TG_APP_TOTAL_MAX + 5, "bulk10005", NULL);
    filter.offset = TG_APP_TOTAL_MAX + 5;
    check_list(&t, &filter, TG_APP_TOTAL_MAX + 5, NULL);
    filter.order = TG_APP_ORDER_UPDATED_DESC;
    filter.offset = TG_APP_TOTAL_MAX + 2;
    check_list(&t, &filter, TG_APP_TOTAL_MAX + 5, "bulk3", "bulk2", "bulk1",
               NULL);
    filter.order = TG_APP_ORDER_UPDATED_ASC;
    filter.offset = 6000;
    check_list(&t, &filter, TG_APP_TOTAL_MAX + 5, "bulk6001", "bulk6002",
               "bulk6003", NULL);
    filter.order = TG_APP_ORDER_CREATED;
    filter.offset = TG_APP_TOTAL_MAX + 3;

    /* By tag: from the tag's index, counted up to the bound. */
    add_tag(&filter, "bulk", "yes");
    check_list(&t, &filter, TG_APP_TOTAL_MAX, "bulk10004", "bulk10005", NULL);
    filter.account_id = TG_STR(ACC_A);
    check_list(&t, &filter, TG_APP_TOTAL_MAX, "bulk10004", "bulk10005", NULL);
    filter.offset = 0;
    filter.limit = 2;
    check_list(&t, &filter, TG_APP_TOTAL_MAX, "bulk1", "bulk2", NULL);
    filter.account_id = TG_STR(ACC_B);
    check_list(&t, &filter, 0, NULL);

    /* Other filters are counted up to the bound too. */
    filter = any_app();
    filter.enabled = 1;
    filter.limit = 1;
    assert_rc(tg_store_app_list(&t, &filter, &items, &n, &total), TG_OK);
    assert_i64_equal(total, TG_APP_TOTAL_MAX);
    tg_store_app_list_free(items, n);
    filter.name = TG_STR("bulk77");
    check_list(&t, &filter, 1, "bulk77", NULL);

    /* A tag with any value, or another order: the same apps. */
    filter = any_app();
    filter.tag_keys[0] = TG_STR("bulk");
    filter.ntags = 1;
    filter.limit = 1;
    filter.offset = TG_APP_TOTAL_MAX + 4;
    check_list(&t, &filter, TG_APP_TOTAL_MAX, "bulk10005", NULL);
    filter.order = TG_APP_ORDER_UPDATED_DESC;
    filter.offset = 0;
    check_list(&t, &filter, TG_APP_TOTAL_MAX, "bulk10005", NULL);
    tg_txn_rollback(&t);
}


/* Deleting an app deletes its tags, key pairs, AppCodes and grants, and
 * nothing of another app's. */
static void
test_app_delete_cascades(void **state)
{
    fixture_t *f = *state;
    tg_app_t   app;
    tg_api_t   api;
    tg_cred_t  kp;
    tg_cred_t  code;
    tg_grant_t grant;
    tg_txn_t   t;

    seed_apps(f);
    t = begin(f);
    insert_cred(&t, TG_CRED_APP_CODE, code_rec(CODE_1, APP_1, HASH("1"), 1000));
    insert_cred(&t, TG_CRED_APP_CODE, code_rec(CODE_2, APP_1, HASH("2"), 1000));
    insert_cred(&t, TG_CRED_APP_CODE, code_rec(CODE_3, APP_2, HASH("3"), 1000));
    insert_api(&t, API_1, ACC_A, "payments", 1000);
    insert_grant(&t, GR_1, APP_1, API_1, "RELEASE", 1000);
    insert_grant(&t, GR_2, APP_1, API_1, "TEST", 1000);
    insert_grant(&t, GR_3, APP_2, API_1, "RELEASE", 1000);
    commit(&t);

    t = begin(f);
    assert_rc(tg_store_app_delete(&t, TG_STR(APP_1)), TG_OK);
    commit(&t);

    assert_int_equal(sql_int(f, "SELECT COUNT(*) FROM app_tags "
                                "WHERE app = '" APP_1 "'"),
                     0);
    assert_int_equal(sql_int(f, "SELECT COUNT(*) FROM key_pairs "
                                "WHERE app = '" APP_1 "'"),
                     0);
    assert_int_equal(sql_int(f, "SELECT COUNT(*) FROM app_codes "
                                "WHERE app = '" APP_1 "'"),
                     0);
    assert_int_equal(sql_int(f, "SELECT COUNT(*) FROM grants "
                                "WHERE app = '" APP_1 "'"),
                     0);

    t = begin(f);
    memset(&app, 0, sizeof(app));
    memset(&kp, 0, sizeof(kp));
    memset(&code, 0, sizeof(code));
    memset(&grant, 0, sizeof(grant));

    assert_rc(tg_store_app_get(&t, TG_STR(APP_1), &app), TG_EAPP_NOT_FOUND);
    assert_rc(tg_store_cred_get(&t, TG_CRED_KEY_PAIR, TG_STR(KP_1), &kp),
              TG_EKEY_NOT_FOUND);
    assert_rc(
        tg_store_cred_find(&t, TG_CRED_KEY_PAIR, TG_STR("KEYALPHA2"), &kp),
        TG_EKEY_NOT_FOUND);
    assert_rc(tg_store_cred_get(&t, TG_CRED_APP_CODE, TG_STR(CODE_1), &code),
              TG_ECODE_NOT_FOUND);
    assert_rc(tg_store_grant_find(&t, TG_STR(APP_1), TG_STR(API_1),
                                  TG_STR("TEST"), &grant),
              TG_EGRANT_NOT_FOUND);

    /* The other app keeps everything. */
    assert_rc(tg_store_app_get(&t, TG_STR(APP_2), &app), TG_OK);
    assert_int_equal(app.ntags, 1);
    tg_app_free(&app);
    assert_rc(tg_store_cred_get(&t, TG_CRED_KEY_PAIR, TG_STR(KP_3), &kp),
              TG_OK);
    tg_cred_free(&kp);
    assert_rc(tg_store_cred_get(&t, TG_CRED_APP_CODE, TG_STR(CODE_3), &code),
              TG_OK);
    tg_cred_free(&code);
    assert_rc(tg_store_grant_find(&t, TG_STR(APP_2), TG_STR(API_1),
                                  TG_STR("RELEASE"), &grant),
              TG_OK);
    tg_grant_free(&grant);
    memset(&api, 0, sizeof(api));
    assert_rc(tg_store_api_get(&t, TG_STR(API_1), &api), TG_OK);
    tg_api_free(&api);

    assert_rc(tg_store_app_delete(&t, TG_STR(APP_1)), TG_EAPP_NOT_FOUND);
    assert_rc(tg_store_app_delete(&t, TG_STR(ID("a0a0", 9))),
              TG_EAPP_NOT_FOUND);
    commit(&t);
}


/* References are enforced: no record may name a missing parent, and a
 * parent with children cannot go. */
static void
test_foreign_keys(void **state)
{
    fixture_t *f = *state;
    tg_app_t   app;
    tg_cred_t  kp;
    tg_cred_t  code;
    tg_grant_t grant;
    tg_txn_t   t;

    seed_apps(f);
    t = begin(f);

    app = app_rec(ID("a0a0", 9), 10000000000009, ID("acc0", 9), "orphan", 1);
    assert_rc(tg_store_app_insert(&t, &app), TG_ECONFLICT);

    kp = key_pair_rec(ID("b0b0", 9), ID("a0a0", 9), "KEYORPHAN", 1, 1);
    assert_rc(tg_store_cred_insert(&t, TG_CRED_KEY_PAIR, &kp), TG_ECONFLICT);

    code = code_rec(ID("c0de", 9), ID("a0a0", 9), HASH("9"), 1);
    assert_rc(tg_store_cred_insert(&t, TG_CRED_APP_CODE, &code), TG_ECONFLICT);

    grant = grant_rec(ID("e0e0", 9), APP_1, ID("d0d0", 9), "RELEASE", 1);
    assert_rc(tg_store_grant_insert(&t, &grant), TG_ECONFLICT);

    assert_rc(tg_store_account_delete(&t, TG_STR(ACC_A)), TG_ECONFLICT);

    tg_txn_rollback(&t);
}


/* ---- key pairs ---- */


/*
 * The credential policy (schema 4): an account's policy reads back as
 * written; a key pair keeps when its secret was set; the expiring filter
 * lists the apps with a secret past its account's age before a time (the
 * edge excluded), and only in an account with an age; a change per app
 * of an account re-projects them.
 */
static void
test_credential_policy(void **state)
{
    fixture_t      *f = *state;
    tg_account_t    a;
    tg_app_filter_t filter;
    tg_cred_t       kp;
    tg_txn_t        t;
    int64_t         before, after;

    t = begin_with_apps(f, 2);
    insert_app(&t, APP_3, 10000000000003, ACC_B, "gamma", 1000);

    memset(&a, 0, sizeof(a));
    assert_rc(tg_store_account_get(&t, TG_STR(ACC_A), &a), TG_OK);
    assert_int_equal(a.policy.reveal_once, 0);
    assert_i64_equal(a.policy.max_secret_age, 0);
    a.policy = (tg_cred_policy_t){ 1, 100, 60, 3600, 20, 3 };
    assert_rc(tg_store_account_update(&t, &a), TG_OK);
    tg_account_free(&a);
    assert_rc(tg_store_account_get(&t, TG_STR(ACC_A), &a), TG_OK);
    assert_int_equal(a.policy.reveal_once, 1);
    assert_i64_equal(a.policy.max_secret_age, 100);
    assert_i64_equal(a.policy.min_grace, 60);
    assert_i64_equal(a.policy.max_grace, 3600);
    assert_i64_equal(a.policy.secret_min_length, 20);
    assert_i64_equal(a.policy.secret_classes, 3);
    tg_account_free(&a);

    kp = key_pair_rec(KP_1, APP_1, "KEYONE01", 1, 1000);
    kp.secret_at = 1000;
    insert_cred(&t, TG_CRED_KEY_PAIR, kp);
    kp = key_pair_rec(KP_2, APP_2, "KEYTWO02", 1, 1000);
    kp.secret_at = 50000;
    insert_cred(&t, TG_CRED_KEY_PAIR, kp);
    kp = key_pair_rec(KP_3, APP_3, "KEYTHREE", 1, 1000);
    kp.secret_at = 900000; /* account B has no age: never expiring */
    insert_cred(&t, TG_CRED_KEY_PAIR, kp);

    memset(&kp, 0, sizeof(kp));
    assert_rc(tg_store_cred_get(&t, TG_CRED_KEY_PAIR, TG_STR(KP_2), &kp),
              TG_OK);
    assert_i64_equal(kp.secret_at, 50000);
    tg_cred_free(&kp);

    memset(&filter, 0, sizeof(filter));
    filter.enabled = -1;
    filter.limit = 10;
    filter.expiring_before = 101000; /* KP_1 passes 100 s at 101000 */
    check_list(&t, &filter, 0, NULL);
    filter.expiring_before = 101001;
    check_list(&t, &filter, 1, APP_1, NULL);
    filter.expiring_before = 150001;
    check_list(&t, &filter, 2, APP_1, APP_2, NULL);
    filter.expiring_before = INT64_MAX / 2;
    check_list(&t, &filter, 2, APP_1, APP_2, NULL);

    /* An AppCode ages from its last change: APP_3's account B now has
     * an age too, and its code, set at 2000, passes 100 s at 102000
     * (its key pair, set at 900000, much later). */
    assert_rc(tg_store_account_get(&t, TG_STR(ACC_B), &a), TG_OK);
    a.policy.max_secret_age = 100;
    assert_rc(tg_store_account_update(&t, &a), TG_OK);
    tg_account_free(&a);
    insert_cred(&t, TG_CRED_APP_CODE, code_rec(CODE_1, APP_3, "hash3", 2000));
    filter.expiring_before = 102000;
    check_list(&t, &filter, 1, APP_1, NULL);
    filter.expiring_before = 102001;
    check_list(&t, &filter, 2, APP_1, APP_3, NULL);

    assert_rc(tg_store_change_last(&t, &before), TG_OK);
    assert_rc(tg_store_change_account_apps(&t, TG_STR(ACC_A), 5000), TG_OK);
    assert_rc(tg_store_change_last(&t, &after), TG_OK);
    assert_i64_equal(after - before, seq_seen(f, 0, 2));
    assert_rc(tg_store_change_account_apps(&t, TG_STR(ID("acca", 9)), 5000),
              TG_OK);
    assert_rc(tg_store_change_last(&t, &before), TG_OK);
    assert_i64_equal(before, after);

    tg_txn_rollback(&t);
}


static void
test_key_pairs(void **state)
{
    fixture_t *f = *state;
    tg_cred_t  kp, *items;
    size_t     n;
    int64_t    count;
    tg_txn_t   t;

    t = begin_with_apps(f, 2);

    /* The primary pair lists first, then the oldest. */
    insert_cred(&t, TG_CRED_KEY_PAIR,
                key_pair_rec(KP_1, APP_1, "KEYONE01", 0, 1000));
    insert_cred(&t, TG_CRED_KEY_PAIR,
                key_pair_rec(KP_2, APP_1, "KEYTWO02", 1, 2000));
    insert_cred(&t, TG_CRED_KEY_PAIR,
                key_pair_rec(KP_3, APP_1, "KEYTHREE", 0, 500));

    memset(&kp, 0, sizeof(kp));
    assert_rc(tg_store_cred_get(&t, TG_CRED_KEY_PAIR, TG_STR(KP_1), &kp),
              TG_OK);
    assert_string_equal(kp.id, KP_1);
    assert_string_equal(kp.app, APP_1);
    assert_string_equal(kp.key, "KEYONE01");
    assert_string_equal(kp.sealed, "tg1.k1.c2VhbGVk");
    assert_int_equal(kp.primary, 0);
    assert_null(kp.prev_key);
    assert_null(kp.prev_sealed);
    assert_i64_equal(kp.prev_expires_at, 0);
    assert_i64_equal(kp.created_at, 1000);
    tg_cred_free(&kp);

    assert_rc(tg_store_cred_find(&t, TG_CRED_KEY_PAIR, TG_STR("KEYTWO02"), &kp),
              TG_OK);
    assert_string_equal(kp.id, KP_2);
    tg_cred_free(&kp);
    assert_rc(tg_store_cred_find(&t, TG_CRED_KEY_PAIR, TG_STR("keytwo02"), &kp),
              TG_EKEY_NOT_FOUND);
    assert_null(kp.key);

    assert_rc(tg_store_cred_primary(&t, TG_CRED_KEY_PAIR, TG_STR(APP_1), &kp),
              TG_OK);
    assert_string_equal(kp.id, KP_2);
    tg_cred_free(&kp);
    assert_rc(tg_store_cred_primary(&t, TG_CRED_KEY_PAIR, TG_STR(APP_2), &kp),
              TG_EKEY_NOT_FOUND);

    assert_rc(
        tg_store_cred_list(&t, TG_CRED_KEY_PAIR, TG_STR(APP_1), &items, &n),
        TG_OK);
    assert_int_equal(n, 3);
    assert_string_equal(items[0].id, KP_2);
    assert_string_equal(items[1].id, KP_3);
    assert_string_equal(items[2].id, KP_1);
    tg_store_cred_list_free(items, n);

    assert_rc(
        tg_store_cred_list(&t, TG_CRED_KEY_PAIR, TG_STR(APP_2), &items, &n),
        TG_OK);
    assert_int_equal(n, 0);
    tg_store_cred_list_free(items, n);

    assert_rc(tg_store_cred_count(&t, TG_CRED_KEY_PAIR, TG_STR(APP_1), &count),
              TG_OK);
    assert_i64_equal(count, 3);

    /* AppKeys are unique across apps, ids too. */
    kp = key_pair_rec(ID("b0b0", 9), APP_2, "KEYONE01", 1, 1);
    assert_rc(tg_store_cred_insert(&t, TG_CRED_KEY_PAIR, &kp), TG_ECONFLICT);
    kp = key_pair_rec(KP_1, APP_2, "KEYOTHER", 1, 1);
    assert_rc(tg_store_cred_insert(&t, TG_CRED_KEY_PAIR, &kp), TG_ECONFLICT);

    commit(&t);
}


/* A credential with a drawn name goes in unless its id or name (key, or
 * hash) is taken, which is no error: the transaction goes on. */
static void
test_cred_insert_new(void **state)
{
    fixture_t *f = *state;
    tg_cred_t  c;
    int64_t    count = 0;
    int        inserted = -1;
    tg_txn_t   t;

    t = begin_with_apps(f, 2);
    insert_cred(&t, TG_CRED_KEY_PAIR,
                key_pair_rec(KP_1, APP_1, "KEYONE01", 1, 1000));
    insert_cred(&t, TG_CRED_APP_CODE,
                cred_rec(CODE_1, APP_1, NULL, HASH("1"), "s1", 0, 1000));

    c = key_pair_rec(KP_2, APP_2, "KEYONE01", 1, 2000);
    assert_rc(tg_store_cred_insert_new(&t, TG_CRED_KEY_PAIR, &c, &inserted),
              TG_OK);
    assert_int_equal(inserted, 0);
    c = key_pair_rec(KP_1, APP_2, "KEYTWO02", 1, 2000);
    assert_rc(tg_store_cred_insert_new(&t, TG_CRED_KEY_PAIR, &c, &inserted),
              TG_OK);
    assert_int_equal(inserted, 0);
    c = cred_rec(CODE_2, APP_2, NULL, HASH("1"), "s2", 0, 2000);
    assert_rc(tg_store_cred_insert_new(&t, TG_CRED_APP_CODE, &c, &inserted),
              TG_OK);
    assert_int_equal(inserted, 0);

    c = key_pair_rec(KP_2, APP_2, "KEYTWO02", 1, 2000);
    assert_rc(tg_store_cred_insert_new(&t, TG_CRED_KEY_PAIR, &c, &inserted),
              TG_OK);
    assert_int_equal(inserted, 1);
    c = cred_rec(CODE_2, APP_2, NULL, HASH("2"), "s2", 0, 2000);
    assert_rc(tg_store_cred_insert_new(&t, TG_CRED_APP_CODE, &c, &inserted),
              TG_OK);
    assert_int_equal(inserted, 1);
    commit(&t);

    t = begin(f);
    assert_rc(tg_store_cred_count(&t, TG_CRED_KEY_PAIR, TG_STR(APP_2), &count),
              TG_OK);
    assert_i64_equal(count, 1);
    assert_rc(tg_store_cred_count(&t, TG_CRED_APP_CODE, TG_STR(APP_2), &count),
              TG_OK);
    assert_i64_equal(count, 1);
    tg_txn_rollback(&t);
}


static void
test_key_pair_update_delete(void **state)
{
    fixture_t *f = *state;
    tg_cred_t  kp;
    tg_txn_t   t;

    t = begin_with_apps(f, 1);
    insert_cred(&t, TG_CRED_KEY_PAIR,
                key_pair_rec(KP_1, APP_1, "KEYONE01", 1, 1000));

    /* A reset with grace keeps the replaced key and secret. */
    kp = key_pair_rec(KP_1, APP_1, "KEYONE02", 1, 1000);
    kp.sealed = (char *) "tg1.k1.bmV3";
    kp.prev_key = (char *) "KEYONE01";
    kp.prev_sealed = (char *) "tg1.k1.b2xk";
    kp.prev_expires_at = 9000;
    kp.updated_at = 3000;
    assert_rc(tg_store_cred_update(&t, TG_CRED_KEY_PAIR, &kp), TG_OK);

    memset(&kp, 0, sizeof(kp));
    assert_rc(tg_store_cred_get(&t, TG_CRED_KEY_PAIR, TG_STR(KP_1), &kp),
              TG_OK);
    assert_string_equal(kp.key, "KEYONE02");
    assert_string_equal(kp.sealed, "tg1.k1.bmV3");
    assert_string_equal(kp.prev_key, "KEYONE01");
    assert_string_equal(kp.prev_sealed, "tg1.k1.b2xk");
    assert_i64_equal(kp.prev_expires_at, 9000);
    assert_i64_equal(kp.created_at, 1000);
    assert_i64_equal(kp.updated_at, 3000);
    tg_cred_free(&kp);

    /* find() looks at current keys only. */
    assert_rc(tg_store_cred_find(&t, TG_CRED_KEY_PAIR, TG_STR("KEYONE01"), &kp),
              TG_EKEY_NOT_FOUND);
    assert_rc(tg_store_cred_find(&t, TG_CRED_KEY_PAIR, TG_STR("KEYONE02"), &kp),
              TG_OK);
    tg_cred_free(&kp);

    /* The grace ends: the previous key goes back to NULL. */
    kp = key_pair_rec(KP_1, APP_1, "KEYONE02", 0, 1000);
    kp.updated_at = 4000;
    assert_rc(tg_store_cred_update(&t, TG_CRED_KEY_PAIR, &kp), TG_OK);
    memset(&kp, 0, sizeof(kp));
    assert_rc(tg_store_cred_get(&t, TG_CRED_KEY_PAIR, TG_STR(KP_1), &kp),
              TG_OK);
    assert_null(kp.prev_key);
    assert_null(kp.prev_sealed);
    assert_i64_equal(kp.prev_expires_at, 0);
    assert_int_equal(kp.primary, 0);
    tg_cred_free(&kp);

    kp = key_pair_rec(KP_2, APP_1, "KEYGHOST", 0, 1000);
    assert_rc(tg_store_cred_update(&t, TG_CRED_KEY_PAIR, &kp),
              TG_EKEY_NOT_FOUND);

    assert_cred_deletes(&t, TG_CRED_KEY_PAIR, KP_1, TG_EKEY_NOT_FOUND);

    commit(&t);
}


/* A secret-only update writes the secret, grace and times, and leaves the
 * key and the key in grace as stored; an AppCode is updated whole. */
static void
test_key_pair_update_secret(void **state)
{
    fixture_t *f = *state;
    tg_cred_t  kp, code;
    tg_txn_t   t;

    t = begin_with_apps(f, 1);
    kp = key_pair_rec(KP_1, APP_1, "KEYONE01", 1, 1000);
    kp.prev_key = (char *) "KEYOLD01";
    kp.prev_sealed = (char *) "tg1.k1.b2xk";
    kp.prev_expires_at = 9000;
    insert_cred(&t, TG_CRED_KEY_PAIR, kp);

    /* The key columns given here are not written. */
    kp = key_pair_rec(KP_1, APP_1, "KEYIGNORED", 0, 1000);
    kp.sealed = (char *) "tg1.k1.bmV3";
    kp.prev_key = (char *) "KEYIGNORED";
    kp.prev_sealed = NULL;
    kp.prev_expires_at = 0;
    kp.secret_at = 5000;
    kp.updated_at = 5000;
    assert_rc(tg_store_cred_update_secret(&t, TG_CRED_KEY_PAIR, &kp), TG_OK);

    memset(&kp, 0, sizeof(kp));
    assert_rc(tg_store_cred_get(&t, TG_CRED_KEY_PAIR, TG_STR(KP_1), &kp),
              TG_OK);
    assert_string_equal(kp.key, "KEYONE01");
    assert_string_equal(kp.prev_key, "KEYOLD01");
    assert_string_equal(kp.sealed, "tg1.k1.bmV3");
    assert_null(kp.prev_sealed);
    assert_i64_equal(kp.prev_expires_at, 0);
    assert_int_equal(kp.primary, 0);
    assert_i64_equal(kp.secret_at, 5000);
    assert_i64_equal(kp.updated_at, 5000);
    assert_i64_equal(kp.created_at, 1000);
    tg_cred_free(&kp);

    /* The key is still found by its index. */
    assert_rc(tg_store_cred_find(&t, TG_CRED_KEY_PAIR, TG_STR("KEYONE01"), &kp),
              TG_OK);
    tg_cred_free(&kp);

    kp = key_pair_rec(KP_2, APP_1, "KEYGHOST", 0, 1000);
    assert_rc(tg_store_cred_update_secret(&t, TG_CRED_KEY_PAIR, &kp),
              TG_EKEY_NOT_FOUND);

    /* An AppCode's secret is indexed: the whole row is written. */
    insert_cred(&t, TG_CRED_APP_CODE, code_rec(CODE_1, APP_1, HASH("1"), 1));
    code = code_rec(CODE_1, APP_1, HASH("2"), 1);
    assert_rc(tg_store_cred_update_secret(&t, TG_CRED_APP_CODE, &code), TG_OK);
    assert_rc(
        tg_store_cred_find(&t, TG_CRED_APP_CODE, TG_STR(HASH("2")), &code),
        TG_OK);
    tg_cred_free(&code);

    commit(&t);
}


static void
test_key_pair_page(void **state)
{
    fixture_t *f = *state;
    tg_cred_t *items;
    size_t     n;
    tg_txn_t   t;

    seed_apps(f);
    assert_rc(tg_txn_begin(f->store, 0, &t), TG_OK);

    assert_rc(
        tg_store_cred_page(&t, TG_CRED_KEY_PAIR, TG_STR(""), 2, &items, &n),
        TG_OK);
    assert_int_equal(n, 2);
    assert_string_equal(items[0].id, KP_1);
    assert_string_equal(items[1].id, KP_2);
    tg_store_cred_list_free(items, n);

    assert_rc(
        tg_store_cred_page(&t, TG_CRED_KEY_PAIR, TG_STR(KP_2), 2, &items, &n),
        TG_OK);
    assert_int_equal(n, 1);
    assert_string_equal(items[0].id, KP_3);
    tg_store_cred_list_free(items, n);

    assert_rc(
        tg_store_cred_page(&t, TG_CRED_KEY_PAIR, TG_STR(KP_3), 2, &items, &n),
        TG_OK);
    assert_int_equal(n, 0);
    tg_store_cred_list_free(items, n);

    commit(&t);
}


static int
key_taken(tg_txn_t *t, const char *key, const char *except, int64_t now)
{
    int taken = -1;

    assert_rc(tg_store_cred_taken(t, TG_CRED_KEY_PAIR, tg_str_c(key),
                                  tg_str_c(except), now, &taken),
              TG_OK);
    return taken;
}


/* A current AppKey is always taken; a replaced one only while its grace
 * lasts, that is while prev_expires_at > now. */
static void
test_app_key_taken(void **state)
{
    fixture_t *f = *state;
    tg_cred_t  kp;
    tg_txn_t   t;

    t = begin_with_apps(f, 1);

    kp = key_pair_rec(KP_1, APP_1, "CURRENT1", 1, 1000);
    kp.prev_key = (char *) "REPLACED1";
    kp.prev_sealed = (char *) "tg1.k1.b2xk";
    kp.prev_expires_at = 5000;
    assert_rc(tg_store_cred_insert(&t, TG_CRED_KEY_PAIR, &kp), TG_OK);
    insert_cred(&t, TG_CRED_KEY_PAIR,
                key_pair_rec(KP_2, APP_1, "CURRENT2", 0, 1000));

    assert_int_equal(key_taken(&t, "CURRENT1", "", 0), 1);
    assert_int_equal(key_taken(&t, "CURRENT1", "", 99999), 1);
    assert_int_equal(key_taken(&t, "CURRENT1", KP_1, 0), 0);
    assert_int_equal(key_taken(&t, "CURRENT1", KP_2, 0), 1);

    assert_int_equal(key_taken(&t, "REPLACED1", "", 0), 1);
    assert_int_equal(key_taken(&t, "REPLACED1", "", 4999), 1);
    assert_int_equal(key_taken(&t, "REPLACED1", "", 5000), 0);
    assert_int_equal(key_taken(&t, "REPLACED1", "", 5001), 0);
    assert_int_equal(key_taken(&t, "REPLACED1", KP_1, 0), 0);
    assert_int_equal(key_taken(&t, "REPLACED1", KP_2, 0), 1);

    assert_int_equal(key_taken(&t, "UNUSED", "", 0), 0);
    assert_int_equal(key_taken(&t, "current1", "", 0), 0);

    commit(&t);
}


/* ---- AppCodes ---- */


static void
test_app_codes(void **state)
{
    fixture_t *f = *state;
    tg_cred_t  code, *items;
    size_t     n;
    int64_t    count;
    tg_txn_t   t;

    t = begin_with_apps(f, 2);

    insert_cred(&t, TG_CRED_APP_CODE, code_rec(CODE_1, APP_1, HASH("1"), 2000));
    insert_cred(&t, TG_CRED_APP_CODE, code_rec(CODE_2, APP_1, HASH("2"), 1000));
    insert_cred(&t, TG_CRED_APP_CODE, code_rec(CODE_3, APP_2, HASH("3"), 1000));

    memset(&code, 0, sizeof(code));
    assert_rc(tg_store_cred_get(&t, TG_CRED_APP_CODE, TG_STR(CODE_1), &code),
              TG_OK);
    assert_string_equal(code.id, CODE_1);
    assert_string_equal(code.app, APP_1);
    assert_string_equal(code.hash, HASH("1"));
    assert_string_equal(code.sealed, "tg1.k1.Y29kZQ==");
    assert_i64_equal(code.created_at, 2000);
    tg_cred_free(&code);

    assert_rc(
        tg_store_cred_find(&t, TG_CRED_APP_CODE, TG_STR(HASH("2")), &code),
        TG_OK);
    assert_string_equal(code.id, CODE_2);
    tg_cred_free(&code);
    assert_rc(
        tg_store_cred_find(&t, TG_CRED_APP_CODE, TG_STR(HASH("9")), &code),
        TG_ECODE_NOT_FOUND);
    assert_rc(
        tg_store_cred_get(&t, TG_CRED_APP_CODE, TG_STR(ID("c0de", 9)), &code),
        TG_ECODE_NOT_FOUND);

    /* Oldest first. */
    assert_rc(
        tg_store_cred_list(&t, TG_CRED_APP_CODE, TG_STR(APP_1), &items, &n),
        TG_OK);
    assert_int_equal(n, 2);
    assert_string_equal(items[0].id, CODE_2);
    assert_string_equal(items[1].id, CODE_1);
    tg_store_cred_list_free(items, n);

    assert_rc(tg_store_cred_count(&t, TG_CRED_APP_CODE, TG_STR(APP_1), &count),
              TG_OK);
    assert_i64_equal(count, 2);

    /* Hashes are unique across apps. */
    code = code_rec(ID("c0de", 9), APP_2, HASH("1"), 1);
    assert_rc(tg_store_cred_insert(&t, TG_CRED_APP_CODE, &code), TG_ECONFLICT);

    assert_rc(tg_store_cred_page(&t, TG_CRED_APP_CODE, TG_STR(CODE_1), 10,
                                 &items, &n),
              TG_OK);
    assert_int_equal(n, 2);
    assert_string_equal(items[0].id, CODE_2);
    assert_string_equal(items[1].id, CODE_3);
    tg_store_cred_list_free(items, n);

    commit(&t);
}


static void
test_app_code_update_delete(void **state)
{
    fixture_t *f = *state;
    tg_cred_t  code;
    tg_txn_t   t;

    t = begin_with_apps(f, 1);
    insert_cred(&t, TG_CRED_APP_CODE, code_rec(CODE_1, APP_1, HASH("1"), 1000));
    insert_cred(&t, TG_CRED_APP_CODE, code_rec(CODE_2, APP_1, HASH("2"), 1000));

    /* A reset: new hash and sealed code. */
    code = code_rec(CODE_1, APP_1, HASH("a"), 1000);
    code.sealed = (char *) "tg1.k1.bmV3";
    code.updated_at = 5000;
    assert_rc(tg_store_cred_update(&t, TG_CRED_APP_CODE, &code), TG_OK);

    assert_rc(
        tg_store_cred_find(&t, TG_CRED_APP_CODE, TG_STR(HASH("1")), &code),
        TG_ECODE_NOT_FOUND);
    memset(&code, 0, sizeof(code));
    assert_rc(
        tg_store_cred_find(&t, TG_CRED_APP_CODE, TG_STR(HASH("a")), &code),
        TG_OK);
    assert_string_equal(code.id, CODE_1);
    assert_string_equal(code.sealed, "tg1.k1.bmV3");
    assert_i64_equal(code.created_at, 1000);
    assert_i64_equal(code.updated_at, 5000);
    tg_cred_free(&code);

    /* Onto another code's hash. */
    code = code_rec(CODE_1, APP_1, HASH("2"), 1000);
    assert_rc(tg_store_cred_update(&t, TG_CRED_APP_CODE, &code), TG_ECONFLICT);

    code = code_rec(ID("c0de", 9), APP_1, HASH("9"), 1000);
    assert_rc(tg_store_cred_update(&t, TG_CRED_APP_CODE, &code),
              TG_ECODE_NOT_FOUND);

    assert_cred_deletes(&t, TG_CRED_APP_CODE, CODE_1, TG_ECODE_NOT_FOUND);

    tg_txn_rollback(&t);
}


/* A secret-named kind's name is its hash: taken by any other code, even
 * of another app, and free once it was replaced. */
static void
test_app_code_taken(void **state)
{
    fixture_t *f = *state;
    tg_cred_t  code;
    tg_txn_t   t;
    int        taken = -1;

    t = begin_with_apps(f, 2);
    insert_cred(&t, TG_CRED_APP_CODE, code_rec(CODE_1, APP_1, HASH("1"), 1000));

    assert_rc(tg_store_cred_taken(&t, TG_CRED_APP_CODE, TG_STR(HASH("1")),
                                  TG_STR(""), 0, &taken),
              TG_OK);
    assert_int_equal(taken, 1);
    assert_rc(tg_store_cred_taken(&t, TG_CRED_APP_CODE, TG_STR(HASH("1")),
                                  TG_STR(CODE_1), 0, &taken),
              TG_OK);
    assert_int_equal(taken, 0);
    assert_rc(tg_store_cred_taken(&t, TG_CRED_APP_CODE, TG_STR(HASH("2")),
                                  TG_STR(""), 0, &taken),
              TG_OK);
    assert_int_equal(taken, 0);

    code = code_rec(CODE_1, APP_1, HASH("2"), 1000);
    assert_rc(tg_store_cred_update(&t, TG_CRED_APP_CODE, &code), TG_OK);
    assert_rc(tg_store_cred_taken(&t, TG_CRED_APP_CODE, TG_STR(HASH("1")),
                                  TG_STR(""), 0, &taken),
              TG_OK);
    assert_int_equal(taken, 0);

    /* A kind without a primary has none. */
    assert_rc(tg_store_cred_primary(&t, TG_CRED_APP_CODE, TG_STR(APP_1), &code),
              TG_ECODE_NOT_FOUND);

    tg_txn_rollback(&t);
}


/* The primary and the lists read every column of either kind. */
static void
test_cred_lists_read_every_column(void **state)
{
    fixture_t *f = *state;
    tg_cred_t  c, kp, *pairs, *codes;
    size_t     n;
    tg_txn_t   t;

    seed_apps(f);
    t = begin(f);
    insert_cred(&t, TG_CRED_APP_CODE, code_rec(CODE_1, APP_1, HASH("1"), 2000));
    insert_cred(&t, TG_CRED_APP_CODE, code_rec(CODE_2, APP_1, HASH("2"), 1000));

    c = key_pair_rec(KP_2, APP_1, "KEYALPHA2", 0, 1100);
    c.prev_key = (char *) "KEYOLD";
    c.prev_sealed = (char *) "tg1.k1.b2xk";
    c.prev_expires_at = 9000;
    c.updated_at = 3000;
    assert_rc(tg_store_cred_update(&t, TG_CRED_KEY_PAIR, &c), TG_OK);

    memset(&kp, 0, sizeof(kp));
    assert_rc(tg_store_cred_primary(&t, TG_CRED_KEY_PAIR, TG_STR(APP_1), &kp),
              TG_OK);
    assert_string_equal(kp.id, KP_1);
    assert_string_equal(kp.app, APP_1);
    assert_string_equal(kp.key, "KEYALPHA1");
    assert_string_equal(kp.sealed, "tg1.k1.c2VhbGVk");
    assert_int_equal(kp.primary, 1);
    tg_cred_free(&kp);
    assert_rc(tg_store_cred_primary(&t, TG_CRED_KEY_PAIR, TG_STR(APP_3), &kp),
              TG_EKEY_NOT_FOUND);

    assert_rc(
        tg_store_cred_list(&t, TG_CRED_KEY_PAIR, TG_STR(APP_1), &pairs, &n),
        TG_OK);
    assert_int_equal(n, 2);
    assert_string_equal(pairs[0].id, KP_1);
    assert_string_equal(pairs[1].id, KP_2);
    assert_string_equal(pairs[1].prev_key, "KEYOLD");
    assert_string_equal(pairs[1].prev_sealed, "tg1.k1.b2xk");
    assert_i64_equal(pairs[1].prev_expires_at, 9000);
    assert_i64_equal(pairs[1].created_at, 1100);
    assert_i64_equal(pairs[1].updated_at, 3000);
    tg_store_cred_list_free(pairs, n);

    assert_rc(
        tg_store_cred_list(&t, TG_CRED_APP_CODE, TG_STR(APP_1), &codes, &n),
        TG_OK);
    assert_int_equal(n, 2);
    assert_string_equal(codes[0].id, CODE_2);
    assert_string_equal(codes[0].app, APP_1);
    assert_string_equal(codes[0].hash, HASH("2"));
    assert_string_equal(codes[0].sealed, "tg1.k1.Y29kZQ==");
    assert_null(codes[0].key);
    assert_null(codes[0].prev_key);
    assert_null(codes[0].prev_sealed);
    assert_int_equal(codes[0].primary, 0);
    assert_i64_equal(codes[1].created_at, 2000);
    tg_store_cred_list_free(codes, n);

    assert_rc(
        tg_store_cred_list(&t, TG_CRED_APP_CODE, TG_STR(APP_3), &codes, &n),
        TG_OK);
    assert_int_equal(n, 0);
    assert_null(codes);

    tg_txn_rollback(&t);
}


/* ---- APIs and grants ---- */


static void
test_apis(void **state)
{
    fixture_t *f = *state;
    tg_api_t   api, *items;
    size_t     n;
    int64_t    total;
    tg_txn_t   t;

    seed_accounts(f);
    t = begin(f);

    api = api_rec(API_1, ACC_A, "payments", 1000);
    api.description = (char *) "Payments API";
    snprintf(api.stage, sizeof(api.stage), "RELEASE");
    assert_rc(tg_store_api_insert(&t, &api), TG_OK);
    insert_api(&t, API_2, ACC_A, "billing", 2000);
    insert_api(&t, API_3, ACC_B, "zeta", 3000);

    memset(&api, 0, sizeof(api));
    assert_rc(tg_store_api_get(&t, TG_STR(API_1), &api), TG_OK);
    assert_string_equal(api.id, API_1);
    assert_string_equal(api.account_id, ACC_A);
    assert_string_equal(api.name, "payments");
    assert_string_equal(api.description, "Payments API");
    assert_string_equal(api.stage, "RELEASE");
    assert_i64_equal(api.created_at, 1000);
    tg_api_free(&api);

    assert_rc(tg_store_api_find(&t, TG_STR("zeta"), &api), TG_OK);
    assert_string_equal(api.id, API_3);
    assert_string_equal(api.stage, "");
    tg_api_free(&api);
    assert_rc(tg_store_api_find(&t, TG_STR("nope"), &api), TG_EAPI_NOT_FOUND);
    assert_rc(tg_store_api_get(&t, TG_STR(ID("d0d0", 9)), &api),
              TG_EAPI_NOT_FOUND);

    /* API names are unique across accounts. */
    api = api_rec(ID("d0d0", 9), ACC_B, "payments", 1);
    assert_rc(tg_store_api_insert(&t, &api), TG_ECONFLICT);

    /* By name, per account or all. */
    assert_rc(tg_store_api_list(&t, TG_STR(ACC_A), 10, 0, &items, &n, &total),
              TG_OK);
    assert_int_equal(n, 2);
    assert_i64_equal(total, 2);
    assert_string_equal(items[0].name, "billing");
    assert_string_equal(items[1].name, "payments");
    tg_store_api_list_free(items, n);

    assert_rc(tg_store_api_list(&t, TG_STR_NULL, 10, 0, &items, &n, &total),
              TG_OK);
    assert_int_equal(n, 3);
    assert_i64_equal(total, 3);
    assert_string_equal(items[2].name, "zeta");
    tg_store_api_list_free(items, n);

    assert_rc(tg_store_api_list(&t, TG_STR_NULL, 1, 1, &items, &n, &total),
              TG_OK);
    assert_int_equal(n, 1);
    assert_i64_equal(total, 3);
    assert_string_equal(items[0].name, "payments");
    tg_store_api_list_free(items, n);

    commit(&t);
}


static void
test_api_update_delete(void **state)
{
    fixture_t *f = *state;
    tg_api_t   api;
    tg_grant_t grant;
    tg_txn_t   t;

    t = begin_with_apps(f, 1);
    insert_api(&t, API_1, ACC_A, "payments", 1000);
    insert_api(&t, API_2, ACC_A, "billing", 1000);
    insert_grant(&t, GR_1, APP_1, API_1, "RELEASE", 1000);
    insert_grant(&t, GR_2, APP_1, API_2, "RELEASE", 1000);

    api = api_rec(API_1, ACC_A, "payments", 1000);
    api.description = (char *) "v2";
    snprintf(api.stage, sizeof(api.stage), "TEST");
    api.updated_at = 2000;
    assert_rc(tg_store_api_update(&t, &api), TG_OK);

    memset(&api, 0, sizeof(api));
    assert_rc(tg_store_api_get(&t, TG_STR(API_1), &api), TG_OK);
    assert_string_equal(api.description, "v2");
    assert_string_equal(api.stage, "TEST");
    assert_i64_equal(api.created_at, 1000);
    assert_i64_equal(api.updated_at, 2000);
    tg_api_free(&api);

    api = api_rec(ID("d0d0", 9), ACC_A, "ghost", 1000);
    assert_rc(tg_store_api_update(&t, &api), TG_EAPI_NOT_FOUND);

    /* Deleting an API deletes its grants, and only its own. */
    assert_rc(tg_store_api_delete(&t, TG_STR(API_1)), TG_OK);
    assert_rc(tg_store_api_get(&t, TG_STR(API_1), &api), TG_EAPI_NOT_FOUND);
    memset(&grant, 0, sizeof(grant));
    assert_rc(tg_store_grant_find(&t, TG_STR(APP_1), TG_STR(API_1),
                                  TG_STR("RELEASE"), &grant),
              TG_EGRANT_NOT_FOUND);
    assert_rc(tg_store_grant_find(&t, TG_STR(APP_1), TG_STR(API_2),
                                  TG_STR("RELEASE"), &grant),
              TG_OK);
    tg_grant_free(&grant);
    assert_rc(tg_store_api_delete(&t, TG_STR(API_1)), TG_EAPI_NOT_FOUND);

    commit(&t);
}


/*
 * Grants over:  APP_1 "alpha" (A) and APP_4 "delta" (B);
 *               API_1 "payments" and API_2 "billing".
 */
static void
seed_grants(fixture_t *f)
{
    tg_grant_t g;
    tg_txn_t   t;

    t = begin_with_apps(f, 1);
    insert_app(&t, APP_4, 10000000000004, ACC_B, "delta", 1000);
    insert_api(&t, API_1, ACC_A, "payments", 1000);
    insert_api(&t, API_2, ACC_A, "billing", 1000);

    insert_grant(&t, GR_1, APP_1, API_1, "RELEASE", 1000);
    g = grant_rec(GR_2, APP_1, API_2, "TEST", 2000);
    g.expires_at = 5000;
    assert_rc(tg_store_grant_insert(&t, &g), TG_OK);
    insert_grant(&t, GR_3, APP_4, API_1, "RELEASE", 3000);
    insert_grant(&t, GR_4, APP_1, API_1, "PRE", 4000);
    commit(&t);
}


static void
test_grants(void **state)
{
    fixture_t *f = *state;
    tg_grant_t g;
    tg_txn_t   t;

    seed_grants(f);
    t = begin(f);

    /* A grant reads with its app's and API's names. */
    memset(&g, 0, sizeof(g));
    assert_rc(tg_store_grant_find(&t, TG_STR(APP_1), TG_STR(API_2),
                                  TG_STR("TEST"), &g),
              TG_OK);
    assert_string_equal(g.id, GR_2);
    assert_string_equal(g.app, APP_1);
    assert_string_equal(g.api, API_2);
    assert_string_equal(g.stage, "TEST");
    assert_i64_equal(g.expires_at, 5000);
    assert_i64_equal(g.created_at, 2000);
    assert_string_equal(g.app_name, "alpha");
    assert_i64_equal(g.app_numeric_id, 10000000000001);
    assert_string_equal(g.app_account_id, ACC_A);
    assert_string_equal(g.api_name, "billing");
    tg_grant_free(&g);

    assert_rc(tg_store_grant_find(&t, TG_STR(APP_1), TG_STR(API_2),
                                  TG_STR("RELEASE"), &g),
              TG_EGRANT_NOT_FOUND);
    assert_null(g.app_name);
    assert_rc(tg_store_grant_find(&t, TG_STR(APP_4), TG_STR(API_2),
                                  TG_STR("TEST"), &g),
              TG_EGRANT_NOT_FOUND);

    /* One grant per app, API and stage. */
    g = grant_rec(ID("e0e0", 9), APP_1, API_1, "RELEASE", 9000);
    assert_rc(tg_store_grant_insert(&t, &g), TG_ECONFLICT);

    g = grant_rec(GR_2, APP_1, API_2, "TEST", 2000);
    g.expires_at = 0;
    g.updated_at = 6000;
    assert_rc(tg_store_grant_update(&t, &g), TG_OK);
    memset(&g, 0, sizeof(g));
    assert_rc(tg_store_grant_find(&t, TG_STR(APP_1), TG_STR(API_2),
                                  TG_STR("TEST"), &g),
              TG_OK);
    assert_i64_equal(g.expires_at, 0);
    assert_i64_equal(g.updated_at, 6000);
    tg_grant_free(&g);

    g = grant_rec(ID("e0e0", 9), APP_1, API_1, "X", 1);
    assert_rc(tg_store_grant_update(&t, &g), TG_EGRANT_NOT_FOUND);

    /* By its id, with the same names. */
    memset(&g, 0, sizeof(g));
    assert_rc(tg_store_grant_get(&t, TG_STR(GR_2), &g), TG_OK);
    assert_string_equal(g.app, APP_1);
    assert_string_equal(g.api, API_2);
    assert_string_equal(g.stage, "TEST");
    assert_string_equal(g.api_name, "billing");
    tg_grant_free(&g);
    assert_rc(tg_store_grant_get(&t, TG_STR(ID("e0e0", 9)), &g),
              TG_EGRANT_NOT_FOUND);
    assert_null(g.app_name);

    assert_rc(tg_store_grant_delete(&t, TG_STR(GR_2)), TG_OK);
    assert_rc(tg_store_grant_get(&t, TG_STR(GR_2), &g), TG_EGRANT_NOT_FOUND);
    assert_rc(tg_store_grant_find(&t, TG_STR(APP_1), TG_STR(API_2),
                                  TG_STR("TEST"), &g),
              TG_EGRANT_NOT_FOUND);
    assert_rc(tg_store_grant_delete(&t, TG_STR(GR_2)), TG_EGRANT_NOT_FOUND);

    commit(&t);
}


/* Checks a listing of the APIs an app is not granted on a stage. */
static void
check_ungranted(tg_txn_t *t, const char *app, const char *stage, int64_t limit,
                int64_t offset, int64_t expect_total, const char *first,
                const char *second)
{
    tg_api_t *items = NULL;
    size_t    n = 0;
    int64_t   total = -1;

    assert_rc(tg_store_api_list_ungranted(t, tg_str_c(app), tg_str_c(stage),
                                          limit, offset, &items, &n, &total),
              TG_OK);
    assert_i64_equal(total, expect_total);
    assert_int_equal(n, (first != NULL) + (second != NULL));
    if (first != NULL) {
        assert_string_equal(items[0].id, first);
    }
    if (second != NULL) {
        assert_string_equal(items[1].id, second);
    }
    tg_store_api_list_free(items, n);
}


static void
test_apis_ungranted(void **state)
{
    fixture_t *f = *state;
    tg_txn_t   t;

    seed_grants(f);
    t = begin(f);

    /* By API name: billing (API_2), then payments (API_1). */
    check_ungranted(&t, APP_1, "RELEASE", 10, 0, 1, API_2, NULL);
    check_ungranted(&t, APP_1, "TEST", 10, 0, 1, API_1, NULL);
    check_ungranted(&t, APP_1, "PRE", 10, 0, 1, API_2, NULL);
    check_ungranted(&t, APP_4, "RELEASE", 10, 0, 1, API_2, NULL);
    check_ungranted(&t, APP_4, "TEST", 10, 0, 2, API_2, API_1);
    check_ungranted(&t, APP_4, "TEST", 1, 1, 2, API_1, NULL);
    check_ungranted(&t, APP_4, "TEST", 1, 2, 2, NULL, NULL);
    check_ungranted(&t, ID("ffff", 1), "RELEASE", 10, 0, 2, API_2, API_1);

    commit(&t);
}


/* Checks a grant listing: its total, and the ids of up to three items
 * (NULL: none from there on). */
static void
check_grants(tg_txn_t *t, tg_str_t app, tg_str_t api, tg_str_t account,
             int order, int64_t limit, int64_t offset, int64_t expect_total,
             const char *id0, const char *id1, const char *id2)
{
    const char *const ids[] = { id0, id1, id2 };
    tg_grant_filter_t filter;
    tg_grant_t       *items;
    int64_t           total = -1;
    size_t            n, expect_n = 0;

    memset(&filter, 0, sizeof(filter));
    filter.app = app;
    filter.api = api;
    filter.account_id = account;
    filter.order = order;
    filter.limit = limit;
    filter.offset = offset;

    while (expect_n < 3 && ids[expect_n] != NULL) {
        expect_n++;
    }

    assert_rc(tg_store_grant_list(t, &filter, &items, &n, &total), TG_OK);
    assert_i64_equal(total, expect_total);
    assert_int_equal(n, expect_n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(items[i].id, ids[i]);
    }
    tg_store_grant_list_free(items, n);
}


static void
test_grant_lists(void **state)
{
    fixture_t  *f = *state;
    tg_grant_t *items;
    size_t      n;
    tg_txn_t    t;

    seed_grants(f);
    assert_rc(tg_txn_begin(f->store, 0, &t), TG_OK);

    /* By app: by API name, then stage. */
    assert_rc(tg_store_grant_list_by_app(&t, TG_STR(APP_1), &items, &n), TG_OK);
    assert_int_equal(n, 3);
    assert_string_equal(items[0].id, GR_2); /* billing TEST */
    assert_string_equal(items[1].id, GR_4); /* payments PRE */
    assert_string_equal(items[2].id, GR_1); /* payments RELEASE */
    assert_string_equal(items[0].api_name, "billing");
    tg_store_grant_list_free(items, n);

    /* By API: by app name, then stage; optionally one account's apps. */
    check_grants(&t, TG_STR_NULL, TG_STR(API_1), TG_STR_NULL,
                 TG_GRANT_ORDER_APP, 0, 0, 3, GR_4, GR_1, GR_3);
    check_grants(&t, TG_STR_NULL, TG_STR(API_1), TG_STR(ACC_B),
                 TG_GRANT_ORDER_APP, 0, 0, 1, GR_3, NULL, NULL);
    check_grants(&t, TG_STR_NULL, TG_STR(API_2), TG_STR(ACC_B),
                 TG_GRANT_ORDER_APP, 0, 0, 0, NULL, NULL, NULL);

    /* The same as by app, through the filter. */
    check_grants(&t, TG_STR(APP_1), TG_STR_NULL, TG_STR_NULL,
                 TG_GRANT_ORDER_API, 0, 0, 3, GR_2, GR_4, GR_1);

    commit(&t);
}


/* Filters and pages: the total counts every grant the filter selects. */
static void
test_grant_filters(void **state)
{
    fixture_t        *f = *state;
    tg_grant_filter_t filter;
    tg_grant_t       *items;
    int64_t           total;
    size_t            n;
    tg_txn_t          t;

    seed_grants(f);
    assert_rc(tg_txn_begin(f->store, 0, &t), TG_OK);

    /* Pages of one over an API's three grants. */
    check_grants(&t, TG_STR_NULL, TG_STR(API_1), TG_STR_NULL,
                 TG_GRANT_ORDER_APP, 1, 0, 3, GR_4, NULL, NULL);
    check_grants(&t, TG_STR_NULL, TG_STR(API_1), TG_STR_NULL,
                 TG_GRANT_ORDER_APP, 2, 1, 3, GR_1, GR_3, NULL);
    check_grants(&t, TG_STR_NULL, TG_STR(API_1), TG_STR_NULL,
                 TG_GRANT_ORDER_APP, 2, 4, 3, NULL, NULL, NULL);

    /* By stage, app name and numeric AppId, each exact. */
    memset(&filter, 0, sizeof(filter));
    filter.api = TG_STR(API_1);
    filter.order = TG_GRANT_ORDER_APP;
    filter.stage = TG_STR("RELEASE");
    assert_rc(tg_store_grant_list(&t, &filter, &items, &n, &total), TG_OK);
    assert_int_equal(n, 2);
    assert_i64_equal(total, 2);
    assert_string_equal(items[0].id, GR_1);
    assert_string_equal(items[1].id, GR_3);
    tg_store_grant_list_free(items, n);

    filter.stage = TG_STR("release");
    assert_rc(tg_store_grant_list(&t, &filter, &items, &n, &total), TG_OK);
    assert_int_equal(n, 0);
    tg_store_grant_list_free(items, n);

    filter.stage = TG_STR_NULL;
    filter.app_name = TG_STR("delta");
    assert_rc(tg_store_grant_list(&t, &filter, &items, &n, &total), TG_OK);
    assert_int_equal(n, 1);
    assert_string_equal(items[0].id, GR_3);
    tg_store_grant_list_free(items, n);

    filter.app_name = TG_STR_NULL;
    filter.app_number = 10000000000001;
    assert_rc(tg_store_grant_list(&t, &filter, &items, &n, NULL), TG_OK);
    assert_int_equal(n, 2);
    assert_string_equal(items[0].id, GR_4);
    assert_string_equal(items[1].id, GR_1);
    tg_store_grant_list_free(items, n);

    /* One (app, API) pair on one stage: what a revoke deletes. */
    memset(&filter, 0, sizeof(filter));
    filter.app = TG_STR(APP_1);
    filter.api = TG_STR(API_1);
    filter.stage = TG_STR("PRE");
    assert_rc(tg_store_grant_list(&t, &filter, &items, &n, &total), TG_OK);
    assert_int_equal(n, 1);
    assert_string_equal(items[0].id, GR_4);
    tg_store_grant_list_free(items, n);

    commit(&t);
}


/* ---- audit trail, change log, meta ---- */


static void
insert_event(tg_txn_t *t, int64_t at, const char *actor, const char *account,
             const char *action, const char *app, int success)
{
    tg_audit_event_t e;

    memset(&e, 0, sizeof(e));
    e.at = at;
    snprintf(e.actor, sizeof(e.actor), "%s", actor);
    snprintf(e.account_id, sizeof(e.account_id), "%s", account);
    snprintf(e.action, sizeof(e.action), "%s", action);
    snprintf(e.target_type, sizeof(e.target_type), "app");
    snprintf(e.target, sizeof(e.target), "%s", app);
    snprintf(e.app, sizeof(e.app), "%s", app);
    e.success = success;
    snprintf(e.error, sizeof(e.error), "%s", success ? "" : "invalid_field");
    snprintf(e.request_id, sizeof(e.request_id), "req-%lld", (long long) at);
    snprintf(e.source, sizeof(e.source), "127.0.0.1");
    snprintf(e.detail, sizeof(e.detail), "{\"at\":%lld}", (long long) at);
    assert_rc(tg_store_audit_insert(t, &e), TG_OK);
}


/*
 * Events, in the order inserted:
 *
 *   1  at 1000  TGadmin  A  app.create  APP_1  ok
 *   2  at 2000  TGadmin  A  app.modify  APP_1  failed
 *   3  at 3000  TGother  A  app.create  APP_2  ok
 *   4  at 4000  TGbeta   B  app.create  APP_4  ok
 *   5  at 4000  TGadmin  A  api.create  ""     ok
 */
static void
seed_events(fixture_t *f)
{
    tg_txn_t t = begin(f);

    insert_event(&t, 1000, "TGadmin", ACC_A, "app.create", APP_1, 1);
    insert_event(&t, 2000, "TGadmin", ACC_A, "app.modify", APP_1, 0);
    insert_event(&t, 3000, "TGother", ACC_A, "app.create", APP_2, 1);
    insert_event(&t, 4000, "TGbeta", ACC_B, "app.create", APP_4, 1);
    insert_event(&t, 4000, "TGadmin", ACC_A, "api.create", "", 1);
    commit(&t);
}


static tg_audit_filter_t
any_event(void)
{
    tg_audit_filter_t filter;

    memset(&filter, 0, sizeof(filter));
    filter.limit = 100;
    return filter;
}


/* Lists with filter, expecting total and the request ids (the events'
 * times) that follow, in order, up to a 0. */
static void
check_events(tg_txn_t *t, const tg_audit_filter_t *filter, int64_t expect_total,
             ...)
{
    tg_audit_event_t *items;
    size_t            n, i = 0;
    int64_t           total = -1, at;
    char              request_id[40];
    va_list           ap;

    assert_rc(tg_store_audit_list(t, filter, &items, &n, &total), TG_OK);
    assert_i64_equal(total, expect_total);

    va_start(ap, expect_total);
    while ((at = va_arg(ap, int64_t)) != 0) {
        if (i >= n) {
            print_error("only %zu events listed\n", n);
            fail();
        }
        snprintf(request_id, sizeof(request_id), "req-%lld", (long long) at);
        assert_string_equal(items[i].request_id, request_id);
        i++;
    }
    va_end(ap);

    assert_int_equal(n, i);
    free(items);
}


#define AT(ms) ((int64_t) (ms))


static void
test_audit_round_trip(void **state)
{
    fixture_t        *f = *state;
    tg_audit_event_t  e, *items;
    tg_audit_filter_t filter = any_event();
    size_t            n;
    int64_t           total;
    tg_txn_t          t;

    /* Every field at its longest. */
    memset(&e, 0, sizeof(e));
    e.at = 1700000000123;
    memset(e.actor, 'a', TG_KEY_ID_MAX);
    memcpy(e.account_id, ACC_A, TG_ID_LEN);
    memset(e.action, 'b', TG_AUDIT_ACTION_MAX);
    memset(e.target_type, 'c', sizeof(e.target_type) - 1);
    memset(e.target, 'd', TG_AUDIT_TARGET_MAX);
    memcpy(e.app, APP_1, TG_ID_LEN);
    e.success = 0;
    memset(e.error, 'e', sizeof(e.error) - 1);
    memset(e.request_id, 'f', sizeof(e.request_id) - 1);
    memset(e.source, 'g', TG_AUDIT_SOURCE_MAX);
    memset(e.detail, 'h', TG_AUDIT_DETAIL_MAX);
    memset(e.canonical_action, 'i', TG_AUDIT_ACTION_MAX);

    t = begin(f);
    assert_rc(tg_store_audit_insert(&t, &e), TG_OK);
    commit(&t);

    assert_rc(tg_txn_begin(f->store, 0, &t), TG_OK);
    assert_rc(tg_store_audit_list(&t, &filter, &items, &n, &total), TG_OK);
    assert_int_equal(n, 1);
    assert_i64_equal(total, 1);
    assert_true(items[0].id > 0);
    assert_i64_equal(items[0].at, e.at);
    assert_string_equal(items[0].actor, e.actor);
    assert_string_equal(items[0].account_id, e.account_id);
    assert_string_equal(items[0].action, e.action);
    assert_string_equal(items[0].target_type, e.target_type);
    assert_string_equal(items[0].target, e.target);
    assert_string_equal(items[0].app, e.app);
    assert_int_equal(items[0].success, 0);
    assert_string_equal(items[0].error, e.error);
    assert_string_equal(items[0].request_id, e.request_id);
    assert_string_equal(items[0].source, e.source);
    assert_string_equal(items[0].detail, e.detail);
    assert_string_equal(items[0].canonical_action, e.canonical_action);
    free(items);
    tg_txn_rollback(&t);
}


static void
test_audit_order_and_paging(void **state)
{
    fixture_t        *f = *state;
    tg_audit_filter_t filter = any_event();
    tg_txn_t          t;

    seed_events(f);
    assert_rc(tg_txn_begin(f->store, 0, &t), TG_OK);

    /* Newest first: events at one instant in the order written. */
    check_events(&t, &filter, 5, AT(4000), AT(4000), AT(3000), AT(2000),
                 AT(1000), AT(0));

    filter.limit = 2;
    filter.offset = 1;
    check_events(&t, &filter, 5, AT(4000), AT(3000), AT(0));
    filter.offset = 4;
    check_events(&t, &filter, 5, AT(1000), AT(0));
    filter.offset = 5;
    check_events(&t, &filter, 5, AT(0));

    tg_txn_rollback(&t);
}


static void
test_audit_filters(void **state)
{
    fixture_t        *f = *state;
    tg_audit_filter_t filter;
    tg_audit_event_t *items;
    size_t            n;
    int64_t           total;
    tg_txn_t          t;

    seed_events(f);
    assert_rc(tg_txn_begin(f->store, 0, &t), TG_OK);

    filter = any_event();
    filter.account_id = TG_STR(ACC_B);
    check_events(&t, &filter, 1, AT(4000), AT(0));

    filter = any_event();
    filter.app = TG_STR(APP_1);
    check_events(&t, &filter, 2, AT(2000), AT(1000), AT(0));

    /* An empty app is a value: the events about no app. */
    filter = any_event();
    filter.app = TG_STR("");
    assert_rc(tg_store_audit_list(&t, &filter, &items, &n, &total), TG_OK);
    assert_int_equal(n, 1);
    assert_string_equal(items[0].action, "api.create");
    free(items);

    filter = any_event();
    filter.actor = TG_STR("TGadmin");
    check_events(&t, &filter, 3, AT(4000), AT(2000), AT(1000), AT(0));

    filter = any_event();
    filter.action = TG_STR("app.create");
    check_events(&t, &filter, 3, AT(4000), AT(3000), AT(1000), AT(0));

    filter.actor = TG_STR("TGadmin");
    check_events(&t, &filter, 1, AT(1000), AT(0));

    /* since is inclusive, until exclusive. */
    filter = any_event();
    filter.since = 2000;
    check_events(&t, &filter, 4, AT(4000), AT(4000), AT(3000), AT(2000), AT(0));
    filter.since = 2001;
    check_events(&t, &filter, 3, AT(4000), AT(4000), AT(3000), AT(0));

    filter = any_event();
    filter.until = 4000;
    check_events(&t, &filter, 3, AT(3000), AT(2000), AT(1000), AT(0));
    filter.until = 4001;
    check_events(&t, &filter, 5, AT(4000), AT(4000), AT(3000), AT(2000),
                 AT(1000), AT(0));

    filter = any_event();
    filter.since = 2000;
    filter.until = 3000;
    check_events(&t, &filter, 1, AT(2000), AT(0));

    filter = any_event();
    filter.actor = TG_STR("TGnobody");
    check_events(&t, &filter, 0, AT(0));

    /* Only the events of some apps, and of no app if asked. */
    filter = any_event();
    filter.apps_in = TG_STR(APP_1 "," APP_4 ",");
    check_events(&t, &filter, 3, AT(4000), AT(2000), AT(1000), AT(0));
    filter.no_app = 1;
    check_events(&t, &filter, 4, AT(4000), AT(4000), AT(2000), AT(1000), AT(0));
    filter.apps_in = TG_STR(APP_2 ",");
    filter.no_app = 0;
    check_events(&t, &filter, 1, AT(3000), AT(0));
    filter.apps_in = TG_STR("");
    check_events(&t, &filter, 0, AT(0));
    filter.no_app = 1;
    assert_rc(tg_store_audit_list(&t, &filter, &items, &n, &total), TG_OK);
    assert_int_equal(n, 1);
    assert_string_equal(items[0].action, "api.create");
    free(items);

    tg_txn_rollback(&t);
}


static void
test_change_log(void **state)
{
    fixture_t *f = *state;
    int64_t    seq = -1;
    tg_txn_t   t;

    t = begin(f);
    assert_rc(tg_store_change_last(&t, &seq), TG_OK);
    assert_i64_equal(seq, 0);

    assert_rc(tg_store_change_append(&t, "app", TG_STR(APP_1), TG_STR(APP_1),
                                     "upsert", 1000),
              TG_OK);
    assert_rc(tg_store_change_append(&t, "key_pair", TG_STR(KP_1),
                                     TG_STR(APP_1), "upsert", 1001),
              TG_OK);
    assert_rc(tg_store_change_append(&t, "api", TG_STR(API_1), TG_STR(""),
                                     "delete", 1002),
              TG_OK);
    assert_rc(tg_store_change_last(&t, &seq), TG_OK);
    assert_i64_equal(seq, seq_seen(f, 0, 3));
    commit(&t);
    assert_i64_equal(seq_committed(f), 3);

    assert_int_equal(sql_int(f, "SELECT COUNT(*) FROM changes WHERE seq = 2 "
                                "AND entity = 'key_pair' AND entity_id = '" KP_1
                                "' AND app = '" APP_1 "' AND op = 'upsert' "
                                "AND at = 1001"),
                     1);
    assert_int_equal(sql_int(f, "SELECT COUNT(*) FROM changes WHERE seq = 3 "
                                "AND entity = 'api' AND app = '' "
                                "AND op = 'delete'"),
                     1);

    /* A rolled-back append leaves no trace and no gap. */
    t = begin(f);
    assert_rc(tg_store_change_append(&t, "app", TG_STR(APP_2), TG_STR(APP_2),
                                     "delete", 2000),
              TG_OK);
    tg_txn_rollback(&t);

    t = begin(f);
    assert_rc(tg_store_change_last(&t, &seq), TG_OK);
    assert_i64_equal(seq, 3);
    assert_rc(tg_store_change_append(&t, "grant", TG_STR(GR_1), TG_STR(APP_1),
                                     "upsert", 3000),
              TG_OK);
    assert_rc(tg_store_change_last(&t, &seq), TG_OK);
    assert_i64_equal(seq, seq_seen(f, 3, 1));
    commit(&t);
    assert_i64_equal(seq_committed(f), 4);
}


static void
test_meta(void **state)
{
    fixture_t *f = *state;
    char      *value = (char *) "untouched";
    tg_txn_t   t;

    t = begin(f);
    assert_rc(tg_store_meta_get(&t, "keyring_check", &value), TG_OK);
    assert_null(value);

    assert_rc(tg_store_meta_put(&t, "keyring_check", TG_STR("abc")), TG_OK);
    assert_rc(tg_store_meta_get(&t, "keyring_check", &value), TG_OK);
    assert_string_equal(value, "abc");
    free(value);

    assert_rc(tg_store_meta_put(&t, "keyring_check", TG_STR("def")), TG_OK);
    /* An add keeps what is there. */
    assert_rc(tg_store_meta_add(&t, "keyring_check", TG_STR("ghi")), TG_OK);
    assert_rc(tg_store_meta_add(&t, "empty", TG_STR("")), TG_OK);
    commit(&t);

    t = begin(f);
    assert_rc(tg_store_meta_get(&t, "keyring_check", &value), TG_OK);
    assert_string_equal(value, "def");
    free(value);
    assert_rc(tg_store_meta_get(&t, "empty", &value), TG_OK);
    assert_non_null(value);
    assert_string_equal(value, "");
    free(value);
    commit(&t);

    assert_int_equal(sql_int(f, "SELECT COUNT(*) FROM meta"), 2);
}


/* ---- transactions ---- */


/*
 * One connection runs every statement the store has: the driver keeps
 * each prepared statement in a fixed-size cache per connection, and a
 * full cache would fail whatever came next.
 */
static void
test_one_connection_runs_everything(void **state)
{
    fixture_t        *f = *state;
    tg_db_options_t   o = options(f);
    tg_access_key_t   k = access_key_rec("TGkey1", ACC_A, 1, 1);
    tg_app_filter_t   filter = any_app();
    tg_audit_filter_t events = any_event();
    tg_grant_filter_t grant_filter = { .api = TG_STR(API_1) };
    tg_account_t      account, *accounts;
    tg_access_key_t   key, *keys;
    tg_app_t          app, *apps;
    tg_cred_t         kp, *kps;
    tg_cred_t         code, *codes;
    tg_api_t          api, *apis;
    tg_grant_t        grant, *grants;
    tg_audit_event_t *list;
    char             *value;
    size_t            n;
    int64_t           x, y, z;
    int               taken;
    tg_txn_t          t;

    tg_store_close(f->store);
    f->store = NULL;
    o.connections = 1;
    assert_rc(tg_store_open(f->driver, &o, &f->store), TG_OK);

    t = begin(f);
    insert_account(&t, ACC_A, "acme", 1);
    assert_rc(tg_store_account_get(&t, TG_STR(ACC_A), &account), TG_OK);
    assert_rc(tg_store_account_update(&t, &account), TG_OK);
    tg_account_free(&account);
    assert_rc(tg_store_account_find(&t, TG_STR("acme"), &account), TG_OK);
    tg_account_free(&account);
    assert_rc(tg_store_account_list(&t, 10, 0, &accounts, &n, &x), TG_OK);
    tg_store_account_list_free(accounts, n);
    assert_rc(tg_store_account_usage(&t, TG_STR(ACC_A), &x, &y, &z), TG_OK);

    assert_rc(tg_store_access_key_insert(&t, &k), TG_OK);
    assert_rc(tg_store_access_key_get(&t, TG_STR("TGkey1"), &key), TG_OK);
    assert_rc(tg_store_access_key_update(&t, &key), TG_OK);
    tg_access_key_free(&key);
    assert_rc(tg_store_access_key_list(&t, TG_STR_NULL, &keys, &n), TG_OK);
    tg_store_access_key_list_free(keys, n);
    assert_rc(tg_store_access_key_touch(&t, TG_STR("TGkey1"), 2), TG_OK);
    assert_rc(tg_store_access_key_count_admins(&t, &x), TG_OK);
    assert_rc(tg_store_access_key_count(&t, &x), TG_OK);

    insert_app(&t, APP_1, 10000000000001, ACC_A, "alpha", 1);
    assert_rc(tg_store_app_get(&t, TG_STR(APP_1), &app), TG_OK);
    assert_rc(tg_store_app_update(&t, &app), TG_OK);
    tg_app_free(&app);
    assert_rc(tg_store_app_get_by_number(&t, 10000000000001, &app), TG_OK);
    tg_app_free(&app);
    assert_rc(tg_store_app_number_taken(&t, 1, &taken), TG_OK);
    assert_rc(tg_store_app_name_taken(&t, TG_STR(ACC_A), TG_STR("a"),
                                      TG_STR(""), &taken),
              TG_OK);
    assert_rc(tg_store_app_count(&t, TG_STR(ACC_A), &x), TG_OK);
    assert_rc(tg_store_app_list(&t, &filter, &apps, &n, &x), TG_OK);
    tg_store_app_list_free(apps, n);

    insert_cred(&t, TG_CRED_KEY_PAIR,
                key_pair_rec(KP_1, APP_1, "KEYALPHA1", 1, 1));
    assert_rc(tg_store_cred_get(&t, TG_CRED_KEY_PAIR, TG_STR(KP_1), &kp),
              TG_OK);
    assert_rc(tg_store_cred_update(&t, TG_CRED_KEY_PAIR, &kp), TG_OK);
    tg_cred_free(&kp);
    assert_rc(
        tg_store_cred_find(&t, TG_CRED_KEY_PAIR, TG_STR("KEYALPHA1"), &kp),
        TG_OK);
    tg_cred_free(&kp);
    assert_rc(tg_store_cred_primary(&t, TG_CRED_KEY_PAIR, TG_STR(APP_1), &kp),
              TG_OK);
    tg_cred_free(&kp);
    assert_rc(tg_store_cred_list(&t, TG_CRED_KEY_PAIR, TG_STR(APP_1), &kps, &n),
              TG_OK);
    tg_store_cred_list_free(kps, n);
    assert_rc(
        tg_store_cred_page(&t, TG_CRED_KEY_PAIR, TG_STR(""), 10, &kps, &n),
        TG_OK);
    tg_store_cred_list_free(kps, n);
    assert_rc(tg_store_cred_count(&t, TG_CRED_KEY_PAIR, TG_STR(APP_1), &x),
              TG_OK);
    assert_rc(tg_store_cred_taken(&t, TG_CRED_KEY_PAIR, TG_STR("K"), TG_STR(""),
                                  0, &taken),
              TG_OK);

    insert_cred(&t, TG_CRED_APP_CODE, code_rec(CODE_1, APP_1, HASH("1"), 1));
    assert_rc(tg_store_cred_get(&t, TG_CRED_APP_CODE, TG_STR(CODE_1), &code),
              TG_OK);
    assert_rc(tg_store_cred_update(&t, TG_CRED_APP_CODE, &code), TG_OK);
    tg_cred_free(&code);
    assert_rc(
        tg_store_cred_find(&t, TG_CRED_APP_CODE, TG_STR(HASH("1")), &code),
        TG_OK);
    tg_cred_free(&code);
    assert_rc(
        tg_store_cred_list(&t, TG_CRED_APP_CODE, TG_STR(APP_1), &codes, &n),
        TG_OK);
    tg_store_cred_list_free(codes, n);
    assert_rc(
        tg_store_cred_page(&t, TG_CRED_APP_CODE, TG_STR(""), 10, &codes, &n),
        TG_OK);
    tg_store_cred_list_free(codes, n);
    assert_rc(tg_store_cred_count(&t, TG_CRED_APP_CODE, TG_STR(APP_1), &x),
              TG_OK);
    assert_rc(tg_store_cred_taken(&t, TG_CRED_APP_CODE, TG_STR(HASH("1")),
                                  TG_STR(""), 0, &taken),
              TG_OK);

    insert_api(&t, API_1, ACC_A, "payments", 1);
    assert_rc(tg_store_api_get(&t, TG_STR(API_1), &api), TG_OK);
    assert_rc(tg_store_api_update(&t, &api), TG_OK);
    tg_api_free(&api);
    assert_rc(tg_store_api_find(&t, TG_STR("payments"), &api), TG_OK);
    tg_api_free(&api);
    assert_rc(tg_store_api_list(&t, TG_STR_NULL, 10, 0, &apis, &n, &x), TG_OK);
    tg_store_api_list_free(apis, n);

    insert_grant(&t, GR_1, APP_1, API_1, "RELEASE", 1);
    assert_rc(tg_store_grant_find(&t, TG_STR(APP_1), TG_STR(API_1),
                                  TG_STR("RELEASE"), &grant),
              TG_OK);
    assert_rc(tg_store_grant_update(&t, &grant), TG_OK);
    tg_grant_free(&grant);
    assert_rc(tg_store_grant_list_by_app(&t, TG_STR(APP_1), &grants, &n),
              TG_OK);
    tg_store_grant_list_free(grants, n);
    assert_rc(tg_store_grant_list(&t, &grant_filter, &grants, &n, &x), TG_OK);
    tg_store_grant_list_free(grants, n);

    insert_event(&t, 1, "TGkey1", ACC_A, "app.create", APP_1, 1);
    assert_rc(tg_store_audit_list(&t, &events, &list, &n, &x), TG_OK);
    free(list);
    assert_rc(tg_store_change_append(&t, "app", TG_STR(APP_1), TG_STR(APP_1),
                                     "upsert", 1),
              TG_OK);
    assert_rc(tg_store_change_last(&t, &x), TG_OK);
    assert_rc(tg_store_meta_put(&t, "m", TG_STR("v")), TG_OK);
    assert_rc(tg_store_meta_get(&t, "m", &value), TG_OK);
    free(value);

    assert_rc(tg_store_grant_delete(&t, TG_STR(GR_1)), TG_OK);
    assert_rc(tg_store_api_delete(&t, TG_STR(API_1)), TG_OK);
    assert_rc(tg_store_cred_delete(&t, TG_CRED_APP_CODE, TG_STR(CODE_1)),
              TG_OK);
    assert_rc(tg_store_cred_delete(&t, TG_CRED_KEY_PAIR, TG_STR(KP_1)), TG_OK);
    assert_rc(tg_store_app_delete(&t, TG_STR(APP_1)), TG_OK);
    assert_rc(tg_store_access_key_delete(&t, TG_STR("TGkey1")), TG_OK);
    assert_rc(tg_store_account_delete(&t, TG_STR(ACC_A)), TG_OK);
    commit(&t);
}


/* One write transaction touches every table, then rolls back: nothing of
 * it is left, in the store or on disk. */
static void
test_rollback_leaves_nothing(void **state)
{
    static const char *const tables[] = {
        "accounts",     "access_keys", "apps",    "app_tags",
        "key_pairs",    "app_codes",   "apis",    "grants",
        "audit_events", "meta",        "changes",
    };
    fixture_t        *f = *state;
    tg_access_key_t   k = access_key_rec("TGkey1", ACC_A, 1, 1000);
    tg_app_t          app = app_rec(APP_1, 10000000000001, ACC_A, "alpha", 1);
    tg_account_t      a;
    tg_app_t          got;
    tg_audit_filter_t filter = any_event();
    tg_audit_event_t *events;
    char             *value;
    char              sql[80];
    size_t            i, n;
    int64_t           count;
    tg_txn_t          t;

    t = begin(f);
    insert_account(&t, ACC_A, "acme", 1);
    assert_rc(tg_store_access_key_insert(&t, &k), TG_OK);
    app.tags[0] = (tg_tag_t){ (char *) "env", (char *) "prod" };
    app.ntags = 1;
    assert_rc(tg_store_app_insert(&t, &app), TG_OK);
    insert_cred(&t, TG_CRED_KEY_PAIR,
                key_pair_rec(KP_1, APP_1, "KEYALPHA1", 1, 1));
    insert_cred(&t, TG_CRED_APP_CODE, code_rec(CODE_1, APP_1, HASH("1"), 1));
    insert_api(&t, API_1, ACC_A, "payments", 1);
    insert_grant(&t, GR_1, APP_1, API_1, "RELEASE", 1);
    insert_event(&t, 1, "TGkey1", ACC_A, "app.create", APP_1, 1);
    assert_rc(tg_store_meta_put(&t, "keyring_check", TG_STR("x")), TG_OK);
    assert_rc(tg_store_change_append(&t, "app", TG_STR(APP_1), TG_STR(APP_1),
                                     "upsert", 1),
              TG_OK);
    tg_txn_rollback(&t);
    assert_null(t.conn);

    for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
        snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s", tables[i]);
        if (sql_int(f, sql) != 0) {
            print_error("%s is not empty\n", tables[i]);
            fail();
        }
    }

    assert_rc(tg_txn_begin(f->store, 0, &t), TG_OK);
    memset(&a, 0, sizeof(a));
    assert_rc(tg_store_account_get(&t, TG_STR(ACC_A), &a),
              TG_EACCOUNT_NOT_FOUND);
    memset(&got, 0, sizeof(got));
    assert_rc(tg_store_app_get(&t, TG_STR(APP_1), &got), TG_EAPP_NOT_FOUND);
    assert_rc(tg_store_access_key_count(&t, &count), TG_OK);
    assert_i64_equal(count, 0);
    assert_rc(tg_store_change_last(&t, &count), TG_OK);
    assert_i64_equal(count, 0);
    assert_rc(tg_store_meta_get(&t, "keyring_check", &value), TG_OK);
    assert_null(value);
    assert_rc(tg_store_audit_list(&t, &filter, &events, &n, &count), TG_OK);
    assert_int_equal(n, 0);
    assert_i64_equal(count, 0);
    free(events);
    tg_txn_rollback(&t);

    /* Rolling back twice is harmless. */
    tg_txn_rollback(&t);
}


/* A read transaction does not see another's uncommitted writes. */
static void
test_uncommitted_is_invisible(void **state)
{
    fixture_t   *f = *state;
    tg_account_t a;
    tg_txn_t     w, r;

    w = begin(f);
    insert_account(&w, ACC_A, "acme", 1);

    memset(&a, 0, sizeof(a));
    assert_rc(tg_txn_begin(f->store, 0, &r), TG_OK);
    assert_rc(tg_store_account_get(&r, TG_STR(ACC_A), &a),
              TG_EACCOUNT_NOT_FOUND);
    tg_txn_rollback(&r);

    commit(&w);

    assert_rc(tg_txn_begin(f->store, 0, &r), TG_OK);
    assert_rc(tg_store_account_get(&r, TG_STR(ACC_A), &a), TG_OK);
    assert_string_equal(a.name, "acme");
    tg_account_free(&a);
    tg_txn_rollback(&r);
}


/* A request that must not run. */
static int
never_run(tg_txn_t *t, void *data)
{
    (void) t;
    (void) data;
    fail();
    return TG_OK;
}


/* A second writer waits busy_ms for the lock, then gets TG_EBUSY and
 * its connection back in the pool; so does a request. */
static void
test_second_writer_busy(void **state)
{
    fixture_t *f = *state;
    tg_txn_t   first, second;

    first = begin(f);
    insert_account(&first, ACC_A, "acme", 1);

    assert_rc(tg_txn_begin(f->store, 1, &second), TG_EBUSY);
    assert_null(second.conn);
    /* A request too, never run. */
    assert_rc(tg_txn_run(f->store, never_run, NULL), TG_EBUSY);

    commit(&first);

    /* Both connections are free again. */
    first = begin(f);
    assert_rc(tg_txn_begin(f->store, 0, &second), TG_OK);
    tg_txn_rollback(&second);
    tg_txn_rollback(&first);
}


/* A writer of the group commit tests, on its own thread: inserts account
 * id named name, as a request (tg_txn_run()) or, direct set, in a write
 * transaction of its own. */
typedef struct writer_s writer_t;

struct writer_s {
    fixture_t  *f;
    const char *id;
    const char *name;
    int         direct;
    const char *then;  /* then inserts an account of this (taken) name */
    int         note;  /* the metrics action its operation notes, 0: none */
    int         quiet; /* reads nothing once answered */
    writer_t   *prior; /* the writers queued before it */
    int         nprior;
    int         begin_rc;
    int         rc;
    atomic_int  answered;
    int         early;   /* of its prior writers, those answered as it ran */
    int64_t     seen;    /* the accounts its operation saw */
    int         action;  /* the action noted on its thread once answered */
    int         visible; /* its account was readable once answered */
};


static int
writer_op(tg_txn_t *t, void *arg)
{
    writer_t     *w = arg;
    tg_account_t *items, a = account_rec(w->id, w->name, 1);
    size_t        n;
    int           i, rc;

    for (i = 0; i < w->nprior; i++) {
        w->early += atomic_load(&w->prior[i].answered);
    }
    rc = tg_store_account_list(t, 1, 0, &items, &n, &w->seen);
    if (rc != TG_OK) {
        return rc;
    }
    tg_store_account_list_free(items, n);
    if (w->note > 0) {
        tg_metrics_action_note(w->note);
    }

    rc = tg_store_account_insert(t, &a);
    if (rc == TG_OK && w->then != NULL) {
        a = account_rec(ID("dddd", 9), w->then, 1);
        rc = tg_store_account_insert(t, &a);
    }
    return rc;
}


static void *
writer_run(void *arg)
{
    writer_t    *w = arg;
    tg_account_t a;
    tg_txn_t     t;

    w->begin_rc = TG_OK;
    if (!w->direct) {
        w->rc = tg_txn_run(w->f->store, writer_op, w);
    } else if ((w->begin_rc = tg_txn_begin(w->f->store, 1, &t)) == TG_OK) {
        w->rc = writer_op(&t, w);
        if (w->rc == TG_OK) {
            w->rc = tg_txn_commit(&t);
        } else {
            tg_txn_rollback(&t);
        }
    }
    atomic_store(&w->answered, 1);
    w->action = tg_metrics_action_get();

    if (!w->quiet && tg_txn_begin(w->f->store, 0, &t) == TG_OK) {
        memset(&a, 0, sizeof(a));
        w->visible = tg_store_account_get(&t, tg_str_c(w->id), &a) == TG_OK;
        tg_account_free(&a);
        tg_txn_rollback(&t);
    }
    return NULL;
}


/* A writer (by default a request). */
#define WRITER(fx, idx, namex, ...)                                        \
    (writer_t)                                                             \
    {                                                                      \
        .f = (fx), .id = (idx), .name = (namex), .begin_rc = -1, .rc = -1, \
        __VA_ARGS__                                                        \
    }


/* Starts w on its own thread, and waits until the queue for the turn
 * holds queued writers. */
static void
writer_start(fixture_t *f, writer_t *w, pthread_t *th, unsigned queued)
{
    assert_int_equal(pthread_create(th, NULL, writer_run, w), 0);
    while (tg_store_write_stats(f->store).waiting < queued) {
        usleep(1000);
    }
}


/* The store again, with writers that wait for the turn as long as slow
 * sanitized runs need. */
static void
reopen_patient(fixture_t *f)
{
    tg_db_options_t o = options(f);

    tg_store_close(f->store);
    o.busy_ms = 60000;
    assert_rc(tg_store_open(f->driver, &o, &f->store), TG_OK);
}


/* Takes the turn with the account id named name inserted, then starts
 * the n writers w (on th) one after another, each once the one before
 * waits in the queue.  Returns the transaction that holds the turn. */
static tg_txn_t
hold_then_queue(fixture_t *f, const char *id, const char *name, writer_t *w,
                pthread_t *th, int n)
{
    tg_txn_t t = begin(f);
    int      i;

    insert_account(&t, id, name, 1);
    for (i = 0; i < n; i++) {
        writer_start(f, &w[i], &th[i], (unsigned) i + 1);
    }
    return t;
}


/* Waits for the n writer threads th to end. */
static void
writers_join(pthread_t *th, int n)
{
    int i;

    for (i = 0; i < n; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
    }
}


/*
 * Requests that wait while a writer holds the turn are run by it, in its
 * group: four operations, one commit.  The one whose insert fails (a
 * duplicate name) rolls back its savepoint only; the others are on disk
 * when their answers come.
 */
static void
test_group_commit(void **state)
{
    fixture_t *f = *state;
    writer_t   w[3] = {
          WRITER(f, ID("acc1", 1), "one"),
          WRITER(f, ID("acc2", 2), "first"), /* the name is taken */
          WRITER(f, ID("acc3", 3), "three"),
    };
    pthread_t              th[3];
    tg_store_write_stats_t before, after;
    tg_txn_t               t;
    int                    i;

    reopen_patient(f);
    before = tg_store_write_stats(f->store);
    t = hold_then_queue(f, ACC_A, "first", w, th, 3);
    /* Nothing of the group is on disk before its commit. */
    assert_int_equal(sql_int(f, "SELECT COUNT(*) FROM accounts"), 0);

    commit(&t);
    writers_join(th, 3);
    for (i = 0; i < 3; i++) {
        assert_rc(w[i].begin_rc, TG_OK);
    }
    assert_rc(w[0].rc, TG_OK);
    assert_rc(w[1].rc, TG_ECONFLICT);
    assert_rc(w[2].rc, TG_OK);

    after = tg_store_write_stats(f->store);
    assert_int_equal(after.commits - before.commits, 1);
    assert_int_equal(after.ops - before.ops, 3);
    assert_int_equal(after.failed - before.failed, 1);
    assert_int_equal(after.waiting, 0);

    assert_int_equal(sql_int(f, "SELECT COUNT(*) FROM accounts"), 3);
    assert_int_equal(
        sql_int(f, "SELECT COUNT(*) FROM accounts WHERE id = '" ACC_A "'"), 1);
    assert_int_equal(sql_int(f, "SELECT COUNT(*) FROM accounts WHERE id = '" ID(
                                    "acc2", 2) "'"),
                     0);
}


/*
 * A request that fails after it wrote is undone whole, and only it: the
 * requests before and after it in its batch stand, in the one commit.
 */
static void
test_group_commit_failure_keeps_neighbours(void **state)
{
    fixture_t *f = *state;
    writer_t   w[3] = {
          WRITER(f, ID("acc1", 1), "one"),
          WRITER(f, ID("acc2", 2), "two", .then = "first"), /* taken */
          WRITER(f, ID("acc3", 3), "three"),
    };
    pthread_t              th[3];
    tg_store_write_stats_t before, after;
    tg_txn_t               t;

    reopen_patient(f);
    before = tg_store_write_stats(f->store);
    t = hold_then_queue(f, ACC_A, "first", w, th, 3);
    commit(&t);
    writers_join(th, 3);

    assert_rc(w[0].rc, TG_OK);
    assert_rc(w[1].rc, TG_ECONFLICT);
    assert_rc(w[2].rc, TG_OK);
    assert_true(w[0].visible);
    assert_false(w[1].visible);
    assert_true(w[2].visible);
    /* Each saw the operations before it, the failed one's undone. */
    assert_i64_equal(w[0].seen, 1);
    assert_i64_equal(w[2].seen, 2);

    after = tg_store_write_stats(f->store);
    assert_int_equal(after.commits - before.commits, 1);
    assert_int_equal(after.ops - before.ops, 3);
    assert_int_equal(after.failed - before.failed, 1);
    assert_int_equal(sql_int(f, "SELECT COUNT(*) FROM accounts"), 3);
    assert_int_equal(
        sql_int(f, "SELECT COUNT(*) FROM accounts WHERE id IN ('" ID(
                       "acc2", 2) "', '" ID("dddd", 9) "')"),
        0);
}


/*
 * A request is answered only once its group is durable: as the last
 * request of a batch runs, none before it is answered, and each finds
 * its account on disk when answered.  The metrics action a request's
 * body notes, on the holder's thread, is its caller's once answered; the
 * holder's own is left as it was.
 */
static void
test_group_commit_answers_after_commit(void **state)
{
    fixture_t *f = *state;
    writer_t   w[3] = {
          WRITER(f, ID("acc1", 1), "one", .note = 3),
          WRITER(f, ID("acc2", 2), "two", .note = 4),
          WRITER(f, ID("acc3", 3), "three", .prior = w, .nprior = 2),
    };
    pthread_t th[3];
    tg_txn_t  t;
    int       i;

    reopen_patient(f);
    tg_metrics_action_set(1);
    t = hold_then_queue(f, ACC_A, "first", w, th, 3);
    commit(&t);
    assert_int_equal(tg_metrics_action_get(), 1);
    tg_metrics_action_set(-1);
    writers_join(th, 3);
    for (i = 0; i < 3; i++) {
        assert_rc(w[i].rc, TG_OK);
        assert_true(w[i].visible);
    }
    assert_int_equal(w[2].early, 0);
    assert_int_equal(w[0].action, 3);
    assert_int_equal(w[1].action, 4);
    assert_int_equal(w[2].action, -1);
}


/*
 * A group takes at most TG_STORE_GROUP_MAX operations: with more
 * requests waiting, the holder commits that many and gives the turn to
 * the next, whose group takes the rest.
 */
#define CAP_WRITERS (TG_STORE_GROUP_MAX + 6)

static void
test_group_commit_cap(void **state)
{
    fixture_t             *f = *state;
    writer_t               w[CAP_WRITERS];
    pthread_t              th[CAP_WRITERS];
    char                   id[CAP_WRITERS][33], name[CAP_WRITERS][16];
    tg_store_write_stats_t before, after;
    tg_txn_t               t;
    int                    i;

    reopen_patient(f);
    for (i = 0; i < CAP_WRITERS; i++) {
        snprintf(id[i], sizeof(id[i]), "%032x", 100 + i);
        snprintf(name[i], sizeof(name[i]), "cap%d", i);
        w[i] = WRITER(f, id[i], name[i], .quiet = 1);
    }

    before = tg_store_write_stats(f->store);
    t = hold_then_queue(f, ACC_A, "first", w, th, CAP_WRITERS);
    commit(&t);
    writers_join(th, CAP_WRITERS);

    for (i = 0; i < CAP_WRITERS; i++) {
        assert_rc(w[i].rc, TG_OK);
    }
    after = tg_store_write_stats(f->store);
    assert_int_equal(after.commits - before.commits, 2);
    assert_int_equal(after.ops - before.ops, CAP_WRITERS + 1);
    assert_int_equal(sql_int(f, "SELECT COUNT(*) FROM accounts"),
                     CAP_WRITERS + 1);
}


/*
 * A group commit that fails fails every operation of the group, the
 * holder's and the requests it ran, and none of them is on disk.
 */
static void
test_group_commit_failure_fails_all(void **state)
{
    fixture_t             *f = *state;
    writer_t               w[2];
    pthread_t              th[2];
    tg_store_write_stats_t before, after;
    tg_txn_t               t;
    uint64_t               calls = 0;
    int                    round, i;

    reopen_patient(f);

    /* Round 0 counts the driver's calls up to the commit; round 1 fails
     * the commit: the last of them. */
    for (round = 0; round < 2; round++) {
        w[0] = WRITER(f, round ? ID("acc1", 3) : ID("acc1", 1),
                      round ? "three" : "one", .quiet = 1);
        w[1] = WRITER(f, round ? ID("acc2", 4) : ID("acc2", 2),
                      round ? "four" : "two", .quiet = 1);
        before = tg_store_write_stats(f->store);
        t = hold_then_queue(f, round ? ACC_B : ACC_A, round ? "b" : "a", w, th,
                            2);
        tg_store_fault_arm(f->store, round ? calls : UINT64_MAX);
        assert_rc(tg_txn_commit(&t), round ? TG_ESTORE : TG_OK);
        writers_join(th, 2);
        for (i = 0; i < 2; i++) {
            assert_rc(w[i].rc, round ? TG_ESTORE : TG_OK);
        }
        calls = tg_store_fault_calls(f->store);
        assert_int_equal(tg_store_fault_hit(f->store), round);
        tg_store_fault_arm(f->store, 0);

        after = tg_store_write_stats(f->store);
        assert_int_equal(after.commits - before.commits, 1);
        assert_int_equal(after.ops - before.ops, round ? 0 : 3);
        assert_int_equal(after.failed - before.failed, round ? 3 : 0);
    }
    assert_int_equal(sql_int(f, "SELECT COUNT(*) FROM accounts"), 3);

    /* The store writes again. */
    t = begin(f);
    insert_account(&t, ACC_B, "b", 1);
    commit(&t);
    assert_int_equal(sql_int(f, "SELECT COUNT(*) FROM accounts"), 4);
}


/*
 * A writer that waits for the turn itself, between requests: the holder
 * runs the requests before it, commits, and gives it the turn; it runs
 * alone, seeing them; the request after it is run by it, in its group.
 */
static void
test_group_commit_direct_between_requests(void **state)
{
    fixture_t *f = *state;
    writer_t   w[3] = {
          WRITER(f, ID("acc1", 1), "one"),
          WRITER(f, ID("acc2", 2), "two", .direct = 1),
          WRITER(f, ID("acc3", 3), "three"),
    };
    pthread_t              th[3];
    tg_store_write_stats_t before, after;
    tg_txn_t               t;
    int                    i;

    reopen_patient(f);
    before = tg_store_write_stats(f->store);
    t = hold_then_queue(f, ACC_A, "first", w, th, 3);
    commit(&t);
    writers_join(th, 3);
    for (i = 0; i < 3; i++) {
        assert_rc(w[i].begin_rc, TG_OK);
        assert_rc(w[i].rc, TG_OK);
        assert_true(w[i].visible);
    }
    assert_i64_equal(w[0].seen, 1);
    assert_i64_equal(w[1].seen, 2);
    assert_i64_equal(w[2].seen, 3);

    after = tg_store_write_stats(f->store);
    assert_int_equal(after.commits - before.commits, 2);
    assert_int_equal(after.ops - before.ops, 4);
    assert_int_equal(sql_int(f, "SELECT COUNT(*) FROM accounts"), 4);
}


/* A thread of the stress test: STRESS_OPS inserts, every fifth of them
 * a duplicate name that fails and is rolled back; the threads of odd
 * numbers write in transactions of their own, the others by requests. */
#define STRESS_THREADS 8
#define STRESS_OPS     40

typedef struct {
    fixture_t *f;
    int        thread;
    int        ok, conflicts, other;
} stress_t;


static int
stress_insert(tg_txn_t *t, void *account)
{
    return tg_store_account_insert(t, account);
}


static int
stress_direct(fixture_t *f, tg_account_t *a)
{
    tg_txn_t t;
    int      rc;

    rc = tg_txn_begin(f->store, 1, &t);
    if (rc != TG_OK) {
        return rc;
    }
    rc = tg_store_account_insert(&t, a);
    if (rc != TG_OK) {
        tg_txn_rollback(&t);
        return rc;
    }
    return tg_txn_commit(&t);
}


static void *
stress_run(void *arg)
{
    stress_t    *s = arg;
    tg_account_t a;
    char         id[33], name[32];
    int          i, rc;

    for (i = 0; i < STRESS_OPS; i++) {
        snprintf(id, sizeof(id), "%032x", (unsigned) (s->thread * 1000 + i));
        if (i % 5 == 4) {
            snprintf(name, sizeof(name), "t%d-%d", s->thread, i - 1);
        } else {
            snprintf(name, sizeof(name), "t%d-%d", s->thread, i);
        }
        a = account_rec(id, name, 1);
        rc = s->thread % 2 ? stress_direct(s->f, &a)
                           : tg_txn_run(s->f->store, stress_insert, &a);
        if (rc == TG_OK) {
            s->ok++;
        } else if (rc == TG_ECONFLICT) {
            s->conflicts++;
        } else {
            s->other++;
        }
    }
    return NULL;
}


/* Many writers at once: every operation ends as it should, and the
 * counts on disk and in the statistics agree. */
static void
test_group_commit_stress(void **state)
{
    fixture_t             *f = *state;
    tg_db_options_t        o = options(f);
    stress_t               s[STRESS_THREADS];
    pthread_t              th[STRESS_THREADS];
    tg_store_write_stats_t before, st;
    int                    i, ok = 0;

    /* Slow sanitized runs must not time out waiting for the turn. */
    tg_store_close(f->store);
    o.busy_ms = 60000;
    assert_rc(tg_store_open(f->driver, &o, &f->store), TG_OK);
    before = tg_store_write_stats(f->store); /* the open's own writes */

    for (i = 0; i < STRESS_THREADS; i++) {
        s[i] = (stress_t){ f, i, 0, 0, 0 };
        assert_int_equal(pthread_create(&th[i], NULL, stress_run, &s[i]), 0);
    }
    for (i = 0; i < STRESS_THREADS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(s[i].ok, STRESS_OPS * 4 / 5);
        assert_int_equal(s[i].conflicts, STRESS_OPS / 5);
        assert_int_equal(s[i].other, 0);
        ok += s[i].ok;
    }

    st = tg_store_write_stats(f->store);
    assert_int_equal(st.ops - before.ops, (uint64_t) ok);
    assert_int_equal(st.failed - before.failed,
                     STRESS_THREADS * STRESS_OPS / 5);
    assert_true(st.commits > before.commits
                && st.commits - before.commits <= st.ops - before.ops);
    assert_int_equal(sql_int(f, "SELECT COUNT(*) FROM accounts"), ok);
}


/* An operation of the test thread while a writer thread waits for the
 * turn: a group of two (two accounts, of ids n and n + 1). */
static void
group_of_two(fixture_t *f, unsigned n)
{
    char      id[2][33], name[2][16];
    writer_t  w;
    pthread_t th;
    tg_txn_t  t;

    snprintf(id[0], sizeof(id[0]), "%032x", n);
    snprintf(id[1], sizeof(id[1]), "%032x", n + 1);
    snprintf(name[0], sizeof(name[0]), "pair%u", n);
    snprintf(name[1], sizeof(name[1]), "pair%u", n + 1);
    w = WRITER(f, id[1], name[1]);

    t = begin(f);
    insert_account(&t, id[0], name[0], 1);
    writer_start(f, &w, &th, 1);
    commit(&t);
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_rc(w.begin_rc, TG_OK);
    assert_rc(w.rc, TG_OK);
}


/* A lone writer's operation, committed. */
static void
lone_writer(fixture_t *f, unsigned n)
{
    char     id[33], name[16];
    tg_txn_t t;

    snprintf(id, sizeof(id), "%032x", n);
    snprintf(name, sizeof(name), "lone%u", n);
    t = begin(f);
    insert_account(&t, id, name, 1);
    commit(&t);
}


/*
 * The last operation of a group lingers for another writer only after a
 * group of more than one, and a writer that comes meanwhile joins its
 * group; a lone writer after a lone writer commits at once.
 */
static void
test_group_commit_linger(void **state)
{
    fixture_t             *f = *state;
    tg_store_write_stats_t st, before = tg_store_write_stats(f->store);
    int64_t                started, took;
    uint64_t               lingered;

    group_of_two(f, 10);
    started = tg_metrics_now_ns();
    lone_writer(f, 20); /* lingers after the pair; nobody comes */
    took = tg_metrics_now_ns() - started;
    lone_writer(f, 21); /* after a group of one: at once */
    st = tg_store_write_stats(f->store);
    assert_int_equal(st.commits - before.commits, 3);
    assert_int_equal(st.ops - before.ops, 4);
    /* A group older than TG_STORE_GROUP_AGE_US never lingers: an
     * operation that slow (a loaded machine, a remote store) has no
     * linger to count. */
    lingered = took < (int64_t) TG_STORE_GROUP_AGE_US * 1000 ? 1 : 0;
    if (lingered == 0) {
        assert_true(st.lingers - before.lingers <= 1);
    } else {
        assert_int_equal(st.lingers - before.lingers, 1);
    }
    assert_int_equal(st.idle_lingers - before.idle_lingers,
                     st.lingers - before.lingers);
    assert_int_equal(sql_int(f, "SELECT COUNT(*) FROM accounts"), 4);
}


/* A writer alone commits at once; a rolled back one commits nothing; a
 * group of only failures leaves the database as it was. */
static void
test_group_commit_alone(void **state)
{
    fixture_t             *f = *state;
    tg_store_write_stats_t before, after;
    tg_txn_t               t;

    before = tg_store_write_stats(f->store);
    t = begin(f);
    insert_account(&t, ACC_A, "first", 1);
    commit(&t);
    assert_int_equal(sql_int(f, "SELECT COUNT(*) FROM accounts"), 1);

    t = begin(f);
    insert_account(&t, ACC_B, "second", 1);
    tg_txn_rollback(&t);
    assert_int_equal(sql_int(f, "SELECT COUNT(*) FROM accounts"), 1);

    after = tg_store_write_stats(f->store);
    assert_int_equal(after.commits - before.commits, 1);
    assert_int_equal(after.ops - before.ops, 1);
    assert_int_equal(after.failed - before.failed, 1);

    /* The turn is free again. */
    t = begin(f);
    insert_account(&t, ACC_B, "second", 1);
    commit(&t);
    assert_int_equal(sql_int(f, "SELECT COUNT(*) FROM accounts"), 2);
}


/*
 * More distinct statements than the driver caches per connection: the
 * ones beyond the cache are prepared for one use and still run.
 */
static void
test_statement_cache_overflow(void **state)
{
    fixture_t      *f = *state;
    tg_db_options_t o = options(f);
    tg_db_t        *db;
    tg_db_conn_t   *conn;
    tg_db_stmt_t   *st;
    static char     sql[300][32];
    int             i;

    assert_rc(f->driver->open(&o, &db), TG_OK);
    assert_rc(f->driver->acquire(db, &conn), TG_OK);

    /* Each text has its own address, so each is a distinct statement. */
    for (i = 0; i < 300; i++) {
        snprintf(sql[i], sizeof(sql[i]), "SELECT %d", i);
    }
    for (i = 0; i < 300; i++) {
        assert_rc(f->driver->prepare(conn, sql[i], 1, &st), TG_OK);
        assert_int_equal(f->driver->step(st), TG_DB_ROW);
        assert_int_equal(f->driver->column_int(st, 0), i);
        f->driver->finish(st);
    }
    /* And again, from the cache or not. */
    for (i = 0; i < 300; i += 37) {
        assert_rc(f->driver->prepare(conn, sql[i], 1, &st), TG_OK);
        assert_int_equal(f->driver->step(st), TG_DB_ROW);
        assert_int_equal(f->driver->column_int(st, 0), i);
        f->driver->finish(st);
    }

    f->driver->release(db, conn);
    f->driver->close(db);
}


/* Named policies: unique per account, listed by name, updated, deleted;
 * attachments: named (the account's document read with them) or inline,
 * unique per key, detached, and gone with their key. */
static void
test_policies(void **state)
{
    fixture_t         *f = *state;
    tg_policy_record_t p, got, *items = NULL;
    tg_key_policy_t   *att = NULL;
    tg_access_key_t    k = access_key_rec("TGkeyPolicies01", ACC_A, 0, 500);
    size_t             n = 0;
    int64_t            count = -1;
    tg_txn_t           t;

    seed_accounts(f);
    t = begin(f);
    assert_rc(tg_store_access_key_insert(&t, &k), TG_OK);

    memset(&p, 0, sizeof(p));
    snprintf(p.account_id, sizeof(p.account_id), "%s", ACC_A);
    p.name = (char *) "Readers";
    p.description = (char *) "reads";
    p.document = (char *) "{\"Statement\":[]}";
    p.created_at = p.updated_at = 600;
    assert_rc(tg_store_policy_insert(&t, &p), TG_OK);
    assert_rc(tg_store_policy_insert(&t, &p), TG_EPOLICY_NAME_TAKEN);
    snprintf(p.account_id, sizeof(p.account_id), "%s", ACC_B);
    assert_rc(tg_store_policy_insert(&t, &p), TG_OK);

    assert_rc(tg_store_policy_list(&t, TG_STR(ACC_A), &items, &n), TG_OK);
    assert_int_equal(n, 1);
    assert_string_equal(items[0].name, "Readers");
    tg_policy_record_list_free(items, n);

    p.document = (char *) "{\"Statement\":[1]}";
    p.updated_at = 700;
    assert_rc(tg_store_policy_update(&t, &p), TG_OK);
    assert_rc(tg_store_policy_get(&t, TG_STR(ACC_B), TG_STR("Readers"), &got),
              TG_OK);
    assert_string_equal(got.document, "{\"Statement\":[1]}");
    assert_i64_equal(got.updated_at, 700);
    tg_policy_record_free(&got);
    assert_rc(tg_store_policy_get(&t, TG_STR(ACC_A), TG_STR("None"), &got),
              TG_EPOLICY_NOT_FOUND);

    assert_rc(tg_store_key_policy_attach(&t, TG_STR("TGkeyPolicies01"),
                                         TG_STR("Readers"), TG_STR_NULL, 800),
              TG_OK);
    assert_rc(tg_store_key_policy_attach(&t, TG_STR("TGkeyPolicies01"),
                                         TG_STR("Mine"), TG_STR("{}"), 801),
              TG_OK);
    assert_rc(tg_store_key_policy_attach(&t, TG_STR("TGkeyPolicies01"),
                                         TG_STR("Mine"), TG_STR("{}"), 802),
              TG_EPOLICY_NAME_TAKEN);
    assert_rc(tg_store_policy_attachments(&t, TG_STR(ACC_A), TG_STR("Readers"),
                                          &count),
              TG_OK);
    assert_i64_equal(count, 1);

    assert_rc(tg_store_key_policy_list(&t, TG_STR("TGkeyPolicies01"), &att, &n),
              TG_OK);
    assert_int_equal(n, 2);
    assert_string_equal(att[0].name, "Readers");
    assert_false(att[0].is_inline);
    assert_string_equal(att[0].document, "{\"Statement\":[]}"); /* A's */
    assert_string_equal(att[1].name, "Mine");
    assert_true(att[1].is_inline);
    assert_string_equal(att[1].document, "{}");
    tg_key_policy_list_free(att, n);

    assert_rc(tg_store_key_policy_detach(&t, TG_STR("TGkeyPolicies01"),
                                         TG_STR("Mine")),
              TG_OK);
    assert_rc(tg_store_key_policy_detach(&t, TG_STR("TGkeyPolicies01"),
                                         TG_STR("Mine")),
              TG_EPOLICY_NOT_FOUND);

    /* Deleting the key deletes its attachments. */
    assert_rc(tg_store_access_key_delete(&t, TG_STR("TGkeyPolicies01")), TG_OK);
    assert_rc(tg_store_policy_attachments(&t, TG_STR(ACC_A), TG_STR("Readers"),
                                          &count),
              TG_OK);
    assert_i64_equal(count, 0);
    assert_rc(tg_store_policy_delete(&t, TG_STR(ACC_A), TG_STR("Readers")),
              TG_OK);
    assert_rc(tg_store_policy_delete(&t, TG_STR(ACC_A), TG_STR("Readers")),
              TG_EPOLICY_NOT_FOUND);
    commit(&t);
}


#define STORE_TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)


int
main(void)
{
    const struct CMUnitTest tests[] = {
        STORE_TEST(test_open_migrates),
        STORE_TEST(test_reopen_does_not_migrate),
        STORE_TEST(test_open_newer_schema),
        cmocka_unit_test_setup_teardown(test_open_bad_path, setup, teardown),
        STORE_TEST(test_accounts),
        STORE_TEST(test_account_update_delete),
        STORE_TEST(test_account_usage),
        STORE_TEST(test_access_keys),
        STORE_TEST(test_access_key_update_touch_delete),
        STORE_TEST(test_policies),
        STORE_TEST(test_access_key_counts),
        STORE_TEST(test_app_insert_get),
        STORE_TEST(test_app_lookups),
        STORE_TEST(test_app_uniqueness),
        STORE_TEST(test_app_insert_counted),
        STORE_TEST(test_app_duplicate_tag_key),
        STORE_TEST(test_app_update),
        STORE_TEST(test_app_list_filters),
        STORE_TEST(test_app_list_tags),
        STORE_TEST(test_app_list_largest_filter),
        STORE_TEST(test_app_list_paging),
        STORE_TEST(test_app_counter),
        STORE_TEST(test_app_counter_group_commit),
        STORE_TEST(test_migration_counts_apps),
        STORE_TEST(test_app_list_total_bounded),
        STORE_TEST(test_app_delete_cascades),
        STORE_TEST(test_foreign_keys),
        STORE_TEST(test_credential_policy),
        STORE_TEST(test_key_pairs),
        STORE_TEST(test_cred_insert_new),
        STORE_TEST(test_key_pair_update_delete),
        STORE_TEST(test_key_pair_update_secret),
        STORE_TEST(test_key_pair_page),
        STORE_TEST(test_app_key_taken),
        STORE_TEST(test_app_codes),
        STORE_TEST(test_app_code_update_delete),
        STORE_TEST(test_app_code_taken),
        STORE_TEST(test_cred_lists_read_every_column),
        STORE_TEST(test_apis),
        STORE_TEST(test_api_update_delete),
        STORE_TEST(test_grants),
        STORE_TEST(test_apis_ungranted),
        STORE_TEST(test_grant_lists),
        STORE_TEST(test_grant_filters),
        STORE_TEST(test_audit_round_trip),
        STORE_TEST(test_audit_order_and_paging),
        STORE_TEST(test_audit_filters),
        STORE_TEST(test_change_log),
        STORE_TEST(test_meta),
        STORE_TEST(test_one_connection_runs_everything),
        STORE_TEST(test_rollback_leaves_nothing),
        STORE_TEST(test_uncommitted_is_invisible),
        STORE_TEST(test_second_writer_busy),
        STORE_TEST(test_statement_cache_overflow),
        STORE_TEST(test_group_commit),
        STORE_TEST(test_group_commit_failure_keeps_neighbours),
        STORE_TEST(test_group_commit_answers_after_commit),
        STORE_TEST(test_group_commit_cap),
        STORE_TEST(test_group_commit_failure_fails_all),
        STORE_TEST(test_group_commit_direct_between_requests),
        STORE_TEST(test_group_commit_alone),
        STORE_TEST(test_group_commit_linger),
        STORE_TEST(test_group_commit_stress),
    };

    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
