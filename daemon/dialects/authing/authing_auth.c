/*
 * The Authing dialect's authentication, both of the SDKs' ways, each
 * through the core: a signature ("authing <id>:<sig>" or "GenAuth
 * <id>:<sig>", lib/authing_sign.c) through tg_service_authenticate_signed
 * (which owns the date window and the nonce store), or a management
 * token ("Bearer <token>" with the pool it acts on) through
 * tg_service_authenticate_token.  This file only parses and renders.
 */

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dialects/authing/authing_int.h"


/* The prefix of the variant's headers ("x-authing-"). */
static const char *
tg_ath_prefix(tg_authing_variant_t variant)
{
    return variant == TG_AUTHING_VARIANT_GENAUTH ? "x-genauth-" : "x-authing-";
}


/*
 * The value of the header named prefix + suffix (or name alone if
 * prefix is NULL): NULL ptr if absent; *twice is set if it came more
 * than once.
 */
static tg_str_t
tg_ath_header(const tg_ath_call_t *call, const char *prefix, const char *suffix,
              int *twice)
{
    tg_str_t value = TG_STR_NULL, name;
    size_t   i, plen = prefix != NULL ? strlen(prefix) : 0;

    for (i = 0; i < call->nheaders; i++) {
        name = call->headers[i].name;
        if (name.len != plen + strlen(suffix)
            || strncasecmp(name.ptr, prefix != NULL ? prefix : "", plen) != 0
            || strncasecmp(name.ptr + plen, suffix, name.len - plen) != 0)
        {
            continue;
        }
        if (value.ptr != NULL) {
            *twice = 1;
        }
        value = call->headers[i].value;
    }

    return value;
}


typedef struct {
    tg_ath_call_t       *call;
    tg_authing_variant_t variant;
    tg_str_t             signature;
} tg_ath_signed_t;


/* The core's callback: the signature, checked with the key's secret. */
static int
tg_ath_check(void *data, tg_str_t secret)
{
    tg_ath_signed_t     *s = data;
    tg_ath_call_t       *call = s->call;
    tg_authing_request_t r;
    tg_buf_t             sts = TG_BUF_INIT;
    int                  rc;

    memset(&r, 0, sizeof(r));
    r.method = tg_str_c(call->route->method);
    r.variant = s->variant;
    r.headers = call->headers;
    r.nheaders = call->nheaders;
    r.path = tg_str_c(tg_http_path(call->req));
    r.params = call->params;
    r.nparams = call->nparams;

    rc = tg_authing_string_to_sign(&r, &sts);
    if (rc == TG_OK) {
        rc = tg_authing_verify(secret, tg_buf_str(&sts), s->signature);
    }

    /* A GET whose parameters were all undefined in the SDK signed a
     * bare "?" that left no trace in the URL. */

    if (rc == TG_EUNAUTHENTICATED && call->nparams == 0
        && strcmp(call->route->method, "GET") == 0)
    {
        tg_buf_reset(&sts);
        r.bare_query = 1;
        rc = tg_authing_string_to_sign(&r, &sts);
        if (rc == TG_OK) {
            rc = tg_authing_verify(secret, tg_buf_str(&sts), s->signature);
        }
    }

    tg_buf_free(&sts);
    return rc == TG_OK || rc == TG_ENOMEM ? rc : TG_EUNAUTHENTICATED;
}


static int
tg_ath_refused(tg_ath_call_t *call, tg_auth_outcome_t outcome)
{
    switch (outcome) {
    case TG_AUTH_EXPIRED:
        return tg_ath_fail(call, 401, 2020,
                           "The date header is outside the %d-minute window, "
                           "or the token has expired.",
                           TG_SIGNED_WINDOW_MS / 60000);
    case TG_AUTH_BAD_NONCE:
        return tg_ath_fail(call, 401, 2020,
                           "The signature nonce must be 1 to %d characters.",
                           TG_SIGNED_NONCE_MAX);
    case TG_AUTH_NONCE_USED:
        return tg_ath_fail(call, 401, 2020,
                           "The signature nonce has been used already.");
    case TG_AUTH_NONCES_FULL:
        return tg_ath_fail(call, 503, 1000,
                           "The system is busy, please try again later.");
    case TG_AUTH_WRONG_SCOPE:
        return tg_ath_fail(call, 403, 1001,
                           "The token may not act on this user pool.");
    case TG_AUTH_DISABLED:
        return tg_ath_fail(call, 403, 1001,
                           "The access key or its user pool is disabled.");
    case TG_AUTH_BAD_SIGNATURE:
    case TG_AUTH_UNKNOWN_KEY:
    case TG_AUTH_NO_SIGNING_SECRET:
    default:
        return tg_ath_fail(call, 401, 2020,
                           "The signature or token does not match an access "
                           "key.");
    }
}


/* A failure of the server while authenticating: busy, or internal. */
static int
tg_ath_unavailable(tg_ath_call_t *call, int rc)
{
    if (rc == TG_ENOMEM) {
        return rc;
    }
    if (rc == TG_EBUSY) {
        return tg_ath_fail(call, 503, 1000,
                           "The system is busy, please try again later.");
    }
    return tg_ath_fail(call, 500, 500, "Internal error.");
}


static int
tg_ath_signed(tg_ath_call_t *call, tg_str_t authorization)
{
    tg_authing_auth_t auth;
    tg_ath_signed_t   s;
    tg_signed_call_t  sc;
    tg_auth_outcome_t outcome = TG_AUTH_OK;
    tg_str_t          date, nonce, method, version;
    const char       *prefix;
    int               twice = 0, rc;

    if (tg_authing_auth_parse(authorization, &auth) != TG_OK) {
        return tg_ath_fail(call, 401, 2020,
                           "The Authorization header must be \"authing "
                           "<accessKeyId>:<signature>\", \"GenAuth "
                           "<accessKeyId>:<signature>\" or \"Bearer "
                           "<token>\".");
    }
    prefix = tg_ath_prefix(auth.variant);

    date = tg_ath_header(call, NULL, "date", &twice);
    nonce = tg_ath_header(call, prefix, "signature-nonce", &twice);
    method = tg_ath_header(call, prefix, "signature-method", &twice);
    version = tg_ath_header(call, prefix, "signature-version", &twice);

    memset(&sc, 0, sizeof(sc));
    if (twice) {
        return tg_ath_fail(call, 401, 2020, "A signed header is repeated.");
    }
    if (date.ptr == NULL || tg_authing_date_parse(date, &sc.timestamp) != TG_OK)
    {
        return tg_ath_fail(call, 401, 2020,
                           "The date header is required, as "
                           "\"Mon, 23 Nov 2026 04:00:00 GMT\".");
    }
    if (nonce.ptr == NULL) {
        return tg_ath_fail(call, 401, 2020,
                           "The %ssignature-nonce header "
                           "is required.",
                           prefix);
    }
    if ((method.ptr != NULL && !tg_str_eq_c(method, "HMAC-SHA1"))
        || (version.ptr != NULL && !tg_str_eq_c(version, "1.0")))
    {
        return tg_ath_fail(call, 401, 2020,
                           "Only the signature method HMAC-SHA1, version "
                           "1.0, is supported.");
    }

    s.call = call;
    s.variant = auth.variant;
    s.signature = auth.signature;

    sc.key_id = auth.key_id;
    sc.nonce = nonce;
    sc.check = tg_ath_check;
    sc.data = &s;

    rc = tg_service_authenticate_signed(call->svc, &sc, &call->actor, &outcome,
                                        &call->err);
    if (rc == TG_OK) {
        return TG_OK;
    }
    if (outcome != TG_AUTH_OK) {
        return tg_ath_refused(call, outcome);
    }
    return tg_ath_unavailable(call, rc);
}


static int
tg_ath_token(tg_ath_call_t *call, tg_str_t token)
{
    tg_auth_outcome_t outcome = TG_AUTH_OK;
    tg_str_t          pool, gpool;
    int               twice = 0, rc;

    pool = tg_ath_header(call, "x-authing-", "userpool-id", &twice);
    gpool = tg_ath_header(call, "x-genauth-", "userpool-id", &twice);

    if (twice || (pool.ptr != NULL && gpool.ptr != NULL)) {
        return tg_ath_fail(call, 401, 2020,
                           "The user pool header is repeated.");
    }
    if (pool.ptr == NULL) {
        pool = gpool;
    }
    if (pool.len == 0) {
        return tg_ath_fail(call, 401, 2020,
                           "A token needs the x-authing-userpool-id header.");
    }

    rc = tg_service_authenticate_token(call->svc, token, pool, &call->actor,
                                       &outcome, &call->err);
    if (rc == TG_OK) {
        return TG_OK;
    }
    if (rc == TG_EUNAUTHENTICATED) {
        return tg_ath_refused(call, outcome);
    }
    return tg_ath_unavailable(call, rc);
}


int
tg_ath_authenticate(tg_ath_call_t *call)
{
    static const char bearer[] = "Bearer ";
    tg_str_t          auth;
    int               twice = 0;

    auth = tg_ath_header(call, NULL, "authorization", &twice);
    if (twice) {
        return tg_ath_fail(call, 401, 2020,
                           "The Authorization header is repeated.");
    }
    if (auth.ptr == NULL) {
        return tg_ath_fail(call, 401, 2020,
                           "Sign the request, or carry a management token.");
    }

    if (auth.len >= sizeof(bearer) - 1
        && strncasecmp(auth.ptr, bearer, sizeof(bearer) - 1) == 0)
    {
        return tg_ath_token(call, (tg_str_t){ auth.ptr + sizeof(bearer) - 1,
                                              auth.len - sizeof(bearer) + 1 });
    }

    return tg_ath_signed(call, auth);
}
