/*
 * Signed management calls: the rules every HMAC-signed dialect shares.
 *
 * A dialect parses its vendor's signature and hands the core the key id,
 * the signed timestamp and nonce, and a callback that checks the
 * signature given the key's secret.  The core applies the clock window,
 * opens the secret (which never leaves it: the callback only compares),
 * tells the key's status only to a matching signature, and keeps the one
 * nonce store of every dialect.  The order matters: a nonce is recorded
 * only after the signature matched and the key proved enabled, so that
 * unsigned requests can neither fill the store nor burn a key's nonces.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/time.h"
#include "service/service_int.h"


/* Loads an access key and its account's status for a signed request. */
int
tg_signed_key_load(tg_service_t *svc, tg_str_t key_id, tg_access_key_t *key,
                   int *account_enabled)
{
    tg_account_t account;
    tg_txn_t     t;
    int          rc;

    memset(&account, 0, sizeof(account));
    *account_enabled = 0;

    if (tg_access_key_id_check(key_id, NULL) != TG_OK) {
        return TG_EACCESS_KEY_NOT_FOUND;
    }

    rc = tg_txn_begin(svc->store, 0, &t);
    if (rc != TG_OK) {
        return rc;
    }

    rc = tg_store_access_key_get(&t, key_id, key);
    if (rc == TG_OK) {
        rc = tg_store_account_get(&t, tg_str_c(key->account_id), &account);
        *account_enabled = rc == TG_OK && account.enabled;
        rc = rc == TG_EACCOUNT_NOT_FOUND ? TG_EACCESS_KEY_NOT_FOUND : rc;
    }

    tg_txn_rollback(&t);
    tg_account_free(&account);
    return rc;
}


/*
 * Checks the signature with the key's secret, then the key's status.
 * Returns 0, TG_EUNAUTHENTICATED with *outcome and *reason (for the
 * audit trail) set, or another error.
 */
static int
tg_signed_verify(tg_service_t *svc, const tg_signed_call_t *call,
                 tg_access_key_t *key, tg_auth_outcome_t *outcome,
                 const char **reason)
{
    char *secret = NULL;
    int   rc, enabled = 0;

    rc = tg_signed_key_load(svc, call->key_id, key, &enabled);
    if (rc == TG_EACCESS_KEY_NOT_FOUND) {
        *outcome = TG_AUTH_UNKNOWN_KEY;
        *reason = "unknown access key";
        return TG_EUNAUTHENTICATED;
    }
    if (rc != TG_OK) {
        return rc;
    }

    if (key->secret_sealed == NULL) {
        *outcome = TG_AUTH_NO_SIGNING_SECRET;
        *reason = "no sealed secret (key made before schema 2, not used since)";
        return TG_EUNAUTHENTICATED;
    }

    rc = tg_unseal_for(svc, TG_SEAL_ACCESS, key->id, key->secret_sealed,
                       &secret);
    if (rc != TG_OK) {
        return rc;
    }

    /* The signature first, so that an unsigned request learns nothing
     * of the key's status. */

    rc = call->check(call->data, tg_str_c(secret));
    tg_secret_free(secret);

    if (rc == TG_ENOMEM || rc == TG_EINTERNAL) {
        return rc;
    }
    if (rc != TG_OK) {
        *outcome = TG_AUTH_BAD_SIGNATURE;
        *reason = "wrong signature";
        return TG_EUNAUTHENTICATED;
    }

    if (!key->enabled || !enabled) {
        *outcome = TG_AUTH_DISABLED;
        *reason = !key->enabled ? "access key disabled" : "account disabled";
        return TG_EUNAUTHENTICATED;
    }

    return TG_OK;
}


/*
 * Records the key's nonce until the timestamp leaves the window: one
 * millisecond past timestamp + window, the first moment the window
 * check refuses the call by itself.  Nodes that share a store record it
 * there, so that a replay on another node is refused too; a store that
 * cannot answer refuses the call (TG_EBUSY: 503), for an unknown nonce
 * may be a replay.
 */
static int
tg_signed_nonce_record(tg_service_t *svc, const tg_signed_call_t *call,
                       int64_t window_ms, int64_t now,
                       tg_auth_outcome_t *outcome)
{
    int64_t expires_at = call->timestamp + window_ms + 1;
    int     rc;

    if (tg_store_limits_shared(svc->store)) {
        rc = tg_store_nonce_use(svc->store, call->key_id, call->nonce, now,
                                expires_at);
        if (rc != TG_OK && rc != TG_ECONFLICT && rc != TG_ENOMEM) {
            return TG_EBUSY;
        }
    } else {
        pthread_mutex_lock(&svc->nonce_lock);
        rc = tg_nonce_cache_use(svc->nonces, call->key_id, call->nonce, now,
                                expires_at);
        pthread_mutex_unlock(&svc->nonce_lock);
    }

    switch (rc) {
    case TG_OK:
        return TG_OK;
    case TG_ECONFLICT:
        *outcome = TG_AUTH_NONCE_USED;
        return TG_EUNAUTHENTICATED;
    case TG_EBUSY:
        *outcome = TG_AUTH_NONCES_FULL;
        return TG_EBUSY;
    case TG_ENOMEM:
        return TG_ENOMEM;
    default:
        return TG_EINTERNAL;
    }
}


int
tg_service_authenticate_signed(tg_service_t *svc, const tg_signed_call_t *call,
                               tg_actor_t *actor, tg_auth_outcome_t *outcome,
                               tg_error_t *err)
{
    return tg_service_authenticate_signed_within(svc, call, TG_SIGNED_WINDOW_MS,
                                                 actor, outcome, err);
}


int
tg_service_authenticate_signed_within(tg_service_t           *svc,
                                      const tg_signed_call_t *call,
                                      int64_t window_ms, tg_actor_t *actor,
                                      tg_auth_outcome_t *outcome,
                                      tg_error_t        *err)
{
    tg_access_key_t key;
    const char     *reason = NULL;
    int64_t         now = tg_time_now_ms();
    int             rc;

    *outcome = TG_AUTH_OK;

    if (window_ms < 1 || window_ms > TG_SIGNED_WINDOW_MS) {
        return tg_error_code(err, TG_EINVALID);
    }

    if (call->timestamp < now - window_ms || call->timestamp > now + window_ms)
    {
        *outcome = TG_AUTH_EXPIRED;
        return tg_error_code(err, TG_EUNAUTHENTICATED);
    }

    if (call->nonce.len == 0 || call->nonce.len > TG_SIGNED_NONCE_MAX) {
        *outcome = TG_AUTH_BAD_NONCE;
        return tg_error_code(err, TG_EUNAUTHENTICATED);
    }

    memset(&key, 0, sizeof(key));

    rc = tg_signed_verify(svc, call, &key, outcome, &reason);
    if (rc == TG_EUNAUTHENTICATED) {
        tg_auth_failure_audit(svc, actor, &key, reason);
    }
    if (rc == TG_OK) {
        rc = tg_signed_nonce_record(svc, call, window_ms, now, outcome);
    }
    if (rc == TG_OK) {
        snprintf(actor->key_id, sizeof(actor->key_id), "%s", key.id);
        memcpy(actor->account_id, key.account_id, sizeof(actor->account_id));
        actor->admin = key.admin;
        rc = tg_policies_load(svc, actor, err);
        if (rc == TG_OK) {
            tg_access_key_touch(svc, &key, TG_STR_NULL);
        }
    }

    tg_access_key_free(&key);
    return rc == TG_OK ? TG_OK : tg_error_code(err, rc);
}
