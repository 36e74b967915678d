/*
 * Native handlers for the API registry and grants: /v1/apis and
 * /v1/apps/{id}/grants.
 */

#include <string.h>

#include "tollgate/time.h"
#include "dialects/native/native_int.h"


#define TG_COUNT(a) (sizeof(a) / sizeof((a)[0]))


static json_t *
tg_native_api_json(const void *item)
{
    const tg_api_t *api = item;

    return json_pack("{s:s,s:s,s:s,s:s?,s:s,s:o,s:o}", "id", api->id, "name",
                     api->name, "description", api->description, "stage",
                     api->stage[0] != '\0' ? api->stage : NULL, "account_id",
                     api->account_id, "created_at",
                     tg_native_time(api->created_at), "updated_at",
                     tg_native_time(api->updated_at));
}


static json_t *
tg_native_grant_json(const void *item)
{
    const tg_grant_t *g = item;
    int64_t           now = tg_time_now_ms();

    return json_pack(
        "{s:s,s:{s:s,s:I,s:s?,s:s},s:{s:s,s:s?},s:s,s:o,s:b,s:o,s:o}", "id",
        g->id, "app", "id", g->app, "app_id", (json_int_t) g->app_numeric_id,
        "name", g->app_name, "account_id", g->app_account_id, "api", "id",
        g->api, "name", g->api_name, "stage", g->stage, "expires_at",
        tg_native_time(g->expires_at), "expired",
        g->expires_at != 0 && g->expires_at <= now, "created_at",
        tg_native_time(g->created_at), "updated_at",
        tg_native_time(g->updated_at));
}


void
tg_native_api_create(tg_native_call_t *call)
{
    static const tg_native_field_t fields[] = {
        { "name", TG_J_STRING },
        { "description", TG_J_STRING | TG_J_NULL },
        { "stage", TG_J_STRING | TG_J_NULL },
        { "account_id", TG_J_STRING },
    };
    tg_api_spec_t spec;
    tg_api_t      api;

    if (tg_native_body(call, fields, TG_COUNT(fields)) != TG_OK) {
        tg_native_fail(call);
        return;
    }

    memset(&spec, 0, sizeof(spec));
    spec.name = tg_native_str(call, "name");
    spec.description = tg_native_str(call, "description");
    spec.stage = tg_native_str(call, "stage");
    spec.account_id = tg_native_str(call, "account_id");

    if (spec.name.ptr == NULL) {
        tg_error_set(&call->err, TG_EMISSING, TG_FIELD_NAME, "is required");
        tg_native_fail(call);
        return;
    }

    if (tg_service_api_create(call->svc, &call->actor, &spec, &api, &call->err)
        != TG_OK)
    {
        tg_native_fail(call);
        return;
    }

    tg_native_reply(call, 201, tg_native_api_json(&api));
    tg_api_free(&api);
}


void
tg_native_api_list(tg_native_call_t *call)
{
    static const char *const names[] = { "limit", "offset", "account_id",
                                         NULL };
    tg_api_t                *items = NULL;
    int64_t                  limit, offset, total = 0;
    size_t                   n = 0;

    if (tg_native_paging(call, names, NULL, 20, &limit, &offset) != TG_OK
        || tg_service_api_list(call->svc, &call->actor,
                               tg_str_c(tg_http_query(call->req, "account_id")),
                               limit, offset, &items, &n, &total, &call->err)
               != TG_OK)
    {
        tg_native_fail(call);
        return;
    }

    tg_native_reply(call, 200,
                    tg_native_page(tg_native_array(items, n, sizeof(*items),
                                                   tg_native_api_json),
                                   total));
    tg_store_api_list_free(items, n);
}


void
tg_native_api_get(tg_native_call_t *call)
{
    tg_api_t api;

    if (tg_service_api_get(call->svc, &call->actor, call->args[0], &api,
                           &call->err)
        != TG_OK)
    {
        tg_native_fail(call);
        return;
    }

    tg_native_reply(call, 200, tg_native_api_json(&api));
    tg_api_free(&api);
}


void
tg_native_api_update(tg_native_call_t *call)
{
    static const tg_native_field_t fields[] = {
        { "description", TG_J_STRING | TG_J_NULL },
        { "stage", TG_J_STRING | TG_J_NULL },
    };
    tg_api_spec_t spec;
    tg_api_t      api;
    unsigned      set = 0;

    if (tg_native_body(call, fields, TG_COUNT(fields)) != TG_OK) {
        tg_native_fail(call);
        return;
    }

    memset(&spec, 0, sizeof(spec));
    if (tg_native_has(call, "description")) {
        spec.description = tg_native_str(call, "description");
        set |= TG_API_SET_DESCRIPTION;
    }
    if (tg_native_has(call, "stage")) {
        spec.stage = tg_native_str(call, "stage");
        set |= TG_API_SET_STAGE;
    }

    if (tg_service_api_update(call->svc, &call->actor, call->args[0], &spec,
                              set, &api, &call->err)
        != TG_OK)
    {
        tg_native_fail(call);
        return;
    }

    tg_native_reply(call, 200, tg_native_api_json(&api));
    tg_api_free(&api);
}


void
tg_native_api_delete(tg_native_call_t *call)
{
    tg_native_done(call, tg_service_api_delete(call->svc, &call->actor,
                                               call->args[0], &call->err));
}


void
tg_native_grant_put(tg_native_call_t *call)
{
    static const tg_native_field_t fields[] = {
        { "stage", TG_J_STRING | TG_J_NULL },
        { "expires_at", TG_J_STRING | TG_J_NULL },
    };
    tg_grant_spec_t spec;
    tg_grant_t      grant;
    int             created;

    memset(&spec, 0, sizeof(spec));

    if (tg_native_body(call, fields, TG_COUNT(fields)) != TG_OK
        || tg_native_body_time(call, "expires_at", TG_FIELD_EXPIRES_AT,
                               &spec.expires_at)
               != TG_OK)
    {
        tg_native_fail(call);
        return;
    }

    spec.stage = tg_native_str(call, "stage");

    if (tg_service_grant_put(call->svc, &call->actor, call->args[0],
                             call->args[1], &spec, &grant, &created, &call->err)
        != TG_OK)
    {
        tg_native_fail(call);
        return;
    }

    tg_native_reply(call, created ? 201 : 200, tg_native_grant_json(&grant));
    tg_grant_free(&grant);
}


void
tg_native_grant_delete(tg_native_call_t *call)
{
    static const char *const names[] = { "stage", NULL };

    if (tg_native_query_check(call, names, NULL) != TG_OK
        || tg_service_grant_delete(
               call->svc, &call->actor, call->args[0], call->args[1],
               tg_str_c(tg_http_query(call->req, "stage")), &call->err)
               != TG_OK)
    {
        tg_native_fail(call);
        return;
    }

    tg_native_no_content(call);
}


static void
tg_native_grants_reply(tg_native_call_t *call, tg_grant_t *items, size_t n,
                       int64_t total)
{
    tg_native_reply(call, 200,
                    tg_native_page(tg_native_array(items, n, sizeof(*items),
                                                   tg_native_grant_json),
                                   total));
    tg_store_grant_list_free(items, n);
}


/* Lists the grants of the route's one resource, unfiltered. */
static void
tg_native_grant_list(tg_native_call_t *call, tg_grant_list_pt list)
{
    tg_grant_t *items;
    int64_t     total;
    size_t      n;

    if (list(call->svc, &call->actor, call->args[0], NULL, &items, &n, &total,
             &call->err)
        != TG_OK)
    {
        tg_native_fail(call);
        return;
    }

    tg_native_grants_reply(call, items, n, total);
}


void
tg_native_grant_list_by_app(tg_native_call_t *call)
{
    tg_native_grant_list(call, tg_service_grant_list_by_app);
}


void
tg_native_grant_list_by_api(tg_native_call_t *call)
{
    tg_native_grant_list(call, tg_service_grant_list_by_api);
}
