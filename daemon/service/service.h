/*
 * The core service: the one implementation of every management operation.
 *
 * Every dialect (daemon/dialects/: the native REST API, Alibaba's CloudAPI,
 * and each vendor's after them) turns its request into a call here and
 * renders the result in its own shape.
 * All business rules live here: validation (through lib/'s rules),
 * permissions and tenant isolation, uniqueness, quotas and rate limits,
 * secret generation, sealing and masking, rotation with grace, the audit
 * trail and the change log.  Each call is one store transaction.
 *
 * Permissions: every operation, reads included, asks the authorizer
 * (authz.h) under its canonical action name.  Today an access key acts
 * within its own account and an admin key on every account; an app, key
 * pair, AppCode or account outside the caller's reach reads as not found.
 *
 * What one account can learn of another: app names are unique per
 * account, but AppKeys, AppCodes, API names and account names are unique
 * across the installation (the gateway finds an app by its AppKey or
 * AppCode alone, and calls name an API without its account), so a create
 * or reset that picks a value another account holds is refused as taken.
 * Nothing else of another account (its apps, their ids, secrets or
 * grants) is ever told.  The API registry is a catalogue every key reads.
 *
 * Errors are TG_E* values, with details in *err (which may be NULL).  On
 * error nothing was written, except the audit event of the failure.
 *
 * Ownership: output records and views are the caller's and are released
 * with their *_free() function; views that carry secrets wipe them.
 * Inputs are only read during the call.
 */

#ifndef TOLLGATE_SERVICE_H
#define TOLLGATE_SERVICE_H

#include <stddef.h>
#include <stdint.h>

#include "tollgate/cred.h"
#include "tollgate/error.h"
#include "tollgate/list_cursor.h"
#include "tollgate/model.h"
#include "tollgate/seal.h"
#include "service/authz.h"
#include "store/store.h"


typedef struct tg_service_s tg_service_t;

/*
 * Pages.  A dialect caps its pages at TG_PAGE_SIZE_MAX unless its vendor's
 * contract allows larger ones (Huawei clamps at 500); the core refuses a
 * page larger than TG_PAGE_SIZE_LIMIT, the largest any contract allows.
 */
#define TG_PAGE_SIZE_MAX   100
#define TG_PAGE_SIZE_LIMIT 500

typedef struct {
    int64_t max_apps;            /* per account, unless it sets its own */
    int64_t max_key_pairs;       /* per app */
    int64_t max_codes;           /* per app */
    int64_t max_grace_seconds;   /* longest rotation grace */
    double  app_write_rate;      /* app create/modify/delete per second per
                                    account; 0: unlimited */
    double  app_write_burst;     /* and how many may come at once */
    int64_t code_reset_interval; /* seconds between resets of one AppCode */
    int64_t signed_nonces;       /* nonces of signed calls remembered at
                                    once; 0: TG_SIGNED_NONCES_DEFAULT */

    /* A new account's credential policy (checked by the caller). */
    tg_cred_policy_t account_policy;
} tg_service_limits_t;

typedef struct {
    tg_str_t key;
    tg_str_t value;
} tg_tag_spec_t;

/* What an app create sets, or an update changes (see TG_APP_SET_*).
 * Absent strings (NULL ptr) take defaults on create. */
typedef struct {
    tg_str_t             account_id; /* create: admin only; NULL: caller's */
    tg_str_t             name;
    tg_str_t             description;
    tg_str_t             extend;
    const tg_tag_spec_t *tags;
    size_t               ntags;
    int                  enabled;
    tg_creator_t         creator;
    int                  rate_limited; /* else no limit: rps, burst unused */
    int64_t              rate_rps;
    int64_t              rate_burst;
    tg_str_t             app_key;           /* create, TG_APP_SET_KEY: AppKey */
    tg_str_t             app_secret;        /* create, TG_APP_SET_KEY: secret */
    tg_str_t             app_code;          /* create: custom AppCode */
    int                  generate_app_code; /* create: make one */
} tg_app_spec_t;

#define TG_APP_SET_NAME        0x01u
#define TG_APP_SET_DESCRIPTION 0x02u
#define TG_APP_SET_EXTEND      0x04u
#define TG_APP_SET_TAGS        0x08u
#define TG_APP_SET_ENABLED     0x10u
#define TG_APP_SET_CREATOR     0x20u
#define TG_APP_SET_RATE        0x40u
/* update: the primary pair's AppKey and/or secret (app_key, app_secret;
 * a NULL ptr keeps it), asking for no grace (a new secret gets the
 * account's minimum one): Huawei's modify of an app. */
#define TG_APP_SET_KEY 0x80u

/* A key pair as shown: the secret in clear only where the contract
 * reveals it (create, reset, reveal), otherwise masked. */
typedef struct {
    char    id[TG_ID_LEN + 1];
    char   *app_key;
    char   *secret; /* in clear, or NULL */
    char    secret_mask[TG_MASK_LEN + 1];
    int     primary;
    char   *prev_app_key;    /* during a grace period, else NULL */
    int64_t prev_expires_at; /* 0 when there is none */
    int64_t created_at;
    int64_t updated_at;
    int64_t secret_at;         /* when its secret was set */
    int64_t secret_expires_at; /* when the secret passes its account's
                                  maximum age; 0: never */
} tg_key_view_t;

typedef struct {
    char    id[TG_ID_LEN + 1];
    char   *code; /* in clear, or NULL */
    char    code_mask[TG_MASK_LEN + 1];
    int64_t created_at;
    int64_t updated_at;
    int64_t secret_at;         /* when the code was set */
    int64_t secret_expires_at; /* when it passes its account's maximum
                                  age; 0: never */
} tg_code_view_t;

/* A credential of any kind as shown: the member of its kind holds it,
 * the other is empty. */
typedef struct {
    tg_cred_kind_t kind;
    tg_key_view_t  key;  /* a key pair */
    tg_code_view_t code; /* an AppCode */
} tg_cred_view_t;

typedef struct {
    tg_app_t        app;
    tg_key_view_t   key;  /* the primary pair */
    tg_key_view_t  *keys; /* reveal: every pair, in clear */
    size_t          nkeys;
    tg_code_view_t *codes; /* create: the code made with it; reveal: all */
    size_t          ncodes;
} tg_app_view_t;

/* What a credential add or reset sets; what a kind lacks stays NULL/0. */
typedef struct {
    tg_str_t key;           /* its public key (AppKey): add: NULL generates
                               one; reset: NULL keeps it */
    tg_str_t secret;        /* NULL: generate one */
    int      primary;       /* add: make it the app's primary one */
    int64_t  grace_seconds; /* reset: keep the replaced one valid */
    int      grace_asked;   /* reset: grace_seconds was asked for, even 0
                               (a non-zero one is asked for); a reset that
                               asks for none gets the account's minimum */
} tg_cred_spec_t;

typedef struct {
    tg_str_t key;         /* the pair: its id or AppKey; NULL: primary */
    tg_str_t new_app_key; /* NULL: keep the AppKey */
    tg_str_t new_secret;  /* NULL: generate one */
    int64_t  grace_seconds;
    int      grace_asked; /* as in tg_cred_spec_t */
} tg_reset_spec_t;

typedef struct {
    tg_str_t account_id; /* admin only; NULL: the caller's */
    tg_str_t name;
    tg_str_t description;
    tg_str_t stage; /* NULL or empty: not tied to a stage */
} tg_api_spec_t;

#define TG_API_SET_DESCRIPTION 0x01u
#define TG_API_SET_STAGE       0x02u

typedef struct {
    tg_str_t stage;      /* NULL: the API's stage, else RELEASE */
    int64_t  expires_at; /* 0: never */
} tg_grant_spec_t;

typedef struct {
    tg_str_t         name;
    int              enabled;
    int64_t          app_quota; /* 0: the default */
    tg_cred_policy_t policy;    /* the members TG_ACCOUNT_SET_* name */
    /* create: the policy's members given (TG_ACCOUNT_SET_*); the others
     * take the installation's defaults. */
    unsigned policy_set;
} tg_account_spec_t;

#define TG_ACCOUNT_SET_NAME    0x01u
#define TG_ACCOUNT_SET_ENABLED 0x02u
#define TG_ACCOUNT_SET_QUOTA   0x04u
/* The credential policy's members (cred_policy.h), one flag each.  A
 * change of max_secret_age re-projects every app of the account, so
 * that the gateway applies the new age at once. */
#define TG_ACCOUNT_SET_REVEAL_ONCE       0x08u
#define TG_ACCOUNT_SET_MAX_SECRET_AGE    0x10u
#define TG_ACCOUNT_SET_MIN_GRACE         0x20u
#define TG_ACCOUNT_SET_MAX_GRACE         0x40u
#define TG_ACCOUNT_SET_SECRET_MIN_LENGTH 0x80u
#define TG_ACCOUNT_SET_SECRET_CLASSES    0x100u
#define TG_ACCOUNT_SET_POLICY                                   \
    (TG_ACCOUNT_SET_REVEAL_ONCE | TG_ACCOUNT_SET_MAX_SECRET_AGE \
     | TG_ACCOUNT_SET_MIN_GRACE | TG_ACCOUNT_SET_MAX_GRACE      \
     | TG_ACCOUNT_SET_SECRET_MIN_LENGTH | TG_ACCOUNT_SET_SECRET_CLASSES)

typedef struct {
    tg_str_t id;     /* NULL: generate */
    tg_str_t secret; /* NULL: generate */
    int      admin;
    int      enabled;
    tg_str_t description;
} tg_access_key_spec_t;

#define TG_ACCESS_KEY_SET_ENABLED     0x01u
#define TG_ACCESS_KEY_SET_DESCRIPTION 0x02u


/*
 * Creates the service over an open store and keyring, which it uses but
 * does not own.  Returns 0, TG_EINVALID (limits->signed_nonces above
 * TG_NONCE_CAPACITY_MAX) or TG_ENOMEM.
 */
int tg_service_create(tg_store_t *store, const tg_keyring_t *keyring,
                      const tg_service_limits_t *limits, tg_service_t **svc);

void tg_service_destroy(tg_service_t *svc);

/* A copy of the limits in force now; each operation reads them once. */
tg_service_limits_t tg_service_limits(const tg_service_t *svc);

/*
 * Replaces the limits that can change live, all but signed_nonces (the
 * size of the nonce store, fixed at creation; its value here is
 * ignored).  Operations that start after the call see the new values;
 * safe while requests run (a reload, on SIGHUP).
 */
void tg_service_set_limits(tg_service_t              *svc,
                           const tg_service_limits_t *limits);

/* Releases a view, wiping any secret it holds. */
void tg_key_view_free(tg_key_view_t *view);
void tg_code_view_free(tg_code_view_t *view);
void tg_app_view_free(tg_app_view_t *view);
void tg_app_view_list_free(tg_app_view_t *items, size_t n);
void tg_cred_view_free(tg_cred_view_t *view);
void tg_cred_view_list_free(tg_cred_view_t *items, size_t n);


/*
 * Checks that the keyring opens this store's secrets: the first time, it
 * seals a known value into the store; later, that value must open.
 * Returns 0, or TG_ESEALED when the keyring belongs elsewhere.
 */
int tg_service_keyring_verify(tg_service_t *svc, tg_error_t *err);

/*
 * Re-seals every secret in the store (key pairs, their grace secrets,
 * AppCodes, sealed access-key secrets, the keyring check) under the
 * keyring's primary key, in one transaction; the old keys must still be in the
 * keyring.  Audited as "keyring.rotate".  Sets the number of pairs and codes
 * re-sealed.
 */
int tg_service_keyring_reseal(tg_service_t *svc, const tg_actor_t *actor,
                              int64_t *pairs, int64_t *codes, tg_error_t *err);

/* Sets *needed if the store holds no access key at all. */
int tg_service_bootstrap_needed(tg_service_t *svc, int *needed,
                                tg_error_t *err);

/*
 * On first start with an empty store: creates the account "default" and
 * in it an admin access key with this id and secret (which the caller
 * took from the settings or generated, and saved first).  Sets *created;
 * does nothing if any access key exists.
 */
int tg_service_bootstrap(tg_service_t *svc, tg_str_t key_id, tg_str_t secret,
                         int *created, tg_error_t *err);

/*
 * Checks an access key and its secret.  On success fills actor's key id,
 * account and role.  A failure is TG_EUNAUTHENTICATED, whatever the cause,
 * and is audited with actor's request id and source.
 */
int tg_service_authenticate(tg_service_t *svc, tg_str_t key_id, tg_str_t secret,
                            tg_actor_t *actor, tg_error_t *err);

/*
 * Signed management calls (service_signed.c).  A dialect whose calls are
 * signed with an access key's secret (HMAC schemes need the secret
 * itself, which the store keeps sealed) parses the call and hands the
 * core what it signed; the core applies the rules every dialect shares:
 * the clock window, the nonce store, the key's status and the audit.
 */

/* A signed call's timestamp must be within this of the server's clock,
 * either way. */
#define TG_SIGNED_WINDOW_MS (15 * 60 * 1000)

/* The longest nonce a signed call may carry, in bytes. */
#define TG_SIGNED_NONCE_MAX 128

/* How many nonces the store holds unless the settings say otherwise. */
#define TG_SIGNED_NONCES_DEFAULT 200000

/* Why a signed call was refused: dialects whose errors tell the causes
 * apart (Alibaba's do) render them. */
typedef enum {
    TG_AUTH_OK = 0,
    TG_AUTH_EXPIRED,   /* the timestamp is outside the window */
    TG_AUTH_BAD_NONCE, /* empty, or longer than TG_SIGNED_NONCE_MAX */
    TG_AUTH_UNKNOWN_KEY,
    TG_AUTH_NO_SIGNING_SECRET, /* made before schema 2, not used since */
    TG_AUTH_BAD_SIGNATURE,
    TG_AUTH_DISABLED,    /* the key or its account */
    TG_AUTH_NONCE_USED,  /* the key used this nonce within the window */
    TG_AUTH_NONCES_FULL, /* the store is full of live nonces */
    TG_AUTH_WRONG_SCOPE  /* a token used on another account */
} tg_auth_outcome_t;

/* Checks a request's signature with the key's secret: 0 on a match,
 * TG_EUNAUTHENTICATED on a mismatch, or TG_ENOMEM. */
typedef int (*tg_signature_check_pt)(void *data, tg_str_t secret);

/* What a dialect parsed of a signed call. */
typedef struct {
    tg_str_t              key_id;    /* the access key that signed */
    int64_t               timestamp; /* the signed time, Unix ms */
    tg_str_t              nonce;     /* the signed nonce */
    tg_signature_check_pt check;     /* the dialect's signature check */
    void                 *data;      /* check's first argument */
} tg_signed_call_t;

/*
 * Authenticates a signed call, in this order: the timestamp must be
 * within TG_SIGNED_WINDOW_MS of now and the nonce 1 to
 * TG_SIGNED_NONCE_MAX bytes long; the key's secret is opened and
 * call->check verifies the signature with it (the secret is wiped
 * after); the key and its account must be enabled (told only to a call
 * whose signature matched); and the nonce must be new for this key: it
 * is then remembered until the timestamp leaves the window.  Only a call
 * that got this far records its nonce, so that a stranger can neither
 * fill the store nor burn a key's nonces.
 *
 * On success fills actor as tg_service_authenticate() does.  A refusal
 * is TG_EUNAUTHENTICATED with *outcome telling why; an unknown key, a
 * key without a sealed secret, a wrong signature and a disabled key or
 * account are audited as "auth.failure".  A full nonce store is TG_EBUSY
 * with *outcome TG_AUTH_NONCES_FULL: it refuses rather than forgets.
 * Other errors (outcome TG_AUTH_OK): TG_ENOMEM, TG_ESTORE, TG_EBUSY,
 * TG_ESEALED, TG_EINTERNAL.
 */
int tg_service_authenticate_signed(tg_service_t           *svc,
                                   const tg_signed_call_t *call,
                                   tg_actor_t             *actor,
                                   tg_auth_outcome_t *outcome, tg_error_t *err);

/*
 * Management tokens (service_tokens.c), for dialects whose clients trade
 * an access key for a bearer token (Authing's get-management-token).  A
 * token is bound to the access key and its account, and expires.
 */

#define TG_TOKEN_MAX     1024  /* the longest token accepted */
#define TG_TOKEN_TTL_MAX 86400 /* the longest life of one, in seconds */

/*
 * Authenticates key_id and secret as tg_service_authenticate() does
 * (filling actor) and appends a token for them to token, which expires
 * after ttl_seconds (1 to TG_TOKEN_TTL_MAX, else TG_EINVALID); sets
 * *expires_at (Unix ms).  Audited as "token.issue".  Errors: those of
 * tg_service_authenticate(), TG_ENOMEM, TG_EINTERNAL, store errors; on
 * error token is wiped.
 */
int tg_service_token_issue(tg_service_t *svc, tg_str_t key_id, tg_str_t secret,
                           int64_t ttl_seconds, tg_actor_t *actor,
                           tg_buf_t *token, int64_t *expires_at,
                           tg_error_t *err);

/*
 * Authenticates a call that carries token and names account (the pool
 * it acts on): the token must be one this keyring signed, unexpired, and
 * bound to account; its access key and account must exist and be
 * enabled.  On success fills actor with the key and account, never as
 * an admin: a token acts within its account.  A refusal is
 * TG_EUNAUTHENTICATED with *outcome TG_AUTH_BAD_SIGNATURE (not a token
 * of ours), TG_AUTH_EXPIRED, TG_AUTH_WRONG_SCOPE, TG_AUTH_UNKNOWN_KEY or
 * TG_AUTH_DISABLED, audited as "auth.failure" but for an expired token.
 * Other errors: TG_ENOMEM, store errors.
 */
int tg_service_authenticate_token(tg_service_t *svc, tg_str_t token,
                                  tg_str_t account, tg_actor_t *actor,
                                  tg_auth_outcome_t *outcome, tg_error_t *err);

/*
 * Per-action call rates (service_rate.c).  Vendors document a rate per
 * API action and account (Tencent: 20 requests per second for each app
 * action); the dialect names the action, the core keeps the buckets.
 */

/* Calls of one action per second per account, and the burst. */
#define TG_ACTION_RATE_PER_SECOND 20

/* The longest action name a bucket is kept under, in bytes. */
#define TG_ACTION_RATE_NAME_MAX 63

/*
 * Takes one call of action (a vendor action name, at most
 * TG_ACTION_RATE_NAME_MAX bytes) from the bucket of actor's account
 * for that action: TG_ACTION_RATE_PER_SECOND calls a second, as many at
 * once.  Returns 0, TG_ERATE_LIMITED (err->retry_after set), TG_EINVALID
 * for an empty or too long name, or TG_ENOMEM.
 */
int tg_service_action_rate_take(tg_service_t *svc, const tg_actor_t *actor,
                                const char *action, tg_error_t *err);

/*
 * Signed calls whose vendor sets another clock window than
 * TG_SIGNED_WINDOW_MS (Tencent's TC3: 5 minutes): the same as
 * tg_service_authenticate_signed() with window_ms (1 ms to
 * TG_SIGNED_WINDOW_MS; other values are TG_EINVALID) for the timestamp
 * and for how long the nonce is remembered.
 */
int tg_service_authenticate_signed_within(tg_service_t           *svc,
                                          const tg_signed_call_t *call,
                                          int64_t window_ms, tg_actor_t *actor,
                                          tg_auth_outcome_t *outcome,
                                          tg_error_t        *err);

/*
 * Console sessions (service_sessions.c).  A person signs in to the web
 * console with an access key once; the key's secret is checked and
 * forgotten, and the browser holds a random session id (in an HttpOnly
 * cookie) instead.  A session acts as its access key: every call it
 * makes is authorized as the key's own, and a key or account disabled
 * or deleted ends its sessions at their next call.  Sessions live in
 * memory and end with tollgated.  A session also holds a CSRF token,
 * which every state-changing call must echo (the dialect carries it).
 */

#define TG_SESSION_ID_LEN   43 /* base64url of 32 random bytes */
#define TG_SESSION_CSRF_LEN 43
#define TG_SESSIONS_MAX     4096 /* at once; the least recently used goes */

/* Failed sign-ins per client address: a burst, then one per interval. */
#define TG_SIGNIN_FAILURE_BURST 10
#define TG_SIGNIN_FAILURE_EVERY 6 /* seconds */

/* Lifetimes when the settings give none, in seconds. */
#define TG_SESSION_LIFE_DEFAULT (8 * 3600)
#define TG_SESSION_IDLE_DEFAULT (30 * 60)

typedef struct {
    char    id[TG_SESSION_ID_LEN + 1];     /* only from create */
    char    csrf[TG_SESSION_CSRF_LEN + 1]; /* the token calls must echo */
    int64_t created_at;                    /* Unix ms */
    int64_t expires_at;                    /* the absolute end, Unix ms */
    int64_t idle_seconds;                  /* ends unused this long */
} tg_session_t;

/*
 * Sets how long a session lives at most and unused (seconds, >= 1; 0
 * keeps the default).  Call before serving.
 */
void tg_service_session_limits(tg_service_t *svc, int64_t life_seconds,
                               int64_t idle_seconds);

/*
 * Signs in: authenticates key_id and secret as tg_service_authenticate()
 * does (filling actor; a failure is audited as "auth.failure") and makes
 * a session for the key, audited as "session.create".  Failed sign-ins
 * are counted per actor->source: past TG_SIGNIN_FAILURE_BURST of them,
 * one more is allowed every TG_SIGNIN_FAILURE_EVERY seconds, and other
 * attempts get TG_ERATE_LIMITED (err->retry_after set) before any check.
 * Errors: TG_EUNAUTHENTICATED, TG_ERATE_LIMITED, TG_ENOMEM, TG_EBUSY,
 * store errors.  out is wiped on error.
 */
int tg_service_session_create(tg_service_t *svc, tg_str_t key_id,
                              tg_str_t secret, tg_actor_t *actor,
                              tg_session_t *out, tg_error_t *err);

/*
 * Authenticates a call that carries session id: the session must exist
 * and be within its life and idle time, its key and the key's account
 * enabled; a call that changes state (unsafe) must carry the session's
 * CSRF token in csrf.  On success fills actor as
 * tg_service_authenticate() does, renews the idle time and, if out is
 * not NULL, copies the session there (without its id).  A refusal is
 * TG_EUNAUTHENTICATED (no such session, ended, key gone or disabled) or
 * TG_EFORBIDDEN (the CSRF token is missing or wrong), with a message.
 */
int tg_service_session_authenticate(tg_service_t *svc, tg_str_t id, int unsafe,
                                    tg_str_t csrf, tg_actor_t *actor,
                                    tg_session_t *out, tg_error_t *err);

/*
 * Signs out: ends session id, which authenticated actor; audited as
 * "session.delete".  Returns 0 even if it had already ended.
 */
int tg_service_session_delete(tg_service_t *svc, tg_str_t id,
                              const tg_actor_t *actor, tg_error_t *err);

/*
 * What actor's key may do, for a user interface that hides the controls
 * it may not use: allowed[a] is 1 if tg_authorize_may() holds for action
 * a on its own account's resources, else 0.  Nothing is read or audited;
 * every call is still authorized on its own.
 */
void tg_service_permissions(tg_service_t *svc, const tg_actor_t *actor,
                            unsigned char allowed[TG_ACTION_COUNT]);

/* Apps.  ref is an app's id, or its numeric AppId in decimal. */
int tg_service_app_create(tg_service_t *svc, const tg_actor_t *actor,
                          const tg_app_spec_t *spec, tg_app_view_t *out,
                          tg_error_t *err);
int tg_service_app_get(tg_service_t *svc, const tg_actor_t *actor, tg_str_t ref,
                       tg_app_view_t *out, tg_error_t *err);
int tg_service_app_list(tg_service_t *svc, const tg_actor_t *actor,
                        const tg_app_filter_t *filter, tg_app_view_t **items,
                        size_t *n, int64_t *total, tg_error_t *err);
/*
 * A page of tg_service_app_list() that also pages by keyset: with cursor
 * (a NULL ptr: none) the page starts after the row it names, in
 * O(log n) however deep; offset must then be 0.  A cursor that is not
 * one, or was made for another filter, order or account (it carries a
 * MAC of them under the keyring's index key), is TG_EBAD_REQUEST on
 * TG_FIELD_CURSOR.  next receives the cursor of the page after this one,
 * or "" if this is the last.  Rows that exist throughout a walk are each
 * given once, whatever is inserted or deleted between pages.
 */
int tg_service_app_list_page(tg_service_t *svc, const tg_actor_t *actor,
                             const tg_app_filter_t *filter, tg_str_t cursor,
                             tg_app_view_t **items, size_t *n, int64_t *total,
                             char        next[TG_LIST_CURSOR_LEN + 1],
                             tg_error_t *err);
int tg_service_app_update(tg_service_t *svc, const tg_actor_t *actor,
                          tg_str_t ref, const tg_app_spec_t *patch,
                          unsigned set, tg_app_view_t *out, tg_error_t *err);
int tg_service_app_delete(tg_service_t *svc, const tg_actor_t *actor,
                          tg_str_t ref, tg_error_t *err);

/*
 * Changes the tags of n apps in one transaction, all of them or none:
 * sets the tags in set (a key already there takes the new value), and
 * removes the keys in remove, or every tag first if remove_all.  An app
 * would hold more than 20 tags: TG_EINVALID.  Counts as one app write.
 */
int tg_service_app_tags_change(tg_service_t *svc, const tg_actor_t *actor,
                               const tg_str_t *refs, size_t n,
                               const tg_tag_spec_t *set, size_t nset,
                               const tg_str_t *remove, size_t nremove,
                               int remove_all, tg_error_t *err);

/*
 * Rotates a key pair's secret (and optionally its AppKey).  With ref
 * NULL, spec->key must name the pair by its AppKey and the app is the
 * one that holds it.  out receives the new AppKey and secret in clear.
 */
int tg_service_secret_reset(tg_service_t *svc, const tg_actor_t *actor,
                            tg_str_t ref, const tg_reset_spec_t *spec,
                            tg_key_view_t *out, tg_error_t *err);

/* Every key pair and AppCode of an app in clear.  Audited. */
int tg_service_secret_reveal(tg_service_t *svc, const tg_actor_t *actor,
                             tg_str_t ref, tg_app_view_t *out, tg_error_t *err);

/*
 * An app's credentials of one kind (key pairs, AppCodes), with that
 * kind's rules (daemon/service/service_creds.c): formats, uniqueness,
 * the per-app limit, what a reset keeps, the primary.  name is the
 * credential's id (or a key pair's AppKey; NULL: the primary one); with
 * by_value it is the credential's value (a key pair's AppKey, an AppCode
 * itself, never audited as a target), and with ref NULL the app is the
 * one in the caller's reach that holds it.  A credential out of reach,
 * or not the app's, is the kind's not-found error.  out receives the
 * secret in clear for add and reset, masked for the others.
 */
int tg_service_cred_add(tg_service_t *svc, const tg_actor_t *actor,
                        tg_cred_kind_t kind, tg_str_t ref,
                        const tg_cred_spec_t *spec, tg_cred_view_t *out,
                        tg_error_t *err);
int tg_service_cred_list(tg_service_t *svc, const tg_actor_t *actor,
                         tg_cred_kind_t kind, tg_str_t ref,
                         tg_cred_view_t **items, size_t *n, tg_error_t *err);
int tg_service_cred_reset(tg_service_t *svc, const tg_actor_t *actor,
                          tg_cred_kind_t kind, tg_str_t ref, tg_str_t name,
                          int by_value, const tg_cred_spec_t *spec,
                          tg_cred_view_t *out, tg_error_t *err);
/* For kinds with a primary one; others: TG_EINVALID. */
int tg_service_cred_make_primary(tg_service_t *svc, const tg_actor_t *actor,
                                 tg_cred_kind_t kind, tg_str_t ref,
                                 tg_str_t name, tg_cred_view_t *out,
                                 tg_error_t *err);
int tg_service_cred_delete(tg_service_t *svc, const tg_actor_t *actor,
                           tg_cred_kind_t kind, tg_str_t ref, tg_str_t name,
                           int by_value, tg_error_t *err);

/* The API registry.  api is an API's id or its name. */
int tg_service_api_create(tg_service_t *svc, const tg_actor_t *actor,
                          const tg_api_spec_t *spec, tg_api_t *out,
                          tg_error_t *err);
int tg_service_api_get(tg_service_t *svc, const tg_actor_t *actor, tg_str_t api,
                       tg_api_t *out, tg_error_t *err);
int tg_service_api_list(tg_service_t *svc, const tg_actor_t *actor,
                        tg_str_t account_id, int64_t limit, int64_t offset,
                        tg_api_t **items, size_t *n, int64_t *total,
                        tg_error_t *err);
int tg_service_api_update(tg_service_t *svc, const tg_actor_t *actor,
                          tg_str_t api, const tg_api_spec_t *patch,
                          unsigned set, tg_api_t *out, tg_error_t *err);
int tg_service_api_delete(tg_service_t *svc, const tg_actor_t *actor,
                          tg_str_t api, tg_error_t *err);

/* Grants.  *created tells a new grant from an updated one. */
int tg_service_grant_put(tg_service_t *svc, const tg_actor_t *actor,
                         tg_str_t ref, tg_str_t api,
                         const tg_grant_spec_t *spec, tg_grant_t *out,
                         int *created, tg_error_t *err);
/* Revokes the grant on one stage, or on every stage if stage is NULL. */
int tg_service_grant_delete(tg_service_t *svc, const tg_actor_t *actor,
                            tg_str_t ref, tg_str_t api, tg_str_t stage,
                            tg_error_t *err);
/*
 * The APIs of the registry that an app (ref) is not granted on stage, by
 * name: one page (limit 1 to TG_PAGE_SIZE_LIMIT), and in *total how many.
 * An invalid stage or page: TG_EINVALID.
 */
int tg_service_api_list_ungranted(tg_service_t *svc, const tg_actor_t *actor,
                                  tg_str_t ref, tg_str_t stage, int64_t limit,
                                  int64_t offset, tg_api_t **items, size_t *n,
                                  int64_t *total, tg_error_t *err);

/*
 * Revokes one grant named by its id (Huawei's app-auth id).  A grant whose
 * app is out of the caller's reach is TG_EGRANT_NOT_FOUND.
 */
int tg_service_grant_delete_by_id(tg_service_t *svc, const tg_actor_t *actor,
                                  tg_str_t id, tg_error_t *err);

/*
 * Grants (or revokes, on one stage or, with stage NULL, on every stage)
 * on n (app, API) pairs, apps[i] with apis[i], in one transaction: all
 * of them or, at the first failure, none.  Audited as one event.
 */
int tg_service_grants_put(tg_service_t *svc, const tg_actor_t *actor,
                          const tg_str_t *apps, const tg_str_t *apis, size_t n,
                          const tg_grant_spec_t *spec, tg_error_t *err);
int tg_service_grants_delete(tg_service_t *svc, const tg_actor_t *actor,
                             const tg_str_t *apps, const tg_str_t *apis,
                             size_t n, tg_str_t stage, tg_error_t *err);

/*
 * The grants of an app (by API name, then stage), or on an API (by app
 * name, then stage; only those of the caller's own apps unless it is an
 * admin), that filter selects (NULL: all), one page of them, and in
 * *total how many it selects in all.  Of the filter, only app_number,
 * app_name, stage (any case), limit (0: no limit, else at most
 * TG_PAGE_SIZE_MAX) and offset are read.  A stage or page that breaks
 * these rules: TG_EINVALID.
 */
int tg_service_grant_list_by_app(tg_service_t *svc, const tg_actor_t *actor,
                                 tg_str_t ref, const tg_grant_filter_t *filter,
                                 tg_grant_t **items, size_t *n, int64_t *total,
                                 tg_error_t *err);
int tg_service_grant_list_by_api(tg_service_t *svc, const tg_actor_t *actor,
                                 tg_str_t api, const tg_grant_filter_t *filter,
                                 tg_grant_t **items, size_t *n, int64_t *total,
                                 tg_error_t *err);

/* Accounts.  account is an account's id or its name. */
int tg_service_account_create(tg_service_t *svc, const tg_actor_t *actor,
                              const tg_account_spec_t *spec, tg_account_t *out,
                              tg_error_t *err);
int tg_service_account_get(tg_service_t *svc, const tg_actor_t *actor,
                           tg_str_t account, tg_account_t *out,
                           tg_error_t *err);
int tg_service_account_list(tg_service_t *svc, const tg_actor_t *actor,
                            int64_t limit, int64_t offset, tg_account_t **items,
                            size_t *n, int64_t *total, tg_error_t *err);
int tg_service_account_update(tg_service_t *svc, const tg_actor_t *actor,
                              tg_str_t account, const tg_account_spec_t *patch,
                              unsigned set, tg_account_t *out, tg_error_t *err);
int tg_service_account_delete(tg_service_t *svc, const tg_actor_t *actor,
                              tg_str_t account, tg_error_t *err);

/* Access keys.  The secret is returned once, by create, in secret_out. */
int tg_service_access_key_create(tg_service_t *svc, const tg_actor_t *actor,
                                 tg_str_t                    account,
                                 const tg_access_key_spec_t *spec,
                                 tg_access_key_t            *out,
                                 char secret_out[TG_ACCESS_KEY_SECRET_MAX + 1],
                                 tg_error_t *err);
int tg_service_access_key_list(tg_service_t *svc, const tg_actor_t *actor,
                               tg_str_t account, tg_access_key_t **items,
                               size_t *n, tg_error_t *err);
int tg_service_access_key_get(tg_service_t *svc, const tg_actor_t *actor,
                              tg_str_t account, tg_str_t key_id,
                              tg_access_key_t *out, tg_error_t *err);
int tg_service_access_key_update(tg_service_t *svc, const tg_actor_t *actor,
                                 tg_str_t account, tg_str_t key_id,
                                 const tg_access_key_spec_t *patch,
                                 unsigned set, tg_access_key_t *out,
                                 tg_error_t *err);
int tg_service_access_key_delete(tg_service_t *svc, const tg_actor_t *actor,
                                 tg_str_t account, tg_str_t key_id,
                                 tg_error_t *err);

/* Audit events, newest first; a non-admin sees only its account's. */
int tg_service_audit_list(tg_service_t *svc, const tg_actor_t *actor,
                          const tg_audit_filter_t *filter,
                          tg_audit_event_t **items, size_t *n, int64_t *total,
                          tg_error_t *err);


/*
 * The data plane's feed.  The projection follows the change log: it asks
 * for the changes after the last one it applied, and gets, read in one
 * snapshot, the current state of every app they concern, with secrets in
 * clear (the projection re-seals them under its own key).
 */
typedef struct {
    char        id[TG_ID_LEN + 1];
    int         exists; /* 0: the app was deleted */
    tg_app_t    app;
    tg_cred_t  *pairs;        /* its key pairs */
    char      **secrets;      /* per pair: the current secret */
    char      **prev_secrets; /* per pair: the one in grace, or NULL */
    size_t      npairs;
    char      **codes;     /* AppCodes in clear */
    int64_t    *codes_set; /* per code: when it was set (its age's start) */
    size_t      ncodes;
    tg_grant_t *grants; /* with their API names */
    size_t      ngrants;
    int64_t     max_secret_age; /* its account's, in seconds; 0: none */
} tg_dp_app_t;

typedef int (*tg_dp_apply_pt)(void *data, int64_t seq, const tg_dp_app_t *apps,
                              size_t n);

/*
 * Reads at most limit changes after *seq and calls apply with the apps
 * they concern and the seq of the last one; then sets *seq to it.  With
 * no new change, apply is not called.  *more is set when limit changes
 * were read.  Returns 0, apply's error, or a store error.
 */
int tg_service_dp_changes(tg_service_t *svc, int64_t *seq, int64_t limit,
                          tg_dp_apply_pt apply, void *data, int *more,
                          tg_error_t *err);

/*
 * Whether the change log still holds every change after seq (the
 * projection's position): *rebuild is set when the log was pruned past
 * it (the janitor, store_log.c), or when the store's newest change is
 * older than it (a store restored from a backup, or another store).
 * Checked after reading the changes, it also covers a prune that ran
 * meanwhile.  Returns 0 or a store error.
 */
int tg_service_dp_log_check(tg_service_t *svc, int64_t seq, int *rebuild,
                            int64_t *horizon, int64_t *latest, tg_error_t *err);

/*
 * Feeds the projection every app of the store, for a rebuild: reads the
 * newest seq first (*seq), then the apps in pages of limit, by id, each
 * page in a read transaction of its own, and calls apply with each page
 * and *seq (at least once, with no app if there is none).  Apps that
 * change meanwhile are read in a later state, which the changes after
 * *seq bring again: the projection, once it applies them, is exact.
 * Returns 0, apply's error, or a store error.
 */
int tg_service_dp_rebuild(tg_service_t *svc, int64_t limit,
                          tg_dp_apply_pt apply, void *data, int64_t *seq,
                          tg_error_t *err);

/*
 * Calls fn(data) after every committed write, from the writing thread;
 * fn must be quick and thread-safe.  One observer; NULL removes it.
 */
void tg_service_on_commit(tg_service_t *svc, void (*fn)(void *data),
                          void         *data);

/*
 * The data plane projection's health, as its keeper (the projector)
 * reports it, with the store's newest change added by the service.
 */
typedef struct {
    int     reported;      /* 0: no reporter is set, the rest is 0 */
    int64_t applied_seq;   /* the last change the projection holds */
    int64_t latest_seq;    /* the store's newest change */
    int64_t last_sync_at;  /* Unix ms of the last sync that succeeded, 0 */
    int64_t failing_since; /* Unix ms the current failure began, 0: none */
    int64_t failures;      /* syncs failed in a row */
    char    error[256];    /* the last failure, "" when none */
    int     store_down;    /* the store's newest seq could not be read */
} tg_dp_health_t;

typedef void (*tg_dp_health_pt)(void *data, tg_dp_health_t *out);

/*
 * Sets who reports the projection's health; fn must be quick and
 * thread-safe.  One reporter; NULL removes it.  Set before serving.
 */
void tg_service_on_dp_health(tg_service_t *svc, tg_dp_health_pt fn, void *data);

/*
 * Fills h with the reporter's state and the store's newest seq (read
 * after it, so latest_seq >= applied_seq).  A store that does not
 * answer is part of the health, not a failure to report it: then
 * h->store_down is set and latest_seq is applied_seq.  Returns 0.
 */
int tg_service_dp_health(tg_service_t *svc, tg_dp_health_t *h, tg_error_t *err);

/* "failing" (the last sync failed), "lagging" (changes left to apply)
 * or "ok". */
const char *tg_dp_health_status(const tg_dp_health_t *h);


/*
 * Operations' metrics (service_metrics.c).  The occupancy of the
 * service's bounded in-memory tables, read under their locks.
 */
typedef struct {
    uint64_t signed_nonces;     /* nonces the signed-call store holds */
    uint64_t signed_nonces_max; /* its capacity */
    uint64_t write_buckets;     /* per-account app-write rate buckets */
    uint64_t action_buckets;    /* per-(account, action) rate buckets */
} tg_service_occupancy_t;

void tg_service_occupancy(tg_service_t *svc, tg_service_occupancy_t *out);

/*
 * Decides whether actor may read the operations' metrics (the action
 * apigateway:DescribeMetrics on acs:apigateway:<region>:*:metrics, any id): an
 * admin key may.  Returns 0 or TG_EFORBIDDEN with a message in err.
 */
int tg_service_metrics_authorize(tg_service_t *svc, const tg_actor_t *actor,
                                 tg_error_t *err);

/*
 * Access-control policies (service_policies.c, docs/access-control.md).
 * account is an account's id or name ("" or a NULL ptr: the caller's);
 * name a policy's.  Named policies are an account's; built-in ones
 * (TollgateFullAccess, TollgateReadOnlyAccess,
 * TollgateCredentialOperator) can be attached but not changed.  A
 * document is refused with TG_EINVALID on TG_FIELD_DOCUMENT, its detail
 * naming the statement and field ("Statement[1].Action[0]: ...").
 * Records are the caller's to free (tg_policy_record_free(),
 * tg_policy_record_list_free(), tg_key_policy_list_free()).
 */

/* Validates a document.  Returns 0, TG_EINVALID or TG_ENOMEM. */
int tg_service_policy_validate(tg_str_t document, tg_error_t *err);

/* Errors: TG_EINVALID, TG_EPOLICY_NAME_TAKEN, TG_EACCOUNT_NOT_FOUND,
 * TG_EFORBIDDEN, store errors. */
int tg_service_policy_create(tg_service_t *svc, const tg_actor_t *actor,
                             tg_str_t account, tg_str_t name,
                             tg_str_t description, tg_str_t document,
                             tg_policy_record_t *out, tg_error_t *err);
/* The built-in policies (account_id "") and then the account's. */
int tg_service_policy_list(tg_service_t *svc, const tg_actor_t *actor,
                           tg_str_t account, tg_policy_record_t **items,
                           size_t *n, tg_error_t *err);
int tg_service_policy_get(tg_service_t *svc, const tg_actor_t *actor,
                          tg_str_t account, tg_str_t name,
                          tg_policy_record_t *out, tg_error_t *err);
/* description, document: a NULL ptr keeps it. */
int tg_service_policy_update(tg_service_t *svc, const tg_actor_t *actor,
                             tg_str_t account, tg_str_t name,
                             tg_str_t description, tg_str_t document,
                             tg_policy_record_t *out, tg_error_t *err);
/* TG_ECONFLICT while a key has it attached. */
int tg_service_policy_delete(tg_service_t *svc, const tg_actor_t *actor,
                             tg_str_t account, tg_str_t name, tg_error_t *err);

/* Attaches to the access key key_id of account a named policy
 * (document a NULL ptr: the account's or a built-in one) or an inline
 * one named name.  At most TG_KEY_POLICIES_MAX (TG_ECONFLICT). */
int tg_service_key_policy_attach(tg_service_t *svc, const tg_actor_t *actor,
                                 tg_str_t account, tg_str_t key_id,
                                 tg_str_t name, tg_str_t document,
                                 tg_error_t *err);
int tg_service_key_policy_detach(tg_service_t *svc, const tg_actor_t *actor,
                                 tg_str_t account, tg_str_t key_id,
                                 tg_str_t name, tg_error_t *err);
/* The key's policies with their documents. */
int tg_service_key_policy_list(tg_service_t *svc, const tg_actor_t *actor,
                               tg_str_t account, tg_str_t key_id,
                               tg_key_policy_t **items, size_t *n,
                               tg_error_t *err);

/* What the simulator answers. */
typedef struct {
    int                allowed;      /* role_allows and the policies do */
    int                role_allows;  /* admin key, or its own account */
    int                has_policies; /* else the role alone decides */
    tg_policy_effect_t effect;       /* the policies' decision */
    const char        *action;       /* its canonical name */
    char               policy[TG_POLICY_NAME_MAX + 1]; /* deciding, or "" */
    size_t             statement;
    char               sid[TG_POLICY_SID_MAX + 1];
} tg_policy_check_t;

/*
 * The simulator: would the access key key_id (of account) be allowed
 * action (a canonical name) on resource (an ARN) in ctx?  Evaluates as
 * tg_authorize() does, with ctx's address, time and transport.  Errors:
 * TG_EINVALID (an unknown action, a resource that is no ARN), those of a
 * key lookup.
 */
int tg_service_policy_check(tg_service_t *svc, const tg_actor_t *actor,
                            tg_str_t account, tg_str_t key_id, tg_str_t action,
                            tg_str_t resource, const tg_policy_context_t *ctx,
                            tg_policy_check_t *out, tg_error_t *err);

#endif /* TOLLGATE_SERVICE_H */
