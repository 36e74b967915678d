/*
 * Authentication of Alibaba calls: the RPC signature v1.0 (HMAC-SHA1 in
 * a Signature parameter) or V3 (ACS3-HMAC-SHA256 in Authorization).
 *
 * The adapter parses what the call signed (key id, timestamp, nonce,
 * string to sign) and renders refusals in Alibaba's words; the core
 * service decides (service_signed.c): the clock window, the nonce store,
 * the key's status.  The access key's secret never leaves the service:
 * it opens it and calls back here to compare the signatures.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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


/* A timestamp as Unix ms; whether it is recent is the core's to say. */
static int
tg_ali_timestamp(tg_ali_call_t *call, tg_str_t value, int64_t *at)
{
    if (tg_time_parse(value, at) != TG_OK) {
        return tg_ali_fail(call, 400, "InvalidTimeStamp.Format",
                           "Specified time stamp or date value is not well "
                           "formatted.");
    }
    return TG_OK;
}


/* Renders why the core refused a signed call. */
static int
tg_ali_refused(tg_ali_call_t *call, tg_auth_outcome_t outcome,
               const tg_ali_check_t *check, tg_str_t extra)
{
    char detail[64];

    switch (outcome) {
    case TG_AUTH_EXPIRED:
        return tg_ali_fail(call, 400, "InvalidTimeStamp.Expired",
                           "Specified time stamp or date value is expired: "
                           "it must be within %d minutes of the server's "
                           "time.",
                           TG_SIGNED_WINDOW_MS / 60000);
    case TG_AUTH_BAD_NONCE:
        snprintf(detail, sizeof(detail), "must be at most %d characters",
                 TG_SIGNED_NONCE_MAX);
        return tg_ali_invalid(call, "SignatureNonce", detail);
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
    case TG_AUTH_NONCE_USED:
        return tg_ali_fail(call, 400, "SignatureNonceUsed",
                           "Specified signature nonce was used already.");
    case TG_AUTH_NONCES_FULL:
        return tg_ali_fail(call, 503, "ServiceUnavailable",
                           "The request has failed due to a temporary "
                           "failure of the server: too many signature "
                           "nonces to remember; retry later.");
    default:
        return tg_ali_core_error(call);
    }
}


/* Has the core authenticate the call, and renders why it refused. */
static int
tg_ali_verify(tg_ali_call_t *call, tg_str_t key_id, int64_t at, tg_str_t nonce,
              tg_ali_check_t *check, tg_str_t extra)
{
    tg_signed_call_t  signed_call;
    tg_auth_outcome_t outcome = TG_AUTH_OK;

    signed_call.key_id = key_id;
    signed_call.timestamp = at;
    signed_call.nonce = nonce;
    signed_call.check = tg_ali_check;
    signed_call.data = check;

    if (tg_service_authenticate_signed(call->svc, &signed_call, &call->actor,
                                       &outcome, &call->err)
        == TG_OK)
    {
        return TG_OK;
    }

    return tg_ali_refused(call, outcome, check, extra);
}


/* ---- v1.0 ---- */


static int
tg_ali_v1(tg_ali_call_t *call)
{
    tg_ali_check_t check;
    tg_buf_t       sts = TG_BUF_INIT;
    tg_str_t       key_id, method, version, timestamp, nonce;
    int64_t        at;
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

    if (tg_ali_timestamp(call, timestamp, &at) != TG_OK) {
        return TG_EINVALID;
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

    rc = tg_ali_verify(call, key_id, at, nonce, &check, TG_STR_NULL);

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


static int
tg_ali_header_sent(void *data, const char *name)
{
    return tg_http_header(data, name) != NULL;
}


/* The headers that make a request what it is must be signed. */
static int
tg_ali_v3_required(tg_ali_call_t *call, const tg_acs_param_t *headers, size_t n)
{
    const char *name;

    name = tg_acs_v3_unsigned_header(headers, n, tg_ali_header_sent, call->req);
    if (name != NULL) {
        return tg_ali_fail(call, 400, "IncompleteSignature",
                           "The request signature does not conform to "
                           "Aliyun standards: %s must be signed.",
                           name);
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
    tg_str_t            nonce = TG_STR_NULL;
    int64_t             at = 0;
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
            call, tg_str_c(tg_http_header(call->req, "x-acs-date")), &at);
    }
    if (rc == TG_OK) {
        nonce = tg_str_c(tg_http_header(call->req, "x-acs-signature-nonce"));
        rc = nonce.len > 0 ? TG_OK : tg_ali_missing(call, "SignatureNonce");
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

        rc = tg_ali_verify(call, auth.credential, at, nonce, &check,
                           tg_buf_str(&extra));
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
