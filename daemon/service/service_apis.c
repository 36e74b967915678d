/*
 * The API registry and the grants of apps to APIs.
 *
 * An API belongs to the account that registered it (its provider); its
 * name is unique across Tollgate, because nginx.conf names APIs.  The
 * authorizer lets every key read the registry, a catalogue, and only the
 * provider or an admin change an API.  A grant asks it about both the app
 * and the API, so grants across accounts are an admin's.  Grant listings
 * are filtered and paged here, in one store query, for every dialect.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/rules.h"
#include "tollgate/time.h"
#include "service/service_int.h"


/* Loads the API that ref names: its id, else its name. */
static int
tg_api_load(tg_txn_t *t, tg_str_t ref, tg_api_t *api, tg_error_t *err)
{
    int rc = TG_EAPI_NOT_FOUND;

    if (tg_id_valid(ref)) {
        rc = tg_store_api_get(t, ref, api);
    }
    if (rc == TG_EAPI_NOT_FOUND) {
        rc = tg_store_api_find(t, ref, api);
    }

    return rc == TG_OK ? rc : tg_error_code(err, rc);
}


/* Asks the authorizer whether actor may do action on api. */
static int
tg_api_authorize(const tg_service_t *svc, const tg_actor_t *actor,
                 tg_action_t action, const tg_api_t *api, tg_error_t *err)
{
    tg_resource_t res;

    tg_resource_api(&res, svc->region, api);
    return tg_authorize(actor, action, &res, err);
}


static int
tg_api_spec_check(const tg_api_spec_t *spec, unsigned set, int create,
                  tg_error_t *err)
{
    const char *rule;

    if (create && tg_identifier_check(spec->name, &rule) != TG_OK) {
        return tg_error_set(err, TG_EINVALID, TG_FIELD_NAME, "%s", rule);
    }

    if ((set & TG_API_SET_DESCRIPTION)
        && tg_app_description_check(spec->description, &rule) != TG_OK)
    {
        return tg_error_set(err, TG_EINVALID, TG_FIELD_DESCRIPTION, "%s", rule);
    }

    if ((set & TG_API_SET_STAGE) && spec->stage.len > 0
        && tg_stage_check(spec->stage, &rule) != TG_OK)
    {
        return tg_error_set(err, TG_EINVALID, TG_FIELD_STAGE, "%s", rule);
    }

    return TG_OK;
}


/* One operation on the registry or on grants in progress. */
typedef struct {
    const tg_actor_t      *actor;
    tg_str_t               api_ref;
    tg_str_t               app_ref;
    tg_str_t               stage;
    const tg_api_spec_t   *spec;
    const tg_grant_spec_t *grant_spec;
    unsigned               set;
    int                    created;
    tg_api_t               api;
    tg_app_t               app;
    tg_api_t              *api_out;
    tg_grant_t            *grant_out;
    tg_grant_t            *grants;
    size_t                 ngrants;
    tg_grant_filter_t      filter; /* listings */
    int64_t                total;
} tg_api_op_t;


static void
tg_api_op_init(tg_api_op_t *op, const tg_actor_t *actor)
{
    memset(op, 0, sizeof(*op));
    op->actor = actor;
}


static void
tg_api_op_free(tg_api_op_t *op)
{
    tg_api_free(&op->api);
    tg_app_free(&op->app);
}


static int
tg_api_create_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                  tg_audit_event_t *ev, tg_error_t *err)
{
    tg_api_op_t         *op = data;
    const tg_api_spec_t *spec = op->spec;
    tg_api_t            *out = op->api_out;
    tg_account_t         account;
    int64_t              now = tg_time_now_ms();
    int                  rc;

    (void) svc;
    memset(&account, 0, sizeof(account));

    rc = tg_store_account_get(t,
                              spec->account_id.ptr != NULL
                                  ? spec->account_id
                                  : tg_str_c(op->actor->account_id),
                              &account);
    if (rc != TG_OK) {
        return tg_error_set(err, rc, TG_FIELD_ACCOUNT_ID, NULL);
    }

    memcpy(ev->account_id, account.id, sizeof(ev->account_id));
    memcpy(out->account_id, account.id, sizeof(out->account_id));
    tg_account_free(&account);

    rc = tg_store_api_find(t, spec->name, &op->api);
    if (rc == TG_OK) {
        return tg_error_set(err, TG_EAPI_NAME_TAKEN, TG_FIELD_NAME, NULL);
    }
    if (rc != TG_EAPI_NOT_FOUND) {
        return tg_error_code(err, rc);
    }

    rc = tg_id_generate(out->id);
    if (rc == TG_OK) {
        out->name = tg_strndup(spec->name.ptr, spec->name.len);
        out->description = tg_strndup(
            spec->description.ptr != NULL ? spec->description.ptr : "",
            spec->description.len);
        out->created_at = now;
        out->updated_at = now;
        if (spec->stage.len > 0) {
            tg_stage_normalize(spec->stage, out->stage);
        }
        rc = out->name != NULL && out->description != NULL ? TG_OK : TG_ENOMEM;
    }
    if (rc == TG_OK) {
        snprintf(ev->target, sizeof(ev->target), "%s", out->id);
        rc = tg_store_api_insert(t, out);
    }
    if (rc == TG_OK) {
        rc = tg_change(t, "api", out->id, "", "upsert");
    }

    return rc;
}


int
tg_service_api_create(tg_service_t *svc, const tg_actor_t *actor,
                      const tg_api_spec_t *spec, tg_api_t *out, tg_error_t *err)
{
    tg_audit_event_t ev;
    tg_resource_t    res;
    tg_api_op_t      op;
    int              rc;

    memset(out, 0, sizeof(*out));
    tg_api_op_init(&op, actor);
    op.spec = spec;
    op.api_out = out;

    tg_audit_begin(&ev, actor, TG_ACTION_CREATE_API, "api", spec->name);

    rc = tg_api_spec_check(spec, TG_API_SET_DESCRIPTION | TG_API_SET_STAGE, 1,
                           err);
    if (rc == TG_OK) {
        tg_resource_init(&res, svc->region, TG_RESOURCE_API,
                         spec->account_id.ptr != NULL
                             ? spec->account_id
                             : tg_str_c(actor->account_id),
                         spec->name);
        rc = tg_authorize(actor, TG_ACTION_CREATE_API, &res, err);
    }

    rc = rc == TG_OK ? tg_write(svc, &ev, tg_api_create_txn, &op, err)
                     : tg_audit_failure(svc, &ev, rc, err);

    tg_api_op_free(&op);
    if (rc != TG_OK) {
        tg_api_free(out);
    }

    return rc;
}


static int
tg_api_get_txn(tg_service_t *svc, tg_txn_t *t, void *data, tg_audit_event_t *ev,
               tg_error_t *err)
{
    tg_api_op_t *op = data;
    int          rc;

    (void) ev;

    rc = tg_api_load(t, op->api_ref, op->api_out, err);
    return rc == TG_OK ? tg_api_authorize(
               svc, op->actor, TG_ACTION_DESCRIBE_API, op->api_out, err)
                       : rc;
}


int
tg_service_api_get(tg_service_t *svc, const tg_actor_t *actor, tg_str_t api,
                   tg_api_t *out, tg_error_t *err)
{
    tg_api_op_t op;
    int         rc;

    memset(out, 0, sizeof(*out));
    tg_api_op_init(&op, actor);
    op.api_ref = api;
    op.api_out = out;

    rc = tg_read(svc, tg_api_get_txn, &op, err);
    if (rc != TG_OK) {
        tg_api_free(out);
    }
    return rc;
}


typedef struct {
    const tg_actor_t *actor;
    tg_str_t          account_id;
    int64_t           limit;
    int64_t           offset;
    tg_api_t         *items;
    size_t            n;
    int64_t           total;
} tg_api_list_t;


/*
 * A listing by a key with policies: every API in scope, less those its
 * policies hide, then the page asked for (totals count what it may see).
 */
static int
tg_api_list_by_policies(tg_service_t *svc, tg_txn_t *t, tg_api_list_t *op,
                        const tg_resource_t *any, tg_error_t *err)
{
    tg_resource_t res;
    tg_api_t     *all = NULL;
    size_t        nall = 0, i, kept = 0, out = 0;
    int64_t       total;
    int           rc;

    rc = tg_authorize_list(op->actor, TG_ACTION_DESCRIBE_APIS, any, err);
    if (rc == TG_OK) {
        rc = tg_store_api_list(t, op->account_id, INT32_MAX, 0, &all, &nall,
                               &total);
    }
    if (rc != TG_OK) {
        return rc;
    }

    for (i = 0; i < nall; i++) {
        tg_resource_api(&res, svc->region, &all[i]);
        if (tg_authorize_visible(op->actor, TG_ACTION_DESCRIBE_APIS, &res)) {
            if (kept++ >= (size_t) op->offset && out < (size_t) op->limit) {
                all[out++] = all[i];
                continue;
            }
        }
        tg_api_free(&all[i]);
    }

    op->items = all;
    op->n = out;
    op->total = (int64_t) kept;
    return TG_OK;
}


static int
tg_api_list_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                tg_audit_event_t *ev, tg_error_t *err)
{
    tg_api_list_t *op = data;
    tg_resource_t  res;
    int            rc;

    (void) ev;

    tg_resource_init(&res, svc->region, TG_RESOURCE_API, op->account_id,
                     TG_STR_NULL);

    if (op->actor->policies != NULL) {
        return tg_api_list_by_policies(svc, t, op, &res, err);
    }

    rc = tg_authorize(op->actor, TG_ACTION_DESCRIBE_APIS, &res, err);
    return rc == TG_OK
               ? tg_store_api_list(t, op->account_id, op->limit, op->offset,
                                   &op->items, &op->n, &op->total)
               : rc;
}


int
tg_service_api_list(tg_service_t *svc, const tg_actor_t *actor,
                    tg_str_t account_id, int64_t limit, int64_t offset,
                    tg_api_t **items, size_t *n, int64_t *total,
                    tg_error_t *err)
{
    tg_api_list_t op = { actor, account_id, limit, offset, NULL, 0, 0 };
    int           rc;

    op.account_id = tg_authorize_scope(actor, TG_RESOURCE_API, account_id);

    rc = tg_read(svc, tg_api_list_txn, &op, err);
    *items = op.items;
    *n = op.n;
    *total = op.total;
    return rc;
}


static int
tg_api_update_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                  tg_audit_event_t *ev, tg_error_t *err)
{
    tg_api_op_t *op = data;
    tg_api_t    *out = op->api_out;
    char        *description;
    int          rc;

    rc = tg_api_load(t, op->api_ref, out, err);
    if (rc == TG_OK) {
        memcpy(ev->account_id, out->account_id, sizeof(ev->account_id));
        snprintf(ev->target, sizeof(ev->target), "%s", out->id);
        rc = tg_api_authorize(svc, op->actor, TG_ACTION_MODIFY_API, out, err);
    }
    if (rc == TG_OK && (op->set & TG_API_SET_DESCRIPTION)) {
        description = tg_strndup(
            op->spec->description.ptr != NULL ? op->spec->description.ptr : "",
            op->spec->description.len);
        if (description == NULL) {
            return tg_error_code(err, TG_ENOMEM);
        }
        free(out->description);
        out->description = description;
    }
    if (rc == TG_OK && (op->set & TG_API_SET_STAGE)) {
        out->stage[0] = '\0';
        if (op->spec->stage.len > 0) {
            tg_stage_normalize(op->spec->stage, out->stage);
        }
    }
    if (rc == TG_OK) {
        out->updated_at = tg_time_now_ms();
        rc = tg_store_api_update(t, out);
    }
    if (rc == TG_OK) {
        rc = tg_change(t, "api", out->id, "", "upsert");
    }

    return rc;
}


int
tg_service_api_update(tg_service_t *svc, const tg_actor_t *actor, tg_str_t api,
                      const tg_api_spec_t *patch, unsigned set, tg_api_t *out,
                      tg_error_t *err)
{
    tg_audit_event_t ev;
    tg_api_op_t      op;
    int              rc;

    memset(out, 0, sizeof(*out));
    tg_api_op_init(&op, actor);
    op.api_ref = api;
    op.spec = patch;
    op.set = set;
    op.api_out = out;

    tg_audit_begin(&ev, actor, TG_ACTION_MODIFY_API, "api", api);

    rc = tg_api_spec_check(patch, set, 0, err);
    rc = rc == TG_OK ? tg_write(svc, &ev, tg_api_update_txn, &op, err)
                     : tg_audit_failure(svc, &ev, rc, err);

    tg_api_op_free(&op);
    if (rc != TG_OK) {
        tg_api_free(out);
    }

    return rc;
}


static int
tg_api_delete_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                  tg_audit_event_t *ev, tg_error_t *err)
{
    tg_api_op_t *op = data;
    size_t       i;
    int          rc;

    rc = tg_api_load(t, op->api_ref, &op->api, err);
    if (rc == TG_OK) {
        memcpy(ev->account_id, op->api.account_id, sizeof(ev->account_id));
        snprintf(ev->target, sizeof(ev->target), "%s", op->api.id);
        tg_audit_detail(ev, "{\"name\":\"%s\"}", op->api.name);
        rc = tg_api_authorize(svc, op->actor, TG_ACTION_DELETE_API, &op->api,
                              err);
    }

    /* The data plane learns of each grant that goes with the API. */

    if (rc == TG_OK) {
        op->filter.api = tg_str_c(op->api.id);
        rc = tg_store_grant_list(t, &op->filter, &op->grants, &op->ngrants,
                                 NULL);
    }
    for (i = 0; i < op->ngrants && rc == TG_OK; i++) {
        rc = tg_change(t, "grant", op->grants[i].id, op->grants[i].app,
                       "delete");
    }
    if (rc == TG_OK) {
        rc = tg_store_api_delete(t, tg_str_c(op->api.id));
    }
    if (rc == TG_OK) {
        rc = tg_change(t, "api", op->api.id, "", "delete");
    }

    return rc;
}


int
tg_service_api_delete(tg_service_t *svc, const tg_actor_t *actor, tg_str_t api,
                      tg_error_t *err)
{
    tg_audit_event_t ev;
    tg_api_op_t      op;
    int              rc;

    tg_api_op_init(&op, actor);
    op.api_ref = api;

    tg_audit_begin(&ev, actor, TG_ACTION_DELETE_API, "api", api);
    rc = tg_write(svc, &ev, tg_api_delete_txn, &op, err);

    tg_store_grant_list_free(op.grants, op.ngrants);
    tg_api_op_free(&op);
    return rc;
}


/* The stage a grant applies to: the one asked for, else the API's, else
 * RELEASE; an API tied to a stage takes grants on that stage only. */
static int
tg_grant_stage(const tg_api_t *api, tg_str_t asked, char *stage,
               tg_error_t *err)
{
    const char *rule;

    if (asked.ptr == NULL || asked.len == 0) {
        snprintf(stage, TG_STAGE_MAX + 1, "%s",
                 api->stage[0] != '\0' ? api->stage : TG_STAGE_DEFAULT);
        return TG_OK;
    }

    if (tg_stage_check(asked, &rule) != TG_OK) {
        return tg_error_set(err, TG_EINVALID, TG_FIELD_STAGE, "%s", rule);
    }

    tg_stage_normalize(asked, stage);

    if (api->stage[0] != '\0' && strcmp(api->stage, stage) != 0) {
        return tg_error_set(err, TG_EINVALID, TG_FIELD_STAGE,
                            "the API is on stage %s only", api->stage);
    }

    return TG_OK;
}


/* Loads the app and the API of a grant request, and asks the authorizer
 * about each: a grant needs both. */
static int
tg_grant_parties(tg_service_t *svc, tg_txn_t *t, tg_api_op_t *op,
                 tg_action_t action, tg_audit_event_t *ev, tg_error_t *err)
{
    int rc;

    rc = tg_app_authorize_load(svc, t, op->actor, action, op->app_ref, &op->app,
                               err);
    if (rc == TG_OK) {
        tg_audit_app(ev, &op->app);
        rc = tg_api_load(t, op->api_ref, &op->api, err);
    }
    if (rc == TG_OK) {
        rc = tg_api_authorize(svc, op->actor, action, &op->api, err);
    }

    return rc;
}


static int
tg_grant_put_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                 tg_audit_event_t *ev, tg_error_t *err)
{
    tg_api_op_t *op = data;
    tg_grant_t  *out = op->grant_out;
    char         stage[TG_STAGE_MAX + 1];
    int64_t      now = tg_time_now_ms();
    int          rc;

    rc = tg_grant_parties(svc, t, op, TG_ACTION_SET_APPS_AUTHORITIES, ev, err);
    if (rc == TG_OK) {
        rc = tg_grant_stage(&op->api, op->grant_spec->stage, stage, err);
    }
    if (rc != TG_OK) {
        return rc;
    }

    tg_audit_detail(ev, "{\"api\":\"%s\",\"stage\":\"%s\"}", op->api.name,
                    stage);

    rc = tg_store_grant_find(t, tg_str_c(op->app.id), tg_str_c(op->api.id),
                             tg_str_c(stage), out);
    if (rc == TG_OK) {
        out->expires_at = op->grant_spec->expires_at;
        out->updated_at = now;
        rc = tg_store_grant_update(t, out);

    } else if (rc == TG_EGRANT_NOT_FOUND) {
        op->created = 1;
        rc = tg_id_generate(out->id);
        if (rc == TG_OK) {
            memcpy(out->app, op->app.id, sizeof(out->app));
            memcpy(out->api, op->api.id, sizeof(out->api));
            memcpy(out->stage, stage, sizeof(out->stage));
            out->expires_at = op->grant_spec->expires_at;
            out->created_at = now;
            out->updated_at = now;
            rc = tg_store_grant_insert(t, out);
        }
    }
    if (rc == TG_OK) {
        snprintf(ev->target, sizeof(ev->target), "%s", out->id);
        rc = tg_change(t, "grant", out->id, op->app.id, "upsert");
    }

    /* Read it back whole, with the names that go with it. */

    if (rc == TG_OK) {
        tg_grant_free(out);
        rc = tg_store_grant_find(t, tg_str_c(op->app.id), tg_str_c(op->api.id),
                                 tg_str_c(stage), out);
    }

    return rc;
}


int
tg_service_grant_put(tg_service_t *svc, const tg_actor_t *actor, tg_str_t ref,
                     tg_str_t api_ref, const tg_grant_spec_t *spec,
                     tg_grant_t *out, int *created, tg_error_t *err)
{
    tg_audit_event_t ev;
    tg_api_op_t      op;
    int              rc = TG_OK;

    memset(out, 0, sizeof(*out));
    tg_api_op_init(&op, actor);
    op.app_ref = ref;
    op.api_ref = api_ref;
    op.grant_spec = spec;
    op.grant_out = out;

    tg_audit_begin(&ev, actor, TG_ACTION_SET_APPS_AUTHORITIES, "grant",
                   api_ref);

    if (spec->expires_at != 0 && spec->expires_at <= tg_time_now_ms()) {
        rc = tg_error_set(err, TG_EINVALID, TG_FIELD_EXPIRES_AT,
                          "must be in the future");
    }

    rc = rc == TG_OK ? tg_write(svc, &ev, tg_grant_put_txn, &op, err)
                     : tg_audit_failure(svc, &ev, rc, err);

    *created = op.created;
    tg_api_op_free(&op);
    if (rc != TG_OK) {
        tg_grant_free(out);
    }

    return rc;
}


static int
tg_grant_delete_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                    tg_audit_event_t *ev, tg_error_t *err)
{
    tg_api_op_t *op = data;
    char         stage[TG_STAGE_MAX + 1];
    size_t       i;
    int          rc;

    if (op->stage.ptr != NULL) {
        tg_stage_normalize(op->stage, stage);
    }

    rc = tg_grant_parties(svc, t, op, TG_ACTION_REMOVE_APPS_AUTHORITIES, ev,
                          err);
    if (rc == TG_OK) {
        tg_audit_detail(ev, "{\"api\":\"%s\",\"stage\":\"%s\"}", op->api.name,
                        op->stage.ptr != NULL ? stage : "*");
        op->filter.app = tg_str_c(op->app.id);
        op->filter.api = tg_str_c(op->api.id);
        op->filter.stage =
            op->stage.ptr != NULL ? tg_str_c(stage) : TG_STR_NULL;
        rc = tg_store_grant_list(t, &op->filter, &op->grants, &op->ngrants,
                                 NULL);
    }

    for (i = 0; i < op->ngrants && rc == TG_OK; i++) {
        rc = tg_store_grant_delete(t, tg_str_c(op->grants[i].id));
        if (rc == TG_OK) {
            rc = tg_change(t, "grant", op->grants[i].id, op->app.id, "delete");
        }
    }

    if (rc == TG_OK && op->ngrants == 0) {
        rc = tg_error_code(err, TG_EGRANT_NOT_FOUND);
    }

    return rc;
}


int
tg_service_grant_delete(tg_service_t *svc, const tg_actor_t *actor,
                        tg_str_t ref, tg_str_t api_ref, tg_str_t stage,
                        tg_error_t *err)
{
    tg_audit_event_t ev;
    tg_api_op_t      op;
    const char      *rule;
    int              rc = TG_OK;

    tg_api_op_init(&op, actor);
    op.app_ref = ref;
    op.api_ref = api_ref;
    op.stage = stage;

    tg_audit_begin(&ev, actor, TG_ACTION_REMOVE_APPS_AUTHORITIES, "grant",
                   api_ref);

    if (stage.ptr != NULL && tg_stage_check(stage, &rule) != TG_OK) {
        rc = tg_error_set(err, TG_EINVALID, TG_FIELD_STAGE, "%s", rule);
    }

    rc = rc == TG_OK ? tg_write(svc, &ev, tg_grant_delete_txn, &op, err)
                     : tg_audit_failure(svc, &ev, rc, err);

    tg_store_grant_list_free(op.grants, op.ngrants);
    tg_api_op_free(&op);
    return rc;
}


/* The APIs an app is not granted on a stage. */
typedef struct {
    const tg_actor_t *actor;
    tg_str_t          ref;
    char              stage[TG_STAGE_MAX + 1];
    int64_t           limit;
    int64_t           offset;
    tg_app_t          app;
    tg_api_t         *items;
    size_t            n;
    int64_t           total;
} tg_api_ungranted_t;


static int
tg_api_ungranted_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                     tg_audit_event_t *ev, tg_error_t *err)
{
    tg_api_ungranted_t *op = data;
    int                 rc;

    (void) ev;

    rc = tg_app_authorize_load(svc, t, op->actor,
                               TG_ACTION_DESCRIBE_AUTHORIZED_APIS, op->ref,
                               &op->app, err);
    if (rc != TG_OK) {
        return rc;
    }

    return tg_store_api_list_ungranted(
        t, tg_str_c(op->app.id), tg_str_c(op->stage), op->limit, op->offset,
        &op->items, &op->n, &op->total);
}


int
tg_service_api_list_ungranted(tg_service_t *svc, const tg_actor_t *actor,
                              tg_str_t ref, tg_str_t stage, int64_t limit,
                              int64_t offset, tg_api_t **items, size_t *n,
                              int64_t *total, tg_error_t *err)
{
    tg_api_ungranted_t op;
    const char        *rule;
    int                rc;

    *items = NULL;
    *n = 0;
    *total = 0;

    if (tg_stage_check(stage, &rule) != TG_OK) {
        return tg_error_set(err, TG_EINVALID, TG_FIELD_STAGE, "%s", rule);
    }
    if (limit < 1 || limit > TG_PAGE_SIZE_LIMIT) {
        return tg_error_set(err, TG_EINVALID, TG_FIELD_LIMIT, "must be 1-%d",
                            TG_PAGE_SIZE_LIMIT);
    }
    if (offset < 0) {
        return tg_error_set(err, TG_EINVALID, TG_FIELD_OFFSET,
                            "must not be negative");
    }

    memset(&op, 0, sizeof(op));
    op.actor = actor;
    op.ref = ref;
    op.limit = limit;
    op.offset = offset;
    tg_stage_normalize(stage, op.stage);

    rc = tg_read(svc, tg_api_ungranted_txn, &op, err);
    tg_app_free(&op.app);

    if (rc != TG_OK) {
        tg_store_api_list_free(op.items, op.n);
        return rc;
    }

    *items = op.items;
    *n = op.n;
    *total = op.total;
    return TG_OK;
}


static int
tg_grant_delete_by_id_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                          tg_audit_event_t *ev, tg_error_t *err)
{
    tg_api_op_t *op = data;
    tg_grant_t   grant;
    int          rc;

    memset(&grant, 0, sizeof(grant));

    rc = tg_store_grant_get(t, op->app_ref, &grant);
    if (rc == TG_OK) {
        rc = tg_app_authorize_load(svc, t, op->actor,
                                   TG_ACTION_REMOVE_APPS_AUTHORITIES,
                                   tg_str_c(grant.app), &op->app, err);
        if (rc == TG_EAPP_NOT_FOUND) {
            rc = TG_EGRANT_NOT_FOUND;
        }
    }
    if (rc == TG_OK) {
        tg_audit_app(ev, &op->app);
        tg_audit_detail(ev, "{\"api\":\"%s\",\"stage\":\"%s\"}",
                        grant.api_name != NULL ? grant.api_name : "",
                        grant.stage);
        rc = tg_store_grant_delete(t, tg_str_c(grant.id));
    }
    if (rc == TG_OK) {
        rc = tg_change(t, "grant", grant.id, op->app.id, "delete");
    }

    tg_grant_free(&grant);
    return rc == TG_OK ? TG_OK : tg_error_code(err, rc);
}


int
tg_service_grant_delete_by_id(tg_service_t *svc, const tg_actor_t *actor,
                              tg_str_t id, tg_error_t *err)
{
    tg_audit_event_t ev;
    tg_api_op_t      op;
    int              rc;

    tg_api_op_init(&op, actor);
    op.app_ref = id; /* the grant's id */

    tg_audit_begin(&ev, actor, TG_ACTION_REMOVE_APPS_AUTHORITIES, "grant", id);

    rc = tg_id_valid(id)
             ? tg_write(svc, &ev, tg_grant_delete_by_id_txn, &op, err)
             : tg_audit_failure(svc, &ev,
                                tg_error_code(err, TG_EGRANT_NOT_FOUND), err);

    tg_api_op_free(&op);
    return rc;
}


/*
 * Whether actor may see grant g in a listing of action, into *visible:
 * its policies must allow action on its app (app/<AppId>), and no Deny
 * refuse it on its API (api/<name>), which is a catalogue.
 */
static int
tg_grant_visible(tg_service_t *svc, tg_txn_t *t, const tg_actor_t *actor,
                 tg_action_t action, const tg_grant_t *g, int *visible)
{
    tg_resource_t res;
    tg_api_t      api;
    char          number[24];
    int           rc;

    snprintf(number, sizeof(number), "%lld", (long long) g->app_numeric_id);
    tg_resource_init(&res, svc->region, TG_RESOURCE_APP,
                     tg_str_c(g->app_account_id), tg_str_c(number));
    *visible = tg_authorize_visible(actor, action, &res);
    if (!*visible) {
        return TG_OK;
    }

    memset(&api, 0, sizeof(api));
    rc = tg_store_api_get(t, tg_str_c(g->api), &api);
    if (rc == TG_OK) {
        tg_resource_api(&res, svc->region, &api);
        *visible = tg_authorize_not_denied(actor, action, &res);
    }
    tg_api_free(&api);
    return rc;
}


/*
 * Lists op's grants (its filter set), for a key with policies: every grant
 * the filter selects, less those they hide, then the page asked for (so
 * that totals and pages count only what the key may see).
 */
static int
tg_grant_list_visible(tg_service_t *svc, tg_txn_t *t, tg_api_op_t *op,
                      tg_action_t action)
{
    tg_grant_filter_t f = op->filter;
    tg_grant_t       *all = NULL;
    size_t            nall = 0, i, kept = 0, out = 0;
    int64_t           total, limit;
    int               rc, visible = 0;

    f.limit = 0; /* all of them */
    f.offset = 0;
    rc = tg_store_grant_list(t, &f, &all, &nall, &total);

    limit = op->filter.limit > 0 ? op->filter.limit : INT64_MAX;
    for (i = 0; i < nall; i++) {
        if (rc == TG_OK) {
            rc = tg_grant_visible(svc, t, op->actor, action, &all[i], &visible);
        }
        if (rc == TG_OK && visible) {
            if (kept++ >= (size_t) op->filter.offset && (int64_t) out < limit) {
                all[out++] = all[i];
                continue;
            }
        }
        tg_grant_free(&all[i]);
    }

    op->grants = all;
    op->ngrants = rc == TG_OK ? out : 0;
    op->total = rc == TG_OK ? (int64_t) kept : 0;
    if (rc != TG_OK) {
        tg_store_grant_list_free(all, out);
        op->grants = NULL;
    }
    return rc;
}


static int
tg_grant_list_app_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                      tg_audit_event_t *ev, tg_error_t *err)
{
    tg_api_op_t *op = data;
    int          rc;

    (void) ev;

    rc = tg_app_authorize_load(svc, t, op->actor,
                               TG_ACTION_DESCRIBE_AUTHORIZED_APIS, op->app_ref,
                               &op->app, err);
    if (rc != TG_OK) {
        return rc;
    }

    op->filter.app = tg_str_c(op->app.id);
    op->filter.order = TG_GRANT_ORDER_API;
    if (op->actor->policies != NULL) {
        return tg_grant_list_visible(svc, t, op,
                                     TG_ACTION_DESCRIBE_AUTHORIZED_APIS);
    }
    return tg_store_grant_list(t, &op->filter, &op->grants, &op->ngrants,
                               &op->total);
}


static int
tg_grant_list_api_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                      tg_audit_event_t *ev, tg_error_t *err)
{
    tg_api_op_t *op = data;
    int          rc;

    (void) ev;

    rc = tg_api_load(t, op->api_ref, &op->api, err);
    if (rc == TG_OK) {
        rc = tg_api_authorize(
            svc, op->actor, TG_ACTION_DESCRIBE_AUTHORIZED_APPS, &op->api, err);
    }
    if (rc != TG_OK) {
        return rc;
    }

    /* The apps listed are those the caller may list. */

    op->filter.api = tg_str_c(op->api.id);
    op->filter.account_id =
        tg_authorize_scope(op->actor, TG_RESOURCE_APP, TG_STR_NULL);
    op->filter.order = TG_GRANT_ORDER_APP;
    if (op->actor->policies != NULL) {
        return tg_grant_list_visible(svc, t, op,
                                     TG_ACTION_DESCRIBE_AUTHORIZED_APPS);
    }
    return tg_store_grant_list(t, &op->filter, &op->grants, &op->ngrants,
                               &op->total);
}


/* Checks a listing's filter and keeps what the caller may set of it. */
static int
tg_grant_filter_take(tg_api_op_t *op, const tg_grant_filter_t *filter,
                     char *stage, tg_error_t *err)
{
    const char *rule;

    if (filter == NULL) {
        return TG_OK;
    }

    if (filter->limit < 0 || filter->limit > TG_PAGE_SIZE_LIMIT) {
        return tg_error_set(err, TG_EINVALID, TG_FIELD_LIMIT,
                            "must be an integer from 1 to %d",
                            TG_PAGE_SIZE_LIMIT);
    }
    if (filter->offset < 0) {
        return tg_error_set(err, TG_EINVALID, TG_FIELD_OFFSET,
                            "must not be negative");
    }

    if (filter->stage.ptr != NULL) {
        if (tg_stage_check(filter->stage, &rule) != TG_OK) {
            return tg_error_set(err, TG_EINVALID, TG_FIELD_STAGE, "%s", rule);
        }
        tg_stage_normalize(filter->stage, stage);
        op->filter.stage = tg_str_c(stage);
    }

    op->filter.app_number = filter->app_number;
    op->filter.app_name = filter->app_name;
    op->filter.limit = filter->limit;
    op->filter.offset = filter->offset;
    return TG_OK;
}


/* Runs a grant listing and hands its result over. */
static int
tg_grant_list(tg_service_t *svc, tg_api_op_t *op,
              const tg_grant_filter_t *filter, tg_txn_body_pt body,
              tg_grant_t **items, size_t *n, int64_t *total, tg_error_t *err)
{
    char stage[TG_STAGE_MAX + 1];
    int  rc;

    rc = tg_grant_filter_take(op, filter, stage, err);
    if (rc == TG_OK) {
        rc = tg_read(svc, body, op, err);
    }
    if (rc != TG_OK) {
        tg_store_grant_list_free(op->grants, op->ngrants);
        op->grants = NULL;
        op->ngrants = 0;
        op->total = 0;
    }

    tg_api_op_free(op);
    *items = op->grants;
    *n = op->ngrants;
    *total = op->total;
    return rc;
}


int
tg_service_grant_list_by_app(tg_service_t *svc, const tg_actor_t *actor,
                             tg_str_t ref, const tg_grant_filter_t *filter,
                             tg_grant_t **items, size_t *n, int64_t *total,
                             tg_error_t *err)
{
    tg_api_op_t op;

    tg_api_op_init(&op, actor);
    op.app_ref = ref;
    return tg_grant_list(svc, &op, filter, tg_grant_list_app_txn, items, n,
                         total, err);
}


int
tg_service_grant_list_by_api(tg_service_t *svc, const tg_actor_t *actor,
                             tg_str_t api_ref, const tg_grant_filter_t *filter,
                             tg_grant_t **items, size_t *n, int64_t *total,
                             tg_error_t *err)
{
    tg_api_op_t op;

    tg_api_op_init(&op, actor);
    op.api_ref = api_ref;
    return tg_grant_list(svc, &op, filter, tg_grant_list_api_txn, items, n,
                         total, err);
}


/* Grants or revokes on several (app, API) pairs in one transaction. */
typedef struct {
    const tg_actor_t      *actor;
    const tg_str_t        *apps;
    const tg_str_t        *apis;
    size_t                 n;
    const tg_grant_spec_t *spec;  /* put */
    tg_str_t               stage; /* delete */
    int                    put;
} tg_grant_batch_t;


static int
tg_grant_batch_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                   tg_audit_event_t *ev, tg_error_t *err)
{
    tg_grant_batch_t *b = data;
    tg_api_op_t       op;
    tg_grant_t        grant;
    size_t            i;
    int               rc = TG_OK;

    for (i = 0; i < b->n && rc == TG_OK; i++) {
        tg_api_op_init(&op, b->actor);
        memset(&grant, 0, sizeof(grant));
        op.app_ref = b->apps[i];
        op.api_ref = b->apis[i];
        op.grant_spec = b->spec;
        op.grant_out = &grant;
        op.stage = b->stage;

        rc = b->put ? tg_grant_put_txn(svc, t, &op, ev, err)
                    : tg_grant_delete_txn(svc, t, &op, ev, err);

        tg_grant_free(&grant);
        tg_store_grant_list_free(op.grants, op.ngrants);
        tg_api_op_free(&op);
    }

    if (rc == TG_OK && b->n > 1) {
        tg_audit_detail(ev, "{\"grants\":%zu}", b->n);
        snprintf(ev->target, sizeof(ev->target), "%zu grants", b->n);
    }

    return rc;
}


/* Checks a batch's inputs; returns 0 or an error in err. */
static int
tg_grant_batch_check(const tg_grant_batch_t *b, tg_error_t *err)
{
    const char *rule;

    if (b->n == 0) {
        return tg_error_set(err, TG_EMISSING, TG_FIELD_NONE,
                            "name at least one app and API");
    }
    if (b->put && b->spec->expires_at != 0
        && b->spec->expires_at <= tg_time_now_ms())
    {
        return tg_error_set(err, TG_EINVALID, TG_FIELD_EXPIRES_AT,
                            "must be in the future");
    }
    if (b->put && b->spec->stage.ptr != NULL && b->spec->stage.len > 0
        && tg_stage_check(b->spec->stage, &rule) != TG_OK)
    {
        return tg_error_set(err, TG_EINVALID, TG_FIELD_STAGE, "%s", rule);
    }
    if (!b->put && b->stage.ptr != NULL
        && tg_stage_check(b->stage, &rule) != TG_OK) {
        return tg_error_set(err, TG_EINVALID, TG_FIELD_STAGE, "%s", rule);
    }

    return TG_OK;
}


static int
tg_grant_batch(tg_service_t *svc, tg_grant_batch_t *b, tg_error_t *err)
{
    tg_audit_event_t ev;
    int              rc;

    tg_audit_begin(&ev, b->actor,
                   b->put ? TG_ACTION_SET_APPS_AUTHORITIES
                          : TG_ACTION_REMOVE_APPS_AUTHORITIES,
                   "grant", b->n > 0 ? b->apis[0] : TG_STR(""));

    rc = tg_grant_batch_check(b, err);
    return rc == TG_OK ? tg_write(svc, &ev, tg_grant_batch_txn, b, err)
                       : tg_audit_failure(svc, &ev, rc, err);
}


int
tg_service_grants_put(tg_service_t *svc, const tg_actor_t *actor,
                      const tg_str_t *apps, const tg_str_t *apis, size_t n,
                      const tg_grant_spec_t *spec, tg_error_t *err)
{
    tg_grant_batch_t b = { actor, apps, apis, n, spec, TG_STR_NULL, 1 };

    return tg_grant_batch(svc, &b, err);
}


int
tg_service_grants_delete(tg_service_t *svc, const tg_actor_t *actor,
                         const tg_str_t *apps, const tg_str_t *apis, size_t n,
                         tg_str_t stage, tg_error_t *err)
{
    tg_grant_batch_t b = { actor, apps, apis, n, NULL, stage, 0 };

    return tg_grant_batch(svc, &b, err);
}
