/*
 * fill_store: adds synthetic apps to a stopped tollgated's SQLite store,
 * for the benchmark of a store with 1,000,000 apps (bench/scale.mjs).
 * Never part of the product or the tests.
 *
 *     fill_store DATA_DIR ACCOUNT_NAME FROM TO
 *
 * Writes apps FROM..TO-1 into the account, through the store layer
 * (daemon/store/store.h) as the service writes them, in transactions of
 * FILL_BATCH apps: the app "fill<n>" with two tags (team=t<n % 100>,
 * shard=s<n % 10>), one key pair (AppKey "Fill<n>", a random secret
 * sealed under the data directory's keyring, bound to its row as
 * tollgated seals it), and the change-log rows of both, so that tollgated
 * opens the store as it would its own and rebuilds its projection from
 * it.  Prints the rate it wrote at.  The keyring must exist: start
 * tollgated once on DATA_DIR first.
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tollgate/cred.h"
#include "tollgate/error.h"
#include "tollgate/seal.h"
#include "tollgate/time.h"

#include "keyring_file.h"
#include "store/store.h"


#define FILL_BATCH    20000
#define FILL_CACHE_KB (1024 * 1024) /* the indexes' pages in memory */
#define FILL_KEY_PAIR "key_pair:"   /* the sealing context of a key pair */
#define FILL_APP_BASE 10000000000000LL

typedef struct {
    tg_store_t   *store;
    tg_keyring_t *keyring;
    tg_account_t  account;
    int64_t       now;
} fill_t;


/* Writes the key pair of app (its AppKey "Fill<n>"), sealed. */
static int
fill_key_pair(fill_t *f, tg_txn_t *t, const tg_app_t *app, long n)
{
    char      key[TG_APP_KEY_MAX + 1], secret[TG_APP_SECRET_LEN + 1];
    char      context[sizeof(FILL_KEY_PAIR) + TG_ID_LEN];
    tg_buf_t  sealed = TG_BUF_INIT;
    tg_cred_t c;
    int       rc;

    memset(&c, 0, sizeof(c));
    snprintf(key, sizeof(key), "Fill%010ld", n);
    rc = tg_id_generate(c.id);
    if (rc == TG_OK) {
        rc = tg_app_secret_generate(secret);
    }
    if (rc == TG_OK) {
        snprintf(context, sizeof(context), "%s%s", FILL_KEY_PAIR, c.id);
        rc = tg_seal(f->keyring, tg_str_c(context), tg_str_c(secret), &sealed);
    }
    if (rc == TG_OK) {
        memcpy(c.app, app->id, sizeof(c.app));
        c.key = key;
        c.sealed = sealed.ptr;
        c.primary = 1;
        c.created_at = c.updated_at = c.secret_at = f->now;
        rc = tg_store_cred_insert(t, TG_CRED_KEY_PAIR, &c);
    }
    if (rc == TG_OK) {
        rc = tg_store_change_append(t, "key_pair", tg_str_c(c.id),
                                    tg_str_c(app->id), "upsert", f->now);
    }

    tg_wipe(secret, sizeof(secret));
    tg_buf_free(&sealed);
    return rc;
}


/* Writes synthetic app n. */
static int
fill_one(fill_t *f, tg_txn_t *t, long n)
{
    char     name[32], team[8], shard[8];
    tg_app_t app;
    int      rc;

    memset(&app, 0, sizeof(app));
    snprintf(name, sizeof(name), "fill%ld", n);
    snprintf(team, sizeof(team), "t%ld", n % 100);
    snprintf(shard, sizeof(shard), "s%ld", n % 10);

    rc = tg_id_generate(app.id);
    app.app_id = FILL_APP_BASE + n;
    memcpy(app.account_id, f->account.id, sizeof(app.account_id));
    app.name = name;
    app.description = "";
    app.extend = "";
    app.tags[0] = (tg_tag_t){ "team", team };
    app.tags[1] = (tg_tag_t){ "shard", shard };
    app.ntags = 2;
    app.enabled = 1;
    app.creator = TG_CREATOR_USER;
    /* One millisecond apart, so that the order of creation is n's. */
    app.created_at = app.updated_at = f->now + n;

    if (rc == TG_OK) {
        rc = tg_store_app_insert(t, &app);
    }
    if (rc == TG_OK) {
        rc = tg_store_change_append(t, "app", tg_str_c(app.id),
                                    tg_str_c(app.id), "upsert", f->now);
    }
    return rc == TG_OK ? fill_key_pair(f, t, &app, n) : rc;
}


/* Writes apps from..to-1 in one transaction. */
static int
fill_batch(fill_t *f, long from, long to)
{
    tg_txn_t t;
    long     n;
    int      rc;

    rc = tg_txn_begin(f->store, 1, &t);
    if (rc != TG_OK) {
        return rc;
    }
    for (n = from; n < to && rc == TG_OK; n++) {
        rc = fill_one(f, &t, n);
    }
    if (rc != TG_OK) {
        tg_txn_rollback(&t);
        return rc;
    }
    return tg_txn_commit(&t);
}


static int
fill_open(fill_t *f, const char *dir, const char *account)
{
    tg_db_options_t o;
    tg_txn_t        t;
    char            path[PATH_MAX], errbuf[512];
    int             created = 0, rc;

    snprintf(path, sizeof(path), "%s/keyring.json", dir);
    rc = tg_keyring_file_open(path, 0, &f->keyring, &created, errbuf,
                              sizeof(errbuf));
    if (rc != TG_OK) {
        fprintf(stderr, "fill_store: %s\n", errbuf);
        return rc;
    }

    snprintf(path, sizeof(path), "%s/tollgate.db", dir);
    memset(&o, 0, sizeof(o));
    o.path = path;
    o.connections = 1;
    o.busy_ms = 10000;
    o.cache_kb = FILL_CACHE_KB;
    rc = tg_store_open(&tg_db_sqlite, &o, &f->store);
    if (rc == TG_OK) {
        rc = tg_txn_begin(f->store, 0, &t);
    }
    if (rc == TG_OK) {
        rc = tg_store_account_find(&t, tg_str_c(account), &f->account);
        tg_txn_rollback(&t);
    }
    if (rc != TG_OK) {
        fprintf(stderr, "fill_store: %s: %s\n", path, tg_strerror(rc));
    }
    return rc;
}


int
main(int argc, char **argv)
{
    fill_t  f;
    long    from, to, n;
    int64_t started;
    double  seconds;
    int     rc;

    if (argc != 5) {
        fprintf(stderr, "usage: fill_store DATA_DIR ACCOUNT_NAME FROM TO\n");
        return 2;
    }
    from = strtol(argv[3], NULL, 10);
    to = strtol(argv[4], NULL, 10);
    if (from < 0 || to < from || to - from > 100000000L) {
        fprintf(stderr, "fill_store: FROM and TO: 0 <= FROM <= TO\n");
        return 2;
    }

    memset(&f, 0, sizeof(f));
    f.now = tg_time_now_ms();
    rc = fill_open(&f, argv[1], argv[2]);

    started = tg_time_monotonic_ms();
    for (n = from; n < to && rc == TG_OK; n += FILL_BATCH) {
        rc = fill_batch(&f, n, n + FILL_BATCH < to ? n + FILL_BATCH : to);
    }
    if (rc != TG_OK) {
        fprintf(stderr, "fill_store: at app %ld: %s\n", n, tg_strerror(rc));
    } else {
        seconds = (double) (tg_time_monotonic_ms() - started) / 1000.0;
        printf("fill_store: %ld apps in %.1f s (%.0f/s)\n", to - from, seconds,
               seconds > 0 ? (double) (to - from) / seconds : 0.0);
    }

    tg_account_free(&f.account);
    tg_store_close(f.store);
    tg_keyring_destroy(f.keyring);
    return rc == TG_OK ? 0 : 1;
}
