/*
 * An app's secrets: rotation with an optional grace period, reveal, and
 * the management of its key pairs and AppCodes.
 *
 * Rotation replaces a pair's secret (and optionally its AppKey).  With a
 * grace period the replaced key and secret stay valid for the data plane
 * until it ends; only the pair's latest replaced secret is kept, so a
 * second rotation within the grace period ends the first one's grace.
 * Without one (the default) the old secret is invalid at once.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/time.h"
#include "service/service_int.h"


/*
 * Makes a key pair for app: the given AppKey and secret, or generated
 * ones; checks the AppKey is free, seals the secret, stores the pair and
 * logs the change.  Fills view with the secret in clear.
 */
int
tg_key_pair_create(tg_service_t *svc, tg_txn_t *t, const char *app,
                   tg_str_t app_key, tg_str_t secret, int primary, int64_t now,
                   tg_key_view_t *view, tg_error_t *err)
{
    tg_key_pair_t kp;
    char          key[TG_APP_KEY_LEN + 1], generated[TG_APP_SECRET_LEN + 1];
    int           taken, rc;

    memset(&kp, 0, sizeof(kp));

    rc = tg_id_generate(kp.id);
    if (rc == TG_OK && app_key.ptr == NULL) {
        rc = tg_app_key_generate(key);
        app_key = tg_str_c(key);
    }
    if (rc == TG_OK && secret.ptr == NULL) {
        rc = tg_app_secret_generate(generated);
        secret = tg_str_c(generated);
    }
    if (rc == TG_OK) {
        rc = tg_store_app_key_taken(t, app_key, TG_STR(""), now, &taken);
        if (rc == TG_OK && taken) {
            rc = tg_error_set(err, TG_EAPP_KEY_TAKEN, TG_FIELD_APP_KEY, NULL);
        }
    }
    if (rc == TG_OK) {
        memcpy(kp.app, app, sizeof(kp.app));
        kp.primary = primary;
        kp.created_at = now;
        kp.updated_at = now;
        kp.app_key = tg_strndup(app_key.ptr, app_key.len);
        rc = kp.app_key == NULL ? TG_ENOMEM
                                : tg_seal_for(svc, TG_SEAL_KEY_PAIR, kp.id,
                                              secret, &kp.secret_sealed);
    }
    if (rc == TG_OK) {
        rc = tg_store_key_pair_insert(t, &kp);
    }
    if (rc == TG_OK) {
        rc = tg_change(t, "key_pair", kp.id, app, "upsert");
    }
    if (rc == TG_OK) {
        rc = tg_key_view_fill(svc, &kp, 1, view);
    }

    tg_wipe(generated, sizeof(generated));
    tg_key_pair_free(&kp);
    return rc == TG_OK ? rc : tg_error_code(err, rc);
}


/* The index hash of a code, and whether another code has it. */
static int
tg_code_hash(const tg_service_t *svc, tg_txn_t *t, tg_str_t code,
             char hash[TG_HASH_HEX_LEN + 1], tg_error_t *err)
{
    tg_app_code_t other;
    int           rc;

    rc = tg_keyring_index(svc->keyring, TG_STR(TG_INDEX_APP_CODE), code, hash);
    if (rc != TG_OK) {
        return tg_error_code(err, rc);
    }

    memset(&other, 0, sizeof(other));
    rc = tg_store_app_code_find(t, tg_str_c(hash), &other);
    if (rc == TG_OK) {
        tg_app_code_free(&other);
        return tg_error_set(err, TG_EAPP_CODE_TAKEN, TG_FIELD_APP_CODE, NULL);
    }

    return rc == TG_ECODE_NOT_FOUND ? TG_OK : tg_error_code(err, rc);
}


/* The code a caller gave, checked, or a generated one in buf. */
static int
tg_code_value(tg_str_t given, char buf[TG_APP_CODE_LEN + 1], tg_str_t *value,
              tg_error_t *err)
{
    const char *rule;

    if (given.ptr != NULL) {
        if (tg_app_code_check(given, &rule) != TG_OK) {
            return tg_error_set(err, TG_EINVALID, TG_FIELD_APP_CODE, "%s",
                                rule);
        }
        *value = given;
        return TG_OK;
    }

    if (tg_app_code_generate(buf) != TG_OK) {
        return tg_error_code(err, TG_EINTERNAL);
    }

    *value = tg_str_c(buf);
    return TG_OK;
}


/*
 * Makes an AppCode for app: the given one (already checked) or a
 * generated one; checks it is free, seals and stores it, logs the change.
 * Fills view with the code in clear.
 */
int
tg_app_code_create(tg_service_t *svc, tg_txn_t *t, const char *app,
                   tg_str_t given, int64_t now, tg_code_view_t *view,
                   tg_error_t *err)
{
    tg_app_code_t code;
    char          buf[TG_APP_CODE_LEN + 1];
    tg_str_t      value;
    int           rc;

    memset(&code, 0, sizeof(code));

    rc = tg_code_value(given, buf, &value, err);
    if (rc == TG_OK) {
        rc = tg_id_generate(code.id);
    }
    if (rc == TG_OK) {
        rc = tg_code_hash(svc, t, value, code.code_hash, err);
    }
    if (rc == TG_OK) {
        memcpy(code.app, app, sizeof(code.app));
        code.created_at = now;
        code.updated_at = now;
        rc = tg_seal_for(svc, TG_SEAL_APP_CODE, code.id, value,
                         &code.code_sealed);
    }
    if (rc == TG_OK) {
        rc = tg_store_app_code_insert(t, &code);
    }
    if (rc == TG_OK) {
        rc = tg_change(t, "app_code", code.id, app, "upsert");
    }
    if (rc == TG_OK) {
        rc = tg_code_view_fill(svc, &code, 1, view);
    }

    tg_wipe(buf, sizeof(buf));
    tg_app_code_free(&code);
    return rc == TG_OK ? rc : tg_error_code(err, rc);
}


/* Loads the pair that key names (id or AppKey) within app. */
static int
tg_pair_load(tg_txn_t *t, const tg_app_t *app, tg_str_t key, tg_key_pair_t *kp,
             tg_error_t *err)
{
    int rc;

    if (key.ptr == NULL) {
        rc = tg_store_key_pair_primary(t, tg_str_c(app->id), kp);

    } else if (tg_id_valid(key)) {
        rc = tg_store_key_pair_get(t, key, kp);
        if (rc == TG_EKEY_NOT_FOUND) {
            rc = tg_store_key_pair_find(t, key, kp);
        }

    } else {
        rc = tg_store_key_pair_find(t, key, kp);
    }

    if (rc == TG_OK && strcmp(kp->app, app->id) != 0) {
        tg_key_pair_free(kp);
        rc = TG_EKEY_NOT_FOUND;
    }

    return rc == TG_OK ? rc : tg_error_code(err, rc);
}


/* Loads the code with id code_id if it belongs to app. */
static int
tg_code_load(tg_txn_t *t, const tg_app_t *app, tg_str_t code_id,
             tg_app_code_t *code, tg_error_t *err)
{
    int rc = tg_id_valid(code_id) ? tg_store_app_code_get(t, code_id, code)
                                  : TG_ECODE_NOT_FOUND;

    if (rc == TG_OK && strcmp(code->app, app->id) != 0) {
        tg_app_code_free(code);
        rc = TG_ECODE_NOT_FOUND;
    }

    return rc == TG_OK ? rc : tg_error_code(err, rc);
}


/* One operation on an app's secrets in progress: what it names, what it
 * loaded, and where its answer goes. */
typedef struct {
    const tg_actor_t      *actor;
    tg_str_t               ref;   /* the app */
    tg_str_t               key;   /* a pair (id or AppKey), or a code id */
    tg_str_t               value; /* a given AppKey, secret or code */
    tg_str_t               secret;
    int                    primary;
    const tg_reset_spec_t *reset;
    int                    by_value; /* key is the AppCode itself */
    tg_app_t               app;
    tg_key_pair_t          kp;
    tg_app_code_t          code;
    tg_key_view_t         *key_view;
    tg_code_view_t        *code_view;
    tg_app_view_t         *app_view;
    void                  *items; /* lists */
    size_t                 n;
} tg_secret_op_t;


static void
tg_secret_op_init(tg_secret_op_t *op, const tg_actor_t *actor, tg_str_t ref)
{
    memset(op, 0, sizeof(*op));
    op->actor = actor;
    op->ref = ref;
}


static void
tg_secret_op_free(tg_secret_op_t *op)
{
    tg_app_free(&op->app);
    tg_key_pair_free(&op->kp);
    tg_app_code_free(&op->code);
}


/* Loads the app op->ref names, noting it in ev (which may be NULL). */
static int
tg_secret_op_app(tg_txn_t *t, tg_secret_op_t *op, tg_audit_event_t *ev,
                 tg_error_t *err)
{
    int rc = tg_app_load(t, op->actor, op->ref, &op->app, err);

    if (rc == TG_OK && ev != NULL) {
        tg_audit_app(ev, &op->app);
    }

    return rc;
}


/* Notes the pair or code an event is about as its target. */
static void
tg_audit_target_id(tg_audit_event_t *ev, const char *id)
{
    snprintf(ev->target, sizeof(ev->target), "%s", id);
}


/* Loads the app op->ref names, or with no ref the app that holds the
 * pair whose AppKey is op->key; then that pair. */
static int
tg_reset_target(tg_txn_t *t, tg_secret_op_t *op, tg_audit_event_t *ev,
                tg_error_t *err)
{
    int rc;

    if (op->ref.ptr != NULL) {
        rc = tg_secret_op_app(t, op, ev, err);
        return rc == TG_OK ? tg_pair_load(t, &op->app, op->key, &op->kp, err)
                           : rc;
    }

    rc = tg_store_key_pair_find(t, op->key, &op->kp);
    if (rc == TG_OK) {
        rc = tg_app_load(t, op->actor, tg_str_c(op->kp.app), &op->app, NULL);
        if (rc != TG_OK) {
            tg_key_pair_free(&op->kp);
            rc = TG_EKEY_NOT_FOUND;
        }
    }
    if (rc == TG_OK) {
        tg_audit_app(ev, &op->app);
    }

    return rc == TG_OK ? rc : tg_error_set(err, rc, TG_FIELD_APP_KEY, NULL);
}


static int
tg_reset_check(const tg_service_t *svc, const tg_reset_spec_t *spec,
               tg_error_t *err)
{
    const char *rule;

    if (spec->grace_seconds < 0
        || spec->grace_seconds > svc->limits.max_grace_seconds)
    {
        return tg_error_set(err, TG_EINVALID, TG_FIELD_GRACE_SECONDS,
                            "must be an integer from 0 to %lld",
                            (long long) svc->limits.max_grace_seconds);
    }

    if (spec->new_app_key.ptr != NULL
        && tg_app_key_check(spec->new_app_key, &rule) != TG_OK)
    {
        return tg_error_set(err, TG_EINVALID, TG_FIELD_APP_KEY, "%s", rule);
    }

    if (spec->new_secret.ptr != NULL
        && tg_app_secret_check(spec->new_secret, &rule) != TG_OK)
    {
        return tg_error_set(err, TG_EINVALID, TG_FIELD_APP_SECRET, "%s", rule);
    }

    return TG_OK;
}


/* Moves the pair's current key and secret to its grace slot, or clears
 * the slot when there is no grace. */
static int
tg_reset_grace(tg_key_pair_t *kp, int64_t grace_seconds, int64_t now)
{
    free(kp->prev_app_key);
    free(kp->prev_secret_sealed);
    kp->prev_app_key = NULL;
    kp->prev_secret_sealed = NULL;
    kp->prev_expires_at = 0;

    if (grace_seconds == 0) {
        return TG_OK;
    }

    kp->prev_app_key = tg_strndup(kp->app_key, strlen(kp->app_key));
    kp->prev_secret_sealed =
        tg_strndup(kp->secret_sealed, strlen(kp->secret_sealed));
    kp->prev_expires_at = now + grace_seconds * 1000;

    return kp->prev_app_key != NULL && kp->prev_secret_sealed != NULL
               ? TG_OK
               : TG_ENOMEM;
}


/* Gives the pair a new AppKey, if one was asked for and differs. */
static int
tg_reset_app_key(tg_txn_t *t, tg_key_pair_t *kp, tg_str_t new_key, int64_t now,
                 tg_error_t *err)
{
    char *copy;
    int   taken, rc;

    if (new_key.ptr == NULL || tg_str_eq_c(new_key, kp->app_key)) {
        return TG_OK;
    }

    rc = tg_store_app_key_taken(t, new_key, tg_str_c(kp->id), now, &taken);
    if (rc != TG_OK) {
        return tg_error_code(err, rc);
    }
    if (taken) {
        return tg_error_set(err, TG_EAPP_KEY_TAKEN, TG_FIELD_APP_KEY, NULL);
    }

    copy = tg_strndup(new_key.ptr, new_key.len);
    if (copy == NULL) {
        return tg_error_code(err, TG_ENOMEM);
    }

    free(kp->app_key);
    kp->app_key = copy;
    return TG_OK;
}


static int
tg_reset_txn(tg_service_t *svc, tg_txn_t *t, void *data, tg_audit_event_t *ev,
             tg_error_t *err)
{
    tg_secret_op_t *op = data;
    tg_key_pair_t  *kp = &op->kp;
    int64_t         now = tg_time_now_ms();
    char           *sealed = NULL;
    int             rc;

    rc = tg_reset_target(t, op, ev, err);
    if (rc == TG_OK) {
        tg_audit_target_id(ev, kp->id);
        rc = tg_reset_grace(kp, op->reset->grace_seconds, now);
    }
    if (rc == TG_OK) {
        rc = tg_reset_app_key(t, kp, op->reset->new_app_key, now, err);
    }
    if (rc == TG_OK) {
        rc = tg_seal_for(svc, TG_SEAL_KEY_PAIR, kp->id, op->secret, &sealed);
    }
    if (rc == TG_OK) {
        free(kp->secret_sealed);
        kp->secret_sealed = sealed;
        kp->updated_at = now;
        rc = tg_store_key_pair_update(t, kp);
    }
    if (rc == TG_OK) {
        rc = tg_change(t, "key_pair", kp->id, op->app.id, "upsert");
    }
    if (rc == TG_OK) {
        rc = tg_key_view_fill(svc, kp, 1, op->key_view);
    }

    return rc;
}


int
tg_service_secret_reset(tg_service_t *svc, const tg_actor_t *actor,
                        tg_str_t ref, const tg_reset_spec_t *spec,
                        tg_key_view_t *out, tg_error_t *err)
{
    tg_audit_event_t ev;
    tg_secret_op_t   op;
    char             generated[TG_APP_SECRET_LEN + 1];
    int              rc;

    memset(out, 0, sizeof(*out));
    tg_secret_op_init(&op, actor, ref);
    op.key = spec->key;
    op.reset = spec;
    op.secret = spec->new_secret;
    op.key_view = out;

    tg_audit_start(&ev, actor, "app.secret.reset", "key_pair",
                   ref.ptr != NULL ? ref : spec->key);
    tg_audit_detail(&ev, "{\"grace_seconds\":%lld,\"new_app_key\":%s}",
                    (long long) spec->grace_seconds,
                    spec->new_app_key.ptr != NULL ? "true" : "false");

    rc = tg_reset_check(svc, spec, err);
    if (rc == TG_OK && op.secret.ptr == NULL) {
        rc = tg_app_secret_generate(generated);
        op.secret = tg_str_c(generated);
    }

    rc = rc == TG_OK ? tg_write(svc, &ev, tg_reset_txn, &op, err)
                     : tg_audit_failure(svc, &ev, rc, err);

    tg_wipe(generated, sizeof(generated));
    tg_secret_op_free(&op);
    if (rc != TG_OK) {
        tg_key_view_free(out);
    }

    return rc;
}


/* Reads every pair and code of an app in clear into view. */
static int
tg_reveal_all(tg_service_t *svc, tg_txn_t *t, tg_app_view_t *view)
{
    tg_key_pair_t *pairs = NULL;
    tg_app_code_t *codes = NULL;
    size_t         npairs = 0, ncodes = 0, i;
    int            rc;

    rc = tg_store_key_pair_list(t, tg_str_c(view->app.id), &pairs, &npairs);
    if (rc == TG_OK) {
        rc = tg_store_app_code_list(t, tg_str_c(view->app.id), &codes, &ncodes);
    }
    if (rc == TG_OK && npairs > 0) {
        view->keys = calloc(npairs, sizeof(tg_key_view_t));
        rc = view->keys != NULL ? TG_OK : TG_ENOMEM;
    }
    if (rc == TG_OK && ncodes > 0) {
        view->codes = calloc(ncodes, sizeof(tg_code_view_t));
        rc = view->codes != NULL ? TG_OK : TG_ENOMEM;
    }

    for (i = 0; i < npairs && rc == TG_OK; i++) {
        rc = tg_key_view_fill(svc, &pairs[i], 1, &view->keys[i]);
        view->nkeys = i + 1;
        if (rc == TG_OK && pairs[i].primary) {
            rc = tg_key_view_fill(svc, &pairs[i], 1, &view->key);
        }
    }

    for (i = 0; i < ncodes && rc == TG_OK; i++) {
        rc = tg_code_view_fill(svc, &codes[i], 1, &view->codes[i]);
        view->ncodes = i + 1;
    }

    tg_store_key_pair_list_free(pairs, npairs);
    tg_store_app_code_list_free(codes, ncodes);
    return rc;
}


static int
tg_reveal_txn(tg_service_t *svc, tg_txn_t *t, void *data, tg_audit_event_t *ev,
              tg_error_t *err)
{
    tg_secret_op_t *op = data;
    int             rc;

    rc = tg_app_load(t, op->actor, op->ref, &op->app_view->app, err);
    if (rc == TG_OK) {
        tg_audit_app(ev, &op->app_view->app);
        rc = tg_reveal_all(svc, t, op->app_view);
    }

    return rc;
}


int
tg_service_secret_reveal(tg_service_t *svc, const tg_actor_t *actor,
                         tg_str_t ref, tg_app_view_t *out, tg_error_t *err)
{
    tg_audit_event_t ev;
    tg_secret_op_t   op;
    int              rc;

    memset(out, 0, sizeof(*out));
    tg_secret_op_init(&op, actor, ref);
    op.app_view = out;

    tg_audit_start(&ev, actor, "app.secret.reveal", "app", ref);
    rc = tg_write(svc, &ev, tg_reveal_txn, &op, err);

    if (rc != TG_OK) {
        tg_app_view_free(out);
    }

    return rc;
}


/* Makes pair_id the app's only primary pair. */
static int
tg_primary_set(tg_txn_t *t, const char *app, const char *pair_id, int64_t now)
{
    tg_key_pair_t *pairs = NULL;
    size_t         n = 0, i;
    int            rc;

    rc = tg_store_key_pair_list(t, tg_str_c(app), &pairs, &n);

    for (i = 0; i < n && rc == TG_OK; i++) {
        int primary = strcmp(pairs[i].id, pair_id) == 0;

        if (pairs[i].primary != primary) {
            pairs[i].primary = primary;
            pairs[i].updated_at = now;
            rc = tg_store_key_pair_update(t, &pairs[i]);
            if (rc == TG_OK) {
                rc = tg_change(t, "key_pair", pairs[i].id, app, "upsert");
            }
        }
    }

    tg_store_key_pair_list_free(pairs, n);
    return rc;
}


static int
tg_key_add_txn(tg_service_t *svc, tg_txn_t *t, void *data, tg_audit_event_t *ev,
               tg_error_t *err)
{
    tg_secret_op_t *op = data;
    int64_t         now = tg_time_now_ms(), count;
    int             rc;

    rc = tg_secret_op_app(t, op, ev, err);
    if (rc == TG_OK) {
        rc = tg_store_key_pair_count(t, tg_str_c(op->app.id), &count);
    }
    if (rc == TG_OK && count >= svc->limits.max_key_pairs) {
        rc = tg_error_set(err, TG_EKEY_LIMIT, TG_FIELD_NONE,
                          "an app may hold at most %lld key pairs",
                          (long long) svc->limits.max_key_pairs);
    }
    if (rc == TG_OK) {
        rc = tg_key_pair_create(svc, t, op->app.id, op->value, op->secret, 0,
                                now, op->key_view, err);
    }
    if (rc == TG_OK) {
        tg_audit_target_id(ev, op->key_view->id);
    }
    if (rc == TG_OK && op->primary) {
        rc = tg_primary_set(t, op->app.id, op->key_view->id, now);
        op->key_view->primary = 1;
    }

    return rc;
}


int
tg_service_key_add(tg_service_t *svc, const tg_actor_t *actor, tg_str_t ref,
                   tg_str_t app_key, tg_str_t secret, int primary,
                   tg_key_view_t *out, tg_error_t *err)
{
    tg_audit_event_t ev;
    tg_secret_op_t   op;
    const char      *rule;
    int              rc = TG_OK;

    memset(out, 0, sizeof(*out));
    tg_secret_op_init(&op, actor, ref);
    op.value = app_key;
    op.secret = secret;
    op.primary = primary;
    op.key_view = out;

    tg_audit_start(&ev, actor, "key.create", "key_pair", ref);

    if (app_key.ptr != NULL && tg_app_key_check(app_key, &rule) != TG_OK) {
        rc = tg_error_set(err, TG_EINVALID, TG_FIELD_APP_KEY, "%s", rule);
    } else if (secret.ptr != NULL
               && tg_app_secret_check(secret, &rule) != TG_OK) {
        rc = tg_error_set(err, TG_EINVALID, TG_FIELD_APP_SECRET, "%s", rule);
    }

    rc = rc == TG_OK ? tg_write(svc, &ev, tg_key_add_txn, &op, err)
                     : tg_audit_failure(svc, &ev, rc, err);

    tg_secret_op_free(&op);
    if (rc != TG_OK) {
        tg_key_view_free(out);
    }

    return rc;
}


static int
tg_key_list_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                tg_audit_event_t *ev, tg_error_t *err)
{
    tg_secret_op_t *op = data;
    tg_key_pair_t  *pairs = NULL;
    tg_key_view_t  *views;
    size_t          npairs = 0, i;
    int             rc;

    rc = tg_secret_op_app(t, op, ev, err);
    if (rc == TG_OK) {
        rc = tg_store_key_pair_list(t, tg_str_c(op->app.id), &pairs, &npairs);
    }
    if (rc == TG_OK && npairs > 0) {
        op->items = calloc(npairs, sizeof(tg_key_view_t));
        rc = op->items != NULL ? TG_OK : TG_ENOMEM;
    }

    views = op->items;
    for (i = 0; i < npairs && rc == TG_OK; i++) {
        rc = tg_key_view_fill(svc, &pairs[i], 0, &views[i]);
        op->n = i + 1;
    }

    tg_store_key_pair_list_free(pairs, npairs);
    return rc;
}


int
tg_service_key_list(tg_service_t *svc, const tg_actor_t *actor, tg_str_t ref,
                    tg_key_view_t **items, size_t *n, tg_error_t *err)
{
    tg_secret_op_t op;
    int            rc;

    tg_secret_op_init(&op, actor, ref);

    rc = tg_read(svc, tg_key_list_txn, &op, err);
    if (rc != TG_OK) {
        tg_key_view_list_free(op.items, op.n);
        op.items = NULL;
        op.n = 0;
    }

    tg_secret_op_free(&op);
    *items = op.items;
    *n = op.n;
    return rc;
}


static int
tg_key_primary_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                   tg_audit_event_t *ev, tg_error_t *err)
{
    tg_secret_op_t *op = data;
    int             rc;

    rc = tg_secret_op_app(t, op, ev, err);
    if (rc == TG_OK) {
        rc = tg_pair_load(t, &op->app, op->key, &op->kp, err);
    }
    if (rc == TG_OK) {
        tg_audit_target_id(ev, op->kp.id);
        tg_audit_detail(ev, "{\"primary\":true}");
        rc = tg_primary_set(t, op->app.id, op->kp.id, tg_time_now_ms());
        op->kp.primary = 1;
    }
    if (rc == TG_OK) {
        rc = tg_key_view_fill(svc, &op->kp, 0, op->key_view);
    }

    return rc;
}


int
tg_service_key_make_primary(tg_service_t *svc, const tg_actor_t *actor,
                            tg_str_t ref, tg_str_t key, tg_key_view_t *out,
                            tg_error_t *err)
{
    tg_audit_event_t ev;
    tg_secret_op_t   op;
    int              rc;

    memset(out, 0, sizeof(*out));
    tg_secret_op_init(&op, actor, ref);
    op.key = key;
    op.key_view = out;

    tg_audit_start(&ev, actor, "key.update", "key_pair", key);
    rc = tg_write(svc, &ev, tg_key_primary_txn, &op, err);

    tg_secret_op_free(&op);
    if (rc != TG_OK) {
        tg_key_view_free(out);
    }

    return rc;
}


static int
tg_key_delete_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                  tg_audit_event_t *ev, tg_error_t *err)
{
    tg_secret_op_t *op = data;
    tg_key_pair_t  *pairs = NULL;
    size_t          n = 0;
    int64_t         count;
    int             rc;

    (void) svc;

    rc = tg_secret_op_app(t, op, ev, err);
    if (rc == TG_OK) {
        rc = tg_pair_load(t, &op->app, op->key, &op->kp, err);
    }
    if (rc == TG_OK) {
        tg_audit_target_id(ev, op->kp.id);
        rc = tg_store_key_pair_count(t, tg_str_c(op->app.id), &count);
    }
    if (rc == TG_OK && count <= 1) {
        rc = tg_error_code(err, TG_ELAST_KEY);
    }
    if (rc == TG_OK) {
        rc = tg_store_key_pair_delete(t, tg_str_c(op->kp.id));
    }
    if (rc == TG_OK) {
        rc = tg_change(t, "key_pair", op->kp.id, op->app.id, "delete");
    }

    /* The oldest remaining pair takes over as primary. */

    if (rc == TG_OK && op->kp.primary) {
        rc = tg_store_key_pair_list(t, tg_str_c(op->app.id), &pairs, &n);
        if (rc == TG_OK && n > 0) {
            rc = tg_primary_set(t, op->app.id, pairs[0].id, tg_time_now_ms());
        }
        tg_store_key_pair_list_free(pairs, n);
    }

    return rc;
}


int
tg_service_key_delete(tg_service_t *svc, const tg_actor_t *actor, tg_str_t ref,
                      tg_str_t key, tg_error_t *err)
{
    tg_audit_event_t ev;
    tg_secret_op_t   op;
    int              rc;

    tg_secret_op_init(&op, actor, ref);
    op.key = key;

    tg_audit_start(&ev, actor, "key.delete", "key_pair", key);
    rc = tg_write(svc, &ev, tg_key_delete_txn, &op, err);

    tg_secret_op_free(&op);
    return rc;
}


static int
tg_code_add_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                tg_audit_event_t *ev, tg_error_t *err)
{
    tg_secret_op_t *op = data;
    int64_t         count;
    int             rc;

    rc = tg_secret_op_app(t, op, ev, err);
    if (rc == TG_OK) {
        rc = tg_store_app_code_count(t, tg_str_c(op->app.id), &count);
    }
    if (rc == TG_OK && count >= svc->limits.max_codes) {
        rc = tg_error_set(err, TG_ECODE_LIMIT, TG_FIELD_NONE,
                          "an app may hold at most %lld AppCodes",
                          (long long) svc->limits.max_codes);
    }
    if (rc == TG_OK) {
        rc = tg_app_code_create(svc, t, op->app.id, op->value, tg_time_now_ms(),
                                op->code_view, err);
    }
    if (rc == TG_OK) {
        tg_audit_target_id(ev, op->code_view->id);
    }

    return rc;
}


int
tg_service_code_add(tg_service_t *svc, const tg_actor_t *actor, tg_str_t ref,
                    tg_str_t given, tg_code_view_t *out, tg_error_t *err)
{
    tg_audit_event_t ev;
    tg_secret_op_t   op;
    const char      *rule;
    int              rc = TG_OK;

    memset(out, 0, sizeof(*out));
    tg_secret_op_init(&op, actor, ref);
    op.value = given;
    op.code_view = out;

    tg_audit_start(&ev, actor, "code.create", "app_code", ref);

    if (given.ptr != NULL && tg_app_code_check(given, &rule) != TG_OK) {
        rc = tg_error_set(err, TG_EINVALID, TG_FIELD_APP_CODE, "%s", rule);
    }

    rc = rc == TG_OK ? tg_write(svc, &ev, tg_code_add_txn, &op, err)
                     : tg_audit_failure(svc, &ev, rc, err);

    tg_secret_op_free(&op);
    if (rc != TG_OK) {
        tg_code_view_free(out);
    }

    return rc;
}


static int
tg_code_list_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                 tg_audit_event_t *ev, tg_error_t *err)
{
    tg_secret_op_t *op = data;
    tg_app_code_t  *codes = NULL;
    tg_code_view_t *views;
    size_t          ncodes = 0, i;
    int             rc;

    rc = tg_secret_op_app(t, op, ev, err);
    if (rc == TG_OK) {
        rc = tg_store_app_code_list(t, tg_str_c(op->app.id), &codes, &ncodes);
    }
    if (rc == TG_OK && ncodes > 0) {
        op->items = calloc(ncodes, sizeof(tg_code_view_t));
        rc = op->items != NULL ? TG_OK : TG_ENOMEM;
    }

    views = op->items;
    for (i = 0; i < ncodes && rc == TG_OK; i++) {
        rc = tg_code_view_fill(svc, &codes[i], 0, &views[i]);
        op->n = i + 1;
    }

    tg_store_app_code_list_free(codes, ncodes);
    return rc;
}


int
tg_service_code_list(tg_service_t *svc, const tg_actor_t *actor, tg_str_t ref,
                     tg_code_view_t **items, size_t *n, tg_error_t *err)
{
    tg_secret_op_t op;
    int            rc;

    tg_secret_op_init(&op, actor, ref);

    rc = tg_read(svc, tg_code_list_txn, &op, err);
    if (rc != TG_OK) {
        tg_code_view_list_free(op.items, op.n);
        op.items = NULL;
        op.n = 0;
    }

    tg_secret_op_free(&op);
    *items = op.items;
    *n = op.n;
    return rc;
}


/*
 * Loads the code op->key names and its app: by the code's id within the
 * app op->ref names; or, by_value, by the code itself (found through its
 * index hash), within op->ref's app if a ref is given.
 */
static int
tg_code_target(const tg_service_t *svc, tg_txn_t *t, tg_secret_op_t *op,
               tg_audit_event_t *ev, tg_error_t *err)
{
    char hash[TG_HASH_HEX_LEN + 1];
    int  rc;

    if (!op->by_value) {
        rc = tg_secret_op_app(t, op, ev, err);
        return rc == TG_OK ? tg_code_load(t, &op->app, op->key, &op->code, err)
                           : rc;
    }

    if (op->ref.ptr != NULL) {
        rc = tg_secret_op_app(t, op, ev, err);
        if (rc != TG_OK) {
            return rc;
        }
    }

    rc = tg_keyring_index(svc->keyring, TG_STR(TG_INDEX_APP_CODE), op->key,
                          hash);
    if (rc == TG_OK) {
        rc = tg_store_app_code_find(t, tg_str_c(hash), &op->code);
    }
    tg_wipe(hash, sizeof(hash));

    if (rc == TG_OK && op->ref.ptr != NULL
        && strcmp(op->code.app, op->app.id) != 0) {
        rc = TG_ECODE_NOT_FOUND;
    }
    if (rc == TG_OK && op->ref.ptr == NULL) {
        rc = tg_app_load(t, op->actor, tg_str_c(op->code.app), &op->app, NULL);
        rc = rc == TG_EAPP_NOT_FOUND ? TG_ECODE_NOT_FOUND : rc;
        if (rc == TG_OK) {
            tg_audit_app(ev, &op->app);
        }
    }
    if (rc == TG_OK) {
        tg_audit_target_id(ev, op->code.id);
    }

    return rc == TG_OK ? rc : tg_error_set(err, rc, TG_FIELD_APP_CODE, NULL);
}


static int
tg_code_reset_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                  tg_audit_event_t *ev, tg_error_t *err)
{
    tg_secret_op_t *op = data;
    tg_app_code_t  *code = &op->code;
    int64_t         now = tg_time_now_ms(), next;
    char           *sealed = NULL;
    int             rc;

    rc = tg_code_target(svc, t, op, ev, err);
    if (rc != TG_OK) {
        return rc;
    }

    /* Alibaba's contract: an AppCode can be reset once a minute. */

    next = code->updated_at + svc->limits.code_reset_interval * 1000;
    if (now < next) {
        rc = tg_error_set(err, TG_ERATE_LIMITED, TG_FIELD_NONE,
                          "an AppCode can be reset once every %lld seconds",
                          (long long) svc->limits.code_reset_interval);
        if (err != NULL) {
            err->retry_after = (next - now + 999) / 1000;
        }
        return rc;
    }

    rc = tg_code_hash(svc, t, op->value, code->code_hash, err);
    if (rc == TG_OK) {
        rc = tg_seal_for(svc, TG_SEAL_APP_CODE, code->id, op->value, &sealed);
    }
    if (rc == TG_OK) {
        free(code->code_sealed);
        code->code_sealed = sealed;
        code->updated_at = now;
        rc = tg_store_app_code_update(t, code);
    }
    if (rc == TG_OK) {
        rc = tg_change(t, "app_code", code->id, op->app.id, "upsert");
    }
    if (rc == TG_OK) {
        rc = tg_code_view_fill(svc, code, 1, op->code_view);
    }

    return rc;
}


/* A code reset; by_value: code_id is the AppCode itself. */
static int
tg_code_reset(tg_service_t *svc, const tg_actor_t *actor, tg_str_t ref,
              tg_str_t code_id, int by_value, tg_str_t given,
              tg_code_view_t *out, tg_error_t *err)
{
    tg_audit_event_t ev;
    tg_secret_op_t   op;
    char             buf[TG_APP_CODE_LEN + 1];
    int              rc;

    memset(out, 0, sizeof(*out));
    tg_secret_op_init(&op, actor, ref);
    op.key = code_id;
    op.by_value = by_value;
    op.code_view = out;

    /* A code is a bearer credential: never a target in the audit. */
    tg_audit_start(&ev, actor, "code.reset", "app_code",
                   by_value ? TG_STR("") : code_id);

    rc = tg_code_value(given, buf, &op.value, err);
    rc = rc == TG_OK ? tg_write(svc, &ev, tg_code_reset_txn, &op, err)
                     : tg_audit_failure(svc, &ev, rc, err);

    tg_wipe(buf, sizeof(buf));
    tg_secret_op_free(&op);
    if (rc != TG_OK) {
        tg_code_view_free(out);
    }

    return rc;
}


int
tg_service_code_reset(tg_service_t *svc, const tg_actor_t *actor, tg_str_t ref,
                      tg_str_t code_id, tg_str_t given, tg_code_view_t *out,
                      tg_error_t *err)
{
    return tg_code_reset(svc, actor, ref, code_id, 0, given, out, err);
}


int
tg_service_code_reset_by_value(tg_service_t *svc, const tg_actor_t *actor,
                               tg_str_t ref, tg_str_t code, tg_str_t given,
                               tg_code_view_t *out, tg_error_t *err)
{
    return tg_code_reset(svc, actor, ref, code, 1, given, out, err);
}


static int
tg_code_delete_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                   tg_audit_event_t *ev, tg_error_t *err)
{
    tg_secret_op_t *op = data;
    int             rc;

    rc = tg_code_target(svc, t, op, ev, err);
    if (rc == TG_OK) {
        rc = tg_store_app_code_delete(t, tg_str_c(op->code.id));
    }
    if (rc == TG_OK) {
        rc = tg_change(t, "app_code", op->code.id, op->app.id, "delete");
    }

    return rc;
}


static int
tg_code_delete(tg_service_t *svc, const tg_actor_t *actor, tg_str_t ref,
               tg_str_t code_id, int by_value, tg_error_t *err)
{
    tg_audit_event_t ev;
    tg_secret_op_t   op;
    int              rc;

    tg_secret_op_init(&op, actor, ref);
    op.key = code_id;
    op.by_value = by_value;

    tg_audit_start(&ev, actor, "code.delete", "app_code",
                   by_value ? TG_STR("") : code_id);
    rc = tg_write(svc, &ev, tg_code_delete_txn, &op, err);

    tg_secret_op_free(&op);
    return rc;
}


int
tg_service_code_delete(tg_service_t *svc, const tg_actor_t *actor, tg_str_t ref,
                       tg_str_t code_id, tg_error_t *err)
{
    return tg_code_delete(svc, actor, ref, code_id, 0, err);
}


int
tg_service_code_delete_by_value(tg_service_t *svc, const tg_actor_t *actor,
                                tg_str_t ref, tg_str_t code, tg_error_t *err)
{
    return tg_code_delete(svc, actor, ref, code, 1, err);
}
