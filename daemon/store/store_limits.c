/*
 * The limits that several nodes share: the nonces of signed management
 * calls, and the token buckets of per-account rate limits.
 *
 * One node (SQLite) keeps both in memory (service_rate.c,
 * service_signed.c); nodes that share a PostgreSQL store keep them here,
 * in its tables limit_nonces and limit_buckets, so that a nonce used on
 * one node is refused on all, and an account's rate counts its calls on
 * every node.  Each check is one statement on a connection of the
 * driver's limits pool (db.h: limits_acquire), its own transaction:
 * never in the group commit, whose batches it would wait behind and
 * whose fsync it does not need (db_postgres.c says why).
 *
 * A nonce is stored as a digest of its scope and text (fixed size, and
 * no byte of a caller's nonce reaches SQL).  A bucket's refill is
 * computed by the statement that takes its token, from the row's last
 * update, on the database's clock (tg_clock_ms(), migration 6), so that
 * nodes whose clocks differ count the same time.  The SQL is
 * PostgreSQL's: only a driver with the limits hook runs it.
 */

#include <stdio.h>
#include <string.h>

#include "tollgate/crypto.h"
#include "tollgate/error.h"
#include "store/store_int.h"


/* The nonce digest: 128 bits of SHA-256, as lib/nonce.c keeps. */
#define TG_LIMITS_DIGEST_HEX 32

/* The bucket's tokens available now, capped at the burst ($4), with
 * the refill ($3 tokens a second) since the row's last update. */
#define TG_LIMITS_AVAIL                                          \
    "LEAST($4::float8, tokens + GREATEST(0, tg_clock_ms() - at)" \
    " * $3::float8 / 1000)"

/* A token counts as whole within this slack (lib/ratelimit.c says
 * why). */
#define TG_LIMITS_SLACK "1e-9"


int
tg_store_limits_shared(const tg_store_t *store)
{
    return store->driver->limits_acquire != NULL;
}


/* A connection of the limits pool, as a transaction the query helpers
 * take (each statement commits by itself). */
static int
tg_limits_begin(tg_store_t *store, tg_txn_t *t)
{
    int rc;

    t->store = store;
    t->conn = NULL;
    t->write = 0;

    if (store->driver->limits_acquire == NULL) {
        return TG_EINVALID;
    }

    rc = tg_store_fault(store);
    if (rc == TG_OK) {
        rc = store->driver->limits_acquire(store->db, &t->conn);
    }
    return rc;
}


static void
tg_limits_end(tg_txn_t *t)
{
    t->store->driver->limits_release(t->store->db, t->conn);
    t->conn = NULL;
}


/* The hex digest of (scope, nonce): the scope's length first, so that
 * no two pairs run together. */
static int
tg_nonce_digest(tg_str_t scope, tg_str_t nonce,
                char out[TG_LIMITS_DIGEST_HEX + 1])
{
    uint8_t  hash[TG_SHA256_LEN];
    char     prefix[24];
    tg_buf_t b = TG_BUF_INIT;
    int      n, rc;

    n = snprintf(prefix, sizeof(prefix), "%zu:", scope.len);
    rc = tg_buf_append(&b, prefix, (size_t) n);
    if (rc == TG_OK) {
        rc = tg_buf_append(&b, scope.ptr, scope.len);
    }
    if (rc == TG_OK) {
        rc = tg_buf_append(&b, nonce.ptr, nonce.len);
    }
    if (rc == TG_OK) {
        rc = tg_sha256(tg_buf_str(&b), hash);
    }
    if (rc == TG_OK) {
        tg_hex_encode(hash, TG_LIMITS_DIGEST_HEX / 2, out);
    }

    tg_buf_free(&b);
    return rc;
}


int
tg_store_nonce_use(tg_store_t *store, tg_str_t scope, tg_str_t nonce,
                   int64_t now, int64_t expires_at)
{
    char     digest[TG_LIMITS_DIGEST_HEX + 1];
    int64_t  changed = 0;
    tg_txn_t t;
    int      rc;

    if (expires_at <= now) {
        return TG_EINVALID;
    }

    rc = tg_nonce_digest(scope, nonce, digest);
    if (rc != TG_OK) {
        return rc;
    }

    rc = tg_limits_begin(store, &t);
    if (rc != TG_OK) {
        return rc;
    }

    /* A row that expired, and is not pruned yet, is taken over. */
    rc = tg_run(
        &t,
        "INSERT INTO limit_nonces (digest, expires_at) "
        "VALUES ($1, $2) "
        "ON CONFLICT (digest) DO UPDATE SET expires_at = $2 "
        "WHERE limit_nonces.expires_at <= $3",
        TG_PARAMS(TG_P_CSTR(digest), TG_P_INT(expires_at), TG_P_INT(now)),
        &changed);

    tg_limits_end(&t);

    if (rc != TG_OK) {
        return rc;
    }
    return changed == 1 ? TG_OK : TG_ECONFLICT;
}


/* Takes a token if one is available: *taken 1, or 0 (the row untouched:
 * a bucket that refused is as it was, its refill still to count). */
static int
tg_bucket_update(tg_txn_t *t, const tg_param_t *params, int *taken)
{
    int64_t changed = 0;
    int     rc;

    rc = tg_run(t,
                "UPDATE limit_buckets SET "
                "tokens = " TG_LIMITS_AVAIL " - 1, "
                "at = GREATEST(at, tg_clock_ms()), "
                "full_at = GREATEST(at, tg_clock_ms()) + CEIL(($4::float8 - "
                "(" TG_LIMITS_AVAIL " - 1)) * 1000 / $3::float8)::BIGINT "
                "WHERE account_id = $1 AND action = $2 "
                "AND " TG_LIMITS_AVAIL " >= 1 - " TG_LIMITS_SLACK,
                params, 4, &changed);
    *taken = rc == TG_OK && changed == 1;
    return rc;
}


int
tg_store_bucket_take(tg_store_t *store, tg_str_t account_id, const char *action,
                     double rate, double burst, int64_t *retry_ms)
{
    char       rate_text[32], burst_text[32];
    tg_param_t params[4];
    tg_txn_t   t;
    int        rc, taken = 0;

    if (!(rate > 0) || !(burst >= 1)) {
        return TG_EINVALID;
    }

    /* Exact as text: the driver binds integers and text only. */
    snprintf(rate_text, sizeof(rate_text), "%.17g", rate);
    snprintf(burst_text, sizeof(burst_text), "%.17g", burst);
    params[0] = (tg_param_t) TG_P_TEXT(account_id);
    params[1] = (tg_param_t) TG_P_CSTR(action);
    params[2] = (tg_param_t) TG_P_CSTR(rate_text);
    params[3] = (tg_param_t) TG_P_CSTR(burst_text);

    rc = tg_limits_begin(store, &t);
    if (rc != TG_OK) {
        return rc;
    }

    rc = tg_bucket_update(&t, params, &taken);

    /* No row, or a refusal: a new bucket starts full. */
    if (rc == TG_OK && !taken) {
        rc = tg_run(&t,
                    "INSERT INTO limit_buckets "
                    "(account_id, action, tokens, at, full_at) "
                    "VALUES ($1, $2, $3::float8, tg_clock_ms(), "
                    "tg_clock_ms()) ON CONFLICT DO NOTHING",
                    TG_PARAMS(TG_P_TEXT(account_id), TG_P_CSTR(action),
                              TG_P_CSTR(burst_text)),
                    NULL);
        if (rc == TG_OK) {
            rc = tg_bucket_update(&t, params, &taken);
        }
    }

    /* Refused: how long until a token is whole (for Retry-After only,
     * so read after the fact). */
    if (rc == TG_OK && !taken) {
        rc = tg_scalar(&t,
                       "SELECT GREATEST(1, CEIL((1 - " TG_LIMITS_SLACK
                       " / 2 - " TG_LIMITS_AVAIL
                       ") * 1000 / $3::float8))::BIGINT "
                       "FROM limit_buckets "
                       "WHERE account_id = $1 AND action = $2",
                       params, 4, retry_ms);
        if (*retry_ms < 1) {
            *retry_ms = 1;
        }
    }

    tg_limits_end(&t);

    if (rc != TG_OK) {
        return rc;
    }
    return taken ? TG_OK : TG_ERATE_LIMITED;
}


int
tg_store_limits_prune(tg_store_t *store, int64_t before, int64_t limit,
                      int64_t *deleted)
{
    int64_t  nonces = 0, buckets = 0;
    tg_txn_t t;
    int      rc;

    *deleted = 0;

    rc = tg_limits_begin(store, &t);
    if (rc != TG_OK) {
        return rc;
    }

    /* SKIP LOCKED: nodes pruning at once take different rows. */
    rc = tg_run(&t,
                "DELETE FROM limit_nonces WHERE digest IN ("
                "SELECT digest FROM limit_nonces WHERE expires_at < $1 "
                "ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)",
                TG_PARAMS(TG_P_INT(before), TG_P_INT(limit)), &nonces);

    /* A full bucket is as good as none: a new one starts full. */
    if (rc == TG_OK) {
        rc = tg_run(&t,
                    "DELETE FROM limit_buckets "
                    "WHERE (account_id, action) IN ("
                    "SELECT account_id, action FROM limit_buckets "
                    "WHERE full_at < tg_clock_ms() "
                    "ORDER BY full_at LIMIT $1 FOR UPDATE SKIP LOCKED)",
                    TG_PARAMS(TG_P_INT(limit)), &buckets);
    }

    tg_limits_end(&t);
    *deleted = nonces + buckets;
    return rc;
}
