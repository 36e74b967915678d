/*
 * Tests of lib/http_screen.c: the request target's escapes, the
 * once-only and framing rules of the headers at their edges, and the walk
 * that finds a raw NUL in a head cut as libmicrohttpd 0.9 cuts it
 * (test/fuzz/fuzz_mhd_head.h models the cut).
 */

#include <stdio.h>
#include <string.h>

#include "tollgate/http_screen.h"

#include "unit.h"
#include "../fuzz/fuzz_mhd_head.h"


#define URI(s) tg_http_screen_uri(s, sizeof(s) - 1)


static void
test_uri_clean(void **state)
{
    (void) state;

    assert_null(URI("/v1/apps"));
    assert_null(URI("/v1/apps?limit=5&name=a%20b"));
    assert_null(URI("/?Action=DescribeApps&Sig=ab%2Fcd%3D")); /* query %2F */
    assert_null(URI("/v1/apps?limit=5%2500"));                /* not a NUL */
    assert_null(URI("/a%41%7e%7E"));
}


static void
test_uri_refused(void **state)
{
    (void) state;

    assert_non_null(URI("/v1/apps\0x"));
    assert_non_null(URI("/v1/apps%00xyz"));
    assert_non_null(URI("/v1/apps?li%00mit=5"));
    assert_non_null(URI("/v1/apps?a=%zz"));
    assert_non_null(URI("/v1/apps?a=%4")); /* cut at the end */
    assert_non_null(URI("/v1/apps?a=%"));
    assert_non_null(URI("/v1/apps?a=%g0"));
    assert_non_null(URI("/v1/apps%2Fx"));
    assert_non_null(URI("/v1/apps%2fx"));
    assert_string_equal(URI("/a%2Fb"),
                        "The request path holds an escaped '/' (%2F)");
    assert_string_equal(URI("/a?b=%00"), "The request URI holds a NUL byte");

    /* The length is the edge: "%41" cut to "%4" is refused. */
    assert_null(tg_http_screen_uri("/%41", 4));
    assert_non_null(tg_http_screen_uri("/%41", 3));
}


static void
test_is_once(void **state)
{
    (void) state;

    assert_true(tg_http_screen_is_once("Authorization", 13));
    assert_true(tg_http_screen_is_once("CONTENT-TYPE", 12));
    assert_true(tg_http_screen_is_once("X-Acs-Action", 12));
    assert_true(tg_http_screen_is_once("x-tc-timestamp", 14));
    assert_true(tg_http_screen_is_once("X-Sdk-Date", 10));
    assert_true(tg_http_screen_is_once("x-authing-userpool-id", 21));
    assert_false(tg_http_screen_is_once("x-acs", 5));
    assert_false(tg_http_screen_is_once("Content-Typex", 13));
    assert_false(tg_http_screen_is_once("Authorization", 12)); /* a prefix */
    assert_false(tg_http_screen_is_once("Accept", 6));
}


static void
feed(tg_http_screen_t *scr, const char *key, const char *value)
{
    tg_http_screen_header(scr, key, strlen(key), value, strlen(value));
}


static void
test_headers(void **state)
{
    tg_http_screen_t scr;

    (void) state;

    memset(&scr, 0, sizeof(scr));
    feed(&scr, "Host", "x");
    feed(&scr, "Content-Length", "2");
    feed(&scr, "Accept", "a");
    feed(&scr, "Accept", "b"); /* may repeat */
    assert_null(tg_http_screen_verdict(&scr));

    feed(&scr, "content-length", "2");
    assert_string_equal(tg_http_screen_verdict(&scr),
                        "The request has more than one Content-Length header");

    memset(&scr, 0, sizeof(scr));
    feed(&scr, "Content-Length", "2");
    feed(&scr, "Transfer-Encoding", "chunked");
    assert_non_null(tg_http_screen_verdict(&scr));

    memset(&scr, 0, sizeof(scr));
    feed(&scr, "Transfer-Encoding", "chunked");
    assert_null(tg_http_screen_verdict(&scr));

    memset(&scr, 0, sizeof(scr));
    feed(&scr, "Authorization", "Basic a");
    feed(&scr, "AUTHORIZATION", "Basic b");
    assert_string_equal(tg_http_screen_verdict(&scr),
                        "A header that may appear once is repeated");

    /* A length beyond the string: a NUL inside. */
    memset(&scr, 0, sizeof(scr));
    tg_http_screen_header(&scr, "X-Note", 6, "a\0b", 3);
    assert_string_equal(tg_http_screen_verdict(&scr),
                        "A request header holds a NUL byte");
    memset(&scr, 0, sizeof(scr));
    tg_http_screen_header(&scr, "X-N\0te", 6, "ab", 2);
    assert_non_null(tg_http_screen_verdict(&scr));
}


/* TG_HTTP_SCREEN_ONCE_MAX distinct once-only headers pass; one more is
 * refused. */
static void
test_once_edge(void **state)
{
    tg_http_screen_t scr;
    char             names[TG_HTTP_SCREEN_ONCE_MAX + 1][16];
    size_t           i;

    (void) state;

    memset(&scr, 0, sizeof(scr));
    for (i = 0; i <= TG_HTTP_SCREEN_ONCE_MAX; i++) {
        snprintf(names[i], sizeof(names[i]), "x-acs-h%zu", i);
    }
    for (i = 0; i < TG_HTTP_SCREEN_ONCE_MAX; i++) {
        feed(&scr, names[i], "v");
    }
    assert_null(tg_http_screen_verdict(&scr));
    feed(&scr, names[TG_HTTP_SCREEN_ONCE_MAX], "v");
    assert_non_null(tg_http_screen_verdict(&scr));
}


/* TG_HTTP_SCREEN_HEADERS_MAX headers pass; one more is refused. */
static void
test_count_edge(void **state)
{
    tg_http_screen_t scr;
    size_t           i;

    (void) state;

    memset(&scr, 0, sizeof(scr));
    for (i = 0; i < TG_HTTP_SCREEN_HEADERS_MAX; i++) {
        feed(&scr, "Accept", "v");
    }
    assert_null(tg_http_screen_verdict(&scr));
    feed(&scr, "Accept", "v");
    assert_string_equal(tg_http_screen_verdict(&scr),
                        "The request has more than 100 headers");
}


/* The walk over text cut as libmicrohttpd cuts it: 1 if bad. */
static int
walk(const char *text, size_t len)
{
    mhd_head_t h;
    int        bad;

    assert_int_equal(mhd_head_cut(&h, (const uint8_t *) text, len), 0);
    bad = mhd_head_walk(&h);
    free(h.buf);
    return bad;
}

#define WALK(s) walk(s, sizeof(s) - 1)


static void
test_walk_clean(void **state)
{
    (void) state;

    assert_false(WALK("GET /v1/apps HTTP/1.1\r\nHost: x\r\n\r\n"));
    assert_false(WALK("GET /v1/apps HTTP/1.1\nHost: x\nA:  b\t\n\n"));
    assert_false(WALK("GET   /v1/apps?a=1 HTTP/1.1\r\nHost:x\r\nE:\r\n\r\n"));
    assert_false(WALK("GET / HTTP/1.1\r\n\r\n"));
}


static void
test_walk_finds_nul(void **state)
{
    (void) state;

    assert_true(WALK("G\0ET /v1/apps HTTP/1.1\r\nHost: x\r\n\r\n"));
    assert_true(WALK("GET /v1/apps\0x HTTP/1.1\r\nHost: x\r\n\r\n"));
    assert_true(WALK("GET /v1/apps\0 HTTP/1.1\r\nHost: x\r\n\r\n"));
    assert_true(WALK("GET /v1/apps HTTP/1.1\0x\r\nHost: x\r\n\r\n"));
    assert_true(WALK("GET / HTTP/1.1\r\nX-Note: a\0b\r\nHost: x\r\n\r\n"));
    assert_true(
        WALK("GET / HTTP/1.1\r\nHost: x\r\nX-Note: ab\0\0\0\0cd\r\n\r\n"));
    assert_true(WALK("GET / HTTP/1.1\r\nX-A\0: 1\r\nHost: x\r\n\r\n"));
    assert_true(WALK("GET / HTTP/1.1\r\nHost: x\r\n\0X: y\r\n\r\n"));
    assert_true(WALK("GET / HTTP/1.1\r\nHost: x\0\r\n\r\n")); /* 3 NULs */

    /* A NUL in place of a CR cuts nothing off: it reads as the CR. */
    assert_false(WALK("GET / HTTP/1.1\r\nHost: x\0\nA: b\r\n\r\n"));
}


/* libmicrohttpd cuts the query out of the URI after measuring it: the
 * walk reads the URI's length as received, not its bytes. */
static void
test_walk_query_cut_later(void **state)
{
    static const char text[] = "GET /v1/apps?a=1&b=2 HTTP/1.1\r\nH: x\r\n\r\n";
    mhd_head_t        h;

    (void) state;

    assert_int_equal(mhd_head_cut(&h, (const uint8_t *) text, sizeof(text) - 1),
                     0);
    h.buf[12] = '\0'; /* '?' */
    h.buf[15] = '\0'; /* '=' */
    assert_false(mhd_head_walk(&h));
    free(h.buf);
}


/* Pieces outside the head, or a head that does not end where the walk
 * does, fail closed. */
static void
test_walk_fails_closed(void **state)
{
    static const char text[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    static const char other[] = "x";
    mhd_head_t        h;
    tg_http_walk_t    w;

    (void) state;

    assert_int_equal(mhd_head_cut(&h, (const uint8_t *) text, sizeof(text) - 1),
                     0);

    tg_http_walk_start(&w, h.method, h.size, other, 1, h.version);
    assert_true(tg_http_walk_end(&w));

    tg_http_walk_start(&w, h.method, h.size, h.uri, h.uri_len, h.version);
    tg_http_walk_header(&w, other, 1, other, 1);
    assert_true(tg_http_walk_end(&w));

    tg_http_walk_start(&w, h.method, h.size - 3, h.uri, h.uri_len, h.version);
    tg_http_walk_header(&w, h.key[0], h.key_size[0], h.value[0],
                        h.value_size[0]);
    assert_true(tg_http_walk_end(&w)); /* the head cut short */

    tg_http_walk_start(&w, h.method, h.size, h.uri, h.uri_len, h.version);
    assert_true(tg_http_walk_end(&w)); /* a header not walked */

    tg_http_walk_start(&w, h.method, h.size, h.uri, h.uri_len, h.version);
    tg_http_walk_header(&w, h.key[0], h.key_size[0], NULL, 0);
    assert_true(tg_http_walk_end(&w));

    tg_http_walk_start(&w, h.method, h.size, h.uri, h.uri_len, h.version);
    tg_http_walk_header(&w, h.key[0], h.key_size[0], h.value[0],
                        h.value_size[0]);
    assert_false(tg_http_walk_end(&w));
    free(h.buf);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uri_clean),
        cmocka_unit_test(test_uri_refused),
        cmocka_unit_test(test_is_once),
        cmocka_unit_test(test_headers),
        cmocka_unit_test(test_once_edge),
        cmocka_unit_test(test_count_edge),
        cmocka_unit_test(test_walk_clean),
        cmocka_unit_test(test_walk_finds_nul),
        cmocka_unit_test(test_walk_query_cut_later),
        cmocka_unit_test(test_walk_fails_closed),
    };

    return cmocka_run_group_tests_name("http_screen", tests, NULL, NULL);
}
