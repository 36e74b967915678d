/*
 * The API registry and the grants of apps to APIs.
 *
 * An API belongs to the account that registered it (its provider); its
 * name is unique across Tollgate, because nginx.conf names APIs.  Every
 * access key may read the registry, a catalogue; only the provider or an
 * admin may change an API.  A grant needs both the app (its owner or an
 * admin) and the API (its provider or an admin), so one account never
 * touches another's apps: grants across accounts are an admin's.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/rules.h"
#include "tollgate/time.h"
#include "service/service_int.h"


#define TG_DEFAULT_STAGE "RELEASE"


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


/* Whether actor may change api (register grants on it, modify it). */
static int
tg_api_owner_check(const tg_actor_t *actor, const tg_api_t *api,
                   tg_error_t *err)
{
    if (!tg_actor_reaches(actor, api->account_id)) {
        return tg_error_set(err, TG_EFORBIDDEN, TG_FIELD_NONE,
                            "only the API's provider or an admin may do this");
    }
    return TG_OK;
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


int
tg_service_api_create(tg_service_t *svc, const tg_actor_t *actor,
                      const tg_api_spec_t *spec, tg_api_t *out, tg_error_t *err)
{
    tg_audit_event_t ev;
    tg_account_t     account;
    tg_api_t         other;
    tg_txn_t         t;
    int64_t          now = tg_time_now_ms();
    int              rc;

    memset(out, 0, sizeof(*out));
    memset(&account, 0, sizeof(account));
    memset(&other, 0, sizeof(other));
    tg_audit_start(&ev, actor, "api.create", "api", spec->name);

    rc = tg_api_spec_check(spec, TG_API_SET_DESCRIPTION | TG_API_SET_STAGE, 1,
                           err);
    if (rc == TG_OK && spec->account_id.ptr != NULL && !actor->admin
        && !tg_str_eq_c(spec->account_id, actor->account_id))
    {
        rc = tg_error_set(err, TG_EFORBIDDEN, TG_FIELD_ACCOUNT_ID,
                          "only an admin key may act on another account");
    }
    if (rc == TG_OK) {
        rc = tg_begin(svc, 1, &t, err);
    }
    if (rc != TG_OK) {
        goto failed;
    }

    rc = tg_store_account_get(&t,
                              spec->account_id.ptr != NULL
                                  ? spec->account_id
                                  : tg_str_c(actor->account_id),
                              &account);
    if (rc != TG_OK) {
        tg_error_set(err, rc, TG_FIELD_ACCOUNT_ID, NULL);
    }
    if (rc == TG_OK) {
        memcpy(ev.account_id, account.id, sizeof(ev.account_id));
        rc = tg_store_api_find(&t, spec->name, &other);
        if (rc == TG_OK) {
            rc = tg_error_set(err, TG_EAPI_NAME_TAKEN, TG_FIELD_NAME, NULL);
        } else if (rc == TG_EAPI_NOT_FOUND) {
            rc = TG_OK;
        }
    }
    if (rc == TG_OK) {
        rc = tg_id_generate(out->id);
    }
    if (rc == TG_OK) {
        memcpy(out->account_id, account.id, sizeof(out->account_id));
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
        snprintf(ev.target, sizeof(ev.target), "%s", out->id);
        rc = tg_store_api_insert(&t, out);
    }
    if (rc == TG_OK) {
        rc = tg_change(&t, "api", out->id, "", "upsert");
    }
    if (rc != TG_OK) {
        tg_txn_rollback(&t);
        goto failed;
    }

    rc = tg_audit_commit(svc, &t, &ev);
    if (rc != TG_OK) {
        goto failed;
    }

    tg_account_free(&account);
    tg_api_free(&other);
    return TG_OK;

failed:

    tg_account_free(&account);
    tg_api_free(&other);
    tg_api_free(out);
    return tg_audit_failure(svc, &ev, rc, err);
}


int
tg_service_api_get(tg_service_t *svc, const tg_actor_t *actor, tg_str_t api,
                   tg_api_t *out, tg_error_t *err)
{
    tg_txn_t t;
    int      rc;

    (void) actor; /* the registry is a catalogue every key may read */
    memset(out, 0, sizeof(*out));

    rc = tg_begin(svc, 0, &t, err);
    if (rc != TG_OK) {
        return rc;
    }

    rc = tg_api_load(&t, api, out, err);
    tg_txn_rollback(&t);
    return rc;
}


int
tg_service_api_list(tg_service_t *svc, const tg_actor_t *actor,
                    tg_str_t account_id, int64_t limit, int64_t offset,
                    tg_api_t **items, size_t *n, int64_t *total,
                    tg_error_t *err)
{
    tg_txn_t t;
    int      rc;

    (void) actor;
    *items = NULL;
    *n = 0;

    rc = tg_begin(svc, 0, &t, err);
    if (rc != TG_OK) {
        return rc;
    }

    rc = tg_store_api_list(&t, account_id, limit, offset, items, n, total);
    tg_txn_rollback(&t);
    return rc == TG_OK ? rc : tg_error_code(err, rc);
}


int
tg_service_api_update(tg_service_t *svc, const tg_actor_t *actor, tg_str_t api,
                      const tg_api_spec_t *patch, unsigned set, tg_api_t *out,
                      tg_error_t *err)
{
    tg_audit_event_t ev;
    tg_txn_t         t;
    char            *description;
    int              rc;

    memset(out, 0, sizeof(*out));
    tg_audit_start(&ev, actor, "api.update", "api", api);

    rc = tg_api_spec_check(patch, set, 0, err);
    if (rc == TG_OK) {
        rc = tg_begin(svc, 1, &t, err);
    }
    if (rc != TG_OK) {
        goto failed;
    }

    rc = tg_api_load(&t, api, out, err);
    if (rc == TG_OK) {
        memcpy(ev.account_id, out->account_id, sizeof(ev.account_id));
        snprintf(ev.target, sizeof(ev.target), "%s", out->id);
        rc = tg_api_owner_check(actor, out, err);
    }
    if (rc == TG_OK && (set & TG_API_SET_DESCRIPTION)) {
        description = tg_strndup(
            patch->description.ptr != NULL ? patch->description.ptr : "",
            patch->description.len);
        if (description == NULL) {
            rc = TG_ENOMEM;
        } else {
            free(out->description);
            out->description = description;
        }
    }
    if (rc == TG_OK && (set & TG_API_SET_STAGE)) {
        out->stage[0] = '\0';
        if (patch->stage.len > 0) {
            tg_stage_normalize(patch->stage, out->stage);
        }
    }
    if (rc == TG_OK) {
        out->updated_at = tg_time_now_ms();
        rc = tg_store_api_update(&t, out);
    }
    if (rc == TG_OK) {
        rc = tg_change(&t, "api", out->id, "", "upsert");
    }
    if (rc != TG_OK) {
        tg_txn_rollback(&t);
        goto failed;
    }

    rc = tg_audit_commit(svc, &t, &ev);
    if (rc != TG_OK) {
        goto failed;
    }

    return TG_OK;

failed:

    tg_api_free(out);
    return tg_audit_failure(svc, &ev, rc, err);
}


int
tg_service_api_delete(tg_service_t *svc, const tg_actor_t *actor, tg_str_t api,
                      tg_error_t *err)
{
    tg_audit_event_t ev;
    tg_grant_t      *grants = NULL;
    tg_api_t         record;
    tg_txn_t         t;
    size_t           n = 0, i;
    int              rc;

    memset(&record, 0, sizeof(record));
    tg_audit_start(&ev, actor, "api.delete", "api", api);

    rc = tg_begin(svc, 1, &t, err);
    if (rc != TG_OK) {
        goto failed;
    }

    rc = tg_api_load(&t, api, &record, err);
    if (rc == TG_OK) {
        memcpy(ev.account_id, record.account_id, sizeof(ev.account_id));
        snprintf(ev.target, sizeof(ev.target), "%s", record.id);
        tg_audit_detail(&ev, "{\"name\":\"%s\"}", record.name);
        rc = tg_api_owner_check(actor, &record, err);
    }

    /* The data plane learns of each grant that goes with the API. */

    if (rc == TG_OK) {
        rc = tg_store_grant_list_by_api(&t, tg_str_c(record.id), TG_STR_NULL,
                                        &grants, &n);
    }
    for (i = 0; i < n && rc == TG_OK; i++) {
        rc = tg_change(&t, "grant", grants[i].id, grants[i].app, "delete");
    }
    if (rc == TG_OK) {
        rc = tg_store_api_delete(&t, tg_str_c(record.id));
    }
    if (rc == TG_OK) {
        rc = tg_change(&t, "api", record.id, "", "delete");
    }
    if (rc != TG_OK) {
        tg_txn_rollback(&t);
        goto failed;
    }

    rc = tg_audit_commit(svc, &t, &ev);
    if (rc != TG_OK) {
        goto failed;
    }

    tg_store_grant_list_free(grants, n);
    tg_api_free(&record);
    return TG_OK;

failed:

    tg_store_grant_list_free(grants, n);
    tg_api_free(&record);
    return tg_audit_failure(svc, &ev, rc, err);
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
                 api->stage[0] != '\0' ? api->stage : TG_DEFAULT_STAGE);
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


/* Loads the app and the API of a grant request and checks both. */
static int
tg_grant_parties(tg_txn_t *t, const tg_actor_t *actor, tg_str_t ref,
                 tg_str_t api_ref, tg_app_t *app, tg_api_t *api,
                 tg_audit_event_t *ev, tg_error_t *err)
{
    int rc;

    rc = tg_app_load(t, actor, ref, app, err);
    if (rc == TG_OK) {
        tg_audit_app(ev, app);
        rc = tg_api_load(t, api_ref, api, err);
    }
    if (rc == TG_OK) {
        rc = tg_api_owner_check(actor, api, err);
    }

    return rc;
}


int
tg_service_grant_put(tg_service_t *svc, const tg_actor_t *actor, tg_str_t ref,
                     tg_str_t api_ref, const tg_grant_spec_t *spec,
                     tg_grant_t *out, int *created, tg_error_t *err)
{
    tg_audit_event_t ev;
    tg_txn_t         t;
    tg_app_t         app;
    tg_api_t         api;
    char             stage[TG_STAGE_MAX + 1];
    int64_t          now = tg_time_now_ms();
    int              rc;

    memset(out, 0, sizeof(*out));
    memset(&app, 0, sizeof(app));
    memset(&api, 0, sizeof(api));
    *created = 0;
    tg_audit_start(&ev, actor, "grant.put", "grant", api_ref);

    if (spec->expires_at != 0 && spec->expires_at <= now) {
        rc = tg_error_set(err, TG_EINVALID, TG_FIELD_EXPIRES_AT,
                          "must be in the future");
        goto failed;
    }

    rc = tg_begin(svc, 1, &t, err);
    if (rc != TG_OK) {
        goto failed;
    }

    rc = tg_grant_parties(&t, actor, ref, api_ref, &app, &api, &ev, err);
    if (rc == TG_OK) {
        rc = tg_grant_stage(&api, spec->stage, stage, err);
    }
    if (rc == TG_OK) {
        tg_audit_detail(&ev, "{\"api\":\"%s\",\"stage\":\"%s\"}", api.name,
                        stage);
        rc = tg_store_grant_find(&t, tg_str_c(app.id), tg_str_c(api.id),
                                 tg_str_c(stage), out);
        if (rc == TG_OK) {
            out->expires_at = spec->expires_at;
            out->updated_at = now;
            rc = tg_store_grant_update(&t, out);

        } else if (rc == TG_EGRANT_NOT_FOUND) {
            *created = 1;
            rc = tg_id_generate(out->id);
            if (rc == TG_OK) {
                memcpy(out->app, app.id, sizeof(out->app));
                memcpy(out->api, api.id, sizeof(out->api));
                memcpy(out->stage, stage, sizeof(out->stage));
                out->expires_at = spec->expires_at;
                out->created_at = now;
                out->updated_at = now;
                rc = tg_store_grant_insert(&t, out);
            }
        }
    }
    if (rc == TG_OK) {
        snprintf(ev.target, sizeof(ev.target), "%s", out->id);
        rc = tg_change(&t, "grant", out->id, app.id, "upsert");
    }
    if (rc == TG_OK) {
        tg_grant_free(out);
        rc = tg_store_grant_find(&t, tg_str_c(app.id), tg_str_c(api.id),
                                 tg_str_c(stage), out);
    }
    if (rc != TG_OK) {
        tg_txn_rollback(&t);
        goto failed;
    }

    rc = tg_audit_commit(svc, &t, &ev);
    if (rc != TG_OK) {
        goto failed;
    }

    tg_app_free(&app);
    tg_api_free(&api);
    return TG_OK;

failed:

    tg_app_free(&app);
    tg_api_free(&api);
    tg_grant_free(out);
    return tg_audit_failure(svc, &ev, rc, err);
}


int
tg_service_grant_delete(tg_service_t *svc, const tg_actor_t *actor,
                        tg_str_t ref, tg_str_t api_ref, tg_str_t stage,
                        tg_error_t *err)
{
    tg_audit_event_t ev;
    tg_grant_t      *grants = NULL;
    tg_txn_t         t;
    tg_app_t         app;
    tg_api_t         api;
    char             normal[TG_STAGE_MAX + 1];
    const char      *rule;
    size_t           n = 0, i, deleted = 0;
    int              rc;

    memset(&app, 0, sizeof(app));
    memset(&api, 0, sizeof(api));
    tg_audit_start(&ev, actor, "grant.delete", "grant", api_ref);

    if (stage.ptr != NULL && tg_stage_check(stage, &rule) != TG_OK) {
        rc = tg_error_set(err, TG_EINVALID, TG_FIELD_STAGE, "%s", rule);
        goto failed;
    }
    if (stage.ptr != NULL) {
        tg_stage_normalize(stage, normal);
    }

    rc = tg_begin(svc, 1, &t, err);
    if (rc != TG_OK) {
        goto failed;
    }

    rc = tg_grant_parties(&t, actor, ref, api_ref, &app, &api, &ev, err);
    if (rc == TG_OK) {
        tg_audit_detail(&ev, "{\"api\":\"%s\",\"stage\":\"%s\"}", api.name,
                        stage.ptr != NULL ? normal : "*");
        rc = tg_store_grant_list_by_app(&t, tg_str_c(app.id), &grants, &n);
    }

    for (i = 0; i < n && rc == TG_OK; i++) {
        if (strcmp(grants[i].api, api.id) != 0
            || (stage.ptr != NULL && strcmp(grants[i].stage, normal) != 0))
        {
            continue;
        }

        rc = tg_store_grant_delete(&t, tg_str_c(grants[i].id));
        if (rc == TG_OK) {
            rc = tg_change(&t, "grant", grants[i].id, app.id, "delete");
        }
        deleted++;
    }

    if (rc == TG_OK && deleted == 0) {
        rc = tg_error_code(err, TG_EGRANT_NOT_FOUND);
    }
    if (rc != TG_OK) {
        tg_txn_rollback(&t);
        goto failed;
    }

    rc = tg_audit_commit(svc, &t, &ev);
    if (rc != TG_OK) {
        goto failed;
    }

    tg_store_grant_list_free(grants, n);
    tg_app_free(&app);
    tg_api_free(&api);
    return TG_OK;

failed:

    tg_store_grant_list_free(grants, n);
    tg_app_free(&app);
    tg_api_free(&api);
    return tg_audit_failure(svc, &ev, rc, err);
}


int
tg_service_grant_list_by_app(tg_service_t *svc, const tg_actor_t *actor,
                             tg_str_t ref, tg_grant_t **items, size_t *n,
                             tg_error_t *err)
{
    tg_txn_t t;
    tg_app_t app;
    int      rc;

    *items = NULL;
    *n = 0;
    memset(&app, 0, sizeof(app));

    rc = tg_begin(svc, 0, &t, err);
    if (rc != TG_OK) {
        return rc;
    }

    rc = tg_app_load(&t, actor, ref, &app, err);
    if (rc == TG_OK) {
        rc = tg_store_grant_list_by_app(&t, tg_str_c(app.id), items, n);
    }

    tg_txn_rollback(&t);
    tg_app_free(&app);
    return rc == TG_OK ? rc : tg_error_code(err, rc);
}


int
tg_service_grant_list_by_api(tg_service_t *svc, const tg_actor_t *actor,
                             tg_str_t api_ref, tg_grant_t **items, size_t *n,
                             tg_error_t *err)
{
    tg_txn_t t;
    tg_api_t api;
    int      rc;

    *items = NULL;
    *n = 0;
    memset(&api, 0, sizeof(api));

    rc = tg_begin(svc, 0, &t, err);
    if (rc != TG_OK) {
        return rc;
    }

    /* A non-admin sees only the grants that reach its own apps. */

    rc = tg_api_load(&t, api_ref, &api, err);
    if (rc == TG_OK) {
        rc = tg_store_grant_list_by_api(
            &t, tg_str_c(api.id),
            actor->admin ? TG_STR_NULL : tg_str_c(actor->account_id), items, n);
    }

    tg_txn_rollback(&t);
    tg_api_free(&api);
    return rc == TG_OK ? rc : tg_error_code(err, rc);
}
