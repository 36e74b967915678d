/*
 * Tests of the change log's pruning (daemon/store/store_log.c) and of the
 * projection's rebuild when the log no longer holds its position
 * (daemon/projection/projector.c, tg_service_dp_rebuild()), over SQLite,
 * and over PostgreSQL when `make unit` runs it through scripts/pg-test.sh.
 *
 * - Pruning keeps the retention (rows, age) in batches, never the newest
 *   row, raises the pruning mark, and two stores pruning at once agree.
 * - A projection stopped before the log was pruned past it (or restored
 *   from an old copy) is rebuilt from the store's tables at its next
 *   start: it holds exactly the store's apps and keys, a deleted app
 *   gone, and the store's newest seq.
 * - A projection ahead of the store (the store restored from an older
 *   backup) is rebuilt too.
 */

#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/projection.h"
#include "tollgate/time.h"
#include "projection/projector.h"
#include "service/service.h"

#include "fixture.h"
#include "unit.h"


typedef struct {
    tg_fixture_t    fx; /* first: see tg_fixture_alloc() */
    tg_projector_t *proj;
} fixture_t;

static const tg_fixture_spec_t prune_spec = {
    .name = "prune",
    .key_id = TG_FIXTURE_KEY_ID,
    .key_secret = TG_FIXTURE_KEY_SECRET,
    .limits = { .max_apps = 100,
                .max_key_pairs = 5,
                .max_codes = 5,
                .max_grace_seconds = 86400,
                .signed_nonces = TG_FIXTURE_NONCES },
};


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


static void
projector_close(fixture_t *f)
{
    tg_projector_close(f->proj);
    f->proj = NULL;
}


static int
setup(void **state)
{
    fixture_t *f = tg_fixture_alloc(sizeof(fixture_t), &prune_spec);

    if (f == NULL) {
        return -1;
    }
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


static int64_t
sql(fixture_t *f, const char *text)
{
    return tg_fixture_sql(tg_fixture_pg() ? &tg_db_postgres : &tg_db_sqlite,
                          f->fx.path, text);
}


/* Creates app name; copies its id and AppKey out. */
static void
create(fixture_t *f, const char *name, char *id, char *app_key)
{
    tg_app_spec_t spec;
    tg_app_view_t view;
    tg_error_t    err;

    memset(&spec, 0, sizeof(spec));
    memset(&err, 0, sizeof(err));
    spec.name = tg_str_c(name);
    spec.enabled = 1;
    assert_rc(
        tg_service_app_create(f->fx.svc, &f->fx.admin, &spec, &view, &err),
        TG_OK);
    snprintf(id, TG_ID_LEN + 1, "%s", view.app.id);
    snprintf(app_key, 64, "%s", view.key.app_key);
    tg_app_view_free(&view);
}


static void delete (fixture_t *f, const char *id)
{
    tg_error_t err;

    memset(&err, 0, sizeof(err));
    assert_rc(
        tg_service_app_delete(f->fx.svc, &f->fx.admin, tg_str_c(id), &err),
        TG_OK);
}


/* Prunes to the retention until nothing is left to prune; returns the
 * rows deleted. */
static int64_t
prune_all(tg_store_t *store, int64_t max_rows, int64_t max_age_ms,
          int64_t batch)
{
    tg_log_retention_t r = { max_age_ms, max_rows };
    int64_t            deleted, total = 0;

    do {
        assert_rc(
            tg_store_change_prune(store, &r, tg_time_now_ms(), batch, &deleted),
            TG_OK);
        assert_true(deleted <= batch);
        total += deleted;
    } while (deleted > 0);
    return total;
}


static int64_t
horizon(fixture_t *f)
{
    tg_txn_t t;
    int64_t  seq = -1;

    assert_rc(tg_txn_begin(f->fx.store, 0, &t), TG_OK);
    assert_rc(tg_store_change_horizon(&t, &seq), TG_OK);
    tg_txn_rollback(&t);
    return seq;
}


/* What the projection holds: its seq, and whether app id and AppKey
 * key have their records. */
typedef struct {
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi  dbi[TG_PROJ_NDBS];
} view_t;


static void
view_open(fixture_t *f, view_t *v)
{
    char   dir[128];
    size_t i;

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


static void
view_close(view_t *v)
{
    mdb_txn_abort(v->txn);
    mdb_env_close(v->env);
}


static int
has(view_t *v, tg_proj_db_t db, const char *key)
{
    MDB_val k = { strlen(key), (void *) key }, val;

    return mdb_get(v->txn, v->dbi[db], &k, &val) == 0;
}


static int64_t
entries(view_t *v, tg_proj_db_t db)
{
    MDB_stat st;

    assert_int_equal(mdb_stat(v->txn, v->dbi[db], &st), 0);
    return (int64_t) st.ms_entries;
}


static int64_t
view_seq(view_t *v)
{
    MDB_val k = { sizeof(TG_PROJ_META_SEQ) - 1, (void *) TG_PROJ_META_SEQ };
    MDB_val val;
    int64_t seq = -1;

    assert_int_equal(mdb_get(v->txn, v->dbi[TG_PROJ_META], &k, &val), 0);
    assert_rc(tg_proj_i64_decode((tg_str_t){ val.mv_data, val.mv_size }, &seq),
              TG_OK);
    return seq;
}


/* Rows by count: the newest max_rows stay, in batches; the newest row
 * always; the mark rises to the last seq deleted and never falls; a
 * second store pruning at once (another node) deletes nothing twice. */
static void
test_prune_by_rows(void **state)
{
    fixture_t  *f = *state;
    tg_store_t *other = NULL;
    char        id[TG_ID_LEN + 1], key[64], name[32];
    int64_t     newest, deleted;
    int         i;

    for (i = 0; i < 12; i++) {
        snprintf(name, sizeof(name), "rows-%d", i);
        create(f, name, id, key);
    }
    newest = sql(f, "SELECT MAX(seq) FROM changes");
    assert_true(newest >= 12);
    assert_i64_equal(horizon(f), 0);

    assert_i64_equal(prune_all(f->fx.store, 5, 0, 3), newest - 5);
    assert_i64_equal(sql(f, "SELECT COUNT(*) FROM changes"), 5);
    assert_i64_equal(sql(f, "SELECT MIN(seq) FROM changes"), newest - 4);
    assert_i64_equal(horizon(f), newest - 5);

    /* Another store on the database prunes what is left to it. */
    assert_rc(tg_fixture_open_node(f->fx.path, 1, &other), TG_OK);
    assert_i64_equal(prune_all(other, 5, 0, 100), 0);
    assert_i64_equal(prune_all(other, 1, 0, 100), 4);
    assert_i64_equal(prune_all(f->fx.store, 1, 0, 100), 0);
    tg_store_close(other);

    /* The newest stays, even with a cap of none left. */
    assert_i64_equal(sql(f, "SELECT COUNT(*) FROM changes"), 1);
    assert_i64_equal(sql(f, "SELECT MAX(seq) FROM changes"), newest);
    assert_i64_equal(horizon(f), newest - 1);

    /* Nothing to prune: no write. */
    {
        tg_log_retention_t r = { 0, 0 };

        assert_rc(tg_store_change_prune(f->fx.store, &r, tg_time_now_ms(), 10,
                                        &deleted),
                  TG_OK);
        assert_i64_equal(deleted, 0);
        assert_rc(tg_store_change_prune(f->fx.store, &r, tg_time_now_ms(), 0,
                                        &deleted),
                  TG_EINVALID);
    }
}


/* Age: rows older than the cutoff go, younger ones stay. */
static void
test_prune_by_age(void **state)
{
    fixture_t *f = *state;
    char       id[TG_ID_LEN + 1], key[64], name[32];
    int64_t    newest;
    int        i;

    for (i = 0; i < 6; i++) {
        snprintf(name, sizeof(name), "age-%d", i);
        create(f, name, id, key);
    }
    newest = sql(f, "SELECT MAX(seq) FROM changes");

    /* An hour's retention keeps everything made now. */
    assert_i64_equal(prune_all(f->fx.store, 0, 3600 * 1000, 100), 0);

    /* Made "two hours ago": the first three rows. */
    (void) sql(f, "UPDATE changes SET at = at - 7200000 WHERE seq <= 3");
    assert_i64_equal(prune_all(f->fx.store, 0, 3600 * 1000, 2), 3);
    assert_i64_equal(sql(f, "SELECT MIN(seq) FROM changes"), 4);
    assert_i64_equal(horizon(f), 3);

    /* Everything old: all but the newest. */
    (void) sql(f, "UPDATE changes SET at = 0");
    assert_i64_equal(prune_all(f->fx.store, 0, 3600 * 1000, 100), newest - 4);
    assert_i64_equal(sql(f, "SELECT COUNT(*) FROM changes"), 1);
}


/* Stopped, the log pruned past it, started again: rebuilt from the
 * store, the deleted app gone, the new one there. */
static void
test_rebuild_after_prune(void **state)
{
    fixture_t *f = *state;
    char       a[TG_ID_LEN + 1], b[TG_ID_LEN + 1], c[TG_ID_LEN + 1];
    char       ka[64], kb[64], kc[64];
    view_t     v;
    int64_t    newest;

    projector_open(f);
    create(f, "kept", a, ka);
    create(f, "deleted", b, kb);
    assert_rc(tg_projector_sync(f->proj), TG_OK);
    projector_close(f);

    delete (f, b);
    create(f, "made-while-down", c, kc);
    newest = sql(f, "SELECT MAX(seq) FROM changes");
    assert_true(prune_all(f->fx.store, 1, 0, 100) > 0);
    assert_true(horizon(f) > 0);

    projector_open(f);
    assert_i64_equal(tg_projector_seq(f->proj), newest);
    projector_close(f);

    view_open(f, &v);
    assert_i64_equal(view_seq(&v), newest);
    assert_true(has(&v, TG_PROJ_APPS, a));
    assert_false(has(&v, TG_PROJ_APPS, b));
    assert_true(has(&v, TG_PROJ_APPS, c));
    assert_true(has(&v, TG_PROJ_KEYS, ka));
    assert_false(has(&v, TG_PROJ_KEYS, kb));
    assert_true(has(&v, TG_PROJ_KEYS, kc));
    assert_i64_equal(entries(&v, TG_PROJ_APPS),
                     sql(f, "SELECT COUNT(*) FROM apps"));
    assert_i64_equal(entries(&v, TG_PROJ_KEYS),
                     sql(f, "SELECT COUNT(*) FROM key_pairs"));
    view_close(&v);

    /* It follows the log from there as before. */
    projector_open(f);
    delete (f, a);
    assert_rc(tg_projector_sync(f->proj), TG_OK);
    projector_close(f);
    view_open(f, &v);
    assert_false(has(&v, TG_PROJ_APPS, a));
    assert_true(has(&v, TG_PROJ_APPS, c));
    view_close(&v);
}


/* A running projector notices at its next sync, too. */
static void
test_rebuild_while_running(void **state)
{
    fixture_t *f = *state;
    char       a[TG_ID_LEN + 1], b[TG_ID_LEN + 1], ka[64], kb[64];
    view_t     v;

    projector_open(f);
    create(f, "first", a, ka);
    assert_rc(tg_projector_sync(f->proj), TG_OK);

    /* Pruned past it before it read the changes (it was slow). */
    create(f, "second", b, kb);
    delete (f, a);
    (void) prune_all(f->fx.store, 1, 0, 100);
    assert_rc(tg_projector_sync(f->proj), TG_OK);
    assert_i64_equal(tg_projector_seq(f->proj),
                     sql(f, "SELECT MAX(seq) FROM changes"));
    projector_close(f);

    view_open(f, &v);
    assert_false(has(&v, TG_PROJ_APPS, a));
    assert_true(has(&v, TG_PROJ_APPS, b));
    assert_int_equal(entries(&v, TG_PROJ_APPS), 1);
    view_close(&v);
}


/* The store restored from an older backup: its newest change is older
 * than the projection's; the projection is rebuilt to it. */
static void
test_rebuild_when_ahead(void **state)
{
    fixture_t *f = *state;
    char       a[TG_ID_LEN + 1], b[TG_ID_LEN + 1], ka[64], kb[64];
    view_t     v;
    char       text[64];
    int64_t    old;

    projector_open(f);
    create(f, "before-backup", a, ka);
    old = sql(f, "SELECT MAX(seq) FROM changes");
    create(f, "after-backup", b, kb);
    assert_rc(tg_projector_sync(f->proj), TG_OK);
    projector_close(f);

    /* "Restore": the later app and its changes are gone. */
    (void) sql(f, "DELETE FROM key_pairs WHERE app IN "
                  "(SELECT id FROM apps WHERE name = 'after-backup')");
    (void) sql(f, "DELETE FROM apps WHERE name = 'after-backup'");
    snprintf(text, sizeof(text), "DELETE FROM changes WHERE seq > %lld",
             (long long) old);
    (void) sql(f, text);
    assert_i64_equal(sql(f, "SELECT MAX(seq) FROM changes"), old);

    projector_open(f);
    assert_i64_equal(tg_projector_seq(f->proj),
                     sql(f, "SELECT MAX(seq) FROM changes"));
    projector_close(f);

    view_open(f, &v);
    assert_true(has(&v, TG_PROJ_APPS, a));
    assert_false(has(&v, TG_PROJ_APPS, b));
    assert_false(has(&v, TG_PROJ_KEYS, kb));
    view_close(&v);
}


/*
 * The data plane's feed, each app written as one line: what the
 * projection is made of, secrets in clear.
 */
#define FEED_APPS 16
#define FEED_LINE 4096

typedef struct {
    char   ids[FEED_APPS][TG_ID_LEN + 1];
    char   lines[FEED_APPS][FEED_LINE];
    size_t n;
    int    calls;
} feed_t;


static void
feed_line(const tg_dp_app_t *a, char *out, size_t size)
{
    size_t len, i;

    len = (size_t) snprintf(
        out, size, "%d %lld %lld %lld age=%lld |", a->app.enabled,
        (long long) a->app.app_id, (long long) a->app.rate_rps,
        (long long) a->app.rate_burst, (long long) a->max_secret_age);
    for (i = 0; i < a->npairs && len < size; i++) {
        len += (size_t) snprintf(
            out + len, size - len, " pair %s %s %s %s %lld %lld %d",
            a->pairs[i].key, a->secrets[i],
            a->pairs[i].prev_key ? a->pairs[i].prev_key : "-",
            a->prev_secrets[i] ? a->prev_secrets[i] : "-",
            (long long) a->pairs[i].prev_expires_at,
            (long long) a->pairs[i].secret_at, a->pairs[i].primary);
    }
    for (i = 0; i < a->ncodes && len < size; i++) {
        len += (size_t) snprintf(out + len, size - len, " code %s %lld",
                                 a->codes[i], (long long) a->codes_set[i]);
    }
    for (i = 0; i < a->ngrants && len < size; i++) {
        len += (size_t) snprintf(out + len, size - len, " grant %s %s %lld",
                                 a->grants[i].api_name, a->grants[i].stage,
                                 (long long) a->grants[i].expires_at);
    }
    assert_true(len < size);
}


/* tg_dp_apply_pt: keeps each app's last state; a deleted one goes. */
static int
feed_apply(void *data, int64_t seq, const tg_dp_app_t *apps, size_t n)
{
    feed_t *f = data;
    size_t  i, j;

    (void) seq;
    f->calls++;
    for (i = 0; i < n; i++) {
        for (j = 0; j < f->n && strcmp(f->ids[j], apps[i].id) != 0; j++) {
        }
        if (!apps[i].exists) {
            if (j < f->n) {
                f->n--;
                memmove(f->ids[j], f->ids[f->n], sizeof(f->ids[j]));
                memmove(f->lines[j], f->lines[f->n], sizeof(f->lines[j]));
            }
            continue;
        }
        if (j == f->n) {
            assert_true(f->n < FEED_APPS);
            f->n++;
        }
        memcpy(f->ids[j], apps[i].id, sizeof(f->ids[j]));
        feed_line(&apps[i], f->lines[j], sizeof(f->lines[j]));
    }
    return TG_OK;
}


/* The line of app id in f, or NULL. */
static const char *
feed_find(const feed_t *f, const char *id)
{
    size_t i;

    for (i = 0; i < f->n; i++) {
        if (strcmp(f->ids[i], id) == 0) {
            return f->lines[i];
        }
    }
    return NULL;
}


static void
add_pair(fixture_t *f, const char *app, int primary)
{
    tg_cred_spec_t spec;
    tg_cred_view_t out;
    tg_error_t     err;

    memset(&spec, 0, sizeof(spec));
    memset(&err, 0, sizeof(err));
    spec.primary = primary;
    assert_rc(tg_service_cred_add(f->fx.svc, &f->fx.admin, TG_CRED_KEY_PAIR,
                                  tg_str_c(app), &spec, &out, &err),
              TG_OK);
    tg_cred_view_free(&out);
}


static void
add_code(fixture_t *f, const char *app)
{
    tg_cred_spec_t spec;
    tg_cred_view_t out;
    tg_error_t     err;

    memset(&spec, 0, sizeof(spec));
    memset(&err, 0, sizeof(err));
    assert_rc(tg_service_cred_add(f->fx.svc, &f->fx.admin, TG_CRED_APP_CODE,
                                  tg_str_c(app), &spec, &out, &err),
              TG_OK);
    tg_cred_view_free(&out);
}


static void
reset_in_grace(fixture_t *f, const char *app, const char *new_key)
{
    tg_reset_spec_t spec;
    tg_key_view_t   out;
    tg_error_t      err;

    memset(&spec, 0, sizeof(spec));
    memset(&err, 0, sizeof(err));
    spec.new_app_key = tg_str_c(new_key);
    spec.grace_seconds = 3600;
    assert_rc(tg_service_secret_reset(f->fx.svc, &f->fx.admin, tg_str_c(app),
                                      &spec, &out, &err),
              TG_OK);
    tg_key_view_free(&out);
}


static void
grant_on(fixture_t *f, const char *app, const char *api, const char *stage,
         int64_t expires)
{
    tg_grant_spec_t gs;
    tg_grant_t      g;
    tg_error_t      err;
    int             created;

    memset(&gs, 0, sizeof(gs));
    memset(&err, 0, sizeof(err));
    gs.stage = tg_str_c(stage);
    gs.expires_at = expires;
    assert_rc(tg_service_grant_put(f->fx.svc, &f->fx.admin, tg_str_c(app),
                                   tg_str_c(api), &gs, &g, &created, &err),
              TG_OK);
    tg_grant_free(&g);
}


static void
api_create(fixture_t *f, const char *name)
{
    tg_api_spec_t spec;
    tg_api_t      api;
    tg_error_t    err;

    memset(&spec, 0, sizeof(spec));
    memset(&err, 0, sizeof(err));
    spec.name = tg_str_c(name);
    assert_rc(tg_service_api_create(f->fx.svc, &f->fx.admin, &spec, &api, &err),
              TG_OK);
    tg_api_free(&api);
}


/* Creates account name with a maximum secret age, and app name in it. */
static void
create_in_account(fixture_t *f, const char *name, char *id)
{
    tg_account_spec_t as;
    tg_account_t      account;
    tg_app_spec_t     spec;
    tg_app_view_t     view;
    tg_error_t        err;

    memset(&as, 0, sizeof(as));
    memset(&spec, 0, sizeof(spec));
    memset(&err, 0, sizeof(err));
    as.name = tg_str_c(name);
    as.enabled = 1;
    as.policy.max_secret_age = 86400;
    as.policy_set = TG_ACCOUNT_SET_MAX_SECRET_AGE;
    assert_rc(
        tg_service_account_create(f->fx.svc, &f->fx.admin, &as, &account, &err),
        TG_OK);
    spec.name = tg_str_c(name);
    spec.enabled = 1;
    spec.account_id = tg_str_c(account.id);
    assert_rc(
        tg_service_app_create(f->fx.svc, &f->fx.admin, &spec, &view, &err),
        TG_OK);
    snprintf(id, TG_ID_LEN + 1, "%s", view.app.id);
    tg_app_view_free(&view);
    tg_account_free(&account);
}


/*
 * The rebuild from the tables (a few queries per page of apps) feeds the
 * projection exactly what replaying the whole change log feeds it, app
 * by app and field by field: several key pairs (one in grace under its
 * previous AppKey), AppCodes, grants on two APIs and stages, apps in two
 * accounts with different policies, deleted and disabled apps, whatever
 * the page size (pages cut through them).
 */
static void
test_rebuild_feeds_as_the_log(void **state)
{
    fixture_t *f = *state;
    char       ids[8][TG_ID_LEN + 1], key[64], other[TG_ID_LEN + 1];
    feed_t    *log, *tables;
    tg_error_t err;
    int64_t    seq, at, limits[] = { 1, 2, 3, 5, 2000 };
    size_t     i, l;
    int        more = 1;
    char       name[32];

    api_create(f, "feed_api_a");
    api_create(f, "feed_api_b");
    for (i = 0; i < 8; i++) {
        snprintf(name, sizeof(name), "feed%zu", i);
        create(f, name, ids[i], key);
    }
    create_in_account(f, "feed_other", other);
    add_pair(f, ids[0], 0);
    add_pair(f, ids[0], 1);
    add_code(f, ids[0]);
    add_code(f, ids[0]);
    reset_in_grace(f, ids[1], "FeedNewKey0001");
    add_code(f, ids[2]);
    grant_on(f, ids[2], "feed_api_b", "RELEASE", 0);
    grant_on(f, ids[2], "feed_api_a", "TEST", 0);
    grant_on(f, ids[2], "feed_api_a", "RELEASE", tg_time_now_ms() + 3600000);
    grant_on(f, ids[7], "feed_api_a", "RELEASE", 0);
    grant_on(f, other, "feed_api_b", "PRE", 0);
    add_pair(f, other, 0);
    delete (f, ids[3]);
    (void) sql(f, "UPDATE apps SET enabled = 0 WHERE name = 'feed4'");

    log = calloc(1, sizeof(*log));
    tables = calloc(1, sizeof(*tables));
    assert_non_null(log);
    assert_non_null(tables);
    memset(&err, 0, sizeof(err));
    seq = 0;
    while (more) {
        assert_rc(tg_service_dp_changes(f->fx.svc, &seq, 7, feed_apply, log,
                                        &more, &err),
                  TG_OK);
    }
    assert_int_equal(log->n, 8);

    for (l = 0; l < sizeof(limits) / sizeof(limits[0]); l++) {
        memset(tables, 0, sizeof(*tables));
        assert_rc(tg_service_dp_rebuild(f->fx.svc, limits[l], feed_apply,
                                        tables, &at, &err),
                  TG_OK);
        assert_i64_equal(at, seq);
        assert_int_equal(tables->n, log->n);
        assert_true(tables->calls >= (int) (8 / limits[l]));
        for (i = 0; i < log->n; i++) {
            assert_non_null(feed_find(tables, log->ids[i]));
            assert_string_equal(feed_find(tables, log->ids[i]), log->lines[i]);
        }
    }
    assert_null(feed_find(log, ids[3]));
    assert_true(strncmp(feed_find(log, ids[4]), "0 ", 2) == 0);
    assert_non_null(strstr(feed_find(log, other), "age=86400"));
    assert_non_null(strstr(feed_find(log, ids[1]), "FeedNewKey0001"));
    assert_non_null(strstr(feed_find(log, ids[2]), "grant feed_api_a TEST"));
    free(log);
    free(tables);
}


/* A new projection (or one made again after damage) is built from the
 * tables, not by replaying the log from its start: the log's first rows
 * pruned by hand (without the mark) would otherwise be missed. */
static void
test_empty_projection_built_from_tables(void **state)
{
    fixture_t *f = *state;
    char       a[TG_ID_LEN + 1], b[TG_ID_LEN + 1], ka[64], kb[64];
    char       dir[256];
    view_t     v;

    create(f, "early", a, ka);
    create(f, "late", b, kb);
    (void) sql(f, "DELETE FROM changes WHERE seq < (SELECT MAX(seq) FROM "
                  "changes)");
    assert_i64_equal(sql(f, "SELECT COUNT(*) FROM changes"), 1);

    projector_open(f);
    assert_i64_equal(tg_projector_seq(f->proj),
                     sql(f, "SELECT MAX(seq) FROM changes"));
    /* It follows the log from there. */
    delete (f, b);
    assert_rc(tg_projector_sync(f->proj), TG_OK);
    projector_close(f);

    view_open(f, &v);
    assert_true(has(&v, TG_PROJ_APPS, a));
    assert_true(has(&v, TG_PROJ_KEYS, ka));
    assert_false(has(&v, TG_PROJ_APPS, b));
    assert_false(has(&v, TG_PROJ_KEYS, kb));
    assert_i64_equal(entries(&v, TG_PROJ_APPS),
                     sql(f, "SELECT COUNT(*) FROM apps"));
    view_close(&v);

    /* Removed: built again, the same. */
    snprintf(dir, sizeof(dir), "%s/%s/data.mdb", f->fx.dir, TG_PROJ_DIR);
    assert_int_equal(remove(dir), 0);
    projector_open(f);
    projector_close(f);
    view_open(f, &v);
    assert_true(has(&v, TG_PROJ_APPS, a));
    assert_false(has(&v, TG_PROJ_APPS, b));
    assert_i64_equal(view_seq(&v), sql(f, "SELECT MAX(seq) FROM changes"));
    view_close(&v);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_prune_by_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prune_by_age, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rebuild_after_prune, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_rebuild_while_running, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_rebuild_when_ahead, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_rebuild_feeds_as_the_log, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_empty_projection_built_from_tables,
                                        setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
