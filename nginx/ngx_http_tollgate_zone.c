/*
 * The shared-memory zone of nonces and rate buckets (see the header).
 */

#include <ngx_config.h>
#include <ngx_core.h>

#include "tollgate/ratelimit.h"
#include "ngx_http_tollgate_zone.h"


#define NGX_TOLLGATE_BUCKET 'b'

/* The nonce table has a chain per this many bytes of zone (about two
 * nonces' nodes), a power of two, at least NGX_TOLLGATE_CHAINS_MIN. */
#define NGX_TOLLGATE_BYTES_PER_CHAIN 256
#define NGX_TOLLGATE_CHAINS_MIN      64

typedef struct ngx_http_tollgate_node_s  ngx_http_tollgate_node_t;
typedef struct ngx_http_tollgate_nonce_s ngx_http_tollgate_nonce_t;

typedef struct {
    ngx_rbtree_t      rbtree; /* buckets */
    ngx_rbtree_node_t sentinel;
    ngx_queue_t       nonces;  /* oldest first */
    ngx_queue_t       buckets; /* least recently used first */

    /* Nonces: a hash table of singly linked chains, by a hash seeded
     * per zone (ngx_http_tollgate_nonce_hash()). */
    ngx_http_tollgate_nonce_t **chains;
    ngx_uint_t                  mask;
    uint64_t                    seed;

    ngx_uint_t nonces_held; /* for ngx_http_tollgate_zone_usage() */
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

/* A nonce: AppKey \0 nonce, as small as it can be (about 110 bytes, in
 * the slab allocator's 128-byte class), so that a zone holds twice as
 * many as in a tree node and first touches half as many pages. */
struct ngx_http_tollgate_nonce_s {
    ngx_http_tollgate_nonce_t *next;  /* the chain */
    ngx_queue_t                queue; /* oldest first */
    int64_t                    expires_ms;
    uint32_t                   hash;
    u_short                    len;
    u_char                     data[1];
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
    ngx_http_tollgate_shctx_t *sh;
    ngx_slab_pool_t           *shpool;

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

    sh->mask = NGX_TOLLGATE_CHAINS_MIN;
    while (sh->mask * 2 <= zone->shm.size / NGX_TOLLGATE_BYTES_PER_CHAIN) {
        sh->mask *= 2;
    }
    sh->chains = ngx_slab_calloc(shpool, sh->mask * sizeof(sh->chains[0]));
    if (sh->chains == NULL) {
        return NGX_ERROR;
    }
    sh->mask--;
    sh->seed = ((uint64_t) ngx_random() << 32) ^ (uint64_t) ngx_random()
               ^ (uint64_t) ngx_time();

    ngx_rbtree_init(&sh->rbtree, &sh->sentinel,
                    ngx_http_tollgate_rbtree_insert);
    ngx_queue_init(&sh->nonces);
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
 * The hash of a nonce entry, AppKey then nonce, from the zone's seed, so
 * that nobody can choose nonces that share a chain without knowing it.
 * (Only a caller with a valid signature gets a nonce recorded anyway.)
 */
static uint32_t
ngx_http_tollgate_nonce_hash(ngx_http_tollgate_shctx_t *sh, ngx_str_t *key,
                             ngx_str_t *nonce)
{
    uint64_t h;

    h = ngx_http_tollgate_hash(sh->seed, key->data, key->len);
    h = ngx_http_tollgate_hash(h, nonce->data, nonce->len);
    h *= 0xff51afd7ed558ccdULL;
    return (uint32_t) (h ^ (h >> 32));
}


void
ngx_http_tollgate_nonce_prefetch(ngx_shm_zone_t *zone, ngx_str_t *key,
                                 ngx_str_t *nonce)
{
#if defined(__GNUC__) || defined(__clang__)
    ngx_http_tollgate_shctx_t *sh = zone->data;

    /* The table's address and size never change: no lock needed to
     * read them, and a prefetch reads nothing that could be torn. */
    __builtin_prefetch(
        &sh->chains[ngx_http_tollgate_nonce_hash(sh, key, nonce) & sh->mask]);
#else
    (void) zone;
    (void) key;
    (void) nonce;
#endif
}


/* The nonce of hash and data, or NULL: one chain of the table. */
static ngx_http_tollgate_nonce_t *
ngx_http_tollgate_nonce_find(ngx_http_tollgate_shctx_t *sh, uint32_t hash,
                             u_char *data, size_t len)
{
    ngx_http_tollgate_nonce_t *n;

    for (n = sh->chains[hash & sh->mask]; n != NULL; n = n->next) {
        if (n->hash == hash && n->len == len
            && ngx_memcmp(n->data, data, len) == 0) {
            return n;
        }
    }
    return NULL;
}


static void
ngx_http_tollgate_nonce_free(ngx_slab_pool_t           *shpool,
                             ngx_http_tollgate_shctx_t *sh,
                             ngx_http_tollgate_nonce_t *n)
{
    ngx_http_tollgate_nonce_t **p;

    ngx_queue_remove(&n->queue);
    p = &sh->chains[n->hash & sh->mask];
    while (*p != n) {
        p = &(*p)->next;
    }
    *p = n->next;
    sh->nonces_held--;
    ngx_slab_free_locked(shpool, n);
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


/* Frees the expired nonces; with all, also one live bucket. */
static void
ngx_http_tollgate_expire(ngx_slab_pool_t *shpool, ngx_http_tollgate_shctx_t *sh,
                         int64_t now_ms, ngx_uint_t all)
{
    ngx_http_tollgate_nonce_t *n;
    ngx_http_tollgate_node_t  *tn;
    ngx_queue_t               *q;

    while (!ngx_queue_empty(&sh->nonces)) {
        q = ngx_queue_head(&sh->nonces);
        n = ngx_queue_data(q, ngx_http_tollgate_nonce_t, queue);
        if (n->expires_ms > now_ms) {
            break;
        }
        ngx_http_tollgate_nonce_free(shpool, sh, n);
    }

    if (all && !ngx_queue_empty(&sh->buckets)) {
        q = ngx_queue_head(&sh->buckets);
        tn = ngx_queue_data(q, ngx_http_tollgate_node_t, queue);
        ngx_http_tollgate_free(shpool, sh, tn);
    }
}


/* Allocates size bytes; expires what it can when the zone is full. */
static void *
ngx_http_tollgate_alloc(ngx_slab_pool_t *shpool, ngx_http_tollgate_shctx_t *sh,
                        size_t size, int64_t now_ms)
{
    void *p;

    p = ngx_slab_alloc_locked(shpool, size);
    if (p == NULL) {
        ngx_http_tollgate_expire(shpool, sh, now_ms, 1);
        p = ngx_slab_alloc_locked(shpool, size);
    }
    return p;
}


/* Allocates and inserts a nonce, expiring what it can when full. */
static ngx_http_tollgate_nonce_t *
ngx_http_tollgate_nonce_add(ngx_slab_pool_t           *shpool,
                            ngx_http_tollgate_shctx_t *sh, uint32_t hash,
                            u_char *data, size_t len, int64_t now_ms,
                            int64_t expires_ms)
{
    ngx_http_tollgate_nonce_t *n;

    n = ngx_http_tollgate_alloc(
        shpool, sh, offsetof(ngx_http_tollgate_nonce_t, data) + len, now_ms);
    if (n == NULL) {
        return NULL;
    }
    n->hash = hash;
    n->len = (u_short) len;
    n->expires_ms = expires_ms;
    ngx_memcpy(n->data, data, len);
    n->next = sh->chains[hash & sh->mask];
    sh->chains[hash & sh->mask] = n;
    ngx_queue_insert_tail(&sh->nonces, &n->queue);
    sh->nonces_held++;
    return n;
}


/* Allocates and inserts a bucket's node; expires what it can when full. */
static ngx_http_tollgate_node_t *
ngx_http_tollgate_add(ngx_slab_pool_t *shpool, ngx_http_tollgate_shctx_t *sh,
                      uint32_t hash, u_char kind, u_char *data, size_t len,
                      int64_t now_ms)
{
    ngx_http_tollgate_node_t *tn;
    ngx_rbtree_node_t        *node;
    size_t                    size;

    if (len > 0xffff) {
        return NULL;
    }

    size = offsetof(ngx_rbtree_node_t, color)
           + offsetof(ngx_http_tollgate_node_t, data) + len;

    node = ngx_http_tollgate_alloc(shpool, sh, size, now_ms);
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


ngx_int_t
ngx_http_tollgate_nonce_use(ngx_shm_zone_t *zone, ngx_str_t *key,
                            ngx_str_t *nonce, int64_t now_ms,
                            int64_t expires_ms)
{
    ngx_http_tollgate_shctx_t *sh = zone->data;
    ngx_slab_pool_t           *shpool = (ngx_slab_pool_t *) zone->shm.addr;
    ngx_http_tollgate_nonce_t *n;
    u_char                     buf[NGX_HTTP_TOLLGATE_NONCE_ENTRY_MAX];
    size_t                     len;
    uint32_t                   hash;
    ngx_int_t                  rc = NGX_OK;

    /* The entry is AppKey \0 nonce: a nonce is the app's to use once. */
    len = key->len + 1 + nonce->len;
    if (len > sizeof(buf)) {
        return NGX_ABORT;
    }
    ngx_memcpy(buf, key->data, key->len);
    buf[key->len] = '\0';
    ngx_memcpy(buf + key->len + 1, nonce->data, nonce->len);
    hash = ngx_http_tollgate_nonce_hash(sh, key, nonce);

    ngx_shmtx_lock(&shpool->mutex);

    ngx_http_tollgate_expire(shpool, sh, now_ms, 0);

    n = ngx_http_tollgate_nonce_find(sh, hash, buf, len);
    if (n != NULL) {
        rc = NGX_DECLINED;
    } else if (ngx_http_tollgate_nonce_add(shpool, sh, hash, buf, len, now_ms,
                                           expires_ms)
               == NULL)
    {
        rc = NGX_ERROR;
    }

    ngx_shmtx_unlock(&shpool->mutex);
    return rc;
}


ngx_int_t
ngx_http_tollgate_rate_take(ngx_shm_zone_t *zone, ngx_str_t *app, double rate,
                            double burst, int64_t now_ms, int64_t *retry_ms)
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
                                   app->data, app->len, now_ms);
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

    ngx_shmtx_lock(&shpool->mutex);
    usage->nonces = sh->nonces_held;
    usage->buckets = sh->buckets_held;
    usage->pages = (ngx_uint_t) (shpool->end - shpool->start) / ngx_pagesize;
    usage->pages_free = shpool->pfree;
    ngx_shmtx_unlock(&shpool->mutex);
}
