/*
 * Tests of lib/tencent_hmac.c: Tencent's application authentication
 * against the reference's vectors (huawei_tencent_authing.md B.5: the
 * app-auth POST with its Content-MD5 quirk, and the key-pair signing
 * string), then the Authorization parser, the headers list, the
 * environment prefix, the parameters' rules and the X-Date window.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/tencent_hmac.h"

#include "unit.h"


#define APP_SECRET "Dc44ACV2Da3Gm9JVaaaaaaaaumYRI4CZfVG8Qiuv"
#define XDATE      "Mon, 23 Nov 2026 04:00:00 GMT"
#define XDATE_MS   INT64_C(1795406400000)
#define MD5_HEX64  "MzNiMjk0MTJjZWIzMWQ5NmE1OGRiZDYyOWMwNWQ0ZGE="
#define APP_STS                                                               \
    "x-date: " XDATE "\nPOST\napplication/json\napplication/json\n" MD5_HEX64 \
    "\n/data?a=1&b=2"


static const tg_tchmac_header_t xdate_header[] = {
    { TG_STR("X-Date"), TG_STR(XDATE) },
};


static void
app_request(tg_tchmac_request_t *req)
{
    memset(req, 0, sizeof(*req));
    req->method = TG_STR("POST");
    req->accept = TG_STR("application/json");
    req->content_type = TG_STR("application/json");
    req->content_md5 = TG_STR(MD5_HEX64);
    req->path = TG_STR("/release/data");
    req->query = TG_STR("b=2&a=1");
    req->form = TG_STR("");
    req->headers = xdate_header;
    req->nheaders = 1;
}


/* The reference's app-auth vector: its string to sign and signature. */
static void
test_app_vector(void **state)
{
    tg_tchmac_request_t req;
    tg_buf_t            sts = TG_BUF_INIT;
    char                sig[TG_TCHMAC_SIGNATURE_MAX + 1];

    (void) state;

    app_request(&req);
    assert_rc(tg_tchmac_string_to_sign(&req, &sts), TG_OK);
    assert_str_equal(tg_buf_str(&sts), APP_STS);

    assert_rc(tg_tchmac_sign(TG_TCHMAC_SHA1, TG_STR(APP_SECRET),
                             tg_buf_str(&sts), sig),
              TG_OK);
    assert_string_equal(sig, "Pbkdp50aJelkItrgm+nL9LHo4XA=");
    assert_rc(tg_tchmac_verify(TG_TCHMAC_SHA1, TG_STR(APP_SECRET),
                               tg_buf_str(&sts),
                               TG_STR("Pbkdp50aJelkItrgm+nL9LHo4XA=")),
              TG_OK);

    /* Another secret, algorithm or signature does not verify. */
    assert_rc(tg_tchmac_verify(TG_TCHMAC_SHA1, TG_STR("other"),
                               tg_buf_str(&sts),
                               TG_STR("Pbkdp50aJelkItrgm+nL9LHo4XA=")),
              TG_EUNAUTHENTICATED);
    assert_rc(tg_tchmac_verify(TG_TCHMAC_SHA256, TG_STR(APP_SECRET),
                               tg_buf_str(&sts),
                               TG_STR("Pbkdp50aJelkItrgm+nL9LHo4XA=")),
              TG_EUNAUTHENTICATED);
    assert_rc(tg_tchmac_verify(TG_TCHMAC_SHA1, TG_STR(APP_SECRET),
                               tg_buf_str(&sts),
                               TG_STR("Pbkdp50aJelkItrgm+nL9LHo4XA")),
              TG_EUNAUTHENTICATED);
    tg_buf_free(&sts);
}


/* The key-pair signing string of the reference, HMAC-SHA1. */
static void
test_key_pair_vector(void **state)
{
    char sig[TG_TCHMAC_SIGNATURE_MAX + 1];

    (void) state;

    assert_rc(
        tg_tchmac_sign(TG_TCHMAC_SHA1, TG_STR("ZxF2whexample"),
                       TG_STR("date: Fri, 09 Oct 2015 00:00:00 GMT\nsource: "
                              "AndriodApp"),
                       sig),
        TG_OK);
    assert_string_equal(sig, "r3QUxxAs8p2DH6wUatqGKeF0UY0=");

    /* Each algorithm's length: base64 of 20, 32, 48, 64 bytes. */
    assert_rc(tg_tchmac_sign(TG_TCHMAC_SHA256, TG_STR("k"), TG_STR("m"), sig),
              TG_OK);
    assert_int_equal(strlen(sig), 44);
    assert_rc(tg_tchmac_sign(TG_TCHMAC_SHA384, TG_STR("k"), TG_STR("m"), sig),
              TG_OK);
    assert_int_equal(strlen(sig), 64);
    assert_rc(tg_tchmac_sign(TG_TCHMAC_SHA512, TG_STR("k"), TG_STR("m"), sig),
              TG_OK);
    assert_int_equal(strlen(sig), TG_TCHMAC_SIGNATURE_MAX);
}


static tg_str_t
sts_of(tg_buf_t *b, const char *method, const char *path, const char *query,
       const char *form)
{
    tg_tchmac_request_t req;

    memset(&req, 0, sizeof(req));
    req.method = tg_str_c(method);
    req.path = tg_str_c(path);
    req.query = tg_str_c(query);
    req.form = tg_str_c(form);
    tg_buf_reset(b);
    if (tg_tchmac_string_to_sign(&req, b) != TG_OK) {
        return TG_STR_NULL;
    }
    return tg_buf_str(b);
}


/* Empty lines stay; prefixes go; parameters sort, decode, and an empty
 * value is the key alone; a parameter sent twice is refused. */
static void
test_string_to_sign_rules(void **state)
{
    tg_buf_t b = TG_BUF_INIT;

    (void) state;

    assert_str_equal(sts_of(&b, "GET", "", "", ""), "GET\n\n\n\n/");
    assert_str_equal(sts_of(&b, "GET", "/release", "", ""), "GET\n\n\n\n/");
    assert_str_equal(sts_of(&b, "GET", "/test/a/b", "", ""), "GET\n\n\n\n/a/b");
    assert_str_equal(sts_of(&b, "GET", "/prepub/", "", ""), "GET\n\n\n\n/");
    assert_str_equal(sts_of(&b, "GET", "/releases/x", "", ""),
                     "GET\n\n\n\n/releases/x");
    assert_str_equal(sts_of(&b, "GET", "/x/release", "", ""),
                     "GET\n\n\n\n/x/release");
    assert_str_equal(sts_of(&b, "GET", "/p", "z=1&a&b=x%20y+z&&c=", ""),
                     "GET\n\n\n\n/p?a&b=x y z&c&z=1");
    assert_str_equal(sts_of(&b, "POST", "/p", "q=1", "f=2&a=%E4%B8%AD"),
                     "POST\n\n\n\n/p?a=\xe4\xb8\xad&f=2&q=1");
    assert_str_equal(sts_of(&b, "GET", "/p", "a=100%", ""),
                     "GET\n\n\n\n/p?a=100%");

    tg_buf_reset(&b);
    {
        tg_tchmac_request_t req;

        memset(&req, 0, sizeof(req));
        req.method = TG_STR("GET");
        req.path = TG_STR("/p");
        req.query = TG_STR("a=1&a=2");
        assert_rc(tg_tchmac_string_to_sign(&req, &b), TG_EINVALID);
        req.query = TG_STR("a=1");
        req.form = TG_STR("a=1");
        assert_rc(tg_tchmac_string_to_sign(&req, &b), TG_EINVALID);
        req.query = TG_STR("a=1&%61=1");
        req.form = TG_STR("");
        assert_rc(tg_tchmac_string_to_sign(&req, &b), TG_EINVALID);
    }
    tg_buf_free(&b);
}


static void
test_path_stage(void **state)
{
    const char *stage;
    tg_str_t    path;

    (void) state;

    tg_tchmac_path(TG_STR("/release/x"), &path, &stage);
    assert_string_equal(stage, "RELEASE");
    assert_str_equal(path, "/x");
    tg_tchmac_path(TG_STR("/prepub"), &path, &stage);
    assert_string_equal(stage, "PRE");
    assert_str_equal(path, "/");
    tg_tchmac_path(TG_STR("/test/"), &path, &stage);
    assert_string_equal(stage, "TEST");
    tg_tchmac_path(TG_STR("/Release/x"), &path, &stage);
    assert_null(stage);
    assert_str_equal(path, "/Release/x");
}


static void
test_auth_parse(void **state)
{
    tg_tchmac_auth_t a;
    size_t           i;

    (void) state;

    assert_rc(tg_tchmac_auth_parse(
                  TG_STR("hmac id=\"APIDkey\", algorithm=\"hmac-sha1\", "
                         "headers=\"x-date source\", signature=\"c2ln=\""),
                  &a),
              TG_OK);
    assert_str_equal(a.id, "APIDkey");
    assert_str_equal(a.algorithm, "hmac-sha1");
    assert_str_equal(a.headers, "x-date source");
    assert_str_equal(a.signature, "c2ln=");

    /* Any order, no spaces, the scheme in any case. */
    assert_rc(tg_tchmac_auth_parse(
                  TG_STR("HMAC signature=\"s\",id=\"k\",headers=\"\""), &a),
              TG_OK);
    assert_null(a.algorithm.ptr);
    assert_str_equal(a.headers, "");

    /* id or signature missing or empty. */
    assert_rc(tg_tchmac_auth_parse(TG_STR("hmac id=\"k\""), &a), TG_EMISSING);
    assert_rc(tg_tchmac_auth_parse(TG_STR("hmac id=\"\", signature=\"s\""), &a),
              TG_EMISSING);
    assert_rc(tg_tchmac_auth_parse(TG_STR("hmac "), &a), TG_EINVALID);

    static const char *const bad[] = {
        "hmac",
        "hmacid=\"k\"",
        "Signature keyId=\"k\"",
        "hmac id=k, signature=\"s\"",
        "hmac id=\"k, signature=\"s\"",
        "hmac id=\"k\" signature=\"s\"",
        "hmac id=\"k\", id=\"j\", signature=\"s\"",
        "hmac id=\"k\", keyId=\"j\", signature=\"s\"",
        "hmac id=\"k\", signature=\"s\",,",
        "hmac =\"k\", signature=\"s\"",
    };
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = tg_tchmac_auth_parse(tg_str_c(bad[i]), &a);

        if (rc != TG_EINVALID && rc != TG_EMISSING) {
            fail_msg("accepted: %s", bad[i]);
        }
    }
}


static void
test_algorithm_and_headers(void **state)
{
    tg_tchmac_alg_t alg;
    tg_str_t        names[TG_TCHMAC_HEADERS_MAX];
    char            list[512];
    size_t          n, i, len = 0;

    (void) state;

    assert_rc(tg_tchmac_algorithm_parse(TG_STR("HMAC-SHA512"), &alg), TG_OK);
    assert_int_equal(alg, TG_TCHMAC_SHA512);
    assert_rc(tg_tchmac_algorithm_parse(TG_STR("hmac-md5"), &alg), TG_EINVALID);
    assert_rc(tg_tchmac_algorithm_parse(TG_STR(""), &alg), TG_EINVALID);

    assert_rc(tg_tchmac_headers_parse(TG_STR("  x-date  Source "), names, &n),
              TG_OK);
    assert_int_equal(n, 2);
    assert_str_equal(names[1], "Source");
    assert_rc(tg_tchmac_headers_parse(TG_STR(""), names, &n), TG_OK);
    assert_int_equal(n, 0);
    /* Regression (found by fuzz_tencent_hmac): an Authorization without
     * headers="..." gives a NULL list, which must not be offset (UBSan). */
    n = 7;
    assert_rc(tg_tchmac_headers_parse(TG_STR_NULL, names, &n), TG_OK);
    assert_int_equal(n, 0);
    assert_rc(tg_tchmac_headers_parse(TG_STR("x-date X-Date"), names, &n),
              TG_EINVALID);
    assert_rc(tg_tchmac_headers_parse(TG_STR("x-date,a"), names, &n),
              TG_EINVALID);

    for (i = 0; i < TG_TCHMAC_HEADERS_MAX; i++) {
        len += (size_t) snprintf(list + len, sizeof(list) - len, "h%zu ", i);
    }
    assert_rc(tg_tchmac_headers_parse(tg_str_c(list), names, &n), TG_OK);
    assert_int_equal(n, TG_TCHMAC_HEADERS_MAX);
    snprintf(list + len, sizeof(list) - len, "one-more");
    assert_rc(tg_tchmac_headers_parse(tg_str_c(list), names, &n), TG_EINVALID);
}


static void
test_date_window(void **state)
{
    (void) state;

    assert_rc(tg_tchmac_date_check(TG_STR(XDATE), XDATE_MS, TG_TCHMAC_SKEW_MS),
              TG_OK);
    assert_rc(tg_tchmac_date_check(TG_STR(XDATE), XDATE_MS + 900000,
                                   TG_TCHMAC_SKEW_MS),
              TG_OK);
    assert_rc(tg_tchmac_date_check(TG_STR(XDATE), XDATE_MS + 900001,
                                   TG_TCHMAC_SKEW_MS),
              TG_ESKEW);
    assert_rc(tg_tchmac_date_check(TG_STR(XDATE), XDATE_MS - 900001,
                                   TG_TCHMAC_SKEW_MS),
              TG_ESKEW);
    assert_rc(
        tg_tchmac_date_check(TG_STR("Thu, 01 Jan 1970 00:00:00 GMT"), 0, 1),
        TG_OK);

    static const char *const bad[] = {
        "",
        "Tue, 23 Nov 2026 04:00:00 GMT", /* the wrong weekday */
        "Mon, 23 Nov 2026 04:00:00 UTC",
        "Mon, 23 Nov 2026 04:00:00 GMT ",
        "Mon 23 Nov 2026 04:00:00 GMTx",
        "Mon, 23 Xyz 2026 04:00:00 GMT",
        "Mon, 23 Nov 2026 24:00:00 GMT",
        "Mon, 2a Nov 2026 04:00:00 GMT",
        "2026-11-23T04:00:00Z",
    };
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (tg_tchmac_date_check(tg_str_c(bad[i]), XDATE_MS, TG_TCHMAC_SKEW_MS)
            != TG_EINVALID)
        {
            fail_msg("accepted: %s", bad[i]);
        }
    }
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_app_vector),
        cmocka_unit_test(test_key_pair_vector),
        cmocka_unit_test(test_string_to_sign_rules),
        cmocka_unit_test(test_path_stage),
        cmocka_unit_test(test_auth_parse),
        cmocka_unit_test(test_algorithm_and_headers),
        cmocka_unit_test(test_date_window),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
