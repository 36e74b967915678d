/*
 * The Authing dialect's entry: its descriptor (which requests are its),
 * its setting, the route table, and the steps every call takes (route,
 * parameters, authentication) before its route runs.
 */

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dialects/authing/authing_int.h"


/* clang-format off */

static const tg_ath_route_t tg_ath_routes[] = {
    { "POST", "get-management-token",       0, tg_ath_get_management_token },
    { "POST", "refresh-application-secret", 1,
      tg_ath_refresh_application_secret },
    { "GET",  "get-application-secret",     1, tg_ath_get_application_secret },
    { "GET",  "get-application",            1, tg_ath_get_application },
    { "GET",  "list-applications",          1, tg_ath_list_applications },
};

static const tg_setting_t tg_ath_settings[] = {
    { "authing_token_seconds", TG_SETTING_INT,
      offsetof(tg_authing_settings_t, token_seconds), "7200", 1,
      TG_TOKEN_TTL_MAX, NULL,
      "the life of a management token of the Authing dialect, in seconds" },
};

/* clang-format on */

#define TG_ATH_NROUTES (sizeof(tg_ath_routes) / sizeof(tg_ath_routes[0]))


static int
tg_authing_create(tg_service_t *svc, const void *settings, void **out)
{
    const tg_authing_settings_t *s = settings;
    tg_authing_t                *ath;

    ath = calloc(1, sizeof(tg_authing_t));
    if (ath == NULL) {
        return TG_ENOMEM;
    }

    ath->svc = svc;
    ath->token_seconds =
        s != NULL && s->token_seconds > 0 ? s->token_seconds : 7200;
    *out = ath;
    return TG_OK;
}


static void
tg_authing_destroy(void *ath)
{
    free(ath);
}


/* See authing.h. */
static tg_claim_t
tg_authing_claim(const tg_claim_request_t *req)
{
    if (strncmp(req->path, TG_ATH_PREFIX, sizeof(TG_ATH_PREFIX) - 1) == 0) {
        return TG_CLAIM_PATH;
    }
    return TG_CLAIM_NONE;
}


tg_str_t
tg_ath_param(const tg_ath_call_t *call, const char *name)
{
    json_t *v;
    size_t  i;

    if (call->body != NULL) {
        v = json_object_get(call->body, name);
        return json_is_string(v)
                   ? (tg_str_t){ json_string_value(v), json_string_length(v) }
                   : TG_STR_NULL;
    }

    for (i = 0; i < call->nparams; i++) {
        if (tg_str_eq_c(call->params[i].name, name)) {
            return call->params[i].value;
        }
    }
    return TG_STR_NULL;
}


static int
tg_ath_header_add(void *data, const char *name, const char *value)
{
    tg_ath_call_t *call = data;

    if (call->nheaders == TG_ATH_HEADERS_MAX) {
        call->nheaders++; /* too many: refused by the caller */
        return 1;
    }
    call->headers[call->nheaders++] =
        (tg_authing_item_t){ tg_str_c(name), tg_str_c(value) };
    return 0;
}


static int
tg_ath_query_add(void *data, const char *name, const char *value)
{
    tg_ath_call_t *call = data;
    size_t         i;

    for (i = 0; i < call->nparams; i++) {
        if (tg_str_eq_c(call->params[i].name, name)) {
            tg_ath_fail(call, 400, 400, "The parameter %.64s is repeated.",
                        name);
            return 1;
        }
    }
    if (call->nparams == TG_AUTHING_ITEMS_MAX) {
        tg_ath_fail(call, 400, 400, "Too many parameters (at most %d).",
                    TG_AUTHING_ITEMS_MAX);
        return 1;
    }

    call->params[call->nparams++] =
        (tg_authing_item_t){ tg_str_c(name),
                             tg_str_c(value != NULL ? value : "") };
    return 0;
}


/*
 * The text JavaScript gives a JSON value in `${value}` (and
 * JSON.stringify() for objects and arrays), as the SDK signs it: a
 * malloc'd string, or NULL if out of memory.
 */
static char *
tg_ath_json_text(json_t *v)
{
    char   text[32];
    double d;
    int    p;

    switch (json_typeof(v)) {
    case JSON_STRING:
        return tg_strndup(json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        snprintf(text, sizeof(text), "%lld", (long long) json_integer_value(v));
        return strdup(text);
    case JSON_REAL:
        /* The shortest form that reads back, as JavaScript prints. */
        d = json_real_value(v);
        for (p = 1; p <= 17; p++) {
            snprintf(text, sizeof(text), "%.*g", p, d);
            if (strtod(text, NULL) == d) {
                break;
            }
        }
        return strdup(text);
    case JSON_TRUE:
        return strdup("true");
    case JSON_FALSE:
        return strdup("false");
    case JSON_NULL:
        return strdup("null");
    default:
        return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    }
}


/* A POST's body: a JSON object (empty means {}), its fields as
 * parameters. */
static int
tg_ath_body_load(tg_ath_call_t *call)
{
    tg_str_t     body = tg_http_body(call->req);
    json_error_t error;
    const char  *name;
    json_t      *v;

    if (body.len == 0) {
        call->body = json_object();
        return call->body != NULL ? TG_OK : TG_ENOMEM;
    }

    call->body = json_loadb(body.ptr, body.len, JSON_REJECT_DUPLICATES, &error);
    if (!json_is_object(call->body)) {
        return tg_ath_fail(call, 400, 400,
                           "The body must be a JSON object, without "
                           "repeated fields.");
    }
    if (json_object_size(call->body) > TG_AUTHING_ITEMS_MAX) {
        return tg_ath_fail(call, 400, 400, "Too many fields (at most %d).",
                           TG_AUTHING_ITEMS_MAX);
    }

    /* Fields of an unauthenticated route (the token's credentials) are
     * never rendered: they are not signed, and one is a secret. */

    if (!call->route->authenticated) {
        return TG_OK;
    }

    json_object_foreach(call->body, name, v)
    {
        call->owned[call->nparams] = tg_ath_json_text(v);
        if (call->owned[call->nparams] == NULL) {
            return TG_ENOMEM;
        }
        call->params[call->nparams] =
            (tg_authing_item_t){ tg_str_c(name),
                                 tg_str_c(call->owned[call->nparams]) };
        call->nparams++;
    }

    return TG_OK;
}


static int
tg_ath_params_load(tg_ath_call_t *call)
{
    tg_http_header_each(call->req, tg_ath_header_add, call);
    if (call->nheaders > TG_ATH_HEADERS_MAX) {
        return tg_ath_fail(call, 400, 400, "Too many headers (at most %d).",
                           TG_ATH_HEADERS_MAX);
    }

    if (strcmp(call->route->method, "POST") == 0) {
        return tg_ath_body_load(call);
    }

    tg_http_query_each(call->req, tg_ath_query_add, call);
    return call->status != 0 ? TG_EINVALID : TG_OK;
}


/* The route of the request's path and method. */
static int
tg_ath_route(tg_ath_call_t *call)
{
    const char *path = tg_http_path(call->req) + sizeof(TG_ATH_PREFIX) - 1;
    const char *method = tg_http_method(call->req);
    size_t      i;

    for (i = 0; i < TG_ATH_NROUTES; i++) {
        if (strcmp(path, tg_ath_routes[i].path) != 0) {
            continue;
        }
        if (strcmp(method, tg_ath_routes[i].method) != 0) {
            return tg_ath_fail(call, 405, 405, "Use %s on this route.",
                               tg_ath_routes[i].method);
        }
        call->route = &tg_ath_routes[i];
        return TG_OK;
    }

    return tg_ath_fail(call, 404, 404, "No such route.");
}


static void
tg_ath_call_init(tg_ath_call_t *call, tg_authing_t *ath, tg_http_request_t *req,
                 tg_http_response_t *res)
{
    memset(call, 0, sizeof(*call));
    call->ath = ath;
    call->svc = ath->svc;
    call->req = req;
    call->res = res;

    tg_dialect_actor_init(&call->actor, req);
}


static void
tg_authing_handle(void *dialect, tg_http_request_t *req,
                  tg_http_response_t *res)
{
    tg_ath_call_t *call;
    size_t         i;
    int            rc;

    /* The call is large (its headers and parameters): on the heap. */

    call = malloc(sizeof(tg_ath_call_t));
    if (call == NULL) {
        res->status = 500;
        return;
    }
    tg_ath_call_init(call, dialect, req, res);

    if (tg_http_body_too_large(req)) {
        rc = tg_ath_fail(call, 413, 413, "The request body is too large.");
    } else {
        rc = tg_ath_route(call);
    }
    if (rc == TG_OK) {
        rc = tg_ath_params_load(call);
    }
    if (rc == TG_OK && call->route->authenticated) {
        rc = tg_ath_authenticate(call);
    }

    if (rc == TG_OK) {
        tg_http_set_actor(req, call->actor.key_id);
        call->route->run(call);
    } else if (rc == TG_ENOMEM && call->status == 0) {
        tg_ath_fail(call, 500, 500, "Out of memory.");
        tg_ath_send_error(call);
    } else {
        tg_ath_send_error(call);
    }

    for (i = 0; i < call->nparams; i++) {
        if (call->owned[i] != NULL) {
            tg_wipe(call->owned[i], strlen(call->owned[i]));
            free(call->owned[i]);
        }
    }
    json_decref(call->body);
    tg_actor_free(&call->actor);
    free(call);
}


/* A request the HTTP layer found malformed, in Authing's envelope. */
static void
tg_authing_refuse(void *dialect, tg_http_request_t *req,
                  tg_http_response_t *res, const tg_error_t *err)
{
    tg_ath_call_t *call;

    call = calloc(1, sizeof(tg_ath_call_t));
    if (call == NULL) {
        res->status = 500;
        return;
    }
    tg_ath_call_init(call, dialect, req, res);
    call->err = *err;
    tg_ath_fail_core(call);
    tg_actor_free(&call->actor);
    free(call);
}


const tg_dialect_t tg_authing_dialect = {
    .name = "authing",
    .settings = tg_ath_settings,
    .nsettings = sizeof(tg_ath_settings) / sizeof(tg_ath_settings[0]),
    .settings_size = sizeof(tg_authing_settings_t),
    .create = tg_authing_create,
    .destroy = tg_authing_destroy,
    .claim = tg_authing_claim,
    .handle = tg_authing_handle,
    .refuse = tg_authing_refuse,
};
