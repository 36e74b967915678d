/*
 * The Tencent dialect's entry: its descriptor (which requests are its),
 * the action table, and the steps every call takes (method, action,
 * version, signature, body, the action's call rate) before its action
 * runs.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/tc3_sign.h"
#include "dialects/tencent/tencent_int.h"


typedef struct {
    const char     *name;
    tg_tc_action_pt run;
} tg_tc_action_t;

/* clang-format off */

static const tg_tc_action_t tg_tc_actions[] = {
    { "CreateApiApp",                 tg_tc_create_api_app },
    { "ModifyApiApp",                 tg_tc_modify_api_app },
    { "DeleteApiApp",                 tg_tc_delete_api_app },
    { "DescribeApiApp",               tg_tc_describe_api_app },
    { "DescribeApiAppsStatus",        tg_tc_describe_api_apps_status },
    { "UpdateApiAppKey",              tg_tc_update_api_app_key },
    { "BindApiApp",                   tg_tc_bind_api_app },
    { "UnbindApiApp",                 tg_tc_unbind_api_app },
    { "DescribeApiAppBindApisStatus", tg_tc_describe_api_app_bind_apis_status },
    { "DescribeApiBindApiAppsStatus", tg_tc_describe_api_bind_api_apps_status },
};

/* clang-format on */

#define TG_TC_NACTIONS (sizeof(tg_tc_actions) / sizeof(tg_tc_actions[0]))


/* See tencent.h. */
static tg_claim_t
tg_tencent_claim(const tg_claim_request_t *req)
{
    if (strcmp(req->path, "/") != 0) {
        return TG_CLAIM_NONE;
    }

    if (tg_claim_header(req, "X-TC-Action") != NULL) {
        return TG_CLAIM_VENDOR_HEADER;
    }

    if (tg_claim_auth_scheme(req, TG_TC3_ALGORITHM)) {
        return TG_CLAIM_AUTH_SCHEME;
    }

    return TG_CLAIM_NONE;
}


/* The action (X-TC-Action) and the version (X-TC-Version). */
static int
tg_tc_action(tg_tc_call_t *call, const tg_tc_action_t **action)
{
    const char *name = tg_http_header(call->req, "X-TC-Action");
    const char *version = tg_http_header(call->req, "X-TC-Version");
    size_t      i;

    if (name == NULL || name[0] == '\0') {
        return tg_tc_fail(call, "MissingParameter",
                          "The request is missing a required parameter "
                          "`Action` (the X-TC-Action header).");
    }

    for (i = 0; i < TG_TC_NACTIONS; i++) {
        if (strcmp(name, tg_tc_actions[i].name) == 0) {
            *action = &tg_tc_actions[i];
            call->action = tg_tc_actions[i].name;
            break;
        }
    }

    if (*action == NULL) {
        return tg_tc_fail(call, "InvalidAction",
                          "The requested action does not exist in API "
                          "Gateway version " TG_TC_VERSION ".");
    }

    if (version == NULL || version[0] == '\0') {
        return tg_tc_fail(call, "MissingParameter",
                          "The request is missing a required parameter "
                          "`Version` (the X-TC-Version header).");
    }
    if (strcmp(version, TG_TC_VERSION) != 0) {
        return tg_tc_fail(call, "NoSuchVersion",
                          "The requested version of action `%s` does not "
                          "exist; Tollgate speaks " TG_TC_VERSION ".",
                          call->action);
    }

    return TG_OK;
}


/* The action's documented rate, per account: the core keeps it. */
static int
tg_tc_rate(tg_tc_call_t *call)
{
    char name[TG_ACTION_RATE_NAME_MAX + 1];

    snprintf(name, sizeof(name), "tencent:%s", call->action);

    if (tg_service_action_rate_take(call->svc, &call->actor, name, &call->err)
        != TG_OK)
    {
        return tg_tc_core_error(call);
    }

    return TG_OK;
}


static void
tg_tc_call_init(tg_tc_call_t *call, tg_service_t *svc, tg_http_request_t *req,
                tg_http_response_t *res)
{
    memset(call, 0, sizeof(*call));
    call->svc = svc;
    call->req = req;
    call->res = res;

    tg_dialect_actor_init(&call->actor, req);
    snprintf(call->request_id, sizeof(call->request_id), "%s",
             tg_http_request_id(req));
}


static void
tg_tencent_handle(void *svc, tg_http_request_t *req, tg_http_response_t *res)
{
    const tg_tc_action_t *action = NULL;
    tg_tc_call_t          call;
    int                   rc;

    tg_tc_call_init(&call, svc, req, res);

    if (tg_http_body_too_large(req)) {
        rc = tg_tc_fail(&call, "RequestSizeLimitExceeded",
                        "The request body is too large.");
    } else if (strcmp(tg_http_method(req), "POST") != 0
               && strcmp(tg_http_method(req), "GET") != 0)
    {
        rc = tg_tc_fail(&call, "UnsupportedProtocol",
                        "Tencent Cloud API calls are POST (a JSON body) or "
                        "GET (parameters in the query).");
    } else {
        rc = tg_tc_action(&call, &action);
    }

    if (rc == TG_OK) {
        rc = tg_tc_query_load(&call);
    }

    if (rc == TG_OK) {
        rc = tg_tc_authenticate(&call);
    }
    if (rc == TG_OK) {
        tg_http_set_actor(req, call.actor.key_id);
        rc = tg_tc_params_load(&call);
    }
    if (rc == TG_OK) {
        rc = tg_tc_rate(&call);
    }

    if (rc == TG_OK) {
        action->run(&call);
    } else {
        tg_tc_send_error(&call);
    }

    tg_tc_params_free(&call);
    tg_actor_free(&call.actor);
}


/* A request the HTTP layer found malformed, in Tencent's shape. */
static void
tg_tencent_refuse(void *svc, tg_http_request_t *req, tg_http_response_t *res,
                  const tg_error_t *err)
{
    tg_tc_call_t call;

    tg_tc_call_init(&call, svc, req, res);
    call.err = *err;
    tg_tc_fail_core(&call);
    tg_actor_free(&call.actor);
}


const tg_dialect_t tg_tencent_dialect = {
    .name = "tencent",
    .claim = tg_tencent_claim,
    .handle = tg_tencent_handle,
    .refuse = tg_tencent_refuse,
};
