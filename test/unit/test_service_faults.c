/*
 * Store fault injection under the core service: for each operation, the
 * store is told to fail its 1st, 2nd, ... fallible driver call
 * (tg_store_fault_arm()), until the operation runs through without
 * reaching the fault.  Each failure must answer a clean error (the
 * store's TG_ESTORE, or the operation's documented refusal), leave the
 * store's contents and change log as they were (but for the audit event
 * of the failure, which service.h allows), leave its outputs empty, and
 * leak nothing (the test runs under ASan and valgrind too).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "service/service.h"
#include "tollgate/time.h"

#include "fixture.h"
#include "unit.h"


/* No operation of the core makes more store calls than this; the walk
 * fails if one does not finish within it. */
#define WALK_MAX 400

#define APP_SECRET "Fault-App-Secret-0123456789abcdef"
#define APP_CODE   "faultcode0123456789abcdef0123456"

typedef struct {
    tg_fixture_t fx; /* first: see tg_fixture_alloc() */
    char         app[TG_ID_LEN + 1];
    char         app_key[TG_APP_KEY_MAX + 1];
    char         pair[TG_ID_LEN + 1]; /* a second pair of app */
    char         code[TG_ID_LEN + 1]; /* an AppCode of app */
    char         api[TG_ID_LEN + 1];
    char         api2[TG_ID_LEN + 1];
    char         grant[TG_ID_LEN + 1]; /* app on api */
    char         account[TG_ID_LEN + 1];
    char         key_id[TG_KEY_ID_MAX + 1]; /* an access key of account */
    char         victim[TG_KEY_ID_MAX + 1]; /* what a delete removes */
    char         token[TG_TOKEN_MAX + 1];
    unsigned     seq;    /* makes names unique across preparations */
    uint64_t     points; /* fault points walked, in all */
    unsigned     ops;
} fixture_t;

/* One operation under test: prep (unarmed) makes what it needs, run does
 * it once, freeing its outputs on success and asserting them empty on
 * failure.  refusal: a code the operation answers for any store failure
 * by contract (authentication: TG_EBUSY), else 0.  best_effort: the
 * operation ends with a write it may lose and still succeed (an access
 * key's last use). */
typedef struct {
    const char *name;
    void (*prep)(fixture_t *f);
    int (*run)(fixture_t *f, tg_error_t *err);
    int refusal;
    int best_effort;
} op_t;


static int
is_zero(const void *p, size_t size)
{
    const unsigned char *b = p;
    size_t               i;

    for (i = 0; i < size; i++) {
        if (b[i] != 0) {
            return 0;
        }
    }
    return 1;
}

#define assert_empty(x) assert_true(is_zero(&(x), sizeof(x)))


/* ---- the store's contents, read beside the store ---------------------- */


static void
dump_append(char **dump, size_t *len, const char *s, size_t n)
{
    char *grown = realloc(*dump, *len + n + 1);

    assert_non_null(grown);
    memcpy(grown + *len, s, n);
    *len += n;
    grown[*len] = '\0';
    *dump = grown;
}


/* Every row of every table, in rowid order, as text; of the audit trail
 * only the successes (a failure may add its own event). */
static char *
snapshot(const fixture_t *f)
{
    sqlite3      *db;
    sqlite3_stmt *tables, *rows;
    char          path[TG_FIXTURE_DIR_LEN + 16], sql[256];
    char         *dump = NULL;
    size_t        len = 0;
    int           i;

    snprintf(path, sizeof(path), "%s/tollgate.db", f->fx.dir);
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT name FROM sqlite_master "
                                        "WHERE type = 'table' ORDER BY name",
                                        -1, &tables, NULL),
                     SQLITE_OK);
    dump_append(&dump, &len, "", 0);

    while (sqlite3_step(tables) == SQLITE_ROW) {
        const char *t = (const char *) sqlite3_column_text(tables, 0);

        snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\"%s ORDER BY rowid", t,
                 strcmp(t, "audit_events") == 0 ? " WHERE success = 1"
                 : strcmp(t, "sqlite_sequence") == 0
                     ? " WHERE name <> 'audit_events'"
                     : "");
        dump_append(&dump, &len, t, strlen(t));
        dump_append(&dump, &len, ":\n", 2);
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &rows, NULL),
                         SQLITE_OK);
        while (sqlite3_step(rows) == SQLITE_ROW) {
            for (i = 0; i < sqlite3_column_count(rows); i++) {
                const unsigned char *v = sqlite3_column_text(rows, i);
                int                  n = sqlite3_column_bytes(rows, i);

                dump_append(&dump, &len, v != NULL ? (const char *) v : "~",
                            v != NULL ? (size_t) n : 1);
                dump_append(&dump, &len, "|", 1);
            }
            dump_append(&dump, &len, "\n", 1);
        }
        sqlite3_finalize(rows);
    }
    sqlite3_finalize(tables);
    sqlite3_close(db);
    return dump;
}


/* Returns 1 if the two dumps are the same, else 0, showing where. */
static int
same(const char *op, uint64_t n, const char *before, const char *after)
{
    size_t i = 0;

    if (strcmp(before, after) == 0) {
        return 1;
    }
    while (before[i] == after[i]) {
        i++;
    }
    while (i > 0 && before[i - 1] != '\n') {
        i--;
    }
    print_error("%s, fault at call %" PRIu64 ": the store changed at\n"
                "before: %.200s\nafter:  %.200s\n",
                op, n, before + i, after + i);
    return 0;
}


/* ---- the walk ---------------------------------------------------------- */


static void
walk(fixture_t *f, const op_t *op)
{
    tg_error_t err = { 0 };
    uint64_t   n;
    char      *before, *after;
    int        rc, hit, unchanged;

    if (op->prep != NULL) {
        op->prep(f);
    }

    /* A failed attempt leaves the store as it was, so one snapshot of
     * before serves every attempt. */
    before = snapshot(f);
    for (n = 1; n <= WALK_MAX; n++) {
        memset(&err, 0, sizeof(err));

        tg_store_fault_arm(f->fx.store, n);
        rc = op->run(f, &err);
        hit = tg_store_fault_hit(f->fx.store);
        tg_store_fault_arm(f->fx.store, 0);

        if (!hit && rc == TG_OK) {
            free(before);
            f->points += n - 1;
            f->ops++;
            print_message("    %-28s %3" PRIu64 " fault points\n", op->name,
                          n - 1);
            return;
        }

        after = snapshot(f);
        unchanged = same(op->name, n, before, after);
        free(after);
        if (!unchanged) {
            free(before);
        }
        assert_true(unchanged);

        if (hit && rc == TG_OK && op->best_effort) {
            continue; /* its optional write failed, and was rolled back */
        }
        if (!hit || (rc != TG_ESTORE && rc != op->refusal)) {
            print_error("%s, fault at call %" PRIu64 "%s: returned %s (%s)\n",
                        op->name, n, hit ? "" : " (not reached)",
                        tg_err_name(rc), err.detail);
            free(before);
        }
        assert_true(hit);
        assert_true(rc == TG_ESTORE || (rc != TG_OK && rc == op->refusal));
        assert_rc(err.code, rc);
    }

    free(before);
    print_error("%s: still failing after %d faults\n", op->name, WALK_MAX);
    fail();
}


/* ---- helpers ----------------------------------------------------------- */


/* A grant on the API's own stage, never expiring. */
static const tg_grant_spec_t no_spec;

#define SVC(f)   ((f)->fx.svc)
#define ADMIN(f) (&(f)->fx.admin)

static tg_str_t
unique(fixture_t *f, char *buf, size_t size, const char *prefix)
{
    snprintf(buf, size, "%s%u", prefix, ++f->seq);
    return tg_str_c(buf);
}


static void
new_app(fixture_t *f, const char *prefix, char id[TG_ID_LEN + 1])
{
    tg_app_spec_t spec;
    tg_app_view_t view;
    tg_error_t    err = { 0 };
    char          name[48];

    memset(&spec, 0, sizeof(spec));
    memset(&view, 0, sizeof(view));
    spec.name = unique(f, name, sizeof(name), prefix);
    spec.enabled = 1;
    assert_rc(tg_service_app_create(SVC(f), ADMIN(f), &spec, &view, &err),
              TG_OK);
    memcpy(id, view.app.id, TG_ID_LEN + 1);
    tg_app_view_free(&view);
}


static void
new_api(fixture_t *f, const char *prefix, char id[TG_ID_LEN + 1])
{
    tg_api_spec_t spec;
    tg_api_t      api;
    tg_error_t    err = { 0 };
    char          name[48];

    memset(&spec, 0, sizeof(spec));
    memset(&api, 0, sizeof(api));
    spec.name = unique(f, name, sizeof(name), prefix);
    assert_rc(tg_service_api_create(SVC(f), ADMIN(f), &spec, &api, &err),
              TG_OK);
    memcpy(id, api.id, TG_ID_LEN + 1);
    tg_api_free(&api);
}


static int
setup(void **state)
{
    static const tg_fixture_spec_t spec = {
        .name = "faults",
        .key_id = TG_FIXTURE_KEY_ID,
        .key_secret = TG_FIXTURE_KEY_SECRET,
        .limits = { .max_apps = 1000,
                    .max_key_pairs = 100,
                    .max_codes = 100,
                    .max_grace_seconds = 86400,
                    .signed_nonces = 1000 },
    };
    fixture_t        *f;
    tg_app_spec_t     aspec;
    tg_app_view_t     view;
    tg_cred_spec_t    cspec;
    tg_cred_view_t    cview;
    tg_account_spec_t acspec;
    tg_account_t      account;
    tg_access_key_t   key;
    tg_grant_t        grant;
    tg_error_t        err = { 0 };
    char              secret[TG_ACCESS_KEY_SECRET_MAX + 1];
    int               created;

    f = tg_fixture_alloc(sizeof(*f), &spec);
    if (f == NULL) {
        return -1;
    }

    memset(&aspec, 0, sizeof(aspec));
    aspec.name = TG_STR("fault_app");
    aspec.enabled = 1;
    aspec.app_code = TG_STR(APP_CODE);
    if (tg_service_app_create(SVC(f), ADMIN(f), &aspec, &view, &err) != TG_OK) {
        goto failed;
    }
    memcpy(f->app, view.app.id, TG_ID_LEN + 1);
    snprintf(f->app_key, sizeof(f->app_key), "%s", view.key.app_key);
    if (view.ncodes == 1) {
        memcpy(f->code, view.codes[0].id, TG_ID_LEN + 1);
    }
    tg_app_view_free(&view);

    memset(&cspec, 0, sizeof(cspec));
    memset(&cview, 0, sizeof(cview));
    if (tg_service_cred_add(SVC(f), ADMIN(f), TG_CRED_KEY_PAIR,
                            tg_str_c(f->app), &cspec, &cview, &err)
        != TG_OK)
    {
        goto failed;
    }
    memcpy(f->pair, cview.key.id, TG_ID_LEN + 1);
    tg_cred_view_free(&cview);

    new_api(f, "fault_api", f->api);
    new_api(f, "fault_api", f->api2);
    memset(&grant, 0, sizeof(grant));
    if (tg_service_grant_put(SVC(f), ADMIN(f), tg_str_c(f->app),
                             tg_str_c(f->api), &no_spec, &grant, &created, &err)
        != TG_OK)
    {
        goto failed;
    }
    memcpy(f->grant, grant.id, TG_ID_LEN + 1);
    tg_grant_free(&grant);

    memset(&acspec, 0, sizeof(acspec));
    acspec.name = TG_STR("fault_account");
    acspec.enabled = 1;
    if (tg_service_account_create(SVC(f), ADMIN(f), &acspec, &account, &err)
        != TG_OK)
    {
        goto failed;
    }
    memcpy(f->account, account.id, TG_ID_LEN + 1);
    tg_account_free(&account);

    {
        tg_access_key_spec_t kspec;

        memset(&kspec, 0, sizeof(kspec));
        kspec.enabled = 1;
        kspec.id = TG_STR("TGfaultMember01");
        kspec.secret = TG_STR("fault-member-secret-0123456789");
        if (tg_service_access_key_create(SVC(f), ADMIN(f), tg_str_c(f->account),
                                         &kspec, &key, secret, &err)
            != TG_OK)
        {
            goto failed;
        }
        snprintf(f->key_id, sizeof(f->key_id), "%s", key.id);
        tg_access_key_free(&key);
    }

    *state = f;
    return 0;

failed:
    tg_fixture_free(f);
    return -1;
}


static int
teardown(void **state)
{
    fixture_t *f = *state;

    print_message("    %u operations, %" PRIu64 " fault points walked\n",
                  f->ops, f->points);
    tg_fixture_free(f);
    return 0;
}


/* ---- accounts and access keys ----------------------------------------- */


static int
run_account_create(fixture_t *f, tg_error_t *err)
{
    tg_account_spec_t spec;
    tg_account_t      out;
    char              name[48];
    int               rc;

    memset(&spec, 0, sizeof(spec));
    memset(&out, 0, sizeof(out));
    snprintf(name, sizeof(name), "fault_acc_new%u", f->seq);
    spec.name = tg_str_c(name);
    spec.enabled = 1;
    spec.app_quota = 7;
    rc = tg_service_account_create(SVC(f), ADMIN(f), &spec, &out, err);
    if (rc == TG_OK) {
        assert_string_equal(out.name, name);
        tg_account_free(&out);
    }
    assert_empty(out);
    return rc;
}


static int
run_account_get(fixture_t *f, tg_error_t *err)
{
    tg_account_t out;
    int          rc;

    memset(&out, 0, sizeof(out));
    rc = tg_service_account_get(SVC(f), ADMIN(f), tg_str_c(f->account), &out,
                                err);
    if (rc == TG_OK) {
        assert_string_equal(out.id, f->account);
        tg_account_free(&out);
    }
    assert_empty(out);
    return rc;
}


static int
run_account_list(fixture_t *f, tg_error_t *err)
{
    tg_account_t *items = NULL;
    size_t        n = 0;
    int64_t       total = 0;
    int           rc;

    rc = tg_service_account_list(SVC(f), ADMIN(f), 10, 0, &items, &n, &total,
                                 err);
    if (rc == TG_OK) {
        assert_true(n >= 2);
        tg_store_account_list_free(items, n);
        return rc;
    }
    assert_null(items);
    assert_int_equal(n, 0);
    return rc;
}


static int
run_account_update(fixture_t *f, tg_error_t *err)
{
    tg_account_spec_t patch;
    tg_account_t      out;
    int               rc;

    memset(&patch, 0, sizeof(patch));
    memset(&out, 0, sizeof(out));
    patch.name = TG_STR("fault_account_renamed");
    patch.app_quota = 50;
    rc = tg_service_account_update(
        SVC(f), ADMIN(f), tg_str_c(f->account), &patch,
        TG_ACCOUNT_SET_NAME | TG_ACCOUNT_SET_QUOTA, &out, err);
    if (rc == TG_OK) {
        assert_i64_equal(out.app_quota, 50);
        tg_account_free(&out);
    }
    assert_empty(out);
    return rc;
}


static void
prep_victim_account(fixture_t *f)
{
    tg_account_spec_t spec;
    tg_account_t      out;
    tg_error_t        err = { 0 };
    char              name[48];

    memset(&spec, 0, sizeof(spec));
    spec.name = unique(f, name, sizeof(name), "fault_victim");
    spec.enabled = 1;
    assert_rc(tg_service_account_create(SVC(f), ADMIN(f), &spec, &out, &err),
              TG_OK);
    memcpy(f->victim, out.id, TG_ID_LEN + 1);
    tg_account_free(&out);
}


static int
run_account_delete(fixture_t *f, tg_error_t *err)
{
    return tg_service_account_delete(SVC(f), ADMIN(f), tg_str_c(f->victim),
                                     err);
}


static int
run_access_key_create(fixture_t *f, tg_error_t *err)
{
    tg_access_key_spec_t spec;
    tg_access_key_t      out;
    char                 secret[TG_ACCESS_KEY_SECRET_MAX + 1] = "";
    int                  rc;

    memset(&spec, 0, sizeof(spec));
    memset(&out, 0, sizeof(out));
    spec.enabled = 1;
    spec.description = TG_STR("made under faults");
    rc = tg_service_access_key_create(SVC(f), ADMIN(f), tg_str_c(f->account),
                                      &spec, &out, secret, err);
    if (rc == TG_OK) {
        assert_true(secret[0] != '\0');
        tg_access_key_free(&out);
    }
    assert_empty(out);
    return rc;
}


static int
run_access_key_list(fixture_t *f, tg_error_t *err)
{
    tg_access_key_t *items = NULL;
    size_t           n = 0;
    int              rc;

    rc = tg_service_access_key_list(SVC(f), ADMIN(f), tg_str_c(f->account),
                                    &items, &n, err);
    if (rc == TG_OK) {
        assert_true(n >= 1);
        tg_store_access_key_list_free(items, n);
        return rc;
    }
    assert_null(items);
    assert_int_equal(n, 0);
    return rc;
}


static int
run_access_key_get(fixture_t *f, tg_error_t *err)
{
    tg_access_key_t out;
    int             rc;

    memset(&out, 0, sizeof(out));
    rc = tg_service_access_key_get(SVC(f), ADMIN(f), tg_str_c(f->account),
                                   tg_str_c(f->key_id), &out, err);
    if (rc == TG_OK) {
        assert_string_equal(out.id, f->key_id);
        tg_access_key_free(&out);
    }
    assert_empty(out);
    return rc;
}


static int
run_access_key_update(fixture_t *f, tg_error_t *err)
{
    tg_access_key_spec_t patch;
    tg_access_key_t      out;
    int                  rc;

    memset(&patch, 0, sizeof(patch));
    memset(&out, 0, sizeof(out));
    patch.description = TG_STR("changed under faults");
    patch.enabled = 1;
    rc = tg_service_access_key_update(
        SVC(f), ADMIN(f), tg_str_c(f->account), tg_str_c(f->key_id), &patch,
        TG_ACCESS_KEY_SET_DESCRIPTION | TG_ACCESS_KEY_SET_ENABLED, &out, err);
    if (rc == TG_OK) {
        tg_access_key_free(&out);
    }
    assert_empty(out);
    return rc;
}


static void
prep_victim_key(fixture_t *f)
{
    tg_access_key_spec_t spec;
    tg_access_key_t      out;
    tg_error_t           err = { 0 };
    char                 secret[TG_ACCESS_KEY_SECRET_MAX + 1];

    memset(&spec, 0, sizeof(spec));
    spec.enabled = 1;
    assert_rc(tg_service_access_key_create(SVC(f), ADMIN(f),
                                           tg_str_c(f->account), &spec, &out,
                                           secret, &err),
              TG_OK);
    snprintf(f->victim, sizeof(f->victim), "%s", out.id);
    tg_access_key_free(&out);
}


static int
run_access_key_delete(fixture_t *f, tg_error_t *err)
{
    return tg_service_access_key_delete(SVC(f), ADMIN(f), tg_str_c(f->account),
                                        tg_str_c(f->victim), err);
}


/* ---- authentication and tokens ---------------------------------------- */


static int
run_authenticate(fixture_t *f, tg_error_t *err)
{
    tg_actor_t actor;
    int        rc;

    memset(&actor, 0, sizeof(actor));
    rc = tg_service_authenticate(SVC(f), TG_STR("TGfaultMember01"),
                                 TG_STR("fault-member-secret-0123456789"),
                                 &actor, err);
    if (rc == TG_OK) {
        assert_string_equal(actor.account_id, f->account);
    } else {
        assert_string_equal(actor.key_id, "");
    }
    return rc;
}


static int
check_member_secret(void *data, tg_str_t secret)
{
    (void) data;
    return tg_str_eq_c(secret, "fault-member-secret-0123456789")
               ? TG_OK
               : TG_EUNAUTHENTICATED;
}


static int
run_authenticate_signed(fixture_t *f, tg_error_t *err)
{
    tg_signed_call_t  call;
    tg_actor_t        actor;
    tg_auth_outcome_t outcome = TG_AUTH_OK;
    char              nonce[32];
    int               rc;

    memset(&actor, 0, sizeof(actor));
    memset(&call, 0, sizeof(call));
    call.key_id = TG_STR("TGfaultMember01");
    call.timestamp = tg_time_now_ms();
    call.nonce = unique(f, nonce, sizeof(nonce), "fault-nonce-");
    call.check = check_member_secret;
    rc = tg_service_authenticate_signed(SVC(f), &call, &actor, &outcome, err);
    if (rc == TG_OK) {
        assert_string_equal(actor.account_id, f->account);
    } else {
        assert_string_equal(actor.key_id, "");
    }
    return rc;
}


static int
run_token_issue(fixture_t *f, tg_error_t *err)
{
    tg_actor_t actor;
    tg_buf_t   token = TG_BUF_INIT;
    int64_t    expires_at = 0;
    int        rc;

    memset(&actor, 0, sizeof(actor));
    rc = tg_service_token_issue(SVC(f), TG_STR("TGfaultMember01"),
                                TG_STR("fault-member-secret-0123456789"), 600,
                                &actor, &token, &expires_at, err);
    if (rc == TG_OK) {
        assert_true(token.len > 0 && token.len <= TG_TOKEN_MAX);
        memcpy(f->token, token.ptr, token.len);
        f->token[token.len] = '\0';
    } else {
        assert_int_equal(token.len, 0);
    }
    tg_buf_wipe(&token);
    return rc;
}


static int
run_authenticate_token(fixture_t *f, tg_error_t *err)
{
    tg_actor_t        actor;
    tg_auth_outcome_t outcome = TG_AUTH_OK;
    int               rc;

    memset(&actor, 0, sizeof(actor));
    rc = tg_service_authenticate_token(SVC(f), tg_str_c(f->token),
                                       tg_str_c(f->account), &actor, &outcome,
                                       err);
    if (rc == TG_OK) {
        assert_string_equal(actor.account_id, f->account);
    } else {
        assert_string_equal(actor.key_id, "");
    }
    return rc;
}


/* ---- apps -------------------------------------------------------------- */


static int
run_app_create(fixture_t *f, tg_error_t *err)
{
    static const tg_tag_spec_t tags[] = {
        { TG_STR("team"), TG_STR("core") },
        { TG_STR("env"), TG_STR("test") },
    };
    tg_app_spec_t spec;
    tg_app_view_t out;
    char          name[48];
    int           rc;

    memset(&spec, 0, sizeof(spec));
    memset(&out, 0, sizeof(out));
    snprintf(name, sizeof(name), "fault_new_app%u", f->seq);
    spec.name = tg_str_c(name);
    spec.description = TG_STR("made under faults");
    spec.tags = tags;
    spec.ntags = 2;
    spec.enabled = 1;
    spec.rate_limited = 1;
    spec.rate_rps = 10;
    spec.rate_burst = 20;
    spec.generate_app_code = 1;
    rc = tg_service_app_create(SVC(f), ADMIN(f), &spec, &out, err);
    if (rc == TG_OK) {
        assert_int_equal(out.app.ntags, 2);
        assert_int_equal(out.ncodes, 1);
        tg_app_view_free(&out);
    }
    assert_empty(out);
    return rc;
}


static int
run_app_get(fixture_t *f, tg_error_t *err)
{
    tg_app_view_t out;
    int           rc;

    memset(&out, 0, sizeof(out));
    rc = tg_service_app_get(SVC(f), ADMIN(f), tg_str_c(f->app), &out, err);
    if (rc == TG_OK) {
        assert_string_equal(out.app.id, f->app);
        tg_app_view_free(&out);
    }
    assert_empty(out);
    return rc;
}


static int
run_app_list(fixture_t *f, tg_error_t *err)
{
    tg_app_filter_t filter;
    tg_app_view_t  *items = NULL;
    size_t          n = 0;
    int64_t         total = 0;
    int             rc;

    memset(&filter, 0, sizeof(filter));
    filter.enabled = -1;
    filter.limit = 50;
    rc =
        tg_service_app_list(SVC(f), ADMIN(f), &filter, &items, &n, &total, err);
    if (rc == TG_OK) {
        assert_true(n >= 1);
        tg_app_view_list_free(items, n);
        return rc;
    }
    assert_null(items);
    assert_int_equal(n, 0);
    return rc;
}


static int
run_app_update(fixture_t *f, tg_error_t *err)
{
    static const tg_tag_spec_t tags[] = { { TG_STR("k"), TG_STR("v") } };
    tg_app_spec_t              patch;
    tg_app_view_t              out;
    int                        rc;

    memset(&patch, 0, sizeof(patch));
    memset(&out, 0, sizeof(out));
    patch.name = TG_STR("fault_app_renamed");
    patch.description = TG_STR("changed under faults");
    patch.tags = tags;
    patch.ntags = 1;
    patch.rate_limited = 1;
    patch.rate_rps = 5;
    patch.rate_burst = 5;
    rc = tg_service_app_update(SVC(f), ADMIN(f), tg_str_c(f->app), &patch,
                               TG_APP_SET_NAME | TG_APP_SET_DESCRIPTION
                                   | TG_APP_SET_TAGS | TG_APP_SET_RATE,
                               &out, err);
    if (rc == TG_OK) {
        assert_int_equal(out.app.ntags, 1);
        tg_app_view_free(&out);
    }
    assert_empty(out);
    return rc;
}


static int
run_app_tags_change(fixture_t *f, tg_error_t *err)
{
    static const tg_tag_spec_t set[] = { { TG_STR("a"), TG_STR("1") },
                                         { TG_STR("b"), TG_STR("2") } };
    tg_str_t                   refs[2], remove[1] = { TG_STR("k") };

    refs[0] = tg_str_c(f->app);
    refs[1] = tg_str_c(f->victim);
    return tg_service_app_tags_change(SVC(f), ADMIN(f), refs, 2, set, 2, remove,
                                      1, 0, err);
}


static void
prep_victim_app(fixture_t *f)
{
    tg_grant_t grant;
    tg_error_t err = { 0 };
    int        created;

    new_app(f, "fault_victim_app", f->victim);
    memset(&grant, 0, sizeof(grant));
    assert_rc(tg_service_grant_put(SVC(f), ADMIN(f), tg_str_c(f->victim),
                                   tg_str_c(f->api), &no_spec, &grant, &created,
                                   &err),
              TG_OK);
    tg_grant_free(&grant);
}


static int
run_app_delete(fixture_t *f, tg_error_t *err)
{
    return tg_service_app_delete(SVC(f), ADMIN(f), tg_str_c(f->victim), err);
}


/* ---- secrets and credentials ------------------------------------------ */


static int
run_secret_reset(fixture_t *f, tg_error_t *err)
{
    tg_reset_spec_t spec;
    tg_key_view_t   out;
    int             rc;

    memset(&spec, 0, sizeof(spec));
    memset(&out, 0, sizeof(out));
    spec.new_secret = TG_STR(APP_SECRET);
    spec.grace_seconds = 300;
    rc = tg_service_secret_reset(SVC(f), ADMIN(f), tg_str_c(f->app), &spec,
                                 &out, err);
    if (rc == TG_OK) {
        assert_string_equal(out.secret, APP_SECRET);
        assert_true(out.prev_expires_at > 0);
        tg_key_view_free(&out);
    }
    assert_empty(out);
    return rc;
}


static int
run_secret_reveal(fixture_t *f, tg_error_t *err)
{
    tg_app_view_t out;
    int           rc;

    memset(&out, 0, sizeof(out));
    rc =
        tg_service_secret_reveal(SVC(f), ADMIN(f), tg_str_c(f->app), &out, err);
    if (rc == TG_OK) {
        assert_true(out.nkeys >= 2);
        assert_true(out.ncodes >= 1);
        tg_app_view_free(&out);
    }
    assert_empty(out);
    return rc;
}


static int
cred_add(fixture_t *f, tg_cred_kind_t kind, tg_error_t *err)
{
    tg_cred_spec_t spec;
    tg_cred_view_t out;
    int            rc;

    memset(&spec, 0, sizeof(spec));
    memset(&out, 0, sizeof(out));
    rc = tg_service_cred_add(SVC(f), ADMIN(f), kind, tg_str_c(f->app), &spec,
                             &out, err);
    if (rc == TG_OK) {
        tg_cred_view_free(&out);
    }
    assert_empty(out);
    return rc;
}


static int
run_pair_add(fixture_t *f, tg_error_t *err)
{
    return cred_add(f, TG_CRED_KEY_PAIR, err);
}


static int
run_code_add(fixture_t *f, tg_error_t *err)
{
    return cred_add(f, TG_CRED_APP_CODE, err);
}


static int
run_pair_list(fixture_t *f, tg_error_t *err)
{
    tg_cred_view_t *items = NULL;
    size_t          n = 0;
    int             rc;

    rc = tg_service_cred_list(SVC(f), ADMIN(f), TG_CRED_KEY_PAIR,
                              tg_str_c(f->app), &items, &n, err);
    if (rc == TG_OK) {
        assert_true(n >= 2);
        tg_cred_view_list_free(items, n);
        return rc;
    }
    assert_null(items);
    assert_int_equal(n, 0);
    return rc;
}


static int
cred_reset(fixture_t *f, tg_cred_kind_t kind, const char *name, int64_t grace,
           tg_error_t *err)
{
    tg_cred_spec_t spec;
    tg_cred_view_t out;
    int            rc;

    memset(&spec, 0, sizeof(spec));
    memset(&out, 0, sizeof(out));
    spec.grace_seconds = grace;
    rc = tg_service_cred_reset(SVC(f), ADMIN(f), kind, tg_str_c(f->app),
                               tg_str_c(name), 0, &spec, &out, err);
    if (rc == TG_OK) {
        tg_cred_view_free(&out);
    }
    assert_empty(out);
    return rc;
}


static int
run_pair_reset(fixture_t *f, tg_error_t *err)
{
    return cred_reset(f, TG_CRED_KEY_PAIR, f->pair, 600, err);
}


static int
run_code_reset(fixture_t *f, tg_error_t *err)
{
    return cred_reset(f, TG_CRED_APP_CODE, f->code, 0, err);
}


static int
run_pair_make_primary(fixture_t *f, tg_error_t *err)
{
    tg_cred_view_t out;
    int            rc;

    memset(&out, 0, sizeof(out));
    rc = tg_service_cred_make_primary(SVC(f), ADMIN(f), TG_CRED_KEY_PAIR,
                                      tg_str_c(f->app), tg_str_c(f->pair), &out,
                                      err);
    if (rc == TG_OK) {
        assert_true(out.key.primary);
        tg_cred_view_free(&out);
    }
    assert_empty(out);
    return rc;
}


static void
prep_victim_pair(fixture_t *f)
{
    tg_cred_spec_t spec;
    tg_cred_view_t out;
    tg_error_t     err = { 0 };

    memset(&spec, 0, sizeof(spec));
    assert_rc(tg_service_cred_add(SVC(f), ADMIN(f), TG_CRED_KEY_PAIR,
                                  tg_str_c(f->app), &spec, &out, &err),
              TG_OK);
    memcpy(f->victim, out.key.id, TG_ID_LEN + 1);
    tg_cred_view_free(&out);
}


static int
run_pair_delete(fixture_t *f, tg_error_t *err)
{
    return tg_service_cred_delete(SVC(f), ADMIN(f), TG_CRED_KEY_PAIR,
                                  tg_str_c(f->app), tg_str_c(f->victim), 0,
                                  err);
}


static int
run_keyring_reseal(fixture_t *f, tg_error_t *err)
{
    int64_t pairs = -1, codes = -1;
    int     rc;

    rc = tg_service_keyring_reseal(SVC(f), ADMIN(f), &pairs, &codes, err);
    if (rc == TG_OK) {
        assert_true(pairs >= 2 && codes >= 1);
    }
    return rc;
}


/* ---- APIs and grants --------------------------------------------------- */


static int
run_api_create(fixture_t *f, tg_error_t *err)
{
    tg_api_spec_t spec;
    tg_api_t      out;
    char          name[48];
    int           rc;

    memset(&spec, 0, sizeof(spec));
    memset(&out, 0, sizeof(out));
    snprintf(name, sizeof(name), "fault_new_api%u", f->seq);
    spec.name = tg_str_c(name);
    spec.description = TG_STR("made under faults");
    spec.stage = TG_STR("TEST");
    rc = tg_service_api_create(SVC(f), ADMIN(f), &spec, &out, err);
    if (rc == TG_OK) {
        tg_api_free(&out);
    }
    assert_empty(out);
    return rc;
}


static int
run_api_get(fixture_t *f, tg_error_t *err)
{
    tg_api_t out;
    int      rc;

    memset(&out, 0, sizeof(out));
    rc = tg_service_api_get(SVC(f), ADMIN(f), tg_str_c(f->api), &out, err);
    if (rc == TG_OK) {
        tg_api_free(&out);
    }
    assert_empty(out);
    return rc;
}


static int
run_api_list(fixture_t *f, tg_error_t *err)
{
    tg_api_t *items = NULL;
    size_t    n = 0;
    int64_t   total = 0;
    int       rc;

    rc = tg_service_api_list(SVC(f), ADMIN(f), TG_STR_NULL, 10, 0, &items, &n,
                             &total, err);
    if (rc == TG_OK) {
        assert_true(n >= 2);
        tg_store_api_list_free(items, n);
        return rc;
    }
    assert_null(items);
    assert_int_equal(n, 0);
    return rc;
}


static int
run_api_update(fixture_t *f, tg_error_t *err)
{
    tg_api_spec_t patch;
    tg_api_t      out;
    int           rc;

    memset(&patch, 0, sizeof(patch));
    memset(&out, 0, sizeof(out));
    patch.description = TG_STR("changed under faults");
    patch.stage = TG_STR("PRE");
    rc = tg_service_api_update(SVC(f), ADMIN(f), tg_str_c(f->api2), &patch,
                               TG_API_SET_DESCRIPTION | TG_API_SET_STAGE, &out,
                               err);
    if (rc == TG_OK) {
        tg_api_free(&out);
    }
    assert_empty(out);
    return rc;
}


static void
prep_victim_api(fixture_t *f)
{
    tg_grant_t grant;
    tg_error_t err = { 0 };
    int        created;

    new_api(f, "fault_victim_api", f->victim);
    memset(&grant, 0, sizeof(grant));
    assert_rc(tg_service_grant_put(SVC(f), ADMIN(f), tg_str_c(f->app),
                                   tg_str_c(f->victim), &no_spec, &grant,
                                   &created, &err),
              TG_OK);
    tg_grant_free(&grant);
}


static int
run_api_delete(fixture_t *f, tg_error_t *err)
{
    return tg_service_api_delete(SVC(f), ADMIN(f), tg_str_c(f->victim), err);
}


static int
run_grant_put(fixture_t *f, tg_error_t *err)
{
    tg_grant_spec_t spec;
    tg_grant_t      out;
    int             created = -1, rc;

    memset(&spec, 0, sizeof(spec));
    memset(&out, 0, sizeof(out));
    spec.stage = TG_STR("PRE"); /* api2's, since api_update */
    spec.expires_at = tg_time_now_ms() + 3600 * 1000;
    rc = tg_service_grant_put(SVC(f), ADMIN(f), tg_str_c(f->app),
                              tg_str_c(f->api2), &spec, &out, &created, err);
    if (rc == TG_OK) {
        assert_int_equal(created, 1);
        tg_grant_free(&out);
    }
    assert_empty(out);
    return rc;
}


static int
run_grant_delete(fixture_t *f, tg_error_t *err)
{
    return tg_service_grant_delete(SVC(f), ADMIN(f), tg_str_c(f->app),
                                   tg_str_c(f->api2), TG_STR("PRE"), err);
}


static int
run_grants_put(fixture_t *f, tg_error_t *err)
{
    tg_grant_spec_t spec;
    tg_str_t        apps[2], apis[2];

    memset(&spec, 0, sizeof(spec)); /* each API's own stage */
    apps[0] = apps[1] = tg_str_c(f->app);
    apis[0] = tg_str_c(f->api2);
    apis[1] = tg_str_c(f->api);
    return tg_service_grants_put(SVC(f), ADMIN(f), apps, apis, 2, &spec, err);
}


static int
run_grants_delete(fixture_t *f, tg_error_t *err)
{
    tg_str_t apps[2], apis[2];

    apps[0] = apps[1] = tg_str_c(f->app);
    apis[0] = tg_str_c(f->api2);
    apis[1] = tg_str_c(f->api);
    return tg_service_grants_delete(SVC(f), ADMIN(f), apps, apis, 2,
                                    TG_STR_NULL, err);
}


static int
grant_list(fixture_t *f, int by_app, tg_error_t *err)
{
    tg_grant_t *items = NULL;
    size_t      n = 0;
    int64_t     total = 0;
    int         rc;

    rc = by_app
             ? tg_service_grant_list_by_app(SVC(f), ADMIN(f), tg_str_c(f->app),
                                            NULL, &items, &n, &total, err)
             : tg_service_grant_list_by_api(SVC(f), ADMIN(f), tg_str_c(f->api),
                                            NULL, &items, &n, &total, err);
    if (rc == TG_OK) {
        tg_store_grant_list_free(items, n);
        return rc;
    }
    assert_null(items);
    assert_int_equal(n, 0);
    return rc;
}


static int
run_grant_list_by_app(fixture_t *f, tg_error_t *err)
{
    return grant_list(f, 1, err);
}


static int
run_grant_list_by_api(fixture_t *f, tg_error_t *err)
{
    return grant_list(f, 0, err);
}


static int
run_api_list_ungranted(fixture_t *f, tg_error_t *err)
{
    tg_api_t *items = NULL;
    size_t    n = 0;
    int64_t   total = 0;
    int       rc;

    rc = tg_service_api_list_ungranted(SVC(f), ADMIN(f), tg_str_c(f->app),
                                       TG_STR("RELEASE"), 10, 0, &items, &n,
                                       &total, err);
    if (rc == TG_OK) {
        tg_store_api_list_free(items, n);
        return rc;
    }
    assert_null(items);
    assert_int_equal(n, 0);
    return rc;
}


static void
prep_victim_grant(fixture_t *f)
{
    tg_grant_spec_t spec;
    tg_grant_t      grant;
    tg_error_t      err = { 0 };
    int             created;

    memset(&spec, 0, sizeof(spec));
    spec.stage = TG_STR("PRE");
    assert_rc(tg_service_grant_put(SVC(f), ADMIN(f), tg_str_c(f->app),
                                   tg_str_c(f->api2), &spec, &grant, &created,
                                   &err),
              TG_OK);
    memcpy(f->victim, grant.id, TG_ID_LEN + 1);
    tg_grant_free(&grant);
}


static int
run_grant_delete_by_id(fixture_t *f, tg_error_t *err)
{
    return tg_service_grant_delete_by_id(SVC(f), ADMIN(f), tg_str_c(f->victim),
                                         err);
}


/* ---- audit and the data plane ----------------------------------------- */


static int
run_audit_list(fixture_t *f, tg_error_t *err)
{
    tg_audit_filter_t filter;
    tg_audit_event_t *items = NULL;
    size_t            n = 0;
    int64_t           total = 0;
    int               rc;

    memset(&filter, 0, sizeof(filter));
    filter.app = tg_str_c(f->app);
    filter.limit = 20;
    rc = tg_service_audit_list(SVC(f), ADMIN(f), &filter, &items, &n, &total,
                               err);
    if (rc == TG_OK) {
        assert_true(n >= 1);
        free(items);
        return rc;
    }
    assert_null(items);
    assert_int_equal(n, 0);
    return rc;
}


static int
count_apply(void *data, int64_t seq, const tg_dp_app_t *apps, size_t n)
{
    size_t *seen = data;

    (void) seq;
    (void) apps;
    *seen += n;
    return TG_OK;
}


static int
run_dp_changes(fixture_t *f, tg_error_t *err)
{
    int64_t seq = 0;
    size_t  seen = 0;
    int     more = 0, rc;

    rc = tg_service_dp_changes(SVC(f), &seq, 1000, count_apply, &seen, &more,
                               err);
    if (rc == TG_OK) {
        assert_true(seen >= 1 && seq > 0);
    }
    return rc;
}


static int
run_dp_health(fixture_t *f, tg_error_t *err)
{
    tg_dp_health_t h;

    memset(&h, 0, sizeof(h));
    return tg_service_dp_health(SVC(f), &h, err);
}


static const op_t ops[] = {
    { "account_create", NULL, run_account_create, 0, 0 },
    { "account_get", NULL, run_account_get, 0, 0 },
    { "account_list", NULL, run_account_list, 0, 0 },
    { "account_update", NULL, run_account_update, 0, 0 },
    { "account_delete", prep_victim_account, run_account_delete, 0, 0 },
    { "access_key_create", NULL, run_access_key_create, 0, 0 },
    { "access_key_list", NULL, run_access_key_list, 0, 0 },
    { "access_key_get", NULL, run_access_key_get, 0, 0 },
    { "access_key_update", NULL, run_access_key_update, 0, 0 },
    { "access_key_delete", prep_victim_key, run_access_key_delete, 0, 0 },
    { "authenticate", NULL, run_authenticate, TG_EBUSY, 1 },
    { "authenticate_signed", NULL, run_authenticate_signed, 0, 1 },
    { "token_issue", NULL, run_token_issue, TG_EBUSY, 1 },
    { "authenticate_token", NULL, run_authenticate_token, 0, 1 },
    { "app_create", NULL, run_app_create, 0, 0 },
    { "app_get", NULL, run_app_get, 0, 0 },
    { "app_list", NULL, run_app_list, 0, 0 },
    { "app_update", NULL, run_app_update, 0, 0 },
    { "app_tags_change", prep_victim_app, run_app_tags_change, 0, 0 },
    { "app_delete", prep_victim_app, run_app_delete, 0, 0 },
    { "secret_reset", NULL, run_secret_reset, 0, 0 },
    { "secret_reveal", NULL, run_secret_reveal, 0, 0 },
    { "key_pair_add", NULL, run_pair_add, 0, 0 },
    { "app_code_add", NULL, run_code_add, 0, 0 },
    { "key_pair_list", NULL, run_pair_list, 0, 0 },
    { "key_pair_reset", NULL, run_pair_reset, 0, 0 },
    { "app_code_reset", NULL, run_code_reset, 0, 0 },
    { "key_pair_make_primary", NULL, run_pair_make_primary, 0, 0 },
    { "key_pair_delete", prep_victim_pair, run_pair_delete, 0, 0 },
    { "keyring_reseal", NULL, run_keyring_reseal, 0, 0 },
    { "api_create", NULL, run_api_create, 0, 0 },
    { "api_get", NULL, run_api_get, 0, 0 },
    { "api_list", NULL, run_api_list, 0, 0 },
    { "api_update", NULL, run_api_update, 0, 0 },
    { "api_delete", prep_victim_api, run_api_delete, 0, 0 },
    { "grant_put", NULL, run_grant_put, 0, 0 },
    { "grant_delete", NULL, run_grant_delete, 0, 0 },
    { "grants_put", NULL, run_grants_put, 0, 0 },
    { "grants_delete", NULL, run_grants_delete, 0, 0 },
    { "grant_list_by_app", NULL, run_grant_list_by_app, 0, 0 },
    { "grant_list_by_api", NULL, run_grant_list_by_api, 0, 0 },
    { "api_list_ungranted", NULL, run_api_list_ungranted, 0, 0 },
    { "grant_delete_by_id", prep_victim_grant, run_grant_delete_by_id, 0, 0 },
    { "audit_list", NULL, run_audit_list, 0, 0 },
    { "dp_changes", NULL, run_dp_changes, 0, 0 },
    { "dp_health", NULL, run_dp_health, 0, 0 },
};


/* Every operation, in one store, in the order above (later ones use what
 * earlier ones made). */
static void
test_every_operation_under_faults(void **state)
{
    fixture_t *f = *state;
    size_t     i;

    for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        walk(f, &ops[i]);
    }
    assert_int_equal(f->ops, sizeof(ops) / sizeof(ops[0]));
}


/* The hook itself: unarmed it counts nothing; armed at n it fails the
 * n-th call once, and says so. */
static void
test_hook(void **state)
{
    fixture_t   *f = *state;
    tg_account_t out;
    tg_error_t   err = { 0 };

    memset(&out, 0, sizeof(out));
    assert_rc(tg_service_account_get(SVC(f), ADMIN(f), tg_str_c(f->account),
                                     &out, &err),
              TG_OK);
    tg_account_free(&out);
    assert_int_equal(tg_store_fault_calls(f->fx.store), 0);

    tg_store_fault_arm(f->fx.store, 1);
    assert_rc(tg_service_account_get(SVC(f), ADMIN(f), tg_str_c(f->account),
                                     &out, &err),
              TG_ESTORE);
    assert_true(tg_store_fault_hit(f->fx.store));
    assert_int_equal(tg_store_fault_calls(f->fx.store), 1);

    /* Once only: the next call runs. */
    assert_rc(tg_service_account_get(SVC(f), ADMIN(f), tg_str_c(f->account),
                                     &out, &err),
              TG_OK);
    tg_account_free(&out);
    assert_true(tg_store_fault_calls(f->fx.store) > 1);
    tg_store_fault_arm(f->fx.store, 0);
    assert_false(tg_store_fault_hit(f->fx.store));
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hook, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_operation_under_faults,
                                        setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
