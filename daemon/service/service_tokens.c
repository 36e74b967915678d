/*
 * Management tokens: an access key traded for a bearer token that
 * expires, for dialects whose clients work that way (Authing's
 * get-management-token).
 *
 * A token is a JWT (HS256) that Tollgate signs with a key derived from
 * one of its keyring's keys, named by the header's "kid", so tokens
 * survive a keyring rotation as long as the old key stays in the ring,
 * and no key material is ever stored for them.  Its claims bind it to
 * the access key ("sub") and to that key's account ("scoped_userpool_id",
 * Authing's name for the pool a token may act on), with an expiry.  A
 * token is checked on every use: its MAC, its expiry, the account the
 * call names, then the access key and its account, which must still
 * exist and be enabled, so disabling or deleting the key revokes its
 * tokens.  A token acts within its own account only, even one issued to
 * an admin key.
 */

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/crypto.h"
#include "tollgate/time.h"
#include "service/service_int.h"


#define TG_TOKEN_KEY_LABEL "tollgate management token v1"
#define TG_TOKEN_PART_MAX  512 /* decoded bytes of a header or payload */


/* The token key for a keyring key: HMAC-SHA256(key, label). */
static int
tg_token_key(const tg_service_t *svc, tg_str_t kid, uint8_t out[TG_SHA256_LEN])
{
    const char    *name;
    const uint8_t *key;
    size_t         i, n = tg_keyring_count(svc->keyring);

    for (i = 0; i < n; i++) {
        tg_keyring_key_at(svc->keyring, i, &name, &key);
        if (tg_str_eq_c(kid, name)) {
            return tg_hmac_sha256(
                (tg_str_t){ (const char *) key, TG_SEAL_KEY_LEN },
                TG_STR(TG_TOKEN_KEY_LABEL), out);
        }
    }

    return TG_EUNAUTHENTICATED; /* a key no longer in the ring */
}


/* Appends base64url (RFC 4648 section 5, no padding) of n bytes to b. */
static int
tg_token_b64url_append(tg_buf_t *b, const void *in, size_t n)
{
    char  *text;
    size_t len, i;
    int    rc;

    text = malloc(TG_BASE64_ENCODED_LEN(n));
    if (text == NULL) {
        return TG_ENOMEM;
    }

    len = tg_base64_encode(in, n, text);
    while (len > 0 && text[len - 1] == '=') {
        len--;
    }
    for (i = 0; i < len; i++) {
        text[i] = text[i] == '+' ? '-' : text[i] == '/' ? '_' : text[i];
    }

    rc = tg_buf_append(b, text, len);
    free(text);
    return rc;
}


/*
 * Decodes base64url without padding into out (size bytes), setting *n.
 * Returns 0, or TG_EINVALID for text that is not canonical or too long.
 */
static int
tg_token_b64url_decode(tg_str_t in, uint8_t *out, size_t size, size_t *n)
{
    char   text[(TG_TOKEN_PART_MAX + 2) / 3 * 4 + 1];
    size_t i;

    if (in.len % 4 == 1 || in.len + 3 > sizeof(text)
        || (in.len + 3) / 4 * 3 > size) {
        return TG_EINVALID;
    }

    for (i = 0; i < in.len; i++) {
        if (in.ptr[i] == '+' || in.ptr[i] == '/' || in.ptr[i] == '=') {
            return TG_EINVALID;
        }
        text[i] = in.ptr[i] == '-' ? '+' : in.ptr[i] == '_' ? '/' : in.ptr[i];
    }
    while (i % 4 != 0) {
        text[i++] = '=';
    }

    return tg_base64_decode((tg_str_t){ text, i }, out, n);
}


/* Appends base64url(HMAC-SHA256(token key of kid, signed)) to b. */
static int
tg_token_mac_append(const tg_service_t *svc, tg_str_t kid, tg_str_t signed_,
                    tg_buf_t *b)
{
    uint8_t key[TG_SHA256_LEN], mac[TG_SHA256_LEN];
    int     rc;

    rc = tg_token_key(svc, kid, key);
    if (rc == TG_OK) {
        rc = tg_hmac_sha256((tg_str_t){ (const char *) key, sizeof(key) },
                            signed_, mac);
    }
    if (rc == TG_OK) {
        rc = tg_token_b64url_append(b, mac, sizeof(mac));
    }

    tg_wipe(key, sizeof(key));
    tg_wipe(mac, sizeof(mac));
    return rc;
}


/* Writes a token for actor's key and account, valid until exp (Unix s). */
static int
tg_token_make(const tg_service_t *svc, const tg_actor_t *actor, int64_t iat,
              int64_t exp, tg_buf_t *token)
{
    const char *kid = tg_keyring_primary(svc->keyring);
    uint8_t     jti[16];
    char        jti_hex[33], header[96], payload[320];
    int         hlen, plen, rc;

    if (kid == NULL) {
        return TG_EINTERNAL;
    }

    rc = tg_random_bytes(jti, sizeof(jti));
    if (rc != TG_OK) {
        return rc;
    }
    tg_hex_encode(jti, sizeof(jti), jti_hex);

    /* Key ids, account ids and access-key ids hold no character JSON
     * escapes (lib/cred.c, lib/seal.c). */

    hlen = snprintf(header, sizeof(header),
                    "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"%s\"}", kid);
    plen = snprintf(payload, sizeof(payload),
                    "{\"iss\":\"tollgate\",\"sub\":\"%s\","
                    "\"scoped_userpool_id\":\"%s\",\"iat\":%lld,"
                    "\"exp\":%lld,\"jti\":\"%s\"}",
                    actor->key_id, actor->account_id, (long long) iat,
                    (long long) exp, jti_hex);
    if (hlen < 0 || (size_t) hlen >= sizeof(header) || plen < 0
        || (size_t) plen >= sizeof(payload))
    {
        return TG_EINTERNAL;
    }

    rc = tg_token_b64url_append(token, header, (size_t) hlen);
    if (rc == TG_OK) {
        rc = tg_buf_append(token, ".", 1);
    }
    if (rc == TG_OK) {
        rc = tg_token_b64url_append(token, payload, (size_t) plen);
    }
    if (rc == TG_OK) {
        rc = tg_buf_append(token, ".", 1);
    }
    if (rc == TG_OK) {
        rc = tg_token_mac_append(svc, tg_str_c(kid),
                                 (tg_str_t){ token->ptr, token->len - 1 },
                                 token);
    }

    return rc;
}


static int
tg_token_issue_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                   tg_audit_event_t *ev, tg_error_t *err)
{
    (void) svc;
    (void) t;
    (void) data;
    (void) ev;
    (void) err;
    return TG_OK;
}


int
tg_service_token_issue(tg_service_t *svc, tg_str_t key_id, tg_str_t secret,
                       int64_t ttl_seconds, tg_actor_t *actor, tg_buf_t *token,
                       int64_t *expires_at, tg_error_t *err)
{
    tg_audit_event_t ev;
    int64_t          now = tg_time_now_ms() / 1000;
    int              rc;

    if (ttl_seconds < 1 || ttl_seconds > TG_TOKEN_TTL_MAX) {
        return tg_error_code(err, TG_EINVALID);
    }

    rc = tg_service_authenticate(svc, key_id, secret, actor, err);
    if (rc != TG_OK) {
        return rc;
    }

    rc = tg_token_make(svc, actor, now, now + ttl_seconds, token);
    if (rc != TG_OK) {
        tg_buf_wipe(token);
        return tg_error_code(err, rc);
    }

    tg_audit_start(&ev, actor, "token.issue", "access_key",
                   tg_str_c(actor->key_id));
    tg_audit_detail(&ev, "{\"expires_in\":%lld}", (long long) ttl_seconds);
    rc = tg_write(svc, &ev, tg_token_issue_txn, NULL, err);
    if (rc != TG_OK) {
        tg_buf_wipe(token);
        return rc;
    }

    *expires_at = (now + ttl_seconds) * 1000;
    return TG_OK;
}


/* A string claim of obj, or NULL ptr. */
static tg_str_t
tg_token_claim(json_t *obj, const char *name)
{
    json_t *v = json_object_get(obj, name);

    if (!json_is_string(v)) {
        return TG_STR_NULL;
    }
    return (tg_str_t){ json_string_value(v), json_string_length(v) };
}


/*
 * Splits the token, checks its MAC, and parses its payload into *claims
 * (the caller decrefs).  Returns 0, or TG_EUNAUTHENTICATED.
 */
static int
tg_token_open(const tg_service_t *svc, tg_str_t token, json_t **claims)
{
    const char *dot1, *dot2;
    uint8_t     part[TG_TOKEN_PART_MAX];
    size_t      n;
    tg_str_t    header, payload, mac, kid;
    tg_buf_t    expected = TG_BUF_INIT;
    json_t     *h;
    int         rc, match;

    dot1 = memchr(token.ptr, '.', token.len);
    dot2 = dot1 != NULL ? memchr(dot1 + 1, '.',
                                 token.len - (size_t) (dot1 + 1 - token.ptr))
                        : NULL;
    if (dot2 == NULL) {
        return TG_EUNAUTHENTICATED;
    }
    header = (tg_str_t){ token.ptr, (size_t) (dot1 - token.ptr) };
    payload = (tg_str_t){ dot1 + 1, (size_t) (dot2 - dot1 - 1) };
    mac = (tg_str_t){ dot2 + 1, token.len - (size_t) (dot2 + 1 - token.ptr) };

    if (tg_token_b64url_decode(header, part, sizeof(part), &n) != TG_OK) {
        return TG_EUNAUTHENTICATED;
    }
    h = json_loadb((const char *) part, n, JSON_REJECT_DUPLICATES, NULL);
    kid = tg_token_claim(h, "kid");
    rc = kid.ptr != NULL && tg_str_eq_c(tg_token_claim(h, "alg"), "HS256")
             ? tg_token_mac_append(
                 svc, kid, (tg_str_t){ token.ptr, (size_t) (dot2 - token.ptr) },
                 &expected)
             : TG_EUNAUTHENTICATED;
    json_decref(h);
    if (rc != TG_OK) {
        tg_buf_wipe(&expected);
        return rc == TG_ENOMEM ? rc : TG_EUNAUTHENTICATED;
    }

    /* constant time comparison */
    match = tg_equal_ct(expected.ptr, expected.len, mac.ptr, mac.len);
    tg_buf_wipe(&expected);
    if (!match
        || tg_token_b64url_decode(payload, part, sizeof(part), &n) != TG_OK) {
        return TG_EUNAUTHENTICATED;
    }

    *claims = json_loadb((const char *) part, n, JSON_REJECT_DUPLICATES, NULL);
    return json_is_object(*claims) ? TG_OK : TG_EUNAUTHENTICATED;
}


int
tg_service_authenticate_token(tg_service_t *svc, tg_str_t token,
                              tg_str_t account, tg_actor_t *actor,
                              tg_auth_outcome_t *outcome, tg_error_t *err)
{
    tg_access_key_t key;
    json_t         *claims = NULL, *exp;
    tg_str_t        sub, pool;
    const char     *reason = NULL;
    int             rc, enabled = 0;

    *outcome = TG_AUTH_BAD_SIGNATURE;
    memset(&key, 0, sizeof(key));

    if (token.len == 0 || token.len > TG_TOKEN_MAX) {
        return tg_error_code(err, TG_EUNAUTHENTICATED);
    }

    rc = tg_token_open(svc, token, &claims);
    if (rc != TG_OK) {
        json_decref(claims);
        if (rc == TG_EUNAUTHENTICATED) {
            tg_auth_failure_audit(svc, actor, &key, "invalid token");
        }
        return tg_error_code(err, rc);
    }

    /* The MAC held: the claims are Tollgate's own. */

    sub = tg_token_claim(claims, "sub");
    pool = tg_token_claim(claims, "scoped_userpool_id");
    exp = json_object_get(claims, "exp");

    if (sub.ptr == NULL || pool.ptr == NULL || !json_is_integer(exp)) {
        rc = TG_EUNAUTHENTICATED;
        reason = "invalid token";
    } else if (json_integer_value(exp) * 1000 <= tg_time_now_ms()) {
        *outcome = TG_AUTH_EXPIRED;
        rc = TG_EUNAUTHENTICATED;
    } else if (!tg_str_eq(pool, account)) {
        *outcome = TG_AUTH_WRONG_SCOPE;
        rc = TG_EUNAUTHENTICATED;
        reason = "token used on another account";
    } else {
        rc = tg_signed_key_load(svc, sub, &key, &enabled);
        if (rc == TG_EACCESS_KEY_NOT_FOUND) {
            *outcome = TG_AUTH_UNKNOWN_KEY;
            rc = TG_EUNAUTHENTICATED;
            reason = "unknown access key";
        } else if (rc == TG_OK && (!key.enabled || !enabled)) {
            *outcome = TG_AUTH_DISABLED;
            rc = TG_EUNAUTHENTICATED;
            reason = !key.enabled ? "access key disabled" : "account disabled";
        } else if (rc == TG_OK && !tg_str_eq_c(pool, key.account_id)) {
            rc = TG_EUNAUTHENTICATED; /* never: the key moved accounts */
            reason = "invalid token";
        }
    }

    if (rc == TG_OK) {
        *outcome = TG_AUTH_OK;
        snprintf(actor->key_id, sizeof(actor->key_id), "%s", key.id);
        memcpy(actor->account_id, key.account_id, sizeof(actor->account_id));
        actor->admin = 0; /* a token acts within its account */
        rc = tg_policies_load(svc, actor, err);
        if (rc == TG_OK) {
            tg_access_key_touch(svc, &key, TG_STR_NULL);
        }
    } else if (rc == TG_EUNAUTHENTICATED && reason != NULL) {
        tg_auth_failure_audit(svc, actor, &key, reason);
    }

    json_decref(claims);
    tg_access_key_free(&key);
    return rc == TG_OK ? TG_OK : tg_error_code(err, rc);
}
