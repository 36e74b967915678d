/*
 * An app's credentials in the store: one set of queries for every kind,
 * each kind's rows in its own table.
 *
 * A kind is a row of tg_cred_tables: its table's statements and which of
 * the optional column groups it has.  Every SELECT returns the same
 * columns in the same order (a kind fills the groups it lacks with NULL,
 * '' or 0), so one reader serves every kind; INSERT and UPDATE take only
 * the parameters of the groups the kind has, since a portable statement
 * may not carry parameters it never reads.  Secrets are stored only as
 * the sealed text the service hands in.
 */

#include <stdlib.h>

#include "tollgate/error.h"
#include "store/store_int.h"


/* Optional column groups. */
#define TG_COLS_KEY     0x1u /* a public key, with its grace columns */
#define TG_COLS_PRIMARY 0x2u /* is_primary */
#define TG_COLS_HASH    0x4u /* the index hash of the secret */

/* The most parameters a statement takes: every group, at insert. */
#define TG_CRED_PARAMS_MAX 12

typedef struct {
    unsigned    columns; /* TG_COLS_* */
    int         not_found;
    const char *insert;        /* id, app, [key], [hash], sealed, [primary],
                                  [prev key, sealed, expiry, secret_at], created,
                                  updated */
    const char *insert_new;    /* the same, a clash no error */
    const char *update;        /* the same, without app and created */
    const char *update_secret; /* id, sealed, primary, prev sealed, expiry,
                                  secret_at, updated; NULL: none */
    const char *get;           /* $1: id */
    const char *find;          /* $1: the key, or the hash */
    const char *primary;
    const char *list;  /* $1: app */
    const char *count; /* $1: app */
    const char *remove;
    const char *page;  /* $1: after, $2: limit */
    const char *taken; /* $1: key or hash, $2: except id, [$3: now] */
} tg_cred_table_t;


#define TG_KEY_PAIR_SELECT                                                   \
    "SELECT id, app, app_key, '', secret_sealed, is_primary, prev_app_key, " \
    "prev_secret_sealed, prev_expires_at, created_at, updated_at, "          \
    "secret_at FROM key_pairs "

#define TG_KEY_PAIR_INSERT                                                 \
    "INSERT INTO key_pairs (id, app, app_key, secret_sealed, is_primary, " \
    "prev_app_key, prev_secret_sealed, prev_expires_at, secret_at, "       \
    "created_at, updated_at) "                                             \
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"

#define TG_APP_CODE_INSERT                                                 \
    "INSERT INTO app_codes (id, app, code_hash, code_sealed, created_at, " \
    "updated_at) VALUES ($1, $2, $3, $4, $5, $6)"

#define TG_APP_CODE_SELECT                                             \
    "SELECT id, app, NULL, code_hash, code_sealed, 0, NULL, NULL, 0, " \
    "created_at, updated_at, updated_at FROM app_codes "

static const tg_cred_table_t tg_cred_tables[TG_CRED_KINDS] = {
    [TG_CRED_KEY_PAIR] = {
        TG_COLS_KEY | TG_COLS_PRIMARY,
        TG_EKEY_NOT_FOUND,
        TG_KEY_PAIR_INSERT,
        TG_KEY_PAIR_INSERT " ON CONFLICT DO NOTHING",
        "UPDATE key_pairs SET app_key = $2, secret_sealed = $3, "
        "is_primary = $4, prev_app_key = $5, prev_secret_sealed = $6, "
        "prev_expires_at = $7, secret_at = $8, updated_at = $9 WHERE id = $1",
        "UPDATE key_pairs SET secret_sealed = $2, is_primary = $3, "
        "prev_secret_sealed = $4, prev_expires_at = $5, secret_at = $6, "
        "updated_at = $7 WHERE id = $1",
        TG_KEY_PAIR_SELECT "WHERE id = $1",
        TG_KEY_PAIR_SELECT "WHERE app_key = $1",
        TG_KEY_PAIR_SELECT "WHERE app = $1 AND is_primary = 1",
        TG_KEY_PAIR_SELECT "WHERE app = $1 "
                           "ORDER BY is_primary DESC, created_at, id",
        "SELECT COUNT(*) FROM key_pairs WHERE app = $1",
        "DELETE FROM key_pairs WHERE id = $1",
        TG_KEY_PAIR_SELECT "WHERE id > $1 ORDER BY id LIMIT $2",
        "SELECT COUNT(*) FROM key_pairs WHERE id <> $2 AND "
        "(app_key = $1 OR (prev_app_key = $1 AND prev_expires_at > $3))",
    },
    [TG_CRED_APP_CODE] = {
        TG_COLS_HASH,
        TG_ECODE_NOT_FOUND,
        TG_APP_CODE_INSERT,
        TG_APP_CODE_INSERT " ON CONFLICT DO NOTHING",
        "UPDATE app_codes SET code_hash = $2, code_sealed = $3, "
        "updated_at = $4 WHERE id = $1",
        NULL,
        TG_APP_CODE_SELECT "WHERE id = $1",
        TG_APP_CODE_SELECT "WHERE code_hash = $1",
        NULL,
        TG_APP_CODE_SELECT "WHERE app = $1 ORDER BY created_at, id",
        "SELECT COUNT(*) FROM app_codes WHERE app = $1",
        "DELETE FROM app_codes WHERE id = $1",
        TG_APP_CODE_SELECT "WHERE id > $1 ORDER BY id LIMIT $2",
        "SELECT COUNT(*) FROM app_codes WHERE code_hash = $1 AND id <> $2",
    },
};


static const tg_cred_table_t *
tg_cred_table(tg_cred_kind_t kind)
{
    return &tg_cred_tables[kind];
}


static void
tg_cred_read(tg_cursor_t *c, void *item)
{
    tg_cred_t *cred = item;

    tg_col_copy(c, 0, cred->id, sizeof(cred->id));
    tg_col_copy(c, 1, cred->app, sizeof(cred->app));
    cred->key = tg_col_dup_opt(c, 2);
    tg_col_copy(c, 3, cred->hash, sizeof(cred->hash));
    cred->sealed = tg_col_dup(c, 4);
    cred->primary = (int) tg_col_int(c, 5);
    cred->prev_key = tg_col_dup_opt(c, 6);
    cred->prev_sealed = tg_col_dup_opt(c, 7);
    cred->prev_expires_at = tg_col_int(c, 8);
    cred->created_at = tg_col_int(c, 9);
    cred->updated_at = tg_col_int(c, 10);
    cred->secret_at = tg_col_int(c, 11);
}


static void
tg_cred_release(void *item)
{
    tg_cred_free(item);
}


/*
 * Fills p with the parameters of an INSERT (insert set) or an UPDATE of
 * c, in the order tg_cred_table_t gives; returns how many.
 */
static size_t
tg_cred_params(const tg_cred_table_t *tb, const tg_cred_t *c, int insert,
               tg_param_t p[TG_CRED_PARAMS_MAX])
{
    size_t n = 0;

    p[n++] = (tg_param_t) TG_P_CSTR(c->id);
    if (insert) {
        p[n++] = (tg_param_t) TG_P_CSTR(c->app);
    }
    if (tb->columns & TG_COLS_KEY) {
        p[n++] = (tg_param_t) TG_P_CSTR(c->key);
    }
    if (tb->columns & TG_COLS_HASH) {
        p[n++] = (tg_param_t) TG_P_CSTR(c->hash);
    }
    p[n++] = (tg_param_t) TG_P_CSTR(c->sealed);
    if (tb->columns & TG_COLS_PRIMARY) {
        p[n++] = (tg_param_t) TG_P_INT(c->primary);
    }
    if (tb->columns & TG_COLS_KEY) {
        p[n++] = (tg_param_t) TG_P_OPT(tg_str_c(c->prev_key));
        p[n++] = (tg_param_t) TG_P_OPT(tg_str_c(c->prev_sealed));
        p[n++] = (tg_param_t) TG_P_INT(c->prev_expires_at);
        p[n++] = (tg_param_t) TG_P_INT(c->secret_at);
    }
    if (insert) {
        p[n++] = (tg_param_t) TG_P_INT(c->created_at);
    }
    p[n++] = (tg_param_t) TG_P_INT(c->updated_at);

    return n;
}


void
tg_store_cred_list_free(tg_cred_t *items, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        tg_cred_free(&items[i]);
    }
    free(items);
}


int
tg_store_cred_insert(tg_txn_t *t, tg_cred_kind_t kind, const tg_cred_t *c)
{
    const tg_cred_table_t *tb = tg_cred_table(kind);
    tg_param_t             p[TG_CRED_PARAMS_MAX];

    return tg_run(t, tb->insert, p, tg_cred_params(tb, c, 1, p), NULL);
}


int
tg_store_cred_insert_new(tg_txn_t *t, tg_cred_kind_t kind, const tg_cred_t *c,
                         int *inserted)
{
    const tg_cred_table_t *tb = tg_cred_table(kind);
    tg_param_t             p[TG_CRED_PARAMS_MAX];
    int64_t                changes = 0;
    int                    rc;

    rc = tg_run(t, tb->insert_new, p, tg_cred_params(tb, c, 1, p), &changes);
    *inserted = rc == TG_OK && changes > 0;
    return rc;
}


int
tg_store_cred_update(tg_txn_t *t, tg_cred_kind_t kind, const tg_cred_t *c)
{
    const tg_cred_table_t *tb = tg_cred_table(kind);
    tg_param_t             p[TG_CRED_PARAMS_MAX];
    int64_t                changes = 0;
    int                    rc;

    rc = tg_run(t, tb->update, p, tg_cred_params(tb, c, 0, p), &changes);

    return rc == TG_OK && changes == 0 ? tb->not_found : rc;
}


/*
 * Writes only the columns that no index covers: the key and the key in
 * grace keep their index entries.  A kind whose secret is indexed has no
 * such statement and is updated whole.
 */
int
tg_store_cred_update_secret(tg_txn_t *t, tg_cred_kind_t kind,
                            const tg_cred_t *c)
{
    const tg_cred_table_t *tb = tg_cred_table(kind);
    int64_t                changes = 0;
    int                    rc;

    if (tb->update_secret == NULL) {
        return tg_store_cred_update(t, kind, c);
    }

    rc = tg_run(t, tb->update_secret,
                TG_PARAMS(TG_P_CSTR(c->id), TG_P_CSTR(c->sealed),
                          TG_P_INT(c->primary),
                          TG_P_OPT(tg_str_c(c->prev_sealed)),
                          TG_P_INT(c->prev_expires_at), TG_P_INT(c->secret_at),
                          TG_P_INT(c->updated_at)),
                &changes);

    return rc == TG_OK && changes == 0 ? tb->not_found : rc;
}


int
tg_store_cred_get(tg_txn_t *t, tg_cred_kind_t kind, tg_str_t id, tg_cred_t *out)
{
    const tg_cred_table_t *tb = tg_cred_table(kind);

    return tg_read_one(t, tb->get, TG_PARAMS(TG_P_TEXT(id)), tg_cred_read,
                       tg_cred_release, out, tb->not_found);
}


int
tg_store_cred_find(tg_txn_t *t, tg_cred_kind_t kind, tg_str_t name,
                   tg_cred_t *out)
{
    const tg_cred_table_t *tb = tg_cred_table(kind);

    return tg_read_one(t, tb->find, TG_PARAMS(TG_P_TEXT(name)), tg_cred_read,
                       tg_cred_release, out, tb->not_found);
}


int
tg_store_cred_primary(tg_txn_t *t, tg_cred_kind_t kind, tg_str_t app,
                      tg_cred_t *out)
{
    const tg_cred_table_t *tb = tg_cred_table(kind);

    if (tb->primary == NULL) {
        return tb->not_found;
    }

    return tg_read_one(t, tb->primary, TG_PARAMS(TG_P_TEXT(app)), tg_cred_read,
                       tg_cred_release, out, tb->not_found);
}


int
tg_store_cred_list(tg_txn_t *t, tg_cred_kind_t kind, tg_str_t app,
                   tg_cred_t **items, size_t *n)
{
    return tg_read_rows(t, tg_cred_table(kind)->list, 1,
                        TG_PARAMS(TG_P_TEXT(app)), sizeof(tg_cred_t),
                        tg_cred_read, tg_cred_release, (void **) items, n);
}


/* tg_store_cred_list()'s order within each app. */
static const char *const tg_cred_range_sql[TG_CRED_KINDS] = {
    [TG_CRED_KEY_PAIR] =
        TG_KEY_PAIR_SELECT "WHERE app > $1 AND app <= $2 "
                           "ORDER BY app, is_primary DESC, created_at, id",
    [TG_CRED_APP_CODE] = TG_APP_CODE_SELECT
    "WHERE app > $1 AND app <= $2 ORDER BY app, created_at, id",
};


int
tg_store_cred_list_range(tg_txn_t *t, tg_cred_kind_t kind, tg_str_t after,
                         tg_str_t last, tg_cred_t **items, size_t *n)
{
    return tg_read_rows(t, tg_cred_range_sql[kind], 1,
                        TG_PARAMS(TG_P_TEXT(after), TG_P_TEXT(last)),
                        sizeof(tg_cred_t), tg_cred_read, tg_cred_release,
                        (void **) items, n);
}


int
tg_store_cred_count(tg_txn_t *t, tg_cred_kind_t kind, tg_str_t app, int64_t *n)
{
    return tg_scalar(t, tg_cred_table(kind)->count, TG_PARAMS(TG_P_TEXT(app)),
                     n);
}


int
tg_store_cred_delete(tg_txn_t *t, tg_cred_kind_t kind, tg_str_t id)
{
    const tg_cred_table_t *tb = tg_cred_table(kind);
    int64_t                changes = 0;
    int                    rc;

    rc = tg_run(t, tb->remove, TG_PARAMS(TG_P_TEXT(id)), &changes);

    return rc == TG_OK && changes == 0 ? tb->not_found : rc;
}


int
tg_store_cred_page(tg_txn_t *t, tg_cred_kind_t kind, tg_str_t after,
                   int64_t limit, tg_cred_t **items, size_t *n)
{
    return tg_read_rows(t, tg_cred_table(kind)->page, 1,
                        TG_PARAMS(TG_P_TEXT(after), TG_P_INT(limit)),
                        sizeof(tg_cred_t), tg_cred_read, tg_cred_release,
                        (void **) items, n);
}


int
tg_store_cred_taken(tg_txn_t *t, tg_cred_kind_t kind, tg_str_t name,
                    tg_str_t except_id, int64_t now, int *taken)
{
    const tg_cred_table_t *tb = tg_cred_table(kind);
    tg_param_t p[3] = { TG_P_TEXT(name), TG_P_TEXT(except_id), TG_P_INT(now) };
    int64_t    n = 0;
    int        rc;

    /* Only a kind with a grace period reads the time. */
    rc = tg_scalar(t, tb->taken, p, tb->columns & TG_COLS_KEY ? 3 : 2, &n);
    *taken = n > 0;
    return rc;
}
