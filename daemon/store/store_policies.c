/*
 * Access-control policies: an account's named policies and the
 * attachments of policies to access keys.  The store keeps documents as
 * text; the core service validates them before they get here.
 */

#include <stdlib.h>

#include "tollgate/error.h"
#include "store/store_int.h"


#define TG_POLICY_COLUMNS \
    "account_id, name, description, document, created_at, updated_at"


void
tg_policy_record_free(tg_policy_record_t *p)
{
    free(p->name);
    free(p->description);
    free(p->document);
    p->name = p->description = p->document = NULL;
}


void
tg_policy_record_list_free(tg_policy_record_t *items, size_t n)
{
    size_t i;

    for (i = 0; items != NULL && i < n; i++) {
        tg_policy_record_free(&items[i]);
    }
    free(items);
}


void
tg_key_policy_list_free(tg_key_policy_t *items, size_t n)
{
    size_t i;

    for (i = 0; items != NULL && i < n; i++) {
        free(items[i].name);
        free(items[i].document);
    }
    free(items);
}


static void
tg_policy_read(tg_cursor_t *c, void *item)
{
    tg_policy_record_t *p = item;

    tg_col_copy(c, 0, p->account_id, sizeof(p->account_id));
    p->name = tg_col_dup(c, 1);
    p->description = tg_col_dup(c, 2);
    p->document = tg_col_dup(c, 3);
    p->created_at = tg_col_int(c, 4);
    p->updated_at = tg_col_int(c, 5);
}


static void
tg_policy_release(void *item)
{
    tg_policy_record_free(item);
}


int
tg_store_policy_insert(tg_txn_t *t, const tg_policy_record_t *p)
{
    int rc;

    rc = tg_run(t,
                "INSERT INTO policies (" TG_POLICY_COLUMNS ") "
                "VALUES ($1, $2, $3, $4, $5, $6)",
                TG_PARAMS(TG_P_CSTR(p->account_id), TG_P_CSTR(p->name),
                          TG_P_CSTR(p->description), TG_P_CSTR(p->document),
                          TG_P_INT(p->created_at), TG_P_INT(p->updated_at)),
                NULL);

    return rc == TG_ECONFLICT ? TG_EPOLICY_NAME_TAKEN : rc;
}


int
tg_store_policy_get(tg_txn_t *t, tg_str_t account_id, tg_str_t name,
                    tg_policy_record_t *out)
{
    return tg_read_one(t,
                       "SELECT " TG_POLICY_COLUMNS " FROM policies "
                       "WHERE account_id = $1 AND name = $2",
                       TG_PARAMS(TG_P_TEXT(account_id), TG_P_TEXT(name)),
                       tg_policy_read, tg_policy_release, out,
                       TG_EPOLICY_NOT_FOUND);
}


int
tg_store_policy_list(tg_txn_t *t, tg_str_t account_id,
                     tg_policy_record_t **items, size_t *n)
{
    return tg_read_rows(t,
                        "SELECT " TG_POLICY_COLUMNS " FROM policies "
                        "WHERE (CAST($1 AS TEXT) IS NULL OR account_id = $1) "
                        "ORDER BY account_id, name",
                        1, TG_PARAMS(TG_P_OPT(account_id)),
                        sizeof(tg_policy_record_t), tg_policy_read,
                        tg_policy_release, (void **) items, n);
}


int
tg_store_policy_update(tg_txn_t *t, const tg_policy_record_t *p)
{
    int64_t changes;
    int     rc;

    rc = tg_run(t,
                "UPDATE policies SET description = $3, document = $4, "
                "updated_at = $5 WHERE account_id = $1 AND name = $2",
                TG_PARAMS(TG_P_CSTR(p->account_id), TG_P_CSTR(p->name),
                          TG_P_CSTR(p->description), TG_P_CSTR(p->document),
                          TG_P_INT(p->updated_at)),
                &changes);

    return rc == TG_OK && changes == 0 ? TG_EPOLICY_NOT_FOUND : rc;
}


int
tg_store_policy_delete(tg_txn_t *t, tg_str_t account_id, tg_str_t name)
{
    int64_t changes;
    int     rc;

    rc = tg_run(t, "DELETE FROM policies WHERE account_id = $1 AND name = $2",
                TG_PARAMS(TG_P_TEXT(account_id), TG_P_TEXT(name)), &changes);

    return rc == TG_OK && changes == 0 ? TG_EPOLICY_NOT_FOUND : rc;
}


int
tg_store_policy_attachments(tg_txn_t *t, tg_str_t account_id, tg_str_t name,
                            int64_t *n)
{
    return tg_scalar(t,
                     "SELECT COUNT(*) FROM access_key_policies a "
                     "JOIN access_keys k ON k.id = a.key_id "
                     "WHERE k.account_id = $1 AND a.name = $2 "
                     "AND a.document IS NULL",
                     TG_PARAMS(TG_P_TEXT(account_id), TG_P_TEXT(name)), n);
}


int
tg_store_key_policy_attach(tg_txn_t *t, tg_str_t key_id, tg_str_t name,
                           tg_str_t document, int64_t at)
{
    int rc;

    rc = tg_run(t,
                "INSERT INTO access_key_policies "
                "(key_id, name, document, created_at) VALUES ($1, $2, $3, $4)",
                TG_PARAMS(TG_P_TEXT(key_id), TG_P_TEXT(name),
                          TG_P_OPT(document), TG_P_INT(at)),
                NULL);

    return rc == TG_ECONFLICT ? TG_EPOLICY_NAME_TAKEN : rc;
}


int
tg_store_key_policy_detach(tg_txn_t *t, tg_str_t key_id, tg_str_t name)
{
    int64_t changes;
    int     rc;

    rc = tg_run(t,
                "DELETE FROM access_key_policies "
                "WHERE key_id = $1 AND name = $2",
                TG_PARAMS(TG_P_TEXT(key_id), TG_P_TEXT(name)), &changes);

    return rc == TG_OK && changes == 0 ? TG_EPOLICY_NOT_FOUND : rc;
}


static void
tg_key_policy_read(tg_cursor_t *c, void *item)
{
    tg_key_policy_t *kp = item;

    kp->name = tg_col_dup(c, 0);
    kp->is_inline = (int) tg_col_int(c, 1);
    kp->document = tg_col_dup_opt(c, 2);
    kp->created_at = tg_col_int(c, 3);
}


static void
tg_key_policy_release(void *item)
{
    tg_key_policy_t *kp = item;

    free(kp->name);
    free(kp->document);
}


int
tg_store_key_policy_list(tg_txn_t *t, tg_str_t key_id, tg_key_policy_t **items,
                         size_t *n)
{
    return tg_read_rows(
        t,
        "SELECT a.name, a.document IS NOT NULL, "
        "COALESCE(a.document, p.document), a.created_at "
        "FROM access_key_policies a JOIN access_keys k ON k.id = a.key_id "
        "LEFT JOIN policies p ON p.account_id = k.account_id "
        "AND p.name = a.name AND a.document IS NULL "
        "WHERE a.key_id = $1 ORDER BY a.created_at, a.name",
        1, TG_PARAMS(TG_P_TEXT(key_id)), sizeof(tg_key_policy_t),
        tg_key_policy_read, tg_key_policy_release, (void **) items, n);
}
