/*
 * Authentication of Tencent calls: TC3-HMAC-SHA256 in Authorization.
 *
 * The adapter parses what the call signed (key id, timestamp, scope,
 * signed headers, body) and renders refusals in Tencent's words; the
 * core service decides (service_signed.c): the clock window (Tencent's
 * 5 minutes), the replay store, the key's status.  The access key's
 * secret never leaves the service: it opens it and calls back here.
 *
 * TC3 signs no nonce.  The signature stands for one: it covers the
 * timestamp, the body and the signed headers, so the core refuses the
 * same signed request twice within the window, and a captured request
 * cannot be sent again with another X-TC-Action (which the SDKs do not
 * sign).
 *
 * What the real SDKs do, tolerated: Tencent's Node SDK signs the host
 * without its port and header values as sent (its documentation
 * lowercases them); the service of the scope is the endpoint's first
 * label, whatever it is.  The check tries each form.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/tc3_sign.h"
#include "dialects/tencent/tencent_int.h"


#define TG_TC_WINDOW_MS (5 * 60 * 1000)

#define TG_TC_SIGNATURE_FAILURE                                      \
    "The provided credentials could not be validated. Please check " \
    "your signature is correct."

/* What the service's callback compares. */
typedef struct {
    tg_str_t         method;
    tg_str_t         query; /* as the SDK encodes it */
    tg_tc3_header_t *headers;
    size_t           nheaders;
    size_t           host;      /* index of "host" in headers */
    tg_str_t         host_bare; /* its value without the port */
    tg_str_t         body;
    tg_str_t         timestamp;
    tg_tc3_auth_t    auth;
} tg_tc_check_t;


/* Builds the string to sign of one form and verifies it. */
static int
tg_tc_check_form(tg_tc_check_t *c, tg_str_t secret, int lower_values)
{
    tg_tc3_request_t req;
    tg_buf_t         cr = TG_BUF_INIT, sts = TG_BUF_INIT;
    int              rc;

    memset(&req, 0, sizeof(req));
    req.method = c->method;
    req.path = TG_STR("/");
    req.query = c->query;
    req.headers = c->headers;
    req.nheaders = c->nheaders;
    req.payload = c->body;

    rc = tg_tc3_canonical_request(&req, lower_values, &cr);
    if (rc == TG_OK) {
        rc = tg_tc3_string_to_sign(c->timestamp, c->auth.date, c->auth.service,
                                   tg_buf_str(&cr), &sts);
    }
    if (rc == TG_OK) {
        rc = tg_tc3_verify(secret, c->auth.date, c->auth.service,
                           tg_buf_str(&sts), c->auth.signature);
    }

    tg_buf_free(&cr);
    tg_buf_free(&sts);
    return rc;
}


/* Tries the host as sent and without its port, values as sent and
 * lowercased. */
static int
tg_tc_check(void *data, tg_str_t secret)
{
    tg_tc_check_t *c = data;
    tg_str_t       sent = c->headers[c->host].value;
    int            rc = TG_EUNAUTHENTICATED, lower, bare;

    for (bare = 0; bare < 2 && rc == TG_EUNAUTHENTICATED; bare++) {
        if (bare && tg_str_eq(sent, c->host_bare)) {
            break;
        }
        c->headers[c->host].value = bare ? c->host_bare : sent;
        for (lower = 0; lower < 2 && rc == TG_EUNAUTHENTICATED; lower++) {
            rc = tg_tc_check_form(c, secret, lower);
        }
    }

    c->headers[c->host].value = sent;
    return rc;
}


/* "host:port" or "[v6]:port" without the port. */
static tg_str_t
tg_tc_host_bare(tg_str_t host)
{
    size_t i;

    for (i = host.len; i > 0; i--) {
        if (host.ptr[i - 1] == ':') {
            return (tg_str_t){ host.ptr, i - 1 };
        }
        if (!isdigit((unsigned char) host.ptr[i - 1])) {
            break;
        }
    }

    return host;
}


/* The signed headers, with their values from the request; content-type
 * and host must be among them. */
static int
tg_tc_headers(tg_tc_call_t *call, tg_tc_check_t *c,
              char names[TG_TC3_HEADERS_MAX][TG_TC3_HEADER_NAME_MAX + 1])
{
    const char *value;
    size_t      i;
    int         content_type = 0, host = 0;

    if (tg_tc3_signed_headers_parse(c->auth.signed_headers, names, &c->nheaders)
        != TG_OK)
    {
        return tg_tc_fail(call, "AuthFailure.InvalidAuthorization",
                          "The Authorization header is invalid: bad "
                          "SignedHeaders.");
    }

    for (i = 0; i < c->nheaders; i++) {
        value = tg_http_header(call->req, names[i]);
        if (value == NULL) {
            return tg_tc_fail(call, "AuthFailure.InvalidAuthorization",
                              "The Authorization header is invalid: a "
                              "signed header is not in the request.");
        }
        c->headers[i].name = tg_str_c(names[i]);
        c->headers[i].value = tg_str_c(value);
        content_type |= strcmp(names[i], "content-type") == 0;
        if (strcmp(names[i], "host") == 0) {
            host = 1;
            c->host = i;
        }
    }

    if (!content_type || !host) {
        return tg_tc_fail(call, "AuthFailure.InvalidAuthorization",
                          "The Authorization header is invalid: "
                          "SignedHeaders must include content-type and "
                          "host.");
    }

    c->host_bare = tg_tc_host_bare(c->headers[c->host].value);
    return TG_OK;
}


/* X-TC-Timestamp: Unix seconds, and the scope's date must be its date. */
static int
tg_tc_timestamp(tg_tc_call_t *call, tg_tc_check_t *c, int64_t *ms)
{
    char    date[TG_TC3_DATE_LEN + 1];
    int64_t seconds;

    c->timestamp = tg_str_c(tg_http_header(call->req, "X-TC-Timestamp"));

    if (c->timestamp.len == 0) {
        return tg_tc_fail(call, "MissingParameter",
                          "The request is missing a required parameter "
                          "`Timestamp` (the X-TC-Timestamp header).");
    }
    if (c->timestamp.len > 10
        || tg_str_to_int64(c->timestamp, 0, INT64_C(9999999999), &seconds)
               != TG_OK
        || tg_tc3_date(seconds, date) != TG_OK)
    {
        return tg_tc_fail(call, "InvalidParameter.FormatError",
                          "Incorrect parameter format: X-TC-Timestamp must "
                          "be a Unix time in seconds.");
    }
    if (!tg_str_eq_c(c->auth.date, date)) {
        return tg_tc_fail(call, "AuthFailure.SignatureFailure",
                          TG_TC_SIGNATURE_FAILURE
                          " The credential scope's date is not the UTC date "
                          "of X-TC-Timestamp.");
    }

    *ms = seconds * 1000;
    return TG_OK;
}


/* Renders why the core refused a signed call. */
static int
tg_tc_refused(tg_tc_call_t *call, tg_auth_outcome_t outcome)
{
    switch (outcome) {
    case TG_AUTH_EXPIRED:
        return tg_tc_fail(call, "AuthFailure.SignatureExpire",
                          "Signature expired. Timestamp and server time "
                          "cannot differ by more than 5 minutes.");
    case TG_AUTH_UNKNOWN_KEY:
        return tg_tc_fail(call, "AuthFailure.SecretIdNotFound",
                          "The SecretId is not found, please ensure that "
                          "your SecretId is correct.");
    case TG_AUTH_NO_SIGNING_SECRET:
        return tg_tc_fail(call, "AuthFailure.SecretIdNotFound",
                          "The SecretId cannot sign requests yet: it was "
                          "made before Tollgate kept signing secrets. Use "
                          "it once with the native API (HTTP Basic) or "
                          "create a new access key.");
    case TG_AUTH_DISABLED:
        return tg_tc_fail(call, "AuthFailure.SecretIdNotFound",
                          "The SecretId is disabled.");
    case TG_AUTH_BAD_NONCE:
    case TG_AUTH_BAD_SIGNATURE:
        return tg_tc_fail(call, "AuthFailure.SignatureFailure",
                          TG_TC_SIGNATURE_FAILURE);
    case TG_AUTH_NONCE_USED:
        return tg_tc_fail(call, "AuthFailure.SignatureFailure",
                          TG_TC_SIGNATURE_FAILURE
                          " This signed request was received already: sign "
                          "each request anew.");
    case TG_AUTH_NONCES_FULL:
        return tg_tc_fail(call, "RequestLimitExceeded",
                          "Too many signed requests to remember at once. "
                          "Please try again later.");
    default:
        return tg_tc_core_error(call);
    }
}


int
tg_tc_authenticate(tg_tc_call_t *call)
{
    char              names[TG_TC3_HEADERS_MAX][TG_TC3_HEADER_NAME_MAX + 1];
    char              nonce[TG_SIGNED_NONCE_MAX];
    tg_tc3_header_t   headers[TG_TC3_HEADERS_MAX];
    tg_signed_call_t  signed_call;
    tg_auth_outcome_t outcome = TG_AUTH_OK;
    tg_tc_check_t     check;
    int64_t           at = 0;
    size_t            i, n;
    int               rc;

    memset(&check, 0, sizeof(check));
    check.headers = headers;
    check.body = tg_http_body(call->req);
    check.method = tg_str_c(tg_http_method(call->req));
    check.query = tg_buf_str(&call->query);

    if (tg_tc3_auth_parse(tg_str_c(tg_http_header(call->req, "Authorization")),
                          &check.auth)
        != TG_OK)
    {
        return tg_tc_fail(call, "AuthFailure.InvalidAuthorization",
                          "The Authorization header is missing or is not "
                          "TC3-HMAC-SHA256 Credential=.../tc3_request, "
                          "SignedHeaders=..., Signature=....");
    }

    rc = tg_tc_headers(call, &check, names);
    if (rc == TG_OK) {
        rc = tg_tc_timestamp(call, &check, &at);
    }
    if (rc != TG_OK) {
        return rc;
    }

    /* The replay key: the signature, in one case (hex in any case
     * verifies).  One longer than a nonce may be is refused by the core
     * (and could not verify anyway). */
    n = check.auth.signature.len;
    for (i = 0; i < n && i < sizeof(nonce); i++) {
        nonce[i] = (char) tolower((unsigned char) check.auth.signature.ptr[i]);
    }

    memset(&signed_call, 0, sizeof(signed_call));
    signed_call.key_id = check.auth.key_id;
    signed_call.timestamp = at;
    signed_call.nonce =
        n <= sizeof(nonce) ? (tg_str_t){ nonce, n } : check.auth.signature;
    signed_call.check = tg_tc_check;
    signed_call.data = &check;

    if (tg_service_authenticate_signed_within(call->svc, &signed_call,
                                              TG_TC_WINDOW_MS, &call->actor,
                                              &outcome, &call->err)
        != TG_OK)
    {
        return tg_tc_refused(call, outcome);
    }

    return TG_OK;
}
