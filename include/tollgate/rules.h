/*
 * The rules that the model's fields obey.
 *
 * These are the native rules, the loosest Tollgate accepts.  A vendor
 * dialect may apply its own stricter rules at its boundary first (Alibaba
 * names are 4-26 characters, say), but never looser ones.
 *
 * Each *_check() function returns 0 or TG_EINVALID; on TG_EINVALID it sets
 * *rule to a static sentence describing the rule ("must be ..."), which
 * never contains the checked value.  rule may be NULL.
 */

#ifndef TOLLGATE_RULES_H
#define TOLLGATE_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "tollgate/model.h"
#include "tollgate/str.h"


/*
 * App names: 1-64 characters of ASCII letters, digits, '_', '-' and CJK
 * characters, starting with a letter or a CJK character.
 */
int tg_app_name_check(tg_str_t name, const char **rule);

/*
 * Alibaba's stricter app names (CloudAPI CreateApp/ModifyApp): 4-26
 * characters of ASCII letters, digits, '_' and CJK characters, starting
 * with a letter or a CJK character (the Chinese documentation allows
 * Chinese characters; the English one says letters).  No '-'.
 */
int tg_alibaba_app_name_check(tg_str_t name, const char **rule);

/* Alibaba's stricter descriptions: free text of at most 180 characters. */
int tg_alibaba_description_check(tg_str_t text, const char **rule);

/*
 * Free text of at most max characters: valid UTF-8 without control
 * characters other than tab, newline and carriage return.
 */
int tg_text_check(tg_str_t text, size_t max, const char **rule);

/* Descriptions: free text of at most 255 characters. */
int tg_app_description_check(tg_str_t text, const char **rule);

/* Extend: free text of at most 1024 characters. */
int tg_app_extend_check(tg_str_t text, const char **rule);

/*
 * Tag keys: 1-128 characters of UTF-8 without control characters or ':'
 * (a list filter "tag=key:value" splits at the first ':').
 */
int tg_tag_key_check(tg_str_t key, const char **rule);

/* Tag values: 0-128 characters of UTF-8 without control characters. */
int tg_tag_value_check(tg_str_t value, const char **rule);

/*
 * Identifiers (API and account names): 1-64 of ASCII letters, digits,
 * '_', '-' and '.', starting with a letter.  They appear in nginx.conf,
 * so they stay ASCII.
 */
int tg_identifier_check(tg_str_t name, const char **rule);

/*
 * Stages: 1-32 of ASCII letters, digits, '_' and '-'.  Stages compare
 * without case; tg_stage_normalize() writes the uppercase form and a NUL
 * into out, which holds TG_STAGE_MAX + 1 bytes, and returns 0 or
 * TG_EINVALID.
 */
int tg_stage_check(tg_str_t stage, const char **rule);
int tg_stage_normalize(tg_str_t stage, char *out);

/*
 * The standard stages, the environments API gateways publish on: RELEASE
 * (production, and the stage of a grant that names none), PRE (staging)
 * and TEST.  A dialect whose vendor knows only these applies
 * tg_stage_standard_check() at its boundary: the stage exactly as written
 * here, in uppercase.
 */
#define TG_STAGE_DEFAULT "RELEASE"

int tg_stage_standard_check(tg_str_t stage, const char **rule);

/* The display name of a standard stage ("Production", "Staging",
 * "Test"), or stage itself for any other. */
const char *tg_stage_alias(const char *stage);

/*
 * Rate limits: rps in 1-1000000 requests per second and burst in
 * 1-1000000, or rps 0 and burst 0 for no limit.
 */
int tg_rate_limit_check(int64_t rps, int64_t burst, const char **rule);

/* "enabled"/"disabled" to 1/0.  Returns 0 or TG_EINVALID. */
int         tg_status_parse(tg_str_t text, int *enabled);
const char *tg_status_name(int enabled);

/* "USER"/"MARKET".  Returns 0 or TG_EINVALID. */
int         tg_creator_parse(tg_str_t text, tg_creator_t *creator);
const char *tg_creator_name(tg_creator_t creator);

#endif /* TOLLGATE_RULES_H */
