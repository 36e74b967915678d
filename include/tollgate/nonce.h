/*
 * A replay cache: remembers which nonces were used, each until its own
 * expiry, in bounded memory.
 *
 * Each nonce is remembered with its scope (the access key that used it)
 * as a 128-bit digest, so that an entry costs the same whatever the
 * nonce's length.  The caller gives each entry its expiry (for a signed
 * call: the moment its timestamp leaves the clock window, after which
 * the call is refused anyway), and the entry that expires first is the
 * first forgotten.  When the cache is full of entries that have not
 * expired yet it refuses new nonces rather than forget one: a forgotten
 * nonce could be replayed.
 *
 * The cache is not thread-safe; the caller serializes calls.  Times are
 * the caller's (Unix ms), so tests can drive them.
 */

#ifndef TOLLGATE_NONCE_H
#define TOLLGATE_NONCE_H

#include <stddef.h>
#include <stdint.h>

#include "tollgate/str.h"


#define TG_NONCE_CAPACITY_MAX ((size_t) 1 << 24)

typedef struct tg_nonce_cache_s tg_nonce_cache_t;


/*
 * Creates a cache of capacity entries (1 to TG_NONCE_CAPACITY_MAX).
 * Returns 0, TG_EINVALID or TG_ENOMEM.
 */
int tg_nonce_cache_create(size_t capacity, tg_nonce_cache_t **out);

/* Frees the cache.  cache may be NULL. */
void tg_nonce_cache_destroy(tg_nonce_cache_t *cache);

/*
 * Records at now that scope used nonce, to be remembered until
 * expires_at (excluded).  Returns 0 if it is new (and now remembered),
 * TG_ECONFLICT if it is remembered still, TG_EBUSY if the cache is full
 * of live entries (nothing recorded), TG_EINVALID if expires_at is not
 * after now, or TG_EINTERNAL.
 */
int tg_nonce_cache_use(tg_nonce_cache_t *cache, tg_str_t scope, tg_str_t nonce,
                       int64_t now, int64_t expires_at);

/* How many nonces are remembered (expired ones may still count until
 * the next use). */
size_t tg_nonce_cache_size(const tg_nonce_cache_t *cache);

#endif /* TOLLGATE_NONCE_H */
