/*
 * The core service's lifecycle and the helpers its operations share:
 * auditing, the change log, loading what an actor may see, and sealing.
 * (The per-account rate limits are service_rate.c's.)
 */

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/time.h"
#include "tollgate/utf8.h"
#include "service/service_int.h"


int
tg_service_create(tg_store_t *store, const tg_keyring_t *keyring,
                  const tg_service_limits_t *limits, tg_service_t **out)
{
    tg_service_t *svc;
    int           rc;

    svc = calloc(1, sizeof(tg_service_t));
    if (svc == NULL) {
        return TG_ENOMEM;
    }

    svc->limits = calloc(1, sizeof(tg_limits_box_t));
    if (svc->limits == NULL) {
        free(svc);
        return TG_ENOMEM;
    }

    svc->store = store;
    svc->keyring = keyring;
    svc->limits->now = *limits;
    if (svc->limits->now.signed_nonces == 0) {
        svc->limits->now.signed_nonces = TG_SIGNED_NONCES_DEFAULT;
    }

    rc = tg_nonce_cache_create((size_t) svc->limits->now.signed_nonces,
                               &svc->nonces);
    if (rc != TG_OK) {
        free(svc->limits);
        free(svc);
        return rc;
    }

    snprintf(svc->region, sizeof(svc->region), "%s", TG_REGION_DEFAULT);
    pthread_mutex_init(&svc->lock, NULL);
    pthread_mutex_init(&svc->limits->lock, NULL);
    pthread_mutex_init(&svc->nonce_lock, NULL);
    pthread_mutex_init(&svc->session_lock, NULL);

    *out = svc;
    return TG_OK;
}


void
tg_service_destroy(tg_service_t *svc)
{
    if (svc != NULL) {
        pthread_mutex_destroy(&svc->lock);
        pthread_mutex_destroy(&svc->limits->lock);
        free(svc->limits);
        pthread_mutex_destroy(&svc->nonce_lock);
        tg_nonce_cache_destroy(svc->nonces);
        pthread_mutex_destroy(&svc->session_lock);
        tg_session_table_destroy(svc->sessions);
        free(svc->buckets);
        free(svc->action_buckets);
        free(svc);
    }
}


tg_service_limits_t
tg_service_limits(const tg_service_t *svc)
{
    tg_service_limits_t now;

    pthread_mutex_lock(&svc->limits->lock);
    now = svc->limits->now;
    pthread_mutex_unlock(&svc->limits->lock);

    return now;
}


void
tg_service_set_limits(tg_service_t *svc, const tg_service_limits_t *limits)
{
    int64_t nonces;

    pthread_mutex_lock(&svc->limits->lock);
    nonces = svc->limits->now.signed_nonces;
    svc->limits->now = *limits;
    svc->limits->now.signed_nonces = nonces;
    pthread_mutex_unlock(&svc->limits->lock);
}


static void
tg_copy_str(char *dst, size_t size, tg_str_t src)
{
    size_t n = src.len < size - 1 ? src.len : size - 1;

    if (n > 0) {
        memcpy(dst, src.ptr, n);
    }
    dst[n] = '\0';
}


void
tg_audit_begin(tg_audit_event_t *ev, const tg_actor_t *actor,
               tg_action_t action, const char *target_type, tg_str_t target)
{
    tg_audit_start(ev, actor, tg_action_event(action), target_type, target);
    tg_copy_str(ev->canonical_action, sizeof(ev->canonical_action),
                tg_str_c(tg_action_name(action)));
}


void
tg_audit_start(tg_audit_event_t *ev, const tg_actor_t *actor, const char *event,
               const char *target_type, tg_str_t target)
{
    tg_action_t action;

    memset(ev, 0, sizeof(*ev));
    ev->at = tg_time_now_ms();
    tg_copy_str(ev->actor, sizeof(ev->actor), tg_str_c(actor->key_id));
    tg_copy_str(ev->account_id, sizeof(ev->account_id),
                tg_str_c(actor->account_id));
    tg_copy_str(ev->action, sizeof(ev->action), tg_str_c(event));
    if (event != NULL && tg_action_find_event(event, &action) == TG_OK) {
        tg_copy_str(ev->canonical_action, sizeof(ev->canonical_action),
                    tg_str_c(tg_action_name(action)));
    }
    tg_copy_str(ev->target_type, sizeof(ev->target_type),
                tg_str_c(target_type));

    /* The target may come straight from a request path. */

    tg_utf8_sanitize(target, ev->target, sizeof(ev->target));
    tg_copy_str(ev->request_id, sizeof(ev->request_id),
                tg_str_c(actor->request_id));
    tg_copy_str(ev->source, sizeof(ev->source), tg_str_c(actor->source));
}


void
tg_audit_app(tg_audit_event_t *ev, const tg_app_t *app)
{
    memcpy(ev->app, app->id, sizeof(ev->app));
    memcpy(ev->account_id, app->account_id, sizeof(ev->account_id));

    if (strcmp(ev->target_type, "app") == 0) {
        tg_copy_str(ev->target, sizeof(ev->target), tg_str_c(app->id));
    }
}


void
tg_audit_detail(tg_audit_event_t *ev, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(ev->detail, sizeof(ev->detail), fmt, ap);
    va_end(ap);
}


/* Records ev as a success in t. */
static int
tg_audit_success(tg_txn_t *t, tg_audit_event_t *ev)
{
    ev->success = 1;
    return tg_store_audit_insert(t, ev);
}


void
tg_audit_reason(tg_audit_event_t *ev, const char *reason)
{
    json_t *obj;
    char   *text;
    size_t  len = strlen(reason);

    for (;;) {
        obj = json_pack("{s:s%}", "reason", reason, len);
        text = obj != NULL ? json_dumps(obj, JSON_COMPACT) : NULL;
        json_decref(obj);
        if (text == NULL || strlen(text) < sizeof(ev->detail) || len == 0) {
            break;
        }
        free(text);
        len = len > 16 ? len - 16 : 0;
    }

    if (text != NULL && strlen(text) < sizeof(ev->detail)) {
        tg_copy_str(ev->detail, sizeof(ev->detail), tg_str_c(text));
    }
    free(text);
}


/* A request that records the event it is given (tg_audit_failure()). */
static int
tg_audit_insert_run(tg_txn_t *t, void *ev)
{
    return tg_store_audit_insert(t, ev);
}


int
tg_audit_failure(tg_service_t *svc, tg_audit_event_t *ev, int rc,
                 tg_error_t *err)
{
    tg_error_code(err, rc);

    ev->success = 0;
    tg_copy_str(ev->error, sizeof(ev->error), tg_str_c(tg_err_name(rc)));

    /* A refusal records why: a policy's names its statement. */
    if (rc == TG_EFORBIDDEN && err != NULL && err->detail[0] != '\0') {
        tg_audit_reason(ev, err->detail);
    }

    /* Best effort: a store that cannot take the event has already
     * failed the operation, and the request log still records it. */

    (void) tg_txn_run(svc->store, tg_audit_insert_run, ev);
    return rc;
}


int
tg_change(tg_txn_t *t, const char *entity, const char *id, const char *app,
          const char *op)
{
    return tg_store_change_append(t, entity, tg_str_c(id), tg_str_c(app), op,
                                  tg_time_now_ms());
}


/* 1 if s is a decimal AppId. */
static int
tg_app_number_parse(tg_str_t s, int64_t *number)
{
    return s.len > 0 && s.len <= 18
           && tg_str_to_int64(s, 1, INT64_MAX, number) == TG_OK;
}


/* Loads the app that ref names, whoever holds it. */
static int
tg_app_lookup(tg_txn_t *t, tg_str_t ref, tg_app_t *app)
{
    int64_t number;

    if (tg_id_valid(ref)) {
        return tg_store_app_get(t, ref, app);
    }
    if (tg_app_number_parse(ref, &number)) {
        return tg_store_app_get_by_number(t, number, app);
    }
    return TG_EAPP_NOT_FOUND;
}


int
tg_app_authorize_load(const tg_service_t *svc, tg_txn_t *t,
                      const tg_actor_t *actor, tg_action_t action, tg_str_t ref,
                      tg_app_t *app, tg_error_t *err)
{
    tg_resource_t res;
    int           rc;

    tg_authorize_note(action); /* a 404 counts under it too */
    rc = tg_app_lookup(t, ref, app);
    if (rc != TG_OK) {
        return tg_error_code(err, rc);
    }

    tg_resource_app(&res, svc->region, app);

    rc = tg_authorize(actor, action, &res, err);
    if (rc != TG_OK) {
        tg_app_free(app);
    }
    return rc;
}


/* Writes "context" "id" into a buffer for use as sealing context. */
static int
tg_seal_context(tg_buf_t *b, const char *context, const char *id)
{
    if (tg_buf_append_c(b, context) != TG_OK || tg_buf_append_c(b, id) != TG_OK)
    {
        return TG_ENOMEM;
    }
    return TG_OK;
}


int
tg_seal_for(const tg_service_t *svc, const char *context, const char *id,
            tg_str_t secret, char **sealed)
{
    tg_buf_t ctx = TG_BUF_INIT, out = TG_BUF_INIT;
    int      rc;

    rc = tg_seal_context(&ctx, context, id);
    if (rc == TG_OK) {
        rc = tg_seal(svc->keyring, tg_buf_str(&ctx), secret, &out);
    }

    tg_buf_free(&ctx);

    if (rc != TG_OK) {
        tg_buf_free(&out);
        return rc;
    }

    *sealed = out.ptr;
    return TG_OK;
}


int
tg_unseal_for(const tg_service_t *svc, const char *context, const char *id,
              const char *sealed, char **secret)
{
    tg_buf_t ctx = TG_BUF_INIT, out = TG_BUF_INIT;
    int      rc;

    rc = tg_seal_context(&ctx, context, id);
    if (rc == TG_OK) {
        rc = tg_unseal(svc->keyring, tg_buf_str(&ctx), tg_str_c(sealed), &out);
    }

    /* An empty secret still needs a string to hand out. */

    if (rc == TG_OK && out.ptr == NULL) {
        rc = tg_buf_append(&out, "", 0);
    }

    tg_buf_free(&ctx);

    if (rc != TG_OK) {
        tg_buf_wipe(&out);
        return rc;
    }

    *secret = out.ptr;
    return TG_OK;
}


void
tg_secret_free(char *secret)
{
    if (secret != NULL) {
        tg_wipe(secret, strlen(secret));
        free(secret);
    }
}


/*
 * The secret of a stored credential into *secret (tg_secret_free() frees
 * it): a copy of known if its ptr is set, else opened from sealed.
 */
static int
tg_cred_secret(const tg_service_t *svc, const char *context, const char *id,
               const char *sealed, tg_str_t known, char **secret)
{
    if (known.ptr == NULL) {
        return tg_unseal_for(svc, context, id, sealed, secret);
    }

    *secret = tg_strndup(known.ptr, known.len);
    return *secret != NULL ? TG_OK : TG_ENOMEM;
}


int
tg_key_view_fill(const tg_service_t *svc, const tg_cred_t *kp, tg_str_t known,
                 int reveal, tg_key_view_t *view)
{
    char *secret = NULL;
    int   rc;

    memset(view, 0, sizeof(*view));

    rc = tg_cred_secret(svc, TG_SEAL_KEY_PAIR, kp->id, kp->sealed, known,
                        &secret);
    if (rc != TG_OK) {
        return rc;
    }

    memcpy(view->id, kp->id, sizeof(view->id));
    tg_secret_mask(tg_str_c(secret), view->secret_mask);
    view->primary = kp->primary;
    view->created_at = kp->created_at;
    view->updated_at = kp->updated_at;
    view->secret_at = kp->secret_at;
    view->app_key = tg_strndup(kp->key, strlen(kp->key));

    if (kp->prev_key != NULL && kp->prev_expires_at > tg_time_now_ms()) {
        view->prev_app_key = tg_strndup(kp->prev_key, strlen(kp->prev_key));
        view->prev_expires_at = kp->prev_expires_at;
        if (view->prev_app_key == NULL) {
            rc = TG_ENOMEM;
        }
    }

    if (view->app_key == NULL) {
        rc = TG_ENOMEM;
    }

    if (rc == TG_OK && reveal) {
        view->secret = secret;
        secret = NULL;
    }

    tg_secret_free(secret);

    if (rc != TG_OK) {
        tg_key_view_free(view);
    }

    return rc;
}


int
tg_code_view_fill(const tg_service_t *svc, const tg_cred_t *code,
                  tg_str_t known, int reveal, tg_code_view_t *view)
{
    char *plain = NULL;
    int   rc;

    memset(view, 0, sizeof(*view));

    rc = tg_cred_secret(svc, TG_SEAL_APP_CODE, code->id, code->sealed, known,
                        &plain);
    if (rc != TG_OK) {
        return rc;
    }

    memcpy(view->id, code->id, sizeof(view->id));
    tg_secret_mask(tg_str_c(plain), view->code_mask);
    view->created_at = code->created_at;
    view->updated_at = code->updated_at;
    view->secret_at = code->secret_at;

    if (reveal) {
        view->code = plain;
    } else {
        tg_secret_free(plain);
    }

    return TG_OK;
}


void
tg_key_view_free(tg_key_view_t *view)
{
    if (view != NULL) {
        free(view->app_key);
        tg_secret_free(view->secret);
        free(view->prev_app_key);
        memset(view, 0, sizeof(*view));
    }
}


void
tg_code_view_free(tg_code_view_t *view)
{
    if (view != NULL) {
        tg_secret_free(view->code);
        memset(view, 0, sizeof(*view));
    }
}


void
tg_app_view_free(tg_app_view_t *view)
{
    if (view != NULL) {
        tg_app_free(&view->app);
        tg_key_view_free(&view->key);
        tg_cred_members_free(TG_CRED_KEY_PAIR, view->keys, view->nkeys);
        tg_cred_members_free(TG_CRED_APP_CODE, view->codes, view->ncodes);
        memset(view, 0, sizeof(*view));
    }
}


void
tg_app_view_list_free(tg_app_view_t *items, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        tg_app_view_free(&items[i]);
    }
    free(items);
}


int
tg_begin(tg_service_t *svc, int write, tg_txn_t *t, tg_error_t *err)
{
    int rc = tg_txn_begin(svc->store, write, t);

    return rc == TG_OK ? rc : tg_error_code(err, rc);
}


/* A mutation as the store's request (tg_write()). */
typedef struct {
    tg_service_t     *svc;
    tg_audit_event_t *ev;
    tg_txn_body_pt    body;
    void             *data;
    tg_error_t       *err;
} tg_write_op_t;


/* Runs the body, and records the event as a success, in t: on the
 * thread that holds the store's turn, which may not be the caller's. */
static int
tg_write_run(tg_txn_t *t, void *arg)
{
    tg_write_op_t *op = arg;
    int            rc;

    rc = op->body(op->svc, t, op->data, op->ev, op->err);
    return rc == TG_OK ? tg_audit_success(t, op->ev) : rc;
}


int
tg_write(tg_service_t *svc, tg_audit_event_t *ev, tg_txn_body_pt body,
         void *data, tg_error_t *err)
{
    tg_write_op_t op = { svc, ev, body, data, err };
    int           rc;

    rc = tg_txn_run(svc->store, tg_write_run, &op);
    if (rc != TG_OK) {
        return tg_audit_failure(svc, ev, rc, err);
    }

    if (svc->on_commit != NULL) {
        svc->on_commit(svc->on_commit_data);
    }
    return TG_OK;
}


void
tg_service_on_commit(tg_service_t *svc, void (*fn)(void *data), void *data)
{
    svc->on_commit = fn;
    svc->on_commit_data = data;
}


int
tg_read(tg_service_t *svc, tg_txn_body_pt body, void *data, tg_error_t *err)
{
    tg_txn_t t;
    int      rc;

    rc = tg_begin(svc, 0, &t, err);
    if (rc != TG_OK) {
        return rc;
    }

    rc = body(svc, &t, data, NULL, err);
    tg_txn_rollback(&t);
    return rc == TG_OK ? rc : tg_error_code(err, rc);
}
