/*
 * Tollgate error codes.
 *
 * Every failure in libtollgate and tollgated is one negative TG_E* value
 * from the single table below.  The table gives each error its stable
 * name (the native API's "code"), its HTTP status and a default message.
 * A dialect maps TG_E* values through its own table; no other place maps
 * them.
 *
 * A tg_error_t carries the details of one failure: the code, the input
 * field it concerns, and the rule that failed.  Details never hold an
 * input value, so an error can be logged or returned without leaking a
 * secret that was sent in the offending field.
 */

#ifndef TOLLGATE_ERROR_H
#define TOLLGATE_ERROR_H

#include <stddef.h>


/* clang-format off */

/*    name                 status  code                    message */
#define TG_ERRNO_MAP(XX)                                                      \
    XX(NOMEM,              500, "out_of_memory",      "out of memory")        \
    XX(INTERNAL,           500, "internal_error",     "internal error")       \
    XX(STORE,              500, "storage_error",      "storage failure")      \
    XX(SEALED,             500, "sealed_data_invalid",                        \
       "sealed data failed authentication or names an unknown key")           \
    XX(BUSY,               503, "busy",                                       \
       "the store is busy; retry the request")                                \
    XX(BAD_REQUEST,        400, "bad_request",        "malformed request")    \
    XX(MALFORMED,          400, "malformed_request",                          \
       "the request is malformed: the HTTP layer refused it")                 \
    XX(BAD_JSON,           400, "invalid_json",                               \
       "the body is not a valid JSON object")                                 \
    XX(MEDIA_TYPE,         415, "unsupported_media_type",                     \
       "the body must be application/json")                                   \
    XX(INVALID,            422, "invalid_field",      "a field is invalid")   \
    XX(UNKNOWN_FIELD,      422, "unknown_field",      "unknown field")        \
    XX(MISSING,            422, "missing_field",                              \
       "a required field is missing")                                         \
    XX(UNAUTHENTICATED,    401, "unauthenticated",                            \
       "a valid access key is required")                                      \
    XX(FORBIDDEN,          403, "forbidden",                                  \
       "the access key may not do this")                                      \
    XX(REVEAL_REFUSED,     403, "secret_reveal_refused",                      \
       "the account's credential policy shows a secret only when it is "      \
       "created or reset")                                                    \
    XX(ROUTE_NOT_FOUND,    404, "route_not_found",    "no such route")        \
    XX(METHOD,             405, "method_not_allowed",                         \
       "the method is not allowed on this route")                             \
    XX(APP_NOT_FOUND,      404, "app_not_found",      "no such app")          \
    XX(KEY_NOT_FOUND,      404, "key_not_found",      "no such key pair")     \
    XX(CODE_NOT_FOUND,     404, "code_not_found",     "no such AppCode")      \
    XX(API_NOT_FOUND,      404, "api_not_found",      "no such API")          \
    XX(GRANT_NOT_FOUND,    404, "grant_not_found",    "no such grant")        \
    XX(ACCOUNT_NOT_FOUND,  404, "account_not_found",  "no such account")      \
    XX(ACCESS_KEY_NOT_FOUND, 404, "access_key_not_found",                     \
       "no such access key")                                                  \
    XX(POLICY_NOT_FOUND,   404, "policy_not_found",   "no such policy")       \
    XX(NAME_TAKEN,         409, "app_name_taken",                             \
       "an app with this name already exists in the account")                 \
    XX(APP_KEY_TAKEN,      409, "app_key_taken",                              \
       "this AppKey is already in use")                                       \
    XX(APP_CODE_TAKEN,     409, "app_code_taken",                             \
       "this AppCode is already in use")                                      \
    XX(API_NAME_TAKEN,     409, "api_name_taken",                             \
       "an API with this name already exists")                                \
    XX(ACCOUNT_NAME_TAKEN, 409, "account_name_taken",                         \
       "an account with this name already exists")                            \
    XX(ACCESS_KEY_TAKEN,   409, "access_key_taken",                           \
       "an access key with this id already exists")                           \
    XX(POLICY_NAME_TAKEN,  409, "policy_name_taken",                          \
       "a policy with this name already exists in the account")               \
    XX(CONFLICT,           409, "conflict",                                   \
       "the request conflicts with the current state")                        \
    XX(APP_LIMIT,          409, "app_limit_exceeded",                         \
       "the account has reached its app limit")                               \
    XX(KEY_LIMIT,          409, "key_limit_exceeded",                         \
       "the app has reached its key-pair limit")                              \
    XX(CODE_LIMIT,         409, "code_limit_exceeded",                        \
       "the app has reached its AppCode limit")                               \
    XX(LAST_KEY,           409, "last_key_pair",                              \
       "an app keeps at least one key pair")                                  \
    XX(LAST_ADMIN,         409, "last_admin_key",                             \
       "the last enabled admin access key cannot be disabled or deleted")     \
    XX(ACCOUNT_NOT_EMPTY,  409, "account_not_empty",                          \
       "the account still owns apps, APIs or access keys")                    \
    XX(TOO_LARGE,          413, "body_too_large",                             \
       "the request body is too large")                                       \
    XX(SIGNATURE,          401, "invalid_signature",                          \
       "the request signature does not match")                                \
    XX(TIMESTAMP,          400, "invalid_timestamp",                          \
       "the request timestamp is not a valid time")                           \
    XX(SKEW,               401, "timestamp_expired",                          \
       "the request timestamp is outside the allowed clock skew")             \
    XX(DIGEST,             400, "invalid_content_digest",                     \
       "the body digest does not match the body")                             \
    XX(NOSPC,              500, "buffer_too_small",                           \
       "an output buffer is too small")                                       \
    XX(RATE_LIMITED,       429, "rate_limited",                               \
       "too many requests; retry later")

/* clang-format on */

#define TG__ERRNO_INDEX(name, status, code, message) TG__INDEX_##name,
enum tg__errno_index {
    TG_ERRNO_MAP(TG__ERRNO_INDEX) TG__ERRNO_COUNT
};
#undef TG__ERRNO_INDEX

#define TG__ERRNO_VALUE(name, status, code, message) \
    TG_E##name = -1 - TG__INDEX_##name,
typedef enum {
    TG_OK = 0,
    TG_ERRNO_MAP(TG__ERRNO_VALUE)
} tg_errno_t;
#undef TG__ERRNO_VALUE


/*
 * The input fields an error can concern.  Each dialect renders a field
 * with its own parameter name; the second column is the native API's.
 */
/* clang-format off */
#define TG_FIELD_MAP(XX)                                                      \
    XX(NONE, "")                                                              \
    XX(NAME, "name")                                                          \
    XX(DESCRIPTION, "description")                                            \
    XX(TAGS, "tags")                                                          \
    XX(EXTEND, "extend")                                                      \
    XX(STATUS, "status")                                                      \
    XX(CREATOR, "creator")                                                    \
    XX(RATE_LIMIT, "rate_limit")                                              \
    XX(APP_KEY, "app_key")                                                    \
    XX(APP_SECRET, "app_secret")                                              \
    XX(APP_CODE, "app_code")                                                  \
    XX(GRACE_SECONDS, "grace_seconds")                                        \
    XX(PRIMARY, "primary")                                                    \
    XX(STAGE, "stage")                                                        \
    XX(EXPIRES_AT, "expires_at")                                              \
    XX(ACCOUNT_ID, "account_id")                                              \
    XX(APP_QUOTA, "app_quota")                                                \
    XX(ROLE, "role")                                                          \
    XX(ACCESS_KEY_ID, "access_key_id")                                        \
    XX(ACCESS_KEY_SECRET, "access_key_secret")                                \
    XX(LIMIT, "limit")                                                        \
    XX(OFFSET, "offset")                                                      \
    XX(SINCE, "since")                                                        \
    XX(UNTIL, "until")                                                        \
    XX(QUERY, "query")                                                        \
    XX(POLICY, "policy")                                                      \
    XX(DOCUMENT, "document")                                                  \
    XX(REVEAL_ONCE, "reveal_once")                                            \
    XX(MAX_SECRET_AGE, "max_secret_age")                                      \
    XX(MIN_GRACE, "min_grace")                                                \
    XX(MAX_GRACE, "max_grace")                                                \
    XX(SECRET_MIN_LENGTH, "secret_min_length")                                \
    XX(SECRET_CLASSES, "secret_classes")                                      \
    XX(EXPIRING_WITHIN, "expiring_within")                                    \
    XX(SECRET_OLDER_THAN, "secret_older_than")                                \
    XX(CURSOR, "cursor")
/* clang-format on */

#define TG__FIELD_ENUM(name, native) TG_FIELD_##name,
typedef enum {
    TG_FIELD_MAP(TG__FIELD_ENUM) TG__FIELD_COUNT
} tg_field_t;
#undef TG__FIELD_ENUM


#define TG_ERROR_DETAIL_MAX 200

/* The details of one failure.  Zero-initialized means "no error". */
typedef struct {
    int        code;                        /* TG_E*, or TG_OK */
    tg_field_t field;                       /* TG_FIELD_NONE if none */
    char       detail[TG_ERROR_DETAIL_MAX]; /* the rule; "" for default */
    long long  retry_after;                 /* seconds, when rate limited */
} tg_error_t;


/* The stable name of an error ("app_not_found"); "unknown_error" if err
 * is not a TG_E* value. */
const char *tg_err_name(int err);

/* The default message of an error. */
const char *tg_strerror(int err);

/* The HTTP status of an error: 200 for TG_OK, 500 for unknown values. */
unsigned tg_err_http_status(int err);

/* The native name of a field ("app_secret"); "" for TG_FIELD_NONE. */
const char *tg_field_name(tg_field_t field);

/*
 * Records a failure in err (which may be NULL) and returns code, so that
 * callers can write `return tg_error_set(err, TG_EINVALID, ...)`.  fmt is
 * a printf format for the detail, or NULL for the default message.  The
 * caller must not format input values that may be secret into it.
 */
int tg_error_set(tg_error_t *err, int code, tg_field_t field, const char *fmt,
                 ...) __attribute__((format(printf, 4, 5)));

/*
 * Records code with no detail, unless err already holds this very code
 * (then its details are kept), and returns code.  Callers use it to pass
 * on an error that may have been detailed further down.
 */
int tg_error_code(tg_error_t *err, int code);

#endif /* TOLLGATE_ERROR_H */
