/*
 * Native handlers for apps and their secrets: /v1/apps, reset-secret,
 * secret (reveal), and the credentials of every kind (keys, codes)
 * through one set of handlers.
 *
 * Secrets appear in clear only in the responses of create, reset and
 * reveal; everything else shows them masked.
 */

#include <stdlib.h>
#include <string.h>

#include "tollgate/cred_policy.h"
#include "tollgate/rules.h"
#include "tollgate/time.h"
#include "dialects/native/native_int.h"


static const tg_native_field_t tg_app_create_fields[] = {
    { "name", TG_J_STRING },
    { "description", TG_J_STRING | TG_J_NULL },
    { "tags", TG_J_OBJECT | TG_J_NULL },
    { "extend", TG_J_STRING | TG_J_NULL },
    { "status", TG_J_STRING },
    { "creator", TG_J_STRING },
    { "rate_limit", TG_J_OBJECT | TG_J_NULL },
    { "app_key", TG_J_STRING },
    { "app_secret", TG_J_STRING },
    { "app_code", TG_J_STRING },
    { "generate_app_code", TG_J_BOOL },
    { "account_id", TG_J_STRING },
};

static const tg_native_field_t tg_app_update_fields[] = {
    { "name", TG_J_STRING },
    { "description", TG_J_STRING | TG_J_NULL },
    { "tags", TG_J_OBJECT | TG_J_NULL },
    { "extend", TG_J_STRING | TG_J_NULL },
    { "status", TG_J_STRING },
    { "creator", TG_J_STRING },
    { "rate_limit", TG_J_OBJECT | TG_J_NULL },
};

#define TG_COUNT(a) (sizeof(a) / sizeof((a)[0]))


static json_t *
tg_native_key_json(const void *item)
{
    const tg_key_view_t *key = item;
    json_t              *obj;

    obj = json_pack("{s:s,s:s?,s:s?,s:b,s:s?,s:o,s:o,s:o,s:o}", "id", key->id,
                    "app_key", key->app_key, "app_secret",
                    key->secret != NULL ? key->secret : key->secret_mask,
                    "primary", key->primary, "previous_app_key",
                    key->prev_app_key, "previous_expires_at",
                    tg_native_time(key->prev_expires_at), "secret_expires_at",
                    tg_native_time(key->secret_expires_at), "created_at",
                    tg_native_time(key->created_at), "updated_at",
                    tg_native_time(key->updated_at));
    return obj;
}


static json_t *
tg_native_code_json(const void *item)
{
    const tg_code_view_t *code = item;

    return json_pack("{s:s,s:s,s:o,s:o,s:o}", "id", code->id, "app_code",
                     code->code != NULL ? code->code : code->code_mask,
                     "secret_expires_at",
                     tg_native_time(code->secret_expires_at), "created_at",
                     tg_native_time(code->created_at), "updated_at",
                     tg_native_time(code->updated_at));
}


static json_t *
tg_native_app_json(const void *item)
{
    const tg_app_view_t *view = item;
    const tg_app_t      *app = &view->app;
    json_t              *tags, *rate, *obj;
    size_t               i;

    tags = json_object();
    for (i = 0; tags != NULL && i < app->ntags; i++) {
        json_object_set_new(tags, app->tags[i].key,
                            json_string(app->tags[i].value));
    }

    rate = app->rate_rps > 0
               ? json_pack("{s:I,s:I}", "rps", (json_int_t) app->rate_rps,
                           "burst", (json_int_t) app->rate_burst)
               : json_null();

    obj = json_pack(
        "{s:s,s:I,s:s,s:s,s:s,s:o?,s:s,s:s,s:s,s:o?,s:s?,s:s,s:o,s:o}", "id",
        app->id, "app_id", (json_int_t) app->app_id, "account_id",
        app->account_id, "name", app->name, "description", app->description,
        "tags", tags, "extend", app->extend, "status",
        tg_status_name(app->enabled), "creator", tg_creator_name(app->creator),
        "rate_limit", rate, "app_key", view->key.app_key, "app_secret",
        view->key.secret != NULL ? view->key.secret : view->key.secret_mask,
        "created_at", tg_native_time(app->created_at), "updated_at",
        tg_native_time(app->updated_at));

    /* When the primary secret passes its account's maximum age (null:
     * never). */
    if (obj != NULL) {
        json_object_set_new(obj, "secret_expires_at",
                            tg_native_time(view->key.secret_expires_at));
    }

    if (obj != NULL && view->codes != NULL) {
        json_object_set_new(obj, "app_codes",
                            tg_native_array(view->codes, view->ncodes,
                                            sizeof(*view->codes),
                                            tg_native_code_json));
    }

    return obj;
}


/* Reads the "tags" member into a malloc'd array.  Absent or null gives
 * an empty list. */
static int
tg_native_tags(tg_native_call_t *call, tg_tag_spec_t **tags, size_t *n)
{
    json_t     *obj = tg_native_get(call, "tags"), *value;
    const char *key;
    size_t      i = 0;

    *tags = NULL;
    *n = 0;

    if (obj == NULL || json_is_null(obj) || json_object_size(obj) == 0) {
        return TG_OK;
    }

    *tags = calloc(json_object_size(obj), sizeof(tg_tag_spec_t));
    if (*tags == NULL) {
        return tg_error_code(&call->err, TG_ENOMEM);
    }

    json_object_foreach(obj, key, value)
    {
        if (!json_is_string(value)) {
            return tg_error_set(&call->err, TG_EINVALID, TG_FIELD_TAGS,
                                "tag values must be strings");
        }
        (*tags)[i].key = tg_str_c(key);
        (*tags)[i].value =
            (tg_str_t){ json_string_value(value), json_string_length(value) };
        i++;
    }

    *n = i;
    return TG_OK;
}


/* Reads "rate_limit": {"rps": n, "burst": m} (burst defaults to rps),
 * or null for no limit. */
static int
tg_native_rate_limit(tg_native_call_t *call, tg_app_spec_t *spec)
{
    json_t     *obj = tg_native_get(call, "rate_limit"), *value;
    const char *key;

    spec->rate_limited = 0;

    if (obj == NULL || json_is_null(obj)) {
        return TG_OK;
    }

    json_object_foreach(obj, key, value)
    {
        if (strcmp(key, "rps") != 0 && strcmp(key, "burst") != 0) {
            return tg_error_set(&call->err, TG_EUNKNOWN_FIELD,
                                TG_FIELD_RATE_LIMIT,
                                "holds only \"rps\" and \"burst\"");
        }
        if (!json_is_integer(value)) {
            return tg_error_set(&call->err, TG_EINVALID, TG_FIELD_RATE_LIMIT,
                                "%s must be an integer", key);
        }
    }

    value = json_object_get(obj, "rps");
    if (value == NULL) {
        return tg_error_set(&call->err, TG_EMISSING, TG_FIELD_RATE_LIMIT,
                            "rps is required");
    }

    spec->rate_limited = 1;
    spec->rate_rps = json_integer_value(value);
    value = json_object_get(obj, "burst");
    spec->rate_burst =
        value != NULL ? json_integer_value(value) : spec->rate_rps;
    return TG_OK;
}


/*
 * Fills spec from the body's app fields and returns which were given in
 * *set.  Strings point into call->body; tags are malloc'd into *tags.
 */
static int
tg_native_app_spec(tg_native_call_t *call, tg_app_spec_t *spec,
                   tg_tag_spec_t **tags, unsigned *set)
{
    tg_str_t text;
    int      rc;

    memset(spec, 0, sizeof(*spec));
    spec->enabled = 1;
    spec->creator = TG_CREATOR_USER;
    *set = 0;

    if (tg_native_has(call, "name")) {
        spec->name = tg_native_str(call, "name");
        *set |= TG_APP_SET_NAME;
    }
    if (tg_native_has(call, "description")) {
        spec->description = tg_native_str(call, "description");
        *set |= TG_APP_SET_DESCRIPTION;
    }
    if (tg_native_has(call, "extend")) {
        spec->extend = tg_native_str(call, "extend");
        *set |= TG_APP_SET_EXTEND;
    }
    if (tg_native_has(call, "tags")) {
        rc = tg_native_tags(call, tags, &spec->ntags);
        if (rc != TG_OK) {
            return rc;
        }
        spec->tags = *tags;
        *set |= TG_APP_SET_TAGS;
    }
    if (tg_native_has(call, "status")) {
        text = tg_native_str(call, "status");
        if (tg_status_parse(text, &spec->enabled) != TG_OK) {
            return tg_error_set(&call->err, TG_EINVALID, TG_FIELD_STATUS,
                                "must be \"enabled\" or \"disabled\"");
        }
        *set |= TG_APP_SET_ENABLED;
    }
    if (tg_native_has(call, "creator")) {
        text = tg_native_str(call, "creator");
        if (tg_creator_parse(text, &spec->creator) != TG_OK) {
            return tg_error_set(&call->err, TG_EINVALID, TG_FIELD_CREATOR,
                                "must be \"USER\" or \"MARKET\"");
        }
        *set |= TG_APP_SET_CREATOR;
    }
    if (tg_native_has(call, "rate_limit")) {
        rc = tg_native_rate_limit(call, spec);
        if (rc != TG_OK) {
            return rc;
        }
        *set |= TG_APP_SET_RATE;
    }

    spec->app_key = tg_native_str(call, "app_key");
    spec->app_secret = tg_native_str(call, "app_secret");
    spec->app_code = tg_native_str(call, "app_code");
    spec->account_id = tg_native_str(call, "account_id");
    spec->generate_app_code =
        json_is_true(tg_native_get(call, "generate_app_code"));

    return TG_OK;
}


void
tg_native_app_create(tg_native_call_t *call)
{
    tg_tag_spec_t *tags = NULL;
    tg_app_spec_t  spec;
    tg_app_view_t  view;
    unsigned       set;

    memset(&view, 0, sizeof(view));

    if (tg_native_body(call, tg_app_create_fields,
                       TG_COUNT(tg_app_create_fields))
            != TG_OK
        || tg_native_app_spec(call, &spec, &tags, &set) != TG_OK)
    {
        goto failed;
    }

    if (!(set & TG_APP_SET_NAME)) {
        tg_error_set(&call->err, TG_EMISSING, TG_FIELD_NAME, "is required");
        goto failed;
    }

    if (tg_service_app_create(call->svc, &call->actor, &spec, &view, &call->err)
        != TG_OK)
    {
        goto failed;
    }

    free(tags);
    tg_native_reply(call, 201, tg_native_app_json(&view));
    tg_app_view_free(&view);
    return;

failed:

    free(tags);
    tg_native_fail(call);
}


typedef struct {
    tg_app_filter_t *filter;
    tg_error_t      *err;
} tg_tag_args_t;


/* Collects each "tag=key:value" (or "tag=key") query argument. */
static int
tg_native_tag_arg(void *data, const char *key, const char *value)
{
    tg_tag_args_t   *t = data;
    tg_app_filter_t *f = t->filter;
    const char      *colon;

    if (strcmp(key, "tag") != 0) {
        return 0;
    }

    if (f->ntags == TG_TAGS_MAX || value == NULL || value[0] == '\0') {
        tg_error_set(t->err, TG_EBAD_REQUEST, TG_FIELD_TAGS,
                     "give 1-20 tag filters as tag=key:value or tag=key");
        return 1;
    }

    colon = strchr(value, ':');
    if (colon != NULL) {
        f->tag_keys[f->ntags] = (tg_str_t){ value, (size_t) (colon - value) };
        f->tag_values[f->ntags] = tg_str_c(colon + 1);
    } else {
        f->tag_keys[f->ntags] = tg_str_c(value);
        f->tag_values[f->ntags] = TG_STR_NULL;
    }

    f->ntags++;
    return 0;
}


/* ?expiring_within=SECONDS: the apps whose secrets pass their account's
 * maximum age within that many seconds from now, or have. */
static int
tg_native_expiring(tg_native_call_t *call, tg_app_filter_t *filter)
{
    const char *within = tg_http_query(call->req, "expiring_within");
    int64_t     seconds;

    if (within == NULL) {
        return TG_OK;
    }
    if (tg_str_to_int64(tg_str_c(within), 0, TG_CRED_POLICY_SECONDS_MAX,
                        &seconds)
        != TG_OK)
    {
        return tg_error_set(&call->err, TG_EBAD_REQUEST,
                            TG_FIELD_EXPIRING_WITHIN,
                            "must be a number of seconds from 0 to "
                            "316224000");
    }
    filter->expiring_before = tg_time_now_ms() + seconds * 1000 + 1;
    filter->expiring_within_s = seconds;
    return TG_OK;
}


/* ?secret_older_than=SECONDS: the apps holding a key pair whose secret,
 * or an AppCode, was set (made or reset) at least that long ago. */
static int
tg_native_older(tg_native_call_t *call, tg_app_filter_t *filter)
{
    const char *older = tg_http_query(call->req, "secret_older_than");
    int64_t     seconds;

    if (older == NULL) {
        return TG_OK;
    }
    if (tg_str_to_int64(tg_str_c(older), 0, TG_CRED_POLICY_SECONDS_MAX,
                        &seconds)
        != TG_OK)
    {
        return tg_error_set(&call->err, TG_EBAD_REQUEST,
                            TG_FIELD_SECRET_OLDER_THAN,
                            "must be a number of seconds from 0 to "
                            "316224000");
    }
    filter->secret_before = tg_time_now_ms() - seconds * 1000;
    filter->older_than_s = seconds;
    return TG_OK;
}


void
tg_native_app_list(tg_native_call_t *call)
{
    static const char *const names[] = { "name",
                                         "app_key",
                                         "tag",
                                         "status",
                                         "limit",
                                         "offset",
                                         "account_id",
                                         "expiring_within",
                                         "secret_older_than",
                                         "cursor",
                                         NULL };
    static const char *const repeatable[] = { "tag", NULL };
    tg_app_view_t           *items = NULL;
    tg_app_filter_t          filter;
    tg_tag_args_t            tag_args;
    const char              *status;
    int64_t                  total = 0;
    size_t                   n = 0;
    char                     next[TG_LIST_CURSOR_LEN + 1];
    json_t                  *page;
    tg_str_t                 cursor;

    memset(&filter, 0, sizeof(filter));
    filter.enabled = -1;
    call->err.code = TG_OK;

    if (tg_native_paging(call, names, repeatable, 20, &filter.limit,
                         &filter.offset)
        != TG_OK)
    {
        tg_native_fail(call);
        return;
    }

    /* A cursor and an offset would both say where the page starts. */
    cursor = tg_str_c(tg_http_query(call->req, "cursor"));
    if (cursor.ptr != NULL && tg_http_query(call->req, "offset") != NULL) {
        tg_error_set(&call->err, TG_EBAD_REQUEST, TG_FIELD_CURSOR,
                     "cannot be given with offset");
        tg_native_fail(call);
        return;
    }

    filter.name = tg_str_c(tg_http_query(call->req, "name"));
    filter.app_key = tg_str_c(tg_http_query(call->req, "app_key"));
    filter.account_id = tg_str_c(tg_http_query(call->req, "account_id"));

    if (tg_native_expiring(call, &filter) != TG_OK
        || tg_native_older(call, &filter) != TG_OK)
    {
        tg_native_fail(call);
        return;
    }

    status = tg_http_query(call->req, "status");
    if (status != NULL
        && tg_status_parse(tg_str_c(status), &filter.enabled) != TG_OK)
    {
        tg_error_set(&call->err, TG_EBAD_REQUEST, TG_FIELD_STATUS,
                     "must be \"enabled\" or \"disabled\"");
        tg_native_fail(call);
        return;
    }

    tag_args.filter = &filter;
    tag_args.err = &call->err;
    tg_http_query_each(call->req, tg_native_tag_arg, &tag_args);
    if (call->err.code != TG_OK) {
        tg_native_fail(call);
        return;
    }

    if (tg_service_app_list_page(call->svc, &call->actor, &filter, cursor,
                                 &items, &n, &total, next, &call->err)
        != TG_OK)
    {
        tg_native_fail(call);
        return;
    }

    page = tg_native_page(
        tg_native_array(items, n, sizeof(*items), tg_native_app_json), total);
    if (page != NULL && next[0] != '\0'
        && json_object_set_new(page, "next_cursor", json_string(next)) != 0)
    {
        json_decref(page);
        page = NULL;
    }
    tg_native_reply(call, 200, page);
    tg_app_view_list_free(items, n);
}


void
tg_native_app_get(tg_native_call_t *call)
{
    tg_app_view_t view;

    if (tg_service_app_get(call->svc, &call->actor, call->args[0], &view,
                           &call->err)
        != TG_OK)
    {
        tg_native_fail(call);
        return;
    }

    tg_native_reply(call, 200, tg_native_app_json(&view));
    tg_app_view_free(&view);
}


void
tg_native_app_update(tg_native_call_t *call)
{
    tg_tag_spec_t *tags = NULL;
    tg_app_spec_t  spec;
    tg_app_view_t  view;
    unsigned       set;

    memset(&view, 0, sizeof(view));

    if (tg_native_body(call, tg_app_update_fields,
                       TG_COUNT(tg_app_update_fields))
            != TG_OK
        || tg_native_app_spec(call, &spec, &tags, &set) != TG_OK
        || tg_service_app_update(call->svc, &call->actor, call->args[0], &spec,
                                 set, &view, &call->err)
               != TG_OK)
    {
        free(tags);
        tg_native_fail(call);
        return;
    }

    free(tags);
    tg_native_reply(call, 200, tg_native_app_json(&view));
    tg_app_view_free(&view);
}


void
tg_native_app_delete(tg_native_call_t *call)
{
    tg_native_done(call, tg_service_app_delete(call->svc, &call->actor,
                                               call->args[0], &call->err));
}


/*
 * An app's credentials, one set of handlers for every kind: a kind's
 * entry gives the members of its values in request bodies, the fields
 * each body may hold, and its JSON.  A route (native.c) hands its
 * handler the kind's entry as its data.
 */
struct tg_native_cred_s {
    tg_cred_kind_t           kind;
    const char              *key;    /* the member of its public key */
    const char              *secret; /* the member of its secret */
    const tg_native_field_t *add;
    size_t                   nadd;
    const tg_native_field_t *reset;
    size_t                   nreset;
    json_t *(*json)(const void *view); /* of a tg_cred_view_t */
};


static json_t *
tg_native_key_cred_json(const void *item)
{
    return tg_native_key_json(&((const tg_cred_view_t *) item)->key);
}


static json_t *
tg_native_code_cred_json(const void *item)
{
    return tg_native_code_json(&((const tg_cred_view_t *) item)->code);
}


static const tg_native_field_t tg_key_add_fields[] = {
    { "app_key", TG_J_STRING },
    { "app_secret", TG_J_STRING },
    { "primary", TG_J_BOOL },
};

/* "key" names the pair on the app's reset-secret (else the primary). */
static const tg_native_field_t tg_key_reset_fields[] = {
    { "app_secret", TG_J_STRING },
    { "app_key", TG_J_STRING },
    { "grace_seconds", TG_J_INTEGER },
    { "key", TG_J_STRING },
};

static const tg_native_field_t tg_code_fields[] = {
    { "app_code", TG_J_STRING },
};

const tg_native_cred_t tg_native_key_pairs = {
    TG_CRED_KEY_PAIR,
    "app_key",
    "app_secret",
    tg_key_add_fields,
    TG_COUNT(tg_key_add_fields),
    tg_key_reset_fields,
    TG_COUNT(tg_key_reset_fields),
    tg_native_key_cred_json,
};

const tg_native_cred_t tg_native_app_codes = {
    TG_CRED_APP_CODE,
    NULL,
    "app_code",
    tg_code_fields,
    TG_COUNT(tg_code_fields),
    tg_code_fields,
    TG_COUNT(tg_code_fields),
    tg_native_code_cred_json,
};


/* Reads a body's credential values into spec. */
static void
tg_native_cred_spec(tg_native_call_t *call, const tg_native_cred_t *kind,
                    tg_cred_spec_t *spec)
{
    json_t *grace = tg_native_get(call, "grace_seconds");

    memset(spec, 0, sizeof(*spec));
    spec->key =
        kind->key != NULL ? tg_native_str(call, kind->key) : TG_STR_NULL;
    spec->secret = tg_native_str(call, kind->secret);
    spec->primary = json_is_true(tg_native_get(call, "primary"));
    spec->grace_seconds = grace != NULL ? json_integer_value(grace) : 0;
    spec->grace_asked = grace != NULL;
}


/* Answers with the credential a call made or changed, or its error. */
static void
tg_native_cred_reply(tg_native_call_t *call, const tg_native_cred_t *kind,
                     int rc, unsigned status, tg_cred_view_t *view)
{
    if (rc != TG_OK) {
        tg_native_fail(call);
        return;
    }

    tg_native_reply(call, status, kind->json(view));
    tg_cred_view_free(view);
}


void
tg_native_cred_add(tg_native_call_t *call)
{
    const tg_native_cred_t *kind = call->data;
    tg_cred_spec_t          spec;
    tg_cred_view_t          view;
    int                     rc;

    rc = tg_native_body(call, kind->add, kind->nadd);
    if (rc == TG_OK) {
        tg_native_cred_spec(call, kind, &spec);
        rc = tg_service_cred_add(call->svc, &call->actor, kind->kind,
                                 call->args[0], &spec, &view, &call->err);
    }

    tg_native_cred_reply(call, kind, rc, 201, &view);
}


void
tg_native_cred_list(tg_native_call_t *call)
{
    const tg_native_cred_t *kind = call->data;
    tg_cred_view_t         *items;
    size_t                  n;

    if (tg_service_cred_list(call->svc, &call->actor, kind->kind, call->args[0],
                             &items, &n, &call->err)
        != TG_OK)
    {
        tg_native_fail(call);
        return;
    }

    tg_native_reply(
        call, 200,
        tg_native_page(tg_native_array(items, n, sizeof(*items), kind->json),
                       (int64_t) n));
    tg_cred_view_list_free(items, n);
}


void
tg_native_cred_reset(tg_native_call_t *call)
{
    const tg_native_cred_t *kind = call->data;
    tg_cred_spec_t          spec;
    tg_cred_view_t          view;
    tg_str_t                name = call->args[1];
    int                     rc;

    /* The app's reset-secret names the pair in its body, if at all. */

    rc = tg_native_body(call, kind->reset, kind->nreset);
    if (rc == TG_OK) {
        tg_native_cred_spec(call, kind, &spec);
        name = name.ptr != NULL ? name : tg_native_str(call, "key");
        rc = tg_service_cred_reset(call->svc, &call->actor, kind->kind,
                                   call->args[0], name, 0, &spec, &view,
                                   &call->err);
    }

    tg_native_cred_reply(call, kind, rc, 200, &view);
}


void
tg_native_cred_delete(tg_native_call_t *call)
{
    const tg_native_cred_t *kind = call->data;

    tg_native_done(call, tg_service_cred_delete(call->svc, &call->actor,
                                                kind->kind, call->args[0],
                                                call->args[1], 0, &call->err));
}


void
tg_native_secret_reveal(tg_native_call_t *call)
{
    tg_app_view_t view;
    json_t       *codes, *keys, *obj;

    if (tg_service_secret_reveal(call->svc, &call->actor, call->args[0], &view,
                                 &call->err)
        != TG_OK)
    {
        tg_native_fail(call);
        return;
    }

    /* The codes as objects, like an app's creation shows them. */
    codes = tg_native_array(view.codes, view.ncodes, sizeof(*view.codes),
                            tg_native_code_json);
    keys = tg_native_array(view.keys, view.nkeys, sizeof(*view.keys),
                           tg_native_key_json);

    obj = json_pack("{s:s,s:s?,s:s?,s:o?,s:o?}", "id", view.app.id, "app_key",
                    view.key.app_key, "app_secret", view.key.secret,
                    "app_codes", codes, "key_pairs", keys);

    tg_app_view_free(&view);
    tg_native_reply(call, 200, obj);
}


void
tg_native_key_update(tg_native_call_t *call)
{
    static const tg_native_field_t fields[] = {
        { "primary", TG_J_BOOL },
    };
    tg_cred_view_t view;

    if (tg_native_body(call, fields, TG_COUNT(fields)) != TG_OK) {
        tg_native_fail(call);
        return;
    }

    if (!json_is_true(tg_native_get(call, "primary"))) {
        tg_error_set(&call->err, TG_EINVALID, TG_FIELD_PRIMARY,
                     "must be true; make another pair primary instead");
        tg_native_fail(call);
        return;
    }

    if (tg_service_cred_make_primary(call->svc, &call->actor, TG_CRED_KEY_PAIR,
                                     call->args[0], call->args[1], &view,
                                     &call->err)
        != TG_OK)
    {
        tg_native_fail(call);
        return;
    }

    tg_native_reply(call, 200, tg_native_key_json(&view.key));
    tg_cred_view_free(&view);
}
