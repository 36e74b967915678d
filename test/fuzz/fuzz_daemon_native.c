/*
 * libFuzzer driver for the native API's request decoding
 * (daemon/dialects/native/native.c): the strict JSON body (media type,
 * syntax, duplicate members, unknown fields, member types), the body's
 * strings and times, the query's names, repeats, integers and times, and
 * the rendering of the error a bad request gets.
 *
 * The request comes from the fake server of fuzz_http.h.  Beyond memory
 * safety (ASan, UBSan), it checks: a body that decodes is an object whose
 * members are all known and of an allowed type; a request that does not
 * decode gets a 4xx (never a 5xx) whose body is a JSON object with an
 * "error"; and a repeated or unknown query parameter is refused.  Run with
 * `make fuzz`.
 */

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dialects/native/native_int.h"
#include "tollgate/error.h"

#include "fuzz_http.h"


static const tg_native_field_t fields[] = {
    { "name", TG_J_STRING },
    { "description", TG_J_STRING | TG_J_NULL },
    { "limit", TG_J_INTEGER },
    { "enabled", TG_J_BOOL },
    { "tags", TG_J_OBJECT },
    { "ids", TG_J_ARRAY },
    { "expires_at", TG_J_STRING | TG_J_NULL },
};

#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static const char *const names[] = { "limit", "offset", "since", "tag", NULL };
static const char *const repeatable[] = { "tag", NULL };


/* Every member is a known field of an allowed type. */
static void
check_body(const json_t *body)
{
    const char *key;
    json_t     *value;
    size_t      i;

    check(json_is_object(body));
    json_object_foreach((json_t *) body, key, value)
    {
        for (i = 0; i < NFIELDS; i++) {
            if (strcmp(key, fields[i].name) == 0) {
                break;
            }
        }
        check(i < NFIELDS);
        check(!json_is_real(value));
        check(!json_is_null(value) || (fields[i].types & TG_J_NULL));
    }
}


/* Renders the call's error: a 4xx with a JSON "error" object. */
static void
check_failure(tg_native_call_t *call)
{
    json_t *doc;

    check(call->err.code != TG_OK);
    if (call->err.code == TG_ENOMEM) {
        return;
    }
    tg_native_fail(call);
    check(call->res->status >= 400 && call->res->status < 500);
    doc = json_loadb(call->res->body.ptr, call->res->body.len, 0, NULL);
    check(doc != NULL && json_is_object(json_object_get(doc, "error")));
    json_decref(doc);
    tg_buf_free(&call->res->body);
    memset(call->res, 0, sizeof(*call->res));
    memset(&call->err, 0, sizeof(call->err));
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tg_http_request_t  req;
    tg_http_response_t res;
    tg_native_call_t   call;
    int64_t            v;
    tg_str_t           s;

    if (fuzz_http_request(&req, data, size) != 0) {
        return 0;
    }
    memset(&res, 0, sizeof(res));
    memset(&call, 0, sizeof(call));
    call.req = &req;
    call.res = &res;

    if (tg_native_body(&call, fields, NFIELDS) == TG_OK) {
        check_body(call.body);
        s = tg_native_str(&call, "name");
        check(s.ptr == NULL || json_is_string(tg_native_get(&call, "name")));
        if (tg_native_body_time(&call, "expires_at", TG_FIELD_NONE, &v)
            != TG_OK) {
            check_failure(&call);
        }
    } else {
        check_failure(&call); /* call.body may be set: freed below */
    }

    if (tg_native_query_check(&call, names, repeatable) != TG_OK) {
        check_failure(&call);
    } else {
        if (tg_native_query_int(&call, "limit", TG_FIELD_NONE, 1, 100, 10, &v)
            != TG_OK) {
            check_failure(&call);
        } else {
            check(v >= 1 && v <= 100);
        }
        if (tg_native_query_time(&call, "since", TG_FIELD_NONE, &v) != TG_OK) {
            check_failure(&call);
        }
    }

    if (call.body != NULL) {
        json_decref(call.body);
    }
    tg_buf_free(&res.body);
    fuzz_http_request_free(&req);
    return 0;
}
