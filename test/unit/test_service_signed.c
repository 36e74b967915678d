/*
 * Tests of daemon/service/service_signed.c: the core's authentication of
 * signed management calls, on the real store (a temporary SQLite
 * database).  The signature check is a stub that compares the secret it
 * is given, so these tests are about the rules around it: the clock
 * window, the nonce's shape, the order of the checks, the nonce store
 * (replays, a refused call leaves no nonce, full means refused) and
 * what a failure tells.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/time.h"
#include "service/service.h"

#include "fixture.h"
#include "unit.h"


#define KEY_ID     TG_FIXTURE_KEY_ID
#define KEY_SECRET TG_FIXTURE_KEY_SECRET
#define NONCES     TG_FIXTURE_NONCES

typedef tg_fixture_t fixture_t;

/* The stub signature check: what it expects, and how often it ran. */
typedef struct {
    const char *secret;
    int         calls;
} stub_t;


static int
stub_check(void *data, tg_str_t secret)
{
    stub_t *stub = data;

    stub->calls++;
    return tg_str_eq_c(secret, stub->secret) ? TG_OK : TG_EUNAUTHENTICATED;
}


/*
 * Authenticates one call and asserts its code and outcome; a refused call
 * names no actor.  Returns the actor.
 */
static tg_actor_t
expect(fixture_t *f, const char *key_id, int64_t timestamp, tg_str_t nonce,
       stub_t *stub, int rc, tg_auth_outcome_t why)
{
    tg_signed_call_t  call;
    tg_actor_t        actor;
    tg_auth_outcome_t outcome;
    tg_error_t        err;

    memset(&actor, 0, sizeof(actor));
    memset(&err, 0, sizeof(err));
    call.key_id = tg_str_c(key_id);
    call.timestamp = timestamp;
    call.nonce = nonce;
    call.check = stub_check;
    call.data = stub;
    assert_rc(
        tg_service_authenticate_signed(f->svc, &call, &actor, &outcome, &err),
        rc);
    assert_int_equal(outcome, why);
    if (rc != TG_OK) {
        assert_string_equal(actor.key_id, "");
    }
    return actor;
}


/* The same within a vendor's window. */
static tg_actor_t
expect_within(fixture_t *f, const tg_signed_call_t *call, int64_t window,
              int rc, tg_auth_outcome_t why)
{
    tg_actor_t        actor;
    tg_auth_outcome_t outcome;
    tg_error_t        err;

    memset(&actor, 0, sizeof(actor));
    memset(&err, 0, sizeof(err));
    assert_rc(tg_service_authenticate_signed_within(f->svc, call, window,
                                                    &actor, &outcome, &err),
              rc);
    if (rc != TG_EINVALID) {
        assert_int_equal(outcome, why);
    }
    if (rc != TG_OK) {
        assert_string_equal(actor.key_id, "");
    }
    return actor;
}


static void
test_accepts_then_refuses_a_replay(void **state)
{
    fixture_t *f = *state;
    stub_t     stub = { KEY_SECRET, 0 };
    tg_actor_t actor;
    int64_t    now = tg_time_now_ms();

    actor = expect(f, KEY_ID, now, TG_STR("n-1"), &stub, TG_OK, TG_AUTH_OK);
    assert_string_equal(actor.key_id, KEY_ID);
    assert_true(actor.admin);
    assert_int_equal(stub.calls, 1);

    /* The same nonce again, even with another timestamp in the window. */
    expect(f, KEY_ID, now - 1000, TG_STR("n-1"), &stub, TG_EUNAUTHENTICATED,
           TG_AUTH_NONCE_USED);
}


/* The window is inclusive at both ends; outside it nothing else is
 * looked at, not even the key. */
static void
test_clock_window(void **state)
{
    static const struct {
        const char *key_id;
        int64_t     offset; /* from now; INT64_MIN: the timestamp 0 */
        const char *nonce;
        int         rc;
    } cases[] = {
        { KEY_ID, -TG_SIGNED_WINDOW_MS - 1000, "w-1", TG_EUNAUTHENTICATED },
        { KEY_ID, TG_SIGNED_WINDOW_MS + 1000, "w-2", TG_EUNAUTHENTICATED },
        { "TGnoSuchKey0000", INT64_MIN, "w-3", TG_EUNAUTHENTICATED },
        /* Just inside, by a margin for the test's own clock. */
        { KEY_ID, -TG_SIGNED_WINDOW_MS + 5000, "w-4", TG_OK },
        { KEY_ID, TG_SIGNED_WINDOW_MS - 5000, "w-5", TG_OK },
    };
    fixture_t *f = *state;
    stub_t     stub = { KEY_SECRET, 0 };
    int64_t    now = tg_time_now_ms(), timestamp;
    size_t     i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        timestamp = cases[i].offset == INT64_MIN ? 0 : now + cases[i].offset;
        expect(f, cases[i].key_id, timestamp, tg_str_c(cases[i].nonce), &stub,
               cases[i].rc,
               cases[i].rc == TG_OK ? TG_AUTH_OK : TG_AUTH_EXPIRED);
        if (cases[i].rc != TG_OK) {
            assert_int_equal(stub.calls, 0);
        }
    }
}


static void
test_nonce_shape(void **state)
{
    fixture_t *f = *state;
    stub_t     stub = { KEY_SECRET, 0 };
    char       nonce[TG_SIGNED_NONCE_MAX + 1];
    int64_t    now = tg_time_now_ms();

    memset(nonce, 'n', sizeof(nonce));

    expect(f, KEY_ID, now, TG_STR(""), &stub, TG_EUNAUTHENTICATED,
           TG_AUTH_BAD_NONCE);
    expect(f, KEY_ID, now, (tg_str_t){ nonce, sizeof(nonce) }, &stub,
           TG_EUNAUTHENTICATED, TG_AUTH_BAD_NONCE);
    assert_int_equal(stub.calls, 0);

    expect(f, KEY_ID, now, (tg_str_t){ nonce, TG_SIGNED_NONCE_MAX }, &stub,
           TG_OK, TG_AUTH_OK);
}


/* A refused call records no nonce: a stranger cannot burn a key's
 * nonces, and the signer can still use it. */
static void
test_refused_calls_leave_no_nonce(void **state)
{
    fixture_t *f = *state;
    stub_t     wrong = { "not-the-secret", 0 };
    stub_t     right = { KEY_SECRET, 0 };
    int64_t    now = tg_time_now_ms();

    expect(f, KEY_ID, now, TG_STR("r-1"), &wrong, TG_EUNAUTHENTICATED,
           TG_AUTH_BAD_SIGNATURE);
    assert_int_equal(wrong.calls, 1);

    expect(f, "TGnoSuchKey0000", now, TG_STR("r-1"), &right,
           TG_EUNAUTHENTICATED, TG_AUTH_UNKNOWN_KEY);
    assert_int_equal(right.calls, 0);

    expect(f, KEY_ID, now, TG_STR("r-1"), &right, TG_OK, TG_AUTH_OK);
}


/* A full store refuses new nonces rather than forget one. */
static void
test_full_store_refuses(void **state)
{
    fixture_t *f = *state;
    stub_t     stub = { KEY_SECRET, 0 };
    char       nonce[16];
    int64_t    now = tg_time_now_ms();
    int        i;

    /* Nodes that share a PostgreSQL store keep the nonces in it
     * (test_store_limits.c), without this bound. */
    if (tg_fixture_pg()) {
        skip();
    }

    for (i = 0; i < NONCES; i++) {
        snprintf(nonce, sizeof(nonce), "f-%d", i);
        expect(f, KEY_ID, now, tg_str_c(nonce), &stub, TG_OK, TG_AUTH_OK);
    }

    expect(f, KEY_ID, now, TG_STR("f-new"), &stub, TG_EBUSY,
           TG_AUTH_NONCES_FULL);

    /* A replay is still told as one. */
    expect(f, KEY_ID, now, TG_STR("f-0"), &stub, TG_EUNAUTHENTICATED,
           TG_AUTH_NONCE_USED);
}


/* A vendor's own window (Tencent's 5 minutes): inside it by a margin
 * passes, outside it is expired even though the default would pass;
 * windows beyond the default or below 1 ms are refused outright. */
static void
test_window_within(void **state)
{
    fixture_t       *f = *state;
    stub_t           stub = { KEY_SECRET, 0 };
    tg_signed_call_t call;
    tg_actor_t       actor;
    int64_t          now = tg_time_now_ms(), window = 5 * 60 * 1000;

    memset(&call, 0, sizeof(call));
    call.key_id = TG_STR(KEY_ID);
    call.check = stub_check;
    call.data = &stub;
    call.nonce = TG_STR("v-1");

    call.timestamp = now - window - 1000;
    expect_within(f, &call, window, TG_EUNAUTHENTICATED, TG_AUTH_EXPIRED);
    call.timestamp = now + window + 1000;
    expect_within(f, &call, window, TG_EUNAUTHENTICATED, TG_AUTH_EXPIRED);
    assert_int_equal(stub.calls, 0);

    call.timestamp = now - window + 5000;
    actor = expect_within(f, &call, window, TG_OK, TG_AUTH_OK);
    assert_string_equal(actor.key_id, KEY_ID);

    expect_within(f, &call, TG_SIGNED_WINDOW_MS + 1, TG_EINVALID, 0);
    expect_within(f, &call, 0, TG_EINVALID, 0);
}


/* TG_ACTION_RATE_PER_SECOND calls of one action pass at once, the next
 * is limited; another action and another account have their own. */
static void
test_action_rate(void **state)
{
    fixture_t *f = *state;
    tg_actor_t a, b;
    tg_error_t err;
    char       name[TG_ACTION_RATE_NAME_MAX + 2];
    int        i;

    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    memset(&err, 0, sizeof(err));
    snprintf(a.account_id, sizeof(a.account_id), "%s", "account-a");
    snprintf(b.account_id, sizeof(b.account_id), "%s", "account-b");

    for (i = 0; i < TG_ACTION_RATE_PER_SECOND; i++) {
        assert_rc(
            tg_service_action_rate_take(f->svc, &a, "tc:ModifyApiApp", &err),
            TG_OK);
    }
    assert_rc(tg_service_action_rate_take(f->svc, &a, "tc:ModifyApiApp", &err),
              TG_ERATE_LIMITED);
    assert_true(err.retry_after >= 1);

    assert_rc(tg_service_action_rate_take(f->svc, &a, "tc:DeleteApiApp", &err),
              TG_OK);
    assert_rc(tg_service_action_rate_take(f->svc, &b, "tc:ModifyApiApp", &err),
              TG_OK);

    memset(name, 'n', sizeof(name));
    name[TG_ACTION_RATE_NAME_MAX] = '\0';
    assert_rc(tg_service_action_rate_take(f->svc, &a, name, &err), TG_OK);
    name[TG_ACTION_RATE_NAME_MAX] = 'n';
    name[TG_ACTION_RATE_NAME_MAX + 1] = '\0';
    assert_rc(tg_service_action_rate_take(f->svc, &a, name, &err), TG_EINVALID);
    assert_rc(tg_service_action_rate_take(f->svc, &a, "", &err), TG_EINVALID);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_accepts_then_refuses_a_replay,
                                        tg_fixture_setup, tg_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_clock_window, tg_fixture_setup,
                                        tg_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_nonce_shape, tg_fixture_setup,
                                        tg_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_refused_calls_leave_no_nonce,
                                        tg_fixture_setup, tg_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_full_store_refuses,
                                        tg_fixture_setup, tg_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_window_within, tg_fixture_setup,
                                        tg_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_action_rate, tg_fixture_setup,
                                        tg_fixture_teardown),
    };

    return cmocka_run_group_tests_name("service_signed", tests, NULL, NULL);
}
