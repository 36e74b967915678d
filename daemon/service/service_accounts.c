/*
 * Accounts (tenants), their access keys, and how a management call
 * proves which key it holds.
 *
 * The store keeps a keyed hash of each access-key secret (HMAC-SHA256
 * under the keyring's index key), which HTTP Basic authentication
 * compares, and the secret sealed (AES-256-GCM, bound to the key's id),
 * which HMAC-signed dialects (Alibaba) need to recompute a signature
 * (service_signed.c).
 * Keys made before the sealed copy existed get it the next time they
 * authenticate with Basic, the only moment their secret is at hand.
 * Who may manage accounts and keys is the authorizer's to say (authz.c:
 * accounts are an admin's, an account's own keys may manage its non-admin
 * keys).  The last enabled admin key can be neither disabled nor deleted.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/rules.h"
#include "tollgate/time.h"
#include "service/service_int.h"


#define TG_DEFAULT_ACCOUNT "default"
#define TG_TOUCH_INTERVAL  60000 /* ms between last_used_at writes */

/* The hash compared when the presented key id is unknown, so that a
 * miss costs what a hit costs. */
#define TG_NO_HASH \
    "0000000000000000000000000000000000000000000000000000000000000000"


int
tg_account_lookup(tg_txn_t *t, tg_str_t ref, tg_account_t *account)
{
    int rc = TG_EACCOUNT_NOT_FOUND;

    if (tg_id_valid(ref)) {
        rc = tg_store_account_get(t, ref, account);
    }
    if (rc == TG_EACCOUNT_NOT_FOUND) {
        rc = tg_store_account_find(t, ref, account);
    }

    return rc;
}


/*
 * Asks the authorizer about res, a resource of the account that ref
 * names, given found, the result of looking it up into account: res
 * belongs to the account found, or else to ref as written, so that a
 * refusal does not depend on whether it exists.  An account out of the
 * caller's reach reads as not found.  Returns the refusal first, then the
 * lookup's error; on error account is left empty.
 */
static int
tg_account_authorize(const tg_actor_t *actor, tg_action_t action, int found,
                     tg_str_t ref, tg_account_t *account, tg_resource_t *res,
                     tg_error_t *err)
{
    int rc;

    if (found != TG_OK && found != TG_EACCOUNT_NOT_FOUND) {
        return tg_error_code(err, found);
    }

    tg_resource_set_account(res, found == TG_OK ? tg_str_c(account->id) : ref);
    res->hidden = TG_EACCOUNT_NOT_FOUND;

    rc = tg_authorize(actor, action, res, err);
    if (rc == TG_OK && found != TG_OK) {
        rc = tg_error_code(err, found);
    }
    if (rc != TG_OK) {
        tg_account_free(account);
    }

    return rc;
}


/* Loads the account ref names if actor may do action on it. */
static int
tg_account_load(const tg_service_t *svc, tg_txn_t *t, const tg_actor_t *actor,
                tg_action_t action, tg_str_t ref, tg_account_t *account,
                tg_error_t *err)
{
    tg_resource_t res;
    int           found;

    found = tg_account_lookup(t, ref, account);
    tg_resource_init(&res, svc->region, TG_RESOURCE_ACCOUNT, TG_STR_NULL,
                     found == TG_OK ? tg_str_c(account->id) : ref);

    return tg_account_authorize(actor, action, found, ref, account, &res, err);
}


static int
tg_account_spec_check(const tg_account_spec_t *spec, unsigned set,
                      tg_error_t *err)
{
    const char *rule;

    if ((set & TG_ACCOUNT_SET_NAME)
        && tg_identifier_check(spec->name, &rule) != TG_OK)
    {
        return tg_error_set(err, TG_EINVALID, TG_FIELD_NAME, "%s", rule);
    }

    if ((set & TG_ACCOUNT_SET_QUOTA)
        && (spec->app_quota < 0 || spec->app_quota > 1000000))
    {
        return tg_error_set(err, TG_EINVALID, TG_FIELD_APP_QUOTA,
                            "must be an integer from 0 (the default) to "
                            "1000000");
    }

    return TG_OK;
}


/*
 * Applies the policy members that set names from patch to policy, and
 * checks the result as a whole (a minimum grace above the maximum is
 * refused, whichever of the two the call changed).
 */
static int
tg_account_policy_apply(const tg_service_t *svc, const tg_cred_policy_t *patch,
                        unsigned set, tg_cred_policy_t *policy, tg_error_t *err)
{
    tg_field_t  field;
    const char *rule;

    if (set & TG_ACCOUNT_SET_REVEAL_ONCE) {
        policy->reveal_once = patch->reveal_once != 0;
    }
    if (set & TG_ACCOUNT_SET_MAX_SECRET_AGE) {
        policy->max_secret_age = patch->max_secret_age;
    }
    if (set & TG_ACCOUNT_SET_MIN_GRACE) {
        policy->min_grace = patch->min_grace;
    }
    if (set & TG_ACCOUNT_SET_MAX_GRACE) {
        policy->max_grace = patch->max_grace;
    }
    if (set & TG_ACCOUNT_SET_SECRET_MIN_LENGTH) {
        policy->secret_min_length = patch->secret_min_length;
    }
    if (set & TG_ACCOUNT_SET_SECRET_CLASSES) {
        policy->secret_classes = patch->secret_classes;
    }

    if ((set & TG_ACCOUNT_SET_POLICY)
        && tg_cred_policy_check(
               policy, tg_service_limits(svc).max_grace_seconds, &field, &rule)
               != TG_OK)
    {
        return tg_error_set(err, TG_EINVALID, field, "%s", rule);
    }
    return TG_OK;
}


/* Fails with TG_EACCOUNT_NAME_TAKEN if another account has the name. */
static int
tg_account_name_free(tg_txn_t *t, tg_str_t name, const char *except_id,
                     tg_error_t *err)
{
    tg_account_t other;
    int          rc;

    memset(&other, 0, sizeof(other));
    rc = tg_store_account_find(t, name, &other);
    if (rc == TG_OK) {
        rc = strcmp(other.id, except_id) == 0
                 ? TG_OK
                 : tg_error_set(err, TG_EACCOUNT_NAME_TAKEN, TG_FIELD_NAME,
                                NULL);
        tg_account_free(&other);
        return rc;
    }

    return rc == TG_EACCOUNT_NOT_FOUND ? TG_OK : tg_error_code(err, rc);
}


/* Inserts an account named name into t. */
static int
tg_account_insert(tg_txn_t *t, tg_str_t name, int64_t app_quota,
                  tg_account_t *out)
{
    int64_t now = tg_time_now_ms();
    int     rc;

    rc = tg_id_generate(out->id);
    if (rc != TG_OK) {
        return rc;
    }

    out->name = tg_strndup(name.ptr, name.len);
    if (out->name == NULL) {
        return TG_ENOMEM;
    }

    out->enabled = 1;
    out->app_quota = app_quota;
    out->created_at = now;
    out->updated_at = now;
    return tg_store_account_insert(t, out);
}


int
tg_account_policy(tg_txn_t *t, const char *account_id, tg_cred_policy_t *out,
                  tg_error_t *err)
{
    tg_account_t account;
    int          rc;

    memset(&account, 0, sizeof(account));
    memset(out, 0, sizeof(*out));
    rc = tg_store_account_get(t, tg_str_c(account_id), &account);
    if (rc == TG_OK) {
        *out = account.policy;
    }
    tg_account_free(&account);
    return rc == TG_OK ? rc : tg_error_code(err, rc);
}


/* One operation on accounts or access keys in progress. */
typedef struct {
    const tg_actor_t           *actor;
    tg_str_t                    account; /* id or name */
    tg_str_t                    key_id;
    const tg_account_spec_t    *spec;
    const tg_access_key_spec_t *key_spec;
    unsigned                    set;
    tg_account_t                record;
    tg_access_key_t             key;
    tg_account_t               *account_out;
    tg_access_key_t            *key_out;
    char                       *secret_out;
    void                       *items;
    size_t                      n;
    int64_t                     limit;
    int64_t                     offset;
    int64_t                     total;
} tg_account_op_t;


static void
tg_account_op_init(tg_account_op_t *op, const tg_actor_t *actor,
                   tg_str_t account)
{
    memset(op, 0, sizeof(*op));
    op->actor = actor;
    op->account = account;
}


static void
tg_account_op_free(tg_account_op_t *op)
{
    tg_account_free(&op->record);
    tg_access_key_free(&op->key);
}


/* Notes an account as the target of an event. */
static void
tg_audit_account(tg_audit_event_t *ev, const tg_account_t *account)
{
    memcpy(ev->account_id, account->id, sizeof(ev->account_id));
    snprintf(ev->target, sizeof(ev->target), "%s", account->id);
}


static int
tg_account_create_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                      tg_audit_event_t *ev, tg_error_t *err)
{
    tg_account_op_t *op = data;
    int              rc;

    /* The installation's default policy, and what the call sets of it. */
    op->account_out->policy = tg_service_limits(svc).account_policy;

    rc = tg_account_name_free(t, op->spec->name, "", err);
    if (rc == TG_OK) {
        rc = tg_account_policy_apply(svc, &op->spec->policy, op->set,
                                     &op->account_out->policy, err);
    }
    if (rc == TG_OK) {
        rc = tg_account_insert(t, op->spec->name, op->spec->app_quota,
                               op->account_out);
    }
    if (rc == TG_OK) {
        tg_audit_account(ev, op->account_out);
        tg_audit_detail(ev, "{\"name\":\"%s\"}", op->account_out->name);
    }

    return rc;
}


int
tg_service_account_create(tg_service_t *svc, const tg_actor_t *actor,
                          const tg_account_spec_t *spec, tg_account_t *out,
                          tg_error_t *err)
{
    tg_audit_event_t ev;
    tg_account_op_t  op;
    tg_resource_t    res;
    int              rc;

    memset(out, 0, sizeof(*out));
    tg_account_op_init(&op, actor, TG_STR_NULL);
    op.spec = spec;
    op.set = spec->policy_set & TG_ACCOUNT_SET_POLICY;
    op.account_out = out;

    tg_audit_begin(&ev, actor, TG_ACTION_CREATE_ACCOUNT, "account", spec->name);

    /* Authorized on account/<name>, as its id does not exist yet: a policy
     * may allow creating some names only. */

    tg_resource_init(&res, svc->region, TG_RESOURCE_ACCOUNT, TG_STR_NULL,
                     spec->name);
    rc = tg_authorize(actor, TG_ACTION_CREATE_ACCOUNT, &res, err);
    if (rc == TG_OK) {
        rc = tg_account_spec_check(
            spec, TG_ACCOUNT_SET_NAME | TG_ACCOUNT_SET_QUOTA, err);
    }

    rc = rc == TG_OK ? tg_write(svc, &ev, tg_account_create_txn, &op, err)
                     : tg_audit_failure(svc, &ev, rc, err);

    tg_account_op_free(&op);
    if (rc != TG_OK) {
        tg_account_free(out);
    }

    return rc;
}


static int
tg_account_get_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                   tg_audit_event_t *ev, tg_error_t *err)
{
    tg_account_op_t *op = data;

    (void) ev;
    return tg_account_load(svc, t, op->actor, TG_ACTION_DESCRIBE_ACCOUNT,
                           op->account, op->account_out, err);
}


int
tg_service_account_get(tg_service_t *svc, const tg_actor_t *actor,
                       tg_str_t account, tg_account_t *out, tg_error_t *err)
{
    tg_account_op_t op;

    memset(out, 0, sizeof(*out));
    tg_account_op_init(&op, actor, account);
    op.account_out = out;

    return tg_read(svc, tg_account_get_txn, &op, err);
}


static int
tg_account_list_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                    tg_audit_event_t *ev, tg_error_t *err)
{
    tg_account_op_t *op = data;
    tg_resource_t    res;
    tg_str_t         scope;
    int              rc;

    (void) ev;

    scope = tg_authorize_scope(op->actor, TG_RESOURCE_ACCOUNT, TG_STR_NULL);
    tg_resource_init(&res, svc->region, TG_RESOURCE_ACCOUNT, scope, scope);

    rc = tg_authorize(op->actor, TG_ACTION_DESCRIBE_ACCOUNTS, &res, err);
    if (rc != TG_OK) {
        return rc;
    }

    if (scope.ptr == NULL) {
        return tg_store_account_list(t, op->limit, op->offset,
                                     (tg_account_t **) &op->items, &op->n,
                                     &op->total);
    }

    /* A listing confined to one account. */

    rc = tg_store_account_get(t, scope, &op->record);
    if (rc != TG_OK) {
        return rc;
    }

    op->total = 1;
    if (op->offset > 0) {
        return TG_OK;
    }

    op->items = calloc(1, sizeof(tg_account_t));
    if (op->items == NULL) {
        return TG_ENOMEM;
    }

    *(tg_account_t *) op->items = op->record;
    memset(&op->record, 0, sizeof(op->record));
    op->n = 1;
    return TG_OK;
}


int
tg_service_account_list(tg_service_t *svc, const tg_actor_t *actor,
                        int64_t limit, int64_t offset, tg_account_t **items,
                        size_t *n, int64_t *total, tg_error_t *err)
{
    tg_account_op_t op;
    int             rc;

    tg_account_op_init(&op, actor, TG_STR_NULL);
    op.limit = limit;
    op.offset = offset;

    rc = tg_read(svc, tg_account_list_txn, &op, err);
    if (rc != TG_OK) {
        tg_store_account_list_free(op.items, op.n);
        op.items = NULL;
        op.n = 0;
    }

    tg_account_op_free(&op);
    *items = op.items;
    *n = op.n;
    *total = op.total;
    return rc;
}


/*
 * Fails with TG_ELAST_ADMIN if the change would leave no enabled admin
 * key in an enabled account.  removed is how many such keys it removes.
 */
static int
tg_admin_keys_remain(tg_txn_t *t, int64_t removed, tg_error_t *err)
{
    int64_t n;
    int     rc;

    rc = tg_store_access_key_count_admins(t, &n);
    if (rc != TG_OK) {
        return tg_error_code(err, rc);
    }

    return n - removed >= 1 ? TG_OK : tg_error_code(err, TG_ELAST_ADMIN);
}


/* How many enabled admin keys an account holds. */
static int
tg_account_admin_keys(tg_txn_t *t, const char *account_id, int64_t *n)
{
    tg_access_key_t *keys = NULL;
    size_t           count = 0, i;
    int              rc;

    *n = 0;
    rc = tg_store_access_key_list(t, tg_str_c(account_id), &keys, &count);

    for (i = 0; i < count; i++) {
        *n += keys[i].admin && keys[i].enabled;
    }

    tg_store_access_key_list_free(keys, count);
    return rc;
}


static int
tg_account_update_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                      tg_audit_event_t *ev, tg_error_t *err)
{
    tg_account_op_t         *op = data;
    const tg_account_spec_t *patch = op->spec;
    tg_account_t            *out = op->account_out;
    int64_t                  admins, age;
    char                    *name;
    int                      rc;

    rc = tg_account_load(svc, t, op->actor, TG_ACTION_MODIFY_ACCOUNT,
                         op->account, out, err);
    if (rc != TG_OK) {
        return rc;
    }

    tg_audit_account(ev, out);

    if (op->set & TG_ACCOUNT_SET_NAME) {
        rc = tg_account_name_free(t, patch->name, out->id, err);
        if (rc != TG_OK) {
            return rc;
        }
        name = tg_strndup(patch->name.ptr, patch->name.len);
        if (name == NULL) {
            return tg_error_code(err, TG_ENOMEM);
        }
        free(out->name);
        out->name = name;
    }

    /* Disabling an account disables its keys: keep one admin key. */

    if ((op->set & TG_ACCOUNT_SET_ENABLED) && !patch->enabled && out->enabled) {
        rc = tg_account_admin_keys(t, out->id, &admins);
        if (rc == TG_OK) {
            rc = tg_admin_keys_remain(t, admins, err);
        }
        if (rc != TG_OK) {
            return tg_error_code(err, rc);
        }
    }

    if (op->set & TG_ACCOUNT_SET_ENABLED) {
        out->enabled = patch->enabled;
    }
    if (op->set & TG_ACCOUNT_SET_QUOTA) {
        out->app_quota = patch->app_quota;
    }

    age = out->policy.max_secret_age;
    rc = tg_account_policy_apply(svc, &patch->policy, op->set, &out->policy,
                                 err);
    if (rc != TG_OK) {
        return rc;
    }
    if (op->set & TG_ACCOUNT_SET_POLICY) {
        tg_audit_detail(ev,
                        "{\"reveal_once\":%s,\"max_secret_age\":%lld,"
                        "\"min_grace\":%lld,\"max_grace\":%lld,"
                        "\"secret_min_length\":%lld,\"secret_classes\":%lld}",
                        out->policy.reveal_once ? "true" : "false",
                        (long long) out->policy.max_secret_age,
                        (long long) out->policy.min_grace,
                        (long long) out->policy.max_grace,
                        (long long) out->policy.secret_min_length,
                        (long long) out->policy.secret_classes);
    }

    out->updated_at = tg_time_now_ms();
    rc = tg_store_account_update(t, out);

    /* The gateway learns a secret's expiry from the projection. */

    if (rc == TG_OK && age != out->policy.max_secret_age) {
        rc =
            tg_store_change_account_apps(t, tg_str_c(out->id), out->updated_at);
    }
    return rc;
}


int
tg_service_account_update(tg_service_t *svc, const tg_actor_t *actor,
                          tg_str_t account, const tg_account_spec_t *patch,
                          unsigned set, tg_account_t *out, tg_error_t *err)
{
    tg_audit_event_t ev;
    tg_account_op_t  op;
    int              rc;

    memset(out, 0, sizeof(*out));
    tg_account_op_init(&op, actor, account);
    op.spec = patch;
    op.set = set;
    op.account_out = out;

    tg_audit_begin(&ev, actor, TG_ACTION_MODIFY_ACCOUNT, "account", account);

    /* An admin's action: refused before the account is looked up. */

    rc = tg_authorize_action(actor, TG_ACTION_MODIFY_ACCOUNT, err);
    if (rc == TG_OK) {
        rc = tg_account_spec_check(patch, set, err);
    }

    rc = rc == TG_OK ? tg_write(svc, &ev, tg_account_update_txn, &op, err)
                     : tg_audit_failure(svc, &ev, rc, err);

    tg_account_op_free(&op);
    if (rc != TG_OK) {
        tg_account_free(out);
    }

    return rc;
}


static int
tg_account_delete_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                      tg_audit_event_t *ev, tg_error_t *err)
{
    tg_account_op_t *op = data;
    int64_t          apps, apis, keys;
    int              rc;

    rc = tg_account_load(svc, t, op->actor, TG_ACTION_DELETE_ACCOUNT,
                         op->account, &op->record, err);
    if (rc == TG_OK) {
        tg_audit_account(ev, &op->record);
        tg_audit_detail(ev, "{\"name\":\"%s\"}", op->record.name);
        rc = tg_store_account_usage(t, tg_str_c(op->record.id), &apps, &apis,
                                    &keys);
    }
    if (rc == TG_OK && apps + apis + keys > 0) {
        rc = tg_error_set(err, TG_EACCOUNT_NOT_EMPTY, TG_FIELD_NONE,
                          "the account still owns %lld apps, %lld APIs and "
                          "%lld access keys",
                          (long long) apps, (long long) apis, (long long) keys);
    }
    if (rc == TG_OK) {
        rc = tg_store_account_delete(t, tg_str_c(op->record.id));
    }

    return rc;
}


int
tg_service_account_delete(tg_service_t *svc, const tg_actor_t *actor,
                          tg_str_t account, tg_error_t *err)
{
    tg_audit_event_t ev;
    tg_account_op_t  op;
    int              rc;

    tg_account_op_init(&op, actor, account);
    tg_audit_begin(&ev, actor, TG_ACTION_DELETE_ACCOUNT, "account", account);

    rc = tg_authorize_action(actor, TG_ACTION_DELETE_ACCOUNT, err);
    rc = rc == TG_OK ? tg_write(svc, &ev, tg_account_delete_txn, &op, err)
                     : tg_audit_failure(svc, &ev, rc, err);

    tg_account_op_free(&op);
    return rc;
}


/* The stored form of an access-key secret. */
static int
tg_access_hash(const tg_service_t *svc, tg_str_t secret,
               char out[TG_HASH_HEX_LEN + 1])
{
    return tg_keyring_index(svc->keyring, TG_STR(TG_INDEX_ACCESS), secret, out);
}


/*
 * Inserts an access key in account_id with the spec's id and secret, or
 * generated ones; copies the secret to secret_out.
 */
static int
tg_access_key_insert(tg_service_t *svc, tg_txn_t *t, const char *account_id,
                     const tg_access_key_spec_t *spec, tg_access_key_t *out,
                     char        secret_out[TG_ACCESS_KEY_SECRET_MAX + 1],
                     tg_error_t *err)
{
    tg_access_key_t other;
    const char     *rule;
    tg_str_t        secret = spec->secret;
    int64_t         now = tg_time_now_ms();
    int             rc;

    if (spec->id.ptr != NULL && tg_access_key_id_check(spec->id, &rule)) {
        return tg_error_set(err, TG_EINVALID, TG_FIELD_ACCESS_KEY_ID, "%s",
                            rule);
    }
    if (secret.ptr != NULL && tg_access_key_secret_check(secret, &rule)) {
        return tg_error_set(err, TG_EINVALID, TG_FIELD_ACCESS_KEY_SECRET, "%s",
                            rule);
    }
    if (spec->description.ptr != NULL
        && tg_app_description_check(spec->description, &rule) != TG_OK)
    {
        return tg_error_set(err, TG_EINVALID, TG_FIELD_DESCRIPTION, "%s", rule);
    }

    if (spec->id.ptr != NULL) {
        snprintf(out->id, sizeof(out->id), TG_STR_FMT, TG_STR_ARG(spec->id));
        rc = TG_OK;
    } else {
        rc = tg_access_key_id_generate(out->id);
    }

    if (rc == TG_OK && secret.ptr == NULL) {
        rc = tg_access_key_secret_generate(secret_out);
        secret = tg_str_c(secret_out);
    } else if (rc == TG_OK) {
        memcpy(secret_out, secret.ptr, secret.len);
        secret_out[secret.len] = '\0';
    }
    if (rc != TG_OK) {
        return tg_error_code(err, rc);
    }

    memset(&other, 0, sizeof(other));
    rc = tg_store_access_key_get(t, tg_str_c(out->id), &other);
    if (rc == TG_OK) {
        tg_access_key_free(&other);
        return tg_error_set(err, TG_EACCESS_KEY_TAKEN, TG_FIELD_ACCESS_KEY_ID,
                            NULL);
    }
    if (rc != TG_EACCESS_KEY_NOT_FOUND) {
        return tg_error_code(err, rc);
    }

    memcpy(out->account_id, account_id, sizeof(out->account_id));
    out->admin = spec->admin;
    out->enabled = spec->enabled;
    out->created_at = now;
    out->updated_at = now;
    out->description =
        tg_strndup(spec->description.ptr != NULL ? spec->description.ptr : "",
                   spec->description.len);

    rc = out->description != NULL
             ? tg_access_hash(svc, secret, out->secret_hash)
             : TG_ENOMEM;
    if (rc == TG_OK) {
        rc = tg_seal_for(svc, TG_SEAL_ACCESS, out->id, secret,
                         &out->secret_sealed);
    }
    if (rc == TG_OK) {
        rc = tg_store_access_key_insert(t, out);
    }

    return rc == TG_OK ? rc : tg_error_code(err, rc);
}


static int
tg_access_key_create_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                         tg_audit_event_t *ev, tg_error_t *err)
{
    tg_account_op_t *op = data;
    tg_resource_t    res;
    int              rc;

    tg_resource_init(&res, svc->region, TG_RESOURCE_ACCESS_KEY, TG_STR_NULL,
                     op->key_spec->id);
    res.admin_key = op->key_spec->admin;

    rc = tg_account_lookup(t, op->account, &op->record);
    rc = tg_account_authorize(op->actor, TG_ACTION_CREATE_ACCESS_KEY, rc,
                              op->account, &op->record, &res, err);
    if (rc == TG_OK) {
        memcpy(ev->account_id, op->record.id, sizeof(ev->account_id));
        rc = tg_access_key_insert(svc, t, op->record.id, op->key_spec,
                                  op->key_out, op->secret_out, err);
    }
    if (rc == TG_OK) {
        snprintf(ev->target, sizeof(ev->target), "%s", op->key_out->id);
        tg_audit_detail(ev, "{\"role\":\"%s\"}",
                        op->key_out->admin ? "admin" : "member");
    }

    return rc;
}


int
tg_service_access_key_create(tg_service_t *svc, const tg_actor_t *actor,
                             tg_str_t account, const tg_access_key_spec_t *spec,
                             tg_access_key_t *out,
                             char secret_out[TG_ACCESS_KEY_SECRET_MAX + 1],
                             tg_error_t *err)
{
    tg_audit_event_t ev;
    tg_account_op_t  op;
    int              rc = TG_OK;

    memset(out, 0, sizeof(*out));
    secret_out[0] = '\0';
    tg_account_op_init(&op, actor, account);
    op.key_spec = spec;
    op.key_out = out;
    op.secret_out = secret_out;

    tg_audit_begin(&ev, actor, TG_ACTION_CREATE_ACCESS_KEY, "access_key",
                   spec->id.ptr != NULL ? spec->id : TG_STR(""));

    rc = tg_write(svc, &ev, tg_access_key_create_txn, &op, err);

    tg_account_op_free(&op);
    if (rc != TG_OK) {
        tg_wipe(secret_out, TG_ACCESS_KEY_SECRET_MAX + 1);
        tg_access_key_free(out);
    }

    return rc;
}


/*
 * Loads op->key_id within the account op->account names, if actor may do
 * action on it (only an admin on an admin key, for a change).
 */
static int
tg_access_key_load(const tg_service_t *svc, tg_txn_t *t, tg_account_op_t *op,
                   tg_action_t action, tg_access_key_t *key, tg_error_t *err)
{
    tg_resource_t res;
    int           found, rc = TG_EACCESS_KEY_NOT_FOUND;

    found = tg_account_lookup(t, op->account, &op->record);
    if (found == TG_OK) {
        rc = tg_store_access_key_get(t, op->key_id, key);
    }
    if (rc == TG_OK && strcmp(key->account_id, op->record.id) != 0) {
        tg_access_key_free(key);
        rc = TG_EACCESS_KEY_NOT_FOUND;
    }

    tg_resource_init(&res, svc->region, TG_RESOURCE_ACCESS_KEY, TG_STR_NULL,
                     op->key_id);
    res.admin_key = rc == TG_OK && key->admin;

    found = tg_account_authorize(op->actor, action, found, op->account,
                                 &op->record, &res, err);
    if (found != TG_OK || rc != TG_OK) {
        tg_access_key_free(key);
        return found != TG_OK ? found : tg_error_code(err, rc);
    }

    return TG_OK;
}


/* Keeps, in place, the access keys of op's listing that its caller may
 * see (accesskey/<id>), and frees the others. */
static void
tg_access_keys_visible(const tg_service_t *svc, tg_account_op_t *op)
{
    tg_access_key_t *keys = op->items;
    tg_resource_t    res;
    size_t           i, kept = 0;

    for (i = 0; i < op->n; i++) {
        tg_resource_init(&res, svc->region, TG_RESOURCE_ACCESS_KEY,
                         tg_str_c(keys[i].account_id), tg_str_c(keys[i].id));
        res.admin_key = keys[i].admin;
        if (tg_authorize_visible(op->actor, TG_ACTION_DESCRIBE_ACCESS_KEYS,
                                 &res)) {
            keys[kept++] = keys[i];
        } else {
            tg_access_key_free(&keys[i]);
        }
    }
    op->n = kept;
}


static int
tg_access_key_list_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                       tg_audit_event_t *ev, tg_error_t *err)
{
    tg_account_op_t *op = data;
    tg_resource_t    res;
    int              rc;

    (void) ev;

    /* A key with policies lists the keys they let it see. */

    tg_resource_init(&res, svc->region, TG_RESOURCE_ACCESS_KEY, TG_STR_NULL,
                     TG_STR_NULL);
    res.listing = 1;

    rc = tg_account_lookup(t, op->account, &op->record);
    rc = tg_account_authorize(op->actor, TG_ACTION_DESCRIBE_ACCESS_KEYS, rc,
                              op->account, &op->record, &res, err);
    if (rc == TG_OK) {
        rc = tg_store_access_key_list(t, tg_str_c(op->record.id),
                                      (tg_access_key_t **) &op->items, &op->n);
    }
    if (rc == TG_OK && op->actor->policies != NULL) {
        tg_access_keys_visible(svc, op);
    }
    return rc;
}


int
tg_service_access_key_list(tg_service_t *svc, const tg_actor_t *actor,
                           tg_str_t account, tg_access_key_t **items, size_t *n,
                           tg_error_t *err)
{
    tg_account_op_t op;
    int             rc;

    tg_account_op_init(&op, actor, account);

    rc = tg_read(svc, tg_access_key_list_txn, &op, err);
    tg_account_op_free(&op);
    *items = op.items;
    *n = op.n;
    return rc;
}


static int
tg_access_key_get_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                      tg_audit_event_t *ev, tg_error_t *err)
{
    tg_account_op_t *op = data;

    (void) ev;
    return tg_access_key_load(svc, t, op, TG_ACTION_DESCRIBE_ACCESS_KEY,
                              op->key_out, err);
}


int
tg_service_access_key_get(tg_service_t *svc, const tg_actor_t *actor,
                          tg_str_t account, tg_str_t key_id,
                          tg_access_key_t *out, tg_error_t *err)
{
    tg_account_op_t op;
    int             rc;

    memset(out, 0, sizeof(*out));
    tg_account_op_init(&op, actor, account);
    op.key_id = key_id;
    op.key_out = out;

    rc = tg_read(svc, tg_access_key_get_txn, &op, err);
    tg_account_op_free(&op);
    return rc;
}


static int
tg_access_key_update_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                         tg_audit_event_t *ev, tg_error_t *err)
{
    tg_account_op_t            *op = data;
    const tg_access_key_spec_t *patch = op->key_spec;
    tg_access_key_t            *out = op->key_out;
    char                       *description;
    int                         rc;

    rc = tg_access_key_load(svc, t, op, TG_ACTION_MODIFY_ACCESS_KEY, out, err);
    if (rc != TG_OK) {
        return rc;
    }

    memcpy(ev->account_id, out->account_id, sizeof(ev->account_id));

    if (op->set & TG_ACCESS_KEY_SET_ENABLED) {
        tg_audit_detail(ev, "{\"status\":\"%s\"}",
                        tg_status_name(patch->enabled));
        if (out->admin && out->enabled && !patch->enabled) {
            rc = tg_admin_keys_remain(t, 1, err);
            if (rc != TG_OK) {
                return rc;
            }
        }
        out->enabled = patch->enabled;
    }

    if (op->set & TG_ACCESS_KEY_SET_DESCRIPTION) {
        description = tg_strndup(
            patch->description.ptr != NULL ? patch->description.ptr : "",
            patch->description.len);
        if (description == NULL) {
            return tg_error_code(err, TG_ENOMEM);
        }
        free(out->description);
        out->description = description;
    }

    out->updated_at = tg_time_now_ms();
    return tg_store_access_key_update(t, out);
}


int
tg_service_access_key_update(tg_service_t *svc, const tg_actor_t *actor,
                             tg_str_t account, tg_str_t key_id,
                             const tg_access_key_spec_t *patch, unsigned set,
                             tg_access_key_t *out, tg_error_t *err)
{
    tg_audit_event_t ev;
    tg_account_op_t  op;
    const char      *rule;
    int              rc = TG_OK;

    memset(out, 0, sizeof(*out));
    tg_account_op_init(&op, actor, account);
    op.key_id = key_id;
    op.key_spec = patch;
    op.set = set;
    op.key_out = out;

    tg_audit_begin(&ev, actor, TG_ACTION_MODIFY_ACCESS_KEY, "access_key",
                   key_id);

    if ((set & TG_ACCESS_KEY_SET_DESCRIPTION)
        && tg_app_description_check(patch->description, &rule) != TG_OK)
    {
        rc = tg_error_set(err, TG_EINVALID, TG_FIELD_DESCRIPTION, "%s", rule);
    }

    rc = rc == TG_OK ? tg_write(svc, &ev, tg_access_key_update_txn, &op, err)
                     : tg_audit_failure(svc, &ev, rc, err);

    tg_account_op_free(&op);
    if (rc != TG_OK) {
        tg_access_key_free(out);
    }

    return rc;
}


static int
tg_access_key_delete_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                         tg_audit_event_t *ev, tg_error_t *err)
{
    tg_account_op_t *op = data;
    int              rc;

    rc = tg_access_key_load(svc, t, op, TG_ACTION_DELETE_ACCESS_KEY, &op->key,
                            err);
    if (rc != TG_OK) {
        return rc;
    }

    memcpy(ev->account_id, op->key.account_id, sizeof(ev->account_id));

    if (op->key.admin && op->key.enabled) {
        rc = tg_admin_keys_remain(t, 1, err);
    }

    return rc == TG_OK ? tg_store_access_key_delete(t, tg_str_c(op->key.id))
                       : rc;
}


int
tg_service_access_key_delete(tg_service_t *svc, const tg_actor_t *actor,
                             tg_str_t account, tg_str_t key_id, tg_error_t *err)
{
    tg_audit_event_t ev;
    tg_account_op_t  op;
    int              rc;

    tg_account_op_init(&op, actor, account);
    op.key_id = key_id;

    tg_audit_begin(&ev, actor, TG_ACTION_DELETE_ACCESS_KEY, "access_key",
                   key_id);
    rc = tg_write(svc, &ev, tg_access_key_delete_txn, &op, err);

    tg_account_op_free(&op);
    return rc;
}


/*
 * Records that a key was used, at most once a minute per key.  A key
 * without a sealed secret (made before schema 2) gets one now, from the
 * secret that just authenticated (NULL ptr: none at hand).
 */
void
tg_access_key_touch(tg_service_t *svc, const tg_access_key_t *key,
                    tg_str_t secret)
{
    int64_t  now = tg_time_now_ms();
    char    *sealed = NULL;
    tg_txn_t t;
    int      rc = TG_OK, seal;

    seal = key->secret_sealed == NULL && secret.ptr != NULL;

    if (!seal && now - key->last_used_at < TG_TOUCH_INTERVAL) {
        return;
    }

    if (seal) {
        rc = tg_seal_for(svc, TG_SEAL_ACCESS, key->id, secret, &sealed);
    }

    if (rc == TG_OK && tg_txn_begin(svc->store, 1, &t) == TG_OK) {
        rc = tg_store_access_key_touch(&t, tg_str_c(key->id), now);
        if (rc == TG_OK && seal) {
            rc = tg_store_access_key_seal(&t, tg_str_c(key->id),
                                          tg_str_c(sealed));
        }
        if (rc == TG_OK) {
            (void) tg_txn_commit(&t);
        } else {
            tg_txn_rollback(&t);
        }
    }

    free(sealed);
}


/*
 * Checks a key and secret; returns the reason for the audit trail.  The
 * key's policies are listed in the same read transaction (*policies, *n;
 * the caller frees them, whatever the result).
 */
static int
tg_access_key_verify(tg_service_t *svc, tg_str_t key_id, tg_str_t secret,
                     tg_access_key_t *key, tg_key_policy_t **policies,
                     size_t *n, const char **reason)
{
    tg_account_t account;
    tg_txn_t     t;
    char         hash[TG_HASH_HEX_LEN + 1];
    int          rc, found, match;

    memset(&account, 0, sizeof(account));

    rc = tg_txn_begin(svc->store, 0, &t);
    if (rc != TG_OK) {
        *reason = "store unavailable";
        return rc;
    }

    /* A store that fails to look the key up is not an unknown key. */
    rc = tg_access_key_id_check(key_id, NULL) == TG_OK
             ? tg_store_access_key_get(&t, key_id, key)
             : TG_EACCESS_KEY_NOT_FOUND;
    if (rc == TG_OK) {
        rc = tg_store_account_get(&t, tg_str_c(key->account_id), &account);
    }
    found = rc == TG_OK;
    if (found) {
        rc = tg_store_key_policy_list(&t, tg_str_c(key->id), policies, n);
    }

    tg_txn_rollback(&t);

    if (rc != TG_OK && rc != TG_EACCESS_KEY_NOT_FOUND
        && rc != TG_EACCOUNT_NOT_FOUND)
    {
        *reason = "store unavailable";
        tg_account_free(&account);
        return rc;
    }

    /* The hash is computed and compared whether or not the key exists. */

    rc = tg_access_hash(svc, secret, hash);
    match =
        rc == TG_OK
        && tg_equal_ct(hash, TG_HASH_HEX_LEN,
                       found ? key->secret_hash : TG_NO_HASH, TG_HASH_HEX_LEN);
    tg_wipe(hash, sizeof(hash));

    if (!found) {
        *reason = "unknown access key";
    } else if (!match) {
        *reason = "wrong secret";
    } else if (!key->enabled) {
        *reason = "access key disabled";
    } else if (!account.enabled) {
        *reason = "account disabled";
    } else {
        *reason = NULL;
    }

    tg_account_free(&account);
    return *reason == NULL ? TG_OK : TG_EUNAUTHENTICATED;
}


/* Records a failed authentication of key (or of an unknown key). */
void
tg_auth_failure_audit(tg_service_t *svc, tg_actor_t *actor,
                      const tg_access_key_t *key, const char *reason)
{
    tg_audit_event_t ev;

    /* Only the id of a key that exists is recorded: an unknown one may be
     * a secret pasted in the wrong place, and secrets look like ids. */

    tg_audit_start(&ev, actor, "auth.failure", "access_key",
                   key->id[0] != '\0' ? tg_str_c(key->id) : TG_STR(""));
    snprintf(ev.actor, sizeof(ev.actor), "%.*s", TG_KEY_ID_MAX, ev.target);
    snprintf(ev.account_id, sizeof(ev.account_id), "%s", key->account_id);
    tg_audit_detail(&ev, "{\"reason\":\"%s\"}", reason);
    (void) tg_audit_failure(svc, &ev, TG_EUNAUTHENTICATED, NULL);
}


int
tg_service_authenticate(tg_service_t *svc, tg_str_t key_id, tg_str_t secret,
                        tg_actor_t *actor, tg_error_t *err)
{
    tg_access_key_t  key;
    tg_key_policy_t *policies = NULL;
    size_t           n = 0;
    const char      *reason = NULL;
    int              rc;

    memset(&key, 0, sizeof(key));

    rc =
        tg_access_key_verify(svc, key_id, secret, &key, &policies, &n, &reason);
    if (rc == TG_OK) {
        snprintf(actor->key_id, sizeof(actor->key_id), "%s", key.id);
        memcpy(actor->account_id, key.account_id, sizeof(actor->account_id));
        actor->admin = key.admin;
        rc = tg_policies_attach(svc, actor, policies, n, err);
        tg_key_policy_list_free(policies, n);
        if (rc == TG_OK) {
            tg_access_key_touch(svc, &key, secret);
        }
        tg_access_key_free(&key);
        return rc == TG_OK || rc == TG_ENOMEM ? rc
                                              : tg_error_code(err, TG_EBUSY);
    }

    tg_key_policy_list_free(policies, n);
    tg_auth_failure_audit(svc, actor, &key, reason);
    tg_access_key_free(&key);
    return tg_error_code(err, rc == TG_EUNAUTHENTICATED ? rc : TG_EBUSY);
}


static int
tg_access_key_count_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                        tg_audit_event_t *ev, tg_error_t *err)
{
    (void) svc;
    (void) ev;
    (void) err;
    return tg_store_access_key_count(t, data);
}


int
tg_service_bootstrap_needed(tg_service_t *svc, int *needed, tg_error_t *err)
{
    int64_t n = 0;
    int     rc;

    rc = tg_read(svc, tg_access_key_count_txn, &n, err);
    *needed = rc == TG_OK && n == 0;
    return rc;
}


int
tg_service_bootstrap(tg_service_t *svc, tg_str_t key_id, tg_str_t secret,
                     int *created, tg_error_t *err)
{
    char                 secret_copy[TG_ACCESS_KEY_SECRET_MAX + 1];
    tg_access_key_spec_t spec;
    tg_access_key_t      key;
    tg_account_t         account;
    tg_txn_t             t;
    int64_t              n;
    int                  rc;

    *created = 0;
    memset(&key, 0, sizeof(key));
    memset(&account, 0, sizeof(account));

    rc = tg_begin(svc, 1, &t, err);
    if (rc != TG_OK) {
        return rc;
    }

    rc = tg_store_access_key_count(&t, &n);
    if (rc != TG_OK || n > 0) {
        tg_txn_rollback(&t);
        return rc == TG_OK ? rc : tg_error_code(err, rc);
    }

    rc = tg_store_account_find(&t, TG_STR(TG_DEFAULT_ACCOUNT), &account);
    if (rc == TG_EACCOUNT_NOT_FOUND) {
        account.policy = tg_service_limits(svc).account_policy;
        rc = tg_account_insert(&t, TG_STR(TG_DEFAULT_ACCOUNT), 0, &account);
    }

    if (rc == TG_OK) {
        memset(&spec, 0, sizeof(spec));
        spec.id = key_id;
        spec.secret = secret;
        spec.admin = 1;
        spec.enabled = 1;
        spec.description = TG_STR("bootstrap admin key");
        rc = tg_access_key_insert(svc, &t, account.id, &spec, &key, secret_copy,
                                  err);
        tg_wipe(secret_copy, sizeof(secret_copy));
    }

    if (rc == TG_OK) {
        rc = tg_txn_commit(&t);
        *created = rc == TG_OK;
    } else {
        tg_txn_rollback(&t);
    }

    tg_access_key_free(&key);
    tg_account_free(&account);
    return rc == TG_OK ? rc : tg_error_code(err, rc);
}


typedef struct {
    const tg_actor_t  *actor;
    tg_audit_filter_t *filter;
    tg_audit_event_t  *items;
    size_t             n;
    int64_t            total;
} tg_audit_list_t;


/*
 * For a key with policies: the apps whose events it may see into ids
 * (each id followed by ','), those of the filter's account where the
 * policies allow DescribeAuditEvents on app/<AppId>.  The events of no
 * app are seen where they allow it on the audit trail itself (res).
 */
static int
tg_audit_visible_apps(tg_service_t *svc, tg_txn_t *t, tg_audit_list_t *op,
                      const tg_resource_t *any, tg_buf_t *ids)
{
    tg_app_filter_t f;
    tg_resource_t   res;
    tg_app_t       *apps = NULL;
    size_t          napps = 0, i;
    int64_t         total;
    int             rc;

    memset(&f, 0, sizeof(f));
    f.account_id = op->filter->account_id;
    f.enabled = -1;
    f.limit = INT32_MAX;

    rc = tg_store_app_list(t, &f, &apps, &napps, &total);
    for (i = 0; i < napps && rc == TG_OK; i++) {
        tg_resource_app(&res, svc->region, &apps[i]);
        if (tg_authorize_visible(op->actor, TG_ACTION_DESCRIBE_AUDIT_EVENTS,
                                 &res)) {
            rc = tg_buf_printf(ids, "%s,", apps[i].id);
        }
    }
    tg_store_app_list_free(apps, napps);

    /* A non-NULL string, even when no app is seen. */
    if (rc == TG_OK) {
        rc = tg_buf_reserve(ids, 1);
    }

    op->filter->apps_in = tg_buf_str(ids);
    op->filter->no_app =
        tg_authorize_visible(op->actor, TG_ACTION_DESCRIBE_AUDIT_EVENTS, any);
    return rc;
}


static int
tg_audit_list_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                  tg_audit_event_t *ev, tg_error_t *err)
{
    tg_audit_list_t *op = data;
    tg_resource_t    res;
    tg_buf_t         ids = TG_BUF_INIT;
    int              rc;

    (void) ev;

    /* A key with policies lists the events they let it see: those of the
     * apps it may see, and of no app if it may see the trail itself. */

    tg_resource_init(&res, svc->region, TG_RESOURCE_AUDIT,
                     op->filter->account_id, TG_STR_NULL);
    res.listing = 1;

    rc = tg_authorize(op->actor, TG_ACTION_DESCRIBE_AUDIT_EVENTS, &res, err);
    if (rc == TG_OK && op->actor->policies != NULL) {
        rc = tg_audit_visible_apps(svc, t, op, &res, &ids);
    }
    if (rc == TG_OK) {
        rc = tg_store_audit_list(t, op->filter, &op->items, &op->n, &op->total);
    }

    op->filter->apps_in = TG_STR_NULL;
    tg_buf_free(&ids);
    return rc;
}


int
tg_service_audit_list(tg_service_t *svc, const tg_actor_t *actor,
                      const tg_audit_filter_t *filter, tg_audit_event_t **items,
                      size_t *n, int64_t *total, tg_error_t *err)
{
    tg_audit_filter_t f = *filter;
    tg_audit_list_t   op = { actor, &f, NULL, 0, 0 };
    int               rc;

    rc = tg_authorize_listing(actor, TG_ACTION_DESCRIBE_AUDIT_EVENTS,
                              TG_RESOURCE_AUDIT, f.account_id, err);
    if (rc != TG_OK) {
        return rc;
    }
    f.account_id = tg_authorize_scope(actor, TG_RESOURCE_AUDIT, f.account_id);

    rc = tg_read(svc, tg_audit_list_txn, &op, err);
    *items = op.items;
    *n = op.n;
    *total = op.total;
    return rc;
}
