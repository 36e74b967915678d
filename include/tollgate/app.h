/*
 * The app model and the rules its fields obey.
 *
 * These are the native rules, the loosest Tollgate accepts.  A vendor
 * dialect may apply its own stricter rules at its boundary first (Alibaba
 * names are 4-26 characters, say), but never looser ones.
 *
 * Each *_check() function returns 0 or TG_EINVALID; on TG_EINVALID it sets
 * *rule to a static sentence describing the rule ("must be ..."), which
 * never contains the checked value.  rule may be NULL.
 *
 * Ownership: a tg_app_t owns its strings; tg_app_free() releases them.
 */

#ifndef TOLLGATE_APP_H
#define TOLLGATE_APP_H

#include <stddef.h>
#include <stdint.h>

#include "tollgate/str.h"


#define TG_ID_LEN              32 /* ids are 32 lowercase hex characters */
#define TG_APP_NAME_MAX        64
#define TG_APP_DESCRIPTION_MAX 255
#define TG_APP_EXTEND_MAX      1024
#define TG_TAGS_MAX            20
#define TG_TAG_KEY_MAX         128
#define TG_TAG_VALUE_MAX       128
#define TG_STAGE_MAX           32
#define TG_IDENTIFIER_MAX      64
#define TG_RATE_MAX            1000000

typedef enum {
    TG_CREATOR_USER = 0,
    TG_CREATOR_MARKET = 1
} tg_creator_t;

typedef struct {
    char *key;
    char *value;
} tg_tag_t;

typedef struct {
    char         id[TG_ID_LEN + 1];
    int64_t      app_id; /* the numeric id (Alibaba's AppId) */
    char         account_id[TG_ID_LEN + 1];
    char        *name;
    char        *description;
    char        *extend;
    tg_tag_t     tags[TG_TAGS_MAX];
    size_t       ntags;
    int          enabled;
    tg_creator_t creator;
    int64_t      rate_rps;   /* requests per second; 0 means no limit */
    int64_t      rate_burst; /* bucket size; 0 when rate_rps is 0 */
    int64_t      created_at; /* Unix ms */
    int64_t      updated_at;
} tg_app_t;


/* Releases the strings an app owns and zeroes it.  app may be NULL. */
void tg_app_free(tg_app_t *app);

/* Frees the strings of n tags.  This function can't fail. */
void tg_tags_free(tg_tag_t *tags, size_t n);

/*
 * App names: 1-64 characters of ASCII letters, digits, '_', '-' and CJK
 * characters, starting with a letter or a CJK character.
 */
int tg_app_name_check(tg_str_t name, const char **rule);

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

#endif /* TOLLGATE_APP_H */
