/*
 * Tests of lib/error.c: the error table's accessors, and recording the
 * details of a failure in a tg_error_t.
 */

#include <limits.h>
#include <string.h>

#include "unit.h"


/* Codes are -1, -2, ... in table order, with no gaps. */
static void
test_codes_are_dense_negatives(void **state)
{
    (void) state;

    assert_int_equal(TG_OK, 0);
    assert_int_equal(TG_ENOMEM, -1);
    assert_int_equal(TG_EINTERNAL, -2);
    assert_int_equal(TG_ERATE_LIMITED, -TG__ERRNO_COUNT);
}


static void
test_known_entries(void **state)
{
    static const struct {
        int         code;
        unsigned    status;
        const char *name;
    } cases[] = {
        { TG_ENOMEM, 500, "out_of_memory" },
        { TG_ESEALED, 500, "sealed_data_invalid" },
        { TG_EBUSY, 503, "busy" },
        { TG_EBAD_JSON, 400, "invalid_json" },
        { TG_EMEDIA_TYPE, 415, "unsupported_media_type" },
        { TG_EINVALID, 422, "invalid_field" },
        { TG_EUNAUTHENTICATED, 401, "unauthenticated" },
        { TG_EFORBIDDEN, 403, "forbidden" },
        { TG_EMETHOD, 405, "method_not_allowed" },
        { TG_EAPP_NOT_FOUND, 404, "app_not_found" },
        { TG_EACCESS_KEY_NOT_FOUND, 404, "access_key_not_found" },
        { TG_ENAME_TAKEN, 409, "app_name_taken" },
        { TG_ECONFLICT, 409, "conflict" },
        { TG_ETOO_LARGE, 413, "body_too_large" },
        { TG_ESIGNATURE, 401, "invalid_signature" },
        { TG_ETIMESTAMP, 400, "invalid_timestamp" },
        { TG_ESKEW, 401, "timestamp_expired" },
        { TG_EDIGEST, 400, "invalid_content_digest" },
        { TG_ENOSPC, 500, "buffer_too_small" },
        { TG_ERATE_LIMITED, 429, "rate_limited" },
    };
    size_t i;

    (void) state;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_string_equal(tg_err_name(cases[i].code), cases[i].name);
        assert_int_equal(tg_err_http_status(cases[i].code), cases[i].status);
    }

    assert_string_equal(tg_strerror(TG_ENOMEM), "out of memory");
    assert_string_equal(tg_strerror(TG_ERATE_LIMITED),
                        "too many requests; retry later");
}


static void
test_ok(void **state)
{
    (void) state;

    assert_string_equal(tg_err_name(TG_OK), "ok");
    assert_string_equal(tg_strerror(TG_OK), "success");
    assert_int_equal(tg_err_http_status(TG_OK), 200);
}


/* Values just outside the table, and far outside it. */
static void
test_unknown_codes(void **state)
{
    static const int codes[] = { 1,     42,     INT_MAX, -1 - TG__ERRNO_COUNT,
                                 -1000, INT_MIN };
    size_t           i;

    (void) state;

    for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        assert_string_equal(tg_err_name(codes[i]), "unknown_error");
        assert_string_equal(tg_strerror(codes[i]), "unknown error");
        assert_int_equal(tg_err_http_status(codes[i]), 500);
    }
}


/* Every entry has a distinct snake_case name, an error status and a
 * message: the names are the native API's stable codes. */
static void
test_every_entry_well_formed(void **state)
{
    int         a, b;
    const char *name, *p;
    unsigned    status;

    (void) state;

    for (a = -1; a >= -TG__ERRNO_COUNT; a--) {
        name = tg_err_name(a);
        status = tg_err_http_status(a);

        assert_true(strlen(name) > 0);
        for (p = name; *p != '\0'; p++) {
            assert_true((*p >= 'a' && *p <= 'z') || *p == '_');
        }

        assert_in_range(status, 400, 599);
        assert_true(strlen(tg_strerror(a)) > 0);
        assert_string_not_equal(name, "unknown_error");

        for (b = a - 1; b >= -TG__ERRNO_COUNT; b--) {
            assert_string_not_equal(name, tg_err_name(b));
        }
    }
}


static void
test_field_names(void **state)
{
    (void) state;

    assert_string_equal(tg_field_name(TG_FIELD_NONE), "");
    assert_string_equal(tg_field_name(TG_FIELD_NAME), "name");
    assert_string_equal(tg_field_name(TG_FIELD_APP_SECRET), "app_secret");
    assert_string_equal(tg_field_name(TG_FIELD_ACCESS_KEY_ID), "access_key_id");
    assert_string_equal(tg_field_name(TG_FIELD_QUERY), "query");

    /* Out of range, on either side. */
    assert_string_equal(tg_field_name(TG__FIELD_COUNT), "");
    assert_string_equal(tg_field_name((tg_field_t) -1), "");
}


static void
test_error_set(void **state)
{
    tg_error_t err;

    (void) state;

    memset(&err, 0, sizeof(err));
    err.retry_after = 7;

    assert_rc(
        tg_error_set(&err, TG_EINVALID, TG_FIELD_NAME, "must be %d-%d", 1, 64),
        TG_EINVALID);
    assert_int_equal(err.code, TG_EINVALID);
    assert_int_equal(err.field, TG_FIELD_NAME);
    assert_string_equal(err.detail, "must be 1-64");
    assert_i64_equal(err.retry_after, 0);

    /* No format: the detail of the previous error does not linger. */
    assert_rc(tg_error_set(&err, TG_ENOMEM, TG_FIELD_NONE, NULL), TG_ENOMEM);
    assert_int_equal(err.code, TG_ENOMEM);
    assert_int_equal(err.field, TG_FIELD_NONE);
    assert_string_equal(err.detail, "");
}


static void
test_error_set_null(void **state)
{
    (void) state;

    assert_rc(tg_error_set(NULL, TG_EFORBIDDEN, TG_FIELD_ROLE, "x %s", "y"),
              TG_EFORBIDDEN);
    assert_rc(tg_error_code(NULL, TG_EBUSY), TG_EBUSY);
}


/* A detail longer than the buffer is cut, and stays NUL-terminated. */
static void
test_error_set_truncates(void **state)
{
    char       long_text[TG_ERROR_DETAIL_MAX * 2];
    tg_error_t err;

    (void) state;

    memset(long_text, 'x', sizeof(long_text) - 1);
    long_text[sizeof(long_text) - 1] = '\0';

    tg_error_set(&err, TG_EINVALID, TG_FIELD_EXTEND, "%s", long_text);
    assert_int_equal(strlen(err.detail), TG_ERROR_DETAIL_MAX - 1);
    assert_memory_equal(err.detail, long_text, TG_ERROR_DETAIL_MAX - 1);
}


/* Passing on the same code keeps the details found further down. */
static void
test_error_code_keeps_details(void **state)
{
    tg_error_t err;

    (void) state;

    tg_error_set(&err, TG_EINVALID, TG_FIELD_STAGE, "must be 1-32");

    assert_rc(tg_error_code(&err, TG_EINVALID), TG_EINVALID);
    assert_int_equal(err.field, TG_FIELD_STAGE);
    assert_string_equal(err.detail, "must be 1-32");
}


/* A different code replaces the details with none. */
static void
test_error_code_replaces_other(void **state)
{
    tg_error_t err;

    (void) state;

    tg_error_set(&err, TG_EINVALID, TG_FIELD_STAGE, "must be 1-32");

    assert_rc(tg_error_code(&err, TG_ESTORE), TG_ESTORE);
    assert_int_equal(err.code, TG_ESTORE);
    assert_int_equal(err.field, TG_FIELD_NONE);
    assert_string_equal(err.detail, "");
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codes_are_dense_negatives),
        cmocka_unit_test(test_known_entries),
        cmocka_unit_test(test_ok),
        cmocka_unit_test(test_unknown_codes),
        cmocka_unit_test(test_every_entry_well_formed),
        cmocka_unit_test(test_field_names),
        cmocka_unit_test(test_error_set),
        cmocka_unit_test(test_error_set_null),
        cmocka_unit_test(test_error_set_truncates),
        cmocka_unit_test(test_error_code_keeps_details),
        cmocka_unit_test(test_error_code_replaces_other),
    };

    return cmocka_run_group_tests_name("error", tests, NULL, NULL);
}
