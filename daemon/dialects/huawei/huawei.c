/*
 * The Huawei dialect's entry: its descriptor and setting, which requests
 * are its (the path prefix), the route table, and the steps every call
 * takes (route, signature, project, instance, body) before its handler.
 */

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/cred.h"
#include "dialects/huawei/huawei_int.h"


#define TG_HW_SEGMENTS_MAX 12

typedef struct {
    const char      *method;
    const char      *pattern; /* after .../instances/{id}/; '*' is an id */
    tg_hw_handler_pt run;
} tg_hw_route_t;

/* clang-format off */

static const tg_hw_route_t tg_hw_routes[] = {
    { "POST",   "apps",                     tg_hw_app_create },
    { "GET",    "apps",                     tg_hw_app_list },
    { "PUT",    "apps/secret/*",            tg_hw_app_reset_secret },
    { "GET",    "apps/validation/*",        tg_hw_app_validate },
    { "GET",    "apps/*",                   tg_hw_app_show },
    { "PUT",    "apps/*",                   tg_hw_app_update },
    { "DELETE", "apps/*",                   tg_hw_app_delete },
    { "POST",   "apps/*/app-codes",         tg_hw_code_create },
    { "PUT",    "apps/*/app-codes",         tg_hw_code_generate },
    { "GET",    "apps/*/app-codes",         tg_hw_code_list },
    { "GET",    "apps/*/app-codes/*",       tg_hw_code_show },
    { "DELETE", "apps/*/app-codes/*",       tg_hw_code_delete },
    { "POST",   "app-auths",                tg_hw_auth_create },
    { "GET",    "app-auths/binded-apis",    tg_hw_auth_binded_apis },
    { "GET",    "app-auths/binded-apps",    tg_hw_auth_binded_apps },
    { "GET",    "app-auths/unbinded-apis",  tg_hw_auth_unbinded_apis },
    { "DELETE", "app-auths/*",              tg_hw_auth_cancel },
};

static const tg_setting_t tg_hw_settings[] = {
    { "huawei_instance_id", TG_SETTING_STRING,
      offsetof(tg_huawei_settings_t, instance_id), "default", 0, 0, NULL,
      "the gateway instance id of the Huawei dialect's routes" },
};

/* clang-format on */

#define TG_HW_NROUTES (sizeof(tg_hw_routes) / sizeof(tg_hw_routes[0]))


static int
tg_huawei_create(tg_service_t *svc, const void *settings, void **out)
{
    const tg_huawei_settings_t *s = settings;
    tg_huawei_t                *hw;

    hw = calloc(1, sizeof(tg_huawei_t));
    if (hw == NULL) {
        return TG_ENOMEM;
    }

    hw->svc = svc;
    hw->instance_id = s->instance_id != NULL ? s->instance_id : "default";
    *out = hw;
    return TG_OK;
}


static void
tg_huawei_destroy(void *hw)
{
    free(hw);
}


/* Splits path (after its leading '/') at '/' into at most max parts;
 * returns how many, or max + 1 when there are more. */
static size_t
tg_hw_split(tg_str_t path, tg_str_t *parts, size_t max)
{
    const char *p = path.ptr, *end = path.ptr + path.len, *slash;
    size_t      n = 0;

    if (p < end && *p == '/') {
        p++;
    }

    while (p <= end) {
        if (n == max) {
            return max + 1;
        }
        slash = memchr(p, '/', (size_t) (end - p));
        if (slash == NULL) {
            slash = end;
        }
        parts[n].ptr = p;
        parts[n].len = (size_t) (slash - p);
        n++;
        p = slash + 1;
    }

    return n;
}


/*
 * /v2/{project_id}/apigw/... is Huawei's.  So is /v1/{project_id}/apigw/...
 * inside the native API's /v1/ when the project is an account id (32
 * lowercase hex, which no native route has in that place), above the
 * native claim.
 */
static tg_claim_t
tg_huawei_claim(const tg_claim_request_t *req)
{
    tg_str_t parts[TG_HW_SEGMENTS_MAX];
    size_t   n;

    n = tg_hw_split(tg_str_c(req->path), parts, TG_HW_SEGMENTS_MAX);
    if (n < 3 || parts[1].len == 0 || !tg_str_eq_c(parts[2], "apigw")) {
        return TG_CLAIM_NONE;
    }

    if (tg_str_eq_c(parts[0], "v2")) {
        return TG_CLAIM_PATH;
    }
    if (tg_str_eq_c(parts[0], "v1") && tg_id_valid(parts[1])) {
        return TG_CLAIM_PATH_PATTERN;
    }

    return TG_CLAIM_NONE;
}


/* Whether the segments rest[0..n) match pattern; fills call->ids. */
static int
tg_hw_match(const char *pattern, const tg_str_t *rest, size_t n,
            tg_hw_call_t *call)
{
    tg_str_t parts[TG_HW_SEGMENTS_MAX];
    size_t   m, i, ids = 0;

    m = tg_hw_split(tg_str_c(pattern), parts, TG_HW_SEGMENTS_MAX);
    if (m != n) {
        return 0;
    }

    for (i = 0; i < n; i++) {
        if (tg_str_eq_c(parts[i], "*")) {
            if (rest[i].len == 0) {
                return 0;
            }
            continue;
        }
        if (!tg_str_eq(parts[i], rest[i])) {
            return 0;
        }
    }

    for (i = 0; i < n; i++) {
        if (tg_str_eq_c(parts[i], "*") && ids < TG_HW_ROUTE_IDS) {
            call->ids[ids++] = rest[i];
        }
    }

    return 1;
}


/* The route of the request: Huawei's APIG.0101 when there is none. */
static int
tg_hw_route(tg_hw_call_t *call, const tg_hw_route_t **route, tg_str_t *instance)
{
    tg_str_t    parts[TG_HW_SEGMENTS_MAX];
    const char *method = tg_http_method(call->req);
    size_t      n, i;

    n = tg_hw_split(tg_str_c(tg_http_path(call->req)), parts,
                    TG_HW_SEGMENTS_MAX);

    /* v1|v2, project, apigw, instances, instance, then the route */
    if (n > 5 && n <= TG_HW_SEGMENTS_MAX && tg_str_eq_c(parts[3], "instances")
        && parts[4].len > 0)
    {
        call->v1 = tg_str_eq_c(parts[0], "v1");
        call->project_id = parts[1];
        *instance = parts[4];

        for (i = 0; i < TG_HW_NROUTES; i++) {
            if (strcmp(tg_hw_routes[i].method, method) == 0
                && tg_hw_match(tg_hw_routes[i].pattern, parts + 5, n - 5, call))
            {
                *route = &tg_hw_routes[i];
                return TG_OK;
            }
        }
    }

    return tg_hw_fail(call, 404, "APIG.0101",
                      "The API does not exist or has not been published in "
                      "the environment");
}


/*
 * The project must be the caller's account; an admin key may name any
 * account's (its handlers then check each app's account).
 */
static int
tg_hw_project(tg_hw_call_t *call)
{
    if (tg_str_eq_c(call->project_id, call->actor.account_id)
        || call->actor.admin) {
        return TG_OK;
    }

    return tg_hw_fail(call, 403, "APIG.0310", "The project is unavailable.");
}


/* The body of a POST or PUT: empty, or a JSON object. */
static int
tg_hw_body(tg_hw_call_t *call)
{
    tg_str_t     body = tg_http_body(call->req);
    json_error_t error;

    if (body.len == 0) {
        return TG_OK;
    }

    call->body = json_loadb(body.ptr, body.len, JSON_REJECT_DUPLICATES, &error);
    if (call->body == NULL || !json_is_object(call->body)) {
        return tg_hw_fail(call, 400, "APIG.2011",
                          "Invalid parameter value: the body must be a JSON "
                          "object");
    }

    return TG_OK;
}


static void
tg_hw_call_init(tg_hw_call_t *call, tg_huawei_t *hw, tg_http_request_t *req,
                tg_http_response_t *res)
{
    memset(call, 0, sizeof(*call));
    call->hw = hw;
    call->svc = hw->svc;
    call->req = req;
    call->res = res;

    tg_dialect_actor_init(&call->actor, req);
}


static void
tg_huawei_handle(void *dialect, tg_http_request_t *req, tg_http_response_t *res)
{
    tg_huawei_t         *hw = dialect;
    const tg_hw_route_t *route = NULL;
    tg_hw_call_t         call;
    tg_str_t             instance = TG_STR_NULL;
    int                  rc;

    tg_hw_call_init(&call, hw, req, res);

    if (tg_http_body_too_large(req)) {
        rc = tg_hw_fail(&call, 413, "APIG.0201", "Request entity too large.");
    } else {
        rc = tg_hw_route(&call, &route, &instance);
    }

    if (rc == TG_OK) {
        rc = tg_hw_authenticate(&call);
    }
    if (rc == TG_OK) {
        tg_http_set_actor(req, call.actor.key_id);
        rc = tg_hw_project(&call);
    }
    if (rc == TG_OK && !tg_str_eq_c(instance, hw->instance_id)) {
        rc =
            tg_hw_fail(&call, 404, "APIG.3030", "The instance does not exist.");
    }
    if (rc == TG_OK) {
        rc = tg_hw_body(&call);
    }

    if (rc == TG_OK) {
        route->run(&call);
    } else {
        tg_hw_send_error(&call);
    }

    if (call.body != NULL) {
        json_decref(call.body);
    }
    tg_actor_free(&call.actor);
}


/* A request the HTTP layer found malformed, in Huawei's shape. */
static void
tg_huawei_refuse(void *dialect, tg_http_request_t *req, tg_http_response_t *res,
                 const tg_error_t *err)
{
    tg_hw_call_t call;

    tg_hw_call_init(&call, dialect, req, res);
    call.err = *err;
    tg_hw_fail_core(&call);
    tg_actor_free(&call.actor);
}


const tg_dialect_t tg_huawei_dialect = {
    .name = "huawei",
    .settings = tg_hw_settings,
    .nsettings = sizeof(tg_hw_settings) / sizeof(tg_hw_settings[0]),
    .settings_size = sizeof(tg_huawei_settings_t),
    .create = tg_huawei_create,
    .destroy = tg_huawei_destroy,
    .claim = tg_huawei_claim,
    .handle = tg_huawei_handle,
    .refuse = tg_huawei_refuse,
};
