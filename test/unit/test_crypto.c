/*
 * Tests of lib/crypto.c against published vectors: RFC 4231 (HMAC-SHA256),
 * FIPS 180-4 examples (SHA-256), RFC 2202 (HMAC-SHA1), RFC 1321 (MD5) and
 * RFC 4648 section 10 (base64, base16); then base64 decoding's
 * rejections of everything that is not canonical, and the CSPRNG.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/crypto.h"

#include "unit.h"


/* Lowercase hex of n bytes, formatted without tg_hex_encode(). */
static const char *
hex(const uint8_t *in, size_t n)
{
    static char out[2 * 64 + 1];
    size_t      i;

    assert_true(n <= 64);

    for (i = 0; i < n; i++) {
        snprintf(out + 2 * i, 3, "%02x", in[i]);
    }
    out[2 * n] = '\0';

    return out;
}


/* RFC 4231 section 4.2: test case 1. */
static void
test_hmac_sha256_rfc4231_case1(void **state)
{
    uint8_t key[20], mac[TG_SHA256_LEN];

    (void) state;

    memset(key, 0x0b, sizeof(key));
    assert_rc(tg_hmac_sha256((tg_str_t){ (char *) key, sizeof(key) },
                             TG_STR("Hi There"), mac),
              TG_OK);
    assert_string_equal(hex(mac, sizeof(mac)),
                        "b0344c61d8db38535ca8afceaf0bf12b"
                        "881dc200c9833da726e9376c2e32cff7");
}


/* RFC 4231 section 4.3: test case 2, a key shorter than the output. */
static void
test_hmac_sha256_rfc4231_case2(void **state)
{
    uint8_t mac[TG_SHA256_LEN];

    (void) state;

    assert_rc(tg_hmac_sha256(TG_STR("Jefe"),
                             TG_STR("what do ya want for nothing?"), mac),
              TG_OK);
    assert_string_equal(hex(mac, sizeof(mac)),
                        "5bdcc146bf60754e6a042426089575c7"
                        "5a003f089d2739839dec58b964ec3843");
}


/* The text forms give the digits of the raw ones (RFC 4231 and RFC 2202
 * case 2, FIPS 180-4's "abc"). */
static void
test_sha256_hex_forms(void **state)
{
    char out[TG_SHA256_HEX_LEN + 1];
    char b64[TG_SHA1_BASE64_LEN + 1];

    (void) state;

    assert_rc(tg_hmac_sha256_hex(TG_STR("Jefe"),
                                 TG_STR("what do ya want for nothing?"), out),
              TG_OK);
    assert_string_equal(out, "5bdcc146bf60754e6a042426089575c7"
                             "5a003f089d2739839dec58b964ec3843");

    assert_rc(tg_sha256_hex(TG_STR("abc"), out), TG_OK);
    assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223"
                             "b00361a396177a9cb410ff61f20015ad");

    assert_rc(tg_hmac_sha1_base64(TG_STR("Jefe"),
                                  TG_STR("what do ya want for nothing?"), b64),
              TG_OK);
    assert_string_equal(b64, "7/zfauXrL6LSdBbV8YTfnCWafHk="); /* RFC 2202 */

    assert_rc(tg_sha256_hex(TG_STR_NULL, out), TG_OK);
    assert_string_equal(out, "e3b0c44298fc1c149afbf4c8996fb924"
                             "27ae41e4649b934ca495991b7852b855");
}


/* RFC 4231 section 4.5: test case 4, binary key and data. */
static void
test_hmac_sha256_rfc4231_case4(void **state)
{
    uint8_t key[25], data[50], mac[TG_SHA256_LEN];
    size_t  i;

    (void) state;

    for (i = 0; i < sizeof(key); i++) {
        key[i] = (uint8_t) (i + 1);
    }
    memset(data, 0xcd, sizeof(data));

    assert_rc(tg_hmac_sha256((tg_str_t){ (char *) key, sizeof(key) },
                             (tg_str_t){ (char *) data, sizeof(data) }, mac),
              TG_OK);
    assert_string_equal(hex(mac, sizeof(mac)),
                        "82558a389a443c0ea4cc819899f2083a"
                        "85f0faa3e578f8077a2e3ff46729665b");
}


/* RFC 4231 section 4.7: test case 6, a key longer than the block. */
static void
test_hmac_sha256_rfc4231_case6(void **state)
{
    uint8_t key[131], mac[TG_SHA256_LEN];

    (void) state;

    memset(key, 0xaa, sizeof(key));
    assert_rc(
        tg_hmac_sha256(
            (tg_str_t){ (char *) key, sizeof(key) },
            TG_STR("Test Using Larger Than Block-Size Key - Hash Key First"),
            mac),
        TG_OK);
    assert_string_equal(hex(mac, sizeof(mac)),
                        "60e431591ee0b67f0d8a26aacbf5b77f"
                        "8e0bc6213728c5140546040f0ee37f54");
}


/* An empty key and message are allowed, and need no pointer. */
static void
test_hmac_sha256_empty(void **state)
{
    uint8_t a[TG_SHA256_LEN], b[TG_SHA256_LEN];

    (void) state;

    assert_rc(tg_hmac_sha256(TG_STR_NULL, TG_STR_NULL, a), TG_OK);
    assert_rc(tg_hmac_sha256(TG_STR(""), TG_STR(""), b), TG_OK);
    assert_memory_equal(a, b, sizeof(a));
    assert_string_equal(hex(a, sizeof(a)), "b613679a0814d9ec772f95d778c35fc5"
                                           "ff1697c493715653c6c712144292c5ad");
}


/* FIPS 180-4 examples (NIST CSRC "SHA256.pdf"). */
static void
test_sha256_fips180(void **state)
{
    uint8_t d[TG_SHA256_LEN];

    (void) state;

    assert_rc(tg_sha256(TG_STR("abc"), d), TG_OK);
    assert_string_equal(hex(d, sizeof(d)), "ba7816bf8f01cfea414140de5dae2223"
                                           "b00361a396177a9cb410ff61f20015ad");

    assert_rc(tg_sha256(TG_STR(""), d), TG_OK);
    assert_string_equal(hex(d, sizeof(d)), "e3b0c44298fc1c149afbf4c8996fb924"
                                           "27ae41e4649b934ca495991b7852b855");

    assert_rc(tg_sha256(TG_STR_NULL, d), TG_OK);
    assert_string_equal(hex(d, sizeof(d)), "e3b0c44298fc1c149afbf4c8996fb924"
                                           "27ae41e4649b934ca495991b7852b855");

    assert_rc(tg_sha256(TG_STR("abcdbcdecdefdefgefghfghighijhijkijkljklmklmn"
                               "lmnomnopnopq"),
                        d),
              TG_OK);
    assert_string_equal(hex(d, sizeof(d)), "248d6a61d20638b8e5c026930c3e6039"
                                           "a33ce45964ff2167f6ecedd419db06c1");
}


/* RFC 2202 section 3: test cases 1 and 2. */
static void
test_hmac_sha1_rfc2202(void **state)
{
    uint8_t key[20], mac[TG_SHA1_LEN];

    (void) state;

    memset(key, 0x0b, sizeof(key));
    assert_rc(tg_hmac_sha1((tg_str_t){ (char *) key, sizeof(key) },
                           TG_STR("Hi There"), mac),
              TG_OK);
    assert_string_equal(hex(mac, sizeof(mac)),
                        "b617318655057264e28bc0b6fb378c8ef146be00");

    assert_rc(tg_hmac_sha1(TG_STR("Jefe"),
                           TG_STR("what do ya want for nothing?"), mac),
              TG_OK);
    assert_string_equal(hex(mac, sizeof(mac)),
                        "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
}


/* A keyed HMAC gives the RFCs' MACs, again and again with one key,
 * including a key longer than the block (RFC 4231 case 6). */
static void
test_hmac_keyed(void **state)
{
    uint8_t    key[131], mac[TG_SHA256_LEN];
    tg_hmac_t *h;
    int        i;

    (void) state;

    memset(key, 0x0b, 20);
    assert_rc(
        tg_hmac_create(&h, TG_HMAC_SHA256, (tg_str_t){ (char *) key, 20 }),
        TG_OK);
    assert_int_equal(tg_hmac_size(h), TG_SHA256_LEN);
    for (i = 0; i < 3; i++) {
        assert_rc(tg_hmac_compute(h, TG_STR("Hi There"), mac), TG_OK);
        assert_string_equal(hex(mac, sizeof(mac)),
                            "b0344c61d8db38535ca8afceaf0bf12b"
                            "881dc200c9833da726e9376c2e32cff7");
    }
    /* Another message with the same key, then the first again. */
    assert_rc(tg_hmac_compute(h, TG_STR(""), mac), TG_OK);
    assert_string_not_equal(hex(mac, sizeof(mac)),
                            "b0344c61d8db38535ca8afceaf0bf12b"
                            "881dc200c9833da726e9376c2e32cff7");
    assert_rc(tg_hmac_compute(h, TG_STR("Hi There"), mac), TG_OK);
    assert_string_equal(hex(mac, sizeof(mac)),
                        "b0344c61d8db38535ca8afceaf0bf12b"
                        "881dc200c9833da726e9376c2e32cff7");
    tg_hmac_destroy(h);

    memset(key, 0xaa, sizeof(key));
    assert_rc(tg_hmac_create(&h, TG_HMAC_SHA256,
                             (tg_str_t){ (char *) key, sizeof(key) }),
              TG_OK);
    assert_rc(tg_hmac_compute(
                  h,
                  TG_STR("Test Using Larger Than Block-Size Key - Hash Key "
                         "First"),
                  mac),
              TG_OK);
    assert_string_equal(hex(mac, sizeof(mac)),
                        "60e431591ee0b67f0d8a26aacbf5b77f"
                        "8e0bc6213728c5140546040f0ee37f54");
    tg_hmac_destroy(h);

    assert_rc(tg_hmac_create(&h, TG_HMAC_SHA1, TG_STR("Jefe")), TG_OK);
    assert_int_equal(tg_hmac_size(h), TG_SHA1_LEN);
    assert_rc(tg_hmac_compute(h, TG_STR("what do ya want for nothing?"), mac),
              TG_OK);
    assert_string_equal(hex(mac, TG_SHA1_LEN),
                        "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
    tg_hmac_destroy(h);

    /* An empty key is a key. */
    assert_rc(tg_hmac_create(&h, TG_HMAC_SHA256, (tg_str_t){ NULL, 0 }), TG_OK);
    assert_rc(tg_hmac_compute(h, (tg_str_t){ NULL, 0 }, mac), TG_OK);
    assert_string_equal(hex(mac, sizeof(mac)),
                        "b613679a0814d9ec772f95d778c35fc5"
                        "ff1697c493715653c6c712144292c5ad");
    tg_hmac_destroy(h);
    tg_hmac_destroy(NULL);
}


/* The keyed HMAC agrees with the one-shot one for every key length around
 * the block (shorter, equal, hashed first) and messages of 0 to 300 bytes
 * (one block, the padding's edge, several), with both digests, and a
 * message does not disturb the next. */
static void
test_hmac_keyed_matches_oneshot(void **state)
{
    static const size_t key_lens[] = { 0, 1, 32, 63, 64, 65, 131 };
    uint8_t             key[131], msg[300], a[TG_SHA256_LEN], b[TG_SHA256_LEN];
    tg_hmac_t          *h256, *h1;
    size_t              k, len, i;

    (void) state;

    for (i = 0; i < sizeof(key); i++) {
        key[i] = (uint8_t) (i * 7 + 1);
    }
    for (i = 0; i < sizeof(msg); i++) {
        msg[i] = (uint8_t) (i * 13 + 5);
    }
    for (k = 0; k < sizeof(key_lens) / sizeof(key_lens[0]); k++) {
        tg_str_t kk = { (char *) key, key_lens[k] };

        assert_rc(tg_hmac_create(&h256, TG_HMAC_SHA256, kk), TG_OK);
        assert_rc(tg_hmac_create(&h1, TG_HMAC_SHA1, kk), TG_OK);
        for (len = 0; len <= sizeof(msg); len++) {
            tg_str_t m = { (char *) msg, len };

            assert_rc(tg_hmac_compute(h256, m, a), TG_OK);
            assert_rc(tg_hmac_sha256(kk, m, b), TG_OK);
            assert_memory_equal(a, b, TG_SHA256_LEN);
            assert_rc(tg_hmac_compute(h1, m, a), TG_OK);
            assert_rc(tg_hmac_sha1(kk, m, b), TG_OK);
            assert_memory_equal(a, b, TG_SHA1_LEN);
        }
        tg_hmac_destroy(h256);
        tg_hmac_destroy(h1);
    }
}


/* tg_hmac_verify_base64() takes the MAC's padded Base64, with both
 * digests, and refuses any other length and a change at any position. */
static void
test_hmac_verify_base64(void **state)
{
    static const tg_hmac_alg_t algs[] = { TG_HMAC_SHA256, TG_HMAC_SHA1 };
    tg_str_t   key = TG_STR("the key"), msg = TG_STR("a message");
    uint8_t    mac[TG_SHA256_LEN];
    char       text[TG_BASE64_ENCODED_LEN(TG_SHA256_LEN) + 1];
    tg_hmac_t *h;
    size_t     a, n, i;

    (void) state;

    for (a = 0; a < sizeof(algs) / sizeof(algs[0]); a++) {
        assert_rc(tg_hmac_create(&h, algs[a], key), TG_OK);
        assert_rc(tg_hmac_compute(h, msg, mac), TG_OK);
        n = tg_base64_encode(mac, tg_hmac_size(h), text);
        assert_rc(tg_hmac_verify_base64(h, msg, (tg_str_t){ text, n }), TG_OK);
        assert_rc(
            tg_hmac_verify_base64(h, TG_STR("another"), (tg_str_t){ text, n }),
            TG_ESIGNATURE);
        assert_rc(tg_hmac_verify_base64(h, msg, (tg_str_t){ text, n - 1 }),
                  TG_ESIGNATURE);
        text[n] = '=';
        assert_rc(tg_hmac_verify_base64(h, msg, (tg_str_t){ text, n + 1 }),
                  TG_ESIGNATURE);
        assert_rc(tg_hmac_verify_base64(h, msg, (tg_str_t){ "", 0 }),
                  TG_ESIGNATURE);
        for (i = 0; i < n; i++) {
            text[i] ^= 0x01;
            assert_rc(tg_hmac_verify_base64(h, msg, (tg_str_t){ text, n }),
                      TG_ESIGNATURE);
            text[i] ^= 0x01;
        }
        assert_rc(tg_hmac_verify_base64(h, msg, (tg_str_t){ text, n }), TG_OK);
        tg_hmac_destroy(h);
    }
}


/* RFC 1321 appendix A.5. */
static void
test_md5_rfc1321(void **state)
{
    uint8_t d[TG_MD5_LEN];

    (void) state;

    assert_rc(tg_md5(TG_STR(""), d), TG_OK);
    assert_string_equal(hex(d, sizeof(d)), "d41d8cd98f00b204e9800998ecf8427e");

    assert_rc(tg_md5(TG_STR("abc"), d), TG_OK);
    assert_string_equal(hex(d, sizeof(d)), "900150983cd24fb0d6963f7d28e17f72");

    assert_rc(tg_md5(TG_STR("message digest"), d), TG_OK);
    assert_string_equal(hex(d, sizeof(d)), "f96b697d7cb7938d525a2f31aaf161d0");
}


/* RFC 4648 section 10: BASE16, which tg_hex_encode() writes in lower
 * case; and every byte value against printf. */
static void
test_hex_encode(void **state)
{
    char    out[2 * 256 + 1];
    uint8_t all[256];
    size_t  i;

    (void) state;

    assert_int_equal(tg_hex_encode((const uint8_t *) "", 0, out), 0);
    assert_string_equal(out, "");
    assert_int_equal(tg_hex_encode((const uint8_t *) "f", 1, out), 2);
    assert_string_equal(out, "66");
    assert_int_equal(tg_hex_encode((const uint8_t *) "foobar", 6, out), 12);
    assert_string_equal(out, "666f6f626172");

    for (i = 0; i < sizeof(all); i++) {
        all[i] = (uint8_t) i;
    }

    assert_int_equal(tg_hex_encode(all, sizeof(all), out), 512);
    for (i = 0; i < sizeof(all); i++) {
        char byte[3];

        snprintf(byte, sizeof(byte), "%02x", (unsigned) i);
        assert_memory_equal(out + 2 * i, byte, 2);
    }
    assert_int_equal(out[512], '\0');
}


static const struct {
    const char *plain;
    const char *encoded;
} rfc4648_vectors[] = {
    { "", "" },
    { "f", "Zg==" },
    { "fo", "Zm8=" },
    { "foo", "Zm9v" },
    { "foob", "Zm9vYg==" },
    { "fooba", "Zm9vYmE=" },
    { "foobar", "Zm9vYmFy" },
};

#define RFC4648_COUNT (sizeof(rfc4648_vectors) / sizeof(rfc4648_vectors[0]))


/* RFC 4648 section 10, encoding into a buffer of exactly the size
 * TG_BASE64_ENCODED_LEN() gives. */
static void
test_base64_encode_rfc4648(void **state)
{
    size_t i, n, size;
    char  *out;

    (void) state;

    for (i = 0; i < RFC4648_COUNT; i++) {
        n = strlen(rfc4648_vectors[i].plain);
        size = TG_BASE64_ENCODED_LEN(n);
        assert_int_equal(size, strlen(rfc4648_vectors[i].encoded) + 1);

        out = malloc(size);
        assert_non_null(out);
        assert_int_equal(
            tg_base64_encode((const uint8_t *) rfc4648_vectors[i].plain, n,
                             out),
            size - 1);
        assert_string_equal(out, rfc4648_vectors[i].encoded);
        free(out);
    }
}


/* The two characters that differ between alphabets: standard base64
 * uses '+' and '/'. */
static void
test_base64_encode_alphabet_ends(void **state)
{
    static const uint8_t plus[] = { 0xfb, 0xef, 0xbe };
    static const uint8_t slash[] = { 0xff, 0xff, 0xff };
    static const uint8_t two[] = { 0xfb, 0xff };
    char                 out[8];

    (void) state;

    tg_base64_encode(plus, sizeof(plus), out);
    assert_string_equal(out, "++++");
    tg_base64_encode(slash, sizeof(slash), out);
    assert_string_equal(out, "////");
    tg_base64_encode(two, sizeof(two), out);
    assert_string_equal(out, "+/8=");
}


/* Decodes text into a buffer of exactly the documented size. */
static int
decode(const char *text, uint8_t **out, size_t *n)
{
    size_t len = strlen(text);
    int    rc;

    *out = malloc(len / 4 * 3 > 0 ? len / 4 * 3 : 1);
    assert_non_null(*out);

    rc = tg_base64_decode((tg_str_t){ text, len }, *out, n);
    return rc;
}


static void
test_base64_decode_rfc4648(void **state)
{
    uint8_t *out;
    size_t   i, n;

    (void) state;

    for (i = 0; i < RFC4648_COUNT; i++) {
        n = 999;
        assert_rc(decode(rfc4648_vectors[i].encoded, &out, &n), TG_OK);
        assert_int_equal(n, strlen(rfc4648_vectors[i].plain));
        assert_memory_equal(out, rfc4648_vectors[i].plain, n);
        free(out);
    }

    assert_rc(decode("+/8=", &out, &n), TG_OK);
    assert_int_equal(n, 2);
    assert_memory_equal(out, "\xfb\xff", 2);
    free(out);
}


/* Every length from 0 to 100 and every byte value survive a round trip. */
static void
test_base64_round_trip(void **state)
{
    uint8_t in[100], *back;
    char    text[TG_BASE64_ENCODED_LEN(sizeof(in))];
    size_t  len, i, n;

    (void) state;

    memset(in, 0, sizeof(in));

    for (len = 0; len <= sizeof(in); len++) {
        for (i = 0; i < len; i++) {
            in[i] = (uint8_t) (len * 37 + i * 101);
        }

        tg_base64_encode(in, len, text);
        assert_rc(decode(text, &back, &n), TG_OK);
        assert_int_equal(n, len);
        if (len > 0) {
            assert_memory_equal(back, in, len);
        }
        free(back);
    }
}


static void
test_base64_decode_rejects(void **state)
{
    static const char *const bad[] = {
        /* bad length */
        "Z",
        "Zg",
        "Zg=",
        "Zm9vY",
        "Zm9vYg=",
        /* bad character */
        "Zm9v!A==",
        "Zm 9",
        "Zm9v\nZg=",
        "Zm-_", /* the URL-safe alphabet */
        "Zm9.",
        "\x80Zm9",
        "Zm9\xff",
        /* '=' where it may not be */
        "====",
        "A===",
        "=Zm9",
        "Z=m9",
        "Zm=v",
        "Zg=A",
        "Zg==Zm8=",
        "Zm8=Zm9v",
        "Zm9v====",
        "Zg===",
        /* non-zero bits under the padding */
        "Zh==",
        "Zv==",
        "Zm9=",
        "Zm9vYh==",
        "Zm9vYmF=",
    };
    uint8_t *out;
    size_t   i, n;

    (void) state;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc;

        n = 999;
        rc = decode(bad[i], &out, &n);
        free(out);

        if (rc != TG_EINVALID) {
            print_error("\"%s\" was accepted\n", bad[i]);
        }
        assert_rc(rc, TG_EINVALID);
        assert_int_equal(n, 999);
    }
}


/* "Zm8/" is not a rejection of '/': it decodes to three bytes. */
static void
test_base64_decode_slash_ok(void **state)
{
    uint8_t *out;
    size_t   n;

    (void) state;

    assert_rc(decode("Zm8/", &out, &n), TG_OK);
    assert_int_equal(n, 3);
    assert_memory_equal(out, "fo?", 3);
    free(out);
}


/* A NUL inside the text is a bad character, not the end. */
static void
test_base64_decode_nul(void **state)
{
    uint8_t out[3];
    size_t  n = 999;

    (void) state;

    assert_rc(tg_base64_decode(TG_STR("Zg\0="), out, &n), TG_EINVALID);
    assert_int_equal(n, 999);
}


static void
test_random_bytes(void **state)
{
    uint8_t a[32], b[32], zero[32];

    (void) state;

    memset(zero, 0, sizeof(zero));

    assert_rc(tg_random_bytes(a, sizeof(a)), TG_OK);
    assert_rc(tg_random_bytes(b, sizeof(b)), TG_OK);
    assert_memory_not_equal(a, b, sizeof(a));
    assert_memory_not_equal(a, zero, sizeof(a));

    assert_rc(tg_random_bytes(NULL, 0), TG_OK);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hmac_sha256_rfc4231_case1),
        cmocka_unit_test(test_hmac_sha256_rfc4231_case2),
        cmocka_unit_test(test_hmac_sha256_rfc4231_case4),
        cmocka_unit_test(test_hmac_sha256_rfc4231_case6),
        cmocka_unit_test(test_hmac_sha256_empty),
        cmocka_unit_test(test_sha256_fips180),
        cmocka_unit_test(test_hmac_sha1_rfc2202),
        cmocka_unit_test(test_hmac_keyed),
        cmocka_unit_test(test_hmac_keyed_matches_oneshot),
        cmocka_unit_test(test_hmac_verify_base64),
        cmocka_unit_test(test_md5_rfc1321),
        cmocka_unit_test(test_hex_encode),
        cmocka_unit_test(test_base64_encode_rfc4648),
        cmocka_unit_test(test_base64_encode_alphabet_ends),
        cmocka_unit_test(test_base64_decode_rfc4648),
        cmocka_unit_test(test_base64_round_trip),
        cmocka_unit_test(test_base64_decode_rejects),
        cmocka_unit_test(test_base64_decode_slash_ok),
        cmocka_unit_test(test_base64_decode_nul),
        cmocka_unit_test(test_sha256_hex_forms),
        cmocka_unit_test(test_random_bytes),
    };

    return cmocka_run_group_tests_name("crypto", tests, NULL, NULL);
}
