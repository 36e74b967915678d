/*
 * The master keyring's file in the data directory.
 *
 * The file is JSON, mode 0600, created on first start with one fresh
 * AES-256 key (id "k1") and a fresh index key:
 *
 *   {"format": "tollgate-keyring/1", "primary": "k1",
 *    "keys": [{"id": "k1", "key": "<base64>"}],
 *    "index_key": "<base64>"}
 *
 * Tollgate never ships key material.  A file that others can read is
 * refused, as ssh refuses loose private keys.
 */

#ifndef TOLLGATE_KEYRING_FILE_H
#define TOLLGATE_KEYRING_FILE_H

#include <stddef.h>

#include "tollgate/seal.h"


/*
 * Loads the keyring at path.  If there is no file and allow_create is
 * set, creates one and sets *created; without allow_create (the store
 * already exists, sealed under a keyring), a missing file is an error.
 * Returns 0, or an error with a message in errbuf.
 */
int tg_keyring_file_open(const char *path, int allow_create, tg_keyring_t **kr,
                         int *created, char *errbuf, size_t errlen);

/*
 * Writes every key of kr, its primary and its index key to path,
 * atomically (see tg_file_write_private()).  Returns 0, or an error with a
 * message in errbuf.
 */
int tg_keyring_file_write(const char *path, const tg_keyring_t *kr,
                          char *errbuf, size_t errlen);

/*
 * Writes text to path atomically: a temporary file of mode 0600 in the
 * same directory, fsynced, then renamed over path.
 */
int tg_file_write_private(const char *path, const char *text, char *errbuf,
                          size_t errlen);

#endif /* TOLLGATE_KEYRING_FILE_H */
