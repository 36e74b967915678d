/*
 * Tests of lib/huawei_sign.c: the SDK-HMAC-SHA256 vectors of
 * reference/huawei_tencent_authing.md (Huawei's published VPC example,
 * A.5, and the computed POST example of A.6 in both query forms), then
 * the verifier's rejections, the Authorization and SignedHeaders parsers
 * at their edges, and X-Sdk-Date.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/crypto.h"
#include "tollgate/huawei_sign.h"

#include "unit.h"


#define P(n, v)              \
    {                        \
        TG_STR(n), TG_STR(v) \
    }

#define VPC_AK   "QTWAOYTTINDUT2QVKYUC"
#define VPC_SK   "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"
#define VPC_DATE "20191115T033655Z"
#define VPC_SIG \
    "7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe"

static const tg_hw_pair_t vpc_query[] = {
    P("marker", "13551d6b-755d-4757-b956-536f674975c0"),
    P("limit", "2"),
};

static const tg_hw_pair_t vpc_headers[] = {
    P("content-type", "application/json"),
    P("host", "service.region.example.com"),
    P("x-sdk-date", VPC_DATE),
};

#define VPC_CANONICAL                                       \
    "GET\n"                                                 \
    "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/\n"          \
    "limit=2&marker=13551d6b-755d-4757-b956-536f674975c0\n" \
    "content-type:application/json\n"                       \
    "host:service.region.example.com\n"                     \
    "x-sdk-date:20191115T033655Z\n"                         \
    "\n"                                                    \
    "content-type;host;x-sdk-date\n" TG_HW_EMPTY_SHA256


/* A request of method on path with its query, headers and payload hash;
 * the pairs are arrays, counted by REQUEST(). */
static tg_hw_request_t
request(const char *method, const char *path, const tg_hw_pair_t *query,
        size_t nquery, const tg_hw_pair_t *headers, size_t nheaders,
        tg_str_t payload_hash)
{
    tg_hw_request_t req;

    memset(&req, 0, sizeof(req));
    req.method = tg_str_c(method);
    req.path = tg_str_c(path);
    req.query = query;
    req.nquery = nquery;
    req.headers = headers;
    req.nheaders = nheaders;
    req.payload_hash = payload_hash;
    return req;
}

#define REQUEST(method, path, query, headers, hash)                        \
    request((method), (path), (query), sizeof(query) / sizeof((query)[0]), \
            (headers), sizeof(headers) / sizeof((headers)[0]), (hash))


static tg_hw_request_t
vpc_request(void)
{
    return REQUEST("GET", "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs",
                   vpc_query, vpc_headers, TG_STR(TG_HW_EMPTY_SHA256));
}


static void
sign_request(const tg_hw_request_t *req, const char *secret, tg_buf_t *cr,
             tg_buf_t *sts, char sig[TG_HW_SIGNATURE_LEN + 1])
{
    tg_buf_reset(cr);
    tg_buf_reset(sts);
    assert_rc(tg_hw_canonical_request(req, cr), TG_OK);
    assert_rc(tg_hw_string_to_sign(TG_STR(VPC_DATE), tg_buf_str(cr), sts),
              TG_OK);
    assert_rc(tg_hw_sign(tg_str_c(secret), tg_buf_str(sts), sig), TG_OK);
}


static void
test_vpc_vector(void **state)
{
    tg_hw_request_t req = vpc_request();
    tg_buf_t        cr = TG_BUF_INIT, sts = TG_BUF_INIT;
    char            sig[TG_HW_SIGNATURE_LEN + 1];
    uint8_t         digest[TG_SHA256_LEN];
    char            hex[2 * TG_SHA256_LEN + 1];

    (void) state;

    sign_request(&req, VPC_SK, &cr, &sts, sig);
    assert_str_equal(tg_buf_str(&cr), VPC_CANONICAL);

    assert_rc(tg_sha256(tg_buf_str(&cr), digest), TG_OK);
    tg_hex_encode(digest, sizeof(digest), hex);
    assert_string_equal(
        hex,
        "b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a");

    assert_str_equal(tg_buf_str(&sts),
                     "SDK-HMAC-SHA256\n" VPC_DATE
                     "\nb25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe2062786"
                     "59d71a9bcd7a");
    assert_string_equal(sig, VPC_SIG);

    assert_rc(tg_hw_verify(TG_STR(VPC_SK), tg_buf_str(&sts), TG_STR(VPC_SIG)),
              TG_OK);

    /* A path that already ends with '/' is not given a second one. */
    req.path = TG_STR("/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/");
    sign_request(&req, VPC_SK, &cr, &sts, sig);
    assert_string_equal(sig, VPC_SIG);

    tg_buf_free(&cr);
    tg_buf_free(&sts);
}


/* A.6: POST /app1?a=1&b= with a JSON body, in both empty-value forms. */
static void
test_post_vector(void **state)
{
    static const tg_hw_pair_t query[] = { P("b", ""), P("a", "1") };
    static const tg_hw_pair_t headers[] = {
        P("content-type", "application/json"),
        P("host", "api.example.com"),
        P("x-sdk-date", VPC_DATE),
    };
    tg_hw_request_t req;
    tg_buf_t        cr = TG_BUF_INIT, sts = TG_BUF_INIT;
    char            sig[TG_HW_SIGNATURE_LEN + 1];
    uint8_t         digest[TG_SHA256_LEN];
    char            hash[2 * TG_SHA256_LEN + 1];

    (void) state;

    assert_rc(tg_sha256(TG_STR("{\"a\":1}"), digest), TG_OK);
    tg_hex_encode(digest, sizeof(digest), hash);
    assert_string_equal(
        hash,
        "015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862");

    req = REQUEST("POST", "/app1", query, headers, tg_str_c(hash));

    sign_request(&req, "appsecret_example_123", &cr, &sts, sig);
    assert_non_null(strstr(cr.ptr, "\n/app1/\na=1&b=\n"));
    assert_string_equal(
        sig,
        "0ac1db316b8259918e6c551d52b88335a8fd82db9688d58fca5cb2e838d33f40");

    req.empty_form = TG_HW_EMPTY_BARE;
    sign_request(&req, "appsecret_example_123", &cr, &sts, sig);
    assert_non_null(strstr(cr.ptr, "\n/app1/\na=1&b\n"));
    assert_string_equal(
        sig,
        "1852dbb8230866259eadec2cf50a1b30097ac124e2ce818475ca47d6070592ba");

    tg_buf_free(&cr);
    tg_buf_free(&sts);
}


static void
test_canonical_edges(void **state)
{
    static const tg_hw_pair_t query[] = {
        P("b", "2"),
        P("a", "z"),
        P("a", "y"),
        P("sp ace", "1+1/2"),
    };
    static const tg_hw_pair_t headers[] = {
        P("x-sdk-date", "  " VPC_DATE "\t"),
    };
    tg_hw_request_t req;
    tg_buf_t        cr = TG_BUF_INIT;

    (void) state;

    req = REQUEST("PUT", "/a b/caf\xc3\xa9/~x", query, headers,
                  TG_STR(TG_HW_UNSIGNED));

    assert_rc(tg_hw_canonical_request(&req, &cr), TG_OK);
    assert_str_equal(tg_buf_str(&cr),
                     "PUT\n/a%20b/caf%C3%A9/~x/\n"
                     "a=y&a=z&b=2&sp%20ace=1%2B1%2F2\n"
                     "x-sdk-date:" VPC_DATE "\n\nx-sdk-date\n" TG_HW_UNSIGNED);

    /* An empty path is "/"; "/" stays "/". */
    tg_buf_reset(&cr);
    req.path = TG_STR("");
    req.nquery = 0;
    assert_rc(tg_hw_canonical_request(&req, &cr), TG_OK);
    assert_non_null(strstr(cr.ptr, "PUT\n/\n\n"));

    tg_buf_reset(&cr);
    req.path = TG_STR("/");
    assert_rc(tg_hw_canonical_request(&req, &cr), TG_OK);
    assert_non_null(strstr(cr.ptr, "PUT\n/\n\n"));

    tg_buf_free(&cr);
}


static void
test_verify_rejects(void **state)
{
    tg_str_t sts = TG_STR("SDK-HMAC-SHA256\n" VPC_DATE "\nabc");
    char     sig[TG_HW_SIGNATURE_LEN + 1], upper[TG_HW_SIGNATURE_LEN + 1];
    size_t   i;

    (void) state;

    assert_rc(tg_hw_sign(TG_STR(VPC_SK), sts, sig), TG_OK);
    assert_rc(tg_hw_verify(TG_STR(VPC_SK), sts, tg_str_c(sig)), TG_OK);

    for (i = 0; i <= TG_HW_SIGNATURE_LEN; i++) {
        upper[i] = (char) toupper((unsigned char) sig[i]);
    }
    assert_rc(tg_hw_verify(TG_STR(VPC_SK), sts, tg_str_c(upper)), TG_OK);

    assert_rc(tg_hw_verify(TG_STR("other"), sts, tg_str_c(sig)),
              TG_EUNAUTHENTICATED);
    assert_rc(tg_hw_verify(TG_STR(VPC_SK), sts,
                           (tg_str_t){ sig, TG_HW_SIGNATURE_LEN - 1 }),
              TG_EUNAUTHENTICATED);
    assert_rc(tg_hw_verify(TG_STR(VPC_SK), sts, TG_STR("")),
              TG_EUNAUTHENTICATED);
    sig[10] = sig[10] == '0' ? '1' : '0';
    assert_rc(tg_hw_verify(TG_STR(VPC_SK), sts, tg_str_c(sig)),
              TG_EUNAUTHENTICATED);
}


static void
test_auth_parse(void **state)
{
    tg_hw_auth_t auth;

    (void) state;

    assert_rc(tg_hw_auth_parse(TG_STR("SDK-HMAC-SHA256 Access=" VPC_AK
                                      ", SignedHeaders=content-type;host;"
                                      "x-sdk-date, Signature=" VPC_SIG),
                               &auth),
              TG_OK);
    assert_str_equal(auth.access, VPC_AK);
    assert_str_equal(auth.signed_headers, "content-type;host;x-sdk-date");
    assert_str_equal(auth.signature, VPC_SIG);

    /* No spaces after the commas, several after the algorithm. */
    assert_rc(
        tg_hw_auth_parse(TG_STR("SDK-HMAC-SHA256   Access=a,"
                                "SignedHeaders=x-sdk-date,Signature=" VPC_SIG),
                         &auth),
        TG_OK);
    assert_str_equal(auth.access, "a");

#define BAD(text) assert_rc(tg_hw_auth_parse(TG_STR(text), &auth), TG_EINVALID)
    BAD("");
    BAD("SDK-HMAC-SHA256");
    BAD("SDK-HMAC-SHA256 ");
    BAD("SDK-HMAC-SHA1 Access=a, SignedHeaders=h, Signature=" VPC_SIG);
    BAD("SDK-HMAC-SHA256Access=a, SignedHeaders=h, Signature=" VPC_SIG);
    BAD("SDK-HMAC-SHA256 Access=, SignedHeaders=h, Signature=" VPC_SIG);
    BAD("SDK-HMAC-SHA256 Access=a, SignedHeaders=, Signature=" VPC_SIG);
    BAD("SDK-HMAC-SHA256 Access=a, SignedHeaders=h, Signature=");
    BAD("SDK-HMAC-SHA256 Access=a, SignedHeaders=h, Signature=abc");
    BAD("SDK-HMAC-SHA256 Access=a, SignedHeaders=h, Signature=" VPC_SIG "0");
    BAD("SDK-HMAC-SHA256 Access=a, SignedHeaders=h, Signature=" VPC_SIG " ");
    BAD("SDK-HMAC-SHA256 SignedHeaders=h, Access=a, Signature=" VPC_SIG);
    BAD("SDK-HMAC-SHA256 Access=a, Signature=" VPC_SIG);
    BAD("SDK-HMAC-SHA256 Access=a, SignedHeaders=h, Signature=" VPC_SIG
        ", Signature=" VPC_SIG);
    BAD("SDK-HMAC-SHA256 Access=a\n, SignedHeaders=h, Signature=" VPC_SIG);
    BAD("SDK-HMAC-SHA256 Access=a, SignedHeaders=h, Signature="
        "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz");
#undef BAD

    /* A NUL inside the header. */
    assert_rc(tg_hw_auth_parse((tg_str_t){ "SDK-HMAC-SHA256 Access=a\0b", 26 },
                               &auth),
              TG_EINVALID);
}


static void
test_signed_headers_parse(void **state)
{
    char     names[TG_HW_HEADERS_MAX][TG_HW_HEADER_NAME_MAX + 1];
    char     buf[4096];
    size_t   n, i;
    tg_buf_t list = TG_BUF_INIT;

    (void) state;

    assert_rc(tg_hw_signed_headers_parse(TG_STR("Host;X-Sdk-Date"), names, &n),
              TG_OK);
    assert_int_equal(n, 2);
    assert_string_equal(names[0], "host");
    assert_string_equal(names[1], "x-sdk-date");
    assert_true(tg_hw_signed(names, n, "x-sdk-date"));
    assert_false(tg_hw_signed(names, n, "content-type"));

#define BAD(text) \
    assert_rc(tg_hw_signed_headers_parse(TG_STR(text), names, &n), TG_EINVALID)
    BAD("");
    BAD(";");
    BAD("host;");
    BAD(";host");
    BAD("host;;x");
    BAD("host;HOST");
    BAD("ho st");
    BAD("host:x");
#undef BAD

    /* A name at the longest, and one over. */
    assert_rc(tg_hw_signed_headers_parse(
                  tg_test_repeat(buf, sizeof(buf), "a", TG_HW_HEADER_NAME_MAX),
                  names, &n),
              TG_OK);
    assert_rc(
        tg_hw_signed_headers_parse(
            tg_test_repeat(buf, sizeof(buf), "a", TG_HW_HEADER_NAME_MAX + 1),
            names, &n),
        TG_EINVALID);

    /* The most names, and one more. */
    for (i = 0; i < TG_HW_HEADERS_MAX; i++) {
        assert_rc(tg_buf_printf(&list, "%sh%zu", i > 0 ? ";" : "", i), TG_OK);
    }
    assert_rc(tg_hw_signed_headers_parse(tg_buf_str(&list), names, &n), TG_OK);
    assert_int_equal(n, TG_HW_HEADERS_MAX);
    assert_rc(tg_buf_append_c(&list, ";extra"), TG_OK);
    assert_rc(tg_hw_signed_headers_parse(tg_buf_str(&list), names, &n),
              TG_EINVALID);

    tg_buf_free(&list);
}


static void
test_date_parse(void **state)
{
    int64_t ms = 0;

    (void) state;

    assert_rc(tg_hw_date_parse(TG_STR(VPC_DATE), &ms), TG_OK);
    assert_i64_equal(ms, 1573789015000LL);
    assert_rc(tg_hw_date_parse(TG_STR("19700101T000000Z"), &ms), TG_OK);
    assert_i64_equal(ms, 0);

#define BAD(text) assert_rc(tg_hw_date_parse(TG_STR(text), &ms), TG_EINVALID)
    BAD("");
    BAD("20191115T033655");
    BAD("20191115T033655z");
    BAD("20191115t033655Z");
    BAD("20191115T033655ZZ");
    BAD("2019-11-15T03:36:55Z");
    BAD("20191315T033655Z");
    BAD("20191132T033655Z");
    BAD("20191115T253655Z");
    BAD("20191115T036055Z");
    BAD("2019111 T033655Z");
    BAD("+0191115T033655Z");
#undef BAD
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vpc_vector),
        cmocka_unit_test(test_post_vector),
        cmocka_unit_test(test_canonical_edges),
        cmocka_unit_test(test_verify_rejects),
        cmocka_unit_test(test_auth_parse),
        cmocka_unit_test(test_signed_headers_parse),
        cmocka_unit_test(test_date_parse),
    };

    return cmocka_run_group_tests_name("huawei_sign", tests, NULL, NULL);
}
