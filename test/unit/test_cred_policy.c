/*
 * Tests of lib/cred_policy.c: a policy's own checks at each field's
 * edges, the grace bounds, the strength rule, the expiry it gives a
 * secret, and durations.
 */

#include "tollgate/cred_policy.h"

#include "unit.h"


#define LIMIT 604800


static int
policy_check(const tg_cred_policy_t *p, const char *expect_field)
{
    tg_field_t  field = TG_FIELD_NONE;
    const char *rule = NULL;
    int         rc = tg_cred_policy_check(p, LIMIT, &field, &rule);

    if (expect_field != NULL) {
        assert_string_equal(tg_field_name(field), expect_field);
        assert_non_null(rule);
    }
    return rc;
}


static void
test_policy_default_is_valid(void **state)
{
    tg_cred_policy_t p = { 0 };

    (void) state;
    assert_rc(policy_check(&p, NULL), TG_OK);
    assert_i64_equal(tg_cred_policy_grace_max(&p, LIMIT), LIMIT);
    assert_i64_equal(tg_cred_policy_expires_at(&p, 1000), 0);
}


static void
test_policy_field_edges(void **state)
{
    tg_cred_policy_t p = { 0 };

    (void) state;

    p.max_secret_age = TG_CRED_POLICY_SECONDS_MAX;
    assert_rc(policy_check(&p, NULL), TG_OK);
    p.max_secret_age = TG_CRED_POLICY_SECONDS_MAX + 1;
    assert_rc(policy_check(&p, "max_secret_age"), TG_EINVALID);
    p.max_secret_age = -1;
    assert_rc(policy_check(&p, "max_secret_age"), TG_EINVALID);
    p.max_secret_age = 0;

    p.max_grace = LIMIT;
    assert_rc(policy_check(&p, NULL), TG_OK);
    p.max_grace = LIMIT + 1;
    assert_rc(policy_check(&p, "max_grace"), TG_EINVALID);
    p.max_grace = -1;
    assert_rc(policy_check(&p, "max_grace"), TG_EINVALID);

    p.max_grace = 3600;
    p.min_grace = 3600;
    assert_rc(policy_check(&p, NULL), TG_OK);
    p.min_grace = 3601;
    assert_rc(policy_check(&p, "min_grace"), TG_EINVALID);
    p.max_grace = 0; /* the installation's limit */
    assert_rc(policy_check(&p, NULL), TG_OK);
    p.min_grace = LIMIT + 1;
    assert_rc(policy_check(&p, "min_grace"), TG_EINVALID);
    p.min_grace = -1;
    assert_rc(policy_check(&p, "min_grace"), TG_EINVALID);
    p.min_grace = 0;

    p.secret_min_length = 128;
    assert_rc(policy_check(&p, NULL), TG_OK);
    p.secret_min_length = 129;
    assert_rc(policy_check(&p, "secret_min_length"), TG_EINVALID);
    p.secret_min_length = -1;
    assert_rc(policy_check(&p, "secret_min_length"), TG_EINVALID);
    p.secret_min_length = 0;

    p.secret_classes = 4;
    assert_rc(policy_check(&p, NULL), TG_OK);
    p.secret_classes = 5;
    assert_rc(policy_check(&p, "secret_classes"), TG_EINVALID);
    p.secret_classes = -1;
    assert_rc(policy_check(&p, "secret_classes"), TG_EINVALID);
}


static void
test_grace_bounds(void **state)
{
    tg_cred_policy_t p = { 0 };

    (void) state;

    assert_rc(tg_cred_policy_grace_check(&p, LIMIT, 0), TG_OK);
    assert_rc(tg_cred_policy_grace_check(&p, LIMIT, LIMIT), TG_OK);
    assert_rc(tg_cred_policy_grace_check(&p, LIMIT, LIMIT + 1), TG_EINVALID);

    p.min_grace = 60;
    p.max_grace = 3600;
    assert_rc(tg_cred_policy_grace_check(&p, LIMIT, 59), TG_EINVALID);
    assert_rc(tg_cred_policy_grace_check(&p, LIMIT, 60), TG_OK);
    assert_rc(tg_cred_policy_grace_check(&p, LIMIT, 3600), TG_OK);
    assert_rc(tg_cred_policy_grace_check(&p, LIMIT, 3601), TG_EINVALID);

    /* A reset that asks for none gets the minimum, within the bounds. */
    assert_i64_equal(tg_cred_policy_grace_default(&p, LIMIT), 60);
    assert_i64_equal(tg_cred_policy_grace_default(&p, 30), 30);
    p.min_grace = 0;
    assert_i64_equal(tg_cred_policy_grace_default(&p, LIMIT), 0);
    p.min_grace = 60;
    assert_rc(tg_cred_policy_grace_check(&p, LIMIT, 0), TG_EINVALID);

    /* The installation's limit wins over a larger policy. */
    p.max_grace = LIMIT * 2;
    assert_i64_equal(tg_cred_policy_grace_max(&p, LIMIT), LIMIT);
}


static void
test_classes(void **state)
{
    (void) state;

    assert_int_equal(tg_cred_classes(tg_str_c("")), 0);
    assert_int_equal(tg_cred_classes(tg_str_c("abc")), 1);
    assert_int_equal(tg_cred_classes(tg_str_c("abcXYZ")), 2);
    assert_int_equal(tg_cred_classes(tg_str_c("aZ9")), 3);
    assert_int_equal(tg_cred_classes(tg_str_c("aZ9_")), 4);
    assert_int_equal(tg_cred_classes(tg_str_c("\xc3\xa9")), 1);
    assert_int_equal(tg_cred_classes((tg_str_t){ "a\0", 2 }), 2);
}


static void
test_strength(void **state)
{
    tg_cred_policy_t p = { 0 };
    const char      *rule = NULL;

    (void) state;

    assert_rc(tg_cred_policy_secret_check(&p, tg_str_c("x"), &rule), TG_OK);

    p.secret_min_length = 16;
    assert_rc(
        tg_cred_policy_secret_check(&p, tg_str_c("abcdefghijklmno"), &rule),
        TG_EINVALID);
    assert_non_null(rule);
    assert_rc(
        tg_cred_policy_secret_check(&p, tg_str_c("abcdefghijklmnop"), &rule),
        TG_OK);

    p.secret_classes = 3;
    assert_rc(
        tg_cred_policy_secret_check(&p, tg_str_c("abcdefghijklmnoP"), &rule),
        TG_EINVALID);
    assert_rc(
        tg_cred_policy_secret_check(&p, tg_str_c("abcdefghijklmn9P"), &rule),
        TG_OK);
}


static void
test_expiry(void **state)
{
    tg_cred_policy_t p = { 0 };

    (void) state;

    p.max_secret_age = 86400;
    assert_i64_equal(tg_cred_policy_expires_at(&p, 1000), 1000 + 86400000LL);
}


static void
check_duration(const char *text, int64_t expect)
{
    int64_t v = -1;

    assert_rc(tg_duration_parse(tg_str_c(text), &v), TG_OK);
    assert_i64_equal(v, expect);
}


static void
check_duration_refused(const char *text)
{
    int64_t v = -1;

    if (tg_duration_parse(tg_str_c(text), &v) != TG_EINVALID) {
        print_error("\"%s\" was accepted\n", text);
    }
    assert_rc(tg_duration_parse(tg_str_c(text), &v), TG_EINVALID);
    assert_i64_equal(v, -1);
}


static void
test_durations(void **state)
{
    (void) state;

    check_duration("0", 0);
    check_duration("90", 90);
    check_duration("90s", 90);
    check_duration("15m", 900);
    check_duration("12h", 43200);
    check_duration("7d", 604800);
    check_duration("3660d", 3660LL * 86400);
    check_duration("316224000", TG_CRED_POLICY_SECONDS_MAX);

    check_duration_refused("");
    check_duration_refused("d");
    check_duration_refused("-1");
    check_duration_refused("7 d");
    check_duration_refused("7dd");
    check_duration_refused("7w");
    check_duration_refused("3661d");
    check_duration_refused("316224001");
    check_duration_refused("99999999999999999999999");
    check_duration_refused("1.5h");
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy_default_is_valid),
        cmocka_unit_test(test_policy_field_edges),
        cmocka_unit_test(test_grace_bounds),
        cmocka_unit_test(test_classes),
        cmocka_unit_test(test_strength),
        cmocka_unit_test(test_expiry),
        cmocka_unit_test(test_durations),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
