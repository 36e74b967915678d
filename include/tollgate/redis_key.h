/*
 * The Redis keys of the gateway's cluster-wide data plane
 * (nginx/ngx_http_tollgate_redis.c): an app's rate-limit bucket and the
 * nonces its signatures spent; and the command that carries them, in
 * Redis's protocol.  Pure: the caller owns every buffer.
 *
 * Every key is namespaced ("tg:") and bounded, and its only caller text
 * is the AppKey and the nonce, length-prefixed so that no two
 * (AppKey, nonce) pairs make one key.  Both of an app's keys carry the
 * app id as a hash tag ({...}), so that one script may touch both in a
 * Redis Cluster as well.
 */

#ifndef TOLLGATE_REDIS_KEY_H
#define TOLLGATE_REDIS_KEY_H

#include <stddef.h>

#include "tollgate/str.h"


/* The longest AppKey and nonce together (their lengths added), as the
 * gateway's shared zone allows. */
#define TG_RKEY_NONCE_MAX 511

/* Room for any key these functions make. */
#define TG_RKEY_MAX (TG_RKEY_NONCE_MAX + 64)

/*
 * Writes the nonce key "tg:n:{<app>}:<key length>:<key>:<nonce>" into
 * out (cap bytes; no NUL) and sets *len.  app is an app id (lowercase hex
 * letters and digits, 1 to 64).  Returns TG_OK; TG_EINVALID for an app id
 * that is not one or an empty key; TG_ETOO_LARGE if key and nonce are
 * longer than TG_RKEY_NONCE_MAX together or out is too small.
 */
int tg_rkey_nonce(tg_str_t app, tg_str_t key, tg_str_t nonce, char *out,
                  size_t cap, size_t *len);

/*
 * Writes the rate-limit bucket's key "tg:r:{<app>}" into out (cap bytes;
 * no NUL) and sets *len.  Returns TG_OK, TG_EINVALID for an app id that is
 * not one, TG_ETOO_LARGE if out is too small.
 */
int tg_rkey_bucket(tg_str_t app, char *out, size_t cap, size_t *len);

/*
 * Writes a command of argc arguments (binary-safe) in Redis's protocol
 * (RESP: an array of bulk strings) into out (cap bytes) and sets *len.
 * Returns TG_OK, TG_EINVALID if argc < 1, TG_ETOO_LARGE if out is too
 * small (nothing useful is left in it then).
 */
int tg_resp_command(char *out, size_t cap, int argc, const tg_str_t *argv,
                    size_t *len);

#endif /* TOLLGATE_REDIS_KEY_H */
