/*
 * Apps: create, read, list, modify and delete.
 *
 * An app is born with one key pair (generated, or the caller's AppKey and
 * AppSecret) and optionally one AppCode, all in one transaction, or not
 * at all.
 */

#include <stdlib.h>
#include <string.h>

#include "tollgate/list_cursor.h"
#include "tollgate/rules.h"
#include "tollgate/time.h"
#include "service/service_int.h"


#define TG_APP_ID_ATTEMPTS 8


static int
tg_invalid(tg_error_t *err, tg_field_t field, const char *rule)
{
    return tg_error_set(err, TG_EINVALID, field, "%s", rule);
}


static int
tg_tags_check(const tg_tag_spec_t *tags, size_t n, tg_error_t *err)
{
    const char *rule;
    size_t      i, j;

    if (n > TG_TAGS_MAX) {
        return tg_invalid(err, TG_FIELD_TAGS, "must hold at most 20 tags");
    }

    for (i = 0; i < n; i++) {
        if (tg_tag_key_check(tags[i].key, &rule) != TG_OK
            || tg_tag_value_check(tags[i].value, &rule) != TG_OK)
        {
            return tg_invalid(err, TG_FIELD_TAGS, rule);
        }

        for (j = 0; j < i; j++) {
            if (tg_str_eq(tags[i].key, tags[j].key)) {
                return tg_invalid(err, TG_FIELD_TAGS,
                                  "tag keys must be unique");
            }
        }
    }

    return TG_OK;
}


/* Checks the fields of spec that set selects. */
static int
tg_app_spec_check(const tg_app_spec_t *spec, unsigned set, tg_error_t *err)
{
    const char *rule;

    if ((set & TG_APP_SET_NAME)
        && tg_app_name_check(spec->name, &rule) != TG_OK) {
        return tg_invalid(err, TG_FIELD_NAME, rule);
    }

    if ((set & TG_APP_SET_DESCRIPTION)
        && tg_app_description_check(spec->description, &rule) != TG_OK)
    {
        return tg_invalid(err, TG_FIELD_DESCRIPTION, rule);
    }

    if ((set & TG_APP_SET_EXTEND)
        && tg_app_extend_check(spec->extend, &rule) != TG_OK)
    {
        return tg_invalid(err, TG_FIELD_EXTEND, rule);
    }

    if ((set & TG_APP_SET_TAGS)
        && tg_tags_check(spec->tags, spec->ntags, err) != TG_OK)
    {
        return TG_EINVALID;
    }

    /* A limit that is given must limit: rps 0 is not "no limit". */

    if ((set & TG_APP_SET_RATE) && spec->rate_limited
        && (spec->rate_rps == 0
            || tg_rate_limit_check(spec->rate_rps, spec->rate_burst, &rule)
                   != TG_OK))
    {
        return tg_invalid(err, TG_FIELD_RATE_LIMIT,
                          "rps and burst must each be 1-1000000");
    }

    return TG_OK;
}


/* Checks the credentials a create may supply. */
static int
tg_app_spec_credentials_check(const tg_app_spec_t *spec, tg_error_t *err)
{
    const char *rule;

    if (spec->app_key.ptr != NULL
        && tg_app_key_check(spec->app_key, &rule) != TG_OK)
    {
        return tg_invalid(err, TG_FIELD_APP_KEY, rule);
    }

    if (spec->app_secret.ptr != NULL
        && tg_app_secret_check(spec->app_secret, &rule) != TG_OK)
    {
        return tg_invalid(err, TG_FIELD_APP_SECRET, rule);
    }

    if (spec->app_code.ptr != NULL
        && tg_app_code_check(spec->app_code, &rule) != TG_OK)
    {
        return tg_invalid(err, TG_FIELD_APP_CODE, rule);
    }

    return TG_OK;
}


/* Copies the fields of spec that set selects into app.  TG_ENOMEM
 * leaves app partly updated; the caller frees it. */
static int
tg_app_apply(tg_app_t *app, const tg_app_spec_t *spec, unsigned set)
{
    size_t i;

#define TG_REPLACE(member, value)                                            \
    do {                                                                     \
        char *copy_ =                                                        \
            tg_strndup((value).ptr != NULL ? (value).ptr : "", (value).len); \
        if (copy_ == NULL) {                                                 \
            return TG_ENOMEM;                                                \
        }                                                                    \
        free(app->member);                                                   \
        app->member = copy_;                                                 \
    } while (0)

    if (set & TG_APP_SET_NAME) {
        TG_REPLACE(name, spec->name);
    }
    if (set & TG_APP_SET_DESCRIPTION) {
        TG_REPLACE(description, spec->description);
    }
    if (set & TG_APP_SET_EXTEND) {
        TG_REPLACE(extend, spec->extend);
    }

#undef TG_REPLACE

    if (set & TG_APP_SET_TAGS) {
        tg_tags_free(app->tags, app->ntags);
        app->ntags = 0;

        for (i = 0; i < spec->ntags; i++) {
            app->tags[i].key =
                tg_strndup(spec->tags[i].key.ptr, spec->tags[i].key.len);
            app->tags[i].value = tg_strndup(
                spec->tags[i].value.ptr != NULL ? spec->tags[i].value.ptr : "",
                spec->tags[i].value.len);
            app->ntags = i + 1;

            if (app->tags[i].key == NULL || app->tags[i].value == NULL) {
                return TG_ENOMEM;
            }
        }
    }

    if (set & TG_APP_SET_ENABLED) {
        app->enabled = spec->enabled;
    }
    if (set & TG_APP_SET_CREATOR) {
        app->creator = spec->creator;
    }
    if (set & TG_APP_SET_RATE) {
        app->rate_rps = spec->rate_limited ? spec->rate_rps : 0;
        app->rate_burst = spec->rate_limited ? spec->rate_burst : 0;
    }

    return TG_OK;
}


/* The account a create goes to: the caller's, or one the spec names if
 * the authorizer lets the caller create apps there. */
static int
tg_app_target_account(const tg_service_t *svc, tg_txn_t *t,
                      const tg_actor_t *actor, const tg_app_spec_t *spec,
                      char *account_id, tg_error_t *err)
{
    tg_account_t  account;
    tg_resource_t res;
    tg_str_t      asked = spec->account_id;
    int           rc;

    if (asked.ptr == NULL) {
        asked = tg_str_c(actor->account_id);
    }

    tg_resource_init(&res, svc->region, TG_RESOURCE_APP, asked, TG_STR_NULL);

    rc = tg_authorize(actor, TG_ACTION_CREATE_APP, &res, err);
    if (rc != TG_OK) {
        return rc;
    }

    if (tg_str_eq_c(asked, actor->account_id)) {
        memcpy(account_id, actor->account_id, TG_ID_LEN + 1);
        return TG_OK;
    }

    memset(&account, 0, sizeof(account));
    rc = tg_store_account_get(t, spec->account_id, &account);
    if (rc != TG_OK) {
        return tg_error_set(err, rc, TG_FIELD_ACCOUNT_ID, NULL);
    }

    memcpy(account_id, account.id, TG_ID_LEN + 1);
    tg_account_free(&account);
    return TG_OK;
}


/*
 * Checks the account's app quota.  The account's row is locked first, so
 * that two creates in one account (on two nodes of a shared store) count
 * and check one after the other: the statement that locks it also counts
 * the app (the account's counter, so that the check costs the same at any
 * number of apps), which a refusal rolls back.  Copies the account's
 * credential policy, as locked, to policy.
 */
static int
tg_app_room_take(tg_service_t *svc, tg_txn_t *t, const char *account_id,
                 tg_cred_policy_t *policy, tg_error_t *err)
{
    tg_account_t account;
    int64_t      count = 0, quota;
    int          rc;

    memset(&account, 0, sizeof(account));
    rc = tg_store_account_app_add(t, tg_str_c(account_id), &account, &count);
    if (rc != TG_OK) {
        return tg_error_set(err, rc, TG_FIELD_ACCOUNT_ID, NULL);
    }

    quota = account.app_quota > 0 ? account.app_quota
                                  : tg_service_limits(svc).max_apps;
    *policy = account.policy;
    tg_account_free(&account);

    if (count - 1 >= quota) {
        return tg_error_set(err, TG_EAPP_LIMIT, TG_FIELD_NONE,
                            "the account may hold at most %lld apps",
                            (long long) quota);
    }
    return TG_OK;
}


/*
 * Inserts the new app, whose AppId was drawn before the transaction: the
 * name must be free in its account (the unique index says so); an AppId
 * (or id) in use is drawn again.
 */
static int
tg_app_row_add(tg_txn_t *t, tg_app_t *app, tg_error_t *err)
{
    int inserted = 0, taken = 0, attempt, rc = TG_OK;

    for (attempt = 0; attempt < TG_APP_ID_ATTEMPTS; attempt++) {
        rc = tg_store_app_insert_counted(t, app, &inserted);
        if (rc != TG_OK || inserted) {
            break;
        }
        rc = tg_store_app_name_taken(t, tg_str_c(app->account_id),
                                     tg_str_c(app->name), TG_STR(""), &taken);
        if (rc == TG_OK && taken) {
            return tg_error_set(err, TG_ENAME_TAKEN, TG_FIELD_NAME, NULL);
        }
        if (rc == TG_OK) {
            rc = tg_id_generate(app->id);
        }
        if (rc == TG_OK) {
            rc = tg_app_id_generate(&app->app_id);
        }
        if (rc != TG_OK) {
            break;
        }
    }

    if (rc == TG_OK && !inserted) {
        rc = TG_EINTERNAL;
    }
    return rc == TG_OK ? rc : tg_error_code(err, rc);
}


/* One app create in progress: what it drew before its transaction. */
typedef struct {
    const tg_actor_t    *actor;
    const tg_app_spec_t *spec;
    tg_app_view_t       *out;
    tg_cred_spec_t       pair_spec;
    tg_cred_spec_t       code_spec;
    tg_cred_draft_t      pair;
    tg_cred_draft_t      code;
    int                  with_code;
} tg_app_create_t;


#define TG_APP_SET_ALL                                            \
    (TG_APP_SET_NAME | TG_APP_SET_DESCRIPTION | TG_APP_SET_EXTEND \
     | TG_APP_SET_TAGS | TG_APP_SET_ENABLED | TG_APP_SET_CREATOR  \
     | TG_APP_SET_RATE)


/* Sets when the primary pair's secret of an app's view, and the AppCodes
 * it holds, pass the maximum age of policy, its account's. */
static void
tg_app_view_expiry_set(const tg_cred_policy_t *policy, tg_app_view_t *view)
{
    size_t i;

    view->key.secret_expires_at =
        tg_cred_policy_expires_at(policy, view->key.secret_at);
    for (i = 0; i < view->ncodes; i++) {
        view->codes[i].secret_expires_at =
            tg_cred_policy_expires_at(policy, view->codes[i].secret_at);
    }
}


/* The same, with the account's policy read in t. */
static int
tg_app_view_expiry(tg_txn_t *t, tg_app_view_t *view, tg_error_t *err)
{
    tg_cred_policy_t policy;
    int              rc;

    rc = tg_account_policy(t, view->app.account_id, &policy, err);
    if (rc == TG_OK) {
        tg_app_view_expiry_set(&policy, view);
    }
    return rc;
}


static int
tg_app_create_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                  tg_audit_event_t *ev, tg_error_t *err)
{
    tg_app_create_t     *op = data;
    const tg_app_spec_t *spec = op->spec;
    tg_app_t            *app = &op->out->app;
    tg_cred_policy_t     policy;
    int64_t              now = tg_time_now_ms();
    int                  rc;

    rc = tg_app_target_account(svc, t, op->actor, spec, app->account_id, err);
    if (rc == TG_OK) {
        memcpy(ev->account_id, app->account_id, sizeof(ev->account_id));
        rc = tg_rate_take(svc, app->account_id, err);
    }
    if (rc == TG_OK) {
        rc = tg_app_room_take(svc, t, app->account_id, &policy, err);
    }
    if (rc == TG_OK) {
        app->created_at = now;
        app->updated_at = now;
        rc = tg_app_row_add(t, app, err);
    }
    if (rc == TG_OK) {
        tg_audit_app(ev, app);
        rc = tg_change(t, "app", app->id, app->id, "upsert");
    }
    if (rc == TG_OK) {
        rc = tg_cred_create_member(svc, t, TG_CRED_KEY_PAIR, app->id,
                                   &op->pair_spec, &policy, now, &op->pair,
                                   &op->out->key, err);
    }
    if (rc == TG_OK && op->with_code) {
        op->out->codes = calloc(1, sizeof(tg_code_view_t));
        rc = op->out->codes == NULL
                 ? TG_ENOMEM
                 : tg_cred_create_member(svc, t, TG_CRED_APP_CODE, app->id,
                                         &op->code_spec, &policy, now,
                                         &op->code, op->out->codes, err);
        op->out->ncodes = op->out->codes != NULL ? 1 : 0;
    }
    if (rc == TG_OK) {
        /* the pair's and the AppCode's: both are made by now */
        tg_app_view_expiry_set(&policy, op->out);
    }

    return rc;
}


/*
 * What a create can do before its transaction: draw the app's id and
 * AppId, copy the spec, and draw, hash and seal its credentials, so that
 * its turn in the store's serial write only checks and writes rows.
 */
static int
tg_app_create_prepare(tg_service_t *svc, tg_app_create_t *op, tg_error_t *err)
{
    const tg_app_spec_t *spec = op->spec;
    tg_app_t            *app = &op->out->app;
    tg_draw_t            draw;
    int                  rc;

    /* One draw from the CSPRNG for every random value. */
    tg_draw_init(&draw);
    rc = tg_draw_id(&draw, app->id);
    if (rc == TG_OK) {
        rc = tg_draw_app_id(&draw, &app->app_id);
    }
    if (rc == TG_OK) {
        rc = tg_app_apply(app, spec, TG_APP_SET_ALL);
    }
    rc = rc == TG_OK ? rc : tg_error_code(err, rc);

    if (rc == TG_OK) {
        rc = tg_cred_draft(svc, &tg_cred_kinds[TG_CRED_KEY_PAIR],
                           &op->pair_spec, &draw, &op->pair, err);
    }
    if (rc == TG_OK && op->with_code) {
        rc = tg_cred_draft(svc, &tg_cred_kinds[TG_CRED_APP_CODE],
                           &op->code_spec, &draw, &op->code, err);
    }

    tg_draw_wipe(&draw);
    return rc;
}


int
tg_service_app_create(tg_service_t *svc, const tg_actor_t *actor,
                      const tg_app_spec_t *spec, tg_app_view_t *out,
                      tg_error_t *err)
{
    tg_app_create_t  op;
    tg_audit_event_t ev;
    int              rc;

    memset(out, 0, sizeof(*out));
    memset(&op, 0, sizeof(op));
    op.actor = actor;
    op.spec = spec;
    op.out = out;
    op.pair_spec = (tg_cred_spec_t){ spec->app_key, spec->app_secret, 1, 0, 0 };
    op.code_spec = (tg_cred_spec_t){ TG_STR_NULL, spec->app_code, 0, 0, 0 };
    op.with_code = spec->app_code.ptr != NULL || spec->generate_app_code;

    tg_audit_begin(&ev, actor, TG_ACTION_CREATE_APP, "app", spec->name);

    rc = tg_app_spec_check(spec, TG_APP_SET_ALL, err);
    if (rc == TG_OK) {
        rc = tg_app_spec_credentials_check(spec, err);
    }
    if (rc == TG_OK) {
        rc = tg_app_create_prepare(svc, &op, err);
    }

    rc = rc == TG_OK ? tg_write(svc, &ev, tg_app_create_txn, &op, err)
                     : tg_audit_failure(svc, &ev, rc, err);

    tg_cred_draft_free(&op.pair);
    tg_cred_draft_free(&op.code);
    if (rc != TG_OK) {
        tg_app_view_free(out);
    }

    return rc;
}


/* Fills out with app (taken over) and its primary pair, masked. */
static int
tg_app_view_make(tg_service_t *svc, tg_txn_t *t, tg_app_t *app,
                 tg_app_view_t *out)
{
    tg_cred_t kp;
    int       rc;

    memset(&kp, 0, sizeof(kp));
    out->app = *app;
    memset(app, 0, sizeof(*app));

    rc = tg_store_cred_primary(t, TG_CRED_KEY_PAIR, tg_str_c(out->app.id), &kp);
    if (rc == TG_OK) {
        rc = tg_key_view_fill(svc, &kp, TG_STR_NULL, 0, &out->key);
        tg_cred_free(&kp);
    }
    if (rc == TG_OK) {
        rc = tg_app_view_expiry(t, out, NULL);
    }

    return rc;
}


/* One app read or list in progress. */
typedef struct {
    const tg_actor_t      *actor;
    tg_action_t            action;
    tg_str_t               ref;
    const tg_app_filter_t *filter;
    tg_app_view_t         *views;
    size_t                 n;
    int64_t                total;
} tg_app_read_t;


static int
tg_app_get_txn(tg_service_t *svc, tg_txn_t *t, void *data, tg_audit_event_t *ev,
               tg_error_t *err)
{
    tg_app_read_t *op = data;
    tg_app_t       app;
    int            rc;

    (void) ev;
    memset(&app, 0, sizeof(app));

    rc = tg_app_authorize_load(svc, t, op->actor, op->action, op->ref, &app,
                               err);
    if (rc == TG_OK) {
        rc = tg_app_view_make(svc, t, &app, op->views);
    }

    return rc;
}


/* Reads an app as action does. */
static int
tg_app_read(tg_service_t *svc, const tg_actor_t *actor, tg_action_t action,
            tg_str_t ref, tg_app_view_t *out, tg_error_t *err)
{
    tg_app_read_t op = { actor, action, ref, NULL, out, 1, 0 };
    int           rc;

    memset(out, 0, sizeof(*out));

    rc = tg_read(svc, tg_app_get_txn, &op, err);
    if (rc != TG_OK) {
        tg_app_view_free(out);
    }

    return rc;
}


int
tg_service_app_get(tg_service_t *svc, const tg_actor_t *actor, tg_str_t ref,
                   tg_app_view_t *out, tg_error_t *err)
{
    return tg_app_read(svc, actor, TG_ACTION_DESCRIBE_APP, ref, out, err);
}


/* An app's sort key in the filter's order. */
static int64_t
tg_app_list_key(const tg_app_filter_t *f, const tg_app_t *app)
{
    return f->order == TG_APP_ORDER_CREATED ? app->created_at : app->updated_at;
}


/* 1 if app comes after the filter's keyset position (or it has none). */
static int
tg_app_list_past(const tg_app_filter_t *f, const tg_app_t *app)
{
    int64_t key;
    int     c;

    if (!f->after_set) {
        return 1;
    }
    key = tg_app_list_key(f, app);
    c = key != f->after_key ? (key > f->after_key ? 1 : -1)
                            : tg_str_cmp(tg_str_c(app->id), f->after_id);
    return f->order == TG_APP_ORDER_UPDATED_DESC ? c < 0 : c > 0;
}


/*
 * A listing by a key with policies: every app the filter selects, less
 * those its policies hide, then the page asked for (so that totals and
 * pages count only what the key may see).
 */
static int
tg_app_list_by_policies(tg_service_t *svc, tg_txn_t *t, tg_app_read_t *op,
                        const tg_resource_t *any, tg_app_t **apps,
                        size_t *napps, tg_error_t *err)
{
    tg_app_filter_t f = *op->filter;
    tg_resource_t   res;
    tg_app_t       *all = NULL;
    size_t          nall = 0, i, kept = 0, out = 0;
    int64_t         total;
    int             rc;

    rc = tg_authorize_list(op->actor, op->action, any, err);
    if (rc != TG_OK) {
        return rc;
    }

    f.limit = INT32_MAX;
    f.offset = 0;
    f.after_set = 0;
    rc = tg_store_app_list(t, &f, &all, &nall, &total);
    if (rc != TG_OK) {
        return rc;
    }

    /* Keeps the visible ones of the page in place, frees the others. */

    for (i = 0; i < nall; i++) {
        tg_resource_app(&res, svc->region, &all[i]);
        if (tg_authorize_visible(op->actor, op->action, &res)) {
            if (kept >= (size_t) op->filter->offset
                && out < (size_t) op->filter->limit
                && tg_app_list_past(op->filter, &all[i]))
            {
                all[out++] = all[i];
                kept++;
                continue;
            }
            kept++;
        }
        tg_app_free(&all[i]);
    }

    op->total = (int64_t) kept;
    *apps = all;
    *napps = out;
    return TG_OK;
}


static int
tg_app_list_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                tg_audit_event_t *ev, tg_error_t *err)
{
    tg_app_read_t *op = data;
    tg_app_t      *apps = NULL;
    tg_resource_t  res;
    size_t         napps = 0, i;
    int            rc;

    (void) ev;

    tg_resource_init(&res, svc->region, TG_RESOURCE_APP, op->filter->account_id,
                     TG_STR_NULL);

    if (op->actor->policies != NULL) {
        rc = tg_app_list_by_policies(svc, t, op, &res, &apps, &napps, err);
    } else {
        rc = tg_authorize(op->actor, op->action, &res, err);
        if (rc == TG_OK) {
            rc = tg_store_app_list(t, op->filter, &apps, &napps, &op->total);
        }
    }
    if (rc == TG_OK && napps > 0) {
        op->views = calloc(napps, sizeof(tg_app_view_t));
        rc = op->views != NULL ? TG_OK : TG_ENOMEM;
    }
    if (rc == TG_OK) {
        op->n = napps;
    }

    for (i = 0; i < op->n && rc == TG_OK; i++) {
        rc = tg_app_view_make(svc, t, &apps[i], &op->views[i]);
    }

    tg_store_app_list_free(apps, napps);
    return rc;
}


int
tg_service_app_list(tg_service_t *svc, const tg_actor_t *actor,
                    const tg_app_filter_t *filter, tg_app_view_t **items,
                    size_t *n, int64_t *total, tg_error_t *err)
{
    tg_app_filter_t f = *filter;
    tg_app_read_t   op = {
          actor, TG_ACTION_DESCRIBE_APPS, TG_STR_NULL, &f, NULL, 0, 0
    };
    char code_hash[TG_HASH_HEX_LEN + 1];
    int  rc;

    rc = tg_authorize_listing(actor, TG_ACTION_DESCRIBE_APPS, TG_RESOURCE_APP,
                              f.account_id, err);
    if (rc != TG_OK) {
        return rc;
    }
    f.account_id = tg_authorize_scope(actor, TG_RESOURCE_APP, f.account_id);

    /* AppCodes are found by their index hash, never compared in clear. */

    if (f.app_code.ptr != NULL) {
        rc = tg_keyring_index(svc->keyring, TG_STR(TG_INDEX_APP_CODE),
                              f.app_code, code_hash);
        if (rc != TG_OK) {
            return tg_error_code(err, rc);
        }
        f.app_code_hash = tg_str_c(code_hash);
    }

    rc = tg_read(svc, tg_app_list_txn, &op, err);
    tg_wipe(code_hash, sizeof(code_hash));
    if (rc != TG_OK) {
        tg_app_view_list_free(op.views, op.n);
        op.views = NULL;
        op.n = 0;
    }

    *items = op.views;
    *n = op.n;
    *total = op.total;
    return rc;
}


/* Appends a string field of a cursor's filter: its length and bytes, or
 * "-" when absent, so that no two filters write the same text. */
static int
tg_app_cursor_str(tg_buf_t *b, tg_str_t s)
{
    if (s.ptr == NULL) {
        return tg_buf_append_c(b, "-;");
    }
    if (tg_buf_printf(b, "%zu:", s.len) != TG_OK
        || tg_buf_append(b, s.ptr, s.len) != TG_OK)
    {
        return TG_ENOMEM;
    }
    return tg_buf_append_c(b, ";");
}


/*
 * The MAC of a cursor whose body is body, for the listing of filter f
 * (the account it is scoped to included, its paging not): the first
 * TG_LIST_CURSOR_MAC_LEN bytes of the keyring's index HMAC of both.
 */
static int
tg_app_cursor_mac(tg_service_t *svc, const tg_app_filter_t *f,
                  const uint8_t body[TG_LIST_CURSOR_BODY_LEN],
                  uint8_t       mac[TG_LIST_CURSOR_MAC_LEN])
{
    const tg_str_t strs[] = { f->account_id, f->id,      f->name,
                              f->name_part,  f->app_key, f->extend,
                              f->app_code };
    char           hex[TG_INDEX_HEX_LEN + 1];
    tg_buf_t       b = TG_BUF_INIT;
    size_t         i;
    int            rc;

    rc = tg_buf_append(&b, body, TG_LIST_CURSOR_BODY_LEN);
    if (rc == TG_OK) {
        rc = tg_buf_printf(
            &b, "|o%d|e%d|c%d:%d|n%lld|x%lld|s%lld|t%zu|", f->order, f->enabled,
            f->by_creator, (int) f->creator, (long long) f->app_id,
            (long long) (f->expiring_before > 0 ? f->expiring_within_s : -1),
            (long long) (f->secret_before > 0 ? f->older_than_s : -1),
            f->ntags);
    }
    for (i = 0; i < sizeof(strs) / sizeof(strs[0]) && rc == TG_OK; i++) {
        rc = tg_app_cursor_str(&b, strs[i]);
    }
    for (i = 0; i < f->ntags && i < TG_TAGS_MAX && rc == TG_OK; i++) {
        rc = tg_app_cursor_str(&b, f->tag_keys[i]);
        if (rc == TG_OK) {
            rc = tg_app_cursor_str(&b, f->tag_values[i]);
        }
    }

    if (rc == TG_OK) {
        rc = tg_keyring_index(svc->keyring, TG_STR("list_cursor:apps"),
                              (tg_str_t){ b.ptr, b.len }, hex);
    }
    for (i = 0; rc == TG_OK && i < TG_LIST_CURSOR_MAC_LEN; i++) {
        mac[i] = (uint8_t) (tg_hex_digit(hex[2 * i]) << 4
                            | tg_hex_digit(hex[2 * i + 1]));
    }

    /* The filter may hold an AppCode in clear. */
    if (b.ptr != NULL) {
        tg_wipe(b.ptr, b.len);
    }
    tg_buf_free(&b);
    return rc;
}


/*
 * Reads cursor into f's keyset position, if it is a cursor made for f.
 * Returns 0, or TG_EBAD_REQUEST on the cursor field.
 */
static int
tg_app_cursor_read(tg_service_t *svc, tg_str_t cursor, tg_app_filter_t *f,
                   tg_list_pos_t *pos, tg_error_t *err)
{
    uint8_t body[TG_LIST_CURSOR_BODY_LEN], mac[TG_LIST_CURSOR_MAC_LEN],
        want[TG_LIST_CURSOR_MAC_LEN];
    int rc;

    if (tg_list_cursor_decode(cursor, pos, mac) != TG_OK
        || tg_list_cursor_body(pos, body) != TG_OK)
    {
        return tg_error_set(err, TG_EBAD_REQUEST, TG_FIELD_CURSOR,
                            "is not a cursor");
    }

    rc = tg_app_cursor_mac(svc, f, body, want);
    if (rc != TG_OK) {
        return tg_error_code(err, rc);
    }
    if (!tg_equal_ct(mac, sizeof(mac), want, sizeof(want))
        || pos->order != (unsigned) f->order)
    {
        return tg_error_set(err, TG_EBAD_REQUEST, TG_FIELD_CURSOR,
                            "was not made for this listing (another "
                            "filter or account), or was altered");
    }

    f->after_set = 1;
    f->after_key = pos->key;
    f->after_id = tg_str_c(pos->id);
    return TG_OK;
}


/* Writes the cursor of the position after app in f's listing into out. */
static int
tg_app_cursor_make(tg_service_t *svc, const tg_app_filter_t *f,
                   const tg_app_t *app, char out[TG_LIST_CURSOR_LEN + 1])
{
    uint8_t       body[TG_LIST_CURSOR_BODY_LEN], mac[TG_LIST_CURSOR_MAC_LEN];
    tg_list_pos_t pos;
    int           rc;

    memset(&pos, 0, sizeof(pos));
    pos.order = (unsigned) f->order;
    pos.key = tg_app_list_key(f, app);
    memcpy(pos.id, app->id, sizeof(pos.id));

    rc = tg_list_cursor_body(&pos, body);
    if (rc == TG_OK) {
        rc = tg_app_cursor_mac(svc, f, body, mac);
    }
    if (rc == TG_OK) {
        rc = tg_list_cursor_encode(&pos, mac, out);
    }
    return rc == TG_EINVALID ? TG_EINTERNAL : rc;
}


int
tg_service_app_list_page(tg_service_t *svc, const tg_actor_t *actor,
                         const tg_app_filter_t *filter, tg_str_t cursor,
                         tg_app_view_t **items, size_t *n, int64_t *total,
                         char next[TG_LIST_CURSOR_LEN + 1], tg_error_t *err)
{
    tg_app_filter_t f = *filter;
    tg_list_pos_t   pos;
    int             rc;

    *items = NULL;
    *n = 0;
    *total = 0;
    next[0] = '\0';

    if (f.limit < 1 || f.limit >= INT32_MAX || f.offset < 0) {
        return tg_error_set(err, TG_EINVALID, TG_FIELD_LIMIT, "out of range");
    }
    if (cursor.ptr != NULL && f.offset > 0) {
        return tg_error_set(err, TG_EBAD_REQUEST, TG_FIELD_CURSOR,
                            "cannot be given with offset");
    }

    /* The cursor is checked against the filter as the actor's scope
     * makes it: another account's cursor is another filter's. */
    rc = tg_authorize_listing(actor, TG_ACTION_DESCRIBE_APPS, TG_RESOURCE_APP,
                              f.account_id, err);
    if (rc != TG_OK) {
        return rc;
    }
    f.account_id = tg_authorize_scope(actor, TG_RESOURCE_APP, f.account_id);
    f.after_set = 0;
    if (cursor.ptr != NULL) {
        rc = tg_app_cursor_read(svc, cursor, &f, &pos, err);
        if (rc != TG_OK) {
            return rc;
        }
    }

    /* One more than the page tells whether there is a next one. */
    f.limit++;
    rc = tg_service_app_list(svc, actor, &f, items, n, total, err);
    if (rc != TG_OK || *n < (size_t) f.limit) {
        return rc;
    }

    (*n)--;
    tg_app_view_free(&(*items)[*n]);
    rc = tg_app_cursor_make(svc, &f, &(*items)[*n - 1].app, next);
    if (rc != TG_OK) {
        tg_app_view_list_free(*items, *n);
        *items = NULL;
        *n = 0;
        return tg_error_code(err, rc);
    }
    return TG_OK;
}


/* One app update or delete in progress. */
typedef struct {
    const tg_actor_t    *actor;
    tg_str_t             ref;
    const tg_app_spec_t *patch;
    unsigned             set;
    tg_app_t             app;
    tg_app_view_t       *out;
} tg_app_change_t;


static int
tg_app_update_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                  tg_audit_event_t *ev, tg_error_t *err)
{
    tg_app_change_t *op = data;
    int              taken, rc;

    rc = tg_app_authorize_load(svc, t, op->actor, TG_ACTION_MODIFY_APP, op->ref,
                               &op->app, err);
    if (rc == TG_OK) {
        tg_audit_app(ev, &op->app);
        rc = tg_rate_take(svc, op->app.account_id, err);
    }
    if (rc == TG_OK && (op->set & TG_APP_SET_NAME)) {
        rc = tg_store_account_lock(t, tg_str_c(op->app.account_id));
    }
    if (rc == TG_OK && (op->set & TG_APP_SET_NAME)) {
        rc = tg_store_app_name_taken(t, tg_str_c(op->app.account_id),
                                     op->patch->name, tg_str_c(op->app.id),
                                     &taken);
        if (rc == TG_OK && taken) {
            rc = tg_error_set(err, TG_ENAME_TAKEN, TG_FIELD_NAME, NULL);
        }
    }
    if (rc == TG_OK) {
        rc = tg_app_apply(&op->app, op->patch, op->set);
    }
    if (rc == TG_OK) {
        op->app.updated_at = tg_time_now_ms();
        rc = tg_store_app_update(t, &op->app);
    }
    if (rc == TG_OK) {
        rc = tg_change(t, "app", op->app.id, op->app.id, "upsert");
    }
    if (rc == TG_OK && (op->set & TG_APP_SET_KEY)) {
        rc =
            tg_cred_primary_set(svc, t, op->app.id, TG_CRED_KEY_PAIR,
                                op->patch->app_key, op->patch->app_secret, err);
    }
    if (rc == TG_OK) {
        rc = tg_app_view_make(svc, t, &op->app, op->out);
    }

    return rc;
}


int
tg_service_app_update(tg_service_t *svc, const tg_actor_t *actor, tg_str_t ref,
                      const tg_app_spec_t *patch, unsigned set,
                      tg_app_view_t *out, tg_error_t *err)
{
    tg_app_change_t  op;
    tg_audit_event_t ev;
    int              rc;

    /* Nothing to change: a read, as Alibaba's ModifyApp does. */

    if (set == 0) {
        return tg_app_read(svc, actor, TG_ACTION_MODIFY_APP, ref, out, err);
    }

    memset(out, 0, sizeof(*out));
    memset(&op, 0, sizeof(op));
    op.actor = actor;
    op.ref = ref;
    op.patch = patch;
    op.set = set;
    op.out = out;

    tg_audit_begin(&ev, actor, TG_ACTION_MODIFY_APP, "app", ref);
    tg_audit_detail(&ev,
                    "{\"name\":%s,\"description\":%s,\"extend\":%s,"
                    "\"tags\":%s,\"status\":%s,\"rate_limit\":%s%s}",
                    set & TG_APP_SET_NAME ? "true" : "false",
                    set & TG_APP_SET_DESCRIPTION ? "true" : "false",
                    set & TG_APP_SET_EXTEND ? "true" : "false",
                    set & TG_APP_SET_TAGS ? "true" : "false",
                    set & TG_APP_SET_ENABLED ? "true" : "false",
                    set & TG_APP_SET_RATE ? "true" : "false",
                    set & TG_APP_SET_KEY ? ",\"key\":true" : "");

    rc = tg_app_spec_check(patch, set, err);
    if (rc == TG_OK && (set & TG_APP_SET_KEY)) {
        rc = tg_app_spec_credentials_check(patch, err);
    }
    rc = rc == TG_OK ? tg_write(svc, &ev, tg_app_update_txn, &op, err)
                     : tg_audit_failure(svc, &ev, rc, err);

    tg_app_free(&op.app);
    if (rc != TG_OK) {
        tg_app_view_free(out);
    }

    return rc;
}


static int
tg_app_delete_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                  tg_audit_event_t *ev, tg_error_t *err)
{
    tg_app_change_t *op = data;
    int              rc;

    rc = tg_app_authorize_load(svc, t, op->actor, TG_ACTION_DELETE_APP, op->ref,
                               &op->app, err);
    if (rc == TG_OK) {
        tg_audit_app(ev, &op->app);
        tg_audit_detail(ev, "{\"app_id\":%lld}", (long long) op->app.app_id);
        rc = tg_rate_take(svc, op->app.account_id, err);
    }
    if (rc == TG_OK) {
        rc = tg_store_app_delete(t, tg_str_c(op->app.id));
    }
    if (rc == TG_OK) {
        rc = tg_change(t, "app", op->app.id, op->app.id, "delete");
    }

    return rc;
}


int
tg_service_app_delete(tg_service_t *svc, const tg_actor_t *actor, tg_str_t ref,
                      tg_error_t *err)
{
    tg_app_change_t  op;
    tg_audit_event_t ev;
    int              rc;

    memset(&op, 0, sizeof(op));
    op.actor = actor;
    op.ref = ref;

    tg_audit_begin(&ev, actor, TG_ACTION_DELETE_APP, "app", ref);
    rc = tg_write(svc, &ev, tg_app_delete_txn, &op, err);

    tg_app_free(&op.app);
    return rc;
}


/* One change of tags on several apps in progress. */
typedef struct {
    const tg_actor_t    *actor;
    const tg_str_t      *refs;
    size_t               n;
    const tg_tag_spec_t *set;
    size_t               nset;
    const tg_str_t      *remove;
    size_t               nremove;
    int                  remove_all;
} tg_tags_change_t;


/* The tags after the change, into tags (borrowing the strings of old
 * and of op). */
static int
tg_tags_merge(const tg_tags_change_t *op, const tg_tag_t *old, size_t nold,
              tg_tag_spec_t *tags, size_t *n, tg_error_t *err)
{
    size_t i, j;

    *n = 0;

    for (i = 0; i < nold && !op->remove_all; i++) {
        for (j = 0; j < op->nremove; j++) {
            if (tg_str_eq_c(op->remove[j], old[i].key)) {
                break;
            }
        }
        if (j == op->nremove) {
            tags[(*n)++] =
                (tg_tag_spec_t){ tg_str_c(old[i].key), tg_str_c(old[i].value) };
        }
    }

    for (i = 0; i < op->nset; i++) {
        for (j = 0; j < *n && !tg_str_eq(tags[j].key, op->set[i].key); j++) {
        }
        if (j == *n && *n == TG_TAGS_MAX) {
            return tg_invalid(err, TG_FIELD_TAGS,
                              "an app may hold at most 20 tags");
        }
        tags[j] = op->set[i];
        *n += j == *n;
    }

    return TG_OK;
}


static int
tg_tags_change_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                   tg_audit_event_t *ev, tg_error_t *err)
{
    tg_tags_change_t *op = data;
    tg_tag_spec_t     tags[TG_TAGS_MAX];
    tg_tag_t          old[TG_TAGS_MAX];
    tg_app_spec_t     spec;
    tg_app_t          app;
    size_t            i, ntags, nold;
    int               rc = TG_OK;

    for (i = 0; i < op->n && rc == TG_OK; i++) {
        memset(&app, 0, sizeof(app));
        nold = 0;
        rc = tg_app_authorize_load(svc, t, op->actor, TG_ACTION_TAG_RESOURCES,
                                   op->refs[i], &app, err);
        if (rc == TG_OK) {
            tg_audit_app(ev, &app);
            rc = i == 0 ? tg_rate_take(svc, app.account_id, err) : TG_OK;
        }
        if (rc == TG_OK) {
            /* A copy: applying the new tags frees the app's own. */
            rc = tg_tags_copy(old, &nold, app.tags, app.ntags);
        }
        if (rc == TG_OK) {
            rc = tg_tags_merge(op, old, nold, tags, &ntags, err);
        }
        if (rc == TG_OK) {
            memset(&spec, 0, sizeof(spec));
            spec.tags = tags;
            spec.ntags = ntags;
            rc = tg_app_apply(&app, &spec, TG_APP_SET_TAGS);
        }
        if (rc == TG_OK) {
            app.updated_at = tg_time_now_ms();
            rc = tg_store_app_update(t, &app);
        }
        if (rc == TG_OK) {
            rc = tg_change(t, "app", app.id, app.id, "upsert");
        }
        tg_tags_free(old, nold);
        tg_app_free(&app);
    }

    if (rc == TG_OK) {
        tg_audit_detail(ev, "{\"apps\":%zu,\"set\":%zu,\"removed\":%s}", op->n,
                        op->nset,
                        op->remove_all    ? "\"all\""
                        : op->nremove > 0 ? "true"
                                          : "false");
    }

    return rc;
}


int
tg_service_app_tags_change(tg_service_t *svc, const tg_actor_t *actor,
                           const tg_str_t *refs, size_t n,
                           const tg_tag_spec_t *set, size_t nset,
                           const tg_str_t *remove, size_t nremove,
                           int remove_all, tg_error_t *err)
{
    tg_tags_change_t op = { actor, refs,   n,       set,
                            nset,  remove, nremove, remove_all };
    tg_audit_event_t ev;
    int              rc;

    tg_audit_begin(&ev, actor, TG_ACTION_TAG_RESOURCES, "app",
                   n > 0 ? refs[0] : TG_STR(""));

    rc = tg_tags_check(set, nset, err);
    return rc == TG_OK ? tg_write(svc, &ev, tg_tags_change_txn, &op, err)
                       : tg_audit_failure(svc, &ev, rc, err);
}
