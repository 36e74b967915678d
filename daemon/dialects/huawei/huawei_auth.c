/*
 * Authentication of Huawei calls: SDK-HMAC-SHA256 (AK/SK) over Tollgate
 * access keys.
 *
 * The adapter parses what the call signed and renders refusals in
 * Huawei's words (APIG.0301, as Huawei's own gateway answers a bad AK/SK
 * signature); the core decides (service_signed.c): the clock window, the
 * replay store, the key's status.  Huawei's signature carries no nonce:
 * the signature itself stands for one, so the same signed request
 * (same X-Sdk-Date, to the second) is accepted once.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tollgate/crypto.h"
#include "tollgate/time.h"
#include "dialects/huawei/huawei_int.h"


#define TG_HW_QUERY_MAX 256 /* query parameters in one request */

#define TG_HW_IAM "Incorrect IAM authentication information: "

/* The strings to sign of the call's two query forms, for the check. */
typedef struct {
    tg_buf_t sts[2];
    size_t   nsts;
    tg_str_t signature;
} tg_hw_check_t;

typedef struct {
    tg_hw_pair_t pairs[TG_HW_QUERY_MAX];
    size_t       n;
    int          overflow;
    int          empty; /* some value is empty */
} tg_hw_query_t;


static int
tg_hw_check(void *data, tg_str_t secret)
{
    tg_hw_check_t *c = data;
    size_t         i;
    int            rc = TG_EUNAUTHENTICATED;

    for (i = 0; i < c->nsts && rc == TG_EUNAUTHENTICATED; i++) {
        rc = tg_hw_verify(secret, tg_buf_str(&c->sts[i]), c->signature);
    }
    return rc;
}


static int
tg_hw_query_arg(void *data, const char *key, const char *value)
{
    tg_hw_query_t *q = data;

    if (q->n == TG_HW_QUERY_MAX) {
        q->overflow = 1;
        return 1;
    }

    q->pairs[q->n].name = tg_str_c(key);
    q->pairs[q->n].value = tg_str_c(value != NULL ? value : "");
    q->empty |= q->pairs[q->n].value.len == 0;
    q->n++;
    return 0;
}


static int
tg_hw_refused(tg_hw_call_t *call, tg_auth_outcome_t outcome, tg_str_t date)
{
    char now[TG_RFC3339_LEN + 1];

    switch (outcome) {
    case TG_AUTH_EXPIRED:
        tg_time_format(tg_time_now_ms(), 0, now);
        return tg_hw_fail(call, 401, "APIG.0301",
                          TG_HW_IAM "signature expired, signature time:%.*s, "
                                    "server time:%s (the limit is %d minutes)",
                          (int) date.len, date.ptr, now,
                          TG_SIGNED_WINDOW_MS / 60000);
    case TG_AUTH_UNKNOWN_KEY:
        return tg_hw_fail(call, 401, "APIG.0301",
                          TG_HW_IAM "the access key does not exist");
    case TG_AUTH_NO_SIGNING_SECRET:
        return tg_hw_fail(call, 401, "APIG.0301",
                          TG_HW_IAM "the access key cannot sign requests yet: "
                                    "use it once with the native API (HTTP "
                                    "Basic) or create a new access key");
    case TG_AUTH_DISABLED:
        return tg_hw_fail(call, 401, "APIG.0301",
                          TG_HW_IAM "the access key is disabled");
    case TG_AUTH_BAD_SIGNATURE:
    case TG_AUTH_BAD_NONCE:
        return tg_hw_fail(call, 401, "APIG.0301",
                          TG_HW_IAM "verify aksk signature fail");
    case TG_AUTH_NONCE_USED:
        return tg_hw_fail(call, 401, "APIG.0301",
                          TG_HW_IAM "the request was already received (a "
                                    "signed request is accepted once)");
    case TG_AUTH_NONCES_FULL:
        return tg_hw_fail(call, 503, "APIG.9999",
                          "Service unavailable: too many signed requests to "
                          "remember; retry later.");
    default:
        return tg_hw_core_error(call);
    }
}


/* The signed headers, in the list's order, with the request's values. */
static int
tg_hw_headers(tg_hw_call_t *call, tg_str_t list, tg_hw_pair_t *headers,
              char    names[TG_HW_HEADERS_MAX][TG_HW_HEADER_NAME_MAX + 1],
              size_t *n)
{
    const char *value;
    size_t      i;

    if (tg_hw_signed_headers_parse(list, names, n) != TG_OK) {
        return tg_hw_fail(call, 401, "APIG.0301",
                          TG_HW_IAM "invalid SignedHeaders");
    }
    if (!tg_hw_signed(names, *n, "x-sdk-date")) {
        return tg_hw_fail(call, 401, "APIG.0301",
                          TG_HW_IAM "x-sdk-date must be signed");
    }

    for (i = 0; i < *n; i++) {
        value = tg_http_header(call->req, names[i]);
        if (value == NULL) {
            return tg_hw_fail(call, 401, "APIG.0301",
                              TG_HW_IAM "the signed header %s is not in the "
                                        "request",
                              names[i]);
        }
        headers[i].name = tg_str_c(names[i]);
        headers[i].value = tg_str_c(value);
    }

    return TG_OK;
}


/* X-Sdk-Content-Sha256 (UNSIGNED-PAYLOAD, or the body's hash), else the
 * body's hash. */
static int
tg_hw_payload(tg_hw_call_t *call, char hex[2 * TG_SHA256_LEN + 1],
              tg_str_t *hash)
{
    uint8_t     digest[TG_SHA256_LEN];
    const char *sent = tg_http_header(call->req, "x-sdk-content-sha256");

    if (sent != NULL && strcmp(sent, TG_HW_UNSIGNED) == 0) {
        *hash = tg_str_c(sent);
        return TG_OK;
    }

    if (tg_sha256(tg_http_body(call->req), digest) != TG_OK) {
        call->err.code = TG_EINTERNAL;
        return tg_hw_core_error(call);
    }
    tg_hex_encode(digest, sizeof(digest), hex);

    if (sent != NULL && strcasecmp(sent, hex) != 0) {
        return tg_hw_fail(call, 401, "APIG.0301",
                          TG_HW_IAM "x-sdk-content-sha256 is not the SHA-256 "
                                    "of the body");
    }

    *hash = tg_str_c(sent != NULL ? sent : hex);
    return TG_OK;
}


/* Builds the strings to sign: "k=" for empty values, then "k". */
static int
tg_hw_strings(tg_hw_request_t *creq, tg_str_t date, int empty,
              tg_hw_check_t *check)
{
    tg_buf_t cr = TG_BUF_INIT;
    int      rc = TG_OK, form;

    for (form = 0; form < (empty ? 2 : 1) && rc == TG_OK; form++) {
        tg_buf_reset(&cr);
        creq->empty_form = form;
        rc = tg_hw_canonical_request(creq, &cr);
        if (rc == TG_OK) {
            rc = tg_hw_string_to_sign(date, tg_buf_str(&cr),
                                      &check->sts[check->nsts]);
        }
        if (rc == TG_OK) {
            check->nsts++;
        }
    }

    tg_buf_free(&cr);
    return rc;
}


int
tg_hw_authenticate(tg_hw_call_t *call)
{
    char              names[TG_HW_HEADERS_MAX][TG_HW_HEADER_NAME_MAX + 1];
    char              payload[2 * TG_SHA256_LEN + 1];
    char              nonce[TG_HW_SIGNATURE_LEN + 1];
    tg_hw_pair_t      headers[TG_HW_HEADERS_MAX];
    tg_hw_query_t    *query;
    tg_hw_auth_t      auth;
    tg_hw_check_t     check;
    tg_hw_request_t   creq;
    tg_signed_call_t  signed_call;
    tg_auth_outcome_t outcome = TG_AUTH_OK;
    const char       *authorization;
    tg_str_t          date, hash = TG_STR_NULL;
    size_t            nheaders = 0, i;
    int64_t           at = 0;
    int               rc;

    authorization = tg_http_header(call->req, "Authorization");
    if (authorization == NULL) {
        return tg_hw_fail(call, 401, "APIG.0301",
                          TG_HW_IAM "Authorization not found");
    }
    if (tg_hw_auth_parse(tg_str_c(authorization), &auth) != TG_OK) {
        return tg_hw_fail(call, 401, "APIG.0301",
                          TG_HW_IAM "expected Authorization: "
                                    "SDK-HMAC-SHA256 Access=..., "
                                    "SignedHeaders=..., Signature=...");
    }

    date = tg_str_c(tg_http_header(call->req, "x-sdk-date"));
    if (tg_hw_date_parse(date, &at) != TG_OK) {
        return tg_hw_fail(call, 401, "APIG.0301",
                          TG_HW_IAM "x-sdk-date is missing or not of the form "
                                    "YYYYMMDDTHHMMSSZ");
    }

    rc = tg_hw_headers(call, auth.signed_headers, headers, names, &nheaders);
    if (rc == TG_OK) {
        rc = tg_hw_payload(call, payload, &hash);
    }
    if (rc != TG_OK) {
        return rc;
    }

    query = calloc(1, sizeof(tg_hw_query_t));
    if (query == NULL) {
        call->err.code = TG_ENOMEM;
        return tg_hw_core_error(call);
    }
    tg_http_query_each(call->req, tg_hw_query_arg, query);

    memset(&check, 0, sizeof(check));
    memset(&creq, 0, sizeof(creq));
    creq.method = tg_str_c(tg_http_method(call->req));
    creq.path = tg_str_c(tg_http_path(call->req));
    creq.query = query->pairs;
    creq.nquery = query->n;
    creq.headers = headers;
    creq.nheaders = nheaders;
    creq.payload_hash = hash;

    if (query->overflow) {
        rc = tg_hw_fail(call, 400, "APIG.2011",
                        "Invalid parameter value: more than %d query "
                        "parameters",
                        TG_HW_QUERY_MAX);
    } else if (tg_hw_strings(&creq, date, query->empty, &check) != TG_OK) {
        call->err.code = TG_ENOMEM;
        rc = tg_hw_core_error(call);
    } else {
        check.signature = auth.signature;
        signed_call.key_id = auth.access;
        signed_call.timestamp = at;
        /* The signature is the nonce, in one case: hex in any case
         * verifies, and must not replay as another nonce. */
        for (i = 0; i < TG_HW_SIGNATURE_LEN; i++) {
            nonce[i] = (char) tolower((unsigned char) auth.signature.ptr[i]);
        }
        nonce[TG_HW_SIGNATURE_LEN] = '\0';
        signed_call.nonce = tg_str_c(nonce);
        signed_call.check = tg_hw_check;
        signed_call.data = &check;

        rc = tg_service_authenticate_signed(call->svc, &signed_call,
                                            &call->actor, &outcome, &call->err);
        if (rc != TG_OK) {
            rc = tg_hw_refused(call, outcome, date);
        }
    }

    tg_buf_free(&check.sts[0]);
    tg_buf_free(&check.sts[1]);
    free(query);
    return rc;
}
