/*
 * Alibaba's tag actions on apps: TagResources, UntagResources and
 * ListTagResources with ResourceType=app.  A resource id is the app's
 * AppId.  Tagging several apps is one core transaction (Alibaba: "either
 * all or none of the resources will be tagged").  Other resource types
 * (apiGroup, plugin, api) are not Tollgate's: InvalidResourceType.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialects/alibaba/alibaba_int.h"


#define TG_ALI_RESOURCES_MAX 50


static int
tg_ali_resource_type(tg_ali_call_t *call)
{
    tg_str_t type;

    if (tg_ali_require(call, "ResourceType", &type) != TG_OK) {
        return TG_EMISSING;
    }
    if (!tg_str_eq_c(type, "app")) {
        return tg_ali_invalid(call, "ResourceType",
                              "Tollgate tags apps only: use app");
    }
    return TG_OK;
}


/* ResourceId.N: AppIds, 1 to 50 of them. */
static int
tg_ali_resources(tg_ali_call_t *call, int required, tg_str_t *ids, size_t *n)
{
    int64_t id;
    size_t  i;

    if (tg_ali_list(call, "ResourceId", TG_ALI_RESOURCES_MAX, ids, n) != TG_OK)
    {
        return TG_EINVALID;
    }
    if (*n == 0 && required) {
        return tg_ali_missing(call, "ResourceId");
    }

    for (i = 0; i < *n; i++) {
        if (tg_str_to_int64(ids[i], 1, INT64_MAX, &id) != TG_OK) {
            return tg_ali_invalid(call, "ResourceId", "must be AppIds");
        }
    }
    return TG_OK;
}


/* Renders a core failure; an unknown app is NotFoundResourceId here. */
static void
tg_ali_tags_fail(tg_ali_call_t *call)
{
    if (call->err.code == TG_EAPP_NOT_FOUND) {
        tg_ali_fail(call, 400, "NotFoundResourceId",
                    "Cannot find resource according to your specified "
                    "ResourceId.");
    } else {
        tg_ali_core_error(call);
    }
    tg_ali_send_error(call);
}


void
tg_ali_tag_resources(tg_ali_call_t *call)
{
    tg_tag_spec_t tags[TG_TAGS_MAX];
    tg_str_t      ids[TG_ALI_RESOURCES_MAX];
    size_t        n, ntags;

    if (tg_ali_resource_type(call) != TG_OK
        || tg_ali_resources(call, 1, ids, &n) != TG_OK
        || tg_ali_tags(call, "Tag", tags, &ntags) != TG_OK)
    {
        tg_ali_send_error(call);
        return;
    }

    if (ntags == 0) {
        tg_ali_missing(call, "Tag");
        tg_ali_send_error(call);
        return;
    }

    if (tg_service_app_tags_change(call->svc, &call->actor, ids, n, tags, ntags,
                                   NULL, 0, 0, &call->err)
        != TG_OK)
    {
        tg_ali_tags_fail(call);
        return;
    }

    tg_ali_reply(call, NULL);
}


void
tg_ali_untag_resources(tg_ali_call_t *call)
{
    tg_str_t ids[TG_ALI_RESOURCES_MAX], keys[TG_TAGS_MAX];
    size_t   n, nkeys;
    int      given, all;

    if (tg_ali_resource_type(call) != TG_OK
        || tg_ali_resources(call, 1, ids, &n) != TG_OK
        || tg_ali_list(call, "TagKey", TG_TAGS_MAX, keys, &nkeys) != TG_OK
        || tg_ali_bool(call, "All", &given, &all) != TG_OK)
    {
        tg_ali_send_error(call);
        return;
    }

    /* With keys, All does not count; without either, nothing is done
     * (but the apps must exist). */

    if (tg_service_app_tags_change(call->svc, &call->actor, ids, n, NULL, 0,
                                   keys, nkeys, nkeys == 0 && all, &call->err)
        != TG_OK)
    {
        tg_ali_tags_fail(call);
        return;
    }

    tg_ali_reply(call, NULL);
}


/* Whether a tag matches the Tag.N filters (none: every tag). */
static int
tg_ali_tag_matches(const tg_tag_t *tag, const tg_tag_spec_t *filters, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (tg_str_eq_c(filters[i].key, tag->key)
            && (filters[i].value.len == 0
                || tg_str_eq_c(filters[i].value, tag->value)))
        {
            return 1;
        }
    }
    return n == 0;
}


static int
tg_ali_tag_list_add(json_t *list, const tg_app_t *app,
                    const tg_tag_spec_t *filters, size_t nfilters)
{
    char   id[24];
    size_t i;

    snprintf(id, sizeof(id), "%lld", (long long) app->app_id);

    for (i = 0; i < app->ntags; i++) {
        if (tg_ali_tag_matches(&app->tags[i], filters, nfilters)
            && json_array_append_new(
                   list,
                   json_pack("{s:s,s:s,s:s,s:s}", "ResourceId", id,
                             "ResourceType", "app", "TagKey", app->tags[i].key,
                             "TagValue", app->tags[i].value))
                   != 0)
        {
            return TG_ENOMEM;
        }
    }
    return TG_OK;
}


void
tg_ali_list_tag_resources(tg_ali_call_t *call)
{
    tg_tag_spec_t   filters[TG_TAGS_MAX];
    tg_app_filter_t filter;
    tg_app_view_t  *views = NULL, view;
    tg_str_t        ids[TG_ALI_RESOURCES_MAX];
    json_t         *list;
    int64_t         offset = 0, total = 0;
    size_t          n, nfilters, nviews = 0, i;
    char            next[24] = "-1";

    if (tg_ali_resource_type(call) != TG_OK
        || tg_ali_resources(call, 0, ids, &n) != TG_OK
        || tg_ali_tags(call, "Tag", filters, &nfilters) != TG_OK
        || tg_ali_int(call, "NextToken", 0, 0, INT64_MAX / 2, 0, &offset)
               != TG_OK)
    {
        tg_ali_send_error(call);
        return;
    }

    if (n == 0 && nfilters == 0) {
        tg_ali_missing(call, "ResourceId");
        tg_ali_send_error(call);
        return;
    }

    list = json_array();

    /* Named apps: their tags; else the apps that hold the tags, a page of
     * 50 at a time, NextToken being where the next page starts ("-1":
     * none, as documented). */

    for (i = 0; list != NULL && i < n; i++) {
        if (tg_service_app_get(call->svc, &call->actor, ids[i], &view,
                               &call->err)
            != TG_OK)
        {
            json_decref(list);
            tg_ali_tags_fail(call);
            return;
        }
        (void) tg_ali_tag_list_add(list, &view.app, filters, nfilters);
        tg_app_view_free(&view);
    }

    if (list != NULL && n == 0) {
        memset(&filter, 0, sizeof(filter));
        filter.enabled = -1;
        for (i = 0; i < nfilters; i++) {
            filter.tag_keys[i] = filters[i].key;
            filter.tag_values[i] =
                filters[i].value.len > 0 ? filters[i].value : TG_STR_NULL;
        }
        filter.ntags = nfilters;
        filter.limit = TG_ALI_RESOURCES_MAX;
        filter.offset = offset;

        if (tg_service_app_list(call->svc, &call->actor, &filter, &views,
                                &nviews, &total, &call->err)
            != TG_OK)
        {
            json_decref(list);
            tg_ali_tags_fail(call);
            return;
        }
        for (i = 0; i < nviews; i++) {
            (void) tg_ali_tag_list_add(list, &views[i].app, filters, nfilters);
        }
        if (offset + (int64_t) nviews < total) {
            snprintf(next, sizeof(next), "%lld",
                     (long long) (offset + (int64_t) nviews));
        }
        tg_app_view_list_free(views, nviews);
    }

    tg_ali_reply(call, list != NULL
                           ? json_pack("{s:{s:o},s:s}", "TagResources",
                                       "TagResource", list, "NextToken", next)
                           : NULL);
}
