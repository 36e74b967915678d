/*
 * Tests of lib/time.c: RFC 3339 formatting and parsing, both ways round,
 * across leap days, offsets, fractions, the epoch, negative times and the
 * clamped ends of the year range; and the two clocks.
 */

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tollgate/time.h"

#include "unit.h"


#define MIN_MS (-62167219200000LL) /* 0000-01-01T00:00:00.000Z */
#define MAX_MS 253402300799999LL   /* 9999-12-31T23:59:59.999Z */


/* Formats ms into a buffer of exactly TG_RFC3339_LEN + 1 bytes. */
static void
check_format(int64_t ms, int with_ms, const char *expect)
{
    char  *out = malloc(TG_RFC3339_LEN + 1);
    size_t n;

    assert_non_null(out);
    n = tg_time_format(ms, with_ms, out);
    assert_string_equal(out, expect);
    assert_int_equal(n, strlen(expect));
    free(out);
}


static int
parse(const char *text, int64_t *ms)
{
    return tg_time_parse(tg_str_c(text), ms);
}


static void
check_parse(const char *text, int64_t expect)
{
    int64_t ms = 0;

    assert_rc(parse(text, &ms), TG_OK);
    assert_i64_equal(ms, expect);
}


static void
check_refused(const char *text)
{
    int64_t ms = 12345;

    if (parse(text, &ms) != TG_EINVALID) {
        print_error("\"%s\" was accepted\n", text);
    }
    assert_rc(parse(text, &ms), TG_EINVALID);
    assert_i64_equal(ms, 12345);
}


static void
test_format(void **state)
{
    (void) state;

    check_format(0, 0, "1970-01-01T00:00:00Z");
    check_format(0, 1, "1970-01-01T00:00:00.000Z");
    check_format(1700000000123, 1, "2023-11-14T22:13:20.123Z");
    check_format(1700000000123, 0, "2023-11-14T22:13:20Z");
    check_format(1709208000000, 0, "2024-02-29T12:00:00Z");
    check_format(951782400000, 0, "2000-02-29T00:00:00Z");
    check_format(1735689599999, 1, "2024-12-31T23:59:59.999Z");
    check_format(1735689600000, 1, "2025-01-01T00:00:00.000Z");
    check_format(4102444800000, 0, "2100-01-01T00:00:00Z");
}


/* Before the epoch, the day and second are floored, not truncated. */
static void
test_format_negative(void **state)
{
    (void) state;

    check_format(-1, 1, "1969-12-31T23:59:59.999Z");
    check_format(-1, 0, "1969-12-31T23:59:59Z");
    check_format(-999, 1, "1969-12-31T23:59:59.001Z");
    check_format(-1000, 1, "1969-12-31T23:59:59.000Z");
    check_format(-86400000, 1, "1969-12-31T00:00:00.000Z");
    check_format(-86400001, 1, "1969-12-30T23:59:59.999Z");
    check_format(-2203891200000, 0, "1900-03-01T00:00:00Z");
    check_format(-2208988800000, 0, "1900-01-01T00:00:00Z");
}


/* Years outside 0000-9999 are clamped to the ends of the range. */
static void
test_format_clamps(void **state)
{
    (void) state;

    check_format(MAX_MS, 1, "9999-12-31T23:59:59.999Z");
    check_format(MAX_MS + 1, 1, "9999-12-31T23:59:59.999Z");
    check_format(INT64_MAX, 1, "9999-12-31T23:59:59.999Z");
    check_format(INT64_MAX, 0, "9999-12-31T23:59:59Z");

    check_format(MIN_MS, 1, "0000-01-01T00:00:00.000Z");
    check_format(MIN_MS + 1, 1, "0000-01-01T00:00:00.001Z");
    check_format(MIN_MS - 1, 1, "0000-01-01T00:00:00.000Z");
    check_format(INT64_MIN, 0, "0000-01-01T00:00:00Z");
}


static void
test_parse(void **state)
{
    (void) state;

    check_parse("1970-01-01T00:00:00Z", 0);
    check_parse("2023-11-14T22:13:20.123Z", 1700000000123);
    check_parse("2023-11-14T22:13:20Z", 1700000000000);
    check_parse("1969-12-31T23:59:59.999Z", -1);
    check_parse("1900-01-01T00:00:00Z", -2208988800000);
    check_parse("0000-01-01T00:00:00Z", MIN_MS);
    check_parse("9999-12-31T23:59:59.999Z", MAX_MS);
}


static void
test_parse_leap_days(void **state)
{
    (void) state;

    check_parse("2024-02-29T12:00:00Z", 1709208000000);
    check_parse("2000-02-29T00:00:00Z", 951782400000);
    check_parse("2023-02-28T00:00:00Z", 1677542400000);

    check_refused("2023-02-29T00:00:00Z");
    check_refused("1900-02-29T00:00:00Z"); /* divisible by 100 */
    check_refused("2024-02-30T00:00:00Z");
}


static void
test_parse_field_ranges(void **state)
{
    (void) state;

    check_parse("2024-12-31T23:59:59Z", 1735689599000);
    check_parse("2024-04-30T00:00:00Z", 1714435200000);

    check_refused("2024-00-01T00:00:00Z");
    check_refused("2024-13-01T00:00:00Z");
    check_refused("2024-01-00T00:00:00Z");
    check_refused("2024-01-32T00:00:00Z");
    check_refused("2024-04-31T00:00:00Z");
    check_refused("2024-01-01T24:00:00Z");
    check_refused("2024-01-01T00:60:00Z");
    check_refused("2024-01-01T00:00:61Z");
}


/* The offset is subtracted: 08:00 at +08:00 is midnight UTC. */
static void
test_parse_offsets(void **state)
{
    (void) state;

    check_parse("2024-01-01T08:00:00+08:00", 1704067200000);
    check_parse("2023-12-31T18:30:00-05:30", 1704067200000);
    check_parse("2024-01-01T00:00:00+00:00", 1704067200000);
    check_parse("2024-01-01T00:00:00-00:00", 1704067200000);
    check_parse("1970-01-01T00:00:00+00:01", -60000);
    check_parse("1970-01-01T00:00:00-23:59", 86340000);
    check_parse("2024-01-01T08:00:00.250+08:00", 1704067200250);

    check_refused("2024-01-01T00:00:00+24:00");
    check_refused("2024-01-01T00:00:00+08:60");
    check_refused("2024-01-01T00:00:00+0800");
    check_refused("2024-01-01T00:00:00+08");
    check_refused("2024-01-01T00:00:00+8:00");
    check_refused("2024-01-01T00:00:00 +08:00");
    check_refused("2024-01-01T00:00:00+08:00Z");
}


static void
test_parse_lowercase(void **state)
{
    (void) state;

    check_parse("2024-01-01t00:00:00z", 1704067200000);
    check_parse("2024-01-01t08:00:00+08:00", 1704067200000);

    check_refused("2024-01-01 00:00:00Z");
    check_refused("2024-01-01x00:00:00Z");
    check_refused("2024-01-01T00:00:00x");
}


/* Fractions of 1 to 9 digits, kept to the millisecond (truncated). */
static void
test_parse_fractions(void **state)
{
    (void) state;

    check_parse("1970-01-01T00:00:00.1Z", 100);
    check_parse("1970-01-01T00:00:00.12Z", 120);
    check_parse("1970-01-01T00:00:00.123Z", 123);
    check_parse("1970-01-01T00:00:00.1239Z", 123);
    check_parse("1970-01-01T00:00:00.999999999Z", 999);
    check_parse("1970-01-01T00:00:00.000000001Z", 0);
    check_parse("1969-12-31T23:59:59.5Z", -500);

    check_refused("1970-01-01T00:00:00.1234567890Z");
    check_refused("1970-01-01T00:00:00.Z");
    check_refused("1970-01-01T00:00:00.");
    check_refused("1970-01-01T00:00:00,5Z");
    check_refused("1970-01-01T00:00:00.5.5Z");
}


static void
test_parse_garbage(void **state)
{
    (void) state;

    check_refused("");
    check_refused("2024");
    check_refused("2024-01-01");
    check_refused("2024-01-01T00:00");
    check_refused("2024-01-01T00:00:00");
    check_refused("2024-01-01T00:00:00Z ");
    check_refused(" 2024-01-01T00:00:00Z");
    check_refused("2024-01-01T00:00:00Zx");
    check_refused("2024-01-01T00:00:00+08:00x");
    check_refused("2024-1-01T00:00:00Z");
    check_refused("2024-01-1T00:00:00Z");
    check_refused("24-01-01T00:00:00Z");
    check_refused("+2024-01-01T00:00:00Z");
    check_refused("-2024-01-01T00:00:00Z");
    check_refused("2024/01/01T00:00:00Z");
    check_refused("2024-01-01T00-00-00Z");
    check_refused("2024-0a-01T00:00:00Z");
    check_refused("1700000000");
}


/* Only s.len bytes are read: a NUL is neither needed nor a stop. */
static void
test_parse_length(void **state)
{
    static const char text[] = "2024-01-01T00:00:00Zjunk";
    int64_t           ms = 0;

    (void) state;

    assert_rc(tg_time_parse((tg_str_t){ text, 20 }, &ms), TG_OK);
    assert_i64_equal(ms, 1704067200000);

    assert_rc(tg_time_parse((tg_str_t){ text, 19 }, &ms), TG_EINVALID);
    assert_rc(tg_time_parse(TG_STR("2024-01-01T00:00:00Z\0"), &ms),
              TG_EINVALID);
}


/* Values across the whole range survive format then parse, with
 * milliseconds exactly and without them floored to the second. */
static void
test_round_trip(void **state)
{
    char     text[TG_RFC3339_LEN + 1];
    int64_t  ms, back, floored;
    uint64_t x = 88172645463325252ULL;
    int      i;

    (void) state;

    for (i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        ms = MIN_MS + (int64_t) (x % (uint64_t) (MAX_MS - MIN_MS + 1));

        tg_time_format(ms, 1, text);
        assert_rc(tg_time_parse(tg_str_c(text), &back), TG_OK);
        assert_i64_equal(back, ms);

        floored = ms - ((ms % 1000) + 1000) % 1000;
        tg_time_format(ms, 0, text);
        assert_rc(tg_time_parse(tg_str_c(text), &back), TG_OK);
        assert_i64_equal(back, floored);
    }
}


static void
test_clocks(void **state)
{
    int64_t now, a, b;

    (void) state;

    now = tg_time_now_ms();
    assert_true(now > 1577836800000); /* 2020-01-01 */
    assert_true(now / 1000 - (int64_t) time(NULL) <= 1);
    assert_true((int64_t) time(NULL) - now / 1000 <= 1);

    a = tg_time_monotonic_ms();
    b = tg_time_monotonic_ms();
    assert_true(b >= a);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_format_negative),
        cmocka_unit_test(test_format_clamps),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_parse_leap_days),
        cmocka_unit_test(test_parse_field_ranges),
        cmocka_unit_test(test_parse_offsets),
        cmocka_unit_test(test_parse_lowercase),
        cmocka_unit_test(test_parse_fractions),
        cmocka_unit_test(test_parse_garbage),
        cmocka_unit_test(test_parse_length),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_clocks),
    };

    return cmocka_run_group_tests_name("time", tests, NULL, NULL);
}
