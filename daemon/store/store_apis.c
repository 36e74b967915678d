/*
 * The API registry and the grants of apps to APIs in the store.
 */

#include <stdint.h>
#include <stdlib.h>

#include "tollgate/error.h"
#include "store/store_int.h"


#define TG_API_COLUMNS \
    "id, account_id, name, description, stage, created_at, updated_at"

#define TG_GRANT_COLUMNS                                        \
    "g.id, g.app, g.api, g.stage, g.expires_at, g.created_at, " \
    "g.updated_at, a.name, a.app_id, a.account_id, p.name"

#define TG_GRANT_FROM \
    " FROM grants g JOIN apps a ON a.id = g.app JOIN apis p ON p.id = g.api "


static void
tg_api_read(tg_cursor_t *c, void *item)
{
    tg_api_t *api = item;

    tg_col_copy(c, 0, api->id, sizeof(api->id));
    tg_col_copy(c, 1, api->account_id, sizeof(api->account_id));
    api->name = tg_col_dup(c, 2);
    api->description = tg_col_dup(c, 3);
    tg_col_copy(c, 4, api->stage, sizeof(api->stage));
    api->created_at = tg_col_int(c, 5);
    api->updated_at = tg_col_int(c, 6);
}


static void
tg_api_release(void *item)
{
    tg_api_free(item);
}


void
tg_store_api_list_free(tg_api_t *items, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        tg_api_free(&items[i]);
    }
    free(items);
}


int
tg_store_api_insert(tg_txn_t *t, const tg_api_t *api)
{
    return tg_run(t,
                  "INSERT INTO apis (" TG_API_COLUMNS ") "
                  "VALUES ($1, $2, $3, $4, $5, $6, $7)",
                  TG_PARAMS(TG_P_CSTR(api->id), TG_P_CSTR(api->account_id),
                            TG_P_CSTR(api->name), TG_P_CSTR(api->description),
                            TG_P_CSTR(api->stage), TG_P_INT(api->created_at),
                            TG_P_INT(api->updated_at)),
                  NULL);
}


int
tg_store_api_get(tg_txn_t *t, tg_str_t id, tg_api_t *out)
{
    return tg_read_one(t, "SELECT " TG_API_COLUMNS " FROM apis WHERE id = $1",
                       TG_PARAMS(TG_P_TEXT(id)), tg_api_read, tg_api_release,
                       out, TG_EAPI_NOT_FOUND);
}


int
tg_store_api_find(tg_txn_t *t, tg_str_t name, tg_api_t *out)
{
    return tg_read_one(t, "SELECT " TG_API_COLUMNS " FROM apis WHERE name = $1",
                       TG_PARAMS(TG_P_TEXT(name)), tg_api_read, tg_api_release,
                       out, TG_EAPI_NOT_FOUND);
}


int
tg_store_api_list(tg_txn_t *t, tg_str_t account_id, int64_t limit,
                  int64_t offset, tg_api_t **items, size_t *n, int64_t *total)
{
    int rc;

    rc = tg_scalar(t,
                   "SELECT COUNT(*) FROM apis "
                   "WHERE (CAST($1 AS TEXT) IS NULL OR account_id = $1)",
                   TG_PARAMS(TG_P_OPT(account_id)), total);
    if (rc != TG_OK) {
        return rc;
    }

    return tg_read_rows(
        t,
        "SELECT " TG_API_COLUMNS " FROM apis "
        "WHERE (CAST($1 AS TEXT) IS NULL OR account_id = $1) "
        "ORDER BY name LIMIT $2 OFFSET $3",
        1, TG_PARAMS(TG_P_OPT(account_id), TG_P_INT(limit), TG_P_INT(offset)),
        sizeof(tg_api_t), tg_api_read, tg_api_release, (void **) items, n);
}


#define TG_API_UNGRANTED                                   \
    " FROM apis WHERE NOT EXISTS (SELECT 1 FROM grants g " \
    "WHERE g.app = $1 AND g.api = apis.id AND g.stage = $2)"

int
tg_store_api_list_ungranted(tg_txn_t *t, tg_str_t app, tg_str_t stage,
                            int64_t limit, int64_t offset, tg_api_t **items,
                            size_t *n, int64_t *total)
{
    int rc;

    rc = tg_scalar(t, "SELECT COUNT(*)" TG_API_UNGRANTED,
                   TG_PARAMS(TG_P_TEXT(app), TG_P_TEXT(stage)), total);
    if (rc != TG_OK) {
        return rc;
    }

    return tg_read_rows(t,
                        "SELECT " TG_API_COLUMNS TG_API_UNGRANTED
                        " ORDER BY name LIMIT $3 OFFSET $4",
                        1,
                        TG_PARAMS(TG_P_TEXT(app), TG_P_TEXT(stage),
                                  TG_P_INT(limit), TG_P_INT(offset)),
                        sizeof(tg_api_t), tg_api_read, tg_api_release,
                        (void **) items, n);
}


int
tg_store_api_update(tg_txn_t *t, const tg_api_t *api)
{
    int64_t changes = 0;
    int     rc;

    rc = tg_run(t,
                "UPDATE apis SET description = $2, stage = $3, updated_at = $4 "
                "WHERE id = $1",
                TG_PARAMS(TG_P_CSTR(api->id), TG_P_CSTR(api->description),
                          TG_P_CSTR(api->stage), TG_P_INT(api->updated_at)),
                &changes);

    return rc == TG_OK && changes == 0 ? TG_EAPI_NOT_FOUND : rc;
}


int
tg_store_api_delete(tg_txn_t *t, tg_str_t id)
{
    int64_t changes = 0;
    int     rc;

    rc = tg_run(t, "DELETE FROM grants WHERE api = $1",
                TG_PARAMS(TG_P_TEXT(id)), NULL);
    if (rc == TG_OK) {
        rc = tg_run(t, "DELETE FROM apis WHERE id = $1",
                    TG_PARAMS(TG_P_TEXT(id)), &changes);
    }

    return rc == TG_OK && changes == 0 ? TG_EAPI_NOT_FOUND : rc;
}


static void
tg_grant_read(tg_cursor_t *c, void *item)
{
    tg_grant_t *g = item;

    tg_col_copy(c, 0, g->id, sizeof(g->id));
    tg_col_copy(c, 1, g->app, sizeof(g->app));
    tg_col_copy(c, 2, g->api, sizeof(g->api));
    tg_col_copy(c, 3, g->stage, sizeof(g->stage));
    g->expires_at = tg_col_int(c, 4);
    g->created_at = tg_col_int(c, 5);
    g->updated_at = tg_col_int(c, 6);
    g->app_name = tg_col_dup(c, 7);
    g->app_numeric_id = tg_col_int(c, 8);
    tg_col_copy(c, 9, g->app_account_id, sizeof(g->app_account_id));
    g->api_name = tg_col_dup(c, 10);
}


static void
tg_grant_release(void *item)
{
    tg_grant_free(item);
}


void
tg_store_grant_list_free(tg_grant_t *items, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        tg_grant_free(&items[i]);
    }
    free(items);
}


int
tg_store_grant_insert(tg_txn_t *t, const tg_grant_t *g)
{
    return tg_run(t,
                  "INSERT INTO grants (id, app, api, stage, expires_at, "
                  "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                  TG_PARAMS(TG_P_CSTR(g->id), TG_P_CSTR(g->app),
                            TG_P_CSTR(g->api), TG_P_CSTR(g->stage),
                            TG_P_INT(g->expires_at), TG_P_INT(g->created_at),
                            TG_P_INT(g->updated_at)),
                  NULL);
}


int
tg_store_grant_find(tg_txn_t *t, tg_str_t app, tg_str_t api, tg_str_t stage,
                    tg_grant_t *out)
{
    return tg_read_one(
        t,
        "SELECT " TG_GRANT_COLUMNS TG_GRANT_FROM
        "WHERE g.app = $1 AND g.api = $2 AND g.stage = $3",
        TG_PARAMS(TG_P_TEXT(app), TG_P_TEXT(api), TG_P_TEXT(stage)),
        tg_grant_read, tg_grant_release, out, TG_EGRANT_NOT_FOUND);
}


int
tg_store_grant_get(tg_txn_t *t, tg_str_t id, tg_grant_t *out)
{
    return tg_read_one(
        t, "SELECT " TG_GRANT_COLUMNS TG_GRANT_FROM "WHERE g.id = $1",
        TG_PARAMS(TG_P_TEXT(id)), tg_grant_read, tg_grant_release, out,
        TG_EGRANT_NOT_FOUND);
}


int
tg_store_grant_update(tg_txn_t *t, const tg_grant_t *g)
{
    int64_t changes = 0;
    int     rc;

    rc = tg_run(t,
                "UPDATE grants SET expires_at = $2, updated_at = $3 "
                "WHERE id = $1",
                TG_PARAMS(TG_P_CSTR(g->id), TG_P_INT(g->expires_at),
                          TG_P_INT(g->updated_at)),
                &changes);

    return rc == TG_OK && changes == 0 ? TG_EGRANT_NOT_FOUND : rc;
}


int
tg_store_grant_delete(tg_txn_t *t, tg_str_t id)
{
    int64_t changes = 0;
    int     rc;

    rc = tg_run(t, "DELETE FROM grants WHERE id = $1", TG_PARAMS(TG_P_TEXT(id)),
                &changes);

    return rc == TG_OK && changes == 0 ? TG_EGRANT_NOT_FOUND : rc;
}


int
tg_store_grant_list_by_app(tg_txn_t *t, tg_str_t app, tg_grant_t **items,
                           size_t *n)
{
    return tg_read_rows(t,
                        "SELECT " TG_GRANT_COLUMNS TG_GRANT_FROM
                        "WHERE g.app = $1 ORDER BY p.name, g.stage",
                        1, TG_PARAMS(TG_P_TEXT(app)), sizeof(tg_grant_t),
                        tg_grant_read, tg_grant_release, (void **) items, n);
}


int
tg_store_grant_list_range(tg_txn_t *t, tg_str_t after, tg_str_t last,
                          tg_grant_t **items, size_t *n)
{
    return tg_read_rows(t,
                        "SELECT " TG_GRANT_COLUMNS TG_GRANT_FROM
                        "WHERE g.app > $1 AND g.app <= $2 "
                        "ORDER BY g.app, p.name, g.stage",
                        1, TG_PARAMS(TG_P_TEXT(after), TG_P_TEXT(last)),
                        sizeof(tg_grant_t), tg_grant_read, tg_grant_release,
                        (void **) items, n);
}


/* Every filter is optional: NULL text or a 0 AppId means "any". */
#define TG_GRANT_WHERE                                     \
    "WHERE (CAST($1 AS TEXT) IS NULL OR g.app = $1)"       \
    " AND (CAST($2 AS TEXT) IS NULL OR g.api = $2)"        \
    " AND (CAST($3 AS TEXT) IS NULL OR a.account_id = $3)" \
    " AND ($4 = 0 OR a.app_id = $4)"                       \
    " AND (CAST($5 AS TEXT) IS NULL OR a.name = $5)"       \
    " AND (CAST($6 AS TEXT) IS NULL OR g.stage = $6)"

#define TG_GRANT_PARAMS(f)                                             \
    TG_P_OPT((f)->app), TG_P_OPT((f)->api), TG_P_OPT((f)->account_id), \
        TG_P_INT((f)->app_number), TG_P_OPT((f)->app_name),            \
        TG_P_OPT((f)->stage)


int
tg_store_grant_list(tg_txn_t *t, const tg_grant_filter_t *f, tg_grant_t **items,
                    size_t *n, int64_t *total)
{
    const char *sql;
    int64_t     limit = f->limit > 0 ? f->limit : INT64_MAX;
    int         rc;

    if (total != NULL) {
        rc = tg_scalar(t, "SELECT COUNT(*)" TG_GRANT_FROM TG_GRANT_WHERE,
                       TG_PARAMS(TG_GRANT_PARAMS(f)), total);
        if (rc != TG_OK) {
            return rc;
        }
    }

    sql = f->order == TG_GRANT_ORDER_APP
              ? "SELECT " TG_GRANT_COLUMNS TG_GRANT_FROM TG_GRANT_WHERE
                " ORDER BY a.name, g.stage, g.id LIMIT $7 OFFSET $8"
              : "SELECT " TG_GRANT_COLUMNS TG_GRANT_FROM TG_GRANT_WHERE
                " ORDER BY p.name, g.stage, g.id LIMIT $7 OFFSET $8";

    return tg_read_rows(
        t, sql, 1,
        TG_PARAMS(TG_GRANT_PARAMS(f), TG_P_INT(limit), TG_P_INT(f->offset)),
        sizeof(tg_grant_t), tg_grant_read, tg_grant_release, (void **) items,
        n);
}
