/*
 * Tests of lib/utf8.c: strict decoding at every boundary RFC 3629 draws,
 * counting, the CJK and control classes, and sanitizing text for logs.
 */

#include <string.h>

#include "tollgate/utf8.h"

#include "unit.h"


/* Decodes the single character that makes up all of bytes. */
static int32_t
decode_one(tg_str_t bytes)
{
    size_t  pos = 0;
    int32_t cp = tg_utf8_next(bytes, &pos);

    if (cp >= 0) {
        assert_int_equal(pos, bytes.len);
    } else {
        assert_int_equal(pos, 0);
    }

    return cp;
}


/* The first and last code point of each encoded length, and the edges of
 * the surrogate block. */
static void
test_next_boundaries(void **state)
{
    static const struct {
        tg_str_t bytes;
        int32_t  cp;
    } cases[] = {
        { TG_STR("\x00"), 0x0000 },
        { TG_STR("A"), 0x0041 },
        { TG_STR("\x7f"), 0x007f },
        { TG_STR("\xc2\x80"), 0x0080 },
        { TG_STR("\xc3\xa9"), 0x00e9 },
        { TG_STR("\xdf\xbf"), 0x07ff },
        { TG_STR("\xe0\xa0\x80"), 0x0800 },
        { TG_STR("\xe4\xb8\xad"), 0x4e2d },
        { TG_STR("\xed\x9f\xbf"), 0xd7ff },
        { TG_STR("\xee\x80\x80"), 0xe000 },
        { TG_STR("\xef\xbf\xbf"), 0xffff },
        { TG_STR("\xf0\x90\x80\x80"), 0x10000 },
        { TG_STR("\xf0\x9f\x98\x80"), 0x1f600 },
        { TG_STR("\xf4\x8f\xbf\xbf"), 0x10ffff },
    };
    size_t i;

    (void) state;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(decode_one(cases[i].bytes), cases[i].cp);
    }
}


static void
test_next_rejects(void **state)
{
    static const tg_str_t bad[] = {
        TG_STR("\x80"),             /* continuation byte alone */
        TG_STR("\xbf"),             /* continuation byte alone */
        TG_STR("\xc0\x80"),         /* overlong U+0000 */
        TG_STR("\xc0\xaf"),         /* overlong '/' */
        TG_STR("\xc1\xbf"),         /* overlong U+007F */
        TG_STR("\xe0\x80\x80"),     /* overlong U+0000 */
        TG_STR("\xe0\x9f\xbf"),     /* overlong U+07FF */
        TG_STR("\xf0\x80\x80\x80"), /* overlong U+0000 */
        TG_STR("\xf0\x8f\xbf\xbf"), /* overlong U+FFFF */
        TG_STR("\xed\xa0\x80"),     /* U+D800, a surrogate */
        TG_STR("\xed\xbf\xbf"),     /* U+DFFF, a surrogate */
        TG_STR("\xf4\x90\x80\x80"), /* U+110000 */
        TG_STR("\xf5\x80\x80\x80"), /* beyond U+10FFFF */
        TG_STR("\xf8\x88\x80\x80\x80"),
        TG_STR("\xfe"),
        TG_STR("\xff"),
        TG_STR("\xc3"),         /* cut short */
        TG_STR("\xe4\xb8"),     /* cut short */
        TG_STR("\xf0\x9f\x98"), /* cut short */
        TG_STR("\xc3\x41"),     /* not a continuation */
        TG_STR("\xe4\x41\xad"), /* not a continuation */
        TG_STR("\xe4\xb8\xc3"), /* not a continuation */
        TG_STR("\xf0\x9f\x98\x41"),
    };
    size_t i;

    (void) state;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(decode_one(bad[i]), -1);
    }
}


/* A sequence cut short by the end of s fails even when the bytes after
 * s.len would complete it. */
static void
test_next_stops_at_len(void **state)
{
    static const char text[] = "\xe4\xb8\xad";
    size_t            pos = 0;

    (void) state;

    assert_int_equal(tg_utf8_next((tg_str_t){ text, 2 }, &pos), -1);
    assert_int_equal(pos, 0);
}


static void
test_next_advances(void **state)
{
    tg_str_t s = TG_STR("a\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80z");
    size_t   pos = 0;

    (void) state;

    assert_int_equal(tg_utf8_next(s, &pos), 'a');
    assert_int_equal(pos, 1);
    assert_int_equal(tg_utf8_next(s, &pos), 0xe9);
    assert_int_equal(pos, 3);
    assert_int_equal(tg_utf8_next(s, &pos), 0x4e2d);
    assert_int_equal(pos, 6);
    assert_int_equal(tg_utf8_next(s, &pos), 0x1f600);
    assert_int_equal(pos, 10);
    assert_int_equal(tg_utf8_next(s, &pos), 'z');
    assert_int_equal(pos, 11);
}


static void
test_count(void **state)
{
    size_t n = 99;

    (void) state;

    assert_rc(tg_utf8_count(TG_STR(""), &n), TG_OK);
    assert_int_equal(n, 0);
    assert_rc(tg_utf8_count(TG_STR("abc"), &n), TG_OK);
    assert_int_equal(n, 3);
    assert_rc(
        tg_utf8_count(TG_STR("a\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80"), &n),
        TG_OK);
    assert_int_equal(n, 4);
    assert_rc(tg_utf8_count(TG_STR("a\0b"), &n), TG_OK);
    assert_int_equal(n, 3);

    n = 99;
    assert_rc(tg_utf8_count(TG_STR("abc\xff"), &n), TG_EINVALID);
    assert_rc(tg_utf8_count(TG_STR("\xed\xa0\x80"), &n), TG_EINVALID);
    assert_rc(tg_utf8_count(TG_STR("ab\xe4\xb8"), &n), TG_EINVALID);
    assert_int_equal(n, 99);
}


/* Each block's first and last code point, and a neighbour outside it
 * that is neither Han, kana nor Hangul. */
static void
test_is_cjk(void **state)
{
    static const int32_t yes[] = {
        0x3040,  0x3042,  0x309f,  0x30a0,  0x30ff,  0x3400,  0x4dbf,
        0x4e00,  0x4e2d,  0x9fff,  0xac00,  0xd7a3,  0xf900,  0xfaff,
        0x20000, 0x2a6df, 0x2ebef, 0x2f800, 0x2fa1f, 0x30000, 0x323af,
    };
    static const int32_t no[] = {
        -1,     0,       'A',     'z',     '0',     0xe9,    0x303f,
        0x3100, 0x4dc0,  0xa000,  0xabff,  0xd7a4,  0xf8ff,  0xfb00,
        0xff01, 0x1f600, 0x1ffff, 0x2f7ff, 0x2fa20, 0x2ffff, 0x323b0,
    };
    size_t i;

    (void) state;

    for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (!tg_utf8_is_cjk(yes[i])) {
            print_error("U+%04X should be CJK\n", (unsigned) yes[i]);
        }
        assert_true(tg_utf8_is_cjk(yes[i]));
    }

    for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        if (tg_utf8_is_cjk(no[i])) {
            print_error("U+%04X should not be CJK\n", (unsigned) no[i]);
        }
        assert_false(tg_utf8_is_cjk(no[i]));
    }
}


static void
test_is_control(void **state)
{
    (void) state;

    assert_true(tg_utf8_is_control(0x00));
    assert_true(tg_utf8_is_control('\t'));
    assert_true(tg_utf8_is_control('\n'));
    assert_true(tg_utf8_is_control(0x1f));
    assert_false(tg_utf8_is_control(0x20));
    assert_false(tg_utf8_is_control('~'));
    assert_true(tg_utf8_is_control(0x7f));
    assert_true(tg_utf8_is_control(0x80));
    assert_true(tg_utf8_is_control(0x9f));
    assert_false(tg_utf8_is_control(0xa0));
    assert_false(tg_utf8_is_control(0x4e2d));
    assert_false(tg_utf8_is_control(0x10ffff));
}


/* Sanitizes s into a buffer of exactly size bytes (so that the address
 * sanitizer catches a write past it) and checks the result. */
static void
check_sanitize(tg_str_t s, size_t size, const char *expect)
{
    char   out[256];
    size_t n;

    assert_true(size <= sizeof(out));

    memset(out, '#', sizeof(out));
    n = tg_utf8_sanitize(s, out + sizeof(out) - size, size);

    assert_int_equal(n, strlen(expect));
    assert_string_equal(out + sizeof(out) - size, expect);
    assert_int_equal(out[sizeof(out) - size - 1], '#');
}


static void
test_sanitize_copies_valid_text(void **state)
{
    (void) state;

    check_sanitize(TG_STR("plain text"), 64, "plain text");
    check_sanitize(TG_STR("caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80"), 64,
                   "caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80");
    check_sanitize(TG_STR(""), 1, "");
}


static void
test_sanitize_replaces(void **state)
{
    (void) state;

    /* Control characters, tab and newline included, and C1 controls. */
    check_sanitize(TG_STR("a\tb\nc\rd\x7f"), 64, "a?b?c?d?");
    check_sanitize(TG_STR("a\0b"), 64, "a?b");
    check_sanitize(TG_STR("x\xc2\x85y"), 64, "x?y");

    /* Each byte of an invalid sequence becomes one '?'. */
    check_sanitize(TG_STR("a\xff"), 64, "a?");
    check_sanitize(TG_STR("\xe4\xb8\x41"), 64, "??A");
    check_sanitize(TG_STR("\xed\xa0\x80"), 64, "???");
    check_sanitize(TG_STR("\xc0\xaf"), 64, "??");
    check_sanitize(TG_STR("ok\xe4\xb8"), 64, "ok??");
}


/* The copy is cut to fit, never inside a character. */
static void
test_sanitize_cuts_at_boundary(void **state)
{
    tg_str_t s = TG_STR("a\xc3\xa9\xe4\xb8\xad");

    (void) state;

    check_sanitize(s, 7, "a\xc3\xa9\xe4\xb8\xad");
    check_sanitize(s, 6, "a\xc3\xa9");
    check_sanitize(s, 4, "a\xc3\xa9");
    check_sanitize(s, 3, "a");
    check_sanitize(s, 2, "a");
    check_sanitize(s, 1, "");

    check_sanitize(TG_STR("abc"), 4, "abc");
    check_sanitize(TG_STR("abc"), 3, "ab");
    check_sanitize(TG_STR("\x01\x02\x03"), 3, "??");
}


/* Whatever goes in, what comes out is valid UTF-8 without controls. */
static void
test_sanitize_output_is_clean(void **state)
{
    unsigned char in[512];
    char          out[300];
    size_t        i, n, count, pos;
    uint32_t      x = 12345;

    (void) state;

    for (i = 0; i < sizeof(in); i++) {
        x = x * 1103515245 + 12345;
        in[i] = (unsigned char) (x >> 16);
    }

    n = tg_utf8_sanitize((tg_str_t){ (const char *) in, sizeof(in) }, out,
                         sizeof(out));
    assert_true(n < sizeof(out));
    assert_int_equal(strlen(out), n);
    assert_rc(tg_utf8_count((tg_str_t){ out, n }, &count), TG_OK);

    for (pos = 0; pos < n;) {
        assert_false(tg_utf8_is_control(tg_utf8_next(tg_str_c(out), &pos)));
    }
}


/* Regression (found by fuzz_daemon_native): tg_native_fail() sanitizes a
 * message in place; a two-byte control character shrinks to '?', so the
 * characters after it move onto bytes they overlap (a memcpy() there was
 * undefined, and AddressSanitizer stopped on it). */
static void
test_sanitize_in_place(void **state)
{
    char   text[] = "\xc2\x85\xd9\xbf\xc2\x9f\xe4\xb8\xad\xc3\xa9x";
    size_t n;

    (void) state;

    n = tg_utf8_sanitize((tg_str_t){ text, sizeof(text) - 1 }, text,
                         sizeof(text));
    assert_int_equal(n, 10);
    assert_string_equal(text, "?\xd9\xbf?\xe4\xb8\xad\xc3\xa9x");
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_next_boundaries),
        cmocka_unit_test(test_next_rejects),
        cmocka_unit_test(test_next_stops_at_len),
        cmocka_unit_test(test_next_advances),
        cmocka_unit_test(test_count),
        cmocka_unit_test(test_is_cjk),
        cmocka_unit_test(test_is_control),
        cmocka_unit_test(test_sanitize_copies_valid_text),
        cmocka_unit_test(test_sanitize_replaces),
        cmocka_unit_test(test_sanitize_cuts_at_boundary),
        cmocka_unit_test(test_sanitize_output_is_clean),
        cmocka_unit_test(test_sanitize_in_place),
    };

    return cmocka_run_group_tests_name("utf8", tests, NULL, NULL);
}
