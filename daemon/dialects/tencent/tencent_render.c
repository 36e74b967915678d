/*
 * The Tencent dialect's responses, and the one table that maps the
 * core's errors to Tencent's codes.
 *
 * Every answer is HTTP 200 (Tencent's SDKs take any other status for a
 * transport failure):
 *     {"Response": {"Result": ..., "RequestId": "..."}}
 *     {"Response": {"Error": {"Code": "...", "Message": "..."},
 *                   "RequestId": "..."}}
 * The codes are those Tencent's SDKs list for the app actions
 * (reference: tencentcloud-sdk-go's client.go); docs/dialects/tencent.md
 * lists every choice.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/utf8.h"
#include "dialects/tencent/tencent_int.h"


/* How a core error reads in Tencent's terms.  In message, %s stands for
 * the parameter the error concerns. */
typedef struct {
    int         error;
    const char *code;
    const char *message;
} tg_tc_error_map_t;

/* clang-format off */

static const tg_tc_error_map_t tg_tc_errors[] = {
    { TG_EINVALID, "InvalidParameterValue",
      "The value of parameter `%s` is not valid." },
    { TG_EMISSING, "MissingParameter",
      "The request is missing a required parameter `%s`." },
    { TG_EUNKNOWN_FIELD, "UnknownParameter",
      "The parameter `%s` is not recognized." },
    { TG_EBAD_REQUEST, "InvalidParameter.FormatError",
      "Incorrect parameter format." },
    { TG_EMALFORMED, "InvalidParameter", "The request is malformed." },
    { TG_EAPP_NOT_FOUND, "ResourceNotFound.InvalidApiApp",
      "The application ID is incorrect." },
    { TG_EKEY_NOT_FOUND, "ResourceNotFound.InvalidApiApp",
      "The application key is incorrect." },
    { TG_EAPI_NOT_FOUND, "ResourceNotFound.InvalidApi",
      "Incorrect ApiId." },
    { TG_EGRANT_NOT_FOUND, "UnsupportedOperation.ResourceUnassociated",
      "The resource is not associated." },
    { TG_ENAME_TAKEN, "InvalidParameterValue",
      "An application with this `%s` already exists." },
    { TG_EAPP_KEY_TAKEN, "FailedOperation.AccessKeyExist",
      "The custom key already exists." },
    { TG_EAPP_LIMIT, "LimitExceeded.ApiAppCountLimitExceeded",
      "The number of applications exceeds the limit." },
    { TG_EKEY_LIMIT, "LimitExceeded.ApiKeyCountLimitExceeded",
      "The number of keys exceeds the limit." },
    { TG_ERATE_LIMITED, "RequestLimitExceeded",
      "The number of requests exceeds the frequency limit." },
    { TG_EFORBIDDEN, "UnauthorizedOperation",
      "The request is not authorized." },
    { TG_EREVEAL_REFUSED, "UnauthorizedOperation",
      "The application secret is shown only when it is created or reset: "
      "the account's credential policy is reveal-once." },
    { TG_ECONFLICT, "FailedOperation.ApiInOperation",
      "The resource is being changed. Please try again later." },
    { TG_EBUSY, "InternalError",
      "The server is busy. Please try again later." },
};

/* The parameter each core field stands for, unless the action renames
 * it (call->field_names). */
static const char *const tg_tc_field_names[TG__FIELD_COUNT] = {
    [TG_FIELD_NAME] = "ApiAppName",
    [TG_FIELD_DESCRIPTION] = "ApiAppDesc",
    [TG_FIELD_APP_KEY] = "ApiAppKey",
    [TG_FIELD_APP_SECRET] = "ApiAppSecret",
    [TG_FIELD_STAGE] = "Environment",
    [TG_FIELD_LIMIT] = "Limit",
    [TG_FIELD_OFFSET] = "Offset",
};

/* clang-format on */


int
tg_tc_fail(tg_tc_call_t *call, const char *code, const char *fmt, ...)
{
    va_list ap;

    snprintf(call->code, sizeof(call->code), "%s", code);

    va_start(ap, fmt);
    vsnprintf(call->message, sizeof(call->message), fmt, ap);
    va_end(ap);

    return TG_EINVALID;
}


int
tg_tc_core_error(tg_tc_call_t *call)
{
    const tg_tc_error_map_t *map;
    const tg_error_t        *err = &call->err;
    const char              *name = NULL, *at;
    char                     message[TG_TC_MESSAGE_MAX];
    size_t                   len;

    map = TG_DIALECT_ERROR_ROW(tg_tc_errors, err->code);
    if (map == NULL) {
        /* Whatever else fails is the server's fault, told without a
         * detail of the inside. */
        return tg_tc_fail(call, "InternalError",
                          "An internal error occurred. Please try again "
                          "later.");
    }

    if (err->field != TG_FIELD_NONE) {
        name = call->field_names[err->field] != NULL
                   ? call->field_names[err->field]
                   : tg_tc_field_names[err->field];
    }

    at = strstr(map->message, "%s");
    if (at != NULL) {
        snprintf(message, sizeof(message), "%.*s%s%s",
                 (int) (at - map->message), map->message,
                 name != NULL ? name : "parameter", at + 2);
    } else {
        snprintf(message, sizeof(message), "%s", map->message);
    }

    /* The core's detail is a rule, never a value: it helps. */

    len = strlen(message);
    if (err->detail[0] != '\0' && len > 0 && message[len - 1] == '.') {
        snprintf(message + len - 1, sizeof(message) - len + 1, ": %s.",
                 err->detail);
    }

    snprintf(call->code, sizeof(call->code), "%s", map->code);
    snprintf(call->message, sizeof(call->message), "%s", message);
    return err->code;
}


/* Sends {"Response": obj} (obj consumed) with status 200. */
static void
tg_tc_send(tg_tc_call_t *call, json_t *obj)
{
    tg_buf_t *body = &call->res->body;
    json_t   *wrapper = NULL;
    char     *text = NULL;
    int       rc = TG_ENOMEM;

    tg_buf_reset(body);

    if (obj != NULL
        && json_object_set_new(obj, "RequestId", json_string(call->request_id))
               == 0)
    {
        wrapper = json_pack("{s:O}", "Response", obj);
    }
    if (wrapper != NULL) {
        text = json_dumps(wrapper, JSON_COMPACT);
    }
    if (text != NULL) {
        rc = tg_buf_append_c(body, text);
        tg_wipe(text, strlen(text));
        free(text);
    }

    if (wrapper != NULL) {
        json_decref(wrapper);
    }
    if (obj != NULL) {
        json_decref(obj);
    }

    if (rc != TG_OK) {
        tg_buf_reset(body);
        (void) tg_buf_printf(body,
                             "{\"Response\":{\"Error\":{\"Code\":"
                             "\"InternalError\",\"Message\":\"The response "
                             "could not be built.\"},\"RequestId\":\"%s\"}}",
                             call->request_id);
    }

    call->res->content_type = "application/json";
    call->res->status = 200;
}


void
tg_tc_send_error(tg_tc_call_t *call)
{
    char message[TG_TC_MESSAGE_MAX];

    if (call->code[0] == '\0') {
        tg_tc_core_error(call);
    }

    tg_utf8_sanitize(tg_str_c(call->message), message, sizeof(message));

    tg_tc_send(call, json_pack("{s:{s:s,s:s}}", "Error", "Code", call->code,
                               "Message", message));
}


void
tg_tc_fail_core(tg_tc_call_t *call)
{
    tg_tc_core_error(call);
    tg_tc_send_error(call);
}


void
tg_tc_reply(tg_tc_call_t *call, json_t *obj)
{
    tg_tc_send(call, obj);
}


void
tg_tc_reply_true(tg_tc_call_t *call)
{
    tg_tc_reply(call, json_pack("{s:b}", "Result", 1));
}
