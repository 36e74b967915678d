/*
 * ngx_http_tollgate_module: verifies app-signed calls in the access phase,
 * from the LMDB projection that tollgated writes.
 *
 * Per request: collect the headers the schemes read, in one pass; find
 * the one scheme whose credential the call carries (ngx_http_tollgate_
 * scheme.h: Alibaba's X-Ca-* signature, AppCode); read the body when the
 * scheme needs it, without blocking; in the worker's read transaction
 * (renewed and reset, never allocated), let the scheme verify, then check
 * that the app is enabled and granted this API on this stage, and apply
 * the app's rate limit; hand over.
 *
 * The verifiers and record formats are libtollgate's (lib/), each
 * scheme's adapter is its own file, and failures are neutral reasons that
 * the answering scheme renders in its vendor's shape.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "tollgate/error.h"
#include "tollgate/projection.h"
#include "tollgate/str.h"
#include "tollgate/xca.h"
#include "ngx_http_tollgate_body.h"
#include "ngx_http_tollgate_metrics.h"
#include "ngx_http_tollgate_redis.h"
#include "ngx_http_tollgate_scheme.h"
#include "ngx_http_tollgate_view.h"
#include "ngx_http_tollgate_zone.h"


#define NGX_TOLLGATE_STAGE_MAX 32
#define NGX_TOLLGATE_GRANT_MAX 512


typedef struct {
    ngx_str_t       projection; /* the LMDB environment's directory */
    ngx_str_t       key_file;   /* dataplane.key */
    u_char          key[TG_SEAL_KEY_LEN];
    ngx_shm_zone_t *zone;
    ngx_http_tollgate_zone_conf_t zone_conf;
    ngx_msec_t                    projection_max_age; /* 0: off */
    ngx_http_tollgate_view_t     *view;

    /* The worker's keyed MACs: secrets opened once, for the view's
     * generation macs_generation; and the data-plane key's HMAC. */
    tg_proj_macs_t *macs;
    ngx_uint_t      macs_generation;
    tg_hmac_t      *dataplane;

    ngx_http_tollgate_metrics_conf_t metrics;

    /* The names the schemes read, indexed (ngx_http_tollgate_scheme.h). */
    ngx_http_tollgate_names_t *names;
} ngx_http_tollgate_main_conf_t;

/* The worker's cache of keyed secrets: its entries, and how long one
 * lives after its secret was opened (ms). */
#define NGX_TOLLGATE_MACS_SLOTS 4096
#define NGX_TOLLGATE_MACS_TTL   60000

typedef struct {
    ngx_flag_t enable;
    ngx_str_t  api;
    ngx_str_t  stage;   /* empty: the call's, else RELEASE */
    ngx_uint_t schemes; /* bit i: ngx_http_tollgate_scheme_table[i] */
    ngx_http_tollgate_settings_t settings;
    ngx_flag_t                   strip;
    size_t                       body_max;
} ngx_http_tollgate_loc_conf_t;

typedef struct {
    unsigned                          done : 1;
    unsigned                          waiting : 1;
    unsigned                          body_read : 1;
    unsigned                          redis : 1; /* waits for Redis */
    ngx_int_t                         rc;
    const ngx_http_tollgate_scheme_t *scheme_used;
    ngx_http_tollgate_call_t         *call;
    ngx_http_tollgate_creds_t         creds;   /* headers carrying one */
    ngx_str_t                         app;     /* the app id */
    ngx_str_t                         app_num; /* the numeric AppId */
    ngx_str_t                         app_key;
    ngx_str_t                         scheme;
    ngx_str_t                         error;
    ngx_str_t                         body_type; /* a failure's body, */
    ngx_str_t                         body;      /* if render set one */
} ngx_http_tollgate_ctx_t;


static ngx_int_t ngx_http_tollgate_preconf(ngx_conf_t *cf);
static ngx_int_t ngx_http_tollgate_postconf(ngx_conf_t *cf);
static void     *ngx_http_tollgate_create_main_conf(ngx_conf_t *cf);
static char     *ngx_http_tollgate_init_main_conf(ngx_conf_t *cf, void *conf);
static void     *ngx_http_tollgate_create_loc_conf(ngx_conf_t *cf);
static char     *ngx_http_tollgate_merge_loc_conf(ngx_conf_t *cf, void *parent,
                                                  void *child);
static char     *ngx_http_tollgate_api(ngx_conf_t *cf, ngx_command_t *cmd,
                                       void *conf);
static char     *ngx_http_tollgate_schemes(ngx_conf_t *cf, ngx_command_t *cmd,
                                           void *conf);
static char     *ngx_http_tollgate_zone(ngx_conf_t *cf, ngx_command_t *cmd,
                                        void *conf);
static ngx_int_t ngx_http_tollgate_init_process(ngx_cycle_t *cycle);
static void      ngx_http_tollgate_exit_process(ngx_cycle_t *cycle);


static ngx_conf_enum_t ngx_http_tollgate_replay_headers[] = {
    { ngx_string("required"), NGX_TOLLGATE_REPLAY_REQUIRED },
    { ngx_string("optional"), NGX_TOLLGATE_REPLAY_OPTIONAL },
    { ngx_null_string, 0 }
};


static ngx_command_t ngx_http_tollgate_commands[] = {

    { ngx_string("tollgate"),
      NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF
          | NGX_CONF_FLAG,
      ngx_conf_set_flag_slot, NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_tollgate_loc_conf_t, enable), NULL },

    { ngx_string("tollgate_projection"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1,
      ngx_conf_set_str_slot, NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_tollgate_main_conf_t, projection), NULL },

    { ngx_string("tollgate_key_file"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1,
      ngx_conf_set_str_slot, NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_tollgate_main_conf_t, key_file), NULL },

    { ngx_string("tollgate_projection_max_age"),
      NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1, ngx_http_tollgate_set_max_age,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_tollgate_main_conf_t, projection_max_age), NULL },

    { ngx_string("tollgate_zone"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1,
      ngx_http_tollgate_zone, NGX_HTTP_MAIN_CONF_OFFSET, 0, NULL },

    { ngx_string("tollgate_metrics"), NGX_HTTP_LOC_CONF | NGX_CONF_NOARGS,
      ngx_http_tollgate_metrics_location, NGX_HTTP_LOC_CONF_OFFSET, 0, NULL },

    { ngx_string("tollgate_metrics_per_app"),
      NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1, ngx_conf_set_num_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_tollgate_main_conf_t, metrics.per_app), NULL },

    { ngx_string("tollgate_api"),
      NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF
          | NGX_CONF_TAKE12,
      ngx_http_tollgate_api, NGX_HTTP_LOC_CONF_OFFSET, 0, NULL },

    { ngx_string("tollgate_schemes"),
      NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF
          | NGX_CONF_1MORE,
      ngx_http_tollgate_schemes, NGX_HTTP_LOC_CONF_OFFSET, 0, NULL },

    { ngx_string("tollgate_appcode_query"),
      NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF
          | NGX_CONF_FLAG,
      ngx_conf_set_flag_slot, NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_tollgate_loc_conf_t, settings.appcode_query), NULL },

    { ngx_string("tollgate_clock_skew"),
      NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF
          | NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot, NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_tollgate_loc_conf_t, settings.skew), NULL },

    { ngx_string("tollgate_replay_headers"),
      NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF
          | NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot, NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_tollgate_loc_conf_t, settings.replay_headers),
      &ngx_http_tollgate_replay_headers },

    { ngx_string("tollgate_strip_credentials"),
      NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF
          | NGX_CONF_FLAG,
      ngx_conf_set_flag_slot, NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_tollgate_loc_conf_t, strip), NULL },

    { ngx_string("tollgate_body_max"),
      NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF
          | NGX_CONF_TAKE1,
      ngx_conf_set_size_slot, NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_tollgate_loc_conf_t, body_max), NULL },

    ngx_null_command
};


static ngx_http_module_t ngx_http_tollgate_module_ctx = {
    ngx_http_tollgate_preconf,          /* preconfiguration */
    ngx_http_tollgate_postconf,         /* postconfiguration */
    ngx_http_tollgate_create_main_conf, /* create main configuration */
    ngx_http_tollgate_init_main_conf,   /* init main configuration */
    NULL,                               /* create server configuration */
    NULL,                               /* merge server configuration */
    ngx_http_tollgate_create_loc_conf,  /* create location configuration */
    ngx_http_tollgate_merge_loc_conf    /* merge location configuration */
};


ngx_module_t ngx_http_tollgate_module = {
    NGX_MODULE_V1,
    &ngx_http_tollgate_module_ctx,  /* module context */
    ngx_http_tollgate_commands,     /* module directives */
    NGX_HTTP_MODULE,                /* module type */
    NULL,                           /* init master */
    NULL,                           /* init module */
    ngx_http_tollgate_init_process, /* init process */
    NULL,                           /* init thread */
    NULL,                           /* exit thread */
    ngx_http_tollgate_exit_process, /* exit process */
    NULL,                           /* exit master */
    NGX_MODULE_V1_PADDING
};


/* ---- configuration ---------------------------------------------------- */


static void *
ngx_http_tollgate_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_tollgate_main_conf_t *mcf;

    mcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_tollgate_main_conf_t));
    if (mcf == NULL) {
        return NULL;
    }
    mcf->projection_max_age = NGX_CONF_UNSET_MSEC;
    mcf->metrics.per_app = NGX_CONF_UNSET;
    return mcf;
}


static char *
ngx_http_tollgate_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_tollgate_main_conf_t *mcf = conf;

    if (mcf->projection.len == 0) {
        return NGX_CONF_OK; /* the module is not used */
    }
    if (ngx_conf_full_name(cf->cycle, &mcf->projection, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }
    if (mcf->key_file.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "tollgate_projection needs tollgate_key_file");
        return NGX_CONF_ERROR;
    }
    ngx_conf_init_msec_value(mcf->projection_max_age, TG_PROJ_MAX_AGE_MS);
    mcf->view = ngx_http_tollgate_view_create(cf, &mcf->projection,
                                              mcf->projection_max_age);
    if (mcf->view == NULL) {
        return NGX_CONF_ERROR;
    }
    if (ngx_http_tollgate_load_key(cf, &mcf->key_file, mcf->key) != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }
    if (mcf->zone == NULL) {
        return NGX_CONF_OK; /* "tollgate on" will ask for it */
    }
    mcf->metrics.zone = mcf->zone;
    mcf->metrics.view = mcf->view;
    mcf->metrics.max_age = mcf->projection_max_age;
    return ngx_http_tollgate_metrics_init_conf(cf, &mcf->metrics);
}


static void *
ngx_http_tollgate_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_tollgate_loc_conf_t *lcf;

    lcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_tollgate_loc_conf_t));
    if (lcf == NULL) {
        return NULL;
    }

    lcf->enable = NGX_CONF_UNSET;
    lcf->settings.appcode_query = NGX_CONF_UNSET;
    lcf->settings.skew = NGX_CONF_UNSET_MSEC;
    lcf->settings.replay_headers = NGX_CONF_UNSET_UINT;
    lcf->strip = NGX_CONF_UNSET;
    lcf->body_max = NGX_CONF_UNSET_SIZE;
    return lcf;
}


/* The mask of every scheme in the table: a location's default. */
static ngx_uint_t
ngx_http_tollgate_all_schemes(void)
{
    ngx_uint_t s, mask = 0;

    for (s = 0; ngx_http_tollgate_scheme_table[s] != NULL; s++) {
        mask |= (ngx_uint_t) 1 << s;
    }
    return mask;
}


static char *
ngx_http_tollgate_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_tollgate_loc_conf_t  *prev = parent, *conf = child;
    ngx_http_tollgate_main_conf_t *mcf;

    ngx_conf_merge_value(conf->enable, prev->enable, 0);
    ngx_conf_merge_str_value(conf->api, prev->api, "default");
    ngx_conf_merge_str_value(conf->stage, prev->stage, "");
    ngx_conf_merge_bitmask_value(conf->schemes, prev->schemes,
                                 ngx_http_tollgate_all_schemes());
    ngx_conf_merge_value(conf->settings.appcode_query,
                         prev->settings.appcode_query, 0);
    ngx_conf_merge_msec_value(conf->settings.skew, prev->settings.skew,
                              TG_XCA_SKEW_MS);
    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_tollgate_module);
    mcf->zone_conf.skew_max =
        ngx_max(mcf->zone_conf.skew_max, conf->settings.skew);
    ngx_conf_merge_uint_value(conf->settings.replay_headers,
                              prev->settings.replay_headers,
                              NGX_TOLLGATE_REPLAY_REQUIRED);
    ngx_conf_merge_value(conf->strip, prev->strip, 1);
    ngx_conf_merge_size_value(conf->body_max, prev->body_max, 64 * 1024);

    if (conf->enable) {
        mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_tollgate_module);
        if (mcf->projection.len == 0 || mcf->zone == NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"tollgate on\" needs tollgate_projection, "
                               "tollgate_key_file and tollgate_zone");
            return NGX_CONF_ERROR;
        }
    }
    return NGX_CONF_OK;
}


/* tollgate_api NAME [STAGE]; */
static char *
ngx_http_tollgate_api(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_tollgate_loc_conf_t *lcf = conf;
    ngx_str_t                    *value = cf->args->elts;
    ngx_uint_t                    i;

    if (lcf->api.data != NULL) {
        return "is duplicate";
    }
    lcf->api = value[1];

    if (cf->args->nelts == 3) {
        if (value[2].len == 0 || value[2].len > NGX_TOLLGATE_STAGE_MAX) {
            return "has an invalid stage";
        }
        lcf->stage = value[2];
        for (i = 0; i < lcf->stage.len; i++) {
            lcf->stage.data[i] = ngx_toupper(lcf->stage.data[i]);
        }
    } else {
        ngx_str_set(&lcf->stage, "");
    }
    return NGX_CONF_OK;
}


/* tollgate_schemes alibaba appcode; */
static char *
ngx_http_tollgate_schemes(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_tollgate_loc_conf_t *lcf = conf;
    ngx_str_t                    *value = cf->args->elts;
    const ngx_str_t              *name;
    ngx_uint_t                    i, j;

    if (lcf->schemes != 0) {
        return "is duplicate";
    }
    for (i = 1; i < cf->args->nelts; i++) {
        for (j = 0; ngx_http_tollgate_scheme_table[j] != NULL; j++) {
            name = &ngx_http_tollgate_scheme_table[j]->name;
            if (value[i].len == name->len
                && ngx_strncmp(value[i].data, name->data, name->len) == 0)
            {
                lcf->schemes |= (ngx_uint_t) 1 << j;
                break;
            }
        }
        if (ngx_http_tollgate_scheme_table[j] == NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "unknown scheme \"%V\"",
                               &value[i]);
            return NGX_CONF_ERROR;
        }
    }
    return NGX_CONF_OK;
}


/* tollgate_zone NAME:SIZE; */
static char *
ngx_http_tollgate_zone(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_tollgate_main_conf_t *mcf = conf;
    ngx_str_t                     *value = cf->args->elts, name, s;
    u_char                        *colon;
    ssize_t                        size;

    if (mcf->zone != NULL) {
        return "is duplicate";
    }

    colon = ngx_strlchr(value[1].data, value[1].data + value[1].len, ':');
    if (colon == NULL) {
        return "must be NAME:SIZE";
    }
    name.data = value[1].data;
    name.len = colon - value[1].data;
    s.data = colon + 1;
    s.len = value[1].data + value[1].len - s.data;

    size = ngx_parse_size(&s);
    if (name.len == 0 || size == NGX_ERROR
        || size < (ssize_t) (8 * ngx_pagesize)) {
        return "must be NAME:SIZE, at least 8 pages";
    }

    mcf->zone =
        ngx_shared_memory_add(cf, &name, size, &ngx_http_tollgate_module);
    if (mcf->zone == NULL) {
        return NGX_CONF_ERROR;
    }
    mcf->zone->init = ngx_http_tollgate_zone_init;
    mcf->zone->data = &mcf->zone_conf;
    return NGX_CONF_OK;
}


/* ---- the worker's LMDB view (ngx_http_tollgate_view.c) ------------- */


static ngx_int_t
ngx_http_tollgate_init_process(ngx_cycle_t *cycle)
{
    ngx_http_tollgate_main_conf_t *mcf;

    mcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_tollgate_module);
    if (mcf == NULL || mcf->view == NULL) {
        return NGX_OK;
    }
    if (tg_proj_macs_create(&mcf->macs, NGX_TOLLGATE_MACS_SLOTS,
                            NGX_TOLLGATE_MACS_TTL)
            != TG_OK
        || tg_hmac_create(&mcf->dataplane, TG_HMAC_SHA256,
                          (tg_str_t){ (char *) mcf->key, sizeof(mcf->key) })
               != TG_OK)
    {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, 0,
                      "tollgate: cannot create the worker's MAC state");
        return NGX_ERROR;
    }
    ngx_http_tollgate_view_open(mcf->view, cycle->log);
    mcf->macs_generation = ngx_http_tollgate_view_generation(mcf->view);
    return NGX_OK;
}


static void
ngx_http_tollgate_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_tollgate_main_conf_t *mcf;

    mcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_tollgate_module);
    if (mcf == NULL) {
        return;
    }
    if (mcf->view != NULL) {
        ngx_http_tollgate_view_close(mcf->view);
    }
    tg_proj_macs_destroy(mcf->macs);
    mcf->macs = NULL;
    tg_hmac_destroy(mcf->dataplane);
    mcf->dataplane = NULL;
    ngx_explicit_memzero(mcf->key, sizeof(mcf->key));
}


/* ---- the request ------------------------------------------------------ */


static void      ngx_http_tollgate_neutral_body(ngx_http_request_t *r,
                                                const ngx_str_t    *message,
                                                ngx_str_t          *body);
static ngx_int_t ngx_http_tollgate_send_body(ngx_http_request_t      *r,
                                             ngx_http_tollgate_ctx_t *ctx,
                                             ngx_uint_t               status);


/*
 * Ends the request with a failure, in the shape of the scheme that
 * answers: the body the scheme's render set
 * (ngx_http_tollgate_failure_body()), or, if it set none, a neutral
 * {"message":"..."}: never nginx's HTML page.  Returns the status to end
 * the phase with, or NGX_DONE once the body was sent.
 */
static ngx_int_t
ngx_http_tollgate_fail(ngx_http_request_t *r, ngx_http_tollgate_ctx_t *ctx,
                       const ngx_http_tollgate_scheme_t *scheme,
                       ngx_uint_t reason, const ngx_str_t *detail)
{
    static ngx_str_t type = ngx_string("application/json");
    static ngx_str_t internal = ngx_string("{\"message\":\"internal error\"}");
    ngx_http_tollgate_main_conf_t *mcf;
    ngx_http_tollgate_failure_t    failure;
    ngx_uint_t                     status;
    ngx_str_t                      message;
    ngx_int_t                      rc;

    mcf = ngx_http_get_module_main_conf(r, ngx_http_tollgate_module);
    ngx_http_tollgate_metrics_refused(&mcf->metrics, ctx->scheme_used, reason,
                                      ctx->call != NULL ? ctx->call->app.app
                                                        : NULL);

    failure.reason = reason;
    if (detail != NULL) {
        failure.detail = *detail;
    } else {
        ngx_str_null(&failure.detail);
    }
    status = ngx_http_tollgate_reason_status(reason);
    message = *ngx_http_tollgate_reason_message(reason);

    if (scheme->render(r, &failure, &status, &message) != NGX_OK) {
        status = NGX_HTTP_INTERNAL_SERVER_ERROR;
        message = *ngx_http_tollgate_reason_message(NGX_TOLLGATE_INTERNAL);
        ngx_str_null(&ctx->body);
    }
    if (ctx->body.len == 0) {
        ctx->body_type = type;
        ctx->body = internal;
        if (status != NGX_HTTP_INTERNAL_SERVER_ERROR) {
            ngx_http_tollgate_neutral_body(r, &message, &ctx->body);
        }
    }

    ctx->done = 1;
    ctx->rc = status;
    ctx->error = message;

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0, "tollgate: %ui \"%*s\"",
                  status, ngx_min(message.len, (size_t) 200), message.data);

    if (ctx->body.len == 0) {
        return ctx->rc;
    }

    /* NGX_DONE: the request was finalized, and may be freed with ctx (its
     * pool) already; neither may be touched again. */
    rc = ngx_http_tollgate_send_body(r, ctx, status);
    if (rc != NGX_DONE) {
        ctx->rc = rc;
    }
    return rc;
}


/* Sets *body to {"message":"<message>"}, escaped; leaves it if out of
 * memory. */
static void
ngx_http_tollgate_neutral_body(ngx_http_request_t *r, const ngx_str_t *message,
                               ngx_str_t *body)
{
    static const u_char hex[] = "0123456789abcdef";
    u_char             *p, c;
    size_t              i;

    p = ngx_pnalloc(r->pool, 16 + 6 * message->len);
    if (p == NULL) {
        return;
    }
    body->data = p;
    p = ngx_cpymem(p, "{\"message\":\"", sizeof("{\"message\":\"") - 1);
    for (i = 0; i < message->len; i++) {
        c = message->data[i];
        if (c == '"' || c == '\\') {
            *p++ = '\\';
            *p++ = c;
        } else if (c < 0x20 || c >= 0x7f) {
            p = ngx_cpymem(p, "\\u00", 4);
            *p++ = hex[c >> 4];
            *p++ = hex[c & 0xf];
        } else {
            *p++ = c;
        }
    }
    p = ngx_cpymem(p, "\"}", 2);
    body->len = (size_t) (p - body->data);
}


ngx_int_t
ngx_http_tollgate_failure_body(ngx_http_request_t *r, const ngx_str_t *type,
                               const ngx_str_t *body)
{
    ngx_http_tollgate_ctx_t *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_tollgate_module);
    if (ctx == NULL) {
        return NGX_ERROR;
    }
    ctx->body_type = *type;
    ctx->body = *body;
    return NGX_OK;
}


/*
 * Sends a failure with the body a scheme's render set, and finalizes the
 * request (as a content handler's caller would).  Returns NGX_DONE for
 * the phase, or a status if nothing could be sent.
 */
static ngx_int_t
ngx_http_tollgate_send_body(ngx_http_request_t *r, ngx_http_tollgate_ctx_t *ctx,
                            ngx_uint_t status)
{
    ngx_chain_t out;
    ngx_buf_t  *b;
    ngx_int_t   rc;

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        return status;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return status;
    }
    b->pos = ctx->body.data;
    b->last = ctx->body.data + ctx->body.len;
    b->memory = 1;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;
    out.buf = b;
    out.next = NULL;

    r->headers_out.status = status;
    r->headers_out.content_type = ctx->body_type;
    r->headers_out.content_type_len = ctx->body_type.len;
    r->headers_out.content_length_n = (off_t) ctx->body.len;

    rc = ngx_http_send_header(r);
    if (rc != NGX_ERROR && rc <= NGX_OK && !r->header_only) {
        rc = ngx_http_output_filter(r, &out);
    }

    ngx_http_finalize_request(r, rc);
    return NGX_DONE;
}


/*
 * Removes the credentials from the request, so the upstream never sees
 * them.  The headers kept are copied, in order, to one new part, rather
 * than shifted in place: r->headers_in keeps pointers to elements of the
 * old list (host, user_agent...), which stay valid because the old list
 * is not freed.  One pass; a request without a credential header keeps
 * its list (the new part is left to the pool).
 */
static ngx_int_t
ngx_http_tollgate_strip(ngx_http_request_t              *r,
                        const ngx_http_tollgate_ctx_t   *ctx,
                        const ngx_http_tollgate_names_t *names)
{
    ngx_list_t      *list = &r->headers_in.headers;
    ngx_list_part_t *part;
    ngx_table_elt_t *h, *kept;
    ngx_uint_t       i, n = 0, total = 0;

    if (ctx->creds.n == 0) {
        return NGX_OK;
    }

    for (part = &list->part; part != NULL; part = part->next) {
        total += part->nelts;
    }
    /* Room for one more, so that a module adding a header next does not
     * start a part of a single element. */
    kept = ngx_palloc(r->pool, (total + 1) * sizeof(ngx_table_elt_t));
    if (kept == NULL) {
        return NGX_ERROR;
    }

    for (part = &list->part; part != NULL; part = part->next) {
        h = part->elts;
        for (i = 0; i < part->nelts; i++) {
            if (!ngx_http_tollgate_is_credential(names, &ctx->creds, &h[i])) {
                kept[n++] = h[i];
            }
        }
    }
    if (n == total) {
        return NGX_OK;
    }

    list->part.elts = kept;
    list->part.nelts = n;
    list->part.next = NULL;
    list->last = &list->part;
    list->nalloc = n + 1;
    r->headers_in.authorization = NULL;
    return NGX_OK;
}


/* Writes n in decimal to p (NGX_INT64_LEN bytes); returns the length.
 * (ngx_sprintf() parses its format on every call.) */
static size_t
ngx_http_tollgate_decimal(int64_t n, u_char *p)
{
    u_char   digits[NGX_INT64_LEN];
    uint64_t u = n < 0 ? 0 - (uint64_t) n : (uint64_t) n;
    size_t   len = 0, i = 0;

    do {
        digits[len++] = (u_char) ('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (n < 0) {
        p[i++] = '-';
    }
    while (len > 0) {
        p[i++] = digits[--len];
    }
    return i;
}


/* Sets $tollgate_app and $tollgate_app_id from the app. */
static ngx_int_t
ngx_http_tollgate_set_app(ngx_http_request_t *r, ngx_http_tollgate_ctx_t *ctx,
                          ngx_http_tollgate_app_t *app)
{
    ngx_str_t id;

    id.data = ngx_pnalloc(r->pool, TG_PROJ_ID_LEN + NGX_INT64_LEN);
    if (id.data == NULL) {
        return NGX_ERROR;
    }
    ngx_memcpy(id.data, app->app, TG_PROJ_ID_LEN);
    id.len = TG_PROJ_ID_LEN;
    ctx->app = id;
    ctx->app_num.data = id.data + TG_PROJ_ID_LEN;
    ctx->app_num.len =
        ngx_http_tollgate_decimal(app->record.app_id, ctx->app_num.data);
    return NGX_OK;
}


/*
 * Takes a token from the app's bucket (on nginx's monotonic clock, see
 * ngx_http_tollgate_rate_take()).  Returns NGX_OK, or NGX_DECLINED with
 * the failure set.
 */
static ngx_int_t
ngx_http_tollgate_throttle(ngx_http_request_t *r, ngx_http_tollgate_ctx_t *ctx,
                           ngx_http_tollgate_main_conf_t *mcf,
                           ngx_http_tollgate_call_t      *call)
{
    ngx_http_tollgate_app_t *app = &call->app;
    int64_t                  retry;
    ngx_int_t                rc;
    u_char                  *p;

    if (ngx_http_tollgate_redis_enabled(r)) {
        return ngx_http_tollgate_redis_rate(call, app->record.rate_rps,
                                            app->record.rate_burst);
    }
    rc = ngx_http_tollgate_rate_take(mcf->zone, &ctx->app, app->record.rate_rps,
                                     app->record.rate_burst, &retry);
    if (rc == NGX_OK) {
        return NGX_OK;
    }
    if (rc != NGX_BUSY) {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_UNAVAILABLE, NULL);
    }

    p = ngx_pnalloc(r->pool, NGX_INT64_LEN);
    if (p == NULL) {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_INTERNAL, NULL);
    }
    r->headers_out.content_length_n = 0;
    (void) ngx_http_tollgate_add_header(
        r, "Retry-After", p, ngx_sprintf(p, "%L", (retry + 999) / 1000) - p);
    return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_THROTTLED, NULL);
}


/*
 * Names the grant a verified app lacks, for its developer (tollgate sign
 * says which command adds it): X-Tollgate-Api and X-Tollgate-Stage.  The
 * caller proved it holds the app's secret, so the names tell no stranger.
 */
static void
ngx_http_tollgate_name_grant(ngx_http_request_t *r, const ngx_str_t *api,
                             const u_char *stage, size_t len)
{
    u_char *copy;

    copy = ngx_pnalloc(r->pool, len);
    if (copy != NULL) {
        ngx_memcpy(copy, stage, len);
        (void) ngx_http_tollgate_add_header(r, "X-Tollgate-Api", api->data,
                                            api->len);
        (void) ngx_http_tollgate_add_header(r, "X-Tollgate-Stage", copy, len);
    }
}


/*
 * Checks the app and its grant of the location's API on the stage (the
 * location's, else the one the call asked for, else RELEASE), and applies
 * its rate limit.  Returns NGX_OK, or NGX_DECLINED with the failure set.
 */
static ngx_int_t
ngx_http_tollgate_admit(ngx_http_request_t *r, ngx_http_tollgate_ctx_t *ctx,
                        ngx_http_tollgate_loc_conf_t  *lcf,
                        ngx_http_tollgate_main_conf_t *mcf,
                        ngx_http_tollgate_call_t      *call)
{
    u_char   stage[NGX_TOLLGATE_STAGE_MAX], gkey[NGX_TOLLGATE_GRANT_MAX];
    tg_str_t st, value;
    int64_t  expires;
    size_t   glen, i;
    int      found;

    if (!call->app.record.enabled) {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_APP_DISABLED, NULL);
    }

    st = (tg_str_t){ (const char *) lcf->stage.data, lcf->stage.len };
    if (st.len == 0) {
        st = (tg_str_t){ (const char *) call->stage.data, call->stage.len };
        if (st.len == 0) {
            st = TG_STR("RELEASE");
        }
    }
    if (st.len > sizeof(stage)) {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_BAD_STAGE, NULL);
    }
    for (i = 0; i < st.len; i++) {
        stage[i] = ngx_toupper((u_char) st.ptr[i]);
    }

    if (tg_proj_grant_key((tg_str_t){ (char *) call->app.app, TG_PROJ_ID_LEN },
                          (tg_str_t){ (char *) lcf->api.data, lcf->api.len },
                          (tg_str_t){ (char *) stage, st.len }, (char *) gkey,
                          sizeof(gkey), &glen)
        != TG_OK)
    {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_BAD_STAGE, NULL);
    }

    found = ngx_http_tollgate_get(mcf->view, TG_PROJ_GRANTS, gkey, glen, &value)
            && tg_proj_i64_decode(value, &expires) == TG_OK;
    if (!found || (expires != 0 && expires <= call->now_ms)) {
        ngx_http_tollgate_name_grant(r, &lcf->api, stage, st.len);
        return ngx_http_tollgate_refuse(
            call, found ? NGX_TOLLGATE_GRANT_EXPIRED : NGX_TOLLGATE_NOT_GRANTED,
            NULL);
    }

    if (ngx_http_tollgate_set_app(r, ctx, &call->app) != NGX_OK) {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_INTERNAL, NULL);
    }
    if (call->app.record.rate_rps > 0) {
        return ngx_http_tollgate_throttle(r, ctx, mcf, call);
    }
    return NGX_OK;
}


/* ---- the lookups the schemes use (see ngx_http_tollgate_scheme.h) ----- */


ngx_int_t
ngx_http_tollgate_find_key(ngx_http_tollgate_call_t *call, tg_str_t app_key,
                           tg_proj_key_t *k)
{
    ngx_http_tollgate_main_conf_t *mcf;
    tg_str_t                       value;

    mcf = ngx_http_get_module_main_conf(call->r, ngx_http_tollgate_module);
    if (!ngx_http_tollgate_get(mcf->view, TG_PROJ_KEYS, app_key.ptr,
                               app_key.len, &value)
        || tg_proj_key_decode(value, k) != TG_OK)
    {
        return 0;
    }
    ngx_memcpy(call->app.app, k->app.ptr, TG_PROJ_ID_LEN);
    return ngx_http_tollgate_load_app(mcf->view, call->app.app,
                                      &call->app.record);
}


ngx_int_t
ngx_http_tollgate_find_code(ngx_http_tollgate_call_t *call, tg_str_t code)
{
    ngx_http_tollgate_main_conf_t *mcf;
    uint8_t                        hash[TG_PROJ_HASH_LEN];
    tg_str_t                       value, id;
    int64_t                        aged_at;

    mcf = ngx_http_get_module_main_conf(call->r, ngx_http_tollgate_module);
    if (tg_proj_code_key_keyed(mcf->dataplane, code, hash) != TG_OK) {
        return NGX_ERROR;
    }
    if (!ngx_http_tollgate_get(mcf->view, TG_PROJ_CODES, hash, sizeof(hash),
                               &value)
        || tg_proj_code_decode_aged(value, &id, &aged_at) != TG_OK)
    {
        return 0;
    }
    call->aged = aged_at != 0 && aged_at <= call->now_ms;
    ngx_memcpy(call->app.app, id.ptr, TG_PROJ_ID_LEN);
    return ngx_http_tollgate_load_app(mcf->view, call->app.app,
                                      &call->app.record);
}


ngx_int_t
ngx_http_tollgate_open_secret(ngx_http_tollgate_call_t *call, tg_str_t app_key,
                              tg_str_t sealed, char *secret, size_t *len)
{
    ngx_http_tollgate_main_conf_t *mcf;

    mcf = ngx_http_get_module_main_conf(call->r, ngx_http_tollgate_module);
    return tg_proj_secret_open(mcf->key, app_key, sealed, secret, len) == TG_OK
               ? NGX_OK
               : NGX_ERROR;
}


ngx_int_t
ngx_http_tollgate_secret_mac(ngx_http_tollgate_call_t *call, tg_str_t app_key,
                             tg_str_t sealed, tg_hmac_alg_t alg,
                             tg_hmac_t **mac)
{
    ngx_http_tollgate_main_conf_t *mcf;
    ngx_uint_t                     generation;

    mcf = ngx_http_get_module_main_conf(call->r, ngx_http_tollgate_module);

    /* A projection opened again may be another one: forget its secrets. */
    generation = ngx_http_tollgate_view_generation(mcf->view);
    if (generation != mcf->macs_generation) {
        tg_proj_macs_clear(mcf->macs);
        mcf->macs_generation = generation;
    }

    return tg_proj_macs_get(mcf->macs, mcf->key, app_key, sealed, alg,
                            call->now_ms, mac)
                   == TG_OK
               ? NGX_OK
               : NGX_ERROR;
}


ngx_int_t
ngx_http_tollgate_use_nonce(ngx_http_tollgate_call_t *call, tg_str_t key,
                            tg_str_t nonce, int64_t ts_ms, int64_t expires_ms)
{
    ngx_http_tollgate_main_conf_t *mcf;
    ngx_str_t                      k, n;
    ngx_int_t                      rc;

    if (ngx_http_tollgate_redis_enabled(call->r)) {
        return ngx_http_tollgate_redis_nonce(call, key, nonce, ts_ms,
                                             expires_ms);
    }
    mcf = ngx_http_get_module_main_conf(call->r, ngx_http_tollgate_module);
    if (call->nonce_of.ptr == NULL || call->nonce_of.ptr != nonce.ptr
        || call->nonce_of.len != nonce.len || call->nonce_key.ptr != key.ptr
        || call->nonce_key.len != key.len || call->nonce_ts != ts_ms)
    {
        k.data = (u_char *) key.ptr;
        k.len = key.len;
        n.data = (u_char *) nonce.ptr;
        n.len = nonce.len;
        rc = ngx_http_tollgate_nonce_locate(mcf->zone, &k, &n, ts_ms,
                                            &call->nonce_ref);
        if (rc != NGX_OK) {
            return rc;
        }
    }
    return ngx_http_tollgate_nonce_use(mcf->zone, &call->nonce_ref,
                                       call->now_ms, expires_ms);
}


void
ngx_http_tollgate_prefetch_nonce(ngx_http_tollgate_call_t *call, tg_str_t key,
                                 tg_str_t nonce, int64_t ts_ms)
{
    ngx_http_tollgate_main_conf_t *mcf;
    ngx_str_t                      k, n;

    mcf = ngx_http_get_module_main_conf(call->r, ngx_http_tollgate_module);
    k.data = (u_char *) key.ptr;
    k.len = key.len;
    n.data = (u_char *) nonce.ptr;
    n.len = nonce.len;
    if (ngx_http_tollgate_nonce_locate(mcf->zone, &k, &n, ts_ms,
                                       &call->nonce_ref)
        == NGX_OK)
    {
        call->nonce_of = nonce;
        call->nonce_key = key;
        call->nonce_ts = ts_ms;
    }
}


ngx_http_tollgate_metrics_conf_t *
ngx_http_tollgate_metrics_conf(ngx_http_request_t *r)
{
    ngx_http_tollgate_main_conf_t *mcf;

    mcf = ngx_http_get_module_main_conf(r, ngx_http_tollgate_module);
    return mcf != NULL ? &mcf->metrics : NULL;
}


/* ---- the phase handler ------------------------------------------------ */


static void
ngx_http_tollgate_body_read(ngx_http_request_t *r)
{
    ngx_http_tollgate_ctx_t *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_tollgate_module);
    ctx->body_read = 1;
    r->main->count--;

    if (ctx->waiting) {
        ctx->waiting = 0;
        ngx_http_core_run_phases(r);
    }
}


/*
 * Reads the body into ctx->call->body, the nginx way, without blocking:
 * a body of known length is refused before it is read if it is larger
 * than tollgate_body_max, a chunked one once it is read.  Returns NGX_OK,
 * NGX_DONE when nginx will call back, or a status to end the request with.
 */
static ngx_int_t
ngx_http_tollgate_body(ngx_http_request_t *r, ngx_http_tollgate_ctx_t *ctx,
                       ngx_http_tollgate_loc_conf_t *lcf)
{
    ngx_int_t rc;

    if (!ctx->body_read) {
        if (r->headers_in.content_length_n > (off_t) lcf->body_max) {
            return ngx_http_tollgate_fail(r, ctx, ctx->scheme_used,
                                          NGX_TOLLGATE_BODY_TOO_LARGE, NULL);
        }
        r->request_body_in_single_buf = 1;
        rc = ngx_http_read_client_request_body(r, ngx_http_tollgate_body_read);
        if (rc == NGX_ERROR || rc >= NGX_HTTP_SPECIAL_RESPONSE) {
            return rc;
        }
        if (!ctx->body_read) {
            ctx->waiting = 1;
            return NGX_DONE;
        }
    }

    rc = ngx_http_tollgate_read_body(r, &ctx->call->body);
    if (rc == NGX_ERROR) {
        return ngx_http_tollgate_fail(r, ctx, ctx->scheme_used,
                                      NGX_TOLLGATE_INTERNAL, NULL);
    }
    if (rc == NGX_DECLINED || ctx->call->body.len > lcf->body_max) {
        return ngx_http_tollgate_fail(r, ctx, ctx->scheme_used,
                                      NGX_TOLLGATE_BODY_TOO_LARGE, NULL);
    }
    return NGX_OK;
}


/*
 * Finds the one scheme whose credential the call carries, among those
 * the location accepts, with the headers each reads collected in one
 * pass.  Sets ctx->call and ctx->scheme_used; returns NGX_OK or a status
 * to end the request with.
 */
static ngx_int_t
ngx_http_tollgate_choose(ngx_http_request_t *r, ngx_http_tollgate_ctx_t *ctx,
                         ngx_http_tollgate_loc_conf_t *lcf)
{
    const ngx_http_tollgate_scheme_t *first = NULL;
    ngx_http_tollgate_main_conf_t    *mcf;
    ngx_http_tollgate_call_t         *calls;
    ngx_time_t                       *tp;
    ngx_uint_t                        s, n, found = 0;

    /* One call per scheme up to the last the location accepts. */
    n = 0;
    while (lcf->schemes >> n != 0) {
        n++;
    }
    calls = ngx_pcalloc(r->pool, n * sizeof(*calls));
    if (calls == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }
    mcf = ngx_http_get_module_main_conf(r, ngx_http_tollgate_module);
    ngx_http_tollgate_collect_headers(r, mcf->names, lcf->schemes, calls,
                                      &ctx->creds);

    tp = ngx_timeofday();
    for (s = 0; ngx_http_tollgate_scheme_table[s] != NULL; s++) {
        if (!(lcf->schemes & ((ngx_uint_t) 1 << s))) {
            continue;
        }
        if (first == NULL) {
            first = ngx_http_tollgate_scheme_table[s];
        }
        calls[s].r = r;
        calls[s].settings = &lcf->settings;
        calls[s].now_ms = (int64_t) tp->sec * 1000 + tp->msec;
        if (ngx_http_tollgate_scheme_table[s]->detect(&calls[s])) {
            if (found++ == 0) {
                ctx->scheme_used = ngx_http_tollgate_scheme_table[s];
                ctx->call = &calls[s];
            }
        }
    }

    if (found == 0) {
        return ngx_http_tollgate_fail(r, ctx, first, NGX_TOLLGATE_NO_CREDENTIAL,
                                      NULL);
    }
    ctx->scheme = ctx->scheme_used->name;
    if (found > 1) {
        return ngx_http_tollgate_fail(r, ctx, ctx->scheme_used,
                                      NGX_TOLLGATE_AMBIGUOUS, NULL);
    }
    return NGX_OK;
}


/*
 * Lets an admitted call through, once the checks deferred to Redis (its
 * nonce, its rate limit: ngx_http_tollgate_redis.h) pass; without
 * tollgate_redis there are none.  Returns NGX_OK, NGX_DONE while the call
 * waits for Redis (the reply runs the phases again), or the failure.
 */
static ngx_int_t
ngx_http_tollgate_admitted(ngx_http_request_t *r, ngx_http_tollgate_ctx_t *ctx,
                           ngx_http_tollgate_main_conf_t *mcf)
{
    ngx_uint_t reason;
    ngx_int_t  rc;

    rc = ngx_http_tollgate_redis_outcome(r, mcf->zone, &reason);
    ctx->redis = rc == NGX_AGAIN;
    if (rc == NGX_AGAIN) {
        return NGX_DONE;
    }
    if (rc != NGX_OK) {
        return ngx_http_tollgate_fail(r, ctx, ctx->scheme_used, reason, NULL);
    }
    ngx_http_tollgate_metrics_verified(&mcf->metrics, ctx->scheme_used,
                                       ctx->call->app.app);
    ctx->done = 1;
    ctx->rc = NGX_OK;
    return NGX_OK;
}


/*
 * Runs the scheme's verify and the admission checks inside the request's
 * one LMDB read transaction: every lookup of the request sees the same
 * snapshot, and the records it read stay valid until it ends here.
 */
static ngx_int_t
ngx_http_tollgate_verify_in_txn(ngx_http_request_t            *r,
                                ngx_http_tollgate_ctx_t       *ctx,
                                ngx_http_tollgate_loc_conf_t  *lcf,
                                ngx_http_tollgate_main_conf_t *mcf)
{
    ngx_http_tollgate_call_t *call = ctx->call;
    ngx_uint_t                reason;
    ngx_int_t                 rc;

    if (ngx_http_tollgate_begin(r, mcf->view, &reason) != NGX_OK) {
        return ngx_http_tollgate_fail(r, ctx, ctx->scheme_used, reason, NULL);
    }

    rc = ctx->scheme_used->verify(call);
    if (rc == NGX_OK) {
        ctx->app_key = call->app_key;
        rc = ngx_http_tollgate_admit(r, ctx, lcf, mcf, call);
    } else if (rc == NGX_DECLINED) {
        ctx->app_key = call->app_key;
    }

    /* The failure's detail (the string to sign) is in the pool, not in
     * LMDB's memory: rendering after the transaction ends is safe. */
    ngx_http_tollgate_end(mcf->view);

    if (rc == NGX_DECLINED) {
        return ngx_http_tollgate_fail(r, ctx, ctx->scheme_used,
                                      call->failure.reason,
                                      &call->failure.detail);
    }
    if (rc != NGX_OK
        || (lcf->strip
            && ngx_http_tollgate_strip(r, ctx, mcf->names) != NGX_OK))
    {
        return ngx_http_tollgate_fail(r, ctx, ctx->scheme_used,
                                      NGX_TOLLGATE_INTERNAL, NULL);
    }
    return ngx_http_tollgate_admitted(r, ctx, mcf);
}


static ngx_int_t
ngx_http_tollgate_handler(ngx_http_request_t *r)
{
    ngx_http_tollgate_loc_conf_t  *lcf;
    ngx_http_tollgate_main_conf_t *mcf;
    ngx_http_tollgate_ctx_t       *ctx;
    ngx_int_t                      rc;

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_tollgate_module);
    if (!lcf->enable || r != r->main) {
        return NGX_DECLINED;
    }
    mcf = ngx_http_get_module_main_conf(r, ngx_http_tollgate_module);

    ctx = ngx_http_get_module_ctx(r, ngx_http_tollgate_module);
    if (ctx == NULL) {
        ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_tollgate_ctx_t));
        if (ctx == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
        ngx_http_set_ctx(r, ctx, ngx_http_tollgate_module);
    }
    if (ctx->done) {
        return ctx->rc;
    }
    if (ctx->waiting) {
        return NGX_DONE;
    }
    if (ctx->redis) {
        return ngx_http_tollgate_admitted(r, ctx, mcf);
    }

    if (ctx->call == NULL) {
        rc = ngx_http_tollgate_choose(r, ctx, lcf);
        if (rc != NGX_OK) {
            return rc;
        }
    }

    if (ctx->scheme_used->needs_body(ctx->call)) {
        rc = ngx_http_tollgate_body(r, ctx, lcf);
        if (rc != NGX_OK) {
            return rc;
        }
    }

    return ngx_http_tollgate_verify_in_txn(r, ctx, lcf, mcf);
}


/* ---- variables -------------------------------------------------------- */


static ngx_int_t
ngx_http_tollgate_variable(ngx_http_request_t *r, ngx_http_variable_value_t *v,
                           uintptr_t data)
{
    ngx_http_tollgate_ctx_t *ctx;
    ngx_str_t               *s;

    ctx = ngx_http_get_module_ctx(r, ngx_http_tollgate_module);
    if (ctx == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    s = (ngx_str_t *) ((u_char *) ctx + data);
    if (s->len == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->len = s->len;
    v->data = s->data;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
    return NGX_OK;
}


static ngx_http_variable_t ngx_http_tollgate_vars[] = {
    { ngx_string("tollgate_app"), NULL, ngx_http_tollgate_variable,
      offsetof(ngx_http_tollgate_ctx_t, app), NGX_HTTP_VAR_NOCACHEABLE, 0 },
    { ngx_string("tollgate_app_id"), NULL, ngx_http_tollgate_variable,
      offsetof(ngx_http_tollgate_ctx_t, app_num), NGX_HTTP_VAR_NOCACHEABLE, 0 },
    { ngx_string("tollgate_app_key"), NULL, ngx_http_tollgate_variable,
      offsetof(ngx_http_tollgate_ctx_t, app_key), NGX_HTTP_VAR_NOCACHEABLE, 0 },
    { ngx_string("tollgate_scheme"), NULL, ngx_http_tollgate_variable,
      offsetof(ngx_http_tollgate_ctx_t, scheme), NGX_HTTP_VAR_NOCACHEABLE, 0 },
    { ngx_string("tollgate_error"), NULL, ngx_http_tollgate_variable,
      offsetof(ngx_http_tollgate_ctx_t, error), NGX_HTTP_VAR_NOCACHEABLE, 0 },
    ngx_http_null_variable
};


static ngx_int_t
ngx_http_tollgate_preconf(ngx_conf_t *cf)
{
    ngx_http_variable_t *var, *v;

    for (v = ngx_http_tollgate_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }
        var->get_handler = v->get_handler;
        var->data = v->data;
    }
    return NGX_OK;
}


/*
 * Checks the scheme table against the limits of its masks: a location's
 * schemes are a mask, and each scheme's duplicate headers another.
 */
static ngx_int_t
ngx_http_tollgate_check_table(ngx_conf_t *cf)
{
    const ngx_http_tollgate_scheme_t *scheme;
    ngx_uint_t                        s, n;

    for (s = 0; ngx_http_tollgate_scheme_table[s] != NULL; s++) {
        scheme = ngx_http_tollgate_scheme_table[s];
        n = 0;
        while (scheme->headers[n].len != 0) {
            n++;
        }
        if (s >= NGX_TOLLGATE_SCHEMES_MAX || n > NGX_TOLLGATE_HEADERS_MAX) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "tollgate: scheme \"%V\" exceeds the table's "
                               "limits (%d schemes, %d headers each)",
                               &scheme->name, NGX_TOLLGATE_SCHEMES_MAX,
                               NGX_TOLLGATE_HEADERS_MAX);
            return NGX_ERROR;
        }
    }
    return NGX_OK;
}


static ngx_int_t
ngx_http_tollgate_postconf(ngx_conf_t *cf)
{
    ngx_http_tollgate_main_conf_t *mcf;
    ngx_http_core_main_conf_t     *cmcf;
    ngx_http_handler_pt           *h;

    if (ngx_http_tollgate_check_table(cf) != NGX_OK) {
        return NGX_ERROR;
    }
    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_tollgate_module);
    mcf->names = ngx_http_tollgate_names_create(cf);
    if (mcf->names == NULL) {
        return NGX_ERROR;
    }

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);
    h = ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }
    *h = ngx_http_tollgate_handler;
    return NGX_OK;
}
