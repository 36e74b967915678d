/*
 * Alibaba actions on apps and their credentials: CreateApp, ModifyApp,
 * DeleteApp, DescribeApp, DescribeAppAttributes, DescribeApps,
 * DescribeAppSecurity, DescribeAppSecurities, ResetAppSecret,
 * ResetAppCode, CreateAppCode, DeleteAppCode, CreateAppKey and
 * DeleteAppKey.
 *
 * Each reads its parameters, applies Alibaba's stricter rules where its
 * contract has them (names of 4-26 characters, descriptions of 180), calls
 * the core service and renders Alibaba's shape.  Secrets appear in clear
 * only in DescribeAppSecurity and DescribeAppSecurities, as Alibaba's
 * contract has it.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/rules.h"
#include "dialects/alibaba/alibaba_int.h"


/* An optional string parameter; an empty one counts as absent. */
static tg_str_t
tg_ali_optional(const tg_ali_call_t *call, const char *name)
{
    tg_str_t value = tg_ali_param(call, name);

    return value.len > 0 ? value : TG_STR_NULL;
}


/* AppName and Description, by Alibaba's rules, if given. */
static int
tg_ali_app_text(tg_ali_call_t *call, tg_str_t name, tg_str_t description)
{
    const char *rule;

    if (name.ptr != NULL && tg_alibaba_app_name_check(name, &rule) != TG_OK) {
        return tg_ali_invalid(call, "AppName", rule);
    }
    if (description.ptr != NULL
        && tg_alibaba_description_check(description, &rule) != TG_OK)
    {
        return tg_ali_invalid(call, "Description", rule);
    }

    return TG_OK;
}


void
tg_ali_create_app(tg_ali_call_t *call)
{
    tg_tag_spec_t tags[TG_TAGS_MAX];
    tg_app_spec_t spec;
    tg_app_view_t view;
    tg_str_t      name;
    size_t        ntags;

    memset(&spec, 0, sizeof(spec));
    memset(&view, 0, sizeof(view));

    if (tg_ali_require(call, "AppName", &name) != TG_OK
        || tg_ali_app_text(call, name, tg_ali_param(call, "Description"))
               != TG_OK
        || tg_ali_tags(call, "Tag", tags, &ntags) != TG_OK)
    {
        tg_ali_send_error(call);
        return;
    }

    spec.name = name;
    spec.description = tg_ali_param(call, "Description");
    spec.extend = tg_ali_param(call, "Extend");
    spec.tags = tags;
    spec.ntags = ntags;
    spec.enabled = 1;
    spec.creator = TG_CREATOR_USER;
    spec.app_key = tg_ali_optional(call, "AppKey");
    spec.app_secret = tg_ali_optional(call, "AppSecret");
    spec.app_code = tg_ali_optional(call, "AppCode");

    if (tg_service_app_create(call->svc, &call->actor, &spec, &view, &call->err)
        != TG_OK)
    {
        tg_ali_fail_core(call);
        return;
    }

    /* No secret in the answer: DescribeAppSecurity reveals it. */
    tg_ali_reply(call,
                 json_pack("{s:I,s:b}", "AppId", (json_int_t) view.app.app_id,
                           "TagStatus", view.app.ntags > 0));
    tg_app_view_free(&view);
}


void
tg_ali_modify_app(tg_ali_call_t *call)
{
    tg_tag_spec_t tags[TG_TAGS_MAX];
    tg_app_spec_t patch;
    tg_app_view_t view;
    char          ref[24];
    unsigned      set = 0;
    size_t        ntags;
    int           given, disabled;

    memset(&patch, 0, sizeof(patch));
    memset(&view, 0, sizeof(view));

    patch.name = tg_ali_param(call, "AppName");
    patch.description = tg_ali_param(call, "Description");
    patch.extend = tg_ali_param(call, "Extend");

    if (tg_ali_app_id(call, "AppId", 1, ref) != TG_OK
        || tg_ali_app_text(call, patch.name, patch.description) != TG_OK
        || tg_ali_bool(call, "Disabled", &given, &disabled) != TG_OK
        || tg_ali_tags(call, "Tag", tags, &ntags) != TG_OK)
    {
        tg_ali_send_error(call);
        return;
    }

    set |= patch.name.ptr != NULL ? TG_APP_SET_NAME : 0;
    set |= patch.description.ptr != NULL ? TG_APP_SET_DESCRIPTION : 0;
    set |= patch.extend.ptr != NULL ? TG_APP_SET_EXTEND : 0;
    if (given) {
        patch.enabled = !disabled;
        set |= TG_APP_SET_ENABLED;
    }
    if (ntags > 0) {
        patch.tags = tags;
        patch.ntags = ntags;
        set |= TG_APP_SET_TAGS;
    }

    if (tg_service_app_update(call->svc, &call->actor, tg_str_c(ref), &patch,
                              set, &view, &call->err)
        != TG_OK)
    {
        tg_ali_fail_core(call);
        return;
    }

    tg_app_view_free(&view);
    tg_ali_reply(call, NULL);
}


void
tg_ali_delete_app(tg_ali_call_t *call)
{
    tg_tag_spec_t tags[TG_TAGS_MAX];
    char          ref[24];
    size_t        ntags;

    /* Tags are accepted as documented; they select nothing more. */

    if (tg_ali_app_id(call, "AppId", 1, ref) != TG_OK
        || tg_ali_tags(call, "Tag", tags, &ntags) != TG_OK)
    {
        tg_ali_send_error(call);
        return;
    }

    if (tg_service_app_delete(call->svc, &call->actor, tg_str_c(ref),
                              &call->err)
        != TG_OK)
    {
        tg_ali_fail_core(call);
        return;
    }

    tg_ali_reply(call, NULL);
}


/* {"Tags": {"TagInfo": [{"Key": k, "Value": v}...]}} members. */
static json_t *
tg_ali_tag_infos(const tg_app_t *app)
{
    json_t *list = json_array();
    size_t  i;

    for (i = 0; list != NULL && i < app->ntags; i++) {
        json_array_append_new(list,
                              json_pack("{s:s,s:s}", "Key", app->tags[i].key,
                                        "Value", app->tags[i].value));
    }

    return list != NULL ? json_pack("{s:o}", "TagInfo", list) : NULL;
}


/* The fields of DescribeApp and of each AppAttribute. */
static json_t *
tg_ali_app_attributes(const tg_app_t *app, int with_tags)
{
    json_t *obj;

    obj = json_pack("{s:I,s:s,s:o,s:o,s:s,s:b,s:s}", "AppId",
                    (json_int_t) app->app_id, "AppName", app->name,
                    "CreatedTime", tg_dialect_json_time(app->created_at),
                    "ModifiedTime", tg_dialect_json_time(app->updated_at),
                    "Description", app->description, "Disabled", !app->enabled,
                    "Extend", app->extend);

    if (obj != NULL && with_tags) {
        json_object_set_new(obj, "Tags", tg_ali_tag_infos(app));
    }

    return obj;
}


void
tg_ali_describe_app(tg_ali_call_t *call)
{
    tg_app_view_t view;
    char          ref[24];

    if (tg_ali_app_id(call, "AppId", 1, ref) != TG_OK) {
        tg_ali_send_error(call);
        return;
    }

    if (tg_service_app_get(call->svc, &call->actor, tg_str_c(ref), &view,
                           &call->err)
        != TG_OK)
    {
        tg_ali_fail_core(call);
        return;
    }

    tg_ali_reply(call, tg_ali_app_attributes(&view.app, 0));
    tg_app_view_free(&view);
}


/* Renders a page of apps as {list: {item: [...]}} with the paging. */
static json_t *
tg_ali_app_page(const char *list, const char *item, const tg_app_view_t *views,
                size_t n, int64_t number, int64_t size, int64_t total,
                int attributes)
{
    json_t *items = json_array(), *one;
    size_t  i;

    for (i = 0; items != NULL && i < n; i++) {
        one = attributes ? tg_ali_app_attributes(&views[i].app, 1)
                         : json_pack("{s:I,s:s,s:s}", "AppId",
                                     (json_int_t) views[i].app.app_id,
                                     "AppName", views[i].app.name,
                                     "Description", views[i].app.description);
        if (one == NULL || json_array_append_new(items, one) != 0) {
            json_decref(items);
            return NULL;
        }
    }

    if (items == NULL) {
        return NULL;
    }

    return json_pack("{s:{s:o},s:I,s:I,s:I}", list, item, items, "PageNumber",
                     (json_int_t) number, "PageSize", (json_int_t) size,
                     "TotalCount", (json_int_t) total);
}


void
tg_ali_describe_app_attributes(tg_ali_call_t *call)
{
    tg_tag_spec_t   tags[TG_TAGS_MAX];
    tg_app_filter_t filter;
    tg_app_view_t  *views = NULL;
    tg_str_t        sort;
    int64_t         number, size, total = 0;
    size_t          ntags, n = 0, i;
    int             given, tag_auth;

    memset(&filter, 0, sizeof(filter));
    filter.enabled = -1;

    if (tg_ali_int(call, "AppId", 0, 1, INT64_MAX, 0, &filter.app_id) != TG_OK
        || tg_ali_paging(call, &number, &size) != TG_OK
        || tg_ali_bool(call, "EnableTagAuth", &given, &tag_auth) != TG_OK
        || tg_ali_tags(call, "Tag", tags, &ntags) != TG_OK)
    {
        tg_ali_send_error(call);
        return;
    }

    sort = tg_ali_param(call, "Sort");
    if (sort.len == 0 || tg_str_eq_c(sort, "desc")) {
        filter.order = TG_APP_ORDER_UPDATED_DESC;
    } else if (tg_str_eq_c(sort, "asc")) {
        filter.order = TG_APP_ORDER_UPDATED_ASC;
    } else {
        tg_ali_invalid(call, "Sort", "must be asc or desc");
        tg_ali_send_error(call);
        return;
    }

    filter.name = tg_ali_optional(call, "AppName");
    filter.app_key = tg_ali_optional(call, "AppKey");
    filter.app_code = tg_ali_optional(call, "AppCode");
    filter.extend = tg_ali_optional(call, "Extend");
    for (i = 0; i < ntags; i++) {
        filter.tag_keys[i] = tags[i].key;
        filter.tag_values[i] =
            tags[i].value.len > 0 ? tags[i].value : TG_STR_NULL;
    }
    filter.ntags = ntags;
    filter.limit = size;
    filter.offset = (number - 1) * size;

    if (tg_service_app_list(call->svc, &call->actor, &filter, &views, &n,
                            &total, &call->err)
        != TG_OK)
    {
        tg_ali_fail_core(call);
        return;
    }

    tg_ali_reply(call, tg_ali_app_page("Apps", "AppAttribute", views, n, number,
                                       size, total, 1));
    tg_app_view_list_free(views, n);
}


void
tg_ali_describe_apps(tg_ali_call_t *call)
{
    tg_app_filter_t filter;
    tg_app_view_t  *views = NULL;
    int64_t         number, size, owner = 0, total = 0;
    size_t          n = 0;

    memset(&filter, 0, sizeof(filter));
    filter.enabled = -1;

    if (tg_ali_int(call, "AppId", 0, 1, INT64_MAX, 0, &filter.app_id) != TG_OK
        || tg_ali_int(call, "AppOwner", 0, 1, INT64_MAX, 0, &owner) != TG_OK
        || tg_ali_paging(call, &number, &size) != TG_OK)
    {
        tg_ali_send_error(call);
        return;
    }

    /* Tollgate accounts have no numeric owner id: AppOwner stands for the
     * caller's own account (every account for an admin key). */

    if (filter.app_id == 0 && owner == 0) {
        tg_ali_fail(call, 400, "MissingAppIdOrAppOwner",
                    "AppId or AppOwner must have a valid value.");
        tg_ali_send_error(call);
        return;
    }

    filter.limit = size;
    filter.offset = (number - 1) * size;

    if (tg_service_app_list(call->svc, &call->actor, &filter, &views, &n,
                            &total, &call->err)
        != TG_OK)
    {
        tg_ali_fail_core(call);
        return;
    }

    tg_ali_reply(call, tg_ali_app_page("Apps", "AppItem", views, n, number,
                                       size, total, 0));
    tg_app_view_list_free(views, n);
}


/* One AppSecurity: a key pair in clear, with the app's first AppCode. */
static json_t *
tg_ali_security(const tg_key_view_t *key, const tg_app_view_t *view)
{
    return json_pack(
        "{s:s,s:s,s:s,s:o,s:o}", "AppKey", key->app_key, "AppSecret",
        key->secret != NULL ? key->secret : "", "AppCode",
        view->ncodes > 0 && view->codes[0].code != NULL ? view->codes[0].code
                                                        : "",
        "CreatedTime", tg_dialect_json_time(key->created_at), "ModifiedTime",
        tg_dialect_json_time(key->updated_at));
}


/* Reveals an app's secrets (audited by the core) into view. */
static int
tg_ali_reveal(tg_ali_call_t *call, tg_app_view_t *view)
{
    tg_tag_spec_t tags[TG_TAGS_MAX];
    char          ref[24];
    size_t        ntags;

    if (tg_ali_app_id(call, "AppId", 1, ref) != TG_OK
        || tg_ali_tags(call, "Tag", tags, &ntags) != TG_OK)
    {
        return TG_EINVALID;
    }

    if (tg_service_secret_reveal(call->svc, &call->actor, tg_str_c(ref), view,
                                 &call->err)
        != TG_OK)
    {
        return tg_ali_core_error(call);
    }

    return TG_OK;
}


void
tg_ali_describe_app_security(tg_ali_call_t *call)
{
    tg_app_view_t view;

    if (tg_ali_reveal(call, &view) != TG_OK) {
        tg_ali_send_error(call);
        return;
    }

    tg_ali_reply(call, tg_ali_security(&view.key, &view));
    tg_app_view_free(&view);
}


void
tg_ali_describe_app_securities(tg_ali_call_t *call)
{
    tg_app_view_t view;
    json_t       *list;
    size_t        i;

    if (tg_ali_reveal(call, &view) != TG_OK) {
        tg_ali_send_error(call);
        return;
    }

    list = json_array();
    for (i = 0; list != NULL && i < view.nkeys; i++) {
        json_array_append_new(list, tg_ali_security(&view.keys[i], &view));
    }

    tg_ali_reply(call, list != NULL ? json_pack("{s:{s:o}}", "AppSecuritys",
                                                "AppSecurity", list)
                                    : NULL);
    tg_app_view_free(&view);
}


void
tg_ali_reset_app_secret(tg_ali_call_t *call)
{
    tg_reset_spec_t spec;
    tg_key_view_t   view;
    tg_str_t        app_key;

    memset(&spec, 0, sizeof(spec));

    if (tg_ali_require(call, "AppKey", &app_key) != TG_OK) {
        tg_ali_send_error(call);
        return;
    }

    /* The app is the one that holds the AppKey. */
    spec.key = app_key;
    spec.new_app_key = tg_ali_optional(call, "NewAppKey");
    spec.new_secret = tg_ali_optional(call, "NewAppSecret");
    call->field_names[TG_FIELD_APP_SECRET] = "NewAppSecret";
    if (spec.new_app_key.ptr != NULL) {
        call->field_names[TG_FIELD_APP_KEY] = "NewAppKey";
    }

    if (tg_service_secret_reset(call->svc, &call->actor, TG_STR_NULL, &spec,
                                &view, &call->err)
        != TG_OK)
    {
        /* An unknown current AppKey is NotFoundAppKey, whatever else. */
        if (call->err.code == TG_EKEY_NOT_FOUND) {
            call->err.field = TG_FIELD_NONE;
        }
        tg_ali_fail_core(call);
        return;
    }

    /* No secret in the answer: DescribeAppSecurity reveals it. */
    tg_key_view_free(&view);
    tg_ali_reply(call, NULL);
}


/* How Alibaba's actions name the parameters of a credential kind. */
typedef struct {
    tg_cred_kind_t kind;
    const char    *name;     /* the parameter that names one */
    int            by_value; /* name is its value (not its id) */
    const char    *key;      /* create: the parameter of its key, or NULL */
    const char    *secret;   /* create: the parameter of its secret */
} tg_ali_cred_t;

static const tg_ali_cred_t tg_ali_creds[] = {
    [TG_CRED_KEY_PAIR] = { TG_CRED_KEY_PAIR, "AppKey", 0, "AppKey",
                           "AppSecret" },
    [TG_CRED_APP_CODE] = { TG_CRED_APP_CODE, "AppCode", 1, NULL, "AppCode" },
};


void
tg_ali_reset_app_code(tg_ali_call_t *call)
{
    tg_cred_spec_t spec;
    tg_cred_view_t view;
    tg_str_t       code;

    if (tg_ali_require(call, "AppCode", &code) != TG_OK) {
        tg_ali_send_error(call);
        return;
    }

    call->field_names[TG_FIELD_APP_CODE] = "NewAppCode";

    memset(&spec, 0, sizeof(spec));
    spec.secret = tg_ali_optional(call, "NewAppCode");

    if (tg_service_cred_reset(call->svc, &call->actor, TG_CRED_APP_CODE,
                              TG_STR_NULL, code, 1, &spec, &view, &call->err)
        != TG_OK)
    {
        tg_ali_fail_core(call);
        return;
    }

    tg_cred_view_free(&view);
    tg_ali_reply(call, NULL);
}


/* CreateAppKey, CreateAppCode: the answer holds no secret. */
static void
tg_ali_create_cred(tg_ali_call_t *call, const tg_ali_cred_t *c)
{
    tg_cred_spec_t spec;
    tg_cred_view_t view;
    char           ref[24];

    if (tg_ali_app_id(call, "AppId", 1, ref) != TG_OK) {
        tg_ali_send_error(call);
        return;
    }

    memset(&spec, 0, sizeof(spec));
    spec.key = c->key != NULL ? tg_ali_optional(call, c->key) : TG_STR_NULL;
    spec.secret = tg_ali_optional(call, c->secret);

    if (tg_service_cred_add(call->svc, &call->actor, c->kind, tg_str_c(ref),
                            &spec, &view, &call->err)
        != TG_OK)
    {
        tg_ali_fail_core(call);
        return;
    }

    tg_cred_view_free(&view);
    tg_ali_reply(call, NULL);
}


/* DeleteAppKey, DeleteAppCode. */
static void
tg_ali_delete_cred(tg_ali_call_t *call, const tg_ali_cred_t *c)
{
    tg_str_t name;
    char     ref[24];

    if (tg_ali_app_id(call, "AppId", 1, ref) != TG_OK
        || tg_ali_require(call, c->name, &name) != TG_OK)
    {
        tg_ali_send_error(call);
        return;
    }

    if (tg_service_cred_delete(call->svc, &call->actor, c->kind, tg_str_c(ref),
                               name, c->by_value, &call->err)
        != TG_OK)
    {
        tg_ali_fail_core(call);
        return;
    }

    tg_ali_reply(call, NULL);
}


void
tg_ali_create_app_code(tg_ali_call_t *call)
{
    tg_ali_create_cred(call, &tg_ali_creds[TG_CRED_APP_CODE]);
}


void
tg_ali_delete_app_code(tg_ali_call_t *call)
{
    tg_ali_delete_cred(call, &tg_ali_creds[TG_CRED_APP_CODE]);
}


void
tg_ali_create_app_key(tg_ali_call_t *call)
{
    tg_ali_create_cred(call, &tg_ali_creds[TG_CRED_KEY_PAIR]);
}


void
tg_ali_delete_app_key(tg_ali_call_t *call)
{
    tg_ali_delete_cred(call, &tg_ali_creds[TG_CRED_KEY_PAIR]);
}
