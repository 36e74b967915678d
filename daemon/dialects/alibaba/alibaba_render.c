/*
 * The Alibaba dialect's responses: successes and errors in JSON or XML,
 * and the one table that maps the core's errors to Alibaba's codes.
 *
 * Errors have Alibaba's shape, with its HTTP status:
 *     {"RequestId": "...", "HostId": "...", "Code": "MissingAppName",
 *      "Message": "...", "Recommend": "..."}
 * A success never carries a Code (pop-core takes one for an error).
 * Where Alibaba documents only a pattern (Invalid%s, NotFound%s...), the
 * code is instantiated with the parameter's name; docs/dialects/
 * alibaba.md lists every choice.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/utf8.h"
#include "dialects/alibaba/alibaba_int.h"


#define TG_ALI_RECOMMEND \
    "https://api.alibabacloud.com/troubleshoot?product=CloudAPI&q="

/* How a core error reads in Alibaba's terms.  In code and message, %s
 * stands for the parameter the error concerns (or subject). */
typedef struct {
    int         error;
    unsigned    status;
    const char *code;
    const char *message;
    const char *subject;
} tg_ali_error_map_t;

/* clang-format off */

static const tg_ali_error_map_t tg_ali_errors[] = {
    { TG_EINVALID, 400, "Invalid%s",
      "The specified parameter %s value is not valid.", "Parameter" },
    { TG_EMISSING, 400, "Missing%s",
      "The %s is mandatory for this action.", "Parameter" },
    { TG_EUNKNOWN_FIELD, 400, "InvalidParameter",
      "The specified parameter %s value is not valid.", "Parameter" },
    { TG_EBAD_REQUEST, 400, "InvalidParameter",
      "The specified parameter %s value is not valid.", "Parameter" },
    { TG_EMALFORMED, 400, "InvalidParameter", "The request is malformed.", "" },
    { TG_EAPP_NOT_FOUND, 400, "NotFoundApp",
      "Cannot find resource according to your specified %s.", "App" },
    { TG_EKEY_NOT_FOUND, 400, "NotFoundAppKey",
      "Cannot find resource according to your specified %s.", "AppKey" },
    { TG_ECODE_NOT_FOUND, 400, "NotFoundAppCode",
      "Cannot find resource according to your specified %s.", "AppCode" },
    { TG_EAPI_NOT_FOUND, 400, "NotFoundApi",
      "Cannot find resource according to your specified %s.", "Api" },
    { TG_EGRANT_NOT_FOUND, 400, "NotFoundAuthorization",
      "Cannot find resource according to your specified %s.",
      "Authorization" },
    { TG_EACCOUNT_NOT_FOUND, 404, "UserNotFound",
      "The specified user can not be found.", "User" },
    { TG_ENAME_TAKEN, 400, "Repeated%s",
      "The specified %s is repeated.", "AppName" },
    { TG_EAPP_KEY_TAKEN, 400, "Repeated%s",
      "The specified %s is repeated.", "AppKey" },
    { TG_EAPP_CODE_TAKEN, 400, "Repeated%s",
      "The specified %s is repeated.", "AppCode" },
    { TG_EAPP_LIMIT, 400, "ExceedLimitApp",
      "The specified %s count exceeds the limit.", "App" },
    { TG_EKEY_LIMIT, 400, "ExceedLimitAppKey",
      "The specified %s count exceeds the limit.", "AppKey" },
    { TG_ECODE_LIMIT, 400, "ExceedLimitAppCode",
      "The specified %s count exceeds the limit.", "AppCode" },
    { TG_ELAST_KEY, 403, "ForbiddenAppKey",
      "Not allowed to operate on the specified %s.", "AppKey" },
    { TG_ERATE_LIMITED, 400, "Throttling.User",
      "Request was denied due to user flow control.", "" },
    { TG_EFORBIDDEN, 403, "NoPermission",
      "User is not authorized to operate on the specified resource.", "" },
    { TG_ECONFLICT, 400, "RepeatedCommit", "Resubmit request.", "" },
    { TG_EREVEAL_REFUSED, 403, "ForbiddenRevealAppSecret",
      "The AppSecret is shown only when it is created or reset: the "
      "account's credential policy is reveal-once.", "" },
    { TG_EBUSY, 503, "ServiceUnavailable",
      "The request has failed due to a temporary failure of the server.",
      "" },
};

/* The parameter each core field stands for, unless the action renames
 * it (call->field_names). */
static const char *const tg_ali_field_names[TG__FIELD_COUNT] = {
    [TG_FIELD_NAME] = "AppName",
    [TG_FIELD_DESCRIPTION] = "Description",
    [TG_FIELD_TAGS] = "Tag",
    [TG_FIELD_EXTEND] = "Extend",
    [TG_FIELD_STATUS] = "Disabled",
    [TG_FIELD_APP_KEY] = "AppKey",
    [TG_FIELD_APP_SECRET] = "AppSecret",
    [TG_FIELD_APP_CODE] = "AppCode",
    [TG_FIELD_STAGE] = "StageName",
    [TG_FIELD_EXPIRES_AT] = "AuthValidTime",
    [TG_FIELD_ACCOUNT_ID] = "AppOwner",
    [TG_FIELD_LIMIT] = "PageSize",
    [TG_FIELD_OFFSET] = "PageNumber",
};

/* clang-format on */


int
tg_ali_fail(tg_ali_call_t *call, unsigned status, const char *code,
            const char *fmt, ...)
{
    va_list ap;

    call->status = status;
    snprintf(call->code, sizeof(call->code), "%s", code);

    va_start(ap, fmt);
    vsnprintf(call->message, sizeof(call->message), fmt, ap);
    va_end(ap);

    return TG_EINVALID;
}


int
tg_ali_missing(tg_ali_call_t *call, const char *name)
{
    tg_ali_fail(call, 400, "", "The %s is mandatory for this action.", name);
    snprintf(call->code, sizeof(call->code), "Missing%s", name);
    return TG_EMISSING;
}


int
tg_ali_invalid(tg_ali_call_t *call, const char *name, const char *detail)
{
    tg_ali_fail(call, 400, "",
                "The specified parameter %s value is not valid%s%s.", name,
                detail != NULL ? ": " : "", detail != NULL ? detail : "");
    snprintf(call->code, sizeof(call->code), "Invalid%s", name);
    return TG_EINVALID;
}


/* Writes fmt with each "%s" replaced by subject. */
static void
tg_ali_instantiate(char *out, size_t size, const char *fmt, const char *subject)
{
    const char *at = strstr(fmt, "%s");

    if (at == NULL) {
        snprintf(out, size, "%s", fmt);
        return;
    }

    snprintf(out, size, "%.*s%s%s", (int) (at - fmt), fmt, subject, at + 2);
}


int
tg_ali_core_error(tg_ali_call_t *call)
{
    const tg_ali_error_map_t *map;
    const tg_error_t         *err = &call->err;
    const char               *subject, *name;
    char                      message[TG_ALI_MESSAGE_MAX];
    unsigned                  status = tg_err_http_status(err->code);
    size_t                    len;

    map = TG_DIALECT_ERROR_ROW(tg_ali_errors, err->code);
    if (map == NULL) {
        /* Whatever else fails is the server's fault: never a 500 with
         * another body, never a detail of the inside. */
        return tg_ali_fail(
            call, status >= 500 && status != 503 ? 500 : 503,
            status == 503 ? "ServiceUnavailable" : "InternalError",
            status == 503 ? "The request has failed due to a temporary "
                            "failure of the server."
                          : "The request processing has failed due to "
                            "some unknown error, exception or failure.");
    }

    subject = map->subject;
    if (strstr(map->code, "%s") != NULL && err->field != TG_FIELD_NONE) {
        name = call->field_names[err->field] != NULL
                   ? call->field_names[err->field]
                   : tg_ali_field_names[err->field];
        subject = name != NULL ? name : subject;
    }

    call->status = map->status;
    tg_ali_instantiate(call->code, sizeof(call->code), map->code, subject);
    tg_ali_instantiate(message, sizeof(message), map->message, subject);

    /* The core's detail is a rule, never a value: it helps. */

    len = strlen(message);
    if (err->detail[0] != '\0' && len > 0 && message[len - 1] == '.') {
        snprintf(message + len - 1, sizeof(message) - len + 1, ": %s.",
                 err->detail);
    }

    snprintf(call->message, sizeof(call->message), "%s", message);

    if (err->code == TG_ERATE_LIMITED) {
        tg_http_response_header(call->res, "Retry-After", "%lld",
                                err->retry_after > 0 ? err->retry_after : 1);
    }

    return err->code;
}


/* ---- XML ---- */


static int
tg_ali_xml_text(tg_buf_t *out, const char *s, size_t len)
{
    size_t i;
    int    rc = TG_OK;

    for (i = 0; i < len && rc == TG_OK; i++) {
        switch (s[i]) {
        case '&':
            rc = tg_buf_append_c(out, "&amp;");
            break;
        case '<':
            rc = tg_buf_append_c(out, "&lt;");
            break;
        case '>':
            rc = tg_buf_append_c(out, "&gt;");
            break;
        case '"':
            rc = tg_buf_append_c(out, "&quot;");
            break;
        case '\'':
            rc = tg_buf_append_c(out, "&apos;");
            break;
        default:
            rc = tg_buf_append(out, s + i, 1);
        }
    }

    return rc;
}


static int tg_ali_xml_value(tg_buf_t *out, const char *name, json_t *value);


/* <name>...</name> for each member of obj. */
static int
tg_ali_xml_members(tg_buf_t *out, json_t *obj)
{
    const char *key;
    json_t     *value;
    size_t      i;
    int         rc = TG_OK;

    json_object_foreach(obj, key, value)
    {
        if (json_is_array(value)) {
            /* Alibaba's wrapped arrays repeat the element. */
            for (i = 0; i < json_array_size(value) && rc == TG_OK; i++) {
                rc = tg_ali_xml_value(out, key, json_array_get(value, i));
            }
        } else {
            rc = tg_ali_xml_value(out, key, value);
        }
        if (rc != TG_OK) {
            break;
        }
    }

    return rc;
}


static int
tg_ali_xml_value(tg_buf_t *out, const char *name, json_t *value)
{
    int rc;

    rc = tg_buf_printf(out, "<%s>", name);

    if (rc != TG_OK) {
        return rc;
    }

    switch (json_typeof(value)) {
    case JSON_OBJECT:
        rc = tg_ali_xml_members(out, value);
        break;
    case JSON_STRING:
        rc = tg_ali_xml_text(out, json_string_value(value),
                             json_string_length(value));
        break;
    case JSON_INTEGER:
        rc = tg_buf_printf(out, "%lld", (long long) json_integer_value(value));
        break;
    case JSON_TRUE:
        rc = tg_buf_append_c(out, "true");
        break;
    case JSON_FALSE:
        rc = tg_buf_append_c(out, "false");
        break;
    default:
        break;
    }

    return rc == TG_OK ? tg_buf_printf(out, "</%s>", name) : rc;
}


/* Renders obj (consumed) as JSON or XML with root as the XML root. */
static void
tg_ali_send(tg_ali_call_t *call, unsigned status, const char *root, json_t *obj)
{
    tg_buf_t *body = &call->res->body;
    char     *text;
    int       rc;

    tg_buf_reset(body);

    if (obj == NULL) {
        rc = TG_ENOMEM;
    } else if (call->xml) {
        rc =
            tg_buf_append_c(body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
        if (rc == TG_OK) {
            rc = tg_ali_xml_value(body, root, obj);
        }
    } else {
        text = json_dumps(obj, JSON_COMPACT);
        rc = text != NULL ? tg_buf_append_c(body, text) : TG_ENOMEM;
        if (text != NULL) {
            tg_wipe(text, strlen(text));
            free(text);
        }
    }

    if (obj != NULL) {
        json_decref(obj);
    }

    call->res->content_type =
        call->xml ? "text/xml;charset=utf-8" : "application/json;charset=utf-8";

    if (rc != TG_OK) {
        tg_buf_reset(body);
        (void) tg_buf_printf(body,
                             "{\"RequestId\":\"%s\",\"Code\":\"InternalError\","
                             "\"Message\":\"The response could not be "
                             "built.\"}",
                             call->request_id);
        call->res->content_type = "application/json;charset=utf-8";
        status = 500;
    }

    call->res->status = status;
}


/* The Host the client called, if it is plain text; else the product's. */
static void
tg_ali_host(const tg_ali_call_t *call, char *out, size_t size)
{
    const char *host = tg_http_header(call->req, "Host");
    size_t      i;

    snprintf(out, size, "%s", host != NULL ? host : "apigateway.tollgate");
    for (i = 0; out[i] != '\0'; i++) {
        if (out[i] <= ' ' || out[i] > '~' || out[i] == '<' || out[i] == '&') {
            snprintf(out, size, "apigateway.tollgate");
            return;
        }
    }
}


/*
 * Messages may quote names from the request: keep them valid text, line
 * by line, so that the newlines of a V3 string to sign stay newlines.
 */
static void
tg_ali_message_sanitize(const char *in, char *out, size_t size)
{
    const char *p = in, *nl;
    size_t      used = 0, n;

    out[0] = '\0';

    while (used + 1 < size) {
        nl = strchr(p, '\n');
        n = nl != NULL ? (size_t) (nl - p) : strlen(p);
        used += tg_utf8_sanitize((tg_str_t){ p, n }, out + used, size - used);
        if (nl == NULL || used + 1 >= size) {
            break;
        }
        out[used++] = '\n';
        out[used] = '\0';
        p = nl + 1;
    }
}


void
tg_ali_fail_core(tg_ali_call_t *call)
{
    tg_ali_core_error(call);
    tg_ali_send_error(call);
}


void
tg_ali_send_error(tg_ali_call_t *call)
{
    char    host[128], message[TG_ALI_MESSAGE_MAX], recommend[256];
    json_t *obj;

    if (call->code[0] == '\0') {
        tg_ali_core_error(call);
    }

    tg_ali_message_sanitize(call->message, message, sizeof(message));
    tg_ali_host(call, host, sizeof(host));
    snprintf(recommend, sizeof(recommend), "%s%s&requestId=%s",
             TG_ALI_RECOMMEND, call->code, call->request_id);

    obj = json_pack("{s:s,s:s,s:s,s:s,s:s}", "RequestId", call->request_id,
                    "HostId", host, "Code", call->code, "Message", message,
                    "Recommend", recommend);

    tg_ali_send(call, call->status != 0 ? call->status : 500, "Error", obj);
}


void
tg_ali_reply(tg_ali_call_t *call, json_t *obj)
{
    char root[96];

    if (obj == NULL) {
        obj = json_object();
    }
    if (obj != NULL
        && json_object_set_new(obj, "RequestId", json_string(call->request_id))
               != 0)
    {
        json_decref(obj);
        obj = NULL;
    }

    snprintf(root, sizeof(root), "%sResponse", call->action);
    tg_ali_send(call, 200, root, obj);
}
