/*
 * The Authing dialect's routes: the management token, an application's
 * secret (refresh, read) and the application reads.  Each is one core
 * call, rendered in Authing's shapes.
 *
 * An Authing application is a Tollgate app: its appId is the app's id,
 * its secret the app's primary key pair's secret, its user pool the
 * app's account.
 */

#include <stdio.h>
#include <string.h>

#include "tollgate/crypto.h"
#include "tollgate/time.h"
#include "dialects/authing/authing_int.h"


/* The appId parameter, required: an app's id (32 lowercase hex). */
static int
tg_ath_app_id(tg_ath_call_t *call, tg_str_t *ref)
{
    size_t i;

    *ref = tg_ath_param(call, "appId");

    if (ref->len == 0) {
        return tg_ath_fail(call, 400, 2010, "The appId is required.");
    }

    /* Any other form names no application (the core would also take a
     * numeric AppId, which is Alibaba's, not Authing's). */

    for (i = 0; i < ref->len; i++) {
        if (tg_hex_digit(ref->ptr[i]) < 0
            || (ref->ptr[i] >= 'A' && ref->ptr[i] <= 'F')) {
            break;
        }
    }
    if (ref->len != TG_ID_LEN || i != ref->len) {
        return tg_ath_fail(call, 404, 2011, "Application does not exist.");
    }

    return TG_OK;
}


void
tg_ath_get_management_token(tg_ath_call_t *call)
{
    tg_str_t id = tg_ath_param(call, "accessKeyId");
    tg_str_t secret = tg_ath_param(call, "accessKeySecret");
    tg_buf_t token = TG_BUF_INIT;
    int64_t  expires_at = 0;

    if (id.len == 0 || secret.len == 0) {
        tg_ath_fail(call, 400, 400,
                    "accessKeyId and accessKeySecret are required strings.");
        tg_ath_send_error(call);
        return;
    }

    if (tg_service_token_issue(call->svc, id, secret, call->ath->token_seconds,
                               &call->actor, &token, &expires_at, &call->err)
        != TG_OK)
    {
        tg_ath_fail_core(call);
        return;
    }

    tg_http_set_actor(call->req, call->actor.key_id);
    tg_ath_reply(call,
                 json_pack("{s:s,s:I}", "access_token", token.ptr, "expires_in",
                           (json_int_t) call->ath->token_seconds));
    tg_buf_wipe(&token);
}


void
tg_ath_refresh_application_secret(tg_ath_call_t *call)
{
    tg_reset_spec_t spec;
    tg_key_view_t   key;
    tg_str_t        ref;

    memset(&spec, 0, sizeof(spec));
    memset(&key, 0, sizeof(key));

    if (tg_ath_app_id(call, &ref) != TG_OK) {
        tg_ath_send_error(call);
        return;
    }

    /* The primary pair's secret, at once: no grace for the old one. */

    if (tg_service_secret_reset(call->svc, &call->actor, ref, &spec, &key,
                                &call->err)
        != TG_OK)
    {
        tg_ath_fail_core(call);
        return;
    }

    tg_ath_reply(call, json_pack("{s:s}", "secret",
                                 key.secret != NULL ? key.secret : ""));
    tg_key_view_free(&key);
}


void
tg_ath_get_application_secret(tg_ath_call_t *call)
{
    tg_app_view_t view;
    const char   *secret = NULL;
    tg_str_t      ref;
    size_t        i;

    memset(&view, 0, sizeof(view));

    if (tg_ath_app_id(call, &ref) != TG_OK) {
        tg_ath_send_error(call);
        return;
    }

    if (tg_service_secret_reveal(call->svc, &call->actor, ref, &view,
                                 &call->err)
        != TG_OK)
    {
        tg_ath_fail_core(call);
        return;
    }

    for (i = 0; i < view.nkeys; i++) {
        if (view.keys[i].primary) {
            secret = view.keys[i].secret;
        }
    }

    tg_ath_reply(call,
                 json_pack("{s:s}", "secret", secret != NULL ? secret : ""));
    tg_app_view_free(&view);
}


/* An application in Authing's shape (ApplicationDto): what Tollgate
 * has, and neutral values for the sign-in settings it has not. */
static json_t *
tg_ath_application(const tg_app_t *app)
{
    char created[TG_RFC3339_LEN + 1], updated[TG_RFC3339_LEN + 1];

    tg_time_format(app->created_at, 1, created);
    tg_time_format(app->updated_at, 1, updated);

    return json_pack(
        "{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:s,s:[],s:[],s:s,s:b,s:b,s:s,"
        "s:s}",
        "appId", app->id, "appIdentifier", app->name, "appName", app->name,
        "appLogo", "", "appDescription",
        app->description != NULL ? app->description : "", "appType", "web",
        "userPoolId", app->account_id, "isIntegrateApp", 0, "defaultProtocol",
        "oidc", "redirectUris", "logoutRedirectUris", "initLoginUri", "",
        "ssoEnabled", 0, "status", app->enabled, "createdAt", created,
        "updatedAt", updated);
}


void
tg_ath_get_application(tg_ath_call_t *call)
{
    tg_app_view_t view;
    tg_str_t      ref;

    memset(&view, 0, sizeof(view));

    if (tg_ath_app_id(call, &ref) != TG_OK) {
        tg_ath_send_error(call);
        return;
    }

    if (tg_service_app_get(call->svc, &call->actor, ref, &view, &call->err)
        != TG_OK)
    {
        tg_ath_fail_core(call);
        return;
    }

    tg_ath_reply(call, tg_ath_application(&view.app));
    tg_app_view_free(&view);
}


/* An integer parameter in [min, max], def when absent. */
static int
tg_ath_int(tg_ath_call_t *call, const char *name, int64_t min, int64_t max,
           int64_t def, int64_t *out)
{
    tg_str_t v = tg_ath_param(call, name);

    *out = def;
    if (v.ptr == NULL) {
        return TG_OK;
    }
    if (tg_str_to_int64(v, min, max, out) != TG_OK) {
        return tg_ath_fail(call, 400, 400,
                           "The %s must be an integer from %lld to %lld.", name,
                           (long long) min, (long long) max);
    }
    return TG_OK;
}


/* A boolean parameter: 1 for "true", 0 when absent or "false". */
static int
tg_ath_bool(tg_ath_call_t *call, const char *name, int *out)
{
    tg_str_t v = tg_ath_param(call, name);

    *out = v.ptr != NULL && tg_str_eq_c(v, "true");
    if (v.ptr != NULL && !*out && !tg_str_eq_c(v, "false")) {
        return tg_ath_fail(call, 400, 400, "The %s must be true or false.",
                           name);
    }
    return TG_OK;
}


void
tg_ath_list_applications(tg_ath_call_t *call)
{
    tg_app_filter_t filter;
    tg_app_view_t  *views = NULL;
    json_t         *list, *data;
    int64_t         page, limit, total = 0;
    size_t          n = 0, i;
    int             integrate, self_built, sso, all;

    memset(&filter, 0, sizeof(filter));
    filter.enabled = -1;

    if (tg_ath_int(call, "page", 1, INT32_MAX, 1, &page) != TG_OK
        || tg_ath_int(call, "limit", 1, TG_PAGE_SIZE_MAX, 10, &limit) != TG_OK
        || tg_ath_bool(call, "isIntegrateApp", &integrate) != TG_OK
        || tg_ath_bool(call, "isSelfBuiltApp", &self_built) != TG_OK
        || tg_ath_bool(call, "ssoEnabled", &sso) != TG_OK
        || tg_ath_bool(call, "all", &all) != TG_OK)
    {
        tg_ath_send_error(call);
        return;
    }

    /* The user pool is the caller's account.  Tollgate's apps are all
     * self-built (so isSelfBuiltApp selects them all), none integrated,
     * none with single sign-on. */

    filter.account_id = tg_str_c(call->actor.account_id);
    filter.limit = limit;
    filter.offset = (page - 1) * limit;

    if (!integrate && !sso
        && tg_service_app_list(call->svc, &call->actor, &filter, &views, &n,
                               &total, &call->err)
               != TG_OK)
    {
        tg_ath_fail_core(call);
        return;
    }

    list = json_array();
    for (i = 0; list != NULL && i < n; i++) {
        if (json_array_append_new(list, tg_ath_application(&views[i].app)) != 0)
        {
            json_decref(list);
            list = NULL;
        }
    }
    tg_app_view_list_free(views, n);

    data = list != NULL ? json_pack("{s:o,s:I}", "list", list, "totalCount",
                                    (json_int_t) total)
                        : NULL;
    if (data == NULL) {
        tg_ath_fail(call, 500, 500, "Out of memory.");
        tg_ath_send_error(call);
        return;
    }
    tg_ath_reply(call, data);
}
