/*
 * The gateway's schemes: how a call proves which app makes it.
 *
 * Each scheme (Alibaba's X-Ca-* signature, AppCode; Huawei's and
 * Tencent's next) is one file behind a descriptor: its name, the request
 * headers it reads, how it detects its credential, whether it needs the
 * body, how it verifies, and how it renders a failure.  The core
 * (ngx_http_tollgate_module.c) does the rest the same way for every
 * scheme: it collects the headers in one pass, picks the one scheme whose
 * credential the call carries (several: refused as ambiguous), reads the
 * body if asked, runs verify inside the request's LMDB read transaction,
 * then checks the app, its grant and its rate limit.
 *
 * A failure is a neutral reason from one table, which gives its HTTP
 * status and a default message, plus an optional detail (a header's name,
 * the server's string to sign).  The scheme that answers renders it in
 * its vendor's shape.
 *
 * Adding a scheme: its file here, its signing rules in lib/, one line in
 * ngx_http_tollgate_scheme_table[] (ngx_http_tollgate_scheme.c), and its file
 * in nginx/config.
 */

#ifndef NGX_HTTP_TOLLGATE_SCHEME_H
#define NGX_HTTP_TOLLGATE_SCHEME_H

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "tollgate/projection.h"
#include "tollgate/str.h"
#include "ngx_http_tollgate_zone.h"


/* reason, HTTP status, default message */
/* clang-format off */
#define NGX_TOLLGATE_REASONS(X)                                               \
    X(NO_CREDENTIAL,       401, "no credential")                              \
    X(AMBIGUOUS,           400, "more than one credential")                   \
    X(DUPLICATE_HEADER,    400, "a credential header is sent twice")          \
    X(REPEATED_PARAMETER,  400, "a signed parameter is sent twice")           \
    X(MALFORMED_CODE,      400, "malformed code")                             \
    X(UNKNOWN_KEY,         400, "unknown key")                                \
    X(UNKNOWN_CODE,        400, "unknown code")                               \
    X(NO_SIGNATURE,        401, "no signature")                               \
    X(BAD_SIGNATURE,       400, "the signature does not match")               \
    X(SECRET_EXPIRED,      401, "secret past its maximum age")                \
    X(CODE_EXPIRED,        401, "AppCode past its maximum age")               \
    X(BAD_METHOD,          400, "unknown signature method")                   \
    X(MISSING_HEADER,      400, "a required header is missing")               \
    X(UNSIGNED_HEADER,     400, "a header that must be signed is not")        \
    X(BAD_TIMESTAMP,       400, "invalid timestamp")                          \
    X(TIMESTAMP_EXPIRED,   400, "timestamp outside the clock skew")           \
    X(BAD_NONCE,           400, "invalid nonce")                              \
    X(NONCE_USED,          400, "nonce already used")                         \
    X(BAD_DIGEST,          400, "the body digest does not match")             \
    X(BAD_STAGE,           400, "invalid stage")                              \
    X(APP_DISABLED,        403, "app disabled")                               \
    X(NOT_GRANTED,         403, "app not granted this API")                   \
    X(GRANT_EXPIRED,       403, "grant expired")                              \
    X(BODY_TOO_LARGE,      413, "request body too large")                     \
    X(THROTTLED,           429, "app rate limit exceeded")                    \
    X(INTERNAL,            500, "internal error")                             \
    X(UNAVAILABLE,         503, "service unavailable")                        \
    X(PROJECTION_UNAVAILABLE, 503, "the projection cannot be read")           \
    X(PROJECTION_STALE,    503, "tollgated has not confirmed the projection") \
    X(MALFORMED_AUTH,      401, "malformed Authorization header")
/* clang-format on */

#define NGX_TOLLGATE_REASON_ENUM(name, status, message) NGX_TOLLGATE_##name,
typedef enum {
    NGX_TOLLGATE_REASONS(NGX_TOLLGATE_REASON_ENUM) NGX_TOLLGATE_NREASONS
} ngx_http_tollgate_reason_e;
#undef NGX_TOLLGATE_REASON_ENUM

/* The most request headers one scheme reads (a bit each in dup). */
#define NGX_TOLLGATE_HEADERS_MAX 16

/* How many schemes the table holds, at most (a bit each in a mask). */
#define NGX_TOLLGATE_SCHEMES_MAX 8


/* A location's settings that schemes read. */
typedef struct {
    ngx_msec_t skew;           /* tollgate_clock_skew */
    ngx_flag_t appcode_query;  /* tollgate_appcode_query */
    ngx_uint_t replay_headers; /* tollgate_replay_headers */
} ngx_http_tollgate_settings_t;

#define NGX_TOLLGATE_REPLAY_REQUIRED 1
#define NGX_TOLLGATE_REPLAY_OPTIONAL 2

/* What a credential resolved to. */
typedef struct {
    u_char        app[TG_PROJ_ID_LEN];
    tg_proj_app_t record;
} ngx_http_tollgate_app_t;

/* Why a call is refused. */
typedef struct {
    ngx_http_tollgate_reason_e reason;
    ngx_str_t                  detail; /* empty, or the reason's subject */
} ngx_http_tollgate_failure_t;

/*
 * One request as a scheme sees it.  The core fills the inputs; verify
 * fills the outputs.  Strings point into the request or its pool.
 */
typedef struct {
    ngx_http_request_t                 *r;
    const ngx_http_tollgate_settings_t *settings;
    int64_t                             now_ms; /* the wall clock */

    /* The scheme's headers, in the order of its names: the first of each
     * name, or NULL; bit i of dup: name i came more than once. */
    ngx_table_elt_t *headers[NGX_TOLLGATE_HEADERS_MAX];
    uint32_t         dup;
    uint32_t         signed_; /* bit i: the scheme's verify found name i
                                 among the headers the client signed */

    ngx_str_t body; /* read when the scheme needs it */

    /* The nonce, key and timestamp ngx_http_tollgate_prefetch_nonce()
     * located (or null strings), and where that nonce goes in the zone. */
    tg_str_t                      nonce_of;
    tg_str_t                      nonce_key;
    int64_t                       nonce_ts;
    ngx_http_tollgate_nonce_ref_t nonce_ref;

    /* Set by verify. */
    ngx_http_tollgate_app_t app;
    ngx_str_t               app_key; /* $tollgate_app_key, or empty */
    ngx_str_t               stage;   /* requested; empty: the default */
    ngx_uint_t              aged;    /* the signature verified only with a
                                        secret past its maximum age */
    ngx_http_tollgate_failure_t failure;
} ngx_http_tollgate_call_t;

typedef struct {
    ngx_str_t name; /* in tollgate_schemes and $tollgate_scheme */

    /* The lower-case names of the headers it reads; a null string ends. */
    const ngx_str_t *headers;

    /* Bit i: headers[i] carries the credential itself, so the gateway
     * removes it before proxying (tollgate_strip_credentials), whichever
     * scheme a call used. */
    uint32_t credentials;

    /* 1 if the call carries this scheme's credential (well-formed or
     * not: verify judges it), else 0. */
    ngx_int_t (*detect)(ngx_http_tollgate_call_t *call);

    /* 1 if verify reads call->body. */
    ngx_int_t (*needs_body)(ngx_http_tollgate_call_t *call);

    /*
     * Verifies the credential, in the request's read transaction (records
     * read through the core's lookups stay valid until verify returns).
     * Returns NGX_OK with call->app set; NGX_DECLINED with call->failure
     * set; NGX_ERROR without memory.
     */
    ngx_int_t (*verify)(ngx_http_tollgate_call_t *call);

    /*
     * Renders a failure in the vendor's shape: adds response headers, may
     * change *status (the reason's, on entry), sets *message (for the
     * log and $tollgate_error; from the request's pool or static).
     * Returns NGX_OK or NGX_ERROR.
     */
    ngx_int_t (*render)(ngx_http_request_t                *r,
                        const ngx_http_tollgate_failure_t *failure,
                        ngx_uint_t *status, ngx_str_t *message);
} ngx_http_tollgate_scheme_t;


/* The schemes, ending with NULL; entry i is bit i of a location's mask. */
extern const ngx_http_tollgate_scheme_t *const ngx_http_tollgate_scheme_table[];

/* The reason's HTTP status and default message. */
ngx_uint_t       ngx_http_tollgate_reason_status(ngx_uint_t reason);
const ngx_str_t *ngx_http_tollgate_reason_message(ngx_uint_t reason);

/*
 * The names every scheme reads, indexed once at configuration (in the
 * main configuration), so that one pass over a request's headers finds
 * each of its headers' readers with a lookup, not a comparison per name.
 */
typedef struct ngx_http_tollgate_names_s ngx_http_tollgate_names_t;

/* Builds the index of the scheme table's names.  Returns NULL without
 * memory. */
ngx_http_tollgate_names_t *ngx_http_tollgate_names_create(ngx_conf_t *cf);

/* The request headers that carry a credential of any scheme in the
 * table (see credentials above), in mask or not: how many, and the first
 * NGX_TOLLGATE_CREDS_MAX of them. */
#define NGX_TOLLGATE_CREDS_MAX 4

typedef struct {
    ngx_uint_t       n;
    ngx_table_elt_t *h[NGX_TOLLGATE_CREDS_MAX];
} ngx_http_tollgate_creds_t;

/*
 * Collects, in one pass over the request's headers, the headers of every
 * scheme in mask into calls[i] (for scheme i), with duplicates marked,
 * and the headers that carry a credential into creds.
 */
void ngx_http_tollgate_collect_headers(ngx_http_request_t              *r,
                                       const ngx_http_tollgate_names_t *names,
                                       ngx_uint_t                       mask,
                                       ngx_http_tollgate_call_t        *calls,
                                       ngx_http_tollgate_creds_t       *creds);

/* 1 if h, a header of the request creds were collected from, carries a
 * credential, else 0: h among creds' headers, or by its name if there
 * were more than they hold. */
ngx_uint_t
ngx_http_tollgate_is_credential(const ngx_http_tollgate_names_t *names,
                                const ngx_http_tollgate_creds_t *creds,
                                ngx_table_elt_t                 *h);

/* The value of a collected header, or a null string if absent. */
tg_str_t ngx_http_tollgate_header_value(ngx_table_elt_t *h);

/* The eight bytes of w with 'A' to 'Z' lowered, the others as they are:
 * per byte, bit 7 of h + 0x3f says >= 'A', of h + 0x25 says > 'Z' (h, w
 * without bit 7, so no sum carries into the next byte), and bit 7 of w
 * says not ASCII. */
static ngx_inline uint64_t
ngx_http_tollgate_lower8(uint64_t w)
{
    uint64_t h = w & 0x7f7f7f7f7f7f7f7fULL;
    uint64_t upper;

    upper = (h + 0x3f3f3f3f3f3f3f3fULL) & ~(h + 0x2525252525252525ULL) & ~w
            & 0x8080808080808080ULL;
    return w | upper >> 2;
}

/* 1 if the len bytes at p spell lower (lower-case ASCII) in any case:
 * eight bytes at a time, lowered in the word, the last eight overlapping
 * those before. */
static ngx_inline ngx_uint_t
ngx_http_tollgate_name_is(const u_char *p, const char *lower, size_t len)
{
    uint64_t a, b;
    size_t   i;

    if (len < 8) {
        for (i = 0; i < len; i++) {
            if (ngx_tolower(p[i]) != (u_char) lower[i]) {
                return 0;
            }
        }
        return 1;
    }
    for (i = 0; i + 8 < len; i += 8) {
        ngx_memcpy(&a, p + i, 8);
        ngx_memcpy(&b, lower + i, 8);
        if (ngx_http_tollgate_lower8(a) != b) {
            return 0;
        }
    }
    ngx_memcpy(&a, p + len - 8, 8);
    ngx_memcpy(&b, lower + len - 8, 8);
    return ngx_http_tollgate_lower8(a) == b;
}

/*
 * Finds a header by name in the whole request (for names no scheme
 * declares).  Returns 1 and sets *value if sent once, 0 if absent, -1 if
 * sent several times.
 */
ngx_int_t ngx_http_tollgate_find_header(ngx_http_request_t *r, tg_str_t name,
                                        tg_str_t *value);

/*
 * For render: answer the failure with this body and content type (from
 * the request's pool or static) instead of nginx's error page, for a
 * vendor whose clients read one.  Returns NGX_OK or NGX_ERROR.
 */
ngx_int_t ngx_http_tollgate_failure_body(ngx_http_request_t *r,
                                         const ngx_str_t    *type,
                                         const ngx_str_t    *body);

/* Sets call->failure; returns NGX_DECLINED, for verify to return. */
ngx_int_t ngx_http_tollgate_refuse(ngx_http_tollgate_call_t *call,
                                   ngx_uint_t reason, const ngx_str_t *detail);

/* Adds a response header; name is static, value lives in the pool.
 * Returns NGX_OK or NGX_ERROR. */
ngx_int_t ngx_http_tollgate_add_header(ngx_http_request_t *r, const char *name,
                                       u_char *value, size_t len);

/* The path as sent: the request target up to '?', not decoded. */
tg_str_t ngx_http_tollgate_request_path(ngx_http_request_t *r);

/*
 * Verifies a signature with one opened secret: NGX_OK if it verifies,
 * NGX_DECLINED if not, NGX_ERROR without memory.
 */
typedef ngx_int_t (*ngx_http_tollgate_verify_pt)(void *data, tg_str_t secret);

/*
 * Tries verify on each secret of the key's record that has not expired,
 * opened (ngx_http_tollgate_open_secret()) and wiped after.  Returns
 * NGX_OK if one verifies, NGX_DECLINED if none does, NGX_ERROR if a
 * secret does not open or verify fails; *live counts the secrets tried.
 * A secret past its maximum age (aged_at) never makes NGX_OK: one that
 * verifies sets call->aged, so that the caller refuses the call as
 * NGX_TOLLGATE_SECRET_EXPIRED (ngx_http_tollgate_refuse_mismatch()).
 */
/* 1 if a secret of the key's record is past its maximum age at the
 * call's time. */
ngx_int_t ngx_http_tollgate_secret_aged(const ngx_http_tollgate_call_t *call,
                                        const tg_proj_secret_t         *s);

/*
 * Refuses a call whose signature no live secret verified: as signed with
 * an expired secret when call->aged, else as a bad signature with detail
 * (NULL: none).  Returns NGX_DECLINED.
 */
ngx_int_t ngx_http_tollgate_refuse_mismatch(ngx_http_tollgate_call_t *call,
                                            const ngx_str_t          *detail);

ngx_int_t ngx_http_tollgate_try_secrets(ngx_http_tollgate_call_t   *call,
                                        tg_str_t                    app_key,
                                        const tg_proj_key_t        *k,
                                        ngx_http_tollgate_verify_pt verify,
                                        void *data, ngx_uint_t *live);

/*
 * Records a signature's nonce for key and its signed timestamp ts_ms (-1:
 * none) until expires_ms (ngx_http_tollgate_use_nonce()).  Returns NGX_OK
 * if it is new, or the refusal: a nonce used, one too long, or the zone
 * full.
 */
ngx_int_t ngx_http_tollgate_spend_nonce(ngx_http_tollgate_call_t *call,
                                        tg_str_t key, tg_str_t nonce,
                                        int64_t ts_ms, int64_t expires_ms);


/* ---- the core's lookups, for verify (ngx_http_tollgate_module.c) ----- */

/*
 * Looks an AppKey up and loads its app into call->app.  *k points into
 * LMDB's memory until verify returns.  Returns 1, or 0 if the key or its
 * app is unknown.
 */
ngx_int_t ngx_http_tollgate_find_key(ngx_http_tollgate_call_t *call,
                                     tg_str_t app_key, tg_proj_key_t *k);

/* Looks an AppCode up and loads its app into call->app.  Returns 1, 0 if
 * unknown, NGX_ERROR; a code past its maximum age sets call->aged (the
 * caller refuses it, NGX_TOLLGATE_CODE_EXPIRED). */
ngx_int_t ngx_http_tollgate_find_code(ngx_http_tollgate_call_t *call,
                                      tg_str_t                  code);

/*
 * Opens one sealed secret of an AppKey's record into secret (which holds
 * TG_PROJ_SECRET_MAX bytes; the caller wipes it).  Returns NGX_OK or
 * NGX_ERROR.
 */
ngx_int_t ngx_http_tollgate_open_secret(ngx_http_tollgate_call_t *call,
                                        tg_str_t app_key, tg_str_t sealed,
                                        char *secret, size_t *len);

/*
 * Sets *mac to an HMAC (alg) keyed with one sealed secret of an AppKey's
 * record, from the worker's cache (tg_proj_macs_t): the secret is opened
 * once, not per request.  *mac is valid until the next call.  Returns
 * NGX_OK or NGX_ERROR.
 */
ngx_int_t ngx_http_tollgate_secret_mac(ngx_http_tollgate_call_t *call,
                                       tg_str_t app_key, tg_str_t sealed,
                                       tg_hmac_alg_t alg, tg_hmac_t **mac);

/*
 * Records a nonce for key and the timestamp ts_ms it was signed with (-1:
 * none) until expires_ms, in the shared zone (or Redis): once per key and
 * timestamp (ngx_http_tollgate_nonce_locate()).  Returns NGX_OK if new,
 * NGX_DECLINED if used, NGX_ABORT if key and nonce are too long together,
 * NGX_ERROR if the zone is full.
 */
ngx_int_t ngx_http_tollgate_use_nonce(ngx_http_tollgate_call_t *call,
                                      tg_str_t key, tg_str_t nonce,
                                      int64_t ts_ms, int64_t expires_ms);


/*
 * Announces the nonce that the call will spend (ngx_http_tollgate_use_nonce())
 * if it verifies, so that the zone's memory for it is fetched meanwhile
 * and its place is found once.  Changes nothing in the zone.
 */
void ngx_http_tollgate_prefetch_nonce(ngx_http_tollgate_call_t *call,
                                      tg_str_t key, tg_str_t nonce,
                                      int64_t ts_ms);


/* ---- the schemes ------------------------------------------------------ */

extern const ngx_http_tollgate_scheme_t ngx_http_tollgate_xca_scheme;
extern const ngx_http_tollgate_scheme_t ngx_http_tollgate_appcode_scheme;
extern const ngx_http_tollgate_scheme_t ngx_http_tollgate_tencent_scheme;
extern const ngx_http_tollgate_scheme_t ngx_http_tollgate_huawei_scheme;
extern const ngx_http_tollgate_scheme_t ngx_http_tollgate_huawei_appcode_scheme;

/* Alibaba's gateway's failure: X-Ca-Request-Id and X-Ca-Error-Message
 * (shared by both of Alibaba's schemes). */
ngx_int_t ngx_http_tollgate_xca_render(ngx_http_request_t                *r,
                                       const ngx_http_tollgate_failure_t *f,
                                       ngx_uint_t *status, ngx_str_t *message);

#endif /* NGX_HTTP_TOLLGATE_SCHEME_H */
