/*
 * The Authing dialect's private helpers, shared by authing_*.c: one
 * call's state, its parameters, authentication, and the rendering of
 * results and errors.
 */

#ifndef TOLLGATE_AUTHING_INT_H
#define TOLLGATE_AUTHING_INT_H

#include <jansson.h>

#include "tollgate/authing_sign.h"
#include "dialects/authing/authing.h"
#include "dialects/dialect_util.h"


#define TG_ATH_PREFIX      "/api/v3/"
#define TG_ATH_HEADERS_MAX 128 /* headers in one request */
#define TG_ATH_MESSAGE_MAX 512

typedef struct {
    tg_service_t *svc;
    int64_t       token_seconds; /* the life of a management token */
} tg_authing_t;

typedef struct {
    int64_t token_seconds;
} tg_authing_settings_t;

typedef struct tg_ath_call_s tg_ath_call_t;

typedef void (*tg_ath_route_pt)(tg_ath_call_t *call);

typedef struct {
    const char     *method;
    const char     *path; /* after TG_ATH_PREFIX */
    int             authenticated;
    tg_ath_route_pt run;
} tg_ath_route_t;

/* One request in progress. */
struct tg_ath_call_s {
    tg_authing_t         *ath;
    tg_service_t         *svc;
    tg_http_request_t    *req;
    tg_http_response_t   *res;
    tg_actor_t            actor;
    const tg_ath_route_t *route;

    /* Every header as it came (names and values owned by the request). */
    tg_authing_item_t headers[TG_ATH_HEADERS_MAX];
    size_t            nheaders;

    /* The parameters: the query's for GET, the JSON body's top-level
     * fields for POST, as the SDK signs them (values rendered as text
     * into owned[]). */
    tg_authing_item_t params[TG_AUTHING_ITEMS_MAX];
    size_t            nparams;
    char             *owned[TG_AUTHING_ITEMS_MAX];
    json_t           *body; /* POST: the parsed body */

    tg_error_t err; /* a core error, rendered through the table */

    /* An error of the dialect itself: set by tg_ath_fail(). */
    unsigned status; /* Authing's statusCode */
    int      api_code;
    char     message[TG_ATH_MESSAGE_MAX];
};


/* ---- parameters (authing.c) ---- */

/* A parameter's value (for POST, a string field's); NULL ptr when
 * absent. */
tg_str_t tg_ath_param(const tg_ath_call_t *call, const char *name);


/* ---- authentication (authing_auth.c) ---- */

/*
 * Authenticates the call, signed or with a token, through the core,
 * which fills call->actor.  Returns 0, or an error set with
 * tg_ath_fail().
 */
int tg_ath_authenticate(tg_ath_call_t *call);


/* ---- rendering and errors (authing_render.c) ---- */

/* Sets the dialect error to send: statusCode, apiCode and message. */
int tg_ath_fail(tg_ath_call_t *call, unsigned status, int api_code,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Renders call->err (a core error) through the table and sends it. */
void tg_ath_fail_core(tg_ath_call_t *call);

/* Sends the dialect error in call. */
void tg_ath_send_error(tg_ath_call_t *call);

/* Sends a success: {statusCode: 200, message, requestId, data} with
 * data (consumed; NULL sends none). */
void tg_ath_reply(tg_ath_call_t *call, json_t *data);


/* ---- routes (authing_apps.c) ---- */

void tg_ath_get_management_token(tg_ath_call_t *call);
void tg_ath_refresh_application_secret(tg_ath_call_t *call);
void tg_ath_get_application_secret(tg_ath_call_t *call);
void tg_ath_get_application(tg_ath_call_t *call);
void tg_ath_list_applications(tg_ath_call_t *call);

#endif /* TOLLGATE_AUTHING_INT_H */
