/*
 * Apps and their tags in the store.
 */

#include <stdlib.h>
#include <string.h>

#include "tollgate/error.h"
#include "tollgate/rules.h"
#include "store/store_int.h"


#define TG_APP_COLUMNS                                                      \
    "id, app_id, account_id, name, description, extend, enabled, creator, " \
    "rate_rps, rate_burst, created_at, updated_at"

/* The same, read from "apps" beside other tables. */
#define TG_APP_SELECT                                                      \
    "apps.id, apps.app_id, apps.account_id, apps.name, apps.description, " \
    "apps.extend, apps.enabled, apps.creator, apps.rate_rps, "             \
    "apps.rate_burst, apps.created_at, apps.updated_at"

/* An app filter has at most this many parameters. */
#define TG_APP_FILTER_PARAMS (8 + 2 * TG_TAGS_MAX)


static void
tg_app_read(tg_cursor_t *c, void *item)
{
    tg_app_t    *app = item;
    tg_creator_t creator = TG_CREATOR_USER;
    char         text[16];

    tg_col_copy(c, 0, app->id, sizeof(app->id));
    app->app_id = tg_col_int(c, 1);
    tg_col_copy(c, 2, app->account_id, sizeof(app->account_id));
    app->name = tg_col_dup(c, 3);
    app->description = tg_col_dup(c, 4);
    app->extend = tg_col_dup(c, 5);
    app->enabled = (int) tg_col_int(c, 6);
    tg_col_copy(c, 7, text, sizeof(text));
    (void) tg_creator_parse(tg_str_c(text), &creator);
    app->creator = creator;
    app->rate_rps = tg_col_int(c, 8);
    app->rate_burst = tg_col_int(c, 9);
    app->created_at = tg_col_int(c, 10);
    app->updated_at = tg_col_int(c, 11);
}


static void
tg_app_release(void *item)
{
    tg_app_free(item);
}


void
tg_store_app_list_free(tg_app_t *items, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        tg_app_free(&items[i]);
    }
    free(items);
}


static void
tg_tag_read(tg_cursor_t *c, void *item)
{
    tg_tag_t *tag = item;

    tag->key = tg_col_dup(c, 0);
    tag->value = tg_col_dup(c, 1);
}


static void
tg_tag_release(void *item)
{
    tg_tags_free(item, 1);
}


/* Reads an app's tags into app->tags. */
static int
tg_app_tags_read(tg_txn_t *t, tg_app_t *app)
{
    tg_tag_t *tags;
    size_t    n, i;
    int       rc;

    rc = tg_read_rows(t,
                      "SELECT k, v FROM app_tags WHERE app = $1 "
                      "ORDER BY pos",
                      1, TG_PARAMS(TG_P_CSTR(app->id)), sizeof(tg_tag_t),
                      tg_tag_read, tg_tag_release, (void **) &tags, &n);
    if (rc != TG_OK) {
        return rc;
    }

    if (n > TG_TAGS_MAX) {
        tg_tags_free(tags, n);
        free(tags);
        return TG_ESTORE;
    }

    for (i = 0; i < n; i++) {
        app->tags[i] = tags[i];
    }
    app->ntags = n;

    free(tags);
    return TG_OK;
}


/* Writes an app's tags: a new app (fresh) has none to replace. */
static int
tg_app_tags_write(tg_txn_t *t, const tg_app_t *app, int fresh)
{
    size_t i;
    int    rc = TG_OK;

    if (!fresh) {
        rc = tg_run(t, "DELETE FROM app_tags WHERE app = $1",
                    TG_PARAMS(TG_P_CSTR(app->id)), NULL);
    }

    for (i = 0; i < app->ntags && rc == TG_OK; i++) {
        rc = tg_run(
            t,
            "INSERT INTO app_tags (app, k, v, pos, account_id, created_at) "
            "VALUES ($1, $2, $3, $4, $5, $6)",
            TG_PARAMS(TG_P_CSTR(app->id), TG_P_CSTR(app->tags[i].key),
                      TG_P_CSTR(app->tags[i].value), TG_P_INT(i),
                      TG_P_CSTR(app->account_id), TG_P_INT(app->created_at)),
            NULL);
    }

    return rc;
}


/* Reads one app selected by sql and its tags. */
static int
tg_app_read_one(tg_txn_t *t, const char *sql, const tg_param_t *params,
                size_t n, tg_app_t *out)
{
    int rc;

    rc = tg_read_one(t, sql, params, n, tg_app_read, tg_app_release, out,
                     TG_EAPP_NOT_FOUND);
    if (rc == TG_OK) {
        rc = tg_app_tags_read(t, out);
        if (rc != TG_OK) {
            tg_app_free(out);
        }
    }

    return rc;
}


/* Inserts app's row (not its tags); sql ends with the insert's
 * conflict clause, if any. */
static int
tg_app_row_insert(tg_txn_t *t, const char *sql, const tg_app_t *app,
                  int64_t *changes)
{
    return tg_run(t, sql,
                  TG_PARAMS(TG_P_CSTR(app->id), TG_P_INT(app->app_id),
                            TG_P_CSTR(app->account_id), TG_P_CSTR(app->name),
                            TG_P_CSTR(app->description), TG_P_CSTR(app->extend),
                            TG_P_INT(app->enabled),
                            TG_P_CSTR(tg_creator_name(app->creator)),
                            TG_P_INT(app->rate_rps), TG_P_INT(app->rate_burst),
                            TG_P_INT(app->created_at),
                            TG_P_INT(app->updated_at)),
                  changes);
}


#define TG_APP_INSERT                        \
    "INSERT INTO apps (" TG_APP_COLUMNS ") " \
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"


int
tg_store_app_insert(tg_txn_t *t, const tg_app_t *app)
{
    int64_t changes = 0;
    int     rc;

    rc =
        tg_run(t, "UPDATE accounts SET app_count = app_count + 1 WHERE id = $1",
               TG_PARAMS(TG_P_CSTR(app->account_id)), &changes);
    if (rc == TG_OK && changes == 0) {
        return TG_ECONFLICT; /* no such account: as its foreign key says */
    }
    if (rc != TG_OK) {
        return rc;
    }

    rc = tg_app_row_insert(t, TG_APP_INSERT, app, NULL);
    return rc == TG_OK ? tg_app_tags_write(t, app, 1) : rc;
}


int
tg_store_app_insert_counted(tg_txn_t *t, const tg_app_t *app, int *inserted)
{
    int64_t changes = 0;
    int     rc;

    /* A clash is no error, which in PostgreSQL would end the
     * transaction: the caller tells which value clashed. */
    rc = tg_app_row_insert(t, TG_APP_INSERT " ON CONFLICT DO NOTHING", app,
                           &changes);
    *inserted = rc == TG_OK && changes > 0;
    return rc == TG_OK && *inserted ? tg_app_tags_write(t, app, 1) : rc;
}


int
tg_store_app_get(tg_txn_t *t, tg_str_t id, tg_app_t *out)
{
    return tg_app_read_one(t,
                           "SELECT " TG_APP_COLUMNS " FROM apps WHERE id = $1",
                           TG_PARAMS(TG_P_TEXT(id)), out);
}


int
tg_store_app_page_untagged(tg_txn_t *t, tg_str_t after, int64_t limit,
                           tg_app_t **items, size_t *n)
{
    return tg_read_rows(t,
                        "SELECT " TG_APP_COLUMNS " FROM apps WHERE id > $1 "
                        "ORDER BY id LIMIT $2",
                        1, TG_PARAMS(TG_P_TEXT(after), TG_P_INT(limit)),
                        sizeof(tg_app_t), tg_app_read, tg_app_release,
                        (void **) items, n);
}


int
tg_store_app_get_by_number(tg_txn_t *t, int64_t app_id, tg_app_t *out)
{
    return tg_app_read_one(
        t, "SELECT " TG_APP_COLUMNS " FROM apps WHERE app_id = $1",
        TG_PARAMS(TG_P_INT(app_id)), out);
}


int
tg_store_app_number_taken(tg_txn_t *t, int64_t app_id, int *taken)
{
    int64_t n = 0;
    int     rc;

    rc = tg_scalar(t, "SELECT COUNT(*) FROM apps WHERE app_id = $1",
                   TG_PARAMS(TG_P_INT(app_id)), &n);
    *taken = n > 0;
    return rc;
}


int
tg_store_app_name_taken(tg_txn_t *t, tg_str_t account_id, tg_str_t name,
                        tg_str_t except_id, int *taken)
{
    int64_t n = 0;
    int     rc;

    rc = tg_scalar(
        t,
        "SELECT COUNT(*) FROM apps WHERE account_id = $1 "
        "AND name = $2 AND id <> $3",
        TG_PARAMS(TG_P_TEXT(account_id), TG_P_TEXT(name), TG_P_TEXT(except_id)),
        &n);
    *taken = n > 0;
    return rc;
}


int
tg_store_app_count(tg_txn_t *t, tg_str_t account_id, int64_t *n)
{
    return tg_scalar(t, "SELECT app_count FROM accounts WHERE id = $1",
                     TG_PARAMS(TG_P_TEXT(account_id)), n);
}


/*
 * The LIKE pattern of a part of a name: "%" part "%", with '\', '%' and
 * '_' escaped by '\'.  Returns 0 or TG_ENOMEM.
 */
static int
tg_app_name_pattern(tg_str_t part, tg_buf_t *pattern)
{
    size_t i;
    int    rc;

    rc = tg_buf_append(pattern, "%", 1);
    for (i = 0; i < part.len && rc == TG_OK; i++) {
        if (part.ptr[i] == '\\' || part.ptr[i] == '%' || part.ptr[i] == '_') {
            rc = tg_buf_append(pattern, "\\", 1);
        }
        if (rc == TG_OK) {
            rc = tg_buf_append(pattern, part.ptr + i, 1);
        }
    }
    return rc == TG_OK ? tg_buf_append(pattern, "%", 1) : rc;
}


/* A listing's query: the tables it reads and its WHERE clause. */
typedef struct {
    tg_param_t params[TG_APP_FILTER_PARAMS + 3];
    size_t     n;
    tg_buf_t   where;
    int        by_tag;    /* the first tag (with a value) drives: "g0" */
    int        apps_read; /* a clause reads apps: a count must join it */
    int        counted;   /* no clause but the account's: its counter */
} tg_app_query_t;


/*
 * Writes the WHERE clause of a filter into q->where, and its parameters
 * into q->params (from $1); pattern is the LIKE pattern of f->name_part.
 * With q->by_tag set, the first tag's key and value are matched on the
 * tag row "g0", and so is the account, from the index that lists a
 * tag's apps in order.  Returns 0 or TG_ENOMEM.
 */
static int
tg_app_filter_sql(const tg_app_filter_t *f, const tg_buf_t *pattern,
                  tg_app_query_t *q)
{
    tg_buf_t *sql = &q->where;
    size_t    i;
    int       rc;

    q->n = 0;
    rc = tg_buf_append_c(sql, " WHERE 1 = 1");

#define TG_ADD_TEXT(clause, value)                       \
    do {                                                 \
        q->params[q->n] = (tg_param_t) TG_P_TEXT(value); \
        q->n++;                                          \
        if (rc == TG_OK) {                               \
            rc = tg_buf_printf(sql, clause, q->n);       \
        }                                                \
    } while (0)

    if (f->account_id.ptr != NULL) {
        TG_ADD_TEXT(q->by_tag ? " AND g0.account_id = $%zu"
                              : " AND apps.account_id = $%zu",
                    f->account_id);
    }
    if (q->by_tag) {
        TG_ADD_TEXT(" AND g0.k = $%zu", f->tag_keys[0]);
        TG_ADD_TEXT(" AND g0.v = $%zu", f->tag_values[0]);
    }

    q->apps_read = 1;
    q->counted = 0;

    if (f->id.ptr != NULL) {
        TG_ADD_TEXT(" AND apps.id = $%zu", f->id);
    }
    if (f->name.ptr != NULL) {
        TG_ADD_TEXT(" AND apps.name = $%zu", f->name);
    }
    if (f->name_part.ptr != NULL) {
        TG_ADD_TEXT(" AND lower(apps.name) LIKE lower($%zu) ESCAPE '\\'",
                    tg_buf_str(pattern));
    }
    if (f->app_key.ptr != NULL) {
        TG_ADD_TEXT(" AND EXISTS (SELECT 1 FROM key_pairs p "
                    "WHERE p.app = apps.id AND p.app_key = $%zu)",
                    f->app_key);
    }
    if (f->extend.ptr != NULL) {
        TG_ADD_TEXT(" AND apps.extend = $%zu", f->extend);
    }
    if (f->by_creator) {
        TG_ADD_TEXT(" AND apps.creator = $%zu",
                    tg_str_c(tg_creator_name(f->creator)));
    }
    if (f->app_code_hash.ptr != NULL) {
        TG_ADD_TEXT(" AND EXISTS (SELECT 1 FROM app_codes o "
                    "WHERE o.app = apps.id AND o.code_hash = $%zu)",
                    f->app_code_hash);
    }
    if (f->app_id > 0 && rc == TG_OK) {
        rc = tg_buf_printf(sql, " AND apps.app_id = %lld",
                           (long long) f->app_id);
    }
    if (f->enabled >= 0 && rc == TG_OK) {
        rc = tg_buf_printf(sql, " AND apps.enabled = %d", f->enabled ? 1 : 0);
    }
    if (f->expiring_before > 0 && rc == TG_OK) {
        rc = tg_buf_printf(
            sql,
            " AND (EXISTS (SELECT 1 FROM key_pairs p, accounts a "
            "WHERE p.app = apps.id AND a.id = apps.account_id "
            "AND a.max_secret_age > 0 "
            "AND p.secret_at + a.max_secret_age * 1000 < %lld) "
            "OR EXISTS (SELECT 1 FROM app_codes c, accounts a "
            "WHERE c.app = apps.id AND a.id = apps.account_id "
            "AND a.max_secret_age > 0 "
            "AND c.updated_at + a.max_secret_age * 1000 < %lld))",
            (long long) f->expiring_before, (long long) f->expiring_before);
    }
    if (f->secret_before > 0 && rc == TG_OK) {
        rc = tg_buf_printf(sql,
                           " AND (EXISTS (SELECT 1 FROM key_pairs p "
                           "WHERE p.app = apps.id AND p.secret_at <= %lld) "
                           "OR EXISTS (SELECT 1 FROM app_codes c "
                           "WHERE c.app = apps.id AND c.updated_at <= %lld))",
                           (long long) f->secret_before,
                           (long long) f->secret_before);
    }

    for (i = q->by_tag ? 1 : 0; i < f->ntags && i < TG_TAGS_MAX; i++) {
        TG_ADD_TEXT(" AND EXISTS (SELECT 1 FROM app_tags g "
                    "WHERE g.app = apps.id AND g.k = $%zu",
                    f->tag_keys[i]);
        if (f->tag_values[i].ptr != NULL) {
            TG_ADD_TEXT(" AND g.v = $%zu", f->tag_values[i]);
        }
        if (rc == TG_OK) {
            rc = tg_buf_append_c(sql, ")");
        }
    }

#undef TG_ADD_TEXT

    /* Nothing but the account (and the driving tag) was asked. */
    if (q->n == (size_t) (f->account_id.ptr != NULL) + (q->by_tag ? 2 : 0)
        && f->app_id <= 0 && f->enabled < 0 && f->expiring_before <= 0
        && f->secret_before <= 0)
    {
        q->apps_read = 0;
        q->counted = !q->by_tag;
    }

    return rc;
}


/*
 * Sets *total: from the accounts' counters when the filter selects whole
 * accounts, else by counting the matches, at most TG_APP_TOTAL_MAX of
 * them (reading the tag index alone when a tag is all that is asked).
 */
static int
tg_app_list_total(tg_txn_t *t, const tg_app_filter_t *f, tg_app_query_t *q,
                  int64_t *total)
{
    tg_buf_t    sql = TG_BUF_INIT;
    tg_cursor_t c;
    int         rc;

    if (q->counted && f->account_id.ptr != NULL) {
        return tg_scalar(t, "SELECT app_count FROM accounts WHERE id = $1",
                         TG_PARAMS(TG_P_TEXT(f->account_id)), total);
    }
    if (q->counted) {
        return tg_scalar(t, "SELECT COALESCE(SUM(app_count), 0) FROM accounts",
                         TG_NO_PARAMS, total);
    }

    rc = tg_buf_printf(&sql,
                       "SELECT COUNT(*) FROM (SELECT 1 FROM %s%s LIMIT %d) m",
                       !q->by_tag      ? "apps"
                       : !q->apps_read ? "app_tags g0"
                                       : "app_tags g0 JOIN apps "
                                         "ON apps.id = g0.app",
                       q->where.ptr, TG_APP_TOTAL_MAX);
    if (rc == TG_OK) {
        rc = tg_cursor_open(t, sql.ptr, 0, q->params, q->n, &c);
    }
    if (rc == TG_OK) {
        rc = tg_cursor_next(&c);
        *total = rc == TG_DB_ROW ? tg_col_int(&c, 0) : 0;
        rc = rc == TG_DB_ROW ? TG_OK : rc == TG_DB_DONE ? TG_ESTORE : rc;
        tg_cursor_close(&c);
    }

    tg_buf_free(&sql);
    return rc;
}


/* The ORDER BY of a listing, which an index of its FROM answers; or its
 * reverse, to read a page backwards from the end. */
static const char *
tg_app_list_order(const tg_app_filter_t *f, const tg_app_query_t *q,
                  int backwards)
{
    switch (f->order) {
    case TG_APP_ORDER_UPDATED_DESC:
        return backwards ? "apps.updated_at, apps.id"
                         : "apps.updated_at DESC, apps.id DESC";
    case TG_APP_ORDER_UPDATED_ASC:
        return backwards ? "apps.updated_at DESC, apps.id DESC"
                         : "apps.updated_at, apps.id";
    default:
        return q->by_tag   ? "g0.created_at, g0.app"
               : backwards ? "apps.created_at DESC, apps.id DESC"
                           : "apps.created_at, apps.id";
    }
}


/*
 * A page past the middle of an exact total is read backwards from the
 * end: an offset then costs min(offset, total - offset) index entries.
 * Sets *limit and *offset of the backward read, and returns 1; or
 * returns 0 for a forward read.
 */
static int
tg_app_list_backwards(const tg_app_filter_t *f, const tg_app_query_t *q,
                      int64_t total, int64_t *limit, int64_t *offset)
{
    int64_t left = total - f->offset;

    if (!q->counted || f->offset <= total / 2 || left <= 0) {
        *limit = f->limit;
        *offset = f->offset;
        return 0;
    }
    *limit = f->limit < left ? f->limit : left;
    *offset = left - *limit;
    return 1;
}


/*
 * Appends the keyset clause of f->after_* to q's WHERE clause: the rows
 * after (key, id) in the order, as a range of the order's index (key at
 * or past the cursor's), then past the id among equal keys.  The id is
 * the next parameter.  Returns 0 or TG_ENOMEM.
 */
static int
tg_app_list_after(const tg_app_filter_t *f, tg_app_query_t *q)
{
    const char *key, *id, *cmp, *strict;

    if (!f->after_set) {
        return TG_OK;
    }

    key = q->by_tag                          ? "g0.created_at"
          : f->order == TG_APP_ORDER_CREATED ? "apps.created_at"
                                             : "apps.updated_at";
    id = q->by_tag ? "g0.app" : "apps.id";
    cmp = f->order == TG_APP_ORDER_UPDATED_DESC ? "<=" : ">=";
    strict = f->order == TG_APP_ORDER_UPDATED_DESC ? "<" : ">";

    q->params[q->n] = (tg_param_t) TG_P_TEXT(f->after_id);
    q->n++;
    return tg_buf_printf(&q->where,
                         " AND %s %s %lld AND (%s %s %lld OR %s %s $%zu)", key,
                         cmp, (long long) f->after_key, key, strict,
                         (long long) f->after_key, id, strict, q->n);
}


/* Reverses n apps in place. */
static void
tg_app_list_reverse(tg_app_t *items, size_t n)
{
    tg_app_t swap;
    size_t   i;

    for (i = 0; i < n / 2; i++) {
        swap = items[i];
        items[i] = items[n - 1 - i];
        items[n - 1 - i] = swap;
    }
}


int
tg_store_app_list(tg_txn_t *t, const tg_app_filter_t *f, tg_app_t **items,
                  size_t *n, int64_t *total)
{
    tg_app_query_t q;
    tg_buf_t       sql = TG_BUF_INIT, pattern = TG_BUF_INIT;
    int64_t        limit, offset;
    size_t         i;
    int            backwards, rc = TG_OK;

    *items = NULL;
    *n = 0;
    memset(&q, 0, sizeof(q));
    q.where = (tg_buf_t) TG_BUF_INIT;

    /* A tag with a value, in the default order: the tag's index lists
     * its apps in that order. */
    q.by_tag = f->ntags > 0 && f->tag_values[0].ptr != NULL
               && f->order == TG_APP_ORDER_CREATED;

    if (f->name_part.ptr != NULL) {
        rc = tg_app_name_pattern(f->name_part, &pattern);
    }
    if (rc == TG_OK) {
        rc = tg_app_filter_sql(f, &pattern, &q);
    }
    if (rc == TG_OK) {
        rc = tg_app_list_total(t, f, &q, total);
    }
    if (rc == TG_OK) {
        rc = tg_app_list_after(f, &q);
    }
    if (rc != TG_OK) {
        goto cleanup;
    }

    backwards = tg_app_list_backwards(f, &q, *total, &limit, &offset);
    q.params[q.n] = (tg_param_t) TG_P_INT(limit);
    q.params[q.n + 1] = (tg_param_t) TG_P_INT(offset);

    if (q.by_tag && !q.apps_read) {
        /* The page's apps are found in the tag's index alone, then read:
         * the apps an offset skips are never looked up. */
        rc = tg_buf_printf(&sql,
                           "SELECT " TG_APP_SELECT " FROM (SELECT g0.app, "
                           "g0.created_at FROM app_tags g0%s ORDER BY "
                           "g0.created_at, g0.app LIMIT $%zu OFFSET $%zu) g0 "
                           "JOIN apps ON apps.id = g0.app "
                           "ORDER BY g0.created_at, g0.app",
                           q.where.ptr, q.n + 1, q.n + 2);
    } else {
        rc = tg_buf_printf(
            &sql,
            "SELECT " TG_APP_SELECT " FROM %s%s "
            "ORDER BY %s LIMIT $%zu OFFSET $%zu",
            q.by_tag ? "app_tags g0 JOIN apps ON apps.id = g0.app" : "apps",
            q.where.ptr, tg_app_list_order(f, &q, backwards), q.n + 1, q.n + 2);
    }
    if (rc != TG_OK) {
        goto cleanup;
    }

    rc = tg_read_rows(t, sql.ptr, 0, q.params, q.n + 2, sizeof(tg_app_t),
                      tg_app_read, tg_app_release, (void **) items, n);
    if (rc == TG_OK && backwards) {
        tg_app_list_reverse(*items, *n);
    }

    for (i = 0; i < *n && rc == TG_OK; i++) {
        rc = tg_app_tags_read(t, &(*items)[i]);
    }

    if (rc != TG_OK) {
        tg_store_app_list_free(*items, *n);
        *items = NULL;
        *n = 0;
    }

cleanup:

    tg_buf_free(&q.where);
    tg_buf_free(&sql);
    tg_buf_free(&pattern);
    return rc;
}


int
tg_store_app_update(tg_txn_t *t, const tg_app_t *app)
{
    int64_t changes;
    int     rc;

    rc = tg_run(t,
                "UPDATE apps SET name = $2, description = $3, extend = $4, "
                "enabled = $5, creator = $6, rate_rps = $7, rate_burst = $8, "
                "updated_at = $9 WHERE id = $1",
                TG_PARAMS(TG_P_CSTR(app->id), TG_P_CSTR(app->name),
                          TG_P_CSTR(app->description), TG_P_CSTR(app->extend),
                          TG_P_INT(app->enabled),
                          TG_P_CSTR(tg_creator_name(app->creator)),
                          TG_P_INT(app->rate_rps), TG_P_INT(app->rate_burst),
                          TG_P_INT(app->updated_at)),
                &changes);

    if (rc == TG_OK && changes == 0) {
        return TG_EAPP_NOT_FOUND;
    }

    return rc == TG_OK ? tg_app_tags_write(t, app, 0) : rc;
}


int
tg_store_app_delete(tg_txn_t *t, tg_str_t id)
{
    static const char *const children[] = {
        "DELETE FROM app_tags WHERE app = $1",
        "DELETE FROM key_pairs WHERE app = $1",
        "DELETE FROM app_codes WHERE app = $1",
        "DELETE FROM grants WHERE app = $1",
    };
    int64_t changes = 0;
    size_t  i;
    int     rc = TG_OK;

    for (i = 0; i < sizeof(children) / sizeof(children[0]) && rc == TG_OK; i++)
    {
        rc = tg_run(t, children[i], TG_PARAMS(TG_P_TEXT(id)), NULL);
    }

    if (rc == TG_OK) {
        rc = tg_run(t,
                    "UPDATE accounts SET app_count = app_count - 1 "
                    "WHERE id = (SELECT account_id FROM apps WHERE id = $1)",
                    TG_PARAMS(TG_P_TEXT(id)), NULL);
    }

    if (rc == TG_OK) {
        rc = tg_run(t, "DELETE FROM apps WHERE id = $1",
                    TG_PARAMS(TG_P_TEXT(id)), &changes);
    }

    return rc == TG_OK && changes == 0 ? TG_EAPP_NOT_FOUND : rc;
}
