/*
 * Tests of daemon/store/store_limits.c and of the service's use of it:
 * the limits that nodes sharing a store share.  Two store handles on one
 * database, each with its own service, stand for two nodes (as in
 * test_store_cluster.c).  Over PostgreSQL (`make unit` runs this through
 * scripts/pg-test.sh) the nodes share the nonces and the buckets:
 *
 * - an account's app writes across both nodes stop at the burst;
 * - an action's calls across both nodes keep to 20 a second;
 * - a nonce used on node A is refused on node B, until it expires;
 * - expired nonces and full buckets are pruned, live ones kept;
 * - a store that cannot answer refuses (503-class TG_EBUSY), never
 *   accepts: the fault hook, and tables gone.
 *
 * Over SQLite each node keeps its own, in memory, as before.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tollgate/time.h"
#include "service/service.h"

#include "fixture.h"
#include "unit.h"


#define BURST 50 /* app writes at once, as the vendors' 50 a second */

typedef struct {
    tg_fixture_t  fx; /* node A */
    tg_store_t   *store2;
    tg_service_t *svc2; /* node B */
} fixture_t;

/* A refill so slow that none comes during a test: the burst alone
 * counts. */
static const tg_fixture_spec_t limits_spec = {
    .name = "limits",
    .key_id = TG_FIXTURE_KEY_ID,
    .key_secret = TG_FIXTURE_KEY_SECRET,
    .limits = { .max_apps = 1000,
                .max_key_pairs = 5,
                .max_codes = 5,
                .app_write_rate = 0.001,
                .app_write_burst = BURST,
                .signed_nonces = TG_FIXTURE_NONCES },
};


static int
setup(void **state)
{
    fixture_t *f = tg_fixture_alloc(sizeof(fixture_t), &limits_spec);

    if (f == NULL) {
        return -1;
    }

    if (tg_fixture_open_node(f->fx.path, 2, &f->store2) != TG_OK
        || tg_service_create(f->store2, f->fx.keyring, &limits_spec.limits,
                             &f->svc2)
               != TG_OK)
    {
        tg_store_close(f->store2);
        tg_fixture_free(f);
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


static int64_t
sql(fixture_t *f, const char *text)
{
    return tg_fixture_sql(tg_fixture_pg() ? &tg_db_postgres : &tg_db_sqlite,
                          f->fx.path, text);
}


/* Creates app name on svc; returns the service's code. */
static int
create(tg_service_t *svc, const tg_actor_t *admin, const char *name)
{
    tg_app_spec_t spec;
    tg_app_view_t view;
    tg_error_t    err;
    int           rc;

    memset(&spec, 0, sizeof(spec));
    memset(&err, 0, sizeof(err));
    spec.name = tg_str_c(name);
    spec.enabled = 1;
    rc = tg_service_app_create(svc, admin, &spec, &view, &err);
    if (rc == TG_OK) {
        tg_app_view_free(&view);
    }
    if (rc == TG_ERATE_LIMITED) {
        assert_true(err.retry_after >= 1);
    }
    return rc;
}


/* The signature check: the fixture's admin secret. */
static int
secret_check(void *data, tg_str_t secret)
{
    (void) data;
    return tg_str_eq_c(secret, TG_FIXTURE_KEY_SECRET) ? TG_OK
                                                      : TG_EUNAUTHENTICATED;
}


static int
signed_call(tg_service_t *svc, int64_t timestamp, const char *nonce,
            tg_auth_outcome_t *outcome)
{
    tg_signed_call_t call;
    tg_actor_t       actor;
    tg_error_t       err;

    memset(&actor, 0, sizeof(actor));
    memset(&err, 0, sizeof(err));
    call.key_id = TG_STR(TG_FIXTURE_KEY_ID);
    call.timestamp = timestamp;
    call.nonce = tg_str_c(nonce);
    call.check = secret_check;
    call.data = NULL;
    *outcome = TG_AUTH_OK;
    return tg_service_authenticate_signed(svc, &call, &actor, outcome, &err);
}


/* Over SQLite, nothing is shared: each node has its own bucket. */
static void
test_sqlite_keeps_its_own(void **state)
{
    fixture_t *f = *state;
    char       name[32];
    int        i, ok = 0;

    if (tg_fixture_pg()) {
        assert_true(tg_store_limits_shared(f->fx.store));
        skip();
    }
    assert_false(tg_store_limits_shared(f->fx.store));
    assert_rc(tg_store_nonce_use(f->fx.store, TG_STR("k"), TG_STR("n"), 1, 2),
              TG_EINVALID);

    for (i = 0; i < 2 * BURST; i++) {
        snprintf(name, sizeof(name), "own-%d", i);
        ok += create(i % 2 ? f->svc2 : f->fx.svc, &f->fx.admin, name) == TG_OK;
    }
    assert_int_equal(ok, 2 * BURST);
}


/* The burst of app writes holds across both nodes: the 51st create,
 * whichever node takes it, is refused. */
static void
test_app_writes_across_nodes(void **state)
{
    fixture_t *f = *state;
    char       name[32];
    int        i, rc;

    if (!tg_fixture_pg()) {
        skip();
    }

    for (i = 0; i < BURST; i++) {
        snprintf(name, sizeof(name), "app-%d", i);
        assert_rc(create(i % 2 ? f->svc2 : f->fx.svc, &f->fx.admin, name),
                  TG_OK);
    }

    rc = create(f->fx.svc, &f->fx.admin, "app-over-a");
    assert_rc(rc, TG_ERATE_LIMITED);
    rc = create(f->svc2, &f->fx.admin, "app-over-b");
    assert_rc(rc, TG_ERATE_LIMITED);
    assert_i64_equal(sql(f, "SELECT COUNT(*) FROM apps"), BURST);
}


/* An action's 20 a second hold across both nodes: of calls made as
 * fast as they go, at most 20 pass, plus what the time taken refilled
 * (a node-local bucket each would pass 40). */
static void
test_action_rate_across_nodes(void **state)
{
    fixture_t *f = *state;
    tg_actor_t actor;
    tg_error_t err;
    int64_t    started, elapsed;
    int        i, ok = 0, limited = 0, rc;

    if (!tg_fixture_pg()) {
        skip();
    }

    memset(&actor, 0, sizeof(actor));
    snprintf(actor.account_id, sizeof(actor.account_id), "%s", "account-x");

    started = tg_time_monotonic_ms();
    for (i = 0; i < 2 * TG_ACTION_RATE_PER_SECOND; i++) {
        memset(&err, 0, sizeof(err));
        rc = tg_service_action_rate_take(i % 2 ? f->svc2 : f->fx.svc, &actor,
                                         "tc:CreateApiApp", &err);
        ok += rc == TG_OK;
        limited += rc == TG_ERATE_LIMITED;
    }
    elapsed = tg_time_monotonic_ms() - started;

    assert_int_equal(ok + limited, 2 * TG_ACTION_RATE_PER_SECOND);
    assert_true(ok >= TG_ACTION_RATE_PER_SECOND);
    if (ok > TG_ACTION_RATE_PER_SECOND + 1
                 + elapsed * TG_ACTION_RATE_PER_SECOND / 1000)
    {
        fail_msg("%d passed in %" PRId64 " ms", ok, elapsed);
    }
}


/* The store's bucket: exact counts with a slow refill, and a refusal
 * that tells when to retry. */
static void
test_bucket_take(void **state)
{
    fixture_t *f = *state;
    int64_t    retry = 0;
    int        i;

    if (!tg_fixture_pg()) {
        skip();
    }

    for (i = 0; i < 3; i++) {
        assert_rc(tg_store_bucket_take(i % 2 ? f->store2 : f->fx.store,
                                       TG_STR("acct"), "Act", 0.5, 3, &retry),
                  TG_OK);
    }
    assert_rc(
        tg_store_bucket_take(f->store2, TG_STR("acct"), "Act", 0.5, 3, &retry),
        TG_ERATE_LIMITED);
    assert_true(retry >= 1 && retry <= 2000);

    /* Another action, another account: buckets of their own. */
    assert_rc(tg_store_bucket_take(f->store2, TG_STR("acct"), "Other", 0.5, 3,
                                   &retry),
              TG_OK);
    assert_rc(
        tg_store_bucket_take(f->store2, TG_STR("acct2"), "Act", 0.5, 3, &retry),
        TG_OK);

    assert_rc(
        tg_store_bucket_take(f->store2, TG_STR("acct"), "Act", 0, 3, &retry),
        TG_EINVALID);
    assert_rc(
        tg_store_bucket_take(f->store2, TG_STR("acct"), "Act", 1, 0.5, &retry),
        TG_EINVALID);
}


/* A nonce used on node A is refused on node B, until it expires; the
 * scope (the access key) is part of it. */
static void
test_nonce_across_nodes(void **state)
{
    fixture_t *f = *state;

    if (!tg_fixture_pg()) {
        skip();
    }

    assert_rc(tg_store_nonce_use(f->fx.store, TG_STR("key-1"), TG_STR("n-1"),
                                 1000, 2000),
              TG_OK);
    assert_rc(tg_store_nonce_use(f->store2, TG_STR("key-1"), TG_STR("n-1"),
                                 1999, 2999),
              TG_ECONFLICT);
    assert_rc(tg_store_nonce_use(f->store2, TG_STR("key-2"), TG_STR("n-1"),
                                 1500, 2500),
              TG_OK);
    assert_rc(tg_store_nonce_use(f->fx.store, TG_STR("key-"), TG_STR("1n-1"),
                                 1500, 2500),
              TG_OK);

    /* Expired at 2000 (excluded): taken over, and held anew. */
    assert_rc(tg_store_nonce_use(f->store2, TG_STR("key-1"), TG_STR("n-1"),
                                 2000, 3000),
              TG_OK);
    assert_rc(tg_store_nonce_use(f->fx.store, TG_STR("key-1"), TG_STR("n-1"),
                                 2500, 3500),
              TG_ECONFLICT);

    /* Any bytes: a NUL, and not UTF-8. */
    assert_rc(tg_store_nonce_use(f->fx.store, TG_STR("key-1"),
                                 (tg_str_t){ "a\0\xff", 3 }, 1000, 2000),
              TG_OK);
    assert_rc(tg_store_nonce_use(f->store2, TG_STR("key-1"),
                                 (tg_str_t){ "a\0\xff", 3 }, 1000, 2000),
              TG_ECONFLICT);

    assert_rc(tg_store_nonce_use(f->store2, TG_STR("key-1"), TG_STR("n-2"),
                                 2000, 2000),
              TG_EINVALID);
}


/* The service: a signed call replayed on the other node is refused. */
static void
test_signed_replay_across_nodes(void **state)
{
    fixture_t        *f = *state;
    tg_auth_outcome_t outcome;
    int64_t           now = tg_time_now_ms();

    if (!tg_fixture_pg()) {
        skip();
    }

    assert_rc(signed_call(f->fx.svc, now, "replayed", &outcome), TG_OK);
    assert_rc(signed_call(f->svc2, now, "replayed", &outcome),
              TG_EUNAUTHENTICATED);
    assert_int_equal(outcome, TG_AUTH_NONCE_USED);
    assert_rc(signed_call(f->fx.svc, now, "replayed", &outcome),
              TG_EUNAUTHENTICATED);
    assert_int_equal(outcome, TG_AUTH_NONCE_USED);

    assert_rc(signed_call(f->svc2, now, "fresh", &outcome), TG_OK);
}


/* Pruning takes expired nonces and full buckets, in batches, and
 * leaves the live ones; two nodes pruning is harmless. */
static void
test_prune(void **state)
{
    fixture_t *f = *state;
    char       nonce[16];
    int64_t    deleted = 0, retry;
    int        i;

    if (!tg_fixture_pg()) {
        skip();
    }

    for (i = 0; i < 10; i++) {
        snprintf(nonce, sizeof(nonce), "p-%d", i);
        assert_rc(tg_store_nonce_use(f->fx.store, TG_STR("k"), tg_str_c(nonce),
                                     100, i < 7 ? 200 : 5000),
                  TG_OK);
    }

    assert_rc(tg_store_limits_prune(f->fx.store, 1000, 4, &deleted), TG_OK);
    assert_i64_equal(deleted, 4);
    assert_rc(tg_store_limits_prune(f->store2, 1000, 4, &deleted), TG_OK);
    assert_i64_equal(deleted, 3);
    assert_rc(tg_store_limits_prune(f->fx.store, 1000, 4, &deleted), TG_OK);
    assert_i64_equal(deleted, 0);
    assert_i64_equal(sql(f, "SELECT COUNT(*) FROM limit_nonces"), 3);

    /* A live one stays remembered. */
    assert_rc(
        tg_store_nonce_use(f->store2, TG_STR("k"), TG_STR("p-8"), 1000, 6000),
        TG_ECONFLICT);

    /* A bucket refilled to its burst goes; a drained one stays. */
    assert_rc(
        tg_store_bucket_take(f->fx.store, TG_STR("a"), "Fast", 1e6, 2, &retry),
        TG_OK);
    assert_rc(
        tg_store_bucket_take(f->fx.store, TG_STR("a"), "Slow", 1e-3, 2, &retry),
        TG_OK);
    usleep(20 * 1000);
    assert_rc(tg_store_limits_prune(f->store2, 1000, 100, &deleted), TG_OK);
    assert_i64_equal(deleted, 1);
    assert_i64_equal(sql(f, "SELECT COUNT(*) FROM limit_buckets"), 1);
}


/* A store that cannot answer refuses: the fault hook on the limits'
 * connection, then the tables gone (as after a failure of the server's
 * disk): signed calls and writes get TG_EBUSY, and what was refused left
 * nothing behind. */
static void
test_store_failure_refuses(void **state)
{
    fixture_t        *f = *state;
    tg_auth_outcome_t outcome;
    int64_t           now = tg_time_now_ms(), retry;

    if (!tg_fixture_pg()) {
        skip();
    }

    tg_store_fault_arm(f->fx.store, 1);
    assert_rc(tg_store_nonce_use(f->fx.store, TG_STR("k"), TG_STR("f"), 1, 2),
              TG_ESTORE);
    tg_store_fault_arm(f->fx.store, 1);
    assert_rc(tg_store_bucket_take(f->fx.store, TG_STR("a"), "A", 1, 1, &retry),
              TG_ESTORE);
    tg_store_fault_arm(f->fx.store, 0);

    (void) sql(f, "ALTER TABLE limit_nonces RENAME TO limit_nonces_gone");
    assert_rc(signed_call(f->fx.svc, now, "outage", &outcome), TG_EBUSY);
    assert_int_equal(outcome, TG_AUTH_OK);
    assert_rc(signed_call(f->svc2, now, "outage", &outcome), TG_EBUSY);
    (void) sql(f, "ALTER TABLE limit_nonces_gone RENAME TO limit_nonces");

    (void) sql(f, "ALTER TABLE limit_buckets RENAME TO limit_buckets_gone");
    assert_rc(create(f->fx.svc, &f->fx.admin, "in-outage"), TG_EBUSY);
    (void) sql(f, "ALTER TABLE limit_buckets_gone RENAME TO limit_buckets");
    assert_i64_equal(sql(f, "SELECT COUNT(*) FROM apps"), 0);

    /* Back: the nonce refused in the outage was never recorded. */
    assert_rc(signed_call(f->svc2, now, "outage", &outcome), TG_OK);
    assert_rc(create(f->fx.svc, &f->fx.admin, "after-outage"), TG_OK);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sqlite_keeps_its_own, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_app_writes_across_nodes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_action_rate_across_nodes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_bucket_take, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nonce_across_nodes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_signed_replay_across_nodes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_prune, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_failure_refuses, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
