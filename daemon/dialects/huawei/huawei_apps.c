/*
 * The Huawei dialect's app routes: apps (create, list, show, update,
 * delete), the seed's secret reset, the app check, and AppCodes.  Each
 * parses its input, calls the core service, and renders Huawei's shape.
 *
 * Huawei's app id is the app's Tollgate id, and its app_key the primary
 * AppKey.  A route names its app by id only (32 lowercase hex); an
 * admin key's call also checks that the app is in the path's project.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/cred.h"
#include "tollgate/huawei_rules.h"
#include "tollgate/rules.h"
#include "dialects/huawei/huawei_int.h"


#define TG_HW_LIMIT_DEFAULT 20


/*
 * A string field of the body: its value, or a NULL ptr when absent (or
 * null).  Another type, or a NUL inside, is APIG.2012.
 */
static int
tg_hw_field(tg_hw_call_t *call, const char *name, tg_str_t *out)
{
    json_t *v = call->body != NULL ? json_object_get(call->body, name) : NULL;

    *out = TG_STR_NULL;

    if (v == NULL || json_is_null(v)) {
        return TG_OK;
    }
    if (!json_is_string(v)) {
        return tg_hw_invalid(call, name, "must be a string");
    }

    out->ptr = json_string_value(v);
    out->len = json_string_length(v);
    if (memchr(out->ptr, '\0', out->len) != NULL) {
        *out = TG_STR_NULL;
        return tg_hw_invalid(call, name, "must not hold a NUL character");
    }

    return TG_OK;
}


/* The app id of the route: 32 lowercase hex digits, else APIG.3004. */
static int
tg_hw_app_ref(tg_hw_call_t *call, tg_str_t *ref)
{
    *ref = call->ids[0];

    if (!tg_id_valid(*ref)) {
        return tg_hw_fail(call, 404, "APIG.3004", "App %.*s does not exist",
                          ref->len > 64 ? 64 : (int) ref->len, ref->ptr);
    }
    return TG_OK;
}


/*
 * The app, when an admin key calls (it reaches every account's apps):
 * it must be in the path's project.  Other keys reach only their own
 * account, which is the project.
 */
static int
tg_hw_in_project(tg_hw_call_t *call, tg_str_t ref)
{
    tg_app_view_t view;
    int           in;

    if (!call->actor.admin) {
        return TG_OK;
    }

    memset(&view, 0, sizeof(view));
    if (tg_service_app_get(call->svc, &call->actor, ref, &view, &call->err)
        != TG_OK)
    {
        return tg_hw_core_error(call);
    }

    in = tg_str_eq_c(call->project_id, view.app.account_id);
    tg_app_view_free(&view);

    if (!in) {
        call->err.code = TG_EAPP_NOT_FOUND;
        return tg_hw_core_error(call);
    }
    return TG_OK;
}


/* The app of the route, checked: ref set, or the error sent. */
static int
tg_hw_route_app(tg_hw_call_t *call, tg_str_t *ref)
{
    if (tg_hw_app_ref(call, ref) != TG_OK
        || tg_hw_in_project(call, *ref) != TG_OK) {
        tg_hw_send_error(call);
        return TG_EINVALID;
    }
    return TG_OK;
}


/* name (required) and remark with Huawei's rules. */
static int
tg_hw_app_text(tg_hw_call_t *call, tg_str_t *name, tg_str_t *remark)
{
    const char *rule;

    if (tg_hw_field(call, "name", name) != TG_OK
        || tg_hw_field(call, "remark", remark) != TG_OK)
    {
        return TG_EINVALID;
    }
    if (name->len == 0) {
        return tg_hw_missing(call, "name");
    }
    if (tg_huawei_app_name_check(*name, &rule) != TG_OK) {
        return tg_hw_invalid(call, "name", rule);
    }

    return TG_OK;
}


/* Renders one app view and sends it with status. */
static void
tg_hw_send_app(tg_hw_call_t *call, unsigned status, const tg_app_view_t *view)
{
    tg_hw_reply(call, status, tg_hw_app_json(&view->app, view->key.app_key));
}


/* Reads the app ref into view; on failure answers with the core's error
 * and returns it. */
static int
tg_hw_app_load(tg_hw_call_t *call, tg_str_t ref, tg_app_view_t *view)
{
    int rc;

    rc = tg_service_app_get(call->svc, &call->actor, ref, view, &call->err);
    if (rc != TG_OK) {
        tg_hw_fail_core(call);
    }

    return rc;
}


/* Reads the app the route names into view; on failure answers with the
 * route's or the core's error and returns it. */
static int
tg_hw_app_routed(tg_hw_call_t *call, tg_app_view_t *view)
{
    tg_str_t ref;
    int      rc;

    memset(view, 0, sizeof(*view));

    rc = tg_hw_route_app(call, &ref);
    if (rc == TG_OK) {
        rc = tg_hw_app_load(call, ref, view);
    }

    return rc;
}


void
tg_hw_app_create(tg_hw_call_t *call)
{
    tg_app_spec_t spec;
    tg_app_view_t view;

    memset(&spec, 0, sizeof(spec));
    memset(&view, 0, sizeof(view));

    if (tg_hw_app_text(call, &spec.name, &spec.description) != TG_OK
        || tg_hw_field(call, "app_key", &spec.app_key) != TG_OK
        || tg_hw_field(call, "app_secret", &spec.app_secret) != TG_OK)
    {
        tg_hw_send_error(call);
        return;
    }

    spec.account_id = call->project_id;
    spec.enabled = 1;
    spec.creator = TG_CREATOR_USER;

    if (tg_service_app_create(call->svc, &call->actor, &spec, &view, &call->err)
        != TG_OK)
    {
        tg_hw_fail_core(call);
        return;
    }

    tg_hw_send_app(call, 201, &view);
    tg_app_view_free(&view);
}


void
tg_hw_app_show(tg_hw_call_t *call)
{
    tg_app_view_t view;

    if (tg_hw_app_routed(call, &view) != TG_OK) {
        return;
    }

    tg_hw_send_app(call, 200, &view);
    tg_app_view_free(&view);
}


void
tg_hw_app_update(tg_hw_call_t *call)
{
    tg_app_spec_t patch;
    tg_app_view_t view;
    tg_str_t      ref;
    unsigned      set = TG_APP_SET_NAME;

    memset(&patch, 0, sizeof(patch));
    memset(&view, 0, sizeof(view));

    if (tg_hw_route_app(call, &ref) != TG_OK) {
        return;
    }

    if (tg_hw_app_text(call, &patch.name, &patch.description) != TG_OK
        || tg_hw_field(call, "app_key", &patch.app_key) != TG_OK
        || tg_hw_field(call, "app_secret", &patch.app_secret) != TG_OK)
    {
        tg_hw_send_error(call);
        return;
    }

    /* As on a Huawei gateway that lets keys be customised (Tollgate's
     * create does): the app's AppKey and secret change with it. */
    if (patch.app_key.ptr != NULL || patch.app_secret.ptr != NULL) {
        set |= TG_APP_SET_KEY;
    }
    if (patch.description.ptr != NULL) {
        set |= TG_APP_SET_DESCRIPTION;
    }

    if (tg_service_app_update(call->svc, &call->actor, ref, &patch, set, &view,
                              &call->err)
        != TG_OK)
    {
        tg_hw_fail_core(call);
        return;
    }

    tg_hw_send_app(call, 200, &view);
    tg_app_view_free(&view);
}


void
tg_hw_app_delete(tg_hw_call_t *call)
{
    tg_str_t ref;

    if (tg_hw_route_app(call, &ref) != TG_OK) {
        return;
    }

    if (tg_service_app_delete(call->svc, &call->actor, ref, &call->err)
        != TG_OK) {
        tg_hw_fail_core(call);
        return;
    }

    tg_hw_reply(call, 204, NULL);
}


/* The seed: PUT .../apps/secret/{app_id}, optional {"app_secret"}. */
void
tg_hw_app_reset_secret(tg_hw_call_t *call)
{
    tg_reset_spec_t spec;
    tg_key_view_t   key;
    tg_app_view_t   view;
    tg_str_t        ref;

    memset(&spec, 0, sizeof(spec));
    memset(&key, 0, sizeof(key));
    memset(&view, 0, sizeof(view));

    if (tg_hw_route_app(call, &ref) != TG_OK) {
        return;
    }
    if (tg_hw_field(call, "app_secret", &spec.new_secret) != TG_OK) {
        tg_hw_send_error(call);
        return;
    }
    if (spec.new_secret.ptr != NULL && spec.new_secret.len == 0) {
        tg_hw_invalid(call, "app_secret", "must not be empty");
        tg_hw_send_error(call);
        return;
    }

    if (tg_service_secret_reset(call->svc, &call->actor, ref, &spec, &key,
                                &call->err)
        != TG_OK)
    {
        tg_hw_fail_core(call);
        return;
    }
    tg_key_view_free(&key);

    /* The answer is the app as it now is, its secret masked. */
    if (tg_hw_app_load(call, ref, &view) != TG_OK) {
        return;
    }

    tg_hw_send_app(call, 200, &view);
    tg_app_view_free(&view);
}


void
tg_hw_app_validate(tg_hw_call_t *call)
{
    tg_app_view_t view;

    if (tg_hw_app_routed(call, &view) != TG_OK) {
        return;
    }

    tg_hw_reply(
        call, 200,
        json_pack("{s:s,s:s,s:s}", "id", view.app.id, "name",
                  view.app.name != NULL ? view.app.name : "", "remark",
                  view.app.description != NULL ? view.app.description : ""));
    tg_app_view_free(&view);
}


/* ---- listing ---- */


/* An integer query parameter: def when absent, APIG.2012 when not one. */
static int
tg_hw_query_int(tg_hw_call_t *call, const char *name, int64_t def, int64_t *out)
{
    const char *v = tg_http_query(call->req, name);

    *out = def;
    if (v == NULL) {
        return TG_OK;
    }
    if (tg_str_to_int64(tg_str_c(v), INT64_MIN / 2, INT64_MAX / 2, out)
        != TG_OK) {
        return tg_hw_invalid(call, name, "must be an integer");
    }
    return TG_OK;
}


/*
 * The page: v2's offset (below 0: 0) and limit (0 or below: 20), or
 * v1's page_no (from 1) and page_size (default 20); a larger page is
 * clamped to 500, as Huawei does (TG_PAGE_SIZE_LIMIT).
 */
int
tg_hw_page(tg_hw_call_t *call, int64_t *offset, int64_t *limit)
{
    int64_t no;

    if (call->v1) {
        if (tg_hw_query_int(call, "page_size", TG_HW_LIMIT_DEFAULT, limit)
                != TG_OK
            || tg_hw_query_int(call, "page_no", 1, &no) != TG_OK)
        {
            return TG_EINVALID;
        }
        no = no < 1 ? 1 : no;
    } else {
        if (tg_hw_query_int(call, "limit", TG_HW_LIMIT_DEFAULT, limit) != TG_OK
            || tg_hw_query_int(call, "offset", 0, offset) != TG_OK)
        {
            return TG_EINVALID;
        }
        no = 0;
    }

    if (*limit <= 0) {
        *limit = TG_HW_LIMIT_DEFAULT;
    }
    if (*limit > TG_PAGE_SIZE_LIMIT) {
        *limit = TG_PAGE_SIZE_LIMIT;
    }

    if (call->v1) {
        if (no - 1 > (INT64_MAX / 2) / *limit) {
            return tg_hw_invalid(call, "page_no", "is too large");
        }
        *offset = (no - 1) * *limit;
    } else if (*offset < 0) {
        *offset = 0;
    }

    return TG_OK;
}


/* A query filter: NULL ptr when absent or empty (Huawei's clients send
 * unset filters empty). */
static tg_str_t
tg_hw_query_str(tg_hw_call_t *call, const char *name)
{
    const char *v = tg_http_query(call->req, name);

    return v != NULL && v[0] != '\0' ? tg_str_c(v) : TG_STR_NULL;
}


/* The list filters: id, name, status, app_key, creator. */
static int
tg_hw_filters(tg_hw_call_t *call, tg_app_filter_t *filter)
{
    tg_str_t    status = tg_hw_query_str(call, "status");
    tg_str_t    creator = tg_hw_query_str(call, "creator");
    const char *precise = tg_http_query(call->req, "precise_search");

    filter->enabled = -1;
    filter->app_key = tg_hw_query_str(call, "app_key");

    /* name is a part of the name unless precise_search=name. */
    if (precise != NULL && precise[0] != '\0' && strcmp(precise, "name") != 0) {
        return tg_hw_invalid(call, "precise_search", "must be name");
    }
    if (precise != NULL && strcmp(precise, "name") == 0) {
        filter->name = tg_hw_query_str(call, "name");
    } else {
        filter->name_part = tg_hw_query_str(call, "name");
    }
    if (status.ptr != NULL) {
        if (tg_str_eq_c(status, "1")) {
            filter->enabled = 1;
        } else if (tg_str_eq_c(status, "2")) {
            filter->enabled = 0;
        } else {
            return tg_hw_invalid(call, "status", "must be 1 or 2");
        }
    }
    if (creator.ptr != NULL) {
        if (!tg_str_eq_c(creator, "USER") && !tg_str_eq_c(creator, "MARKET")) {
            return tg_hw_invalid(call, "creator", "must be USER or MARKET");
        }
        filter->by_creator = 1;
        filter->creator =
            tg_str_eq_c(creator, "USER") ? TG_CREATOR_USER : TG_CREATOR_MARKET;
    }

    return TG_OK;
}


/* {"total", "size", "apps": [...]} */
static json_t *
tg_hw_app_page(const tg_app_view_t *views, size_t n, int64_t total)
{
    json_t *apps = json_array();
    size_t  i;

    for (i = 0; i < n && apps != NULL; i++) {
        tg_hw_append(&apps,
                     tg_hw_app_json(&views[i].app, views[i].key.app_key));
    }

    return tg_hw_page_json("apps", apps, total, n);
}


void
tg_hw_app_list(tg_hw_call_t *call)
{
    tg_app_filter_t filter;
    tg_app_view_t  *views = NULL;
    int64_t         total = 0;
    size_t          n = 0;

    memset(&filter, 0, sizeof(filter));

    if (tg_hw_page(call, &filter.offset, &filter.limit) != TG_OK
        || tg_hw_filters(call, &filter) != TG_OK)
    {
        tg_hw_send_error(call);
        return;
    }

    filter.account_id = call->project_id;
    filter.id = tg_hw_query_str(call, "id");

    if (tg_service_app_list(call->svc, &call->actor, &filter, &views, &n,
                            &total, &call->err)
        != TG_OK)
    {
        tg_hw_fail_core(call);
        return;
    }

    tg_hw_reply(call, 200, tg_hw_app_page(views, n, total));
    tg_app_view_list_free(views, n);
}


/* ---- AppCodes ---- */


static json_t *
tg_hw_code_json(const tg_code_view_t *code, tg_str_t app_id)
{
    return json_pack("{s:s,s:s,s:s%,s:o}", "id", code->id, "app_code",
                     code->code != NULL ? code->code : code->code_mask,
                     "app_id", app_id.ptr, app_id.len, "create_time",
                     tg_hw_time(code->created_at));
}


static void
tg_hw_code_add(tg_hw_call_t *call, tg_str_t given)
{
    tg_cred_spec_t spec;
    tg_cred_view_t view;
    tg_str_t       ref;

    memset(&spec, 0, sizeof(spec));
    memset(&view, 0, sizeof(view));
    spec.secret = given;

    if (tg_hw_route_app(call, &ref) != TG_OK) {
        return;
    }

    if (tg_service_cred_add(call->svc, &call->actor, TG_CRED_APP_CODE, ref,
                            &spec, &view, &call->err)
        != TG_OK)
    {
        tg_hw_fail_core(call);
        return;
    }

    tg_hw_reply(call, 201, tg_hw_code_json(&view.code, ref));
    tg_cred_view_free(&view);
}


void
tg_hw_code_create(tg_hw_call_t *call)
{
    const char *rule;
    tg_str_t    given;

    if (tg_hw_field(call, "app_code", &given) != TG_OK) {
        tg_hw_send_error(call);
        return;
    }
    if (given.len == 0) {
        tg_hw_missing(call, "app_code");
        tg_hw_send_error(call);
        return;
    }
    if (tg_huawei_app_code_check(given, &rule) != TG_OK) {
        tg_hw_invalid(call, "app_code", rule);
        tg_hw_send_error(call);
        return;
    }

    tg_hw_code_add(call, given);
}


void
tg_hw_code_generate(tg_hw_call_t *call)
{
    tg_hw_code_add(call, TG_STR_NULL);
}


/* The app's AppCodes, masked; the route's app checked. */
static int
tg_hw_codes(tg_hw_call_t *call, tg_str_t *ref, tg_cred_view_t **items,
            size_t *n)
{
    if (tg_hw_route_app(call, ref) != TG_OK) {
        return TG_EINVALID;
    }

    if (tg_service_cred_list(call->svc, &call->actor, TG_CRED_APP_CODE, *ref,
                             items, n, &call->err)
        != TG_OK)
    {
        tg_hw_fail_core(call);
        return TG_EINVALID;
    }

    return TG_OK;
}


void
tg_hw_code_list(tg_hw_call_t *call)
{
    tg_cred_view_t *items = NULL;
    json_t         *codes;
    tg_str_t        ref;
    int64_t         offset = 0, limit = 0;
    size_t          n = 0, i, size = 0;

    if (tg_hw_page(call, &offset, &limit) != TG_OK) {
        tg_hw_send_error(call);
        return;
    }
    if (tg_hw_codes(call, &ref, &items, &n) != TG_OK) {
        return;
    }

    codes = json_array();
    for (i = (size_t) offset; i < n && size < (size_t) limit && codes != NULL;
         i++) {
        tg_hw_append(&codes, tg_hw_code_json(&items[i].code, ref));
        size++;
    }

    tg_hw_reply(call, 200,
                tg_hw_page_json("app_codes", codes, (int64_t) n, size));
    tg_cred_view_list_free(items, n);
}


void
tg_hw_code_show(tg_hw_call_t *call)
{
    tg_cred_view_t *items = NULL;
    tg_str_t        ref;
    size_t          n = 0, i;

    if (tg_hw_codes(call, &ref, &items, &n) != TG_OK) {
        return;
    }

    for (i = 0; i < n; i++) {
        if (tg_str_eq_c(call->ids[1], items[i].code.id)) {
            tg_hw_reply(call, 200, tg_hw_code_json(&items[i].code, ref));
            tg_cred_view_list_free(items, n);
            return;
        }
    }

    tg_cred_view_list_free(items, n);
    call->err.code = TG_ECODE_NOT_FOUND;
    tg_hw_fail_core(call);
}


void
tg_hw_code_delete(tg_hw_call_t *call)
{
    tg_str_t ref;

    if (tg_hw_route_app(call, &ref) != TG_OK) {
        return;
    }

    if (tg_service_cred_delete(call->svc, &call->actor, TG_CRED_APP_CODE, ref,
                               call->ids[1], 0, &call->err)
        != TG_OK)
    {
        tg_hw_fail_core(call);
        return;
    }

    tg_hw_reply(call, 204, NULL);
}
