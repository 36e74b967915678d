/*
 * The model's validation rules.  Every rule about what an app's
 * fields may hold lives here, shared by all dialects.
 */

#include <stdlib.h>
#include <string.h>

#include "tollgate/rules.h"
#include "tollgate/error.h"
#include "tollgate/utf8.h"


static int
tg_fail(const char **rule, const char *text)
{
    if (rule != NULL) {
        *rule = text;
    }
    return TG_EINVALID;
}


static int
tg_ascii_alpha(int32_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}


static int
tg_ascii_digit(int32_t c)
{
    return c >= '0' && c <= '9';
}


int
tg_app_name_check(tg_str_t name, const char **rule)
{
    static const char text[] =
        "must be 1-64 characters of letters, digits, '_', '-' or CJK, "
        "starting with a letter or CJK";
    size_t  pos = 0, n = 0;
    int32_t c;

    while (pos < name.len) {
        c = tg_utf8_next(name, &pos);
        if (c < 0) {
            return tg_fail(rule, "must be valid UTF-8");
        }

        if (n == 0 && !(tg_ascii_alpha(c) || tg_utf8_is_cjk(c))) {
            return tg_fail(rule, text);
        }

        if (!(tg_ascii_alpha(c) || tg_ascii_digit(c) || c == '_' || c == '-'
              || tg_utf8_is_cjk(c)))
        {
            return tg_fail(rule, text);
        }

        if (++n > TG_APP_NAME_MAX) {
            return tg_fail(rule, text);
        }
    }

    return n > 0 ? TG_OK : tg_fail(rule, text);
}


/* tg_text_check() with the rule to report when text is too long. */
static int
tg_text_check_max(tg_str_t text, size_t max, const char *too_long,
                  const char **rule)
{
    size_t  pos = 0, n = 0;
    int32_t c;

    while (pos < text.len) {
        c = tg_utf8_next(text, &pos);
        if (c < 0) {
            return tg_fail(rule, "must be valid UTF-8");
        }

        if (tg_utf8_is_control(c) && c != '\t' && c != '\n' && c != '\r') {
            return tg_fail(rule, "must not contain control characters");
        }

        if (++n > max) {
            return tg_fail(rule, too_long);
        }
    }

    return TG_OK;
}


int
tg_alibaba_app_name_check(tg_str_t name, const char **rule)
{
    static const char text[] =
        "must be 4-26 characters of letters, digits, '_' or CJK, starting "
        "with a letter or CJK";
    size_t  pos = 0, n = 0;
    int32_t c;

    while (pos < name.len) {
        c = tg_utf8_next(name, &pos);
        if (c < 0) {
            return tg_fail(rule, "must be valid UTF-8");
        }

        if (n == 0 && !(tg_ascii_alpha(c) || tg_utf8_is_cjk(c))) {
            return tg_fail(rule, text);
        }

        if (!(tg_ascii_alpha(c) || tg_ascii_digit(c) || c == '_'
              || tg_utf8_is_cjk(c))) {
            return tg_fail(rule, text);
        }

        if (++n > 26) {
            return tg_fail(rule, text);
        }
    }

    return n >= 4 ? TG_OK : tg_fail(rule, text);
}


int
tg_alibaba_description_check(tg_str_t text, const char **rule)
{
    return tg_text_check_max(text, 180, "must be at most 180 characters", rule);
}


int
tg_text_check(tg_str_t text, size_t max, const char **rule)
{
    return tg_text_check_max(text, max, "is too long", rule);
}


int
tg_app_description_check(tg_str_t text, const char **rule)
{
    return tg_text_check_max(text, TG_APP_DESCRIPTION_MAX,
                             "must be at most 255 characters", rule);
}


int
tg_app_extend_check(tg_str_t text, const char **rule)
{
    return tg_text_check_max(text, TG_APP_EXTEND_MAX,
                             "must be at most 1024 characters", rule);
}


/* UTF-8 of 0..max characters with no control characters at all. */
static int
tg_label_check(tg_str_t s, size_t min, size_t max, int allow_colon)
{
    size_t  pos = 0, n = 0;
    int32_t c;

    while (pos < s.len) {
        c = tg_utf8_next(s, &pos);
        if (c < 0 || tg_utf8_is_control(c) || (c == ':' && !allow_colon)
            || ++n > max) {
            return TG_EINVALID;
        }
    }

    return n >= min ? TG_OK : TG_EINVALID;
}


int
tg_tag_key_check(tg_str_t key, const char **rule)
{
    if (tg_label_check(key, 1, TG_TAG_KEY_MAX, 0) != TG_OK) {
        return tg_fail(rule, "tag keys must be 1-128 characters without "
                             "control characters or ':'");
    }
    return TG_OK;
}


int
tg_tag_value_check(tg_str_t value, const char **rule)
{
    if (tg_label_check(value, 0, TG_TAG_VALUE_MAX, 1) != TG_OK) {
        return tg_fail(rule, "tag values must be at most 128 characters "
                             "without control characters");
    }
    return TG_OK;
}


int
tg_identifier_check(tg_str_t name, const char **rule)
{
    static const char text[] =
        "must be 1-64 of ASCII letters, digits, '_', '-' or '.', starting "
        "with a letter";
    size_t i;

    if (name.len == 0 || name.len > TG_IDENTIFIER_MAX
        || !tg_ascii_alpha((unsigned char) name.ptr[0]))
    {
        return tg_fail(rule, text);
    }

    for (i = 1; i < name.len; i++) {
        unsigned char c = (unsigned char) name.ptr[i];

        if (!(tg_ascii_alpha(c) || tg_ascii_digit(c) || c == '_' || c == '-'
              || c == '.'))
        {
            return tg_fail(rule, text);
        }
    }

    return TG_OK;
}


int
tg_stage_check(tg_str_t stage, const char **rule)
{
    size_t i;

    if (stage.len == 0 || stage.len > TG_STAGE_MAX) {
        goto invalid;
    }

    for (i = 0; i < stage.len; i++) {
        unsigned char c = (unsigned char) stage.ptr[i];

        if (!(tg_ascii_alpha(c) || tg_ascii_digit(c) || c == '_' || c == '-')) {
            goto invalid;
        }
    }

    return TG_OK;

invalid:

    return tg_fail(rule, "must be 1-32 of ASCII letters, digits, '_' or '-'");
}


int
tg_stage_normalize(tg_str_t stage, char *out)
{
    size_t i;

    if (tg_stage_check(stage, NULL) != TG_OK) {
        return TG_EINVALID;
    }

    for (i = 0; i < stage.len; i++) {
        char c = stage.ptr[i];

        out[i] = (c >= 'a' && c <= 'z') ? (char) (c - 'a' + 'A') : c;
    }

    out[stage.len] = '\0';
    return TG_OK;
}


/* The standard stages and their display names. */
static const struct {
    const char *name;
    const char *alias;
} tg_stages[] = {
    { "RELEASE", "Production" },
    { "PRE", "Staging" },
    { "TEST", "Test" },
};


int
tg_stage_standard_check(tg_str_t stage, const char **rule)
{
    size_t i;

    for (i = 0; i < sizeof(tg_stages) / sizeof(tg_stages[0]); i++) {
        if (tg_str_eq_c(stage, tg_stages[i].name)) {
            return TG_OK;
        }
    }

    return tg_fail(rule, "must be RELEASE, PRE or TEST");
}


const char *
tg_stage_alias(const char *stage)
{
    size_t i;

    for (i = 0; i < sizeof(tg_stages) / sizeof(tg_stages[0]); i++) {
        if (strcmp(stage, tg_stages[i].name) == 0) {
            return tg_stages[i].alias;
        }
    }

    return stage;
}


int
tg_rate_limit_check(int64_t rps, int64_t burst, const char **rule)
{
    if (rps == 0 && burst == 0) {
        return TG_OK;
    }

    if (rps < 1 || rps > TG_RATE_MAX || burst < 1 || burst > TG_RATE_MAX) {
        return tg_fail(rule, "rps and burst must each be 1-1000000");
    }

    return TG_OK;
}


int
tg_status_parse(tg_str_t text, int *enabled)
{
    if (tg_str_eq_c(text, "enabled")) {
        *enabled = 1;
        return TG_OK;
    }

    if (tg_str_eq_c(text, "disabled")) {
        *enabled = 0;
        return TG_OK;
    }

    return TG_EINVALID;
}


const char *
tg_status_name(int enabled)
{
    return enabled ? "enabled" : "disabled";
}


int
tg_creator_parse(tg_str_t text, tg_creator_t *creator)
{
    if (tg_str_eq_c(text, "USER")) {
        *creator = TG_CREATOR_USER;
        return TG_OK;
    }

    if (tg_str_eq_c(text, "MARKET")) {
        *creator = TG_CREATOR_MARKET;
        return TG_OK;
    }

    return TG_EINVALID;
}


const char *
tg_creator_name(tg_creator_t creator)
{
    return creator == TG_CREATOR_MARKET ? "MARKET" : "USER";
}
