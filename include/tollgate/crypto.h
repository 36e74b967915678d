/*
 * Digests, MACs, randomness and the text encodings they travel in.
 *
 * Thin wrappers over OpenSSL's libcrypto with tg_ error codes.  Output
 * buffers are caller-owned and sized by the constants below; nothing here
 * allocates, except a keyed HMAC (tg_hmac_t), which its creator owns and
 * destroys.
 */

#ifndef TOLLGATE_CRYPTO_H
#define TOLLGATE_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "tollgate/str.h"


#define TG_SHA256_LEN 32
#define TG_SHA1_LEN   20
#define TG_SHA384_LEN 48
#define TG_SHA512_LEN 64
#define TG_MD5_LEN    16

#define TG_SHA256_HEX_LEN  64 /* lowercase hex of a SHA-256 digest or MAC */
#define TG_SHA1_BASE64_LEN 28 /* padded base64 of a SHA-1 MAC */

/* Bytes needed to base64-encode n bytes, with padding, plus a NUL. */
#define TG_BASE64_ENCODED_LEN(n) ((((n) + 2) / 3) * 4 + 1)


/*
 * Fills buf with n bytes from the OS CSPRNG.  Returns 0, or TG_EINTERNAL
 * if the generator failed (buf is then zeroed).
 */
int tg_random_bytes(void *buf, size_t n);

/* A MAC algorithm that a keyed HMAC computes. */
typedef enum {
    TG_HMAC_SHA256 = 0,
    TG_HMAC_SHA1
} tg_hmac_alg_t;

/*
 * An HMAC with its key set once: the key's inner and outer states are
 * computed when it is created, so each message costs only its own hashing
 * (OpenSSL's one-shot HMAC() fetches the digest, allocates and hashes the
 * key on every call).  It holds material equivalent to the key; destroying
 * it wipes that.  One thread at a time.
 */
typedef struct tg_hmac_s tg_hmac_t;

/*
 * Creates *h keyed with key for alg.  Returns 0, TG_ENOMEM, or
 * TG_EINTERNAL (*h is then NULL).
 */
int tg_hmac_create(tg_hmac_t **h, tg_hmac_alg_t alg, tg_str_t key);

/* The length of h's MACs: TG_SHA256_LEN or TG_SHA1_LEN. */
size_t tg_hmac_size(const tg_hmac_t *h);

/*
 * Writes the MAC of msg under h's key to out (tg_hmac_size(h) bytes).
 * Returns 0, or TG_EINTERNAL (out is then zeroed).  h is only read (its
 * saved states are copied), so threads may share it without a lock.
 */
int tg_hmac_compute(const tg_hmac_t *h, tg_str_t msg, uint8_t *out);

/*
 * Checks that signature is the padded Base64 of the MAC of msg under h's
 * key, in time independent of where they differ.  Returns 0, or
 * TG_ESIGNATURE; the MAC and its encoding are wiped.
 */
int tg_hmac_verify_base64(tg_hmac_t *h, tg_str_t msg, tg_str_t signature);

/* Wipes and frees h; NULL is allowed. */
void tg_hmac_destroy(tg_hmac_t *h);

/* HMAC-SHA256 of msg under key.  Returns 0, or TG_EINTERNAL. */
int tg_hmac_sha256(tg_str_t key, tg_str_t msg, uint8_t out[TG_SHA256_LEN]);

/* HMAC-SHA1 of msg under key.  Returns 0, or TG_EINTERNAL. */
int tg_hmac_sha1(tg_str_t key, tg_str_t msg, uint8_t out[TG_SHA1_LEN]);

/* HMAC-SHA384 and HMAC-SHA512 of msg under key.  Returns 0, or
 * TG_EINTERNAL. */
int tg_hmac_sha384(tg_str_t key, tg_str_t msg, uint8_t out[TG_SHA384_LEN]);
int tg_hmac_sha512(tg_str_t key, tg_str_t msg, uint8_t out[TG_SHA512_LEN]);

/* SHA-256 of msg.  Returns 0, or TG_EINTERNAL. */
int tg_sha256(tg_str_t msg, uint8_t out[TG_SHA256_LEN]);

/*
 * The lowercase hex of SHA-256(msg) and a NUL into out.  Returns 0, or
 * TG_EINTERNAL (out is then "").
 */
int tg_sha256_hex(tg_str_t msg, char out[TG_SHA256_HEX_LEN + 1]);

/*
 * The lowercase hex of HMAC-SHA256(key, msg) and a NUL into out; the raw
 * MAC is wiped.  Returns 0, or TG_EINTERNAL (out is then "").
 */
int tg_hmac_sha256_hex(tg_str_t key, tg_str_t msg,
                       char out[TG_SHA256_HEX_LEN + 1]);

/*
 * The padded base64 of HMAC-SHA1(key, msg) and a NUL into out; the raw
 * MAC is wiped.  Returns 0, or TG_EINTERNAL (out is then "").
 */
int tg_hmac_sha1_base64(tg_str_t key, tg_str_t msg,
                        char out[TG_SHA1_BASE64_LEN + 1]);

/* MD5 of msg (for Content-MD5 only).  Returns 0, or TG_EINTERNAL. */
int tg_md5(tg_str_t msg, uint8_t out[TG_MD5_LEN]);

/*
 * Writes the lowercase hex of n bytes and a NUL to out, which holds at
 * least 2n + 1 bytes.  Returns the number of characters written.
 */
size_t tg_hex_encode(const uint8_t *in, size_t n, char *out);

/*
 * Writes the standard base64 (RFC 4648 section 4, padded) of n bytes and a
 * NUL to out, which holds TG_BASE64_ENCODED_LEN(n) bytes.  Returns the
 * number of characters written.
 */
size_t tg_base64_encode(const uint8_t *in, size_t n, char *out);

/*
 * The value (0 to 63) of a base64 digit: of the standard alphabet (url 0:
 * '+' and '/'), or of base64url (url 1: '-' and '_'); -1 for any other
 * byte.
 */
int tg_base64_digit(unsigned char c, int url);

/*
 * Decodes padded standard base64 into out, which holds at least
 * in.len / 4 * 3 bytes.  Returns 0 and sets *n, or TG_EINVALID if in is
 * not canonical base64 (bad length, character, padding or trailing bits).
 */
int tg_base64_decode(tg_str_t in, uint8_t *out, size_t *n);

#endif /* TOLLGATE_CRYPTO_H */
