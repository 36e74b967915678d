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

    if (rc == TG_OK && stored == NULL) {
        rc = tg_seal_for(svc, TG_SEAL_META, TG_KEYRING_CHECK,
                         TG_STR(TG_KEYRING_CHECK_VALUE), &sealed);
        if (rc == TG_OK) {
            rc = tg_store_meta_put(&t, TG_KEYRING_CHECK, tg_str_c(sealed));
        }

    } else if (rc == TG_OK) {
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


static int
tg_reseal_pairs(const tg_service_t *svc, tg_txn_t *t, int64_t *count)
{
    tg_key_pair_t *page;
    char           after[TG_ID_LEN + 1] = "";
    size_t         n, i;
    int            rc;

    do {
        rc = tg_store_key_pair_page(t, tg_str_c(after), TG_RESEAL_PAGE, &page,
                                    &n);

        for (i = 0; i < n && rc == TG_OK; i++) {
            tg_key_pair_t *kp = &page[i];

            rc = tg_reseal(svc, TG_SEAL_KEY_PAIR, kp->id, &kp->secret_sealed);
            if (rc == TG_OK && kp->prev_secret_sealed != NULL) {
                rc = tg_reseal(svc, TG_SEAL_KEY_PAIR, kp->id,
                               &kp->prev_secret_sealed);
            }
            if (rc == TG_OK) {
                rc = tg_store_key_pair_update(t, kp);
                memcpy(after, kp->id, sizeof(after));
                (*count)++;
            }
        }

        tg_store_key_pair_list_free(page, n);
    } while (rc == TG_OK && n == TG_RESEAL_PAGE);

    return rc;
}


static int
tg_reseal_codes(const tg_service_t *svc, tg_txn_t *t, int64_t *count)
{
    tg_app_code_t *page;
    char           after[TG_ID_LEN + 1] = "";
    size_t         n, i;
    int            rc;

    do {
        rc = tg_store_app_code_page(t, tg_str_c(after), TG_RESEAL_PAGE, &page,
                                    &n);

        for (i = 0; i < n && rc == TG_OK; i++) {
            rc = tg_reseal(svc, TG_SEAL_APP_CODE, page[i].id,
                           &page[i].code_sealed);
            if (rc == TG_OK) {
                rc = tg_store_app_code_update(t, &page[i]);
                memcpy(after, page[i].id, sizeof(after));
                (*count)++;
            }
        }

        tg_store_app_code_list_free(page, n);
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
    int64_t pairs;
    int64_t codes;
    int64_t access_keys;
} tg_reseal_counts_t;


static int
tg_reseal_txn(tg_service_t *svc, tg_txn_t *t, void *data, tg_audit_event_t *ev,
              tg_error_t *err)
{
    tg_reseal_counts_t *counts = data;
    char               *check = NULL;
    int                 rc;

    rc = tg_reseal_pairs(svc, t, &counts->pairs);
    if (rc == TG_OK) {
        rc = tg_reseal_codes(svc, t, &counts->codes);
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
        tg_audit_detail(ev,
                        "{\"primary\":\"%s\",\"key_pairs\":%lld,"
                        "\"app_codes\":%lld,\"access_keys\":%lld}",
                        tg_keyring_primary(svc->keyring),
                        (long long) counts->pairs, (long long) counts->codes,
                        (long long) counts->access_keys);
    }

    return rc == TG_OK ? rc : tg_error_code(err, rc);
}


int
tg_service_keyring_reseal(tg_service_t *svc, const tg_actor_t *actor,
                          int64_t *pairs, int64_t *codes, tg_error_t *err)
{
    tg_reseal_counts_t counts = { 0, 0, 0 };
    tg_audit_event_t   ev;
    int                rc;

    tg_audit_start(&ev, actor, "keyring.rotate", "keyring",
                   tg_str_c(tg_keyring_primary(svc->keyring)));

    rc = tg_write(svc, &ev, tg_reseal_txn, &counts, err);
    *pairs = rc == TG_OK ? counts.pairs : 0;
    *codes = rc == TG_OK ? counts.codes : 0;
    return rc;
}
