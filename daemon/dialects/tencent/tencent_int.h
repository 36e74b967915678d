/*
 * The Tencent dialect's private helpers, shared by tencent_*.c: one
 * call's state, its parameters (a JSON object), and the rendering of
 * results and errors.
 */

#ifndef TOLLGATE_TENCENT_INT_H
#define TOLLGATE_TENCENT_INT_H

#include <jansson.h>

#include "dialects/dialect_util.h"
#include "dialects/tencent/tencent.h"


#define TG_TC_VERSION     "2018-08-08"
#define TG_TC_MESSAGE_MAX 512
#define TG_TC_IDS_MAX     100 /* ApiIds in one call */
#define TG_TC_FILTERS_MAX 10  /* Filters in one call */
#define TG_TC_VALUES_MAX  10  /* Values in one filter */
#define TG_TC_REF_MAX     24  /* a decimal numeric AppId and its NUL */

/* Tollgate has no services: every API is in this one. */
#define TG_TC_SERVICE_ID "service-tollgate"

/* One request in progress. */
typedef struct {
    tg_service_t       *svc;
    tg_http_request_t  *req;
    tg_http_response_t *res;
    tg_actor_t          actor;

    json_t     *params; /* the body's object, or the query's (GET) */
    tg_buf_t    query;  /* the query string as the SDK encodes it */
    int         get;    /* parameters in the query: values are strings */
    const char *action;
    char        request_id[40];

    /* Names of the parameters the core's fields stand for in this
     * action, where they differ from the defaults. */
    const char *field_names[TG__FIELD_COUNT];

    tg_error_t err; /* a core error, rendered through the table */

    /* An error of the dialect itself: set by tg_tc_fail(). */
    char code[80];
    char message[TG_TC_MESSAGE_MAX];
} tg_tc_call_t;

typedef void (*tg_tc_action_pt)(tg_tc_call_t *call);

/* One filter: {"Name": "...", "Values": ["...", ...]}. */
typedef struct {
    tg_str_t name;
    tg_str_t values[TG_TC_VALUES_MAX];
    size_t   nvalues;
} tg_tc_filter_t;


/* ---- parameters (tencent_params.c) ---- */

/*
 * Parses the body as a JSON object (an empty body is {}) into
 * call->params.  Returns 0, or an error set with tg_tc_fail().
 */
int tg_tc_params_load(tg_tc_call_t *call);

/*
 * Reads the query string: re-encodes it into call->query as Tencent's
 * SDK does (the canonical query TC3 signs), and for a GET turns its
 * flattened parameters ("Filters.0.Values.1=x") into call->params.
 * Returns 0, or an error set with tg_tc_fail().
 */
int tg_tc_query_load(tg_tc_call_t *call);

/* Wipes the parameters (an ApiAppSecret may be among them) and frees
 * them. */
void tg_tc_params_free(tg_tc_call_t *call);

/*
 * Every parameter must be one of names (NULL-terminated): a signed
 * request cannot be turned into another action that reads fewer.
 */
int tg_tc_params_only(tg_tc_call_t *call, const char *const *names);

/* A string parameter: NULL ptr when absent (MissingParameter if
 * required); not a string is InvalidParameter.FormatError. */
int tg_tc_string(tg_tc_call_t *call, const char *name, int required,
                 tg_str_t *out);

/* An integer parameter in [min, max], def when absent. */
int tg_tc_int(tg_tc_call_t *call, const char *name, int64_t min, int64_t max,
              int64_t def, int64_t *out);

/* Limit (1-100, default 20) and Offset (from 0, default 0). */
int tg_tc_paging(tg_tc_call_t *call, int64_t *limit, int64_t *offset);

/* A list of strings (ApiIds): 1 to max non-empty items. */
int tg_tc_strings(tg_tc_call_t *call, const char *name, size_t max,
                  tg_str_t *items, size_t *n);

/*
 * Filters, each named one of names (NULL-terminated), else
 * InvalidParameterValue.InvalidFilterNotSupportedName.
 */
int tg_tc_filters(tg_tc_call_t *call, const char *const *names,
                  tg_tc_filter_t *filters, size_t *n);

/*
 * An ApiAppId ("app-" and the base-36 numeric AppId) as the decimal ref
 * the core takes.  A value of another shape is InvalidParameter.
 * FormatError.
 */
int tg_tc_app_ref(tg_tc_call_t *call, tg_str_t id, char ref[TG_TC_REF_MAX]);

/* A required ApiAppId parameter, as tg_tc_app_ref(). */
int tg_tc_app_param(tg_tc_call_t *call, const char *name,
                    char ref[TG_TC_REF_MAX]);

/* The ApiAppId of a numeric AppId. */
void tg_tc_app_id(int64_t number, char out[TG_TC_REF_MAX]);

/* An Environment (release, prepub, test) as the core's stage, else
 * InvalidParameterValue.InvalidEnv. */
int tg_tc_stage(tg_tc_call_t *call, tg_str_t env, tg_str_t *stage);

/* The Environment of a stage ("RELEASE" -> "release"). */
const char *tg_tc_environment(const char *stage);


/* ---- authentication (tencent_sign.c) ---- */

/*
 * Parses the request's TC3-HMAC-SHA256 signature and has the core
 * authenticate it, which fills call->actor.  Returns 0, or an error set
 * with tg_tc_fail().
 */
int tg_tc_authenticate(tg_tc_call_t *call);


/* ---- rendering and errors (tencent_render.c) ---- */

/* Sets the dialect error to send: code and message. */
int tg_tc_fail(tg_tc_call_t *call, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Renders call->err (a core error) as the dialect error to send. */
int tg_tc_core_error(tg_tc_call_t *call);

/* Sends the dialect error in call (rendering call->err if none). */
void tg_tc_send_error(tg_tc_call_t *call);

/* Renders call->err and sends it. */
void tg_tc_fail_core(tg_tc_call_t *call);

/* Sends a success: obj's members (consumed) with RequestId, inside
 * "Response"; obj NULL (it could not be built) sends InternalError. */
void tg_tc_reply(tg_tc_call_t *call, json_t *obj);

/* Sends {"Result": true}. */
void tg_tc_reply_true(tg_tc_call_t *call);

/* Times are tg_dialect_json_time()'s ("2020-12-01T10:44:55Z", or ""
 * for 0); a C string that may be NULL is tg_dialect_json_string()'s. */


/* ---- actions ---- */

void tg_tc_create_api_app(tg_tc_call_t *call);
void tg_tc_modify_api_app(tg_tc_call_t *call);
void tg_tc_delete_api_app(tg_tc_call_t *call);
void tg_tc_describe_api_app(tg_tc_call_t *call);
void tg_tc_describe_api_apps_status(tg_tc_call_t *call);
void tg_tc_update_api_app_key(tg_tc_call_t *call);

void tg_tc_bind_api_app(tg_tc_call_t *call);
void tg_tc_unbind_api_app(tg_tc_call_t *call);
void tg_tc_describe_api_app_bind_apis_status(tg_tc_call_t *call);
void tg_tc_describe_api_bind_api_apps_status(tg_tc_call_t *call);

#endif /* TOLLGATE_TENCENT_INT_H */
