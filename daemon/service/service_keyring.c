/*
 * The keyring as the store sees it: a check that the keyring opens this
 * store's secrets, and re-sealing every secret under a new primary key
 * when the keyring rotates.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/service_int.h"


#define TG_KEYRING_CHECK       "keyring_check"
#define TG_KEYRING_CHECK_VALUE "tollgate keyring check"
#define TG_SEAL_META           "meta:"
#define TG_RESEAL_PAGE         256


int
tg_service_keyring_verify(tg_service_t *svc, tg_error_t *err)
{
    tg_txn_t t;
    char    *stored = NULL, *opened = NULL, *sealed = NULL;
    int      rc;

    rc = tg_begin(svc, 1, &t, err);
    if (rc != TG_OK) {
        return rc;
    }

    rc = tg_store_meta_get(&t, TG_KEYRING_CHECK, &stored);

    /*
     * A new store takes this keyring's check.  Several nodes starting at
     * once on an empty shared store race here: only the first check is
     * written, and each node then verifies the one that is there, so a
     * node with another keyring stops (TG_ESEALED) instead of serving
     * secrets it sealed under a key the others cannot open.
     */
    if (rc == TG_OK && stored == NULL) {
        rc = tg_seal_for(svc, TG_SEAL_META, TG_KEYRING_CHECK,
                         TG_STR(TG_KEYRING_CHECK_VALUE), &sealed);
        if (rc == TG_OK) {
            rc = tg_store_meta_add(&t, TG_KEYRING_CHECK, tg_str_c(sealed));
        }
        if (rc == TG_OK) {
            rc = tg_store_meta_get(&t, TG_KEYRING_CHECK, &stored);
        }
        if (rc == TG_OK && stored == NULL) {
            rc = TG_ESTORE;
        }
    }

    if (rc == TG_OK) {
        rc =
            tg_unseal_for(svc, TG_SEAL_META, TG_KEYRING_CHECK, stored, &opened);
        if (rc == TG_OK && strcmp(opened, TG_KEYRING_CHECK_VALUE) != 0) {
            rc = TG_ESEALED;
        }
    }

    if (rc == TG_OK) {
        rc = tg_txn_commit(&t);
    } else {
        tg_txn_rollback(&t);
    }

    free(stored);
    free(sealed);
    tg_secret_free(opened);
    return rc == TG_OK ? rc : tg_error_code(err, rc);
}


/*
 * Replaces *sealed (bound to context:id) with the same secret sealed
 * under the primary key.
 */
static int
tg_reseal(const tg_service_t *svc, const char *context, const char *id,
          char **sealed)
{
    char *plain = NULL, *again = NULL;
    int   rc;

    rc = tg_unseal_for(svc, context, id, *sealed, &plain);
    if (rc == TG_OK) {
        rc = tg_seal_for(svc, context, id, tg_str_c(plain), &again);
    }

    tg_secret_free(plain);

    if (rc == TG_OK) {
        free(*sealed);
        *sealed = again;
    }

    return rc;
}


/* Re-seals every credential of kind, a page at a time. */
static int
tg_reseal_creds(const tg_service_t *svc, tg_txn_t *t,
                const tg_cred_rules_t *kind, int64_t *count)
{
    tg_cred_t *page;
    char       after[TG_ID_LEN + 1] = "";
    size_t     n, i;
    int        rc;

    do {
        rc = tg_store_cred_page(t, kind->kind, tg_str_c(after), TG_RESEAL_PAGE,
                                &page, &n);

        for (i = 0; i < n && rc == TG_OK; i++) {
            tg_cred_t *c = &page[i];

            rc = tg_reseal(svc, kind->seal, c->id, &c->sealed);
            if (rc == TG_OK && c->prev_sealed != NULL) {
                rc = tg_reseal(svc, kind->seal, c->id, &c->prev_sealed);
            }
            if (rc == TG_OK) {
                rc = tg_store_cred_update(t, kind->kind, c);
                memcpy(after, c->id, sizeof(after));
                (*count)++;
            }
        }

        tg_store_cred_list_free(page, n);
    } while (rc == TG_OK && n == TG_RESEAL_PAGE);

    return rc;
}


static int
tg_reseal_access_keys(const tg_service_t *svc, tg_txn_t *t, int64_t *count)
{
    tg_access_key_t *keys = NULL;
    size_t           n = 0, i;
    int              rc;

    rc = tg_store_access_key_list(t, TG_STR_NULL, &keys, &n);

    for (i = 0; i < n && rc == TG_OK; i++) {
        if (keys[i].secret_sealed == NULL) {
            continue;
        }
        rc = tg_reseal(svc, TG_SEAL_ACCESS, keys[i].id, &keys[i].secret_sealed);
        if (rc == TG_OK) {
            rc = tg_store_access_key_seal(t, tg_str_c(keys[i].id),
                                          tg_str_c(keys[i].secret_sealed));
            (*count)++;
        }
    }

    tg_store_access_key_list_free(keys, n);
    return rc;
}


typedef struct {
    int64_t creds[TG_CRED_KINDS];
    int64_t access_keys;
} tg_reseal_counts_t;


/* The audit detail: the new primary key and what was re-sealed, as
 * {"primary":"k2","key_pairs":1,"app_codes":2,"access_keys":1}. */
static int
tg_reseal_detail(const tg_service_t *svc, const tg_reseal_counts_t *counts,
                 tg_audit_event_t *ev)
{
    tg_buf_t b = TG_BUF_INIT;
    size_t   k;
    int      rc;

    rc = tg_buf_printf(&b, "{\"primary\":\"%s\"",
                       tg_keyring_primary(svc->keyring));

    /* Each kind counts under its name in the plural. */
    for (k = 0; k < TG_CRED_KINDS && rc == TG_OK; k++) {
        rc = tg_buf_printf(&b, ",\"%ss\":%lld", tg_cred_kinds[k].name,
                           (long long) counts->creds[k]);
    }
    if (rc == TG_OK) {
        rc = tg_buf_printf(&b, ",\"access_keys\":%lld}",
                           (long long) counts->access_keys);
    }
    if (rc == TG_OK) {
        tg_audit_detail(ev, "%s", b.ptr);
    }

    tg_buf_free(&b);
    return rc;
}


static int
tg_reseal_txn(tg_service_t *svc, tg_txn_t *t, void *data, tg_audit_event_t *ev,
              tg_error_t *err)
{
    tg_reseal_counts_t *counts = data;
    char               *check = NULL;
    size_t              k;
    int                 rc = TG_OK;

    for (k = 0; k < TG_CRED_KINDS && rc == TG_OK; k++) {
        rc = tg_reseal_creds(svc, t, &tg_cred_kinds[k], &counts->creds[k]);
    }
    if (rc == TG_OK) {
        rc = tg_reseal_access_keys(svc, t, &counts->access_keys);
    }
    if (rc == TG_OK) {
        rc = tg_store_meta_get(t, TG_KEYRING_CHECK, &check);
    }
    if (rc == TG_OK && check != NULL) {
        rc = tg_reseal(svc, TG_SEAL_META, TG_KEYRING_CHECK, &check);
        if (rc == TG_OK) {
            rc = tg_store_meta_put(t, TG_KEYRING_CHECK, tg_str_c(check));
        }
    }

    free(check);

    if (rc == TG_OK) {
        rc = tg_reseal_detail(svc, counts, ev);
    }

    return rc == TG_OK ? rc : tg_error_code(err, rc);
}


int
tg_service_keyring_reseal(tg_service_t *svc, const tg_actor_t *actor,
                          int64_t *pairs, int64_t *codes, tg_error_t *err)
{
    tg_reseal_counts_t counts;
    tg_audit_event_t   ev;
    tg_resource_t      res;
    int                rc;

    memset(&counts, 0, sizeof(counts));
    tg_audit_begin(&ev, actor, TG_ACTION_ROTATE_KEYRING, "keyring",
                   tg_str_c(tg_keyring_primary(svc->keyring)));

    tg_resource_init(&res, svc->region, TG_RESOURCE_KEYRING, TG_STR_NULL,
                     tg_str_c(tg_keyring_primary(svc->keyring)));
    rc = tg_authorize(actor, TG_ACTION_ROTATE_KEYRING, &res, err);

    rc = rc == TG_OK ? tg_write(svc, &ev, tg_reseal_txn, &counts, err)
                     : tg_audit_failure(svc, &ev, rc, err);
    *pairs = rc == TG_OK ? counts.creds[TG_CRED_KEY_PAIR] : 0;
    *codes = rc == TG_OK ? counts.creds[TG_CRED_APP_CODE] : 0;
    return rc;
}
