/*
 * Several nodes on one store: two store handles on one database, each
 * with its own core service, as two tollgated processes would have (over
 * SQLite, two handles on one file; over PostgreSQL, run by `make unit`
 * through scripts/pg-test.sh, two pools of connections to one server).
 *
 * - Creates racing on both nodes for the same app name, the same AppKey
 *   or the same AppCode: exactly one succeeds, and the store holds one.
 * - Creates racing on both nodes against one account's app quota: the
 *   quota holds, and the account's app count says so.
 * - Creates and deletes on both nodes in one account: its count stays
 *   exact.
 * - Two nodes opening a new PostgreSQL database at once both migrate
 *   it, once.
 * - A node waiting for changes hears each commit of changes by another
 *   (PostgreSQL's LISTEN/NOTIFY), once, and nothing else.
 * - A follower reading the change log (seq > last) on a third handle
 *   while both nodes write, in transactions that overlap, sees every row
 *   once, in order, with no gap: the log's order is the commit order.
 */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "unit.h"


#define ROUNDS      12 /* races of each kind */
#define QUOTA       7  /* the account's app quota in the quota race */
#define QUOTA_TRIES 10 /* creates per node in the quota race */
#define LOG_WRITES  40 /* creates per node while the follower reads */
#define CHURN_STEPS                                      \
    41 /* creates and deletes per node, in turn: one app \
          is left of each */

typedef struct {
    tg_fixture_t  fx; /* node 1: its store, keyring and service */
    tg_store_t   *store2;
    tg_service_t *svc2; /* node 2 */
} fixture_t;

static const tg_fixture_spec_t cluster_spec = {
    .name = "cluster",
    .key_id = TG_FIXTURE_KEY_ID,
    .key_secret = TG_FIXTURE_KEY_SECRET,
    .limits = { .max_apps = 100000,
                .max_key_pairs = 5,
                .max_codes = 5,
                .signed_nonces = TG_FIXTURE_NONCES },
};


/* A handle of its own on node 1's database. */
static tg_store_t *
open_handle(fixture_t *f)
{
    tg_store_t *store = NULL;

    assert_rc(tg_fixture_open_node(f->fx.path, 2, &store), TG_OK);
    return store;
}


static int
setup(void **state)
{
    fixture_t *f = tg_fixture_alloc(sizeof(fixture_t), &cluster_spec);

    if (f == NULL) {
        return -1;
    }
    f->store2 = open_handle(f);
    if (tg_service_create(f->store2, f->fx.keyring, &cluster_spec.limits,
                          &f->svc2)
        != TG_OK)
    {
        return -1;
    }
    *state = f;
    return 0;
}


static int
teardown(void **state)
{
    fixture_t *f = *state;

    tg_service_destroy(f->svc2);
    tg_store_close(f->store2);
    tg_fixture_free(f);
    return 0;
}


/* One node's create in a race. */
typedef struct {
    tg_service_t      *svc;
    const tg_actor_t  *actor;
    pthread_barrier_t *start;
    tg_app_spec_t      spec;
    int                n;        /* creates to make, spec.name + "-<i>" */
    int                ok;       /* how many succeeded */
    int                other;    /* how many failed otherwise than expected */
    int                expected; /* the failure the race may give */
} racer_t;


static void *
racer_run(void *arg)
{
    racer_t      *r = arg;
    tg_app_spec_t spec = r->spec;
    tg_app_view_t view;
    tg_error_t    err;
    char          name[64];
    int           i, rc;

    pthread_barrier_wait(r->start);
    for (i = 0; i < r->n; i++) {
        if (r->n > 1) {
            snprintf(name, sizeof(name), "%.*s-%d", (int) r->spec.name.len,
                     r->spec.name.ptr, i);
            spec.name = tg_str_c(name);
        }
        memset(&err, 0, sizeof(err));
        rc = tg_service_app_create(r->svc, r->actor, &spec, &view, &err);
        if (rc == TG_OK) {
            r->ok++;
            tg_app_view_free(&view);
        } else if (rc != r->expected) {
            print_error("create: %s\n", tg_strerror(rc));
            r->other++;
        }
    }
    return NULL;
}


/* Runs a and b, one on each node, at once. */
static void
race(fixture_t *f, racer_t *a, racer_t *b)
{
    pthread_barrier_t start;
    pthread_t         ta, tb;

    pthread_barrier_init(&start, NULL, 2);
    a->svc = f->fx.svc;
    b->svc = f->svc2;
    a->actor = b->actor = &f->fx.admin;
    a->start = b->start = &start;
    assert_int_equal(pthread_create(&ta, NULL, racer_run, a), 0);
    assert_int_equal(pthread_create(&tb, NULL, racer_run, b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    pthread_barrier_destroy(&start);
}


static racer_t
racer(const char *name, int n, int expected)
{
    racer_t r;

    memset(&r, 0, sizeof(r));
    r.spec.name = tg_str_c(name);
    r.spec.enabled = 1;
    r.n = n;
    r.expected = expected;
    return r;
}


/* The database's driver, for tg_fixture_sql(). */
static const tg_db_driver_t *
driver(void)
{
    return tg_fixture_pg() ? &tg_db_postgres : &tg_db_sqlite;
}


static void
test_same_name_once(void **state)
{
    fixture_t *f = *state;
    char       name[32], sql[96];
    int        i;

    for (i = 0; i < ROUNDS; i++) {
        racer_t a, b;

        snprintf(name, sizeof(name), "same-name-%d", i);
        a = racer(name, 1, TG_ENAME_TAKEN);
        b = racer(name, 1, TG_ENAME_TAKEN);
        race(f, &a, &b);
        assert_int_equal(a.ok + b.ok, 1);
        assert_int_equal(a.other + b.other, 0);

        snprintf(sql, sizeof(sql),
                 "SELECT COUNT(*) FROM apps WHERE name = '%s'", name);
        assert_int_equal(tg_fixture_sql(driver(), f->fx.path, sql), 1);
    }
}


static void
test_same_app_key_once(void **state)
{
    fixture_t *f = *state;
    char       name[32], name_b[32], key[32], sql[128];
    int        i;

    for (i = 0; i < ROUNDS; i++) {
        racer_t a, b;

        snprintf(name, sizeof(name), "key-a-%d", i);
        snprintf(name_b, sizeof(name_b), "key-b-%d", i);
        a = racer(name, 1, TG_EAPP_KEY_TAKEN);
        b = racer(name_b, 1, TG_EAPP_KEY_TAKEN);
        snprintf(key, sizeof(key), "RaceKey%08d", i);
        a.spec.app_key = b.spec.app_key = tg_str_c(key);
        a.spec.app_secret = b.spec.app_secret =
            TG_STR("race-secret-0123456789abcdef");
        race(f, &a, &b);
        assert_int_equal(a.ok + b.ok, 1);
        assert_int_equal(a.other + b.other, 0);

        snprintf(sql, sizeof(sql),
                 "SELECT COUNT(*) FROM key_pairs WHERE app_key = '%s'", key);
        assert_int_equal(tg_fixture_sql(driver(), f->fx.path, sql), 1);
    }
}


static void
test_same_app_code_once(void **state)
{
    fixture_t *f = *state;
    char       name[32], name_b[32], code[40];
    int        i;

    for (i = 0; i < ROUNDS; i++) {
        racer_t a, b;

        snprintf(name, sizeof(name), "code-a-%d", i);
        snprintf(name_b, sizeof(name_b), "code-b-%d", i);
        a = racer(name, 1, TG_EAPP_CODE_TAKEN);
        b = racer(name_b, 1, TG_EAPP_CODE_TAKEN);
        snprintf(code, sizeof(code), "racecode0123456789abcdef%08d", i);
        a.spec.app_code = b.spec.app_code = tg_str_c(code);
        race(f, &a, &b);
        assert_int_equal(a.ok + b.ok, 1);
        assert_int_equal(a.other + b.other, 0);
    }
    assert_int_equal(
        tg_fixture_sql(driver(), f->fx.path, "SELECT COUNT(*) FROM app_codes"),
        ROUNDS);
}


static void
test_quota_holds(void **state)
{
    fixture_t   *f = *state;
    tg_account_t account;
    tg_txn_t     t;
    racer_t      a = racer("quota-a", QUOTA_TRIES, TG_EAPP_LIMIT);
    racer_t      b = racer("quota-b", QUOTA_TRIES, TG_EAPP_LIMIT);

    memset(&account, 0, sizeof(account));
    assert_rc(tg_txn_begin(f->fx.store, 1, &t), TG_OK);
    assert_rc(
        tg_store_account_get(&t, tg_str_c(f->fx.admin.account_id), &account),
        TG_OK);
    account.app_quota = QUOTA;
    assert_rc(tg_store_account_update(&t, &account), TG_OK);
    tg_account_free(&account);
    assert_rc(tg_txn_commit(&t), TG_OK);

    race(f, &a, &b);
    assert_int_equal(a.other + b.other, 0);
    assert_int_equal(a.ok + b.ok, QUOTA);
    assert_int_equal(
        tg_fixture_sql(driver(), f->fx.path, "SELECT COUNT(*) FROM apps"),
        QUOTA);
    assert_int_equal(tg_fixture_sql(driver(), f->fx.path,
                                    "SELECT SUM(app_count) FROM accounts"),
                     QUOTA);
}


/* One node's creates and deletes: every app it makes at an even step,
 * it deletes at the next. */
typedef struct {
    tg_service_t      *svc;
    const tg_actor_t  *actor;
    pthread_barrier_t *start;
    int                node;
    int                ok, other;
} churner_t;


static void *
churner_run(void *arg)
{
    churner_t    *c = arg;
    tg_app_spec_t spec;
    tg_app_view_t view;
    tg_error_t    err;
    char          name[32], id[TG_ID_LEN + 1] = "";
    int           i, rc;

    pthread_barrier_wait(c->start);
    for (i = 0; i < CHURN_STEPS; i++) {
        memset(&err, 0, sizeof(err));
        if (i % 2 == 1) {
            rc = tg_service_app_delete(c->svc, c->actor, tg_str_c(id), &err);
        } else {
            memset(&spec, 0, sizeof(spec));
            snprintf(name, sizeof(name), "churn-%d-%d", c->node, i);
            spec.name = tg_str_c(name);
            spec.enabled = 1;
            rc = tg_service_app_create(c->svc, c->actor, &spec, &view, &err);
            if (rc == TG_OK) {
                memcpy(id, view.app.id, sizeof(id));
                tg_app_view_free(&view);
            }
        }
        if (rc == TG_OK) {
            c->ok++;
        } else {
            print_error("churn: %s\n", tg_strerror(rc));
            c->other++;
        }
    }
    return NULL;
}


/* Creates and deletes in one account on both nodes at once: the
 * account's count of apps stays exact (each insert and delete changes
 * it under the account's row lock, in its own transaction). */
static void
test_app_count_two_nodes(void **state)
{
    fixture_t        *f = *state;
    pthread_barrier_t start;
    pthread_t         ta, tb;
    churner_t         a = { f->fx.svc, &f->fx.admin, &start, 1, 0, 0 };
    churner_t         b = { f->svc2, &f->fx.admin, &start, 2, 0, 0 };

    pthread_barrier_init(&start, NULL, 2);
    assert_int_equal(pthread_create(&ta, NULL, churner_run, &a), 0);
    assert_int_equal(pthread_create(&tb, NULL, churner_run, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    pthread_barrier_destroy(&start);

    assert_int_equal(a.other + b.other, 0);
    assert_int_equal(a.ok + b.ok, 2 * CHURN_STEPS);
    assert_int_equal(
        tg_fixture_sql(driver(), f->fx.path, "SELECT COUNT(*) FROM apps"), 2);
    assert_int_equal(tg_fixture_sql(driver(), f->fx.path,
                                    "SELECT SUM(app_count) FROM accounts"),
                     2);
}


/* A follower on a handle of its own: reads the log after its position
 * until told to stop and nothing is left, checking each row's seq. */
typedef struct {
    tg_store_t  *store;
    volatile int stop;
    int64_t      last;   /* its position */
    int64_t      rows;   /* rows read */
    int64_t      gaps;   /* rows whose seq was not last + 1 */
    int64_t      errors; /* failed reads */
} follower_t;


static void *
follower_run(void *arg)
{
    follower_t  *fl = arg;
    tg_change_t *items;
    tg_txn_t     t;
    size_t       n, i;
    int          stopping;

    for (;;) {
        stopping = fl->stop;
        if (tg_txn_begin(fl->store, 0, &t) != TG_OK) {
            fl->errors++;
            continue;
        }
        if (tg_store_change_list(&t, fl->last, 16, &items, &n) != TG_OK) {
            tg_txn_rollback(&t);
            fl->errors++;
            continue;
        }
        tg_txn_rollback(&t);

        for (i = 0; i < n; i++) {
            if (items[i].seq != fl->last + 1) {
                fl->gaps++;
            }
            fl->last = items[i].seq;
            fl->rows++;
        }
        free(items);

        if (stopping && n == 0) {
            return NULL;
        }
    }
}


/* A node writing the log: LOG_WRITES transactions of two changes each,
 * each held open a moment after its appends, so that the two nodes'
 * transactions overlap and commit out of the order they appended in. */
typedef struct {
    tg_store_t        *store;
    pthread_barrier_t *start;
    const char        *app;
    int                ok;
} log_writer_t;


static void *
log_writer_run(void *arg)
{
    log_writer_t *w = arg;
    tg_txn_t      t;
    int           i, rc;

    pthread_barrier_wait(w->start);
    for (i = 0; i < LOG_WRITES; i++) {
        if (tg_txn_begin(w->store, 1, &t) != TG_OK) {
            continue;
        }
        rc = tg_store_change_append(&t, "app", tg_str_c(w->app),
                                    tg_str_c(w->app), "upsert", i);
        if (rc == TG_OK) {
            rc = tg_store_change_append(&t, "key_pair", tg_str_c(w->app),
                                        tg_str_c(w->app), "upsert", i);
        }
        usleep((useconds_t) (100 + (i * 7919) % 1500));
        if (rc == TG_OK) {
            rc = tg_txn_commit(&t);
            w->ok += rc == TG_OK;
        } else {
            tg_txn_rollback(&t);
        }
    }
    return NULL;
}


static void
test_follower_sees_commit_order(void **state)
{
    fixture_t        *f = *state;
    follower_t        fl;
    pthread_barrier_t start;
    pthread_t         tf, ta, tb;
    log_writer_t      a = { f->fx.store, &start, "node-one", 0 };
    log_writer_t      b = { f->store2, &start, "node-two", 0 };

    memset(&fl, 0, sizeof(fl));
    fl.store = open_handle(f);
    assert_int_equal(pthread_create(&tf, NULL, follower_run, &fl), 0);

    pthread_barrier_init(&start, NULL, 2);
    assert_int_equal(pthread_create(&ta, NULL, log_writer_run, &a), 0);
    assert_int_equal(pthread_create(&tb, NULL, log_writer_run, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    pthread_barrier_destroy(&start);

    fl.stop = 1;
    pthread_join(tf, NULL);
    tg_store_close(fl.store);

    assert_int_equal(a.ok + b.ok, 2 * LOG_WRITES);
    assert_int_equal(fl.errors, 0);
    assert_int_equal(fl.gaps, 0);
    assert_int_equal(fl.rows, tg_fixture_sql(driver(), f->fx.path,
                                             "SELECT COUNT(*) FROM changes"));
    assert_int_equal(fl.last, tg_fixture_sql(driver(), f->fx.path,
                                             "SELECT MAX(seq) FROM changes"));
    assert_true(fl.rows >= 4 * LOG_WRITES);
}


/* A node opening a new database, at the same moment as another. */
typedef struct {
    const tg_db_driver_t *driver;
    const char           *path;
    pthread_barrier_t    *start;
    tg_store_t           *store;
    int                   rc;
} opener_t;


static void *
opener_run(void *arg)
{
    opener_t       *o = arg;
    tg_db_options_t options;

    memset(&options, 0, sizeof(options));
    options.path = o->path;
    options.connections = 1;
    options.busy_ms = 10000;
    pthread_barrier_wait(o->start);
    o->rc = tg_store_open(o->driver, &options, &o->store);
    return NULL;
}


/* Two nodes starting at once on a new database both open it, and each
 * migration is applied once.  (PostgreSQL only: a SQLite file belongs to
 * one tollgated, whose data directory's lock keeps a second away.) */
static void
test_concurrent_first_open(void **state)
{
    fixture_t        *f = *state;
    pthread_barrier_t start;
    pthread_t         ta, tb;
    char              path[TG_FIXTURE_PATH_LEN];
    opener_t          a, b;

    if (!tg_fixture_pg()) {
        skip();
    }
    a.driver = tg_fixture_db(f->fx.dir, path);
    assert_non_null(a.driver);
    a.path = path;
    a.store = NULL;
    b = a;
    a.start = b.start = &start;

    pthread_barrier_init(&start, NULL, 2);
    assert_int_equal(pthread_create(&ta, NULL, opener_run, &a), 0);
    assert_int_equal(pthread_create(&tb, NULL, opener_run, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    pthread_barrier_destroy(&start);

    tg_store_close(a.store);
    tg_store_close(b.store);
    assert_rc(a.rc, TG_OK);
    assert_rc(b.rc, TG_OK);
    assert_int_equal(
        tg_fixture_sql(a.driver, path, "SELECT COUNT(*) FROM schema_version"),
        a.driver->nmigrations);
}


/* One node's first start: its keyring check against the store. */
typedef struct {
    tg_service_t      *svc;
    pthread_barrier_t *start;
    int                rc;
} verifier_t;

static void *
verifier_run(void *arg)
{
    verifier_t *v = arg;

    pthread_barrier_wait(v->start);
    v->rc = tg_service_keyring_verify(v->svc, NULL);
    return NULL;
}


/* Two nodes with different keyrings starting at once on a store that has
 * no keyring check yet: one keyring's check is written, the other node
 * is refused (TG_ESEALED), never both accepted; and a node with the
 * winning keyring is accepted after. */
static void
test_keyring_first_start_race(void **state)
{
    static const uint8_t  other_key[TG_SEAL_KEY_LEN] = { 7, 7, 7 };
    fixture_t            *f = *state;
    pthread_barrier_t     start;
    pthread_t             ta, tb;
    tg_keyring_t         *other = NULL;
    tg_service_t         *svc3 = NULL;
    verifier_t            a, b;
    const tg_db_driver_t *driver =
        tg_fixture_pg() ? &tg_db_postgres : &tg_db_sqlite;

    tg_fixture_sql(driver, f->fx.path,
                   "DELETE FROM meta WHERE name = 'keyring_check'");
    assert_rc(tg_keyring_create(&other), TG_OK);
    assert_rc(tg_keyring_add(other, TG_STR("other"), other_key), TG_OK);
    assert_rc(tg_service_create(f->store2, other, &cluster_spec.limits, &svc3),
              TG_OK);

    a.svc = f->fx.svc;
    b.svc = svc3;
    a.start = b.start = &start;
    pthread_barrier_init(&start, NULL, 2);
    assert_int_equal(pthread_create(&ta, NULL, verifier_run, &a), 0);
    assert_int_equal(pthread_create(&tb, NULL, verifier_run, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    pthread_barrier_destroy(&start);

    /* Exactly one keyring won; the loser was refused, not accepted. */
    assert_true((a.rc == TG_OK) != (b.rc == TG_OK));
    assert_rc(a.rc == TG_OK ? b.rc : a.rc, TG_ESEALED);
    assert_int_equal(tg_fixture_sql(driver, f->fx.path,
                                    "SELECT COUNT(*) FROM meta "
                                    "WHERE name = 'keyring_check'"),
                     1);
    /* The winner's keyring opens the check on a later start; the loser's
     * still does not. */
    assert_rc(tg_service_keyring_verify(a.rc == TG_OK ? f->fx.svc : svc3, NULL),
              TG_OK);
    assert_rc(tg_service_keyring_verify(a.rc == TG_OK ? svc3 : f->fx.svc, NULL),
              TG_ESEALED);

    tg_service_destroy(svc3);
    tg_keyring_destroy(other);
}


/* A node waiting for the others' commits hears one of node 1's (over
 * PostgreSQL; SQLite cannot tell, and says so). */
static void
test_wait_for_changes(void **state)
{
    fixture_t *f = *state;
    tg_txn_t   t;
    int        rc, i;

    if (!tg_fixture_pg()) {
        assert_false(tg_store_notifies(f->store2));
        assert_rc(tg_store_wait_changes(f->store2, 10), TG_EINVALID);
        return;
    }
    assert_true(tg_store_notifies(f->store2));

    /* The first wait connects and listens: changes may have come. */
    assert_int_equal(tg_store_wait_changes(f->store2, 10), 1);
    assert_int_equal(tg_store_wait_changes(f->store2, 50), 0);

    /* A write without changes is not heard; one with changes is. */
    assert_rc(tg_txn_begin(f->fx.store, 1, &t), TG_OK);
    assert_rc(tg_store_meta_put(&t, "quiet", TG_STR("x")), TG_OK);
    assert_rc(tg_txn_commit(&t), TG_OK);
    assert_int_equal(tg_store_wait_changes(f->store2, 100), 0);

    for (i = 0; i < 3; i++) {
        assert_rc(tg_txn_begin(f->fx.store, 1, &t), TG_OK);
        assert_rc(tg_store_change_append(&t, "app", TG_STR("a"), TG_STR("a"),
                                         "upsert", i),
                  TG_OK);
        assert_rc(tg_store_change_append(&t, "app", TG_STR("b"), TG_STR("b"),
                                         "upsert", i),
                  TG_OK);
        assert_rc(tg_txn_commit(&t), TG_OK);

        rc = tg_store_wait_changes(f->store2, 5000);
        assert_int_equal(rc, 1);
        /* One notification a commit, however many rows. */
        assert_int_equal(tg_store_wait_changes(f->store2, 50), 0);
    }

    /* A rolled-back transaction is not heard. */
    assert_rc(tg_txn_begin(f->fx.store, 1, &t), TG_OK);
    assert_rc(tg_store_change_append(&t, "app", TG_STR("c"), TG_STR("c"),
                                     "upsert", 9),
              TG_OK);
    tg_txn_rollback(&t);
    assert_int_equal(tg_store_wait_changes(f->store2, 100), 0);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_same_name_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_same_app_key_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_same_app_code_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_quota_holds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_app_count_two_nodes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_follower_sees_commit_order, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_first_open, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_wait_for_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keyring_first_start_race, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
