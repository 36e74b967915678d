/*
 * Tests of lib/acs_sign.c: Alibaba's percent-encoding, and the v1 and V3
 * signatures against the vectors in reference/alibaba.md section 3 (the
 * ECS DescribeRegions example, a CloudAPI CreateApp with every kind of
 * character, and the V3 CreateApp request), then the verifiers'
 * rejections and the Authorization header parser.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/acs_sign.h"

#include "unit.h"


#define P(n, v)              \
    {                        \
        TG_STR(n), TG_STR(v) \
    }

static const tg_acs_param_t ecs_params[] = {
    P("AccessKeyId", "testid"),
    P("Action", "DescribeRegions"),
    P("Format", "XML"),
    P("SignatureMethod", "HMAC-SHA1"),
    P("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
    P("SignatureVersion", "1.0"),
    P("Timestamp", "2016-02-23T12:46:24Z"),
    P("Version", "2014-05-26"),
};

#define ECS_STS                                                               \
    "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%" \
    "26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-"    \
    "a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-"       \
    "23T12%253A46%253A24Z%26Version%3D2014-05-26"


static tg_str_t
encode(tg_buf_t *b, const char *in)
{
    tg_buf_reset(b);
    assert_rc(tg_percent_encode(b, tg_str_c(in)), TG_OK);
    return tg_buf_str(b);
}


static void
test_percent_encode(void **state)
{
    tg_buf_t b = TG_BUF_INIT;

    (void) state;

    assert_str_equal(encode(&b, "AZaz09-_.~"), "AZaz09-_.~");
    assert_str_equal(encode(&b, " "), "%20");
    assert_str_equal(encode(&b, "*"), "%2A");
    assert_str_equal(encode(&b, "+/="), "%2B%2F%3D");
    assert_str_equal(encode(&b, "!'()"), "%21%27%28%29");
    assert_str_equal(encode(&b, "\xe4\xb8\xad"), "%E4%B8%AD");
    assert_str_equal(encode(&b, "a%b"), "a%25b");
    assert_str_equal(encode(&b, ""), "");
    tg_buf_free(&b);
}


/* The published ECS example: string to sign and signature. */
static void
test_v1_ecs_vector(void **state)
{
    char     sig[TG_ACS_V1_SIGNATURE_LEN + 1];
    tg_buf_t sts = TG_BUF_INIT;

    (void) state;

    assert_rc(tg_acs_v1_string_to_sign(TG_STR("GET"), ecs_params, 8, &sts),
              TG_OK);
    assert_str_equal(tg_buf_str(&sts), ECS_STS);

    assert_rc(tg_acs_v1_sign(TG_STR("testsecret"), tg_buf_str(&sts), sig),
              TG_OK);
    assert_string_equal(sig, "OLeaidS1JvxuMvnyHOwuJ+uX5qY=");
    assert_rc(tg_acs_v1_verify(TG_STR("testsecret"), tg_buf_str(&sts),
                               TG_STR("OLeaidS1JvxuMvnyHOwuJ+uX5qY=")),
              TG_OK);
    tg_buf_free(&sts);
}


/* The parameter spelled "TimeStamp", as the old docs print it. */
static void
test_v1_ecs_timestamp_spelling(void **state)
{
    tg_acs_param_t params[8];
    char           sig[TG_ACS_V1_SIGNATURE_LEN + 1];
    tg_buf_t       sts = TG_BUF_INIT;

    (void) state;

    memcpy(params, ecs_params, sizeof(params));
    params[6].name = TG_STR("TimeStamp");

    assert_rc(tg_acs_v1_string_to_sign(TG_STR("GET"), params, 8, &sts), TG_OK);
    assert_rc(tg_acs_v1_sign(TG_STR("testsecret"), tg_buf_str(&sts), sig),
              TG_OK);
    assert_string_equal(sig, "CT9X0VtwR86fNWSnsc6v8YGOjuE=");
    tg_buf_free(&sts);
}


/* CloudAPI CreateApp by POST, with reserved and non-ASCII characters,
 * parameters out of order, and a Signature that must be left out. */
static void
test_v1_create_app_vector(void **state)
{
    static const tg_acs_param_t params[] = {
        P("Signature", "ignored"),
        P("Version", "2016-07-14"),
        P("Action", "CreateApp"),
        P("Format", "JSON"),
        P("AccessKeyId", "testid"),
        P("SignatureMethod", "HMAC-SHA1"),
        P("SignatureVersion", "1.0"),
        P("SignatureNonce", "c4b0c5a5-6f6e-4c5e-9c3a-1f2e3d4c5b6a"),
        P("Timestamp", "2024-01-01T00:00:00Z"),
        P("RegionId", "cn-hangzhou"),
        P("AppName", "CreateAppTest"),
        P("Description", "test app ~*()!' \xe4\xb8\xad\xe6\x96\x87"),
    };
    char     sig[TG_ACS_V1_SIGNATURE_LEN + 1];
    tg_buf_t sts = TG_BUF_INIT, canon = TG_BUF_INIT;

    (void) state;

    assert_rc(tg_acs_v1_string_to_sign(TG_STR("POST"), params, 12, &sts),
              TG_OK);

    /* The canonical query, encoded once more, follows "POST&%2F&". */
    assert_rc(
        tg_percent_encode(
            &canon, TG_STR("AccessKeyId=testid&Action=CreateApp&AppName="
                           "CreateAppTest&Description=test%20app%20~%2A%28%29%"
                           "21%27%20%E4%B8%AD%E6%96%87&Format=JSON&RegionId=cn-"
                           "hangzhou&SignatureMethod=HMAC-SHA1&SignatureNonce="
                           "c4b0c5a5-6f6e-4c5e-9c3a-1f2e3d4c5b6a&"
                           "SignatureVersion=1.0&Timestamp=2024-01-01T00%"
                           "3A00%3A00Z&Version=2016-07-14")),
        TG_OK);
    assert_int_equal(sts.len, 9 + canon.len);
    assert_memory_equal(sts.ptr, "POST&%2F&", 9);
    assert_memory_equal(sts.ptr + 9, canon.ptr, canon.len);

    assert_rc(tg_acs_v1_sign(TG_STR("testsecret"), tg_buf_str(&sts), sig),
              TG_OK);
    assert_string_equal(sig, "RiAJWmkSwBqZxuTjoU7sAokbHUw=");
    tg_buf_free(&sts);
    tg_buf_free(&canon);
}


static void
test_v1_verify_rejects(void **state)
{
    tg_str_t sts = TG_STR(ECS_STS);

    (void) state;

    /* One character off, another secret, truncated, empty, longer. */
    assert_rc(tg_acs_v1_verify(TG_STR("testsecret"), sts,
                               TG_STR("OLeaidS1JvxuMvnyHOwuJ+uX5qZ=")),
              TG_EUNAUTHENTICATED);
    assert_rc(tg_acs_v1_verify(TG_STR("testsecreT"), sts,
                               TG_STR("OLeaidS1JvxuMvnyHOwuJ+uX5qY=")),
              TG_EUNAUTHENTICATED);
    assert_rc(tg_acs_v1_verify(TG_STR("testsecret"), sts,
                               TG_STR("OLeaidS1JvxuMvnyHOwuJ+uX5qY")),
              TG_EUNAUTHENTICATED);
    assert_rc(tg_acs_v1_verify(TG_STR("testsecret"), sts, TG_STR("")),
              TG_EUNAUTHENTICATED);
    assert_rc(tg_acs_v1_verify(TG_STR("testsecret"), sts,
                               TG_STR("OLeaidS1JvxuMvnyHOwuJ+uX5qY==")),
              TG_EUNAUTHENTICATED);
    /* The secret is the key with "&" appended, not the key itself. */
    assert_rc(tg_acs_v1_verify(TG_STR("testsecret&"), sts,
                               TG_STR("OLeaidS1JvxuMvnyHOwuJ+uX5qY=")),
              TG_EUNAUTHENTICATED);
}


/* Sorting is by encoded name, so "A.B" (A.B) sorts before "A_B"
 * (A_B) and after "A-B" ('-' < '.' < '_'); equal names sort by value. */
static void
test_v1_sort_order(void **state)
{
    static const tg_acs_param_t params[] = {
        P("A_B", "3"), P("A.B", "2"), P("A-B", "1"), P("a", "z"), P("a", "y"),
    };
    tg_buf_t sts = TG_BUF_INIT;

    (void) state;

    assert_rc(tg_acs_v1_string_to_sign(TG_STR("GET"), params, 5, &sts), TG_OK);
    assert_str_equal(tg_buf_str(&sts), "GET&%2F&A-B%3D1%26A.B%3D2%26A_B%3D3%"
                                       "26a%3Dy%26a%3Dz");
    tg_buf_free(&sts);
}


static const tg_acs_param_t v3_headers[] = {
    P("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
    P("host", "apigateway.cn-hangzhou.aliyuncs.com"),
    P("X-Acs-Action", "CreateApp"),
    P("x-acs-version", " 2016-07-14 "),
    P("x-acs-date", "2024-01-01T00:00:00Z"),
    P("x-acs-content-sha256",
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
};

static const tg_acs_param_t v3_query[] = {
    P("RegionId", "cn-hangzhou"),
    P("AppName", "CreateAppTest"),
};


static void
v3_request(tg_acs_v3_request_t *req)
{
    memset(req, 0, sizeof(*req));
    req->method = TG_STR("POST");
    req->path = TG_STR("/");
    req->query = v3_query;
    req->nquery = 2;
    req->headers = v3_headers;
    req->nheaders = 6;
    req->payload_hash = v3_headers[5].value;
}


/* The V3 vector: canonical request hash and signature; header names in
 * any case and values with spaces around them canonicalize alike. */
static void
test_v3_vector(void **state)
{
    tg_acs_v3_request_t req;
    tg_buf_t            canon = TG_BUF_INIT, sts = TG_BUF_INIT;
    char                sig[TG_ACS_V3_SIGNATURE_LEN + 1];

    (void) state;

    v3_request(&req);
    assert_rc(tg_acs_v3_canonical_request(&req, &canon), TG_OK);
    assert_str_equal(
        tg_buf_str(&canon),
        "POST\n/\nAppName=CreateAppTest&RegionId=cn-hangzhou\n"
        "host:apigateway.cn-hangzhou.aliyuncs.com\n"
        "x-acs-action:CreateApp\n"
        "x-acs-content-sha256:"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
        "x-acs-date:2024-01-01T00:00:00Z\n"
        "x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d\n"
        "x-acs-version:2016-07-14\n\n"
        "host;x-acs-action;x-acs-content-sha256;x-acs-date;"
        "x-acs-signature-nonce;x-acs-version\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

    assert_rc(tg_acs_v3_string_to_sign(tg_buf_str(&canon), &sts), TG_OK);
    assert_str_equal(tg_buf_str(&sts), "ACS3-HMAC-SHA256\n"
                                       "7657b6101c1d62102655035a6c28d98ab744bf"
                                       "a38d9de0afb7a5ea41ccf0c608");

    assert_rc(
        tg_acs_v3_sign(TG_STR("YourAccessKeySecret"), tg_buf_str(&sts), sig),
        TG_OK);
    assert_string_equal(sig, "493216f46f37890c8726d4d1af8e7d2bf6788f1fb234427"
                             "6fa16975b40f82d36");

    assert_rc(tg_acs_v3_verify(TG_STR("YourAccessKeySecret"), tg_buf_str(&sts),
                               TG_STR("493216F46F37890C8726D4D1AF8E7D2BF6788F1F"
                                      "B2344276FA16975B40F82D36")),
              TG_OK);
    tg_buf_free(&canon);
    tg_buf_free(&sts);
}


static void
test_v3_verify_rejects(void **state)
{
    tg_str_t sts = TG_STR("ACS3-HMAC-SHA256\n7657b6101c1d62102655035a6c28d98a"
                          "b744bfa38d9de0afb7a5ea41ccf0c608");

    (void) state;

    assert_rc(tg_acs_v3_verify(TG_STR("YourAccessKeySecret"), sts,
                               TG_STR("493216f46f37890c8726d4d1af8e7d2bf6788f"
                                      "1fb2344276fa16975b40f82d37")),
              TG_EUNAUTHENTICATED);
    assert_rc(tg_acs_v3_verify(TG_STR("YourAccessKeySecret"), sts,
                               TG_STR("493216f46f37890c8726d4d1af8e7d2bf6788f"
                                      "1fb2344276fa16975b40f82d3")),
              TG_EUNAUTHENTICATED);
    assert_rc(tg_acs_v3_verify(TG_STR("YourAccessKeySecret"), sts,
                               TG_STR("493216f46f37890c8726d4d1af8e7d2bf6788f"
                                      "1fb2344276fa16975b40f82d366")),
              TG_EUNAUTHENTICATED);
    assert_rc(tg_acs_v3_verify(TG_STR("YourAccessKeySecret&"), sts,
                               TG_STR("493216f46f37890c8726d4d1af8e7d2bf6788f"
                                      "1fb2344276fa16975b40f82d36")),
              TG_EUNAUTHENTICATED);
    assert_rc(tg_acs_v3_verify(TG_STR("YourAccessKeySecret"), sts, TG_STR("")),
              TG_EUNAUTHENTICATED);
}


/* Empty values, an empty query, and a path with reserved bytes. */
static void
test_v3_canonical_edges(void **state)
{
    static const tg_acs_param_t query[] = { P("b", ""), P("a b", "c*d") };
    tg_acs_v3_request_t         req;
    tg_buf_t                    canon = TG_BUF_INIT;

    (void) state;

    memset(&req, 0, sizeof(req));
    req.method = TG_STR("GET");
    req.path = TG_STR("/a b/c");
    req.query = query;
    req.nquery = 2;
    req.payload_hash = TG_STR("h");
    assert_rc(tg_acs_v3_canonical_request(&req, &canon), TG_OK);
    assert_str_equal(tg_buf_str(&canon),
                     "GET\n/a%20b/c\na%20b=c%2Ad&b=\n\n\nh");

    tg_buf_reset(&canon);
    req.path = TG_STR_NULL;
    req.nquery = 0;
    assert_rc(tg_acs_v3_canonical_request(&req, &canon), TG_OK);
    assert_str_equal(tg_buf_str(&canon), "GET\n/\n\n\n\nh");
    tg_buf_free(&canon);
}


static void
test_v3_auth_parse(void **state)
{
    const tg_str_t bad[] = {
        TG_STR("ACS3-HMAC-SM3 Credential=A,SignedHeaders=h,"
               "Signature=s"),
        TG_STR("ACS3-HMAC-SHA256 Credential=A,"
               "SignedHeaders=h"),
        TG_STR("ACS3-HMAC-SHA256 Credential=,"
               "SignedHeaders=h,Signature=s"),
        TG_STR("ACS3-HMAC-SHA256 Credential=A,"
               "Credential=B,SignedHeaders=h,"
               "Signature=s"),
        TG_STR("ACS3-HMAC-SHA256 Credential=A,"
               "SignedHeaders=h,Signature=s,X=y"),
        TG_STR("Basic abc"),
        TG_STR(""),
    };
    tg_acs_v3_auth_t a;
    size_t           i;

    (void) state;

    assert_rc(tg_acs_v3_auth_parse(
                  TG_STR("ACS3-HMAC-SHA256 Credential=AKID,SignedHeaders=host;"
                         "x-acs-date,Signature=abc"),
                  &a),
              TG_OK);
    assert_str_equal(a.credential, "AKID");
    assert_str_equal(a.signed_headers, "host;x-acs-date");
    assert_str_equal(a.signature, "abc");

    /* Spaces after commas, parts in another order. */
    assert_rc(tg_acs_v3_auth_parse(
                  TG_STR("ACS3-HMAC-SHA256 Signature=abc, Credential=AKID, "
                         "SignedHeaders=host"),
                  &a),
              TG_OK);
    assert_str_equal(a.credential, "AKID");
    assert_str_equal(a.signed_headers, "host");

    /* Other algorithms, missing, empty, repeated or unknown parts. */
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_rc(tg_acs_v3_auth_parse(bad[i], &a), TG_EINVALID);
    }
}


static void
test_v3_signed_headers_parse(void **state)
{
    const tg_str_t bad[] = {
        TG_STR(""),
        TG_STR(";"),
        TG_STR("host;"),
        TG_STR("host;;x"),
        TG_STR("host; x-acs-date"),
        TG_STR("ho:st"),
        (tg_str_t){ "h\0st", 4 },
    };
    char   names[TG_ACS_V3_HEADERS_MAX][TG_ACS_V3_HEADER_NAME_MAX + 1];
    char   list[4096], name[80];
    size_t n, i;

    (void) state;

    assert_rc(tg_acs_v3_signed_headers_parse(
                  TG_STR("host;X-Acs-Date;x-acs-signature-nonce"), names, &n),
              TG_OK);
    assert_int_equal(n, 3);
    assert_string_equal(names[0], "host");
    assert_string_equal(names[1], "x-acs-date");
    assert_string_equal(names[2], "x-acs-signature-nonce");

    assert_rc(tg_acs_v3_signed_headers_parse(TG_STR("host"), names, &n), TG_OK);
    assert_int_equal(n, 1);

    /* Empty lists and names, and what is not a header name. */
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_rc(tg_acs_v3_signed_headers_parse(bad[i], names, &n),
                  TG_EINVALID);
    }

    /* The longest name fits; one more character does not. */
    memset(name, 'a', TG_ACS_V3_HEADER_NAME_MAX + 1);
    assert_rc(tg_acs_v3_signed_headers_parse(
                  (tg_str_t){ name, TG_ACS_V3_HEADER_NAME_MAX }, names, &n),
              TG_OK);
    assert_int_equal(strlen(names[0]), TG_ACS_V3_HEADER_NAME_MAX);
    assert_rc(tg_acs_v3_signed_headers_parse(
                  (tg_str_t){ name, TG_ACS_V3_HEADER_NAME_MAX + 1 }, names, &n),
              TG_EINVALID);

    /* As many names as fit, then one more. */
    list[0] = '\0';
    for (i = 0; i < TG_ACS_V3_HEADERS_MAX; i++) {
        snprintf(name, sizeof(name), "%sh%zu", i > 0 ? ";" : "", i);
        strcat(list, name);
    }
    assert_rc(tg_acs_v3_signed_headers_parse(tg_str_c(list), names, &n), TG_OK);
    assert_int_equal(n, TG_ACS_V3_HEADERS_MAX);
    assert_string_equal(names[TG_ACS_V3_HEADERS_MAX - 1], "h31");
    strcat(list, ";extra");
    assert_rc(tg_acs_v3_signed_headers_parse(tg_str_c(list), names, &n),
              TG_EINVALID);
}


static int
sent_action(void *data, const char *name)
{
    (void) data;
    return strcmp(name, "x-acs-action") == 0;
}


static void
test_v3_unsigned_header(void **state)
{
    tg_acs_param_t h[3] = {
        { TG_STR("x-acs-date"), TG_STR("") },
        { TG_STR("x-acs-signature-nonce"), TG_STR("") },
        { TG_STR("x-acs-action"), TG_STR("") },
    };

    (void) state;

    assert_null(tg_acs_v3_unsigned_header(h, 3, sent_action, NULL));
    /* The action is sent but not signed. */
    assert_string_equal(tg_acs_v3_unsigned_header(h, 2, sent_action, NULL),
                        "x-acs-action");
    /* The date and nonce are always required. */
    assert_string_equal(tg_acs_v3_unsigned_header(h + 1, 2, sent_action, NULL),
                        "x-acs-date");
    assert_string_equal(tg_acs_v3_unsigned_header(h, 1, sent_action, NULL),
                        "x-acs-signature-nonce");
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_percent_encode),
        cmocka_unit_test(test_v1_ecs_vector),
        cmocka_unit_test(test_v1_ecs_timestamp_spelling),
        cmocka_unit_test(test_v1_create_app_vector),
        cmocka_unit_test(test_v1_verify_rejects),
        cmocka_unit_test(test_v1_sort_order),
        cmocka_unit_test(test_v3_vector),
        cmocka_unit_test(test_v3_verify_rejects),
        cmocka_unit_test(test_v3_canonical_edges),
        cmocka_unit_test(test_v3_auth_parse),
        cmocka_unit_test(test_v3_signed_headers_parse),
        cmocka_unit_test(test_v3_unsigned_header),
    };

    return cmocka_run_group_tests_name("acs_sign", tests, NULL, NULL);
}
