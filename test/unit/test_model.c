/*
 * Tests of lib/model.c: copying tags, and that each record's *_free()
 * releases every string it owns (the sanitizer build reports a leak
 * otherwise), zeroes the record, and is harmless on a zeroed record, on
 * one freed already, and on NULL.
 */

#include <stdlib.h>
#include <string.h>

#include "tollgate/cred.h"
#include "tollgate/model.h"

#include "unit.h"


static char *
owned(const char *s)
{
    char *p = tg_strndup(s, strlen(s));

    assert_non_null(p);
    return p;
}


/* Asserts that size bytes at p are all zero. */
static void
assert_zeroed(const void *p, size_t size)
{
    const unsigned char *b = p;
    size_t               i;

    for (i = 0; i < size; i++) {
        if (b[i] != 0) {
            print_error("byte %zu of %zu is %u\n", i, size, b[i]);
            fail();
        }
    }
}


static void
test_tags_copy(void **state)
{
    tg_tag_t src[3], dst[TG_TAGS_MAX];
    size_t   n = 99, i;

    (void) state;

    src[0] = (tg_tag_t){ owned("env"), owned("prod") };
    src[1] = (tg_tag_t){ owned("team"), owned("") };
    src[2] = (tg_tag_t){ owned("\xe4\xb8\xad"), owned("a:b") };
    memset(dst, 0, sizeof(dst));

    assert_rc(tg_tags_copy(dst, &n, src, 3), TG_OK);
    assert_int_equal(n, 3);

    for (i = 0; i < 3; i++) {
        assert_ptr_not_equal(dst[i].key, src[i].key);
        assert_ptr_not_equal(dst[i].value, src[i].value);
        assert_string_equal(dst[i].key, src[i].key);
        assert_string_equal(dst[i].value, src[i].value);
    }

    /* The copies outlive the originals. */
    tg_tags_free(src, 3);
    assert_null(src[0].key);
    assert_null(src[2].value);

    assert_string_equal(dst[0].key, "env");
    assert_string_equal(dst[0].value, "prod");
    assert_string_equal(dst[1].value, "");
    assert_string_equal(dst[2].key, "\xe4\xb8\xad");

    tg_tags_free(dst, n);
    for (i = 0; i < 3; i++) {
        assert_null(dst[i].key);
        assert_null(dst[i].value);
    }
}


static void
test_tags_copy_none(void **state)
{
    tg_tag_t dst[1] = { { NULL, NULL } };
    size_t   n = 99;

    (void) state;

    assert_rc(tg_tags_copy(dst, &n, NULL, 0), TG_OK);
    assert_int_equal(n, 0);
    assert_null(dst[0].key);

    tg_tags_free(dst, 0);
    tg_tags_free(NULL, 0);
}


/* The most tags an app holds, copied into an app and freed with it. */
static void
test_tags_copy_full(void **state)
{
    tg_tag_t src[TG_TAGS_MAX];
    tg_app_t app;
    char     key[8];
    size_t   i;

    (void) state;

    memset(&app, 0, sizeof(app));

    for (i = 0; i < TG_TAGS_MAX; i++) {
        key[0] = 'k';
        key[1] = (char) ('a' + i);
        key[2] = '\0';
        src[i] = (tg_tag_t){ owned(key), owned("v") };
    }

    assert_rc(tg_tags_copy(app.tags, &app.ntags, src, TG_TAGS_MAX), TG_OK);
    assert_int_equal(app.ntags, TG_TAGS_MAX);
    assert_string_equal(app.tags[TG_TAGS_MAX - 1].key, "kt");

    tg_tags_free(src, TG_TAGS_MAX);
    tg_app_free(&app);
    assert_zeroed(&app, sizeof(app));
}


/* Every *_free() on NULL and on a zeroed record. */
static void
test_free_zeroed(void **state)
{
    tg_app_t        app;
    tg_cred_t       cred;
    tg_api_t        api;
    tg_grant_t      grant;
    tg_account_t    account;
    tg_access_key_t key;

    (void) state;

    memset(&app, 0, sizeof(app));
    memset(&cred, 0, sizeof(cred));
    memset(&api, 0, sizeof(api));
    memset(&grant, 0, sizeof(grant));
    memset(&account, 0, sizeof(account));
    memset(&key, 0, sizeof(key));

    tg_app_free(&app);
    tg_cred_free(&cred);
    tg_api_free(&api);
    tg_grant_free(&grant);
    tg_account_free(&account);
    tg_access_key_free(&key);

    assert_zeroed(&app, sizeof(app));
    assert_zeroed(&cred, sizeof(cred));
    assert_zeroed(&api, sizeof(api));
    assert_zeroed(&grant, sizeof(grant));
    assert_zeroed(&account, sizeof(account));
    assert_zeroed(&key, sizeof(key));

    tg_app_free(NULL);
    tg_cred_free(NULL);
    tg_api_free(NULL);
    tg_grant_free(NULL);
    tg_account_free(NULL);
    tg_access_key_free(NULL);
}


static void
test_app_free(void **state)
{
    tg_app_t app;

    (void) state;

    memset(&app, 0, sizeof(app));
    strcpy(app.id, "0123456789abcdef0123456789abcdef");
    app.app_id = 12345678901234;
    app.name = owned("app");
    app.description = owned("description");
    app.extend = owned("{}");
    app.tags[0] = (tg_tag_t){ owned("k1"), owned("v1") };
    app.tags[1] = (tg_tag_t){ owned("k2"), owned("") };
    app.ntags = 2;
    app.enabled = 1;
    app.rate_rps = 10;

    tg_app_free(&app);
    assert_zeroed(&app, sizeof(app));

    /* Freeing again is harmless: the record is zeroed. */
    tg_app_free(&app);
    assert_zeroed(&app, sizeof(app));
}


/* A credential of either kind: a key pair in grace, one without, and an
 * AppCode (a hash, no key). */
static void
test_cred_free(void **state)
{
    tg_cred_t c;

    (void) state;

    memset(&c, 0, sizeof(c));
    strcpy(c.id, "0123456789abcdef0123456789abcdef");
    c.key = owned("AppKey0123456789");
    c.sealed = owned("tg1.k1.AAAA");
    c.prev_key = owned("OldKey0123456789");
    c.prev_sealed = owned("tg1.k1.BBBB");
    c.prev_expires_at = 1;
    c.primary = 1;

    tg_cred_free(&c);
    assert_zeroed(&c, sizeof(c));

    /* Without a grace period the prev_ strings are NULL. */
    c.key = owned("AppKey0123456789");
    c.sealed = owned("tg1.k1.AAAA");
    tg_cred_free(&c);
    assert_zeroed(&c, sizeof(c));

    strcpy(c.hash, "ab");
    c.sealed = owned("tg1.k1.CCCC");
    c.created_at = 5;
    tg_cred_free(&c);
    assert_zeroed(&c, sizeof(c));
}


static void
test_other_frees(void **state)
{
    tg_api_t        api;
    tg_grant_t      grant;
    tg_account_t    account;
    tg_access_key_t key;

    (void) state;

    memset(&api, 0, sizeof(api));
    api.name = owned("payments");
    api.description = owned("");
    strcpy(api.stage, "RELEASE");
    tg_api_free(&api);
    assert_zeroed(&api, sizeof(api));

    memset(&grant, 0, sizeof(grant));
    strcpy(grant.stage, "TEST");
    grant.app_name = owned("app");
    grant.api_name = owned("payments");
    grant.app_numeric_id = 10000000000000;
    tg_grant_free(&grant);
    assert_zeroed(&grant, sizeof(grant));

    memset(&account, 0, sizeof(account));
    account.name = owned("acme");
    account.app_quota = 100;
    tg_account_free(&account);
    assert_zeroed(&account, sizeof(account));

    memset(&key, 0, sizeof(key));
    strcpy(key.id, "TGabcdefghijklmnopqrstuv");
    key.description = owned("ci key");
    key.admin = 1;
    tg_access_key_free(&key);
    assert_zeroed(&key, sizeof(key));
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tags_copy),
        cmocka_unit_test(test_tags_copy_none),
        cmocka_unit_test(test_tags_copy_full),
        cmocka_unit_test(test_free_zeroed),
        cmocka_unit_test(test_app_free),
        cmocka_unit_test(test_cred_free),
        cmocka_unit_test(test_other_frees),
    };

    return cmocka_run_group_tests_name("model", tests, NULL, NULL);
}
