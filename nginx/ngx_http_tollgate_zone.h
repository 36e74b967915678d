/*
 * The Tollgate module's shared-memory zone: the nonces seen recently and
 * each app's rate-limit bucket, shared by every worker.
 *
 * Nonces are found in a hash table by a seeded hash of AppKey and nonce
 * (one chain per 256 bytes of zone, so chains stay short when the zone is
 * full), and sit in a queue in insertion order; all live for the same
 * time, so the oldest expire first.  Buckets are in a red-black tree keyed
 * by a CRC32 of the app, as limit_req keeps its states, and sit in a queue
 * in order of last use; the least recently used one is given up when the
 * zone is full.
 */

#ifndef NGX_HTTP_TOLLGATE_ZONE_H
#define NGX_HTTP_TOLLGATE_ZONE_H

#include <ngx_config.h>
#include <ngx_core.h>


/*
 * A fast keyed hash of len bytes of p, continuing from h (a seed, or the
 * hash of a part before): eight bytes at a time, mixed by multiplication
 * (a few instructions a word, where a CRC32 costs a table lookup per
 * nibble).  Not a MAC: a secret seed only keeps callers from choosing
 * keys that collide.  The nonce table and the workers' record memo use it.
 */
static ngx_inline uint64_t
ngx_http_tollgate_hash(uint64_t h, const u_char *p, size_t len)
{
    uint64_t w;

    h ^= (uint64_t) len * 0x9e3779b97f4a7c15ULL;
    for (; len >= 8; p += 8, len -= 8) {
        ngx_memcpy(&w, p, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    w = 0;
    ngx_memcpy(&w, p, len);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 29);
}


/* Initializes a zone (ngx_shm_zone_t's init). */
ngx_int_t ngx_http_tollgate_zone_init(ngx_shm_zone_t *zone, void *data);

/* The longest nonce entry: AppKey, a NUL, nonce. */
#define NGX_HTTP_TOLLGATE_NONCE_ENTRY_MAX 512

/*
 * Records nonce for key (an AppKey) until expires_ms.  Returns NGX_OK if
 * it was new, NGX_DECLINED if it is already recorded and not expired,
 * NGX_ABORT if key and nonce are longer than NGX_HTTP_TOLLGATE_NONCE_ENTRY_MAX
 * together (the client's fault), NGX_ERROR if the zone is full even after
 * expiring old nonces.
 */
ngx_int_t ngx_http_tollgate_nonce_use(ngx_shm_zone_t *zone, ngx_str_t *key,
                                      ngx_str_t *nonce, int64_t now_ms,
                                      int64_t expires_ms);

/*
 * Starts loading, without waiting, the memory that
 * ngx_http_tollgate_nonce_use() reads first for key and nonce (a slot of
 * a table as large as the zone, rarely in any cache), so that the miss
 * overlaps the work done before the nonce is spent.
 */
void ngx_http_tollgate_nonce_prefetch(ngx_shm_zone_t *zone, ngx_str_t *key,
                                      ngx_str_t *nonce);

/*
 * Takes a token from app's bucket (rate per second, burst).  The bucket
 * runs on nginx's monotonic clock (ngx_current_msec, the same in every
 * worker); now_ms is the wall clock, to expire nonces if room is needed.
 * Returns
 * NGX_OK, NGX_BUSY with *retry_ms set when the bucket is empty, or
 * NGX_ERROR if the zone cannot hold the bucket.
 */
ngx_int_t ngx_http_tollgate_rate_take(ngx_shm_zone_t *zone, ngx_str_t *app,
                                      double rate, double burst, int64_t now_ms,
                                      int64_t *retry_ms);

/* What the zone holds (ngx_http_tollgate_metrics.c). */
typedef struct {
    ngx_uint_t nonces;     /* nonces remembered, expired ones included */
    ngx_uint_t buckets;    /* apps' rate-limit buckets */
    ngx_uint_t pages;      /* the zone's pages for entries, */
    ngx_uint_t pages_free; /* and those free */
} ngx_http_tollgate_zone_usage_t;

/* Reads the zone's usage, under its lock. */
void ngx_http_tollgate_zone_usage(ngx_shm_zone_t                 *zone,
                                  ngx_http_tollgate_zone_usage_t *usage);

#endif /* NGX_HTTP_TOLLGATE_ZONE_H */
