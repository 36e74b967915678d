/*
 * The keyring and AES-256-GCM sealing of secrets at rest.
 */

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "tollgate/crypto.h"
#include "tollgate/error.h"
#include "tollgate/seal.h"


#define TG_SEAL_PREFIX "tg1."

/* Cipher contexts a keyring keeps for reuse, at most (one per thread that
 * seals at the same time is enough). */
#define TG_GCM_IDLE_MAX 64

typedef struct {
    char    kid[TG_SEAL_KID_MAX + 1];
    uint8_t key[TG_SEAL_KEY_LEN];
} tg_keyring_key_t;

struct tg_keyring_s {
    tg_keyring_key_t keys[TG_SEAL_KEYS_MAX];
    size_t           nkeys;
    size_t           primary;
    uint8_t          index_key[TG_SEAL_KEY_LEN];
    int              has_index_key;

    /* The index key's HMAC, keyed once (NULL: the one-shot HMAC is used),
     * and AES-256-GCM, fetched once (NULL: fetched per call), with idle
     * cipher contexts for reuse; lock guards idle (index_mac is only read
     * once set). */
    tg_hmac_t      *index_mac;
    EVP_CIPHER     *gcm;
    EVP_CIPHER_CTX *idle[TG_GCM_IDLE_MAX];
    size_t          nidle;
    pthread_mutex_t lock;
};


/* Index messages, and the raw bytes of sealed values, up to these sizes
 * are kept on the stack. */
#define TG_INDEX_MSG_MAX 512
#define TG_SEAL_RAW_MAX  256


int
tg_keyring_create(tg_keyring_t **kr)
{
    *kr = calloc(1, sizeof(tg_keyring_t));
    if (*kr == NULL) {
        return TG_ENOMEM;
    }
    if (pthread_mutex_init(&(*kr)->lock, NULL) != 0) {
        free(*kr);
        *kr = NULL;
        return TG_ENOMEM;
    }
    (*kr)->gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    return TG_OK;
}


void
tg_keyring_destroy(tg_keyring_t *kr)
{
    if (kr != NULL) {
        tg_hmac_destroy(kr->index_mac);
        while (kr->nidle > 0) {
            EVP_CIPHER_CTX_free(kr->idle[--kr->nidle]);
        }
        EVP_CIPHER_free(kr->gcm);
        pthread_mutex_destroy(&kr->lock);
        tg_wipe(kr, sizeof(*kr));
        free(kr);
    }
}


static int
tg_kid_check(tg_str_t kid)
{
    size_t i;

    if (kid.len == 0 || kid.len > TG_SEAL_KID_MAX) {
        return TG_EINVALID;
    }

    for (i = 0; i < kid.len; i++) {
        char c = kid.ptr[i];

        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
            return TG_EINVALID;
        }
    }

    return TG_OK;
}


static const tg_keyring_key_t *
tg_keyring_find(const tg_keyring_t *kr, tg_str_t kid, size_t *index)
{
    size_t i;

    for (i = 0; i < kr->nkeys; i++) {
        if (tg_str_eq_c(kid, kr->keys[i].kid)) {
            if (index != NULL) {
                *index = i;
            }
            return &kr->keys[i];
        }
    }

    return NULL;
}


int
tg_keyring_add(tg_keyring_t *kr, tg_str_t kid,
               const uint8_t key[TG_SEAL_KEY_LEN])
{
    tg_keyring_key_t *k;

    if (tg_kid_check(kid) != TG_OK) {
        return TG_EINVALID;
    }

    if (kr->nkeys == TG_SEAL_KEYS_MAX || tg_keyring_find(kr, kid, NULL)) {
        return TG_ECONFLICT;
    }

    k = &kr->keys[kr->nkeys++];
    memcpy(k->kid, kid.ptr, kid.len);
    k->kid[kid.len] = '\0';
    memcpy(k->key, key, TG_SEAL_KEY_LEN);
    return TG_OK;
}


int
tg_keyring_set_primary(tg_keyring_t *kr, tg_str_t kid)
{
    size_t index;

    if (tg_keyring_find(kr, kid, &index) == NULL) {
        return TG_EINVALID;
    }

    kr->primary = index;
    return TG_OK;
}


const char *
tg_keyring_primary(const tg_keyring_t *kr)
{
    return kr->nkeys > 0 ? kr->keys[kr->primary].kid : NULL;
}


size_t
tg_keyring_count(const tg_keyring_t *kr)
{
    return kr->nkeys;
}


void
tg_keyring_key_at(const tg_keyring_t *kr, size_t i, const char **kid,
                  const uint8_t **key)
{
    *kid = kr->keys[i].kid;
    *key = kr->keys[i].key;
}


void
tg_keyring_set_index_key(tg_keyring_t *kr, const uint8_t key[TG_SEAL_KEY_LEN])
{
    memcpy(kr->index_key, key, TG_SEAL_KEY_LEN);
    kr->has_index_key = 1;

    /* Without memory for the keyed state, tg_keyring_index() falls back to
     * the one-shot HMAC: same result, more work. */
    tg_hmac_destroy(kr->index_mac);
    if (tg_hmac_create(&kr->index_mac, TG_HMAC_SHA256,
                       (tg_str_t){ (const char *) key, TG_SEAL_KEY_LEN })
        != TG_OK)
    {
        kr->index_mac = NULL;
    }
}


const uint8_t *
tg_keyring_index_key(const tg_keyring_t *kr)
{
    return kr->has_index_key ? kr->index_key : NULL;
}


/* The HMAC of msg under the index key, with the keyed state if there is
 * one. */
static int
tg_keyring_index_mac(const tg_keyring_t *kr, tg_str_t msg,
                     uint8_t mac[TG_SHA256_LEN])
{
    if (kr->index_mac == NULL) {
        return tg_hmac_sha256(
            (tg_str_t){ (const char *) kr->index_key, TG_SEAL_KEY_LEN }, msg,
            mac);
    }

    /* Only read: the threads share it without the lock. */
    return tg_hmac_compute(kr->index_mac, msg, mac);
}


int
tg_keyring_index(const tg_keyring_t *kr, tg_str_t domain, tg_str_t value,
                 char out[TG_INDEX_HEX_LEN + 1])
{
    tg_buf_t msg = TG_BUF_INIT;
    char     small[TG_INDEX_MSG_MAX];
    uint8_t  mac[TG_SHA256_LEN];
    size_t   len;
    int      rc = TG_OK;

    if (!kr->has_index_key) {
        return TG_EINTERNAL;
    }

    len = domain.len + 1 + value.len;
    if (len <= sizeof(small)) {
        memcpy(small, domain.ptr, domain.len);
        small[domain.len] = '\0';
        if (value.len > 0) {
            memcpy(small + domain.len + 1, value.ptr, value.len);
        }
        rc = tg_keyring_index_mac(kr, (tg_str_t){ small, len }, mac);
        tg_wipe(small, len);

    } else {
        rc = tg_buf_append(&msg, domain.ptr, domain.len);
        if (rc == TG_OK) {
            rc = tg_buf_append(&msg, "", 1);
        }
        if (rc == TG_OK) {
            rc = tg_buf_append(&msg, value.ptr, value.len);
        }
        if (rc == TG_OK) {
            rc = tg_keyring_index_mac(kr, tg_buf_str(&msg), mac);
        }
        tg_buf_wipe(&msg);
    }

    if (rc == TG_OK) {
        tg_hex_encode(mac, sizeof(mac), out);
    }

    tg_wipe(mac, sizeof(mac));
    return rc;
}


/*
 * A cipher context for one AES-256-GCM pass: an idle one of kr's, else a
 * new one (kr may be NULL).  NULL if out of memory.
 */
static EVP_CIPHER_CTX *
tg_gcm_ctx_take(const tg_keyring_t *kr)
{
    tg_keyring_t   *k = (tg_keyring_t *) kr;
    EVP_CIPHER_CTX *ctx = NULL;

    if (k != NULL && k->gcm != NULL) {
        pthread_mutex_lock(&k->lock);
        if (k->nidle > 0) {
            ctx = k->idle[--k->nidle];
        }
        pthread_mutex_unlock(&k->lock);
    }

    return ctx != NULL ? ctx : EVP_CIPHER_CTX_new();
}


/*
 * Gives ctx back after a pass: kept idle by kr if the pass succeeded and
 * there is room, else freed (which wipes its key schedule).
 */
static void
tg_gcm_ctx_give(const tg_keyring_t *kr, EVP_CIPHER_CTX *ctx, int ok)
{
    tg_keyring_t *k = (tg_keyring_t *) kr;

    if (ok && k != NULL && k->gcm != NULL) {
        pthread_mutex_lock(&k->lock);
        if (k->nidle < TG_GCM_IDLE_MAX) {
            k->idle[k->nidle++] = ctx;
            ctx = NULL;
        }
        pthread_mutex_unlock(&k->lock);
    }

    EVP_CIPHER_CTX_free(ctx);
}


/*
 * One AES-256-GCM pass.  Encrypts (enc = 1) or decrypts (enc = 0) in into
 * out, which holds in_len bytes; tag is written when encrypting and
 * checked when decrypting.  kr, if not NULL, lends the cipher and the
 * context.  Returns 0, TG_ESEALED on a failed check, or TG_EINTERNAL.
 */
static int
tg_gcm(const tg_keyring_t *kr, int enc, const uint8_t *key,
       const uint8_t *nonce, tg_str_t aad, const uint8_t *in, size_t in_len,
       uint8_t *out, uint8_t *tag)
{
    const EVP_CIPHER *cipher;
    EVP_CIPHER_CTX   *ctx;
    int               len, rc = TG_EINTERNAL;

    if (in_len > INT32_MAX || aad.len > INT32_MAX) {
        return TG_EINTERNAL;
    }

    ctx = tg_gcm_ctx_take(kr);
    if (ctx == NULL) {
        return TG_EINTERNAL;
    }

    /* A context that already holds the cipher is only re-keyed: passing
     * the cipher again would rebuild it. */
    cipher = EVP_CIPHER_CTX_get0_cipher(ctx) != NULL ? NULL
             : kr != NULL && kr->gcm != NULL         ? kr->gcm
                                                     : EVP_aes_256_gcm();

    if (EVP_CipherInit_ex2(ctx, cipher, key, nonce, enc, NULL) != 1
        || EVP_CipherUpdate(ctx, NULL, &len, (const uint8_t *) aad.ptr,
                            (int) aad.len)
               != 1
        || EVP_CipherUpdate(ctx, out, &len, in, (int) in_len) != 1)
    {
        goto cleanup;
    }

    if (enc) {
        if (EVP_CipherFinal_ex(ctx, out + len, &len) == 1
            && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TG_SEAL_TAG_LEN,
                                   tag)
                   == 1)
        {
            rc = TG_OK;
        }

    } else {
        if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TG_SEAL_TAG_LEN, tag)
            != 1) {
            goto cleanup;
        }

        rc = EVP_CipherFinal_ex(ctx, out + len, &len) == 1 ? TG_OK : TG_ESEALED;
    }

cleanup:

    tg_gcm_ctx_give(kr, ctx, rc == TG_OK);
    return rc;
}


int
tg_seal_raw(const uint8_t key[TG_SEAL_KEY_LEN], tg_str_t aad,
            tg_str_t plaintext, uint8_t *out)
{
    int rc;

    rc = tg_random_bytes(out, TG_SEAL_NONCE_LEN);
    if (rc != TG_OK) {
        return rc;
    }
    return tg_gcm(NULL, 1, key, out, aad, (const uint8_t *) plaintext.ptr,
                  plaintext.len, out + TG_SEAL_NONCE_LEN,
                  out + TG_SEAL_NONCE_LEN + plaintext.len);
}


int
tg_open_raw(const uint8_t key[TG_SEAL_KEY_LEN], tg_str_t aad, const uint8_t *in,
            size_t len, uint8_t *out)
{
    size_t n;
    int    rc;

    if (len < TG_SEAL_OVERHEAD) {
        return TG_ESEALED;
    }
    n = len - TG_SEAL_OVERHEAD;

    rc = tg_gcm(NULL, 0, key, in, aad, in + TG_SEAL_NONCE_LEN, n, out,
                (uint8_t *) in + TG_SEAL_NONCE_LEN + n);
    if (rc != TG_OK) {
        tg_wipe(out, n);
    }
    return rc;
}


int
tg_seal(const tg_keyring_t *kr, tg_str_t context, tg_str_t plaintext,
        tg_buf_t *out)
{
    const tg_keyring_key_t *k;
    uint8_t                *raw = NULL;
    uint8_t                 raw_small[TG_SEAL_RAW_MAX];
    char                    text_small[TG_BASE64_ENCODED_LEN(TG_SEAL_RAW_MAX)];
    char                   *text = NULL;
    size_t                  raw_len, start = out->len;
    int                     rc;

    if (kr->nkeys == 0) {
        return TG_EINTERNAL;
    }

    k = &kr->keys[kr->primary];
    raw_len = TG_SEAL_NONCE_LEN + plaintext.len + TG_SEAL_TAG_LEN;

    if (raw_len <= TG_SEAL_RAW_MAX) {
        raw = raw_small;
        text = text_small;
    } else {
        raw = malloc(raw_len);
        text = malloc(TG_BASE64_ENCODED_LEN(raw_len));
    }
    if (raw == NULL || text == NULL) {
        rc = TG_ENOMEM;
        goto cleanup;
    }

    rc = tg_random_bytes(raw, TG_SEAL_NONCE_LEN);
    if (rc != TG_OK) {
        goto cleanup;
    }

    rc = tg_gcm(kr, 1, k->key, raw, context, (const uint8_t *) plaintext.ptr,
                plaintext.len, raw + TG_SEAL_NONCE_LEN,
                raw + TG_SEAL_NONCE_LEN + plaintext.len);
    if (rc != TG_OK) {
        goto cleanup;
    }

    tg_base64_encode(raw, raw_len, text);

    if (tg_buf_append_c(out, TG_SEAL_PREFIX) != TG_OK
        || tg_buf_append_c(out, k->kid) != TG_OK
        || tg_buf_append(out, ".", 1) != TG_OK
        || tg_buf_append_c(out, text) != TG_OK)
    {
        out->len = start;
        if (out->ptr != NULL) {
            out->ptr[start] = '\0';
        }
        rc = TG_ENOMEM;
    }

cleanup:

    if (raw != raw_small) {
        free(raw);
        free(text);
    }
    return rc;
}


/* Splits sealed text into its key id and its base64 body. */
static int
tg_sealed_split(tg_str_t sealed, tg_str_t *kid, tg_str_t *body)
{
    const char *dot;
    tg_str_t    rest;

    if (!tg_str_has_prefix(sealed, TG_STR(TG_SEAL_PREFIX))) {
        return TG_ESEALED;
    }

    rest.ptr = sealed.ptr + sizeof(TG_SEAL_PREFIX) - 1;
    rest.len = sealed.len - (sizeof(TG_SEAL_PREFIX) - 1);

    dot = memchr(rest.ptr, '.', rest.len);
    if (dot == NULL) {
        return TG_ESEALED;
    }

    kid->ptr = rest.ptr;
    kid->len = (size_t) (dot - rest.ptr);
    body->ptr = dot + 1;
    body->len = rest.len - kid->len - 1;

    return tg_kid_check(*kid) == TG_OK ? TG_OK : TG_ESEALED;
}


int
tg_sealed_kid(tg_str_t sealed, tg_str_t *kid)
{
    tg_str_t body;

    return tg_sealed_split(sealed, kid, &body);
}


int
tg_unseal(const tg_keyring_t *kr, tg_str_t context, tg_str_t sealed,
          tg_buf_t *out)
{
    const tg_keyring_key_t *k;
    tg_str_t                kid, body;
    uint8_t                 raw_small[TG_SEAL_RAW_MAX];
    uint8_t                 plain_small[TG_SEAL_RAW_MAX];
    uint8_t                *raw = NULL, *plain = NULL;
    size_t                  raw_len, plain_len;
    int                     rc;

    rc = tg_sealed_split(sealed, &kid, &body);
    if (rc != TG_OK) {
        return rc;
    }

    k = tg_keyring_find(kr, kid, NULL);
    if (k == NULL) {
        return TG_ESEALED;
    }

    raw = body.len / 4 * 3 + 1 <= sizeof(raw_small)
              ? raw_small
              : malloc(body.len / 4 * 3 + 1);
    if (raw == NULL) {
        return TG_ENOMEM;
    }

    if (tg_base64_decode(body, raw, &raw_len) != TG_OK
        || raw_len < TG_SEAL_NONCE_LEN + TG_SEAL_TAG_LEN)
    {
        rc = TG_ESEALED;
        goto cleanup;
    }

    plain_len = raw_len - TG_SEAL_NONCE_LEN - TG_SEAL_TAG_LEN;
    plain = plain_len + 1 <= sizeof(plain_small) ? plain_small
                                                 : malloc(plain_len + 1);
    if (plain == NULL) {
        rc = TG_ENOMEM;
        goto cleanup;
    }

    rc = tg_gcm(kr, 0, k->key, raw, context, raw + TG_SEAL_NONCE_LEN, plain_len,
                plain, raw + TG_SEAL_NONCE_LEN + plain_len);
    if (rc == TG_OK) {
        rc = tg_buf_append(out, plain, plain_len);
    }

cleanup:

    if (plain != NULL) {
        tg_wipe(plain, plain_len);
        if (plain != plain_small) {
            free(plain);
        }
    }
    if (raw != raw_small) {
        free(raw);
    }
    return rc;
}
