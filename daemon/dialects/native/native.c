/*
 * The native API's routes, authentication, and the helpers its handlers
 * share: strict JSON bodies, query parameters, and rendering of results
 * and errors.
 *
 * Errors have one shape:
 *     {"error": {"code": "app_not_found", "message": "...",
 *                "field": "name", "request_id": "..."}}
 * with the status of the code in the error table (error.h).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tollgate/crypto.h"
#include "tollgate/time.h"
#include "tollgate/utf8.h"
#include "dialects/native/native_int.h"


typedef struct {
    const char          *method;
    const char          *pattern; /* "{}" matches one path segment */
    tg_native_handler_pt handler;
    int public;       /* no access key needed */
    const void *data; /* the handler's (a credential kind), or NULL */
} tg_native_route_t;


static void tg_native_healthz(tg_native_call_t *call);


/* clang-format off */

static const tg_native_route_t tg_native_routes[] = {
    { "GET",    "/healthz",                         tg_native_healthz, 1, NULL },
    { "GET",    "/v1/whoami",                       tg_native_whoami, 0, NULL },

    { "POST",   "/v1/sessions",                     tg_native_session_create,
      1, NULL },
    { "GET",    "/v1/sessions/current",             tg_native_session_get,
      0, NULL },
    { "DELETE", "/v1/sessions/current",             tg_native_session_delete,
      0, NULL },

    { "POST",   "/v1/apps",                         tg_native_app_create, 0, NULL },
    { "GET",    "/v1/apps",                         tg_native_app_list, 0, NULL },
    { "GET",    "/v1/apps/{}",                      tg_native_app_get, 0, NULL },
    { "PATCH",  "/v1/apps/{}",                      tg_native_app_update, 0, NULL },
    { "DELETE", "/v1/apps/{}",                      tg_native_app_delete, 0, NULL },
    { "POST",   "/v1/apps/{}/reset-secret",         tg_native_cred_reset, 0,
      &tg_native_key_pairs },
    { "GET",    "/v1/apps/{}/secret",               tg_native_secret_reveal, 0, NULL },

    { "POST",   "/v1/apps/{}/keys",                 tg_native_cred_add, 0,
      &tg_native_key_pairs },
    { "GET",    "/v1/apps/{}/keys",                 tg_native_cred_list, 0,
      &tg_native_key_pairs },
    { "PATCH",  "/v1/apps/{}/keys/{}",              tg_native_key_update, 0, NULL },
    { "DELETE", "/v1/apps/{}/keys/{}",              tg_native_cred_delete, 0,
      &tg_native_key_pairs },
    { "POST",   "/v1/apps/{}/keys/{}/reset-secret", tg_native_cred_reset, 0,
      &tg_native_key_pairs },

    { "POST",   "/v1/apps/{}/codes",                tg_native_cred_add, 0,
      &tg_native_app_codes },
    { "GET",    "/v1/apps/{}/codes",                tg_native_cred_list, 0,
      &tg_native_app_codes },
    { "POST",   "/v1/apps/{}/codes/{}/reset",       tg_native_cred_reset, 0,
      &tg_native_app_codes },
    { "DELETE", "/v1/apps/{}/codes/{}",             tg_native_cred_delete, 0,
      &tg_native_app_codes },

    { "GET",    "/v1/apps/{}/grants",               tg_native_grant_list_by_app,
      0, NULL },
    { "PUT",    "/v1/apps/{}/grants/{}",            tg_native_grant_put, 0, NULL },
    { "DELETE", "/v1/apps/{}/grants/{}",            tg_native_grant_delete, 0, NULL },

    { "POST",   "/v1/apis",                         tg_native_api_create, 0, NULL },
    { "GET",    "/v1/apis",                         tg_native_api_list, 0, NULL },
    { "GET",    "/v1/apis/{}",                      tg_native_api_get, 0, NULL },
    { "PATCH",  "/v1/apis/{}",                      tg_native_api_update, 0, NULL },
    { "DELETE", "/v1/apis/{}",                      tg_native_api_delete, 0, NULL },
    { "GET",    "/v1/apis/{}/grants",               tg_native_grant_list_by_api,
      0, NULL },

    { "POST",   "/v1/accounts",                     tg_native_account_create,
      0, NULL },
    { "GET",    "/v1/accounts",                     tg_native_account_list, 0, NULL },
    { "GET",    "/v1/accounts/{}",                  tg_native_account_get, 0, NULL },
    { "PATCH",  "/v1/accounts/{}",                  tg_native_account_update,
      0, NULL },
    { "DELETE", "/v1/accounts/{}",                  tg_native_account_delete,
      0, NULL },
    { "POST",   "/v1/accounts/{}/access-keys",      tg_native_access_key_create,
      0, NULL },
    { "GET",    "/v1/accounts/{}/access-keys",      tg_native_access_key_list,
      0, NULL },
    { "GET",    "/v1/accounts/{}/access-keys/{}",   tg_native_access_key_get,
      0, NULL },
    { "PATCH",  "/v1/accounts/{}/access-keys/{}",   tg_native_access_key_update,
      0, NULL },
    { "DELETE", "/v1/accounts/{}/access-keys/{}",   tg_native_access_key_delete,
      0, NULL },

    { "GET",    "/v1/audit",                        tg_native_audit_list, 0, NULL },

    { "POST",   "/v1/accounts/{}/policies",         tg_native_policy_create,
      0, NULL },
    { "GET",    "/v1/accounts/{}/policies",         tg_native_policy_list,
      0, NULL },
    { "GET",    "/v1/accounts/{}/policies/{}",      tg_native_policy_get,
      0, NULL },
    { "PATCH",  "/v1/accounts/{}/policies/{}",      tg_native_policy_update,
      0, NULL },
    { "DELETE", "/v1/accounts/{}/policies/{}",      tg_native_policy_delete,
      0, NULL },
    { "GET",    "/v1/accounts/{}/access-keys/{}/policies",
      tg_native_key_policy_list, 0, NULL },
    { "POST",   "/v1/accounts/{}/access-keys/{}/policies",
      tg_native_key_policy_attach, 0, NULL },
    { "DELETE", "/v1/accounts/{}/access-keys/{}/policies/{}",
      tg_native_key_policy_detach, 0, NULL },
    { "POST",   "/v1/policies/check",               tg_native_policy_check,
      0, NULL },
};

/* clang-format on */

#define TG_NATIVE_NROUTES \
    (sizeof(tg_native_routes) / sizeof(tg_native_routes[0]))


/*
 * Matches path against pattern, capturing the "{}" segments into args.
 * Returns 1 on a match.
 */
static int
tg_native_match(const char *pattern, tg_str_t path, tg_str_t *args)
{
    const char *p = pattern;
    size_t      pos = 0, nargs = 0, end;

    while (*p != '\0') {
        if (*p != '/' || pos >= path.len || path.ptr[pos] != '/') {
            return 0;
        }
        p++;
        pos++;

        end = pos;
        while (end < path.len && path.ptr[end] != '/') {
            end++;
        }

        if (p[0] == '{' && p[1] == '}') {
            if (end == pos || nargs == TG_NATIVE_ARGS_MAX) {
                return 0;
            }
            args[nargs++] = (tg_str_t){ path.ptr + pos, end - pos };
            p += 2;

        } else {
            size_t n = strcspn(p, "/");

            if (n != end - pos || memcmp(p, path.ptr + pos, n) != 0) {
                return 0;
            }
            p += n;
        }

        pos = end;
    }

    return pos == path.len;
}


/* 200 {"status":"ok","store":"up","projection":{...}}; 503 while the
 * projection fails or the store does not answer (see docs/api.md). */
static void
tg_native_healthz(tg_native_call_t *call)
{
    tg_dp_health_t h;
    const char    *status;
    json_t        *error;

    if (tg_service_dp_health(call->svc, &h, &call->err) != TG_OK) {
        tg_native_fail(call);
        return;
    }
    if (!h.reported) {
        tg_native_reply(call, 200, json_pack("{s:s}", "status", "ok"));
        return;
    }

    status = tg_dp_health_status(&h);
    error = h.failing_since == 0
                ? json_null()
                : json_pack("{s:s, s:o, s:I}", "message", h.error, "since",
                            tg_native_time(h.failing_since), "failures",
                            (json_int_t) h.failures);
    tg_native_reply(
        call, h.failing_since == 0 && !h.store_down ? 200 : 503,
        json_pack("{s:s, s:s, s:{s:s, s:I, s:I, s:I, s:o, s:o}}", "status",
                  h.failing_since == 0 && !h.store_down ? "ok" : "failing",
                  "store", h.store_down ? "down" : "up", "projection", "status",
                  status, "applied_seq", (json_int_t) h.applied_seq,
                  "latest_seq", (json_int_t) h.latest_seq, "lag",
                  (json_int_t) (h.latest_seq - h.applied_seq), "last_sync_at",
                  tg_native_time(h.last_sync_at), "error", error));
}


/*
 * Reads HTTP Basic credentials and authenticates them; without an
 * Authorization header, a console session's cookie instead.  Returns 0,
 * or TG_EUNAUTHENTICATED (TG_EFORBIDDEN for a session call without its
 * CSRF token) in call->err.
 */
static int
tg_native_authenticate(tg_native_call_t *call)
{
    const char *header = tg_http_header(call->req, "Authorization");
    tg_str_t    session;
    int         rc;

    if (header == NULL) {
        rc = tg_native_session_cookie(call->req, &session);
        if (rc == 1) {
            return tg_native_session_authenticate(call, session);
        }
        if (rc == -1) {
            return tg_error_set(&call->err, TG_EUNAUTHENTICATED, TG_FIELD_NONE,
                                "the request carries the session cookie "
                                "twice");
        }
    }

    return tg_dialect_basic_authenticate(call->svc, header, &call->actor,
                                         &call->err);
}


/* Lists the methods a path allows into an Allow header. */
static void
tg_native_allow(tg_native_call_t *call, tg_str_t path)
{
    tg_str_t args[TG_NATIVE_ARGS_MAX];
    char     allow[128] = "";
    size_t   i;

    for (i = 0; i < TG_NATIVE_NROUTES; i++) {
        if (tg_native_match(tg_native_routes[i].pattern, path, args)) {
            if (allow[0] != '\0') {
                strncat(allow, ", ", sizeof(allow) - strlen(allow) - 1);
            }
            strncat(allow, tg_native_routes[i].method,
                    sizeof(allow) - strlen(allow) - 1);
        }
    }

    tg_http_response_header(call->res, "Allow", "%s", allow);
}


void
tg_native_handle(tg_service_t *svc, tg_http_request_t *req,
                 tg_http_response_t *res)
{
    const tg_native_route_t *route = NULL;
    tg_native_call_t         call;
    tg_str_t                 path = tg_str_c(tg_http_path(req));
    int                      path_known = 0;
    size_t                   i;

    memset(&call, 0, sizeof(call));
    call.svc = svc;
    call.req = req;
    call.res = res;
    tg_dialect_actor_init(&call.actor, req);

    if (path.len > 1 && path.ptr[path.len - 1] == '/') {
        path.len--;
    }

    if (tg_http_body_too_large(req)) {
        tg_error_code(&call.err, TG_ETOO_LARGE);
        tg_native_fail(&call);
        return;
    }

    for (i = 0; i < TG_NATIVE_NROUTES && route == NULL; i++) {
        if (tg_native_match(tg_native_routes[i].pattern, path, call.args)) {
            path_known = 1;
            if (strcmp(tg_native_routes[i].method, tg_http_method(req)) == 0) {
                route = &tg_native_routes[i];
            }
        }
    }

    if (route == NULL) {
        tg_error_code(&call.err, path_known ? TG_EMETHOD : TG_EROUTE_NOT_FOUND);
        if (path_known) {
            tg_native_allow(&call, path);
        }
        tg_native_fail(&call);
        return;
    }

    if (!route->public && tg_native_authenticate(&call) != TG_OK) {
        tg_native_fail(&call);
        return;
    }

    tg_http_set_actor(req, call.actor.key_id);
    call.data = route->data;
    route->handler(&call);

    if (call.body != NULL) {
        json_decref(call.body);
    }
    tg_actor_free(&call.actor);
}


/* The body's media type must be JSON, if one is named at all. */
static int
tg_native_media_type_ok(const char *type)
{
    static const char json[] = "application/json";
    size_t            n = sizeof(json) - 1;

    return type == NULL
           || (strncasecmp(type, json, n) == 0
               && (type[n] == '\0' || type[n] == ';' || type[n] == ' '));
}


static unsigned
tg_native_json_type(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        return TG_J_STRING;
    case JSON_INTEGER:
        return TG_J_INTEGER;
    case JSON_TRUE:
    case JSON_FALSE:
        return TG_J_BOOL;
    case JSON_OBJECT:
        return TG_J_OBJECT;
    case JSON_ARRAY:
        return TG_J_ARRAY;
    case JSON_NULL:
        return TG_J_NULL;
    default:
        return 0; /* reals are never accepted */
    }
}


static const char *
tg_native_type_names(unsigned types)
{
    switch (types & ~TG_J_NULL) {
    case TG_J_STRING:
        return "a string";
    case TG_J_INTEGER:
        return "an integer";
    case TG_J_BOOL:
        return "a boolean";
    case TG_J_OBJECT:
        return "an object";
    case TG_J_ARRAY:
        return "an array";
    default:
        return "of another type";
    }
}


int
tg_native_body(tg_native_call_t *call, const tg_native_field_t *fields,
               size_t n)
{
    tg_str_t     body = tg_http_body(call->req);
    json_error_t jerr;
    const char  *key;
    json_t      *value;
    size_t       i;

    if (!tg_native_media_type_ok(tg_http_header(call->req, "Content-Type"))
        && body.len > 0)
    {
        return tg_error_set(&call->err, TG_EMEDIA_TYPE, TG_FIELD_NONE,
                            "send Content-Type: application/json "
                            "(curl --json)");
    }

    if (body.len == 0) {
        call->body = json_object();
        return call->body != NULL ? TG_OK
                                  : tg_error_code(&call->err, TG_ENOMEM);
    }

    call->body = json_loadb(body.ptr, body.len, JSON_REJECT_DUPLICATES, &jerr);
    if (call->body == NULL || !json_is_object(call->body)) {
        if (call->body != NULL) {
            json_decref(call->body);
            call->body = NULL;
            return tg_error_set(&call->err, TG_EBAD_JSON, TG_FIELD_NONE,
                                "the body must be a JSON object");
        }
        return tg_error_set(&call->err, TG_EBAD_JSON, TG_FIELD_NONE,
                            "invalid JSON at line %d column %d: %.80s",
                            jerr.line, jerr.column, jerr.text);
    }

    json_object_foreach(call->body, key, value)
    {
        for (i = 0; i < n; i++) {
            if (strcmp(key, fields[i].name) == 0) {
                break;
            }
        }

        if (i == n) {
            return tg_error_set(&call->err, TG_EUNKNOWN_FIELD, TG_FIELD_NONE,
                                "unknown field \"%.64s\"", key);
        }

        if ((tg_native_json_type(value) & fields[i].types) == 0) {
            return tg_error_set(&call->err, TG_EINVALID, TG_FIELD_NONE,
                                "%s: must be %s%s", fields[i].name,
                                tg_native_type_names(fields[i].types),
                                fields[i].types & TG_J_NULL ? " or null" : "");
        }
    }

    return TG_OK;
}


json_t *
tg_native_get(const tg_native_call_t *call, const char *name)
{
    return call->body != NULL ? json_object_get(call->body, name) : NULL;
}


tg_str_t
tg_native_str(const tg_native_call_t *call, const char *name)
{
    json_t *v = tg_native_get(call, name);

    if (v == NULL || !json_is_string(v)) {
        return TG_STR_NULL;
    }

    return (tg_str_t){ json_string_value(v), json_string_length(v) };
}


int
tg_native_has(const tg_native_call_t *call, const char *name)
{
    return tg_native_get(call, name) != NULL;
}


int
tg_native_is_null(const tg_native_call_t *call, const char *name)
{
    json_t *v = tg_native_get(call, name);

    return v != NULL && json_is_null(v);
}


typedef struct {
    tg_native_call_t  *call;
    const char *const *names;
    const char *const *repeatable;
    const char        *seen[32];
    size_t             nseen;
    int                rc;
} tg_query_check_t;


static int
tg_native_in(const char *const *list, const char *key)
{
    for (; list != NULL && *list != NULL; list++) {
        if (strcmp(*list, key) == 0) {
            return 1;
        }
    }
    return 0;
}


static int
tg_native_query_arg(void *data, const char *key, const char *value)
{
    tg_query_check_t *q = data;
    size_t            i, count;

    if (!tg_native_in(q->names, key)) {
        q->rc = tg_error_set(&q->call->err, TG_EBAD_REQUEST, TG_FIELD_QUERY,
                             "unknown query parameter \"%.64s\"", key);
        return 1;
    }

    if (value != NULL && tg_utf8_count(tg_str_c(value), &count) != TG_OK) {
        q->rc = tg_error_set(&q->call->err, TG_EBAD_REQUEST, TG_FIELD_QUERY,
                             "query parameter \"%s\" is not UTF-8", key);
        return 1;
    }

    if (!tg_native_in(q->repeatable, key)) {
        for (i = 0; i < q->nseen; i++) {
            if (strcmp(q->seen[i], key) == 0) {
                q->rc =
                    tg_error_set(&q->call->err, TG_EBAD_REQUEST, TG_FIELD_QUERY,
                                 "query parameter \"%s\" is repeated", key);
                return 1;
            }
        }
        if (q->nseen < sizeof(q->seen) / sizeof(q->seen[0])) {
            q->seen[q->nseen++] = key;
        }
    }

    return 0;
}


int
tg_native_query_check(tg_native_call_t *call, const char *const *names,
                      const char *const *repeatable)
{
    tg_query_check_t q;

    memset(&q, 0, sizeof(q));
    q.call = call;
    q.names = names;
    q.repeatable = repeatable;

    tg_http_query_each(call->req, tg_native_query_arg, &q);
    return q.rc;
}


int
tg_native_query_int(tg_native_call_t *call, const char *name, tg_field_t field,
                    int64_t min, int64_t max, int64_t def, int64_t *out)
{
    const char *value = tg_http_query(call->req, name);

    if (value == NULL) {
        *out = def;
        return TG_OK;
    }

    if (tg_str_to_int64(tg_str_c(value), min, max, out) != TG_OK) {
        return tg_error_set(&call->err, TG_EBAD_REQUEST, field,
                            "must be an integer from %lld to %lld",
                            (long long) min, (long long) max);
    }

    return TG_OK;
}


int
tg_native_query_time(tg_native_call_t *call, const char *name, tg_field_t field,
                     int64_t *out)
{
    const char *value = tg_http_query(call->req, name);

    *out = 0;

    if (value != NULL && tg_time_parse(tg_str_c(value), out) != TG_OK) {
        return tg_error_set(&call->err, TG_EBAD_REQUEST, field,
                            "must be an RFC 3339 time, like "
                            "2026-11-23T04:42:00Z");
    }

    return TG_OK;
}


int
tg_native_body_time(tg_native_call_t *call, const char *name, tg_field_t field,
                    int64_t *out)
{
    tg_str_t value = tg_native_str(call, name);

    *out = 0;

    if (value.ptr != NULL && tg_time_parse(value, out) != TG_OK) {
        return tg_error_set(&call->err, TG_EINVALID, field,
                            "must be an RFC 3339 time, like "
                            "2026-11-23T04:42:00Z");
    }

    return TG_OK;
}


/* The reply when a response could not be built (no memory). */
static void
tg_native_reply_failed(tg_native_call_t *call)
{
    tg_buf_reset(&call->res->body);
    call->res->status = 500;
    (void) tg_buf_append_c(&call->res->body,
                           "{\"error\":{\"code\":\"internal_error\","
                           "\"message\":\"the response could not be "
                           "built\"}}\n");
}


/* json_dump_callback()'s sink: appends to a tg_buf_t. */
static int
tg_native_json_sink(const char *buffer, size_t size, void *data)
{
    return tg_buf_append(data, buffer, size) == TG_OK ? 0 : -1;
}


/* Depth beyond which jansson renders the rest (a reply nests 3 or 4). */
#define TG_NATIVE_JSON_DEPTH 16


/* Appends s as a JSON string when it is printable ASCII without quote or
 * backslash (then it is its own escape); else lets jansson escape it. */
static int
tg_native_json_string(const char *s, size_t len, tg_buf_t *out)
{
    json_t *tmp;
    int     rc;

    if (tg_json_plain_len(s, len) == len) {
        return tg_buf_append(out, "\"", 1) == TG_OK
                       && tg_buf_append(out, s, len) == TG_OK
                       && tg_buf_append(out, "\"", 1) == TG_OK
                   ? 0
                   : -1;
    }

    tmp = json_stringn_nocheck(s, len);
    if (tmp == NULL) {
        return -1;
    }
    rc = json_dump_callback(tmp, tg_native_json_sink, out,
                            JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(tmp);
    return rc;
}


static int
tg_native_json_value(const json_t *v, tg_buf_t *out, unsigned depth)
{
    void  *iter;
    size_t i, n;

    switch (json_typeof(v)) {
    case JSON_OBJECT:
        if (depth >= TG_NATIVE_JSON_DEPTH) {
            break;
        }
        n = 0;
        if (tg_buf_append(out, "{", 1) != TG_OK) {
            return -1;
        }
        for (iter = json_object_iter((json_t *) v); iter != NULL;
             iter = json_object_iter_next((json_t *) v, iter))
        {
            if ((n++ > 0 && tg_buf_append(out, ",", 1) != TG_OK)
                || tg_native_json_string(json_object_iter_key(iter),
                                         json_object_iter_key_len(iter), out)
                       != 0
                || tg_buf_append(out, ":", 1) != TG_OK
                || tg_native_json_value(json_object_iter_value(iter), out,
                                        depth + 1)
                       != 0)
            {
                return -1;
            }
        }
        return tg_buf_append(out, "}", 1) == TG_OK ? 0 : -1;

    case JSON_ARRAY:
        if (depth >= TG_NATIVE_JSON_DEPTH) {
            break;
        }
        if (tg_buf_append(out, "[", 1) != TG_OK) {
            return -1;
        }
        for (i = 0; i < json_array_size(v); i++) {
            if ((i > 0 && tg_buf_append(out, ",", 1) != TG_OK)
                || tg_native_json_value(json_array_get(v, i), out, depth + 1)
                       != 0)
            {
                return -1;
            }
        }
        return tg_buf_append(out, "]", 1) == TG_OK ? 0 : -1;

    case JSON_STRING:
        return tg_native_json_string(json_string_value(v),
                                     json_string_length(v), out);

    case JSON_INTEGER:
        return tg_buf_append_int(out, (int64_t) json_integer_value(v)) == TG_OK
                   ? 0
                   : -1;

    case JSON_TRUE:
        return tg_buf_append(out, "true", 4) == TG_OK ? 0 : -1;

    case JSON_FALSE:
        return tg_buf_append(out, "false", 5) == TG_OK ? 0 : -1;

    case JSON_NULL:
        return tg_buf_append(out, "null", 4) == TG_OK ? 0 : -1;

    default: /* JSON_REAL */
        break;
    }

    return json_dump_callback(v, tg_native_json_sink, out,
                              JSON_COMPACT | JSON_ENCODE_ANY);
}


int
tg_native_json_render(const json_t *v, tg_buf_t *out)
{
    return v != NULL ? tg_native_json_value(v, out, 0) : -1;
}


/*
 * Renders obj straight into the response body: no intermediate string
 * (json_dumps() grows its own buffer, then copies it, and both copies
 * would have to be wiped, as the reply may hold a secret).  The body is
 * reserved once at a size that holds the usual reply.
 */
void
tg_native_reply(tg_native_call_t *call, unsigned status, json_t *obj)
{
    tg_buf_t *body = &call->res->body;
    int       rc;

    if (obj == NULL) {
        tg_native_reply_failed(call);
        return;
    }

    tg_buf_reset(body);
    rc = tg_buf_reserve(body, 1024) == TG_OK ? tg_native_json_render(obj, body)
                                             : -1;
    json_decref(obj);

    if (rc != 0) {
        if (body->ptr != NULL) {
            tg_wipe(body->ptr, body->len);
        }
        tg_native_reply_failed(call);
        return;
    }

    if (tg_buf_append(body, "\n", 1) != TG_OK) {
        call->res->status = 500;
    } else {
        call->res->status = status;
    }
}


void
tg_native_no_content(tg_native_call_t *call)
{
    call->res->status = 204;
    tg_buf_reset(&call->res->body);
}


void
tg_native_done(tg_native_call_t *call, int rc)
{
    if (rc == TG_OK) {
        tg_native_no_content(call);
    } else {
        tg_native_fail(call);
    }
}


void
tg_native_fail(tg_native_call_t *call)
{
    tg_error_t *err = &call->err;
    tg_buf_t    message = TG_BUF_INIT;
    json_t     *body, *obj;
    const char *field = tg_field_name(err->field);
    int         code = err->code != TG_OK ? err->code : TG_EINTERNAL;

    if (err->detail[0] != '\0' && field[0] != '\0') {
        tg_buf_printf(&message, "%s: %s", field, err->detail);
    } else if (err->detail[0] != '\0') {
        tg_buf_append_c(&message, err->detail);
    } else if (field[0] != '\0') {
        tg_buf_printf(&message, "%s: %s", field, tg_strerror(code));
    } else {
        tg_buf_append_c(&message, tg_strerror(code));
    }

    /* Messages may quote names from the request: keep them valid text. */

    if (message.ptr != NULL) {
        message.len = tg_utf8_sanitize(tg_buf_str(&message), message.ptr,
                                       message.len + 1);
    }

    obj = json_pack("{s:s,s:s?,s:s}", "code", tg_err_name(code), "message",
                    message.ptr, "request_id", tg_http_request_id(call->req));
    if (obj != NULL && field[0] != '\0') {
        json_object_set_new(obj, "field", json_string(field));
    }
    body = obj != NULL ? json_pack("{s:o}", "error", obj) : NULL;
    tg_buf_free(&message);

    /* A browser answered with a Basic challenge would prompt for a
     * password: the console's calls (cookie or sign-in) get none. */
    if (code == TG_EUNAUTHENTICATED
        && tg_http_header(call->req, "Cookie") == NULL
        && strncmp(tg_http_path(call->req), "/v1/sessions", 12) != 0)
    {
        tg_http_response_header(call->res, "WWW-Authenticate",
                                "Basic realm=\"tollgate\", charset=\"UTF-8\"");
    }
    if (code == TG_ERATE_LIMITED) {
        tg_http_response_header(call->res, "Retry-After", "%lld",
                                err->retry_after > 0 ? err->retry_after : 1);
    }

    tg_native_reply(call, tg_err_http_status(code), body);
}


json_t *
tg_native_time(int64_t ms)
{
    char text[TG_RFC3339_LEN + 1];

    if (ms == 0) {
        return json_null();
    }

    tg_time_format(ms, 0, text);
    return json_string(text);
}


json_t *
tg_native_string(tg_str_t s)
{
    return json_stringn(s.ptr != NULL ? s.ptr : "", s.len);
}


json_t *
tg_native_array(const void *items, size_t n, size_t size,
                tg_native_render_pt render)
{
    json_t *array = json_array();
    size_t  i;

    for (i = 0; array != NULL && i < n; i++) {
        if (json_array_append_new(array,
                                  render((const char *) items + i * size))
            != 0) {
            json_decref(array);
            return NULL;
        }
    }

    return array;
}


int
tg_native_paging(tg_native_call_t *call, const char *const *names,
                 const char *const *repeatable, int64_t def_limit,
                 int64_t *limit, int64_t *offset)
{
    if (tg_native_query_check(call, names, repeatable) != TG_OK
        || tg_native_query_int(call, "limit", TG_FIELD_LIMIT, 1,
                               TG_PAGE_SIZE_MAX, def_limit, limit)
               != TG_OK
        || tg_native_query_int(call, "offset", TG_FIELD_OFFSET, 0, 1000000000,
                               0, offset)
               != TG_OK)
    {
        return call->err.code;
    }

    return TG_OK;
}


json_t *
tg_native_page(json_t *items, int64_t total)
{
    if (items == NULL) {
        return NULL;
    }

    return json_pack("{s:o,s:I}", "items", items, "total", (json_int_t) total);
}


/* ---- registration ---- */


/* See native.h. */
static tg_claim_t
tg_native_claim(const tg_claim_request_t *req)
{
    tg_str_t path = tg_str_c(req->path);

    if (tg_str_eq_c(path, "/v1") || tg_str_has_prefix(path, TG_STR("/v1/"))
        || tg_str_eq_c(path, "/healthz") || tg_str_eq_c(path, "/healthz/"))
    {
        return TG_CLAIM_PATH;
    }

    return TG_CLAIM_FALLBACK;
}


static void
tg_native_dialect_handle(void *svc, tg_http_request_t *req,
                         tg_http_response_t *res)
{
    tg_native_handle(svc, req, res);
}


/* A request the HTTP layer found malformed, in the native shape: also
 * the refusal of the dialects that have none of their own. */
static void
tg_native_dialect_refuse(void *svc, tg_http_request_t *req,
                         tg_http_response_t *res, const tg_error_t *err)
{
    tg_native_call_t call;

    memset(&call, 0, sizeof(call));
    call.svc = svc;
    call.req = req;
    call.res = res;
    tg_dialect_actor_init(&call.actor, req);
    call.err = *err;
    tg_native_fail(&call);
    tg_actor_free(&call.actor);
}


const tg_dialect_t tg_native_dialect = {
    .name = "native",
    .claim = tg_native_claim,
    .handle = tg_native_dialect_handle,
    .refuse = tg_native_dialect_refuse,
};
