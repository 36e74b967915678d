/*
 * Accounts and their access keys in the store.
 */

#include <stdlib.h>
#include <string.h>

#include "tollgate/error.h"
#include "store/store_int.h"


#define TG_ACCOUNT_COLUMNS                                                \
    "id, name, enabled, app_quota, created_at, updated_at, reveal_once, " \
    "max_secret_age, min_grace, max_grace, secret_min_length, secret_classes"

#define TG_ACCESS_KEY_COLUMNS                                                \
    "id, account_id, secret_hash, admin, enabled, description, created_at, " \
    "updated_at, last_used_at, secret_sealed"


static void
tg_account_read(tg_cursor_t *c, void *item)
{
    tg_account_t *a = item;

    tg_col_copy(c, 0, a->id, sizeof(a->id));
    a->name = tg_col_dup(c, 1);
    a->enabled = (int) tg_col_int(c, 2);
    a->app_quota = tg_col_int(c, 3);
    a->created_at = tg_col_int(c, 4);
    a->updated_at = tg_col_int(c, 5);
    a->policy.reveal_once = (int) tg_col_int(c, 6);
    a->policy.max_secret_age = tg_col_int(c, 7);
    a->policy.min_grace = tg_col_int(c, 8);
    a->policy.max_grace = tg_col_int(c, 9);
    a->policy.secret_min_length = tg_col_int(c, 10);
    a->policy.secret_classes = tg_col_int(c, 11);
}


static void
tg_account_release(void *item)
{
    tg_account_free(item);
}


void
tg_store_account_list_free(tg_account_t *items, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        tg_account_free(&items[i]);
    }
    free(items);
}


int
tg_store_account_insert(tg_txn_t *t, const tg_account_t *a)
{
    return tg_run(
        t,
        "INSERT INTO accounts (" TG_ACCOUNT_COLUMNS ") "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        TG_PARAMS(TG_P_CSTR(a->id), TG_P_CSTR(a->name), TG_P_INT(a->enabled),
                  TG_P_INT(a->app_quota), TG_P_INT(a->created_at),
                  TG_P_INT(a->updated_at), TG_P_INT(a->policy.reveal_once),
                  TG_P_INT(a->policy.max_secret_age),
                  TG_P_INT(a->policy.min_grace), TG_P_INT(a->policy.max_grace),
                  TG_P_INT(a->policy.secret_min_length),
                  TG_P_INT(a->policy.secret_classes)),
        NULL);
}


int
tg_store_account_get(tg_txn_t *t, tg_str_t id, tg_account_t *out)
{
    return tg_read_one(
        t, "SELECT " TG_ACCOUNT_COLUMNS " FROM accounts WHERE id = $1",
        TG_PARAMS(TG_P_TEXT(id)), tg_account_read, tg_account_release, out,
        TG_EACCOUNT_NOT_FOUND);
}


int
tg_store_account_find(tg_txn_t *t, tg_str_t name, tg_account_t *out)
{
    return tg_read_one(
        t, "SELECT " TG_ACCOUNT_COLUMNS " FROM accounts WHERE name = $1",
        TG_PARAMS(TG_P_TEXT(name)), tg_account_read, tg_account_release, out,
        TG_EACCOUNT_NOT_FOUND);
}


int
tg_store_account_list(tg_txn_t *t, int64_t limit, int64_t offset,
                      tg_account_t **items, size_t *n, int64_t *total)
{
    int rc;

    rc = tg_scalar(t, "SELECT COUNT(*) FROM accounts", TG_NO_PARAMS, total);
    if (rc != TG_OK) {
        return rc;
    }

    return tg_read_rows(t,
                        "SELECT " TG_ACCOUNT_COLUMNS " FROM accounts "
                        "ORDER BY created_at, id LIMIT $1 OFFSET $2",
                        1, TG_PARAMS(TG_P_INT(limit), TG_P_INT(offset)),
                        sizeof(tg_account_t), tg_account_read,
                        tg_account_release, (void **) items, n);
}


int
tg_store_account_lock(tg_txn_t *t, tg_str_t id)
{
    int64_t changes;
    int     rc;

    rc = tg_run(t, "UPDATE accounts SET app_quota = app_quota WHERE id = $1",
                TG_PARAMS(TG_P_TEXT(id)), &changes);

    return rc == TG_OK && changes == 0 ? TG_EACCOUNT_NOT_FOUND : rc;
}


/* An account and its app count, as tg_store_account_app_add() reads
 * them. */
typedef struct {
    tg_account_t account;
    int64_t      apps;
} tg_account_apps_t;


static void
tg_account_apps_read(tg_cursor_t *c, void *item)
{
    tg_account_apps_t *a = item;

    tg_account_read(c, &a->account);
    a->apps = tg_col_int(c, 12);
}


static void
tg_account_apps_release(void *item)
{
    tg_account_apps_t *a = item;

    tg_account_free(&a->account);
}


int
tg_store_account_app_add(tg_txn_t *t, tg_str_t id, tg_account_t *out,
                         int64_t *apps)
{
    tg_account_apps_t row;
    int64_t           changes = 0;
    int               rc;

    /* Two statements: SQLite's RETURNING fills a temporary table, which
     * costs more than a second lookup of the row just written. */
    memset(&row, 0, sizeof(row));
    rc =
        tg_run(t, "UPDATE accounts SET app_count = app_count + 1 WHERE id = $1",
               TG_PARAMS(TG_P_TEXT(id)), &changes);
    if (rc == TG_OK && changes == 0) {
        rc = TG_EACCOUNT_NOT_FOUND;
    }
    if (rc == TG_OK) {
        rc = tg_read_one(t,
                         "SELECT " TG_ACCOUNT_COLUMNS ", app_count "
                         "FROM accounts WHERE id = $1",
                         TG_PARAMS(TG_P_TEXT(id)), tg_account_apps_read,
                         tg_account_apps_release, &row, TG_EACCOUNT_NOT_FOUND);
    }
    if (rc == TG_OK) {
        *out = row.account;
        *apps = row.apps;
    }
    return rc;
}


int
tg_store_account_update(tg_txn_t *t, const tg_account_t *a)
{
    int64_t changes;
    int     rc;

    rc = tg_run(
        t,
        "UPDATE accounts SET name = $2, enabled = $3, app_quota = $4, "
        "updated_at = $5, reveal_once = $6, max_secret_age = $7, "
        "min_grace = $8, max_grace = $9, secret_min_length = $10, "
        "secret_classes = $11 WHERE id = $1",
        TG_PARAMS(TG_P_CSTR(a->id), TG_P_CSTR(a->name), TG_P_INT(a->enabled),
                  TG_P_INT(a->app_quota), TG_P_INT(a->updated_at),
                  TG_P_INT(a->policy.reveal_once),
                  TG_P_INT(a->policy.max_secret_age),
                  TG_P_INT(a->policy.min_grace), TG_P_INT(a->policy.max_grace),
                  TG_P_INT(a->policy.secret_min_length),
                  TG_P_INT(a->policy.secret_classes)),
        &changes);

    return rc == TG_OK && changes == 0 ? TG_EACCOUNT_NOT_FOUND : rc;
}


int
tg_store_account_delete(tg_txn_t *t, tg_str_t id)
{
    int64_t changes;
    int     rc;

    rc = tg_run(t, "DELETE FROM accounts WHERE id = $1",
                TG_PARAMS(TG_P_TEXT(id)), &changes);

    return rc == TG_OK && changes == 0 ? TG_EACCOUNT_NOT_FOUND : rc;
}


int
tg_store_account_usage(tg_txn_t *t, tg_str_t id, int64_t *apps, int64_t *apis,
                       int64_t *keys)
{
    int rc;

    rc = tg_scalar(t, "SELECT app_count FROM accounts WHERE id = $1",
                   TG_PARAMS(TG_P_TEXT(id)), apps);
    if (rc == TG_OK) {
        rc = tg_scalar(t, "SELECT COUNT(*) FROM apis WHERE account_id = $1",
                       TG_PARAMS(TG_P_TEXT(id)), apis);
    }
    if (rc == TG_OK) {
        rc = tg_scalar(t,
                       "SELECT COUNT(*) FROM access_keys WHERE account_id = $1",
                       TG_PARAMS(TG_P_TEXT(id)), keys);
    }

    return rc;
}


static void
tg_access_key_read(tg_cursor_t *c, void *item)
{
    tg_access_key_t *k = item;

    tg_col_copy(c, 0, k->id, sizeof(k->id));
    tg_col_copy(c, 1, k->account_id, sizeof(k->account_id));
    tg_col_copy(c, 2, k->secret_hash, sizeof(k->secret_hash));
    k->admin = (int) tg_col_int(c, 3);
    k->enabled = (int) tg_col_int(c, 4);
    k->description = tg_col_dup(c, 5);
    k->created_at = tg_col_int(c, 6);
    k->updated_at = tg_col_int(c, 7);
    k->last_used_at = tg_col_int(c, 8);
    k->secret_sealed = tg_col_dup_opt(c, 9);
}


static void
tg_access_key_release(void *item)
{
    tg_access_key_free(item);
}


void
tg_store_access_key_list_free(tg_access_key_t *items, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        tg_access_key_free(&items[i]);
    }
    free(items);
}


int
tg_store_access_key_insert(tg_txn_t *t, const tg_access_key_t *k)
{
    return tg_run(t,
                  "INSERT INTO access_keys (" TG_ACCESS_KEY_COLUMNS ") "
                  "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                  TG_PARAMS(TG_P_CSTR(k->id), TG_P_CSTR(k->account_id),
                            TG_P_CSTR(k->secret_hash), TG_P_INT(k->admin),
                            TG_P_INT(k->enabled), TG_P_CSTR(k->description),
                            TG_P_INT(k->created_at), TG_P_INT(k->updated_at),
                            TG_P_INT(k->last_used_at),
                            TG_P_OPT(tg_str_c(k->secret_sealed))),
                  NULL);
}


int
tg_store_access_key_get(tg_txn_t *t, tg_str_t id, tg_access_key_t *out)
{
    return tg_read_one(
        t, "SELECT " TG_ACCESS_KEY_COLUMNS " FROM access_keys WHERE id = $1",
        TG_PARAMS(TG_P_TEXT(id)), tg_access_key_read, tg_access_key_release,
        out, TG_EACCESS_KEY_NOT_FOUND);
}


int
tg_store_access_key_list(tg_txn_t *t, tg_str_t account_id,
                         tg_access_key_t **items, size_t *n)
{
    return tg_read_rows(t,
                        "SELECT " TG_ACCESS_KEY_COLUMNS " FROM access_keys "
                        "WHERE (CAST($1 AS TEXT) IS NULL OR account_id = $1) "
                        "ORDER BY created_at, id",
                        1, TG_PARAMS(TG_P_OPT(account_id)),
                        sizeof(tg_access_key_t), tg_access_key_read,
                        tg_access_key_release, (void **) items, n);
}


int
tg_store_access_key_update(tg_txn_t *t, const tg_access_key_t *k)
{
    int64_t changes;
    int     rc;

    rc = tg_run(t,
                "UPDATE access_keys SET enabled = $2, description = $3, "
                "updated_at = $4 WHERE id = $1",
                TG_PARAMS(TG_P_CSTR(k->id), TG_P_INT(k->enabled),
                          TG_P_CSTR(k->description), TG_P_INT(k->updated_at)),
                &changes);

    return rc == TG_OK && changes == 0 ? TG_EACCESS_KEY_NOT_FOUND : rc;
}


int
tg_store_access_key_touch(tg_txn_t *t, tg_str_t id, int64_t at)
{
    return tg_run(t, "UPDATE access_keys SET last_used_at = $2 WHERE id = $1",
                  TG_PARAMS(TG_P_TEXT(id), TG_P_INT(at)), NULL);
}


int
tg_store_access_key_seal(tg_txn_t *t, tg_str_t id, tg_str_t sealed)
{
    int64_t changes;
    int     rc;

    rc = tg_run(t, "UPDATE access_keys SET secret_sealed = $2 WHERE id = $1",
                TG_PARAMS(TG_P_TEXT(id), TG_P_TEXT(sealed)), &changes);

    return rc == TG_OK && changes == 0 ? TG_EACCESS_KEY_NOT_FOUND : rc;
}


int
tg_store_access_key_delete(tg_txn_t *t, tg_str_t id)
{
    int64_t changes;
    int     rc;

    rc = tg_run(t, "DELETE FROM access_keys WHERE id = $1",
                TG_PARAMS(TG_P_TEXT(id)), &changes);

    return rc == TG_OK && changes == 0 ? TG_EACCESS_KEY_NOT_FOUND : rc;
}


int
tg_store_access_key_count_admins(tg_txn_t *t, int64_t *n)
{
    return tg_scalar(t,
                     "SELECT COUNT(*) FROM access_keys k "
                     "JOIN accounts a ON a.id = k.account_id "
                     "WHERE k.admin = 1 AND k.enabled = 1 AND a.enabled = 1",
                     TG_NO_PARAMS, n);
}


int
tg_store_access_key_count(tg_txn_t *t, int64_t *n)
{
    return tg_scalar(t, "SELECT COUNT(*) FROM access_keys", TG_NO_PARAMS, n);
}
