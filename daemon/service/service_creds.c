/*
 * The credential kinds an app holds, as the service sees them: one entry
 * per kind with everything its operations (service_secrets.c) treat
 * differently.  Adding a kind is an entry here, its formats in
 * lib/cred.c, its table in the store (store_creds.c) and its view.
 */

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "service/service_int.h"


static int
tg_key_pair_view_fill(const tg_service_t *svc, const tg_cred_t *c,
                      tg_str_t known, int reveal, tg_cred_view_t *view)
{
    view->kind = TG_CRED_KEY_PAIR;
    return tg_key_view_fill(svc, c, known, reveal, &view->key);
}


/* Moves the kind's member of each view into a malloc'd array of n;
 * NULL for none, or on ENOMEM (then items keep theirs).
 * tg_cred_members_free() frees it. */
static void *
tg_cred_views_unpack(const tg_cred_rules_t *kind, tg_cred_view_t *items,
                     size_t n)
{
    char  *out = n > 0 ? calloc(n, kind->view_size) : NULL;
    char  *member;
    size_t i;

    for (i = 0; out != NULL && i < n; i++) {
        member = (char *) &items[i] + kind->view_at;
        memcpy(out + i * kind->view_size, member, kind->view_size);
        memset(member, 0, kind->view_size);
    }

    return out;
}


static char *
tg_strdup_opt(const char *s)
{
    return s != NULL ? tg_strndup(s, strlen(s)) : NULL;
}


/* An app's pairs, and a copy of its primary one as the app's own key. */
static int
tg_key_pairs_attach(const tg_cred_rules_t *kind, tg_app_view_t *app,
                    tg_cred_view_t *items, size_t n)
{
    const tg_key_view_t *from;
    size_t               i;

    for (i = 0; i < n; i++) {
        from = &items[i].key;
        if (!from->primary) {
            continue;
        }
        app->key = *from;
        app->key.app_key = tg_strdup_opt(from->app_key);
        app->key.secret = tg_strdup_opt(from->secret);
        app->key.prev_app_key = tg_strdup_opt(from->prev_app_key);
        if (app->key.app_key == NULL
            || (from->secret != NULL && app->key.secret == NULL)
            || (from->prev_app_key != NULL && app->key.prev_app_key == NULL))
        {
            return TG_ENOMEM;
        }
    }

    app->keys = tg_cred_views_unpack(kind, items, n);
    app->nkeys = app->keys != NULL ? n : 0;
    return app->keys != NULL || n == 0 ? TG_OK : TG_ENOMEM;
}


static int
tg_app_code_view_fill(const tg_service_t *svc, const tg_cred_t *c,
                      tg_str_t known, int reveal, tg_cred_view_t *view)
{
    view->kind = TG_CRED_APP_CODE;
    return tg_code_view_fill(svc, c, known, reveal, &view->code);
}


static int
tg_app_codes_attach(const tg_cred_rules_t *kind, tg_app_view_t *app,
                    tg_cred_view_t *items, size_t n)
{
    app->codes = tg_cred_views_unpack(kind, items, n);
    app->ncodes = app->codes != NULL ? n : 0;
    return app->codes != NULL || n == 0 ? TG_OK : TG_ENOMEM;
}


const tg_cred_rules_t tg_cred_kinds[TG_CRED_KINDS] = {
    [TG_CRED_KEY_PAIR] = {
        .kind = TG_CRED_KEY_PAIR,
        .name = "key_pair",
        .seal = TG_SEAL_KEY_PAIR,
        .index = NULL,
        .key = &tg_app_key_format,
        .secret = &tg_app_secret_format,
        .name_field = TG_FIELD_APP_KEY,
        .secret_field = TG_FIELD_APP_SECRET,
        .not_found = TG_EKEY_NOT_FOUND,
        .taken = TG_EAPP_KEY_TAKEN,
        .too_many = TG_EKEY_LIMIT,
        .last = TG_ELAST_KEY,
        .one = "a key pair",
        .many = "key pairs",
        .max_per_app = offsetof(tg_service_limits_t, max_key_pairs),
        .reset_interval = TG_CRED_NO_LIMIT,
        .grace = 1,
        .primary = 1,
        .action_create = TG_ACTION_CREATE_APP_KEY,
        .action_list = TG_ACTION_DESCRIBE_APP_KEYS,
        .action_update = TG_ACTION_MODIFY_APP_KEY,
        .action_reset = TG_ACTION_RESET_APP_SECRET,
        .action_delete = TG_ACTION_DELETE_APP_KEY,
        .view_fill = tg_key_pair_view_fill,
        .view_at = offsetof(tg_cred_view_t, key),
        .view_size = sizeof(tg_key_view_t),
        .attach = tg_key_pairs_attach,
    },

    /* Alibaba's contract: an AppCode can be reset once a minute. */
    [TG_CRED_APP_CODE] = {
        .kind = TG_CRED_APP_CODE,
        .name = "app_code",
        .seal = TG_SEAL_APP_CODE,
        .index = TG_INDEX_APP_CODE,
        .key = NULL,
        .secret = &tg_app_code_format,
        .name_field = TG_FIELD_APP_CODE,
        .secret_field = TG_FIELD_APP_CODE,
        .not_found = TG_ECODE_NOT_FOUND,
        .taken = TG_EAPP_CODE_TAKEN,
        .too_many = TG_ECODE_LIMIT,
        .last = 0,
        .one = "an AppCode",
        .many = "AppCodes",
        .max_per_app = offsetof(tg_service_limits_t, max_codes),
        .reset_interval = offsetof(tg_service_limits_t, code_reset_interval),
        .grace = 0,
        .primary = 0,
        .action_create = TG_ACTION_CREATE_APP_CODE,
        .action_list = TG_ACTION_DESCRIBE_APP_CODES,
        .action_update = TG_ACTION_MODIFY_APP_CODE,
        .action_reset = TG_ACTION_RESET_APP_CODE,
        .action_delete = TG_ACTION_DELETE_APP_CODE,
        .view_fill = tg_app_code_view_fill,
        .view_at = offsetof(tg_cred_view_t, code),
        .view_size = sizeof(tg_code_view_t),
        .attach = tg_app_codes_attach,
    },
};


int64_t
tg_cred_limit(const tg_service_t *svc, size_t at)
{
    tg_service_limits_t limits = tg_service_limits(svc);
    int64_t             value;

    memcpy(&value, (const char *) &limits + at, sizeof(value));
    return value;
}


void
tg_cred_view_free(tg_cred_view_t *view)
{
    if (view != NULL) {
        tg_key_view_free(&view->key);
        tg_code_view_free(&view->code);
        memset(view, 0, sizeof(*view));
    }
}


/*
 * Frees an array of n views, each size bytes, that hold the part of a
 * tg_cred_view_t from offset at: whole views (at 0), or one kind's
 * member of each.  Each is moved into a whole view to be freed.
 */
static void
tg_cred_views_free(void *items, size_t n, size_t size, size_t at)
{
    tg_cred_view_t view;
    char          *item;
    size_t         i;

    for (i = 0; i < n; i++) {
        item = (char *) items + i * size;
        memset(&view, 0, sizeof(view));
        memcpy((char *) &view + at, item, size);
        memset(item, 0, size);
        tg_cred_view_free(&view);
    }
    free(items);
}


void
tg_cred_view_list_free(tg_cred_view_t *items, size_t n)
{
    tg_cred_views_free(items, n, sizeof(*items), 0);
}


void
tg_cred_members_free(tg_cred_kind_t kind, void *items, size_t n)
{
    const tg_cred_rules_t *rules = &tg_cred_kinds[kind];

    tg_cred_views_free(items, n, rules->view_size, rules->view_at);
}
