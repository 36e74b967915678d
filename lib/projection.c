/*
 * The projection's record formats (see include/tollgate/projection.h).
 */

#include <stdlib.h>
#include <string.h>

#include "tollgate/crypto.h"
#include "tollgate/error.h"
#include "tollgate/projection.h"


_Static_assert(TG_PROJ_NDBS <= TG_PROJ_MAXDBS, "raise TG_PROJ_MAXDBS");

static const char *const tg_proj_db_names[TG_PROJ_NDBS] = {
    [TG_PROJ_META] = "meta",     [TG_PROJ_APPS] = "apps",
    [TG_PROJ_KEYS] = "keys",     [TG_PROJ_CODES] = "codes",
    [TG_PROJ_GRANTS] = "grants",
};


const char *
tg_proj_db_name(tg_proj_db_t db)
{
    return (unsigned) db < TG_PROJ_NDBS ? tg_proj_db_names[db] : NULL;
}


/* A bounded reader over a record. */
typedef struct {
    const uint8_t *p;
    size_t         left;
} tg_reader_t;


static int
tg_read_bytes(tg_reader_t *r, size_t n, const uint8_t **out)
{
    if (r->left < n) {
        return TG_EINVALID;
    }
    *out = r->p;
    r->p += n;
    r->left -= n;
    return TG_OK;
}


static int
tg_read_uint(tg_reader_t *r, size_t n, uint64_t *v)
{
    const uint8_t *b;
    size_t         i;

    if (tg_read_bytes(r, n, &b) != TG_OK) {
        return TG_EINVALID;
    }
    *v = 0;
    for (i = n; i > 0; i--) {
        *v = (*v << 8) | b[i - 1];
    }
    return TG_OK;
}


static int
tg_write_uint(tg_buf_t *b, size_t n, uint64_t v)
{
    uint8_t bytes[8];
    size_t  i;

    for (i = 0; i < n; i++) {
        bytes[i] = (uint8_t) (v >> (8 * i));
    }
    return tg_buf_append(b, bytes, n);
}


/* Appends a u16 length and the bytes of s. */
static int
tg_write_str16(tg_buf_t *b, tg_str_t s)
{
    if (s.len > UINT16_MAX) {
        return TG_EINVALID;
    }
    if (tg_write_uint(b, 2, s.len) != TG_OK
        || tg_buf_append(b, s.ptr, s.len) != TG_OK)
    {
        return TG_ENOMEM;
    }
    return TG_OK;
}


static int
tg_read_str16(tg_reader_t *r, tg_str_t *s)
{
    const uint8_t *b;
    uint64_t       n;

    if (tg_read_uint(r, 2, &n) != TG_OK
        || tg_read_bytes(r, (size_t) n, &b) != TG_OK)
    {
        return TG_EINVALID;
    }
    s->ptr = (const char *) b;
    s->len = (size_t) n;
    return TG_OK;
}


/* Undoes a failed encoder's partial append. */
static int
tg_proj_undo(tg_buf_t *out, size_t start, int rc)
{
    if (rc != TG_OK) {
        out->len = start;
        if (out->ptr != NULL) {
            out->ptr[start] = '\0';
        }
    }
    return rc;
}


int
tg_proj_app_encode(const tg_proj_app_t *app, const tg_str_t *keys, size_t nkeys,
                   const uint8_t (*codes)[TG_PROJ_HASH_LEN], size_t ncodes,
                   tg_buf_t *out)
{
    size_t start = out->len, i;
    int    rc;

    if (nkeys > UINT16_MAX || ncodes > UINT16_MAX) {
        return TG_EINVALID;
    }

    rc = tg_write_uint(out, 1, TG_PROJ_FORMAT);
    if (rc == TG_OK) {
        rc = tg_write_uint(out, 1, app->enabled ? 1 : 0);
    }
    if (rc == TG_OK) {
        rc = tg_write_uint(out, 8, (uint64_t) app->app_id);
    }
    if (rc == TG_OK) {
        rc = tg_write_uint(out, 4, app->rate_rps);
    }
    if (rc == TG_OK) {
        rc = tg_write_uint(out, 4, app->rate_burst);
    }
    if (rc == TG_OK) {
        rc = tg_write_uint(out, 2, nkeys);
    }
    for (i = 0; rc == TG_OK && i < nkeys; i++) {
        rc = tg_write_str16(out, keys[i]);
    }
    if (rc == TG_OK) {
        rc = tg_write_uint(out, 2, ncodes);
    }
    for (i = 0; rc == TG_OK && i < ncodes; i++) {
        rc = tg_buf_append(out, codes[i], TG_PROJ_HASH_LEN);
    }

    return tg_proj_undo(out, start, rc);
}


/* Reads the fixed part; leaves r at the owned lists. */
static int
tg_proj_app_read(tg_reader_t *r, tg_proj_app_t *app)
{
    uint64_t format, enabled, app_id, rps, burst;

    if (tg_read_uint(r, 1, &format) != TG_OK || format != TG_PROJ_FORMAT
        || tg_read_uint(r, 1, &enabled) != TG_OK
        || tg_read_uint(r, 8, &app_id) != TG_OK
        || tg_read_uint(r, 4, &rps) != TG_OK
        || tg_read_uint(r, 4, &burst) != TG_OK)
    {
        return TG_EINVALID;
    }

    app->enabled = enabled == 1;
    app->app_id = (int64_t) app_id;
    app->rate_rps = (uint32_t) rps;
    app->rate_burst = (uint32_t) burst;
    return TG_OK;
}


int
tg_proj_app_decode(tg_str_t value, tg_proj_app_t *app)
{
    tg_reader_t r = { (const uint8_t *) value.ptr, value.len };

    return tg_proj_app_read(&r, app);
}


int
tg_proj_app_owned(tg_str_t value,
                  int (*fn)(void *data, int kind, tg_str_t item), void *data)
{
    tg_reader_t    r = { (const uint8_t *) value.ptr, value.len };
    tg_proj_app_t  app;
    const uint8_t *hash;
    tg_str_t       item;
    uint64_t       n, i;
    int            rc;

    if (tg_proj_app_read(&r, &app) != TG_OK || tg_read_uint(&r, 2, &n) != TG_OK)
    {
        return TG_EINVALID;
    }
    for (i = 0; i < n; i++) {
        if (tg_read_str16(&r, &item) != TG_OK) {
            return TG_EINVALID;
        }
        rc = fn(data, 'k', item);
        if (rc != TG_OK) {
            return rc;
        }
    }

    if (tg_read_uint(&r, 2, &n) != TG_OK) {
        return TG_EINVALID;
    }
    for (i = 0; i < n; i++) {
        if (tg_read_bytes(&r, TG_PROJ_HASH_LEN, &hash) != TG_OK) {
            return TG_EINVALID;
        }
        item.ptr = (const char *) hash;
        item.len = TG_PROJ_HASH_LEN;
        rc = fn(data, 'c', item);
        if (rc != TG_OK) {
            return rc;
        }
    }

    return r.left == 0 ? TG_OK : TG_EINVALID;
}


int
tg_proj_key_encode(tg_str_t app, const tg_proj_secret_t *secrets,
                   size_t nsecrets, tg_buf_t *out)
{
    size_t start = out->len, i;
    int    rc;

    if (app.len != TG_PROJ_ID_LEN || nsecrets == 0
        || nsecrets > TG_PROJ_SECRETS) {
        return TG_EINVALID;
    }

    rc = tg_write_uint(out, 1, TG_PROJ_KEY_FORMAT);
    if (rc == TG_OK) {
        rc = tg_buf_append(out, app.ptr, app.len);
    }
    if (rc == TG_OK) {
        rc = tg_write_uint(out, 1, nsecrets);
    }
    for (i = 0; rc == TG_OK && i < nsecrets; i++) {
        rc = tg_write_uint(out, 8, (uint64_t) secrets[i].expires_at);
        if (rc == TG_OK) {
            rc = tg_write_uint(out, 8, (uint64_t) secrets[i].aged_at);
        }
        if (rc == TG_OK) {
            rc = tg_write_str16(out, secrets[i].sealed);
        }
    }

    return tg_proj_undo(out, start, rc);
}


int
tg_proj_key_decode(tg_str_t value, tg_proj_key_t *key)
{
    tg_reader_t    r = { (const uint8_t *) value.ptr, value.len };
    const uint8_t *app;
    uint64_t       format, n, expires, aged = 0, i;

    if (tg_read_uint(&r, 1, &format) != TG_OK
        || (format != TG_PROJ_FORMAT && format != TG_PROJ_KEY_FORMAT)
        || tg_read_bytes(&r, TG_PROJ_ID_LEN, &app) != TG_OK
        || tg_read_uint(&r, 1, &n) != TG_OK || n == 0 || n > TG_PROJ_SECRETS)
    {
        return TG_EINVALID;
    }

    key->app.ptr = (const char *) app;
    key->app.len = TG_PROJ_ID_LEN;
    key->nsecrets = (size_t) n;

    for (i = 0; i < n; i++) {
        if (tg_read_uint(&r, 8, &expires) != TG_OK
            || (format == TG_PROJ_KEY_FORMAT
                && tg_read_uint(&r, 8, &aged) != TG_OK)
            || tg_read_str16(&r, &key->secrets[i].sealed) != TG_OK)
        {
            return TG_EINVALID;
        }
        key->secrets[i].expires_at = (int64_t) expires;
        key->secrets[i].aged_at = (int64_t) aged;
    }

    return r.left == 0 ? TG_OK : TG_EINVALID;
}


/* Writes the AAD of app_key's secret into aad (room for the prefix and
 * TG_PROJ_AAD_KEY_MAX bytes). */
#define TG_PROJ_AAD_KEY_MAX 256

static int
tg_proj_aad(tg_str_t app_key, char *aad, tg_str_t *out)
{
    size_t n = sizeof(TG_PROJ_SECRET_AAD) - 1;

    if (app_key.len > TG_PROJ_AAD_KEY_MAX) {
        return TG_EINVALID;
    }
    memcpy(aad, TG_PROJ_SECRET_AAD, n);
    memcpy(aad + n, app_key.ptr, app_key.len);
    out->ptr = aad;
    out->len = n + app_key.len;
    return TG_OK;
}


int
tg_proj_secret_seal(const uint8_t key[TG_SEAL_KEY_LEN], tg_str_t app_key,
                    tg_str_t secret, tg_buf_t *out)
{
    char     aad[sizeof(TG_PROJ_SECRET_AAD) + TG_PROJ_AAD_KEY_MAX];
    uint8_t  sealed[TG_PROJ_SECRET_MAX + TG_SEAL_OVERHEAD];
    tg_str_t a;
    int      rc;

    if (secret.len > TG_PROJ_SECRET_MAX
        || tg_proj_aad(app_key, aad, &a) != TG_OK) {
        return TG_EINVALID;
    }

    rc = tg_seal_raw(key, a, secret, sealed);
    if (rc == TG_OK) {
        rc = tg_buf_append(out, sealed, secret.len + TG_SEAL_OVERHEAD);
    }
    return rc;
}


int
tg_proj_secret_open(const uint8_t key[TG_SEAL_KEY_LEN], tg_str_t app_key,
                    tg_str_t sealed, char *out, size_t *len)
{
    char     aad[sizeof(TG_PROJ_SECRET_AAD) + TG_PROJ_AAD_KEY_MAX];
    tg_str_t a;

    if (sealed.len < TG_SEAL_OVERHEAD
        || sealed.len > TG_PROJ_SECRET_MAX + TG_SEAL_OVERHEAD
        || tg_proj_aad(app_key, aad, &a) != TG_OK)
    {
        return TG_ESEALED;
    }

    if (tg_open_raw(key, a, (const uint8_t *) sealed.ptr, sealed.len,
                    (uint8_t *) out)
        != TG_OK)
    {
        return TG_ESEALED;
    }
    *len = sealed.len - TG_SEAL_OVERHEAD;
    return TG_OK;
}


int
tg_proj_code_key(const uint8_t key[TG_SEAL_KEY_LEN], tg_str_t code,
                 uint8_t out[TG_PROJ_HASH_LEN])
{
    tg_str_t k = { (const char *) key, TG_SEAL_KEY_LEN };

    return tg_hmac_sha256(k, code, out);
}


int
tg_proj_code_key_keyed(tg_hmac_t *dataplane, tg_str_t code,
                       uint8_t out[TG_PROJ_HASH_LEN])
{
    if (tg_hmac_size(dataplane) != TG_PROJ_HASH_LEN) {
        return TG_EINTERNAL;
    }
    return tg_hmac_compute(dataplane, code, out);
}


/* ---- the gateway's cache of keyed secrets ------------------------------ */


typedef struct {
    tg_hmac_t    *mac;     /* NULL: the slot is empty */
    char         *id;      /* app_key then sealed, copied */
    size_t        key_len; /* app_key's length within id */
    size_t        id_len;
    tg_hmac_alg_t alg;
    int64_t       keyed_at;
} tg_proj_mac_entry_t;

struct tg_proj_macs_s {
    tg_proj_mac_entry_t *slots;
    size_t               mask;
    size_t               sweep; /* the next slot checked for age */
    int64_t              ttl_ms;
    tg_proj_macs_stats_t stats;
};


int
tg_proj_macs_create(tg_proj_macs_t **c, size_t slots, int64_t ttl_ms)
{
    tg_proj_macs_t *n;

    *c = NULL;
    if (slots == 0 || (slots & (slots - 1)) != 0 || ttl_ms <= 0
        || slots > SIZE_MAX / sizeof(tg_proj_mac_entry_t))
    {
        return TG_EINVALID;
    }
    n = calloc(1, sizeof(*n));
    if (n == NULL) {
        return TG_ENOMEM;
    }
    n->slots = calloc(slots, sizeof(tg_proj_mac_entry_t));
    if (n->slots == NULL) {
        free(n);
        return TG_ENOMEM;
    }
    n->mask = slots - 1;
    n->ttl_ms = ttl_ms;
    *c = n;
    return TG_OK;
}


static void
tg_proj_mac_evict(tg_proj_macs_t *c, tg_proj_mac_entry_t *e)
{
    if (e->mac == NULL) {
        return;
    }
    tg_hmac_destroy(e->mac);
    tg_wipe(e->id, e->id_len);
    free(e->id);
    memset(e, 0, sizeof(*e));
    c->stats.evicted++;
}


void
tg_proj_macs_clear(tg_proj_macs_t *c)
{
    size_t i;

    for (i = 0; i <= c->mask; i++) {
        tg_proj_mac_evict(c, &c->slots[i]);
    }
}


void
tg_proj_macs_destroy(tg_proj_macs_t *c)
{
    if (c != NULL) {
        tg_proj_macs_clear(c);
        free(c->slots);
        free(c);
    }
}


tg_proj_macs_stats_t
tg_proj_macs_stats(const tg_proj_macs_t *c)
{
    return c->stats;
}


/* Mixes len bytes of p into h: eight at a time by multiplication, the
 * last few one at a time (FNV-1a). */
static uint64_t
tg_proj_mix(uint64_t h, const char *p, size_t len)
{
    uint64_t w;

    for (; len >= 8; p += 8, len -= 8) {
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    for (; len > 0; p++, len--) {
        h = (h ^ (uint8_t) *p) * 1099511628211ULL;
    }
    return h;
}


/* A hash of the AppKey and the sealed bytes' tail (its tag is random);
 * tollgated draws AppKeys, so nobody picks ones that collide. */
static size_t
tg_proj_mac_slot(const tg_proj_macs_t *c, tg_str_t app_key, tg_str_t sealed,
                 tg_hmac_alg_t alg)
{
    uint64_t h = 14695981039346656037ULL;
    size_t   from;

    h = tg_proj_mix(h, app_key.ptr, app_key.len);
    from = sealed.len > 16 ? sealed.len - 16 : 0;
    h = tg_proj_mix(h, sealed.ptr + from, sealed.len - from);
    h = (h ^ (uint64_t) alg) * 1099511628211ULL;
    return (size_t) (h ^ (h >> 32)) & c->mask;
}


static int
tg_proj_mac_matches(const tg_proj_mac_entry_t *e, tg_str_t app_key,
                    tg_str_t sealed, tg_hmac_alg_t alg)
{
    return e->mac != NULL && e->alg == alg && e->key_len == app_key.len
           && e->id_len == app_key.len + sealed.len
           && memcmp(e->id, app_key.ptr, app_key.len) == 0
           && memcmp(e->id + app_key.len, sealed.ptr, sealed.len) == 0;
}


/* Opens sealed and keys an HMAC with it into e (empty).  Returns 0,
 * TG_ESEALED, TG_ENOMEM or TG_EINTERNAL; e stays empty on failure. */
static int
tg_proj_mac_fill(tg_proj_mac_entry_t *e, const uint8_t key[TG_SEAL_KEY_LEN],
                 tg_str_t app_key, tg_str_t sealed, tg_hmac_alg_t alg,
                 int64_t now_ms)
{
    char   secret[TG_PROJ_SECRET_MAX];
    size_t len = 0;
    int    rc;

    e->id = malloc(app_key.len + sealed.len + 1);
    if (e->id == NULL) {
        return TG_ENOMEM;
    }

    rc = tg_proj_secret_open(key, app_key, sealed, secret, &len);
    if (rc == TG_OK) {
        rc = tg_hmac_create(&e->mac, alg, (tg_str_t){ secret, len });
    }
    tg_wipe(secret, sizeof(secret));
    if (rc != TG_OK) {
        free(e->id);
        memset(e, 0, sizeof(*e));
        return rc;
    }

    memcpy(e->id, app_key.ptr, app_key.len);
    memcpy(e->id + app_key.len, sealed.ptr, sealed.len);
    e->key_len = app_key.len;
    e->id_len = app_key.len + sealed.len;
    e->alg = alg;
    e->keyed_at = now_ms;
    return TG_OK;
}


int
tg_proj_macs_get(tg_proj_macs_t *c, const uint8_t key[TG_SEAL_KEY_LEN],
                 tg_str_t app_key, tg_str_t sealed, tg_hmac_alg_t alg,
                 int64_t now_ms, tg_hmac_t **h)
{
    tg_proj_mac_entry_t *e, *old;
    int                  rc;

    *h = NULL;

    /* One other slot per lookup: idle entries age out too. */
    old = &c->slots[c->sweep++ & c->mask];
    if (old->mac != NULL && now_ms - old->keyed_at >= c->ttl_ms) {
        tg_proj_mac_evict(c, old);
    }

    e = &c->slots[tg_proj_mac_slot(c, app_key, sealed, alg)];
    if (tg_proj_mac_matches(e, app_key, sealed, alg)
        && now_ms - e->keyed_at < c->ttl_ms && now_ms >= e->keyed_at)
    {
        c->stats.hits++;
        *h = e->mac;
        return TG_OK;
    }

    tg_proj_mac_evict(c, e);
    rc = tg_proj_mac_fill(e, key, app_key, sealed, alg, now_ms);
    if (rc != TG_OK) {
        return rc == TG_ESEALED || rc == TG_ENOMEM ? rc : TG_EINTERNAL;
    }
    c->stats.opens++;
    *h = e->mac;
    return TG_OK;
}


int
tg_proj_code_encode(tg_str_t app, int64_t aged_at, tg_buf_t *out)
{
    size_t start = out->len;
    int    rc;

    if (app.len != TG_PROJ_ID_LEN) {
        return TG_EINVALID;
    }
    rc = tg_buf_append(out, app.ptr, app.len);
    if (rc == TG_OK && aged_at != 0) {
        rc = tg_write_uint(out, 8, (uint64_t) aged_at);
    }
    return tg_proj_undo(out, start, rc);
}


int
tg_proj_code_decode_aged(tg_str_t value, tg_str_t *app, int64_t *aged_at)
{
    tg_reader_t    r = { (const uint8_t *) value.ptr, value.len };
    const uint8_t *id;
    uint64_t       aged = 0;

    if (tg_read_bytes(&r, TG_PROJ_ID_LEN, &id) != TG_OK
        || (r.left > 0 && tg_read_uint(&r, 8, &aged) != TG_OK) || r.left != 0
        || (value.len > TG_PROJ_ID_LEN && aged == 0))
    {
        return TG_EINVALID;
    }
    app->ptr = (const char *) id;
    app->len = TG_PROJ_ID_LEN;
    *aged_at = (int64_t) aged;
    return TG_OK;
}


int
tg_proj_code_decode(tg_str_t value, tg_str_t *app)
{
    int64_t aged_at;

    return tg_proj_code_decode_aged(value, app, &aged_at);
}


int
tg_proj_grant_key(tg_str_t app, tg_str_t api, tg_str_t stage, char *out,
                  size_t cap, size_t *len)
{
    size_t n = app.len + 1 + api.len + 1 + stage.len;

    if (n > cap || app.len == 0 || memchr(app.ptr, '\0', app.len) != NULL
        || (api.len > 0 && memchr(api.ptr, '\0', api.len) != NULL)
        || (stage.len > 0 && memchr(stage.ptr, '\0', stage.len) != NULL))
    {
        return TG_EINVALID;
    }

    memcpy(out, app.ptr, app.len);
    out[app.len] = '\0';
    if (api.len > 0) {
        memcpy(out + app.len + 1, api.ptr, api.len);
    }
    out[app.len + 1 + api.len] = '\0';
    if (stage.len > 0) {
        memcpy(out + app.len + 2 + api.len, stage.ptr, stage.len);
    }
    *len = n;
    return TG_OK;
}


int
tg_proj_heartbeat_fresh(int64_t heartbeat, int64_t now, int64_t max_age)
{
    /* Both positive: neither difference overflows. */
    if (heartbeat <= 0 || now <= 0 || max_age < 0) {
        return 0;
    }
    return now - heartbeat <= max_age && heartbeat - now <= max_age;
}


void
tg_proj_i64_encode(int64_t v, uint8_t out[8])
{
    size_t i;

    for (i = 0; i < 8; i++) {
        out[i] = (uint8_t) ((uint64_t) v >> (8 * i));
    }
}


int
tg_proj_i64_decode(tg_str_t value, int64_t *v)
{
    tg_reader_t r = { (const uint8_t *) value.ptr, value.len };
    uint64_t    u;

    if (value.len != 8 || tg_read_uint(&r, 8, &u) != TG_OK) {
        return TG_EINVALID;
    }
    *v = (int64_t) u;
    return TG_OK;
}


int
tg_proj_key_parse(tg_str_t text, uint8_t key[TG_SEAL_KEY_LEN])
{
    size_t i;
    int    hi, lo;

    if (text.len == TG_SEAL_KEY_LEN * 2 + 1 && text.ptr[text.len - 1] == '\n') {
        text.len--;
    }
    if (text.len != TG_SEAL_KEY_LEN * 2) {
        return TG_EINVALID;
    }

    for (i = 0; i < TG_SEAL_KEY_LEN; i++) {
        hi = tg_hex_digit(text.ptr[2 * i]);
        lo = tg_hex_digit(text.ptr[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            tg_wipe(key, TG_SEAL_KEY_LEN);
            return TG_EINVALID;
        }
        key[i] = (uint8_t) (hi << 4 | lo);
    }
    return TG_OK;
}
