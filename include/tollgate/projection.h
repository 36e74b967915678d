/*
 * The data-plane projection's records: what tollgated writes into LMDB
 * and the gateway reads, one format shared by both.
 *
 * The projection is one LMDB environment with five named databases
 * (tg_proj_db_t; every reader and writer opens it with TG_PROJ_MAXDBS):
 *
 *     meta    "seq"     -> the last change-log seq applied (int64, LE)
 *             "heartbeat" -> when tollgated last confirmed the projection
 *                          current (int64, LE, Unix ms)
 *     apps    app id    -> enabled, AppId, rate limit; and, for the
 *                          writer, the AppKeys and code hashes it owns
 *     keys    AppKey    -> app id, and its secrets sealed under the
 *                          data-plane key, each with an expiry (its
 *                          grace's end) and the time it passes its
 *                          account's maximum secret age
 *     codes   HMAC(dp key, AppCode) -> app id, and when the code passes
 *                          its account's maximum secret age (int64, only
 *                          when it does)
 *     grants  app id 0x00 API name 0x00 STAGE -> expiry
 *
 * Integers are little-endian.  Times are Unix milliseconds; an expiry of
 * 0 means never.  A secret is sealed by tg_seal_raw() with the AAD
 * "tg.dp.key:" AppKey, so it cannot be moved to another key's record.
 *
 * Decoders return views into the value (LMDB's memory) and never
 * allocate: the gateway calls them per request.
 */

#ifndef TOLLGATE_PROJECTION_H
#define TOLLGATE_PROJECTION_H

#include <stddef.h>
#include <stdint.h>

#include "tollgate/crypto.h"
#include "tollgate/seal.h"
#include "tollgate/str.h"


#define TG_PROJ_FORMAT     1
#define TG_PROJ_KEY_FORMAT 2  /* keys records: 1 had no aged_at */
#define TG_PROJ_ID_LEN     32 /* app ids: 32 lowercase hex */
#define TG_PROJ_HASH_LEN   32 /* AppCode keys: HMAC-SHA256 */
#define TG_PROJ_SECRETS    2  /* the current secret, and one in grace */
#define TG_PROJ_KEY_FILE   "dataplane.key"
#define TG_PROJ_DIR        "projection"
#define TG_PROJ_SECRET_MAX 128 /* the longest AppSecret */

/* The AAD prefix of a sealed secret; the AppKey follows. */
#define TG_PROJ_SECRET_AAD "tg.dp.key:"

/*
 * The environment's named databases.  TG_PROJ_MAXDBS is the maxdbs every
 * reader and writer sets: these five, and room for a later format's.
 */
typedef enum {
    TG_PROJ_META,
    TG_PROJ_APPS,
    TG_PROJ_KEYS,
    TG_PROJ_CODES,
    TG_PROJ_GRANTS,
    TG_PROJ_NDBS
} tg_proj_db_t;

#define TG_PROJ_MAXDBS 8

/* The meta database's keys. */
#define TG_PROJ_META_SEQ       "seq"
#define TG_PROJ_META_HEARTBEAT "heartbeat"

/*
 * The heartbeat: tollgated writes the time at which every change
 * committed before it was in the projection, about this often (ms).  The
 * gateway refuses calls when the heartbeat is further than its bound from
 * its clock (TG_PROJ_MAX_AGE_MS by default, never under
 * TG_PROJ_MAX_AGE_MIN_MS): tollgated stopped, hung, or cannot write.
 */
#define TG_PROJ_HEARTBEAT_MS   1000
#define TG_PROJ_MAX_AGE_MS     30000
#define TG_PROJ_MAX_AGE_MIN_MS (2 * TG_PROJ_HEARTBEAT_MS)

/* tollgated's map size (--projection-map-size) and its bounds, in MiB. */
#define TG_PROJ_MAP_MIB     1024
#define TG_PROJ_MAP_MIB_MIN 16
#define TG_PROJ_MAP_MIB_MAX 1048576

typedef struct {
    int      enabled;
    int64_t  app_id;     /* the numeric id */
    uint32_t rate_rps;   /* 0: no limit */
    uint32_t rate_burst; /* 0 when rate_rps is 0 */
} tg_proj_app_t;

/*
 * A secret past expires_at is gone (its grace ended): the gateway does
 * not try it.  A secret past aged_at is still tried, and a call it
 * verifies is refused as signed with an expired secret, which tells its
 * owner what to do (reset it) where "bad signature" would not.
 */
typedef struct {
    int64_t  expires_at; /* 0: the current secret */
    int64_t  aged_at;    /* past the account's maximum age; 0: never */
    tg_str_t sealed;     /* nonce || ciphertext || tag */
} tg_proj_secret_t;

typedef struct {
    tg_str_t         app; /* the app id */
    tg_proj_secret_t secrets[TG_PROJ_SECRETS];
    size_t           nsecrets;
} tg_proj_key_t;


/* The LMDB name of db ("meta", "apps"...); NULL if db is out of range. */
const char *tg_proj_db_name(tg_proj_db_t db);

/*
 * Appends an apps record: app, then the AppKeys (keys, nkeys) and AppCode
 * hashes (codes, ncodes) whose records belong to the app.  Returns 0,
 * TG_EINVALID (a count or length that does not fit), or TG_ENOMEM.
 */
int tg_proj_app_encode(const tg_proj_app_t *app, const tg_str_t *keys,
                       size_t nkeys, const uint8_t (*codes)[TG_PROJ_HASH_LEN],
                       size_t ncodes, tg_buf_t *out);

/* Reads an apps record's fixed part.  Returns 0, or TG_EINVALID. */
int tg_proj_app_decode(tg_str_t value, tg_proj_app_t *app);

/*
 * Calls fn for every AppKey (kind 'k') and code hash (kind 'c') an apps
 * record lists.  Returns 0, TG_EINVALID, or the first non-zero value fn
 * returned.
 */
int tg_proj_app_owned(tg_str_t value,
                      int (*fn)(void *data, int kind, tg_str_t item),
                      void *data);

/*
 * Appends a keys record for app with secrets.  Returns 0, TG_EINVALID,
 * or TG_ENOMEM.
 */
int tg_proj_key_encode(tg_str_t app, const tg_proj_secret_t *secrets,
                       size_t nsecrets, tg_buf_t *out);

/* Reads a keys record (of format 2, or 1 whose secrets never age).
 * Returns 0, or TG_EINVALID. */
int tg_proj_key_decode(tg_str_t value, tg_proj_key_t *key);

/*
 * Seals secret for app_key under the data-plane key and appends it to
 * out.  Returns 0, TG_EINVALID (too long), TG_EINTERNAL or TG_ENOMEM.
 */
int tg_proj_secret_seal(const uint8_t key[TG_SEAL_KEY_LEN], tg_str_t app_key,
                        tg_str_t secret, tg_buf_t *out);

/*
 * Opens a sealed secret of app_key into out (TG_PROJ_SECRET_MAX bytes)
 * and sets *len.  Returns 0, or TG_ESEALED.  The caller wipes out.
 */
int tg_proj_secret_open(const uint8_t key[TG_SEAL_KEY_LEN], tg_str_t app_key,
                        tg_str_t sealed, char *out, size_t *len);

/*
 * A bounded cache of keyed HMACs of sealed secrets, for one gateway worker
 * (one thread): opening a secret and keying an HMAC with it cost more than
 * verifying a signature, so each (AppKey, sealed secret, algorithm) is
 * opened and keyed once and then reused.  The entry is found by the
 * sealed bytes themselves, compared in full with the AppKey, so a secret
 * that is reset or revoked in the projection (new sealed bytes, or none)
 * is never served from the cache: the same sealed bytes under the same
 * data-plane key always open to the same secret.  The cache is
 * direct-mapped: an entry is replaced (and wiped) by one that hashes to
 * its slot.  An entry lives at most ttl_ms after it was keyed: each
 * lookup also checks one other slot in turn and wipes it if it is too
 * old, and the caller clears the cache when its projection is replaced.
 * What it holds: per entry, a copy of the AppKey and of the sealed secret
 * and the HMAC's keyed inner and outer states (key-equivalent material).
 */
typedef struct tg_proj_macs_s tg_proj_macs_t;

/* Counts, for tests and statistics. */
typedef struct {
    uint64_t hits;    /* lookups served from the cache */
    uint64_t opens;   /* secrets opened and keyed */
    uint64_t evicted; /* entries wiped: replaced, expired or cleared */
} tg_proj_macs_stats_t;

/*
 * Creates an empty cache of slots entries (a power of two, at least 1)
 * whose entries live ttl_ms (> 0).  Returns 0, TG_EINVALID or TG_ENOMEM.
 */
int tg_proj_macs_create(tg_proj_macs_t **c, size_t slots, int64_t ttl_ms);

/* Wipes every entry and frees c; NULL is allowed. */
void tg_proj_macs_destroy(tg_proj_macs_t *c);

/* Wipes every entry (the projection was replaced). */
void tg_proj_macs_clear(tg_proj_macs_t *c);

/*
 * Sets *h to an HMAC (alg) keyed with the secret that sealed opens to for
 * app_key under the data-plane key: from the cache, or opened, keyed and
 * stored.  *h belongs to c and is valid until the next call on c.
 * Returns 0, TG_ESEALED (it does not open; nothing is stored), TG_ENOMEM
 * or TG_EINTERNAL (*h is then NULL).
 */
int tg_proj_macs_get(tg_proj_macs_t *c, const uint8_t key[TG_SEAL_KEY_LEN],
                     tg_str_t app_key, tg_str_t sealed, tg_hmac_alg_t alg,
                     int64_t now_ms, tg_hmac_t **h);

/* The cache's counts so far. */
tg_proj_macs_stats_t tg_proj_macs_stats(const tg_proj_macs_t *c);

/* The codes key of an AppCode: HMAC-SHA256 under the data-plane key. */
int tg_proj_code_key(const uint8_t key[TG_SEAL_KEY_LEN], tg_str_t code,
                     uint8_t out[TG_PROJ_HASH_LEN]);

/*
 * The same codes key, computed with dataplane, an HMAC-SHA256 keyed with
 * the data-plane key (tg_hmac_create()) that a gateway worker keeps.
 * Returns 0, or TG_EINTERNAL.
 */
int tg_proj_code_key_keyed(tg_hmac_t *dataplane, tg_str_t code,
                           uint8_t out[TG_PROJ_HASH_LEN]);

/*
 * Appends a codes record: the app id, then aged_at (Unix ms, 8 bytes)
 * unless it is 0 (the code never ages).  Returns 0, TG_EINVALID (an app
 * id of another length) or TG_ENOMEM.
 */
int tg_proj_code_encode(tg_str_t app, int64_t aged_at, tg_buf_t *out);

/* A codes record: the app id.  Decoding checks its length. */
int tg_proj_code_decode(tg_str_t value, tg_str_t *app);

/* The same, with when the code passes its maximum age (0: never). */
int tg_proj_code_decode_aged(tg_str_t value, tg_str_t *app, int64_t *aged_at);

/*
 * Writes the grants key of (app, api, stage) into out (cap bytes) and
 * sets *len.  Returns 0, or TG_EINVALID if it does not fit or a part
 * holds a NUL.
 */
int tg_proj_grant_key(tg_str_t app, tg_str_t api, tg_str_t stage, char *out,
                      size_t cap, size_t *len);

/*
 * Returns 1 if a heartbeat written at heartbeat is within max_age of now
 * either way (a clock stepped back does not make it fresh for longer),
 * else 0.  A heartbeat of 0 or less is never fresh.
 */
int tg_proj_heartbeat_fresh(int64_t heartbeat, int64_t now, int64_t max_age);

/* Encodes an expiry (a grants value, or meta "seq") as 8 bytes. */
void tg_proj_i64_encode(int64_t v, uint8_t out[8]);

/* Decodes 8 bytes.  Returns 0, or TG_EINVALID if value is not 8 bytes. */
int tg_proj_i64_decode(tg_str_t value, int64_t *v);

/*
 * Parses the data-plane key file's text: 64 hex digits, optionally
 * followed by a newline.  Returns 0, or TG_EINVALID.
 */
int tg_proj_key_parse(tg_str_t text, uint8_t key[TG_SEAL_KEY_LEN]);

#endif /* TOLLGATE_PROJECTION_H */
