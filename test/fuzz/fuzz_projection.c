/*
 * libFuzzer driver for the projection's record decoders (lib/projection.c),
 * which gateway workers run on the bytes LMDB maps: a damaged or hostile
 * projection file must give TG_EINVALID, never a read out of the value.
 *
 * Every decoder reads the whole input.  Beyond memory safety (ASan,
 * UBSan), it checks that views point into the value, that an apps record
 * lists only AppKeys and code hashes of the right size, and that a record
 * that decodes re-encodes to one that decodes the same.  Run with `make
 * fuzz`.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/error.h"
#include "tollgate/projection.h"
#include "tollgate/str.h"

#include "fuzz.h"


#define OWNED_MAX 64

typedef struct {
    tg_str_t value;
    tg_str_t keys[OWNED_MAX];
    uint8_t  codes[OWNED_MAX][TG_PROJ_HASH_LEN];
    size_t   nkeys;
    size_t   ncodes;
} owned_t;


static int
collect(void *data, int kind, tg_str_t item)
{
    owned_t *o = data;

    check(inside(item, o->value));
    if (kind == 'k') {
        if (o->nkeys < OWNED_MAX) {
            o->keys[o->nkeys++] = item;
        }
        return 0;
    }
    check(kind == 'c' && item.len == TG_PROJ_HASH_LEN);
    if (o->ncodes < OWNED_MAX) {
        memcpy(o->codes[o->ncodes++], item.ptr, TG_PROJ_HASH_LEN);
    }
    return 0;
}


static void
fuzz_app(tg_str_t value)
{
    tg_proj_app_t app, again;
    tg_buf_t      out = TG_BUF_INIT;
    owned_t       o = { .value = value };
    int           rc;

    if (tg_proj_app_decode(value, &app) != TG_OK) {
        return;
    }
    rc = tg_proj_app_owned(value, collect, &o);
    check(rc == TG_OK || rc == TG_EINVALID);
    if (rc != TG_OK || o.nkeys == OWNED_MAX || o.ncodes == OWNED_MAX) {
        return;
    }
    if (tg_proj_app_encode(&app, o.keys, o.nkeys, o.codes, o.ncodes, &out)
        == TG_OK) {
        check(tg_proj_app_decode(tg_buf_str(&out), &again) == TG_OK);
        check(again.enabled == app.enabled && again.app_id == app.app_id
              && again.rate_rps == app.rate_rps
              && again.rate_burst == app.rate_burst);
    }
    tg_buf_free(&out);
}


static void
fuzz_key(tg_str_t value)
{
    tg_proj_key_t key, again;
    tg_buf_t      out = TG_BUF_INIT;
    size_t        i;

    if (tg_proj_key_decode(value, &key) != TG_OK) {
        return;
    }
    check(inside(key.app, value) && key.nsecrets <= TG_PROJ_SECRETS);
    for (i = 0; i < key.nsecrets; i++) {
        check(inside(key.secrets[i].sealed, value));
    }
    if (tg_proj_key_encode(key.app, key.secrets, key.nsecrets, &out) == TG_OK) {
        check(tg_proj_key_decode(tg_buf_str(&out), &again) == TG_OK);
        check(tg_str_eq(again.app, key.app) && again.nsecrets == key.nsecrets);
        for (i = 0; i < key.nsecrets; i++) {
            check(again.secrets[i].expires_at == key.secrets[i].expires_at
                  && again.secrets[i].aged_at == key.secrets[i].aged_at
                  && tg_str_eq(again.secrets[i].sealed, key.secrets[i].sealed));
        }
    }
    tg_buf_free(&out);
}


/* A codes record that decodes encodes back to the same bytes. */
static void
fuzz_code(tg_str_t value)
{
    tg_buf_t out = TG_BUF_INIT;
    tg_str_t app;
    int64_t  aged_at;

    check(tg_proj_code_decode_aged(value, &app, &aged_at) == TG_OK);
    check(tg_proj_code_encode(app, aged_at, &out) == TG_OK);
    check(out.len == value.len && memcmp(out.ptr, value.ptr, out.len) == 0);
    tg_buf_free(&out);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tg_str_t value = { (const char *) data, size }, app;
    uint8_t  key[TG_SEAL_KEY_LEN], enc[8];
    int64_t  v;
    char     grant[512];
    size_t   len;

    fuzz_app(value);
    fuzz_key(value);

    if (tg_proj_code_decode(value, &app) == TG_OK) {
        check(inside(app, value) && app.len == TG_PROJ_ID_LEN);
        fuzz_code(value);
    }

    if (tg_proj_i64_decode(value, &v) == TG_OK) {
        check(size == 8);
        tg_proj_i64_encode(v, enc);
        check(memcmp(enc, data, 8) == 0);
    }

    if (tg_proj_key_parse(value, key) == TG_OK) {
        check(size == 64 || (size == 65 && data[64] == '\n'));
    }

    if (tg_proj_grant_key(value, value, value, grant, sizeof(grant), &len)
        == TG_OK) {
        check(len <= sizeof(grant) && memchr(data, '\0', size) == NULL);
    }

    return 0;
}
