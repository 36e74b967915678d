/*
 * Tests of the projector (daemon/projection/): the real store and core
 * service on a temporary SQLite database, driven through the service's
 * operations, and the LMDB projection they produce, read back the way the
 * gateway reads it (include/tollgate/projection.h).
 *
 * LMDB must not open one environment twice in a process, so each check
 * closes the projector, reads the environment, and opens the projector
 * again: every reopen is also a catch-up from the recorded seq.
 */

#define _XOPEN_SOURCE 700

#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tollgate/projection.h"
#include "tollgate/time.h"
#include "projection/projector.h"
#include "service/service.h"

#include "fixture.h"
#include "unit.h"


typedef struct {
    tg_fixture_t    fx; /* first: see tg_fixture_alloc() */
    tg_projector_t *proj;
    uint8_t         dp_key[TG_SEAL_KEY_LEN];
} fixture_t;

/* What the projection holds, read in one transaction. */
typedef struct {
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi  dbi[TG_PROJ_NDBS];
} view_t;


static void
projector_open(fixture_t *f)
{
    tg_projector_options_t o;
    char                   errbuf[256];

    o.data_dir = f->fx.dir;
    o.map_size = 64 << 20;
    o.service = f->fx.svc;
    assert_rc(tg_projector_open(&o, &f->proj, errbuf, sizeof(errbuf)), TG_OK);
}


static int
setup(void **state)
{
    static const tg_fixture_spec_t spec = {
        .name = "proj",
        .key_id = "TGprojAdmin0001",
        .key_secret = "proj-admin-secret-0123456789",
        .limits = { .max_apps = 100,
                    .max_key_pairs = 5,
                    .max_codes = 5,
                    .max_grace_seconds = 86400,
                    .app_write_burst = 1 },
    };
    fixture_t *f;
    char       path[128], text[80];
    FILE      *fp;

    f = tg_fixture_alloc(sizeof(*f), &spec);
    if (f == NULL) {
        return -1;
    }

    projector_open(f);

    snprintf(path, sizeof(path), "%s/%s", f->fx.dir, TG_PROJ_KEY_FILE);
    fp = fopen(path, "r");
    if (fp == NULL || fgets(text, sizeof(text), fp) == NULL
        || tg_proj_key_parse(tg_str_c(text), f->dp_key) != TG_OK)
    {
        return -1;
    }
    fclose(fp);

    *state = f;
    return 0;
}


static int
teardown(void **state)
{
    fixture_t *f = *state;

    tg_projector_close(f->proj);
    tg_fixture_free(f);
    return 0;
}


/* Closes the projector (applying everything first) and opens the view. */
static void
view_open(fixture_t *f, view_t *v)
{
    char   dir[128];
    size_t i;

    assert_rc(tg_projector_sync(f->proj), TG_OK);
    tg_projector_close(f->proj);
    f->proj = NULL;

    snprintf(dir, sizeof(dir), "%s/%s", f->fx.dir, TG_PROJ_DIR);
    assert_int_equal(mdb_env_create(&v->env), 0);
    assert_int_equal(mdb_env_set_maxdbs(v->env, TG_PROJ_MAXDBS), 0);
    assert_int_equal(mdb_env_open(v->env, dir, MDB_RDONLY, 0600), 0);
    assert_int_equal(mdb_txn_begin(v->env, NULL, MDB_RDONLY, &v->txn), 0);
    for (i = 0; i < TG_PROJ_NDBS; i++) {
        assert_int_equal(
            mdb_dbi_open(v->txn, tg_proj_db_name(i), 0, &v->dbi[i]), 0);
    }
}


/* Closes the view and opens the projector again (a catch-up). */
static void
view_close(fixture_t *f, view_t *v)
{
    mdb_txn_abort(v->txn);
    mdb_env_close(v->env);
    projector_open(f);
}


/* Looks key up in db; returns 1 and sets *out if found. */
static int
get(view_t *v, tg_proj_db_t db, const void *key, size_t len, tg_str_t *out)
{
    MDB_val k = { len, (void *) key }, val;
    int     rc = mdb_get(v->txn, v->dbi[db], &k, &val);

    assert_true(rc == 0 || rc == MDB_NOTFOUND);
    if (rc == 0) {
        out->ptr = val.mv_data;
        out->len = val.mv_size;
    }
    return rc == 0;
}


/* Opens secret i of the keys record of app_key into out. */
static void
secret_of(fixture_t *f, const tg_proj_key_t *k, size_t i, const char *app_key,
          char *out)
{
    size_t len;

    assert_rc(tg_proj_secret_open(f->dp_key, tg_str_c(app_key),
                                  k->secrets[i].sealed, out, &len),
              TG_OK);
    out[len] = '\0';
}


static void
create_app(fixture_t *f, tg_app_view_t *app)
{
    tg_app_spec_t spec;
    tg_error_t    err;

    memset(&spec, 0, sizeof(spec));
    memset(&err, 0, sizeof(err));
    spec.name = TG_STR("proj_app");
    spec.enabled = 1;
    spec.rate_limited = 1;
    spec.rate_rps = 10;
    spec.rate_burst = 20;
    spec.app_key = TG_STR("ProjKey_0001");
    spec.app_secret = TG_STR("ProjSecret_0001");
    spec.app_code = TG_STR("projcode0123456789abcdef0123456789");
    assert_rc(tg_service_app_create(f->fx.svc, &f->fx.admin, &spec, app, &err),
              TG_OK);
}


static void
grant(fixture_t *f, const char *app, const char *api_name, int64_t expires)
{
    tg_api_spec_t   spec;
    tg_grant_spec_t gs;
    tg_api_t        api;
    tg_grant_t      g;
    tg_error_t      err;
    int             created;

    memset(&spec, 0, sizeof(spec));
    memset(&gs, 0, sizeof(gs));
    memset(&err, 0, sizeof(err));
    spec.name = tg_str_c(api_name);
    assert_rc(tg_service_api_create(f->fx.svc, &f->fx.admin, &spec, &api, &err),
              TG_OK);
    gs.expires_at = expires;
    assert_rc(tg_service_grant_put(f->fx.svc, &f->fx.admin, tg_str_c(app),
                                   tg_str_c(api_name), &gs, &g, &created, &err),
              TG_OK);
    tg_api_free(&api);
    tg_grant_free(&g);
}


static void
test_app_projected(void **state)
{
    fixture_t    *f = *state;
    tg_app_view_t app;
    tg_proj_app_t pa;
    tg_proj_key_t pk;
    uint8_t       code_key[TG_PROJ_HASH_LEN];
    char          gkey[256], secret[TG_PROJ_SECRET_MAX + 1];
    tg_str_t      val;
    int64_t       seq, expires;
    size_t        glen;
    tg_txn_t      t;
    view_t        v;

    create_app(f, &app);
    grant(f, app.app.id, "orders", 0);

    view_open(f, &v);

    assert_true(get(&v, TG_PROJ_APPS, app.app.id, strlen(app.app.id), &val));
    assert_rc(tg_proj_app_decode(val, &pa), TG_OK);
    assert_true(pa.enabled);
    assert_i64_equal(pa.app_id, app.app.app_id);
    assert_int_equal(pa.rate_rps, 10);
    assert_int_equal(pa.rate_burst, 20);

    assert_true(get(&v, TG_PROJ_KEYS, "ProjKey_0001", 12, &val));
    assert_rc(tg_proj_key_decode(val, &pk), TG_OK);
    assert_memory_equal(pk.app.ptr, app.app.id, 32);
    assert_int_equal(pk.nsecrets, 1);
    assert_i64_equal(pk.secrets[0].expires_at, 0);
    secret_of(f, &pk, 0, "ProjKey_0001", secret);
    assert_string_equal(secret, "ProjSecret_0001");

    /* The secret is bound to its AppKey. */
    assert_rc(tg_proj_secret_open(f->dp_key, TG_STR("ProjKey_0002"),
                                  pk.secrets[0].sealed, secret, &glen),
              TG_ESEALED);

    assert_rc(tg_proj_code_key(f->dp_key,
                               TG_STR("projcode0123456789abcdef0123456789"),
                               code_key),
              TG_OK);
    assert_true(get(&v, TG_PROJ_CODES, code_key, sizeof(code_key), &val));
    assert_memory_equal(val.ptr, app.app.id, 32);

    assert_rc(tg_proj_grant_key(tg_str_c(app.app.id), TG_STR("orders"),
                                TG_STR("RELEASE"), gkey, sizeof(gkey), &glen),
              TG_OK);
    assert_true(get(&v, TG_PROJ_GRANTS, gkey, glen, &val));
    assert_rc(tg_proj_i64_decode(val, &expires), TG_OK);
    assert_i64_equal(expires, 0);

    /* The recorded seq is the store's last change. */
    assert_true(get(&v, TG_PROJ_META, TG_PROJ_META_SEQ, 3, &val));
    assert_rc(tg_proj_i64_decode(val, &seq), TG_OK);
    assert_rc(tg_txn_begin(f->fx.store, 0, &t), TG_OK);
    assert_rc(tg_store_change_last(&t, &expires), TG_OK);
    tg_txn_rollback(&t);
    assert_i64_equal(seq, expires);

    view_close(f, &v);
    assert_i64_equal(tg_projector_seq(f->proj), seq);
    tg_app_view_free(&app);
}


static void    reset(fixture_t *f, const char *app, const char *new_key,
                     int64_t grace);
static int64_t store_seq(fixture_t *f);


/* A data file cut to size (shorter than its pages, or than LMDB's
 * header) is rebuilt from the change log when the projector opens, and
 * when it syncs. */
static void
test_rebuilt_when_damaged(void **state)
{
    static const off_t sizes[] = { 8192, 100 };
    fixture_t         *f = *state;
    tg_app_view_t      app;
    tg_str_t           val;
    char               path[256];
    size_t             i;
    view_t             v;

    create_app(f, &app);
    snprintf(path, sizeof(path), "%s/%s/data.mdb", f->fx.dir, TG_PROJ_DIR);

    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        assert_rc(tg_projector_sync(f->proj), TG_OK);
        tg_projector_close(f->proj);
        assert_int_equal(truncate(path, sizes[i]), 0);
        projector_open(f);

        view_open(f, &v);
        assert_true(
            get(&v, TG_PROJ_APPS, app.app.id, strlen(app.app.id), &val));
        assert_true(get(&v, TG_PROJ_KEYS, "ProjKey_0001", 12, &val));
        view_close(f, &v);
    }

    /* The rebuild's environment was closed and opened again (its memory
     * given back): it goes on from the seq the rebuild reached, and a
     * later change is applied to it. */
    assert_i64_equal(tg_projector_seq(f->proj), store_seq(f));
    reset(f, app.app.id, "ProjKey_0002", 0);
    assert_rc(tg_projector_sync(f->proj), TG_OK);
    assert_i64_equal(tg_projector_seq(f->proj), store_seq(f));
    view_open(f, &v);
    assert_true(get(&v, TG_PROJ_KEYS, "ProjKey_0002", 12, &val));
    assert_false(get(&v, TG_PROJ_KEYS, "ProjKey_0001", 12, &val));
    view_close(f, &v);

    /* Cut short under the running projector: rebuilt before its next
     * sync reads it. */
    assert_rc(tg_projector_sync(f->proj), TG_OK);
    assert_int_equal(truncate(path, 8192), 0);
    view_open(f, &v);
    assert_true(get(&v, TG_PROJ_APPS, app.app.id, strlen(app.app.id), &val));
    view_close(f, &v);
    tg_app_view_free(&app);
}


/* The store's last change-log seq. */
static int64_t
store_seq(fixture_t *f)
{
    tg_txn_t t;
    int64_t  seq = 0;

    assert_rc(tg_txn_begin(f->fx.store, 0, &t), TG_OK);
    assert_rc(tg_store_change_last(&t, &seq), TG_OK);
    tg_txn_rollback(&t);
    return seq;
}


static void
reset(fixture_t *f, const char *app, const char *new_key, int64_t grace)
{
    tg_reset_spec_t spec;
    tg_key_view_t   out;
    tg_error_t      err;

    memset(&spec, 0, sizeof(spec));
    memset(&err, 0, sizeof(err));
    spec.new_app_key = tg_str_c(new_key);
    spec.grace_seconds = grace;
    assert_rc(tg_service_secret_reset(f->fx.svc, &f->fx.admin, tg_str_c(app),
                                      &spec, &out, &err),
              TG_OK);
    tg_key_view_free(&out);
}


static void
test_rotation_with_grace(void **state)
{
    fixture_t    *f = *state;
    tg_app_view_t app;
    tg_proj_key_t pk;
    char          secret[TG_PROJ_SECRET_MAX + 1];
    tg_str_t      val;
    view_t        v;
    int64_t       now = tg_time_now_ms();

    create_app(f, &app);

    /* A new AppKey with grace: the old key keeps the old secret. */
    reset(f, app.app.id, "ProjKey_0002", 3600);
    view_open(f, &v);
    assert_true(get(&v, TG_PROJ_KEYS, "ProjKey_0002", 12, &val));
    assert_rc(tg_proj_key_decode(val, &pk), TG_OK);
    assert_int_equal(pk.nsecrets, 1);
    secret_of(f, &pk, 0, "ProjKey_0002", secret);
    assert_string_not_equal(secret, "ProjSecret_0001");

    assert_true(get(&v, TG_PROJ_KEYS, "ProjKey_0001", 12, &val));
    assert_rc(tg_proj_key_decode(val, &pk), TG_OK);
    assert_int_equal(pk.nsecrets, 1);
    assert_true(pk.secrets[0].expires_at >= now + 3600 * 1000 - 5000);
    assert_true(pk.secrets[0].expires_at <= now + 3600 * 1000 + 60000);
    secret_of(f, &pk, 0, "ProjKey_0001", secret);
    assert_string_equal(secret, "ProjSecret_0001");
    view_close(f, &v);

    /* Same key, grace: one record holds both secrets. */
    reset(f, app.app.id, NULL, 600);
    view_open(f, &v);
    assert_false(get(&v, TG_PROJ_KEYS, "ProjKey_0001", 12, &val));
    assert_true(get(&v, TG_PROJ_KEYS, "ProjKey_0002", 12, &val));
    assert_rc(tg_proj_key_decode(val, &pk), TG_OK);
    assert_int_equal(pk.nsecrets, 2);
    assert_i64_equal(pk.secrets[0].expires_at, 0);
    assert_true(pk.secrets[1].expires_at > now);
    view_close(f, &v);

    /* No grace: the previous secret is gone at once. */
    reset(f, app.app.id, NULL, 0);
    view_open(f, &v);
    assert_true(get(&v, TG_PROJ_KEYS, "ProjKey_0002", 12, &val));
    assert_rc(tg_proj_key_decode(val, &pk), TG_OK);
    assert_int_equal(pk.nsecrets, 1);
    view_close(f, &v);

    tg_app_view_free(&app);
}


static void
test_disable_and_delete(void **state)
{
    fixture_t    *f = *state;
    tg_app_view_t app, updated;
    tg_app_spec_t patch;
    tg_proj_app_t pa;
    tg_error_t    err;
    uint8_t       code_key[TG_PROJ_HASH_LEN];
    char          gkey[256];
    size_t        glen;
    tg_str_t      val;
    view_t        v;

    create_app(f, &app);
    grant(f, app.app.id, "billing", 0);

    memset(&patch, 0, sizeof(patch));
    memset(&err, 0, sizeof(err));
    patch.enabled = 0;
    assert_rc(tg_service_app_update(f->fx.svc, &f->fx.admin,
                                    tg_str_c(app.app.id), &patch,
                                    TG_APP_SET_ENABLED, &updated, &err),
              TG_OK);
    tg_app_view_free(&updated);

    view_open(f, &v);
    assert_true(get(&v, TG_PROJ_APPS, app.app.id, 32, &val));
    assert_rc(tg_proj_app_decode(val, &pa), TG_OK);
    assert_false(pa.enabled);
    view_close(f, &v);

    assert_rc(tg_service_app_delete(f->fx.svc, &f->fx.admin,
                                    tg_str_c(app.app.id), &err),
              TG_OK);
    view_open(f, &v);
    assert_false(get(&v, TG_PROJ_APPS, app.app.id, 32, &val));
    assert_false(get(&v, TG_PROJ_KEYS, "ProjKey_0001", 12, &val));
    assert_rc(tg_proj_code_key(f->dp_key,
                               TG_STR("projcode0123456789abcdef0123456789"),
                               code_key),
              TG_OK);
    assert_false(get(&v, TG_PROJ_CODES, code_key, sizeof(code_key), &val));
    assert_rc(tg_proj_grant_key(tg_str_c(app.app.id), TG_STR("billing"),
                                TG_STR("RELEASE"), gkey, sizeof(gkey), &glen),
              TG_OK);
    assert_false(get(&v, TG_PROJ_GRANTS, gkey, glen, &val));
    view_close(f, &v);

    tg_app_view_free(&app);
}


/* The projection follows commits by itself once started. */
static void
test_follows_commits(void **state)
{
    fixture_t    *f = *state;
    tg_app_view_t app;
    int64_t       before, deadline;

    assert_rc(tg_projector_start(f->proj), TG_OK);
    before = tg_projector_seq(f->proj);
    create_app(f, &app);

    deadline = tg_time_now_ms() + 5000;
    while (tg_projector_seq(f->proj) == before && tg_time_now_ms() < deadline) {
        usleep(1000);
    }
    assert_true(tg_projector_seq(f->proj) > before);
    tg_app_view_free(&app);
}


/* The kilobytes of the projection's data file this process has mapped
 * (the Rss of its mappings in /proc/self/smaps). */
static long
mapped_projection_kb(fixture_t *f)
{
    char          file[160], line[512];
    FILE         *fp = fopen("/proc/self/smaps", "r");
    unsigned long from, to;
    long          kb = 0, rss;
    size_t        len, flen;
    int           in = 0;

    assert_non_null(fp);
    flen = (size_t) snprintf(file, sizeof(file), "%s/%s/data.mdb", f->fx.dir,
                             TG_PROJ_DIR);
    while (fgets(line, sizeof(line), fp) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        len = strlen(line);
        if (sscanf(line, "%lx-%lx ", &from, &to) == 2) { /* a mapping */
            in = len > flen && strcmp(line + len - flen, file) == 0;
        } else if (in && sscanf(line, "Rss: %ld kB", &rss) == 1) {
            kb += rss;
        }
    }
    fclose(fp);
    return kb;
}


/* A sync leaves none of the pages it read mapped in the process (they
 * stay in the page cache): RSS does not grow with the projection. */
static void
test_sync_unmaps_its_pages(void **state)
{
    fixture_t    *f = *state;
    tg_app_view_t app;
    tg_str_t      val;
    view_t        v;

    create_app(f, &app);
    usleep(150 * 1000); /* past TG_PROJ_RELEASE_MS since the last release */
    assert_rc(tg_projector_sync(f->proj), TG_OK);
    assert_int_equal(mapped_projection_kb(f), 0);

    /* Nothing was lost: the app reads back. */
    view_open(f, &v);
    assert_true(get(&v, TG_PROJ_APPS, app.app.id, strlen(app.app.id), &val));
    assert_true(mapped_projection_kb(f) > 0); /* the view's own reads */
    view_close(f, &v);
    tg_app_view_free(&app);
}


/* Each complete sync confirms the projection, about once a second; the
 * gateway reads the confirmation from meta. */
static void
test_heartbeat(void **state)
{
    fixture_t     *f = *state;
    tg_dp_health_t h;
    int64_t        first, second, stored, started;
    tg_str_t       val;
    view_t         v;

    assert_true(tg_projector_heartbeat(f->proj) > 0);

    /* Not due again at once (unless this machine stalled for half the
     * interval); due after half the interval. */
    started = tg_time_monotonic_ms();
    assert_rc(tg_projector_sync(f->proj), TG_OK);
    first = tg_projector_heartbeat(f->proj);
    assert_true(first > 0 && first <= tg_time_now_ms());
    assert_rc(tg_projector_sync(f->proj), TG_OK);
    if (tg_time_monotonic_ms() - started < TG_PROJ_HEARTBEAT_MS / 2) {
        assert_i64_equal(tg_projector_heartbeat(f->proj), first);
    }
    usleep((TG_PROJ_HEARTBEAT_MS / 2 + 50) * 1000);
    assert_rc(tg_projector_sync(f->proj), TG_OK);
    second = tg_projector_heartbeat(f->proj);
    assert_true(second >= first + TG_PROJ_HEARTBEAT_MS / 2);

    view_open(f, &v);
    assert_true(get(&v, TG_PROJ_META, TG_PROJ_META_HEARTBEAT,
                    sizeof(TG_PROJ_META_HEARTBEAT) - 1, &val));
    assert_rc(tg_proj_i64_decode(val, &stored), TG_OK);
    assert_true(stored >= second && stored <= tg_time_now_ms());
    view_close(f, &v);

    /* A current projection reports no failure. */
    tg_projector_health(f->proj, &h);
    assert_i64_equal(h.applied_seq, tg_projector_seq(f->proj));
    assert_true(h.last_sync_at >= second);
    assert_i64_equal(h.failing_since, 0);
    assert_i64_equal(h.failures, 0);
    assert_string_equal(h.error, "");
}


static void
test_key_file_private(void **state)
{
    fixture_t  *f = *state;
    struct stat st;
    char        path[128];

    snprintf(path, sizeof(path), "%s/%s", f->fx.dir, TG_PROJ_KEY_FILE);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
}


/* A projection too small for the store: the sync fails (and logs why),
 * and the recorded seq stays at the last batch that fitted. */
static void
test_full_projection(void **state)
{
    fixture_t             *f = *state;
    tg_projector_options_t o;
    tg_app_spec_t          spec;
    tg_app_view_t          app;
    tg_error_t             err;
    tg_dp_health_t         h;
    char                   dir[128], name[32], errbuf[256];
    int64_t                seq, heartbeat, since, failures;
    int                    i;

    /* Start over with a map of a few pages. */
    tg_projector_close(f->proj);
    snprintf(dir, sizeof(dir), "%s/%s", f->fx.dir, TG_PROJ_DIR);
    tg_fixture_rmtree(dir);
    o.data_dir = f->fx.dir;
    o.map_size = 48 * 1024;
    o.service = f->fx.svc;
    assert_rc(tg_projector_open(&o, &f->proj, errbuf, sizeof(errbuf)), TG_OK);

    for (i = 0; i < 100; i++) {
        memset(&spec, 0, sizeof(spec));
        memset(&err, 0, sizeof(err));
        snprintf(name, sizeof(name), "full_%d", i);
        spec.name = tg_str_c(name);
        spec.enabled = 1;
        spec.generate_app_code = 1;
        assert_rc(
            tg_service_app_create(f->fx.svc, &f->fx.admin, &spec, &app, &err),
            TG_OK);
        tg_app_view_free(&app);
    }

    /* A heartbeat would be due, but the projection is not current: none
     * is written, so the gateway stops trusting it. */
    usleep((TG_PROJ_HEARTBEAT_MS / 2 + 50) * 1000);
    seq = tg_projector_seq(f->proj);
    heartbeat = tg_projector_heartbeat(f->proj);
    assert_true(heartbeat > 0);
    assert_int_not_equal(tg_projector_sync(f->proj), TG_OK);
    assert_i64_equal(tg_projector_seq(f->proj), seq);
    assert_i64_equal(tg_projector_heartbeat(f->proj), heartbeat);

    /* The failure is reported: since when, how often, and why; the lag
     * is what the store holds beyond the projection. */
    tg_projector_health(f->proj, &h);
    assert_i64_equal(h.applied_seq, seq);
    assert_true(h.failing_since > 0);
    assert_i64_equal(h.failures, 1);
    assert_true(h.last_sync_at > 0 && h.last_sync_at <= h.failing_since);
    assert_non_null(strstr(h.error, "the projection is full"));
    since = h.failing_since;
    failures = h.failures;

    assert_int_not_equal(tg_projector_sync(f->proj), TG_OK);
    tg_service_on_dp_health(f->fx.svc, tg_projector_health, f->proj);
    assert_rc(tg_service_dp_health(f->fx.svc, &h, &err), TG_OK);
    tg_service_on_dp_health(f->fx.svc, NULL, NULL);
    assert_int_equal(h.reported, 1);
    assert_i64_equal(h.failing_since, since);
    assert_i64_equal(h.failures, failures + 1);
    assert_true(h.latest_seq > h.applied_seq);
    assert_string_equal(tg_dp_health_status(&h), "failing");

    /* Without a reporter, nothing is reported. */
    assert_rc(tg_service_dp_health(f->fx.svc, &h, &err), TG_OK);
    assert_int_equal(h.reported, 0);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_app_projected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotation_with_grace, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_disable_and_delete, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_follows_commits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync_unmaps_its_pages, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_heartbeat, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_file_private, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_projection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rebuilt_when_damaged, setup,
                                        teardown),
    };

    return cmocka_run_group_tests_name("projector", tests, NULL, NULL);
}
