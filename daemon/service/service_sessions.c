/*
 * Console sessions: an access key traded once for a random session id
 * and a CSRF token, both kept in memory (see service.h).
 *
 * The table keeps the SHA-256 of each session id, never the id itself,
 * so that a memory dump holds nothing a browser could replay; lookups
 * compare digests in constant time.  A session holds its access key's
 * id only: each call loads the key again, so that a key disabled,
 * deleted or demoted acts no longer, or no more, through its sessions.
 *
 * Failed sign-ins are counted per client address in a small table of
 * token buckets; a success gives its token back, so that only failures
 * count.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/crypto.h"
#include "tollgate/time.h"
#include "service/service_int.h"


#define TG_SIGNIN_SOURCES_MAX 1024 /* addresses whose failures are kept */

typedef struct {
    uint8_t digest[TG_SHA256_LEN]; /* of the id; all zero: a free slot */
    char    csrf[TG_SESSION_CSRF_LEN + 1];
    char    key_id[TG_KEY_ID_MAX + 1];
    int64_t created_at;   /* Unix ms */
    int64_t expires_at;   /* Unix ms */
    int64_t last_used_ms; /* monotonic */
    int     used;
} tg_session_slot_t;

typedef struct {
    char        source[TG_AUDIT_SOURCE_MAX + 1];
    tg_bucket_t bucket;
    int64_t     last_ms; /* monotonic: the least recent is replaced */
} tg_signin_bucket_t;

struct tg_session_table_s {
    int64_t            life_ms;
    int64_t            idle_ms;
    tg_session_slot_t  slots[TG_SESSIONS_MAX];
    tg_signin_bucket_t sources[TG_SIGNIN_SOURCES_MAX];
    size_t             nsources;
};


void
tg_session_table_destroy(tg_session_table_t *t)
{
    if (t != NULL) {
        tg_wipe(t, sizeof(*t));
        free(t);
    }
}


/* The table, made on first use; NULL: no memory.  Under session_lock. */
static tg_session_table_t *
tg_session_table(tg_service_t *svc)
{
    if (svc->sessions == NULL) {
        svc->sessions = calloc(1, sizeof(tg_session_table_t));
        if (svc->sessions != NULL) {
            svc->sessions->life_ms = TG_SESSION_LIFE_DEFAULT * 1000LL;
            svc->sessions->idle_ms = TG_SESSION_IDLE_DEFAULT * 1000LL;
        }
    }
    return svc->sessions;
}


void
tg_service_session_limits(tg_service_t *svc, int64_t life_seconds,
                          int64_t idle_seconds)
{
    tg_session_table_t *t;

    pthread_mutex_lock(&svc->session_lock);
    t = tg_session_table(svc);
    if (t != NULL && life_seconds > 0) {
        t->life_ms = life_seconds * 1000;
    }
    if (t != NULL && idle_seconds > 0) {
        t->idle_ms = idle_seconds * 1000;
    }
    pthread_mutex_unlock(&svc->session_lock);
}


/* 32 random bytes as unpadded base64url: TG_SESSION_ID_LEN characters. */
static int
tg_session_token(char out[TG_SESSION_ID_LEN + 1])
{
    uint8_t raw[32];
    char    text[TG_BASE64_ENCODED_LEN(32)];
    size_t  i;

    if (tg_random_bytes(raw, sizeof(raw)) != TG_OK) {
        return TG_EINTERNAL;
    }

    tg_base64_encode(raw, sizeof(raw), text);
    for (i = 0; i < TG_SESSION_ID_LEN; i++) {
        out[i] = text[i] == '+' ? '-' : text[i] == '/' ? '_' : text[i];
    }
    out[TG_SESSION_ID_LEN] = '\0';

    tg_wipe(raw, sizeof(raw));
    tg_wipe(text, sizeof(text));
    return TG_OK;
}


/* The bucket of failed sign-ins from source; NULL only without one. */
static tg_signin_bucket_t *
tg_signin_bucket(tg_session_table_t *t, const char *source, int64_t now)
{
    tg_signin_bucket_t *b, *oldest = NULL;
    size_t              i;

    for (i = 0; i < t->nsources; i++) {
        b = &t->sources[i];
        if (strcmp(b->source, source) == 0) {
            b->last_ms = now;
            return b;
        }
        if (oldest == NULL || b->last_ms < oldest->last_ms) {
            oldest = b;
        }
    }

    b = t->nsources < TG_SIGNIN_SOURCES_MAX ? &t->sources[t->nsources++]
                                            : oldest;
    if (b == NULL) {
        return NULL;
    }

    snprintf(b->source, sizeof(b->source), "%s", source);
    b->bucket = TG_BUCKET_INIT;
    b->last_ms = now;
    return b;
}


/*
 * Takes a sign-in attempt from source's bucket: 0, TG_ERATE_LIMITED
 * (with *retry_ms), or TG_ENOMEM.
 */
static int
tg_signin_take(tg_service_t *svc, const char *source, int64_t *retry_ms)
{
    tg_session_table_t *t;
    tg_signin_bucket_t *b;
    int64_t             now = tg_time_monotonic_ms();
    int                 rc = TG_ENOMEM;

    pthread_mutex_lock(&svc->session_lock);
    t = tg_session_table(svc);
    b = t != NULL ? tg_signin_bucket(t, source, now) : NULL;
    if (b != NULL) {
        rc = tg_bucket_take(&b->bucket, 1.0 / TG_SIGNIN_FAILURE_EVERY,
                            TG_SIGNIN_FAILURE_BURST, now, retry_ms);
    }
    pthread_mutex_unlock(&svc->session_lock);
    return rc;
}


/* Gives back the attempt of a sign-in that succeeded. */
static void
tg_signin_refund(tg_service_t *svc, const char *source)
{
    tg_session_table_t *t;
    size_t              i;

    pthread_mutex_lock(&svc->session_lock);
    t = svc->sessions;
    for (i = 0; t != NULL && i < t->nsources; i++) {
        if (strcmp(t->sources[i].source, source) == 0) {
            t->sources[i].bucket.tokens += 1;
            if (t->sources[i].bucket.tokens > TG_SIGNIN_FAILURE_BURST) {
                t->sources[i].bucket.tokens = TG_SIGNIN_FAILURE_BURST;
            }
            break;
        }
    }
    pthread_mutex_unlock(&svc->session_lock);
}


/* Whether slot s has ended at now (wall ms) and mono (monotonic ms). */
static int
tg_session_ended(const tg_session_table_t *t, const tg_session_slot_t *s,
                 int64_t now, int64_t mono)
{
    return now >= s->expires_at || mono - s->last_used_ms >= t->idle_ms;
}


/* A slot for a new session: a free or ended one, else the least
 * recently used.  Under session_lock. */
static tg_session_slot_t *
tg_session_slot_free(tg_session_table_t *t, int64_t now, int64_t mono)
{
    tg_session_slot_t *s, *lru = &t->slots[0];
    size_t             i;

    for (i = 0; i < TG_SESSIONS_MAX; i++) {
        s = &t->slots[i];
        if (!s->used || tg_session_ended(t, s, now, mono)) {
            return s;
        }
        if (s->last_used_ms < lru->last_used_ms) {
            lru = s;
        }
    }

    return lru;
}


/* The live slot whose id has this digest, or NULL.  Under session_lock. */
static tg_session_slot_t *
tg_session_find(tg_session_table_t *t, const uint8_t digest[TG_SHA256_LEN])
{
    size_t i;

    for (i = 0; i < TG_SESSIONS_MAX; i++) {
        if (t->slots[i].used
            /* constant time comparison */
            && tg_equal_ct(t->slots[i].digest, TG_SHA256_LEN, digest,
                           TG_SHA256_LEN))
        {
            return &t->slots[i];
        }
    }

    return NULL;
}


static int
tg_session_nothing_txn(tg_service_t *svc, tg_txn_t *t, void *data,
                       tg_audit_event_t *ev, tg_error_t *err)
{
    (void) svc;
    (void) t;
    (void) data;
    (void) ev;
    (void) err;
    return TG_OK;
}


/* Records event (a sign-in or sign-out) of actor's session. */
static int
tg_session_audit(tg_service_t *svc, const tg_actor_t *actor, const char *event,
                 tg_error_t *err)
{
    tg_audit_event_t ev;

    tg_audit_start(&ev, actor, event, "access_key", tg_str_c(actor->key_id));
    return tg_write(svc, &ev, tg_session_nothing_txn, NULL, err);
}


/* Stores a new session for actor's key into a slot; fills out. */
static int
tg_session_store(tg_service_t *svc, const tg_actor_t *actor, tg_session_t *out)
{
    tg_session_table_t *t;
    tg_session_slot_t  *s;
    uint8_t             digest[TG_SHA256_LEN];
    int64_t             now = tg_time_now_ms(), mono = tg_time_monotonic_ms();
    int                 rc;

    rc = tg_session_token(out->id);
    if (rc == TG_OK) {
        rc = tg_session_token(out->csrf);
    }
    if (rc == TG_OK) {
        rc = tg_sha256(tg_str_c(out->id), digest);
    }
    if (rc != TG_OK) {
        return rc;
    }

    pthread_mutex_lock(&svc->session_lock);
    t = tg_session_table(svc);
    if (t == NULL) {
        pthread_mutex_unlock(&svc->session_lock);
        return TG_ENOMEM;
    }

    s = tg_session_slot_free(t, now, mono);
    memset(s, 0, sizeof(*s));
    memcpy(s->digest, digest, sizeof(digest));
    memcpy(s->csrf, out->csrf, sizeof(s->csrf));
    snprintf(s->key_id, sizeof(s->key_id), "%s", actor->key_id);
    s->created_at = now;
    s->expires_at = now + t->life_ms;
    s->last_used_ms = mono;
    s->used = 1;

    out->created_at = now;
    out->expires_at = s->expires_at;
    out->idle_seconds = t->idle_ms / 1000;
    pthread_mutex_unlock(&svc->session_lock);

    tg_wipe(digest, sizeof(digest));
    return TG_OK;
}


int
tg_service_session_create(tg_service_t *svc, tg_str_t key_id, tg_str_t secret,
                          tg_actor_t *actor, tg_session_t *out, tg_error_t *err)
{
    int64_t retry_ms = 0;
    int     rc;

    memset(out, 0, sizeof(*out));

    rc = tg_signin_take(svc, actor->source, &retry_ms);
    if (rc == TG_ERATE_LIMITED) {
        tg_error_set(err, rc, TG_FIELD_NONE,
                     "too many failed sign-ins from this address: try "
                     "again in %lld s",
                     (long long) ((retry_ms + 999) / 1000));
        if (err != NULL) {
            err->retry_after = (retry_ms + 999) / 1000;
        }
        return rc;
    }
    if (rc != TG_OK) {
        return tg_error_code(err, rc);
    }

    rc = tg_service_authenticate(svc, key_id, secret, actor, err);
    if (rc != TG_OK) {
        return rc;
    }
    tg_signin_refund(svc, actor->source);

    rc = tg_session_store(svc, actor, out);
    if (rc != TG_OK) {
        tg_wipe(out, sizeof(*out));
        return tg_error_code(err, rc);
    }

    rc = tg_session_audit(svc, actor, "session.create", err);
    if (rc != TG_OK) {
        (void) tg_service_session_delete(svc, tg_str_c(out->id), actor, NULL);
        tg_wipe(out, sizeof(*out));
    }
    return rc;
}


/*
 * Finds session id, checks its times and CSRF token and renews it.
 * Copies its key id into key_id and the session (no id) into out.
 */
static int
tg_session_check(tg_service_t *svc, tg_str_t id, int unsafe, tg_str_t csrf,
                 char key_id[TG_KEY_ID_MAX + 1], tg_session_t *out,
                 tg_error_t *err)
{
    tg_session_slot_t *s;
    uint8_t            digest[TG_SHA256_LEN];
    int64_t            now = tg_time_now_ms(), mono = tg_time_monotonic_ms();
    int                rc = TG_OK;

    if (id.len != TG_SESSION_ID_LEN || tg_sha256(id, digest) != TG_OK) {
        return tg_error_set(err, TG_EUNAUTHENTICATED, TG_FIELD_NONE,
                            "the console session is not valid: sign in "
                            "again");
    }

    pthread_mutex_lock(&svc->session_lock);
    s = svc->sessions != NULL ? tg_session_find(svc->sessions, digest) : NULL;

    if (s == NULL || tg_session_ended(svc->sessions, s, now, mono)) {
        if (s != NULL) {
            tg_wipe(s, sizeof(*s));
        }
        rc = tg_error_set(err, TG_EUNAUTHENTICATED, TG_FIELD_NONE,
                          "the console session has ended or is not valid: "
                          "sign in again");

    } else if (unsafe
               /* constant time comparison */
               && !tg_equal_ct(csrf.ptr != NULL ? csrf.ptr : "", csrf.len,
                               s->csrf, TG_SESSION_CSRF_LEN))
    {
        rc = tg_error_set(err, TG_EFORBIDDEN, TG_FIELD_NONE,
                          "a call that changes state with a console session "
                          "must carry the session's X-CSRF-Token header");

    } else {
        s->last_used_ms = mono;
        memcpy(key_id, s->key_id, TG_KEY_ID_MAX + 1);
        if (out != NULL) {
            memset(out, 0, sizeof(*out));
            memcpy(out->csrf, s->csrf, sizeof(out->csrf));
            out->created_at = s->created_at;
            out->expires_at = s->expires_at;
            out->idle_seconds = svc->sessions->idle_ms / 1000;
        }
    }

    pthread_mutex_unlock(&svc->session_lock);
    tg_wipe(digest, sizeof(digest));
    return rc;
}


int
tg_service_session_authenticate(tg_service_t *svc, tg_str_t id, int unsafe,
                                tg_str_t csrf, tg_actor_t *actor,
                                tg_session_t *out, tg_error_t *err)
{
    tg_access_key_t key;
    char            key_id[TG_KEY_ID_MAX + 1];
    int             rc, enabled = 0;

    rc = tg_session_check(svc, id, unsafe, csrf, key_id, out, err);
    if (rc != TG_OK) {
        return rc;
    }

    memset(&key, 0, sizeof(key));
    rc = tg_signed_key_load(svc, tg_str_c(key_id), &key, &enabled);

    if (rc == TG_OK && key.enabled && enabled) {
        snprintf(actor->key_id, sizeof(actor->key_id), "%s", key.id);
        memcpy(actor->account_id, key.account_id, sizeof(actor->account_id));
        actor->admin = key.admin;
    } else if (rc == TG_OK || rc == TG_EACCESS_KEY_NOT_FOUND) {
        (void) tg_service_session_delete(svc, id, actor, NULL);
        rc = tg_error_set(err, TG_EUNAUTHENTICATED, TG_FIELD_NONE,
                          "the session's access key or its account is "
                          "disabled or gone: sign in again");
    } else {
        rc = tg_error_code(err, rc);
    }

    tg_access_key_free(&key);

    /* The key's policies bind its sessions as they bind its signed calls. */

    if (rc == TG_OK) {
        rc = tg_policies_load(svc, actor, err);
    }
    if (rc != TG_OK && out != NULL) {
        tg_wipe(out, sizeof(*out));
    }
    return rc;
}


int
tg_service_session_delete(tg_service_t *svc, tg_str_t id,
                          const tg_actor_t *actor, tg_error_t *err)
{
    tg_session_slot_t *s;
    uint8_t            digest[TG_SHA256_LEN];
    int                found = 0;

    if (id.len != TG_SESSION_ID_LEN || tg_sha256(id, digest) != TG_OK) {
        return TG_OK;
    }

    pthread_mutex_lock(&svc->session_lock);
    s = svc->sessions != NULL ? tg_session_find(svc->sessions, digest) : NULL;
    if (s != NULL) {
        tg_wipe(s, sizeof(*s));
        found = 1;
    }
    pthread_mutex_unlock(&svc->session_lock);

    tg_wipe(digest, sizeof(digest));

    if (found && actor != NULL && actor->key_id[0] != '\0' && err != NULL) {
        return tg_session_audit(svc, actor, "session.delete", err);
    }
    return TG_OK;
}


void
tg_service_permissions(tg_service_t *svc, const tg_actor_t *actor,
                       unsigned char allowed[TG_ACTION_COUNT])
{
    size_t a;

    for (a = 0; a < TG_ACTION_COUNT; a++) {
        allowed[a] = (unsigned char) tg_authorize_may(
            actor, (tg_action_t) a, svc->region, actor->account_id);
    }
}
