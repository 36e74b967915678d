/*
 * Tests of lib/prom.c, the Prometheus text format writer: names checked
 * against the grammar, help and label values escaped as the format says,
 * numbers spelled as it spells them, histograms cumulative with +Inf
 * equal to _count.
 */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/prom.h"

#include "unit.h"


/* Asserts that b holds exactly text, then empties it. */
static void
expect(tg_buf_t *b, const char *text)
{
    assert_str_equal(tg_buf_str(b), text);
    tg_buf_reset(b);
}


static void
test_names(void **state)
{
    (void) state;

    assert_true(tg_prom_metric_name_ok("tollgate_http_requests_total"));
    assert_true(tg_prom_metric_name_ok("job:rate5m"));
    assert_true(tg_prom_metric_name_ok("_x9"));
    assert_false(tg_prom_metric_name_ok(""));
    assert_false(tg_prom_metric_name_ok("9x"));
    assert_false(tg_prom_metric_name_ok("a-b"));
    assert_false(tg_prom_metric_name_ok("a b"));
    assert_false(tg_prom_metric_name_ok(NULL));

    assert_true(tg_prom_label_name_ok("dialect"));
    assert_true(tg_prom_label_name_ok("_x"));
    assert_false(tg_prom_label_name_ok("__name__"));
    assert_false(tg_prom_label_name_ok("a:b"));
    assert_false(tg_prom_label_name_ok("1a"));
    assert_false(tg_prom_label_name_ok(""));
}


static void
test_family(void **state)
{
    tg_buf_t b = TG_BUF_INIT;

    (void) state;

    assert_rc(tg_prom_family(&b, "x_total", "counter", "Calls \"made\"."),
              TG_OK);
    expect(&b, "# HELP x_total Calls \"made\".\n# TYPE x_total counter\n");

    /* Help escapes the backslash and the line feed, not the quote. */
    assert_rc(tg_prom_family(&b, "y", "gauge", "a\\b\nc"), TG_OK);
    expect(&b, "# HELP y a\\\\b\\nc\n# TYPE y gauge\n");

    assert_rc(tg_prom_family(&b, "y", "gauges", "h"), TG_EINVALID);
    assert_rc(tg_prom_family(&b, "y-z", "gauge", "h"), TG_EINVALID);
    assert_rc(tg_prom_family(&b, "y", NULL, "h"), TG_EINVALID);
    tg_buf_free(&b);
}


static void
test_sample_escaping(void **state)
{
    tg_buf_t        b = TG_BUF_INIT;
    tg_prom_label_t labels[] = {
        { "path", "C:\\dir\\\"q\"\nnext" },
        { "empty", "" },
        { "utf8", "\xc3\xa9t\xc3\xa9" },
    };
    tg_prom_label_t bad = { "__reserved", "x" };
    tg_prom_label_t null_value = { "a", NULL };

    (void) state;

    assert_rc(tg_prom_sample_u64(&b, "m", labels, 3, 42), TG_OK);
    expect(&b, "m{path=\"C:\\\\dir\\\\\\\"q\\\"\\nnext\",empty=\"\","
               "utf8=\"\xc3\xa9t\xc3\xa9\"} 42\n");

    assert_rc(tg_prom_sample_u64(&b, "m", NULL, 0, UINT64_MAX), TG_OK);
    expect(&b, "m 18446744073709551615\n");

    assert_rc(tg_prom_sample(&b, "m", &bad, 1, 1), TG_EINVALID);
    assert_rc(tg_prom_sample(&b, "m", &null_value, 1, 1), TG_EINVALID);
    assert_rc(tg_prom_sample(&b, "1m", NULL, 0, 1), TG_EINVALID);
    tg_buf_free(&b);
}


static void
test_numbers(void **state)
{
    tg_buf_t b = TG_BUF_INIT;

    (void) state;

    assert_rc(tg_prom_sample(&b, "a", NULL, 0, 3), TG_OK);
    assert_rc(tg_prom_sample(&b, "a", NULL, 0, -2), TG_OK);
    assert_rc(tg_prom_sample(&b, "a", NULL, 0, 0.25), TG_OK);
    assert_rc(tg_prom_sample(&b, "a", NULL, 0, 0.1), TG_OK);
    assert_rc(tg_prom_sample(&b, "a", NULL, 0, INFINITY), TG_OK);
    assert_rc(tg_prom_sample(&b, "a", NULL, 0, -INFINITY), TG_OK);
    assert_rc(tg_prom_sample(&b, "a", NULL, 0, NAN), TG_OK);
    expect(&b, "a 3\na -2\na 0.25\na 0.1\na +Inf\na -Inf\na NaN\n");

    /* A value no 15 digits give back is written in full. */
    assert_rc(tg_prom_sample(&b, "a", NULL, 0, 0.1 + 0.2), TG_OK);
    assert_true(strtod(tg_buf_str(&b).ptr + 2, NULL) == 0.1 + 0.2);
    tg_buf_free(&b);
}


static void
test_histogram(void **state)
{
    static const double bounds[] = { 0.5, 1, 2.5 };
    const uint64_t      counts[] = { 1, 0, 3, 2 };
    tg_prom_label_t     label = { "dialect", "native" };
    tg_buf_t            b = TG_BUF_INIT;

    (void) state;

    assert_rc(
        tg_prom_histogram(&b, "d_seconds", &label, 1, bounds, counts, 3, 7.5),
        TG_OK);
    expect(&b, "d_seconds_bucket{dialect=\"native\",le=\"0.5\"} 1\n"
               "d_seconds_bucket{dialect=\"native\",le=\"1\"} 1\n"
               "d_seconds_bucket{dialect=\"native\",le=\"2.5\"} 4\n"
               "d_seconds_bucket{dialect=\"native\",le=\"+Inf\"} 6\n"
               "d_seconds_sum{dialect=\"native\"} 7.5\n"
               "d_seconds_count{dialect=\"native\"} 6\n");

    assert_rc(tg_prom_histogram(&b, "h", NULL, 0, bounds, counts, 0, 0), TG_OK);
    expect(&b, "h_bucket{le=\"+Inf\"} 1\nh_sum 0\nh_count 1\n");

    /* Bounds must increase. */
    {
        static const double down[] = { 1, 1 };

        assert_rc(tg_prom_histogram(&b, "h", NULL, 0, down, counts, 2, 0),
                  TG_EINVALID);
    }
    tg_buf_free(&b);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),           cmocka_unit_test(test_family),
        cmocka_unit_test(test_sample_escaping), cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_histogram),
    };

    return cmocka_run_group_tests_name("prom", tests, NULL, NULL);
}
