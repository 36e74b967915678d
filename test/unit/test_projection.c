/*
 * Tests of the projection's record formats (lib/projection.c): round
 * trips, every truncation of a record refused, the bounds of each field,
 * sealed secrets bound to their AppKey, grant keys and the key file.
 */

#include <stdlib.h>

#include "tollgate/projection.h"

#include "unit.h"


static const uint8_t KEY[TG_SEAL_KEY_LEN] = { 9, 8, 7, 6, 5, 4, 3, 2, 1 };
#define APP "0123456789abcdef0123456789abcdef"


static int
accept_all(void *data, int kind, tg_str_t item)
{
    (void) data;
    (void) kind;
    (void) item;
    return TG_OK;
}


static void
test_app_round_trip(void **state)
{
    tg_proj_app_t app = { 1, 90153903871685, 1000000, 5 }, back;
    tg_str_t      keys[2] = { TG_STR("KeyOne_0001"), TG_STR("KeyTwo_0002") };
    uint8_t       codes[1][TG_PROJ_HASH_LEN] = { { 0xaa, 0xbb } };
    tg_buf_t      rec = TG_BUF_INIT;
    size_t        len;

    (void) state;
    assert_rc(tg_proj_app_encode(&app, keys, 2,
                                 (const uint8_t(*)[TG_PROJ_HASH_LEN]) codes, 1,
                                 &rec),
              TG_OK);
    assert_rc(tg_proj_app_decode(tg_buf_str(&rec), &back), TG_OK);
    assert_true(back.enabled);
    assert_i64_equal(back.app_id, 90153903871685);
    assert_int_equal(back.rate_rps, 1000000);
    assert_int_equal(back.rate_burst, 5);

    /* Every strict prefix of the record is refused by the full reader. */
    for (len = 0; len < rec.len; len++) {
        tg_str_t cut = { rec.ptr, len };

        assert_int_not_equal(tg_proj_app_owned(cut, accept_all, NULL), TG_OK);
    }

    /* So is a record with a byte too many, or another format. */
    assert_rc(tg_buf_append(&rec, "x", 1), TG_OK);
    assert_rc(
        tg_proj_app_owned((tg_str_t){ rec.ptr, rec.len }, accept_all, NULL),
        TG_EINVALID);
    rec.ptr[0] = 2;
    assert_rc(tg_proj_app_decode(tg_buf_str(&rec), &back), TG_EINVALID);
    tg_buf_free(&rec);
}


typedef struct {
    int keys, codes;
} owned_t;

static int
count_owned(void *data, int kind, tg_str_t item)
{
    owned_t *o = data;

    if (kind == 'k') {
        o->keys++;
        return item.len == 11 ? TG_OK : TG_EINVALID;
    }
    o->codes++;
    return item.len == TG_PROJ_HASH_LEN ? TG_OK : TG_EINVALID;
}


static void
test_app_owned(void **state)
{
    tg_proj_app_t app = { 0, 1, 0, 0 };
    tg_str_t      keys[2] = { TG_STR("KeyOne_0001"), TG_STR("KeyTwo_0002") };
    uint8_t       codes[3][TG_PROJ_HASH_LEN];
    tg_buf_t      rec = TG_BUF_INIT;
    owned_t       o = { 0, 0 };

    (void) state;
    memset(codes, 1, sizeof(codes));
    assert_rc(tg_proj_app_encode(&app, keys, 2,
                                 (const uint8_t(*)[TG_PROJ_HASH_LEN]) codes, 3,
                                 &rec),
              TG_OK);
    assert_rc(tg_proj_app_owned(tg_buf_str(&rec), count_owned, &o), TG_OK);
    assert_int_equal(o.keys, 2);
    assert_int_equal(o.codes, 3);
    tg_buf_free(&rec);
}


/* A codes record: the app id alone for a code that never ages, with its
 * maximum age's end when it does; anything else is refused. */
static void
test_code_records(void **state)
{
    tg_buf_t rec = TG_BUF_INIT;
    tg_str_t app;
    int64_t  aged_at = -1;

    (void) state;
    assert_rc(tg_proj_code_encode(TG_STR(APP), 0, &rec), TG_OK);
    assert_int_equal(rec.len, 32);
    assert_rc(tg_proj_code_decode_aged(tg_buf_str(&rec), &app, &aged_at),
              TG_OK);
    assert_memory_equal(app.ptr, APP, 32);
    assert_i64_equal(aged_at, 0);

    tg_buf_reset(&rec);
    assert_rc(tg_proj_code_encode(TG_STR(APP), 1893456000123, &rec), TG_OK);
    assert_int_equal(rec.len, 40);
    assert_rc(tg_proj_code_decode_aged(tg_buf_str(&rec), &app, &aged_at),
              TG_OK);
    assert_i64_equal(aged_at, 1893456000123);
    assert_rc(tg_proj_code_decode(tg_buf_str(&rec), &app), TG_OK);
    assert_memory_equal(app.ptr, APP, 32);

    /* Cut short, too long, an explicit 0, a short app id. */
    assert_rc(tg_proj_code_decode((tg_str_t){ rec.ptr, 39 }, &app),
              TG_EINVALID);
    assert_rc(tg_proj_code_decode((tg_str_t){ rec.ptr, 31 }, &app),
              TG_EINVALID);
    assert_rc(tg_buf_append(&rec, "x", 1), TG_OK);
    assert_rc(tg_proj_code_decode(tg_buf_str(&rec), &app), TG_EINVALID);
    memset(rec.ptr + 32, 0, 9);
    assert_rc(tg_proj_code_decode((tg_str_t){ rec.ptr, 40 }, &app),
              TG_EINVALID);
    assert_rc(tg_proj_code_encode(TG_STR("short"), 0, &rec), TG_EINVALID);
    tg_buf_free(&rec);
}


/* A keys record of format 1 (no aged_at, before credential policies)
 * still reads: its secrets never age. */
static void
test_key_format_1(void **state)
{
    tg_proj_key_t k;
    tg_buf_t      rec = TG_BUF_INIT;
    uint8_t       expires[8];

    (void) state;
    tg_proj_i64_encode(1893456000000, expires);
    assert_rc(tg_buf_append(&rec, "\x01", 1), TG_OK);
    assert_rc(tg_buf_append(&rec, APP, 32), TG_OK);
    assert_rc(tg_buf_append(&rec, "\x01", 1), TG_OK);
    assert_rc(tg_buf_append(&rec, (const char *) expires, 8), TG_OK);
    assert_rc(tg_buf_append(&rec,
                            "\x03\x00"
                            "abc",
                            5),
              TG_OK);

    assert_rc(tg_proj_key_decode(tg_buf_str(&rec), &k), TG_OK);
    assert_int_equal(k.nsecrets, 1);
    assert_i64_equal(k.secrets[0].expires_at, 1893456000000);
    assert_i64_equal(k.secrets[0].aged_at, 0);
    assert_str_equal(k.secrets[0].sealed, "abc");

    /* Format 3 is nobody's. */
    rec.ptr[0] = 3;
    assert_rc(tg_proj_key_decode(tg_buf_str(&rec), &k), TG_EINVALID);
    tg_buf_free(&rec);
}


static void
test_key_round_trip(void **state)
{
    tg_proj_secret_t secrets[2];
    tg_buf_t         s1 = TG_BUF_INIT, s2 = TG_BUF_INIT, rec = TG_BUF_INIT;
    tg_proj_key_t    k;
    char             out[TG_PROJ_SECRET_MAX];
    size_t           len;

    (void) state;
    assert_rc(tg_proj_secret_seal(KEY, TG_STR("AppKey_01"),
                                  TG_STR("current-secret"), &s1),
              TG_OK);
    assert_rc(
        tg_proj_secret_seal(KEY, TG_STR("AppKey_01"), TG_STR("previous"), &s2),
        TG_OK);
    assert_int_equal(s1.len, 14 + TG_SEAL_OVERHEAD);
    secrets[0] = (tg_proj_secret_t){ .expires_at = 0,
                                     .aged_at = 1893456000123,
                                     .sealed = tg_buf_str(&s1) };
    secrets[1] = (tg_proj_secret_t){ .expires_at = 1893456000000,
                                     .aged_at = 0,
                                     .sealed = tg_buf_str(&s2) };

    assert_rc(tg_proj_key_encode(TG_STR(APP), secrets, 2, &rec), TG_OK);
    assert_rc(tg_proj_key_decode(tg_buf_str(&rec), &k), TG_OK);
    assert_int_equal(k.nsecrets, 2);
    assert_memory_equal(k.app.ptr, APP, 32);
    assert_i64_equal(k.secrets[0].expires_at, 0);
    assert_i64_equal(k.secrets[0].aged_at, 1893456000123);
    assert_i64_equal(k.secrets[1].expires_at, 1893456000000);
    assert_i64_equal(k.secrets[1].aged_at, 0);

    assert_rc(tg_proj_secret_open(KEY, TG_STR("AppKey_01"), k.secrets[0].sealed,
                                  out, &len),
              TG_OK);
    assert_int_equal(len, 14);
    assert_memory_equal(out, "current-secret", 14);

    /* Bound to the AppKey and the key; a flipped bit fails. */
    assert_rc(tg_proj_secret_open(KEY, TG_STR("AppKey_02"), k.secrets[0].sealed,
                                  out, &len),
              TG_ESEALED);
    s1.ptr[TG_SEAL_NONCE_LEN] ^= 1;
    assert_rc(tg_proj_secret_open(KEY, TG_STR("AppKey_01"), tg_buf_str(&s1),
                                  out, &len),
              TG_ESEALED);

    /* Truncations, counts and app ids out of bounds. */
    for (len = 0; len < rec.len; len++) {
        assert_rc(tg_proj_key_decode((tg_str_t){ rec.ptr, len }, &k),
                  TG_EINVALID);
    }
    assert_rc(tg_proj_key_encode(TG_STR(APP), secrets, 0, &rec), TG_EINVALID);
    assert_rc(tg_proj_key_encode(TG_STR(APP), secrets, 3, &rec), TG_EINVALID);
    assert_rc(tg_proj_key_encode(TG_STR("short"), secrets, 1, &rec),
              TG_EINVALID);

    tg_buf_free(&s1);
    tg_buf_free(&s2);
    tg_buf_free(&rec);
}


static void
test_secret_limits(void **state)
{
    char     big[TG_PROJ_SECRET_MAX + 1];
    tg_buf_t s = TG_BUF_INIT;
    char     out[TG_PROJ_SECRET_MAX];
    size_t   len;

    (void) state;
    memset(big, 'a', sizeof(big));
    assert_rc(tg_proj_secret_seal(KEY, TG_STR("k"),
                                  (tg_str_t){ big, TG_PROJ_SECRET_MAX }, &s),
              TG_OK);
    assert_rc(tg_proj_secret_open(KEY, TG_STR("k"), tg_buf_str(&s), out, &len),
              TG_OK);
    assert_int_equal(len, TG_PROJ_SECRET_MAX);
    tg_buf_free(&s);
    assert_rc(tg_proj_secret_seal(KEY, TG_STR("k"),
                                  (tg_str_t){ big, TG_PROJ_SECRET_MAX + 1 },
                                  &s),
              TG_EINVALID);
    assert_rc(
        tg_proj_secret_open(KEY, TG_STR("k"), TG_STR("too short"), out, &len),
        TG_ESEALED);
}


static void
test_grant_key(void **state)
{
    char   out[64];
    size_t len;

    (void) state;
    assert_rc(tg_proj_grant_key(TG_STR(APP), TG_STR("orders"),
                                TG_STR("RELEASE"), out, sizeof(out), &len),
              TG_OK);
    assert_int_equal(len, 32 + 1 + 6 + 1 + 7);
    assert_memory_equal(out, APP "\0orders\0RELEASE", len);

    /* Exactly full fits; one byte less does not. */
    assert_rc(tg_proj_grant_key(TG_STR(APP), TG_STR("orders"),
                                TG_STR("RELEASE"), out, 47, &len),
              TG_OK);
    assert_rc(tg_proj_grant_key(TG_STR(APP), TG_STR("orders"),
                                TG_STR("RELEASE"), out, 46, &len),
              TG_EINVALID);
    assert_rc(tg_proj_grant_key(TG_STR(APP), (tg_str_t){ "a\0b", 3 },
                                TG_STR("RELEASE"), out, sizeof(out), &len),
              TG_EINVALID);
}


static void
test_i64_and_key_file(void **state)
{
    uint8_t b[8], key[TG_SEAL_KEY_LEN];
    int64_t v;

    (void) state;
    tg_proj_i64_encode(-2, b);
    assert_rc(tg_proj_i64_decode((tg_str_t){ (char *) b, 8 }, &v), TG_OK);
    assert_i64_equal(v, -2);
    assert_rc(tg_proj_i64_decode((tg_str_t){ (char *) b, 7 }, &v), TG_EINVALID);

    assert_rc(tg_proj_key_parse(TG_STR("000102030405060708090a0b0c0d0e0f"
                                       "101112131415161718191A1B1C1D1E1F\n"),
                                key),
              TG_OK);
    assert_int_equal(key[31], 0x1f);
    assert_rc(tg_proj_key_parse(TG_STR("0001"), key), TG_EINVALID);
    assert_rc(tg_proj_key_parse(TG_STR("000102030405060708090a0b0c0d0e0f"
                                       "101112131415161718191a1b1c1d1e1g"),
                                key),
              TG_EINVALID);
}


/* Every reader and writer opens the same five databases by these names. */
static void
test_db_names(void **state)
{
    static const char *const names[TG_PROJ_NDBS] = { "meta", "apps", "keys",
                                                     "codes", "grants" };
    size_t                   i, j;

    (void) state;
    assert_true(TG_PROJ_NDBS <= TG_PROJ_MAXDBS);
    for (i = 0; i < TG_PROJ_NDBS; i++) {
        assert_string_equal(tg_proj_db_name(i), names[i]);
        for (j = 0; j < i; j++) {
            assert_string_not_equal(tg_proj_db_name(i), tg_proj_db_name(j));
        }
    }
    assert_null(tg_proj_db_name(TG_PROJ_NDBS));
    assert_null(tg_proj_db_name((tg_proj_db_t) -1));
}


static void
test_heartbeat_fresh(void **state)
{
    const int64_t now = 1764480000000LL;

    (void) state;
    assert_int_equal(tg_proj_heartbeat_fresh(now, now, 30000), 1);
    assert_int_equal(tg_proj_heartbeat_fresh(now - 30000, now, 30000), 1);
    assert_int_equal(tg_proj_heartbeat_fresh(now - 30001, now, 30000), 0);
    /* A heartbeat ahead of the clock (a clock stepped back) is as stale. */
    assert_int_equal(tg_proj_heartbeat_fresh(now + 30000, now, 30000), 1);
    assert_int_equal(tg_proj_heartbeat_fresh(now + 30001, now, 30000), 0);
    /* None yet, or nonsense from a damaged record. */
    assert_int_equal(tg_proj_heartbeat_fresh(0, now, 30000), 0);
    assert_int_equal(tg_proj_heartbeat_fresh(INT64_MIN, now, 30000), 0);
    assert_int_equal(tg_proj_heartbeat_fresh(INT64_MAX, now, 30000), 0);
    assert_int_equal(tg_proj_heartbeat_fresh(now, now, -1), 0);
}


/* A sealed secret of app_key in b (tg_buf_free it). */
static tg_str_t
sealed_secret(tg_buf_t *b, const char *app_key, const char *secret)
{
    *b = (tg_buf_t) TG_BUF_INIT;
    assert_rc(tg_proj_secret_seal(KEY, (tg_str_t){ app_key, strlen(app_key) },
                                  (tg_str_t){ secret, strlen(secret) }, b),
              TG_OK);
    return tg_buf_str(b);
}


/* Looks up the HMAC-SHA256 of app_key's sealed secret under KEY. */
static int
get(tg_proj_macs_t *c, const char *app_key, tg_str_t sealed, int64_t now_ms,
    tg_hmac_t **h)
{
    return tg_proj_macs_get(c, KEY, tg_str_c(app_key), sealed, TG_HMAC_SHA256,
                            now_ms, h);
}


/* The MAC of msg by h, against a one-shot HMAC-SHA256 under secret. */
static void
assert_keyed(tg_hmac_t *h, const char *secret)
{
    uint8_t a[TG_SHA256_LEN], b[TG_SHA256_LEN];

    assert_rc(tg_hmac_compute(h, TG_STR("message"), a), TG_OK);
    assert_rc(tg_hmac_sha256((tg_str_t){ secret, strlen(secret) },
                             TG_STR("message"), b),
              TG_OK);
    assert_memory_equal(a, b, sizeof(a));
}


/* A secret is opened once, then served from the cache; new sealed bytes
 * (a reset) are opened again. */
static void
test_macs_open_once(void **state)
{
    tg_proj_macs_t      *c;
    tg_hmac_t           *h1, *h2, *h3;
    tg_buf_t             b1, b2;
    tg_str_t             s1, s2;
    tg_proj_macs_stats_t st;

    (void) state;

    s1 = sealed_secret(&b1, "AppKey_01", "first-secret");
    s2 = sealed_secret(&b2, "AppKey_01", "second-secret");
    assert_rc(tg_proj_macs_create(&c, 16, 60000), TG_OK);

    assert_rc(get(c, "AppKey_01", s1, 1000, &h1), TG_OK);
    assert_keyed(h1, "first-secret");
    assert_rc(get(c, "AppKey_01", s1, 2000, &h2), TG_OK);
    assert_ptr_equal(h1, h2);
    st = tg_proj_macs_stats(c);
    assert_int_equal(st.opens, 1);
    assert_int_equal(st.hits, 1);

    /* The reset secret: other sealed bytes, another secret. */
    assert_rc(get(c, "AppKey_01", s2, 2000, &h3), TG_OK);
    assert_keyed(h3, "second-secret");
    assert_int_equal(tg_proj_macs_stats(c).opens, 2);

    /* HmacSHA1 with the same secret is its own entry. */
    assert_rc(tg_proj_macs_get(c, KEY, TG_STR("AppKey_01"), s2, TG_HMAC_SHA1,
                               2000, &h3),
              TG_OK);
    assert_int_equal(tg_hmac_size(h3), TG_SHA1_LEN);
    assert_int_equal(tg_proj_macs_stats(c).opens, 3);

    tg_proj_macs_destroy(c);
    tg_buf_free(&b1);
    tg_buf_free(&b2);
}


/* The cache never serves a secret to another AppKey, nor one that does
 * not open; nothing is stored then. */
static void
test_macs_bound_to_key(void **state)
{
    tg_proj_macs_t *c;
    tg_hmac_t      *h;
    tg_buf_t        b;
    tg_str_t        s;
    uint8_t         other[TG_SEAL_KEY_LEN];

    (void) state;

    s = sealed_secret(&b, "AppKey_01", "first-secret");
    assert_rc(tg_proj_macs_create(&c, 1, 60000), TG_OK);
    assert_rc(get(c, "AppKey_01", s, 1000, &h), TG_OK);

    /* The same sealed bytes under another AppKey: opened (and refused),
     * never taken from the cache. */
    assert_rc(get(c, "AppKey_02", s, 1000, &h), TG_ESEALED);
    assert_null(h);
    assert_rc(get(c, "AppKey_0", s, 1000, &h), TG_ESEALED);

    /* Another data-plane key does not open it. */
    memcpy(other, KEY, sizeof(other));
    other[0] ^= 1;
    tg_proj_macs_clear(c);
    assert_rc(tg_proj_macs_get(c, other, TG_STR("AppKey_01"), s, TG_HMAC_SHA256,
                               1000, &h),
              TG_ESEALED);
    assert_int_equal(tg_proj_macs_stats(c).opens, 1);
    assert_int_equal(tg_proj_macs_stats(c).hits, 0);

    tg_proj_macs_destroy(c);
    tg_buf_free(&b);
}


/* Entries live ttl_ms; idle ones are swept by later lookups; a clear
 * forgets everything. */
static void
test_macs_lifetime(void **state)
{
    tg_proj_macs_t *c;
    tg_hmac_t      *h;
    tg_buf_t        b1, b2;
    tg_str_t        s1, s2;

    (void) state;

    s1 = sealed_secret(&b1, "AppKey_01", "first-secret");
    s2 = sealed_secret(&b2, "AppKey_02", "second-secret");
    assert_rc(tg_proj_macs_create(&c, 2, 1000), TG_OK);

    assert_rc(get(c, "AppKey_01", s1, 5000, &h), TG_OK);
    assert_rc(get(c, "AppKey_01", s1, 5999, &h), TG_OK);
    assert_int_equal(tg_proj_macs_stats(c).hits, 1);
    /* At its age limit it is opened again. */
    assert_rc(get(c, "AppKey_01", s1, 6000, &h), TG_OK);
    assert_int_equal(tg_proj_macs_stats(c).opens, 2);
    /* A clock stepped back does not extend its life either. */
    assert_rc(get(c, "AppKey_01", s1, 5000, &h), TG_OK);
    assert_int_equal(tg_proj_macs_stats(c).opens, 3);

    /* Lookups of another key sweep both slots in turn: the idle entry is
     * wiped once too old, though nobody asks for it. */
    tg_proj_macs_clear(c);
    assert_rc(get(c, "AppKey_01", s1, 10000, &h), TG_OK);
    assert_rc(get(c, "AppKey_02", s2, 20000, &h), TG_OK);
    assert_rc(get(c, "AppKey_02", s2, 20000, &h), TG_OK);
    assert_int_equal(tg_proj_macs_stats(c).evicted, 3 + 1);

    tg_proj_macs_clear(c);
    assert_rc(get(c, "AppKey_02", s2, 20000, &h), TG_OK);
    assert_keyed(h, "second-secret");

    tg_proj_macs_destroy(c);
    tg_proj_macs_destroy(NULL);
    tg_buf_free(&b1);
    tg_buf_free(&b2);
}


static void
test_macs_limits(void **state)
{
    tg_proj_macs_t *c;
    tg_hmac_t      *h;
    uint8_t         a[TG_SHA256_LEN], b[TG_SHA256_LEN];

    (void) state;

    assert_rc(tg_proj_macs_create(&c, 0, 1000), TG_EINVALID);
    assert_rc(tg_proj_macs_create(&c, 3, 1000), TG_EINVALID);
    assert_rc(tg_proj_macs_create(&c, 4, 0), TG_EINVALID);
    assert_null(c);
    assert_rc(tg_proj_macs_create(&c, 4, 1000), TG_OK);
    assert_rc(tg_proj_macs_get(c, KEY, TG_STR("k"), TG_STR(""), TG_HMAC_SHA256,
                               1, &h),
              TG_ESEALED);
    assert_int_equal(tg_proj_macs_stats(c).opens, 0);
    tg_proj_macs_destroy(c);

    /* The AppCode key with a keyed HMAC is tg_proj_code_key's. */
    assert_rc(tg_hmac_create(&h, TG_HMAC_SHA256,
                             (tg_str_t){ (const char *) KEY, TG_SEAL_KEY_LEN }),
              TG_OK);
    assert_rc(tg_proj_code_key_keyed(h, TG_STR("code-1"), a), TG_OK);
    assert_rc(tg_proj_code_key(KEY, TG_STR("code-1"), b), TG_OK);
    assert_memory_equal(a, b, sizeof(a));
    tg_hmac_destroy(h);
    assert_rc(tg_hmac_create(&h, TG_HMAC_SHA1, TG_STR("k")), TG_OK);
    assert_rc(tg_proj_code_key_keyed(h, TG_STR("code-1"), a), TG_EINTERNAL);
    tg_hmac_destroy(h);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_app_round_trip),
        cmocka_unit_test(test_app_owned),
        cmocka_unit_test(test_key_round_trip),
        cmocka_unit_test(test_key_format_1),
        cmocka_unit_test(test_code_records),
        cmocka_unit_test(test_secret_limits),
        cmocka_unit_test(test_grant_key),
        cmocka_unit_test(test_i64_and_key_file),
        cmocka_unit_test(test_db_names),
        cmocka_unit_test(test_heartbeat_fresh),
        cmocka_unit_test(test_macs_open_once),
        cmocka_unit_test(test_macs_bound_to_key),
        cmocka_unit_test(test_macs_lifetime),
        cmocka_unit_test(test_macs_limits),
    };

    return cmocka_run_group_tests_name("projection", tests, NULL, NULL);
}
