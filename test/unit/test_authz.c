/*
 * Tests of daemon/service/authz.c: the table of actions, resource names,
 * and today's rules with the refusal each gives.
 */

#include "unit.h"

#include <stdio.h>
#include <stdlib.h>

#include "service/authz.h"


#define ACC_A "a0a00000000000000000000000000001"
#define ACC_B "b0b00000000000000000000000000002"


static tg_actor_t
actor(const char *account, int admin)
{
    tg_actor_t a;

    memset(&a, 0, sizeof(a));
    snprintf(a.key_id, sizeof(a.key_id), "TGkey");
    snprintf(a.account_id, sizeof(a.account_id), "%s", account);
    snprintf(a.source, sizeof(a.source), "192.0.2.1");
    a.admin = admin;
    return a;
}


static tg_resource_t
resource(const char *type, const char *account, const char *id)
{
    tg_resource_t res;

    tg_resource_init(&res, TG_REGION_DEFAULT, type,
                     account != NULL ? tg_str_c(account) : TG_STR_NULL,
                     id != NULL ? tg_str_c(id) : TG_STR_NULL);
    return res;
}


/* Asserts a refusal: its code, field and message ("" for the code's). */
static void
assert_refused(const tg_actor_t *a, tg_action_t action,
               const tg_resource_t *res, int code, tg_field_t field,
               const char *detail)
{
    tg_error_t err;

    memset(&err, 0, sizeof(err));
    assert_rc(tg_authorize(a, action, res, &err), code);
    assert_rc(err.code, code);
    assert_int_equal(err.field, field);
    assert_string_equal(err.detail, detail);
}


static void
assert_allowed(const tg_actor_t *a, tg_action_t action,
               const tg_resource_t *res)
{
    tg_error_t err;

    memset(&err, 0, sizeof(err));
    assert_rc(tg_authorize(a, action, res, &err), TG_OK);
    assert_rc(err.code, TG_OK);
}


/* A list of actions for the assert_each_*() helpers: the array, its
 * length. */
#define ACTIONS(...)                      \
    (const tg_action_t[]){ __VA_ARGS__ }, \
        sizeof((const tg_action_t[]){ __VA_ARGS__ }) / sizeof(tg_action_t)

/* Asserts the same refusal of each of n actions on res. */
static void
assert_each_refused(const tg_actor_t *a, const tg_action_t *actions, size_t n,
                    const tg_resource_t *res, int code, tg_field_t field,
                    const char *detail)
{
    size_t i;

    for (i = 0; i < n; i++) {
        assert_refused(a, actions[i], res, code, field, detail);
    }
}


static void
assert_each_allowed(const tg_actor_t *a, const tg_action_t *actions, size_t n,
                    const tg_resource_t *res)
{
    size_t i;

    for (i = 0; i < n; i++) {
        assert_allowed(a, actions[i], res);
    }
}


/* Every action has a unique canonical name, a level, and at most one
 * action per audit event, so that events map back to actions. */
static void
test_action_table(void **state)
{
    tg_action_t a, b, found;

    (void) state;

    for (a = 0; a < TG_ACTION_COUNT; a++) {
        const char *name = tg_action_name(a);

        assert_int_equal(strncmp(name, "apigateway:", 11), 0);
        assert_true(strlen(name) <= TG_AUDIT_ACTION_MAX);
        assert_rc(tg_action_find(tg_str_c(name), &found), TG_OK);
        assert_int_equal(found, a);

        for (b = a + 1; b < TG_ACTION_COUNT; b++) {
            assert_true(strcmp(name, tg_action_name(b)) != 0);
            if (tg_action_event(a) != NULL && tg_action_event(b) != NULL) {
                assert_true(strcmp(tg_action_event(a), tg_action_event(b))
                            != 0);
            }
        }

        /* Writes are audited; reads are not (the reveal is). */

        if (tg_action_level(a) > TG_ACCESS_GET) {
            assert_non_null(tg_action_event(a));
        }
    }

    assert_rc(tg_action_find(TG_STR("apigateway:ResetAppSecret"), &found),
              TG_OK);
    assert_int_equal(found, TG_ACTION_RESET_APP_SECRET);
    assert_string_equal(tg_access_level_name(tg_action_level(found)), "update");
    assert_rc(tg_action_find(TG_STR("apigateway:CreateApp"), &found), TG_OK);
    assert_string_equal(tg_access_level_name(tg_action_level(found)), "create");
    assert_string_equal(tg_action_event(found), "app.create");
    assert_string_equal(
        tg_access_level_name(tg_action_level(TG_ACTION_DESCRIBE_APPS)), "list");
    assert_null(tg_action_event(TG_ACTION_DESCRIBE_APPS));
    assert_string_equal(tg_action_event(TG_ACTION_DESCRIBE_APP_SECURITY),
                        "app.secret.reveal");

    assert_rc(tg_action_find(TG_STR("apigateway:CreateAp"), &found),
              TG_EINVALID);
    assert_rc(tg_action_find(TG_STR("apigateway:*"), &found), TG_EINVALID);

    assert_rc(tg_action_find_event("app.secret.reset", &found), TG_OK);
    assert_int_equal(found, TG_ACTION_RESET_APP_SECRET);
    assert_rc(tg_action_find_event("auth.failure", &found), TG_EINVALID);
}


static void
test_resource_names(void **state)
{
    tg_resource_t res;
    tg_app_t      app;
    tg_api_t      api;
    char          name[160], small[24];

    (void) state;

    memset(&app, 0, sizeof(app));
    memcpy(app.account_id, ACC_A, sizeof(app.account_id));
    app.app_id = 10000000000001;
    tg_resource_app(&res, "cn-hangzhou", &app);
    assert_rc(tg_resource_name(&res, name, sizeof(name)), TG_OK);
    assert_string_equal(name, "acs:apigateway:cn-hangzhou:" ACC_A
                              ":app/10000000000001");
    assert_rc(res.hidden, TG_EAPP_NOT_FOUND);

    memset(&api, 0, sizeof(api));
    memcpy(api.account_id, ACC_B, sizeof(api.account_id));
    api.name = "payments";
    tg_resource_api(&res, TG_REGION_DEFAULT, &api);
    assert_rc(tg_resource_name(&res, name, sizeof(name)), TG_OK);
    assert_string_equal(name, "acs:apigateway:local:" ACC_B ":api/payments");
    assert_rc(res.hidden, TG_OK);

    /* Whatever the request leaves open is "*". */
    res = resource(TG_RESOURCE_APP, NULL, NULL);
    assert_rc(tg_resource_name(&res, name, sizeof(name)), TG_OK);
    assert_string_equal(name, "acs:apigateway:local:*:app/*");

    res = resource(TG_RESOURCE_ACCESS_KEY, ACC_A, "TGkey1");
    assert_rc(tg_resource_name(&res, name, sizeof(name)), TG_OK);
    assert_string_equal(name,
                        "acs:apigateway:local:" ACC_A ":accesskey/TGkey1");

    /* A name that does not fit is cut and refused. */
    assert_rc(tg_resource_name(&res, small, sizeof(small)), TG_EINVALID);
    assert_string_equal(small, "acs:apigateway:local:a0");

    /* A reference longer than any id is cut, never overflowed. */
    memset(name, 'x', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    res = resource(TG_RESOURCE_ACCOUNT, name, name);
    assert_int_equal(strlen(res.account_id), TG_RESOURCE_ID_MAX);
    assert_int_equal(strlen(res.id), TG_RESOURCE_ID_MAX);
    tg_resource_set_account(&res, TG_STR(ACC_B));
    assert_string_equal(res.account_id, ACC_B);
}


/* An admin key may do everything, anywhere. */
static void
test_admin(void **state)
{
    tg_actor_t    admin = actor(ACC_A, 1);
    tg_resource_t res = resource(TG_RESOURCE_APP, ACC_B, "10000000000002");
    tg_action_t   a;

    (void) state;

    res.hidden = TG_EAPP_NOT_FOUND;
    res.admin_key = 1;

    for (a = 0; a < TG_ACTION_COUNT; a++) {
        assert_allowed(&admin, a, &res);
        assert_rc(tg_authorize_action(&admin, a, NULL), TG_OK);
    }
}


/* A member key acts within its own account; another account's app reads
 * as not found, whatever the action. */
static void
test_own_account(void **state)
{
    tg_actor_t    member = actor(ACC_A, 0);
    tg_resource_t own = resource(TG_RESOURCE_APP, ACC_A, "10000000000001");
    tg_resource_t other = resource(TG_RESOURCE_APP, ACC_B, "10000000000002");

    (void) state;

    own.hidden = TG_EAPP_NOT_FOUND;
    other.hidden = TG_EAPP_NOT_FOUND;

    assert_each_allowed(&member,
                        ACTIONS(TG_ACTION_DESCRIBE_APP,
                                TG_ACTION_RESET_APP_SECRET,
                                TG_ACTION_DELETE_APP),
                        &own);
    assert_each_refused(&member,
                        ACTIONS(TG_ACTION_DESCRIBE_APP,
                                TG_ACTION_DESCRIBE_APP_SECURITY,
                                TG_ACTION_MODIFY_APP),
                        &other, TG_EAPP_NOT_FOUND, TG_FIELD_NONE, "");

    /* A resource of no account ("any") is no member's. */
    other = resource(TG_RESOURCE_AUDIT, NULL, NULL);
    assert_refused(&member, TG_ACTION_DESCRIBE_AUDIT_EVENTS, &other,
                   TG_EFORBIDDEN, TG_FIELD_NONE,
                   "only the account's own keys or an admin may do this");

    /* An empty account id on the actor does not match an empty one. */
    member = actor("", 0);
    assert_refused(&member, TG_ACTION_DESCRIBE_AUDIT_EVENTS, &other,
                   TG_EFORBIDDEN, TG_FIELD_NONE,
                   "only the account's own keys or an admin may do this");
}


/* Creating in another account is refused, naming the account field. */
static void
test_create_elsewhere(void **state)
{
    tg_actor_t    member = actor(ACC_A, 0);
    tg_resource_t app = resource(TG_RESOURCE_APP, ACC_B, NULL);
    tg_resource_t api = resource(TG_RESOURCE_API, ACC_B, "orders");

    (void) state;

    assert_refused(&member, TG_ACTION_CREATE_APP, &app, TG_EFORBIDDEN,
                   TG_FIELD_ACCOUNT_ID,
                   "only an admin key may act on another account");
    assert_refused(&member, TG_ACTION_CREATE_API, &api, TG_EFORBIDDEN,
                   TG_FIELD_ACCOUNT_ID,
                   "only an admin key may act on another account");

    app = resource(TG_RESOURCE_APP, ACC_A, NULL);
    assert_allowed(&member, TG_ACTION_CREATE_APP, &app);
}


/* The API registry is a catalogue: every key reads it; only its provider
 * changes it or grants on it. */
static void
test_api_catalogue(void **state)
{
    tg_actor_t    member = actor(ACC_A, 0);
    tg_resource_t api = resource(TG_RESOURCE_API, ACC_B, "payments");
    tg_resource_t all = resource(TG_RESOURCE_API, NULL, NULL);

    (void) state;

    assert_each_allowed(
        &member,
        ACTIONS(TG_ACTION_DESCRIBE_API, TG_ACTION_DESCRIBE_AUTHORIZED_APPS),
        &api);
    assert_allowed(&member, TG_ACTION_DESCRIBE_APIS, &all);

    assert_each_refused(&member,
                        ACTIONS(TG_ACTION_MODIFY_API, TG_ACTION_DELETE_API,
                                TG_ACTION_SET_APPS_AUTHORITIES),
                        &api, TG_EFORBIDDEN, TG_FIELD_NONE,
                        "only the API's provider or an admin may do this");

    api = resource(TG_RESOURCE_API, ACC_A, "payments");
    assert_allowed(&member, TG_ACTION_DELETE_API, &api);
}


/* Admin-only actions are refused before any resource counts. */
static void
test_admin_only(void **state)
{
    tg_actor_t    member = actor(ACC_A, 0);
    tg_resource_t own = resource(TG_RESOURCE_ACCOUNT, ACC_A, ACC_A);
    tg_resource_t other = resource(TG_RESOURCE_ACCOUNT, ACC_B, ACC_B);
    tg_error_t    err;

    (void) state;

    other.hidden = TG_EACCOUNT_NOT_FOUND;
    own.hidden = TG_EACCOUNT_NOT_FOUND;

    assert_each_refused(
        &member, ACTIONS(TG_ACTION_MODIFY_ACCOUNT, TG_ACTION_ROTATE_KEYRING),
        &own, TG_EFORBIDDEN, TG_FIELD_NONE, "only an admin key may do this");
    assert_refused(&member, TG_ACTION_DELETE_ACCOUNT, &other, TG_EFORBIDDEN,
                   TG_FIELD_NONE, "only an admin key may do this");

    memset(&err, 0, sizeof(err));
    assert_rc(tg_authorize_action(&member, TG_ACTION_CREATE_ACCOUNT, &err),
              TG_EFORBIDDEN);
    assert_string_equal(err.detail, "only an admin key may do this");
    assert_rc(tg_authorize_action(&member, TG_ACTION_DESCRIBE_ACCOUNT, NULL),
              TG_OK);

    /* Reading its own account is not an admin's only. */
    assert_allowed(&member, TG_ACTION_DESCRIBE_ACCOUNT, &own);
    assert_refused(&member, TG_ACTION_DESCRIBE_ACCOUNT, &other,
                   TG_EACCOUNT_NOT_FOUND, TG_FIELD_NONE, "");
}


/* Admin keys are an admin's to make, change and delete.  Asking for one
 * is refused whatever the account; a key that is one, only where the
 * caller reaches, so that its role is not told to other accounts. */
static void
test_admin_keys(void **state)
{
    tg_actor_t    member = actor(ACC_A, 0);
    tg_resource_t own = resource(TG_RESOURCE_ACCESS_KEY, ACC_A, "TGadmin");
    tg_resource_t other = resource(TG_RESOURCE_ACCESS_KEY, ACC_B, "TGadmin");

    (void) state;

    own.hidden = TG_EACCOUNT_NOT_FOUND;
    other.hidden = TG_EACCOUNT_NOT_FOUND;

    assert_allowed(&member, TG_ACTION_CREATE_ACCESS_KEY, &own);
    assert_allowed(&member, TG_ACTION_MODIFY_ACCESS_KEY, &own);
    assert_refused(&member, TG_ACTION_CREATE_ACCESS_KEY, &other,
                   TG_EACCOUNT_NOT_FOUND, TG_FIELD_NONE, "");

    own.admin_key = 1;
    other.admin_key = 1;

    assert_refused(&member, TG_ACTION_CREATE_ACCESS_KEY, &own, TG_EFORBIDDEN,
                   TG_FIELD_ROLE, "only an admin key may create admin keys");
    assert_refused(&member, TG_ACTION_CREATE_ACCESS_KEY, &other, TG_EFORBIDDEN,
                   TG_FIELD_ROLE, "only an admin key may create admin keys");
    assert_refused(&member, TG_ACTION_MODIFY_ACCESS_KEY, &own, TG_EFORBIDDEN,
                   TG_FIELD_NONE, "only an admin key may change admin keys");
    assert_refused(&member, TG_ACTION_DELETE_ACCESS_KEY, &own, TG_EFORBIDDEN,
                   TG_FIELD_NONE, "only an admin key may delete admin keys");
    assert_refused(&member, TG_ACTION_MODIFY_ACCESS_KEY, &other,
                   TG_EACCOUNT_NOT_FOUND, TG_FIELD_NONE, "");

    /* Reading them is its account's. */
    assert_allowed(&member, TG_ACTION_DESCRIBE_ACCESS_KEY, &own);
    assert_refused(&member, TG_ACTION_DESCRIBE_ACCESS_KEY, &other,
                   TG_EACCOUNT_NOT_FOUND, TG_FIELD_NONE, "");
}


/* A member's listing is confined to its account, whatever it asked; an
 * admin's and the catalogue's are what was asked. */
static void
test_scope(void **state)
{
    tg_actor_t member = actor(ACC_A, 0), admin = actor(ACC_A, 1);

    (void) state;

    assert_str_equal(tg_authorize_scope(&member, TG_RESOURCE_APP, TG_STR_NULL),
                     ACC_A);
    assert_str_equal(
        tg_authorize_scope(&member, TG_RESOURCE_AUDIT, TG_STR(ACC_B)), ACC_A);
    assert_null(tg_authorize_scope(&admin, TG_RESOURCE_APP, TG_STR_NULL).ptr);
    assert_str_equal(tg_authorize_scope(&admin, TG_RESOURCE_APP, TG_STR(ACC_B)),
                     ACC_B);
    assert_null(tg_authorize_scope(&member, TG_RESOURCE_API, TG_STR_NULL).ptr);
    assert_str_equal(
        tg_authorize_scope(&member, TG_RESOURCE_API, TG_STR(ACC_B)), ACC_B);
}

/* A member that names another account in a listing is refused; naming
 * its own, or none, is not; an admin and the catalogue may name any. */
static void
test_listing(void **state)
{
    tg_actor_t member = actor(ACC_A, 0), admin = actor(ACC_A, 1);
    tg_error_t err;

    (void) state;

    memset(&err, 0, sizeof(err));
    assert_int_equal(tg_authorize_listing(&member, TG_ACTION_DESCRIBE_APPS,
                                          TG_RESOURCE_APP, TG_STR(ACC_B), &err),
                     TG_EFORBIDDEN);
    assert_int_equal(err.field, TG_FIELD_ACCOUNT_ID);
    assert_int_equal(
        tg_authorize_listing(&member, TG_ACTION_DESCRIBE_AUDIT_EVENTS,
                             TG_RESOURCE_AUDIT, TG_STR(ACC_B), &err),
        TG_EFORBIDDEN);
    assert_int_equal(tg_authorize_listing(&member, TG_ACTION_DESCRIBE_APPS,
                                          TG_RESOURCE_APP, TG_STR(ACC_A), &err),
                     TG_OK);
    assert_int_equal(tg_authorize_listing(&member, TG_ACTION_DESCRIBE_APPS,
                                          TG_RESOURCE_APP, TG_STR_NULL, &err),
                     TG_OK);
    assert_int_equal(tg_authorize_listing(&member, TG_ACTION_DESCRIBE_APPS,
                                          TG_RESOURCE_API, TG_STR(ACC_B), &err),
                     TG_OK);
    assert_int_equal(tg_authorize_listing(&admin, TG_ACTION_DESCRIBE_APPS,
                                          TG_RESOURCE_APP, TG_STR(ACC_B), &err),
                     TG_OK);
}


/* Gives a one policy, named name, of document text. */
static void
with_policy(tg_actor_t *a, const char *name, const char *text)
{
    tg_policy_error_t perr;
    tg_policy_set_t  *set = calloc(1, sizeof(*set));

    assert_non_null(set);
    assert_rc(tg_policy_parse(tg_str_c(text), tg_action_known, NULL,
                              &set->items[0], &perr),
              TG_OK);
    snprintf(set->names[0], sizeof(set->names[0]), "%s", name);
    set->n = 1;
    a->policies = set;
}


/* A key with policies may do what its role and its policies allow; the
 * refusal names the action, the resource and the deciding statement. */
static void
test_policies(void **state)
{
    tg_actor_t    admin = actor(ACC_A, 1), member = actor(ACC_A, 0);
    tg_resource_t mine = resource(TG_RESOURCE_APP, ACC_A, "100");
    tg_resource_t other = resource(TG_RESOURCE_APP, ACC_A, "200");
    tg_resource_t theirs = resource(TG_RESOURCE_APP, ACC_B, "300");

    (void) state;
    theirs.hidden = TG_EAPP_NOT_FOUND;

    with_policy(&member, "OneApp",
                "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\","
                "\"Resource\":\"acs:apigateway:*:*:app/100\"},"
                "{\"Sid\":\"NoDelete\",\"Effect\":\"Deny\","
                "\"Action\":\"apigateway:DeleteApp\",\"Resource\":\"*\"}]}");
    assert_allowed(&member, TG_ACTION_RESET_APP_SECRET, &mine);
    assert_refused(&member, TG_ACTION_RESET_APP_SECRET, &other, TG_EFORBIDDEN,
                   TG_FIELD_NONE,
                   "apigateway:ResetAppSecret on acs:apigateway:local:" ACC_A
                   ":app/200: no policy of the access key allows it "
                   "(denied by default)");
    assert_refused(&member, TG_ACTION_DELETE_APP, &mine, TG_EFORBIDDEN,
                   TG_FIELD_NONE,
                   "apigateway:DeleteApp on acs:apigateway:local:" ACC_A
                   ":app/100: denied by policy OneApp statement 1 Sid "
                   "NoDelete");
    /* The role still bounds the key: another account stays hidden. */
    assert_refused(&member, TG_ACTION_DESCRIBE_APP, &theirs, TG_EAPP_NOT_FOUND,
                   TG_FIELD_NONE, "");
    assert_true(tg_authorize_visible(&member, TG_ACTION_DESCRIBE_APPS, &mine));
    assert_false(
        tg_authorize_visible(&member, TG_ACTION_DESCRIBE_APPS, &other));
    tg_actor_free(&member);
    assert_null(member.policies);

    /* An admin key with a read-only policy reads, and does nothing else,
     * not even an admin's own actions. */
    with_policy(&admin, "ReadOnly",
                "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":"
                "\"apigateway:Describe*\",\"Resource\":\"*\"}]}");
    assert_allowed(&admin, TG_ACTION_DESCRIBE_APP, &theirs);
    assert_refused(&admin, TG_ACTION_MODIFY_APP, &theirs, TG_EFORBIDDEN,
                   TG_FIELD_NONE,
                   "apigateway:ModifyApp on acs:apigateway:local:" ACC_B
                   ":app/300: no policy of the access key allows it "
                   "(denied by default)");
    {
        tg_error_t err;

        memset(&err, 0, sizeof(err));
        assert_rc(tg_authorize_action(&admin, TG_ACTION_CREATE_ACCOUNT, &err),
                  TG_EFORBIDDEN);
        assert_rc(
            tg_authorize_action(&admin, TG_ACTION_DESCRIBE_ACCOUNTS, &err),
            TG_OK);
        assert_rc(
            tg_authorize_list(&admin, TG_ACTION_DESCRIBE_APPS, &mine, &err),
            TG_OK);
        assert_rc(tg_authorize_list(&admin, TG_ACTION_DELETE_APP, &mine, &err),
                  TG_EFORBIDDEN);
    }
    tg_actor_free(&admin);

    /* Without policies, the role alone: an admin may do everything. */
    assert_allowed(&admin, TG_ACTION_DELETE_APP, &theirs);
}


/* What a user interface asks before it shows a control: the role on the
 * account's "any" resource, then the policies, with no refusal noted. */
static void
test_may(void **state)
{
    tg_actor_t admin = actor(ACC_A, 1), member = actor(ACC_A, 0);

    (void) state;

    assert_true(tg_authorize_may(&admin, TG_ACTION_CREATE_ACCOUNT,
                                 TG_REGION_DEFAULT, ACC_A));
    assert_true(tg_authorize_may(&member, TG_ACTION_DELETE_APP,
                                 TG_REGION_DEFAULT, ACC_A));
    assert_true(tg_authorize_may(&member, TG_ACTION_DESCRIBE_APIS,
                                 TG_REGION_DEFAULT, ACC_B));
    assert_false(tg_authorize_may(&member, TG_ACTION_CREATE_ACCOUNT,
                                  TG_REGION_DEFAULT, ACC_A));
    assert_false(tg_authorize_may(&member, TG_ACTION_DELETE_APP,
                                  TG_REGION_DEFAULT, ACC_B));

    /* One app allowed: the control shows (the call decides per app); a
     * Deny on every app, or no Allow of the action at all, hides it. */
    with_policy(&member, "OneApp",
                "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":"
                "[\"apigateway:ResetAppSecret\",\"apigateway:DeleteApp\"],"
                "\"Resource\":\"acs:apigateway:*:*:app/100\"},"
                "{\"Effect\":\"Deny\",\"Action\":\"apigateway:DeleteApp\","
                "\"Resource\":\"acs:apigateway:*:*:app/*\"}]}");
    assert_true(tg_authorize_may(&member, TG_ACTION_RESET_APP_SECRET,
                                 TG_REGION_DEFAULT, ACC_A));
    assert_false(tg_authorize_may(&member, TG_ACTION_DELETE_APP,
                                  TG_REGION_DEFAULT, ACC_A));
    assert_false(tg_authorize_may(&member, TG_ACTION_DESCRIBE_APP_SECURITY,
                                  TG_REGION_DEFAULT, ACC_A));
    assert_string_equal(member.policies->denied_action, "");
    tg_actor_free(&member);

    /* Policies do not lift the role's bounds. */
    with_policy(&member, "All",
                "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\","
                "\"Resource\":\"*\"}]}");
    assert_false(tg_authorize_may(&member, TG_ACTION_CREATE_ACCOUNT,
                                  TG_REGION_DEFAULT, ACC_A));
    assert_true(tg_authorize_may(&member, TG_ACTION_DELETE_APP,
                                 TG_REGION_DEFAULT, ACC_A));
    tg_actor_free(&member);
}


/* Every action name is known to the parser, in any case. */
static void
test_action_known(void **state)
{
    size_t i;

    (void) state;
    for (i = 0; i < TG_ACTION_COUNT; i++) {
        assert_true(
            tg_action_known(NULL, tg_str_c(tg_action_name((tg_action_t) i))));
        assert_non_null(tg_action_resource((tg_action_t) i));
    }
    assert_true(tg_action_known(NULL, TG_STR("APIGATEWAY:resetappsecret")));
    assert_false(tg_action_known(NULL, TG_STR("apigateway:ResetAppSecrets")));
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_action_table),
        cmocka_unit_test(test_resource_names),
        cmocka_unit_test(test_admin),
        cmocka_unit_test(test_own_account),
        cmocka_unit_test(test_create_elsewhere),
        cmocka_unit_test(test_api_catalogue),
        cmocka_unit_test(test_admin_only),
        cmocka_unit_test(test_admin_keys),
        cmocka_unit_test(test_scope),
        cmocka_unit_test(test_listing),
        cmocka_unit_test(test_policies),
        cmocka_unit_test(test_may),
        cmocka_unit_test(test_action_known),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
