/*
 * Authentication of Alibaba calls: the RPC signature v1.0 (HMAC-SHA1 in
 * a Signature parameter) or V3 (ACS3-HMAC-SHA256 in Authorization), a
 * timestamp within 15 minutes, and a nonce never used before.
 *
 * The access key's secret never leaves the core service: the service
 * opens it and calls back here to compare the signatures.  The nonce is
 * recorded only once the signature matched, so that unsigned requests
 * can neither fill the cache nor burn someone else's nonces.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/crypto.h"
#include "tollgate/time.h"
#include "dialects/alibaba/alibaba_int.h"


#define TG_ALI_MISMATCH                                         \
    "Specified signature is not matched with our calculation. " \
    "server string to sign is:"

/* What the service's callback compares. */
typedef struct {
    int      v3;
    tg_str_t sts;
    tg_str_t signature;
} tg_ali_check_t;


static int
tg_ali_check(void *data, tg_str_t secret)
{
    tg_ali_check_t *c = data;

    return c->v3 ? tg_acs_v3_verify(secret, c->sts, c->signature)
                 : tg_acs_v1_verify(secret, c->sts, c->signature);
}


/* A timestamp within 15 minutes of now. */
static int
tg_ali_timestamp(tg_ali_call_t *call, tg_str_t value)
{
    int64_t at, now = tg_time_now_ms();

    if (tg_time_parse(value, &at) != TG_OK) {
        return tg_ali_fail(call, 400, "InvalidTimeStamp.Format",
                           "Specified time stamp or date value is not well "
                           "formatted.");
    }

    if (at < now - TG_ALI_SKEW_MS || at > now + TG_ALI_SKEW_MS) {
        return tg_ali_fail(call, 400, "InvalidTimeStamp.Expired",
                           "Specified time stamp or date value is expired: "
                           "it must be within 15 minutes of the server's "
                           "time.");
    }

    return TG_OK;
}


static int
tg_ali_nonce_check(tg_ali_call_t *call, tg_str_t nonce)
{
    if (nonce.len > TG_ALI_NONCE_MAX) {
        return tg_ali_invalid(call, "SignatureNonce",
                              "must be at most 128 characters");
    }
    return TG_OK;
}


/* Records the nonce, once the signature matched. */
static int
tg_ali_nonce_use(tg_ali_call_t *call, tg_str_t key_id, tg_str_t nonce)
{
    int64_t now = tg_time_now_ms();
    int     rc;

    pthread_mutex_lock(&call->ali->lock);
    rc = tg_nonce_cache_use(call->ali->nonces, key_id, nonce, now,
                            now + 2 * TG_ALI_SKEW_MS);
    pthread_mutex_unlock(&call->ali->lock);

    switch (rc) {
    case TG_OK:
        return TG_OK;
    case TG_ECONFLICT:
        return tg_ali_fail(call, 400, "SignatureNonceUsed",
                           "Specified signature nonce was used already.");
    case TG_EBUSY:
        return tg_ali_fail(call, 503, "ServiceUnavailable",
                           "The request has failed due to a temporary "
                           "failure of the server: too many signature "
                           "nonces to remember; retry later.");
    default:
        return tg_ali_fail(call, 500, "InternalError",
                           "The request processing has failed due to some "
                           "unknown error, exception or failure.");
    }
}


/* Has the service check the signature with the key's secret, and
 * renders why it failed. */
static int
tg_ali_verify(tg_ali_call_t *call, tg_str_t key_id, tg_ali_check_t *check,
              tg_str_t extra)
{
    tg_auth_outcome_t outcome = TG_AUTH_OK;
    int               rc;

    rc = tg_service_authenticate_signed(call->svc, key_id, tg_ali_check, check,
                                        &call->actor, &outcome, &call->err);
    if (rc == TG_OK) {
        return TG_OK;
    }

    switch (outcome) {
    case TG_AUTH_UNKNOWN_KEY:
        return tg_ali_fail(call, 404, "InvalidAccessKeyId.NotFound",
                           "Specified access key is not found.");
    case TG_AUTH_NO_SIGNING_SECRET:
        return tg_ali_fail(call, 400, "InvalidAccessKeyId.Inactive",
                           "Specified access key cannot sign requests yet: "
                           "it was made before Tollgate kept signing "
                           "secrets. Use it once with the native API "
                           "(HTTP Basic) or create a new access key.");
    case TG_AUTH_DISABLED:
        return tg_ali_fail(call, 400, "InvalidAccessKeyId.Inactive",
                           "Specified access key is disabled.");
    case TG_AUTH_BAD_SIGNATURE:
        return tg_ali_fail(call, 400, "SignatureDoesNotMatch",
                           TG_ALI_MISMATCH "%.*s%.*s", (int) check->sts.len,
                           check->sts.ptr, (int) extra.len,
                           extra.ptr != NULL ? extra.ptr : "");
    default:
        return tg_ali_core_error(call);
    }
}


/* ---- v1.0 ---- */


static int
tg_ali_v1(tg_ali_call_t *call)
{
    tg_ali_check_t check;
    tg_buf_t       sts = TG_BUF_INIT;
    tg_str_t       key_id, method, version, timestamp, nonce;
    int            rc;

    memset(&check, 0, sizeof(check));

    if (tg_ali_require(call, "AccessKeyId", &key_id) != TG_OK
        || tg_ali_require(call, "SignatureMethod", &method) != TG_OK
        || tg_ali_require(call, "SignatureNonce", &nonce) != TG_OK
        || tg_ali_require(call, "Timestamp", &timestamp) != TG_OK)
    {
        return TG_EMISSING;
    }

    if (!tg_str_eq_c(method, "HMAC-SHA1")) {
        return tg_ali_fail(call, 400, "InvalidSignatureMethod",
                           "Specified signature method is not valid.");
    }

    version = tg_ali_param(call, "SignatureVersion");
    if (version.ptr != NULL && !tg_str_eq_c(version, "1.0")) {
        return tg_ali_fail(call, 400, "InvalidSignatureVersion",
                           "Specified signature version is not valid.");
    }

    rc = tg_ali_timestamp(call, timestamp);
    if (rc == TG_OK) {
        rc = tg_ali_nonce_check(call, nonce);
    }
    if (rc != TG_OK) {
        return rc;
    }

    if (tg_acs_v1_string_to_sign(tg_str_c(tg_http_method(call->req)),
                                 call->params, call->nparams, &sts)
        != TG_OK)
    {
        tg_buf_free(&sts);
        call->err.code = TG_ENOMEM;
        return tg_ali_core_error(call);
    }

    check.sts = tg_buf_str(&sts);
    check.signature = tg_ali_param(call, "Signature");

    rc = tg_ali_verify(call, key_id, &check, TG_STR_NULL);
    if (rc == TG_OK) {
        rc = tg_ali_nonce_use(call, key_id, nonce);
    }

    tg_buf_free(&sts);
    return rc;
}


/* ---- V3 ---- */


/* The signed headers, as listed, with their values from the request. */
static int
tg_ali_v3_headers(
    tg_ali_call_t *call, tg_str_t list, tg_acs_param_t *headers,
    char names[TG_ACS_V3_HEADERS_MAX][TG_ACS_V3_HEADER_NAME_MAX + 1], size_t *n)
{
    const char *value;
    size_t      i;

    if (tg_acs_v3_signed_headers_parse(list, names, n) != TG_OK) {
        return tg_ali_fail(call, 400, "IncompleteSignature",
                           "The request signature does not conform to "
                           "Aliyun standards: bad SignedHeaders.");
    }

    for (i = 0; i < *n; i++) {
        value = tg_http_header(call->req, names[i]);
        if (value == NULL) {
            return tg_ali_fail(call, 400, "IncompleteSignature",
                               "The request signature does not conform to "
                               "Aliyun standards: the signed header %s is "
                               "not in the request.",
                               names[i]);
        }
        headers[i].name = tg_str_c(names[i]);
        headers[i].value = tg_str_c(value);
    }

    return TG_OK;
}


/* Whether name is among the signed headers. */
static int
tg_ali_v3_signed(const tg_acs_param_t *headers, size_t n, const char *name)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (tg_str_eq_c(headers[i].name, name)) {
            return 1;
        }
    }
    return 0;
}


/* The headers that make a request what it is must be signed. */
static int
tg_ali_v3_required(tg_ali_call_t *call, const tg_acs_param_t *headers, size_t n)
{
    static const char *const always[] = { "x-acs-date",
                                          "x-acs-signature-nonce" };
    static const char *const if_sent[] = { "x-acs-action", "x-acs-version",
                                           "x-acs-content-sha256" };
    size_t                   i;

    for (i = 0; i < 2; i++) {
        if (!tg_ali_v3_signed(headers, n, always[i])) {
            return tg_ali_fail(call, 400, "IncompleteSignature",
                               "The request signature does not conform to "
                               "Aliyun standards: %s must be signed.",
                               always[i]);
        }
    }

    for (i = 0; i < 3; i++) {
        if (tg_http_header(call->req, if_sent[i]) != NULL
            && !tg_ali_v3_signed(headers, n, if_sent[i]))
        {
            return tg_ali_fail(call, 400, "IncompleteSignature",
                               "The request signature does not conform to "
                               "Aliyun standards: %s must be signed.",
                               if_sent[i]);
        }
    }

    return TG_OK;
}


/* The body's SHA-256 in hex, which a sent x-acs-content-sha256 must be. */
static int
tg_ali_v3_payload(tg_ali_call_t *call, char hex[2 * TG_SHA256_LEN + 1])
{
    uint8_t     digest[TG_SHA256_LEN];
    const char *sent = tg_http_header(call->req, "x-acs-content-sha256");

    if (tg_sha256(tg_http_body(call->req), digest) != TG_OK) {
        call->err.code = TG_EINTERNAL;
        return tg_ali_core_error(call);
    }
    tg_hex_encode(digest, sizeof(digest), hex);

    if (sent != NULL && strcasecmp(sent, hex) != 0) {
        return tg_ali_fail(call, 400, "SignatureDoesNotMatch",
                           "Specified signature is not matched with our "
                           "calculation: x-acs-content-sha256 is not the "
                           "SHA-256 of the body.");
    }

    return TG_OK;
}


static int
tg_ali_v3(tg_ali_call_t *call, const char *authorization)
{
    tg_acs_param_t headers[TG_ACS_V3_HEADERS_MAX];
    char           names[TG_ACS_V3_HEADERS_MAX][TG_ACS_V3_HEADER_NAME_MAX + 1];
    char           payload[2 * TG_SHA256_LEN + 1];
    tg_acs_v3_request_t creq;
    tg_acs_v3_auth_t    auth;
    tg_ali_check_t      check;
    tg_buf_t            canonical = TG_BUF_INIT, sts = TG_BUF_INIT;
    tg_buf_t            extra = TG_BUF_INIT;
    tg_str_t            nonce;
    size_t              nheaders;
    int                 rc;

    if (tg_acs_v3_auth_parse(tg_str_c(authorization), &auth) != TG_OK) {
        return tg_ali_fail(call, 400, "IncompleteSignature",
                           "The request signature does not conform to Aliyun "
                           "standards: expected Authorization: "
                           "ACS3-HMAC-SHA256 Credential=...,"
                           "SignedHeaders=...,Signature=...");
    }

    rc =
        tg_ali_v3_headers(call, auth.signed_headers, headers, names, &nheaders);
    if (rc == TG_OK) {
        rc = tg_ali_v3_required(call, headers, nheaders);
    }
    if (rc == TG_OK) {
        rc = tg_ali_timestamp(
            call, tg_str_c(tg_http_header(call->req, "x-acs-date")));
    }
    if (rc == TG_OK) {
        nonce = tg_str_c(tg_http_header(call->req, "x-acs-signature-nonce"));
        rc = nonce.len > 0 ? tg_ali_nonce_check(call, nonce)
                           : tg_ali_missing(call, "SignatureNonce");
    }
    if (rc == TG_OK) {
        rc = tg_ali_v3_payload(call, payload);
    }
    if (rc != TG_OK) {
        return rc;
    }

    memset(&creq, 0, sizeof(creq));
    creq.method = tg_str_c(tg_http_method(call->req));
    creq.path = tg_str_c(tg_http_path(call->req));
    creq.query = call->params;
    creq.nquery = call->nquery;
    creq.headers = headers;
    creq.nheaders = nheaders;
    creq.payload_hash = tg_str_c(payload);

    rc = tg_acs_v3_canonical_request(&creq, &canonical);
    if (rc == TG_OK) {
        rc = tg_acs_v3_string_to_sign(tg_buf_str(&canonical), &sts);
    }
    if (rc == TG_OK) {
        rc = tg_buf_append_c(&extra, " canonical request is:");
    }
    if (rc == TG_OK) {
        rc = tg_buf_append(&extra, canonical.ptr, canonical.len);
    }

    if (rc != TG_OK) {
        call->err.code = rc;
        rc = tg_ali_core_error(call);
    } else {
        memset(&check, 0, sizeof(check));
        check.v3 = 1;
        check.sts = tg_buf_str(&sts);
        check.signature = auth.signature;

        rc = tg_ali_verify(call, auth.credential, &check, tg_buf_str(&extra));
        if (rc == TG_OK) {
            rc = tg_ali_nonce_use(call, auth.credential, nonce);
        }
    }

    tg_buf_free(&canonical);
    tg_buf_free(&sts);
    tg_buf_free(&extra);
    return rc;
}


int
tg_ali_authenticate(tg_ali_call_t *call)
{
    const char *authorization = tg_http_header(call->req, "Authorization");

    if (authorization != NULL
        && strncmp(authorization, TG_ACS_V3_ALGORITHM,
                   sizeof(TG_ACS_V3_ALGORITHM) - 1)
               == 0)
    {
        return tg_ali_v3(call, authorization);
    }

    if (tg_ali_param(call, "Signature").ptr != NULL) {
        return tg_ali_v1(call);
    }

    return tg_ali_missing(call, "Signature");
}
