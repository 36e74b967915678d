/*
 * The native API's private helpers, shared by native_*.c: one call's
 * state, strict JSON input, query parameters and rendering.
 */

#ifndef TOLLGATE_NATIVE_INT_H
#define TOLLGATE_NATIVE_INT_H

#include <jansson.h>

#include "dialects/dialect_util.h"
#include "dialects/native/native.h"


#define TG_NATIVE_ARGS_MAX 3

/* One request in progress. */
typedef struct {
    tg_service_t       *svc;
    tg_http_request_t  *req;
    tg_http_response_t *res;
    tg_actor_t          actor;
    tg_str_t            args[TG_NATIVE_ARGS_MAX]; /* the route's {...} */
    json_t             *body;                     /* the parsed object */
    const void         *data;                     /* the route's */
    tg_error_t          err;
    int                 by_session; /* authenticated by a console session */
    tg_session_t        session;    /* then, that session (no id) */
} tg_native_call_t;

typedef void (*tg_native_handler_pt)(tg_native_call_t *call);

/* JSON types a body field accepts (a mask). */
#define TG_J_STRING  0x01u
#define TG_J_INTEGER 0x02u
#define TG_J_BOOL    0x04u
#define TG_J_OBJECT  0x08u
#define TG_J_ARRAY   0x10u
#define TG_J_NULL    0x20u

typedef struct {
    const char *name;
    unsigned    types;
} tg_native_field_t;

#define TG_NATIVE_FIELDS(...)                              \
    (const tg_native_field_t[]){ __VA_ARGS__ },            \
        sizeof((const tg_native_field_t[]){ __VA_ARGS__ }) \
            / sizeof(tg_native_field_t)


/*
 * Parses the body into call->body: a JSON object whose members are all
 * among fields, with the types they allow.  An empty body is an empty
 * object.  Returns 0, or an error recorded in call->err.
 */
int tg_native_body(tg_native_call_t *call, const tg_native_field_t *fields,
                   size_t n);

/* A body member's string; NULL ptr if absent or null. */
tg_str_t tg_native_str(const tg_native_call_t *call, const char *name);

/* 1 if the body has the member (even null). */
int tg_native_has(const tg_native_call_t *call, const char *name);

/* 1 if the body's member is JSON null. */
int tg_native_is_null(const tg_native_call_t *call, const char *name);

/* A body member (borrowed), or NULL. */
json_t *tg_native_get(const tg_native_call_t *call, const char *name);

/*
 * Checks the query: every parameter among names (a NULL-terminated
 * list), none repeated except those in repeatable.  Returns 0 or an error
 * in call->err.
 */
int tg_native_query_check(tg_native_call_t *call, const char *const *names,
                          const char *const *repeatable);

/* A query integer in [min, max], or def when absent. */
int tg_native_query_int(tg_native_call_t *call, const char *name,
                        tg_field_t field, int64_t min, int64_t max, int64_t def,
                        int64_t *out);

/* A query time (RFC 3339), or 0 when absent. */
int tg_native_query_time(tg_native_call_t *call, const char *name,
                         tg_field_t field, int64_t *out);

/* Parses an RFC 3339 body member; 0 when absent or null. */
int tg_native_body_time(tg_native_call_t *call, const char *name,
                        tg_field_t field, int64_t *out);

/*
 * Appends v as json_dumps(v, JSON_COMPACT) would write it, byte for byte,
 * without its per-container bookkeeping (a formatted pointer and a hash
 * entry per object or array, to detect cycles a reply never has).  Objects
 * go in their iteration order, as jansson's; strings other than short
 * printable ASCII, reals and containers nested deeper than a reply are
 * handed to jansson itself.  Returns 0, or -1 (out of memory, or a value
 * jansson refuses), leaving out partly written.
 */
int tg_native_json_render(const json_t *v, tg_buf_t *out);

/* Sends obj (consumed) with status. */
void tg_native_reply(tg_native_call_t *call, unsigned status, json_t *obj);

/* Sends 204 No Content. */
void tg_native_no_content(tg_native_call_t *call);

/* Ends a call that answers nothing: 204 if rc is TG_OK, else the error in
 * call->err. */
void tg_native_done(tg_native_call_t *call, int rc);

/* Sends the error in call->err. */
void tg_native_fail(tg_native_call_t *call);

/* A JSON string of an RFC 3339 time, or null for 0. */
json_t *tg_native_time(int64_t ms);

/* A JSON string of a tg_str_t. */
json_t *tg_native_string(tg_str_t s);

/* A {"items": [...], "total": n} page; items is consumed. */
json_t *tg_native_page(json_t *items, int64_t total);

/* Renders one record of a list. */
typedef json_t *(*tg_native_render_pt)(const void *item);

/* A JSON array of n records of size bytes each, rendered one by one. */
json_t *tg_native_array(const void *items, size_t n, size_t size,
                        tg_native_render_pt render);

/*
 * Checks the query (as tg_native_query_check()) and reads "limit" (1-100,
 * default def_limit) and "offset".  Returns 0, or an error in call->err.
 */
int tg_native_paging(tg_native_call_t *call, const char *const *names,
                     const char *const *repeatable, int64_t def_limit,
                     int64_t *limit, int64_t *offset);

/* The handlers, by file. */
void tg_native_app_create(tg_native_call_t *call);
void tg_native_app_list(tg_native_call_t *call);
void tg_native_app_get(tg_native_call_t *call);
void tg_native_app_update(tg_native_call_t *call);
void tg_native_app_delete(tg_native_call_t *call);
void tg_native_secret_reveal(tg_native_call_t *call);
void tg_native_key_update(tg_native_call_t *call);

/*
 * An app's credentials: one handler per operation for every kind; the
 * route's data is the kind's entry (tg_native_key_pairs,
 * tg_native_app_codes).
 */
typedef struct tg_native_cred_s tg_native_cred_t;

extern const tg_native_cred_t tg_native_key_pairs;
extern const tg_native_cred_t tg_native_app_codes;

void tg_native_cred_add(tg_native_call_t *call);
void tg_native_cred_list(tg_native_call_t *call);
/* Resets the credential the route's second {} names, else the one the
 * body's "key" names, else the primary one. */
void tg_native_cred_reset(tg_native_call_t *call);
void tg_native_cred_delete(tg_native_call_t *call);

void tg_native_api_create(tg_native_call_t *call);
void tg_native_api_list(tg_native_call_t *call);
void tg_native_api_get(tg_native_call_t *call);
void tg_native_api_update(tg_native_call_t *call);
void tg_native_api_delete(tg_native_call_t *call);
void tg_native_grant_put(tg_native_call_t *call);
void tg_native_grant_delete(tg_native_call_t *call);
void tg_native_grant_list_by_app(tg_native_call_t *call);
void tg_native_grant_list_by_api(tg_native_call_t *call);

void tg_native_account_create(tg_native_call_t *call);
void tg_native_account_list(tg_native_call_t *call);
void tg_native_account_get(tg_native_call_t *call);
void tg_native_account_update(tg_native_call_t *call);
void tg_native_account_delete(tg_native_call_t *call);
void tg_native_access_key_create(tg_native_call_t *call);
void tg_native_access_key_list(tg_native_call_t *call);
void tg_native_access_key_get(tg_native_call_t *call);
void tg_native_access_key_update(tg_native_call_t *call);
void tg_native_access_key_delete(tg_native_call_t *call);
void tg_native_audit_list(tg_native_call_t *call);
void tg_native_whoami(tg_native_call_t *call);

/* native_policies.c */
void tg_native_policy_create(tg_native_call_t *call);
void tg_native_policy_list(tg_native_call_t *call);
void tg_native_policy_get(tg_native_call_t *call);
void tg_native_policy_update(tg_native_call_t *call);
void tg_native_policy_delete(tg_native_call_t *call);
void tg_native_key_policy_list(tg_native_call_t *call);
void tg_native_key_policy_attach(tg_native_call_t *call);
void tg_native_key_policy_detach(tg_native_call_t *call);
void tg_native_policy_check(tg_native_call_t *call);

/* Console sessions (native_sessions.c). */

#define TG_NATIVE_SESSION_COOKIE "tollgate_session"
#define TG_NATIVE_CSRF_HEADER    "X-CSRF-Token"

/*
 * Finds the session cookie in req's Cookie header: 1 and *id if there
 * is exactly one, 0 if none, -1 if it is there twice or malformed.
 */
int tg_native_session_cookie(const tg_http_request_t *req, tg_str_t *id);

/*
 * Authenticates call by the session of its cookie id (see
 * tg_service_session_authenticate()): a call with another method than
 * GET or HEAD must carry the CSRF token header.  Returns 0 or the
 * error, in call->err.
 */
int tg_native_session_authenticate(tg_native_call_t *call, tg_str_t id);

/*
 * What the call's key may do, by canonical action, on its own account's
 * resources ({"apigateway:CreateApp": true, ...}; tg_service_permissions()):
 * the console hides the controls it may not use.  NULL if out of memory.
 */
json_t *tg_native_permissions(const tg_native_call_t *call);

void tg_native_session_create(tg_native_call_t *call);
void tg_native_session_get(tg_native_call_t *call);
void tg_native_session_delete(tg_native_call_t *call);

#endif /* TOLLGATE_NATIVE_INT_H */
