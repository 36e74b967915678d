/*
 * The Alibaba dialect's private helpers, shared by alibaba_*.c: one
 * call's state, its parameters, and the rendering of results and errors.
 */

#ifndef TOLLGATE_ALIBABA_INT_H
#define TOLLGATE_ALIBABA_INT_H

#include <jansson.h>

#include "tollgate/acs_sign.h"
#include "dialects/alibaba/alibaba.h"
#include "dialects/dialect_util.h"


#define TG_ALI_PARAMS_MAX  1000 /* parameters in one request */
#define TG_ALI_IDS_MAX     100  /* ids in one authorization call */
#define TG_ALI_MESSAGE_MAX 8192

/* One request in progress. */
typedef struct {
    tg_service_t       *svc;
    tg_http_request_t  *req;
    tg_http_response_t *res;
    tg_actor_t          actor;

    tg_acs_param_t *params; /* the query and the form body, merged */
    size_t          nparams;
    size_t          nquery; /* the first nquery params came in the query */
    tg_buf_t        text;   /* the decoded names and values */

    const char *action;
    int         xml;
    char        request_id[40]; /* Alibaba's form: uppercase */

    /* Names of the parameters the core's fields stand for in this
     * action, where they differ from the defaults (NewAppKey...). */
    const char *field_names[TG__FIELD_COUNT];

    tg_error_t err; /* a core error, rendered through the table */

    /* An error of the dialect itself: set by tg_ali_fail(). */
    unsigned status;
    char     code[80];
    char     message[TG_ALI_MESSAGE_MAX];
} tg_ali_call_t;

typedef void (*tg_ali_action_pt)(tg_ali_call_t *call);


/* ---- parameters (alibaba_params.c) ---- */

/*
 * Reads the query string and, for a form body, the body's parameters
 * into call->params.  Returns 0, or an error set with tg_ali_fail().
 */
int tg_ali_params_load(tg_ali_call_t *call);

/* A parameter's value; NULL ptr when absent. */
tg_str_t tg_ali_param(const tg_ali_call_t *call, const char *name);

/* A required parameter: Missing<name> when absent or empty. */
int tg_ali_require(tg_ali_call_t *call, const char *name, tg_str_t *out);

/*
 * An integer parameter in [min, max]: def when absent (or Missing<name>
 * if required), Invalid<name> when not such an integer.
 */
int tg_ali_int(tg_ali_call_t *call, const char *name, int required, int64_t min,
               int64_t max, int64_t def, int64_t *out);

/* An AppId (a positive integer) as a ref the core service takes. */
int tg_ali_app_id(tg_ali_call_t *call, const char *name, int required,
                  char ref[24]);

/* A boolean ("true"/"false"); *given tells whether it was sent. */
int tg_ali_bool(tg_ali_call_t *call, const char *name, int *given, int *out);

/*
 * Flattened tags: prefix.N.Key and prefix.N.Value for N in 1-20, in the
 * order of N.  A Value without its Key is InvalidParameter.TagKey.
 */
int tg_ali_tags(tg_ali_call_t *call, const char *prefix, tg_tag_spec_t *tags,
                size_t *n);

/* A flattened list prefix.1 ... prefix.max, in the order of N. */
int tg_ali_list(tg_ali_call_t *call, const char *prefix, size_t max,
                tg_str_t *items, size_t *n);

/* A comma-separated list of at most max non-empty items. */
int tg_ali_csv(tg_ali_call_t *call, const char *name, size_t max,
               tg_str_t *items, size_t *n);

/* PageNumber (from 1, default 1) and PageSize (1-100, default 10). */
int tg_ali_paging(tg_ali_call_t *call, int64_t *number, int64_t *size);


/* ---- authentication (alibaba_sign.c) ---- */

/*
 * Parses the request's signature (v1 parameters or a V3 Authorization
 * header) and has the core authenticate it, which fills call->actor.
 * Returns 0, or an error set with tg_ali_fail().
 */
int tg_ali_authenticate(tg_ali_call_t *call);


/* ---- rendering and errors (alibaba_render.c) ---- */

/* Sets the dialect error to send: status, code and message. */
int tg_ali_fail(tg_ali_call_t *call, unsigned status, const char *code,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Missing<name> and Invalid<name> with the documented messages; detail
 * (a rule, never a value) may be NULL. */
int tg_ali_missing(tg_ali_call_t *call, const char *name);
int tg_ali_invalid(tg_ali_call_t *call, const char *name, const char *detail);

/* Renders call->err (a core error) as the dialect error to send. */
int tg_ali_core_error(tg_ali_call_t *call);

/* Sends the dialect error in call. */
void tg_ali_send_error(tg_ali_call_t *call);

/* Renders call->err (a core error) and sends it. */
void tg_ali_fail_core(tg_ali_call_t *call);

/* Sends a success: obj (consumed, may be NULL for {}) with RequestId. */
void tg_ali_reply(tg_ali_call_t *call, json_t *obj);

/* Times are tg_dialect_json_time()'s ("2016-07-31T04:10:19Z", or ""
 * for 0); a C string that may be NULL is tg_dialect_json_string()'s. */


/* ---- actions ---- */

void tg_ali_create_app(tg_ali_call_t *call);
void tg_ali_modify_app(tg_ali_call_t *call);
void tg_ali_delete_app(tg_ali_call_t *call);
void tg_ali_describe_app(tg_ali_call_t *call);
void tg_ali_describe_app_attributes(tg_ali_call_t *call);
void tg_ali_describe_apps(tg_ali_call_t *call);
void tg_ali_describe_app_security(tg_ali_call_t *call);
void tg_ali_describe_app_securities(tg_ali_call_t *call);
void tg_ali_reset_app_secret(tg_ali_call_t *call);
void tg_ali_reset_app_code(tg_ali_call_t *call);
void tg_ali_create_app_code(tg_ali_call_t *call);
void tg_ali_delete_app_code(tg_ali_call_t *call);
void tg_ali_create_app_key(tg_ali_call_t *call);
void tg_ali_delete_app_key(tg_ali_call_t *call);

void tg_ali_set_apps_authorities(tg_ali_call_t *call);
void tg_ali_remove_apps_authorities(tg_ali_call_t *call);
void tg_ali_set_apis_authorities(tg_ali_call_t *call);
void tg_ali_remove_apis_authorities(tg_ali_call_t *call);
void tg_ali_describe_authorized_apis(tg_ali_call_t *call);
void tg_ali_describe_authorized_apps(tg_ali_call_t *call);

void tg_ali_tag_resources(tg_ali_call_t *call);
void tg_ali_untag_resources(tg_ali_call_t *call);
void tg_ali_list_tag_resources(tg_ali_call_t *call);

#endif /* TOLLGATE_ALIBABA_INT_H */
