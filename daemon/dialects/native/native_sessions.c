/*
 * The native API's console sessions: signing in with an access key for
 * a session cookie, reading the session (its CSRF token) and signing
 * out.  The rules (lifetimes, the CSRF check, failed sign-ins) are the
 * core's (service_sessions.c); this file carries them over HTTP:
 *
 *     Set-Cookie: tollgate_session=<id>; Path=/v1/; HttpOnly; SameSite=Strict
 *     X-CSRF-Token: <token>        (on every call but GET and HEAD)
 *
 * The cookie has no Max-Age: it ends with the browser, and the server
 * ends the session sooner.
 */

#include <stdio.h>
#include <string.h>

#include "tollgate/str.h"
#include "dialects/native/native_int.h"


int
tg_native_session_cookie(const tg_http_request_t *req, tg_str_t *id)
{
    static const char name[] = TG_NATIVE_SESSION_COOKIE "=";
    const char       *header = tg_http_header(req, "Cookie");
    tg_str_t          rest, pair;
    const char       *semi;
    int               found = 0;

    *id = TG_STR_NULL;
    if (header == NULL) {
        return 0;
    }

    rest = tg_str_c(header);
    while (rest.len > 0) {
        semi = memchr(rest.ptr, ';', rest.len);
        pair = tg_str_trim((tg_str_t){
            rest.ptr, semi != NULL ? (size_t) (semi - rest.ptr) : rest.len });
        rest = semi != NULL
                   ? (tg_str_t){ semi + 1,
                                 rest.len - (size_t) (semi + 1 - rest.ptr) }
                   : TG_STR("");

        if (pair.len >= sizeof(name) - 1
            && memcmp(pair.ptr, name, sizeof(name) - 1) == 0)
        {
            if (found) {
                return -1; /* two cookies of one name: which is meant? */
            }
            found = 1;
            *id = (tg_str_t){ pair.ptr + sizeof(name) - 1,
                              pair.len - (sizeof(name) - 1) };
        }
    }

    return found;
}


int
tg_native_session_authenticate(tg_native_call_t *call, tg_str_t id)
{
    const char *method = tg_http_method(call->req);
    const char *csrf = tg_http_header(call->req, TG_NATIVE_CSRF_HEADER);
    int unsafe = strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
    int rc;

    rc = tg_service_session_authenticate(
        call->svc, id, unsafe, csrf != NULL ? tg_str_c(csrf) : TG_STR_NULL,
        &call->actor, &call->session, &call->err);
    call->by_session = rc == TG_OK;
    return rc;
}


/* Sets the session cookie to value; an empty value deletes it. */
static void
tg_native_session_set_cookie(tg_native_call_t *call, const char *value)
{
    tg_http_response_header(call->res, "Set-Cookie",
                            "%s=%s; Path=/v1/; HttpOnly; SameSite=Strict%s%s",
                            TG_NATIVE_SESSION_COOKIE, value,
                            value[0] == '\0' ? "; Max-Age=0" : "",
                            tg_http_is_secure(call->req) ? "; Secure" : "");
}


json_t *
tg_native_permissions(const tg_native_call_t *call)
{
    unsigned char allowed[TG_ACTION_COUNT];
    json_t       *obj = json_object();
    size_t        a;

    tg_service_permissions(call->svc, &call->actor, allowed);
    for (a = 0; a < TG_ACTION_COUNT && obj != NULL; a++) {
        if (json_object_set_new(obj, tg_action_name((tg_action_t) a),
                                json_boolean(allowed[a]))
            != 0)
        {
            json_decref(obj);
            obj = NULL;
        }
    }
    return obj;
}


/* The session as the console reads it, with what its key may do. */
static json_t *
tg_native_session_render(const tg_native_call_t *call, const tg_session_t *s)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:I,s:b,s:o}", "access_key_id",
                     call->actor.key_id, "account_id", call->actor.account_id,
                     "role", call->actor.admin ? "admin" : "member",
                     "csrf_token", s->csrf, "created_at",
                     tg_native_time(s->created_at), "expires_at",
                     tg_native_time(s->expires_at), "idle_seconds",
                     (json_int_t) s->idle_seconds, "has_policies",
                     call->actor.policies != NULL, "permissions",
                     tg_native_permissions(call));
}


/* Wipes a string of the parsed body: the secret must not linger. */
static void
tg_native_session_wipe_field(tg_native_call_t *call, const char *name)
{
    json_t *v = tg_native_get(call, name);

    if (v != NULL && json_is_string(v)) {
        tg_wipe((char *) json_string_value(v), json_string_length(v));
    }
}


/* POST /v1/sessions {"access_key_id": ..., "access_key_secret": ...} */
void
tg_native_session_create(tg_native_call_t *call)
{
    tg_session_t session;
    tg_str_t     key_id, secret;
    int          rc;

    if (tg_native_body(call,
                       TG_NATIVE_FIELDS({ "access_key_id", TG_J_STRING },
                                        { "access_key_secret", TG_J_STRING }))
        != TG_OK)
    {
        tg_native_session_wipe_field(call, "access_key_secret");
        tg_native_fail(call);
        return;
    }

    key_id = tg_native_str(call, "access_key_id");
    secret = tg_native_str(call, "access_key_secret");

    if (key_id.ptr == NULL || secret.ptr == NULL) {
        tg_error_set(&call->err, TG_EMISSING,
                     key_id.ptr == NULL ? TG_FIELD_ACCESS_KEY_ID
                                        : TG_FIELD_ACCESS_KEY_SECRET,
                     "required");
        tg_native_session_wipe_field(call, "access_key_secret");
        tg_native_fail(call);
        return;
    }

    rc = tg_service_session_create(call->svc, key_id, secret, &call->actor,
                                   &session, &call->err);
    tg_native_session_wipe_field(call, "access_key_secret");

    if (rc == TG_EUNAUTHENTICATED) {
        tg_error_set(&call->err, rc, TG_FIELD_NONE,
                     "the access key id or secret is wrong, or the key or "
                     "its account is disabled");
    }
    if (rc != TG_OK) {
        tg_native_fail(call);
        return;
    }

    tg_http_set_actor(call->req, call->actor.key_id);
    tg_native_session_set_cookie(call, session.id);
    tg_native_reply(call, 201, tg_native_session_render(call, &session));
    tg_wipe(&session, sizeof(session));
}


/* GET /v1/sessions/current: the session of the cookie, with its CSRF
 * token (a page reloaded has lost it). */
void
tg_native_session_get(tg_native_call_t *call)
{
    if (!call->by_session) {
        tg_error_set(&call->err, TG_EUNAUTHENTICATED, TG_FIELD_NONE,
                     "this call has no console session: sign in with "
                     "POST /v1/sessions");
        tg_native_fail(call);
        return;
    }

    tg_native_reply(call, 200, tg_native_session_render(call, &call->session));
}


/* DELETE /v1/sessions/current: signs out, on the server. */
void
tg_native_session_delete(tg_native_call_t *call)
{
    tg_str_t id;

    if (!call->by_session || tg_native_session_cookie(call->req, &id) != 1) {
        tg_error_set(&call->err, TG_EUNAUTHENTICATED, TG_FIELD_NONE,
                     "this call has no console session");
        tg_native_fail(call);
        return;
    }

    if (tg_service_session_delete(call->svc, id, &call->actor, &call->err)
        != TG_OK) {
        tg_native_fail(call);
        return;
    }

    tg_native_session_set_cookie(call, "");
    tg_native_no_content(call);
}
