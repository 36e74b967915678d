/*
 * Native handlers for accounts, access keys, the audit trail and whoami:
 * /v1/accounts, /v1/accounts/{id}/access-keys, /v1/audit, /v1/whoami.
 */

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/rules.h"
#include "tollgate/time.h"
#include "dialects/native/native_int.h"


#define TG_COUNT(a) (sizeof(a) / sizeof((a)[0]))


/* An account's credential policy; 0 reads as null where it means "no
 * rule" (or, for max_grace, the installation's limit). */
static json_t *
tg_native_policy_json(const tg_cred_policy_t *p)
{
    return json_pack(
        "{s:b,s:o,s:I,s:o,s:I,s:I}", "reveal_once", p->reveal_once,
        "max_secret_age",
        p->max_secret_age > 0 ? json_integer(p->max_secret_age) : json_null(),
        "min_grace", (json_int_t) p->min_grace, "max_grace",
        p->max_grace > 0 ? json_integer(p->max_grace) : json_null(),
        "secret_min_length", (json_int_t) p->secret_min_length,
        "secret_classes", (json_int_t) p->secret_classes);
}


static json_t *
tg_native_account_json(const void *item)
{
    const tg_account_t *a = item;

    return json_pack("{s:s,s:s,s:s,s:o,s:o,s:o,s:o}", "id", a->id, "name",
                     a->name, "status", tg_status_name(a->enabled), "app_quota",
                     a->app_quota > 0 ? json_integer(a->app_quota)
                                      : json_null(),
                     "credential_policy", tg_native_policy_json(&a->policy),
                     "created_at", tg_native_time(a->created_at), "updated_at",
                     tg_native_time(a->updated_at));
}


/* The credential policy's members a body may set, and their flags. */
#define TG_NATIVE_POLICY_FIELDS                         \
    { "reveal_once", TG_J_BOOL },                       \
        { "max_secret_age", TG_J_INTEGER | TG_J_NULL }, \
        { "min_grace", TG_J_INTEGER },                  \
        { "max_grace", TG_J_INTEGER | TG_J_NULL },      \
        { "secret_min_length", TG_J_INTEGER },          \
    {                                                   \
        "secret_classes", TG_J_INTEGER                  \
    }

static const struct {
    const char *name;
    unsigned    set;
    size_t      at; /* offset in tg_cred_policy_t, for the integers */
} tg_native_policy_members[] = {
    { "max_secret_age", TG_ACCOUNT_SET_MAX_SECRET_AGE,
      offsetof(tg_cred_policy_t, max_secret_age) },
    { "min_grace", TG_ACCOUNT_SET_MIN_GRACE,
      offsetof(tg_cred_policy_t, min_grace) },
    { "max_grace", TG_ACCOUNT_SET_MAX_GRACE,
      offsetof(tg_cred_policy_t, max_grace) },
    { "secret_min_length", TG_ACCOUNT_SET_SECRET_MIN_LENGTH,
      offsetof(tg_cred_policy_t, secret_min_length) },
    { "secret_classes", TG_ACCOUNT_SET_SECRET_CLASSES,
      offsetof(tg_cred_policy_t, secret_classes) },
};


/* Reads the credential policy's members the body holds into spec and
 * their flags into *set; null stands for 0. */
static void
tg_native_policy_read(tg_native_call_t *call, tg_account_spec_t *spec,
                      unsigned *set)
{
    json_t *v;
    size_t  i;

    if (tg_native_has(call, "reveal_once")) {
        spec->policy.reveal_once =
            json_is_true(tg_native_get(call, "reveal_once"));
        *set |= TG_ACCOUNT_SET_REVEAL_ONCE;
    }

    for (i = 0; i < TG_COUNT(tg_native_policy_members); i++) {
        if (!tg_native_has(call, tg_native_policy_members[i].name)) {
            continue;
        }
        v = tg_native_get(call, tg_native_policy_members[i].name);
        *(int64_t *) ((char *) &spec->policy + tg_native_policy_members[i].at) =
            json_is_integer(v) ? json_integer_value(v) : 0;
        *set |= tg_native_policy_members[i].set;
    }
}


static json_t *
tg_native_access_key_json(const void *item)
{
    const tg_access_key_t *k = item;

    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:o}", "id", k->id,
                     "account_id", k->account_id, "role",
                     k->admin ? "admin" : "member", "status",
                     tg_status_name(k->enabled), "description", k->description,
                     "created_at", tg_native_time(k->created_at), "updated_at",
                     tg_native_time(k->updated_at), "last_used_at",
                     tg_native_time(k->last_used_at));
}


static json_t *
tg_native_audit_json(const void *item)
{
    const tg_audit_event_t *e = item;
    char                    at[TG_RFC3339_LEN + 1];
    json_t                 *detail = NULL;

    tg_time_format(e->at, 1, at);

    if (e->detail[0] != '\0') {
        detail = json_loads(e->detail, 0, NULL);
    }

    return json_pack(
        "{s:I,s:s,s:s?,s:s?,s:s,s:s?,s:{s:s,s:s},s:s?,s:s,s:s?,s:s,s:s,s:o?}",
        "id", (json_int_t) e->id, "time", at, "actor",
        e->actor[0] != '\0' ? e->actor : NULL, "account_id",
        e->account_id[0] != '\0' ? e->account_id : NULL, "action", e->action,
        "canonical_action",
        e->canonical_action[0] != '\0' ? e->canonical_action : NULL, "target",
        "type", e->target_type, "id", e->target, "app",
        e->app[0] != '\0' ? e->app : NULL, "result",
        e->success ? "success" : "failure", "error",
        e->error[0] != '\0' ? e->error : NULL, "request_id", e->request_id,
        "source", e->source, "detail", detail);
}


/* Reads "status" into *enabled; absent leaves it. */
static int
tg_native_status(tg_native_call_t *call, int *enabled, int *given)
{
    *given = tg_native_has(call, "status");

    if (*given
        && tg_status_parse(tg_native_str(call, "status"), enabled) != TG_OK) {
        return tg_error_set(&call->err, TG_EINVALID, TG_FIELD_STATUS,
                            "must be \"enabled\" or \"disabled\"");
    }

    return TG_OK;
}


void
tg_native_account_create(tg_native_call_t *call)
{
    static const tg_native_field_t fields[] = {
        { "name", TG_J_STRING },
        { "app_quota", TG_J_INTEGER | TG_J_NULL },
        TG_NATIVE_POLICY_FIELDS,
    };
    tg_account_spec_t spec;
    tg_account_t      account;
    json_t           *quota;
    unsigned          set = 0;

    if (tg_native_body(call, fields, TG_COUNT(fields)) != TG_OK) {
        tg_native_fail(call);
        return;
    }

    memset(&spec, 0, sizeof(spec));
    spec.name = tg_native_str(call, "name");
    quota = tg_native_get(call, "app_quota");
    spec.app_quota = quota != NULL ? json_integer_value(quota) : 0;
    tg_native_policy_read(call, &spec, &set);
    spec.policy_set = set;

    if (spec.name.ptr == NULL) {
        tg_error_set(&call->err, TG_EMISSING, TG_FIELD_NAME, "is required");
        tg_native_fail(call);
        return;
    }

    if (tg_service_account_create(call->svc, &call->actor, &spec, &account,
                                  &call->err)
        != TG_OK)
    {
        tg_native_fail(call);
        return;
    }

    tg_native_reply(call, 201, tg_native_account_json(&account));
    tg_account_free(&account);
}


void
tg_native_account_list(tg_native_call_t *call)
{
    static const char *const names[] = { "limit", "offset", NULL };
    tg_account_t            *items = NULL;
    int64_t                  limit, offset, total = 0;
    size_t                   n = 0;

    if (tg_native_paging(call, names, NULL, 20, &limit, &offset) != TG_OK
        || tg_service_account_list(call->svc, &call->actor, limit, offset,
                                   &items, &n, &total, &call->err)
               != TG_OK)
    {
        tg_native_fail(call);
        return;
    }

    tg_native_reply(call, 200,
                    tg_native_page(tg_native_array(items, n, sizeof(*items),
                                                   tg_native_account_json),
                                   total));
    tg_store_account_list_free(items, n);
}


void
tg_native_account_get(tg_native_call_t *call)
{
    tg_account_t account;

    if (tg_service_account_get(call->svc, &call->actor, call->args[0], &account,
                               &call->err)
        != TG_OK)
    {
        tg_native_fail(call);
        return;
    }

    tg_native_reply(call, 200, tg_native_account_json(&account));
    tg_account_free(&account);
}


void
tg_native_account_update(tg_native_call_t *call)
{
    static const tg_native_field_t fields[] = {
        { "name", TG_J_STRING },
        { "status", TG_J_STRING },
        { "app_quota", TG_J_INTEGER | TG_J_NULL },
        TG_NATIVE_POLICY_FIELDS,
    };
    tg_account_spec_t spec;
    tg_account_t      account;
    unsigned          set = 0;
    int               given;
    json_t           *quota;

    memset(&spec, 0, sizeof(spec));

    if (tg_native_body(call, fields, TG_COUNT(fields)) != TG_OK
        || tg_native_status(call, &spec.enabled, &given) != TG_OK)
    {
        tg_native_fail(call);
        return;
    }

    if (given) {
        set |= TG_ACCOUNT_SET_ENABLED;
    }
    if (tg_native_has(call, "name")) {
        spec.name = tg_native_str(call, "name");
        set |= TG_ACCOUNT_SET_NAME;
    }
    if (tg_native_has(call, "app_quota")) {
        quota = tg_native_get(call, "app_quota");
        spec.app_quota = json_is_integer(quota) ? json_integer_value(quota) : 0;
        set |= TG_ACCOUNT_SET_QUOTA;
    }
    tg_native_policy_read(call, &spec, &set);

    if (tg_service_account_update(call->svc, &call->actor, call->args[0], &spec,
                                  set, &account, &call->err)
        != TG_OK)
    {
        tg_native_fail(call);
        return;
    }

    tg_native_reply(call, 200, tg_native_account_json(&account));
    tg_account_free(&account);
}


void
tg_native_account_delete(tg_native_call_t *call)
{
    tg_native_done(call, tg_service_account_delete(call->svc, &call->actor,
                                                   call->args[0], &call->err));
}


void
tg_native_access_key_create(tg_native_call_t *call)
{
    static const tg_native_field_t fields[] = {
        { "id", TG_J_STRING },
        { "secret", TG_J_STRING },
        { "role", TG_J_STRING },
        { "description", TG_J_STRING | TG_J_NULL },
    };
    tg_access_key_spec_t spec;
    tg_access_key_t      key;
    tg_str_t             role;
    char                 secret[TG_ACCESS_KEY_SECRET_MAX + 1];
    json_t              *obj;

    if (tg_native_body(call, fields, TG_COUNT(fields)) != TG_OK) {
        tg_native_fail(call);
        return;
    }

    memset(&spec, 0, sizeof(spec));
    spec.id = tg_native_str(call, "id");
    spec.secret = tg_native_str(call, "secret");
    spec.description = tg_native_str(call, "description");
    spec.enabled = 1;

    role = tg_native_str(call, "role");
    if (role.ptr != NULL && !tg_str_eq_c(role, "admin")
        && !tg_str_eq_c(role, "member"))
    {
        tg_error_set(&call->err, TG_EINVALID, TG_FIELD_ROLE,
                     "must be \"admin\" or \"member\"");
        tg_native_fail(call);
        return;
    }
    spec.admin = tg_str_eq_c(role, "admin");

    if (tg_service_access_key_create(call->svc, &call->actor, call->args[0],
                                     &spec, &key, secret, &call->err)
        != TG_OK)
    {
        tg_native_fail(call);
        return;
    }

    obj = tg_native_access_key_json(&key);
    if (obj != NULL) {
        json_object_set_new(obj, "secret", json_string(secret));
    }

    tg_wipe(secret, sizeof(secret));
    tg_access_key_free(&key);
    tg_native_reply(call, 201, obj);
}


void
tg_native_access_key_list(tg_native_call_t *call)
{
    tg_access_key_t *items;
    size_t           n;

    if (tg_service_access_key_list(call->svc, &call->actor, call->args[0],
                                   &items, &n, &call->err)
        != TG_OK)
    {
        tg_native_fail(call);
        return;
    }

    tg_native_reply(call, 200,
                    tg_native_page(tg_native_array(items, n, sizeof(*items),
                                                   tg_native_access_key_json),
                                   (int64_t) n));
    tg_store_access_key_list_free(items, n);
}


void
tg_native_access_key_get(tg_native_call_t *call)
{
    tg_access_key_t key;

    if (tg_service_access_key_get(call->svc, &call->actor, call->args[0],
                                  call->args[1], &key, &call->err)
        != TG_OK)
    {
        tg_native_fail(call);
        return;
    }

    tg_native_reply(call, 200, tg_native_access_key_json(&key));
    tg_access_key_free(&key);
}


void
tg_native_access_key_update(tg_native_call_t *call)
{
    static const tg_native_field_t fields[] = {
        { "status", TG_J_STRING },
        { "description", TG_J_STRING | TG_J_NULL },
    };
    tg_access_key_spec_t spec;
    tg_access_key_t      key;
    unsigned             set = 0;
    int                  given;

    memset(&spec, 0, sizeof(spec));

    if (tg_native_body(call, fields, TG_COUNT(fields)) != TG_OK
        || tg_native_status(call, &spec.enabled, &given) != TG_OK)
    {
        tg_native_fail(call);
        return;
    }

    if (given) {
        set |= TG_ACCESS_KEY_SET_ENABLED;
    }
    if (tg_native_has(call, "description")) {
        spec.description = tg_native_str(call, "description");
        set |= TG_ACCESS_KEY_SET_DESCRIPTION;
    }

    if (tg_service_access_key_update(call->svc, &call->actor, call->args[0],
                                     call->args[1], &spec, set, &key,
                                     &call->err)
        != TG_OK)
    {
        tg_native_fail(call);
        return;
    }

    tg_native_reply(call, 200, tg_native_access_key_json(&key));
    tg_access_key_free(&key);
}


void
tg_native_access_key_delete(tg_native_call_t *call)
{
    tg_native_done(call, tg_service_access_key_delete(
                             call->svc, &call->actor, call->args[0],
                             call->args[1], &call->err));
}


void
tg_native_audit_list(tg_native_call_t *call)
{
    static const char *const names[] = { "app",   "actor",  "action",
                                         "since", "until",  "account_id",
                                         "limit", "offset", NULL };
    tg_audit_event_t        *items = NULL;
    tg_audit_filter_t        f;
    int64_t                  total = 0;
    size_t                   n = 0;

    memset(&f, 0, sizeof(f));

    if (tg_native_paging(call, names, NULL, 50, &f.limit, &f.offset) != TG_OK
        || tg_native_query_time(call, "since", TG_FIELD_SINCE, &f.since)
               != TG_OK
        || tg_native_query_time(call, "until", TG_FIELD_UNTIL, &f.until)
               != TG_OK)
    {
        tg_native_fail(call);
        return;
    }

    f.app = tg_str_c(tg_http_query(call->req, "app"));
    f.actor = tg_str_c(tg_http_query(call->req, "actor"));
    f.action = tg_str_c(tg_http_query(call->req, "action"));
    f.account_id = tg_str_c(tg_http_query(call->req, "account_id"));

    if (tg_service_audit_list(call->svc, &call->actor, &f, &items, &n, &total,
                              &call->err)
        != TG_OK)
    {
        tg_native_fail(call);
        return;
    }

    tg_native_reply(call, 200,
                    tg_native_page(tg_native_array(items, n, sizeof(*items),
                                                   tg_native_audit_json),
                                   total));
    free(items);
}


void
tg_native_whoami(tg_native_call_t *call)
{
    tg_account_t account;

    if (tg_service_account_get(call->svc, &call->actor,
                               tg_str_c(call->actor.account_id), &account,
                               &call->err)
        != TG_OK)
    {
        tg_native_fail(call);
        return;
    }

    tg_native_reply(call, 200,
                    json_pack("{s:s,s:s,s:s,s:s,s:b,s:o}", "access_key_id",
                              call->actor.key_id, "account_id", account.id,
                              "account_name", account.name, "role",
                              call->actor.admin ? "admin" : "member",
                              "has_policies", call->actor.policies != NULL,
                              "permissions", tg_native_permissions(call)));
    tg_account_free(&account);
}
