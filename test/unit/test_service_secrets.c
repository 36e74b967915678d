/*
 * Tests of an app's credentials in the core service (service_secrets.c
 * and the kind table in service_creds.c), on the real store with a
 * temporary SQLite database: each rule a kind has, through the generic
 * operations and the typed reset the Alibaba dialect calls.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/service_int.h"

#include "fixture.h"
#include "unit.h"


#define NEW_CODE  "+newcode0123456789abcdef01234567"
#define MAX_PAIRS 3
#define MAX_CODES 2

typedef struct {
    tg_fixture_t fx;                 /* first: see tg_fixture_alloc() */
    char         app[TG_ID_LEN + 1]; /* an app with one pair */
    char         app_key[TG_APP_KEY_MAX + 1];
    char         other[TG_ID_LEN + 1]; /* a second app */
    tg_error_t   err;
} fixture_t;


static void
new_app(fixture_t *f, const char *name, char id[TG_ID_LEN + 1],
        char app_key[TG_APP_KEY_MAX + 1])
{
    tg_app_spec_t spec;
    tg_app_view_t view;

    memset(&spec, 0, sizeof(spec));
    spec.name = tg_str_c(name);
    spec.enabled = 1;
    assert_rc(
        tg_service_app_create(f->fx.svc, &f->fx.admin, &spec, &view, &f->err),
        TG_OK);
    memcpy(id, view.app.id, TG_ID_LEN + 1);
    if (app_key != NULL) {
        snprintf(app_key, TG_APP_KEY_MAX + 1, "%s", view.key.app_key);
    }
    tg_app_view_free(&view);
}


static int
setup(void **state)
{
    static const tg_fixture_spec_t spec = {
        .name = "creds",
        .key_id = "TGcredsAdmin001",
        .key_secret = "creds-admin-secret-0123456789",
        .limits = { .max_apps = 100,
                    .max_key_pairs = MAX_PAIRS,
                    .max_codes = MAX_CODES,
                    .max_grace_seconds = 3600,
                    .code_reset_interval = 0 },
    };
    fixture_t *f;

    f = tg_fixture_alloc(sizeof(*f), &spec);
    if (f == NULL) {
        return -1;
    }

    new_app(f, "creds_app", f->app, f->app_key);
    new_app(f, "creds_other", f->other, NULL);

    *state = f;
    return 0;
}


static int
teardown(void **state)
{
    tg_fixture_free(*state);
    return 0;
}


/* Expects rc with field and, if detail is not NULL, that detail. */
static void
expect_error(fixture_t *f, int rc, int code, tg_field_t field,
             const char *detail)
{
    assert_rc(rc, code);
    assert_rc(f->err.code, code);
    assert_int_equal(f->err.field, field);
    if (detail != NULL) {
        assert_string_equal(f->err.detail, detail);
    }
    memset(&f->err, 0, sizeof(f->err));
}


static int
cred_add(fixture_t *f, tg_cred_kind_t kind, const char *app, const char *key,
         const char *secret, int primary, tg_cred_view_t *out)
{
    tg_cred_spec_t spec;

    memset(&spec, 0, sizeof(spec));
    spec.key = tg_str_c(key);
    spec.secret = tg_str_c(secret);
    spec.primary = primary;
    return tg_service_cred_add(f->fx.svc, &f->fx.admin, kind, tg_str_c(app),
                               &spec, out, &f->err);
}


static int
cred_reset(fixture_t *f, tg_cred_kind_t kind, const char *app, const char *name,
           int by_value, const char *key, const char *secret, int64_t grace,
           tg_cred_view_t *out)
{
    tg_cred_spec_t spec;

    memset(&spec, 0, sizeof(spec));
    spec.key = tg_str_c(key);
    spec.secret = tg_str_c(secret);
    spec.grace_seconds = grace;
    return tg_service_cred_reset(f->fx.svc, &f->fx.admin, kind, tg_str_c(app),
                                 tg_str_c(name), by_value, &spec, out, &f->err);
}


/* The app's credentials of kind, listed; the caller frees them. */
static tg_cred_view_t *
cred_list(fixture_t *f, tg_cred_kind_t kind, const char *app, size_t *n)
{
    tg_cred_view_t *items = NULL;

    assert_rc(tg_service_cred_list(f->fx.svc, &f->fx.admin, kind, tg_str_c(app),
                                   &items, n, &f->err),
              TG_OK);
    return items;
}


/* The newest audit event of action. */
static tg_audit_event_t
last_event(fixture_t *f, const char *action)
{
    tg_audit_filter_t filter;
    tg_audit_event_t *items = NULL, ev;
    int64_t           total;
    size_t            n = 0;

    memset(&filter, 0, sizeof(filter));
    filter.action = tg_str_c(action);
    filter.limit = 1;
    assert_rc(tg_service_audit_list(f->fx.svc, &f->fx.admin, &filter, &items,
                                    &n, &total, &f->err),
              TG_OK);
    assert_int_equal(n, 1);
    ev = items[0];
    free(items);
    return ev;
}


/* ---- key pairs ---- */


/* Formats and uniqueness of the AppKey, the limit per app, the primary. */
static void
test_key_pair_add(void **state)
{
    fixture_t      *f = *state;
    tg_cred_view_t  v, w;
    tg_cred_view_t *items;
    size_t          n;

    expect_error(f, cred_add(f, TG_CRED_KEY_PAIR, f->app, "-bad", NULL, 0, &v),
                 TG_EINVALID, TG_FIELD_APP_KEY, NULL);
    expect_error(f, cred_add(f, TG_CRED_KEY_PAIR, f->app, NULL, "short", 0, &v),
                 TG_EINVALID, TG_FIELD_APP_SECRET, NULL);
    expect_error(
        f, cred_add(f, TG_CRED_KEY_PAIR, f->other, f->app_key, NULL, 0, &v),
        TG_EAPP_KEY_TAKEN, TG_FIELD_APP_KEY, NULL);
    assert_int_equal(v.kind, TG_CRED_KEY_PAIR);
    assert_null(v.key.app_key);

    /* A given pair comes back in clear; a new primary takes over. */
    assert_rc(cred_add(f, TG_CRED_KEY_PAIR, f->app, "SecondKey01",
                       "SecondSecret_01", 1, &v),
              TG_OK);
    assert_string_equal(v.key.app_key, "SecondKey01");
    assert_string_equal(v.key.secret, "SecondSecret_01");
    assert_int_equal(v.key.primary, 1);

    items = cred_list(f, TG_CRED_KEY_PAIR, f->app, &n);
    assert_int_equal(n, 2);
    assert_string_equal(items[0].key.id, v.key.id);
    assert_null(items[0].key.secret);
    assert_string_equal(items[0].key.secret_mask, "************");
    assert_int_equal(items[1].key.primary, 0);
    assert_string_equal(items[1].key.app_key, f->app_key);
    tg_cred_view_list_free(items, n);
    assert_string_equal(last_event(f, "key.create").target, v.key.id);

    assert_rc(cred_add(f, TG_CRED_KEY_PAIR, f->app, NULL, NULL, 0, &w), TG_OK);
    assert_int_equal(strlen(w.key.app_key), TG_APP_KEY_LEN);
    assert_int_equal(strlen(w.key.secret), TG_APP_SECRET_LEN);
    tg_cred_view_free(&w);

    expect_error(f, cred_add(f, TG_CRED_KEY_PAIR, f->app, NULL, NULL, 0, &w),
                 TG_EKEY_LIMIT, TG_FIELD_NONE,
                 "an app may hold at most 3 key pairs");
    assert_string_equal(last_event(f, "key.create").target, f->app);
    tg_cred_view_free(&v);
}


/* Deleting the primary promotes the oldest; the last pair stays. */
static void
test_key_pair_delete(void **state)
{
    fixture_t     *f = *state;
    tg_cred_view_t v, *items;
    size_t         n;

    assert_rc(cred_add(f, TG_CRED_KEY_PAIR, f->app, NULL, NULL, 1, &v), TG_OK);
    assert_rc(tg_service_cred_delete(f->fx.svc, &f->fx.admin, TG_CRED_KEY_PAIR,
                                     tg_str_c(f->app), tg_str_c(v.key.app_key),
                                     0, &f->err),
              TG_OK);
    tg_cred_view_free(&v);

    items = cred_list(f, TG_CRED_KEY_PAIR, f->app, &n);
    assert_int_equal(n, 1);
    assert_int_equal(items[0].key.primary, 1);
    assert_string_equal(items[0].key.app_key, f->app_key);
    tg_cred_view_list_free(items, n);

    expect_error(f,
                 tg_service_cred_delete(f->fx.svc, &f->fx.admin,
                                        TG_CRED_KEY_PAIR, tg_str_c(f->app),
                                        tg_str_c(f->app_key), 0, &f->err),
                 TG_ELAST_KEY, TG_FIELD_NONE, NULL);
    expect_error(f,
                 tg_service_cred_delete(f->fx.svc, &f->fx.admin,
                                        TG_CRED_KEY_PAIR, tg_str_c(f->other),
                                        tg_str_c(f->app_key), 0, &f->err),
                 TG_EKEY_NOT_FOUND, TG_FIELD_NONE, NULL);
}


/* A reset with grace keeps the replaced key; a new AppKey must be free,
 * even of another pair's key in grace; by value, the app is found. */
static void
test_key_pair_reset(void **state)
{
    fixture_t      *f = *state;
    tg_cred_view_t  v, other;
    tg_reset_spec_t spec;
    tg_key_view_t   typed;

    assert_rc(cred_reset(f, TG_CRED_KEY_PAIR, f->app, NULL, 0, "RenamedKey01",
                         NULL, 60, &v),
              TG_OK);
    assert_string_equal(v.key.app_key, "RenamedKey01");
    assert_string_equal(v.key.prev_app_key, f->app_key);
    assert_true(v.key.prev_expires_at > 0);
    assert_int_equal(strlen(v.key.secret), TG_APP_SECRET_LEN);
    assert_string_equal(last_event(f, "app.secret.reset").detail,
                        "{\"grace_seconds\":60,\"new_app_key\":true}");
    tg_cred_view_free(&v);

    assert_rc(cred_add(f, TG_CRED_KEY_PAIR, f->other, NULL, NULL, 0, &other),
              TG_OK);
    expect_error(f,
                 cred_reset(f, TG_CRED_KEY_PAIR, f->other, other.key.id, 0,
                            f->app_key, NULL, 0, &v),
                 TG_EAPP_KEY_TAKEN, TG_FIELD_APP_KEY, NULL);
    expect_error(f,
                 cred_reset(f, TG_CRED_KEY_PAIR, f->other, other.key.id, 0,
                            NULL, NULL, 3601, &v),
                 TG_EINVALID, TG_FIELD_GRACE_SECONDS,
                 "must be an integer from 0 to 3600");

    /* A failed reset is audited against the app it names. */
    assert_string_equal(last_event(f, "app.secret.reset").target, f->other);

    /* Named by its AppKey alone, as Alibaba's ResetAppSecret does. */
    memset(&spec, 0, sizeof(spec));
    spec.key = tg_str_c(other.key.app_key);
    spec.new_secret = TG_STR("GivenSecret_0001");
    assert_rc(tg_service_secret_reset(f->fx.svc, &f->fx.admin, TG_STR_NULL,
                                      &spec, &typed, &f->err),
              TG_OK);
    assert_string_equal(typed.id, other.key.id);
    assert_string_equal(typed.secret, "GivenSecret_0001");
    assert_null(typed.prev_app_key);
    tg_key_view_free(&typed);
    tg_cred_view_free(&other);

    spec.key = TG_STR("NoSuchAppKey01");
    expect_error(f,
                 tg_service_secret_reset(f->fx.svc, &f->fx.admin, TG_STR_NULL,
                                         &spec, &typed, &f->err),
                 TG_EKEY_NOT_FOUND, TG_FIELD_APP_KEY, NULL);
    assert_null(typed.app_key);
}


/* ---- AppCodes ---- */


/* Formats, uniqueness across apps (through the index hash), the limit,
 * and no primary. */
static void
test_app_code_add(void **state)
{
    fixture_t      *f = *state;
    const char     *code = "code0123456789abcdef0123456789ab";
    tg_cred_view_t  v;
    tg_cred_view_t *items;
    size_t          n;

    expect_error(f,
                 cred_add(f, TG_CRED_APP_CODE, f->app, NULL, "tooshort", 0, &v),
                 TG_EINVALID, TG_FIELD_APP_CODE, NULL);
    expect_error(
        f, cred_add(f, TG_CRED_APP_CODE, f->app, "AKeyOfACode", NULL, 0, &v),
        TG_EINVALID, TG_FIELD_APP_CODE, "cannot be given");

    assert_rc(cred_add(f, TG_CRED_APP_CODE, f->app, NULL, code, 0, &v), TG_OK);
    assert_int_equal(v.kind, TG_CRED_APP_CODE);
    assert_string_equal(v.code.code, code);
    tg_cred_view_free(&v);

    expect_error(f, cred_add(f, TG_CRED_APP_CODE, f->other, NULL, code, 0, &v),
                 TG_EAPP_CODE_TAKEN, TG_FIELD_APP_CODE, NULL);

    assert_rc(cred_add(f, TG_CRED_APP_CODE, f->app, NULL, NULL, 0, &v), TG_OK);
    assert_int_equal(strlen(v.code.code), TG_APP_CODE_LEN);
    tg_cred_view_free(&v);

    expect_error(f, cred_add(f, TG_CRED_APP_CODE, f->app, NULL, NULL, 0, &v),
                 TG_ECODE_LIMIT, TG_FIELD_NONE,
                 "an app may hold at most 2 AppCodes");

    /* Listed masked. */
    items = cred_list(f, TG_CRED_APP_CODE, f->app, &n);
    assert_int_equal(n, 2);
    assert_null(items[0].code.code);
    assert_null(items[1].code.code);
    assert_true(strcmp(items[0].code.code_mask, "cod************9ab") == 0
                || strcmp(items[1].code.code_mask, "cod************9ab") == 0);
    tg_cred_view_list_free(items, n);

    expect_error(f,
                 tg_service_cred_make_primary(
                     f->fx.svc, &f->fx.admin, TG_CRED_APP_CODE,
                     tg_str_c(f->app), TG_STR_NULL, &v, &f->err),
                 TG_EINVALID, TG_FIELD_PRIMARY, NULL);
}


/* A reset by value finds the app; the new code must differ from every
 * code, its own included; the reset interval holds. */
static void
test_app_code_reset(void **state)
{
    fixture_t     *f = *state;
    const char    *code = "resetcode0123456789abcdef0123456";
    tg_cred_view_t v;

    assert_rc(cred_add(f, TG_CRED_APP_CODE, f->app, NULL, code, 0, &v), TG_OK);
    tg_cred_view_free(&v);

    assert_rc(
        cred_reset(f, TG_CRED_APP_CODE, NULL, code, 1, NULL, NEW_CODE, 0, &v),
        TG_OK);
    assert_string_equal(v.code.code, NEW_CODE);
    tg_cred_view_free(&v);

    expect_error(f,
                 cred_reset(f, TG_CRED_APP_CODE, NULL, NEW_CODE, 1, NULL,
                            NEW_CODE, 0, &v),
                 TG_EAPP_CODE_TAKEN, TG_FIELD_APP_CODE, NULL);
    expect_error(f,
                 cred_reset(f, TG_CRED_APP_CODE, f->other, NEW_CODE, 1, NULL,
                            NULL, 0, &v),
                 TG_ECODE_NOT_FOUND, TG_FIELD_APP_CODE, NULL);

    /* A code is never an audit target when named by its value. */
    assert_string_equal(last_event(f, "code.reset").target, "");

    expect_error(f,
                 cred_reset(f, TG_CRED_APP_CODE, f->app, "not-an-id", 0, NULL,
                            NULL, 0, &v),
                 TG_ECODE_NOT_FOUND, TG_FIELD_NONE, NULL);
    assert_string_equal(last_event(f, "code.reset").target, "not-an-id");

    {
        tg_service_limits_t limits = tg_service_limits(f->fx.svc);

        limits.code_reset_interval = 60; /* a reload, live */
        tg_service_set_limits(f->fx.svc, &limits);
    }
    expect_error(
        f,
        cred_reset(f, TG_CRED_APP_CODE, f->app, NEW_CODE, 1, NULL, NULL, 0, &v),
        TG_ERATE_LIMITED, TG_FIELD_NONE,
        "an AppCode can be reset once every 60 seconds");
}


static void
test_app_code_delete(void **state)
{
    fixture_t     *f = *state;
    const char    *code = "deletecode0123456789abcdef012345";
    tg_cred_view_t v;

    assert_rc(cred_add(f, TG_CRED_APP_CODE, f->app, NULL, code, 0, &v), TG_OK);

    expect_error(f,
                 tg_service_cred_delete(f->fx.svc, &f->fx.admin,
                                        TG_CRED_APP_CODE, tg_str_c(f->other),
                                        tg_str_c(code), 1, &f->err),
                 TG_ECODE_NOT_FOUND, TG_FIELD_APP_CODE, NULL);
    assert_string_equal(last_event(f, "code.delete").target, "");

    assert_rc(tg_service_cred_delete(f->fx.svc, &f->fx.admin, TG_CRED_APP_CODE,
                                     tg_str_c(f->app), tg_str_c(v.code.id), 0,
                                     &f->err),
              TG_OK);
    assert_string_equal(last_event(f, "code.delete").target, v.code.id);
    expect_error(f,
                 tg_service_cred_delete(f->fx.svc, &f->fx.admin,
                                        TG_CRED_APP_CODE, tg_str_c(f->app),
                                        tg_str_c(v.code.id), 0, &f->err),
                 TG_ECODE_NOT_FOUND, TG_FIELD_NONE, NULL);
    tg_cred_view_free(&v);
}


/* ---- every kind at once ---- */


/* Reveal reads every kind in clear, with the primary pair as the app's. */
static void
test_reveal(void **state)
{
    fixture_t     *f = *state;
    tg_cred_view_t pair, code;
    tg_app_view_t  view;

    assert_rc(cred_add(f, TG_CRED_KEY_PAIR, f->app, NULL, NULL, 1, &pair),
              TG_OK);
    assert_rc(cred_add(f, TG_CRED_APP_CODE, f->app, NULL, NULL, 0, &code),
              TG_OK);

    assert_rc(tg_service_secret_reveal(f->fx.svc, &f->fx.admin,
                                       tg_str_c(f->app), &view, &f->err),
              TG_OK);
    assert_string_equal(view.app.id, f->app);
    assert_int_equal(view.nkeys, 2);
    assert_string_equal(view.keys[0].id, pair.key.id);
    assert_string_equal(view.keys[0].secret, pair.key.secret);
    assert_string_equal(view.keys[1].app_key, f->app_key);
    assert_non_null(view.keys[1].secret);
    assert_string_equal(view.key.id, pair.key.id);
    assert_string_equal(view.key.secret, pair.key.secret);
    assert_int_equal(view.ncodes, 1);
    assert_string_equal(view.codes[0].code, code.code.code);

    tg_app_view_free(&view);
    tg_cred_view_free(&pair);
    tg_cred_view_free(&code);
}


/* Re-sealing walks every kind, grace secrets included. */
static void
test_keyring_reseal(void **state)
{
    static const uint8_t k2[TG_SEAL_KEY_LEN] = { 4, 5, 6 };
    fixture_t           *f = *state;
    tg_cred_view_t       v;
    tg_app_view_t        view;
    int64_t              pairs = -1, codes = -1;

    assert_rc(
        cred_reset(f, TG_CRED_KEY_PAIR, f->app, NULL, 0, NULL, NULL, 60, &v),
        TG_OK);
    tg_cred_view_free(&v);
    assert_rc(cred_add(f, TG_CRED_APP_CODE, f->app, NULL, NULL, 0, &v), TG_OK);
    tg_cred_view_free(&v);

    assert_rc(tg_keyring_add(f->fx.keyring, TG_STR("k2"), k2), TG_OK);
    assert_rc(tg_keyring_set_primary(f->fx.keyring, TG_STR("k2")), TG_OK);
    assert_rc(tg_service_keyring_reseal(f->fx.svc, &f->fx.admin, &pairs, &codes,
                                        &f->err),
              TG_OK);
    assert_i64_equal(pairs, 2);
    assert_i64_equal(codes, 1);
    assert_string_equal(last_event(f, "keyring.rotate").detail,
                        "{\"primary\":\"k2\",\"key_pairs\":2,"
                        "\"app_codes\":1,\"access_keys\":1}");

    assert_rc(tg_service_secret_reveal(f->fx.svc, &f->fx.admin,
                                       tg_str_c(f->app), &view, &f->err),
              TG_OK);
    assert_int_equal(view.nkeys, 1);
    assert_int_equal(view.ncodes, 1);
    tg_app_view_free(&view);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_key_pair_add, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_pair_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_pair_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_app_code_add, setup, teardown),
        cmocka_unit_test_setup_teardown(test_app_code_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_app_code_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reveal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keyring_reseal, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
