/*
 * Tests of daemon/metrics.c: a request is counted under the action the
 * authorizer noted first on its own thread (none from another thread),
 * its status (unlisted ones as "other") and its latency bucket; commits
 * count their batch and failures; the scrape reads the service's
 * occupancy; only an admin may read the metrics.
 *
 * The counters are the process's: each test looks at what it changed.
 */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "service/authz.h"

#include "fixture.h"
#include "unit.h"


/* The rendered metrics, as a NUL-terminated string (the caller frees). */
static char *
render(tg_service_t *svc)
{
    tg_buf_t b = TG_BUF_INIT;

    assert_rc(tg_metrics_render(&b, svc), TG_OK);
    assert_rc(tg_buf_append(&b, "", 1), TG_OK);
    return b.ptr;
}


/* The value on the line that starts with series ("name{...} "), or -1. */
static long long
value_of(const char *text, const char *series)
{
    const char *p = text;
    size_t      n = strlen(series);

    while ((p = strstr(p, series)) != NULL) {
        if ((p == text || p[-1] == '\n') && p[n] == ' ') {
            return strtoll(p + n + 1, NULL, 10);
        }
        p += n;
    }
    return -1;
}


static void
test_request_counted_under_its_action(void **state)
{
    tg_fixture_t *f = *state;
    char         *text;

    tg_metrics_action_reset();
    tg_metrics_action_note(TG_ACTION_CREATE_APP);
    tg_metrics_action_note(TG_ACTION_DELETE_APP); /* the first one counts */
    tg_metrics_request(0, 201, 1500000);          /* 1.5 ms */

    tg_metrics_action_reset();
    tg_metrics_request(0, 299, 20000000000); /* 20 s: above every bound */
    tg_metrics_request(99, 200, 1);          /* no such dialect: ignored */

    text = render(f->svc);
    assert_i64_equal(
        value_of(text, "tollgate_http_requests_total{dialect=\"native\","
                       "action=\"apigateway:CreateApp\",status=\"201\"}"),
        1);
    assert_i64_equal(
        value_of(text, "tollgate_http_requests_total{dialect=\"native\","
                       "action=\"apigateway:DeleteApp\",status=\"201\"}"),
        -1);
    assert_i64_equal(value_of(text, "tollgate_http_requests_total{dialect="
                                    "\"native\",action=\"none\","
                                    "status=\"other\"}"),
                     1);
    assert_i64_equal(value_of(text,
                              "tollgate_http_request_duration_seconds_bucket{"
                              "dialect=\"native\",le=\"0.001\"}"),
                     0);
    assert_i64_equal(value_of(text,
                              "tollgate_http_request_duration_seconds_bucket{"
                              "dialect=\"native\",le=\"0.0025\"}"),
                     1);
    assert_i64_equal(value_of(text,
                              "tollgate_http_request_duration_seconds_bucket{"
                              "dialect=\"native\",le=\"10\"}"),
                     1);
    assert_i64_equal(value_of(text,
                              "tollgate_http_request_duration_seconds_bucket{"
                              "dialect=\"native\",le=\"+Inf\"}"),
                     2);
    assert_i64_equal(value_of(text, "tollgate_http_request_duration_seconds_"
                                    "count{dialect=\"native\"}"),
                     2);
    free(text);
}


static void *
note_elsewhere(void *arg)
{
    (void) arg;
    tg_metrics_action_reset();
    tg_metrics_action_note(TG_ACTION_ROTATE_KEYRING);
    return NULL;
}


static void
test_action_is_the_threads_own(void **state)
{
    tg_fixture_t *f = *state;
    pthread_t     t;
    char         *text;

    tg_metrics_action_reset();
    assert_int_equal(pthread_create(&t, NULL, note_elsewhere, NULL), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    tg_metrics_request(1, 204, 1000);

    text = render(f->svc);
    assert_i64_equal(value_of(text, "tollgate_http_requests_total{dialect="
                                    "\"alibaba\",action=\"none\","
                                    "status=\"204\"}"),
                     1);
    assert_null(strstr(text, "apigateway:RotateKeyring"));
    free(text);
}


static void
test_commits_and_occupancy(void **state)
{
    tg_fixture_t *f = *state;
    long long     commits, batches;
    char         *text;

    text = render(f->svc);
    commits = value_of(text, "tollgate_store_commit_duration_seconds_count");
    batches = value_of(text, "tollgate_store_commit_batch_size_sum");
    assert_true(commits >= 1); /* the fixture's own writes */
    assert_i64_equal(value_of(text, "tollgate_store_commit_failures_total"), 0);
    free(text);

    tg_metrics_store_commit(2000000, 3, 1);

    text = render(f->svc);
    assert_i64_equal(
        value_of(text, "tollgate_store_commit_duration_seconds_count"),
        commits + 1);
    assert_i64_equal(value_of(text, "tollgate_store_commit_batch_size_sum"),
                     batches + 3);
    assert_i64_equal(value_of(text, "tollgate_store_commit_failures_total"), 1);
    assert_i64_equal(value_of(text, "tollgate_signed_nonces_capacity"),
                     TG_FIXTURE_NONCES);
    assert_i64_equal(value_of(text, "tollgate_signed_nonces"), 0);
    assert_true(value_of(text, "tollgate_rate_limit_buckets{limit="
                               "\"app_write\"}")
                >= 0);
    /* No projector reports in this fixture: no projection metrics. */
    assert_null(strstr(text, "tollgate_projection_"));
    free(text);
}


static void
test_only_an_admin_reads_them(void **state)
{
    tg_fixture_t *f = *state;
    tg_actor_t    member = f->admin;
    tg_error_t    err;

    memset(&err, 0, sizeof(err));
    assert_rc(tg_service_metrics_authorize(f->svc, &f->admin, &err), TG_OK);

    member.admin = 0;
    assert_rc(tg_service_metrics_authorize(f->svc, &member, &err),
              TG_EFORBIDDEN);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_request_counted_under_its_action,
                                        tg_fixture_setup, tg_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_action_is_the_threads_own,
                                        tg_fixture_setup, tg_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_commits_and_occupancy,
                                        tg_fixture_setup, tg_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_only_an_admin_reads_them,
                                        tg_fixture_setup, tg_fixture_teardown),
    };

    return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
