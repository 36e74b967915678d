/*
 * The Tencent dialect's app actions: CreateApiApp, ModifyApiApp,
 * DeleteApiApp, DescribeApiApp, DescribeApiAppsStatus and
 * UpdateApiAppKey.  Each reads its parameters, calls the core service
 * once, and renders Tencent's ApiAppInfo.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialects/tencent/tencent_int.h"


/* An ApiAppInfo: the secret in clear where the view has it (create),
 * else masked. */
static json_t *
tg_tc_app_info(const tg_app_view_t *view)
{
    char id[TG_TC_REF_MAX];

    tg_tc_app_id(view->app.app_id, id);

    return json_pack(
        "{s:s,s:s,s:o,s:o,s:o,s:o,s:o}", "ApiAppId", id, "ApiAppName",
        view->app.name != NULL ? view->app.name : "", "ApiAppDesc",
        tg_dialect_json_string(view->app.description), "ApiAppKey",
        tg_dialect_json_string(view->key.app_key), "ApiAppSecret",
        tg_dialect_json_string(view->key.secret != NULL
                                   ? view->key.secret
                                   : view->key.secret_mask),
        "CreatedTime", tg_dialect_json_time(view->app.created_at),
        "ModifiedTime", tg_dialect_json_time(view->app.updated_at));
}


void
tg_tc_create_api_app(tg_tc_call_t *call)
{
    static const char *const params[] = { "ApiAppName", "ApiAppDesc", NULL };
    tg_app_spec_t            spec;
    tg_app_view_t            view;

    memset(&spec, 0, sizeof(spec));
    memset(&view, 0, sizeof(view));

    if (tg_tc_params_only(call, params) != TG_OK
        || tg_tc_string(call, "ApiAppName", 1, &spec.name) != TG_OK
        || tg_tc_string(call, "ApiAppDesc", 0, &spec.description) != TG_OK)
    {
        tg_tc_send_error(call);
        return;
    }

    spec.enabled = 1;
    spec.creator = TG_CREATOR_USER;

    if (tg_service_app_create(call->svc, &call->actor, &spec, &view, &call->err)
        != TG_OK)
    {
        tg_tc_fail_core(call);
        return;
    }

    /* As Tencent does, the answer holds the new secret. */
    tg_tc_reply(call, json_pack("{s:o}", "Result", tg_tc_app_info(&view)));
    tg_app_view_free(&view);
}


void
tg_tc_modify_api_app(tg_tc_call_t *call)
{
    static const char *const params[] = { "ApiAppId", "ApiAppName",
                                          "ApiAppDesc", NULL };
    tg_app_spec_t            patch;
    tg_app_view_t            view;
    char                     ref[TG_TC_REF_MAX];
    unsigned                 set = 0;

    memset(&patch, 0, sizeof(patch));
    memset(&view, 0, sizeof(view));

    if (tg_tc_params_only(call, params) != TG_OK
        || tg_tc_app_param(call, "ApiAppId", ref) != TG_OK
        || tg_tc_string(call, "ApiAppName", 0, &patch.name) != TG_OK
        || tg_tc_string(call, "ApiAppDesc", 0, &patch.description) != TG_OK)
    {
        tg_tc_send_error(call);
        return;
    }

    set |= patch.name.ptr != NULL ? TG_APP_SET_NAME : 0;
    set |= patch.description.ptr != NULL ? TG_APP_SET_DESCRIPTION : 0;

    if (tg_service_app_update(call->svc, &call->actor, tg_str_c(ref), &patch,
                              set, &view, &call->err)
        != TG_OK)
    {
        tg_tc_fail_core(call);
        return;
    }

    tg_app_view_free(&view);
    tg_tc_reply_true(call);
}


void
tg_tc_delete_api_app(tg_tc_call_t *call)
{
    static const char *const params[] = { "ApiAppId", NULL };
    char                     ref[TG_TC_REF_MAX];

    if (tg_tc_params_only(call, params) != TG_OK
        || tg_tc_app_param(call, "ApiAppId", ref) != TG_OK)
    {
        tg_tc_send_error(call);
        return;
    }

    if (tg_service_app_delete(call->svc, &call->actor, tg_str_c(ref),
                              &call->err)
        != TG_OK)
    {
        tg_tc_fail_core(call);
        return;
    }

    tg_tc_reply_true(call);
}


void
tg_tc_describe_api_app(tg_tc_call_t *call)
{
    static const char *const params[] = { "ApiAppId", NULL };
    tg_app_view_t            view;
    char                     ref[TG_TC_REF_MAX];

    memset(&view, 0, sizeof(view));

    if (tg_tc_params_only(call, params) != TG_OK
        || tg_tc_app_param(call, "ApiAppId", ref) != TG_OK)
    {
        tg_tc_send_error(call);
        return;
    }

    if (tg_service_app_get(call->svc, &call->actor, tg_str_c(ref), &view,
                           &call->err)
        != TG_OK)
    {
        tg_tc_fail_core(call);
        return;
    }

    tg_tc_reply(call, json_pack("{s:o}", "Result", tg_tc_app_info(&view)));
    tg_app_view_free(&view);
}


/*
 * The Filters of DescribeApiAppsStatus as the core's filter: one value
 * each.  ApiAppId is the app's numeric AppId, ApiAppName its name, and
 * KeyWord a search: an ApiAppId if it reads as one, else a part of the
 * name.  An id that names no app selects none.
 */
static int
tg_tc_app_filter(tg_tc_call_t *call, const tg_tc_filter_t *filters, size_t n,
                 tg_app_filter_t *filter, int *none)
{
    char   ref[TG_TC_REF_MAX];
    size_t i;

    for (i = 0; i < n; i++) {
        if (filters[i].nvalues != 1) {
            return tg_tc_fail(call, "InvalidParameterValue",
                              "Tollgate takes one value per filter.");
        }

        if (tg_str_eq_c(filters[i].name, "ApiAppName")) {
            filter->name = filters[i].values[0];
            continue;
        }

        if (tg_tc_app_ref(call, filters[i].values[0], ref) == TG_OK) {
            filter->app_id = strtoll(ref, NULL, 10);
        } else if (tg_str_eq_c(filters[i].name, "KeyWord")) {
            filter->name_part = filters[i].values[0];
        } else {
            *none = 1;
        }
        call->code[0] = '\0';
        call->message[0] = '\0';
    }

    return TG_OK;
}


void
tg_tc_describe_api_apps_status(tg_tc_call_t *call)
{
    static const char *const params[] = { "Limit", "Offset", "Filters", NULL };
    static const char *const names[] = { "ApiAppId", "ApiAppName", "KeyWord",
                                         NULL };
    tg_tc_filter_t           filters[TG_TC_FILTERS_MAX];
    tg_app_filter_t          filter;
    tg_app_view_t           *views = NULL;
    json_t                  *set;
    int64_t                  total = 0;
    size_t                   n = 0, nfilters, i;
    int                      none = 0;

    memset(&filter, 0, sizeof(filter));
    filter.enabled = -1;

    if (tg_tc_params_only(call, params) != TG_OK
        || tg_tc_paging(call, &filter.limit, &filter.offset) != TG_OK
        || tg_tc_filters(call, names, filters, &nfilters) != TG_OK
        || tg_tc_app_filter(call, filters, nfilters, &filter, &none) != TG_OK)
    {
        tg_tc_send_error(call);
        return;
    }

    if (!none
        && tg_service_app_list(call->svc, &call->actor, &filter, &views, &n,
                               &total, &call->err)
               != TG_OK)
    {
        tg_tc_fail_core(call);
        return;
    }

    set = json_array();
    for (i = 0; i < n && set != NULL; i++) {
        if (json_array_append_new(set, tg_tc_app_info(&views[i])) != 0) {
            json_decref(set);
            set = NULL;
        }
    }

    tg_tc_reply(call, set == NULL
                          ? NULL
                          : json_pack("{s:{s:I,s:o}}", "Result", "TotalCount",
                                      (json_int_t) total, "ApiAppSet", set));
    tg_app_view_list_free(views, n);
}


void
tg_tc_update_api_app_key(tg_tc_call_t *call)
{
    static const char *const params[] = { "ApiAppId", "ApiAppKey",
                                          "ApiAppSecret", NULL };
    tg_reset_spec_t          spec;
    tg_key_view_t            view;
    char                     ref[TG_TC_REF_MAX];

    memset(&spec, 0, sizeof(spec));
    memset(&view, 0, sizeof(view));

    if (tg_tc_params_only(call, params) != TG_OK
        || tg_tc_app_param(call, "ApiAppId", ref) != TG_OK
        || tg_tc_string(call, "ApiAppKey", 1, &spec.new_app_key) != TG_OK
        || tg_tc_string(call, "ApiAppSecret", 0, &spec.new_secret) != TG_OK)
    {
        tg_tc_send_error(call);
        return;
    }

    /* The app's primary pair takes the key, and the given secret or a
     * generated one; the old pair stops working at once (no grace). */

    if (tg_service_secret_reset(call->svc, &call->actor, tg_str_c(ref), &spec,
                                &view, &call->err)
        != TG_OK)
    {
        tg_tc_fail_core(call);
        return;
    }

    tg_key_view_free(&view);
    tg_tc_reply_true(call);
}
