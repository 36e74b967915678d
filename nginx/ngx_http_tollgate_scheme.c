/*
 * The scheme table, the table of failure reasons, and the one pass over
 * the request's headers that collects what the schemes read (see the
 * header).
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_tollgate_scheme.h"


/* The order is the precedence of the answer when no credential is found:
 * the first scheme a location accepts renders it. */
const ngx_http_tollgate_scheme_t *const ngx_http_tollgate_scheme_table[] = {
    &ngx_http_tollgate_xca_scheme,
    &ngx_http_tollgate_appcode_scheme,
    &ngx_http_tollgate_tencent_scheme,
    &ngx_http_tollgate_huawei_scheme,
    &ngx_http_tollgate_huawei_appcode_scheme,
    NULL
};


typedef struct {
    ngx_uint_t status;
    ngx_str_t  message;
} ngx_http_tollgate_reason_t;

#define NGX_TOLLGATE_REASON_ROW(name, status, message) \
    { status, ngx_string(message) },

static const ngx_http_tollgate_reason_t ngx_http_tollgate_reasons[] = {
    NGX_TOLLGATE_REASONS(NGX_TOLLGATE_REASON_ROW)
};

#undef NGX_TOLLGATE_REASON_ROW


ngx_uint_t
ngx_http_tollgate_reason_status(ngx_uint_t reason)
{
    return reason < NGX_TOLLGATE_NREASONS
               ? ngx_http_tollgate_reasons[reason].status
               : NGX_HTTP_INTERNAL_SERVER_ERROR;
}


const ngx_str_t *
ngx_http_tollgate_reason_message(ngx_uint_t reason)
{
    if (reason >= NGX_TOLLGATE_NREASONS) {
        reason = NGX_TOLLGATE_INTERNAL;
    }
    return &ngx_http_tollgate_reasons[reason].message;
}


/* The index's buckets (a power of two): the table's names are about 30. */
#define NGX_TOLLGATE_NAME_BUCKETS 64

/* One name and the schemes that read it, each at its index in its list. */
typedef struct ngx_http_tollgate_name_s ngx_http_tollgate_name_t;

struct ngx_http_tollgate_name_s {
    const ngx_str_t          *name;       /* lower case */
    ngx_http_tollgate_name_t *next;       /* in its bucket */
    ngx_uint_t                credential; /* a scheme's credential header */
    ngx_uint_t                nreaders;
    struct {
        ngx_uint_t scheme;
        ngx_uint_t index;
    } readers[NGX_TOLLGATE_SCHEMES_MAX];
};

struct ngx_http_tollgate_names_s {
    ngx_http_tollgate_name_t *buckets[NGX_TOLLGATE_NAME_BUCKETS];
};


/* A name's bucket: from its length and two of its bytes, lower case. */
static ngx_uint_t
ngx_http_tollgate_name_bucket(const u_char *lower, size_t len)
{
    return (len * 7 + lower[len - 1] + lower[len / 2] * 3)
           & (NGX_TOLLGATE_NAME_BUCKETS - 1);
}


ngx_http_tollgate_names_t *
ngx_http_tollgate_names_create(ngx_conf_t *cf)
{
    const ngx_http_tollgate_scheme_t *scheme;
    ngx_http_tollgate_names_t        *names;
    ngx_http_tollgate_name_t         *n;
    const ngx_str_t                  *name;
    ngx_uint_t                        s, i, b;

    names = ngx_pcalloc(cf->pool, sizeof(ngx_http_tollgate_names_t));
    if (names == NULL) {
        return NULL;
    }
    for (s = 0; ngx_http_tollgate_scheme_table[s] != NULL; s++) {
        scheme = ngx_http_tollgate_scheme_table[s];
        for (i = 0; scheme->headers[i].len != 0; i++) {
            name = &scheme->headers[i];
            b = ngx_http_tollgate_name_bucket(name->data, name->len);
            for (n = names->buckets[b]; n != NULL; n = n->next) {
                if (n->name->len == name->len
                    && ngx_memcmp(n->name->data, name->data, name->len) == 0)
                {
                    break;
                }
            }
            if (n == NULL) {
                n = ngx_pcalloc(cf->pool, sizeof(ngx_http_tollgate_name_t));
                if (n == NULL) {
                    return NULL;
                }
                n->name = name;
                n->next = names->buckets[b];
                names->buckets[b] = n;
            }
            n->credential |= (scheme->credentials >> i) & 1;
            /* a name a scheme lists twice is its first index's */
            if (n->nreaders > 0 && n->readers[n->nreaders - 1].scheme == s) {
                continue;
            }
            n->readers[n->nreaders].scheme = s;
            n->readers[n->nreaders].index = i;
            n->nreaders++;
        }
    }
    return names;
}


/* The schemes' entry of a request header, or NULL if none reads it. */
static const ngx_http_tollgate_name_t *
ngx_http_tollgate_name_find(const ngx_http_tollgate_names_t *names,
                            ngx_table_elt_t                 *h)
{
    const ngx_http_tollgate_name_t *n;

    if (h->key.len == 0) {
        return NULL;
    }
    n = names->buckets[ngx_http_tollgate_name_bucket(h->lowcase_key,
                                                     h->key.len)];
    for (/* void */; n != NULL; n = n->next) {
        if (n->name->len == h->key.len
            && ngx_memcmp(n->name->data, h->lowcase_key, h->key.len) == 0)
        {
            return n;
        }
    }
    return NULL;
}


ngx_uint_t
ngx_http_tollgate_is_credential(const ngx_http_tollgate_names_t *names,
                                const ngx_http_tollgate_creds_t *creds,
                                ngx_table_elt_t                 *h)
{
    const ngx_http_tollgate_name_t *n;
    ngx_uint_t                      i;

    if (creds->n <= NGX_TOLLGATE_CREDS_MAX) {
        for (i = 0; i < creds->n; i++) {
            if (creds->h[i] == h) {
                return 1;
            }
        }
        return 0;
    }

    n = h->hash != 0 ? ngx_http_tollgate_name_find(names, h) : NULL;
    return n != NULL && n->credential;
}


void
ngx_http_tollgate_collect_headers(ngx_http_request_t              *r,
                                  const ngx_http_tollgate_names_t *names,
                                  ngx_uint_t                       mask,
                                  ngx_http_tollgate_call_t        *calls,
                                  ngx_http_tollgate_creds_t       *creds)
{
    ngx_list_part_t                *part = &r->headers_in.headers.part;
    ngx_table_elt_t                *h = part->elts;
    const ngx_http_tollgate_name_t *n;
    ngx_http_tollgate_call_t       *call;
    ngx_uint_t                      i, k, idx;

    creds->n = 0;
    for (i = 0; /* void */; i++) {
        if (i >= part->nelts) {
            if (part->next == NULL) {
                return;
            }
            part = part->next;
            h = part->elts;
            i = 0;
        }
        if (h[i].hash == 0) {
            continue;
        }
        n = ngx_http_tollgate_name_find(names, &h[i]);
        if (n == NULL) {
            continue;
        }
        if (n->credential) {
            if (creds->n < NGX_TOLLGATE_CREDS_MAX) {
                creds->h[creds->n] = &h[i];
            }
            creds->n++;
        }
        for (k = 0; k < n->nreaders; k++) {
            if (!(mask & ((ngx_uint_t) 1 << n->readers[k].scheme))) {
                continue;
            }
            call = &calls[n->readers[k].scheme];
            idx = n->readers[k].index;
            if (call->headers[idx] == NULL) {
                call->headers[idx] = &h[i];
            } else {
                call->dup |= (uint32_t) 1 << idx;
            }
        }
    }
}


tg_str_t
ngx_http_tollgate_header_value(ngx_table_elt_t *h)
{
    if (h == NULL) {
        return (tg_str_t){ NULL, 0 };
    }
    return (tg_str_t){ (const char *) h->value.data, h->value.len };
}


ngx_int_t
ngx_http_tollgate_find_header(ngx_http_request_t *r, tg_str_t name,
                              tg_str_t *value)
{
    ngx_list_part_t *part = &r->headers_in.headers.part;
    ngx_table_elt_t *h = part->elts;
    ngx_uint_t       i;
    ngx_int_t        found = 0;

    for (i = 0; /* void */; i++) {
        if (i >= part->nelts) {
            if (part->next == NULL) {
                return found;
            }
            part = part->next;
            h = part->elts;
            i = 0;
        }
        if (h[i].hash == 0 || h[i].key.len != name.len
            || ngx_strncasecmp(h[i].key.data, (u_char *) name.ptr, name.len)
                   != 0)
        {
            continue;
        }
        if (found) {
            return -1;
        }
        *value = ngx_http_tollgate_header_value(&h[i]);
        found = 1;
    }
}


ngx_int_t
ngx_http_tollgate_refuse(ngx_http_tollgate_call_t *call, ngx_uint_t reason,
                         const ngx_str_t *detail)
{
    call->failure.reason = reason;
    if (detail != NULL) {
        call->failure.detail = *detail;
    } else {
        ngx_str_null(&call->failure.detail);
    }
    return NGX_DECLINED;
}


ngx_int_t
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


tg_str_t
ngx_http_tollgate_request_path(ngx_http_request_t *r)
{
    return tg_uri_path(
        (tg_str_t){ (const char *) r->unparsed_uri.data, r->unparsed_uri.len });
}


ngx_int_t
ngx_http_tollgate_secret_aged(const ngx_http_tollgate_call_t *call,
                              const tg_proj_secret_t         *s)
{
    return s->aged_at != 0 && s->aged_at <= call->now_ms;
}


ngx_int_t
ngx_http_tollgate_refuse_mismatch(ngx_http_tollgate_call_t *call,
                                  const ngx_str_t          *detail)
{
    return call->aged
               ? ngx_http_tollgate_refuse(call, NGX_TOLLGATE_SECRET_EXPIRED,
                                          NULL)
               : ngx_http_tollgate_refuse(call, NGX_TOLLGATE_BAD_SIGNATURE,
                                          detail);
}


ngx_int_t
ngx_http_tollgate_try_secrets(ngx_http_tollgate_call_t *call, tg_str_t app_key,
                              const tg_proj_key_t        *k,
                              ngx_http_tollgate_verify_pt verify, void *data,
                              ngx_uint_t *live)
{
    char      secret[TG_PROJ_SECRET_MAX];
    size_t    len, i;
    ngx_int_t rc = NGX_DECLINED;

    *live = 0;
    for (i = 0; i < k->nsecrets && rc == NGX_DECLINED; i++) {
        if (k->secrets[i].expires_at != 0
            && k->secrets[i].expires_at <= call->now_ms) {
            continue;
        }
        (*live)++;
        if (ngx_http_tollgate_open_secret(call, app_key, k->secrets[i].sealed,
                                          secret, &len)
            != NGX_OK)
        {
            rc = NGX_ERROR;
            break;
        }
        rc = verify(data, (tg_str_t){ secret, len });
        if (rc == NGX_OK && ngx_http_tollgate_secret_aged(call, &k->secrets[i]))
        {
            call->aged = 1;
            rc = NGX_DECLINED;
        }
    }

    ngx_explicit_memzero(secret, sizeof(secret));
    return rc;
}


ngx_int_t
ngx_http_tollgate_spend_nonce(ngx_http_tollgate_call_t *call, tg_str_t key,
                              tg_str_t nonce, int64_t ts_ms, int64_t expires_ms)
{
    switch (ngx_http_tollgate_use_nonce(call, key, nonce, ts_ms, expires_ms)) {
    case NGX_OK:
        return NGX_OK;
    case NGX_DECLINED:
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_NONCE_USED, NULL);
    case NGX_ABORT:
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_BAD_NONCE, NULL);
    default:
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_UNAVAILABLE, NULL);
    }
}
