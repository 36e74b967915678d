/*
 * The registry of management dialects.
 *
 * A dialect is one vendor's management API (Tollgate's native REST API,
 * Alibaba's CloudAPI RPC...).  Each lives in its own folder under
 * daemon/dialects/ and describes itself with one tg_dialect_t: its name,
 * its settings, its life cycle, how it claims a request and how it
 * answers one.  The table in dialects.c lists them all; adding a dialect
 * is its folder, its signing scheme in lib/, and one line there (with
 * the #include of its header).
 *
 * Which dialect answers a request is decided here and only here: every
 * dialect says how strongly it claims the request, the strongest claim
 * wins, and equal claims go to the dialect listed first.  Claims look at
 * the request line, headers and body, never at the service.
 *
 * Ownership: descriptors are static.  A dialect set owns the instances
 * it created and their settings; it uses the service, which it does not
 * own.
 */

#ifndef TOLLGATE_DIALECTS_H
#define TOLLGATE_DIALECTS_H

#include <stddef.h>

#include "http/http.h"
#include "service/service.h"
#include "settings.h"


/*
 * How strongly a dialect claims a request, weakest first.  The order is
 * the precedence: a path prefix that only one dialect serves beats a
 * vendor header (X-Acs-Action, X-TC-Action), which beats an
 * Authorization scheme (ACS3-HMAC-SHA256, TC3-HMAC-SHA256), which beats
 * the shape of the parameters (an Action parameter, which several
 * vendors' RPC styles share).  The fallback answers what nothing else
 * claims (the native API's 404).  A path pattern inside another
 * dialect's prefix (Huawei's /v1/{project_id}/apigw/ inside the native
 * /v1/) claims above a path.
 */
typedef enum {
    TG_CLAIM_NONE = 0,
    TG_CLAIM_FALLBACK,
    TG_CLAIM_SHAPE,
    TG_CLAIM_AUTH_SCHEME,
    TG_CLAIM_VENDOR_HEADER,
    TG_CLAIM_PATH,
    TG_CLAIM_PATH_PATTERN
} tg_claim_t;

/*
 * What a claim may read of a request.  header() and query() return a
 * value or NULL, given src; names of headers are case-insensitive.
 */
typedef struct {
    const char *method;
    const char *path; /* percent-decoded, without the query */
    tg_str_t    body;
    const char *(*header)(const void *src, const char *name);
    const char *(*query)(const void *src, const char *name);
    const void *src;
} tg_claim_request_t;

/* A dialect, as the table lists it. */
typedef struct {
    const char *name; /* "alibaba" */

    /* Its own settings, or none: offsets into a struct of settings_size
     * bytes, filled from defaults, the file, the environment and flags
     * like every setting, and given to create().  Names are unique
     * across tollgated: prefix them with the dialect's name. */
    const tg_setting_t *settings;
    size_t              nsettings;
    size_t              settings_size;

    /* Makes an instance over svc: 0, or an error (then *out is unset).
     * A dialect that keeps no state of its own leaves create and destroy
     * NULL: its instance is then the service, which it does not own. */
    int (*create)(tg_service_t *svc, const void *settings, void **out);
    void (*destroy)(void *dialect); /* dialect may be NULL */

    tg_claim_t (*claim)(const tg_claim_request_t *req);
    void (*handle)(void *dialect, tg_http_request_t *req,
                   tg_http_response_t *res);

    /* Refuses a request the HTTP layer found malformed, err (code
     * TG_EMALFORMED, the reason in detail) rendered through the
     * dialect's error table, without reading anything else of the
     * request; handle() never sees such a request.  A dialect without
     * one leaves it NULL: the table's first dialect refuses for it. */
    void (*refuse)(void *dialect, tg_http_request_t *req,
                   tg_http_response_t *res, const tg_error_t *err);
} tg_dialect_t;

typedef struct tg_dialect_set_s tg_dialect_set_t;


/* The registered dialects, in table order; sets *n. */
const tg_dialect_t *const *tg_dialect_table(size_t *n);

/*
 * The index in table[0..n) of the dialect that claims req most strongly,
 * the first listed among equals; -1 if none claims it.
 */
int tg_dialect_pick(const tg_dialect_t *const *table, size_t n,
                    const tg_claim_request_t *req);

/* Claim helpers. */
const char *tg_claim_header(const tg_claim_request_t *req, const char *name);
const char *tg_claim_query(const tg_claim_request_t *req, const char *name);

/* Whether the Authorization header's scheme (its first word, as sent,
 * before a space) is this one ("TC3-HMAC-SHA256"). */
int tg_claim_auth_scheme(const tg_claim_request_t *req, const char *scheme);

/*
 * Whether the body is a form (application/x-www-form-urlencoded) with a
 * parameter of this name.  Names are compared as sent, not decoded: the
 * clients that send forms never escape a letter.
 */
int tg_claim_form_has(const tg_claim_request_t *req, const char *name);


/*
 * Makes a set of every registered dialect, with its settings at their
 * zero values (the settings loader fills them).  Returns 0 or TG_ENOMEM.
 */
int tg_dialect_set_create(tg_dialect_set_t **out);

/*
 * The dialects' settings, as groups for tg_settings_load(): up to max of
 * them into groups; returns how many there are.
 */
size_t tg_dialect_set_settings(tg_dialect_set_t    *set,
                               tg_settings_group_t *groups, size_t max);

/*
 * Creates each dialect's instance over svc, in table order.  Returns 0,
 * or the first error with the dialect's name in errbuf (the instances
 * made so far are destroyed with the set).
 */
int tg_dialect_set_start(tg_dialect_set_t *set, tg_service_t *svc, char *errbuf,
                         size_t errlen);

/*
 * Answers a request with the dialect that claims it (tg_dialect_pick()).
 * A malformed request (tg_http_malformed()) is claimed the same way (a
 * claim reads only strings, which a NUL may have shortened, and gets no
 * body) and refused by the dialect's refuse(), or the first dialect's.
 * The set must have started; a request no dialect claims gets a 404.
 */
void tg_dialect_set_dispatch(tg_dialect_set_t *set, tg_http_request_t *req,
                             tg_http_response_t *res);

/* Destroys the instances and frees the settings.  set may be NULL. */
void tg_dialect_set_destroy(tg_dialect_set_t *set);

#endif /* TOLLGATE_DIALECTS_H */
