/*
 * The records Tollgate keeps: accounts and their access keys; apps with
 * their tags; APIs and the grants of apps to them; audit events.  An
 * app's credentials, of every kind (key pairs, AppCodes), are one record
 * of their own, tg_cred_t in tollgate/cred.h.
 *
 * Times are Unix milliseconds (UTC); 0 means "none" where a time is
 * optional.  Ids are 32 lowercase hex characters.  Secrets never appear
 * here in clear: access keys carry a keyed hash (to find and compare
 * them) and sealed text (seal.h, to check the HMAC signatures of vendor
 * dialects).
 *
 * Ownership: a record owns the strings its char * members point to; the
 * matching *_free() releases them and zeroes the record, whose own
 * storage stays the caller's.  Fixed arrays need no freeing.
 */

#ifndef TOLLGATE_MODEL_H
#define TOLLGATE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "tollgate/cred_policy.h"


#define TG_ID_LEN              32
#define TG_APP_NAME_MAX        64
#define TG_APP_DESCRIPTION_MAX 255
#define TG_APP_EXTEND_MAX      1024
#define TG_TAGS_MAX            20
#define TG_TAG_KEY_MAX         128
#define TG_TAG_VALUE_MAX       128
#define TG_STAGE_MAX           32
#define TG_IDENTIFIER_MAX      64
#define TG_RATE_MAX            1000000
#define TG_KEY_ID_MAX          64 /* access-key ids */
#define TG_HASH_HEX_LEN        64

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
    int64_t      created_at;
    int64_t      updated_at;
} tg_app_t;

typedef struct {
    char    id[TG_ID_LEN + 1];
    char    account_id[TG_ID_LEN + 1]; /* the provider that owns it */
    char   *name;
    char   *description;
    char    stage[TG_STAGE_MAX + 1]; /* "" when not tied to one stage */
    int64_t created_at;
    int64_t updated_at;
} tg_api_t;

typedef struct {
    char    id[TG_ID_LEN + 1];
    char    app[TG_ID_LEN + 1];
    char    api[TG_ID_LEN + 1];
    char    stage[TG_STAGE_MAX + 1];
    int64_t expires_at; /* 0: never */
    int64_t created_at;
    int64_t updated_at;
    /* Read with the grant, for display. */
    char   *app_name;
    int64_t app_numeric_id;
    char    app_account_id[TG_ID_LEN + 1];
    char   *api_name;
} tg_grant_t;

typedef struct {
    char             id[TG_ID_LEN + 1];
    char            *name;
    int              enabled;
    int64_t          app_quota; /* 0: the daemon's default */
    tg_cred_policy_t policy;    /* its apps' credential policy */
    int64_t          created_at;
    int64_t          updated_at;
} tg_account_t;

typedef struct {
    char  id[TG_KEY_ID_MAX + 1];
    char  account_id[TG_ID_LEN + 1];
    char  secret_hash[TG_HASH_HEX_LEN + 1];
    char *secret_sealed; /* for signature checks; NULL for keys made
                            before schema 2 that have not been used */
    int     admin;
    int     enabled;
    char   *description;
    int64_t created_at;
    int64_t updated_at;
    int64_t last_used_at; /* 0: never */
} tg_access_key_t;

#define TG_AUDIT_ACTION_MAX 40
#define TG_AUDIT_TARGET_MAX 200
#define TG_AUDIT_SOURCE_MAX 64
#define TG_AUDIT_DETAIL_MAX 256

/* One audit event.  None of its fields ever holds a secret. */
typedef struct {
    int64_t id;
    int64_t at;
    char    actor[TG_KEY_ID_MAX + 1]; /* access-key id; "" if unknown */
    char    account_id[TG_ID_LEN + 1];
    char    action[TG_AUDIT_ACTION_MAX + 1]; /* "app.create" */
    char    target_type[24];                 /* "app" */
    char    target[TG_AUDIT_TARGET_MAX + 1]; /* its id or name */
    char    app[TG_ID_LEN + 1];              /* the app concerned, or "" */
    int     success;
    char    error[48]; /* tg_err_name() of a failure */
    char    request_id[40];
    char    source[TG_AUDIT_SOURCE_MAX + 1]; /* the caller's address */
    char    detail[TG_AUDIT_DETAIL_MAX + 1]; /* JSON object text or "" */
    /* The action's authorization name ("apigateway:CreateApp"), or "". */
    char canonical_action[TG_AUDIT_ACTION_MAX + 1];
} tg_audit_event_t;

/* One row of the change log: something about an app (or an API) changed. */
typedef struct {
    int64_t seq;
    int64_t at;
    char    entity[16]; /* "app", "key_pair", "app_code", ... */
    char    entity_id[TG_ID_LEN + 1];
    char    app[TG_ID_LEN + 1]; /* the app concerned, or "" */
    char    op[8];              /* "upsert" or "delete" */
} tg_change_t;


void tg_tags_free(tg_tag_t *tags, size_t n);
void tg_app_free(tg_app_t *app);
void tg_api_free(tg_api_t *api);
void tg_grant_free(tg_grant_t *grant);
void tg_account_free(tg_account_t *account);
void tg_access_key_free(tg_access_key_t *key);

/*
 * Copies tags into dst (which must be empty), duplicating the strings.
 * Returns 0, or TG_ENOMEM and leaves dst empty.
 */
int tg_tags_copy(tg_tag_t *dst, size_t *ndst, const tg_tag_t *src, size_t n);

#endif /* TOLLGATE_MODEL_H */
