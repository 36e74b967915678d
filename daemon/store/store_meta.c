/*
 * Named values about the store itself (the keyring check, for one).
 */

#include <stdlib.h>

#include "tollgate/error.h"
#include "store/store_int.h"


/* What tg_read_one() returns when there is no row: not an error. */
#define TG_META_ABSENT 1

typedef struct {
    char *value;
} tg_meta_row_t;


static void
tg_meta_read(tg_cursor_t *c, void *item)
{
    ((tg_meta_row_t *) item)->value = tg_col_dup(c, 0);
}


static void
tg_meta_release(void *item)
{
    free(((tg_meta_row_t *) item)->value);
}


int
tg_store_meta_get(tg_txn_t *t, const char *name, char **value)
{
    tg_meta_row_t row = { NULL };
    int           rc;

    rc = tg_read_one(t, "SELECT value FROM meta WHERE name = $1",
                     TG_PARAMS(TG_P_CSTR(name)), tg_meta_read, tg_meta_release,
                     &row, TG_META_ABSENT);
    *value = rc == TG_OK ? row.value : NULL;
    return rc == TG_META_ABSENT ? TG_OK : rc;
}


int
tg_store_meta_put(tg_txn_t *t, const char *name, tg_str_t value)
{
    return tg_run(t,
                  "INSERT INTO meta (name, value) VALUES ($1, $2) "
                  "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                  TG_PARAMS(TG_P_CSTR(name), TG_P_TEXT(value)), NULL);
}


int
tg_store_meta_add(tg_txn_t *t, const char *name, tg_str_t value)
{
    return tg_run(t,
                  "INSERT INTO meta (name, value) VALUES ($1, $2) "
                  "ON CONFLICT (name) DO NOTHING",
                  TG_PARAMS(TG_P_CSTR(name), TG_P_TEXT(value)), NULL);
}
