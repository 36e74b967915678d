/*
 * Tests of daemon/service/service_tokens.c: management tokens, on the
 * real store (a temporary SQLite database): what a token binds (its key,
 * its account, never the admin role), its bounds, expiry, forgery and
 * tampering, keyring rotation, and revocation by disabling the key.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "service/service.h"

#include "fixture.h"
#include "unit.h"


#define KEY_ID     TG_FIXTURE_KEY_ID
#define KEY_SECRET TG_FIXTURE_KEY_SECRET

typedef tg_fixture_t fixture_t;


/* Issues a token for the bootstrap admin into *token. */
static void
issue(fixture_t *f, int64_t ttl, tg_buf_t *token, tg_actor_t *actor)
{
    tg_error_t err;
    int64_t    expires_at = 0;

    memset(actor, 0, sizeof(*actor));
    memset(&err, 0, sizeof(err));
    assert_rc(tg_service_token_issue(f->svc, TG_STR(KEY_ID), TG_STR(KEY_SECRET),
                                     ttl, actor, token, &expires_at, &err),
              TG_OK);
    assert_true(expires_at > 0);
    assert_true(actor->admin);
}


/*
 * Authenticates token for account and asserts the code and outcome; a
 * refused token names no actor.  Returns the actor.
 */
static tg_actor_t
expect_use(tg_service_t *svc, tg_str_t token, const char *account, int rc,
           tg_auth_outcome_t why)
{
    tg_actor_t        actor;
    tg_auth_outcome_t outcome;
    tg_error_t        err;

    memset(&actor, 0, sizeof(actor));
    memset(&err, 0, sizeof(err));
    assert_rc(tg_service_authenticate_token(svc, token, tg_str_c(account),
                                            &actor, &outcome, &err),
              rc);
    assert_int_equal(outcome, why);
    if (rc != TG_OK) {
        assert_string_equal(actor.key_id, "");
    }
    return actor;
}


static void
test_binds_key_and_account(void **state)
{
    fixture_t *f = *state;
    tg_buf_t   token = TG_BUF_INIT;
    tg_actor_t issuer, actor;

    issue(f, 60, &token, &issuer);
    actor = expect_use(f->svc, tg_buf_str(&token), issuer.account_id, TG_OK,
                       TG_AUTH_OK);
    assert_string_equal(actor.key_id, KEY_ID);
    assert_string_equal(actor.account_id, issuer.account_id);
    assert_false(actor.admin); /* a token acts within its account */

    expect_use(f->svc, tg_buf_str(&token), "0123456789abcdef0123456789abcdef",
               TG_EUNAUTHENTICATED, TG_AUTH_WRONG_SCOPE);
    expect_use(f->svc, tg_buf_str(&token), "", TG_EUNAUTHENTICATED,
               TG_AUTH_WRONG_SCOPE);

    tg_buf_wipe(&token);
}


static void
test_issue_bounds(void **state)
{
    static const struct {
        const char *secret;
        int64_t     ttl;
        int         rc;
    } cases[] = {
        { KEY_SECRET, 0, TG_EINVALID },
        { KEY_SECRET, TG_TOKEN_TTL_MAX + 1, TG_EINVALID },
        { "wrong", 60, TG_EUNAUTHENTICATED },
        { KEY_SECRET, TG_TOKEN_TTL_MAX, TG_OK },
    };
    fixture_t *f = *state;
    tg_buf_t   token = TG_BUF_INIT;
    tg_actor_t actor;
    tg_error_t err;
    int64_t    at = 0;
    size_t     i;

    memset(&actor, 0, sizeof(actor));
    memset(&err, 0, sizeof(err));
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_rc(tg_service_token_issue(
                      f->svc, TG_STR(KEY_ID), tg_str_c(cases[i].secret),
                      cases[i].ttl, &actor, &token, &at, &err),
                  cases[i].rc);
        if (cases[i].rc != TG_OK) {
            assert_int_equal(token.len, 0);
        }
    }
    assert_true(token.len > 0 && token.len <= TG_TOKEN_MAX);
    tg_buf_wipe(&token);
}


static void
test_expires(void **state)
{
    fixture_t      *f = *state;
    tg_buf_t        token = TG_BUF_INIT;
    tg_actor_t      issuer;
    struct timespec wait = { 1, 100 * 1000 * 1000 };

    issue(f, 1, &token, &issuer);
    nanosleep(&wait, NULL);
    expect_use(f->svc, tg_buf_str(&token), issuer.account_id,
               TG_EUNAUTHENTICATED, TG_AUTH_EXPIRED);
    tg_buf_wipe(&token);
}


static void
test_tampering(void **state)
{
    fixture_t *f = *state;
    tg_buf_t   token = TG_BUF_INIT;
    tg_actor_t issuer;
    char      *copy;
    size_t     i, at[3];
    char       big[TG_TOKEN_MAX + 2];
    tg_str_t   bad[6];

    issue(f, 60, &token, &issuer);
    copy = strdup(token.ptr);
    assert_non_null(copy);

    /* One character changed in the header, the payload, the MAC. */
    at[0] = 2;
    at[1] = (size_t) (strchr(token.ptr, '.') - token.ptr) + 3;
    at[2] = token.len - 2;
    for (i = 0; i < 3; i++) {
        memcpy(copy, token.ptr, token.len);
        copy[at[i]] = copy[at[i]] == 'A' ? 'B' : 'A';
        expect_use(f->svc, tg_str_c(copy), issuer.account_id,
                   TG_EUNAUTHENTICATED, TG_AUTH_BAD_SIGNATURE);
    }

    /* Truncated, emptied, without its MAC, too long, not three parts. */
    memset(big, 'a', sizeof(big));
    bad[0] = (tg_str_t){ token.ptr, token.len - 1 };
    bad[1] = (tg_str_t){ token.ptr,
                         (size_t) (strrchr(token.ptr, '.') - token.ptr + 1) };
    bad[2] = TG_STR("");
    bad[3] = TG_STR("a.b");
    bad[4] = TG_STR("...");
    bad[5] = (tg_str_t){ big, sizeof(big) };
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        expect_use(f->svc, bad[i], issuer.account_id, TG_EUNAUTHENTICATED,
                   TG_AUTH_BAD_SIGNATURE);
    }

    free(copy);
    tg_buf_wipe(&token);
}


static void
test_keyring(void **state)
{
    static const uint8_t other[TG_SEAL_KEY_LEN] = { 9, 9, 9 };
    fixture_t           *f = *state;
    tg_service_limits_t  limits;
    tg_keyring_t        *kr;
    tg_service_t        *svc;
    tg_buf_t             token = TG_BUF_INIT;
    tg_actor_t           issuer;

    issue(f, 60, &token, &issuer);

    /* A new primary key: the old key still opens its tokens. */
    assert_rc(tg_keyring_add(f->keyring, TG_STR("k2"), other), TG_OK);
    assert_rc(tg_keyring_set_primary(f->keyring, TG_STR("k2")), TG_OK);
    expect_use(f->svc, tg_buf_str(&token), issuer.account_id, TG_OK,
               TG_AUTH_OK);

    /* A keyring without it (another installation) does not. */
    memset(&limits, 0, sizeof(limits));
    limits.max_apps = 10;
    assert_rc(tg_keyring_create(&kr), TG_OK);
    assert_rc(tg_keyring_add(kr, TG_STR("k1"), other), TG_OK);
    assert_rc(tg_service_create(f->store, kr, &limits, &svc), TG_OK);
    expect_use(svc, tg_buf_str(&token), issuer.account_id, TG_EUNAUTHENTICATED,
               TG_AUTH_BAD_SIGNATURE);

    tg_service_destroy(svc);
    tg_keyring_destroy(kr);
    tg_buf_wipe(&token);
}


static void
test_disabled_key(void **state)
{
    fixture_t           *f = *state;
    tg_buf_t             token = TG_BUF_INIT;
    tg_actor_t           issuer;
    tg_access_key_spec_t patch;
    tg_access_key_t      out;
    tg_error_t           err;
    char                 secret[TG_ACCESS_KEY_SECRET_MAX + 1];

    issue(f, 60, &token, &issuer);

    /* A second admin, so that the first may be disabled. */
    memset(&patch, 0, sizeof(patch));
    memset(&out, 0, sizeof(out));
    memset(&err, 0, sizeof(err));
    patch.admin = 1;
    patch.enabled = 1;
    assert_rc(tg_service_access_key_create(f->svc, &issuer,
                                           tg_str_c(issuer.account_id), &patch,
                                           &out, secret, &err),
              TG_OK);
    tg_access_key_free(&out);

    patch.enabled = 0;
    assert_rc(tg_service_access_key_update(
                  f->svc, &issuer, tg_str_c(issuer.account_id), TG_STR(KEY_ID),
                  &patch, TG_ACCESS_KEY_SET_ENABLED, &out, &err),
              TG_OK);
    tg_access_key_free(&out);
    expect_use(f->svc, tg_buf_str(&token), issuer.account_id,
               TG_EUNAUTHENTICATED, TG_AUTH_DISABLED);
    tg_buf_wipe(&token);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_binds_key_and_account,
                                        tg_fixture_setup, tg_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_issue_bounds, tg_fixture_setup,
                                        tg_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_expires, tg_fixture_setup,
                                        tg_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_tampering, tg_fixture_setup,
                                        tg_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_keyring, tg_fixture_setup,
                                        tg_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_disabled_key, tg_fixture_setup,
                                        tg_fixture_teardown),
    };

    return cmocka_run_group_tests_name("service_tokens", tests, NULL, NULL);
}
