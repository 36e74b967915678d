/*
 * The data plane's feed: the change log, and the apps it names read in
 * the same snapshot, secrets opened for the projection to re-seal.
 */

#include <stdlib.h>
#include <string.h>

#include "service/service_int.h"


static void
tg_dp_strings_free(char **items, size_t n)
{
    size_t i;

    if (items == NULL) {
        return;
    }
    for (i = 0; i < n; i++) {
        tg_secret_free(items[i]);
    }
    free(items);
}


static void
tg_dp_app_free(tg_dp_app_t *a)
{
    tg_dp_strings_free(a->secrets, a->npairs);
    tg_dp_strings_free(a->prev_secrets, a->npairs);
    tg_dp_strings_free(a->codes, a->ncodes);
    free(a->codes_set);
    tg_store_cred_list_free(a->pairs, a->npairs);
    tg_store_grant_list_free(a->grants, a->ngrants);
    if (a->exists) {
        tg_app_free(&a->app);
    }
    memset(a, 0, sizeof(*a));
}


/* Opens the pairs' secrets, current and in grace. */
static int
tg_dp_open_pairs(tg_service_t *svc, tg_dp_app_t *a)
{
    const tg_cred_t *kp;
    size_t           i;
    int              rc = TG_OK;

    a->secrets = calloc(a->npairs + 1, sizeof(char *));
    a->prev_secrets = calloc(a->npairs + 1, sizeof(char *));
    if (a->secrets == NULL || a->prev_secrets == NULL) {
        return TG_ENOMEM;
    }

    for (i = 0; i < a->npairs && rc == TG_OK; i++) {
        kp = &a->pairs[i];
        rc = tg_unseal_for(svc, TG_SEAL_KEY_PAIR, kp->id, kp->sealed,
                           &a->secrets[i]);
        if (rc == TG_OK && kp->prev_sealed != NULL) {
            rc = tg_unseal_for(svc, TG_SEAL_KEY_PAIR, kp->id, kp->prev_sealed,
                               &a->prev_secrets[i]);
        }
    }
    return rc;
}


static int
tg_dp_open_codes(tg_service_t *svc, tg_txn_t *t, tg_dp_app_t *a)
{
    tg_cred_t *codes = NULL;
    size_t     n = 0, i;
    int        rc;

    rc = tg_store_cred_list(t, TG_CRED_APP_CODE, tg_str_c(a->id), &codes, &n);
    if (rc != TG_OK) {
        return rc;
    }

    a->codes = calloc(n + 1, sizeof(char *));
    a->codes_set = calloc(n + 1, sizeof(int64_t));
    if (a->codes == NULL || a->codes_set == NULL) {
        tg_store_cred_list_free(codes, n);
        return TG_ENOMEM;
    }
    a->ncodes = n;

    for (i = 0; i < n && rc == TG_OK; i++) {
        rc = tg_unseal_for(svc, TG_SEAL_APP_CODE, codes[i].id, codes[i].sealed,
                           &a->codes[i]);
        a->codes_set[i] = codes[i].secret_at;
    }

    tg_store_cred_list_free(codes, n);
    return rc;
}


/* Reads app id's current state into a. */
static int
tg_dp_app_read(tg_service_t *svc, tg_txn_t *t, const char *id, tg_dp_app_t *a)
{
    tg_cred_policy_t policy;
    int              rc;

    memset(a, 0, sizeof(*a));
    memcpy(a->id, id, sizeof(a->id));

    rc = tg_store_app_get(t, tg_str_c(id), &a->app);
    if (rc == TG_EAPP_NOT_FOUND) {
        return TG_OK;
    }
    if (rc != TG_OK) {
        return rc;
    }
    a->exists = 1;

    rc = tg_account_policy(t, a->app.account_id, &policy, NULL);
    a->max_secret_age = policy.max_secret_age;
    if (rc == TG_OK) {
        rc = tg_store_cred_list(t, TG_CRED_KEY_PAIR, tg_str_c(id), &a->pairs,
                                &a->npairs);
    }
    if (rc == TG_OK) {
        rc = tg_dp_open_pairs(svc, a);
    }
    if (rc == TG_OK) {
        rc = tg_dp_open_codes(svc, t, a);
    }
    if (rc == TG_OK) {
        rc = tg_store_grant_list_by_app(t, tg_str_c(id), &a->grants,
                                        &a->ngrants);
    }
    return rc;
}


/* The distinct apps that changes concern, in first-seen order. */
static size_t
tg_dp_collect(const tg_change_t *changes, size_t n, const char **ids)
{
    size_t i, j, count = 0;

    for (i = 0; i < n; i++) {
        if (changes[i].app[0] == '\0') {
            continue; /* an API: its grants log their own changes */
        }
        for (j = 0; j < count; j++) {
            if (strcmp(ids[j], changes[i].app) == 0) {
                break;
            }
        }
        if (j == count) {
            ids[count++] = changes[i].app;
        }
    }
    return count;
}


int
tg_service_dp_changes(tg_service_t *svc, int64_t *seq, int64_t limit,
                      tg_dp_apply_pt apply, void *data, int *more,
                      tg_error_t *err)
{
    tg_change_t *changes = NULL;
    tg_dp_app_t *apps = NULL;
    const char **ids = NULL;
    tg_txn_t     t;
    size_t       n = 0, napps = 0, i;
    int          rc;

    *more = 0;
    rc = tg_begin(svc, 0, &t, err);
    if (rc != TG_OK) {
        return rc;
    }

    rc = tg_store_change_list(&t, *seq, limit, &changes, &n);
    if (rc != TG_OK || n == 0) {
        goto done;
    }

    ids = calloc(n, sizeof(char *));
    apps = calloc(n, sizeof(tg_dp_app_t));
    if (ids == NULL || apps == NULL) {
        rc = TG_ENOMEM;
        goto done;
    }

    napps = tg_dp_collect(changes, n, ids);
    for (i = 0; i < napps && rc == TG_OK; i++) {
        rc = tg_dp_app_read(svc, &t, ids[i], &apps[i]);
    }

    if (rc == TG_OK) {
        rc = apply(data, changes[n - 1].seq, apps, napps);
    }
    if (rc == TG_OK) {
        *seq = changes[n - 1].seq;
        *more = (int64_t) n == limit;
    }

done:
    tg_txn_rollback(&t);
    for (i = 0; apps != NULL && i < napps; i++) {
        tg_dp_app_free(&apps[i]);
    }
    free(apps);
    free(ids);
    free(changes);
    return rc == TG_OK ? rc : tg_error_code(err, rc);
}


int
tg_service_dp_log_check(tg_service_t *svc, int64_t seq, int *rebuild,
                        int64_t *horizon, int64_t *latest, tg_error_t *err)
{
    tg_txn_t t;
    int      rc;

    *rebuild = 0;
    *horizon = *latest = 0;
    rc = tg_begin(svc, 0, &t, err);
    if (rc != TG_OK) {
        return rc;
    }

    rc = tg_store_change_horizon(&t, horizon);
    if (rc == TG_OK) {
        rc = tg_store_change_last(&t, latest);
    }
    tg_txn_rollback(&t);

    *rebuild = rc == TG_OK && (seq < *horizon || seq > *latest);
    return rc == TG_OK ? rc : tg_error_code(err, rc);
}


/* Reads one page of apps after *after and applies it at seq; sets
 * *after to its last id and *n to its size. */
static int
tg_dp_rebuild_page(tg_service_t *svc, char *after, int64_t limit, int64_t seq,
                   tg_dp_apply_pt apply, void *data, size_t *n)
{
    char(*ids)[TG_ID_LEN + 1] = NULL;
    tg_dp_app_t *apps = NULL;
    tg_txn_t     t;
    size_t       i;
    int          rc;

    *n = 0;
    rc = tg_txn_begin(svc->store, 0, &t);
    if (rc != TG_OK) {
        return rc;
    }

    rc = tg_store_app_id_page(&t, tg_str_c(after), limit, &ids, n);
    if (rc == TG_OK) {
        apps = calloc(*n + 1, sizeof(tg_dp_app_t));
        rc = apps == NULL ? TG_ENOMEM : TG_OK;
    }
    for (i = 0; i < *n && rc == TG_OK; i++) {
        rc = tg_dp_app_read(svc, &t, ids[i], &apps[i]);
    }
    tg_txn_rollback(&t);

    if (rc == TG_OK) {
        rc = apply(data, seq, apps, *n);
    }
    if (rc == TG_OK && *n > 0) {
        memcpy(after, ids[*n - 1], TG_ID_LEN + 1);
    }

    for (i = 0; apps != NULL && i < *n; i++) {
        tg_dp_app_free(&apps[i]);
    }
    free(apps);
    free(ids);
    return rc;
}


int
tg_service_dp_rebuild(tg_service_t *svc, int64_t limit, tg_dp_apply_pt apply,
                      void *data, int64_t *seq, tg_error_t *err)
{
    char     after[TG_ID_LEN + 1] = "";
    tg_txn_t t;
    size_t   n = 0;
    int      rc;

    *seq = 0;
    rc = tg_begin(svc, 0, &t, err);
    if (rc != TG_OK) {
        return rc;
    }
    rc = tg_store_change_last(&t, seq);
    tg_txn_rollback(&t);

    do {
        if (rc == TG_OK) {
            rc = tg_dp_rebuild_page(svc, after, limit, *seq, apply, data, &n);
        }
    } while (rc == TG_OK && (int64_t) n == limit);

    return rc == TG_OK ? rc : tg_error_code(err, rc);
}


void
tg_service_on_dp_health(tg_service_t *svc, tg_dp_health_pt fn, void *data)
{
    svc->on_dp_health = fn;
    svc->on_dp_health_data = data;
}


int
tg_service_dp_health(tg_service_t *svc, tg_dp_health_t *h, tg_error_t *err)
{
    tg_txn_t t;
    int      rc;

    memset(h, 0, sizeof(*h));
    if (svc->on_dp_health == NULL) {
        return TG_OK;
    }
    svc->on_dp_health(svc->on_dp_health_data, h);
    h->reported = 1;

    rc = tg_begin(svc, 0, &t, err);
    if (rc == TG_OK) {
        rc = tg_store_change_last(&t, &h->latest_seq);
        tg_txn_rollback(&t);
    }
    if (rc != TG_OK) {
        h->store_down = 1;
        h->latest_seq = h->applied_seq;
        memset(err, 0, sizeof(*err));
    }
    if (h->latest_seq < h->applied_seq) {
        h->latest_seq = h->applied_seq;
    }
    return TG_OK;
}


const char *
tg_dp_health_status(const tg_dp_health_t *h)
{
    if (h->failing_since != 0) {
        return "failing";
    }
    return h->latest_seq > h->applied_seq ? "lagging" : "ok";
}
