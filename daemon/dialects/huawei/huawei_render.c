/*
 * The Huawei dialect's responses, and the one table that maps the core's
 * errors to Huawei's codes (reference appendix_huawei_apig_mgmt_error_
 * codes_otc.txt).  Errors have Huawei's shape:
 *     {"error_code": "APIG.3004", "error_msg": "...", "request_id": "..."}
 * with X-Request-Id on every answer (the server adds it).
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/time.h"
#include "tollgate/utf8.h"
#include "dialects/huawei/huawei_int.h"


typedef struct {
    int         error;
    unsigned    status;
    const char *code;
    const char *message;
} tg_hw_error_map_t;

/* clang-format off */

static const tg_hw_error_map_t tg_hw_errors[] = {
    { TG_EINVALID,          400, "APIG.2012", "Invalid parameter value" },
    { TG_EMISSING,          400, "APIG.2001",
      "The request parameters must be specified" },
    { TG_EUNKNOWN_FIELD,    400, "APIG.2011", "Invalid parameter value" },
    { TG_EBAD_REQUEST,      400, "APIG.2011", "Invalid parameter value" },
    { TG_EMALFORMED,        400, "APIG.2000",
      "Parameter error. The request is malformed" },
    { TG_EBAD_JSON,         400, "APIG.2011", "Invalid parameter value" },
    { TG_EAPP_NOT_FOUND,    404, "APIG.3004", "The app does not exist" },
    { TG_EKEY_NOT_FOUND,    404, "APIG.3004", "The app does not exist" },
    { TG_ECODE_NOT_FOUND,   404, "APIG.3082", "The AppCode does not exist" },
    { TG_EAPI_NOT_FOUND,    404, "APIG.3002", "The API does not exist" },
    { TG_EGRANT_NOT_FOUND,  404, "APIG.3009",
      "The app authorization record does not exist" },
    { TG_EACCOUNT_NOT_FOUND, 403, "APIG.0310", "The project is unavailable" },
    { TG_ENAME_TAKEN,       400, "APIG.3203", "The app name already exists" },
    { TG_EAPP_KEY_TAKEN,    400, "APIG.3310", "The AppKey already exists" },
    { TG_EAPP_CODE_TAKEN,   400, "APIG.2012",
      "Invalid parameter value,parameterName:app_code. The AppCode already "
      "exists" },
    { TG_EAPP_LIMIT,        403, "APIG.3103",
      "The number of apps exceeds the maximum allowed limit" },
    { TG_ECODE_LIMIT,       403, "APIG.3131",
      "The number of AppCodes exceeds the maximum allowed limit" },
    { TG_EKEY_LIMIT,        403, "APIG.3103",
      "The number of AppKeys exceeds the maximum allowed limit" },
    { TG_EFORBIDDEN,        403, "APIG.1005",
      "No permissions to request this method" },
    { TG_EUNAUTHENTICATED,  401, "APIG.0301",
      "Incorrect IAM authentication information" },
    { TG_ERATE_LIMITED,     429, "APIG.0308",
      "The throttling threshold has been reached" },
    { TG_ECONFLICT,         409, "APIG.2011",
      "The request conflicts with the current state" },
    { TG_ETOO_LARGE,        413, "APIG.0201", "Request entity too large" },
    { TG_EREVEAL_REFUSED,   403, "APIG.1005",
      "No permissions to request this method: the app secret is shown "
      "only when it is created or reset (reveal-once credential policy)" },
    { TG_EBUSY,             503, "APIG.9999",
      "Service unavailable; retry the request" },
};

/* clang-format on */


int
tg_hw_fail(tg_hw_call_t *call, unsigned status, const char *code,
           const char *fmt, ...)
{
    va_list args;

    call->status = status;
    snprintf(call->code, sizeof(call->code), "%s", code);

    va_start(args, fmt);
    vsnprintf(call->message, sizeof(call->message), fmt, args);
    va_end(args);

    return TG_EINVALID;
}


int
tg_hw_invalid(tg_hw_call_t *call, const char *name, const char *rule)
{
    return tg_hw_fail(call, 400, "APIG.2012",
                      "Invalid parameter value,parameterName:%s.%s%s", name,
                      rule != NULL ? " It " : "", rule != NULL ? rule : "");
}


int
tg_hw_missing(tg_hw_call_t *call, const char *name)
{
    return tg_hw_fail(call, 400, "APIG.2001",
                      "The request parameters must be specified,"
                      "parameterName:%s.",
                      name);
}


/* Huawei's parameter name of a core field. */
static const char *
tg_hw_field_name(tg_field_t field)
{
    switch (field) {
    case TG_FIELD_DESCRIPTION:
        return "remark";
    case TG_FIELD_STAGE:
        return "env_id";
    case TG_FIELD_LIMIT:
        return "limit";
    case TG_FIELD_OFFSET:
        return "offset";
    default:
        return tg_field_name(field);
    }
}


int
tg_hw_core_error(tg_hw_call_t *call)
{
    const tg_error_t        *err = &call->err;
    const tg_hw_error_map_t *e;

    if (err->code == TG_EINVALID || err->code == TG_EMISSING) {
        if (err->code == TG_EMISSING) {
            return tg_hw_missing(call, tg_hw_field_name(err->field));
        }
        return tg_hw_invalid(call, tg_hw_field_name(err->field),
                             err->detail[0] != '\0' ? err->detail : NULL);
    }

    e = TG_DIALECT_ERROR_ROW(tg_hw_errors, err->code);
    if (e == NULL) {
        return tg_hw_fail(call, 500, "APIG.9999", "Internal Server Error");
    }

    /* The core's detail is a rule, never a value: it helps. */
    return tg_hw_fail(call, e->status, e->code, "%s%s%s", e->message,
                      err->detail[0] != '\0' ? ": " : "", err->detail);
}


void
tg_hw_reply(tg_hw_call_t *call, unsigned status, json_t *obj)
{
    char *text = NULL;

    tg_buf_reset(&call->res->body);

    if (obj == NULL) {
        call->res->status = status;
        return;
    }

    text = json_dumps(obj, JSON_COMPACT);
    json_decref(obj);

    if (text == NULL || tg_buf_append_c(&call->res->body, text) != TG_OK) {
        tg_buf_reset(&call->res->body);
        (void) tg_buf_append_c(&call->res->body,
                               "{\"error_code\":\"APIG.9999\","
                               "\"error_msg\":\"Internal Server Error\"}");
        call->res->status = 500;
    } else {
        call->res->status = status;
    }

    if (text != NULL) {
        tg_wipe(text, strlen(text));
        free(text);
    }
}


void
tg_hw_fail_core(tg_hw_call_t *call)
{
    tg_hw_core_error(call);
    tg_hw_send_error(call);
}


void
tg_hw_send_error(tg_hw_call_t *call)
{
    char message[TG_HW_MESSAGE_MAX];

    /* A message may quote what the client sent: keep it valid UTF-8. */
    tg_utf8_sanitize(tg_str_c(call->message), message, sizeof(message));

    tg_hw_reply(call, call->status != 0 ? call->status : 500,
                json_pack("{s:s,s:s,s:s}", "error_code",
                          call->code[0] != '\0' ? call->code : "APIG.9999",
                          "error_msg", message, "request_id",
                          tg_http_request_id(call->req)));
}


json_t *
tg_hw_time(int64_t ms)
{
    char text[TG_RFC3339_LEN + 1];

    tg_time_format(ms, 0, text);
    return json_string(text);
}


void
tg_hw_append(json_t **list, json_t *item)
{
    if (*list == NULL) {
        json_decref(item);
        return;
    }
    /* json_array_append_new() takes item even when it fails. */
    if (item == NULL || json_array_append_new(*list, item) != 0) {
        json_decref(*list);
        *list = NULL;
    }
}


json_t *
tg_hw_page_json(const char *name, json_t *list, int64_t total, size_t size)
{
    if (list == NULL) {
        return NULL;
    }
    return json_pack("{s:I,s:I,s:o}", "total", (json_int_t) total, "size",
                     (json_int_t) size, name, list);
}


json_t *
tg_hw_app_json(const tg_app_t *app, const char *app_key)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:s,s:s,s:i,s:s}", "id", app->id,
                     "name", app->name != NULL ? app->name : "", "remark",
                     app->description != NULL ? app->description : "",
                     "creator", tg_creator_name(app->creator), "register_time",
                     tg_hw_time(app->created_at), "update_time",
                     tg_hw_time(app->updated_at), "app_key",
                     app_key != NULL ? app_key : "", "app_secret", "******",
                     "status", app->enabled ? 1 : 2, "app_type", "apig");
}
