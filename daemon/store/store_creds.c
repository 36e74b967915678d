/*
 * Key pairs and AppCodes in the store.  Secrets are stored only as the
 * sealed text the service hands in.
 */

#include <stdlib.h>

#include "tollgate/error.h"
#include "store/store_int.h"


#define TG_KEY_PAIR_COLUMNS                                       \
    "id, app, app_key, secret_sealed, is_primary, prev_app_key, " \
    "prev_secret_sealed, prev_expires_at, created_at, updated_at"

#define TG_APP_CODE_COLUMNS \
    "id, app, code_hash, code_sealed, created_at, updated_at"


static void
tg_key_pair_read(tg_cursor_t *c, void *item)
{
    tg_key_pair_t *kp = item;

    tg_col_copy(c, 0, kp->id, sizeof(kp->id));
    tg_col_copy(c, 1, kp->app, sizeof(kp->app));
    kp->app_key = tg_col_dup(c, 2);
    kp->secret_sealed = tg_col_dup(c, 3);
    kp->primary = (int) tg_col_int(c, 4);
    kp->prev_app_key = tg_col_dup_opt(c, 5);
    kp->prev_secret_sealed = tg_col_dup_opt(c, 6);
    kp->prev_expires_at = tg_col_int(c, 7);
    kp->created_at = tg_col_int(c, 8);
    kp->updated_at = tg_col_int(c, 9);
}


static void
tg_key_pair_release(void *item)
{
    tg_key_pair_free(item);
}


void
tg_store_key_pair_list_free(tg_key_pair_t *items, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        tg_key_pair_free(&items[i]);
    }
    free(items);
}


int
tg_store_key_pair_insert(tg_txn_t *t, const tg_key_pair_t *kp)
{
    return tg_run(t,
                  "INSERT INTO key_pairs (" TG_KEY_PAIR_COLUMNS ") "
                  "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                  TG_PARAMS(TG_P_CSTR(kp->id), TG_P_CSTR(kp->app),
                            TG_P_CSTR(kp->app_key),
                            TG_P_CSTR(kp->secret_sealed), TG_P_INT(kp->primary),
                            TG_P_OPT(tg_str_c(kp->prev_app_key)),
                            TG_P_OPT(tg_str_c(kp->prev_secret_sealed)),
                            TG_P_INT(kp->prev_expires_at),
                            TG_P_INT(kp->created_at), TG_P_INT(kp->updated_at)),
                  NULL);
}


int
tg_store_key_pair_get(tg_txn_t *t, tg_str_t id, tg_key_pair_t *out)
{
    return tg_read_one(
        t, "SELECT " TG_KEY_PAIR_COLUMNS " FROM key_pairs WHERE id = $1",
        TG_PARAMS(TG_P_TEXT(id)), tg_key_pair_read, tg_key_pair_release, out,
        TG_EKEY_NOT_FOUND);
}


int
tg_store_key_pair_find(tg_txn_t *t, tg_str_t app_key, tg_key_pair_t *out)
{
    return tg_read_one(
        t, "SELECT " TG_KEY_PAIR_COLUMNS " FROM key_pairs WHERE app_key = $1",
        TG_PARAMS(TG_P_TEXT(app_key)), tg_key_pair_read, tg_key_pair_release,
        out, TG_EKEY_NOT_FOUND);
}


int
tg_store_key_pair_primary(tg_txn_t *t, tg_str_t app, tg_key_pair_t *out)
{
    return tg_read_one(t,
                       "SELECT " TG_KEY_PAIR_COLUMNS " FROM key_pairs "
                       "WHERE app = $1 AND is_primary = 1",
                       TG_PARAMS(TG_P_TEXT(app)), tg_key_pair_read,
                       tg_key_pair_release, out, TG_EKEY_NOT_FOUND);
}


int
tg_store_key_pair_list(tg_txn_t *t, tg_str_t app, tg_key_pair_t **items,
                       size_t *n)
{
    return tg_read_rows(t,
                        "SELECT " TG_KEY_PAIR_COLUMNS " FROM key_pairs "
                        "WHERE app = $1 "
                        "ORDER BY is_primary DESC, created_at, id",
                        1, TG_PARAMS(TG_P_TEXT(app)), sizeof(tg_key_pair_t),
                        tg_key_pair_read, tg_key_pair_release, (void **) items,
                        n);
}


int
tg_store_key_pair_count(tg_txn_t *t, tg_str_t app, int64_t *n)
{
    return tg_scalar(t, "SELECT COUNT(*) FROM key_pairs WHERE app = $1",
                     TG_PARAMS(TG_P_TEXT(app)), n);
}


int
tg_store_key_pair_update(tg_txn_t *t, const tg_key_pair_t *kp)
{
    int64_t changes = 0;
    int     rc;

    rc = tg_run(t,
                "UPDATE key_pairs SET app_key = $2, secret_sealed = $3, "
                "is_primary = $4, prev_app_key = $5, prev_secret_sealed = $6, "
                "prev_expires_at = $7, updated_at = $8 WHERE id = $1",
                TG_PARAMS(TG_P_CSTR(kp->id), TG_P_CSTR(kp->app_key),
                          TG_P_CSTR(kp->secret_sealed), TG_P_INT(kp->primary),
                          TG_P_OPT(tg_str_c(kp->prev_app_key)),
                          TG_P_OPT(tg_str_c(kp->prev_secret_sealed)),
                          TG_P_INT(kp->prev_expires_at),
                          TG_P_INT(kp->updated_at)),
                &changes);

    return rc == TG_OK && changes == 0 ? TG_EKEY_NOT_FOUND : rc;
}


int
tg_store_key_pair_delete(tg_txn_t *t, tg_str_t id)
{
    int64_t changes = 0;
    int     rc;

    rc = tg_run(t, "DELETE FROM key_pairs WHERE id = $1",
                TG_PARAMS(TG_P_TEXT(id)), &changes);

    return rc == TG_OK && changes == 0 ? TG_EKEY_NOT_FOUND : rc;
}


int
tg_store_key_pair_page(tg_txn_t *t, tg_str_t after, int64_t limit,
                       tg_key_pair_t **items, size_t *n)
{
    return tg_read_rows(t,
                        "SELECT " TG_KEY_PAIR_COLUMNS " FROM key_pairs "
                        "WHERE id > $1 ORDER BY id LIMIT $2",
                        1, TG_PARAMS(TG_P_TEXT(after), TG_P_INT(limit)),
                        sizeof(tg_key_pair_t), tg_key_pair_read,
                        tg_key_pair_release, (void **) items, n);
}


int
tg_store_app_key_taken(tg_txn_t *t, tg_str_t app_key, tg_str_t except_id,
                       int64_t now, int *taken)
{
    int64_t n = 0;
    int     rc;

    rc = tg_scalar(
        t,
        "SELECT COUNT(*) FROM key_pairs WHERE id <> $2 AND "
        "(app_key = $1 OR (prev_app_key = $1 AND "
        "prev_expires_at > $3))",
        TG_PARAMS(TG_P_TEXT(app_key), TG_P_TEXT(except_id), TG_P_INT(now)), &n);
    *taken = n > 0;
    return rc;
}


static void
tg_app_code_read(tg_cursor_t *c, void *item)
{
    tg_app_code_t *code = item;

    tg_col_copy(c, 0, code->id, sizeof(code->id));
    tg_col_copy(c, 1, code->app, sizeof(code->app));
    tg_col_copy(c, 2, code->code_hash, sizeof(code->code_hash));
    code->code_sealed = tg_col_dup(c, 3);
    code->created_at = tg_col_int(c, 4);
    code->updated_at = tg_col_int(c, 5);
}


static void
tg_app_code_release(void *item)
{
    tg_app_code_free(item);
}


void
tg_store_app_code_list_free(tg_app_code_t *items, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        tg_app_code_free(&items[i]);
    }
    free(items);
}


int
tg_store_app_code_insert(tg_txn_t *t, const tg_app_code_t *code)
{
    return tg_run(
        t,
        "INSERT INTO app_codes (" TG_APP_CODE_COLUMNS ") "
        "VALUES ($1, $2, $3, $4, $5, $6)",
        TG_PARAMS(TG_P_CSTR(code->id), TG_P_CSTR(code->app),
                  TG_P_CSTR(code->code_hash), TG_P_CSTR(code->code_sealed),
                  TG_P_INT(code->created_at), TG_P_INT(code->updated_at)),
        NULL);
}


int
tg_store_app_code_get(tg_txn_t *t, tg_str_t id, tg_app_code_t *out)
{
    return tg_read_one(
        t, "SELECT " TG_APP_CODE_COLUMNS " FROM app_codes WHERE id = $1",
        TG_PARAMS(TG_P_TEXT(id)), tg_app_code_read, tg_app_code_release, out,
        TG_ECODE_NOT_FOUND);
}


int
tg_store_app_code_find(tg_txn_t *t, tg_str_t code_hash, tg_app_code_t *out)
{
    return tg_read_one(
        t, "SELECT " TG_APP_CODE_COLUMNS " FROM app_codes WHERE code_hash = $1",
        TG_PARAMS(TG_P_TEXT(code_hash)), tg_app_code_read, tg_app_code_release,
        out, TG_ECODE_NOT_FOUND);
}


int
tg_store_app_code_list(tg_txn_t *t, tg_str_t app, tg_app_code_t **items,
                       size_t *n)
{
    return tg_read_rows(t,
                        "SELECT " TG_APP_CODE_COLUMNS " FROM app_codes "
                        "WHERE app = $1 ORDER BY created_at, id",
                        1, TG_PARAMS(TG_P_TEXT(app)), sizeof(tg_app_code_t),
                        tg_app_code_read, tg_app_code_release, (void **) items,
                        n);
}


int
tg_store_app_code_page(tg_txn_t *t, tg_str_t after, int64_t limit,
                       tg_app_code_t **items, size_t *n)
{
    return tg_read_rows(t,
                        "SELECT " TG_APP_CODE_COLUMNS " FROM app_codes "
                        "WHERE id > $1 ORDER BY id LIMIT $2",
                        1, TG_PARAMS(TG_P_TEXT(after), TG_P_INT(limit)),
                        sizeof(tg_app_code_t), tg_app_code_read,
                        tg_app_code_release, (void **) items, n);
}


int
tg_store_app_code_count(tg_txn_t *t, tg_str_t app, int64_t *n)
{
    return tg_scalar(t, "SELECT COUNT(*) FROM app_codes WHERE app = $1",
                     TG_PARAMS(TG_P_TEXT(app)), n);
}


int
tg_store_app_code_update(tg_txn_t *t, const tg_app_code_t *code)
{
    int64_t changes = 0;
    int     rc;

    rc = tg_run(t,
                "UPDATE app_codes SET code_hash = $2, code_sealed = $3, "
                "updated_at = $4 WHERE id = $1",
                TG_PARAMS(TG_P_CSTR(code->id), TG_P_CSTR(code->code_hash),
                          TG_P_CSTR(code->code_sealed),
                          TG_P_INT(code->updated_at)),
                &changes);

    return rc == TG_OK && changes == 0 ? TG_ECODE_NOT_FOUND : rc;
}


int
tg_store_app_code_delete(tg_txn_t *t, tg_str_t id)
{
    int64_t changes = 0;
    int     rc;

    rc = tg_run(t, "DELETE FROM app_codes WHERE id = $1",
                TG_PARAMS(TG_P_TEXT(id)), &changes);

    return rc == TG_OK && changes == 0 ? TG_ECODE_NOT_FOUND : rc;
}
