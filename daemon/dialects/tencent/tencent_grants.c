/*
 * The Tencent dialect's authorization actions: BindApiApp, UnbindApiApp,
 * DescribeApiAppBindApisStatus and DescribeApiBindApiAppsStatus.  A
 * binding is a core grant on one stage (the Environment).  Tollgate has
 * no services: ServiceId is required as Tencent requires it, and every
 * API answers as in TG_TC_SERVICE_ID; ApiId names a Tollgate API by its
 * id or its name.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/utf8.h"
#include "dialects/tencent/tencent_int.h"


/* The four parameters of a bind or unbind. */
typedef struct {
    char     ref[TG_TC_REF_MAX];
    tg_str_t stage;
    tg_str_t api;
} tg_tc_binding_t;


static int
tg_tc_binding(tg_tc_call_t *call, tg_tc_binding_t *b)
{
    static const char *const params[] = { "ApiAppId", "Environment",
                                          "ServiceId", "ApiId", NULL };
    tg_str_t                 env, service;

    if (tg_tc_params_only(call, params) != TG_OK
        || tg_tc_app_param(call, "ApiAppId", b->ref) != TG_OK
        || tg_tc_string(call, "Environment", 1, &env) != TG_OK
        || tg_tc_string(call, "ServiceId", 1, &service) != TG_OK
        || tg_tc_string(call, "ApiId", 1, &b->api) != TG_OK
        || tg_tc_stage(call, env, &b->stage) != TG_OK)
    {
        return TG_EINVALID;
    }

    if (service.len == 0 || b->api.len == 0) {
        return tg_tc_fail(call, "InvalidParameter.FormatError",
                          "Incorrect parameter format: ServiceId and ApiId "
                          "must not be empty.");
    }

    return TG_OK;
}


void
tg_tc_bind_api_app(tg_tc_call_t *call)
{
    tg_tc_binding_t b;
    tg_grant_spec_t spec;
    tg_grant_t      grant;
    int             created = 0;

    memset(&spec, 0, sizeof(spec));
    memset(&grant, 0, sizeof(grant));

    if (tg_tc_binding(call, &b) != TG_OK) {
        tg_tc_send_error(call);
        return;
    }

    spec.stage = b.stage;

    if (tg_service_grant_put(call->svc, &call->actor, tg_str_c(b.ref), b.api,
                             &spec, &grant, &created, &call->err)
        != TG_OK)
    {
        tg_tc_fail_core(call);
        return;
    }

    tg_grant_free(&grant);
    tg_tc_reply_true(call);
}


void
tg_tc_unbind_api_app(tg_tc_call_t *call)
{
    tg_tc_binding_t b;

    if (tg_tc_binding(call, &b) != TG_OK) {
        tg_tc_send_error(call);
        return;
    }

    if (tg_service_grant_delete(call->svc, &call->actor, tg_str_c(b.ref), b.api,
                                b.stage, &call->err)
        != TG_OK)
    {
        tg_tc_fail_core(call);
        return;
    }

    tg_tc_reply_true(call);
}


/* An ApiAppApiInfo of a grant. */
static json_t *
tg_tc_binding_info(tg_tc_call_t *call, const tg_grant_t *g)
{
    const char *region = tg_http_header(call->req, "X-TC-Region");
    char        id[TG_TC_REF_MAX], safe[64];

    tg_tc_app_id(g->app_numeric_id, id);
    tg_utf8_sanitize(tg_str_c(region != NULL ? region : ""), safe,
                     sizeof(safe));

    return json_pack("{s:s,s:o,s:s,s:o,s:s,s:o,s:s,s:s}", "ApiAppId", id,
                     "ApiAppName", tg_dialect_json_string(g->app_name), "ApiId",
                     g->api, "ApiName", tg_dialect_json_string(g->api_name),
                     "ServiceId", TG_TC_SERVICE_ID, "AuthorizedTime",
                     tg_dialect_json_time(g->created_at), "ApiRegion", safe,
                     "EnvironmentName", tg_tc_environment(g->stage));
}


/* Appends the bindings of a page to set; 0 or TG_ENOMEM. */
static int
tg_tc_binding_append(tg_tc_call_t *call, json_t *set, const tg_grant_t *grants,
                     size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (json_array_append_new(set, tg_tc_binding_info(call, &grants[i]))
            != 0) {
            return TG_ENOMEM;
        }
    }
    return TG_OK;
}


/* The Environment filter (one value) as the grant filter's stage. */
static int
tg_tc_env_filter(tg_tc_call_t *call, const tg_tc_filter_t *f,
                 tg_grant_filter_t *filter)
{
    if (f->nvalues != 1) {
        return tg_tc_fail(call, "InvalidParameterValue",
                          "Tollgate takes one value per filter.");
    }
    return tg_tc_stage(call, f->values[0], &filter->stage);
}


void
tg_tc_describe_api_app_bind_apis_status(tg_tc_call_t *call)
{
    static const char *const params[] = { "ApiAppId", "Limit", "Offset",
                                          "Filters", NULL };
    static const char *const names[] = { "Environment", NULL };
    tg_tc_filter_t           filters[TG_TC_FILTERS_MAX];
    tg_grant_filter_t        filter;
    tg_grant_t              *grants = NULL;
    json_t                  *set = NULL;
    int64_t                  total = 0;
    size_t                   n = 0, nfilters;
    char                     ref[TG_TC_REF_MAX];

    memset(&filter, 0, sizeof(filter));

    if (tg_tc_params_only(call, params) != TG_OK
        || tg_tc_app_param(call, "ApiAppId", ref) != TG_OK
        || tg_tc_paging(call, &filter.limit, &filter.offset) != TG_OK
        || tg_tc_filters(call, names, filters, &nfilters) != TG_OK
        || (nfilters == 1 && tg_tc_env_filter(call, &filters[0], &filter))
               != TG_OK)
    {
        tg_tc_send_error(call);
        return;
    }

    if (tg_service_grant_list_by_app(call->svc, &call->actor, tg_str_c(ref),
                                     &filter, &grants, &n, &total, &call->err)
        != TG_OK)
    {
        tg_tc_fail_core(call);
        return;
    }

    set = json_array();
    if (set != NULL && tg_tc_binding_append(call, set, grants, n) != TG_OK) {
        json_decref(set);
        set = NULL;
    }

    tg_tc_reply(call, set == NULL
                          ? NULL
                          : json_pack("{s:{s:I,s:o}}", "Result", "TotalCount",
                                      (json_int_t) total, "ApiAppApiSet", set));
    tg_store_grant_list_free(grants, n);
}


/*
 * One page across several APIs: each API's bindings in turn, the page's
 * offset and limit applied to them all as one list, and the total of
 * all.  Returns 0 or a core error in call->err.
 */
static int
tg_tc_bindings_of_apis(tg_tc_call_t *call, const tg_str_t *apis, size_t napis,
                       tg_grant_filter_t *filter, json_t *set, int64_t *total)
{
    tg_grant_t *grants;
    int64_t     skip = filter->offset, room = filter->limit, count;
    size_t      n, i;
    int         rc = TG_OK;

    *total = 0;

    for (i = 0; i < napis && rc == TG_OK; i++) {
        grants = NULL;
        n = 0;
        count = 0;

        /* A full page still counts the rest: one item, dropped. */
        filter->offset = skip;
        filter->limit = room > 0 ? room : 1;

        rc = tg_service_grant_list_by_api(call->svc, &call->actor, apis[i],
                                          filter, &grants, &n, &count,
                                          &call->err);
        if (rc == TG_OK && room > 0) {
            rc = tg_tc_binding_append(call, set, grants, n);
            room -= (int64_t) n;
        }

        tg_store_grant_list_free(grants, n);
        *total += count;
        skip = skip > count ? skip - count : 0;
    }

    return rc;
}


void
tg_tc_describe_api_bind_api_apps_status(tg_tc_call_t *call)
{
    static const char *const params[] = { "ServiceId", "ApiIds",  "Limit",
                                          "Offset",    "Filters", NULL };
    static const char *const names[] = { "ApiAppId", "Environment", NULL };
    tg_tc_filter_t           filters[TG_TC_FILTERS_MAX];
    tg_grant_filter_t        filter;
    tg_str_t                 apis[TG_TC_IDS_MAX], service;
    json_t                  *set;
    int64_t                  total = 0;
    size_t                   napis, nfilters, i;
    char                     ref[TG_TC_REF_MAX];

    memset(&filter, 0, sizeof(filter));

    if (tg_tc_params_only(call, params) != TG_OK
        || tg_tc_string(call, "ServiceId", 1, &service) != TG_OK
        || tg_tc_strings(call, "ApiIds", TG_TC_IDS_MAX, apis, &napis) != TG_OK
        || tg_tc_paging(call, &filter.limit, &filter.offset) != TG_OK
        || tg_tc_filters(call, names, filters, &nfilters) != TG_OK)
    {
        tg_tc_send_error(call);
        return;
    }

    for (i = 0; i < nfilters; i++) {
        if (tg_str_eq_c(filters[i].name, "Environment")) {
            if (tg_tc_env_filter(call, &filters[i], &filter) != TG_OK) {
                tg_tc_send_error(call);
                return;
            }
        } else if (filters[i].nvalues != 1
                   || tg_tc_app_ref(call, filters[i].values[0], ref) != TG_OK)
        {
            tg_tc_send_error(call);
            return;
        } else {
            filter.app_number = strtoll(ref, NULL, 10);
        }
    }

    set = json_array();
    if (set == NULL) {
        tg_tc_reply(call, NULL);
        return;
    }

    if (tg_tc_bindings_of_apis(call, apis, napis, &filter, set, &total)
        != TG_OK) {
        json_decref(set);
        if (call->err.code != TG_OK) {
            tg_tc_fail_core(call);
        } else {
            tg_tc_reply(call, NULL);
        }
        return;
    }

    tg_tc_reply(call, json_pack("{s:{s:I,s:o}}", "Result", "TotalCount",
                                (json_int_t) total, "ApiAppApiSet", set));
}
