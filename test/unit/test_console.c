/*
 * Tests of daemon/console/console.c's checks of what a request asks for:
 * the file's name after "/console/" (everything that could leave the
 * directory or name a hidden file is refused, at the edges of the length
 * rules) and whether Accept-Encoding takes gzip.
 */

#include <string.h>

#include "console/console.h"

#include "unit.h"


static int
name_of(const char *raw, char *out, size_t size)
{
    return tg_console_name(raw, strlen(raw), out, size);
}


static void
test_names_accepted(void **state)
{
    static const char *const ok[] = {
        "index.html", "favicon.svg", "assets/main-ABC123.js",
        "a/b/c.css",  "x",           "under_score-dash.v2.js",
        "a.",
    };
    char   name[256];
    size_t i;

    (void) state;

    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        assert_rc(name_of(ok[i], name, sizeof(name)), TG_OK);
        assert_string_equal(name, ok[i]);
    }

    assert_rc(name_of("", name, sizeof(name)), TG_OK);
    assert_string_equal(name, "index.html");
}


static void
test_names_refused(void **state)
{
    static const char *const bad[] = {
        "..",
        "../etc/passwd",
        "assets/../x.js",
        ".hidden",
        "assets/.x",
        "assets/",
        "/index.html",
        "a//b",
        "%2e%2e/x",
        "assets%2Fx.js",
        "a\\b.js",
        "a b",
        "a/b/c/d",
        "caf\xc3\xa9.js",
        "a:b",
        "a?b",
    };
    char   name[256];
    size_t i;

    (void) state;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (tg_console_name(bad[i], strlen(bad[i]), name, sizeof(name))
            != TG_EBAD_REQUEST)
        {
            fail_msg("accepted \"%s\"", bad[i]);
        }
    }

    /* A NUL inside the target, which the length carries. */
    assert_rc(tg_console_name("a\0b", 3, name, sizeof(name)), TG_EBAD_REQUEST);
}


static void
test_name_edges(void **state)
{
    char seg[TG_CONSOLE_SEGMENT_MAX + 2];
    char name[256];

    (void) state;

    memset(seg, 'a', sizeof(seg));
    assert_rc(tg_console_name(seg, TG_CONSOLE_SEGMENT_MAX, name, sizeof(name)),
              TG_OK);
    assert_rc(
        tg_console_name(seg, TG_CONSOLE_SEGMENT_MAX + 1, name, sizeof(name)),
        TG_EBAD_REQUEST);

    /* The name must fit with its NUL. */
    assert_rc(tg_console_name("abcd", 4, name, 5), TG_OK);
    assert_rc(tg_console_name("abcde", 5, name, 5), TG_EBAD_REQUEST);
}


static void
test_accepts_gzip(void **state)
{
    (void) state;

    assert_int_equal(tg_console_accepts_gzip(NULL), 0);
    assert_int_equal(tg_console_accepts_gzip(""), 0);
    assert_int_equal(tg_console_accepts_gzip("gzip"), 1);
    assert_int_equal(tg_console_accepts_gzip("GZip"), 1);
    assert_int_equal(tg_console_accepts_gzip("br, gzip, deflate"), 1);
    assert_int_equal(tg_console_accepts_gzip(" gzip ;q=0.5"), 1);
    assert_int_equal(tg_console_accepts_gzip("gzip;q=0"), 0);
    assert_int_equal(tg_console_accepts_gzip("gzip; q=0.000"), 0);
    assert_int_equal(tg_console_accepts_gzip("gzip;q=0, br;q=1"), 0);
    assert_int_equal(tg_console_accepts_gzip("br;q=0, gzip"), 1);
    assert_int_equal(tg_console_accepts_gzip("x-gzip, gzipped, deflate"), 0);
    assert_int_equal(tg_console_accepts_gzip("*"), 0);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_accepted),
        cmocka_unit_test(test_names_refused),
        cmocka_unit_test(test_name_edges),
        cmocka_unit_test(test_accepts_gzip),
    };

    return cmocka_run_group_tests_name("console", tests, NULL, NULL);
}
