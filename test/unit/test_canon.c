/*
 * Tests of lib/canon.c: the pieces of canonical requests that Alibaba's
 * V3, Tencent's TC3 and Huawei's SDK-HMAC-SHA256 share.  Each limit is
 * tested at its edge; the schemes' own vectors (test_acs_sign.c,
 * test_tc3_sign.c, test_huawei_sign.c) check the texts they build.
 */

#include <stdlib.h>
#include <string.h>

#include "tollgate/canon.h"

#include "unit.h"


static const char *const auth_names[] = { "Credential", "SignedHeaders",
                                          "Signature" };


static int
auth(const char *params, tg_str_t values[3])
{
    return tg_canon_auth_params(tg_str_c(params), auth_names, values, 3);
}


static void
test_auth_params(void **state)
{
    tg_str_t v[3];

    (void) state;

    assert_rc(auth("Credential=ak/x, SignedHeaders=a;b,\tSignature=00", v),
              TG_OK);
    assert_true(tg_str_eq_c(v[0], "ak/x"));
    assert_true(tg_str_eq_c(v[1], "a;b"));
    assert_true(tg_str_eq_c(v[2], "00"));

    /* Any order, a trailing comma, a value with '=' in it. */
    assert_rc(auth("Signature=s=,Credential=c ,SignedHeaders=h,", v), TG_OK);
    assert_true(tg_str_eq_c(v[0], "c"));
    assert_true(tg_str_eq_c(v[2], "s="));

    assert_rc(auth("Credential=c,SignedHeaders=h", v), TG_EINVALID);
    assert_rc(auth("Credential=c,SignedHeaders=h,Signature=", v), TG_EINVALID);
    assert_rc(auth("Credential=c,SignedHeaders=h,Signature", v), TG_EINVALID);
    assert_rc(auth("Credential=c,SignedHeaders=h,Signature=s,Other=o", v),
              TG_EINVALID);
    assert_rc(auth("Credential=c,,SignedHeaders=h,Signature=s", v),
              TG_EINVALID);
    assert_rc(auth("Credential=c,Credential=c,SignedHeaders=h,Signature=s", v),
              TG_EINVALID);
    assert_rc(auth("Credential=c,Credential=d,Credential=e,SignedHeaders=h,"
                   "Signature=s",
                   v),
              TG_EINVALID);
    assert_rc(auth("credential=c,SignedHeaders=h,Signature=s", v), TG_EINVALID);
    assert_rc(auth("", v), TG_EINVALID);
}


static void
test_header_names(void **state)
{
    char   names[4][TG_CANON_HEADER_NAME_MAX + 1];
    char   longest[TG_CANON_HEADER_NAME_MAX + 2];
    size_t n;

    (void) state;

    assert_rc(tg_canon_header_names_parse(TG_STR("Host;X-Acs-Date;a"), names, 4,
                                          TG_CANON_UNIQUE, &n),
              TG_OK);
    assert_int_equal(n, 3);
    assert_string_equal(names[0], "host");
    assert_string_equal(names[1], "x-acs-date");
    assert_string_equal(names[2], "a");

    /* max names, not one more */
    assert_rc(tg_canon_header_names_parse(TG_STR("a;b;c;d"), names, 4, 0, &n),
              TG_OK);
    assert_int_equal(n, 4);
    assert_rc(tg_canon_header_names_parse(TG_STR("a;b;c;d;e"), names, 4, 0, &n),
              TG_EINVALID);

    /* the longest name, not one byte more */
    memset(longest, 'x', sizeof(longest));
    assert_rc(
        tg_canon_header_names_parse(
            (tg_str_t){ longest, TG_CANON_HEADER_NAME_MAX }, names, 4, 0, &n),
        TG_OK);
    assert_int_equal(strlen(names[0]), TG_CANON_HEADER_NAME_MAX);
    assert_rc(tg_canon_header_names_parse(
                  (tg_str_t){ longest, TG_CANON_HEADER_NAME_MAX + 1 }, names, 4,
                  0, &n),
              TG_EINVALID);

    /* A name twice: refused only when asked, in any case. */
    assert_rc(tg_canon_header_names_parse(TG_STR("host;Host"), names, 4, 0, &n),
              TG_OK);
    assert_int_equal(n, 2);
    assert_rc(tg_canon_header_names_parse(TG_STR("host;Host"), names, 4,
                                          TG_CANON_UNIQUE, &n),
              TG_EINVALID);

    assert_rc(tg_canon_header_names_parse(TG_STR(""), names, 4, 0, &n),
              TG_EINVALID);
    assert_rc(tg_canon_header_names_parse(TG_STR("a;;b"), names, 4, 0, &n),
              TG_EINVALID);
    assert_rc(tg_canon_header_names_parse(TG_STR("a;"), names, 4, 0, &n),
              TG_EINVALID);
    assert_rc(tg_canon_header_names_parse(TG_STR("a; b"), names, 4, 0, &n),
              TG_EINVALID);
    assert_rc(tg_canon_header_names_parse(TG_STR("a:b"), names, 4, 0, &n),
              TG_EINVALID);
    assert_rc(tg_canon_header_names_parse(TG_STR("a\0b"), names, 4, 0, &n),
              TG_EINVALID);
}


static void
check_path(const char *path, const char *want)
{
    tg_buf_t out = TG_BUF_INIT;

    assert_rc(tg_canon_path(tg_str_c(path), &out), TG_OK);
    assert_string_equal(out.ptr, want);
    tg_buf_free(&out);
}


static void
test_path(void **state)
{
    (void) state;

    check_path("", "/");
    check_path("/", "/");
    check_path("/a b/", "/a%20b/");
    check_path("a//b", "a//b");
    check_path("/v1/caf\xc3\xa9~_.-", "/v1/caf%C3%A9~_.-");
    check_path("/%2F", "/%252F");
}


static void
check_headers(const tg_canon_pair_t *h, size_t n, unsigned flags,
              const char *want)
{
    tg_buf_t out = TG_BUF_INIT;

    assert_rc(tg_canon_headers(h, n, flags, &out), TG_OK);
    assert_string_equal(out.ptr, want);
    tg_buf_free(&out);
}


static void
test_headers(void **state)
{
    static const tg_canon_pair_t h[] = {
        { TG_STR("X-Acs-Date"), TG_STR(" 2023-01-01 ") },
        { TG_STR("host"), TG_STR("Example.COM") },
        { TG_STR("content-type"), TG_STR_NULL },
    };
    static const tg_canon_pair_t same[] = {
        { TG_STR("x-b"), TG_STR("2") },
        { TG_STR("X-B"), TG_STR("1") },
    };
    tg_buf_t out = TG_BUF_INIT;

    (void) state;

    check_headers(h, 3, TG_CANON_SORT,
                  "content-type:\nhost:Example.COM\nx-acs-date:2023-01-01\n"
                  "\ncontent-type;host;x-acs-date");
    check_headers(h, 3, TG_CANON_SORT | TG_CANON_LOWER_VALUE,
                  "content-type:\nhost:example.com\nx-acs-date:2023-01-01\n"
                  "\ncontent-type;host;x-acs-date");
    check_headers(h, 3, 0,
                  "x-acs-date:2023-01-01\nhost:Example.COM\ncontent-type:\n"
                  "\nx-acs-date;host;content-type");
    /* the same name: then by value */
    check_headers(same, 2, TG_CANON_SORT, "x-b:1\nx-b:2\n\nx-b;x-b");

    assert_rc(tg_canon_headers(NULL, 0, TG_CANON_SORT, &out), TG_OK);
    assert_string_equal(out.ptr, "\n");
    tg_buf_free(&out);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auth_params),
        cmocka_unit_test(test_header_names),
        cmocka_unit_test(test_path),
        cmocka_unit_test(test_headers),
    };

    return cmocka_run_group_tests_name("canon", tests, NULL, NULL);
}
