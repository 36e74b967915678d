/*
 * The Authing dialect's answers: the envelope every response shares
 * ({statusCode, message, requestId, data}), and the one table that maps
 * the core's errors to Authing's statusCodes and apiCodes.
 *
 * Errors the client can act on travel with HTTP 200 and the status in
 * the body's statusCode, as the SDK expects: it returns the parsed body
 * and leaves statusCode to the caller, while its HTTP client would throw
 * on any other status.  Failures of the server itself (statusCode 500
 * and 503) also carry that HTTP status, for proxies and monitoring.
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tollgate/time.h"
#include "tollgate/utf8.h"
#include "dialects/authing/authing_int.h"


/* apiCodes Authing documents (docs.authing.cn error codes). */
#define TG_ATH_BUSY          1000
#define TG_ATH_NO_PERMISSION 1001
#define TG_ATH_APP_ID_NEEDED 2010
#define TG_ATH_NO_APP        2011
#define TG_ATH_NOT_LOGGED_IN 2020
#define TG_ATH_NO_POOL       2224

typedef struct {
    int         error;
    unsigned    status;
    int         api_code; /* Authing's where one fits, else the status */
    const char *message;
} tg_ath_error_t;

/* clang-format off */

static const tg_ath_error_t tg_ath_errors[] = {
    { TG_EAPP_NOT_FOUND,     404, TG_ATH_NO_APP,
      "Application does not exist." },
    { TG_EKEY_NOT_FOUND,     404, TG_ATH_NO_APP,
      "Application does not exist." },
    { TG_EACCOUNT_NOT_FOUND, 404, TG_ATH_NO_POOL,
      "User pool does not exist." },
    { TG_EUNAUTHENTICATED,   401, TG_ATH_NOT_LOGGED_IN,
      "The accessKeyId or accessKeySecret is wrong." },
    { TG_EFORBIDDEN,         403, TG_ATH_NO_PERMISSION,
      "No permission to perform this operation." },
    { TG_ERATE_LIMITED,      429, TG_ATH_BUSY,
      "Too many requests; retry later." },
    { TG_EBUSY,              503, TG_ATH_BUSY,
      "The system is busy, please try again later." },
    { TG_EINVALID,           400, 400, "A parameter is invalid." },
    { TG_EMISSING,           400, 400, "A parameter is missing." },
    { TG_EBAD_REQUEST,       400, 400, "The request is malformed." },
    { TG_EMALFORMED,         400, 400, "The request is malformed." },
    { TG_ECONFLICT,          409, 409,
      "The request conflicts with the current state." },
    { TG_EREVEAL_REFUSED,    403, TG_ATH_NO_PERMISSION,
      "The application secret is shown only when it is created or "
      "refreshed: the user pool's credential policy is reveal-once." },
};

/* clang-format on */


int
tg_ath_fail(tg_ath_call_t *call, unsigned status, int api_code, const char *fmt,
            ...)
{
    va_list ap;

    call->status = status;
    call->api_code = api_code;

    va_start(ap, fmt);
    vsnprintf(call->message, sizeof(call->message), fmt, ap);
    va_end(ap);

    return TG_EINVALID;
}


void
tg_ath_fail_core(tg_ath_call_t *call)
{
    const tg_ath_error_t *e =
        TG_DIALECT_ERROR_ROW(tg_ath_errors, call->err.code);

    if (e == NULL) {
        tg_ath_fail(call, 500, 500, "Internal error.");
    } else if (call->err.detail[0] != '\0' && e->status == 400) {
        /* The rule that failed: never the value. */
        tg_ath_fail(call, e->status, e->api_code, "%s %s%s%s", e->message,
                    tg_field_name(call->err.field),
                    call->err.field != TG_FIELD_NONE ? ": " : "",
                    call->err.detail);
    } else {
        tg_ath_fail(call, e->status, e->api_code, "%s", e->message);
    }

    if (call->err.code == TG_ERATE_LIMITED && call->err.retry_after > 0) {
        tg_http_response_header(call->res, "Retry-After", "%lld",
                                call->err.retry_after);
    }

    tg_ath_send_error(call);
}


/* Writes obj (consumed) as the response body with an HTTP status. */
static void
tg_ath_send(tg_ath_call_t *call, unsigned http_status, json_t *obj)
{
    tg_buf_t *body = &call->res->body;
    char     *text = NULL;

    tg_buf_reset(body);

    if (obj != NULL) {
        text = json_dumps(obj, JSON_COMPACT);
    }
    if (text == NULL || tg_buf_append_c(body, text) != TG_OK) {
        tg_buf_reset(body);
        http_status = 500;
        (void) tg_buf_append_c(body, "{\"statusCode\":500,\"message\":"
                                     "\"Out of memory.\",\"apiCode\":500}");
    }

    if (text != NULL) {
        tg_wipe(text, strlen(text)); /* it may hold a secret */
        free(text);
    }
    json_decref(obj);

    call->res->status = http_status;
    call->res->content_type = "application/json; charset=utf-8";
}


void
tg_ath_send_error(tg_ath_call_t *call)
{
    unsigned status = call->status != 0 ? call->status : 500;
    char     message[TG_ATH_MESSAGE_MAX];

    /* A message may quote what the client sent (a parameter's name): keep
     * it valid UTF-8, which JSON needs. */
    tg_utf8_sanitize(tg_str_c(call->message), message, sizeof(message));

    tg_ath_send(
        call, status >= 500 ? status : 200,
        json_pack("{s:i,s:s,s:i,s:s}", "statusCode", (int) status, "message",
                  message[0] != '\0' ? message : "Internal error.", "apiCode",
                  call->api_code != 0 ? call->api_code : (int) status,
                  "requestId", tg_http_request_id(call->req)));
}


void
tg_ath_reply(tg_ath_call_t *call, json_t *data)
{
    json_t *obj = json_pack("{s:i,s:s,s:s}", "statusCode", 200, "message",
                            "Operation successful", "requestId",
                            tg_http_request_id(call->req));

    if (obj != NULL && data != NULL
        && json_object_set_new(obj, "data", data) != 0) {
        json_decref(obj);
        obj = NULL;
    } else if (obj == NULL) {
        json_decref(data);
    }

    tg_ath_send(call, 200, obj);
}
