/*
 * The shared-memory zone of nonces and rate buckets (see the header).
 */

#include <ngx_config.h>
#include <ngx_core.h>

#include <sys/random.h>

#include "tollgate/ratelimit.h"
#include "ngx_http_tollgate_zone.h"


#define NGX_TOLLGATE_BUCKET 'b'

/*
 * The nonce table: lines of one cache line each, 64 to a 4 KB page.  A
 * nonce's line is found by a hash and its timestamp
 * (ngx_http_tollgate_nonce_print()); when that line is full of live
 * nonces it goes in the next line of the same page (the last line wraps
 * to the first), and the line it passed records until when a nonce lives
 * past it, so that a lookup knows whether to go on.  A nonce so never
 * costs a second random access or a TLB miss of its own, and a page full
 * of live nonces refuses new ones (fail closed).  The table takes
 * NGX_TOLLGATE_TABLE_QUARTERS quarters of the zone's free pages; the rest
 * is for the rate buckets.
 */
#define NGX_TOLLGATE_SLOTS          5
#define NGX_TOLLGATE_TABLE_PAGE     4096
#define NGX_TOLLGATE_PAGE_LINES     (NGX_TOLLGATE_TABLE_PAGE / 64)
#define NGX_TOLLGATE_TABLE_QUARTERS 3

/* The nonces of one timestamp's second spread over the pages of this many
 * seconds (and at least NGX_TOLLGATE_WINDOW_MIN pages). */
#define NGX_TOLLGATE_WINDOW_SECONDS 4
#define NGX_TOLLGATE_WINDOW_MIN     16

typedef struct ngx_http_tollgate_node_s ngx_http_tollgate_node_t;

/* One line of the nonce table.  A slot holds a nonce's 64-bit keyed
 * fingerprint (of AppKey, nonce and timestamp) until expires, in Unix
 * seconds rounded up; expires 0: never used; expires in the past: free
 * again. */
typedef struct {
    uint32_t passed_until; /* a live nonce went on past this full line */
    uint32_t expires[NGX_TOLLGATE_SLOTS];
    uint64_t print[NGX_TOLLGATE_SLOTS];
} ngx_http_tollgate_line_t;

typedef struct {
    ngx_rbtree_t      rbtree; /* buckets */
    ngx_rbtree_node_t sentinel;
    ngx_queue_t       buckets; /* least recently used first */

    /* Nonces: pages of lines, found by two hashes keyed by random
     * seeds drawn at start (ngx_http_tollgate_nonce_print()). */
    ngx_http_tollgate_line_t *lines;
    ngx_uint_t                pages;
    ngx_uint_t                span;   /* seconds of timestamps round it */
    ngx_uint_t                window; /* pages a second's nonces spread on */
    uint64_t                  seed[2];

    ngx_uint_t nonces_held; /* slots ever used, for ..._zone_usage() */
    ngx_uint_t buckets_held;
} ngx_http_tollgate_shctx_t;

/* A bucket: lives from the rbtree node's color field on, as limit_req's
 * nodes do. */
struct ngx_http_tollgate_node_s {
    u_char      color;
    u_char      kind;
    u_short     len;
    ngx_queue_t queue;
    tg_bucket_t bucket;
    u_char      data[1]; /* the key */
};


static ngx_http_tollgate_node_t *
ngx_http_tollgate_node(ngx_rbtree_node_t *node)
{
    return (ngx_http_tollgate_node_t *) &node->color;
}


static ngx_rbtree_node_t *
ngx_http_tollgate_rbnode(ngx_http_tollgate_node_t *tn)
{
    return (ngx_rbtree_node_t *) ((u_char *) tn
                                  - offsetof(ngx_rbtree_node_t, color));
}


/* Orders nodes by hash, then kind, length and bytes. */
static ngx_int_t
ngx_http_tollgate_cmp(ngx_http_tollgate_node_t *a, u_char kind, u_char *data,
                      size_t len)
{
    if (a->kind != kind) {
        return (ngx_int_t) a->kind - kind;
    }
    if (a->len != len) {
        return (ngx_int_t) a->len - (ngx_int_t) len;
    }
    return ngx_memcmp(a->data, data, len);
}


static void
ngx_http_tollgate_rbtree_insert(ngx_rbtree_node_t *temp,
                                ngx_rbtree_node_t *node,
                                ngx_rbtree_node_t *sentinel)
{
    ngx_rbtree_node_t       **p;
    ngx_http_tollgate_node_t *tn, *tt;

    for (;;) {
        if (node->key != temp->key) {
            p = node->key < temp->key ? &temp->left : &temp->right;
        } else {
            tn = ngx_http_tollgate_node(node);
            tt = ngx_http_tollgate_node(temp);
            p = ngx_http_tollgate_cmp(tn, tt->kind, tt->data, tt->len) < 0
                    ? &temp->left
                    : &temp->right;
        }

        if (*p == sentinel) {
            break;
        }
        temp = *p;
    }

    *p = node;
    node->parent = temp;
    node->left = sentinel;
    node->right = sentinel;
    ngx_rbt_red(node);
}


ngx_int_t
ngx_http_tollgate_zone_init(ngx_shm_zone_t *zone, void *data)
{
    ngx_http_tollgate_zone_conf_t *conf = zone->data;
    ngx_http_tollgate_shctx_t     *sh;
    ngx_slab_pool_t               *shpool;

    if (data != NULL) {
        zone->data = data; /* a reload keeps the old zone's state */
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) zone->shm.addr;
    if (zone->shm.exists) {
        zone->data = shpool->data;
        return NGX_OK;
    }

    sh = ngx_slab_alloc(shpool, sizeof(ngx_http_tollgate_shctx_t));
    if (sh == NULL) {
        return NGX_ERROR;
    }

    /* Whole pages from the slab allocator are page-aligned. */
    sh->pages = shpool->pfree * ngx_pagesize / NGX_TOLLGATE_TABLE_PAGE / 4
                * NGX_TOLLGATE_TABLE_QUARTERS;
    if (sh->pages == 0) {
        sh->pages = 1;
    }
    sh->lines = ngx_slab_calloc(shpool, sh->pages * NGX_TOLLGATE_TABLE_PAGE);
    if (sh->lines == NULL) {
        return NGX_ERROR;
    }

    /* The table's pages go round the timestamps of the longest skew, so
     * that the live ones (a skew's worth) fill it evenly.  Fixed for the
     * zone's life: a nonce must be found where it was put. */
    sh->span = conf->skew_max / 1000;
    if (sh->span == 0) {
        sh->span = 1;
    }
    sh->window =
        (sh->pages * NGX_TOLLGATE_WINDOW_SECONDS + sh->span - 1) / sh->span;
    if (sh->window < NGX_TOLLGATE_WINDOW_MIN) {
        sh->window = NGX_TOLLGATE_WINDOW_MIN;
    }
    if (sh->window > sh->pages) {
        sh->window = sh->pages;
    }
    if (getrandom(sh->seed, sizeof(sh->seed), 0) != sizeof(sh->seed)) {
        ngx_log_error(NGX_LOG_EMERG, zone->shm.log, ngx_errno,
                      "tollgate: no random seed for the zone \"%V\"",
                      &zone->shm.name);
        return NGX_ERROR;
    }

    ngx_rbtree_init(&sh->rbtree, &sh->sentinel,
                    ngx_http_tollgate_rbtree_insert);
    ngx_queue_init(&sh->buckets);

    shpool->data = sh;
    zone->data = sh;
    shpool->log_nomem = 0;
    return NGX_OK;
}


static ngx_http_tollgate_node_t *
ngx_http_tollgate_lookup(ngx_http_tollgate_shctx_t *sh, uint32_t hash,
                         u_char kind, u_char *data, size_t len)
{
    ngx_rbtree_node_t        *node = sh->rbtree.root;
    ngx_rbtree_node_t        *sentinel = sh->rbtree.sentinel;
    ngx_http_tollgate_node_t *tn;
    ngx_int_t                 rc;

    while (node != sentinel) {
        if (hash != node->key) {
            node = hash < node->key ? node->left : node->right;
            continue;
        }
        tn = ngx_http_tollgate_node(node);
        rc = ngx_http_tollgate_cmp(tn, kind, data, len);
        if (rc == 0) {
            return tn;
        }
        node = rc > 0 ? node->left : node->right;
    }
    return NULL;
}


/*
 * Hashes len bytes of p into two lanes at once, each its own multiplier:
 * ngx_http_tollgate_hash() twice in one pass.
 */
static void
ngx_http_tollgate_nonce_lanes(uint64_t lane[2], const u_char *p, size_t len)
{
    uint64_t w;

    lane[0] ^= (uint64_t) len * 0x9e3779b97f4a7c15ULL;
    lane[1] ^= (uint64_t) len * 0xc2b2ae3d27d4eb4fULL;
    for (; len >= 8; p += 8, len -= 8) {
        ngx_memcpy(&w, p, 8);
        lane[0] = (lane[0] ^ w) * 0xff51afd7ed558ccdULL;
        lane[0] ^= lane[0] >> 32;
        lane[1] = (lane[1] ^ w) * 0xc4ceb9fe1a85ec53ULL;
        lane[1] ^= lane[1] >> 29;
    }
    w = 0;
    ngx_memcpy(&w, p, len);
    lane[0] = (lane[0] ^ w) * 0xc4ceb9fe1a85ec53ULL;
    lane[0] ^= lane[0] >> 29;
    lane[1] = (lane[1] ^ w) * 0xff51afd7ed558ccdULL;
    lane[1] ^= lane[1] >> 32;
}


/*
 * A nonce of key (its AppKey), signed with the timestamp ts_ms (-1:
 * none): its fingerprint, and its first line in the table, each from its
 * own hash of AppKey, nonce and timestamp, from the zone's seeds.  Nobody
 * can choose nonces whose fingerprints meet without knowing them (only a
 * caller with a valid signature gets a nonce recorded anyway), and the
 * line says little of the fingerprint, so that only the few fingerprints
 * of its lines can meet a nonce's.  Two nonces with one fingerprint are
 * one nonce to the table: the second is refused as a replay, never the
 * other way round.
 */
static uint64_t
ngx_http_tollgate_nonce_print(ngx_http_tollgate_shctx_t *sh, ngx_str_t *key,
                              ngx_str_t *nonce, int64_t ts_ms,
                              ngx_http_tollgate_line_t **line)
{
    uint64_t   lane[2];
    ngx_uint_t page;

    lane[0] = sh->seed[0];
    lane[1] = sh->seed[1];
    ngx_http_tollgate_nonce_lanes(lane, key->data, key->len);
    ngx_http_tollgate_nonce_lanes(lane, nonce->data, nonce->len);
    ngx_http_tollgate_nonce_lanes(lane, (u_char *) &ts_ms, sizeof(ts_ms));

    /* The page: with a timestamp, one of the window of pages that starts
     * where its second falls on the round of the table; without, any.
     * The high half of the second hash scaled to the pages (any number
     * of them) picks it; its low bits pick the line. */
    if (ts_ms >= 0) {
        page = (ngx_uint_t) ((uint64_t) (ts_ms / 1000) % sh->span * sh->pages
                             / sh->span);
        page += (ngx_uint_t) (((lane[1] >> 32) * (uint64_t) sh->window) >> 32);
        page %= sh->pages;
    } else {
        page = (ngx_uint_t) (((lane[1] >> 32) * (uint64_t) sh->pages) >> 32);
    }
    *line = sh->lines + page * NGX_TOLLGATE_PAGE_LINES
            + (lane[1] & (NGX_TOLLGATE_PAGE_LINES - 1));
    return lane[0];
}


ngx_int_t
ngx_http_tollgate_nonce_locate(ngx_shm_zone_t *zone, ngx_str_t *key,
                               ngx_str_t *nonce, int64_t ts_ms,
                               ngx_http_tollgate_nonce_ref_t *ref)
{
    ngx_http_tollgate_shctx_t *sh = zone->data;
    ngx_http_tollgate_line_t  *line;

    /* A nonce is the app's to use once: the fingerprint is of both (and
     * of the timestamp). */
    if (key->len + 1 + nonce->len > NGX_HTTP_TOLLGATE_NONCE_ENTRY_MAX) {
        return NGX_ABORT;
    }
    /* The table's address and size never change: no lock needed to read
     * them, and a prefetch reads nothing that could be torn. */
    ref->print = ngx_http_tollgate_nonce_print(sh, key, nonce, ts_ms, &line);
    ref->line = line;
#if defined(__GNUC__) || defined(__clang__)
    __builtin_prefetch(line);
#endif
    return NGX_OK;
}


/*
 * Records print until expires in the page of line, unless a live slot
 * holds it: looks in line, and on in the page while a live nonce went
 * past the line looked at; takes the first free slot on the way, and
 * marks each full line it passes to reach it.  Returns NGX_OK,
 * NGX_DECLINED (a replay) or NGX_ERROR (the page is full of live nonces).
 */
static ngx_int_t
ngx_http_tollgate_nonce_record(ngx_http_tollgate_shctx_t *sh,
                               ngx_http_tollgate_line_t *line, uint64_t print,
                               uint32_t now, uint32_t expires)
{
    ngx_http_tollgate_line_t *page, *l, *room = NULL;
    ngx_uint_t                first, n, i, slot = 0, passed = 0;

    first = (ngx_uint_t) (line - sh->lines) % NGX_TOLLGATE_PAGE_LINES;
    page = line - first;

    for (n = 0; n < NGX_TOLLGATE_PAGE_LINES; n++) {
        l = &page[(first + n) % NGX_TOLLGATE_PAGE_LINES];
        for (i = 0; i < NGX_TOLLGATE_SLOTS; i++) {
            if (l->expires[i] > now) {
                if (l->print[i] == print) {
                    return NGX_DECLINED;
                }
            } else if (room == NULL) {
                room = l;
                slot = i;
            }
        }
        if (room == NULL) {
            passed++;
        } else if (l->passed_until <= now) {
            break;
        }
    }
    if (room == NULL) {
        return NGX_ERROR;
    }

    for (n = 0; n < passed; n++) {
        l = &page[(first + n) % NGX_TOLLGATE_PAGE_LINES];
        if (l->passed_until < expires) {
            l->passed_until = expires;
        }
    }
    if (room->expires[slot] == 0) {
        sh->nonces_held++;
    }
    room->expires[slot] = expires;
    room->print[slot] = print;
    return NGX_OK;
}


static void
ngx_http_tollgate_free(ngx_slab_pool_t *shpool, ngx_http_tollgate_shctx_t *sh,
                       ngx_http_tollgate_node_t *tn)
{
    ngx_queue_remove(&tn->queue);
    ngx_rbtree_delete(&sh->rbtree, ngx_http_tollgate_rbnode(tn));
    sh->buckets_held--;
    ngx_slab_free_locked(shpool, ngx_http_tollgate_rbnode(tn));
}


/* Allocates size bytes; gives up the least recently used bucket for room
 * when the zone is full. */
static void *
ngx_http_tollgate_alloc(ngx_slab_pool_t *shpool, ngx_http_tollgate_shctx_t *sh,
                        size_t size)
{
    void        *p;
    ngx_queue_t *q;

    p = ngx_slab_alloc_locked(shpool, size);
    if (p == NULL && !ngx_queue_empty(&sh->buckets)) {
        q = ngx_queue_head(&sh->buckets);
        ngx_http_tollgate_free(
            shpool, sh, ngx_queue_data(q, ngx_http_tollgate_node_t, queue));
        p = ngx_slab_alloc_locked(shpool, size);
    }
    return p;
}


/* Allocates and inserts a bucket's node; gives one up when full. */
static ngx_http_tollgate_node_t *
ngx_http_tollgate_add(ngx_slab_pool_t *shpool, ngx_http_tollgate_shctx_t *sh,
                      uint32_t hash, u_char kind, u_char *data, size_t len)
{
    ngx_http_tollgate_node_t *tn;
    ngx_rbtree_node_t        *node;
    size_t                    size;

    if (len > 0xffff) {
        return NULL;
    }

    size = offsetof(ngx_rbtree_node_t, color)
           + offsetof(ngx_http_tollgate_node_t, data) + len;

    node = ngx_http_tollgate_alloc(shpool, sh, size);
    if (node == NULL) {
        return NULL;
    }

    node->key = hash;
    tn = ngx_http_tollgate_node(node);
    tn->kind = kind;
    tn->len = (u_short) len;
    tn->bucket = TG_BUCKET_INIT;
    ngx_memcpy(tn->data, data, len);
    ngx_rbtree_insert(&sh->rbtree, node);
    ngx_queue_insert_tail(&sh->buckets, &tn->queue);
    sh->buckets_held++;
    return tn;
}


/* Unix seconds of a time in ms, rounded down or up, within uint32_t. */
static uint32_t
ngx_http_tollgate_seconds(int64_t ms, ngx_uint_t up)
{
    if (ms <= 0) {
        return 0;
    }
    ms = ms / 1000 + (up && ms % 1000 != 0);
    return ms >= (int64_t) NGX_MAX_UINT32_VALUE ? NGX_MAX_UINT32_VALUE
                                                : (uint32_t) ms;
}


ngx_int_t
ngx_http_tollgate_nonce_use(ngx_shm_zone_t                      *zone,
                            const ngx_http_tollgate_nonce_ref_t *ref,
                            int64_t now_ms, int64_t expires_ms)
{
    ngx_http_tollgate_shctx_t *sh = zone->data;
    ngx_slab_pool_t           *shpool = (ngx_slab_pool_t *) zone->shm.addr;
    ngx_int_t                  rc;

    /* Kept until its expiry rounded up to the second: a nonce may be
     * remembered up to a second longer, never shorter. */
    ngx_shmtx_lock(&shpool->mutex);
    rc = ngx_http_tollgate_nonce_record(
        sh, ref->line, ref->print, ngx_http_tollgate_seconds(now_ms, 0),
        ngx_http_tollgate_seconds(expires_ms, 1));
    ngx_shmtx_unlock(&shpool->mutex);
    return rc;
}


ngx_int_t
ngx_http_tollgate_rate_take(ngx_shm_zone_t *zone, ngx_str_t *app, double rate,
                            double burst, int64_t *retry_ms)
{
    ngx_http_tollgate_shctx_t *sh = zone->data;
    ngx_slab_pool_t           *shpool = (ngx_slab_pool_t *) zone->shm.addr;
    ngx_http_tollgate_node_t  *tn;
    uint32_t                   hash;
    ngx_int_t                  rc;

    hash = ngx_crc32_short(app->data, app->len);

    ngx_shmtx_lock(&shpool->mutex);

    tn = ngx_http_tollgate_lookup(sh, hash, NGX_TOLLGATE_BUCKET, app->data,
                                  app->len);
    if (tn == NULL) {
        tn = ngx_http_tollgate_add(shpool, sh, hash, NGX_TOLLGATE_BUCKET,
                                   app->data, app->len);
    } else {
        ngx_queue_remove(&tn->queue);
        ngx_queue_insert_tail(&sh->buckets, &tn->queue);
    }

    if (tn == NULL) {
        rc = NGX_ERROR;
    } else {
        /* nginx's monotonic clock: a step of the wall clock back must
         * not stop refills */
        rc = tg_bucket_take(&tn->bucket, rate, burst,
                            (int64_t) ngx_current_msec, retry_ms)
                     == 0
                 ? NGX_OK
                 : NGX_BUSY;
    }

    ngx_shmtx_unlock(&shpool->mutex);
    return rc;
}


void
ngx_http_tollgate_zone_usage(ngx_shm_zone_t                 *zone,
                             ngx_http_tollgate_zone_usage_t *usage)
{
    ngx_http_tollgate_shctx_t *sh = zone->data;
    ngx_slab_pool_t           *shpool = (ngx_slab_pool_t *) zone->shm.addr;
    ngx_http_tollgate_line_t  *l;
    ngx_uint_t                 lines, step, n, i, j, live = 0;
    uint32_t                   now;

    now = ngx_http_tollgate_seconds((int64_t) ngx_time() * 1000, 0);
    lines = sh->pages * NGX_TOLLGATE_PAGE_LINES;
    step = (lines + NGX_HTTP_TOLLGATE_LOAD_LINES - 1)
           / NGX_HTTP_TOLLGATE_LOAD_LINES;

    ngx_shmtx_lock(&shpool->mutex);
    usage->nonces = sh->nonces_held;
    usage->buckets = sh->buckets_held;
    usage->pages = (ngx_uint_t) (shpool->end - shpool->start) / ngx_pagesize;
    usage->pages_free = shpool->pfree;
    ngx_shmtx_unlock(&shpool->mutex);

    /* Without the lock: a sample of up to 16,384 lines is as many cache
     * misses, which the workers' nonce checks must not wait behind; an
     * expiry is one aligned word, read whole, and the load a sample's
     * estimate anyway. */
    for (i = 0, n = 0; i < lines; i += step, n++) {
        l = &sh->lines[i];
        for (j = 0; j < NGX_TOLLGATE_SLOTS; j++) {
            live += ((volatile uint32_t *) l->expires)[j] > now;
        }
    }

    usage->nonce_load = (double) live / (double) (n * NGX_TOLLGATE_SLOTS);
}
