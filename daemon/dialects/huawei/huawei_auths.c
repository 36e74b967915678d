/*
 * The Huawei dialect's app authorizations (app-auths): authorizing apps
 * for APIs on an environment (Tollgate's grants on a stage), cancelling
 * one, and the APIs an app is authorized for or the apps an API is.
 *
 * An environment id names a stage: Huawei's RELEASE environment id
 * (DEFAULT_ENVIRONMENT_RELEASE_ID) is RELEASE, any other id is the
 * stage's name.  An authorization's id is the grant's.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/cred.h"
#include "tollgate/time.h"
#include "dialects/huawei/huawei_int.h"


#define TG_HW_RELEASE_ENV  "DEFAULT_ENVIRONMENT_RELEASE_ID"
#define TG_HW_AUTH_IDS_MAX 100 /* app_ids, and api_ids, in one call */


/* The stage of an environment id. */
static tg_str_t
tg_hw_stage(tg_str_t env_id)
{
    return tg_str_eq_c(env_id, TG_HW_RELEASE_ENV) ? TG_STR("RELEASE") : env_id;
}


/* The environment id of a stage. */
static const char *
tg_hw_env_id(const char *stage)
{
    return strcmp(stage, "RELEASE") == 0 ? TG_HW_RELEASE_ENV : stage;
}


/* A required list of 1 to TG_HW_AUTH_IDS_MAX non-empty strings. */
static int
tg_hw_id_list(tg_hw_call_t *call, const char *name, json_t **out)
{
    json_t *v = json_object_get(call->body, name), *item;
    size_t  i;

    *out = v;
    if (v == NULL || json_is_null(v)
        || (json_is_array(v) && json_array_size(v) == 0))
    {
        return tg_hw_missing(call, name);
    }
    if (!json_is_array(v) || json_array_size(v) > TG_HW_AUTH_IDS_MAX) {
        return tg_hw_invalid(call, name, "must be a list of 1-100 ids");
    }

    json_array_foreach(v, i, item)
    {
        if (!json_is_string(item) || json_string_length(item) == 0
            || strlen(json_string_value(item)) != json_string_length(item))
        {
            return tg_hw_invalid(call, name, "must be a list of 1-100 ids");
        }
    }

    return TG_OK;
}


/* auth_result of one failed pair: the code and message the error has. */
static json_t *
tg_hw_auth_failed(tg_hw_call_t *call)
{
    json_t *result;

    tg_hw_core_error(call);
    result = json_pack("{s:s,s:s,s:s}", "status", "FAILED", "error_code",
                       call->code, "error_msg", call->message);

    memset(&call->err, 0, sizeof(call->err));
    call->status = 0;
    call->code[0] = '\0';
    call->message[0] = '\0';
    return result;
}


/* Authorizes one app for one API, and renders the pair's result. */
static json_t *
tg_hw_auth_pair(tg_hw_call_t *call, tg_str_t app_id, tg_str_t api_id,
                tg_str_t stage)
{
    tg_grant_spec_t spec;
    tg_grant_t      grant;
    json_t         *result, *item;
    int             created = 0, rc;

    memset(&spec, 0, sizeof(spec));
    memset(&grant, 0, sizeof(grant));
    spec.stage = stage;

    if (!tg_id_valid(app_id)) {
        call->err.code = TG_EAPP_NOT_FOUND;
        rc = TG_EAPP_NOT_FOUND;
    } else {
        rc = tg_service_grant_put(call->svc, &call->actor, app_id, api_id,
                                  &spec, &grant, &created, &call->err);
    }

    result = rc == TG_OK
                 ? json_pack("{s:s}", "status", created ? "SUCCESS" : "SKIPPED")
                 : tg_hw_auth_failed(call);

    item =
        json_pack("{s:s,s:s%,s:s%,s:s,s:o*,s:o,s:s,s:s}", "id",
                  rc == TG_OK ? grant.id : "", "api_id", api_id.ptr, api_id.len,
                  "app_id", app_id.ptr, app_id.len, "api_name",
                  rc == TG_OK && grant.api_name != NULL ? grant.api_name : "",
                  "auth_result", result, "auth_time",
                  tg_hw_time(rc == TG_OK ? grant.created_at : tg_time_now_ms()),
                  "auth_role", "PROVIDER", "auth_tunnel", "NORMAL");
    tg_grant_free(&grant);
    return item;
}


/* POST app-auths {env_id, app_ids, api_ids}: a result for each pair. */
void
tg_hw_auth_create(tg_hw_call_t *call)
{
    json_t  *env, *apps, *apis, *auths, *item, *app, *api;
    tg_str_t stage;
    size_t   i, j;

    env = call->body != NULL ? json_object_get(call->body, "env_id") : NULL;
    if (call->body == NULL || env == NULL || json_is_null(env)) {
        tg_hw_missing(call, "env_id");
        tg_hw_send_error(call);
        return;
    }
    if (!json_is_string(env) || json_string_length(env) == 0
        || strlen(json_string_value(env)) != json_string_length(env))
    {
        tg_hw_invalid(call, "env_id", "must be an environment id");
        tg_hw_send_error(call);
        return;
    }
    if (tg_hw_id_list(call, "app_ids", &apps) != TG_OK
        || tg_hw_id_list(call, "api_ids", &apis) != TG_OK)
    {
        tg_hw_send_error(call);
        return;
    }

    stage = tg_hw_stage(tg_str_c(json_string_value(env)));

    auths = json_array();
    json_array_foreach(apps, i, app)
    {
        json_array_foreach(apis, j, api)
        {
            item = tg_hw_auth_pair(call, tg_str_c(json_string_value(app)),
                                   tg_str_c(json_string_value(api)), stage);
            if (auths != NULL
                && (item == NULL || json_array_append_new(auths, item) != 0)) {
                json_decref(auths);
                auths = NULL;
            }
        }
    }

    tg_hw_reply(call, 201,
                auths != NULL ? json_pack("{s:o}", "auths", auths) : NULL);
}


/* DELETE app-auths/{app_auth_id} */
void
tg_hw_auth_cancel(tg_hw_call_t *call)
{
    if (tg_service_grant_delete_by_id(call->svc, &call->actor, call->ids[0],
                                      &call->err)
        != TG_OK)
    {
        tg_hw_fail_core(call);
        return;
    }

    tg_hw_reply(call, 204, NULL);
}


/* One authorization as the listings show it (ApiAuthInfo). */
static json_t *
tg_hw_auth_info(const tg_grant_t *g)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:s,s:s,s:s}", "id",
                     g->id, "api_id", g->api, "api_name",
                     g->api_name != NULL ? g->api_name : "", "app_id", g->app,
                     "app_name", g->app_name != NULL ? g->app_name : "",
                     "env_id", tg_hw_env_id(g->stage), "env_name", g->stage,
                     "auth_time", tg_hw_time(g->created_at), "auth_role",
                     "PROVIDER", "auth_tunnel", "NORMAL", "app_type", "apig");
}


/* Lists the grants of ref (list is by app or by API) and answers with
 * {"total", "size", "auths": [...]}, or with the core's error. */
static void
tg_hw_auth_list(tg_hw_call_t *call, tg_grant_list_pt list, tg_str_t ref,
                const tg_grant_filter_t *filter)
{
    tg_grant_t *items = NULL;
    json_t     *auths;
    int64_t     total = 0;
    size_t      n = 0, i;

    if (list(call->svc, &call->actor, ref, filter, &items, &n, &total,
             &call->err)
        != TG_OK)
    {
        tg_hw_fail_core(call);
        return;
    }

    auths = json_array();
    for (i = 0; i < n && auths != NULL; i++) {
        tg_hw_append(&auths, tg_hw_auth_info(&items[i]));
    }

    tg_hw_reply(call, 200, tg_hw_page_json("auths", auths, total, n));
    tg_store_grant_list_free(items, n);
}


/* The listing's filter: its page, and the stage of env_id if given. */
static int
tg_hw_auth_filter(tg_hw_call_t *call, tg_grant_filter_t *filter)
{
    const char *env = tg_http_query(call->req, "env_id");

    memset(filter, 0, sizeof(*filter));
    if (tg_hw_page(call, &filter->offset, &filter->limit) != TG_OK) {
        return TG_EINVALID;
    }
    if (env != NULL && env[0] != '\0') {
        filter->stage = tg_hw_stage(tg_str_c(env));
    }
    return TG_OK;
}


/* A required query parameter, else APIG.2001. */
static int
tg_hw_query_required(tg_hw_call_t *call, const char *name, tg_str_t *out)
{
    const char *v = tg_http_query(call->req, name);

    if (v == NULL || v[0] == '\0') {
        return tg_hw_missing(call, name);
    }
    *out = tg_str_c(v);
    return TG_OK;
}


/* GET app-auths/binded-apis?app_id=...: the APIs an app may call. */
void
tg_hw_auth_binded_apis(tg_hw_call_t *call)
{
    tg_grant_filter_t filter;
    tg_str_t          app_id = TG_STR_NULL;

    if (tg_hw_query_required(call, "app_id", &app_id) != TG_OK
        || tg_hw_auth_filter(call, &filter) != TG_OK)
    {
        tg_hw_send_error(call);
        return;
    }
    if (!tg_id_valid(app_id)) {
        call->err.code = TG_EAPP_NOT_FOUND;
        tg_hw_fail_core(call);
        return;
    }

    tg_hw_auth_list(call, tg_service_grant_list_by_app, app_id, &filter);
}


/* GET app-auths/binded-apps?api_id=...: the apps that may call an API. */
void
tg_hw_auth_binded_apps(tg_hw_call_t *call)
{
    tg_grant_filter_t filter;
    tg_str_t          api_id = TG_STR_NULL;
    const char       *app_name = tg_http_query(call->req, "app_name");

    if (tg_hw_query_required(call, "api_id", &api_id) != TG_OK
        || tg_hw_auth_filter(call, &filter) != TG_OK)
    {
        tg_hw_send_error(call);
        return;
    }
    if (app_name != NULL && app_name[0] != '\0') {
        filter.app_name = tg_str_c(app_name);
    }

    tg_hw_auth_list(call, tg_service_grant_list_by_api, api_id, &filter);
}


/* GET app-auths/unbinded-apis?app_id=...&env_id=...: the APIs an app may
 * not call on an environment (ApiOutline items). */
void
tg_hw_auth_unbinded_apis(tg_hw_call_t *call)
{
    tg_api_t *items = NULL;
    json_t   *apis, *item;
    tg_str_t  app_id = TG_STR_NULL, env_id = TG_STR_NULL, stage;
    int64_t   offset = 0, limit = 0, total = 0;
    size_t    n = 0, i;

    if (tg_hw_query_required(call, "app_id", &app_id) != TG_OK
        || tg_hw_query_required(call, "env_id", &env_id) != TG_OK
        || tg_hw_page(call, &offset, &limit) != TG_OK)
    {
        tg_hw_send_error(call);
        return;
    }
    if (!tg_id_valid(app_id)) {
        call->err.code = TG_EAPP_NOT_FOUND;
        tg_hw_fail_core(call);
        return;
    }

    stage = tg_hw_stage(env_id);
    if (tg_service_api_list_ungranted(call->svc, &call->actor, app_id, stage,
                                      limit, offset, &items, &n, &total,
                                      &call->err)
        != TG_OK)
    {
        tg_hw_fail_core(call);
        return;
    }

    apis = json_array();
    for (i = 0; i < n && apis != NULL; i++) {
        item = json_pack(
            "{s:s,s:s,s:s,s:s,s:s%,s:s%,s:s}", "id", items[i].id, "name",
            items[i].name != NULL ? items[i].name : "", "remark",
            items[i].description != NULL ? items[i].description : "",
            "auth_type", "APP", "run_env_id", env_id.ptr, env_id.len,
            "run_env_name", stage.ptr, stage.len, "group_name", "");
        tg_hw_append(&apis, item);
    }

    tg_hw_reply(call, 200, tg_hw_page_json("apis", apis, total, n));
    tg_store_api_list_free(items, n);
}
