/*
 * ngx_http_tollgate_module: verifies app-signed calls in the access phase,
 * from the LMDB projection that tollgated writes.
 *
 * Per request: find the scheme (AppCode, or Alibaba's X-Ca-* signature);
 * read the body when the signature covers it (form parameters, or a
 * Content-MD5), without blocking; look the credential up in LMDB, in the
 * worker's read transaction (renewed and reset, never allocated); verify;
 * check the timestamp and the nonce; check that the app is enabled and
 * granted this API on this stage; apply the app's rate limit; hand over.
 *
 * The verifiers and record formats are libtollgate's (lib/): this file
 * only adapts nginx's request to them.  Failures answer as Alibaba's
 * gateway does: a status, X-Ca-Error-Message and X-Ca-Request-Id.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "tollgate/error.h"
#include "tollgate/projection.h"
#include "tollgate/str.h"
#include "tollgate/xca.h"
#include "ngx_http_tollgate_body.h"
#include "ngx_http_tollgate_echo.h"
#include "ngx_http_tollgate_view.h"
#include "ngx_http_tollgate_zone.h"


#define NGX_TOLLGATE_SCHEME_ALIBABA 0x01
#define NGX_TOLLGATE_SCHEME_APPCODE 0x02

#define NGX_TOLLGATE_STAGE_MAX 32
#define NGX_TOLLGATE_CODE_MAX  256
#define NGX_TOLLGATE_GRANT_MAX 512


typedef struct {
    ngx_str_t                 projection; /* the LMDB environment's directory */
    ngx_str_t                 key_file;   /* dataplane.key */
    u_char                    key[TG_SEAL_KEY_LEN];
    ngx_shm_zone_t           *zone;
    ngx_msec_t                projection_max_age; /* 0: off */
    ngx_http_tollgate_view_t *view;
} ngx_http_tollgate_main_conf_t;

typedef struct {
    ngx_flag_t enable;
    ngx_str_t  api;
    ngx_str_t  stage; /* empty: X-Ca-Stage, else RELEASE */
    ngx_uint_t schemes;
    ngx_flag_t appcode_query;
    ngx_msec_t skew;
    ngx_flag_t strip;
    size_t     body_max;
} ngx_http_tollgate_loc_conf_t;

typedef struct {
    unsigned  done : 1;
    unsigned  waiting : 1;
    unsigned  body_read : 1;
    ngx_int_t rc;
    ngx_str_t app;     /* the app id */
    ngx_str_t app_num; /* the numeric AppId */
    ngx_str_t app_key;
    ngx_str_t scheme;
    ngx_str_t error;
} ngx_http_tollgate_ctx_t;

/* What a credential resolved to. */
typedef struct {
    u_char        app[TG_PROJ_ID_LEN];
    tg_proj_app_t record;
} ngx_http_tollgate_app_t;


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
static char     *ngx_http_tollgate_echo(ngx_conf_t *cf, ngx_command_t *cmd,
                                        void *conf);
static ngx_int_t ngx_http_tollgate_init_process(ngx_cycle_t *cycle);
static void      ngx_http_tollgate_exit_process(ngx_cycle_t *cycle);


static ngx_conf_bitmask_t ngx_http_tollgate_scheme_names[] = {
    { ngx_string("alibaba"), NGX_TOLLGATE_SCHEME_ALIBABA },
    { ngx_string("appcode"), NGX_TOLLGATE_SCHEME_APPCODE },
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
      offsetof(ngx_http_tollgate_loc_conf_t, appcode_query), NULL },

    { ngx_string("tollgate_clock_skew"),
      NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF
          | NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot, NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_tollgate_loc_conf_t, skew), NULL },

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

    { ngx_string("tollgate_echo"), NGX_HTTP_LOC_CONF | NGX_CONF_NOARGS,
      ngx_http_tollgate_echo, NGX_HTTP_LOC_CONF_OFFSET, 0, NULL },

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
    return ngx_http_tollgate_load_key(cf, &mcf->key_file, mcf->key);
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
    lcf->appcode_query = NGX_CONF_UNSET;
    lcf->skew = NGX_CONF_UNSET_MSEC;
    lcf->strip = NGX_CONF_UNSET;
    lcf->body_max = NGX_CONF_UNSET_SIZE;
    return lcf;
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
                                 NGX_TOLLGATE_SCHEME_ALIBABA
                                     | NGX_TOLLGATE_SCHEME_APPCODE);
    ngx_conf_merge_value(conf->appcode_query, prev->appcode_query, 0);
    ngx_conf_merge_msec_value(conf->skew, prev->skew, TG_XCA_SKEW_MS);
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
    ngx_uint_t                    i, j;

    if (lcf->schemes != 0) {
        return "is duplicate";
    }
    for (i = 1; i < cf->args->nelts; i++) {
        for (j = 0; ngx_http_tollgate_scheme_names[j].name.len != 0; j++) {
            if (value[i].len == ngx_http_tollgate_scheme_names[j].name.len
                && ngx_strncmp(value[i].data,
                               ngx_http_tollgate_scheme_names[j].name.data,
                               value[i].len)
                       == 0)
            {
                lcf->schemes |= ngx_http_tollgate_scheme_names[j].mask;
                break;
            }
        }
        if (ngx_http_tollgate_scheme_names[j].name.len == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "unknown scheme \"%V\" (alibaba, appcode)",
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
    return NGX_CONF_OK;
}


/* tollgate_echo; */
static char *
ngx_http_tollgate_echo(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_core_loc_conf_t *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_tollgate_echo_handler;
    return NGX_CONF_OK;
}


/* ---- the worker's LMDB view ------------------------------------------- */


static ngx_int_t
ngx_http_tollgate_init_process(ngx_cycle_t *cycle)
{
    ngx_http_tollgate_main_conf_t *mcf;

    mcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_tollgate_module);
    if (mcf != NULL && mcf->view != NULL) {
        ngx_http_tollgate_view_open(mcf->view, cycle->log);
    }
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
    ngx_explicit_memzero(mcf->key, sizeof(mcf->key));
}


/* ---- the request ------------------------------------------------------ */


static ngx_table_elt_t *
ngx_http_tollgate_header(ngx_http_request_t *r, const char *name, size_t len)
{
    ngx_list_part_t *part = &r->headers_in.headers.part;
    ngx_table_elt_t *h = part->elts;
    ngx_uint_t       i;

    for (i = 0; /* void */; i++) {
        if (i >= part->nelts) {
            if (part->next == NULL) {
                return NULL;
            }
            part = part->next;
            h = part->elts;
            i = 0;
        }
        if (h[i].hash != 0 && h[i].key.len == len
            && ngx_strncasecmp(h[i].key.data, (u_char *) name, len) == 0)
        {
            return &h[i];
        }
    }
}


/* The xca library's header callback. */
static int
ngx_http_tollgate_header_fn(void *ctx, tg_str_t name, tg_str_t *value)
{
    ngx_table_elt_t *h;

    h = ngx_http_tollgate_header(ctx, name.ptr, name.len);
    if (h == NULL) {
        return 0;
    }
    value->ptr = (const char *) h->value.data;
    value->len = h->value.len;
    return 1;
}


static tg_str_t
ngx_http_tollgate_value(ngx_http_request_t *r, const char *name)
{
    ngx_table_elt_t *h = ngx_http_tollgate_header(r, name, ngx_strlen(name));

    if (h == NULL) {
        return (tg_str_t){ NULL, 0 };
    }
    return (tg_str_t){ (const char *) h->value.data, h->value.len };
}


static ngx_int_t
ngx_http_tollgate_add_header(ngx_http_request_t *r, const char *name,
                             u_char *value, size_t len)
{
    ngx_table_elt_t *h = ngx_list_push(&r->headers_out.headers);

    if (h == NULL) {
        return NGX_ERROR;
    }
    h->hash = 1;
    h->key.data = (u_char *) name;
    h->key.len = ngx_strlen(name);
    h->value.data = value;
    h->value.len = len;
    return NGX_OK;
}


/* A request id in the shape of Alibaba's: an upper-case UUID. */
static ngx_int_t
ngx_http_tollgate_request_id(ngx_http_request_t *r)
{
    u_char    *id;
    uint32_t   w[4];
    ngx_uint_t i;

    id = ngx_pnalloc(r->pool, 36);
    if (id == NULL) {
        return NGX_ERROR;
    }
    for (i = 0; i < 4; i++) {
        w[i] = (uint32_t) ngx_random();
    }
    ngx_sprintf(id, "%08XD-%04XD-%04XD-%04XD-%04XD%08XD", w[0], w[1] >> 16,
                w[1] & 0xffff, w[2] >> 16, w[2] & 0xffff, w[3]);
    return ngx_http_tollgate_add_header(r, "X-Ca-Request-Id", id, 36);
}


/* Ends the request with a failure in the gateway's shape. */
static ngx_int_t
ngx_http_tollgate_fail(ngx_http_request_t *r, ngx_http_tollgate_ctx_t *ctx,
                       ngx_uint_t status, u_char *message, size_t len)
{
    ctx->done = 1;
    ctx->rc = status;
    ctx->error.data = message;
    ctx->error.len = len;

    if (ngx_http_tollgate_request_id(r) != NGX_OK
        || ngx_http_tollgate_add_header(r, "X-Ca-Error-Message", message, len)
               != NGX_OK)
    {
        ctx->rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0, "tollgate: %ui \"%*s\"",
                  status, ngx_min(len, (size_t) 200), message);
    return ctx->rc;
}


static ngx_int_t
ngx_http_tollgate_failc(ngx_http_request_t *r, ngx_http_tollgate_ctx_t *ctx,
                        ngx_uint_t status, const char *message)
{
    return ngx_http_tollgate_fail(r, ctx, status, (u_char *) message,
                                  ngx_strlen(message));
}


/*
 * Removes the credentials from the request, so the upstream never sees
 * them.  The header list is rebuilt without them rather than shifted in
 * place: r->headers_in keeps pointers to elements of the old list (host,
 * user_agent...), which stay valid because the old list is not freed.
 */
static ngx_int_t
ngx_http_tollgate_strip(ngx_http_request_t *r)
{
    static const ngx_str_t names[] = { ngx_string("authorization"),
                                       ngx_string("x-ca-signature") };
    ngx_list_part_t       *part = &r->headers_in.headers.part;
    ngx_table_elt_t       *h = part->elts, *copy;
    ngx_list_t             kept;
    ngx_uint_t             i, k, drop;

    if (ngx_list_init(&kept, r->pool, 20, sizeof(ngx_table_elt_t)) != NGX_OK) {
        return NGX_ERROR;
    }

    for (i = 0; /* void */; i++) {
        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }
            part = part->next;
            h = part->elts;
            i = 0;
        }
        drop = 0;
        for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
            if (h[i].key.len == names[k].len
                && ngx_strncasecmp(h[i].key.data, names[k].data, names[k].len)
                       == 0)
            {
                drop = 1;
            }
        }
        if (!drop) {
            copy = ngx_list_push(&kept);
            if (copy == NULL) {
                return NGX_ERROR;
            }
            *copy = h[i];
        }
    }

    r->headers_in.headers = kept;
    r->headers_in.authorization = NULL;
    return NGX_OK;
}


/* Checks the app and its grant, applies its rate limit, and admits. */
static ngx_int_t
ngx_http_tollgate_admit(ngx_http_request_t *r, ngx_http_tollgate_ctx_t *ctx,
                        ngx_http_tollgate_loc_conf_t  *lcf,
                        ngx_http_tollgate_main_conf_t *mcf,
                        ngx_http_tollgate_app_t *app, int64_t now_ms)
{
    u_char    stage[NGX_TOLLGATE_STAGE_MAX], gkey[NGX_TOLLGATE_GRANT_MAX];
    tg_str_t  st, value;
    int64_t   expires, retry;
    size_t    glen, i;
    ngx_str_t id;
    u_char   *p;
    ngx_int_t rc;
    int       found;

    if (!app->record.enabled) {
        return ngx_http_tollgate_failc(r, ctx, NGX_HTTP_FORBIDDEN,
                                       "App Disabled");
    }

    st = (tg_str_t){ (const char *) lcf->stage.data, lcf->stage.len };
    if (st.len == 0) {
        st = ngx_http_tollgate_value(r, "X-Ca-Stage");
        if (st.ptr == NULL || st.len == 0) {
            st = TG_STR("RELEASE");
        }
    }
    if (st.len > sizeof(stage)) {
        return ngx_http_tollgate_failc(r, ctx, NGX_HTTP_BAD_REQUEST,
                                       "Invalid Stage");
    }
    for (i = 0; i < st.len; i++) {
        stage[i] = ngx_toupper((u_char) st.ptr[i]);
    }

    if (tg_proj_grant_key((tg_str_t){ (char *) app->app, TG_PROJ_ID_LEN },
                          (tg_str_t){ (char *) lcf->api.data, lcf->api.len },
                          (tg_str_t){ (char *) stage, st.len }, (char *) gkey,
                          sizeof(gkey), &glen)
        != TG_OK)
    {
        return ngx_http_tollgate_failc(r, ctx, NGX_HTTP_BAD_REQUEST,
                                       "Invalid Stage");
    }

    found = ngx_http_tollgate_get(mcf->view, TG_PROJ_GRANTS, gkey, glen, &value)
            && tg_proj_i64_decode(value, &expires) == TG_OK;

    if (!found) {
        return ngx_http_tollgate_failc(r, ctx, NGX_HTTP_FORBIDDEN,
                                       "Unauthorized");
    }
    if (expires != 0 && expires <= now_ms) {
        return ngx_http_tollgate_failc(r, ctx, NGX_HTTP_FORBIDDEN,
                                       "Expiry of Authorization");
    }

    id.data = ngx_pnalloc(r->pool, TG_PROJ_ID_LEN + NGX_INT64_LEN);
    if (id.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }
    ngx_memcpy(id.data, app->app, TG_PROJ_ID_LEN);
    id.len = TG_PROJ_ID_LEN;
    ctx->app = id;
    p = ngx_sprintf(id.data + TG_PROJ_ID_LEN, "%L", app->record.app_id);
    ctx->app_num.data = id.data + TG_PROJ_ID_LEN;
    ctx->app_num.len = p - ctx->app_num.data;

    if (app->record.rate_rps > 0) {
        rc = ngx_http_tollgate_rate_take(
            mcf->zone, &ctx->app, app->record.rate_rps, app->record.rate_burst,
            now_ms, &retry);
        if (rc == NGX_BUSY) {
            p = ngx_pnalloc(r->pool, NGX_INT64_LEN);
            if (p == NULL) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }
            r->headers_out.content_length_n = 0;
            (void) ngx_http_tollgate_add_header(
                r, "Retry-After", p,
                ngx_sprintf(p, "%L", (retry + 999) / 1000) - p);
            return ngx_http_tollgate_failc(r, ctx, NGX_HTTP_TOO_MANY_REQUESTS,
                                           "Throttled by APP Flow Control");
        }
        if (rc != NGX_OK) {
            return ngx_http_tollgate_failc(r, ctx, NGX_HTTP_SERVICE_UNAVAILABLE,
                                           "Service Unavailable");
        }
    }

    if (lcf->strip && ngx_http_tollgate_strip(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->done = 1;
    ctx->rc = NGX_OK;
    return NGX_OK;
}


static ngx_int_t
ngx_http_tollgate_appcode(ngx_http_request_t *r, ngx_http_tollgate_ctx_t *ctx,
                          ngx_http_tollgate_loc_conf_t  *lcf,
                          ngx_http_tollgate_main_conf_t *mcf, tg_str_t code,
                          int64_t now_ms)
{
    ngx_http_tollgate_app_t app;
    uint8_t                 hash[TG_PROJ_HASH_LEN];
    tg_str_t                value, id;
    int                     found;

    ngx_str_set(&ctx->scheme, "appcode");

    if (tg_proj_code_key(mcf->key, code, hash) != TG_OK) {
        return ngx_http_tollgate_failc(r, ctx, NGX_HTTP_INTERNAL_SERVER_ERROR,
                                       "Internal Error");
    }

    found = ngx_http_tollgate_get(mcf->view, TG_PROJ_CODES, hash, sizeof(hash),
                                  &value)
            && tg_proj_code_decode(value, &id) == TG_OK;
    if (found) {
        ngx_memcpy(app.app, id.ptr, TG_PROJ_ID_LEN);
        found = ngx_http_tollgate_load_app(mcf->view, app.app, &app.record);
    }

    if (!found) {
        return ngx_http_tollgate_failc(r, ctx, NGX_HTTP_BAD_REQUEST,
                                       "Invalid AppCode `not exists`");
    }
    return ngx_http_tollgate_admit(r, ctx, lcf, mcf, &app, now_ms);
}


/* Builds the string to sign in the request's pool. */
static ngx_int_t
ngx_http_tollgate_sts(ngx_http_request_t *r, tg_xca_request_t *req,
                      tg_str_t *sts, tg_str_t *missing)
{
    tg_xca_buffers_t buf;
    tg_xca_need_t    need;
    int              rc;

    ngx_memzero(&buf, sizeof(buf));
    rc = tg_xca_string_to_sign(req, &buf, sts, &need, missing);
    if (rc == TG_EMISSING) {
        return NGX_DECLINED;
    }
    if (rc != TG_ENOSPC && rc != TG_OK) {
        return NGX_ERROR;
    }

    buf.pairs = ngx_palloc(r->pool, (need.pairs + 1) * sizeof(tg_xca_pair_t));
    buf.pairs_cap = need.pairs + 1;
    buf.scratch = ngx_pnalloc(r->pool, need.scratch + 1);
    buf.scratch_cap = need.scratch + 1;
    buf.out = ngx_pnalloc(r->pool, need.out + 1);
    buf.out_cap = need.out + 1;
    if (buf.pairs == NULL || buf.scratch == NULL || buf.out == NULL) {
        return NGX_ERROR;
    }

    rc = tg_xca_string_to_sign(req, &buf, sts, &need, missing);
    return rc == TG_OK ? NGX_OK : rc == TG_EMISSING ? NGX_DECLINED : NGX_ERROR;
}


/* Tries each secret of the key's record that has not expired. */
static ngx_int_t
ngx_http_tollgate_verify(ngx_http_tollgate_main_conf_t *mcf, tg_str_t app_key,
                         const tg_proj_key_t *k, tg_xca_method_t method,
                         tg_str_t sts, tg_str_t signature, int64_t now_ms,
                         ngx_uint_t *live)
{
    char      secret[TG_PROJ_SECRET_MAX];
    size_t    len, i;
    ngx_int_t rc = NGX_DECLINED;

    *live = 0;
    for (i = 0; i < k->nsecrets && rc != NGX_OK; i++) {
        if (k->secrets[i].expires_at != 0 && k->secrets[i].expires_at <= now_ms)
        {
            continue;
        }
        (*live)++;
        if (tg_proj_secret_open(mcf->key, app_key, k->secrets[i].sealed, secret,
                                &len)
            != TG_OK)
        {
            rc = NGX_ERROR;
            break;
        }
        if (tg_xca_verify(method, (tg_str_t){ secret, len }, sts, signature)
            == TG_OK) {
            rc = NGX_OK;
        }
        ngx_explicit_memzero(secret, sizeof(secret));
    }
    return rc;
}


/*
 * Looks the AppKey up.  k points into LMDB's memory, valid until the
 * request's read transaction ends.
 */
static int
ngx_http_tollgate_find_key(ngx_http_tollgate_main_conf_t *mcf, tg_str_t app_key,
                           tg_proj_key_t *k, ngx_http_tollgate_app_t *app)
{
    tg_str_t value;

    if (!ngx_http_tollgate_get(mcf->view, TG_PROJ_KEYS, app_key.ptr,
                               app_key.len, &value)
        || tg_proj_key_decode(value, k) != TG_OK)
    {
        return 0;
    }
    ngx_memcpy(app->app, k->app.ptr, TG_PROJ_ID_LEN);
    return ngx_http_tollgate_load_app(mcf->view, app->app, &app->record);
}


static ngx_int_t
ngx_http_tollgate_signature_failed(ngx_http_request_t      *r,
                                   ngx_http_tollgate_ctx_t *ctx, tg_str_t sts)
{
    size_t  len;
    u_char *msg;

    (void) tg_xca_sts_message(sts, NULL, 0, &len);
    msg = ngx_pnalloc(r->pool, len);
    if (msg == NULL
        || tg_xca_sts_message(sts, (char *) msg, len, &len) != TG_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }
    return ngx_http_tollgate_fail(r, ctx, NGX_HTTP_BAD_REQUEST, msg, len);
}


static ngx_int_t
ngx_http_tollgate_alibaba(ngx_http_request_t *r, ngx_http_tollgate_ctx_t *ctx,
                          ngx_http_tollgate_loc_conf_t  *lcf,
                          ngx_http_tollgate_main_conf_t *mcf, tg_str_t app_key,
                          tg_str_t body, int64_t now_ms)
{
    ngx_http_tollgate_app_t app;
    tg_xca_request_t        req;
    tg_xca_method_t         method;
    tg_proj_key_t           k;
    tg_str_t                signature, ts, nonce, sts, missing;
    ngx_str_t               key, n;
    ngx_uint_t              live;
    ngx_int_t               rc;
    int64_t                 nonce_until;
    u_char                 *q;
    int                     form;

    ngx_str_set(&ctx->scheme, "alibaba");
    ctx->app_key.data = (u_char *) app_key.ptr;
    ctx->app_key.len = app_key.len;

    signature = ngx_http_tollgate_value(r, "X-Ca-Signature");
    if (signature.ptr == NULL || signature.len == 0) {
        return ngx_http_tollgate_failc(r, ctx, NGX_HTTP_UNAUTHORIZED,
                                       "Empty Signature");
    }
    if (tg_xca_method_parse(ngx_http_tollgate_value(r, "X-Ca-Signature-Method"),
                            &method)
        != TG_OK)
    {
        return ngx_http_tollgate_failc(r, ctx, NGX_HTTP_BAD_REQUEST,
                                       "Invalid Signature Method");
    }

    /* A nonce is remembered until its request's timestamp leaves the
     * window (without a timestamp, for the skew): a replay after that
     * fails the timestamp check anyway. */
    nonce_until = now_ms + (int64_t) lcf->skew;

    ts = ngx_http_tollgate_value(r, "X-Ca-Timestamp");
    if (ts.ptr != NULL) {
        rc = tg_xca_timestamp_check(ts, now_ms, (int64_t) lcf->skew);
        if (rc == TG_ETIMESTAMP) {
            return ngx_http_tollgate_failc(r, ctx, NGX_HTTP_BAD_REQUEST,
                                           "Invalid Timestamp");
        }
        if (rc != TG_OK) {
            return ngx_http_tollgate_failc(r, ctx, NGX_HTTP_BAD_REQUEST,
                                           "Timestamp Expired");
        }
        nonce_until =
            ngx_atoof((u_char *) ts.ptr, ts.len) + (int64_t) lcf->skew;
    }

    if (!ngx_http_tollgate_find_key(mcf, app_key, &k, &app)) {
        return ngx_http_tollgate_failc(r, ctx, NGX_HTTP_BAD_REQUEST,
                                       "Invalid AppKey");
    }

    ngx_memzero(&req, sizeof(req));
    req.method = (tg_str_t){ (char *) r->method_name.data, r->method_name.len };
    req.accept = ngx_http_tollgate_value(r, "Accept");
    req.content_md5 = ngx_http_tollgate_value(r, "Content-MD5");
    req.content_type = ngx_http_tollgate_value(r, "Content-Type");
    req.date = ngx_http_tollgate_value(r, "Date");
    req.signature_headers =
        ngx_http_tollgate_value(r, "X-Ca-Signature-Headers");
    /* The path as sent: the request target up to '?'. */
    q = ngx_strlchr(r->unparsed_uri.data,
                    r->unparsed_uri.data + r->unparsed_uri.len, '?');
    req.path = (tg_str_t){ (char *) r->unparsed_uri.data,
                           q != NULL ? (size_t) (q - r->unparsed_uri.data)
                                     : r->unparsed_uri.len };
    req.query = (tg_str_t){ (char *) r->args.data, r->args.len };
    form = tg_xca_is_form(req.content_type);
    req.form = form ? body : (tg_str_t){ "", 0 };
    req.header = ngx_http_tollgate_header_fn;
    req.header_ctx = r;

    rc = ngx_http_tollgate_sts(r, &req, &sts, &missing);
    if (rc == NGX_DECLINED) {
        n.data = ngx_pnalloc(r->pool, missing.len + 32);
        if (n.data == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
        n.len = ngx_sprintf(n.data, "Header %*s is Required", missing.len,
                            missing.ptr)
                - n.data;
        return ngx_http_tollgate_fail(r, ctx, NGX_HTTP_BAD_REQUEST, n.data,
                                      n.len);
    }
    if (rc != NGX_OK) {
        return ngx_http_tollgate_failc(r, ctx, NGX_HTTP_INTERNAL_SERVER_ERROR,
                                       "Internal Error");
    }

    rc = ngx_http_tollgate_verify(mcf, app_key, &k, method, sts, signature,
                                  now_ms, &live);
    if (rc == NGX_ERROR) {
        return ngx_http_tollgate_failc(r, ctx, NGX_HTTP_INTERNAL_SERVER_ERROR,
                                       "Internal Error");
    }
    if (live == 0) {
        /* Only a secret whose grace has ended: the key is gone. */
        return ngx_http_tollgate_failc(r, ctx, NGX_HTTP_BAD_REQUEST,
                                       "Invalid AppKey");
    }
    if (rc != NGX_OK) {
        return ngx_http_tollgate_signature_failed(r, ctx, sts);
    }

    if (req.content_md5.ptr != NULL && !form
        && tg_xca_content_md5_check(req.content_md5, body) != TG_OK)
    {
        return ngx_http_tollgate_failc(r, ctx, NGX_HTTP_BAD_REQUEST,
                                       "Invalid Content-MD5");
    }

    /* The nonce is recorded only once the signature holds, so nobody can
     * burn another app's nonces. */
    nonce = ngx_http_tollgate_value(r, "X-Ca-Nonce");
    if (nonce.ptr != NULL && nonce.len > 0) {
        key.data = (u_char *) app_key.ptr;
        key.len = app_key.len;
        n.data = (u_char *) nonce.ptr;
        n.len = nonce.len;
        rc = ngx_http_tollgate_nonce_use(mcf->zone, &key, &n, now_ms,
                                         nonce_until);
        if (rc == NGX_DECLINED) {
            return ngx_http_tollgate_failc(r, ctx, NGX_HTTP_BAD_REQUEST,
                                           "Nonce Used");
        }
        if (rc != NGX_OK) {
            return ngx_http_tollgate_failc(r, ctx, NGX_HTTP_SERVICE_UNAVAILABLE,
                                           "Service Unavailable");
        }
    }

    return ngx_http_tollgate_admit(r, ctx, lcf, mcf, &app, now_ms);
}


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
 * Reads the body when the signature covers it.  Returns NGX_OK when it
 * is read (or not needed), NGX_DONE when nginx will call back, or a
 * status to end the request with.
 */
static ngx_int_t
ngx_http_tollgate_need_body(ngx_http_request_t *r, ngx_http_tollgate_ctx_t *ctx,
                            ngx_http_tollgate_loc_conf_t *lcf)
{
    tg_str_t  type, md5;
    ngx_int_t rc;

    if (ctx->body_read) {
        return NGX_OK;
    }
    type = ngx_http_tollgate_value(r, "Content-Type");
    md5 = ngx_http_tollgate_value(r, "Content-MD5");
    if (!tg_xca_is_form(type) && md5.ptr == NULL) {
        return NGX_OK;
    }
    if (r->headers_in.content_length_n > (off_t) lcf->body_max) {
        return ngx_http_tollgate_failc(r, ctx,
                                       NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                       "Request body too Large");
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
    return NGX_OK;
}


/*
 * Runs a scheme's checks inside the request's one LMDB read transaction:
 * Alibaba's signature when body is given (the AppKey is cred), else the
 * AppCode cred.  Every lookup of the request sees the same snapshot, and
 * the records it read stay valid until the transaction ends here.
 */
static ngx_int_t
ngx_http_tollgate_verify_in_txn(ngx_http_request_t            *r,
                                ngx_http_tollgate_ctx_t       *ctx,
                                ngx_http_tollgate_loc_conf_t  *lcf,
                                ngx_http_tollgate_main_conf_t *mcf,
                                tg_str_t cred, tg_str_t *body, int64_t now_ms)
{
    const char *reason;
    ngx_int_t   rc;

    rc = ngx_http_tollgate_begin(r, mcf->view, &reason);
    if (rc != NGX_OK) {
        return ngx_http_tollgate_failc(r, ctx, rc, reason);
    }

    rc = body != NULL
             ? ngx_http_tollgate_alibaba(r, ctx, lcf, mcf, cred, *body, now_ms)
             : ngx_http_tollgate_appcode(r, ctx, lcf, mcf, cred, now_ms);

    ngx_http_tollgate_end(mcf->view);
    return rc;
}


static ngx_int_t
ngx_http_tollgate_handler(ngx_http_request_t *r)
{
    ngx_http_tollgate_loc_conf_t  *lcf;
    ngx_http_tollgate_main_conf_t *mcf;
    ngx_http_tollgate_ctx_t       *ctx;
    ngx_time_t                    *tp;
    tg_str_t                       authz, app_key, body;
    ngx_str_t                      b;
    tg_str_t                       code;
    u_char                         qcode[NGX_TOLLGATE_CODE_MAX];
    size_t                         qlen;
    int64_t                        now_ms;
    ngx_int_t                      rc;
    int                            arc;

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

    tp = ngx_timeofday();
    now_ms = (int64_t) tp->sec * 1000 + tp->msec;

    /* AppCode in Authorization. */
    authz = ngx_http_tollgate_value(r, "Authorization");
    if (authz.ptr != NULL && (lcf->schemes & NGX_TOLLGATE_SCHEME_APPCODE)) {
        arc = tg_xca_appcode_from_header(authz, &code);
        if (arc == 1) {
            return ngx_http_tollgate_verify_in_txn(r, ctx, lcf, mcf, code, NULL,
                                                   now_ms);
        }
        if (arc != 0) {
            ngx_str_set(&ctx->scheme, "appcode");
            return ngx_http_tollgate_failc(r, ctx, NGX_HTTP_BAD_REQUEST,
                                           "Invalid AppCode");
        }
    }

    /* Alibaba's signature. */
    app_key = ngx_http_tollgate_value(r, "X-Ca-Key");
    if (app_key.ptr != NULL && (lcf->schemes & NGX_TOLLGATE_SCHEME_ALIBABA)) {
        if (app_key.len == 0) {
            return ngx_http_tollgate_failc(r, ctx, NGX_HTTP_BAD_REQUEST,
                                           "Invalid AppKey");
        }
        rc = ngx_http_tollgate_need_body(r, ctx, lcf);
        if (rc != NGX_OK) {
            return rc;
        }
        rc = ngx_http_tollgate_read_body(r, &b);
        body = (tg_str_t){ (const char *) b.data, b.len };
        if (rc == NGX_DECLINED) {
            return ngx_http_tollgate_failc(r, ctx,
                                           NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                           "Request body too Large");
        }
        if (rc != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
        return ngx_http_tollgate_verify_in_txn(r, ctx, lcf, mcf, app_key, &body,
                                               now_ms);
    }

    /* AppCode in the query, where the location allows it. */
    if ((lcf->schemes & NGX_TOLLGATE_SCHEME_APPCODE) && lcf->appcode_query) {
        arc = tg_xca_appcode_from_query(
            (tg_str_t){ (char *) r->args.data, r->args.len }, (char *) qcode,
            sizeof(qcode), &qlen);
        if (arc == 1) {
            return ngx_http_tollgate_verify_in_txn(
                r, ctx, lcf, mcf, (tg_str_t){ (char *) qcode, qlen }, NULL,
                now_ms);
        }
        if (arc != 0) {
            ngx_str_set(&ctx->scheme, "appcode");
            return ngx_http_tollgate_failc(r, ctx, NGX_HTTP_BAD_REQUEST,
                                           "Invalid AppCode");
        }
    }

    return ngx_http_tollgate_failc(r, ctx, NGX_HTTP_UNAUTHORIZED,
                                   "Empty Signature");
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


static ngx_int_t
ngx_http_tollgate_postconf(ngx_conf_t *cf)
{
    ngx_http_core_main_conf_t *cmcf;
    ngx_http_handler_pt       *h;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);
    h = ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }
    *h = ngx_http_tollgate_handler;
    return NGX_OK;
}
