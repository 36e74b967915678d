/*
 * Tests of lib/authing_sign.c: the vector of the reference's Part C.2
 * (which authing-node-sdk 4.0.1's own buildStringToSign reproduces),
 * vectors computed with the SDK's code for a GET with paging, the bare
 * "?", JavaScript's UTF-16 sort order and the GenAuth variant, then the
 * header parser, the verifier's refusals and the date parser's edges.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/authing_sign.h"
#include "tollgate/error.h"

#include "unit.h"


#define I(n, v)              \
    {                        \
        TG_STR(n), TG_STR(v) \
    }

/* The SDK's headers, in the order it sets them, with some it does not
 * sign. */
static const tg_authing_item_t sdk_headers[] = {
    I("accept", "application/json"),
    I("content-type", "application/json"),
    I("x-authing-signature-nonce", "0123456789abcdef0123456789abcdef"),
    I("x-authing-signature-method", "HMAC-SHA1"),
    I("x-authing-signature-version", "1.0"),
    I("user-agent", "AuthingIdentityCloud (linux; x64)"),
    I("x-authing-sdk-version", "authing-node-sdk:4.0.1"),
    I("x-authing-lang", "zh-CN"),
    I("date", "Mon, 23 Nov 2026 04:00:00 GMT"),
};

#define NHEADERS (sizeof(sdk_headers) / sizeof(sdk_headers[0]))

#define SDK_HEADERS_STS                                            \
    "date:Mon, 23 Nov 2026 04:00:00 GMT\n"                         \
    "x-authing-lang:zh-CN\n"                                       \
    "x-authing-sdk-version:authing-node-sdk:4.0.1\n"               \
    "x-authing-signature-method:HMAC-SHA1\n"                       \
    "x-authing-signature-nonce:0123456789abcdef0123456789abcdef\n" \
    "x-authing-signature-version:1.0\n"

static const tg_authing_item_t refresh_params[] = {
    I("appId", "6229ffa1234567890cade3e3d9"),
};

#define SECRET TG_STR("test-secret")


static void
sign_request(const tg_authing_request_t *req, const char *want_sts,
             const char *want_sig)
{
    char     sig[TG_AUTHING_SIGNATURE_LEN + 1];
    tg_buf_t sts = TG_BUF_INIT;

    assert_rc(tg_authing_string_to_sign(req, &sts), TG_OK);
    assert_string_equal(sts.ptr, want_sts);
    assert_rc(tg_authing_sign(SECRET, tg_buf_str(&sts), sig), TG_OK);
    assert_string_equal(sig, want_sig);
    assert_rc(tg_authing_verify(SECRET, tg_buf_str(&sts), tg_str_c(want_sig)),
              TG_OK);
    tg_buf_free(&sts);
}


static void
test_reference_vector(void **state)
{
    tg_authing_request_t req = {
        .method = TG_STR("POST"),
        .headers = sdk_headers,
        .nheaders = NHEADERS,
        .path = TG_STR("/api/v3/refresh-application-secret"),
        .params = refresh_params,
        .nparams = 1,
    };

    (void) state;
    sign_request(&req,
                 "POST\n" SDK_HEADERS_STS "/api/v3/refresh-application-secret"
                 "?appId=6229ffa1234567890cade3e3d9",
                 "vhFke4eSQqWLBaTy7SgtRbCs2VA=");
}


static void
test_get_with_paging(void **state)
{
    /* listApplications() with its defaults: keywords and all are
     * undefined, so neither is sent nor signed. */
    static const tg_authing_item_t params[] = {
        I("page", "1"),
        I("limit", "10"),
        I("ssoEnabled", "false"),
        I("isSelfBuiltApp", "false"),
        I("isIntegrateApp", "false"),
    };
    tg_authing_request_t req = {
        .method = TG_STR("GET"),
        .headers = sdk_headers,
        .nheaders = NHEADERS,
        .path = TG_STR("/api/v3/list-applications"),
        .params = params,
        .nparams = 5,
    };

    (void) state;
    sign_request(&req,
                 "GET\n" SDK_HEADERS_STS
                 "/api/v3/list-applications?isIntegrateApp=false&"
                 "isSelfBuiltApp=false&limit=10&page=1&ssoEnabled=false",
                 "n8OvUQ6C0F30ut8oerKI92lodEg=");
}


static void
test_bare_query(void **state)
{
    tg_authing_request_t req = {
        .method = TG_STR("GET"),
        .headers = sdk_headers,
        .nheaders = NHEADERS,
        .path = TG_STR("/api/v3/get-application"),
        .bare_query = 1,
    };

    (void) state;
    sign_request(&req, "GET\n" SDK_HEADERS_STS "/api/v3/get-application?",
                 "TBJKA6Rv/kG7qSWdbhVOnx12xvI=");
}


static void
test_utf16_order(void **state)
{
    /* U+1F600 is a surrogate pair (0xD83D...), so JavaScript sorts it
     * before U+FFFF, unlike UTF-8's byte order.  JSON values come as
     * the SDK's JSON.stringify() writes them. */
    static const tg_authing_item_t params[] = {
        I("\xef\xbf\xbf", "a"),
        I("\xf0\x9f\x98\x80", "b"),
        I("Z", "c"),
        I("a", "{\"k\":[1,\"x\"]}"),
        I("n", "null"),
        I("t", "true"),
    };
    tg_authing_request_t req = {
        .method = TG_STR("POST"),
        .headers = sdk_headers,
        .nheaders = NHEADERS,
        .path = TG_STR("/x"),
        .params = params,
        .nparams = 6,
    };

    (void) state;
    sign_request(&req,
                 "POST\n" SDK_HEADERS_STS
                 "/x?Z=c&a={\"k\":[1,\"x\"]}&n=null&t=true&"
                 "\xf0\x9f\x98\x80=b&\xef\xbf\xbf=a",
                 "3UQL5iUSoBhIpz+Oo6Je4cbOz2w=");

    assert_true(
        tg_authing_compare(TG_STR("\xf0\x9f\x98\x80"), TG_STR("\xef\xbf\xbf"))
        < 0);
    assert_true(tg_authing_compare(TG_STR("ab"), TG_STR("a")) > 0);
    assert_true(tg_authing_compare(TG_STR(""), TG_STR("a")) < 0);
    assert_int_equal(tg_authing_compare(TG_STR("\xff"), TG_STR("\xff")), 0);
}


static void
test_genauth_vector(void **state)
{
    /* x-authing-* headers are not GenAuth's: they are not signed. */
    static const tg_authing_item_t headers[] = {
        I("X-GenAuth-Signature-Nonce", "0123456789abcdef0123456789abcdef"),
        I("x-genauth-signature-method", "HMAC-SHA1"),
        I("x-genauth-signature-version", "1.0"),
        I("x-genauth-sdk-version", "genauth-node-sdk:4.0.1"),
        I("x-genauth-lang", "en-US"),
        I("x-authing-lang", "zh-CN"),
        I("Date", "Mon, 23 Nov 2026 04:00:00 GMT"),
    };
    tg_authing_request_t req = {
        .method = TG_STR("POST"),
        .variant = TG_AUTHING_VARIANT_GENAUTH,
        .headers = headers,
        .nheaders = 7,
        .path = TG_STR("/api/v3/refresh-application-secret"),
        .params = refresh_params,
        .nparams = 1,
    };

    (void) state;
    sign_request(&req,
                 "POST\n"
                 "date:Mon, 23 Nov 2026 04:00:00 GMT\n"
                 "x-genauth-lang:en-US\n"
                 "x-genauth-sdk-version:genauth-node-sdk:4.0.1\n"
                 "x-genauth-signature-method:HMAC-SHA1\n"
                 "x-genauth-signature-nonce:0123456789abcdef0123456789abcdef\n"
                 "x-genauth-signature-version:1.0\n"
                 "/api/v3/refresh-application-secret"
                 "?appId=6229ffa1234567890cade3e3d9",
                 "Fmw6M+Ei6vuYdcAZ191uefBWKds=");
}


static void
test_header_values(void **state)
{
    static const tg_authing_item_t headers[] = {
        I("x-authing-a", " \tv\x0c w\r\n "),
        I("x-authing-", "not a prefix only"),
        I("dates", "no"),
    };
    tg_authing_request_t req = {
        .method = TG_STR("GET"),
        .headers = headers,
        .nheaders = 3,
        .path = TG_STR("/p"),
    };
    tg_buf_t sts = TG_BUF_INIT;

    (void) state;
    assert_rc(tg_authing_string_to_sign(&req, &sts), TG_OK);
    assert_string_equal(sts.ptr, "GET\nx-authing-a:v  w\n/p");
    tg_buf_free(&sts);
}


static void
test_refusals(void **state)
{
    static const tg_authing_item_t twice[] = {
        I("x-authing-signature-nonce", "a"),
        I("X-Authing-Signature-Nonce", "b"),
    };
    tg_authing_item_t    many[TG_AUTHING_ITEMS_MAX + 1];
    tg_authing_request_t req = {
        .method = TG_STR("GET"),
        .headers = twice,
        .nheaders = 2,
        .path = TG_STR("/p"),
    };
    tg_buf_t sts = TG_BUF_INIT;
    size_t   i;

    (void) state;
    assert_rc(tg_buf_append_c(&sts, "kept"), TG_OK);
    assert_rc(tg_authing_string_to_sign(&req, &sts), TG_EINVALID);
    assert_string_equal(sts.ptr, "kept");

    for (i = 0; i <= TG_AUTHING_ITEMS_MAX; i++) {
        many[i] = (tg_authing_item_t) I("x-authing-x", "v");
        many[i].name.len = 11; /* names repeat, but the count fails first */
    }
    req.headers = many;
    req.nheaders = TG_AUTHING_ITEMS_MAX + 1;
    assert_rc(tg_authing_string_to_sign(&req, &sts), TG_EINVALID);

    req.headers = NULL;
    req.nheaders = 0;
    req.params = many;
    req.nparams = TG_AUTHING_ITEMS_MAX + 1;
    assert_rc(tg_authing_string_to_sign(&req, &sts), TG_EINVALID);
    req.nparams = TG_AUTHING_ITEMS_MAX;
    assert_rc(tg_authing_string_to_sign(&req, &sts), TG_OK);
    tg_buf_free(&sts);

    /* A signature off by one character, truncated, or padded. */
    assert_rc(tg_authing_verify(SECRET, TG_STR("x"),
                                TG_STR("vhFke4eSQqWLBaTy7SgtRbCs2VA=")),
              TG_EUNAUTHENTICATED);
    assert_rc(tg_authing_verify(SECRET, TG_STR("x"), TG_STR("")),
              TG_EUNAUTHENTICATED);
}


static void
test_auth_parse(void **state)
{
    tg_authing_auth_t a;

    (void) state;
    assert_rc(tg_authing_auth_parse(TG_STR("authing AK1:c2ln="), &a), TG_OK);
    assert_int_equal(a.variant, TG_AUTHING_VARIANT_AUTHING);
    assert_true(tg_str_eq_c(a.key_id, "AK1"));
    assert_true(tg_str_eq_c(a.signature, "c2ln="));

    assert_rc(tg_authing_auth_parse(TG_STR("GenAuth AK2:c2ln="), &a), TG_OK);
    assert_int_equal(a.variant, TG_AUTHING_VARIANT_GENAUTH);
    assert_true(tg_str_eq_c(a.key_id, "AK2"));

    assert_rc(tg_authing_auth_parse(TG_STR("Authing AK:s"), &a), TG_EINVALID);
    assert_rc(tg_authing_auth_parse(TG_STR("genauth AK:s"), &a), TG_EINVALID);
    assert_rc(tg_authing_auth_parse(TG_STR("authing  AK:s"), &a), TG_EINVALID);
    assert_rc(tg_authing_auth_parse(TG_STR("authing :s"), &a), TG_EINVALID);
    assert_rc(tg_authing_auth_parse(TG_STR("authing :,:#"), &a), TG_EINVALID);
    assert_rc(tg_authing_auth_parse(TG_STR("authing AK:"), &a), TG_EINVALID);
    assert_rc(tg_authing_auth_parse(TG_STR("authing AK"), &a), TG_EINVALID);
    assert_rc(tg_authing_auth_parse(TG_STR("authing AK:s:t"), &a), TG_EINVALID);
    assert_rc(tg_authing_auth_parse(TG_STR("authing AK:s "), &a), TG_EINVALID);
    assert_rc(tg_authing_auth_parse((tg_str_t){ "authing A\0K:s", 13 }, &a),
              TG_EINVALID);
    assert_rc(tg_authing_auth_parse(TG_STR("authing "), &a), TG_EINVALID);
    assert_rc(tg_authing_auth_parse(TG_STR("Bearer x"), &a), TG_EINVALID);
}


static void
test_date_parse(void **state)
{
    int64_t ms = 0;

    (void) state;
    assert_rc(
        tg_authing_date_parse(TG_STR("Mon, 23 Nov 2026 04:00:00 GMT"), &ms),
        TG_OK);
    assert_int_equal(ms, INT64_C(1795406400000));
    assert_rc(
        tg_authing_date_parse(TG_STR("Thu, 01 Jan 1970 00:00:00 GMT"), &ms),
        TG_OK);
    assert_int_equal(ms, 0);
    assert_rc(
        tg_authing_date_parse(TG_STR("Thu, 29 Feb 2024 23:59:59 GMT"), &ms),
        TG_OK);

    assert_rc(
        tg_authing_date_parse(TG_STR("Thu, 29 Feb 2026 00:00:00 GMT"), &ms),
        TG_EINVALID);
    assert_rc(
        tg_authing_date_parse(TG_STR("Mon, 23 Nov 2026 24:00:00 GMT"), &ms),
        TG_EINVALID);
    assert_rc(
        tg_authing_date_parse(TG_STR("Mon, 23 Xyz 2026 04:00:00 GMT"), &ms),
        TG_EINVALID);
    assert_rc(
        tg_authing_date_parse(TG_STR("Abc, 23 Nov 2026 04:00:00 GMT"), &ms),
        TG_EINVALID);
    assert_rc(
        tg_authing_date_parse(TG_STR("Mon, 23 Nov 2026 04:00:00 UTC"), &ms),
        TG_EINVALID);
    assert_rc(
        tg_authing_date_parse(TG_STR("Mon, 3 Nov 2026 04:00:00 GMT"), &ms),
        TG_EINVALID);
    assert_rc(
        tg_authing_date_parse(TG_STR("Mon, 2a Nov 2026 04:00:00 GMT"), &ms),
        TG_EINVALID);
    assert_rc(tg_authing_date_parse(TG_STR("2026-11-23T04:00:00Z"), &ms),
              TG_EINVALID);
    assert_rc(tg_authing_date_parse(TG_STR(""), &ms), TG_EINVALID);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_vector),
        cmocka_unit_test(test_get_with_paging),
        cmocka_unit_test(test_bare_query),
        cmocka_unit_test(test_utf16_order),
        cmocka_unit_test(test_genauth_vector),
        cmocka_unit_test(test_header_values),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_auth_parse),
        cmocka_unit_test(test_date_parse),
    };

    return cmocka_run_group_tests_name("authing_sign", tests, NULL, NULL);
}
