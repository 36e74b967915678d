/*
 * The audit trail and the change log in the store.
 */

#include <stdlib.h>

#include "tollgate/error.h"
#include "store/store_int.h"


#define TG_AUDIT_COLUMNS                                                     \
    "id, at, actor, account_id, action, target_type, target, app, success, " \
    "error, request_id, source, detail, canonical_action"

/* Every filter is optional: NULL text or a 0 time means "any". */
#define TG_AUDIT_WHERE                                     \
    " WHERE (CAST($1 AS TEXT) IS NULL OR account_id = $1)" \
    " AND (CAST($2 AS TEXT) IS NULL OR app = $2)"          \
    " AND (CAST($3 AS TEXT) IS NULL OR actor = $3)"        \
    " AND (CAST($4 AS TEXT) IS NULL OR action = $4)"       \
    " AND ($5 = 0 OR at >= $5)"                            \
    " AND ($6 = 0 OR at < $6)"                             \
    " AND (CAST($7 AS TEXT) IS NULL"                       \
    "      OR (app = '' AND $8 = 1)"                       \
    "      OR (app <> '' AND $7 LIKE ('%' || app || ',%')))"


static void
tg_audit_read(tg_cursor_t *c, void *item)
{
    tg_audit_event_t *e = item;

    e->id = tg_col_int(c, 0);
    e->at = tg_col_int(c, 1);
    tg_col_copy(c, 2, e->actor, sizeof(e->actor));
    tg_col_copy(c, 3, e->account_id, sizeof(e->account_id));
    tg_col_copy(c, 4, e->action, sizeof(e->action));
    tg_col_copy(c, 5, e->target_type, sizeof(e->target_type));
    tg_col_copy(c, 6, e->target, sizeof(e->target));
    tg_col_copy(c, 7, e->app, sizeof(e->app));
    e->success = (int) tg_col_int(c, 8);
    tg_col_copy(c, 9, e->error, sizeof(e->error));
    tg_col_copy(c, 10, e->request_id, sizeof(e->request_id));
    tg_col_copy(c, 11, e->source, sizeof(e->source));
    tg_col_copy(c, 12, e->detail, sizeof(e->detail));
    tg_col_copy(c, 13, e->canonical_action, sizeof(e->canonical_action));
}


static void
tg_audit_release(void *item)
{
    (void) item; /* fixed-size fields only */
}


int
tg_store_audit_insert(tg_txn_t *t, const tg_audit_event_t *e)
{
    return tg_run(t,
                  "INSERT INTO audit_events (at, actor, account_id, action, "
                  "target_type, target, app, success, error, request_id, "
                  "source, detail, canonical_action) "
                  "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
                  "$13)",
                  TG_PARAMS(TG_P_INT(e->at), TG_P_CSTR(e->actor),
                            TG_P_CSTR(e->account_id), TG_P_CSTR(e->action),
                            TG_P_CSTR(e->target_type), TG_P_CSTR(e->target),
                            TG_P_CSTR(e->app), TG_P_INT(e->success),
                            TG_P_CSTR(e->error), TG_P_CSTR(e->request_id),
                            TG_P_CSTR(e->source), TG_P_CSTR(e->detail),
                            TG_P_CSTR(e->canonical_action)),
                  NULL);
}


int
tg_store_audit_list(tg_txn_t *t, const tg_audit_filter_t *f,
                    tg_audit_event_t **items, size_t *n, int64_t *total)
{
    int rc;

    rc = tg_scalar(t, "SELECT COUNT(*) FROM audit_events" TG_AUDIT_WHERE,
                   TG_PARAMS(TG_P_OPT(f->account_id), TG_P_OPT(f->app),
                             TG_P_OPT(f->actor), TG_P_OPT(f->action),
                             TG_P_INT(f->since), TG_P_INT(f->until),
                             TG_P_OPT(f->apps_in), TG_P_INT(f->no_app != 0)),
                   total);
    if (rc != TG_OK) {
        return rc;
    }

    return tg_read_rows(
        t,
        "SELECT " TG_AUDIT_COLUMNS " FROM audit_events" TG_AUDIT_WHERE
        " ORDER BY id DESC LIMIT $9 OFFSET $10",
        1,
        TG_PARAMS(TG_P_OPT(f->account_id), TG_P_OPT(f->app), TG_P_OPT(f->actor),
                  TG_P_OPT(f->action), TG_P_INT(f->since), TG_P_INT(f->until),
                  TG_P_OPT(f->apps_in), TG_P_INT(f->no_app != 0),
                  TG_P_INT(f->limit), TG_P_INT(f->offset)),
        sizeof(tg_audit_event_t), tg_audit_read, tg_audit_release,
        (void **) items, n);
}


int
tg_store_change_append(tg_txn_t *t, const char *entity, tg_str_t entity_id,
                       tg_str_t app, const char *op, int64_t at)
{
    return tg_run(t,
                  "INSERT INTO changes (at, entity, entity_id, app, op) "
                  "VALUES ($1, $2, $3, $4, $5)",
                  TG_PARAMS(TG_P_INT(at), TG_P_CSTR(entity),
                            TG_P_TEXT(entity_id), TG_P_TEXT(app),
                            TG_P_CSTR(op)),
                  NULL);
}


int
tg_store_change_account_apps(tg_txn_t *t, tg_str_t account_id, int64_t at)
{
    return tg_run(t,
                  "INSERT INTO changes (at, entity, entity_id, app, op) "
                  "SELECT $1, 'app', id, id, 'upsert' FROM apps "
                  "WHERE account_id = $2 ORDER BY id",
                  TG_PARAMS(TG_P_INT(at), TG_P_TEXT(account_id)), NULL);
}


int
tg_store_change_last(tg_txn_t *t, int64_t *seq)
{
    return tg_scalar(t, "SELECT MAX(seq) FROM changes", TG_NO_PARAMS, seq);
}


static void
tg_change_read(tg_cursor_t *c, void *item)
{
    tg_change_t *ch = item;

    ch->seq = tg_col_int(c, 0);
    ch->at = tg_col_int(c, 1);
    tg_col_copy(c, 2, ch->entity, sizeof(ch->entity));
    tg_col_copy(c, 3, ch->entity_id, sizeof(ch->entity_id));
    tg_col_copy(c, 4, ch->app, sizeof(ch->app));
    tg_col_copy(c, 5, ch->op, sizeof(ch->op));
}


int
tg_store_change_list(tg_txn_t *t, int64_t after, int64_t limit,
                     tg_change_t **items, size_t *n)
{
    return tg_read_rows(t,
                        "SELECT seq, at, entity, entity_id, app, op "
                        "FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2",
                        1, TG_PARAMS(TG_P_INT(after), TG_P_INT(limit)),
                        sizeof(tg_change_t), tg_change_read, tg_audit_release,
                        (void **) items, n);
}
