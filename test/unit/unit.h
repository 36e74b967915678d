/*
 * What every unit test includes: cmocka, in the order it needs its
 * headers, and a few assertions and builders that cmocka lacks.
 *
 * cmocka prints integers as unsigned, so a TG_E* code would show as a
 * twenty-digit number; assert_rc() prints both codes by name instead, and
 * assert_i64_equal() prints signed values.
 */

#ifndef TOLLGATE_TEST_UNIT_H
#define TOLLGATE_TEST_UNIT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <inttypes.h>
#include <string.h>

#include <cmocka.h>

#include "tollgate/error.h"
#include "tollgate/str.h"


/* Asserts that a call returned the TG_E* code expected. */
#define assert_rc(expr, expected)                                         \
    do {                                                                  \
        int tg_rc_ = (expr), tg_expected_ = (expected);                   \
        if (tg_rc_ != tg_expected_) {                                     \
            print_error("%s returned %d (%s), expected %d (%s)\n", #expr, \
                        tg_rc_, tg_err_name(tg_rc_), tg_expected_,        \
                        tg_err_name(tg_expected_));                       \
        }                                                                 \
        assert_int_equal(tg_rc_, tg_expected_);                           \
    } while (0)

/* Asserts that two signed 64-bit values are equal, printing both. */
#define assert_i64_equal(a, b)                                           \
    do {                                                                 \
        int64_t tg_a_ = (a), tg_b_ = (b);                                \
        if (tg_a_ != tg_b_) {                                            \
            print_error("%s == %" PRId64 ", expected %" PRId64 "\n", #a, \
                        tg_a_, tg_b_);                                   \
        }                                                                \
        assert_true(tg_a_ == tg_b_);                                     \
    } while (0)

/* Asserts that a tg_str_t holds exactly the NUL-terminated text. */
#define assert_str_equal(s, text)                                            \
    do {                                                                     \
        tg_str_t tg_s_ = (s);                                                \
        if (!tg_str_eq_c(tg_s_, (text))) {                                   \
            print_error("%s == \"%.*s\", expected \"%s\"\n", #s,             \
                        (int) tg_s_.len, tg_s_.ptr != NULL ? tg_s_.ptr : "", \
                        (text));                                             \
        }                                                                    \
        assert_true(tg_str_eq_c(tg_s_, (text)));                             \
    } while (0)


/*
 * Writes n copies of unit into buf (size bytes), NUL-terminated, and
 * returns them as a tg_str_t.  For strings at the edges of length rules.
 */
static inline tg_str_t
tg_test_repeat(char *buf, size_t size, const char *unit, size_t n)
{
    size_t len = strlen(unit), i;

    assert_true(len * n < size);

    for (i = 0; i < n; i++) {
        memcpy(buf + i * len, unit, len);
    }
    buf[len * n] = '\0';

    return (tg_str_t){ buf, len * n };
}

#endif /* TOLLGATE_TEST_UNIT_H */
