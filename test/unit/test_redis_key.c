/*
 * Tests of lib/redis_key.c: the data plane's Redis keys are namespaced,
 * carry the app id as their hash tag, keep AppKey and nonce apart, and
 * are refused at the length limit's edge, never truncated.
 */

#include <string.h>

#include "tollgate/redis_key.h"

#include "unit.h"


#define APP "0123456789abcdef0123456789abcdef"


static void
test_bucket_key(void **state)
{
    char   out[TG_RKEY_MAX];
    size_t len = 0;

    (void) state;

    assert_rc(tg_rkey_bucket(TG_STR(APP), out, sizeof(out), &len), TG_OK);
    assert_int_equal(len, strlen("tg:r:{" APP "}"));
    assert_memory_equal(out, "tg:r:{" APP "}", len);

    /* Exactly the room it needs, then a byte less. */
    assert_rc(tg_rkey_bucket(TG_STR(APP), out, len, &len), TG_OK);
    assert_rc(tg_rkey_bucket(TG_STR(APP), out, len - 1, &len), TG_ETOO_LARGE);
}


static void
test_app_must_be_an_id(void **state)
{
    char   out[TG_RKEY_MAX];
    size_t len;

    (void) state;

    /* No brace (a hash tag of its own), no separator, no upper case. */
    assert_rc(tg_rkey_bucket(TG_STR("ab}c"), out, sizeof(out), &len),
              TG_EINVALID);
    assert_rc(tg_rkey_bucket(TG_STR("ab:c"), out, sizeof(out), &len),
              TG_EINVALID);
    assert_rc(tg_rkey_bucket(TG_STR("ABC"), out, sizeof(out), &len),
              TG_EINVALID);
    assert_rc(tg_rkey_bucket(TG_STR(""), out, sizeof(out), &len), TG_EINVALID);
    assert_rc(tg_rkey_bucket(TG_STR_NULL, out, sizeof(out), &len), TG_EINVALID);
    assert_rc(tg_rkey_nonce(TG_STR("a{b"), TG_STR("k"), TG_STR("n"), out,
                            sizeof(out), &len),
              TG_EINVALID);
    assert_rc(tg_rkey_nonce(TG_STR(APP), TG_STR(""), TG_STR("n"), out,
                            sizeof(out), &len),
              TG_EINVALID);
}


static void
test_nonce_key(void **state)
{
    char       out[TG_RKEY_MAX];
    size_t     len = 0;
    const char want[] = "tg:n:{" APP "}:8:20406123:4:a\0b:c";

    (void) state;

    /* The nonce is binary-safe: a NUL or a colon is kept as it is. */
    assert_rc(tg_rkey_nonce(TG_STR(APP), TG_STR("20406123"),
                            (tg_str_t){ "4:a\0b:c", 7 }, out, sizeof(out),
                            &len),
              TG_OK);
    assert_int_equal(len, sizeof(want) - 1);
    assert_memory_equal(out, want, len);

    /* A length of two digits. */
    assert_rc(tg_rkey_nonce(TG_STR(APP), TG_STR("0123456789ab"), TG_STR("n"),
                            out, sizeof(out), &len),
              TG_OK);
    assert_int_equal(len, strlen("tg:n:{" APP "}:12:0123456789ab:n"));
    assert_memory_equal(out, "tg:n:{" APP "}:12:0123456789ab:n", len);
}


/* Two (AppKey, nonce) pairs that concatenate alike make two keys. */
static void
test_key_and_nonce_stay_apart(void **state)
{
    char   a[TG_RKEY_MAX], b[TG_RKEY_MAX];
    size_t alen, blen;

    (void) state;

    assert_rc(tg_rkey_nonce(TG_STR(APP), TG_STR("ab"), TG_STR(":c"), a,
                            sizeof(a), &alen),
              TG_OK);
    assert_rc(tg_rkey_nonce(TG_STR(APP), TG_STR("ab:"), TG_STR("c"), b,
                            sizeof(b), &blen),
              TG_OK);
    assert_false(alen == blen && memcmp(a, b, alen) == 0);
}


static void
test_nonce_length_edge(void **state)
{
    static char big[TG_RKEY_NONCE_MAX + 1];
    char        out[TG_RKEY_MAX];
    size_t      len;

    (void) state;

    memset(big, 'n', sizeof(big));

    /* AppKey and nonce exactly at the limit, then one byte over. */
    assert_rc(tg_rkey_nonce(TG_STR(APP), TG_STR("k"),
                            (tg_str_t){ big, TG_RKEY_NONCE_MAX - 1 }, out,
                            sizeof(out), &len),
              TG_OK);
    assert_true(len <= TG_RKEY_MAX);
    assert_rc(tg_rkey_nonce(TG_STR(APP), TG_STR("k"),
                            (tg_str_t){ big, TG_RKEY_NONCE_MAX }, out,
                            sizeof(out), &len),
              TG_ETOO_LARGE);
    assert_rc(tg_rkey_nonce(TG_STR(APP), (tg_str_t){ big, sizeof(big) },
                            TG_STR(""), out, sizeof(out), &len),
              TG_ETOO_LARGE);

    /* A buffer too small is refused, not overrun. */
    assert_rc(
        tg_rkey_nonce(TG_STR(APP), TG_STR("k"), TG_STR("nonce"), out, 20, &len),
        TG_ETOO_LARGE);
}


static void
test_resp_command(void **state)
{
    const tg_str_t argv[] = { TG_STR("SET"), TG_STR("k"),
                              (tg_str_t){ "a\r\n\0b", 5 }, TG_STR("") };
    const char     want[] = "*4\r\n$3\r\nSET\r\n$1\r\nk\r\n"
                            "$5\r\na\r\n\0b\r\n$0\r\n\r\n";
    char           out[64];
    size_t         len = 0;

    (void) state;

    /* Binary-safe: a CRLF or a NUL in an argument is only counted. */
    assert_rc(tg_resp_command(out, sizeof(out), 4, argv, &len), TG_OK);
    assert_int_equal(len, sizeof(want) - 1);
    assert_memory_equal(out, want, len);

    /* Exactly the room it needs, then a byte less; no arguments. */
    assert_rc(tg_resp_command(out, sizeof(want) - 1, 4, argv, &len), TG_OK);
    assert_rc(tg_resp_command(out, sizeof(want) - 2, 4, argv, &len),
              TG_ETOO_LARGE);
    assert_rc(tg_resp_command(out, sizeof(out), 0, argv, &len), TG_EINVALID);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bucket_key),
        cmocka_unit_test(test_app_must_be_an_id),
        cmocka_unit_test(test_nonce_key),
        cmocka_unit_test(test_key_and_nonce_stay_apart),
        cmocka_unit_test(test_nonce_length_edge),
        cmocka_unit_test(test_resp_command),
    };

    return cmocka_run_group_tests_name("redis_key", tests, NULL, NULL);
}
