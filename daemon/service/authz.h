/*
 * The authorizer: who may do what, decided in one place.
 *
 * Every service operation, reads included, asks tg_authorize() whether its
 * caller (the actor: access key, account, role, source address) may perform
 * its action on the resource it concerns, before it reads or changes
 * anything of that resource.  No other code in the service decides who may
 * do what.
 *
 * Actions have canonical names in the style of Alibaba Cloud's RAM
 * ("apigateway:ResetAppSecret"), each with an access level (list, get,
 * create, update, delete), in one table below.  The audit trail records the
 * canonical name beside the event's own name ("app.secret.reset").
 *
 * Resources are named like Alibaba's ARNs:
 *
 *     acs:apigateway:<region>:<account>:<type>/<id>
 *
 * with type app (id: the numeric AppId), api (its name), account (its id),
 * accesskey (its id), policy (its name), audit and keyring; "*" stands
 * for an account or id that the request leaves open (a listing, or a create
 * before the id exists).  The region is the service's (TG_REGION_DEFAULT unless
 * set).
 *
 * The role's rules:
 *   - an admin key may do everything;
 *   - a few actions are an admin's only (TG_ACTION_ADMIN);
 *   - any other key acts within its own account, except that the API
 *     registry is a catalogue that every key may read;
 *   - only an admin key may create, change or delete admin keys.
 * A key with policies attached (tollgate/policy.h, docs/access-control.md)
 * may then do only what they allow: its role's rules still bound it.
 *
 * A refusal is TG_EFORBIDDEN, with a message that says which rule refused,
 * unless the resource says otherwise: a resource in an account the caller
 * may not reach reads as not found (tg_resource_t.hidden), so one account
 * is not told what another holds.
 *
 * Nothing here allocates; resources are plain values on the caller's stack.
 */

#ifndef TOLLGATE_AUTHZ_H
#define TOLLGATE_AUTHZ_H

#include <stddef.h>

#include "tollgate/error.h"
#include "tollgate/model.h"
#include "tollgate/policy.h"
#include "tollgate/str.h"


/* Tollgate is one deployment, and so one region, unless a setting names
 * it otherwise (Alibaba's ARNs carry the region id, e.g. cn-hangzhou). */
#define TG_REGION_DEFAULT "local"
#define TG_REGION_MAX     32

/* The most policies one access key may have attached, and the longest
 * name of a policy (letters, digits, '_', '-', '.'). */
#define TG_KEY_POLICIES_MAX 10
#define TG_POLICY_NAME_MAX  64

/* An access key's policies, parsed when the key authenticates.  It is
 * the actor's, which frees it (tg_actor_free()). */
typedef struct tg_policy_set_s tg_policy_set_t;
typedef struct tg_actor_s      tg_actor_t;

struct tg_policy_set_s {
    size_t       n;
    tg_policy_t *items[TG_KEY_POLICIES_MAX];
    char         names[TG_KEY_POLICIES_MAX][TG_POLICY_NAME_MAX + 1];

    /* The first refusal, in this request, of an action that has no audit
     * event of its own (a read): the authorizer notes it, and
     * tg_actor_free() hands it to record (if set), which audits it. */
    char denied_action[TG_AUDIT_ACTION_MAX + 1];
    char denied_resource[TG_AUDIT_TARGET_MAX + 1];
    char denied_reason[TG_ERROR_DETAIL_MAX];
    void (*record)(void *data, const tg_actor_t *actor,
                   const tg_policy_set_t *set);
    void *record_data;
};

/* Who is calling: for authorization and the audit trail. */
struct tg_actor_s {
    char key_id[TG_KEY_ID_MAX + 1]; /* "" until authenticated */
    char account_id[TG_ID_LEN + 1];
    int  admin;
    char request_id[40];
    char source[TG_AUDIT_SOURCE_MAX + 1]; /* the caller's address */

    /* The call came over TLS: the HTTP layer sets it when it can tell;
     * policies see it as acs:SecureTransport. */
    int secure;

    /* The key's policies; NULL: it has none, and its role alone decides
     * (an admin key may do everything).  With policies, the key may do
     * what its role allows and its policies allow. */
    tg_policy_set_t *policies;
};

typedef enum {
    TG_ACCESS_LIST = 0,
    TG_ACCESS_GET,
    TG_ACCESS_CREATE,
    TG_ACCESS_UPDATE,
    TG_ACCESS_DELETE
} tg_access_level_t;

/* Action flags. */
#define TG_ACTION_ADMIN 0x01u /* an admin key's only */

/*
 * Every action: XX(id, canonical name, access level, the resource it is
 * authorized on (after "acs:apigateway:<region>:<account>:"), audit event
 * name or NULL for reads that are not audited, flags).  Each core operation
 * maps to one action, whichever dialect calls it (Alibaba's SetApisAuthorities
 * and UntagResources run the same operations as SetAppsAuthorities and
 * TagResources).  Event names are those the audit trail has always
 * recorded; clients read them.
 */
/* clang-format off */
#define TG_ACTION_MAP(XX)                                                     \
    XX(CREATE_APP, "apigateway:CreateApp",                                    \
       CREATE, "app/*", "app.create", 0)                                      \
    XX(DESCRIBE_APP, "apigateway:DescribeApp",                                \
       GET, "app/{AppId}", NULL, 0)                                           \
    XX(DESCRIBE_APPS, "apigateway:DescribeApps",                              \
       LIST, "app/*", NULL, 0)                                                \
    XX(MODIFY_APP, "apigateway:ModifyApp",                                    \
       UPDATE, "app/{AppId}", "app.update", 0)                                \
    XX(DELETE_APP, "apigateway:DeleteApp",                                    \
       DELETE, "app/{AppId}", "app.delete", 0)                                \
    XX(TAG_RESOURCES, "apigateway:TagResources",                              \
       UPDATE, "app/{AppId}", "app.tags", 0)                                  \
    XX(RESET_APP_SECRET, "apigateway:ResetAppSecret",                         \
       UPDATE, "app/{AppId}", "app.secret.reset", 0)                          \
    XX(DESCRIBE_APP_SECURITY, "apigateway:DescribeAppSecurity",               \
       GET, "app/{AppId}", "app.secret.reveal", 0)                            \
    XX(CREATE_APP_KEY, "apigateway:CreateAppKey",                             \
       CREATE, "app/{AppId}", "key.create", 0)                                \
    XX(DESCRIBE_APP_KEYS, "apigateway:DescribeAppKeys",                       \
       LIST, "app/{AppId}", NULL, 0)                                          \
    XX(MODIFY_APP_KEY, "apigateway:ModifyAppKey",                             \
       UPDATE, "app/{AppId}", "key.update", 0)                                \
    XX(DELETE_APP_KEY, "apigateway:DeleteAppKey",                             \
       DELETE, "app/{AppId}", "key.delete", 0)                                \
    XX(CREATE_APP_CODE, "apigateway:CreateAppCode",                           \
       CREATE, "app/{AppId}", "code.create", 0)                               \
    XX(DESCRIBE_APP_CODES, "apigateway:DescribeAppCodes",                     \
       LIST, "app/{AppId}", NULL, 0)                                          \
    XX(MODIFY_APP_CODE, "apigateway:ModifyAppCode",                           \
       UPDATE, "app/{AppId}", "code.update", 0)                               \
    XX(RESET_APP_CODE, "apigateway:ResetAppCode",                             \
       UPDATE, "app/{AppId}", "code.reset", 0)                                \
    XX(DELETE_APP_CODE, "apigateway:DeleteAppCode",                           \
       DELETE, "app/{AppId}", "code.delete", 0)                               \
    XX(CREATE_API, "apigateway:CreateApi",                                    \
       CREATE, "api/*", "api.create", 0)                                      \
    XX(DESCRIBE_API, "apigateway:DescribeApi",                                \
       GET, "api/{ApiName}", NULL, 0)                                         \
    XX(DESCRIBE_APIS, "apigateway:DescribeApis",                              \
       LIST, "api/*", NULL, 0)                                                \
    XX(MODIFY_API, "apigateway:ModifyApi",                                    \
       UPDATE, "api/{ApiName}", "api.update", 0)                              \
    XX(DELETE_API, "apigateway:DeleteApi",                                    \
       DELETE, "api/{ApiName}", "api.delete", 0)                              \
    XX(SET_APPS_AUTHORITIES, "apigateway:SetAppsAuthorities",                 \
       UPDATE, "app/{AppId} and api/{ApiName}", "grant.put", 0)               \
    XX(REMOVE_APPS_AUTHORITIES, "apigateway:RemoveAppsAuthorities",           \
       DELETE, "app/{AppId} and api/{ApiName}", "grant.delete", 0)            \
    XX(DESCRIBE_AUTHORIZED_APIS, "apigateway:DescribeAuthorizedApis",         \
       LIST, "app/{AppId}", NULL, 0)                                          \
    XX(DESCRIBE_AUTHORIZED_APPS, "apigateway:DescribeAuthorizedApps",         \
       LIST, "api/{ApiName}", NULL, 0)                                        \
    XX(CREATE_ACCOUNT, "apigateway:CreateAccount",                            \
       CREATE, "account/{AccountName}", "account.create", TG_ACTION_ADMIN)    \
    XX(DESCRIBE_ACCOUNT, "apigateway:DescribeAccount",                        \
       GET, "account/{AccountId}", NULL, 0)                                   \
    XX(DESCRIBE_ACCOUNTS, "apigateway:DescribeAccounts",                      \
       LIST, "account/*", NULL, 0)                                            \
    XX(MODIFY_ACCOUNT, "apigateway:ModifyAccount",                            \
       UPDATE, "account/{AccountId}", "account.update", TG_ACTION_ADMIN)      \
    XX(DELETE_ACCOUNT, "apigateway:DeleteAccount",                            \
       DELETE, "account/{AccountId}", "account.delete", TG_ACTION_ADMIN)      \
    XX(CREATE_ACCESS_KEY, "apigateway:CreateAccessKey",                       \
       CREATE, "accesskey/*", "access_key.create", 0)                         \
    XX(DESCRIBE_ACCESS_KEY, "apigateway:DescribeAccessKey",                   \
       GET, "accesskey/{AccessKeyId}", NULL, 0)                               \
    XX(DESCRIBE_ACCESS_KEYS, "apigateway:DescribeAccessKeys",                 \
       LIST, "accesskey/*", NULL, 0)                                          \
    XX(MODIFY_ACCESS_KEY, "apigateway:ModifyAccessKey",                       \
       UPDATE, "accesskey/{AccessKeyId}", "access_key.update", 0)             \
    XX(DELETE_ACCESS_KEY, "apigateway:DeleteAccessKey",                       \
       DELETE, "accesskey/{AccessKeyId}", "access_key.delete", 0)             \
    XX(DESCRIBE_AUDIT_EVENTS, "apigateway:DescribeAuditEvents",               \
       LIST, "audit/*", NULL, 0)                                              \
    XX(ROTATE_KEYRING, "apigateway:RotateKeyring",                            \
       UPDATE, "keyring/*", "keyring.rotate", TG_ACTION_ADMIN)                \
    XX(CREATE_POLICY, "apigateway:CreatePolicy",                              \
       CREATE, "policy/*", "policy.create", 0)                                \
    XX(DESCRIBE_POLICY, "apigateway:DescribePolicy",                          \
       GET, "policy/{PolicyName}", NULL, 0)                                   \
    XX(DESCRIBE_POLICIES, "apigateway:DescribePolicies",                      \
       LIST, "policy/*", NULL, 0)                                             \
    XX(MODIFY_POLICY, "apigateway:ModifyPolicy",                              \
       UPDATE, "policy/{PolicyName}", "policy.update", 0)                     \
    XX(DELETE_POLICY, "apigateway:DeletePolicy",                              \
       DELETE, "policy/{PolicyName}", "policy.delete", 0)                     \
    XX(ATTACH_POLICY, "apigateway:AttachPolicy",                              \
       UPDATE, "accesskey/{AccessKeyId}", "policy.attach", 0)                 \
    XX(DETACH_POLICY, "apigateway:DetachPolicy",                              \
       UPDATE, "accesskey/{AccessKeyId}", "policy.detach", 0)                 \
    XX(DESCRIBE_ACCESS_KEY_POLICIES, "apigateway:DescribeAccessKeyPolicies",  \
       LIST, "accesskey/{AccessKeyId}", NULL, 0)                              \
    XX(SIMULATE_POLICY, "apigateway:SimulatePolicy",                          \
       GET, "accesskey/{AccessKeyId}", NULL, 0)                               \
    XX(DESCRIBE_METRICS, "apigateway:DescribeMetrics",                        \
       GET, "metrics/*", NULL, 0)
/* clang-format on */

typedef enum {
#define TG_ACTION_ENUM(id, name, level, resource, event, flags) TG_ACTION_##id,
    TG_ACTION_MAP(TG_ACTION_ENUM)
#undef TG_ACTION_ENUM
    TG_ACTION_COUNT
} tg_action_t;

/* The resource types, as they appear in resource names. */
#define TG_RESOURCE_APP        "app"
#define TG_RESOURCE_API        "api"
#define TG_RESOURCE_ACCOUNT    "account"
#define TG_RESOURCE_ACCESS_KEY "accesskey"
#define TG_RESOURCE_AUDIT      "audit"
#define TG_RESOURCE_KEYRING    "keyring"
#define TG_RESOURCE_METRICS    "metrics"
#define TG_RESOURCE_POLICY     "policy"

#define TG_RESOURCE_ID_MAX 128
/* The longest resource name tg_resource_name() writes, with its NUL. */
#define TG_RESOURCE_NAME_MAX \
    (sizeof("acs:apigateway::") + TG_REGION_MAX + 2 * TG_RESOURCE_ID_MAX + 16)

/*
 * What an action acts on.  An empty account_id or id stands for "any"
 * (written "*").  A reference that named nothing is kept as the request
 * wrote it, so that a refusal does not depend on whether it exists.
 */
typedef struct {
    char        region[TG_REGION_MAX + 1];
    char        account_id[TG_RESOURCE_ID_MAX + 1]; /* its owner */
    const char *type;                               /* TG_RESOURCE_* */
    char        id[TG_RESOURCE_ID_MAX + 1];
    int         admin_key; /* an admin access key, or a request for one */
    int         hidden;    /* out of the caller's reach, it reads as this
                              TG_E*_NOT_FOUND code; 0: it is refused */
    int listing;           /* a listing's "any" resource, whose items are
                              then kept one by one (tg_authorize_visible()):
                              policies need only allow the action somewhere
                              (tg_authorize_list()) */
} tg_resource_t;


/* The canonical name of an action ("apigateway:CreateApp"). */
const char *tg_action_name(tg_action_t action);

/* Its access level. */
tg_access_level_t tg_action_level(tg_action_t action);

/* The name of an access level ("list", "get", ...). */
const char *tg_access_level_name(tg_access_level_t level);

/* The resource the action is authorized on ("app/{AppId}"), for docs. */
const char *tg_action_resource(tg_action_t action);

/* The name the audit trail records for the action, or NULL for a read. */
const char *tg_action_event(tg_action_t action);

/* Finds an action by its canonical name.  Returns 0 or TG_EINVALID. */
int tg_action_find(tg_str_t name, tg_action_t *action);

/*
 * Finds the action whose audit event is named event ("app.create").
 * Returns 0 or TG_EINVALID (for events that are no action, such as
 * "auth.failure").
 */
int tg_action_find_event(const char *event, tg_action_t *action);

/*
 * Fills res: in region, of type, owned by account_id, named id (a NULL ptr
 * or empty string for "any"; a longer value than TG_RESOURCE_ID_MAX is
 * cut, which can only make it name nothing).  admin_key and hidden start
 * at 0.
 */
void tg_resource_init(tg_resource_t *res, const char *region, const char *type,
                      tg_str_t account_id, tg_str_t id);

/* Sets the account that owns res, cut as tg_resource_init() does. */
void tg_resource_set_account(tg_resource_t *res, tg_str_t account_id);

/* Fills res for an app: app/<AppId>, hidden as TG_EAPP_NOT_FOUND. */
void tg_resource_app(tg_resource_t *res, const char *region,
                     const tg_app_t *app);

/* Fills res for an API: api/<name>, which every key may read. */
void tg_resource_api(tg_resource_t *res, const char *region,
                     const tg_api_t *api);

/*
 * Writes res's name ("acs:apigateway:local:<account>:app/12345") into
 * buf of size bytes, NUL-terminated.  Returns 0, or TG_EINVALID if it
 * does not fit (buf then holds a cut name).
 */
int tg_resource_name(const tg_resource_t *res, char *buf, size_t size);

/* Frees actor's policies (and sets the pointer to NULL), first handing a
 * refusal they noted to their record callback.  Every actor that
 * authenticated is freed so once its request is done. */
void tg_actor_free(tg_actor_t *actor);

/* Frees a policy set and the policies in it.  NULL is ignored. */
void tg_policy_set_free(tg_policy_set_t *set);

/* Whether name is a canonical action (a tg_policy_action_known_pt). */
int tg_action_known(void *data, tg_str_t name);

/*
 * Evaluates set for action on the resource named resource (an ARN) in
 * ctx, into d.  Returns 1 if allowed, else 0.  The simulator calls it;
 * tg_authorize() does the same for a key with policies.
 */
int tg_authorize_policies(const tg_policy_set_t *set, const char *action,
                          const char *resource, const tg_policy_context_t *ctx,
                          tg_policy_decision_t *d);

/*
 * Decides whether actor may perform action on res: its role's rules (an
 * admin key, its own account), then, for a key with policies, what they
 * allow (an explicit Deny, an Allow, else denied by default).  Returns
 * 0, or the refusal: res->hidden for a resource out of the caller's
 * reach when set, else TG_EFORBIDDEN with a message (and the field it
 * concerns) in err; a policy's refusal names the action, the resource
 * and the deciding policy and statement.
 */
int tg_authorize(const tg_actor_t *actor, tg_action_t action,
                 const tg_resource_t *res, tg_error_t *err);

/*
 * Decides what depends on the action alone: whether actor may call it on
 * any resource at all.  An operation that must refuse before it looks
 * anything up (an admin's action on a name that may not exist) calls it
 * first; tg_authorize() applies it too.  Returns 0 or TG_EFORBIDDEN.
 */
int tg_authorize_action(const tg_actor_t *actor, tg_action_t action,
                        tg_error_t *err);

/*
 * The account to which a listing of resources of type is confined for
 * actor, given the account the request asked for (NULL ptr: every
 * account): an admin's listing and a catalogue's (the API registry) are
 * what was asked; any other key lists its own account's, whatever it
 * asked.  The result is asked or points into actor.
 */
tg_str_t tg_authorize_scope(const tg_actor_t *actor, const char *type,
                            tg_str_t asked);

/*
 * Refuses a listing of resources of type that names another account
 * (asked: a NULL ptr or empty names none) where tg_authorize_scope()
 * would confine it to the actor's own: a key that names an account it
 * may not list is told so, not given its own account's.  action is the
 * listing's, noted as the request's (tg_authorize_note()).  Returns 0 or
 * TG_EFORBIDDEN.
 */
int tg_authorize_listing(const tg_actor_t *actor, tg_action_t action,
                         const char *type, tg_str_t asked, tg_error_t *err);

/*
 * Notes action as the one the request asked for (the action label of
 * tollgated's request metrics), unless one was noted already.  The
 * authorizer notes what it is asked about; an operation that may refuse
 * before (a resource not found) notes its action first.
 */
void tg_authorize_note(tg_action_t action);

/*
 * For a listing by a key with policies: refuses (TG_EFORBIDDEN) a
 * listing action that no Allow statement of its policies grants on any
 * resource, or that a Deny refuses on res (the listing's "any" resource).
 * Returns 0 for a key without policies.  The listing then keeps only
 * the items for which tg_authorize_visible() holds.
 */
int tg_authorize_list(const tg_actor_t *actor, tg_action_t action,
                      const tg_resource_t *res, tg_error_t *err);

/* Whether actor may see res in a listing of action: 1 or 0. */
int tg_authorize_visible(const tg_actor_t *actor, tg_action_t action,
                         const tg_resource_t *res);

/*
 * Whether no Deny of actor's policies refuses action on res: 1 or 0 (1
 * for a key without policies).  For an item of a catalogue that a
 * listing shows beside one it checks with tg_authorize_visible(): an API
 * of a grant of an app.
 */
int tg_authorize_not_denied(const tg_actor_t *actor, tg_action_t action,
                            const tg_resource_t *res);

/*
 * Whether actor may perform action on some resource of account (an id;
 * a user interface asks it of the key's own account before it shows a
 * control): on the account's "any" resource of the action's type (as
 * tg_resource_init() names it with no id), the role's rules,
 * then, for a key with policies, no Deny there and either an Allow there
 * or some Allow of the action on another resource (one app, say).
 * Returns 1 or 0.  It has no side effect: nothing is noted, audited or
 * counted.  It is a hint: tg_authorize() still decides every call.
 */
int tg_authorize_may(const tg_actor_t *actor, tg_action_t action,
                     const char *region, const char *account);

#endif /* TOLLGATE_AUTHZ_H */
