/*
 * fill_projection: adds synthetic apps to a data directory's LMDB
 * projection, for the gateway benchmark's "1,000,000 apps" run.  Never
 * part of the product or the tests.
 *
 *     fill_projection DATA_DIR FROM TO
 *
 * Writes apps FROM..TO-1: an apps record (enabled, no rate limit), a keys
 * record (AppKey "Fill<n>", its secret sealed under the data directory's
 * data-plane key, as tollgated seals them) and a grant to the API
 * "default" on RELEASE.  The records follow include/tollgate/projection.h
 * exactly, so the gateway looks them up as it looks up real ones.  LMDB
 * serializes writers, so this may run beside tollgated; it never touches
 * the "seq" that tollgated keeps.
 */

#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/error.h"
#include "tollgate/projection.h"
#include "tollgate/str.h"


#define FILL_BATCH 50000

typedef struct {
    MDB_env *env;
    MDB_dbi  dbi[TG_PROJ_NDBS];
    uint8_t  key[TG_SEAL_KEY_LEN];
} fill_t;


static int
fill_put(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t klen, const void *v,
         size_t vlen)
{
    MDB_val key = { klen, (void *) k }, val = { vlen, (void *) v };

    return mdb_put(txn, dbi, &key, &val, 0);
}


/* Writes synthetic app n. */
static int
fill_one(fill_t *f, MDB_txn *txn, long n)
{
    tg_proj_app_t    app = { 1, 10000000000000LL + n, 0, 0 };
    tg_proj_secret_t secret;
    tg_buf_t sealed = TG_BUF_INIT, rec = TG_BUF_INIT, apprec = TG_BUF_INIT;
    char     id[TG_PROJ_ID_LEN + 1], app_key[32], gkey[128];
    tg_str_t keys[1];
    size_t   glen;
    int      rc;

    snprintf(id, sizeof(id), "f%031ld", n);
    snprintf(app_key, sizeof(app_key), "Fill%010ld", n);
    keys[0] = tg_str_c(app_key);

    rc = tg_proj_secret_seal(f->key, tg_str_c(app_key),
                             TG_STR("fill-secret-0123456789abcdef"), &sealed);
    secret.expires_at = 0;
    secret.aged_at = 0;
    secret.sealed = tg_buf_str(&sealed);
    if (rc == TG_OK) {
        rc = tg_proj_key_encode(tg_str_c(id), &secret, 1, &rec);
    }
    if (rc == TG_OK) {
        rc = tg_proj_app_encode(&app, keys, 1, NULL, 0, &apprec);
    }
    if (rc == TG_OK) {
        rc = tg_proj_grant_key(tg_str_c(id), TG_STR("default"),
                               TG_STR("RELEASE"), gkey, sizeof(gkey), &glen);
    }
    if (rc == TG_OK) {
        uint8_t never[8];

        tg_proj_i64_encode(0, never);
        rc = fill_put(txn, f->dbi[TG_PROJ_KEYS], app_key, strlen(app_key),
                      rec.ptr, rec.len)
             || fill_put(txn, f->dbi[TG_PROJ_APPS], id, TG_PROJ_ID_LEN,
                         apprec.ptr, apprec.len)
             || fill_put(txn, f->dbi[TG_PROJ_GRANTS], gkey, glen, never,
                         sizeof(never));
    }

    tg_buf_free(&sealed);
    tg_buf_free(&rec);
    tg_buf_free(&apprec);
    return rc;
}


static int
fill_open(fill_t *f, const char *dir)
{
    char  path[4096], text[80];
    FILE *fp;
    int   rc;

    snprintf(path, sizeof(path), "%s/%s", dir, TG_PROJ_KEY_FILE);
    fp = fopen(path, "r");
    if (fp == NULL || fgets(text, sizeof(text), fp) == NULL
        || tg_proj_key_parse(tg_str_c(text), f->key) != TG_OK)
    {
        fprintf(stderr, "fill_projection: cannot read %s\n", path);
        return 1;
    }
    fclose(fp);

    snprintf(path, sizeof(path), "%s/%s", dir, TG_PROJ_DIR);
    rc = mdb_env_create(&f->env);
    if (rc == 0) {
        rc = mdb_env_set_maxdbs(f->env, TG_PROJ_MAXDBS);
    }
    if (rc == 0) {
        /* A million apps need more than tollgated's default. */
        rc = mdb_env_set_mapsize(f->env, (size_t) 4 * TG_PROJ_MAP_MIB << 20);
    }
    if (rc == 0) {
        rc = mdb_env_open(f->env, path, MDB_NOTLS, 0600);
    }
    if (rc != 0) {
        fprintf(stderr, "fill_projection: %s: %s\n", path, mdb_strerror(rc));
        return 1;
    }
    return 0;
}


int
main(int argc, char **argv)
{
    fill_t   f;
    MDB_txn *txn;
    long     from, to, n;
    int      rc = 0;

    if (argc != 4) {
        fprintf(stderr, "usage: fill_projection DATA_DIR FROM TO\n");
        return 2;
    }
    from = atol(argv[2]);
    to = atol(argv[3]);
    memset(&f, 0, sizeof(f));
    if (fill_open(&f, argv[1]) != 0) {
        return 1;
    }

    for (n = from; n < to && rc == 0; n += FILL_BATCH) {
        long end = n + FILL_BATCH < to ? n + FILL_BATCH : to, i;

        rc = mdb_txn_begin(f.env, NULL, 0, &txn);
        for (i = 0; i < TG_PROJ_NDBS && rc == 0; i++) {
            rc = mdb_dbi_open(txn, tg_proj_db_name(i), 0, &f.dbi[i]);
        }
        for (i = n; i < end && rc == 0; i++) {
            rc = fill_one(&f, txn, i);
        }
        if (rc == 0) {
            rc = mdb_txn_commit(txn);
        } else {
            mdb_txn_abort(txn);
        }
    }

    if (rc != 0) {
        fprintf(stderr, "fill_projection: failed at a batch: %s\n",
                rc > 0 ? mdb_strerror(rc) : tg_strerror(rc));
    }
    tg_wipe(f.key, sizeof(f.key));
    mdb_env_close(f.env);
    return rc == 0 ? 0 : 1;
}
