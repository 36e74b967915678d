/*
 * Tests of lib/xca.c: the published X-Ca-* vectors (reference/alibaba.md
 * section 4.3) built from request parts through the string-to-sign
 * builder and the signer, then each failure mode at its edge: clock skew,
 * parameters, header lists, buffer sizes, Content-MD5, the signature
 * method, the error message and AppCode.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/crypto.h"
#include "tollgate/xca.h"

#include "unit.h"


/* A request's headers, looked up ignoring case as nginx's adapter does. */
typedef struct {
    const char *name;
    const char *value;
} header_t;

typedef struct {
    const header_t *headers;
    size_t          n;
} headers_t;

#define HEADERS(...)                                        \
    ((headers_t){ (const header_t[]){ __VA_ARGS__ },        \
                  sizeof((const header_t[]){ __VA_ARGS__ }) \
                      / sizeof(header_t) })

#define SECRET TG_STR("appSecret")

/* The callback's contract: 1 for a header sent once, -1 for several. */
static int
lookup(void *ctx, tg_str_t name, tg_str_t *value)
{
    headers_t *h = ctx;
    size_t     i;
    int        found = 0;

    for (i = 0; i < h->n; i++) {
        if (tg_str_eq_nocase(name, tg_str_c(h->headers[i].name))) {
            if (found) {
                return -1;
            }
            *value = tg_str_c(h->headers[i].value);
            found = 1;
        }
    }

    return found;
}


/* A request with every field empty and the lookup over h. */
static tg_xca_request_t
request(const char *method, const char *path, headers_t *h)
{
    tg_xca_request_t req;

    memset(&req, 0, sizeof(req));
    req.method = tg_str_c(method);
    req.path = tg_str_c(path);
    req.header = lookup;
    req.header_ctx = h;

    return req;
}


/* Builds req's string to sign with generous buffers, asserting success. */
static tg_str_t
build(const tg_xca_request_t *req)
{
    static tg_xca_pair_t pairs[64];
    static char          scratch[1024], out[4096];
    tg_xca_buffers_t     buf = { pairs,           64,  scratch,
                                 sizeof(scratch), out, sizeof(out) };
    tg_xca_need_t        need;
    tg_str_t             sts = TG_STR_NULL, missing = TG_STR_NULL;

    assert_rc(tg_xca_string_to_sign(req, &buf, &sts, &need, &missing), TG_OK);
    assert_ptr_equal(sts.ptr, out);
    assert_int_equal(need.out, sts.len);
    assert_true(need.pairs <= 64 && need.scratch <= sizeof(scratch));

    return sts;
}


/* Asserts that sts signs to expected under secret, and verifies, with
 * the secret and with an HMAC keyed once (twice, the second reusing it);
 * a signature one character off does not. */
static void
assert_signature(tg_xca_method_t method, tg_str_t sts, const char *expected)
{
    char       sig[TG_XCA_SIGNATURE_MAX + 1];
    size_t     len = 0;
    tg_hmac_t *mac;

    assert_rc(tg_xca_sign(method, SECRET, sts, sig, &len), TG_OK);
    assert_string_equal(sig, expected);
    assert_int_equal(len, strlen(expected));
    assert_rc(tg_xca_verify(method, SECRET, sts, tg_str_c(expected)), TG_OK);

    assert_rc(tg_hmac_create(&mac, tg_xca_hmac_alg(method), SECRET), TG_OK);
    assert_rc(tg_xca_verify_mac(mac, sts, tg_str_c(expected)), TG_OK);
    assert_rc(tg_xca_verify_mac(mac, sts, tg_str_c(expected)), TG_OK);
    sig[0] = sig[0] == 'A' ? 'B' : 'A';
    assert_rc(tg_xca_verify_mac(mac, sts, tg_str_c(sig)), TG_ESIGNATURE);
    assert_rc(tg_xca_verify_mac(mac, sts, (tg_str_t){ expected, len - 1 }),
              TG_ESIGNATURE);
    tg_hmac_destroy(mac);
}


/* Vector 1: Higress' GET, lowercase names, no Content-MD5 nor Date. */
static void
test_vector1_higress_get(void **state)
{
    headers_t h = HEADERS(
        { "accept", "application/json" },
        { "content-type", "application/json" }, { "x-ca-key", "appKey" },
        { "x-ca-nonce", "787dd0c2-7bd8-41cd-9c19-62c05ea524a2" },
        { "x-ca-timestamp", "1646365291734" },
        { "x-ca-signature", "EdJSFAMOWyXZOpXhevZnjuS0ZafnwnCqaSk5hz+tXo8=" },
        { "x-ca-signature-headers", "x-ca-key,x-ca-nonce,x-ca-timestamp" });
    tg_xca_request_t req = request("GET", "/Third/Tools/checkSign", &h);
    tg_str_t         sts;

    (void) state;

    req.accept = TG_STR("application/json");
    req.content_type = TG_STR("application/json");
    req.signature_headers = TG_STR("x-ca-key,x-ca-nonce,x-ca-timestamp");

    sts = build(&req);
    assert_str_equal(sts, "GET\napplication/json\n\napplication/json\n\n"
                          "x-ca-key:appKey\n"
                          "x-ca-nonce:787dd0c2-7bd8-41cd-9c19-62c05ea524a2\n"
                          "x-ca-timestamp:1646365291734\n"
                          "/Third/Tools/checkSign");
    assert_signature(TG_XCA_HMAC_SHA256, sts,
                     "EdJSFAMOWyXZOpXhevZnjuS0ZafnwnCqaSk5hz+tXo8=");
}


/* Vector 2: Higress' form POST; parameters come from the body only. */
static void
test_vector2_higress_form(void **state)
{
    headers_t h =
        HEADERS({ "x-ca-key", "appKey" },
                { "x-ca-nonce", "ca5a6753-b76c-4fff-a9d9-e5bb643e8cdf" },
                { "x-ca-timestamp", "1646646682418" });
    tg_xca_request_t req = request("POST", "/Third/User/getNyAccessToken", &h);

    (void) state;

    req.accept = TG_STR("application/json");
    req.content_type = TG_STR("application/x-www-form-urlencoded");
    req.signature_headers = TG_STR("x-ca-key,x-ca-nonce,x-ca-timestamp");
    req.form = TG_STR("nickname=nickname&room_id=6893&uuid=uuid&photo=photo");

    assert_true(tg_xca_is_form(req.content_type));
    assert_signature(TG_XCA_HMAC_SHA256, build(&req),
                     "gmf9xq0hc95Hmt+7G+OocS009ka3v1v0rvfshKzYc3w=");
}


/* Vector 3: the Node client's form POST with a Date, an empty value,
 * the stage header, and parameters split between query and body. */
static void
test_vector3_node_query_form_date(void **state)
{
    headers_t h = HEADERS(
        { "x-ca-timestamp", "1525872629832" }, { "x-ca-key", "203753385" },
        { "x-ca-nonce", "c9f15cbf-f4ac-4a6c-b54d-f51abf4b5b44" },
        { "x-ca-stage", "RELEASE" });
    tg_xca_request_t req = request("POST", "/http2test/test", &h);
    tg_str_t         sts;

    (void) state;

    req.accept = TG_STR("application/json; charset=utf-8");
    req.content_type =
        TG_STR("application/x-www-form-urlencoded; charset=utf-8");
    req.date = TG_STR("Wed, 09 May 2018 13:30:29 GMT+00:00");
    req.signature_headers =
        TG_STR("x-ca-key,x-ca-nonce,x-ca-stage,x-ca-timestamp");
    req.query = TG_STR("param1=test&empty");
    req.form = TG_STR("username=xiaoming&password=123456789");

    assert_true(tg_xca_is_form(req.content_type));
    sts = build(&req);
    assert_str_equal(sts, "POST\napplication/json; charset=utf-8\n\n"
                          "application/x-www-form-urlencoded; charset=utf-8\n"
                          "Wed, 09 May 2018 13:30:29 GMT+00:00\n"
                          "x-ca-key:203753385\n"
                          "x-ca-nonce:c9f15cbf-f4ac-4a6c-b54d-f51abf4b5b44\n"
                          "x-ca-stage:RELEASE\nx-ca-timestamp:1525872629832\n"
                          "/http2test/test?empty&param1=test&password=123456789"
                          "&username=xiaoming");
    assert_signature(TG_XCA_HMAC_SHA256, sts,
                     "TBFVOvj7N2oHeeIRCzvAq+ly6yo3qOLDYoqT6ylX5w8=");
}


/* Vector 4: HmacSHA1, the method header signed, query out of order. */
static void
test_vector4_sha1(void **state)
{
    headers_t h =
        HEADERS({ "x-ca-key", "203753385" },
                { "x-ca-nonce", "c9f15cbf-f4ac-4a6c-b54d-f51abf4b5b44" },
                { "x-ca-signature-method", "HmacSHA1" },
                { "x-ca-timestamp", "1525872629832" });
    tg_xca_request_t req = request("GET", "/demo/query", &h);
    tg_xca_method_t  method = TG_XCA_HMAC_SHA256;
    tg_str_t         sts;

    (void) state;

    req.accept = TG_STR("application/json");
    req.signature_headers =
        TG_STR("x-ca-timestamp,x-ca-signature-method,x-ca-nonce,x-ca-key");
    req.query = TG_STR("c=x&b=&a=1");

    assert_rc(tg_xca_method_parse(TG_STR("HmacSHA1"), &method), TG_OK);
    assert_int_equal(method, TG_XCA_HMAC_SHA1);

    sts = build(&req);
    assert_str_equal(sts, "GET\napplication/json\n\n\n\n"
                          "x-ca-key:203753385\n"
                          "x-ca-nonce:c9f15cbf-f4ac-4a6c-b54d-f51abf4b5b44\n"
                          "x-ca-signature-method:HmacSHA1\n"
                          "x-ca-timestamp:1525872629832\n"
                          "/demo/query?a=1&b&c=x");
    assert_signature(method, sts, "38K8/Q3zUOD0SuAhao5jZFfJ1eE=");

    /* the same string under SHA-256 is another signature */
    assert_rc(tg_xca_verify(TG_XCA_HMAC_SHA256, SECRET, sts,
                            TG_STR("38K8/Q3zUOD0SuAhao5jZFfJ1eE=")),
              TG_ESIGNATURE);
}


/* Vector 5: the Node client's Content-MD5 of {"a":1}. */
static void
test_vector5_content_md5(void **state)
{
    char out[TG_XCA_CONTENT_MD5_LEN + 1];

    (void) state;

    assert_int_equal(TG_XCA_CONTENT_MD5_LEN, 24);
    assert_rc(tg_xca_content_md5(TG_STR("{\"a\":1}"), out), TG_OK);
    assert_string_equal(out, "u2y1xo30ZSlByvZSo2by2A==");
    assert_rc(tg_xca_content_md5_check(TG_STR("u2y1xo30ZSlByvZSo2by2A=="),
                                       TG_STR("{\"a\":1}")),
              TG_OK);
}


static void
test_content_md5_mismatches(void **state)
{
    static const tg_str_t body = TG_STR("{\"a\":1}");

    (void) state;

    /* one byte of body changed, one character of digest changed */
    assert_rc(tg_xca_content_md5_check(TG_STR("u2y1xo30ZSlByvZSo2by2A=="),
                                       TG_STR("{\"a\":2}")),
              TG_EDIGEST);
    assert_rc(
        tg_xca_content_md5_check(TG_STR("u2y1xo30ZSlByvZSo2by2B=="), body),
        TG_EDIGEST);
    /* case matters in base64; no padding, extra space, empty */
    assert_rc(
        tg_xca_content_md5_check(TG_STR("U2Y1XO30ZSLBYVZSO2BY2A=="), body),
        TG_EDIGEST);
    assert_rc(tg_xca_content_md5_check(TG_STR("u2y1xo30ZSlByvZSo2by2A"), body),
              TG_EDIGEST);
    assert_rc(
        tg_xca_content_md5_check(TG_STR("u2y1xo30ZSlByvZSo2by2A== "), body),
        TG_EDIGEST);
    assert_rc(tg_xca_content_md5_check(TG_STR(""), body), TG_EDIGEST);
    /* the hex form the Darabonba client sends is not accepted */
    assert_rc(tg_xca_content_md5_check(
                  TG_STR("bb6cb5c68df4652941caf652a366f2d8"), body),
              TG_EDIGEST);
    /* present with an empty body: invalid, even as the MD5 of nothing */
    assert_rc(tg_xca_content_md5_check(TG_STR("1B2M2Y8AsgTpgAmY7PhCfg=="),
                                       TG_STR("")),
              TG_EDIGEST);
}


/* Every changed input makes verification fail, and nothing else does. */
static void
test_verify_rejects(void **state)
{
    static const tg_str_t sts = TG_STR("GET\n\n\n\n\n/a");
    char                  sig[TG_XCA_SIGNATURE_MAX + 1], bad[sizeof(sig)];
    size_t                len;

    (void) state;

    assert_rc(tg_xca_sign(TG_XCA_HMAC_SHA256, SECRET, sts, sig, &len), TG_OK);
    assert_int_equal(len, 44);
    assert_rc(tg_xca_verify(TG_XCA_HMAC_SHA256, SECRET, sts, tg_str_c(sig)),
              TG_OK);

    memcpy(bad, sig, sizeof(sig));
    bad[10] = bad[10] == 'A' ? 'B' : 'A';
    assert_rc(tg_xca_verify(TG_XCA_HMAC_SHA256, SECRET, sts, tg_str_c(bad)),
              TG_ESIGNATURE);

    assert_rc(tg_xca_verify(TG_XCA_HMAC_SHA256, TG_STR("appSecreT"), sts,
                            tg_str_c(sig)),
              TG_ESIGNATURE);
    assert_rc(tg_xca_verify(TG_XCA_HMAC_SHA256, SECRET,
                            TG_STR("GET\n\n\n\n\n/b"), tg_str_c(sig)),
              TG_ESIGNATURE);
    assert_rc(tg_xca_verify(TG_XCA_HMAC_SHA256, SECRET, sts,
                            (tg_str_t){ sig, len - 1 }),
              TG_ESIGNATURE);
    assert_rc(tg_xca_verify(TG_XCA_HMAC_SHA256, SECRET, sts, TG_STR("")),
              TG_ESIGNATURE);
    assert_rc(tg_xca_verify(TG_XCA_HMAC_SHA256, SECRET, sts, TG_STR_NULL),
              TG_ESIGNATURE);

    /* SHA-1 signatures are 28 characters */
    assert_rc(tg_xca_sign(TG_XCA_HMAC_SHA1, SECRET, sts, sig, &len), TG_OK);
    assert_int_equal(len, 28);
    assert_int_equal(strlen(sig), 28);
}


static void
test_method_parse(void **state)
{
    static const char *const bad[] = {
        "",        "hmacsha256", "HMACSHA256", "HmacSHA512", "HmacSHA256 ",
        "HmacMD5", "HmacSHA"
    };
    tg_xca_method_t method;
    size_t          i;

    (void) state;

    method = TG_XCA_HMAC_SHA1;
    assert_rc(tg_xca_method_parse(TG_STR_NULL, &method), TG_OK);
    assert_int_equal(method, TG_XCA_HMAC_SHA256);

    method = TG_XCA_HMAC_SHA1;
    assert_rc(tg_xca_method_parse(TG_STR("HmacSHA256"), &method), TG_OK);
    assert_int_equal(method, TG_XCA_HMAC_SHA256);

    assert_rc(tg_xca_method_parse(TG_STR("HmacSHA1"), &method), TG_OK);
    assert_int_equal(method, TG_XCA_HMAC_SHA1);

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        method = (tg_xca_method_t) 42;
        assert_rc(tg_xca_method_parse(tg_str_c(bad[i]), &method), TG_EINVALID);
        assert_int_equal(method, 42);
    }

    assert_string_equal(tg_xca_method_name(TG_XCA_HMAC_SHA256), "HmacSHA256");
    assert_string_equal(tg_xca_method_name(TG_XCA_HMAC_SHA1), "HmacSHA1");
}


/* 15 minutes exactly passes on both sides; 1 ms more fails. */
static void
test_timestamp_skew_edges(void **state)
{
    const int64_t now = 1646365291734;
    char          ts[32];
    int64_t       parsed;

    (void) state;

    assert_int_equal(TG_XCA_SKEW_MS, 900000);

    snprintf(ts, sizeof(ts), "%lld", (long long) now);
    assert_rc(tg_xca_timestamp_check(tg_str_c(ts), now, TG_XCA_SKEW_MS, NULL),
              TG_OK);
    /* the timestamp is given back on success only */
    parsed = -1;
    assert_rc(tg_xca_timestamp_check(TG_STR("01646365291734"), 1646365291000,
                                     TG_XCA_SKEW_MS, &parsed),
              TG_OK);
    assert_int_equal(parsed, 1646365291734);
    parsed = -1;
    assert_rc(tg_xca_timestamp_check(TG_STR("1646365291"), 1646365291000,
                                     TG_XCA_SKEW_MS, &parsed),
              TG_ESKEW);
    assert_int_equal(parsed, -1);

    snprintf(ts, sizeof(ts), "%lld", (long long) (now - 900000));
    assert_rc(tg_xca_timestamp_check(tg_str_c(ts), now, TG_XCA_SKEW_MS, NULL),
              TG_OK);
    snprintf(ts, sizeof(ts), "%lld", (long long) (now + 900000));
    assert_rc(tg_xca_timestamp_check(tg_str_c(ts), now, TG_XCA_SKEW_MS, NULL),
              TG_OK);

    snprintf(ts, sizeof(ts), "%lld", (long long) (now - 900001));
    assert_rc(tg_xca_timestamp_check(tg_str_c(ts), now, TG_XCA_SKEW_MS, NULL),
              TG_ESKEW);
    snprintf(ts, sizeof(ts), "%lld", (long long) (now + 900001));
    assert_rc(tg_xca_timestamp_check(tg_str_c(ts), now, TG_XCA_SKEW_MS, NULL),
              TG_ESKEW);

    /* seconds instead of milliseconds are far in the past */
    assert_rc(
        tg_xca_timestamp_check(TG_STR("1646365291"), now, TG_XCA_SKEW_MS, NULL),
        TG_ESKEW);
    /* the largest number, and zero, are numbers, just expired */
    assert_rc(tg_xca_timestamp_check(TG_STR("9223372036854775807"), now,
                                     TG_XCA_SKEW_MS, NULL),
              TG_ESKEW);
    assert_rc(tg_xca_timestamp_check(TG_STR("0"), now, TG_XCA_SKEW_MS, NULL),
              TG_ESKEW);
    /* a zero skew accepts only now itself */
    snprintf(ts, sizeof(ts), "%lld", (long long) now);
    assert_rc(tg_xca_timestamp_check(tg_str_c(ts), now, 0, NULL), TG_OK);
    snprintf(ts, sizeof(ts), "%lld", (long long) (now + 1));
    assert_rc(tg_xca_timestamp_check(tg_str_c(ts), now, 0, NULL), TG_ESKEW);
}


static void
test_timestamp_not_a_number(void **state)
{
    static const char *const bad[] = {
        "",
        "abc",
        "-1",
        "+1646365291734",
        "1646365291734.0",
        " 164",
        "1646365291734 ",
        "1e12",
        "0x10",
        "9223372036854775808",
        "99999999999999999999",
    };
    size_t i;

    (void) state;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_rc(tg_xca_timestamp_check(tg_str_c(bad[i]), 1646365291734,
                                         TG_XCA_SKEW_MS, NULL),
                  TG_ETIMESTAMP);
    }
}


/* Builds req's string to sign, expecting a repeated key. */
static void
assert_repeated(const tg_xca_request_t *req, const char *key)
{
    static tg_xca_pair_t pairs[64];
    static char          scratch[1024], out[4096];
    tg_xca_buffers_t     buf = { pairs,           64,  scratch,
                                 sizeof(scratch), out, sizeof(out) };
    tg_xca_need_t        need;
    tg_str_t             sts = TG_STR_NULL, culprit = TG_STR_NULL;

    assert_rc(tg_xca_string_to_sign(req, &buf, &sts, &need, &culprit),
              TG_EINVALID);
    assert_null(sts.ptr);
    assert_str_equal(culprit, key);
}


/* Repeated keys are refused, in the query, in the form and across both
 * (?amount=1&amount=999 would otherwise pass with the signature of
 * ?amount=1), whether or not the values differ or are empty. */
static void
test_params_repeated_refused(void **state)
{
    headers_t        h = HEADERS({ "x", "y" });
    tg_xca_request_t req = request("GET", "/p", &h);

    (void) state;

    req.query = TG_STR("amount=1&b=x&amount=999");
    assert_repeated(&req, "amount");
    req.query = TG_STR("c&c");
    assert_repeated(&req, "c");
    req.query = TG_STR("=1&=2");
    assert_repeated(&req, "");

    req.query = TG_STR("k=query");
    req.form = TG_STR("k=form&j=form");
    assert_repeated(&req, "k");
    req.query = TG_STR_NULL;
    req.form = TG_STR("j=1&j=1");
    assert_repeated(&req, "j");

    /* keys equal only after decoding are the same key */
    req.query = TG_STR("%61=first&a=second");
    req.form = TG_STR_NULL;
    assert_repeated(&req, "a");

    /* empty pieces are no parameter, and distinct keys pass */
    req.query = TG_STR("a=1&&b=1&");
    assert_str_equal(build(&req), "GET\n\n\n\n\n/p?a=1&b=1");
}


static void
test_params_query_form_merge(void **state)
{
    headers_t        h = HEADERS({ "x", "y" });
    tg_xca_request_t req = request("POST", "/m", &h);

    (void) state;

    req.query = TG_STR("z=1&m=2");
    req.form = TG_STR("b=3&y&a=");
    assert_str_equal(build(&req), "POST\n\n\n\n\n/m?a&b=3&m=2&y&z=1");

    /* form only, query only */
    req.query = TG_STR("");
    assert_str_equal(build(&req), "POST\n\n\n\n\n/m?a&b=3&y");
    req.form = TG_STR("");
    req.query = TG_STR("q=1");
    assert_str_equal(build(&req), "POST\n\n\n\n\n/m?q=1");
}


static void
test_params_plus_and_percent(void **state)
{
    headers_t        h = HEADERS({ "x", "y" });
    tg_xca_request_t req = request("GET", "/a+b%20c", &h);

    (void) state;

    /* the path is signed as sent; parameters are decoded */
    req.query = TG_STR("q=a+b&r=a%20b&s=%2B&t=%2b%2F&u+v=1&w=%41%4a%4A");
    assert_str_equal(build(&req), "GET\n\n\n\n\n/a+b%20c"
                                  "?q=a b&r=a b&s=+&t=+/&u v=1&w=AJJ");
}


static void
test_params_unicode(void **state)
{
    headers_t        h = HEADERS({ "x", "y" });
    tg_xca_request_t req = request("GET", "/caf%C3%A9/\xe4\xb8\xad", &h);

    (void) state;

    req.query = TG_STR("name=%E4%B8%AD%E6%96%87&k%C3%A9=v&raw=\xc3\xa9");
    assert_str_equal(build(&req), "GET\n\n\n\n\n/caf%C3%A9/\xe4\xb8\xad"
                                  "?k\xc3\xa9=v&name=\xe4\xb8\xad\xe6\x96\x87"
                                  "&raw=\xc3\xa9");

    /* byte-wise order: 'z' (0x7a) before 'é' (0xc3 0xa9) */
    req.query = TG_STR("%C3%A9=1&z=2");
    assert_str_equal(build(&req), "GET\n\n\n\n\n/caf%C3%A9/\xe4\xb8\xad"
                                  "?z=2&\xc3\xa9=1");
}


/* The same order below and above the insertion sort's bound (a usual
 * request's few pairs, and the heapsort of many), prefixes first. */
static void
test_params_sort_sizes(void **state)
{
    headers_t        h = HEADERS({ "x", "y" });
    tg_xca_request_t req = request("GET", "/s", &h);

    (void) state;

    req.query = TG_STR("c=3&ab=2&a=1&B=0");
    assert_str_equal(build(&req), "GET\n\n\n\n\n/s?B=0&a=1&ab=2&c=3");

    req.query = TG_STR("j=9&i=8&h=7&g=6&f=5&e=4&d=3&c=3&ab=2&a=1&B=0");
    assert_str_equal(build(&req), "GET\n\n\n\n\n/s?B=0&a=1&ab=2&c=3&d=3&e=4"
                                  "&f=5&g=6&h=7&i=8&j=9");
}


/* Empty pieces, empty keys, bad escapes and decoded separators. */
static void
test_params_edges(void **state)
{
    headers_t        h = HEADERS({ "x", "y" });
    tg_xca_request_t req = request("GET", "/e", &h);

    (void) state;

    req.query = TG_STR("a=1&&b");
    assert_str_equal(build(&req), "GET\n\n\n\n\n/e?a=1&b");

    req.query = TG_STR("&a=1&");
    assert_str_equal(build(&req), "GET\n\n\n\n\n/e?a=1");

    req.query = TG_STR("a=1&=v");
    assert_str_equal(build(&req), "GET\n\n\n\n\n/e?=v&a=1");

    /* only the first '=' splits */
    req.query = TG_STR("a=b=c");
    assert_str_equal(build(&req), "GET\n\n\n\n\n/e?a=b=c");

    /* a '%' without two hex digits stays literal */
    req.query = TG_STR("%zz=1&%4=%&p=%2&q=%%41");
    assert_str_equal(build(&req), "GET\n\n\n\n\n/e?%4=%&%zz=1&p=%2&q=%A");

    /* decoded separators are written as they decode, and NUL is a byte */
    req.query = TG_STR("a=1%26b%3D2&n=%00");
    assert_true(tg_str_eq(build(&req), TG_STR("GET\n\n\n\n\n/e?a=1&b=2&n=\0")));
}


/* No parameters at all: no '?'. */
static void
test_params_none(void **state)
{
    static const char *const queries[] = { "", "&", "&&&" };
    headers_t                h = HEADERS({ "x", "y" });
    tg_xca_request_t         req = request("GET", "/n", &h);
    size_t                   i;

    (void) state;

    assert_str_equal(build(&req), "GET\n\n\n\n\n/n");

    for (i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
        req.query = tg_str_c(queries[i]);
        assert_str_equal(build(&req), "GET\n\n\n\n\n/n");
    }
}


/* Names keep the client's spelling and sort byte-wise (uppercase first);
 * values are found whatever the request's case. */
static void
test_headers_mixed_case(void **state)
{
    headers_t h = HEADERS({ "x-ca-key", "203753385" }, { "X-CA-NONCE", "n1" },
                          { "x-ca-timestamp", "1525872629832" },
                          { "CUSTOM-b", "custom" });
    tg_xca_request_t req = request("GET", "/h", &h);

    (void) state;

    req.signature_headers =
        TG_STR("X-Ca-Key,x-ca-nonce,X-Ca-Timestamp,Custom-B");
    assert_str_equal(build(&req), "GET\n\n\n\n\n"
                                  "Custom-B:custom\n"
                                  "X-Ca-Key:203753385\n"
                                  "X-Ca-Timestamp:1525872629832\n"
                                  "x-ca-nonce:n1\n"
                                  "/h");
}


/* Spaces around names, empty names, and one spelling listed twice. */
static void
test_headers_duplicates_and_spaces(void **state)
{
    headers_t        h = HEADERS({ "x-ca-key", "k" }, { "x-ca-nonce", "n" });
    tg_xca_request_t req = request("GET", "/d", &h);

    (void) state;

    req.signature_headers =
        TG_STR(" x-ca-key ,x-ca-key,\tX-CA-KEY,,x-ca-nonce , ,x-ca-key,");
    assert_str_equal(build(&req), "GET\n\n\n\n\n"
                                  "X-CA-KEY:k\n"
                                  "x-ca-key:k\n"
                                  "x-ca-nonce:n\n"
                                  "/d");

    /* nothing but separators signs no header */
    req.signature_headers = TG_STR(" , ,");
    assert_str_equal(build(&req), "GET\n\n\n\n\n/d");
}


/* Names signed elsewhere are skipped, in any case, even if absent. */
static void
test_headers_excluded(void **state)
{
    headers_t h = HEADERS({ "x-ca-key", "k" }, { "accept", "text/plain" });
    tg_xca_request_t req = request("GET", "/x", &h);

    (void) state;

    req.accept = TG_STR("text/plain");
    req.signature_headers =
        TG_STR("Accept,content-md5,X-Ca-Signature,x-ca-signature-headers,"
               "DATE,Content-Type,x-ca-key");
    assert_str_equal(build(&req), "GET\ntext/plain\n\n\n\nx-ca-key:k\n/x");

    /* near misses are ordinary names */
    req.signature_headers = TG_STR("x-ca-key,X-Ca-Signature-Method");
    h = HEADERS({ "x-ca-key", "k" }, { "x-ca-signature-method", "HmacSHA1" });
    assert_str_equal(build(&req), "GET\ntext/plain\n\n\n\n"
                                  "X-Ca-Signature-Method:HmacSHA1\n"
                                  "x-ca-key:k\n/x");
}


static void
test_headers_empty_value(void **state)
{
    headers_t        h = HEADERS({ "x-ca-stage", "" }, { "x-ca-key", "k" });
    tg_xca_request_t req = request("GET", "/v", &h);

    (void) state;

    req.signature_headers = TG_STR("x-ca-stage,x-ca-key");
    assert_str_equal(build(&req), "GET\n\n\n\n\nx-ca-key:k\nx-ca-stage:\n/v");
}


/* A listed header the request lacks is an error that names it. */
static void
test_headers_missing(void **state)
{
    headers_t        h = HEADERS({ "x-ca-key", "k" });
    tg_xca_request_t req = request("GET", "/m", &h);
    tg_xca_buffers_t buf;
    tg_xca_need_t    need;
    tg_str_t         sts = TG_STR_NULL, missing = TG_STR_NULL;

    (void) state;

    memset(&buf, 0, sizeof(buf)); /* a sizing call reports it too */
    req.signature_headers = TG_STR("x-ca-key, X-Custom ,x-other");
    assert_rc(tg_xca_string_to_sign(&req, &buf, &sts, &need, &missing),
              TG_EMISSING);
    assert_str_equal(missing, "X-Custom");
    assert_null(sts.ptr);

    /* missing may be NULL */
    assert_rc(tg_xca_string_to_sign(&req, &buf, &sts, &need, NULL),
              TG_EMISSING);

    /* with no lookup at all, every signed header is missing */
    req.header = NULL;
    req.signature_headers = TG_STR("x-ca-key");
    assert_rc(tg_xca_string_to_sign(&req, &buf, &sts, &need, &missing),
              TG_EMISSING);
    assert_str_equal(missing, "x-ca-key");
}


/* A signed header sent twice is refused and named, even by a sizing call:
 * the upstream would see a value nobody signed. */
static void
test_headers_duplicate(void **state)
{
    headers_t        h = HEADERS({ "x-ca-key", "k" }, { "X-Ca-Nonce", "one" },
                                 { "x-ca-nonce", "two" });
    tg_xca_request_t req = request("GET", "/m", &h);
    tg_xca_buffers_t buf;
    tg_xca_need_t    need;
    tg_str_t         sts = TG_STR_NULL, culprit = TG_STR_NULL;

    (void) state;

    memset(&buf, 0, sizeof(buf));
    req.signature_headers = TG_STR("x-ca-key,x-ca-nonce");
    assert_rc(tg_xca_string_to_sign(&req, &buf, &sts, &need, &culprit),
              TG_ECONFLICT);
    assert_str_equal(culprit, "x-ca-nonce");
    assert_null(sts.ptr);

    /* not signed, not looked up */
    req.signature_headers = TG_STR("x-ca-key");
    assert_str_equal(build(&req), "GET\n\n\n\n\nx-ca-key:k\n/m");
}


/* Which names X-Ca-Signature-Headers lists, as the string to sign reads
 * them. */
static void
test_header_signed(void **state)
{
    tg_str_t list = TG_STR(" X-Ca-Key ,x-ca-nonce,,\tx-ca-timestamp,Date");

    (void) state;

    assert_int_equal(tg_xca_header_signed(list, TG_STR("x-ca-key")), 1);
    assert_int_equal(tg_xca_header_signed(list, TG_STR("X-CA-NONCE")), 1);
    assert_int_equal(tg_xca_header_signed(list, TG_STR("x-ca-timestamp")), 1);
    assert_int_equal(tg_xca_header_signed(list, TG_STR("x-ca-stage")), 0);
    assert_int_equal(tg_xca_header_signed(list, TG_STR("x-ca")), 0);
    /* Date is signed in its own line, never in the Headers block */
    assert_int_equal(tg_xca_header_signed(list, TG_STR("date")), 0);
    assert_int_equal(tg_xca_header_signed(TG_STR(""), TG_STR("x-ca-key")), 0);
    assert_int_equal(tg_xca_header_signed(TG_STR_NULL, TG_STR("x-ca-key")), 0);
}


/* The sizes reported suffice, out is exact, and short buffers are never
 * written past their capacity. */
static void
test_buffer_too_small(void **state)
{
    headers_t h =
        HEADERS({ "x-ca-key", "203753385" }, { "x-ca-nonce", "c9f15cbf" });
    tg_xca_request_t req = request("POST", "/http2test/test", &h);
    tg_xca_buffers_t buf;
    tg_xca_need_t    need, exact;
    tg_xca_pair_t    pairs[8];
    char             scratch[128], out[256];
    tg_str_t         sts = TG_STR_NULL;
    const char      *expected = "POST\n\n\n\n\nx-ca-key:203753385\n"
                                "x-ca-nonce:c9f15cbf\n"
                                "/http2test/test?a=%&b+c=d e&c=second&empty";

    (void) state;

    req.signature_headers = TG_STR("x-ca-nonce,x-ca-key");
    req.query = TG_STR("b%2Bc=d+e&a=%25&&");
    req.form = TG_STR("empty&c=second");

    /* a sizing call with nothing */
    memset(&buf, 0, sizeof(buf));
    assert_rc(tg_xca_string_to_sign(&req, &buf, &sts, &need, NULL), TG_ENOSPC);
    assert_null(sts.ptr);
    assert_int_equal(need.pairs, 6); /* 4 query pieces, 2 form pieces */
    assert_int_equal(need.scratch, req.query.len + req.form.len);
    assert_true(need.out >= strlen(expected));

    /* exactly the sizes reported */
    memset(out, '#', sizeof(out));
    buf = (tg_xca_buffers_t){ pairs,        need.pairs, scratch,
                              need.scratch, out,        need.out };
    assert_rc(tg_xca_string_to_sign(&req, &buf, &sts, &exact, NULL), TG_OK);
    assert_str_equal(sts, expected);
    assert_int_equal(exact.out, strlen(expected));
    assert_int_equal(out[need.out], '#');

    /* one byte short of out: the exact size, and nothing past cap */
    memset(out, '#', sizeof(out));
    sts = TG_STR_NULL;
    buf.out_cap = exact.out - 1;
    assert_rc(tg_xca_string_to_sign(&req, &buf, &sts, &need, NULL), TG_ENOSPC);
    assert_null(sts.ptr);
    assert_int_equal(need.out, exact.out);
    assert_int_equal(out[exact.out - 1], '#');

    /* out exact again */
    buf.out_cap = exact.out;
    assert_rc(tg_xca_string_to_sign(&req, &buf, &sts, &need, NULL), TG_OK);
    assert_str_equal(sts, expected);

    /* one pair short, one scratch byte short */
    buf.pairs_cap = exact.pairs - 1;
    assert_rc(tg_xca_string_to_sign(&req, &buf, &sts, &need, NULL), TG_ENOSPC);
    assert_int_equal(need.pairs, exact.pairs);
    buf.pairs_cap = exact.pairs;
    buf.scratch_cap = exact.scratch - 1;
    assert_rc(tg_xca_string_to_sign(&req, &buf, &sts, &need, NULL), TG_ENOSPC);
    assert_int_equal(need.scratch, exact.scratch);
}


static void
test_is_form(void **state)
{
    (void) state;

    assert_true(tg_xca_is_form(TG_STR("application/x-www-form-urlencoded")));
    assert_true(tg_xca_is_form(
        TG_STR("application/x-www-form-urlencoded; charset=UTF-8")));
    assert_true(tg_xca_is_form(
        TG_STR(" Application/X-WWW-Form-Urlencoded ;charset=utf-8")));
    assert_false(tg_xca_is_form(TG_STR("application/json")));
    assert_false(tg_xca_is_form(TG_STR("multipart/form-data; boundary=x")));
    assert_false(tg_xca_is_form(TG_STR("application/x-www-form-urlencodedx")));
    assert_false(tg_xca_is_form(TG_STR("")));
    assert_false(tg_xca_is_form(TG_STR_NULL));
}


/* The doc's own example of the message, then unsafe bytes. */
static void
test_sts_message(void **state)
{
    static const tg_str_t sts =
        TG_STR("GET\napplication/json\n\napplication/json\n\n"
               "X-Ca-Key:200000\nX-Ca-Timestamp:1589458000000\n"
               "/app/v1/config/keys?keys=TEST");
    static const char *expected =
        "Invalid Signature, Server StringToSign:`GET#application/json##"
        "application/json##X-Ca-Key:200000#X-Ca-Timestamp:1589458000000#"
        "/app/v1/config/keys?keys=TEST`";
    char   out[512];
    size_t len = 0;

    (void) state;

    assert_rc(tg_xca_sts_message(sts, out, sizeof(out), &len), TG_OK);
    assert_int_equal(len, strlen(expected));
    assert_int_equal(len, TG_XCA_STS_MESSAGE_LEN(sts.len));
    assert_str_equal(((tg_str_t){ out, len }), expected);

    /* CR, tab, NUL, DEL and other controls become '?'; UTF-8 stays */
    assert_rc(tg_xca_sts_message(TG_STR("a\r\nb\tc\0d\x7f\x01\xc3\xa9"), out,
                                 sizeof(out), &len),
              TG_OK);
    assert_str_equal(((tg_str_t){ out, len }),
                     TG_XCA_STS_MESSAGE_PREFIX "`a?#b?c?d??\xc3\xa9`");

    /* one byte short: nothing written, the size still told */
    memset(out, '#', sizeof(out));
    len = 0;
    assert_rc(tg_xca_sts_message(sts, out, strlen(expected) - 1, &len),
              TG_ENOSPC);
    assert_int_equal(len, strlen(expected));
    assert_int_equal(out[0], '#');

    /* an empty string to sign */
    assert_rc(tg_xca_sts_message(TG_STR(""), out, sizeof(out), &len), TG_OK);
    assert_str_equal(((tg_str_t){ out, len }), TG_XCA_STS_MESSAGE_PREFIX "``");
}


static void
test_appcode_header(void **state)
{
    static const struct {
        const char *value;
        int         rc;
        const char *code;
    } cases[] = {
        { "APPCODE 3F2504E04F8911D39A0C0305E82C3301", 1,
          "3F2504E04F8911D39A0C0305E82C3301" },
        { "appcode abc", 1, "abc" },
        { "AppCode a+/=_-!@#$%", 1, "a+/=_-!@#$%" },
        { "APPCODE x", 1, "x" },
        { "APPCODE", TG_EINVALID, NULL },
        { "appcode", TG_EINVALID, NULL },
        { "APPCODE ", TG_EINVALID, NULL },
        { "APPCODE  abc", TG_EINVALID, NULL },
        { "APPCODE abc def", TG_EINVALID, NULL },
        { "APPCODE abc ", TG_EINVALID, NULL },
        { "APPCODE\tabc", TG_EINVALID, NULL },
        { "APPCODE:abc", TG_EINVALID, NULL },
        { "APPCODE ab\x7f", TG_EINVALID, NULL },
        { "APPCODE \xc3\xa9", TG_EINVALID, NULL },
        { "APPCODEX abc", 0, NULL },
        { "APPCODE_ abc", 0, NULL },
        { "APPCOD abc", 0, NULL },
        { "Basic YWxhZGRpbjpvcGVuc2VzYW1l", 0, NULL },
        { " APPCODE abc", 0, NULL },
        { "", 0, NULL },
    };
    tg_str_t code;
    size_t   i;

    (void) state;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        code = TG_STR("untouched");
        assert_rc(tg_xca_appcode_from_header(tg_str_c(cases[i].value), &code),
                  cases[i].rc);
        assert_str_equal(code,
                         cases[i].code != NULL ? cases[i].code : "untouched");
    }

    assert_rc(tg_xca_appcode_from_header(TG_STR_NULL, &code), 0);
}


static void
test_appcode_query(void **state)
{
    char   out[16];
    size_t len;

    (void) state;

    len = 0;
    assert_rc(tg_xca_appcode_from_query(TG_STR("a=1&AppCode=xyz&b=o"), out,
                                        sizeof(out), &len),
              1);
    assert_str_equal(((tg_str_t){ out, len }), "xyz");

    /* twice, even with the same value or spelled differently: ambiguous */
    assert_rc(tg_xca_appcode_from_query(TG_STR("AppCode=xyz&AppCode=o"), out,
                                        sizeof(out), &len),
              TG_ECONFLICT);
    assert_rc(tg_xca_appcode_from_query(TG_STR("AppCode=xyz&App%43ode=xyz"),
                                        out, sizeof(out), &len),
              TG_ECONFLICT);

    /* decoded key and value; '+' must be sent as %2B */
    assert_rc(tg_xca_appcode_from_query(TG_STR("App%43ode=x%2By%2F+z"), out,
                                        sizeof(out), &len),
              1);
    assert_str_equal(((tg_str_t){ out, len }), "x+y/ z");

    /* the name's case matters; absent; not a prefix */
    assert_rc(tg_xca_appcode_from_query(TG_STR("appcode=xyz"), out, sizeof(out),
                                        &len),
              0);
    assert_rc(tg_xca_appcode_from_query(TG_STR(""), out, sizeof(out), &len), 0);
    assert_rc(tg_xca_appcode_from_query(TG_STR("AppCodeX=1&XAppCode=2"), out,
                                        sizeof(out), &len),
              0);

    /* present but empty */
    assert_rc(
        tg_xca_appcode_from_query(TG_STR("AppCode="), out, sizeof(out), &len),
        TG_EINVALID);
    assert_rc(tg_xca_appcode_from_query(TG_STR("x&AppCode&y=late"), out,
                                        sizeof(out), &len),
              TG_EINVALID);

    /* too long: the size needed, nothing past cap */
    memset(out, '#', sizeof(out));
    assert_rc(tg_xca_appcode_from_query(TG_STR("AppCode=0123456789abcdef"), out,
                                        15, &len),
              TG_ENOSPC);
    assert_int_equal(len, 16);
    assert_int_equal(out[15], '#');
    assert_rc(tg_xca_appcode_from_query(TG_STR("AppCode=0123456789abcdef"), out,
                                        16, &len),
              1);
    assert_str_equal(((tg_str_t){ out, len }), "0123456789abcdef");
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vector1_higress_get),
        cmocka_unit_test(test_vector2_higress_form),
        cmocka_unit_test(test_vector3_node_query_form_date),
        cmocka_unit_test(test_vector4_sha1),
        cmocka_unit_test(test_vector5_content_md5),
        cmocka_unit_test(test_content_md5_mismatches),
        cmocka_unit_test(test_verify_rejects),
        cmocka_unit_test(test_method_parse),
        cmocka_unit_test(test_timestamp_skew_edges),
        cmocka_unit_test(test_timestamp_not_a_number),
        cmocka_unit_test(test_params_repeated_refused),
        cmocka_unit_test(test_params_query_form_merge),
        cmocka_unit_test(test_params_plus_and_percent),
        cmocka_unit_test(test_params_unicode),
        cmocka_unit_test(test_params_sort_sizes),
        cmocka_unit_test(test_params_edges),
        cmocka_unit_test(test_params_none),
        cmocka_unit_test(test_headers_mixed_case),
        cmocka_unit_test(test_headers_duplicates_and_spaces),
        cmocka_unit_test(test_headers_excluded),
        cmocka_unit_test(test_headers_empty_value),
        cmocka_unit_test(test_headers_missing),
        cmocka_unit_test(test_headers_duplicate),
        cmocka_unit_test(test_header_signed),
        cmocka_unit_test(test_buffer_too_small),
        cmocka_unit_test(test_is_form),
        cmocka_unit_test(test_sts_message),
        cmocka_unit_test(test_appcode_header),
        cmocka_unit_test(test_appcode_query),
    };

    return cmocka_run_group_tests_name("xca", tests, NULL, NULL);
}
