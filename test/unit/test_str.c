/*
 * Tests of lib/str.c: length-carrying strings, integer parsing, the
 * growable buffer, constant-time comparison and wiping.
 */

#include <stdlib.h>
#include <string.h>

#include "unit.h"


static void
test_str_c(void **state)
{
    tg_str_t s;

    (void) state;

    s = tg_str_c("abc");
    assert_int_equal(s.len, 3);
    assert_memory_equal(s.ptr, "abc", 3);

    s = tg_str_c("");
    assert_non_null(s.ptr);
    assert_int_equal(s.len, 0);

    s = tg_str_c(NULL);
    assert_null(s.ptr);
    assert_int_equal(s.len, 0);
}


static void
test_str_eq(void **state)
{
    (void) state;

    assert_true(tg_str_eq(TG_STR("abc"), TG_STR("abc")));
    assert_false(tg_str_eq(TG_STR("abc"), TG_STR("abd")));
    assert_false(tg_str_eq(TG_STR("abc"), TG_STR("ab")));
    assert_false(tg_str_eq(TG_STR("ab"), TG_STR("abc")));

    /* Empty strings are equal whether or not they point anywhere. */
    assert_true(tg_str_eq(TG_STR_NULL, TG_STR("")));
    assert_true(tg_str_eq(TG_STR_NULL, TG_STR_NULL));

    /* Bytes after a NUL still count. */
    assert_false(tg_str_eq(TG_STR("a\0b"), TG_STR("a\0c")));
    assert_true(tg_str_eq(TG_STR("a\0b"), TG_STR("a\0b")));

    assert_true(tg_str_eq_c(TG_STR("abc"), "abc"));
    assert_false(tg_str_eq_c(TG_STR("abc"), "abcd"));
    assert_false(tg_str_eq_c(TG_STR("a\0b"), "a"));
}


static void
test_str_eq_nocase(void **state)
{
    (void) state;

    assert_true(tg_str_eq_nocase(TG_STR("Content-MD5"), TG_STR("content-md5")));
    assert_true(tg_str_eq_nocase(TG_STR("AZ"), TG_STR("az")));
    assert_true(tg_str_eq_nocase(TG_STR(""), TG_STR("")));
    assert_false(tg_str_eq_nocase(TG_STR("abc"), TG_STR("ab")));
    assert_false(tg_str_eq_nocase(TG_STR("abc"), TG_STR("abd")));

    /* Pairs 0x20 apart that are not letters do not fold. */
    assert_false(tg_str_eq_nocase(TG_STR("@"), TG_STR("`")));
    assert_false(tg_str_eq_nocase(TG_STR("["), TG_STR("{")));

    /* Only ASCII folds: 'É' and 'é' stay different. */
    assert_false(tg_str_eq_nocase(TG_STR("\xc3\x89"), TG_STR("\xc3\xa9")));
}


static void
test_str_has_prefix(void **state)
{
    (void) state;

    assert_true(tg_str_has_prefix(TG_STR("tg1.key"), TG_STR("tg1.")));
    assert_true(tg_str_has_prefix(TG_STR("tg1."), TG_STR("tg1.")));
    assert_true(tg_str_has_prefix(TG_STR("abc"), TG_STR("")));
    assert_true(tg_str_has_prefix(TG_STR_NULL, TG_STR_NULL));
    assert_false(tg_str_has_prefix(TG_STR("tg1"), TG_STR("tg1.")));
    assert_false(tg_str_has_prefix(TG_STR("tg2.key"), TG_STR("tg1.")));
}


static void
test_str_trim(void **state)
{
    (void) state;

    assert_str_equal(tg_str_trim(TG_STR(" \t a b \t ")), "a b");
    assert_str_equal(tg_str_trim(TG_STR("ab")), "ab");
    assert_str_equal(tg_str_trim(TG_STR(" \t ")), "");
    assert_str_equal(tg_str_trim(TG_STR("")), "");

    /* Only spaces and tabs are trimmed. */
    assert_str_equal(tg_str_trim(TG_STR("\na\r")), "\na\r");
}


static void
test_equal_ct(void **state)
{
    (void) state;

    assert_true(tg_equal_ct("secret", 6, "secret", 6));
    assert_false(tg_equal_ct("secret", 6, "secreT", 6));
    assert_false(tg_equal_ct("Secret", 6, "secret", 6));
    assert_false(tg_equal_ct("secret", 6, "secret!", 7));
    assert_false(tg_equal_ct("secret", 6, "secre", 5));
    assert_true(tg_equal_ct(NULL, 0, NULL, 0));
    assert_true(tg_equal_ct("a\0b", 3, "a\0b", 3));
    assert_false(tg_equal_ct("a\0b", 3, "a\0c", 3));
}


static void
test_wipe(void **state)
{
    unsigned char buf[40], zero[40];

    (void) state;

    memset(buf, 0xa5, sizeof(buf));
    memset(zero, 0, sizeof(zero));

    tg_wipe(buf + 4, 32);
    assert_int_equal(buf[3], 0xa5);
    assert_memory_equal(buf + 4, zero, 32);
    assert_int_equal(buf[36], 0xa5);

    tg_wipe(NULL, 10);
    tg_wipe(buf, 0);
    assert_int_equal(buf[0], 0xa5);
}


/* Parses text with no bounds beyond int64's own. */
static int
parse(const char *text, int64_t *out)
{
    return tg_str_to_int64(tg_str_c(text), INT64_MIN, INT64_MAX, out);
}


static void
test_to_int64_values(void **state)
{
    int64_t v;

    (void) state;

    assert_rc(parse("0", &v), TG_OK);
    assert_i64_equal(v, 0);
    assert_rc(parse("-0", &v), TG_OK);
    assert_i64_equal(v, 0);
    assert_rc(parse("123", &v), TG_OK);
    assert_i64_equal(v, 123);
    assert_rc(parse("-123", &v), TG_OK);
    assert_i64_equal(v, -123);
    assert_rc(parse("0000000000000000042", &v), TG_OK);
    assert_i64_equal(v, 42);

    assert_rc(parse("9223372036854775807", &v), TG_OK);
    assert_i64_equal(v, INT64_MAX);
    assert_rc(parse("-9223372036854775808", &v), TG_OK);
    assert_i64_equal(v, INT64_MIN);
}


static void
test_to_int64_rejects(void **state)
{
    static const char *const bad[] = {
        "",
        "-",
        "+1",
        " 1",
        "1 ",
        "1a",
        "0x10",
        "1.5",
        "--1",
        "9223372036854775808",
        "-9223372036854775809",
        "99999999999999999999",
        "18446744073709551616",
    };
    int64_t v = 77;
    size_t  i;

    (void) state;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_rc(parse(bad[i], &v), TG_EINVALID);
        assert_i64_equal(v, 77);
    }

    /* A NUL inside the string is not a digit. */
    assert_rc(tg_str_to_int64(TG_STR("1\0"), 0, 10, &v), TG_EINVALID);
    assert_i64_equal(v, 77);
}


static void
test_to_int64_bounds(void **state)
{
    int64_t v = 77;

    (void) state;

    assert_rc(tg_str_to_int64(TG_STR("0"), 1, 10, &v), TG_EINVALID);
    assert_i64_equal(v, 77);
    assert_rc(tg_str_to_int64(TG_STR("1"), 1, 10, &v), TG_OK);
    assert_i64_equal(v, 1);
    assert_rc(tg_str_to_int64(TG_STR("10"), 1, 10, &v), TG_OK);
    assert_i64_equal(v, 10);
    assert_rc(tg_str_to_int64(TG_STR("11"), 1, 10, &v), TG_EINVALID);
    assert_i64_equal(v, 10);
    assert_rc(tg_str_to_int64(TG_STR("-1"), 0, 10, &v), TG_EINVALID);
    assert_rc(tg_str_to_int64(TG_STR("-5"), -5, -1, &v), TG_OK);
    assert_i64_equal(v, -5);
}


/* Parsing reads only s.len bytes: no NUL is needed. */
static void
test_to_int64_no_nul(void **state)
{
    static const char digits[] = { '1', '2', '3', '4', '5' };
    int64_t           v;

    (void) state;

    assert_rc(tg_str_to_int64((tg_str_t){ digits, 3 }, 0, 1000, &v), TG_OK);
    assert_i64_equal(v, 123);
}


static void
test_strndup(void **state)
{
    char *p;

    (void) state;

    p = tg_strndup("abcdef", 3);
    assert_non_null(p);
    assert_string_equal(p, "abc");
    free(p);

    p = tg_strndup("abc", 0);
    assert_non_null(p);
    assert_string_equal(p, "");
    free(p);
}


static void
test_buf_append(void **state)
{
    tg_buf_t b = TG_BUF_INIT;

    (void) state;

    assert_rc(tg_buf_append(&b, "abc", 3), TG_OK);
    assert_int_equal(b.len, 3);
    assert_string_equal(b.ptr, "abc");

    assert_rc(tg_buf_append_c(&b, "def"), TG_OK);
    assert_int_equal(b.len, 6);
    assert_string_equal(b.ptr, "abcdef");

    assert_rc(tg_buf_append(&b, "", 0), TG_OK);
    assert_int_equal(b.len, 6);
    assert_string_equal(b.ptr, "abcdef");

    /* Bytes after a NUL are kept, and counted. */
    assert_rc(tg_buf_append(&b, "x\0y", 3), TG_OK);
    assert_int_equal(b.len, 9);
    assert_memory_equal(b.ptr, "abcdefx\0y", 10);

    assert_ptr_equal(tg_buf_str(&b).ptr, b.ptr);
    assert_int_equal(tg_buf_str(&b).len, 9);

    tg_buf_free(&b);
}


/* Growing past the first allocation many times keeps every byte. */
static void
test_buf_grows(void **state)
{
    tg_buf_t b = TG_BUF_INIT;
    size_t   i;

    (void) state;

    for (i = 0; i < 10000; i++) {
        char c = (char) ('a' + i % 26);

        assert_rc(tg_buf_append(&b, &c, 1), TG_OK);
    }

    assert_int_equal(b.len, 10000);
    assert_true(b.cap >= b.len + 1);
    assert_int_equal(b.ptr[10000], '\0');

    for (i = 0; i < 10000; i++) {
        assert_int_equal(b.ptr[i], 'a' + i % 26);
    }

    tg_buf_free(&b);
}


static void
test_buf_printf(void **state)
{
    tg_buf_t b = TG_BUF_INIT;
    char     expect[300];

    (void) state;

    assert_rc(tg_buf_printf(&b, "%d-%s", 42, "x"), TG_OK);
    assert_string_equal(b.ptr, "42-x");
    assert_int_equal(b.len, 4);

    /* Longer than the first allocation, appended after what is there. */
    memset(expect, 'y', 200);
    expect[200] = '\0';
    assert_rc(tg_buf_printf(&b, "%s", expect), TG_OK);
    assert_int_equal(b.len, 204);
    assert_memory_equal(b.ptr, "42-x", 4);
    assert_string_equal(b.ptr + 4, expect);

    assert_rc(tg_buf_printf(&b, "%s", ""), TG_OK);
    assert_int_equal(b.len, 204);

    tg_buf_free(&b);
}


/* A request that cannot fit fails and leaves the buffer as it was. */
static void
test_buf_too_large(void **state)
{
    tg_buf_t b = TG_BUF_INIT;

    (void) state;

    assert_rc(tg_buf_append_c(&b, "keep"), TG_OK);

    assert_rc(tg_buf_reserve(&b, SIZE_MAX), TG_ENOMEM);
    assert_rc(tg_buf_reserve(&b, SIZE_MAX / 2 - b.len), TG_ENOMEM);
    assert_rc(tg_buf_append(&b, "x", SIZE_MAX - 1), TG_ENOMEM);

    assert_int_equal(b.len, 4);
    assert_string_equal(b.ptr, "keep");

    tg_buf_free(&b);
}


static void
test_buf_reserve(void **state)
{
    tg_buf_t b = TG_BUF_INIT;
    char    *ptr;

    (void) state;

    assert_rc(tg_buf_reserve(&b, 1000), TG_OK);
    assert_true(b.cap >= 1001);
    assert_int_equal(b.len, 0);

    /* Appending within the reservation does not move the bytes. */
    ptr = b.ptr;
    assert_rc(tg_buf_printf(&b, "%0999d", 7), TG_OK);
    assert_ptr_equal(b.ptr, ptr);
    assert_int_equal(b.len, 999);

    tg_buf_free(&b);
}


static void
test_buf_reset_free(void **state)
{
    tg_buf_t b = TG_BUF_INIT;
    size_t   cap;

    (void) state;

    tg_buf_reset(&b);
    assert_null(b.ptr);
    assert_int_equal(b.len, 0);

    assert_rc(tg_buf_append_c(&b, "abc"), TG_OK);
    cap = b.cap;
    tg_buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, cap);
    assert_string_equal(b.ptr, "");

    assert_rc(tg_buf_append_c(&b, "xy"), TG_OK);
    assert_string_equal(b.ptr, "xy");

    tg_buf_free(&b);
    assert_null(b.ptr);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);

    /* Freeing an empty buffer, twice, is harmless. */
    tg_buf_free(&b);
    assert_null(b.ptr);
}


static void
test_buf_wipe(void **state)
{
    tg_buf_t b = TG_BUF_INIT;

    (void) state;

    tg_buf_wipe(&b);
    assert_null(b.ptr);

    assert_rc(tg_buf_append_c(&b, "secret"), TG_OK);
    tg_buf_wipe(&b);
    assert_null(b.ptr);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
}


static void
test_hex_digit(void **state)
{
    (void) state;
    assert_int_equal(tg_hex_digit('0'), 0);
    assert_int_equal(tg_hex_digit('9'), 9);
    assert_int_equal(tg_hex_digit('a'), 10);
    assert_int_equal(tg_hex_digit('F'), 15);
    assert_int_equal(tg_hex_digit('g'), -1);
    assert_int_equal(tg_hex_digit('/'), -1);
    assert_int_equal(tg_hex_digit(':'), -1);
    assert_int_equal(tg_hex_digit('@'), -1);
    assert_int_equal(tg_hex_digit('G'), -1);
    assert_int_equal(tg_hex_digit(0xe4), -1);
}


static void
test_percent_encode(void **state)
{
    tg_buf_t b = TG_BUF_INIT;

    (void) state;
    assert_rc(tg_percent_encode(&b, TG_STR("AZaz09-._~")), TG_OK);
    assert_string_equal(b.ptr, "AZaz09-._~");
    tg_buf_reset(&b);
    assert_rc(tg_percent_encode(&b, TG_STR("a b+c/d*e%\xe4")), TG_OK);
    assert_string_equal(b.ptr, "a%20b%2Bc%2Fd%2Ae%25%E4");
    tg_buf_reset(&b);
    assert_rc(tg_percent_encode(&b, (tg_str_t){ "\0", 1 }), TG_OK);
    assert_string_equal(b.ptr, "%00");
    tg_buf_reset(&b);
    assert_rc(tg_percent_encode(&b, TG_STR("")), TG_OK);
    assert_int_equal(b.len, 0);
    tg_buf_free(&b);
}


static void
test_form_decode_byte(void **state)
{
    tg_str_t s = TG_STR("a+%41%4a%zz%4");
    size_t   i = 0;

    (void) state;
    assert_int_equal(tg_form_decode_byte(s, &i), 'a');
    assert_int_equal(i, 1);
    assert_int_equal(tg_form_decode_byte(s, &i), ' ');
    assert_int_equal(tg_form_decode_byte(s, &i), 'A');
    assert_int_equal(i, 5);
    assert_int_equal(tg_form_decode_byte(s, &i), 'J');
    /* Not two hex digits, or cut short: -1, and i stays on the '%'. */
    assert_int_equal(tg_form_decode_byte(s, &i), -1);
    assert_int_equal(i, 8);
    i = 11;
    assert_int_equal(tg_form_decode_byte(s, &i), -1);
    assert_int_equal(i, 11);
    /* %FF is the byte 255, not -1. */
    i = 0;
    assert_int_equal(tg_form_decode_byte(TG_STR("%ff"), &i), 255);
}


static void
test_str_cmp(void **state)
{
    (void) state;

    assert_int_equal(tg_str_cmp(TG_STR("abc"), TG_STR("abc")), 0);
    assert_true(tg_str_cmp(TG_STR("ab"), TG_STR("abc")) < 0);
    assert_true(tg_str_cmp(TG_STR("abc"), TG_STR("ab")) > 0);
    assert_true(tg_str_cmp(TG_STR("B"), TG_STR("a")) < 0);    /* byte-wise */
    assert_true(tg_str_cmp(TG_STR("\xff"), TG_STR("a")) > 0); /* unsigned */
    assert_int_equal(tg_str_cmp(TG_STR_NULL, TG_STR("")), 0);
    assert_true(tg_str_cmp(TG_STR_NULL, TG_STR("a")) < 0);
    assert_true(tg_str_cmp(TG_STR("a\0b"), TG_STR("a\0c")) < 0);
}


static void
test_hex_equal_ct(void **state)
{
    static const char want[] = "0a1b2c3d4e5f";
    tg_str_t          expected = TG_STR(want);

    (void) state;

    assert_true(tg_hex_equal_ct(expected, TG_STR("0a1b2c3d4e5f")));
    assert_true(tg_hex_equal_ct(expected, TG_STR("0A1B2C3D4E5F")));
    assert_false(tg_hex_equal_ct(expected, TG_STR("0a1b2c3d4e5e")));
    assert_false(tg_hex_equal_ct(expected, TG_STR("0a1b2c3d4e5")));
    assert_false(tg_hex_equal_ct(expected, TG_STR("0a1b2c3d4e5f0")));
    assert_false(tg_hex_equal_ct(expected, TG_STR_NULL));
    /* Only A-Z are lowered: '@' is not '`'. */
    assert_false(tg_hex_equal_ct(TG_STR("`"), TG_STR("@")));
    assert_true(tg_hex_equal_ct(TG_STR_NULL, TG_STR("")));
}


static void
test_is_tchar(void **state)
{
    const char *p;
    int         c, n = 0;

    (void) state;

    for (c = 0; c < 256; c++) {
        n += tg_is_tchar(c);
    }
    assert_int_equal(n, 26 + 26 + 10 + 15);

    for (p = "!#$%&'*+-.^_`|~"; *p != '\0'; p++) {
        assert_true(tg_is_tchar((unsigned char) *p));
    }
    for (p = " \t\"(),/:;<=>?@[\\]{}\x7f"; *p != '\0'; p++) {
        assert_false(tg_is_tchar((unsigned char) *p));
    }
    assert_false(tg_is_tchar(0));
    assert_false(tg_is_tchar(0xe9));
}


static void
test_buf_append_lower(void **state)
{
    tg_buf_t b = TG_BUF_INIT;

    (void) state;

    assert_rc(tg_buf_append_lower(&b, TG_STR("Content-Type: AbZ@[\xc9")),
              TG_OK);
    assert_int_equal(b.len, 20);
    assert_memory_equal(b.ptr, "content-type: abz@[\xc9", 21);

    assert_rc(tg_buf_append_lower(&b, TG_STR_NULL), TG_OK);
    assert_int_equal(b.len, 20);
    tg_buf_free(&b);
}


/* Decimal at the int64 edges, zero and a sign; no NUL beyond. */
static void
test_buf_append_int(void **state)
{
    tg_buf_t b = TG_BUF_INIT;

    (void) state;
    assert_int_equal(tg_buf_append_int(&b, 0), TG_OK);
    assert_int_equal(tg_buf_append(&b, ",", 1), TG_OK);
    assert_int_equal(tg_buf_append_int(&b, -7), TG_OK);
    assert_int_equal(tg_buf_append(&b, ",", 1), TG_OK);
    assert_int_equal(tg_buf_append_int(&b, INT64_MAX), TG_OK);
    assert_int_equal(tg_buf_append(&b, ",", 1), TG_OK);
    assert_int_equal(tg_buf_append_int(&b, INT64_MIN), TG_OK);
    assert_string_equal(b.ptr, "0,-7,9223372036854775807,-9223372036854775808");
    assert_int_equal(b.len, strlen(b.ptr));
    tg_buf_free(&b);
}


/* The plain prefix stops at the first byte a JSON string escapes. */
static void
test_json_plain_len(void **state)
{
    (void) state;
    assert_int_equal(tg_json_plain_len("", 0), 0);
    assert_int_equal(tg_json_plain_len("abc ~{}", 7), 7);
    assert_int_equal(tg_json_plain_len("ab\"c", 4), 2);
    assert_int_equal(tg_json_plain_len("ab\\c", 4), 2);
    assert_int_equal(tg_json_plain_len("a\nb", 3), 1);
    assert_int_equal(tg_json_plain_len("a\x7f", 2), 1);
    assert_int_equal(tg_json_plain_len("\xc3\xa9", 2), 0);
    assert_int_equal(tg_json_plain_len("ab\0c", 4), 2);
    assert_int_equal(tg_json_plain_len("abcdef", 3), 3); /* len bounds it */
}


static void
test_buf_truncate(void **state)
{
    tg_buf_t b = TG_BUF_INIT;

    (void) state;

    tg_buf_truncate(&b, 0); /* nothing to keep, no storage: no-op */
    assert_null(b.ptr);

    assert_rc(tg_buf_append_c(&b, "abcdef"), TG_OK);
    tg_buf_truncate(&b, 6); /* the whole: unchanged */
    assert_string_equal(b.ptr, "abcdef");
    tg_buf_truncate(&b, 2);
    assert_int_equal(b.len, 2);
    assert_string_equal(b.ptr, "ab");
    assert_true(b.cap >= 7); /* storage kept */
    tg_buf_truncate(&b, 0);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.ptr, "");
    tg_buf_free(&b);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_str_c),
        cmocka_unit_test(test_str_eq),
        cmocka_unit_test(test_str_eq_nocase),
        cmocka_unit_test(test_str_has_prefix),
        cmocka_unit_test(test_str_trim),
        cmocka_unit_test(test_equal_ct),
        cmocka_unit_test(test_wipe),
        cmocka_unit_test(test_to_int64_values),
        cmocka_unit_test(test_to_int64_rejects),
        cmocka_unit_test(test_to_int64_bounds),
        cmocka_unit_test(test_to_int64_no_nul),
        cmocka_unit_test(test_strndup),
        cmocka_unit_test(test_buf_append),
        cmocka_unit_test(test_buf_grows),
        cmocka_unit_test(test_buf_printf),
        cmocka_unit_test(test_buf_too_large),
        cmocka_unit_test(test_buf_reserve),
        cmocka_unit_test(test_buf_reset_free),
        cmocka_unit_test(test_buf_wipe),
        cmocka_unit_test(test_hex_digit),
        cmocka_unit_test(test_percent_encode),
        cmocka_unit_test(test_form_decode_byte),
        cmocka_unit_test(test_str_cmp),
        cmocka_unit_test(test_hex_equal_ct),
        cmocka_unit_test(test_is_tchar),
        cmocka_unit_test(test_buf_append_lower),
        cmocka_unit_test(test_buf_truncate),
        cmocka_unit_test(test_buf_append_int),
        cmocka_unit_test(test_json_plain_len),
    };

    return cmocka_run_group_tests_name("str", tests, NULL, NULL);
}
