/*
 * projection_check: compares a data directory's LMDB projection with its
 * store, record by record, for the crash test (test/e2e/crash.test.mjs).
 * Only a test tool.
 *
 *     projection_check DATA_DIR [STORE_URL]
 *
 * It reads the store (SQLite in DATA_DIR, or the PostgreSQL database of
 * STORE_URL, a postgres:// URL as tollgated's store setting; sealed
 * secrets opened with keyring.json)
 * through the core service's data-plane feed from the first change, so
 * that it sees the current state of every app the change log names, and
 * derives what the projection must hold for each (the layout of
 * include/tollgate/projection.h): the apps record (enabled, AppId, rate
 * limit, the AppKeys and code hashes it owns), a keys record per AppKey
 * (the app, and each secret in clear with its expiry, opened with
 * dataplane.key), a codes record per AppCode and a grants record per
 * grant.  Then it walks every record of the projection's databases and
 * checks each against that, and the reverse: nothing missing, nothing
 * extra, nothing different.  A secret whose grace ended is not required,
 * and tolerated (the gateway refuses it by its expiry).  meta "seq" must
 * be the store's newest change.
 *
 * It may run beside a live tollgated: both files are read in a snapshot
 * (changes committed meanwhile make it report a difference).  It prints
 * each difference (names and ids, never a secret), then one line:
 *
 *     compared N records (apps A, keys K, secrets S, codes C, grants G);
 *     D differences; store seq X, projection seq Y
 *
 * Exits 0 when they are equal, 1 on a difference, 2 on an error.
 */

#include <lmdb.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/crypto.h"
#include "tollgate/error.h"
#include "tollgate/projection.h"
#include "tollgate/seal.h"
#include "tollgate/str.h"
#include "tollgate/time.h"
#include "keyring_file.h"
#include "log.h"
#include "service/service.h"
#include "store/db.h"
#include "store/store.h"


#define TG_CHECK_OWNED_MAX 64 /* AppKeys or codes of one app */
#define TG_CHECK_KEY_MAX   512

/* One record the projection must hold. */
typedef struct {
    tg_proj_db_t  db;
    char         *key; /* owned, klen bytes */
    size_t        klen;
    char          app[TG_PROJ_ID_LEN + 1];   /* keys, codes: the app */
    int64_t       expires;                   /* grants */
    tg_proj_app_t app_rec;                   /* apps */
    char         *owned[TG_CHECK_OWNED_MAX]; /* apps: 'k'/'c' + item, hex */
    size_t        nowned;
    char         *secrets[TG_PROJ_SECRETS]; /* keys: in clear */
    int64_t       secret_expires[TG_PROJ_SECRETS];
    size_t        nsecrets;
    int           seen;
} tg_want_t;

typedef struct {
    uint8_t    dpkey[TG_SEAL_KEY_LEN];
    int64_t    now;
    int64_t    store_seq;
    tg_want_t *wants;
    size_t     nwants, cap;
    long       differences;
    long       compared[TG_PROJ_NDBS];
    long       secrets;
    int        failed;
} tg_check_t;


static void
tg_diff(tg_check_t *c, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    printf("difference: ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    c->differences++;
}


/* A printable name of a record key: text, or hex for code hashes. */
static void
tg_key_name(tg_proj_db_t db, const void *key, size_t len, char *out,
            size_t size)
{
    const unsigned char *p = key;
    size_t               i, n = 0;

    if (db == TG_PROJ_CODES) {
        for (i = 0; i < len && n + 3 < size; i++) {
            n += (size_t) snprintf(out + n, size - n, "%02x", p[i]);
        }
        out[n] = '\0';
        return;
    }
    for (i = 0; i < len && n + 2 < size; i++) {
        out[n++] = p[i] >= 0x20 && p[i] < 0x7f ? (char) p[i] : '/';
    }
    out[n] = '\0';
}


static tg_want_t *
tg_want_add(tg_check_t *c, tg_proj_db_t db, const void *key, size_t klen)
{
    tg_want_t *w;

    if (c->nwants == c->cap) {
        size_t     cap = c->cap > 0 ? c->cap * 2 : 256;
        tg_want_t *grown = realloc(c->wants, cap * sizeof(*grown));

        if (grown == NULL) {
            return NULL;
        }
        c->wants = grown;
        c->cap = cap;
    }
    w = &c->wants[c->nwants];
    memset(w, 0, sizeof(*w));
    w->db = db;
    w->key = tg_strndup(key, klen);
    w->klen = klen;
    if (w->key == NULL) {
        return NULL;
    }
    c->nwants++;
    return w;
}


static char *
tg_owned_item(int kind, const void *item, size_t len)
{
    char *s = malloc(2 * len + 2);
    char  name[2 * TG_CHECK_KEY_MAX + 1];

    if (s != NULL) {
        tg_key_name(kind == 'c' ? TG_PROJ_CODES : TG_PROJ_KEYS, item, len, name,
                    sizeof(name));
        s[0] = (char) kind;
        strcpy(s + 1, name);
    }
    return s;
}


/* The keys record of one AppKey: current (may be NULL) and prev; the
 * app's record is wants[app_at] (an index: adding moves the array). */
static int
tg_want_key(tg_check_t *c, size_t app_at, const char *id, const char *key,
            const char *secret, const char *prev, int64_t prev_expires)
{
    tg_want_t *w = tg_want_add(c, TG_PROJ_KEYS, key, strlen(key));
    tg_want_t *app = &c->wants[app_at];

    if (w == NULL || app->nowned == TG_CHECK_OWNED_MAX) {
        return TG_ENOMEM;
    }
    snprintf(w->app, sizeof(w->app), "%s", id);
    if (secret != NULL) {
        w->secrets[w->nsecrets] = strdup(secret);
        w->secret_expires[w->nsecrets++] = 0;
    }
    if (prev != NULL) {
        w->secrets[w->nsecrets] = strdup(prev);
        w->secret_expires[w->nsecrets++] = prev_expires;
    }
    app->owned[app->nowned] = tg_owned_item('k', key, strlen(key));
    if (app->owned[app->nowned++] == NULL
        || (secret != NULL && w->secrets[0] == NULL)
        || (prev != NULL && w->secrets[w->nsecrets - 1] == NULL))
    {
        return TG_ENOMEM;
    }
    return TG_OK;
}


/* Everything the projection must hold for one existing app. */
static int
tg_want_app(tg_check_t *c, const tg_dp_app_t *a)
{
    uint8_t    hash[TG_PROJ_HASH_LEN];
    char       gkey[TG_CHECK_KEY_MAX];
    size_t     i, glen, app_at;
    tg_want_t *app, *w;
    int        rc = TG_OK, grace, same;

    app = tg_want_add(c, TG_PROJ_APPS, a->id, strlen(a->id));
    if (app == NULL) {
        return TG_ENOMEM;
    }
    app->app_rec.enabled = a->app.enabled;
    app->app_rec.app_id = a->app.app_id;
    app->app_rec.rate_rps = (uint32_t) a->app.rate_rps;
    app->app_rec.rate_burst = (uint32_t) a->app.rate_burst;
    /* tg_want_add() may move the array: app is found again by index. */
    app_at = c->nwants - 1;

    for (i = 0; i < a->npairs && rc == TG_OK; i++) {
        const tg_cred_t *kp = &a->pairs[i];
        const char      *prev = a->prev_secrets[i];

        grace = prev != NULL && kp->prev_key != NULL
                && kp->prev_expires_at > c->now;
        same = grace && strcmp(kp->prev_key, kp->key) == 0;
        rc = tg_want_key(c, app_at, a->id, kp->key, a->secrets[i],
                         same ? prev : NULL, kp->prev_expires_at);
        if (rc == TG_OK && grace && !same) {
            rc = tg_want_key(c, app_at, a->id, kp->prev_key, NULL, prev,
                             kp->prev_expires_at);
        }
    }
    for (i = 0; i < a->ncodes && rc == TG_OK; i++) {
        rc = tg_proj_code_key(c->dpkey, tg_str_c(a->codes[i]), hash);
        if (rc == TG_OK) {
            w = tg_want_add(c, TG_PROJ_CODES, hash, sizeof(hash));
            app = &c->wants[app_at];
            if (w == NULL || app->nowned == TG_CHECK_OWNED_MAX) {
                return TG_ENOMEM;
            }
            snprintf(w->app, sizeof(w->app), "%s", a->id);
            app->owned[app->nowned] = tg_owned_item('c', hash, sizeof(hash));
            if (app->owned[app->nowned++] == NULL) {
                return TG_ENOMEM;
            }
        }
    }
    for (i = 0; i < a->ngrants && rc == TG_OK; i++) {
        rc = tg_proj_grant_key(tg_str_c(a->id), tg_str_c(a->grants[i].api_name),
                               tg_str_c(a->grants[i].stage), gkey, sizeof(gkey),
                               &glen);
        if (rc == TG_OK) {
            w = tg_want_add(c, TG_PROJ_GRANTS, gkey, glen);
            if (w == NULL) {
                return TG_ENOMEM;
            }
            w->expires = a->grants[i].expires_at;
        }
    }
    return rc;
}


/* The feed's one batch (tg_dp_apply_pt): every app the log names. */
static int
tg_check_collect(void *data, int64_t seq, const tg_dp_app_t *apps, size_t n)
{
    tg_check_t *c = data;
    size_t      i;
    int         rc = TG_OK;

    c->store_seq = seq;
    for (i = 0; i < n && rc == TG_OK; i++) {
        if (apps[i].exists) {
            rc = tg_want_app(c, &apps[i]);
        }
    }
    return rc;
}


static int
tg_want_cmp(const void *a, const void *b)
{
    const tg_want_t *x = a, *y = b;
    size_t           n = x->klen < y->klen ? x->klen : y->klen;
    int              d;

    if (x->db != y->db) {
        return x->db < y->db ? -1 : 1;
    }
    d = memcmp(x->key, y->key, n);
    if (d != 0) {
        return d;
    }
    return x->klen < y->klen ? -1 : x->klen > y->klen;
}


static int
tg_str_cmp_p(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}


static tg_want_t *
tg_want_find(tg_check_t *c, tg_proj_db_t db, const void *key, size_t klen)
{
    tg_want_t probe;

    probe.db = db;
    probe.key = (char *) key;
    probe.klen = klen;
    return bsearch(&probe, c->wants, c->nwants, sizeof(tg_want_t), tg_want_cmp);
}


typedef struct {
    char  *items[TG_CHECK_OWNED_MAX];
    size_t n;
    int    overflow;
} tg_owned_t;


static int
tg_owned_collect(void *data, int kind, tg_str_t item)
{
    tg_owned_t *o = data;

    if (o->n == TG_CHECK_OWNED_MAX) {
        o->overflow = 1;
        return 0;
    }
    o->items[o->n] = tg_owned_item(kind, item.ptr, item.len);
    return o->items[o->n++] == NULL ? TG_ENOMEM : 0;
}


static void
tg_check_app(tg_check_t *c, tg_want_t *w, const char *name, tg_str_t value)
{
    tg_proj_app_t a;
    tg_owned_t    o = { { NULL }, 0, 0 };
    size_t        i;
    int           same;

    if (tg_proj_app_decode(value, &a) != TG_OK
        || tg_proj_app_owned(value, tg_owned_collect, &o) != TG_OK)
    {
        tg_diff(c, "apps %s: malformed record", name);
        goto done;
    }
    if (a.enabled != w->app_rec.enabled || a.app_id != w->app_rec.app_id
        || a.rate_rps != w->app_rec.rate_rps
        || a.rate_burst != w->app_rec.rate_burst)
    {
        tg_diff(c,
                "apps %s: enabled/app_id/rate %d/%lld/%u/%u, the store "
                "%d/%lld/%u/%u",
                name, a.enabled, (long long) a.app_id, a.rate_rps, a.rate_burst,
                w->app_rec.enabled, (long long) w->app_rec.app_id,
                w->app_rec.rate_rps, w->app_rec.rate_burst);
    }
    qsort(o.items, o.n, sizeof(char *), tg_str_cmp_p);
    qsort(w->owned, w->nowned, sizeof(char *), tg_str_cmp_p);
    same = !o.overflow && o.n == w->nowned;
    for (i = 0; same && i < o.n; i++) {
        same = strcmp(o.items[i], w->owned[i]) == 0;
    }
    if (!same) {
        tg_diff(c, "apps %s: owns %zu AppKeys/codes, the store %zu, or others",
                name, o.n, w->nowned);
    }

done:
    for (i = 0; i < o.n; i++) {
        free(o.items[i]);
    }
}


/* Compares a keys record's secrets, opened, with the store's.  A secret
 * whose grace ended is skipped on both sides. */
static void
tg_check_key(tg_check_t *c, tg_want_t *w, const char *name, tg_str_t key,
             tg_str_t value)
{
    tg_proj_key_t k;
    char          clear[TG_PROJ_SECRET_MAX];
    size_t        i, j = 0, len;
    int64_t       exp;

    if (tg_proj_key_decode(value, &k) != TG_OK) {
        tg_diff(c, "keys %s: malformed record", name);
        return;
    }
    if (k.app.len != strlen(w->app) || memcmp(k.app.ptr, w->app, k.app.len)) {
        tg_diff(c, "keys %s: names another app than the store's %s", name,
                w->app);
    }
    for (i = 0; i < k.nsecrets; i++) {
        exp = k.secrets[i].expires_at;
        if (exp != 0 && exp <= c->now) {
            continue;
        }
        c->secrets++;
        if (j == w->nsecrets) {
            tg_diff(c, "keys %s: a secret the store does not hold", name);
            continue;
        }
        if (tg_proj_secret_open(c->dpkey, key, k.secrets[i].sealed, clear, &len)
            != TG_OK)
        {
            tg_diff(c, "keys %s: secret %zu does not open", name, i);
        } else if (!tg_equal_ct(clear, len, w->secrets[j],
                                strlen(w->secrets[j]))
                   || exp != w->secret_expires[j])
        {
            tg_diff(c, "keys %s: secret %zu differs from the store's", name, i);
        }
        tg_wipe(clear, sizeof(clear));
        j++;
    }
    for (; j < w->nsecrets; j++) {
        if (w->secret_expires[j] == 0 || w->secret_expires[j] > c->now) {
            tg_diff(c, "keys %s: secret %zu of the store missing", name, j);
        }
    }
}


/* Walks one database and checks each record against the wants. */
static int
tg_check_db(tg_check_t *c, MDB_txn *txn, tg_proj_db_t db)
{
    MDB_dbi     dbi;
    MDB_cursor *cur;
    MDB_val     k, v;
    tg_want_t  *w;
    tg_str_t    app, value;
    char        name[2 * TG_CHECK_KEY_MAX + 1];
    int64_t     exp;
    int         rc;

    rc = mdb_dbi_open(txn, tg_proj_db_name(db), 0, &dbi);
    if (rc == MDB_SUCCESS) {
        rc = mdb_cursor_open(txn, dbi, &cur);
    }
    if (rc != MDB_SUCCESS) {
        fprintf(stderr, "projection_check: %s: %s\n", tg_proj_db_name(db),
                mdb_strerror(rc));
        return -1;
    }

    while ((rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == MDB_SUCCESS) {
        tg_key_name(db, k.mv_data, k.mv_size, name, sizeof(name));
        value = (tg_str_t){ v.mv_data, v.mv_size };
        c->compared[db]++;
        w = tg_want_find(c, db, k.mv_data, k.mv_size);
        if (w == NULL) {
            tg_proj_key_t key;
            size_t        i;
            int           live = 0;

            /* A keys record that only holds secrets whose grace ended. */
            if (db == TG_PROJ_KEYS && tg_proj_key_decode(value, &key) == TG_OK)
            {
                for (i = 0; i < key.nsecrets; i++) {
                    exp = key.secrets[i].expires_at;
                    live |= exp == 0 || exp > c->now;
                }
                if (!live && key.nsecrets > 0) {
                    continue;
                }
            }
            tg_diff(c, "%s %s: not in the store", tg_proj_db_name(db), name);
            continue;
        }
        w->seen = 1;
        switch (db) {
        case TG_PROJ_APPS:
            tg_check_app(c, w, name, value);
            break;
        case TG_PROJ_KEYS:
            tg_check_key(c, w, name, (tg_str_t){ k.mv_data, k.mv_size }, value);
            break;
        case TG_PROJ_CODES:
            if (tg_proj_code_decode(value, &app) != TG_OK
                || app.len != strlen(w->app)
                || memcmp(app.ptr, w->app, app.len) != 0)
            {
                tg_diff(c, "codes %s: names another app than the store's %s",
                        name, w->app);
            }
            break;
        case TG_PROJ_GRANTS:
            if (tg_proj_i64_decode(value, &exp) != TG_OK || exp != w->expires) {
                tg_diff(c, "grants %s: another expiry than the store's", name);
            }
            break;
        default:
            break;
        }
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : -1;
}


/* Walks the projection; reports missing records and the seq. */
static int
tg_check_projection(tg_check_t *c, const char *data_dir, int64_t *proj_seq)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi  meta;
    MDB_val  k, v;
    char     dir[4096], name[2 * TG_CHECK_KEY_MAX + 1];
    size_t   i;
    int      rc, db, out = 0;

    snprintf(dir, sizeof(dir), "%s/%s", data_dir, TG_PROJ_DIR);
    rc = mdb_env_create(&env);
    if (rc == MDB_SUCCESS) {
        rc = mdb_env_set_maxdbs(env, TG_PROJ_MAXDBS);
    }
    if (rc == MDB_SUCCESS) {
        rc = mdb_env_open(env, dir, MDB_RDONLY | MDB_NOTLS, 0600);
    }
    if (rc == MDB_SUCCESS) {
        rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
    }
    if (rc != MDB_SUCCESS) {
        fprintf(stderr, "projection_check: %s: %s\n", dir, mdb_strerror(rc));
        return -1;
    }

    *proj_seq = 0;
    rc = mdb_dbi_open(txn, tg_proj_db_name(TG_PROJ_META), 0, &meta);
    if (rc == MDB_SUCCESS) {
        k.mv_data = TG_PROJ_META_SEQ;
        k.mv_size = sizeof(TG_PROJ_META_SEQ) - 1;
        if (mdb_get(txn, meta, &k, &v) == MDB_SUCCESS) {
            (void) tg_proj_i64_decode((tg_str_t){ v.mv_data, v.mv_size },
                                      proj_seq);
        }
    }
    for (db = TG_PROJ_APPS; db < TG_PROJ_NDBS && out == 0; db++) {
        out = tg_check_db(c, txn, (tg_proj_db_t) db);
    }
    mdb_txn_abort(txn);
    mdb_env_close(env);

    for (i = 0; out == 0 && i < c->nwants; i++) {
        if (!c->wants[i].seen) {
            tg_key_name(c->wants[i].db, c->wants[i].key, c->wants[i].klen, name,
                        sizeof(name));
            tg_diff(c, "%s %s: in the store, not in the projection",
                    tg_proj_db_name(c->wants[i].db), name);
        }
    }
    return out;
}


static int
tg_check_dpkey(tg_check_t *c, const char *data_dir)
{
    char   path[4096], text[2 * TG_SEAL_KEY_LEN + 2];
    FILE  *f;
    size_t n;
    int    rc;

    snprintf(path, sizeof(path), "%s/%s", data_dir, TG_PROJ_KEY_FILE);
    f = fopen(path, "r");
    if (f == NULL) {
        perror(path);
        return -1;
    }
    n = fread(text, 1, sizeof(text), f);
    fclose(f);
    rc = tg_proj_key_parse((tg_str_t){ text, n }, c->dpkey);
    tg_wipe(text, sizeof(text));
    if (rc != TG_OK) {
        fprintf(stderr, "projection_check: %s: not a key\n", path);
        return -1;
    }
    return 0;
}


/* Reads the store's side: every app's current state, from seq 0. */
static int
tg_check_store(tg_check_t *c, const char *data_dir, const char *url)
{
    tg_keyring_t       *kr = NULL;
    tg_store_t         *store = NULL;
    tg_service_t       *svc = NULL;
    tg_service_limits_t limits;
    tg_db_options_t     options;
    tg_error_t          err;
    char                path[4096], errbuf[512];
    int64_t             seq = 0;
    int                 rc, created = 0, more = 0;

    snprintf(path, sizeof(path), "%s/keyring.json", data_dir);
    rc = tg_keyring_file_open(path, 0, &kr, &created, errbuf, sizeof(errbuf));
    if (rc != TG_OK) {
        fprintf(stderr, "projection_check: %s\n", errbuf);
        return -1;
    }

    snprintf(path, sizeof(path), "%s/tollgate.db", data_dir);
    memset(&options, 0, sizeof(options));
    options.path = path;
    options.connections = 1;
    options.busy_ms = 10000;
    if (url != NULL) {
        options.path = url;
    }
    rc = tg_store_open(url != NULL ? &tg_db_postgres : &tg_db_sqlite, &options,
                       &store);
    if (rc == TG_OK) {
        memset(&limits, 0, sizeof(limits));
        rc = tg_service_create(store, kr, &limits, &svc);
    }
    if (rc == TG_OK) {
        memset(&err, 0, sizeof(err));
        rc = tg_service_dp_changes(svc, &seq, INT64_MAX, tg_check_collect, c,
                                   &more, &err);
    }
    if (rc != TG_OK) {
        fprintf(stderr, "projection_check: the store: %s\n", tg_strerror(rc));
    }

    tg_service_destroy(svc);
    tg_store_close(store);
    tg_keyring_destroy(kr);
    return rc == TG_OK ? 0 : -1;
}


static void
tg_check_free(tg_check_t *c)
{
    size_t i, j;

    for (i = 0; i < c->nwants; i++) {
        free(c->wants[i].key);
        for (j = 0; j < c->wants[i].nowned; j++) {
            free(c->wants[i].owned[j]);
        }
        for (j = 0; j < c->wants[i].nsecrets; j++) {
            if (c->wants[i].secrets[j] != NULL) {
                tg_wipe(c->wants[i].secrets[j], strlen(c->wants[i].secrets[j]));
                free(c->wants[i].secrets[j]);
            }
        }
    }
    free(c->wants);
    tg_wipe(c->dpkey, sizeof(c->dpkey));
}


int
main(int argc, char **argv)
{
    tg_check_t c;
    int64_t    proj_seq = 0;
    long       total = 0;
    int        i, rc = 2;

    if (argc != 2 && argc != 3) {
        fprintf(stderr, "usage: projection_check DATA_DIR [STORE_URL]\n");
        return 2;
    }
    memset(&c, 0, sizeof(c));
    tg_log_configure(0, TG_LOG_ERROR);
    c.now = tg_time_now_ms();

    if (tg_check_dpkey(&c, argv[1]) == 0
        && tg_check_store(&c, argv[1], argc == 3 ? argv[2] : NULL) == 0)
    {
        qsort(c.wants, c.nwants, sizeof(tg_want_t), tg_want_cmp);
        if (tg_check_projection(&c, argv[1], &proj_seq) == 0) {
            if (proj_seq != c.store_seq) {
                tg_diff(&c, "meta seq: %lld, the store's newest change %lld",
                        (long long) proj_seq, (long long) c.store_seq);
            }
            for (i = 0; i < TG_PROJ_NDBS; i++) {
                total += c.compared[i];
            }
            printf("compared %ld records (apps %ld, keys %ld, secrets %ld, "
                   "codes %ld, grants %ld); %ld differences; store seq %lld, "
                   "projection seq %lld\n",
                   total, c.compared[TG_PROJ_APPS], c.compared[TG_PROJ_KEYS],
                   c.secrets, c.compared[TG_PROJ_CODES],
                   c.compared[TG_PROJ_GRANTS], c.differences,
                   (long long) c.store_seq, (long long) proj_seq);
            rc = c.differences == 0 ? 0 : 1;
        }
    }
    tg_check_free(&c);
    return rc;
}
