/*
 * Tencent Cloud API Gateway's application authentication ("tencent"):
 *
 *   Authorization: hmac id="<ApiAppKey>", algorithm="hmac-sha1",
 *                  headers="x-date ...", signature="<base64>"
 *
 * The signing rules are lib/tencent_hmac.c's; this file adapts nginx's
 * request to them and answers failures with Tencent's 401 messages.
 * X-Date must be signed and within 900 seconds of the gateway's clock;
 * the path's environment prefix (/release, /prepub, /test) is the stage
 * the call asks for.  Every header the scheme reads, and every header the
 * client signs, must come once.  Tencent's scheme signs no nonce: a
 * captured call can be replayed until its X-Date leaves the window, as on
 * Tencent's gateway.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "tollgate/error.h"
#include "tollgate/tencent_hmac.h"
#include "ngx_http_tollgate_scheme.h"


enum {
    TC_AUTHORIZATION = 0,
    TC_X_DATE,
    TC_ACCEPT,
    TC_CONTENT_TYPE,
    TC_CONTENT_MD5
};

static const ngx_str_t ngx_http_tollgate_tencent_headers[] = {
    ngx_string("authorization"), ngx_string("x-date"),
    ngx_string("accept"),        ngx_string("content-type"),
    ngx_string("content-md5"),   ngx_null_string
};


/* Tencent's gateway's messages (Kong's hmac-auth wording), per reason. */
#define TC_XDATE_REQUIRED                                                   \
    "HMAC signature cannot be verified, a valid x-date header is required " \
    "for HMAC Authentication."

static ngx_str_t ngx_http_tollgate_tencent_messages[NGX_TOLLGATE_NREASONS] = {
    [NGX_TOLLGATE_NO_CREDENTIAL] = ngx_string("HMAC id or signature missing."),
    [NGX_TOLLGATE_AMBIGUOUS] =
        ngx_string("HMAC authorization headers is invalidate."),
    [NGX_TOLLGATE_DUPLICATE_HEADER] =
        ngx_string("HMAC do not support multiple HTTP header."),
    [NGX_TOLLGATE_REPEATED_PARAMETER] =
        ngx_string("HMAC signature cannot be verified, a parameter is sent "
                   "twice."),
    [NGX_TOLLGATE_MALFORMED_AUTH] =
        ngx_string("HMAC authorization format error."),
    [NGX_TOLLGATE_NO_SIGNATURE] = ngx_string("HMAC id or signature missing."),
    [NGX_TOLLGATE_BAD_METHOD] = ngx_string("HMAC algorithm not supported."),
    [NGX_TOLLGATE_UNKNOWN_KEY] =
        ngx_string("HMAC signature cannot be verified."),
    [NGX_TOLLGATE_BAD_SIGNATURE] =
        ngx_string("HMAC signature cannot be verified."),
    [NGX_TOLLGATE_SECRET_EXPIRED] =
        ngx_string("HMAC secret has expired, reset the application's key."),
    [NGX_TOLLGATE_CODE_EXPIRED] =
        ngx_string("HMAC secret has expired, reset the application's key."),
    [NGX_TOLLGATE_UNSIGNED_HEADER] = ngx_string(TC_XDATE_REQUIRED),
    [NGX_TOLLGATE_BAD_TIMESTAMP] = ngx_string(TC_XDATE_REQUIRED),
    [NGX_TOLLGATE_TIMESTAMP_EXPIRED] =
        ngx_string("HMAC signature cannot be verified, the x-date header is "
                   "out of date for HMAC Authentication."),
    [NGX_TOLLGATE_BAD_STAGE] = ngx_string("HMAC apikey is invalid for API."),
    [NGX_TOLLGATE_APP_DISABLED] = ngx_string("HMAC apikey is invalid for API."),
    [NGX_TOLLGATE_NOT_GRANTED] = ngx_string("HMAC apikey is invalid for API."),
    [NGX_TOLLGATE_GRANT_EXPIRED] =
        ngx_string("HMAC apikey is invalid for API."),
    [NGX_TOLLGATE_BODY_TOO_LARGE] = ngx_string("Request body is too large."),
    [NGX_TOLLGATE_THROTTLED] = ngx_string("API rate limit exceeded."),
    [NGX_TOLLGATE_INTERNAL] = ngx_string("An unexpected error occurred."),
    [NGX_TOLLGATE_UNAVAILABLE] = ngx_string("Service unavailable."),
    [NGX_TOLLGATE_PROJECTION_UNAVAILABLE] = ngx_string("Service unavailable."),
    [NGX_TOLLGATE_PROJECTION_STALE] = ngx_string("Service unavailable."),
};


static tg_str_t
ngx_http_tollgate_tencent_value(ngx_http_tollgate_call_t *call, ngx_uint_t i)
{
    return ngx_http_tollgate_header_value(call->headers[i]);
}


static ngx_int_t
ngx_http_tollgate_tencent_detect(ngx_http_tollgate_call_t *call)
{
    return call->headers[TC_AUTHORIZATION] != NULL
           && tg_tchmac_detect(
               ngx_http_tollgate_tencent_value(call, TC_AUTHORIZATION));
}


static ngx_int_t
ngx_http_tollgate_tencent_is_form(ngx_http_tollgate_call_t *call)
{
    return tg_tchmac_is_form(
        ngx_http_tollgate_tencent_value(call, TC_CONTENT_TYPE));
}


/* A form's parameters are signed. */
static ngx_int_t
ngx_http_tollgate_tencent_needs_body(ngx_http_tollgate_call_t *call)
{
    return ngx_http_tollgate_tencent_is_form(call);
}


/* A signed header's value: collected names first, then the request's.
 * Returns 1, 0 if absent, -1 if sent more than once. */
static ngx_int_t
ngx_http_tollgate_tencent_header(ngx_http_tollgate_call_t *call, tg_str_t name,
                                 tg_str_t *value)
{
    ngx_uint_t i;

    for (i = 0; ngx_http_tollgate_tencent_headers[i].len != 0; i++) {
        if (name.len == ngx_http_tollgate_tencent_headers[i].len
            && ngx_strncasecmp((u_char *) name.ptr,
                               ngx_http_tollgate_tencent_headers[i].data,
                               name.len)
                   == 0)
        {
            if (call->headers[i] == NULL) {
                return 0;
            }
            *value = ngx_http_tollgate_tencent_value(call, i);
            return 1;
        }
    }
    return ngx_http_tollgate_find_header(call->r, name, value);
}


/* The signed headers with their values; x-date must be among them. */
static ngx_int_t
ngx_http_tollgate_tencent_signed(ngx_http_tollgate_call_t *call, tg_str_t list,
                                 tg_tchmac_header_t *headers, size_t *n)
{
    tg_str_t   names[TG_TCHMAC_HEADERS_MAX];
    ngx_str_t  name;
    ngx_uint_t i, xdate = 0;
    ngx_int_t  rc;

    if (tg_tchmac_headers_parse(list, names, n) != TG_OK) {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_MALFORMED_AUTH,
                                        NULL);
    }

    for (i = 0; i < *n; i++) {
        headers[i].name = names[i];
        rc =
            ngx_http_tollgate_tencent_header(call, names[i], &headers[i].value);
        name.data = (u_char *) names[i].ptr;
        name.len = names[i].len;
        if (rc < 0) {
            return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_DUPLICATE_HEADER,
                                            &name);
        }
        if (rc == 0) {
            return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_MISSING_HEADER,
                                            &name);
        }
        xdate |= tg_str_eq_nocase(names[i], TG_STR("x-date"));
    }

    if (!xdate) {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_UNSIGNED_HEADER,
                                        NULL);
    }
    return NGX_OK;
}


/* The request as lib/tencent_hmac.c reads it. */
static void
ngx_http_tollgate_tencent_request(ngx_http_tollgate_call_t *call,
                                  const tg_tchmac_header_t *headers, size_t n,
                                  tg_tchmac_request_t *req)
{
    ngx_http_request_t *r = call->r;

    ngx_memzero(req, sizeof(*req));
    req->method =
        (tg_str_t){ (char *) r->method_name.data, r->method_name.len };
    req->accept = ngx_http_tollgate_tencent_value(call, TC_ACCEPT);
    req->content_type = ngx_http_tollgate_tencent_value(call, TC_CONTENT_TYPE);
    req->content_md5 = ngx_http_tollgate_tencent_value(call, TC_CONTENT_MD5);
    req->path = ngx_http_tollgate_request_path(r);
    req->query = (tg_str_t){ (char *) r->args.data, r->args.len };
    req->form = ngx_http_tollgate_tencent_is_form(call)
                    ? (tg_str_t){ (char *) call->body.data, call->body.len }
                    : (tg_str_t){ "", 0 };
    req->headers = headers;
    req->nheaders = n;
}


/* What a secret is checked against. */
typedef struct {
    tg_tchmac_alg_t alg;
    tg_str_t        sts;
    tg_str_t        signature;
} ngx_http_tollgate_tencent_check_t;


/* An ngx_http_tollgate_verify_pt. */
static ngx_int_t
ngx_http_tollgate_tencent_check(void *data, tg_str_t secret)
{
    ngx_http_tollgate_tencent_check_t *check = data;

    return tg_tchmac_verify(check->alg, secret, check->sts, check->signature)
                   == TG_OK
               ? NGX_OK
               : NGX_DECLINED;
}


/* The checks before any lookup: the headers' shape, the credential's
 * parts, the algorithm and X-Date. */
static ngx_int_t
ngx_http_tollgate_tencent_precheck(ngx_http_tollgate_call_t *call,
                                   tg_tchmac_auth_t *auth, tg_tchmac_alg_t *alg)
{
    ngx_uint_t i;
    int        rc;

    for (i = 0; ngx_http_tollgate_tencent_headers[i].len != 0; i++) {
        if (call->dup & ((uint32_t) 1 << i)) {
            return ngx_http_tollgate_refuse(
                call, NGX_TOLLGATE_DUPLICATE_HEADER,
                &ngx_http_tollgate_tencent_headers[i]);
        }
    }

    rc = tg_tchmac_auth_parse(
        ngx_http_tollgate_tencent_value(call, TC_AUTHORIZATION), auth);
    if (rc == TG_EMISSING) {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_NO_SIGNATURE, NULL);
    }
    if (rc != TG_OK) {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_MALFORMED_AUTH,
                                        NULL);
    }

    call->app_key.data = (u_char *) auth->id.ptr;
    call->app_key.len = auth->id.len;

    if (tg_tchmac_algorithm_parse(auth->algorithm, alg) != TG_OK) {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_BAD_METHOD, NULL);
    }

    if (call->headers[TC_X_DATE] == NULL) {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_BAD_TIMESTAMP, NULL);
    }
    rc = tg_tchmac_date_check(ngx_http_tollgate_tencent_value(call, TC_X_DATE),
                              call->now_ms, TG_TCHMAC_SKEW_MS);
    if (rc == TG_ESKEW) {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_TIMESTAMP_EXPIRED,
                                        NULL);
    }
    if (rc != TG_OK) {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_BAD_TIMESTAMP, NULL);
    }

    return NGX_OK;
}


/* Builds the string to sign in the request's pool. */
static ngx_int_t
ngx_http_tollgate_tencent_sts(ngx_http_tollgate_call_t  *call,
                              const tg_tchmac_request_t *req, tg_str_t *sts)
{
    tg_buf_t b = TG_BUF_INIT;
    u_char  *copy;
    int      rc;

    rc = tg_tchmac_string_to_sign(req, &b);
    if (rc == TG_EINVALID) {
        tg_buf_free(&b);
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_REPEATED_PARAMETER,
                                        NULL);
    }
    if (rc != TG_OK) {
        tg_buf_free(&b);
        return NGX_ERROR;
    }

    copy = ngx_pnalloc(call->r->pool, b.len > 0 ? b.len : 1);
    if (copy != NULL && b.len > 0) {
        ngx_memcpy(copy, b.ptr, b.len);
    }
    *sts = (tg_str_t){ (char *) copy, b.len };
    tg_buf_free(&b);
    return copy != NULL ? NGX_OK : NGX_ERROR;
}


static ngx_int_t
ngx_http_tollgate_tencent_verify(ngx_http_tollgate_call_t *call)
{
    static ngx_str_t   stages[] = { ngx_string("RELEASE"), ngx_string("PRE"),
                                    ngx_string("TEST") };
    tg_tchmac_header_t headers[TG_TCHMAC_HEADERS_MAX];
    ngx_http_tollgate_tencent_check_t check;
    tg_tchmac_request_t               req;
    tg_tchmac_auth_t                  auth;
    tg_tchmac_alg_t                   alg;
    tg_proj_key_t                     k;
    tg_str_t                          sts, path;
    const char                       *stage;
    ngx_uint_t                        live, i;
    size_t                            n;
    ngx_int_t                         rc;

    rc = ngx_http_tollgate_tencent_precheck(call, &auth, &alg);
    if (rc == NGX_OK) {
        rc = ngx_http_tollgate_tencent_signed(call, auth.headers, headers, &n);
    }
    if (rc != NGX_OK) {
        return rc;
    }

    if (!ngx_http_tollgate_find_key(call, auth.id, &k)) {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_UNKNOWN_KEY, NULL);
    }

    ngx_http_tollgate_tencent_request(call, headers, n, &req);
    rc = ngx_http_tollgate_tencent_sts(call, &req, &sts);
    if (rc != NGX_OK) {
        return rc == NGX_ERROR
                   ? ngx_http_tollgate_refuse(call, NGX_TOLLGATE_INTERNAL, NULL)
                   : rc;
    }

    check.alg = alg;
    check.sts = sts;
    check.signature = auth.signature;
    rc = ngx_http_tollgate_try_secrets(
        call, auth.id, &k, ngx_http_tollgate_tencent_check, &check, &live);
    if (rc == NGX_ERROR) {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_INTERNAL, NULL);
    }
    if (live == 0) {
        /* Only a secret whose grace has ended: the key is gone. */
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_UNKNOWN_KEY, NULL);
    }
    if (rc != NGX_OK) {
        return ngx_http_tollgate_refuse_mismatch(call, NULL);
    }

    /* The environment in the path is the stage asked for. */
    tg_tchmac_path(req.path, &path, &stage);
    for (i = 0; stage != NULL && i < sizeof(stages) / sizeof(stages[0]); i++) {
        if (ngx_strcmp(stage, stages[i].data) == 0) {
            call->stage = stages[i];
        }
    }
    return NGX_OK;
}


/* {"message":"..."}, as Tencent's gateway (Kong) answers a refusal. */
static ngx_int_t
ngx_http_tollgate_tencent_body(ngx_http_request_t *r, const ngx_str_t *message)
{
    static ngx_str_t type = ngx_string("application/json; charset=utf-8");
    ngx_str_t        body;
    u_char          *p;
    size_t           i;

    /* Messages are static, or hold a header name (a token): escaping is
     * for safety, each byte at most six. */
    body.data =
        ngx_pnalloc(r->pool, message->len * 6 + sizeof("{\"message\":\"\"}"));
    if (body.data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(body.data, "{\"message\":\"", sizeof("{\"message\":\"") - 1);
    for (i = 0; i < message->len; i++) {
        u_char c = message->data[i];

        if (c == '"' || c == '\\') {
            *p++ = '\\';
            *p++ = c;
        } else if (c < 0x20 || c == 0x7f) {
            p = ngx_sprintf(p, "\\u%04xd", (int) c);
        } else {
            *p++ = c;
        }
    }
    p = ngx_cpymem(p, "\"}", 2);
    body.len = (size_t) (p - body.data);

    return ngx_http_tollgate_failure_body(r, &type, &body);
}


/* Tencent's failure: the reason's message, and 401 for every refusal of
 * the credential or its authorization (413, 429 and 5xx stay). */
static ngx_int_t
ngx_http_tollgate_tencent_render(ngx_http_request_t                *r,
                                 const ngx_http_tollgate_failure_t *f,
                                 ngx_uint_t *status, ngx_str_t *message)
{
    u_char *p;

    (void) r;

    if (f->reason == NGX_TOLLGATE_MISSING_HEADER && f->detail.len > 0) {
        /* "..., a valid <name> header is required." */
        p = ngx_pnalloc(r->pool, f->detail.len + 64);
        if (p == NULL) {
            return NGX_ERROR;
        }
        message->data = p;
        message->len = ngx_sprintf(p,
                                   "HMAC signature cannot be verified, a "
                                   "valid %V header is required.",
                                   &f->detail)
                       - p;
    } else if (f->reason < NGX_TOLLGATE_NREASONS
               && ngx_http_tollgate_tencent_messages[f->reason].len != 0)
    {
        *message = ngx_http_tollgate_tencent_messages[f->reason];
    } else {
        *message = ngx_http_tollgate_tencent_messages[NGX_TOLLGATE_INTERNAL];
    }

    if (*status == NGX_HTTP_BAD_REQUEST || *status == NGX_HTTP_FORBIDDEN) {
        *status = NGX_HTTP_UNAUTHORIZED;
    }
    return ngx_http_tollgate_tencent_body(r, message);
}


const ngx_http_tollgate_scheme_t ngx_http_tollgate_tencent_scheme = {
    ngx_string("tencent"),
    ngx_http_tollgate_tencent_headers,
    (uint32_t) 1 << TC_AUTHORIZATION,
    ngx_http_tollgate_tencent_detect,
    ngx_http_tollgate_tencent_needs_body,
    ngx_http_tollgate_tencent_verify,
    ngx_http_tollgate_tencent_render
};
