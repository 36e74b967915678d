/*
 * Tests of lib/conf.c: the "name = value" settings syntax, what it skips
 * and trims, what it refuses, and which line an error is reported on.
 */

#include <stdio.h>
#include <string.h>

#include "tollgate/conf.h"

#include "unit.h"


#define MAX_SETTINGS 8

/* What the handler saw, and when it should fail. */
typedef struct {
    size_t      n;
    char        names[MAX_SETTINGS][64];
    char        values[MAX_SETTINGS][64];
    size_t      value_lens[MAX_SETTINGS];
    unsigned    lines[MAX_SETTINGS];
    const char *fail_on; /* a name, or NULL */
    int         fail_with;
} record_t;


static int
record(void *data, tg_str_t name, tg_str_t value, unsigned line)
{
    record_t *r = data;

    assert_true(r->n < MAX_SETTINGS);
    assert_true(name.len < sizeof(r->names[0]));
    assert_true(value.len < sizeof(r->values[0]));

    memcpy(r->names[r->n], name.ptr, name.len);
    r->names[r->n][name.len] = '\0';
    memcpy(r->values[r->n], value.ptr, value.len);
    r->values[r->n][value.len] = '\0';
    r->value_lens[r->n] = value.len;
    r->lines[r->n] = line;
    r->n++;

    if (r->fail_on != NULL && tg_str_eq_c(name, r->fail_on)) {
        return r->fail_with;
    }

    return TG_OK;
}


static int
parse(const char *text, record_t *r, unsigned *line)
{
    r->n = 0;
    *line = 0;
    return tg_conf_parse(tg_str_c(text), record, r, line);
}


static void
assert_setting(const record_t *r, size_t i, const char *name, const char *value,
               unsigned line)
{
    assert_true(i < r->n);
    assert_string_equal(r->names[i], name);
    assert_string_equal(r->values[i], value);
    assert_int_equal(r->value_lens[i], strlen(value));
    assert_int_equal(r->lines[i], line);
}


static void
test_settings(void **state)
{
    record_t r = { 0 };
    unsigned line;

    (void) state;

    assert_rc(parse("listen = 127.0.0.1:9080\n"
                    "data_dir=/var/lib/tollgate\n"
                    "busy_ms  =  500\n",
                    &r, &line),
              TG_OK);
    assert_int_equal(r.n, 3);
    assert_setting(&r, 0, "listen", "127.0.0.1:9080", 1);
    assert_setting(&r, 1, "data_dir", "/var/lib/tollgate", 2);
    assert_setting(&r, 2, "busy_ms", "500", 3);
}


static void
test_empty_text(void **state)
{
    record_t r = { 0 };
    unsigned line;

    (void) state;

    assert_rc(parse("", &r, &line), TG_OK);
    assert_int_equal(r.n, 0);
    assert_rc(parse("\n\n   \n\t\n", &r, &line), TG_OK);
    assert_int_equal(r.n, 0);
}


/* Comments and blank lines are skipped but counted. */
static void
test_comments_and_blank_lines(void **state)
{
    record_t r = { 0 };
    unsigned line;

    (void) state;

    assert_rc(parse("# Tollgate settings\n"
                    "\n"
                    "   # indented comment = not a setting\n"
                    "\t\n"
                    "a = 1\n"
                    "#b = 2\n"
                    "c = 3 # not a comment\n",
                    &r, &line),
              TG_OK);
    assert_int_equal(r.n, 2);
    assert_setting(&r, 0, "a", "1", 5);
    assert_setting(&r, 1, "c", "3 # not a comment", 7);
}


static void
test_crlf(void **state)
{
    record_t r = { 0 };
    unsigned line;

    (void) state;

    assert_rc(parse("a = 1\r\n\r\n# c\r\nb = \"x y\"\r\nc = 3\r", &r, &line),
              TG_OK);
    assert_int_equal(r.n, 3);
    assert_setting(&r, 0, "a", "1", 1);
    assert_setting(&r, 1, "b", "x y", 4);
    assert_setting(&r, 2, "c", "3", 5);
}


/* The last line needs no newline. */
static void
test_no_final_newline(void **state)
{
    record_t r = { 0 };
    unsigned line;

    (void) state;

    assert_rc(parse("a = 1\nb = 2", &r, &line), TG_OK);
    assert_int_equal(r.n, 2);
    assert_setting(&r, 1, "b", "2", 2);
}


static void
test_trimming(void **state)
{
    record_t r = { 0 };
    unsigned line;

    (void) state;

    assert_rc(parse(" \t name \t = \t some value \t \n", &r, &line), TG_OK);
    assert_int_equal(r.n, 1);
    assert_setting(&r, 0, "name", "some value", 1);
}


static void
test_values(void **state)
{
    record_t r = { 0 };
    unsigned line;

    (void) state;

    assert_rc(parse("empty =\n"
                    "quoted = \"  spaced  \"\n"
                    "blank = \"\"\n"
                    "eq = a=b=c\n"
                    "inner = say \"hi\"\n",
                    &r, &line),
              TG_OK);
    assert_int_equal(r.n, 5);
    assert_setting(&r, 0, "empty", "", 1);
    assert_setting(&r, 1, "quoted", "  spaced  ", 2);
    assert_setting(&r, 2, "blank", "", 3);
    assert_setting(&r, 3, "eq", "a=b=c", 4);
    assert_setting(&r, 4, "inner", "say \"hi\"", 5);
}


/* A syntax error stops the parse at its line; settings before it were
 * handled, none after. */
static void
check_syntax_error(const char *text, unsigned expect_line, size_t handled)
{
    record_t r = { 0 };
    unsigned line;

    assert_rc(parse(text, &r, &line), TG_EINVALID);
    assert_int_equal(line, expect_line);
    assert_int_equal(r.n, handled);
}


static void
test_missing_equals(void **state)
{
    (void) state;

    check_syntax_error("listen 127.0.0.1\n", 1, 0);
    check_syntax_error("a = 1\n# c\n\nlisten\nb = 2\n", 4, 1);
    check_syntax_error("a = 1\r\nb\r\n", 2, 1);
}


static void
test_bad_names(void **state)
{
    (void) state;

    check_syntax_error("= 1\n", 1, 0);
    check_syntax_error("Listen = 1\n", 1, 0);
    check_syntax_error("data-dir = 1\n", 1, 0);
    check_syntax_error("data dir = 1\n", 1, 0);
    check_syntax_error("data.dir = 1\n", 1, 0);
    check_syntax_error("\"a\" = 1\n", 1, 0);
    check_syntax_error("caf\xc3\xa9 = 1\n", 1, 0);
    check_syntax_error("a = 1\nb = 2\n\n# x\nB = 3\n", 5, 2);
}


static void
test_bad_quotes(void **state)
{
    (void) state;

    check_syntax_error("a = \"\n", 1, 0);
    check_syntax_error("a = \"open\n", 1, 0);
    check_syntax_error("a = 1\na = \"x\" y\n", 2, 1);
}


/* The handler's error stops the parse, with the line it was called for. */
static void
test_handler_error(void **state)
{
    record_t r = { 0 };
    unsigned line;

    (void) state;

    r.fail_on = "stop";
    r.fail_with = TG_ENOMEM;

    assert_rc(parse("a = 1\n\n# c\nstop = here\nb = 2\nBAD\n", &r, &line),
              TG_ENOMEM);
    assert_int_equal(line, 4);
    assert_int_equal(r.n, 2);
    assert_setting(&r, 1, "stop", "here", 4);

    r.fail_on = "a";
    r.fail_with = TG_EINVALID;
    assert_rc(parse("\r\n\r\na = 1\r\n", &r, &line), TG_EINVALID);
    assert_int_equal(line, 3);
    assert_int_equal(r.n, 1);
}


/* Only text.len bytes are read. */
static void
test_length(void **state)
{
    static const char text[] = "a = 1\nb = 2\nBAD";
    record_t          r = { 0 };
    unsigned          line = 0;

    (void) state;

    assert_rc(tg_conf_parse((tg_str_t){ text, 12 }, record, &r, &line), TG_OK);
    assert_int_equal(r.n, 2);
    assert_setting(&r, 1, "b", "2", 2);

    /* A value cut short keeps only what is inside. */
    r.n = 0;
    assert_rc(tg_conf_parse((tg_str_t){ text, 4 }, record, &r, &line), TG_OK);
    assert_int_equal(r.n, 1);
    assert_setting(&r, 0, "a", "", 1);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_settings),
        cmocka_unit_test(test_empty_text),
        cmocka_unit_test(test_comments_and_blank_lines),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_no_final_newline),
        cmocka_unit_test(test_trimming),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_missing_equals),
        cmocka_unit_test(test_bad_names),
        cmocka_unit_test(test_bad_quotes),
        cmocka_unit_test(test_handler_error),
        cmocka_unit_test(test_length),
    };

    return cmocka_run_group_tests_name("conf", tests, NULL, NULL);
}
