/*
 * Huawei Cloud APIG's app authentication: the SDK-HMAC-SHA256 signature
 * ("huawei": `Authorization: SDK-HMAC-SHA256 Access=<AppKey>,
 * SignedHeaders=..., Signature=...` with X-Sdk-Date) and simple
 * authentication ("huawei_appcode": `X-Apig-AppCode: <code>`), with
 * Huawei's failure shape: a JSON body {"error_code", "error_msg",
 * "request_id"} and X-Request-Id.
 *
 * The signing rules are lib/huawei_sign.c's; this file adapts nginx's
 * request to them.  X-Sdk-Date must be signed and within the location's
 * clock skew.  Huawei's signature has no nonce: the signature stands for
 * one, so a signed request is accepted once (for the skew after its
 * date).  The body is signed unless X-Sdk-Content-Sha256 says
 * UNSIGNED-PAYLOAD; a parameter repeated in the query, and every header
 * the scheme reads or the client signs sent twice, are refused.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "tollgate/crypto.h"
#include "tollgate/error.h"
#include "tollgate/huawei_sign.h"
#include "tollgate/time.h"
#include "ngx_http_tollgate_scheme.h"


/* The most query parameters a signed call may carry. */
#define NGX_TOLLGATE_HW_QUERY_MAX TG_HW_GATEWAY_QUERY_MAX

/* The length of a request id. */
#define NGX_TOLLGATE_HW_ID_LEN 32

/* The longest AppCode looked up. */
#define NGX_TOLLGATE_HW_CODE_MAX 256

enum {
    HW_AUTHORIZATION = 0,
    HW_DATE,
    HW_CONTENT_SHA256,
    HW_STAGE
};

static const ngx_str_t ngx_http_tollgate_huawei_headers[] = {
    ngx_string("authorization"), ngx_string("x-sdk-date"),
    ngx_string("x-sdk-content-sha256"), ngx_string("x-stage"), ngx_null_string
};

static const ngx_str_t ngx_http_tollgate_huawei_spelled[] = {
    ngx_string("Authorization"), ngx_string("X-Sdk-Date"),
    ngx_string("X-Sdk-Content-Sha256"), ngx_string("X-Stage")
};

enum {
    HW_APPCODE = 0,
    HW_APPCODE_STAGE
};

static const ngx_str_t ngx_http_tollgate_huawei_appcode_headers[] = {
    ngx_string("x-apig-appcode"), ngx_string("x-stage"), ngx_null_string
};

static const ngx_str_t ngx_http_tollgate_huawei_appcode_spelled[] = {
    ngx_string("X-Apig-AppCode"), ngx_string("X-Stage")
};


static tg_str_t
ngx_http_tollgate_huawei_value(ngx_http_tollgate_call_t *call, ngx_uint_t i)
{
    return ngx_http_tollgate_header_value(call->headers[i]);
}


/* 1 if Authorization names SDK-HMAC-SHA256. */
static ngx_int_t
ngx_http_tollgate_huawei_detect(ngx_http_tollgate_call_t *call)
{
    static const char algorithm[] = TG_HW_ALGORITHM " ";
    tg_str_t          auth;

    auth = ngx_http_tollgate_huawei_value(call, HW_AUTHORIZATION);
    return auth.len >= sizeof(algorithm) - 1
           && ngx_strncmp(auth.ptr, algorithm, sizeof(algorithm) - 1) == 0;
}


static ngx_int_t
ngx_http_tollgate_huawei_unsigned_payload(ngx_http_tollgate_call_t *call)
{
    tg_str_t hash = ngx_http_tollgate_huawei_value(call, HW_CONTENT_SHA256);

    return tg_str_eq_c(hash, TG_HW_UNSIGNED);
}


static ngx_int_t
ngx_http_tollgate_huawei_needs_body(ngx_http_tollgate_call_t *call)
{
    return !ngx_http_tollgate_huawei_unsigned_payload(call);
}


/* The first of the scheme's headers sent twice, or -1. */
static ngx_int_t
ngx_http_tollgate_huawei_dup(ngx_http_tollgate_call_t *call,
                             const ngx_str_t          *names)
{
    ngx_uint_t i;

    for (i = 0; names[i].len != 0; i++) {
        if (call->dup & ((uint32_t) 1 << i)) {
            return (ngx_int_t) i;
        }
    }
    return -1;
}


/*
 * The query's parameters, decoded by tg_hw_query_parse() into the pool.
 * Returns NGX_OK, NGX_DECLINED with the failure set (too many, or one
 * repeated), or NGX_ERROR.
 */
static ngx_int_t
ngx_http_tollgate_huawei_query(ngx_http_tollgate_call_t *call,
                               tg_hw_pair_t *pairs, size_t *n,
                               ngx_uint_t *empty)
{
    ngx_str_t *args = &call->r->args;
    u_char    *out;
    int        rc, some_empty;

    *n = 0;
    *empty = 0;
    if (args->len == 0) {
        return NGX_OK;
    }

    out = ngx_pnalloc(call->r->pool, args->len);
    if (out == NULL) {
        return NGX_ERROR;
    }

    rc = tg_hw_query_parse((tg_str_t){ (const char *) args->data, args->len },
                           (char *) out, args->len, pairs,
                           NGX_TOLLGATE_HW_QUERY_MAX, n, &some_empty);
    if (rc == TG_EINVALID || rc == TG_ETOO_LARGE) {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_REPEATED_PARAMETER,
                                        NULL);
    }
    if (rc != TG_OK) {
        return NGX_ERROR;
    }

    *empty = some_empty != 0;
    return NGX_OK;
}


/* The path as sent, percent-decoded into the pool. */
static ngx_int_t
ngx_http_tollgate_huawei_path(ngx_http_tollgate_call_t *call, tg_str_t *path)
{
    u_char  *out;
    tg_str_t raw;

    raw = ngx_http_tollgate_request_path(call->r);

    out = ngx_pnalloc(call->r->pool, raw.len + 1);
    if (out == NULL) {
        return NGX_ERROR;
    }
    path->ptr = (const char *) out;

    return tg_hw_path_decode(raw, (char *) out, raw.len + 1, &path->len)
                   == TG_OK
               ? NGX_OK
               : NGX_ERROR;
}


/*
 * The signed headers, in the list's order, with their values: each must
 * be sent once, and x-sdk-date must be among them.
 */
static ngx_int_t
ngx_http_tollgate_huawei_signed(
    ngx_http_tollgate_call_t *call, tg_str_t list, tg_hw_pair_t *headers,
    char names[TG_HW_HEADERS_MAX][TG_HW_HEADER_NAME_MAX + 1], size_t *n)
{
    ngx_str_t name;
    tg_str_t  value;
    size_t    i;
    ngx_int_t rc;

    if (tg_hw_signed_headers_parse(list, names, n) != TG_OK) {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_NO_SIGNATURE, NULL);
    }
    if (!tg_hw_signed(names, *n, "x-sdk-date")) {
        return ngx_http_tollgate_refuse(
            call, NGX_TOLLGATE_UNSIGNED_HEADER,
            &ngx_http_tollgate_huawei_spelled[HW_DATE]);
    }

    for (i = 0; i < *n; i++) {
        name.data = (u_char *) names[i];
        name.len = ngx_strlen(names[i]);
        rc = ngx_http_tollgate_find_header(
            call->r, (tg_str_t){ names[i], name.len }, &value);
        if (rc != 1) {
            name.data = ngx_pstrdup(call->r->pool, &name);
            if (name.data == NULL) {
                return NGX_ERROR;
            }
            return ngx_http_tollgate_refuse(call,
                                            rc == 0
                                                ? NGX_TOLLGATE_MISSING_HEADER
                                                : NGX_TOLLGATE_DUPLICATE_HEADER,
                                            &name);
        }
        headers[i].name = (tg_str_t){ names[i], name.len };
        headers[i].value = value;
    }

    return NGX_OK;
}


/* The payload hash: UNSIGNED-PAYLOAD, or the body's, which a sent
 * X-Sdk-Content-Sha256 must be. */
static ngx_int_t
ngx_http_tollgate_huawei_payload(ngx_http_tollgate_call_t *call,
                                 char      hex[2 * TG_SHA256_LEN + 1],
                                 tg_str_t *hash)
{
    uint8_t  digest[TG_SHA256_LEN];
    tg_str_t sent = ngx_http_tollgate_huawei_value(call, HW_CONTENT_SHA256);

    if (ngx_http_tollgate_huawei_unsigned_payload(call)) {
        *hash = sent;
        return NGX_OK;
    }

    if (tg_sha256((tg_str_t){ (const char *) call->body.data, call->body.len },
                  digest)
        != TG_OK)
    {
        return NGX_ERROR;
    }
    tg_hex_encode(digest, sizeof(digest), hex);

    if (sent.ptr != NULL
        && (sent.len != 2 * TG_SHA256_LEN
            || ngx_strncasecmp((u_char *) sent.ptr, (u_char *) hex, sent.len)
                   != 0))
    {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_BAD_DIGEST, NULL);
    }

    *hash = (tg_str_t){ hex, 2 * TG_SHA256_LEN };
    return NGX_OK;
}


/* X-Sdk-Date: present, well formed, within the skew; sets *at. */
static ngx_int_t
ngx_http_tollgate_huawei_date(ngx_http_tollgate_call_t *call, int64_t *at)
{
    tg_str_t date = ngx_http_tollgate_huawei_value(call, HW_DATE);
    int64_t  skew = (int64_t) call->settings->skew;

    if (date.ptr == NULL) {
        return ngx_http_tollgate_refuse(
            call, NGX_TOLLGATE_MISSING_HEADER,
            &ngx_http_tollgate_huawei_spelled[HW_DATE]);
    }
    if (tg_hw_date_parse(date, at) != TG_OK) {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_BAD_TIMESTAMP, NULL);
    }
    if (*at < call->now_ms - skew || *at > call->now_ms + skew) {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_TIMESTAMP_EXPIRED,
                                        &call->headers[HW_DATE]->value);
    }
    return NGX_OK;
}


/* What a secret is checked against: each string to sign, one signature. */
typedef struct {
    const tg_buf_t *sts;
    size_t          nsts;
    tg_str_t        signature;
} ngx_http_tollgate_huawei_check_t;


/* An ngx_http_tollgate_verify_pt: the secret on each string to sign. */
static ngx_int_t
ngx_http_tollgate_huawei_check(void *data, tg_str_t secret)
{
    ngx_http_tollgate_huawei_check_t *check = data;
    size_t                            j;

    for (j = 0; j < check->nsts; j++) {
        if (tg_hw_verify(secret, tg_buf_str(&check->sts[j]), check->signature)
            == TG_OK) {
            return NGX_OK;
        }
    }
    return NGX_DECLINED;
}


/* The strings to sign: "k=" for empty values, then Huawei's JS signer's
 * "k".  Returns how many were built, or 0 without memory. */
static size_t
ngx_http_tollgate_huawei_sts(tg_hw_request_t *req, tg_str_t date,
                             ngx_uint_t empty, tg_buf_t sts[2])
{
    tg_buf_t cr = TG_BUF_INIT;
    size_t   n = 0;
    int      form;

    for (form = 0; form < (empty ? 2 : 1); form++) {
        tg_buf_reset(&cr);
        req->empty_form = form;
        if (tg_hw_canonical_request(req, &cr) != TG_OK
            || tg_hw_string_to_sign(date, tg_buf_str(&cr), &sts[n]) != TG_OK)
        {
            n = 0;
            break;
        }
        n++;
    }

    tg_buf_free(&cr);
    return n;
}


/* Records the signature as the call's nonce until its date leaves the
 * skew. */
static ngx_int_t
ngx_http_tollgate_huawei_nonce(ngx_http_tollgate_call_t *call, tg_str_t app_key,
                               tg_str_t signature, int64_t at)
{
    char   nonce[TG_HW_SIGNATURE_LEN];
    size_t i;

    for (i = 0; i < TG_HW_SIGNATURE_LEN; i++) {
        nonce[i] = (char) ngx_tolower((u_char) signature.ptr[i]);
    }

    return ngx_http_tollgate_spend_nonce(
        call, app_key, (tg_str_t){ nonce, TG_HW_SIGNATURE_LEN }, at,
        at + (int64_t) call->settings->skew);
}


/* Verifies the signature of a request whose parts were checked. */
static ngx_int_t
ngx_http_tollgate_huawei_signature(ngx_http_tollgate_call_t *call,
                                   tg_hw_request_t *req, tg_str_t app_key,
                                   tg_str_t signature, ngx_uint_t empty)
{
    ngx_http_tollgate_huawei_check_t check;
    tg_proj_key_t                    k;
    tg_buf_t                         sts[2] = { TG_BUF_INIT, TG_BUF_INIT };
    ngx_uint_t                       live = 0;
    ngx_int_t                        rc;
    size_t                           nsts;

    if (!ngx_http_tollgate_find_key(call, app_key, &k)) {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_UNKNOWN_KEY,
                                        &call->app_key);
    }

    nsts = ngx_http_tollgate_huawei_sts(
        req, ngx_http_tollgate_huawei_value(call, HW_DATE), empty, sts);
    if (nsts == 0) {
        rc = NGX_ERROR;
    } else {
        check.sts = sts;
        check.nsts = nsts;
        check.signature = signature;
        rc = ngx_http_tollgate_try_secrets(
            call, app_key, &k, ngx_http_tollgate_huawei_check, &check, &live);
    }
    tg_buf_free(&sts[0]);
    tg_buf_free(&sts[1]);

    if (rc == NGX_ERROR) {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_INTERNAL, NULL);
    }
    if (live == 0) {
        /* Only a secret whose grace has ended: the key is gone. */
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_UNKNOWN_KEY,
                                        &call->app_key);
    }
    if (rc != NGX_OK) {
        return ngx_http_tollgate_refuse_mismatch(call, NULL);
    }
    return NGX_OK;
}


static ngx_int_t
ngx_http_tollgate_huawei_verify(ngx_http_tollgate_call_t *call)
{
    char            names[TG_HW_HEADERS_MAX][TG_HW_HEADER_NAME_MAX + 1];
    char            hex[2 * TG_SHA256_LEN + 1];
    tg_hw_pair_t    headers[TG_HW_HEADERS_MAX], *query;
    tg_hw_request_t req;
    tg_hw_auth_t    auth;
    ngx_uint_t      empty;
    ngx_int_t       rc, dup;
    int64_t         at;
    size_t          nheaders, nquery;

    dup = ngx_http_tollgate_huawei_dup(call, ngx_http_tollgate_huawei_headers);
    if (dup >= 0) {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_DUPLICATE_HEADER,
                                        &ngx_http_tollgate_huawei_spelled[dup]);
    }

    if (tg_hw_auth_parse(ngx_http_tollgate_huawei_value(call, HW_AUTHORIZATION),
                         &auth)
        != TG_OK)
    {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_NO_SIGNATURE, NULL);
    }
    call->app_key.data = (u_char *) auth.access.ptr;
    call->app_key.len = auth.access.len;

    query = ngx_palloc(call->r->pool,
                       NGX_TOLLGATE_HW_QUERY_MAX * sizeof(tg_hw_pair_t));
    if (query == NULL) {
        return NGX_ERROR;
    }

    ngx_memzero(&req, sizeof(req));
    rc = ngx_http_tollgate_huawei_date(call, &at);
    if (rc == NGX_OK) {
        rc = ngx_http_tollgate_huawei_signed(call, auth.signed_headers, headers,
                                             names, &nheaders);
    }
    if (rc == NGX_OK) {
        rc = ngx_http_tollgate_huawei_payload(call, hex, &req.payload_hash);
    }
    if (rc == NGX_OK) {
        rc = ngx_http_tollgate_huawei_query(call, query, &nquery, &empty);
    }
    if (rc == NGX_OK) {
        rc = ngx_http_tollgate_huawei_path(call, &req.path);
    }
    if (rc != NGX_OK) {
        return rc;
    }

    req.method = (tg_str_t){ (const char *) call->r->method_name.data,
                             call->r->method_name.len };
    req.query = query;
    req.nquery = nquery;
    req.headers = headers;
    req.nheaders = nheaders;

    rc = ngx_http_tollgate_huawei_signature(call, &req, auth.access,
                                            auth.signature, empty);
    if (rc == NGX_OK) {
        rc = ngx_http_tollgate_huawei_nonce(call, auth.access, auth.signature,
                                            at);
    }
    if (rc != NGX_OK) {
        return rc;
    }

    if (call->headers[HW_STAGE] != NULL) {
        call->stage = call->headers[HW_STAGE]->value;
    }
    return NGX_OK;
}


/* ---- simple authentication: X-Apig-AppCode ----------------------------- */


static ngx_int_t
ngx_http_tollgate_huawei_appcode_detect(ngx_http_tollgate_call_t *call)
{
    return call->headers[HW_APPCODE] != NULL;
}


static ngx_int_t
ngx_http_tollgate_huawei_appcode_needs_body(ngx_http_tollgate_call_t *call)
{
    (void) call;
    return 0;
}


static ngx_int_t
ngx_http_tollgate_huawei_appcode_verify(ngx_http_tollgate_call_t *call)
{
    tg_str_t  code;
    ngx_int_t dup, rc;

    dup = ngx_http_tollgate_huawei_dup(
        call, ngx_http_tollgate_huawei_appcode_headers);
    if (dup >= 0) {
        return ngx_http_tollgate_refuse(
            call, NGX_TOLLGATE_DUPLICATE_HEADER,
            &ngx_http_tollgate_huawei_appcode_spelled[dup]);
    }

    code = ngx_http_tollgate_header_value(call->headers[HW_APPCODE]);
    if (code.len == 0 || code.len > NGX_TOLLGATE_HW_CODE_MAX) {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_MALFORMED_CODE,
                                        NULL);
    }

    rc = ngx_http_tollgate_find_code(call, code);
    if (rc == NGX_ERROR) {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_INTERNAL, NULL);
    }
    if (rc == 0) {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_UNKNOWN_CODE, NULL);
    }
    if (call->aged) {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_CODE_EXPIRED, NULL);
    }

    if (call->headers[HW_APPCODE_STAGE] != NULL) {
        call->stage = call->headers[HW_APPCODE_STAGE]->value;
    }
    return NGX_OK;
}


/* ---- Huawei's failure shape -------------------------------------------- */


typedef struct {
    ngx_uint_t  status;
    const char *code;
    const char *message;
} ngx_http_tollgate_huawei_error_t;

#define HW_APP_AUTH "Incorrect app authentication information: "

/* Huawei's gateway answer for each reason (its data-plane table). */
static const ngx_http_tollgate_huawei_error_t
    ngx_http_tollgate_huawei_errors[NGX_TOLLGATE_NREASONS] = {
        [NGX_TOLLGATE_NO_CREDENTIAL] = { 401, "APIG.0303",
                                         HW_APP_AUTH
                                         "authorization not found" },
        [NGX_TOLLGATE_AMBIGUOUS] = { 400, "APIG.0201",
                                     "API request error: more than one "
                                     "credential" },
        [NGX_TOLLGATE_DUPLICATE_HEADER] = { 400, "APIG.0201",
                                            "API request error: duplicate "
                                            "header " },
        [NGX_TOLLGATE_REPEATED_PARAMETER] = { 400, "APIG.0201",
                                              "API request error: repeated "
                                              "or too many query parameters" },
        [NGX_TOLLGATE_MALFORMED_CODE] = { 401, "APIG.0303",
                                          HW_APP_AUTH "invalid appcode" },
        [NGX_TOLLGATE_UNKNOWN_KEY] = { 401, "APIG.0303",
                                       HW_APP_AUTH "app not found, appkey " },
        [NGX_TOLLGATE_UNKNOWN_CODE] = { 401, "APIG.0303",
                                        HW_APP_AUTH "app not found, appcode "
                                                    "invalid" },
        [NGX_TOLLGATE_NO_SIGNATURE] = { 401, "APIG.0303",
                                        HW_APP_AUTH "invalid authorization "
                                                    "header" },
        [NGX_TOLLGATE_BAD_SIGNATURE] = { 401, "APIG.0303",
                                         HW_APP_AUTH "verify signature fail" },
        [NGX_TOLLGATE_SECRET_EXPIRED] = { 401, "APIG.0303",
                                          HW_APP_AUTH "app secret expired, "
                                                      "reset it" },
        [NGX_TOLLGATE_CODE_EXPIRED] = { 401, "APIG.0303",
                                        HW_APP_AUTH "appcode expired, "
                                                    "reset it" },
        [NGX_TOLLGATE_BAD_METHOD] = { 401, "APIG.0303",
                                      HW_APP_AUTH "unsupported signature "
                                                  "algorithm" },
        [NGX_TOLLGATE_MALFORMED_AUTH] = { 401, "APIG.0303",
                                          HW_APP_AUTH "invalid authorization "
                                                      "header" },
        [NGX_TOLLGATE_MISSING_HEADER] = { 401, "APIG.0303",
                                          HW_APP_AUTH "header not found: " },
        [NGX_TOLLGATE_UNSIGNED_HEADER] = { 401, "APIG.0303",
                                           HW_APP_AUTH "header not signed: " },
        [NGX_TOLLGATE_BAD_TIMESTAMP] = { 401, "APIG.0303",
                                         HW_APP_AUTH "invalid x-sdk-date" },
        [NGX_TOLLGATE_TIMESTAMP_EXPIRED] = { 401, "APIG.0303",
                                             HW_APP_AUTH "signature expired, "
                                                         "signature time:" },
        [NGX_TOLLGATE_BAD_NONCE] = { 401, "APIG.0303",
                                     HW_APP_AUTH "invalid signature" },
        [NGX_TOLLGATE_NONCE_USED] = { 401, "APIG.0303",
                                      HW_APP_AUTH "signature already used" },
        [NGX_TOLLGATE_BAD_DIGEST] = { 401, "APIG.0303",
                                      HW_APP_AUTH "x-sdk-content-sha256 does "
                                                  "not match the body" },
        [NGX_TOLLGATE_BAD_STAGE] = { 400, "APIG.0201",
                                     "API request error: invalid X-Stage" },
        [NGX_TOLLGATE_APP_DISABLED] = { 405, "APIG.0502",
                                        "The app has been frozen." },
        [NGX_TOLLGATE_NOT_GRANTED] = { 403, "APIG.0304",
                                       "The app is not authorized to access "
                                       "the API." },
        [NGX_TOLLGATE_GRANT_EXPIRED] = { 403, "APIG.0304",
                                         "The app is not authorized to access "
                                         "the API: the authorization "
                                         "expired." },
        [NGX_TOLLGATE_BODY_TOO_LARGE] = { 413, "APIG.0201",
                                          "Request entity too large." },
        [NGX_TOLLGATE_THROTTLED] = { 429, "APIG.0308",
                                     "The throttling threshold has been "
                                     "reached." },
        [NGX_TOLLGATE_INTERNAL] = { 500, "APIG.0201",
                                    "An unexpected error occurred" },
        [NGX_TOLLGATE_UNAVAILABLE] = { 503, "APIG.0201",
                                       "Service unavailable." },
        [NGX_TOLLGATE_PROJECTION_UNAVAILABLE] = { 503, "APIG.0201",
                                                  "Service unavailable." },
        [NGX_TOLLGATE_PROJECTION_STALE] = { 503, "APIG.0201",
                                            "Service unavailable." },
    };


/* Appends s to p as the inside of a JSON string. */
static u_char *
ngx_http_tollgate_huawei_json(u_char *p, const u_char *s, size_t len)
{
    static const u_char hex[] = "0123456789abcdef";
    size_t              i;

    for (i = 0; i < len; i++) {
        if (s[i] == '"' || s[i] == '\\') {
            *p++ = '\\';
            *p++ = s[i];
        } else if (s[i] < 0x20 || s[i] >= 0x7f) {
            /* Headers may carry anything: keep the body ASCII JSON. */
            p = ngx_cpymem(p, "\\u00", 4);
            *p++ = hex[s[i] >> 4];
            *p++ = hex[s[i] & 0xf];
        } else {
            *p++ = s[i];
        }
    }
    return p;
}


static ngx_int_t
ngx_http_tollgate_huawei_render(ngx_http_request_t                *r,
                                const ngx_http_tollgate_failure_t *f,
                                ngx_uint_t *status, ngx_str_t *message)
{
    static const ngx_str_t type = ngx_string("application/json;charset=UTF-8");
    const ngx_http_tollgate_huawei_error_t *e;
    ngx_str_t                               json;
    u_char                                 *id, *body, *p;
    uint32_t                                w;
    ngx_uint_t                              i;
    size_t                                  len;

    e = &ngx_http_tollgate_huawei_errors[f->reason < NGX_TOLLGATE_NREASONS
                                             ? f->reason
                                             : NGX_TOLLGATE_INTERNAL];
    if (e->code == NULL) {
        e = &ngx_http_tollgate_huawei_errors[NGX_TOLLGATE_INTERNAL];
    }
    *status = e->status;

    /* The message: Huawei's, then what it concerns (a header's name, an
     * AppKey, a date), at most 128 bytes of it. */
    len = ngx_strlen(e->message);
    message->len = len + ngx_min(f->detail.len, 128);
    message->data = ngx_pnalloc(r->pool, message->len);
    if (message->data == NULL) {
        return NGX_ERROR;
    }
    p = ngx_cpymem(message->data, e->message, len);
    if (message->len > len) {
        ngx_memcpy(p, f->detail.data, message->len - len);
    }

    /* A request id as Huawei's: 32 hex digits, in the pool (a header's
     * value must outlive the call). */
    id = ngx_pnalloc(r->pool, NGX_TOLLGATE_HW_ID_LEN);
    if (id == NULL) {
        return NGX_ERROR;
    }
    for (i = 0; i < NGX_TOLLGATE_HW_ID_LEN; i += 8) {
        w = (uint32_t) ngx_random();
        ngx_sprintf(id + i, "%08xD", w);
    }

    body = ngx_pnalloc(r->pool, 64 + 6 * message->len + NGX_TOLLGATE_HW_ID_LEN);
    if (body == NULL) {
        return NGX_ERROR;
    }
    p = ngx_sprintf(body, "{\"error_code\":\"%s\",\"error_msg\":\"", e->code);
    p = ngx_http_tollgate_huawei_json(p, message->data, message->len);
    p = ngx_sprintf(p, "\",\"request_id\":\"%*s\"}", NGX_TOLLGATE_HW_ID_LEN,
                    id);

    json.data = body;
    json.len = (size_t) (p - body);

    if (ngx_http_tollgate_add_header(r, "X-Request-Id", id,
                                     NGX_TOLLGATE_HW_ID_LEN)
            != NGX_OK
        || ngx_http_tollgate_failure_body(r, &type, &json) != NGX_OK)
    {
        return NGX_ERROR;
    }
    return NGX_OK;
}


const ngx_http_tollgate_scheme_t ngx_http_tollgate_huawei_scheme = {
    ngx_string("huawei"),
    ngx_http_tollgate_huawei_headers,
    (uint32_t) 1 << HW_AUTHORIZATION,
    ngx_http_tollgate_huawei_detect,
    ngx_http_tollgate_huawei_needs_body,
    ngx_http_tollgate_huawei_verify,
    ngx_http_tollgate_huawei_render
};

const ngx_http_tollgate_scheme_t ngx_http_tollgate_huawei_appcode_scheme = {
    ngx_string("huawei_appcode"),
    ngx_http_tollgate_huawei_appcode_headers,
    (uint32_t) 1 << HW_APPCODE,
    ngx_http_tollgate_huawei_appcode_detect,
    ngx_http_tollgate_huawei_appcode_needs_body,
    ngx_http_tollgate_huawei_appcode_verify,
    ngx_http_tollgate_huawei_render
};
