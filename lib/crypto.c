/*
 * libcrypto wrappers: CSPRNG, HMAC, digests, hex and base64.
 */

#include <stdlib.h>
#include <string.h>

/* SHA256_CTX and SHA_CTX, for the keyed HMAC (see tg_hmac_t). */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "tollgate/crypto.h"
#include "tollgate/error.h"


int
tg_random_bytes(void *buf, size_t n)
{
    if (n > 0 && (n > (size_t) INT32_MAX || RAND_bytes(buf, (int) n) != 1)) {
        memset(buf, 0, n);
        return TG_EINTERNAL;
    }

    return TG_OK;
}


static int
tg_hmac(const EVP_MD *md, tg_str_t key, tg_str_t msg, uint8_t *out,
        unsigned expect)
{
    unsigned len = 0;

    if (key.len > INT32_MAX
        || HMAC(md, key.ptr != NULL ? key.ptr : "", (int) key.len,
                (const unsigned char *) (msg.ptr != NULL ? msg.ptr : ""),
                msg.len, out, &len)
               == NULL
        || len != expect)
    {
        return TG_EINTERNAL;
    }

    return TG_OK;
}


/*
 * A keyed HMAC keeps the digest's states after the key's inner and outer
 * pad blocks (RFC 2104), and starts each message from copies of them: a
 * message costs its own blocks and one more for the outer hash, with no
 * allocation and no provider dispatch.  OpenSSL's EVP_MAC re-initialized
 * without a key does the same, but copies each state through
 * EVP_MD_CTX_copy_ex(), which frees and allocates the digest's context
 * twice per message: on the gateway's path, that cost as much as the
 * hashing.  The states are the low-level SHA256_CTX and SHA_CTX, plain
 * structures that OpenSSL 3 deprecates but still ships; their functions
 * use the same assembly (SHA extensions where the CPU has them).
 */
struct tg_hmac_s {
    tg_hmac_alg_t alg;
    size_t        size;
    union {
        SHA256_CTX sha256;
        SHA_CTX    sha1;
    } inner, outer;
};

#define TG_HMAC_BLOCK 64 /* SHA-1's and SHA-256's */


/* Starts a digest of alg in ctx and absorbs len bytes of p. */
static void
tg_hmac_absorb(tg_hmac_alg_t alg, void *ctx, const void *p, size_t len)
{
    if (alg == TG_HMAC_SHA1) {
        SHA1_Init(ctx);
        SHA1_Update(ctx, p, len);
    } else {
        SHA256_Init(ctx);
        SHA256_Update(ctx, p, len);
    }
}


int
tg_hmac_create(tg_hmac_t **h, tg_hmac_alg_t alg, tg_str_t key)
{
    uint8_t    block[TG_HMAC_BLOCK], pad[TG_HMAC_BLOCK];
    tg_hmac_t *n;
    size_t     i;

    *h = NULL;
    if (alg != TG_HMAC_SHA256 && alg != TG_HMAC_SHA1) {
        return TG_EINTERNAL;
    }
    n = calloc(1, sizeof(*n));
    if (n == NULL) {
        return TG_ENOMEM;
    }
    n->alg = alg;
    n->size = alg == TG_HMAC_SHA1 ? TG_SHA1_LEN : TG_SHA256_LEN;

    /* A key longer than a block is replaced by its digest. */
    memset(block, 0, sizeof(block));
    if (key.len > TG_HMAC_BLOCK) {
        if (alg == TG_HMAC_SHA1) {
            SHA1((const unsigned char *) key.ptr, key.len, block);
        } else {
            SHA256((const unsigned char *) key.ptr, key.len, block);
        }
    } else if (key.len > 0) {
        memcpy(block, key.ptr, key.len);
    }

    for (i = 0; i < TG_HMAC_BLOCK; i++) {
        pad[i] = block[i] ^ 0x36;
    }
    tg_hmac_absorb(alg, &n->inner, pad, sizeof(pad));
    for (i = 0; i < TG_HMAC_BLOCK; i++) {
        pad[i] = block[i] ^ 0x5c;
    }
    tg_hmac_absorb(alg, &n->outer, pad, sizeof(pad));

    tg_wipe(block, sizeof(block));
    tg_wipe(pad, sizeof(pad));
    *h = n;
    return TG_OK;
}


size_t
tg_hmac_size(const tg_hmac_t *h)
{
    return h->size;
}


/*
 * Zeroes n bytes at p, in line: a memset() the compiler may not drop,
 * since the barrier says the memory is read after it.  For the small
 * buffers of a MAC's computation, where OPENSSL_cleanse()'s out-of-line
 * call costs more than the zeroing.
 */
static inline void
tg_wipe_small(void *p, size_t n)
{
    memset(p, 0, n);
    __asm__ volatile("" : : "r"(p) : "memory");
}


int
tg_hmac_compute(const tg_hmac_t *h, tg_str_t msg, uint8_t *out)
{
    SHA256_CTX  c256;
    SHA_CTX     c1;
    uint8_t     inner[TG_SHA256_LEN];
    const char *p = msg.ptr != NULL ? msg.ptr : "";

    if (h->alg == TG_HMAC_SHA1) {
        c1 = h->inner.sha1;
        SHA1_Update(&c1, p, msg.len);
        SHA1_Final(inner, &c1);
        c1 = h->outer.sha1;
        SHA1_Update(&c1, inner, TG_SHA1_LEN);
        SHA1_Final(out, &c1);
        tg_wipe_small(&c1, sizeof(c1));
    } else {
        c256 = h->inner.sha256;
        SHA256_Update(&c256, p, msg.len);
        SHA256_Final(inner, &c256);
        c256 = h->outer.sha256;
        SHA256_Update(&c256, inner, TG_SHA256_LEN);
        SHA256_Final(out, &c256);
        tg_wipe_small(&c256, sizeof(c256));
    }
    tg_wipe_small(inner, sizeof(inner));
    return TG_OK;
}


/*
 * 1 if the n bytes at a and b are equal, in time that depends on n only:
 * the differences are or-ed together, a word at a time, with no branch
 * on the data (CRYPTO_memcmp() goes a byte at a time, out of line).
 */
static int
tg_equal_words_ct(const void *a, const void *b, size_t n)
{
    const unsigned char *p = a, *q = b;
    uint64_t             d = 0, x, y;
    size_t               i;

    for (i = 0; i + sizeof(x) <= n; i += sizeof(x)) {
        memcpy(&x, p + i, sizeof(x));
        memcpy(&y, q + i, sizeof(y));
        d |= x ^ y;
    }
    for (; i < n; i++) {
        d |= (uint64_t) (p[i] ^ q[i]);
    }
    /* Keeps the compiler from turning the loop into an early exit. */
    __asm__ volatile("" : "+r"(d));
    return d == 0;
}


int
tg_hmac_verify_base64(tg_hmac_t *h, tg_str_t msg, tg_str_t signature)
{
    struct {
        uint8_t mac[TG_SHA256_LEN];
        char    text[TG_BASE64_ENCODED_LEN(TG_SHA256_LEN)];
    } w;
    size_t n;
    int    ok;

    if (tg_hmac_compute(h, msg, w.mac) != TG_OK) {
        tg_wipe_small(&w, sizeof(w));
        return TG_ESIGNATURE;
    }
    n = tg_base64_encode(w.mac, tg_hmac_size(h), w.text);

    /* constant time comparison (the length is public) */

    ok = signature.len == n && tg_equal_words_ct(w.text, signature.ptr, n);
    tg_wipe_small(&w, sizeof(w));
    return ok ? TG_OK : TG_ESIGNATURE;
}


void
tg_hmac_destroy(tg_hmac_t *h)
{
    if (h != NULL) {
        tg_wipe(h, sizeof(*h));
        free(h);
    }
}


int
tg_hmac_sha256(tg_str_t key, tg_str_t msg, uint8_t out[TG_SHA256_LEN])
{
    return tg_hmac(EVP_sha256(), key, msg, out, TG_SHA256_LEN);
}


int
tg_hmac_sha1(tg_str_t key, tg_str_t msg, uint8_t out[TG_SHA1_LEN])
{
    return tg_hmac(EVP_sha1(), key, msg, out, TG_SHA1_LEN);
}


int
tg_hmac_sha384(tg_str_t key, tg_str_t msg, uint8_t out[TG_SHA384_LEN])
{
    return tg_hmac(EVP_sha384(), key, msg, out, TG_SHA384_LEN);
}


int
tg_hmac_sha512(tg_str_t key, tg_str_t msg, uint8_t out[TG_SHA512_LEN])
{
    return tg_hmac(EVP_sha512(), key, msg, out, TG_SHA512_LEN);
}


static int
tg_digest(const EVP_MD *md, tg_str_t msg, uint8_t *out, unsigned expect)
{
    unsigned len = 0;

    if (EVP_Digest(msg.ptr != NULL ? msg.ptr : "", msg.len, out, &len, md, NULL)
            != 1
        || len != expect)
    {
        return TG_EINTERNAL;
    }

    return TG_OK;
}


int
tg_sha256(tg_str_t msg, uint8_t out[TG_SHA256_LEN])
{
    return tg_digest(EVP_sha256(), msg, out, TG_SHA256_LEN);
}


int
tg_md5(tg_str_t msg, uint8_t out[TG_MD5_LEN])
{
    return tg_digest(EVP_md5(), msg, out, TG_MD5_LEN);
}


size_t
tg_hex_encode(const uint8_t *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    size_t            i;

    for (i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 0x0f];
    }

    out[2 * n] = '\0';
    return 2 * n;
}


int
tg_sha256_hex(tg_str_t msg, char out[TG_SHA256_HEX_LEN + 1])
{
    uint8_t digest[TG_SHA256_LEN];

    out[0] = '\0';
    if (tg_sha256(msg, digest) != TG_OK) {
        return TG_EINTERNAL;
    }
    tg_hex_encode(digest, sizeof(digest), out);
    return TG_OK;
}


int
tg_hmac_sha1_base64(tg_str_t key, tg_str_t msg,
                    char out[TG_SHA1_BASE64_LEN + 1])
{
    uint8_t mac[TG_SHA1_LEN];
    int     rc;

    out[0] = '\0';
    rc = tg_hmac_sha1(key, msg, mac);
    if (rc == TG_OK) {
        tg_base64_encode(mac, sizeof(mac), out);
    }
    tg_wipe(mac, sizeof(mac));
    return rc == TG_OK ? TG_OK : TG_EINTERNAL;
}


int
tg_hmac_sha256_hex(tg_str_t key, tg_str_t msg, char out[TG_SHA256_HEX_LEN + 1])
{
    uint8_t mac[TG_SHA256_LEN];
    int     rc;

    out[0] = '\0';
    rc = tg_hmac_sha256(key, msg, mac);
    if (rc == TG_OK) {
        tg_hex_encode(mac, sizeof(mac), out);
    }
    tg_wipe(mac, sizeof(mac));
    return rc == TG_OK ? TG_OK : TG_EINTERNAL;
}


static const char tg_base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";


size_t
tg_base64_encode(const uint8_t *in, size_t n, char *out)
{
    size_t   i, o = 0;
    uint32_t v;

    for (i = 0; i + 2 < n; i += 3) {
        v = (uint32_t) in[i] << 16 | (uint32_t) in[i + 1] << 8 | in[i + 2];
        out[o++] = tg_base64_alphabet[v >> 18];
        out[o++] = tg_base64_alphabet[(v >> 12) & 63];
        out[o++] = tg_base64_alphabet[(v >> 6) & 63];
        out[o++] = tg_base64_alphabet[v & 63];
    }

    if (i < n) {
        v = (uint32_t) in[i] << 16;
        if (i + 1 < n) {
            v |= (uint32_t) in[i + 1] << 8;
        }

        out[o++] = tg_base64_alphabet[v >> 18];
        out[o++] = tg_base64_alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < n ? tg_base64_alphabet[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }

    out[o] = '\0';
    return o;
}


int
tg_base64_digit(unsigned char c, int url)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == (url ? '-' : '+')) {
        return 62;
    }
    if (c == (url ? '_' : '/')) {
        return 63;
    }
    return -1;
}


int
tg_base64_decode(tg_str_t in, uint8_t *out, size_t *n)
{
    size_t   i, o = 0, pad = 0;
    uint32_t v = 0;
    int      d, k;

    if (in.len % 4 != 0) {
        return TG_EINVALID;
    }

    if (in.len > 0 && in.ptr[in.len - 1] == '=') {
        pad = (in.len > 1 && in.ptr[in.len - 2] == '=') ? 2 : 1;
    }

    for (i = 0; i < in.len; i += 4) {
        v = 0;
        for (k = 0; k < 4; k++) {
            if (i + (size_t) k >= in.len - pad) {
                d = 0;
            } else if ((d = tg_base64_digit((unsigned char) in.ptr[i + k], 0))
                       < 0) {
                return TG_EINVALID;
            }
            v = v << 6 | (uint32_t) d;
        }

        out[o++] = (uint8_t) (v >> 16);
        if (i + 4 < in.len || pad < 2) {
            out[o++] = (uint8_t) (v >> 8);
        }
        if (i + 4 < in.len || pad < 1) {
            out[o++] = (uint8_t) v;
        }
    }

    /* Canonical form only: the bits that padding hides must be zero. */

    if ((pad == 1 && (v & 0xff) != 0) || (pad == 2 && (v & 0xffff) != 0)) {
        return TG_EINVALID;
    }

    *n = o;
    return TG_OK;
}
