/*
 * The replay cache: a fixed array of entries, a chained hash index over
 * them, and a binary min-heap of the entries in use ordered by expiry,
 * so that the entry to forget first is always at the top.  Free entries
 * are chained through the same link the index uses.  See nonce.h.
 */

#include <stdlib.h>
#include <string.h>

#include "tollgate/crypto.h"
#include "tollgate/error.h"
#include "tollgate/nonce.h"


#define TG_NONCE_DIGEST_LEN 16
#define TG_NONCE_NONE       UINT32_MAX

typedef struct {
    uint8_t  digest[TG_NONCE_DIGEST_LEN];
    int64_t  expires_at;
    uint32_t next; /* the next entry in its bucket, or on the free list */
} tg_nonce_entry_t;

struct tg_nonce_cache_s {
    tg_nonce_entry_t *entries;
    size_t            capacity;
    uint32_t         *heap; /* count entry indexes, soonest expiry first */
    size_t            count;
    uint32_t          free; /* the first free entry */
    uint32_t         *buckets;
    size_t            nbuckets; /* a power of two */
};


int
tg_nonce_cache_create(size_t capacity, tg_nonce_cache_t **out)
{
    tg_nonce_cache_t *c;
    size_t            i;

    *out = NULL;

    if (capacity == 0 || capacity > TG_NONCE_CAPACITY_MAX) {
        return TG_EINVALID;
    }

    c = calloc(1, sizeof(tg_nonce_cache_t));
    if (c == NULL) {
        return TG_ENOMEM;
    }

    c->capacity = capacity;
    c->nbuckets = 16;
    while (c->nbuckets < capacity) {
        c->nbuckets <<= 1;
    }

    c->entries = calloc(capacity, sizeof(tg_nonce_entry_t));
    c->heap = malloc(capacity * sizeof(uint32_t));
    c->buckets = malloc(c->nbuckets * sizeof(uint32_t));
    if (c->entries == NULL || c->heap == NULL || c->buckets == NULL) {
        tg_nonce_cache_destroy(c);
        return TG_ENOMEM;
    }

    for (i = 0; i < c->nbuckets; i++) {
        c->buckets[i] = TG_NONCE_NONE;
    }
    for (i = 0; i < capacity; i++) {
        c->entries[i].next =
            i + 1 < capacity ? (uint32_t) (i + 1) : TG_NONCE_NONE;
    }
    c->free = 0;

    *out = c;
    return TG_OK;
}


void
tg_nonce_cache_destroy(tg_nonce_cache_t *c)
{
    if (c != NULL) {
        free(c->entries);
        free(c->heap);
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


static int64_t
tg_nonce_expiry(const tg_nonce_cache_t *c, size_t heap_index)
{
    return c->entries[c->heap[heap_index]].expires_at;
}


static void
tg_nonce_heap_swap(tg_nonce_cache_t *c, size_t a, size_t b)
{
    uint32_t t = c->heap[a];

    c->heap[a] = c->heap[b];
    c->heap[b] = t;
}


/* Adds entry index to the heap. */
static void
tg_nonce_heap_push(tg_nonce_cache_t *c, uint32_t index)
{
    size_t i = c->count++, parent;

    c->heap[i] = index;
    while (i > 0) {
        parent = (i - 1) / 2;
        if (tg_nonce_expiry(c, parent) <= tg_nonce_expiry(c, i)) {
            break;
        }
        tg_nonce_heap_swap(c, i, parent);
        i = parent;
    }
}


/* Takes the top of the heap off it. */
static void
tg_nonce_heap_pop(tg_nonce_cache_t *c)
{
    size_t i = 0, child;

    c->heap[0] = c->heap[--c->count];

    for (;;) {
        child = 2 * i + 1;
        if (child >= c->count) {
            break;
        }
        if (child + 1 < c->count
            && tg_nonce_expiry(c, child + 1) < tg_nonce_expiry(c, child))
        {
            child++;
        }
        if (tg_nonce_expiry(c, i) <= tg_nonce_expiry(c, child)) {
            break;
        }
        tg_nonce_heap_swap(c, i, child);
        i = child;
    }
}


/* Forgets the entry that expires first: off the heap, out of its
 * bucket's chain, onto the free list. */
static void
tg_nonce_forget_first(tg_nonce_cache_t *c)
{
    uint32_t  index = c->heap[0];
    uint32_t *link = &c->buckets[tg_nonce_bucket(c, c->entries[index].digest)];

    while (*link != TG_NONCE_NONE && *link != index) {
        link = &c->entries[*link].next;
    }
    if (*link == index) {
        *link = c->entries[index].next;
    }

    tg_nonce_heap_pop(c);
    c->entries[index].next = c->free;
    c->free = index;
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
                   int64_t now, int64_t expires_at)
{
    uint8_t  digest[TG_NONCE_DIGEST_LEN];
    uint32_t index;
    size_t   bucket;

    if (expires_at <= now) {
        return TG_EINVALID;
    }

    if (tg_nonce_digest(scope, nonce, digest) != TG_OK) {
        return TG_EINTERNAL;
    }

    while (c->count > 0 && tg_nonce_expiry(c, 0) <= now) {
        tg_nonce_forget_first(c);
    }

    /* Every entry left is live. */

    bucket = tg_nonce_bucket(c, digest);
    for (index = c->buckets[bucket]; index != TG_NONCE_NONE;
         index = c->entries[index].next)
    {
        if (memcmp(c->entries[index].digest, digest, TG_NONCE_DIGEST_LEN) == 0)
        {
            return TG_ECONFLICT;
        }
    }

    if (c->count == c->capacity) {
        return TG_EBUSY;
    }

    index = c->free;
    c->free = c->entries[index].next;

    memcpy(c->entries[index].digest, digest, TG_NONCE_DIGEST_LEN);
    c->entries[index].expires_at = expires_at;
    c->entries[index].next = c->buckets[bucket];
    c->buckets[bucket] = index;
    tg_nonce_heap_push(c, index);
    return TG_OK;
}
