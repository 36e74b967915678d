/*
 * The Tollgate module's shared-memory zone: the nonces seen recently and
 * each app's rate-limit bucket, shared by every worker.
 *
 * Nonces are kept as 64-bit fingerprints of AppKey and nonce, keyed by a
 * seed of the zone, with their expiry, in a table of cache lines taking
 * three quarters of the zone (see ngx_http_tollgate_zone.c): one random
 * access a nonce, no allocation, and a page of the table full of live
 * nonces refuses new ones.  Buckets are in a red-black tree keyed by a
 * CRC32 of the app, as limit_req keeps its states, and sit in a queue in
 * order of last use; the least recently used one is given up when the
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


/* What a new zone takes from the configuration: its shm zone's data
 * until ngx_http_tollgate_zone_init() replaces it with the zone's. */
typedef struct {
    ngx_msec_t skew_max; /* the largest tollgate_clock_skew */
} ngx_http_tollgate_zone_conf_t;

/* Initializes a zone (ngx_shm_zone_t's init). */
ngx_int_t ngx_http_tollgate_zone_init(ngx_shm_zone_t *zone, void *data);

/* The longest AppKey and nonce together, plus one. */
#define NGX_HTTP_TOLLGATE_NONCE_ENTRY_MAX 512

/* Where a nonce goes in the zone's table (ngx_http_tollgate_nonce_locate()). */
typedef struct {
    uint64_t print; /* its fingerprint */
    void    *line;  /* the first line to look in */
} ngx_http_tollgate_nonce_ref_t;

/*
 * Finds where nonce for key (an AppKey), signed with the timestamp ts_ms
 * (-1: none), goes, and starts loading that memory without waiting, so
 * that a miss overlaps the work done before the nonce is spent.  A nonce
 * is once per key and timestamp (a replay cannot change a signed one):
 * the timestamp puts it among the nonces of the seconds around it, in
 * pages that recent calls keep warm; without one it goes anywhere in the
 * table.  Returns NGX_OK, or
 * NGX_ABORT if key and nonce are longer than
 * NGX_HTTP_TOLLGATE_NONCE_ENTRY_MAX together (the client's fault).
 */
ngx_int_t ngx_http_tollgate_nonce_locate(ngx_shm_zone_t *zone, ngx_str_t *key,
                                         ngx_str_t *nonce, int64_t ts_ms,
                                         ngx_http_tollgate_nonce_ref_t *ref);

/*
 * Records the nonce of ref until expires_ms (rounded up to the second).
 * Returns NGX_OK if it was new, NGX_DECLINED if it is already recorded
 * and not expired (or, about once in 10^18, if its fingerprint is another
 * live nonce's), NGX_ERROR if its page of the table is full of live
 * nonces.
 */
ngx_int_t ngx_http_tollgate_nonce_use(ngx_shm_zone_t                      *zone,
                                      const ngx_http_tollgate_nonce_ref_t *ref,
                                      int64_t now_ms, int64_t expires_ms);

/*
 * Takes a token from app's bucket (rate per second, burst).  The bucket
 * runs on nginx's monotonic clock (ngx_current_msec, the same in every
 * worker).  Returns NGX_OK, NGX_BUSY with *retry_ms set when the bucket
 * is empty, or NGX_ERROR if the zone cannot hold the bucket.
 */
ngx_int_t ngx_http_tollgate_rate_take(ngx_shm_zone_t *zone, ngx_str_t *app,
                                      double rate, double burst,
                                      int64_t *retry_ms);

/* What the zone holds (ngx_http_tollgate_metrics.c). */
typedef struct {
    ngx_uint_t nonces;     /* the table's slots ever used: nonces
                              remembered, expired ones included */
    ngx_uint_t buckets;    /* apps' rate-limit buckets */
    ngx_uint_t pages;      /* the zone's pages for buckets, */
    ngx_uint_t pages_free; /* and those free */
    double     nonce_load; /* the share of the nonce table's slots that
                              hold a live nonce, in up to
                              NGX_HTTP_TOLLGATE_LOAD_LINES lines */
} ngx_http_tollgate_zone_usage_t;

/* The most lines of the nonce table ngx_http_tollgate_zone_usage() reads
 * (1 MB), evenly spaced. */
#define NGX_HTTP_TOLLGATE_LOAD_LINES 16384

/* Reads the zone's usage, under its lock. */
void ngx_http_tollgate_zone_usage(ngx_shm_zone_t                 *zone,
                                  ngx_http_tollgate_zone_usage_t *usage);

#endif /* NGX_HTTP_TOLLGATE_ZONE_H */
