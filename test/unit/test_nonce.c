/*
 * Tests of lib/nonce.c: replays within the window are caught, scopes are
 * apart, entries expire oldest first, and a full cache refuses rather
 * than forgets.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/nonce.h"

#include "unit.h"


#define TTL (30 * 60 * 1000)


static void
test_create_rejects(void **state)
{
    tg_nonce_cache_t *c;

    (void) state;

    assert_rc(tg_nonce_cache_create(0, TTL, &c), TG_EINVALID);
    assert_null(c);
    assert_rc(tg_nonce_cache_create(10, 0, &c), TG_EINVALID);
    assert_rc(tg_nonce_cache_create(((size_t) 1 << 24) + 1, TTL, &c),
              TG_EINVALID);
    tg_nonce_cache_destroy(NULL);
}


static void
test_replay_within_window(void **state)
{
    tg_nonce_cache_t *c;

    (void) state;

    assert_rc(tg_nonce_cache_create(100, TTL, &c), TG_OK);
    assert_rc(tg_nonce_cache_use(c, TG_STR("ak"), TG_STR("n1"), 1000), TG_OK);
    assert_rc(tg_nonce_cache_use(c, TG_STR("ak"), TG_STR("n1"), 1000),
              TG_ECONFLICT);
    /* Still caught one millisecond before it expires, not at expiry. */
    assert_rc(tg_nonce_cache_use(c, TG_STR("ak"), TG_STR("n1"), 1000 + TTL - 1),
              TG_ECONFLICT);
    assert_rc(tg_nonce_cache_use(c, TG_STR("ak"), TG_STR("n1"), 1000 + TTL),
              TG_OK);
    assert_int_equal(tg_nonce_cache_size(c), 1);
    tg_nonce_cache_destroy(c);
}


static void
test_scopes_apart(void **state)
{
    tg_nonce_cache_t *c;

    (void) state;

    assert_rc(tg_nonce_cache_create(100, TTL, &c), TG_OK);
    assert_rc(tg_nonce_cache_use(c, TG_STR("ab"), TG_STR("c"), 0), TG_OK);
    assert_rc(tg_nonce_cache_use(c, TG_STR("a"), TG_STR("bc"), 0), TG_OK);
    assert_rc(tg_nonce_cache_use(c, TG_STR("other"), TG_STR("c"), 0), TG_OK);
    assert_rc(tg_nonce_cache_use(c, TG_STR("ab"), TG_STR("c"), 0),
              TG_ECONFLICT);
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

    assert_rc(tg_nonce_cache_create(3, TTL, &c), TG_OK);
    for (i = 0; i < 3; i++) {
        snprintf(nonce, sizeof(nonce), "n%d", i);
        assert_rc(tg_nonce_cache_use(c, TG_STR("k"), tg_str_c(nonce), i),
                  TG_OK);
    }

    assert_rc(tg_nonce_cache_use(c, TG_STR("k"), TG_STR("n3"), 10), TG_EBUSY);
    assert_rc(tg_nonce_cache_use(c, TG_STR("k"), TG_STR("n2"), 10),
              TG_ECONFLICT);
    assert_int_equal(tg_nonce_cache_size(c), 3);

    /* n0 expires at TTL: room for one. */
    assert_rc(tg_nonce_cache_use(c, TG_STR("k"), TG_STR("n3"), TTL), TG_OK);
    assert_rc(tg_nonce_cache_use(c, TG_STR("k"), TG_STR("n4"), TTL), TG_EBUSY);
    /* n1 expires at TTL + 1, and may then be used again. */
    assert_rc(tg_nonce_cache_use(c, TG_STR("k"), TG_STR("n1"), TTL),
              TG_ECONFLICT);
    assert_rc(tg_nonce_cache_use(c, TG_STR("k"), TG_STR("n1"), TTL + 1), TG_OK);
    assert_rc(tg_nonce_cache_use(c, TG_STR("k"), TG_STR("n5"), TTL + 1),
              TG_EBUSY);
    tg_nonce_cache_destroy(c);
}


/* Many entries through a small ring: the index stays consistent as
 * entries wrap around and leave their buckets. */
static void
test_wraparound(void **state)
{
    tg_nonce_cache_t *c;
    char              nonce[32];
    int64_t           now;
    int               i;

    (void) state;

    assert_rc(tg_nonce_cache_create(50, 100, &c), TG_OK);
    for (i = 0; i < 5000; i++) {
        now = i * 10;
        snprintf(nonce, sizeof(nonce), "nonce-%d", i);
        assert_rc(tg_nonce_cache_use(c, TG_STR("k"), tg_str_c(nonce), now),
                  TG_OK);
        /* The last ten are live (ttl 100 ms, one every 10 ms). */
        snprintf(nonce, sizeof(nonce), "nonce-%d", i > 5 ? i - 5 : 0);
        assert_rc(tg_nonce_cache_use(c, TG_STR("k"), tg_str_c(nonce), now),
                  TG_ECONFLICT);
        assert_true(tg_nonce_cache_size(c) <= 10);
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
    };

    return cmocka_run_group_tests_name("nonce", tests, NULL, NULL);
}
