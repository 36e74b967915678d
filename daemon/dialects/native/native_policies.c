/*
 * The native API's access-control routes: an account's named policies,
 * the policies attached to its access keys, and the simulator.
 *
 *     POST/GET              /v1/accounts/{account}/policies
 *     GET/PATCH/DELETE      /v1/accounts/{account}/policies/{name}
 *     GET/POST              /v1/accounts/{account}/access-keys/{id}/policies
 *     DELETE                .../access-keys/{id}/policies/{name}
 *     POST                  /v1/policies/check
 *
 * A document is sent as a JSON object (or as a string holding one); a
 * bad one is refused with 422 invalid_field on "document", the message
 * naming the statement and field.
 */

#include <stdlib.h>
#include <string.h>

#include "tollgate/policy.h"
#include "tollgate/time.h"
#include "dialects/native/native_int.h"


#define TG_COUNT(a) (sizeof(a) / sizeof((a)[0]))


static json_t *
tg_native_policy_json(const void *item)
{
    const tg_policy_record_t *p = item;
    json_t                   *doc = json_loads(p->document, 0, NULL);

    return json_pack(
        "{s:s,s:o,s:b,s:s,s:o,s:o,s:o}", "name", p->name, "account_id",
        p->account_id[0] != '\0' ? json_string(p->account_id) : json_null(),
        "builtin", p->account_id[0] == '\0', "description", p->description,
        "document", doc != NULL ? doc : json_null(), "created_at",
        tg_native_time(p->created_at), "updated_at",
        tg_native_time(p->updated_at));
}


static json_t *
tg_native_key_policy_json(const void *item)
{
    const tg_key_policy_t *kp = item;
    json_t                *doc =
        kp->document != NULL ? json_loads(kp->document, 0, NULL) : NULL;

    return json_pack("{s:s,s:s,s:o,s:o}", "name", kp->name, "kind",
                     kp->is_inline ? "inline" : "named", "document",
                     doc != NULL ? doc : json_null(), "attached_at",
                     tg_native_time(kp->created_at));
}


/*
 * The body's "document" as text (an object is serialized in its order),
 * into *text (malloc'd, the caller frees) and doc; absent: a NULL ptr.
 */
static int
tg_native_document(tg_native_call_t *call, tg_str_t *doc, char **text)
{
    json_t *v = tg_native_get(call, "document");

    *text = NULL;
    *doc = TG_STR_NULL;

    if (v == NULL) {
        return TG_OK;
    }
    if (json_is_string(v)) {
        *doc = (tg_str_t){ json_string_value(v), json_string_length(v) };
        return TG_OK;
    }

    *text = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (*text == NULL) {
        return tg_error_code(&call->err, TG_ENOMEM);
    }
    *doc = tg_str_c(*text);
    return TG_OK;
}


static void
tg_native_policy_reply(tg_native_call_t *call, unsigned status, int rc,
                       tg_policy_record_t *p)
{
    if (rc != TG_OK) {
        tg_native_fail(call);
        return;
    }
    tg_native_reply(call, status, tg_native_policy_json(p));
    tg_policy_record_free(p);
}


void
tg_native_policy_create(tg_native_call_t *call)
{
    static const tg_native_field_t fields[] = {
        { "name", TG_J_STRING },
        { "description", TG_J_STRING | TG_J_NULL },
        { "document", TG_J_OBJECT | TG_J_STRING },
    };
    tg_policy_record_t p;
    tg_str_t           doc;
    char              *text = NULL;
    int                rc;

    rc = tg_native_body(call, fields, TG_COUNT(fields));
    if (rc == TG_OK) {
        rc = tg_native_document(call, &doc, &text);
    }
    if (rc == TG_OK && (!tg_native_has(call, "name") || doc.ptr == NULL)) {
        rc = tg_error_set(&call->err, TG_EMISSING,
                          doc.ptr == NULL ? TG_FIELD_DOCUMENT : TG_FIELD_NAME,
                          "a policy has a name and a document");
    }
    if (rc == TG_OK) {
        rc = tg_service_policy_create(
            call->svc, &call->actor, call->args[0], tg_native_str(call, "name"),
            tg_native_str(call, "description"), doc, &p, &call->err);
    }
    free(text);
    tg_native_policy_reply(call, 201, rc, &p);
}


void
tg_native_policy_list(tg_native_call_t *call)
{
    tg_policy_record_t *items;
    size_t              n;

    if (tg_service_policy_list(call->svc, &call->actor, call->args[0], &items,
                               &n, &call->err)
        != TG_OK)
    {
        tg_native_fail(call);
        return;
    }

    tg_native_reply(call, 200,
                    tg_native_page(tg_native_array(items, n, sizeof(*items),
                                                   tg_native_policy_json),
                                   (int64_t) n));
    tg_policy_record_list_free(items, n);
}


void
tg_native_policy_get(tg_native_call_t *call)
{
    tg_policy_record_t p;
    int                rc;

    rc = tg_service_policy_get(call->svc, &call->actor, call->args[0],
                               call->args[1], &p, &call->err);
    tg_native_policy_reply(call, 200, rc, &p);
}


void
tg_native_policy_update(tg_native_call_t *call)
{
    static const tg_native_field_t fields[] = {
        { "description", TG_J_STRING },
        { "document", TG_J_OBJECT | TG_J_STRING },
    };
    tg_policy_record_t p;
    tg_str_t           doc;
    char              *text = NULL;
    int                rc;

    memset(&p, 0, sizeof(p));
    rc = tg_native_body(call, fields, TG_COUNT(fields));
    if (rc == TG_OK) {
        rc = tg_native_document(call, &doc, &text);
    }
    if (rc == TG_OK) {
        rc = tg_service_policy_update(
            call->svc, &call->actor, call->args[0], call->args[1],
            tg_native_str(call, "description"), doc, &p, &call->err);
    }
    free(text);
    tg_native_policy_reply(call, 200, rc, &p);
}


void
tg_native_policy_delete(tg_native_call_t *call)
{
    tg_native_done(call, tg_service_policy_delete(call->svc, &call->actor,
                                                  call->args[0], call->args[1],
                                                  &call->err));
}


void
tg_native_key_policy_list(tg_native_call_t *call)
{
    tg_key_policy_t *items;
    size_t           n;

    if (tg_service_key_policy_list(call->svc, &call->actor, call->args[0],
                                   call->args[1], &items, &n, &call->err)
        != TG_OK)
    {
        tg_native_fail(call);
        return;
    }

    tg_native_reply(call, 200,
                    tg_native_page(tg_native_array(items, n, sizeof(*items),
                                                   tg_native_key_policy_json),
                                   (int64_t) n));
    tg_key_policy_list_free(items, n);
}


void
tg_native_key_policy_attach(tg_native_call_t *call)
{
    static const tg_native_field_t fields[] = {
        { "name", TG_J_STRING },
        { "document", TG_J_OBJECT | TG_J_STRING },
    };
    tg_str_t doc;
    char    *text = NULL;
    int      rc;

    rc = tg_native_body(call, fields, TG_COUNT(fields));
    if (rc == TG_OK) {
        rc = tg_native_document(call, &doc, &text);
    }
    if (rc == TG_OK && !tg_native_has(call, "name")) {
        rc = tg_error_set(&call->err, TG_EMISSING, TG_FIELD_NAME,
                          "name the policy to attach (with a document: "
                          "an inline policy of that name)");
    }
    if (rc == TG_OK) {
        rc = tg_service_key_policy_attach(
            call->svc, &call->actor, call->args[0], call->args[1],
            tg_native_str(call, "name"), doc, &call->err);
    }
    free(text);

    if (rc != TG_OK) {
        tg_native_fail(call);
        return;
    }
    tg_native_reply(call, 201,
                    json_pack("{s:s%,s:s}", "name",
                              tg_native_str(call, "name").ptr,
                              tg_native_str(call, "name").len, "kind",
                              doc.ptr != NULL ? "inline" : "named"));
}


void
tg_native_key_policy_detach(tg_native_call_t *call)
{
    tg_native_done(call, tg_service_key_policy_detach(
                             call->svc, &call->actor, call->args[0],
                             call->args[1], call->args[2], &call->err));
}


static const char *
tg_native_effect_name(tg_policy_effect_t effect)
{
    switch (effect) {
    case TG_POLICY_ALLOWED:
        return "allow";
    case TG_POLICY_DENIED:
        return "deny";
    default:
        return "implicit_deny";
    }
}


void
tg_native_policy_check(tg_native_call_t *call)
{
    static const tg_native_field_t fields[] = {
        { "access_key_id", TG_J_STRING }, { "account_id", TG_J_STRING },
        { "action", TG_J_STRING },        { "resource", TG_J_STRING },
        { "source_ip", TG_J_STRING },     { "time", TG_J_STRING },
        { "secure", TG_J_BOOL },
    };
    tg_policy_context_t ctx;
    tg_policy_check_t   out;
    json_t             *obj;
    tg_str_t            ip;
    char                addr[TG_AUDIT_SOURCE_MAX + 1];

    if (tg_native_body(call, fields, TG_COUNT(fields)) != TG_OK) {
        tg_native_fail(call);
        return;
    }
    if (!tg_native_has(call, "access_key_id") || !tg_native_has(call, "action")
        || !tg_native_has(call, "resource"))
    {
        tg_error_set(&call->err, TG_EMISSING, TG_FIELD_NONE,
                     "access_key_id, action and resource are required");
        tg_native_fail(call);
        return;
    }

    memset(&ctx, 0, sizeof(ctx));
    ctx.now_ms = tg_time_now_ms();
    ctx.secure = json_is_true(tg_native_get(call, "secure"));

    ip = tg_native_str(call, "source_ip");
    if (ip.ptr != NULL) {
        tg_policy_cidr_t cidr;

        if (ip.len >= sizeof(addr) || tg_policy_cidr_parse(ip, &cidr) != TG_OK
            || cidr.bits != 128)
        {
            tg_error_set(&call->err, TG_EINVALID, TG_FIELD_NONE,
                         "source_ip: an IPv4 or IPv6 address");
            tg_native_fail(call);
            return;
        }
        memcpy(addr, ip.ptr, ip.len);
        addr[ip.len] = '\0';
        ctx.source_ip = addr;
    }

    if (tg_native_has(call, "time")
        && tg_native_body_time(call, "time", TG_FIELD_NONE, &ctx.now_ms)
               != TG_OK)
    {
        tg_native_fail(call);
        return;
    }

    if (tg_service_policy_check(
            call->svc, &call->actor, tg_native_str(call, "account_id"),
            tg_native_str(call, "access_key_id"), tg_native_str(call, "action"),
            tg_native_str(call, "resource"), &ctx, &out, &call->err)
        != TG_OK)
    {
        tg_native_fail(call);
        return;
    }

    obj = json_pack("{s:b,s:s,s:s%,s:b,s:b}", "allowed", out.allowed, "action",
                    out.action, "resource", tg_native_str(call, "resource").ptr,
                    tg_native_str(call, "resource").len, "has_policies",
                    out.has_policies, "role_allows", out.role_allows);
    if (obj != NULL && out.has_policies) {
        json_object_set_new(obj, "effect",
                            json_string(tg_native_effect_name(out.effect)));
        if (out.effect != TG_POLICY_NO_MATCH) {
            json_object_set_new(obj, "statement",
                                json_pack("{s:s,s:I,s:s}", "policy", out.policy,
                                          "index", (json_int_t) out.statement,
                                          "sid", out.sid));
        }
    }
    tg_native_reply(call, 200, obj);
}
