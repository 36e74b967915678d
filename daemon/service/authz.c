/*
 * The authorizer: the table of actions, resource names, and today's rules
 * (admin keys, own account, the API catalogue, admin-only actions and
 * admin keys).  See authz.h.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "tollgate/time.h"
#include "service/authz.h"


typedef struct {
    const char       *name;
    tg_access_level_t level;
    const char       *resource;
    const char       *event;
    unsigned          flags;
} tg_action_info_t;

static const tg_action_info_t tg_actions[] = {
#define TG_ACTION_INFO(id, name, level, resource, event, flags) \
    { name, TG_ACCESS_##level, resource, event, flags },
    TG_ACTION_MAP(TG_ACTION_INFO)
#undef TG_ACTION_INFO
};

static const char *const tg_access_levels[] = { "list", "get", "create",
                                                "update", "delete" };


const char *
tg_action_name(tg_action_t action)
{
    return tg_actions[action].name;
}


tg_access_level_t
tg_action_level(tg_action_t action)
{
    return tg_actions[action].level;
}


const char *
tg_access_level_name(tg_access_level_t level)
{
    return tg_access_levels[level];
}


const char *
tg_action_resource(tg_action_t action)
{
    return tg_actions[action].resource;
}


const char *
tg_action_event(tg_action_t action)
{
    return tg_actions[action].event;
}


int
tg_action_find(tg_str_t name, tg_action_t *action)
{
    size_t i;

    for (i = 0; i < TG_ACTION_COUNT; i++) {
        if (tg_str_eq_c(name, tg_actions[i].name)) {
            *action = (tg_action_t) i;
            return TG_OK;
        }
    }
    return TG_EINVALID;
}


int
tg_action_find_event(const char *event, tg_action_t *action)
{
    size_t i;

    for (i = 0; i < TG_ACTION_COUNT; i++) {
        if (tg_actions[i].event != NULL
            && strcmp(event, tg_actions[i].event) == 0) {
            *action = (tg_action_t) i;
            return TG_OK;
        }
    }
    return TG_EINVALID;
}


/* Copies src into dst of size bytes, cut to fit; NULL ptr: "". */
static void
tg_resource_copy(char *dst, size_t size, tg_str_t src)
{
    size_t n = src.ptr == NULL ? 0 : src.len < size ? src.len : size - 1;

    if (n > 0) {
        memcpy(dst, src.ptr, n);
    }
    dst[n] = '\0';
}


void
tg_resource_init(tg_resource_t *res, const char *region, const char *type,
                 tg_str_t account_id, tg_str_t id)
{
    memset(res, 0, sizeof(*res));
    tg_resource_copy(res->region, sizeof(res->region), tg_str_c(region));
    tg_resource_copy(res->account_id, sizeof(res->account_id), account_id);
    res->type = type;
    tg_resource_copy(res->id, sizeof(res->id), id);
}


void
tg_resource_set_account(tg_resource_t *res, tg_str_t account_id)
{
    tg_resource_copy(res->account_id, sizeof(res->account_id), account_id);
}


void
tg_resource_app(tg_resource_t *res, const char *region, const tg_app_t *app)
{
    char number[24];

    snprintf(number, sizeof(number), "%lld", (long long) app->app_id);
    tg_resource_init(res, region, TG_RESOURCE_APP, tg_str_c(app->account_id),
                     tg_str_c(number));
    res->hidden = TG_EAPP_NOT_FOUND;
}


void
tg_resource_api(tg_resource_t *res, const char *region, const tg_api_t *api)
{
    tg_resource_init(res, region, TG_RESOURCE_API, tg_str_c(api->account_id),
                     tg_str_c(api->name));
}


int
tg_resource_name(const tg_resource_t *res, char *buf, size_t size)
{
    int n;

    n = snprintf(buf, size, "acs:apigateway:%s:%s:%s/%s", res->region,
                 res->account_id[0] != '\0' ? res->account_id : "*", res->type,
                 res->id[0] != '\0' ? res->id : "*");

    return n >= 0 && (size_t) n < size ? TG_OK : TG_EINVALID;
}


static int tg_authorize_role(const tg_actor_t *actor, tg_action_t action,
                             const tg_resource_t *res, tg_error_t *err);


/* Whether every key may read resources of type: the API registry is a
 * catalogue, so that callers can find the APIs to ask grants for. */
static int
tg_resource_catalogue(const char *type)
{
    return strcmp(type, TG_RESOURCE_API) == 0;
}


/* Whether actor's own account holds res. */
static int
tg_actor_owns(const tg_actor_t *actor, const tg_resource_t *res)
{
    return res->account_id[0] != '\0'
           && strcmp(actor->account_id, res->account_id) == 0;
}


static int tg_authorize_somewhere(const tg_actor_t *actor, tg_action_t action,
                                  const char *name, tg_error_t *err);


/* The role's rule on the action alone. */
static int
tg_authorize_role_action(const tg_actor_t *actor, tg_action_t action,
                         tg_error_t *err)
{
    tg_metrics_action_note((int) action); /* the request's, for /metrics */

    if ((tg_actions[action].flags & TG_ACTION_ADMIN) && !actor->admin) {
        return tg_error_set(err, TG_EFORBIDDEN, TG_FIELD_NONE,
                            "only an admin key may do this");
    }
    return TG_OK;
}


int
tg_authorize_action(const tg_actor_t *actor, tg_action_t action,
                    tg_error_t *err)
{
    int rc;

    rc = tg_authorize_role_action(actor, action, err);
    if (rc != TG_OK || actor->policies == NULL) {
        return rc;
    }

    /* Before the resource is known: some Allow must grant the action,
     * and no Deny may refuse it on every resource. */

    return tg_authorize_somewhere(actor, action, "*", err);
}


/* The refusal of a resource in another account, which actor may see. */
static int
tg_refuse_foreign(const tg_resource_t *res, tg_access_level_t level,
                  tg_error_t *err)
{
    if (level == TG_ACCESS_CREATE) {
        return tg_error_set(err, TG_EFORBIDDEN, TG_FIELD_ACCOUNT_ID,
                            "only an admin key may act on another account");
    }

    if (strcmp(res->type, TG_RESOURCE_API) == 0) {
        return tg_error_set(err, TG_EFORBIDDEN, TG_FIELD_NONE,
                            "only the API's provider or an admin may do this");
    }

    return tg_error_set(err, TG_EFORBIDDEN, TG_FIELD_NONE,
                        "only the account's own keys or an admin may do this");
}


/* The refusal of a change to an admin key by a key that is none. */
static int
tg_refuse_admin_key(tg_access_level_t level, tg_error_t *err)
{
    switch (level) {
    case TG_ACCESS_CREATE:
        return tg_error_set(err, TG_EFORBIDDEN, TG_FIELD_ROLE,
                            "only an admin key may create admin keys");
    case TG_ACCESS_DELETE:
        return tg_error_set(err, TG_EFORBIDDEN, TG_FIELD_NONE,
                            "only an admin key may delete admin keys");
    default:
        return tg_error_set(err, TG_EFORBIDDEN, TG_FIELD_NONE,
                            "only an admin key may change admin keys");
    }
}


void
tg_policy_set_free(tg_policy_set_t *set)
{
    size_t i;

    if (set == NULL) {
        return;
    }
    for (i = 0; i < set->n; i++) {
        tg_policy_destroy(set->items[i]);
    }
    free(set);
}


void
tg_actor_free(tg_actor_t *actor)
{
    tg_policy_set_t *set = actor->policies;

    if (set != NULL && set->denied_action[0] != '\0' && set->record != NULL) {
        set->record(set->record_data, actor, set);
    }
    tg_policy_set_free(set);
    actor->policies = NULL;
}


int
tg_action_known(void *data, tg_str_t name)
{
    size_t i;

    (void) data;
    for (i = 0; i < TG_ACTION_COUNT; i++) {
        if (tg_str_eq_nocase(name, tg_str_c(tg_actions[i].name))) {
            return 1;
        }
    }
    return 0;
}


int
tg_authorize_policies(const tg_policy_set_t *set, const char *action,
                      const char *resource, const tg_policy_context_t *ctx,
                      tg_policy_decision_t *d)
{
    tg_policy_decide((const tg_policy_t *const *) set->items, set->n,
                     tg_str_c(action), tg_str_c(resource), ctx, d);
    return d->effect == TG_POLICY_ALLOWED;
}


/* What the conditions of actor's policies see of its request now. */
static void
tg_actor_context(const tg_actor_t *actor, tg_policy_context_t *ctx)
{
    ctx->source_ip = actor->source;
    ctx->now_ms = tg_time_now_ms();
    ctx->secure = actor->secure;
}


/*
 * The refusal of action on the resource named name by d.  If note, a
 * refusal of an action that the audit trail does not record itself (a
 * read) is noted in the set, for tg_actor_free() to record.
 */
static int
tg_refuse_policy(const tg_actor_t *actor, tg_action_t action, const char *name,
                 const tg_policy_decision_t *d, int note, tg_error_t *err)
{
    tg_policy_set_t *set = actor->policies;

    if (d->effect == TG_POLICY_DENIED) {
        tg_error_set(err, TG_EFORBIDDEN, TG_FIELD_NONE,
                     "%s on %s: denied by policy %s statement %zu%s%s",
                     tg_actions[action].name, name, set->names[d->policy],
                     d->statement, d->sid[0] != '\0' ? " Sid " : "", d->sid);
    } else {
        tg_error_set(err, TG_EFORBIDDEN, TG_FIELD_NONE,
                     "%s on %s: no policy of the access key allows it "
                     "(denied by default)",
                     tg_actions[action].name, name);
    }

    if (note && tg_actions[action].event == NULL && err != NULL
        && set->denied_action[0] == '\0')
    {
        snprintf(set->denied_action, sizeof(set->denied_action), "%s",
                 tg_actions[action].name);
        snprintf(set->denied_resource, sizeof(set->denied_resource), "%s",
                 name);
        snprintf(set->denied_reason, sizeof(set->denied_reason), "%s",
                 err->detail);
    }
    return TG_EFORBIDDEN;
}


/* Applies actor's policies to action on res (note: tg_refuse_policy()). */
static int
tg_authorize_by_policies(const tg_actor_t *actor, tg_action_t action,
                         const tg_resource_t *res, int note, tg_error_t *err)
{
    tg_policy_context_t  ctx;
    tg_policy_decision_t d;
    char                 name[TG_RESOURCE_NAME_MAX];

    (void) tg_resource_name(res, name, sizeof(name));
    tg_actor_context(actor, &ctx);

    if (tg_authorize_policies(actor->policies, tg_actions[action].name, name,
                              &ctx, &d))
    {
        return TG_OK;
    }
    return tg_refuse_policy(actor, action, name, &d, note, err);
}


int
tg_authorize(const tg_actor_t *actor, tg_action_t action,
             const tg_resource_t *res, tg_error_t *err)
{
    int rc;

    rc = tg_authorize_role(actor, action, res, err);
    if (rc == TG_OK && actor->policies != NULL) {
        rc = res->listing
                 ? tg_authorize_list(actor, action, res, err)
                 : tg_authorize_by_policies(actor, action, res, 1, err);
    }
    return rc;
}


int
tg_authorize_list(const tg_actor_t *actor, tg_action_t action,
                  const tg_resource_t *res, tg_error_t *err)
{
    char name[TG_RESOURCE_NAME_MAX];

    if (actor->policies == NULL) {
        return TG_OK;
    }

    (void) tg_resource_name(res, name, sizeof(name));
    return tg_authorize_somewhere(actor, action, name, err);
}


/*
 * Refuses action when a Deny of actor's policies refuses it on the
 * resource named name (a listing's "any" resource, or "*"), or when no
 * Allow grants it on any resource at all.
 */
static int
tg_authorize_somewhere(const tg_actor_t *actor, tg_action_t action,
                       const char *name, tg_error_t *err)
{
    tg_policy_context_t  ctx;
    tg_policy_decision_t d;

    tg_actor_context(actor, &ctx);

    (void) tg_authorize_policies(actor->policies, tg_actions[action].name, name,
                                 &ctx, &d);
    if (d.effect == TG_POLICY_DENIED
        || (d.effect == TG_POLICY_NO_MATCH
            && !tg_policy_may_allow(
                (const tg_policy_t *const *) actor->policies->items,
                actor->policies->n, tg_str_c(tg_actions[action].name), &ctx)))
    {
        return tg_refuse_policy(actor, action, name, &d, 1, err);
    }
    return TG_OK;
}


int
tg_authorize_visible(const tg_actor_t *actor, tg_action_t action,
                     const tg_resource_t *res)
{
    tg_error_t err;

    /* An item a listing leaves out is no refusal to record. */

    memset(&err, 0, sizeof(err));
    return tg_authorize_role(actor, action, res, &err) == TG_OK
           && (actor->policies == NULL
               || tg_authorize_by_policies(actor, action, res, 0, &err)
                      == TG_OK);
}


int
tg_authorize_not_denied(const tg_actor_t *actor, tg_action_t action,
                        const tg_resource_t *res)
{
    tg_policy_context_t  ctx;
    tg_policy_decision_t d;
    char                 name[TG_RESOURCE_NAME_MAX];

    if (actor->policies == NULL) {
        return 1;
    }

    (void) tg_resource_name(res, name, sizeof(name));
    tg_actor_context(actor, &ctx);
    (void) tg_authorize_policies(actor->policies, tg_actions[action].name, name,
                                 &ctx, &d);
    return d.effect != TG_POLICY_DENIED;
}


static int tg_authorize_role_resource(const tg_actor_t    *actor,
                                      tg_action_t          action,
                                      const tg_resource_t *res,
                                      tg_error_t          *err);


/* The role's rules (authz.h). */
static int
tg_authorize_role(const tg_actor_t *actor, tg_action_t action,
                  const tg_resource_t *res, tg_error_t *err)
{
    int rc;

    rc = tg_authorize_role_action(actor, action, err);
    return rc == TG_OK ? tg_authorize_role_resource(actor, action, res, err)
                       : rc;
}


/* The role's rules on res, once the action alone is allowed. */
static int
tg_authorize_role_resource(const tg_actor_t *actor, tg_action_t action,
                           const tg_resource_t *res, tg_error_t *err)
{
    tg_access_level_t level = tg_actions[action].level;
    int               reads;

    if (actor->admin) {
        return TG_OK;
    }

    /* A request for an admin key is refused before anything is said of
     * the account it names; a key that is one, only once the caller is
     * known to reach it, so that its role is not told to others. */

    if (res->admin_key && level == TG_ACCESS_CREATE) {
        return tg_refuse_admin_key(level, err);
    }

    reads = level == TG_ACCESS_LIST || level == TG_ACCESS_GET;

    if (!tg_actor_owns(actor, res)
        && !(reads && tg_resource_catalogue(res->type))) {
        return res->hidden != TG_OK ? tg_error_code(err, res->hidden)
                                    : tg_refuse_foreign(res, level, err);
    }

    if (res->admin_key && !reads) {
        return tg_refuse_admin_key(level, err);
    }

    return TG_OK;
}


tg_str_t
tg_authorize_scope(const tg_actor_t *actor, const char *type, tg_str_t asked)
{
    if (actor->admin || tg_resource_catalogue(type)) {
        return asked;
    }
    return tg_str_c(actor->account_id);
}


void
tg_authorize_note(tg_action_t action)
{
    tg_metrics_action_note((int) action);
}


int
tg_authorize_listing(const tg_actor_t *actor, tg_action_t action,
                     const char *type, tg_str_t asked, tg_error_t *err)
{
    tg_authorize_note(action);

    if (asked.len == 0 || actor->admin || tg_resource_catalogue(type)
        || tg_str_eq_c(asked, actor->account_id))
    {
        return TG_OK;
    }

    return tg_error_set(err, TG_EFORBIDDEN, TG_FIELD_ACCOUNT_ID,
                        "only an admin key may list another account's "
                        "resources");
}


int
tg_authorize_may(const tg_actor_t *actor, tg_action_t action,
                 const char *region, const char *account)
{
    tg_policy_context_t  ctx;
    tg_policy_decision_t d;
    tg_resource_t        res;
    tg_error_t           err;
    const char          *resource = tg_actions[action].resource;
    char                 type[TG_RESOURCE_ID_MAX + 1];
    char                 name[TG_RESOURCE_NAME_MAX];

    /* The type is the table's resource up to its '/' ("app/{AppId}"). */

    snprintf(type, sizeof(type), "%.*s", (int) strcspn(resource, "/"),
             resource);
    tg_resource_init(&res, region, type, tg_str_c(account), TG_STR_NULL);

    memset(&err, 0, sizeof(err));
    if (((tg_actions[action].flags & TG_ACTION_ADMIN) && !actor->admin)
        || tg_authorize_role_resource(actor, action, &res, &err) != TG_OK)
    {
        return 0;
    }
    if (actor->policies == NULL) {
        return 1;
    }

    (void) tg_resource_name(&res, name, sizeof(name));
    tg_actor_context(actor, &ctx);
    (void) tg_authorize_policies(actor->policies, tg_actions[action].name, name,
                                 &ctx, &d);

    return d.effect == TG_POLICY_ALLOWED
           || (d.effect == TG_POLICY_NO_MATCH
               && tg_policy_may_allow(
                   (const tg_policy_t *const *) actor->policies->items,
                   actor->policies->n, tg_str_c(tg_actions[action].name),
                   &ctx));
}
