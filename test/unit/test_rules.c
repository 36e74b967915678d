/*
 * Tests of lib/rules.c: every field rule at its edges.  Lengths are
 * counted in characters, so each length edge is also tried with
 * multi-byte characters, where the byte count is far past the limit.
 */

#include <string.h>

#include "tollgate/rules.h"

#include "unit.h"


#define CJK    "\xe4\xb8\xad"     /* U+4E2D, 3 bytes */
#define EACUTE "\xc3\xa9"         /* U+00E9, 2 bytes */
#define EMOJI  "\xf0\x9f\x98\x80" /* U+1F600, 4 bytes */

static char big[8192];


/* n copies of unit, in the shared buffer. */
static tg_str_t
rep(const char *unit, size_t n)
{
    return tg_test_repeat(big, sizeof(big), unit, n);
}


/* prefix then n copies of unit, in the shared buffer. */
static tg_str_t
prefixed(const char *prefix, const char *unit, size_t n)
{
    size_t   len = strlen(prefix);
    tg_str_t s;

    memcpy(big, prefix, len);
    s = tg_test_repeat(big + len, sizeof(big) - len, unit, n);
    return (tg_str_t){ big, len + s.len };
}


/* Expects check to refuse s and to name the rule broken, and to accept
 * a NULL rule pointer. */
#define assert_refused(check, s)                   \
    do {                                           \
        const char *rule_ = NULL;                  \
        tg_str_t    s_ = (s);                      \
        assert_rc(check(s_, &rule_), TG_EINVALID); \
        assert_non_null(rule_);                    \
        assert_true(strlen(rule_) > 0);            \
        assert_rc(check(s_, NULL), TG_EINVALID);   \
    } while (0)

#define assert_accepted(check, s) assert_rc(check((s), NULL), TG_OK)


static void
test_app_name_length(void **state)
{
    (void) state;

    assert_accepted(tg_app_name_check, TG_STR("a"));
    assert_refused(tg_app_name_check, TG_STR(""));
    assert_refused(tg_app_name_check, TG_STR_NULL);
    assert_accepted(tg_app_name_check, rep("a", 64));
    assert_refused(tg_app_name_check, rep("a", 65));

    /* 64 CJK characters are 192 bytes, and allowed. */
    assert_accepted(tg_app_name_check, rep(CJK, 1));
    assert_accepted(tg_app_name_check, rep(CJK, 64));
    assert_int_equal(rep(CJK, 64).len, 192);
    assert_refused(tg_app_name_check, rep(CJK, 65));

    assert_accepted(tg_app_name_check, prefixed("a", CJK, 63));
    assert_refused(tg_app_name_check, prefixed("a", CJK, 64));
    assert_accepted(tg_app_name_check, prefixed(CJK, "_", 63));
    assert_refused(tg_app_name_check, prefixed(CJK, "-", 64));
}


/* Alibaba's names: 4-26 characters, no '-'; 3 and 27 are refused. */
static void
test_alibaba_app_name(void **state)
{
    (void) state;

    assert_refused(tg_alibaba_app_name_check, rep("a", 3));
    assert_accepted(tg_alibaba_app_name_check, rep("a", 4));
    assert_accepted(tg_alibaba_app_name_check, rep("a", 26));
    assert_refused(tg_alibaba_app_name_check, rep("a", 27));
    assert_refused(tg_alibaba_app_name_check, TG_STR(""));
    assert_refused(tg_alibaba_app_name_check, TG_STR_NULL);
    assert_accepted(tg_alibaba_app_name_check, rep(CJK, 4));
    assert_refused(tg_alibaba_app_name_check, rep(CJK, 27));
    assert_accepted(tg_alibaba_app_name_check, TG_STR("CreateApp_Test1"));
    assert_refused(tg_alibaba_app_name_check, TG_STR("Create-App"));
    assert_refused(tg_alibaba_app_name_check, TG_STR("1app"));
    assert_refused(tg_alibaba_app_name_check, TG_STR("_app"));
    assert_refused(tg_alibaba_app_name_check, TG_STR("my app"));
    assert_refused(tg_alibaba_app_name_check, TG_STR("app\xff"));

    assert_accepted(tg_alibaba_description_check, rep("d", 180));
    assert_accepted(tg_alibaba_description_check, TG_STR(""));
    assert_refused(tg_alibaba_description_check, rep("d", 181));
    assert_accepted(tg_alibaba_description_check, rep(CJK, 180));
    assert_refused(tg_alibaba_description_check, rep(CJK, 181));
}


static void
test_app_name_characters(void **state)
{
    (void) state;

    assert_accepted(tg_app_name_check, TG_STR("a1_-Z"));
    assert_accepted(tg_app_name_check, TG_STR("Z"));
    assert_accepted(tg_app_name_check, TG_STR(CJK "app"));
    assert_accepted(tg_app_name_check, TG_STR("\xed\x95\x9c")); /* Hangul */
    assert_accepted(tg_app_name_check, TG_STR("\xe3\x81\x82")); /* Hiragana */
    assert_accepted(tg_app_name_check, TG_STR("\xe3\x82\xa2")); /* Katakana */

    /* The first character is a letter or CJK. */
    assert_refused(tg_app_name_check, TG_STR("1app"));
    assert_refused(tg_app_name_check, TG_STR("_app"));
    assert_refused(tg_app_name_check, TG_STR("-app"));
    assert_accepted(tg_app_name_check, TG_STR("app1"));

    /* Other characters. */
    assert_refused(tg_app_name_check, TG_STR("my app"));
    assert_refused(tg_app_name_check, TG_STR("my.app"));
    assert_refused(tg_app_name_check, TG_STR("my/app"));
    assert_refused(tg_app_name_check, TG_STR("app:1"));
    assert_refused(tg_app_name_check, TG_STR("caf" EACUTE));
    assert_refused(tg_app_name_check, TG_STR(EACUTE "t" EACUTE));
    assert_refused(tg_app_name_check, TG_STR("app" EMOJI));
    assert_refused(tg_app_name_check, TG_STR("a\tb"));
    assert_refused(tg_app_name_check, TG_STR("a\0b"));
}


static void
test_app_name_encoding(void **state)
{
    const char *rule = NULL;

    (void) state;

    assert_refused(tg_app_name_check, TG_STR("app\xff"));
    assert_refused(tg_app_name_check, TG_STR("\xff"
                                             "app"));

    /* Overlong forms of '/' and of 'A', which a lax decoder would accept
     * as a letter. */
    assert_refused(tg_app_name_check, TG_STR("app\xc0\xaf"));
    assert_refused(tg_app_name_check, TG_STR("\xc1\x81"));
    assert_refused(tg_app_name_check, TG_STR("\xe0\x81\x81"));
    assert_refused(tg_app_name_check, TG_STR("\xf0\x80\x81\x81"));
    assert_refused(tg_app_name_check, TG_STR("a\xe0\x81\x81"));

    assert_refused(tg_app_name_check, TG_STR("app\xed\xa0\x80")); /* U+D800 */
    assert_refused(tg_app_name_check, TG_STR("app\xed\xbf\xbf")); /* U+DFFF */
    assert_refused(tg_app_name_check, TG_STR("app\xe4\xb8"));     /* cut */

    assert_rc(tg_app_name_check(TG_STR("app\xff"), &rule), TG_EINVALID);
    assert_string_equal(rule, "must be valid UTF-8");
}


static void
test_description(void **state)
{
    const char *rule = NULL;

    (void) state;

    assert_accepted(tg_app_description_check, TG_STR(""));
    assert_accepted(tg_app_description_check, rep("a", 255));
    assert_refused(tg_app_description_check, rep("a", 256));

    assert_rc(tg_app_description_check(rep("a", 256), &rule), TG_EINVALID);
    assert_string_equal(rule, "must be at most 255 characters");

    /* Characters, not bytes. */
    assert_accepted(tg_app_description_check, rep(EACUTE, 255));
    assert_refused(tg_app_description_check, rep(EACUTE, 256));
    assert_accepted(tg_app_description_check, rep(CJK, 255));
    assert_refused(tg_app_description_check, rep(CJK, 256));
    assert_accepted(tg_app_description_check, rep(EMOJI, 255));
    assert_refused(tg_app_description_check, rep(EMOJI, 256));
    assert_accepted(tg_app_description_check, prefixed("ab", CJK, 253));
    assert_refused(tg_app_description_check, prefixed("ab", CJK, 254));
}


static void
test_description_characters(void **state)
{
    (void) state;

    /* Tab, newline and carriage return are the only controls allowed. */
    assert_accepted(tg_app_description_check, TG_STR("line 1\r\n\tline 2"));
    assert_refused(tg_app_description_check, TG_STR("a\x01"));
    assert_refused(tg_app_description_check, TG_STR("a\0b"));
    assert_refused(tg_app_description_check, TG_STR("a\x1b[0m"));
    assert_refused(tg_app_description_check, TG_STR("a\x7f"));
    assert_refused(tg_app_description_check, TG_STR("a\xc2\x85")); /* NEL */
    assert_refused(tg_app_description_check, TG_STR("a\xc2\x9f"));
    assert_accepted(tg_app_description_check, TG_STR("a\xc2\xa0")); /* NBSP */

    assert_refused(tg_app_description_check, TG_STR("a\xff"));
    assert_refused(tg_app_description_check, TG_STR("a\xc0\x80"));
    assert_refused(tg_app_description_check, TG_STR("a\xed\xa0\x80"));
}


static void
test_extend(void **state)
{
    const char *rule = NULL;

    (void) state;

    assert_accepted(tg_app_extend_check, TG_STR(""));
    assert_accepted(tg_app_extend_check, TG_STR("{\"k\": \"v\"}\n"));
    assert_accepted(tg_app_extend_check, rep("a", 1024));
    assert_refused(tg_app_extend_check, rep("a", 1025));
    assert_accepted(tg_app_extend_check, rep(CJK, 1024));
    assert_refused(tg_app_extend_check, rep(CJK, 1025));
    assert_refused(tg_app_extend_check, TG_STR("a\x02"));

    assert_rc(tg_app_extend_check(rep("a", 1025), &rule), TG_EINVALID);
    assert_string_equal(rule, "must be at most 1024 characters");
}


static void
test_text_check(void **state)
{
    const char *rule = NULL;

    (void) state;

    assert_rc(tg_text_check(TG_STR(""), 0, NULL), TG_OK);
    assert_rc(tg_text_check(TG_STR("a"), 0, &rule), TG_EINVALID);
    assert_string_equal(rule, "is too long");
    assert_rc(tg_text_check(rep(EACUTE, 10), 10, NULL), TG_OK);
    assert_rc(tg_text_check(rep(EACUTE, 11), 10, NULL), TG_EINVALID);

    assert_rc(tg_text_check(TG_STR("a\x01"), 10, &rule), TG_EINVALID);
    assert_string_equal(rule, "must not contain control characters");
    assert_rc(tg_text_check(TG_STR("a\xff"), 10, &rule), TG_EINVALID);
    assert_string_equal(rule, "must be valid UTF-8");
}


static void
test_tag_key(void **state)
{
    (void) state;

    assert_accepted(tg_tag_key_check, TG_STR("k"));
    assert_refused(tg_tag_key_check, TG_STR(""));
    assert_accepted(tg_tag_key_check, rep("k", 128));
    assert_refused(tg_tag_key_check, rep("k", 129));
    assert_accepted(tg_tag_key_check, rep(CJK, 128));
    assert_refused(tg_tag_key_check, rep(CJK, 129));
    assert_accepted(tg_tag_key_check, rep(EMOJI, 128));

    /* Anything printable but ':'. */
    assert_accepted(tg_tag_key_check, TG_STR("team name/env=prod.1"));
    assert_refused(tg_tag_key_check, TG_STR(":"));
    assert_refused(tg_tag_key_check, TG_STR("env:prod"));
    assert_refused(tg_tag_key_check, TG_STR("env:"));

    /* No control character at all, not even a tab. */
    assert_refused(tg_tag_key_check, TG_STR("a\tb"));
    assert_refused(tg_tag_key_check, TG_STR("a\nb"));
    assert_refused(tg_tag_key_check, TG_STR("a\0b"));
    assert_refused(tg_tag_key_check, TG_STR("a\x7f"));
    assert_refused(tg_tag_key_check, TG_STR("a\xc2\x80"));

    assert_refused(tg_tag_key_check, TG_STR("a\xff"));
    assert_refused(tg_tag_key_check, TG_STR("a\xed\xa0\x80"));
}


static void
test_tag_value(void **state)
{
    (void) state;

    assert_accepted(tg_tag_value_check, TG_STR(""));
    assert_accepted(tg_tag_value_check, TG_STR_NULL);
    assert_accepted(tg_tag_value_check, rep("v", 128));
    assert_refused(tg_tag_value_check, rep("v", 129));
    assert_accepted(tg_tag_value_check, rep(CJK, 128));
    assert_refused(tg_tag_value_check, rep(CJK, 129));

    /* ':' is allowed in a value: filters split at the first one. */
    assert_accepted(tg_tag_value_check, TG_STR("a:b:c"));

    assert_refused(tg_tag_value_check, TG_STR("a\tb"));
    assert_refused(tg_tag_value_check, TG_STR("\r"));
    assert_refused(tg_tag_value_check, TG_STR("a\xc2\x9f"));
    assert_refused(tg_tag_value_check, TG_STR("a\xc1\x81"));
}


static void
test_identifier(void **state)
{
    (void) state;

    assert_accepted(tg_identifier_check, TG_STR("a"));
    assert_accepted(tg_identifier_check, TG_STR("Z"));
    assert_refused(tg_identifier_check, TG_STR(""));
    assert_accepted(tg_identifier_check, rep("a", 64));
    assert_refused(tg_identifier_check, rep("a", 65));

    assert_accepted(tg_identifier_check, TG_STR("payments.v2-beta_1"));
    assert_accepted(tg_identifier_check, TG_STR("a."));
    assert_accepted(tg_identifier_check, TG_STR("a.-_9"));

    /* The first character is a letter. */
    assert_refused(tg_identifier_check, TG_STR(".a"));
    assert_refused(tg_identifier_check, TG_STR("1a"));
    assert_refused(tg_identifier_check, TG_STR("_a"));
    assert_refused(tg_identifier_check, TG_STR("-a"));

    /* ASCII only, and no other punctuation. */
    assert_refused(tg_identifier_check, TG_STR(CJK));
    assert_refused(tg_identifier_check, TG_STR("a" CJK));
    assert_refused(tg_identifier_check, TG_STR("a b"));
    assert_refused(tg_identifier_check, TG_STR("a/b"));
    assert_refused(tg_identifier_check, TG_STR("a:b"));
    assert_refused(tg_identifier_check, TG_STR("a;"));
    assert_refused(tg_identifier_check, TG_STR("a\0"));
}


static void
test_stage(void **state)
{
    (void) state;

    assert_accepted(tg_stage_check, TG_STR("R"));
    assert_refused(tg_stage_check, TG_STR(""));
    assert_accepted(tg_stage_check, rep("s", 32));
    assert_refused(tg_stage_check, rep("s", 33));

    assert_accepted(tg_stage_check, TG_STR("RELEASE"));
    assert_accepted(tg_stage_check, TG_STR("pre-release_2"));
    assert_accepted(tg_stage_check, TG_STR("1"));
    assert_accepted(tg_stage_check, TG_STR("_"));
    assert_refused(tg_stage_check, TG_STR("a.b"));
    assert_refused(tg_stage_check, TG_STR("a b"));
    assert_refused(tg_stage_check, TG_STR("TEST\n"));
    assert_refused(tg_stage_check, TG_STR(CJK));
}


/* The standard stages: exactly as written, uppercase; others keep their
 * own name for display. */
static void
test_stage_standard(void **state)
{
    (void) state;

    assert_accepted(tg_stage_standard_check, TG_STR("RELEASE"));
    assert_accepted(tg_stage_standard_check, TG_STR("PRE"));
    assert_accepted(tg_stage_standard_check, TG_STR("TEST"));
    assert_accepted(tg_stage_standard_check, TG_STR(TG_STAGE_DEFAULT));
    assert_refused(tg_stage_standard_check, TG_STR("release"));
    assert_refused(tg_stage_standard_check, TG_STR("RELEASE2"));
    assert_refused(tg_stage_standard_check, TG_STR("PR"));
    assert_refused(tg_stage_standard_check, TG_STR(""));

    assert_string_equal(tg_stage_alias("RELEASE"), "Production");
    assert_string_equal(tg_stage_alias("PRE"), "Staging");
    assert_string_equal(tg_stage_alias("TEST"), "Test");
    assert_string_equal(tg_stage_alias("CANARY"), "CANARY");
}


/* Normalizes into a buffer of exactly TG_STAGE_MAX + 1 bytes, at the end
 * of a larger one, so a write past it shows. */
static void
test_stage_normalize(void **state)
{
    char  buf[TG_STAGE_MAX + 8];
    char *out = buf + 7;

    (void) state;

    memset(buf, '#', sizeof(buf));
    assert_rc(tg_stage_normalize(TG_STR("test"), out), TG_OK);
    assert_string_equal(out, "TEST");

    assert_rc(tg_stage_normalize(TG_STR("Pre-Release_2z"), out), TG_OK);
    assert_string_equal(out, "PRE-RELEASE_2Z");

    assert_rc(tg_stage_normalize(rep("a", 32), out), TG_OK);
    assert_string_equal(out, rep("A", 32).ptr);
    assert_int_equal(buf[6], '#');

    /* Refused stages leave out as it was. */
    memset(buf, '#', sizeof(buf));
    assert_rc(tg_stage_normalize(rep("a", 33), out), TG_EINVALID);
    assert_rc(tg_stage_normalize(TG_STR(""), out), TG_EINVALID);
    assert_rc(tg_stage_normalize(TG_STR("a.b"), out), TG_EINVALID);
    assert_int_equal(out[0], '#');
}


static void
test_rate_limit(void **state)
{
    static const struct {
        int64_t rps, burst;
        int     ok;
    } cases[] = {
        { 0, 0, 1 },
        { 1, 1, 1 },
        { 1, 1000000, 1 },
        { 1000000, 1, 1 },
        { 1000000, 1000000, 1 },
        { 0, 1, 0 },
        { 1, 0, 0 },
        { 0, 1000000, 0 },
        { 1000000, 0, 0 },
        { 1000001, 1, 0 },
        { 1, 1000001, 0 },
        { 1000001, 1000001, 0 },
        { -1, -1, 0 },
        { -1, 1, 0 },
        { 1, -1, 0 },
        { INT64_MIN, INT64_MIN, 0 },
        { INT64_MAX, 1, 0 },
    };
    const char *rule;
    size_t      i;

    (void) state;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        rule = NULL;
        if (cases[i].ok) {
            assert_rc(tg_rate_limit_check(cases[i].rps, cases[i].burst, &rule),
                      TG_OK);
        } else {
            assert_rc(tg_rate_limit_check(cases[i].rps, cases[i].burst, &rule),
                      TG_EINVALID);
            assert_string_equal(rule, "rps and burst must each be 1-1000000");
        }
    }
}


static void
test_status(void **state)
{
    int enabled = 7;

    (void) state;

    assert_rc(tg_status_parse(TG_STR("enabled"), &enabled), TG_OK);
    assert_int_equal(enabled, 1);
    assert_rc(tg_status_parse(TG_STR("disabled"), &enabled), TG_OK);
    assert_int_equal(enabled, 0);

    enabled = 7;
    assert_rc(tg_status_parse(TG_STR("Enabled"), &enabled), TG_EINVALID);
    assert_rc(tg_status_parse(TG_STR("enable"), &enabled), TG_EINVALID);
    assert_rc(tg_status_parse(TG_STR("enabled "), &enabled), TG_EINVALID);
    assert_rc(tg_status_parse(TG_STR("1"), &enabled), TG_EINVALID);
    assert_rc(tg_status_parse(TG_STR(""), &enabled), TG_EINVALID);
    assert_int_equal(enabled, 7);

    assert_string_equal(tg_status_name(1), "enabled");
    assert_string_equal(tg_status_name(0), "disabled");
    assert_string_equal(tg_status_name(2), "enabled");
}


static void
test_creator(void **state)
{
    tg_creator_t creator = (tg_creator_t) 7;

    (void) state;

    assert_rc(tg_creator_parse(TG_STR("USER"), &creator), TG_OK);
    assert_int_equal(creator, TG_CREATOR_USER);
    assert_rc(tg_creator_parse(TG_STR("MARKET"), &creator), TG_OK);
    assert_int_equal(creator, TG_CREATOR_MARKET);

    creator = (tg_creator_t) 7;
    assert_rc(tg_creator_parse(TG_STR("user"), &creator), TG_EINVALID);
    assert_rc(tg_creator_parse(TG_STR("Market"), &creator), TG_EINVALID);
    assert_rc(tg_creator_parse(TG_STR("USERS"), &creator), TG_EINVALID);
    assert_rc(tg_creator_parse(TG_STR(""), &creator), TG_EINVALID);
    assert_int_equal(creator, 7);

    assert_string_equal(tg_creator_name(TG_CREATOR_USER), "USER");
    assert_string_equal(tg_creator_name(TG_CREATOR_MARKET), "MARKET");
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_app_name_length),
        cmocka_unit_test(test_app_name_characters),
        cmocka_unit_test(test_alibaba_app_name),
        cmocka_unit_test(test_app_name_encoding),
        cmocka_unit_test(test_description),
        cmocka_unit_test(test_description_characters),
        cmocka_unit_test(test_extend),
        cmocka_unit_test(test_text_check),
        cmocka_unit_test(test_tag_key),
        cmocka_unit_test(test_tag_value),
        cmocka_unit_test(test_identifier),
        cmocka_unit_test(test_stage),
        cmocka_unit_test(test_stage_standard),
        cmocka_unit_test(test_stage_normalize),
        cmocka_unit_test(test_rate_limit),
        cmocka_unit_test(test_status),
        cmocka_unit_test(test_creator),
    };

    return cmocka_run_group_tests_name("rules", tests, NULL, NULL);
}
