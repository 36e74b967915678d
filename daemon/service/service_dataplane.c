/*
 * The data plane's feed: the change log, and the apps it names read in
 * the same snapshot, secrets opened for the projection to re-seal.
 */

#include <stddef.h>
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


/* Opens codes (n of them) into a. */
static int
tg_dp_codes_open(tg_service_t *svc, tg_dp_app_t *a, const tg_cred_t *codes,
                 size_t n)
{
    size_t i;
    int    rc = TG_OK;

    a->codes = calloc(n + 1, sizeof(char *));
    a->codes_set = calloc(n + 1, sizeof(int64_t));
    if (a->codes == NULL || a->codes_set == NULL) {
        return TG_ENOMEM;
    }
    a->ncodes = n;

    for (i = 0; i < n && rc == TG_OK; i++) {
        rc = tg_unseal_for(svc, TG_SEAL_APP_CODE, codes[i].id, codes[i].sealed,
                           &a->codes[i]);
        a->codes_set[i] = codes[i].secret_at;
    }
    return rc;
}


static int
tg_dp_open_codes(tg_service_t *svc, tg_txn_t *t, tg_dp_app_t *a)
{
    tg_cred_t *codes = NULL;
    size_t     n = 0;
    int        rc;

    rc = tg_store_cred_list(t, TG_CRED_APP_CODE, tg_str_c(a->id), &codes, &n);
    if (rc == TG_OK) {
        rc = tg_dp_codes_open(svc, a, codes, n);
    }
    tg_store_cred_list_free(codes, n);
    return rc;
}


/* The maximum secret age of the account last met in one read
 * transaction: the apps of a batch are mostly of one account. */
typedef struct {
    char    account[TG_ID_LEN + 1]; /* "": none yet */
    int64_t max_secret_age;
} tg_dp_policy_memo_t;


/* Reads app id's current state into a; memo carries the last account's
 * policy from app to app within t. */
static int
tg_dp_app_read(tg_service_t *svc, tg_txn_t *t, const char *id,
               tg_dp_policy_memo_t *memo, tg_dp_app_t *a)
{
    tg_cred_policy_t policy;
    int              rc = TG_OK;

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

    if (strcmp(memo->account, a->app.account_id) != 0) {
        rc = tg_account_policy(t, a->app.account_id, &policy, NULL);
        if (rc == TG_OK) {
            memcpy(memo->account, a->app.account_id, sizeof(memo->account));
            memo->max_secret_age = policy.max_secret_age;
        }
    }
    a->max_secret_age = memo->max_secret_age;
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
    tg_dp_policy_memo_t memo = { "", 0 };
    tg_change_t        *changes = NULL;
    tg_dp_app_t        *apps = NULL;
    const char        **ids = NULL;
    tg_txn_t            t;
    size_t              n = 0, napps = 0, i;
    int                 rc;

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
        rc = tg_dp_app_read(svc, &t, ids[i], &memo, &apps[i]);
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


/*
 * A rebuild's page: its apps and the credentials and grants of them all,
 * each by app id, and how far each list was handed out.
 */
typedef struct {
    tg_app_t   *apps;
    size_t      napps;
    tg_cred_t  *pairs;
    size_t      npairs, pair;
    tg_cred_t  *codes;
    size_t      ncodes, code;
    tg_grant_t *grants;
    size_t      ngrants, grant;
    char        account[TG_ID_LEN + 1]; /* the policy read last */
    int64_t     max_secret_age;
} tg_dp_page_t;


static void
tg_dp_page_free(tg_dp_page_t *pg)
{
    tg_store_app_list_free(pg->apps, pg->napps);
    tg_store_cred_list_free(pg->pairs, pg->npairs);
    tg_store_cred_list_free(pg->codes, pg->ncodes);
    tg_store_grant_list_free(pg->grants, pg->ngrants);
}


/* Reads the page of apps after after, then what they own in one query per
 * table (the apps in (after, last app]), all in t's snapshot. */
static int
tg_dp_page_read(tg_txn_t *t, const char *after, int64_t limit, tg_dp_page_t *pg)
{
    tg_str_t last;
    int      rc;

    rc = tg_store_app_page_untagged(t, tg_str_c(after), limit, &pg->apps,
                                    &pg->napps);
    if (rc != TG_OK || pg->napps == 0) {
        return rc;
    }
    last = tg_str_c(pg->apps[pg->napps - 1].id);

    rc = tg_store_cred_list_range(t, TG_CRED_KEY_PAIR, tg_str_c(after), last,
                                  &pg->pairs, &pg->npairs);
    if (rc == TG_OK) {
        rc = tg_store_cred_list_range(t, TG_CRED_APP_CODE, tg_str_c(after),
                                      last, &pg->codes, &pg->ncodes);
    }
    if (rc == TG_OK) {
        rc = tg_store_grant_list_range(t, tg_str_c(after), last, &pg->grants,
                                       &pg->ngrants);
    }
    return rc;
}


/* How many items from *at on belong to app id (each list is by app id,
 * in the apps' order); advances *at past them. */
static size_t
tg_dp_run(const void *items, size_t size, size_t n, size_t app_offset,
          const char *id, size_t *at)
{
    const char *p = items;
    size_t      from = *at;

    while (*at < n && strcmp(p + *at * size + app_offset, id) == 0) {
        (*at)++;
    }
    return *at - from;
}


/*
 * Moves app id's run of rows from *at on (see tg_dp_run()) into a new
 * array of *count + 1 rows (the last zeroed), and zeroes them in items so
 * that only the new array owns what they point to.  Returns the array, or
 * NULL without memory.
 */
static void *
tg_dp_take_run(void *items, size_t size, size_t n, size_t app_offset,
               const char *id, size_t *at, size_t *count)
{
    size_t from = *at;
    size_t k = tg_dp_run(items, size, n, app_offset, id, at);
    void  *run = calloc(k + 1, size);
    char  *p;

    if (run != NULL && k > 0) {
        p = (char *) items + from * size;
        memcpy(run, p, k * size);
        memset(p, 0, k * size);
    }
    *count = run != NULL ? k : 0;
    return run;
}


/* Fills a with the page's i-th app, taking its rows from pg. */
static int
tg_dp_page_app(tg_service_t *svc, tg_txn_t *t, tg_dp_page_t *pg, size_t i,
               tg_dp_app_t *a)
{
    tg_cred_policy_t policy;
    size_t           from, count;
    int              rc = TG_OK;

    memset(a, 0, sizeof(*a));
    a->app = pg->apps[i];
    memset(&pg->apps[i], 0, sizeof(pg->apps[i]));
    memcpy(a->id, a->app.id, sizeof(a->id));
    a->exists = 1;

    if (strcmp(pg->account, a->app.account_id) != 0) {
        rc = tg_account_policy(t, a->app.account_id, &policy, NULL);
        if (rc != TG_OK) {
            return rc;
        }
        memcpy(pg->account, a->app.account_id, sizeof(pg->account));
        pg->max_secret_age = policy.max_secret_age;
    }
    a->max_secret_age = pg->max_secret_age;

    a->pairs =
        tg_dp_take_run(pg->pairs, sizeof(tg_cred_t), pg->npairs,
                       offsetof(tg_cred_t, app), a->id, &pg->pair, &a->npairs);
    if (a->pairs == NULL) {
        return TG_ENOMEM;
    }
    rc = tg_dp_open_pairs(svc, a);

    from = pg->code;
    count = tg_dp_run(pg->codes, sizeof(tg_cred_t), pg->ncodes,
                      offsetof(tg_cred_t, app), a->id, &pg->code);
    if (rc == TG_OK) {
        rc = tg_dp_codes_open(svc, a, count > 0 ? &pg->codes[from] : NULL,
                              count);
    }

    if (rc == TG_OK) {
        a->grants = tg_dp_take_run(pg->grants, sizeof(tg_grant_t), pg->ngrants,
                                   offsetof(tg_grant_t, app), a->id, &pg->grant,
                                   &a->ngrants);
        rc = a->grants == NULL ? TG_ENOMEM : TG_OK;
    }
    return rc;
}


/*
 * Reads one page of apps after *after, with four queries in one snapshot
 * (apps, key pairs, AppCodes, grants) and one per account met, and
 * applies it at seq; sets *after to its last id and *n to its size.
 */
static int
tg_dp_rebuild_page(tg_service_t *svc, char *after, int64_t limit, int64_t seq,
                   tg_dp_apply_pt apply, void *data, size_t *n)
{
    tg_dp_page_t pg;
    tg_dp_app_t *apps = NULL;
    tg_txn_t     t;
    size_t       i;
    int          rc;

    *n = 0;
    memset(&pg, 0, sizeof(pg));
    rc = tg_txn_begin(svc->store, 0, &t);
    if (rc != TG_OK) {
        return rc;
    }

    rc = tg_dp_page_read(&t, after, limit, &pg);
    *n = pg.napps;
    if (rc == TG_OK) {
        apps = calloc(*n + 1, sizeof(tg_dp_app_t));
        rc = apps == NULL ? TG_ENOMEM : TG_OK;
    }
    for (i = 0; i < *n && rc == TG_OK; i++) {
        rc = tg_dp_page_app(svc, &t, &pg, i, &apps[i]);
    }
    tg_txn_rollback(&t);

    /* A row no app took: the lists disagree on the order of ids. */
    if (rc == TG_OK
        && (pg.pair != pg.npairs || pg.code != pg.ncodes
            || pg.grant != pg.ngrants))
    {
        rc = TG_ESTORE;
    }
    if (rc == TG_OK) {
        rc = apply(data, seq, apps, *n);
    }
    if (rc == TG_OK && *n > 0) {
        memcpy(after, apps[*n - 1].id, TG_ID_LEN + 1);
    }

    for (i = 0; apps != NULL && i < *n; i++) {
        tg_dp_app_free(&apps[i]);
    }
    free(apps);
    tg_dp_page_free(&pg);
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
