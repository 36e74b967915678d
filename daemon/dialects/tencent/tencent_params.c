/*
 * The Tencent dialect's parameters: the JSON body, typed reads with
 * Tencent's errors, Filters, and the ApiAppId and Environment forms.
 *
 * An ApiAppId is "app-" and the app's numeric AppId (the one Alibaba's
 * dialect shows) in lowercase base 36, so that one app has one id in
 * every dialect.  Environments are the standard stages.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/rules.h"
#include "dialects/tencent/tencent_int.h"


#define TG_TC_APP_PREFIX "app-"
#define TG_TC_BASE36_MAX 13 /* digits of INT64_MAX in base 36 */


int
tg_tc_params_load(tg_tc_call_t *call)
{
    tg_str_t     body = tg_http_body(call->req);
    json_error_t error;

    if (call->get) {
        return TG_OK; /* tg_tc_query_load() read them */
    }

    if (body.len == 0) {
        call->params = json_object();
        return call->params != NULL ? TG_OK
                                    : tg_tc_fail(call, "InternalError",
                                                 "An internal error occurred.");
    }

    /* Duplicate names would let two readers see two values. */
    call->params =
        json_loadb(body.ptr, body.len, JSON_REJECT_DUPLICATES, &error);
    if (call->params == NULL || !json_is_object(call->params)) {
        return tg_tc_fail(call, "InvalidParameter.FormatError",
                          "Incorrect parameter format: the body must be a "
                          "JSON object with unique names.");
    }

    return TG_OK;
}


/* The bytes Node's querystring.escape() leaves, less the apostrophe,
 * which the WHATWG URL parser then escapes in a query. */
static int
tg_tc_unreserved(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || strchr("-._~!()*", c) != NULL;
}


static int
tg_tc_query_escape(tg_buf_t *out, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char              esc[3];
    int               rc = TG_OK;

    for (; *s != '\0' && rc == TG_OK; s++) {
        if (tg_tc_unreserved((unsigned char) *s)) {
            rc = tg_buf_append(out, s, 1);
        } else {
            esc[0] = '%';
            esc[1] = hex[(unsigned char) *s >> 4];
            esc[2] = hex[(unsigned char) *s & 15];
            rc = tg_buf_append(out, esc, 3);
        }
    }
    return rc;
}


/* Whether s is a decimal index of at most 3 digits. */
static int
tg_tc_index(const char *s, size_t len, size_t *index)
{
    size_t i;

    if (len == 0 || len > 3) {
        return 0;
    }
    *index = 0;
    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
        *index = *index * 10 + (size_t) (s[i] - '0');
    }
    return 1;
}


/*
 * Puts value at the flattened path key ("Filters.0.Values.1") in obj:
 * a numeric part is an array index, the next one in order.  Returns 0,
 * or TG_EINVALID for a path that breaks that, or names a value twice.
 */
static int
tg_tc_unflatten(json_t *obj, const char *key, const char *value)
{
    json_t     *node = obj, *child, *made;
    const char *part = key, *dot;
    char        name[128];
    size_t      len, index = 0;
    int         is_index;

    for (;;) {
        dot = strchr(part, '.');
        len = dot != NULL ? (size_t) (dot - part) : strlen(part);
        if (len == 0 || len >= sizeof(name)) {
            return TG_EINVALID;
        }
        is_index = tg_tc_index(part, len, &index);

        if (json_is_array(node) != is_index) {
            return TG_EINVALID;
        }
        if (is_index && index > json_array_size(node)) {
            return TG_EINVALID; /* indexes come in order, from 0 */
        }

        memcpy(name, part, len);
        name[len] = '\0';
        child = is_index ? json_array_get(node, index)
                         : json_object_get(node, name);

        if (dot == NULL) {
            if (child != NULL) {
                return TG_EINVALID;
            }
            made = json_string(value);
        } else if (child != NULL) {
            node = child;
            part = dot + 1;
            continue;
        } else {
            made = tg_tc_index(dot + 1, strcspn(dot + 1, "."), &index)
                       ? json_array()
                       : json_object();
        }

        if (made == NULL
            || (is_index ? json_array_append_new(node, made)
                         : json_object_set_new(node, name, made))
                   != 0)
        {
            return TG_EINVALID;
        }
        if (dot == NULL) {
            return TG_OK;
        }
        node = made;
        part = dot + 1;
    }
}


typedef struct {
    tg_tc_call_t *call;
    size_t        n;
    int           rc;
} tg_tc_query_t;


static int
tg_tc_query_arg(void *data, const char *key, const char *value)
{
    tg_tc_query_t *q = data;
    tg_buf_t      *out = &q->call->query;
    int            rc;

    rc = q->n > 0 ? tg_buf_append(out, "&", 1) : TG_OK;
    q->n++;
    if (rc == TG_OK) {
        rc = tg_tc_query_escape(out, key);
    }
    if (rc == TG_OK && value != NULL) {
        rc = tg_buf_append(out, "=", 1);
        if (rc == TG_OK) {
            rc = tg_tc_query_escape(out, value);
        }
    }
    if (rc == TG_OK && q->call->get) {
        rc = tg_tc_unflatten(q->call->params, key, value != NULL ? value : "");
    }

    q->rc = rc;
    return rc != TG_OK;
}


int
tg_tc_query_load(tg_tc_call_t *call)
{
    tg_tc_query_t q = { call, 0, TG_OK };

    call->get = strcmp(tg_http_method(call->req), "GET") == 0;
    if (call->get) {
        call->params = json_object();
        if (call->params == NULL) {
            return tg_tc_fail(call, "InternalError",
                              "An internal error occurred.");
        }
    }

    if (tg_buf_reserve(&call->query, 64) != TG_OK) {
        return tg_tc_fail(call, "InternalError", "An internal error occurred.");
    }

    tg_http_query_each(call->req, tg_tc_query_arg, &q);

    if (q.rc == TG_ENOMEM) {
        return tg_tc_fail(call, "InternalError", "An internal error occurred.");
    }
    if (q.rc != TG_OK) {
        return tg_tc_fail(call, "InvalidParameter.FormatError",
                          "Incorrect parameter format: a flattened "
                          "parameter is repeated, out of order or "
                          "malformed.");
    }
    if (!call->get && q.n > 0) {
        return tg_tc_fail(call, "UnknownParameter",
                          "A POST takes its parameters in the JSON body, "
                          "not in the query.");
    }

    return TG_OK;
}


/* Wipes every string in value, recursively. */
static void
tg_tc_json_wipe(json_t *value)
{
    const char *key;
    json_t     *item;
    size_t      i;

    if (json_is_string(value)) {
        tg_wipe((char *) json_string_value(value), json_string_length(value));
    } else if (json_is_array(value)) {
        json_array_foreach(value, i, item)
        {
            tg_tc_json_wipe(item);
        }
    } else if (json_is_object(value)) {
        json_object_foreach(value, key, item)
        {
            tg_tc_json_wipe(item);
        }
    }
}


void
tg_tc_params_free(tg_tc_call_t *call)
{
    tg_buf_wipe(&call->query);
    if (call->params != NULL) {
        tg_tc_json_wipe(call->params);
        json_decref(call->params);
        call->params = NULL;
    }
}


int
tg_tc_params_only(tg_tc_call_t *call, const char *const *names)
{
    const char *key;
    json_t     *value;
    size_t      i;
    int         known;

    json_object_foreach(call->params, key, value)
    {
        known = 0;
        for (i = 0; names[i] != NULL && !known; i++) {
            known = strcmp(key, names[i]) == 0;
        }
        if (!known) {
            return tg_tc_fail(call, "UnknownParameter",
                              "The parameter is not recognized by action "
                              "`%s`.",
                              call->action);
        }
    }

    return TG_OK;
}


static int
tg_tc_format_error(tg_tc_call_t *call, const char *name, const char *rule)
{
    return tg_tc_fail(call, "InvalidParameter.FormatError",
                      "Incorrect parameter format: `%s` %s.", name, rule);
}


/* A JSON string as a tg_str_t, or a format error. */
static int
tg_tc_json_str(tg_tc_call_t *call, const char *name, json_t *value,
               tg_str_t *out)
{
    if (!json_is_string(value)) {
        return tg_tc_format_error(call, name, "must be a string");
    }

    out->ptr = json_string_value(value);
    out->len = json_string_length(value);
    return TG_OK;
}


int
tg_tc_string(tg_tc_call_t *call, const char *name, int required, tg_str_t *out)
{
    json_t *value = json_object_get(call->params, name);

    *out = TG_STR_NULL;

    if (value == NULL || json_is_null(value)) {
        if (required) {
            return tg_tc_fail(call, "MissingParameter",
                              "The request is missing a required parameter "
                              "`%s`.",
                              name);
        }
        return TG_OK;
    }

    return tg_tc_json_str(call, name, value, out);
}


int
tg_tc_int(tg_tc_call_t *call, const char *name, int64_t min, int64_t max,
          int64_t def, int64_t *out)
{
    json_t *value = json_object_get(call->params, name);

    *out = def;

    int64_t v;

    if (value == NULL || json_is_null(value)) {
        return TG_OK;
    }

    /* A GET's values are strings: "20" is the integer 20 there. */
    if (call->get && json_is_string(value)) {
        if (tg_str_to_int64((tg_str_t){ json_string_value(value),
                                        json_string_length(value) },
                            INT64_MIN, INT64_MAX, &v)
            != TG_OK)
        {
            return tg_tc_format_error(call, name, "must be an integer");
        }
    } else if (json_is_integer(value)) {
        v = json_integer_value(value);
    } else {
        return tg_tc_format_error(call, name, "must be an integer");
    }

    if (v < min || v > max) {
        return tg_tc_fail(call, "InvalidParameterValue",
                          "The value of parameter `%s` must be from %lld to "
                          "%lld.",
                          name, (long long) min, (long long) max);
    }

    *out = v;
    return TG_OK;
}


int
tg_tc_paging(tg_tc_call_t *call, int64_t *limit, int64_t *offset)
{
    if (tg_tc_int(call, "Limit", 1, TG_PAGE_SIZE_MAX, 20, limit) != TG_OK
        || tg_tc_int(call, "Offset", 0, INT32_MAX, 0, offset) != TG_OK)
    {
        return TG_EINVALID;
    }
    return TG_OK;
}


int
tg_tc_strings(tg_tc_call_t *call, const char *name, size_t max, tg_str_t *items,
              size_t *n)
{
    json_t *list = json_object_get(call->params, name), *value;
    size_t  i;

    *n = 0;

    if (list == NULL || json_is_null(list)) {
        return tg_tc_fail(call, "MissingParameter",
                          "The request is missing a required parameter "
                          "`%s`.",
                          name);
    }
    if (!json_is_array(list) || json_array_size(list) == 0
        || json_array_size(list) > max)
    {
        return tg_tc_fail(call, "InvalidParameter.FormatError",
                          "Incorrect parameter format: `%s` must be a list "
                          "of 1 to %zu strings.",
                          name, max);
    }

    json_array_foreach(list, i, value)
    {
        if (tg_tc_json_str(call, name, value, &items[i]) != TG_OK) {
            return TG_EINVALID;
        }
        if (items[i].len == 0) {
            return tg_tc_format_error(call, name, "must not hold empty items");
        }
    }

    *n = json_array_size(list);
    return TG_OK;
}


/* One {"Name": ..., "Values": [...]} into f. */
static int
tg_tc_filter(tg_tc_call_t *call, json_t *item, const char *const *names,
             tg_tc_filter_t *f)
{
    json_t *values, *value;
    size_t  i, known = 0;

    if (!json_is_object(item) || json_object_size(item) != 2
        || tg_tc_json_str(call, "Filters.Name", json_object_get(item, "Name"),
                          &f->name)
               != TG_OK)
    {
        return tg_tc_format_error(call, "Filters",
                                  "must be objects with a Name and Values");
    }

    for (i = 0; names[i] != NULL && !known; i++) {
        known = tg_str_eq_c(f->name, names[i]);
    }
    if (!known) {
        return tg_tc_fail(
            call, "InvalidParameterValue.InvalidFilterNotSupportedName",
            "A filter name is not supported by action `%s`.", call->action);
    }

    values = json_object_get(item, "Values");
    if (!json_is_array(values) || json_array_size(values) == 0
        || json_array_size(values) > TG_TC_VALUES_MAX)
    {
        return tg_tc_format_error(call, "Filters.Values",
                                  "must be a list of 1 to 10 strings");
    }

    json_array_foreach(values, i, value)
    {
        if (tg_tc_json_str(call, "Filters.Values", value, &f->values[i])
            != TG_OK) {
            return TG_EINVALID;
        }
    }

    f->nvalues = json_array_size(values);
    return TG_OK;
}


int
tg_tc_filters(tg_tc_call_t *call, const char *const *names,
              tg_tc_filter_t *filters, size_t *n)
{
    json_t *list = json_object_get(call->params, "Filters"), *item;
    size_t  i, j;

    *n = 0;

    if (list == NULL || json_is_null(list)) {
        return TG_OK;
    }
    if (!json_is_array(list) || json_array_size(list) > TG_TC_FILTERS_MAX) {
        return tg_tc_format_error(call, "Filters",
                                  "must be a list of at most 10 filters");
    }

    json_array_foreach(list, i, item)
    {
        if (tg_tc_filter(call, item, names, &filters[i]) != TG_OK) {
            return TG_EINVALID;
        }
        for (j = 0; j < i; j++) {
            if (tg_str_eq(filters[j].name, filters[i].name)) {
                return tg_tc_format_error(call, "Filters",
                                          "must name each filter once");
            }
        }
    }

    *n = json_array_size(list);
    return TG_OK;
}


int
tg_tc_app_ref(tg_tc_call_t *call, tg_str_t id, char ref[TG_TC_REF_MAX])
{
    static const tg_str_t prefix = TG_STR(TG_TC_APP_PREFIX);
    uint64_t              number = 0;
    size_t                i;
    int                   digit;
    char                  c;

    ref[0] = '\0';

    if (!tg_str_has_prefix(id, prefix) || id.len == prefix.len
        || id.len > prefix.len + TG_TC_BASE36_MAX)
    {
        return tg_tc_format_error(call, "ApiAppId",
                                  "must be app- and lowercase letters and "
                                  "digits");
    }

    for (i = prefix.len; i < id.len; i++) {
        c = id.ptr[i];
        if (c >= '0' && c <= '9') {
            digit = c - '0';
        } else if (c >= 'a' && c <= 'z') {
            digit = c - 'a' + 10;
        } else {
            return tg_tc_format_error(call, "ApiAppId",
                                      "must be app- and lowercase letters and "
                                      "digits");
        }
        if (number > ((uint64_t) INT64_MAX - (uint64_t) digit) / 36) {
            return tg_tc_fail(call, "ResourceNotFound.InvalidApiApp",
                              "The application ID is incorrect.");
        }
        number = number * 36 + (uint64_t) digit;
    }

    if (number == 0) {
        return tg_tc_fail(call, "ResourceNotFound.InvalidApiApp",
                          "The application ID is incorrect.");
    }

    snprintf(ref, TG_TC_REF_MAX, "%llu", (unsigned long long) number);
    return TG_OK;
}


int
tg_tc_app_param(tg_tc_call_t *call, const char *name, char ref[TG_TC_REF_MAX])
{
    tg_str_t id;

    ref[0] = '\0';

    if (tg_tc_string(call, name, 1, &id) != TG_OK) {
        return TG_EINVALID;
    }

    return tg_tc_app_ref(call, id, ref);
}


void
tg_tc_app_id(int64_t number, char out[TG_TC_REF_MAX])
{
    char     digits[TG_TC_BASE36_MAX + 1];
    uint64_t n = number > 0 ? (uint64_t) number : 0;
    size_t   len = 0;

    do {
        digits[len++] = "0123456789abcdefghijklmnopqrstuvwxyz"[n % 36];
        n /= 36;
    } while (n > 0 && len < TG_TC_BASE36_MAX);

    memcpy(out, TG_TC_APP_PREFIX, sizeof(TG_TC_APP_PREFIX) - 1);
    for (n = 0; n < len; n++) {
        out[sizeof(TG_TC_APP_PREFIX) - 1 + n] = digits[len - 1 - n];
    }
    out[sizeof(TG_TC_APP_PREFIX) - 1 + len] = '\0';
}


/* clang-format off */

static const struct {
    const char *environment;
    const char *stage;
} tg_tc_environments[] = {
    { "release", "RELEASE" },
    { "prepub",  "PRE" },
    { "test",    "TEST" },
};

/* clang-format on */

#define TG_TC_NENVIRONMENTS \
    (sizeof(tg_tc_environments) / sizeof(tg_tc_environments[0]))


int
tg_tc_stage(tg_tc_call_t *call, tg_str_t env, tg_str_t *stage)
{
    size_t i;

    for (i = 0; i < TG_TC_NENVIRONMENTS; i++) {
        if (tg_str_eq_c(env, tg_tc_environments[i].environment)) {
            *stage = tg_str_c(tg_tc_environments[i].stage);
            return TG_OK;
        }
    }

    return tg_tc_fail(call, "InvalidParameterValue.InvalidEnv",
                      "The value of `Environment` must be release, prepub "
                      "or test.");
}


const char *
tg_tc_environment(const char *stage)
{
    size_t i;

    for (i = 0; i < TG_TC_NENVIRONMENTS; i++) {
        if (strcmp(stage, tg_tc_environments[i].stage) == 0) {
            return tg_tc_environments[i].environment;
        }
    }

    return stage;
}
