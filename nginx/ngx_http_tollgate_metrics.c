/*
 * The gateway's metrics (see the header).  The counters are written with
 * ngx_atomic_fetch_add() and read with plain loads of aligned words; the
 * text is written by libtollgate's Prometheus writer (lib/prom.c), the
 * one tollgated's /metrics uses.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "tollgate/error.h"
#include "tollgate/prom.h"
#include "ngx_http_tollgate_metrics.h"
#include "ngx_http_tollgate_zone.h"


/* An app's slot: free, being claimed by a worker, or its app's. */
#define NGX_TOLLGATE_SLOT_FREE  0
#define NGX_TOLLGATE_SLOT_BUSY  1
#define NGX_TOLLGATE_SLOT_READY 2

/* How long a worker waits for another to finish claiming a slot, in
 * pauses, before it counts its call under "_other". */
#define NGX_TOLLGATE_SLOT_SPINS 1024

/* Slots per app counted apart (a half-full table keeps chains short),
 * and the longest chain looked at: a call costs a few comparisons at
 * most, however many apps are counted. */
#define NGX_TOLLGATE_SLOTS_PER_APP 2
#define NGX_TOLLGATE_SLOT_PROBES   16

typedef struct {
    ngx_atomic_t state;
    ngx_atomic_t verified;
    ngx_atomic_t refused;
    u_char       app[TG_PROJ_ID_LEN];
} ngx_http_tollgate_metrics_app_t;

/* Scheme index NGX_TOLLGATE_SCHEMES_MAX: no scheme (no credential). */
typedef struct {
    ngx_atomic_t verified[NGX_TOLLGATE_SCHEMES_MAX];
    ngx_atomic_t refused[NGX_TOLLGATE_SCHEMES_MAX + 1][NGX_TOLLGATE_NREASONS];
    ngx_atomic_t other_verified; /* apps beyond the slots */
    ngx_atomic_t other_refused;
    ngx_atomic_t used;   /* apps with a slot, at most napps */
    ngx_uint_t   napps;  /* tollgate_metrics_per_app */
    ngx_uint_t   nslots; /* NGX_TOLLGATE_SLOTS_PER_APP * napps */
    ngx_http_tollgate_metrics_app_t apps[1];
} ngx_http_tollgate_metrics_sh_t;

#define NGX_TOLLGATE_REASON_NAME(name, status, message) #name,
static const char *const ngx_http_tollgate_reason_names[] = {
    NGX_TOLLGATE_REASONS(NGX_TOLLGATE_REASON_NAME)
};
#undef NGX_TOLLGATE_REASON_NAME


extern ngx_module_t ngx_http_tollgate_module;

static ngx_int_t ngx_http_tollgate_metrics_handler(ngx_http_request_t *r);


/* ---- configuration ---------------------------------------------------- */


static size_t
ngx_http_tollgate_metrics_sh_size(ngx_uint_t napps)
{
    return offsetof(ngx_http_tollgate_metrics_sh_t, apps)
           + ngx_max(napps * NGX_TOLLGATE_SLOTS_PER_APP, 1)
                 * sizeof(ngx_http_tollgate_metrics_app_t);
}


static ngx_int_t
ngx_http_tollgate_metrics_zone_init(ngx_shm_zone_t *zone, void *data)
{
    ngx_http_tollgate_metrics_conf_t *mc = zone->data;
    ngx_http_tollgate_metrics_sh_t   *sh;
    ngx_slab_pool_t                  *shpool;

    if (data != NULL) {
        zone->data = data; /* a reload with the same size keeps counting */
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) zone->shm.addr;
    if (zone->shm.exists) {
        zone->data = shpool->data;
        return NGX_OK;
    }

    sh =
        ngx_slab_calloc(shpool, ngx_http_tollgate_metrics_sh_size(mc->per_app));
    if (sh == NULL) {
        return NGX_ERROR;
    }
    sh->napps = (ngx_uint_t) mc->per_app;
    sh->nslots = sh->napps * NGX_TOLLGATE_SLOTS_PER_APP;
    shpool->data = sh;
    zone->data = sh;
    return NGX_OK;
}


char *
ngx_http_tollgate_metrics_init_conf(ngx_conf_t                       *cf,
                                    ngx_http_tollgate_metrics_conf_t *mc)
{
    ngx_str_t name = ngx_string("tollgate_metrics");
    size_t    size;

    ngx_conf_init_value(mc->per_app, 0);
    if (mc->per_app < 0 || mc->per_app > NGX_TOLLGATE_METRICS_APPS_MAX) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "tollgate_metrics_per_app must be 0 to %d",
                           NGX_TOLLGATE_METRICS_APPS_MAX);
        return NGX_CONF_ERROR;
    }

    /* The slab pool's own pages, then the counters. */
    size = 8 * ngx_pagesize
           + ngx_align(ngx_http_tollgate_metrics_sh_size(mc->per_app),
                       ngx_pagesize);

    mc->shm = ngx_shared_memory_add(cf, &name, size, &ngx_http_tollgate_module);
    if (mc->shm == NULL) {
        return NGX_CONF_ERROR;
    }
    mc->shm->init = ngx_http_tollgate_metrics_zone_init;
    mc->shm->data = mc; /* read by init, then the counters */
    return NGX_CONF_OK;
}


char *
ngx_http_tollgate_metrics_location(ngx_conf_t *cf, ngx_command_t *cmd,
                                   void *conf)
{
    ngx_http_core_loc_conf_t *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    if (clcf->handler == ngx_http_tollgate_metrics_handler) {
        return "is duplicate";
    }
    clcf->handler = ngx_http_tollgate_metrics_handler;
    return NGX_CONF_OK;
}


/* ---- counting --------------------------------------------------------- */


static ngx_uint_t
ngx_http_tollgate_metrics_scheme(const ngx_http_tollgate_scheme_t *s)
{
    ngx_uint_t i;

    for (i = 0; s != NULL && ngx_http_tollgate_scheme_table[i] != NULL; i++) {
        if (ngx_http_tollgate_scheme_table[i] == s) {
            return i;
        }
    }
    return NGX_TOLLGATE_SCHEMES_MAX;
}


/* Waits for a slot being claimed to be ready; 0 if it stays busy. */
static ngx_int_t
ngx_http_tollgate_metrics_wait(ngx_http_tollgate_metrics_app_t *slot)
{
    ngx_uint_t n;

    for (n = 0; n < NGX_TOLLGATE_SLOT_SPINS; n++) {
        if (slot->state == NGX_TOLLGATE_SLOT_READY) {
            ngx_memory_barrier();
            return 1;
        }
        ngx_cpu_pause();
    }
    return 0;
}


/* Takes one of the napps places for a new app: 1, or 0 if all are. */
static ngx_int_t
ngx_http_tollgate_metrics_take(ngx_http_tollgate_metrics_sh_t *sh)
{
    if ((ngx_atomic_uint_t) ngx_atomic_fetch_add(&sh->used, 1) < sh->napps) {
        return 1;
    }
    (void) ngx_atomic_fetch_add(&sh->used, -1);
    return 0;
}


/*
 * The slot of app: found by linear probing from its hash, or claimed if
 * it comes to a free one while fewer than napps apps have one.  Slots
 * are never given back, so an app's slot comes before any free slot of
 * its chain.  NULL when the app has none (every place taken, a chain
 * longer than NGX_TOLLGATE_SLOT_PROBES, or a claim that stays busy): the
 * call counts under "_other".
 */
static ngx_http_tollgate_metrics_app_t *
ngx_http_tollgate_metrics_slot(ngx_http_tollgate_metrics_sh_t *sh,
                               const u_char                   *app)
{
    ngx_http_tollgate_metrics_app_t *slot;
    ngx_uint_t                       i, h;

    h = ngx_crc32_short((u_char *) app, TG_PROJ_ID_LEN) % sh->nslots;

    for (i = 0; i < ngx_min(sh->nslots, NGX_TOLLGATE_SLOT_PROBES); i++) {
        slot = &sh->apps[(h + i) % sh->nslots];

        if (slot->state == NGX_TOLLGATE_SLOT_FREE) {
            if (!ngx_http_tollgate_metrics_take(sh)) {
                return NULL;
            }
            if (ngx_atomic_cmp_set(&slot->state, NGX_TOLLGATE_SLOT_FREE,
                                   NGX_TOLLGATE_SLOT_BUSY))
            {
                ngx_memcpy(slot->app, app, TG_PROJ_ID_LEN);
                ngx_memory_barrier();
                slot->state = NGX_TOLLGATE_SLOT_READY;
                return slot;
            }
            /* another worker claimed it first: give the place back */
            (void) ngx_atomic_fetch_add(&sh->used, -1);
        }
        if (!ngx_http_tollgate_metrics_wait(slot)) {
            return NULL;
        }
        if (ngx_memcmp(slot->app, app, TG_PROJ_ID_LEN) == 0) {
            return slot;
        }
    }
    return NULL;
}


static void
ngx_http_tollgate_metrics_app(ngx_http_tollgate_metrics_sh_t *sh,
                              const u_char *app, ngx_uint_t verified)
{
    ngx_http_tollgate_metrics_app_t *slot;

    if (sh->napps == 0 || app == NULL || app[0] == '\0') {
        return;
    }
    slot = ngx_http_tollgate_metrics_slot(sh, app);
    if (slot == NULL) {
        (void) ngx_atomic_fetch_add(
            verified ? &sh->other_verified : &sh->other_refused, 1);
    } else {
        (void) ngx_atomic_fetch_add(verified ? &slot->verified : &slot->refused,
                                    1);
    }
}


void
ngx_http_tollgate_metrics_verified(ngx_http_tollgate_metrics_conf_t *mc,
                                   const ngx_http_tollgate_scheme_t *s,
                                   const u_char                     *app)
{
    ngx_http_tollgate_metrics_sh_t *sh;
    ngx_uint_t                      i;

    if (mc->shm == NULL || mc->shm->data == mc) {
        return;
    }
    sh = mc->shm->data;
    i = ngx_http_tollgate_metrics_scheme(s);
    if (i < NGX_TOLLGATE_SCHEMES_MAX) {
        (void) ngx_atomic_fetch_add(&sh->verified[i], 1);
    }
    ngx_http_tollgate_metrics_app(sh, app, 1);
}


void
ngx_http_tollgate_metrics_refused(ngx_http_tollgate_metrics_conf_t *mc,
                                  const ngx_http_tollgate_scheme_t *s,
                                  ngx_uint_t reason, const u_char *app)
{
    ngx_http_tollgate_metrics_sh_t *sh;

    if (mc->shm == NULL || mc->shm->data == mc
        || reason >= NGX_TOLLGATE_NREASONS) {
        return;
    }
    sh = mc->shm->data;
    (void) ngx_atomic_fetch_add(
        &sh->refused[ngx_http_tollgate_metrics_scheme(s)][reason], 1);
    ngx_http_tollgate_metrics_app(sh, app, 0);
}


/* ---- the text --------------------------------------------------------- */


/* The scheme's name as a label value (i: its index, or none). */
static void
ngx_http_tollgate_metrics_scheme_name(ngx_uint_t i, char *out, size_t size)
{
    const ngx_str_t *name;

    if (i >= NGX_TOLLGATE_SCHEMES_MAX
        || ngx_http_tollgate_scheme_table[i] == NULL) {
        ngx_cpystrn((u_char *) out, (u_char *) "none", size);
        return;
    }
    name = &ngx_http_tollgate_scheme_table[i]->name;
    ngx_cpystrn((u_char *) out, name->data, ngx_min(size, name->len + 1));
}


static int
ngx_http_tollgate_metrics_calls(tg_buf_t *b, ngx_http_tollgate_metrics_sh_t *sh)
{
    tg_prom_label_t labels[2];
    char            scheme[32], reason[40];
    ngx_uint_t      s, k, i;
    uint64_t        v;
    int             rc;

    rc = tg_prom_family(b, "tollgate_gateway_calls_verified_total", "counter",
                        "Calls the gateway verified and admitted, by scheme.");
    for (s = 0; rc == TG_OK && ngx_http_tollgate_scheme_table[s] != NULL; s++) {
        ngx_http_tollgate_metrics_scheme_name(s, scheme, sizeof(scheme));
        labels[0] = (tg_prom_label_t){ "scheme", scheme };
        rc = tg_prom_sample_u64(b, "tollgate_gateway_calls_verified_total",
                                labels, 1, sh->verified[s]);
    }

    if (rc == TG_OK) {
        rc =
            tg_prom_family(b, "tollgate_gateway_calls_refused_total", "counter",
                           "Calls the gateway refused, by scheme (none: "
                           "no credential) and neutral reason.");
    }
    for (s = 0; rc == TG_OK && s <= NGX_TOLLGATE_SCHEMES_MAX; s++) {
        for (k = 0; rc == TG_OK && k < NGX_TOLLGATE_NREASONS; k++) {
            v = sh->refused[s][k];
            if (v == 0) {
                continue;
            }
            ngx_http_tollgate_metrics_scheme_name(s, scheme, sizeof(scheme));
            for (i = 0; ngx_http_tollgate_reason_names[k][i] != '\0'
                        && i + 1 < sizeof(reason);
                 i++)
            {
                reason[i] = ngx_tolower(ngx_http_tollgate_reason_names[k][i]);
            }
            reason[i] = '\0';
            labels[0] = (tg_prom_label_t){ "scheme", scheme };
            labels[1] = (tg_prom_label_t){ "reason", reason };
            rc = tg_prom_sample_u64(b, "tollgate_gateway_calls_refused_total",
                                    labels, 2, v);
        }
    }
    return rc;
}


static int
ngx_http_tollgate_metrics_apps(tg_buf_t *b, ngx_http_tollgate_metrics_sh_t *sh)
{
    static const char *const names[] = {
        "tollgate_gateway_app_calls_verified_total",
        "tollgate_gateway_app_calls_refused_total",
    };
    ngx_http_tollgate_metrics_app_t *slot;
    tg_prom_label_t                  label;
    char                             app[TG_PROJ_ID_LEN + 1];
    ngx_uint_t                       i, k, used = 0;
    int                              rc = TG_OK;

    label.name = "app";
    label.value = app;

    for (k = 0; rc == TG_OK && sh->napps > 0 && k < 2; k++) {
        rc = tg_prom_family(b, names[k], "counter",
                            k == 0 ? "Calls verified, by app (the first "
                                     "tollgate_metrics_per_app apps seen; "
                                     "the others as _other)."
                                   : "Calls refused after their app was "
                                     "found, by app (as above).");
        for (i = 0; rc == TG_OK && i < sh->nslots; i++) {
            slot = &sh->apps[i];
            if (slot->state != NGX_TOLLGATE_SLOT_READY) {
                continue;
            }
            ngx_memory_barrier();
            used += k == 0;
            ngx_memcpy(app, slot->app, TG_PROJ_ID_LEN);
            app[TG_PROJ_ID_LEN] = '\0';
            rc = tg_prom_sample_u64(b, names[k], &label, 1,
                                    k == 0 ? slot->verified : slot->refused);
        }
        if (rc == TG_OK) {
            ngx_cpystrn((u_char *) app, (u_char *) "_other", sizeof(app));
            rc = tg_prom_sample_u64(b, names[k], &label, 1,
                                    k == 0 ? sh->other_verified
                                           : sh->other_refused);
        }
    }

    if (rc == TG_OK) {
        rc = tg_prom_family(b, "tollgate_gateway_app_slots", "gauge",
                            "Apps counted apart: slots in use and the bound "
                            "(tollgate_metrics_per_app).");
    }
    label.name = "state";
    label.value = "used";
    if (rc == TG_OK) {
        rc = tg_prom_sample_u64(b, "tollgate_gateway_app_slots", &label, 1,
                                used);
    }
    label.value = "capacity";
    if (rc == TG_OK) {
        rc = tg_prom_sample_u64(b, "tollgate_gateway_app_slots", &label, 1,
                                sh->napps);
    }
    return rc;
}


/* One family of one unlabelled sample. */
static int
ngx_http_tollgate_metrics_one(tg_buf_t *b, const char *name, const char *type,
                              const char *help, double value)
{
    int rc = tg_prom_family(b, name, type, help);

    return rc == TG_OK ? tg_prom_sample(b, name, NULL, 0, value) : rc;
}


static int
ngx_http_tollgate_metrics_state(tg_buf_t *b, ngx_http_request_t *r,
                                ngx_http_tollgate_metrics_conf_t *mc)
{
    ngx_http_tollgate_zone_usage_t usage;
    ngx_time_t                    *tp;
    int64_t                        heartbeat = 0, now;
    ngx_int_t                      readable;
    int                            rc;

    tp = ngx_timeofday();
    now = (int64_t) tp->sec * 1000 + tp->msec;
    readable =
        ngx_http_tollgate_view_heartbeat(r, mc->view, &heartbeat) == NGX_OK;

    rc = ngx_http_tollgate_metrics_one(
        b, "tollgate_gateway_projection_readable", "gauge",
        "1 if this worker can read the projection, else 0.", readable);
    if (rc == TG_OK) {
        rc = ngx_http_tollgate_metrics_one(
            b, "tollgate_gateway_projection_age_seconds", "gauge",
            "Seconds since tollgated last confirmed the projection (its "
            "heartbeat); calls are refused beyond "
            "tollgate_projection_max_age.  -1 if unreadable.",
            readable && heartbeat > 0 ? (double) (now - heartbeat) / 1e3
                                      : -1.0);
    }
    if (rc == TG_OK) {
        rc = ngx_http_tollgate_metrics_one(
            b, "tollgate_gateway_projection_max_age_seconds", "gauge",
            "tollgate_projection_max_age (0: off).",
            (double) mc->max_age / 1e3);
    }

    ngx_http_tollgate_zone_usage(mc->zone, &usage);
    if (rc == TG_OK) {
        rc = ngx_http_tollgate_metrics_one(
            b, "tollgate_gateway_zone_nonces", "gauge",
            "Slots of the shared zone's nonce table in use or used before "
            "(a slot whose nonce expired is taken again).",
            (double) usage.nonces);
    }
    if (rc == TG_OK) {
        rc = ngx_http_tollgate_metrics_one(
            b, "tollgate_gateway_zone_nonce_load", "gauge",
            "Share of the nonce table's slots holding a live nonce (read "
            "in up to 16384 of its lines); from 0.7, pages of it fill and "
            "refuse calls (503).",
            usage.nonce_load);
    }
    if (rc == TG_OK) {
        rc = ngx_http_tollgate_metrics_one(
            b, "tollgate_gateway_zone_rate_buckets", "gauge",
            "Apps' rate-limit buckets in the shared zone.",
            (double) usage.buckets);
    }
    if (rc == TG_OK) {
        rc = ngx_http_tollgate_metrics_one(
            b, "tollgate_gateway_zone_pages", "gauge",
            "Pages of the shared zone (tollgate_zone) for rate buckets.",
            (double) usage.pages);
    }
    if (rc == TG_OK) {
        rc = ngx_http_tollgate_metrics_one(
            b, "tollgate_gateway_zone_pages_free", "gauge",
            "Pages of the shared zone still free; at 0 the least recently "
            "used bucket is given up for room.",
            (double) usage.pages_free);
    }
    return rc;
}


/* Sends the text of b (copied into the request's pool). */
static ngx_int_t
ngx_http_tollgate_metrics_send(ngx_http_request_t *r, tg_buf_t *text)
{
    ngx_chain_t out;
    ngx_buf_t  *b;
    ngx_int_t   rc;

    b = ngx_create_temp_buf(r->pool, ngx_max(text->len, 1));
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }
    b->last = ngx_cpymem(b->pos, text->ptr, text->len);
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;
    out.buf = b;
    out.next = NULL;

    r->headers_out.status = NGX_HTTP_OK;
    ngx_str_set(&r->headers_out.content_type, TG_PROM_CONTENT_TYPE);
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_length_n = (off_t) text->len;

    rc = ngx_http_send_header(r);
    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }
    return ngx_http_output_filter(r, &out);
}


static ngx_int_t
ngx_http_tollgate_metrics_handler(ngx_http_request_t *r)
{
    ngx_http_tollgate_metrics_conf_t *mc;
    ngx_http_tollgate_metrics_sh_t   *sh;
    tg_buf_t                          text = TG_BUF_INIT;
    ngx_int_t                         rc;
    int                               trc;

    if (!(r->method & (NGX_HTTP_GET | NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }
    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    mc = ngx_http_tollgate_metrics_conf(r);
    if (mc == NULL || mc->shm == NULL || mc->shm->data == mc) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "tollgate_metrics needs tollgate_projection, "
                      "tollgate_key_file and tollgate_zone");
        return NGX_HTTP_NOT_FOUND;
    }
    sh = mc->shm->data;

    trc = ngx_http_tollgate_metrics_calls(&text, sh);
    if (trc == TG_OK) {
        trc = ngx_http_tollgate_metrics_apps(&text, sh);
    }
    if (trc == TG_OK) {
        trc = ngx_http_tollgate_metrics_state(&text, r, mc);
    }

    rc = trc == TG_OK ? ngx_http_tollgate_metrics_send(r, &text)
                      : NGX_HTTP_INTERNAL_SERVER_ERROR;
    tg_buf_free(&text);
    return rc;
}
