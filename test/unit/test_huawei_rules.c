/*
 * Tests of lib/huawei_rules.c: Huawei's app names and AppCode lengths at
 * their edges.
 */

#include <stdio.h>
#include <string.h>

#include "tollgate/huawei_rules.h"

#include "unit.h"


static void
test_app_name(void **state)
{
    const char *rule = NULL;
    char        buf[512];

    (void) state;

    assert_rc(tg_huawei_app_name_check(TG_STR("app"), &rule), TG_OK);
    assert_rc(tg_huawei_app_name_check(TG_STR("app_001"), &rule), TG_OK);
    assert_rc(
        tg_huawei_app_name_check(TG_STR("\xe5\xba\x94\xe7\x94\xa8_1"), &rule),
        TG_OK);
    assert_rc(tg_huawei_app_name_check(
                  tg_test_repeat(buf, sizeof(buf), "a", 64), &rule),
              TG_OK);
    /* CJK characters count as one each: 64 of them pass. */
    assert_rc(tg_huawei_app_name_check(
                  tg_test_repeat(buf, sizeof(buf), "\xe5\xba\x94", 64), &rule),
              TG_OK);

#define BAD(s)                                                      \
    do {                                                            \
        rule = NULL;                                                \
        assert_rc(tg_huawei_app_name_check(s, &rule), TG_EINVALID); \
        assert_non_null(rule);                                      \
    } while (0)
    BAD(TG_STR(""));
    BAD(TG_STR("ab"));
    BAD(tg_test_repeat(buf, sizeof(buf), "a", 65));
    BAD(tg_test_repeat(buf, sizeof(buf), "\xe5\xba\x94", 65));
    BAD(TG_STR("1app"));
    BAD(TG_STR("_app"));
    BAD(TG_STR("app-1"));
    BAD(TG_STR("app 1"));
    BAD(TG_STR("app\xff"));
    BAD(((tg_str_t){ "ap\0p", 4 }));
#undef BAD
}


static void
test_app_code(void **state)
{
    const char *rule = NULL;
    char        buf[256];

    (void) state;

    assert_rc(tg_huawei_app_code_check(
                  tg_test_repeat(buf, sizeof(buf), "a", 64), &rule),
              TG_OK);
    assert_rc(tg_huawei_app_code_check(
                  tg_test_repeat(buf, sizeof(buf), "a", 180), &rule),
              TG_OK);
    assert_rc(tg_huawei_app_code_check(
                  tg_test_repeat(buf, sizeof(buf), "a", 63), &rule),
              TG_EINVALID);
    assert_non_null(rule);
    assert_rc(tg_huawei_app_code_check(
                  tg_test_repeat(buf, sizeof(buf), "a", 181), &rule),
              TG_EINVALID);
}


/* rule may be NULL, as in rules.h (fuzz_rules found a store through it). */
static void
test_null_rule(void **state)
{
    char buf[256];

    (void) state;

    assert_rc(tg_huawei_app_name_check(TG_STR("x"), NULL), TG_EINVALID);
    assert_rc(tg_huawei_app_name_check(TG_STR("\xff\xfe"), NULL), TG_EINVALID);
    assert_rc(tg_huawei_app_code_check(
                  tg_test_repeat(buf, sizeof(buf), "a", 63), NULL),
              TG_EINVALID);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_app_name),
        cmocka_unit_test(test_app_code),
        cmocka_unit_test(test_null_rule),
    };

    return cmocka_run_group_tests_name("huawei_rules", tests, NULL, NULL);
}
