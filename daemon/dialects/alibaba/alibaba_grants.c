/*
 * Alibaba actions on authorizations (Tollgate's grants of apps to APIs):
 * SetAppsAuthorities, RemoveAppsAuthorities, SetApisAuthorities,
 * RemoveApisAuthorities, DescribeAuthorizedApis, DescribeAuthorizedApps.
 *
 * A call names at most 100 ids and is one core transaction: every grant
 * of it is made (or revoked), or none.  ApiId is a Tollgate API's id (32
 * hex characters, as Alibaba's); AppId is the app's numeric id.  GroupId
 * and Description are accepted and not kept: Tollgate has no API groups
 * and grants carry no description (docs/dialects/alibaba.md).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tollgate/rules.h"
#include "tollgate/time.h"
#include "dialects/alibaba/alibaba_int.h"


/* StageName: one of the standard stages, the only ones Alibaba knows. */
static int
tg_ali_stage(tg_ali_call_t *call, int required, tg_str_t *stage)
{
    const char *rule;

    *stage = tg_ali_param(call, "StageName");

    if (stage->len == 0) {
        *stage = TG_STR_NULL;
        return required ? tg_ali_missing(call, "StageName") : TG_OK;
    }

    if (tg_stage_standard_check(*stage, &rule) != TG_OK) {
        return tg_ali_invalid(call, "StageName", rule);
    }

    return TG_OK;
}


static int
tg_ali_month(const char *m)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    int               i;

    for (i = 0; i < 12; i++) {
        if (strncmp(months + 3 * i, m, 3) == 0) {
            return i;
        }
    }
    return -1;
}


/*
 * AuthValidTime: RFC 3339 ("2018-10-05T16:00:00Z"), or the HTTP date
 * ("Fri, 05 Oct 2018 16:00:00 GMT") with or without its spaces, as the
 * documentation's example writes it ("Fri,05Oct201816:00:00GMT").
 * Empty or absent: never expires (0).
 */
static int
tg_ali_valid_time(tg_ali_call_t *call, int64_t *out)
{
    tg_str_t  value = tg_ali_param(call, "AuthValidTime");
    char      text[64];
    struct tm tm;
    size_t    i, n = 0;
    int       day, year, hour, min, sec, month, used = 0;
    char      mon[4];

    *out = 0;

    if (value.len == 0 || tg_time_parse(value, out) == TG_OK) {
        return TG_OK;
    }

    for (i = 0; i < value.len && n + 1 < sizeof(text); i++) {
        if (value.ptr[i] != ' ' && value.ptr[i] != ',') {
            text[n++] = value.ptr[i];
        }
    }
    text[n] = '\0';

    if (n >= 3 && text[0] >= 'A' && text[0] <= 'Z' && text[1] >= 'a') {
        memmove(text, text + 3, n - 2); /* the weekday */
    }

    if (sscanf(text, "%2d%3[A-Za-z]%4d%2d:%2d:%2dGMT%n", &day, mon, &year,
               &hour, &min, &sec, &used)
            != 6
        || text[used] != '\0' || (month = tg_ali_month(mon)) < 0 || day < 1
        || day > 31 || hour > 23 || min > 59 || sec > 60 || year < 1970)
    {
        return tg_ali_invalid(call, "AuthValidTime",
                              "must be a UTC time like 2018-10-05T16:00:00Z "
                              "or Fri, 05 Oct 2018 16:00:00 GMT");
    }

    memset(&tm, 0, sizeof(tm));
    tm.tm_year = year - 1900;
    tm.tm_mon = month;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = min;
    tm.tm_sec = sec;
    *out = (int64_t) timegm(&tm) * 1000;
    return TG_OK;
}


/* Checks each AppId of a list: positive integers. */
static int
tg_ali_app_ids(tg_ali_call_t *call, const char *name, tg_str_t *ids, size_t n)
{
    int64_t id;
    size_t  i;

    for (i = 0; i < n; i++) {
        if (tg_str_to_int64(ids[i], 1, INT64_MAX, &id) != TG_OK) {
            return tg_ali_invalid(call, name,
                                  "must be comma-separated app ids");
        }
    }
    return TG_OK;
}


/* Grants or revokes apps[i] x apis[i] as one core call. */
static void
tg_ali_authorities(tg_ali_call_t *call, int put, tg_str_t *apps, tg_str_t *apis,
                   size_t n)
{
    tg_grant_spec_t spec;
    tg_str_t        stage;
    int             rc;

    memset(&spec, 0, sizeof(spec));

    rc = tg_ali_stage(call, 1, &stage);
    if (rc == TG_OK && put) {
        rc = tg_ali_valid_time(call, &spec.expires_at);
    }
    if (rc != TG_OK) {
        tg_ali_send_error(call);
        return;
    }

    spec.stage = stage;
    rc = put ? tg_service_grants_put(call->svc, &call->actor, apps, apis, n,
                                     &spec, &call->err)
             : tg_service_grants_delete(call->svc, &call->actor, apps, apis, n,
                                        stage, &call->err);
    if (rc != TG_OK) {
        tg_ali_fail_core(call);
        return;
    }

    tg_ali_reply(call, NULL);
}


/* N apps to one API. */
static void
tg_ali_apps_authorities(tg_ali_call_t *call, int put)
{
    tg_str_t apps[TG_ALI_IDS_MAX], apis[TG_ALI_IDS_MAX], api;
    size_t   n, i;

    if (tg_ali_require(call, "ApiId", &api) != TG_OK
        || tg_ali_csv(call, "AppIds", TG_ALI_IDS_MAX, apps, &n) != TG_OK
        || tg_ali_app_ids(call, "AppIds", apps, n) != TG_OK)
    {
        tg_ali_send_error(call);
        return;
    }

    for (i = 0; i < n; i++) {
        apis[i] = api;
    }

    tg_ali_authorities(call, put, apps, apis, n);
}


/* One app to N APIs. */
static void
tg_ali_apis_authorities(tg_ali_call_t *call, int put)
{
    tg_str_t apps[TG_ALI_IDS_MAX], apis[TG_ALI_IDS_MAX];
    char     ref[24];
    size_t   n, i;

    if (tg_ali_app_id(call, "AppId", 1, ref) != TG_OK
        || tg_ali_csv(call, "ApiIds", TG_ALI_IDS_MAX, apis, &n) != TG_OK)
    {
        tg_ali_send_error(call);
        return;
    }

    for (i = 0; i < n; i++) {
        apps[i] = tg_str_c(ref);
    }

    tg_ali_authorities(call, put, apps, apis, n);
}


void
tg_ali_set_apps_authorities(tg_ali_call_t *call)
{
    tg_ali_apps_authorities(call, 1);
}


void
tg_ali_remove_apps_authorities(tg_ali_call_t *call)
{
    tg_ali_apps_authorities(call, 0);
}


void
tg_ali_set_apis_authorities(tg_ali_call_t *call)
{
    tg_ali_apis_authorities(call, 1);
}


void
tg_ali_remove_apis_authorities(tg_ali_call_t *call)
{
    tg_ali_apis_authorities(call, 0);
}


static json_t *
tg_ali_authorized_api(const tg_grant_t *g)
{
    return json_pack("{s:s,s:s,s:o,s:s,s:o,s:s,s:s,s:s,s:s,s:s,s:s}", "ApiId",
                     g->api, "ApiName", g->api_name != NULL ? g->api_name : "",
                     "AuthVaildTime", tg_dialect_json_time(g->expires_at),
                     "AuthorizationSource", "API", "AuthorizedTime",
                     tg_dialect_json_time(g->created_at), "Description", "",
                     "GroupId", "", "GroupName", "", "Operator", "PROVIDER",
                     "RegionId", "", "StageName", g->stage);
}


static json_t *
tg_ali_authorized_app(const tg_grant_t *g)
{
    return json_pack(
        "{s:s,s:I,s:s,s:o,s:s,s:o,s:s,s:s,s:s,s:s,s:{s:[]}}", "AppDescription",
        "", "AppId", (json_int_t) g->app_numeric_id, "AppName",
        g->app_name != NULL ? g->app_name : "", "AuthVaildTime",
        tg_dialect_json_time(g->expires_at), "AuthorizationSource", "API",
        "AuthorizedTime", tg_dialect_json_time(g->created_at), "Description",
        "", "Operator", "PROVIDER", "StageAlias", tg_stage_alias(g->stage),
        "StageName", g->stage, "Tag", "TagInfo");
}


/* How a listing of grants renders: each grant, and the names of the
 * list and of its items. */
typedef struct {
    json_t *(*render)(const tg_grant_t *g);
    const char *list;
    const char *item;
} tg_ali_grant_list_t;


/*
 * Lists the grants of ref (list_fn is by app or by API) and answers with
 * {list: {item: [...]}} and the paging, or with the core's error.
 */
static void
tg_ali_grant_list(tg_ali_call_t *call, tg_grant_list_pt list_fn, tg_str_t ref,
                  const tg_grant_filter_t   *filter,
                  const tg_ali_grant_list_t *shape)
{
    tg_grant_t *grants = NULL;
    json_t     *items;
    int64_t     total = 0;
    size_t      n = 0, i;

    if (list_fn(call->svc, &call->actor, ref, filter, &grants, &n, &total,
                &call->err)
        != TG_OK)
    {
        tg_ali_fail_core(call);
        return;
    }

    items = json_array();
    for (i = 0; items != NULL && i < n; i++) {
        json_array_append_new(items, shape->render(&grants[i]));
    }

    tg_ali_reply(
        call, items == NULL
                  ? NULL
                  : json_pack("{s:{s:o},s:I,s:I,s:I}", shape->list, shape->item,
                              items, "PageNumber",
                              (json_int_t) (filter->offset / filter->limit + 1),
                              "PageSize", (json_int_t) filter->limit,
                              "TotalCount", (json_int_t) total));
    tg_store_grant_list_free(grants, n);
}


/* PageNumber and PageSize as the core's page. */
static int
tg_ali_grant_paging(tg_ali_call_t *call, tg_grant_filter_t *filter)
{
    int64_t number, size;

    if (tg_ali_paging(call, &number, &size) != TG_OK) {
        return TG_EINVALID;
    }

    filter->limit = size;
    filter->offset = (number - 1) * size;
    return TG_OK;
}


void
tg_ali_describe_authorized_apis(tg_ali_call_t *call)
{
    static const tg_ali_grant_list_t shape = { tg_ali_authorized_api,
                                               "AuthorizedApis",
                                               "AuthorizedApi" };
    tg_grant_filter_t                filter;
    char                             ref[24];

    memset(&filter, 0, sizeof(filter));

    if (tg_ali_app_id(call, "AppId", 1, ref) != TG_OK
        || tg_ali_grant_paging(call, &filter) != TG_OK)
    {
        tg_ali_send_error(call);
        return;
    }

    tg_ali_grant_list(call, tg_service_grant_list_by_app, tg_str_c(ref),
                      &filter, &shape);
}


/* DescribeAuthorizedApps' filters: AppId, AppName, StageName. */
void
tg_ali_describe_authorized_apps(tg_ali_call_t *call)
{
    static const tg_ali_grant_list_t shape = { tg_ali_authorized_app,
                                               "AuthorizedApps",
                                               "AuthorizedApp" };
    tg_grant_filter_t                filter;
    tg_str_t                         api, name;
    int64_t                          owner;

    memset(&filter, 0, sizeof(filter));

    if (tg_ali_require(call, "ApiId", &api) != TG_OK
        || tg_ali_int(call, "AppId", 0, 1, INT64_MAX, 0, &filter.app_number)
               != TG_OK
        || tg_ali_int(call, "AppOwnerId", 0, 1, INT64_MAX, 0, &owner) != TG_OK
        || tg_ali_stage(call, 0, &filter.stage) != TG_OK
        || tg_ali_grant_paging(call, &filter) != TG_OK)
    {
        tg_ali_send_error(call);
        return;
    }

    name = tg_ali_param(call, "AppName");
    filter.app_name = name.len > 0 ? name : TG_STR_NULL;

    tg_ali_grant_list(call, tg_service_grant_list_by_api, api, &filter, &shape);
}
