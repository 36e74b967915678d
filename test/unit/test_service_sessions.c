/*
 * Tests of daemon/service/service_sessions.c: console sessions on the
 * real store (a temporary SQLite database): what signing in gives, the
 * CSRF rule, the idle and absolute ends, signing out, and the limit on
 * failed sign-ins per address, which successes do not use up.
 */

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "service/service.h"

#include "fixture.h"
#include "unit.h"


#define KEY_ID     TG_FIXTURE_KEY_ID
#define KEY_SECRET TG_FIXTURE_KEY_SECRET


static tg_actor_t
actor_from(const char *source)
{
    tg_actor_t a;

    memset(&a, 0, sizeof(a));
    snprintf(a.source, sizeof(a.source), "%s", source);
    snprintf(a.request_id, sizeof(a.request_id), "unit");
    return a;
}


/* Signs in from source with secret; returns the code, fills s. */
static int
sign_in(tg_service_t *svc, const char *source, const char *secret,
        tg_session_t *s, tg_error_t *err)
{
    tg_actor_t actor = actor_from(source);

    memset(err, 0, sizeof(*err));
    return tg_service_session_create(svc, TG_STR(KEY_ID), tg_str_c(secret),
                                     &actor, s, err);
}


/* Authenticates a call of session id; unsafe with csrf. */
static int
use(tg_service_t *svc, const char *id, int unsafe, const char *csrf,
    tg_actor_t *actor)
{
    tg_error_t err;

    memset(&err, 0, sizeof(err));
    *actor = actor_from("10.0.0.1");
    return tg_service_session_authenticate(
        svc, tg_str_c(id), unsafe, csrf != NULL ? tg_str_c(csrf) : TG_STR_NULL,
        actor, NULL, &err);
}


static void
sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}


static void
test_sign_in(void **state)
{
    tg_fixture_t *f = *state;
    tg_session_t  s, t;
    tg_error_t    err;
    tg_actor_t    actor;

    assert_rc(sign_in(f->svc, "10.0.0.1", KEY_SECRET, &s, &err), TG_OK);
    assert_int_equal(strlen(s.id), TG_SESSION_ID_LEN);
    assert_int_equal(strlen(s.csrf), TG_SESSION_CSRF_LEN);
    assert_true(strspn(s.id,
                       "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                       "0123456789-_")
                == TG_SESSION_ID_LEN);
    assert_true(strcmp(s.id, s.csrf) != 0);
    assert_i64_equal(s.expires_at - s.created_at,
                     TG_SESSION_LIFE_DEFAULT * 1000LL);
    assert_i64_equal(s.idle_seconds, TG_SESSION_IDLE_DEFAULT);

    assert_rc(sign_in(f->svc, "10.0.0.1", KEY_SECRET, &t, &err), TG_OK);
    assert_true(strcmp(s.id, t.id) != 0);
    assert_true(strcmp(s.csrf, t.csrf) != 0);

    assert_rc(use(f->svc, s.id, 0, NULL, &actor), TG_OK);
    assert_string_equal(actor.key_id, KEY_ID);
    assert_string_equal(actor.account_id, f->admin.account_id);
    assert_true(actor.admin);
}


static void
test_wrong_secret(void **state)
{
    tg_fixture_t *f = *state;
    tg_session_t  s;
    tg_error_t    err;

    assert_rc(sign_in(f->svc, "10.0.0.2", "not-the-secret-0000000", &s, &err),
              TG_EUNAUTHENTICATED);
    assert_int_equal(s.id[0], '\0');
    assert_int_equal(s.csrf[0], '\0');
}


static void
test_csrf(void **state)
{
    tg_fixture_t *f = *state;
    tg_session_t  s, other;
    tg_error_t    err;
    tg_actor_t    actor;
    char          longer[TG_SESSION_CSRF_LEN + 2];

    assert_rc(sign_in(f->svc, "10.0.0.1", KEY_SECRET, &s, &err), TG_OK);
    assert_rc(sign_in(f->svc, "10.0.0.1", KEY_SECRET, &other, &err), TG_OK);
    snprintf(longer, sizeof(longer), "%sx", s.csrf);

    assert_rc(use(f->svc, s.id, 1, NULL, &actor), TG_EFORBIDDEN);
    assert_rc(use(f->svc, s.id, 1, "", &actor), TG_EFORBIDDEN);
    assert_rc(use(f->svc, s.id, 1, other.csrf, &actor), TG_EFORBIDDEN);
    assert_rc(use(f->svc, s.id, 1, longer, &actor), TG_EFORBIDDEN);
    longer[TG_SESSION_CSRF_LEN - 1] = '\0';
    assert_rc(use(f->svc, s.id, 1, longer, &actor), TG_EFORBIDDEN);
    assert_rc(use(f->svc, s.id, 1, s.csrf, &actor), TG_OK);
    assert_rc(use(f->svc, s.id, 0, other.csrf, &actor), TG_OK);
}


static void
test_unknown_ids(void **state)
{
    tg_fixture_t *f = *state;
    tg_actor_t    actor;
    char          id[TG_SESSION_ID_LEN + 1];

    memset(id, 'A', TG_SESSION_ID_LEN);
    id[TG_SESSION_ID_LEN] = '\0';
    assert_rc(use(f->svc, id, 0, NULL, &actor), TG_EUNAUTHENTICATED);
    assert_rc(use(f->svc, "", 0, NULL, &actor), TG_EUNAUTHENTICATED);
    assert_rc(use(f->svc, "short", 0, NULL, &actor), TG_EUNAUTHENTICATED);
    assert_int_equal(actor.key_id[0], '\0');
}


static void
test_sign_out(void **state)
{
    tg_fixture_t *f = *state;
    tg_session_t  s, t;
    tg_error_t    err;
    tg_actor_t    actor;

    assert_rc(sign_in(f->svc, "10.0.0.1", KEY_SECRET, &s, &err), TG_OK);
    assert_rc(sign_in(f->svc, "10.0.0.1", KEY_SECRET, &t, &err), TG_OK);
    assert_rc(use(f->svc, s.id, 0, NULL, &actor), TG_OK);
    assert_rc(tg_service_session_delete(f->svc, tg_str_c(s.id), &actor, &err),
              TG_OK);
    assert_rc(use(f->svc, s.id, 0, NULL, &actor), TG_EUNAUTHENTICATED);
    assert_rc(tg_service_session_delete(f->svc, tg_str_c(s.id), &actor, &err),
              TG_OK);
    assert_rc(use(f->svc, t.id, 0, NULL, &actor), TG_OK); /* the other stays */
}


static void
test_idle_and_life(void **state)
{
    tg_fixture_t *f = *state;
    tg_session_t  s;
    tg_error_t    err;
    tg_actor_t    actor;
    int           i;

    tg_service_session_limits(f->svc, 2, 1);

    assert_rc(sign_in(f->svc, "10.0.0.1", KEY_SECRET, &s, &err), TG_OK);
    assert_i64_equal(s.idle_seconds, 1);
    sleep_ms(1100);
    assert_rc(use(f->svc, s.id, 0, NULL, &actor), TG_EUNAUTHENTICATED);

    /* Used every 0.5 s, it lives 2 s all the same. */
    assert_rc(sign_in(f->svc, "10.0.0.1", KEY_SECRET, &s, &err), TG_OK);
    for (i = 0; i < 3; i++) {
        sleep_ms(500);
        assert_rc(use(f->svc, s.id, 0, NULL, &actor), TG_OK);
    }
    sleep_ms(600);
    assert_rc(use(f->svc, s.id, 0, NULL, &actor), TG_EUNAUTHENTICATED);
}


static void
test_failed_sign_ins_limited(void **state)
{
    tg_fixture_t *f = *state;
    tg_session_t  s;
    tg_error_t    err;
    int           i;

    /* Successes use up nothing. */
    for (i = 0; i < 2 * TG_SIGNIN_FAILURE_BURST; i++) {
        assert_rc(sign_in(f->svc, "10.0.0.3", KEY_SECRET, &s, &err), TG_OK);
    }

    for (i = 0; i < TG_SIGNIN_FAILURE_BURST; i++) {
        assert_rc(
            sign_in(f->svc, "10.0.0.3", "wrong-secret-00000000", &s, &err),
            TG_EUNAUTHENTICATED);
    }
    assert_rc(sign_in(f->svc, "10.0.0.3", "wrong-secret-00000000", &s, &err),
              TG_ERATE_LIMITED);
    assert_true(err.retry_after >= 1
                && err.retry_after <= TG_SIGNIN_FAILURE_EVERY);

    /* Even the right secret waits: no guess is checked meanwhile. */
    assert_rc(sign_in(f->svc, "10.0.0.3", KEY_SECRET, &s, &err),
              TG_ERATE_LIMITED);
    assert_int_equal(s.id[0], '\0');

    /* Another address is not held back. */
    assert_rc(sign_in(f->svc, "10.0.0.4", KEY_SECRET, &s, &err), TG_OK);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sign_in, tg_fixture_setup,
                                        tg_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_wrong_secret, tg_fixture_setup,
                                        tg_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_csrf, tg_fixture_setup,
                                        tg_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_unknown_ids, tg_fixture_setup,
                                        tg_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_sign_out, tg_fixture_setup,
                                        tg_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_idle_and_life, tg_fixture_setup,
                                        tg_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_failed_sign_ins_limited,
                                        tg_fixture_setup, tg_fixture_teardown),
    };

    return cmocka_run_group_tests_name("service_sessions", tests, NULL, NULL);
}
