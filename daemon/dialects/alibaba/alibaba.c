/*
 * The Alibaba dialect's entry: its descriptor (which requests are its),
 * the action table, and the steps every call takes (parameters, format,
 * action, version, signature) before its action runs.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialects/alibaba/alibaba_int.h"


#define TG_ALI_VERSION "2016-07-14"

typedef struct {
    const char      *name;
    tg_ali_action_pt run;
} tg_ali_action_t;

/* clang-format off */

static const tg_ali_action_t tg_ali_actions[] = {
    { "CreateApp",                tg_ali_create_app },
    { "ModifyApp",                tg_ali_modify_app },
    { "DeleteApp",                tg_ali_delete_app },
    { "DescribeApp",              tg_ali_describe_app },
    { "DescribeAppAttributes",    tg_ali_describe_app_attributes },
    { "DescribeApps",             tg_ali_describe_apps },
    { "DescribeAppSecurity",      tg_ali_describe_app_security },
    { "DescribeAppSecurities",    tg_ali_describe_app_securities },
    { "ResetAppSecret",           tg_ali_reset_app_secret },
    { "ResetAppCode",             tg_ali_reset_app_code },
    { "CreateAppCode",            tg_ali_create_app_code },
    { "DeleteAppCode",            tg_ali_delete_app_code },
    { "CreateAppKey",             tg_ali_create_app_key },
    { "DeleteAppKey",             tg_ali_delete_app_key },
    { "SetAppsAuthorities",       tg_ali_set_apps_authorities },
    { "RemoveAppsAuthorities",    tg_ali_remove_apps_authorities },
    { "SetApisAuthorities",       tg_ali_set_apis_authorities },
    { "RemoveApisAuthorities",    tg_ali_remove_apis_authorities },
    { "DescribeAuthorizedApis",   tg_ali_describe_authorized_apis },
    { "DescribeAuthorizedApps",   tg_ali_describe_authorized_apps },
    { "TagResources",             tg_ali_tag_resources },
    { "UntagResources",           tg_ali_untag_resources },
    { "ListTagResources",         tg_ali_list_tag_resources },
};

/* clang-format on */

#define TG_ALI_NACTIONS (sizeof(tg_ali_actions) / sizeof(tg_ali_actions[0]))


/* See alibaba.h. */
static tg_claim_t
tg_alibaba_claim(const tg_claim_request_t *req)
{
    if (strcmp(req->path, "/") != 0) {
        return TG_CLAIM_NONE;
    }

    if (tg_claim_header(req, "x-acs-action") != NULL) {
        return TG_CLAIM_VENDOR_HEADER;
    }

    if (tg_claim_auth_scheme(req, TG_ACS_V3_ALGORITHM)) {
        return TG_CLAIM_AUTH_SCHEME;
    }

    if (tg_claim_query(req, "Action") != NULL
        || tg_claim_form_has(req, "Action")) {
        return TG_CLAIM_SHAPE;
    }

    return TG_CLAIM_NONE;
}


/* Format=JSON (the default) or XML, in any case. */
static int
tg_ali_format(tg_ali_call_t *call)
{
    tg_str_t format = tg_ali_param(call, "Format");

    if (format.ptr == NULL || tg_str_eq_nocase(format, TG_STR("JSON"))) {
        return TG_OK;
    }
    if (tg_str_eq_nocase(format, TG_STR("XML"))) {
        call->xml = 1;
        return TG_OK;
    }

    return tg_ali_fail(call, 400, "InvalidParameter.Format",
                       "Specified parameter format is not valid.");
}


/*
 * A parameter or, failing it, its header (V3 sends x-acs-action and
 * x-acs-version).  Both given and different is refused: the one signed
 * may not be the one acted on.
 */
static int
tg_ali_param_or_header(tg_ali_call_t *call, const char *param,
                       const char *header, tg_str_t *out)
{
    tg_str_t sent = tg_str_c(tg_http_header(call->req, header));

    *out = tg_ali_param(call, param);

    if (out->ptr == NULL) {
        *out = sent;
    } else if (sent.ptr != NULL && !tg_str_eq(sent, *out)) {
        return tg_ali_fail(call, 400, "InvalidParameter",
                           "The header %s contradicts the parameter %s.",
                           header, param);
    }

    return TG_OK;
}


/* The action (parameter or x-acs-action) and the version. */
static int
tg_ali_action(tg_ali_call_t *call, const tg_ali_action_t **action)
{
    tg_str_t name, version;
    size_t   i;
    int      rc;

    rc = tg_ali_param_or_header(call, "Action", "x-acs-action", &name);
    if (rc == TG_OK) {
        rc = tg_ali_param_or_header(call, "Version", "x-acs-version", &version);
    }
    if (rc != TG_OK) {
        return rc;
    }

    if (name.len == 0) {
        return tg_ali_missing(call, "Action");
    }
    if (version.len == 0) {
        return tg_ali_missing(call, "Version");
    }
    if (!tg_str_eq_c(version, TG_ALI_VERSION)) {
        return tg_ali_fail(call, 400, "InvalidVersion",
                           "Specified parameter Version is not valid.");
    }

    for (i = 0; i < TG_ALI_NACTIONS; i++) {
        if (tg_str_eq_c(name, tg_ali_actions[i].name)) {
            *action = &tg_ali_actions[i];
            call->action = tg_ali_actions[i].name;
            return TG_OK;
        }
    }

    return tg_ali_fail(call, 404, "InvalidApi.NotFound",
                       "Specified api is not found, please check your url "
                       "and method.");
}


static void
tg_ali_call_init(tg_ali_call_t *call, tg_service_t *svc, tg_http_request_t *req,
                 tg_http_response_t *res)
{
    size_t i;

    memset(call, 0, sizeof(*call));
    call->svc = svc;
    call->req = req;
    call->res = res;

    tg_dialect_actor_init(&call->actor, req);

    snprintf(call->request_id, sizeof(call->request_id), "%s",
             tg_http_request_id(req));
    for (i = 0; call->request_id[i] != '\0'; i++) {
        call->request_id[i] =
            (char) toupper((unsigned char) call->request_id[i]);
    }
}


static void
tg_alibaba_handle(void *svc, tg_http_request_t *req, tg_http_response_t *res)
{
    const tg_ali_action_t *action = NULL;
    tg_ali_call_t          call;
    const char            *method = tg_http_method(req);
    int                    rc;

    tg_ali_call_init(&call, svc, req, res);

    if (tg_http_body_too_large(req)) {
        rc = tg_ali_fail(&call, 413, "RequestEntityTooLarge",
                         "The request body is too large.");
    } else if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0) {
        rc = tg_ali_fail(&call, 400, "UnsupportedHTTPMethod",
                         "Specified HTTP method is not supported; use GET "
                         "or POST.");
    } else {
        rc = tg_ali_params_load(&call);
    }

    if (rc == TG_OK) {
        rc = tg_ali_format(&call);
    }
    if (rc == TG_OK) {
        rc = tg_ali_action(&call, &action);
    }
    if (rc == TG_OK) {
        rc = tg_ali_authenticate(&call);
    }

    if (rc == TG_OK) {
        tg_http_set_actor(req, call.actor.key_id);
        action->run(&call);
    } else {
        tg_ali_send_error(&call);
    }

    tg_buf_wipe(&call.text);
    free(call.params);
    tg_actor_free(&call.actor);
}


/* A request the HTTP layer found malformed, in Alibaba's shape (JSON:
 * the Format parameter is not read). */
static void
tg_alibaba_refuse(void *svc, tg_http_request_t *req, tg_http_response_t *res,
                  const tg_error_t *err)
{
    tg_ali_call_t call;

    tg_ali_call_init(&call, svc, req, res);
    call.err = *err;
    tg_ali_fail_core(&call);
    tg_actor_free(&call.actor);
}


const tg_dialect_t tg_alibaba_dialect = {
    .name = "alibaba",
    .claim = tg_alibaba_claim,
    .handle = tg_alibaba_handle,
    .refuse = tg_alibaba_refuse,
};
