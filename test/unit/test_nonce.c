/*
 * Tests of lib/nonce.c: replays before expiry are caught, scopes are
 * apart, each entry expires at its own time (the soonest forgotten
 * first), and a full cache refuses rather than forgets.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/nonce.h"

#include "unit.h"


#define TTL (30 * 60 * 1000)


/* A use remembered for TTL, as a fixed window would. */
static int
use(tg_nonce_cache_t *c, const char *scope, const char *nonce, int64_t now)
{
    return tg_nonce_cache_use(c, tg_str_c(scope), tg_str_c(nonce), now,
                              now + TTL);
}


/* A use of scope "k" remembered until expires. */
static int
use_until(tg_nonce_cache_t *c, const char *nonce, int64_t now, int64_t expires)
{
    return tg_nonce_cache_use(c, TG_STR("k"), tg_str_c(nonce), now, expires);
}


static void
test_create_rejects(void **state)
{
    tg_nonce_cache_t *c;

    (void) state;

    assert_rc(tg_nonce_cache_create(0, &c), TG_EINVALID);
    assert_null(c);
    assert_rc(tg_nonce_cache_create(TG_NONCE_CAPACITY_MAX + 1, &c),
              TG_EINVALID);
    tg_nonce_cache_destroy(NULL);
}


static void
test_replay_within_window(void **state)
{
    tg_nonce_cache_t *c;

    (void) state;

    assert_rc(tg_nonce_cache_create(100, &c), TG_OK);
    assert_rc(use(c, "ak", "n1", 1000), TG_OK);
    assert_rc(use(c, "ak", "n1", 1000), TG_ECONFLICT);
    /* Still caught one millisecond before it expires, not at expiry. */
    assert_rc(use(c, "ak", "n1", 1000 + TTL - 1), TG_ECONFLICT);
    assert_rc(use(c, "ak", "n1", 1000 + TTL), TG_OK);
    assert_int_equal(tg_nonce_cache_size(c), 1);
    tg_nonce_cache_destroy(c);
}


static void
test_scopes_apart(void **state)
{
    tg_nonce_cache_t *c;

    (void) state;

    assert_rc(tg_nonce_cache_create(100, &c), TG_OK);
    assert_rc(use(c, "ab", "c", 0), TG_OK);
    assert_rc(use(c, "a", "bc", 0), TG_OK);
    assert_rc(use(c, "other", "c", 0), TG_OK);
    assert_rc(use(c, "ab", "c", 0), TG_ECONFLICT);
    assert_int_equal(tg_nonce_cache_size(c), 3);
    tg_nonce_cache_destroy(c);
}


/* A full cache refuses new nonces until the oldest expires, and still
 * catches replays of those it holds. */
static void
test_full_refuses(void **state)
{
    tg_nonce_cache_t *c;
    char              nonce[16];
    int               i;

    (void) state;

    assert_rc(tg_nonce_cache_create(3, &c), TG_OK);
    for (i = 0; i < 3; i++) {
        snprintf(nonce, sizeof(nonce), "n%d", i);
        assert_rc(use(c, "k", nonce, i), TG_OK);
    }

    assert_rc(use(c, "k", "n3", 10), TG_EBUSY);
    assert_rc(use(c, "k", "n2", 10), TG_ECONFLICT);
    assert_int_equal(tg_nonce_cache_size(c), 3);

    /* n0 expires at TTL: room for one. */
    assert_rc(use(c, "k", "n3", TTL), TG_OK);
    assert_rc(use(c, "k", "n4", TTL), TG_EBUSY);
    /* n1 expires at TTL + 1, and may then be used again. */
    assert_rc(use(c, "k", "n1", TTL), TG_ECONFLICT);
    assert_rc(use(c, "k", "n1", TTL + 1), TG_OK);
    assert_rc(use(c, "k", "n5", TTL + 1), TG_EBUSY);
    tg_nonce_cache_destroy(c);
}


/* Many entries through a small cache: the index and the heap stay
 * consistent as entries are forgotten and their slots reused. */
static void
test_wraparound(void **state)
{
    tg_nonce_cache_t *c;
    char              nonce[32];
    int64_t           now;
    int               i;

    (void) state;

    assert_rc(tg_nonce_cache_create(50, &c), TG_OK);
    for (i = 0; i < 5000; i++) {
        now = i * 10;
        snprintf(nonce, sizeof(nonce), "nonce-%d", i);
        assert_rc(use_until(c, nonce, now, now + 100), TG_OK);
        /* The last ten are live (100 ms each, one every 10 ms). */
        snprintf(nonce, sizeof(nonce), "nonce-%d", i > 5 ? i - 5 : 0);
        assert_rc(use_until(c, nonce, now, now + 100), TG_ECONFLICT);
        assert_true(tg_nonce_cache_size(c) <= 10);
    }
    tg_nonce_cache_destroy(c);
}


/* Entries added in one order expire in the order of their own expiry:
 * a full cache makes room as soon as any entry expires, not only the
 * oldest. */
static void
test_own_expiry(void **state)
{
    static const struct {
        const char *nonce;
        int64_t     now, expires;
        int         rc;
    } uses[] = {
        { "late", 0, 3000, TG_OK },
        { "soon", 0, 1000, TG_OK },
        { "mid", 0, 2000, TG_OK },
        { "x", 999, 5000, TG_EBUSY },
        /* "soon" went first, though it came second. */
        { "x", 1000, 5000, TG_OK },
        { "late", 1000, 5000, TG_ECONFLICT },
        { "mid", 1999, 5000, TG_ECONFLICT },
        { "soon", 1999, 5000, TG_EBUSY },
        { "mid", 2000, 5000, TG_OK },
    };
    tg_nonce_cache_t *c;
    size_t            i;

    (void) state;

    assert_rc(tg_nonce_cache_create(3, &c), TG_OK);
    for (i = 0; i < sizeof(uses) / sizeof(uses[0]); i++) {
        assert_rc(use_until(c, uses[i].nonce, uses[i].now, uses[i].expires),
                  uses[i].rc);
    }
    assert_int_equal(tg_nonce_cache_size(c), 3);

    /* An entry that would expire at once is a caller's error. */
    assert_rc(use_until(c, "y", 2000, 2000), TG_EINVALID);
    tg_nonce_cache_destroy(c);
}


/* Random uses against a plain model: every answer agrees. */
static void
test_against_model(void **state)
{
    enum {
        CAP = 64,
        NONCES = 200,
        ROUNDS = 20000
    };
    int64_t           model[NONCES]; /* expiry; 0: not remembered */
    tg_nonce_cache_t *c;
    char              nonce[16];
    int64_t           now = 1, expires;
    size_t            live;
    int               i, k, n, expected;

    (void) state;

    memset(model, 0, sizeof(model));
    srand(7);
    assert_rc(tg_nonce_cache_create(CAP, &c), TG_OK);

    for (i = 0; i < ROUNDS; i++) {
        now += rand() % 3;
        n = rand() % NONCES;
        expires = now + 1 + rand() % 400;

        live = 0;
        for (k = 0; k < NONCES; k++) {
            if (model[k] > now) {
                live++;
            }
        }

        if (model[n] > now) {
            expected = TG_ECONFLICT;
        } else if (live == CAP) {
            expected = TG_EBUSY;
        } else {
            expected = TG_OK;
            model[n] = expires;
        }

        snprintf(nonce, sizeof(nonce), "n%d", n);
        assert_rc(use_until(c, nonce, now, expires), expected);
    }
    tg_nonce_cache_destroy(c);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_rejects),
        cmocka_unit_test(test_replay_within_window),
        cmocka_unit_test(test_scopes_apart),
        cmocka_unit_test(test_full_refuses),
        cmocka_unit_test(test_wraparound),
        cmocka_unit_test(test_own_expiry),
        cmocka_unit_test(test_against_model),
    };

    return cmocka_run_group_tests_name("nonce", tests, NULL, NULL);
}
