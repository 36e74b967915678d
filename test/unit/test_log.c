/*
 * Tests of daemon/log.c's lines: every string is one JSON string, with
 * quotes and backslashes escaped, control characters and invalid UTF-8
 * replaced by '?', whatever runs of plain bytes surround them.  The line goes
 * to stderr, which the test points at a pipe.
 */

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "log.h"

#include "unit.h"


/* Logs one line with the field value, and returns it (without "\n"). */
static void
log_line(const char *value, char *out, size_t size)
{
    int     fds[2], saved;
    ssize_t n;

    assert_int_equal(pipe(fds), 0);
    saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(fds[1], STDERR_FILENO) >= 0);

    TG_LOG(TG_LOG_INFO, "m", TG_LF_STR("k", value));

    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    close(fds[1]);
    n = read(fds[0], out, size - 1);
    close(fds[0]);
    assert_true(n > 1);
    assert_int_equal(out[n - 1], '\n');
    out[n - 1] = '\0';
}


/* Asserts that the line logged for value ends with "k":<expected>}. */
static void
assert_logged(const char *value, const char *expected)
{
    char line[2048], tail[1100];

    log_line(value, line, sizeof(line));
    snprintf(tail, sizeof(tail), "\"k\":%s}", expected);
    assert_true(strlen(line) >= strlen(tail));
    assert_string_equal(line + strlen(line) - strlen(tail), tail);
}


static void
test_json_strings(void **state)
{
    (void) state;
    tg_log_configure(1, TG_LOG_INFO);

    assert_logged("", "\"\"");
    assert_logged("plain text", "\"plain text\"");
    assert_logged("\"", "\"\\\"\"");
    assert_logged("a\\b", "\"a\\\\b\"");
    assert_logged("ab\"cd\\ef", "\"ab\\\"cd\\\\ef\"");
    assert_logged("\x01x\x1f", "\"?x?\"");
    assert_logged("tab\there\nnew", "\"tab?here?new\"");
    assert_logged("\x7f~ ", "\"?~ \"");
    assert_logged("caf\xc3\xa9", "\"caf\xc3\xa9\"");
    assert_logged("bad\xff\xfe.", "\"bad??.\"");
    assert_logged("end\"", "\"end\\\"\"");
}


/* A value is cut before 512 bytes, on the copied path as on the escaped one. */
static void
test_json_long_values(void **state)
{
    char value[600], expected[700];

    (void) state;
    tg_log_configure(1, TG_LOG_INFO);

    memset(value, 'a', sizeof(value));
    value[511] = '\0';
    snprintf(expected, sizeof(expected), "\"%s\"", value);
    assert_logged(value, expected);

    value[511] = 'a';
    value[512] = '\0';
    value[511] = '\0';
    snprintf(expected, sizeof(expected), "\"%s\"", value);
    value[511] = 'b';
    assert_logged(value, expected);

    value[0] = '\t';
    value[511] = '\0';
    expected[1] = '?';
    assert_logged(value, expected);
}


/* Numbers are written in decimal, signed, whole range. */
static void
test_json_numbers(void **state)
{
    static const struct {
        int64_t     num;
        const char *text;
    } cases[] = {
        { 0, "0" },
        { 7, "7" },
        { -1, "-1" },
        { 1234567890123, "1234567890123" },
        { INT64_MAX, "9223372036854775807" },
        { INT64_MIN, "-9223372036854775808" },
    };
    char   line[256], tail[64];
    size_t i;
    int    fds[2], saved;

    (void) state;
    tg_log_configure(1, TG_LOG_INFO);

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ssize_t n;

        assert_int_equal(pipe(fds), 0);
        saved = dup(STDERR_FILENO);
        assert_true(dup2(fds[1], STDERR_FILENO) >= 0);
        TG_LOG(TG_LOG_INFO, "m", TG_LF_INT("n", cases[i].num));
        assert_true(dup2(saved, STDERR_FILENO) >= 0);
        close(saved);
        close(fds[1]);
        n = read(fds[0], line, sizeof(line) - 1);
        close(fds[0]);
        assert_true(n > 0);
        line[n] = '\0';
        assert_true(strncmp(line, "{\"time\":\"", 9) == 0);
        assert_non_null(strstr(line, "\",\"level\":\"info\",\"msg\":\"m\","));
        snprintf(tail, sizeof(tail), "\"n\":%s}\n", cases[i].text);
        assert_string_equal(line + strlen(line) - strlen(tail), tail);
    }
}


static void
test_text_values(void **state)
{
    char line[256];

    (void) state;
    tg_log_configure(0, TG_LOG_INFO);

    log_line("bare", line, sizeof(line));
    assert_non_null(strstr(line, " k=bare"));
    log_line("two words", line, sizeof(line));
    assert_non_null(strstr(line, " k=\"two words\""));
    log_line("q\"\x02", line, sizeof(line));
    assert_non_null(strstr(line, " k=\"q\\\"?\""));
    tg_log_configure(1, TG_LOG_INFO);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_strings),
        cmocka_unit_test(test_json_long_values),
        cmocka_unit_test(test_json_numbers),
        cmocka_unit_test(test_text_values),
    };

    return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
