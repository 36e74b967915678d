/*
 * Tests of lib/tc3_sign.c: Tencent's TC3-HMAC-SHA256 against the
 * published CVM DescribeInstances vector (reference/huawei_tencent_
 * authing.md B.4: payload hash, canonical request hash, signature), the
 * date of a timestamp, the Authorization parser and the verifier's
 * rejections.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/crypto.h"
#include "tollgate/tc3_sign.h"

#include "unit.h"


#define CVM_SECRET "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
#define CVM_PAYLOAD                                               \
    "{\"Limit\": 1, \"Filters\": [{\"Values\": [\"\\u672a\\u547d" \
    "\\u540d\"], \"Name\": \"instance-name\"}]}"
#define CVM_CR                                                  \
    "POST\n/\n\ncontent-type:application/json; charset=utf-8\n" \
    "host:cvm.tencentcloudapi.com\n\ncontent-type;host\n"       \
    "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
#define CVM_STS                                                 \
    "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n" \
    "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
#define CVM_SIGNATURE \
    "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"


static const tg_tc3_header_t cvm_headers[] = {
    { TG_STR("host"), TG_STR("cvm.tencentcloudapi.com") },
    { TG_STR("content-type"), TG_STR("application/json; charset=utf-8") },
};


static void
cvm_request(tg_tc3_request_t *req)
{
    memset(req, 0, sizeof(*req));
    req->method = TG_STR("POST");
    req->path = TG_STR("/");
    req->query = TG_STR("");
    req->headers = cvm_headers;
    req->nheaders = 2;
    req->payload = TG_STR(CVM_PAYLOAD);
}


/* The published vector, step by step. */
static void
test_cvm_vector(void **state)
{
    tg_tc3_request_t req;
    tg_buf_t         cr = TG_BUF_INIT, sts = TG_BUF_INIT;
    char             sig[TG_TC3_SIGNATURE_LEN + 1];
    char             date[TG_TC3_DATE_LEN + 1];

    (void) state;

    cvm_request(&req);
    assert_rc(tg_tc3_canonical_request(&req, 0, &cr), TG_OK);
    assert_str_equal(tg_buf_str(&cr), CVM_CR);

    assert_rc(tg_tc3_date(1551113065, date), TG_OK);
    assert_string_equal(date, "2019-02-25");

    assert_rc(tg_tc3_string_to_sign(TG_STR("1551113065"), tg_str_c(date),
                                    TG_STR("cvm"), tg_buf_str(&cr), &sts),
              TG_OK);
    assert_str_equal(tg_buf_str(&sts), CVM_STS);

    assert_rc(tg_tc3_sign(TG_STR(CVM_SECRET), TG_STR("2019-02-25"),
                          TG_STR("cvm"), tg_buf_str(&sts), sig),
              TG_OK);
    assert_string_equal(sig, CVM_SIGNATURE);

    assert_rc(tg_tc3_verify(TG_STR(CVM_SECRET), TG_STR("2019-02-25"),
                            TG_STR("cvm"), tg_buf_str(&sts),
                            TG_STR(CVM_SIGNATURE)),
              TG_OK);

    tg_buf_free(&cr);
    tg_buf_free(&sts);
}


/* The documentation's variant lowercases header values. */
static void
test_lower_values(void **state)
{
    tg_tc3_header_t headers[] = {
        { TG_STR("x-tc-action"), TG_STR(" DescribeInstances ") },
        { TG_STR("Host"), TG_STR("cvm.tencentcloudapi.com") },
    };
    tg_tc3_request_t req;
    tg_buf_t         cr = TG_BUF_INIT;

    (void) state;

    memset(&req, 0, sizeof(req));
    req.method = TG_STR("GET");
    req.path = TG_STR("/");
    req.query = TG_STR("Limit=10&Offset=0");
    req.headers = headers;
    req.nheaders = 2;
    req.payload = TG_STR("");

    assert_rc(tg_tc3_canonical_request(&req, 1, &cr), TG_OK);
    assert_str_equal(tg_buf_str(&cr),
                     "GET\n/\nLimit=10&Offset=0\nhost:cvm.tencentcloudapi.com\n"
                     "x-tc-action:describeinstances\n\nhost;x-tc-action\n"
                     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b"
                     "7852b855");

    tg_buf_reset(&cr);
    assert_rc(tg_tc3_canonical_request(&req, 0, &cr), TG_OK);
    assert_non_null(strstr(cr.ptr, "x-tc-action:DescribeInstances\n"));
    tg_buf_free(&cr);
}


static void
test_verify_rejects(void **state)
{
    tg_str_t sts = TG_STR(CVM_STS);
    char     upper[] = CVM_SIGNATURE;
    size_t   i;

    (void) state;

    for (i = 0; upper[i] != '\0'; i++) {
        upper[i] = (char) (upper[i] >= 'a' ? upper[i] - 32 : upper[i]);
    }

    /* Hex in any case is the same signature. */
    assert_rc(tg_tc3_verify(TG_STR(CVM_SECRET), TG_STR("2019-02-25"),
                            TG_STR("cvm"), sts, tg_str_c(upper)),
              TG_OK);

    /* Another secret, date, service, text or length. */
    assert_rc(tg_tc3_verify(TG_STR("Gu5t9xGARNpq86cd98joQYCN3EXAMPLF"),
                            TG_STR("2019-02-25"), TG_STR("cvm"), sts,
                            TG_STR(CVM_SIGNATURE)),
              TG_EUNAUTHENTICATED);
    assert_rc(tg_tc3_verify(TG_STR(CVM_SECRET), TG_STR("2019-02-26"),
                            TG_STR("cvm"), sts, TG_STR(CVM_SIGNATURE)),
              TG_EUNAUTHENTICATED);
    assert_rc(tg_tc3_verify(TG_STR(CVM_SECRET), TG_STR("2019-02-25"),
                            TG_STR("apigateway"), sts, TG_STR(CVM_SIGNATURE)),
              TG_EUNAUTHENTICATED);
    assert_rc(tg_tc3_verify(TG_STR(CVM_SECRET), TG_STR("2019-02-25"),
                            TG_STR("cvm"), TG_STR(CVM_STS "\n"),
                            TG_STR(CVM_SIGNATURE)),
              TG_EUNAUTHENTICATED);
    assert_rc(tg_tc3_verify(TG_STR(CVM_SECRET), TG_STR("2019-02-25"),
                            TG_STR("cvm"), sts, TG_STR(CVM_SIGNATURE "0")),
              TG_EUNAUTHENTICATED);
    assert_rc(tg_tc3_verify(TG_STR(CVM_SECRET), TG_STR("2019-02-25"),
                            TG_STR("cvm"), sts, TG_STR("")),
              TG_EUNAUTHENTICATED);

    /* An empty secret still signs (and does not match). */
    assert_rc(tg_tc3_verify(TG_STR(""), TG_STR("2019-02-25"), TG_STR("cvm"),
                            sts, TG_STR(CVM_SIGNATURE)),
              TG_EUNAUTHENTICATED);
}


static void
test_date(void **state)
{
    char date[TG_TC3_DATE_LEN + 1];

    (void) state;

    assert_rc(tg_tc3_date(0, date), TG_OK);
    assert_string_equal(date, "1970-01-01");
    assert_rc(tg_tc3_date(951782400, date), TG_OK); /* leap day 2000 */
    assert_string_equal(date, "2000-02-29");
    assert_rc(tg_tc3_date(1551139199, date), TG_OK);
    assert_string_equal(date, "2019-02-25");
    assert_rc(tg_tc3_date(1551139200, date), TG_OK);
    assert_string_equal(date, "2019-02-26");
    assert_rc(tg_tc3_date(INT64_C(253402300799), date), TG_OK);
    assert_string_equal(date, "9999-12-31");
    assert_rc(tg_tc3_date(INT64_C(253402300800), date), TG_EINVALID);
    assert_rc(tg_tc3_date(-1, date), TG_EINVALID);
}


#define AUTH_OK                                                            \
    "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5/2019-02-25/cvm/tc3_request, " \
    "SignedHeaders=content-type;host, Signature=" CVM_SIGNATURE


static void
test_auth_parse(void **state)
{
    tg_tc3_auth_t a;

    (void) state;

    assert_rc(tg_tc3_auth_parse(TG_STR(AUTH_OK), &a), TG_OK);
    assert_str_equal(a.key_id, "AKIDz8krbsJ5");
    assert_str_equal(a.date, "2019-02-25");
    assert_str_equal(a.service, "cvm");
    assert_str_equal(a.signed_headers, "content-type;host");
    assert_str_equal(a.signature, CVM_SIGNATURE);

    /* Without spaces after the commas, as some SDKs write it. */
    assert_rc(
        tg_tc3_auth_parse(TG_STR("TC3-HMAC-SHA256 Credential=a/2019-02-25/s/"
                                 "tc3_request,SignedHeaders=host,Signature=ab"),
                          &a),
        TG_OK);
    assert_str_equal(a.service, "s");

    static const char *const bad[] = {
        "",
        "TC3-HMAC-SHA256",
        "TC3-HMAC-SHA256 ",
        "tc3-hmac-sha256 Credential=a/2019-02-25/s/tc3_request,"
        "SignedHeaders=host,Signature=ab",
        "ACS3-HMAC-SHA256 Credential=a/2019-02-25/s/tc3_request,"
        "SignedHeaders=host,Signature=ab",
        /* a part missing, empty, repeated or unknown */
        "TC3-HMAC-SHA256 Credential=a/2019-02-25/s/tc3_request,"
        "SignedHeaders=host",
        "TC3-HMAC-SHA256 Credential=a/2019-02-25/s/tc3_request,"
        "SignedHeaders=host,Signature=",
        "TC3-HMAC-SHA256 Credential=a/2019-02-25/s/tc3_request,"
        "SignedHeaders=host,Signature=ab,Signature=ab",
        "TC3-HMAC-SHA256 Credential=a/2019-02-25/s/tc3_request,"
        "SignedHeaders=host,Signature=ab,Extra=1",
        "TC3-HMAC-SHA256 Credential=a/2019-02-25/s/tc3_request,,"
        "SignedHeaders=host,Signature=ab",
        /* the scope: parts, date, terminator */
        "TC3-HMAC-SHA256 Credential=a/2019-02-25/s,"
        "SignedHeaders=host,Signature=ab",
        "TC3-HMAC-SHA256 Credential=a/2019-02-25/s/tc3_request/x,"
        "SignedHeaders=host,Signature=ab",
        "TC3-HMAC-SHA256 Credential=/2019-02-25/s/tc3_request,"
        "SignedHeaders=host,Signature=ab",
        "TC3-HMAC-SHA256 Credential=a/2019-02-25//tc3_request,"
        "SignedHeaders=host,Signature=ab",
        "TC3-HMAC-SHA256 Credential=a/2019-2-25/s/tc3_request,"
        "SignedHeaders=host,Signature=ab",
        "TC3-HMAC-SHA256 Credential=a/2019x02-25/s/tc3_request,"
        "SignedHeaders=host,Signature=ab",
        "TC3-HMAC-SHA256 Credential=a/2019-02-25/s/tc4_request,"
        "SignedHeaders=host,Signature=ab",
    };
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (tg_tc3_auth_parse(tg_str_c(bad[i]), &a) != TG_EINVALID) {
            fail_msg("accepted: %s", bad[i]);
        }
    }

    /* The service at its limit and one past it. */
    char header[256];

    snprintf(header, sizeof(header),
             "TC3-HMAC-SHA256 Credential=a/2019-02-25/%0*d/tc3_request,"
             "SignedHeaders=host,Signature=ab",
             TG_TC3_SERVICE_MAX, 0);
    assert_rc(tg_tc3_auth_parse(tg_str_c(header), &a), TG_OK);
    snprintf(header, sizeof(header),
             "TC3-HMAC-SHA256 Credential=a/2019-02-25/%0*d/tc3_request,"
             "SignedHeaders=host,Signature=ab",
             TG_TC3_SERVICE_MAX + 1, 0);
    assert_rc(tg_tc3_auth_parse(tg_str_c(header), &a), TG_EINVALID);

    /* A NUL inside is just a byte that fails the scope. */
    assert_rc(tg_tc3_auth_parse(
                  (tg_str_t){ "TC3-HMAC-SHA256 Credential=a/2019-02-25/s\0/"
                              "tc3_request,SignedHeaders=host,Signature=ab",
                              84 },
                  &a),
              TG_EINVALID);
}


static void
test_signed_headers_parse(void **state)
{
    char   names[TG_TC3_HEADERS_MAX][TG_TC3_HEADER_NAME_MAX + 1];
    char   list[2048];
    size_t n, i, len = 0;

    (void) state;

    assert_rc(
        tg_tc3_signed_headers_parse(TG_STR("Content-Type;HOST"), names, &n),
        TG_OK);
    assert_int_equal(n, 2);
    assert_string_equal(names[0], "content-type");
    assert_string_equal(names[1], "host");

    assert_rc(tg_tc3_signed_headers_parse(TG_STR(""), names, &n), TG_EINVALID);
    assert_rc(tg_tc3_signed_headers_parse(TG_STR("host;"), names, &n),
              TG_EINVALID);
    assert_rc(tg_tc3_signed_headers_parse(TG_STR(";host"), names, &n),
              TG_EINVALID);
    assert_rc(tg_tc3_signed_headers_parse(TG_STR("ho st"), names, &n),
              TG_EINVALID);
    assert_rc(tg_tc3_signed_headers_parse(TG_STR("host;Host"), names, &n),
              TG_EINVALID);

    /* TG_TC3_HEADERS_MAX names pass, one more does not. */
    for (i = 0; i < TG_TC3_HEADERS_MAX; i++) {
        len += (size_t) snprintf(list + len, sizeof(list) - len, "%sh%zu",
                                 i > 0 ? ";" : "", i);
    }
    assert_rc(tg_tc3_signed_headers_parse(tg_str_c(list), names, &n), TG_OK);
    assert_int_equal(n, TG_TC3_HEADERS_MAX);
    snprintf(list + len, sizeof(list) - len, ";extra");
    assert_rc(tg_tc3_signed_headers_parse(tg_str_c(list), names, &n),
              TG_EINVALID);

    /* A name of TG_TC3_HEADER_NAME_MAX characters passes, one more not. */
    memset(list, 'a', TG_TC3_HEADER_NAME_MAX + 1);
    list[TG_TC3_HEADER_NAME_MAX] = '\0';
    assert_rc(tg_tc3_signed_headers_parse(tg_str_c(list), names, &n), TG_OK);
    list[TG_TC3_HEADER_NAME_MAX] = 'a';
    list[TG_TC3_HEADER_NAME_MAX + 1] = '\0';
    assert_rc(tg_tc3_signed_headers_parse(tg_str_c(list), names, &n),
              TG_EINVALID);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cvm_vector),
        cmocka_unit_test(test_lower_values),
        cmocka_unit_test(test_verify_rejects),
        cmocka_unit_test(test_date),
        cmocka_unit_test(test_auth_parse),
        cmocka_unit_test(test_signed_headers_parse),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
