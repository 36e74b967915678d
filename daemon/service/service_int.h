/*
 * The core service's private helpers, shared by service_*.c.
 */

#ifndef TOLLGATE_SERVICE_INT_H
#define TOLLGATE_SERVICE_INT_H

#include <pthread.h>

#include "tollgate/nonce.h"
#include "tollgate/ratelimit.h"
#include "service/service.h"


typedef struct {
    char        account_id[TG_ID_LEN + 1];
    tg_bucket_t bucket;
} tg_account_bucket_t;

/* The console's sessions and its sign-in buckets (service_sessions.c). */
typedef struct tg_session_table_s tg_session_table_t;

/* Frees the table, wiping the sessions; t may be NULL. */
void tg_session_table_destroy(tg_session_table_t *t);

typedef struct {
    char        account_id[TG_ID_LEN + 1];
    char        action[TG_ACTION_RATE_NAME_MAX + 1];
    tg_bucket_t bucket;
} tg_action_bucket_t;

/* The limits, which a reload replaces while requests read them: read
 * through tg_service_limits(), under lock, never in place. */
typedef struct {
    pthread_mutex_t     lock;
    tg_service_limits_t now;
} tg_limits_box_t;

struct tg_service_s {
    tg_store_t         *store;
    const tg_keyring_t *keyring;
    tg_limits_box_t    *limits;
    char                region[TG_REGION_MAX + 1]; /* in resource names */

    void (*on_commit)(void *data); /* set before serving, then read only */
    void           *on_commit_data;
    tg_dp_health_pt on_dp_health; /* likewise */
    void           *on_dp_health_data;

    pthread_mutex_t      lock; /* guards buckets */
    tg_account_bucket_t *buckets;
    size_t               nbuckets;
    size_t               cap;

    tg_action_bucket_t *action_buckets; /* guarded by lock */
    size_t              naction_buckets;
    size_t              action_cap;

    pthread_mutex_t   nonce_lock; /* guards nonces */
    tg_nonce_cache_t *nonces;     /* of signed calls (service_signed.c) */

    pthread_mutex_t     session_lock; /* guards sessions */
    tg_session_table_t *sessions; /* console sessions (service_sessions.c) */
};

/* Sealing contexts and index domains: a sealed value is bound to the
 * kind and id of the row that holds it. */
#define TG_SEAL_KEY_PAIR  "key_pair:"
#define TG_SEAL_APP_CODE  "app_code:"
#define TG_SEAL_ACCESS    "access_key:"
#define TG_INDEX_APP_CODE "app_code"
#define TG_INDEX_ACCESS   "access_key"


/*
 * Starts the audit event of action on a target of target_type: it records
 * the action's event name ("app.create") and its canonical name.
 */
void tg_audit_begin(tg_audit_event_t *ev, const tg_actor_t *actor,
                    tg_action_t action, const char *target_type,
                    tg_str_t target);

/*
 * The same, naming the event: for events that are no action, such as
 * "auth.failure" (their canonical name stays empty).
 */
void tg_audit_start(tg_audit_event_t *ev, const tg_actor_t *actor,
                    const char *event, const char *target_type,
                    tg_str_t target);

/* Notes the app an event concerns (and its account). */
void tg_audit_app(tg_audit_event_t *ev, const tg_app_t *app);

/* Sets the event's detail to a JSON object text. */
void tg_audit_detail(tg_audit_event_t *ev, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Sets ev's detail to {"reason": reason}, cut to fit as valid JSON. */
void tg_audit_reason(tg_audit_event_t *ev, const char *reason);

/*
 * Records a failed event in a transaction of its own, makes sure *err
 * carries rc, and returns rc.  Call it after rolling back.
 */
int tg_audit_failure(tg_service_t *svc, tg_audit_event_t *ev, int rc,
                     tg_error_t *err);

/* Appends one row to the change log in t. */
int tg_change(tg_txn_t *t, const char *entity, const char *id, const char *app,
              const char *op);

/*
 * Loads the app that ref names (its id or numeric AppId) and asks the
 * authorizer whether actor may do action on it.  An app that does not
 * exist, or that actor may not reach, is TG_EAPP_NOT_FOUND; other
 * refusals are the authorizer's.  On error app is left empty.
 */
/*
 * In t, gives app's primary credential of kind the key and/or secret
 * given (a NULL ptr keeps it; both checked by the caller), with no grace
 * for the replaced ones.  A key in use elsewhere: the kind's taken error.
 */
int tg_cred_primary_set(tg_service_t *svc, tg_txn_t *t, const char *app,
                        tg_cred_kind_t kind, tg_str_t key, tg_str_t secret,
                        tg_error_t *err);

int tg_app_authorize_load(const tg_service_t *svc, tg_txn_t *t,
                          const tg_actor_t *actor, tg_action_t action,
                          tg_str_t ref, tg_app_t *app, tg_error_t *err);

/*
 * In t, reads the credential policy of the account account_id into out
 * (cred_policy.h).  Returns 0, or a store error (in err).
 */
int tg_account_policy(tg_txn_t *t, const char *account_id,
                      tg_cred_policy_t *out, tg_error_t *err);

/* Seals a secret for the row context:id into a malloc'd string. */
int tg_seal_for(const tg_service_t *svc, const char *context, const char *id,
                tg_str_t secret, char **sealed);

/* Opens a secret sealed for context:id into a malloc'd string. */
int tg_unseal_for(const tg_service_t *svc, const char *context, const char *id,
                  const char *sealed, char **secret);

/* Frees a string that held a secret, wiping it first. */
void tg_secret_free(char *secret);

/*
 * Takes a token from the account's app-write bucket.  Returns 0 or
 * TG_ERATE_LIMITED (with err->retry_after set).
 */
int tg_rate_take(tg_service_t *svc, const char *account_id, tg_error_t *err);

/* Fill a view from a stored key pair or AppCode: the secret masked, or
 * in clear if reveal is set.  known, if its ptr is set, is the secret that
 * was just sealed into the credential, used instead of opening it again. */
int tg_key_view_fill(const tg_service_t *svc, const tg_cred_t *kp,
                     tg_str_t known, int reveal, tg_key_view_t *view);
int tg_code_view_fill(const tg_service_t *svc, const tg_cred_t *code,
                      tg_str_t known, int reveal, tg_code_view_t *view);


#define TG_CRED_NO_LIMIT ((size_t) -1)

/*
 * A credential kind's rules: one entry of tg_cred_kinds
 * (service_creds.c) per tg_cred_kind_t.  The operations in
 * service_secrets.c read everything that differs between kinds from here.
 */
typedef struct tg_cred_rules_s tg_cred_rules_t;

struct tg_cred_rules_s {
    tg_cred_kind_t kind; /* its store table */
    const char    *name; /* change-log entity and audit target type */
    const char    *seal; /* sealing context of its secret */

    /* The index domain of a kind named by its secret (found through the
     * secret's hash), else NULL. */
    const char *index;

    const tg_cred_format_t *key;          /* its public key, or NULL */
    const tg_cred_format_t *secret;       /* its secret */
    tg_field_t              name_field;   /* the field that names one */
    tg_field_t              secret_field; /* the field of its secret */

    int not_found; /* TG_E* */
    int taken;     /* TG_E*: its name is in use */
    int too_many;  /* TG_E*: past max_per_app */
    int last;      /* TG_E*: deleting the last one; 0: an app may hold none */

    const char *one;  /* "a key pair", in error details */
    const char *many; /* "key pairs" */

    /* Limits: offsets in tg_service_limits_t of the most an app may hold,
     * and of the seconds between resets of one (or TG_CRED_NO_LIMIT). */
    size_t max_per_app;
    size_t reset_interval;

    int grace;   /* a reset may keep the replaced key and secret valid */
    int primary; /* one of an app's is its primary one */

    /* What each operation on the kind is, to the authorizer and the
     * audit trail. */
    tg_action_t action_create;
    tg_action_t action_list;
    tg_action_t action_update;
    tg_action_t action_reset;
    tg_action_t action_delete;

    /* Fills view's member of the kind from c: the secret masked, or in
     * clear if reveal; known as for tg_key_view_fill(). */
    int (*view_fill)(const tg_service_t *svc, const tg_cred_t *c,
                     tg_str_t known, int reveal, tg_cred_view_t *view);
    size_t view_at;   /* offsetof(tg_cred_view_t, that member) */
    size_t view_size; /* and its size */

    /* Hands an app's n views, revealed, to app (which takes them). */
    int (*attach)(const tg_cred_rules_t *kind, tg_app_view_t *app,
                  tg_cred_view_t *items, size_t n);
};

extern const tg_cred_rules_t tg_cred_kinds[TG_CRED_KINDS];

/* The value of the limit at offset at of svc's limits. */
int64_t tg_cred_limit(const tg_service_t *svc, size_t at);

/* Frees an array of n views of kind's member of tg_cred_view_t (an app
 * view's keys or codes), wiping their secrets.  items may be NULL. */
void tg_cred_members_free(tg_cred_kind_t kind, void *items, size_t n);

/*
 * Makes a credential of kind for app from spec (given values must have
 * passed their rules; absent ones are generated), checked for
 * uniqueness, sealed, stored and logged.  Fills c (the caller frees it)
 * and view, with the secret in clear.
 */
int tg_cred_create(tg_service_t *svc, tg_txn_t *t, const tg_cred_rules_t *kind,
                   const char *app, const tg_cred_spec_t *spec, int64_t now,
                   tg_cred_t *c, tg_cred_view_t *view, tg_error_t *err);

/*
 * A credential made before the transaction that stores it, so that the
 * write's serial part only checks and stores rows: its id, its values
 * (given, or drawn into the buffers), its index hash and its sealed
 * secret.  tg_cred_draft_free() wipes it.
 */
typedef struct {
    tg_cred_t c;      /* id, key or hash, sealed; the rest set at store */
    tg_str_t  key;    /* the public key, if the kind has one */
    tg_str_t  secret; /* the secret in clear */
    int       chosen; /* the caller chose the value that names it */
    char      key_buf[TG_CRED_GENERATED_MAX + 1];
    char      secret_buf[TG_CRED_GENERATED_MAX + 1];
} tg_cred_draft_t;

/* A credential drawn this many times clashes with none, or the store's
 * uniqueness check is broken: the write fails. */
#define TG_CRED_DRAWS 8

/* Fills d from spec for a credential of kind, its random values taken
 * from draw: no store access. */
int  tg_cred_draft(const tg_service_t *svc, const tg_cred_rules_t *kind,
                   const tg_cred_spec_t *spec, tg_draw_t *draw,
                   tg_cred_draft_t *d, tg_error_t *err);
void tg_cred_draft_free(tg_cred_draft_t *d);

/*
 * Stores d in t as app's credential of kind: checks a secret spec chose
 * against policy (the app's account's; NULL: read here), makes sure its
 * name is free (a drawn one is drawn again), inserts it, logs it if
 * logged (an app's create logs the app, which covers it), and fills view
 * with the secret in clear.
 */
int tg_cred_draft_store(tg_service_t *svc, tg_txn_t *t,
                        const tg_cred_rules_t *kind, const char *app,
                        const tg_cred_spec_t   *spec,
                        const tg_cred_policy_t *policy, int logged, int64_t now,
                        tg_cred_draft_t *d, tg_cred_view_t *view,
                        tg_error_t *err);

/*
 * tg_cred_draft_store() for app create, which keeps only the view and
 * logs the app instead: fills member, the kind's member of a
 * tg_cred_view_t (a tg_key_view_t or a tg_code_view_t), left zeroed on
 * failure.
 */
int tg_cred_create_member(tg_service_t *svc, tg_txn_t *t, tg_cred_kind_t kind,
                          const char *app, const tg_cred_spec_t *spec,
                          const tg_cred_policy_t *policy, int64_t now,
                          tg_cred_draft_t *d, void *member, tg_error_t *err);

/* Notes a key's use (service_accounts.c); secret: see there. */
void tg_access_key_touch(tg_service_t *svc, const tg_access_key_t *key,
                         tg_str_t secret);

/*
 * Loads an access key and whether its account is enabled, for signed
 * calls and tokens (service_signed.c).  Returns 0,
 * TG_EACCESS_KEY_NOT_FOUND (also for an id that breaks the id rules or a
 * key whose account is gone), or a store error.
 */
int tg_signed_key_load(tg_service_t *svc, tg_str_t key_id, tg_access_key_t *key,
                       int *account_enabled);

/* Audits a failed authentication of key, or of an unknown key. */
void tg_auth_failure_audit(tg_service_t *svc, tg_actor_t *actor,
                           const tg_access_key_t *key, const char *reason);

/* Begins a transaction, reporting a failure in err. */
int tg_begin(tg_service_t *svc, int write, tg_txn_t *t, tg_error_t *err);

/*
 * The body of an operation: its reads and writes inside transaction t.
 * It notes what the event concerns in ev, and returns 0 or an error
 * (detailed in err).  It never commits or rolls back.
 */
typedef int (*tg_txn_body_pt)(tg_service_t *svc, tg_txn_t *t, void *data,
                              tg_audit_event_t *ev, tg_error_t *err);

/*
 * Runs a mutation: body in one write transaction, committed together with
 * ev as a success; or, when body fails, rolled back, with ev recorded as a
 * failure in a transaction of its own.  Returns body's result, or the
 * store's error.  ev is started by the caller (tg_audit_start()).
 */
int tg_write(tg_service_t *svc, tg_audit_event_t *ev, tg_txn_body_pt body,
             void *data, tg_error_t *err);

/* Looks up the account ref names, its id or else its name, into account
 * (service_accounts.c).  Returns 0, TG_EACCOUNT_NOT_FOUND or a store
 * error. */
int tg_account_lookup(tg_txn_t *t, tg_str_t ref, tg_account_t *account);

/* Runs body in one read transaction (ev is NULL for it); no audit. */
int tg_read(tg_service_t *svc, tg_txn_body_pt body, void *data,
            tg_error_t *err);

/*
 * Loads the policies attached to actor's access key (service_policies.c)
 * into actor->policies (NULL when it has none), after it authenticated.
 * Returns 0, or a store error or TG_ENOMEM with actor's identity
 * cleared: the caller then refuses the call, since the key's
 * power is unknown.
 */
int tg_policies_load(tg_service_t *svc, tg_actor_t *actor, tg_error_t *err);

/* Gives actor the policies items (a key's, as its store lists them; the
 * caller frees them); on failure the actor is left unauthenticated. */
int tg_policies_attach(tg_service_t *svc, tg_actor_t *actor,
                       tg_key_policy_t *items, size_t n, tg_error_t *err);

#endif /* TOLLGATE_SERVICE_INT_H */
