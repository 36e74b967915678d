/*
 * libFuzzer driver for the field rules: lib/rules.c (names, identifiers,
 * free text, tags, stages, rate limits, status and creator words) and
 * lib/huawei_rules.c (Huawei's stricter names and AppCodes).
 *
 * Beyond memory safety (ASan, UBSan), it checks each rule's contract:
 * the answer is 0 or TG_EINVALID with a static rule sentence (rule may
 * be NULL); a vendor's stricter rule never admits what the core's
 * refuses; an accepted value has the shape its rule promises (length,
 * first character, forbidden bytes); a stage normalizes to its uppercase
 * form, idempotently; a status or creator word parses back from its
 * name; a rate limit is accepted exactly in its ranges.  The input is a
 * selector byte, then the value.  Run with `make fuzz`.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/error.h"
#include "tollgate/huawei_rules.h"
#include "tollgate/rules.h"

#include "fuzz.h"


typedef int (*rule_pt)(tg_str_t s, const char **rule);


/* The answer of one rule: 0, or TG_EINVALID with a sentence, the same
 * static one each time (so it cannot hold the value); rule may be NULL. */
static int
ask(rule_pt fn, tg_str_t s)
{
    const char *rule = NULL, *again = NULL;
    int         rc = fn(s, &rule);

    check(rc == TG_OK || rc == TG_EINVALID);
    if (rc == TG_EINVALID) {
        check(rule != NULL && rule[0] != '\0');
        check(fn(s, &again) == rc && again == rule);
    }
    check(fn(s, NULL) == rc);
    return rc;
}


static int
is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}


/* Whether s holds a control byte other than tab, newline and CR. */
static int
has_control(tg_str_t s, int allow_space)
{
    size_t i;

    for (i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char) s.ptr[i];

        if (c == 0x7f || (c < 0x20 && !(allow_space && strchr("\t\n\r", c)))) {
            return 1;
        }
    }
    return 0;
}


static void
check_names(tg_str_t s)
{
    int core = ask(tg_app_name_check, s);

    /* A vendor's rule is stricter, never looser. */
    check(ask(tg_alibaba_app_name_check, s) != TG_OK || core == TG_OK);
    check(ask(tg_huawei_app_name_check, s) != TG_OK || core == TG_OK);

    if (core == TG_OK) {
        check(s.len >= 1 && s.len <= 64 * 4);
        check(is_alpha(s.ptr[0]) || (unsigned char) s.ptr[0] >= 0x80);
        check(memchr(s.ptr, '\0', s.len) == NULL);
        check(!has_control(s, 0));
    }
}


static void
check_text(tg_str_t s)
{
    int core = ask(tg_app_description_check, s);

    check(ask(tg_alibaba_description_check, s) != TG_OK || core == TG_OK);
    check(ask(tg_app_extend_check, s) == TG_OK || core != TG_OK);
    if (core == TG_OK) {
        check(s.len <= 255 * 4 && !has_control(s, 1));
    }
}


static void
check_tags(tg_str_t s)
{
    int key = ask(tg_tag_key_check, s), value = ask(tg_tag_value_check, s);

    if (key == TG_OK) {
        check(s.len >= 1 && s.len <= 128 * 4);
        check(memchr(s.ptr, ':', s.len) == NULL);
        check(!has_control(s, 0));
        check(value == TG_OK); /* a key is a value, too */
    }
    if (value == TG_OK) {
        check(s.len <= 128 * 4 && !has_control(s, 0));
    }
}


static void
check_identifier(tg_str_t s)
{
    size_t i;

    if (ask(tg_identifier_check, s) != TG_OK) {
        return;
    }
    check(s.len >= 1 && s.len <= 64 && is_alpha(s.ptr[0]));
    for (i = 0; i < s.len; i++) {
        check(is_alpha(s.ptr[i]) || (s.ptr[i] >= '0' && s.ptr[i] <= '9')
              || strchr("_-.", s.ptr[i]) != NULL);
        check(s.ptr[i] != '\0');
    }
}


static void
check_stage(tg_str_t s)
{
    char   out[TG_STAGE_MAX + 1], again[TG_STAGE_MAX + 1];
    int    rc = ask(tg_stage_check, s);
    size_t i;

    check(tg_stage_normalize(s, out) == rc);
    if (ask(tg_stage_standard_check, s) == TG_OK) {
        check(rc == TG_OK);
        check(tg_str_eq_c(s, "RELEASE") || tg_str_eq_c(s, "PRE")
              || tg_str_eq_c(s, "TEST"));
        check(strcmp(tg_stage_alias(out), out) != 0);
    }
    if (rc != TG_OK) {
        return;
    }

    check(s.len >= 1 && s.len <= TG_STAGE_MAX && strlen(out) == s.len);
    for (i = 0; i < s.len; i++) {
        check(
            out[i]
            == (s.ptr[i] >= 'a' && s.ptr[i] <= 'z' ? s.ptr[i] - 32 : s.ptr[i]));
    }
    check(tg_stage_normalize(tg_str_c(out), again) == TG_OK);
    check(strcmp(out, again) == 0);
}


static void
check_words(tg_str_t s)
{
    tg_creator_t creator;
    int          enabled;

    if (tg_status_parse(s, &enabled) == TG_OK) {
        check(enabled == 0 || enabled == 1);
        check(tg_str_eq_c(s, tg_status_name(enabled)));
    }
    if (tg_creator_parse(s, &creator) == TG_OK) {
        check(tg_str_eq_c(s, tg_creator_name(creator)));
    }
}


static void
check_code(tg_str_t s)
{
    if (ask(tg_huawei_app_code_check, s) == TG_OK) {
        check(s.len >= 64 && s.len <= 180 * 4);
    }
}


static void
check_rate(const uint8_t *data, size_t size)
{
    int64_t     rps = 0, burst = 0;
    const char *rule = NULL;
    int         rc, in;

    if (size >= 16) {
        memcpy(&rps, data, 8);
        memcpy(&burst, data + 8, 8);
    }
    rc = tg_rate_limit_check(rps, burst, &rule);
    in = (rps == 0 && burst == 0)
         || (rps >= 1 && rps <= 1000000 && burst >= 1 && burst <= 1000000);
    check(rc == (in ? TG_OK : TG_EINVALID));
    check(rc == TG_OK || rule != NULL);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tg_str_t s;

    if (size == 0) {
        return 0;
    }
    s = (tg_str_t){ (const char *) data + 1, size - 1 };

    switch (data[0] & 0x07) {
    case 0:
        check_names(s);
        break;
    case 1:
        check_text(s);
        break;
    case 2:
        check_tags(s);
        break;
    case 3:
        check_identifier(s);
        break;
    case 4:
        check_stage(s);
        break;
    case 5:
        check_words(s);
        break;
    case 6:
        check_code(s);
        break;
    default:
        check_rate(data + 1, size - 1);
        break;
    }
    return 0;
}
