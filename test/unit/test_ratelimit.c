/*
 * Tests of lib/ratelimit.c: the token bucket starts full, admits exactly
 * `burst` events at once, says how long to wait, and admits again exactly
 * then: not a millisecond before, however often it is asked meanwhile.
 */

#include "tollgate/ratelimit.h"

#include "unit.h"


#define T0 1000000 /* an arbitrary start, away from 0 */


static int
take(tg_bucket_t *b, double rate, double burst, int64_t now, int64_t *retry)
{
    *retry = -1;
    return tg_bucket_take(b, rate, burst, now, retry);
}


/* Takes n tokens at now, all of which must succeed. */
static void
take_n(tg_bucket_t *b, double rate, int burst, int n, int64_t now)
{
    int64_t retry;
    int     i;

    for (i = 0; i < n; i++) {
        assert_rc(take(b, rate, burst, now, &retry), TG_OK);
    }
}


/* Asserts that a take at now is refused, to be retried after retry ms. */
static void
assert_limited(tg_bucket_t *b, double rate, int burst, int64_t now,
               int64_t retry)
{
    int64_t told;

    assert_rc(take(b, rate, burst, now, &told), TG_ERATE_LIMITED);
    assert_i64_equal(told, retry);
}


/* Takes all burst tokens of a full bucket. */
static void
drain(tg_bucket_t *b, double rate, int burst, int64_t now)
{
    take_n(b, rate, burst, burst, now);
}


/* A bucket at rate and burst, all taken at now: the next take is
 * refused, to be retried after retry ms. */
typedef struct {
    double  rate;
    int     burst;
    int64_t now;
    int64_t retry;
} drained_t;


static void
check_drained(const drained_t *cases, size_t n)
{
    tg_bucket_t b;
    size_t      i;

    for (i = 0; i < n; i++) {
        b = TG_BUCKET_INIT;
        drain(&b, cases[i].rate, cases[i].burst, cases[i].now);
        assert_limited(&b, cases[i].rate, cases[i].burst, cases[i].now,
                       cases[i].retry);
    }
}


/* A new bucket is full: exactly burst takes succeed at one instant. */
static void
test_starts_full(void **state)
{
    static const drained_t cases[] = {
        { 1, 5, T0, 1000 },
        { 10, 1, T0, 100 },
        { 2, 3, 0, 500 }, /* time 0 is a time like any other */
    };

    (void) state;

    check_drained(cases, sizeof(cases) / sizeof(cases[0]));
}


/* retry_ms for rates that do not divide a second evenly rounds up. */
static void
test_retry_rounds_up(void **state)
{
    static const drained_t cases[] = {
        { 3, 1, T0, 334 },
        { 0.5, 1, T0, 2000 },
        { 1000000, 2, T0, 1 }, /* less than a millisecond is told as one */
    };

    (void) state;

    check_drained(cases, sizeof(cases) / sizeof(cases[0]));
}


/*
 * After draining at T0 with the given rate: one millisecond before
 * retry_ms the take fails, at retry_ms it succeeds.  Each on its own copy
 * of the drained bucket.
 */
static void
check_refill_edge(double rate, int burst)
{
    tg_bucket_t b = TG_BUCKET_INIT, early, on_time;
    int64_t     retry, unused;

    drain(&b, rate, burst, T0);
    assert_rc(take(&b, rate, burst, T0, &retry), TG_ERATE_LIMITED);
    assert_true(retry >= 1);

    if (retry > 1) {
        early = b;
        if (take(&early, rate, burst, T0 + retry - 1, &unused) == TG_OK) {
            print_error("rate %g: admitted at %lld ms, retry_ms was %lld\n",
                        rate, (long long) retry - 1, (long long) retry);
            fail();
        }
    }

    on_time = b;
    if (take(&on_time, rate, burst, T0 + retry, &unused) != TG_OK) {
        print_error("rate %g: refused at retry_ms %lld\n", rate,
                    (long long) retry);
        fail();
    }
}


static void
test_refill_edge(void **state)
{
    static const double rates[] = { 0.25, 0.5,  1,    2,    3,     7,   10,
                                    13,   33,   50,   100,  125,   200, 333,
                                    999,  1000, 1001, 4096, 999999 };
    size_t              i;

    (void) state;

    for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
        check_refill_edge(rates[i], 1);
        check_refill_edge(rates[i], 5);
    }
}


/*
 * A client that asks every millisecond while it waits must be told the
 * remaining time each time, and must be admitted when it runs out:
 * asking must not make the wait longer.  Then the same again for the next
 * token, which starts from a fraction left over.
 */
static void
check_polling(double rate, int burst)
{
    tg_bucket_t b = TG_BUCKET_INIT;
    int64_t     retry, due, t, now = T0;
    int         round;

    drain(&b, rate, burst, now);

    for (round = 0; round < 3; round++) {
        assert_rc(take(&b, rate, burst, now, &retry), TG_ERATE_LIMITED);
        due = now + retry;

        for (t = now + 1; t < due; t++) {
            if (take(&b, rate, burst, t, &retry) != TG_ERATE_LIMITED) {
                print_error("rate %g: admitted %lld ms early\n", rate,
                            (long long) (due - t));
                fail();
            }
            if (t + retry != due) {
                print_error("rate %g, %lld ms before due: retry_ms %lld\n",
                            rate, (long long) (due - t), (long long) retry);
                fail();
            }
        }

        if (take(&b, rate, burst, due, &retry) != TG_OK) {
            print_error("rate %g: refused when due (round %d)\n", rate, round);
            fail();
        }

        now = due;
    }
}


static void
test_polling(void **state)
{
    static const double rates[] = { 1,   3,   7,   10,  13,  30,  100,
                                    200, 250, 333, 500, 999, 1000 };
    size_t              i;

    (void) state;

    for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
        check_polling(rates[i], 1);
        check_polling(rates[i], 2);
    }
}


/* However long the bucket rests, it holds at most burst tokens. */
static void
test_refill_caps_at_burst(void **state)
{
    tg_bucket_t b = TG_BUCKET_INIT;
    int64_t     later = T0 + 3600 * 1000;

    (void) state;

    drain(&b, 10, 4, T0);
    drain(&b, 10, 4, later);
    assert_limited(&b, 10, 4, later, 100);
}


/* Partial refills: half the bucket back after half the time. */
static void
test_partial_refill(void **state)
{
    tg_bucket_t b = TG_BUCKET_INIT;

    (void) state;

    drain(&b, 10, 10, T0);
    take_n(&b, 10, 10, 5, T0 + 500);
    assert_limited(&b, 10, 10, T0 + 500, 100);
}


/* A clock that steps backwards stands still: no tokens come from it, and
 * none are owed when it catches up. */
static void
test_clock_steps_back(void **state)
{
    tg_bucket_t b = TG_BUCKET_INIT;
    int64_t     retry;

    (void) state;

    drain(&b, 1, 1, T0);

    assert_limited(&b, 1, 1, T0 - 5000, 1000);
    assert_limited(&b, 1, 1, T0 - 1, 1000);

    assert_limited(&b, 1, 1, T0 + 999, 1);
    assert_rc(take(&b, 1, 1, T0 + 1000, &retry), TG_OK);
    assert_limited(&b, 1, 1, T0 + 1000, 1000);
}


/* A step back on a bucket that still has tokens does not take any. */
static void
test_clock_steps_back_with_tokens(void **state)
{
    tg_bucket_t b = TG_BUCKET_INIT;
    int64_t     retry;

    (void) state;

    assert_rc(take(&b, 1, 3, T0, &retry), TG_OK);
    assert_rc(take(&b, 1, 3, T0 - 60000, &retry), TG_OK);
    assert_rc(take(&b, 1, 3, T0 - 60000, &retry), TG_OK);
    assert_limited(&b, 1, 3, T0 - 60000, 1000);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_starts_full),
        cmocka_unit_test(test_retry_rounds_up),
        cmocka_unit_test(test_refill_edge),
        cmocka_unit_test(test_polling),
        cmocka_unit_test(test_refill_caps_at_burst),
        cmocka_unit_test(test_partial_refill),
        cmocka_unit_test(test_clock_steps_back),
        cmocka_unit_test(test_clock_steps_back_with_tokens),
    };

    return cmocka_run_group_tests_name("ratelimit", tests, NULL, NULL);
}
