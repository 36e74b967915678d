/*
 * The core service's rules and limits, each at its edge, on the real
 * store (fixture.h): app quotas (the service's and an account's own),
 * names and tags, key pairs and AppCodes per app, rotation grace, pages,
 * the app write rate, per-action rates, rate limits, the last key and
 * the last admin, tenancy between accounts.  A refused call must leave
 * the store as it was: each test checks the counts it could have moved.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/service.h"

#include "fixture.h"
#include "unit.h"


#define MAX_APPS  4
#define MAX_PAIRS 3
#define MAX_CODES 2
#define MAX_GRACE 3600
#define MEMBER_ID "TGlimitsMember1"
#define MEMBER_SK "limits-member-secret-0123456789"

typedef struct {
    tg_fixture_t fx; /* first: see tg_fixture_alloc() */
    tg_error_t   err;
    char         account[TG_ID_LEN + 1]; /* a second account */
    tg_actor_t   member;                 /* a key of it */
} fixture_t;

#define SVC(f)   ((f)->fx.svc)
#define ADMIN(f) (&(f)->fx.admin)


static int
setup_with(void **state, const tg_fixture_spec_t *spec)
{
    tg_account_spec_t    aspec;
    tg_access_key_spec_t kspec;
    tg_account_t         account;
    tg_access_key_t      key;
    char                 secret[TG_ACCESS_KEY_SECRET_MAX + 1];
    fixture_t           *f;

    f = tg_fixture_alloc(sizeof(*f), spec);
    if (f == NULL) {
        return -1;
    }
    memset(&aspec, 0, sizeof(aspec));
    aspec.name = TG_STR("limits_other");
    aspec.enabled = 1;
    memset(&kspec, 0, sizeof(kspec));
    kspec.id = TG_STR(MEMBER_ID);
    kspec.secret = TG_STR(MEMBER_SK);
    kspec.enabled = 1;
    if (tg_service_account_create(SVC(f), ADMIN(f), &aspec, &account, &f->err)
            != TG_OK
        || (memcpy(f->account, account.id, TG_ID_LEN + 1),
            tg_account_free(&account),
            tg_service_access_key_create(SVC(f), ADMIN(f), tg_str_c(f->account),
                                         &kspec, &key, secret, &f->err))
               != TG_OK
        || (tg_access_key_free(&key),
            tg_service_authenticate(SVC(f), TG_STR(MEMBER_ID),
                                    TG_STR(MEMBER_SK), &f->member, &f->err))
               != TG_OK)
    {
        tg_fixture_free(f);
        return -1;
    }
    *state = f;
    return 0;
}


static int
setup(void **state)
{
    static const tg_fixture_spec_t spec = {
        .name = "limits",
        .key_id = TG_FIXTURE_KEY_ID,
        .key_secret = TG_FIXTURE_KEY_SECRET,
        .limits = { .max_apps = MAX_APPS,
                    .max_key_pairs = MAX_PAIRS,
                    .max_codes = MAX_CODES,
                    .max_grace_seconds = MAX_GRACE },
    };

    return setup_with(state, &spec);
}


static int
setup_rated(void **state)
{
    static const tg_fixture_spec_t spec = {
        .name = "limits-rate",
        .key_id = TG_FIXTURE_KEY_ID,
        .key_secret = TG_FIXTURE_KEY_SECRET,
        .limits = { .max_apps = MAX_APPS,
                    .max_key_pairs = MAX_PAIRS,
                    .max_codes = MAX_CODES,
                    .max_grace_seconds = MAX_GRACE,
                    .app_write_rate = 0.001, /* one in 1000 s */
                    .app_write_burst = 2 },
    };

    return setup_with(state, &spec);
}


static int
teardown(void **state)
{
    tg_fixture_free(*state);
    return 0;
}


/* Creates an app named name as actor (in account_id if given): the
 * service's answer; its id in id (may be NULL). */
static int
app_create(fixture_t *f, const tg_actor_t *actor, const char *account_id,
           tg_str_t name, const tg_tag_spec_t *tags, size_t ntags, char *id)
{
    tg_app_spec_t spec;
    tg_app_view_t view;
    int           rc;

    memset(&spec, 0, sizeof(spec));
    memset(&view, 0, sizeof(view));
    memset(&f->err, 0, sizeof(f->err));
    spec.account_id = account_id != NULL ? tg_str_c(account_id) : TG_STR_NULL;
    spec.name = name;
    spec.tags = tags;
    spec.ntags = ntags;
    spec.enabled = 1;
    rc = tg_service_app_create(SVC(f), actor, &spec, &view, &f->err);
    if (rc == TG_OK && id != NULL) {
        memcpy(id, view.app.id, TG_ID_LEN + 1);
    }
    tg_app_view_free(&view);
    return rc;
}


/* How many apps actor sees. */
static int64_t
app_count(fixture_t *f, const tg_actor_t *actor)
{
    tg_app_filter_t filter;
    tg_app_view_t  *items = NULL;
    size_t          n = 0;
    int64_t         total = -1;

    memset(&filter, 0, sizeof(filter));
    filter.enabled = -1;
    filter.limit = 100;
    assert_rc(tg_service_app_list(SVC(f), actor, &filter, &items, &n, &total,
                                  &f->err),
              TG_OK);
    tg_app_view_list_free(items, n);
    return total;
}


/* The service's app quota, and an account's own, which overrides it. */
static void
test_app_quota(void **state)
{
    fixture_t        *f = *state;
    tg_account_spec_t patch;
    tg_account_t      account;
    char              name[32];
    int               i;

    for (i = 0; i < MAX_APPS; i++) {
        snprintf(name, sizeof(name), "quota_%d", i);
        assert_rc(app_create(f, ADMIN(f), NULL, tg_str_c(name), NULL, 0, NULL),
                  TG_OK);
    }
    assert_rc(
        app_create(f, ADMIN(f), NULL, TG_STR("quota_over"), NULL, 0, NULL),
        TG_EAPP_LIMIT);
    assert_rc(f->err.code, TG_EAPP_LIMIT);
    assert_i64_equal(app_count(f, ADMIN(f)), MAX_APPS);

    /* The other account holds 1, then its quota says 1: full. */
    memset(&patch, 0, sizeof(patch));
    patch.app_quota = 1;
    assert_rc(tg_service_account_update(SVC(f), ADMIN(f), tg_str_c(f->account),
                                        &patch, TG_ACCOUNT_SET_QUOTA, &account,
                                        &f->err),
              TG_OK);
    tg_account_free(&account);
    assert_rc(
        app_create(f, &f->member, NULL, TG_STR("member_1"), NULL, 0, NULL),
        TG_OK);
    assert_rc(
        app_create(f, &f->member, NULL, TG_STR("member_2"), NULL, 0, NULL),
        TG_EAPP_LIMIT);
    assert_i64_equal(app_count(f, &f->member), 1);

    /* A quota's own bounds: 0 (the default) to 1000000. */
    patch.app_quota = 1000001;
    assert_rc(tg_service_account_update(SVC(f), ADMIN(f), tg_str_c(f->account),
                                        &patch, TG_ACCOUNT_SET_QUOTA, &account,
                                        &f->err),
              TG_EINVALID);
    patch.app_quota = -1;
    assert_rc(tg_service_account_update(SVC(f), ADMIN(f), tg_str_c(f->account),
                                        &patch, TG_ACCOUNT_SET_QUOTA, &account,
                                        &f->err),
              TG_EINVALID);
    patch.app_quota = 1000000;
    assert_rc(tg_service_account_update(SVC(f), ADMIN(f), tg_str_c(f->account),
                                        &patch, TG_ACCOUNT_SET_QUOTA, &account,
                                        &f->err),
              TG_OK);
    assert_i64_equal(account.app_quota, 1000000);
    tg_account_free(&account);
}


/* Names: 64 characters pass, 65 do not; a name is unique per account
 * only. */
static void
test_app_names(void **state)
{
    fixture_t *f = *state;
    char       buf[80];

    assert_rc(app_create(f, ADMIN(f), NULL, tg_test_repeat(buf, 80, "a", 65),
                         NULL, 0, NULL),
              TG_EINVALID);
    assert_int_equal(f->err.field, TG_FIELD_NAME);
    assert_rc(app_create(f, ADMIN(f), NULL, TG_STR(""), NULL, 0, NULL),
              TG_EINVALID);
    assert_rc(app_create(f, ADMIN(f), NULL, TG_STR("1starts_with_digit"), NULL,
                         0, NULL),
              TG_EINVALID);
    assert_i64_equal(app_count(f, ADMIN(f)), 0);

    assert_rc(app_create(f, ADMIN(f), NULL, tg_test_repeat(buf, 80, "a", 64),
                         NULL, 0, NULL),
              TG_OK);
    assert_rc(app_create(f, ADMIN(f), NULL, tg_str_c(buf), NULL, 0, NULL),
              TG_ENAME_TAKEN);
    /* Another account may use it. */
    assert_rc(app_create(f, &f->member, NULL, tg_str_c(buf), NULL, 0, NULL),
              TG_OK);
}


/* Tags: 20 pass, 21 do not, at create and by a change. */
static void
test_tags(void **state)
{
    fixture_t    *f = *state;
    tg_tag_spec_t tags[TG_TAGS_MAX + 1], extra[1];
    char          keys[TG_TAGS_MAX + 1][8], id[TG_ID_LEN + 1];
    tg_str_t      ref;
    tg_app_view_t view;
    size_t        i;

    for (i = 0; i <= TG_TAGS_MAX; i++) {
        snprintf(keys[i], sizeof(keys[i]), "k%zu", i);
        tags[i].key = tg_str_c(keys[i]);
        tags[i].value = TG_STR("v");
    }
    assert_rc(app_create(f, ADMIN(f), NULL, TG_STR("tagged"), tags,
                         TG_TAGS_MAX + 1, NULL),
              TG_EINVALID);
    assert_int_equal(f->err.field, TG_FIELD_TAGS);
    assert_rc(
        app_create(f, ADMIN(f), NULL, TG_STR("tagged"), tags, TG_TAGS_MAX, id),
        TG_OK);

    /* A 21st key by a change: refused, and the 20 stay. */
    extra[0].key = TG_STR("one_more");
    extra[0].value = TG_STR("v");
    ref = tg_str_c(id);
    assert_rc(tg_service_app_tags_change(SVC(f), ADMIN(f), &ref, 1, extra, 1,
                                         NULL, 0, 0, &f->err),
              TG_EINVALID);
    /* Replacing a key's value is no new key. */
    extra[0].key = TG_STR("k0");
    extra[0].value = TG_STR("changed");
    assert_rc(tg_service_app_tags_change(SVC(f), ADMIN(f), &ref, 1, extra, 1,
                                         NULL, 0, 0, &f->err),
              TG_OK);
    memset(&view, 0, sizeof(view));
    assert_rc(tg_service_app_get(SVC(f), ADMIN(f), ref, &view, &f->err), TG_OK);
    assert_int_equal(view.app.ntags, TG_TAGS_MAX);
    tg_app_view_free(&view);

    /* A key with ':' (a filter splits there) and a bad key. */
    extra[0].key = TG_STR("a:b");
    assert_rc(tg_service_app_tags_change(SVC(f), ADMIN(f), &ref, 1, extra, 1,
                                         NULL, 0, 1, &f->err),
              TG_EINVALID);
    memset(&view, 0, sizeof(view));
    assert_rc(tg_service_app_get(SVC(f), ADMIN(f), ref, &view, &f->err), TG_OK);
    assert_int_equal(view.app.ntags, TG_TAGS_MAX); /* remove_all undone */
    tg_app_view_free(&view);
}


static int
cred_add(fixture_t *f, tg_cred_kind_t kind, const char *app, char *id)
{
    tg_cred_spec_t spec;
    tg_cred_view_t view;
    int            rc;

    memset(&spec, 0, sizeof(spec));
    memset(&view, 0, sizeof(view));
    rc = tg_service_cred_add(SVC(f), ADMIN(f), kind, tg_str_c(app), &spec,
                             &view, &f->err);
    if (rc == TG_OK && id != NULL) {
        memcpy(id, kind == TG_CRED_KEY_PAIR ? view.key.id : view.code.id,
               TG_ID_LEN + 1);
    }
    tg_cred_view_free(&view);
    return rc;
}


/* Key pairs and AppCodes per app, at their limits; the last pair stays. */
static void
test_credentials_per_app(void **state)
{
    fixture_t      *f = *state;
    char            app[TG_ID_LEN + 1], pairs[MAX_PAIRS][TG_ID_LEN + 1];
    tg_cred_view_t *items = NULL;
    size_t          n = 0, i;

    assert_rc(app_create(f, ADMIN(f), NULL, TG_STR("creds"), NULL, 0, app),
              TG_OK);
    for (i = 1; i < MAX_PAIRS; i++) {
        assert_rc(cred_add(f, TG_CRED_KEY_PAIR, app, pairs[i]), TG_OK);
    }
    assert_rc(cred_add(f, TG_CRED_KEY_PAIR, app, NULL), TG_EKEY_LIMIT);
    for (i = 0; i < MAX_CODES; i++) {
        assert_rc(cred_add(f, TG_CRED_APP_CODE, app, NULL), TG_OK);
    }
    assert_rc(cred_add(f, TG_CRED_APP_CODE, app, NULL), TG_ECODE_LIMIT);

    /* Delete all but one pair; the last one may not go. */
    assert_rc(tg_service_cred_list(SVC(f), ADMIN(f), TG_CRED_KEY_PAIR,
                                   tg_str_c(app), &items, &n, &f->err),
              TG_OK);
    assert_int_equal(n, MAX_PAIRS);
    for (i = 0; i + 1 < n; i++) {
        assert_rc(tg_service_cred_delete(SVC(f), ADMIN(f), TG_CRED_KEY_PAIR,
                                         tg_str_c(app),
                                         tg_str_c(items[i].key.id), 0, &f->err),
                  TG_OK);
    }
    assert_rc(tg_service_cred_delete(SVC(f), ADMIN(f), TG_CRED_KEY_PAIR,
                                     tg_str_c(app),
                                     tg_str_c(items[n - 1].key.id), 0, &f->err),
              TG_ELAST_KEY);
    tg_cred_view_list_free(items, n);
}


static int
reset_grace(fixture_t *f, const char *app, int64_t grace)
{
    tg_reset_spec_t spec;
    tg_key_view_t   view;
    int             rc;

    memset(&spec, 0, sizeof(spec));
    memset(&view, 0, sizeof(view));
    spec.grace_seconds = grace;
    rc = tg_service_secret_reset(SVC(f), ADMIN(f), tg_str_c(app), &spec, &view,
                                 &f->err);
    tg_key_view_free(&view);
    return rc;
}


/* Grace: 0 to the service's longest. */
static void
test_grace_bounds(void **state)
{
    fixture_t *f = *state;
    char       app[TG_ID_LEN + 1];

    assert_rc(app_create(f, ADMIN(f), NULL, TG_STR("grace"), NULL, 0, app),
              TG_OK);
    assert_rc(reset_grace(f, app, MAX_GRACE + 1), TG_EINVALID);
    assert_rc(reset_grace(f, app, -1), TG_EINVALID);
    assert_rc(reset_grace(f, app, MAX_GRACE), TG_OK);
    assert_rc(reset_grace(f, app, 0), TG_OK);
}


/* Pages: 1 to TG_PAGE_SIZE_LIMIT. */
static void
test_pages(void **state)
{
    fixture_t *f = *state;
    char       app[TG_ID_LEN + 1];
    tg_api_t  *items = NULL;
    size_t     n = 0;
    int64_t    total = 0;

    assert_rc(app_create(f, ADMIN(f), NULL, TG_STR("pages"), NULL, 0, app),
              TG_OK);
    assert_rc(tg_service_api_list_ungranted(
                  SVC(f), ADMIN(f), tg_str_c(app), TG_STR("RELEASE"),
                  TG_PAGE_SIZE_LIMIT + 1, 0, &items, &n, &total, &f->err),
              TG_EINVALID);
    assert_rc(tg_service_api_list_ungranted(SVC(f), ADMIN(f), tg_str_c(app),
                                            TG_STR("RELEASE"), 0, 0, &items, &n,
                                            &total, &f->err),
              TG_EINVALID);
    assert_rc(tg_service_api_list_ungranted(
                  SVC(f), ADMIN(f), tg_str_c(app), TG_STR("RELEASE"),
                  TG_PAGE_SIZE_LIMIT, 0, &items, &n, &total, &f->err),
              TG_OK);
    tg_store_api_list_free(items, n);
    assert_rc(tg_service_api_list_ungranted(SVC(f), ADMIN(f), tg_str_c(app),
                                            TG_STR("no stage!"), 10, 0, &items,
                                            &n, &total, &f->err),
              TG_EINVALID);
}


/* An app's rate limit: 1 to 1000000 each, or none. */
static void
test_app_rate_limit(void **state)
{
    static const struct {
        int64_t rps, burst;
        int     rc;
    } cases[] = {
        { 1, 1, TG_OK },
        { 1000000, 1000000, TG_OK },
        { 1000001, 1, TG_EINVALID },
        { 1, 1000001, TG_EINVALID },
        { 0, 1, TG_EINVALID },
        { -1, -1, TG_EINVALID },
    };
    fixture_t    *f = *state;
    tg_app_spec_t patch;
    tg_app_view_t view;
    char          app[TG_ID_LEN + 1];
    size_t        i;

    assert_rc(app_create(f, ADMIN(f), NULL, TG_STR("rated"), NULL, 0, app),
              TG_OK);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(&patch, 0, sizeof(patch));
        memset(&view, 0, sizeof(view));
        patch.rate_limited = 1;
        patch.rate_rps = cases[i].rps;
        patch.rate_burst = cases[i].burst;
        assert_rc(tg_service_app_update(SVC(f), ADMIN(f), tg_str_c(app), &patch,
                                        TG_APP_SET_RATE, &view, &f->err),
                  cases[i].rc);
        if (cases[i].rc == TG_OK) {
            assert_i64_equal(view.app.rate_rps, cases[i].rps);
        }
        tg_app_view_free(&view);
    }
}


/* Per-action rates: TG_ACTION_RATE_PER_SECOND at once, then refused with
 * a retry time; names of 1 to TG_ACTION_RATE_NAME_MAX bytes. */
static void
test_action_rate(void **state)
{
    fixture_t *f = *state;
    char       name[TG_ACTION_RATE_NAME_MAX + 2];
    int        i;

    for (i = 0; i < TG_ACTION_RATE_PER_SECOND; i++) {
        assert_rc(
            tg_service_action_rate_take(SVC(f), ADMIN(f), "CreateApp", &f->err),
            TG_OK);
    }
    memset(&f->err, 0, sizeof(f->err));
    assert_rc(
        tg_service_action_rate_take(SVC(f), ADMIN(f), "CreateApp", &f->err),
        TG_ERATE_LIMITED);
    assert_true(f->err.retry_after > 0);
    /* Another action, and another account, have their own buckets. */
    assert_rc(
        tg_service_action_rate_take(SVC(f), ADMIN(f), "DeleteApp", &f->err),
        TG_OK);
    assert_rc(
        tg_service_action_rate_take(SVC(f), &f->member, "CreateApp", &f->err),
        TG_OK);

    assert_rc(tg_service_action_rate_take(SVC(f), ADMIN(f), "", &f->err),
              TG_EINVALID);
    memset(name, 'x', sizeof(name) - 1);
    name[TG_ACTION_RATE_NAME_MAX + 1] = '\0';
    assert_rc(tg_service_action_rate_take(SVC(f), ADMIN(f), name, &f->err),
              TG_EINVALID);
    name[TG_ACTION_RATE_NAME_MAX] = '\0';
    assert_rc(tg_service_action_rate_take(SVC(f), ADMIN(f), name, &f->err),
              TG_OK);
}


/* The app write rate: the burst passes, the next is refused, and a
 * refused create writes nothing. */
static void
test_app_write_rate(void **state)
{
    fixture_t *f = *state;

    assert_rc(app_create(f, ADMIN(f), NULL, TG_STR("w1"), NULL, 0, NULL),
              TG_OK);
    assert_rc(app_create(f, ADMIN(f), NULL, TG_STR("w2"), NULL, 0, NULL),
              TG_OK);
    assert_rc(app_create(f, ADMIN(f), NULL, TG_STR("w3"), NULL, 0, NULL),
              TG_ERATE_LIMITED);
    assert_true(f->err.retry_after > 0);
    assert_i64_equal(app_count(f, ADMIN(f)), 2);
    /* Per account: the member's bucket is full. */
    assert_rc(app_create(f, &f->member, NULL, TG_STR("w1"), NULL, 0, NULL),
              TG_OK);
}


/* The last admin key stays; an account with apps or keys stays. */
static void
test_last_admin_and_busy_account(void **state)
{
    fixture_t *f = *state;

    assert_rc(tg_service_access_key_delete(SVC(f), ADMIN(f),
                                           tg_str_c(f->fx.admin.account_id),
                                           TG_STR(TG_FIXTURE_KEY_ID), &f->err),
              TG_ELAST_ADMIN);
    assert_rc(tg_service_account_delete(SVC(f), ADMIN(f), tg_str_c(f->account),
                                        &f->err),
              TG_EACCOUNT_NOT_EMPTY);
}


/* A member sees nothing of another account: its apps read as not found,
 * it cannot create in another account, nor list accounts. */
static void
test_tenancy(void **state)
{
    fixture_t    *f = *state;
    char          app[TG_ID_LEN + 1];
    tg_app_view_t view;
    tg_account_t *accounts = NULL;
    size_t        n = 0;
    int64_t       total = 0;
    int           rc;

    assert_rc(app_create(f, ADMIN(f), NULL, TG_STR("admins"), NULL, 0, app),
              TG_OK);
    memset(&view, 0, sizeof(view));
    assert_rc(
        tg_service_app_get(SVC(f), &f->member, tg_str_c(app), &view, &f->err),
        TG_EAPP_NOT_FOUND);
    assert_rc(tg_service_app_delete(SVC(f), &f->member, tg_str_c(app), &f->err),
              TG_EAPP_NOT_FOUND);
    assert_i64_equal(app_count(f, &f->member), 0);
    assert_i64_equal(app_count(f, ADMIN(f)), 1);

    rc = app_create(f, &f->member, f->fx.admin.account_id, TG_STR("intruder"),
                    NULL, 0, NULL);
    assert_true(rc == TG_EFORBIDDEN || rc == TG_EACCOUNT_NOT_FOUND);
    assert_i64_equal(app_count(f, ADMIN(f)), 1);

    rc = tg_service_account_list(SVC(f), &f->member, 10, 0, &accounts, &n,
                                 &total, &f->err);
    if (rc == TG_OK) {
        /* At most its own. */
        assert_true(n <= 1);
        if (n == 1) {
            assert_string_equal(accounts[0].id, f->account);
        }
        tg_store_account_list_free(accounts, n);
    } else {
        assert_rc(rc, TG_EFORBIDDEN);
    }
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_app_quota, setup, teardown),
        cmocka_unit_test_setup_teardown(test_app_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_credentials_per_app, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_grace_bounds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_app_rate_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_action_rate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_app_write_rate, setup_rated,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_last_admin_and_busy_account, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_tenancy, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
