/*
 * The Huawei dialect's private helpers, shared by huawei_*.c: one call's
 * state, its route, and the rendering of results and errors.
 */

#ifndef TOLLGATE_HUAWEI_INT_H
#define TOLLGATE_HUAWEI_INT_H

#include <jansson.h>

#include "tollgate/huawei_sign.h"
#include "dialects/dialect_util.h"
#include "dialects/huawei/huawei.h"


#define TG_HW_MESSAGE_MAX 1024
#define TG_HW_ROUTE_IDS   2 /* ids in one route: an app's, a code's */

typedef struct {
    char *instance_id; /* huawei_instance_id */
} tg_huawei_settings_t;

typedef struct {
    tg_service_t *svc;
    const char   *instance_id;
} tg_huawei_t;

/* One request in progress. */
typedef struct {
    tg_huawei_t        *hw;
    tg_service_t       *svc;
    tg_http_request_t  *req;
    tg_http_response_t *res;
    tg_actor_t          actor;

    int      v1;         /* a /v1/ route: page_no and page_size */
    tg_str_t project_id; /* from the path */
    tg_str_t ids[TG_HW_ROUTE_IDS];
    json_t  *body; /* the JSON body, or NULL */

    tg_error_t err; /* a core error, rendered through the table */

    /* The error to send: set by tg_hw_fail(). */
    unsigned status;
    char     code[16];
    char     message[TG_HW_MESSAGE_MAX];
} tg_hw_call_t;

typedef void (*tg_hw_handler_pt)(tg_hw_call_t *call);


/* ---- authentication (huawei_auth.c) ---- */

/*
 * Parses the call's SDK-HMAC-SHA256 signature and has the core
 * authenticate it, which fills call->actor.  Returns 0, or an error set
 * with tg_hw_fail().
 */
int tg_hw_authenticate(tg_hw_call_t *call);


/* ---- rendering and errors (huawei_render.c) ---- */

/* Sets the error to send: status, code and message. */
int tg_hw_fail(tg_hw_call_t *call, unsigned status, const char *code,
               const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* APIG.2012 for a parameter (name) and a rule (may be NULL). */
int tg_hw_invalid(tg_hw_call_t *call, const char *name, const char *rule);

/* APIG.2001 for a missing parameter. */
int tg_hw_missing(tg_hw_call_t *call, const char *name);

/* Renders call->err (a core error) as the error to send. */
int tg_hw_core_error(tg_hw_call_t *call);

/* Renders call->err (a core error) and sends it. */
void tg_hw_fail_core(tg_hw_call_t *call);

/* Sends the error in call. */
void tg_hw_send_error(tg_hw_call_t *call);

/* Sends obj (consumed; NULL: no body) with status. */
void tg_hw_reply(tg_hw_call_t *call, unsigned status, json_t *obj);

/* A time as Huawei prints it ("2020-08-03T13:09:13Z"). */
json_t *tg_hw_time(int64_t ms);

/*
 * Appends item (consumed) to the array *list.  Without item, or memory,
 * frees the array and sets *list to NULL; once NULL, it stays NULL.
 */
void tg_hw_append(json_t **list, json_t *item);

/* A listing's page, {"total": total, "size": size, name: list} (list
 * consumed), or NULL if list is NULL or without memory. */
json_t *tg_hw_page_json(const char *name, json_t *list, int64_t total,
                        size_t size);

/* The app object of the seed's response, its secret masked. */
json_t *tg_hw_app_json(const tg_app_t *app, const char *app_key);


/* ---- the routes (huawei_apps.c) ---- */

void tg_hw_app_create(tg_hw_call_t *call);
void tg_hw_app_list(tg_hw_call_t *call);
void tg_hw_app_show(tg_hw_call_t *call);
void tg_hw_app_update(tg_hw_call_t *call);
void tg_hw_app_delete(tg_hw_call_t *call);
void tg_hw_app_reset_secret(tg_hw_call_t *call);
void tg_hw_app_validate(tg_hw_call_t *call);
void tg_hw_code_create(tg_hw_call_t *call);
void tg_hw_code_generate(tg_hw_call_t *call);
void tg_hw_code_list(tg_hw_call_t *call);
void tg_hw_code_show(tg_hw_call_t *call);
void tg_hw_code_delete(tg_hw_call_t *call);

/*
 * The page of a listing: v2's offset and limit, or v1's page_no and
 * page_size, with Huawei's defaults and clamping.  Returns 0, or
 * APIG.2012 set with tg_hw_fail().
 */
int tg_hw_page(tg_hw_call_t *call, int64_t *offset, int64_t *limit);


/* ---- app authorizations (huawei_auths.c) ---- */

void tg_hw_auth_create(tg_hw_call_t *call);
void tg_hw_auth_cancel(tg_hw_call_t *call);
void tg_hw_auth_binded_apis(tg_hw_call_t *call);
void tg_hw_auth_binded_apps(tg_hw_call_t *call);
void tg_hw_auth_unbinded_apis(tg_hw_call_t *call);

#endif /* TOLLGATE_HUAWEI_INT_H */
