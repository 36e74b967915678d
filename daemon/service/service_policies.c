/*
 * Access-control policies: the built-in ones, an account's named
 * policies, their attachment to access keys, the loading of a key's
 * policies when it authenticates, and the simulator.  The evaluator is
 * lib/policy.c; the decision is the authorizer's (authz.c).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/time.h"
#include "tollgate/utf8.h"
#include "service/service_int.h"


#define TG_POLICY_DESCRIPTION_MAX 256


/* The built-in policies: any key may have them attached by name. */
typedef struct {
    const char *name;
    const char *description;
    const char *document;
} tg_builtin_policy_t;

/* clang-format off */
static const tg_builtin_policy_t tg_builtin_policies[] = {
    { "TollgateFullAccess",
      "Everything the key's role allows.",
      "{\"Version\":\"1\",\"Statement\":[{\"Sid\":\"Everything\","
      "\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}" },
    { "TollgateReadOnlyAccess",
      "Reads and listings, but no secret in clear.",
      "{\"Version\":\"1\",\"Statement\":[{\"Sid\":\"Read\","
      "\"Effect\":\"Allow\",\"Action\":\"apigateway:Describe*\","
      "\"Resource\":\"*\"},{\"Sid\":\"NoSecrets\",\"Effect\":\"Deny\","
      "\"Action\":\"apigateway:DescribeAppSecurity\",\"Resource\":\"*\"}]}" },
    { "TollgateCredentialOperator",
      "Rotates app secrets and AppCodes; may not reveal secrets or delete "
      "apps.",
      "{\"Version\":\"1\",\"Statement\":[{\"Sid\":\"Rotate\","
      "\"Effect\":\"Allow\",\"Action\":[\"apigateway:ResetAppSecret\","
      "\"apigateway:ResetAppCode\"],\"Resource\":\"*\"},{\"Sid\":\"Read\","
      "\"Effect\":\"Allow\",\"Action\":[\"apigateway:DescribeApp\","
      "\"apigateway:DescribeApps\",\"apigateway:DescribeAppKeys\","
      "\"apigateway:DescribeAppCodes\"],\"Resource\":\"*\"},"
      "{\"Sid\":\"NoReveal\",\"Effect\":\"Deny\",\"Action\":["
      "\"apigateway:DescribeAppSecurity\",\"apigateway:DeleteApp\"],"
      "\"Resource\":\"*\"}]}" },
};
/* clang-format on */

#define TG_BUILTIN_NPOLICIES \
    (sizeof(tg_builtin_policies) / sizeof(tg_builtin_policies[0]))


static const tg_builtin_policy_t *
tg_builtin_policy_find(tg_str_t name)
{
    size_t i;

    for (i = 0; i < TG_BUILTIN_NPOLICIES; i++) {
        if (tg_str_eq_nocase(name, tg_str_c(tg_builtin_policies[i].name))) {
            return &tg_builtin_policies[i];
        }
    }
    return NULL;
}


/* A policy's name: 1 to TG_POLICY_NAME_MAX letters, digits, '_', '-', '.'. */
static int
tg_policy_name_check(tg_str_t name, tg_error_t *err)
{
    size_t i;

    if (name.len == 0 || name.len > TG_POLICY_NAME_MAX) {
        return tg_error_set(err, TG_EINVALID, TG_FIELD_NAME,
                            "a policy name is 1 to %d characters",
                            TG_POLICY_NAME_MAX);
    }
    for (i = 0; i < name.len; i++) {
        char c = name.ptr[i];

        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
        {
            return tg_error_set(err, TG_EINVALID, TG_FIELD_NAME,
                                "a policy name holds letters, digits, '_', "
                                "'-' and '.' only");
        }
    }
    return TG_OK;
}


static int
tg_policy_description_check(tg_str_t s, tg_error_t *err)
{
    size_t count;

    if (s.len > TG_POLICY_DESCRIPTION_MAX || tg_utf8_count(s, &count) != TG_OK)
    {
        return tg_error_set(err, TG_EINVALID, TG_FIELD_DESCRIPTION,
                            "a description is valid UTF-8 of at most %d "
                            "bytes",
                            TG_POLICY_DESCRIPTION_MAX);
    }
    return TG_OK;
}


int
tg_service_policy_validate(tg_str_t document, tg_error_t *err)
{
    tg_policy_error_t perr;
    tg_policy_t      *p = NULL;
    int               rc;

    rc = tg_policy_parse(document, tg_action_known, NULL, &p, &perr);
    tg_policy_destroy(p);

    if (rc == TG_EINVALID) {
        return tg_error_set(err, TG_EINVALID, TG_FIELD_DOCUMENT, "%s%s%s",
                            perr.field, perr.field[0] != '\0' ? ": " : "",
                            perr.message);
    }
    return rc == TG_OK ? TG_OK : tg_error_code(err, rc);
}


/* ---- accounts and resources ---- */


/* Finds the account ref names (its id or name); an empty ref is actor's. */
static int
tg_policy_account(tg_txn_t *t, const tg_actor_t *actor, tg_str_t ref,
                  tg_account_t *account)
{
    memset(account, 0, sizeof(*account));
    return tg_account_lookup(
        t, ref.len != 0 ? ref : tg_str_c(actor->account_id), account);
}


/*
 * Authorizes action on the resource of type named id in the account ref
 * names, which it loads into account.  An account out of reach, or one
 * that does not exist, reads as not found; the refusal comes first.
 */
static int
tg_policy_authorize_as(tg_service_t *svc, tg_txn_t *t, const tg_actor_t *actor,
                       tg_action_t action, tg_str_t ref, const char *type,
                       tg_str_t id, int admin_key, int listing,
                       tg_account_t *account, tg_error_t *err)
{
    tg_resource_t res;
    int           found, rc;

    found = tg_policy_account(t, actor, ref, account);
    if (found != TG_OK && found != TG_EACCOUNT_NOT_FOUND) {
        return tg_error_code(err, found);
    }

    tg_resource_init(&res, svc->region, type,
                     found == TG_OK ? tg_str_c(account->id)
                     : ref.len > 0  ? ref
                                    : tg_str_c(actor->account_id),
                     id);
    res.hidden = TG_EACCOUNT_NOT_FOUND;
    res.admin_key = admin_key;
    res.listing = listing;

    rc = tg_authorize(actor, action, &res, err);
    if (rc == TG_OK && found != TG_OK) {
        rc = tg_error_code(err, found);
    }
    return rc;
}


static int
tg_policy_authorize(tg_service_t *svc, tg_txn_t *t, const tg_actor_t *actor,
                    tg_action_t action, tg_str_t ref, const char *type,
                    tg_str_t id, int admin_key, tg_account_t *account,
                    tg_error_t *err)
{
    return tg_policy_authorize_as(svc, t, actor, action, ref, type, id,
                                  admin_key, 0, account, err);
}


/* Fills a record from a built-in policy (its account_id stays ""). */
static int
tg_builtin_record(const tg_builtin_policy_t *b, tg_policy_record_t *out)
{
    memset(out, 0, sizeof(*out));
    out->name = strdup(b->name);
    out->description = strdup(b->description);
    out->document = strdup(b->document);

    if (out->name == NULL || out->description == NULL || out->document == NULL)
    {
        tg_policy_record_free(out);
        return TG_ENOMEM;
    }
    return TG_OK;
}


/* ---- named policies ---- */


typedef struct {
    const tg_actor_t   *actor;
    tg_str_t            account;
    tg_str_t            name;
    tg_str_t            description; /* NULL ptr: keep */
    tg_str_t            document;    /* NULL ptr: keep */
    tg_policy_record_t *out;
    tg_policy_record_t *items;
    size_t              n;
} tg_policy_op_t;


static int
tg_policy_create_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                     tg_audit_event_t *ev, tg_error_t *err)
{
    tg_policy_op_t     *op = data;
    tg_policy_record_t *p = op->out;
    tg_account_t        account;
    int                 rc;

    rc = tg_policy_authorize(svc, t, op->actor, TG_ACTION_CREATE_POLICY,
                             op->account, TG_RESOURCE_POLICY, TG_STR_NULL, 0,
                             &account, err);
    if (rc != TG_OK) {
        goto cleanup;
    }
    memcpy(ev->account_id, account.id, sizeof(ev->account_id));

    if (tg_builtin_policy_find(op->name) != NULL) {
        rc = tg_error_set(err, TG_EPOLICY_NAME_TAKEN, TG_FIELD_NAME,
                          "a built-in policy has this name");
        goto cleanup;
    }

    memcpy(p->account_id, account.id, sizeof(p->account_id));
    p->name = tg_strndup(op->name.ptr, op->name.len);
    p->description =
        tg_strndup(op->description.ptr != NULL ? op->description.ptr : "",
                   op->description.len);
    p->document = tg_strndup(op->document.ptr, op->document.len);
    p->created_at = p->updated_at = tg_time_now_ms();
    if (p->name == NULL || p->description == NULL || p->document == NULL) {
        rc = tg_error_code(err, TG_ENOMEM);
        goto cleanup;
    }

    rc = tg_store_policy_insert(t, p);
    if (rc != TG_OK) {
        rc = tg_error_code(err, rc);
    }

cleanup:
    tg_account_free(&account);
    return rc;
}


int
tg_service_policy_create(tg_service_t *svc, const tg_actor_t *actor,
                         tg_str_t account, tg_str_t name, tg_str_t description,
                         tg_str_t document, tg_policy_record_t *out,
                         tg_error_t *err)
{
    tg_policy_op_t   op = { actor,    account, name, description,
                            document, out,     NULL, 0 };
    tg_audit_event_t ev;
    int              rc;

    memset(out, 0, sizeof(*out));

    rc = tg_policy_name_check(name, err);
    if (rc == TG_OK) {
        rc = tg_policy_description_check(description, err);
    }
    if (rc == TG_OK) {
        rc = tg_service_policy_validate(document, err);
    }
    if (rc != TG_OK) {
        return rc;
    }

    tg_audit_begin(&ev, actor, TG_ACTION_CREATE_POLICY, "policy", name);
    rc = tg_write(svc, &ev, tg_policy_create_txn, &op, err);
    if (rc != TG_OK) {
        tg_policy_record_free(out);
    }
    return rc;
}


/* Keeps, in place, the policies of op's listing (of the account) that its
 * caller may see (policy/<name>), and frees the others. */
static void
tg_policies_visible(const tg_service_t *svc, tg_policy_op_t *op,
                    const char *account)
{
    tg_resource_t res;
    size_t        i, kept = 0;

    for (i = 0; i < op->n; i++) {
        tg_resource_init(&res, svc->region, TG_RESOURCE_POLICY,
                         tg_str_c(account), tg_str_c(op->items[i].name));
        if (tg_authorize_visible(op->actor, TG_ACTION_DESCRIBE_POLICIES, &res))
        {
            op->items[kept++] = op->items[i];
        } else {
            tg_policy_record_free(&op->items[i]);
        }
    }
    op->n = kept;
}


static int
tg_policy_list_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                   tg_audit_event_t *ev, tg_error_t *err)
{
    tg_policy_op_t     *op = data;
    tg_policy_record_t *own = NULL;
    tg_account_t        account;
    size_t              nown = 0, i;
    int                 rc;

    (void) ev;

    /* A key with policies lists the policies they let it see. */

    rc = tg_policy_authorize_as(svc, t, op->actor, TG_ACTION_DESCRIBE_POLICIES,
                                op->account, TG_RESOURCE_POLICY, TG_STR_NULL, 0,
                                1, &account, err);
    if (rc == TG_OK) {
        rc = tg_store_policy_list(t, tg_str_c(account.id), &own, &nown);
    }
    if (rc != TG_OK) {
        tg_account_free(&account);
        return tg_error_code(err, rc);
    }

    /* The built-in ones first, then the account's. */

    op->items = calloc(TG_BUILTIN_NPOLICIES + nown, sizeof(*op->items));
    if (op->items == NULL) {
        tg_policy_record_list_free(own, nown);
        tg_account_free(&account);
        return tg_error_code(err, TG_ENOMEM);
    }

    for (i = 0; i < TG_BUILTIN_NPOLICIES && rc == TG_OK; i++) {
        rc = tg_builtin_record(&tg_builtin_policies[i], &op->items[op->n]);
        op->n += rc == TG_OK;
    }
    for (i = 0; i < nown; i++) {
        op->items[op->n++] = own[i];
    }
    free(own);

    if (rc == TG_OK && op->actor->policies != NULL) {
        tg_policies_visible(svc, op, account.id);
    }
    tg_account_free(&account);

    return rc == TG_OK ? TG_OK : tg_error_code(err, rc);
}


int
tg_service_policy_list(tg_service_t *svc, const tg_actor_t *actor,
                       tg_str_t account, tg_policy_record_t **items, size_t *n,
                       tg_error_t *err)
{
    tg_policy_op_t op;
    int            rc;

    memset(&op, 0, sizeof(op));
    op.actor = actor;
    op.account = account;

    rc = tg_read(svc, tg_policy_list_txn, &op, err);
    if (rc != TG_OK) {
        tg_policy_record_list_free(op.items, op.n);
        op.items = NULL;
        op.n = 0;
    }
    *items = op.items;
    *n = op.n;
    return rc;
}


static int
tg_policy_get_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                  tg_audit_event_t *ev, tg_error_t *err)
{
    tg_policy_op_t            *op = data;
    const tg_builtin_policy_t *b = tg_builtin_policy_find(op->name);
    tg_account_t               account;
    int                        rc;

    (void) ev;

    rc = tg_policy_authorize(svc, t, op->actor, TG_ACTION_DESCRIBE_POLICY,
                             op->account, TG_RESOURCE_POLICY, op->name, 0,
                             &account, err);
    if (rc == TG_OK) {
        rc = b != NULL ? tg_builtin_record(b, op->out)
                       : tg_store_policy_get(t, tg_str_c(account.id), op->name,
                                             op->out);
    }
    tg_account_free(&account);
    return rc == TG_OK ? TG_OK : tg_error_code(err, rc);
}


int
tg_service_policy_get(tg_service_t *svc, const tg_actor_t *actor,
                      tg_str_t account, tg_str_t name, tg_policy_record_t *out,
                      tg_error_t *err)
{
    tg_policy_op_t op;

    memset(&op, 0, sizeof(op));
    memset(out, 0, sizeof(*out));
    op.actor = actor;
    op.account = account;
    op.name = name;
    op.out = out;

    return tg_read(svc, tg_policy_get_txn, &op, err);
}


static int
tg_policy_update_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                     tg_audit_event_t *ev, tg_error_t *err)
{
    tg_policy_op_t     *op = data;
    tg_policy_record_t *p = op->out;
    tg_account_t        account;
    char               *copy;
    int                 rc;

    rc = tg_policy_authorize(svc, t, op->actor, TG_ACTION_MODIFY_POLICY,
                             op->account, TG_RESOURCE_POLICY, op->name, 0,
                             &account, err);
    if (rc == TG_OK) {
        memcpy(ev->account_id, account.id, sizeof(ev->account_id));
        rc = tg_builtin_policy_find(op->name) != NULL
                 ? tg_error_set(err, TG_EINVALID, TG_FIELD_NAME,
                                "a built-in policy cannot be changed")
                 : tg_store_policy_get(t, tg_str_c(account.id), op->name, p);
    }
    tg_account_free(&account);
    if (rc != TG_OK) {
        return tg_error_code(err, rc);
    }

    if (op->description.ptr != NULL) {
        copy = tg_strndup(op->description.ptr, op->description.len);
        if (copy == NULL) {
            return tg_error_code(err, TG_ENOMEM);
        }
        free(p->description);
        p->description = copy;
    }
    if (op->document.ptr != NULL) {
        copy = tg_strndup(op->document.ptr, op->document.len);
        if (copy == NULL) {
            return tg_error_code(err, TG_ENOMEM);
        }
        free(p->document);
        p->document = copy;
    }
    p->updated_at = tg_time_now_ms();

    rc = tg_store_policy_update(t, p);
    return rc == TG_OK ? TG_OK : tg_error_code(err, rc);
}


int
tg_service_policy_update(tg_service_t *svc, const tg_actor_t *actor,
                         tg_str_t account, tg_str_t name, tg_str_t description,
                         tg_str_t document, tg_policy_record_t *out,
                         tg_error_t *err)
{
    tg_policy_op_t   op = { actor,    account, name, description,
                            document, out,     NULL, 0 };
    tg_audit_event_t ev;
    int              rc = TG_OK;

    memset(out, 0, sizeof(*out));

    if (description.ptr != NULL) {
        rc = tg_policy_description_check(description, err);
    }
    if (rc == TG_OK && document.ptr != NULL) {
        rc = tg_service_policy_validate(document, err);
    }
    if (rc != TG_OK) {
        return rc;
    }

    tg_audit_begin(&ev, actor, TG_ACTION_MODIFY_POLICY, "policy", name);
    rc = tg_write(svc, &ev, tg_policy_update_txn, &op, err);
    if (rc != TG_OK) {
        tg_policy_record_free(out);
    }
    return rc;
}


static int
tg_policy_delete_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                     tg_audit_event_t *ev, tg_error_t *err)
{
    tg_policy_op_t *op = data;
    tg_account_t    account;
    int64_t         attached = 0;
    int             rc;

    rc = tg_policy_authorize(svc, t, op->actor, TG_ACTION_DELETE_POLICY,
                             op->account, TG_RESOURCE_POLICY, op->name, 0,
                             &account, err);
    if (rc == TG_OK) {
        memcpy(ev->account_id, account.id, sizeof(ev->account_id));
        rc = tg_store_policy_attachments(t, tg_str_c(account.id), op->name,
                                         &attached);
    }
    if (rc == TG_OK && attached > 0) {
        rc = tg_error_set(err, TG_ECONFLICT, TG_FIELD_NAME,
                          "the policy is attached to %lld access keys: "
                          "detach it first",
                          (long long) attached);
    } else if (rc == TG_OK) {
        rc = tg_builtin_policy_find(op->name) != NULL
                 ? tg_error_set(err, TG_EINVALID, TG_FIELD_NAME,
                                "a built-in policy cannot be deleted")
                 : tg_store_policy_delete(t, tg_str_c(account.id), op->name);
    }
    tg_account_free(&account);
    return rc == TG_OK ? TG_OK : tg_error_code(err, rc);
}


int
tg_service_policy_delete(tg_service_t *svc, const tg_actor_t *actor,
                         tg_str_t account, tg_str_t name, tg_error_t *err)
{
    tg_policy_op_t   op;
    tg_audit_event_t ev;

    memset(&op, 0, sizeof(op));
    op.actor = actor;
    op.account = account;
    op.name = name;

    tg_audit_begin(&ev, actor, TG_ACTION_DELETE_POLICY, "policy", name);
    return tg_write(svc, &ev, tg_policy_delete_txn, &op, err);
}


/* ---- attachments ---- */


typedef struct {
    const tg_actor_t *actor;
    tg_str_t          account;
    tg_str_t          key_id;
    tg_str_t          name;
    tg_str_t          document; /* inline; NULL ptr: a named policy */
    tg_key_policy_t  *items;
    size_t            n;
} tg_attach_op_t;


/*
 * Loads the access key op names, in the account op names, and asks
 * whether op->actor may do action on it.  A key of another account
 * reads as not found.
 */
static int
tg_attach_key_load(tg_service_t *svc, tg_txn_t *t, const tg_attach_op_t *op,
                   tg_action_t action, tg_access_key_t *key, tg_error_t *err)
{
    tg_account_t account;
    int          rc;

    memset(key, 0, sizeof(*key));
    rc = tg_store_access_key_get(t, op->key_id, key);
    if (rc != TG_OK && rc != TG_EACCESS_KEY_NOT_FOUND) {
        return tg_error_code(err, rc);
    }

    rc = tg_policy_authorize(svc, t, op->actor, action, op->account,
                             TG_RESOURCE_ACCESS_KEY, op->key_id, key->admin,
                             &account, err);
    if (rc == TG_OK
        && (key->id[0] == '\0' || strcmp(key->account_id, account.id) != 0))
    {
        rc = tg_error_code(err, TG_EACCESS_KEY_NOT_FOUND);
    }
    tg_account_free(&account);
    return rc;
}


static int
tg_attach_txn(tg_service_t *svc, tg_txn_t *t, void *data, tg_audit_event_t *ev,
              tg_error_t *err)
{
    tg_attach_op_t    *op = data;
    tg_access_key_t    key;
    tg_policy_record_t named;
    tg_key_policy_t   *have = NULL;
    size_t             nhave = 0;
    int                rc;

    memset(&named, 0, sizeof(named));

    rc = tg_attach_key_load(svc, t, op, TG_ACTION_ATTACH_POLICY, &key, err);
    if (rc != TG_OK) {
        goto cleanup;
    }
    memcpy(ev->account_id, key.account_id, sizeof(ev->account_id));
    tg_audit_detail(ev, "{\"policy\":\"%.*s\",\"inline\":%s}",
                    (int) op->name.len, op->name.ptr,
                    op->document.ptr != NULL ? "true" : "false");

    if (op->document.ptr == NULL && tg_builtin_policy_find(op->name) == NULL) {
        rc = tg_store_policy_get(t, tg_str_c(key.account_id), op->name, &named);
        if (rc != TG_OK) {
            rc = rc == TG_EPOLICY_NOT_FOUND
                     ? tg_error_set(err, rc, TG_FIELD_NAME,
                                    "no such policy in the key's account, "
                                    "and no built-in one of this name")
                     : tg_error_code(err, rc);
            goto cleanup;
        }
    }

    rc = tg_store_key_policy_list(t, tg_str_c(key.id), &have, &nhave);
    if (rc == TG_OK && nhave >= TG_KEY_POLICIES_MAX) {
        rc = tg_error_set(err, TG_ECONFLICT, TG_FIELD_POLICY,
                          "an access key has at most %d policies",
                          TG_KEY_POLICIES_MAX);
        goto cleanup;
    }
    if (rc == TG_OK) {
        rc = tg_store_key_policy_attach(t, tg_str_c(key.id), op->name,
                                        op->document, tg_time_now_ms());
    }
    if (rc == TG_EPOLICY_NAME_TAKEN) {
        rc = tg_error_set(err, rc, TG_FIELD_NAME,
                          "the key has a policy of this name attached");
    } else if (rc != TG_OK) {
        rc = tg_error_code(err, rc);
    }

cleanup:
    tg_key_policy_list_free(have, nhave);
    tg_policy_record_free(&named);
    tg_access_key_free(&key);
    return rc;
}


int
tg_service_key_policy_attach(tg_service_t *svc, const tg_actor_t *actor,
                             tg_str_t account, tg_str_t key_id, tg_str_t name,
                             tg_str_t document, tg_error_t *err)
{
    tg_attach_op_t   op = { actor, account, key_id, name, document, NULL, 0 };
    tg_audit_event_t ev;
    int              rc;

    rc = tg_policy_name_check(name, err);
    if (rc == TG_OK && document.ptr != NULL) {
        rc = tg_builtin_policy_find(name) != NULL
                 ? tg_error_set(err, TG_EINVALID, TG_FIELD_NAME,
                                "a built-in policy has this name")
                 : tg_service_policy_validate(document, err);
    }
    if (rc != TG_OK) {
        return rc;
    }

    tg_audit_begin(&ev, actor, TG_ACTION_ATTACH_POLICY, "access_key", key_id);
    return tg_write(svc, &ev, tg_attach_txn, &op, err);
}


static int
tg_detach_txn(tg_service_t *svc, tg_txn_t *t, void *data, tg_audit_event_t *ev,
              tg_error_t *err)
{
    tg_attach_op_t *op = data;
    tg_access_key_t key;
    int             rc;

    rc = tg_attach_key_load(svc, t, op, TG_ACTION_DETACH_POLICY, &key, err);
    if (rc == TG_OK) {
        memcpy(ev->account_id, key.account_id, sizeof(ev->account_id));
        tg_audit_detail(ev, "{\"policy\":\"%.*s\"}", (int) op->name.len,
                        op->name.ptr);
        rc = tg_store_key_policy_detach(t, tg_str_c(key.id), op->name);
        if (rc != TG_OK) {
            rc = tg_error_code(err, rc);
        }
    }
    tg_access_key_free(&key);
    return rc;
}


int
tg_service_key_policy_detach(tg_service_t *svc, const tg_actor_t *actor,
                             tg_str_t account, tg_str_t key_id, tg_str_t name,
                             tg_error_t *err)
{
    tg_attach_op_t op = { actor, account, key_id, name, TG_STR_NULL, NULL, 0 };
    tg_audit_event_t ev;
    int              rc;

    rc = tg_policy_name_check(name, err);
    if (rc != TG_OK) {
        return rc;
    }

    tg_audit_begin(&ev, actor, TG_ACTION_DETACH_POLICY, "access_key", key_id);
    return tg_write(svc, &ev, tg_detach_txn, &op, err);
}


static int
tg_key_policy_list_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                       tg_audit_event_t *ev, tg_error_t *err)
{
    tg_attach_op_t *op = data;
    tg_access_key_t key;
    int             rc;

    (void) ev;

    rc = tg_attach_key_load(svc, t, op, TG_ACTION_DESCRIBE_ACCESS_KEY_POLICIES,
                            &key, err);
    if (rc == TG_OK) {
        rc = tg_store_key_policy_list(t, tg_str_c(key.id), &op->items, &op->n);
        if (rc != TG_OK) {
            rc = tg_error_code(err, rc);
        }
    }
    tg_access_key_free(&key);
    return rc;
}


/* Gives every named attachment the document it names: the built-in
 * one's when it is one. */
static int
tg_key_policy_documents(tg_key_policy_t *items, size_t n)
{
    const tg_builtin_policy_t *b;
    size_t                     i;

    for (i = 0; i < n; i++) {
        if (items[i].is_inline || items[i].document != NULL) {
            continue;
        }
        b = tg_builtin_policy_find(tg_str_c(items[i].name));
        if (b != NULL) {
            items[i].document = strdup(b->document);
            if (items[i].document == NULL) {
                return TG_ENOMEM;
            }
        }
    }
    return TG_OK;
}


int
tg_service_key_policy_list(tg_service_t *svc, const tg_actor_t *actor,
                           tg_str_t account, tg_str_t key_id,
                           tg_key_policy_t **items, size_t *n, tg_error_t *err)
{
    tg_attach_op_t op = { actor,       account, key_id, TG_STR_NULL,
                          TG_STR_NULL, NULL,    0 };
    int            rc;

    rc = tg_read(svc, tg_key_policy_list_txn, &op, err);
    if (rc == TG_OK) {
        rc = tg_key_policy_documents(op.items, op.n);
        if (rc != TG_OK) {
            tg_error_code(err, rc);
        }
    }
    if (rc != TG_OK) {
        tg_key_policy_list_free(op.items, op.n);
        op.items = NULL;
        op.n = 0;
    }
    *items = op.items;
    *n = op.n;
    return rc;
}


/* ---- a key's policies, when it authenticates ---- */


/*
 * Records a refusal by policy of a read (an action the audit trail does
 * not record of itself), as "authz.denied" on the resource refused, with
 * the action and the reason: the set's record callback.
 */
static void
tg_policy_denial_record(void *data, const tg_actor_t *actor,
                        const tg_policy_set_t *set)
{
    tg_audit_event_t ev;
    const char      *res = set->denied_resource, *colon, *slash;
    char             type[24] = "";
    tg_str_t         id = TG_STR("");

    colon = strrchr(res, ':');
    slash = colon != NULL ? strchr(colon, '/') : NULL;
    if (slash != NULL) {
        snprintf(type, sizeof(type), "%.*s", (int) (slash - colon - 1),
                 colon + 1);
        id = tg_str_c(slash + 1);
    }

    tg_audit_start(&ev, actor, "authz.denied", type, id);
    snprintf(ev.canonical_action, sizeof(ev.canonical_action), "%s",
             set->denied_action);
    tg_audit_reason(&ev, set->denied_reason);
    (void) tg_audit_failure(data, &ev, TG_EFORBIDDEN, NULL);
}


typedef struct {
    tg_str_t         key_id;
    tg_key_policy_t *items;
    size_t           n;
} tg_load_op_t;


static int
tg_policies_load_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                     tg_audit_event_t *ev, tg_error_t *err)
{
    tg_load_op_t *op = data;
    int           rc;

    (void) svc;
    (void) ev;

    rc = tg_store_key_policy_list(t, op->key_id, &op->items, &op->n);
    return rc == TG_OK ? TG_OK : tg_error_code(err, rc);
}


/*
 * Parses a key's policies into a set.  A policy that does not parse (or
 * a named one that is gone) stays in the set as an empty entry, which
 * allows nothing: a key with policies never gains power from a broken
 * one.
 */
static int
tg_policy_set_make(tg_key_policy_t *items, size_t n, tg_policy_set_t **out)
{
    tg_policy_set_t  *set;
    tg_policy_error_t perr;
    size_t            i;
    int               rc;

    *out = NULL;
    rc = tg_key_policy_documents(items, n);
    if (rc != TG_OK) {
        return rc;
    }

    set = calloc(1, sizeof(*set));
    if (set == NULL) {
        return TG_ENOMEM;
    }

    for (i = 0; i < n && i < TG_KEY_POLICIES_MAX; i++) {
        snprintf(set->names[i], sizeof(set->names[i]), "%s", items[i].name);
        if (items[i].document != NULL) {
            rc = tg_policy_parse(tg_str_c(items[i].document), NULL, NULL,
                                 &set->items[i], &perr);
            if (rc == TG_ENOMEM) {
                set->n = i;
                tg_policy_set_free(set);
                return rc;
            }
        }
    }
    set->n = i;

    *out = set;
    return TG_OK;
}


int
tg_policies_attach(tg_service_t *svc, tg_actor_t *actor, tg_key_policy_t *items,
                   size_t n, tg_error_t *err)
{
    int rc = TG_OK;

    tg_actor_free(actor);

    if (n > 0) {
        rc = tg_policy_set_make(items, n, &actor->policies);
        if (rc != TG_OK) {
            tg_error_code(err, rc);
        } else {
            actor->policies->record = tg_policy_denial_record;
            actor->policies->record_data = svc;
        }
    }

    if (rc != TG_OK) {
        /* The key's power is unknown: the actor is not authenticated. */
        tg_actor_free(actor);
        actor->key_id[0] = '\0';
        actor->account_id[0] = '\0';
        actor->admin = 0;
    }
    return rc;
}


int
tg_policies_load(tg_service_t *svc, tg_actor_t *actor, tg_error_t *err)
{
    tg_load_op_t op = { tg_str_c(actor->key_id), NULL, 0 };
    int          rc;

    tg_actor_free(actor);

    rc = tg_read(svc, tg_policies_load_txn, &op, err);
    if (rc == TG_OK) {
        rc = tg_policies_attach(svc, actor, op.items, op.n, err);
    }

    tg_key_policy_list_free(op.items, op.n);
    if (rc != TG_OK) {
        /* The key's power is unknown: the actor is not authenticated. */
        tg_actor_free(actor);
        actor->key_id[0] = '\0';
        actor->account_id[0] = '\0';
        actor->admin = 0;
    }
    return rc;
}


/* ---- the simulator ---- */


typedef struct {
    const tg_actor_t *actor;
    tg_str_t          account;
    tg_str_t          key_id;
    tg_key_policy_t  *items;
    size_t            n;
    int               admin;
    char              key_account[TG_ID_LEN + 1];
} tg_check_op_t;


static int
tg_check_txn(tg_service_t *svc, tg_txn_t *t, void *data, tg_audit_event_t *ev,
             tg_error_t *err)
{
    tg_check_op_t *op = data;
    tg_attach_op_t attach = { op->actor,   op->account, op->key_id, TG_STR_NULL,
                              TG_STR_NULL, NULL,        0 };
    tg_access_key_t key;
    int             rc;

    (void) ev;

    rc = tg_attach_key_load(svc, t, &attach, TG_ACTION_SIMULATE_POLICY, &key,
                            err);
    if (rc == TG_OK) {
        op->admin = key.admin;
        memcpy(op->key_account, key.account_id, sizeof(op->key_account));
        rc = tg_store_key_policy_list(t, tg_str_c(key.id), &op->items, &op->n);
        if (rc != TG_OK) {
            rc = tg_error_code(err, rc);
        }
    }
    tg_access_key_free(&key);
    return rc;
}


/* The account segment of an ARN ("acs:apigateway:<region>:<account>:..."),
 * or a NULL ptr. */
static tg_str_t
tg_arn_account(tg_str_t arn)
{
    size_t i, colons = 0, start = 0;

    for (i = 0; i < arn.len; i++) {
        if (arn.ptr[i] != ':') {
            continue;
        }
        if (++colons == 3) {
            start = i + 1;
        } else if (colons == 4) {
            return (tg_str_t){ arn.ptr + start, i - start };
        }
    }
    return TG_STR_NULL;
}


int
tg_service_policy_check(tg_service_t *svc, const tg_actor_t *actor,
                        tg_str_t account, tg_str_t key_id, tg_str_t action,
                        tg_str_t resource, const tg_policy_context_t *ctx,
                        tg_policy_check_t *out, tg_error_t *err)
{
    tg_check_op_t        op;
    tg_policy_set_t     *set = NULL;
    tg_policy_decision_t d;
    tg_action_t          a;
    tg_str_t             owner;
    char                 arn[TG_RESOURCE_NAME_MAX];
    int                  rc;

    memset(&op, 0, sizeof(op));
    memset(out, 0, sizeof(*out));
    op.actor = actor;
    op.account = account;
    op.key_id = key_id;

    if (tg_action_find(action, &a) != TG_OK) {
        return tg_error_set(err, TG_EINVALID, TG_FIELD_NONE,
                            "action: no such action (see "
                            "docs/access-control.md)");
    }
    if (resource.len == 0 || resource.len >= sizeof(arn)
        || !tg_str_has_prefix(resource, TG_STR("acs:apigateway:")))
    {
        return tg_error_set(err, TG_EINVALID, TG_FIELD_NONE,
                            "resource: an ARN, "
                            "acs:apigateway:<region>:<account>:<type>/<id>");
    }
    memcpy(arn, resource.ptr, resource.len);
    arn[resource.len] = '\0';

    rc = tg_read(svc, tg_check_txn, &op, err);
    if (rc == TG_OK && op.n > 0) {
        rc = tg_policy_set_make(op.items, op.n, &set);
        if (rc != TG_OK) {
            tg_error_code(err, rc);
        }
    }
    tg_key_policy_list_free(op.items, op.n);
    if (rc != TG_OK) {
        return rc;
    }

    out->action = tg_action_name(a);
    owner = tg_arn_account(resource);
    out->role_allows = op.admin || tg_str_eq_c(owner, op.key_account);

    if (set == NULL) {
        out->allowed = out->role_allows;
        return TG_OK;
    }

    out->has_policies = 1;
    (void) tg_authorize_policies(set, out->action, arn, ctx, &d);
    out->effect = d.effect;
    out->allowed = out->role_allows && d.effect == TG_POLICY_ALLOWED;
    if (d.effect != TG_POLICY_NO_MATCH) {
        snprintf(out->policy, sizeof(out->policy), "%s", set->names[d.policy]);
        out->statement = d.statement;
        snprintf(out->sid, sizeof(out->sid), "%s", d.sid);
    }

    tg_policy_set_free(set);
    return TG_OK;
}
