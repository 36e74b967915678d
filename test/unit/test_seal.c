/*
 * Tests of lib/seal.c: the keyring's rules, sealing round trips, and that
 * every way of altering a sealed value (any byte of it, its context, its
 * key) makes it fail to open; then the index HMAC.
 */

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "tollgate/crypto.h"
#include "tollgate/seal.h"

#include "unit.h"


/* A key whose 32 bytes all derive from seed. */
static const uint8_t *
test_key(uint8_t seed)
{
    static uint8_t key[4][TG_SEAL_KEY_LEN];
    static size_t  next;
    uint8_t       *k = key[next++ % 4];
    size_t         i;

    for (i = 0; i < TG_SEAL_KEY_LEN; i++) {
        k[i] = (uint8_t) (seed * 31 + i);
    }

    return k;
}


static tg_keyring_t *
keyring_with(const char *kid, uint8_t seed)
{
    tg_keyring_t *kr;

    assert_rc(tg_keyring_create(&kr), TG_OK);
    assert_rc(tg_keyring_add(kr, tg_str_c(kid), test_key(seed)), TG_OK);
    return kr;
}


/* Seals text under kr bound to context, into a fresh buffer. */
static tg_buf_t
seal(const tg_keyring_t *kr, const char *context, tg_str_t text)
{
    tg_buf_t out = TG_BUF_INIT;

    assert_rc(tg_seal(kr, tg_str_c(context), text, &out), TG_OK);
    return out;
}


/* Expects sealed to fail to open, leaving the output untouched. */
static void
assert_unseal_fails(const tg_keyring_t *kr, const char *context,
                    tg_str_t sealed)
{
    tg_buf_t out = TG_BUF_INIT;

    assert_rc(tg_unseal(kr, tg_str_c(context), sealed, &out), TG_ESEALED);
    assert_int_equal(out.len, 0);
    tg_buf_wipe(&out);
}


static void
test_empty_keyring(void **state)
{
    tg_keyring_t *kr;
    tg_buf_t      out = TG_BUF_INIT;
    char          index[TG_INDEX_HEX_LEN + 1];

    (void) state;

    assert_rc(tg_keyring_create(&kr), TG_OK);
    assert_int_equal(tg_keyring_count(kr), 0);
    assert_null(tg_keyring_primary(kr));
    assert_null(tg_keyring_index_key(kr));

    assert_rc(tg_seal(kr, TG_STR("ctx"), TG_STR("secret"), &out), TG_EINTERNAL);
    assert_int_equal(out.len, 0);

    assert_rc(tg_keyring_index(kr, TG_STR("code"), TG_STR("x"), index),
              TG_EINTERNAL);
    assert_rc(tg_keyring_set_primary(kr, TG_STR("k1")), TG_EINVALID);

    tg_keyring_destroy(kr);
    tg_keyring_destroy(NULL);
}


static void
test_add_and_primary(void **state)
{
    tg_keyring_t  *kr;
    const char    *kid;
    const uint8_t *key;

    (void) state;

    kr = keyring_with("first", 1);
    assert_string_equal(tg_keyring_primary(kr), "first");

    /* A second key does not take over until it is made primary. */
    assert_rc(tg_keyring_add(kr, TG_STR("second"), test_key(2)), TG_OK);
    assert_int_equal(tg_keyring_count(kr), 2);
    assert_string_equal(tg_keyring_primary(kr), "first");

    assert_rc(tg_keyring_set_primary(kr, TG_STR("second")), TG_OK);
    assert_string_equal(tg_keyring_primary(kr), "second");
    assert_rc(tg_keyring_set_primary(kr, TG_STR("third")), TG_EINVALID);
    assert_rc(tg_keyring_set_primary(kr, TG_STR("secon")), TG_EINVALID);
    assert_string_equal(tg_keyring_primary(kr), "second");

    /* A duplicate id is refused, even with other bytes. */
    assert_rc(tg_keyring_add(kr, TG_STR("first"), test_key(3)), TG_ECONFLICT);
    assert_int_equal(tg_keyring_count(kr), 2);

    tg_keyring_key_at(kr, 0, &kid, &key);
    assert_string_equal(kid, "first");
    assert_memory_equal(key, test_key(1), TG_SEAL_KEY_LEN);
    tg_keyring_key_at(kr, 1, &kid, &key);
    assert_string_equal(kid, "second");
    assert_memory_equal(key, test_key(2), TG_SEAL_KEY_LEN);

    tg_keyring_destroy(kr);
}


static void
test_kid_rules(void **state)
{
    static const char *const good[] = { "a", "0", "k1",
                                        "abcdefghijklmnop", /* 16 */
                                        "0123456789abcdef" };
    static const tg_str_t    bad[] = {
           TG_STR(""),          TG_STR("abcdefghijklmnopq"), /* 17 */
           TG_STR("K1"),        TG_STR("k-1"),
           TG_STR("k.1"),       TG_STR("k_1"),
           TG_STR("k 1"),       TG_STR("k\0001"),
           TG_STR("k\xc3\xa9"),
    };
    tg_keyring_t *kr;
    size_t        i;

    (void) state;

    assert_rc(tg_keyring_create(&kr), TG_OK);

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        assert_rc(tg_keyring_add(kr, tg_str_c(good[i]), test_key(1)), TG_OK);
    }

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_rc(tg_keyring_add(kr, bad[i], test_key(1)), TG_EINVALID);
    }

    assert_int_equal(tg_keyring_count(kr), sizeof(good) / sizeof(good[0]));
    tg_keyring_destroy(kr);
}


static void
test_keyring_full(void **state)
{
    tg_keyring_t *kr;
    char          kid[16];
    unsigned      i;

    (void) state;

    assert_rc(tg_keyring_create(&kr), TG_OK);

    for (i = 0; i < TG_SEAL_KEYS_MAX; i++) {
        snprintf(kid, sizeof(kid), "k%u", i);
        assert_rc(tg_keyring_add(kr, tg_str_c(kid), test_key((uint8_t) i)),
                  TG_OK);
    }
    assert_int_equal(tg_keyring_count(kr), TG_SEAL_KEYS_MAX);

    assert_rc(tg_keyring_add(kr, TG_STR("extra"), test_key(99)), TG_ECONFLICT);
    assert_int_equal(tg_keyring_count(kr), TG_SEAL_KEYS_MAX);

    /* The last key added still works. */
    snprintf(kid, sizeof(kid), "k%u", TG_SEAL_KEYS_MAX - 1);
    assert_rc(tg_keyring_set_primary(kr, tg_str_c(kid)), TG_OK);

    tg_keyring_destroy(kr);
}


/* Round trips of texts of several lengths, bytes and contexts. */
static void
test_round_trip(void **state)
{
    static const tg_str_t texts[] = {
        TG_STR(""),
        TG_STR("s"),
        TG_STR("s3cr3tAppSecretValue0123456789abcdefghijk"),
        TG_STR("bin\0ary\xff\x00"),
    };
    tg_keyring_t *kr;
    tg_buf_t      sealed, open;
    tg_str_t      kid;
    char          big[1000];
    size_t        i, raw_len;

    (void) state;

    kr = keyring_with("k1", 1);

    for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        sealed = seal(kr, "key_pair:0123", texts[i]);

        assert_true(tg_str_has_prefix(tg_buf_str(&sealed), TG_STR("tg1.k1.")));
        raw_len = TG_SEAL_NONCE_LEN + texts[i].len + TG_SEAL_TAG_LEN;
        assert_int_equal(sealed.len, 7 + (raw_len + 2) / 3 * 4);

        assert_rc(tg_sealed_kid(tg_buf_str(&sealed), &kid), TG_OK);
        assert_str_equal(kid, "k1");

        open = TG_BUF_INIT;
        assert_rc(
            tg_unseal(kr, TG_STR("key_pair:0123"), tg_buf_str(&sealed), &open),
            TG_OK);
        assert_int_equal(open.len, texts[i].len);
        if (open.len > 0) {
            assert_memory_equal(open.ptr, texts[i].ptr, open.len);
        }

        tg_buf_wipe(&open);
        tg_buf_free(&sealed);
    }

    memset(big, 'x', sizeof(big));
    sealed = seal(kr, "", (tg_str_t){ big, sizeof(big) });
    open = TG_BUF_INIT;
    assert_rc(tg_unseal(kr, TG_STR(""), tg_buf_str(&sealed), &open), TG_OK);
    assert_int_equal(open.len, sizeof(big));
    assert_memory_equal(open.ptr, big, sizeof(big));

    tg_buf_wipe(&open);
    tg_buf_free(&sealed);
    tg_keyring_destroy(kr);
}


/* Both calls append to what the buffer holds. */
static void
test_appends(void **state)
{
    tg_keyring_t *kr;
    tg_buf_t      sealed = TG_BUF_INIT, open = TG_BUF_INIT;

    (void) state;

    kr = keyring_with("k1", 1);

    assert_rc(tg_buf_append_c(&sealed, "sealed="), TG_OK);
    assert_rc(tg_seal(kr, TG_STR("c"), TG_STR("v"), &sealed), TG_OK);
    assert_true(tg_str_has_prefix(tg_buf_str(&sealed), TG_STR("sealed=tg1.")));

    assert_rc(tg_buf_append_c(&open, "open="), TG_OK);
    assert_rc(tg_unseal(kr, TG_STR("c"),
                        (tg_str_t){ sealed.ptr + 7, sealed.len - 7 }, &open),
              TG_OK);
    assert_string_equal(open.ptr, "open=v");

    tg_buf_wipe(&open);
    tg_buf_free(&sealed);
    tg_keyring_destroy(kr);
}


/* A fresh nonce each time: equal plaintexts seal differently. */
static void
test_nonce_is_fresh(void **state)
{
    tg_keyring_t *kr;
    tg_buf_t      a, b;

    (void) state;

    kr = keyring_with("k1", 1);
    a = seal(kr, "c", TG_STR("same"));
    b = seal(kr, "c", TG_STR("same"));

    assert_int_equal(a.len, b.len);
    assert_string_not_equal(a.ptr, b.ptr);

    tg_buf_free(&a);
    tg_buf_free(&b);
    tg_keyring_destroy(kr);
}


/*
 * Changing any single byte of the sealed text, in any bit, makes it fail:
 * the prefix, the key id, the dot, the nonce, the ciphertext, the tag and
 * the padding.  Keys "k3" and "j1" are in the keyring too, so that a
 * changed key id can name a key that exists.
 */
static void
test_tamper_any_byte(void **state)
{
    tg_keyring_t *kr;
    tg_buf_t      sealed;
    char          copy[256];
    size_t        i, pos, bit;

    (void) state;

    kr = keyring_with("k1", 1);
    assert_rc(tg_keyring_add(kr, TG_STR("k3"), test_key(2)), TG_OK);
    assert_rc(tg_keyring_add(kr, TG_STR("j1"), test_key(3)), TG_OK);

    /* 12 + 3 + 16 = 31 bytes end in "==", 32 in "=", 33 in no padding. */
    for (i = 3; i <= 5; i++) {
        sealed = seal(kr, "app:1", (tg_str_t){ "hello", i });
        assert_true(sealed.len < sizeof(copy));

        for (pos = 0; pos < sealed.len; pos++) {
            for (bit = 0; bit < 8; bit++) {
                memcpy(copy, sealed.ptr, sealed.len);
                copy[pos] = (char) (copy[pos] ^ (1 << bit));

                assert_unseal_fails(kr, "app:1",
                                    (tg_str_t){ copy, sealed.len });
            }
        }

        tg_buf_free(&sealed);
    }

    tg_keyring_destroy(kr);
}


/* Cutting or extending the text makes it fail too. */
static void
test_tamper_length(void **state)
{
    tg_keyring_t *kr;
    tg_buf_t      sealed, longer = TG_BUF_INIT;
    tg_str_t      s;
    size_t        cut;

    (void) state;

    kr = keyring_with("k1", 1);
    sealed = seal(kr, "c", TG_STR("secret"));
    s = tg_buf_str(&sealed);

    for (cut = 1; cut <= s.len; cut++) {
        assert_unseal_fails(kr, "c", (tg_str_t){ s.ptr, s.len - cut });
    }

    assert_rc(tg_buf_append(&longer, s.ptr, s.len), TG_OK);
    assert_rc(tg_buf_append_c(&longer, "AAAA"), TG_OK);
    assert_unseal_fails(kr, "c", tg_buf_str(&longer));

    assert_unseal_fails(kr, "c", TG_STR("tg1.k1."));
    assert_unseal_fails(kr, "c",
                        TG_STR("tg1.k1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                               "AAAA"));

    tg_buf_free(&longer);
    tg_buf_free(&sealed);
    tg_keyring_destroy(kr);
}


/* The context binds the value to its row: no other context opens it. */
static void
test_wrong_context(void **state)
{
    tg_keyring_t *kr;
    tg_buf_t      sealed;

    (void) state;

    kr = keyring_with("k1", 1);
    sealed = seal(kr, "app:1", TG_STR("secret"));

    assert_unseal_fails(kr, "app:2", tg_buf_str(&sealed));
    assert_unseal_fails(kr, "app:", tg_buf_str(&sealed));
    assert_unseal_fails(kr, "app:10", tg_buf_str(&sealed));
    assert_unseal_fails(kr, "", tg_buf_str(&sealed));
    assert_unseal_fails(kr, "APP:1", tg_buf_str(&sealed));

    tg_buf_free(&sealed);
    tg_keyring_destroy(kr);
}


/* A key id the keyring lacks fails; so does the right id with other
 * bytes behind it. */
static void
test_unknown_key(void **state)
{
    tg_keyring_t *kr, *other, *impostor;
    tg_buf_t      sealed;

    (void) state;

    kr = keyring_with("k1", 1);
    other = keyring_with("k2", 1);
    impostor = keyring_with("k1", 2);
    sealed = seal(kr, "c", TG_STR("secret"));

    assert_unseal_fails(other, "c", tg_buf_str(&sealed));
    assert_unseal_fails(impostor, "c", tg_buf_str(&sealed));

    tg_buf_free(&sealed);
    tg_keyring_destroy(kr);
    tg_keyring_destroy(other);
    tg_keyring_destroy(impostor);
}


/* Rotation: after a new primary, values sealed under the old one still
 * open, and new values name the new key. */
static void
test_rotation(void **state)
{
    tg_keyring_t *kr;
    tg_buf_t      old, new, open = TG_BUF_INIT;
    tg_str_t      kid;

    (void) state;

    kr = keyring_with("old", 1);
    old = seal(kr, "c", TG_STR("before"));

    assert_rc(tg_keyring_add(kr, TG_STR("new"), test_key(2)), TG_OK);
    assert_rc(tg_keyring_set_primary(kr, TG_STR("new")), TG_OK);
    new = seal(kr, "c", TG_STR("after"));

    assert_rc(tg_sealed_kid(tg_buf_str(&old), &kid), TG_OK);
    assert_str_equal(kid, "old");
    assert_rc(tg_sealed_kid(tg_buf_str(&new), &kid), TG_OK);
    assert_str_equal(kid, "new");

    assert_rc(tg_unseal(kr, TG_STR("c"), tg_buf_str(&old), &open), TG_OK);
    assert_string_equal(open.ptr, "before");
    tg_buf_reset(&open);
    assert_rc(tg_unseal(kr, TG_STR("c"), tg_buf_str(&new), &open), TG_OK);
    assert_string_equal(open.ptr, "after");

    tg_buf_wipe(&open);
    tg_buf_free(&old);
    tg_buf_free(&new);
    tg_keyring_destroy(kr);
}


static void
test_sealed_kid_rejects(void **state)
{
    static const tg_str_t bad[] = {
        TG_STR(""),
        TG_STR("tg1."),
        TG_STR("tg1.k1"),
        TG_STR("tg2.k1.AAAA"),
        TG_STR("TG1.k1.AAAA"),
        TG_STR("tg1..AAAA"),
        TG_STR("tg1.K1.AAAA"),
        TG_STR("tg1.abcdefghijklmnopq.AAAA"),
    };
    tg_str_t kid;
    size_t   i;

    (void) state;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_rc(tg_sealed_kid(bad[i], &kid), TG_ESEALED);
    }

    assert_rc(tg_sealed_kid(TG_STR("tg1.abcdefghijklmnop.AAAA"), &kid), TG_OK);
    assert_str_equal(kid, "abcdefghijklmnop");
    assert_rc(tg_sealed_kid(TG_STR("tg1.a."), &kid), TG_OK);
    assert_str_equal(kid, "a");
}


/* The index HMAC computed with OpenSSL directly, as the contract words
 * it: HMAC-SHA256 of domain, a 0x00 byte and value. */
static void
reference_index(const uint8_t *key, const char *domain, const char *value,
                char out[TG_INDEX_HEX_LEN + 1])
{
    unsigned char msg[1024], mac[32];
    unsigned      mac_len = 0;
    size_t        dlen = strlen(domain), vlen = strlen(value), i;

    assert_true(dlen + 1 + vlen <= sizeof(msg));
    memcpy(msg, domain, dlen);
    msg[dlen] = 0;
    memcpy(msg + dlen + 1, value, vlen);

    assert_non_null(HMAC(EVP_sha256(), key, TG_SEAL_KEY_LEN, msg,
                         dlen + 1 + vlen, mac, &mac_len));
    assert_int_equal(mac_len, 32);

    for (i = 0; i < 32; i++) {
        snprintf(out + 2 * i, 3, "%02x", mac[i]);
    }
}


static void
test_index(void **state)
{
    tg_keyring_t *kr;
    uint8_t       ikey[TG_SEAL_KEY_LEN];
    char          a[TG_INDEX_HEX_LEN + 1], b[TG_INDEX_HEX_LEN + 1];
    char          ref[TG_INDEX_HEX_LEN + 1];
    size_t        i;

    (void) state;

    memcpy(ikey, test_key(7), sizeof(ikey));

    assert_rc(tg_keyring_create(&kr), TG_OK);
    assert_rc(tg_keyring_index(kr, TG_STR("code"), TG_STR("x"), a),
              TG_EINTERNAL);

    tg_keyring_set_index_key(kr, ikey);
    assert_non_null(tg_keyring_index_key(kr));
    assert_memory_equal(tg_keyring_index_key(kr), ikey, sizeof(ikey));

    /* No sealing key is needed for the index. */
    assert_rc(tg_keyring_index(kr, TG_STR("code"), TG_STR("value"), a), TG_OK);
    assert_int_equal(strlen(a), TG_INDEX_HEX_LEN);
    for (i = 0; i < TG_INDEX_HEX_LEN; i++) {
        assert_true((a[i] >= '0' && a[i] <= '9')
                    || (a[i] >= 'a' && a[i] <= 'f'));
    }

    reference_index(ikey, "code", "value", ref);
    assert_string_equal(a, ref);

    /* Deterministic. */
    assert_rc(tg_keyring_index(kr, TG_STR("code"), TG_STR("value"), b), TG_OK);
    assert_string_equal(a, b);

    tg_keyring_destroy(kr);
}


/* Domains separate: the same value indexes differently per domain, and
 * the 0x00 byte keeps ("ab", "c") apart from ("a", "bc"). */
static void
test_index_domains(void **state)
{
    tg_keyring_t *kr;
    char          a[TG_INDEX_HEX_LEN + 1], b[TG_INDEX_HEX_LEN + 1];

    (void) state;

    assert_rc(tg_keyring_create(&kr), TG_OK);
    tg_keyring_set_index_key(kr, test_key(7));

    assert_rc(tg_keyring_index(kr, TG_STR("app_code"), TG_STR("v"), a), TG_OK);
    assert_rc(tg_keyring_index(kr, TG_STR("access_key"), TG_STR("v"), b),
              TG_OK);
    assert_string_not_equal(a, b);

    assert_rc(tg_keyring_index(kr, TG_STR("ab"), TG_STR("c"), a), TG_OK);
    assert_rc(tg_keyring_index(kr, TG_STR("a"), TG_STR("bc"), b), TG_OK);
    assert_string_not_equal(a, b);

    assert_rc(tg_keyring_index(kr, TG_STR(""), TG_STR(""), a), TG_OK);
    assert_rc(tg_keyring_index(kr, TG_STR(""), TG_STR("\0"), b), TG_OK);
    assert_string_not_equal(a, b);

    tg_keyring_destroy(kr);
}


/* Another index key gives other hashes; setting it again replaces it. */
static void
test_index_keys_differ(void **state)
{
    tg_keyring_t *kr;
    char          a[TG_INDEX_HEX_LEN + 1], b[TG_INDEX_HEX_LEN + 1];
    char          c[TG_INDEX_HEX_LEN + 1];

    (void) state;

    assert_rc(tg_keyring_create(&kr), TG_OK);

    tg_keyring_set_index_key(kr, test_key(7));
    assert_rc(tg_keyring_index(kr, TG_STR("code"), TG_STR("v"), a), TG_OK);

    tg_keyring_set_index_key(kr, test_key(8));
    assert_rc(tg_keyring_index(kr, TG_STR("code"), TG_STR("v"), b), TG_OK);
    assert_string_not_equal(a, b);

    tg_keyring_set_index_key(kr, test_key(7));
    assert_rc(tg_keyring_index(kr, TG_STR("code"), TG_STR("v"), c), TG_OK);
    assert_string_equal(a, c);

    tg_keyring_destroy(kr);
}


/* Messages on either side of the size built on the stack (512 bytes)
 * index as the contract says. */
static void
test_index_long(void **state)
{
    static const size_t lens[] = { 0, 1, 506, 507, 508, 600, 1000 };
    tg_keyring_t       *kr;
    char                value[1001], a[TG_INDEX_HEX_LEN + 1];
    char                ref[TG_INDEX_HEX_LEN + 1];
    size_t              i;

    (void) state;

    assert_rc(tg_keyring_create(&kr), TG_OK);
    tg_keyring_set_index_key(kr, test_key(7));

    for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        memset(value, 'v', lens[i]);
        value[lens[i]] = '\0';
        /* "code" + 0x00 + value: 507 bytes of value make 512. */
        assert_rc(tg_keyring_index(kr, TG_STR("code"),
                                   (tg_str_t){ value, lens[i] }, a),
                  TG_OK);
        reference_index(test_key(7), "code", value, ref);
        assert_string_equal(a, ref);
    }

    tg_keyring_destroy(kr);
}


/*
 * The keyring reuses its cipher contexts: passes under two keys, in both
 * directions, a failed open between them, and values too long for the
 * stack buffers all keep opening what they sealed.
 */
static void
test_contexts_reused(void **state)
{
    tg_keyring_t *kr;
    tg_buf_t      a, b, big, open = TG_BUF_INIT;
    char          text[400];
    size_t        round;

    (void) state;

    memset(text, 't', sizeof(text));
    kr = keyring_with("one", 1);
    assert_rc(tg_keyring_add(kr, TG_STR("two"), test_key(2)), TG_OK);

    for (round = 0; round < 3; round++) {
        assert_rc(tg_keyring_set_primary(kr, TG_STR("one")), TG_OK);
        a = seal(kr, "ctx", TG_STR("secret-a"));
        assert_rc(tg_keyring_set_primary(kr, TG_STR("two")), TG_OK);
        b = seal(kr, "ctx", TG_STR("secret-b"));
        big = seal(kr, "ctx", (tg_str_t){ text, sizeof(text) });

        assert_unseal_fails(kr, "other", tg_buf_str(&a));

        assert_rc(tg_unseal(kr, TG_STR("ctx"), tg_buf_str(&a), &open), TG_OK);
        assert_string_equal(open.ptr, "secret-a");
        tg_buf_reset(&open);
        assert_rc(tg_unseal(kr, TG_STR("ctx"), tg_buf_str(&b), &open), TG_OK);
        assert_string_equal(open.ptr, "secret-b");
        tg_buf_reset(&open);
        assert_rc(tg_unseal(kr, TG_STR("ctx"), tg_buf_str(&big), &open), TG_OK);
        assert_int_equal(open.len, sizeof(text));
        assert_memory_equal(open.ptr, text, sizeof(text));
        tg_buf_reset(&open);

        tg_buf_free(&a);
        tg_buf_free(&b);
        tg_buf_free(&big);
    }

    tg_buf_wipe(&open);
    tg_keyring_destroy(kr);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_keyring),
        cmocka_unit_test(test_add_and_primary),
        cmocka_unit_test(test_kid_rules),
        cmocka_unit_test(test_keyring_full),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_appends),
        cmocka_unit_test(test_nonce_is_fresh),
        cmocka_unit_test(test_tamper_any_byte),
        cmocka_unit_test(test_tamper_length),
        cmocka_unit_test(test_wrong_context),
        cmocka_unit_test(test_unknown_key),
        cmocka_unit_test(test_rotation),
        cmocka_unit_test(test_sealed_kid_rejects),
        cmocka_unit_test(test_index),
        cmocka_unit_test(test_index_domains),
        cmocka_unit_test(test_index_keys_differ),
        cmocka_unit_test(test_index_long),
        cmocka_unit_test(test_contexts_reused),
    };

    return cmocka_run_group_tests_name("seal", tests, NULL, NULL);
}
