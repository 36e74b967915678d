/*
 * Alibaba's X-Ca-* signature scheme ("alibaba"): the descriptor, its
 * checks in the gateway's order, and the failure shape of Alibaba's
 * gateway (X-Ca-Error-Message and X-Ca-Request-Id), which AppCode shares,
 * with the same two as a small JSON body in the keys of Alibaba's JSON
 * errors: {"Message":"...","RequestId":"..."}.
 *
 * The signing rules are lib/xca.c's; this file adapts nginx's request to
 * them.  Replay protection does not depend on the client: a timestamp or
 * nonce that is sent must be signed (else a replay could send fresh
 * unsigned ones), and a location requires both unless
 * `tollgate_replay_headers optional`.  Every header the scheme reads, and
 * every header the client signs, must come once.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "tollgate/error.h"
#include "tollgate/xca.h"
#include "ngx_http_tollgate_scheme.h"


/* Indexes into the names below. */
enum {
    XCA_KEY = 0,
    XCA_SIGNATURE,
    XCA_METHOD,
    XCA_SIGNATURE_HEADERS,
    XCA_TIMESTAMP,
    XCA_NONCE,
    XCA_STAGE,
    XCA_ACCEPT,
    XCA_CONTENT_MD5,
    XCA_CONTENT_TYPE,
    XCA_DATE
};

static const ngx_str_t ngx_http_tollgate_xca_headers[] = {
    ngx_string("x-ca-key"),
    ngx_string("x-ca-signature"),
    ngx_string("x-ca-signature-method"),
    ngx_string("x-ca-signature-headers"),
    ngx_string("x-ca-timestamp"),
    ngx_string("x-ca-nonce"),
    ngx_string("x-ca-stage"),
    ngx_string("accept"),
    ngx_string("content-md5"),
    ngx_string("content-type"),
    ngx_string("date"),
    ngx_null_string
};

/* The same names as Alibaba's documentation spells them, for messages. */
static const ngx_str_t ngx_http_tollgate_xca_spelled[] = {
    ngx_string("X-Ca-Key"),
    ngx_string("X-Ca-Signature"),
    ngx_string("X-Ca-Signature-Method"),
    ngx_string("X-Ca-Signature-Headers"),
    ngx_string("X-Ca-Timestamp"),
    ngx_string("X-Ca-Nonce"),
    ngx_string("X-Ca-Stage"),
    ngx_string("Accept"),
    ngx_string("Content-MD5"),
    ngx_string("Content-Type"),
    ngx_string("Date")
};


static tg_str_t
ngx_http_tollgate_xca_value(ngx_http_tollgate_call_t *call, ngx_uint_t i)
{
    return ngx_http_tollgate_header_value(call->headers[i]);
}


static ngx_int_t
ngx_http_tollgate_xca_detect(ngx_http_tollgate_call_t *call)
{
    return call->headers[XCA_KEY] != NULL;
}


/* The body is signed through a form's parameters or a Content-MD5. */
static ngx_int_t
ngx_http_tollgate_xca_needs_body(ngx_http_tollgate_call_t *call)
{
    return tg_xca_is_form(ngx_http_tollgate_xca_value(call, XCA_CONTENT_TYPE))
           || call->headers[XCA_CONTENT_MD5] != NULL;
}


/* The xca library's header callback: collected names first, then any
 * other name the client signed. */
static int
ngx_http_tollgate_xca_header_fn(void *data, tg_str_t name, tg_str_t *value)
{
    ngx_http_tollgate_call_t *call = data;
    ngx_uint_t                i;

    /* The names are lower-case: the length first, then the bytes. */
    for (i = 0; ngx_http_tollgate_xca_headers[i].len != 0; i++) {
        if (name.len == ngx_http_tollgate_xca_headers[i].len
            && ngx_http_tollgate_name_is(
                (const u_char *) name.ptr,
                (const char *) ngx_http_tollgate_xca_headers[i].data, name.len))
        {
            if (call->headers[i] == NULL) {
                return 0;
            }
            if (call->dup & ((uint32_t) 1 << i)) {
                return -1;
            }
            call->signed_ |= (uint32_t) 1 << i;
            *value = ngx_http_tollgate_xca_value(call, i);
            return 1;
        }
    }
    return (int) ngx_http_tollgate_find_header(call->r, name, value);
}


/*
 * The location may require the timestamp and the nonce (a required nonce
 * must not be empty either).  Returns NGX_OK, or NGX_DECLINED with the
 * failure set.  Whether those sent are signed is known once the string
 * to sign is built (ngx_http_tollgate_xca_replay_signed()).
 */
static ngx_int_t
ngx_http_tollgate_xca_replay_headers(ngx_http_tollgate_call_t *call)
{
    static const ngx_uint_t replay[] = { XCA_TIMESTAMP, XCA_NONCE };
    ngx_uint_t              i;

    if (call->settings->replay_headers != NGX_TOLLGATE_REPLAY_REQUIRED) {
        return NGX_OK;
    }
    for (i = 0; i < sizeof(replay) / sizeof(replay[0]); i++) {
        if (call->headers[replay[i]] == NULL) {
            return ngx_http_tollgate_refuse(
                call, NGX_TOLLGATE_MISSING_HEADER,
                &ngx_http_tollgate_xca_spelled[replay[i]]);
        }
    }
    if (call->headers[XCA_NONCE]->value.len == 0) {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_BAD_NONCE, NULL);
    }
    return NGX_OK;
}


/*
 * A timestamp or nonce that is sent must be signed, else a replay could
 * carry fresh ones: the string to sign (its header callback) notes each
 * collected header it took.  Returns NGX_OK, or NGX_DECLINED with the
 * failure set.
 */
static ngx_int_t
ngx_http_tollgate_xca_replay_signed(ngx_http_tollgate_call_t *call)
{
    static const ngx_uint_t replay[] = { XCA_TIMESTAMP, XCA_NONCE };
    ngx_uint_t              i;

    for (i = 0; i < sizeof(replay) / sizeof(replay[0]); i++) {
        if (call->headers[replay[i]] != NULL
            && !(call->signed_ & ((uint32_t) 1 << replay[i])))
        {
            return ngx_http_tollgate_refuse(
                call, NGX_TOLLGATE_UNSIGNED_HEADER,
                &ngx_http_tollgate_xca_spelled[replay[i]]);
        }
    }
    return NGX_OK;
}


/*
 * Room for the string to sign of a usual request, in verify's frame: a
 * request that needs more gets it from the pool.  The string lives as
 * long as the frame; a mismatch copies it to the pool for the message.
 */
#define NGX_TOLLGATE_XCA_PAIRS   16
#define NGX_TOLLGATE_XCA_SCRATCH 512
#define NGX_TOLLGATE_XCA_OUT     1024

typedef struct {
    tg_xca_pair_t pairs[NGX_TOLLGATE_XCA_PAIRS];
    char          scratch[NGX_TOLLGATE_XCA_SCRATCH];
    char          out[NGX_TOLLGATE_XCA_OUT];
} ngx_http_tollgate_xca_room_t;


/* Builds the string to sign in room, or in the request's pool if it
 * does not fit (the library then measures it first). */
static ngx_int_t
ngx_http_tollgate_xca_sts(ngx_http_tollgate_call_t *call, tg_xca_request_t *req,
                          ngx_http_tollgate_xca_room_t *room, tg_str_t *sts)
{
    ngx_http_request_t *r = call->r;
    tg_xca_buffers_t    buf;
    tg_xca_need_t       need;
    tg_str_t            culprit = { NULL, 0 };
    ngx_str_t           name;
    int                 rc;

    buf.pairs = room->pairs;
    buf.pairs_cap = NGX_TOLLGATE_XCA_PAIRS;
    buf.scratch = room->scratch;
    buf.scratch_cap = NGX_TOLLGATE_XCA_SCRATCH;
    buf.out = room->out;
    buf.out_cap = NGX_TOLLGATE_XCA_OUT;
    rc = tg_xca_string_to_sign(req, &buf, sts, &need, &culprit);
    if (rc == TG_ENOSPC) {
        buf.pairs =
            ngx_palloc(r->pool, (need.pairs + 1) * sizeof(tg_xca_pair_t));
        buf.pairs_cap = need.pairs + 1;
        buf.scratch = ngx_pnalloc(r->pool, need.scratch + 1);
        buf.scratch_cap = need.scratch + 1;
        buf.out = ngx_pnalloc(r->pool, need.out + 1);
        buf.out_cap = need.out + 1;
        if (buf.pairs == NULL || buf.scratch == NULL || buf.out == NULL) {
            return NGX_ERROR;
        }
        rc = tg_xca_string_to_sign(req, &buf, sts, &need, &culprit);
    }

    name.data = (u_char *) culprit.ptr;
    name.len = culprit.len;

    switch (rc) {
    case TG_OK:
        return NGX_OK;
    case TG_EMISSING:
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_MISSING_HEADER,
                                        &name);
    case TG_ECONFLICT:
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_DUPLICATE_HEADER,
                                        &name);
    case TG_EINVALID:
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_REPEATED_PARAMETER,
                                        NULL);
    default:
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_INTERNAL, NULL);
    }
}


/*
 * Tries each secret of the key's record that has not expired, each keyed
 * once per worker (ngx_http_tollgate_secret_mac()).  Returns NGX_OK if
 * one verifies, NGX_DECLINED if none does, NGX_ERROR if a secret does not
 * open; *live counts the secrets tried.
 */
static ngx_int_t
ngx_http_tollgate_xca_check(ngx_http_tollgate_call_t *call, tg_str_t app_key,
                            const tg_proj_key_t *k, tg_xca_method_t method,
                            tg_str_t sts, tg_str_t signature, ngx_uint_t *live)
{
    tg_hmac_t *mac;
    size_t     i;
    ngx_int_t  rc = NGX_DECLINED;

    *live = 0;
    for (i = 0; i < k->nsecrets && rc != NGX_OK; i++) {
        if (k->secrets[i].expires_at != 0
            && k->secrets[i].expires_at <= call->now_ms) {
            continue;
        }
        (*live)++;
        if (ngx_http_tollgate_secret_mac(call, app_key, k->secrets[i].sealed,
                                         tg_xca_hmac_alg(method), &mac)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
        if (tg_xca_verify_mac(mac, sts, signature) == TG_OK) {
            if (ngx_http_tollgate_secret_aged(call, &k->secrets[i])) {
                call->aged = 1;
            } else {
                rc = NGX_OK;
            }
        }
    }
    return rc;
}


/* The request as lib/xca.c reads it. */
static void
ngx_http_tollgate_xca_request(ngx_http_tollgate_call_t *call,
                              tg_xca_request_t         *req)
{
    ngx_http_request_t *r = call->r;

    ngx_memzero(req, sizeof(*req));
    req->method =
        (tg_str_t){ (char *) r->method_name.data, r->method_name.len };
    req->accept = ngx_http_tollgate_xca_value(call, XCA_ACCEPT);
    req->content_md5 = ngx_http_tollgate_xca_value(call, XCA_CONTENT_MD5);
    req->content_type = ngx_http_tollgate_xca_value(call, XCA_CONTENT_TYPE);
    req->date = ngx_http_tollgate_xca_value(call, XCA_DATE);
    req->signature_headers =
        ngx_http_tollgate_xca_value(call, XCA_SIGNATURE_HEADERS);
    req->path = ngx_http_tollgate_request_path(r);
    req->query = (tg_str_t){ (char *) r->args.data, r->args.len };
    req->form = tg_xca_is_form(req->content_type)
                    ? (tg_str_t){ (char *) call->body.data, call->body.len }
                    : (tg_str_t){ "", 0 };
    req->header = ngx_http_tollgate_xca_header_fn;
    req->header_ctx = call;
}


/* The checks before any lookup: the headers' shape.  Sets *at to the
 * timestamp, or -1 if there is none. */
static ngx_int_t
ngx_http_tollgate_xca_precheck(ngx_http_tollgate_call_t *call,
                               tg_xca_method_t *method, int64_t *at)
{
    ngx_uint_t i;
    tg_str_t   ts;
    int        rc;

    for (i = 0; ngx_http_tollgate_xca_headers[i].len != 0; i++) {
        if (call->dup & ((uint32_t) 1 << i)) {
            return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_DUPLICATE_HEADER,
                                            &ngx_http_tollgate_xca_spelled[i]);
        }
    }

    if (call->app_key.len == 0) {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_UNKNOWN_KEY, NULL);
    }
    if (ngx_http_tollgate_xca_value(call, XCA_SIGNATURE).len == 0) {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_NO_SIGNATURE, NULL);
    }
    if (tg_xca_method_parse(ngx_http_tollgate_xca_value(call, XCA_METHOD),
                            method)
        != TG_OK)
    {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_BAD_METHOD, NULL);
    }

    if (ngx_http_tollgate_xca_replay_headers(call) != NGX_OK) {
        return NGX_DECLINED;
    }

    ts = ngx_http_tollgate_xca_value(call, XCA_TIMESTAMP);
    if (ts.ptr != NULL) {
        rc = tg_xca_timestamp_check(ts, call->now_ms,
                                    (int64_t) call->settings->skew, at);
        if (rc != TG_OK) {
            return ngx_http_tollgate_refuse(
                call,
                rc == TG_ETIMESTAMP ? NGX_TOLLGATE_BAD_TIMESTAMP
                                    : NGX_TOLLGATE_TIMESTAMP_EXPIRED,
                NULL);
        }
    }
    return NGX_OK;
}


/*
 * Records the nonce, once the signature holds (so that nobody can burn
 * another app's nonces), until its request's timestamp leaves the window
 * (without a timestamp, for the skew): a replay after that fails the
 * timestamp check anyway.
 */
static ngx_int_t
ngx_http_tollgate_xca_nonce(ngx_http_tollgate_call_t *call, int64_t at)
{
    tg_str_t nonce;

    nonce = ngx_http_tollgate_xca_value(call, XCA_NONCE);
    if (nonce.len == 0) {
        return NGX_OK;
    }

    return ngx_http_tollgate_spend_nonce(
        call, (tg_str_t){ (char *) call->app_key.data, call->app_key.len },
        nonce, at,
        (at >= 0 ? at : call->now_ms) + (int64_t) call->settings->skew);
}


static ngx_int_t
ngx_http_tollgate_xca_verify(ngx_http_tollgate_call_t *call)
{
    ngx_http_tollgate_xca_room_t room;
    tg_xca_request_t             req;
    tg_xca_method_t              method;
    tg_proj_key_t                k;
    tg_str_t                     app_key, sts;
    ngx_str_t                    detail;
    ngx_uint_t                   live;
    ngx_int_t                    rc;
    int64_t                      at = -1;

    call->app_key = call->headers[XCA_KEY]->value;
    app_key = (tg_str_t){ (char *) call->app_key.data, call->app_key.len };

    rc = ngx_http_tollgate_xca_precheck(call, &method, &at);
    if (rc != NGX_OK) {
        return rc;
    }
    if (call->headers[XCA_NONCE] != NULL) {
        ngx_http_tollgate_prefetch_nonce(
            call, app_key, ngx_http_tollgate_xca_value(call, XCA_NONCE), at);
    }

    if (!ngx_http_tollgate_find_key(call, app_key, &k)) {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_UNKNOWN_KEY, NULL);
    }

    ngx_http_tollgate_xca_request(call, &req);
    rc = ngx_http_tollgate_xca_sts(call, &req, &room, &sts);
    if (rc != NGX_OK) {
        return rc;
    }
    if (ngx_http_tollgate_xca_replay_signed(call) != NGX_OK) {
        return NGX_DECLINED;
    }

    rc = ngx_http_tollgate_xca_check(
        call, app_key, &k, method, sts,
        ngx_http_tollgate_xca_value(call, XCA_SIGNATURE), &live);
    if (rc == NGX_ERROR) {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_INTERNAL, NULL);
    }
    if (live == 0) {
        /* Only a secret whose grace has ended: the key is gone. */
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_UNKNOWN_KEY, NULL);
    }
    if (rc != NGX_OK) {
        /* The message is rendered after verify returns: from the pool. */
        detail.data = ngx_pnalloc(call->r->pool, sts.len);
        if (detail.data == NULL) {
            return NGX_ERROR;
        }
        detail.len = sts.len;
        ngx_memcpy(detail.data, sts.ptr, sts.len);
        return ngx_http_tollgate_refuse_mismatch(call, &detail);
    }

    if (req.content_md5.ptr != NULL && !tg_xca_is_form(req.content_type)
        && tg_xca_content_md5_check(
               req.content_md5,
               (tg_str_t){ (char *) call->body.data, call->body.len })
               != TG_OK)
    {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_BAD_DIGEST, NULL);
    }

    rc = ngx_http_tollgate_xca_nonce(call, at);
    if (rc != NGX_OK) {
        return rc;
    }

    if (call->headers[XCA_STAGE] != NULL) {
        call->stage = call->headers[XCA_STAGE]->value;
    }
    return NGX_OK;
}


/* ---- Alibaba's failure shape ------------------------------------------ */


/* Alibaba's X-Ca-Error-Message for each reason that has a fixed one. */
static ngx_str_t ngx_http_tollgate_xca_messages[NGX_TOLLGATE_NREASONS] = {
    [NGX_TOLLGATE_NO_CREDENTIAL] = ngx_string("Empty Signature"),
    [NGX_TOLLGATE_AMBIGUOUS] = ngx_string("Ambiguous Credentials"),
    [NGX_TOLLGATE_REPEATED_PARAMETER] = ngx_string("Repeated Parameter"),
    [NGX_TOLLGATE_MALFORMED_CODE] = ngx_string("Invalid AppCode"),
    [NGX_TOLLGATE_UNKNOWN_KEY] = ngx_string("Invalid AppKey"),
    [NGX_TOLLGATE_UNKNOWN_CODE] = ngx_string("Invalid AppCode `not exists`"),
    [NGX_TOLLGATE_NO_SIGNATURE] = ngx_string("Empty Signature"),
    [NGX_TOLLGATE_BAD_METHOD] = ngx_string("Invalid Signature Method"),
    [NGX_TOLLGATE_SECRET_EXPIRED] =
        ngx_string("AppSecret Expired `older than the account's maximum "
                   "secret age; reset it`"),
    [NGX_TOLLGATE_CODE_EXPIRED] =
        ngx_string("AppCode Expired `older than the account's maximum "
                   "secret age; reset it`"),
    [NGX_TOLLGATE_BAD_TIMESTAMP] = ngx_string("Invalid Timestamp"),
    [NGX_TOLLGATE_TIMESTAMP_EXPIRED] = ngx_string("Timestamp Expired"),
    [NGX_TOLLGATE_BAD_NONCE] = ngx_string("Invalid Nonce"),
    [NGX_TOLLGATE_NONCE_USED] = ngx_string("Nonce Used"),
    [NGX_TOLLGATE_BAD_DIGEST] = ngx_string("Invalid Content-MD5"),
    [NGX_TOLLGATE_BAD_STAGE] = ngx_string("Invalid Stage"),
    [NGX_TOLLGATE_APP_DISABLED] = ngx_string("App Disabled"),
    [NGX_TOLLGATE_NOT_GRANTED] = ngx_string("Unauthorized"),
    [NGX_TOLLGATE_GRANT_EXPIRED] = ngx_string("Expiry of Authorization"),
    [NGX_TOLLGATE_BODY_TOO_LARGE] = ngx_string("Request body too Large"),
    [NGX_TOLLGATE_THROTTLED] = ngx_string("Throttled by APP Flow Control"),
    [NGX_TOLLGATE_INTERNAL] = ngx_string("Internal Error"),
    [NGX_TOLLGATE_UNAVAILABLE] = ngx_string("Service Unavailable"),
    [NGX_TOLLGATE_PROJECTION_UNAVAILABLE] =
        ngx_string("Projection Unavailable"),
    [NGX_TOLLGATE_PROJECTION_STALE] = ngx_string("Projection Stale"),
};


/* The message of a reason that names a header: prefix name suffix. */
static ngx_int_t
ngx_http_tollgate_xca_header_message(ngx_http_request_t *r, const char *prefix,
                                     const ngx_str_t *name, const char *suffix,
                                     ngx_str_t *message)
{
    message->data = ngx_pnalloc(r->pool, ngx_strlen(prefix) + name->len
                                             + ngx_strlen(suffix));
    if (message->data == NULL) {
        return NGX_ERROR;
    }
    message->len = ngx_sprintf(message->data, "%s%V%s", prefix, name, suffix)
                   - message->data;
    return NGX_OK;
}


/* The message of a signature mismatch: the server's string to sign. */
static ngx_int_t
ngx_http_tollgate_xca_sts_message(ngx_http_request_t *r, const ngx_str_t *sts,
                                  ngx_str_t *message)
{
    tg_str_t s = { (const char *) sts->data, sts->len };
    size_t   len;

    (void) tg_xca_sts_message(s, NULL, 0, &len);
    message->data = ngx_pnalloc(r->pool, len);
    if (message->data == NULL
        || tg_xca_sts_message(s, (char *) message->data, len, &len) != TG_OK)
    {
        return NGX_ERROR;
    }
    message->len = len;
    return NGX_OK;
}


#define NGX_TOLLGATE_XCA_ID_LEN 36

/* A request id in the shape of Alibaba's: an upper-case UUID, in the
 * pool, into *out (NGX_TOLLGATE_XCA_ID_LEN bytes). */
static ngx_int_t
ngx_http_tollgate_xca_request_id(ngx_http_request_t *r, u_char **out)
{
    u_char    *id;
    uint32_t   w[4];
    ngx_uint_t i;

    id = ngx_pnalloc(r->pool, NGX_TOLLGATE_XCA_ID_LEN);
    if (id == NULL) {
        return NGX_ERROR;
    }
    *out = id;
    for (i = 0; i < 4; i++) {
        w[i] = (uint32_t) ngx_random();
    }
    ngx_sprintf(id, "%08XD-%04XD-%04XD-%04XD-%04XD%08XD", w[0], w[1] >> 16,
                w[1] & 0xffff, w[2] >> 16, w[2] & 0xffff, w[3]);
    return ngx_http_tollgate_add_header(r, "X-Ca-Request-Id", id,
                                        NGX_TOLLGATE_XCA_ID_LEN);
}


/*
 * The failure's body, {"Message":"...","RequestId":"..."}: the message
 * may hold request bytes (a string to sign, a header name), escaped so
 * that the body is ASCII JSON whatever they are.
 */
static ngx_int_t
ngx_http_tollgate_xca_body(ngx_http_request_t *r, const ngx_str_t *message,
                           const u_char *id)
{
    static const ngx_str_t type = ngx_string("application/json; charset=utf-8");
    static const u_char    hex[] = "0123456789abcdef";
    ngx_str_t              body;
    u_char                *p, c;
    size_t                 i;

    body.data =
        ngx_pnalloc(r->pool, 64 + 6 * message->len + NGX_TOLLGATE_XCA_ID_LEN);
    if (body.data == NULL) {
        return NGX_ERROR;
    }
    p = ngx_cpymem(body.data, "{\"Message\":\"", sizeof("{\"Message\":\"") - 1);
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
    p = ngx_sprintf(p, "\",\"RequestId\":\"%*s\"}", NGX_TOLLGATE_XCA_ID_LEN,
                    id);
    body.len = (size_t) (p - body.data);

    return ngx_http_tollgate_failure_body(r, &type, &body);
}


ngx_int_t
ngx_http_tollgate_xca_render(ngx_http_request_t                *r,
                             const ngx_http_tollgate_failure_t *f,
                             ngx_uint_t *status, ngx_str_t *message)
{
    u_char   *id = NULL;
    ngx_int_t rc = NGX_OK;

    (void) status; /* Alibaba's statuses are the reasons' */

    switch (f->reason) {
    case NGX_TOLLGATE_MISSING_HEADER:
        rc = ngx_http_tollgate_xca_header_message(r, "Header ", &f->detail,
                                                  " is Required", message);
        break;
    case NGX_TOLLGATE_UNSIGNED_HEADER:
        rc = ngx_http_tollgate_xca_header_message(r, "Header ", &f->detail,
                                                  " is not Signed", message);
        break;
    case NGX_TOLLGATE_DUPLICATE_HEADER:
        rc = ngx_http_tollgate_xca_header_message(r, "Duplicate Header ",
                                                  &f->detail, "", message);
        break;
    case NGX_TOLLGATE_BAD_SIGNATURE:
        rc = ngx_http_tollgate_xca_sts_message(r, &f->detail, message);
        break;
    default:
        if (f->reason < NGX_TOLLGATE_NREASONS
            && ngx_http_tollgate_xca_messages[f->reason].len != 0)
        {
            *message = ngx_http_tollgate_xca_messages[f->reason];
        } else {
            *message = ngx_http_tollgate_xca_messages[NGX_TOLLGATE_INTERNAL];
        }
    }

    if (rc != NGX_OK || ngx_http_tollgate_xca_request_id(r, &id) != NGX_OK
        || ngx_http_tollgate_add_header(r, "X-Ca-Error-Message", message->data,
                                        message->len)
               != NGX_OK
        || ngx_http_tollgate_xca_body(r, message, id) != NGX_OK)
    {
        return NGX_ERROR;
    }
    return NGX_OK;
}


const ngx_http_tollgate_scheme_t ngx_http_tollgate_xca_scheme = {
    ngx_string("alibaba"),
    ngx_http_tollgate_xca_headers,
    (uint32_t) 1 << XCA_SIGNATURE,
    ngx_http_tollgate_xca_detect,
    ngx_http_tollgate_xca_needs_body,
    ngx_http_tollgate_xca_verify,
    ngx_http_tollgate_xca_render
};
