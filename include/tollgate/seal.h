/*
 * Sealed secrets: AES-256-GCM under a keyring of named keys.
 *
 * AppSecrets must stay verifiable (HMAC needs the secret itself), so they
 * cannot be hashed; they are sealed instead.  A sealed value is text:
 *
 *     "tg1." <key id> "." base64(nonce[12] || ciphertext || tag[16])
 *
 * The key id says which keyring key opens it, so the keyring can rotate:
 * new values are sealed under the primary key, old values stay readable
 * until they are re-sealed.  Each value is also bound to a context string
 * (the row it belongs to) as additional authenticated data, so a sealed
 * value copied into another row fails to open.
 *
 * The keyring also holds an index key: values that must be looked up but
 * never read back (access-key secrets) or looked up before they can be
 * opened (AppCodes) are indexed by an HMAC under it.
 *
 * Ownership: the library owns a keyring; tg_keyring_destroy() wipes and
 * frees it.  Output buffers are the caller's; tg_unseal()'s output held a
 * secret and should be released with tg_buf_wipe().
 */

#ifndef TOLLGATE_SEAL_H
#define TOLLGATE_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "tollgate/str.h"


#define TG_SEAL_KEY_LEN   32
#define TG_SEAL_KID_MAX   16 /* key ids are 1-16 of [a-z0-9] */
#define TG_SEAL_KEYS_MAX  32
#define TG_SEAL_NONCE_LEN 12
#define TG_SEAL_TAG_LEN   16
#define TG_INDEX_HEX_LEN  64

typedef struct tg_keyring_s tg_keyring_t;


/* Creates an empty keyring.  Returns 0, or TG_ENOMEM. */
int tg_keyring_create(tg_keyring_t **kr);

/* Wipes every key in kr and frees it.  kr may be NULL. */
void tg_keyring_destroy(tg_keyring_t *kr);

/*
 * Adds a key.  The first key added becomes the primary one.  Returns 0;
 * TG_EINVALID if kid is not 1-16 of [a-z0-9]; TG_ECONFLICT if kid is
 * already present or the keyring is full.  On error kr is unchanged.
 */
int tg_keyring_add(tg_keyring_t *kr, tg_str_t kid,
                   const uint8_t key[TG_SEAL_KEY_LEN]);

/* Makes kid the key that seals.  Returns 0, or TG_EINVALID if absent. */
int tg_keyring_set_primary(tg_keyring_t *kr, tg_str_t kid);

/* The primary key's id, or NULL if the keyring is empty. */
const char *tg_keyring_primary(const tg_keyring_t *kr);

/* The number of keys. */
size_t tg_keyring_count(const tg_keyring_t *kr);

/* The id and bytes of key i < tg_keyring_count(), for serialization. */
void tg_keyring_key_at(const tg_keyring_t *kr, size_t i, const char **kid,
                       const uint8_t **key);

/* Sets the index key.  This function can't fail. */
void tg_keyring_set_index_key(tg_keyring_t *kr,
                              const uint8_t key[TG_SEAL_KEY_LEN]);

/* The index key's bytes, for serialization; NULL if not set. */
const uint8_t *tg_keyring_index_key(const tg_keyring_t *kr);

/*
 * Writes the hex HMAC-SHA256 of (domain, 0x00, value) under the index key
 * and a NUL into out.  Returns 0, or TG_EINTERNAL if no index key is set.
 */
int tg_keyring_index(const tg_keyring_t *kr, tg_str_t domain, tg_str_t value,
                     char out[TG_INDEX_HEX_LEN + 1]);

/*
 * Seals plaintext under the primary key, bound to context, and appends
 * the sealed text to out.  Returns 0; TG_EINTERNAL if the keyring has no
 * key or the cipher failed; TG_ENOMEM.  On error out is unchanged.
 */
int tg_seal(const tg_keyring_t *kr, tg_str_t context, tg_str_t plaintext,
            tg_buf_t *out);

/*
 * Opens a sealed value that was bound to context and appends the
 * plaintext to out.  Returns 0; TG_ESEALED if the text is malformed,
 * names an unknown key, or fails authentication (tampering, or the wrong
 * context); TG_ENOMEM.  On error out is unchanged.
 */
int tg_unseal(const tg_keyring_t *kr, tg_str_t context, tg_str_t sealed,
              tg_buf_t *out);

/*
 * Raw sealing with one key, for the data-plane projection, which must open
 * values without allocating: out receives nonce || ciphertext || tag, so
 * it holds plaintext.len + TG_SEAL_OVERHEAD bytes.  Returns 0, or
 * TG_EINTERNAL.
 */
#define TG_SEAL_OVERHEAD (TG_SEAL_NONCE_LEN + TG_SEAL_TAG_LEN)

int tg_seal_raw(const uint8_t key[TG_SEAL_KEY_LEN], tg_str_t aad,
                tg_str_t plaintext, uint8_t *out);

/*
 * Opens what tg_seal_raw() made (in, len bytes) into out, which holds
 * len - TG_SEAL_OVERHEAD bytes.  Returns 0; TG_ESEALED if len is too short
 * or authentication fails (out is then wiped); TG_EINTERNAL.
 */
int tg_open_raw(const uint8_t key[TG_SEAL_KEY_LEN], tg_str_t aad,
                const uint8_t *in, size_t len, uint8_t *out);

/* Sets *kid to the key id inside sealed.  Returns 0, or TG_ESEALED. */
int tg_sealed_kid(tg_str_t sealed, tg_str_t *kid);

#endif /* TOLLGATE_SEAL_H */
