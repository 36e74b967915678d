/*
 * The replay cache: a ring of entries in the order they were added (so
 * the oldest expires first) and a chained hash index over it.  See
 * nonce.h.
 */

#include <stdlib.h>
#include <string.h>

#include "tollgate/crypto.h"
#include "tollgate/error.h"
#include "tollgate/nonce.h"


#define TG_NONCE_DIGEST_LEN 16
#define TG_NONCE_NONE       UINT32_MAX
#define TG_NONCE_CAP_MAX    ((size_t) 1 << 24)

typedef struct {
    uint8_t  digest[TG_NONCE_DIGEST_LEN];
    int64_t  expires_at;
    uint32_t next; /* the next entry in its bucket */
} tg_nonce_entry_t;

struct tg_nonce_cache_s {
    tg_nonce_entry_t *ring;
    size_t            capacity;
    size_t            head; /* the oldest entry */
    size_t            count;
    uint32_t         *buckets;
    size_t            nbuckets; /* a power of two */
    int64_t           ttl_ms;
};


int
tg_nonce_cache_create(size_t capacity, int64_t ttl_ms, tg_nonce_cache_t **out)
{
    tg_nonce_cache_t *c;
    size_t            i;

    *out = NULL;

    if (capacity == 0 || capacity > TG_NONCE_CAP_MAX || ttl_ms <= 0) {
        return TG_EINVALID;
    }

    c = calloc(1, sizeof(tg_nonce_cache_t));
    if (c == NULL) {
        return TG_ENOMEM;
    }

    c->capacity = capacity;
    c->ttl_ms = ttl_ms;
    c->nbuckets = 16;
    while (c->nbuckets < capacity) {
        c->nbuckets <<= 1;
    }

    c->ring = calloc(capacity, sizeof(tg_nonce_entry_t));
    c->buckets = malloc(c->nbuckets * sizeof(uint32_t));
    if (c->ring == NULL || c->buckets == NULL) {
        tg_nonce_cache_destroy(c);
        return TG_ENOMEM;
    }

    for (i = 0; i < c->nbuckets; i++) {
        c->buckets[i] = TG_NONCE_NONE;
    }

    *out = c;
    return TG_OK;
}


void
tg_nonce_cache_destroy(tg_nonce_cache_t *c)
{
    if (c != NULL) {
        free(c->ring);
        free(c->buckets);
        free(c);
    }
}


size_t
tg_nonce_cache_size(const tg_nonce_cache_t *c)
{
    return c->count;
}


static size_t
tg_nonce_bucket(const tg_nonce_cache_t *c, const uint8_t *digest)
{
    uint64_t h;

    memcpy(&h, digest, sizeof(h));
    return (size_t) (h & (c->nbuckets - 1));
}


/* Drops the oldest entry from the ring and from its bucket's chain. */
static void
tg_nonce_pop(tg_nonce_cache_t *c)
{
    uint32_t  index = (uint32_t) c->head;
    uint32_t *link = &c->buckets[tg_nonce_bucket(c, c->ring[index].digest)];

    while (*link != TG_NONCE_NONE && *link != index) {
        link = &c->ring[*link].next;
    }
    if (*link == index) {
        *link = c->ring[index].next;
    }

    c->head = (c->head + 1) % c->capacity;
    c->count--;
}


/* The digest of scope and nonce; the scope's length keeps the two
 * apart ("ab"+"c" is not "a"+"bc"). */
static int
tg_nonce_digest(tg_str_t scope, tg_str_t nonce,
                uint8_t digest[TG_NONCE_DIGEST_LEN])
{
    uint8_t  full[TG_SHA256_LEN];
    tg_buf_t text = TG_BUF_INIT;
    int      rc;

    rc = tg_buf_printf(&text, "%zu:", scope.len);
    if (rc == TG_OK) {
        rc = tg_buf_append(&text, scope.ptr, scope.len);
    }
    if (rc == TG_OK) {
        rc = tg_buf_append(&text, nonce.ptr, nonce.len);
    }
    if (rc == TG_OK) {
        rc = tg_sha256(tg_buf_str(&text), full);
    }
    if (rc == TG_OK) {
        memcpy(digest, full, TG_NONCE_DIGEST_LEN);
    }

    tg_buf_free(&text);
    return rc;
}


int
tg_nonce_cache_use(tg_nonce_cache_t *c, tg_str_t scope, tg_str_t nonce,
                   int64_t now)
{
    uint8_t  digest[TG_NONCE_DIGEST_LEN];
    uint32_t index;
    size_t   bucket;
    int      rc;

    rc = tg_nonce_digest(scope, nonce, digest);
    if (rc != TG_OK) {
        return TG_EINTERNAL;
    }

    while (c->count > 0 && c->ring[c->head].expires_at <= now) {
        tg_nonce_pop(c);
    }

    bucket = tg_nonce_bucket(c, digest);
    for (index = c->buckets[bucket]; index != TG_NONCE_NONE;
         index = c->ring[index].next)
    {
        if (memcmp(c->ring[index].digest, digest, TG_NONCE_DIGEST_LEN) == 0) {
            return TG_ECONFLICT;
        }
    }

    if (c->count == c->capacity) {
        return TG_EBUSY;
    }

    index = (uint32_t) ((c->head + c->count) % c->capacity);
    memcpy(c->ring[index].digest, digest, TG_NONCE_DIGEST_LEN);
    c->ring[index].expires_at = now + c->ttl_ms;
    c->ring[index].next = c->buckets[bucket];
    c->buckets[bucket] = index;
    c->count++;
    return TG_OK;
}
