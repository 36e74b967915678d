/*
 * An app's credentials: add, list, reset, make primary, delete and
 * reveal, one implementation for every kind.  What differs between key
 * pairs and AppCodes (formats, uniqueness, limits, reset rules, the
 * primary, views) is read from the kind's rules (service_creds.c).
 *
 * Rotation replaces a credential's secret (and, for key pairs,
 * optionally its AppKey).  For a kind with a grace period the replaced
 * key and secret may stay valid for the data plane until it ends; only
 * the latest replaced secret is kept, so a second rotation within the
 * grace period ends the first one's grace.  Without one (the default)
 * the old secret is invalid at once.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/time.h"
#include "service/service_int.h"


/* A value a caller gave, checked against format, or one drawn from
 * draw. */
static int
tg_cred_value(const tg_cred_format_t *format, tg_field_t field, tg_str_t given,
              tg_draw_t *draw, char buf[TG_CRED_GENERATED_MAX + 1],
              tg_str_t *value, tg_error_t *err)
{
    const char *rule;

    if (given.ptr != NULL) {
        if (format->check(given, &rule) != TG_OK) {
            return tg_error_set(err, TG_EINVALID, field, "%s", rule);
        }
        *value = given;
        return TG_OK;
    }

    if (format->draw(draw, buf) != TG_OK) {
        return tg_error_code(err, TG_EINTERNAL);
    }

    *value = tg_str_c(buf);
    return TG_OK;
}


/*
 * The account's credential policy (cred_policy.h) is read in the
 * operation's transaction, from the account that holds the app, and
 * applied here: the strength of a secret the caller chose for a key
 * pair, and the bounds of a reset's grace.  Both are TG_EINVALID on the
 * field concerned, with the rule in the detail.
 */


/* Reads the policy of the account that holds app (its id). */
static int
tg_cred_app_policy(tg_txn_t *t, const char *app, tg_cred_policy_t *policy,
                   tg_error_t *err)
{
    tg_app_t record;
    int      rc;

    memset(&record, 0, sizeof(record));
    rc = tg_store_app_get(t, tg_str_c(app), &record);
    rc = rc == TG_OK ? tg_account_policy(t, record.account_id, policy, err)
                     : tg_error_code(err, rc);
    tg_app_free(&record);
    return rc;
}


/* Checks a secret the caller chose (NULL ptr: none) for a credential of
 * kind: the strength rule holds for key pairs. */
static int
tg_cred_policy_secret(const tg_cred_policy_t *p, const tg_cred_rules_t *kind,
                      tg_str_t secret, tg_error_t *err)
{
    const char *rule;

    if (secret.ptr == NULL || kind->kind != TG_CRED_KEY_PAIR
        || tg_cred_policy_secret_check(p, secret, &rule) == TG_OK)
    {
        return TG_OK;
    }
    return tg_error_set(err, TG_EINVALID, kind->secret_field, "%s", rule);
}


/*
 * The grace a reset of a kind with a grace gets, into *grace: the one it
 * asked for, which must be within the account's bounds, or else the
 * account's minimum one.  A kind without a grace gets none.
 */
static int
tg_cred_policy_grace(const tg_service_t *svc, const tg_cred_policy_t *p,
                     const tg_cred_rules_t *kind, int asked, int64_t *grace,
                     tg_error_t *err)
{
    int64_t limit = tg_service_limits(svc).max_grace_seconds;

    if (!kind->grace) {
        *grace = 0;
        return TG_OK;
    }
    if (!asked) {
        *grace = tg_cred_policy_grace_default(p, limit);
        return TG_OK;
    }
    if (tg_cred_policy_grace_check(p, limit, *grace) == TG_OK) {
        return TG_OK;
    }
    return tg_error_set(err, TG_EINVALID, TG_FIELD_GRACE_SECONDS,
                        "the account's credential policy asks for a rotation "
                        "grace from %lld to %lld seconds",
                        (long long) p->min_grace,
                        (long long) tg_cred_policy_grace_max(p, limit));
}


/* Keeps c's current key and secret valid for grace seconds from now (Unix
 * ms), or ends any grace when it is 0. */
static int
tg_cred_grace_keep(tg_cred_t *c, int64_t grace, int64_t now, tg_error_t *err)
{
    free(c->prev_key);
    free(c->prev_sealed);
    c->prev_key = NULL;
    c->prev_sealed = NULL;
    c->prev_expires_at = 0;

    if (grace == 0) {
        return TG_OK;
    }

    c->prev_key = tg_strndup(c->key, strlen(c->key));
    c->prev_sealed = tg_strndup(c->sealed, strlen(c->sealed));
    c->prev_expires_at = now + grace * 1000;

    return c->prev_key != NULL && c->prev_sealed != NULL
               ? TG_OK
               : tg_error_code(err, TG_ENOMEM);
}


/* Sets when the credential of a view passes the account's maximum age. */
static void
tg_cred_view_expiry(const tg_cred_policy_t *p, tg_cred_view_t *view)
{
    if (view->kind == TG_CRED_KEY_PAIR) {
        view->key.secret_expires_at =
            tg_cred_policy_expires_at(p, view->key.secret_at);
    } else {
        view->code.secret_expires_at =
            tg_cred_policy_expires_at(p, view->code.secret_at);
    }
}


/* The same for n views of credentials of the account's (its id). */
static int
tg_cred_views_expiry(tg_txn_t *t, const char *account_id, tg_cred_view_t *views,
                     size_t n, tg_error_t *err)
{
    tg_cred_policy_t policy;
    size_t           i;
    int              rc;

    rc = tg_account_policy(t, account_id, &policy, err);
    for (i = 0; i < n && rc == TG_OK; i++) {
        tg_cred_view_expiry(&policy, &views[i]);
    }
    return rc;
}


/*
 * Gives c its name: for a kind named by its secret, the secret's index
 * hash; for a kind with a public key, key.  The name must not be in use
 * by another credential than except_id.  A kind named by neither has
 * nothing to keep unique.
 */
static int
tg_cred_name(const tg_service_t *svc, tg_txn_t *t, const tg_cred_rules_t *kind,
             tg_str_t key, tg_str_t secret, tg_str_t except_id, int64_t now,
             tg_cred_t *c, tg_error_t *err)
{
    tg_str_t name = key;
    char    *copy;
    int      taken, rc;

    if (kind->index == NULL && kind->key == NULL) {
        return TG_OK;
    }

    if (kind->index != NULL) {
        rc = tg_keyring_index(svc->keyring, tg_str_c(kind->index), secret,
                              c->hash);
        if (rc != TG_OK) {
            return tg_error_code(err, rc);
        }
        name = tg_str_c(c->hash);
    }

    rc = tg_store_cred_taken(t, kind->kind, name, except_id, now, &taken);
    if (rc != TG_OK) {
        return tg_error_code(err, rc);
    }
    if (taken) {
        return tg_error_set(err, kind->taken, kind->name_field, NULL);
    }

    if (kind->index == NULL) {
        copy = tg_strndup(key.ptr, key.len);
        if (copy == NULL) {
            return tg_error_code(err, TG_ENOMEM);
        }
        free(c->key);
        c->key = copy;
    }

    return TG_OK;
}


/* Draws a fresh value for the part of d that names it: the key of a
 * key-named kind, or the secret (and its index hash) of a secret-named
 * one, which the new secret is then sealed again for. */
static int
tg_cred_draft_redraw(const tg_service_t *svc, const tg_cred_rules_t *kind,
                     tg_cred_draft_t *d)
{
    char *sealed = NULL;
    int   rc;

    if (kind->index == NULL && kind->key == NULL) {
        return TG_EINTERNAL; /* only its id could clash */
    }

    if (kind->index == NULL) {
        if (kind->key->generate(d->key_buf) != TG_OK) {
            return TG_EINTERNAL;
        }
        free(d->c.key);
        d->c.key = tg_strndup(d->key_buf, strlen(d->key_buf));
        d->key = tg_str_c(d->key_buf);
        return d->c.key != NULL ? TG_OK : TG_ENOMEM;
    }

    if (kind->secret->generate(d->secret_buf) != TG_OK) {
        return TG_EINTERNAL;
    }
    d->secret = tg_str_c(d->secret_buf);
    rc = tg_keyring_index(svc->keyring, tg_str_c(kind->index), d->secret,
                          d->c.hash);
    if (rc == TG_OK) {
        rc = tg_seal_for(svc, kind->seal, d->c.id, d->secret, &sealed);
    }
    if (rc == TG_OK) {
        free(d->c.sealed);
        d->c.sealed = sealed;
    }
    return rc;
}


int
tg_cred_draft(const tg_service_t *svc, const tg_cred_rules_t *kind,
              const tg_cred_spec_t *spec, tg_draw_t *draw, tg_cred_draft_t *d,
              tg_error_t *err)
{
    int rc;

    memset(d, 0, sizeof(*d));
    d->chosen =
        kind->index != NULL ? spec->secret.ptr != NULL : spec->key.ptr != NULL;

    rc = tg_draw_id(draw, d->c.id);
    if (rc == TG_OK && kind->key != NULL) {
        rc = tg_cred_value(kind->key, kind->name_field, spec->key, draw,
                           d->key_buf, &d->key, err);
    }
    if (rc == TG_OK) {
        rc = tg_cred_value(kind->secret, kind->secret_field, spec->secret, draw,
                           d->secret_buf, &d->secret, err);
    }
    if (rc == TG_OK && kind->index != NULL) {
        rc = tg_keyring_index(svc->keyring, tg_str_c(kind->index), d->secret,
                              d->c.hash);
    }
    if (rc == TG_OK && kind->key != NULL) {
        d->c.key = tg_strndup(d->key.ptr, d->key.len);
        rc = d->c.key != NULL ? TG_OK : TG_ENOMEM;
    }
    if (rc == TG_OK) {
        rc = tg_seal_for(svc, kind->seal, d->c.id, d->secret, &d->c.sealed);
    }

    return rc == TG_OK ? rc : tg_error_code(err, rc);
}


void
tg_cred_draft_free(tg_cred_draft_t *d)
{
    tg_cred_free(&d->c);
    tg_wipe(d->key_buf, sizeof(d->key_buf));
    tg_wipe(d->secret_buf, sizeof(d->secret_buf));
    memset(d, 0, sizeof(*d));
}


/*
 * Inserts d, whose name (its key, or its secret's index hash) must be in
 * use by no other credential.  A value the caller chose is looked up
 * first, keys in grace too, and a clash is theirs.  A drawn one is
 * inserted at once, the unique index checking it, and drawn again on a
 * clash: it could meet a key in grace only by a guess of its random bits
 * (143 of them for an AppKey), so that lookup is left out of the write.
 */
static int
tg_cred_draft_insert(const tg_service_t *svc, tg_txn_t *t,
                     const tg_cred_rules_t *kind, tg_cred_draft_t *d,
                     int64_t now, tg_error_t *err)
{
    int taken = 0, inserted = 0, attempt, rc = TG_OK;

    if (d->chosen) {
        rc = tg_store_cred_taken(
            t, kind->kind, kind->index != NULL ? tg_str_c(d->c.hash) : d->key,
            TG_STR(""), now, &taken);
        if (rc == TG_OK && taken) {
            return tg_error_set(err, kind->taken, kind->name_field, NULL);
        }
        rc = rc == TG_OK ? tg_store_cred_insert(t, kind->kind, &d->c) : rc;
        return rc == TG_OK ? rc : tg_error_code(err, rc);
    }

    for (attempt = 0; attempt < TG_CRED_DRAWS && rc == TG_OK; attempt++) {
        if (attempt > 0) {
            rc = tg_cred_draft_redraw(svc, kind, d);
        }
        if (rc == TG_OK) {
            rc = tg_store_cred_insert_new(t, kind->kind, &d->c, &inserted);
        }
        if (inserted) {
            break;
        }
    }

    if (rc == TG_OK && !inserted) {
        rc = TG_EINTERNAL;
    }
    return rc == TG_OK ? rc : tg_error_code(err, rc);
}


int
tg_cred_draft_store(tg_service_t *svc, tg_txn_t *t, const tg_cred_rules_t *kind,
                    const char *app, const tg_cred_spec_t *spec,
                    const tg_cred_policy_t *policy, int logged, int64_t now,
                    tg_cred_draft_t *d, tg_cred_view_t *view, tg_error_t *err)
{
    tg_cred_policy_t read;
    int              rc = TG_OK;

    if (spec->secret.ptr != NULL) {
        if (policy == NULL) {
            rc = tg_cred_app_policy(t, app, &read, err);
            policy = &read;
        }
        if (rc == TG_OK) {
            rc = tg_cred_policy_secret(policy, kind, spec->secret, err);
        }
    }
    if (rc == TG_OK) {
        memcpy(d->c.app, app, sizeof(d->c.app));
        d->c.primary = kind->primary && spec->primary;
        d->c.created_at = now;
        d->c.updated_at = now;
        d->c.secret_at = now;
        rc = tg_cred_draft_insert(svc, t, kind, d, now, err);
    }
    if (rc == TG_OK && logged) {
        rc = tg_change(t, kind->name, d->c.id, app, "upsert");
    }
    if (rc == TG_OK) {
        rc = kind->view_fill(svc, &d->c, d->secret, 1, view);
    }

    return rc == TG_OK ? rc : tg_error_code(err, rc);
}


int
tg_cred_create(tg_service_t *svc, tg_txn_t *t, const tg_cred_rules_t *kind,
               const char *app, const tg_cred_spec_t *spec, int64_t now,
               tg_cred_t *c, tg_cred_view_t *view, tg_error_t *err)
{
    tg_cred_draft_t d;
    tg_draw_t       draw;
    int             rc;

    tg_draw_init(&draw);
    rc = tg_cred_draft(svc, kind, spec, &draw, &d, err);
    tg_draw_wipe(&draw);
    if (rc == TG_OK) {
        rc = tg_cred_draft_store(svc, t, kind, app, spec, NULL, 1, now, &d,
                                 view, err);
    }

    /* The caller's copy of the credential; the draft keeps no secret. */
    *c = d.c;
    memset(&d.c, 0, sizeof(d.c));
    tg_cred_draft_free(&d);
    return rc;
}


int
tg_cred_create_member(tg_service_t *svc, tg_txn_t *t, tg_cred_kind_t kind,
                      const char *app, const tg_cred_spec_t *spec,
                      const tg_cred_policy_t *policy, int64_t now,
                      tg_cred_draft_t *d, void *member, tg_error_t *err)
{
    const tg_cred_rules_t *rules = &tg_cred_kinds[kind];
    tg_cred_view_t         made;
    int                    rc;

    memset(&made, 0, sizeof(made));
    rc = tg_cred_draft_store(svc, t, rules, app, spec, policy, 0, now, d, &made,
                             err);
    memcpy(member, (char *) &made + rules->view_at, rules->view_size);
    return rc;
}


/* One operation on an app's credentials in progress: what it names,
 * what it loaded, and where its answer goes. */
typedef struct {
    const tg_service_t    *svc;
    const tg_cred_rules_t *kind;
    const tg_actor_t      *actor;
    tg_action_t            action; /* what the operation is */
    tg_str_t               ref;    /* the app */
    tg_str_t               name;   /* the credential (see service.h) */
    int                    by_value;
    int                    chosen; /* reset: the caller chose the secret */
    tg_cred_spec_t         spec;
    tg_app_t               app;
    tg_cred_t              cred;
    int                    reveal; /* lists: secrets in clear */
    tg_cred_view_t        *view;
    tg_cred_view_t        *items; /* lists */
    size_t                 n;
    tg_app_view_t         *app_view; /* reveal */
    char                   generated[TG_CRED_GENERATED_MAX + 1];
} tg_cred_op_t;


/* Starts action, an operation on the credential of kind that name names
 * (see service.h) within the app ref names; its answer, if any, goes to
 * view, which starts empty. */
static void
tg_cred_op_init(tg_cred_op_t *op, const tg_service_t *svc, tg_cred_kind_t kind,
                tg_action_t action, const tg_actor_t *actor, tg_str_t ref,
                tg_str_t name, tg_cred_view_t *view)
{
    memset(op, 0, sizeof(*op));
    op->svc = svc;
    op->kind = &tg_cred_kinds[kind];
    op->action = action;
    op->actor = actor;
    op->ref = ref;
    op->name = name;
    op->view = view;

    if (view != NULL) {
        memset(view, 0, sizeof(*view));
        view->kind = kind;
    }
}


static void
tg_cred_op_free(tg_cred_op_t *op)
{
    tg_app_free(&op->app);
    tg_cred_free(&op->cred);
    tg_wipe(op->generated, sizeof(op->generated));
}


/*
 * Runs body for op in one write transaction, or, when op's checks
 * failed with rc, records that failure; then releases op, and clears
 * its view on failure.  Returns body's result or rc.
 */
static int
tg_cred_op_write(tg_service_t *svc, tg_audit_event_t *ev, tg_cred_op_t *op,
                 int rc, tg_txn_body_pt body, tg_error_t *err)
{
    rc = rc == TG_OK ? tg_write(svc, ev, body, op, err)
                     : tg_audit_failure(svc, ev, rc, err);

    tg_cred_op_free(op);
    if (rc != TG_OK) {
        tg_cred_view_free(op->view);
    }

    return rc;
}


/*
 * Loads the app that ref names, if the authorizer lets the caller perform
 * op's action on it, noting it in ev (which may be NULL).  Every
 * operation here loads its app through this one place.
 */
static int
tg_cred_op_app(tg_txn_t *t, tg_cred_op_t *op, tg_str_t ref,
               tg_audit_event_t *ev, tg_error_t *err)
{
    int rc = tg_app_authorize_load(op->svc, t, op->actor, op->action, ref,
                                   &op->app, err);

    if (rc == TG_OK && ev != NULL) {
        tg_audit_app(ev, &op->app);
    }

    return rc;
}


/* Notes the credential an event is about as its target. */
static void
tg_audit_target_id(tg_audit_event_t *ev, const char *id)
{
    snprintf(ev->target, sizeof(ev->target), "%s", id);
}


/* Loads the credential op->name names within the loaded app: by id, or
 * by its public key; NULL names the primary one. */
static int
tg_cred_load(tg_txn_t *t, tg_cred_op_t *op, tg_error_t *err)
{
    const tg_cred_rules_t *kind = op->kind;
    tg_str_t               name = op->name;
    int                    rc = kind->not_found;

    if (name.ptr == NULL) {
        rc = tg_store_cred_primary(t, kind->kind, tg_str_c(op->app.id),
                                   &op->cred);

    } else if (tg_id_valid(name)) {
        rc = tg_store_cred_get(t, kind->kind, name, &op->cred);
    }

    if (rc == kind->not_found && name.ptr != NULL && kind->key != NULL) {
        rc = tg_store_cred_find(t, kind->kind, name, &op->cred);
    }

    if (rc == TG_OK && strcmp(op->cred.app, op->app.id) != 0) {
        tg_cred_free(&op->cred);
        rc = kind->not_found;
    }

    return rc == TG_OK ? rc : tg_error_code(err, rc);
}


/* Finds the credential whose value is op->name: its public key, or the
 * secret itself through its index hash. */
static int
tg_cred_find_value(const tg_service_t *svc, tg_txn_t *t, tg_cred_op_t *op)
{
    char hash[TG_HASH_HEX_LEN + 1];
    int  rc;

    if (op->kind->index == NULL) {
        return tg_store_cred_find(t, op->kind->kind, op->name, &op->cred);
    }

    rc = tg_keyring_index(svc->keyring, tg_str_c(op->kind->index), op->name,
                          hash);
    if (rc == TG_OK) {
        rc = tg_store_cred_find(t, op->kind->kind, tg_str_c(hash), &op->cred);
    }

    tg_wipe(hash, sizeof(hash));
    return rc;
}


/*
 * Loads the credential op names and its app: within the app op->ref
 * names; or, by_value, by its value, within op->ref's app if a ref is
 * given, else within the app that holds it if the caller reaches it.
 */
static int
tg_cred_target(const tg_service_t *svc, tg_txn_t *t, tg_cred_op_t *op,
               tg_audit_event_t *ev, tg_error_t *err)
{
    int rc;

    if (op->ref.ptr != NULL) {
        rc = tg_cred_op_app(t, op, op->ref, ev, err);
        if (rc != TG_OK) {
            return rc;
        }
    }

    if (!op->by_value) {
        rc = tg_cred_load(t, op, err);
        if (rc == TG_OK) {
            tg_audit_target_id(ev, op->cred.id);
        }
        return rc;
    }

    rc = tg_cred_find_value(svc, t, op);

    if (rc == TG_OK && op->ref.ptr != NULL
        && strcmp(op->cred.app, op->app.id) != 0) {
        rc = op->kind->not_found;
    }
    if (rc == TG_OK && op->ref.ptr == NULL) {
        rc = tg_cred_op_app(t, op, tg_str_c(op->cred.app), ev, err);
        if (rc == TG_EFORBIDDEN) {
            return rc; /* the authorizer's refusal, with its reason */
        }
        rc = rc == TG_EAPP_NOT_FOUND ? op->kind->not_found : rc;
    }
    if (rc == TG_OK) {
        tg_audit_target_id(ev, op->cred.id);
    }

    return rc == TG_OK ? rc : tg_error_set(err, rc, op->kind->name_field, NULL);
}


/* Makes cred_id the app's only primary credential of its kind. */
static int
tg_primary_set(tg_txn_t *t, const tg_cred_rules_t *kind, const char *app,
               const char *cred_id, int64_t now)
{
    tg_cred_t *items = NULL;
    size_t     n = 0, i;
    int        rc;

    rc = tg_store_cred_list(t, kind->kind, tg_str_c(app), &items, &n);

    for (i = 0; i < n && rc == TG_OK; i++) {
        int primary = strcmp(items[i].id, cred_id) == 0;

        if (items[i].primary != primary) {
            items[i].primary = primary;
            items[i].updated_at = now;
            rc = tg_store_cred_update(t, kind->kind, &items[i]);
            if (rc == TG_OK) {
                rc = tg_change(t, kind->name, items[i].id, app, "upsert");
            }
        }
    }

    tg_store_cred_list_free(items, n);
    return rc;
}


/* Checks the values op->spec gives against the kind's formats. */
static int
tg_cred_op_check(const tg_cred_op_t *op, tg_error_t *err)
{
    const tg_cred_rules_t *kind = op->kind;
    const char            *rule = "cannot be given";

    if (op->spec.key.ptr != NULL
        && (kind->key == NULL
            || kind->key->check(op->spec.key, &rule) != TG_OK))
    {
        return tg_error_set(err, TG_EINVALID, kind->name_field, "%s", rule);
    }

    if (op->spec.secret.ptr != NULL
        && kind->secret->check(op->spec.secret, &rule) != TG_OK)
    {
        return tg_error_set(err, TG_EINVALID, kind->secret_field, "%s", rule);
    }

    return TG_OK;
}


static int
tg_cred_add_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                tg_audit_event_t *ev, tg_error_t *err)
{
    tg_cred_op_t          *op = data;
    const tg_cred_rules_t *kind = op->kind;
    int64_t                now = tg_time_now_ms(), count, max;
    int                    rc;

    max = tg_cred_limit(svc, kind->max_per_app);

    rc = tg_cred_op_app(t, op, op->ref, ev, err);
    if (rc == TG_OK) {
        rc = tg_store_cred_count(t, kind->kind, tg_str_c(op->app.id), &count);
    }
    if (rc == TG_OK && count >= max) {
        rc = tg_error_set(err, kind->too_many, TG_FIELD_NONE,
                          "an app may hold at most %lld %s", (long long) max,
                          kind->many);
    }
    if (rc == TG_OK) {
        rc = tg_cred_create(svc, t, kind, op->app.id, &op->spec, now, &op->cred,
                            op->view, err);
    }
    if (rc == TG_OK) {
        rc = tg_cred_views_expiry(t, op->app.account_id, op->view, 1, err);
    }
    if (rc == TG_OK) {
        tg_audit_target_id(ev, op->cred.id);
    }
    if (rc == TG_OK && op->cred.primary) {
        rc = tg_primary_set(t, kind, op->app.id, op->cred.id, now);
    }

    return rc;
}


int
tg_service_cred_add(tg_service_t *svc, const tg_actor_t *actor,
                    tg_cred_kind_t kind, tg_str_t ref,
                    const tg_cred_spec_t *spec, tg_cred_view_t *out,
                    tg_error_t *err)
{
    tg_audit_event_t ev;
    tg_cred_op_t     op;
    int              rc;

    tg_cred_op_init(&op, svc, kind, tg_cred_kinds[kind].action_create, actor,
                    ref, TG_STR_NULL, out);
    op.spec = *spec;

    tg_audit_begin(&ev, actor, op.action, op.kind->name, ref);

    rc = tg_cred_op_check(&op, err);
    return tg_cred_op_write(svc, &ev, &op, rc, tg_cred_add_txn, err);
}


/* Fills op->items with views of every credential of op->kind that the
 * loaded app holds. */
static int
tg_cred_views(tg_service_t *svc, tg_txn_t *t, tg_cred_op_t *op)
{
    tg_cred_t *creds = NULL;
    size_t     ncreds = 0, i;
    int        rc;

    op->items = NULL;
    op->n = 0;

    rc = tg_store_cred_list(t, op->kind->kind, tg_str_c(op->app.id), &creds,
                            &ncreds);
    if (rc == TG_OK && ncreds > 0) {
        op->items = calloc(ncreds, sizeof(tg_cred_view_t));
        rc = op->items != NULL ? TG_OK : TG_ENOMEM;
    }

    for (i = 0; i < ncreds && rc == TG_OK; i++) {
        rc = op->kind->view_fill(svc, &creds[i], TG_STR_NULL, op->reveal,
                                 &op->items[i]);
        op->n = i + 1;
    }
    if (rc == TG_OK) {
        rc =
            tg_cred_views_expiry(t, op->app.account_id, op->items, op->n, NULL);
    }

    tg_store_cred_list_free(creds, ncreds);
    return rc;
}


static int
tg_cred_list_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                 tg_audit_event_t *ev, tg_error_t *err)
{
    tg_cred_op_t *op = data;
    int           rc;

    rc = tg_cred_op_app(t, op, op->ref, ev, err);
    return rc == TG_OK ? tg_cred_views(svc, t, op) : rc;
}


int
tg_service_cred_list(tg_service_t *svc, const tg_actor_t *actor,
                     tg_cred_kind_t kind, tg_str_t ref, tg_cred_view_t **items,
                     size_t *n, tg_error_t *err)
{
    tg_cred_op_t op;
    int          rc;

    tg_cred_op_init(&op, svc, kind, tg_cred_kinds[kind].action_list, actor, ref,
                    TG_STR_NULL, NULL);

    rc = tg_read(svc, tg_cred_list_txn, &op, err);
    if (rc != TG_OK) {
        tg_cred_view_list_free(op.items, op.n);
        op.items = NULL;
        op.n = 0;
    }

    tg_cred_op_free(&op);
    *items = op.items;
    *n = op.n;
    return rc;
}


/* Applies a kind's rules on when and how a credential may be reset:
 * the interval between resets, and the grace slot for the replaced key
 * and secret (cleared when there is no grace). */
static int
tg_cred_reset_rules(const tg_service_t *svc, tg_cred_op_t *op, int64_t now,
                    tg_error_t *err)
{
    const tg_cred_rules_t *kind = op->kind;
    tg_cred_t             *c = &op->cred;
    int64_t                interval, next;

    if (kind->reset_interval != TG_CRED_NO_LIMIT) {
        interval = tg_cred_limit(svc, kind->reset_interval);
        next = c->updated_at + interval * 1000;
        if (now < next) {
            tg_error_set(err, TG_ERATE_LIMITED, TG_FIELD_NONE,
                         "%s can be reset once every %lld seconds", kind->one,
                         (long long) interval);
            if (err != NULL) {
                err->retry_after = (next - now + 999) / 1000;
            }
            return TG_ERATE_LIMITED;
        }
    }

    return kind->grace ? tg_cred_grace_keep(c, op->spec.grace_seconds, now, err)
                       : TG_OK;
}


/*
 * Copies c's key in grace (or "" for none, marked by a leading 0x01 byte
 * apart from any key) into buf of size; returns 0 if it does not fit.
 */
static int
tg_cred_prev_key_save(const tg_cred_t *c, char *buf, size_t size)
{
    size_t len;

    if (c->prev_key == NULL) {
        buf[0] = '\x01';
        buf[1] = '\0';
        return 1;
    }

    len = strlen(c->prev_key);
    if (len >= size) {
        return 0;
    }
    memcpy(buf, c->prev_key, len + 1);
    return 1;
}


/* Whether c's key in grace is the one tg_cred_prev_key_save() saved. */
static int
tg_cred_prev_key_same(const tg_cred_t *c, const char *saved)
{
    return c->prev_key == NULL ? strcmp(saved, "\x01") == 0
                               : strcmp(saved, c->prev_key) == 0;
}


static int
tg_cred_reset_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                  tg_audit_event_t *ev, tg_error_t *err)
{
    tg_cred_op_t          *op = data;
    const tg_cred_rules_t *kind = op->kind;
    tg_cred_t             *c = &op->cred;
    tg_str_t               key = op->spec.key;
    int64_t                now = tg_time_now_ms();
    tg_cred_policy_t       policy;
    char                   prev_key[TG_APP_KEY_MAX + 1];
    char                  *sealed = NULL;
    int                    rc, renamed, prev_kept = 0;

    rc = tg_cred_target(svc, t, op, ev, err);
    if (rc == TG_OK) {
        prev_kept = tg_cred_prev_key_save(c, prev_key, sizeof(prev_key));
        rc = tg_account_policy(t, op->app.account_id, &policy, err);
    }
    if (rc == TG_OK) {
        rc = tg_cred_policy_grace(svc, &policy, kind, op->spec.grace_asked,
                                  &op->spec.grace_seconds, err);
    }
    if (rc == TG_OK && kind->grace) {
        tg_audit_detail(ev, "{\"grace_seconds\":%lld,\"new_app_key\":%s}",
                        (long long) op->spec.grace_seconds,
                        key.ptr != NULL ? "true" : "false");
    }
    if (rc == TG_OK && op->chosen) {
        rc = tg_cred_policy_secret(&policy, kind, op->spec.secret, err);
    }
    if (rc == TG_OK) {
        rc = tg_cred_reset_rules(svc, op, now, err);
    }

    /*
     * A new name must be free.  A key-named credential may take back its
     * own replaced key; a secret-named one must change its secret.
     */

    renamed =
        kind->index != NULL || (key.ptr != NULL && !tg_str_eq_c(key, c->key));

    if (rc == TG_OK && kind->index != NULL) {
        rc = tg_cred_name(svc, t, kind, key, op->spec.secret, TG_STR(""), now,
                          c, err);

    } else if (rc == TG_OK && key.ptr != NULL && !tg_str_eq_c(key, c->key)) {
        rc = tg_cred_name(svc, t, kind, key, op->spec.secret, tg_str_c(c->id),
                          now, c, err);
    }

    if (rc == TG_OK) {
        rc = tg_seal_for(svc, kind->seal, c->id, op->spec.secret, &sealed);
    }
    if (rc == TG_OK) {
        free(c->sealed);
        c->sealed = sealed;
        c->updated_at = now;
        c->secret_at = now;
        rc = !renamed && prev_kept && tg_cred_prev_key_same(c, prev_key)
                 ? tg_store_cred_update_secret(t, kind->kind, c)
                 : tg_store_cred_update(t, kind->kind, c);
    }
    if (rc == TG_OK) {
        rc = tg_change(t, kind->name, c->id, op->app.id, "upsert");
    }
    if (rc == TG_OK) {
        rc = kind->view_fill(svc, c, op->spec.secret, 1, op->view);
    }
    if (rc == TG_OK) {
        tg_cred_view_expiry(&policy, op->view);
    }

    return rc;
}


int
tg_cred_primary_set(tg_service_t *svc, tg_txn_t *t, const char *app,
                    tg_cred_kind_t kind, tg_str_t key, tg_str_t secret,
                    tg_error_t *err)
{
    const tg_cred_rules_t *rules = &tg_cred_kinds[kind];
    int64_t                now = tg_time_now_ms();
    int64_t                grace = 0;
    tg_cred_policy_t       policy;
    tg_cred_t              c;
    char                  *sealed = NULL;
    int                    rc;

    memset(&c, 0, sizeof(c));

    rc = tg_store_cred_primary(t, kind, tg_str_c(app), &c);
    if (rc != TG_OK) {
        return tg_error_code(err, rc);
    }

    /*
     * A new secret is a reset that asks for no grace: the replaced key
     * and secret stay valid for the account's minimum grace.  A new key
     * alone ends any grace.
     */

    if (secret.ptr != NULL) {
        rc = tg_cred_app_policy(t, app, &policy, err);
        if (rc == TG_OK) {
            rc = tg_cred_policy_grace(svc, &policy, rules, 0, &grace, err);
        }
        if (rc == TG_OK) {
            rc = tg_cred_policy_secret(&policy, rules, secret, err);
        }
    }
    if (rc == TG_OK) {
        rc = tg_cred_grace_keep(&c, grace, now, err);
    }

    if (rc == TG_OK && key.ptr != NULL && !tg_str_eq_c(key, c.key)) {
        rc = tg_cred_name(svc, t, rules, key, secret, tg_str_c(c.id), now, &c,
                          err);
    }
    if (rc == TG_OK && secret.ptr != NULL) {
        rc = tg_seal_for(svc, rules->seal, c.id, secret, &sealed);
        if (rc == TG_OK) {
            free(c.sealed);
            c.sealed = sealed;
            c.secret_at = now;
        }
    }
    if (rc == TG_OK) {
        c.updated_at = now;
        rc = tg_store_cred_update(t, kind, &c);
    }
    if (rc == TG_OK) {
        rc = tg_change(t, rules->name, c.id, app, "upsert");
    }

    tg_cred_free(&c);
    return rc == TG_OK ? rc : tg_error_code(err, rc);
}


int
tg_service_cred_reset(tg_service_t *svc, const tg_actor_t *actor,
                      tg_cred_kind_t kind, tg_str_t ref, tg_str_t name,
                      int by_value, const tg_cred_spec_t *spec,
                      tg_cred_view_t *out, tg_error_t *err)
{
    tg_audit_event_t ev;
    tg_cred_op_t     op;
    tg_draw_t        draw;
    tg_str_t         target;
    int64_t          max_grace;
    int              rc = TG_OK;

    tg_cred_op_init(&op, svc, kind, tg_cred_kinds[kind].action_reset, actor,
                    ref, name, out);
    op.by_value = by_value;
    op.spec = *spec;
    op.spec.grace_asked = spec->grace_asked || spec->grace_seconds != 0;
    op.chosen = spec->secret.ptr != NULL;

    /*
     * A kind named by its secret is never a target in the audit.  A kind
     * with a primary may reset it unnamed, so the app is the target until
     * the credential is found.
     */
    target = by_value ? (op.kind->index != NULL ? TG_STR("") : name)
                      : (op.kind->primary ? ref : name);
    tg_audit_begin(&ev, actor, op.action, op.kind->name, target);
    if (op.kind->grace) {
        tg_audit_detail(&ev, "{\"grace_seconds\":%lld,\"new_app_key\":%s}",
                        (long long) spec->grace_seconds,
                        spec->key.ptr != NULL ? "true" : "false");
    }

    max_grace = tg_service_limits(svc).max_grace_seconds;
    if (op.spec.grace_asked
        && (spec->grace_seconds < 0 || spec->grace_seconds > max_grace
            || (spec->grace_seconds > 0 && !op.kind->grace)))
    {
        rc = tg_error_set(err, TG_EINVALID, TG_FIELD_GRACE_SECONDS,
                          "must be an integer from 0 to %lld",
                          (long long) max_grace);
    }
    if (rc == TG_OK) {
        rc = tg_cred_op_check(&op, err);
    }
    if (rc == TG_OK) {
        tg_draw_init(&draw);
        rc = tg_cred_value(op.kind->secret, op.kind->secret_field, spec->secret,
                           &draw, op.generated, &op.spec.secret, err);
        tg_draw_wipe(&draw);
    }

    return tg_cred_op_write(svc, &ev, &op, rc, tg_cred_reset_txn, err);
}


static int
tg_cred_primary_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                    tg_audit_event_t *ev, tg_error_t *err)
{
    tg_cred_op_t *op = data;
    int           rc;

    rc = tg_cred_target(svc, t, op, ev, err);
    if (rc == TG_OK) {
        tg_audit_detail(ev, "{\"primary\":true}");
        rc = tg_primary_set(t, op->kind, op->app.id, op->cred.id,
                            tg_time_now_ms());
        op->cred.primary = 1;
    }
    if (rc == TG_OK) {
        rc = op->kind->view_fill(svc, &op->cred, TG_STR_NULL, 0, op->view);
    }
    if (rc == TG_OK) {
        rc = tg_cred_views_expiry(t, op->app.account_id, op->view, 1, err);
    }

    return rc;
}


int
tg_service_cred_make_primary(tg_service_t *svc, const tg_actor_t *actor,
                             tg_cred_kind_t kind, tg_str_t ref, tg_str_t name,
                             tg_cred_view_t *out, tg_error_t *err)
{
    tg_audit_event_t ev;
    tg_cred_op_t     op;
    int              rc;

    tg_cred_op_init(&op, svc, kind, tg_cred_kinds[kind].action_update, actor,
                    ref, name, out);

    tg_audit_begin(&ev, actor, op.action, op.kind->name, name);

    rc = op.kind->primary ? TG_OK
                          : tg_error_set(err, TG_EINVALID, TG_FIELD_PRIMARY,
                                         "%s have none", op.kind->many);
    return tg_cred_op_write(svc, &ev, &op, rc, tg_cred_primary_txn, err);
}


static int
tg_cred_delete_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                   tg_audit_event_t *ev, tg_error_t *err)
{
    tg_cred_op_t          *op = data;
    const tg_cred_rules_t *kind = op->kind;
    tg_cred_t             *rest = NULL;
    size_t                 n = 0;
    int64_t                count = 0;
    int                    rc;

    rc = tg_cred_target(svc, t, op, ev, err);
    if (rc == TG_OK && kind->last != 0) {
        rc = tg_store_cred_count(t, kind->kind, tg_str_c(op->app.id), &count);
        if (rc == TG_OK && count <= 1) {
            rc = tg_error_code(err, kind->last);
        }
    }
    if (rc == TG_OK) {
        rc = tg_store_cred_delete(t, kind->kind, tg_str_c(op->cred.id));
    }
    if (rc == TG_OK) {
        rc = tg_change(t, kind->name, op->cred.id, op->app.id, "delete");
    }

    /* The oldest remaining one takes over as primary. */

    if (rc == TG_OK && op->cred.primary) {
        rc = tg_store_cred_list(t, kind->kind, tg_str_c(op->app.id), &rest, &n);
        if (rc == TG_OK && n > 0) {
            rc = tg_primary_set(t, kind, op->app.id, rest[0].id,
                                tg_time_now_ms());
        }
        tg_store_cred_list_free(rest, n);
    }

    return rc;
}


int
tg_service_cred_delete(tg_service_t *svc, const tg_actor_t *actor,
                       tg_cred_kind_t kind, tg_str_t ref, tg_str_t name,
                       int by_value, tg_error_t *err)
{
    tg_audit_event_t ev;
    tg_cred_op_t     op;

    tg_cred_op_init(&op, svc, kind, tg_cred_kinds[kind].action_delete, actor,
                    ref, name, NULL);
    op.by_value = by_value;

    tg_audit_begin(&ev, actor, op.action, op.kind->name,
                   by_value && op.kind->index != NULL ? TG_STR("") : name);
    return tg_cred_op_write(svc, &ev, &op, TG_OK, tg_cred_delete_txn, err);
}


/* Reads every credential of every kind of the app in clear into the
 * app view. */
static int
tg_reveal_txn(tg_service_t *svc, tg_txn_t *t, void *data, tg_audit_event_t *ev,
              tg_error_t *err)
{
    tg_cred_op_t    *op = data;
    tg_app_view_t   *view = op->app_view;
    tg_cred_policy_t policy;
    size_t           k;
    int              rc;

    rc = tg_cred_op_app(t, op, op->ref, ev, err);

    /* Reveal-once: a secret is shown when it is made, never again. */

    if (rc == TG_OK) {
        rc = tg_account_policy(t, op->app.account_id, &policy, err);
    }
    if (rc == TG_OK && policy.reveal_once) {
        rc = tg_error_code(err, TG_EREVEAL_REFUSED);
    }

    for (k = 0; k < TG_CRED_KINDS && rc == TG_OK; k++) {
        op->kind = &tg_cred_kinds[k];
        rc = tg_cred_views(svc, t, op);
        if (rc == TG_OK) {
            rc = op->kind->attach(op->kind, view, op->items, op->n);
        }
        tg_cred_view_list_free(op->items, op->n);
        op->items = NULL;
        op->n = 0;
    }

    if (rc == TG_OK) {
        view->app = op->app;
        memset(&op->app, 0, sizeof(op->app));
    }

    return rc;
}


int
tg_service_secret_reveal(tg_service_t *svc, const tg_actor_t *actor,
                         tg_str_t ref, tg_app_view_t *out, tg_error_t *err)
{
    tg_audit_event_t ev;
    tg_cred_op_t     op;
    int              rc;

    memset(out, 0, sizeof(*out));
    tg_cred_op_init(&op, svc, TG_CRED_KEY_PAIR, TG_ACTION_DESCRIBE_APP_SECURITY,
                    actor, ref, TG_STR_NULL, NULL);
    op.reveal = 1;
    op.app_view = out;

    tg_audit_begin(&ev, actor, op.action, "app", ref);
    rc = tg_write(svc, &ev, tg_reveal_txn, &op, err);

    tg_cred_op_free(&op);
    if (rc != TG_OK) {
        tg_app_view_free(out);
    }

    return rc;
}


/* The typed entry points that the Alibaba dialect calls. */

int
tg_service_secret_reset(tg_service_t *svc, const tg_actor_t *actor,
                        tg_str_t ref, const tg_reset_spec_t *spec,
                        tg_key_view_t *out, tg_error_t *err)
{
    tg_cred_spec_t cred = { spec->new_app_key, spec->new_secret, 0,
                            spec->grace_seconds, spec->grace_asked };
    tg_cred_view_t view;
    int            rc;

    rc = tg_service_cred_reset(svc, actor, TG_CRED_KEY_PAIR, ref, spec->key,
                               ref.ptr == NULL, &cred, &view, err);
    *out = view.key;
    return rc;
}
